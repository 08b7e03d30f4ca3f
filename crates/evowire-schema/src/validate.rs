//! Checking a schema document for consistency: [`Schema::validate`].
//!
//! Every document read with [`Schema::from_json`] and every traced schema passes through
//! here, so checks on untrusted documents belong in this module. Every check walks the
//! document without recursion (explicit stacks), in time linear in the document (hash sets
//! and maps, one visit per type), and keeps nothing proportional to an array's length.

use std::collections::{HashMap, HashSet};

use crate::error::SchemaError;
use crate::options::CheckOptions;
use crate::schema::{Body, Container, Field, Schema, Type, SCHEMA_VERSION};
use crate::text::quoted;

impl Schema {
    /// [`Schema::validate_with`] the default [`CheckOptions`].
    ///
    /// # Errors
    ///
    /// As [`Schema::validate_with`].
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.validate_with(&CheckOptions::new())
    }

    /// Checks that the version is known, every named type exists, field and variant names
    /// are unique within their container, at most one variant per enum is a fallback (the
    /// last, a unit variant), types are nested at most
    /// [`max_depth`](CheckOptions::max_depth) levels within one field (and chains of
    /// newtype structs are at most that long), and every named type has a finite value.
    ///
    /// The last check rejects recursion that reads no input (a newtype struct that contains
    /// itself, directly or through other newtypes) and recursion without a way out (a
    /// struct whose field is the struct again, with no `Option`, sequence, map or other
    /// enum variant in between): no message of such a type can be written, and a program
    /// that follows the type would never stop. `struct Chain(Option<Box<Chain>>)` is fine.
    ///
    /// # Errors
    ///
    /// [`SchemaError::TooDeep`] when types are nested deeper than the limit,
    /// [`SchemaError::Invalid`] describing the first other problem.
    pub fn validate_with(&self, opts: &CheckOptions) -> Result<(), SchemaError> {
        if self.evowire_schema != SCHEMA_VERSION {
            return Err(SchemaError::Invalid(format!(
                "unknown schema document version {} (this library reads version {SCHEMA_VERSION})",
                self.evowire_schema
            )));
        }
        let max_depth = opts.max_depth();
        self.check_type(&self.root, "the root", max_depth)?;
        for (name, container) in &self.types {
            match container {
                Container::UnitStruct => {}
                Container::Newtype(ty) => self.check_type(ty, name, max_depth)?,
                Container::TupleStruct(fields) | Container::Struct(fields) => {
                    self.check_fields(fields, name, max_depth)?;
                }
                Container::Enum(variants) => {
                    if variants.is_empty() {
                        return Err(SchemaError::Invalid(format!(
                            "enum `{name}` has no variants"
                        )));
                    }
                    let mut names = HashSet::with_capacity(variants.len());
                    let mut fallbacks = 0;
                    for (i, v) in variants.iter().enumerate() {
                        if !names.insert(v.name.as_str()) {
                            return Err(SchemaError::Invalid(format!(
                                "enum `{name}` has two variants named `{}`",
                                v.name
                            )));
                        }
                        let at = format!("{name}::{}", v.name);
                        match &v.body {
                            Body::Unit => {}
                            Body::Newtype(ty) => self.check_type(ty, &at, max_depth)?,
                            Body::Tuple(fields) | Body::Struct(fields) => {
                                self.check_fields(fields, &at, max_depth)?;
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
        self.check_newtype_chains(max_depth)?;
        self.check_finite()
    }

    fn check_fields(&self, fields: &[Field], at: &str, max_depth: u32) -> Result<(), SchemaError> {
        let mut names = HashSet::with_capacity(fields.len());
        for f in fields {
            if !names.insert(f.name.as_str()) {
                return Err(SchemaError::Invalid(format!(
                    "`{at}` has two fields named `{}`",
                    f.name
                )));
            }
            self.check_type(&f.ty, &format!("{at}.{}", f.name), max_depth)?;
        }
        Ok(())
    }

    /// Checks that `ty` names only defined types and is nested at most `max_depth` levels.
    fn check_type(&self, ty: &Type, at: &str, max_depth: u32) -> Result<(), SchemaError> {
        let mut stack = vec![(ty, 1u32)];
        while let Some((ty, depth)) = stack.pop() {
            if depth > max_depth {
                return Err(SchemaError::TooDeep {
                    at: at.to_string(),
                    max_depth,
                });
            }
            match ty {
                Type::Named(name) if !self.types.contains_key(name) => {
                    return Err(SchemaError::Invalid(format!(
                        "{at} refers to type `{name}`, which the document does not define"
                    )))
                }
                Type::Option(t) | Type::Seq(t) => stack.push((t, depth + 1)),
                Type::Array { item, .. } => stack.push((item, depth + 1)),
                Type::Map { key, value } => {
                    stack.push((value, depth + 1));
                    stack.push((key, depth + 1));
                }
                Type::Tuple(items) => stack.extend(items.iter().rev().map(|t| (t, depth + 1))),
                _ => {}
            }
        }
        Ok(())
    }

    /// Rejects newtype structs that contain themselves through newtypes only (reading one
    /// would read nothing, forever), and chains of newtypes longer than `max_depth`.
    fn check_newtype_chains(&self, max_depth: u32) -> Result<(), SchemaError> {
        // The newtype struct that `name`'s newtype struct holds directly, if any.
        let next = |name: &str| match self.types.get(name) {
            Some(Container::Newtype(Type::Named(inner))) => match self.types.get(inner) {
                Some(Container::Newtype(_)) => Some(inner.as_str()),
                _ => None,
            },
            _ => None,
        };
        // The number of newtypes in the chain that starts at each newtype, once known.
        let mut length: HashMap<&str, u32> = HashMap::new();
        let mut on_path: HashMap<&str, usize> = HashMap::new();
        for (start, container) in &self.types {
            if !matches!(container, Container::Newtype(_)) || length.contains_key(start.as_str()) {
                continue;
            }
            let mut path: Vec<&str> = Vec::new();
            let mut at = Some(start.as_str());
            let mut known = 0u32;
            while let Some(name) = at {
                if let Some(&n) = length.get(name) {
                    known = n;
                    break;
                }
                if let Some(&i) = on_path.get(name) {
                    let cycle = &path[i..];
                    return Err(SchemaError::Invalid(format!(
                        "newtype `{name}` contains itself ({} → `{name}`): reading it would \
                         read no input and never end",
                        quoted(cycle.iter(), " → ")
                    )));
                }
                on_path.insert(name, path.len());
                path.push(name);
                at = next(name);
            }
            for name in path.iter().rev() {
                known = known.saturating_add(1);
                if known > max_depth {
                    return Err(SchemaError::TooDeep {
                        at: format!("newtype `{name}` (a chain of {known} newtypes)"),
                        max_depth,
                    });
                }
                length.insert(name, known);
                on_path.remove(name);
            }
        }
        Ok(())
    }

    /// Rejects named types without a finite value: every value of them would contain
    /// another value of a type without one.
    ///
    /// Each container is a list of alternatives (one per enum variant, one for other
    /// containers), each alternative the named types it cannot do without; a type has a
    /// finite value once one of its alternatives needs only types that have one. Worked out
    /// by propagation from the types that need nothing, each reference counted once.
    fn check_finite(&self) -> Result<(), SchemaError> {
        struct Alternative<'a> {
            owner: &'a str,
            missing: usize,
        }
        let mut alternatives: Vec<Alternative<'_>> = Vec::new();
        let mut needed_by: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut finite: HashSet<&str> = HashSet::new();
        let mut ready: Vec<&str> = Vec::new();
        let mut needs: Vec<&str> = Vec::new();
        for (name, container) in &self.types {
            let bodies: Vec<Vec<&Type>> = match container {
                Container::UnitStruct => vec![Vec::new()],
                Container::Newtype(ty) => vec![vec![ty]],
                Container::TupleStruct(fields) | Container::Struct(fields) => {
                    vec![fields.iter().map(|f| &f.ty).collect()]
                }
                Container::Enum(variants) => variants
                    .iter()
                    .map(|v| match &v.body {
                        Body::Unit => Vec::new(),
                        Body::Newtype(ty) => vec![ty],
                        Body::Tuple(fields) | Body::Struct(fields) => {
                            fields.iter().map(|f| &f.ty).collect()
                        }
                    })
                    .collect(),
            };
            for types in bodies {
                needs.clear();
                required_names(types, &mut needs);
                let index = alternatives.len();
                alternatives.push(Alternative {
                    owner: name,
                    missing: needs.len(),
                });
                for need in &needs {
                    needed_by.entry(need).or_default().push(index);
                }
                if needs.is_empty() && finite.insert(name) {
                    ready.push(name);
                }
            }
        }
        while let Some(name) = ready.pop() {
            for &index in needed_by.get(name).map(Vec::as_slice).unwrap_or_default() {
                let alternative = &mut alternatives[index];
                alternative.missing -= 1;
                if alternative.missing == 0 && finite.insert(alternative.owner) {
                    ready.push(alternative.owner);
                }
            }
        }
        let mut infinite = self
            .types
            .keys()
            .filter(|name| !finite.contains(name.as_str()));
        match infinite.next() {
            None => Ok(()),
            Some(name) => Err(SchemaError::Invalid(format!(
                "type `{name}` has no finite value: each of its values contains a value of a \
                 type without one ({}); recursion needs an `Option`, a sequence, a map or \
                 another enum variant on the way",
                quoted(std::iter::once(name).chain(infinite), ", ")
            ))),
        }
    }
}

/// The named types that a value of every type in `types` must contain (one entry per
/// reference). `Option`, sequences, maps, packed sequences and empty arrays can be empty,
/// so what is inside them is not needed.
fn required_names<'a>(types: Vec<&'a Type>, out: &mut Vec<&'a str>) {
    let mut stack = types;
    while let Some(ty) = stack.pop() {
        match ty {
            Type::Named(name) => out.push(name),
            Type::Tuple(items) => stack.extend(items),
            Type::Array { item, len } if *len > 0 => stack.push(item),
            _ => {}
        }
    }
}
