//! Verdicts for an item read as another kind of item: one primitive as another, arrays of
//! another length, and shapes that differ in kind (the fallback of every other rule).

use super::shape::{Primitive, Resolved, Shape};
use super::Direction;
use crate::report::Verdict;

/// Can a `[T; reader]` reader read what a `[T; writer]` writer writes?
pub(super) fn array_len(writer: usize, reader: usize) -> Verdict {
    if reader <= writer {
        Verdict::Safe
    } else {
        Verdict::Breaking(format!(
            "a [T; {reader}] reader needs {reader} elements and gets {writer}"
        ))
    }
}

/// Can a reader of `r` read what a writer of `w` writes (both primitives, different)?
fn read_primitive_as(w: Primitive, r: Primitive) -> Verdict {
    use Primitive::*;
    let zigzag = || {
        Verdict::Breaking(
            "signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)"
                .into(),
        )
    };
    match (w, r) {
        _ if w == r => Verdict::Safe,
        (_, Unit) => Verdict::Safe,
        (Unit, Bool | Unsigned(_) | Signed(_) | Char) => Verdict::Safe,
        (Unsigned(a), Unsigned(b)) | (Signed(a), Signed(b)) => {
            if a <= b {
                Verdict::Safe
            } else {
                Verdict::SafeIf(format!(
                    "every value fits in `{r}` (otherwise IntegerOverflow)"
                ))
            }
        }
        (Unsigned(_), Signed(_))
        | (Signed(_), Unsigned(_))
        | (Char, Signed(_))
        | (Signed(_), Char) => zigzag(),
        (Unsigned(a), Bool) => {
            if a <= 64 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value fits in 64 bits (any non-zero value reads as `true`)".into(),
                )
            }
        }
        (Signed(a), Bool) => {
            if a <= 64 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value fits in `i64` (any non-zero value reads as `true`)".into(),
                )
            }
        }
        (Bool, Unsigned(_)) => Verdict::Safe,
        (Bool, Signed(_)) => Verdict::SafeIf(
            "only zero versus non-zero matters: `true` (1) reads as -1 through zig-zag".into(),
        ),
        (Unsigned(a), Char) => {
            if a <= 8 {
                Verdict::Safe
            } else {
                Verdict::SafeIf(
                    "every value is a Unicode scalar value (not a surrogate, at most 0x10FFFF)"
                        .into(),
                )
            }
        }
        (Char, Unsigned(b)) => {
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
        (Bool | Unsigned(_) | Signed(_) | Char | Unit, F32 | F64) => {
            Verdict::Breaking("float readers reject the integer wire type".into())
        }
        (F32 | F64, Bool | Unsigned(_) | Signed(_) | Char) => Verdict::Breaking(
            "integer readers accept fixed32/fixed64 items and read the float's bits as an integer"
                .into(),
        ),
        (Str, Bytes) => Verdict::Safe,
        (Bytes, Str) => Verdict::SafeIf("the bytes are valid UTF-8 (otherwise InvalidUtf8)".into()),
        (Unit, Str | Bytes) => unreachable!("handled by read_kind_as"),
        _ => Verdict::Breaking(format!(
            "a `{r}` reader expects {}, a `{w}` writer writes {}",
            primitive_wire(r),
            primitive_wire(w)
        )),
    }
}

/// What a writer of `p` writes, and what a reader of it expects.
fn primitive_wire(p: Primitive) -> &'static str {
    match p {
        Primitive::Unit
        | Primitive::Bool
        | Primitive::Unsigned(_)
        | Primitive::Signed(_)
        | Primitive::Char => "an integer",
        Primitive::F32 | Primitive::F64 => "a fixed32/fixed64 float",
        Primitive::Str | Primitive::Bytes => "a bytes item",
    }
}

/// Can a reader of `r` read what a writer of `w` writes, for shapes that differ in kind?
pub(super) fn read_kind_as(w: &Resolved<'_>, r: &Resolved<'_>, dir: Direction) -> Verdict {
    match (&w.shape, &r.shape) {
        (_, Shape::Primitive(Primitive::Unit)) => Verdict::Safe,
        (Shape::Primitive(Primitive::Unit), _) if r.reads_integer_zero() => Verdict::Safe,
        (Shape::Primitive(Primitive::Unit), _) => Verdict::SafeIf(format!(
            "{}: a {} reader cannot read `()`, written as the integer 0 (deprecating or reusing a field, §10.2)",
            dir.rollout(),
            r.describe()
        )),
        (Shape::Primitive(a), Shape::Primitive(b)) => read_primitive_as(*a, *b),
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
