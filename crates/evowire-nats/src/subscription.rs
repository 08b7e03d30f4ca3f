//! Typed subscriptions.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_nats::{HeaderMap, Subject};
use futures::{Stream, StreamExt};

use crate::error::{Error, Result};
use crate::message::{self, Message, Version};

/// A message received and decoded as `T`, with where it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Received<T> {
    /// The subject it was published on.
    pub subject: Subject,
    /// Its reply subject, if the sender expects an answer.
    pub reply: Option<Subject>,
    /// All of its headers.
    pub headers: Option<HeaderMap>,
    /// The sender's version of `T`, from the `Evowire-Version` header (same major as ours).
    pub sender_version: Option<Version>,
    /// The decoded message.
    pub value: T,
}

impl<T> Received<T> {
    /// The decoded message, without the rest.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// The messages of a subscription, decoded as `T`: a
/// [`Stream`] of `Result<Received<T>, Error>`.
///
/// A message that cannot be read as `T` is an `Err` item ([`Error::Decode`] with the byte
/// offset, or [`Error::Incompatible`] when its headers announce another type, content type
/// or major version), naming its subject; the stream then goes on. The stream ends when the
/// subscription is unsubscribed or the client is closed.
///
/// Dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription<T> {
    inner: async_nats::Subscriber,
    _marker: PhantomData<fn() -> T>,
}

impl<T: Message> Subscription<T> {
    pub(crate) fn new(inner: async_nats::Subscriber) -> Subscription<T> {
        Subscription {
            inner,
            _marker: PhantomData,
        }
    }

    /// Unsubscribes: the stream ends after the messages already received.
    pub async fn unsubscribe(&mut self) -> Result<()> {
        self.inner
            .unsubscribe()
            .await
            .map_err(|e| Error::nats("unsubscribe", "", e))
    }

    /// The untyped `async_nats` subscriber.
    pub fn into_inner(self) -> async_nats::Subscriber {
        self.inner
    }
}

pub(crate) fn decode_message<T: Message>(msg: async_nats::Message) -> Result<Received<T>> {
    let (value, sender_version) =
        message::decode::<T>(msg.subject.as_str(), msg.headers.as_ref(), &msg.payload)?;
    Ok(Received {
        subject: msg.subject,
        reply: msg.reply,
        headers: msg.headers,
        sender_version,
        value,
    })
}

impl<T: Message> Stream for Subscription<T> {
    type Item = Result<Received<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_next_unpin(cx)
            .map(|m| m.map(decode_message::<T>))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
