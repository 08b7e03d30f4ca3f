//! evowire-schema: schema documents for evowire messages, and a checker that tells, before
//! you deploy, whether a change to a message type breaks old or new readers.
//!
//! evowire writes fields and variants by position and never writes names, so whether two
//! versions of a type can read each other's messages depends only on their shapes. This crate
//! captures that shape from the type's `Deserialize` impl ([`Schema::trace`], which also finds
//! trailing `#[serde(default)]` fields and `#[serde(other)]` variants by probing the impl) into
//! a [`Schema`] you can save as JSON next to the code, and [`check_compatible`] compares two
//! schemas with the evolution
//! rules of the format (`SPEC.md` §10 of the `evowire` crate), in both directions:
//!
//! * **old writes, new reads**: can the new code read messages already written (or still being
//!   written by old nodes)?
//! * **new writes, old reads**: can nodes that are not upgraded yet read the new messages?
//!
//! Each change is [`Verdict::Safe`], [`Verdict::SafeIf`] a condition holds (a
//! `#[serde(default)]`, values that fit, an order of deployment) or [`Verdict::Breaking`].
//! The `evowire compat OLD NEW` command prints the same report for two saved documents.
//!
//! # Example
//!
//! ```
//! use evowire_schema::{check_compatible, Schema};
//!
//! mod v1 {
//!     #[derive(serde::Deserialize)]
//!     pub struct Order { pub id: u64, pub qty: u32 }
//! }
//! mod v2 {
//!     #[derive(serde::Deserialize)]
//!     pub struct Order { pub id: u64, pub qty: u64, #[serde(default)] pub note: String }
//! }
//!
//! let old = Schema::trace::<v1::Order>()?;
//! let new = Schema::trace::<v2::Order>()?;
//! let report = check_compatible(&old, &new);
//! assert!(!report.is_breaking());
//! assert_eq!(
//!     report.to_string(),
//!     "\
//! Order.qty: type changed from `u32` to `u64`
//!     old writes, new reads: safe
//!     new writes, old reads: safe if every value fits in `u32` (otherwise IntegerOverflow)
//! Order.note: field `note: str` added at the back
//!     old writes, new reads: safe
//!     new writes, old reads: safe
//!
//! 2 changes: 0 breaking, 1 safe with conditions, 1 safe
//! result: compatible if the conditions above hold
//! "
//! );
//! # Ok::<(), evowire_schema::SchemaError>(())
//! ```
//!
//! # Pinning compatibility in a test suite
//!
//! Commit the schema of each released version (`evowire_schema::Schema::trace::<Order>()?.to_json()`
//! written to a file), and check the current type against it in a test:
//!
//! ```
//! # #[derive(serde::Deserialize)] struct Order { id: u64 }
//! # let v1_json = evowire_schema::Schema::trace::<Order>().unwrap().to_json();
//! use evowire_schema::{assert_compatible_schemas, Schema};
//!
//! // In `tests/schemas.rs`, with `v1_json = include_str!("schemas/order.v1.json")`:
//! let v1 = Schema::from_json(&v1_json).unwrap();
//! let current = Schema::trace::<Order>().unwrap();
//! assert_compatible_schemas(&v1, &current);
//! ```
//!
//! With both versions in the code, [`assert_compatible`]`::<Old, New>()` does the same.
//!
//! Or let [`snapshot::assert_schema`] keep the file: it writes `tests/schemas/Order.json` the
//! first time (or when `EVOWIRE_SCHEMA_UPDATE=1` is set) and afterwards fails the test with
//! the report when `Order` changes in a breaking way:
//!
//! ```no_run
//! # #[derive(serde::Deserialize)] struct Order { id: u64 }
//! #[test]
//! fn order_schema() {
//!     evowire_schema::snapshot::assert_schema::<Order>("tests/schemas/Order.json");
//! }
//! ```
//!
//! # Untrusted documents
//!
//! A schema document may come from anyone (`SCHEMA.md` beside this crate's README describes
//! the format). Whatever it holds, [`Schema::from_json`], [`Schema::validate`],
//! [`check_compatible`] and [`assert_compatible_schemas`] end with a schema, a report or an
//! error, never a panic, an abort or a stack overflow, on a thread stack of 2 MiB or more:
//!
//! * **Depth.** JSON nesting is limited to 128 levels while parsing; [`Schema::validate`]
//!   limits types nested within one field, and chains of newtypes, to
//!   [`DEFAULT_MAX_DEPTH`] levels; the checker stops when a comparison reaches that many
//!   levels ([`SchemaError::TooDeep`]). [`CheckOptions`] changes the limit
//!   ([`Schema::from_json_with`], [`Schema::validate_with`], [`check_compatible_with`]). A
//!   level of the checker takes a few KiB of stack in debug builds: 128 levels fit in under
//!   1 MiB.
//! * **Cycles.** [`Schema::validate`] rejects named types without a finite value: a
//!   newtype that contains itself through newtypes only (reading it would read no input) and
//!   a struct that contains itself with no `Option`, sequence, map or other enum variant in
//!   between. `struct Chain(Option<Box<Chain>>)` is fine.
//! * **Time.** Validation is linear in the document (hash sets for names, one visit per
//!   type, walks with explicit stacks). The checker compares each pair of named types once,
//!   arrays by element type and length (never element by element), and names by hashing:
//!   comparing two versions of a type is linear in the two documents, and at worst
//!   proportional to the number of pairs of named types they place at the same positions.
//! * **Memory.** Within a small constant factor of the documents plus the report: nothing is
//!   proportional to an array's `len`, and messages list at most eight names ("… and N
//!   more"). Measured in a debug build: loading a 15 MiB document of 200,000 named types
//!   peaks at about 5 times its size; comparing a struct of 200,000 fields with a version
//!   that changes every field peaks at about 3 times the 32 MiB report.
//!
//! Schemas built in code are bounded only once validated: [`Schema::to_json`] and the
//! derived `Clone`, `PartialEq` and `Drop` of [`Type`] recurse into nested types.
//!
//! # What tracing sees
//!
//! serde tells a format nothing about some attributes; [`Schema::trace`] finds the ones that
//! matter by how the `Deserialize` impl behaves, and the rest can be added to the schema
//! with the annotation methods or by editing the JSON document (`"default": true` on a field,
//! `"fallback": true` on a variant):
//!
//! | attribute | effect on compatibility | in a traced schema |
//! |---|---|---|
//! | `#[serde(default)]` on trailing fields (or on the container) | a reader can miss the field | found by probing; [`Schema::with_default`]`("Type.field")` otherwise |
//! | `#[serde(other)]` on a unit variant | a reader survives unknown variants | found by probing; [`Schema::with_fallback`]`("Enum.Variant")` otherwise |
//! | `#[serde(with = "evowire::packed")]` | plain readers cannot read it (§12.2) | [`Type::Packed`], without the element type |
//! | `#[serde(with = "evowire::fixed")]` | none for evowire readers (they read every integer wire type) | not recorded |
//! | `#[serde(skip_serializing_if = …)]` | writes the absent marker `06`, which plain sequences and fcode reject (§9.4) | not recorded: check by hand |
//! | `#[serde(alias = …)]` | none (names are not written) | field and variant names become positions |
//!
//! Types that need `deserialize_any` or names (`flatten`, untagged, internally or adjacently
//! tagged enums) cannot be traced: the format cannot carry them positionally either. Schemas
//! traced with the `serde-reflection` crate (for types whose impls validate values) convert
//! with `Schema::from_registry` (feature `serde-reflection`).
//!
//! # The rules
//!
//! Compared position by position, as the wire is; names only explain changes and reveal
//! reordering. Each rule is tested in both directions in `tests/rules.rs`.
//!
//! | change | old writes, new reads | new writes, old reads |
//! |---|---|---|
//! | field added at the back | safe with `default`, else *safe if* | safe (skipped) |
//! | field removed from the back | safe (skipped) | safe with `default` on the old field, else *safe if* |
//! | field or variant reordered, inserted or removed before the end | breaking | breaking |
//! | rename of a field, variant or type | safe | safe |
//! | tuple ↔ tuple struct ↔ struct, tuple variant ↔ struct variant, same items | safe | safe |
//! | struct/tuple variant ↔ newtype variant holding a struct/tuple of the same layout | safe | safe |
//! | `Vec<T>` → `[T; N]` / tuple | *safe if* at least N elements | safe |
//! | wrap in / unwrap from a newtype struct | safe | safe |
//! | newtype struct extended into a tuple struct | breaking | breaking |
//! | integer widened (same signedness) | safe | *safe if* values fit |
//! | signedness changed (`i32` ↔ `u32`, `char` ↔ signed) | breaking | breaking |
//! | `f32` → `f64` | safe | *safe if* precision loss is fine |
//! | `bool` ↔ unsigned | safe | safe |
//! | `String` → bytes | safe | *safe if* valid UTF-8 |
//! | `()` → integer/`bool` | safe | safe |
//! | `T` → `()` (deprecation) | safe | safe for integer `T`, else *safe if* readers are upgraded first |
//! | `Option<T>` ↔ `T` | breaking | breaking |
//! | `Option<T>` ↔ `enum { None, Some(T) }` | safe | safe |
//! | variant added at the back | safe | safe with a fallback, else *safe if* |
//! | variant removed from the back | safe with a fallback, else breaking | safe |
//! | unit variant → variant with data | safe if the body reads the integer 0, else *safe if* writers are upgraded first | safe (body skipped) |
//! | plain `Vec` → packed | safe | *safe if* readers are upgraded first |
//! | integer ↔ float, map ↔ sequence, `Vec<u8>` ↔ bytes, unrelated types | breaking | breaking |

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings), allow(dead_code))))]

mod annotate;
mod compat;
mod error;
mod options;
mod pretty;
#[cfg(feature = "serde-reflection")]
mod reflection;
mod report;
mod schema;
pub mod snapshot;
mod text;
mod trace;
mod validate;

pub use compat::{check_compatible, check_compatible_with};
pub use error::SchemaError;
pub use options::{CheckOptions, DEFAULT_MAX_DEPTH};
pub use report::{Change, Report, Verdict};
pub use schema::{Body, Container, Field, Schema, Type, Variant, SCHEMA_VERSION};
/// The `serde-reflection` crate, for [`Schema::from_registry`].
#[cfg(feature = "serde-reflection")]
pub use serde_reflection;

use serde::Deserialize;

/// Panics with the readable report if a change from `Old` to `New` breaks old or new
/// readers. Conditional changes (such as narrowing an integer, or a field added at the
/// back without `#[serde(default)]`) do not panic: inspect [`check_compatible`]'s report to
/// pin those.
///
/// # Panics
///
/// If either type cannot be traced, or the report [`is_breaking`](Report::is_breaking).
///
/// # Examples
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct V1 { id: u32 }
/// #[derive(serde::Deserialize)]
/// struct V2 { id: u64, #[serde(default)] name: String }
///
/// evowire_schema::assert_compatible::<V1, V2>();
/// ```
///
/// ```should_panic
/// #[derive(serde::Deserialize)]
/// struct V1 { id: u32, name: String }
/// #[derive(serde::Deserialize)]
/// struct V2 { name: String, id: u32 } // reordered
///
/// evowire_schema::assert_compatible::<V1, V2>();
/// ```
#[track_caller]
pub fn assert_compatible<'de, Old: Deserialize<'de>, New: Deserialize<'de>>() {
    let old = Schema::trace::<Old>()
        .unwrap_or_else(|e| panic!("assert_compatible: tracing the old type failed: {e}"));
    let new = Schema::trace::<New>()
        .unwrap_or_else(|e| panic!("assert_compatible: tracing the new type failed: {e}"));
    assert_compatible_schemas(&old, &new);
}

/// Panics with the readable report if [`check_compatible`]`(old, new)` finds a breaking
/// change.
///
/// # Panics
///
/// If the report [`is_breaking`](Report::is_breaking).
#[track_caller]
pub fn assert_compatible_schemas(old: &Schema, new: &Schema) {
    let report = check_compatible(old, new);
    if report.is_breaking() {
        panic!("breaking schema change:\n{report}");
    }
}
