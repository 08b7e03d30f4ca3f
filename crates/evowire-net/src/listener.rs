//! The ways to connect: [`connect`] and [`Connector`], [`Listener`] and [`serve`] (with
//! its [`ConnectionEvent`]s).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinSet;

use crate::conn::{in_time, Authorize, Connection, Endpoint, Handler};
use crate::error::{Error, Result};
use crate::options::Options;
use crate::tls::peer::Peer;
use crate::tls::{self, ClientTls, ServerTls};

/// How many handshakes a [`Listener`] runs at once; further TCP connections wait in the
/// kernel's backlog.
const MAX_CONCURRENT_HANDSHAKES: usize = 128;

/// Connects to `addr` over TCP and runs the handshake: the short form of
/// [`Connector::new(opts).connect(addr)`](Connector::connect).
///
/// # Errors
///
/// As [`Connection::connect`].
///
/// # Examples
///
/// See [`Connection`].
pub async fn connect<In, Out>(
    addr: impl ToSocketAddrs,
    opts: &Options,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    Connector::new(opts.clone()).connect(addr).await
}

/// How a client connects: [`Options`], and optionally TLS, a [`Handler`] for requests
/// the server sends, and an authorization hook. Build it once, connect as often as
/// needed.
///
/// # Examples
///
/// ```
/// use evowire_net::{Connector, Handler, Listener, Options, Protocol};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = Options::new(Protocol::new("ask", 1, 0));
/// let mut listener = Listener::<String, String>::bind("127.0.0.1:0", opts.clone()).await?;
/// let addr = listener.local_addr()?;
/// tokio::spawn(async move {
///     // The server asks the client a question on each connection.
///     let conn = listener.accept().await?;
///     let answer = conn.call("name?".to_string()).await?;
///     assert_eq!(answer, "client-1");
///     conn.close().await
/// });
///
/// let conn = Connector::<String, String>::new(opts)
///     .with_handler(Handler::new(|_question: String| async { Ok::<_, String>("client-1".to_string()) }))
///     .with_authorization(|peer| match peer.protocol().minor() {
///         0 => Ok(()),
///         minor => Err(format!("minor version {minor} is not supported yet")),
///     })
///     .connect(addr)
///     .await?;
/// conn.closed().await;
/// # Ok(())
/// # }
/// ```
pub struct Connector<In, Out> {
    endpoint: Endpoint<In, Out>,
    tls: Option<ClientTls>,
}

impl<In, Out> Connector<In, Out>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    /// Connects with `opts`, in plaintext, answering no requests and accepting every
    /// compatible server.
    pub fn new(opts: Options) -> Self {
        Connector {
            endpoint: Endpoint::new(opts, None, None),
            tls: None,
        }
    }

    /// Connects over TLS: the server is verified against the roots of `tls`, and the
    /// evowire handshake runs inside TLS.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: crate::TlsClientConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Answers requests the server sends on the connection with `handler`.
    pub fn with_handler(mut self, handler: Handler<In, Out>) -> Self {
        self.endpoint.handler = Some(handler);
        self
    }

    /// Asks `authorize` about the server once its handshake arrived: it sees the server's
    /// protocol and, over TLS, its verified identity, and returns `Err(reason)` to refuse
    /// it. The server then ends that connection with [`Error::Refused`]`{ reason }` and
    /// [`connect`](Self::connect) fails with [`Error::Handshake`].
    pub fn with_authorization<F>(mut self, authorize: F) -> Self
    where
        F: Fn(&Peer) -> std::result::Result<(), String> + Send + Sync + 'static,
    {
        self.endpoint.authorize = Some(Arc::new(authorize));
        self
    }

    /// The options every connection uses.
    pub fn options(&self) -> &Options {
        &self.endpoint.opts
    }

    /// Connects to `addr` over TCP (with `TCP_NODELAY`) and runs the TLS handshake (if
    /// configured) and the evowire handshake, both within the handshake timeout.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the TCP connection fails, [`Error::Tls`] if TLS fails (untrusted
    /// or expired certificate, wrong name, a server without TLS), [`Error::Refused`] if
    /// the server refuses us, [`Error::Handshake`] if it does not speak the protocol or
    /// our authorization hook refuses it, and [`Error::Timeout`] after the handshake
    /// timeout.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> Result<Connection<In, Out>> {
        connect_endpoint(addr, &self.endpoint, self.tls.as_ref()).await
    }
}

/// Connects to `addr` as `endpoint`, over TLS if `tls` is set.
pub(crate) async fn connect_endpoint<In, Out>(
    addr: impl ToSocketAddrs,
    endpoint: &Endpoint<In, Out>,
    tls: Option<&ClientTls>,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr().ok();
    let opts = &endpoint.opts;
    tracing::debug!(peer = ?peer, protocol = %opts.protocol, tls = tls.is_some(), "connecting");
    in_time(opts, peer, tls::establish(stream, tls, endpoint, peer)).await
}

impl<In, Out> Clone for Connector<In, Out> {
    fn clone(&self) -> Self {
        Connector {
            endpoint: self.endpoint.clone(),
            tls: self.tls.clone(),
        }
    }
}

impl<In, Out> fmt::Debug for Connector<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("protocol", &self.endpoint.opts.protocol)
            .field("tls", &self.tls)
            .field("handler", &self.endpoint.handler.is_some())
            .field("authorization", &self.endpoint.authorize.is_some())
            .finish()
    }
}

/// What happened to a connection of [`serve`], for the callback given to
/// [`Listener::on_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// A connection passed its handshakes (TLS, evowire, authorization).
    Opened {
        /// Who connected.
        peer: Peer,
    },
    /// An incoming connection failed before it was established: TLS, the handshake, a
    /// refusal by the authorization hook or the handshake timeout.
    Failed {
        /// The client's address.
        addr: SocketAddr,
        /// Why it failed.
        error: Error,
    },
    /// An established connection ended.
    Closed {
        /// Who was connected.
        peer: Peer,
        /// Why it ended, or `None` after a graceful close.
        error: Option<Error>,
    },
}

type EventCallback = Arc<dyn Fn(ConnectionEvent) + Send + Sync>;

/// A TCP listener that hands out handshaken [`Connection`]s.
///
/// Handshakes run concurrently in background tasks, so a slow or silent client delays
/// nobody: [`accept`](Self::accept) returns whichever connection is ready first.
pub struct Listener<In, Out> {
    tcp: TcpListener,
    endpoint: Endpoint<In, Out>,
    tls: Option<ServerTls>,
    events: Option<EventCallback>,
    handshakes: JoinSet<(SocketAddr, Result<Connection<In, Out>>)>,
}

impl<In, Out> Listener<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    /// Binds a TCP listener to `addr` (use port 0 for an ephemeral port).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if binding fails.
    pub async fn bind(addr: impl ToSocketAddrs, opts: Options) -> Result<Self> {
        Ok(Self::from_tcp(TcpListener::bind(addr).await?, opts))
    }

    /// Uses an already bound TCP listener.
    pub fn from_tcp(tcp: TcpListener, opts: Options) -> Self {
        Listener {
            tcp,
            endpoint: Endpoint::new(opts, None, None),
            tls: None,
            events: None,
            handshakes: JoinSet::new(),
        }
    }

    /// Answers requests on every connection accepted from now on with `handler`.
    /// Without a handler, requests are answered with an error.
    pub fn with_handler(mut self, handler: Handler<In, Out>) -> Self {
        self.endpoint.handler = Some(handler);
        self
    }

    /// Accepts only TLS connections from now on: every client first runs the TLS
    /// handshake with `tls` (and presents a certificate that chains to its client roots
    /// if `tls` is mutual), then the evowire handshake inside TLS, both within the
    /// handshake timeout.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: crate::TlsServerConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Asks `authorize` about every client once its hello arrived: it sees the client's
    /// protocol and, under mutual TLS, its verified identity, and returns `Err(reason)`
    /// to refuse it. A refused client's `connect` fails with
    /// [`Error::Refused`]`{ reason }`; here the connection fails with
    /// [`Error::Handshake`] and the listener goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{connect, Error, Listener, Options, Protocol};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), evowire_net::Error> {
    /// let opts = Options::new(Protocol::new("vault", 1, 0));
    /// let mut listener = Listener::<(), ()>::bind("127.0.0.1:0", opts.clone())
    ///     .await?
    ///     .with_authorization(|peer| match peer.identity() {
    ///         Some(_) => Ok(()),
    ///         None => Err("a client certificate is required".to_string()),
    ///     });
    /// let addr = listener.local_addr()?;
    /// tokio::spawn(async move { listener.accept().await });
    ///
    /// let err = connect::<(), ()>(addr, &opts).await.unwrap_err();
    /// assert!(matches!(&err, Error::Refused { reason } if reason == "a client certificate is required"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_authorization<F>(mut self, authorize: F) -> Self
    where
        F: Fn(&Peer) -> std::result::Result<(), String> + Send + Sync + 'static,
    {
        self.endpoint.authorize = Some(Arc::new(authorize) as Authorize);
        self
    }

    /// Tells `callback` what happens to the connections of [`serve`]: each one opened,
    /// each incoming connection that failed (with its error) and each that ended (with
    /// the error that ended it, if any). The callback runs on the listener's and the
    /// connections' tasks: keep it short, or hand the event to a channel.
    /// ([`accept`](Self::accept) returns failures itself and does not call it.)
    pub fn on_event<F>(mut self, callback: F) -> Self
    where
        F: Fn(ConnectionEvent) + Send + Sync + 'static,
    {
        self.events = Some(Arc::new(callback));
        self
    }

    /// The local address (to learn the port chosen for port 0).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from the socket.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.tcp.local_addr()?)
    }

    /// The options every accepted connection uses.
    pub fn options(&self) -> &Options {
        &self.endpoint.opts
    }

    /// Waits for the next connection whose handshake succeeded.
    ///
    /// An error concerns one incoming connection (it failed its handshake: refused,
    /// garbage, timeout) or the listening socket; in a loop, log it and accept again, as
    /// [`serve`] does. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::Handshake`], [`Error::Tls`], [`Error::Timeout`] or [`Error::Io`] for a
    /// failed incoming connection, [`Error::Io`] from the listening socket.
    pub async fn accept(&mut self) -> Result<Connection<In, Out>> {
        match self.next().await {
            Ok((_, one)) => one,
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// Serves requests: accepts connections forever and answers every request with the
    /// handler given to [`with_handler`](Self::with_handler) (without one, requests get
    /// an error answer), each in its own task. A handler made with
    /// [`Handler::with_peer`] sees each caller's [`Peer`]: its address, protocol and,
    /// over TLS, its verified identity. [`serve`] is the short form for a handler that
    /// needs only the request. Push messages that clients send are received and dropped.
    ///
    /// Failed handshakes and broken connections affect no other connection; they are
    /// logged with `tracing` and reported to the [`on_event`](Self::on_event) callback,
    /// if any, as [`ConnectionEvent`]s. Returns only if the listening socket fails.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from the listening socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{connect, Handler, Listener, Options, Protocol};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), evowire_net::Error> {
    /// let opts = Options::new(Protocol::new("whoami", 1, 0));
    /// let handler = Handler::with_peer(|peer, ()| async move {
    ///     Ok::<_, std::convert::Infallible>(peer.protocol().to_string())
    /// });
    /// let listener = Listener::<(), String>::bind("127.0.0.1:0", opts.clone())
    ///     .await?
    ///     .with_handler(handler);
    /// let addr = listener.local_addr()?;
    /// tokio::spawn(listener.serve());
    ///
    /// let conn = connect::<String, ()>(addr, &opts).await?;
    /// assert_eq!(conn.call(()).await?, "whoami 1.0");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve(mut self) -> Result<()> {
        let events = self.events.clone();
        let report = move |event: ConnectionEvent| {
            if let Some(callback) = &events {
                callback(event);
            }
        };
        loop {
            match self.next().await {
                Ok((_, Ok(mut conn))) => {
                    let report = report.clone();
                    report(ConnectionEvent::Opened {
                        peer: conn.peer().clone(),
                    });
                    tokio::spawn(async move {
                        let error = loop {
                            match conn.recv().await {
                                Ok(Some(_)) => tracing::trace!("dropped a push message"),
                                Ok(None) => break None,
                                Err(e @ Error::Decode(_)) => {
                                    tracing::debug!(error = %e, "dropped a push message")
                                }
                                Err(e) => break Some(e),
                            }
                        };
                        report(ConnectionEvent::Closed {
                            peer: conn.peer().clone(),
                            error,
                        });
                    });
                }
                Ok((addr, Err(error))) => {
                    tracing::debug!(error = %error, "incoming connection failed");
                    report(ConnectionEvent::Failed { addr, error });
                }
                Err(e) if is_resource_exhaustion(&e) => {
                    tracing::warn!(error = %e, "accept failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// The outer error is the listening socket's, the inner one a single peer's (at the
    /// address returned with it).
    async fn next(&mut self) -> io::Result<(SocketAddr, Result<Connection<In, Out>>)> {
        loop {
            let can_accept = self.handshakes.len() < MAX_CONCURRENT_HANDSHAKES;
            tokio::select! {
                Some(done) = self.handshakes.join_next() => match done {
                    Ok(result) => return Ok(result),
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => continue,
                },
                accepted = self.tcp.accept(), if can_accept => {
                    let (stream, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) if is_per_connection(&e) => continue,
                        Err(e) => return Err(e),
                    };
                    let _ = stream.set_nodelay(true);
                    tracing::debug!(peer = %peer, "accepted a TCP connection");
                    let endpoint = self.endpoint.clone();
                    let tls = self.tls.clone();
                    self.handshakes.spawn(async move {
                        let establish = tls::establish(stream, tls.as_ref(), &endpoint, Some(peer));
                        let result = in_time(&endpoint.opts, Some(peer), establish)
                            .await
                            .map_err(|e| match e {
                                Error::Handshake { reason } => Error::Handshake {
                                    reason: format!("{reason} (peer {peer})"),
                                },
                                Error::Tls { reason } => Error::Tls {
                                    reason: format!("{reason} (peer {peer})"),
                                },
                                other => other,
                            });
                        (peer, result)
                    });
                }
            }
        }
    }
}

impl<In, Out> fmt::Debug for Listener<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("local_addr", &self.tcp.local_addr().ok())
            .field("protocol", &self.endpoint.opts.protocol)
            .field("tls", &self.tls)
            .field("handshakes", &self.handshakes.len())
            .finish()
    }
}

/// Errors of `accept` that concern only the connection being accepted.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Running out of file descriptors or memory: wait a little and go on.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM on Linux and most Unixes.
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12 | 55))
}

/// Serves requests: accepts connections on `listener` forever and answers every request
/// with `handler` (in place of a handler given to [`Listener::with_handler`]), each in its
/// own task (the listener's [`Options`] bound how many run at once per connection). Push
/// messages that clients send are received and dropped. For a handler that sees the
/// caller ([`Handler::with_peer`]), use [`Listener::serve`].
///
/// Failed handshakes and broken connections affect no other connection; they are logged
/// with `tracing` and reported to the listener's [`on_event`](Listener::on_event)
/// callback, if any, as [`ConnectionEvent`]s. Returns only if the listening socket fails.
///
/// # Errors
///
/// [`Error::Io`] from the listening socket.
///
/// # Examples
///
/// ```
/// use evowire_net::{connect, serve, Listener, Options, Protocol};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = Options::new(Protocol::new("square", 1, 0));
/// let listener = Listener::<u64, u64>::bind("127.0.0.1:0", opts.clone()).await?;
/// let addr = listener.local_addr()?;
/// tokio::spawn(serve(listener, |n: u64| async move {
///     n.checked_mul(n).ok_or("overflow")
/// }));
///
/// let conn = connect::<u64, u64>(addr, &opts).await?;
/// assert_eq!(conn.call(12u64).await?, 144);
/// let err = conn.call(u64::MAX).await.unwrap_err();
/// assert_eq!(err.to_string(), "remote error: overflow");
/// # Ok(())
/// # }
/// ```
pub async fn serve<In, Out, F, Fut, E>(listener: Listener<In, Out>, handler: F) -> Result<()>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
    F: Fn(In) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = std::result::Result<Out, E>> + Send + 'static,
    E: fmt::Display,
{
    listener.with_handler(Handler::new(handler)).serve().await
}
