//! [`Evowire`]: the evowire format as a `tokio_serde` codec, the codec slot of tarpc's
//! `serde_transport` and of `tokio_serde::Framed`.
//!
//! Each frame of the underlying transport (for tarpc, a length-delimited TCP stream) holds
//! exactly one evowire value. Decoding uses [`DecodeOptions`] (depth and length limits) and
//! rejects trailing bytes in a frame; the frame size itself is the transport's limit (for
//! tarpc, `LengthDelimitedCodec`'s `max_frame_length`, 8 MiB by default).
//!
//! A frame that fails to decode is an error of the stream: tarpc ends that connection and
//! keeps serving the others.
//!
//! # Examples
//!
//! ```
//! use evowire_adapters::tokio_serde::SymmetricalEvowire;
//! use tokio_serde::{Deserializer, Serializer};
//!
//! let mut codec = SymmetricalEvowire::<(u32, String)>::default();
//! let frame = std::pin::Pin::new(&mut codec).serialize(&(7, "evo".to_string()))?;
//! assert_eq!(&frame[..], [0x13, 0x38, 0x1c, b'e', b'v', b'o']);
//! let value = std::pin::Pin::new(&mut codec).deserialize(&frame[..].into())?;
//! assert_eq!(value, (7, "evo".to_string()));
//! # Ok::<(), evowire::Error>(())
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use evowire::DecodeOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The size of the blocks that encoded frames are cut from.
const ENCODE_BLOCK: usize = 8 * 1024;
/// Below this much room left in the block, the next frame starts a new block.
const ENCODE_SPARE: usize = 512;

/// The evowire format for `tokio_serde`: decodes `Item`s, encodes `SinkItem`s.
///
/// Encoding writes into a buffer the codec keeps and hands out its filled part as
/// [`Bytes`] without copying (many frames share one allocation) (`tokio_serde::Serializer` returns the frame's bytes, so the
/// transport's framing copies them once more into its write buffer, as with every
/// `tokio_serde` format). Errors are [`evowire::Error`]s, which convert into
/// `std::io::Error` (`InvalidData`) as the transports require.
///
/// # Examples
///
/// A tarpc client on evowire (the server side is the same codec; see the crate's
/// `examples/tarpc_service.rs`):
///
/// ```no_run
/// # #[tarpc::service] trait Hello { async fn hello(name: String) -> String; }
/// # async fn f() -> std::io::Result<()> {
/// use evowire_adapters::tokio_serde::Evowire;
///
/// let transport = tarpc::serde_transport::tcp::connect("127.0.0.1:7000", Evowire::default).await?;
/// let client = HelloClient::new(tarpc::client::Config::default(), transport).spawn();
/// # drop(client);
/// # Ok(()) }
/// # fn main() { drop(f()); }
/// ```
pub struct Evowire<Item, SinkItem> {
    options: DecodeOptions,
    buf: BytesMut,
    types: PhantomData<fn(SinkItem) -> Item>,
}

/// An [`Evowire`] codec that decodes and encodes the same type.
pub type SymmetricalEvowire<T> = Evowire<T, T>;

impl<Item, SinkItem> Evowire<Item, SinkItem> {
    /// A codec with the default [`DecodeOptions`].
    pub fn new() -> Self {
        Self::with_options(DecodeOptions::new())
    }

    /// A codec that decodes with `options`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_adapters::tokio_serde::SymmetricalEvowire;
    ///
    /// let options = evowire::DecodeOptions::new().with_max_depth(16).with_max_len(1 << 16);
    /// let codec = SymmetricalEvowire::<Vec<u32>>::with_options(options);
    /// assert_eq!(codec.options().max_depth(), 16);
    /// ```
    pub fn with_options(options: DecodeOptions) -> Self {
        Evowire {
            options,
            buf: BytesMut::new(),
            types: PhantomData,
        }
    }

    /// The decoding limits.
    pub fn options(&self) -> &DecodeOptions {
        &self.options
    }
}

impl<Item, SinkItem> Default for Evowire<Item, SinkItem> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Item, SinkItem> Clone for Evowire<Item, SinkItem> {
    /// A codec with the same options and its own (empty) encode buffer.
    fn clone(&self) -> Self {
        Self::with_options(self.options)
    }
}

impl<Item, SinkItem> fmt::Debug for Evowire<Item, SinkItem> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evowire")
            .field("options", &self.options)
            .finish()
    }
}

impl<Item: DeserializeOwned, SinkItem> ::tokio_serde::Deserializer<Item>
    for Evowire<Item, SinkItem>
{
    type Error = evowire::Error;

    /// Decodes one whole frame; trailing bytes are an error.
    fn deserialize(self: Pin<&mut Self>, src: &BytesMut) -> Result<Item, evowire::Error> {
        self.options.from_slice(src)
    }
}

impl<Item, SinkItem: Serialize> ::tokio_serde::Serializer<SinkItem> for Evowire<Item, SinkItem> {
    type Error = evowire::Error;

    fn serialize(self: Pin<&mut Self>, item: &SinkItem) -> Result<Bytes, evowire::Error> {
        let buf = &mut self.get_mut().buf;
        // Whatever a failed encode left behind is dropped before the next one.
        buf.clear();
        // Frames are cut from one block of ENCODE_BLOCK bytes until it runs low: one
        // allocation (or none, once the block's frames are all dropped) for many frames.
        if buf.capacity() < ENCODE_SPARE {
            buf.reserve(ENCODE_BLOCK);
        }
        item.serialize(&mut evowire::Serializer::new(&mut *buf))?;
        Ok(buf.split().freeze())
    }
}
