//! Durable delivery through JetStream: a typed publisher that waits for the stream's ack,
//! typed pull and push consumers that ack only after the handler succeeded, and ordered
//! consumers for reading a stream in order.
//!
//! * `mod.rs`: [`JetStream`], publishing, and creating consumers;
//! * `delivery.rs`: one decoded message ([`Delivery`]) and the stream of them ([`Deliveries`]);
//! * `consumer.rs`: the typed [`Consumer`];
//! * `process.rs`: [`Consumer::process`], its options, graceful stop and dead letters;
//! * `events.rs`: what `process` reports: [`Event`], [`Counters`], [`ProcessSummary`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_nats::jetstream::consumer::{pull, push, PullConsumer, PushConsumer};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::publish::PublishAck;
use async_nats::{HeaderMap, Subject};
use futures::future::BoxFuture;
use futures::FutureExt;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::message::{self, Message};

mod consumer;
mod dead_letter;
mod delivery;
mod events;
mod process;

pub use self::consumer::Consumer;
pub use self::dead_letter::{
    HEADER_DEAD_LETTER_CONSUMER, HEADER_DEAD_LETTER_DELIVERIES, HEADER_DEAD_LETTER_ERROR,
    HEADER_DEAD_LETTER_SEQUENCE, HEADER_DEAD_LETTER_STREAM, HEADER_DEAD_LETTER_SUBJECT,
};
pub use self::delivery::{Deliveries, Delivery, DeliveryInfo};
pub use self::events::{Counters, Event, ProcessSummary};
pub use self::process::{ProcessOptions, StopSignal, DEFAULT_STOP_DEADLINE};

/// Typed JetStream access: publish with acks, consume durably. Cheap to clone.
#[derive(Clone, Debug)]
pub struct JetStream {
    ctx: async_nats::jetstream::Context,
    type_headers: bool,
}

impl Client {
    /// JetStream on this client's connection, with the default API prefix and timeouts. For
    /// a domain or other options build an [`async_nats::jetstream::Context`] and use
    /// [`JetStream::new`].
    /// Sends the type headers if this client does ([`Client::with_type_headers`]).
    pub fn jetstream(&self) -> JetStream {
        JetStream::new(async_nats::jetstream::new(self.get_ref().clone()))
            .with_type_headers(self.sends_type_headers())
    }
}

impl JetStream {
    /// Wraps a JetStream context.
    pub fn new(ctx: async_nats::jetstream::Context) -> JetStream {
        JetStream {
            ctx,
            type_headers: true,
        }
    }

    /// Whether published messages carry the type headers (default: yes); see
    /// [`Client::with_type_headers`].
    pub fn with_type_headers(mut self, send: bool) -> JetStream {
        self.type_headers = send;
        self
    }

    /// The untyped context, for managing streams and consumers.
    pub fn context(&self) -> &async_nats::jetstream::Context {
        &self.ctx
    }

    /// Publishes `msg` on `subject` and waits until a stream has stored it (the stream's
    /// ack). Fails with [`Error::NoResponders`] when no stream captures `subject`.
    pub async fn publish<T: Message>(
        &self,
        subject: impl Into<Subject>,
        msg: &T,
    ) -> Result<PublishAck> {
        self.publish_deferred(subject, msg).await?.await
    }

    /// Publishes `msg` on `subject` and returns the pending ack without waiting for it, so
    /// many publishes can be in flight; await the [`PendingAck`] to learn that the message
    /// was stored.
    ///
    /// Each pending ack holds one of the context's `max_ack_inflight` permits (5,000 by
    /// default) until it is awaited or dropped, and a publish waits for a free permit: so
    /// await them in batches (publish 1,000, await those 1,000, …) rather than collecting
    /// more than 5,000 first, which would wait forever.
    pub async fn publish_deferred<T: Message>(
        &self,
        subject: impl Into<Subject>,
        msg: &T,
    ) -> Result<PendingAck> {
        let subject = subject.into();
        let payload = message::encode(msg)?;
        let headers = if self.type_headers {
            message::type_headers(&T::TYPE)
        } else {
            HeaderMap::new()
        };
        match self
            .ctx
            .publish_with_headers(subject.clone(), headers, payload)
            .await
        {
            Ok(ack) => Ok(PendingAck {
                inner: async move { ack.await.map_err(|e| publish_error(&subject, e)) }.boxed(),
            }),
            Err(e) => Err(publish_error(&subject, e)),
        }
    }

    /// A pull consumer on `stream` (created with `config` unless it exists), whose
    /// messages are decoded as `T`. The consumer's name is `config.durable_name` (or
    /// `config.name`); with neither an ephemeral consumer is created.
    ///
    /// Use `AckPolicy::Explicit` (the default) so that only messages whose handler
    /// succeeded are acknowledged; `ack_wait` is how long a crashed worker's messages stay
    /// unacknowledged before they are redelivered, and `max_deliver` (if set) is also the
    /// number of attempts [`Consumer::process`] makes before it gives a message up.
    pub async fn consumer<T: Message>(
        &self,
        stream: &str,
        config: pull::Config,
    ) -> Result<Consumer<T>> {
        let name = config.durable_name.clone().or_else(|| config.name.clone());
        let inner: PullConsumer = self.create_consumer(stream, name, config).await?;
        Ok(Consumer::new(self, inner))
    }

    /// A push consumer on `stream` (created with `config` unless it exists): the server
    /// sends its messages to `config.deliver_subject` without being asked, to one
    /// subscriber, or shared by a `deliver_group`. Acks, redeliveries and
    /// [`Consumer::process`] work as for a [pull consumer](Self::consumer).
    ///
    /// `config.deliver_subject` must be set (for example to a fresh
    /// [`async_nats::Client::new_inbox`]). Set `flow_control` with an `idle_heartbeat`
    /// so that a slow worker is not flooded and a lost connection is noticed.
    ///
    /// # Errors
    ///
    /// [`Error::Nats`] when the stream does not exist or the server refuses the consumer.
    pub async fn push_consumer<T: Message>(
        &self,
        stream: &str,
        config: push::Config,
    ) -> Result<Consumer<T>> {
        let name = config.durable_name.clone().or_else(|| config.name.clone());
        let inner: PushConsumer = self.create_consumer(stream, name, config).await?;
        Ok(Consumer::new_push(self, inner))
    }

    /// Reads `stream` in order, decoded as `T`, through an ordered consumer: an ephemeral
    /// push consumer without acks that the client recreates from the last sequence it saw
    /// when a message goes missing or the connection was lost. Good for replaying a stream
    /// or building a view of it; for work that must be acknowledged use
    /// [`consumer`](Self::consumer).
    ///
    /// Messages need no ack (the consumer's ack policy is none): do not call
    /// [`Delivery::ack`] on them. Unreadable messages are `Err` items and the stream goes
    /// on; [`DeliveryInfo::stream_sequence`] counts up without gaps or repeats.
    pub async fn ordered<T: Message>(
        &self,
        stream: &str,
        config: push::OrderedConfig,
    ) -> Result<Deliveries<T>> {
        let js_stream = self.stream(stream).await?;
        let consumer = js_stream
            .create_consumer(config)
            .await
            .map_err(|e| Error::nats("create consumer", stream, e))?;
        let name = consumer.cached_info().name.clone();
        let messages = consumer
            .messages()
            .await
            .map_err(|e| Error::nats("consume", name.as_str(), e))?;
        Ok(Deliveries::ordered(messages, name))
    }

    async fn stream(&self, stream: &str) -> Result<async_nats::jetstream::stream::Stream> {
        self.ctx
            .get_stream(stream)
            .await
            .map_err(|e| Error::nats("get stream", stream, e))
    }

    async fn create_consumer<C>(
        &self,
        stream: &str,
        name: Option<String>,
        config: C,
    ) -> Result<async_nats::jetstream::consumer::Consumer<C>>
    where
        C: async_nats::jetstream::consumer::IntoConsumerConfig
            + async_nats::jetstream::consumer::FromConsumer,
    {
        let js_stream = self.stream(stream).await?;
        match name {
            Some(name) => js_stream
                .get_or_create_consumer(&name, config)
                .await
                .map_err(|e| Error::nats("create consumer", name.as_str(), e)),
            None => js_stream
                .create_consumer(config)
                .await
                .map_err(|e| Error::nats("create consumer", stream, e)),
        }
    }
}

fn publish_error(subject: &Subject, e: async_nats::jetstream::context::PublishError) -> Error {
    match e.kind() {
        PublishErrorKind::StreamNotFound => Error::NoResponders {
            subject: subject.to_string(),
        },
        _ => Error::nats("jetstream publish", subject.as_str(), e),
    }
}

/// The stream's ack of a [`JetStream::publish_deferred`], still to come: a future of the
/// [`PublishAck`] (or of the error that the message was not stored).
#[must_use = "the message may not be stored: await the ack"]
pub struct PendingAck {
    inner: BoxFuture<'static, Result<PublishAck>>,
}

impl fmt::Debug for PendingAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAck").finish_non_exhaustive()
    }
}

impl Future for PendingAck {
    type Output = Result<PublishAck>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.poll_unpin(cx)
    }
}
