//! The state of a trace shared by every position of every pass, and its assembly into a
//! [`Schema`].

use std::collections::{BTreeMap, HashMap};

use serde::de::Visitor;

use super::deserializer::RecordAccess;
use super::partial::{PartialBody, PartialContainer, PartialRecord, PartialType};
use super::{TraceError, MAX_NESTING};
use crate::error::SchemaError;
use crate::schema::{Body, Container, Schema, Variant};

/// A record whose trailing defaults are probed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum RecordKey {
    /// A struct or tuple struct, by name.
    Container(&'static str),
    /// A struct or tuple variant: the enum's name and the variant index.
    Variant(&'static str, usize),
}

/// The fields from `from` on are known to have defaults; `done` once a probe failed.
#[derive(Debug)]
pub(super) struct Defaults {
    pub(super) from: usize,
    pub(super) done: bool,
}

/// A guess that may make the type's `Deserialize` impl fail.
#[derive(Debug, Clone, Copy)]
pub(super) enum Probe {
    /// Asked an enum for this variant index.
    EnumIndex(&'static str, usize),
    /// Handed a record one element fewer than the known defaults allow.
    Defaults(RecordKey),
}

/// What a failed pass is blamed on.
#[derive(Debug)]
pub(super) enum Blame {
    /// A probe: the pass teaches something (the enum has fewer variants, the field has no
    /// default) and tracing goes on.
    Probe(Probe),
    /// Anything else: tracing ends with this message.
    Fatal(String),
}

/// What is known about the traced type, kept across passes.
#[derive(Default)]
pub(super) struct Tracer {
    /// Every named type seen so far, by serde name.
    pub(super) types: BTreeMap<&'static str, PartialContainer>,
    /// Trailing-default probes of every record seen so far.
    pub(super) defaults: HashMap<RecordKey, Defaults>,
    /// The named types being traced in this pass, outermost first.
    pub(super) stack: Vec<&'static str>,
    /// What the current pass's failure is blamed on, once it failed.
    pub(super) blame: Option<Blame>,
}

impl Tracer {
    /// Attributes a failure to the innermost frame that saw it.
    pub(super) fn attribute_failure<T>(
        &mut self,
        r: Result<T, TraceError>,
        probe: Option<Probe>,
    ) -> Result<T, TraceError> {
        if let Err(e) = &r {
            if self.blame.is_none() {
                self.blame = Some(match probe {
                    Some(p) => Blame::Probe(p),
                    None => Blame::Fatal(e.0.clone()),
                });
            }
        }
        r
    }

    /// Fails the pass with a message that ends tracing.
    pub(super) fn fatal<T>(&mut self, msg: String) -> Result<T, TraceError> {
        if self.blame.is_none() {
            self.blame = Some(Blame::Fatal(msg.clone()));
        }
        Err(TraceError(msg))
    }

    /// Pushes a named type on the stack. Returns whether to cut recursion below it: when
    /// asked to, or when the type is already being traced further out. Fails past
    /// [`MAX_NESTING`] named types.
    pub(super) fn enter_named(
        &mut self,
        name: &'static str,
        cut: bool,
    ) -> Result<bool, TraceError> {
        let cut = cut || self.stack.contains(&name);
        if self.stack.len() >= MAX_NESTING {
            return self.fatal(format!(
                "`{name}` nests itself without end: a recursive type needs a variant, `Option`, \
                 or collection that stops the recursion"
            ));
        }
        self.stack.push(name);
        Ok(cut)
    }

    /// Learns from a pass that failed on `probe`, and resets what the pass left in flight.
    pub(super) fn learn_from_failure(&mut self, probe: Probe) {
        match probe {
            Probe::EnumIndex(name, index) => {
                if let Some(PartialContainer::Enum(e)) = self.types.get_mut(name) {
                    e.in_flight.clear();
                    e.set_limit(index);
                }
            }
            Probe::Defaults(key) => {
                if let Some(d) = self.defaults.get_mut(&key) {
                    d.done = true;
                }
            }
        }
        for container in self.types.values_mut() {
            if let PartialContainer::Enum(e) = container {
                e.in_flight.clear();
            }
        }
        self.stack.clear();
    }

    /// Records what a pass saw of the named type `name`, merged with earlier passes.
    pub(super) fn record(
        &mut self,
        name: &'static str,
        container: PartialContainer,
    ) -> Result<(), TraceError> {
        match (self.types.get_mut(name), container) {
            (None, container) => {
                self.types.insert(name, container);
                Ok(())
            }
            (Some(PartialContainer::UnitStruct), PartialContainer::UnitStruct) => Ok(()),
            (Some(PartialContainer::Newtype(a)), PartialContainer::Newtype(b)) => {
                let r = a.unify(b);
                self.conflict(name, r)
            }
            (Some(PartialContainer::TupleStruct(a)), PartialContainer::TupleStruct(b))
            | (Some(PartialContainer::Struct(a)), PartialContainer::Struct(b)) => {
                let r = a.unify(b);
                self.conflict(name, r)
            }
            (Some(old), new) => {
                let msg = format!(
                    "two different types are named `{name}`: {} and {} (rename one with \
                     #[serde(rename = \"…\")])",
                    old.kind(),
                    new.kind()
                );
                self.fatal(msg)
            }
        }
    }

    /// Turns a failed merge of two views of `name` into a fatal error.
    pub(super) fn conflict(&mut self, name: &str, r: Result<(), ()>) -> Result<(), TraceError> {
        match r {
            Ok(()) => Ok(()),
            Err(()) => self.fatal(format!(
                "two different types are named `{name}` (a generic type used with different \
                 parameters?): give each its own name with #[serde(rename = \"…\")]"
            )),
        }
    }

    /// Hands a record's fields to `visitor`, probing trailing defaults when not cut off.
    pub(super) fn visit_record<'de, V: Visitor<'de>>(
        &mut self,
        key: Option<RecordKey>,
        names: Option<&'static [&'static str]>,
        cut: bool,
        visitor: V,
    ) -> Result<(V::Value, PartialRecord), TraceError> {
        let probe = match key.and_then(|k| self.defaults.get(&k)) {
            Some(d) if !cut && !d.done && d.from > 0 => Some(d.from - 1),
            _ => None,
        };
        let mut access = RecordAccess {
            tracer: self,
            slots: Vec::new(),
            limit: probe.unwrap_or(usize::MAX),
            cut,
        };
        let r = visitor.visit_seq(&mut access);
        let slots = access.slots;
        let value = self.attribute_failure(r, probe.and(key).map(Probe::Defaults))?;
        let requested = slots.len();
        if let Some(key) = key {
            let d = self.defaults.entry(key).or_insert(Defaults {
                from: requested,
                done: requested == 0,
            });
            if let Some(k) = probe {
                d.from = k;
                d.done |= k == 0;
            }
        }
        let names = match names {
            Some(names) if names.len() == requested => {
                names.iter().map(|n| n.to_string()).collect()
            }
            // Without names, or with `#[serde(alias)]` names mixed in: positions.
            _ => (0..requested).map(|i| i.to_string()).collect(),
        };
        Ok((
            value,
            PartialRecord {
                names,
                fields: slots,
            },
        ))
    }

    /// What still needs passes, if anything.
    pub(super) fn incomplete(&self, root: &PartialType) -> Option<String> {
        if !root.is_complete() {
            return Some("the root type".into());
        }
        for (name, container) in &self.types {
            let done = match container {
                PartialContainer::UnitStruct => true,
                PartialContainer::Newtype(t) => t.is_complete(),
                PartialContainer::TupleStruct(r) | PartialContainer::Struct(r) => r.is_complete(),
                PartialContainer::Enum(e) => e.is_complete(),
            };
            if !done {
                return Some(format!("`{name}`"));
            }
        }
        for (key, d) in &self.defaults {
            if !d.done {
                let name = match key {
                    RecordKey::Container(n) | RecordKey::Variant(n, _) => n,
                };
                return Some(format!("the defaults of `{name}`"));
            }
        }
        None
    }

    pub(super) fn defaults_from(&self, key: RecordKey, len: usize) -> usize {
        self.defaults.get(&key).map_or(len, |d| d.from)
    }

    pub(super) fn into_schema(mut self, root: PartialType) -> Result<Schema, SchemaError> {
        let unknown = |what: &str| SchemaError::Trace(format!("{what} is not fully known"));
        let mut schema = Schema::new(root.into_type().ok_or_else(|| unknown("the root"))?);
        let types = std::mem::take(&mut self.types);
        for (name, container) in types {
            let container = match container {
                PartialContainer::UnitStruct => Container::UnitStruct,
                PartialContainer::Newtype(t) => {
                    Container::Newtype(t.into_type().ok_or_else(|| unknown(name))?)
                }
                PartialContainer::TupleStruct(r) => {
                    let from = self.defaults_from(RecordKey::Container(name), r.fields.len());
                    Container::TupleStruct(r.into_fields(from).ok_or_else(|| unknown(name))?)
                }
                PartialContainer::Struct(r) => {
                    let from = self.defaults_from(RecordKey::Container(name), r.fields.len());
                    Container::Struct(r.into_fields(from).ok_or_else(|| unknown(name))?)
                }
                PartialContainer::Enum(e) => {
                    let mut variants = Vec::with_capacity(e.explored.len());
                    let named = e.names.len() == e.explored.len();
                    for (i, (body, _)) in e.explored {
                        let key = RecordKey::Variant(name, i);
                        let body = match body {
                            PartialBody::Unit => Body::Unit,
                            PartialBody::Newtype(t) => {
                                Body::Newtype(t.into_type().ok_or_else(|| unknown(name))?)
                            }
                            PartialBody::Tuple(r) => {
                                let from = self.defaults_from(key, r.fields.len());
                                Body::Tuple(r.into_fields(from).ok_or_else(|| unknown(name))?)
                            }
                            PartialBody::Struct(r) => {
                                let from = self.defaults_from(key, r.fields.len());
                                Body::Struct(r.into_fields(from).ok_or_else(|| unknown(name))?)
                            }
                        };
                        variants.push(Variant {
                            name: if named {
                                e.names[i].to_string()
                            } else {
                                i.to_string()
                            },
                            body,
                            fallback: e.fallback == Some(i),
                        });
                    }
                    Container::Enum(variants)
                }
            };
            schema.types.insert(name.to_string(), container);
        }
        schema
            .validate()
            .map_err(|e| SchemaError::Trace(e.to_string()))?;
        Ok(schema)
    }
}
