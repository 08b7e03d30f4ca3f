//! The typed client: publish, subscribe, request.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{HeaderMap, Subject};
use bytes::Bytes;

use crate::error::{Error, Result};
use crate::message::{self, Message, RemoteError};
use crate::subscription::Subscription;

/// A typed NATS client. Cheap to clone (clones share one connection).
///
/// Every message it sends is evowire-encoded and carries the [`MessageType`] headers of
/// its type; everything it receives is checked against them and decoded.
///
/// [`MessageType`]: crate::MessageType
#[derive(Clone, Debug)]
pub struct Client {
    inner: async_nats::Client,
    type_headers: bool,
}

impl From<async_nats::Client> for Client {
    fn from(inner: async_nats::Client) -> Client {
        Client::new(inner)
    }
}

impl Client {
    /// Connects to a NATS server with default options, e.g. `"127.0.0.1:4222"` or
    /// `"nats://host:4222"`. For credentials, TLS and other options connect with
    /// [`async_nats::ConnectOptions`] and wrap the client with [`Client::new`].
    pub async fn connect<A: async_nats::ToServerAddrs>(addrs: A) -> Result<Client> {
        async_nats::connect(addrs)
            .await
            .map(Client::new)
            .map_err(Error::Connect)
    }

    /// Wraps a connected `async_nats` client.
    pub fn new(inner: async_nats::Client) -> Client {
        Client {
            inner,
            type_headers: true,
        }
    }

    /// Whether messages sent through this client carry the `Content-Type`,
    /// `Evowire-Type` and `Evowire-Version` headers (default: yes).
    ///
    /// Turning them off makes publishing cheaper (async-nats builds and serializes a header
    /// map per message, which costs more than encoding a small message; see the crate's
    /// README for figures), at the price of the receivers' checks: a message without headers
    /// is decoded without checking its type and version. Error replies of a
    /// [`serve`](Self::serve)d service always carry their headers.
    pub fn with_type_headers(mut self, send: bool) -> Client {
        self.type_headers = send;
        self
    }

    /// Whether this client sends the type headers ([`with_type_headers`](Self::with_type_headers)).
    pub fn sends_type_headers(&self) -> bool {
        self.type_headers
    }

    /// The headers to send with a `T`: empty if this client sends none (async-nats then
    /// sends a plain `PUB`).
    pub(crate) fn headers_for<T: Message>(&self) -> HeaderMap {
        if self.type_headers {
            message::type_headers(&T::TYPE)
        } else {
            HeaderMap::new()
        }
    }

    /// The underlying `async_nats` client (for untyped publishing, JetStream management, …).
    pub fn get_ref(&self) -> &async_nats::Client {
        &self.inner
    }

    /// Unwraps the underlying `async_nats` client.
    pub fn into_inner(self) -> async_nats::Client {
        self.inner
    }

    /// Publishes `msg` on `subject` (fire and forget: it is queued for the connection;
    /// [`flush`](Self::flush) waits until the server has everything).
    pub async fn publish<T: Message>(&self, subject: impl Into<Subject>, msg: &T) -> Result<()> {
        let subject = subject.into();
        let payload = message::encode(msg)?;
        let sent = if self.type_headers {
            let headers = message::type_headers(&T::TYPE);
            self.inner
                .publish_with_headers(subject.clone(), headers, payload)
                .await
        } else {
            self.inner.publish(subject.clone(), payload).await
        };
        sent.map_err(|e| Error::nats("publish", subject.as_str(), e))
    }

    /// Publishes `msg` on `subject` with a reply subject (for hand-made request patterns;
    /// [`request`](Self::request) is the usual way).
    pub async fn publish_with_reply<T: Message>(
        &self,
        subject: impl Into<Subject>,
        reply: impl Into<Subject>,
        msg: &T,
    ) -> Result<()> {
        let subject = subject.into();
        let payload = message::encode(msg)?;
        self.inner
            .publish_with_reply_and_headers(
                subject.clone(),
                reply.into(),
                self.headers_for::<T>(),
                payload,
            )
            .await
            .map_err(|e| Error::nats("publish", subject.as_str(), e))
    }

    /// Waits until the server has processed everything this client sent so far
    /// (publications, subscriptions): one round trip to the server.
    ///
    /// (`async_nats::Client::flush` only writes the client's buffer to the socket; this
    /// follows it with a request that the server answers at once with "no responders", on
    /// the same connection, so its answer comes after everything sent before.)
    pub async fn flush(&self) -> Result<()> {
        self.inner
            .flush()
            .await
            .map_err(|e| Error::nats("flush", "", e))?;
        let nobody = self.inner.new_inbox();
        match self.inner.request(nobody, Bytes::new()).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == RequestErrorKind::NoResponders => Ok(()),
            Err(e) => Err(Error::nats("flush", "", e)),
        }
    }

    /// Subscribes to `subject` (wildcards allowed) and yields its messages decoded as `T`.
    /// When this returns, the server knows the subscription: a message published after it
    /// (by anyone) is received.
    pub async fn subscribe<T: Message>(
        &self,
        subject: impl Into<Subject>,
    ) -> Result<Subscription<T>> {
        let subject = subject.into();
        let sub = self
            .inner
            .subscribe(subject.clone())
            .await
            .map_err(|e| Error::nats("subscribe", subject.as_str(), e))?;
        self.flush().await?;
        Ok(Subscription::new(sub))
    }

    /// Like [`subscribe`](Self::subscribe), in queue group `group`: each message goes to one
    /// member of the group.
    pub async fn queue_subscribe<T: Message>(
        &self,
        subject: impl Into<Subject>,
        group: impl Into<String>,
    ) -> Result<Subscription<T>> {
        let subject = subject.into();
        let sub = self
            .inner
            .queue_subscribe(subject.clone(), group.into())
            .await
            .map_err(|e| Error::nats("subscribe", subject.as_str(), e))?;
        self.flush().await?;
        Ok(Subscription::new(sub))
    }

    /// Sends `req` on `subject` and waits up to `timeout` for the reply, decoded as `Resp`.
    ///
    /// Fails with [`Error::NoResponders`] at once when nobody listens on the subject,
    /// [`Error::Timeout`] when nobody answered in time, and [`Error::Remote`] when the
    /// service's handler failed (see [`serve`](Self::serve)).
    pub async fn request<Req: Message, Resp: Message>(
        &self,
        subject: impl Into<Subject>,
        req: &Req,
        timeout: Duration,
    ) -> Result<Resp> {
        let subject = subject.into();
        let payload = message::encode(req)?;
        let request = async_nats::Request::new()
            .headers(self.headers_for::<Req>())
            .payload(payload)
            .timeout(Some(timeout));
        let reply = match self.inner.send_request(subject.clone(), request).await {
            Ok(reply) => reply,
            Err(e) => {
                return Err(match e.kind() {
                    RequestErrorKind::TimedOut => Error::Timeout {
                        subject: subject.to_string(),
                        after: timeout,
                    },
                    RequestErrorKind::NoResponders => Error::NoResponders {
                        subject: subject.to_string(),
                    },
                    _ => Error::nats("request", subject.as_str(), e),
                })
            }
        };
        decode_reply(&subject, reply.headers.as_ref(), &reply.payload)
    }
}

/// Decodes a reply, turning a [`RemoteError`] reply into [`Error::Remote`].
pub(crate) fn decode_reply<Resp: Message>(
    subject: &Subject,
    headers: Option<&HeaderMap>,
    payload: &[u8],
) -> Result<Resp> {
    if message::is_remote_error(headers) {
        let (err, _) = message::decode::<RemoteError>(subject, headers, payload)?;
        return Err(Error::Remote {
            subject: subject.to_string(),
            message: err.message,
        });
    }
    message::decode(subject, headers, payload).map(|(v, _)| v)
}
