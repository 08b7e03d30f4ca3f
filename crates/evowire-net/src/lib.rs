//! evowire-net: typed message passing between nodes over TCP with tokio, on the evowire
//! format.
//!
//! Nodes exchange serde types. Each connection starts with a handshake in which both
//! sides check that they speak the same application protocol (name and major version;
//! minor versions may differ, relying on evowire's schema evolution), then carries, in
//! both directions at once:
//!
//! * **messages** (active, fire-and-forget): [`Sender::send`] / [`Receiver::recv`],
//!   also as [`futures::Sink`] / [`futures::Stream`] and bridged to
//!   [`tokio::sync::mpsc`] channels;
//! * **requests** (passive, request/response): [`Sender::call`] on one side, a
//!   [`Handler`] on the other (see [`serve`]), with many calls in flight, answers in any
//!   order and per-call timeouts.
//!
//! The wire protocol is written down in `docs/PROTOCOL.md` of the repository.
//!
//! # Example
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use evowire_net::{connect, Listener, Options, Protocol};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct NodeMessage {
//!     id: u32,
//!     content: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), evowire_net::Error> {
//! let opts = Options::new(Protocol::new("nodes", 1, 0));
//!
//! // Node B listens; a connection receives `NodeMessage`s and sends nothing (`()`).
//! let mut listener = Listener::<NodeMessage, ()>::bind("127.0.0.1:0", opts.clone()).await?;
//! let addr = listener.local_addr()?;
//! let node_b = tokio::spawn(async move {
//!     let mut conn = listener.accept().await?;
//!     let mut received = Vec::new();
//!     while let Some(msg) = conn.recv().await? {
//!         received.push(msg);
//!     }
//!     Ok::<_, evowire_net::Error>(received)
//! });
//!
//! // Node A connects, sends and closes: B gets every message, then the end.
//! let conn = connect::<(), NodeMessage>(addr, &opts).await?;
//! conn.send(NodeMessage { id: 1, content: "Hello, Node B!".into() }).await?;
//! conn.send(NodeMessage { id: 2, content: "Bye".into() }).await?;
//! conn.close().await?;
//!
//! let received = node_b.await.unwrap()?;
//! assert_eq!(received.len(), 2);
//! assert_eq!(received[0].content, "Hello, Node B!");
//! # Ok(())
//! # }
//! ```
//!
//! # Which item to use
//!
//! | to …                                                  | use                                   |
//! |-------------------------------------------------------|---------------------------------------|
//! | connect to a node                                     | [`connect`]                           |
//! | accept connections                                    | [`Listener::bind`], [`Listener::accept`] |
//! | answer requests on every connection                   | [`serve`], or [`Listener::with_handler`] then [`Listener::serve`] |
//! | send / receive from different tasks                   | [`Connection::split`], clone the [`Sender`] |
//! | plug into channels                                    | [`Sender::into_mpsc`], [`Receiver::into_mpsc`] |
//! | keep a client connected (send, call, receive pushes)  | [`Reconnecting`]                      |
//! | connect with TLS, a handler or an authorization hook   | [`Connector`]                         |
//! | accept TLS connections (feature `tls`)                | `Listener::with_tls`                  |
//! | see who the peer is, admit or refuse it               | [`Connection::peer_identity`], [`Handler::with_peer`], [`Listener::with_authorization`] |
//! | hear about failed connections of `serve`              | [`Listener::on_event`], [`ConnectionEvent`] |
//! | run over Unix sockets or anything async               | [`Connection::client`], [`Connection::server`] |
//! | only frame typed messages over your own transport     | [`MessageCodec`] with tokio-util's `Framed` |
//! | send typed datagrams over UDP                         | [`udp::Socket`]                       |
//!
//! # Types and versions
//!
//! A connection is `Connection<In, Out>`: it sends `Out` (messages and requests) and
//! receives `In` (messages and answers to its calls); a [`Handler`] answers `In` requests
//! with `Out`. The two peers use mirrored types, typically one enum per direction. To let
//! a newer peer talk to an older one, keep to evowire's evolution rules: add struct
//! fields at the back with `#[serde(default)]`, add enum variants at the back and give
//! older readers a `#[serde(other)]` unit variant to land on; bump the minor version for
//! such changes and the major version for anything else.
//!
//! # Limits and backpressure
//!
//! Everything is bounded (see [`Options`]): `send` waits while the encoded bytes queued
//! for the writer exceed the send buffer; the reader stops reading while the messages
//! `recv` has not yet read through hold more than the receive buffer
//! ([`Options::with_recv_buffer`], 1 MiB by default), while more messages than the receive
//! capacity wait, or while too many request handlers run. A slow receiver thus slows its
//! sender down through TCP instead of growing memory: a connection whose receiver stalls
//! holds about its receive buffer, one read and the frame being read. A message larger
//! than the receive buffer is delivered alone. Frames above
//! a side's maximum frame length are never sent to it (the `send` fails) and end a
//! connection if received. Garbage, a silent peer during the handshake, or a peer that
//! disappears mid-frame end only that connection, with an [`Error`] that says so.
//!
//! # Closing
//!
//! [`Connection::close`] (or dropping every sending handle) flushes everything already
//! accepted by `send`, sends a close frame and waits for the peer's; the peer's receiver
//! yields every message, then `None`, and the peer answers with its own close frame once
//! its running request handlers are done. Calls still waiting when the connection ends
//! fail with [`Error::Closed`] at once. With [`Options::with_keepalive`], a peer that
//! stays silent is detected and the connection ends with [`Error::Timeout`].
//!
//! # Reconnecting
//!
//! [`Reconnecting`] keeps a client connected: `send`, `call` and `recv` connect again
//! (with [`Backoff`]) when the connection is gone. It never resends anything. A connection
//! lost while messages sent on it were unconfirmed (no answered call since) makes the next
//! operation fail with [`Error::Closed`], once, so no message vanishes unnoticed; a call
//! in flight when the connection ends fails and is not retried; `recv` reports the end of
//! each connection after its messages. See its docs for the exact guarantee.
//!
//! # TLS
//!
//! With the `tls` feature (off by default), connections run over TLS 1.3 (rustls with the
//! `ring` provider): `Connector::with_tls(TlsClientConfig)`,
//! `Listener::with_tls(TlsServerConfig)` (for [`Listener::accept`] and [`serve`]) and
//! `Reconnecting::with_tls`. The evowire handshake runs unchanged inside TLS, and the
//! handshake timeout bounds both. A client config needs roots and the server's name;
//! a server config may require client certificates from given roots (mutual TLS). There
//! is no switch to skip verification. The verified identity of the peer
//! ([`PeerIdentity`]: subject, SAN names, leaf certificate) is on the connection, its
//! halves, and the [`Peer`] that authorization hooks and [`Handler::with_peer`] handlers
//! receive.
//!
//! ```
//! # #[cfg(feature = "tls")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
//! use evowire_net::{serve, Connector, Listener, Options, Protocol};
//! use evowire_net::{TlsClientConfig, TlsIdentity, TlsServerConfig};
//!
//! // A self-signed certificate for `localhost` (normally: TlsIdentity::from_pem_files).
//! let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
//! let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
//! let identity = TlsIdentity::new(vec![cert.cert.der().clone()], key)?;
//!
//! let opts = Options::new(Protocol::new("square", 1, 0));
//! let listener = Listener::<u64, u64>::bind("127.0.0.1:0", opts.clone())
//!     .await?
//!     .with_tls(TlsServerConfig::new(identity)?);
//! let addr = listener.local_addr()?;
//! tokio::spawn(serve(listener, |n: u64| async move { Ok::<_, String>(n * n) }));
//!
//! let tls = TlsClientConfig::new(&[cert.cert.der().clone()], "localhost")?;
//! let conn = Connector::<u64, u64>::new(opts).with_tls(tls).connect(addr).await?;
//! assert_eq!(conn.call(12u64).await?, 144);
//! assert_eq!(conn.peer_identity().unwrap().dns_names(), ["localhost"]);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "tls"))]
//! # fn main() {}
//! ```
//!
//! # QUIC
//!
//! With the `quic` feature, [`quic`] runs connections over QUIC with the same typed API,
//! handshake, [`Options`] and TLS configurations: messages in order on one control stream,
//! each call on a stream of its own, so a large or slow answer holds up no other call.
//!
//! # Features
//!
//! | feature | default | adds |
//! |---------|---------|------|
//! | `tls`   | off     | TLS 1.3 with rustls (`ring`), mutual TLS, [`PeerIdentity`] of verified certificates |
//! | `quic`  | off     | [`quic`]: the same typed API over QUIC (`quinn`), a stream per call; enables `tls` |
//!
//! # Observability
//!
//! Every connection runs in a `tracing` span `evowire_net::connection` (peer address and
//! protocol); connecting, handshakes (debug on success, warn on failure), closing (debug)
//! and connection errors (warn) are events.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod codec;
mod conn;
mod core;
mod error;
mod frame;
mod handshake;
mod inbound;
mod listener;
mod options;
#[cfg(feature = "quic")]
pub mod quic;
mod reconnect;
mod tls;
pub mod udp;

pub use codec::{MessageCodec, DEFAULT_MAX_FRAME_LENGTH};
pub use conn::{Connection, Handler, Receiver, Sender};
pub use error::{Error, Result};
pub use handshake::{MAGIC, PROTOCOL_VERSION};
pub use listener::{connect, serve, ConnectionEvent, Connector, Listener};
pub use options::{Options, Protocol, DEFAULT_RECV_BUFFER};
pub use reconnect::{Backoff, Reconnectable, Reconnecting};
/// The rustls crate this crate's TLS is built on, for [`TlsClientConfig::from_rustls`],
/// [`TlsServerConfig::from_rustls`] and its certificate types (`rustls::pki_types`).
#[cfg(feature = "tls")]
pub use rustls;
#[cfg(feature = "tls")]
pub use tls::config::{load_pem_certs, TlsClientConfig, TlsIdentity, TlsServerConfig};
pub use tls::peer::{Peer, PeerIdentity};
