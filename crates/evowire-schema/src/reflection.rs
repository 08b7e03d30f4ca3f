//! Interoperability with `serde-reflection` (feature `serde-reflection`).

use serde_reflection::{ContainerFormat, Format, Named, Registry, VariantFormat};

use crate::error::SchemaError;
use crate::schema::{Body, Container, Field, Schema, Type, Variant};

// The newtype name through which `evowire::packed` asks for its bytes form.
use evowire::__private::PACKED_TOKEN;
// The newtype name through which `evowire::fixed` asks for fixed-width integers (only
// visible when serializing, so never seen by `trace`).
use evowire::__private::FIXED_TOKEN;

impl Schema {
    /// Converts a `serde-reflection` registry and root format into a schema, for types traced
    /// with your own [`serde_reflection::Tracer`] (for example with samples). Defaults and
    /// fallback variants are not known to `serde-reflection`: annotate them.
    ///
    /// # Errors
    ///
    /// [`SchemaError::Trace`] if the registry is incomplete (unknown formats, enum variant
    /// indices with gaps) or refers to types it does not contain.
    pub fn from_registry(registry: &Registry, root: &Format) -> Result<Schema, SchemaError> {
        let mut schema = Schema::new(convert(root)?);
        for (name, container) in registry {
            if name == PACKED_TOKEN || name == FIXED_TOKEN {
                continue;
            }
            schema
                .types
                .insert(name.clone(), convert_container(name, container)?);
        }
        schema
            .validate()
            .map_err(|e| SchemaError::Trace(e.to_string()))?;
        Ok(schema)
    }
}

fn convert(format: &Format) -> Result<Type, SchemaError> {
    Ok(match format {
        Format::Variable(_) => {
            return Err(SchemaError::Trace(
                "a format is still unknown after tracing".into(),
            ))
        }
        Format::TypeName(name) if name == PACKED_TOKEN => Type::Packed,
        Format::TypeName(name) if name == FIXED_TOKEN => {
            return Err(SchemaError::Trace(
                "an evowire::fixed wrapper was traced as a type".into(),
            ))
        }
        Format::TypeName(name) => Type::Named(name.clone()),
        Format::Unit => Type::Unit,
        Format::Bool => Type::Bool,
        Format::I8 => Type::I8,
        Format::I16 => Type::I16,
        Format::I32 => Type::I32,
        Format::I64 => Type::I64,
        Format::I128 => Type::I128,
        Format::U8 => Type::U8,
        Format::U16 => Type::U16,
        Format::U32 => Type::U32,
        Format::U64 => Type::U64,
        Format::U128 => Type::U128,
        Format::F32 => Type::F32,
        Format::F64 => Type::F64,
        Format::Char => Type::Char,
        Format::Str => Type::Str,
        Format::Bytes => Type::Bytes,
        Format::Option(t) => Type::Option(Box::new(convert(t)?)),
        Format::Seq(t) => Type::Seq(Box::new(convert(t)?)),
        Format::Map { key, value } => Type::Map {
            key: Box::new(convert(key)?),
            value: Box::new(convert(value)?),
        },
        Format::Tuple(items) => Type::Tuple(items.iter().map(convert).collect::<Result<_, _>>()?),
        Format::TupleArray { content, size } => Type::Array {
            item: Box::new(convert(content)?),
            len: *size,
        },
    })
}

fn convert_named(fields: &[Named<Format>]) -> Result<Vec<Field>, SchemaError> {
    fields
        .iter()
        .map(|f| Ok(Field::new(f.name.clone(), convert(&f.value)?)))
        .collect()
}

fn convert_positional(formats: &[Format]) -> Result<Vec<Field>, SchemaError> {
    formats
        .iter()
        .enumerate()
        .map(|(i, f)| Ok(Field::new(i.to_string(), convert(f)?)))
        .collect()
}

fn convert_container(name: &str, container: &ContainerFormat) -> Result<Container, SchemaError> {
    Ok(match container {
        ContainerFormat::UnitStruct => Container::UnitStruct,
        ContainerFormat::NewTypeStruct(t) => Container::Newtype(convert(t)?),
        ContainerFormat::TupleStruct(items) => Container::TupleStruct(convert_positional(items)?),
        ContainerFormat::Struct(fields) => Container::Struct(convert_named(fields)?),
        ContainerFormat::Enum(variants) => {
            let mut out = Vec::with_capacity(variants.len());
            for (expected, (&index, v)) in variants.iter().enumerate() {
                if index as usize != expected {
                    return Err(SchemaError::Trace(format!(
                        "enum `{name}`: no variant with index {expected} was traced"
                    )));
                }
                let body = match &v.value {
                    VariantFormat::Variable(_) => {
                        return Err(SchemaError::Trace(format!(
                            "enum `{name}`: the body of variant `{}` is unknown",
                            v.name
                        )))
                    }
                    VariantFormat::Unit => Body::Unit,
                    VariantFormat::NewType(t) => Body::Newtype(convert(t)?),
                    VariantFormat::Tuple(items) => Body::Tuple(convert_positional(items)?),
                    VariantFormat::Struct(fields) => Body::Struct(convert_named(fields)?),
                };
                out.push(Variant {
                    name: v.name.clone(),
                    body,
                    fallback: false,
                });
            }
            Container::Enum(out)
        }
    })
}
