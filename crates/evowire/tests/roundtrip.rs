//! Golden-byte tests: every serde data model type, encoded by evowire and by fcode 1.1, against
//! bytes written out by hand from the wire format description, and decoded back through every
//! entry point.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Debug;
use std::io::{self, Read};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

// ---- the helper --------------------------------------------------------------------------

/// A reader that hands out one byte per `read` call, to exercise `IoRead`'s chunking.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.is_empty()) {
            (Some((first, rest)), false) => {
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// Encodes `value` with evowire and fcode, compares both with `golden`, and decodes `golden`
/// through every evowire entry point (and fcode's), checking the value and that all input is
/// consumed.
#[track_caller]
fn check<T>(value: &T, golden: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    // Encoding.
    let ours = evowire::to_vec(value).unwrap();
    assert_eq!(ours, golden, "evowire::to_vec({value:?})");
    let theirs = fcode::to_bytes(value).unwrap();
    assert_eq!(theirs, golden, "fcode::to_bytes({value:?})");
    assert_eq!(
        evowire::serialized_size(value).unwrap(),
        golden.len(),
        "serialized_size({value:?})"
    );
    let mut written = Vec::new();
    evowire::to_writer(&mut written, value).unwrap();
    assert_eq!(written, golden, "to_writer({value:?})");
    // to_writer appends to what the writer already holds.
    let mut appended = vec![0xAA];
    evowire::to_writer(&mut appended, value).unwrap();
    assert_eq!(appended[0], 0xAA);
    assert_eq!(&appended[1..], golden, "to_writer appending ({value:?})");

    // Decoding.
    let decoded: T = evowire::from_slice(golden).unwrap();
    assert_eq!(&decoded, value, "from_slice");
    let (taken, rest) = evowire::take_from_slice::<T>(golden).unwrap();
    assert_eq!(&taken, value, "take_from_slice");
    assert!(rest.is_empty(), "take_from_slice left {rest:02x?}");
    let read: T = evowire::from_reader(golden).unwrap();
    assert_eq!(&read, value, "from_reader");
    let read_slowly: T = evowire::from_reader(OneByte(golden)).unwrap();
    assert_eq!(&read_slowly, value, "from_reader, one byte per read");
    let by_fcode: T = fcode::from_bytes(golden).unwrap();
    assert_eq!(&by_fcode, value, "fcode::from_bytes");

    // Trailing bytes: returned by take_from_slice, refused by from_slice and from_reader.
    let mut longer = golden.to_vec();
    longer.extend_from_slice(&[0x08, 0xEE]);
    let (taken, rest) = evowire::take_from_slice::<T>(&longer).unwrap();
    assert_eq!(&taken, value, "take_from_slice with trailing bytes");
    assert_eq!(rest, [0x08, 0xEE]);
    let err = evowire::from_slice::<T>(&longer).unwrap_err();
    assert_eq!(err.kind(), evowire::ErrorKind::TrailingBytes, "{err}");
    assert_eq!(err.offset(), Some(golden.len() as u64), "{err}");
    let err = evowire::from_reader::<_, T>(&longer[..]).unwrap_err();
    assert_eq!(err.kind(), evowire::ErrorKind::TrailingBytes, "{err}");
    assert_eq!(err.offset(), Some(golden.len() as u64), "{err}");

    // Truncated input is an EOF error, never a panic or a wrong value.
    if !golden.is_empty() {
        let err = evowire::from_slice::<T>(&golden[..golden.len() - 1]).unwrap_err();
        assert!(err.is_eof(), "truncated {value:?}: {err}");
    }
}

/// Concatenates byte pieces.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ---- bool and integers -------------------------------------------------------------------

#[test]
fn bool_is_integer_zero_or_one() {
    check(&false, &[0x00]);
    check(&true, &[0x08]);
}

#[test]
fn worked_example_10042() {
    // 10042 = 0b10_0111_0011_1010: bits 0-3 in the tag, then 7 bits per byte.
    check(&10042u16, &[0xD0, 0xF3, 0x04]);
    check(&10042u32, &[0xD0, 0xF3, 0x04]);
    check(&10042u64, &[0xD0, 0xF3, 0x04]);
    check(&10042u128, &[0xD0, 0xF3, 0x04]);
    // Signed: zig-zag 5021 -> 10042.
    check(&5021i16, &[0xD0, 0xF3, 0x04]);
    check(&5021i64, &[0xD0, 0xF3, 0x04]);
}

#[test]
fn u8_boundaries() {
    check(&0u8, &[0x00]);
    check(&1u8, &[0x08]);
    check(&15u8, &[0x78]);
    check(&16u8, &[0x80, 0x01]);
    check(&127u8, &[0xF8, 0x07]);
    check(&128u8, &[0x80, 0x08]);
    check(&u8::MAX, &[0xF8, 0x0F]);
}

#[test]
fn u16_boundaries() {
    check(&0u16, &[0x00]);
    check(&15u16, &[0x78]);
    check(&16u16, &[0x80, 0x01]);
    check(&2047u16, &[0xF8, 0x7F]); // 2^11 - 1: tag + one byte
    check(&2048u16, &[0x80, 0x80, 0x01]); // 2^11: three bytes
    check(&u16::MAX, &[0xF8, 0xFF, 0x1F]);
}

#[test]
fn u32_boundaries() {
    check(&0u32, &[0x00]);
    check(&15u32, &[0x78]);
    check(&16u32, &[0x80, 0x01]);
    check(&2047u32, &[0xF8, 0x7F]);
    check(&2048u32, &[0x80, 0x80, 0x01]);
    check(&((1u32 << 18) - 1), &[0xF8, 0xFF, 0x7F]);
    check(&(1u32 << 18), &[0x80, 0x80, 0x80, 0x01]);
    check(&((1u32 << 25) - 1), &[0xF8, 0xFF, 0xFF, 0x7F]);
    check(&(1u32 << 25), &[0x80, 0x80, 0x80, 0x80, 0x01]);
    check(&u32::MAX, &[0xF8, 0xFF, 0xFF, 0xFF, 0x7F]);
}

#[test]
fn u64_boundaries() {
    check(&0u64, &[0x00]);
    check(&15u64, &[0x78]);
    check(&16u64, &[0x80, 0x01]);
    check(&2047u64, &[0xF8, 0x7F]);
    check(&2048u64, &[0x80, 0x80, 0x01]);
    check(&u64::from(u32::MAX), &[0xF8, 0xFF, 0xFF, 0xFF, 0x7F]);
    check(&(1u64 << 32), &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    check(&(u64::MAX >> 1), &cat(&[&[0xF8], &[0xFF; 8], &[0x07]]));
    check(&(1u64 << 63), &cat(&[&[0x80], &[0x80; 8], &[0x08]]));
    // 4 + 8 * 7 + 4 bits: ten bytes.
    check(&u64::MAX, &cat(&[&[0xF8], &[0xFF; 8], &[0x0F]]));
}

#[test]
fn u128_boundaries() {
    check(&0u128, &[0x00]);
    check(&15u128, &[0x78]);
    check(&16u128, &[0x80, 0x01]);
    check(&u128::from(u64::MAX), &cat(&[&[0xF8], &[0xFF; 8], &[0x0F]]));
    check(
        &(u128::from(u64::MAX) + 1),
        &cat(&[&[0x80], &[0x80; 8], &[0x10]]),
    );
    // 4 + 17 * 7 + 5 bits: the maximum of 19 bytes.
    let max = cat(&[&[0xF8], &[0xFF; 17], &[0x1F]]);
    assert_eq!(max.len(), evowire::wire::MAX_VARINT_LEN);
    check(&u128::MAX, &max);
}

#[test]
fn i8_zigzag() {
    check(&0i8, &[0x00]);
    check(&-1i8, &[0x08]);
    check(&1i8, &[0x10]);
    check(&-8i8, &[0x78]); // zig-zag 15
    check(&8i8, &[0x80, 0x01]); // zig-zag 16
    check(&i8::MAX, &[0xF0, 0x0F]); // 254
    check(&i8::MIN, &[0xF8, 0x0F]); // 255
}

#[test]
fn i16_zigzag() {
    check(&0i16, &[0x00]);
    check(&-8i16, &[0x78]);
    check(&8i16, &[0x80, 0x01]);
    check(&-1024i16, &[0xF8, 0x7F]); // zig-zag 2047
    check(&1024i16, &[0x80, 0x80, 0x01]); // zig-zag 2048
    check(&i16::MAX, &[0xF0, 0xFF, 0x1F]);
    check(&i16::MIN, &[0xF8, 0xFF, 0x1F]);
}

#[test]
fn i32_zigzag() {
    check(&0i32, &[0x00]);
    check(&-1i32, &[0x08]);
    check(&-1024i32, &[0xF8, 0x7F]);
    check(&1024i32, &[0x80, 0x80, 0x01]);
    check(&i32::MAX, &[0xF0, 0xFF, 0xFF, 0xFF, 0x7F]);
    check(&i32::MIN, &[0xF8, 0xFF, 0xFF, 0xFF, 0x7F]);
}

#[test]
fn i64_zigzag() {
    check(&0i64, &[0x00]);
    check(&-1i64, &[0x08]);
    check(&1i64, &[0x10]);
    check(&i64::from(i32::MIN), &[0xF8, 0xFF, 0xFF, 0xFF, 0x7F]);
    check(&i64::MAX, &cat(&[&[0xF0], &[0xFF; 8], &[0x0F]]));
    check(&i64::MIN, &cat(&[&[0xF8], &[0xFF; 8], &[0x0F]]));
}

#[test]
fn i128_zigzag() {
    check(&0i128, &[0x00]);
    check(&-1i128, &[0x08]);
    check(&1i128, &[0x10]);
    check(&i128::from(i64::MIN), &cat(&[&[0xF8], &[0xFF; 8], &[0x0F]]));
    // zig-zag(i64::MAX + 1) = 2^64.
    check(
        &(i128::from(i64::MAX) + 1),
        &cat(&[&[0x80], &[0x80; 8], &[0x10]]),
    );
    check(&i128::MAX, &cat(&[&[0xF0], &[0xFF; 17], &[0x1F]]));
    check(&i128::MIN, &cat(&[&[0xF8], &[0xFF; 17], &[0x1F]]));
}

// ---- floats ------------------------------------------------------------------------------

/// An `f32` compared by bit pattern, so NaN payloads and signed zeros are checked exactly.
/// A newtype struct: transparent on the wire.
#[derive(Serialize, Deserialize, Debug, Clone, Copy)]
struct F32Bits(f32);

impl PartialEq for F32Bits {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

/// An `f64` compared by bit pattern.
#[derive(Serialize, Deserialize, Debug, Clone, Copy)]
struct F64Bits(f64);

impl PartialEq for F64Bits {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

#[test]
fn f32_is_fixed32_little_endian() {
    check(&F32Bits(0.0), &[0x01, 0x00, 0x00, 0x00, 0x00]);
    check(&F32Bits(-0.0), &[0x01, 0x00, 0x00, 0x00, 0x80]);
    check(&F32Bits(1.5), &[0x01, 0x00, 0x00, 0xC0, 0x3F]);
    check(&F32Bits(-2.0), &[0x01, 0x00, 0x00, 0x00, 0xC0]);
    check(&F32Bits(f32::INFINITY), &[0x01, 0x00, 0x00, 0x80, 0x7F]);
    check(&F32Bits(f32::NEG_INFINITY), &[0x01, 0x00, 0x00, 0x80, 0xFF]);
    check(&F32Bits(f32::MAX), &[0x01, 0xFF, 0xFF, 0x7F, 0x7F]);
    check(&F32Bits(f32::MIN_POSITIVE), &[0x01, 0x00, 0x00, 0x80, 0x00]);
    check(&F32Bits(f32::from_bits(1)), &[0x01, 0x01, 0x00, 0x00, 0x00]); // subnormal
    check(&F32Bits(f32::NAN), &[0x01, 0x00, 0x00, 0xC0, 0x7F]);
    // NaN payloads and sign survive bit for bit.
    check(
        &F32Bits(f32::from_bits(0x7FC0_1234)),
        &[0x01, 0x34, 0x12, 0xC0, 0x7F],
    );
    check(
        &F32Bits(f32::from_bits(0xFFC0_0001)),
        &[0x01, 0x01, 0x00, 0xC0, 0xFF],
    );
    // A plain f32 compares by value.
    check(&1.5f32, &[0x01, 0x00, 0x00, 0xC0, 0x3F]);
}

#[test]
fn f64_is_fixed64_little_endian() {
    let f = |bits: u64| cat(&[&[0x02], &bits.to_le_bytes()]);
    check(&F64Bits(0.0), &[0x02, 0, 0, 0, 0, 0, 0, 0, 0]);
    check(&F64Bits(-0.0), &[0x02, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    check(&F64Bits(1.5), &[0x02, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F]);
    check(
        &F64Bits(f64::INFINITY),
        &[0x02, 0, 0, 0, 0, 0, 0, 0xF0, 0x7F],
    );
    check(
        &F64Bits(f64::NEG_INFINITY),
        &[0x02, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF],
    );
    check(&F64Bits(f64::NAN), &[0x02, 0, 0, 0, 0, 0, 0, 0xF8, 0x7F]);
    check(&F64Bits(f64::MAX), &f(0x7FEF_FFFF_FFFF_FFFF));
    check(&F64Bits(f64::MIN_POSITIVE), &f(0x0010_0000_0000_0000));
    check(&F64Bits(f64::from_bits(1)), &f(1));
    check(
        &F64Bits(f64::from_bits(0x7FF8_0000_DEAD_BEEF)),
        &[0x02, 0xEF, 0xBE, 0xAD, 0xDE, 0x00, 0x00, 0xF8, 0x7F],
    );
    check(
        &F64Bits(f64::from_bits(0xFFF0_0000_0000_0001)),
        &f(0xFFF0_0000_0000_0001),
    );
    check(&0.1f64, &f(0x3FB9_9999_9999_999A));
}

// ---- char, strings, bytes ----------------------------------------------------------------

#[test]
fn char_is_its_code_point() {
    check(&'\0', &[0x00]);
    check(&'a', &[0x88, 0x06]); // 97
    check(&'é', &[0xC8, 0x0E]); // U+00E9 = 233
    check(&'€', &[0xE0, 0x8A, 0x04]); // U+20AC = 8364
    check(&'😀', &[0x80, 0xE0, 0x3E]); // U+1F600
    check(&'\u{D7FF}', &[0xF8, 0xFF, 0x1A]); // last before the surrogates
    check(&'\u{E000}', &[0x80, 0x80, 0x1C]); // first after the surrogates
    check(&char::MAX, &[0xF8, 0xFF, 0x9F, 0x04]); // U+10FFFF
}

#[test]
fn strings_are_length_prefixed_bytes() {
    check(&String::new(), &[0x04]);
    check(&"a".to_string(), &[0x0C, b'a']);
    check(
        &"héllo".to_string(),
        &[0x34, b'h', 0xC3, 0xA9, b'l', b'l', b'o'],
    );
    check(&"😀".to_string(), &[0x24, 0xF0, 0x9F, 0x98, 0x80]);
    check(&"\0".to_string(), &[0x0C, 0x00]);
    // 15 bytes: the length still fits in the tag.
    let s15 = "x".repeat(15);
    check(&s15, &cat(&[&[0x7C], s15.as_bytes()]));
    // 16 bytes: one more length byte.
    let s16 = "y".repeat(16);
    check(&s16, &cat(&[&[0x84, 0x01], s16.as_bytes()]));
    // 2048 bytes: two more length bytes.
    let s2048 = "z".repeat(2048);
    check(&s2048, &cat(&[&[0x84, 0x80, 0x01], s2048.as_bytes()]));
    // Boxed str and Cow serialize the same way.
    check(&Box::<str>::from("hi"), &[0x14, b'h', b'i']);
    check(&Cow::<str>::Owned("hi".into()), &[0x14, b'h', b'i']);
}

#[test]
fn serde_bytes_are_length_prefixed_bytes() {
    check(&ByteBuf::new(), &[0x04]);
    check(&ByteBuf::from(vec![0x00, 0xFF]), &[0x14, 0x00, 0xFF]);
    // Not UTF-8: still just bytes.
    check(&ByteBuf::from(vec![0xC3, 0x28]), &[0x14, 0xC3, 0x28]);
    let big = vec![0x5A; 300];
    check(&ByteBuf::from(big.clone()), &cat(&[&[0xE4, 0x12], &big]));
}

#[test]
fn vec_u8_without_serde_bytes_is_a_sequence() {
    check(&vec![1u8, 2], &[0x13, 0x08, 0x10]);
}

// ---- options and units -------------------------------------------------------------------

#[test]
fn option_is_variant_zero_or_one() {
    check(&None::<u8>, &[0x05, 0x00]);
    check(&Some(0u8), &[0x0D, 0x00]);
    check(&Some(7u8), &[0x0D, 0x38]);
    check(&Some("hi".to_string()), &[0x0D, 0x14, b'h', b'i']);
    check(&Some(()), &[0x0D, 0x00]);
}

#[test]
fn nested_options() {
    check(&None::<Option<u8>>, &[0x05, 0x00]);
    check(&Some(None::<u8>), &[0x0D, 0x05, 0x00]);
    check(&Some(Some(7u8)), &[0x0D, 0x0D, 0x38]);
    check(&Some(Some(Some(true))), &[0x0D, 0x0D, 0x0D, 0x08]);
    check(&vec![None, Some(1u8)], &[0x13, 0x05, 0x00, 0x0D, 0x08]);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct UnitStruct;

#[test]
fn unit_and_unit_struct_are_integer_zero() {
    check(&(), &[0x00]);
    check(&UnitStruct, &[0x00]);
    check(&std::marker::PhantomData::<u64>, &[0x00]);
}

// ---- structs -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(u32);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Wrapper(Point);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Pair(u8, bool);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct EmptyBraces {}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct EmptyParens();

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    origin: Point,
    scale: Option<Meters>,
    flags: (bool, bool),
}

#[test]
fn newtype_struct_is_transparent() {
    check(&Meters(10042), &[0xD0, 0xF3, 0x04]);
    check(&Wrapper(Point { x: 1, y: -1 }), &[0x13, 0x10, 0x08]);
    check(&F32Bits(1.5), &[0x01, 0x00, 0x00, 0xC0, 0x3F]);
}

#[test]
fn tuple_struct_is_a_sequence() {
    check(&Pair(3, true), &[0x13, 0x18, 0x08]);
    check(&EmptyParens(), &[0x03]);
}

#[test]
fn struct_is_a_sequence_of_fields_in_order() {
    check(&Point { x: 1, y: -1 }, &[0x13, 0x10, 0x08]);
    check(&EmptyBraces {}, &[0x03]);
    check(
        &Record {
            id: 16,
            name: "ab".into(),
            tags: vec!["x".into()],
            origin: Point { x: 0, y: 2 },
            scale: Some(Meters(5)),
            flags: (true, false),
        },
        &[
            0x33, // 6 fields
            0x80, 0x01, // id 16
            0x14, b'a', b'b', // name
            0x0B, 0x0C, b'x', // tags: 1 item
            0x13, 0x00, 0x20, // origin
            0x0D, 0x28, // scale: Some(5)
            0x13, 0x08, 0x00, // flags
        ],
    );
}

#[test]
fn struct_with_sixteen_fields_has_a_two_byte_header() {
    #[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
    struct Wide {
        a0: u8,
        a1: u8,
        a2: u8,
        a3: u8,
        a4: u8,
        a5: u8,
        a6: u8,
        a7: u8,
        a8: u8,
        a9: u8,
        a10: u8,
        a11: u8,
        a12: u8,
        a13: u8,
        a14: u8,
        a15: u8,
    }
    let wide = Wide {
        a15: 1,
        ..Wide::default()
    };
    check(&wide, &cat(&[&[0x83, 0x01], &[0x00; 15], &[0x08]]));
}

// ---- tuples, arrays, sequences, maps -----------------------------------------------------

#[test]
fn tuples_are_sequences() {
    check(&(1u8,), &[0x0B, 0x08]);
    check(&(1u8, 2u8), &[0x13, 0x08, 0x10]);
    check(
        &(true, -1i64, "x".to_string(), 'a'),
        &[0x23, 0x08, 0x08, 0x0C, b'x', 0x88, 0x06],
    );
    check(
        &((1u8, 2u8), (3u8,), ()),
        &[0x1B, 0x13, 0x08, 0x10, 0x0B, 0x18, 0x00],
    );
}

#[test]
fn arrays_are_sequences() {
    check(&[0u8; 0], &[0x03]);
    check(&[7u16; 3], &[0x1B, 0x38, 0x38, 0x38]);
    check(&[[1u8; 2]; 2], &[0x13, 0x13, 0x08, 0x08, 0x13, 0x08, 0x08]);
    let mut a32 = [0u32; 32];
    a32[31] = 16;
    check(&a32, &cat(&[&[0x83, 0x02], &[0x00; 31], &[0x80, 0x01]]));
}

#[test]
fn vecs_are_counted_sequences() {
    check(&Vec::<u8>::new(), &[0x03]);
    check(&vec![1u32, 2, 3], &[0x1B, 0x08, 0x10, 0x18]);
    check(&vec![0u8; 15], &cat(&[&[0x7B], &[0x00; 15]]));
    check(&vec![0u8; 16], &cat(&[&[0x83, 0x01], &[0x00; 16]]));
    check(
        &vec![0u8; 2048],
        &cat(&[&[0x83, 0x80, 0x01], &[0x00; 2048]]),
    );
    check(
        &vec![vec![], vec!["a".to_string()]],
        &[0x13, 0x03, 0x0B, 0x0C, b'a'],
    );
    check(&VecDeque::from(vec![5i8, -5]), &[0x13, 0x50, 0x48]);
    check(&BTreeSet::from([3u8, 1, 2]), &[0x1B, 0x08, 0x10, 0x18]);
    check(&Box::<[u8]>::from(&[1u8][..]), &[0x0B, 0x08]);
}

#[test]
fn maps_are_sequences_of_keys_and_values() {
    check(&BTreeMap::<u8, u8>::new(), &[0x03]);
    check(
        &BTreeMap::from([(1u8, "a".to_string()), (2, "bc".to_string())]),
        &[0x23, 0x08, 0x0C, b'a', 0x10, 0x14, b'b', b'c'],
    );
    // One entry: HashMap order is then fixed.
    check(
        &HashMap::from([("k".to_string(), vec![true])]),
        &[0x13, 0x0C, b'k', 0x0B, 0x08],
    );
    check(&HashMap::<String, u8>::new(), &[0x03]);
    // 8 entries = 16 items: the count needs a second byte.
    let eight: BTreeMap<u8, ()> = (0..8).map(|k| (k, ())).collect();
    let mut golden = vec![0x83, 0x01];
    for k in 0..8u8 {
        golden.extend_from_slice(&[k << 3, 0x00]);
    }
    check(&eight, &golden);
    // Struct keys and nested maps.
    check(
        &BTreeMap::from([(Point { x: 0, y: 0 }, BTreeMap::from([(1u8, 2u8)]))]),
        &[0x13, 0x13, 0x00, 0x00, 0x13, 0x08, 0x10],
    );
}

#[test]
fn hashmap_with_many_entries_round_trips() {
    let map: HashMap<u32, String> = (0..50).map(|k| (k * 1000, format!("v{k}"))).collect();
    let bytes = evowire::to_vec(&map).unwrap();
    assert_eq!(bytes, fcode::to_bytes(&map).unwrap());
    // 100 items: count 100 = 0x64 -> tag 0xA3 (low 4 bits 4, continued), then 6.
    assert_eq!(&bytes[..2], [0xA3, 0x06]);
    assert_eq!(
        evowire::from_slice::<HashMap<u32, String>>(&bytes).unwrap(),
        map
    );
    assert_eq!(evowire::serialized_size(&map).unwrap(), bytes.len());
}

impl PartialOrd for Point {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Point {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.x, self.y).cmp(&(other.x, other.y))
    }
}

impl Eq for Point {}

// ---- enums -------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Kinds {
    Unit,
    Newtype(i32),
    Tuple(u8, String),
    Struct { a: bool, b: Option<u8> },
    Empty {},
    EmptyTuple(),
}

#[test]
fn unit_variant_is_index_then_zero() {
    check(&Kinds::Unit, &[0x05, 0x00]);
}

#[test]
fn newtype_variant_is_index_then_value() {
    check(&Kinds::Newtype(-5), &[0x0D, 0x48]);
    check(&Kinds::Newtype(10042 / 2), &[0x0D, 0xD0, 0xF3, 0x04]);
}

#[test]
fn tuple_variant_is_index_then_sequence() {
    check(
        &Kinds::Tuple(1, "x".into()),
        &[0x15, 0x13, 0x08, 0x0C, b'x'],
    );
    check(&Kinds::EmptyTuple(), &[0x2D, 0x03]);
}

#[test]
fn struct_variant_is_index_then_sequence() {
    check(
        &Kinds::Struct {
            a: true,
            b: Some(3),
        },
        &[0x1D, 0x13, 0x08, 0x0D, 0x18],
    );
    check(
        &Kinds::Struct { a: false, b: None },
        &[0x1D, 0x13, 0x00, 0x05, 0x00],
    );
    check(&Kinds::Empty {}, &[0x25, 0x03]);
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Seventeen {
    V0,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V10,
    V11,
    V12,
    V13,
    V14,
    V15(u8),
    V16(u8),
}

#[test]
fn variant_index_sixteen_needs_a_second_byte() {
    check(&Seventeen::V0, &[0x05, 0x00]);
    check(&Seventeen::V15(1), &[0x7D, 0x08]);
    check(&Seventeen::V16(1), &[0x85, 0x01, 0x08]);
}

#[test]
fn enums_nested_in_containers() {
    check(
        &vec![Kinds::Unit, Kinds::Newtype(1)],
        &[0x13, 0x05, 0x00, 0x0D, 0x10],
    );
    check(&Some(Kinds::Unit), &[0x0D, 0x05, 0x00]);
    check(
        &BTreeMap::from([(Seventeen::V1, Kinds::Newtype(0))]),
        &[0x13, 0x0D, 0x00, 0x0D, 0x00],
    );
    let r: Result<u8, String> = Ok(2);
    check(&r, &[0x05, 0x10]);
    let r: Result<u8, String> = Err("e".into());
    check(&r, &[0x0D, 0x0C, b'e']);
}

// ---- streams of values -------------------------------------------------------------------

#[test]
fn concatenated_values_are_taken_one_by_one() {
    let mut buf = evowire::to_vec(&Point { x: 1, y: 2 }).unwrap();
    evowire::to_writer(&mut buf, "next").unwrap();
    evowire::to_writer(&mut buf, &Kinds::Unit).unwrap();
    let (p, rest) = evowire::take_from_slice::<Point>(&buf).unwrap();
    assert_eq!(p, Point { x: 1, y: 2 });
    let (s, rest) = evowire::take_from_slice::<&str>(rest).unwrap();
    assert_eq!(s, "next");
    let (k, rest) = evowire::take_from_slice::<Kinds>(rest).unwrap();
    assert_eq!(k, Kinds::Unit);
    assert!(rest.is_empty());

    // The same with one Deserializer.
    let mut de = evowire::Deserializer::from_slice(&buf);
    assert_eq!(Point::deserialize(&mut de).unwrap(), Point { x: 1, y: 2 });
    assert_eq!(de.offset(), 3);
    assert_eq!(<&str>::deserialize(&mut de).unwrap(), "next");
    assert_eq!(de.remaining(), [0x05, 0x00]);
    assert_eq!(
        de.end().unwrap_err().kind(),
        evowire::ErrorKind::TrailingBytes
    );
    assert_eq!(Kinds::deserialize(&mut de).unwrap(), Kinds::Unit);
    de.end().unwrap();
}

#[test]
fn serializer_drives_into_every_sink() {
    let value = (10042u32, "x");
    let golden = [0x13, 0xD0, 0xF3, 0x04, 0x0C, b'x'];
    let mut owned = evowire::Serializer::new(Vec::new());
    value.serialize(&mut owned).unwrap();
    assert_eq!(owned.into_inner(), golden);
    let mut borrowed_sink = Vec::new();
    value
        .serialize(&mut evowire::Serializer::new(&mut borrowed_sink))
        .unwrap();
    assert_eq!(borrowed_sink, golden);
    let mut counter = evowire::write::SizeCounter::default();
    value
        .serialize(&mut evowire::Serializer::new(&mut counter))
        .unwrap();
    assert_eq!(counter.count(), golden.len());
    let mut io_sink = evowire::write::IoWrite::new(io::Cursor::new(Vec::new()));
    value
        .serialize(&mut evowire::Serializer::new(&mut io_sink))
        .unwrap();
    assert_eq!(io_sink.into_inner().unwrap().into_inner(), golden);
}

// ---- zero-copy decoding ------------------------------------------------------------------

#[track_caller]
fn assert_inside(input: &[u8], borrowed: &[u8]) {
    let range = input.as_ptr_range();
    assert!(
        range.start <= borrowed.as_ptr() && borrowed.as_ptr_range().end <= range.end,
        "{borrowed:02x?} was copied, not borrowed from the input"
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Borrowed<'a> {
    id: u32,
    name: &'a str,
    #[serde(with = "serde_bytes")]
    payload: &'a [u8],
    #[serde(borrow)]
    note: Cow<'a, str>,
    #[serde(borrow)]
    raw: &'a serde_bytes::Bytes,
    #[serde(borrow)]
    list: Vec<&'a str>,
}

#[test]
fn str_borrows_from_the_input() {
    let bytes = [0x34, b'h', 0xC3, 0xA9, b'l', b'l', b'o'];
    let s: &str = evowire::from_slice(&bytes).unwrap();
    assert_eq!(s, "héllo");
    assert_inside(&bytes, s.as_bytes());
    assert_eq!(s.as_ptr(), bytes[1..].as_ptr());

    let (s, rest): (&str, &[u8]) = evowire::take_from_slice(&[0x04, 0x00]).unwrap();
    assert_eq!((s, rest), ("", &[0x00][..]));
}

#[test]
fn bytes_borrow_from_the_input() {
    let bytes = [0x1C, 0xFF, 0x00, 0xFE];
    let b: &[u8] = evowire::from_slice(&bytes).unwrap();
    assert_eq!(b, [0xFF, 0x00, 0xFE]);
    assert_eq!(b.as_ptr(), bytes[1..].as_ptr());
    let b: &serde_bytes::Bytes = evowire::from_slice(&bytes).unwrap();
    assert_inside(&bytes, b);
}

#[test]
fn struct_fields_borrow_from_the_input() {
    let value = Borrowed {
        id: 9,
        name: "evo",
        payload: &[1, 2, 3],
        note: Cow::Borrowed("wire"),
        raw: serde_bytes::Bytes::new(&[0xC3, 0x28]),
        list: vec!["a", "bc"],
    };
    let golden = [
        0x33, // 6 fields
        0x48, // 9
        0x1C, b'e', b'v', b'o', // name
        0x1C, 0x01, 0x02, 0x03, // payload
        0x24, b'w', b'i', b'r', b'e', // note
        0x14, 0xC3, 0x28, // raw (not UTF-8)
        0x13, 0x0C, b'a', 0x14, b'b', b'c', // list
    ];
    assert_eq!(evowire::to_vec(&value).unwrap(), golden);
    assert_eq!(fcode::to_bytes(&value).unwrap(), golden);
    let decoded: Borrowed<'_> = evowire::from_slice(&golden).unwrap();
    assert_eq!(decoded, value);
    assert_inside(&golden, decoded.name.as_bytes());
    assert_inside(&golden, decoded.payload);
    match &decoded.note {
        Cow::Borrowed(s) => assert_inside(&golden, s.as_bytes()),
        Cow::Owned(s) => panic!("note {s:?} was copied"),
    }
    assert_inside(&golden, decoded.raw);
    for s in &decoded.list {
        assert_inside(&golden, s.as_bytes());
    }
    let (taken, rest) = evowire::take_from_slice::<Borrowed<'_>>(&golden).unwrap();
    assert!(rest.is_empty());
    assert_inside(&golden, taken.name.as_bytes());
}

#[test]
fn borrowed_str_is_checked_for_utf8() {
    let err = evowire::from_slice::<&str>(&[0x14, 0xC3, 0x28]).unwrap_err();
    assert_eq!(err.kind(), evowire::ErrorKind::InvalidUtf8, "{err}");
    assert_eq!(err.offset(), Some(0));
}
