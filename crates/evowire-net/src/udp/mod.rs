//! Typed UDP datagrams: one value per datagram, for telemetry, discovery and feeds where a
//! late message is worthless.
//!
//! A [`Socket<In, Out>`](Socket) sends `Out` values and receives `In` values over a tokio
//! `UdpSocket`, each encoded with evowire behind a 28-byte [header](HEADER_LEN) that names
//! the application [`Protocol`](crate::Protocol) (a hash of its name, and its major
//! version) and numbers the datagrams. There is no connection and no handshake: each
//! datagram is checked on its own, and those of another protocol or major version are
//! dropped, as are garbage, cut-short datagrams and values that do not decode as `In`.
//! Minor versions mix freely under evowire's schema evolution rules, as over TCP.
//!
//! **Nothing is retransmitted.** UDP may lose, duplicate and reorder datagrams; the socket
//! delivers what arrives (late ones included), drops duplicates, and counts what happened
//! in its [`Stats`]: for each sender the receiver follows the sequence numbers (in a
//! window of the last [`WINDOW`] numbers) and counts lost, reordered and duplicated
//! datagrams, and it counts every dropped datagram by reason. Use TCP
//! ([`connect`](crate::connect)) when every message must arrive.
//!
//! # Example
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use evowire_net::{udp, Protocol};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Reading {
//!     sensor: u32,
//!     celsius: f32,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), evowire_net::Error> {
//! let opts = udp::Options::new(Protocol::new("telemetry", 1, 0));
//! let collector = udp::Socket::<Reading, ()>::bind("127.0.0.1:0", opts.clone()).await?;
//! let sensor = udp::Socket::<(), Reading>::bind("127.0.0.1:0", opts).await?;
//!
//! sensor.connect(collector.local_addr()?).await?;
//! sensor.send(&Reading { sensor: 7, celsius: 21.5 }).await?;
//!
//! let (reading, from) = collector.recv_from().await?;
//! assert_eq!(reading, Reading { sensor: 7, celsius: 21.5 });
//! assert_eq!(from, sensor.local_addr()?);
//! let stats = collector.stats();
//! assert_eq!((stats.received, stats.decoded, stats.lost), (1, 1, 0));
//! # Ok(())
//! # }
//! ```
//!
//! # Which item to use
//!
//! | to …                                        | use                                           |
//! |---------------------------------------------|-----------------------------------------------|
//! | open a socket                               | [`Socket::bind`], or [`Socket::from_socket`] for a socket set up by hand (multicast) |
//! | send to / receive from anyone               | [`Socket::send_to`], [`Socket::recv_from`]    |
//! | talk to one peer                            | [`Socket::connect`], [`Socket::send`], [`Socket::recv`] |
//! | use `Stream` / `Sink` combinators           | [`Socket::incoming`], [`Socket::outgoing`]    |
//! | plug into channels                          | [`Socket::into_mpsc`]                         |
//! | watch loss, reordering and bad datagrams    | [`Socket::stats`], per sender [`Socket::peer_stats`] |
//! | limit datagram size and tracked peers       | [`Options`]                                   |
//!
//! # Size
//!
//! A datagram holds at most [`Options::with_max_payload`] bytes, header included (default
//! [`DEFAULT_MAX_PAYLOAD`], 1,200 bytes, below common path MTUs; at most
//! [`MAX_UDP_PAYLOAD`]). Sending a larger value fails with
//! [`Error::FrameTooLarge`](crate::Error::FrameTooLarge) before anything is sent: a value
//! is never truncated, and the encoder stops storing bytes at the limit, so an oversized
//! value costs no memory beyond it.
//!
//! # Bounded memory
//!
//! A receiver tracks at most [`Options::with_max_peers`] sender streams (about 200 bytes
//! each) and forgets the least recently heard one to make room, so senders with ever new
//! addresses cannot grow its memory. A sender keeps one sequence counter per destination,
//! bounded the same way. Each socket holds one receive buffer of the maximum payload.
//!
//! # Observability
//!
//! Every dropped datagram is a `tracing` event at debug level with
//! the sender's address and the reason.

mod adapters;
mod header;
mod options;
mod sequence;
mod shared;
mod socket;
mod stats;

pub use adapters::{Incoming, Outgoing};
pub use header::{HEADER_LEN, MAGIC, VERSION};
pub use options::{Options, DEFAULT_MAX_PAYLOAD, DEFAULT_MAX_PEERS, MAX_UDP_PAYLOAD};
pub use sequence::WINDOW;
pub use socket::Socket;
pub use stats::{Dropped, PeerStats, Stats};
