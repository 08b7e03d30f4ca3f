//! `evowire json`: decode a message into JSON by walking its schema and its bytes together.
//!
//! The JSON follows serde_json's conventions for the same Rust types: structs are objects
//! (fields in schema order), tuples and sequences arrays, `None` and `()` null, enums
//! `"Unit"` or `{"Variant": body}`, bytes arrays of numbers, maps objects when their keys
//! are strings, numbers, chars or bools (arrays of `[key, value]` otherwise). Integers beyond
//! 64 bits and non-finite floats are strings. Decoding follows the format's reader rules:
//! integers may be varint or fixed-width, missing trailing fields and absent fields take
//! their defaults (left out of the object), items a newer writer added are skipped, unknown
//! variant indices reach the `#[serde(other)]` fallback. Each such event is noted on stderr.

use std::io::{self, Write};
use std::process::ExitCode;

use evowire::walk::{Header, Item, Walker};
use evowire::wire::zigzag_decode128;
use evowire_schema::{Body, Container, Field, Schema, Type};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::cli::JsonArgs;
use crate::cmd::{decoder_error, load_schema, message_type, resolve_newtypes, root_path, Failure};
use crate::input;

pub fn run(args: &JsonArgs) -> Result<ExitCode, Failure> {
    let schema = load_schema(&args.schema)?;
    let ty = message_type(&schema, args.ty.as_deref())?;
    let bytes = input::read_message(args.input.as_deref(), args.hex)?;
    // A malformed message is reported in the decoder's words, whatever the schema.
    if let Some(e) = decoder_error(&bytes) {
        return Err(Failure::rejected(e));
    }
    let mut decoder = Decoder {
        schema: &schema,
        walker: Walker::new(&bytes),
        notes: Vec::new(),
    };
    let value = decoder
        .value(&ty, &root_path(&ty))
        .map_err(|Mismatch(e)| Failure::rejected(e))?;
    for note in &decoder.notes {
        eprintln!("note: {note}");
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.compact {
        serde_json::to_writer(&mut out, &value).map_err(io::Error::from)?;
    } else {
        serde_json::to_writer_pretty(&mut out, &value).map_err(io::Error::from)?;
    }
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A JSON value whose objects keep the schema's field order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    U(u128),
    I(i128),
    F32(f32),
    F64(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::U(v) => match u64::try_from(*v) {
                Ok(v) => s.serialize_u64(v),
                Err(_) => s.collect_str(v),
            },
            Json::I(v) => match i64::try_from(*v) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.collect_str(v),
            },
            Json::F32(x) if x.is_finite() => s.serialize_f32(*x),
            Json::F32(x) => s.serialize_str(non_finite(f64::from(*x))),
            Json::F64(x) if x.is_finite() => s.serialize_f64(*x),
            Json::F64(x) => s.serialize_str(non_finite(*x)),
            Json::Str(v) => s.serialize_str(v),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// A number as found on the wire, before it is read as a given type.
enum Number {
    Varint(u128),
    Fixed32(u32),
    Fixed64(u64),
}

struct Decoder<'s, 'b> {
    schema: &'s Schema,
    walker: Walker<'b>,
    notes: Vec<String>,
}

/// Why the message does not fit the schema (or the walk failed), as printed.
struct Mismatch(String);

impl From<evowire::Error> for Mismatch {
    fn from(e: evowire::Error) -> Self {
        Mismatch(e.to_string())
    }
}

impl Mismatch {
    /// A problem with the item at `offset`.
    fn at(offset: usize, message: impl std::fmt::Display) -> Self {
        Mismatch(format!("{message} at byte offset {offset}"))
    }
}

fn mismatch(item: &Item<'_>, expected: &str, path: &str, ty: &dyn std::fmt::Display) -> Mismatch {
    let wire = item.wire_type();
    Mismatch::at(
        item.offset,
        format!(
            "expected {expected} for `{path}` ({ty}), found {} (wire type {})",
            wire.name(),
            wire as u8
        ),
    )
}

impl<'b> Decoder<'_, 'b> {
    /// The next item, which the message's structure says is there.
    fn item(&mut self) -> Result<Item<'b>, Mismatch> {
        let at = self.walker.offset();
        self.walker
            .next_item()?
            .ok_or_else(|| Mismatch::at(at, "unexpected end of the enclosing item"))
    }

    fn value(&mut self, ty: &Type, path: &str) -> Result<Json, Mismatch> {
        let item = self.item()?;
        self.value_of(item, ty, path)
    }

    /// An item read as `ty`; a sequence's or variant's nested items are still ahead.
    fn value_of(&mut self, item: Item<'b>, ty: &Type, path: &str) -> Result<Json, Mismatch> {
        match ty {
            Type::Named(name) => self.named(item, name, path),
            Type::Unit => self.unit(&item),
            Type::Bool => {
                let v = match number(&item, path, ty)? {
                    Number::Varint(v) => {
                        if v > u128::from(u64::MAX) {
                            return Err(Mismatch::at(
                                item.offset,
                                format!("integer out of range for `{path}` (bool)"),
                            ));
                        }
                        v != 0
                    }
                    Number::Fixed32(v) => v != 0,
                    Number::Fixed64(v) => v != 0,
                };
                Ok(Json::Bool(v))
            }
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::U128 => {
                let bits = match ty {
                    Type::U8 => 8,
                    Type::U16 => 16,
                    Type::U32 => 32,
                    Type::U64 => 64,
                    _ => 128,
                };
                Ok(Json::U(unsigned(&item, path, ty, bits)?))
            }
            Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::I128 => {
                let bits: u32 = match ty {
                    Type::I8 => 8,
                    Type::I16 => 16,
                    Type::I32 => 32,
                    Type::I64 => 64,
                    _ => 128,
                };
                let v = match number(&item, path, ty)? {
                    Number::Varint(v) => zigzag_decode128(v),
                    Number::Fixed32(v) => i128::from(v as i32),
                    Number::Fixed64(v) => i128::from(v as i64),
                };
                let fits =
                    bits == 128 || (v >= -(1i128 << (bits - 1)) && v < (1i128 << (bits - 1)));
                if !fits {
                    return Err(Mismatch::at(
                        item.offset,
                        format!("integer {v} out of range for `{path}` ({ty})"),
                    ));
                }
                Ok(Json::I(v))
            }
            Type::F32 | Type::F64 => {
                let x = match item.header {
                    Header::Fixed32(b) => f64::from(f32::from_le_bytes(b)),
                    Header::Fixed64(b) => f64::from_le_bytes(b),
                    _ => return Err(mismatch(&item, "a fixed32/fixed64 float", path, ty)),
                };
                Ok(match (ty, item.header) {
                    (Type::F32, Header::Fixed32(b)) => Json::F32(f32::from_le_bytes(b)),
                    (Type::F32, _) => Json::F32(x as f32),
                    _ => Json::F64(x),
                })
            }
            Type::Char => {
                let v = unsigned(&item, path, ty, 32)?;
                let c = u32::try_from(v)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        Mismatch::at(item.offset, format!("{v:#x} is not a char, in `{path}`"))
                    })?;
                Ok(Json::Str(c.to_string()))
            }
            Type::Str => {
                let Header::Bytes(b) = item.header else {
                    return Err(mismatch(&item, "a bytes item", path, ty));
                };
                let s = std::str::from_utf8(b).map_err(|_| {
                    Mismatch::at(item.offset, format!("invalid utf-8 in `{path}` (str)"))
                })?;
                Ok(Json::Str(s.to_string()))
            }
            Type::Bytes | Type::Packed => {
                let Header::Bytes(b) = item.header else {
                    return Err(mismatch(&item, "a bytes item", path, ty));
                };
                Ok(Json::Arr(b.iter().map(|&x| Json::U(x.into())).collect()))
            }
            Type::Option(inner) => match item.header {
                Header::Variant(0) => {
                    // `None`: its body is skipped, whatever it is.
                    self.walker.skip()?;
                    Ok(Json::Null)
                }
                Header::Variant(1) => {
                    self.walker.enter()?;
                    let v = self.value(inner, path)?;
                    self.walker.leave()?;
                    Ok(v)
                }
                Header::Variant(d) => Err(Mismatch::at(
                    item.offset,
                    format!("invalid Option discriminant {d} for `{path}`"),
                )),
                _ => Err(mismatch(&item, "a variant (an Option)", path, ty)),
            },
            Type::Seq(element) => self.seq(&item, element, path, ty),
            Type::Map { key, value } => self.map(&item, key, value, path, ty),
            Type::Tuple(_) | Type::Array { .. } => {
                let fields = super::positional_fields(ty).unwrap_or_default();
                self.record(&item, &fields, false, path, ty)
            }
        }
    }

    /// Unit reads any item and skips it (SPEC §7.5), but an absent-field marker is no item.
    fn unit(&mut self, item: &Item<'_>) -> Result<Json, Mismatch> {
        if item.header == Header::Absent {
            return Err(Mismatch::at(
                item.offset,
                "absent-field marker outside a struct",
            ));
        }
        self.walker.skip()?;
        Ok(Json::Null)
    }

    fn seq(
        &mut self,
        item: &Item<'_>,
        element: &Type,
        path: &str,
        ty: &Type,
    ) -> Result<Json, Mismatch> {
        let count = match item.header {
            Header::Sequence(count) => count,
            // A packed sequence (§12.2) read with a schema that predates it.
            Header::Bytes(b) => {
                if let Some(values) = unpack(resolve_newtypes(self.schema, element), b) {
                    self.notes.push(format!(
                        "`{path}` is packed (evowire::packed) at byte offset {}",
                        item.offset
                    ));
                    return Ok(Json::Arr(values));
                }
                return Err(mismatch(item, "a sequence", path, ty));
            }
            _ => return Err(mismatch(item, "a sequence", path, ty)),
        };
        self.walker.enter()?;
        let mut out = Vec::new();
        for i in 0..count {
            let next = self.item()?;
            if next.header == Header::Absent {
                return Err(Mismatch::at(
                    next.offset,
                    format!("absent-field marker in the sequence `{path}`"),
                ));
            }
            out.push(self.value_of(next, element, &format!("{path}[{i}]"))?);
        }
        self.walker.leave()?;
        Ok(Json::Arr(out))
    }

    fn map(
        &mut self,
        item: &Item<'_>,
        key: &Type,
        value: &Type,
        path: &str,
        ty: &Type,
    ) -> Result<Json, Mismatch> {
        let Header::Sequence(count) = item.header else {
            return Err(mismatch(item, "a sequence (a map)", path, ty));
        };
        if count % 2 != 0 {
            return Err(Mismatch::at(
                item.offset,
                format!("a map needs an even number of items, `{path}` has {count}"),
            ));
        }
        self.walker.enter()?;
        let mut entries = Vec::new();
        for i in 0..count / 2 {
            let k = self.value(key, &format!("{path}[key {i}]"))?;
            let v = self.value(value, &format!("{path}[{i}]"))?;
            entries.push((k, v));
        }
        self.walker.leave()?;
        let string_keys = matches!(
            resolve_newtypes(self.schema, key),
            Type::Str
                | Type::Char
                | Type::Bool
                | Type::U8
                | Type::U16
                | Type::U32
                | Type::U64
                | Type::U128
                | Type::I8
                | Type::I16
                | Type::I32
                | Type::I64
                | Type::I128
        );
        Ok(if string_keys {
            Json::Obj(
                entries
                    .into_iter()
                    .map(|(k, v)| (key_text(&k), v))
                    .collect(),
            )
        } else {
            Json::Arr(
                entries
                    .into_iter()
                    .map(|(k, v)| Json::Arr(vec![k, v]))
                    .collect(),
            )
        })
    }

    fn named(&mut self, item: Item<'b>, name: &str, path: &str) -> Result<Json, Mismatch> {
        let schema = self.schema;
        let container = &schema.types[name];
        let ty = Type::Named(name.to_string());
        match container {
            Container::UnitStruct => self.unit(&item),
            Container::Newtype(inner) => self.value_of(item, inner, path),
            Container::TupleStruct(fields) => self.record(&item, fields, false, path, &ty),
            Container::Struct(fields) => self.record(&item, fields, true, path, &ty),
            Container::Enum(variants) => {
                let Header::Variant(index) = item.header else {
                    return Err(mismatch(&item, "a variant", path, &ty));
                };
                self.walker.enter()?;
                // Unknown indices reach the `#[serde(other)]` fallback, as in a reader.
                let variant = match variants.get(index as usize) {
                    Some(v) => v,
                    None => variants.iter().find(|v| v.fallback).ok_or_else(|| {
                        Mismatch::at(
                            item.offset,
                            format!(
                                "unknown variant index {index} for `{path}` (enum `{name}` has {} \
                                 variants and no #[serde(other)] fallback)",
                                variants.len()
                            ),
                        )
                    })?,
                };
                if variant.fallback {
                    self.notes.push(format!(
                        "`{path}`: variant index {index} at byte offset {} read as the fallback \
                         `{}` (its body is skipped)",
                        item.offset, variant.name
                    ));
                }
                let at = format!("{path}::{}", variant.name);
                let body = match &variant.body {
                    // The body is skipped when the variant is left.
                    Body::Unit => None,
                    Body::Newtype(t) => Some(self.value(t, &at)?),
                    Body::Tuple(fields) => {
                        let body = self.item()?;
                        Some(self.record(&body, fields, false, &at, &ty)?)
                    }
                    Body::Struct(fields) => {
                        let body = self.item()?;
                        Some(self.record(&body, fields, true, &at, &ty)?)
                    }
                };
                self.walker.leave()?;
                Ok(match body {
                    None => Json::Str(variant.name.clone()),
                    Some(body) => Json::Obj(vec![(variant.name.clone(), body)]),
                })
            }
        }
    }

    /// A sequence read into a fixed list of fields (SPEC §5.4, §9.3).
    fn record(
        &mut self,
        item: &Item<'_>,
        fields: &[Field],
        named: bool,
        path: &str,
        ty: &dyn std::fmt::Display,
    ) -> Result<Json, Mismatch> {
        let Header::Sequence(count) = item.header else {
            return Err(mismatch(item, "a sequence", path, ty));
        };
        self.walker.enter()?;
        let mut out = Vec::new();
        let mut left = count;
        let mut next = 0;
        while next < fields.len() && left > 0 {
            let f = &fields[next];
            next += 1;
            let field = self.item()?;
            if field.header == Header::Absent {
                let at = field.offset;
                if !f.default {
                    return Err(Mismatch::at(
                        at,
                        format!(
                            "field `{path}.{}` is absent, and the schema gives it no default",
                            f.name
                        ),
                    ));
                }
                self.notes.push(format!(
                    "`{path}.{}` is absent (marker at byte offset {at}): readers use its default",
                    f.name
                ));
                continue;
            }
            let v = self.value_of(field, &f.ty, &format!("{path}.{}", f.name))?;
            out.push((f.name.clone(), v));
            left -= 1;
        }
        for f in &fields[next..] {
            if !f.default {
                return Err(Mismatch::at(
                    item.offset,
                    format!(
                        "`{path}` has {count} items, and the schema gives its field `{}` no default",
                        f.name
                    ),
                ));
            }
            self.notes.push(format!(
                "`{path}.{}` is missing: readers use its default",
                f.name
            ));
        }
        let at = self.walker.offset();
        // Items the schema has no place for are skipped on the way out.
        self.walker.leave()?;
        if left > 0 {
            self.notes.push(format!(
                "`{path}`: skipped {left} item{} from byte offset {at} that the schema does not \
                 have (written by a newer version?)",
                if left == 1 { "" } else { "s" }
            ));
        }
        Ok(if named {
            Json::Obj(out)
        } else {
            Json::Arr(out.into_iter().map(|(_, v)| v).collect())
        })
    }
}

/// The number in an integer, fixed32 or fixed64 item, before it is read as a given type.
fn number(item: &Item<'_>, path: &str, ty: &Type) -> Result<Number, Mismatch> {
    Ok(match item.header {
        Header::Int(v) => Number::Varint(v),
        Header::Fixed32(b) => Number::Fixed32(u32::from_le_bytes(b)),
        Header::Fixed64(b) => Number::Fixed64(u64::from_le_bytes(b)),
        _ => return Err(mismatch(item, "an integer (wire type 0, 1 or 2)", path, ty)),
    })
}

fn unsigned(item: &Item<'_>, path: &str, ty: &Type, bits: u32) -> Result<u128, Mismatch> {
    let v = match number(item, path, ty)? {
        Number::Varint(v) => v,
        Number::Fixed32(v) => v.into(),
        Number::Fixed64(v) => v.into(),
    };
    if bits < 128 && v >> bits != 0 {
        return Err(Mismatch::at(
            item.offset,
            format!("integer {v} out of range for `{path}` ({ty})"),
        ));
    }
    Ok(v)
}

/// An object key for a map key.
fn key_text(key: &Json) -> String {
    match key {
        Json::Str(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::U(v) => v.to_string(),
        Json::I(v) => v.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The elements of a packed payload, for element types that can be packed.
fn unpack(item: &Type, b: &[u8]) -> Option<Vec<Json>> {
    let width = match item {
        Type::U16 | Type::I16 => 2,
        Type::U32 | Type::I32 | Type::F32 => 4,
        Type::U64 | Type::I64 | Type::F64 => 8,
        _ => return None,
    };
    if b.len() % width != 0 {
        return None;
    }
    Some(
        b.chunks_exact(width)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..width].copy_from_slice(c);
                let raw = u64::from_le_bytes(w);
                match item {
                    Type::U16 | Type::U32 | Type::U64 => Json::U(raw.into()),
                    Type::I16 => Json::I(i128::from(raw as u16 as i16)),
                    Type::I32 => Json::I(i128::from(raw as u32 as i32)),
                    Type::I64 => Json::I(i128::from(raw as i64)),
                    Type::F32 => Json::F32(f32::from_bits(raw as u32)),
                    _ => Json::F64(f64::from_bits(raw)),
                }
            })
            .collect(),
    )
}
