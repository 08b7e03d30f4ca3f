//! [`Stats`]: what a socket sent, received, delivered and dropped.

/// Counters of a [`Socket`](super::Socket), from [`Socket::stats`](super::Socket::stats).
///
/// Every datagram read from the socket is counted once in `received` and then once in
/// exactly one of `decoded`, `duplicated`, `stale` or a field of `dropped`:
///
/// ```text
/// received == decoded + duplicated + stale + dropped.total()
/// ```
///
/// `lost` and `reordered` describe the sequence numbers of the datagrams that passed the
/// header check: `lost` counts numbers skipped by a sender stream and not (yet) arrived,
/// `reordered` counts datagrams that arrived after one with a higher number. Datagrams lost
/// at the very end of a stream are not counted: nothing after them shows the gap.
///
/// # Examples
///
/// ```
/// let stats = evowire_net::udp::Stats::default();
/// assert_eq!(stats.received, 0);
/// assert_eq!(stats.dropped.total(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Datagrams sent.
    pub sent: u64,
    /// Datagrams read from the socket, valid or not.
    pub received: u64,
    /// Datagrams whose value decoded and was handed to the application.
    pub decoded: u64,
    /// Datagrams refused, by reason.
    pub dropped: Dropped,
    /// Sequence numbers skipped by senders that have not arrived since.
    pub lost: u64,
    /// Datagrams that arrived after a datagram of the same stream with a higher number
    /// (they are delivered).
    pub reordered: u64,
    /// Datagrams whose number had already arrived (they are dropped).
    pub duplicated: u64,
    /// Datagrams more than [`WINDOW`](super::WINDOW) numbers behind the highest of their
    /// stream: too old to tell from duplicates, so they are dropped.
    pub stale: u64,
    /// Sender streams currently tracked (at most [`Options::with_max_peers`](super::Options::with_max_peers)).
    pub peers: usize,
    /// Sender streams forgotten to make room for new ones.
    pub peers_evicted: u64,
}

/// Counters of one sender stream, from
/// [`Socket::peer_stats`](super::Socket::peer_stats): the datagrams of the stream that
/// passed the header check.
///
/// They start over when the sender starts a new stream (a new socket on the same address)
/// or after the receiver forgot the sender to make room for others.
///
/// # Examples
///
/// ```
/// let peer = evowire_net::udp::PeerStats::default();
/// assert_eq!((peer.received, peer.lost), (0, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerStats {
    /// The stream id the sender chose.
    pub stream: u32,
    /// The highest sequence number seen.
    pub highest_seq: u64,
    /// Datagrams of the stream received.
    pub received: u64,
    /// Datagrams whose value decoded and was handed to the application.
    pub decoded: u64,
    /// Sequence numbers skipped that have not arrived since.
    pub lost: u64,
    /// Datagrams that arrived after one with a higher number.
    pub reordered: u64,
    /// Datagrams whose number had already arrived.
    pub duplicated: u64,
    /// Datagrams too far behind the highest number to check.
    pub stale: u64,
}

/// Datagrams refused before their value reached the application, by reason.
///
/// # Examples
///
/// ```
/// let dropped = evowire_net::udp::Dropped::default();
/// assert_eq!(dropped.total(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dropped {
    /// Not starting with the magic `EVOD` (garbage, another protocol, empty datagrams).
    pub not_evowire: u64,
    /// Another datagram format version.
    pub version: u64,
    /// Cut short: the header is incomplete, or the value ends before its last byte.
    pub truncated: u64,
    /// Larger than this socket's maximum payload.
    pub oversized: u64,
    /// Another application protocol (name).
    pub protocol: u64,
    /// The same protocol name with another major version.
    pub major: u64,
    /// A payload that does not decode as the socket's `In` type.
    pub decode: u64,
    /// A value followed by extra bytes.
    pub trailing_bytes: u64,
}

impl Dropped {
    /// The sum of all reasons.
    pub fn total(&self) -> u64 {
        self.not_evowire
            + self.version
            + self.truncated
            + self.oversized
            + self.protocol
            + self.major
            + self.decode
            + self.trailing_bytes
    }
}
