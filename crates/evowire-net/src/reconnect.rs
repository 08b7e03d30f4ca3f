//! [`Reconnecting`]: a client that connects again, with exponential backoff, when its
//! connection is gone, over TCP, TLS or QUIC ([`Reconnectable`]).

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::options::Options;

/// Ended connections holding messages that `recv` has not read, at which reconnecting is
/// refused (see the delivery guarantee of [`Reconnecting`]).
const MAX_UNREAD_ENDED: usize = 4;

/// How [`Reconnecting`] waits between attempts: `initial`, then doubling up to `max`,
/// for at most `max_attempts` attempts per reconnection (`None`: forever).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let b = evowire_net::Backoff::default();
/// assert_eq!(b.delay(0), Duration::from_millis(50));
/// assert_eq!(b.delay(3), Duration::from_millis(400));
/// assert_eq!(b.delay(30), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Attempts before giving up with the last error (`None`: never give up).
    pub max_attempts: Option<u32>,
}

impl Backoff {
    /// The wait after failed attempt number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

impl Default for Backoff {
    /// 50 ms, doubling up to 5 s, 10 attempts.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(5),
            max_attempts: Some(10),
        }
    }
}

/// A client that keeps one connection to `addr` and opens a new one when it is gone.
///
/// The connection is a [`Connection`] over TCP (or TLS with
/// [`with_tls`](Self::with_tls)) from [`new`](Self::new), or a
/// [`quic::Connection`](crate::quic::Connection) from [`quic`](Self::quic); the guarantee
/// below holds for both. Every operation first makes sure a live connection exists, connecting (with
/// [`Backoff`] between failed attempts) if needed.
///
/// # Delivery guarantee
///
/// Messages are sent at most once and never resent. A message whose fate is unknown is
/// never dropped silently: when a connection that carried unconfirmed messages ends,
/// the next [`send`](Self::send), [`call`](Self::call) or
/// [`connection`](Self::connection) fails with [`Error::Closed`], once, and the one
/// after reconnects. The messages sent on that connection since the last confirmation
/// may or may not have reached the peer; that error is the cue to resynchronise (resend
/// what matters, or ask the peer what it has).
///
/// * **Unconfirmed** messages are those sent with `Ok` since the connection was made or
///   since the last call on it that got an answer (a result or [`Error::Remote`]): the
///   peer reads frames in order, so an answer shows it has read every message sent
///   before the request into its receive queue. [`unconfirmed`](Self::unconfirmed)
///   counts them.
/// * A `send` returning `Ok` means the message was queued on a connection that was open
///   at that moment. A connection that died unnoticed (the peer vanished, its process was
///   killed) accepts it; the loss is reported by the next operation once the connection
///   is seen to have ended (at once for a reset or a closed socket, after the keepalive
///   timeout of [`Options::with_keepalive`] for a silent peer).
/// * When a connection ended with nothing unconfirmed on it, operations reconnect without
///   an error.
/// * A call is never retried, because the peer may have run it: a call in flight when
///   the connection ends fails with [`Error::Closed`] (which also reports the end), and
///   the next operation reconnects.
/// * [`recv`](Self::recv) yields the messages the peer pushed, connection after
///   connection, and reports the end of each connection after its messages, with the
///   error that ended it (or [`Error::Closed`] when the peer closed it gracefully): the
///   peer may have sent messages that were lost with it. When `recv` reports the end of
///   the current connection first, that error also stands for its unconfirmed sends,
///   and the next `send` or `call` reconnects without another error.
/// * No pushed message is dropped: a connection that ended before `recv` read it to its
///   end waits in a queue of ended connections, and `recv` reads them in order before the
///   current one. Memory stays bounded: each ended connection holds at most its receive
///   buffer ([`Options::with_recv_buffer`], plus the last read), and while four ended
///   connections hold messages `recv` has not read, reconnecting is refused: `send`,
///   `call` and `connection` fail with [`Error::Io`] (kind
///   [`WouldBlock`](std::io::ErrorKind::WouldBlock)) and connect again once `recv` has
///   read one of them through. Ended connections with only their end left to report do
///   not count; of those, the oldest are dropped (with their end report) to keep the
///   queue at four. A client that receives pushed messages should keep calling `recv` (it
///   is cancel-safe, so it can wait in a `tokio::select!` next to the work that sends).
///
/// Operations on the connection itself (from [`connection`](Self::connection) or
/// [`current`](Self::current)) are not counted.
///
/// # Examples
///
/// ```
/// use evowire_net::{serve, Listener, Options, Protocol, Reconnecting};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = Options::new(Protocol::new("inc", 1, 0));
/// let listener = Listener::<u32, u32>::bind("127.0.0.1:0", opts.clone()).await?;
/// let addr = listener.local_addr()?;
/// tokio::spawn(serve(listener, |n: u32| async move { Ok::<_, String>(n + 1) }));
///
/// let mut client = Reconnecting::<u32, u32>::new(addr.to_string(), opts);
/// assert_eq!(client.call(1u32).await?, 2);
/// assert_eq!(client.connect_count(), 1);
/// assert_eq!(client.current().and_then(|c| c.peer_addr()), Some(addr));
/// # Ok(())
/// # }
/// ```
pub struct Reconnecting<In, Out, C: Reconnectable<In, Out> = Connection<In, Out>> {
    addr: String,
    backoff: Backoff,
    /// What makes a connection: options and TLS settings.
    dialer: C::Dialer,
    conn: Option<C>,
    /// Connections that ended before `recv` read them to their end, oldest first: `recv`
    /// yields their remaining messages and ends before the current connection's.
    ended: VecDeque<C>,
    connects: u64,
    /// Messages sent on `conn` since it was made or a call on it was answered.
    unconfirmed: u64,
}

/// A connection [`Reconnecting`] can keep: [`Connection`] (TCP, TLS) or
/// [`quic::Connection`](crate::quic::Connection). Sealed: implemented only by this crate.
pub trait Reconnectable<In, Out>: sealed::Link<In, Out> {}

impl<In: DeserializeOwned, Out: Serialize> Reconnectable<In, Out> for Connection<In, Out> {}

/// What [`Reconnecting`] does with a connection, for each transport.
pub(crate) mod sealed {
    use std::future::Future;

    use crate::error::Result;

    /// The operations of a connection that [`Reconnecting`](super::Reconnecting) uses.
    pub trait Link<In, Out>: Sized {
        /// What makes a connection of this kind.
        type Dialer;

        /// One attempt to connect to `addr`.
        fn dial(dialer: &Self::Dialer, addr: &str) -> impl Future<Output = Result<Self>>;
        fn is_closed(&self) -> bool;
        /// True while received messages wait for `recv`, or may still arrive.
        fn holds_messages(&self) -> bool;
        fn send(&self, msg: &Out) -> impl Future<Output = Result<()>>;
        /// A call; [`Error::Closed`](crate::Error::Closed) when the connection ended
        /// while it was in flight.
        fn call(&self, req: &Out) -> impl Future<Output = Result<In>>;
        fn recv(&mut self) -> impl Future<Output = Result<Option<In>>>;
    }

    /// What makes a TCP connection: the options, and TLS settings if any.
    pub struct Tcp {
        pub(crate) opts: crate::Options,
        pub(crate) tls: Option<crate::tls::ClientTls>,
    }
}

impl<In: DeserializeOwned, Out: Serialize> sealed::Link<In, Out> for Connection<In, Out> {
    type Dialer = sealed::Tcp;

    async fn dial(dialer: &Self::Dialer, addr: &str) -> Result<Self> {
        let endpoint = crate::conn::Endpoint::new(dialer.opts.clone(), None, None);
        crate::listener::connect_endpoint(addr, &endpoint, dialer.tls.as_ref()).await
    }

    fn is_closed(&self) -> bool {
        Connection::is_closed(self)
    }

    fn holds_messages(&self) -> bool {
        Connection::holds_messages(self)
    }

    async fn send(&self, msg: &Out) -> Result<()> {
        Connection::send(self, msg).await
    }

    async fn call(&self, req: &Out) -> Result<In> {
        Connection::call(self, req).await
    }

    async fn recv(&mut self) -> Result<Option<In>> {
        Connection::recv(self).await
    }
}

impl<In, Out> Reconnecting<In, Out>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    /// A client for `addr` (`host:port`) over TCP; it connects on first use.
    pub fn new(addr: impl Into<String>, opts: Options) -> Self {
        Self::with_dialer(addr, sealed::Tcp { opts, tls: None })
    }

    /// Connects over TLS (see [`Connector::with_tls`](crate::Connector::with_tls)).
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: crate::TlsClientConfig) -> Self {
        self.dialer.tls = Some(tls);
        self
    }
}

#[cfg(feature = "quic")]
impl<In, Out> Reconnecting<In, Out, crate::quic::Connection<In, Out>>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    /// A client for `addr` (`host:port`) over QUIC, connecting with `connector` (its
    /// options, TLS settings and handler for the server's calls); it connects on first
    /// use.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), evowire_net::Error> {
    /// use evowire_net::{quic, Options, Protocol, Reconnecting, TlsClientConfig};
    ///
    /// let tls = TlsClientConfig::from_pem_file("ca.pem", "node-b.example")?;
    /// let opts = Options::new(Protocol::new("inc", 1, 0));
    /// let connector = quic::Connector::<u32, u32>::new(opts, tls)?;
    /// let mut client = Reconnecting::quic("node-b.example:4433", connector);
    /// assert_eq!(client.call(1u32).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn quic(addr: impl Into<String>, connector: crate::quic::Connector<In, Out>) -> Self {
        Self::with_dialer(addr, connector)
    }
}

impl<In, Out, C> Reconnecting<In, Out, C>
where
    In: DeserializeOwned,
    Out: Serialize,
    C: Reconnectable<In, Out>,
{
    fn with_dialer(addr: impl Into<String>, dialer: C::Dialer) -> Self {
        Reconnecting {
            addr: addr.into(),
            backoff: Backoff::default(),
            dialer,
            conn: None,
            ended: VecDeque::new(),
            connects: 0,
            unconfirmed: 0,
        }
    }

    /// Sets the backoff between connection attempts.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How many connections were established so far.
    pub fn connect_count(&self) -> u64 {
        self.connects
    }

    /// Messages sent with [`send`](Self::send) on the current connection that no answered
    /// call has confirmed yet (see the delivery guarantee above).
    pub fn unconfirmed(&self) -> u64 {
        self.unconfirmed
    }

    /// The current connection, without connecting: its peer address and protocol, and
    /// whether it is still open (`is_closed`). `None` before the first
    /// connection and after an ended one was reported.
    pub fn current(&self) -> Option<&C> {
        self.conn.as_ref()
    }

    /// The live connection, connecting first if there is none or it is closed.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`], once, when the connection ended with unconfirmed messages on it
    /// (see the delivery guarantee above); the next attempt connects. [`Error::Io`] (kind
    /// [`WouldBlock`](std::io::ErrorKind::WouldBlock)) without connecting while four ended
    /// connections hold messages [`recv`](Self::recv) has not read. The last connection
    /// error once the backoff's attempts are used up. A refusal ([`Error::Refused`],
    /// [`Error::Handshake`]) is returned at once: retrying cannot fix an incompatible
    /// peer.
    pub async fn connection(&mut self) -> Result<&mut C> {
        if self.conn.as_ref().is_some_and(|c| c.is_closed()) {
            self.retire()?;
        }
        if let Some(conn) = self.conn.take() {
            return Ok(self.conn.insert(conn));
        }
        let unread = self.ended.iter().filter(|c| c.holds_messages()).count();
        if unread >= MAX_UNREAD_ENDED {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::WouldBlock,
                format!(
                    "not reconnecting while {unread} ended connections hold pushed messages \
                     that recv has not read (at most {MAX_UNREAD_ENDED})"
                ),
            )));
        }
        let mut attempt = 0u32;
        loop {
            match self.connect_once().await {
                Ok(conn) => {
                    self.connects += 1;
                    self.unconfirmed = 0;
                    tracing::debug!(addr = %self.addr, attempt, "connected");
                    return Ok(self.conn.insert(conn));
                }
                Err(e @ (Error::Refused { .. } | Error::Handshake { .. })) => return Err(e),
                Err(e) => {
                    if self
                        .backoff
                        .max_attempts
                        .is_some_and(|max| attempt + 1 >= max)
                    {
                        return Err(e);
                    }
                    let delay = self.backoff.delay(attempt);
                    tracing::debug!(addr = %self.addr, attempt, error = %e, ?delay, "connect failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Makes one connection attempt: the only place a connection is made.
    async fn connect_once(&self) -> Result<C> {
        C::dial(&self.dialer, &self.addr).await
    }

    /// Sets the closed current connection aside for [`recv`](Self::recv) and reports its
    /// end if messages sent on it are unconfirmed.
    fn retire(&mut self) -> Result<()> {
        if let Some(conn) = self.conn.take() {
            self.ended.push_back(conn);
            // Keep the queue at its bound by dropping the oldest ends that hold no message.
            while self.ended.len() > MAX_UNREAD_ENDED {
                let Some(i) = self.ended.iter().position(|c| !c.holds_messages()) else {
                    break;
                };
                self.ended.remove(i);
                tracing::debug!(addr = %self.addr, "the end of an earlier connection was not reported to recv");
            }
        }
        let lost = std::mem::take(&mut self.unconfirmed);
        if lost > 0 {
            tracing::debug!(addr = %self.addr, unconfirmed = lost, "connection ended with unconfirmed messages");
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Sends a message, connecting first if needed.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] when the connection ended with unconfirmed messages on it (this
    /// message was not sent; see the delivery guarantee above), the errors of
    /// [`connection`](Self::connection) and those of
    /// [`Sender::send`](crate::Sender::send) for this message
    /// ([`Error::Encode`], [`Error::FrameTooLarge`]).
    pub async fn send(&mut self, msg: impl Borrow<Out>) -> Result<()> {
        let msg = msg.borrow();
        match self.connection().await?.send(msg).await {
            Ok(()) => {
                self.unconfirmed += 1;
                Ok(())
            }
            // It closed since `connection` looked: nothing was queued.
            Err(Error::Closed) => {
                self.retire()?;
                self.connection().await?.send(msg).await?;
                self.unconfirmed += 1;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Calls, connecting first if needed. The call itself is never retried.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] when the connection ended with unconfirmed messages on it before
    /// the call (it was not sent) or while the call was in flight (the peer may have run
    /// it); the errors of [`connection`](Self::connection) and
    /// [`Sender::call`](crate::Sender::call).
    pub async fn call(&mut self, req: impl Borrow<Out>) -> Result<In> {
        let result = self.connection().await?.call(req.borrow()).await;
        match &result {
            // An answer: the peer has read everything sent before the request.
            Ok(_) | Err(Error::Remote(_)) => self.unconfirmed = 0,
            // The connection ended under the call: this error reports it.
            Err(_) if self.conn.as_ref().is_some_and(|c| c.is_closed()) => {
                self.unconfirmed = 0;
                let _ = self.retire();
            }
            Err(_) => {}
        }
        result
    }

    /// Receives the next message the peer pushed, connecting first if needed.
    ///
    /// Messages arrive in the order the peer sent them, connection after connection.
    /// After the last message of a connection, its end is reported once as an error (see
    /// below); the next call reconnects. Cancel-safe, so it can wait in a
    /// `tokio::select!` next to other work.
    ///
    /// # Errors
    ///
    /// The end of a connection: the error that ended it (for example
    /// [`Error::Disconnected`], [`Error::Io`], a keepalive [`Error::Timeout`]), or
    /// [`Error::Closed`] when the peer closed it gracefully. [`Error::Decode`] for a
    /// message that is not an `In` (skipped; the connection goes on). The errors of
    /// [`connection`](Self::connection).
    pub async fn recv(&mut self) -> Result<In> {
        let from_ended = !self.ended.is_empty();
        let conn = match self.ended.front_mut() {
            Some(ended) => ended,
            None => match &mut self.conn {
                Some(conn) => conn,
                None => self.connection().await?,
            },
        };
        let end = match conn.recv().await {
            Ok(Some(msg)) => return Ok(msg),
            Err(e @ Error::Decode(_)) => return Err(e),
            Ok(None) => Error::Closed,
            Err(e) => e,
        };
        if from_ended {
            self.ended.pop_front();
        } else {
            // This error reports the end, for the sends too.
            self.conn = None;
            self.unconfirmed = 0;
        }
        Err(end)
    }
}

impl<In, Out, C: Reconnectable<In, Out>> fmt::Debug for Reconnecting<In, Out, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reconnecting")
            .field("addr", &self.addr)
            .field("backoff", &self.backoff)
            .field("connected", &self.conn.is_some())
            .field("ended", &self.ended.len())
            .field("connects", &self.connects)
            .field("unconfirmed", &self.unconfirmed)
            .finish()
    }
}
