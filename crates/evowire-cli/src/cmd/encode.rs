//! `evowire encode`: JSON to evowire messages, following a schema.
//!
//! Accepts what `evowire json` prints (see there), and a little more: integers as strings,
//! bytes as strings (their UTF-8), maps as arrays of `[key, value]` pairs. A struct field
//! missing from the object is left out when the schema gives it a default: a trailing one is
//! not written, one in the middle is written as the absent-field marker (SPEC §9). Several
//! JSON values in a row become messages written back to back (or framed, `--frames`).
//!
//! Nothing is written that evowire's readers would refuse or read differently: values
//! beyond their type's range (an `f32` above `f32::MAX` included) and messages nested
//! deeper than `--max-depth` are errors.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use evowire::Value;
use evowire_schema::{Body, Container, Field, Schema, Type};

use crate::cli::EncodeArgs;
use crate::cmd::shape::{
    container, fits_signed, fits_unsigned, float_bits, int_width, nullable, resolve, string_keys,
    Fields, Path, SOME,
};
use crate::cmd::tree::{self, J};
use crate::cmd::{load_schema, message_type, root_path, Failure};
use crate::input;

pub fn run(args: &EncodeArgs) -> Result<ExitCode, Failure> {
    let schema = load_schema(&args.schema)?;
    let ty = message_type(&schema, args.ty.as_deref())?;
    let text = input::read_all(args.input.as_deref())?;
    let root = root_path(&ty);
    let encoder = Encoder {
        schema: &schema,
        max_depth: args.max_depth as usize,
    };
    // A message of depth d is at most 2d + 1 JSON levels deep: a map with keys that are
    // not strings is an array of `[key, value]` arrays.
    let values = tree::values(&text, 2 * encoder.max_depth + 2).map_err(Failure::usage)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut n = 0u64;
    let result = values.into_iter().try_for_each(|value| {
        n += 1;
        let json = value.map_err(Failure::usage)?;
        let message = encoder
            .value(&ty, &json, &Path::Root(&root), 0)
            .map_err(|e| match n {
                1 => Failure::rejected(e),
                _ => Failure::rejected(format!("JSON value {n}: {e}")),
            })?;
        let bytes = evowire::to_vec(&message).map_err(Failure::rejected)?;
        write_message(&mut out, &bytes, args)
    });
    out.flush()?;
    result?;
    if n == 0 {
        return Err(Failure::usage("invalid JSON input: no JSON value"));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_message(out: &mut impl Write, bytes: &[u8], args: &EncodeArgs) -> Result<(), Failure> {
    let mut prefix = Vec::new();
    if args.frames {
        let len = u32::try_from(bytes.len()).map_err(|_| {
            Failure::rejected(format!(
                "the message is {} bytes, more than a 4-byte length prefix can say",
                bytes.len()
            ))
        })?;
        prefix.extend_from_slice(&len.to_be_bytes());
    }
    if args.hex {
        let sep = if prefix.is_empty() { "" } else { " " };
        writeln!(
            out,
            "{}{sep}{}",
            input::to_hex(&prefix),
            input::to_hex(bytes)
        )?;
    } else {
        out.write_all(&prefix)?;
        out.write_all(bytes)?;
    }
    Ok(())
}

struct Encoder<'s> {
    schema: &'s Schema,
    max_depth: usize,
}

fn expected(what: &str, path: &Path<'_>, ty: &dyn std::fmt::Display, j: &J) -> String {
    format!("expected {what} for `{path}` ({ty}), found {}", j.kind())
}

/// `x` as an integer, if it is one that an `f64` holds exactly below 2⁶⁴ in magnitude (a
/// JSON number like `1e3` or `5.0`).
fn float_int(x: f64) -> Option<i128> {
    (x.fract() == 0.0 && x.abs() < 18_446_744_073_709_551_616.0).then_some(x as i128)
}

impl<'s> Encoder<'s> {
    /// The depth of the items inside a sequence or variant that sits at `depth`, if the
    /// decoders accept that deep.
    fn deeper(&self, depth: usize, path: &Path<'_>) -> Result<usize, String> {
        if depth >= self.max_depth {
            return Err(format!(
                "`{path}` would nest deeper than {} levels, which decoders refuse \
                 (see --max-depth)",
                self.max_depth
            ));
        }
        Ok(depth + 1)
    }

    /// `j` as a value of `ty`, at `depth` sequences and variants down.
    fn value(&self, ty: &'s Type, j: &J, path: &Path<'_>, depth: usize) -> Result<Value, String> {
        let ty = resolve(self.schema, ty)?;
        if let Some((bits, signed)) = int_width(ty) {
            return self.int(bits, signed, ty, j, path);
        }
        match ty {
            Type::Named(name) => self.named(name, ty, j, path, depth),
            Type::Unit => match j {
                J::Null => Ok(Value::Unit),
                _ => Err(expected("null", path, ty, j)),
            },
            Type::Bool => match j {
                J::Bool(b) => Ok(Value::Bool(*b)),
                _ => Err(expected("true or false", path, ty, j)),
            },
            Type::Char => {
                let c = match j {
                    J::Str(s) => {
                        let mut chars = s.chars();
                        chars.next().filter(|_| chars.next().is_none())
                    }
                    _ => None,
                };
                let c = c.ok_or_else(|| expected("a one-character string", path, ty, j))?;
                Ok(Value::U64(u32::from(c).into()))
            }
            Type::F32 | Type::F64 => self.float(*ty == Type::F64, ty, j, path),
            Type::Str => match j {
                J::Str(s) => Ok(Value::String(s.clone())),
                _ => Err(expected("a string", path, ty, j)),
            },
            Type::Bytes | Type::Packed => match j {
                J::Str(s) => Ok(Value::Bytes(s.as_bytes().to_vec())),
                J::Arr(items) => items
                    .iter()
                    .map(|b| match b {
                        J::U(b) => u8::try_from(*b).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<u8>>>()
                    .map(Value::Bytes)
                    .ok_or_else(|| format!("expected numbers 0 to 255 in `{path}` ({ty})")),
                _ => Err(expected("an array of bytes", path, ty, j)),
            },
            Type::Option(inner) => {
                let inside = self.deeper(depth, path)?;
                let some = match j {
                    J::Null => return Ok(Value::Variant(0, Box::new(Value::Unit))),
                    // `Some(x)` where `x` could be null: `{"some": x}`.
                    J::Obj(members) if nullable(self.schema, inner) => match members.as_slice() {
                        [(name, x)] if name == SOME => x,
                        _ => return Err(expected("null or {\"some\": …}", path, ty, j)),
                    },
                    _ if nullable(self.schema, inner) => {
                        return Err(expected("null or {\"some\": …}", path, ty, j))
                    }
                    x => x,
                };
                let value = self.value(inner, some, path, inside)?;
                Ok(Value::Variant(1, Box::new(value)))
            }
            Type::Seq(item) => {
                let J::Arr(items) = j else {
                    return Err(expected("an array", path, ty, j));
                };
                let inside = self.deeper(depth, path)?;
                items
                    .iter()
                    .zip(0u64..)
                    .map(|(v, i)| self.value(item, v, &Path::Index(path, i), inside))
                    .collect::<Result<_, _>>()
                    .map(Value::Seq)
            }
            Type::Map { key, value } => self.map(key, value, ty, j, path, depth),
            Type::Tuple(items) => self.positional(Fields::Tuple(items), ty, j, path, depth),
            Type::Array { item, len } => {
                self.positional(Fields::Array(item, *len), ty, j, path, depth)
            }
            _ => Err(format!("`{path}` ({ty}) is not an integer")),
        }
    }

    fn int(
        &self,
        bits: u32,
        signed: bool,
        ty: &Type,
        j: &J,
        path: &Path<'_>,
    ) -> Result<Value, String> {
        let what = if signed {
            "an integer"
        } else {
            "a non-negative integer"
        };
        let v: i128 =
            match j {
                J::U(v) => i128::from(*v),
                J::I(v) if signed => i128::from(*v),
                J::F(x) => {
                    match float_int(*x) {
                        Some(v) if signed || v >= 0 => v,
                        _ if x.fract() != 0.0 || !x.is_finite() => {
                            return Err(format!("{x} is not an integer, for `{path}` ({ty})"))
                        }
                        _ if bits == 128 && x.abs() >= 18_446_744_073_709_551_616.0 => {
                            return Err(format!(
                        "`{path}` ({ty}): {x:e} is a JSON number beyond 64 bits, which loses \
                         digits; {ty} values are written as JSON strings, e.g. \"{}\"",
                        if signed { i128::MAX.to_string() } else { u128::MAX.to_string() }
                    ))
                        }
                        _ => return Err(format!("{x:e} does not fit in {ty}, for `{path}`")),
                    }
                }
                J::Str(s) if signed => s
                    .trim()
                    .parse()
                    .map_err(|_| format!("{s:?} is not {what}, for `{path}` ({ty})"))?,
                J::Str(s) => {
                    let v: u128 = s
                        .trim()
                        .parse()
                        .map_err(|_| format!("{s:?} is not {what}, for `{path}` ({ty})"))?;
                    if !fits_unsigned(v, bits) {
                        return Err(format!("{v} is out of range for `{path}` ({ty})"));
                    }
                    return Ok(match u64::try_from(v) {
                        Ok(v) => Value::U64(v),
                        Err(_) => Value::U128(v),
                    });
                }
                _ => return Err(expected(what, path, ty, j)),
            };
        let out_of_range = || match j {
            J::F(x) => format!("{x:e} does not fit in {ty}, for `{path}`"),
            _ => format!("{v} is out of range for `{path}` ({ty})"),
        };
        if signed {
            if !fits_signed(v, bits) {
                return Err(out_of_range());
            }
            return Ok(match i64::try_from(v) {
                Ok(v) => Value::I64(v),
                Err(_) => Value::I128(v),
            });
        }
        match u128::try_from(v) {
            Ok(v) if fits_unsigned(v, bits) => Ok(match u64::try_from(v) {
                Ok(v) => Value::U64(v),
                Err(_) => Value::U128(v),
            }),
            Ok(_) => Err(out_of_range()),
            Err(_) => Err(expected(what, path, ty, j)),
        }
    }

    fn float(&self, wide: bool, ty: &Type, j: &J, path: &Path<'_>) -> Result<Value, String> {
        let x = match j {
            J::U(v) => *v as f64,
            J::I(v) => *v as f64,
            J::F(x) => *x,
            J::Str(s) => {
                let bits = float_bits(s, wide).ok_or_else(|| {
                    format!(
                        "{s:?} is not a float, for `{path}` ({ty}): write a number, \"NaN\", \
                         \"inf\", \"-inf\" or \"{ty}:0x\" and the bits in hex"
                    )
                })?;
                return Ok(if wide {
                    Value::F64(f64::from_bits(bits))
                } else {
                    Value::F32(f32::from_bits(bits as u32))
                });
            }
            _ => return Err(expected("a number", path, ty, j)),
        };
        if wide {
            return Ok(Value::F64(x));
        }
        let narrow = x as f32;
        if narrow.is_infinite() {
            return Err(format!(
                "{x:e} does not fit in f32 (the largest is {:e}), for `{path}`",
                f32::MAX
            ));
        }
        Ok(Value::F32(narrow))
    }

    fn map(
        &self,
        key: &'s Type,
        value: &'s Type,
        ty: &Type,
        j: &J,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, String> {
        let inside = self.deeper(depth, path)?;
        let mut entries = Vec::new();
        match j {
            J::Obj(members) => {
                let by_name = string_keys(self.schema, key);
                let key_ty = resolve(self.schema, key)?;
                for (k, v) in members {
                    // Member names are strings: other keys are read from their text.
                    let kj = match key_ty {
                        Type::Bool if k == "true" || k == "false" => J::Bool(k == "true"),
                        _ if by_name => J::Str(k.clone()),
                        _ => serde_json::from_str(k).unwrap_or_else(|_| J::Str(k.clone())),
                    };
                    let kv = self.value(key, &kj, &Path::EntryKey(path, k), inside)?;
                    entries.push((kv, self.value(value, v, &Path::Entry(path, k), inside)?));
                }
            }
            J::Arr(pairs) => {
                for (pair, i) in pairs.iter().zip(0u64..) {
                    let J::Arr(kv) = pair else {
                        return Err(format!(
                            "expected [key, value] pairs in `{path}` ({ty}), found {} at {i}",
                            pair.kind()
                        ));
                    };
                    let [k, v] = kv.as_slice() else {
                        return Err(format!(
                            "expected [key, value] pairs in `{path}` ({ty}), found an array of \
                             {} at {i}",
                            kv.len()
                        ));
                    };
                    let kv = self.value(key, k, &Path::Key(path, i), inside)?;
                    entries.push((kv, self.value(value, v, &Path::Index(path, i), inside)?));
                }
            }
            _ => return Err(expected("an object", path, ty, j)),
        }
        Ok(Value::Map(entries))
    }

    fn named(
        &self,
        name: &str,
        ty: &Type,
        j: &J,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, String> {
        match container(self.schema, name)? {
            Container::UnitStruct => match j {
                J::Null => Ok(Value::Unit),
                _ => Err(expected("null", path, ty, j)),
            },
            // `resolve` looked through newtypes already.
            Container::Newtype(_) => Err(format!("the newtype `{name}` is not resolved")),
            Container::TupleStruct(fields) => {
                self.positional(Fields::Listed(fields), ty, j, path, depth)
            }
            Container::Struct(fields) => self.object(fields, ty, j, path, depth),
            Container::Enum(variants) => {
                let names = || {
                    variants
                        .iter()
                        .map(|v| format!("`{}`", v.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let (variant, body) = match j {
                    J::Str(s) => (s.as_str(), None),
                    J::Obj(members) => match members.as_slice() {
                        [(k, v)] => (k.as_str(), Some(v)),
                        _ => {
                            return Err(expected(
                                "a variant name or {\"Variant\": body}",
                                path,
                                ty,
                                j,
                            ))
                        }
                    },
                    _ => {
                        return Err(expected(
                            "a variant name or {\"Variant\": body}",
                            path,
                            ty,
                            j,
                        ))
                    }
                };
                let Some((index, found)) =
                    variants.iter().enumerate().find(|(_, v)| v.name == variant)
                else {
                    return Err(format!(
                        "`{path}`: enum `{name}` has no variant `{variant}` (it has {})",
                        names()
                    ));
                };
                let inside = self.deeper(depth, path)?;
                let at = Path::Variant(path, variant);
                let value = match (&found.body, body) {
                    (Body::Unit, None | Some(J::Null)) => Value::Unit,
                    (Body::Newtype(t), Some(b)) => self.value(t, b, &at, inside)?,
                    (Body::Tuple(fields), Some(b)) => {
                        self.positional(Fields::Listed(fields), ty, b, &at, inside)?
                    }
                    (Body::Struct(fields), Some(b)) => self.object(fields, ty, b, &at, inside)?,
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
    fn object(
        &self,
        fields: &'s [Field],
        ty: &Type,
        j: &J,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, String> {
        let J::Obj(members) = j else {
            return Err(expected("an object", path, ty, j));
        };
        for (i, (name, _)) in members.iter().enumerate() {
            if !fields.iter().any(|f| &f.name == name) {
                let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
                return Err(format!(
                    "`{path}` has no field `{name}` (it has {})",
                    names.join(", ")
                ));
            }
            if members[..i].iter().any(|(seen, _)| seen == name) {
                return Err(format!("`{path}` has the field `{name}` twice"));
            }
        }
        let inside = self.deeper(depth, path)?;
        let mut items = Vec::with_capacity(fields.len());
        for f in fields {
            match members.iter().find(|(name, _)| *name == f.name) {
                Some((_, v)) => {
                    let at = Path::Field(path, super::shape::FieldName::Named(&f.name));
                    items.push(self.value(&f.ty, v, &at, inside)?);
                }
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

    /// A tuple, tuple struct, array or tuple variant from an array; trailing fields with
    /// defaults may be left out.
    fn positional(
        &self,
        fields: Fields<'s>,
        ty: &Type,
        j: &J,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Value, String> {
        let J::Arr(items) = j else {
            return Err(expected("an array", path, ty, j));
        };
        if items.len() > fields.len() {
            return Err(format!(
                "`{path}` ({ty}) has {} elements, the array {}",
                fields.len(),
                items.len()
            ));
        }
        if let Some(f) = fields.first_required(items.len()) {
            return Err(format!(
                "`{path}` ({ty}) needs {} elements (element {} has no default), the array has {}",
                fields.len(),
                f.name,
                items.len()
            ));
        }
        let inside = self.deeper(depth, path)?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| match fields.get(i) {
                Some(f) => self.value(f.ty, v, &Path::Field(path, f.name), inside),
                None => Err(format!("`{path}` ({ty}) has no element {i}")),
            })
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

#[cfg(test)]
mod tests {
    /// `json` writes an `f32` in its shortest form; `encode` reads it as an exact `f64`
    /// and narrows it: the bits come back, for a spread of bit patterns.
    #[test]
    fn f32_text_round_trips_through_f64() {
        let mut bits: u32 = 1;
        for _ in 0..200_000 {
            bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = f32::from_bits(bits);
            if !x.is_finite() {
                continue;
            }
            let text = serde_json::to_string(&x).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!((back as f32).to_bits(), bits, "{text}");
        }
    }
}
