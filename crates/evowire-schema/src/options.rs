//! Limits for reading and comparing schema documents, which may come from anyone.

/// The default maximum nesting depth: 128 levels, like serde_json and the `evowire`
/// decoder.
///
/// [`Schema::validate`](crate::Schema::validate) counts each type inside another (`Option`,
/// sequence, map, tuple, array) and each newtype struct in a chain of newtypes as one level;
/// [`check_compatible`](crate::check_compatible) counts each type it descends into, named
/// or not. 128 levels of the checker's recursion stay well inside a 2 MiB thread stack
/// (tested in debug builds).
pub const DEFAULT_MAX_DEPTH: u32 = 128;

/// Limits for [`Schema::validate_with`](crate::Schema::validate_with),
/// [`Schema::from_json_with`](crate::Schema::from_json_with) and
/// [`check_compatible_with`](crate::check_compatible_with), built with by-value `with_*`
/// methods.
///
/// # Examples
///
/// ```
/// use evowire_schema::{check_compatible_with, CheckOptions, Schema, SchemaError};
///
/// let deep = r#"{"evowire_schema": 1, "root": {"option": {"option": {"option": "u8"}}}}"#;
/// let opts = CheckOptions::new().with_max_depth(2);
/// assert!(matches!(
///     Schema::from_json_with(deep, &opts),
///     Err(SchemaError::TooDeep { max_depth: 2, .. })
/// ));
///
/// let schema = Schema::from_json(deep)?;
/// let report = check_compatible_with(&schema, &schema, &CheckOptions::new())?;
/// assert!(report.changes.is_empty());
/// # Ok::<(), SchemaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    max_depth: u32,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl CheckOptions {
    /// The defaults: [`DEFAULT_MAX_DEPTH`].
    pub const fn new() -> Self {
        CheckOptions {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Sets the maximum nesting depth. The stack the checker needs grows with it.
    pub const fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The maximum nesting depth.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }
}
