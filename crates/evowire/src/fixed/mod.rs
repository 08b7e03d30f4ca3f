//! Fixed-width integers: `#[serde(with = "evowire::fixed")]` (SPEC §12.1).
//!
//! Some integers are always large (ids, hashes, nanosecond timestamps) and cost up to ten
//! bytes as varints. With this attribute a `u32`/`i32` is written as a fixed32 item (tag
//! `0x01` and 4 little-endian bytes) and a `u64`/`i64` as a fixed64 item (tag `0x02` and 8
//! bytes), signed values as two's complement. `Option`s of them work too.
//!
//! Every evowire and fcode 1.1 reader already accepts these wire types for 32- and 64-bit
//! integers, so a field can switch between varint and fixed in either direction, writers
//! first or readers first, without breaking anyone. Other formats (JSON …) see a plain
//! integer.
//!
//! # Examples
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Trade {
//!     #[serde(with = "evowire::fixed")]
//!     id: u64,
//!     #[serde(with = "evowire::fixed")]
//!     ts_ns: Option<i64>,
//!     qty: u32,
//! }
//!
//! let t = Trade { id: u64::MAX - 1, ts_ns: Some(-2), qty: 3 };
//! let bytes = evowire::to_vec(&t).unwrap();
//! assert_eq!(
//!     bytes,
//!     [0x1b, 0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
//!      0x0d, 0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x18]
//! );
//! assert_eq!(evowire::from_slice::<Trade>(&bytes).unwrap(), t);
//!
//! // A reader whose fields are plain integers reads the same bytes.
//! #[derive(Deserialize)]
//! struct PlainTrade { id: u64, ts_ns: Option<i64>, qty: u32 }
//! let plain: PlainTrade = evowire::from_slice(&bytes).unwrap();
//! assert_eq!((plain.id, plain.ts_ns, plain.qty), (u64::MAX - 1, Some(-2), 3));
//! ```

mod ser;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

pub(crate) use ser::FixedSerializer;

/// The newtype-struct name through which an evowire serializer is asked for a fixed-width
/// encoding of the integer inside.
pub const FIXED_TOKEN: &str = "$evowire::private::Fixed";

mod private {
    pub trait Sealed {}
}

/// Integer types that `#[serde(with = "evowire::fixed")]` accepts: `u32`, `i32`, `u64`,
/// `i64` and `Option`s of them. Sealed: implemented for these types only.
pub trait FixedWidth: Sized + private::Sealed {
    /// Writes `self` with a fixed-width encoding where the format has one.
    fn serialize_fixed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    /// Reads a value written fixed-width or not.
    fn deserialize_fixed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Serializes `value` with a fixed-width encoding; the `serialize_with` half of the module.
///
/// # Errors
///
/// Those of the serializer.
pub fn serialize<T: FixedWidth, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.serialize_fixed(serializer)
}

/// Deserializes an integer written with or without a fixed-width encoding; the
/// `deserialize_with` half of the module.
///
/// # Errors
///
/// Those of the deserializer, e.g. a value that does not fit.
pub fn deserialize<'de, T: FixedWidth, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize_fixed(deserializer)
}

/// Wraps an integer so that an evowire serializer writes it fixed-width.
struct Fixed<T>(T);

impl<T: Serialize> Serialize for Fixed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(FIXED_TOKEN, &self.0)
    }
}

macro_rules! fixed_width {
    ($($ty:ty),*) => {$(
        impl private::Sealed for $ty {}

        impl FixedWidth for $ty {
            fn serialize_fixed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Fixed(*self).serialize(serializer)
            }

            fn deserialize_fixed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty>::deserialize(deserializer)
            }
        }
    )*};
}

fixed_width!(u32, i32, u64, i64);

impl<T: FixedWidth> private::Sealed for Option<T> {}

impl<T: FixedWidth + Copy + Serialize + for<'a> Deserialize<'a>> FixedWidth for Option<T> {
    fn serialize_fixed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            None => serializer.serialize_none(),
            Some(v) => serializer.serialize_some(&Fixed(*v)),
        }
    }

    fn deserialize_fixed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer)
    }
}
