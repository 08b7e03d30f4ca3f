//! Variant headers, `Option`, and the enum accesses handed to visitors.

use alloc::format;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::compound::{AS_MISSING, COMMON};
use super::header::VARIANT;
use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::read::Read;
use crate::wire::{WireType, TAG_UNIT};

impl<'de, R: Read<'de>> Deserializer<R> {
    /// An `Option` written in a form other than `0D` (`Some`) or `05 00` (`None`), or
    /// `None` at the depth limit.
    #[inline(never)]
    pub(super) fn option_slow<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        start: u64,
        visitor: V,
    ) -> Result<V::Value> {
        self.absent_field(FIELD)?;
        // Tag `05`: variant 0, `None`, whose body (normally the unit byte) is skipped.
        if self.read.take_if(WireType::Variant as u8) {
            // A variant body is a level of nesting, even the unit one.
            self.enter(start)?;
            if !self.read.take_if(TAG_UNIT) {
                self.skip_item()?;
            }
            self.leave();
            return visitor.visit_none();
        }
        self.option_general(visitor)
    }

    #[inline(never)]
    fn option_general<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (index, start) = self.variant_header::<false>("an Option")?;
        match index {
            0 => {
                self.enter(start)?;
                self.skip_item()?;
                self.leave();
                visitor.visit_none()
            }
            1 => {
                self.enter(start)?;
                let value = visitor.visit_some(&mut *self);
                self.leave();
                value
            }
            _ => Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("Option discriminant {index}, expected 0 (None) or 1 (Some)"),
            )),
        }
    }

    /// A unit variant's body other than the unit byte: skipped whatever it is. Out of line,
    /// so the visitor that reads the common body stays small enough to inline.
    #[inline(never)]
    fn unit_body_general(&mut self) -> Result<()> {
        self.variant_body(|de| de.skip_item())
    }

    /// Reads a variant's body with `read`, one level of nesting deeper. The level is there:
    /// whoever made the [`EnumAccess`] checked it with `can_enter`, and an access reads one
    /// body at most (the subtraction saturates all the same, so it can never wrap).
    #[inline(always)]
    fn variant_body<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.depth_left = self.depth_left.saturating_sub(1);
        let value = read(self);
        self.leave();
        value
    }

    #[inline(always)]
    pub(super) fn variant_header<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<(u32, u64)> {
        let start = self.read.offset();
        match self.read.take_varint_item(WireType::Variant as u8) {
            Some(index) => match u32::try_from(index) {
                Ok(index) => Ok((index, start)),
                Err(_) => Err(variant_index_overflow(index, start)),
            },
            None => self.variant_header_slow::<FIELD>(target),
        }
    }

    /// A variant header other than one byte, as [`Self::variant_header`] reads it (returning
    /// the index alone): out of line, for the inlined one-byte path.
    #[inline(never)]
    pub(super) fn variant_header_long<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<u32> {
        self.variant_header::<FIELD>(target).map(|(index, _)| index)
    }

    #[inline(never)]
    fn variant_header_slow<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<(u32, u64)> {
        self.absent_field(FIELD)?;
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != WireType::Variant {
            return Err(self.mismatch(tag, start, VARIANT, target));
        }
        let index = self.varint(tag, start)?;
        let index = u32::try_from(index).map_err(|_| variant_index_overflow(index, start))?;
        Ok((index, start))
    }
}

#[cold]
pub(super) fn variant_index_overflow(index: u64, start: u64) -> Error {
    Error::with_message(
        ErrorKind::IntegerOverflow,
        Some(start),
        format!("variant index {index} does not fit in u32"),
    )
}

/// The enum access of a variant whose header is read. The body's level of nesting is
/// taken by the method that reads the body; the unit byte needs none.
pub(super) struct EnumAccess<'a, R> {
    pub(super) de: &'a mut Deserializer<R>,
    pub(super) index: u32,
}

impl<'de, 'a, R: Read<'de>> de::EnumAccess<'de> for EnumAccess<'a, R> {
    type Error = Error;
    type Variant = Self;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let key = seed.deserialize(IntoDeserializer::<Error>::into_deserializer(self.index))?;
        Ok((key, self))
    }
}

impl<'de, R: Read<'de>> de::VariantAccess<'de> for EnumAccess<'_, R> {
    type Error = Error;

    #[inline]
    fn unit_variant(self) -> Result<()> {
        // The body of a unit variant is skipped whatever it is, so `#[serde(other)]` can
        // stand in for a newer variant of any kind. Usually it is the unit byte.
        if self.de.read.take_if(TAG_UNIT) {
            return Ok(());
        }
        self.de.unit_body_general()
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.de.variant_body(|de| seed.deserialize(&mut *de))
    }

    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.de
            .variant_body(|de| de.fixed::<AS_MISSING, COMMON, V>(len, "a tuple variant", visitor))
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.de.variant_body(|de| {
            de.fixed::<AS_MISSING, COMMON, V>(fields.len(), "a struct variant", visitor)
        })
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    use crate::{DecodeOptions, ErrorKind, Value};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum E {
        Unit,
        New(u8),
        Seq(Vec<u8>),
        Tuple(u8, Vec<u8>),
        Struct { a: Vec<u8> },
    }

    fn depth_error<T: core::fmt::Debug>(result: crate::Result<T>, offset: u64) {
        let e = result.expect_err("deeper than the limit");
        assert_eq!(e.kind(), ErrorKind::DepthExceeded, "{e:?}");
        assert_eq!(e.offset(), Some(offset), "{e:?}");
    }

    /// A variant's body is one level of nesting whatever its kind, the unit byte included,
    /// whether the level is taken by the header read or by the body read.
    #[test]
    fn a_variant_body_is_one_level_of_nesting() {
        let at = |depth| DecodeOptions::new().with_max_depth(depth);
        for value in [
            E::Unit,
            E::New(7),
            E::Seq(vec![1]),
            E::Tuple(1, vec![2]),
            E::Struct { a: vec![3] },
        ] {
            let bytes = crate::to_vec(&value).unwrap();
            // The variant, then a sequence or a tuple's or struct's header, then a sequence.
            let levels = match value {
                E::Unit | E::New(_) => 1,
                E::Seq(_) => 2,
                E::Tuple(..) | E::Struct { .. } => 3,
            };
            depth_error(at(0).from_slice::<E>(&bytes), 0);
            for short in 1..levels {
                assert_eq!(
                    at(short).from_slice::<E>(&bytes).unwrap_err().kind(),
                    ErrorKind::DepthExceeded
                );
            }
            assert_eq!(at(levels).from_slice::<E>(&bytes).unwrap(), value);
            // The same bytes through `deserialize_any`.
            depth_error(at(0).from_slice::<Value>(&bytes), 0);
            at(levels).from_slice::<Value>(&bytes).unwrap();
            // Depth is given back after each variant: many in a row fit in the same limit.
            let many = crate::to_vec(&[&value, &value, &value]).unwrap();
            at(levels + 1).from_slice::<Vec<E>>(&many).unwrap();
        }
    }

    /// An enum of eighteen unit variants: the last two need a two-byte header.
    macro_rules! wide {
        ($($variant:ident)*) => {
            #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
            enum Wide {
                $($variant,)*
            }
        };
    }
    wide!(V0 V1 V2 V3 V4 V5 V6 V7 V8 V9 V10 V11 V12 V13 V14 V15 V16 V17);

    /// Variant indices of one header byte and of two, after other items: the same values
    /// from a slice and from a reader, and a depth error at the header's offset.
    #[test]
    fn one_and_two_byte_variant_headers() {
        for value in [Wide::V0, Wide::V15, Wide::V16, Wide::V17] {
            let bytes = crate::to_vec(&(7u8, value)).unwrap();
            assert_eq!(crate::from_slice::<(u8, Wide)>(&bytes).unwrap(), (7, value));
            assert_eq!(
                crate::from_reader::<_, (u8, Wide)>(&bytes[..]).unwrap(),
                (7, value)
            );
            // The tuple takes the one level there is: the variant's header is at byte 2.
            depth_error(
                DecodeOptions::new()
                    .with_max_depth(1)
                    .from_slice::<(u8, Wide)>(&bytes),
                2,
            );
        }
        // An index past the last variant is the visitor's error, at the header's offset.
        let bytes = [0x13, 0x38, 0x95, 0x01, 0x00];
        let e = crate::from_slice::<(u8, Wide)>(&bytes).unwrap_err();
        assert_eq!(e.offset(), Some(2), "{e:?}");
    }

    /// A unit variant's body other than the unit byte is skipped one level down: an empty
    /// sequence there needs a second level.
    #[test]
    fn an_unusual_unit_body_is_skipped_one_level_down() {
        let bytes = [0x05, 0x03];
        let at = |depth| DecodeOptions::new().with_max_depth(depth);
        assert_eq!(at(2).from_slice::<E>(&bytes).unwrap(), E::Unit);
        assert_eq!(
            at(1).from_slice::<E>(&bytes).unwrap_err().kind(),
            ErrorKind::DepthExceeded
        );
        depth_error(at(0).from_slice::<E>(&bytes), 0);
    }
}
