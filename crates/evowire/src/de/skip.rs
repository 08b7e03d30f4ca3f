//! Skipping items of any type (SPEC §8): unknown fields, unit bodies, deprecated fields.

use super::Deserializer;
use crate::error::{Error, Result};
use crate::read::Read;
use crate::wire::{WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64};

impl<'de, R: Read<'de>> Deserializer<R> {
    /// Skips one item of any type, checking it is well-formed (SPEC §8).
    #[inline]
    pub(super) fn skip_item(&mut self) -> Result<()> {
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
                // Discriminants fit `u32` wherever they are read (SPEC §7.2), skipped too.
                let index = self.varint(tag, start)?;
                if index > u64::from(u32::MAX) {
                    return Err(super::enums::variant_index_overflow(index, start));
                }
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
    pub(super) fn skip_items(&mut self, mut count: usize) -> Result<()> {
        while count > 0 {
            let (tag, start) = self.tag()?;
            if tag != TAG_ABSENT {
                self.skip_after_tag(tag, start)?;
                count -= 1;
            }
        }
        Ok(())
    }
}
