//! Output sinks for the [`Serializer`](crate::Serializer).
//!
//! A sink is anything that implements the sealed [`Write`] trait: `Vec<u8>` (append),
//! `bytes::BytesMut` (append, with the `bytes` feature),
//! [`SizeCounter`] (counts without writing), [`IoWrite`] (any [`std::io::Write`], with a
//! small stack buffer so the writer sees few calls), and `&mut W` of each.

use alloc::vec::Vec;

use crate::error::Result;

mod private {
    pub trait Sealed {}
}

/// Where the serializer puts bytes. Sealed: implemented by this crate's sinks only.
pub trait Write: private::Sealed {
    /// Appends all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> Result<()>;

    /// Appends one byte.
    #[inline]
    fn write_byte(&mut self, byte: u8) -> Result<()> {
        self.write_all(&[byte])
    }
}

impl private::Sealed for Vec<u8> {}

impl Write for Vec<u8> {
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn write_byte(&mut self, byte: u8) -> Result<()> {
        self.push(byte);
        Ok(())
    }
}

impl<W: Write + ?Sized> private::Sealed for &mut W {}

impl<W: Write + ?Sized> Write for &mut W {
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        (**self).write_all(bytes)
    }

    #[inline]
    fn write_byte(&mut self, byte: u8) -> Result<()> {
        (**self).write_byte(byte)
    }
}

#[cfg(feature = "bytes")]
impl private::Sealed for bytes::BytesMut {}

/// Appends to a `BytesMut` (feature `bytes`), e.g. a tokio-util codec's output buffer.
#[cfg(feature = "bytes")]
impl Write for bytes::BytesMut {
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn write_byte(&mut self, byte: u8) -> Result<()> {
        bytes::BufMut::put_u8(self, byte);
        Ok(())
    }
}

/// A sink that only counts bytes: used by [`serialized_size`](crate::serialized_size).
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// let mut counter = evowire::write::SizeCounter::default();
/// (1u32, "abc").serialize(&mut evowire::Serializer::new(&mut counter)).unwrap();
/// assert_eq!(counter.count(), 6);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct SizeCounter {
    count: usize,
}

impl SizeCounter {
    /// The number of bytes written so far.
    pub fn count(&self) -> usize {
        self.count
    }
}

impl private::Sealed for SizeCounter {}

impl Write for SizeCounter {
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.count += bytes.len();
        Ok(())
    }

    #[inline]
    fn write_byte(&mut self, _byte: u8) -> Result<()> {
        self.count += 1;
        Ok(())
    }
}

#[cfg(feature = "std")]
pub use io_write::IoWrite;

#[cfg(feature = "std")]
mod io_write {
    use super::{private, Write};
    use crate::error::{Error, Result};

    const BUFFER_LEN: usize = 256;

    /// Adapts a [`std::io::Write`] as a sink. Small writes are gathered in a 256-byte stack
    /// buffer so the writer sees a few large `write_all` calls instead of one per value.
    ///
    /// Call [`IoWrite::flush_buffer`] (or [`IoWrite::into_inner`]) when done: dropping the
    /// adapter without it loses the buffered tail.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde::Serialize;
    /// let mut out = std::io::Cursor::new(Vec::new());
    /// let mut sink = evowire::write::IoWrite::new(&mut out);
    /// 7u8.serialize(&mut evowire::Serializer::new(&mut sink)).unwrap();
    /// sink.flush_buffer().unwrap();
    /// assert_eq!(out.into_inner(), [0x38]);
    /// ```
    pub struct IoWrite<W: std::io::Write> {
        writer: W,
        buffer: [u8; BUFFER_LEN],
        len: usize,
        written: u64,
    }

    impl<W: std::io::Write> IoWrite<W> {
        /// Wraps `writer`.
        pub fn new(writer: W) -> Self {
            IoWrite {
                writer,
                buffer: [0; BUFFER_LEN],
                len: 0,
                written: 0,
            }
        }

        /// Hands the buffered bytes to the writer (it does not call the writer's `flush`).
        ///
        /// # Errors
        ///
        /// The writer's error, as [`ErrorKind::Io`](crate::ErrorKind::Io).
        pub fn flush_buffer(&mut self) -> Result<()> {
            if self.len > 0 {
                let len = self.len;
                self.len = 0;
                self.writer
                    .write_all(&self.buffer[..len])
                    .map_err(|e| Error::io(e, Some(self.written)))?;
                self.written += len as u64;
            }
            Ok(())
        }

        /// Flushes the buffer and returns the writer.
        ///
        /// # Errors
        ///
        /// As [`IoWrite::flush_buffer`].
        pub fn into_inner(mut self) -> Result<W> {
            self.flush_buffer()?;
            Ok(self.writer)
        }
    }

    impl<W: std::io::Write> private::Sealed for IoWrite<W> {}

    impl<W: std::io::Write> Write for IoWrite<W> {
        #[inline]
        fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
            if bytes.len() <= BUFFER_LEN - self.len {
                self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
                self.len += bytes.len();
                return Ok(());
            }
            self.flush_buffer()?;
            if bytes.len() <= BUFFER_LEN {
                self.buffer[..bytes.len()].copy_from_slice(bytes);
                self.len = bytes.len();
                return Ok(());
            }
            self.writer
                .write_all(bytes)
                .map_err(|e| Error::io(e, Some(self.written)))?;
            self.written += bytes.len() as u64;
            Ok(())
        }
    }
}
