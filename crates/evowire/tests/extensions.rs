//! The fcode "future work", built: fixed-width integers and packed scalar sequences.

use evowire::ErrorKind;
use serde::{Deserialize, Serialize};

// ---- fixed ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
struct FixedAll {
    #[serde(with = "evowire::fixed")]
    a: u32,
    #[serde(with = "evowire::fixed")]
    b: i32,
    #[serde(with = "evowire::fixed")]
    c: u64,
    #[serde(with = "evowire::fixed")]
    d: i64,
    #[serde(with = "evowire::fixed")]
    e: Option<u64>,
    #[serde(with = "evowire::fixed")]
    f: Option<i32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
struct PlainAll {
    a: u32,
    b: i32,
    c: u64,
    d: i64,
    e: Option<u64>,
    f: Option<i32>,
}

fn fixed_sample() -> FixedAll {
    FixedAll {
        a: 0xdead_beef,
        b: -2,
        c: u64::MAX,
        d: i64::MIN,
        e: Some(1 << 63),
        f: None,
    }
}

fn as_plain(v: FixedAll) -> PlainAll {
    PlainAll {
        a: v.a,
        b: v.b,
        c: v.c,
        d: v.d,
        e: v.e,
        f: v.f,
    }
}

#[test]
fn fixed_writes_exact_bytes() {
    let bytes = evowire::to_vec(&fixed_sample()).unwrap();
    let mut expected = vec![0x33]; // sequence of 6
    expected.push(0x01);
    expected.extend_from_slice(&0xdead_beefu32.to_le_bytes());
    expected.push(0x01);
    expected.extend_from_slice(&(-2i32).to_le_bytes()); // two's complement, not zig-zag
    expected.push(0x02);
    expected.extend_from_slice(&u64::MAX.to_le_bytes());
    expected.push(0x02);
    expected.extend_from_slice(&i64::MIN.to_le_bytes());
    expected.extend_from_slice(&[0x0d, 0x02]); // Some, fixed64
    expected.extend_from_slice(&(1u64 << 63).to_le_bytes());
    expected.extend_from_slice(&[0x05, 0x00]); // None
    assert_eq!(bytes, expected);
    assert_eq!(
        evowire::serialized_size(&fixed_sample()).unwrap(),
        expected.len()
    );
}

#[test]
fn fixed_round_trips_and_plain_readers_read_it() {
    let v = fixed_sample();
    let bytes = evowire::to_vec(&v).unwrap();
    assert_eq!(evowire::from_slice::<FixedAll>(&bytes).unwrap(), v);
    assert_eq!(
        evowire::from_slice::<PlainAll>(&bytes).unwrap(),
        as_plain(v)
    );
    let from_reader: FixedAll = evowire::from_reader(&bytes[..]).unwrap();
    assert_eq!(from_reader, v);
}

#[test]
fn fcode_reads_fixed_fields() {
    // fcode 1.1 accepts fixed32 for 32-bit and fixed64 for 64-bit integers.
    let v = fixed_sample();
    let bytes = evowire::to_vec(&v).unwrap();
    assert_eq!(fcode::from_bytes::<PlainAll>(&bytes).unwrap(), as_plain(v));
    assert_eq!(fcode::from_bytes::<FixedAll>(&bytes).unwrap(), v);
}

#[test]
fn switching_between_varint_and_fixed_both_ways() {
    let v = fixed_sample();
    // Writer upgraded first: plain readers (evowire and fcode) read fixed.
    let fixed_bytes = evowire::to_vec(&v).unwrap();
    assert_eq!(
        evowire::from_slice::<PlainAll>(&fixed_bytes).unwrap(),
        as_plain(v)
    );
    // Readers upgraded first: fixed readers read varints, including fcode's.
    let plain_bytes = fcode::to_bytes(&as_plain(v)).unwrap();
    assert_eq!(evowire::to_vec(&as_plain(v)).unwrap(), plain_bytes);
    assert_eq!(evowire::from_slice::<FixedAll>(&plain_bytes).unwrap(), v);
    // Large values are smaller fixed-width: 10 varint bytes against 9.
    #[derive(Serialize)]
    struct Id(#[serde(with = "evowire::fixed")] u64);
    assert_eq!(evowire::serialized_size(&Id(1 << 63)).unwrap(), 9);
    assert_eq!(evowire::serialized_size(&(1u64 << 63)).unwrap(), 10);
}

#[test]
fn fixed_values_that_do_not_fit_narrower_readers_fail() {
    #[derive(Serialize)]
    struct W(#[serde(with = "evowire::fixed")] u64);
    #[derive(Deserialize, Debug)]
    struct R(#[allow(dead_code)] u32);
    let bytes = evowire::to_vec(&W(1 << 40)).unwrap();
    let err = evowire::from_slice::<R>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntegerOverflow);
    assert_eq!(err.offset(), Some(0));
    // A fixed64 that fits is fine.
    let bytes = evowire::to_vec(&W(7)).unwrap();
    assert_eq!(bytes, [0x02, 7, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(evowire::from_slice::<R>(&bytes).unwrap().0, 7);
}

#[test]
fn truncated_fixed_fails_with_eof() {
    let bytes = evowire::to_vec(&fixed_sample()).unwrap();
    for cut in 0..bytes.len() {
        let err = evowire::from_slice::<FixedAll>(&bytes[..cut]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "cut at {cut}");
    }
}

// ---- packed -----------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct PackedAll {
    #[serde(with = "evowire::packed")]
    f32s: Vec<f32>,
    #[serde(with = "evowire::packed")]
    f64s: Vec<f64>,
    #[serde(with = "evowire::packed")]
    u16s: Vec<u16>,
    #[serde(with = "evowire::packed")]
    u32s: Box<[u32]>,
    #[serde(with = "evowire::packed")]
    u64s: Vec<u64>,
    #[serde(with = "evowire::packed")]
    i16s: Vec<i16>,
    #[serde(with = "evowire::packed")]
    i32s: [i32; 4],
    #[serde(with = "evowire::packed")]
    i64s: Vec<i64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct PlainPacked {
    f32s: Vec<f32>,
    f64s: Vec<f64>,
    u16s: Vec<u16>,
    u32s: Box<[u32]>,
    u64s: Vec<u64>,
    i16s: Vec<i16>,
    i32s: [i32; 4],
    i64s: Vec<i64>,
}

fn packed_sample() -> PackedAll {
    PackedAll {
        f32s: vec![0.0, -1.5, f32::MAX, f32::MIN_POSITIVE, f32::INFINITY],
        f64s: vec![core::f64::consts::PI, -0.0],
        u16s: vec![0, 1, u16::MAX],
        u32s: vec![7, u32::MAX].into_boxed_slice(),
        u64s: vec![],
        i16s: vec![i16::MIN, -1, i16::MAX],
        i32s: [i32::MIN, -1, 0, i32::MAX],
        i64s: vec![i64::MIN, 42],
    }
}

fn plain_of(v: &PackedAll) -> PlainPacked {
    PlainPacked {
        f32s: v.f32s.clone(),
        f64s: v.f64s.clone(),
        u16s: v.u16s.clone(),
        u32s: v.u32s.clone(),
        u64s: v.u64s.clone(),
        i16s: v.i16s.clone(),
        i32s: v.i32s,
        i64s: v.i64s.clone(),
    }
}

#[test]
fn packed_writes_one_bytes_item_of_le_values() {
    #[derive(Serialize)]
    struct One(#[serde(with = "evowire::packed")] Vec<i16>);
    let bytes = evowire::to_vec(&One(vec![-1, 2, 0x1234])).unwrap();
    // Bytes item of 6: tag 0x34, then ff ff 02 00 34 12.
    assert_eq!(bytes, [0x34, 0xff, 0xff, 0x02, 0x00, 0x34, 0x12]);

    let v = packed_sample();
    let bytes = evowire::to_vec(&v).unwrap();
    let items: evowire::Value = evowire::from_slice(&bytes).unwrap();
    let evowire::Value::Seq(fields) = items else {
        panic!("a struct is a sequence")
    };
    assert_eq!(fields.len(), 8);
    let mut expected_f32 = Vec::new();
    for x in &v.f32s {
        expected_f32.extend_from_slice(&x.to_le_bytes());
    }
    assert_eq!(fields[0], evowire::Value::Bytes(expected_f32));
    for field in &fields {
        assert!(
            matches!(field, evowire::Value::Bytes(_) | evowire::Value::String(_)),
            "{field:?}"
        );
    }
}

#[test]
fn packed_round_trips_from_slice_and_reader() {
    let v = packed_sample();
    let bytes = evowire::to_vec(&v).unwrap();
    let back: PackedAll = evowire::from_slice(&bytes).unwrap();
    assert_eq!(back.f32s.len(), v.f32s.len());
    assert_eq!(back, v);
    let streamed: PackedAll = evowire::from_reader(&bytes[..]).unwrap();
    assert_eq!(streamed, v);
    assert_eq!(evowire::serialized_size(&v).unwrap(), bytes.len());
}

#[test]
fn packed_reader_accepts_plain_sequences() {
    let v = packed_sample();
    let plain_bytes = evowire::to_vec(&plain_of(&v)).unwrap();
    assert_eq!(evowire::from_slice::<PackedAll>(&plain_bytes).unwrap(), v);
    assert_eq!(fcode::to_bytes(&plain_of(&v)).unwrap(), plain_bytes);
}

#[test]
fn plain_reader_cannot_read_packed_so_readers_upgrade_first() {
    let bytes = evowire::to_vec(&packed_sample()).unwrap();
    let err = evowire::from_slice::<PlainPacked>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedWireType);
}

#[test]
fn older_readers_skip_a_packed_field_they_do_not_know() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V1 {
        id: u32,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V2 {
        id: u32,
        #[serde(with = "evowire::packed", default)]
        samples: Vec<f64>,
    }
    let v2 = V2 {
        id: 9,
        samples: (0..1000).map(f64::from).collect(),
    };
    let bytes = evowire::to_vec(&v2).unwrap();
    assert_eq!(evowire::from_slice::<V1>(&bytes).unwrap(), V1 { id: 9 });
    // fcode 1.1 skips it as well: it is an ordinary bytes item.
    assert_eq!(fcode::from_bytes::<V1>(&bytes).unwrap(), V1 { id: 9 });
    // And the new reader reads old bytes with the default.
    let old = evowire::to_vec(&V1 { id: 3 }).unwrap();
    assert_eq!(
        evowire::from_slice::<V2>(&old).unwrap(),
        V2 {
            id: 3,
            samples: vec![]
        }
    );
}

#[test]
fn packed_payload_not_a_multiple_of_the_width_is_an_error() {
    #[derive(Deserialize, Debug)]
    struct R(
        #[serde(with = "evowire::packed")]
        #[allow(dead_code)]
        Vec<u32>,
    );
    // A bytes item of 7 bytes.
    let bytes = [0x3c, 1, 2, 3, 4, 5, 6, 7];
    let err = evowire::from_slice::<R>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Custom);
    assert_eq!(err.offset(), Some(0));
    assert!(
        err.message().contains("7 bytes") && err.message().contains("4-byte"),
        "{err}"
    );
}

#[test]
fn packed_array_of_the_wrong_length_is_an_error() {
    #[derive(Deserialize, Debug)]
    struct R(#[serde(with = "evowire::packed")] [u16; 3]);
    #[derive(Serialize)]
    struct W(#[serde(with = "evowire::packed")] Vec<u16>);
    let bytes = evowire::to_vec(&W(vec![1, 2])).unwrap();
    let err = evowire::from_slice::<R>(&bytes).unwrap_err();
    assert!(err.message().contains("invalid length 2"), "{err}");
    let ok = evowire::to_vec(&W(vec![1, 2, 3])).unwrap();
    assert_eq!(evowire::from_slice::<R>(&ok).unwrap().0, [1, 2, 3]);
}

#[test]
fn packed_hostile_lengths_fail_without_allocating() {
    #[derive(Deserialize, Debug)]
    struct R(
        #[serde(with = "evowire::packed")]
        #[allow(dead_code)]
        Vec<f64>,
    );
    // A bytes item claiming 2^60 bytes with 3 bytes present.
    let mut bytes = evowire::wire::encode_varint(evowire::wire::WireType::Bytes, 1 << 60)
        .as_slice()
        .to_vec();
    bytes.extend_from_slice(&[1, 2, 3]);
    let err = evowire::from_slice::<R>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    let err = evowire::from_reader::<_, R>(&bytes[..]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    // A wrong wire type.
    let err = evowire::from_slice::<R>(&[0x08]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedWireType);
    assert!(err.to_string().contains("a packed sequence"), "{err}");
}

#[test]
fn large_packed_mesh_round_trips_bit_exactly() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Mesh(#[serde(with = "evowire::packed")] Vec<f32>);
    let mut x = 0x1234_5678u32;
    let data: Vec<f32> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            f32::from_bits(x)
        })
        .collect();
    let bytes = evowire::to_vec(&Mesh(data.clone())).unwrap();
    assert_eq!(bytes.len(), 1 + 3 + 300_000 * 4);
    let back: Mesh = evowire::from_slice(&bytes).unwrap();
    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back.0), bits(&data));
}
