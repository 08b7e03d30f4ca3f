//! Types being traced, whose parts may still be unknown, and how the views of two passes
//! merge into one.

use super::enums::EnumState;
use crate::schema::{Field, Type};

/// A type being traced: parts may still be unknown.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PartialType {
    Unknown,
    Known(Type),
    Option(Box<PartialType>),
    Seq(Box<PartialType>),
    Map(Box<PartialType>, Box<PartialType>),
    Tuple(Vec<PartialType>),
}

impl PartialType {
    /// Merges what another pass saw of the same position into `self`. Fails if the two
    /// views disagree (two different types under one name).
    pub(super) fn unify(&mut self, other: PartialType) -> Result<(), ()> {
        match (&mut *self, other) {
            (_, PartialType::Unknown) => Ok(()),
            (PartialType::Unknown, other) => {
                *self = other;
                Ok(())
            }
            (PartialType::Known(a), PartialType::Known(b)) if *a == b => Ok(()),
            (PartialType::Option(a), PartialType::Option(b))
            | (PartialType::Seq(a), PartialType::Seq(b)) => a.unify(*b),
            (PartialType::Map(ka, va), PartialType::Map(kb, vb)) => {
                ka.unify(*kb)?;
                va.unify(*vb)
            }
            (PartialType::Tuple(a), PartialType::Tuple(b)) if a.len() == b.len() => {
                a.iter_mut().zip(b).try_for_each(|(a, b)| a.unify(b))
            }
            _ => Err(()),
        }
    }

    pub(super) fn is_complete(&self) -> bool {
        match self {
            PartialType::Unknown => false,
            PartialType::Known(_) => true,
            PartialType::Option(t) | PartialType::Seq(t) => t.is_complete(),
            PartialType::Map(k, v) => k.is_complete() && v.is_complete(),
            PartialType::Tuple(items) => items.iter().all(PartialType::is_complete),
        }
    }

    /// Whether a value of this type certainly contains no named type (so cannot recurse).
    pub(super) fn is_terminal(&self) -> bool {
        match self {
            PartialType::Unknown | PartialType::Known(Type::Named(_)) => false,
            PartialType::Known(_) => true,
            // `None`, empty sequences and maps end recursion anyway.
            PartialType::Option(_) | PartialType::Seq(_) | PartialType::Map(..) => true,
            PartialType::Tuple(items) => items.iter().all(PartialType::is_terminal),
        }
    }

    /// The finished type, or `None` if a part is still unknown. A tuple of four or more
    /// elements of one type becomes an array.
    pub(super) fn into_type(self) -> Option<Type> {
        Some(match self {
            PartialType::Unknown => return None,
            PartialType::Known(t) => t,
            PartialType::Option(t) => Type::Option(Box::new(t.into_type()?)),
            PartialType::Seq(t) => Type::Seq(Box::new(t.into_type()?)),
            PartialType::Map(k, v) => Type::Map {
                key: Box::new(k.into_type()?),
                value: Box::new(v.into_type()?),
            },
            PartialType::Tuple(items) => {
                let items: Vec<Type> = items
                    .into_iter()
                    .map(PartialType::into_type)
                    .collect::<Option<_>>()?;
                if items.len() >= 4 && items.iter().all(|t| *t == items[0]) {
                    Type::Array {
                        len: items.len(),
                        item: Box::new(items[0].clone()),
                    }
                } else {
                    Type::Tuple(items)
                }
            }
        })
    }
}

/// Fields of a record being traced.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PartialRecord {
    pub(super) names: Vec<String>,
    pub(super) fields: Vec<PartialType>,
}

impl PartialRecord {
    pub(super) fn unify(&mut self, other: PartialRecord) -> Result<(), ()> {
        if self.names != other.names {
            return Err(());
        }
        self.fields
            .iter_mut()
            .zip(other.fields)
            .try_for_each(|(a, b)| a.unify(b))
    }

    pub(super) fn is_complete(&self) -> bool {
        self.fields.iter().all(PartialType::is_complete)
    }

    /// The finished fields, those from position `defaults_from` on marked as defaulted.
    pub(super) fn into_fields(self, defaults_from: usize) -> Option<Vec<Field>> {
        self.names
            .into_iter()
            .zip(self.fields)
            .enumerate()
            .map(|(i, (name, ty))| {
                Some(Field {
                    name,
                    ty: ty.into_type()?,
                    default: i >= defaults_from,
                })
            })
            .collect()
    }
}

/// The body of an enum variant being traced.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PartialBody {
    Unit,
    Newtype(PartialType),
    Tuple(PartialRecord),
    Struct(PartialRecord),
}

impl PartialBody {
    pub(super) fn unify(&mut self, other: PartialBody) -> Result<(), ()> {
        match (self, other) {
            (PartialBody::Unit, PartialBody::Unit) => Ok(()),
            (PartialBody::Newtype(a), PartialBody::Newtype(b)) => a.unify(b),
            (PartialBody::Tuple(a), PartialBody::Tuple(b))
            | (PartialBody::Struct(a), PartialBody::Struct(b)) => a.unify(b),
            _ => Err(()),
        }
    }

    pub(super) fn is_complete(&self) -> bool {
        match self {
            PartialBody::Unit => true,
            PartialBody::Newtype(t) => t.is_complete(),
            PartialBody::Tuple(r) | PartialBody::Struct(r) => r.is_complete(),
        }
    }

    pub(super) fn is_terminal(&self) -> bool {
        match self {
            PartialBody::Unit => true,
            PartialBody::Newtype(t) => t.is_terminal(),
            PartialBody::Tuple(r) | PartialBody::Struct(r) => {
                r.fields.iter().all(PartialType::is_terminal)
            }
        }
    }
}

/// A named type being traced.
#[derive(Debug)]
pub(super) enum PartialContainer {
    UnitStruct,
    Newtype(PartialType),
    TupleStruct(PartialRecord),
    Struct(PartialRecord),
    Enum(EnumState),
}

impl PartialContainer {
    /// "a struct", "an enum", …, for messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            PartialContainer::UnitStruct => "a unit struct",
            PartialContainer::Newtype(_) => "a newtype struct",
            PartialContainer::TupleStruct(_) => "a tuple struct",
            PartialContainer::Struct(_) => "a struct",
            PartialContainer::Enum(_) => "an enum",
        }
    }
}
