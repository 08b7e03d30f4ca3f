//! One decoded JetStream message ([`Delivery`]) and the stream of them ([`Deliveries`]),
//! whichever kind of consumer they come from.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, push};
use async_nats::jetstream::message::Acker;
use async_nats::jetstream::AckKind;
use async_nats::{HeaderMap, Subject};
use bytes::Bytes;
use futures::{Stream, StreamExt};

use crate::error::{BoxError, Error, Result};
use crate::message::{self, Message, Version};

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
    pub(crate) acker: Acker,
    /// The undecoded payload, for a dead letter.
    pub(crate) payload: Bytes,
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
        send_ack(&self.acker, kind, operation, &self.info.subject).await
    }

    /// The value, its info and the `async_nats` acker.
    pub fn into_parts(self) -> (T, DeliveryInfo, Acker) {
        (self.value, self.info, self.acker)
    }
}

pub(crate) async fn double_ack(acker: &Acker, subject: &Subject) -> Result<()> {
    acker
        .double_ack()
        .await
        .map_err(|e| Error::nats("ack", subject.as_str(), e))
}

pub(crate) async fn send_ack(
    acker: &Acker,
    kind: AckKind,
    operation: &'static str,
    subject: &Subject,
) -> Result<()> {
    acker
        .ack_with(kind)
        .await
        .map_err(|e| Error::nats(operation, subject.as_str(), e))
}

/// Where the raw messages come from.
enum Source {
    Pull(pull::Stream),
    Push(push::Messages),
    Ordered(Box<push::Ordered>),
}

/// The messages of a [`Consumer`](crate::Consumer) (or of an ordered consumer), decoded: a
/// [`Stream`] of `Result<Delivery<T>, Error>`.
pub struct Deliveries<T> {
    source: Source,
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

/// A message that did not decode, with what it takes to terminate or dead-letter it.
pub(crate) struct Unreadable {
    pub(crate) error: Error,
    pub(crate) subject: Subject,
    pub(crate) headers: Option<HeaderMap>,
    pub(crate) payload: Bytes,
    pub(crate) stream_sequence: u64,
    pub(crate) delivered: i64,
    pub(crate) acker: Acker,
}

pub(crate) type RawItem<T> = std::result::Result<Delivery<T>, RawError>;

pub(crate) enum RawError {
    /// One message was unreadable (not yet terminated).
    Message(Box<Unreadable>),
    /// The consumer failed but goes on.
    Transient(Error),
    /// The consumer is gone or cannot go on.
    Fatal(Error),
}

impl<T: Message> Deliveries<T> {
    pub(crate) fn pull(inner: pull::Stream, name: String) -> Deliveries<T> {
        Deliveries::with_source(Source::Pull(inner), name)
    }

    pub(crate) fn push(inner: push::Messages, name: String) -> Deliveries<T> {
        Deliveries::with_source(Source::Push(inner), name)
    }

    pub(crate) fn ordered(inner: push::Ordered, name: String) -> Deliveries<T> {
        Deliveries::with_source(Source::Ordered(Box::new(inner)), name)
    }

    fn with_source(source: Source, name: String) -> Deliveries<T> {
        Deliveries {
            source,
            name,
            _marker: PhantomData,
        }
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) async fn next_raw(&mut self) -> Option<RawItem<T>> {
        futures::future::poll_fn(|cx| self.poll_raw(cx)).await
    }

    /// Polls the source once; `(transient, error)` on a failure of the consumer.
    fn poll_source(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<async_nats::jetstream::Message, (bool, Error)>>> {
        use async_nats::jetstream::consumer::pull::MessagesErrorKind as PullKind;
        use async_nats::jetstream::consumer::push::{
            MessagesErrorKind as PushKind, OrderedErrorKind,
        };
        let name = self.name.as_str();
        let fail = |transient: bool, e: BoxError| (transient, Error::nats("consume", name, e));
        match &mut self.source {
            Source::Pull(s) => s.poll_next_unpin(cx).map(|o| {
                o.map(|r| {
                    r.map_err(|e| {
                        let transient = matches!(
                            e.kind(),
                            PullKind::MissingHeartbeat | PullKind::Pull | PullKind::Other
                        );
                        fail(transient, e.into())
                    })
                })
            }),
            Source::Push(s) => s.poll_next_unpin(cx).map(|o| {
                o.map(|r| {
                    r.map_err(|e| {
                        let transient =
                            matches!(e.kind(), PushKind::MissingHeartbeat | PushKind::Other);
                        fail(transient, e.into())
                    })
                })
            }),
            Source::Ordered(s) => s.poll_next_unpin(cx).map(|o| {
                o.map(|r| {
                    r.map_err(|e| {
                        let transient = matches!(
                            e.kind(),
                            OrderedErrorKind::MissingHeartbeat | OrderedErrorKind::Other
                        );
                        fail(transient, e.into())
                    })
                })
            }),
        }
    }

    pub(crate) fn poll_raw(&mut self, cx: &mut Context<'_>) -> Poll<Option<RawItem<T>>> {
        let msg = match self.poll_source(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Ok(msg))) => msg,
            Poll::Ready(Some(Err((true, e)))) => {
                return Poll::Ready(Some(Err(RawError::Transient(e))))
            }
            Poll::Ready(Some(Err((false, e)))) => {
                return Poll::Ready(Some(Err(RawError::Fatal(e))))
            }
        };
        let (stream_sequence, delivered) = match msg.info() {
            Ok(info) => (info.stream_sequence, info.delivered),
            Err(_) => (0, 0),
        };
        let (msg, acker) = msg.split();
        let decoded =
            message::decode::<T>(msg.subject.as_str(), msg.headers.as_ref(), &msg.payload);
        Poll::Ready(Some(match decoded {
            Ok((value, sender_version)) => Ok(Delivery {
                value,
                info: DeliveryInfo {
                    subject: msg.subject,
                    headers: msg.headers,
                    sender_version,
                    stream_sequence,
                    delivered,
                },
                acker,
                payload: msg.payload,
            }),
            Err(error) => Err(RawError::Message(Box::new(Unreadable {
                error,
                subject: msg.subject,
                headers: msg.headers,
                payload: msg.payload,
                stream_sequence,
                delivered,
                acker,
            }))),
        }))
    }
}

impl<T: Message> Stream for Deliveries<T> {
    type Item = Result<Delivery<T>>;

    /// An unreadable message is terminated (unless it comes from an ordered consumer,
    /// which takes no acks) so it is not redelivered forever, and yielded as its error.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let acks = !matches!(this.source, Source::Ordered(_));
        this.poll_raw(cx).map(|o| {
            o.map(|r| {
                r.map_err(|e| match e {
                    RawError::Message(bad) => {
                        if acks {
                            // It will never decode: do not let it come back after every ack_wait.
                            let acker = bad.acker;
                            tokio::spawn(async move {
                                let _ = acker.ack_with(AckKind::Term).await;
                            });
                        }
                        bad.error
                    }
                    RawError::Transient(e) | RawError::Fatal(e) => e,
                })
            })
        })
    }
}
