//! Untrusted schema documents and messages: every command ends with a result or a clear
//! error (exit status 0, 1 or 2), never a panic, an abort or a stack overflow, and says
//! what is wrong in plain words.

mod common;

use common::{assert_clean_exit, show, text, Scratch};
use evowire::wire::{encode_varint, WireType};
use evowire_schema::Schema;
use serde::{Deserialize, Serialize};

fn doc(root: &str, types: &str) -> String {
    format!(r#"{{"evowire_schema":1,"root":{root},"types":{{{types}}}}}"#)
}

// 1. Arrays are an element type and a length: no per-element expansion.

#[test]
fn huge_arrays_are_never_expanded() {
    let dir = Scratch::new("huge-array");
    for len in ["1152921504606846976", "1000000000", "10000000"] {
        let schema = dir.file(
            "array.json",
            format!(r#"{{"evowire_schema":1,"root":{{"array":{{"item":"u8","len":{len}}}}}}}"#),
        );
        let started = std::time::Instant::now();
        let out = dir.run(&["encode", "-s", &schema], b"[1, 2]");
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert_eq!(
            text(&out.stderr),
            format!(
                "error: `message` ([u8; {len}]) needs {len} elements (element 2 has no default), \
                 the array has 2\n"
            )
        );
        let out = dir.run(&["json", "-s", &schema, "--hex"], b"13 08 10");
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert_eq!(
            text(&out.stderr),
            "error: `message` has 2 items, and the schema gives its field `2` no default at \
             byte offset 0\n"
        );
        assert!(
            started.elapsed().as_secs() < 10,
            "{len}: {:?}",
            started.elapsed()
        );
    }
    // A short array still works both ways.
    let schema = dir.file(
        "four.json",
        r#"{"evowire_schema":1,"root":{"array":{"item":"u8","len":3}}}"#,
    );
    let out = dir.run(&["encode", "-s", &schema, "--hex"], b"[1, 2, 3]");
    assert_eq!(text(&out.stdout), "1b 08 10 18\n", "{}", show(&out));
    let out = dir.run(
        &["json", "-s", &schema, "--hex", "--compact"],
        b"1b 08 10 18",
    );
    assert_eq!(text(&out.stdout), "[1,2,3]\n", "{}", show(&out));
}

// 2. Recursive types, newtype cycles and long chains of named types.

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Chain(Option<Box<Chain>>);

#[test]
fn a_recursive_newtype_is_walked_to_the_depth_bound() {
    let dir = Scratch::new("chain");
    let schema = dir.file("chain.json", Schema::trace::<Chain>().unwrap().to_json());
    // `{}` is no value of `Chain` (null, or {"some": …}).
    let out = dir.run(&["encode", "-s", &schema], b"{}");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        text(&out.stderr),
        "error: expected null or {\"some\": …} for `Chain` (Option<Chain>), found an object\n"
    );
    // 100 levels: written, and read back.
    let nested = |n: usize| format!("{}null{}", "{\"some\":".repeat(n), "}".repeat(n));
    let out = dir.run(&["encode", "-s", &schema], nested(100).as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let mut value = Chain(None);
    for _ in 0..100 {
        value = Chain(Some(Box::new(value)));
    }
    assert_eq!(out.stdout, evowire::to_vec(&value).unwrap());
    let back = dir.run(&["json", "-s", &schema, "--compact"], &out.stdout);
    assert_eq!(
        text(&back.stdout),
        format!("{}\n", nested(100)),
        "{}",
        show(&back)
    );
    // 200 levels: deeper than the decoders accept, unless asked.
    let out = dir.run(&["encode", "-s", &schema], nested(200).as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        text(&out.stderr),
        "error: `Chain` would nest deeper than 128 levels, which decoders refuse (see --max-depth)\n"
    );
    let out = dir.run(
        &["encode", "-s", &schema, "--max-depth", "300"],
        nested(200).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let deep = out.stdout;
    let out = dir.run(&["json", "-s", &schema], &deep);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        text(&out.stderr),
        "error: nesting deeper than 128 levels (see --max-depth) at byte offset 128\n"
    );
    let out = dir.run(
        &["json", "-s", &schema, "--compact", "--max-depth", "201"],
        &deep,
    );
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", nested(200)),
        "{}",
        show(&out)
    );
    // The most the commands take, on input as deep as it gets: 1023 `Some`s and a `None`.
    let out = dir.run(
        &["encode", "-s", &schema, "--max-depth", "1024"],
        nested(1023).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = dir.run(&["json", "-s", &schema, "--max-depth", "1024"], &out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = dir.run(&["json", "-s", &schema, "--max-depth", "1025"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

#[derive(Serialize, Deserialize)]
struct Node {
    next: Option<Box<Node>>,
}

#[test]
fn encode_refuses_output_the_decoders_refuse() {
    let dir = Scratch::new("nodes");
    let schema = dir.file("node.json", Schema::trace::<Node>().unwrap().to_json());
    // 100 nested `Node`s: a struct and an option each, 200 levels.
    let json = format!("{}null{}", "{\"next\":".repeat(100), "}".repeat(100));
    let out = dir.run(&["encode", "-s", &schema], json.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("would nest deeper than 128 levels, which decoders refuse"),
        "{}",
        show(&out)
    );
    // 60 of them fit.
    let json = format!("{}null{}", "{\"next\":".repeat(60), "}".repeat(60));
    let out = dir.run(&["encode", "-s", &schema], json.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    evowire::from_slice::<Node>(&out.stdout).unwrap();
}

#[test]
fn newtype_cycles_are_errors() {
    let dir = Scratch::new("cycles");
    for types in [
        r#""A":{"newtype":{"named":"A"}}"#,
        r#""A":{"newtype":{"named":"B"}},"B":{"newtype":{"named":"A"}}"#,
        r#""A":{"newtype":{"named":"B"}},"B":{"newtype":{"named":"C"}},"C":{"newtype":{"named":"A"}}"#,
    ] {
        let schema = dir.file("cycle.json", doc(r#"{"named":"A"}"#, types));
        for (args, stdin) in [
            (vec!["encode", "-s", &schema], &b"null"[..]),
            (vec!["encode", "-s", &schema], b"{}"),
            (vec!["json", "-s", &schema, "--hex"], b"00"),
            (vec!["json", "-s", &schema, "--hex"], b"0b 00"),
        ] {
            let out = dir.run(&args, stdin);
            assert_clean_exit(&out);
            assert_ne!(out.status.code(), Some(0), "{}", show(&out));
            let err = text(&out.stderr);
            // This crate's words, or the schema library's when it rejects the document.
            assert!(
                err.contains("contains itself") || out.status.code() == Some(2),
                "{}",
                show(&out)
            );
        }
    }
}

/// `T0` → `T1` → … → `Tn-1` → `u8`, all newtypes, or all one-field structs.
fn chain_doc(n: usize, structs: bool) -> String {
    let mut types = Vec::with_capacity(n);
    for i in 0..n {
        let next = if i + 1 == n {
            "\"u8\"".to_string()
        } else {
            format!("{{\"named\":\"T{}\"}}", i + 1)
        };
        types.push(if structs {
            format!("\"T{i}\":{{\"struct\":[{{\"name\":\"f\",\"type\":{next}}}]}}")
        } else {
            format!("\"T{i}\":{{\"newtype\":{next}}}")
        });
    }
    doc(r#"{"named":"T0"}"#, &types.join(","))
}

#[test]
fn long_chains_of_named_types() {
    let dir = Scratch::new("long-chains");
    // The schema library refuses newtype chains longer than its depth limit, with words.
    let too_long = dir.file("too-long.json", chain_doc(100_000, false));
    for args in [
        vec!["encode", "-s", &too_long, "--hex"],
        vec!["json", "-s", &too_long, "--hex"],
    ] {
        let out = dir.run(&args, b"38");
        assert_clean_exit(&out);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains("chain of 129 newtypes") && err.contains("depth limit of 128"),
            "{}",
            show(&out)
        );
    }
    // Within the limit, a chain is as transparent as one newtype.
    let newtypes = dir.file("newtypes.json", chain_doc(100, false));
    let out = dir.run(&["encode", "-s", &newtypes, "--hex"], b"7");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "38\n".into()),
        "{}",
        show(&out)
    );
    let out = dir.run(&["json", "-s", &newtypes, "--hex"], b"38");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "7\n".into()),
        "{}",
        show(&out)
    );

    let structs = dir.file("structs.json", chain_doc(10_000, true));
    let json = format!("{}7{}", "{\"f\":".repeat(10_000), "}".repeat(10_000));
    let out = dir.run(&["encode", "-s", &structs], json.as_bytes());
    assert_clean_exit(&out);
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    let deep: Vec<u8> = [0x0b; 10_000].into_iter().chain([0x38]).collect();
    let out = dir.run(&["json", "-s", &structs], &deep);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("nesting deeper than 128 levels"),
        "{}",
        show(&out)
    );
    let out = dir.run(&["compat", &structs, &structs], b"");
    assert_clean_exit(&out);
}

// 4. `dump` reports errors from its own walk: the walker's words, no second decode.

#[test]
fn reserved_tags_are_named_in_plain_words() {
    let dir = Scratch::new("reserved");
    let out = dir.run(&["dump", "--hex"], b"07");
    assert_eq!(
        text(&out.stderr),
        "error: reserved tag 0x07 at byte offset 0\n"
    );
    let v1 = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/order-v1.schema.json");
    let out = dir.run(&["json", "-s", v1.to_str().unwrap(), "--hex"], b"13 08 07");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: reserved tag 0x07 at byte offset 2\n"
    );
    assert!(!text(&out.stderr).contains("deserialize_any"));
}

#[test]
fn hex_text_without_hex_gets_a_hint() {
    let dir = Scratch::new("hint");
    let out = dir.run(&["dump"], b"1b 38 1c 45 56 4f 18\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: reserved tag 0x31 at byte offset 0\n\
         hint: the input looks like hex text; read it with --hex\n"
    );
    let v1 = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/order-v1.schema.json");
    let out = dir.run(&["json", "-s", v1.to_str().unwrap()], b"0x1b, 0x38\n");
    assert!(
        text(&out.stderr).ends_with("hint: the input looks like hex text; read it with --hex\n"),
        "{}",
        show(&out)
    );
}

#[test]
fn hex_input_takes_0x_commas_brackets_and_xxd() {
    let dir = Scratch::new("hex-forms");
    let expected = dir.run(&["dump", "--hex"], b"1b 38 1c 45 56 4f 18");
    assert_eq!(expected.status.code(), Some(0));
    for form in [
        &b"[0x1b, 0x38, 0x1c, 0x45, 0x56, 0x4f, 0x18]"[..],
        b"0x1b,0x38,0x1c,0x45,0x56,0x4f,0x18",
        b"1b381c45564f18",
        b"00000000: 1b38 1c45 564f 18                        .8.EVO.\n",
    ] {
        let out = dir.run(&["dump", "--hex"], form);
        assert_eq!(out.stdout, expected.stdout, "{}", show(&out));
    }
}

// 5. `encode` refuses values beyond their type, in plain words.

#[test]
fn encode_range_errors_say_what_does_not_fit() {
    let dir = Scratch::new("ranges");
    let schema = |root: &str| format!(r#"{{"evowire_schema":1,"root":"{root}"}}"#);
    let cases: &[(&str, &str, &str)] = &[
        ("f32", "1e39", "error: 1e39 does not fit in f32 (the largest is 3.4028235e38), for `message`\n"),
        ("f32", "-1e39", "error: -1e39 does not fit in f32 (the largest is 3.4028235e38), for `message`\n"),
        ("u64", "1e20", "error: 1e20 does not fit in u64, for `message`\n"),
        ("u64", "18446744073709551616", "error: 1.8446744073709552e19 does not fit in u64, for `message`\n"),
        ("i64", "-1e19", "error: -1e19 does not fit in i64, for `message`\n"),
        ("u32", "5000000000", "error: 5000000000 is out of range for `message` (u32)\n"),
        ("u8", "2.5", "error: 2.5 is not an integer, for `message` (u8)\n"),
        ("u128", "340282366920938463463374607431768211455",
         "error: `message` (u128): 3.402823669209385e38 is a JSON number beyond 64 bits, which \
          loses digits; u128 values are written as JSON strings, e.g. \"340282366920938463463374607431768211455\"\n"),
        ("f64", "\"fast\"", "error: \"fast\" is not a float, for `message` (f64): write a number, \"NaN\", \"inf\", \"-inf\" or \"f64:0x\" and the bits in hex\n"),
    ];
    for (ty, json, err) in cases {
        let path = dir.file("s.json", schema(ty));
        let out = dir.run(&["encode", "-s", &path], json.as_bytes());
        assert_eq!(
            (out.status.code(), text(&out.stderr).as_str()),
            (Some(1), *err),
            "{ty} {json}"
        );
    }
    // What fits is written, as the format writes it.
    let hex = |bytes: Vec<u8>| {
        let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        pairs.join(" ") + "\n"
    };
    for (ty, json, bytes) in [
        ("f32", "3.4028235e38", evowire::to_vec(&f32::MAX).unwrap()),
        ("u64", "1e3", evowire::to_vec(&1000u64).unwrap()),
        (
            "u128",
            "\"340282366920938463463374607431768211455\"",
            evowire::to_vec(&u128::MAX).unwrap(),
        ),
    ] {
        let path = dir.file("s.json", schema(ty));
        let out = dir.run(&["encode", "-s", &path, "--hex"], json.as_bytes());
        assert_eq!(
            (out.status.code(), text(&out.stdout)),
            (Some(0), hex(bytes)),
            "{}",
            show(&out)
        );
    }
}

// 7. Schema documents: only objects.

#[test]
fn a_json_array_is_no_schema_document() {
    let dir = Scratch::new("array-doc");
    let path = dir.file("array.json", r#"[1, "u8", {}]"#);
    for args in [
        vec!["compat", path.as_str(), path.as_str()],
        vec!["json", "-s", path.as_str()],
        vec!["encode", "-s", path.as_str()],
    ] {
        let out = dir.run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(
            text(&out.stderr)
                .ends_with("not a schema document: expected a JSON object, found an array\n"),
            "{}",
            show(&out)
        );
    }
}

/// Random bytes as messages and random documents: never a panic.
#[test]
fn garbage_in_clean_exit_out() {
    let dir = Scratch::new("garbage");
    let v2 = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/order-v2.schema.json");
    let v2 = v2.to_str().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..40 {
        let len = (next() % 64) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 4 == 0 {
            // Start with a plausible sequence header.
            bytes.splice(
                0..0,
                encode_varint(WireType::Sequence, next() % 9)
                    .as_slice()
                    .to_vec(),
            );
        }
        for args in [
            vec!["dump"],
            vec!["json", "-s", v2],
            vec!["dump", "--concat"],
            vec!["json", "--frames", "-s", v2],
        ] {
            assert_clean_exit(&dir.run(&args, &bytes));
        }
        assert_clean_exit(&dir.run(&["encode", "-s", v2], &bytes));
    }
}
