//! The serde [`Deserializer`]: evowire bytes to Rust values.

use alloc::format;
use alloc::vec::Vec;
use core::cell::Cell;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, IntoDeserializer, Visitor};

use crate::error::{Error, ErrorKind, Result};
use crate::options::DecodeOptions;
use crate::packed::PACKED_TOKEN;
use crate::read::{Read, Reference, SliceRead};
use crate::wire::{self, WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64, TAG_SOME, TAG_UNIT};

/// The newtype-struct name through which [`Value`](crate::Value) asks this deserializer for
/// a lossless view (variants through `visit_enum`, absent markers as values).
pub const VALUE_TOKEN: &str = "$evowire::private::Value";
/// The variant key a lossless view reports for an absent-field marker.
pub(crate) const ABSENT_TOKEN: &str = "$evowire::private::Absent";

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

    // ---- primitives ---------------------------------------------------------------------

    #[inline(always)]
    fn tag(&mut self) -> Result<(u8, u64)> {
        let start = self.read.offset();
        match self.read.next_byte() {
            Ok(tag) => Ok((tag, start)),
            Err(e) => Err(e.or_offset(start)),
        }
    }

    #[inline(always)]
    fn varint(&mut self, tag: u8, start: u64) -> Result<u64> {
        self.read
            .take_varint(tag)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[inline(always)]
    fn array<const N: usize>(&mut self, start: u64) -> Result<[u8; N]> {
        self.read
            .take_array::<N>()
            .map_err(|e: Error| e.or_offset(start))
    }

    /// Reads a length prefix (item count or byte count) and checks it against the limit.
    /// Nothing is allocated from it: a slice refuses a byte count beyond its end, and a
    /// sequence's items are read (each at least one byte) before any memory is committed.
    #[inline(always)]
    fn length(&mut self, tag: u8, start: u64) -> Result<usize> {
        let len = self.varint(tag, start)?;
        self.checked_length(len, start)
    }

    /// A length prefix's value, checked against the limit and the address width.
    #[inline(always)]
    fn checked_length(&self, len: u64, start: u64) -> Result<usize> {
        match usize::try_from(len) {
            Ok(len) if len <= self.max_len => Ok(len),
            _ => Err(self.length_error(len, start)),
        }
    }

    #[cold]
    fn length_error(&self, len: u64, start: u64) -> Error {
        if usize::try_from(len).is_ok() {
            Error::with_message(
                ErrorKind::LimitExceeded,
                Some(start),
                format!("length {len} exceeds the limit of {}", self.max_len),
            )
        } else {
            Error::with_message(
                ErrorKind::LengthOverflow,
                Some(start),
                format!("length {len} does not fit in usize"),
            )
        }
    }

    #[inline(always)]
    fn enter(&mut self, start: u64) -> Result<()> {
        if self.depth_left == 0 {
            return Err(too_deep(start));
        }
        self.depth_left -= 1;
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        self.depth_left += 1;
    }

    /// Reads an integer of any integer wire type as raw unsigned bits, for unsigned targets.
    #[inline(always)]
    fn unsigned(&mut self, target: &'static str) -> Result<(u64, u64)> {
        let start = self.read.offset();
        match self.read.take_varint_item(WireType::Int as u8) {
            Some(v) => Ok((v, start)),
            None => self.unsigned_slow(target),
        }
    }

    #[inline(never)]
    fn unsigned_slow(&mut self, target: &'static str) -> Result<(u64, u64)> {
        let (tag, start) = self.tag()?;
        let v = match tag & 7 {
            0 => self.varint(tag, start)?,
            1 if tag == TAG_FIXED32 => u64::from(u32::from_le_bytes(self.array(start)?)),
            2 if tag == TAG_FIXED64 => u64::from_le_bytes(self.array(start)?),
            _ => return Err(self.mismatch(tag, start, INTEGER, target)),
        };
        Ok((v, start))
    }

    /// Reads an integer for signed targets: zig-zag varints, two's complement fixed.
    #[inline(always)]
    fn signed(&mut self, target: &'static str) -> Result<(i64, u64)> {
        let start = self.read.offset();
        match self.read.take_varint_item(WireType::Int as u8) {
            Some(v) => Ok((wire::zigzag_decode(v), start)),
            None => self.signed_slow(target),
        }
    }

    #[inline(never)]
    fn signed_slow(&mut self, target: &'static str) -> Result<(i64, u64)> {
        let (tag, start) = self.tag()?;
        let v = match tag & 7 {
            0 => wire::zigzag_decode(self.varint(tag, start)?),
            1 if tag == TAG_FIXED32 => i64::from(i32::from_le_bytes(self.array(start)?)),
            2 if tag == TAG_FIXED64 => i64::from_le_bytes(self.array(start)?),
            _ => return Err(self.mismatch(tag, start, INTEGER, target)),
        };
        Ok((v, start))
    }

    #[inline]
    fn unsigned128(&mut self) -> Result<u128> {
        let (tag, start) = self.tag()?;
        match tag & 7 {
            0 => self
                .read
                .take_varint128(tag)
                .map_err(|e: Error| e.or_offset(start)),
            1 if tag == TAG_FIXED32 => Ok(u128::from(u32::from_le_bytes(self.array(start)?))),
            2 if tag == TAG_FIXED64 => Ok(u128::from(u64::from_le_bytes(self.array(start)?))),
            _ => Err(self.mismatch(tag, start, INTEGER, "u128")),
        }
    }

    #[inline]
    fn signed128(&mut self) -> Result<i128> {
        let (tag, start) = self.tag()?;
        match tag & 7 {
            0 => self
                .read
                .take_varint128(tag)
                .map(wire::zigzag_decode128)
                .map_err(|e: Error| e.or_offset(start)),
            1 if tag == TAG_FIXED32 => Ok(i128::from(i32::from_le_bytes(self.array(start)?))),
            2 if tag == TAG_FIXED64 => Ok(i128::from(i64::from_le_bytes(self.array(start)?))),
            _ => Err(self.mismatch(tag, start, INTEGER, "i128")),
        }
    }

    #[inline(never)]
    fn float(&mut self, target: &'static str) -> Result<(f64, Option<f32>)> {
        let (tag, start) = self.tag()?;
        match tag {
            TAG_FIXED32 => {
                let v = f32::from_le_bytes(self.array(start)?);
                Ok((f64::from(v), Some(v)))
            }
            TAG_FIXED64 => Ok((f64::from_le_bytes(self.array(start)?), None)),
            _ => Err(self.mismatch(tag, start, "a float (wire type 1 or 2)", target)),
        }
    }

    /// An `f32` that is not a plain fixed32 item: a fixed64 narrowed (rounding, and
    /// overflowing to infinity, as in fcode), or an error.
    #[inline(never)]
    fn f32_slow(&mut self) -> Result<f32> {
        let (wide, narrow) = self.float("f32")?;
        Ok(narrow.unwrap_or(wide as f32))
    }

    /// Reads the header of an item of wire type `expected` and returns its varint.
    #[inline(always)]
    fn header(
        &mut self,
        expected: WireType,
        what: &'static str,
        target: &'static str,
    ) -> Result<(usize, u64)> {
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != expected {
            return Err(self.mismatch(tag, start, what, target));
        }
        Ok((self.length(tag, start)?, start))
    }

    #[inline(always)]
    fn bytes_item(&mut self, target: &'static str) -> Result<(Reference<'de, '_>, u64)> {
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != WireType::Bytes {
            return Err(self.mismatch(tag, start, BYTES, target));
        }
        Ok((self.bytes_after_tag(tag, start)?, start))
    }

    /// Checks the length of a bytes item taken whole (at `start`) against the limit, like
    /// any other length prefix.
    #[inline(always)]
    fn check_borrowed_len(&self, bytes: &[u8], start: u64) -> Result<()> {
        if bytes.len() > self.max_len {
            return Err(self.length_error(bytes.len() as u64, start));
        }
        Ok(())
    }

    /// A string taken whole from a slice that is not ASCII or is over the length limit.
    #[inline(never)]
    fn borrowed_str_slow<V: Visitor<'de>>(
        &mut self,
        bytes: &'de [u8],
        start: u64,
        visitor: V,
    ) -> Result<V::Value> {
        self.check_borrowed_len(bytes, start)?;
        match crate::text::from_utf8(bytes) {
            Ok(s) => visitor
                .visit_borrowed_str(s)
                .map_err(|e: Error| e.or_offset(start)),
            Err(e) => Err(invalid_utf8(e, start)),
        }
    }

    /// A string that is not a bytes item of under 2048 bytes in a slice: a longer one, one
    /// read from a stream, or an error.
    #[inline(never)]
    fn str_general<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (bytes, start) = self.bytes_item("a string")?;
        match bytes {
            Reference::Borrowed(b) => match crate::text::from_utf8(b) {
                Ok(s) => visitor.visit_borrowed_str(s),
                Err(e) => Err(invalid_utf8(e, start)),
            },
            Reference::Copied(b) => match crate::text::from_utf8(b) {
                Ok(s) => visitor.visit_str(s),
                Err(e) => Err(invalid_utf8(e, start)),
            },
        }
        .map_err(|e: Error| e.or_offset(start))
    }

    /// Bytes that are not taken by the fast path, as for [`Self::str_general`].
    #[inline(never)]
    fn bytes_general<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (bytes, start) = self.bytes_item("bytes")?;
        match bytes {
            Reference::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Reference::Copied(b) => visitor.visit_bytes(b),
        }
        .map_err(|e: Error| e.or_offset(start))
    }

    /// The content of a bytes item whose tag (at `start`) has been read.
    #[inline(always)]
    fn bytes_after_tag(&mut self, tag: u8, start: u64) -> Result<Reference<'de, '_>> {
        let len = self.length(tag, start)?;
        self.read
            .take_bytes(len, &mut self.scratch)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[cold]
    fn mismatch(&self, tag: u8, start: u64, expected: &str, target: &str) -> Error {
        let wire = WireType::from_tag(tag);
        let (kind, found) = match wire {
            WireType::Reserved => (ErrorKind::InvalidWireType, "reserved wire type 7"),
            WireType::Absent if tag != TAG_ABSENT => {
                (ErrorKind::InvalidWireType, "reserved wire type 6")
            }
            WireType::Absent => (
                ErrorKind::InvalidWireType,
                "an absent-field marker (wire type 6) outside a struct",
            ),
            WireType::Fixed32 | WireType::Fixed64 if tag & !7 != 0 => (
                ErrorKind::InvalidWireType,
                "a fixed-width tag with value bits set",
            ),
            _ => (ErrorKind::UnexpectedWireType, ""),
        };
        let message = if found.is_empty() {
            format!(
                "expected {expected} for {target}, found {} (wire type {})",
                wire.name(),
                wire as u8
            )
        } else {
            format!("expected {expected} for {target}, found {found} (tag 0x{tag:02x})")
        };
        Error::with_message(kind, Some(start), message)
    }

    // ---- skipping -------------------------------------------------------------------------

    /// Skips one item of any type, checking it is well-formed (SPEC §8).
    #[inline]
    fn skip_item(&mut self) -> Result<()> {
        let (tag, start) = self.tag()?;
        if tag & 0x87 == 0 {
            // A one-byte integer: unit bodies and `None` contents.
            return Ok(());
        }
        self.skip_after_tag(tag, start)
    }

    fn skip_after_tag(&mut self, tag: u8, start: u64) -> Result<()> {
        match WireType::from_tag(tag) {
            // Unit bodies and `None` contents: a one-byte integer.
            WireType::Int if tag & 0x80 == 0 => Ok(()),
            WireType::Int => self
                .read
                .take_varint128(tag)
                .map(drop)
                .map_err(|e: Error| e.or_offset(start)),
            WireType::Fixed32 if tag == TAG_FIXED32 => self.array::<4>(start).map(drop),
            WireType::Fixed64 if tag == TAG_FIXED64 => self.array::<8>(start).map(drop),
            WireType::Sequence => {
                let count = self.length(tag, start)?;
                self.enter(start)?;
                self.skip_items(count)?;
                self.leave();
                Ok(())
            }
            WireType::Bytes => {
                let len = self.length(tag, start)?;
                self.read
                    .skip_bytes(len)
                    .map_err(|e: Error| e.or_offset(start))
            }
            WireType::Variant => {
                self.varint(tag, start)?;
                self.enter(start)?;
                self.skip_item()?;
                self.leave();
                Ok(())
            }
            _ => Err(self.mismatch(tag, start, "any item", "a skipped value")),
        }
    }

    /// Skips `count` items of a sequence, and the absent markers before them.
    #[cold]
    fn skip_items(&mut self, mut count: usize) -> Result<()> {
        while count > 0 {
            let (tag, start) = self.tag()?;
            if tag != TAG_ABSENT {
                self.skip_after_tag(tag, start)?;
                count -= 1;
            }
        }
        Ok(())
    }

    /// A size hint for a sequence with `own` items left, registered as promised until
    /// `release` is called with what `hint` holds; `None` for a stream (no preallocation).
    #[inline]
    fn promise(&self, own: usize, hint: &Cell<Option<usize>>) -> Option<usize> {
        if let Some(h) = hint.get() {
            return Some(h.min(own));
        }
        let left = self.read.remaining_hint()?;
        let h = own.min(left.saturating_sub(self.promised.get()));
        hint.set(Some(h));
        self.promised.set(self.promised.get().saturating_add(h));
        Some(h)
    }

    #[inline]
    fn release(&self, hint: &Cell<Option<usize>>) {
        if let Some(h) = hint.get() {
            self.promised.set(self.promised.get().saturating_sub(h));
        }
    }

    /// An `Option` written in a form other than `0D` (`Some`) or `05 00` (`None`), or
    /// `None` at the depth limit.
    #[inline(never)]
    fn option_slow<V: Visitor<'de>>(&mut self, start: u64, visitor: V) -> Result<V::Value> {
        // Tag `05`: variant 0, `None`, whose body (normally the unit byte) is skipped.
        if self.read.take_if(WireType::Variant as u8) {
            // A variant body is a level of nesting, even the unit one.
            self.enter(start)?;
            if !self.read.take_if(TAG_UNIT) {
                self.skip_item()?;
            }
            self.leave();
            return visitor.visit_none();
        }
        self.option_general(visitor)
    }

    #[inline(never)]
    fn option_general<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (index, start) = self.variant_header("an Option")?;
        match index {
            0 => {
                self.enter(start)?;
                self.skip_item()?;
                self.leave();
                visitor.visit_none()
            }
            1 => {
                self.enter(start)?;
                let value = visitor.visit_some(&mut *self);
                self.leave();
                value
            }
            _ => Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("Option discriminant {index}, expected 0 (None) or 1 (Some)"),
            )),
        }
    }

    // ---- compound items -------------------------------------------------------------------

    #[inline]
    fn sequence<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        limit: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, target)?;
        self.visit_sequence::<MARKERS, V>(count, start, limit, visitor)
    }

    /// A tuple, array or struct of `len` items: small and fixed, so worth inlining into the
    /// caller's visitor.
    ///
    /// The common case, a one-byte header announcing exactly `len` items, is read inline;
    /// every other header goes out of line. That keeps the inlined body small, and with
    /// the count a constant, LLVM folds the per-element counter checks of a derived
    /// visitor away.
    #[inline(always)]
    fn fixed<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if len < 16 {
            let start = self.read.offset();
            if self
                .read
                .take_if(WireType::Sequence as u8 | ((len as u8) << 3))
            {
                return self.visit_sequence_inline::<MARKERS, COMMON, V>(len, start, len, visitor);
            }
        }
        self.fixed_general::<MARKERS, V>(len, target, visitor)
    }

    /// [`Self::fixed`] with any other header: a multi-byte count, a count other than
    /// `len`, or not a sequence at all.
    #[inline(never)]
    fn fixed_general<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, target)?;
        self.visit_sequence_inline::<MARKERS, GENERAL, V>(count, start, len, visitor)
    }

    #[inline]
    fn visit_sequence<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        count: usize,
        start: u64,
        limit: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.visit_sequence_inline::<MARKERS, COMMON, V>(count, start, limit, visitor)
    }

    /// The body of [`Self::visit_sequence`], for the callers that want it inlined.
    #[inline(always)]
    fn visit_sequence_inline<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        count: usize,
        start: u64,
        limit: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.enter(start)?;
        // Without markers every element read is an item taken, so one counter does: the
        // items past `limit` are skipped afterwards.
        let (remaining, excess) = if MARKERS == REJECT {
            let visible = count.min(limit);
            (visible, count - visible)
        } else {
            (count, 0)
        };
        let mut access = SeqAccess::<R, MARKERS> {
            de: self,
            remaining,
            limit,
            hint: Cell::new(None),
        };
        let value = visitor
            .visit_seq(Inlined::<_, SITE>(&mut access))
            .map_err(|e: Error| e.or_offset(start))?;
        let rest = access.remaining + excess;
        let hint = access.hint;
        self.release(&hint);
        // Items the reader has no place for: fields added by a newer writer (SPEC §10).
        if rest > 0 {
            self.skip_items(rest)?;
        }
        self.leave();
        Ok(value)
    }

    /// A packed sequence (SPEC §12.2): a bytes item, or the plain sequence encoding.
    fn packed<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (tag, start) = self.tag()?;
        match WireType::from_tag(tag) {
            WireType::Bytes => {
                let bytes = self.bytes_after_tag(tag, start)?;
                match bytes {
                    Reference::Borrowed(b) => visitor.visit_borrowed_bytes(b),
                    Reference::Copied(b) => visitor.visit_bytes(b),
                }
                .map_err(|e: Error| e.or_offset(start))
            }
            WireType::Sequence => {
                let count = self.length(tag, start)?;
                self.visit_sequence::<REJECT, V>(count, start, usize::MAX, visitor)
            }
            _ => Err(self.mismatch(tag, start, "bytes or a sequence", "a packed sequence")),
        }
    }

    #[inline(always)]
    fn variant_header(&mut self, target: &'static str) -> Result<(u32, u64)> {
        let start = self.read.offset();
        match self.read.take_varint_item(WireType::Variant as u8) {
            Some(index) => match u32::try_from(index) {
                Ok(index) => Ok((index, start)),
                Err(_) => Err(variant_index_overflow(index, start)),
            },
            None => self.variant_header_slow(target),
        }
    }

    #[inline(never)]
    fn variant_header_slow(&mut self, target: &'static str) -> Result<(u32, u64)> {
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != WireType::Variant {
            return Err(self.mismatch(tag, start, VARIANT, target));
        }
        let index = self.varint(tag, start)?;
        let index = u32::try_from(index).map_err(|_| variant_index_overflow(index, start))?;
        Ok((index, start))
    }

    /// `deserialize_any` for an item whose tag has been read.
    fn any_after_tag<V: Visitor<'de>>(
        &mut self,
        tag: u8,
        start: u64,
        visitor: V,
    ) -> Result<V::Value> {
        match WireType::from_tag(tag) {
            WireType::Int => {
                let v = self
                    .read
                    .take_varint128(tag)
                    .map_err(|e: Error| e.or_offset(start))?;
                match u64::try_from(v) {
                    Ok(small) => visitor.visit_u64(small),
                    Err(_) => visitor.visit_u128(v),
                }
            }
            WireType::Fixed32 if tag == TAG_FIXED32 => {
                visitor.visit_f32(f32::from_le_bytes(self.array(start)?))
            }
            WireType::Fixed64 if tag == TAG_FIXED64 => {
                visitor.visit_f64(f64::from_le_bytes(self.array(start)?))
            }
            WireType::Sequence => {
                let count = self.length(tag, start)?;
                if self.lossless {
                    self.visit_sequence::<AS_VALUE, V>(count, start, usize::MAX, visitor)
                } else {
                    self.visit_sequence::<REJECT, V>(count, start, usize::MAX, visitor)
                }
            }
            WireType::Bytes => {
                let bytes = self.bytes_after_tag(tag, start)?;
                match bytes {
                    Reference::Borrowed(b) => match crate::text::from_utf8(b) {
                        Ok(s) => visitor.visit_borrowed_str(s),
                        Err(_) => visitor.visit_borrowed_bytes(b),
                    },
                    Reference::Copied(b) => match crate::text::from_utf8(b) {
                        Ok(s) => visitor.visit_str(s),
                        Err(_) => visitor.visit_bytes(b),
                    },
                }
            }
            WireType::Variant => {
                let index = self.varint(tag, start)?;
                let index = u32::try_from(index).map_err(|_| {
                    Error::with_message(
                        ErrorKind::IntegerOverflow,
                        Some(start),
                        format!("variant index {index} does not fit in u32"),
                    )
                })?;
                self.enter(start)?;
                let value = if self.lossless || index > 1 {
                    visitor.visit_enum(EnumAccess { de: self, index })
                } else if index == 0 {
                    // Through serde's generic buffering (untagged, flatten) a variant 0 is
                    // read as `None`, a variant 1 as `Some`: see the crate docs.
                    self.skip_item()?;
                    visitor.visit_none()
                } else {
                    visitor.visit_some(&mut *self)
                };
                self.leave();
                value.map_err(|e: Error| e.or_offset(start))
            }
            _ => Err(self.mismatch(tag, start, "any item", "deserialize_any")),
        }
    }
}

const INTEGER: &str = "an integer (wire type 0, 1 or 2)";
const SEQUENCE: &str = "a sequence (wire type 3)";
const BYTES: &str = "bytes (wire type 4)";
const VARIANT: &str = "a variant (wire type 5)";

#[cold]
fn too_deep(start: u64) -> Error {
    Error::new(
        ErrorKind::DepthExceeded,
        Some(start),
        "nesting deeper than the maximum depth",
    )
}

#[cold]
fn variant_index_overflow(index: u64, start: u64) -> Error {
    Error::with_message(
        ErrorKind::IntegerOverflow,
        Some(start),
        format!("variant index {index} does not fit in u32"),
    )
}

#[cold]
fn out_of_range(value: impl core::fmt::Display, target: &str, start: u64) -> Error {
    Error::with_message(
        ErrorKind::IntegerOverflow,
        Some(start),
        format!("integer {value} out of range for {target}"),
    )
}

macro_rules! narrow_int {
    ($method:ident, $visit:ident, $ty:ty, $read:ident) => {
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let (v, start) = self.$read(stringify!($ty))?;
            match <$ty>::try_from(v) {
                Ok(v) => visitor.$visit(v).map_err(|e: Error| e.or_offset(start)),
                Err(_) => Err(out_of_range(v, stringify!($ty), start)),
            }
        }
    };
}

impl<'de, R: Read<'de>> de::Deserializer<'de> for &mut Deserializer<R> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (tag, start) = self.tag()?;
        self.any_after_tag(tag, start, visitor)
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, start) = self.unsigned("bool")?;
        visitor
            .visit_bool(v != 0)
            .map_err(|e: Error| e.or_offset(start))
    }

    narrow_int!(deserialize_i8, visit_i8, i8, signed);
    narrow_int!(deserialize_i16, visit_i16, i16, signed);
    narrow_int!(deserialize_i32, visit_i32, i32, signed);
    narrow_int!(deserialize_u8, visit_u8, u8, unsigned);
    narrow_int!(deserialize_u16, visit_u16, u16, unsigned);
    narrow_int!(deserialize_u32, visit_u32, u32, unsigned);

    #[inline]
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, start) = self.signed("i64")?;
        visitor.visit_i64(v).map_err(|e: Error| e.or_offset(start))
    }

    #[inline]
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, start) = self.unsigned("u64")?;
        visitor.visit_u64(v).map_err(|e: Error| e.or_offset(start))
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i128(self.signed128()?)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u128(self.unsigned128()?)
    }

    #[inline(always)]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.read.take_tagged::<4>(TAG_FIXED32) {
            Some(bits) => visitor.visit_f32(f32::from_le_bytes(bits)),
            None => visitor.visit_f32(self.f32_slow()?),
        }
    }

    #[inline(always)]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.read.take_tagged::<8>(TAG_FIXED64) {
            Some(bits) => visitor.visit_f64(f64::from_le_bytes(bits)),
            None => visitor.visit_f64(self.float("f64")?.0),
        }
    }

    #[inline]
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, start) = self.unsigned("char")?;
        match u32::try_from(v).ok().and_then(char::from_u32) {
            Some(c) => visitor.visit_char(c),
            None => Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("{v:#x} is not a unicode scalar value, expected a char"),
            )),
        }
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let start = self.read.offset();
        match self.read.take_borrowed_bytes_item() {
            // Nothing but tail calls off the ASCII path: no stack frame where this is
            // outlined.
            Some(bytes) => match crate::text::ascii(bytes) {
                Some(s) if bytes.len() <= self.max_len => visitor
                    .visit_borrowed_str(s)
                    .map_err(|e: Error| e.or_offset(start)),
                _ => self.borrowed_str_slow(bytes, start, visitor),
            },
            None => self.str_general(visitor),
        }
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let start = self.read.offset();
        match self.read.take_borrowed_bytes_item() {
            Some(bytes) => {
                self.check_borrowed_len(bytes, start)?;
                visitor
                    .visit_borrowed_bytes(bytes)
                    .map_err(|e: Error| e.or_offset(start))
            }
            None => self.bytes_general(visitor),
        }
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // The offset is computed where it is needed: `None`, the common case, never is.
        if self.read.take_if(TAG_SOME) {
            let start = self.read.offset() - 1;
            self.enter(start)?;
            let value = visitor.visit_some(&mut *self);
            self.leave();
            return value;
        }
        // `None` as written: variant 0 and the unit body, `05 00` (a level of nesting,
        // so it too needs depth to spare).
        if self.depth_left > 0 && self.read.take_pair(WireType::Variant as u8, TAG_UNIT) {
            return visitor.visit_none();
        }
        let start = self.read.offset();
        self.option_slow(start, visitor)
    }

    #[inline]
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Any item reads as unit: that is how a field is deprecated (SPEC §10).
        self.skip_item()?;
        visitor.visit_unit()
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name.as_bytes().first() == Some(&b'$') {
            if name == VALUE_TOKEN {
                let outer = core::mem::replace(&mut self.lossless, true);
                let value = visitor.visit_newtype_struct(&mut *self);
                self.lossless = outer;
                return value;
            }
            if name == PACKED_TOKEN {
                return self.packed(visitor);
            }
        }
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.sequence::<REJECT, V>(usize::MAX, "a sequence", visitor)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        // Tuples and arrays are written by `SerializeTuple`, which cannot skip an element:
        // no absent marker can stand in them, so no element pays for looking for one.
        self.fixed::<REJECT, V>(len, "a tuple", visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.fixed::<AS_MISSING, V>(len, name, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, "a map")?;
        if count % 2 != 0 {
            return Err(Error::with_message(
                ErrorKind::InvalidValue,
                Some(start),
                format!("a map needs an even number of items, found {count}"),
            ));
        }
        self.enter(start)?;
        let mut access = MapAccess {
            de: self,
            remaining: count,
            hint: Cell::new(None),
        };
        let value = visitor
            .visit_map(Inlined(&mut access))
            .map_err(|e: Error| e.or_offset(start))?;
        let rest = access.remaining;
        let hint = access.hint;
        self.release(&hint);
        self.skip_items(rest)?;
        self.leave();
        Ok(value)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.fixed::<AS_MISSING, V>(fields.len(), name, visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (index, start) = self.variant_header(name)?;
        self.enter(start)?;
        let value = visitor
            .visit_enum(EnumAccess { de: self, index })
            .map_err(|e: Error| e.or_offset(start));
        self.leave();
        value
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Field names as map keys (flatten), indices, or a unit variant written as a tag
        // (adjacently tagged enums): its index is the identifier, its body is skipped.
        let (tag, start) = self.tag()?;
        if WireType::from_tag(tag) != WireType::Variant {
            return self.any_after_tag(tag, start, visitor);
        }
        let index = self.varint(tag, start)?;
        self.enter(start)?;
        self.skip_item()?;
        self.leave();
        visitor
            .visit_u64(index)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_item()?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

#[cold]
fn invalid_utf8(err: core::str::Utf8Error, start: u64) -> Error {
    Error::with_message(
        ErrorKind::InvalidUtf8,
        Some(start),
        format!(
            "invalid utf-8 at byte {} of the string, expected a string",
            err.valid_up_to()
        ),
    )
}

// How a sequence treats absent-field markers (SPEC §9), as a const parameter so the
// choice costs nothing per element.
/// Plain sequences, and `deserialize_any` outside of `Value`: the element read fails.
const REJECT: u8 = 0;
/// Structs and tuples: a marker reports the element as missing (`None`).
const AS_MISSING: u8 = 1;
/// `Value`: the marker is handed over as a value.
const AS_VALUE: u8 = 2;

struct SeqAccess<'a, R, const MARKERS: u8> {
    de: &'a mut Deserializer<R>,
    remaining: usize,
    limit: usize,
    hint: Cell<Option<usize>>,
}

impl<'de, R: Read<'de>, const MARKERS: u8> de::SeqAccess<'de> for SeqAccess<'_, R, MARKERS> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if MARKERS == REJECT {
            // `remaining` was capped at `limit` when the access was made.
            if self.remaining == 0 {
                return Ok(None);
            }
        } else {
            if self.remaining == 0 || self.limit == 0 {
                return Ok(None);
            }
            self.limit -= 1;
            if self.de.read.take_if(TAG_ABSENT) {
                return if MARKERS == AS_MISSING {
                    Ok(None)
                } else {
                    seed.deserialize(AbsentMarker).map(Some)
                };
            }
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        self.de.promise(self.remaining.min(self.limit), &self.hint)
    }
}

/// A sequence or map access handed to a visitor by value. serde's own impls for `&mut A`
/// are only `#[inline]`, and LLVM kept them as one call per field of a derived struct;
/// these are forced inline, so a field's read lands in the visitor's body.
///
/// `SITE` only tells call sites apart: [`Deserializer::fixed_general`] hands a visitor an
/// `Inlined<_, GENERAL>`, so the visitor's `visit_seq` for the common header is a separate
/// instance with a single caller. LLVM inlines such an instance almost whatever its size,
/// even with one codegen unit, and only inlined do the per-field counter checks fold away.
struct Inlined<'a, A, const SITE: u8 = COMMON>(&'a mut A);

/// [`Inlined`]'s default site.
const COMMON: u8 = 0;
/// [`Inlined`] as [`Deserializer::fixed_general`] builds it.
const GENERAL: u8 = 1;

impl<'de, A: de::SeqAccess<'de>, const SITE: u8> de::SeqAccess<'de> for Inlined<'_, A, SITE> {
    type Error = A::Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> core::result::Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(seed)
    }

    #[inline(always)]
    fn next_element<T: Deserialize<'de>>(&mut self) -> core::result::Result<Option<T>, A::Error> {
        self.0.next_element_seed(PhantomData)
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Inlined<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> core::result::Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> core::result::Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }

    #[inline(always)]
    fn next_key<K: Deserialize<'de>>(&mut self) -> core::result::Result<Option<K>, A::Error> {
        self.0.next_key_seed(PhantomData)
    }

    #[inline(always)]
    fn next_value<V: Deserialize<'de>>(&mut self) -> core::result::Result<V, A::Error> {
        self.0.next_value_seed(PhantomData)
    }

    #[inline(always)]
    fn next_entry<K: Deserialize<'de>, V: Deserialize<'de>>(
        &mut self,
    ) -> core::result::Result<Option<(K, V)>, A::Error> {
        match self.0.next_key_seed(PhantomData)? {
            Some(key) => Ok(Some((key, self.0.next_value_seed(PhantomData)?))),
            None => Ok(None),
        }
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct MapAccess<'a, R> {
    de: &'a mut Deserializer<R>,
    remaining: usize,
    hint: Cell<Option<usize>>,
}

impl<'de, R: Read<'de>> de::MapAccess<'de> for MapAccess<'_, R> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.remaining < 2 {
            return Ok(None);
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        if self.remaining == 0 {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                Some(self.de.read.offset()),
                "map value requested past the end of the map",
            ));
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        // An entry takes at least two bytes.
        self.de.promise(self.remaining / 2, &self.hint)
    }
}

struct EnumAccess<'a, R> {
    de: &'a mut Deserializer<R>,
    index: u32,
}

impl<'de, 'a, R: Read<'de>> de::EnumAccess<'de> for EnumAccess<'a, R> {
    type Error = Error;
    type Variant = Self;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let key = seed.deserialize(IntoDeserializer::<Error>::into_deserializer(self.index))?;
        Ok((key, self))
    }
}

impl<'de, R: Read<'de>> de::VariantAccess<'de> for EnumAccess<'_, R> {
    type Error = Error;

    #[inline]
    fn unit_variant(self) -> Result<()> {
        // The body of a unit variant is skipped whatever it is, so `#[serde(other)]` can
        // stand in for a newer variant of any kind. Usually it is the unit byte.
        if self.de.read.take_if(TAG_UNIT) {
            return Ok(());
        }
        self.de.skip_item()
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.de)
    }

    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.de
            .fixed::<AS_MISSING, V>(len, "a tuple variant", visitor)
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.de
            .fixed::<AS_MISSING, V>(fields.len(), "a struct variant", visitor)
    }
}

/// What a lossless view gets for an absent-field marker: a unit variant with a reserved key.
struct AbsentMarker;

impl<'de> de::Deserializer<'de> for AbsentMarker {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_enum(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::EnumAccess<'de> for AbsentMarker {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let key = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(
            ABSENT_TOKEN,
        ))?;
        Ok((key, self))
    }
}

impl<'de> de::VariantAccess<'de> for AbsentMarker {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::custom("an absent-field marker has no content"))
    }
}
