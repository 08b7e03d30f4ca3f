//! The datagram header (`docs/PROTOCOL.md` §9.2): layout, writing and checking.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "EVOD"
//!      4     1  datagram format version (1)
//!      5     3  reserved, sent as zero, ignored
//!      8     4  protocol tag: FNV-1a (32 bit) of the protocol name, big-endian
//!     12     4  major version of the application protocol, big-endian
//!     16     4  stream id: chosen by the sender per destination, big-endian
//!     20     8  sequence number within the stream, big-endian
//!     28     …  payload: the evowire encoding of one value
//! ```

use crate::options::Protocol;

/// The four bytes every datagram starts with, ASCII `EVOD`.
pub const MAGIC: [u8; 4] = *b"EVOD";

/// The version of the datagram format described here.
pub const VERSION: u8 = 1;

/// Bytes of the header in front of every payload.
pub const HEADER_LEN: usize = 28;

const VERSION_AT: usize = 4;
const TAG_AT: usize = 8;
const MAJOR_AT: usize = 12;
const STREAM_AT: usize = 16;
const SEQ_AT: usize = 20;

/// The 32-bit FNV-1a hash of `name`: the protocol tag of the header.
pub(crate) fn protocol_tag(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// What a sending or receiving socket puts into and expects from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) tag: u32,
    pub(crate) major: u32,
}

impl Identity {
    pub(crate) fn of(protocol: &Protocol) -> Identity {
        Identity {
            tag: protocol_tag(protocol.name()),
            major: protocol.major(),
        }
    }
}

/// The per-datagram part of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) stream: u32,
    pub(crate) seq: u64,
}

/// Why a datagram's header is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not starting with the magic.
    NotEvowire,
    /// The magic, then fewer bytes than a header.
    Truncated,
    /// Another datagram format version.
    Version(u8),
    /// Another protocol name.
    Protocol(u32),
    /// Another major version.
    Major(u32),
}

/// Appends the header with an unset position (see [`set_position`]).
pub(crate) fn put_header(dst: &mut Vec<u8>, id: Identity) {
    dst.extend_from_slice(&MAGIC);
    dst.extend_from_slice(&[VERSION, 0, 0, 0]);
    dst.extend_from_slice(&id.tag.to_be_bytes());
    dst.extend_from_slice(&id.major.to_be_bytes());
    dst.extend_from_slice(&[0; HEADER_LEN - STREAM_AT]);
}

/// Writes the stream id and sequence number into a header written by [`put_header`].
pub(crate) fn set_position(datagram: &mut [u8], pos: Position) {
    if let Some(field) = datagram.get_mut(STREAM_AT..SEQ_AT) {
        field.copy_from_slice(&pos.stream.to_be_bytes());
    }
    if let Some(field) = datagram.get_mut(SEQ_AT..HEADER_LEN) {
        field.copy_from_slice(&pos.seq.to_be_bytes());
    }
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.first_chunk::<4>())
        .map_or(0, |b| u32::from_be_bytes(*b))
}

/// Checks a received datagram's header against `ours`: returns the position and the
/// payload, or why the datagram is refused.
pub(crate) fn check(datagram: &[u8], ours: Identity) -> Result<(Position, &[u8]), Refusal> {
    if datagram.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(Refusal::NotEvowire);
    }
    match datagram.get(VERSION_AT) {
        None => return Err(Refusal::Truncated),
        Some(&VERSION) => {}
        Some(&other) => return Err(Refusal::Version(other)),
    }
    let Some((header, payload)) = datagram.split_first_chunk::<HEADER_LEN>() else {
        return Err(Refusal::Truncated);
    };
    let tag = be_u32(header, TAG_AT);
    if tag != ours.tag {
        return Err(Refusal::Protocol(tag));
    }
    let major = be_u32(header, MAJOR_AT);
    if major != ours.major {
        return Err(Refusal::Major(major));
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&header[SEQ_AT..HEADER_LEN]);
    let pos = Position {
        stream: be_u32(header, STREAM_AT),
        seq: u64::from_be_bytes(seq),
    };
    Ok((pos, payload))
}
