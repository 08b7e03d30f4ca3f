//! The serde [`Serializer`]: Rust values to evowire bytes.

use alloc::format;
use alloc::vec::Vec;

use serde::ser::{self, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::fixed::{FixedSerializer, FIXED_TOKEN};
use crate::wire::{self, WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64, TAG_UNIT};
use crate::write::{Varint, Write};

/// A serde serializer that writes evowire bytes into a [`Write`] sink.
///
/// `&mut Serializer<W>` implements [`serde::Serializer`], as in serde_json. Every message
/// that uses no evowire extension is byte-identical to what fcode 1.1 writes.
///
/// To append to a `Vec<u8>`, [`append_to_vec`](crate::append_to_vec) is the faster path:
/// it gathers output in a stack buffer, where a serializer on `&mut Vec<u8>` appends value
/// by value (about 1.5x the instructions on small messages).
///
/// # Examples
///
/// ```
/// use serde::Serialize;
///
/// let mut out = Vec::new();
/// let mut ser = evowire::Serializer::new(&mut out);
/// (1u8, "hi").serialize(&mut ser).unwrap();
/// assert_eq!(out, [0x13, 0x08, 0x14, b'h', b'i']);
/// ```
pub struct Serializer<W> {
    writer: W,
}

impl<W: Write> Serializer<W> {
    /// A serializer that appends to `writer`.
    pub fn new(writer: W) -> Self {
        Serializer { writer }
    }

    /// The sink.
    pub fn get_ref(&self) -> &W {
        &self.writer
    }

    /// The sink, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Gives the sink back.
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// A varint item: one byte when the value fits in the tag, else the sink's encoder
    /// for the value's width.
    #[inline(always)]
    fn varint<V: Varint>(&mut self, wire: WireType, value: V) -> Result<()> {
        match value.tag_bits() {
            Some(bits) => self.writer.write_byte(wire as u8 | (bits << 3)),
            None => value.write_to(&mut self.writer, wire),
        }
    }

    /// A fixed32 item: tag and four bytes, written as one fixed-size copy.
    #[inline(always)]
    pub(crate) fn fixed32(&mut self, bits: [u8; 4]) -> Result<()> {
        self.writer.write_tagged(TAG_FIXED32, bits)
    }

    /// A fixed64 item: tag and eight bytes.
    #[inline(always)]
    pub(crate) fn fixed64(&mut self, bits: [u8; 8]) -> Result<()> {
        self.writer.write_tagged(TAG_FIXED64, bits)
    }

    #[inline]
    fn header(&mut self, wire: WireType, len: usize) -> Result<()> {
        self.varint(wire, len as u64)
    }

    /// A string or byte string of 16 bytes or more: a multi-byte header and a copy, out of
    /// line so the short case stays small wherever it is inlined. Every path ends in a call
    /// with nothing left to do after it, so the function saves no registers.
    #[inline(never)]
    fn long_bytes(&mut self, v: &[u8]) -> Result<()> {
        if v.len() < 2048 {
            // A two-byte header: the low four bits of the length in the tag, the rest after.
            let tag = 0x80 | WireType::Bytes as u8 | (((v.len() & 0x0f) as u8) << 3);
            return self
                .writer
                .write_medium_item([tag, (v.len() >> 4) as u8], v);
        }
        self.huge_bytes(v)
    }

    /// A string or byte string of 2 KiB or more.
    #[inline(never)]
    fn huge_bytes(&mut self, v: &[u8]) -> Result<()> {
        self.header(WireType::Bytes, v.len())?;
        self.writer.write_all(v)
    }

    /// Starts a sequence or map: counted when its length is known, else buffered.
    #[inline(always)]
    fn seq<const PER_ENTRY: usize>(&mut self, len: Option<usize>) -> Result<SeqCompound<'_, W>> {
        match len {
            Some(len) => {
                let items = entries_to_items::<PER_ENTRY>(len)?;
                Ok(SeqCompound::Counted(self.counted::<false>(items)?))
            }
            None => Ok(self.buffered_seq()),
        }
    }

    /// A sequence of unknown length, gathered in a buffer until its count is known.
    #[cold]
    fn buffered_seq(&mut self) -> SeqCompound<'_, W> {
        SeqCompound::Buffered {
            ser: self,
            buffer: Vec::new(),
            written: 0,
        }
    }

    /// Writes a buffered sequence: its header, now that the count is known, then its items.
    #[cold]
    fn finish_buffered(&mut self, written: usize, buffer: &[u8]) -> Result<()> {
        self.header(WireType::Sequence, written)?;
        self.writer.write_all(buffer)
    }

    /// A sequence (`PER_ENTRY` 1) or map (2) of `len` entries from `iter`, each written by
    /// `write`: its header, then the entries, counted in a register, then the check that
    /// the iterator gave as many entries as it announced.
    #[inline(always)]
    fn counted_run<const PER_ENTRY: usize, I: Iterator>(
        &mut self,
        len: usize,
        iter: I,
        mut write: impl FnMut(&mut Self, I::Item) -> Result<()>,
    ) -> Result<()> {
        let items = entries_to_items::<PER_ENTRY>(len)?;
        self.header(WireType::Sequence, items)?;
        let mut written = 0usize;
        for entry in iter {
            written += 1;
            write(self, entry)?;
        }
        if written == len {
            Ok(())
        } else {
            Err(length_mismatch(items, written.saturating_mul(PER_ENTRY)))
        }
    }

    /// Starts a struct, tuple or variant body: the length is always known.
    #[inline(always)]
    fn counted<const STRUCT: bool>(&mut self, len: usize) -> Result<Compound<'_, W, STRUCT>> {
        self.header(WireType::Sequence, len)?;
        Ok(Compound {
            ser: self,
            declared: len,
            written: 0,
            pending_absent: 0,
        })
    }
}

impl<'a, W: Write> ser::Serializer for &'a mut Serializer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqCompound<'a, W>;
    type SerializeTuple = Compound<'a, W, false>;
    type SerializeTupleStruct = Compound<'a, W, false>;
    type SerializeTupleVariant = Compound<'a, W, false>;
    type SerializeMap = SeqCompound<'a, W>;
    type SerializeStruct = Compound<'a, W, true>;
    type SerializeStructVariant = Compound<'a, W, true>;

    #[inline(always)]
    fn serialize_bool(self, v: bool) -> Result<()> {
        self.varint(WireType::Int, u64::from(v))
    }

    #[inline(always)]
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }

    #[inline(always)]
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }

    #[inline(always)]
    fn serialize_i32(self, v: i32) -> Result<()> {
        // Zig-zag in 32 bits: the same value as through `i64`.
        self.varint(WireType::Int, ((v as u32) << 1) ^ ((v >> 31) as u32))
    }

    #[inline(always)]
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.varint(WireType::Int, wire::zigzag_encode(v))
    }

    #[inline(always)]
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.serialize_u128(wire::zigzag_encode128(v))
    }

    #[inline(always)]
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.varint(WireType::Int, u64::from(v))
    }

    #[inline(always)]
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.varint(WireType::Int, u64::from(v))
    }

    #[inline(always)]
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.varint(WireType::Int, v)
    }

    #[inline(always)]
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.varint(WireType::Int, v)
    }

    #[inline(always)]
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.writer
            .write_all(wire::encode_varint128(WireType::Int, v).as_slice())
    }

    #[inline(always)]
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.fixed32(v.to_le_bytes())
    }

    #[inline(always)]
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.fixed64(v.to_le_bytes())
    }

    #[inline(always)]
    fn serialize_char(self, v: char) -> Result<()> {
        self.varint(WireType::Int, u32::from(v))
    }

    #[inline(always)]
    fn serialize_str(self, v: &str) -> Result<()> {
        self.serialize_bytes(v.as_bytes())
    }

    #[inline(always)]
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        if v.len() < 16 {
            // The length fits in the tag: one write, one capacity check.
            let tag = WireType::Bytes as u8 | ((v.len() as u8) << 3);
            return self.writer.write_short_item(tag, v);
        }
        self.long_bytes(v)
    }

    #[inline(always)]
    fn serialize_none(self) -> Result<()> {
        // Variant 0 with a unit body: `05 00`.
        self.writer
            .write_tagged(WireType::Variant as u8, [TAG_UNIT])
    }

    #[inline(always)]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        self.varint(WireType::Variant, 1u32)?;
        value.serialize(self)
    }

    #[inline(always)]
    fn serialize_unit(self) -> Result<()> {
        self.writer.write_byte(0)
    }

    #[inline(always)]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }

    #[inline(always)]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
    ) -> Result<()> {
        if variant_index < 16 {
            // Header and unit body: two bytes, one write.
            let tag = WireType::Variant as u8 | ((variant_index as u8) << 3);
            return self.writer.write_tagged(tag, [TAG_UNIT]);
        }
        self.varint(WireType::Variant, variant_index)?;
        self.serialize_unit()
    }

    #[inline(always)]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name.len() == FIXED_TOKEN.len() && name == FIXED_TOKEN {
            return value.serialize(FixedSerializer(self));
        }
        value.serialize(self)
    }

    #[inline(always)]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.varint(WireType::Variant, variant_index)?;
        value.serialize(self)
    }

    #[inline(always)]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        self.seq::<1>(len)
    }

    #[inline(always)]
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.counted::<false>(len)
    }

    #[inline(always)]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        self.counted::<false>(len)
    }

    #[inline(always)]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        self.varint(WireType::Variant, variant_index)?;
        self.counted::<false>(len)
    }

    #[inline(always)]
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        self.seq::<2>(len)
    }

    #[inline(always)]
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        self.counted::<true>(len)
    }

    #[inline(always)]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.varint(WireType::Variant, variant_index)?;
        self.counted::<true>(len)
    }

    /// A sequence whose iterator knows its length streams its items straight to the sink,
    /// counting them in a local; any other goes through `SeqCompound`. The bytes are the
    /// same either way.
    #[inline(always)]
    fn collect_seq<I>(self, iter: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        match exact_len(&iter) {
            Some(len) => self.counted_run::<1, _>(len, iter, |ser, item| item.serialize(ser)),
            None => {
                let mut seq = self.buffered_seq();
                for item in iter {
                    seq.item(&item)?;
                }
                seq.finish()
            }
        }
    }

    /// As `collect_seq`: a map whose iterator knows its length is written without the
    /// `SeqCompound` in between.
    #[inline(always)]
    fn collect_map<K, V, I>(self, iter: I) -> Result<()>
    where
        K: Serialize,
        V: Serialize,
        I: IntoIterator<Item = (K, V)>,
    {
        let iter = iter.into_iter();
        match exact_len(&iter) {
            Some(len) => self.counted_run::<2, _>(len, iter, |ser, (key, value)| {
                key.serialize(&mut *ser)?;
                value.serialize(ser)
            }),
            None => {
                let mut map = self.buffered_seq();
                for (key, value) in iter {
                    map.item(&key)?;
                    map.item(&value)?;
                }
                map.finish()
            }
        }
    }

    #[cfg(not(feature = "std"))]
    fn collect_str<T: ?Sized + core::fmt::Display>(self, value: &T) -> Result<()> {
        self.serialize_str(&alloc::string::ToString::to_string(value))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// A struct, tuple or variant body being written: its length is declared up front.
///
/// The number of items is checked at the end, so a `Serialize` impl that declares a wrong
/// length fails instead of producing a corrupt stream. A skipped struct field becomes an
/// absent-field marker only if a present field follows it (SPEC §9): trailing skipped
/// fields cost nothing.
///
/// `STRUCT` is true for structs and struct variants, the only bodies whose fields serde can
/// skip; tuples never pay for the check.
pub struct Compound<'a, W, const STRUCT: bool> {
    ser: &'a mut Serializer<W>,
    declared: usize,
    written: usize,
    pending_absent: usize,
}

impl<W: Write, const STRUCT: bool> Compound<'_, W, STRUCT> {
    #[inline(always)]
    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if STRUCT && self.pending_absent > 0 {
            self.write_markers()?;
        }
        self.written += 1;
        value.serialize(&mut *self.ser)
    }

    #[cold]
    fn write_markers(&mut self) -> Result<()> {
        while self.pending_absent > 0 {
            self.ser.writer.write_byte(TAG_ABSENT)?;
            self.pending_absent -= 1;
        }
        Ok(())
    }

    #[inline(always)]
    fn finish(self) -> Result<()> {
        if self.declared == self.written {
            Ok(())
        } else {
            Err(length_mismatch(self.declared, self.written))
        }
    }
}

/// A sequence or map being written. With a known length it streams like [`Compound`];
/// with an unknown one (`collect_seq` over a filtering iterator, `#[serde(flatten)]`) the
/// items go into a buffer that is written after its header once the count is known: the
/// bytes are the same as if the length had been known.
pub enum SeqCompound<'a, W> {
    /// The length was declared.
    Counted(Compound<'a, W, false>),
    /// The length is counted while the items are buffered.
    Buffered {
        /// The serializer the finished sequence goes to.
        ser: &'a mut Serializer<W>,
        /// The encoded items so far.
        buffer: Vec<u8>,
        /// How many items the buffer holds.
        written: usize,
    },
}

impl<W: Write> SeqCompound<'_, W> {
    #[inline(always)]
    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        match self {
            SeqCompound::Counted(c) => c.item(value),
            SeqCompound::Buffered {
                buffer, written, ..
            } => {
                *written += 1;
                value.serialize(&mut Serializer::new(buffer))
            }
        }
    }

    #[inline(always)]
    fn finish(self) -> Result<()> {
        match self {
            SeqCompound::Counted(c) => c.finish(),
            SeqCompound::Buffered {
                ser,
                buffer,
                written,
            } => ser.finish_buffered(written, &buffer),
        }
    }
}

/// The length of an iterator that knows it exactly, as serde's `collect_seq` reads it.
#[inline(always)]
fn exact_len<I: Iterator>(iter: &I) -> Option<usize> {
    match iter.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo),
        _ => None,
    }
}

/// The item count of `len` entries of `PER_ENTRY` items each (a map entry is two items).
#[inline(always)]
fn entries_to_items<const PER_ENTRY: usize>(len: usize) -> Result<usize> {
    len.checked_mul(PER_ENTRY).ok_or_else(|| {
        Error::new(
            ErrorKind::LengthOverflow,
            None,
            "map length overflows usize",
        )
    })
}

#[cold]
fn length_mismatch(declared: usize, written: usize) -> Error {
    Error::with_message(
        ErrorKind::InvalidValue,
        None,
        format!("the Serialize impl declared {declared} items but wrote {written}"),
    )
}

impl<W: Write> ser::SerializeSeq for SeqCompound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeTuple for Compound<'_, W, false> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeTupleStruct for Compound<'_, W, false> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeTupleVariant for Compound<'_, W, false> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeMap for SeqCompound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.item(key)
    }

    #[inline(always)]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeStruct for Compound<'_, W, true> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn skip_field(&mut self, _key: &'static str) -> Result<()> {
        self.pending_absent += 1;
        Ok(())
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> ser::SerializeStructVariant for Compound<'_, W, true> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.item(value)
    }

    #[inline(always)]
    fn skip_field(&mut self, _key: &'static str) -> Result<()> {
        self.pending_absent += 1;
        Ok(())
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec::Vec;

    use serde::ser::{SerializeMap, SerializeSeq, Serializer as _};

    use super::Serializer;

    /// Yields `yields` items while announcing exactly `announced`.
    struct Lying {
        announced: usize,
        yields: usize,
    }

    impl Iterator for Lying {
        type Item = u8;

        fn next(&mut self) -> Option<u8> {
            self.yields = self.yields.checked_sub(1)?;
            Some(7)
        }

        fn size_hint(&self) -> (usize, Option<usize>) {
            (self.announced, Some(self.announced))
        }
    }

    fn encode(f: impl FnOnce(&mut Serializer<&mut Vec<u8>>) -> crate::Result<()>) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut Serializer::new(&mut out)).unwrap();
        out
    }

    #[test]
    fn collected_sequences_and_maps_match_the_element_by_element_bytes() {
        let items: Vec<u32> = (0..40).map(|i| i * 1000).collect();
        let streamed = encode(|s| s.collect_seq(&items));
        let by_element = encode(|s| {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            items.iter().try_for_each(|i| seq.serialize_element(i))?;
            SerializeSeq::end(seq)
        });
        let unknown = encode(|s| s.collect_seq(items.iter().filter(|_| true)));
        assert_eq!(streamed, by_element);
        assert_eq!(streamed, unknown);

        let entries = [(1u8, "one"), (200, "two hundred and more"), (3, "")];
        let streamed = encode(|s| s.collect_map(entries.iter().map(|(k, v)| (k, v))));
        let by_entry = encode(|s| {
            let mut map = s.serialize_map(Some(entries.len()))?;
            entries
                .iter()
                .try_for_each(|(k, v)| map.serialize_entry(k, v))?;
            SerializeMap::end(map)
        });
        let unknown =
            encode(|s| s.collect_map(entries.iter().filter(|_| true).map(|(k, v)| (k, v))));
        assert_eq!(streamed, by_entry);
        assert_eq!(streamed, unknown);
        assert_eq!(streamed[0], 0x03 | (6 << 3));
    }

    #[test]
    fn an_iterator_that_misstates_its_length_fails() {
        for (announced, yields) in [(3, 2), (2, 3), (0, 1), (1, 0)] {
            let mut out = Vec::new();
            let e = Serializer::new(&mut out)
                .collect_seq(Lying { announced, yields })
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                alloc::format!("the Serialize impl declared {announced} items but wrote {yields}")
            );

            let pairs = Lying { announced, yields }.map(|b| (b, b));
            let e = Serializer::new(&mut out).collect_map(pairs).unwrap_err();
            assert_eq!(
                e.to_string(),
                alloc::format!(
                    "the Serialize impl declared {} items but wrote {}",
                    2 * announced,
                    2 * yields
                )
            );
        }
    }
}
