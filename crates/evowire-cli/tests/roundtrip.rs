//! `evowire json | evowire encode` gives back the bytes it was given: exact floats, NaN
//! payloads, `Some(None)` apart from `None`, wide integers, maps in their order; and the
//! stream forms (`--concat`, `--frames`) carry many messages at once.

mod common;

use std::collections::BTreeMap;

use common::{show, text, Scratch};
use evowire_schema::Schema;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Meters(i16);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    Dot,
    Circle(f32),
    Rect(u16, u16),
    Poly { points: Vec<(i8, i8)> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Rich {
    wide: f64,
    narrow: f32,
    maybe_maybe: Option<Option<u8>>,
    maybe_unit: Option<()>,
    maybe_marker: Option<Option<Unit>>,
    maybe_meters: Option<Meters>,
    big: u128,
    small: i128,
    letter: char,
    name: String,
    #[serde(with = "serde_bytes")]
    raw: Vec<u8>,
    by_id: BTreeMap<u16, bool>,
    by_pair: BTreeMap<(u8, u8), String>,
    arr: [u32; 3],
    shapes: Vec<Shape>,
    pair: (i64, Option<bool>),
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Dot),
        any::<u32>().prop_map(|b| Shape::Circle(f32::from_bits(b))),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Shape::Rect(a, b)),
        prop::collection::vec(any::<(i8, i8)>(), 0..3).prop_map(|points| Shape::Poly { points }),
    ]
}

prop_compose! {
    fn rich()(
        wide in any::<u64>().prop_map(f64::from_bits),
        narrow in any::<u32>().prop_map(f32::from_bits),
        maybe_maybe in any::<Option<Option<u8>>>(),
        maybe_unit in any::<Option<()>>(),
        maybe_marker in any::<Option<Option<()>>>().prop_map(|o| o.map(|i| i.map(|()| Unit))),
        maybe_meters in any::<Option<i16>>().prop_map(|o| o.map(Meters)),
        big in any::<u128>(),
        small in any::<i128>(),
        letter in any::<char>(),
        name in ".{0,8}",
        raw in prop::collection::vec(any::<u8>(), 0..8),
        by_id in prop::collection::btree_map(any::<u16>(), any::<bool>(), 0..4),
        by_pair in prop::collection::btree_map(any::<(u8, u8)>(), ".{0,3}", 0..3),
        arr in any::<[u32; 3]>(),
        shapes in prop::collection::vec(shape(), 0..4),
        pair in any::<(i64, Option<bool>)>(),
    ) -> Rich {
        Rich {
            wide, narrow, maybe_maybe, maybe_unit, maybe_marker, maybe_meters, big, small,
            letter, name, raw, by_id, by_pair, arr, shapes, pair,
        }
    }
}

/// Runs `json` then `encode` over `bytes` and returns what came back.
fn json_then_encode(dir: &Scratch, schema: &str, bytes: &[u8], stream: &[&str]) -> Vec<u8> {
    let mut args = vec!["json", "-s", schema, "--compact", "--quiet"];
    args.extend_from_slice(stream);
    let json = dir.run(&args, bytes);
    assert_eq!(json.status.code(), Some(0), "{}", show(&json));
    let mut args = vec!["encode", "-s", schema];
    args.extend(stream.iter().filter(|a| **a == "--frames"));
    let back = dir.run(&args, &json.stdout);
    assert_eq!(back.status.code(), Some(0), "{}", show(&back));
    back.stdout
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Many values of a type that has every kind of item, as messages back to back.
    #[test]
    fn json_then_encode_gives_back_the_same_bytes(values in prop::collection::vec(rich(), 1..24)) {
        let dir = Scratch::new("prop");
        let schema = dir.file("rich.json", Schema::trace::<Rich>().unwrap().to_json());
        let mut bytes = Vec::new();
        let mut framed = Vec::new();
        for v in &values {
            let one = evowire::to_vec(v).unwrap();
            framed.extend_from_slice(&(one.len() as u32).to_be_bytes());
            framed.extend_from_slice(&one);
            bytes.extend_from_slice(&one);
        }
        prop_assert_eq!(json_then_encode(&dir, &schema, &bytes, &["--concat"]), bytes);
        prop_assert_eq!(json_then_encode(&dir, &schema, &framed, &["--frames"]), framed);
    }
}

#[test]
fn nested_options_keep_some_none_apart_from_none() {
    let dir = Scratch::new("options");
    let schema = dir.file(
        "o.json",
        Schema::trace::<Vec<Option<Option<Option<u8>>>>>()
            .unwrap()
            .to_json(),
    );
    let value: Vec<Option<Option<Option<u8>>>> =
        vec![None, Some(None), Some(Some(None)), Some(Some(Some(7)))];
    let bytes = evowire::to_vec(&value).unwrap();
    let json = dir.run(&["json", "-s", &schema, "--compact"], &bytes);
    assert_eq!(
        text(&json.stdout),
        "[null,{\"some\":null},{\"some\":{\"some\":null}},{\"some\":{\"some\":7}}]\n"
    );
    let back = dir.run(&["encode", "-s", &schema], &json.stdout);
    assert_eq!(back.stdout, bytes, "{}", show(&back));
    // Option<()>: `Some(())` is not `None` either.
    let schema = dir.file(
        "u.json",
        Schema::trace::<Vec<Option<()>>>().unwrap().to_json(),
    );
    let bytes = evowire::to_vec(&vec![None, Some(())]).unwrap();
    let json = dir.run(&["json", "-s", &schema, "--compact"], &bytes);
    assert_eq!(text(&json.stdout), "[null,{\"some\":null}]\n");
    let back = dir.run(&["encode", "-s", &schema], &json.stdout);
    assert_eq!(back.stdout, bytes);
}

#[test]
fn floats_keep_every_bit() {
    let dir = Scratch::new("floats");
    let schema = dir.file(
        "f.json",
        Schema::trace::<(Vec<f64>, Vec<f32>)>().unwrap().to_json(),
    );
    let wide = vec![
        0.1,
        1.0 / 3.0,
        f64::MIN_POSITIVE,
        5e-324,
        -0.0,
        f64::MAX,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff8_0000_0000_0001),
        f64::INFINITY,
        f64::NEG_INFINITY,
        // Values whose last bit serde_json's default float parser gets wrong.
        f64::from_bits(0x000f_ffff_ffff_ffff),
        9_007_199_254_740_992.0,
        0.30000000000000004,
    ];
    let narrow = vec![
        0.1f32,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-45,
        f32::NAN,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xffff_ffff),
    ];
    let bytes = evowire::to_vec(&(wide, narrow)).unwrap();
    let json = dir.run(&["json", "-s", &schema, "--compact"], &bytes);
    let printed = text(&json.stdout);
    assert!(
        printed.contains(
            "\"NaN\",\"f64:0xfff8000000000000\",\"f64:0x7ff8000000000001\",\"inf\",\"-inf\""
        ),
        "{printed}"
    );
    assert!(
        printed.contains("\"f32:0x7fc00001\",\"f32:0xffffffff\""),
        "{printed}"
    );
    let back = dir.run(&["encode", "-s", &schema], &json.stdout);
    assert_eq!(back.stdout, bytes, "{}", show(&back));
    // Random f64 bit patterns, many per run.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let values: Vec<f64> = (0..20_000)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            f64::from_bits(state)
        })
        .collect();
    let schema = dir.file("v.json", Schema::trace::<Vec<f64>>().unwrap().to_json());
    let bytes = evowire::to_vec(&values).unwrap();
    assert_eq!(json_then_encode(&dir, &schema, &bytes, &[]), bytes);
}

#[test]
fn what_encode_writes_in_another_form_is_noted() {
    let dir = Scratch::new("reshaped");
    let schema = dir.file(
        "s.json",
        Schema::trace::<(bool, (), Option<u8>, u32)>()
            .unwrap()
            .to_json(),
    );
    // bool 2, unit as a string, None with a body, 7 as an overlong varint.
    let out = dir.run(
        &["json", "-s", &schema, "--hex", "--compact"],
        b"23 10 0c 61 05 08 b8 80 00",
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(text(&out.stdout), "[true,null,null,7]\n");
    assert_eq!(
        text(&out.stderr),
        "note: `message.0` is the bool 2 at byte offset 1 (encode writes 1)\n\
         note: `message.1` is `()` written as bytes at byte offset 2 (encode writes 0)\n\
         note: `message.2`: the body at byte offset 5 is not `()`; readers skip it, encode writes `()`\n\
         note: `message.3`: the header at byte offset 6 takes 3 bytes where 1 suffice (encode writes the short form)\n"
    );
    let quiet = dir.run(
        &["json", "-s", &schema, "--hex", "--quiet"],
        b"23 10 0c 61 05 08 b8 80 00",
    );
    assert_eq!(
        (quiet.status.code(), text(&quiet.stderr)),
        (Some(0), String::new())
    );
}

#[derive(Serialize, Deserialize)]
struct RecV1 {
    id: u32,
}

#[derive(Serialize, Deserialize)]
struct RecV2 {
    id: u32,
    #[serde(default)]
    note: Option<String>,
}

#[test]
fn many_notes_are_summed_up() {
    let dir = Scratch::new("summary");
    let schema = dir.file("v2.json", Schema::trace::<Vec<RecV2>>().unwrap().to_json());
    let records: Vec<RecV1> = (0..1000).map(|id| RecV1 { id }).collect();
    let out = dir.run(
        &["json", "-s", &schema, "--compact"],
        &evowire::to_vec(&records).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 11, "{stderr}");
    assert_eq!(
        lines[0],
        "note: `message[0].note` is missing: readers use its default"
    );
    assert_eq!(
        lines[10],
        "note: 1000 notes in all, the first 10 above; by kind: 1000 fields missing or absent (readers use defaults)"
    );
}

#[test]
fn streams_of_messages() {
    let dir = Scratch::new("streams");
    let schema = dir.file("u.json", Schema::trace::<u8>().unwrap().to_json());
    // Three messages back to back: one, without --concat, is followed by trailing bytes.
    let out = dir.run(&["json", "-s", &schema, "--hex"], b"08 10 18");
    assert_eq!(out.status.code(), Some(1));
    let out = dir.run(&["json", "-s", &schema, "--hex", "--concat"], b"08 10 18");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "1\n2\n3\n".into())
    );
    let out = dir.run(&["dump", "--hex", "--concat"], b"08 10 18");
    assert_eq!(
        text(&out.stdout),
        "# message 1 at byte 0\n0  integer 1 (zig-zag: -1)\n\
         # message 2 at byte 1\n1  integer 2 (zig-zag: 1)\n\
         # message 3 at byte 2\n2  integer 3 (zig-zag: -2)\n"
    );
    // A bad second message: the first is printed, the error names the second.
    let out = dir.run(&["json", "-s", &schema, "--hex", "--concat"], b"08 0c 61");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "1\n");
    assert_eq!(
        text(&out.stderr),
        "error: message 2 (from byte 1): expected an integer (wire type 0, 1 or 2) for `message` (u8), found bytes (wire type 4) at byte offset 1\n"
    );
    // Frames: a 4-byte big-endian length before each message.
    let framed = b"00 00 00 01 08 00 00 00 01 10";
    let out = dir.run(&["json", "-s", &schema, "--hex", "--frames"], framed);
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "1\n2\n".into())
    );
    let out = dir.run(&["dump", "--hex", "--frames"], framed);
    assert_eq!(
        text(&out.stdout),
        "# frame 1 (bytes 0..5)\n0  integer 1 (zig-zag: -1)\n# frame 2 (bytes 5..10)\n0  integer 2 (zig-zag: 1)\n"
    );
    let out = dir.run(&["encode", "-s", &schema, "--frames", "--hex"], b"1 2");
    assert_eq!(text(&out.stdout), "00 00 00 01 08\n00 00 00 01 10\n");
    let out = dir.run(&["dump", "--hex", "--frames"], b"00 00 00 05 08");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: frame 1 at byte 0: the length prefix says 5 bytes, 1 are left\n"
    );
    let out = dir.run(&["dump", "--hex", "--frames"], b"00 00 00 02 08 08");
    assert_eq!(
        text(&out.stderr),
        "error: frame 1 (bytes 0..6): trailing bytes after the value at byte offset 1\n"
    );
}
