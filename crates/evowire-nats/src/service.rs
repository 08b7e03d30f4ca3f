//! Typed services: answer requests on a subject.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_nats::{HeaderMap, Subject};
use bytes::Bytes;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::error::{Chain, Error, Result};
use crate::message::{self, Message, RemoteError};
use crate::subscription::{decode_message, Received};

/// How many requests a [`Service`] handles at once unless told otherwise.
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;

/// Options of [`Client::serve`].
#[derive(Clone, Debug)]
pub struct ServeOptions {
    queue_group: Option<String>,
    max_concurrency: usize,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions::new()
    }
}

impl ServeOptions {
    /// No queue group, at most [`DEFAULT_MAX_CONCURRENCY`] requests at once.
    pub fn new() -> ServeOptions {
        ServeOptions {
            queue_group: None,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }

    /// Joins queue group `group`: every service in the group (in this process or any
    /// other) gets a share of the requests, and each request goes to one of them. Without a
    /// group, every service on the subject answers every request (the caller takes the
    /// first answer).
    pub fn with_queue_group(mut self, group: impl Into<String>) -> ServeOptions {
        self.queue_group = Some(group.into());
        self
    }

    /// Handles at most `n` requests at once (at least 1); further requests wait in the
    /// subscription's queue.
    pub fn with_max_concurrency(mut self, n: usize) -> ServeOptions {
        self.max_concurrency = n.max(1);
        self
    }
}

/// A running service started by [`Client::serve`]. Dropping it stops the service at once
/// (requests being handled get no answer); [`stop`](Self::stop) stops it gracefully.
#[derive(Debug)]
pub struct Service {
    subject: String,
    handled: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Service {
    /// The subject it answers on.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// How many requests it has answered so far (with a response or an error reply).
    pub fn handled(&self) -> u64 {
        self.handled.load(Ordering::Relaxed)
    }

    /// Stops taking requests (unsubscribes, and waits until the server knows) and waits
    /// until the requests being handled are answered. Returns how many requests it answered in all.
    pub async fn stop(mut self) -> u64 {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.handled()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Answers requests of type `Req` on `subject` with `handler`, which returns a `Resp` or
    /// an error.
    ///
    /// Up to [`ServeOptions::with_max_concurrency`] requests are handled at once, on the
    /// service's own task (spawn inside the handler for CPU-heavy work). A handler error is
    /// sent back as an error reply (`Evowire-Type: evowire.RemoteError`, payload an
    /// evowire-encoded `struct { message: String }` holding the error's `Display`) and the
    /// caller's [`request`](Self::request) returns [`Error::Remote`] with that message. So
    /// does a request that cannot be decoded as `Req` or comes from an incompatible sender:
    /// the caller learns why at once instead of timing out.
    ///
    /// When this returns the server knows the subscription. Must be called within a tokio
    /// runtime.
    pub async fn serve<Req, Resp, E, F, Fut>(
        &self,
        subject: impl Into<Subject>,
        options: ServeOptions,
        handler: F,
    ) -> Result<Service>
    where
        Req: Message + Send + 'static,
        Resp: Message + Send + 'static,
        E: Display + 'static,
        F: Fn(Received<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Resp, E>> + Send + 'static,
    {
        let subject = subject.into();
        let nats = self.get_ref();
        let mut sub = match &options.queue_group {
            Some(group) => nats.queue_subscribe(subject.clone(), group.clone()).await,
            None => nats.subscribe(subject.clone()).await,
        }
        .map_err(|e| Error::nats("subscribe", subject.as_str(), e))?;
        self.flush().await?;

        let handled = Arc::new(AtomicU64::new(0));
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        let client = self.get_ref().clone();
        let type_headers = self.sends_type_headers();
        let counter = handled.clone();
        let max = options.max_concurrency;
        let task = tokio::spawn(async move {
            let mut in_flight = FuturesUnordered::new();
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stop_rx => break,
                    Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                    msg = sub.next(), if in_flight.len() < max => match msg {
                        Some(msg) => in_flight.push(answer(&client, type_headers, &handler, &counter, msg)),
                        None => break,
                    },
                }
            }
            let _ = sub.unsubscribe().await;
            // Return from `stop` only once the server no longer routes requests here.
            let _ = Client::new(client.clone()).flush().await;
            while in_flight.next().await.is_some() {}
        });
        Ok(Service {
            subject: subject.to_string(),
            handled,
            stop: Some(stop_tx),
            task,
        })
    }
}

/// Handles one request and publishes the reply.
async fn answer<Req, Resp, E, F, Fut>(
    client: &async_nats::Client,
    type_headers: bool,
    handler: &F,
    handled: &AtomicU64,
    msg: async_nats::Message,
) where
    Req: Message,
    Resp: Message,
    E: Display,
    F: Fn(Received<Req>) -> Fut,
    Fut: Future<Output = std::result::Result<Resp, E>>,
{
    let subject = msg.subject.clone();
    let reply_to = msg.reply.clone();
    let reply = match decode_message::<Req>(msg) {
        Ok(received) => match handler(received).await {
            Ok(resp) => match message::encode(&resp) {
                Ok(bytes) => Ok(bytes),
                Err(e) => Err(format!("cannot encode the response: {}", Chain(&e))),
            },
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(format!("bad request: {}", Chain(&e))),
    };
    // Counted before the reply goes out, so a caller that has its answer sees the count.
    handled.fetch_add(1, Ordering::Relaxed);
    let Some(reply_to) = reply_to else {
        if let Err(message) = reply {
            tracing::debug!(%subject, %message, "request without reply subject failed");
        }
        return;
    };
    let (headers, payload) = match reply {
        Ok(bytes) if type_headers => (message::type_headers(&Resp::TYPE), bytes),
        Ok(bytes) => (HeaderMap::new(), bytes),
        Err(message) => (
            message::type_headers(&RemoteError::TYPE),
            message::encode(&RemoteError { message }).unwrap_or_else(|_| Bytes::new()),
        ),
    };
    if let Err(e) = client
        .publish_with_headers(reply_to, headers, payload)
        .await
    {
        tracing::warn!(%subject, error = %e, "cannot publish a reply");
    }
}
