//! Newtype wrappers: transparent on the wire, except when one grows into a tuple struct.

use super::shape::{Primitive, RecordKind, Resolved, Shape};
use super::Checker;
use crate::report::Verdict;
use crate::text::quoted;

impl Checker<'_> {
    /// Reports newtype wrappers added, removed or renamed. Returns `Some(true)` when the
    /// change is a newtype grown into a tuple struct (or back), which ends the comparison.
    pub(super) fn newtype_changes(
        &mut self,
        o: &Resolved<'_>,
        n: &Resolved<'_>,
        path: &str,
    ) -> Option<bool> {
        // `Foo(x)` → `Foo(x, y)`: a newtype is its content, a tuple struct a sequence.
        let grown = |from: &Resolved<'_>, to: &Resolved<'_>| {
            matches!(to.shape, Shape::Record(RecordKind::TupleStruct, _))
                && from.newtypes.last().is_some()
                && from.newtypes.last().copied() == to.name
                && !matches!(
                    from.shape,
                    Shape::Record(..)
                        | Shape::Array(..)
                        | Shape::Seq(_)
                        | Shape::Primitive(Primitive::Unit)
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
        let names = |list: &[&str]| quoted(list, " in ");
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
}
