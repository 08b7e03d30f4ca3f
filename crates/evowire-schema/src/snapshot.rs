//! Committed schema documents, checked in `cargo test`: the type's schema is written to a
//! file the first time, and every later run fails if the type changed in a way that breaks
//! old or new readers.
//!
//! For tests only: [`assert_schema`] panics, as a test assertion does.
//!
//! ```no_run
//! # #[derive(serde::Deserialize)] struct Order { id: u64 }
//! #[test]
//! fn order_schema_is_compatible() {
//!     // tests/schemas/Order.json, relative to the package (`CARGO_MANIFEST_DIR`).
//!     evowire_schema::snapshot::assert_schema::<Order>("tests/schemas/Order.json");
//! }
//! ```
//!
//! * The file is missing: it is written from [`Schema::trace`], and the test passes. Commit
//!   it.
//! * The type's schema equals the file: the test passes.
//! * The type changed, compatibly (a field added at the back, an integer widened, …): the
//!   test passes, prints the report, and leaves the file as it is, so the check stays
//!   against the released version. Record the new version with `EVOWIRE_SCHEMA_UPDATE=1`
//!   once it is released.
//! * The type changed in a breaking way: the test fails with the report of
//!   [`check_compatible`].
//! * `EVOWIRE_SCHEMA_UPDATE=1 cargo test` (any value but empty or `0`): the file is
//!   rewritten from the type, whatever changed. Review the diff and commit it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::compat::check_compatible;
use crate::error::SchemaError;
use crate::report::Report;
use crate::schema::Schema;

/// The environment variable that makes [`assert_schema`] rewrite the committed documents.
pub const UPDATE_ENV: &str = "EVOWIRE_SCHEMA_UPDATE";

/// What [`check_snapshot`] (and [`assert_schema`]) did.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// There was no file: the current schema was written to it.
    Written,
    /// An update was asked for and the file differed: it now holds the current schema. The
    /// report compares the previous document with it (empty if the previous one could not
    /// be read).
    Updated(Report),
    /// The file holds the current schema.
    Unchanged,
    /// The type changed without breaking old or new readers; the file was left as it is.
    /// The report lists the changes.
    Compatible(Report),
}

/// Why [`check_snapshot`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The current schema breaks old or new readers of the committed one.
    Breaking {
        /// The committed document.
        path: PathBuf,
        /// The comparison of the committed schema (old) with the current one (new).
        report: Report,
    },
    /// The committed document could not be read or the new one written.
    Io {
        /// The document.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The committed document is not a valid schema document.
    Document {
        /// The document.
        path: PathBuf,
        /// Why it is not.
        source: SchemaError,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Breaking { path, report } => write!(
                f,
                "{}: breaking schema change against the committed document:\n{report}\
                 If the break is intended, run with {UPDATE_ENV}=1 to record the new schema.",
                path.display()
            ),
            SnapshotError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SnapshotError::Document { path, source } => write!(
                f,
                "{}: {source} (fix the file, or run with {UPDATE_ENV}=1 to rewrite it)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SnapshotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SnapshotError::Io { source, .. } => Some(source),
            SnapshotError::Document { source, .. } => Some(source),
            SnapshotError::Breaking { .. } => None,
        }
    }
}

/// Checks `T`'s traced schema against the document at `path` (relative to the package
/// being tested, `CARGO_MANIFEST_DIR`, unless absolute), as the [module](self) describes:
/// writes it when missing or when [`UPDATE_ENV`] is set, else fails on a breaking change.
///
/// # Panics
///
/// If `T` cannot be traced, the document cannot be read, written or parsed, or the change
/// is breaking: this is a test assertion.
#[track_caller]
pub fn assert_schema<'de, T: Deserialize<'de>>(path: impl AsRef<Path>) -> Outcome {
    let current = Schema::trace::<T>()
        .unwrap_or_else(|e| panic!("assert_schema: tracing the type failed: {e}"));
    let path = in_package(path.as_ref());
    let update = std::env::var(UPDATE_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    match check_snapshot(&path, &current, update) {
        Ok(outcome) => {
            match &outcome {
                Outcome::Written => eprintln!("{}: schema written", path.display()),
                Outcome::Updated(report) => {
                    eprintln!("{}: schema updated\n{report}", path.display());
                }
                Outcome::Compatible(report) => eprintln!(
                    "{}: the type changed compatibly; run with {UPDATE_ENV}=1 to record it\n{report}",
                    path.display()
                ),
                Outcome::Unchanged => {}
            }
            outcome
        }
        Err(e) => panic!("{e}"),
    }
}

/// Checks `current` against the document at `path`: writes it when there is no file or
/// `update` is true, else compares the committed schema (old) with `current` (new).
///
/// # Errors
///
/// [`SnapshotError::Breaking`] with the report when the change breaks old or new readers,
/// [`SnapshotError::Io`] and [`SnapshotError::Document`] when the file cannot be used.
pub fn check_snapshot(
    path: &Path,
    current: &Schema,
    update: bool,
) -> Result<Outcome, SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let committed = match std::fs::read_to_string(path) {
        Ok(text) => Some(Schema::from_json(&text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let write = || -> Result<(), SnapshotError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, current.to_json()).map_err(io)
    };
    match committed {
        None => {
            write()?;
            Ok(Outcome::Written)
        }
        Some(Ok(old)) if &old == current => Ok(Outcome::Unchanged),
        Some(old) if update => {
            let report = old
                .map(|old| check_compatible(&old, current))
                .unwrap_or_default();
            write()?;
            Ok(Outcome::Updated(report))
        }
        Some(Err(source)) => Err(SnapshotError::Document {
            path: path.to_path_buf(),
            source,
        }),
        Some(Ok(old)) => {
            let report = check_compatible(&old, current);
            if report.is_breaking() {
                Err(SnapshotError::Breaking {
                    path: path.to_path_buf(),
                    report,
                })
            } else {
                Ok(Outcome::Compatible(report))
            }
        }
    }
}

/// `path` relative to the package under test (`CARGO_MANIFEST_DIR`, which `cargo test`
/// sets), or as given when absolute or outside cargo.
fn in_package(path: &Path) -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) if path.is_relative() => Path::new(&dir).join(path),
        _ => path.to_path_buf(),
    }
}
