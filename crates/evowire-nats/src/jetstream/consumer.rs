//! The typed [`Consumer`]: a pull or push consumer whose messages are decoded as `T`.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use async_nats::jetstream::consumer::{Info, PullConsumer, PushConsumer};

use super::delivery::Deliveries;
use super::JetStream;
use crate::error::{Error, Result};
use crate::message::Message;

/// How long a pull request of [`Consumer::process`] waits at the server. The server keeps
/// a request after the client has dropped its subscription and would send it messages
/// that nobody reads, so `process` keeps it short.
pub(crate) const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// The idle heartbeat such a pull asks for: a pull that hears nothing for twice as long
/// reports a missed heartbeat.
const PULL_HEARTBEAT: Duration = Duration::from_secs(2);

/// The untyped consumer behind a [`Consumer`].
#[derive(Clone)]
enum Kind {
    Pull(PullConsumer),
    Push(PushConsumer),
}

/// A typed JetStream consumer (pull or push): its messages decoded as `T`.
pub struct Consumer<T> {
    kind: Kind,
    pub(crate) js: JetStream,
    pub(crate) name: String,
    pub(crate) stream: String,
    /// The consumer's `max_deliver` (0 or negative: unlimited).
    pub(crate) max_deliver: i64,
    _marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("stream", &self.stream)
            .field("name", &self.name)
            .field("push", &matches!(self.kind, Kind::Push(_)))
            .finish_non_exhaustive()
    }
}

impl<T: Message> Consumer<T> {
    /// Wraps an `async_nats` pull consumer; `js` publishes its dead letters.
    pub fn new(js: &JetStream, inner: PullConsumer) -> Consumer<T> {
        let info = inner.cached_info().clone();
        Consumer::with_kind(js, Kind::Pull(inner), info)
    }

    /// Wraps an `async_nats` push consumer; `js` publishes its dead letters.
    pub fn new_push(js: &JetStream, inner: PushConsumer) -> Consumer<T> {
        let info = inner.cached_info().clone();
        Consumer::with_kind(js, Kind::Push(inner), info)
    }

    fn with_kind(js: &JetStream, kind: Kind, info: Info) -> Consumer<T> {
        Consumer {
            kind,
            js: js.clone(),
            name: info.name,
            stream: info.stream_name,
            max_deliver: info.config.max_deliver,
            _marker: PhantomData,
        }
    }

    /// The untyped pull consumer, if this is one.
    pub fn pull_consumer(&self) -> Option<&PullConsumer> {
        match &self.kind {
            Kind::Pull(c) => Some(c),
            Kind::Push(_) => None,
        }
    }

    /// The untyped push consumer, if this is one.
    pub fn push_consumer(&self) -> Option<&PushConsumer> {
        match &self.kind {
            Kind::Push(c) => Some(c),
            Kind::Pull(_) => None,
        }
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the stream it reads.
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// The consumer's current state from the server: pending, unacknowledged
    /// (`num_ack_pending`) and redelivered message counts.
    pub async fn info(&self) -> Result<Info> {
        let info = match &self.kind {
            Kind::Pull(c) => c.get_info().await,
            Kind::Push(c) => c.get_info().await,
        };
        info.map_err(|e| Error::nats("consumer info", self.name.as_str(), e))
    }

    /// The consumer's messages, decoded, as they arrive: a [`Stream`](futures::Stream) of
    /// `Result<Delivery<T>, Error>`. Ack each [`Delivery`](crate::Delivery) when done with it.
    ///
    /// A message that cannot be decoded as `T` (or comes from an incompatible sender) is an
    /// `Err` item naming its subject; it is terminated (`AckKind::Term`) so it is not
    /// redelivered forever, and the stream goes on. Errors of the consumer itself are `Err`
    /// items too ([`Error::Nats`]).
    pub async fn messages(&self) -> Result<Deliveries<T>> {
        self.messages_batched(None).await
    }

    /// The messages, a pull consumer asking for at most `batch` at a time when given.
    pub(crate) async fn messages_batched(&self, batch: Option<usize>) -> Result<Deliveries<T>> {
        let fail = |e| Error::nats("consume", self.name.as_str(), e);
        match &self.kind {
            Kind::Pull(c) => {
                let inner = match batch {
                    None => c.messages().await,
                    Some(batch) => {
                        c.stream()
                            .expires(PULL_EXPIRES)
                            .heartbeat(PULL_HEARTBEAT)
                            .max_messages_per_batch(batch)
                            .messages()
                            .await
                    }
                }
                .map_err(fail)?;
                Ok(Deliveries::pull(inner, self.name.clone()))
            }
            Kind::Push(c) => {
                let inner = c.messages().await.map_err(fail)?;
                Ok(Deliveries::push(inner, self.name.clone()))
            }
        }
    }
}
