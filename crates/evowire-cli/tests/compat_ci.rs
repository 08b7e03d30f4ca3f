//! `evowire compat` in CI: a document from standard input, `--strict` and `--format json`.

mod common;

use std::path::Path;

use common::{evowire_in, show, text};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

#[test]
fn either_document_can_come_from_standard_input() {
    let files = evowire_in(
        fixtures(),
        &["compat", "order-v1.schema.json", "order-v2.schema.json"],
        b"",
    );
    let old_piped = evowire_in(
        fixtures(),
        &["compat", "-", "order-v2.schema.json"],
        &read("order-v1.schema.json"),
    );
    let new_piped = evowire_in(
        fixtures(),
        &["compat", "order-v1.schema.json", "-"],
        &read("order-v2.schema.json"),
    );
    assert_eq!(files.status.code(), Some(0), "{}", show(&files));
    for piped in [old_piped, new_piped] {
        assert_eq!(
            (piped.status.code(), &piped.stdout),
            (Some(0), &files.stdout),
            "{}",
            show(&piped)
        );
    }
    let both = evowire_in(fixtures(), &["compat", "-", "-"], b"");
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(
        text(&both.stderr),
        "error: only one of the two documents can be read from standard input (`-`)\n"
    );
    let bad = evowire_in(fixtures(), &["compat", "-", "order-v2.schema.json"], b"[]");
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        text(&bad.stderr),
        "error: standard input: not a schema document: expected a JSON object, found an array\n"
    );
}

#[test]
fn strict_fails_on_conditional_changes() {
    let args = ["compat", "order-v1.schema.json", "order-v2.schema.json"];
    let plain = evowire_in(fixtures(), &args, b"");
    let strict = evowire_in(fixtures(), &[&args[..], &["--strict"]].concat(), b"");
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(strict.stdout, plain.stdout);
    let same = evowire_in(
        fixtures(),
        &[
            "compat",
            "--strict",
            "order-v1.schema.json",
            "order-v1.schema.json",
        ],
        b"",
    );
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn json_report_lists_every_change_with_its_severity() {
    let out = evowire_in(
        fixtures(),
        &[
            "compat",
            "--format",
            "json",
            "order-v1.schema.json",
            "order-v2.schema.json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"], "conditional");
    assert_eq!(
        [&report["breaking"], &report["conditional"], &report["safe"]],
        [0, 2, 3]
    );
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 5);
    assert_eq!(changes[2]["path"], "Order.qty");
    assert_eq!(changes[2]["what"], "type changed from `u32` to `u64`");
    assert_eq!(changes[2]["severity"], "conditional");
    assert_eq!(
        changes[2]["old_to_new"],
        serde_json::json!({"severity": "safe"})
    );
    assert_eq!(
        changes[2]["new_to_old"],
        serde_json::json!({
            "severity": "conditional",
            "detail": "every value fits in `u32` (otherwise IntegerOverflow)"
        })
    );
    let broken = evowire_in(
        fixtures(),
        &[
            "compat",
            "--format",
            "json",
            "order-v1.schema.json",
            "order-broken.schema.json",
        ],
        b"",
    );
    assert_eq!(broken.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(report["result"], "breaking");
    assert_eq!(report["changes"][0]["severity"], "breaking");
}

#[test]
fn max_depth_bounds_the_check_and_says_where() {
    // Order nests Vec<Leg> inside it: three levels are enough for the fixtures, one is not.
    let ok = evowire_in(
        fixtures(),
        &[
            "compat",
            "--max-depth",
            "8",
            "order-v1.schema.json",
            "order-v2.schema.json",
        ],
        b"",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));
    let shallow = evowire_in(
        fixtures(),
        &[
            "compat",
            "--max-depth",
            "1",
            "order-v1.schema.json",
            "order-v2.schema.json",
        ],
        b"",
    );
    assert_eq!(shallow.status.code(), Some(2), "{}", show(&shallow));
    let err = text(&shallow.stderr);
    assert!(err.contains("depth limit of 1 level"), "{err}");
    let refused = evowire_in(fixtures(), &["compat", "--max-depth", "0", "a", "b"], b"");
    assert_eq!(refused.status.code(), Some(2), "{}", show(&refused));
}
