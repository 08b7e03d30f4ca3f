//! The shared test vectors in `vectors/` at the repository root, which implementations in
//! other languages (the Python package in `python/`) read: messages written and read by this
//! crate, their schema documents (traced from the Rust types), and the plain values or the
//! errors (kind and byte offset) the Rust decoder gives. `vectors/README.md` describes the
//! files.
//!
//! This test builds every file and fails if a committed file differs; with
//! `EVOWIRE_VECTORS_UPDATE=1` (any value but empty or `0`) it rewrites them instead.

#[path = "vectors/plain.rs"]
mod plain;

use std::collections::BTreeMap;
use std::path::PathBuf;

use evowire::{ErrorKind, Value};
use evowire_bench::data::orders::{Order, Orders};
use evowire_bench::Dataset;
use evowire_schema::Schema;
use plain::{hex, plain};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::{json, Value as Json};

// ---- the types ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct S {
    a: u8,
    b: String,
}

#[derive(Serialize, Deserialize)]
struct Meters(u32);

#[derive(Serialize, Deserialize)]
struct Marker;

#[derive(Serialize, Deserialize)]
struct Pair(u8, String);

#[derive(Serialize, Deserialize)]
enum E {
    A,
    B(u8),
    C,
    D(u8, String),
    F { x: u8, y: bool },
}

#[derive(Serialize, Deserialize)]
struct Skip {
    a: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    b: Option<u8>,
    c: u8,
}

#[derive(Serialize, Deserialize)]
enum V {
    X {
        a: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        b: Option<u8>,
        c: u8,
    },
}

#[derive(Serialize, Deserialize)]
struct Fx {
    #[serde(with = "evowire::fixed")]
    id: u64,
    #[serde(with = "evowire::fixed")]
    n: i32,
}

#[derive(Serialize, Deserialize)]
struct FxPlain {
    id: u64,
    n: i32,
}

#[derive(Serialize, Deserialize)]
struct P {
    #[serde(with = "evowire::packed")]
    v: Vec<f32>,
    #[serde(with = "evowire::packed")]
    a: Vec<u16>,
    #[serde(with = "evowire::packed")]
    i: Vec<i32>,
}

/// A recursive type: a newtype around an optional box of itself.
#[derive(Serialize, Deserialize)]
struct Chain(Option<Box<Chain>>);

#[derive(Serialize, Deserialize)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Serialize, Deserialize)]
struct Everything {
    flag: bool,
    small: i8,
    big: u128,
    neg: i128,
    ratio: f32,
    precise: f64,
    letter: char,
    name: String,
    raw: ByteBuf,
    nothing: (),
    marker: Marker,
    maybe: Option<i16>,
    list: Vec<u16>,
    table: BTreeMap<String, Vec<i32>>,
    pair: (u8, String),
    three: [i64; 3],
    shape: Shape,
    shapes: Vec<Shape>,
}

#[derive(Serialize, Deserialize)]
enum Shape {
    Empty,
    Circle(f64),
    Rect(f64, f64),
    Poly { points: Vec<(i32, i32)> },
}

/// Version 1 and version 2 of the same types: each evolution rule of SPEC.md §10 as a pair.
mod v1 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Order")]
    pub struct Order {
        pub id: u64,
        pub qty: u8,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Status")]
    pub enum Status {
        Active,
        Done(u8),
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Cmd")]
    pub enum Cmd {
        Stop,
        Move { x: i32, y: i32 },
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Rec")]
    pub struct Rec {
        pub id: u32,
        pub legacy: String,
        pub name: String,
    }
}

mod v2 {
    use serde::{Deserialize, Serialize};
    use serde_bytes::ByteBuf;

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Order")]
    pub struct Order {
        pub id: u64,
        pub qty: u64,
        #[serde(default)]
        pub note: String,
        #[serde(default)]
        pub tags: Vec<String>,
        #[serde(default)]
        pub urgent: Option<bool>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Status")]
    pub enum Status {
        Active,
        Done(u8),
        Paused { until: u64, reason: String },
        Archived(Vec<Vec<u8>>),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Point")]
    pub struct Point {
        pub x: i32,
        pub y: i32,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Cmd")]
    pub enum Cmd {
        Stop,
        Move(Point),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Rec")]
    pub struct Rec {
        pub id: u64,
        pub legacy: (),
        pub name: ByteBuf,
    }

    #[derive(Serialize, Deserialize)]
    pub struct Id(pub i32);
}

#[derive(Serialize, Deserialize)]
struct Three {
    a: u8,
    #[serde(default)]
    b: u8,
    #[serde(default)]
    c: u8,
}

#[derive(Serialize, Deserialize)]
struct One {
    a: u8,
}

#[derive(Serialize, Deserialize)]
struct Two {
    a: u8,
    b: u8,
}

#[derive(Serialize, Deserialize)]
enum Kind {
    Unit,
    Newtype(u8),
    Tuple(u8, u8),
    Struct { a: u8 },
}

#[derive(Serialize, Deserialize)]
struct Outer {
    name: String,
    n: u8,
    inner: Inner,
}

#[derive(Serialize, Deserialize)]
struct Inner {
    xs: Vec<u16>,
    c: char,
}

#[derive(Serialize, Deserialize)]
enum OptionLike {
    None,
    Some(u8),
}

// ---- building the cases -----------------------------------------------------------------------

/// The cases of one file, in order.
#[derive(Default)]
struct Cases(Vec<Json>);

impl Cases {
    /// `value` written by evowire, read back as `T` with `T`'s traced schema; the plain
    /// value must also encode to the same bytes.
    fn roundtrip<T: Serialize + DeserializeOwned>(&mut self, name: &str, value: &T) {
        self.roundtrip_with(name, value, |s| s);
    }

    /// As [`Cases::roundtrip`], with the schema annotated (defaults, fallbacks).
    fn roundtrip_with<T: Serialize + DeserializeOwned>(
        &mut self,
        name: &str,
        value: &T,
        annotate: impl Fn(Schema) -> Schema,
    ) {
        let bytes = evowire::to_vec(value).expect("encode");
        let mut case = self.read::<T>(name, &bytes, annotate(trace::<T>()));
        let written = plain(value, false);
        if case["value"] != written {
            case["encode_value"] = written;
        }
        case["encode"] = json!(true);
        self.0.push(case);
    }

    /// `value` written by evowire, read as `R` (another version of the type).
    fn evolve<W: Serialize, R: DeserializeOwned + Serialize>(&mut self, name: &str, value: &W) {
        self.evolve_with::<W, R>(name, value, |s| s);
    }

    fn evolve_with<W: Serialize, R: DeserializeOwned + Serialize>(
        &mut self,
        name: &str,
        value: &W,
        annotate: impl Fn(Schema) -> Schema,
    ) {
        let bytes = evowire::to_vec(value).expect("encode");
        let case = self.read::<R>(name, &bytes, annotate(trace::<R>()));
        self.0.push(case);
    }

    /// `bytes` read as `R`: a value or an error.
    fn bytes<R: DeserializeOwned + Serialize>(&mut self, name: &str, bytes: &[u8]) {
        let case = self.read::<R>(name, bytes, trace::<R>());
        self.0.push(case);
    }

    fn bytes_with<R: DeserializeOwned + Serialize>(
        &mut self,
        name: &str,
        bytes: &[u8],
        annotate: impl Fn(Schema) -> Schema,
    ) {
        let case = self.read::<R>(name, bytes, annotate(trace::<R>()));
        self.0.push(case);
    }

    fn read<R: DeserializeOwned + Serialize>(
        &mut self,
        name: &str,
        bytes: &[u8],
        schema: Schema,
    ) -> Json {
        let mut case = json!({
            "name": name,
            "schema": serde_json::to_value(&schema).expect("schema to JSON"),
            "hex": hex(bytes),
        });
        match evowire::from_slice::<R>(bytes) {
            Ok(value) => case["value"] = plain(&value, true),
            Err(e) => case["error"] = error(&e),
        }
        case
    }

    /// `bytes` read without a schema, as `evowire::Value`: the item tree, its canonical
    /// encoding, or an error.
    fn tree(&mut self, name: &str, bytes: &[u8]) {
        let mut case = json!({ "name": name, "hex": hex(bytes) });
        match evowire::from_slice::<Value>(bytes) {
            Ok(value) => {
                case["tree"] = tree(&value);
                case["encoded"] = json!(hex(&evowire::to_vec(&value).expect("encode Value")));
            }
            Err(e) => case["error"] = error(&e),
        }
        self.0.push(case);
    }

    fn into_json(self) -> String {
        let lines: Vec<String> = self.0.iter().map(|c| c.to_string()).collect();
        format!("[\n{}\n]\n", lines.join(",\n"))
    }
}

fn trace<T: DeserializeOwned>() -> Schema {
    Schema::trace::<T>().unwrap_or_else(|e| panic!("trace {}: {e}", std::any::type_name::<T>()))
}

fn error(e: &evowire::Error) -> Json {
    json!({ "kind": kind_name(e.kind()), "offset": e.offset(), "message": e.message() })
}

fn kind_name(kind: ErrorKind) -> String {
    format!("{kind:?}")
}

/// The item tree of `Value`, as `["int", "<decimal>"]`, `["fixed32", bits]`,
/// `["fixed64", bits]`, `["bytes", "<hex>"]`, `["seq", [items]]`, `["variant", index, body]`
/// and `["absent"]`.
fn tree(value: &Value) -> Json {
    match value {
        Value::Unit => json!(["int", "0"]),
        Value::Bool(b) => json!(["int", u8::from(*b).to_string()]),
        Value::U64(v) => json!(["int", v.to_string()]),
        Value::U128(v) => json!(["int", v.to_string()]),
        Value::I64(v) => json!(["int", evowire::wire::zigzag_encode(*v).to_string()]),
        Value::I128(v) => json!(["int", evowire::wire::zigzag_encode128(*v).to_string()]),
        Value::F32(v) => json!(["fixed32", v.to_bits()]),
        Value::F64(v) => json!(["fixed64", v.to_bits()]),
        Value::String(s) => json!(["bytes", hex(s.as_bytes())]),
        Value::Bytes(b) => json!(["bytes", hex(b)]),
        Value::Seq(items) => json!(["seq", items.iter().map(tree).collect::<Vec<_>>()]),
        Value::Map(pairs) => json!([
            "seq",
            pairs
                .iter()
                .flat_map(|(k, v)| [tree(k), tree(v)])
                .collect::<Vec<_>>()
        ]),
        Value::Variant(index, body) => json!(["variant", index, tree(body)]),
        Value::Absent => json!(["absent"]),
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn varint(value: u128) -> Vec<u8> {
    evowire::wire::encode_varint128(evowire::wire::WireType::Int, value)
        .as_slice()
        .to_vec()
}

fn default(path: &str) -> impl Fn(Schema) -> Schema + '_ {
    move |s| s.with_default(path).expect("annotate")
}

// ---- the files --------------------------------------------------------------------------------

/// Schema-free: every item of SPEC.md as a tree, and the malformed inputs.
fn tree_cases() -> Cases {
    let mut c = Cases::default();
    let spec_rows: &[(&str, &[u8])] = &[
        ("true", &[0x08]),
        ("zero", &[0x00]),
        ("15", &[0x78]),
        ("16", &[0x80, 0x01]),
        ("10042", &[0xd0, 0xf3, 0x04]),
        (
            "u64 max",
            &[0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
        ),
        ("1.5f32", &[0x01, 0x00, 0x00, 0xc0, 0x3f]),
        ("-0.0f32", &[0x01, 0x00, 0x00, 0x00, 0x80]),
        ("1.5f64", &[0x02, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]),
        ("nan f32 payload", &[0x01, 0x01, 0x00, 0xc0, 0x7f]),
        ("hi", &[0x14, 0x68, 0x69]),
        ("invalid utf-8 bytes", &[0x14, 0xff, 0x00]),
        ("empty bytes", &[0x04]),
        ("empty sequence", &[0x03]),
        ("vec 1 2 3", &[0x1b, 0x08, 0x10, 0x18]),
        ("tuple", &[0x13, 0x08, 0x0c, 0x61]),
        ("None", &[0x05, 0x00]),
        ("Some(5)", &[0x0d, 0x28]),
        ("tuple variant", &[0x1d, 0x13, 0x08, 0x0c, 0x61]),
        ("struct variant", &[0x25, 0x13, 0x10, 0x08]),
        ("map", &[0x23, 0x08, 0x0c, 0x61, 0x10, 0x0c, 0x62]),
        ("absent marker", &[0x13, 0x08, 0x06, 0x18]),
        (
            "marker in a variant's sequence",
            &[0x05, 0x13, 0x08, 0x06, 0x18],
        ),
        (
            "fixed",
            &[
                0x13, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xfe, 0xff, 0xff, 0xff,
            ],
        ),
        ("packed u16", &[0x34, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00]),
        ("padded zero", &[0x80, 0x00]),
        ("padded empty string", &[0x84, 0x00]),
        (
            "variant 2^32-1",
            &[0xfd, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00],
        ),
        ("16 items", &cat(&[&[0x83, 0x01], &[0x00; 16]])),
        ("16 bytes", &cat(&[&[0x84, 0x01], &[0x61; 16]])),
        ("nested", &[0x1b, 0x0b, 0x0b, 0x03, 0x0d, 0x00, 0x04]),
    ];
    for (name, bytes) in spec_rows {
        c.tree(name, bytes);
    }
    let mut u128_max = vec![0xf8];
    u128_max.extend([0xff; 17]);
    u128_max.push(0x1f);
    c.tree("u128 max", &u128_max);
    c.tree("2^64", &varint(1 << 64));
    let mut padded19 = vec![0x80u8; 18];
    padded19.push(0x00);
    c.tree("padded to 19 bytes", &padded19);
    let mut deep = vec![0x0bu8; 128];
    deep.push(0x00);
    c.tree("128 nested sequences", &deep);
    let mut deep_variants = vec![0x0du8; 128];
    deep_variants.push(0x00);
    c.tree("128 nested variants", &deep_variants);

    // Malformed: each is an error with its kind and offset.
    let mut twenty = vec![0x80u8; 19];
    twenty.push(0x00);
    let mut wide = vec![0xf8u8];
    wide.extend([0xff; 17]);
    wide.push(0x20);
    let mut too_deep = vec![0x0bu8; 129];
    too_deep.push(0x00);
    let mut too_deep_variants = vec![0x0du8; 129];
    too_deep_variants.push(0x00);
    let bad: &[(&str, Vec<u8>)] = &[
        ("empty input", vec![]),
        ("cut varint", vec![0x80, 0x80]),
        ("cut fixed32", vec![0x01, 0, 0, 0]),
        ("cut fixed64", vec![0x02, 1]),
        ("bytes beyond input", vec![0x1c, b'a']),
        ("cut length", vec![0x84]),
        ("sequence short of items", vec![0x1b, 0x08, 0x10]),
        ("variant without body", vec![0x0d]),
        ("reserved wire type 7", vec![0x07]),
        ("reserved 0xff", vec![0xff]),
        ("marker at top level", vec![0x06]),
        ("marker in a variant body", vec![0x0d, 0x06, 0x08]),
        ("wire type 6 with bits", vec![0x0e]),
        ("fixed32 tag with bits", vec![0x09, 0, 0, 0, 0]),
        ("fixed64 tag with bits", vec![0x0a, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("20-byte varint", twenty.clone()),
        ("bits past 128", wide.clone()),
        ("length is an invalid varint", cat(&[&[0x84], &twenty[1..]])),
        ("count above 2^64", {
            let mut v = varint(1 << 64);
            v[0] |= 0x03;
            v
        }),
        (
            "variant 2^32",
            vec![0x85, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00],
        ),
        ("trailing bytes", vec![0x0b, 0x08, 0x07]),
        ("marker after the count", vec![0x0b, 0x08, 0x06]),
        ("deep error", vec![0x13, 0x08, 0x0b, 0x15, 0x0b, 0x07]),
        ("129 nested sequences", too_deep),
        ("129 nested variants", too_deep_variants),
        (
            "huge count",
            vec![0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
        ),
        (
            "huge length",
            vec![0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
        ),
    ];
    for (name, bytes) in bad {
        c.tree(name, bytes);
    }
    c
}

/// Schema-driven: values of every kind, written and read by evowire.
fn value_cases() -> Cases {
    let mut c = Cases::default();
    c.roundtrip("true", &true);
    c.roundtrip("false", &false);
    c.roundtrip("u8 0", &0u8);
    c.roundtrip("u32 15", &15u32);
    c.roundtrip("u32 16", &16u32);
    c.roundtrip("u32 10042", &10042u32);
    c.roundtrip("u16 max", &u16::MAX);
    c.roundtrip("u64 max", &u64::MAX);
    c.roundtrip("u128 max", &u128::MAX);
    c.roundtrip("i8 -8", &-8i8);
    c.roundtrip("i8 min", &i8::MIN);
    c.roundtrip("i16 -9", &-9i16);
    c.roundtrip("i32 -1", &-1i32);
    c.roundtrip("i64 min", &i64::MIN);
    c.roundtrip("i64 max", &i64::MAX);
    c.roundtrip("i128 min", &i128::MIN);
    c.roundtrip("i128 max", &i128::MAX);
    c.roundtrip("f32 1.5", &1.5f32);
    c.roundtrip("f32 -0.0", &-0.0f32);
    c.roundtrip("f32 max", &f32::MAX);
    c.roundtrip("f32 infinity", &f32::INFINITY);
    c.roundtrip("f64 1.5", &1.5f64);
    c.roundtrip("f64 0.1", &0.1f64);
    c.roundtrip("f64 -infinity", &f64::NEG_INFINITY);
    c.roundtrip("f64 min positive", &f64::MIN_POSITIVE);
    c.roundtrip("char é", &'é');
    c.roundtrip("char max", &char::MAX);
    c.roundtrip("str hi", &"hi".to_string());
    c.roundtrip("str empty", &String::new());
    c.roundtrip("str 16 bytes", &"0123456789abcdef".to_string());
    c.roundtrip("str unicode", &"grüße, 世界 🦀".to_string());
    c.roundtrip("bytes", &ByteBuf::from(vec![0xff, 0x00, 0x80]));
    c.roundtrip("unit", &());
    c.roundtrip("unit struct", &Marker);
    c.roundtrip("empty vec", &Vec::<u8>::new());
    c.roundtrip("vec", &vec![1u8, 2, 3]);
    c.roundtrip("vec of 16", &vec![7u16; 16]);
    c.roundtrip("nested vec", &vec![vec![-1i16, 2], vec![], vec![300]]);
    c.roundtrip("tuple", &(1u8, "a".to_string()));
    c.roundtrip("array", &[1u64, 2, 3, 4]);
    c.roundtrip(
        "struct",
        &S {
            a: 1,
            b: "xy".into(),
        },
    );
    c.roundtrip("tuple struct", &Pair(9, "p".into()));
    c.roundtrip("newtype", &Meters(5));
    c.roundtrip("None", &None::<u8>);
    c.roundtrip("Some(5)", &Some(5u8));
    c.roundtrip("unit variant 0", &E::A);
    c.roundtrip("unit variant 2", &E::C);
    c.roundtrip("newtype variant", &E::B(7));
    c.roundtrip("tuple variant", &E::D(1, "a".into()));
    c.roundtrip("struct variant", &E::F { x: 2, y: true });
    c.roundtrip(
        "map",
        &BTreeMap::from([(1u8, "a".to_string()), (2, "b".to_string())]),
    );
    c.roundtrip(
        "map of tuples",
        &BTreeMap::from([((1u8, 2u8), 3u8), ((4, 5), 6)]),
    );
    c.roundtrip_with(
        "skip present",
        &Skip {
            a: 1,
            b: Some(2),
            c: 3,
        },
        default("Skip.b"),
    );
    c.roundtrip_with(
        "skip absent (marker)",
        &Skip {
            a: 1,
            b: None,
            c: 3,
        },
        default("Skip.b"),
    );
    c.roundtrip_with(
        "struct variant with marker",
        &V::X {
            a: 1,
            b: None,
            c: 3,
        },
        default("V.X.b"),
    );
    c.roundtrip(
        "packed",
        &P {
            v: vec![1.0, -2.0],
            a: vec![0, 1, 2],
            i: vec![-1, 2],
        },
    );
    c.bytes::<Chain>(
        "recursive newtype (Some(None) reads as None)",
        &evowire::to_vec(&Chain(Some(Box::new(Chain(Some(Box::new(Chain(None)))))))).unwrap(),
    );
    c.roundtrip(
        "tree",
        &Tree {
            label: "root".into(),
            children: vec![
                Tree {
                    label: "a".into(),
                    children: vec![],
                },
                Tree {
                    label: "b".into(),
                    children: vec![Tree {
                        label: "c".into(),
                        children: vec![],
                    }],
                },
            ],
        },
    );
    c.roundtrip(
        "every kind",
        &Everything {
            flag: true,
            small: -100,
            big: u128::MAX - 1,
            neg: i128::MIN + 1,
            ratio: 0.25,
            precise: -1e300,
            letter: '\u{1F980}',
            name: "evowire".into(),
            raw: ByteBuf::from(vec![0, 1, 2]),
            nothing: (),
            marker: Marker,
            maybe: Some(-300),
            list: vec![1, 1000, 65535],
            table: BTreeMap::from([("x".into(), vec![-1]), ("y".into(), vec![])]),
            pair: (255, "z".into()),
            three: [i64::MIN, 0, i64::MAX],
            shape: Shape::Poly {
                points: vec![(1, -1), (2, -2)],
            },
            shapes: vec![Shape::Empty, Shape::Circle(2.5), Shape::Rect(1.0, 2.0)],
        },
    );

    // Fixed-width integers: read by every integer reader; a plain writer writes varints.
    let fx = Fx { id: 1, n: -2 };
    c.bytes::<FxPlain>("fixed-width integers", &evowire::to_vec(&fx).unwrap());
    c.roundtrip("the same as varints", &FxPlain { id: 1, n: -2 });

    // Decoding rows of SPEC.md §13.
    let mut padded19 = vec![0x80u8; 18];
    padded19.push(0x00);
    c.bytes::<u8>("padded varint", &[0x80, 0x00]);
    c.bytes::<u8>("padded to 19 bytes", &padded19);
    c.bytes::<u128>("u128 padded to 19 bytes", &padded19);
    c.bytes::<String>("padded length", &[0x84, 0x00]);
    c.bytes::<bool>("bool from 2", &[0x10]);
    c.bytes::<i32>("i32 from fixed32", &[0x01, 0xff, 0xff, 0xff, 0xff]);
    c.bytes::<u32>("u32 from fixed32", &[0x01, 0xff, 0xff, 0xff, 0xff]);
    c.bytes::<i8>(
        "i8 from fixed64",
        &[0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    c.bytes::<u8>("u8 from fixed64", &[0x02, 5, 0, 0, 0, 0, 0, 0, 0]);
    c.bytes::<char>("char from fixed32", &[0x01, 0xe9, 0, 0, 0]);
    c.bytes::<bool>("bool from fixed64", &[0x02, 2, 0, 0, 0, 0, 0, 0, 0]);
    c.bytes::<u128>(
        "u128 from fixed64",
        &[0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    c.bytes::<i128>(
        "i128 from fixed64",
        &[0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    c.bytes::<f64>("f64 from fixed32", &[0x01, 0x00, 0x00, 0xc0, 0x3f]);
    c.bytes::<f32>(
        "f32 from fixed64 rounds",
        &[0x02, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f],
    );
    c.bytes::<f32>(
        "f32 from a large fixed64 is infinite",
        &[0x02, 0, 0, 0, 0, 0, 0, 0xf0, 0x6f],
    );
    c.bytes::<Option<u8>>("None body skipped", &[0x05, 0x13, 0x08, 0x08]);
    c.bytes::<E>("unit variant body skipped", &[0x05, 0x08]);
    c.bytes::<S>("extra item skipped", &[0x1b, 0x08, 0x04, 0x08]);
    c.bytes::<One>(
        "skipped sequence may hold markers",
        &[0x13, 0x08, 0x0b, 0x06, 0x08],
    );
    c.bytes::<Three>("markers", &[0x13, 0x08, 0x06, 0x18]);
    c.bytes::<Three>(
        "markers beyond the fields",
        &[0x13, 0x08, 0x06, 0x06, 0x06, 0x18],
    );
    c.bytes::<()>("unit skips any item", &[0x13, 0x08, 0x14, 0x61, 0x62]);
    c.bytes::<Marker>("unit struct skips any item", &[0x0d, 0x28]);
    c.bytes::<String>("string from a byte string", &[0x0c, 0x61]);
    c
}

/// SPEC.md §10: a value written by one version of a type, read by another.
fn evolution_cases() -> Cases {
    let mut c = Cases::default();
    c.evolve::<v1::Order, v2::Order>(
        "missing trailing fields take their defaults; u8 widens to u64",
        &v1::Order { id: 7, qty: 200 },
    );
    c.evolve::<v2::Order, v1::Order>(
        "unknown trailing fields are skipped",
        &v2::Order {
            id: 7,
            qty: 3,
            note: "n".into(),
            tags: vec!["a".into(), "b".into()],
            urgent: Some(true),
        },
    );
    c.evolve::<v2::Status, v1::Status>(
        "an unknown struct variant reaches the fallback",
        &v2::Status::Paused {
            until: 9,
            reason: "r".into(),
        },
    );
    c.evolve::<v2::Status, v1::Status>(
        "an unknown newtype variant reaches the fallback",
        &v2::Status::Archived(vec![vec![1], vec![]]),
    );
    c.evolve::<v2::Status, v1::Status>("known variants stay", &v2::Status::Done(4));
    c.evolve::<Kind, OptionLike>("unit variant reader skips a body", &Kind::Unit);
    c.evolve::<v1::Cmd, v2::Cmd>(
        "struct variant to newtype variant of a struct",
        &v1::Cmd::Move { x: -1, y: 2 },
    );
    c.evolve::<v2::Cmd, v1::Cmd>(
        "newtype variant of a struct to struct variant",
        &v2::Cmd::Move(v2::Point { x: 3, y: -4 }),
    );
    c.evolve::<i32, v2::Id>("wrap in a newtype", &-5i32);
    c.evolve::<v2::Id, i64>("unwrap a newtype, widen", &v2::Id(-5));
    c.evolve::<i8, i128>("i8 widens to i128", &-128i8);
    c.evolve::<u8, u128>("u8 widens to u128", &255u8);
    c.evolve::<u64, u16>("narrowing works while the value fits", &65535u64);
    c.evolve::<u64, u16>("narrowing fails when it does not", &65536u64);
    c.evolve::<f32, f64>("f32 to f64", &0.1f32);
    c.evolve::<f64, f32>("f64 to f32 rounds", &0.1f64);
    c.evolve::<bool, u8>("bool to integer", &true);
    c.evolve::<u8, bool>("integer to bool", &7u8);
    c.evolve::<char, u32>("char to u32", &'é');
    c.evolve::<u32, char>("u32 to char", &0xe9u32);
    c.evolve::<v1::Rec, v2::Rec>(
        "deprecate to unit, String to bytes, u32 to u64",
        &v1::Rec {
            id: 1,
            legacy: "old".into(),
            name: "n".into(),
        },
    );
    c.evolve::<S, (u8, String)>(
        "struct to tuple",
        &S {
            a: 1,
            b: "s".into(),
        },
    );
    c.evolve::<(u8, String), S>("tuple to struct", &(1u8, "s".to_string()));
    c.evolve::<Pair, S>("tuple struct to struct", &Pair(2, "t".into()));
    c.evolve::<Vec<u8>, [u8; 3]>("vec to array", &vec![1u8, 2, 3]);
    c.evolve::<Vec<u8>, [u8; 2]>("array reader skips extra elements", &vec![1u8, 2, 3]);
    c.evolve::<Vec<u8>, [u8; 4]>("array reader fails on too few", &vec![1u8, 2, 3]);
    c.evolve::<[u16; 2], Vec<u16>>("array to vec", &[1u16, 2]);
    c.evolve::<Option<u8>, OptionLike>("Option to enum", &Some(3u8));
    c.evolve::<OptionLike, Option<u8>>("enum to Option", &OptionLike::None);
    c.evolve::<(), bool>("unit to bool", &());
    c.evolve::<Kind, Kind>("unchanged", &Kind::Tuple(1, 2));
    c.evolve::<v1::Order, Two>("names never reach the wire", &v1::Order { id: 1, qty: 2 });
    c.evolve::<Kind, One>("changed type fails", &Kind::Newtype(1));
    c.evolve::<i32, u32>("signedness changes silently", &-1i32);
    c.evolve_with::<Skip, Two>(
        "a marker where the reader has no default fails",
        &Skip {
            a: 1,
            b: None,
            c: 3,
        },
        |s| s,
    );
    c.evolve::<P, Two>(
        "a packed field is not a plain sequence",
        &P {
            v: vec![],
            a: vec![],
            i: vec![],
        },
    );
    c
}

/// The malformed inputs of `crates/evowire/tests/errors.rs` that have a schema type (those
/// read as `Value` or `IgnoredAny` there are in `tree.json` or read as unit here).
fn error_cases() -> Cases {
    let mut c = Cases::default();
    let mut twenty = vec![0x80u8; 19];
    twenty.push(0x00);
    let mut wide = vec![0xf8u8];
    wide.extend([0xff; 17]);
    wide.push(0x20);
    let two_pow_64 = varint(1 << 64);
    let variant_2_32 = [0x85, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00];

    macro_rules! rows {
        ($($ty:ty: $bytes:expr),* $(,)?) => {$(
            let bytes: Vec<u8> = $bytes.to_vec();
            c.bytes::<$ty>(&format!("{} as {}", hex(&bytes), stringify!($ty)), &bytes);
        )*};
    }
    rows!(
        u8: [],
        (): [],
        u64: [0x80],
        u64: [0x80, 0x80, 0x80],
        u128: [0xf8, 0xff],
        f32: [0x01, 0, 0, 0],
        u32: [0x01],
        f64: [0x02, 1, 2, 3, 4, 5, 6, 7],
        i64: [0x02, 1, 2, 3],
        (): [0x02, 1],
        String: [0x1c, b'a'],
        ByteBuf: [0x1c, b'a'],
        (): [0x1c, b'a'],
        String: [0x84],
        Vec<u8>: [0x1b, 0x08, 0x10],
        Option<u8>: [0x0d],
        Option<u8>: [0x05],
        u8: [0x07],
        u8: [0xff],
        (): [0x07],
        String: [0x07],
        Vec<u8>: [0x07],
        Kind: [0x07],
        Two: [0x13, 0x08, 0x07],
        u8: [0x06],
        (): [0x06],
        u8: [0x06, 0x08],
        Vec<u8>: [0x0b, 0x06, 0x08],
        u8: [0x0e],
        Two: [0x13, 0x0e, 0x08, 0x08],
        f32: [0x09, 0, 0, 0, 0],
        u32: [0x09, 0, 0, 0, 0],
        f64: [0x0a, 0, 0, 0, 0, 0, 0, 0, 0],
        i64: [0x0a, 0, 0, 0, 0, 0, 0, 0, 0],
        u128: [0x81, 0, 0, 0, 0],
        (): [0x09, 0, 0, 0, 0],
        Vec<()>: [0x0b, 0x09, 0, 0, 0, 0],
        bool: [0x04],
        i8: [0x04],
        i16: [0x03],
        i32: [0x05, 0x00],
        i64: [0x04],
        i128: [0x04],
        u8: [0x04],
        u16: [0x03],
        u32: [0x04],
        u64: [0x05, 0x00],
        u128: [0x03],
        f32: [0x08],
        f64: [0x04],
        char: [0x04],
        String: [0x08],
        String: [0x03],
        ByteBuf: [0x01, 0, 0, 0, 0],
        Option<u8>: [0x08],
        Option<u8>: [0x03],
        Vec<u8>: [0x04],
        (u8, u8): [0x08],
        [u8; 2]: [0x0d, 0x08],
        Pair: [0x04],
        BTreeMap<u8, u8>: [0x08],
        Two: [0x04],
        Kind: [0x03],
        Kind: [0x08],
        Kind: [0x15, 0x08],
        Kind: [0x1d, 0x04],
        u128: twenty,
        u64: twenty,
        (): twenty,
        Vec<u8>: cat(&[&[0x0b], &twenty]),
        u128: wide,
        i128: wide,
        String: cat(&[&[0x84], &twenty[1..]]),
        u8: [0x80, 0x10],
        u8: [0xf8, 0x1f],
        i8: [0x80, 0x10],
        i8: [0x88, 0x10],
        u16: [0x80, 0x80, 0x20],
        u16: [0x01, 0, 0, 1, 0],
        i16: [0x01, 0, 0, 0, 0x80],
        u32: [0x02, 0, 0, 0, 0, 1, 0, 0, 0],
        u64: two_pow_64,
        i64: two_pow_64,
        bool: two_pow_64,
        char: two_pow_64,
        char: varint(0xd800),
        char: varint(0xdfff),
        char: varint(0x11_0000),
        char: varint(1 << 32),
        Option<u8>: [0x15, 0x00],
        Option<u8>: [0x7d, 0x00],
        BTreeMap<u8, u8>: [0x0b, 0x08],
        BTreeMap<u8, u8>: [0x1b, 0x08, 0x10, 0x18],
        String: [0x14, 0xff, 0xfe],
        String: [0x14, 0xc3, 0x28],
        String: [0x1c, 0xed, 0xa0, 0x80],
        (u8, String): [0x13, 0x08, 0x14, 0xff, 0xfe],
        u8: [0x08, 0x08],
        (): [0x00, 0x00],
        Vec<u8>: [0x0b, 0x08, 0x10],
        String: [0x0c, b'a', b'b'],
        Vec<u8>: [0x0b, 0x08, 0x06],
        Three: [0x0b, 0x08, 0x06],
        Kind: variant_2_32,
        Option<u8>: variant_2_32,
        Outer: [0x1b, 0x1c, b'a', b'b', b'c', 0x80, 0x10, 0x13, 0x03, 0x08],
        Outer: [0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x13, 0x08, 0x04, 0x00],
        Outer: cat(&[&[0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08], &varint(0xd800)]),
        Outer: [0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08, 0x80],
        Outer: [0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08],
        Kind: [0x1d, 0x0b, 0x80, 0x10],
        (): [0x13, 0x08, 0x0b, 0x15, 0x0b, 0x07],
        Two: [0x1b, 0x08, 0x10, 0x07],
        Two: [0x1b, 0x08, 0x10, 0x1c, b'a'],
        Two: [0x0b, 0x08],
        Kind: [0x1d, 0x03],
        Kind: [0x25, 0x00],
        (u8, u8): [0x0b, 0x08],
        [u8; 2]: [0x0b, 0x08],
    );

    // Depth: 128 levels decode, 129 do not; skipped items obey the same limit.
    let mut chain = vec![0x0du8; 127];
    chain.extend([0x05, 0x00]);
    c.bytes::<Chain>("128 nested options", &chain);
    let mut chain = vec![0x0du8; 128];
    chain.extend([0x05, 0x00]);
    c.bytes::<Chain>("129 nested options", &chain);
    let mut bomb = vec![0x1b, 0x08, 0x10];
    bomb.extend([0x0b; 200]);
    bomb.push(0x00);
    c.bytes::<Two>("a depth bomb in an unknown field", &bomb);
    bomb[0] = 0x0b;
    c.bytes::<()>("a depth bomb read as unit", &bomb[3..]);
    c.bytes::<Vec<u8>>(
        "a huge count",
        &[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
    );
    c.bytes::<String>(
        "a huge length",
        &[0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
    );
    c.bytes_with::<Three>("a marker then the end of input", &[0x13, 0x08, 0x06], |s| s);
    c
}

/// The first orders of the benchmark's `orders` data set.
const ORDERS: usize = 2_000;

fn orders() -> (Vec<u8>, String, String) {
    let orders: Vec<Order> = Orders::generate(ORDERS);
    let bytes = evowire::to_vec(&orders).expect("encode orders");
    let schema = trace::<Vec<Order>>().to_json();
    let values = plain(&orders, false);
    let lines: Vec<String> = values
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.to_string())
        .collect();
    (bytes, schema, format!("[\n{}\n]\n", lines.join(",\n")))
}

// ---- the test ---------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

fn updating() -> bool {
    std::env::var("EVOWIRE_VECTORS_UPDATE").is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn vectors_match_the_committed_files() {
    let (orders, orders_schema, orders_values) = orders();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("tree.json", tree_cases().into_json().into_bytes()),
        ("values.json", value_cases().into_json().into_bytes()),
        ("evolution.json", evolution_cases().into_json().into_bytes()),
        ("errors.json", error_cases().into_json().into_bytes()),
        ("orders.evowire", orders),
        ("orders.schema.json", orders_schema.into_bytes()),
        ("orders.json", orders_values.into_bytes()),
    ];
    let dir = root();
    let mut stale = Vec::new();
    for (name, content) in &files {
        let path = dir.join(name);
        if updating() {
            std::fs::create_dir_all(&dir).expect("create vectors/");
            std::fs::write(&path, content).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
        } else if std::fs::read(&path).ok().as_deref() != Some(&content[..]) {
            stale.push(*name);
        }
    }
    assert!(
        stale.is_empty(),
        "vectors/{{{}}} differ from what the Rust crate writes; \
         run `EVOWIRE_VECTORS_UPDATE=1 cargo test -p evowire-schema --test vectors` and review the diff",
        stale.join(", ")
    );
}

/// Every schema in the files is a valid document, and every error case has an offset.
#[test]
fn vectors_are_well_formed() {
    for cases in [value_cases(), evolution_cases(), error_cases()] {
        for case in &cases.0 {
            let schema = serde_json::to_string(&case["schema"]).unwrap();
            Schema::from_json(&schema).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
            if let Some(error) = case.get("error") {
                assert!(error["offset"].is_u64(), "{case}");
            }
        }
    }
    let errors = error_cases();
    assert!(errors.0.len() > 100);
}
