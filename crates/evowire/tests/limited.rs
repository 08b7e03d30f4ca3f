//! [`Limited`]: a sink that stores up to a byte limit, counts past it, and reports
//! [`ErrorKind::OutputLimitExceeded`] with the limit and the exact size from one encode.

use std::collections::BTreeMap;

use evowire::write::{IoWrite, Limited};
use evowire::{ErrorKind, Serializer};
use serde::Serialize;

/// Encodes `value` through a `Limited` of `limit` over a `Vec`: the flush result, the
/// count the sink reports, and what the inner sink received.
fn encode_limited<T: Serialize + ?Sized>(
    value: &T,
    limit: usize,
) -> (evowire::Result<()>, usize, Vec<u8>) {
    let mut out = Vec::new();
    let mut ser = Serializer::new(Limited::new(&mut out, limit));
    value.serialize(&mut ser).unwrap();
    let result = ser.get_mut().flush_buffer();
    let count = ser.get_ref().count();
    assert_eq!(ser.get_ref().limit(), limit);
    drop(ser);
    (result, count, out)
}

#[derive(Serialize)]
struct Inner {
    name: String,
    values: Vec<u32>,
    ratio: f64,
}

#[derive(Serialize)]
struct Outer {
    id: u64,
    inner: Vec<Inner>,
    tags: BTreeMap<String, Option<i64>>,
}

/// About 30 KiB, nested, with strings over 1 KiB that skip the sink's buffer.
fn nested() -> Outer {
    Outer {
        id: u64::MAX,
        inner: (0..200u32)
            .map(|i| Inner {
                name: "n".repeat(if i % 40 == 3 { 2000 } else { i as usize % 30 }),
                values: (0..i % 17).map(|v| v * 1000 + i).collect(),
                ratio: f64::from(i) / 7.0,
            })
            .collect(),
        tags: (0..50)
            .map(|i| {
                (
                    format!("tag{i}"),
                    (i % 3 != 0).then_some(-i64::from(i) << 20),
                )
            })
            .collect(),
    }
}

#[test]
fn output_of_exactly_the_limit_fits() {
    let value = (7u8, "hello", vec![1u32, 300, 70_000]);
    let expected = evowire::to_vec(&value).unwrap();
    let (result, count, out) = encode_limited(&value, expected.len());
    result.unwrap();
    assert_eq!(count, expected.len());
    assert_eq!(out, expected);
}

#[test]
fn one_byte_over_the_limit_is_refused_with_the_exact_size() {
    let value = (7u8, "hello", vec![1u32, 300, 70_000]);
    let expected = evowire::to_vec(&value).unwrap();
    let limit = expected.len() - 1;
    let (result, count, out) = encode_limited(&value, limit);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutputLimitExceeded);
    assert_eq!(count, expected.len());
    // The inner sink got the first `limit` bytes and nothing more.
    assert_eq!(out, expected[..limit]);
}

#[test]
fn error_text_gives_the_limit_and_the_bytes_needed() {
    let (result, _, _) = encode_limited("hello", 4);
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the output needs 6 bytes, more than the limit of 4 bytes"
    );
    assert_eq!(err.message(), err.to_string());
    assert_eq!(err.offset(), None);
    assert_eq!(err.kind().to_string(), "output limit exceeded");
}

#[test]
fn nested_value_fits_its_exact_size_and_not_one_byte_less() {
    let value = nested();
    let expected = evowire::to_vec(&value).unwrap();
    assert!(expected.len() > 20_000, "{}", expected.len());

    let (result, count, out) = encode_limited(&value, expected.len());
    result.unwrap();
    assert_eq!(count, expected.len());
    assert_eq!(out, expected);

    // Limits inside the value: in the buffer, at a chunk end, inside a long string.
    for limit in [0, 1, 100, 1023, 1024, 1025, 5000, expected.len() - 1] {
        let (result, count, out) = encode_limited(&value, limit);
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutputLimitExceeded, "limit {limit}");
        assert_eq!(count, expected.len(), "limit {limit}");
        assert_eq!(out, expected[..limit], "limit {limit}");
        assert_eq!(
            err.to_string(),
            format!(
                "the output needs {} bytes, more than the limit of {limit} bytes",
                expected.len()
            )
        );
    }
}

#[test]
fn count_and_size_agree_with_serialized_size() {
    let value = nested();
    let (_, count, _) = encode_limited(&value, 10);
    assert_eq!(count, evowire::serialized_size(&value).unwrap());
}

#[test]
fn into_inner_returns_the_sink_or_the_limit_error() {
    let mut ser = Serializer::new(Limited::new(Vec::new(), 3));
    (1u8, 2u8).serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner().into_inner().unwrap(), [0x13, 0x08, 0x10]);

    let mut ser = Serializer::new(Limited::new(Vec::new(), 2));
    (1u8, 2u8).serialize(&mut ser).unwrap();
    let err = ser.into_inner().into_inner().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutputLimitExceeded);
}

#[test]
fn limit_stays_reported_after_the_first_flush() {
    let mut out = Vec::new();
    let mut ser = Serializer::new(Limited::new(&mut out, 1));
    "ab".serialize(&mut ser).unwrap();
    assert!(ser.get_mut().flush_buffer().is_err());
    assert!(ser.get_mut().flush_buffer().is_err());
}

#[test]
fn inner_sink_error_is_reported_before_the_limit() {
    struct Refuses;
    impl std::io::Write for Refuses {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("refused"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut ser = Serializer::new(Limited::new(IoWrite::new(Refuses), 4000));
    nested().serialize(&mut ser).unwrap();
    let err = ser.get_mut().flush_buffer().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}
