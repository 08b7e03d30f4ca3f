//! The encoding entry points into caller buffers (`to_slice`, `append_to_vec`, the
//! `SliceWrite` sink), `Value`'s accessors and the error chain of I/O failures.

use std::error::Error as _;
use std::fmt;
use std::io;

use evowire::write::SliceWrite;
use evowire::{ErrorKind, Serializer, Value};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Order {
    id: u64,
    symbol: String,
    qty: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    price: f64,
}

fn order() -> Order {
    Order {
        id: 7,
        symbol: "EVO".into(),
        qty: 3,
        note: None,
        price: 1.5,
    }
}

/// Encodes `value` through `to_slice` (into a buffer of exactly the right size and into a
/// larger one) and `append_to_vec` (behind existing bytes), and checks each against
/// `golden` and `to_vec`.
#[track_caller]
fn check_encoders<T: Serialize + ?Sized>(value: &T, golden: &[u8]) {
    assert_eq!(evowire::to_vec(value).unwrap(), golden);
    assert_eq!(evowire::serialized_size(value).unwrap(), golden.len());

    let mut exact = vec![0u8; golden.len()];
    assert_eq!(evowire::to_slice(value, &mut exact).unwrap(), golden.len());
    assert_eq!(exact, golden);

    let mut roomy = vec![0xaa; golden.len() + 100];
    assert_eq!(evowire::to_slice(value, &mut roomy).unwrap(), golden.len());
    assert_eq!(roomy[..golden.len()], *golden);
    assert!(roomy[golden.len()..].iter().all(|&b| b == 0xaa));

    let mut out = b"head".to_vec();
    assert_eq!(
        evowire::append_to_vec(value, &mut out).unwrap(),
        golden.len()
    );
    assert_eq!(out[..4], *b"head");
    assert_eq!(out[4..], *golden);
}

#[test]
fn to_slice_and_append_to_vec_write_the_golden_bytes() {
    check_encoders(&(), &[0x00]);
    check_encoders(&300u32, &[0xe0, 0x12]);
    check_encoders("text", &[0x24, b't', b'e', b'x', b't']);
    check_encoders(&[1u8, 2][..], &[0x13, 0x08, 0x10]);
    check_encoders(&[1i32, -1][..], &[0x13, 0x10, 0x08]);
    check_encoders(&Some(2.5f32), &[0x0d, 0x01, 0x00, 0x00, 0x20, 0x40]);
    // A skipped field before a written one: the absent-field marker.
    check_encoders(
        &order(),
        &[
            0x23, 0x38, 0x1c, b'E', b'V', b'O', 0x18, 0x06, 0x02, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
        ],
    );
}

#[test]
fn large_values_cross_chunk_boundaries() {
    // Longer than the stack chunk the buffered sinks use, many times over.
    let value: Vec<String> = (0..500).map(|i| "x".repeat(i % 40)).collect();
    let golden = evowire::to_vec(&value).unwrap();
    assert!(golden.len() > 8 * 1024);
    check_encoders(&value, &golden);
    let back: Vec<String> = evowire::from_slice(&golden).unwrap();
    assert_eq!(back, value);
}

#[test]
fn to_slice_round_trips() {
    let mut buf = [0u8; 64];
    let n = evowire::to_slice(&order(), &mut buf).unwrap();
    assert_eq!(evowire::from_slice::<Order>(&buf[..n]).unwrap(), order());
}

#[test]
fn to_slice_into_a_short_buffer_fails_at_the_write_that_does_not_fit() {
    let golden = evowire::to_vec(&order()).unwrap();
    for len in 0..golden.len() {
        let mut buf = vec![0u8; len];
        let e = evowire::to_slice(&order(), &mut buf).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "len {len}");
        assert!(!e.is_eof());
        assert!(e.message().starts_with("output buffer too small"), "{e}");
        // The failing write starts at or before the end of the buffer, and everything
        // before it is the start of the message.
        let offset = e.offset().expect("an offset") as usize;
        assert!(offset <= len, "len {len}: {e}");
        assert_eq!(buf[..offset], golden[..offset], "len {len}");
        assert!(e.source().is_none());
        assert_eq!(e.io_error_kind(), None);
    }
    // Not even the first byte fits.
    let e = evowire::to_slice(&7u8, &mut []).unwrap_err();
    assert_eq!(
        e.to_string(),
        "output buffer too small: 1 more bytes needed, 0 left of 0 at byte offset 0"
    );
    // The string body (8 bytes) does not fit after its header.
    let e = evowire::to_slice("too long", &mut [0u8; 4]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "output buffer too small: 8 more bytes needed, 3 left of 4 at byte offset 1"
    );
}

#[test]
fn slice_write_sink_reports_what_it_wrote() {
    let mut buf = [0u8; 6];
    let mut ser = Serializer::new(SliceWrite::new(&mut buf));
    (1u8, "hi").serialize(&mut ser).unwrap();
    assert_eq!(ser.get_ref().count(), 5);
    assert_eq!(ser.get_ref().written(), [0x13, 0x08, 0x14, b'h', b'i']);
    // One byte left: a two-byte value fails and leaves what was written.
    let e = 300u16.serialize(&mut ser).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.offset(), Some(5));
    let written = ser.into_inner().into_written();
    assert_eq!(written, [0x13, 0x08, 0x14, b'h', b'i']);
}

#[test]
fn append_to_vec_keeps_existing_bytes_and_undoes_a_failed_value() {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for i in 0..100u32 {
        starts.push(out.len());
        evowire::append_to_vec(&(i, "x".repeat(i as usize)), &mut out).unwrap();
    }
    for (i, &start) in starts.iter().enumerate() {
        let (v, _): ((u32, String), _) = evowire::take_from_slice(&out[start..]).unwrap();
        assert_eq!(v, (i as u32, "x".repeat(i)));
    }

    // A value whose Serialize impl fails after writing 5000 bytes leaves `out` as it was.
    let before = out.clone();
    let e = evowire::append_to_vec(&FailsLate, &mut out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    assert_eq!(out, before);
}

/// 5000 bytes of string, then a failure of its own.
struct FailsLate;

impl Serialize for FailsLate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeTuple};
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(&"z".repeat(5000))?;
        Err(S::Error::custom("the value gave up"))
    }
}

#[test]
fn value_accessors_read_a_decoded_message() {
    let bytes = evowire::to_vec(&order()).unwrap();
    let v: Value = evowire::from_slice(&bytes).unwrap();
    let fields = v.as_seq().expect("a struct is a sequence");
    assert_eq!(fields.len(), 5);
    assert_eq!(v.get(0).and_then(Value::as_u64), Some(7));
    assert_eq!(v.get(1).and_then(Value::as_str), Some("EVO"));
    assert_eq!(v.get(1).and_then(Value::as_bytes), Some(&b"EVO"[..]));
    assert_eq!(v.get(2).and_then(Value::as_i64), Some(3));
    assert!(v.get(3).is_some_and(Value::is_absent));
    assert_eq!(v.get(4).and_then(Value::as_f64), Some(1.5));
    assert_eq!(v.get(5), None);
    // Wrong-kind questions answer None.
    assert_eq!(v.as_u64(), None);
    assert_eq!(v.as_str(), None);
    assert_eq!(v.as_variant(), None);
    assert_eq!(v.get(0).and_then(Value::as_seq), None);
    assert_eq!(v.get(1).and_then(Value::as_f64), None);
}

#[test]
fn value_integer_accessors_check_ranges() {
    // The value, then what as_u64, as_i64 and as_u128 answer.
    type Case = (Value, Option<u64>, Option<i64>, Option<u128>);
    let cases: [Case; 8] = [
        (
            Value::U64(u64::MAX),
            Some(u64::MAX),
            None,
            Some(u128::from(u64::MAX)),
        ),
        (Value::I64(-1), None, Some(-1), None),
        (
            Value::I64(i64::MAX),
            Some(i64::MAX as u64),
            Some(i64::MAX),
            Some(i64::MAX as u128),
        ),
        (Value::U128(u128::MAX), None, None, Some(u128::MAX)),
        (Value::U128(5), Some(5), Some(5), Some(5)),
        (Value::I128(i128::MIN), None, None, None),
        (Value::I128(-2), None, Some(-2), None),
        (Value::Bool(true), None, None, None),
    ];
    for (value, u, i, u128_) in cases {
        assert_eq!(value.as_u64(), u, "{value:?}");
        assert_eq!(value.as_i64(), i, "{value:?}");
        assert_eq!(value.as_u128(), u128_, "{value:?}");
    }
    // A decoded signed integer is its zig-zag code.
    let v: Value = evowire::from_slice(&evowire::to_vec(&-64i64).unwrap()).unwrap();
    assert_eq!(v.as_u64().map(evowire::wire::zigzag_decode), Some(-64));
}

#[test]
fn value_variant_accessors() {
    #[derive(Serialize)]
    enum Shape {
        #[allow(dead_code)]
        Dot,
        Circle(f32),
    }
    let v: Value = evowire::from_slice(&evowire::to_vec(&Shape::Circle(2.0)).unwrap()).unwrap();
    let (index, body) = v.as_variant().unwrap();
    assert_eq!(index, 1);
    assert_eq!(body.as_f64(), Some(2.0));
    assert_eq!(Value::Bool(false).as_bool(), Some(false));
    let map = Value::Map(vec![(Value::U64(1), Value::Unit)]);
    assert_eq!(map.as_map().map(<[_]>::len), Some(1));
    assert_eq!(v.as_map(), None);
    let mut seq = Value::Seq(Vec::new());
    seq.as_seq_mut().unwrap().push(Value::U64(9));
    assert_eq!(seq.get(0), Some(&Value::U64(9)));
    assert!(Value::Unit.as_seq_mut().is_none());
}

/// An error with a cause of its own, to see what the chain keeps.
#[derive(Debug)]
struct Outer(io::Error);

impl fmt::Display for Outer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the socket closed")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

struct Broken;

impl io::Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            Outer(io::Error::other("peer reset")),
        ))
    }
}

#[test]
fn io_error_chain_prints_each_text_once() {
    let e = evowire::from_reader::<_, u8>(Broken).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.io_error_kind(), Some(io::ErrorKind::BrokenPipe));
    let mut chain = vec![e.to_string()];
    let mut next = e.source();
    while let Some(source) = next {
        chain.push(source.to_string());
        next = source.source();
    }
    // The io::Error's text (its payload's Display) is the message; its payload's cause
    // follows once.
    assert_eq!(chain, ["the socket closed at byte offset 0", "peer reset"]);
}
