//! The error type of this crate.

use std::io;
use std::time::Duration;

/// `Result<T, evowire_net::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while framing, connecting, sending, receiving or calling.
///
/// Errors that end a connection (framing errors, I/O errors, protocol violations, a peer
/// that vanished) are reported once by [`Receiver::recv`](crate::Receiver::recv); from then
/// on sends and calls on that connection fail with [`Error::Closed`]. A message that is well
/// framed but does not decode ([`Error::Decode`]) ends nothing: the message is skipped.
///
/// The variants that wrap another error ([`Error::Io`], [`Error::Decode`],
/// [`Error::Encode`]) print its text in their own `Display` and do not return it from
/// [`source`](std::error::Error::source), so an error-chain printer shows it once; match
/// the variant to reach the inner error.
///
/// # Examples
///
/// ```
/// use evowire_net::Error;
/// let err = Error::FrameTooLarge { len: 20_000_000, max: 16 * 1024 * 1024 };
/// assert_eq!(
///     err.to_string(),
///     "frame of 20000000 bytes exceeds the maximum frame length of 16777216 bytes"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed.
    #[error("i/o error: {0}")]
    Io(io::Error),
    /// A frame is longer than the receiver accepts (received) or than the peer accepts
    /// (sent; then nothing was sent and the connection stays usable).
    #[error("frame of {len} bytes exceeds the maximum frame length of {max} bytes")]
    FrameTooLarge {
        /// The frame's payload length in bytes.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// A well-framed message did not decode into the expected type.
    #[error("cannot decode message: {0}")]
    Decode(evowire::Error),
    /// A value could not be encoded (its `Serialize` impl failed).
    #[error("cannot encode message: {0}")]
    Encode(evowire::Error),
    /// The transport ended in the middle of a frame.
    #[error("connection ended in the middle of a frame: got {have} of {need} bytes")]
    Truncated {
        /// Bytes of the frame (length prefix included) that arrived.
        have: usize,
        /// Bytes the frame needs (length prefix included; 4 while the prefix is incomplete).
        need: usize,
    },
    /// The peer closed the transport without a close frame: messages may have been lost.
    #[error("peer disconnected without closing the connection")]
    Disconnected,
    /// The peer broke the protocol (a malformed frame after the handshake).
    #[error("protocol violation by the peer: {0}")]
    Protocol(String),
    /// This side found the peer incompatible or not speaking the protocol during the
    /// handshake (and refused it when it could).
    #[error("handshake failed: {reason}")]
    Handshake {
        /// What did not match, with both sides' values.
        reason: String,
    },
    /// The peer refused this side during the handshake.
    #[error("refused by peer: {reason}")]
    Refused {
        /// The peer's explanation.
        reason: String,
    },
    /// TLS failed: a configuration that cannot be used, a certificate that is not
    /// trusted, expired or made out for another name, or a peer that does not speak TLS.
    /// The reason says which, and which side.
    #[error("tls error: {reason}")]
    Tls {
        /// What failed, as rustls reports it, with a hint where one helps.
        reason: String,
    },
    /// An operation did not finish in time.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What timed out: `"call"`, `"handshake"` or `"keepalive"`.
        operation: &'static str,
        /// The limit that was reached.
        after: Duration,
    },
    /// The connection is closed (or closing): nothing more can be sent, and a pending call
    /// will get no answer.
    #[error("connection closed")]
    Closed,
    /// The peer's request handler failed; the string is the handler error's `Display`.
    /// With request id 0 the peer reports a fatal connection error before closing.
    #[error("remote error: {0}")]
    Remote(String),
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::Io(err)
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        match err {
            Error::Io(e) => e,
            Error::Timeout { .. } => io::Error::new(io::ErrorKind::TimedOut, err),
            Error::Closed => io::Error::new(io::ErrorKind::NotConnected, err),
            Error::Truncated { .. } | Error::Disconnected => {
                io::Error::new(io::ErrorKind::UnexpectedEof, err)
            }
            Error::Refused { .. } => io::Error::new(io::ErrorKind::ConnectionRefused, err),
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}
