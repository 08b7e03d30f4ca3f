//! The untyped engine behind a connection: one writer task, one reader task, an optional
//! keepalive task, the shared write buffer and the table of pending calls.
//!
//! * **Writing** ([`sending`]). `send`, `call` and request handlers encode their frame
//!   directly into one shared [`BytesMut`](bytes::BytesMut) under a short lock. The writer task swaps that
//!   buffer with a spare one and writes everything queued in a single `write_all`, so many
//!   small messages cost one system call (write coalescing); it yields once after being
//!   woken so that tasks that are ready (callers woken by a batch of answers) append
//!   first. `send` waits while the buffer holds more than the configured send buffer:
//!   backpressure in bytes, with no per-message allocation.
//! * **Writing without the writer task** ([`sending`]). When the writer task is idle, two
//!   cases write straight to the transport, without blocking and without waking it: a
//!   call that is the only one in flight writes its request, and the reader writes the
//!   answers (and pongs) that the frames of one read produced inline, all at once. What
//!   the transport does not take at once is left to the writer task. This saves a task
//!   hand-off per round trip on each side.
//! * **Calls** ([`calls`]). Each call takes an id and a oneshot in the pending table; the
//!   reader completes it with the response (or error) frame of that id.
//! * **Reading** ([`receiving`]). The reader task reads (8 KiB at first, up to 64 KiB
//!   while reads fill the buffer) and routes frames: runs of messages, as slices of the
//!   read buffer, to the queue that `recv` drains, bounded in bytes and in messages (full
//!   queue: the reader stops reading), responses to the pending call's oneshot, requests to the handler (polled
//!   once inline, then in its own task; bounded by a semaphore), pings to an automatic
//!   pong.
//! * **Keepalive** ([`keepalive`]). Pings at an interval; a peer silent for longer than
//!   the timeout ends the connection.
//! * **Closing** ([`lifecycle`], with the table of states and transitions). Closing stops
//!   user sends, waits for running handlers, appends a close frame after everything
//!   already queued, flushes, and shuts the write side down; the reader keeps reading
//!   until the peer's close frame (or end of stream, or the close timeout). A side that
//!   receives a close frame answers with its own the same way.
//!
//! Tasks that wait for the state under the write lock to change (room in the buffer, a
//! flush) all wait through one helper, [`Progress::wait_until`].

mod calls;
mod keepalive;
mod lifecycle;
mod receiving;
mod sending;

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::handshake::Handshaken;
use crate::inbound::{Inbound, InboundReceiver};
use crate::options::{Options, Protocol};

pub(crate) use lifecycle::Phase;

/// A type-erased request handler: decodes the body, runs the user's handler and answers
/// where [`Reply`] says; the future's output is the answer frame of [`Reply::Frame`].
pub(crate) type RawHandler = Arc<
    dyn Fn(Reply, Bytes) -> Pin<Box<dyn Future<Output = Option<BytesMut>> + Send>> + Send + Sync,
>;

/// Where a request handler's answer goes.
pub(crate) enum Reply {
    /// Queued on the connection as the answer to request `id`.
    Queue(Arc<Core>, u64),
    /// Returned as one answer frame of at most this many bytes (a QUIC call stream).
    #[cfg(feature = "quic")]
    Frame(usize),
}

impl Reply {
    /// Sends `reply` (the handler's answer, or the error message for the caller).
    pub(crate) fn answer<T: serde::Serialize>(
        self,
        reply: std::result::Result<T, String>,
    ) -> Option<BytesMut> {
        match self {
            Reply::Queue(core, id) => {
                match reply {
                    Ok(resp) => match core.respond(id, &resp) {
                        Ok(()) | Err(crate::Error::Closed) => {}
                        Err(e) => core.respond_error(id, &format!("cannot send response: {e}")),
                    },
                    Err(message) => core.respond_error(id, &message),
                }
                None
            }
            #[cfg(feature = "quic")]
            Reply::Frame(max) => Some(crate::quic::answer_frame(max, reply)),
        }
    }
}

/// The transport's halves, boxed so that the core is not generic.
type BoxReader = Pin<Box<dyn AsyncRead + Send>>;
type BoxWriter = Pin<Box<dyn AsyncWrite + Send>>;

/// State shared by the handles and the tasks of one connection, grouped by concern.
pub(crate) struct Core {
    /// The write buffer, the transport's write half and the writer task's wake-up.
    out: sending::Outbound,
    /// Tasks waiting for the write side to move on (room, flush, close).
    progress: Progress,
    /// The table of pending calls.
    calls: calls::Calls,
    /// The request handler and its concurrency limit.
    requests: receiving::Requests,
    /// When bytes last arrived, for the keepalive.
    liveness: keepalive::Liveness,
    /// How far the connection is (see the table in [`lifecycle`]).
    life: lifecycle::Lifecycle,
    pub(crate) opts: Options,
    pub(crate) peer: Protocol,
    pub(crate) peer_addr: Option<SocketAddr>,
    /// The longest frame the peer accepts, as its handshake announced.
    pub(crate) peer_max_frame: usize,
    pub(crate) span: tracing::Span,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Core {
    /// Starts the tasks of a connection whose handshake is done. Returns the core and the
    /// channel of received messages.
    pub(crate) fn start<T>(
        io: T,
        hs: Handshaken,
        opts: &Options,
        handler: Option<RawHandler>,
        peer_addr: Option<SocketAddr>,
    ) -> (Arc<Core>, InboundReceiver)
    where
        T: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (rd, wr) = split_io(io);
        let span = tracing::info_span!(
            "evowire_net::connection",
            peer = %peer_addr.map_or_else(|| "-".to_string(), |a| a.to_string()),
            protocol = %hs.peer,
        );
        let (inbound_tx, inbound_rx) = Inbound::new(opts.recv_capacity, opts.recv_buffer);
        let core = Arc::new(Core {
            out: sending::Outbound::new(wr),
            progress: Progress {
                notify: Notify::new(),
                waiters: AtomicUsize::new(0),
            },
            calls: calls::Calls::new(),
            requests: receiving::Requests::new(handler, opts.max_concurrent_requests),
            liveness: keepalive::Liveness::new(),
            life: lifecycle::Lifecycle::new(),
            opts: opts.clone(),
            peer: hs.peer,
            peer_addr,
            peer_max_frame: hs.peer_max_frame,
            span: span.clone(),
        });
        tokio::spawn(sending::writer_task(core.clone()).instrument(span.clone()));
        tokio::spawn(
            receiving::reader_task(core.clone(), rd, hs.leftover, inbound_tx)
                .instrument(span.clone()),
        );
        if let Some((interval, timeout)) = opts.keepalive {
            tokio::spawn(
                keepalive::keepalive_task(core.clone(), interval, timeout).instrument(span),
            );
        }
        (core, inbound_rx)
    }
}

/// Tasks waiting for the state under the write lock to change: room in the send buffer,
/// bytes flushed, the connection closing or failing. Whoever changes that state calls
/// [`notify`](Self::notify) (or [`notify_all`](Self::notify_all)) after releasing the lock.
struct Progress {
    /// Wakes the waiting tasks (`notify_waiters`).
    notify: Notify,
    /// Tasks waiting on `notify`: without any, progress needs no notification.
    waiters: AtomicUsize,
}

impl Progress {
    /// Returns `ready()`'s value as soon as it has one. `ready` checks the state under the
    /// write lock: it is asked once at once (no waiter registration when the answer is
    /// there), then again after each wake-up.
    async fn wait_until<T>(&self, mut ready: impl FnMut() -> Option<T>) -> T {
        if let Some(value) = ready() {
            return value;
        }
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiters);
        wait_for(&self.notify, ready).await
    }

    /// Wakes the waiting tasks, if any. Callers changed the state they wait for under the
    /// write lock before: a waiter counts itself before it checks that state under the
    /// same lock, so it is either counted here or sees the change.
    fn notify(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.notify.notify_waiters();
        }
    }

    /// Wakes the waiting tasks without looking at the count (lifecycle changes).
    fn notify_all(&self) {
        self.notify.notify_waiters();
    }
}

/// Counts a task waiting on [`Progress`] while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits on `notify` (woken by `notify_waiters` or `notify_one`) until `ready` returns a
/// value. Each round enables the notification before asking `ready`, so a wake-up between
/// the check and the wait is not lost.
pub(crate) async fn wait_for<T>(notify: &Notify, mut ready: impl FnMut() -> Option<T>) -> T {
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(value) = ready() {
            return value;
        }
        notified.await;
    }
}

/// Splits the transport. TCP, the common case, splits into halves without a lock between
/// them; other transports go through `tokio::io::split`.
fn split_io<T>(io: T) -> (BoxReader, BoxWriter)
where
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    let io: Box<dyn Any + Send> = Box::new(io);
    match io.downcast::<TcpStream>() {
        Ok(tcp) => {
            let (rd, wr) = tcp.into_split();
            (Box::pin(rd), Box::pin(wr))
        }
        Err(io) => match io.downcast::<T>() {
            Ok(io) => {
                let (rd, wr) = tokio::io::split(*io);
                (Box::pin(rd), Box::pin(wr))
            }
            Err(_) => unreachable!("the box holds the transport it was made from"),
        },
    }
}
