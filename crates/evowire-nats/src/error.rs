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
/// A variant that wraps another error ([`Error::Connect`], [`Error::Encode`],
/// [`Error::Decode`], [`Error::Nats`]) returns it from
/// [`source`](std::error::Error::source) and leaves it out of its own `Display`, so a
/// printer that walks the chain shows each message once.
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
    #[error("cannot connect to NATS")]
    Connect(#[source] async_nats::ConnectError),
    /// A value could not be encoded (its `Serialize` impl failed).
    #[error("cannot encode {type_name}")]
    Encode {
        /// The application message type name ([`MessageType::name`](crate::MessageType)).
        type_name: &'static str,
        /// The encoder's error.
        source: evowire::Error,
    },
    /// A message's payload does not decode into the expected type. The evowire error
    /// carries the byte offset of the failing item.
    #[error("cannot decode {type_name} from message on `{subject}`")]
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
    #[error("{operation} on `{subject}` failed")]
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

/// Writes an error and its [`source`](std::error::Error::source) chain on one line, joined
/// by `": "`: the text a remote caller gets, which has no chain to walk.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(err) = next {
            write!(f, ": {err}")?;
            next = err.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn decode_error() -> Error {
        let source = evowire::from_slice::<u32>(&[]).unwrap_err();
        Error::Decode {
            subject: "orders".into(),
            type_name: "test.Order",
            source,
        }
    }

    #[test]
    fn display_leaves_the_source_to_the_chain() {
        let err = decode_error();
        let source = err.source().map(ToString::to_string);
        assert_eq!(
            err.to_string(),
            "cannot decode test.Order from message on `orders`"
        );
        let source = source.unwrap_or_default();
        assert!(!source.is_empty());
        assert_eq!(
            Chain(&err).to_string(),
            format!("cannot decode test.Order from message on `orders`: {source}")
        );
    }

    #[test]
    fn a_nats_error_names_the_operation_and_keeps_the_client_error_as_source() {
        let err = Error::nats("publish", "orders", "connection closed");
        assert_eq!(err.to_string(), "publish on `orders` failed");
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("connection closed")
        );
        assert_eq!(
            Chain(&err).to_string(),
            "publish on `orders` failed: connection closed"
        );
    }
}
