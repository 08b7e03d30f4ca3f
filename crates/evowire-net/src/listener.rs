//! [`connect`], [`Listener`] and [`serve`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinSet;

use crate::conn::{Connection, Handler, Role};
use crate::error::{Error, Result};
use crate::options::Options;

/// How many handshakes a [`Listener`] runs at once; further TCP connections wait in the
/// kernel's backlog.
const MAX_CONCURRENT_HANDSHAKES: usize = 128;

/// Connects to `addr` over TCP and runs the handshake: the short form of
/// [`Connection::connect`].
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
    Connection::connect(addr, opts).await
}

/// A TCP listener that hands out handshaken [`Connection`]s.
///
/// Handshakes run concurrently in background tasks, so a slow or silent client delays
/// nobody: [`accept`](Self::accept) returns whichever connection is ready first.
pub struct Listener<In, Out> {
    tcp: TcpListener,
    opts: Options,
    handler: Option<Handler<In, Out>>,
    handshakes: JoinSet<Result<Connection<In, Out>>>,
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
            opts,
            handler: None,
            handshakes: JoinSet::new(),
        }
    }

    /// Answers requests on every connection accepted from now on with `handler`.
    /// Without a handler, requests are answered with an error.
    pub fn with_handler(mut self, handler: Handler<In, Out>) -> Self {
        self.handler = Some(handler);
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
        &self.opts
    }

    /// Waits for the next connection whose handshake succeeded.
    ///
    /// An error concerns one incoming connection (it failed its handshake: refused,
    /// garbage, timeout) or the listening socket; in a loop, log it and accept again, as
    /// [`serve`] does. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::Handshake`], [`Error::Timeout`] or [`Error::Io`] for a failed incoming
    /// connection, [`Error::Io`] from the listening socket.
    pub async fn accept(&mut self) -> Result<Connection<In, Out>> {
        match self.next().await {
            Ok(one) => one,
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// The outer error is the listening socket's, the inner one a single peer's.
    async fn next(&mut self) -> io::Result<Result<Connection<In, Out>>> {
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
                    let opts = self.opts.clone();
                    let handler = self.handler.clone();
                    self.handshakes.spawn(async move {
                        Connection::handshake(stream, &opts, handler, Some(peer), Role::Server)
                            .await
                            .map_err(|e| match e {
                                Error::Handshake { reason } => Error::Handshake {
                                    reason: format!("{reason} (peer {peer})"),
                                },
                                other => other,
                            })
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
            .field("protocol", &self.opts.protocol)
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
/// with `handler`, each in its own task (the listener's [`Options`] bound how many run at
/// once per connection). Push messages that clients send are received and dropped.
///
/// Failed handshakes and broken connections are logged with `tracing` and affect no
/// other connection. Returns only if the listening socket fails.
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
    let mut listener = listener.with_handler(Handler::new(handler));
    loop {
        match listener.next().await {
            Ok(Ok(mut conn)) => {
                tokio::spawn(async move {
                    loop {
                        match conn.recv().await {
                            Ok(Some(_)) => tracing::trace!("dropped a push message"),
                            Ok(None) => break,
                            Err(e @ Error::Decode(_)) => {
                                tracing::debug!(error = %e, "dropped a push message")
                            }
                            Err(_) => break,
                        }
                    }
                });
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "incoming connection failed"),
            Err(e) if is_resource_exhaustion(&e) => {
                tracing::warn!(error = %e, "accept failed; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(Error::Io(e)),
        }
    }
}
