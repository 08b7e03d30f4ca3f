//! TLS configuration ([`TlsClientConfig`], [`TlsServerConfig`], [`TlsIdentity`]) and the
//! TLS handshake on a TCP stream, on rustls with the `ring` provider, TLS 1.3 only.
//!
//! Certificates are always verified: a client needs at least one root, and there is no
//! switch to skip verification.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio::net::TcpStream;
use tokio_rustls::{client, server, TlsAcceptor, TlsConnector};

use super::peer::PeerIdentity;
use super::TlsSide;
use crate::conn::Role;
use crate::error::{Error, Result};

fn tls_error(reason: impl Into<String>) -> Error {
    Error::Tls {
        reason: reason.into(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads every certificate of a PEM file (`-----BEGIN CERTIFICATE-----` sections), for
/// example the roots a side trusts.
///
/// # Errors
///
/// [`Error::Tls`] naming the file when it cannot be read, is not PEM or holds no
/// certificate.
pub fn load_pem_certs(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| {
            tls_error(format!(
                "cannot read certificates from {}: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(tls_error(format!(
            "{} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// A certificate chain (leaf first) and its private key: who this side is.
///
/// # Examples
///
/// ```
/// use evowire_net::TlsIdentity;
/// let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
/// let id = TlsIdentity::from_pem(
///     cert.cert.pem().as_bytes(),
///     cert.signing_key.serialize_pem().as_bytes(),
/// )?;
/// assert_eq!(id.chain().len(), 1);
/// # Ok::<(), evowire_net::Error>(())
/// ```
#[derive(Debug)]
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        TlsIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl TlsIdentity {
    /// An identity from a DER chain (leaf first) and key.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] if the chain is empty.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Self> {
        if chain.is_empty() {
            return Err(tls_error("the certificate chain is empty"));
        }
        Ok(TlsIdentity { chain, key })
    }

    /// An identity from PEM text: every certificate of `chain_pem` (leaf first) and the
    /// first private key (PKCS#8, PKCS#1 or SEC1) of `key_pem`.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] if either is not PEM or lacks its item.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Self> {
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| tls_error(format!("cannot read the certificate chain: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| tls_error(format!("cannot read the private key: {e}")))?;
        Self::new(chain, key)
    }

    /// An identity from a PEM certificate chain file and a PEM private key file.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] naming the file that cannot be read or lacks its item.
    pub fn from_pem_files(chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self> {
        let chain = load_pem_certs(chain)?;
        let key_path = key.as_ref();
        let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
            tls_error(format!(
                "cannot read a private key from {}: {e}",
                key_path.display()
            ))
        })?;
        Self::new(chain, key)
    }

    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }
}

fn root_store(roots: &[CertificateDer<'static>], whose: &str) -> Result<Arc<RootCertStore>> {
    if roots.is_empty() {
        return Err(tls_error(format!(
            "no root certificates: {whose} could never be verified"
        )));
    }
    let mut store = RootCertStore::empty();
    for (i, root) in roots.iter().enumerate() {
        store
            .add(root.clone())
            .map_err(|e| tls_error(format!("root certificate {i} is not usable: {e}")))?;
    }
    Ok(Arc::new(store))
}

/// The client side of TLS: the roots that verify the server and the name the server's
/// certificate must carry, optionally a client certificate for mutual TLS.
///
/// Use it with [`Connector::with_tls`](crate::Connector::with_tls) or
/// [`Reconnecting::with_tls`](crate::Reconnecting::with_tls). Cheap to clone.
///
/// # Examples
///
/// ```
/// use evowire_net::TlsClientConfig;
/// // A client config needs roots: without them no server could be verified.
/// assert!(TlsClientConfig::new(&[], "node-b.example").is_err());
/// ```
#[derive(Clone)]
pub struct TlsClientConfig {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl TlsClientConfig {
    /// Verifies servers against `roots`; the server's certificate must be valid for
    /// `server_name` (a DNS name or an IP address).
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] with no roots, an unusable root or an invalid server name.
    pub fn new(roots: &[CertificateDer<'static>], server_name: &str) -> Result<Self> {
        Self::build(roots, server_name, None)
    }

    /// As [`new`](Self::new), and presents `identity` when the server asks for a client
    /// certificate (mutual TLS).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`Error::Tls`] if the key does not suit the certificate.
    pub fn mutual(
        roots: &[CertificateDer<'static>],
        server_name: &str,
        identity: TlsIdentity,
    ) -> Result<Self> {
        Self::build(roots, server_name, Some(identity))
    }

    /// [`new`](Self::new) with the roots of a PEM file.
    ///
    /// # Errors
    ///
    /// As [`load_pem_certs`] and [`new`](Self::new).
    pub fn from_pem_file(roots: impl AsRef<Path>, server_name: &str) -> Result<Self> {
        Self::new(&load_pem_certs(roots)?, server_name)
    }

    /// Uses a rustls configuration as it is (its verifier, versions and ALPN), connecting
    /// to `server_name`.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] if `server_name` is not a DNS name or an IP address.
    pub fn from_rustls(config: Arc<ClientConfig>, server_name: &str) -> Result<Self> {
        Ok(TlsClientConfig {
            config,
            server_name: parse_server_name(server_name)?,
        })
    }

    fn build(
        roots: &[CertificateDer<'static>],
        server_name: &str,
        identity: Option<TlsIdentity>,
    ) -> Result<Self> {
        let server_name = parse_server_name(server_name)?;
        let roots = root_store(roots, "the server")?;
        let builder = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls_error(e.to_string()))?
            .with_root_certificates(roots);
        let config = match identity {
            None => builder.with_no_client_auth(),
            Some(id) => builder
                .with_client_auth_cert(id.chain, id.key)
                .map_err(|e| tls_error(format!("cannot use the client certificate: {e}")))?,
        };
        Ok(TlsClientConfig {
            config: Arc::new(config),
            server_name,
        })
    }

    /// The rustls configuration, for transports that run TLS themselves (QUIC).
    #[cfg(feature = "quic")]
    pub(crate) fn rustls_config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// The name the server's certificate must carry.
    pub fn server_name(&self) -> String {
        self.server_name.to_str().into_owned()
    }
}

impl TlsSide for TlsClientConfig {
    const ROLE: Role = Role::Client;
    type Stream = client::TlsStream<TcpStream>;

    async fn handshake(&self, tcp: TcpStream) -> Result<(Self::Stream, Option<Arc<PeerIdentity>>)> {
        let stream = TlsConnector::from(self.config.clone())
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| handshake_failure(e, "server"))?;
        let identity = identity(stream.get_ref().1.peer_certificates());
        Ok((stream, identity))
    }

    fn classify(err: Error) -> Error {
        classify(err)
    }
}

impl std::fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

fn parse_server_name(name: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(name.to_owned())
        .map_err(|e| tls_error(format!("invalid server name {name:?}: {e}")))
}

/// The server side of TLS: the server's certificate chain and key, and optionally the
/// roots that client certificates must chain to (mutual TLS; clients without a valid
/// certificate are then refused).
///
/// Use it with [`Listener::with_tls`](crate::Listener::with_tls). Cheap to clone.
///
/// # Examples
///
/// ```
/// use evowire_net::{TlsIdentity, TlsServerConfig};
/// let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
/// let id = TlsIdentity::new(vec![cert.cert.der().clone()], cert.signing_key.serialize_der().try_into().unwrap())?;
/// let tls = TlsServerConfig::new(id)?;
/// assert!(!tls.requires_client_certificates());
/// # Ok::<(), evowire_net::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsServerConfig {
    config: Arc<ServerConfig>,
    mutual: bool,
}

impl TlsServerConfig {
    /// Presents `identity` to clients; clients need no certificate.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] if the key does not suit the certificate.
    pub fn new(identity: TlsIdentity) -> Result<Self> {
        Self::build(identity, None)
    }

    /// Presents `identity` and requires every client to present a certificate that
    /// chains to one of `client_roots` (mutual TLS).
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] with no roots, an unusable root or a key that does not suit the
    /// certificate.
    pub fn mutual(identity: TlsIdentity, client_roots: &[CertificateDer<'static>]) -> Result<Self> {
        Self::build(identity, Some(client_roots))
    }

    /// [`new`](Self::new) with a PEM chain file and a PEM key file.
    ///
    /// # Errors
    ///
    /// As [`TlsIdentity::from_pem_files`] and [`new`](Self::new).
    pub fn from_pem_files(chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self> {
        Self::new(TlsIdentity::from_pem_files(chain, key)?)
    }

    /// Uses a rustls configuration as it is.
    pub fn from_rustls(config: Arc<ServerConfig>) -> Self {
        TlsServerConfig {
            config,
            mutual: false,
        }
    }

    fn build(
        identity: TlsIdentity,
        client_roots: Option<&[CertificateDer<'static>]>,
    ) -> Result<Self> {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls_error(e.to_string()))?;
        let builder = match client_roots {
            None => builder.with_no_client_auth(),
            Some(roots) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(
                    root_store(roots, "a client")?,
                    provider(),
                )
                .build()
                .map_err(|e| tls_error(format!("cannot verify client certificates: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(identity.chain, identity.key)
            .map_err(|e| tls_error(format!("cannot use the server certificate: {e}")))?;
        Ok(TlsServerConfig {
            config: Arc::new(config),
            mutual: client_roots.is_some(),
        })
    }

    /// The rustls configuration, for transports that run TLS themselves (QUIC).
    #[cfg(feature = "quic")]
    pub(crate) fn rustls_config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// True if clients must present a certificate ([`mutual`](Self::mutual)).
    pub fn requires_client_certificates(&self) -> bool {
        self.mutual
    }
}

impl TlsSide for TlsServerConfig {
    const ROLE: Role = Role::Server;
    type Stream = server::TlsStream<TcpStream>;

    /// The client's identity is there when it presented a certificate.
    async fn handshake(&self, tcp: TcpStream) -> Result<(Self::Stream, Option<Arc<PeerIdentity>>)> {
        let stream = TlsAcceptor::from(self.config.clone())
            .accept(tcp)
            .await
            .map_err(|e| handshake_failure(e, "client"))?;
        let identity = identity(stream.get_ref().1.peer_certificates());
        Ok((stream, identity))
    }

    fn classify(err: Error) -> Error {
        classify(err)
    }
}

impl std::fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServerConfig")
            .field("mutual", &self.mutual)
            .finish_non_exhaustive()
    }
}

/// The identity of the peer's verified leaf certificate.
pub(crate) fn identity(certs: Option<&[CertificateDer<'static>]>) -> Option<Arc<PeerIdentity>> {
    let leaf = certs?.first()?;
    match PeerIdentity::from_der(leaf.as_ref()) {
        Ok(id) => Some(Arc::new(id)),
        Err(e) => {
            // Verified by rustls, but not readable here: keep the certificate itself.
            tracing::warn!(error = %e, "cannot read the peer's certificate fields");
            Some(Arc::new(PeerIdentity::unreadable(leaf.as_ref().to_vec())))
        }
    }
}

/// The error of a failed TLS handshake with the peer (`"server"` or `"client"`), with a
/// hint for the failures that mean the peer does not speak TLS at all.
fn handshake_failure(e: io::Error, peer: &str) -> Error {
    let hint = match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
            format!(" (the {peer} did not send TLS records: does it connect without TLS?)")
        }
        _ if e.kind() == io::ErrorKind::UnexpectedEof => {
            format!(" (the {peer} closed the connection: does it accept TLS?)")
        }
        _ => String::new(),
    };
    tls_error(format!("handshake with the {peer} failed: {e}{hint}"))
}

/// Maps a transport error of an established TLS stream: a TLS alert or record error
/// becomes [`Error::Tls`] (the peer rejected our certificate after its handshake, for
/// example); anything else is returned as it is.
fn classify(err: Error) -> Error {
    match err {
        Error::Io(e)
            if e.get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            tls_error(e.to_string())
        }
        other => other,
    }
}
