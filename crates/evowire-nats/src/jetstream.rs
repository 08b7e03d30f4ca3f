//! Durable delivery through JetStream: a typed publisher that waits for the stream's ack
//! and a typed pull consumer that acks only after the handler succeeded.

use std::fmt::{self, Display};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_nats::jetstream::consumer::pull::{self, MessagesErrorKind};
use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::Acker;
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::AckKind;
use async_nats::{HeaderMap, Subject};
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, Stream, StreamExt};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::message::{self, Message, Version};

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

    /// A durable pull consumer on `stream` (created with `config` unless it exists), whose
    /// messages are decoded as `T`. The consumer's name is `config.durable_name` (or
    /// `config.name`); with neither an ephemeral consumer is created.
    ///
    /// Use `AckPolicy::Explicit` (the default) so that only messages whose handler
    /// succeeded are acknowledged; `ack_wait` is how long a crashed worker's messages stay
    /// unacknowledged before they are redelivered.
    pub async fn consumer<T: Message>(
        &self,
        stream: &str,
        config: pull::Config,
    ) -> Result<Consumer<T>> {
        let js_stream = self
            .ctx
            .get_stream(stream)
            .await
            .map_err(|e| Error::nats("get stream", stream, e))?;
        let name = config.durable_name.clone().or_else(|| config.name.clone());
        let inner: PullConsumer = match name {
            Some(name) => js_stream
                .get_or_create_consumer(&name, config)
                .await
                .map_err(|e| Error::nats("create consumer", name.as_str(), e))?,
            None => js_stream
                .create_consumer(config)
                .await
                .map_err(|e| Error::nats("create consumer", stream, e))?,
        };
        Ok(Consumer::new(inner))
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

/// Where a JetStream message came from and how often it was delivered.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeliveryInfo {
    /// The subject it was published on.
    pub subject: Subject,
    /// All of its headers.
    pub headers: Option<HeaderMap>,
    /// The sender's version of the message type (same major as ours).
    pub sender_version: Option<Version>,
    /// Its sequence number in the stream (unique per stored message).
    pub stream_sequence: u64,
    /// How many times it has been delivered, this time included (> 1: a redelivery).
    pub delivered: i64,
}

/// A JetStream message decoded as `T`, to be acknowledged.
///
/// Until it is acked the stream keeps it; if it is not acked within the consumer's
/// `ack_wait` (the worker crashed, or simply dropped it) it is delivered again.
pub struct Delivery<T> {
    /// The decoded message.
    pub value: T,
    /// Where it came from.
    pub info: DeliveryInfo,
    acker: Acker,
}

impl<T: fmt::Debug> fmt::Debug for Delivery<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("value", &self.value)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl<T> Delivery<T> {
    /// Acknowledges it and waits until the server confirms the ack (a double ack: a plain
    /// ack is not confirmed and may be lost, leading to a redelivery).
    pub async fn ack(&self) -> Result<()> {
        double_ack(&self.acker, &self.info.subject).await
    }

    /// Asks for a redelivery, after `delay` if given.
    pub async fn nak(&self, delay: Option<Duration>) -> Result<()> {
        self.ack_with(AckKind::Nak(delay), "nak").await
    }

    /// Tells the server it is still being worked on (resets its `ack_wait`).
    pub async fn in_progress(&self) -> Result<()> {
        self.ack_with(AckKind::Progress, "progress").await
    }

    /// Gives up on it for good: it will never be redelivered.
    pub async fn term(&self) -> Result<()> {
        self.ack_with(AckKind::Term, "term").await
    }

    async fn ack_with(&self, kind: AckKind, operation: &'static str) -> Result<()> {
        self.acker
            .ack_with(kind)
            .await
            .map_err(|e| Error::nats(operation, self.info.subject.as_str(), e))
    }

    /// The value, its info and the `async_nats` acker.
    pub fn into_parts(self) -> (T, DeliveryInfo, Acker) {
        (self.value, self.info, self.acker)
    }
}

async fn double_ack(acker: &Acker, subject: &Subject) -> Result<()> {
    acker
        .double_ack()
        .await
        .map_err(|e| Error::nats("ack", subject.as_str(), e))
}

/// Options of [`Consumer::process`].
#[derive(Clone, Debug)]
pub struct ProcessOptions {
    max_in_flight: usize,
    nak_delay: Option<Duration>,
}

impl Default for ProcessOptions {
    fn default() -> ProcessOptions {
        ProcessOptions::new()
    }
}

impl ProcessOptions {
    /// At most 16 messages handled at once; a failed message is redelivered at once.
    pub fn new() -> ProcessOptions {
        ProcessOptions {
            max_in_flight: 16,
            nak_delay: None,
        }
    }

    /// Handles at most `n` messages at once (at least 1; 1 handles them one by one in
    /// stream order, redeliveries aside).
    pub fn with_max_in_flight(mut self, n: usize) -> ProcessOptions {
        self.max_in_flight = n.max(1);
        self
    }

    /// Asks for a message whose handler failed to be redelivered after `delay`.
    pub fn with_nak_delay(mut self, delay: Duration) -> ProcessOptions {
        self.nak_delay = Some(delay);
        self
    }
}

/// A typed pull consumer: its messages decoded as `T`.
pub struct Consumer<T> {
    inner: PullConsumer,
    name: String,
    _marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T: Message> Consumer<T> {
    /// Wraps an `async_nats` pull consumer.
    pub fn new(inner: PullConsumer) -> Consumer<T> {
        let name = inner.cached_info().name.clone();
        Consumer {
            inner,
            name,
            _marker: PhantomData,
        }
    }

    /// The untyped consumer.
    pub fn get_ref(&self) -> &PullConsumer {
        &self.inner
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The consumer's current state from the server: pending, unacknowledged
    /// (`num_ack_pending`) and redelivered message counts.
    pub async fn info(&self) -> Result<async_nats::jetstream::consumer::Info> {
        self.inner
            .get_info()
            .await
            .map_err(|e| Error::nats("consumer info", self.name.as_str(), e))
    }

    /// The consumer's messages, decoded, as they arrive: a [`Stream`] of
    /// `Result<Delivery<T>, Error>`. Ack each [`Delivery`] when done with it.
    ///
    /// A message that cannot be decoded as `T` (or comes from an incompatible sender) is an
    /// `Err` item naming its subject; it is terminated (`AckKind::Term`) so it is not
    /// redelivered forever, and the stream goes on. Errors of the pull itself are `Err`
    /// items too ([`Error::Nats`]).
    pub async fn messages(&self) -> Result<Deliveries<T>> {
        let inner = self
            .inner
            .messages()
            .await
            .map_err(|e| Error::nats("consume", self.name.as_str(), e))?;
        Ok(Deliveries {
            inner,
            name: self.name.clone(),
            _marker: PhantomData,
        })
    }

    /// Runs `handler` on every message, up to [`ProcessOptions::with_max_in_flight`] at
    /// once, and acknowledges a message (waiting for the server's confirmation) only after
    /// its handler returned `Ok`. A handler error naks the message, so it is redelivered.
    /// A message that cannot be decoded is terminated and logged (`tracing` warning), as
    /// in [`messages`](Self::messages).
    ///
    /// Runs until the consumer is deleted or the connection fails for good (then it
    /// returns the error); to stop it, drop the future or abort its task. Messages being
    /// handled at that moment are not acked and are redelivered after the consumer's
    /// `ack_wait`, to this or another worker on the same durable consumer: delivery is at
    /// least once, so make handlers idempotent or count duplicates by
    /// [`DeliveryInfo::stream_sequence`].
    pub async fn process<E, F, Fut>(&self, options: ProcessOptions, handler: F) -> Result<()>
    where
        E: Display,
        F: Fn(T, DeliveryInfo) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
    {
        let mut messages = self.messages().await?;
        let mut in_flight = FuturesUnordered::new();
        let max = options.max_in_flight;
        loop {
            tokio::select! {
                biased;
                Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                next = messages.next_raw(), if in_flight.len() < max => match next {
                    None => break,
                    Some(Ok(delivery)) => {
                        in_flight.push(handle(&handler, delivery, options.nak_delay));
                    }
                    Some(Err(RawError::Message(e))) => {
                        tracing::warn!(consumer = %self.name, error = %e, "terminated an unreadable message");
                    }
                    Some(Err(RawError::Transient(e))) => {
                        tracing::warn!(consumer = %self.name, error = %e, "pull error, going on");
                    }
                    Some(Err(RawError::Fatal(e))) => return Err(e),
                },
            }
        }
        while in_flight.next().await.is_some() {}
        Ok(())
    }
}

async fn handle<T, E, F, Fut>(handler: &F, delivery: Delivery<T>, nak_delay: Option<Duration>)
where
    E: Display,
    F: Fn(T, DeliveryInfo) -> Fut,
    Fut: Future<Output = std::result::Result<(), E>>,
{
    let (value, info, acker) = delivery.into_parts();
    let subject = info.subject.clone();
    let seq = info.stream_sequence;
    match handler(value, info).await {
        Ok(()) => {
            if let Err(e) = double_ack(&acker, &subject).await {
                // Not acked: the message is redelivered after ack_wait (at least once).
                tracing::warn!(%subject, seq, error = %e, "ack failed");
            }
        }
        Err(e) => {
            tracing::debug!(%subject, seq, error = %e, "handler failed, nak");
            if let Err(e) = acker.ack_with(AckKind::Nak(nak_delay)).await {
                tracing::warn!(%subject, seq, error = %e, "nak failed");
            }
        }
    }
}

/// The messages of a [`Consumer`], decoded: a [`Stream`] of `Result<Delivery<T>, Error>`.
pub struct Deliveries<T> {
    inner: pull::Stream,
    name: String,
    _marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Deliveries<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliveries")
            .field("consumer", &self.name)
            .finish_non_exhaustive()
    }
}

type RawItem<T> = Result<Delivery<T>, RawError>;

enum RawError {
    /// One message was unreadable (and has been terminated).
    Message(Error),
    /// The pull failed but goes on.
    Transient(Error),
    /// The consumer is gone or the pull cannot go on.
    Fatal(Error),
}

impl RawError {
    fn into_error(self) -> Error {
        match self {
            RawError::Message(e) | RawError::Transient(e) | RawError::Fatal(e) => e,
        }
    }
}

impl<T: Message> Deliveries<T> {
    async fn next_raw(&mut self) -> Option<RawItem<T>> {
        futures::future::poll_fn(|cx| self.poll_raw(cx)).await
    }

    fn poll_raw(&mut self, cx: &mut Context<'_>) -> Poll<Option<RawItem<T>>> {
        let item = match self.inner.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(item)) => item,
        };
        let msg = match item {
            Ok(msg) => msg,
            Err(e) => {
                let transient = matches!(
                    e.kind(),
                    MessagesErrorKind::MissingHeartbeat
                        | MessagesErrorKind::Pull
                        | MessagesErrorKind::Other
                );
                let err = Error::nats("consume", self.name.as_str(), e);
                return Poll::Ready(Some(Err(if transient {
                    RawError::Transient(err)
                } else {
                    RawError::Fatal(err)
                })));
            }
        };
        let (stream_sequence, delivered) = match msg.info() {
            Ok(info) => (info.stream_sequence, info.delivered),
            Err(_) => (0, 0),
        };
        let (msg, acker) = msg.split();
        match message::decode::<T>(msg.subject.as_str(), msg.headers.as_ref(), &msg.payload) {
            Ok((value, sender_version)) => Poll::Ready(Some(Ok(Delivery {
                value,
                info: DeliveryInfo {
                    subject: msg.subject,
                    headers: msg.headers,
                    sender_version,
                    stream_sequence,
                    delivered,
                },
                acker,
            }))),
            Err(e) => {
                // It will never decode: do not let it come back after every ack_wait.
                tokio::spawn(async move {
                    let _ = acker.ack_with(AckKind::Term).await;
                });
                Poll::Ready(Some(Err(RawError::Message(e))))
            }
        }
    }
}

impl<T: Message> Stream for Deliveries<T> {
    type Item = Result<Delivery<T>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .poll_raw(cx)
            .map(|o| o.map(|r| r.map_err(RawError::into_error)))
    }
}
