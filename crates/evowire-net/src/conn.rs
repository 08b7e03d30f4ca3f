//! Typed connections: [`Connection`], its halves [`Sender`] and [`Receiver`], and request
//! [`Handler`]s.

use std::borrow::Borrow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::ToSocketAddrs;
use tokio::sync::mpsc;
use tokio_util::sync::ReusableBoxFuture;

use crate::core::{Core, Phase, RawHandler, Reply};
use crate::error::{Error, Result};
use crate::frame::TAG_MESSAGE;
use crate::handshake;
use crate::inbound::InboundReceiver;
use crate::options::{Options, Protocol};
use crate::tls::peer::{Peer, PeerIdentity};

/// The async function that answers requests on a connection, type-erased and cheap to
/// clone.
///
/// It receives each request as an `In` and returns `Result<Out, E>`; an `Err` (its
/// `Display` text) reaches the caller as [`Error::Remote`], and so does a request that
/// does not decode or a handler that panics. Requests are handled concurrently and
/// answers may leave in any order: a handler's future is first polled once on the
/// connection's reader task (a handler that is ready at once answers right there, which
/// saves a task spawn); if it has to wait, it continues in a task of its own. Keep the
/// code before a handler's first `.await` short, or move heavy work into
/// `spawn_blocking`.
///
/// A handler made with [`with_peer`](Self::with_peer) also receives the [`Peer`] of the
/// connection the request came on: its verified TLS identity, address and protocol.
///
/// # Examples
///
/// ```
/// use evowire_net::Handler;
/// let double = Handler::new(|n: u64| async move {
///     n.checked_mul(2).ok_or("overflow")
/// });
/// # let _: Handler<u64, u64> = double;
/// ```
pub struct Handler<In, Out> {
    kind: HandlerKind,
    _types: PhantomData<fn(In) -> Out>,
}

/// A handler for every connection, or one made for each connection from its [`Peer`].
#[derive(Clone)]
enum HandlerKind {
    Shared(RawHandler),
    PerPeer(Arc<dyn Fn(Arc<Peer>) -> RawHandler + Send + Sync>),
}

/// The function that decides whether a peer may talk to this side; see
/// [`Connector::with_authorization`](crate::Connector::with_authorization).
pub(crate) type Authorize = Arc<dyn Fn(&Peer) -> std::result::Result<(), String> + Send + Sync>;

impl<In, Out> Handler<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    /// Wraps an async function `In -> Result<Out, E>`.
    pub fn new<F, Fut, E>(f: F) -> Self
    where
        F: Fn(In) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Out, E>> + Send + 'static,
        E: fmt::Display,
    {
        Handler {
            kind: HandlerKind::Shared(raw_handler(f)),
            _types: PhantomData,
        }
    }

    /// Wraps an async function `(Peer, In) -> Result<Out, E>` that also sees who sent the
    /// request, for example to decide what a caller may do from its verified TLS
    /// identity ([`Peer::identity`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::Handler;
    /// let whoami = Handler::with_peer(|peer, _: ()| async move {
    ///     match peer.identity().and_then(|id| id.common_name()) {
    ///         Some(name) => Ok(name.to_string()),
    ///         None => Err("no client certificate"),
    ///     }
    /// });
    /// # let _: Handler<(), String> = whoami;
    /// ```
    pub fn with_peer<F, Fut, E>(f: F) -> Self
    where
        F: Fn(Arc<Peer>, In) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Out, E>> + Send + 'static,
        E: fmt::Display,
    {
        let f = Arc::new(f);
        let per_peer = move |peer: Arc<Peer>| {
            let f = f.clone();
            raw_handler(move |req: In| f(peer.clone(), req))
        };
        Handler {
            kind: HandlerKind::PerPeer(Arc::new(per_peer)),
            _types: PhantomData,
        }
    }
}

impl<In, Out> Handler<In, Out> {
    /// The handler for a connection to `peer`: made for it by [`with_peer`](Self::with_peer).
    pub(crate) fn bind(&self, peer: &Arc<Peer>) -> RawHandler {
        match &self.kind {
            HandlerKind::Shared(raw) => raw.clone(),
            HandlerKind::PerPeer(make) => make(peer.clone()),
        }
    }
}

/// Type-erases `f`: the answer step of every transport. Decodes the request, runs `f`
/// (catching a panic) and sends the answer, or the error for the caller, where the
/// [`Reply`] says.
fn raw_handler<In, Out, F, Fut, E>(f: F) -> RawHandler
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
    F: Fn(In) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = std::result::Result<Out, E>> + Send + 'static,
    E: fmt::Display,
{
    let f = Arc::new(f);
    Arc::new(move |to: Reply, body: Bytes| {
        let f = f.clone();
        Box::pin(async move {
            let reply = match evowire::from_slice::<In>(&body) {
                Ok(req) => match AssertUnwindSafe(f(req)).catch_unwind().await {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(_) => Err("the request handler panicked".to_string()),
                },
                Err(e) => Err(format!("cannot decode request: {e}")),
            };
            to.answer(reply)
        })
    })
}

/// A closure `In -> Result<Out, E>` is a handler: [`Handler::new`].
impl<In, Out, F, Fut, E> From<F> for Handler<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
    F: Fn(In) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = std::result::Result<Out, E>> + Send + 'static,
    E: fmt::Display,
{
    fn from(f: F) -> Self {
        Handler::new(f)
    }
}

impl<In, Out> Clone for Handler<In, Out> {
    fn clone(&self) -> Self {
        Handler {
            kind: self.kind.clone(),
            _types: PhantomData,
        }
    }
}

impl<In, Out> fmt::Debug for Handler<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handler")
    }
}

/// Starts a graceful close when the last [`Sender`] clone is dropped.
struct SendHandle {
    core: Arc<Core>,
    peer: Arc<Peer>,
}

impl Drop for SendHandle {
    fn drop(&mut self) {
        self.core.begin_close();
    }
}

/// A typed, established connection to a peer: send `Out` messages and requests, receive
/// `In` messages and responses.
///
/// Get one from [`connect`](crate::connect), [`Listener::accept`](crate::Listener::accept)
/// or, over your own transport, [`Connection::client`] / [`Connection::server`]. Split it
/// with [`split`](Self::split) to send and receive from different tasks.
///
/// Messages arrive in the order they were sent. Dropping every sending handle (the
/// connection and all [`Sender`] clones) closes the connection gracefully, as
/// [`close`](Self::close) does.
///
/// # Examples
///
/// ```
/// use evowire_net::{connect, Listener, Options, Protocol};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = Options::new(Protocol::new("echo", 1, 0));
/// let mut listener = Listener::<String, String>::bind("127.0.0.1:0", opts.clone()).await?;
/// let addr = listener.local_addr()?;
/// tokio::spawn(async move {
///     let mut conn = listener.accept().await?;
///     while let Some(text) = conn.recv().await? {
///         conn.send(text.to_uppercase()).await?;
///     }
///     Ok::<_, evowire_net::Error>(())
/// });
///
/// let mut conn = connect::<String, String>(addr, &opts).await?;
/// conn.send("hi".to_string()).await?;
/// assert_eq!(conn.recv().await?, Some("HI".to_string()));
/// conn.close().await?;
/// # Ok(())
/// # }
/// ```
pub struct Connection<In, Out> {
    tx: Sender<In, Out>,
    rx: Receiver<In>,
}

impl<In, Out> Connection<In, Out>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    /// Connects to `addr` over TCP (with `TCP_NODELAY`) and runs the client handshake;
    /// [`Connector`](crate::Connector) adds TLS, a handler and an authorization hook.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the connection fails, [`Error::Refused`] if the server refuses
    /// us, [`Error::Handshake`] if it does not speak the protocol, and
    /// [`Error::Timeout`] after the handshake timeout.
    pub async fn connect(addr: impl ToSocketAddrs, opts: &Options) -> Result<Self> {
        crate::listener::Connector::new(opts.clone())
            .connect(addr)
            .await
    }

    /// Runs the client handshake over any transport (TLS, Unix sockets, `duplex`, …).
    /// Requests the peer sends are answered by `handler`, or refused with an error answer
    /// when there is none.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn client<T>(io: T, opts: &Options, handler: Option<Handler<In, Out>>) -> Result<Self>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let endpoint = Endpoint::new(opts.clone(), handler, None);
        in_time(
            opts,
            None,
            Self::handshake(io, &endpoint, None, None, Role::Client),
        )
        .await
    }

    /// Runs the server handshake over any transport; see [`client`](Self::client).
    ///
    /// # Errors
    ///
    /// [`Error::Handshake`] if the peer is refused or does not speak the protocol,
    /// [`Error::Timeout`] after the handshake timeout, [`Error::Io`].
    pub async fn server<T>(io: T, opts: &Options, handler: Option<Handler<In, Out>>) -> Result<Self>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let endpoint = Endpoint::new(opts.clone(), handler, None);
        in_time(
            opts,
            None,
            Self::handshake(io, &endpoint, None, None, Role::Server),
        )
        .await
    }

    /// Runs the evowire handshake on `io` (already TLS-protected if `identity` came from
    /// TLS), asking the endpoint's authorization hook about the peer, and starts the
    /// connection. The caller bounds the time.
    pub(crate) async fn handshake<T>(
        mut io: T,
        endpoint: &Endpoint<In, Out>,
        peer_addr: Option<SocketAddr>,
        identity: Option<Arc<PeerIdentity>>,
        role: Role,
    ) -> Result<Self>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let authorize = |protocol: &Protocol| match &endpoint.authorize {
            None => Ok(()),
            Some(hook) => hook(&Peer::new(peer_addr, protocol.clone(), identity.clone())),
        };
        let opts = &endpoint.opts;
        let hs = match role {
            Role::Client => handshake::client(&mut io, opts, &authorize).await?,
            Role::Server => handshake::server(&mut io, opts, &authorize).await?,
        };
        tracing::debug!(peer = ?peer_addr, protocol = %hs.peer, "handshake complete");
        let peer = Arc::new(Peer::new(peer_addr, hs.peer.clone(), identity));
        let handler = endpoint.handler.as_ref().map(|h| h.bind(&peer));
        let (core, inbound) = Core::start(io, hs, opts, handler, peer_addr);
        Ok(Connection {
            tx: Sender::new(core.clone(), peer.clone()),
            rx: Receiver {
                rx: inbound,
                core,
                peer,
                done: false,
                _types: PhantomData,
            },
        })
    }

    /// Sends a message (`Out` or `&Out`). Waits only while the send buffer is full.
    ///
    /// # Errors
    ///
    /// See [`Sender::send`].
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

    /// Sends a request and waits for the peer's answer, decoded as `In`.
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

    /// Joins halves of the same connection again.
    ///
    /// # Panics
    ///
    /// If the halves belong to different connections.
    pub fn unsplit(tx: Sender<In, Out>, rx: Receiver<In>) -> Self {
        assert!(
            Arc::ptr_eq(&tx.handle.core, &rx.core),
            "unsplit: halves of different connections"
        );
        Connection { tx, rx }
    }

    /// The sending half (clone it to send from other tasks).
    pub fn sender(&self) -> &Sender<In, Out> {
        &self.tx
    }

    /// The receiving half.
    pub fn receiver_mut(&mut self) -> &mut Receiver<In> {
        &mut self.rx
    }

    /// The application protocol the peer announced (its minor version may differ).
    pub fn peer_protocol(&self) -> &Protocol {
        &self.rx.core.peer
    }

    /// The peer's address, when the connection was made over TCP by this crate.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.rx.core.peer_addr
    }

    /// The peer: address, announced protocol and verified identity.
    pub fn peer(&self) -> &Peer {
        &self.rx.peer
    }

    /// The identity of the peer's verified TLS certificate: `None` over plaintext and on
    /// a TLS server whose clients need no certificate.
    pub fn peer_identity(&self) -> Option<&PeerIdentity> {
        self.rx.peer.identity()
    }

    /// Closes gracefully: everything already sent is flushed, a close frame follows, and
    /// this waits for the peer's close frame (at most the close timeout). Messages still
    /// arriving before the peer's close frame remain available to [`recv`](Self::recv).
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the connection had broken before our close frame went out.
    pub async fn close(&self) -> Result<()> {
        self.tx.close().await
    }

    /// True once nothing more can be sent (closing, closed or broken).
    pub fn is_closed(&self) -> bool {
        self.rx.core.is_closed()
    }

    /// True while received messages wait for [`recv`](Self::recv), or may still arrive
    /// (the reader has not ended).
    pub(crate) fn holds_messages(&self) -> bool {
        self.rx.holds_messages()
    }

    /// Waits until the connection has ended in both directions.
    pub async fn closed(&self) {
        self.rx.core.wait_phase(Phase::Done).await;
    }
}

impl<In, Out> fmt::Debug for Connection<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("peer_addr", &self.rx.core.peer_addr)
            .field("peer_protocol", &self.rx.core.peer)
            .finish()
    }
}

/// What one side brings to a connection besides the transport: options, the handler
/// for the peer's requests and the authorization hook.
pub(crate) struct Endpoint<In, Out> {
    pub(crate) opts: Options,
    pub(crate) handler: Option<Handler<In, Out>>,
    pub(crate) authorize: Option<Authorize>,
}

impl<In, Out> Endpoint<In, Out> {
    pub(crate) fn new(
        opts: Options,
        handler: Option<Handler<In, Out>>,
        authorize: Option<Authorize>,
    ) -> Self {
        Endpoint {
            opts,
            handler,
            authorize,
        }
    }
}

impl<In, Out> Clone for Endpoint<In, Out> {
    fn clone(&self) -> Self {
        Endpoint::new(
            self.opts.clone(),
            self.handler.clone(),
            self.authorize.clone(),
        )
    }
}

/// Runs `establish` (the TLS handshake, if any, and the evowire handshake) within the
/// handshake timeout, and logs a failure.
pub(crate) async fn in_time<C>(
    opts: &Options,
    peer_addr: Option<SocketAddr>,
    establish: impl Future<Output = Result<C>>,
) -> Result<C> {
    let result = match tokio::time::timeout(opts.handshake_timeout, establish).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            operation: "handshake",
            after: opts.handshake_timeout,
        }),
    };
    if let Err(e) = &result {
        tracing::warn!(peer = ?peer_addr, error = %e, "handshake failed");
    }
    result
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    Client,
    Server,
}

/// The sending half of a [`Connection<In, Out>`](Connection): `Out` messages with
/// [`send`](Self::send) (or as a [`futures::Sink`]) and `Out` requests with
/// [`call`](Self::call), whose answers are `In`, as on the connection. Clone it freely;
/// the connection closes gracefully when the last clone is dropped.
pub struct Sender<In, Out> {
    handle: Arc<SendHandle>,
    waiting: Option<(Wait, ReusableBoxFuture<'static, Result<()>>)>,
    _types: PhantomData<fn(Out) -> In>,
}

/// What a [`Sender`] used as a `Sink` is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Room,
    Flush,
    Close,
}

impl<In, Out> Sender<In, Out> {
    fn new(core: Arc<Core>, peer: Arc<Peer>) -> Self {
        Sender {
            handle: Arc::new(SendHandle { core, peer }),
            waiting: None,
            _types: PhantomData,
        }
    }

    fn core(&self) -> &Arc<Core> {
        &self.handle.core
    }

    /// Waits until everything sent so far has been written to the transport.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the connection broke first.
    pub async fn flush(&self) -> Result<()> {
        self.core().clone().flush().await
    }

    /// Closes the connection gracefully (for every clone); see [`Connection::close`].
    ///
    /// # Errors
    ///
    /// As [`Connection::close`].
    pub async fn close(&self) -> Result<()> {
        self.core().clone().close().await
    }

    /// True once nothing more can be sent.
    pub fn is_closed(&self) -> bool {
        self.core().is_closed()
    }

    /// Waits until the connection has ended in both directions.
    pub async fn closed(&self) {
        self.core().wait_phase(Phase::Done).await;
    }

    /// The application protocol the peer announced.
    pub fn peer_protocol(&self) -> &Protocol {
        &self.core().peer
    }

    /// The peer: address, announced protocol and verified identity.
    pub fn peer(&self) -> &Peer {
        &self.handle.peer
    }
}

impl<In: DeserializeOwned, Out: Serialize> Sender<In, Out> {
    /// Sends `req` as a request and waits for the peer's answer, decoded as `In`. Many
    /// calls may be in flight at once on one connection; each waits for its own answer.
    /// Uses the default call timeout of the [`Options`].
    ///
    /// # Errors
    ///
    /// [`Error::Remote`] when the peer's handler failed, [`Error::Timeout`] when the
    /// answer did not come in time, [`Error::Closed`] when the connection ended first,
    /// [`Error::Decode`] when the answer is not an `In`, and the errors of
    /// [`send`](Self::send).
    pub async fn call(&self, req: impl Borrow<Out>) -> Result<In> {
        let timeout = self.core().opts.call_timeout;
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
        let body = self.core().call(req, timeout).await?;
        evowire::from_slice(&body).map_err(Error::Decode)
    }
}

impl<In, Out: Serialize> Sender<In, Out> {
    /// Encodes `msg` into the connection's send buffer; the writer task sends it soon,
    /// together with whatever else is queued. Waits only while the send buffer is full
    /// (the peer reads slower than we send). Cancel-safe: when the future is dropped
    /// before it completes, nothing was queued.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] after the connection closed or broke; [`Error::Encode`] or
    /// [`Error::FrameTooLarge`] (above the peer's limit) for this message only, the
    /// connection stays usable.
    pub async fn send(&self, msg: impl Borrow<Out>) -> Result<()> {
        self.core()
            .send_frame(&[TAG_MESSAGE], msg.borrow(), false)
            .await
    }

    /// Bridges to a [`tokio::sync::mpsc`] channel: returns a channel sender whose values
    /// are sent over this connection by a spawned task, in order. The task ends when
    /// every channel sender is dropped (then this `Sender` is dropped, closing the
    /// connection if it was the last) or when sending fails (then the channel closes).
    pub fn into_mpsc(self, capacity: usize) -> mpsc::Sender<Out>
    where
        In: 'static,
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
            handle: self.handle.clone(),
            waiting: None,
            _types: PhantomData,
        }
    }
}

impl<In, Out> fmt::Debug for Sender<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("peer_protocol", &self.core().peer)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<In, Out> Sender<In, Out> {
    fn poll_wait(&mut self, cx: &mut Context<'_>, wait: Wait) -> Poll<Result<()>> {
        let core = self.core().clone();
        let make = move || -> Pin<Box<dyn Future<Output = Result<()>> + Send>> {
            match wait {
                Wait::Room => Box::pin(core.wait_room()),
                Wait::Flush => Box::pin(core.flush()),
                Wait::Close => Box::pin(core.close()),
            }
        };
        let fut = match &mut self.waiting {
            Some((kind, fut)) if *kind == wait => fut,
            Some((kind, fut)) => {
                *kind = wait;
                fut.set(make());
                fut
            }
            None => {
                &mut self
                    .waiting
                    .insert((wait, ReusableBoxFuture::new(make())))
                    .1
            }
        };
        let result = ready!(fut.poll(cx));
        self.waiting = None;
        Poll::Ready(result)
    }
}

impl<In, Out: Serialize> futures::Sink<Out> for Sender<In, Out> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.waiting.is_none() && self.core().has_room()? {
            return Poll::Ready(Ok(()));
        }
        self.poll_wait(cx, Wait::Room)
    }

    fn start_send(self: Pin<&mut Self>, item: Out) -> Result<()> {
        self.core().push_message(&item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_wait(cx, Wait::Flush)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_wait(cx, Wait::Close)
    }
}

/// The receiving half of a connection: messages with [`recv`](Self::recv) or as a
/// [`futures::Stream`] of `Result<In>`.
pub struct Receiver<In> {
    rx: InboundReceiver,
    core: Arc<Core>,
    peer: Arc<Peer>,
    done: bool,
    _types: PhantomData<fn() -> In>,
}

impl<In: DeserializeOwned> Receiver<In> {
    /// Receives the next message, in the order the peer sent them.
    ///
    /// Returns `Ok(None)` after the peer closed gracefully and every message before its
    /// close frame was received. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a message that is not an `In`: that message is skipped and
    /// the next call goes on. Once, the error that ended the connection (for example
    /// [`Error::Disconnected`], [`Error::Truncated`], [`Error::FrameTooLarge`],
    /// [`Error::Io`], a keepalive [`Error::Timeout`]), after all messages received before
    /// it; then `Ok(None)`.
    pub async fn recv(&mut self) -> Result<Option<In>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next message; see [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<In>>> {
        if self.done {
            return Poll::Ready(Ok(None));
        }
        match ready!(self.rx.poll_next(cx)) {
            Some(body) => Poll::Ready(evowire::from_slice(body).map(Some).map_err(Error::Decode)),
            None => {
                self.done = true;
                Poll::Ready(match self.core.take_fatal() {
                    Some(e) => Err(e),
                    None => Ok(None),
                })
            }
        }
    }

    /// Bridges to a [`tokio::sync::mpsc`] channel: a spawned task receives from this
    /// connection and forwards every message (and the final error, if any) to the
    /// returned channel, which ends when the connection does.
    pub fn into_mpsc(mut self, capacity: usize) -> mpsc::Receiver<Result<In>>
    where
        In: Send + 'static,
    {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(async move {
            loop {
                let item = match self.recv().await {
                    Ok(Some(msg)) => Ok(msg),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                if tx.send(item).await.is_err() {
                    break;
                }
            }
        });
        rx
    }
}

impl<In> Receiver<In> {
    /// The peer, shared.
    #[cfg(feature = "quic")]
    pub(crate) fn peer_arc(&self) -> &Arc<Peer> {
        &self.peer
    }

    /// The longest frame the peer accepts, as its handshake announced.
    #[cfg(feature = "quic")]
    pub(crate) fn peer_max_frame(&self) -> usize {
        self.core.peer_max_frame
    }

    /// True while received messages wait for [`recv`](Self::recv), or may still arrive.
    pub(crate) fn holds_messages(&self) -> bool {
        !self.done && self.rx.holds_messages()
    }

    /// The application protocol the peer announced.
    pub fn peer_protocol(&self) -> &Protocol {
        &self.core.peer
    }

    /// The peer: address, announced protocol and verified identity.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }
}

impl<In: DeserializeOwned> futures::Stream for Receiver<In> {
    type Item = Result<In>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<In>>> {
        self.poll_recv(cx).map(Result::transpose)
    }
}

impl<In> fmt::Debug for Receiver<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("peer_protocol", &self.core.peer)
            .field("done", &self.done)
            .finish()
    }
}
