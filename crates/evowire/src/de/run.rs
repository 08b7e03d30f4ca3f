//! Tuples and structs whose items are all fixed32 (an `[f32; 3]`, a `Vec3 { x, y, z }`),
//! taken in one step.
//!
//! [`Read::take_fixed32_run`] checks the header and every item's tag at once and takes the
//! whole run; each element is then read from its four bytes with no further check. An
//! element that asks for anything but an `f32` puts the reader back at its item and is read
//! the general way, as are the elements after it.

use core::cell::Cell;

use serde::de::{self, DeserializeSeed, Visitor};

use super::compound::{Inlined, SeqAccess};
use super::header::{Mark, Start};
use super::Deserializer;
use crate::error::{Error, Result};
use crate::read::Read;

impl<'de, R: Read<'de>> Deserializer<R> {
    /// Visits a run taken with [`Read::take_fixed32_run`]: `items` the run, `from` the input
    /// from its first item on, `start` the header's position. `SITE` keeps the visitor
    /// instances of different call sites apart, as in `Deserializer::fixed`.
    ///
    /// The nesting limit is checked as for any compound, with the same error at the same
    /// offset. The level is taken only if an element is read the general way: on the fast
    /// path nothing can look at it, as a fixed32 item holds nothing nested.
    #[inline(always)]
    pub(super) fn visit_run<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        items: &'de [u8],
        from: &'de [u8],
        start: Mark,
        visitor: V,
    ) -> Result<V::Value> {
        self.can_enter(start.offset(&self.read))?;
        let mut access = RunAccess::<R, MARKERS> {
            general: SeqAccess {
                de: self,
                remaining: 0,
                limit: 0,
                hint: Cell::new(None),
            },
            items,
            from,
            run_len: items.len(),
            fast: true,
        };
        let value = match visitor.visit_seq(Inlined::<_, SITE>(&mut access)) {
            Ok(value) => value,
            Err(e) => return Err(e.or_offset(start.offset(&access.general.de.read))),
        };
        if !access.fast {
            // Items the visitor left, after it went the general way.
            let rest = access.general.remaining;
            let hint = access.general.hint;
            self.release(&hint);
            if rest > 0 {
                self.skip_items(rest)?;
            }
            self.leave();
        }
        Ok(value)
    }
}

/// The access a run's visitor reads from: the run's items while every element is an
/// `f32`, then a [`SeqAccess`] over the rest of the run.
struct RunAccess<'a, 'de, R, const MARKERS: u8> {
    general: SeqAccess<'a, R, MARKERS>,
    /// The items not read yet, while `fast`.
    items: &'de [u8],
    /// The input from the run's first item on.
    from: &'de [u8],
    /// The run's length in bytes.
    run_len: usize,
    fast: bool,
}

impl<'de, R: Read<'de>, const MARKERS: u8> RunAccess<'_, 'de, R, MARKERS> {
    /// Leaves the fast path at the item about to be read: the reader goes back to it, and
    /// the general access takes over with the items after it.
    #[inline(always)]
    fn go_general(&mut self) -> &mut Deserializer<R> {
        let left = self.items.len() / 5;
        let read = self.run_len - self.items.len();
        let at = self.from.get(read..).unwrap_or(self.from);
        let de = &mut *self.general.de;
        de.read.rewind_run(at);
        // The level `visit_run` checked, taken as a general sequence would have.
        de.depth_left = de.depth_left.saturating_sub(1);
        self.general.remaining = left.saturating_sub(1);
        self.general.limit = left.saturating_sub(1);
        self.items = &[];
        self.fast = false;
        self.general.de
    }
}

impl<'de, R: Read<'de>, const MARKERS: u8> de::SeqAccess<'de> for RunAccess<'_, 'de, R, MARKERS> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.fast {
            return self.general.next_element_seed(seed);
        }
        match self.items.split_first_chunk::<5>() {
            Some(([_, bits @ ..], _)) => seed
                .deserialize(Fixed32 {
                    access: self,
                    bits: *bits,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        if self.fast {
            Some(self.items.len() / 5)
        } else {
            de::SeqAccess::size_hint(&self.general)
        }
    }
}

/// An element of a run: its fixed32 item's four bytes.
struct Fixed32<'a, 'b, 'de, R, const MARKERS: u8> {
    access: &'a mut RunAccess<'b, 'de, R, MARKERS>,
    bits: [u8; 4],
}

impl<'de, R: Read<'de>, const MARKERS: u8> Fixed32<'_, '_, 'de, R, MARKERS> {
    /// Takes the item off the fast path (done reading it).
    #[inline(always)]
    fn taken(self) {
        let items = self.access.items;
        self.access.items = items.get(5..).unwrap_or(&[]);
    }
}

/// Every read but `f32`: the item is read the general way.
macro_rules! general {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            #[inline(never)]
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
                de::Deserializer::$method(self.access.go_general(), $($arg,)* visitor)
            }
        )*
    };
}

impl<'de, R: Read<'de>, const MARKERS: u8> de::Deserializer<'de>
    for Fixed32<'_, '_, 'de, R, MARKERS>
{
    type Error = Error;

    #[inline(always)]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = f32::from_le_bytes(self.bits);
        self.taken();
        visitor.visit_f32(value)
    }

    general! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;
    use core::fmt::Debug;

    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Deserialize;

    use crate::{DecodeOptions, ErrorKind};

    #[derive(Deserialize, Debug, PartialEq)]
    struct Vec3 {
        x: f32,
        y: f32,
        z: f32,
    }

    /// What a decode gave: the value, or the error's kind and offset.
    type Outcome<T> = Result<T, (ErrorKind, Option<u64>)>;

    /// Decodes `bytes` from a slice (where runs are taken) and from a reader (where they
    /// never are) and checks that both agree.
    fn both<T: DeserializeOwned + PartialEq + Debug>(bytes: &[u8], max_depth: u32) -> Outcome<T> {
        let opts = DecodeOptions::new().with_max_depth(max_depth);
        let slice = opts
            .from_slice::<T>(bytes)
            .map_err(|e| (e.kind(), e.offset()));
        let reader = opts
            .from_reader::<_, T>(bytes)
            .map_err(|e| (e.kind(), e.offset()));
        assert_eq!(slice, reader, "{bytes:02x?}");
        slice
    }

    fn fixed32(bits: u32) -> [u8; 5] {
        let [a, b, c, d] = bits.to_le_bytes();
        [0x01, a, b, c, d]
    }

    fn run(header: u8, items: &[u32]) -> Vec<u8> {
        let mut out = vec![header];
        for &bits in items {
            out.extend_from_slice(&fixed32(bits));
        }
        out
    }

    #[test]
    fn a_run_of_floats_reads_as_the_general_path_does() {
        let bytes = run(0x1b, &[1.5f32.to_bits(), (-2.0f32).to_bits(), 0]);
        assert_eq!(both::<[f32; 3]>(&bytes, 8), Ok([1.5, -2.0, 0.0]));
        assert_eq!(
            both::<Vec3>(&bytes, 8),
            Ok(Vec3 {
                x: 1.5,
                y: -2.0,
                z: 0.0
            })
        );
        // In a sequence: the items after a run are read from the right place.
        let mut list = vec![0x1b];
        for _ in 0..3 {
            list.extend_from_slice(&bytes);
        }
        assert_eq!(both::<Vec<[f32; 3]>>(&list, 8).map(|v| v.len()), Ok(3));
    }

    #[test]
    fn elements_other_than_f32_leave_the_run_and_read_the_general_way() {
        let bytes = run(0x13, &[7, 1.25f32.to_bits()]);
        // A fixed32 item reads as an integer too, first or second.
        assert_eq!(both::<(u32, f32)>(&bytes, 8), Ok((7, 1.25)));
        assert_eq!(
            both::<(f32, u32)>(&bytes, 8),
            Ok((f32::from_bits(7), 1.25f32.to_bits()))
        );
        assert_eq!(
            both::<(i32, i32)>(&bytes, 8),
            Ok((7, 1.25f32.to_bits() as i32))
        );
        assert_eq!(both::<(char, f32)>(&bytes, 8), Ok(('\u{7}', 1.25)));
        // Runs followed by more input, as in a sequence.
        let mut list = vec![0x1b];
        for _ in 0..3 {
            list.extend_from_slice(&bytes);
        }
        assert_eq!(both::<Vec<(u32, f32)>>(&list, 8), Ok(vec![(7, 1.25); 3]));
        let pair = (f32::from_bits(7), 1.25f32.to_bits());
        assert_eq!(both::<Vec<(f32, u32)>>(&list, 8), Ok(vec![pair; 3]));
        // Errors and their offsets are the general ones: a surrogate is no char, a fixed32
        // item no string.
        let err = both::<(f32, char)>(&run(0x13, &[0, 0xd800]), 8).unwrap_err();
        assert_eq!(err, (ErrorKind::InvalidValue, Some(6)));
        let err = both::<(f32, alloc::string::String)>(&bytes, 8).unwrap_err();
        assert_eq!(err, (ErrorKind::UnexpectedWireType, Some(6)));
    }

    #[test]
    fn a_run_meets_the_depth_limit_where_a_sequence_does() {
        let bytes = run(0x1b, &[0, 0, 0]);
        let mut list = vec![0x0b];
        list.extend_from_slice(&bytes);
        assert_eq!(both::<Vec<[f32; 3]>>(&list, 2).map(|v| v.len()), Ok(1));
        assert_eq!(
            both::<Vec<[f32; 3]>>(&list, 1).unwrap_err(),
            (ErrorKind::DepthExceeded, Some(1))
        );
        assert_eq!(
            both::<[f32; 3]>(&bytes, 0).unwrap_err(),
            (ErrorKind::DepthExceeded, Some(0))
        );
        // Leaving the run takes the level, as a sequence does: a nested read there still
        // meets the limit (here the item is not a sequence, so it is a type error).
        let err = both::<(f32, (f32,))>(&run(0x13, &[0, 0]), 1).unwrap_err();
        assert_eq!(err.0, ErrorKind::UnexpectedWireType);
    }

    #[test]
    fn short_or_mixed_runs_take_the_general_path() {
        let full = run(0x1b, &[1, 2, 3]);
        for cut in 0..full.len() {
            assert!(both::<[f32; 3]>(&full[..cut], 8).is_err());
        }
        // A fixed64 item among the fixed32 ones: narrowed to f32 the general way.
        let mut mixed = run(0x1b, &[0, 0]);
        mixed.push(0x02);
        mixed.extend_from_slice(&2.5f64.to_le_bytes());
        assert_eq!(both::<[f32; 3]>(&mixed, 8), Ok([0.0, 0.0, 2.5]));
    }

    proptest! {
        #[test]
        fn any_bytes_decode_alike_from_a_slice_and_a_reader(
            items in proptest::collection::vec((any::<bool>(), any::<u32>()), 0..5),
            header in prop_oneof![Just(0x13u8), Just(0x1b), any::<u8>()],
            noise in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut bytes = vec![header];
            for (is_fixed32, bits) in items {
                if is_fixed32 {
                    bytes.extend_from_slice(&fixed32(bits));
                } else {
                    bytes.extend_from_slice(&bits.to_le_bytes());
                }
            }
            bytes.extend_from_slice(&noise);
            let _ = both::<[f32; 3]>(&bytes, 8);
            let _ = both::<(f32, f32)>(&bytes, 8);
            let _ = both::<(f32, u32)>(&bytes, 8);
            let _ = both::<Vec3>(&bytes, 8);
            let _ = both::<(i32, f32, char)>(&bytes, 8);
        }
    }
}
