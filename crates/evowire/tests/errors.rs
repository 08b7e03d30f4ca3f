//! Decoding errors: which kind, at which byte offset, with which text.
//!
//! The table follows serde_json's `test_parse_err`: each row is an input, the type it is
//! decoded as, the expected [`ErrorKind`] and the offset of the item that failed. Every row
//! is decoded twice, from a slice and through `from_reader`, and both paths must agree.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io;

use evowire::wire::{encode_varint, encode_varint128, WireType};
use evowire::{Error, ErrorKind, Value};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_bytes::ByteBuf;

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Pair {
    a: u8,
    b: u8,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct TupleStruct(u8, u8);

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
enum Kind {
    Unit,
    Newtype(u8),
    Tuple(u8, u8),
    Struct { a: u8 },
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Outer {
    name: String,
    n: u8,
    inner: Inner,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Inner {
    xs: Vec<u16>,
    c: char,
}

/// Decodes `bytes` as `T` from a slice and from a reader, expects both to fail the same
/// way, and returns the slice error.
fn err<T: DeserializeOwned + Debug>(bytes: &[u8]) -> Error {
    let slice = evowire::from_slice::<T>(bytes).expect_err("from_slice should fail");
    let reader = evowire::from_reader::<_, T>(bytes).expect_err("from_reader should fail");
    assert_eq!(
        (slice.kind(), slice.offset()),
        (reader.kind(), reader.offset()),
        "slice and reader disagree on {bytes:02x?}: {slice:?} vs {reader:?}"
    );
    slice
}

type Decode = fn(&[u8]) -> Error;

fn varint(wire: WireType, value: u64) -> Vec<u8> {
    encode_varint(wire, value).as_slice().to_vec()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// (input, target name, decoder, expected kind, expected offset)
fn table() -> Vec<(Vec<u8>, &'static str, Decode, ErrorKind, u64)> {
    use ErrorKind::*;
    // A varint of 20 bytes: the tag and 18 continuation bytes, then a final byte.
    let mut twenty = vec![0x80u8; 19];
    twenty.push(0x00);
    // 19 bytes whose last one carries bits beyond the 128th.
    let mut wide = vec![0xf8u8];
    wide.extend([0xff; 17]);
    wide.push(0x20);
    // 2^64: one bit past u64.
    let two_pow_64 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    assert_eq!(
        encode_varint128(WireType::Int, 1u128 << 64).as_slice(),
        two_pow_64
    );
    // Variant index 2^32.
    let variant_2_32 = [0x85, 0x80, 0x80, 0x80, 0x80, 0x01];
    assert_eq!(varint(WireType::Variant, 1 << 32), variant_2_32);

    vec![
        // ---- empty and truncated input
        (vec![], "u8", err::<u8>, UnexpectedEof, 0),
        (vec![], "Value", err::<Value>, UnexpectedEof, 0),
        (vec![], "IgnoredAny", err::<IgnoredAny>, UnexpectedEof, 0),
        (vec![], "unit", err::<()>, UnexpectedEof, 0),
        (vec![0x80], "u64", err::<u64>, UnexpectedEof, 0),
        (vec![0x80, 0x80, 0x80], "u64", err::<u64>, UnexpectedEof, 0),
        (vec![0xf8, 0xff], "u128", err::<u128>, UnexpectedEof, 0),
        (vec![0x80, 0x80], "Value", err::<Value>, UnexpectedEof, 0),
        (vec![0x01, 0, 0, 0], "f32", err::<f32>, UnexpectedEof, 0),
        (vec![0x01], "u32", err::<u32>, UnexpectedEof, 0),
        (
            vec![0x02, 1, 2, 3, 4, 5, 6, 7],
            "f64",
            err::<f64>,
            UnexpectedEof,
            0,
        ),
        (vec![0x02, 1, 2, 3], "i64", err::<i64>, UnexpectedEof, 0),
        (
            vec![0x02, 1],
            "IgnoredAny",
            err::<IgnoredAny>,
            UnexpectedEof,
            0,
        ),
        // bytes length beyond input: "abc" claims 3 bytes, has 1
        (vec![0x1c, b'a'], "String", err::<String>, UnexpectedEof, 0),
        (vec![0x1c, b'a'], "bytes", err::<ByteBuf>, UnexpectedEof, 0),
        (vec![0x1c, b'a'], "Value", err::<Value>, UnexpectedEof, 0),
        (
            vec![0x1c, b'a'],
            "IgnoredAny",
            err::<IgnoredAny>,
            UnexpectedEof,
            0,
        ),
        // a length prefix whose own varint is cut
        (vec![0x84], "String", err::<String>, UnexpectedEof, 0),
        // a sequence of 3 with only 2 items
        (
            vec![0x1b, 0x08, 0x10],
            "Vec<u8>",
            err::<Vec<u8>>,
            UnexpectedEof,
            3,
        ),
        (
            vec![0x1b, 0x08, 0x10],
            "Value",
            err::<Value>,
            UnexpectedEof,
            3,
        ),
        (
            vec![0x0d],
            "Option<u8>",
            err::<Option<u8>>,
            UnexpectedEof,
            1,
        ),
        (
            vec![0x05],
            "Option<u8>",
            err::<Option<u8>>,
            UnexpectedEof,
            1,
        ),
        // ---- reserved wire type 7, in any position
        (vec![0x07], "u8", err::<u8>, InvalidWireType, 0),
        (vec![0xff], "u8", err::<u8>, InvalidWireType, 0),
        (vec![0x07], "Value", err::<Value>, InvalidWireType, 0),
        (
            vec![0x07],
            "IgnoredAny",
            err::<IgnoredAny>,
            InvalidWireType,
            0,
        ),
        (vec![0x07], "unit", err::<()>, InvalidWireType, 0),
        (vec![0x07], "String", err::<String>, InvalidWireType, 0),
        (vec![0x07], "Vec<u8>", err::<Vec<u8>>, InvalidWireType, 0),
        (vec![0x07], "Kind", err::<Kind>, InvalidWireType, 0),
        (
            vec![0x13, 0x08, 0x07],
            "Pair",
            err::<Pair>,
            InvalidWireType,
            2,
        ),
        // ---- absent marker 0x06 outside a struct, and wire type 6 with value bits
        (vec![0x06], "u8", err::<u8>, InvalidWireType, 0),
        (vec![0x06], "Value", err::<Value>, InvalidWireType, 0),
        (
            vec![0x06],
            "IgnoredAny",
            err::<IgnoredAny>,
            InvalidWireType,
            0,
        ),
        (vec![0x06, 0x08], "u8", err::<u8>, InvalidWireType, 0),
        (
            vec![0x0b, 0x06, 0x08],
            "Vec<u8>",
            err::<Vec<u8>>,
            InvalidWireType,
            1,
        ),
        (vec![0x0e], "u8", err::<u8>, InvalidWireType, 0),
        (vec![0x0e], "Value", err::<Value>, InvalidWireType, 0),
        (
            vec![0x13, 0x0e, 0x08, 0x08],
            "Pair",
            err::<Pair>,
            InvalidWireType,
            1,
        ),
        // ---- fixed tags with value bits set
        (
            vec![0x09, 0, 0, 0, 0],
            "f32",
            err::<f32>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x09, 0, 0, 0, 0],
            "u32",
            err::<u32>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x0a, 0, 0, 0, 0, 0, 0, 0, 0],
            "f64",
            err::<f64>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x0a, 0, 0, 0, 0, 0, 0, 0, 0],
            "i64",
            err::<i64>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x81, 0, 0, 0, 0],
            "u128",
            err::<u128>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x09, 0, 0, 0, 0],
            "Value",
            err::<Value>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x09, 0, 0, 0, 0],
            "IgnoredAny",
            err::<IgnoredAny>,
            InvalidWireType,
            0,
        ),
        (
            vec![0x0b, 0x09, 0, 0, 0, 0],
            "Vec<()>",
            err::<Vec<()>>,
            InvalidWireType,
            1,
        ),
        // ---- wrong wire type for each target kind
        (vec![0x04], "bool", err::<bool>, UnexpectedWireType, 0),
        (vec![0x04], "i8", err::<i8>, UnexpectedWireType, 0),
        (vec![0x03], "i16", err::<i16>, UnexpectedWireType, 0),
        (vec![0x05, 0x00], "i32", err::<i32>, UnexpectedWireType, 0),
        (vec![0x04], "i64", err::<i64>, UnexpectedWireType, 0),
        (vec![0x04], "i128", err::<i128>, UnexpectedWireType, 0),
        (vec![0x04], "u8", err::<u8>, UnexpectedWireType, 0),
        (vec![0x03], "u16", err::<u16>, UnexpectedWireType, 0),
        (vec![0x04], "u32", err::<u32>, UnexpectedWireType, 0),
        (vec![0x05, 0x00], "u64", err::<u64>, UnexpectedWireType, 0),
        (vec![0x03], "u128", err::<u128>, UnexpectedWireType, 0),
        (vec![0x08], "f32", err::<f32>, UnexpectedWireType, 0),
        (vec![0x04], "f64", err::<f64>, UnexpectedWireType, 0),
        (vec![0x04], "char", err::<char>, UnexpectedWireType, 0),
        (vec![0x08], "String", err::<String>, UnexpectedWireType, 0),
        (vec![0x03], "String", err::<String>, UnexpectedWireType, 0),
        (
            vec![0x01, 0, 0, 0, 0],
            "bytes",
            err::<ByteBuf>,
            UnexpectedWireType,
            0,
        ),
        (
            vec![0x08],
            "Option<u8>",
            err::<Option<u8>>,
            UnexpectedWireType,
            0,
        ),
        (
            vec![0x03],
            "Option<u8>",
            err::<Option<u8>>,
            UnexpectedWireType,
            0,
        ),
        (vec![0x04], "Vec<u8>", err::<Vec<u8>>, UnexpectedWireType, 0),
        (
            vec![0x08],
            "(u8, u8)",
            err::<(u8, u8)>,
            UnexpectedWireType,
            0,
        ),
        (
            vec![0x0d, 0x08],
            "[u8; 2]",
            err::<[u8; 2]>,
            UnexpectedWireType,
            0,
        ),
        (
            vec![0x04],
            "TupleStruct",
            err::<TupleStruct>,
            UnexpectedWireType,
            0,
        ),
        (
            vec![0x08],
            "BTreeMap",
            err::<BTreeMap<u8, u8>>,
            UnexpectedWireType,
            0,
        ),
        (vec![0x04], "Pair", err::<Pair>, UnexpectedWireType, 0),
        (vec![0x03], "Kind", err::<Kind>, UnexpectedWireType, 0),
        (vec![0x08], "Kind", err::<Kind>, UnexpectedWireType, 0),
        // a tuple variant whose body is not a sequence
        (
            vec![0x15, 0x08],
            "Kind::Tuple",
            err::<Kind>,
            UnexpectedWireType,
            1,
        ),
        (
            vec![0x1d, 0x04],
            "Kind::Struct",
            err::<Kind>,
            UnexpectedWireType,
            1,
        ),
        // ---- varint shape and range
        (twenty.clone(), "u128", err::<u128>, InvalidVarint, 0),
        (twenty.clone(), "u64", err::<u64>, InvalidVarint, 0),
        (twenty.clone(), "Value", err::<Value>, InvalidVarint, 0),
        (
            twenty.clone(),
            "IgnoredAny",
            err::<IgnoredAny>,
            InvalidVarint,
            0,
        ),
        (
            cat(&[&[0x0b], &twenty]),
            "Vec<u8>",
            err::<Vec<u8>>,
            InvalidVarint,
            1,
        ),
        (wide.clone(), "u128", err::<u128>, InvalidVarint, 0),
        (wide.clone(), "i128", err::<i128>, InvalidVarint, 0),
        (wide.clone(), "Value", err::<Value>, InvalidVarint, 0),
        // a length prefix that is itself an invalid varint
        (
            cat(&[&[0x84], &twenty[1..]]),
            "String",
            err::<String>,
            InvalidVarint,
            0,
        ),
        (vec![0x80, 0x10], "u8", err::<u8>, IntegerOverflow, 0),
        (vec![0xf8, 0x1f], "u8", err::<u8>, IntegerOverflow, 0),
        (vec![0x80, 0x10], "i8", err::<i8>, IntegerOverflow, 0),
        (vec![0x88, 0x10], "i8", err::<i8>, IntegerOverflow, 0),
        (
            vec![0x80, 0x80, 0x20],
            "u16",
            err::<u16>,
            IntegerOverflow,
            0,
        ),
        (
            vec![0x01, 0, 0, 1, 0],
            "u16",
            err::<u16>,
            IntegerOverflow,
            0,
        ),
        (
            vec![0x01, 0, 0, 0, 0x80],
            "i16",
            err::<i16>,
            IntegerOverflow,
            0,
        ),
        (
            vec![0x02, 0, 0, 0, 0, 1, 0, 0, 0],
            "u32",
            err::<u32>,
            IntegerOverflow,
            0,
        ),
        (two_pow_64.to_vec(), "u64", err::<u64>, IntegerOverflow, 0),
        (two_pow_64.to_vec(), "i64", err::<i64>, IntegerOverflow, 0),
        (two_pow_64.to_vec(), "bool", err::<bool>, IntegerOverflow, 0),
        (two_pow_64.to_vec(), "char", err::<char>, IntegerOverflow, 0),
        // A discriminant fits u32 when it is skipped too (SPEC §7.2, §8).
        (
            cat(&[&varint(WireType::Variant, 1 << 32), &[0x00]]),
            "IgnoredAny",
            err::<IgnoredAny>,
            IntegerOverflow,
            0,
        ),
        (
            cat(&[
                &[0x1b, 0x00, 0x00],
                &varint(WireType::Variant, 1 << 32),
                &[0x00],
            ]),
            "Pair",
            err::<Pair>,
            IntegerOverflow,
            3,
        ),
        // ---- invalid values
        (
            varint(WireType::Int, 0xd800),
            "char",
            err::<char>,
            InvalidValue,
            0,
        ),
        (
            varint(WireType::Int, 0xdfff),
            "char",
            err::<char>,
            InvalidValue,
            0,
        ),
        (
            varint(WireType::Int, 0x11_0000),
            "char",
            err::<char>,
            InvalidValue,
            0,
        ),
        (
            varint(WireType::Int, 1 << 32),
            "char",
            err::<char>,
            InvalidValue,
            0,
        ),
        (
            vec![0x15, 0x00],
            "Option<u8>",
            err::<Option<u8>>,
            InvalidValue,
            0,
        ),
        (
            vec![0x7d, 0x00],
            "Option<u8>",
            err::<Option<u8>>,
            InvalidValue,
            0,
        ),
        (
            vec![0x0b, 0x08],
            "BTreeMap",
            err::<BTreeMap<u8, u8>>,
            InvalidValue,
            0,
        ),
        (
            vec![0x1b, 0x08, 0x10, 0x18],
            "BTreeMap",
            err::<BTreeMap<u8, u8>>,
            InvalidValue,
            0,
        ),
        (
            vec![0x14, 0xff, 0xfe],
            "String",
            err::<String>,
            InvalidUtf8,
            0,
        ),
        (
            vec![0x14, 0xc3, 0x28],
            "String",
            err::<String>,
            InvalidUtf8,
            0,
        ),
        (
            vec![0x1c, 0xed, 0xa0, 0x80],
            "String",
            err::<String>,
            InvalidUtf8,
            0,
        ),
        (
            vec![0x13, 0x08, 0x14, 0xff, 0xfe],
            "(u8, String)",
            err::<(u8, String)>,
            InvalidUtf8,
            2,
        ),
        // ---- trailing bytes
        (vec![0x08, 0x08], "u8", err::<u8>, TrailingBytes, 1),
        (vec![0x00, 0x00], "unit", err::<()>, TrailingBytes, 1),
        (
            vec![0x0b, 0x08, 0x10],
            "Vec<u8>",
            err::<Vec<u8>>,
            TrailingBytes,
            2,
        ),
        (
            vec![0x0b, 0x08, 0x07],
            "Value",
            err::<Value>,
            TrailingBytes,
            2,
        ),
        (
            vec![0x0c, b'a', b'b'],
            "String",
            err::<String>,
            TrailingBytes,
            2,
        ),
        // an absent marker after the last item of a sequence is not part of it
        (
            vec![0x0b, 0x08, 0x06],
            "Vec<u8>",
            err::<Vec<u8>>,
            TrailingBytes,
            2,
        ),
        // ---- variant index beyond u32
        (
            cat(&[&variant_2_32, &[0x00]]),
            "Kind",
            err::<Kind>,
            IntegerOverflow,
            0,
        ),
        (
            cat(&[&variant_2_32, &[0x00]]),
            "Option<u8>",
            err::<Option<u8>>,
            IntegerOverflow,
            0,
        ),
        (
            cat(&[&variant_2_32, &[0x00]]),
            "Value",
            err::<Value>,
            IntegerOverflow,
            0,
        ),
        // ---- nested errors: the offset is that of the innermost failing item
        // Outer { name: "abc" @1, n: 256 @5 }
        (
            vec![0x1b, 0x1c, b'a', b'b', b'c', 0x80, 0x10, 0x13, 0x03, 0x08],
            "Outer",
            err::<Outer>,
            IntegerOverflow,
            5,
        ),
        // Outer { name @1, n @5, inner @6 { xs @7 [1 @8, bytes @9] } }
        (
            vec![
                0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x13, 0x08, 0x04, 0x00,
            ],
            "Outer",
            err::<Outer>,
            UnexpectedWireType,
            9,
        ),
        // Outer { name @1, n @5, inner @6 { xs @7 [1 @8], c: 0xd800 @9 } }
        (
            cat(&[
                &[0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08],
                &varint(WireType::Int, 0xd800),
            ]),
            "Outer",
            err::<Outer>,
            InvalidValue,
            9,
        ),
        // the same, cut inside the char's varint
        (
            vec![0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08, 0x80],
            "Outer",
            err::<Outer>,
            UnexpectedEof,
            9,
        ),
        // the same, the input ends where the char should start
        (
            vec![0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x0b, 0x08],
            "Outer",
            err::<Outer>,
            UnexpectedEof,
            9,
        ),
        // Kind::Struct { a: 256 }: variant @0, body @1, field @2
        (
            vec![0x1d, 0x0b, 0x80, 0x10],
            "Kind",
            err::<Kind>,
            IntegerOverflow,
            2,
        ),
        // Value: a bad item deep inside sequences and variants
        (
            vec![0x13, 0x08, 0x0b, 0x15, 0x0b, 0x07],
            "Value",
            err::<Value>,
            InvalidWireType,
            5,
        ),
        (
            vec![0x13, 0x08, 0x0b, 0x15, 0x0b, 0x07],
            "IgnoredAny",
            err::<IgnoredAny>,
            InvalidWireType,
            5,
        ),
        // an unknown trailing field of a struct is skipped, and its errors still surface
        (
            vec![0x1b, 0x08, 0x10, 0x07],
            "Pair",
            err::<Pair>,
            InvalidWireType,
            3,
        ),
        (
            vec![0x1b, 0x08, 0x10, 0x1c, b'a'],
            "Pair",
            err::<Pair>,
            UnexpectedEof,
            3,
        ),
        // ---- serde's own messages: a struct with too few items
        (vec![0x0b, 0x08], "Pair", err::<Pair>, Custom, 0),
        (vec![0x1d, 0x03], "Kind::Struct", err::<Kind>, Custom, 1),
        (vec![0x25, 0x00], "Kind", err::<Kind>, Custom, 0),
    ]
}

#[test]
fn error_table() {
    let mut failures = Vec::new();
    for (bytes, target, decode, kind, offset) in table() {
        let e = decode(&bytes);
        if e.kind() != kind || e.offset() != Some(offset) {
            failures.push(format!(
                "{bytes:02x?} as {target}: expected {kind:?} at {offset}, got {e:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn display_appends_the_offset() {
    let e = err::<u8>(&[0x80, 0x10]);
    assert_eq!(
        e.to_string(),
        "integer 256 out of range for u8 at byte offset 0"
    );
    assert_eq!(e.message(), "integer 256 out of range for u8");

    let e = err::<u8>(&[0x08, 0x08]);
    assert_eq!(
        e.to_string(),
        "trailing bytes after the value at byte offset 1"
    );
    assert_eq!(e.message(), "trailing bytes after the value");

    let e = err::<Outer>(&[
        0x1b, 0x1c, b'a', b'b', b'c', 0x08, 0x13, 0x13, 0x08, 0x04, 0x00,
    ]);
    assert_eq!(
        e.to_string(),
        "expected an integer (wire type 0, 1 or 2) for u16, found bytes (wire type 4) \
         at byte offset 9"
    );

    let e = err::<Option<u8>>(&[0x15, 0x00]);
    assert_eq!(
        e.to_string(),
        "Option discriminant 2, expected 0 (None) or 1 (Some) at byte offset 0"
    );

    let e = err::<f32>(&[0x09, 0, 0, 0, 0]);
    assert_eq!(
        e.message(),
        "expected a float (wire type 1 or 2) for f32, found a fixed-width tag with value \
         bits set (tag 0x09)"
    );

    let e = err::<String>(&[0x1c, b'a']);
    assert_eq!(
        e.to_string(),
        "unexpected end of input: item needs 3 more bytes, 1 left at byte offset 0"
    );
}

#[test]
fn every_display_ends_with_its_offset_and_starts_with_its_message() {
    for (bytes, target, decode, _, offset) in table() {
        let e = decode(&bytes);
        let text = e.to_string();
        assert_eq!(
            text,
            format!("{} at byte offset {offset}", e.message()),
            "{bytes:02x?} as {target}"
        );
        assert!(!e.message().contains("at byte offset"), "{text}");
        assert!(!e.message().is_empty());
        assert!(!e.message().ends_with('.'), "{text}");
    }
}

#[test]
fn is_eof_only_for_truncation() {
    for (bytes, target, decode, kind, _) in table() {
        let e = decode(&bytes);
        assert_eq!(
            e.is_eof(),
            kind == ErrorKind::UnexpectedEof,
            "{bytes:02x?} as {target}"
        );
    }
}

#[test]
fn into_io_error() {
    let eof: io::Error = err::<u64>(&[0x80]).into();
    assert_eq!(eof.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(
        eof.to_string(),
        "unexpected end of input inside a varint at byte offset 0"
    );

    let invalid: io::Error = err::<u8>(&[0x07]).into();
    assert_eq!(invalid.kind(), io::ErrorKind::InvalidData);
    let inner = invalid
        .get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("the evowire error is kept inside");
    assert_eq!(inner.kind(), ErrorKind::InvalidWireType);

    for (bytes, target, decode, kind, _) in table() {
        let io_err: io::Error = decode(&bytes).into();
        let expected = if kind == ErrorKind::UnexpectedEof {
            io::ErrorKind::UnexpectedEof
        } else {
            io::ErrorKind::InvalidData
        };
        assert_eq!(io_err.kind(), expected, "{bytes:02x?} as {target}");
    }
}

/// A reader that yields `data`, then fails with `kind`.
struct Failing {
    data: Vec<u8>,
    kind: io::ErrorKind,
}

impl io::Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::new(self.kind, "the disk is on fire"));
        }
        let n = buf.len().min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data.drain(..n);
        Ok(n)
    }
}

#[test]
fn io_failures_keep_their_source() {
    use std::error::Error as _;

    // Fails inside the second item of (u8, String): the string starts at byte 2.
    let reader = Failing {
        data: vec![0x13, 0x08, 0x1c, b'a'],
        kind: io::ErrorKind::PermissionDenied,
    };
    let e = evowire::from_reader::<_, (u8, String)>(reader).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(!e.is_eof());
    assert_eq!(e.offset(), Some(2));
    assert_eq!(e.message(), "the disk is on fire");
    // The reader's text is the message, so the chain does not repeat it as a source.
    assert!(e.source().is_none());
    assert_eq!(e.io_error_kind(), Some(io::ErrorKind::PermissionDenied));
    // Converting back keeps the reader's own kind.
    let back: io::Error = e.into();
    assert_eq!(back.kind(), io::ErrorKind::PermissionDenied);

    // A reader failure on the tag byte itself.
    let reader = Failing {
        data: vec![],
        kind: io::ErrorKind::ConnectionReset,
    };
    let e = evowire::from_reader::<_, Value>(reader).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.offset(), Some(0));
    assert_eq!(e.io_error_kind(), Some(io::ErrorKind::ConnectionReset));

    // A reader that reports UnexpectedEof itself is end of input, not an i/o failure.
    let reader = Failing {
        data: vec![0x1b, 0x08],
        kind: io::ErrorKind::UnexpectedEof,
    };
    let e = evowire::from_reader::<_, Vec<u8>>(reader).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedEof);
    assert!(e.is_eof());
    assert_eq!(e.offset(), Some(2));

    // Format errors have no source.
    assert!(err::<u8>(&[0x07]).source().is_none());
    assert!(err::<u8>(&[]).source().is_none());
}

#[test]
fn errors_without_position_get_where_decoding_stopped() {
    // A unit variant the reader does not know: serde's custom error, raised after the
    // index was read; from_slice reports where decoding stopped.
    let e = evowire::from_slice::<Kind>(&[0x25, 0x00]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    assert!(e.message().contains("variant index 0 <= i < 4"), "{e}");
    assert!(e.offset().is_some());
}

#[test]
fn error_is_one_pointer() {
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    assert_eq!(
        std::mem::size_of::<evowire::Result<()>>(),
        std::mem::size_of::<usize>()
    );
}

#[test]
fn debug_is_compact() {
    let e = err::<u8>(&[0x80, 0x10]);
    assert_eq!(
        format!("{e:?}"),
        "Error(IntegerOverflow, \"integer 256 out of range for u8\", offset 0)"
    );
}

#[test]
fn kind_describes_itself() {
    assert_eq!(
        ErrorKind::UnexpectedEof.to_string(),
        "unexpected end of input"
    );
    assert_eq!(ErrorKind::DepthExceeded.to_string(), "nesting too deep");
}
