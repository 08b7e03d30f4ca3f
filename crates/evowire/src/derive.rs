//! Experimental: the traits and glue behind `evowire-derive`'s `#[derive(Encode, Decode)]`.
//! Not a stable API (hidden from the docs); it exists to measure what dedicated derives gain
//! over the serde path.
//!
//! A derived type writes exactly the bytes its serde derive writes. Decoding reads the
//! canonical form in place (a one-byte header with exactly the declared number of fields, no
//! absent markers) and hands anything else, from its start, to the type's serde
//! `Deserialize`: extra or missing fields, absent markers, other integer widths and every
//! error go through the same code, with the same limits, as [`from_slice`](crate::from_slice).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

pub use crate::de::derive::Mark;
use crate::error::{Error, Result};
use crate::read::SliceRead;
use crate::ser::Serializer;
use crate::wire::{WireType, TAG_UNIT};
use crate::write::Write;
use crate::Deserializer;

/// The decoder a derived [`Decode`] reads from.
pub type Decoder<'de> = Deserializer<SliceRead<'de>>;

/// Writes `self` with exactly the bytes of its `Serialize` impl.
pub trait Encode {
    /// Writes `self`.
    ///
    /// # Errors
    ///
    /// As the serde path.
    fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()>;
}

/// Reads what [`Encode`] (or the serde path) wrote, with the serde path's rules and limits.
pub trait Decode<'de>: Sized {
    /// Reads one value.
    ///
    /// # Errors
    ///
    /// As the serde path.
    fn decode(de: &mut Decoder<'de>) -> Result<Self>;

    /// Whether the type is read from a fixed32 item and nothing else on the fast path
    /// (`f32`): a struct or array of such types is then read as one run (see [`run32`]).
    const FIXED32: bool = false;

    /// The value of a fixed32 item's bits, for the types with [`Self::FIXED32`].
    #[inline(always)]
    fn from_fixed32(bits: [u8; 4]) -> Option<Self> {
        let _ = bits;
        None
    }
}

// Leaves: the serde path, whose reads and writes of scalars and strings are already inline.
macro_rules! via_serde {
    ($($ty:ty),*) => {$(
        impl Encode for $ty {
            #[inline(always)]
            fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
                Serialize::serialize(self, ser)
            }
        }
        impl<'de> Decode<'de> for $ty {
            #[inline(always)]
            fn decode(de: &mut Decoder<'de>) -> Result<Self> {
                Deserialize::deserialize(de)
            }
        }
    )*};
}

via_serde!(bool, u8, u16, u32, u64, i8, i16, i32, i64, f64, char, String);

impl Encode for f32 {
    #[inline(always)]
    fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
        Serialize::serialize(self, ser)
    }
}

impl<'de> Decode<'de> for f32 {
    #[inline(always)]
    fn decode(de: &mut Decoder<'de>) -> Result<Self> {
        Deserialize::deserialize(de)
    }

    const FIXED32: bool = true;

    #[inline(always)]
    fn from_fixed32(bits: [u8; 4]) -> Option<Self> {
        Some(f32::from_le_bytes(bits))
    }
}

impl Encode for &str {
    #[inline(always)]
    fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
        Serialize::serialize(self, ser)
    }
}

impl<'de: 'a, 'a> Decode<'de> for &'a str {
    #[inline(always)]
    fn decode(de: &mut Decoder<'de>) -> Result<Self> {
        Deserialize::deserialize(de)
    }
}

impl<T: Encode> Encode for Option<T> {
    #[inline(always)]
    fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
        match self {
            None => serde::Serializer::serialize_none(ser),
            Some(v) => {
                ser.get_mut().write_byte(crate::wire::TAG_SOME)?;
                v.encode(ser)
            }
        }
    }
}

impl<'de, T: Decode<'de> + Deserialize<'de>> Decode<'de> for Option<T> {
    #[inline(always)]
    fn decode(de: &mut Decoder<'de>) -> Result<Self> {
        if de.derive_some() {
            let value = T::decode(de);
            de.derive_end();
            return value.map(Some);
        }
        Deserialize::deserialize(de)
    }
}

impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
        header(ser, self.len())?;
        for item in self {
            item.encode(ser)?;
        }
        Ok(())
    }
}

impl<'de, T: Decode<'de>> Decode<'de> for Vec<T> {
    #[inline]
    fn decode(de: &mut Decoder<'de>) -> Result<Self> {
        let start = de.offset();
        let (count, capacity, hint) = de.derive_seq_begin()?;
        let mut out = Vec::with_capacity(capacity);
        for _ in 0..count {
            out.push(T::decode(de).map_err(|e| e.or_offset(start))?);
        }
        de.derive_seq_end(&hint);
        Ok(out)
    }
}

macro_rules! arrays {
    ($($n:literal: [$($i:ident)*])*) => {$(
        impl<T: Encode> Encode for [T; $n] {
            #[inline(always)]
            fn encode<W: Write>(&self, ser: &mut Serializer<W>) -> Result<()> {
                header(ser, $n)?;
                for item in self {
                    item.encode(ser)?;
                }
                Ok(())
            }
        }

        impl<'de, T: Decode<'de>> Decode<'de> for [T; $n]
        where
            [T; $n]: Deserialize<'de>,
        {
            #[inline(always)]
            fn decode(de: &mut Decoder<'de>) -> Result<Self> {
                if T::FIXED32 {
                    if let Some([$($i),*]) = run32::<$n>(de) {
                        return match ($(T::from_fixed32($i),)*) {
                            ($(Some($i),)*) => Ok([$($i),*]),
                            _ => Err(not_fixed32()),
                        };
                    }
                }
                let Some(mark) = begin(de, $n) else {
                    return Deserialize::deserialize(de);
                };
                // Tuples and arrays never hold absent markers: an element that is one
                // fails in `T`'s read, as on the serde path. Array elements are
                // evaluated in order.
                let items = [$({
                    let $i = T::decode(de).map_err(|e| at(e, &mark))?;
                    $i
                }),*];
                end(de);
                Ok(items)
            }
        }
    )*};
}

arrays! {
    1: [a]
    2: [a b]
    3: [a b c]
    4: [a b c d]
}

/// Writes the header of a struct, tuple or array of `len` items.
///
/// # Errors
///
/// The sink's.
#[inline(always)]
pub fn header<W: Write>(ser: &mut Serializer<W>, len: usize) -> Result<()> {
    if len < 16 {
        return ser
            .get_mut()
            .write_byte(WireType::Sequence as u8 | ((len as u8) << 3));
    }
    ser.get_mut().write_varint(WireType::Sequence, len as u64)
}

/// Writes unit variant `index` with its unit body.
///
/// # Errors
///
/// The sink's.
#[inline(always)]
pub fn unit_variant<W: Write>(ser: &mut Serializer<W>, index: u32) -> Result<()> {
    if index < 16 {
        let tag = WireType::Variant as u8 | ((index as u8) << 3);
        return ser.get_mut().write_tagged(tag, [TAG_UNIT]);
    }
    ser.get_mut()
        .write_varint(WireType::Variant, u64::from(index))?;
    ser.get_mut().write_byte(TAG_UNIT)
}

/// Starts a struct or array of exactly `len` items in its canonical form; `None` (nothing
/// taken) when the input holds any other form, which the serde path then reads.
#[inline(always)]
pub fn begin<'de>(de: &mut Decoder<'de>, len: usize) -> Option<Mark<'de>> {
    de.derive_begin(len)
}

/// Reads the next field of a struct started with [`begin`]; `None` when it is an absent
/// marker, after which the caller hands the struct to [`restart`].
///
/// # Errors
///
/// The field's, at its offset (or the struct's).
#[inline(always)]
pub fn field<'de, T: Decode<'de>>(de: &mut Decoder<'de>, mark: &Mark<'de>) -> Result<Option<T>> {
    if de.derive_absent_next() {
        return Ok(None);
    }
    T::decode(de).map(Some).map_err(|e| at(e, mark))
}

/// Reads the struct at `mark` again, from its start, on the serde path.
///
/// # Errors
///
/// The serde path's.
#[cold]
pub fn restart<'de, T: Deserialize<'de>>(de: &mut Decoder<'de>, mark: Mark<'de>) -> Result<T> {
    de.derive_rewind(mark);
    T::deserialize(de)
}

/// Takes a struct, tuple or array of `N` fixed32 items in its canonical form (a one-byte
/// header, then `01` and four bytes per item) in one step, and returns the items' bits;
/// `None` (nothing taken) for any other form, or when no level of nesting is left.
#[inline(always)]
pub fn run32<const N: usize>(de: &mut Decoder<'_>) -> Option<[[u8; 4]; N]> {
    de.derive_run32::<N>()
}

/// Ends a struct or array started with [`begin`].
#[inline(always)]
pub fn end(de: &mut Decoder<'_>) {
    de.derive_end();
}

/// Takes a unit variant with an index below `count` in its canonical form (`05 00`, ...);
/// `None` (nothing taken) otherwise.
#[inline(always)]
pub fn take_unit_variant(de: &mut Decoder<'_>, count: u32) -> Option<u32> {
    de.derive_unit_variant(count)
}

/// The error for a type that declares [`Decode::FIXED32`] but gives no value from the bits
/// (a defect of the type's impl, not of the input).
#[cold]
pub fn not_fixed32() -> Error {
    Error::new(
        crate::ErrorKind::Unsupported,
        None,
        "a type declared FIXED32 but gave no value for a fixed32 item",
    )
}

#[cold]
fn at(e: Error, mark: &Mark<'_>) -> Error {
    e.or_offset(Decoder::derive_start(mark))
}

/// [`to_writer`](crate::to_writer) for a derived type.
///
/// # Errors
///
/// As [`to_writer`](crate::to_writer).
#[cfg(feature = "std")]
pub fn to_writer<W: std::io::Write, T: ?Sized + Encode>(writer: W, value: &T) -> Result<()> {
    let mut ser = Serializer::new(crate::write::Buffered::new(crate::write::IoTarget::new(
        writer,
    )));
    match value.encode(&mut ser) {
        Ok(()) => ser.into_inner().flush_buffer(),
        Err(e) => Err(ser.into_inner().take_failure().unwrap_or(e)),
    }
}

/// [`to_vec`](crate::to_vec) for a derived type.
///
/// # Errors
///
/// As [`to_vec`](crate::to_vec).
pub fn to_vec<T: ?Sized + Encode>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut ser = Serializer::new(&mut out);
    value.encode(&mut ser)?;
    Ok(out)
}

/// [`from_slice`](crate::from_slice) for a derived type.
///
/// # Errors
///
/// As [`from_slice`](crate::from_slice).
pub fn from_slice<'de, T: Decode<'de>>(bytes: &'de [u8]) -> Result<T> {
    let mut de = Deserializer::from_slice(bytes);
    let value = crate::de::finish(T::decode(&mut de), &de)?;
    de.end()?;
    Ok(value)
}
