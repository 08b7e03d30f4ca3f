//! Input sources for the [`Deserializer`](crate::Deserializer).
//!
//! [`SliceRead`] borrows from a byte slice (zero-copy `&str`/`&[u8]`); [`IoRead`] pulls from
//! any [`std::io::Read`] without reading ahead of the value. The [`Read`] trait is sealed.
//!
//! Errors returned here carry no offset: the deserializer adds the offset of the item it
//! was reading.

use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};
use crate::wire::{self, VarintError, WireType};

mod private {
    pub trait Sealed {}
}

/// Bytes handed out by a [`Read`]: borrowed from the input for the whole `'de` lifetime, or
/// copied into a scratch buffer that lives only until the next read.
pub enum Reference<'de, 's> {
    /// Borrowed from the input.
    Borrowed(&'de [u8]),
    /// Copied into scratch space.
    Copied(&'s [u8]),
}

/// A source of evowire bytes. Sealed: implemented by [`SliceRead`] and [`IoRead`].
pub trait Read<'de>: private::Sealed {
    /// Takes one byte.
    fn next_byte(&mut self) -> Result<u8>;

    /// Looks at the next byte without taking it; `None` at the end of the input.
    fn peek_byte(&mut self) -> Result<Option<u8>>;

    /// Takes the rest of a varint whose tag byte was `tag`, as a `u64`.
    fn take_varint(&mut self, tag: u8) -> Result<u64>;

    /// Takes the rest of a varint whose tag byte was `tag`, as a `u128`.
    fn take_varint128(&mut self, tag: u8) -> Result<u128>;

    /// Takes exactly `N` bytes.
    fn take_array<const N: usize>(&mut self) -> Result<[u8; N]>;

    /// Takes a tag byte equal to `tag` and the `N` bytes after it, if the input starts with
    /// them; otherwise takes nothing and returns `None` (the caller then reads the item the
    /// general way, which reports what is wrong). A fast path for fixed-width items.
    #[doc(hidden)]
    #[inline(always)]
    fn take_tagged<const N: usize>(&mut self, tag: u8) -> Option<[u8; N]> {
        let _ = tag;
        None
    }

    /// Takes an item of wire type `wire` (a varint-carrying type: int, bytes, sequence or
    /// variant) and returns its varint, if the whole item header is in the input and valid;
    /// otherwise takes nothing and returns `None`. A fast path: the caller falls back to
    /// reading the tag the general way, which reports what is wrong.
    #[doc(hidden)]
    #[inline(always)]
    fn take_varint_item(&mut self, wire: u8) -> Option<u64> {
        let _ = wire;
        None
    }

    /// Takes a one-byte item header of wire type `wire` (a value below 16) and returns its
    /// value, if the input starts with one; otherwise takes nothing and returns `None`. A
    /// fast path for variant headers: the caller falls back to the full header read.
    #[doc(hidden)]
    #[inline(always)]
    fn take_short_item(&mut self, wire: u8) -> Option<u8> {
        let _ = wire;
        None
    }

    /// Takes the next byte if it equals `byte`.
    #[doc(hidden)]
    #[inline(always)]
    fn take_if(&mut self, byte: u8) -> bool {
        let _ = byte;
        false
    }

    /// Takes the next two bytes if they are `first` and `second`.
    #[doc(hidden)]
    #[inline(always)]
    fn take_pair(&mut self, first: u8, second: u8) -> bool {
        let _ = (first, second);
        false
    }

    /// Takes a bytes item of fewer than 2048 bytes (a one- or two-byte header) and returns
    /// its content borrowed from the input, if the whole item is there; otherwise takes
    /// nothing and returns `None`. A fast path for strings: the caller falls back to the
    /// general reader, which reports what is wrong.
    #[doc(hidden)]
    #[inline(always)]
    fn take_borrowed_bytes_item(&mut self) -> Option<&'de [u8]> {
        None
    }

    /// Takes a sequence header byte equal to `header` and the `len` fixed32 items after it,
    /// if the input starts with them; returns the items (five bytes each) and the input from
    /// the first item on, for [`Self::rewind_run`]. Otherwise takes nothing and returns
    /// `None`. A fast path for tuples and structs of `f32`.
    #[doc(hidden)]
    #[inline(always)]
    fn take_fixed32_run(&mut self, header: u8, len: usize) -> Option<(&'de [u8], &'de [u8])> {
        let _ = (header, len);
        None
    }

    /// Goes back into a run taken with [`Self::take_fixed32_run`]: `rest` is a tail of
    /// what it returned as the input from the first item on. Only readers that hand out
    /// runs are ever asked to.
    #[doc(hidden)]
    #[inline(always)]
    fn rewind_run(&mut self, rest: &'de [u8]) {
        let _ = rest;
    }

    /// Takes `len` bytes, borrowed when the input allows it, else copied into `scratch`.
    fn take_bytes<'s>(
        &'s mut self,
        len: usize,
        scratch: &'s mut Vec<u8>,
    ) -> Result<Reference<'de, 's>>;

    /// Skips `len` bytes.
    fn skip_bytes(&mut self, len: usize) -> Result<()>;

    /// Bytes consumed so far.
    fn offset(&self) -> u64;

    /// A cheap token for the current position, turned into an offset by
    /// [`Self::offset_at`] only when one is needed (on an error path).
    #[doc(hidden)]
    #[inline(always)]
    fn mark(&self) -> u64 {
        self.offset()
    }

    /// The offset of the position [`Self::mark`] returned `mark` for.
    #[doc(hidden)]
    #[inline(always)]
    fn offset_at(&self, mark: u64) -> u64 {
        mark
    }

    /// How many bytes are left, when the source knows (a slice does, a stream does not).
    /// Used to refuse length prefixes the input cannot back and to cap preallocation.
    fn remaining_hint(&self) -> Option<usize>;
}

#[cold]
fn eof(what: &'static str) -> Error {
    Error::new(ErrorKind::UnexpectedEof, None, what)
}

#[cold]
pub(crate) fn varint_error(err: VarintError, width: &'static str) -> Error {
    match err {
        VarintError::Eof => eof("unexpected end of input inside a varint"),
        VarintError::Invalid => Error::new(
            ErrorKind::InvalidVarint,
            None,
            "varint longer than 19 bytes or wider than 128 bits",
        ),
        VarintError::Overflow => Error::with_message(
            ErrorKind::IntegerOverflow,
            None,
            alloc::format!("varint does not fit in {width}"),
        ),
    }
}

/// Reads from a borrowed byte slice.
///
/// # Examples
///
/// ```
/// use serde::Deserialize;
/// let mut de = evowire::Deserializer::new(evowire::read::SliceRead::new(&[0x14, b'h', b'i']));
/// let s = <&str>::deserialize(&mut de).unwrap();
/// assert_eq!(s, "hi");
/// ```
pub struct SliceRead<'de> {
    rest: &'de [u8],
    len: usize,
}

impl<'de> SliceRead<'de> {
    /// The rest of [`Read::take_varint_item`] for varints of three bytes or more, out of
    /// line: the one- and two-byte cases stay small enough to inline into every field.
    /// `rest` starts after the tag, at a byte whose continuation bit is set. Nothing here
    /// calls anything, so the function needs no stack frame.
    #[inline(never)]
    fn take_long_varint(&mut self, tag: u8, rest: &'de [u8]) -> Option<u64> {
        if let [first, second, tail @ ..] = rest {
            if second & 0x80 == 0 {
                // Three bytes: values below 2^18.
                self.rest = tail;
                return Some(
                    u64::from((tag >> 3) & 0x0f)
                        | (u64::from(first & 0x7f) << 4)
                        | (u64::from(*second) << 11),
                );
            }
        }
        // Near the end of the input, or an over-long encoding: the general reader decides.
        let chunk = rest.first_chunk::<{ wire::MAX_VARINT64_LEN - 1 }>()?;
        let (value, used) = wire::swar_varint(u64::from((tag >> 3) & 0x0f), chunk)?;
        self.rest = rest.get(used..)?;
        Some(value)
    }

    /// Reads from `slice`.
    pub fn new(slice: &'de [u8]) -> Self {
        SliceRead {
            rest: slice,
            len: slice.len(),
        }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> &'de [u8] {
        self.rest
    }

    /// Goes back to a position taken earlier with [`Self::remaining`] on this reader.
    #[inline(always)]
    pub(crate) fn rewind(&mut self, rest: &'de [u8]) {
        self.rest = rest;
    }

    #[inline(always)]
    fn split(&mut self, n: usize) -> Result<&'de [u8]> {
        if n > self.rest.len() {
            return Err(short_input(n, self.rest.len()));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
}

/// A run of up to three fixed32 items at the start of `rest`, after a header byte equal to
/// `header`: its items, the input from the first item on, and the input after the run.
///
/// The header and up to three items fit in 16 bytes: one masked comparison checks all
/// their tags (a run at the very end of a shorter input is not taken here).
#[inline(always)]
fn short_run(rest: &[u8], header: u8, len: usize) -> Option<(&[u8], &[u8], &[u8])> {
    let window = u128::from_le_bytes(*rest.first_chunk::<16>()?);
    let (mut mask, mut want) = (0xffu128, u128::from(header));
    for i in 0..len.min(3) {
        mask |= 0xff << (8 * (1 + 5 * i));
        want |= u128::from(wire::TAG_FIXED32) << (8 * (1 + 5 * i));
    }
    if window & mask != want {
        return None;
    }
    let after = rest.get(1..)?;
    let (items, tail) = after.split_at_checked(5 * len)?;
    Some((items, after, tail))
}

#[cold]
fn short_input(requested: usize, available: usize) -> Error {
    Error::with_message(
        ErrorKind::UnexpectedEof,
        None,
        alloc::format!(
            "unexpected end of input: item needs {requested} more bytes, {available} left"
        ),
    )
}

impl private::Sealed for SliceRead<'_> {}

impl<'de> Read<'de> for SliceRead<'de> {
    #[inline(always)]
    fn next_byte(&mut self) -> Result<u8> {
        match self.rest.split_first() {
            Some((&b, tail)) => {
                self.rest = tail;
                Ok(b)
            }
            None => Err(eof("unexpected end of input")),
        }
    }

    #[inline(always)]
    fn peek_byte(&mut self) -> Result<Option<u8>> {
        Ok(self.rest.first().copied())
    }

    #[inline(always)]
    fn take_varint(&mut self, tag: u8) -> Result<u64> {
        if tag & 0x80 == 0 {
            return Ok(u64::from((tag >> 3) & 0x0f));
        }
        if let Some((&next, tail)) = self.rest.split_first() {
            if next & 0x80 == 0 {
                self.rest = tail;
                return Ok(u64::from((tag >> 3) & 0x0f) | (u64::from(next) << 4));
            }
        }
        match wire::take_varint(tag, self.rest) {
            Ok((value, used)) => {
                self.rest = self.rest.get(used..).unwrap_or(&[]);
                Ok(value)
            }
            Err(e) => Err(varint_error(e, "64 bits")),
        }
    }

    #[inline(always)]
    fn take_varint128(&mut self, tag: u8) -> Result<u128> {
        match wire::take_varint128(tag, self.rest) {
            Ok((value, used)) => {
                self.rest = self.rest.get(used..).unwrap_or(&[]);
                Ok(value)
            }
            Err(e) => Err(varint_error(e, "128 bits")),
        }
    }

    #[inline(always)]
    fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.rest.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.rest = tail;
                Ok(*head)
            }
            None => Err(short_input(N, self.rest.len())),
        }
    }

    #[inline(always)]
    fn take_tagged<const N: usize>(&mut self, tag: u8) -> Option<[u8; N]> {
        let rest = self.rest;
        if rest.len() > N && rest.first() == Some(&tag) {
            let (body, tail) = rest.get(1..)?.split_first_chunk::<N>()?;
            self.rest = tail;
            return Some(*body);
        }
        None
    }

    #[inline(always)]
    fn take_varint_item(&mut self, wire: u8) -> Option<u64> {
        let (&tag, rest) = self.rest.split_first()?;
        if tag & 0x07 != wire {
            return None;
        }
        if tag & 0x80 == 0 {
            self.rest = rest;
            return Some(u64::from(tag >> 3));
        }
        if let Some((&next, tail)) = rest.split_first() {
            if next & 0x80 == 0 {
                self.rest = tail;
                return Some(u64::from((tag >> 3) & 0x0f) | (u64::from(next) << 4));
            }
        }
        self.take_long_varint(tag, rest)
    }

    #[inline(always)]
    fn take_short_item(&mut self, wire: u8) -> Option<u8> {
        let (&tag, rest) = self.rest.split_first()?;
        // The wire type and a clear continuation bit, in one test.
        if tag & 0x87 != wire {
            return None;
        }
        self.rest = rest;
        Some(tag >> 3)
    }

    #[inline(always)]
    fn take_if(&mut self, byte: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, rest)) if first == byte => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    #[inline(always)]
    fn take_pair(&mut self, first: u8, second: u8) -> bool {
        // One two-byte comparison rather than two one-byte ones.
        match self.rest.split_first_chunk::<2>() {
            Some((pair, rest))
                if u16::from_ne_bytes(*pair) == u16::from_ne_bytes([first, second]) =>
            {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    #[inline(always)]
    fn take_borrowed_bytes_item(&mut self) -> Option<&'de [u8]> {
        let (&tag, rest) = self.rest.split_first()?;
        if tag & 0x07 != WireType::Bytes as u8 {
            return None;
        }
        let (len, rest) = if tag & 0x80 == 0 {
            (usize::from(tag >> 3), rest)
        } else {
            match rest.split_first() {
                Some((&next, rest)) if next & 0x80 == 0 => (
                    usize::from((tag >> 3) & 0x0f) | (usize::from(next) << 4),
                    rest,
                ),
                _ => return None,
            }
        };
        let (head, tail) = rest.split_at_checked(len)?;
        self.rest = tail;
        Some(head)
    }

    #[inline(always)]
    fn take_fixed32_run(&mut self, header: u8, len: usize) -> Option<(&'de [u8], &'de [u8])> {
        if len <= 3 {
            let (items, after, tail) = short_run(self.rest, header, len)?;
            self.rest = tail;
            return Some((items, after));
        }
        let (&first, after) = self.rest.split_first()?;
        if first != header {
            return None;
        }
        let (items, tail) = after.split_at_checked(len.checked_mul(5)?)?;
        if !items.iter().step_by(5).all(|&tag| tag == wire::TAG_FIXED32) {
            return None;
        }
        self.rest = tail;
        Some((items, after))
    }

    #[inline(always)]
    fn rewind_run(&mut self, rest: &'de [u8]) {
        self.rest = rest;
    }

    #[inline(always)]
    fn take_bytes<'s>(
        &'s mut self,
        len: usize,
        _scratch: &'s mut Vec<u8>,
    ) -> Result<Reference<'de, 's>> {
        self.split(len).map(Reference::Borrowed)
    }

    #[inline(always)]
    fn skip_bytes(&mut self, len: usize) -> Result<()> {
        self.split(len).map(drop)
    }

    #[inline(always)]
    fn offset(&self) -> u64 {
        (self.len - self.rest.len()) as u64
    }

    /// The bytes left: already at hand where a read checks them, unlike the offset.
    #[inline(always)]
    fn mark(&self) -> u64 {
        self.rest.len() as u64
    }

    #[inline(always)]
    fn offset_at(&self, mark: u64) -> u64 {
        (self.len as u64).wrapping_sub(mark)
    }

    #[inline(always)]
    fn remaining_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

#[cfg(feature = "std")]
pub use io_read::IoRead;

#[cfg(feature = "std")]
mod io_read {
    use super::{eof, private, varint_error, Read, Reference};
    use crate::error::{Error, Result};
    use crate::wire::{self, MAX_VARINT_LEN};
    use alloc::vec::Vec;
    use std::io;

    /// Reads from any [`std::io::Read`], one value at a time, never past its end.
    ///
    /// It asks the reader for single bytes, so wrap unbuffered sources (files, sockets) in a
    /// [`std::io::BufReader`]. Long strings and byte items are read in chunks into a buffer
    /// that grows only as bytes arrive: a length prefix alone never allocates.
    ///
    /// # Examples
    ///
    /// ```
    /// let input: &[u8] = &[0x38];
    /// let v: u8 = evowire::from_reader(std::io::BufReader::new(input)).unwrap();
    /// assert_eq!(v, 7);
    /// ```
    pub struct IoRead<R> {
        reader: R,
        peeked: Option<u8>,
        offset: u64,
    }

    impl<R: io::Read> IoRead<R> {
        /// Reads from `reader`.
        pub fn new(reader: R) -> Self {
            IoRead {
                reader,
                peeked: None,
                offset: 0,
            }
        }

        /// Gives the reader back. A byte looked at but not consumed is lost.
        pub fn into_inner(self) -> R {
            self.reader
        }

        fn fill_byte(&mut self) -> Result<Option<u8>> {
            let mut b = [0u8; 1];
            loop {
                match self.reader.read(&mut b) {
                    Ok(0) => return Ok(None),
                    Ok(_) => return Ok(Some(b[0])),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(e, None)),
                }
            }
        }

        /// Collects a varint's continuation bytes, then decodes them with the slice code.
        fn varint_bytes(&mut self, tag: u8) -> Result<([u8; MAX_VARINT_LEN], usize)> {
            let mut buf = [0u8; MAX_VARINT_LEN];
            let mut n = 0;
            if tag & 0x80 != 0 {
                loop {
                    let b = self.next_byte()?;
                    buf[n] = b;
                    n += 1;
                    if b & 0x80 == 0 || n == MAX_VARINT_LEN - 1 {
                        break;
                    }
                }
            }
            Ok((buf, n))
        }

        fn read_into(&mut self, len: usize, out: &mut Vec<u8>) -> Result<()> {
            let mut want = len;
            if want > 0 {
                if let Some(b) = self.peeked.take() {
                    out.push(b);
                    self.offset += 1;
                    want -= 1;
                }
            }
            let got =
                io::Read::read_to_end(&mut io::Read::take(&mut self.reader, want as u64), out)
                    .map_err(|e| Error::io(e, None))?;
            self.offset += got as u64;
            if got < want {
                return Err(eof("unexpected end of input inside a bytes item"));
            }
            Ok(())
        }
    }

    impl<R> private::Sealed for IoRead<R> {}

    impl<'de, R: io::Read> Read<'de> for IoRead<R> {
        fn next_byte(&mut self) -> Result<u8> {
            let b = match self.peeked.take() {
                Some(b) => b,
                None => self
                    .fill_byte()?
                    .ok_or_else(|| eof("unexpected end of input"))?,
            };
            self.offset += 1;
            Ok(b)
        }

        fn peek_byte(&mut self) -> Result<Option<u8>> {
            if self.peeked.is_none() {
                self.peeked = self.fill_byte()?;
            }
            Ok(self.peeked)
        }

        /// A read error is not reported here: the byte stays unread and the next read
        /// meets the error again and reports it.
        fn take_if(&mut self, byte: u8) -> bool {
            if self.peek_byte().ok().flatten() == Some(byte) {
                self.peeked = None;
                self.offset += 1;
                true
            } else {
                false
            }
        }

        fn take_varint(&mut self, tag: u8) -> Result<u64> {
            let (buf, n) = self.varint_bytes(tag)?;
            wire::take_varint(tag, &buf[..n])
                .map(|(v, _)| v)
                .map_err(|e| varint_error(e, "64 bits"))
        }

        fn take_varint128(&mut self, tag: u8) -> Result<u128> {
            let (buf, n) = self.varint_bytes(tag)?;
            wire::take_varint128(tag, &buf[..n])
                .map(|(v, _)| v)
                .map_err(|e| varint_error(e, "128 bits"))
        }

        fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
            let mut out = [0u8; N];
            for b in out.iter_mut() {
                *b = self.next_byte()?;
            }
            Ok(out)
        }

        fn take_bytes<'s>(
            &'s mut self,
            len: usize,
            scratch: &'s mut Vec<u8>,
        ) -> Result<Reference<'de, 's>> {
            scratch.clear();
            self.read_into(len, scratch)?;
            Ok(Reference::Copied(scratch))
        }

        fn skip_bytes(&mut self, len: usize) -> Result<()> {
            let mut want = len as u64;
            if want > 0 && self.peeked.take().is_some() {
                self.offset += 1;
                want -= 1;
            }
            let got = io::copy(&mut io::Read::take(&mut self.reader, want), &mut io::sink())
                .map_err(|e| Error::io(e, None))?;
            self.offset += got;
            if got < want {
                return Err(eof("unexpected end of input inside a bytes item"));
            }
            Ok(())
        }

        fn offset(&self) -> u64 {
            self.offset
        }

        fn remaining_hint(&self) -> Option<usize> {
            None
        }
    }
}
