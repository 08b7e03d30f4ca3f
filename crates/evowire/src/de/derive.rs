//! The decoder side of the experimental derive (`crate::__derive`): the common, canonical
//! form of a struct, array, sequence, `Option` or unit variant read in place; everything else
//! handed to the serde path, which applies every rule of SPEC §9-§11.

use core::cell::Cell;

use super::Deserializer;
use crate::error::Result;
use crate::read::{Read, SliceRead};
use crate::wire::{WireType, TAG_ABSENT, TAG_FIXED32, TAG_SOME, TAG_UNIT};

/// Where a struct read in place started: enough to start it again on the serde path.
#[derive(Clone, Copy)]
pub struct Mark<'de> {
    rest: &'de [u8],
    start: u64,
}

impl<'de> Deserializer<SliceRead<'de>> {
    /// Takes a one-byte header announcing exactly `len` items and enters a level of
    /// nesting, if the input starts with one and depth is left; otherwise takes nothing.
    #[inline(always)]
    pub(crate) fn derive_begin(&mut self, len: usize) -> Option<Mark<'de>> {
        if len >= 16 || self.depth_left == 0 {
            return None;
        }
        let rest = self.read.remaining();
        let start = self.read.offset();
        if !self
            .read
            .take_if(WireType::Sequence as u8 | ((len as u8) << 3))
        {
            return None;
        }
        self.depth_left -= 1;
        Some(Mark { rest, start })
    }

    /// Takes a header announcing `N` items (`N` < 16) and `N` fixed32 items after it, if
    /// the input starts with them and a level of nesting is left (the run enters and
    /// leaves one, as the serde path does).
    #[inline(always)]
    pub(crate) fn derive_run32<const N: usize>(&mut self) -> Option<[[u8; 4]; N]> {
        if N >= 16 || self.depth_left == 0 {
            return None;
        }
        let rest = self.read.remaining();
        let (head, items) = rest.split_first()?;
        if *head != WireType::Sequence as u8 | ((N as u8) << 3) || items.len() < 5 * N {
            return None;
        }
        let mut out = [[0u8; 4]; N];
        for (slot, item) in out.iter_mut().zip(items.chunks_exact(5)) {
            let (&tag, bits) = item.split_first()?;
            if tag != TAG_FIXED32 {
                return None;
            }
            *slot = bits.try_into().ok()?;
        }
        self.read.rewind(items.get(5 * N..)?);
        Some(out)
    }

    /// Leaves the level [`Self::derive_begin`] entered.
    #[inline(always)]
    pub(crate) fn derive_end(&mut self) {
        self.leave();
    }

    /// Whether the next item is an absent-field marker (SPEC §9). Takes nothing.
    #[inline(always)]
    pub(crate) fn derive_absent_next(&mut self) -> bool {
        self.read.remaining().first() == Some(&TAG_ABSENT)
    }

    /// Goes back to `mark`, undoing [`Self::derive_begin`], so that the serde path can read
    /// the item from its start.
    #[cold]
    pub(crate) fn derive_rewind(&mut self, mark: Mark<'de>) {
        self.read.rewind(mark.rest);
        self.leave();
    }

    /// The offset of the item at `mark`, for errors raised inside it.
    #[inline(always)]
    pub(crate) fn derive_start(mark: &Mark<'de>) -> u64 {
        mark.start
    }

    /// Takes `05 00`-style unit variants: a variant tag with an index below `count` and a
    /// unit body. Enters and leaves a level of nesting as the serde path does, so it needs
    /// depth to spare.
    #[inline(always)]
    pub(crate) fn derive_unit_variant(&mut self, count: u32) -> Option<u32> {
        if self.depth_left == 0 {
            return None;
        }
        let [tag, body] = *self.read.remaining().first_chunk::<2>()?;
        let index = u32::from(tag >> 3);
        if tag & 0x87 != WireType::Variant as u8 || body != TAG_UNIT || index >= count {
            return None;
        }
        self.read.rewind(self.read.remaining().get(2..)?);
        Some(index)
    }

    /// Takes the `Some` tag and enters a level of nesting, if both can be done.
    #[inline(always)]
    pub(crate) fn derive_some(&mut self) -> bool {
        if self.depth_left == 0 || !self.read.take_if(TAG_SOME) {
            return false;
        }
        self.depth_left -= 1;
        true
    }

    /// Reads a sequence header, enters a level, and returns the count with the capacity
    /// to preallocate (bounded as for serde's `Vec` visitor).
    #[inline]
    pub(crate) fn derive_seq_begin(&mut self) -> Result<(usize, usize, Cell<Option<usize>>)> {
        let (count, start) =
            self.header(WireType::Sequence, super::header::SEQUENCE, "a sequence")?;
        self.enter(start)?;
        let hint = Cell::new(None);
        let capacity = self.promise(count, &hint).unwrap_or(0);
        Ok((count, capacity, hint))
    }

    /// Ends what [`Self::derive_seq_begin`] started.
    #[inline]
    pub(crate) fn derive_seq_end(&mut self, hint: &Cell<Option<usize>>) {
        self.release(hint);
        self.leave();
    }
}
