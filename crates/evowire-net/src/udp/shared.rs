//! The state a [`Socket`](super::Socket) and its adapters share: encoding outgoing
//! datagrams, and checking, tracking and decoding incoming ones.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::UdpSocket;

use super::header::{self, Identity, Position, Refusal, HEADER_LEN};
use super::options::Options;
use super::sequence::{Outcome, Peers, Window};
use super::stats::{PeerStats, Stats};
use crate::error::{Error, Result};

/// The numbering of the datagrams sent to one destination.
#[derive(Debug)]
struct Outbound {
    stream: u32,
    next: u64,
}

/// What a receiver knows of one sender's stream.
#[derive(Debug)]
struct Inbound {
    window: Window,
    stats: PeerStats,
}

impl Inbound {
    fn new(pos: Position) -> Inbound {
        Inbound {
            window: Window::starting_at(pos.seq),
            stats: PeerStats {
                stream: pos.stream,
                highest_seq: pos.seq,
                ..PeerStats::default()
            },
        }
    }
}

/// Adds what a sequence number turned out to be to a set of counters; returns whether the
/// datagram is delivered.
fn tally(
    outcome: Outcome,
    lost: &mut u64,
    reordered: &mut u64,
    duplicated: &mut u64,
    stale: &mut u64,
) -> bool {
    match outcome {
        Outcome::Next { skipped } => *lost = lost.saturating_add(skipped),
        Outcome::Late { was_lost } => {
            *reordered += 1;
            if was_lost {
                *lost = lost.saturating_sub(1);
            }
        }
        Outcome::Duplicate => *duplicated += 1,
        Outcome::Stale => *stale += 1,
    }
    matches!(outcome, Outcome::Next { .. } | Outcome::Late { .. })
}

#[derive(Debug)]
struct Receiving {
    peers: Peers<SocketAddr, Inbound>,
    stats: Stats,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) io: UdpSocket,
    pub(crate) opts: Options,
    id: Identity,
    outbound: Mutex<Peers<SocketAddr, Outbound>>,
    receiving: Mutex<Receiving>,
    sent: AtomicU64,
    /// A spare buffer for each direction, so that `send_to` and `recv_from` do not
    /// allocate per datagram.
    spare_send: Mutex<Option<Vec<u8>>>,
    spare_recv: Mutex<Option<Vec<u8>>>,
    /// The peer of a connected socket.
    pub(crate) connected: Mutex<Option<SocketAddr>>,
}

/// Locks `mutex`, also after a panic elsewhere (the data is counters and tables that stay
/// consistent between statements).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh random stream id.
fn random_stream_id() -> u32 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish() as u32
}

impl Shared {
    pub(crate) fn new(io: UdpSocket, opts: Options) -> Shared {
        let max_peers = opts.max_peers;
        Shared {
            io,
            id: Identity::of(&opts.protocol),
            opts,
            outbound: Mutex::new(Peers::new(max_peers)),
            receiving: Mutex::new(Receiving {
                peers: Peers::new(max_peers),
                stats: Stats::default(),
            }),
            sent: AtomicU64::new(0),
            spare_send: Mutex::new(None),
            spare_recv: Mutex::new(None),
            connected: Mutex::new(None),
        }
    }

    /// The destination of `send` on a connected socket.
    pub(crate) fn peer(&self) -> Result<SocketAddr> {
        lock(&self.connected).ok_or_else(|| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "the socket is not connected: call `connect` first or use `send_to`",
            ))
        })
    }

    /// A buffer for one outgoing datagram.
    pub(crate) fn send_buffer(&self) -> Vec<u8> {
        lock(&self.spare_send)
            .take()
            .unwrap_or_else(|| Vec::with_capacity(self.opts.max_payload))
    }

    pub(crate) fn return_send_buffer(&self, buf: Vec<u8>) {
        *lock(&self.spare_send) = Some(buf);
    }

    /// A buffer for one incoming datagram: one byte longer than the largest accepted, so
    /// that a larger datagram (cut to the buffer by the OS) is recognised.
    pub(crate) fn recv_buffer(&self) -> Vec<u8> {
        lock(&self.spare_recv)
            .take()
            .unwrap_or_else(|| vec![0; self.opts.max_payload + 1])
    }

    pub(crate) fn return_recv_buffer(&self, buf: Vec<u8>) {
        *lock(&self.spare_recv) = Some(buf);
    }

    /// Encodes `value` as the next datagram to `to` into `buf` (replacing its contents).
    ///
    /// # Errors
    ///
    /// [`Error::FrameTooLarge`] (with the datagram's length, header included) when the
    /// value does not fit the maximum payload: nothing is numbered then. [`Error::Encode`]
    /// when the value's `Serialize` impl fails.
    pub(crate) fn encode<Out: Serialize + ?Sized>(
        &self,
        value: &Out,
        to: SocketAddr,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        buf.clear();
        header::put_header(buf, self.id);
        let limit = self.opts.max_payload - HEADER_LEN;
        let (result, value_len) = {
            let mut ser = evowire::Serializer::new(evowire::write::Limited::new(&mut *buf, limit));
            let result = value
                .serialize(&mut ser)
                .and_then(|()| ser.get_mut().flush_buffer());
            (result, ser.get_ref().count())
        };
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == evowire::ErrorKind::OutputLimitExceeded => {
                buf.clear();
                return Err(Error::FrameTooLarge {
                    len: HEADER_LEN.saturating_add(value_len),
                    max: self.opts.max_payload,
                });
            }
            Err(e) => {
                buf.clear();
                return Err(Error::Encode(e));
            }
        }
        let pos = {
            let mut outbound = lock(&self.outbound);
            let stream = outbound.entry(to, || Outbound {
                stream: random_stream_id(),
                next: 0,
            });
            let seq = stream.next;
            stream.next = seq.wrapping_add(1);
            Position {
                stream: stream.stream,
                seq,
            }
        };
        header::set_position(buf, pos);
        Ok(())
    }

    /// Sends an encoded datagram to `target`; to the peer of a connected socket with
    /// `send` (some systems refuse `sendto` with an address on a connected socket).
    pub(crate) fn poll_send(
        &self,
        cx: &mut Context<'_>,
        datagram: &[u8],
        target: SocketAddr,
    ) -> Poll<Result<()>> {
        let connected = *lock(&self.connected) == Some(target);
        let sent = if connected {
            ready!(self.io.poll_send(cx, datagram))
        } else {
            ready!(self.io.poll_send_to(cx, datagram, target))
        };
        sent?;
        self.sent.fetch_add(1, Ordering::Relaxed);
        Poll::Ready(Ok(()))
    }

    /// Checks, tracks and decodes one received datagram; returns its value, or `None` when
    /// the datagram is dropped (counted, with a `tracing` event saying why).
    pub(crate) fn accept<In: DeserializeOwned>(
        &self,
        datagram: &[u8],
        from: SocketAddr,
    ) -> Option<In> {
        let mut guard = lock(&self.receiving);
        let rx = &mut *guard;
        rx.stats.received += 1;
        let dropped = &mut rx.stats.dropped;
        if datagram.len() > self.opts.max_payload {
            dropped.oversized += 1;
            tracing::debug!(peer = %from, max = self.opts.max_payload,
                "dropped a datagram larger than the maximum payload");
            return None;
        }
        let (pos, payload) = match header::check(datagram, self.id) {
            Ok(found) => found,
            Err(refusal) => {
                let (counter, reason) = match refusal {
                    Refusal::NotEvowire => (&mut dropped.not_evowire, "no evowire datagram magic"),
                    Refusal::Truncated => (&mut dropped.truncated, "header cut short"),
                    Refusal::Version(_) => {
                        (&mut dropped.version, "another datagram format version")
                    }
                    Refusal::Protocol(_) => (&mut dropped.protocol, "another protocol"),
                    Refusal::Major(_) => (&mut dropped.major, "another major version"),
                };
                *counter += 1;
                tracing::debug!(peer = %from, len = datagram.len(), ?refusal, reason,
                    "dropped a datagram");
                return None;
            }
        };
        let mut fresh = false;
        let inbound = rx.peers.entry(from, || {
            fresh = true;
            Inbound::new(pos)
        });
        let outcome = if fresh {
            Outcome::Next { skipped: 0 }
        } else if inbound.stats.stream != pos.stream {
            tracing::debug!(peer = %from, stream = pos.stream, "the peer started a new stream");
            *inbound = Inbound::new(pos);
            Outcome::Next { skipped: 0 }
        } else {
            inbound.window.observe(pos.seq)
        };
        let (stats, peer) = (&mut rx.stats, &mut inbound.stats);
        peer.received += 1;
        peer.highest_seq = peer.highest_seq.max(pos.seq);
        tally(
            outcome,
            &mut peer.lost,
            &mut peer.reordered,
            &mut peer.duplicated,
            &mut peer.stale,
        );
        let deliver = tally(
            outcome,
            &mut stats.lost,
            &mut stats.reordered,
            &mut stats.duplicated,
            &mut stats.stale,
        );
        if !deliver {
            tracing::debug!(peer = %from, seq = pos.seq, ?outcome, "dropped a datagram");
            return None;
        }
        match evowire::from_slice::<In>(payload) {
            Ok(value) => {
                stats.decoded += 1;
                peer.decoded += 1;
                Some(value)
            }
            Err(e) => {
                let counter = if e.is_eof() {
                    &mut stats.dropped.truncated
                } else if e.kind() == evowire::ErrorKind::TrailingBytes {
                    &mut stats.dropped.trailing_bytes
                } else {
                    &mut stats.dropped.decode
                };
                *counter += 1;
                tracing::debug!(peer = %from, seq = pos.seq, error = %e,
                    "dropped a datagram whose value does not decode (offsets count from the payload)");
                None
            }
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> Stats {
        let rx = lock(&self.receiving);
        let mut stats = rx.stats.clone();
        stats.peers = rx.peers.len();
        stats.peers_evicted = rx.peers.evicted();
        stats.sent = self.sent.load(Ordering::Relaxed);
        stats
    }

    /// The counters of the stream last heard from `peer`, if it is tracked.
    pub(crate) fn peer_stats(&self, peer: SocketAddr) -> Option<PeerStats> {
        lock(&self.receiving)
            .peers
            .get(&peer)
            .map(|inbound| inbound.stats.clone())
    }
}
