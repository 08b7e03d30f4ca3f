//! A schema type as the checker sees it: resolved through named types and newtype wrappers
//! to the shape that is on the wire.

use std::borrow::Cow;
use std::fmt;

use crate::schema::{Body, Container, Field, Schema, Type, Variant};

/// A type without parts, as the checker compares it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Primitive {
    Unit,
    Bool,
    /// An unsigned integer of this many bits.
    Unsigned(u8),
    /// A signed integer of this many bits.
    Signed(u8),
    F32,
    F64,
    Char,
    Str,
    Bytes,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Primitive::Unit => f.write_str("()"),
            Primitive::Bool => f.write_str("bool"),
            Primitive::Unsigned(bits) => write!(f, "u{bits}"),
            Primitive::Signed(bits) => write!(f, "i{bits}"),
            Primitive::F32 => f.write_str("f32"),
            Primitive::F64 => f.write_str("f64"),
            Primitive::Char => f.write_str("char"),
            Primitive::Str => f.write_str("str"),
            Primitive::Bytes => f.write_str("bytes"),
        }
    }
}

/// The kinds of types written as a sequence of a fixed number of items.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum RecordKind {
    Tuple,
    Array,
    TupleStruct,
    Struct,
    TupleVariant,
    StructVariant,
}

impl RecordKind {
    /// Whether fields have names worth comparing (to detect reordering).
    pub(super) fn named(self) -> bool {
        matches!(self, RecordKind::Struct | RecordKind::StructVariant)
    }

    /// Whether a missing trailing field can take a `#[serde(default)]`.
    pub(super) fn can_default(self) -> bool {
        !matches!(self, RecordKind::Tuple | RecordKind::Array)
    }

    /// The kind's name, for messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            RecordKind::Tuple => "tuple",
            RecordKind::Array => "array",
            RecordKind::TupleStruct => "tuple struct",
            RecordKind::Struct => "struct",
            RecordKind::TupleVariant => "tuple variant",
            RecordKind::StructVariant => "struct variant",
        }
    }
}

/// A field or positional item, borrowed from the schema.
#[derive(Clone)]
pub(super) struct FieldRef<'a> {
    pub(super) name: Cow<'a, str>,
    pub(super) ty: &'a Type,
    pub(super) default: bool,
}

/// What a type is on the wire, with named types and newtypes looked through.
pub(super) enum Shape<'a> {
    Primitive(Primitive),
    Option(&'a Type),
    Seq(&'a Type),
    Map(&'a Type, &'a Type),
    Array(&'a Type, usize),
    Record(RecordKind, Vec<FieldRef<'a>>),
    Enum(Cow<'a, [Variant]>),
    Packed,
    /// A reference the document does not resolve (or a cycle of newtypes).
    Broken(String),
}

/// A type with its named containers and newtype wrappers looked through.
pub(super) struct Resolved<'a> {
    pub(super) shape: Shape<'a>,
    /// The container that gives the shape (struct, enum, unit struct), if named.
    pub(super) name: Option<&'a str>,
    /// The newtype structs looked through, outermost first.
    pub(super) newtypes: Vec<&'a str>,
    /// How the type was written before resolving, for messages.
    pub(super) shown: Shown<'a>,
    /// The named type resolving started from, if any (to stop at recursion).
    pub(super) origin: Option<&'a str>,
}

/// How a type was written, shown in messages (written out only when a message needs it).
#[derive(Clone, Copy)]
pub(super) enum Shown<'a> {
    Type(&'a Type),
    Text(&'static str),
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Type(ty) => write!(f, "{ty}"),
            Shown::Text(text) => f.write_str(text),
        }
    }
}

/// The items of a record or an array, as the checker compares them position by position.
/// An array's items are one type repeated, never written out one by one.
#[derive(Clone, Copy)]
pub(super) enum Items<'a, 'r> {
    Fields(&'r [FieldRef<'a>]),
    Repeat(&'a Type, usize),
}

impl<'a> Items<'a, '_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Items::Fields(fields) => fields.len(),
            Items::Repeat(_, len) => *len,
        }
    }

    /// The item at `i`, which must be below [`Items::len`]; array items are named by position.
    pub(super) fn get(&self, i: usize) -> Option<FieldRef<'a>> {
        match self {
            Items::Fields(fields) => fields.get(i).cloned(),
            Items::Repeat(ty, len) => (i < *len).then(|| FieldRef {
                name: Cow::Owned(i.to_string()),
                ty,
                default: false,
            }),
        }
    }
}

impl Resolved<'_> {
    /// The type as a message names it: "struct `Order`", "`Vec<u8>`".
    pub(super) fn describe(&self) -> String {
        match (&self.shape, self.name) {
            (Shape::Record(kind, _), Some(name)) => format!("{} `{name}`", kind.describe()),
            (Shape::Enum(_), Some(name)) => format!("enum `{name}`"),
            (Shape::Primitive(Primitive::Unit), Some(name)) => format!("unit struct `{name}`"),
            _ => format!("`{}`", self.shown),
        }
    }

    /// What a reader of this type accepts, and what a writer of it writes.
    pub(super) fn wire(&self) -> &'static str {
        match &self.shape {
            Shape::Primitive(Primitive::Unit) => "any item",
            Shape::Primitive(
                Primitive::Bool | Primitive::Unsigned(_) | Primitive::Signed(_) | Primitive::Char,
            ) => "an integer",
            Shape::Primitive(Primitive::F32 | Primitive::F64) => "a fixed32/fixed64 float",
            Shape::Primitive(Primitive::Str | Primitive::Bytes) | Shape::Packed => "a bytes item",
            Shape::Seq(_) | Shape::Array(..) | Shape::Record(..) | Shape::Map(..) => "a sequence",
            Shape::Option(_) | Shape::Enum(_) => "a variant",
            Shape::Broken(_) => "nothing",
        }
    }

    /// Whether a reader of this type accepts the integer 0 that `()` is written as.
    pub(super) fn reads_integer_zero(&self) -> bool {
        matches!(
            self.shape,
            Shape::Primitive(
                Primitive::Unit
                    | Primitive::Bool
                    | Primitive::Unsigned(_)
                    | Primitive::Signed(_)
                    | Primitive::Char
            )
        )
    }
}

/// The primitive `ty` is, if it has no parts.
fn primitive_of(ty: &Type) -> Option<Primitive> {
    Some(match ty {
        Type::Unit => Primitive::Unit,
        Type::Bool => Primitive::Bool,
        Type::U8 => Primitive::Unsigned(8),
        Type::U16 => Primitive::Unsigned(16),
        Type::U32 => Primitive::Unsigned(32),
        Type::U64 => Primitive::Unsigned(64),
        Type::U128 => Primitive::Unsigned(128),
        Type::I8 => Primitive::Signed(8),
        Type::I16 => Primitive::Signed(16),
        Type::I32 => Primitive::Signed(32),
        Type::I64 => Primitive::Signed(64),
        Type::I128 => Primitive::Signed(128),
        Type::F32 => Primitive::F32,
        Type::F64 => Primitive::F64,
        Type::Char => Primitive::Char,
        Type::Str => Primitive::Str,
        Type::Bytes => Primitive::Bytes,
        _ => return None,
    })
}

/// The fields of a struct, tuple struct or variant, borrowed.
fn fields_of(fields: &[Field]) -> Vec<FieldRef<'_>> {
    fields
        .iter()
        .map(|f| FieldRef {
            name: Cow::Borrowed(f.name.as_str()),
            ty: &f.ty,
            default: f.default,
        })
        .collect()
}

/// Items named by position (`"0"`, `"1"`, …), for tuples.
fn positional<'a>(types: impl Iterator<Item = &'a Type>) -> Vec<FieldRef<'a>> {
    types
        .enumerate()
        .map(|(i, ty)| FieldRef {
            name: Cow::Owned(i.to_string()),
            ty,
            default: false,
        })
        .collect()
}

/// Resolves `ty` through named types and newtype wrappers to its wire shape, looking
/// through at most `max_newtypes` newtypes (validated documents have no longer chains).
pub(super) fn resolve<'a>(schema: &'a Schema, ty: &'a Type, max_newtypes: usize) -> Resolved<'a> {
    let shown = Shown::Type(ty);
    let origin = match ty {
        Type::Named(name) => Some(name.as_str()),
        _ => None,
    };
    let mut newtypes = Vec::new();
    let mut ty = ty;
    loop {
        let (shape, name) = match ty {
            Type::Named(name) => match schema.types.get(name) {
                None => (
                    Shape::Broken(format!("the schema does not define `{name}`")),
                    None,
                ),
                Some(Container::Newtype(inner)) => {
                    if newtypes.len() >= max_newtypes {
                        return Resolved {
                            shape: Shape::Broken(format!(
                                "newtype `{name}` is in a chain of more than {max_newtypes} \
                                 newtypes, or contains itself"
                            )),
                            name: None,
                            newtypes,
                            shown,
                            origin,
                        };
                    }
                    newtypes.push(name.as_str());
                    ty = inner;
                    continue;
                }
                Some(Container::UnitStruct) => {
                    (Shape::Primitive(Primitive::Unit), Some(name.as_str()))
                }
                Some(Container::TupleStruct(fields)) => (
                    Shape::Record(RecordKind::TupleStruct, fields_of(fields)),
                    Some(name.as_str()),
                ),
                Some(Container::Struct(fields)) => (
                    Shape::Record(RecordKind::Struct, fields_of(fields)),
                    Some(name.as_str()),
                ),
                Some(Container::Enum(variants)) => {
                    (Shape::Enum(Cow::Borrowed(variants)), Some(name.as_str()))
                }
            },
            Type::Option(t) => (Shape::Option(t), None),
            Type::Seq(t) => (Shape::Seq(t), None),
            Type::Map { key, value } => (Shape::Map(key, value), None),
            Type::Array { item, len } => (Shape::Array(item, *len), None),
            Type::Tuple(items) => (
                Shape::Record(RecordKind::Tuple, positional(items.iter())),
                None,
            ),
            Type::Packed => (Shape::Packed, None),
            prim => (
                Shape::Primitive(primitive_of(prim).expect("every other type is a primitive")),
                None,
            ),
        };
        return Resolved {
            shape,
            name,
            newtypes,
            shown,
            origin,
        };
    }
}

/// `Option<T>` seen as the enum it is on the wire: `None` (unit) = 0, `Some(T)` = 1.
pub(super) fn option_variants(inner: &Type) -> Vec<Variant> {
    vec![
        Variant {
            name: "None".into(),
            body: Body::Unit,
            fallback: false,
        },
        Variant {
            name: "Some".into(),
            body: Body::Newtype(inner.clone()),
            fallback: false,
        },
    ]
}

/// A record or an array seen as a list of items.
pub(super) fn record_view<'a, 'r>(shape: &'r Shape<'a>) -> Option<(RecordKind, Items<'a, 'r>)> {
    match shape {
        Shape::Record(kind, fields) => Some((*kind, Items::Fields(fields))),
        Shape::Array(item, len) => Some((RecordKind::Array, Items::Repeat(item, *len))),
        _ => None,
    }
}

/// The shape of an enum variant's body.
pub(super) fn body_shape<'a>(
    schema: &'a Schema,
    body: &'a Body,
    max_newtypes: usize,
) -> Resolved<'a> {
    let plain = |shape, shown: &'static str| Resolved {
        shape,
        name: None,
        newtypes: Vec::new(),
        shown: Shown::Text(shown),
        origin: None,
    };
    match body {
        Body::Unit => plain(Shape::Primitive(Primitive::Unit), "()"),
        Body::Newtype(ty) => resolve(schema, ty, max_newtypes),
        Body::Tuple(fields) => plain(
            Shape::Record(RecordKind::TupleVariant, fields_of(fields)),
            "tuple variant",
        ),
        Body::Struct(fields) => plain(
            Shape::Record(RecordKind::StructVariant, fields_of(fields)),
            "struct variant",
        ),
    }
}
