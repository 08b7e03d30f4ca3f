//! [`Value`]: any evowire message, decoded without its Rust type.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::ser::{self, Serialize, SerializeSeq, SerializeStruct, Serializer};

use crate::de::{ABSENT_TOKEN, VALUE_TOKEN};

/// A dynamically typed evowire item.
///
/// Decoding any well-formed message into a `Value` and serializing it again gives the same
/// bytes. Decoding produces only the wire-level variants, because the wire does not say more:
///
/// | wire item                    | `Value`                                   |
/// |------------------------------|-------------------------------------------|
/// | integer (type 0)             | [`Value::U64`], or [`Value::U128`] above `u64::MAX` |
/// | fixed32 / fixed64 (1, 2)     | [`Value::F32`] / [`Value::F64`]           |
/// | sequence (3)                 | [`Value::Seq`] (structs, tuples and maps too) |
/// | bytes (4)                    | [`Value::String`] if valid UTF-8, else [`Value::Bytes`] |
/// | variant (5)                  | [`Value::Variant`] (`Option` is variant 0 or 1) |
/// | absent-field marker (6)      | [`Value::Absent`], only inside a `Seq`    |
///
/// Integers come back unsigned: the wire does not say whether zig-zag was used, so a signed
/// `-1` reads as `U64(1)`. The other variants (`Unit`, `Bool`, `I64`, `I128`, `Map`) exist to
/// build messages by hand or from other formats, and serialize as their Rust counterparts.
///
/// # Examples
///
/// ```
/// use evowire::Value;
///
/// let bytes = evowire::to_vec(&(7u8, "hi", Some(2.5f32))).unwrap();
/// let value: Value = evowire::from_slice(&bytes).unwrap();
/// assert_eq!(
///     value,
///     Value::Seq(vec![
///         Value::U64(7),
///         Value::String("hi".into()),
///         Value::Variant(1, Box::new(Value::F32(2.5))),
///     ])
/// );
/// assert_eq!(evowire::to_vec(&value).unwrap(), bytes);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `()`: written as integer 0.
    Unit,
    /// A boolean: written as integer 0 or 1.
    Bool(bool),
    /// An unsigned integer (wire type 0).
    U64(u64),
    /// A signed integer: written zig-zag encoded.
    I64(i64),
    /// An unsigned integer above `u64::MAX`.
    U128(u128),
    /// A signed 128-bit integer: written zig-zag encoded.
    I128(i128),
    /// A fixed32 item, read as `f32`.
    F32(f32),
    /// A fixed64 item, read as `f64`.
    F64(f64),
    /// A bytes item holding valid UTF-8.
    String(String),
    /// A bytes item.
    Bytes(Vec<u8>),
    /// A sequence: a struct, tuple, sequence, or a map's alternating keys and values.
    Seq(Vec<Value>),
    /// Key/value pairs, written as a sequence of `2 × len` items.
    Map(Vec<(Value, Value)>),
    /// An enum variant (or `Option`: 0 is `None`, 1 is `Some`) and its body.
    Variant(u32, Box<Value>),
    /// The absent-field marker of a skipped struct field; valid only inside [`Value::Seq`].
    Absent,
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Unit => serializer.serialize_unit(),
            Value::Bool(v) => serializer.serialize_bool(*v),
            Value::U64(v) => serializer.serialize_u64(*v),
            Value::I64(v) => serializer.serialize_i64(*v),
            Value::U128(v) => serializer.serialize_u128(*v),
            Value::I128(v) => serializer.serialize_i128(*v),
            Value::F32(v) => serializer.serialize_f32(*v),
            Value::F64(v) => serializer.serialize_f64(*v),
            Value::String(v) => serializer.serialize_str(v),
            Value::Bytes(v) => serializer.serialize_bytes(v),
            Value::Seq(items) if items.contains(&Value::Absent) => {
                // Absent markers are struct fields skipped by the writer: write them the
                // same way, as skipped fields of an anonymous struct.
                let present = items.iter().filter(|v| **v != Value::Absent).count();
                let mut st = serializer.serialize_struct("", present)?;
                for item in items {
                    if *item == Value::Absent {
                        st.skip_field("")?;
                    } else {
                        st.serialize_field("", item)?;
                    }
                }
                st.end()
            }
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => serializer.collect_map(entries.iter().map(|(k, v)| (k, v))),
            Value::Variant(index, body) => {
                serializer.serialize_newtype_variant("", *index, "", &**body)
            }
            Value::Absent => Err(ser::Error::custom(
                "Value::Absent is only valid as an element of Value::Seq",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        // The token asks an evowire deserializer for the lossless view; any other
        // deserializer sees a newtype struct and goes on to `deserialize_any`.
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any evowire value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::I64(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::I128(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::U64(v))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(match u64::try_from(v) {
            Ok(small) => Value::U64(small),
            Err(_) => Value::U128(v),
        })
    }

    fn visit_f32<E>(self, v: f32) -> Result<Value, E> {
        Ok(Value::F32(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::F64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.into()))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Variant(0, Box::new(Value::Unit)))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Ok(Value::Variant(1, Box::new(Value::deserialize(d)?)))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Unit)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (key, body) = data.variant::<VariantKey>()?;
        match key {
            VariantKey::Index(index) => {
                Ok(Value::Variant(index, Box::new(body.newtype_variant()?)))
            }
            VariantKey::Absent => {
                body.unit_variant()?;
                Ok(Value::Absent)
            }
        }
    }
}

enum VariantKey {
    Index(u32),
    Absent,
}

impl<'de> Deserialize<'de> for VariantKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = VariantKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a variant index")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VariantKey, E> {
                u32::try_from(v)
                    .map(VariantKey::Index)
                    .map_err(|_| E::custom("variant index does not fit in u32"))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<VariantKey, E> {
                if v == ABSENT_TOKEN {
                    Ok(VariantKey::Absent)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}
