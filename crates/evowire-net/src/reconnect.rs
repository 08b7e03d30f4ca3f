//! [`Reconnecting`]: a client that connects again, with exponential backoff, when its
//! connection is gone.

use std::borrow::Borrow;
use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::options::Options;

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
/// Every operation first makes sure a live connection exists, connecting (with
/// [`Backoff`] between failed attempts) if needed. A [`send`](Self::send) that finds the
/// connection closed is retried once on a new connection (nothing was sent). A
/// [`call`](Self::call) is never retried, because the peer may have run it: its error is
/// returned and the next operation reconnects.
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
/// # Ok(())
/// # }
/// ```
pub struct Reconnecting<In, Out> {
    addr: String,
    opts: Options,
    backoff: Backoff,
    conn: Option<Connection<In, Out>>,
    connects: u64,
    tls: Option<crate::tls::ClientTls>,
}

impl<In, Out> Reconnecting<In, Out>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    /// A client for `addr` (`host:port`); it connects on first use.
    pub fn new(addr: impl Into<String>, opts: Options) -> Self {
        Reconnecting {
            addr: addr.into(),
            opts,
            backoff: Backoff::default(),
            conn: None,
            connects: 0,
            tls: None,
        }
    }

    /// Connects over TLS (see [`Connector::with_tls`](crate::Connector::with_tls)).
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: crate::TlsClientConfig) -> Self {
        self.tls = Some(tls);
        self
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

    /// The live connection, connecting first if there is none or it is closed.
    ///
    /// # Errors
    ///
    /// The last connection error once the backoff's attempts are used up. A refusal
    /// ([`Error::Refused`], [`Error::Handshake`]) is returned at once: retrying cannot
    /// fix an incompatible peer.
    pub async fn connection(&mut self) -> Result<&mut Connection<In, Out>> {
        if self.conn.as_ref().is_some_and(|c| !c.is_closed()) {
            return Ok(self.conn.as_mut().expect("checked above"));
        }
        self.conn = None;
        let mut attempt = 0u32;
        loop {
            let endpoint = crate::conn::Endpoint::new(self.opts.clone(), None, None);
            match crate::listener::connect_endpoint(
                self.addr.as_str(),
                &endpoint,
                self.tls.as_ref(),
            )
            .await
            {
                Ok(conn) => {
                    self.connects += 1;
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

    /// Sends a message, reconnecting first if needed.
    ///
    /// # Errors
    ///
    /// As [`connection`](Self::connection) and [`Sender::send`](crate::Sender::send).
    pub async fn send(&mut self, msg: impl Borrow<Out>) -> Result<()> {
        let msg = msg.borrow();
        match self.connection().await?.send(msg).await {
            Err(Error::Closed) => {
                self.conn = None;
                self.connection().await?.send(msg).await
            }
            other => other,
        }
    }

    /// Calls, reconnecting first if needed (the call itself is not retried).
    ///
    /// # Errors
    ///
    /// As [`connection`](Self::connection) and [`Sender::call`](crate::Sender::call).
    pub async fn call(&mut self, req: impl Borrow<Out>) -> Result<In> {
        self.connection().await?.call(req).await
    }
}

impl<In, Out> fmt::Debug for Reconnecting<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reconnecting")
            .field("addr", &self.addr)
            .field("backoff", &self.backoff)
            .field("connected", &self.conn.is_some())
            .field("connects", &self.connects)
            .finish()
    }
}
