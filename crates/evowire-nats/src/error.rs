//! The error type of this crate.

use std::time::Duration;

/// `Result<T, evowire_nats::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error from the NATS client, kept as the [`source`](std::error::Error::source).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while publishing, receiving, requesting or consuming.
///
/// Errors about one message ([`Error::Decode`], [`Error::Incompatible`]) are yielded as an
/// item of the stream that received it; the stream goes on with the next message. They name
/// the subject the message arrived on.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evowire_nats::Error;
///
/// let err = Error::Timeout { subject: "kv.get".into(), after: Duration::from_millis(250) };
/// assert_eq!(err.to_string(), "request on `kv.get` timed out after 250ms");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Connecting to the NATS server failed.
    #[error("cannot connect to NATS: {0}")]
    Connect(#[source] async_nats::ConnectError),
    /// A value could not be encoded (its `Serialize` impl failed).
    #[error("cannot encode {type_name}: {source}")]
    Encode {
        /// The application message type name ([`MessageType::name`](crate::MessageType)).
        type_name: &'static str,
        /// The encoder's error.
        source: evowire::Error,
    },
    /// A message's payload does not decode into the expected type. The evowire error
    /// carries the byte offset of the failing item.
    #[error("cannot decode {type_name} from message on `{subject}`: {source}")]
    Decode {
        /// The subject the message arrived on.
        subject: String,
        /// The type it was decoded as.
        type_name: &'static str,
        /// The decoder's error (with [`offset`](evowire::Error::offset)).
        source: evowire::Error,
    },
    /// The message's headers say it was sent by an incompatible sender: another content
    /// type, another message type, or another major version. Nothing was decoded.
    #[error("incompatible message on `{subject}`: {reason}")]
    Incompatible {
        /// The subject the message arrived on.
        subject: String,
        /// What did not match, with both sides' values.
        reason: String,
    },
    /// A request got no reply in time (someone listens on the subject, but did not answer).
    #[error("request on `{subject}` timed out after {after:?}")]
    Timeout {
        /// The request subject.
        subject: String,
        /// The limit that was reached.
        after: Duration,
    },
    /// Nobody listens on the subject of a request (or no stream captures a JetStream
    /// publish).
    #[error("no responders on `{subject}`")]
    NoResponders {
        /// The request subject.
        subject: String,
    },
    /// The service that answered the request failed; `message` is its handler error's
    /// `Display` (or why it could not take the request).
    #[error("remote error from `{subject}`: {message}")]
    Remote {
        /// The request subject.
        subject: String,
        /// The service's explanation.
        message: String,
    },
    /// The NATS client or server refused or failed an operation.
    #[error("{operation} on `{subject}` failed: {source}")]
    Nats {
        /// What failed, for example `"publish"`, `"subscribe"`, `"ack"`.
        operation: &'static str,
        /// The subject (or stream / consumer name) involved.
        subject: String,
        /// The client's error.
        source: BoxError,
    },
}

impl Error {
    #[cold]
    pub(crate) fn nats(
        operation: &'static str,
        subject: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Error {
        Error::Nats {
            operation,
            subject: subject.into(),
            source: source.into(),
        }
    }

    /// The subject the error is about, when it is about one.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Error::Connect(_) | Error::Encode { .. } => None,
            Error::Decode { subject, .. }
            | Error::Incompatible { subject, .. }
            | Error::Timeout { subject, .. }
            | Error::NoResponders { subject }
            | Error::Remote { subject, .. }
            | Error::Nats { subject, .. } => Some(subject),
        }
    }
}
