//! Encoding into an `io::Write` that fails: the error reaches the caller, as
//! [`ErrorKind::Io`] with the offset where the refused chunk starts, and the writer is
//! handed nothing after its first failure.
//!
//! [`evowire::to_writer`] keeps a writer's error until the value is done and then reports
//! it (before any error the `Serialize` impl returned after it). [`IoWrite`], for callers
//! who drive a [`Serializer`] themselves, returns it from the write that handed the chunk
//! over, as `std::io::BufWriter` does.

use std::error::Error as _;
use std::io;

use evowire::write::IoWrite;
use evowire::{ErrorKind, Serializer};
use serde::Serialize;

/// A writer with room for `room` bytes. Past that every call fails (and is counted).
struct FullDisk {
    taken: Vec<u8>,
    room: usize,
    calls_after_failure: usize,
    failed: bool,
}

impl FullDisk {
    fn with_room(room: usize) -> Self {
        FullDisk {
            taken: Vec::new(),
            room,
            calls_after_failure: 0,
            failed: false,
        }
    }
}

impl io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            self.calls_after_failure += 1;
        }
        if self.taken.len() + buf.len() > self.room {
            self.failed = true;
            return Err(io::Error::new(io::ErrorKind::WriteZero, "disk full"));
        }
        self.taken.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// About 40 KiB: strings, floats and varints, so every kind of write crosses a chunk end,
/// and strings over 1 KiB that go to the writer without the buffer.
fn big_value() -> Vec<(String, f32, u64, Option<f64>)> {
    (0..400u64)
        .map(|i| {
            let len = if i % 50 == 7 { 3000 } else { (i % 40) as usize };
            (
                "x".repeat(len),
                i as f32 * 0.5,
                i << (i % 60),
                (i % 3 == 0).then_some(i as f64),
            )
        })
        .collect()
}

/// The encoding through a different sink (a plain `Vec`, no chunking).
fn reference(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::new();
    value.serialize(&mut Serializer::new(&mut out)).unwrap();
    out
}

#[test]
fn to_writer_reports_the_writers_error_and_stops_writing() {
    let value = big_value();
    let bytes = reference(&value);
    assert!(bytes.len() > 30 * 1024, "{} bytes", bytes.len());
    assert_eq!(evowire::to_vec(&value).unwrap(), bytes);

    for room in [0, 1, 1023, 1024, 2048, 5000, 9000, 20_000] {
        let mut disk = FullDisk::with_room(room);
        let e = evowire::to_writer(&mut disk, &value).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "room {room}");
        assert_eq!(e.message(), "disk full");
        assert_eq!(e.io_error_kind(), Some(io::ErrorKind::WriteZero));
        // The writer's text is the message, so the chain does not repeat it as a source.
        assert!(e.source().is_none());
        // The writer took whole writes until one did not fit; the offset is where the
        // refused one starts, and what was taken is the start of the message.
        let taken = disk.taken.len();
        assert!(taken <= room, "room {room}: took {taken}");
        assert_eq!(e.offset(), Some(taken as u64), "room {room}");
        assert_eq!(disk.taken, bytes[..taken], "room {room}");
        assert_eq!(disk.calls_after_failure, 0, "room {room}");
    }

    // Room for everything: the same bytes.
    let mut disk = FullDisk::with_room(bytes.len());
    evowire::to_writer(&mut disk, &value).unwrap();
    assert_eq!(disk.taken, bytes);
}

#[test]
fn io_write_returns_the_error_from_the_write_that_met_it() {
    let value = big_value();
    let bytes = reference(&value);
    let mut disk = FullDisk::with_room(2048);
    let mut ser = Serializer::new(IoWrite::new(&mut disk));
    let e = value.serialize(&mut ser).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.message(), "disk full");
    // The writer took the first 125 bytes; the 3000-byte string after them did not fit.
    assert_eq!(e.offset(), Some(125));
    let offset = 125;

    // Every later write and flush fails, and none reaches the writer.
    let e = value.serialize(&mut ser).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(
        e.message(),
        "the writer failed earlier; the output is incomplete"
    );
    let mut sink = ser.into_inner();
    assert_eq!(sink.flush_buffer().unwrap_err().kind(), ErrorKind::Io);
    assert_eq!(
        sink.into_inner().err().map(|e| e.kind()),
        Some(ErrorKind::Io)
    );
    assert_eq!(disk.calls_after_failure, 0);
    assert_eq!(disk.taken, bytes[..offset]);
}

#[test]
fn a_failure_on_the_last_flush_is_reported() {
    // 99 bytes fit in the buffer: the writer is called once, by the final flush.
    let value = "y".repeat(97);
    let mut disk = FullDisk::with_room(10);
    let e = evowire::to_writer(&mut disk, &value).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.offset(), Some(0));
    assert!(disk.taken.is_empty());
}

/// 5000 bytes of string, then a failure of its own.
struct FailsLate;

impl Serialize for FailsLate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeTuple};
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(&"z".repeat(5000))?;
        let _ = tuple;
        Err(S::Error::custom("the value gave up"))
    }
}

#[test]
fn to_writer_reports_the_writer_before_a_later_serialize_error() {
    // The writer fails first: that is the error.
    let e = evowire::to_writer(FullDisk::with_room(100), &FailsLate).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.message(), "disk full");
    // A writer that does not fail: the value's own error.
    let e = evowire::to_writer(FullDisk::with_room(1 << 20), &FailsLate).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("the value gave up"), "{e}");
}
