//! `deserialize_any`, and the lossless view that [`Value`](crate::Value) asks for.

use alloc::format;

use serde::de::{self, DeserializeSeed, Visitor};

use super::compound::{AS_VALUE, REJECT};
use super::enums::EnumAccess;
use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::read::{Read, Reference};
use crate::wire::{WireType, TAG_FIXED32, TAG_FIXED64};

/// The newtype-struct name through which [`Value`](crate::Value) asks this deserializer for
/// a lossless view (variants through `visit_enum`, absent markers as values).
pub const VALUE_TOKEN: &str = "$evowire::private::Value";
/// The variant key a lossless view reports for an absent-field marker.
pub(crate) const ABSENT_TOKEN: &str = "$evowire::private::Absent";

impl<'de, R: Read<'de>> Deserializer<R> {
    /// `deserialize_any` for an item whose tag has been read.
    pub(super) fn any_after_tag<V: Visitor<'de>>(
        &mut self,
        tag: u8,
        start: u64,
        visitor: V,
    ) -> Result<V::Value> {
        match WireType::from_tag(tag) {
            WireType::Int => {
                let v = self
                    .read
                    .take_varint128(tag)
                    .map_err(|e: Error| e.or_offset(start))?;
                match u64::try_from(v) {
                    Ok(small) => visitor.visit_u64(small),
                    Err(_) => visitor.visit_u128(v),
                }
            }
            WireType::Fixed32 if tag == TAG_FIXED32 => {
                visitor.visit_f32(f32::from_le_bytes(self.array(start)?))
            }
            WireType::Fixed64 if tag == TAG_FIXED64 => {
                visitor.visit_f64(f64::from_le_bytes(self.array(start)?))
            }
            WireType::Sequence => {
                let count = self.length(tag, start)?;
                if self.lossless {
                    self.visit_sequence::<AS_VALUE, V>(count, start, usize::MAX, visitor)
                } else {
                    self.visit_sequence::<REJECT, V>(count, start, usize::MAX, visitor)
                }
            }
            WireType::Bytes => {
                let bytes = self.bytes_after_tag(tag, start)?;
                match bytes {
                    Reference::Borrowed(b) => match crate::text::from_utf8(b) {
                        Ok(s) => visitor.visit_borrowed_str(s),
                        Err(_) => visitor.visit_borrowed_bytes(b),
                    },
                    Reference::Copied(b) => match crate::text::from_utf8(b) {
                        Ok(s) => visitor.visit_str(s),
                        Err(_) => visitor.visit_bytes(b),
                    },
                }
            }
            WireType::Variant => {
                let index = self.varint(tag, start)?;
                let index = u32::try_from(index).map_err(|_| {
                    Error::with_message(
                        ErrorKind::IntegerOverflow,
                        Some(start),
                        format!("variant index {index} does not fit in u32"),
                    )
                })?;
                if self.lossless || index > 1 {
                    // The body's level is taken by the `VariantAccess` method that reads it.
                    self.can_enter(start)?;
                    return visitor
                        .visit_enum(EnumAccess { de: self, index })
                        .map_err(|e: Error| e.or_offset(start));
                }
                self.enter(start)?;
                let value = if index == 0 {
                    // Through serde's generic buffering (untagged, flatten) a variant 0 is
                    // read as `None`, a variant 1 as `Some`: see the crate docs.
                    self.skip_item()?;
                    visitor.visit_none()
                } else {
                    visitor.visit_some(&mut *self)
                };
                self.leave();
                value.map_err(|e: Error| e.or_offset(start))
            }
            _ => Err(self.mismatch(tag, start, "any item", "deserialize_any")),
        }
    }
}

/// What a lossless view gets for an absent-field marker: a unit variant with a reserved key.
pub(super) struct AbsentMarker;

impl<'de> de::Deserializer<'de> for AbsentMarker {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_enum(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::EnumAccess<'de> for AbsentMarker {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let key = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(
            ABSENT_TOKEN,
        ))?;
        Ok((key, self))
    }
}

impl<'de> de::VariantAccess<'de> for AbsentMarker {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }
}
