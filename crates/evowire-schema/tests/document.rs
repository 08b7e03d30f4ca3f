//! Schema documents: layout, round trips, validation and annotations.

use evowire_schema::{Container, Schema, SchemaError, Type};
use serde::Deserialize;

#[test]
fn documents_round_trip_with_any_names() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(rename = "We\"ird, [name]: {x}")]
    struct S {
        #[serde(rename = "quote\" back\\slash ünï ,:]}")]
        a: Vec<Option<(u8, String)>>,
        #[serde(rename = "")]
        b: std::collections::BTreeMap<String, [u16; 8]>,
    }
    let schema = Schema::trace::<S>().unwrap();
    let json = schema.to_json();
    assert_eq!(Schema::from_json(&json).unwrap(), schema);
    // The same document as serde_json's own layout.
    let ours: serde_json::Value = serde_json::from_str(&json).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_str(&serde_json::to_string_pretty(&schema).unwrap()).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn short_containers_stay_on_one_line() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Point {
        x: i32,
        #[serde(default)]
        y: i32,
    }
    assert_eq!(
        Schema::trace::<Point>().unwrap().to_json(),
        r#"{
  "evowire_schema": 1,
  "root": {"named": "Point"},
  "types": {
    "Point": {
      "struct": [
        {"name": "x", "type": "i32"},
        {"name": "y", "type": "i32", "default": true}
      ]
    }
  }
}
"#
    );
    assert_eq!(
        Schema::trace::<u8>().unwrap().to_json(),
        "{\n  \"evowire_schema\": 1,\n  \"root\": \"u8\"\n}\n"
    );
}

fn invalid(json: &str) -> String {
    match Schema::from_json(json) {
        Err(e @ SchemaError::Invalid(_)) => e.to_string(),
        other => panic!("expected an invalid document, got {other:?}"),
    }
}

#[test]
fn inconsistent_documents_are_rejected() {
    assert_eq!(
        invalid(r#"{"evowire_schema": 2, "root": "u8"}"#),
        "invalid schema document: unknown schema document version 2 (this library reads version 1)"
    );
    assert_eq!(
        invalid(r#"{"evowire_schema": 1, "root": {"seq": {"named": "Nope"}}}"#),
        "invalid schema document: the root refers to type `Nope`, which the document does not define"
    );
    assert_eq!(
        invalid(
            r#"{"evowire_schema": 1, "root": "u8", "types": {"E": {"enum": [
                {"name": "Other", "body": "unit", "fallback": true},
                {"name": "A", "body": "unit"}]}}}"#
        ),
        "invalid schema document: `E::Other` is marked as the fallback but is not the last variant (serde requires `#[serde(other)]` on the last)"
    );
    assert_eq!(
        invalid(
            r#"{"evowire_schema": 1, "root": "u8", "types": {"S": {"struct": [
                {"name": "a", "type": "u8"}, {"name": "a", "type": "u16"}]}}}"#
        ),
        "invalid schema document: `S` has two fields named `a`"
    );
    assert!(matches!(
        Schema::from_json(r#"{"evowire_schema": 1, "root": "u9"}"#),
        Err(SchemaError::Json(_))
    ));
}

#[test]
fn annotations_name_what_exists() {
    let schema = Schema::from_json(
        r#"{"evowire_schema": 1, "root": {"named": "S"}, "types": {
            "S": {"struct": [{"name": "a", "type": "u8"}, {"name": "e", "type": {"named": "E"}}]},
            "E": {"enum": [{"name": "A", "body": {"tuple": [{"name": "0", "type": "u8"}]}},
                           {"name": "Other", "body": "unit"}]}}}"#,
    )
    .unwrap();
    let s = schema.clone().with_default("S.e").unwrap();
    let Container::Struct(fields) = &s.types["S"] else {
        panic!()
    };
    assert!(fields[1].default && !fields[0].default);
    assert!(schema.clone().with_default("E.A.0").is_ok());
    let err = |r: Result<Schema, SchemaError>| r.unwrap_err().to_string();
    assert_eq!(
        err(schema.clone().with_default("S.b")),
        "`S.b`: no field `b` (it has `a`, `e`)"
    );
    assert_eq!(
        err(schema.clone().with_default("E.B.0")),
        "`E.B.0`: enum `E` has no variant `B` (it has `A`, `Other`)"
    );
    assert_eq!(
        err(schema.clone().with_default("E.a")),
        "`E.a`: `E` is an enum: name the variant, `E.Variant.field`"
    );
    assert_eq!(
        err(schema.clone().with_default("T.a")),
        "`T.a`: no type named `T` in the schema"
    );
    let e = schema.clone().with_fallback("E.Other").unwrap();
    let Container::Enum(v) = &e.types["E"] else {
        panic!()
    };
    assert!(v[1].fallback);
    assert_eq!(
        err(schema.clone().with_fallback("E.A")),
        "`E.A`: `E::A` is not a unit variant; `#[serde(other)]` needs one"
    );
    assert_eq!(e.root, Type::Named("S".into()));
}
