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
    /// JSON rather than YAML: it needs no further dependency (`serde_yaml` is no longer
    /// maintained), every language reads it, and the `evowire` command line speaks JSON for
    /// messages too.
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

    /// Checks that the version is known, every named type exists, field and variant names
    /// are unique within their container, and at most one variant per enum is a fallback
    /// (a unit variant).
    ///
    /// # Errors
    ///
    /// [`SchemaError::Invalid`] describing the first problem.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if self.evowire_schema != SCHEMA_VERSION {
            return Err(SchemaError::Invalid(format!(
                "unknown schema document version {} (this library reads version {SCHEMA_VERSION})",
                self.evowire_schema
            )));
        }
        self.check_refs(&self.root, "the root")?;
        for (name, container) in &self.types {
            match container {
                Container::UnitStruct => {}
                Container::Newtype(ty) => self.check_refs(ty, name)?,
                Container::TupleStruct(fields) | Container::Struct(fields) => {
                    self.check_fields(fields, name)?;
                }
                Container::Enum(variants) => {
                    if variants.is_empty() {
                        return Err(SchemaError::Invalid(format!(
                            "enum `{name}` has no variants"
                        )));
                    }
                    let mut fallbacks = 0;
                    for (i, v) in variants.iter().enumerate() {
                        if variants[..i].iter().any(|w| w.name == v.name) {
                            return Err(SchemaError::Invalid(format!(
                                "enum `{name}` has two variants named `{}`",
                                v.name
                            )));
                        }
                        let at = format!("{name}::{}", v.name);
                        match &v.body {
                            Body::Unit => {}
                            Body::Newtype(ty) => self.check_refs(ty, &at)?,
                            Body::Tuple(fields) | Body::Struct(fields) => {
                                self.check_fields(fields, &at)?;
                            }
                        }
                        if v.fallback {
                            fallbacks += 1;
                            if i + 1 != variants.len() {
                                return Err(SchemaError::Invalid(format!(
                                    "`{at}` is marked as the fallback but is not the last \
                                     variant (serde requires `#[serde(other)]` on the last)"
                                )));
                            }
                            if v.body != Body::Unit {
                                return Err(SchemaError::Invalid(format!(
                                    "`{at}` is marked as the fallback but is not a unit variant \
                                     (`#[serde(other)]` needs a unit variant)"
                                )));
                            }
                        }
                    }
                    if fallbacks > 1 {
                        return Err(SchemaError::Invalid(format!(
                            "enum `{name}` has {fallbacks} fallback variants; serde allows one"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_fields(&self, fields: &[Field], at: &str) -> Result<(), SchemaError> {
        for (i, f) in fields.iter().enumerate() {
            if fields[..i].iter().any(|g| g.name == f.name) {
                return Err(SchemaError::Invalid(format!(
                    "`{at}` has two fields named `{}`",
                    f.name
                )));
            }
            self.check_refs(&f.ty, &format!("{at}.{}", f.name))?;
        }
        Ok(())
    }

    fn check_refs(&self, ty: &Type, at: &str) -> Result<(), SchemaError> {
        match ty {
            Type::Named(name) if !self.types.contains_key(name) => Err(SchemaError::Invalid(
                format!("{at} refers to type `{name}`, which the document does not define"),
            )),
            Type::Option(t) | Type::Seq(t) => self.check_refs(t, at),
            Type::Array { item, .. } => self.check_refs(item, at),
            Type::Map { key, value } => {
                self.check_refs(key, at)?;
                self.check_refs(value, at)
            }
            Type::Tuple(items) => items.iter().try_for_each(|t| self.check_refs(t, at)),
            _ => Ok(()),
        }
    }

    /// Records that a field has `#[serde(default)]` (or that its container has), for schemas
    /// written by hand or types whose defaults probing cannot see. `path` is `"Type.field"`, `"Enum.Variant.field"`, or a position
    /// for tuple fields (`"Pair.1"`).
    ///
    /// # Errors
    ///
    /// [`SchemaError::UnknownPath`] if no such field exists.
    ///
    /// # Examples
    ///
    /// ```
    /// # use serde::Deserialize;
    /// # use evowire_schema::Schema;
    /// #[derive(Deserialize)]
    /// enum Cmd { Move { x: i32, #[serde(default)] speed: u8 } }
    ///
    /// // A hand-written schema, where nothing is probed.
    /// let schema = Schema::from_json(r#"{
    ///     "evowire_schema": 1,
    ///     "root": {"named": "Cmd"},
    ///     "types": {"Cmd": {"enum": [
    ///         {"name": "Move", "body": {"struct": [
    ///             {"name": "x", "type": "i32"},
    ///             {"name": "speed", "type": "u8"}
    ///         ]}}
    ///     ]}}
    /// }"#)?;
    /// let annotated = schema.clone().with_default("Cmd.Move.speed")?;
    /// assert_eq!(annotated, Schema::trace::<Cmd>()?);
    /// assert!(schema.with_default("Cmd.Move.sped").is_err());
    /// # Ok::<(), evowire_schema::SchemaError>(())
    /// ```
    pub fn with_default(mut self, path: &str) -> Result<Self, SchemaError> {
        let field = self.field_mut(path)?;
        field.default = true;
        Ok(self)
    }

    /// Records that a unit variant is the enum's `#[serde(other)]` fallback, for schemas
    /// written by hand or types whose fallback probing cannot see. `path` is `"Enum.Variant"`.
    ///
    /// # Errors
    ///
    /// [`SchemaError::UnknownPath`] if there is no such unit variant, it is not the last
    /// variant (serde requires `#[serde(other)]` on the last), or another variant of the enum
    /// is already the fallback.
    pub fn with_fallback(mut self, path: &str) -> Result<Self, SchemaError> {
        let unknown = |reason: String| SchemaError::UnknownPath {
            path: path.to_string(),
            reason,
        };
        let (ty, variant) = path
            .split_once('.')
            .ok_or_else(|| unknown("expected `Enum.Variant`".into()))?;
        let Some(Container::Enum(variants)) = self.types.get_mut(ty) else {
            return Err(unknown(format!("no enum named `{ty}` in the schema")));
        };
        if let Some(other) = variants.iter().find(|v| v.fallback && v.name != variant) {
            return Err(unknown(format!(
                "`{ty}::{}` is already the fallback variant",
                other.name
            )));
        }
        let names = list(variants.iter().map(|v| v.name.as_str()));
        let v = variants
            .iter_mut()
            .find(|v| v.name == variant)
            .ok_or_else(|| unknown(format!("enum `{ty}` has no variant `{variant}` ({names})")))?;
        if v.body != Body::Unit {
            return Err(unknown(format!(
                "`{ty}::{variant}` is not a unit variant; `#[serde(other)]` needs one"
            )));
        }
        v.fallback = true;
        if variants.last().is_some_and(|v| v.name != variant) {
            variants.iter_mut().for_each(|v| v.fallback = false);
            return Err(unknown(format!(
                "`{ty}::{variant}` is not the last variant; serde requires `#[serde(other)]` on \
                 the last"
            )));
        }
        Ok(self)
    }

    fn field_mut(&mut self, path: &str) -> Result<&mut Field, SchemaError> {
        let unknown = |reason: String| SchemaError::UnknownPath {
            path: path.to_string(),
            reason,
        };
        let parts: Vec<&str> = path.split('.').collect();
        let (ty, variant, field) = match parts[..] {
            [ty, field] => (ty, None, field),
            [ty, variant, field] => (ty, Some(variant), field),
            _ => {
                return Err(unknown(
                    "expected `Type.field` or `Enum.Variant.field`".to_string(),
                ))
            }
        };
        let container = self
            .types
            .get_mut(ty)
            .ok_or_else(|| unknown(format!("no type named `{ty}` in the schema")))?;
        let fields = match (container, variant) {
            (Container::Struct(fields) | Container::TupleStruct(fields), None) => fields,
            (Container::Enum(variants), Some(variant)) => {
                let names = list(variants.iter().map(|v| v.name.as_str()));
                let v = variants
                    .iter_mut()
                    .find(|v| v.name == variant)
                    .ok_or_else(|| {
                        unknown(format!("enum `{ty}` has no variant `{variant}` ({names})"))
                    })?;
                match &mut v.body {
                    Body::Struct(fields) | Body::Tuple(fields) => fields,
                    _ => {
                        return Err(unknown(format!(
                            "`{ty}::{variant}` has no fields (only struct and tuple variants do)"
                        )))
                    }
                }
            }
            (Container::Enum(_), None) => {
                return Err(unknown(format!(
                    "`{ty}` is an enum: name the variant, `{ty}.Variant.field`"
                )))
            }
            (_, _) => {
                return Err(unknown(format!(
                    "`{ty}` has no fields (only structs, tuple structs and enum variants do)"
                )))
            }
        };
        let names = list(fields.iter().map(|f| f.name.as_str()));
        fields
            .iter_mut()
            .find(|f| f.name == field)
            .ok_or_else(|| unknown(format!("no field `{field}` ({names})")))
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "it has none".to_string()
    } else {
        format!("it has {}", names.join(", "))
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
