//! A serde `Serializer` that turns a Rust value into the JSON form of the plain value that
//! a schema-driven reader in another language gives back (see `vectors/README.md`):
//!
//! * integers are JSON numbers, or `{"int": "<decimal>"}` outside the 64-bit range;
//! * floats are JSON numbers with a fraction or exponent, or `{"float": "nan" | "inf" | "-inf"}`;
//! * byte strings (and packed sequences) are `{"bytes": "<hex>"}`;
//! * maps and structs are `{"dict": [[key, value], …]}`; unit, `None` and unit structs are
//!   `null`; `Some(x)` and newtypes are `x`; sequences and tuples are arrays;
//! * a unit variant is its name; another variant is `{"variant": [name, body]}`.
//!
//! A field skipped by `skip_serializing_if` is left out, or written as `null` when
//! `skipped_as_null` is set (what a reader fills in for a missing `Option` field).

use serde::ser::{self, Serialize};
use serde_json::{json, Number, Value as Json};

#[derive(Debug)]
pub struct PlainError(String);

impl std::fmt::Display for PlainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlainError {}

impl ser::Error for PlainError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        PlainError(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, PlainError>;

/// The plain form of `value`.
pub fn plain<T: Serialize + ?Sized>(value: &T, skipped_as_null: bool) -> Json {
    value
        .serialize(Plain { skipped_as_null })
        .unwrap_or_else(|e| panic!("plain form: {e}"))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn int(v: i128) -> Json {
    match (i64::try_from(v), u64::try_from(v)) {
        (Ok(i), _) => json!(i),
        (_, Ok(u)) => json!(u),
        _ => json!({ "int": v.to_string() }),
    }
}

pub fn float(v: f64) -> Json {
    match Number::from_f64(v) {
        Some(n) => Json::Number(n),
        None if v.is_nan() => json!({"float": "nan"}),
        None if v > 0.0 => json!({"float": "inf"}),
        None => json!({"float": "-inf"}),
    }
}

#[derive(Clone, Copy)]
struct Plain {
    skipped_as_null: bool,
}

/// Collects the items of a sequence, tuple, map, struct or variant body.
struct Collect {
    plain: Plain,
    items: Vec<Json>,
    pairs: Vec<Json>,
    key: Option<Json>,
    variant: Option<&'static str>,
}

impl Collect {
    fn new(plain: Plain, variant: Option<&'static str>) -> Self {
        Collect {
            plain,
            items: Vec::new(),
            pairs: Vec::new(),
            key: None,
            variant,
        }
    }

    fn wrap(&self, body: Json) -> Json {
        match self.variant {
            Some(name) => json!({ "variant": [name, body] }),
            None => body,
        }
    }

    fn list(self) -> Result<Json> {
        let body = Json::Array(self.items.clone());
        Ok(self.wrap(body))
    }

    fn dict(self) -> Result<Json> {
        let body = json!({ "dict": self.pairs.clone() });
        Ok(self.wrap(body))
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let value = value.serialize(self.plain)?;
        self.pairs.push(json!([key, value]));
        Ok(())
    }

    fn skipped(&mut self, key: &'static str) -> Result<()> {
        if self.plain.skipped_as_null {
            self.pairs.push(json!([key, null]));
        }
        Ok(())
    }
}

impl ser::Serializer for Plain {
    type Ok = Json;
    type Error = PlainError;
    type SerializeSeq = Collect;
    type SerializeTuple = Collect;
    type SerializeTupleStruct = Collect;
    type SerializeTupleVariant = Collect;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Collect;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<Json> {
        Ok(json!(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Json> {
        Ok(int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Json> {
        Ok(int(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Json> {
        Ok(match i128::try_from(v) {
            Ok(i) => int(i),
            Err(_) => json!({ "int": v.to_string() }),
        })
    }
    fn serialize_f32(self, v: f32) -> Result<Json> {
        Ok(float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Json> {
        Ok(float(v))
    }
    fn serialize_char(self, v: char) -> Result<Json> {
        Ok(json!(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json> {
        Ok(json!(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json> {
        Ok(json!({ "bytes": hex(v) }))
    }
    fn serialize_none(self) -> Result<Json> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Json> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Json> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, name: &'static str) -> Result<Json> {
        Ok(json!(name))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Json> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        v: &T,
    ) -> Result<Json> {
        Ok(json!({ "variant": [name, v.serialize(self)?] }))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Collect> {
        Ok(Collect::new(self, None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Collect> {
        Ok(Collect::new(self, None))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Collect> {
        Ok(Collect::new(self, None))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Collect> {
        Ok(Collect::new(self, Some(name)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Collect> {
        Ok(Collect::new(self, None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Collect> {
        Ok(Collect::new(self, None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Collect> {
        Ok(Collect::new(self, Some(name)))
    }
}

macro_rules! list_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Collect {
            type Ok = Json;
            type Error = PlainError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
                let item = v.serialize(self.plain)?;
                self.items.push(item);
                Ok(())
            }
            fn end(self) -> Result<Json> {
                self.list()
            }
        }
    )*};
}

list_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Collect {
    type Ok = Json;
    type Error = PlainError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<()> {
        self.key = Some(k.serialize(self.plain)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        let key = self.key.take().unwrap_or(Json::Null);
        let value = v.serialize(self.plain)?;
        self.pairs.push(json!([key, value]));
        Ok(())
    }
    fn end(self) -> Result<Json> {
        self.dict()
    }
}

macro_rules! dict_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Collect {
            type Ok = Json;
            type Error = PlainError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<()> {
                self.field(key, v)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<()> {
                self.skipped(key)
            }
            fn end(self) -> Result<Json> {
                self.dict()
            }
        }
    )*};
}

dict_like!(SerializeStruct, SerializeStructVariant);
