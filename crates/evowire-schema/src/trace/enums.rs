//! Exploring enums: which variant index to ask for next, and what a pass that asked for it
//! teaches about the enum (its variant count, its `#[serde(other)]` fallback).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::partial::{PartialBody, PartialContainer};
use super::tracer::Tracer;
use super::TraceError;

/// What is known about an enum.
#[derive(Debug)]
pub(super) struct EnumState {
    /// The variant names serde gave, in declaration order.
    pub(super) names: &'static [&'static str],
    /// Explored variants by index: body and a hash of the Rust discriminant it produced.
    pub(super) explored: BTreeMap<usize, (PartialBody, u64)>,
    /// Indices at or above this are not variants (`usize::MAX` while unknown).
    pub(super) limit: usize,
    /// The variant that unknown indices map to (`#[serde(other)]`).
    pub(super) fallback: Option<usize>,
    /// Indices being explored by an encounter still in progress.
    pub(super) in_flight: BTreeSet<usize>,
    /// Round-robin counter for encounters once every variant is known.
    pub(super) turn: usize,
}

impl EnumState {
    /// The lowest index neither explored nor in flight, unless the limit is known to be
    /// lower.
    pub(super) fn next_unexplored(&self) -> Option<usize> {
        (0..self.limit)
            .find(|i| !self.explored.contains_key(i) && !self.in_flight.contains(i))
            .filter(|i| *i <= self.explored.len() + self.in_flight.len())
    }

    /// An explored index, in turn, so every variant's body is traced again.
    pub(super) fn take_turn(&mut self) -> Option<usize> {
        let keys: Vec<usize> = self.explored.keys().copied().collect();
        if keys.is_empty() {
            return None;
        }
        self.turn = self.turn.wrapping_add(1);
        Some(keys[self.turn % keys.len()])
    }

    pub(super) fn is_complete(&self) -> bool {
        self.limit != usize::MAX
            && (0..self.limit).all(|i| {
                self.explored
                    .get(&i)
                    .is_some_and(|(body, _)| body.is_complete())
            })
    }

    /// Drops everything at or above a newly learnt limit.
    pub(super) fn set_limit(&mut self, limit: usize) {
        self.limit = self.limit.min(limit);
        let limit = self.limit;
        self.explored.retain(|i, _| *i < limit);
        if self.fallback.is_some_and(|f| f >= limit) {
            self.fallback = None;
        }
    }
}

impl Tracer {
    /// The variant index to ask enum `name` for: the next unexplored one, or in turn the
    /// explored ones. When cutting recursion: a unit variant, or one whose body cannot hold
    /// a named type, if one is known.
    pub(super) fn choose_variant(
        &mut self,
        name: &'static str,
        names: &'static [&'static str],
        cut: bool,
    ) -> Result<usize, TraceError> {
        let state = self.types.entry(name).or_insert_with(|| {
            PartialContainer::Enum(EnumState {
                names,
                explored: BTreeMap::new(),
                limit: usize::MAX,
                fallback: None,
                in_flight: BTreeSet::new(),
                turn: 0,
            })
        });
        let PartialContainer::Enum(state) = state else {
            let msg = format!(
                "two different types are named `{name}`: {} and an enum",
                state.kind()
            );
            return self.fatal(msg);
        };
        let pick = if !cut {
            state.next_unexplored().or_else(|| state.take_turn())
        } else {
            let ended = |pred: &dyn Fn(&PartialBody) -> bool| {
                state
                    .explored
                    .iter()
                    .find(|(_, (body, _))| pred(body))
                    .map(|(i, _)| *i)
            };
            ended(&|b| *b == PartialBody::Unit)
                .or_else(|| ended(&PartialBody::is_terminal))
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

    /// Records the body a pass saw for variant `index` of enum `name`, and the hash of the
    /// Rust variant the impl returned for it: the same Rust variant at two indices reveals
    /// the variant count and the `#[serde(other)]` fallback.
    pub(super) fn record_variant(
        &mut self,
        name: &'static str,
        index: usize,
        body: Option<PartialBody>,
        hash: u64,
    ) -> Result<(), TraceError> {
        let Some(PartialContainer::Enum(state)) = self.types.get_mut(name) else {
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
                    .is_some_and(|(b, _)| *b == PartialBody::Unit)
                {
                    state.fallback = Some(low);
                }
                return Ok(());
            }
            if body == PartialBody::Unit {
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
}

/// A hash of the Rust enum variant `value` is, to tell whether two indices gave the same one.
pub(super) fn discriminant_hash<T>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    std::mem::discriminant(value).hash(&mut h);
    h.finish()
}
