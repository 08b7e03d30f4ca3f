//! Hostile input: truncations, single-byte mutations and seeded random bytes.
//!
//! Nothing may panic (tests run in debug, so arithmetic overflow would panic too); every
//! prefix of a valid message is an `UnexpectedEof`; whatever decodes as a [`Value`]
//! re-encodes and decodes to the same value; whatever decodes as a typed message
//! re-encodes to bytes that decode and re-encode identically.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use evowire::{Error, ErrorKind, Value};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

// ---- messages ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Side {
    Buy,
    Sell,
    #[serde(other)]
    Unknown,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Order {
    id: u64,
    side: Side,
    price: f64,
    qty: u32,
    symbol: String,
    ts: i64,
    note: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    Unit,
    Newtype(i16),
    Tuple(u8, String),
    Struct { x: f32, y: Option<Box<Kind>> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Save {
    name: String,
    level: u8,
    pos: (f32, f32, f32),
    kinds: Vec<Kind>,
    flags: BTreeMap<String, bool>,
    blob: ByteBuf,
    big: u128,
    small: i128,
    ch: char,
    unit: (),
    arr: [u16; 3],
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Evolving {
    a: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    b: Option<u8>,
    c: Vec<Option<i32>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    d: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    e: i64,
    #[serde(with = "evowire::packed")]
    mesh: Vec<f32>,
    #[serde(with = "evowire::fixed")]
    stamp: u64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

#[derive(Deserialize, Debug, PartialEq)]
struct Borrowed<'a> {
    s: &'a str,
    #[serde(borrow)]
    b: &'a [u8],
    rest: Vec<&'a str>,
}

fn order() -> Order {
    Order {
        id: 1 << 40,
        side: Side::Sell,
        price: 101.25,
        qty: 300,
        symbol: "EVO".into(),
        ts: -1_700_000_000_000_000_000,
        note: Some("rush".into()),
    }
}

fn save() -> Save {
    let mut flags = BTreeMap::new();
    flags.insert("seen".to_string(), true);
    flags.insert("won".to_string(), false);
    Save {
        name: "héro".into(),
        level: 42,
        pos: (1.5, -2.0, 1e10),
        kinds: vec![
            Kind::Unit,
            Kind::Newtype(-300),
            Kind::Tuple(7, "t".into()),
            Kind::Struct {
                x: 0.5,
                y: Some(Box::new(Kind::Unit)),
            },
        ],
        flags,
        blob: ByteBuf::from(vec![0, 0xff, 0x06, 0x07]),
        big: u128::MAX - 5,
        small: i128::MIN + 3,
        ch: '🦀',
        unit: (),
        arr: [1, 300, u16::MAX],
    }
}

fn evolving() -> Evolving {
    Evolving {
        a: 9,
        b: None,
        c: vec![Some(-1), None, Some(i32::MAX)],
        d: vec![],
        e: -5,
        mesh: vec![1.0, -0.5, f32::NAN],
        stamp: 0x0102_0304_0506_0708,
    }
}

/// Valid messages: (name, bytes).
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let borrowed =
        evowire::to_vec(&("str", ByteBuf::from(vec![1u8, 2, 255]), vec!["a", "bc"])).unwrap();
    let mut evolving_full = evolving();
    evolving_full.b = Some(3);
    evolving_full.d = vec!["x".into()];
    let mut evolving_empty = evolving();
    evolving_empty.e = 0;
    vec![
        ("order", evowire::to_vec(&order()).unwrap()),
        ("save", evowire::to_vec(&save()).unwrap()),
        ("evolving", evowire::to_vec(&evolving()).unwrap()),
        ("evolving full", evowire::to_vec(&evolving_full).unwrap()),
        (
            "evolving trailing skips",
            evowire::to_vec(&evolving_empty).unwrap(),
        ),
        ("borrowed", borrowed),
    ]
}

// ---- the checks ----------------------------------------------------------------------------

/// Decodes as `T`; if that works, encoding, decoding and encoding again must give the same
/// bytes twice (floats compare by bits this way, NaN included).
fn typed<T: Serialize + DeserializeOwned + Debug>(bytes: &[u8]) -> Result<(), String> {
    let Ok(first) = evowire::from_slice::<T>(bytes) else {
        return Ok(());
    };
    let enc1 = evowire::to_vec(&first).map_err(|e| format!("re-encoding {first:?}: {e}"))?;
    let second = evowire::from_slice::<T>(&enc1)
        .map_err(|e| format!("decoding the re-encoding {enc1:02x?} of {first:?}: {e}"))?;
    let enc2 = evowire::to_vec(&second).map_err(|e| e.to_string())?;
    if enc1 != enc2 {
        return Err(format!("unstable: {enc1:02x?} then {enc2:02x?}"));
    }
    Ok(())
}

/// Compares two values with floats by their bits.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (Value::Variant(i, x), Value::Variant(j, y)) => i == j && same(x, y),
        _ => a == b,
    }
}

/// Decodes as `Value` from the slice and through a reader (both must agree); if it
/// decodes, encoding and decoding again must give the same value and the same bytes.
fn untyped(bytes: &[u8]) -> Result<(), String> {
    let slice = evowire::from_slice::<Value>(bytes);
    let reader = evowire::from_reader::<_, Value>(bytes);
    match (&slice, &reader) {
        (Ok(a), Ok(b)) if same(a, b) => {}
        (Err(a), Err(b)) if a.kind() == b.kind() && a.offset() == b.offset() => {}
        _ => return Err(format!("slice {slice:?} and reader {reader:?} disagree")),
    }
    let Ok(v1) = slice else {
        return Ok(());
    };
    let enc1 = evowire::to_vec(&v1).map_err(|e| format!("re-encoding {v1:?}: {e}"))?;
    let v2: Value = evowire::from_slice(&enc1)
        .map_err(|e| format!("decoding the re-encoding {enc1:02x?} of {v1:?}: {e}"))?;
    if !same(&v1, &v2) {
        return Err(format!("round trip changed {v1:?} into {v2:?}"));
    }
    let enc2 = evowire::to_vec(&v2).map_err(|e| e.to_string())?;
    if enc1 != enc2 {
        return Err(format!("unstable: {enc1:02x?} then {enc2:02x?}"));
    }
    // A well-formed message skips as a whole, and `Value` checks what skipping checks.
    if let Err(e) = evowire::from_slice::<IgnoredAny>(bytes) {
        return Err(format!("decodes as Value but not as IgnoredAny: {e:?}"));
    }
    Ok(())
}

fn borrowed(bytes: &[u8]) -> Result<(), String> {
    let _ = evowire::from_slice::<Borrowed<'_>>(bytes);
    Ok(())
}

type Check = fn(&[u8]) -> Result<(), String>;

/// Runs every decoder on `bytes`; `Err` describes a panic or a broken property.
fn check(bytes: &[u8]) -> Result<(), String> {
    let checks: [(&str, Check); 7] = [
        ("Value", untyped),
        ("IgnoredAny", |b| {
            let _ = evowire::from_slice::<IgnoredAny>(b);
            let _ = evowire::from_reader::<_, IgnoredAny>(b);
            Ok(())
        }),
        ("Order", typed::<Order>),
        ("Save", typed::<Save>),
        ("Evolving", typed::<Evolving>),
        ("Borrowed", borrowed),
        ("Order via reader", |b| {
            let _ = evowire::from_reader::<_, Order>(b);
            let _ = evowire::from_reader::<_, Save>(b);
            let _ = evowire::from_reader::<_, Evolving>(b);
            Ok(())
        }),
    ];
    for (name, f) in checks {
        match catch_unwind(AssertUnwindSafe(|| f(bytes))) {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => return Err(format!("{name}: {msg} (input {bytes:02x?})")),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!("{name} panicked: {msg} (input {bytes:02x?})"));
            }
        }
    }
    Ok(())
}

fn run_all(inputs: impl IntoIterator<Item = Vec<u8>>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for bytes in inputs {
        count += 1;
        if let Err(e) = check(&bytes) {
            failures.push(e);
            if failures.len() >= 20 {
                break;
            }
        }
    }
    assert!(count > 0);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- the corpus itself ---------------------------------------------------------------------

#[test]
fn the_corpus_decodes() {
    let c = corpus();
    assert_eq!(evowire::from_slice::<Order>(&c[0].1).unwrap(), order());
    assert_eq!(evowire::from_slice::<Save>(&c[1].1).unwrap(), save());
    let e = evowire::from_slice::<Evolving>(&c[2].1).unwrap();
    assert_eq!(e.c, evolving().c);
    assert_eq!(e.stamp, evolving().stamp);
    assert!(e.mesh[2].is_nan());
    let b = evowire::from_slice::<Borrowed<'_>>(&c[5].1).unwrap();
    assert_eq!(
        b,
        Borrowed {
            s: "str",
            b: &[1, 2, 255],
            rest: vec!["a", "bc"]
        }
    );
    for (name, bytes) in &c {
        check(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Valid messages are lossless as Value.
        let v: Value = evowire::from_slice(bytes).unwrap();
        assert_eq!(&evowire::to_vec(&v).unwrap(), bytes, "{name}");
    }
}

// ---- truncation ----------------------------------------------------------------------------

fn expect_eof<T: Debug>(result: Result<T, Error>, len: usize, what: &str) {
    match result {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::UnexpectedEof, "{what}: {e:?}");
            assert!(e.is_eof());
            let offset = e.offset().expect("truncation errors carry an offset");
            assert!(
                offset <= len as u64,
                "{what}: offset {offset} past the end {len}"
            );
        }
        Ok(v) => panic!("{what}: a strict prefix decoded as {v:?}"),
    }
}

#[test]
fn every_prefix_is_unexpected_eof() {
    for (name, bytes) in corpus() {
        for len in 0..bytes.len() {
            let prefix = &bytes[..len];
            let what = format!("{name}[..{len}]");
            expect_eof(evowire::from_slice::<Value>(prefix), len, &what);
            expect_eof(evowire::from_slice::<IgnoredAny>(prefix), len, &what);
            expect_eof(evowire::from_reader::<_, Value>(prefix), len, &what);
            match name {
                "order" => {
                    expect_eof(evowire::from_slice::<Order>(prefix), len, &what);
                    expect_eof(evowire::from_reader::<_, Order>(prefix), len, &what);
                }
                "save" => {
                    expect_eof(evowire::from_slice::<Save>(prefix), len, &what);
                    expect_eof(evowire::from_reader::<_, Save>(prefix), len, &what);
                }
                "borrowed" => expect_eof(evowire::from_slice::<Borrowed<'_>>(prefix), len, &what),
                _ => {
                    expect_eof(evowire::from_slice::<Evolving>(prefix), len, &what);
                    expect_eof(evowire::from_reader::<_, Evolving>(prefix), len, &what);
                }
            }
            // A streaming caller sees "need more bytes" and then succeeds.
            let (_, rest) = evowire::take_from_slice::<IgnoredAny>(&bytes).unwrap();
            assert!(rest.is_empty());
            check(prefix).unwrap();
        }
    }
}

// ---- single-byte mutations -----------------------------------------------------------------

#[test]
fn every_single_byte_mutation_is_handled() {
    let mut inputs = Vec::new();
    for (_, bytes) in corpus() {
        for pos in 0..bytes.len() {
            for b in 0..=255u8 {
                if bytes[pos] != b {
                    let mut m = bytes.clone();
                    m[pos] = b;
                    inputs.push(m);
                }
            }
            // Deletions and insertions shift every later item.
            let mut deleted = bytes.clone();
            deleted.remove(pos);
            inputs.push(deleted);
            for b in [0x00, 0x06, 0x07, 0x0b, 0x0d, 0x80, 0xff] {
                let mut inserted = bytes.clone();
                inserted.insert(pos, b);
                inputs.push(inserted);
            }
        }
    }
    run_all(inputs);
}

// ---- seeded random bytes -------------------------------------------------------------------

/// xorshift64*: a small seeded generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Tag bytes that start well-formed items more often than uniform bytes do.
const TAGS: &[u8] = &[
    0x00, 0x08, 0x78, 0x80, 0xf8, 0x01, 0x02, 0x03, 0x0b, 0x13, 0x1b, 0x83, 0x04, 0x0c, 0x14, 0x84,
    0x05, 0x0d, 0x15, 0x85, 0x06, 0x07, 0x7f, 0x00, 0x01, 0x10,
];

fn random_input(rng: &mut Rng, corpus: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let len = rng.below(64);
    match rng.below(3) {
        // Uniform bytes.
        0 => (0..len).map(|_| rng.byte()).collect(),
        // Mostly tags, some arbitrary bytes.
        1 => (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.byte()
                } else {
                    TAGS[rng.below(TAGS.len())]
                }
            })
            .collect(),
        // A valid message with a few random edits.
        _ => {
            let mut m = corpus[rng.below(corpus.len())].1.clone();
            for _ in 0..=rng.below(4) {
                if m.is_empty() {
                    break;
                }
                let pos = rng.below(m.len());
                match rng.below(3) {
                    0 => m[pos] = rng.byte(),
                    1 => m[pos] = TAGS[rng.below(TAGS.len())],
                    _ => m.truncate(pos),
                }
            }
            m
        }
    }
}

#[test]
fn seeded_random_bytes_never_panic() {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let inputs: Vec<Vec<u8>> = (0..20_000)
        .map(|_| random_input(&mut rng, &corpus))
        .collect();
    run_all(inputs);
}

#[test]
fn random_values_round_trip() {
    // The property on its own, with a count so a vacuous run would show: a good share of
    // tag-biased random inputs must decode as Value.
    let corpus = corpus();
    let mut rng = Rng(42);
    let mut decoded = 0;
    for _ in 0..20_000 {
        let bytes = random_input(&mut rng, &corpus);
        if evowire::from_slice::<Value>(&bytes).is_ok() {
            decoded += 1;
            untyped(&bytes).unwrap();
        }
    }
    assert!(
        decoded > 500,
        "only {decoded} random inputs decoded as Value"
    );
}

#[test]
fn all_two_byte_inputs() {
    let inputs = (0..=0xffffu32).map(|v| vec![(v >> 8) as u8, v as u8]);
    run_all(inputs);
}

#[test]
fn all_one_and_zero_byte_inputs() {
    let mut inputs = vec![vec![]];
    inputs.extend((0..=255u8).map(|b| vec![b]));
    run_all(inputs);
}
