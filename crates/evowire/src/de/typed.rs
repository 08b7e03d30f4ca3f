//! The [`serde::Deserializer`] impl: what each typed request reads, dispatching to the
//! paths in the sibling modules.

use alloc::format;
use core::cell::Cell;

use serde::de::{self, Visitor};

use super::any::VALUE_TOKEN;
use super::compound::{Inlined, MapAccess, AS_MISSING, COMMON, REJECT};
use super::enums::EnumAccess;
use super::header::{at, Mark, Start, SEQUENCE};
use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::packed::PACKED_TOKEN;
use crate::read::Read;
use crate::wire::{WireType, TAG_FIXED32, TAG_FIXED64, TAG_SOME, TAG_UNIT};

/// The reader a typed read runs on: the plain one, or a struct field's (see `field`).
pub(super) trait Reader<'a, R> {
    fn reader(self) -> &'a mut Deserializer<R>;
}

impl<'a, R> Reader<'a, R> for &'a mut Deserializer<R> {
    #[inline(always)]
    fn reader(self) -> &'a mut Deserializer<R> {
        self
    }
}

/// A narrow integer read; `$field` says whether an absent-field marker may stand for it.
macro_rules! narrow_int {
    ($field:literal, $method:ident, $visit:ident, $ty:ty, $read:ident) => {
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let de = $crate::de::typed::Reader::reader(self);
            let (v, start) = de.$read::<$field>(stringify!($ty))?;
            match <$ty>::try_from(v) {
                Ok(v) => visitor.$visit(v).map_err(|e: Error| {
                    e.or_offset($crate::de::header::Start::offset(start, &de.read))
                }),
                Err(_) => Err($crate::de::header::out_of_range(
                    v,
                    stringify!($ty),
                    $crate::de::header::Start::offset(start, &de.read),
                )),
            }
        }
    };
}

/// Every integer read of a [`serde::Deserializer`] impl (`u128`/`i128` aside).
macro_rules! int_methods {
    ($field:literal) => {
        $crate::de::typed::narrow_int!($field, deserialize_i8, visit_i8, i8, signed);
        $crate::de::typed::narrow_int!($field, deserialize_i16, visit_i16, i16, signed);
        $crate::de::typed::narrow_int!($field, deserialize_i32, visit_i32, i32, signed);
        $crate::de::typed::narrow_int!($field, deserialize_i64, visit_i64, i64, signed);
        $crate::de::typed::narrow_int!($field, deserialize_u8, visit_u8, u8, unsigned);
        $crate::de::typed::narrow_int!($field, deserialize_u16, visit_u16, u16, unsigned);
        $crate::de::typed::narrow_int!($field, deserialize_u32, visit_u32, u32, unsigned);
        $crate::de::typed::narrow_int!($field, deserialize_u64, visit_u64, u64, unsigned);
    };
}
pub(super) use {int_methods, narrow_int};

/// The reads with a fast path that struct fields share (see `field`): `FIELD` accepts an
/// absent-field marker where the fast path fails.
impl<'de, R: Read<'de>> Deserializer<R> {
    #[inline(always)]
    pub(super) fn read_f32<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        match self.read.take_tagged::<4>(TAG_FIXED32) {
            Some(bits) => visitor.visit_f32(f32::from_le_bytes(bits)),
            None => visitor.visit_f32(self.f32_slow::<FIELD>()?),
        }
    }

    #[inline(always)]
    pub(super) fn read_f64<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        match self.read.take_tagged::<8>(TAG_FIXED64) {
            Some(bits) => visitor.visit_f64(f64::from_le_bytes(bits)),
            None => visitor.visit_f64(self.float::<FIELD>("f64")?.0),
        }
    }

    #[inline(always)]
    pub(super) fn read_bool<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        let (v, start) = self.unsigned::<FIELD>("bool")?;
        visitor
            .visit_bool(v != 0)
            .map_err(|e: Error| e.or_offset(start.offset(&self.read)))
    }

    #[inline(always)]
    pub(super) fn read_str<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        // The offset is worked out only if an error needs it.
        let start = Mark(self.read.mark());
        match self.read.take_borrowed_bytes_item() {
            // Nothing but tail calls off the ASCII path: no stack frame where this is
            // outlined.
            Some(bytes) => match crate::text::ascii(bytes) {
                Some(s) if bytes.len() <= self.max_len => {
                    match visitor.visit_borrowed_str::<Error>(s) {
                        Ok(value) => Ok(value),
                        Err(e) => Err(e.or_offset(start.offset(&self.read))),
                    }
                }
                _ => self.borrowed_str_slow(bytes, start.offset(&self.read), visitor),
            },
            None => self.str_general::<FIELD, V>(visitor),
        }
    }

    #[inline(always)]
    pub(super) fn read_bytes<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        let start = self.read.offset();
        match self.read.take_borrowed_bytes_item() {
            Some(bytes) => {
                self.check_borrowed_len(bytes, start)?;
                visitor
                    .visit_borrowed_bytes(bytes)
                    .map_err(|e: Error| e.or_offset(start))
            }
            None => self.bytes_general::<FIELD, V>(visitor),
        }
    }

    #[inline(always)]
    pub(super) fn read_option<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        // The offset is computed where it is needed: `None`, the common case, never is.
        if self.read.take_if(TAG_SOME) {
            let start = self.read.offset() - 1;
            self.enter(start)?;
            let value = visitor.visit_some(&mut *self);
            self.leave();
            return value;
        }
        // `None` as written: variant 0 and the unit body, `05 00` (a level of nesting,
        // so it too needs depth to spare).
        if self.depth_left > 0 && self.read.take_pair(WireType::Variant as u8, TAG_UNIT) {
            return visitor.visit_none();
        }
        let start = self.read.offset();
        self.option_slow::<FIELD, V>(start, visitor)
    }

    #[inline(always)]
    pub(super) fn read_enum<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        // A one-byte header inline, any other out of line: the inlined body stays small
        // enough for the visitor that calls it to be inlined in turn. The offset is worked
        // out only if an error needs it.
        let start = Mark(self.read.mark());
        let index = match self.read.take_short_item(WireType::Variant as u8) {
            Some(index) => u32::from(index),
            None => self.variant_header_long::<FIELD>(name)?,
        };
        // The body is a level of nesting: checked here, taken by the `VariantAccess`
        // method that reads a body other than the unit byte.
        self.can_enter(start)?;
        match visitor.visit_enum(EnumAccess {
            de: &mut *self,
            index,
        }) {
            Ok(value) => Ok(value),
            Err(e) => Err(at(e, start.offset(&self.read))),
        }
    }
}

impl<'de, R: Read<'de>> de::Deserializer<'de> for &mut Deserializer<R> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (tag, start) = self.tag()?;
        self.any_after_tag(tag, start, visitor)
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_bool::<false, V>(visitor)
    }

    int_methods!(false);

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i128(self.signed128()?)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u128(self.unsigned128()?)
    }

    #[inline(always)]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_f32::<false, V>(visitor)
    }

    #[inline(always)]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_f64::<false, V>(visitor)
    }

    #[inline]
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, start) = self.unsigned::<false>("char")?;
        let start = start.offset(&self.read);
        match u32::try_from(v).ok().and_then(char::from_u32) {
            Some(c) => visitor.visit_char(c),
            None => Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("{v:#x} is not a unicode scalar value, expected a char"),
            )),
        }
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_str::<false, V>(visitor)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_bytes::<false, V>(visitor)
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.read_option::<false, V>(visitor)
    }

    #[inline]
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Any item reads as unit: that is how a field is deprecated (SPEC §10).
        self.skip_item()?;
        visitor.visit_unit()
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name.as_bytes().first() == Some(&b'$') {
            if name == VALUE_TOKEN {
                let outer = core::mem::replace(&mut self.lossless, true);
                let value = visitor.visit_newtype_struct(&mut *self);
                self.lossless = outer;
                return value;
            }
            if name == PACKED_TOKEN {
                return self.packed(visitor);
            }
        }
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.sequence::<REJECT, V>(usize::MAX, "a sequence", visitor)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        // Tuples and arrays are written by `SerializeTuple`, which cannot skip an element:
        // no absent marker can stand in them, so no element pays for looking for one.
        self.fixed::<REJECT, COMMON, V>(len, "a tuple", visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.fixed::<AS_MISSING, COMMON, V>(len, name, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, "a map")?;
        if count % 2 != 0 {
            return Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("a map needs an even number of items, found {count}"),
            ));
        }
        self.enter(start)?;
        let mut access = MapAccess {
            de: self,
            remaining: count,
            hint: Cell::new(None),
        };
        let value = visitor
            .visit_map(Inlined(&mut access))
            .map_err(|e: Error| e.or_offset(start))?;
        let rest = access.remaining;
        let hint = access.hint;
        self.release(&hint);
        self.skip_items(rest)?;
        self.leave();
        Ok(value)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.fixed::<AS_MISSING, COMMON, V>(fields.len(), name, visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.read_enum::<false, V>(name, visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Field names as map keys (flatten), indices, or a unit variant written as a tag
        // (adjacently tagged enums): its index is the identifier, its body is skipped.
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != WireType::Variant {
            return self.any_after_tag(tag, start, visitor);
        }
        let index = self.varint(tag, start)?;
        self.enter(start)?;
        self.skip_item()?;
        self.leave();
        visitor
            .visit_u64(index)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_item()?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}
