//! Struct fields: the deserializer a struct's, tuple struct's or variant's element is read
//! with, which lets an absent-field marker (SPEC §9) stand for the element.
//!
//! The marker is looked for only where the element's own fast path fails: a float, an
//! integer or a nested struct in its common form is read with no extra check. The element
//! read then returns a private signal error, which the struct access turns back into a
//! missing element (`None`) before anything else sees it.

use serde::de::{self, Visitor};

use super::compound::{AS_MISSING, FIELD, REJECT};
use super::typed::{int_methods, Reader};
use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::read::Read;
use crate::wire::TAG_ABSENT;

/// The message of the signal error; told apart from every other error by its address.
static ABSENT_FIELD: &str = "an absent-field marker (wire type 6) where a value was read";

impl<'de, R: Read<'de>> Deserializer<R> {
    /// For a struct field (`field`, a constant where inlined) whose fast path failed:
    /// takes an absent-field marker and returns the signal error, or does nothing.
    #[inline(always)]
    pub(super) fn absent_field(&mut self, field: bool) -> Result<()> {
        if field && self.read.take_if(TAG_ABSENT) {
            return Err(self.absent_signal());
        }
        Ok(())
    }

    /// The signal error: the one kept from the last marker, so a run of markers allocates
    /// once.
    #[cold]
    fn absent_signal(&mut self) -> Error {
        self.spare
            .0
            .take()
            .unwrap_or_else(|| Error::new(ErrorKind::InvalidWireType, None, ABSENT_FIELD))
    }

    /// The error a field read failed with, or `None` if it is the signal of an
    /// absent-field marker (then it is kept for the next marker).
    #[cold]
    pub(super) fn unless_absent(&mut self, err: Error) -> Option<Error> {
        if err.is_static(ABSENT_FIELD) {
            self.spare.0 = Some(err);
            return None;
        }
        Some(err)
    }
}

/// A struct field's deserializer: the [`Deserializer`]'s reads, with the absent-field marker
/// accepted where the item starts (it fails the read with the signal error).
pub(super) struct Field<'a, R>(pub(super) &'a mut Deserializer<R>);

impl<'a, R> Reader<'a, R> for Field<'a, R> {
    #[inline(always)]
    fn reader(self) -> &'a mut Deserializer<R> {
        self.0
    }
}

/// Methods without a fast path of their own: the marker is looked for first, then the
/// plain [`Deserializer`] reads the item.
macro_rules! marker_first {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
                self.0.absent_field(true)?;
                de::Deserializer::$method(self.0, $($arg,)* visitor)
            }
        )*
    };
}

impl<'de, R: Read<'de>> de::Deserializer<'de> for Field<'_, R> {
    type Error = Error;

    int_methods!(true);

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_bool::<true, V>(visitor)
    }

    #[inline(always)]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_f32::<true, V>(visitor)
    }

    #[inline(always)]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_f64::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.0.fixed::<REJECT, FIELD, V>(len, "a tuple", visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.0.fixed::<AS_MISSING, FIELD, V>(len, name, visitor)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.0
            .fixed::<AS_MISSING, FIELD, V>(fields.len(), name, visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_str::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_str::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_bytes::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_bytes::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.read_option::<true, V>(visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.0.read_enum::<true, V>(name, visitor)
    }

    marker_first! {
        deserialize_any();
        deserialize_i128();
        deserialize_u128();
        deserialize_char();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_map();
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    use crate::ErrorKind;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone, Copy)]
    struct Point {
        x: f32,
        y: f32,
    }

    /// One field of every kind the field deserializer reads differently, each skippable.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone)]
    struct Every {
        #[serde(default, skip_serializing_if = "is_zero_f32")]
        f: f32,
        #[serde(default, skip_serializing_if = "is_zero_f64")]
        d: f64,
        #[serde(default, skip_serializing_if = "is_zero")]
        u: u16,
        #[serde(default, skip_serializing_if = "is_zero_i")]
        i: i64,
        #[serde(default, skip_serializing_if = "is_false")]
        b: bool,
        #[serde(default, skip_serializing_if = "is_origin")]
        p: Point,
        #[serde(default, skip_serializing_if = "is_origin_pair")]
        t: (f32, f32),
        #[serde(default, skip_serializing_if = "String::is_empty")]
        s: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        o: Option<u8>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        v: Vec<u8>,
        last: u8,
    }

    fn is_zero_f32(v: &f32) -> bool {
        *v == 0.0
    }
    fn is_zero_f64(v: &f64) -> bool {
        *v == 0.0
    }
    fn is_zero(v: &u16) -> bool {
        *v == 0
    }
    fn is_zero_i(v: &i64) -> bool {
        *v == 0
    }
    fn is_false(v: &bool) -> bool {
        !*v
    }
    fn is_origin(v: &Point) -> bool {
        *v == Point::default()
    }
    fn is_origin_pair(v: &(f32, f32)) -> bool {
        *v == (0.0, 0.0)
    }

    fn full() -> Every {
        Every {
            f: 1.5,
            d: -2.25,
            u: 300,
            i: -7,
            b: true,
            p: Point { x: 1.0, y: 2.0 },
            t: (3.0, 4.0),
            s: "hi".into(),
            o: Some(9),
            v: vec![1, 2],
            last: 5,
        }
    }

    #[test]
    fn every_field_kind_reads_a_marker_as_missing() {
        // All skipped but the last: ten markers in a row, then the one written field.
        let bare = Every {
            last: 5,
            ..Every::default()
        };
        let bytes = crate::to_vec(&bare).unwrap();
        assert_eq!(bytes.iter().filter(|&&b| b == 0x06).count(), 10);
        assert_eq!(crate::from_slice::<Every>(&bytes).unwrap(), bare);
        // Each field skipped on its own, and the whole value in a sequence, so the
        // items after a struct with markers are read from the right place.
        let skips: [fn(&mut Every); 10] = [
            |e| e.f = 0.0,
            |e| e.d = 0.0,
            |e| e.u = 0,
            |e| e.i = 0,
            |e| e.b = false,
            |e| e.p = Point::default(),
            |e| e.t = (0.0, 0.0),
            |e| e.s = String::new(),
            |e| e.o = None,
            |e| e.v = Vec::new(),
        ];
        for skip in skips {
            let mut value = full();
            skip(&mut value);
            let list = vec![value.clone(), full(), value];
            let bytes = crate::to_vec(&list).unwrap();
            assert_eq!(crate::from_slice::<Vec<Every>>(&bytes).unwrap(), list);
        }
    }

    #[test]
    fn a_marker_for_a_required_field_is_a_missing_field() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Required {
            x: f32,
            y: u8,
        }
        // [marker, 1]: `x` has no default.
        let err = crate::from_slice::<Required>(&[0x0b, 0x06, 0x08]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Custom);
        assert!(err.to_string().contains("invalid length 0"), "{err}");
        // The signal never escapes, even from a nested struct or with a wrong item.
        let err = crate::from_slice::<(Required,)>(&[0x0b, 0x13, 0x06, 0x08]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Custom);
        assert!(!err.to_string().contains("where a value was read"), "{err}");
    }

    #[test]
    fn a_marker_outside_a_struct_field_is_still_an_error() {
        // In a plain sequence and in a tuple, under a struct field.
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Holder {
            v: Vec<u8>,
            t: (u8, u8),
        }
        for (bytes, offset) in [
            (&[0x13, 0x0b, 0x06, 0x13, 0x08, 0x08][..], 2),
            (&[0x13, 0x03, 0x13, 0x06, 0x08][..], 3),
        ] {
            let err = crate::from_slice::<Holder>(bytes).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidWireType, "{bytes:?}");
            assert_eq!(err.offset(), Some(offset), "{bytes:?}");
        }
    }
}
