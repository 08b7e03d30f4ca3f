//! The serializer behind [`evowire::fixed`](crate::fixed): writes the integer inside the
//! fixed-width newtype as a fixed32 or fixed64 item (SPEC §12.1).

use serde::ser::{self, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::ser::Serializer;
use crate::write::Write;

/// Writes the integer inside [`evowire::fixed`](crate::fixed) fixed-width (SPEC §12.1).
pub(crate) struct FixedSerializer<'a, W>(pub(crate) &'a mut Serializer<W>);

impl<W: Write> FixedSerializer<'_, W> {
    #[inline]
    fn fixed32(self, bits: [u8; 4]) -> Result<()> {
        self.0.fixed32(bits)
    }

    #[inline]
    fn fixed64(self, bits: [u8; 8]) -> Result<()> {
        self.0.fixed64(bits)
    }
}

#[cold]
fn not_fixed_width() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        None,
        "evowire::fixed applies only to u32, i32, u64 and i64",
    )
}

macro_rules! reject {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<()> {
            Err(not_fixed_width())
        }
    )*};
}

impl<W: Write> ser::Serializer for FixedSerializer<'_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_i32(self, v: i32) -> Result<()> {
        self.fixed32(v.to_le_bytes())
    }

    fn serialize_u32(self, v: u32) -> Result<()> {
        self.fixed32(v.to_le_bytes())
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        self.fixed64(v.to_le_bytes())
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        self.fixed64(v.to_le_bytes())
    }

    reject! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<()> {
        Err(not_fixed_width())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(not_fixed_width())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_fixed_width())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_fixed_width())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_fixed_width())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_fixed_width())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_fixed_width())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_fixed_width())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_fixed_width())
    }

    #[cfg(not(feature = "std"))]
    fn collect_str<T: ?Sized + core::fmt::Display>(self, _: &T) -> Result<()> {
        Err(not_fixed_width())
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}
