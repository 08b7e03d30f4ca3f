//! The committed-schema workflow: `snapshot::assert_schema` on a type of this test suite
//! (its document is `tests/schemas/Order.json`), and `snapshot::check_snapshot` in each case
//! on files in a temporary directory.

#![allow(dead_code)]

use std::path::PathBuf;

use evowire_schema::snapshot::{assert_schema, check_snapshot, Outcome, SnapshotError};
use evowire_schema::Schema;
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
    side: Side,
    qty: u32,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
enum Side {
    Buy,
    Sell,
    #[serde(other)]
    Unknown,
}

/// The example: how a crate pins its message types. The document was written by the first
/// run and committed; this fails when `Order` changes in a way that breaks old or new
/// readers (`EVOWIRE_SCHEMA_UPDATE=1 cargo test` rewrites it).
#[test]
fn order_schema_matches_the_committed_document() {
    assert_schema::<Order>("tests/schemas/Order.json");
}

mod v2 {
    #[derive(serde::Deserialize)]
    #[serde(rename = "Order")]
    pub struct Widened {
        id: u64,
        side: super::Side,
        qty: u64,
        #[serde(default)]
        note: String,
        #[serde(default)]
        tag: u8,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename = "Order")]
    pub struct Swapped {
        side: super::Side,
        id: u64,
        qty: u32,
        #[serde(default)]
        note: String,
    }
}

/// A fresh path in the system's temporary directory.
fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "evowire-schema-snapshot-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("schemas").join("Order.json")
}

#[test]
fn a_missing_document_is_written_then_matches() {
    let path = temp_file("missing");
    let order = Schema::trace::<Order>().unwrap();
    assert!(matches!(
        check_snapshot(&path, &order, false),
        Ok(Outcome::Written)
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), order.to_json());
    assert!(matches!(
        check_snapshot(&path, &order, false),
        Ok(Outcome::Unchanged)
    ));
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}

#[test]
fn a_compatible_change_passes_and_leaves_the_document() {
    let path = temp_file("compatible");
    let order = Schema::trace::<Order>().unwrap();
    check_snapshot(&path, &order, false).unwrap();
    let widened = Schema::trace::<v2::Widened>().unwrap();
    match check_snapshot(&path, &widened, false) {
        Ok(Outcome::Compatible(report)) => assert_eq!(report.changes.len(), 2, "{report}"),
        other => panic!("expected a compatible change, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), order.to_json());
    // Asked to update, it records the new version.
    match check_snapshot(&path, &widened, true) {
        Ok(Outcome::Updated(report)) => assert_eq!(report.changes.len(), 2),
        other => panic!("expected an update, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), widened.to_json());
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}

#[test]
fn a_breaking_change_fails_with_the_report_unless_updating() {
    let path = temp_file("breaking");
    let order = Schema::trace::<Order>().unwrap();
    check_snapshot(&path, &order, false).unwrap();
    let swapped = Schema::trace::<v2::Swapped>().unwrap();
    let err = check_snapshot(&path, &swapped, false).unwrap_err();
    assert!(matches!(err, SnapshotError::Breaking { .. }));
    let text = err.to_string();
    assert!(
        text.contains("breaking schema change against the committed document:\nOrder: fields reordered: `id`, `side`, `qty`, `note` became `side`, `id`, `qty`, `note`"),
        "{text}"
    );
    assert!(text.ends_with("run with EVOWIRE_SCHEMA_UPDATE=1 to record the new schema."));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), order.to_json());

    assert!(matches!(
        check_snapshot(&path, &swapped, true),
        Ok(Outcome::Updated(report)) if report.is_breaking()
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), swapped.to_json());
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}

#[test]
fn an_invalid_committed_document_is_reported_or_rewritten() {
    let path = temp_file("invalid");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "[1, \"u8\"]").unwrap();
    let order = Schema::trace::<Order>().unwrap();
    let err = check_snapshot(&path, &order, false).unwrap_err();
    assert!(matches!(err, SnapshotError::Document { .. }));
    assert!(err
        .to_string()
        .contains("a schema document is a JSON object"));
    assert!(matches!(
        check_snapshot(&path, &order, true),
        Ok(Outcome::Updated(report)) if report.changes.is_empty()
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), order.to_json());
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}
