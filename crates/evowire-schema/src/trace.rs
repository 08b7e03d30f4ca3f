//! Capturing a schema from a type's `Deserialize` impl.
//!
//! The tracer is a serde `Deserializer` that answers every request of the type's
//! `Deserialize` impl with a made-up value and records what was requested. It runs over the
//! type again and again ("passes") until it has seen every variant of every enum:
//!
//! * an enum is asked for variant index 0, 1, 2, … in turn; the first index that fails (or
//!   that yields the same variant as a lower index: the `#[serde(other)]` fallback taking an
//!   unknown index) is the number of variants;
//! * a struct (or tuple struct, or struct/tuple variant) is handed one element fewer than it
//!   asks for, then two fewer, …: the derive fills a missing field from `#[serde(default)]`
//!   or fails, which shows which trailing fields have a default;
//! * a type nested in itself (through `Vec`, `Option`, `Box`) is cut off with empty
//!   sequences, `None` and variants that do not recurse.
//!
//! A pass that fails is blamed on the innermost probe that failed (an index past the last
//! variant, a field without default); any other failure ends tracing with the type's own
//! error message.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::de::value::U32Deserializer;
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::Deserialize;

use crate::error::SchemaError;
use crate::schema::{Body, Container, Field, Schema, Type, Variant};

// The newtype name through which `evowire::packed` asks for its bytes form.
use evowire::__private::PACKED_TOKEN;
/// Passes before giving up on a type that never finishes tracing.
const MAX_PASSES: usize = 10_000;
/// Named types nested in one another before a recursive type is declared untraceable.
const MAX_NESTING: usize = 256;

impl Schema {
    /// Traces the serde data model of `T`, through its `Deserialize` impl, into a schema.
    ///
    /// Every enum reachable from `T` is explored until all its variants are known (also inside
    /// `Vec`, `Option` and maps). Two things serde does not tell a format are found by
    /// probing the `Deserialize` impl:
    ///
    /// * `#[serde(default)]` on **trailing** fields (and container-level `#[serde(default)]`):
    ///   the struct is handed fewer elements than it has fields and either fills them in or
    ///   fails. Only trailing fields are probed, as only they can be missing on the wire (a
    ///   default on a field in the middle matters only for `skip_serializing_if`, §9).
    /// * a `#[serde(other)]` variant: the enum is handed an index past its last variant.
    ///
    /// Both are recorded in the schema ([`Field::default`], [`Variant::fallback`]); where
    /// probing cannot see them (hand-written impls), add them with [`Schema::with_default`]
    /// and [`Schema::with_fallback`]. `#[serde(with = "evowire::packed")]` fields are
    /// recognised ([`Type::Packed`]); `#[serde(with = "evowire::fixed")]` is not, as it
    /// changes only how the writer encodes integers and every evowire reader accepts both.
    /// Arrays are seen as tuples: a tuple of four or more elements of one type is recorded
    /// as an array.
    ///
    /// # Errors
    ///
    /// [`SchemaError::Trace`] for types that cannot be traced this way: `Deserialize` impls
    /// that reject made-up values (integers are 1, strings empty), types that need
    /// `deserialize_any` (`flatten`, untagged, internally or adjacently tagged enums), two
    /// different types with the same serde name (a generic type used with two parameters),
    /// and recursive types without a finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_schema::{Container, Schema};
    /// # use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Order {
    ///     id: u64,
    ///     side: Vec<Side>,
    ///     #[serde(default)]
    ///     note: String,
    /// }
    ///
    /// #[derive(Deserialize)]
    /// enum Side { Buy, Sell, #[serde(other)] Unknown }
    ///
    /// let schema = Schema::trace::<Order>()?;
    /// let Container::Struct(fields) = &schema.types["Order"] else { panic!() };
    /// assert!(!fields[1].default && fields[2].default);
    /// let Container::Enum(variants) = &schema.types["Side"] else { panic!() };
    /// assert_eq!(variants.len(), 3);
    /// assert!(variants[2].fallback);
    /// # Ok::<(), evowire_schema::SchemaError>(())
    /// ```
    pub fn trace<'de, T: Deserialize<'de>>() -> Result<Schema, SchemaError> {
        let mut tracer = Tracer::default();
        let mut root = P::Unknown;
        for _ in 0..MAX_PASSES {
            tracer.blame = None;
            let mut slot = P::Unknown;
            let result = T::deserialize(De {
                tracer: &mut tracer,
                slot: &mut slot,
                cut: false,
            });
            match result {
                Ok(_) => {
                    if root.unify(slot).is_err() {
                        return Err(SchemaError::Trace(
                            "the root type changed between passes".into(),
                        ));
                    }
                }
                Err(e) => match tracer.blame.take() {
                    Some(Blame::Action(action)) => tracer.failed(action),
                    Some(Blame::Fatal(msg)) => return Err(SchemaError::Trace(msg)),
                    None => return Err(SchemaError::Trace(e.0)),
                },
            }
            if tracer.incomplete(&root).is_none() {
                return tracer.into_schema(root);
            }
        }
        let what = tracer
            .incomplete(&root)
            .unwrap_or_else(|| "the type".into());
        Err(SchemaError::Trace(format!(
            "tracing did not finish after {MAX_PASSES} passes: {what} is still incomplete"
        )))
    }
}

#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// A type being traced: parts may still be unknown.
#[derive(Clone, Debug, PartialEq)]
enum P {
    Unknown,
    Known(Type),
    Option(Box<P>),
    Seq(Box<P>),
    Map(Box<P>, Box<P>),
    Tuple(Vec<P>),
}

impl P {
    fn unify(&mut self, other: P) -> Result<(), ()> {
        match (&mut *self, other) {
            (_, P::Unknown) => Ok(()),
            (P::Unknown, other) => {
                *self = other;
                Ok(())
            }
            (P::Known(a), P::Known(b)) if *a == b => Ok(()),
            (P::Option(a), P::Option(b)) | (P::Seq(a), P::Seq(b)) => a.unify(*b),
            (P::Map(ka, va), P::Map(kb, vb)) => {
                ka.unify(*kb)?;
                va.unify(*vb)
            }
            (P::Tuple(a), P::Tuple(b)) if a.len() == b.len() => {
                a.iter_mut().zip(b).try_for_each(|(a, b)| a.unify(b))
            }
            _ => Err(()),
        }
    }

    fn is_complete(&self) -> bool {
        match self {
            P::Unknown => false,
            P::Known(_) => true,
            P::Option(t) | P::Seq(t) => t.is_complete(),
            P::Map(k, v) => k.is_complete() && v.is_complete(),
            P::Tuple(items) => items.iter().all(P::is_complete),
        }
    }

    /// Whether a value of this type certainly contains no named type (so cannot recurse).
    fn is_terminal(&self) -> bool {
        match self {
            P::Unknown | P::Known(Type::Named(_)) => false,
            P::Known(_) => true,
            // `None`, empty sequences and maps end recursion anyway.
            P::Option(_) | P::Seq(_) | P::Map(..) => true,
            P::Tuple(items) => items.iter().all(P::is_terminal),
        }
    }

    fn into_type(self) -> Option<Type> {
        Some(match self {
            P::Unknown => return None,
            P::Known(t) => t,
            P::Option(t) => Type::Option(Box::new(t.into_type()?)),
            P::Seq(t) => Type::Seq(Box::new(t.into_type()?)),
            P::Map(k, v) => Type::Map {
                key: Box::new(k.into_type()?),
                value: Box::new(v.into_type()?),
            },
            P::Tuple(items) => {
                let items: Vec<Type> =
                    items.into_iter().map(P::into_type).collect::<Option<_>>()?;
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
struct Rec {
    names: Vec<String>,
    fields: Vec<P>,
}

impl Rec {
    fn unify(&mut self, other: Rec) -> Result<(), ()> {
        if self.names != other.names {
            return Err(());
        }
        self.fields
            .iter_mut()
            .zip(other.fields)
            .try_for_each(|(a, b)| a.unify(b))
    }

    fn is_complete(&self) -> bool {
        self.fields.iter().all(P::is_complete)
    }

    fn into_fields(self, defaults_from: usize) -> Option<Vec<Field>> {
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

#[derive(Clone, Debug, PartialEq)]
enum PBody {
    Unit,
    Newtype(P),
    Tuple(Rec),
    Struct(Rec),
}

impl PBody {
    fn unify(&mut self, other: PBody) -> Result<(), ()> {
        match (self, other) {
            (PBody::Unit, PBody::Unit) => Ok(()),
            (PBody::Newtype(a), PBody::Newtype(b)) => a.unify(b),
            (PBody::Tuple(a), PBody::Tuple(b)) | (PBody::Struct(a), PBody::Struct(b)) => a.unify(b),
            _ => Err(()),
        }
    }

    fn is_complete(&self) -> bool {
        match self {
            PBody::Unit => true,
            PBody::Newtype(t) => t.is_complete(),
            PBody::Tuple(r) | PBody::Struct(r) => r.is_complete(),
        }
    }

    fn is_terminal(&self) -> bool {
        match self {
            PBody::Unit => true,
            PBody::Newtype(t) => t.is_terminal(),
            PBody::Tuple(r) | PBody::Struct(r) => r.fields.iter().all(P::is_terminal),
        }
    }
}

/// What is known about an enum.
#[derive(Debug)]
struct EnumState {
    names: &'static [&'static str],
    /// Explored variants by index: body and a hash of the Rust discriminant it produced.
    explored: BTreeMap<usize, (PBody, u64)>,
    /// Indices at or above this are not variants (`usize::MAX` while unknown).
    limit: usize,
    /// The variant that unknown indices map to (`#[serde(other)]`).
    fallback: Option<usize>,
    /// Indices being explored by an encounter still in progress.
    in_flight: BTreeSet<usize>,
    /// Round-robin counter for encounters once every variant is known.
    turn: usize,
}

impl EnumState {
    fn next_unexplored(&self) -> Option<usize> {
        (0..self.limit)
            .find(|i| !self.explored.contains_key(i) && !self.in_flight.contains(i))
            .filter(|i| *i <= self.explored.len() + self.in_flight.len())
    }

    fn take_turn(&mut self) -> Option<usize> {
        let keys: Vec<usize> = self.explored.keys().copied().collect();
        if keys.is_empty() {
            return None;
        }
        self.turn = self.turn.wrapping_add(1);
        Some(keys[self.turn % keys.len()])
    }

    fn is_complete(&self) -> bool {
        self.limit != usize::MAX
            && (0..self.limit).all(|i| {
                self.explored
                    .get(&i)
                    .is_some_and(|(body, _)| body.is_complete())
            })
    }

    /// Drops everything at or above a newly learnt limit.
    fn set_limit(&mut self, limit: usize) {
        self.limit = self.limit.min(limit);
        let limit = self.limit;
        self.explored.retain(|i, _| *i < limit);
        if self.fallback.is_some_and(|f| f >= limit) {
            self.fallback = None;
        }
    }
}

#[derive(Debug)]
enum PC {
    UnitStruct,
    Newtype(P),
    TupleStruct(Rec),
    Struct(Rec),
    Enum(EnumState),
}

impl PC {
    fn kind(&self) -> &'static str {
        match self {
            PC::UnitStruct => "a unit struct",
            PC::Newtype(_) => "a newtype struct",
            PC::TupleStruct(_) => "a tuple struct",
            PC::Struct(_) => "a struct",
            PC::Enum(_) => "an enum",
        }
    }
}

/// A record whose trailing defaults are probed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum RecKey {
    Container(&'static str),
    Variant(&'static str, usize),
}

/// The fields from `from` on are known to have defaults; `done` once a probe failed.
#[derive(Debug)]
struct Defaults {
    from: usize,
    done: bool,
}

/// A guess that may make the type's `Deserialize` impl fail.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// Asked an enum for this variant index.
    EnumIndex(&'static str, usize),
    /// Handed a record one element fewer than the known defaults allow.
    Defaults(RecKey),
}

#[derive(Debug)]
enum Blame {
    Action(Action),
    Fatal(String),
}

#[derive(Default)]
struct Tracer {
    types: BTreeMap<&'static str, PC>,
    defaults: HashMap<RecKey, Defaults>,
    stack: Vec<&'static str>,
    blame: Option<Blame>,
}

impl Tracer {
    /// Attributes a failure to the innermost frame that saw it.
    fn fin<T>(&mut self, r: Result<T, Error>, action: Option<Action>) -> Result<T, Error> {
        if let Err(e) = &r {
            if self.blame.is_none() {
                self.blame = Some(match action {
                    Some(a) => Blame::Action(a),
                    None => Blame::Fatal(e.0.clone()),
                });
            }
        }
        r
    }

    fn fatal<T>(&mut self, msg: String) -> Result<T, Error> {
        if self.blame.is_none() {
            self.blame = Some(Blame::Fatal(msg.clone()));
        }
        Err(Error(msg))
    }

    fn enter(&mut self, name: &'static str, cut: bool) -> Result<bool, Error> {
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

    fn failed(&mut self, action: Action) {
        match action {
            Action::EnumIndex(name, index) => {
                if let Some(PC::Enum(e)) = self.types.get_mut(name) {
                    e.in_flight.clear();
                    e.set_limit(index);
                }
            }
            Action::Defaults(key) => {
                if let Some(d) = self.defaults.get_mut(&key) {
                    d.done = true;
                }
            }
        }
        for pc in self.types.values_mut() {
            if let PC::Enum(e) = pc {
                e.in_flight.clear();
            }
        }
        self.stack.clear();
    }

    fn record(&mut self, name: &'static str, pc: PC) -> Result<(), Error> {
        match (self.types.get_mut(name), pc) {
            (None, pc) => {
                self.types.insert(name, pc);
                Ok(())
            }
            (Some(PC::UnitStruct), PC::UnitStruct) => Ok(()),
            (Some(PC::Newtype(a)), PC::Newtype(b)) => {
                let r = a.unify(b);
                self.conflict(name, r)
            }
            (Some(PC::TupleStruct(a)), PC::TupleStruct(b))
            | (Some(PC::Struct(a)), PC::Struct(b)) => {
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

    fn conflict(&mut self, name: &str, r: Result<(), ()>) -> Result<(), Error> {
        match r {
            Ok(()) => Ok(()),
            Err(()) => self.fatal(format!(
                "two different types are named `{name}` (a generic type used with different \
                 parameters?): give each its own name with #[serde(rename = \"…\")]"
            )),
        }
    }

    fn choose_variant(
        &mut self,
        name: &'static str,
        names: &'static [&'static str],
        cut: bool,
    ) -> Result<usize, Error> {
        let state = self.types.entry(name).or_insert_with(|| {
            PC::Enum(EnumState {
                names,
                explored: BTreeMap::new(),
                limit: usize::MAX,
                fallback: None,
                in_flight: BTreeSet::new(),
                turn: 0,
            })
        });
        let PC::Enum(state) = state else {
            let msg = format!(
                "two different types are named `{name}`: {} and an enum",
                state.kind()
            );
            return self.fatal(msg);
        };
        let pick = if !cut {
            state.next_unexplored().or_else(|| state.take_turn())
        } else {
            let ended = |pred: &dyn Fn(&PBody) -> bool| {
                state
                    .explored
                    .iter()
                    .find(|(_, (body, _))| pred(body))
                    .map(|(i, _)| *i)
            };
            ended(&|b| *b == PBody::Unit)
                .or_else(|| ended(&PBody::is_terminal))
                .or_else(|| state.next_unexplored())
                .or_else(|| state.take_turn())
        };
        match pick {
            Some(i) => {
                state.in_flight.insert(i);
                Ok(i)
            }
            None => self.fatal(format!("enum `{name}` has no variant that can be traced")),
        }
    }

    fn record_variant(
        &mut self,
        name: &'static str,
        index: usize,
        body: Option<PBody>,
        hash: u64,
    ) -> Result<(), Error> {
        let Some(PC::Enum(state)) = self.types.get_mut(name) else {
            return Ok(());
        };
        state.in_flight.remove(&index);
        let Some(body) = body else { return Ok(()) };
        if index >= state.limit {
            return Ok(());
        }
        // The same Rust variant at two indices: the higher one is past the last variant and
        // fell through to `#[serde(other)]`.
        let twin = state
            .explored
            .iter()
            .find(|(i, (_, h))| **i != index && *h == hash)
            .map(|(i, _)| *i);
        if let Some(twin) = twin {
            let (low, high) = (twin.min(index), twin.max(index));
            state.set_limit(high);
            if index == high {
                if state
                    .explored
                    .get(&low)
                    .is_some_and(|(b, _)| *b == PBody::Unit)
                {
                    state.fallback = Some(low);
                }
                return Ok(());
            }
            if body == PBody::Unit {
                state.fallback = Some(low);
            }
        }
        match state.explored.get_mut(&index) {
            None => {
                state.explored.insert(index, (body, hash));
                Ok(())
            }
            Some((known, _)) => {
                let r = known.unify(body);
                self.conflict(name, r)
            }
        }
    }

    /// Hands a record's fields to `visitor`, probing trailing defaults when not cut off.
    fn visit_record<'de, V: Visitor<'de>>(
        &mut self,
        key: Option<RecKey>,
        names: Option<&'static [&'static str]>,
        cut: bool,
        visitor: V,
    ) -> Result<(V::Value, Rec), Error> {
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
        let value = self.fin(r, probe.and(key).map(Action::Defaults))?;
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
            Rec {
                names,
                fields: slots,
            },
        ))
    }

    /// What still needs passes, if anything.
    fn incomplete(&self, root: &P) -> Option<String> {
        if !root.is_complete() {
            return Some("the root type".into());
        }
        for (name, pc) in &self.types {
            let done = match pc {
                PC::UnitStruct => true,
                PC::Newtype(t) => t.is_complete(),
                PC::TupleStruct(r) | PC::Struct(r) => r.is_complete(),
                PC::Enum(e) => e.is_complete(),
            };
            if !done {
                return Some(format!("`{name}`"));
            }
        }
        for (key, d) in &self.defaults {
            if !d.done {
                let name = match key {
                    RecKey::Container(n) | RecKey::Variant(n, _) => n,
                };
                return Some(format!("the defaults of `{name}`"));
            }
        }
        None
    }

    fn defaults_from(&self, key: RecKey, len: usize) -> usize {
        self.defaults.get(&key).map_or(len, |d| d.from)
    }

    fn into_schema(mut self, root: P) -> Result<Schema, SchemaError> {
        let unknown = |what: &str| SchemaError::Trace(format!("{what} is not fully known"));
        let mut schema = Schema::new(root.into_type().ok_or_else(|| unknown("the root"))?);
        let types = std::mem::take(&mut self.types);
        for (name, pc) in types {
            let container = match pc {
                PC::UnitStruct => Container::UnitStruct,
                PC::Newtype(t) => Container::Newtype(t.into_type().ok_or_else(|| unknown(name))?),
                PC::TupleStruct(r) => {
                    let from = self.defaults_from(RecKey::Container(name), r.fields.len());
                    Container::TupleStruct(r.into_fields(from).ok_or_else(|| unknown(name))?)
                }
                PC::Struct(r) => {
                    let from = self.defaults_from(RecKey::Container(name), r.fields.len());
                    Container::Struct(r.into_fields(from).ok_or_else(|| unknown(name))?)
                }
                PC::Enum(e) => {
                    let mut variants = Vec::with_capacity(e.explored.len());
                    let named = e.names.len() == e.explored.len();
                    for (i, (body, _)) in e.explored {
                        let key = RecKey::Variant(name, i);
                        let body = match body {
                            PBody::Unit => Body::Unit,
                            PBody::Newtype(t) => {
                                Body::Newtype(t.into_type().ok_or_else(|| unknown(name))?)
                            }
                            PBody::Tuple(r) => {
                                let from = self.defaults_from(key, r.fields.len());
                                Body::Tuple(r.into_fields(from).ok_or_else(|| unknown(name))?)
                            }
                            PBody::Struct(r) => {
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

fn discriminant_hash<T>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    std::mem::discriminant(value).hash(&mut h);
    h.finish()
}

/// The deserializer for one position of the type.
struct De<'t> {
    tracer: &'t mut Tracer,
    slot: &'t mut P,
    /// Inside a type nested in itself: end recursion where possible.
    cut: bool,
}

macro_rules! primitive {
    ($($method:ident => $ty:ident, $visit:ident($($value:expr)?);)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            *self.slot = P::Known(Type::$ty);
            let r = visitor.$visit($($value)?);
            self.tracer.fin(r, None)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        self.tracer.fatal(
            "the type needs `deserialize_any` (#[serde(flatten)], untagged, internally or \
             adjacently tagged enums, or a self-describing impl), which a positional format \
             cannot trace"
                .into(),
        )
    }

    primitive! {
        deserialize_bool => Bool, visit_bool(false);
        deserialize_i8 => I8, visit_i8(1);
        deserialize_i16 => I16, visit_i16(1);
        deserialize_i32 => I32, visit_i32(1);
        deserialize_i64 => I64, visit_i64(1);
        deserialize_i128 => I128, visit_i128(1);
        deserialize_u8 => U8, visit_u8(1);
        deserialize_u16 => U16, visit_u16(1);
        deserialize_u32 => U32, visit_u32(1);
        deserialize_u64 => U64, visit_u64(1);
        deserialize_u128 => U128, visit_u128(1);
        deserialize_f32 => F32, visit_f32(0.0);
        deserialize_f64 => F64, visit_f64(0.0);
        deserialize_char => Char, visit_char('a');
        deserialize_str => Str, visit_borrowed_str("");
        deserialize_string => Str, visit_borrowed_str("");
        deserialize_bytes => Bytes, visit_borrowed_bytes(&[]);
        deserialize_byte_buf => Bytes, visit_borrowed_bytes(&[]);
        deserialize_unit => Unit, visit_unit();
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut inner = P::Unknown;
        let r = if self.cut {
            visitor.visit_none()
        } else {
            visitor.visit_some(De {
                tracer: &mut *self.tracer,
                slot: &mut inner,
                cut: false,
            })
        };
        let value = self.tracer.fin(r, None)?;
        *self.slot = P::Option(Box::new(inner));
        Ok(value)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        *self.slot = P::Known(Type::Named(name.into()));
        let r = visitor.visit_unit();
        let value = self.tracer.fin(r, None)?;
        self.tracer.record(name, PC::UnitStruct)?;
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let De { tracer, slot, cut } = self;
        let mut inner = P::Unknown;
        if name == PACKED_TOKEN {
            *slot = P::Known(Type::Packed);
            let r = visitor.visit_newtype_struct(De {
                tracer: &mut *tracer,
                slot: &mut inner,
                cut,
            });
            return tracer.fin(r, None);
        }
        *slot = P::Known(Type::Named(name.into()));
        let cut = tracer.enter(name, cut)?;
        let r = visitor.visit_newtype_struct(De {
            tracer: &mut *tracer,
            slot: &mut inner,
            cut,
        });
        tracer.stack.pop();
        let value = tracer.fin(r, None)?;
        tracer.record(name, PC::Newtype(inner))?;
        Ok(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut access = RecordAccess {
            tracer: &mut *self.tracer,
            slots: Vec::new(),
            limit: if self.cut { 0 } else { 1 },
            cut: self.cut,
        };
        let r = visitor.visit_seq(&mut access);
        let element = access.slots.into_iter().next().unwrap_or(P::Unknown);
        let value = self.tracer.fin(r, None)?;
        *self.slot = P::Seq(Box::new(element));
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (value, rec) = self.tracer.visit_record(None, None, self.cut, visitor)?;
        *self.slot = P::Tuple(rec.fields);
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let De { tracer, slot, cut } = self;
        *slot = P::Known(Type::Named(name.into()));
        let cut = tracer.enter(name, cut)?;
        let r = tracer.visit_record(Some(RecKey::Container(name)), None, cut, visitor);
        tracer.stack.pop();
        let (value, rec) = r?;
        tracer.record(name, PC::TupleStruct(rec))?;
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut access = MapAccessor {
            tracer: &mut *self.tracer,
            key: P::Unknown,
            value: P::Unknown,
            remaining: if self.cut { 0 } else { 1 },
            cut: self.cut,
        };
        let r = visitor.visit_map(&mut access);
        let (key, val) = (access.key, access.value);
        let value = self.tracer.fin(r, None)?;
        *self.slot = P::Map(Box::new(key), Box::new(val));
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let De { tracer, slot, cut } = self;
        *slot = P::Known(Type::Named(name.into()));
        let cut = tracer.enter(name, cut)?;
        let r = tracer.visit_record(Some(RecKey::Container(name)), Some(fields), cut, visitor);
        tracer.stack.pop();
        let (value, rec) = r?;
        tracer.record(name, PC::Struct(rec))?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let De { tracer, slot, cut } = self;
        *slot = P::Known(Type::Named(name.into()));
        let cut = tracer.enter(name, cut)?;
        let index = match tracer.choose_variant(name, variants, cut) {
            Ok(i) => i,
            Err(e) => {
                tracer.stack.pop();
                return Err(e);
            }
        };
        let mut body = None;
        let r = visitor.visit_enum(EnumAccessor {
            tracer: &mut *tracer,
            name,
            index,
            body: &mut body,
            cut,
        });
        tracer.stack.pop();
        let value = tracer.fin(r, Some(Action::EnumIndex(name, index)))?;
        tracer.record_variant(name, index, body, discriminant_hash(&value))?;
        Ok(value)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        self.tracer.fatal(
            "the type asks for field or variant names (#[serde(flatten)], internally or \
             adjacently tagged enums, or a map-based impl), which a positional format cannot \
             trace"
                .into(),
        )
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = visitor.visit_unit();
        self.tracer.fin(r, None)
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Hands out up to `limit` elements, then `None`; counts every request.
struct RecordAccess<'t> {
    tracer: &'t mut Tracer,
    slots: Vec<P>,
    limit: usize,
    cut: bool,
}

impl<'de> SeqAccess<'de> for RecordAccess<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let i = self.slots.len();
        self.slots.push(P::Unknown);
        if i >= self.limit || i >= 100_000 {
            return Ok(None);
        }
        let value = seed.deserialize(De {
            tracer: &mut *self.tracer,
            slot: &mut self.slots[i],
            cut: self.cut,
        })?;
        Ok(Some(value))
    }
}

struct MapAccessor<'t> {
    tracer: &'t mut Tracer,
    key: P,
    value: P,
    remaining: usize,
    cut: bool,
}

impl<'de> MapAccess<'de> for MapAccessor<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        seed.deserialize(De {
            tracer: &mut *self.tracer,
            slot: &mut self.key,
            cut: self.cut,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(De {
            tracer: &mut *self.tracer,
            slot: &mut self.value,
            cut: self.cut,
        })
    }
}

struct EnumAccessor<'t> {
    tracer: &'t mut Tracer,
    name: &'static str,
    index: usize,
    body: &'t mut Option<PBody>,
    cut: bool,
}

impl<'de, 't> EnumAccess<'de> for EnumAccessor<'t> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let index = u32::try_from(self.index).unwrap_or(u32::MAX);
        let value = seed.deserialize(U32Deserializer::<Error>::new(index))?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for EnumAccessor<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        *self.body = Some(PBody::Unit);
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let mut inner = P::Unknown;
        let value = seed.deserialize(De {
            tracer: &mut *self.tracer,
            slot: &mut inner,
            cut: self.cut,
        })?;
        *self.body = Some(PBody::Newtype(inner));
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let key = RecKey::Variant(self.name, self.index);
        let (value, rec) = self
            .tracer
            .visit_record(Some(key), None, self.cut, visitor)?;
        *self.body = Some(PBody::Tuple(rec));
        Ok(value)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let key = RecKey::Variant(self.name, self.index);
        let (value, rec) = self
            .tracer
            .visit_record(Some(key), Some(fields), self.cut, visitor)?;
        *self.body = Some(PBody::Struct(rec));
        Ok(value)
    }
}
