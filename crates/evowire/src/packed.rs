//! Packed scalar sequences: `#[serde(with = "evowire::packed")]` (SPEC §12.2).
//!
//! A `Vec<f32>` is normally one tag byte plus value per element. With this attribute a
//! sequence of `f32`, `f64`, `u16`, `u32`, `u64`, `i16`, `i32` or `i64` (a `Vec`, a boxed
//! slice or an array) is written as **one bytes item** holding the elements as little-endian
//! fixed-width values, back to back: `len × width` bytes after the bytes header.
//!
//! * Encoding copies the elements in bulk (on little-endian machines the slice's own bytes
//!   are written as they are); decoding is one bounds check then a branch-free conversion.
//! * Because the payload is a bytes item, any older reader can skip it as an unknown field.
//! * A packed reader also accepts the plain sequence encoding, so **upgrade readers before
//!   writers** when switching an existing field to packed: a plain reader cannot read the
//!   packed form.
//! * A payload whose length is not a multiple of the element width is an error, and so is
//!   an array whose length differs.
//! * Human-readable formats (JSON …) see a plain sequence of numbers.
//!
//! # Examples
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Mesh {
//!     #[serde(with = "evowire::packed")]
//!     vertices: Vec<f32>,
//!     #[serde(with = "evowire::packed")]
//!     indices: [u16; 3],
//! }
//!
//! let mesh = Mesh { vertices: vec![1.0, -2.0], indices: [0, 1, 2] };
//! let bytes = evowire::to_vec(&mesh).unwrap();
//! assert_eq!(
//!     bytes,
//!     [0x13, 0x44, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0x34, 0, 0, 1, 0, 2, 0]
//! );
//! assert_eq!(evowire::from_slice::<Mesh>(&bytes).unwrap(), mesh);
//!
//! // The packed reader also reads the plain encoding of the same fields.
//! let plain = evowire::to_vec(&(vec![1.0f32, -2.0], [0u16, 1, 2])).unwrap();
//! assert_eq!(evowire::from_slice::<Mesh>(&plain).unwrap(), mesh);
//! ```

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// The newtype-struct name through which a packed reader asks an evowire deserializer for
/// either encoding (a bytes item or a plain sequence).
pub const PACKED_TOKEN: &str = "$evowire::private::Packed";

mod private {
    pub trait Sealed {}
}

/// Element types that can be packed: fixed-width numbers.
pub trait Packable: Copy + Serialize + for<'de> Deserialize<'de> + private::Sealed {
    /// Bytes per element.
    const WIDTH: usize;
    /// Writes the little-endian bytes of `self` into `out` (`out.len() == WIDTH`).
    fn put_le(self, out: &mut [u8]);
    /// Reads a value from its little-endian bytes (`bytes.len() == WIDTH`).
    fn take_le(bytes: &[u8]) -> Self;
}

macro_rules! packable {
    ($($ty:ty),*) => {$(
        impl private::Sealed for $ty {}

        impl Packable for $ty {
            const WIDTH: usize = core::mem::size_of::<$ty>();

            #[inline]
            fn put_le(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }

            #[inline]
            fn take_le(bytes: &[u8]) -> Self {
                let mut a = [0u8; core::mem::size_of::<$ty>()];
                a.copy_from_slice(bytes);
                <$ty>::from_le_bytes(a)
            }
        }
    )*};
}

packable!(f32, f64, u16, u32, u64, i16, i32, i64);

/// The little-endian bytes of `items`: borrowed on little-endian targets, copied otherwise.
#[cfg(target_endian = "little")]
#[allow(unsafe_code)]
fn le_bytes<T: Packable>(items: &[T]) -> impl core::ops::Deref<Target = [u8]> + '_ {
    // SAFETY: `Packable` is sealed and implemented only for the primitive numbers f32, f64,
    // u16, u32, u64, i16, i32 and i64. They have no padding and every byte of them is
    // initialized, `u8` has alignment 1, and `size_of_val(items)` is exactly the number of
    // bytes the slice covers, so the byte view covers the same live, immutably borrowed
    // memory for the same lifetime. On a little-endian target these bytes are the
    // little-endian encoding the format prescribes.
    unsafe {
        core::slice::from_raw_parts(items.as_ptr().cast::<u8>(), core::mem::size_of_val(items))
    }
}

#[cfg(not(target_endian = "little"))]
fn le_bytes<T: Packable>(items: &[T]) -> impl core::ops::Deref<Target = [u8]> + '_ {
    let mut out = alloc::vec![0u8; items.len() * T::WIDTH];
    for (chunk, item) in out.chunks_exact_mut(T::WIDTH).zip(items) {
        item.put_le(chunk);
    }
    out
}

/// Containers that `#[serde(with = "evowire::packed")]` accepts: `Vec<T>`, `Box<[T]>` and
/// `[T; N]` of a [`Packable`] `T`. Sealed: implemented for these types only.
pub trait PackedSeq: Sized + private::Sealed {
    /// The element type.
    type Item: Packable;
    /// The elements.
    fn as_items(&self) -> &[Self::Item];
    /// Builds the container from decoded elements.
    ///
    /// # Errors
    ///
    /// The number of elements does not fit the container (an array of another length).
    fn from_items(items: Vec<Self::Item>) -> Result<Self, usize>;
}

impl<T: Packable> private::Sealed for Vec<T> {}
impl<T: Packable> private::Sealed for Box<[T]> {}
impl<T: Packable, const N: usize> private::Sealed for [T; N] {}

impl<T: Packable> PackedSeq for Vec<T> {
    type Item = T;
    fn as_items(&self) -> &[T] {
        self
    }
    fn from_items(items: Vec<T>) -> Result<Self, usize> {
        Ok(items)
    }
}

impl<T: Packable> PackedSeq for Box<[T]> {
    type Item = T;
    fn as_items(&self) -> &[T] {
        self
    }
    fn from_items(items: Vec<T>) -> Result<Self, usize> {
        Ok(items.into_boxed_slice())
    }
}

impl<T: Packable, const N: usize> PackedSeq for [T; N] {
    type Item = T;
    fn as_items(&self) -> &[T] {
        self
    }
    fn from_items(items: Vec<T>) -> Result<Self, usize> {
        let len = items.len();
        items.try_into().map_err(|_| len)
    }
}

/// Serializes a sequence of numbers packed; the `serialize_with` half of the module.
///
/// # Errors
///
/// Those of the serializer.
pub fn serialize<C: PackedSeq, S: Serializer>(value: &C, serializer: S) -> Result<S::Ok, S::Error> {
    let items = value.as_items();
    if serializer.is_human_readable() {
        let mut seq = serializer.serialize_seq(Some(items.len()))?;
        for item in items {
            seq.serialize_element(item)?;
        }
        return seq.end();
    }
    serializer.serialize_bytes(&le_bytes(items))
}

/// Deserializes a packed sequence, or a plain one; the `deserialize_with` half.
///
/// # Errors
///
/// Those of the deserializer, or a custom error for a payload that is not a whole number
/// of elements or does not fit an array.
pub fn deserialize<'de, C: PackedSeq, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<C, D::Error> {
    let items =
        deserializer.deserialize_newtype_struct(PACKED_TOKEN, PackedVisitor(PhantomData))?;
    let len = items.len();
    C::from_items(items)
        .map_err(|_| de::Error::invalid_length(len, &"as many packed elements as the array holds"))
}

struct PackedVisitor<T>(PhantomData<T>);

impl<'de, T: Packable> Visitor<'de> for PackedVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "packed {}-byte numbers or a sequence of numbers",
            T::WIDTH
        )
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        // Another format: the encoding follows from what it writes for the same call.
        if d.is_human_readable() {
            d.deserialize_seq(self)
        } else {
            d.deserialize_bytes(self)
        }
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
        if !bytes.len().is_multiple_of(T::WIDTH) {
            return Err(E::custom(format!(
                "packed payload of {} bytes is not a multiple of the {}-byte element width",
                bytes.len(),
                T::WIDTH
            )));
        }
        Ok(bytes.chunks_exact(T::WIDTH).map(T::take_le).collect())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
}
