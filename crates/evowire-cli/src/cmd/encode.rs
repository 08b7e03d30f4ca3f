//! `evowire encode`: JSON to an evowire message, following a schema.
//!
//! Accepts what `evowire json` prints (see there), and a little more: integers as strings,
//! bytes as strings (their UTF-8), maps as arrays of `[key, value]` pairs. A struct field
//! missing from the object is left out when the schema gives it a default: a trailing one is
//! not written, one in the middle is written as the absent-field marker (SPEC §9).

use std::io::{self, Write};
use std::process::ExitCode;

use evowire::Value;
use evowire_schema::{Body, Container, Field, Schema, Type};
use serde_json::Value as J;

use crate::cli::EncodeArgs;
use crate::cmd::{load_schema, message_type, resolve_newtypes, root_path, Failure};
use crate::input;

pub fn run(args: &EncodeArgs) -> Result<ExitCode, Failure> {
    let schema = load_schema(&args.schema)?;
    let ty = message_type(&schema, args.ty.as_deref())?;
    let text = input::read_all(args.input.as_deref())?;
    let json: J = serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(format!("invalid JSON input: {e}")))?;
    let value = Encoder { schema: &schema }
        .value(&ty, &json, &root_path(&ty))
        .map_err(Failure::rejected)?;
    let bytes = evowire::to_vec(&value).map_err(Failure::rejected)?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.hex {
        writeln!(out, "{}", input::to_hex(&bytes))?;
    } else {
        out.write_all(&bytes)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

struct Encoder<'s> {
    schema: &'s Schema,
}

fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

fn expected(what: &str, path: &str, ty: &dyn std::fmt::Display, j: &J) -> String {
    format!("expected {what} for `{path}` ({ty}), found {}", kind(j))
}

impl Encoder<'_> {
    fn value(&self, ty: &Type, j: &J, path: &str) -> Result<Value, String> {
        let int = |j: &J| -> Option<i128> {
            match j {
                J::Number(n) => n
                    .as_u64()
                    .map(i128::from)
                    .or_else(|| n.as_i64().map(i128::from)),
                J::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        let uint = |j: &J| -> Option<u128> {
            match j {
                J::Number(n) => n.as_u64().map(u128::from),
                J::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        match ty {
            Type::Named(name) => self.named(name, j, path),
            Type::Unit => match j {
                J::Null => Ok(Value::Unit),
                _ => Err(expected("null", path, ty, j)),
            },
            Type::Bool => j
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| expected("true or false", path, ty, j)),
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::U128 | Type::Char => {
                let (bits, v) = match ty {
                    Type::Char => {
                        let c = j.as_str().and_then(|s| {
                            let mut chars = s.chars();
                            chars.next().filter(|_| chars.next().is_none())
                        });
                        let c = c.ok_or_else(|| expected("a one-character string", path, ty, j))?;
                        (32, u128::from(u32::from(c)))
                    }
                    _ => {
                        let v = uint(j)
                            .ok_or_else(|| expected("a non-negative integer", path, ty, j))?;
                        let bits = match ty {
                            Type::U8 => 8,
                            Type::U16 => 16,
                            Type::U32 => 32,
                            Type::U64 => 64,
                            _ => 128,
                        };
                        (bits, v)
                    }
                };
                if bits < 128 && v >> bits != 0 {
                    return Err(format!("{v} is out of range for `{path}` ({ty})"));
                }
                Ok(match u64::try_from(v) {
                    Ok(v) => Value::U64(v),
                    Err(_) => Value::U128(v),
                })
            }
            Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::I128 => {
                let v = int(j).ok_or_else(|| expected("an integer", path, ty, j))?;
                let bits: u32 = match ty {
                    Type::I8 => 8,
                    Type::I16 => 16,
                    Type::I32 => 32,
                    Type::I64 => 64,
                    _ => 128,
                };
                if bits < 128 && (v < -(1i128 << (bits - 1)) || v >= 1i128 << (bits - 1)) {
                    return Err(format!("{v} is out of range for `{path}` ({ty})"));
                }
                Ok(match i64::try_from(v) {
                    Ok(v) => Value::I64(v),
                    Err(_) => Value::I128(v),
                })
            }
            Type::F32 | Type::F64 => {
                let x = match j {
                    J::Number(n) => n.as_f64(),
                    J::String(s) => match s.as_str() {
                        "NaN" => Some(f64::NAN),
                        "inf" | "infinity" => Some(f64::INFINITY),
                        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                        _ => None,
                    },
                    _ => None,
                };
                let x = x.ok_or_else(|| expected("a number", path, ty, j))?;
                Ok(if *ty == Type::F32 {
                    Value::F32(x as f32)
                } else {
                    Value::F64(x)
                })
            }
            Type::Str => j
                .as_str()
                .map(|s| Value::String(s.to_string()))
                .ok_or_else(|| expected("a string", path, ty, j)),
            Type::Bytes | Type::Packed => match j {
                J::String(s) => Ok(Value::Bytes(s.as_bytes().to_vec())),
                J::Array(items) => items
                    .iter()
                    .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect::<Option<Vec<u8>>>()
                    .map(Value::Bytes)
                    .ok_or_else(|| format!("expected numbers 0 to 255 in `{path}` ({ty})")),
                _ => Err(expected("an array of bytes", path, ty, j)),
            },
            Type::Option(inner) => match j {
                J::Null => Ok(Value::Variant(0, Box::new(Value::Unit))),
                some => Ok(Value::Variant(1, Box::new(self.value(inner, some, path)?))),
            },
            Type::Seq(item) => {
                let items = j
                    .as_array()
                    .ok_or_else(|| expected("an array", path, ty, j))?;
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.value(item, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()
                    .map(Value::Seq)
            }
            Type::Map { key, value } => self.map(key, value, j, path, ty),
            Type::Tuple(_) | Type::Array { .. } => {
                let fields = super::positional_fields(ty).unwrap_or_default();
                self.positional(&fields, j, path, ty)
            }
        }
    }

    fn map(&self, key: &Type, value: &Type, j: &J, path: &str, ty: &Type) -> Result<Value, String> {
        let mut entries = Vec::new();
        match j {
            J::Object(map) => {
                let key_ty = resolve_newtypes(self.schema, key);
                for (k, v) in map {
                    // Object keys are strings: numbers and bools are read from their text.
                    let kj = match key_ty {
                        Type::Str | Type::Char => J::String(k.clone()),
                        _ => serde_json::from_str(k).unwrap_or_else(|_| J::String(k.clone())),
                    };
                    let kv = self.value(key, &kj, &format!("{path}[key {k:?}]"))?;
                    entries.push((kv, self.value(value, v, &format!("{path}[{k:?}]"))?));
                }
            }
            J::Array(pairs) => {
                for (i, pair) in pairs.iter().enumerate() {
                    let Some([k, v]) = pair
                        .as_array()
                        .map(Vec::as_slice)
                        .and_then(|p| <&[J; 2]>::try_from(p).ok())
                    else {
                        return Err(format!(
                            "expected [key, value] pairs in `{path}` ({ty}), found {} at {i}",
                            kind(pair)
                        ));
                    };
                    let kv = self.value(key, k, &format!("{path}[key {i}]"))?;
                    entries.push((kv, self.value(value, v, &format!("{path}[{i}]"))?));
                }
            }
            _ => return Err(expected("an object", path, ty, j)),
        }
        Ok(Value::Map(entries))
    }

    fn named(&self, name: &str, j: &J, path: &str) -> Result<Value, String> {
        let ty = Type::Named(name.to_string());
        match &self.schema.types[name] {
            Container::UnitStruct => match j {
                J::Null => Ok(Value::Unit),
                _ => Err(expected("null", path, &ty, j)),
            },
            Container::Newtype(inner) => self.value(inner, j, path),
            Container::TupleStruct(fields) => self.positional(fields, j, path, &ty),
            Container::Struct(fields) => self.object(fields, j, path, &ty),
            Container::Enum(variants) => {
                let names = || {
                    variants
                        .iter()
                        .map(|v| format!("`{}`", v.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let (variant, body) = match j {
                    J::String(s) => (s.as_str(), None),
                    J::Object(map) if map.len() == 1 => {
                        let (k, v) = map.iter().next().expect("one entry");
                        (k.as_str(), Some(v))
                    }
                    _ => {
                        return Err(expected(
                            "a variant name or {\"Variant\": body}",
                            path,
                            &ty,
                            j,
                        ))
                    }
                };
                let Some(index) = variants.iter().position(|v| v.name == variant) else {
                    return Err(format!(
                        "`{path}`: enum `{name}` has no variant `{variant}` (it has {})",
                        names()
                    ));
                };
                let at = format!("{path}::{variant}");
                let value = match (&variants[index].body, body) {
                    (Body::Unit, None | Some(J::Null)) => Value::Unit,
                    (Body::Newtype(t), Some(b)) => self.value(t, b, &at)?,
                    (Body::Tuple(fields), Some(b)) => self.positional(fields, b, &at, &ty)?,
                    (Body::Struct(fields), Some(b)) => self.object(fields, b, &at, &ty)?,
                    (Body::Unit, Some(_)) => {
                        return Err(format!("`{at}` is a unit variant: write \"{variant}\""))
                    }
                    (_, None) => {
                        return Err(format!("`{at}` has data: write {{\"{variant}\": …}}"))
                    }
                };
                let index = u32::try_from(index).map_err(|_| "too many variants".to_string())?;
                Ok(Value::Variant(index, Box::new(value)))
            }
        }
    }

    /// A struct from an object, fields in schema order.
    fn object(&self, fields: &[Field], j: &J, path: &str, ty: &Type) -> Result<Value, String> {
        let map = j
            .as_object()
            .ok_or_else(|| expected("an object", path, ty, j))?;
        if let Some(unknown) = map.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
            let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
            return Err(format!(
                "`{path}` has no field `{unknown}` (it has {})",
                names.join(", ")
            ));
        }
        let mut items = Vec::with_capacity(fields.len());
        for f in fields {
            match map.get(&f.name) {
                Some(v) => items.push(self.value(&f.ty, v, &format!("{path}.{}", f.name))?),
                None if f.default => items.push(Value::Absent),
                None => {
                    return Err(format!(
                        "missing field `{path}.{}` (the schema gives it no default)",
                        f.name
                    ))
                }
            }
        }
        Ok(seq(items))
    }

    /// A tuple, tuple struct or tuple variant from an array; trailing fields with defaults
    /// may be left out.
    fn positional(
        &self,
        fields: &[Field],
        j: &J,
        path: &str,
        ty: &dyn std::fmt::Display,
    ) -> Result<Value, String> {
        let items = j
            .as_array()
            .ok_or_else(|| expected("an array", path, ty, j))?;
        if items.len() > fields.len() {
            return Err(format!(
                "`{path}` ({ty}) has {} elements, the array {}",
                fields.len(),
                items.len()
            ));
        }
        if let Some(f) = fields[items.len()..].iter().find(|f| !f.default) {
            return Err(format!(
                "`{path}` ({ty}) needs {} elements (element {} has no default), the array has {}",
                fields.len(),
                f.name,
                items.len()
            ));
        }
        items
            .iter()
            .zip(fields)
            .map(|(v, f)| self.value(&f.ty, v, &format!("{path}.{}", f.name)))
            .collect::<Result<_, _>>()
            .map(seq)
    }
}

/// A sequence; absent fields at the end are dropped (they cost nothing on the wire).
fn seq(mut items: Vec<Value>) -> Value {
    while items.last() == Some(&Value::Absent) {
        items.pop();
    }
    Value::Seq(items)
}
