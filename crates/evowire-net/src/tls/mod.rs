//! Who the peer is ([`peer`], always built) and TLS ([`config`], feature `tls`).

#[cfg(feature = "tls")]
pub(crate) mod config;
pub(crate) mod peer;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::conn::{Connection, Endpoint, Role};
use crate::error::{Error, Result};
use peer::PeerIdentity;

/// The client's TLS settings in the connect paths: [`config::TlsClientConfig`], or a type
/// without values when the `tls` feature is off.
#[cfg(feature = "tls")]
pub(crate) type ClientTls = config::TlsClientConfig;
/// The server's TLS settings in the accept path: [`config::TlsServerConfig`], or a type
/// without values when the `tls` feature is off.
#[cfg(feature = "tls")]
pub(crate) type ServerTls = config::TlsServerConfig;

/// No TLS without the `tls` feature: no value of this type exists.
#[cfg(not(feature = "tls"))]
#[derive(Debug, Clone)]
pub(crate) enum ClientTls {}
/// No TLS without the `tls` feature: no value of this type exists.
#[cfg(not(feature = "tls"))]
#[derive(Debug, Clone)]
pub(crate) enum ServerTls {}

/// One side's TLS settings: the TLS handshake on a TCP stream, as client or server.
pub(crate) trait TlsSide {
    /// The side of the evowire handshake that follows.
    const ROLE: Role;
    /// The encrypted stream.
    type Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static;

    /// Runs the TLS handshake; returns the stream and the peer's verified identity.
    fn handshake(
        &self,
        tcp: TcpStream,
    ) -> impl Future<Output = Result<(Self::Stream, Option<Arc<PeerIdentity>>)>> + Send;

    /// Maps an error of the evowire handshake that ran inside TLS.
    fn classify(err: Error) -> Error {
        err
    }
}

#[cfg(not(feature = "tls"))]
impl TlsSide for ClientTls {
    const ROLE: Role = Role::Client;
    type Stream = TcpStream;

    async fn handshake(&self, _: TcpStream) -> Result<(TcpStream, Option<Arc<PeerIdentity>>)> {
        match *self {}
    }
}

#[cfg(not(feature = "tls"))]
impl TlsSide for ServerTls {
    const ROLE: Role = Role::Server;
    type Stream = TcpStream;

    async fn handshake(&self, _: TcpStream) -> Result<(TcpStream, Option<Arc<PeerIdentity>>)> {
        match *self {}
    }
}

/// Establishes a connection on `tcp` as `S::ROLE`: the TLS handshake when `tls` is set,
/// then the evowire handshake (the caller bounds the time).
pub(crate) async fn establish<In, Out, S: TlsSide>(
    tcp: TcpStream,
    tls: Option<&S>,
    endpoint: &Endpoint<In, Out>,
    peer_addr: Option<SocketAddr>,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    match tls {
        None => Connection::handshake(tcp, endpoint, peer_addr, None, S::ROLE).await,
        Some(tls) => {
            let (stream, identity) = tls.handshake(tcp).await?;
            Connection::handshake(stream, endpoint, peer_addr, identity, S::ROLE)
                .await
                .map_err(S::classify)
        }
    }
}
