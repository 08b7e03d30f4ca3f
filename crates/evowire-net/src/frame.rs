//! Length-prefixed framing and the connection envelope (`docs/PROTOCOL.md` §2 and §4).
//!
//! A frame is a 4-byte big-endian payload length followed by the payload. On a
//! [`Connection`](crate::Connection) the payload is the evowire encoding of
//!
//! ```text
//! enum Frame<T> {
//!     Message(T),          // 0
//!     Request(u64, T),     // 1
//!     Response(u64, T),    // 2
//!     Error(u64, String),  // 3
//!     Close,               // 4
//!     Ping(u64),           // 5
//!     Pong(u64),           // 6
//! }
//! ```
//!
//! The envelope header is written and read by hand with [`evowire::wire`] so that the body
//! `T` can be encoded straight into the output buffer and decoded later, by whoever knows
//! its type, from a zero-copy [`Bytes`] slice of the read buffer.
//!
//! This module owns the layout: every other module writes and reads frames through it.
//! Writing: [`encode_frame`] (any frame with a body), [`put_raw_frame`] with
//! [`control_frame`] / [`id_header`] (headers), [`put_message_frame`]. Reading:
//! [`take_frame`] splits frames off a buffer, [`Frame::parse`] is the one parser of the
//! envelope, and for runs of messages [`message_run`] measures them and [`run_message`]
//! walks them.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use evowire::walk::{Header, Item, Walker};
use evowire::wire::{encode_varint, WireType};
use evowire::write::Limited;
use serde::Serialize;

use crate::error::{Error, Result};

/// Bytes in the length prefix.
pub(crate) const LEN_PREFIX: usize = 4;

/// The largest payload length the 4-byte prefix can express.
pub(crate) const MAX_PREFIX_LEN: usize = u32::MAX as usize;

/// How much more buffer to reserve at most in one step while a frame is incomplete: a
/// length prefix alone never makes us allocate the whole announced frame up front.
const RESERVE_STEP: usize = 64 * 1024;

/// Variant tags of the envelope (wire type 5, discriminant in bits 3-6).
pub(crate) const TAG_MESSAGE: u8 = 0x05;
pub(crate) const TAG_REQUEST: u8 = 0x0d;
pub(crate) const TAG_RESPONSE: u8 = 0x15;
pub(crate) const TAG_ERROR: u8 = 0x1d;
pub(crate) const TAG_CLOSE: u8 = 0x25;
pub(crate) const TAG_PING: u8 = 0x2d;
pub(crate) const TAG_PONG: u8 = 0x35;
/// A sequence of two items: the `(id, body)` tuple of requests, responses and errors.
pub(crate) const TAG_PAIR: u8 = 0x13;

/// Splits the next complete frame's payload off `src`, or returns `None` (after reserving
/// some room) when more bytes are needed.
///
/// # Errors
///
/// [`Error::FrameTooLarge`] when the prefix announces more than `max` bytes; the stream
/// cannot be resynchronised after that.
pub(crate) fn take_frame(src: &mut BytesMut, max: usize) -> Result<Option<BytesMut>> {
    if src.len() < LEN_PREFIX {
        src.reserve(LEN_PREFIX - src.len());
        return Ok(None);
    }
    let len = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
    if len > max {
        return Err(Error::FrameTooLarge { len, max });
    }
    let need = LEN_PREFIX + len;
    if src.len() < need {
        src.reserve((need - src.len()).min(RESERVE_STEP));
        return Ok(None);
    }
    src.advance(LEN_PREFIX);
    Ok(Some(src.split_to(len)))
}

/// Measures the run of complete message frames (payload starting with the message tag
/// `0x05`) at the start of `src`: returns its length in bytes and how many frames it holds.
/// Stops before anything else: another kind of frame, an incomplete frame, an empty or
/// oversized one (which [`take_frame`] then handles or reports).
pub(crate) fn message_run(src: &[u8], max: usize) -> (usize, usize) {
    let mut pos = 0;
    let mut count = 0;
    while let Some(rest) = src.get(pos..) {
        let Some(prefix) = rest.first_chunk::<LEN_PREFIX>() else {
            break;
        };
        let len = u32::from_be_bytes(*prefix) as usize;
        if len > max || rest.len() - LEN_PREFIX < len || rest.get(LEN_PREFIX) != Some(&TAG_MESSAGE)
        {
            break;
        }
        pos += LEN_PREFIX + len;
        count += 1;
    }
    (pos, count)
}

/// Appends a message frame in the canonical layout [`message_run`] recognises:
/// `[len: u32 BE][0x05][body]`.
pub(crate) fn put_message_frame(dst: &mut BytesMut, body: &[u8]) {
    dst.reserve(LEN_PREFIX + 1 + body.len());
    dst.put_u32((body.len() + 1) as u32);
    dst.put_u8(TAG_MESSAGE);
    dst.extend_from_slice(body);
}

/// The first frame of a run of message frames (as measured by [`message_run`] or built by
/// [`put_message_frame`]): its body and the length of the whole frame. The run's lengths
/// were checked when it was built; on a malformed run the clamps keep this from
/// panicking and the frame ends at the end of `run`.
pub(crate) fn run_message(run: &[u8]) -> (&[u8], usize) {
    let len = match run.first_chunk::<LEN_PREFIX>() {
        Some(prefix) => u32::from_be_bytes(*prefix) as usize,
        None => run.len(),
    };
    let end = LEN_PREFIX.saturating_add(len).min(run.len());
    let body = (LEN_PREFIX + 1).min(end)..end;
    (&run[body], end)
}

/// The error for a stream that ended with `leftover` bytes of an incomplete frame.
pub(crate) fn truncated(leftover: &[u8]) -> Error {
    let need = if leftover.len() < LEN_PREFIX {
        LEN_PREFIX
    } else {
        LEN_PREFIX
            + u32::from_be_bytes([leftover[0], leftover[1], leftover[2], leftover[3]]) as usize
    };
    Error::Truncated {
        have: leftover.len(),
        need,
    }
}

/// Appends one frame: prefix, `header`, then `body` encoded by evowire directly into `dst`.
/// The prefix is reserved first and patched once the length is known. On error `dst` is
/// left exactly as it was.
///
/// # Errors
///
/// [`Error::Encode`] if `body`'s `Serialize` impl fails; [`Error::FrameTooLarge`] if the
/// payload would exceed `max`. The body goes through a [`Limited`] sink, which stores
/// nothing past the limit but counts on, so the reported length is exact after one encode.
pub(crate) fn encode_frame<T: Serialize + ?Sized>(
    dst: &mut BytesMut,
    max: usize,
    header: &[u8],
    body: &T,
) -> Result<()> {
    let max = max.min(MAX_PREFIX_LEN);
    let start = dst.len();
    // The prefix (patched below) and the header in one copy.
    let mut head = [0u8; LEN_PREFIX + MAX_HEADER];
    debug_assert!(header.len() <= MAX_HEADER);
    let head_len = LEN_PREFIX + header.len().min(MAX_HEADER);
    head[LEN_PREFIX..head_len].copy_from_slice(&header[..head_len - LEN_PREFIX]);
    dst.reserve(head_len + 64);
    dst.extend_from_slice(&head[..head_len]);
    let header_len = head_len - LEN_PREFIX;
    let (result, body_len) = {
        // The serializer owns its sink: the buffer at a fixed offset, one load less a value.
        let mut ser =
            evowire::Serializer::new(Limited::new(&mut *dst, max.saturating_sub(header_len)));
        let result = body
            .serialize(&mut ser)
            .and_then(|()| ser.get_mut().flush_buffer());
        (result, ser.get_ref().count())
    };
    let len = header_len.saturating_add(body_len);
    let error = match result {
        Ok(()) if len <= max => {
            dst[start..start + LEN_PREFIX].copy_from_slice(&(len as u32).to_be_bytes());
            return Ok(());
        }
        Err(e) if e.kind() != evowire::ErrorKind::OutputLimitExceeded => Error::Encode(e),
        _ => Error::FrameTooLarge { len, max },
    };
    dst.truncate(start);
    Err(error)
}

/// The longest envelope header: variant tag, pair tag and a 64-bit varint id.
pub(crate) const MAX_HEADER: usize = 2 + 10;

/// The header of a frame that carries an id: variant tag, `0x13`, varint id.
pub(crate) fn id_header(tag: u8, id: u64) -> ([u8; 16], usize) {
    let mut out = [0u8; 16];
    out[0] = tag;
    out[1] = TAG_PAIR;
    let v = encode_varint(WireType::Int, id);
    let v = v.as_slice();
    out[2..2 + v.len()].copy_from_slice(v);
    (out, 2 + v.len())
}

/// A frame that has no body to encode: close, ping and pong.
pub(crate) fn control_frame(tag: u8, value: u64) -> ([u8; 16], usize) {
    let mut out = [0u8; 16];
    out[0] = tag;
    let v = encode_varint(WireType::Int, value);
    let v = v.as_slice();
    out[1..1 + v.len()].copy_from_slice(v);
    (out, 1 + v.len())
}

/// Appends a frame that is only a header (close, ping, pong), ignoring the limit.
pub(crate) fn put_raw_frame(dst: &mut BytesMut, payload: &[u8]) {
    dst.reserve(LEN_PREFIX + payload.len());
    dst.put_u32(payload.len() as u32);
    dst.extend_from_slice(payload);
}

/// A received envelope; bodies are still encoded.
#[derive(Debug)]
pub(crate) enum Frame {
    Message(Bytes),
    Request(u64, Bytes),
    Response(u64, Bytes),
    Error(u64, String),
    Close,
    Ping(u64),
    Pong(u64),
    /// A variant this version does not know: ignored, so later versions may add kinds.
    Unknown(u64),
}

impl Frame {
    /// Parses a payload (without its length prefix).
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] when the envelope is malformed.
    pub(crate) fn parse(mut payload: BytesMut) -> Result<Frame> {
        let &tag = payload
            .first()
            .ok_or_else(|| Error::Protocol("empty frame".into()))?;
        if WireType::from_tag(tag) != WireType::Variant {
            return Err(Error::Protocol(format!(
                "frame starts with tag 0x{tag:02x}, not a variant tag"
            )));
        }
        // The envelope is read with the format's item walker; the body after it stays
        // encoded for whoever knows its type. Two levels: the variant and the id pair.
        let mut items = Walker::<'_, 2>::with_capacity(&payload);
        let kind = match items.next_item().map_err(malformed("frame kind"))? {
            Some(Item {
                header: Header::Variant(kind),
                ..
            }) => kind,
            _ => return Err(Error::Protocol("invalid frame kind".into())),
        };
        let frame = match kind {
            0 => {
                let at = items.offset();
                payload.advance(at);
                Frame::Message(payload.freeze())
            }
            1..=3 => {
                items.enter().map_err(malformed("frame header"))?;
                match items.next_item().map_err(malformed("frame header"))? {
                    Some(pair) if pair.tag == TAG_PAIR => {}
                    _ => {
                        return Err(Error::Protocol(format!(
                            "frame kind {kind} must continue with 0x13 (a pair)"
                        )))
                    }
                }
                items.enter().map_err(malformed("request id"))?;
                let id = next_u64(&mut items, "request id")?;
                let at = items.offset();
                payload.advance(at);
                let body = payload.freeze();
                match kind {
                    1 => Frame::Request(id, body),
                    2 => Frame::Response(id, body),
                    _ => Frame::Error(
                        id,
                        evowire::from_slice::<String>(&body)
                            .map_err(|e| Error::Protocol(format!("malformed error frame: {e}")))?,
                    ),
                }
            }
            4 => Frame::Close,
            5 | 6 => {
                let what = if kind == 5 {
                    "ping value"
                } else {
                    "pong value"
                };
                items.enter().map_err(malformed(what))?;
                let value = next_u64(&mut items, what)?;
                if kind == 5 {
                    Frame::Ping(value)
                } else {
                    Frame::Pong(value)
                }
            }
            other => Frame::Unknown(other.into()),
        };
        Ok(frame)
    }
}

/// Maps a walker error in the part of the envelope named `what` to a protocol error.
fn malformed(what: &'static str) -> impl Fn(evowire::Error) -> Error {
    move |e| Error::Protocol(format!("malformed {what}: {e}"))
}

/// Reads the next item of the envelope, which must be an integer that fits a `u64`.
fn next_u64(items: &mut Walker<'_, 2>, what: &'static str) -> Result<u64> {
    match items.next_item().map_err(malformed(what))? {
        Some(Item {
            header: Header::Int(value),
            ..
        }) => u64::try_from(value).map_err(|_| {
            Error::Protocol(format!("malformed {what}: {value} does not fit 64 bits"))
        }),
        _ => Err(Error::Protocol(format!("malformed {what}: not an integer"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Frame> {
        Frame::parse(BytesMut::from(bytes))
    }

    #[test]
    fn envelopes_are_read_with_their_bodies_left_encoded() {
        // Request 7 with body 0x08: variant 1 (0x0d), pair (0x13), id 7 (0x38), body.
        match parse(&[0x0d, 0x13, 0x38, 0x08]).unwrap() {
            Frame::Request(7, body) => assert_eq!(&body[..], [0x08]),
            other => panic!("{other:?}"),
        }
        // Ping 300: variant 5 (0x2d), varint 300.
        let ping = [&[0x2d][..], encode_varint(WireType::Int, 300).as_slice()].concat();
        assert!(matches!(parse(&ping).unwrap(), Frame::Ping(300)));
        // Message: variant 0, body starts right after the header.
        match parse(&[0x05, 0x0c, b'a']).unwrap() {
            Frame::Message(body) => assert_eq!(&body[..], [0x0c, b'a']),
            other => panic!("{other:?}"),
        }
        // Kind 9 (0x4d) is ignored by the reader, not an error.
        assert!(matches!(parse(&[0x4d, 0x00]).unwrap(), Frame::Unknown(9)));
    }

    #[test]
    fn malformed_envelopes_say_what_and_where() {
        let text = |bytes: &[u8]| parse(bytes).unwrap_err().to_string();
        assert_eq!(text(&[]), "protocol violation by the peer: empty frame");
        assert_eq!(
            text(&[0x0d, 0x0b]),
            "protocol violation by the peer: frame kind 1 must continue with 0x13 (a pair)"
        );
        let id = text(&[0x0d, 0x13, 0x0c, b'x']);
        assert!(id.contains("malformed request id: not an integer"), "{id}");
        let cut = text(&[0x0d, 0x13]);
        assert!(
            cut.starts_with("protocol violation by the peer: malformed request id"),
            "{cut}"
        );
        assert!(cut.contains("offset 2"), "{cut}");
        let reserved = text(&[0x2d, 0x07]);
        assert!(
            reserved.contains("reserved tag 0x07 at byte offset 1"),
            "{reserved}"
        );
        // A kind past u32 is not a variant index (SPEC §7.2).
        let mut wide = vec![0xfd];
        wide.extend([0xff; 4]);
        wide.push(0x01);
        let wide = text(&wide);
        assert!(wide.contains("malformed frame kind"), "{wide}");
    }
}
