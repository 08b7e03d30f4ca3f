//! Who the peer is ([`peer`], always built) and TLS ([`config`], feature `tls`).

#[cfg(feature = "tls")]
pub(crate) mod config;
pub(crate) mod peer;

use std::net::SocketAddr;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::conn::{Connection, Endpoint, Role};
use crate::error::Result;

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

/// Establishes a client connection on `tcp`: the TLS handshake when `tls` is set, then
/// the evowire handshake (the caller bounds the time).
pub(crate) async fn client<In, Out>(
    tcp: TcpStream,
    tls: Option<&ClientTls>,
    endpoint: &Endpoint<In, Out>,
    peer_addr: Option<SocketAddr>,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    match tls {
        None => Connection::handshake(tcp, endpoint, peer_addr, None, Role::Client).await,
        #[cfg(feature = "tls")]
        Some(tls) => {
            let (stream, identity) = tls.handshake(tcp).await?;
            Connection::handshake(stream, endpoint, peer_addr, identity, Role::Client)
                .await
                .map_err(config::classify)
        }
        #[cfg(not(feature = "tls"))]
        Some(never) => match *never {},
    }
}

/// Establishes a server connection on `tcp`; see [`client`].
pub(crate) async fn server<In, Out>(
    tcp: TcpStream,
    tls: Option<&ServerTls>,
    endpoint: &Endpoint<In, Out>,
    peer_addr: Option<SocketAddr>,
) -> Result<Connection<In, Out>>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    match tls {
        None => Connection::handshake(tcp, endpoint, peer_addr, None, Role::Server).await,
        #[cfg(feature = "tls")]
        Some(tls) => {
            let (stream, identity) = tls.handshake(tcp).await?;
            Connection::handshake(stream, endpoint, peer_addr, identity, Role::Server)
                .await
                .map_err(config::classify)
        }
        #[cfg(not(feature = "tls"))]
        Some(never) => match *never {},
    }
}
