//! evowire-net over QUIC (feature `quic`): the typed API of TCP on [`quinn`] connections,
//! with TLS 1.3 from the same [`TlsClientConfig`] / [`TlsServerConfig`] as TLS over TCP.
//!
//! * **Messages**, the version handshake and the graceful close run on one bidirectional
//!   *control stream* that the client opens, exactly as on a TCP connection (the same
//!   frames, the same [`Options`] limits, the same receive buffer and backpressure).
//! * **Calls** each get a bidirectional stream of their own: the request frame goes out,
//!   the answer frame comes back, and the stream ends. A slow or large answer therefore
//!   delays no other call and no message: QUIC has no head-of-line blocking between
//!   streams. A handler that answers without waiting answers on the connection's
//!   serving task, so the answers to requests that arrived together leave in shared
//!   packets; a handler that has to wait continues in a task of its own. As on TCP, keep
//!   the code before a handler's first `.await` short.
//! * **Limits**: the peer may have at most [`Options::with_max_concurrent_requests`]
//!   calls open towards this side (QUIC's stream limit, so excess calls wait in the
//!   peer's QUIC layer instead of piling up here). Frames obey
//!   [`Options::with_max_frame_length`] as on TCP: each side reads frames up to its own
//!   limit and sends requests and answers within the limit the peer announced in the
//!   handshake (a longer request fails with [`Error::FrameTooLarge`] unsent; a longer
//!   answer becomes an error answer).
//! * **A peer that vanishes** is noticed by QUIC's idle timeout: with
//!   [`Options::with_keepalive`]`(interval, timeout)` QUIC sends keep-alives every
//!   `interval` and gives up after `timeout` of silence; without it, every
//!   [`DEFAULT_KEEPALIVE_INTERVAL`] and after [`DEFAULT_IDLE_TIMEOUT`]. Pending calls then
//!   fail with [`Error::Timeout`] (`"keepalive"`).
//! * **Bad input on a call stream** (a frame that is too long, truncated, malformed or
//!   not a request) is answered with an error frame on that stream, which the caller
//!   sees as [`Error::Remote`]; the connection and the endpoint go
//!   on. Bad input on the control stream ends the connection, as on TCP.
//! * **Closing** ([`Connection::close`], or dropping every [`Sender`]) loses nothing:
//!   messages are flushed and close frames exchanged on the control stream, each side
//!   waits for its own calls in flight to be answered, and the QUIC connection is closed
//!   only once both sides said so (each within [`Options::with_close_timeout`]).
//!
//! The stream mapping is written down in the "QUIC" section of `docs/PROTOCOL.md`.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use evowire_net::quic::{Connector, Listener};
//! use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
//! use evowire_net::{Options, Protocol, TlsClientConfig, TlsIdentity, TlsServerConfig};
//!
//! // A self-signed certificate for `localhost` (normally: TlsIdentity::from_pem_files).
//! let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
//! let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
//! let identity = TlsIdentity::new(vec![cert.cert.der().clone()], key)?;
//!
//! let opts = Options::new(Protocol::new("square", 1, 0));
//! let tls = TlsServerConfig::new(identity)?;
//! let mut listener = Listener::<u64, u64>::bind("127.0.0.1:0", opts.clone(), tls)
//!     .await?
//!     .with_handler(|n: u64| async move { Ok::<_, String>(n * n) });
//! let addr = listener.local_addr()?;
//! tokio::spawn(async move {
//!     while let Ok(mut conn) = listener.accept().await {
//!         tokio::spawn(async move { while let Ok(Some(_)) = conn.recv().await {} });
//!     }
//! });
//!
//! let tls = TlsClientConfig::new(&[cert.cert.der().clone()], "localhost")?;
//! let conn = Connector::<u64, u64>::new(opts, tls)?.connect(addr).await?;
//! assert_eq!(conn.call(12u64).await?, 144);
//! conn.close().await?;
//! # Ok(())
//! # }
//! ```

mod calls;
mod conn;
mod endpoint;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use quinn::{ConnectionError, IdleTimeout, TransportConfig, VarInt};

use crate::error::Error;
use crate::options::Options;
use crate::tls::config::{TlsClientConfig, TlsServerConfig};

pub(crate) use calls::answer_frame;
pub use conn::{Connection, Sender};
pub use endpoint::{Connector, Listener};

/// The ALPN protocol both sides announce in the TLS handshake of a QUIC connection.
pub const ALPN: &[u8] = b"evowire/1";

/// QUIC keep-alive interval when [`Options::with_keepalive`] is not set.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// QUIC idle timeout when [`Options::with_keepalive`] is not set: a peer silent this long
/// (keep-alives included) is gone.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Application error codes of QUIC connection closes and stream resets.
pub(crate) mod code {
    use quinn::VarInt;

    /// The connection was closed gracefully after both sides finished.
    pub(crate) const CLOSED: VarInt = VarInt::from_u32(0);
    /// The evowire handshake on the control stream failed.
    pub(crate) const HANDSHAKE: VarInt = VarInt::from_u32(1);
    /// A stream was given up: a call that timed out or was cancelled, or an answer
    /// nobody reads.
    pub(crate) const CANCELLED: VarInt = VarInt::from_u32(2);
}

/// The keep-alive interval and idle timeout QUIC uses with `opts`.
pub(crate) fn liveness(opts: &Options) -> (Duration, Duration) {
    opts.keepalive
        .unwrap_or((DEFAULT_KEEPALIVE_INTERVAL, DEFAULT_IDLE_TIMEOUT))
}

/// The QUIC transport settings that follow from `opts`.
fn transport(opts: &Options) -> Arc<TransportConfig> {
    let mut transport = TransportConfig::default();
    // The peer's calls in flight, plus the control stream the client opens.
    let calls = u32::try_from(opts.max_concurrent_requests).unwrap_or(u32::MAX);
    transport.max_concurrent_bidi_streams(VarInt::from_u32(calls.saturating_add(1)));
    // One unidirectional stream: the peer's "done" at the end of a graceful close.
    transport.max_concurrent_uni_streams(VarInt::from_u32(1));
    let (interval, idle) = liveness(opts);
    transport.keep_alive_interval(Some(interval));
    transport.max_idle_timeout(IdleTimeout::try_from(idle).ok());
    Arc::new(transport)
}

fn tls_error(reason: impl Into<String>) -> Error {
    Error::Tls {
        reason: reason.into(),
    }
}

/// The client's QUIC configuration: `tls` with the evowire ALPN, and `opts`' limits.
pub(crate) fn client_config(
    tls: &TlsClientConfig,
    opts: &Options,
) -> crate::Result<quinn::ClientConfig> {
    let mut rustls = (**tls.rustls_config()).clone();
    rustls.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = QuicClientConfig::try_from(Arc::new(rustls))
        .map_err(|e| tls_error(format!("the TLS configuration cannot run QUIC: {e}")))?;
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(transport(opts));
    Ok(config)
}

/// The server's QUIC configuration: `tls` with the evowire ALPN, and `opts`' limits.
pub(crate) fn server_config(
    tls: &TlsServerConfig,
    opts: &Options,
) -> crate::Result<quinn::ServerConfig> {
    let mut rustls = (**tls.rustls_config()).clone();
    rustls.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = QuicServerConfig::try_from(Arc::new(rustls))
        .map_err(|e| tls_error(format!("the TLS configuration cannot run QUIC: {e}")))?;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    config.transport_config(transport(opts));
    Ok(config)
}

/// Maps the end of a QUIC connection to this crate's errors.
pub(crate) fn connection_error(e: ConnectionError, opts: &Options) -> Error {
    match e {
        ConnectionError::ApplicationClosed(close) if close.error_code == code::CLOSED => {
            Error::Closed
        }
        ConnectionError::LocallyClosed => Error::Closed,
        ConnectionError::TimedOut => Error::Timeout {
            operation: "keepalive",
            after: liveness(opts).1,
        },
        ConnectionError::TransportError(ref t) if is_crypto(t.code) => tls_error(e.to_string()),
        ConnectionError::ConnectionClosed(ref c) if is_crypto(c.error_code) => {
            tls_error(format!("the peer refused the TLS handshake: {e}"))
        }
        other => Error::Io(io::Error::other(other)),
    }
}

/// True for the QUIC transport error codes that carry a TLS alert.
fn is_crypto(code: quinn::TransportErrorCode) -> bool {
    (0x100..0x200).contains(&u64::from(code))
}
