//! A cursor over the items of a message: tags, wire types, headers and byte offsets, read
//! without a Rust type, without allocating and without recursion.
//!
//! Section numbers (§) refer to `SPEC.md` in this crate. The walker applies the structural
//! rules of the format, and only those: a well-formed tag (§2, §12.3), varints of at most
//! 19 bytes and 128 bits (§3.4), fixed-width payloads (§4), sequence counts (§5), byte
//! lengths within the input (§6), variant discriminants that fit `u32` with exactly one body
//! item (§7), absent-field markers only inside sequences (§9) and the nesting depth (§11.1).
//! It accepts exactly the messages that decode into [`Value`](crate::Value), and fails on
//! the others at the same byte offset, with the same [`ErrorKind`]. What a value means is
//! left to the caller: strings are not checked for UTF-8, integers not range-checked.
//!
//! # How a walk goes
//!
//! * [`Walker::next_item`] returns the next item of the current level: its offset, tag and
//!   [`Header`]. A bytes item comes with its payload; a sequence or variant with its count
//!   or discriminant, its nested items still ahead.
//! * [`Walker::enter`] descends into the sequence or variant just returned. Its items are
//!   then returned one by one, and `next_item` returns `None` after the last one.
//!   [`Walker::leave`] goes back up, skipping whatever the caller did not read.
//! * A sequence or variant that is not entered is skipped (§8) by the next call, or at once
//!   with [`Walker::skip`]. Skipping checks the same rules, depth included.
//! * At the top level the walker reads one message (§1.1): after its root item `next_item`
//!   returns `None`, and [`Walker::end`] checks that no byte follows (§11.3). Messages
//!   written back to back are read with [`Walker::next_message`].
//!
//! Every level open at once takes one slot of a fixed array inside the walker, so nesting is
//! bounded by [`DEFAULT_MAX_DEPTH`] (128) unless [`Walker::with_max_depth`] lowers it. A
//! walker with room for more levels is named with its capacity:
//! `Walker::<'_, 1024>::with_capacity(bytes)`.
//!
//! An error ends the walk: the walker's state after one is unspecified (but never unsafe,
//! and no later call panics).
//!
//! # Examples
//!
//! Print every item of a message, indented by depth:
//!
//! ```
//! use evowire::walk::Walker;
//!
//! // (1u8, Some("hi")), as `evowire::to_vec` writes it.
//! let bytes = [0x13, 0x08, 0x0d, 0x14, b'h', b'i'];
//! let mut walker = Walker::new(&bytes);
//! let mut lines = Vec::new();
//! loop {
//!     let Some(item) = walker.next_item()? else {
//!         if walker.depth() == 0 {
//!             break;
//!         }
//!         walker.leave()?;
//!         continue;
//!     };
//!     let indent = "  ".repeat(walker.depth());
//!     lines.push(format!("{} {indent}{:?}", item.offset, item.header));
//!     if item.is_container() {
//!         walker.enter()?;
//!     }
//! }
//! walker.end()?;
//! assert_eq!(
//!     lines,
//!     [
//!         "0 Sequence(2)",
//!         "1   Int(1)",
//!         "2   Variant(1)",
//!         "3     Bytes([104, 105])",
//!     ]
//! );
//!
//! // A reserved tag inside the sequence: the error names it and its offset.
//! let mut walker = Walker::new(&[0x13, 0x08, 0x07]);
//! let err = walker.end().unwrap_err();
//! assert_eq!(err.kind(), evowire::ErrorKind::InvalidWireType);
//! assert_eq!(err.to_string(), "reserved tag 0x07 at byte offset 2");
//! # Ok::<(), evowire::Error>(())
//! ```

use alloc::format;
use core::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::options::DEFAULT_MAX_DEPTH;
use crate::read::varint_error;
use crate::wire::{self, WireType, TAG_ABSENT, TAG_FIXED32, TAG_FIXED64};

/// The number of levels a [`Walker`] has room for unless named otherwise.
const DEFAULT_LEVELS: usize = DEFAULT_MAX_DEPTH as usize;

/// One item as found in the input: where it starts, its tag byte and its header.
///
/// # Examples
///
/// ```
/// use evowire::walk::{Header, Walker};
/// use evowire::wire::WireType;
///
/// let mut walker = Walker::new(&[0xd0, 0xf3, 0x04]);
/// let item = walker.next_item()?.unwrap();
/// assert_eq!((item.offset, item.tag), (0, 0xd0));
/// assert_eq!(item.header, Header::Int(10042));
/// assert_eq!(item.wire_type(), WireType::Int);
/// # Ok::<(), evowire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    /// The byte offset of the tag, from the start of the input.
    pub offset: usize,
    /// The tag byte (§2).
    pub tag: u8,
    /// What the tag and the bytes after it say, up to the item's nested items.
    pub header: Header<'a>,
}

impl Item<'_> {
    /// The wire type of the tag (§2).
    pub fn wire_type(&self) -> WireType {
        WireType::from_tag(self.tag)
    }

    /// Whether items are nested in this one: a sequence (§5) or a variant (§7), which
    /// [`Walker::enter`] descends into.
    pub fn is_container(&self) -> bool {
        matches!(self.header, Header::Sequence(_) | Header::Variant(_))
    }
}

/// The header of an item: everything before its nested items, one case per wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header<'a> {
    /// Wire type 0 (§3): the varint's value, up to 128 bits. Signed integers hold their
    /// zig-zag code (§3.5), `bool`, `char` and unit their number (§3.6).
    Int(u128),
    /// Wire type 1 (§4): the four payload bytes, little-endian: an `f32`, or a `u32`/`i32`
    /// written fixed-width (§4.3).
    Fixed32([u8; 4]),
    /// Wire type 2 (§4): the eight payload bytes, little-endian.
    Fixed64([u8; 8]),
    /// Wire type 3 (§5): the item count. Absent-field markers among the items are not
    /// counted (§9). A map is a sequence of 2n items (§5.3).
    Sequence(u64),
    /// Wire type 4 (§6): the payload, borrowed from the input. A string's bytes are not
    /// checked for UTF-8.
    Bytes(&'a [u8]),
    /// Wire type 5 (§7): the discriminant. Exactly one item, the body, follows.
    Variant(u32),
    /// The absent-field marker `06` (§9). Returned only among the items of a sequence,
    /// where it stands before a counted item and is not counted itself.
    Absent,
}

impl Header<'_> {
    /// The wire type this header belongs to.
    pub fn wire_type(&self) -> WireType {
        match self {
            Header::Int(_) => WireType::Int,
            Header::Fixed32(_) => WireType::Fixed32,
            Header::Fixed64(_) => WireType::Fixed64,
            Header::Sequence(_) => WireType::Sequence,
            Header::Bytes(_) => WireType::Bytes,
            Header::Variant(_) => WireType::Variant,
            Header::Absent => WireType::Absent,
        }
    }
}

/// An open sequence or variant body: how many counted items it still holds, and whether
/// absent markers may stand among them (in sequences, not in a variant's body).
#[derive(Clone, Copy)]
struct Level {
    left: u64,
    markers: bool,
}

impl Level {
    const EMPTY: Level = Level {
        left: 0,
        markers: false,
    };
}

/// A sequence or variant returned by [`Walker::next_item`] and not entered yet.
#[derive(Clone, Copy)]
struct Pending {
    offset: usize,
    level: Level,
}

/// A cursor over the items of a byte slice; see the [module docs](self).
///
/// `LEVELS` is the room for open levels, and so the largest depth the walker can reach;
/// [`Walker::new`] gives [`DEFAULT_MAX_DEPTH`]. The walker never allocates and never
/// recurses: its size is about `16 × LEVELS` bytes.
pub struct Walker<'a, const LEVELS: usize = DEFAULT_LEVELS> {
    bytes: &'a [u8],
    pos: usize,
    /// Open levels: `levels[..depth]`.
    depth: usize,
    max_depth: usize,
    levels: [Level; LEVELS],
    pending: Option<Pending>,
    /// Whether the current message's root item has been read.
    root_read: bool,
}

impl<'a> Walker<'a> {
    /// A walker over the message in `bytes`, with the default depth bound
    /// [`DEFAULT_MAX_DEPTH`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut walker = evowire::walk::Walker::new(&[0x0b, 0x08]);
    /// walker.end()?; // one sequence of one integer: well-formed
    /// # Ok::<(), evowire::Error>(())
    /// ```
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self::with_capacity(bytes)
    }
}

impl<'a, const LEVELS: usize> Walker<'a, LEVELS> {
    /// A walker over the message in `bytes` with room for `LEVELS` open levels, which is
    /// also its depth bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::walk::Walker;
    /// let deep: Vec<u8> = [0x0b; 300].into_iter().chain([0x00]).collect();
    /// assert!(Walker::new(&deep).end().is_err());
    /// Walker::<'_, 300>::with_capacity(&deep).end()?;
    /// # Ok::<(), evowire::Error>(())
    /// ```
    pub const fn with_capacity(bytes: &'a [u8]) -> Self {
        Walker {
            bytes,
            pos: 0,
            depth: 0,
            max_depth: LEVELS,
            levels: [Level::EMPTY; LEVELS],
            pending: None,
            root_read: false,
        }
    }

    /// Sets the maximum nesting depth (§11.1), as
    /// [`DecodeOptions::with_max_depth`](crate::DecodeOptions::with_max_depth) does for the
    /// decoder. The walker's capacity `LEVELS` caps it.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::walk::Walker;
    /// let err = Walker::new(&[0x0b, 0x0b, 0x08]).with_max_depth(1).end().unwrap_err();
    /// assert_eq!(err.kind(), evowire::ErrorKind::DepthExceeded);
    /// assert_eq!(err.to_string(), "nesting deeper than 1 level at byte offset 1");
    /// ```
    pub fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = usize::try_from(max_depth).map_or(LEVELS, |d| d.min(LEVELS));
        self
    }

    /// The maximum nesting depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// How many sequences and variants are open: 0 at the top level.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The offset of the next byte to read, from the start of the input.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet. After a message's header items, this is where its
    /// remaining items start.
    pub fn remaining(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// The next item of the current level, or `None` once the level has no more: after
    /// the last counted item of a sequence, after a variant's body, and at the top level
    /// after the message's root item. A sequence or variant returned before and not
    /// entered is skipped first.
    ///
    /// Inside a sequence, absent-field markers (§9) are returned as [`Header::Absent`]
    /// items; they do not count against the sequence's count.
    ///
    /// # Errors
    ///
    /// * [`ErrorKind::UnexpectedEof`]: the input ends inside the item, or before the
    ///   level's last item; a byte length beyond the end of the input (§6.1, §11.3);
    /// * [`ErrorKind::InvalidWireType`]: a reserved tag (§12.3), or an absent marker
    ///   outside a sequence (§9.3);
    /// * [`ErrorKind::InvalidVarint`]: a varint longer than 19 bytes or wider than 128 bits
    ///   (§3.4);
    /// * [`ErrorKind::IntegerOverflow`]: a count or length above 2⁶⁴−1, or a discriminant
    ///   above 2³²−1 (§7.2);
    /// * [`ErrorKind::LengthOverflow`]: a count or length beyond `usize`;
    /// * [`ErrorKind::DepthExceeded`]: while skipping an item not entered.
    ///
    /// Each carries the offset of the tag of the item that failed (of the missing tag, for
    /// an input that ends between items).
    pub fn next_item(&mut self) -> Result<Option<Item<'a>>> {
        self.skip()?;
        self.next_in_level()
    }

    /// Descends into the sequence or variant that [`Walker::next_item`] just returned, if
    /// it was one and was not entered or skipped yet; otherwise does nothing.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DepthExceeded`] if the walker is already [`max_depth`](Self::max_depth)
    /// levels deep (§11.1), at the offset of the item entered.
    pub fn enter(&mut self) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        match self.levels.get_mut(self.depth) {
            Some(slot) if self.depth < self.max_depth => {
                *slot = pending.level;
                self.depth += 1;
                Ok(())
            }
            _ => Err(Error::with_message(
                ErrorKind::DepthExceeded,
                Some(pending.offset as u64),
                format!(
                    "nesting deeper than {} level{}",
                    self.max_depth,
                    if self.max_depth == 1 { "" } else { "s" }
                ),
            )),
        }
    }

    /// Goes back up one level, skipping the items of the current level that were not read
    /// (§8). Does nothing at the top level.
    ///
    /// # Errors
    ///
    /// As [`Walker::next_item`], for the items skipped.
    pub fn leave(&mut self) -> Result<()> {
        match self.depth.checked_sub(1) {
            Some(outer) => {
                self.skip()?;
                self.skip_to(outer)
            }
            None => Ok(()),
        }
    }

    /// Skips the nested items of the sequence or variant that [`Walker::next_item`] just
    /// returned, if it was not entered (§8); otherwise does nothing.
    ///
    /// # Errors
    ///
    /// As [`Walker::next_item`], for the items skipped, and [`ErrorKind::DepthExceeded`]
    /// as for [`Walker::enter`]: skipping obeys the depth bound.
    pub fn skip(&mut self) -> Result<()> {
        if self.pending.is_none() {
            return Ok(());
        }
        let outer = self.depth;
        self.enter()?;
        self.skip_to(outer)
    }

    /// Finishes the message: skips what is left of it (reading its root item first if that
    /// was not done) and checks that no byte follows it.
    ///
    /// # Errors
    ///
    /// As [`Walker::next_item`], for the items skipped, and [`ErrorKind::TrailingBytes`] at
    /// the first byte after the message (§11.3).
    pub fn end(&mut self) -> Result<()> {
        self.finish_message()?;
        if self.pos < self.bytes.len() {
            return Err(Error::new(
                ErrorKind::TrailingBytes,
                Some(self.pos as u64),
                "trailing bytes after the value",
            ));
        }
        Ok(())
    }

    /// Moves on to the next of several messages written back to back: finishes the current
    /// one if its root item was read (skipping what is left of it), then returns whether
    /// another message starts here (`false` at the end of the input).
    ///
    /// # Errors
    ///
    /// As [`Walker::next_item`], for the items skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire::walk::{Header, Walker};
    /// // Three messages: 1, [2, 3], "a".
    /// let bytes = [0x08, 0x13, 0x10, 0x18, 0x0c, b'a'];
    /// let mut walker = Walker::new(&bytes);
    /// let mut roots = Vec::new();
    /// while walker.next_message()? {
    ///     roots.push(walker.next_item()?.map(|item| item.header));
    /// }
    /// assert_eq!(
    ///     roots,
    ///     [Some(Header::Int(1)), Some(Header::Sequence(2)), Some(Header::Bytes(b"a"))]
    /// );
    /// # Ok::<(), evowire::Error>(())
    /// ```
    pub fn next_message(&mut self) -> Result<bool> {
        if self.root_read {
            self.finish_message()?;
            self.root_read = false;
        }
        Ok(self.pos < self.bytes.len())
    }

    /// Skips to the end of the current message, reading its root item if need be.
    fn finish_message(&mut self) -> Result<()> {
        self.skip()?;
        self.skip_to(0)?;
        if !self.root_read {
            self.next_in_level()?;
            self.skip()?;
        }
        Ok(())
    }

    /// Reads and skips items until only `outer` levels are open. No recursion: nested
    /// sequences and variants are entered, and left when their items are used up.
    fn skip_to(&mut self, outer: usize) -> Result<()> {
        while self.depth > outer {
            match self.next_in_level()? {
                Some(_) => self.enter()?,
                None => self.depth -= 1,
            }
        }
        Ok(())
    }

    /// [`Walker::next_item`] once nothing is pending.
    fn next_in_level(&mut self) -> Result<Option<Item<'a>>> {
        let markers = match self.depth.checked_sub(1) {
            None if self.root_read => return Ok(None),
            None => false,
            Some(inner) => match self.levels.get(inner) {
                Some(level) if level.left > 0 => level.markers,
                _ => return Ok(None),
            },
        };
        let item = self.header()?;
        match item.header {
            Header::Absent if markers => return Ok(Some(item)),
            Header::Absent => {
                return Err(Error::new(
                    ErrorKind::InvalidWireType,
                    Some(item.offset as u64),
                    "absent-field marker 0x06 outside a sequence",
                ))
            }
            Header::Sequence(count) => self.pend(item.offset, count, true),
            Header::Variant(_) => self.pend(item.offset, 1, false),
            _ => {}
        }
        match self.depth.checked_sub(1) {
            None => self.root_read = true,
            Some(inner) => {
                if let Some(level) = self.levels.get_mut(inner) {
                    level.left = level.left.saturating_sub(1);
                }
            }
        }
        Ok(Some(item))
    }

    fn pend(&mut self, offset: usize, left: u64, markers: bool) {
        self.pending = Some(Pending {
            offset,
            level: Level { left, markers },
        });
    }

    /// Reads one item's header at the current position (§2-§7, §9).
    fn header(&mut self) -> Result<Item<'a>> {
        let offset = self.pos;
        let Some(&tag) = self.bytes.get(offset) else {
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                Some(offset as u64),
                "unexpected end of input",
            ));
        };
        self.pos += 1;
        let header = match WireType::from_tag(tag) {
            WireType::Int => {
                let rest = self.remaining();
                let (value, used) = wire::take_varint128(tag, rest)
                    .map_err(|e| varint_error(e, "128 bits").or_offset(offset as u64))?;
                self.pos += used;
                Header::Int(value)
            }
            WireType::Fixed32 if tag == TAG_FIXED32 => Header::Fixed32(self.array(offset)?),
            WireType::Fixed64 if tag == TAG_FIXED64 => Header::Fixed64(self.array(offset)?),
            WireType::Sequence => Header::Sequence(self.length(tag, offset)? as u64),
            WireType::Bytes => {
                let len = self.length(tag, offset)?;
                Header::Bytes(self.take(len, offset)?)
            }
            WireType::Variant => {
                let index = self.varint64(tag, offset)?;
                Header::Variant(u32::try_from(index).map_err(|_| {
                    Error::with_message(
                        ErrorKind::IntegerOverflow,
                        Some(offset as u64),
                        format!("variant index {index} does not fit in u32"),
                    )
                })?)
            }
            WireType::Absent if tag == TAG_ABSENT => Header::Absent,
            _ => {
                return Err(Error::with_message(
                    ErrorKind::InvalidWireType,
                    Some(offset as u64),
                    format!("reserved tag 0x{tag:02x}"),
                ))
            }
        };
        Ok(Item {
            offset,
            tag,
            header,
        })
    }

    /// The rest of a 64-bit varint: a count, length or discriminant (§3.4, §11.3).
    fn varint64(&mut self, tag: u8, offset: usize) -> Result<u64> {
        let (value, used) = wire::take_varint(tag, self.remaining())
            .map_err(|e| varint_error(e, "64 bits").or_offset(offset as u64))?;
        self.pos += used;
        Ok(value)
    }

    /// A count or byte length, which must also fit `usize` (§8).
    fn length(&mut self, tag: u8, offset: usize) -> Result<usize> {
        let len = self.varint64(tag, offset)?;
        usize::try_from(len).map_err(|_| {
            Error::with_message(
                ErrorKind::LengthOverflow,
                Some(offset as u64),
                format!("length {len} does not fit in usize"),
            )
        })
    }

    /// The next `len` bytes, which must all be there.
    fn take(&mut self, len: usize, offset: usize) -> Result<&'a [u8]> {
        let rest = self.remaining();
        match rest.get(..len) {
            Some(taken) => {
                self.pos += len;
                Ok(taken)
            }
            None => Err(Error::with_message(
                ErrorKind::UnexpectedEof,
                Some(offset as u64),
                format!(
                    "unexpected end of input: item needs {len} more bytes, {} left",
                    rest.len()
                ),
            )),
        }
    }

    fn array<const N: usize>(&mut self, offset: usize) -> Result<[u8; N]> {
        let taken = self.take(N, offset)?;
        let mut out = [0u8; N];
        out.copy_from_slice(taken);
        Ok(out)
    }
}

impl<const LEVELS: usize> fmt::Debug for Walker<'_, LEVELS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walker")
            .field("offset", &self.pos)
            .field("len", &self.bytes.len())
            .field("depth", &self.depth)
            .field("max_depth", &self.max_depth)
            .finish()
    }
}
