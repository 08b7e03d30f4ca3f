//! Runs the real `evowire` binary on the fixtures in `tests/fixtures/` and checks its exact
//! output and exit status.
//!
//! The schema and message fixtures are generated from the types below; run with
//! `EVOWIRE_BLESS=1` to rewrite them after changing the types.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use evowire_schema::Schema;
use serde::{Deserialize, Serialize};

mod v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub side: Side,
        pub qty: u32,
        pub price: f64,
        pub tags: Vec<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub enum Side {
        Buy,
        Sell,
        #[serde(other)]
        Unknown,
    }
}

mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub side: Side,
        pub qty: u64,
        pub price: f64,
        pub tags: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub note: Option<String>,
        #[serde(default)]
        pub legs: Vec<Leg>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub enum Side {
        Buy,
        Sell,
        Short {
            locate: String,
        },
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Leg {
        pub venue: String,
        pub fill: (i32, Option<bool>),
    }
}

mod broken {
    use super::*;

    /// `qty` became signed and `price` moved before it.
    #[derive(Serialize, Deserialize)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub side: v1::Side,
        pub price: f64,
        pub qty: i32,
        pub tags: Vec<String>,
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn v1_order() -> v1::Order {
    v1::Order {
        id: 7,
        symbol: "EVO".into(),
        side: v1::Side::Sell,
        qty: 300,
        price: 12.5,
        tags: vec!["rush".into()],
    }
}

fn v2_order() -> v2::Order {
    v2::Order {
        id: 8,
        symbol: "EVO".into(),
        side: v2::Side::Short {
            locate: "L1".into(),
        },
        qty: 5_000_000_000,
        price: -0.25,
        tags: vec![],
        note: None,
        legs: vec![v2::Leg {
            venue: "X".into(),
            fill: (-3, Some(true)),
        }],
    }
}

/// Writes (with `EVOWIRE_BLESS=1`) or checks every generated fixture.
#[test]
fn fixtures_are_generated_from_the_types() {
    let hex = |bytes: &[u8]| {
        let mut s = bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        s.push('\n');
        s
    };
    let files = [
        (
            "order-v1.schema.json",
            Schema::trace::<v1::Order>().unwrap().to_json(),
        ),
        (
            "order-v2.schema.json",
            Schema::trace::<v2::Order>().unwrap().to_json(),
        ),
        (
            "order-broken.schema.json",
            Schema::trace::<broken::Order>().unwrap().to_json(),
        ),
        ("order-v1.hex", hex(&evowire::to_vec(&v1_order()).unwrap())),
        ("order-v2.hex", hex(&evowire::to_vec(&v2_order()).unwrap())),
    ];
    let bless = std::env::var_os("EVOWIRE_BLESS").is_some();
    for (name, content) in files {
        if bless {
            std::fs::write(fixture(name), &content).unwrap();
        } else {
            assert_eq!(
                read_fixture(name),
                content,
                "{name} is stale: run with EVOWIRE_BLESS=1"
            );
        }
    }
}

fn evowire(args: &[&str], stdin: &[u8]) -> Output {
    common::evowire_in(&fixture(""), args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Asserts the exit status, stdout and stderr, all exact.
#[track_caller]
fn expect(out: &Output, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (
            out.status.code(),
            text(&out.stdout).as_str(),
            text(&out.stderr).as_str()
        ),
        (Some(code), stdout, stderr)
    );
}

fn lines(lines: &[&str]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

const V1_DUMP: &[&str] = &[
    " 0  sequence, 6 items",
    " 1    integer 7 (zig-zag: -4)",
    " 2    bytes, 3: \"EVO\"",
    " 6    variant 1",
    " 7      integer 0 (zig-zag: 0)",
    " 8    integer 300 (zig-zag: 150)",
    "10    fixed64 0x4029000000000000: f64 12.5, u64 4623226492472524800, i64 4623226492472524800",
    "19    sequence, 1 item",
    "20      bytes, 4: \"rush\"",
];

#[test]
fn dump_prints_the_tree_of_a_file() {
    let bytes = evowire::to_vec(&v1_order()).unwrap();
    let path = std::env::temp_dir().join(format!("evowire-cli-test-{}.bin", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = evowire(&["dump", path.to_str().unwrap()], b"");
    std::fs::remove_file(&path).unwrap();
    expect(&out, 0, &lines(V1_DUMP), "");
}

#[test]
fn dump_reads_raw_bytes_from_stdin() {
    let bytes = evowire::to_vec(&v1_order()).unwrap();
    expect(&evowire(&["dump"], &bytes), 0, &lines(V1_DUMP), "");
    expect(&evowire(&["dump", "-"], &bytes), 0, &lines(V1_DUMP), "");
}

#[test]
fn dump_reads_hex_in_either_case_with_whitespace() {
    expect(
        &evowire(&["dump", "--hex", "order-v1.hex"], b""),
        0,
        &lines(V1_DUMP),
        "",
    );
    let upper = read_fixture("order-v1.hex")
        .to_uppercase()
        .replace(' ', "\n\t ");
    expect(
        &evowire(&["dump", "--hex", "-"], upper.as_bytes()),
        0,
        &lines(V1_DUMP),
        "",
    );
}

#[test]
fn dump_shows_signed_fixed_absent_and_non_utf8_items() {
    let out = evowire(
        &["dump", "--hex"],
        b"2b 08 06 0d 88 01 01 fe ff ff ff 14 ff 00 15 00",
    );
    expect(
        &out,
        0,
        &lines(&[
            " 0  sequence, 5 items",
            " 1    integer 1 (zig-zag: -1)",
            " 2    absent-field marker",
            " 3    variant 1",
            " 4      integer 17 (zig-zag: -9)",
            " 6    fixed32 0xfffffffe: f32 NaN, u32 4294967294, i32 -2",
            "11    bytes, 2: ff 00",
            "14    variant 2",
            "15      integer 0 (zig-zag: 0)",
        ]),
        "",
    );
}

#[test]
fn dump_of_a_truncated_message_prints_what_it_read_and_the_offset() {
    let mut bytes = evowire::to_vec(&v1_order()).unwrap();
    bytes.truncate(14);
    let out = evowire(&["dump"], &bytes);
    expect(
        &out,
        1,
        &lines(&V1_DUMP[..6]),
        "error: unexpected end of input: item needs 8 more bytes, 3 left at byte offset 10\n",
    );
}

#[test]
fn dump_of_malformed_input() {
    // A reserved tag inside a sequence.
    expect(
        &evowire(&["dump", "--hex"], b"13 08 07"),
        1,
        &lines(&["0  sequence, 2 items", "1    integer 1 (zig-zag: -1)"]),
        "error: reserved tag 0x07 at byte offset 2\n",
    );
    // Trailing bytes after a complete item.
    expect(
        &evowire(&["dump", "--hex"], b"08 08"),
        1,
        "0  integer 1 (zig-zag: -1)\n",
        "error: trailing bytes after the value at byte offset 1\n",
    );
    // Nothing at all.
    let out = evowire(&["dump"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).ends_with("at byte offset 0\n"),
        "{}",
        text(&out.stderr)
    );
    // 129 nested sequences: the depth limit.
    let deep: Vec<u8> = [0x0b; 129].into_iter().chain([0x00]).collect();
    let out = evowire(&["dump"], &deep);
    assert_eq!(out.status.code(), Some(1));
    // The 129th sequence is shown: its header was read; entering it fails.
    assert_eq!(text(&out.stdout).lines().count(), 129);
    assert!(
        text(&out.stderr).ends_with("at byte offset 128\n"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn dump_rejects_bad_hex_with_usage_status() {
    expect(
        &evowire(&["dump", "--hex"], b"1b 3"),
        2,
        "",
        "error: invalid hex input: odd number of hex digits\n",
    );
    expect(
        &evowire(&["dump", "--hex"], b"1b 3g"),
        2,
        "",
        "error: invalid hex input: 'g' at character 4 is not a hex digit\n",
    );
}

const V1_JSON: &str = r#"{
  "id": 7,
  "symbol": "EVO",
  "side": "Sell",
  "qty": 300,
  "price": 12.5,
  "tags": [
    "rush"
  ]
}
"#;

#[test]
fn json_decodes_with_field_and_variant_names() {
    let out = evowire(
        &[
            "json",
            "--schema",
            "order-v1.schema.json",
            "--hex",
            "order-v1.hex",
        ],
        b"",
    );
    expect(&out, 0, V1_JSON, "");
    let out = evowire(
        &[
            "json",
            "-s",
            "order-v1.schema.json",
            "--type",
            "Order",
            "--compact",
            "--hex",
        ],
        read_fixture("order-v1.hex").as_bytes(),
    );
    expect(
        &out,
        0,
        "{\"id\":7,\"symbol\":\"EVO\",\"side\":\"Sell\",\"qty\":300,\"price\":12.5,\"tags\":[\"rush\"]}\n",
        "",
    );
}

#[test]
fn json_reads_across_versions_like_a_reader_would() {
    // A v2 message read with the v1 schema: extra fields skipped, `Short` lands on the
    // fallback, the 64-bit quantity does not fit v1's u32.
    let out = evowire(
        &[
            "json",
            "--schema",
            "order-v1.schema.json",
            "--hex",
            "order-v2.hex",
        ],
        b"",
    );
    expect(
        &out,
        1,
        "",
        "error: integer 5000000000 out of range for `Order.qty` (u32) at byte offset 11\n",
    );
    // A v1 message read with the v2 schema: the missing fields take their defaults.
    let out = evowire(
        &[
            "json",
            "--schema",
            "order-v2.schema.json",
            "--compact",
            "--hex",
            "order-v1.hex",
        ],
        b"",
    );
    expect(
        &out,
        0,
        "{\"id\":7,\"symbol\":\"EVO\",\"side\":\"Sell\",\"qty\":300,\"price\":12.5,\"tags\":[\"rush\"]}\n",
        "note: `Order.note` is missing: readers use its default\n\
         note: `Order.legs` is missing: readers use its default\n",
    );
    // The v2 message with a small quantity, read with v1: skips and the fallback.
    let mut order = v2_order();
    order.qty = 9;
    let bytes = evowire::to_vec(&order).unwrap();
    let out = evowire(
        &["json", "--schema", "order-v1.schema.json", "--compact"],
        &bytes,
    );
    expect(
        &out,
        0,
        "{\"id\":8,\"symbol\":\"EVO\",\"side\":\"Unknown\",\"qty\":9,\"price\":-0.25,\"tags\":[]}\n",
        "note: `Order.side`: variant index 2 at byte offset 6 read as the fallback `Unknown` (its body is skipped)\n\
         note: `Order`: skipped 1 item from byte offset 22 that the schema does not have (written by a newer version?)\n",
    );
}

#[test]
fn json_and_encode_round_trip() {
    let hex = read_fixture("order-v2.hex");
    let json = evowire(
        &["json", "--schema", "order-v2.schema.json", "--hex"],
        hex.as_bytes(),
    );
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    assert_eq!(
        text(&json.stdout),
        r#"{
  "id": 8,
  "symbol": "EVO",
  "side": {
    "Short": {
      "locate": "L1"
    }
  },
  "qty": 5000000000,
  "price": -0.25,
  "tags": [],
  "legs": [
    {
      "venue": "X",
      "fill": [
        -3,
        true
      ]
    }
  ]
}
"#
    );
    let back = evowire(
        &["encode", "--schema", "order-v2.schema.json", "--hex"],
        &json.stdout,
    );
    expect(&back, 0, &hex, "");
    let raw = evowire(
        &["encode", "--schema", "order-v2.schema.json"],
        &json.stdout,
    );
    assert_eq!(raw.status.code(), Some(0));
    assert_eq!(raw.stdout, evowire::to_vec(&v2_order()).unwrap());
    let decoded: v2::Order = evowire::from_slice(&raw.stdout).unwrap();
    assert_eq!(decoded, v2_order());
}

#[test]
fn encode_writes_absent_markers_and_drops_trailing_defaults() {
    // `note` missing (default) before `legs`: the absent marker; `legs` missing at the end:
    // nothing.
    let json = br#"{"id": 1, "symbol": "A", "side": "Buy", "qty": 2, "price": 0.5, "tags": [],
                    "legs": [{"venue": "V", "fill": [1, null]}]}"#;
    let out = evowire(
        &["encode", "--schema", "order-v2.schema.json", "--hex"],
        json,
    );
    expect(
        &out,
        0,
        "3b 08 0c 41 05 00 10 02 00 00 00 00 00 00 e0 3f 03 06 0b 13 0c 56 13 10 05 00\n",
        "",
    );
    let json = br#"{"id": 1, "symbol": "A", "side": "Buy", "qty": 2, "price": 0.5, "tags": []}"#;
    let out = evowire(
        &["encode", "--schema", "order-v2.schema.json", "--hex"],
        json,
    );
    expect(
        &out,
        0,
        "33 08 0c 41 05 00 10 02 00 00 00 00 00 00 e0 3f 03\n",
        "",
    );
}

#[test]
fn encode_reports_json_that_does_not_fit_the_schema() {
    let out = evowire(
        &["encode", "--schema", "order-v1.schema.json"],
        br#"{"id": 1, "symbol": "A", "side": "Hold", "qty": 2, "price": 0.5, "tags": []}"#,
    );
    expect(
        &out,
        1,
        "",
        "error: `Order.side`: enum `Side` has no variant `Hold` (it has `Buy`, `Sell`, `Unknown`)\n",
    );
    let out = evowire(
        &["encode", "--schema", "order-v1.schema.json"],
        br#"{"id": -1, "symbol": "A", "side": "Buy", "qty": 2, "price": 0.5, "tags": []}"#,
    );
    expect(
        &out,
        1,
        "",
        "error: expected a non-negative integer for `Order.id` (u64), found a number\n",
    );
    let out = evowire(
        &["encode", "--schema", "order-v1.schema.json"],
        br#"{"id": 1, "symbol": "A"}"#,
    );
    expect(
        &out,
        1,
        "",
        "error: missing field `Order.side` (the schema gives it no default)\n",
    );
    let out = evowire(&["encode", "--schema", "order-v1.schema.json"], b"{");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_reports_a_message_that_does_not_fit_the_schema() {
    // A string where the schema has a u64.
    let out = evowire(
        &["json", "--schema", "order-v1.schema.json", "--hex"],
        b"0b 14 68 69",
    );
    expect(
        &out,
        1,
        "",
        "error: expected an integer (wire type 0, 1 or 2) for `Order.id` (u64), found bytes (wire type 4) at byte offset 1\n",
    );
    // Too few fields, none with a default.
    let out = evowire(
        &["json", "--schema", "order-v1.schema.json", "--hex"],
        b"0b 08",
    );
    expect(
        &out,
        1,
        "",
        "error: `Order` has 1 items, and the schema gives its field `symbol` no default at byte offset 0\n",
    );
    // A malformed message is reported by the decoder, before the schema is used.
    let out = evowire(
        &["json", "--schema", "order-v1.schema.json", "--hex"],
        b"0b",
    );
    expect(
        &out,
        1,
        "",
        "error: unexpected end of input at byte offset 1\n",
    );
    // Unknown type and unreadable schema: usage errors.
    let out = evowire(
        &["json", "--schema", "order-v1.schema.json", "--type", "Nope"],
        b"",
    );
    expect(
        &out,
        2,
        "",
        "error: the schema has no type `Nope` (it has: Order, Side)\n",
    );
    let out = evowire(&["json", "--schema", "missing.json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read missing.json: "));
}

#[test]
fn compat_of_compatible_schemas_exits_zero() {
    let out = evowire(
        &["compat", "order-v1.schema.json", "order-v2.schema.json"],
        b"",
    );
    expect(
        &out,
        0,
        &lines(&[
            "Order.side::Short: variant `Short` added before the fallback `Unknown` (index 2); old readers decode it as `Unknown`",
            "    old writes, new reads: safe",
            "    new writes, old reads: safe",
            "Order.side::Unknown: fallback variant `Unknown` moved from index 2 to 3 (it stays last)",
            "    old writes, new reads: safe if old writers never send `Unknown` (its index 2 is now `Short`; a `#[serde(other)]` variant is normally only received)",
            "    new writes, old reads: safe",
            "Order.qty: type changed from `u32` to `u64`",
            "    old writes, new reads: safe",
            "    new writes, old reads: safe if every value fits in `u32` (otherwise IntegerOverflow)",
            "Order.note: field `note: Option<str>` added at the back",
            "    old writes, new reads: safe",
            "    new writes, old reads: safe",
            "Order.legs: field `legs: Vec<Leg>` added at the back",
            "    old writes, new reads: safe",
            "    new writes, old reads: safe",
            "",
            "5 changes: 0 breaking, 2 safe with conditions, 3 safe",
            "result: compatible if the conditions above hold",
        ]),
        "",
    );
    let same = evowire(
        &["compat", "order-v1.schema.json", "order-v1.schema.json"],
        b"",
    );
    expect(&same, 0, "no changes on the wire\nresult: compatible\n", "");
}

#[test]
fn compat_of_breaking_schemas_exits_one() {
    let out = evowire(
        &["compat", "order-v1.schema.json", "order-broken.schema.json"],
        b"",
    );
    expect(
        &out,
        1,
        &lines(&[
            "Order: fields reordered: `id`, `symbol`, `side`, `qty`, `price`, `tags` became `id`, `symbol`, `side`, `price`, `qty`, `tags`",
            "    old writes, new reads: BREAKING: fields are identified by position: values would land in the wrong fields",
            "    new writes, old reads: BREAKING: fields are identified by position: values would land in the wrong fields",
            // Every change is listed: the reorder does not hide the signedness change after it.
            "Order.qty: type changed from `u32` to `i32`",
            "    old writes, new reads: BREAKING: signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)",
            "    new writes, old reads: BREAKING: signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)",
            "",
            "2 changes: 2 breaking, 0 safe with conditions, 0 safe",
            "result: BREAKING, old and new code cannot read each other's messages",
        ]),
        "",
    );
    // Colour only when asked (stdout is a pipe here).
    let out = evowire(
        &[
            "compat",
            "--color",
            "always",
            "order-v1.schema.json",
            "order-broken.schema.json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("\x1b[1;31mBREAKING\x1b[0m"));
}

#[test]
fn compat_rejects_invalid_documents() {
    let out = evowire(&["compat", "order-v1.hex", "order-v1.schema.json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: order-v1.hex: not a schema document: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_two() {
    let out = evowire(&["dump", "--nope"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = evowire(&[], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = evowire(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Exit status: 0 on success"));
}

#[test]
fn demo_runs_unattended_and_exits_zero() {
    let start = std::time::Instant::now();
    let out = evowire(&["demo"], b"");
    let elapsed = start.elapsed();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
    for expected in [
        "1. A (v1) pushes   Order(Order { id: 1, symbol: \"EVO\", qty: 3 })  (8 bytes: 05 1b 08 1c 45 56 4f 18)",
        "   B (v2) receives Order(Order { id: 1, symbol: \"EVO\", qty: 3, note: None })  <- `note` was not sent: it takes its default",
        "   A (v1) receives Fill { id: 1, qty: 3 }  <- `venue` is unknown to v1: skipped",
        "   A (v1) reads    Quote { symbol: \"EVO\", price: 12.5 }  <- `currency` skipped",
        "   A (v1) receives Unknown  <- a variant v1 does not know: its #[serde(other)] fallback",
        "  pushes: 200000 messages of 12 bytes in ",
        "  calls:  20000 request/responses, 64 in flight, in ",
        "closed: A closed the connection, B read to the end of the stream",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
}

mod sink {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct Marker;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct Meters(pub i16);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct Pair(pub u8, pub char);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub enum Shape {
        Dot,
        Circle(f32),
        Rect(u16, u16),
        Poly { points: Vec<(i8, i8)> },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct Sink {
        pub unit: (),
        pub marker: Marker,
        pub flag: bool,
        pub big: u128,
        pub small: i128,
        pub nan: f64,
        pub inf: f32,
        pub letter: char,
        #[serde(with = "serde_bytes")]
        pub raw: Vec<u8>,
        pub meters: Meters,
        pub pair: Pair,
        pub arr: [u32; 4],
        pub by_name: BTreeMap<String, i64>,
        pub by_id: BTreeMap<u16, bool>,
        pub by_pair: BTreeMap<(u8, u8), String>,
        pub shapes: Vec<Shape>,
        pub maybe: Option<Meters>,
    }

    pub fn value() -> Sink {
        Sink {
            unit: (),
            marker: Marker,
            flag: true,
            big: u128::MAX,
            small: i128::MIN,
            nan: f64::NAN,
            inf: f32::NEG_INFINITY,
            letter: 'é',
            raw: vec![0, 255],
            meters: Meters(-2),
            pair: Pair(1, 'x'),
            arr: [1, 2, 3, 4],
            by_name: [("a".to_string(), -1), ("b".to_string(), 2)].into(),
            by_id: [(7, true)].into(),
            by_pair: [((1, 2), "x".to_string())].into(),
            shapes: vec![
                Shape::Dot,
                Shape::Circle(0.5),
                Shape::Rect(3, 4),
                Shape::Poly {
                    points: vec![(-1, 1)],
                },
            ],
            maybe: None,
        }
    }
}

#[test]
fn json_and_encode_cover_every_kind_of_type() {
    let dir = std::env::temp_dir().join(format!("evowire-cli-sink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("sink.json");
    std::fs::write(&schema, Schema::trace::<sink::Sink>().unwrap().to_json()).unwrap();
    let schema = schema.to_str().unwrap();
    let bytes = evowire::to_vec(&sink::value()).unwrap();
    let json = evowire(&["json", "--schema", schema, "--compact"], &bytes);
    expect(
        &json,
        0,
        concat!(
            r#"{"unit":null,"marker":null,"flag":true,"big":"340282366920938463463374607431768211455","#,
            r#""small":"-170141183460469231731687303715884105728","nan":"NaN","inf":"-inf","letter":"é","#,
            r#""raw":[0,255],"meters":-2,"pair":[1,"x"],"arr":[1,2,3,4],"by_name":{"a":-1,"b":2},"#,
            r#""by_id":{"7":true},"by_pair":[[[1,2],"x"]],"#,
            r#""shapes":["Dot",{"Circle":0.5},{"Rect":[3,4]},{"Poly":{"points":[[-1,1]]}}],"maybe":null}"#,
            "\n"
        ),
        "",
    );
    let back = evowire(&["encode", "--schema", schema], &json.stdout);
    assert_eq!(back.status.code(), Some(0), "{}", text(&back.stderr));
    assert_eq!(back.stdout, bytes);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_reads_fixed_width_and_packed_numbers() {
    #[derive(Serialize)]
    struct Fx {
        #[serde(with = "evowire::fixed")]
        id: u64,
        #[serde(with = "evowire::fixed")]
        delta: i32,
        #[serde(with = "evowire::packed")]
        samples: Vec<f32>,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Fx")]
    #[allow(dead_code)]
    struct Plain {
        id: u64,
        delta: i32,
        samples: Vec<f32>,
    }
    let dir = std::env::temp_dir().join(format!("evowire-cli-fx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("fx.json");
    std::fs::write(&schema, Schema::trace::<Plain>().unwrap().to_json()).unwrap();
    let bytes = evowire::to_vec(&Fx {
        id: 1 << 40,
        delta: -2,
        samples: vec![1.0, -0.5],
    })
    .unwrap();
    let out = evowire(
        &["json", "--compact", "--schema", schema.to_str().unwrap()],
        &bytes,
    );
    expect(
        &out,
        0,
        "{\"id\":1099511627776,\"delta\":-2,\"samples\":[1.0,-0.5]}\n",
        "note: `Fx.samples` is packed (evowire::packed) at byte offset 15\n",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
