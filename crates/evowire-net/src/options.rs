//! [`Protocol`] (what the application speaks) and [`Options`] (limits and timeouts).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::codec::DEFAULT_MAX_FRAME_LENGTH;
use crate::frame::MAX_PREFIX_LEN;

/// The default of [`Options::with_recv_buffer`]: 1 MiB of received frames held for
/// `recv`.
pub const DEFAULT_RECV_BUFFER: usize = 1024 * 1024;

/// The application protocol a connection speaks: a name and a `major.minor` version.
///
/// Two peers talk when their names and major versions are equal; minor versions may
/// differ (newer minors only add fields at the back and enum variants with a
/// `#[serde(other)]` fallback, which evowire's schema evolution keeps readable). Anything
/// else is refused during the handshake.
///
/// # Examples
///
/// ```
/// use evowire_net::Protocol;
/// let v1 = Protocol::new("inventory", 1, 0);
/// assert!(v1.is_compatible_with(&Protocol::new("inventory", 1, 4)));
/// assert!(!v1.is_compatible_with(&Protocol::new("inventory", 2, 0)));
/// assert_eq!(v1.to_string(), "inventory 1.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Protocol {
    name: Cow<'static, str>,
    major: u32,
    minor: u32,
}

impl Protocol {
    /// A protocol called `name` at version `major.minor`.
    pub fn new(name: impl Into<Cow<'static, str>>, major: u32, minor: u32) -> Self {
        Protocol {
            name: name.into(),
            major,
            minor,
        }
    }

    /// The protocol's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The major version: peers with different majors are refused.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The minor version: peers with different minors talk.
    pub fn minor(&self) -> u32 {
        self.minor
    }

    /// True if a peer speaking `other` may talk to us: same name, same major version.
    pub fn is_compatible_with(&self, other: &Protocol) -> bool {
        self.name == other.name && self.major == other.major
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}.{}", self.name, self.major, self.minor)
    }
}

/// The protocol, limits and timeouts of a connection. Cheap to clone.
///
/// | setting | default | meaning |
/// |---------|---------|---------|
/// | [`with_max_frame_length`](Self::with_max_frame_length) | 16 MiB | largest frame payload this side accepts (announced to the peer, which will not send larger ones) |
/// | [`with_handshake_timeout`](Self::with_handshake_timeout) | 10 s | the whole handshake, on both sides |
/// | [`with_call_timeout`](Self::with_call_timeout) | none | default limit of [`Sender::call`](crate::Sender::call) |
/// | [`with_keepalive`](Self::with_keepalive) | off | ping interval, and how long the peer may stay silent |
/// | [`with_send_buffer`](Self::with_send_buffer) | 256 KiB | encoded bytes queued for the writer before `send` waits |
/// | [`with_recv_buffer`](Self::with_recv_buffer) | 1 MiB | received bytes held for `recv` before the connection stops reading |
/// | [`with_recv_capacity`](Self::with_recv_capacity) | 1024 | received messages queued for `recv` before the connection stops reading |
/// | [`with_max_concurrent_requests`](Self::with_max_concurrent_requests) | 256 | requests whose handler runs at once before the connection stops reading |
/// | [`with_close_timeout`](Self::with_close_timeout) | 5 s | how long a closing side waits for the peer's close frame |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evowire_net::{Options, Protocol};
/// let opts = Options::new(Protocol::new("chat", 1, 0))
///     .with_max_frame_length(1 << 20)
///     .with_call_timeout(Some(Duration::from_secs(5)));
/// assert_eq!(opts.max_frame_length(), 1 << 20);
/// assert_eq!(opts.protocol().name(), "chat");
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) protocol: Protocol,
    pub(crate) max_frame_length: usize,
    pub(crate) handshake_timeout: Duration,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) keepalive: Option<(Duration, Duration)>,
    pub(crate) send_buffer: usize,
    pub(crate) recv_buffer: usize,
    pub(crate) recv_capacity: usize,
    pub(crate) max_concurrent_requests: usize,
    pub(crate) close_timeout: Duration,
}

impl Options {
    /// The defaults (see the table above) for `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Options {
            protocol,
            max_frame_length: DEFAULT_MAX_FRAME_LENGTH,
            handshake_timeout: Duration::from_secs(10),
            call_timeout: None,
            keepalive: None,
            send_buffer: 256 * 1024,
            recv_buffer: DEFAULT_RECV_BUFFER,
            recv_capacity: 1024,
            max_concurrent_requests: 256,
            close_timeout: Duration::from_secs(5),
        }
    }

    /// The application protocol.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The largest frame payload this side accepts.
    pub fn max_frame_length(&self) -> usize {
        self.max_frame_length
    }

    /// Sets the largest frame payload, in bytes, this side accepts (clamped to
    /// `1..=u32::MAX`). A received frame above it ends the connection with
    /// [`Error::FrameTooLarge`](crate::Error::FrameTooLarge).
    pub fn with_max_frame_length(mut self, max: usize) -> Self {
        self.max_frame_length = max.clamp(1, MAX_PREFIX_LEN);
        self
    }

    /// Sets how long the whole handshake may take.
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets the default time limit of every call (`None`: calls wait until answered or
    /// until the connection ends).
    pub fn with_call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Sends a ping every `interval`, and ends the connection with
    /// [`Error::Timeout`](crate::Error::Timeout) when nothing at all arrived from the peer
    /// for `timeout`. Peers always answer pings, whether or not they send their own.
    ///
    /// A peer whose application stops receiving also stops reading (backpressure), and
    /// so stops answering pings: choose a `timeout` above the longest pause you expect.
    pub fn with_keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive = Some((interval, timeout));
        self
    }

    /// Sets how many encoded bytes may wait for the writer before `send` and `call` wait
    /// (at least one message is always accepted into an empty buffer).
    pub fn with_send_buffer(mut self, bytes: usize) -> Self {
        self.send_buffer = bytes.max(1);
        self
    }

    /// Sets how many bytes of received messages (their frames: length prefix, tag and
    /// body) a connection holds for `recv` before it stops reading from the transport,
    /// which in turn fills the peer's TCP window and makes its `send` wait.
    ///
    /// The bytes of a message count until `recv` has returned it and asked for the next
    /// one, so a receiver that does not read holds at most this much plus the last read
    /// (at most 64 KiB, or one frame). A message larger than the buffer is still
    /// delivered: it is taken alone, and reading resumes once `recv` is past it. The
    /// frame being read is held besides, up to
    /// [`max_frame_length`](Self::with_max_frame_length).
    ///
    /// The default, 1 MiB, lets the reader run sixteen of its largest reads ahead of a
    /// receiver that keeps up, while a connection whose receiver stalls holds about
    /// 1 MiB, not [`recv_capacity`](Self::with_recv_capacity) times the frame limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{Options, Protocol};
    /// let opts = Options::new(Protocol::new("feed", 1, 0)).with_recv_buffer(256 * 1024);
    /// assert_eq!(opts.recv_buffer(), 256 * 1024);
    /// ```
    pub fn with_recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = bytes.max(1);
        self
    }

    /// The received bytes held for `recv` before the connection stops reading.
    pub fn recv_buffer(&self) -> usize {
        self.recv_buffer
    }

    /// Sets how many received messages may wait for `recv` before the connection stops
    /// reading from the transport (which in turn makes the peer's `send` wait). This
    /// limits the number of messages queued, whatever their size; the memory they hold is
    /// limited by [`with_recv_buffer`](Self::with_recv_buffer), and the reader waits at
    /// whichever limit it reaches first.
    pub fn with_recv_capacity(mut self, messages: usize) -> Self {
        self.recv_capacity = messages.max(1);
        self
    }

    /// Sets how many request handlers may run at once on one connection; further requests
    /// wait, unread, in the transport.
    pub fn with_max_concurrent_requests(mut self, requests: usize) -> Self {
        self.max_concurrent_requests = requests.clamp(1, 1 << 20);
        self
    }

    /// Sets how long a side that sent its close frame waits for the peer's.
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }
}
