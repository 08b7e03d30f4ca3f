//! Enums (and `Option`, seen as the enum it is on the wire): variants compared by index,
//! with the `#[serde(other)]` fallback that receives unknown indices.

use super::records::align;
use super::shape::body_shape;
use super::Checker;
use crate::report::Verdict;
use crate::schema::Variant;

impl Checker<'_> {
    pub(super) fn compare_enums(&mut self, ov: &[Variant], nv: &[Variant], path: &str) {
        // serde wants `#[serde(other)]` on the last variant, so an enum with a fallback grows
        // by inserting variants just before it. Compare the variants before the fallbacks,
        // then the fallbacks' own move.
        if let (Some((of, op)), Some((nf, np))) = (
            ov.split_last().filter(|(v, _)| v.fallback),
            nv.split_last().filter(|(v, _)| v.fallback),
        ) {
            self.compare_variant_lists(op, np, path, Some(&of.name), Some(&nf.name));
            let at = format!("{path}::{}", nf.name);
            if of.name != nf.name {
                self.both(
                    &at,
                    format!(
                        "variant `{}` renamed to `{}` (names are not written)",
                        of.name, nf.name
                    ),
                    Verdict::Safe,
                );
            }
            let (i, j) = (op.len(), np.len());
            if i != j {
                let never = |who: &str, name: &str, index: usize, now: &str| {
                    Verdict::SafeIf(format!(
                        "{who} writers never send `{name}` (its index {index} is now `{now}`; \
                         a `#[serde(other)]` variant is normally only received)"
                    ))
                };
                let (old_to_new, new_to_old) = if j > i {
                    (never("old", &of.name, i, &np[i].name), Verdict::Safe)
                } else {
                    (Verdict::Safe, never("new", &nf.name, j, &op[j].name))
                };
                self.push(
                    &at,
                    format!(
                        "fallback variant `{}` moved from index {i} to {j} (it stays last)",
                        nf.name
                    ),
                    old_to_new,
                    new_to_old,
                );
            }
            return;
        }
        let old_fallback = ov.iter().find(|v| v.fallback).map(|v| v.name.as_str());
        let new_fallback = nv.iter().find(|v| v.fallback).map(|v| v.name.as_str());
        self.compare_variant_lists(ov, nv, path, old_fallback, new_fallback);
    }

    /// Compares variants by position (by name where names moved, which is reported as
    /// breaking). Unknown indices reach the fallbacks, if any.
    pub(super) fn compare_variant_lists(
        &mut self,
        ov: &[Variant],
        nv: &[Variant],
        path: &str,
        old_fallback: Option<&str>,
        new_fallback: Option<&str>,
    ) {
        let old_names: Vec<&str> = ov.iter().map(|v| v.name.as_str()).collect();
        let new_names: Vec<&str> = nv.iter().map(|v| v.name.as_str()).collect();
        let alignment = align(&old_names, &new_names, "variant");
        for what in alignment.moves {
            self.both(
                path,
                what,
                Verdict::Breaking(
                    "variants are identified by their index: messages would decode as the wrong variant"
                        .into(),
                ),
            );
        }
        for (i, j) in alignment.pairs {
            let (Some(a), Some(b)) = (ov.get(i), nv.get(j)) else {
                continue;
            };
            let at = format!("{path}::{}", b.name);
            if a.name != b.name {
                self.both(
                    &at,
                    format!(
                        "variant `{}` renamed to `{}` (names are not written)",
                        a.name, b.name
                    ),
                    Verdict::Safe,
                );
            }
            let (old_schema, new_schema) = (self.old, self.new);
            let o = body_shape(old_schema, &a.body, self.max_newtypes());
            let n = body_shape(new_schema, &b.body, self.max_newtypes());
            self.compare_resolved(o, n, &at);
        }
        let place = |fallback: Option<&str>| match fallback {
            Some(fb) if fallback == old_fallback && fallback == new_fallback => {
                format!("before the fallback `{fb}`")
            }
            _ => "at the back".to_string(),
        };
        for (i, v) in alignment
            .added
            .clone()
            .zip(nv.get(alignment.added).unwrap_or_default())
        {
            let (what, new_to_old) = match old_fallback {
                Some(fb) => (
                    format!(
                        "variant `{}` added {} (index {i}); old readers decode it as `{fb}`",
                        v.name,
                        place(new_fallback)
                    ),
                    Verdict::Safe,
                ),
                None => (
                    format!("variant `{}` added at the back (index {i})", v.name),
                    Verdict::SafeIf(format!(
                        "old readers have a `#[serde(other)]` unit variant (none is marked in the old schema), or never receive `{}`",
                        v.name
                    )),
                ),
            };
            self.push(
                &format!("{path}::{}", v.name),
                what,
                Verdict::Safe,
                new_to_old,
            );
        }
        for (i, v) in alignment
            .removed
            .clone()
            .zip(ov.get(alignment.removed).unwrap_or_default())
        {
            let (what, old_to_new) = match new_fallback {
                Some(fb) => (
                    format!(
                        "variant `{}` removed {} (index {i}); new readers decode it as `{fb}`",
                        v.name,
                        place(old_fallback)
                    ),
                    Verdict::Safe,
                ),
                None => (
                    format!("variant `{}` removed from the back (index {i})", v.name),
                    Verdict::Breaking(format!(
                        "new readers fail on index {i} from old writers (no `#[serde(other)]` variant is marked in the new schema)"
                    )),
                ),
            };
            self.push(
                &format!("{path}::{}", v.name),
                what,
                old_to_new,
                Verdict::Safe,
            );
        }
    }
}
