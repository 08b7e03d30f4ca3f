//! The schema document: what a message type looks like on the wire, by position.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::SchemaError;

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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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

    /// Reads a document written by [`Schema::to_json`] (or by hand) and checks it.
    ///
    /// # Errors
    ///
    /// Invalid JSON, an unknown document version, or a document that fails
    /// [`Schema::validate`].
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        let schema: Schema = serde_json::from_str(text).map_err(SchemaError::Json)?;
        schema.validate()?;
        Ok(schema)
    }
}

impl fmt::Display for Type {
    /// Rust-like notation: `u64`, `Option<str>`, `Vec<Order>`, `Map<str, u64>`, `(u8, str)`,
    /// `[u8; 4]`, `packed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
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
            Type::Option(t) => return write!(f, "Option<{t}>"),
            Type::Seq(t) => return write!(f, "Vec<{t}>"),
            Type::Map { key, value } => return write!(f, "Map<{key}, {value}>"),
            Type::Array { item, len } => return write!(f, "[{item}; {len}]"),
            Type::Tuple(items) => {
                f.write_str("(")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                return f.write_str(if items.len() == 1 { ",)" } else { ")" });
            }
            Type::Named(name) => name,
        };
        f.write_str(s)
    }
}
