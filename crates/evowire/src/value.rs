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

/// Accessors in the style of `serde_json::Value`: each returns `Some` only for the variants
/// that hold that kind of data, and never panics.
impl Value {
    /// The value as a `u64`: a [`Value::U64`], or any other integer variant whose value
    /// fits.
    ///
    /// A decoded signed integer is its zig-zag code (the wire does not say which it is):
    /// [`wire::zigzag_decode`](crate::wire::zigzag_decode) gives back the signed value.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&300u16).unwrap()).unwrap();
    /// assert_eq!(v.as_u64(), Some(300));
    /// assert_eq!(Value::I64(-1).as_u64(), None);
    /// assert_eq!(Value::String("300".into()).as_u64(), None);
    ///
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&-3i32).unwrap()).unwrap();
    /// assert_eq!(v.as_u64().map(evowire::wire::zigzag_decode), Some(-3));
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U64(v) => Some(v),
            Value::I64(v) => u64::try_from(v).ok(),
            Value::U128(v) => u64::try_from(v).ok(),
            Value::I128(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as an `i64`: a [`Value::I64`], or any other integer variant whose value
    /// fits. A decoded signed integer is its zig-zag code; see [`Value::as_u64`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// assert_eq!(Value::I64(-5).as_i64(), Some(-5));
    /// assert_eq!(Value::U64(5).as_i64(), Some(5));
    /// assert_eq!(Value::U64(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I64(v) => Some(v),
            Value::U64(v) => i64::try_from(v).ok(),
            Value::U128(v) => i64::try_from(v).ok(),
            Value::I128(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a `u128`: any unsigned integer, or a non-negative signed one.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&u128::MAX).unwrap()).unwrap();
    /// assert_eq!(v, Value::U128(u128::MAX));
    /// assert_eq!(v.as_u128(), Some(u128::MAX));
    /// assert_eq!(v.as_u64(), None);
    /// ```
    pub fn as_u128(&self) -> Option<u128> {
        match *self {
            Value::U64(v) => Some(u128::from(v)),
            Value::U128(v) => Some(v),
            Value::I64(v) => u128::try_from(v).ok(),
            Value::I128(v) => u128::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as an `f64`: a [`Value::F64`], or a [`Value::F32`] widened. Integers give
    /// `None` (a fixed-width integer decodes as a float already; see [`Value`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&2.5f32).unwrap()).unwrap();
    /// assert_eq!(v.as_f64(), Some(2.5));
    /// assert_eq!(Value::U64(2).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F64(v) => Some(v),
            Value::F32(v) => Some(f64::from(v)),
            _ => None,
        }
    }

    /// The value of a [`Value::Bool`]. Decoding never produces one (a `bool` is an integer
    /// on the wire): read `as_u64() == Some(1)` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// assert_eq!(Value::Bool(true).as_bool(), Some(true));
    /// assert_eq!(Value::U64(1).as_bool(), None);
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(v) => Some(v),
            _ => None,
        }
    }

    /// The text of a [`Value::String`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&[0x14, b'h', b'i']).unwrap();
    /// assert_eq!(v.as_str(), Some("hi"));
    /// assert_eq!(Value::Bytes(b"hi".to_vec()).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(v) => Some(v),
            _ => None,
        }
    }

    /// The content of a bytes item: a [`Value::Bytes`], or the UTF-8 of a
    /// [`Value::String`] (both are the same wire item).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&[0x14, 0xff, 0x00]).unwrap();
    /// assert_eq!(v.as_bytes(), Some(&[0xff, 0x00][..]));
    /// assert_eq!(Value::String("hi".into()).as_bytes(), Some(&b"hi"[..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(v) => Some(v),
            Value::String(v) => Some(v.as_bytes()),
            _ => None,
        }
    }

    /// The items of a [`Value::Seq`]: a struct's fields, a tuple's or sequence's
    /// elements, or a map's keys and values alternating.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&(1u8, "a")).unwrap()).unwrap();
    /// let items = v.as_seq().unwrap();
    /// assert_eq!(items.len(), 2);
    /// assert_eq!(items[1].as_str(), Some("a"));
    /// ```
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a [`Value::Seq`], mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let mut v = Value::Seq(vec![Value::U64(1)]);
    /// v.as_seq_mut().unwrap().push(Value::U64(2));
    /// assert_eq!(evowire::to_vec(&v).unwrap(), [0x13, 0x08, 0x10]);
    /// ```
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Item `index` of a [`Value::Seq`]: for a struct, its field in declaration order
    /// (an [`Value::Absent`] marker takes a slot, as on the wire).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&(1u8, "a")).unwrap()).unwrap();
    /// assert_eq!(v.get(0).and_then(Value::as_u64), Some(1));
    /// assert_eq!(v.get(2), None);
    /// ```
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.as_seq()?.get(index)
    }

    /// The entries of a [`Value::Map`]. Decoding never produces one (a map is a sequence
    /// on the wire); see [`Value::as_seq`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v = Value::Map(vec![(Value::U64(1), Value::String("one".into()))]);
    /// assert_eq!(v.as_map().map(<[_]>::len), Some(1));
    /// ```
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The index and body of a [`Value::Variant`] (an enum variant, or an `Option`:
    /// 0 is `None`, 1 is `Some`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// let v: Value = evowire::from_slice(&evowire::to_vec(&Some(7u8)).unwrap()).unwrap();
    /// assert_eq!(v.as_variant(), Some((1, &Value::U64(7))));
    /// let none: Value = evowire::from_slice(&evowire::to_vec(&None::<u8>).unwrap()).unwrap();
    /// assert_eq!(none.as_variant(), Some((0, &Value::U64(0))));
    /// ```
    pub fn as_variant(&self) -> Option<(u32, &Value)> {
        match self {
            Value::Variant(index, body) => Some((*index, body)),
            _ => None,
        }
    }

    /// True for the absent-field marker of a skipped struct field.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::Value;
    /// // A struct with a skipped field between two written ones: 2 items and a marker.
    /// let v: Value = evowire::from_slice(&[0x13, 0x08, 0x06, 0x10]).unwrap();
    /// assert!(v.get(1).is_some_and(Value::is_absent));
    /// assert!(!Value::Unit.is_absent());
    /// ```
    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }
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
