//! evowire: a compact serde binary format whose messages keep working while their Rust
//! types evolve.
//!
//! The bytes are exactly those of the [fcode](https://docs.rs/fcode) 1.1 format: one tag
//! byte per value (3-bit wire type, then 4 value bits and a stop bit for varints), zig-zag
//! signed integers, structs as positional sequences, and every item skippable without its
//! type. Messages written by fcode 1.1 decode here and vice versa. On top of that evowire
//! never panics on any input or serde type, bounds its memory and recursion, decodes
//! `deserialize_any` (untagged enums, `flatten`, [`Value`]), and supports fields that are
//! skipped while serializing. `SPEC.md` in this crate describes the format byte by byte.
//!
//! # Example
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Order {
//!     id: u64,
//!     symbol: String,
//!     qty: u32,
//! }
//!
//! let order = Order { id: 7, symbol: "EVO".into(), qty: 3 };
//! let bytes = evowire::to_vec(&order)?;
//! // A sequence of 3 items: 7, "EVO", 3.
//! assert_eq!(bytes, [0x1b, 0x38, 0x1c, b'E', b'V', b'O', 0x18]);
//! assert_eq!(evowire::from_slice::<Order>(&bytes)?, order);
//!
//! // A newer version of the type, with a field added at the back.
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct OrderV2 {
//!     id: u64,
//!     symbol: String,
//!     qty: u32,
//!     #[serde(default)]
//!     note: Option<String>,
//! }
//! // New code reads old bytes: the missing field takes its default.
//! let v2: OrderV2 = evowire::from_slice(&bytes)?;
//! assert_eq!(v2.note, None);
//! // Old code reads new bytes: the unknown field is skipped.
//! let newer = evowire::to_vec(&OrderV2 { note: Some("rush".into()), ..v2 })?;
//! assert_eq!(evowire::from_slice::<Order>(&newer)?, order);
//! # Ok::<(), evowire::Error>(())
//! ```
//!
//! # Which function to use
//!
//! | to …                                     | use                                  |
//! |------------------------------------------|--------------------------------------|
//! | encode into a new `Vec<u8>`              | [`to_vec`]                           |
//! | append to a `Vec<u8>`                    | [`append_to_vec`]                    |
//! | encode into a `&mut [u8]`                | [`to_slice`]                         |
//! | encode into an `io::Write`               | [`to_writer`]                        |
//! | know the encoded size                    | [`serialized_size`]                  |
//! | decode a whole slice (borrowing `&str`)  | [`from_slice`]                       |
//! | decode the first value of a slice        | [`take_from_slice`]                  |
//! | decode concatenated values one by one    | [`iter_from_slice`], [`Deserializer::into_iter`] |
//! | decode from an `io::Read`                | [`from_reader`]                      |
//! | decode with other limits                 | [`DecodeOptions`]                    |
//! | inspect a message without its type       | [`Value`]                            |
//! | walk its items without allocating        | [`walk::Walker`]                     |
//! | cap the encoded size                     | [`write::Limited`]                   |
//! | drive serde yourself                     | [`Serializer`], [`Deserializer`]     |
//!
//! # Schema evolution
//!
//! Fields are identified by position, never by name: **never reorder fields or variants,
//! add them only at the back.** These changes keep old and new code talking (each is tested
//! in `tests/evolution.rs`, both directions where the rule allows):
//!
//! * Add a field at the back of a struct, tuple struct, struct variant or tuple variant.
//!   Old readers skip it; new readers need `#[serde(default)]` on it to read old messages.
//!   (Not a newtype struct `Foo(x)`: it is written as its content, see below.)
//! * Turn a tuple into a tuple struct or a struct, or a tuple variant into a struct
//!   variant, keeping the field types in order.
//! * Wrap any value in a newtype struct: `i32` → `Foo(i32)`; newtypes are transparent.
//! * Turn a struct or tuple variant into a newtype variant holding a struct or tuple of the
//!   same layout: `Foo { x, y }` → `Foo(Foo)`.
//! * Widen an integer (`u16` → `u64`, `i8` → `i32`) or a float (`f32` → `f64`). Narrowing
//!   reads succeed while the value fits and fail with [`ErrorKind::IntegerOverflow`]
//!   otherwise; `f64` → `f32` rounds and may overflow to infinity.
//! * `bool` ↔ integer (`false` is 0, anything else is `true`); unit → `bool`/integer
//!   (unit is written as 0).
//! * `String` → bytes (`serde_bytes::ByteBuf`); bytes → `String` works while they are
//!   valid UTF-8.
//! * Add an enum variant at the back. Old readers decode it only through a unit variant
//!   marked `#[serde(other)]`, whose body (of any kind) is skipped: give every enum that may
//!   grow such a fallback. serde wants the fallback last, so a new variant goes in just
//!   before it and the fallback's own index moves: never send the fallback variant itself.
//! * Deprecate a field by changing its type to `()` in readers first (any item reads as
//!   unit), then in writers; re-use the slot by changing writers first.
//! * Integers may switch between varint and fixed-width encodings (readers accept the fixed32
//!   and fixed64 wire types for every integer type, range-checked).
//!
//! Breaking changes: reordering or removing fields or variants, changing signedness
//! (`i32` ↔ `u32`: zig-zag), extending a newtype struct into a tuple, changing a type to an
//! unrelated one.
//!
//! # Beyond fcode
//!
//! * **Skipped fields.** `#[serde(skip_serializing_if = "…")]` with `#[serde(default)]`
//!   works on any field: a skipped field followed by a written one is marked with the
//!   one-byte absent-field marker `0x06` (the wire type fcode reserved), which does not count
//!   in the sequence length; trailing skipped fields are simply not written. Messages that
//!   skip nothing are fcode-identical; those with a marker cannot be read by fcode 1.1.
//!   `#[serde(skip_serializing)]` without a condition and skips in tuple structs cannot be
//!   marked (serde does not report them); use them only on the last fields.
//! * **Unknown lengths.** Sequences and maps serialized without a length (iterators,
//!   `#[serde(flatten)]`) are buffered and written with their count, byte-identical to the
//!   known-length form.
//! * **`deserialize_any`** works: integers go to `visit_u64` (`visit_u128` above
//!   `u64::MAX`), fixed32/fixed64 to `visit_f32`/`visit_f64`, bytes to `visit_borrowed_str`
//!   when valid UTF-8 and `visit_borrowed_bytes` otherwise, sequences to `visit_seq`, and
//!   variants 0 and 1 to `visit_none`/`visit_some` (so `Option` fields survive serde's
//!   buffering in untagged enums and `flatten`), other variants to `visit_enum`. Limits: the
//!   wire does not say whether zig-zag was used, so a **signed integer field behind
//!   `flatten` or inside an untagged enum reads the zig-zag code** (`-1` arrives as `1`, `5`
//!   as `10`): keep signed integers out of flattened and untagged types. Enums other than
//!   `Option` inside them fail with serde's "do not support enum input" error.
//! * **Fixed-width integers**: `#[serde(with = "evowire::fixed")]` writes a `u32`/`i32` as
//!   fixed32 and a `u64`/`i64` as fixed64 (see [`fixed`]); fcode 1.1 and every evowire
//!   reader already read those, so a field can switch either way.
//! * **Packed sequences**: `#[serde(with = "evowire::packed")]` writes a `Vec<f32>` (or
//!   `f64`, `u16`…`i64`, arrays) as one bytes item of little-endian values (see [`packed`]);
//!   older readers skip it like any bytes item, packed readers also read the plain form.
//! * **Bounded decoding** with [`DecodeOptions`]: depth (default
//!   [`DEFAULT_MAX_DEPTH`] = 128), an optional limit on any single length prefix
//!   (`with_max_len`), and allocations never larger than the input can back.
//! * **Strictness**: varints longer than 19 bytes or wider than their target fail, `Option`
//!   discriminants other than 0/1 fail, fixed-width tags must have zero value bits, wire type
//!   7 is always an error.
//!
//! # Unsupported serde attributes
//!
//! * Unconditional `#[serde(skip_serializing)]` on a field that is not last: the reader
//!   cannot know it is missing (bincode and fcode share this limit).
//! * Untagged enums and `flatten` go through serde's buffering (`deserialize_any`): besides
//!   the signed-integer limit above, `bool`, `char`, `()` and `u128` fields cannot be
//!   buffered from this format (an integer cannot be told from a bool on the wire), and
//!   untagged struct variants have no sequence form in serde. Each fails with an error.
//! * Internally tagged enums round-trip. Adjacently tagged enums round-trip their newtype
//!   and tuple variants; their unit variants (written as one item, read expecting two) and
//!   struct variants (no sequence visitor in serde) fail with an error, as in every
//!   positional format.
//!
//! # Errors
//!
//! Every failure is an [`Error`] with an [`ErrorKind`] and, where known, the byte offset of
//! the item that failed; its `Display` ends with `at byte offset N`. No input makes the
//! decoder panic, recurse without bound or allocate beyond what the input backs.
//!
//! # Features
//!
//! | feature | default | enables |
//! |---------|---------|---------|
//! | `std`   | yes     | [`to_writer`], [`from_reader`], `std::io` adapters; without it the crate is `no_std` + `alloc` |
//! | `bytes` | no      | `bytes::BytesMut` as a [`write::Write`] sink, for codecs that encode in place |
//!
//! No feature changes the bytes.

#![no_std]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[doc(hidden)]
#[path = "derive.rs"]
pub mod __derive;
mod de;
mod error;
pub mod fixed;
mod options;
pub mod packed;
pub mod read;
mod ser;
mod stream;
mod text;
mod value;
pub mod walk;
pub mod wire;
pub mod write;

pub use de::Deserializer;
pub use error::{Error, ErrorKind, Result};
pub use options::{DecodeOptions, DEFAULT_MAX_DEPTH};
pub use ser::Serializer;
pub use stream::StreamDeserializer;
pub use value::Value;

/// Names this crate's serializer and deserializer recognise, for tools (such as the schema
/// tracer) that must recognise them too. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::de::VALUE_TOKEN;
    pub use crate::fixed::FIXED_TOKEN;
    pub use crate::packed::PACKED_TOKEN;
}

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Encodes `value` into a new byte vector.
///
/// # Errors
///
/// Only when the `Serialize` impl fails (or declares a wrong length).
///
/// # Examples
///
/// ```
/// assert_eq!(evowire::to_vec("text").unwrap(), [0x24, b't', b'e', b'x', b't']);
/// assert_eq!(evowire::to_vec(&[1, 2][..]).unwrap(), [0x13, 0x10, 0x20]);
/// ```
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut ser = Serializer::new(write::Buffered::new(&mut out));
    value.serialize(&mut ser)?;
    ser.into_inner().flush_buffer()?;
    Ok(out)
}

/// Encodes `value` into an [`std::io::Write`]. Small writes are batched (see
/// [`write::IoWrite`]), so an unbuffered writer is fine; to append to a `Vec<u8>`, use
/// [`append_to_vec`].
///
/// # Errors
///
/// The writer's error ([`ErrorKind::Io`]), or the `Serialize` impl's.
///
/// # Examples
///
/// ```
/// let mut buf = Vec::new();
/// evowire::to_writer(&mut buf, &(1u8, 2u8)).unwrap();
/// assert_eq!(buf, [0x13, 0x08, 0x10]);
/// ```
#[cfg(feature = "std")]
pub fn to_writer<W: std::io::Write, T: ?Sized + Serialize>(writer: W, value: &T) -> Result<()> {
    // The sink without `IoWrite`'s per-write check: a writer's error is kept and reported
    // here, after the value.
    let mut ser = Serializer::new(write::Buffered::new(write::IoTarget::new(writer)));
    match value.serialize(&mut ser) {
        Ok(()) => ser.into_inner().flush_buffer(),
        // A writer that failed first is the error to report, not what followed.
        Err(e) => Err(ser.into_inner().take_failure().unwrap_or(e)),
    }
}

/// Appends the encoding of `value` to `out`, keeping the bytes already there, and returns
/// how many bytes were appended. Output is gathered in a stack buffer and copied into `out`
/// in chunks, as [`to_vec`] does: no second heap buffer.
///
/// # Errors
///
/// As [`to_vec`]. On error `out` is truncated back to its length before the call.
///
/// # Examples
///
/// ```
/// let mut out = vec![0xff];
/// assert_eq!(evowire::append_to_vec(&(1u8, 2u8), &mut out).unwrap(), 3);
/// assert_eq!(evowire::append_to_vec("hi", &mut out).unwrap(), 3);
/// assert_eq!(out, [0xff, 0x13, 0x08, 0x10, 0x14, b'h', b'i']);
/// ```
pub fn append_to_vec<T: ?Sized + Serialize>(value: &T, out: &mut Vec<u8>) -> Result<usize> {
    let start = out.len();
    let result = {
        let mut ser = Serializer::new(write::Buffered::new(&mut *out));
        value
            .serialize(&mut ser)
            .and_then(|()| ser.into_inner().flush_buffer())
    };
    match result {
        Ok(()) => Ok(out.len() - start),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Encodes `value` into the front of `buf` and returns the number of bytes written.
///
/// # Errors
///
/// [`ErrorKind::Io`] if `buf` is too short (its offset is where the write that did not fit
/// starts; [`serialized_size`] gives the length needed), or the `Serialize` impl's error.
/// Bytes of `buf` after the returned length, or after a failure, are unspecified.
///
/// # Examples
///
/// ```
/// let mut buf = [0u8; 16];
/// let n = evowire::to_slice(&(1u8, "hi"), &mut buf).unwrap();
/// assert_eq!(buf[..n], [0x13, 0x08, 0x14, b'h', b'i']);
///
/// let err = evowire::to_slice("too long", &mut [0u8; 4]).unwrap_err();
/// assert_eq!(err.kind(), evowire::ErrorKind::Io);
/// ```
pub fn to_slice<T: ?Sized + Serialize>(value: &T, buf: &mut [u8]) -> Result<usize> {
    let mut ser = Serializer::new(write::SliceWrite::new(buf));
    value.serialize(&mut ser)?;
    Ok(ser.into_inner().count())
}

/// The number of bytes [`to_vec`] would produce, computed without writing them.
///
/// # Errors
///
/// As [`to_vec`].
///
/// # Examples
///
/// ```
/// assert_eq!(evowire::serialized_size(&10042u32).unwrap(), 3);
/// ```
pub fn serialized_size<T: ?Sized + Serialize>(value: &T) -> Result<usize> {
    let mut counter = write::SizeCounter::default();
    value.serialize(&mut Serializer::new(&mut counter))?;
    Ok(counter.count())
}

/// Decodes a `T` that fills the whole slice. `&str` and `&[u8]` fields borrow from `bytes`.
///
/// # Errors
///
/// Malformed or truncated input, a type mismatch, an exceeded limit, or
/// [`ErrorKind::TrailingBytes`] if bytes remain after the value.
///
/// # Examples
///
/// ```
/// let s: &str = evowire::from_slice(&[0x14, b'h', b'i']).unwrap();
/// assert_eq!(s, "hi");
/// let err = evowire::from_slice::<u8>(&[0x08, 0x08]).unwrap_err();
/// assert_eq!(err.to_string(), "trailing bytes after the value at byte offset 1");
/// ```
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    DecodeOptions::new().from_slice(bytes)
}

/// Decodes the first `T` in `bytes` and returns it with the bytes after it.
///
/// # Errors
///
/// As [`from_slice`], but trailing bytes are returned rather than refused.
///
/// # Examples
///
/// ```
/// let (v, rest): (u8, &[u8]) = evowire::take_from_slice(&[0x08, 0xff]).unwrap();
/// assert_eq!((v, rest), (1, &[0xff][..]));
/// ```
pub fn take_from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<(T, &'de [u8])> {
    DecodeOptions::new().take_from_slice(bytes)
}

/// Decodes the values of a slice that holds several `T`s one after another, one per
/// iteration; see [`StreamDeserializer`]. To decode with other limits, use
/// [`Deserializer::into_iter`].
///
/// # Examples
///
/// ```
/// let bytes = [0x08, 0x10, 0x18];
/// let values: Vec<u8> = evowire::iter_from_slice(&bytes).collect::<Result<_, _>>().unwrap();
/// assert_eq!(values, [1, 2, 3]);
/// assert_eq!(evowire::iter_from_slice::<u8>(&[]).count(), 0);
/// ```
pub fn iter_from_slice<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
) -> StreamDeserializer<'de, read::SliceRead<'de>, T> {
    Deserializer::from_slice(bytes).into_iter()
}

/// Decodes a `T` from an [`std::io::Read`] that must end right after it.
///
/// Bytes are pulled one value at a time, never beyond the value (wrap unbuffered readers in
/// a [`std::io::BufReader`]); strings and byte items are read in chunks as they arrive.
///
/// # Errors
///
/// As [`from_slice`], plus [`ErrorKind::Io`] for read failures.
///
/// # Examples
///
/// ```
/// let input: &[u8] = &[0x1b, 0x08, 0x10, 0x18];
/// let v: Vec<u8> = evowire::from_reader(input).unwrap();
/// assert_eq!(v, [1, 2, 3]);
/// ```
#[cfg(feature = "std")]
pub fn from_reader<R: std::io::Read, T: serde::de::DeserializeOwned>(reader: R) -> Result<T> {
    DecodeOptions::new().from_reader(reader)
}
