//! Making QUIC connections: [`Connector`] (client) and [`Listener`] (server), and the
//! evowire handshake on the control stream that both run.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use rustls::pki_types::CertificateDer;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::{lookup_host, ToSocketAddrs};
use tokio::task::JoinSet;

use super::conn::Connection;
use super::{client_config, code, connection_error, server_config};
use crate::conn::{in_time, Role};
use crate::error::{Error, Result};
use crate::options::Options;
use crate::tls::config::{identity, TlsClientConfig, TlsServerConfig};
use crate::Handler;

/// QUIC handshakes a [`Listener`] runs at once; more incoming connections wait.
const MAX_CONCURRENT_HANDSHAKES: usize = 128;

/// Opens QUIC connections to servers: TLS settings, options and the handler for the
/// server's calls. One UDP socket per address family serves all its connections.
///
/// # Examples
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// use evowire_net::quic::Connector;
/// use evowire_net::{Options, Protocol, TlsClientConfig};
///
/// let tls = TlsClientConfig::from_pem_file("ca.pem", "node-b.example")?;
/// let opts = Options::new(Protocol::new("nodes", 1, 0));
/// let connector = Connector::<String, String>::new(opts, tls)?
///     .with_handler(|text: String| async move { Ok::<_, String>(text.to_uppercase()) });
/// let conn = connector.connect("node-b.example:4433").await?;
/// conn.close().await?;
/// # Ok(())
/// # }
/// ```
pub struct Connector<In, Out> {
    opts: Options,
    config: quinn::ClientConfig,
    server_name: String,
    handler: Option<Handler<In, Out>>,
    /// The client endpoints, bound on first use: IPv4, IPv6.
    endpoints: Mutex<[Option<quinn::Endpoint>; 2]>,
    _types: PhantomData<fn(In) -> Out>,
}

impl<In, Out> Connector<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    /// Connects with `opts`, verifying servers with `tls` (TLS 1.3, ALPN
    /// [`ALPN`](super::ALPN)).
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] if the TLS configuration cannot run QUIC.
    pub fn new(opts: Options, tls: TlsClientConfig) -> Result<Self> {
        Ok(Connector {
            config: client_config(&tls, &opts)?,
            server_name: tls.server_name(),
            opts,
            handler: None,
            endpoints: Mutex::new([None, None]),
            _types: PhantomData,
        })
    }

    /// Answers the server's calls on every connection with `handler`: a [`Handler`]
    /// (one made with [`Handler::with_peer`] sees the server's verified identity), or an
    /// async function `In -> Result<Out, E>` as [`Handler::new`] takes. Without a
    /// handler they are refused with an error answer.
    #[must_use]
    pub fn with_handler(mut self, handler: impl Into<Handler<In, Out>>) -> Self {
        self.handler = Some(handler.into());
        self
    }

    /// Connects to `addr` (the first address it resolves to) and runs the QUIC and
    /// evowire handshakes, both within the handshake timeout.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when the TLS handshake fails, [`Error::Refused`] if the server
    /// refuses us, [`Error::Handshake`] if it does not speak the protocol,
    /// [`Error::Timeout`] after the handshake timeout, [`Error::Io`].
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> Result<Connection<In, Out>> {
        let addr = resolve(addr).await?;
        let endpoint = self.endpoint_for(addr)?;
        in_time(&self.opts, Some(addr), async {
            let quic = endpoint
                .connect_with(self.config.clone(), addr, &self.server_name)
                .map_err(|e| Error::Io(io::Error::new(io::ErrorKind::InvalidInput, e)))?
                .await
                .map_err(|e| connection_error(e, &self.opts))?;
            let (send, recv) = quic
                .open_bi()
                .await
                .map_err(|e| connection_error(e, &self.opts))?;
            let io = tokio::io::join(recv, send);
            establish(
                quic,
                endpoint,
                io,
                Role::Client,
                &self.opts,
                self.handler.clone(),
            )
            .await
        })
        .await
    }

    /// The client endpoint for `addr`'s address family, bound on first use.
    fn endpoint_for(&self, addr: SocketAddr) -> Result<quinn::Endpoint> {
        let mut endpoints = self
            .endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (slot, any): (usize, SocketAddr) = if addr.is_ipv4() {
            (0, SocketAddr::from(([0, 0, 0, 0], 0)))
        } else {
            (1, SocketAddr::from(([0u16; 8], 0)))
        };
        if let Some(Some(endpoint)) = endpoints.get(slot) {
            return Ok(endpoint.clone());
        }
        let endpoint = quinn::Endpoint::client(any)?;
        if let Some(entry) = endpoints.get_mut(slot) {
            *entry = Some(endpoint.clone());
        }
        Ok(endpoint)
    }
}

impl<In, Out> fmt::Debug for Connector<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("quic::Connector")
            .field("server_name", &self.server_name)
            .field("handler", &self.handler.is_some())
            .finish_non_exhaustive()
    }
}

/// Accepts QUIC connections on a UDP socket; each runs the evowire handshake on its
/// control stream. Dropping the listener stops accepting new connections; established
/// ones go on.
pub struct Listener<In, Out> {
    endpoint: quinn::Endpoint,
    opts: Options,
    handler: Option<Handler<In, Out>>,
    handshakes: JoinSet<Result<Connection<In, Out>>>,
}

impl<In, Out> Listener<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    /// Binds a UDP socket to `addr` (the first address it resolves to) and presents
    /// `tls` (TLS 1.3, ALPN [`ALPN`](super::ALPN)) to clients.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the socket cannot be bound, [`Error::Tls`] if the TLS
    /// configuration cannot run QUIC.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        opts: Options,
        tls: TlsServerConfig,
    ) -> Result<Self> {
        let addr = resolve(addr).await?;
        let endpoint = quinn::Endpoint::server(server_config(&tls, &opts)?, addr)?;
        Ok(Listener {
            endpoint,
            opts,
            handler: None,
            handshakes: JoinSet::new(),
        })
    }

    /// Answers the calls of every accepted connection with `handler`: a [`Handler`] (one
    /// made with [`Handler::with_peer`] sees each client's verified identity), or an
    /// async function `In -> Result<Out, E>`; see [`Connector::with_handler`].
    #[must_use]
    pub fn with_handler(mut self, handler: impl Into<Handler<In, Out>>) -> Self {
        self.handler = Some(handler.into());
        self
    }

    /// The local address of the UDP socket.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from the socket.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.endpoint.local_addr()?)
    }

    /// The options every accepted connection uses.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Waits for the next connection whose QUIC and evowire handshakes succeeded.
    ///
    /// An error concerns one incoming connection (refused, not speaking the protocol,
    /// TLS failure, timeout); in a loop, log it and accept again. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::Handshake`], [`Error::Tls`], [`Error::Timeout`] or [`Error::Io`] for a
    /// failed incoming connection; [`Error::Closed`] once the endpoint is closed.
    pub async fn accept(&mut self) -> Result<Connection<In, Out>> {
        loop {
            let can_accept = self.handshakes.len() < MAX_CONCURRENT_HANDSHAKES;
            tokio::select! {
                Some(done) = self.handshakes.join_next() => match done {
                    Ok(result) => return result,
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => continue,
                },
                incoming = self.endpoint.accept(), if can_accept => {
                    let Some(incoming) = incoming else {
                        return Err(Error::Closed);
                    };
                    let peer = incoming.remote_address();
                    tracing::debug!(%peer, "incoming QUIC connection");
                    let endpoint = self.endpoint.clone();
                    let opts = self.opts.clone();
                    let handler = self.handler.clone();
                    self.handshakes.spawn(async move {
                        in_time(&opts, Some(peer), async {
                            let quic = incoming.await.map_err(|e| connection_error(e, &opts))?;
                            let (send, recv) = quic
                                .accept_bi()
                                .await
                                .map_err(|e| connection_error(e, &opts))?;
                            let io = tokio::io::join(recv, send);
                            establish(quic, endpoint, io, Role::Server, &opts, handler).await
                        })
                        .await
                    });
                }
            }
        }
    }
}

impl<In, Out> Drop for Listener<In, Out> {
    fn drop(&mut self) {
        self.endpoint.set_server_config(None);
    }
}

impl<In, Out> fmt::Debug for Listener<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("quic::Listener")
            .field("local_addr", &self.endpoint.local_addr().ok())
            .field("handler", &self.handler.is_some())
            .finish_non_exhaustive()
    }
}

/// The first address `addr` resolves to.
async fn resolve(addr: impl ToSocketAddrs) -> Result<SocketAddr> {
    lookup_host(addr).await?.next().ok_or_else(|| {
        Error::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        ))
    })
}

/// Runs the evowire handshake on the control stream `io` of `quic` and starts the
/// connection. On failure the QUIC connection is closed: at once by a client; by a
/// server after the client closed it (or the close timeout), so that its refusal arrives.
async fn establish<In, Out, T>(
    quic: quinn::Connection,
    endpoint: quinn::Endpoint,
    io: T,
    role: Role,
    opts: &Options,
    handler: Option<Handler<In, Out>>,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let certs = quic
        .peer_identity()
        .and_then(|any| any.downcast::<Vec<CertificateDer<'static>>>().ok());
    let identity = identity(certs.as_deref().map(Vec::as_slice));
    let ep = crate::conn::Endpoint::new(opts.clone(), None, None);
    let addr = Some(quic.remote_address());
    match crate::Connection::handshake(io, &ep, addr, identity, role).await {
        Ok(inner) => Ok(Connection::start(
            inner,
            quic,
            endpoint,
            opts.clone(),
            handler.as_ref(),
        )),
        Err(e) => {
            let reason = e.to_string();
            match role {
                Role::Client => quic.close(code::HANDSHAKE, reason.as_bytes()),
                Role::Server => {
                    let after = opts.close_timeout;
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(after, quic.closed()).await;
                        quic.close(code::HANDSHAKE, reason.as_bytes());
                    });
                }
            }
            Err(e)
        }
    }
}
