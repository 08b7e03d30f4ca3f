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

use crate::error::SchemaError;
use crate::options::CheckOptions;
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
///
/// The schemas may come from anyone: both are checked with [`Schema::validate`] first, and
/// the comparison stops at [`DEFAULT_MAX_DEPTH`](crate::DEFAULT_MAX_DEPTH) levels. When a
/// schema is invalid or too deep, the report holds one breaking change, "cannot compare",
/// that says why; [`check_compatible_with`] returns the error instead.
pub fn check_compatible(old: &Schema, new: &Schema) -> Report {
    check_compatible_with(old, new, &CheckOptions::new()).unwrap_or_else(|e| Report {
        changes: vec![Change {
            path: root_path(old, new),
            what: "cannot compare".into(),
            old_to_new: Verdict::Breaking(e.to_string()),
            new_to_old: Verdict::Breaking(e.to_string()),
        }],
    })
}

/// [`check_compatible`] with the limits of `opts`, failing instead of reporting when a
/// schema is invalid or the comparison goes deeper than
/// [`max_depth`](CheckOptions::max_depth) levels.
///
/// Each pair of named types is compared once, and arrays by their element type and length,
/// never element by element, so the work grows with the sizes of the two documents (at most
/// with the number of pairs of named types the two place at the same positions), and the
/// stack with the depth limit.
///
/// # Errors
///
/// [`SchemaError::Invalid`] (or [`SchemaError::TooDeep`]) when either schema fails
/// [`Schema::validate_with`], naming which; [`SchemaError::TooDeep`] when the comparison
/// reaches the depth limit, with the path where it did.
///
/// # Examples
///
/// ```
/// use evowire_schema::{check_compatible_with, CheckOptions, Schema, SchemaError};
///
/// // `A` holds `B`, which holds `C`: three levels below the root.
/// let doc = Schema::from_json(r#"{"evowire_schema": 1, "root": {"named": "A"}, "types": {
///     "A": {"struct": [{"name": "b", "type": {"named": "B"}}]},
///     "B": {"struct": [{"name": "c", "type": {"named": "C"}}]},
///     "C": {"struct": [{"name": "x", "type": "u8"}]}}}"#)?;
/// let shallow = CheckOptions::new().with_max_depth(3);
/// let err = check_compatible_with(&doc, &doc, &shallow).unwrap_err();
/// assert_eq!(err.to_string(), "A.b.c.x: types nested deeper than the depth limit of 3 levels");
/// assert!(check_compatible_with(&doc, &doc, &CheckOptions::new())?.changes.is_empty());
/// # Ok::<(), SchemaError>(())
/// ```
pub fn check_compatible_with(
    old: &Schema,
    new: &Schema,
    opts: &CheckOptions,
) -> Result<Report, SchemaError> {
    old.validate_with(opts).map_err(|e| in_document("old", e))?;
    new.validate_with(opts).map_err(|e| in_document("new", e))?;
    let mut checker = Checker {
        old,
        new,
        changes: Vec::new(),
        seen: HashSet::new(),
        depth: 0,
        max_depth: opts.max_depth(),
        too_deep: None,
    };
    let path = root_path(old, new);
    checker.compare(&old.root, &new.root, &path);
    match checker.too_deep {
        Some(at) => Err(SchemaError::TooDeep {
            at,
            max_depth: opts.max_depth(),
        }),
        None => Ok(Report {
            changes: checker.changes,
        }),
    }
}

/// The path of the root in messages: the name of the root type, if named.
fn root_path(old: &Schema, new: &Schema) -> String {
    match (&old.root, &new.root) {
        (_, Type::Named(name)) => name.clone(),
        (Type::Named(name), _) => name.clone(),
        _ => "(root)".to_string(),
    }
}

/// Says which of the two schemas an error of [`Schema::validate_with`] is about.
fn in_document(which: &str, e: SchemaError) -> SchemaError {
    match e {
        SchemaError::Invalid(msg) => SchemaError::Invalid(format!("the {which} schema: {msg}")),
        SchemaError::TooDeep { at, max_depth } => SchemaError::TooDeep {
            at: format!("the {which} schema: {at}"),
            max_depth,
        },
        other => other,
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
    /// How many comparisons enclose the current one.
    depth: u32,
    max_depth: u32,
    /// Where the comparison reached the depth limit; nothing more is compared after that.
    too_deep: Option<String>,
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
        let o = resolve(old_schema, old, self.max_newtypes());
        let n = resolve(new_schema, new, self.max_newtypes());
        self.compare_resolved(o, n, path);
    }

    /// The longest chain of newtypes resolving looks through (validation bounds it).
    fn max_newtypes(&self) -> usize {
        usize::try_from(self.max_depth).unwrap_or(usize::MAX)
    }

    /// Compares two resolved types: reports the change at `path`, if any, and descends into
    /// their parts, unless the depth limit is reached (which ends the whole comparison).
    fn compare_resolved(&mut self, o: Resolved<'_>, n: Resolved<'_>, path: &str) {
        if self.too_deep.is_some() {
            return;
        }
        if self.depth >= self.max_depth {
            self.too_deep = Some(path.to_string());
            return;
        }
        self.depth += 1;
        self.compare_parts(o, n, path);
        self.depth -= 1;
    }

    /// [`Checker::compare_resolved`] within the depth limit. A pair of named types is
    /// compared once (which also ends recursion).
    fn compare_parts(&mut self, o: Resolved<'_>, n: Resolved<'_>, path: &str) {
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
        self.report_change(&o, &n, path);
        self.descend(&o, &n, path);
    }

    /// Reports what changed between `o` and `n` themselves (not in their parts). Kept out
    /// of the recursion's path so each level of nesting takes little stack.
    #[inline(never)]
    fn report_change(&mut self, o: &Resolved<'_>, n: &Resolved<'_>, path: &str) {
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
                        read_kind_as(o, n, Direction::OldToNew),
                        read_kind_as(n, o, Direction::NewToOld),
                    );
                }
            }
            (Shape::Option(_), Shape::Option(_))
            | (Shape::Seq(_), Shape::Seq(_))
            | (Shape::Map(..), Shape::Map(..))
            | (Shape::Enum(_), Shape::Enum(_))
            | (Shape::Packed, Shape::Packed)
            | (Shape::Record(..) | Shape::Array(..), Shape::Record(..)) => {}
            (Shape::Array(_, m), Shape::Array(_, n)) => {
                if m != n {
                    let (m, n) = (*m, *n);
                    self.push(
                        path,
                        format!("array length changed from {m} to {n}"),
                        array_len(m, n),
                        array_len(n, m),
                    );
                }
            }
            (Shape::Record(..), Shape::Array(..)) => {}
            (Shape::Seq(_), Shape::Array(_, len)) => {
                self.push(
                    path,
                    format!("`{}` changed to `{}`", o.shown, n.shown),
                    Verdict::SafeIf(format!(
                        "old sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                    Verdict::Safe,
                );
            }
            (Shape::Array(_, len), Shape::Seq(_)) => {
                self.push(
                    path,
                    format!("`{}` changed to `{}`", o.shown, n.shown),
                    Verdict::Safe,
                    Verdict::SafeIf(format!(
                        "new sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                );
            }
            (Shape::Seq(_), Shape::Record(_, fields)) => {
                let len = fields.len();
                self.push(
                    path,
                    format!("`{}` changed to {}", o.shown, n.describe()),
                    Verdict::SafeIf(format!(
                        "old sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                    Verdict::Safe,
                );
            }
            (Shape::Record(_, fields), Shape::Seq(_)) => {
                let len = fields.len();
                self.push(
                    path,
                    format!("{} changed to `{}`", o.describe(), n.shown),
                    Verdict::Safe,
                    Verdict::SafeIf(format!(
                        "new sequences always hold at least {len} elements (extra ones are skipped)"
                    )),
                );
            }
            (Shape::Option(_), Shape::Enum(_)) => self.both(
                path,
                format!("`{}` changed to {}", o.shown, n.describe()),
                Verdict::Safe,
            ),
            (Shape::Enum(_), Shape::Option(_)) => self.both(
                path,
                format!("{} changed to `{}`", o.describe(), n.shown),
                Verdict::Safe,
            ),
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
                    read_kind_as(o, n, Direction::OldToNew),
                    read_kind_as(n, o, Direction::NewToOld),
                );
            }
        }
    }

    /// Compares the parts of `o` and `n` (elements, fields, variants), after
    /// [`Checker::report_change`] reported the change of the types themselves.
    fn descend(&mut self, o: &Resolved<'_>, n: &Resolved<'_>, path: &str) {
        match (&o.shape, &n.shape) {
            (Shape::Option(a), Shape::Option(b)) => self.compare_at(a, b, path, "?"),
            (Shape::Seq(a), Shape::Seq(b))
            | (Shape::Array(a, _), Shape::Array(b, _))
            | (Shape::Seq(a), Shape::Array(b, _))
            | (Shape::Array(a, _), Shape::Seq(b)) => self.compare_at(a, b, path, "[]"),
            (Shape::Map(ka, va), Shape::Map(kb, vb)) => {
                self.compare_at(ka, kb, path, "[key]");
                self.compare_at(va, vb, path, "[value]");
            }
            (Shape::Seq(a), Shape::Record(_, fields)) => {
                for f in fields {
                    self.compare_at(a, f.ty, path, &format!(".{}", f.name));
                }
            }
            (Shape::Record(_, fields), Shape::Seq(b)) => {
                for f in fields {
                    self.compare_at(f.ty, b, path, &format!(".{}", f.name));
                }
            }
            (Shape::Record(..) | Shape::Array(..), Shape::Record(..) | Shape::Array(..)) => {
                if let (Some((ok, of)), Some((nk, nf))) =
                    (record_view(&o.shape), record_view(&n.shape))
                {
                    self.compare_records((ok, of, o), (nk, nf, n), path);
                }
            }
            (Shape::Enum(a), Shape::Enum(b)) => self.compare_enums(a, b, path),
            (Shape::Option(t), Shape::Enum(b)) => self.compare_enums(&option_variants(t), b, path),
            (Shape::Enum(a), Shape::Option(t)) => self.compare_enums(a, &option_variants(t), path),
            _ => {}
        }
    }

    /// [`Checker::compare`] at `path` followed by `step`.
    fn compare_at(&mut self, old: &Type, new: &Type, path: &str, step: &str) {
        self.compare(old, new, &format!("{path}{step}"));
    }
}
