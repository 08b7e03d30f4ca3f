//! The evowire format inside the Rust stacks services already run: tarpc (through
//! `tokio-serde`), axum and remoc. Switching a service's wire format to evowire takes a
//! line or two and brings evowire's schema evolution: fields added at the back of a
//! message keep old and new peers talking.
//!
//! All adapters live in this one crate, each behind its own feature and all off by
//! default, so a service builds only the framework it uses and the `evowire` format crate
//! stays free of framework dependencies.
//!
//! | feature       | module            | gives |
//! |---------------|-------------------|-------|
//! | `tokio-serde` | [`tokio_serde`]   | [`tokio_serde::Evowire`], a `tokio_serde::Serializer` + `Deserializer`: the codec of tarpc's `serde_transport` |
//! | `axum`        | [`axum`]          | [`axum::Evowire<T>`], an extractor (415/413/400 rejections) and a response with `Content-Type: application/evowire` |
//! | `remoc`       | [`remoc`]         | [`remoc::Evowire`], a remoc `Codec` for remote channels |
//!
//! Decoding is bounded by [`evowire::DecodeOptions`] (nesting depth, length prefixes) in
//! every adapter, and a message that fails to decode is an error for that message or
//! connection only, never a panic.
//!
//! # Example: tarpc on evowire
//!
//! ```
//! use evowire_adapters::tokio_serde::Evowire;
//! use futures::StreamExt;
//! use tarpc::server::{BaseChannel, Channel};
//!
//! #[tarpc::service]
//! trait Greeter {
//!     async fn hello(name: String) -> String;
//! }
//!
//! #[derive(Clone)]
//! struct Server;
//!
//! impl Greeter for Server {
//!     async fn hello(self, _: tarpc::context::Context, name: String) -> String {
//!         format!("hello, {name}")
//!     }
//! }
//!
//! # #[tokio::main] async fn main() -> std::io::Result<()> {
//! // Server: the codec is the only change from tarpc's bincode or JSON transports.
//! let mut listener = tarpc::serde_transport::tcp::listen("127.0.0.1:0", Evowire::default).await?;
//! let addr = listener.local_addr();
//! tokio::spawn(async move {
//!     while let Some(Ok(transport)) = listener.next().await {
//!         let channel = BaseChannel::with_defaults(transport);
//!         tokio::spawn(channel.execute(Server.serve()).for_each(|call| async {
//!             tokio::spawn(call);
//!         }));
//!     }
//! });
//!
//! // Client.
//! let transport = tarpc::serde_transport::tcp::connect(addr, Evowire::default).await?;
//! let client = GreeterClient::new(tarpc::client::Config::default(), transport).spawn();
//! let answer = client.hello(tarpc::context::current(), "evowire".into()).await;
//! assert_eq!(answer.ok().as_deref(), Some("hello, evowire"));
//! # Ok(()) }
//! ```
//!
//! The crate's examples run each adapter end to end: `examples/tarpc_service.rs`,
//! `examples/axum_server.rs` and `examples/remoc_channels.rs`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

/// The media type of an evowire body: `application/evowire`.
pub const CONTENT_TYPE: &str = "application/evowire";

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "remoc")]
pub mod remoc;
#[cfg(feature = "tokio-serde")]
pub mod tokio_serde;
