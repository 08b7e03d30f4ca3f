//! Structs, tuples, arrays and struct/tuple variants: items compared position by position,
//! names only to catch reordering and to explain renames.

use super::shape::{FieldRef, RecordKind};
use super::Checker;
use crate::report::Verdict;

impl Checker<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare_records(
        &mut self,
        ok: RecordKind,
        of: &[FieldRef<'_>],
        o_desc: &str,
        nk: RecordKind,
        nf: &[FieldRef<'_>],
        n_desc: &str,
        path: &str,
    ) {
        if ok != nk {
            self.both(
                path,
                format!("{o_desc} changed to {n_desc} (both are sequences of the items in order)"),
                Verdict::Safe,
            );
        }
        let named = ok.named() && nk.named();
        if named {
            let old_names: Vec<&str> = of.iter().map(|f| f.name.as_ref()).collect();
            let new_names: Vec<&str> = nf.iter().map(|f| f.name.as_ref()).collect();
            if let Some(moves) = moved(&old_names, &new_names, "field") {
                for what in moves {
                    self.both(
                        path,
                        what,
                        Verdict::Breaking(
                            "fields are identified by position: values would land in the wrong fields"
                                .into(),
                        ),
                    );
                }
                return;
            }
        }
        let common = of.len().min(nf.len());
        for (a, b) in of.iter().zip(nf).take(common) {
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
        for f in &nf[common..] {
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
            self.push(
                &format!("{path}.{}", f.name),
                format!("field `{}: {}` added at the back", f.name, f.ty),
                old_to_new,
                Verdict::Safe,
            );
        }
        for f in &of[common..] {
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
            self.push(
                &format!("{path}.{}", f.name),
                format!("field `{}: {}` removed from the back", f.name, f.ty),
                Verdict::Safe,
                new_to_old,
            );
        }
    }
}

/// Detects names that changed position (reordering, insertion or removal before the end).
/// Returns one description per problem, or `None` if every shared name kept its position.
pub(super) fn moved(old: &[&str], new: &[&str], what: &str) -> Option<Vec<String>> {
    let pos = |list: &[&str], name: &str| list.iter().position(|n| *n == name);
    let shifted = old
        .iter()
        .enumerate()
        .any(|(i, name)| pos(new, name).is_some_and(|j| j != i));
    if !shifted {
        return None;
    }
    let old_common: Vec<&str> = old.iter().copied().filter(|n| new.contains(n)).collect();
    let new_common: Vec<&str> = new.iter().copied().filter(|n| old.contains(n)).collect();
    let quote = |list: &[&str]| {
        list.iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if old_common != new_common {
        return Some(vec![format!(
            "{what}s reordered: {} became {}",
            quote(old),
            quote(new)
        )]);
    }
    let mut out = Vec::new();
    let last_common_new = new.iter().rposition(|n| old.contains(n)).unwrap_or(0);
    for (j, name) in new.iter().enumerate() {
        if !old.contains(name) && j < last_common_new {
            out.push(format!(
                "{what} `{name}` inserted at position {j}, before existing {what}s: every later {what} shifts"
            ));
        }
    }
    let last_common_old = old.iter().rposition(|n| new.contains(n)).unwrap_or(0);
    for (i, name) in old.iter().enumerate() {
        if !new.contains(name) && i < last_common_old {
            out.push(format!(
                "{what} `{name}` removed from position {i}, before other {what}s: every later {what} shifts"
            ));
        }
    }
    Some(out)
}
