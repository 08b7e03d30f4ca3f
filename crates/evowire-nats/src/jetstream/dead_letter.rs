//! Dead letters: a message that keeps failing is published, with its own headers and the
//! last error, to a subject the application chooses, then terminated.

use async_nats::jetstream::context::GetStreamByNameErrorKind;
use async_nats::{HeaderMap, HeaderValue, Subject};
use bytes::Bytes;

use crate::error::{Error, Result};

/// Dead-letter header: the last error, on one line.
pub const HEADER_DEAD_LETTER_ERROR: &str = "Evowire-Dead-Letter-Error";
/// Dead-letter header: the subject the message was first published on.
pub const HEADER_DEAD_LETTER_SUBJECT: &str = "Evowire-Dead-Letter-Subject";
/// Dead-letter header: the stream it was stored in.
pub const HEADER_DEAD_LETTER_STREAM: &str = "Evowire-Dead-Letter-Stream";
/// Dead-letter header: the consumer that gave it up.
pub const HEADER_DEAD_LETTER_CONSUMER: &str = "Evowire-Dead-Letter-Consumer";
/// Dead-letter header: its sequence number in that stream.
pub const HEADER_DEAD_LETTER_SEQUENCE: &str = "Evowire-Dead-Letter-Sequence";
/// Dead-letter header: how many times it was delivered.
pub const HEADER_DEAD_LETTER_DELIVERIES: &str = "Evowire-Dead-Letter-Deliveries";

/// The message that failed, as it is dead-lettered.
pub(crate) struct DeadLetter<'a> {
    pub(crate) subject: &'a Subject,
    pub(crate) headers: Option<&'a HeaderMap>,
    pub(crate) payload: Bytes,
    pub(crate) stream: &'a str,
    pub(crate) consumer: &'a str,
    pub(crate) stream_sequence: u64,
    pub(crate) delivered: i64,
    pub(crate) error: &'a str,
}

/// A header value on one line: NATS header values cannot hold CR or LF.
fn one_line(text: &str) -> HeaderValue {
    let line: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    HeaderValue::from(line.as_str())
}

impl DeadLetter<'_> {
    fn headers(&self) -> HeaderMap {
        // The message's own headers, except those that steer a JetStream publish
        // (`Nats-Msg-Id`, `Nats-Expected-*`, `Nats-Rollup`, …): they were meant for the
        // original stream and could make the dead-letter stream refuse or drop the letter.
        let mut headers = HeaderMap::new();
        for (name, values) in self.headers.into_iter().flat_map(HeaderMap::iter) {
            let name_str: &str = name.as_ref();
            if name_str.to_ascii_lowercase().starts_with("nats-") {
                continue;
            }
            for value in values {
                headers.append(name.clone(), value.clone());
            }
        }
        headers.insert(HEADER_DEAD_LETTER_ERROR, one_line(self.error));
        headers.insert(HEADER_DEAD_LETTER_SUBJECT, self.subject.as_str());
        headers.insert(HEADER_DEAD_LETTER_STREAM, one_line(self.stream));
        headers.insert(HEADER_DEAD_LETTER_CONSUMER, one_line(self.consumer));
        headers.insert(
            HEADER_DEAD_LETTER_SEQUENCE,
            self.stream_sequence.to_string().as_str(),
        );
        headers.insert(
            HEADER_DEAD_LETTER_DELIVERIES,
            self.delivered.to_string().as_str(),
        );
        headers
    }

    /// Publishes it on `to`: through JetStream, waiting for the stream's ack, when a
    /// stream captures `to`; otherwise on core NATS, flushed to the server. (A JetStream
    /// publish where no stream listens would wait for an ack from any core subscriber.)
    pub(crate) async fn publish(
        &self,
        ctx: &async_nats::jetstream::Context,
        to: &Subject,
    ) -> Result<()> {
        let headers = self.headers();
        match ctx.stream_by_subject(to.as_str()).await {
            Ok(_) => {
                ctx.publish_with_headers(to.clone(), headers, self.payload.clone())
                    .await
                    .map_err(|e| Error::nats("dead-letter publish", to.as_str(), e))?
                    .await
                    .map_err(|e| Error::nats("dead-letter publish", to.as_str(), e))?;
                Ok(())
            }
            Err(e) if e.kind() == GetStreamByNameErrorKind::NotFound => {
                let client = ctx.client();
                client
                    .publish_with_headers(to.clone(), headers, self.payload.clone())
                    .await
                    .map_err(|e| Error::nats("dead-letter publish", to.as_str(), e))?;
                client
                    .flush()
                    .await
                    .map_err(|e| Error::nats("dead-letter flush", to.as_str(), e))
            }
            Err(e) => Err(Error::nats("dead-letter stream lookup", to.as_str(), e)),
        }
    }
}
