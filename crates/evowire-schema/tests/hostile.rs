//! Schema documents are untrusted input: whatever a document holds, loading, validating and
//! comparing it ends with a result or a clear error, never a panic, an abort or a stack
//! overflow. Every test runs on a 2 MiB thread (the smallest stack a library caller may
//! reasonably give it). No test asserts on time: a quadratic algorithm over 100,000 items
//! shows as a test that takes minutes.

use evowire_schema::{
    check_compatible, check_compatible_with, CheckOptions, Container, Field, Report, Schema,
    SchemaError, Type, Verdict, DEFAULT_MAX_DEPTH,
};
use serde::Deserialize;

/// Runs `f` on a thread with a 2 MiB stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn a test thread")
        .join()
        .expect("the test thread ends without panicking")
}

fn doc(root: &str, types: &str) -> String {
    format!(r#"{{"evowire_schema": 1, "root": {root}, "types": {{{types}}}}}"#)
}

fn load(json: &str) -> Schema {
    Schema::from_json(json).unwrap_or_else(|e| panic!("loads: {e}"))
}

fn invalid(json: &str) -> String {
    match Schema::from_json(json) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected {json:.200} to be rejected"),
    }
}

/// Each change as (path, what), for assertions.
fn rows(report: &Report) -> Vec<(String, String)> {
    report
        .changes
        .iter()
        .map(|c| (c.path.clone(), c.what.clone()))
        .collect()
}

/// The single "cannot compare" change of a report, and its reason.
fn cannot_compare(report: &Report) -> String {
    assert_eq!(report.changes.len(), 1, "{report}");
    let change = &report.changes[0];
    assert_eq!(change.what, "cannot compare");
    match &change.old_to_new {
        Verdict::Breaking(why) => why.clone(),
        other => panic!("expected a breaking verdict, got {other:?}"),
    }
}

// ---- 1. array lengths ----

fn huge_array(len: usize) -> Schema {
    load(&doc(
        &format!(r#"{{"array": {{"item": "u8", "len": {len}}}}}"#),
        "",
    ))
}

#[test]
fn a_huge_array_length_is_compared_without_expanding_the_array() {
    on_small_stack(|| {
        for len in [1usize << 60, usize::MAX, 1_000_000_000, 10_000_000] {
            let array = huge_array(len);
            array.validate().unwrap();
            assert!(check_compatible(&array, &array).changes.is_empty());

            let tuple = load(&doc(r#"{"tuple": ["u8"]}"#, ""));
            let r = check_compatible(&array, &tuple);
            assert_eq!(
                rows(&r),
                [
                    (
                        "(root)".to_string(),
                        "`[u8; N]` changed to `(u8,)` (both are sequences of the items in order)"
                            .replace('N', &len.to_string())
                    ),
                    (
                        "(root).1".to_string(),
                        format!(
                            "{} elements `u8` removed from the back (positions 1 to {})",
                            len - 1,
                            len - 1
                        )
                    ),
                ]
            );
            assert!(r.is_breaking(), "an old array reader needs every element");
            let r = check_compatible(&tuple, &array);
            assert_eq!(r.changes.len(), 2, "{r}");
            assert!(r.changes[1].what.ends_with(
                "added at the back (positions 1 to N)"
                    .replace('N', &(len - 1).to_string())
                    .as_str()
            ));

            let small = load(&doc(r#"{"array": {"item": "u8", "len": 4}}"#, ""));
            let r = check_compatible(&array, &small);
            assert_eq!(
                rows(&r),
                [(
                    "(root)".to_string(),
                    format!("array length changed from {len} to 4")
                )]
            );
            assert_eq!(r.changes[0].old_to_new, Verdict::Safe);
            assert!(r.changes[0].new_to_old.is_breaking());

            let seq = load(&doc(r#"{"seq": "u8"}"#, ""));
            let r = check_compatible(&seq, &array);
            assert_eq!(
                rows(&r),
                [(
                    "(root)".to_string(),
                    format!("`Vec<u8>` changed to `[u8; {len}]`")
                )]
            );
            let r = check_compatible(&array, &seq);
            assert_eq!(r.changes.len(), 1, "{r}");
        }
    });
}

#[test]
fn a_few_extra_array_elements_are_still_listed_one_by_one() {
    let array = load(&doc(r#"{"array": {"item": "u8", "len": 4}}"#, ""));
    let tuple = load(&doc(r#"{"tuple": ["u8", "u8"]}"#, ""));
    let r = check_compatible(&array, &tuple);
    assert_eq!(
        rows(&r)[1..],
        [
            (
                "(root).2".to_string(),
                "field `2: u8` removed from the back".to_string()
            ),
            (
                "(root).3".to_string(),
                "field `3: u8` removed from the back".to_string()
            ),
        ]
    );
}

#[test]
fn an_array_against_a_struct_compares_each_field_with_the_element_type() {
    let array = load(&doc(r#"{"array": {"item": "u16", "len": 1000000}}"#, ""));
    let fields: Vec<String> = (0..3)
        .map(|i| format!(r#"{{"name": "f{i}", "type": "u8"}}"#))
        .collect();
    let record = load(&doc(
        r#"{"named": "S"}"#,
        &format!(r#""S": {{"struct": [{}]}}"#, fields.join(",")),
    ));
    let r = check_compatible(&array, &record);
    let paths: Vec<String> = r.changes.iter().map(|c| c.path.clone()).collect();
    assert_eq!(paths, ["S", "S.f0", "S.f1", "S.f2", "S.3"], "{r}");
}

// ---- 2. recursion and depth ----

#[derive(Deserialize)]
#[allow(dead_code)]
struct Chain(Option<Box<Chain>>);

mod changed {
    #[derive(serde::Deserialize)]
    #[serde(rename = "Chain")]
    #[allow(dead_code)]
    pub struct Chain(pub Option<Box<Chain>>, pub u32);
}

#[test]
fn a_traced_recursive_type_checks_against_itself_and_a_changed_version() {
    on_small_stack(|| {
        let chain = Schema::trace::<Chain>().unwrap();
        let again = load(&chain.to_json());
        assert_eq!(again, chain);
        assert!(check_compatible(&chain, &again).changes.is_empty());

        let grown = Schema::trace::<changed::Chain>().unwrap();
        let r = check_compatible(&chain, &grown);
        assert!(r.is_breaking(), "{r}");
        assert!(
            r.changes
                .iter()
                .any(|c| c.what == "newtype struct `Chain` extended into a tuple struct"),
            "{r}"
        );
    });
}

#[test]
fn newtype_cycles_are_rejected() {
    assert_eq!(
        invalid(&doc(
            r#"{"named": "A"}"#,
            r#""A": {"newtype": {"named": "A"}}"#
        )),
        "invalid schema document: newtype `A` contains itself (`A` → `A`): reading it would read \
         no input and never end"
    );
    assert_eq!(
        invalid(&doc(
            r#""u8""#,
            r#""A": {"newtype": {"named": "B"}}, "B": {"newtype": {"named": "A"}}"#
        )),
        "invalid schema document: newtype `A` contains itself (`A` → `B` → `A`): reading it \
         would read no input and never end"
    );
    // A newtype of a struct of itself needs a value of itself: no finite value either.
    let e = invalid(&doc(
        r#""u8""#,
        r#""A": {"newtype": {"named": "S"}}, "S": {"struct": [{"name": "a", "type": {"named": "A"}}]}"#,
    ));
    assert!(e.contains("type `A` has no finite value"), "{e}");
    assert!(e.contains("(`A`, `S`)"), "{e}");
    // An enum whose every variant holds itself.
    let e = invalid(&doc(
        r#"{"named": "E"}"#,
        r#""E": {"enum": [{"name": "A", "body": {"newtype": {"tuple": ["u8", {"named": "E"}]}}}]}"#,
    ));
    assert!(e.contains("type `E` has no finite value"), "{e}");
}

#[test]
fn recursion_with_a_way_out_is_accepted() {
    for body in [
        r#"{"newtype": {"option": {"named": "A"}}}"#,
        r#"{"struct": [{"name": "next", "type": {"seq": {"named": "A"}}}]}"#,
        r#"{"struct": [{"name": "next", "type": {"map": {"key": "u8", "value": {"named": "A"}}}}]}"#,
        r#"{"struct": [{"name": "next", "type": {"array": {"item": {"named": "A"}, "len": 0}}}]}"#,
        r#"{"enum": [{"name": "End", "body": "unit"}, {"name": "More", "body": {"newtype": {"named": "A"}}}]}"#,
    ] {
        let schema = load(&doc(r#"{"named": "A"}"#, &format!(r#""A": {body}"#)));
        assert!(check_compatible(&schema, &schema).changes.is_empty());
    }
}

/// A chain of `n` named structs, each holding the next; the last holds a `u8`.
fn struct_chain(n: usize) -> Schema {
    let mut types: Vec<String> = (0..n - 1)
        .map(|i| {
            format!(
                r#""T{i}": {{"struct": [{{"name": "next", "type": {{"named": "T{}"}}}}]}}"#,
                i + 1
            )
        })
        .collect();
    types.push(format!(
        r#""T{}": {{"struct": [{{"name": "x", "type": "u8"}}]}}"#,
        n - 1
    ));
    load(&doc(r#"{"named": "T0"}"#, &types.join(",")))
}

#[test]
fn long_chains_of_named_types_stop_at_the_depth_limit() {
    on_small_stack(|| {
        for n in [10_000, 100_000] {
            let chain = struct_chain(n);
            let why = cannot_compare(&check_compatible(&chain, &chain));
            assert!(
                why.ends_with(&format!(
                    ": types nested deeper than the depth limit of {DEFAULT_MAX_DEPTH} levels"
                )),
                "{why}"
            );
            assert!(why.starts_with("T0.next.next."), "{why:.100}");
            let err = check_compatible_with(&chain, &chain, &CheckOptions::new()).unwrap_err();
            assert!(matches!(err, SchemaError::TooDeep { max_depth: 128, .. }));
        }
        // Within the limit, the full depth is compared on a 2 MiB stack.
        let chain = struct_chain(DEFAULT_MAX_DEPTH as usize - 1);
        assert!(check_compatible(&chain, &chain).changes.is_empty());
    });
}

#[test]
fn a_large_dag_of_named_types_ends_with_an_answer() {
    on_small_stack(|| {
        let n = 10_000;
        let types: Vec<String> = (0..n)
            .map(|i| {
                let field = |name: &str, j: usize| {
                    let ty = if j < n {
                        format!(r#"{{"named": "T{j}"}}"#)
                    } else {
                        r#""u8""#.to_string()
                    };
                    format!(r#"{{"name": "{name}", "type": {ty}}}"#)
                };
                format!(
                    r#""T{i}": {{"struct": [{}, {}]}}"#,
                    field("a", i + 1),
                    field("b", i + 2)
                )
            })
            .collect();
        let dag = load(&doc(r#"{"named": "T0"}"#, &types.join(",")));
        let why = cannot_compare(&check_compatible(&dag, &dag));
        assert!(why.contains("depth limit of 128 levels"), "{why:.200}");
        // Each pair of named types is compared once: with room for the whole depth (on a
        // bigger stack), the DAG compares in linear time.
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(move || {
                let deep = CheckOptions::new().with_max_depth(20_010);
                let r = check_compatible_with(&dag, &dag, &deep).unwrap();
                assert!(r.changes.is_empty());
            })
            .unwrap()
            .join()
            .unwrap();
    });
}

/// `Option<Option<…u8…>>`, `depth` levels, built without recursion.
fn nested_options(depth: usize) -> Type {
    let mut ty = Type::U8;
    for _ in 0..depth {
        ty = Type::Option(Box::new(ty));
    }
    ty
}

/// Drops a deep type without recursion (the derived `Drop` would recurse).
fn dismantle(mut ty: Type) {
    while let Type::Option(inner) = ty {
        ty = *inner;
    }
}

#[test]
fn deep_types_built_in_code_are_bounded_too() {
    on_small_stack(|| {
        let mut schema = Schema::new(nested_options(10_000));
        match schema.validate() {
            Err(SchemaError::TooDeep { at, max_depth }) => {
                assert_eq!((at.as_str(), max_depth), ("the root", 128));
            }
            other => panic!("expected TooDeep, got {other:?}"),
        }
        let shown = schema.root.to_string();
        assert_eq!(shown.len(), "Option<>".len() * 10_000 + 2);
        let why = cannot_compare(&check_compatible(&schema, &schema));
        assert_eq!(
            why,
            "the old schema: the root: types nested deeper than the depth limit of 128 levels"
        );
        dismantle(std::mem::replace(&mut schema.root, Type::Unit));

        // The limit is the document's nesting, and configurable.
        let schema = Schema::new(nested_options(127));
        schema.validate().unwrap();
        let opts = CheckOptions::new().with_max_depth(300);
        schema.validate_with(&opts).unwrap();
        assert!(schema
            .validate_with(&CheckOptions::new().with_max_depth(100))
            .is_err());
        assert!(check_compatible_with(&schema, &schema, &opts)
            .unwrap()
            .changes
            .is_empty());
    });
}

/// A chain of `n` newtypes, `N0` holding `N1` … holding a `u8`.
fn newtype_chain(n: usize) -> Schema {
    let types: Vec<String> = (0..n)
        .map(|i| {
            let inner = if i + 1 < n {
                format!(r#"{{"named": "N{}"}}"#, i + 1)
            } else {
                r#""u8""#.to_string()
            };
            format!(r#""N{i}": {{"newtype": {inner}}}"#)
        })
        .collect();
    load(&doc(r#"{"named": "N0"}"#, &types.join(",")))
}

#[test]
fn a_chain_of_66_newtypes_does_not_contain_itself() {
    on_small_stack(|| {
        let chain = newtype_chain(66);
        assert!(check_compatible(&chain, &chain).changes.is_empty());
        let plain = load(&doc(r#""u8""#, ""));
        let r = check_compatible(&chain, &plain);
        assert!(r.is_safe(), "{r}");
        assert_eq!(
            r.changes[0].what,
            "newtype `N0` in `N1` in `N2` in `N3` in `N4` in `N5` in `N6` in `N7` in … and 58 more \
             unwrapped (newtypes are transparent, §7.4)"
        );
    });
}

#[test]
fn long_chains_of_newtypes_are_too_deep() {
    on_small_stack(|| {
        let types: Vec<String> = (0..10_000)
            .map(|i| format!(r#""N{i}": {{"newtype": {{"named": "N{}"}}}}"#, i + 1))
            .chain([r#""N10000": {"newtype": "u8"}"#.to_string()])
            .collect();
        match Schema::from_json(&doc(r#"{"named": "N0"}"#, &types.join(","))) {
            Err(SchemaError::TooDeep { at, .. }) => {
                assert!(at.contains("a chain of 129 newtypes"), "{at}");
            }
            other => panic!("expected TooDeep, got {other:?}"),
        }
        // A long cycle of newtypes is named in a few words.
        let types: Vec<String> = (0..10_000)
            .map(|i| {
                format!(
                    r#""N{i}": {{"newtype": {{"named": "N{}"}}}}"#,
                    (i + 1) % 10_000
                )
            })
            .collect();
        let e = invalid(&doc(r#""u8""#, &types.join(",")));
        assert!(e.contains("… and 9992 more → `N0`"), "{e:.300}");
        assert!(e.len() < 300, "{e}");
    });
}

// ---- 3. size ----

fn wide_struct(names: impl Iterator<Item = String>) -> Schema {
    let fields: Vec<String> = names
        .map(|n| format!(r#"{{"name": "{n}", "type": "u32"}}"#))
        .collect();
    load(&doc(
        r#"{"named": "S"}"#,
        &format!(r#""S": {{"struct": [{}]}}"#, fields.join(",")),
    ))
}

#[test]
fn a_struct_with_100_000_fields_loads_and_compares_in_linear_time() {
    on_small_stack(|| {
        let n = 100_000;
        let s = wide_struct((0..n).map(|i| format!("f{i}")));
        let Container::Struct(fields) = &s.types["S"] else {
            panic!()
        };
        assert_eq!(fields.len(), n);
        assert!(check_compatible(&s, &s).changes.is_empty());

        let reversed = wide_struct((0..n).rev().map(|i| format!("f{i}")));
        let r = check_compatible(&s, &reversed);
        assert_eq!(r.changes.len(), 1);
        assert!(r.changes[0].what.len() < 300, "{}", r.changes[0].what);
        assert!(r.changes[0]
            .what
            .starts_with("fields reordered: `f0`, `f1`, `f2`, `f3`, `f4`, `f5`, `f6`, `f7`, … and 99992 more became `f99999`"));

        // 100,000 fields inserted at the front.
        let grown = wide_struct((0..2 * n).map(|i| format!("f{}", (i + n) % (2 * n))));
        let r = check_compatible(&s, &grown);
        assert_eq!(r.changes.len(), n);

        let dup = doc(
            r#"{"named": "S"}"#,
            &format!(
                r#""S": {{"struct": [{}]}}"#,
                (0..n)
                    .map(|i| format!(r#"{{"name": "f{}", "type": "u8"}}"#, i % (n - 1)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        assert_eq!(
            invalid(&dup),
            format!("invalid schema document: `S` has two fields named `f0`")
        );

        let e = s.with_default("S.nope").unwrap_err().to_string();
        assert!(e.ends_with("`f6`, `f7`, … and 99992 more)"), "{e:.300}");
    });
}

#[test]
fn an_enum_with_100_000_variants_loads_and_compares_in_linear_time() {
    on_small_stack(|| {
        let n = 100_000;
        let enum_of = |names: Vec<String>| {
            let variants: Vec<String> = names
                .iter()
                .map(|v| format!(r#"{{"name": "{v}", "body": {{"newtype": "u8"}}}}"#))
                .collect();
            load(&doc(
                r#"{"named": "E"}"#,
                &format!(r#""E": {{"enum": [{}]}}"#, variants.join(",")),
            ))
        };
        let e = enum_of((0..n).map(|i| format!("V{i}")).collect());
        assert!(check_compatible(&e, &e).changes.is_empty());
        let mut swapped: Vec<String> = (0..n).map(|i| format!("V{i}")).collect();
        swapped.swap(0, n - 1);
        let r = check_compatible(&e, &enum_of(swapped));
        assert_eq!(r.changes.len(), 1, "{}", r.changes.len());
        assert!(r.changes[0].what.contains("… and 99992 more"));
        assert!(r.is_breaking());
    });
}

// ---- 7. documents and reports ----

#[test]
fn duplicate_type_names_are_rejected() {
    let json = doc(
        r#"{"named": "A"}"#,
        r#""A": "unit_struct", "A": {"struct": [{"name": "x", "type": "u8"}]}"#,
    );
    let e = invalid(&json);
    assert!(e.contains("type `A` is defined twice in \"types\""), "{e}");
}

#[test]
fn only_a_json_object_is_a_document() {
    for json in [r#"[1, "u8"]"#, r#" [1, "u8", {}]"#] {
        let e = invalid(json);
        assert!(
            e.contains("a schema document is a JSON object"),
            "{json}: {e}"
        );
    }
    for json in [r#""u8""#, "1", "null", "", "0a 0b"] {
        assert!(
            matches!(Schema::from_json(json), Err(SchemaError::Json(_))),
            "{json}"
        );
    }
    assert!(Schema::from_json(" \n{\"evowire_schema\": 1, \"root\": \"u8\"}").is_ok());
}

#[test]
fn a_reorder_does_not_hide_the_other_changes() {
    let struct_of = |fields: &str| {
        load(&doc(
            r#"{"named": "S"}"#,
            &format!(r#""S": {{"struct": [{fields}]}}"#),
        ))
    };
    let old = struct_of(
        r#"{"name": "a", "type": "u32"}, {"name": "b", "type": "u32"}, {"name": "c", "type": "i32"}"#,
    );
    let new = struct_of(
        r#"{"name": "b", "type": "u32"}, {"name": "a", "type": "u32"}, {"name": "c", "type": "u32"},
           {"name": "d", "type": "u8", "default": true}"#,
    );
    let r = check_compatible(&old, &new);
    assert_eq!(
        rows(&r),
        [
            (
                "S".to_string(),
                "fields reordered: `a`, `b`, `c` became `b`, `a`, `c`, `d`".to_string()
            ),
            (
                "S.c".to_string(),
                "type changed from `i32` to `u32`".to_string()
            ),
            (
                "S.d".to_string(),
                "field `d: u8` added at the back".to_string()
            ),
        ]
    );
    assert!(r
        .to_string()
        .contains("3 changes: 2 breaking, 0 safe with conditions, 1 safe"));

    // The same for variants: a moved variant, then a changed body.
    let enum_of = |variants: &str| {
        load(&doc(
            r#"{"named": "E"}"#,
            &format!(r#""E": {{"enum": [{variants}]}}"#),
        ))
    };
    let old = enum_of(
        r#"{"name": "A", "body": "unit"}, {"name": "B", "body": "unit"}, {"name": "C", "body": {"newtype": "i8"}}"#,
    );
    let new = enum_of(
        r#"{"name": "B", "body": "unit"}, {"name": "A", "body": "unit"}, {"name": "C", "body": {"newtype": "u8"}}"#,
    );
    let r = check_compatible(&old, &new);
    assert_eq!(
        rows(&r),
        [
            (
                "E".to_string(),
                "variants reordered: `A`, `B`, `C` became `B`, `A`, `C`".to_string()
            ),
            (
                "E::C".to_string(),
                "type changed from `i8` to `u8`".to_string()
            ),
        ]
    );
}

#[test]
fn a_field_list_from_code_with_many_names_is_cut_short_in_messages() {
    let mut schema = Schema::new(Type::Named("S".into()));
    schema.types.insert(
        "S".into(),
        Container::Struct(
            (0..20)
                .map(|i| Field::new(format!("f{i}"), Type::U8))
                .collect(),
        ),
    );
    let e = schema.with_default("S.x").unwrap_err().to_string();
    assert_eq!(
        e,
        "`S.x`: no field `x` (it has `f0`, `f1`, `f2`, `f3`, `f4`, `f5`, `f6`, `f7`, … and 12 more)"
    );
}
