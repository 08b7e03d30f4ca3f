//! [`Incoming`] ([`futures::Stream`]) and [`Outgoing`] ([`futures::Sink`]): the socket
//! as a stream of received values and a sink of values to send.

use std::fmt;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::ReadBuf;

use super::shared::Shared;
use crate::error::{Error, Result};

/// The received values of a [`Socket`](super::Socket) with their senders' addresses, from
/// [`Socket::incoming`](super::Socket::incoming).
///
/// The stream never ends; it yields an error for each failed receive (see
/// [`Socket::recv_from`](super::Socket::recv_from)) and goes on.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use evowire_net::{udp, Protocol};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = udp::Options::new(Protocol::new("feed", 1, 0));
/// let rx = udp::Socket::<u8, ()>::bind("127.0.0.1:0", opts.clone()).await?;
/// let tx = udp::Socket::<(), u8>::bind("127.0.0.1:0", opts).await?;
/// for n in 1..=3 {
///     tx.send_to(&n, rx.local_addr()?).await?;
/// }
/// let values: Vec<u8> = rx.incoming().take(3).map(|item| item.unwrap().0).collect().await;
/// assert_eq!(values, [1, 2, 3]);
/// # Ok(())
/// # }
/// ```
pub struct Incoming<In> {
    shared: Arc<Shared>,
    buf: Vec<u8>,
    _types: PhantomData<fn() -> In>,
}

impl<In> Incoming<In> {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let buf = vec![0; shared.opts.max_payload + 1];
        Incoming {
            shared,
            buf,
            _types: PhantomData,
        }
    }
}

impl<In> fmt::Debug for Incoming<In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming").finish_non_exhaustive()
    }
}

impl<In: DeserializeOwned> futures::Stream for Incoming<In> {
    type Item = Result<(In, SocketAddr)>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let mut read = ReadBuf::new(&mut this.buf);
            let from = match ready!(this.shared.io.poll_recv_from(cx, &mut read)) {
                Ok(from) => from,
                Err(e) => return Poll::Ready(Some(Err(Error::Io(e)))),
            };
            if let Some(value) = this.shared.accept(read.filled(), from) {
                return Poll::Ready(Some(Ok((value, from))));
            }
        }
    }
}

/// A [`futures::Sink`] of `(value, address)` pairs to send, from
/// [`Socket::outgoing`](super::Socket::outgoing) (for a connected socket, pair the values
/// with [`Socket::peer_addr`](super::Socket::peer_addr)).
///
/// `start_send` encodes the value (and fails at once if it is too large); flushing sends
/// it. Errors leave the sink usable.
///
/// # Examples
///
/// ```
/// use futures::SinkExt;
/// use evowire_net::{udp, Protocol};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), evowire_net::Error> {
/// let opts = udp::Options::new(Protocol::new("feed", 1, 0));
/// let rx = udp::Socket::<u8, ()>::bind("127.0.0.1:0", opts.clone()).await?;
/// let tx = udp::Socket::<(), u8>::bind("127.0.0.1:0", opts).await?;
/// let mut sink = tx.outgoing();
/// sink.send((5, rx.local_addr()?)).await?;
/// assert_eq!(rx.recv().await?, 5);
/// # Ok(())
/// # }
/// ```
pub struct Outgoing<Out> {
    shared: Arc<Shared>,
    buf: Vec<u8>,
    /// Where the encoded datagram in `buf` goes, if one waits to be sent.
    pending: Option<SocketAddr>,
    _types: PhantomData<fn(Out)>,
}

impl<Out> Outgoing<Out> {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let buf = Vec::with_capacity(shared.opts.max_payload);
        Outgoing {
            shared,
            buf,
            pending: None,
            _types: PhantomData,
        }
    }

    fn poll_send_pending(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let Some(target) = self.pending else {
            return Poll::Ready(Ok(()));
        };
        let sent = ready!(self.shared.poll_send(cx, &self.buf, target));
        self.pending = None;
        Poll::Ready(sent)
    }

    fn start(&mut self, value: &Out, target: SocketAddr) -> Result<()>
    where
        Out: Serialize,
    {
        self.shared.encode(value, target, &mut self.buf)?;
        self.pending = Some(target);
        Ok(())
    }
}

impl<Out> fmt::Debug for Outgoing<Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl<Out: Serialize> futures::Sink<(Out, SocketAddr)> for Outgoing<Out> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().poll_send_pending(cx)
    }

    fn start_send(self: Pin<&mut Self>, (value, target): (Out, SocketAddr)) -> Result<()> {
        self.get_mut().start(&value, target)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().poll_send_pending(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().poll_send_pending(cx)
    }
}
