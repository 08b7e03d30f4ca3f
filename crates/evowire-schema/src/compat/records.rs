//! Structs, tuples, arrays and struct/tuple variants: items compared position by position,
//! names only to catch reordering and to explain renames.

use std::collections::HashMap;
use std::ops::Range;

use super::shape::{FieldRef, Items, RecordKind, Resolved};
use super::Checker;
use crate::report::Verdict;
use crate::text::{quoted, LISTED};

/// How the items (fields or variants) of an old and a new list line up.
pub(super) struct Alignment {
    /// Items that changed position (reordering, insertion or removal before the end), one
    /// description each; empty when every shared name kept its position.
    pub(super) moves: Vec<String>,
    /// Positions `(old, new)` to compare: by position, or by name when names moved.
    pub(super) pairs: Vec<(usize, usize)>,
    /// New positions added at the back.
    pub(super) added: Range<usize>,
    /// Old positions removed from the back.
    pub(super) removed: Range<usize>,
}

impl Alignment {
    /// Items compared position by position: the first `min(old, new)` pair up.
    pub(super) fn by_position(old: usize, new: usize) -> Self {
        let common = old.min(new);
        Alignment {
            moves: Vec::new(),
            pairs: (0..common).map(|i| (i, i)).collect(),
            added: common..new,
            removed: common..old,
        }
    }
}

impl Checker<'_> {
    /// Compares two records (or arrays) item by item: each side is its kind, its items and
    /// the type it was resolved from (for messages).
    pub(super) fn compare_records(
        &mut self,
        (ok, of, o): (RecordKind, Items<'_, '_>, &Resolved<'_>),
        (nk, nf, n): (RecordKind, Items<'_, '_>, &Resolved<'_>),
        path: &str,
    ) {
        if ok != nk {
            self.both(
                path,
                format!(
                    "{} changed to {} (both are sequences of the items in order)",
                    o.describe(),
                    n.describe()
                ),
                Verdict::Safe,
            );
        }
        let named = ok.named() && nk.named();
        let alignment = match (named, of, nf) {
            (true, Items::Fields(a), Items::Fields(b)) => {
                let old_names: Vec<&str> = a.iter().map(|f| f.name.as_ref()).collect();
                let new_names: Vec<&str> = b.iter().map(|f| f.name.as_ref()).collect();
                align(&old_names, &new_names, "field")
            }
            _ => Alignment::by_position(of.len(), nf.len()),
        };
        for what in alignment.moves {
            self.both(
                path,
                what,
                Verdict::Breaking(
                    "fields are identified by position: values would land in the wrong fields"
                        .into(),
                ),
            );
        }
        for (i, j) in alignment.pairs {
            let (Some(a), Some(b)) = (of.get(i), nf.get(j)) else {
                continue;
            };
            let at = format!("{path}.{}", b.name);
            if named && a.name != b.name {
                self.both(
                    &at,
                    format!(
                        "field `{}` renamed to `{}` (names are not written)",
                        a.name, b.name
                    ),
                    Verdict::Safe,
                );
            }
            self.compare(a.ty, b.ty, &at);
        }
        let added = |f: &FieldRef<'_>| {
            let old_to_new = if f.default {
                Verdict::Safe
            } else if !nk.can_default() {
                Verdict::Breaking(format!(
                    "a {} reader needs every element and old messages have {}",
                    nk.describe(),
                    of.len()
                ))
            } else {
                Verdict::SafeIf(format!(
                    "new readers have `#[serde(default)]` on `{}`",
                    f.name
                ))
            };
            (old_to_new, Verdict::Safe)
        };
        self.push_tail(path, nf, alignment.added, "added at the back", added);
        let removed = |f: &FieldRef<'_>| {
            let new_to_old = if f.default {
                Verdict::Safe
            } else if !ok.can_default() {
                Verdict::Breaking(format!(
                    "an old {} reader needs every element and new messages have {}",
                    ok.describe(),
                    nf.len()
                ))
            } else {
                Verdict::SafeIf(format!(
                    "old readers have `#[serde(default)]` on `{}`",
                    f.name
                ))
            };
            (Verdict::Safe, new_to_old)
        };
        self.push_tail(
            path,
            of,
            alignment.removed,
            "removed from the back",
            removed,
        );
    }

    /// Reports the items at `range` of `items` as added or removed (`how`), with the verdicts
    /// `judge` gives. An array's items are all alike: past a handful they make one change.
    fn push_tail(
        &mut self,
        path: &str,
        items: Items<'_, '_>,
        range: Range<usize>,
        how: &str,
        judge: impl Fn(&FieldRef<'_>) -> (Verdict, Verdict),
    ) {
        if let (Items::Repeat(ty, _), true) = (items, range.len() > LISTED) {
            let Some(first) = items.get(range.start) else {
                return;
            };
            let (old_to_new, new_to_old) = judge(&first);
            self.push(
                &format!("{path}.{}", range.start),
                format!(
                    "{} elements `{ty}` {how} (positions {} to {})",
                    range.len(),
                    range.start,
                    range.end - 1
                ),
                old_to_new,
                new_to_old,
            );
            return;
        }
        for i in range {
            let Some(f) = items.get(i) else { break };
            let (old_to_new, new_to_old) = judge(&f);
            self.push(
                &format!("{path}.{}", f.name),
                format!("field `{}: {}` {how}", f.name, f.ty),
                old_to_new,
                new_to_old,
            );
        }
    }
}

/// Lines up two lists of unique names: by position while every shared name keeps its
/// position, else shared names by name, with one description per problem (reordering,
/// insertion or removal before the end). Linear in the lengths.
pub(super) fn align(old: &[&str], new: &[&str], what: &str) -> Alignment {
    let new_pos: HashMap<&str, usize> = new.iter().enumerate().map(|(j, n)| (*n, j)).collect();
    let shifted = old
        .iter()
        .enumerate()
        .any(|(i, name)| new_pos.get(name).is_some_and(|&j| j != i));
    if !shifted {
        return Alignment::by_position(old.len(), new.len());
    }
    let old_pos: HashMap<&str, usize> = old.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let in_new = |n: &&str| new_pos.contains_key(n);
    let in_old = |n: &&str| old_pos.contains_key(n);
    let old_common = old.iter().filter(|n| in_new(n));
    let new_common = new.iter().filter(|n| in_old(n));
    let last_common_new = new.iter().rposition(&in_old).unwrap_or(0);
    let last_common_old = old.iter().rposition(&in_new).unwrap_or(0);
    let mut moves = Vec::new();
    if !old_common.eq(new_common) {
        moves.push(format!(
            "{what}s reordered: {} became {}",
            quoted(old, ", "),
            quoted(new, ", ")
        ));
    } else {
        for (j, name) in new.iter().enumerate() {
            if !in_old(name) && j < last_common_new {
                moves.push(format!(
                    "{what} `{name}` inserted at position {j}, before existing {what}s: every later {what} shifts"
                ));
            }
        }
        for (i, name) in old.iter().enumerate() {
            if !in_new(name) && i < last_common_old {
                moves.push(format!(
                    "{what} `{name}` removed from position {i}, before other {what}s: every later {what} shifts"
                ));
            }
        }
    }
    let pairs = new
        .iter()
        .enumerate()
        .filter_map(|(j, name)| old_pos.get(name).map(|&i| (i, j)))
        .collect();
    Alignment {
        moves,
        pairs,
        added: last_common_new + 1..new.len(),
        removed: last_common_old + 1..old.len(),
    }
}
