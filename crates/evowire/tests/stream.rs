//! `StreamDeserializer`: concatenated values from a slice and from a reader, ending cleanly
//! at the end of the input and once after an error.

use std::io;

use evowire::{DecodeOptions, Deserializer, ErrorKind, Value};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Tick {
    seq: u32,
    symbol: String,
    price: f64,
}

fn ticks() -> Vec<Tick> {
    (0..50)
        .map(|i| Tick {
            seq: i * 1000,
            symbol: "S".repeat(i as usize % 7),
            price: f64::from(i) / 4.0,
        })
        .collect()
}

/// The ticks encoded one after another, and where each one starts.
fn concatenated(values: &[Tick]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    for v in values {
        starts.push(bytes.len() as u64);
        evowire::append_to_vec(v, &mut bytes).unwrap();
    }
    (bytes, starts)
}

#[test]
fn slice_stream_round_trips_and_tracks_offsets() {
    let values = ticks();
    let (bytes, starts) = concatenated(&values);
    let mut stream = evowire::iter_from_slice::<Tick>(&bytes);
    assert_eq!(stream.offset(), 0);
    for (i, want) in values.iter().enumerate() {
        assert_eq!(stream.offset(), starts[i]);
        assert_eq!(&stream.next().unwrap().unwrap(), want);
    }
    assert_eq!(stream.offset(), bytes.len() as u64);
    assert!(stream.next().is_none());
    assert!(stream.next().is_none());
}

#[test]
fn reader_stream_round_trips() {
    let values = ticks();
    let (bytes, _) = concatenated(&values);
    let stream = Deserializer::from_reader(io::BufReader::new(&bytes[..])).into_iter::<Tick>();
    let back: Vec<Tick> = stream.collect::<evowire::Result<_>>().unwrap();
    assert_eq!(back, values);
}

#[test]
fn empty_input_yields_nothing() {
    assert!(evowire::iter_from_slice::<Tick>(&[]).next().is_none());
    let mut stream = Deserializer::from_reader(&[][..]).into_iter::<Value>();
    assert!(stream.next().is_none());
    assert_eq!(stream.offset(), 0);
}

#[test]
fn values_borrow_from_the_slice() {
    let mut bytes = Vec::new();
    for word in ["alpha", "", "gamma"] {
        evowire::append_to_vec(word, &mut bytes).unwrap();
    }
    let words: Vec<&str> = evowire::iter_from_slice(&bytes)
        .collect::<evowire::Result<_>>()
        .unwrap();
    assert_eq!(words, ["alpha", "", "gamma"]);
}

#[test]
fn truncated_last_value_is_an_eof_error_then_the_end() {
    let values = ticks();
    let (bytes, starts) = concatenated(&values[..3]);
    let last = *starts.last().unwrap();
    // Every cut inside the last value: two values, then an end-of-input error.
    for cut in last + 1..bytes.len() as u64 {
        let input = &bytes[..cut as usize];
        let from_slice = {
            let mut stream = evowire::iter_from_slice::<Tick>(input);
            (stream.by_ref().collect::<Vec<_>>(), stream.offset())
        };
        let from_reader = {
            let mut stream = Deserializer::from_reader(input).into_iter::<Tick>();
            (stream.by_ref().collect::<Vec<_>>(), stream.offset())
        };
        for (got, offset) in [from_slice, from_reader] {
            assert_eq!(got.len(), 3, "cut {cut}");
            assert_eq!(got[0].as_ref().unwrap(), &values[0]);
            assert_eq!(got[1].as_ref().unwrap(), &values[1]);
            let e = got[2].as_ref().unwrap_err();
            assert!(e.is_eof(), "cut {cut}: {e}");
            // The offset stays at the start of the value that failed: a caller can keep
            // the bytes from there and retry with more.
            assert_eq!(offset, last, "cut {cut}");
        }
    }
}

#[test]
fn malformed_value_ends_the_stream() {
    // 1, then a reserved tag (wire type 7), then a value that is never read.
    let bytes = [0x08, 0x07, 0x10];
    let mut stream = evowire::iter_from_slice::<u8>(&bytes);
    assert_eq!(stream.next().unwrap().unwrap(), 1);
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidWireType);
    assert_eq!(e.offset(), Some(1));
    assert_eq!(stream.offset(), 1);
    assert!(stream.next().is_none());
}

#[test]
fn wrong_type_in_the_middle_ends_the_stream() {
    let mut bytes = Vec::new();
    evowire::append_to_vec(&5u8, &mut bytes).unwrap();
    evowire::append_to_vec("text", &mut bytes).unwrap();
    evowire::append_to_vec(&6u8, &mut bytes).unwrap();
    let got: Vec<_> = evowire::iter_from_slice::<u8>(&bytes).collect();
    assert_eq!(got.len(), 2);
    assert_eq!(*got[0].as_ref().unwrap(), 5);
    assert_eq!(
        got[1].as_ref().unwrap_err().kind(),
        ErrorKind::UnexpectedWireType
    );
}

#[test]
fn hostile_length_claim_fails_without_allocating_it() {
    // A valid value, then a bytes item claiming 2^62 bytes, then a sequence claiming as
    // many items; neither may allocate what it claims.
    let mut bytes = Vec::new();
    evowire::append_to_vec(&Value::U64(3), &mut bytes).unwrap();
    let valid = bytes.len() as u64;
    let huge_bytes = evowire::wire::encode_varint(evowire::wire::WireType::Bytes, 1 << 62);
    let huge_seq = evowire::wire::encode_varint(evowire::wire::WireType::Sequence, 1 << 62);
    for claim in [huge_bytes.as_slice(), huge_seq.as_slice()] {
        let mut input = bytes.clone();
        input.extend_from_slice(claim);
        input.extend_from_slice(&[0x08; 16]);

        let mut stream = evowire::iter_from_slice::<Value>(&input);
        assert_eq!(stream.next().unwrap().unwrap(), Value::U64(3));
        let e = stream.next().unwrap().unwrap_err();
        assert!(e.is_eof(), "{e}");
        assert_eq!(stream.offset(), valid);
        assert!(stream.next().is_none());

        // From a reader, the bytes are read as they arrive, never reserved up front.
        let mut stream = Deserializer::from_reader(&input[..]).into_iter::<Value>();
        assert_eq!(stream.next().unwrap().unwrap(), Value::U64(3));
        let e = stream.next().unwrap().unwrap_err();
        assert!(e.is_eof(), "{e}");
        assert_eq!(stream.offset(), valid);
        assert!(stream.next().is_none());
    }

    // With a length limit, the claim is refused before any byte of it is read.
    let mut input = bytes.clone();
    input.extend_from_slice(huge_bytes.as_slice());
    let mut stream = Deserializer::from_slice(&input)
        .with_options(DecodeOptions::new().with_max_len(1 << 20))
        .into_iter::<Value>();
    assert!(stream.next().unwrap().is_ok());
    assert_eq!(
        stream.next().unwrap().unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
}

#[test]
fn depth_limit_applies_to_each_value() {
    // [[1]] twice: depth 2 each, allowed with a limit of 2 however many values follow.
    let one = [0x0b, 0x0b, 0x08];
    let bytes = [one, one, one].concat();
    let opts = DecodeOptions::new().with_max_depth(2);
    let values: Vec<Vec<Vec<u8>>> = Deserializer::from_slice(&bytes)
        .with_options(opts)
        .into_iter()
        .collect::<evowire::Result<_>>()
        .unwrap();
    assert_eq!(values, [[[1]], [[1]], [[1]]]);
    let e = Deserializer::from_slice(&bytes)
        .with_options(DecodeOptions::new().with_max_depth(1))
        .into_iter::<Vec<Vec<u8>>>()
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DepthExceeded);
}

/// Hands out `data`, then fails.
struct FailsAfter<'a>(&'a [u8]);

impl io::Read for FailsAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn reader_failure_between_values_is_an_error_not_the_end() {
    let mut stream = Deserializer::from_reader(FailsAfter(&[0x08, 0x10])).into_iter::<u8>();
    assert_eq!(stream.next().unwrap().unwrap(), 1);
    assert_eq!(stream.next().unwrap().unwrap(), 2);
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.io_error_kind(), Some(io::ErrorKind::ConnectionReset));
    assert_eq!(e.offset(), Some(2));
    assert_eq!(stream.offset(), 2);
    assert!(stream.next().is_none());
}

#[test]
fn into_inner_gives_the_deserializer_back_after_the_last_value() {
    let bytes = [0x08, 0x10, 0x14, b'h', b'i'];
    let mut stream = evowire::iter_from_slice::<u8>(&bytes);
    assert_eq!(stream.next().unwrap().unwrap(), 1);
    assert_eq!(stream.next().unwrap().unwrap(), 2);
    let mut de = stream.into_inner();
    assert_eq!(de.remaining(), [0x14, b'h', b'i']);
    assert_eq!(<&str>::deserialize(&mut de).unwrap(), "hi");
    de.end().unwrap();
}
