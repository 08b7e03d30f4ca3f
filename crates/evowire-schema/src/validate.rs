//! Checking a schema document for consistency: [`Schema::validate`].
//!
//! Every document read with [`Schema::from_json`] and every traced schema passes through
//! here, so checks on untrusted documents belong in this module.

use crate::error::SchemaError;
use crate::schema::{Body, Container, Field, Schema, Type, SCHEMA_VERSION};

impl Schema {
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
}
