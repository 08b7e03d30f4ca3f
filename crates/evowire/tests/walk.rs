//! `evowire::walk`: every wire type, every error, and agreement with the decoder.
//!
//! The walker must accept exactly the messages that decode into [`Value`], and fail on the
//! others at the same byte offset with the same [`ErrorKind`]. [`agree`] checks that for one
//! input, twice: once entering every item (as `evowire dump` does) and once skipping the
//! whole message (as a reader skips unknown data).

use std::collections::BTreeMap;

use evowire::walk::{Header, Item, Walker};
use evowire::wire::{encode_varint, encode_varint128, WireType};
use evowire::{DecodeOptions, Error, ErrorKind, Value};
use proptest::collection::vec;
use proptest::prelude::*;
use serde::Serialize;

/// Walks a whole message, entering every sequence and variant, and builds the [`Value`]
/// the decoder would build. A loop with an explicit stack, like the walker itself.
fn walk_value(bytes: &[u8], max_depth: u32) -> Result<Value, Error> {
    let mut walker = Walker::new(bytes).with_max_depth(max_depth);
    // Open containers: a variant's index (`None` for a sequence) and the items read so far.
    let mut stack: Vec<(Option<u32>, Vec<Value>)> = vec![(None, Vec::new())];
    loop {
        let value = match walker.next_item()? {
            Some(item) => match item.header {
                Header::Sequence(_) | Header::Variant(_) => {
                    walker.enter()?;
                    let index = match item.header {
                        Header::Variant(index) => Some(index),
                        _ => None,
                    };
                    stack.push((index, Vec::new()));
                    continue;
                }
                Header::Int(v) => match u64::try_from(v) {
                    Ok(small) => Value::U64(small),
                    Err(_) => Value::U128(v),
                },
                Header::Fixed32(b) => Value::F32(f32::from_le_bytes(b)),
                Header::Fixed64(b) => Value::F64(f64::from_le_bytes(b)),
                Header::Bytes(b) => match std::str::from_utf8(b) {
                    Ok(s) => Value::String(s.into()),
                    Err(_) => Value::Bytes(b.to_vec()),
                },
                Header::Absent => Value::Absent,
            },
            None if walker.depth() == 0 => break,
            None => {
                walker.leave()?;
                let (index, mut items) = stack.pop().expect("an open container");
                match index {
                    None => Value::Seq(items),
                    Some(index) => Value::Variant(index, Box::new(items.pop().expect("a body"))),
                }
            }
        };
        stack.last_mut().expect("the top level").1.push(value);
    }
    walker.end()?;
    let (_, mut top) = stack.pop().expect("the top level");
    Ok(top.pop().expect("a root item"))
}

/// Walks a whole message without entering anything: everything is skipped.
fn skip_whole(bytes: &[u8], max_depth: u32) -> Result<(), Error> {
    Walker::new(bytes).with_max_depth(max_depth).end()
}

/// What a failure is compared on: kind and offset always; the text too where the walker
/// uses the decoder's words (it names reserved tags and depths in its own).
fn shape(e: &Error) -> (ErrorKind, Option<u64>, Option<String>) {
    let words = !matches!(
        e.kind(),
        ErrorKind::InvalidWireType | ErrorKind::DepthExceeded
    );
    (e.kind(), e.offset(), words.then(|| e.message().to_string()))
}

/// Asserts that the walker and `from_slice::<Value>` agree on `bytes`.
#[track_caller]
fn agree_at_depth(bytes: &[u8], max_depth: u32) {
    let theirs = DecodeOptions::new()
        .with_max_depth(max_depth)
        .from_slice::<Value>(bytes);
    let ours = walk_value(bytes, max_depth);
    let skipped = skip_whole(bytes, max_depth);
    match (&theirs, &ours) {
        // Compared as text: NaN payloads and all.
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{bytes:02x?}"),
        (Err(a), Err(b)) => assert_eq!(shape(a), shape(b), "{bytes:02x?}: {a} vs {b}"),
        _ => panic!("disagree on {bytes:02x?}: decoder {theirs:?}, walker {ours:?}"),
    }
    match (&theirs, &skipped) {
        (Ok(_), Ok(())) => {}
        (Err(a), Err(b)) => assert_eq!(shape(a), shape(b), "skipping {bytes:02x?}: {a} vs {b}"),
        _ => panic!("skipping disagrees on {bytes:02x?}: decoder {theirs:?}, walker {skipped:?}"),
    }
}

#[track_caller]
fn agree(bytes: &[u8]) {
    agree_at_depth(bytes, evowire::DEFAULT_MAX_DEPTH);
}

/// The items of a message in walk order, each with the depth it was found at.
fn items(bytes: &[u8]) -> Vec<(usize, Item<'_>)> {
    let mut walker = Walker::new(bytes);
    let mut out = Vec::new();
    loop {
        match walker.next_item().unwrap() {
            Some(item) => {
                out.push((walker.depth(), item));
                walker.enter().unwrap();
            }
            None if walker.depth() == 0 => break,
            None => walker.leave().unwrap(),
        }
    }
    walker.end().unwrap();
    out
}

fn item(offset: usize, tag: u8, header: Header<'_>) -> Item<'_> {
    Item {
        offset,
        tag,
        header,
    }
}

fn err(bytes: &[u8]) -> Error {
    let e = skip_whole(bytes, evowire::DEFAULT_MAX_DEPTH).unwrap_err();
    agree(bytes);
    e
}

// ---- every wire type ---------------------------------------------------------------------

#[test]
fn every_wire_type_with_its_offset_and_depth() {
    let bytes = [
        0x43, // 0: sequence of 8 (§5)
        0xd0, 0xf3, 0x04, // 1: integer 10042 (§3.2)
        0x01, 0x00, 0x00, 0xc0, 0x3f, // 4: fixed32 1.5f32 (§4.2)
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, // 9: fixed64 1.5f64
        0x06, // 18: absent marker (§9), not counted
        0x14, b'h', b'i', // 19: bytes "hi" (§6)
        0x0c, 0xff, // 22: bytes, not UTF-8
        0x15, 0x00, // 24: variant 2, unit body (§7)
        0x0d, 0x03, // 26: Some(empty sequence)
        0x83, 0x00, // 28: empty sequence, padded count (§3.4 rule 4)
    ];
    let mut u128_max = encode_varint128(WireType::Int, u128::MAX)
        .as_slice()
        .to_vec();
    let mut all = bytes.to_vec();
    all[0] = 0x4b; // one more item: u128::MAX at the end
    all.append(&mut u128_max);
    assert_eq!(
        items(&all),
        [
            (0, item(0, 0x4b, Header::Sequence(9))),
            (1, item(1, 0xd0, Header::Int(10042))),
            (1, item(4, 0x01, Header::Fixed32([0, 0, 0xc0, 0x3f]))),
            (1, item(9, 0x02, Header::Fixed64(1.5f64.to_le_bytes()))),
            (1, item(18, 0x06, Header::Absent)),
            (1, item(19, 0x14, Header::Bytes(b"hi"))),
            (1, item(22, 0x0c, Header::Bytes(&[0xff]))),
            (1, item(24, 0x15, Header::Variant(2))),
            (2, item(25, 0x00, Header::Int(0))),
            (1, item(26, 0x0d, Header::Variant(1))),
            (2, item(27, 0x03, Header::Sequence(0))),
            (1, item(28, 0x83, Header::Sequence(0))),
            (1, item(30, 0xf8, Header::Int(u128::MAX))),
        ]
    );
    agree(&all);
    let wires: Vec<WireType> = items(&all).iter().map(|(_, i)| i.wire_type()).collect();
    assert!(items(&all)
        .iter()
        .all(|(_, i)| i.wire_type() == i.header.wire_type()));
    for wire in [
        WireType::Int,
        WireType::Fixed32,
        WireType::Fixed64,
        WireType::Sequence,
        WireType::Bytes,
        WireType::Variant,
        WireType::Absent,
    ] {
        assert!(wires.contains(&wire), "{wire:?}");
    }
}

#[test]
fn spec_test_vectors_walk_like_values() {
    // §13: the encodings of the test vector values, each a well-formed message.
    #[derive(Serialize)]
    struct Skip {
        a: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u8>,
        c: u8,
    }
    let vectors: Vec<Vec<u8>> = vec![
        evowire::to_vec(&true).unwrap(),
        evowire::to_vec(&u64::MAX).unwrap(),
        evowire::to_vec(&i64::MIN).unwrap(),
        evowire::to_vec(&u128::MAX).unwrap(),
        evowire::to_vec(&1.5f32).unwrap(),
        evowire::to_vec(&1.5f64).unwrap(),
        evowire::to_vec(&'é').unwrap(),
        evowire::to_vec("hi").unwrap(),
        evowire::to_vec(&()).unwrap(),
        evowire::to_vec(&Vec::<u8>::new()).unwrap(),
        evowire::to_vec(&vec![1u8, 2, 3]).unwrap(),
        evowire::to_vec(&(1u8, "a")).unwrap(),
        evowire::to_vec(&None::<u8>).unwrap(),
        evowire::to_vec(&Some(5u8)).unwrap(),
        evowire::to_vec(&BTreeMap::from([(1u8, "a"), (2, "b")])).unwrap(),
        evowire::to_vec(&Skip {
            a: 1,
            b: None,
            c: 3,
        })
        .unwrap(),
        vec![0x80, 0x00],
        vec![0x05, 0x13, 0x08, 0x08],
        vec![0x13, 0x08, 0x0b, 0x06, 0x08],
    ];
    for v in &vectors {
        agree(v);
        let value: Value = evowire::from_slice(v).unwrap();
        assert_eq!(
            format!("{:?}", walk_value(v, 128).unwrap()),
            format!("{value:?}")
        );
    }
}

// ---- errors ------------------------------------------------------------------------------

#[test]
fn errors_name_the_problem_and_the_offset() {
    use ErrorKind::*;
    let mut twenty = vec![0x80u8; 19];
    twenty.push(0x00);
    let mut wide = vec![0xf8u8];
    wide.extend([0xff; 17]);
    wide.push(0x20);
    let long_count = encode_varint128(WireType::Sequence, 1 << 64);
    let long_length = encode_varint128(WireType::Bytes, 1 << 64);
    let wide_index = [
        encode_varint(WireType::Variant, 1 << 32).as_slice(),
        &[0x00],
    ]
    .concat();
    let huge_count = encode_varint(WireType::Sequence, u64::MAX);
    const MARKER: &str = "absent-field marker 0x06 outside a sequence";
    const VARINT: &str = "varint longer than 19 bytes or wider than 128 bits";
    const WIDE: &str = "varint does not fit in 64 bits";
    const EOF: &str = "unexpected end of input";
    const TRAILING: &str = "trailing bytes after the value";
    #[rustfmt::skip]
    let table: &[(&[u8], ErrorKind, u64, &str)] = &[
        // Reserved tags (§12.3), wherever they stand.
        (&[0x07], InvalidWireType, 0, "reserved tag 0x07"),
        (&[0x13, 0x08, 0x07], InvalidWireType, 2, "reserved tag 0x07"),
        (&[0xff], InvalidWireType, 0, "reserved tag 0xff"),
        (&[0x0b, 0x0e], InvalidWireType, 1, "reserved tag 0x0e"),
        (&[0x0d, 0xfe], InvalidWireType, 1, "reserved tag 0xfe"),
        (&[0x09, 0, 0, 0, 0], InvalidWireType, 0, "reserved tag 0x09"),
        (&[0x0a, 0, 0, 0, 0, 0, 0, 0, 0], InvalidWireType, 0, "reserved tag 0x0a"),
        // The absent marker outside a sequence (§9.3).
        (&[0x06], InvalidWireType, 0, MARKER),
        (&[0x0d, 0x06, 0x08], InvalidWireType, 1, MARKER),
        // A marker after the last counted item is not part of the sequence (§9.3).
        (&[0x0b, 0x08, 0x06], TrailingBytes, 2, TRAILING),
        // Varints (§3.4).
        (&twenty, InvalidVarint, 0, VARINT),
        (&wide, InvalidVarint, 0, VARINT),
        (&[0x0b, 0x80, 0x80], UnexpectedEof, 1, "unexpected end of input inside a varint"),
        // Counts, lengths and discriminants are 64-bit; discriminants fit u32 (§7.2, §8).
        (long_count.as_slice(), IntegerOverflow, 0, WIDE),
        (long_length.as_slice(), IntegerOverflow, 0, WIDE),
        (&wide_index, IntegerOverflow, 0, "variant index 4294967296 does not fit in u32"),
        // Lengths past the end (§6.1) and truncated items (§11.3).
        (&[0x84, 0x01, 0x61], UnexpectedEof, 0, "unexpected end of input: item needs 16 more bytes, 1 left"),
        (&[0x0b, 0x01, 0x00], UnexpectedEof, 1, "unexpected end of input: item needs 4 more bytes, 1 left"),
        (&[0x02, 0x00], UnexpectedEof, 0, "unexpected end of input: item needs 8 more bytes, 1 left"),
        (&[], UnexpectedEof, 0, EOF),
        (&[0x1b, 0x08], UnexpectedEof, 2, EOF),
        (&[0x0d], UnexpectedEof, 1, EOF),
        (&[0x13, 0x08, 0x06], UnexpectedEof, 3, EOF),
        // A count far beyond the input: fails where the input ends, allocates nothing.
        (huge_count.as_slice(), UnexpectedEof, 10, EOF),
        // One message, nothing after it (§1.1).
        (&[0x08, 0x08], TrailingBytes, 1, TRAILING),
    ];
    for &(bytes, kind, offset, message) in table {
        let e = err(bytes);
        assert_eq!(
            (e.kind(), e.offset(), e.message()),
            (kind, Some(offset), message),
            "{bytes:02x?}"
        );
        assert_eq!(e.to_string(), format!("{message} at byte offset {offset}"));
    }
}

#[test]
fn truncation_at_every_byte_is_an_eof_at_the_decoders_offset() {
    let vectors: Vec<Vec<u8>> = vec![
        evowire::to_vec(&(7u64, "EVO", Some(0u8), 300u32, 12.5f64, vec!["rush"])).unwrap(),
        evowire::to_vec(&(
            u128::MAX,
            -1i64,
            1.5f32,
            serde_bytes::Bytes::new(&[0xff; 20]),
        ))
        .unwrap(),
        vec![0x13, 0x08, 0x06, 0x18],
        vec![0x1d, 0x13, 0x08, 0x0c, 0x61],
        [0x0b; 40].into_iter().chain([0x00]).collect(),
        [0x0d; 40].into_iter().chain([0x00]).collect(),
    ];
    for v in vectors {
        agree(&v);
        for end in 0..v.len() {
            let e = err(&v[..end]);
            assert!(e.is_eof(), "{:02x?}: {e}", &v[..end]);
        }
    }
}

#[test]
fn depth_bombs_stop_at_the_bound() {
    for open in [0x0b, 0x0d] {
        // 128 levels of sequences (or variants) are fine, 129 are not (§11.1).
        let ok: Vec<u8> = [open; 128].into_iter().chain([0x00]).collect();
        agree(&ok);
        Walker::new(&ok).end().unwrap();
        let deep: Vec<u8> = [open; 129].into_iter().chain([0x00]).collect();
        let e = err(&deep);
        assert_eq!(e.kind(), ErrorKind::DepthExceeded);
        assert_eq!(
            e.to_string(),
            "nesting deeper than 128 levels at byte offset 128"
        );
        // A million levels: the same error, at once, on a small stack.
        let bomb = vec![open; 1_000_000];
        let e = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || Walker::new(&bomb).end().unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(
            (e.kind(), e.offset()),
            (ErrorKind::DepthExceeded, Some(128))
        );
    }
    // Configured bounds, as DecodeOptions::with_max_depth.
    for max in 0..4 {
        for bytes in [
            &[0x03][..],
            &[0x0b, 0x0b, 0x00],
            &[0x0d, 0x0b, 0x0d, 0x00],
            &[0x08],
        ] {
            agree_at_depth(bytes, max);
        }
    }
    let e = Walker::new(&[0x03]).with_max_depth(0).end().unwrap_err();
    assert_eq!(
        e.to_string(),
        "nesting deeper than 0 levels at byte offset 0"
    );
    // More room than the default, named in the type.
    let deep: Vec<u8> = [0x0b; 300].into_iter().chain([0x00]).collect();
    Walker::<'_, 300>::with_capacity(&deep).end().unwrap();
    let e = Walker::<'_, 300>::with_capacity(&deep)
        .with_max_depth(200)
        .end()
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.offset()),
        (ErrorKind::DepthExceeded, Some(200))
    );
    // The capacity caps a larger configured bound.
    assert_eq!(Walker::new(&deep).with_max_depth(1000).max_depth(), 128);
}

// ---- moving around -----------------------------------------------------------------------

#[test]
fn leave_and_skip_pass_over_what_was_not_read() {
    // [[1, 2], "a", Some(3)] then nothing.
    let bytes = [0x1b, 0x13, 0x08, 0x10, 0x0c, b'a', 0x0d, 0x18];
    let mut w = Walker::new(&bytes);
    let root = w.next_item().unwrap().unwrap();
    assert_eq!(root.header, Header::Sequence(3));
    w.enter().unwrap();
    assert_eq!(w.depth(), 1);
    // Not entered: skipped by the next call.
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Sequence(2));
    assert_eq!(w.offset(), 2);
    let a = w.next_item().unwrap().unwrap();
    assert_eq!((a.offset, a.header), (4, Header::Bytes(b"a")));
    // Skipped at once.
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Variant(1));
    w.skip().unwrap();
    assert_eq!(w.offset(), 8);
    assert_eq!(w.remaining(), b"");
    assert_eq!(w.next_item().unwrap(), None);
    w.leave().unwrap();
    assert_eq!(w.depth(), 0);
    assert_eq!(w.next_item().unwrap(), None);
    w.end().unwrap();

    // Leaving early skips the rest of the level, markers included.
    let bytes = [0x1b, 0x08, 0x06, 0x0b, 0x10, 0x06, 0x18, 0x28];
    let mut w = Walker::new(&bytes[..7]);
    w.next_item().unwrap();
    w.enter().unwrap();
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Int(1));
    w.leave().unwrap();
    assert_eq!((w.depth(), w.offset()), (0, 7));
    w.end().unwrap();
    // The same with a byte after the message.
    let mut w = Walker::new(&bytes);
    w.next_item().unwrap();
    w.enter().unwrap();
    w.leave().unwrap();
    let e = w.end().unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::TrailingBytes, Some(7)));

    // enter, skip and leave do nothing where there is nothing to do.
    let mut w = Walker::new(&[0x08]);
    w.enter().unwrap();
    w.skip().unwrap();
    w.leave().unwrap();
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Int(1));
    w.enter().unwrap();
    assert_eq!(w.depth(), 0);
    w.end().unwrap();
}

#[test]
fn messages_back_to_back() {
    // 1, [2, [3]], "ab", then a message cut short.
    let bytes = [0x08, 0x13, 0x10, 0x0b, 0x18, 0x14, b'a', b'b', 0x1b, 0x08];
    let mut w = Walker::new(&bytes);
    let mut roots = Vec::new();
    let e = loop {
        match w.next_message() {
            Ok(true) => {}
            Ok(false) => panic!("the last message is incomplete"),
            Err(e) => break e,
        }
        let root = w.next_item().unwrap().unwrap();
        roots.push((root.offset, root.header));
        if root.offset == 1 {
            // Read part of the second message; the rest is skipped.
            w.enter().unwrap();
            w.next_item().unwrap();
        }
    };
    assert_eq!(
        roots,
        [
            (0, Header::Int(1)),
            (1, Header::Sequence(2)),
            (5, Header::Bytes(b"ab")),
            (8, Header::Sequence(3)),
        ]
    );
    assert!(e.is_eof());
    assert_eq!(e.offset(), Some(10));

    let mut w = Walker::new(&[]);
    assert!(!w.next_message().unwrap());
    let mut w = Walker::new(&[0x08, 0x10]);
    assert!(w.next_message().unwrap());
    assert!(
        w.next_message().unwrap(),
        "the first message was not read: still current"
    );
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Int(1));
    assert!(w.next_message().unwrap());
    assert_eq!(w.next_item().unwrap().unwrap().header, Header::Int(2));
    assert!(!w.next_message().unwrap());
}

#[test]
fn a_long_sequence_is_walked_without_growing_anything() {
    // A million items, skipped and walked.
    let big = evowire::to_vec(&vec![7u8; 1_000_000]).unwrap();
    Walker::new(&big).end().unwrap();
    let mut w = Walker::new(&big);
    w.next_item().unwrap();
    w.enter().unwrap();
    let mut n = 0;
    while let Some(item) = w.next_item().unwrap() {
        assert_eq!(item.header, Header::Int(7));
        n += 1;
    }
    assert_eq!(n, 1_000_000);
    w.leave().unwrap();
    w.end().unwrap();
    assert!(std::mem::size_of::<Walker<'_>>() < 3 * 1024);
}

/// The samples of the CLI's former cursor test: every prefix and a set of one-byte
/// mutations of each must be judged as the decoder judges them.
#[test]
fn agrees_with_the_decoder_on_every_prefix_and_mutation() {
    #[derive(serde::Serialize)]
    struct S {
        a: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u8>,
        c: (String, Vec<i64>, f32, f64),
        d: Option<Option<u128>>,
        e: BTreeMap<u8, bool>,
    }
    let s = S {
        a: 200,
        b: None,
        c: ("héllo".into(), vec![-1, i64::MIN], 1.5, -0.0),
        d: Some(Some(u128::MAX)),
        e: [(1, true), (2, false)].into(),
    };
    let samples = vec![
        evowire::to_vec(&s).unwrap(),
        [0x0b; 130].iter().copied().chain([0x00]).collect(),
        [0x0d; 127].iter().copied().chain([0x00]).collect(),
        vec![0x13, 0x08, 0x06, 0x18],
        vec![0x84, 0x01, 0x61],
        vec![0x01, 0x00, 0x00, 0xc0, 0x3f],
        vec![0x09, 0x01, 0x00, 0x00, 0x00],
        vec![0xf5, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00],
        vec![0x80; 20],
    ];
    for s in samples {
        for end in 0..=s.len() {
            agree(&s[..end]);
        }
        for i in 0..s.len() {
            for b in [0x00, 0x06, 0x07, 0x0e, 0x80, 0xff, 0x0b, 0x05] {
                let mut m = s.clone();
                m[i] = b;
                agree(&m);
            }
        }
    }
}

// ---- properties --------------------------------------------------------------------------

/// Any [`Value`] the decoder can produce, absent markers inside sequences included.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::U64),
        any::<u64>().prop_map(|v| Value::U128(u128::from(v) << 64 | 1)),
        any::<f32>().prop_map(Value::F32),
        any::<f64>().prop_map(Value::F64),
        ".{0,6}".prop_map(Value::String),
        vec(any::<u8>(), 0..6).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            vec(
                prop_oneof![4 => inner.clone(), 1 => Just(Value::Absent)],
                0..6
            )
            .prop_map(Value::Seq),
            (prop_oneof![0u32..4, any::<u32>()], inner)
                .prop_map(|(i, v)| Value::Variant(i, Box::new(v))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Well-formed messages walk to the decoder's `Value`; every prefix and every one-byte
    /// change is judged alike, at the same offset.
    #[test]
    fn walker_agrees_with_the_decoder(
        v in value(),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        max_depth in 0u32..8,
    ) {
        let bytes = evowire::to_vec(&v).unwrap();
        agree(&bytes);
        agree_at_depth(&bytes, max_depth);
        agree(&bytes[..cut.index(bytes.len() + 1)]);
        let mut changed = bytes.clone();
        changed[at.index(bytes.len())] = byte;
        agree(&changed);
    }

    /// Arbitrary bytes, mostly malformed.
    #[test]
    fn walker_agrees_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..48), max_depth in 0u32..4) {
        agree(&bytes);
        agree_at_depth(&bytes, max_depth);
    }
}
