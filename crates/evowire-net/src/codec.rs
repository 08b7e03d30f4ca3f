//! [`MessageCodec`]: typed evowire messages over length-prefixed frames, for
//! [`tokio_util::codec`] users who bring their own transport.

use std::fmt;
use std::marker::PhantomData;

use bytes::BytesMut;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Decoder, Encoder, Framed, FramedRead, FramedWrite};

use crate::error::{Error, Result};
use crate::frame::{self, take_frame, MAX_PREFIX_LEN};

/// The default maximum frame length: 16 MiB (16,777,216 bytes) of payload.
///
/// Large enough for any message a service would normally send in one piece, small enough
/// that one peer cannot make the receiver buffer an unreasonable amount. tokio-util's
/// `LengthDelimitedCodec` uses 8 MiB; we chose 16 MiB. Both sides of a
/// [`Connection`](crate::Connection) announce their limit in the handshake.
pub const DEFAULT_MAX_FRAME_LENGTH: usize = 16 * 1024 * 1024;

/// A [`Decoder`] of `In` and [`Encoder`] of `Out` values, each in one frame:
/// a 4-byte big-endian payload length, then the payload, which is exactly the evowire
/// encoding of the value (`docs/PROTOCOL.md` §2).
///
/// This is the plain framing, without the handshake and the envelope a
/// [`Connection`](crate::Connection) adds: use it with [`Framed`] over any transport.
///
/// (To encode borrowed values, use a reference type as `Out`: `MessageCodec<In, &Msg>`.)
///
/// * **Encoding** writes the value straight into the outgoing [`BytesMut`] behind a
///   reserved length prefix that is patched afterwards; no intermediate buffer. A value
///   whose encoding exceeds the maximum frame length fails with [`Error::FrameTooLarge`]
///   and leaves the buffer as it was.
/// * **Decoding** decodes from the frame in the read buffer, without copying it.
///
/// # Error policy
///
/// A prefix announcing more than the maximum ([`Error::FrameTooLarge`]) and a stream that
/// ends inside a frame ([`Error::Truncated`]) are framing errors: the stream cannot be
/// trusted after them, and `FramedRead` ends. A frame whose payload does not decode gives
/// [`Error::Decode`]; the codec has consumed that frame first, so a caller driving
/// [`Decoder::decode`] itself may go on with the next frame (`FramedRead` ends the stream
/// on any error, as tokio-util always does).
///
/// # Examples
///
/// ```
/// use futures::{SinkExt, StreamExt};
/// use evowire_net::MessageCodec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let (a, b) = tokio::io::duplex(1024);
/// let mut a = MessageCodec::<(), String>::new().framed(a);
/// let mut b = MessageCodec::<String, ()>::new().framed(b);
/// a.send("hello".to_string()).await?;
/// assert_eq!(b.next().await.transpose()?, Some("hello".to_string()));
/// # Ok(())
/// # }
/// ```
pub struct MessageCodec<In, Out> {
    max_frame_length: usize,
    _types: PhantomData<fn(Out) -> In>,
}

impl<In, Out> MessageCodec<In, Out> {
    /// A codec with the [`DEFAULT_MAX_FRAME_LENGTH`].
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = evowire_net::MessageCodec::<u32, u32>::new();
    /// assert_eq!(codec.max_frame_length(), 16 * 1024 * 1024);
    /// ```
    pub fn new() -> Self {
        Builder::new().new_codec()
    }

    /// The largest payload, in bytes, this codec encodes or decodes.
    pub fn max_frame_length(&self) -> usize {
        self.max_frame_length
    }

    /// Sets the largest payload, in bytes, this codec encodes or decodes (at most
    /// `u32::MAX`; larger values are clamped).
    pub fn set_max_frame_length(&mut self, max: usize) {
        self.max_frame_length = max.min(MAX_PREFIX_LEN);
    }

    /// Wraps `io` in a [`Framed`] that uses this codec.
    pub fn framed<T: AsyncRead + AsyncWrite>(self, io: T) -> Framed<T, Self> {
        Framed::new(io, self)
    }
}

impl MessageCodec<(), ()> {
    /// A [`Builder`] to configure a codec (of any message types: they are chosen by
    /// [`Builder::new_codec`] and friends).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::MessageCodec;
    /// let codec: MessageCodec<u32, String> = MessageCodec::builder()
    ///     .max_frame_length(1024)
    ///     .new_codec();
    /// assert_eq!(codec.max_frame_length(), 1024);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }
}

impl<In, Out> Default for MessageCodec<In, Out> {
    fn default() -> Self {
        Self::new()
    }
}

impl<In, Out> Clone for MessageCodec<In, Out> {
    fn clone(&self) -> Self {
        MessageCodec {
            max_frame_length: self.max_frame_length,
            _types: PhantomData,
        }
    }
}

impl<In, Out> fmt::Debug for MessageCodec<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCodec")
            .field("max_frame_length", &self.max_frame_length)
            .finish()
    }
}

impl<In: DeserializeOwned, Out> Decoder for MessageCodec<In, Out> {
    type Item = In;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<In>> {
        match take_frame(src, self.max_frame_length)? {
            None => Ok(None),
            Some(payload) => evowire::from_slice(&payload)
                .map(Some)
                .map_err(Error::Decode),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<In>> {
        match self.decode(src)? {
            Some(item) => Ok(Some(item)),
            None if src.is_empty() => Ok(None),
            None => Err(frame::truncated(src)),
        }
    }
}

impl<In, Out: Serialize> Encoder<Out> for MessageCodec<In, Out> {
    type Error = Error;

    fn encode(&mut self, item: Out, dst: &mut BytesMut) -> Result<()> {
        frame::encode_frame(dst, self.max_frame_length, &[], &item)
    }
}

/// Configures a [`MessageCodec`], in the style of tokio-util's
/// `length_delimited::Builder`: `&mut self` setters, then `new_codec`, `new_framed`,
/// `new_read` or `new_write`.
///
/// # Examples
///
/// ```
/// use evowire_net::MessageCodec;
/// let (io, _peer) = tokio::io::duplex(64);
/// let framed = MessageCodec::builder()
///     .max_frame_length(64 * 1024)
///     .new_framed::<_, String, String>(io);
/// assert_eq!(framed.codec().max_frame_length(), 64 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    max_frame_length: usize,
}

impl Builder {
    /// A builder with the defaults ([`DEFAULT_MAX_FRAME_LENGTH`]).
    pub fn new() -> Self {
        Builder {
            max_frame_length: DEFAULT_MAX_FRAME_LENGTH,
        }
    }

    /// Sets the largest payload in bytes (clamped to `u32::MAX`, what the prefix can hold).
    pub fn max_frame_length(&mut self, max: usize) -> &mut Self {
        self.max_frame_length = max.min(MAX_PREFIX_LEN);
        self
    }

    /// Builds the codec.
    pub fn new_codec<In, Out>(&self) -> MessageCodec<In, Out> {
        MessageCodec {
            max_frame_length: self.max_frame_length,
            _types: PhantomData,
        }
    }

    /// Builds the codec and wraps `io` in a [`Framed`].
    pub fn new_framed<T, In, Out>(&self, io: T) -> Framed<T, MessageCodec<In, Out>>
    where
        T: AsyncRead + AsyncWrite,
    {
        Framed::new(io, self.new_codec())
    }

    /// Builds the codec and wraps a reader in a [`FramedRead`].
    pub fn new_read<T: AsyncRead, In>(&self, io: T) -> FramedRead<T, MessageCodec<In, ()>> {
        FramedRead::new(io, self.new_codec())
    }

    /// Builds the codec and wraps a writer in a [`FramedWrite`].
    pub fn new_write<T: AsyncWrite, Out>(&self, io: T) -> FramedWrite<T, MessageCodec<(), Out>> {
        FramedWrite::new(io, self.new_codec())
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}
