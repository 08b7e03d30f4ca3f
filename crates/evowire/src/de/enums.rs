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
        self.skip_item()
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
        seed.deserialize(&mut *self.de)
    }

    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.de
            .fixed::<AS_MISSING, COMMON, V>(len, "a tuple variant", visitor)
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.de
            .fixed::<AS_MISSING, COMMON, V>(fields.len(), "a struct variant", visitor)
    }
}
