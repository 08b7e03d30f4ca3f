//! The tracing deserializer: answers each request of a type's `Deserialize` impl with a
//! made-up value and records in its slot what was requested.

use serde::de::value::U32Deserializer;
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

use super::enums::discriminant_hash;
use super::partial::{PartialBody, PartialContainer, PartialType};
use super::tracer::{Probe, RecordKey, Tracer};
use super::TraceError;
use crate::schema::Type;

// The newtype name through which `evowire::packed` asks for its bytes form.
use evowire::__private::PACKED_TOKEN;

/// The deserializer for one position of the type.
pub(super) struct TracingDeserializer<'t> {
    tracer: &'t mut Tracer,
    slot: &'t mut PartialType,
    /// Inside a type nested in itself: end recursion where possible.
    cut: bool,
}

impl<'t> TracingDeserializer<'t> {
    /// The deserializer for the root of a pass, recording the root type in `slot`.
    pub(super) fn new(tracer: &'t mut Tracer, slot: &'t mut PartialType) -> Self {
        TracingDeserializer {
            tracer,
            slot,
            cut: false,
        }
    }
}

macro_rules! primitive {
    ($($method:ident => $ty:ident, $visit:ident($($value:expr)?);)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
            *self.slot = PartialType::Known(Type::$ty);
            let r = visitor.$visit($($value)?);
            self.tracer.attribute_failure(r, None)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for TracingDeserializer<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, TraceError> {
        self.tracer.fatal(
            "the type needs `deserialize_any` (#[serde(flatten)], untagged, internally or \
             adjacently tagged enums, or a self-describing impl), which a positional format \
             cannot trace"
                .into(),
        )
    }

    primitive! {
        deserialize_bool => Bool, visit_bool(false);
        deserialize_i8 => I8, visit_i8(1);
        deserialize_i16 => I16, visit_i16(1);
        deserialize_i32 => I32, visit_i32(1);
        deserialize_i64 => I64, visit_i64(1);
        deserialize_i128 => I128, visit_i128(1);
        deserialize_u8 => U8, visit_u8(1);
        deserialize_u16 => U16, visit_u16(1);
        deserialize_u32 => U32, visit_u32(1);
        deserialize_u64 => U64, visit_u64(1);
        deserialize_u128 => U128, visit_u128(1);
        deserialize_f32 => F32, visit_f32(0.0);
        deserialize_f64 => F64, visit_f64(0.0);
        deserialize_char => Char, visit_char('a');
        deserialize_str => Str, visit_borrowed_str("");
        deserialize_string => Str, visit_borrowed_str("");
        deserialize_bytes => Bytes, visit_borrowed_bytes(&[]);
        deserialize_byte_buf => Bytes, visit_borrowed_bytes(&[]);
        deserialize_unit => Unit, visit_unit();
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut inner = PartialType::Unknown;
        let r = if self.cut {
            visitor.visit_none()
        } else {
            visitor.visit_some(TracingDeserializer {
                tracer: &mut *self.tracer,
                slot: &mut inner,
                cut: false,
            })
        };
        let value = self.tracer.attribute_failure(r, None)?;
        *self.slot = PartialType::Option(Box::new(inner));
        Ok(value)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        *self.slot = PartialType::Known(Type::Named(name.into()));
        let r = visitor.visit_unit();
        let value = self.tracer.attribute_failure(r, None)?;
        self.tracer.record(name, PartialContainer::UnitStruct)?;
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let TracingDeserializer { tracer, slot, cut } = self;
        let mut inner = PartialType::Unknown;
        if name == PACKED_TOKEN {
            *slot = PartialType::Known(Type::Packed);
            let r = visitor.visit_newtype_struct(TracingDeserializer {
                tracer: &mut *tracer,
                slot: &mut inner,
                cut,
            });
            return tracer.attribute_failure(r, None);
        }
        *slot = PartialType::Known(Type::Named(name.into()));
        let cut = tracer.enter_named(name, cut)?;
        let r = visitor.visit_newtype_struct(TracingDeserializer {
            tracer: &mut *tracer,
            slot: &mut inner,
            cut,
        });
        tracer.stack.pop();
        let value = tracer.attribute_failure(r, None)?;
        tracer.record(name, PartialContainer::Newtype(inner))?;
        Ok(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut access = RecordAccess {
            tracer: &mut *self.tracer,
            slots: Vec::new(),
            limit: if self.cut { 0 } else { 1 },
            cut: self.cut,
        };
        let r = visitor.visit_seq(&mut access);
        let element = access
            .slots
            .into_iter()
            .next()
            .unwrap_or(PartialType::Unknown);
        let value = self.tracer.attribute_failure(r, None)?;
        *self.slot = PartialType::Seq(Box::new(element));
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, rec) = self.tracer.visit_record(None, None, self.cut, visitor)?;
        *self.slot = PartialType::Tuple(rec.fields);
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let TracingDeserializer { tracer, slot, cut } = self;
        *slot = PartialType::Known(Type::Named(name.into()));
        let cut = tracer.enter_named(name, cut)?;
        let r = tracer.visit_record(Some(RecordKey::Container(name)), None, cut, visitor);
        tracer.stack.pop();
        let (value, rec) = r?;
        tracer.record(name, PartialContainer::TupleStruct(rec))?;
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut access = MapAccessor {
            tracer: &mut *self.tracer,
            key: PartialType::Unknown,
            value: PartialType::Unknown,
            remaining: if self.cut { 0 } else { 1 },
            cut: self.cut,
        };
        let r = visitor.visit_map(&mut access);
        let (key, val) = (access.key, access.value);
        let value = self.tracer.attribute_failure(r, None)?;
        *self.slot = PartialType::Map(Box::new(key), Box::new(val));
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let TracingDeserializer { tracer, slot, cut } = self;
        *slot = PartialType::Known(Type::Named(name.into()));
        let cut = tracer.enter_named(name, cut)?;
        let r = tracer.visit_record(Some(RecordKey::Container(name)), Some(fields), cut, visitor);
        tracer.stack.pop();
        let (value, rec) = r?;
        tracer.record(name, PartialContainer::Struct(rec))?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let TracingDeserializer { tracer, slot, cut } = self;
        *slot = PartialType::Known(Type::Named(name.into()));
        let cut = tracer.enter_named(name, cut)?;
        let index = match tracer.choose_variant(name, variants, cut) {
            Ok(i) => i,
            Err(e) => {
                tracer.stack.pop();
                return Err(e);
            }
        };
        let mut body = None;
        let r = visitor.visit_enum(EnumAccessor {
            tracer: &mut *tracer,
            name,
            index,
            body: &mut body,
            cut,
        });
        tracer.stack.pop();
        let value = tracer.attribute_failure(r, Some(Probe::EnumIndex(name, index)))?;
        tracer.record_variant(name, index, body, discriminant_hash(&value))?;
        Ok(value)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, TraceError> {
        self.tracer.fatal(
            "the type asks for field or variant names (#[serde(flatten)], internally or \
             adjacently tagged enums, or a map-based impl), which a positional format cannot \
             trace"
                .into(),
        )
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let r = visitor.visit_unit();
        self.tracer.attribute_failure(r, None)
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Hands out up to `limit` elements, then `None`; counts every request.
pub(super) struct RecordAccess<'t> {
    pub(super) tracer: &'t mut Tracer,
    pub(super) slots: Vec<PartialType>,
    pub(super) limit: usize,
    pub(super) cut: bool,
}

impl<'de> SeqAccess<'de> for RecordAccess<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        let i = self.slots.len();
        self.slots.push(PartialType::Unknown);
        if i >= self.limit || i >= 100_000 {
            return Ok(None);
        }
        let value = seed.deserialize(TracingDeserializer {
            tracer: &mut *self.tracer,
            slot: &mut self.slots[i],
            cut: self.cut,
        })?;
        Ok(Some(value))
    }
}

struct MapAccessor<'t> {
    tracer: &'t mut Tracer,
    key: PartialType,
    value: PartialType,
    remaining: usize,
    cut: bool,
}

impl<'de> MapAccess<'de> for MapAccessor<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        seed.deserialize(TracingDeserializer {
            tracer: &mut *self.tracer,
            slot: &mut self.key,
            cut: self.cut,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        seed.deserialize(TracingDeserializer {
            tracer: &mut *self.tracer,
            slot: &mut self.value,
            cut: self.cut,
        })
    }
}

struct EnumAccessor<'t> {
    tracer: &'t mut Tracer,
    name: &'static str,
    index: usize,
    body: &'t mut Option<PartialBody>,
    cut: bool,
}

impl<'de, 't> EnumAccess<'de> for EnumAccessor<'t> {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), TraceError> {
        let index = u32::try_from(self.index).unwrap_or(u32::MAX);
        let value = seed.deserialize(U32Deserializer::<TraceError>::new(index))?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for EnumAccessor<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        *self.body = Some(PartialBody::Unit);
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, TraceError> {
        let mut inner = PartialType::Unknown;
        let value = seed.deserialize(TracingDeserializer {
            tracer: &mut *self.tracer,
            slot: &mut inner,
            cut: self.cut,
        })?;
        *self.body = Some(PartialBody::Newtype(inner));
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let key = RecordKey::Variant(self.name, self.index);
        let (value, rec) = self
            .tracer
            .visit_record(Some(key), None, self.cut, visitor)?;
        *self.body = Some(PartialBody::Tuple(rec));
        Ok(value)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let key = RecordKey::Variant(self.name, self.index);
        let (value, rec) = self
            .tracer
            .visit_record(Some(key), Some(fields), self.cut, visitor)?;
        *self.body = Some(PartialBody::Struct(rec));
        Ok(value)
    }
}
