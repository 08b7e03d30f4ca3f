//! Encoding into an `io::Write` that fails: the error reaches the caller, as
//! [`ErrorKind::Io`] with the offset of the first byte the writer refused, and the writer is
//! handed nothing after its first failure.
//!
//! The buffered sink gathers output in 1 KiB chunks and, like `std::io::BufWriter`, keeps a
//! writer's error until the buffer is flushed: [`evowire::to_writer`] flushes and so always
//! reports it; a caller driving a [`Serializer`] over an [`IoWrite`] gets it from
//! [`IoWrite::flush_buffer`].

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

/// About 12 KiB: strings, floats and varints, so every kind of write crosses a chunk end.
fn big_value() -> Vec<(String, f32, u64, Option<f64>)> {
    (0..400u64)
        .map(|i| {
            (
                "x".repeat((i % 40) as usize),
                i as f32 * 0.5,
                i << (i % 60),
                (i % 3 == 0).then_some(i as f64),
            )
        })
        .collect()
}

#[test]
fn to_writer_reports_the_writers_error_and_stops_writing() {
    let value = big_value();
    let bytes = evowire::to_vec(&value).unwrap();
    assert!(bytes.len() > 10 * 1024, "{} bytes", bytes.len());

    for room in [0, 1, 1023, 1024, 2048, 5000] {
        let mut disk = FullDisk::with_room(room);
        let e = evowire::to_writer(&mut disk, &value).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "room {room}");
        assert_eq!(e.message(), "disk full");
        let source = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(source.map(io::Error::kind), Some(io::ErrorKind::WriteZero));
        // The writer took chunks (of at most 1 KiB) until one did not fit; the offset is
        // where the refused chunk starts, and what was taken is the start of the message.
        let taken = disk.taken.len();
        assert!(
            taken <= room && room - taken < 1024,
            "room {room}: took {taken}"
        );
        assert_eq!(e.offset(), Some(taken as u64), "room {room}");
        assert_eq!(disk.taken, bytes[..taken], "room {room}");
        assert_eq!(disk.calls_after_failure, 0, "room {room}");
    }

    // Room for everything: the same bytes as `to_vec`.
    let mut disk = FullDisk::with_room(bytes.len());
    evowire::to_writer(&mut disk, &value).unwrap();
    assert_eq!(disk.taken, bytes);
}

#[test]
fn io_write_keeps_the_error_until_flushed_and_stays_failed() {
    let value = big_value();
    let mut ser = Serializer::new(IoWrite::new(FullDisk::with_room(2048)));
    // The chunk that failed was handed over inside `serialize`; the error waits for the
    // flush, as with `BufWriter`.
    value.serialize(&mut ser).unwrap();
    let mut sink = ser.into_inner();
    let e = sink.flush_buffer().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.message(), "disk full");
    let offset = e.offset().expect("an offset");
    assert!(1024 < offset && offset <= 2048, "{offset}");

    // Later writes and flushes hand nothing more to the writer and keep failing.
    let mut ser = Serializer::new(sink);
    value.serialize(&mut ser).unwrap();
    let mut sink = ser.into_inner();
    let e = sink.flush_buffer().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(
        e.message(),
        "the writer failed earlier; the output is incomplete"
    );
    let e = sink
        .into_inner()
        .err()
        .expect("into_inner reports the failure too");
    assert_eq!(e.kind(), ErrorKind::Io);
}

#[test]
fn a_failure_on_the_last_flush_is_reported() {
    // 100 bytes fit in the buffer: the writer is called once, by the final flush.
    let value = "y".repeat(97);
    let mut disk = FullDisk::with_room(10);
    let e = evowire::to_writer(&mut disk, &value).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(e.offset(), Some(0));
    assert!(disk.taken.is_empty());
}
