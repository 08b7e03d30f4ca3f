//! The compatibility checker: which changes between two schemas old and new readers survive.
//!
//! Every rule here is a rule of the format (`SPEC.md` §10 of the `evowire` crate, and the
//! "Schema evolution" section of its docs); the section numbers in messages refer to that
//! document.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use crate::report::{Change, Report, Verdict};
use crate::schema::{Body, Container, Field, Schema, Type, Variant};

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
enum Dir {
    /// Old writes, new reads.
    OldToNew,
    /// New writes, old reads.
    NewToOld,
}

impl Dir {
    /// The deployment order that keeps this direction from ever happening.
    fn rollout(self) -> &'static str {
        match self {
            Dir::OldToNew => "every writer is upgraded before any reader",
            Dir::NewToOld => "every reader is upgraded before any writer",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prim {
    Unit,
    Bool,
    U(u8),
    I(u8),
    F32,
    F64,
    Char,
    Str,
    Bytes,
}

impl fmt::Display for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prim::Unit => f.write_str("()"),
            Prim::Bool => f.write_str("bool"),
            Prim::U(bits) => write!(f, "u{bits}"),
            Prim::I(bits) => write!(f, "i{bits}"),
            Prim::F32 => f.write_str("f32"),
            Prim::F64 => f.write_str("f64"),
            Prim::Char => f.write_str("char"),
            Prim::Str => f.write_str("str"),
            Prim::Bytes => f.write_str("bytes"),
        }
    }
}

/// The kinds of types written as a sequence of a fixed number of items.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RecKind {
    Tuple,
    Array,
    TupleStruct,
    Struct,
    TupleVariant,
    StructVariant,
}

impl RecKind {
    /// Whether fields have names worth comparing (to detect reordering).
    fn named(self) -> bool {
        matches!(self, RecKind::Struct | RecKind::StructVariant)
    }

    /// Whether a missing trailing field can take a `#[serde(default)]`.
    fn can_default(self) -> bool {
        !matches!(self, RecKind::Tuple | RecKind::Array)
    }

    fn describe(self) -> &'static str {
        match self {
            RecKind::Tuple => "tuple",
            RecKind::Array => "array",
            RecKind::TupleStruct => "tuple struct",
            RecKind::Struct => "struct",
            RecKind::TupleVariant => "tuple variant",
            RecKind::StructVariant => "struct variant",
        }
    }
}

struct FieldRef<'a> {
    name: Cow<'a, str>,
    ty: &'a Type,
    default: bool,
}

enum Shape<'a> {
    Prim(Prim),
    Option(&'a Type),
    Seq(&'a Type),
    Map(&'a Type, &'a Type),
    Array(&'a Type, usize),
    Record(RecKind, Vec<FieldRef<'a>>),
    Enum(Cow<'a, [Variant]>),
    Packed,
    /// A reference the document does not resolve (or a cycle of newtypes).
    Broken(String),
}

/// A type with its named containers and newtype wrappers looked through.
struct Resolved<'a> {
    shape: Shape<'a>,
    /// The container that gives the shape (struct, enum, unit struct), if named.
    name: Option<&'a str>,
    /// The newtype structs looked through, outermost first.
    newtypes: Vec<&'a str>,
    /// How the type was written before resolving, for messages.
    shown: String,
    /// The named type resolving started from, if any (to stop at recursion).
    origin: Option<&'a str>,
}

impl Resolved<'_> {
    fn describe(&self) -> String {
        match (&self.shape, self.name) {
            (Shape::Record(kind, _), Some(name)) => format!("{} `{name}`", kind.describe()),
            (Shape::Enum(_), Some(name)) => format!("enum `{name}`"),
            (Shape::Prim(Prim::Unit), Some(name)) => format!("unit struct `{name}`"),
            _ => format!("`{}`", self.shown),
        }
    }

    /// What a reader of this type accepts, and what a writer of it writes.
    fn wire(&self) -> &'static str {
        match &self.shape {
            Shape::Prim(Prim::Unit) => "any item",
            Shape::Prim(Prim::Bool | Prim::U(_) | Prim::I(_) | Prim::Char) => "an integer",
            Shape::Prim(Prim::F32 | Prim::F64) => "a fixed32/fixed64 float",
            Shape::Prim(Prim::Str | Prim::Bytes) | Shape::Packed => "a bytes item",
            Shape::Seq(_) | Shape::Array(..) | Shape::Record(..) | Shape::Map(..) => "a sequence",
            Shape::Option(_) | Shape::Enum(_) => "a variant",
            Shape::Broken(_) => "nothing",
        }
    }

    fn reads_integer_zero(&self) -> bool {
        matches!(
            self.shape,
            Shape::Prim(Prim::Unit | Prim::Bool | Prim::U(_) | Prim::I(_) | Prim::Char)
        )
    }
}

fn prim_of(ty: &Type) -> Option<Prim> {
    Some(match ty {
        Type::Unit => Prim::Unit,
        Type::Bool => Prim::Bool,
        Type::U8 => Prim::U(8),
        Type::U16 => Prim::U(16),
        Type::U32 => Prim::U(32),
        Type::U64 => Prim::U(64),
        Type::U128 => Prim::U(128),
        Type::I8 => Prim::I(8),
        Type::I16 => Prim::I(16),
        Type::I32 => Prim::I(32),
        Type::I64 => Prim::I(64),
        Type::I128 => Prim::I(128),
        Type::F32 => Prim::F32,
        Type::F64 => Prim::F64,
        Type::Char => Prim::Char,
        Type::Str => Prim::Str,
        Type::Bytes => Prim::Bytes,
        _ => return None,
    })
}

fn fields_of(fields: &[Field]) -> Vec<FieldRef<'_>> {
    fields
        .iter()
        .map(|f| FieldRef {
            name: Cow::Borrowed(f.name.as_str()),
            ty: &f.ty,
            default: f.default,
        })
        .collect()
}

fn positional<'a>(types: impl Iterator<Item = &'a Type>) -> Vec<FieldRef<'a>> {
    types
        .enumerate()
        .map(|(i, ty)| FieldRef {
            name: Cow::Owned(i.to_string()),
            ty,
            default: false,
        })
        .collect()
}

fn resolve<'a>(schema: &'a Schema, ty: &'a Type) -> Resolved<'a> {
    let shown = ty.to_string();
    let origin = match ty {
        Type::Named(name) => Some(name.as_str()),
        _ => None,
    };
    let mut newtypes = Vec::new();
    let mut ty = ty;
    loop {
        let (shape, name) = match ty {
            Type::Named(name) => match schema.types.get(name) {
                None => (
                    Shape::Broken(format!("the schema does not define `{name}`")),
                    None,
                ),
                Some(Container::Newtype(inner)) => {
                    if newtypes.len() > 64 || newtypes.contains(&name.as_str()) {
                        return Resolved {
                            shape: Shape::Broken(format!("newtype `{name}` contains itself")),
                            name: None,
                            newtypes,
                            shown,
                            origin,
                        };
                    }
                    newtypes.push(name.as_str());
                    ty = inner;
                    continue;
                }
                Some(Container::UnitStruct) => (Shape::Prim(Prim::Unit), Some(name.as_str())),
                Some(Container::TupleStruct(fields)) => (
                    Shape::Record(RecKind::TupleStruct, fields_of(fields)),
                    Some(name.as_str()),
                ),
                Some(Container::Struct(fields)) => (
                    Shape::Record(RecKind::Struct, fields_of(fields)),
                    Some(name.as_str()),
                ),
                Some(Container::Enum(variants)) => {
                    (Shape::Enum(Cow::Borrowed(variants)), Some(name.as_str()))
                }
            },
            Type::Option(t) => (Shape::Option(t), None),
            Type::Seq(t) => (Shape::Seq(t), None),
            Type::Map { key, value } => (Shape::Map(key, value), None),
            Type::Array { item, len } => (Shape::Array(item, *len), None),
            Type::Tuple(items) => (
                Shape::Record(RecKind::Tuple, positional(items.iter())),
                None,
            ),
            Type::Packed => (Shape::Packed, None),
            prim => (
                Shape::Prim(prim_of(prim).expect("every other type is a primitive")),
                None,
            ),
        };
        return Resolved {
            shape,
            name,
            newtypes,
            shown,
            origin,
        };
    }
}

/// `Option<T>` seen as the enum it is on the wire: `None` (unit) = 0, `Some(T)` = 1.
fn option_variants(inner: &Type) -> Vec<Variant> {
    vec![
        Variant {
            name: "None".into(),
            body: Body::Unit,
            fallback: false,
        },
        Variant {
            name: "Some".into(),
            body: Body::Newtype(inner.clone()),
            fallback: false,
        },
    ]
}

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

    fn compare(&mut self, old: &Type, new: &Type, path: &str) {
        let (old_schema, new_schema) = (self.old, self.new);
        let o = resolve(old_schema, old);
        let n = resolve(new_schema, new);
        self.compare_resolved(o, n, path);
    }

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
                    | (Shape::Prim(Prim::Unit), Shape::Prim(Prim::Unit))
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
            (Shape::Prim(a), Shape::Prim(b)) => {
                if a != b {
                    self.push(
                        path,
                        format!("type changed from `{a}` to `{b}`"),
                        head_read(&o, &n, Dir::OldToNew),
                        head_read(&n, &o, Dir::NewToOld),
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
                        array_len(m, n, Dir::OldToNew),
                        array_len(n, m, Dir::NewToOld),
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
                    Dir::NewToOld.rollout()
                )),
            ),
            (Shape::Packed, Shape::Seq(_) | Shape::Array(..)) => self.push(
                path,
                format!("packed sequence switched to plain `{}`", n.shown),
                Verdict::SafeIf(format!(
                    "{}: plain readers reject the packed bytes item (§12.2)",
                    Dir::OldToNew.rollout()
                )),
                Verdict::Safe,
            ),
            _ => {
                let what = format!("type changed from {} to {}", o.describe(), n.describe());
                self.push(
                    path,
                    what,
                    head_read(&o, &n, Dir::OldToNew),
                    head_read(&n, &o, Dir::NewToOld),
                );
            }
        }
    }

    /// Reports newtype wrappers added, removed or renamed. Returns `Some(true)` when the
    /// change is a newtype grown into a tuple struct (or back), which ends the comparison.
    fn newtype_changes(&mut self, o: &Resolved<'_>, n: &Resolved<'_>, path: &str) -> Option<bool> {
        // `Foo(x)` → `Foo(x, y)`: a newtype is its content, a tuple struct a sequence.
        let grown = |from: &Resolved<'_>, to: &Resolved<'_>| {
            matches!(to.shape, Shape::Record(RecKind::TupleStruct, _))
                && from.newtypes.last().is_some()
                && from.newtypes.last().copied() == to.name
                && !matches!(
                    from.shape,
                    Shape::Record(..) | Shape::Array(..) | Shape::Seq(_) | Shape::Prim(Prim::Unit)
                )
        };
        if grown(o, n) {
            let name = n.name.unwrap_or_default();
            self.both(
                path,
                format!("newtype struct `{name}` extended into a tuple struct"),
                Verdict::Breaking(
                    "a newtype struct is written as its content, not as a sequence (§7.4)".into(),
                ),
            );
            return Some(true);
        }
        if grown(n, o) {
            let name = o.name.unwrap_or_default();
            self.both(
                path,
                format!("tuple struct `{name}` reduced to a newtype struct"),
                Verdict::Breaking(
                    "a newtype struct is written as its content, not as a sequence (§7.4)".into(),
                ),
            );
            return Some(true);
        }
        if o.newtypes == n.newtypes {
            return None;
        }
        let names = |list: &[&str]| {
            list.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" in ")
        };
        let what = match (o.newtypes.is_empty(), n.newtypes.is_empty()) {
            (true, false) => format!("wrapped in newtype {}", names(&n.newtypes)),
            (false, true) => format!("newtype {} unwrapped", names(&o.newtypes)),
            _ => format!(
                "newtype {} changed to {}",
                names(&o.newtypes),
                names(&n.newtypes)
            ),
        };
        self.both(
            path,
            format!("{what} (newtypes are transparent, §7.4)"),
            Verdict::Safe,
        );
        Some(false)
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_records(
        &mut self,
        ok: RecKind,
        of: &[FieldRef<'_>],
        o_desc: &str,
        nk: RecKind,
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

    fn compare_enums(&mut self, ov: &[Variant], nv: &[Variant], path: &str) {
        // serde wants `#[serde(other)]` on the last variant, so an enum with a fallback grows
        // by inserting variants just before it. Compare the variants before the fallbacks,
        // then the fallbacks' own move.
        if let (Some((of, op)), Some((nf, np))) = (
            ov.split_last().filter(|(v, _)| v.fallback),
            nv.split_last().filter(|(v, _)| v.fallback),
        ) {
            if !self.compare_variant_lists(op, np, path, Some(&of.name), Some(&nf.name)) {
                return;
            }
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

    /// Compares variants by position. Unknown indices reach the fallbacks, if any. Returns
    /// false when variants moved (reported as breaking).
    fn compare_variant_lists(
        &mut self,
        ov: &[Variant],
        nv: &[Variant],
        path: &str,
        old_fallback: Option<&str>,
        new_fallback: Option<&str>,
    ) -> bool {
        let old_names: Vec<&str> = ov.iter().map(|v| v.name.as_str()).collect();
        let new_names: Vec<&str> = nv.iter().map(|v| v.name.as_str()).collect();
        if let Some(moves) = moved(&old_names, &new_names, "variant") {
            for what in moves {
                self.both(
                    path,
                    what,
                    Verdict::Breaking(
                        "variants are identified by their index: messages would decode as the wrong variant"
                            .into(),
                    ),
                );
            }
            return false;
        }
        let common = ov.len().min(nv.len());
        for (a, b) in ov.iter().zip(nv).take(common) {
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
            let o = body_shape(old_schema, &a.body);
            let n = body_shape(new_schema, &b.body);
            self.compare_resolved(o, n, &at);
        }
        let place = |fallback: Option<&str>| match fallback {
            Some(fb) if fallback == old_fallback && fallback == new_fallback => {
                format!("before the fallback `{fb}`")
            }
            _ => "at the back".to_string(),
        };
        for (i, v) in nv.iter().enumerate().skip(common) {
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
        for (i, v) in ov.iter().enumerate().skip(common) {
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
        true
    }
}

fn record_view<'a>(shape: &Shape<'a>) -> (RecKind, Vec<FieldRef<'a>>) {
    match shape {
        Shape::Record(kind, fields) => (
            *kind,
            fields
                .iter()
                .map(|f| FieldRef {
                    name: f.name.clone(),
                    ty: f.ty,
                    default: f.default,
                })
                .collect(),
        ),
        Shape::Array(item, len) => (RecKind::Array, positional(std::iter::repeat_n(*item, *len))),
        _ => unreachable!("only records and arrays are viewed as records"),
    }
}

fn body_shape<'a>(schema: &'a Schema, body: &'a Body) -> Resolved<'a> {
    let plain = |shape, shown: &str| Resolved {
        shape,
        name: None,
        newtypes: Vec::new(),
        shown: shown.to_string(),
        origin: None,
    };
    match body {
        Body::Unit => plain(Shape::Prim(Prim::Unit), "()"),
        Body::Newtype(ty) => resolve(schema, ty),
        Body::Tuple(fields) => plain(
            Shape::Record(RecKind::TupleVariant, fields_of(fields)),
            "tuple variant",
        ),
        Body::Struct(fields) => plain(
            Shape::Record(RecKind::StructVariant, fields_of(fields)),
            "struct variant",
        ),
    }
}

/// Detects names that changed position (reordering, insertion or removal before the end).
/// Returns one description per problem, or `None` if every shared name kept its position.
fn moved(old: &[&str], new: &[&str], what: &str) -> Option<Vec<String>> {
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

fn array_len(writer: usize, reader: usize, dir: Dir) -> Verdict {
    let _ = dir;
    if reader <= writer {
        Verdict::Safe
    } else {
        Verdict::Breaking(format!(
            "a [T; {reader}] reader needs {reader} elements and gets {writer}"
        ))
    }
}

/// Can a reader of `r` read what a writer of `w` writes (both primitives, different)?
fn prim_read(w: Prim, r: Prim) -> Verdict {
    use Prim::*;
    let zigzag = || {
        Verdict::Breaking(
            "signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)"
                .into(),
        )
    };
    match (w, r) {
        _ if w == r => Verdict::Safe,
        (_, Unit) => Verdict::Safe,
        (Unit, Bool | U(_) | I(_) | Char) => Verdict::Safe,
        (U(a), U(b)) | (I(a), I(b)) => {
            if a <= b {
                Verdict::Safe
            } else {
                Verdict::SafeIf(format!(
                    "every value fits in `{r}` (otherwise IntegerOverflow)"
                ))
            }
        }
        (U(_), I(_)) | (I(_), U(_)) | (Char, I(_)) | (I(_), Char) => zigzag(),
        (U(a), Bool) => {
            if a <= 64 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value fits in 64 bits (any non-zero value reads as `true`)".into(),
                )
            }
        }
        (I(a), Bool) => {
            if a <= 64 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value fits in `i64` (any non-zero value reads as `true`)".into(),
                )
            }
        }
        (Bool, U(_)) => Verdict::Safe,
        (Bool, I(_)) => Verdict::SafeIf(
            "only zero versus non-zero matters: `true` (1) reads as -1 through zig-zag".into(),
        ),
        (U(a), Char) => {
            if a <= 8 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value is a Unicode scalar value (not a surrogate, at most 0x10FFFF)"
                        .into(),
                )
            }
        }
        (Char, U(b)) => {
            if b >= 32 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(format!("every char fits in `u{b}`"))
            }
        }
        (Char, Bool) => Verdict::SafeIf("any char other than U+0000 may read as `true`".into()),
        (Bool, Char) => Verdict::SafeIf("`false`/`true` may read as U+0000/U+0001".into()),
        (F32, F64) => Verdict::Safe,
        (F64, F32) => Verdict::SafeIf(
            "the precision loss is acceptable (values round to f32, large ones become ±infinity)"
                .into(),
        ),
        (Bool | U(_) | I(_) | Char | Unit, F32 | F64) => {
            Verdict::Breaking("float readers reject the integer wire type".into())
        }
        (F32 | F64, Bool | U(_) | I(_) | Char) => Verdict::Breaking(
            "integer readers accept fixed32/fixed64 items and read the float's bits as an integer"
                .into(),
        ),
        (Str, Bytes) => Verdict::Safe,
        (Bytes, Str) => Verdict::SafeIf("the bytes are valid UTF-8 (otherwise InvalidUtf8)".into()),
        (Unit, Str | Bytes) => unreachable!("handled by head_read"),
        _ => Verdict::Breaking(format!(
            "a `{r}` reader expects {}, a `{w}` writer writes {}",
            prim_wire(r),
            prim_wire(w)
        )),
    }
}

fn prim_wire(p: Prim) -> &'static str {
    match p {
        Prim::Unit | Prim::Bool | Prim::U(_) | Prim::I(_) | Prim::Char => "an integer",
        Prim::F32 | Prim::F64 => "a fixed32/fixed64 float",
        Prim::Str | Prim::Bytes => "a bytes item",
    }
}

/// Can a reader of `r` read what a writer of `w` writes, for shapes that differ in kind?
fn head_read(w: &Resolved<'_>, r: &Resolved<'_>, dir: Dir) -> Verdict {
    match (&w.shape, &r.shape) {
        (_, Shape::Prim(Prim::Unit)) => Verdict::Safe,
        (Shape::Prim(Prim::Unit), _) if r.reads_integer_zero() => Verdict::Safe,
        (Shape::Prim(Prim::Unit), _) => Verdict::SafeIf(format!(
            "{}: a {} reader cannot read `()`, written as the integer 0 (deprecating or reusing a field, §10.2)",
            dir.rollout(),
            r.describe()
        )),
        (Shape::Prim(a), Shape::Prim(b)) => prim_read(*a, *b),
        (Shape::Option(_), _) | (_, Shape::Option(_)) => Verdict::Breaking(
            "`Option<T>` is a variant (05 00 / 0D …), a bare `T` is not (§7.3)".into(),
        ),
        (Shape::Map(..), Shape::Seq(_) | Shape::Array(..) | Shape::Record(..))
        | (Shape::Seq(_) | Shape::Array(..) | Shape::Record(..), Shape::Map(..)) => {
            Verdict::Breaking(
                "a map is a flat sequence of keys and values, not a sequence of pairs or fields (§5.3)"
                    .into(),
            )
        }
        _ => Verdict::Breaking(format!(
            "a {} reader expects {}, the writer writes {}",
            r.describe(),
            r.wire(),
            w.wire()
        )),
    }
}
