//! The serde [`Deserializer`]: evowire bytes to Rust values.
//!
//! This file holds the [`Deserializer`] itself and the decode entry points; the reading is
//! split by concern:
//!
//! * `header`: tags, varints, length prefixes, nesting, numbers, strings and bytes (the
//!   common header path), and the errors they raise;
//! * `skip`: skipping items of any type (SPEC §8);
//! * `compound`: sequences, structs, tuples, maps and packed sequences, with their accesses;
//! * `run`: tuples and structs whose items are all fixed32, taken in one step;
//! * `enums`: variant headers, `Option` and the enum accesses;
//! * `field`: the deserializer a struct field is read with, where an absent-field marker
//!   may stand for the item;
//! * `any`: `deserialize_any` and the lossless view [`Value`](crate::Value) asks for;
//! * `typed`: the [`serde::Deserializer`] impl, which dispatches to the above.

mod any;
mod compound;
pub(crate) mod derive;
mod enums;
mod field;
mod header;
mod run;
mod skip;
mod typed;

use alloc::vec::Vec;
use core::cell::Cell;
use core::panic::AssertUnwindSafe;

use serde::de::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::options::DecodeOptions;
use crate::read::{Read, SliceRead};

pub(crate) use any::ABSENT_TOKEN;
pub use any::VALUE_TOKEN;

/// A serde deserializer reading evowire bytes from a [`Read`] source.
///
/// `&mut Deserializer<R>` implements [`serde::Deserializer`]. Decoding is bounded: nesting
/// deeper than [`DecodeOptions::max_depth`] fails, and no allocation is sized from a length
/// prefix the input cannot back.
///
/// # Examples
///
/// ```
/// use serde::Deserialize;
///
/// let bytes = [0x13, 0x08, 0x14, b'h', b'i', 0x38];
/// let mut de = evowire::Deserializer::from_slice(&bytes);
/// let pair = <(u8, &str)>::deserialize(&mut de).unwrap();
/// assert_eq!(pair, (1, "hi"));
/// let next = u8::deserialize(&mut de).unwrap();
/// assert_eq!(next, 7);
/// de.end().unwrap();
/// ```
pub struct Deserializer<R> {
    read: R,
    scratch: Vec<u8>,
    depth_left: u32,
    max_len: usize,
    /// Items promised through size hints by the open sequences and maps. Each promised
    /// item takes at least one byte, so a new hint never exceeds `remaining - promised`:
    /// nested claims cannot multiply preallocation. Only sequences whose visitor asks for a
    /// hint (a `Vec`, a map) take part; structs never pay for it.
    promised: Cell<usize>,
    /// Set while a [`Value`](crate::Value) is being decoded: report variants exactly.
    lossless: bool,
    /// The error that signals an absent struct field, kept for reuse (see `field`). Only a
    /// cache: a panic cannot leave it in a state that matters, hence `AssertUnwindSafe`
    /// (an `Error` may hold an `io::Error`, which is not `UnwindSafe`).
    spare: AssertUnwindSafe<Option<Error>>,
}

impl<'de> Deserializer<SliceRead<'de>> {
    /// Reads from a byte slice; `&str` and `&[u8]` borrow from it.
    pub fn from_slice(bytes: &'de [u8]) -> Self {
        Deserializer::new(SliceRead::new(bytes))
    }

    /// The bytes not consumed yet.
    pub fn remaining(&self) -> &'de [u8] {
        self.read.remaining()
    }
}

#[cfg(feature = "std")]
impl<R: std::io::Read> Deserializer<crate::read::IoRead<R>> {
    /// Reads from an [`std::io::Read`]; see [`IoRead`](crate::read::IoRead).
    pub fn from_reader(reader: R) -> Self {
        Deserializer::new(crate::read::IoRead::new(reader))
    }
}

impl<'de, R: Read<'de>> Deserializer<R> {
    /// Reads from `read` with the default [`DecodeOptions`].
    pub fn new(read: R) -> Self {
        Deserializer {
            read,
            scratch: Vec::new(),
            depth_left: DecodeOptions::new().max_depth(),
            max_len: DecodeOptions::new().max_len(),
            promised: Cell::new(0),
            lossless: false,
            spare: AssertUnwindSafe(None),
        }
    }

    /// Applies decoding limits.
    ///
    /// # Examples
    ///
    /// ```
    /// use serde::Deserialize;
    /// let opts = evowire::DecodeOptions::new().with_max_depth(1);
    /// // [[1]]: two levels of nesting.
    /// let mut de = evowire::Deserializer::from_slice(&[0x0b, 0x0b, 0x08]).with_options(opts);
    /// let err = Vec::<Vec<u8>>::deserialize(&mut de).unwrap_err();
    /// assert_eq!(err.kind(), evowire::ErrorKind::DepthExceeded);
    /// ```
    pub fn with_options(mut self, options: DecodeOptions) -> Self {
        self.depth_left = options.max_depth();
        self.max_len = options.max_len();
        self
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.read.offset()
    }

    /// Checks that the whole input was consumed.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TrailingBytes`] if any byte is left.
    pub fn end(&mut self) -> Result<()> {
        let offset = self.read.offset();
        match self
            .read
            .peek_byte()
            .map_err(|e: Error| e.or_offset(offset))?
        {
            None => Ok(()),
            Some(_) => Err(Error::new(
                ErrorKind::TrailingBytes,
                Some(offset),
                "trailing bytes after the value",
            )),
        }
    }

    /// The input source.
    pub fn get_ref(&self) -> &R {
        &self.read
    }

    /// Gives the input source back.
    pub fn into_inner(self) -> R {
        self.read
    }
}

/// The decode entry points: [`from_slice`](crate::from_slice) and its siblings are these
/// with the default options.
impl DecodeOptions {
    /// [`from_slice`](crate::from_slice) with these options.
    ///
    /// # Errors
    ///
    /// As [`from_slice`](crate::from_slice).
    pub fn from_slice<'de, T: Deserialize<'de>>(&self, bytes: &'de [u8]) -> Result<T> {
        let mut de = Deserializer::from_slice(bytes).with_options(*self);
        let value = finish(T::deserialize(&mut de), &de)?;
        de.end()?;
        Ok(value)
    }

    /// [`take_from_slice`](crate::take_from_slice) with these options.
    ///
    /// # Errors
    ///
    /// As [`take_from_slice`](crate::take_from_slice).
    pub fn take_from_slice<'de, T: Deserialize<'de>>(
        &self,
        bytes: &'de [u8],
    ) -> Result<(T, &'de [u8])> {
        let mut de = Deserializer::from_slice(bytes).with_options(*self);
        let value = finish(T::deserialize(&mut de), &de)?;
        Ok((value, de.remaining()))
    }

    /// [`from_reader`](crate::from_reader) with these options.
    ///
    /// # Errors
    ///
    /// As [`from_reader`](crate::from_reader).
    #[cfg(feature = "std")]
    pub fn from_reader<R: std::io::Read, T: serde::de::DeserializeOwned>(
        &self,
        reader: R,
    ) -> Result<T> {
        let mut de = Deserializer::from_reader(reader).with_options(*self);
        let value = finish(T::deserialize(&mut de), &de)?;
        de.end()?;
        Ok(value)
    }
}

/// Gives errors without a position (serde `custom` messages raised outside any item) the
/// offset at which decoding stopped.
#[inline]
pub(crate) fn finish<'de, T, R: Read<'de>>(result: Result<T>, de: &Deserializer<R>) -> Result<T> {
    result.map_err(|e| e.or_offset(de.offset()))
}
