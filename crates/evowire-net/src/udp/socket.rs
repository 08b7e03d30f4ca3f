//! [`Socket`]: typed datagrams over a tokio `UdpSocket`.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::{ToSocketAddrs, UdpSocket};
use tokio::sync::mpsc;

use super::adapters::{Incoming, Outgoing};
use super::options::Options;
use super::shared::{lock, Shared};
use super::stats::{PeerStats, Stats};
use crate::error::{Error, Result};

/// A UDP socket that sends `Out` values and receives `In` values, one per datagram.
///
/// Every datagram carries a header (the protocol's name and major version, a stream id and
/// a sequence number; see the [module docs](super)). Received datagrams of another protocol
/// or major version, or whose value does not decode as `In`, are dropped and counted in
/// [`stats`](Self::stats); receiving goes on with the next datagram. Nothing is
/// retransmitted: a datagram the network loses is gone, and only counted.
///
/// All methods take `&self`, and the socket is cheap to clone (the clones share the
/// socket and its counters), so one task may send while another receives.
///
/// # Examples
///
/// ```
/// use evowire_net::{udp, Protocol};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = udp::Options::new(Protocol::new("ping", 1, 0));
/// let a = udp::Socket::<u64, String>::bind("127.0.0.1:0", opts.clone()).await?;
/// let b = udp::Socket::<String, u64>::bind("127.0.0.1:0", opts).await?;
///
/// a.send_to(&"hello".to_string(), b.local_addr()?).await?;
/// let (text, from) = b.recv_from().await?;
/// assert_eq!((text.as_str(), from), ("hello", a.local_addr()?));
/// b.send_to(&42, from).await?;
/// assert_eq!(a.recv_from().await?.0, 42);
/// assert_eq!(b.stats().decoded, 1);
/// # Ok(())
/// # }
/// ```
pub struct Socket<In, Out> {
    shared: Arc<Shared>,
    _types: PhantomData<fn(Out) -> In>,
}

impl<In, Out> Clone for Socket<In, Out> {
    fn clone(&self) -> Self {
        Socket {
            shared: self.shared.clone(),
            _types: PhantomData,
        }
    }
}

impl<In, Out> fmt::Debug for Socket<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("local_addr", &self.shared.io.local_addr().ok())
            .field("protocol", &self.shared.opts.protocol)
            .finish()
    }
}

impl<In, Out> Socket<In, Out> {
    /// Binds a UDP socket to `addr` (`"0.0.0.0:0"` for any port).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the address does not resolve or cannot be bound.
    pub async fn bind(addr: impl ToSocketAddrs, opts: Options) -> Result<Self> {
        Ok(Self::from_socket(UdpSocket::bind(addr).await?, opts))
    }

    /// Wraps a tokio socket set up by the caller (with socket options, a multicast group
    /// joined, or connected).
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{udp, Protocol};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let raw = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// raw.set_ttl(4)?;
    /// let socket = udp::Socket::<u32, u32>::from_socket(raw, udp::Options::new(Protocol::new("p", 1, 0)));
    /// assert_eq!(socket.get_ref().ttl()?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_socket(socket: UdpSocket, opts: Options) -> Self {
        let connected = socket.peer_addr().ok();
        let shared = Shared::new(socket, opts);
        *lock(&shared.connected) = connected;
        Socket {
            shared: Arc::new(shared),
            _types: PhantomData,
        }
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from the OS.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.shared.io.local_addr()?)
    }

    /// The tokio socket, for socket options and multicast.
    pub fn get_ref(&self) -> &UdpSocket {
        &self.shared.io
    }

    /// The options the socket was made with.
    pub fn options(&self) -> &Options {
        &self.shared.opts
    }

    /// A snapshot of the counters: sent, received, decoded, dropped by reason, lost,
    /// reordered, duplicated.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The counters of the stream last heard from `peer`, or `None` if nothing came from
    /// there or the socket forgot it to make room for other senders.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{udp, Protocol};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), evowire_net::Error> {
    /// let opts = udp::Options::new(Protocol::new("p", 1, 0));
    /// let a = udp::Socket::<(), u8>::bind("127.0.0.1:0", opts.clone()).await?;
    /// let b = udp::Socket::<u8, ()>::bind("127.0.0.1:0", opts).await?;
    /// a.send_to(&1, b.local_addr()?).await?;
    /// b.recv().await?;
    /// let peer = b.peer_stats(a.local_addr()?).unwrap();
    /// assert_eq!((peer.received, peer.decoded, peer.highest_seq), (1, 1, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_stats(&self, peer: SocketAddr) -> Option<PeerStats> {
        self.shared.peer_stats(peer)
    }

    /// Connects the socket to `addr`: [`send`](Self::send) goes there, and the OS only
    /// lets datagrams from there through to [`recv`](Self::recv) and
    /// [`recv_from`](Self::recv_from).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the address does not resolve or the OS refuses.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> Result<()> {
        self.shared.io.connect(addr).await?;
        *lock(&self.shared.connected) = Some(self.shared.io.peer_addr()?);
        Ok(())
    }

    /// The peer of a connected socket.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] with [`io::ErrorKind::NotConnected`] if [`connect`](Self::connect)
    /// was not called.
    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.shared.peer()
    }
}

impl<In, Out: Serialize> Socket<In, Out> {
    /// Sends `value` in one datagram to `target`.
    ///
    /// # Errors
    ///
    /// [`Error::FrameTooLarge`] if the datagram would exceed the maximum payload
    /// (nothing is sent), [`Error::Encode`] if `value` cannot be encoded, [`Error::Io`] if
    /// the OS refuses the datagram. The socket stays usable after any of them.
    pub async fn send_to(&self, value: &Out, target: SocketAddr) -> Result<()> {
        let mut buf = self.shared.send_buffer();
        let result = self.encode_and_send(value, target, &mut buf).await;
        self.shared.return_send_buffer(buf);
        result
    }

    /// Sends `value` in one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to); [`Error::Io`] with
    /// [`io::ErrorKind::NotConnected`] if the socket is not connected.
    pub async fn send(&self, value: &Out) -> Result<()> {
        self.send_to(value, self.shared.peer()?).await
    }

    async fn encode_and_send(
        &self,
        value: &Out,
        target: SocketAddr,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.shared.encode(value, target, buf)?;
        std::future::poll_fn(|cx| self.shared.poll_send(cx, buf, target)).await
    }

    /// A [`futures::Sink`] of `(value, address)` pairs.
    pub fn outgoing(&self) -> Outgoing<Out> {
        Outgoing::new(self.shared.clone())
    }
}

impl<In: DeserializeOwned, Out> Socket<In, Out> {
    /// Receives the next datagram that decodes as `In`, with its sender's address.
    ///
    /// Datagrams that do not pass the checks are dropped and counted in
    /// [`stats`](Self::stats) while this waits. Cancel-safe: dropping the future loses no
    /// datagram that was decoded.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from the OS; on Linux, a connected socket reports
    /// [`io::ErrorKind::ConnectionRefused`] after a datagram it sent was refused by the
    /// peer's host. The socket stays usable.
    pub async fn recv_from(&self) -> Result<(In, SocketAddr)> {
        let mut buf = self.shared.recv_buffer();
        let result = loop {
            match self.shared.io.recv_from(&mut buf).await {
                Ok((len, from)) => {
                    let datagram = buf.get(..len).unwrap_or(&buf);
                    if let Some(value) = self.shared.accept(datagram, from) {
                        break Ok((value, from));
                    }
                }
                Err(e) => break Err(Error::Io(e)),
            }
        };
        self.shared.return_recv_buffer(buf);
        result
    }

    /// Receives the next value from the connected peer.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    pub async fn recv(&self) -> Result<In> {
        Ok(self.recv_from().await?.0)
    }

    /// A [`futures::Stream`] of received values with their senders' addresses.
    pub fn incoming(&self) -> Incoming<In> {
        Incoming::new(self.shared.clone())
    }
}

impl<In, Out> Socket<In, Out>
where
    In: DeserializeOwned + Send + 'static,
    Out: Serialize + Send + Sync + 'static,
{
    /// Bridges the socket to tokio channels: values put into the returned sender are sent
    /// to their address, and received values come out of the returned receiver. Two tasks
    /// do the work; each ends when its channel is closed (the sending one when every
    /// sender is dropped, the receiving one when the receiver is dropped).
    ///
    /// A value that cannot be sent (too large, not encodable, refused by the OS) is
    /// skipped with a `tracing` warning. Receive errors are passed on; the receiving task
    /// ends after an error other than a refused or reset connection, which a connected
    /// socket reports after an ICMP message.
    ///
    /// # Examples
    ///
    /// ```
    /// use evowire_net::{udp, Protocol};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), evowire_net::Error> {
    /// let opts = udp::Options::new(Protocol::new("bridge", 1, 0));
    /// let a = udp::Socket::<u32, u32>::bind("127.0.0.1:0", opts.clone()).await?;
    /// let b = udp::Socket::<u32, u32>::bind("127.0.0.1:0", opts).await?;
    /// let to_b = b.local_addr()?;
    /// let (tx, _rx) = a.into_mpsc(16);
    /// let (_tx, mut rx) = b.into_mpsc(16);
    /// tx.send((7, to_b)).await.unwrap();
    /// assert_eq!(rx.recv().await.unwrap()?.0, 7);
    /// # Ok(())
    /// # }
    /// ```
    #[allow(
        clippy::type_complexity,
        reason = "the two channel ends, spelled out for the reader"
    )]
    pub fn into_mpsc(
        self,
        capacity: usize,
    ) -> (
        mpsc::Sender<(Out, SocketAddr)>,
        mpsc::Receiver<Result<(In, SocketAddr)>>,
    ) {
        let (out_tx, mut out_rx) = mpsc::channel::<(Out, SocketAddr)>(capacity.max(1));
        let (in_tx, in_rx) = mpsc::channel(capacity.max(1));
        let sending = self.clone();
        tokio::spawn(async move {
            while let Some((value, target)) = out_rx.recv().await {
                if let Err(e) = sending.send_to(&value, target).await {
                    tracing::warn!(error = %e, %target, "udp mpsc bridge skipped a value");
                }
            }
        });
        tokio::spawn(async move {
            loop {
                let item = tokio::select! {
                    item = self.recv_from() => item,
                    () = in_tx.closed() => break,
                };
                let fatal = matches!(&item, Err(Error::Io(e)) if !is_transient(e));
                if in_tx.send(item).await.is_err() || fatal {
                    break;
                }
            }
        });
        (out_tx, in_rx)
    }
}

/// Errors after which a UDP socket keeps working: ICMP reports on a connected socket.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}
