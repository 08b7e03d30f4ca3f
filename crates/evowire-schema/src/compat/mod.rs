//! The compatibility checker: which changes between two schemas old and new readers survive.
//!
//! Every rule here is a rule of the format (`SPEC.md` §10 of the `evowire` crate, and the
//! "Schema evolution" section of its docs); the section numbers in messages refer to that
//! document.
//!
//! The parts:
//!
//! * this module: [`check_compatible`], the comparison of two types position by position,
//!   and the direction being judged;
//! * `shape`: a schema type resolved to what is on the wire (through named types and
//!   newtype wrappers);
//! * `records`: structs, tuples, arrays and struct/tuple variants, field by field;
//! * `enums`: enums and `Option`, variant by variant, with fallback variants;
//! * `newtypes`: newtype wrappers added, removed, renamed, or grown into tuple structs;
//! * `scalar`: one primitive read as another, and items of different kinds.

mod enums;
mod newtypes;
mod records;
mod scalar;
mod shape;

use std::collections::HashSet;

use crate::report::{Change, Report, Verdict};
use crate::schema::{Schema, Type};

use scalar::{array_len, read_kind_as};
use shape::{option_variants, record_view, resolve, Primitive, Resolved, Shape};

/// Compares two schemas of a message type, position by position as the wire does, and lists
/// each change with its verdict for old writers and new readers, and for new writers and old
/// readers.
///
/// Names are compared only to explain changes and to catch reorderings: a field whose name
/// now sits at another position is reported as breaking even when the types happen to agree,
/// because values would silently land in the wrong fields.
///
/// # Examples
///
/// ```
/// use evowire_schema::{check_compatible, Schema, Verdict};
/// # use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Order { id: u64, symbol: String }
/// #[derive(Deserialize)]
/// #[serde(rename = "Order")]
/// struct OrderV2 { id: u64, symbol: String, qty: u32 }
///
/// let old = Schema::trace::<Order>()?;
/// let new = Schema::trace::<OrderV2>()?;
/// let report = check_compatible(&old, &new);
/// assert_eq!(report.changes.len(), 1);
/// assert_eq!(report.changes[0].what, "field `qty: u32` added at the back");
/// // Without `#[serde(default)]` on `qty`, new code cannot read old messages...
/// assert_eq!(
///     report.changes[0].old_to_new,
///     Verdict::SafeIf("new readers have `#[serde(default)]` on `qty`".into())
/// );
/// // ...while old code skips the new field.
/// assert_eq!(report.changes[0].new_to_old, Verdict::Safe);
///
/// // With the default (here added to the document), both directions are safe.
/// let new = new.with_default("Order.qty")?;
/// assert!(check_compatible(&old, &new).is_safe());
/// # Ok::<(), evowire_schema::SchemaError>(())
/// ```
pub fn check_compatible(old: &Schema, new: &Schema) -> Report {
    let mut checker = Checker {
        old,
        new,
        changes: Vec::new(),
        seen: HashSet::new(),
    };
    let path = match (&old.root, &new.root) {
        (_, Type::Named(name)) => name.clone(),
        (Type::Named(name), _) => name.clone(),
        _ => "(root)".to_string(),
    };
    checker.compare(&old.root, &new.root, &path);
    Report {
        changes: checker.changes,
    }
}

/// The direction being judged: who writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// Old writes, new reads.
    OldToNew,
    /// New writes, old reads.
    NewToOld,
}

impl Direction {
    /// The deployment order that keeps this direction from ever happening.
    pub(super) fn rollout(self) -> &'static str {
        match self {
            Direction::OldToNew => "every writer is upgraded before any reader",
            Direction::NewToOld => "every reader is upgraded before any writer",
        }
    }
}

/// The state of one comparison: the two schemas and the changes found so far.
struct Checker<'s> {
    old: &'s Schema,
    new: &'s Schema,
    changes: Vec<Change>,
    /// Pairs of named types already compared (or being compared: recursive types).
    seen: HashSet<(String, String)>,
}

impl<'s> Checker<'s> {
    fn push(&mut self, path: &str, what: String, old_to_new: Verdict, new_to_old: Verdict) {
        self.changes.push(Change {
            path: path.to_string(),
            what,
            old_to_new,
            new_to_old,
        });
    }

    fn both(&mut self, path: &str, what: String, verdict: Verdict) {
        self.push(path, what, verdict.clone(), verdict);
    }

    /// Compares the type at `path` in the old schema with the one in the new. Every step of
    /// the checker into a nested type comes through here or [`Checker::compare_resolved`].
    fn compare(&mut self, old: &Type, new: &Type, path: &str) {
        let (old_schema, new_schema) = (self.old, self.new);
        let o = resolve(old_schema, old);
        let n = resolve(new_schema, new);
        self.compare_resolved(o, n, path);
    }

    /// Compares two resolved types: reports the change at `path`, if any, and descends into
    /// their parts. A pair of named types is compared once (which also ends recursion).
    fn compare_resolved(&mut self, o: Resolved<'_>, n: Resolved<'_>, path: &str) {
        if let (Some(a), Some(b)) = (o.origin, n.origin) {
            if !self.seen.insert((a.to_string(), b.to_string())) {
                return;
            }
        }
        if let Some(done) = self.newtype_changes(&o, &n, path) {
            if done {
                return;
            }
        }
        if let (Some(a), Some(b)) = (o.name, n.name) {
            let same_family = matches!(
                (&o.shape, &n.shape),
                (Shape::Record(..), Shape::Record(..))
                    | (Shape::Enum(_), Shape::Enum(_))
                    | (
                        Shape::Primitive(Primitive::Unit),
                        Shape::Primitive(Primitive::Unit)
                    )
            );
            if a != b && same_family {
                self.both(
                    path,
                    format!("type `{a}` renamed to `{b}` (names are not written)"),
                    Verdict::Safe,
                );
            }
        }
        match (&o.shape, &n.shape) {
            (Shape::Broken(why), _) | (_, Shape::Broken(why)) => {
                self.both(
                    path,
                    "cannot compare".into(),
                    Verdict::Breaking(why.clone()),
                );
            }
            (Shape::Primitive(a), Shape::Primitive(b)) => {
                if a != b {
                    self.push(
                        path,
                        format!("type changed from `{a}` to `{b}`"),
                        read_kind_as(&o, &n, Direction::OldToNew),
                        read_kind_as(&n, &o, Direction::NewToOld),
                    );
                }
            }
            (Shape::Option(a), Shape::Option(b)) => self.compare(a, b, &format!("{path}?")),
            (Shape::Seq(a), Shape::Seq(b)) => self.compare(a, b, &format!("{path}[]")),
            (Shape::Map(ka, va), Shape::Map(kb, vb)) => {
                self.compare(ka, kb, &format!("{path}[key]"));
                self.compare(va, vb, &format!("{path}[value]"));
            }
            (Shape::Array(a, m), Shape::Array(b, n)) => {
                if m != n {
                    let (m, n) = (*m, *n);
                    self.push(
                        path,
                        format!("array length changed from {m} to {n}"),
                        array_len(m, n),
                        array_len(n, m),
                    );
                }
                self.compare(a, b, &format!("{path}[]"));
            }
            (Shape::Seq(a), Shape::Array(b, len)) => {
                self.push(
                    path,
                    format!("`{}` changed to `{}`", o.shown, n.shown),
                    Verdict::SafeIf(format!(
                        "old sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                    Verdict::Safe,
                );
                self.compare(a, b, &format!("{path}[]"));
            }
            (Shape::Array(a, len), Shape::Seq(b)) => {
                self.push(
                    path,
                    format!("`{}` changed to `{}`", o.shown, n.shown),
                    Verdict::Safe,
                    Verdict::SafeIf(format!(
                        "new sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                );
                self.compare(a, b, &format!("{path}[]"));
            }
            (Shape::Seq(a), Shape::Record(_, fields)) => {
                let len = fields.len();
                self.push(
                    path,
                    format!("`{}` changed to {}", o.shown, n.describe()),
                    Verdict::SafeIf(format!(
                        "old sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                    Verdict::Safe,
                );
                for f in fields {
                    self.compare(a, f.ty, &format!("{path}.{}", f.name));
                }
            }
            (Shape::Record(_, fields), Shape::Seq(b)) => {
                let len = fields.len();
                self.push(
                    path,
                    format!("{} changed to `{}`", o.describe(), n.shown),
                    Verdict::Safe,
                    Verdict::SafeIf(format!(
                        "new sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                );
                for f in fields {
                    self.compare(f.ty, b, &format!("{path}.{}", f.name));
                }
            }
            (Shape::Record(..) | Shape::Array(..), Shape::Record(..) | Shape::Array(..)) => {
                let o_desc = o.describe();
                let n_desc = n.describe();
                let (ok, of) = record_view(&o.shape);
                let (nk, nf) = record_view(&n.shape);
                self.compare_records(ok, &of, &o_desc, nk, &nf, &n_desc, path);
            }
            (Shape::Enum(a), Shape::Enum(b)) => self.compare_enums(a, b, path),
            (Shape::Option(t), Shape::Enum(b)) => {
                let a = option_variants(t);
                self.both(
                    path,
                    format!("`{}` changed to {}", o.shown, n.describe()),
                    Verdict::Safe,
                );
                self.compare_enums(&a, b, path);
            }
            (Shape::Enum(a), Shape::Option(t)) => {
                let b = option_variants(t);
                self.both(
                    path,
                    format!("{} changed to `{}`", o.describe(), n.shown),
                    Verdict::Safe,
                );
                self.compare_enums(a, &b, path);
            }
            (Shape::Packed, Shape::Packed) => {}
            (Shape::Seq(_) | Shape::Array(..), Shape::Packed) => self.push(
                path,
                format!("`{}` switched to packed (evowire::packed)", o.shown),
                Verdict::Safe,
                Verdict::SafeIf(format!(
                    "{}: plain readers reject the packed bytes item (§12.2)",
                    Direction::NewToOld.rollout()
                )),
            ),
            (Shape::Packed, Shape::Seq(_) | Shape::Array(..)) => self.push(
                path,
                format!("packed sequence switched to plain `{}`", n.shown),
                Verdict::SafeIf(format!(
                    "{}: plain readers reject the packed bytes item (§12.2)",
                    Direction::OldToNew.rollout()
                )),
                Verdict::Safe,
            ),
            _ => {
                let what = format!("type changed from {} to {}", o.describe(), n.describe());
                self.push(
                    path,
                    what,
                    read_kind_as(&o, &n, Direction::OldToNew),
                    read_kind_as(&n, &o, Direction::NewToOld),
                );
            }
        }
    }
}
