//! What `json` and `encode` share about reading a schema: where a value is (paths for
//! messages), the fields of records of every kind, newtypes looked through with a bound,
//! and the JSON forms that keep values exact.

use std::fmt;

use evowire_schema::{Container, Field, Schema, Type};

/// The room for open levels in the commands' walkers, and so the largest `--max-depth`.
pub const MAX_LEVELS: usize = 1024;

/// Where a value sits in a message, for messages to people. Built on the stack as the
/// commands descend; turned into text only when something is reported.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    /// The message itself: the type's name, or `message`.
    Root(&'a str),
    /// `.name` or `.0`: a field of a struct, tuple or array.
    Field(&'a Path<'a>, FieldName<'a>),
    /// `[i]`: an element of a sequence, or the value of a map entry.
    Index(&'a Path<'a>, u64),
    /// `[key i]`: the key of a map entry.
    Key(&'a Path<'a>, u64),
    /// `["k"]`: the value of a map entry written as a JSON object member.
    Entry(&'a Path<'a>, &'a str),
    /// `[key "k"]`: the key of a map entry written as a JSON object member.
    EntryKey(&'a Path<'a>, &'a str),
    /// `::Variant`: the body of an enum variant.
    Variant(&'a Path<'a>, &'a str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Field(p, name) => write!(f, "{p}.{name}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
            Path::Key(p, i) => write!(f, "{p}[key {i}]"),
            Path::Entry(p, k) => write!(f, "{p}[{k:?}]"),
            Path::EntryKey(p, k) => write!(f, "{p}[key {k:?}]"),
            Path::Variant(p, v) => write!(f, "{p}::{v}"),
        }
    }
}

/// The name of a field: its own, or its position in a tuple or array.
#[derive(Clone, Copy)]
pub enum FieldName<'a> {
    Named(&'a str),
    Pos(usize),
}

impl fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldName::Named(name) => f.write_str(name),
            FieldName::Pos(i) => write!(f, "{i}"),
        }
    }
}

/// The fields of a record, which is a sequence on the wire: a struct's or tuple struct's,
/// a tuple's, or an array's. An array is one element type and a length, never a list.
#[derive(Clone, Copy)]
pub enum Fields<'a> {
    Listed(&'a [Field]),
    Tuple(&'a [Type]),
    Array(&'a Type, usize),
}

/// One field of [`Fields`].
pub struct FieldRef<'a> {
    pub name: FieldName<'a>,
    pub ty: &'a Type,
    pub default: bool,
}

impl<'a> Fields<'a> {
    pub fn len(&self) -> usize {
        match self {
            Fields::Listed(fields) => fields.len(),
            Fields::Tuple(items) => items.len(),
            Fields::Array(_, len) => *len,
        }
    }

    pub fn get(&self, i: usize) -> Option<FieldRef<'a>> {
        match *self {
            Fields::Listed(fields) => fields.get(i).map(|f| FieldRef {
                name: FieldName::Named(&f.name),
                ty: &f.ty,
                default: f.default,
            }),
            Fields::Tuple(items) => items.get(i).map(|ty| FieldRef {
                name: FieldName::Pos(i),
                ty,
                default: false,
            }),
            Fields::Array(ty, len) => (i < len).then_some(FieldRef {
                name: FieldName::Pos(i),
                ty,
                default: false,
            }),
        }
    }

    /// The first field from `from` on that has no default: arrays and tuples answer at
    /// once, whatever their length.
    pub fn first_required(&self, from: usize) -> Option<FieldRef<'a>> {
        match *self {
            Fields::Listed(fields) => fields
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, f)| !f.default)
                .and_then(|(i, _)| self.get(i)),
            Fields::Tuple(_) | Fields::Array(..) => self.get(from),
        }
    }
}

/// Looks through newtype structs (`Meters(u32)` is `u32` on the wire), at most once per
/// named type: a cycle of newtypes describes no message, and is reported.
pub fn resolve<'s>(schema: &'s Schema, ty: &'s Type) -> Result<&'s Type, String> {
    let mut at = ty;
    for _ in 0..=schema.types.len() {
        match at {
            Type::Named(name) => match container(schema, name)? {
                Container::Newtype(inner) => at = inner,
                _ => return Ok(at),
            },
            _ => return Ok(at),
        }
    }
    Err(format!(
        "the newtype `{ty}` contains itself (a cycle of newtypes, which no message can end)"
    ))
}

/// The named type `name`.
pub fn container<'s>(schema: &'s Schema, name: &str) -> Result<&'s Container, String> {
    schema
        .types
        .get(name)
        .ok_or_else(|| format!("the schema does not define the type `{name}`"))
}

/// Whether some value of `ty` is written as JSON `null`: `()`, a unit struct or an option.
/// `Some(x)` of such a type is written `{"some": x}`, so that `Some(None)` stays apart from
/// `None`.
pub fn nullable(schema: &Schema, ty: &Type) -> bool {
    match resolve(schema, ty) {
        Ok(Type::Unit | Type::Option(_)) => true,
        Ok(Type::Named(name)) => matches!(schema.types.get(name), Some(Container::UnitStruct)),
        _ => false,
    }
}

/// The member name of `{"some": x}`.
pub const SOME: &str = "some";

/// The JSON string of a float that is no JSON number: `"NaN"` for the canonical NaN,
/// `"inf"`, `"-inf"`, and `"f32:0x…"` / `"f64:0x…"` (the exact bits) for other NaNs.
pub fn non_finite_f64(bits: u64) -> String {
    match bits {
        0x7ff8_0000_0000_0000 => "NaN".into(),
        0x7ff0_0000_0000_0000 => "inf".into(),
        0xfff0_0000_0000_0000 => "-inf".into(),
        _ => format!("f64:0x{bits:016x}"),
    }
}

/// [`non_finite_f64`] for `f32`.
pub fn non_finite_f32(bits: u32) -> String {
    match bits {
        0x7fc0_0000 => "NaN".into(),
        0x7f80_0000 => "inf".into(),
        0xff80_0000 => "-inf".into(),
        _ => format!("f32:0x{bits:08x}"),
    }
}

/// Reads the strings of [`non_finite_f64`] and [`non_finite_f32`] back: the bits of the
/// float, for a field `f32` (`wide` false) or `f64`. `None` for any other string.
pub fn float_bits(text: &str, wide: bool) -> Option<u64> {
    let bits = |hex: &str, digits: usize| {
        (hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(hex, 16).ok())
            .flatten()
    };
    match (text, wide) {
        ("NaN", true) => Some(f64::NAN.to_bits()),
        ("NaN", false) => Some(f32::NAN.to_bits().into()),
        ("inf" | "infinity", true) => Some(f64::INFINITY.to_bits()),
        ("inf" | "infinity", false) => Some(f32::INFINITY.to_bits().into()),
        ("-inf" | "-infinity", true) => Some(f64::NEG_INFINITY.to_bits()),
        ("-inf" | "-infinity", false) => Some(f32::NEG_INFINITY.to_bits().into()),
        _ if wide => bits(text.strip_prefix("f64:0x")?, 16),
        _ => bits(text.strip_prefix("f32:0x")?, 8),
    }
}

/// The width in bits of an integer type, and whether it is signed; `None` for other types.
pub fn int_width(ty: &Type) -> Option<(u32, bool)> {
    Some(match ty {
        Type::U8 => (8, false),
        Type::U16 => (16, false),
        Type::U32 => (32, false),
        Type::U64 => (64, false),
        Type::U128 => (128, false),
        Type::I8 => (8, true),
        Type::I16 => (16, true),
        Type::I32 => (32, true),
        Type::I64 => (64, true),
        Type::I128 => (128, true),
        _ => return None,
    })
}

/// Whether `v` fits an integer type of `bits` bits.
pub fn fits_signed(v: i128, bits: u32) -> bool {
    bits >= 128 || (v >= -(1i128 << (bits - 1)) && v < (1i128 << (bits - 1)))
}

/// Whether `v` fits an unsigned integer type of `bits` bits.
pub fn fits_unsigned(v: u128, bits: u32) -> bool {
    bits >= 128 || v >> bits == 0
}

/// Whether map keys of this type are written as JSON object member names.
pub fn string_keys(schema: &Schema, key: &Type) -> bool {
    match resolve(schema, key) {
        Ok(ty) => matches!(ty, Type::Str | Type::Char | Type::Bool) || int_width(ty).is_some(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_strings_round_trip() {
        for bits in [
            f64::NAN.to_bits(),
            f64::INFINITY.to_bits(),
            f64::NEG_INFINITY.to_bits(),
            0x7ff8_0000_0000_0001,
            0xfff8_0000_0000_0000,
        ] {
            assert_eq!(float_bits(&non_finite_f64(bits), true), Some(bits));
        }
        for bits in [
            0x7fc0_0000u32,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0001,
            0xffff_ffff,
        ] {
            assert_eq!(
                float_bits(&non_finite_f32(bits), false),
                Some(u64::from(bits))
            );
        }
        assert_eq!(float_bits("f32:0x7fc00001", true), None);
        assert_eq!(float_bits("f64:0x7ff8", true), None);
    }

    #[test]
    fn newtype_cycles_are_found() {
        let text = r#"{"evowire_schema":1,"root":{"named":"A"},
            "types":{"A":{"newtype":{"named":"B"}},"B":{"newtype":{"named":"A"}}}}"#;
        let schema: Schema = serde_json::from_str(text).unwrap();
        let err = resolve(&schema, &schema.root).unwrap_err();
        assert!(err.contains("contains itself"), "{err}");
    }
}
