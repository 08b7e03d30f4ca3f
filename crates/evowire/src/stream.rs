//! [`StreamDeserializer`]: the values of an input that holds several, one after another.

use core::iter::FusedIterator;
use core::marker::PhantomData;

use serde::Deserialize;

use crate::de::Deserializer;
use crate::error::Result;
use crate::read::{Read, SliceRead};

/// An iterator over the values of an input made of concatenated evowire messages, each a
/// `T`. Made by [`Deserializer::into_iter`] or [`iter_from_slice`](crate::iter_from_slice).
///
/// The input must end exactly after a value: the iterator then ends. A value that is
/// malformed, truncated or not a `T` is yielded as an error, and the iterator ends after
/// it (the next value's start is not known). [`StreamDeserializer::offset`] tells where the
/// values decoded so far end, so a caller that got an [`Error::is_eof`](crate::Error::is_eof)
/// error can keep the bytes from there and retry when more arrive.
///
/// Each value is decoded with the deserializer's limits ([`DecodeOptions`](crate::DecodeOptions)),
/// counted afresh for every value.
///
/// # Examples
///
/// ```
/// let mut bytes = Vec::new();
/// for n in [1u32, 300, 7] {
///     evowire::append_to_vec(&n, &mut bytes).unwrap();
/// }
/// let mut values = evowire::iter_from_slice::<u32>(&bytes);
/// assert_eq!(values.next().unwrap().unwrap(), 1);
/// assert_eq!(values.offset(), 1);
/// let rest: Vec<u32> = values.collect::<Result<_, _>>().unwrap();
/// assert_eq!(rest, [300, 7]);
///
/// // A truncated last value: the values before it, then its error.
/// let mut values = evowire::iter_from_slice::<u32>(&bytes[..bytes.len() - 2]);
/// assert_eq!(values.next().unwrap().unwrap(), 1);
/// let err = values.next().unwrap().unwrap_err();
/// assert!(err.is_eof());
/// assert_eq!(values.offset(), 1);
/// assert!(values.next().is_none());
/// ```
pub struct StreamDeserializer<'de, R, T> {
    de: Deserializer<R>,
    /// Where the last value decoded without error ends.
    offset: u64,
    /// An error was yielded: nothing more is read.
    failed: bool,
    output: PhantomData<fn(&'de ()) -> T>,
}

impl<'de, R: Read<'de>> Deserializer<R> {
    /// Turns the deserializer into an iterator over the `T` values that follow, up to the
    /// end of the input. See [`StreamDeserializer`].
    ///
    /// # Examples
    ///
    /// ```
    /// let bytes = [0x14, b'h', b'i', 0x1c, b'y', b'o', b'u'];
    /// let words = evowire::Deserializer::from_slice(&bytes)
    ///     .with_options(evowire::DecodeOptions::new().with_max_len(16))
    ///     .into_iter::<&str>()
    ///     .collect::<Result<Vec<_>, _>>()
    ///     .unwrap();
    /// assert_eq!(words, ["hi", "you"]);
    /// ```
    // As in serde_json: `IntoIterator` cannot name the item type `T` the caller picks.
    #[allow(clippy::should_implement_trait)]
    pub fn into_iter<T: Deserialize<'de>>(self) -> StreamDeserializer<'de, R, T> {
        StreamDeserializer {
            offset: self.offset(),
            de: self,
            failed: false,
            output: PhantomData,
        }
    }
}

impl<'de, R: Read<'de>, T> StreamDeserializer<'de, R, T> {
    /// The byte offset where the values decoded so far end: after an error, where the
    /// failed value starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The deserializer, positioned after the last value read (or inside the value that
    /// failed).
    pub fn into_inner(self) -> Deserializer<R> {
        self.de
    }
}

impl<'de, R: Source<'de>, T: Deserialize<'de>> Iterator for StreamDeserializer<'de, R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.failed {
            return None;
        }
        let value = match R::at_end(&mut self.de) {
            Ok(true) => return None,
            Ok(false) => crate::de::finish(T::deserialize(&mut self.de), &self.de),
            Err(e) => Err(e),
        };
        match value {
            Ok(value) => {
                self.offset = self.de.offset();
                Some(Ok(value))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl<'de, R: Source<'de>, T: Deserialize<'de>> FusedIterator for StreamDeserializer<'de, R, T> {}

/// Tells whether a deserializer's input ends here, between two values.
pub trait Source<'de>: Read<'de> {
    /// True at the end of the input; a reader's failure is an error.
    fn at_end(de: &mut Deserializer<Self>) -> Result<bool>
    where
        Self: Sized;
}

impl<'de> Source<'de> for SliceRead<'de> {
    #[inline]
    fn at_end(de: &mut Deserializer<Self>) -> Result<bool> {
        Ok(de.remaining().is_empty())
    }
}

#[cfg(feature = "std")]
impl<'de, R: std::io::Read> Source<'de> for crate::read::IoRead<R> {
    fn at_end(de: &mut Deserializer<Self>) -> Result<bool> {
        // `end` looks at the next byte without taking it: "trailing bytes" means another
        // value follows.
        match de.end() {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == crate::ErrorKind::TrailingBytes => Ok(false),
            Err(e) => Err(e),
        }
    }
}
