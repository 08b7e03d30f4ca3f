//! The common header path: tags, varints, length prefixes and nesting, numbers, strings and
//! bytes, and the errors they raise.

use alloc::format;

use serde::de::Visitor;

use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::read::{Read, Reference};
use crate::wire::{self, WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64};

impl<'de, R: Read<'de>> Deserializer<R> {
    #[inline(always)]
    pub(super) fn tag(&mut self) -> Result<(u8, u64)> {
        let start = self.read.offset();
        match self.read.next_byte() {
            Ok(tag) => Ok((tag, start)),
            Err(e) => Err(e.or_offset(start)),
        }
    }

    #[inline(always)]
    pub(super) fn varint(&mut self, tag: u8, start: u64) -> Result<u64> {
        self.read
            .take_varint(tag)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[inline(always)]
    pub(super) fn array<const N: usize>(&mut self, start: u64) -> Result<[u8; N]> {
        self.read
            .take_array::<N>()
            .map_err(|e: Error| e.or_offset(start))
    }

    /// Reads a length prefix (item count or byte count) and checks it against the limit.
    /// Nothing is allocated from it: a slice refuses a byte count beyond its end, and a
    /// sequence's items are read (each at least one byte) before any memory is committed.
    #[inline(always)]
    pub(super) fn length(&mut self, tag: u8, start: u64) -> Result<usize> {
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

    /// Takes one level of nesting for a compound starting at `start`, or fails at the limit.
    #[inline(always)]
    pub(super) fn enter(&mut self, start: impl Start) -> Result<()> {
        // One subtraction both tests and takes the level.
        match self.depth_left.checked_sub(1) {
            Some(left) => {
                self.depth_left = left;
                Ok(())
            }
            None => Err(too_deep(start.offset(&self.read))),
        }
    }

    /// Fails as [`Self::enter`] would at the depth limit, without taking a level: for a
    /// variant, whose body takes the level only where it is more than the unit byte.
    #[inline(always)]
    pub(super) fn can_enter(&self, start: impl Start) -> Result<()> {
        if self.depth_left == 0 {
            return Err(too_deep(start.offset(&self.read)));
        }
        Ok(())
    }

    #[inline]
    pub(super) fn leave(&mut self) {
        self.depth_left += 1;
    }

    /// Reads an integer of any integer wire type as raw unsigned bits, for unsigned targets.
    /// `FIELD`: the item is a struct field, which an absent-field marker may stand for.
    #[inline(always)]
    pub(super) fn unsigned<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<(u64, Mark)> {
        // The offset is worked out only if an error needs it.
        let start = Mark(self.read.mark());
        match self.read.take_varint_item(WireType::Int as u8) {
            Some(v) => Ok((v, start)),
            None => self.unsigned_slow::<FIELD>(target),
        }
    }

    #[inline(never)]
    fn unsigned_slow<const FIELD: bool>(&mut self, target: &'static str) -> Result<(u64, Mark)> {
        let mark = Mark(self.read.mark());
        self.absent_field(FIELD)?;
        let (tag, start) = self.tag()?;
        let v = match tag & 7 {
            0 => self.varint(tag, start)?,
            1 if tag == TAG_FIXED32 => u64::from(u32::from_le_bytes(self.array(start)?)),
            2 if tag == TAG_FIXED64 => u64::from_le_bytes(self.array(start)?),
            _ => return Err(self.mismatch(tag, start, INTEGER, target)),
        };
        Ok((v, mark))
    }

    /// Reads an integer for signed targets: zig-zag varints, two's complement fixed.
    #[inline(always)]
    pub(super) fn signed<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<(i64, Mark)> {
        let start = Mark(self.read.mark());
        match self.read.take_varint_item(WireType::Int as u8) {
            Some(v) => Ok((wire::zigzag_decode(v), start)),
            None => self.signed_slow::<FIELD>(target),
        }
    }

    #[inline(never)]
    fn signed_slow<const FIELD: bool>(&mut self, target: &'static str) -> Result<(i64, Mark)> {
        let mark = Mark(self.read.mark());
        self.absent_field(FIELD)?;
        let (tag, start) = self.tag()?;
        let v = match tag & 7 {
            0 => wire::zigzag_decode(self.varint(tag, start)?),
            1 if tag == TAG_FIXED32 => i64::from(i32::from_le_bytes(self.array(start)?)),
            2 if tag == TAG_FIXED64 => i64::from_le_bytes(self.array(start)?),
            _ => return Err(self.mismatch(tag, start, INTEGER, target)),
        };
        Ok((v, mark))
    }

    #[inline]
    pub(super) fn unsigned128(&mut self) -> Result<u128> {
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
    pub(super) fn signed128(&mut self) -> Result<i128> {
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
    pub(super) fn float<const FIELD: bool>(
        &mut self,
        target: &'static str,
    ) -> Result<(f64, Option<f32>)> {
        self.absent_field(FIELD)?;
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
    pub(super) fn f32_slow<const FIELD: bool>(&mut self) -> Result<f32> {
        let (wide, narrow) = self.float::<FIELD>("f32")?;
        Ok(narrow.unwrap_or(wide as f32))
    }

    /// Reads the header of an item of wire type `expected` and returns its varint.
    #[inline(always)]
    pub(super) fn header(
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
    pub(super) fn check_borrowed_len(&self, bytes: &[u8], start: u64) -> Result<()> {
        if bytes.len() > self.max_len {
            return Err(self.length_error(bytes.len() as u64, start));
        }
        Ok(())
    }

    /// A string taken whole from a slice that is not ASCII or is over the length limit.
    #[inline(never)]
    pub(super) fn borrowed_str_slow<V: Visitor<'de>>(
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
    pub(super) fn str_general<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        self.absent_field(FIELD)?;
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
    pub(super) fn bytes_general<const FIELD: bool, V: Visitor<'de>>(
        &mut self,
        visitor: V,
    ) -> Result<V::Value> {
        self.absent_field(FIELD)?;
        let (bytes, start) = self.bytes_item("bytes")?;
        match bytes {
            Reference::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Reference::Copied(b) => visitor.visit_bytes(b),
        }
        .map_err(|e: Error| e.or_offset(start))
    }

    /// The content of a bytes item whose tag (at `start`) has been read.
    #[inline(always)]
    pub(super) fn bytes_after_tag(&mut self, tag: u8, start: u64) -> Result<Reference<'de, '_>> {
        let len = self.length(tag, start)?;
        self.read
            .take_bytes(len, &mut self.scratch)
            .map_err(|e: Error| e.or_offset(start))
    }

    #[cold]
    pub(super) fn mismatch(&self, tag: u8, start: u64, expected: &str, target: &str) -> Error {
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
}

/// Where an item starts: its offset, or a [`Mark`] turned into one only where an error
/// needs it.
pub(super) trait Start: Copy {
    fn offset<'de, R: Read<'de>>(self, read: &R) -> u64;
}

impl Start for u64 {
    #[inline(always)]
    fn offset<'de, R: Read<'de>>(self, _read: &R) -> u64 {
        self
    }
}

/// A position taken with [`Read::mark`].
#[derive(Clone, Copy)]
pub(super) struct Mark(pub(super) u64);

impl Start for Mark {
    #[inline(always)]
    fn offset<'de, R: Read<'de>>(self, read: &R) -> u64 {
        read.offset_at(self.0)
    }
}

const INTEGER: &str = "an integer (wire type 0, 1 or 2)";
pub(super) const SEQUENCE: &str = "a sequence (wire type 3)";
const BYTES: &str = "bytes (wire type 4)";
pub(super) const VARIANT: &str = "a variant (wire type 5)";

#[cold]
fn too_deep(start: u64) -> Error {
    Error::new(
        ErrorKind::DepthExceeded,
        Some(start),
        "nesting deeper than the maximum depth",
    )
}

/// `err` with the offset `offset` where it has none: out of line, for the error path of an
/// inlined read.
#[cold]
#[inline(never)]
pub(super) fn at(err: Error, offset: u64) -> Error {
    err.or_offset(offset)
}

#[cold]
pub(super) fn out_of_range(value: impl core::fmt::Display, target: &str, start: u64) -> Error {
    Error::with_message(
        ErrorKind::IntegerOverflow,
        Some(start),
        format!("integer {value} out of range for {target}"),
    )
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
