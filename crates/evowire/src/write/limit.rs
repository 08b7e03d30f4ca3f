//! [`Limited`]: a sink that stores at most a given number of bytes.

use super::{private, Buffered, Target, Write, SMALL};
use crate::error::{Error, Result};
use crate::wire::WireType;

/// A sink that forwards the output to an inner sink up to `limit` bytes and, past that,
/// only counts: when the output needs more than `limit` bytes, [`Limited::flush_buffer`]
/// (and [`Limited::into_inner`]) fail with
/// [`ErrorKind::OutputLimitExceeded`](crate::ErrorKind::OutputLimitExceeded), whose
/// message gives the limit and the exact number of bytes the output needed.
///
/// The inner sink receives exactly the first `limit` bytes of an output that is too
/// large (no more), and all of an output that fits.
///
/// Bytes past the limit are counted, not refused: the serializer runs to the end of the
/// value, so one encode tells both that the limit was passed and by how much (a caller
/// such as a frame encoder reports the size without encoding the value a second time),
/// and no write has to compare against the limit. Like [`IoWrite`](super::IoWrite), the
/// sink gathers small writes in a 1 KiB stack buffer and looks at the limit once per
/// chunk handed on, so a value that fits costs what it costs without the limit. A value
/// far over the limit is walked to its end, which takes time but no memory.
///
/// Call [`Limited::flush_buffer`] (or [`Limited::into_inner`]) when done: dropping the
/// sink without it loses the buffered tail, and the limit is reported only there. An
/// error of the inner sink is reported there too, before the limit. An inner sink that
/// buffers itself (an [`IoWrite`](super::IoWrite)) is not flushed: take it back with
/// [`Limited::into_inner`] and flush it.
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// use evowire::write::Limited;
///
/// let mut out = Vec::new();
/// let mut ser = evowire::Serializer::new(Limited::new(&mut out, 4));
/// "hello".serialize(&mut ser).unwrap();
/// let err = ser.get_mut().flush_buffer().unwrap_err();
/// assert_eq!(err.kind(), evowire::ErrorKind::OutputLimitExceeded);
/// assert_eq!(err.to_string(), "the output needs 6 bytes, more than the limit of 4 bytes");
/// assert_eq!(ser.get_ref().count(), 6);
/// drop(ser);
/// assert_eq!(out, [0x2c, b'h', b'e', b'l']);
/// ```
pub struct Limited<W: Write> {
    inner: Buffered<LimitTarget<W>>,
}

/// The [`Buffered`] target of a [`Limited`] sink: stores up to `limit`, counts all.
struct LimitTarget<W> {
    sink: W,
    limit: usize,
    /// Bytes handed over so far, stored or not.
    count: usize,
}

impl<W: Write> Target for LimitTarget<W> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let room = self.limit.saturating_sub(self.count);
        self.count = self.count.saturating_add(bytes.len());
        let (stored, _) = bytes.split_at(room.min(bytes.len()));
        if stored.is_empty() {
            return Ok(());
        }
        self.sink.write_all(stored)
    }
}

impl<W: Write> Limited<W> {
    /// Wraps `sink`, which will receive at most `limit` bytes.
    pub fn new(sink: W, limit: usize) -> Self {
        Limited {
            inner: Buffered::new(LimitTarget {
                sink,
                limit,
                count: 0,
            }),
        }
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.inner.target.limit
    }

    /// The bytes written to this sink so far, including those past the limit (which were
    /// only counted) and those still in its buffer. Once the inner sink has failed, later
    /// writes are dropped uncounted: the inner sink's error is what the sink reports.
    pub fn count(&self) -> usize {
        self.inner.target.count.saturating_add(self.inner.len)
    }

    /// Hands the buffered bytes to the inner sink (up to the limit) and reports whether
    /// the output so far fits.
    ///
    /// # Errors
    ///
    /// The inner sink's error if it failed; otherwise
    /// [`ErrorKind::OutputLimitExceeded`](crate::ErrorKind::OutputLimitExceeded) once
    /// more than [`limit`](Self::limit) bytes were written.
    pub fn flush_buffer(&mut self) -> Result<()> {
        self.inner.flush_buffer()?;
        let target = &self.inner.target;
        if target.count > target.limit {
            return Err(Error::output_limit(target.limit, target.count));
        }
        Ok(())
    }

    /// Flushes the buffer and returns the inner sink.
    ///
    /// # Errors
    ///
    /// As [`Limited::flush_buffer`].
    pub fn into_inner(mut self) -> Result<W> {
        self.flush_buffer()?;
        Ok(self.inner.target.sink)
    }
}

impl<W: Write> private::Sealed for Limited<W> {}

impl<W: Write> Write for Limited<W> {
    #[inline(always)]
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes)
    }

    #[inline(always)]
    fn write_byte(&mut self, byte: u8) -> Result<()> {
        self.inner.write_byte(byte)
    }

    #[inline(always)]
    fn write_tagged<const N: usize>(&mut self, tag: u8, body: [u8; N]) -> Result<()> {
        self.inner.write_tagged(tag, body)
    }

    #[inline(always)]
    fn write_short_item(&mut self, tag: u8, body: &[u8]) -> Result<()> {
        self.inner.write_short_item(tag, body)
    }

    #[inline(always)]
    fn write_varint(&mut self, wire: WireType, value: u64) -> Result<()> {
        self.inner.write_varint(wire, value)
    }

    #[inline(always)]
    fn write_varint32(&mut self, wire: WireType, value: u32) -> Result<()> {
        self.inner.write_varint32(wire, value)
    }

    #[inline(always)]
    fn write_medium_item(&mut self, header: [u8; 2], body: &[u8]) -> Result<()> {
        self.inner.write_medium_item(header, body)
    }

    #[inline(always)]
    fn write_small(&mut self, encode: impl FnOnce(&mut [u8; SMALL]) -> usize) -> Result<()> {
        self.inner.write_small(encode)
    }
}
