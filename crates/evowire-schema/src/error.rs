//! Errors of tracing, loading and annotating schemas.

use std::fmt;

/// Why a schema could not be traced, read or annotated.
#[derive(Debug)]
#[non_exhaustive]
pub enum SchemaError {
    /// [`Schema::trace`](crate::Schema::trace) could not trace the type, or a
    /// `serde-reflection` registry could not be converted. The text says why (for example a
    /// `Deserialize` impl that rejects made-up values, or `flatten`, untagged, internally or
    /// adjacently tagged enums, which need `deserialize_any`).
    Trace(String),
    /// The document is not valid JSON for a schema.
    Json(serde_json::Error),
    /// The document is well-formed JSON but inconsistent (unknown version, a reference to a
    /// type it does not define, …).
    Invalid(String),
    /// Types are nested deeper than the depth limit
    /// ([`CheckOptions::max_depth`](crate::CheckOptions::max_depth), by default
    /// [`DEFAULT_MAX_DEPTH`](crate::DEFAULT_MAX_DEPTH)): in a document, or in the two
    /// documents being compared.
    TooDeep {
        /// Where the limit was reached: a type, a field, or a path of the comparison.
        at: String,
        /// The limit.
        max_depth: u32,
    },
    /// An annotation path ([`Schema::with_default`](crate::Schema::with_default),
    /// [`Schema::with_fallback`](crate::Schema::with_fallback)) names nothing in the schema.
    UnknownPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::Trace(msg) => write!(f, "cannot trace the type: {msg}"),
            SchemaError::Json(e) => write!(f, "not a schema document: {e}"),
            SchemaError::Invalid(msg) => write!(f, "invalid schema document: {msg}"),
            SchemaError::TooDeep { at, max_depth } => write!(
                f,
                "{at}: types nested deeper than the depth limit of {max_depth} levels"
            ),
            SchemaError::UnknownPath { path, reason } => write!(f, "`{path}`: {reason}"),
        }
    }
}

impl std::error::Error for SchemaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SchemaError::Json(e) => Some(e),
            _ => None,
        }
    }
}
