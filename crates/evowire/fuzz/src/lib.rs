//! Shared checks and message types of the evowire fuzz targets.
//!
//! Every check panics (which libFuzzer reports as a crash, with the input saved under
//! `artifacts/`) when a property breaks; decoding errors are fine, panics inside evowire
//! are not.

use std::collections::BTreeMap;
use std::fmt::Debug;

use evowire::{ErrorKind, Value};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Compares two values with floats by their bits (NaN equals itself).
pub fn same(a: &Value, b: &Value) -> bool {
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

/// The `decode_value` properties.
pub fn check_value(data: &[u8]) {
    let slice = evowire::from_slice::<Value>(data);
    let reader = evowire::from_reader::<_, Value>(data);
    match (&slice, &reader) {
        (Ok(a), Ok(b)) => assert!(same(a, b), "slice {a:?} != reader {b:?}"),
        (Err(a), Err(b)) => assert_eq!(
            (a.kind(), a.offset()),
            (b.kind(), b.offset()),
            "slice and reader fail differently: {a:?} vs {b:?}"
        ),
        _ => panic!("slice {slice:?} and reader {reader:?} disagree"),
    }

    // The first value of the input, whatever follows it.
    let taken = evowire::take_from_slice::<Value>(data);
    match &slice {
        Ok(v) => {
            let (t, rest) = taken
                .as_ref()
                .expect("take_from_slice fails where from_slice works");
            assert!(same(v, t));
            assert!(rest.is_empty());
        }
        Err(e) if e.kind() == ErrorKind::TrailingBytes => {
            let (_, rest) = taken.as_ref().expect("a value followed by trailing bytes");
            let at = e.offset().expect("trailing bytes have an offset") as usize;
            assert_eq!(*rest, &data[at..]);
        }
        Err(_) => {}
    }

    let Ok(v1) = slice else {
        return;
    };
    // What decodes as a Value is well-formed, so it also skips.
    if let Err(e) = evowire::from_slice::<IgnoredAny>(data) {
        panic!("decodes as Value {v1:?} but does not skip: {e:?}");
    }
    let b1 = evowire::to_vec(&v1).expect("a decoded Value re-encodes");
    assert_eq!(evowire::serialized_size(&v1).unwrap(), b1.len());
    let v2: Value = evowire::from_slice(&b1).expect("a re-encoded Value decodes");
    assert!(same(&v1, &v2), "{v1:?} became {v2:?}");
    let b2 = evowire::to_vec(&v2).unwrap();
    assert_eq!(b1, b2);
}

/// Encode, decode, encode, decode, encode: the bytes must be the same both times.
pub fn round_trip<T: Serialize + DeserializeOwned + Debug>(data: &[u8]) {
    let Ok(first) = evowire::from_slice::<T>(data) else {
        return;
    };
    let b1 = evowire::to_vec(&first).expect("a decoded value encodes");
    assert_eq!(evowire::serialized_size(&first).unwrap(), b1.len());
    let second: T = evowire::from_slice(&b1)
        .unwrap_or_else(|e| panic!("{first:?} encoded as {b1:02x?} does not decode: {e:?}"));
    let b2 = evowire::to_vec(&second).unwrap();
    assert_eq!(b1, b2, "second encoding differs for {first:?}");
    let third: T = evowire::from_reader(&b2[..]).expect("the reader decodes it too");
    let b3 = evowire::to_vec(&third).unwrap();
    assert_eq!(b2, b3, "third encoding differs for {second:?}");
}

/// The `roundtrip` properties, over several message types.
pub fn check_typed(data: &[u8]) {
    round_trip::<Order>(data);
    round_trip::<Save>(data);
    round_trip::<Evolving>(data);
    round_trip::<Dynamic>(data);
    round_trip::<Loose>(data);
    round_trip::<Command>(data);
    round_trip::<Vec<Order>>(data);
    // Borrowing decoders must not panic either.
    let _ = evowire::from_slice::<Borrowed<'_>>(data);
    let _ = evowire::from_reader::<_, Save>(data);
}

// ---- message types -------------------------------------------------------------------------

/// An enum that grows: unknown variants read as `Unknown`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Side {
    Buy,
    Sell,
    #[serde(other)]
    Unknown,
}

/// A small trading message.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Order {
    pub id: u64,
    pub side: Side,
    pub price: f64,
    pub qty: u32,
    pub symbol: String,
    pub ts: i64,
    pub note: Option<String>,
}

/// Every variant kind.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Kind {
    Unit,
    Newtype(i16),
    Tuple(u8, String),
    Struct { x: f32, y: Option<Box<Kind>> },
}

/// Most of the serde data model in one struct.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Save {
    pub name: String,
    pub level: u8,
    pub pos: (f32, f32, f32),
    pub kinds: Vec<Kind>,
    pub flags: BTreeMap<String, bool>,
    pub blob: ByteBuf,
    pub big: u128,
    pub small: i128,
    pub ch: char,
    pub unit: (),
    pub arr: [u16; 3],
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Skipped fields (absent markers), packed and fixed-width fields.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Evolving {
    pub a: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<u8>,
    pub c: Vec<Option<i32>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub d: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub e: i64,
    #[serde(with = "evowire::packed")]
    pub mesh: Vec<f32>,
    #[serde(with = "evowire::fixed")]
    pub stamp: u64,
}

/// Flattened into [`Dynamic`]. Unsigned only: signed fields behind `flatten` read their
/// zig-zag code (documented), which would not be a fixed point.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub score: f64,
    #[serde(default)]
    pub note: Option<String>,
}

/// `flatten`, with a catch-all of [`Value`]s: everything through `deserialize_any`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Dynamic {
    pub id: u32,
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A newtype payload of [`Loose`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Pair {
    pub id: u32,
    pub label: Option<String>,
}

/// An untagged enum (unsigned only, as for [`Meta`]).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Loose {
    Num(u64),
    Text(String),
    Float(f64),
    Pair(Pair),
    Many(Vec<Loose>),
    Raw(ByteBuf),
}

/// An internally tagged enum.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type")]
pub enum Command {
    Ping { seq: u32 },
    Data { payload: String, n: u64 },
    Stop,
}

/// Zero-copy fields.
#[derive(Deserialize, Debug)]
pub struct Borrowed<'a> {
    pub s: &'a str,
    #[serde(borrow)]
    pub b: &'a [u8],
    pub rest: Vec<&'a str>,
}

/// Valid messages of every type, for seeding a corpus (see the README).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let order = Order {
        id: 1 << 40,
        side: Side::Sell,
        price: 101.25,
        qty: 300,
        symbol: "EVO".into(),
        ts: -1_700_000_000,
        note: Some("rush".into()),
    };
    let save = Save {
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
        flags: [("seen".to_string(), true)].into_iter().collect(),
        blob: ByteBuf::from(vec![0, 0xff, 0x06, 0x07]),
        big: u128::MAX - 5,
        small: i128::MIN + 3,
        ch: '🦀',
        unit: (),
        arr: [1, 300, u16::MAX],
    };
    let evolving = Evolving {
        a: 9,
        b: None,
        c: vec![Some(-1), None],
        d: vec![],
        e: -5,
        mesh: vec![1.0, -0.5],
        stamp: 0x0102_0304_0506_0708,
    };
    let dynamic = Dynamic {
        id: 3,
        meta: Meta {
            name: "m".into(),
            score: 0.5,
            note: None,
        },
        extra: [
            ("k".to_string(), Value::U64(1)),
            ("l".to_string(), Value::Seq(vec![Value::String("x".into())])),
        ]
        .into_iter()
        .collect(),
    };
    let loose = Loose::Many(vec![
        Loose::Num(1),
        Loose::Pair(Pair {
            id: 2,
            label: Some("p".into()),
        }),
        Loose::Float(2.5),
    ]);
    let enc = |v: &dyn erased::Encode| v.encode();
    vec![
        ("order", enc(&order)),
        ("orders", enc(&vec![order.clone(), order])),
        ("save", enc(&save)),
        ("evolving", enc(&evolving)),
        ("dynamic", enc(&dynamic)),
        ("loose", enc(&loose)),
        (
            "command",
            enc(&Command::Data {
                payload: "p".into(),
                n: 5,
            }),
        ),
        (
            "borrowed",
            enc(&("str", ByteBuf::from(vec![1u8, 255]), vec!["a"])),
        ),
    ]
}

mod erased {
    /// `evowire::to_vec` behind a trait object, to list seeds of different types.
    pub trait Encode {
        fn encode(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Encode for T {
        fn encode(&self) -> Vec<u8> {
            evowire::to_vec(self).expect("seed encodes")
        }
    }
}
