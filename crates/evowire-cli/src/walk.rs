//! A cursor over the items of a message, built on `evowire::wire`, that keeps byte offsets.
//!
//! It applies the decoder's structural rules (SPEC §3.4, §8, §11): varints of at most 19
//! bytes, exact fixed-width tags, lengths within the input, the absent marker only inside
//! sequences, variant indices within `u32`, and `evowire::DEFAULT_MAX_DEPTH` levels of
//! sequences and variants.

use std::fmt;

use evowire::wire::{self, VarintError, WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64};

/// One item's header: its tag and whatever fits before its nested items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    Int(u128),
    Fixed32([u8; 4]),
    Fixed64([u8; 8]),
    /// A sequence and its item count (absent markers not counted).
    Seq(u64),
    Bytes(&'a [u8]),
    /// A variant and its index; exactly one item (the body) follows.
    Variant(u32),
    /// The absent-field marker `06`.
    Absent,
}

impl Item<'_> {
    pub fn wire(&self) -> WireType {
        match self {
            Item::Int(_) => WireType::Int,
            Item::Fixed32(_) => WireType::Fixed32,
            Item::Fixed64(_) => WireType::Fixed64,
            Item::Seq(_) => WireType::Sequence,
            Item::Bytes(_) => WireType::Bytes,
            Item::Variant(_) => WireType::Variant,
            Item::Absent => WireType::Absent,
        }
    }

    /// "bytes (wire type 4)", for messages.
    pub fn describe(&self) -> String {
        let wire = self.wire();
        format!("{} (wire type {})", wire.name(), wire as u8)
    }
}

/// An item header and where its tag is.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub offset: usize,
    pub item: Item<'a>,
}

/// Why the walk stopped: what, and the offset of the item's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub offset: usize,
    pub message: String,
}

impl WalkError {
    pub fn new(offset: usize, message: impl Into<String>) -> Self {
        WalkError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.message, self.offset)
    }
}

pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
    max_depth: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor {
            bytes,
            pos: 0,
            depth: 0,
            max_depth: evowire::DEFAULT_MAX_DEPTH,
        }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Whether the next byte is the absent-field marker.
    pub fn at_absent(&self) -> bool {
        self.bytes.get(self.pos) == Some(&TAG_ABSENT)
    }

    /// Consumes an absent-field marker (after [`Cursor::at_absent`]).
    pub fn take_absent(&mut self) -> usize {
        debug_assert!(self.at_absent());
        self.pos += 1;
        self.pos - 1
    }

    fn take(&mut self, n: usize, offset: usize) -> Result<&'a [u8], WalkError> {
        if self.remaining() < n {
            return Err(WalkError::new(offset, "unexpected end of input"));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn varint64(&mut self, tag: u8, offset: usize) -> Result<u64, WalkError> {
        let rest = &self.bytes[self.pos..];
        let (value, used) = wire::take_varint(tag, rest).map_err(|e| varint_error(e, offset))?;
        self.pos += used;
        Ok(value)
    }

    /// Reads the next item's header (and a bytes item's payload).
    pub fn head(&mut self) -> Result<Head<'a>, WalkError> {
        let offset = self.pos;
        let tag = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| WalkError::new(offset, "unexpected end of input"))?;
        self.pos += 1;
        let item = match WireType::from_tag(tag) {
            WireType::Int => {
                let rest = &self.bytes[self.pos..];
                let (value, used) =
                    wire::take_varint128(tag, rest).map_err(|e| varint_error(e, offset))?;
                self.pos += used;
                Item::Int(value)
            }
            WireType::Fixed32 if tag == TAG_FIXED32 => {
                let b = self.take(4, offset)?;
                Item::Fixed32([b[0], b[1], b[2], b[3]])
            }
            WireType::Fixed64 if tag == TAG_FIXED64 => {
                let b = self.take(8, offset)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Item::Fixed64(a)
            }
            WireType::Sequence => Item::Seq(self.varint64(tag, offset)?),
            WireType::Bytes => {
                let len = self.varint64(tag, offset)?;
                let len = usize::try_from(len)
                    .map_err(|_| WalkError::new(offset, "length does not fit in memory"))?;
                Item::Bytes(self.take(len, offset)?)
            }
            WireType::Variant => {
                let index = self.varint64(tag, offset)?;
                let index = u32::try_from(index)
                    .map_err(|_| WalkError::new(offset, "variant index out of range"))?;
                Item::Variant(index)
            }
            WireType::Absent if tag == TAG_ABSENT => Item::Absent,
            _ => {
                self.pos = offset;
                return Err(WalkError::new(
                    offset,
                    format!("invalid tag byte 0x{tag:02x} (reserved)"),
                ));
            }
        };
        Ok(Head { offset, item })
    }

    /// Enters a sequence or variant opened at `offset`: one more nesting level.
    pub fn enter(&mut self, offset: usize) -> Result<(), WalkError> {
        if self.depth >= self.max_depth {
            return Err(WalkError::new(
                offset,
                format!("nesting deeper than {} levels", self.max_depth),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips one item, as a reader skips unknown data (SPEC §8).
    pub fn skip(&mut self) -> Result<(), WalkError> {
        let head = self.head()?;
        match head.item {
            Item::Seq(count) => {
                self.enter(head.offset)?;
                self.skip_items(count)?;
                self.leave();
            }
            Item::Variant(_) => {
                self.enter(head.offset)?;
                self.skip()?;
                self.leave();
            }
            Item::Absent => {
                return Err(WalkError::new(
                    head.offset,
                    "absent-field marker outside a struct",
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// Skips `count` items of a sequence, with any absent markers among them.
    pub fn skip_items(&mut self, mut count: u64) -> Result<(), WalkError> {
        while count > 0 {
            if self.at_absent() {
                self.take_absent();
                continue;
            }
            self.skip()?;
            count -= 1;
        }
        Ok(())
    }
}

fn varint_error(e: VarintError, offset: usize) -> WalkError {
    WalkError::new(
        offset,
        match e {
            VarintError::Eof => "unexpected end of input",
            VarintError::Invalid => "invalid varint",
            VarintError::Overflow => "integer out of range",
        },
    )
}

/// The decoder's own description of what is wrong with a malformed message, which carries
/// its exact wording; `None` if the decoder accepts the bytes as one item.
pub fn library_error(bytes: &[u8]) -> Option<evowire::Error> {
    evowire::from_slice::<evowire::Value>(bytes).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks a whole message the way `dump` does: every item, markers inside sequences.
    fn walk(bytes: &[u8]) -> Result<(), WalkError> {
        fn item(c: &mut Cursor<'_>) -> Result<(), WalkError> {
            let head = c.head()?;
            match head.item {
                Item::Seq(n) => {
                    c.enter(head.offset)?;
                    for _ in 0..n {
                        while c.at_absent() {
                            c.take_absent();
                        }
                        item(c)?;
                    }
                    c.leave();
                }
                Item::Variant(_) => {
                    c.enter(head.offset)?;
                    item(c)?;
                    c.leave();
                }
                Item::Absent => return Err(WalkError::new(head.offset, "marker")),
                _ => {}
            }
            Ok(())
        }
        let mut c = Cursor::new(bytes);
        item(&mut c)?;
        if c.remaining() > 0 {
            return Err(WalkError::new(c.offset(), "trailing bytes"));
        }
        Ok(())
    }

    fn samples() -> Vec<Vec<u8>> {
        #[derive(serde::Serialize)]
        struct S {
            a: u8,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u8>,
            c: (String, Vec<i64>, f32, f64),
            d: Option<Option<u128>>,
            e: std::collections::BTreeMap<u8, bool>,
        }
        let s = S {
            a: 200,
            b: None,
            c: ("héllo".into(), vec![-1, i64::MIN], 1.5, -0.0),
            d: Some(Some(u128::MAX)),
            e: [(1, true), (2, false)].into(),
        };
        vec![
            evowire::to_vec(&s).unwrap(),
            [0x0b; 130].iter().copied().chain([0x00]).collect(),
            [0x0d; 127].iter().copied().chain([0x00]).collect(),
            vec![0x13, 0x08, 0x06, 0x18],
            vec![0x84, 0x01, 0x61],
            vec![0x01, 0x00, 0x00, 0xc0, 0x3f],
            vec![0x09, 0x01, 0x00, 0x00, 0x00],
            vec![0xf5, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00],
            vec![0x80; 20],
        ]
    }

    /// The cursor accepts exactly what the decoder accepts, and stops at the same offset.
    #[test]
    fn agrees_with_the_decoder_on_every_prefix_and_mutation() {
        let mut inputs = Vec::new();
        for s in samples() {
            for end in 0..=s.len() {
                inputs.push(s[..end].to_vec());
            }
            for i in 0..s.len() {
                for b in [0x00, 0x06, 0x07, 0x0e, 0x80, 0xff, 0x0b, 0x05] {
                    let mut m = s.clone();
                    m[i] = b;
                    inputs.push(m);
                }
            }
        }
        for input in inputs {
            let ours = walk(&input);
            let theirs = library_error(&input);
            match (&ours, &theirs) {
                (Ok(()), None) => {}
                (Err(a), Some(b)) => assert_eq!(
                    Some(a.offset as u64),
                    b.offset(),
                    "offsets differ for {input:02x?}: {a} vs {b}"
                ),
                _ => panic!("disagree on {input:02x?}: {ours:?} vs {theirs:?}"),
            }
        }
    }
}
