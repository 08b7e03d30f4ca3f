//! A typed QUIC connection: messages on the control stream (a [`crate::Connection`]),
//! calls on streams of their own, and the graceful close of both.

use std::borrow::Borrow;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify};

use super::calls::{serve_calls, Calls};
use super::code;
use crate::error::{Error, Result};
use crate::options::{Options, Protocol};
use crate::tls::peer::{Peer, PeerIdentity};
use crate::Receiver;

/// A typed, established QUIC connection: send `Out` messages and requests, receive `In`
/// messages and answers, as a TCP [`Connection`](crate::Connection) does.
///
/// Get one from [`Connector::connect`](super::Connector::connect) or
/// [`Listener::accept`](super::Listener::accept). Messages arrive in the order they were
/// sent; each call runs on a stream of its own, so calls never wait for one another.
/// Dropping every sending handle (the connection and all [`Sender`] clones) closes the
/// connection gracefully, as [`close`](Self::close) does.
pub struct Connection<In, Out> {
    tx: Sender<In, Out>,
    rx: Receiver<In>,
}

/// What the handles and tasks of one QUIC connection share.
struct Shared {
    calls: Calls,
    /// Keeps the UDP socket's endpoint alive while the connection is.
    _endpoint: quinn::Endpoint,
    /// Becomes true once the QUIC connection is closed.
    finished: watch::Receiver<bool>,
}

/// Starts a graceful close when the last [`Sender`] is dropped.
struct Handle {
    close_requested: Arc<Notify>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.close_requested.notify_one();
    }
}

impl<In, Out> Connection<In, Out>
where
    In: Send + 'static,
    Out: Send + 'static,
{
    /// Runs a connection whose control stream (`inner`) has done its handshake: answers
    /// the peer's calls with `handler` (made for this peer) and closes the QUIC
    /// connection gracefully at the end.
    pub(crate) fn start(
        inner: crate::Connection<In, Out>,
        quic: quinn::Connection,
        endpoint: quinn::Endpoint,
        opts: Options,
        handler: Option<&crate::Handler<In, Out>>,
    ) -> Self {
        let (inner_tx, rx) = inner.split();
        let handler = handler.map(|h| h.bind(rx.peer_arc()));
        let peer_max = rx.peer_max_frame();
        tokio::spawn(serve_calls(quic.clone(), handler, opts.clone(), peer_max));
        let (finished_tx, finished) = watch::channel(false);
        let shared = Arc::new(Shared {
            calls: Calls::new(quic, opts, peer_max),
            _endpoint: endpoint,
            finished,
        });
        let close_requested = Arc::new(Notify::new());
        tokio::spawn(closer(
            inner_tx.clone(),
            shared.clone(),
            close_requested.clone(),
            finished_tx,
        ));
        Connection {
            tx: Sender {
                inner: inner_tx,
                shared,
                _handle: Arc::new(Handle { close_requested }),
            },
            rx,
        }
    }
}

/// Closes the QUIC connection once the control stream has ended (close frames exchanged,
/// or broken) and this side's calls are answered, after the peer said it is done too.
async fn closer<In, Out>(
    inner: crate::Sender<In, Out>,
    shared: Arc<Shared>,
    close_requested: Arc<Notify>,
    finished: watch::Sender<bool>,
) {
    tokio::select! {
        () = inner.closed() => {}
        () = close_requested.notified() => {
            let _ = inner.close().await;
            inner.closed().await;
        }
    }
    drop(inner);
    let quic = &shared.calls.quic;
    let timeout = shared.calls.opts.close_timeout;
    let _ = tokio::time::timeout(timeout, shared.calls.idle()).await;
    // "Done": a unidirectional stream that ends at once. The peer closes the connection
    // when it has seen ours and is done itself; whoever is done last closes it.
    if let Ok(mut done) = quic.open_uni().await {
        let _ = done.finish();
    }
    let _ = tokio::time::timeout(timeout, quic.accept_uni()).await;
    quic.close(code::CLOSED, b"closed");
    let _ = finished.send(true);
}

impl<In, Out> Connection<In, Out>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    /// Sends a message (`Out` or `&Out`) on the control stream. Waits only while the send
    /// buffer is full.
    ///
    /// # Errors
    ///
    /// See [`crate::Sender::send`].
    pub async fn send(&self, msg: impl Borrow<Out>) -> Result<()> {
        self.tx.send(msg).await
    }

    /// Receives the next message: `Ok(None)` once the peer closed gracefully.
    ///
    /// # Errors
    ///
    /// See [`Receiver::recv`].
    pub async fn recv(&mut self) -> Result<Option<In>> {
        self.rx.recv().await
    }

    /// Sends a request on a stream of its own and waits for the peer's answer.
    ///
    /// # Errors
    ///
    /// See [`Sender::call`].
    pub async fn call(&self, req: impl Borrow<Out>) -> Result<In> {
        self.tx.call(req).await
    }

    /// [`call`](Self::call) with its own time limit.
    ///
    /// # Errors
    ///
    /// See [`Sender::call`].
    pub async fn call_timeout(&self, req: impl Borrow<Out>, timeout: Duration) -> Result<In> {
        self.tx.call_timeout(req, timeout).await
    }
}

impl<In, Out> Connection<In, Out> {
    /// Splits into the sending half (cloneable) and the receiving half.
    pub fn split(self) -> (Sender<In, Out>, Receiver<In>) {
        (self.tx, self.rx)
    }

    /// The sending half (clone it to send and call from other tasks).
    pub fn sender(&self) -> &Sender<In, Out> {
        &self.tx
    }

    /// The receiving half.
    pub fn receiver_mut(&mut self) -> &mut Receiver<In> {
        &mut self.rx
    }

    /// Closes gracefully; see [`Sender::close`].
    ///
    /// # Errors
    ///
    /// As [`Sender::close`].
    pub async fn close(&self) -> Result<()> {
        self.tx.close().await
    }

    /// True once nothing more can be sent (closing, closed or broken).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Waits until the QUIC connection is closed.
    pub async fn closed(&self) {
        self.tx.closed().await;
    }

    /// The application protocol the peer announced (its minor version may differ).
    pub fn peer_protocol(&self) -> &Protocol {
        self.rx.peer_protocol()
    }

    /// The peer: address, announced protocol and verified identity.
    pub fn peer(&self) -> &Peer {
        self.rx.peer()
    }

    /// The identity of the peer's verified certificate (`None` for a client that
    /// presented none).
    pub fn peer_identity(&self) -> Option<&PeerIdentity> {
        self.rx.peer().identity()
    }

    /// The peer's current UDP address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.tx.remote_addr()
    }
}

impl<In, Out> crate::Reconnectable<In, Out> for Connection<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
}

/// Over QUIC: the [`Connector`](super::Connector), whose endpoint every reconnection
/// reuses.
impl<In, Out> crate::reconnect::sealed::Link<In, Out> for Connection<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    type Dialer = super::Connector<In, Out>;

    async fn dial(dialer: &Self::Dialer, addr: &str) -> Result<Self> {
        dialer.connect(addr).await
    }

    fn is_closed(&self) -> bool {
        Connection::is_closed(self)
    }

    fn holds_messages(&self) -> bool {
        self.rx.holds_messages()
    }

    async fn send(&self, msg: &Out) -> Result<()> {
        Connection::send(self, msg).await
    }

    async fn call(&self, req: &Out) -> Result<In> {
        match Connection::call(self, req).await {
            // The connection's end (a reset, a keepalive timeout) under the call, reported
            // as on TCP.
            Err(
                Error::Timeout {
                    operation: "keepalive",
                    ..
                }
                | Error::Io(_)
                | Error::Closed,
            ) if self.is_closed() => Err(Error::Closed),
            result => result,
        }
    }

    async fn recv(&mut self) -> Result<Option<In>> {
        Connection::recv(self).await
    }
}

impl<In, Out> fmt::Debug for Connection<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("quic::Connection")
            .field("remote_addr", &self.remote_addr())
            .field("peer_protocol", self.peer_protocol())
            .finish()
    }
}

/// The sending half of a QUIC [`Connection<In, Out>`](Connection): messages with
/// [`send`](Self::send) (or as a [`futures::Sink`]) and calls with [`call`](Self::call).
/// Clone it freely; the connection closes gracefully when the last clone is dropped.
pub struct Sender<In, Out> {
    inner: crate::Sender<In, Out>,
    shared: Arc<Shared>,
    _handle: Arc<Handle>,
}

impl<In, Out> Sender<In, Out> {
    /// Closes gracefully (for every clone): everything already sent is flushed, close
    /// frames are exchanged on the control stream, this side's calls in flight get their
    /// answers, and the QUIC connection closes once both sides are done (each step within
    /// the close timeout). Messages that arrive before the peer's close frame remain
    /// available to [`Receiver::recv`].
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the connection had broken before our close frame went out.
    pub async fn close(&self) -> Result<()> {
        let result = self.inner.close().await;
        self.closed().await;
        result
    }

    /// Waits until everything sent so far has been written to the control stream.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the connection broke first.
    pub async fn flush(&self) -> Result<()> {
        self.inner.flush().await
    }

    /// True once nothing more can be sent: closing, or the QUIC connection has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed() || self.shared.calls.quic.close_reason().is_some()
    }

    /// Waits until the QUIC connection is closed.
    pub async fn closed(&self) {
        let mut finished = self.shared.finished.clone();
        let _ = finished.wait_for(|done| *done).await;
    }

    /// The application protocol the peer announced.
    pub fn peer_protocol(&self) -> &Protocol {
        self.inner.peer_protocol()
    }

    /// The peer: address, announced protocol and verified identity.
    pub fn peer(&self) -> &Peer {
        self.inner.peer()
    }

    /// The peer's current UDP address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.shared.calls.quic.remote_address()
    }
}

impl<In: DeserializeOwned, Out: Serialize> Sender<In, Out> {
    /// Sends `req` as a request on a new stream and waits for the peer's answer, decoded
    /// as `In`. Calls in flight at once are independent: a slow or large answer delays no
    /// other. Uses the call timeout of the [`Options`].
    ///
    /// # Errors
    ///
    /// [`Error::Remote`] when the peer's handler failed or refused the request,
    /// [`Error::Timeout`] when the answer did not come in time (or the peer vanished:
    /// `"keepalive"`), [`Error::Closed`] when the connection is closed or closing,
    /// [`Error::Decode`] when the answer is not an `In`, [`Error::FrameTooLarge`] when
    /// the request exceeds the maximum frame length the peer announced (it is not sent)
    /// or the answer exceeds this side's, [`Error::Protocol`]
    /// when the answer is malformed.
    pub async fn call(&self, req: impl Borrow<Out>) -> Result<In> {
        let timeout = self.shared.calls.opts.call_timeout;
        self.call_inner(req.borrow(), timeout).await
    }

    /// [`call`](Self::call) with its own time limit.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub async fn call_timeout(&self, req: impl Borrow<Out>, timeout: Duration) -> Result<In> {
        self.call_inner(req.borrow(), Some(timeout)).await
    }

    async fn call_inner(&self, req: &Out, timeout: Option<Duration>) -> Result<In> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let body = self.shared.calls.call(req, timeout).await?;
        evowire::from_slice(&body).map_err(Error::Decode)
    }
}

impl<In, Out: Serialize> Sender<In, Out> {
    /// Sends a message on the control stream; see [`crate::Sender::send`].
    ///
    /// # Errors
    ///
    /// As [`crate::Sender::send`].
    pub async fn send(&self, msg: impl Borrow<Out>) -> Result<()> {
        self.inner.send(msg).await
    }

    /// Bridges to a [`tokio::sync::mpsc`] channel: values sent to the returned channel
    /// are sent over this connection, in order, by a spawned task. The task ends when
    /// every channel sender is dropped (then this `Sender` is dropped, closing the
    /// connection if it was the last) or when sending fails.
    pub fn into_mpsc(self, capacity: usize) -> mpsc::Sender<Out>
    where
        In: Send + 'static,
        Out: Send + Sync + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Out>(capacity.max(1));
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                if let Err(e) = self.send(&msg).await {
                    tracing::debug!(error = %e, "mpsc bridge stopped");
                    break;
                }
            }
        });
        tx
    }
}

impl<In, Out> Clone for Sender<In, Out> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
            _handle: self._handle.clone(),
        }
    }
}

impl<In, Out> fmt::Debug for Sender<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("quic::Sender")
            .field("remote_addr", &self.remote_addr())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<In, Out: Serialize> futures::Sink<Out> for Sender<In, Out> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Out) -> Result<()> {
        Pin::new(&mut self.inner).start_send(item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
