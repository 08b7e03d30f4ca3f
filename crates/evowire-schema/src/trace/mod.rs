//! Capturing a schema from a type's `Deserialize` impl.
//!
//! The tracer is a serde `Deserializer` that answers every request of the type's
//! `Deserialize` impl with a made-up value and records what was requested. It runs over the
//! type again and again ("passes") until it has seen every variant of every enum:
//!
//! * an enum is asked for variant index 0, 1, 2, … in turn; the first index that fails (or
//!   that yields the same variant as a lower index: the `#[serde(other)]` fallback taking an
//!   unknown index) is the number of variants;
//! * a struct (or tuple struct, or struct/tuple variant) is handed one element fewer than it
//!   asks for, then two fewer, …: the derive fills a missing field from `#[serde(default)]`
//!   or fails, which shows which trailing fields have a default;
//! * a type nested in itself (through `Vec`, `Option`, `Box`) is cut off with empty
//!   sequences, `None` and variants that do not recurse.
//!
//! A pass that fails is blamed on the innermost probe that failed (an index past the last
//! variant, a field without default); any other failure ends tracing with the type's own
//! error message.

//!
//! The parts:
//!
//! * this module: [`Schema::trace`], which runs the passes, and the tracer's error;
//! * `deserializer`: [`TracingDeserializer`], the serde `Deserializer` for one position of
//!   the type, and the accessors it hands to visitors for sequences, maps and enums;
//! * `tracer`: the [`Tracer`] state shared by all positions of a pass: named types seen so
//!   far, trailing-default probes, the stack of named types being traced, and who is blamed
//!   for a failure; it also turns the finished state into a [`Schema`];
//! * `enums`: how the tracer picks the next variant of an enum and learns its variant count
//!   and `#[serde(other)]` fallback;
//! * `partial`: the types being traced, whose parts may still be unknown, and how two passes'
//!   views of one type are merged.

mod deserializer;
mod enums;
mod partial;
mod tracer;

use std::fmt;

use serde::de;
use serde::Deserialize;

use crate::error::SchemaError;
use crate::schema::Schema;

use deserializer::TracingDeserializer;
use partial::PartialType;
use tracer::{Blame, Tracer};

/// Passes before giving up on a type that never finishes tracing.
const MAX_PASSES: usize = 10_000;
/// Named types nested in one another before a recursive type is declared untraceable.
const MAX_NESTING: usize = 256;

impl Schema {
    /// Traces the serde data model of `T`, through its `Deserialize` impl, into a schema.
    ///
    /// Every enum reachable from `T` is explored until all its variants are known (also inside
    /// `Vec`, `Option` and maps). Two things serde does not tell a format are found by
    /// probing the `Deserialize` impl:
    ///
    /// * `#[serde(default)]` on **trailing** fields (and container-level `#[serde(default)]`):
    ///   the struct is handed fewer elements than it has fields and either fills them in or
    ///   fails. Only trailing fields are probed, as only they can be missing on the wire (a
    ///   default on a field in the middle matters only for `skip_serializing_if`, §9).
    /// * a `#[serde(other)]` variant: the enum is handed an index past its last variant.
    ///
    /// Both are recorded in the schema ([`Field::default`](crate::Field::default),
    /// [`Variant::fallback`](crate::Variant::fallback)); where probing cannot see them
    /// (hand-written impls), add them with [`Schema::with_default`] and
    /// [`Schema::with_fallback`]. `#[serde(with = "evowire::packed")]` fields are recognised
    /// ([`Type::Packed`](crate::Type::Packed)); `#[serde(with = "evowire::fixed")]` is not,
    /// as it changes only how the writer encodes integers and every evowire reader accepts
    /// both.
    /// Arrays are seen as tuples: a tuple of four or more elements of one type is recorded
    /// as an array.
    ///
    /// # Errors
    ///
    /// [`SchemaError::Trace`] for types that cannot be traced this way: `Deserialize` impls
    /// that reject made-up values (integers are 1, strings empty), types that need
    /// `deserialize_any` (`flatten`, untagged, internally or adjacently tagged enums), two
    /// different types with the same serde name (a generic type used with two parameters),
    /// and recursive types without a finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_schema::{Container, Schema};
    /// # use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Order {
    ///     id: u64,
    ///     side: Vec<Side>,
    ///     #[serde(default)]
    ///     note: String,
    /// }
    ///
    /// #[derive(Deserialize)]
    /// enum Side { Buy, Sell, #[serde(other)] Unknown }
    ///
    /// let schema = Schema::trace::<Order>()?;
    /// let Container::Struct(fields) = &schema.types["Order"] else { panic!() };
    /// assert!(!fields[1].default && fields[2].default);
    /// let Container::Enum(variants) = &schema.types["Side"] else { panic!() };
    /// assert_eq!(variants.len(), 3);
    /// assert!(variants[2].fallback);
    /// # Ok::<(), evowire_schema::SchemaError>(())
    /// ```
    pub fn trace<'de, T: Deserialize<'de>>() -> Result<Schema, SchemaError> {
        let mut tracer = Tracer::default();
        let mut root = PartialType::Unknown;
        for _ in 0..MAX_PASSES {
            tracer.blame = None;
            let mut slot = PartialType::Unknown;
            let result = T::deserialize(TracingDeserializer::new(&mut tracer, &mut slot));
            match result {
                Ok(_) => {
                    if root.unify(slot).is_err() {
                        return Err(SchemaError::Trace(
                            "the root type changed between passes".into(),
                        ));
                    }
                }
                Err(e) => match tracer.blame.take() {
                    Some(Blame::Probe(probe)) => tracer.learn_from_failure(probe),
                    Some(Blame::Fatal(msg)) => return Err(SchemaError::Trace(msg)),
                    None => return Err(SchemaError::Trace(e.0)),
                },
            }
            if tracer.incomplete(&root).is_none() {
                return tracer.into_schema(root);
            }
        }
        let what = tracer
            .incomplete(&root)
            .unwrap_or_else(|| "the type".into());
        Err(SchemaError::Trace(format!(
            "tracing did not finish after {MAX_PASSES} passes: {what} is still incomplete"
        )))
    }
}

/// The error the tracing deserializer returns to the type's `Deserialize` impl: the impl's
/// own message, or the tracer's explanation.
#[derive(Debug)]
struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TraceError(msg.to_string())
    }
}
