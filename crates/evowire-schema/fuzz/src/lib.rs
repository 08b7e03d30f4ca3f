//! Shared checks of the evowire-schema fuzz targets.
//!
//! Every check panics (which libFuzzer reports as a crash, with the input saved under
//! `artifacts/`) when a property breaks; rejected documents are fine, panics, aborts and
//! stack overflows inside evowire-schema are not.

use evowire_schema::{check_compatible, check_compatible_with, CheckOptions, Schema, SchemaError};

/// Loads `data` as a document. A loaded schema validates again, survives `to_json` and
/// `from_json` unchanged, shows its root type, and compares with itself without a change
/// (or stops at the depth limit, saying so).
pub fn check_document(data: &[u8]) {
    let Some(schema) = load(data) else { return };
    schema.validate().expect("a loaded schema validates again");
    let json = schema.to_json();
    let again = Schema::from_json(&json).expect("a written document loads");
    assert_eq!(again, schema, "to_json/from_json changed the schema:\n{json}");
    let _ = schema.root.to_string();
    match check_compatible_with(&schema, &schema, &CheckOptions::new()) {
        Ok(report) => assert!(
            report.changes.is_empty(),
            "a schema differs from itself:\n{report}"
        ),
        Err(SchemaError::TooDeep { .. }) => {}
        Err(e) => panic!("a valid schema fails to compare with itself: {e}"),
    }
}

/// Splits `data` at its first zero byte into two documents; when both load, compares them
/// both ways. `check_compatible` and `check_compatible_with` agree, and the report renders.
pub fn check_pair(data: &[u8]) {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (Some(old), Some(new)) = (load(&data[..split]), load(&data[split + 1..])) else {
        return;
    };
    for (a, b) in [(&old, &new), (&new, &old)] {
        let report = check_compatible(a, b);
        let _ = report.render(true);
        match check_compatible_with(a, b, &CheckOptions::new()) {
            Ok(with) => assert_eq!(with, report),
            Err(e) => {
                assert!(matches!(e, SchemaError::TooDeep { .. }), "{e}");
                assert!(report.is_breaking());
            }
        }
    }
}

fn load(data: &[u8]) -> Option<Schema> {
    let text = std::str::from_utf8(data).ok()?;
    Schema::from_json(text).ok()
}
