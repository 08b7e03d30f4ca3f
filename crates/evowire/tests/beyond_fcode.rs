//! What evowire does where fcode 1.1 panics or fails: skipped fields, unknown lengths and
//! `deserialize_any` (untagged enums, `flatten`, internally tagged enums, `IgnoredAny`,
//! `Value`). Messages that use none of these are byte-identical to fcode's.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use evowire::{ErrorKind, Value};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Encodes `value`, compares with `expected`, decodes it back (slice and reader), checks
/// `serialized_size` and `to_writer`, and that `Value` re-encodes the bytes unchanged.
#[track_caller]
fn same_bytes<T>(value: &T, expected: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = evowire::to_vec(value).unwrap();
    assert_eq!(bytes, expected, "bytes of {value:?}");
    assert_eq!(evowire::serialized_size(value).unwrap(), bytes.len());
    let mut written = Vec::new();
    evowire::to_writer(&mut written, value).unwrap();
    assert_eq!(written, bytes);
    assert_eq!(&evowire::from_slice::<T>(&bytes).unwrap(), value);
    assert_eq!(&evowire::from_reader::<_, T>(&bytes[..]).unwrap(), value);
    lossless(&bytes);
}

/// `Value` decodes `bytes` and re-encodes exactly them; `IgnoredAny` skips them whole.
#[track_caller]
fn lossless(bytes: &[u8]) -> Value {
    let v: Value = evowire::from_slice(bytes).unwrap();
    assert_eq!(evowire::to_vec(&v).unwrap(), bytes, "Value {v:?}");
    let from_reader: Value = evowire::from_reader(bytes).unwrap();
    assert_eq!(evowire::to_vec(&from_reader).unwrap(), bytes);
    evowire::from_slice::<IgnoredAny>(bytes).unwrap();
    v
}

/// Encodes and decodes `value` (without fixing the bytes).
#[track_caller]
fn round_trip<T>(value: &T) -> Vec<u8>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = evowire::to_vec(value).unwrap();
    assert_eq!(
        &evowire::from_slice::<T>(&bytes).unwrap(),
        value,
        "{bytes:02x?}"
    );
    assert_eq!(&evowire::from_reader::<_, T>(&bytes[..]).unwrap(), value);
    assert_eq!(evowire::serialized_size(value).unwrap(), bytes.len());
    bytes
}

/// fcode 1.1 either panics or returns an error on `f`.
fn fcode_fails<R: Debug>(what: &str, f: impl FnOnce() -> Result<R, fcode::Error>) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Err(_) => {}
        Ok(Err(_)) => {}
        Ok(Ok(v)) => panic!("fcode handled {what}: {v:?}"),
    }
}

// ---- skip_serializing_if -------------------------------------------------------------------

fn none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Skips {
    #[serde(default, skip_serializing_if = "none")]
    a: Option<u8>, // first
    b: u8,
    #[serde(default, skip_serializing_if = "none")]
    c: Option<u8>, // middle
    d: u8,
    #[serde(default, skip_serializing_if = "none")]
    e: Option<u8>, // consecutive …
    #[serde(default, skip_serializing_if = "none")]
    f: Option<u8>, // … with e
    g: u8,
    #[serde(default, skip_serializing_if = "none")]
    h: Option<u8>, // second to last
    #[serde(default, skip_serializing_if = "none")]
    i: Option<u8>, // last
}

fn full() -> Skips {
    Skips {
        a: Some(1),
        b: 2,
        c: Some(3),
        d: 4,
        e: Some(5),
        f: Some(6),
        g: 7,
        h: Some(8),
        i: Some(9),
    }
}

/// Some(1) .. Some(9) and the plain 2, 4, 7, as bytes.
const A: [u8; 2] = [0x0d, 0x08];
const B: u8 = 0x10;
const C: [u8; 2] = [0x0d, 0x18];
const D: u8 = 0x20;
const E: [u8; 2] = [0x0d, 0x28];
const F: [u8; 2] = [0x0d, 0x30];
const G: u8 = 0x38;
const H: [u8; 2] = [0x0d, 0x40];
const I: [u8; 2] = [0x0d, 0x48];
const ABSENT: u8 = 0x06;

fn seq(count: u8, parts: &[&[u8]]) -> Vec<u8> {
    assert!(count < 16);
    let mut out = vec![0x03 | (count << 3)];
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

#[test]
fn nothing_skipped_is_fcode_identical() {
    let expected = seq(9, &[&A, &[B], &C, &[D], &E, &F, &[G], &H, &I]);
    same_bytes(&full(), &expected);
    assert_eq!(fcode::to_bytes(&full()).unwrap(), expected);
    assert_eq!(fcode::from_bytes::<Skips>(&expected).unwrap(), full());
}

#[test]
fn skipped_fields_leave_absent_markers() {
    let cases: Vec<(Skips, Vec<u8>)> = vec![
        (
            Skips { a: None, ..full() },
            seq(8, &[&[ABSENT, B], &C, &[D], &E, &F, &[G], &H, &I]),
        ),
        (
            Skips { c: None, ..full() },
            seq(8, &[&A, &[B, ABSENT, D], &E, &F, &[G], &H, &I]),
        ),
        (
            Skips {
                e: None,
                f: None,
                ..full()
            },
            seq(7, &[&A, &[B], &C, &[D, ABSENT, ABSENT, G], &H, &I]),
        ),
        (
            Skips { h: None, ..full() },
            seq(8, &[&A, &[B], &C, &[D], &E, &F, &[G, ABSENT], &I]),
        ),
        // Fields skipped at the end leave nothing behind.
        (
            Skips { i: None, ..full() },
            seq(8, &[&A, &[B], &C, &[D], &E, &F, &[G], &H]),
        ),
        (
            Skips {
                h: None,
                i: None,
                ..full()
            },
            seq(7, &[&A, &[B], &C, &[D], &E, &F, &[G]]),
        ),
        (
            Skips {
                a: None,
                c: None,
                e: None,
                f: None,
                h: None,
                i: None,
                ..full()
            },
            vec![0x1b, ABSENT, B, ABSENT, D, ABSENT, ABSENT, G],
        ),
    ];
    for (value, expected) in &cases {
        same_bytes(value, expected);
        // The marker does not count: the header holds the number of written fields.
        let written = [value.a, value.c, value.e, value.f, value.h, value.i]
            .iter()
            .filter(|v| v.is_some())
            .count()
            + 3;
        assert_eq!(expected[0] >> 3, written as u8);
    }
    // Trailing skips need no marker; a marker appears before each later written field.
    let all_skipped = &cases[6].1;
    assert_eq!(
        lossless(all_skipped),
        Value::Seq(vec![
            Value::Absent,
            Value::U64(2),
            Value::Absent,
            Value::U64(4),
            Value::Absent,
            Value::Absent,
            Value::U64(7),
        ])
    );
}

#[test]
fn readers_without_defaults_refuse_a_missing_field() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Strict {
        a: Option<u8>,
        b: u8,
    }
    let bytes = evowire::to_vec(&Skips { a: None, ..full() }).unwrap();
    let e = evowire::from_slice::<Strict>(&bytes).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    assert_eq!(e.offset(), Some(0));
    assert!(e.message().starts_with("invalid length 0"), "{e}");

    // An older reader that knows the first two fields (with defaults) skips the rest.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Older {
        #[serde(default)]
        a: Option<u8>,
        b: u8,
    }
    assert_eq!(
        evowire::from_slice::<Older>(&bytes).unwrap(),
        Older { a: None, b: 2 }
    );
    // Markers among the unknown trailing fields are skipped too.
    let bytes = evowire::to_vec(&Skips {
        c: None,
        e: None,
        ..full()
    })
    .unwrap();
    assert_eq!(
        evowire::from_slice::<Older>(&bytes).unwrap(),
        Older { a: Some(1), b: 2 }
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum WithSkips {
    Plain(u8),
    Fields {
        #[serde(default, skip_serializing_if = "none")]
        x: Option<u8>,
        y: u8,
        #[serde(default, skip_serializing_if = "none")]
        z: Option<u8>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        s: String,
    },
}

#[test]
fn skipped_fields_in_struct_variants() {
    let all = WithSkips::Fields {
        x: Some(1),
        y: 2,
        z: Some(3),
        s: "s".into(),
    };
    let bytes = [0x0d, 0x23, 0x0d, 0x08, 0x10, 0x0d, 0x18, 0x0c, b's'];
    same_bytes(&all, &bytes);
    assert_eq!(fcode::to_bytes(&all).unwrap(), bytes);

    same_bytes(
        &WithSkips::Fields {
            x: None,
            y: 2,
            z: None,
            s: String::new(),
        },
        &[0x0d, 0x0b, ABSENT, 0x10],
    );
    same_bytes(
        &WithSkips::Fields {
            x: None,
            y: 2,
            z: None,
            s: "s".into(),
        },
        &[0x0d, 0x13, ABSENT, 0x10, ABSENT, 0x0c, b's'],
    );
    same_bytes(
        &WithSkips::Fields {
            x: Some(1),
            y: 2,
            z: None,
            s: String::new(),
        },
        &[0x0d, 0x13, 0x0d, 0x08, 0x10],
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Container {
    id: u32,
    items: Vec<Skips>,
    variant: WithSkips,
    #[serde(default, skip_serializing_if = "none")]
    tail: Option<Box<Skips>>,
}

#[test]
fn skipped_fields_nested_in_sequences() {
    let c = Container {
        id: 7,
        items: vec![
            Skips { a: None, ..full() },
            full(),
            Skips {
                h: None,
                i: None,
                ..full()
            },
        ],
        variant: WithSkips::Fields {
            x: None,
            y: 2,
            z: None,
            s: String::new(),
        },
        tail: None,
    };
    let bytes = round_trip(&c);
    let v = lossless(&bytes);
    match v {
        Value::Seq(fields) => {
            assert_eq!(fields.len(), 3);
            match &fields[1] {
                Value::Seq(items) => assert_eq!(
                    items[0],
                    Value::Seq(vec![
                        Value::Absent,
                        Value::U64(2),
                        Value::Variant(1, Box::new(Value::U64(3))),
                        Value::U64(4),
                        Value::Variant(1, Box::new(Value::U64(5))),
                        Value::Variant(1, Box::new(Value::U64(6))),
                        Value::U64(7),
                        Value::Variant(1, Box::new(Value::U64(8))),
                        Value::Variant(1, Box::new(Value::U64(9))),
                    ])
                ),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    // With the tail present, the marker-free prefix is unchanged.
    let with_tail = Container {
        tail: Some(Box::new(Skips { f: None, ..full() })),
        ..c
    };
    let longer = round_trip(&with_tail);
    assert_eq!(longer[0], 0x23);
    assert_eq!(&longer[1..bytes.len()], &bytes[1..]);
    lossless(&longer);
}

#[test]
fn unconditional_skip_on_the_last_field() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Cache {
        key: u8,
        #[serde(skip_serializing, default)]
        memo: u64,
    }
    let bytes = evowire::to_vec(&Cache { key: 3, memo: 99 }).unwrap();
    assert_eq!(bytes, [0x0b, 0x18]);
    assert_eq!(
        evowire::from_slice::<Cache>(&bytes).unwrap(),
        Cache { key: 3, memo: 0 }
    );
}

// ---- unknown lengths -----------------------------------------------------------------------

/// Serializes the even numbers of a slice through a filtering iterator: no length known.
struct Evens<'a>(&'a [u32]);

impl Serialize for Evens<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().filter(|x| *x % 2 == 0))
    }
}

fn evens(xs: &[u32]) -> Vec<u32> {
    xs.iter().copied().filter(|x| x % 2 == 0).collect()
}

/// Entries of a map whose value is odd, again through a filter.
struct OddValues<'a>(&'a BTreeMap<String, u32>);

impl Serialize for OddValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().filter(|(_, v)| *v % 2 == 1))
    }
}

/// Unknown-length sequences of unknown-length sequences, skipping empty ones.
struct NestedEvens<'a>(&'a [Vec<u32>]);

impl Serialize for NestedEvens<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| Evens(v.as_slice())),
        )
    }
}

/// A struct (known length) whose fields have unknown lengths, some skipped.
struct Report<'a> {
    name: &'a str,
    evens: Evens<'a>,
    odd: OddValues<'a>,
    skips: Vec<Skips>,
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Report", 4)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("evens", &self.evens)?;
        st.serialize_field("odd", &self.odd)?;
        st.serialize_field("skips", &self.skips)?;
        st.end()
    }
}

#[derive(Deserialize, Serialize, Debug, PartialEq)]
struct KnownReport {
    name: String,
    evens: Vec<u32>,
    odd: BTreeMap<String, u32>,
    skips: Vec<Skips>,
}

#[test]
fn unknown_length_sequences_match_known_length_bytes() {
    let xs = [1, 2, 3, 4, 5, 6];
    let bytes = evowire::to_vec(&Evens(&xs)).unwrap();
    assert_eq!(bytes, [0x1b, 0x10, 0x20, 0x30]);
    assert_eq!(bytes, fcode::to_bytes(&evens(&xs)).unwrap());
    assert_eq!(evowire::serialized_size(&Evens(&xs)).unwrap(), 4);
    assert_eq!(evowire::from_slice::<Vec<u32>>(&bytes).unwrap(), [2, 4, 6]);

    assert_eq!(evowire::to_vec(&Evens(&[1, 3])).unwrap(), [0x03]);
    assert_eq!(evowire::to_vec(&Evens(&[])).unwrap(), [0x03]);

    // 50 items: the count needs a two-byte header.
    let many: Vec<u32> = (0..100).collect();
    let bytes = evowire::to_vec(&Evens(&many)).unwrap();
    assert_eq!(&bytes[..2], [0x93, 0x03]);
    assert_eq!(bytes, evowire::to_vec(&evens(&many)).unwrap());
    assert_eq!(bytes, fcode::to_bytes(&evens(&many)).unwrap());
    let mut written = Vec::new();
    evowire::to_writer(&mut written, &Evens(&many)).unwrap();
    assert_eq!(written, bytes);
}

#[test]
fn unknown_length_maps_match_known_length_bytes() {
    let mut m = BTreeMap::new();
    for (k, v) in [("a", 1u32), ("b", 2), ("c", 3), ("d", 40)] {
        m.insert(k.to_string(), v);
    }
    let odd: BTreeMap<String, u32> = m
        .iter()
        .filter(|(_, v)| *v % 2 == 1)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let bytes = evowire::to_vec(&OddValues(&m)).unwrap();
    assert_eq!(bytes, [0x23, 0x0c, b'a', 0x08, 0x0c, b'c', 0x18]);
    assert_eq!(bytes, evowire::to_vec(&odd).unwrap());
    assert_eq!(bytes, fcode::to_bytes(&odd).unwrap());
    assert_eq!(
        evowire::from_slice::<BTreeMap<String, u32>>(&bytes).unwrap(),
        odd
    );
}

#[test]
fn unknown_length_inside_unknown_length() {
    let data = vec![vec![1, 2, 4], vec![], vec![3], vec![6, 8, 10, 11]];
    let known: Vec<Vec<u32>> = data
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| evens(v))
        .collect();
    let bytes = evowire::to_vec(&NestedEvens(&data)).unwrap();
    assert_eq!(
        bytes,
        [0x1b, 0x13, 0x10, 0x20, 0x03, 0x1b, 0x30, 0x40, 0x50]
    );
    assert_eq!(bytes, fcode::to_bytes(&known).unwrap());
    assert_eq!(evowire::from_slice::<Vec<Vec<u32>>>(&bytes).unwrap(), known);
    assert_eq!(
        evowire::serialized_size(&NestedEvens(&data)).unwrap(),
        bytes.len()
    );

    // Inside a known-length struct, next to skipped fields.
    let mut m = BTreeMap::new();
    m.insert("k".to_string(), 5u32);
    m.insert("l".to_string(), 6u32);
    let xs = [2, 3, 4];
    let skips = vec![Skips { c: None, ..full() }];
    let report = Report {
        name: "r",
        evens: Evens(&xs),
        odd: OddValues(&m),
        skips: skips.clone(),
    };
    let known = KnownReport {
        name: "r".into(),
        evens: vec![2, 4],
        odd: [("k".to_string(), 5)].into_iter().collect(),
        skips,
    };
    let bytes = evowire::to_vec(&report).unwrap();
    assert_eq!(bytes, evowire::to_vec(&known).unwrap());
    assert_eq!(evowire::from_slice::<KnownReport>(&bytes).unwrap(), known);
    lossless(&bytes);
}

#[test]
fn unknown_length_sequences_of_structs_with_markers() {
    struct SomeSkips<'a>(&'a [Skips]);
    impl Serialize for SomeSkips<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().filter(|s| s.b == 2))
        }
    }
    let items = vec![
        Skips { a: None, ..full() },
        Skips { b: 0, ..full() },
        Skips {
            e: None,
            i: None,
            ..full()
        },
    ];
    let kept: Vec<Skips> = items.iter().filter(|s| s.b == 2).cloned().collect();
    let bytes = evowire::to_vec(&SomeSkips(&items)).unwrap();
    assert_eq!(bytes, evowire::to_vec(&kept).unwrap());
    assert_eq!(bytes[0], 0x13);
    assert_eq!(bytes[1..3], [0x43, ABSENT]);
    assert_eq!(evowire::from_slice::<Vec<Skips>>(&bytes).unwrap(), kept);
}

// ---- flatten -------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Meta {
    name: String,
    score: f64,
    #[serde(default)]
    note: Option<String>,
    count: u16,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Flat {
    id: u32,
    #[serde(flatten)]
    meta: Meta,
    tail: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Flatter {
    #[serde(flatten)]
    flat: Flat,
    #[serde(default, skip_serializing_if = "none")]
    extra: Option<u64>,
}

#[test]
fn flatten_is_a_map_of_names() {
    let f = Flat {
        id: 1,
        meta: Meta {
            name: "n".into(),
            score: 0.5,
            note: None,
            count: 2,
        },
        tail: vec![3],
    };
    let mut expected = vec![0x63]; // a sequence of 12 items: 6 entries
    for (key, value) in [
        (&b"id"[..], &[0x08][..]),
        (b"name", &[0x0c, b'n']),
        (b"score", &[0x02, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]),
        (b"note", &[0x05, 0x00]),
        (b"count", &[0x10]),
        (b"tail", &[0x0b, 0x18]),
    ] {
        expected.push(0x04 | ((key.len() as u8) << 3));
        expected.extend_from_slice(key);
        expected.extend_from_slice(value);
    }
    same_bytes(&f, &expected);
    // The same bytes as a known-length map of the same entries.
    let as_map = Value::Map(vec![
        (Value::String("id".into()), Value::U64(1)),
        (Value::String("name".into()), Value::String("n".into())),
        (Value::String("score".into()), Value::F64(0.5)),
        (
            Value::String("note".into()),
            Value::Variant(0, Box::new(Value::Unit)),
        ),
        (Value::String("count".into()), Value::U64(2)),
        (
            Value::String("tail".into()),
            Value::Seq(vec![Value::U64(3)]),
        ),
    ]);
    assert_eq!(evowire::to_vec(&as_map).unwrap(), expected);
}

#[test]
fn flatten_round_trips() {
    let base = Flat {
        id: 70000,
        meta: Meta {
            name: "héllo".into(),
            score: -1.25e300,
            note: Some("n".into()),
            count: u16::MAX,
        },
        tail: vec![0, 255],
    };
    round_trip(&base);
    let no_note = Flat {
        meta: Meta {
            note: None,
            ..base.meta.clone()
        },
        ..base.clone()
    };
    round_trip(&no_note);
    lossless(&evowire::to_vec(&no_note).unwrap());

    // Flatten inside flatten, with a skipped field next to it.
    for extra in [None, Some(u64::MAX)] {
        let f = Flatter {
            flat: base.clone(),
            extra,
        };
        let bytes = round_trip(&f);
        lossless(&bytes);
        // A skipped field inside a map is simply left out.
        let entries = 6 + usize::from(extra.is_some());
        match evowire::from_slice::<Value>(&bytes).unwrap() {
            Value::Seq(items) => assert_eq!(items.len(), 2 * entries),
            other => panic!("{other:?}"),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Extensible {
    id: u32,
    name: String,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct ExtensibleHash {
    id: u32,
    #[serde(flatten)]
    extra: HashMap<String, Value>,
}

fn extras() -> Vec<(String, Value)> {
    vec![
        ("int".into(), Value::U64(u64::MAX)),
        ("text".into(), Value::String("t".into())),
        ("raw".into(), Value::Bytes(vec![0xff, 0x00, 0xfe])),
        ("f32".into(), Value::F32(1.5)),
        ("f64".into(), Value::F64(-2.5)),
        (
            "list".into(),
            Value::Seq(vec![
                Value::U64(1),
                Value::Seq(vec![]),
                Value::String("x".into()),
            ]),
        ),
        ("some".into(), Value::Variant(1, Box::new(Value::U64(3)))),
        ("none".into(), Value::Variant(0, Box::new(Value::Unit))),
    ]
}

#[test]
fn flatten_catch_all_of_values() {
    let e = Extensible {
        id: 9,
        name: "e".into(),
        extra: extras().into_iter().collect(),
    };
    let bytes = round_trip(&e);
    lossless(&bytes);

    let h = ExtensibleHash {
        id: 9,
        extra: extras().into_iter().collect(),
    };
    round_trip(&h);

    // What a newer version with two more fields writes (a flattened struct is a map of
    // names; a tuple of 8 items has the same bytes): the new fields land in the catch-all.
    let bytes = evowire::to_vec(&(
        "id",
        1u32,
        "name",
        "n",
        "added",
        vec!["a"],
        "flag",
        Some(2u8),
    ))
    .unwrap();
    let got: Extensible = evowire::from_slice(&bytes).unwrap();
    assert_eq!(got.id, 1);
    assert_eq!(got.name, "n");
    assert_eq!(
        got.extra.get("added"),
        Some(&Value::Seq(vec![Value::String("a".into())]))
    );
    assert_eq!(
        got.extra.get("flag"),
        Some(&Value::Variant(1, Box::new(Value::U64(2))))
    );
}

#[test]
fn flatten_refuses_enums_and_absent_markers_with_an_error() {
    // Variants other than 0/1 cannot pass serde's buffering (documented).
    let e = Extensible {
        id: 1,
        name: "n".into(),
        extra: [("v".to_string(), Value::Variant(2, Box::new(Value::U64(1))))]
            .into_iter()
            .collect(),
    };
    let bytes = evowire::to_vec(&e).unwrap();
    let err = evowire::from_slice::<Extensible>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Custom, "{err}");
    // Absent markers outside a struct read through deserialize_any are refused.
    let marked = evowire::to_vec(&Skips { a: None, ..full() }).unwrap();
    let e = Extensible {
        id: 1,
        name: "n".into(),
        extra: [(
            "s".to_string(),
            evowire::from_slice::<Value>(&marked).unwrap(),
        )]
        .into_iter()
        .collect(),
    };
    let bytes = evowire::to_vec(&e).unwrap();
    let err = evowire::from_slice::<Extensible>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidWireType, "{err}");
}

// ---- untagged ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Inner {
    x: u16,
    name: String,
    opt: Option<u32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pair {
    id: u32,
    label: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Nested {
    inner: Inner,
    big: u64,
    list: Vec<u8>,
    f: f32,
}

/// Untagged enums read positional structs through newtype variants (serde generates no
/// sequence visitor for untagged *struct* variants: see `untagged_limits_fail_with_errors`).
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(untagged)]
enum Loose {
    Num(u64),
    Text(String),
    Float(f64),
    Pair(Pair),
    Nested(Nested),
    Tuple(u8, String, Option<u8>),
    // Before `Raw`: an empty sequence would also read as empty bytes.
    Many(Vec<Loose>),
    Raw(ByteBuf),
}

#[test]
fn untagged_enums_round_trip() {
    let values = vec![
        Loose::Num(0),
        Loose::Num(u64::MAX),
        Loose::Text("hello".into()),
        Loose::Text(String::new()),
        Loose::Float(2.5),
        Loose::Float(f64::MAX),
        Loose::Pair(Pair {
            id: 7,
            label: Some("l".into()),
        }),
        Loose::Pair(Pair { id: 7, label: None }),
        Loose::Nested(Nested {
            inner: Inner {
                x: 300,
                name: "n".into(),
                opt: Some(5),
            },
            big: u64::MAX,
            list: vec![1, 2, 3],
            f: 0.25,
        }),
        Loose::Tuple(1, "t".into(), None),
        Loose::Raw(ByteBuf::from(vec![0xff, 0xfe])),
        Loose::Many(vec![
            Loose::Num(1),
            Loose::Text("x".into()),
            Loose::Many(vec![]),
        ]),
    ];
    for v in &values {
        let bytes = round_trip(v);
        // Untagged writes exactly what the variant's content writes, as fcode does.
        assert_eq!(bytes, fcode::to_bytes(v).unwrap());
        lossless(&bytes);
    }
    let bytes = evowire::to_vec(&values).unwrap();
    assert_eq!(evowire::from_slice::<Vec<Loose>>(&bytes).unwrap(), values);
}

#[test]
fn untagged_limits_fail_with_errors() {
    // What the wire cannot tell deserialize_any: these fail cleanly, never panic.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Flag {
        B(bool),
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Letter {
        C(char),
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Huge {
        U(u128),
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Color {
        Red,
        Green,
        Blue,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Colored {
        C(Color),
    }
    let bool_bytes = evowire::to_vec(&Flag::B(true)).unwrap();
    let e = evowire::from_slice::<Flag>(&bool_bytes).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    let char_bytes = evowire::to_vec(&Letter::C('x')).unwrap();
    assert_eq!(
        evowire::from_slice::<Letter>(&char_bytes)
            .unwrap_err()
            .kind(),
        ErrorKind::Custom
    );
    let huge = evowire::to_vec(&Huge::U(u128::MAX)).unwrap();
    assert_eq!(
        evowire::from_slice::<Huge>(&huge).unwrap_err().kind(),
        ErrorKind::Custom
    );
    // serde's buffer has no u128 at all: even small values fail.
    let small = evowire::to_vec(&Huge::U(5)).unwrap();
    assert_eq!(
        evowire::from_slice::<Huge>(&small).unwrap_err().kind(),
        ErrorKind::Custom
    );
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Nothing {
        U(()),
    }
    let unit = evowire::to_vec(&Nothing::U(())).unwrap();
    assert_eq!(
        evowire::from_slice::<Nothing>(&unit).unwrap_err().kind(),
        ErrorKind::Custom
    );
    // Struct variants of untagged enums only accept maps in serde: a positional struct
    // never matches. Newtype variants holding a struct work (see `Loose`).
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Named {
        S { id: u32, label: String },
    }
    let named = evowire::to_vec(&Named::S {
        id: 1,
        label: "l".into(),
    })
    .unwrap();
    assert_eq!(named, [0x13, 0x08, 0x0c, b'l']);
    let e = evowire::from_slice::<Named>(&named).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    assert_eq!(
        e.message(),
        "data did not match any variant of untagged enum Named"
    );
    let blue = evowire::to_vec(&Colored::C(Color::Blue)).unwrap();
    let e = evowire::from_slice::<Colored>(&blue).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
}

// ---- internally and adjacently tagged ------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "type")]
enum Internal {
    Ping {
        seq: u32,
    },
    Data {
        payload: String,
        n: u64,
        opt: Option<String>,
    },
    Wrapped(Inner),
    Stop,
}

#[test]
fn internally_tagged_enums_round_trip() {
    // The tag is the first field of a struct: a sequence of name then fields.
    let ping = Internal::Ping { seq: 3 };
    let bytes = [0x13, 0x24, b'P', b'i', b'n', b'g', 0x18];
    same_bytes(&ping, &bytes);
    assert_eq!(fcode::to_bytes(&ping).unwrap(), bytes);
    same_bytes(&Internal::Stop, &[0x0b, 0x24, b'S', b't', b'o', b'p']);
    for v in [
        Internal::Data {
            payload: "p".into(),
            n: 1 << 40,
            opt: Some("o".into()),
        },
        Internal::Data {
            payload: String::new(),
            n: 0,
            opt: None,
        },
        Internal::Wrapped(Inner {
            x: 1,
            name: "w".into(),
            opt: None,
        }),
    ] {
        let bytes = round_trip(&v);
        assert_eq!(bytes, fcode::to_bytes(&v).unwrap());
        lossless(&bytes);
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Ping { seq: u32 },
    Stop,
    N(u8),
}

/// Adjacently tagged enums write the tag as a unit variant; serde reads it back through
/// `deserialize_identifier`, which takes a variant's index as the identifier. fcode 1.1
/// cannot read these (`deserialize_any` panics there); evowire round-trips newtype and tuple
/// variants. Two serde limits of positional formats remain, each a clean error: a unit
/// variant is written as a 1-field struct but read back expecting 2 items, and serde
/// generates no sequence visitor for the content of a struct variant.
#[test]
fn adjacently_tagged_enums_round_trip_newtype_variants() {
    let n = [0x13, 0x15, 0x00, 0x20];
    assert_eq!(evowire::to_vec(&Adjacent::N(4)).unwrap(), n);
    assert_eq!(fcode::to_bytes(&Adjacent::N(4)).unwrap(), n);
    assert_eq!(evowire::from_slice::<Adjacent>(&n).unwrap(), Adjacent::N(4));
    lossless(&n);

    for (v, bytes, message, offset) in [
        (
            Adjacent::Ping { seq: 3 },
            vec![0x13, 0x05, 0x00, 0x0b, 0x18],
            "expected struct variant",
            3,
        ),
        (
            Adjacent::Stop,
            vec![0x0b, 0x0d, 0x00],
            "invalid length 1",
            0,
        ),
    ] {
        assert_eq!(evowire::to_vec(&v).unwrap(), bytes);
        let e = evowire::from_slice::<Adjacent>(&bytes).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Custom, "{e}");
        assert!(e.message().contains(message), "{e}");
        assert_eq!(e.offset(), Some(offset));
        lossless(&bytes);
    }
    // A tag index no variant has is a clean error.
    let e = evowire::from_slice::<Adjacent>(&[0x13, 0x1d, 0x00, 0x00]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom, "{e}");
    assert_eq!(e.offset(), Some(1));
}

// ---- IgnoredAny ----------------------------------------------------------------------------

#[derive(Deserialize, Debug, PartialEq)]
struct Head {
    a: u8,
}

#[test]
fn ignored_any_skips_every_kind_of_item() {
    let mut items: Vec<(&str, Vec<u8>)> = vec![
        ("unit", evowire::to_vec(&()).unwrap()),
        ("bool", evowire::to_vec(&true).unwrap()),
        ("u8", evowire::to_vec(&200u8).unwrap()),
        ("i64 min", evowire::to_vec(&i64::MIN).unwrap()),
        ("u128 max", evowire::to_vec(&u128::MAX).unwrap()),
        ("i128 min", evowire::to_vec(&i128::MIN).unwrap()),
        ("f32", evowire::to_vec(&1.5f32).unwrap()),
        ("f64", evowire::to_vec(&f64::NAN).unwrap()),
        ("char", evowire::to_vec(&'🦀').unwrap()),
        ("str", evowire::to_vec("text").unwrap()),
        ("long str", evowire::to_vec(&"x".repeat(300)).unwrap()),
        (
            "bytes",
            evowire::to_vec(&ByteBuf::from(vec![0xff; 20])).unwrap(),
        ),
        ("empty seq", evowire::to_vec(&Vec::<u8>::new()).unwrap()),
        ("seq", evowire::to_vec(&vec![1u32, 2, 3]).unwrap()),
        ("nested", evowire::to_vec(&vec![vec![vec![1u8]]]).unwrap()),
        (
            "map",
            evowire::to_vec(&[("k", 1u8)].into_iter().collect::<BTreeMap<_, _>>()).unwrap(),
        ),
        ("none", evowire::to_vec(&None::<u8>).unwrap()),
        ("some", evowire::to_vec(&Some(Some(1u8))).unwrap()),
        ("unit variant", evowire::to_vec(&Internal::Stop).unwrap()),
        (
            "struct variant",
            evowire::to_vec(&WithSkips::Fields {
                x: None,
                y: 1,
                z: None,
                s: "s".into(),
            })
            .unwrap(),
        ),
        (
            "markers",
            evowire::to_vec(&Skips { a: None, ..full() }).unwrap(),
        ),
        (
            "flatten",
            evowire::to_vec(&Flatter {
                flat: Flat {
                    id: 1,
                    meta: Meta {
                        name: "n".into(),
                        score: 1.0,
                        note: None,
                        count: 1,
                    },
                    tail: vec![],
                },
                extra: None,
            })
            .unwrap(),
        ),
        // Non-canonical encodings are still well-formed items.
        ("padded zero", vec![0x80, 0x80, 0x00]),
        ("padded seq header", vec![0x8b, 0x00, 0x08]),
    ];
    items.push(("all of the above", {
        let mut all =
            evowire::wire::encode_varint(evowire::wire::WireType::Sequence, items.len() as u64)
                .as_slice()
                .to_vec();
        for (_, b) in &items {
            all.extend(b);
        }
        all
    }));
    for (name, bytes) in &items {
        evowire::from_slice::<IgnoredAny>(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        evowire::from_reader::<_, IgnoredAny>(&bytes[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
        // As an unknown trailing field of a struct.
        let mut holder = vec![0x13, 0x08];
        holder.extend(bytes);
        assert_eq!(
            evowire::from_slice::<Head>(&holder).unwrap_or_else(|e| panic!("{name}: {e}")),
            Head { a: 1 }
        );
        // Inside a sequence of IgnoredAny, then something after it.
        let mut de = evowire::Deserializer::from_slice(bytes);
        IgnoredAny::deserialize(&mut de).unwrap();
        assert_eq!(de.offset(), bytes.len() as u64, "{name}");
        // Unit reads any item the same way (deprecated fields).
        evowire::from_slice::<()>(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// ---- Value ---------------------------------------------------------------------------------

#[test]
fn value_round_trips_are_byte_identical() {
    let nan32 = f32::from_bits(0x7fc0_0001);
    let neg_nan64 = f64::from_bits(0xfff8_0000_0000_0042);
    let cases: Vec<Vec<u8>> = vec![
        evowire::to_vec(&Skips {
            a: None,
            e: None,
            f: None,
            i: None,
            ..full()
        })
        .unwrap(),
        evowire::to_vec(&vec![Skips { c: None, ..full() }, full()]).unwrap(),
        evowire::to_vec(&u128::MAX).unwrap(),
        evowire::to_vec(&(u128::from(u64::MAX) + 1)).unwrap(),
        evowire::to_vec(&i128::MIN).unwrap(),
        evowire::to_vec(&ByteBuf::from(vec![0xff, 0xc3, 0x28, 0x00])).unwrap(),
        evowire::to_vec(&(nan32, neg_nan64, -0.0f64, f32::INFINITY)).unwrap(),
        evowire::to_vec(&save_like()).unwrap(),
    ];
    for bytes in &cases {
        lossless(bytes);
    }
    // The decoded values, exactly.
    assert_eq!(
        evowire::from_slice::<Value>(&cases[2]).unwrap(),
        Value::U128(u128::MAX)
    );
    assert_eq!(
        evowire::from_slice::<Value>(&cases[3]).unwrap(),
        Value::U128(1 << 64)
    );
    assert_eq!(
        evowire::from_slice::<Value>(&cases[5]).unwrap(),
        Value::Bytes(vec![0xff, 0xc3, 0x28, 0x00])
    );
    match evowire::from_slice::<Value>(&cases[6]).unwrap() {
        Value::Seq(items) => match items.as_slice() {
            [Value::F32(a), Value::F64(b), Value::F64(c), Value::F32(d)] => {
                assert_eq!(a.to_bits(), 0x7fc0_0001);
                assert_eq!(b.to_bits(), 0xfff8_0000_0000_0042);
                assert_eq!(c.to_bits(), (-0.0f64).to_bits());
                assert_eq!(*d, f32::INFINITY);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // Absent markers between items of a sequence, and a Value built by hand with them.
    let hand = Value::Seq(vec![
        Value::Absent,
        Value::U64(1),
        Value::Absent,
        Value::Absent,
        Value::String("s".into()),
    ]);
    let bytes = evowire::to_vec(&hand).unwrap();
    assert_eq!(bytes, [0x13, ABSENT, 0x08, ABSENT, ABSENT, 0x0c, b's']);
    assert_eq!(evowire::from_slice::<Value>(&bytes).unwrap(), hand);
    assert_eq!(
        evowire::to_vec(&Value::Absent).unwrap_err().kind(),
        ErrorKind::Custom
    );
}

fn save_like() -> (
    String,
    Vec<Option<u8>>,
    BTreeMap<u8, String>,
    Internal,
    char,
) {
    (
        "save".into(),
        vec![Some(1), None, Some(255)],
        [(1, "one".to_string()), (2, "two".to_string())]
            .into_iter()
            .collect(),
        Internal::Ping { seq: 9 },
        'é',
    )
}

// ---- the zig-zag limit ---------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Signed {
    a: i32,
    b: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct FlatSigned {
    #[serde(flatten)]
    s: Signed,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum LooseSigned {
    S(Signed),
}

/// Documented limit: through `flatten` and untagged enums a signed field reads the zig-zag
/// code of its value (the wire does not say whether zig-zag was used).
#[test]
fn signed_integers_behind_flatten_read_the_zigzag_code() {
    let bytes = evowire::to_vec(&FlatSigned {
        s: Signed { a: -1, b: 5 },
    })
    .unwrap();
    assert_eq!(
        evowire::from_slice::<FlatSigned>(&bytes).unwrap(),
        FlatSigned {
            s: Signed { a: 1, b: 10 }
        }
    );
    let bytes = evowire::to_vec(&LooseSigned::S(Signed { a: -1, b: -3 })).unwrap();
    assert_eq!(bytes, [0x13, 0x08, 0x28]);
    assert_eq!(
        evowire::from_slice::<LooseSigned>(&bytes).unwrap(),
        LooseSigned::S(Signed { a: 1, b: 5 })
    );
    // Without flatten the same field reads correctly.
    let plain = Signed { a: -1, b: 5 };
    assert_eq!(
        evowire::from_slice::<Signed>(&evowire::to_vec(&plain).unwrap()).unwrap(),
        plain
    );
    // A value whose code does not fit the field fails instead: i32::MIN's code is u32::MAX.
    let bytes = evowire::to_vec(&FlatSigned {
        s: Signed { a: i32::MIN, b: 0 },
    })
    .unwrap();
    let e = evowire::from_slice::<FlatSigned>(&bytes).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom, "{e}");
}

// ---- what fcode does with the same values ----------------------------------------------------

#[test]
fn fcode_fails_where_evowire_works() {
    // fcode panics on these; the panic messages in the output come from here.
    fcode_fails("a skipped field", || {
        fcode::to_bytes(&Skips { a: None, ..full() })
    });
    fcode_fails("a trailing skipped field", || {
        fcode::to_bytes(&Skips { i: None, ..full() })
    });
    fcode_fails("an unknown-length sequence", || {
        fcode::to_bytes(&Evens(&[1, 2]))
    });
    let mut m = BTreeMap::new();
    m.insert("a".to_string(), 1u32);
    fcode_fails("an unknown-length map", || fcode::to_bytes(&OddValues(&m)));
    let flat = Flat {
        id: 1,
        meta: Meta {
            name: "n".into(),
            score: 0.0,
            note: None,
            count: 0,
        },
        tail: vec![],
    };
    fcode_fails("flatten", || fcode::to_bytes(&flat));
    let loose = evowire::to_vec(&Loose::Text("x".into())).unwrap();
    fcode_fails("an untagged enum", || fcode::from_bytes::<Loose>(&loose));
    let internal = evowire::to_vec(&Internal::Ping { seq: 1 }).unwrap();
    fcode_fails("an internally tagged enum", || {
        fcode::from_bytes::<Internal>(&internal)
    });
    let flat_bytes = evowire::to_vec(&flat).unwrap();
    fcode_fails("reading flatten", || fcode::from_bytes::<Flat>(&flat_bytes));

    // And evowire handles each of them.
    round_trip(&Skips { a: None, ..full() });
    round_trip(&flat);
    round_trip(&Loose::Text("x".into()));
    round_trip(&Internal::Ping { seq: 1 });
}

// ---- Serialize impls that lie about their length -------------------------------------------

/// Declares `declared` tuple elements and writes `written`.
struct Liar {
    declared: usize,
    written: usize,
}

impl Serialize for Liar {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.declared)?;
        for i in 0..self.written {
            t.serialize_element(&(i as u8))?;
        }
        t.end()
    }
}

/// fcode writes whatever it is told and the stream is silently corrupt; evowire refuses.
#[test]
fn a_wrong_declared_length_fails_instead_of_corrupting_the_stream() {
    for (declared, written) in [(3, 2), (2, 3), (0, 1), (1, 0)] {
        let e = evowire::to_vec(&Liar { declared, written }).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{e}");
        assert_eq!(
            e.to_string(),
            format!("the Serialize impl declared {declared} items but wrote {written}")
        );
        assert!(evowire::serialized_size(&Liar { declared, written }).is_err());
        assert!(evowire::to_writer(Vec::new(), &Liar { declared, written }).is_err());
    }
    let ok = evowire::to_vec(&Liar {
        declared: 2,
        written: 2,
    })
    .unwrap();
    assert_eq!(ok, [0x13, 0x00, 0x08]);
}

/// Anonymous tuples and arrays never hold absent markers (serde's tuple serializer cannot
/// skip), so their readers reject one; a tuple struct reads it as a missing field like a
/// struct does (SPEC §9.3).
#[test]
fn tuples_and_arrays_reject_absent_markers_tuple_structs_read_them_as_missing() {
    // A struct { a: 1, b: skipped, c: 3 }: count 2, `a`, marker, `c`.
    let bytes = [0x13, 0x08, 0x06, 0x18];
    for e in [
        evowire::from_slice::<(u8, u8, u8)>(&bytes).unwrap_err(),
        evowire::from_slice::<[u8; 3]>(&bytes).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidWireType, "{e}");
        assert_eq!(e.offset(), Some(2));
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct T(u8, #[serde(default)] u8, #[serde(default)] u8);
    assert_eq!(evowire::from_slice::<T>(&bytes).unwrap(), T(1, 0, 3));
}

/// Every header a tuple reader meets: the one-byte count it expects (read inline), a longer
/// sequence (the extra items are skipped), a shorter one (an error naming the length), a
/// count of 16 or more (a two-byte header), something that is not a sequence, and a
/// visitor that stops early (the items it left are skipped, so the next value lines up).
#[test]
fn tuple_reader_handles_every_header() {
    // Exactly three items: header 0x1B.
    assert_eq!(
        evowire::from_slice::<(u8, u8, u8)>(&[0x1B, 0x08, 0x10, 0x18]).unwrap(),
        (1, 2, 3)
    );
    // Four items read as three: the fourth (a string) is skipped, and the next value follows.
    let mut de =
        evowire::Deserializer::from_slice(&[0x23, 0x08, 0x10, 0x18, 0x14, b'h', b'i', 0x38]);
    assert_eq!(<[u8; 3]>::deserialize(&mut de).unwrap(), [1, 2, 3]);
    assert_eq!(u8::deserialize(&mut de).unwrap(), 7);
    de.end().unwrap();
    // Two items for a 3-tuple.
    let e = evowire::from_slice::<(u8, u8, u8)>(&[0x13, 0x08, 0x10]).unwrap_err();
    assert_eq!(e.offset(), Some(0), "{e}");
    assert!(e.to_string().contains("length 2"), "{e}");
    // Sixteen items: header 0x83 0x01.
    let sixteen: [u16; 16] = core::array::from_fn(|i| i as u16 * 100);
    let bytes = evowire::to_vec(&sixteen).unwrap();
    assert_eq!(bytes[..2], [0x83, 0x01]);
    assert_eq!(evowire::from_slice::<[u16; 16]>(&bytes).unwrap(), sixteen);
    // Not a sequence.
    let e = evowire::from_slice::<(u8, u8)>(&[0x08]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedWireType, "{e}");
    assert_eq!(e.offset(), Some(0));

    /// Reads the first item of a tuple and leaves the rest.
    struct First;
    impl<'de> Deserialize<'de> for First {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = First;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a tuple")
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(
                    self,
                    mut seq: A,
                ) -> Result<First, A::Error> {
                    seq.next_element::<u8>()?;
                    Ok(First)
                }
            }
            d.deserialize_tuple(3, V)
        }
    }
    let mut de = evowire::Deserializer::from_slice(&[0x1B, 0x08, 0x14, b'h', b'i', 0x10, 0x38]);
    First::deserialize(&mut de).unwrap();
    assert_eq!(u8::deserialize(&mut de).unwrap(), 7);
    de.end().unwrap();
}
