//! [`Evowire`]: the evowire format as a remoc `Codec`, for
//! remote channels (`rch::mpsc`, `rch::oneshot`, `rch::watch`, …) and the base channel of a
//! [`Connect`](::remoc::Connect).
//!
//! remoc's codec trait has no codec instance (its functions are associated functions), so
//! decoding uses the default [`DecodeOptions`](evowire::DecodeOptions): nesting depth
//! [`evowire::DEFAULT_MAX_DEPTH`], and no allocation beyond what the received bytes back.
//! The size of one message is bounded by remoc's own `chmux::Cfg::max_data_size`.
//!
//! Schema evolution follows evowire's rules: add fields at the back of a struct, with
//! `#[serde(default)]` where a newer reader must accept older messages. Fields marked
//! `#[serde(default, skip_serializing_if = "remoc::codec::skip::if_default")]` may be left
//! out of the message (evowire writes an absent-field marker).
//!
//! # Examples
//!
//! ```
//! use evowire_adapters::remoc::Evowire;
//! use remoc::rch;
//!
//! # #[tokio::main] async fn main() {
//! // A channel whose messages travel as evowire once either half is sent to a peer.
//! let (tx, mut rx) = rch::mpsc::channel::<String, Evowire>();
//! tx.send("hello".to_string()).await.unwrap();
//! assert_eq!(rx.recv().await.unwrap().as_deref(), Some("hello"));
//! # }
//! ```
//!
//! The crate's `examples/remoc_channels.rs` connects two remoc endpoints over TCP with
//! this codec.

use std::io::{Read, Write};

use ::remoc::codec::{Codec, DeserializationError, SerializationError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The evowire codec for remoc: use it as the `Codec` type parameter of remoc's channels
/// and of `Connect`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Evowire;

impl Codec for Evowire {
    const NAME: &'static str = "evowire";

    fn serialize<Writer: Write, Item: Serialize>(
        writer: Writer,
        item: &Item,
    ) -> Result<(), SerializationError> {
        evowire::to_writer(writer, item).map_err(SerializationError::new)
    }

    /// Decodes one whole message; trailing bytes are an error.
    fn deserialize<Reader: Read, Item: DeserializeOwned>(
        reader: Reader,
    ) -> Result<Item, DeserializationError> {
        evowire::from_reader(reader).map_err(DeserializationError::new)
    }

    /// evowire marks a left-out field, so any field may be skipped while serializing.
    fn is_skipping_fields_supported() -> bool {
        true
    }
}
