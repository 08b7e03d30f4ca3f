//! The schema document: what a message type looks like on the wire, by position.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::SchemaError;
use crate::options::CheckOptions;

/// The version of the document format written in [`Schema::evowire_schema`].
pub const SCHEMA_VERSION: u32 = 1;

/// The shape of a message type: its root type and every named type it uses.
///
/// A schema is saved as JSON (see [`Schema::to_json`]) and committed next to the code, so
/// that a later version of the type can be checked against it with
/// [`check_compatible`](crate::check_compatible).
///
/// Fields and variants are listed in declaration order, which is their position on the
/// wire. Names are recorded for people and for the checker's messages; they never reach the
/// wire.
///
/// # Examples
///
/// ```
/// use evowire_schema::{Container, Schema, Type};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Order {
///     id: u64,
///     #[serde(default)]
///     note: Option<String>,
/// }
///
/// let schema = Schema::trace::<Order>()?;
/// assert_eq!(schema.root, Type::Named("Order".into()));
/// let Some(Container::Struct(fields)) = schema.types.get("Order") else { panic!() };
/// assert_eq!(fields[1].name, "note");
/// assert!(fields[1].default);
///
/// // Saved and loaded as JSON.
/// let json = schema.to_json();
/// assert_eq!(Schema::from_json(&json)?, schema);
/// # Ok::<(), evowire_schema::SchemaError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The document format version, [`SCHEMA_VERSION`].
    pub evowire_schema: u32,
    /// The type of a whole message.
    pub root: Type,
    /// The named types (structs and enums) reachable from the root, by name.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_types"
    )]
    pub types: BTreeMap<String, Container>,
}

/// A type as it appears in a field, an element or a root.
///
/// In JSON, types without parameters are strings (`"u64"`, `"str"`), the others objects
/// with one key (`{"option": "u64"}`, `{"named": "Order"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// `()`: written as the integer 0.
    Unit,
    /// `bool`.
    Bool,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `u128`.
    U128,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `i128`.
    I128,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `char`.
    Char,
    /// `String` / `str`.
    Str,
    /// A byte string (`serde_bytes`).
    Bytes,
    /// `Option<T>`.
    Option(Box<Type>),
    /// A variable-length sequence: `Vec<T>`, sets, slices.
    Seq(Box<Type>),
    /// A map.
    Map {
        /// The key type.
        key: Box<Type>,
        /// The value type.
        value: Box<Type>,
    },
    /// A tuple `(A, B, …)`.
    Tuple(Vec<Type>),
    /// An array `[T; len]`.
    Array {
        /// The element type.
        item: Box<Type>,
        /// The number of elements.
        len: usize,
    },
    /// A sequence written with `#[serde(with = "evowire::packed")]`: one bytes item of
    /// little-endian numbers. The element type is not visible to tracing.
    Packed,
    /// A struct or enum listed in [`Schema::types`].
    Named(String),
}

/// A named type: a struct, tuple struct, newtype struct, unit struct or enum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// `struct Foo;`: written as the integer 0.
    UnitStruct,
    /// `struct Foo(T);`: written as `T` itself.
    Newtype(Type),
    /// `struct Foo(A, B, …);`: a sequence. The fields are named `"0"`, `"1"`, ….
    TupleStruct(Vec<Field>),
    /// `struct Foo { a: A, … }`: a sequence of the fields in declaration order.
    Struct(Vec<Field>),
    /// An enum: variants in declaration order, the position being the discriminant.
    Enum(Vec<Variant>),
}

/// A field of a struct, tuple struct or struct/tuple variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The field name, or its position (`"0"`, `"1"`, …) in tuple structs and variants.
    pub name: String,
    /// The field type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether readers give the field a value when it is missing (`#[serde(default)]`).
    /// [`Schema::trace`] finds this on trailing fields by probing; elsewhere set it with
    /// [`Schema::with_default`] or in the document.
    #[serde(default, skip_serializing_if = "is_false")]
    pub default: bool,
}

/// A variant of an enum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The variant name.
    pub name: String,
    /// What follows the discriminant.
    pub body: Body,
    /// Whether this is the `#[serde(other)]` unit variant that receives unknown variants.
    /// [`Schema::trace`] finds this by probing; for hand-written impls set it with
    /// [`Schema::with_fallback`] or in the document.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fallback: bool,
}

/// The body of a variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// A unit variant: the body is the integer 0.
    Unit,
    /// A newtype variant `V(T)`: the body is `T`.
    Newtype(Type),
    /// A tuple variant `V(A, B)`: a sequence. The fields are named `"0"`, `"1"`, ….
    Tuple(Vec<Field>),
    /// A struct variant `V { a: A }`: a sequence.
    Struct(Vec<Field>),
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Field {
    /// A field without a default.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Field {
            name: name.into(),
            ty,
            default: false,
        }
    }
}

impl Schema {
    /// A schema with the given root and no named types.
    pub fn new(root: Type) -> Self {
        Schema {
            evowire_schema: SCHEMA_VERSION,
            root,
            types: BTreeMap::new(),
        }
    }

    /// The document as JSON, ending with a newline: one line per field or variant where it
    /// fits, types sorted by name, so the file is stable and a diff of two versions shows
    /// one line per change.
    ///
    /// The `evowire` command line reads these documents, and speaks JSON for messages too.
    pub fn to_json(&self) -> String {
        let compact = serde_json::to_string(self).expect("a schema always serializes");
        crate::pretty::pretty(&compact)
    }

    /// Reads a document written by [`Schema::to_json`] (or by hand) and checks it with
    /// [`Schema::validate`].
    ///
    /// The document may come from anyone: whatever it holds, this returns a schema or an
    /// error (JSON nesting is limited to 128 levels while parsing, then
    /// [`Schema::validate`] applies [`DEFAULT_MAX_DEPTH`](crate::DEFAULT_MAX_DEPTH)).
    ///
    /// # Errors
    ///
    /// Invalid JSON, a document that is not a JSON object, a type defined twice in
    /// `"types"`, an unknown document version, or a document that fails
    /// [`Schema::validate`].
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        Self::from_json_with(text, &CheckOptions::new())
    }

    /// [`Schema::from_json`] with the limits of `opts` ([`Schema::validate_with`]).
    ///
    /// # Errors
    ///
    /// As [`Schema::from_json`].
    pub fn from_json_with(text: &str, opts: &CheckOptions) -> Result<Self, SchemaError> {
        let schema: Schema = serde_json::from_str(text).map_err(SchemaError::Json)?;
        // serde also reads a struct from a JSON array of its fields in order.
        if !text.trim_start().starts_with('{') {
            return Err(SchemaError::Invalid(
                "a schema document is a JSON object (`{\"evowire_schema\": 1, \"root\": …}`)"
                    .into(),
            ));
        }
        schema.validate_with(opts)?;
        Ok(schema)
    }
}

/// Reads `"types"`, rejecting a name defined twice (a plain map would keep the last).
fn unique_types<'de, D>(deserializer: D) -> Result<BTreeMap<String, Container>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Types;
    impl<'de> Visitor<'de> for Types {
        type Value = BTreeMap<String, Container>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of named types")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut types = BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                let container: Container = map.next_value()?;
                if types.contains_key(&name) {
                    return Err(de::Error::custom(format!(
                        "type `{name}` is defined twice in \"types\""
                    )));
                }
                types.insert(name, container);
            }
            Ok(types)
        }
    }
    deserializer.deserialize_map(Types)
}

impl fmt::Display for Type {
    /// Rust-like notation: `u64`, `Option<str>`, `Vec<Order>`, `Map<str, u64>`, `(u8, str)`,
    /// `[u8; 4]`, `packed`. Written without recursion, so any depth of nesting is fine.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        enum Piece<'a> {
            Type(&'a Type),
            Text(&'static str),
            Len(usize),
        }
        // What is left to write, the next piece last.
        let mut todo = vec![Piece::Type(self)];
        while let Some(piece) = todo.pop() {
            let ty = match piece {
                Piece::Text(s) => {
                    f.write_str(s)?;
                    continue;
                }
                Piece::Len(len) => {
                    write!(f, "{len}")?;
                    continue;
                }
                Piece::Type(ty) => ty,
            };
            let (open, parts, close): (&str, Vec<Piece<'_>>, &str) = match ty {
                Type::Option(t) => ("Option<", vec![Piece::Type(t)], ">"),
                Type::Seq(t) => ("Vec<", vec![Piece::Type(t)], ">"),
                Type::Map { key, value } => (
                    "Map<",
                    vec![Piece::Type(key), Piece::Text(", "), Piece::Type(value)],
                    ">",
                ),
                Type::Array { item, len } => (
                    "[",
                    vec![Piece::Type(item), Piece::Text("; "), Piece::Len(*len)],
                    "]",
                ),
                Type::Tuple(items) => {
                    let mut parts = Vec::with_capacity(items.len() * 2);
                    for (i, t) in items.iter().enumerate() {
                        if i > 0 {
                            parts.push(Piece::Text(", "));
                        }
                        parts.push(Piece::Type(t));
                    }
                    ("(", parts, if items.len() == 1 { ",)" } else { ")" })
                }
                Type::Named(name) => {
                    f.write_str(name)?;
                    continue;
                }
                leaf => (leaf_name(leaf), Vec::new(), ""),
            };
            f.write_str(open)?;
            todo.push(Piece::Text(close));
            todo.extend(parts.into_iter().rev());
        }
        Ok(())
    }
}

/// The name of a type without parts.
fn leaf_name(ty: &Type) -> &'static str {
    match ty {
        Type::Unit => "()",
        Type::Bool => "bool",
        Type::U8 => "u8",
        Type::U16 => "u16",
        Type::U32 => "u32",
        Type::U64 => "u64",
        Type::U128 => "u128",
        Type::I8 => "i8",
        Type::I16 => "i16",
        Type::I32 => "i32",
        Type::I64 => "i64",
        Type::I128 => "i128",
        Type::F32 => "f32",
        Type::F64 => "f64",
        Type::Char => "char",
        Type::Str => "str",
        Type::Bytes => "bytes",
        Type::Packed => "packed",
        Type::Option(_)
        | Type::Seq(_)
        | Type::Map { .. }
        | Type::Tuple(_)
        | Type::Array { .. }
        | Type::Named(_) => "",
    }
}
