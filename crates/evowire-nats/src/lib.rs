//! evowire-nats: typed evowire messaging over [NATS](https://nats.io), on the
//! [`async-nats`](async_nats) client.
//!
//! When a system outgrows direct TCP connections between a few nodes (many nodes, fan-out,
//! load balancing, durability across restarts), NATS is the broker and this crate keeps the
//! typed feel of `evowire-net`: serde types in, serde types out, evowire on the wire.
//!
//! * **publish/subscribe** (active): [`Client::publish`] and [`Client::subscribe`], whose
//!   [`Subscription`] is a [`Stream`](futures::Stream) of decoded [`Received`] messages;
//! * **request/reply** (passive): [`Client::request`] with a timeout, and
//!   [`Client::serve`] to answer requests concurrently, optionally in a queue group so N
//!   workers share the load;
//! * **durable delivery** (JetStream): [`JetStream::publish`] waits for the stream's ack,
//!   and a durable [`Consumer`] (pull or push) acks a message only after its handler
//!   succeeded, so a crashed worker's messages are redelivered (at least once, nothing
//!   lost); [`Consumer::process`] retries with backoff, moves messages that keep failing to
//!   a dead-letter subject, reports every failure and stops gracefully;
//!   [`JetStream::ordered`] reads a stream in order.
//!
//! This is a sibling of `evowire-net` rather than a module of it: it shares the format
//! crate `evowire` and the ideas (a message type name with a major.minor version; minor
//! versions talk through schema evolution, major versions are refused), but no code, so the
//! TCP crate does not depend on a NATS client and vice versa.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use futures::StreamExt;
//! use serde::{Deserialize, Serialize};
//! use evowire_nats::{Client, Message, MessageType, ServeOptions};
//!
//! #[derive(Serialize, Deserialize, Debug)]
//! struct NodeMessage {
//!     id: u32,
//!     content: String,
//! }
//!
//! impl Message for NodeMessage {
//!     const TYPE: MessageType = MessageType::new("demo.NodeMessage", 1, 0);
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), evowire_nats::Error> {
//! let client = Client::connect("127.0.0.1:4222").await?;
//!
//! // Publish / subscribe.
//! let mut sub = client.subscribe::<NodeMessage>("nodes.b").await?;
//! client.publish("nodes.b", &NodeMessage { id: 1, content: "Hello, Node B!".into() }).await?;
//! let received = sub.next().await.expect("subscribed")?;
//! println!("{} on {}", received.value.content, received.subject);
//!
//! // Request / reply: an echo service in a queue group, and a call.
//! let _service = client
//!     .serve("nodes.echo", ServeOptions::new().with_queue_group("echo"), |req| async move {
//!         let msg: NodeMessage = req.value;
//!         Ok::<_, String>(NodeMessage { id: msg.id, content: msg.content.to_uppercase() })
//!     })
//!     .await?;
//! let answer: NodeMessage = client
//!     .request("nodes.echo", &NodeMessage { id: 2, content: "ping".into() }, Duration::from_secs(1))
//!     .await?;
//! assert_eq!(answer.content, "PING");
//! # Ok(())
//! # }
//! ```
//!
//! JetStream, with a stream `EVENTS` on `events.>`:
//!
//! ```no_run
//! # use serde::{Deserialize, Serialize};
//! # use evowire_nats::{Client, Message, MessageType};
//! # #[derive(Serialize, Deserialize, Debug)]
//! # struct NodeMessage { id: u32, content: String }
//! # impl Message for NodeMessage { const TYPE: MessageType = MessageType::new("demo.NodeMessage", 1, 0); }
//! use std::time::Duration;
//! use evowire_nats::async_nats::jetstream::{consumer::pull, stream};
//! use evowire_nats::ProcessOptions;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect("127.0.0.1:4222").await?;
//! let js = client.jetstream();
//! js.context()
//!     .get_or_create_stream(stream::Config {
//!         name: "EVENTS".into(),
//!         subjects: vec!["events.>".into()],
//!         ..Default::default()
//!     })
//!     .await?;
//!
//! let ack = js.publish("events.node", &NodeMessage { id: 3, content: "stored".into() }).await?;
//! println!("stored as #{}", ack.sequence);
//!
//! let consumer = js
//!     .consumer::<NodeMessage>("EVENTS", pull::Config {
//!         durable_name: Some("workers".into()),
//!         ack_wait: Duration::from_secs(30),
//!         ..Default::default()
//!     })
//!     .await?;
//! // Acks each message after the handler returned Ok; runs until the consumer ends or a
//! // stop signal is given (ProcessOptions::with_stop_signal), then says what it did.
//! let summary = consumer
//!     .process(ProcessOptions::new(), |msg, info| async move {
//!         println!("#{} (delivery {}): {}", info.stream_sequence, info.delivered, msg.content);
//!         Ok::<_, std::convert::Infallible>(())
//!     })
//!     .await?;
//! println!("{} processed", summary.processed);
//! # Ok(())
//! # }
//! ```
//!
//! # Headers, types and versions
//!
//! Every message carries `Content-Type: application/evowire`, `Evowire-Type: <name>` and
//! `Evowire-Version: <major>.<minor>` from its [`Message::TYPE`]. A receiver checks them
//! before decoding ([`MessageType::check`]): another content type, type name or major
//! version is refused with [`Error::Incompatible`]; another minor version is read through
//! evowire's schema evolution (add fields at the back with `#[serde(default)]`, enum
//! variants at the back). A header that is absent is not checked, so plain NATS tools can
//! still publish evowire payloads.
//!
//! A message that does not decode yields an `Err` item naming the subject and the byte
//! offset, and the stream goes on: nothing panics, nothing is dropped silently.
//!
//! The headers are the most expensive part of a small message (async-nats builds a header map
//! per message); [`Client::with_type_headers`]`(false)` leaves them out where throughput
//! matters more than the check. For hot loops pass subjects as an [`async_nats::Subject`]
//! built once: cloning it is a reference count, while a `&str` is copied each time.
//!
//! # Delivery guarantees
//!
//! Core NATS (publish/subscribe, request/reply) delivers at most once: a message published
//! while nobody subscribes, or to a subscriber that falls too far behind, is gone. JetStream
//! stores messages and redelivers those not acknowledged in time: [`Consumer::process`] acks
//! after the handler succeeded, so delivery is at least once and handlers should be
//! idempotent (or count duplicates by [`DeliveryInfo::stream_sequence`]).
//!
//! # Failures in `process`: retries, dead letters, events, stopping
//!
//! [`Consumer::process`] settles every message it receives:
//!
//! | what happened                         | what `process` does                                     |
//! |---------------------------------------|---------------------------------------------------------|
//! | handler returned `Ok`                 | ack, wait for the server's confirmation                 |
//! | handler returned `Err`                | nak, redelivered after the [backoff](ProcessOptions::with_backoff) delay |
//! | … on the last delivery ([`max_deliver`](ProcessOptions::with_max_deliver), by default the consumer's) | publish to the [dead-letter subject](ProcessOptions::with_dead_letter) with its headers and the error, then terminate |
//! | payload does not decode, or incompatible sender | dead-letter (if a subject is set), terminate  |
//! | stop signal given                     | stop fetching, let running handlers finish up to the [deadline](ProcessOptions::with_stop_deadline), return a [`ProcessSummary`] |
//! | handler still running at the deadline | cut it off, nak its message                              |
//!
//! Each failure is an [`Event`] for [`ProcessOptions::with_on_event`] (and a `tracing`
//! warning), and is counted in [`Counters`] ([`ProcessOptions::with_counters`]).
//!
//! # While the server is away
//!
//! The client (async-nats) reconnects by itself, forever unless
//! [`ConnectOptions::max_reconnects`](async_nats::ConnectOptions::max_reconnects) says
//! otherwise, to any server it knows (give all of a cluster's URLs to
//! [`Client::connect`]). Meanwhile:
//!
//! * [`Client::publish`] returns `Ok` at once: the message waits in the client's buffer of
//!   [`client_capacity`](async_nats::ConnectOptions::client_capacity) commands (2,048 by
//!   default) and is sent after the reconnect. When the buffer is full, `publish` waits
//!   until the connection is back. Core NATS still delivers at most once: a subscriber on
//!   another connection that has not reconnected yet misses it.
//! * Subscriptions stay open and are renewed on the new connection before the buffered
//!   messages go out; messages published by others while this client was away are lost to
//!   it (use JetStream when that matters).
//! * [`Client::request`] fails with [`Error::Timeout`] after its own timeout.
//! * [`JetStream::publish`] fails with [`Error::Nats`] (`"jetstream publish"`) once the
//!   context's ack timeout (5 s by default) passes; the message may or may not be stored,
//!   so publish again (at least once). A running [`Consumer::process`] reports
//!   [`Event::ConsumerError`]s and goes on when the server is back.
//! * When the client gives up (after `max_reconnects` failed attempts) the connection is
//!   closed: subscriptions end, and `publish` and `request` fail at once with
//!   [`Error::Nats`].
//!
//! # Requirements
//!
//! Any NATS server 2.2 or newer; JetStream needs a server started with `-js`. Tested with
//! Debian's `nats-server` 2.9 (single servers and a three-node cluster), pull, push and
//! ordered consumers included. async-nats is built with its `ring` TLS backend, `jetstream`
//! and `nuid` features only; a program that needs newer server features can enable
//! async-nats's `server_2_10` (and later) features itself.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod error;
mod jetstream;
mod message;
mod service;
mod subscription;

pub use async_nats;

pub use crate::client::Client;
pub use crate::error::{BoxError, Error, Result};
pub use crate::jetstream::{
    Consumer, Counters, Deliveries, Delivery, DeliveryInfo, Event, JetStream, PendingAck,
    ProcessOptions, ProcessSummary, StopSignal, DEFAULT_STOP_DEADLINE, HEADER_DEAD_LETTER_CONSUMER,
    HEADER_DEAD_LETTER_DELIVERIES, HEADER_DEAD_LETTER_ERROR, HEADER_DEAD_LETTER_SEQUENCE,
    HEADER_DEAD_LETTER_STREAM, HEADER_DEAD_LETTER_SUBJECT,
};
pub use crate::message::{
    Message, MessageType, ParseVersionError, Version, CONTENT_TYPE, HEADER_CONTENT_TYPE,
    HEADER_TYPE, HEADER_VERSION, REMOTE_ERROR_TYPE,
};
pub use crate::service::{ServeOptions, Service, DEFAULT_MAX_CONCURRENCY};
pub use crate::subscription::{Received, Subscription};
