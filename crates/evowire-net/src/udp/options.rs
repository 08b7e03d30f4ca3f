//! [`Options`] of a datagram socket.

use crate::options::Protocol;

use super::header::HEADER_LEN;

/// The default [`Options::with_max_payload`]: 1,200 bytes, which fits any IPv6 path
/// (minimum MTU 1,280) and every common IPv4 path without fragmentation.
pub const DEFAULT_MAX_PAYLOAD: usize = 1200;

/// The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header).
pub const MAX_UDP_PAYLOAD: usize = 65_507;

/// The default [`Options::with_max_peers`].
pub const DEFAULT_MAX_PEERS: usize = 1024;

/// The protocol and limits of a [`Socket`](super::Socket). Cheap to clone.
///
/// | setting | default | meaning |
/// |---------|---------|---------|
/// | [`with_max_payload`](Self::with_max_payload) | 1,200 bytes | largest datagram sent or accepted, header included |
/// | [`with_max_peers`](Self::with_max_peers) | 1,024 | sender streams tracked on receipt, and destinations numbered on sending |
///
/// # Examples
///
/// ```
/// use evowire_net::{udp, Protocol};
/// let opts = udp::Options::new(Protocol::new("telemetry", 1, 0)).with_max_payload(1472);
/// assert_eq!(opts.max_payload(), 1472);
/// assert_eq!(opts.max_value_len(), 1472 - udp::HEADER_LEN);
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) protocol: Protocol,
    pub(crate) max_payload: usize,
    pub(crate) max_peers: usize,
}

impl Options {
    /// The defaults (see the table above) for `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Options {
            protocol,
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_peers: DEFAULT_MAX_PEERS,
        }
    }

    /// The application protocol.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The largest datagram, header included, that this socket sends or accepts.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// The largest encoded value that fits in a datagram: [`max_payload`](Self::max_payload)
    /// less the [`HEADER_LEN`](super::HEADER_LEN) bytes of the header.
    pub fn max_value_len(&self) -> usize {
        self.max_payload - HEADER_LEN
    }

    /// How many peers are tracked at most.
    pub fn max_peers(&self) -> usize {
        self.max_peers
    }

    /// Sets the largest datagram, header included, in bytes (clamped to
    /// `HEADER_LEN + 1 ..= 65,507`). Sending a value that does not fit fails with
    /// [`Error::FrameTooLarge`](crate::Error::FrameTooLarge) and sends nothing; a received
    /// datagram above it is dropped and counted in
    /// [`Dropped::oversized`](super::Dropped::oversized). Both peers should use the same
    /// value. Above the path MTU, the IP layer fragments datagrams, and losing one
    /// fragment loses the whole datagram.
    pub fn with_max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes.clamp(HEADER_LEN + 1, MAX_UDP_PAYLOAD);
        self
    }

    /// Sets how many sender streams a socket tracks when receiving (each costs about
    /// 200 bytes) and how many destinations it keeps sequence numbers for when sending
    /// (clamped to `1 ..= 1,048,576`). When the table is full, the peer heard from (or sent
    /// to) least recently is forgotten: its next datagram starts a new stream.
    pub fn with_max_peers(mut self, peers: usize) -> Self {
        self.max_peers = peers.clamp(1, 1 << 20);
        self
    }
}
