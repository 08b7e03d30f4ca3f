//! Annotations a traced or hand-written schema cannot show by itself: defaults
//! ([`Schema::with_default`]) and fallback variants ([`Schema::with_fallback`]).

use crate::error::SchemaError;
use crate::schema::{Body, Container, Field, Schema};
use crate::text::quoted;

impl Schema {
    /// Records that a field has `#[serde(default)]` (or that its container has), for schemas
    /// written by hand or types whose defaults probing cannot see. `path` is `"Type.field"`,
    /// `"Enum.Variant.field"`, or a position for tuple fields (`"Pair.1"`).
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
    let mut names = names.peekable();
    if names.peek().is_none() {
        "it has none".to_string()
    } else {
        format!("it has {}", quoted(names, ", "))
    }
}
