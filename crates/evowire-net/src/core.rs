//! The untyped engine behind a connection: one writer task, one reader task, an optional
//! keepalive task, the shared write buffer and the table of pending calls.
//!
//! * **Writing.** `send`, `call` and request handlers encode their frame directly into one
//!   shared [`BytesMut`] under a short lock. The writer task swaps that buffer with a spare
//!   one and writes everything queued in a single `write_all`, so many small messages
//!   cost one system call (write coalescing); it yields once after being woken so that
//!   tasks that are ready (callers woken by a batch of answers) append first. `send` waits
//!   while the buffer holds more than the configured send buffer: backpressure in bytes,
//!   with no per-message allocation.
//! * **Writing without the writer task.** When the writer task is idle, two cases write
//!   straight to the transport, without blocking and without waking it: a call that is
//!   the only one in flight writes its request, and the reader writes the answers (and
//!   pongs) that the frames of one read produced inline, all at once. What the transport
//!   does not take at once is left to the writer task. This saves a task hand-off per
//!   round trip on each side.
//! * **Reading.** The reader task reads (8 KiB at first, up to 64 KiB while reads fill the
//!   buffer) and routes frames: runs of messages, as slices of the read buffer, to the
//!   bounded queue that `recv` drains (full queue: the reader stops reading), responses
//!   to the pending call's oneshot, requests to the handler (polled once inline, then in
//!   its own task; bounded by a semaphore), pings to an automatic pong.
//! * **Closing.** Closing stops user sends, waits for running handlers, appends a close
//!   frame after everything already queued, flushes, and shuts the write side down; the
//!   reader keeps reading until the peer's close frame (or end of stream, or the close
//!   timeout). A side that receives a close frame answers with its own the same way.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch, Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::frame::{
    self, control_frame, encode_frame, id_header, put_raw_frame, take_frame, Frame, TAG_CLOSE,
    TAG_ERROR, TAG_MESSAGE, TAG_PING, TAG_PONG, TAG_REQUEST, TAG_RESPONSE,
};
use crate::handshake::Handshaken;
use crate::inbound::{Inbound, InboundReceiver, Run};
use crate::options::{Options, Protocol};

/// A type-erased request handler: decodes the body, runs the user's handler and answers.
pub(crate) type RawHandler =
    Arc<dyn Fn(Arc<Core>, u64, Bytes) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Where the write side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Everything may be sent.
    Open,
    /// User sends are refused; responses and control frames still go out. The writer adds
    /// the close frame once no handler runs.
    Closing,
    /// The close frame (or a fatal error notice) is queued; nothing more is accepted.
    Finished,
    /// The connection broke; nothing more is written.
    Failed,
}

/// Lifecycle of the whole connection, observed through a `watch` channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Open,
    /// Our last frame is flushed and the write side is shut down.
    WriteDone,
    /// Both tasks have ended.
    Done,
}

/// The transport's halves, boxed so that the core is not generic.
type BoxReader = Pin<Box<dyn AsyncRead + Send>>;
type BoxWriter = Pin<Box<dyn AsyncWrite + Send>>;

struct WriteState {
    buf: BytesMut,
    mode: Mode,
    /// Bytes ever appended / ever written (and flushed) to the transport.
    appended: u64,
    flushed: u64,
    /// Our close frame is queued / reached the transport.
    close_queued: bool,
    close_flushed: bool,
    /// The transport's write half while the writer task is not using it. A direct writer
    /// (see [`Core::write_direct`]) uses it in place, under this lock; the writer task takes
    /// it out for the time of an asynchronous write.
    io: Option<BoxWriter>,
    /// Bytes written directly whose flush did not complete: the writer task flushes them.
    unflushed: u64,
    /// The reader is handling the frames of one read and writes the answers they produce
    /// itself afterwards: appending to an empty buffer does not wake the writer meanwhile.
    deferred: bool,
}

struct Pending {
    calls: HashMap<u64, oneshot::Sender<Result<Bytes>>>,
    closed: bool,
}

/// State shared by the handles and the tasks of one connection.
pub(crate) struct Core {
    write: Mutex<WriteState>,
    /// Wakes the writer (permit semantics: never lost).
    wake_writer: Notify,
    /// Wakes senders waiting for room or for a flush (`notify_waiters`).
    progress: Notify,
    pending: Mutex<Pending>,
    next_id: AtomicU64,
    /// Calls waiting for their answer: a lone call writes its request directly.
    in_flight: AtomicUsize,
    /// Tasks waiting on `progress`: without any, progress needs no notification.
    waiters: AtomicUsize,
    fatal: Mutex<Option<Error>>,
    cancel: CancellationToken,
    phase: watch::Sender<Phase>,
    tasks: AtomicUsize,
    started: Instant,
    /// Milliseconds since `started` when the reader last got bytes.
    last_recv: AtomicU64,
    handler: Option<RawHandler>,
    permits: Arc<Semaphore>,
    pub(crate) opts: Options,
    pub(crate) peer: Protocol,
    pub(crate) peer_addr: Option<SocketAddr>,
    peer_max_frame: usize,
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
        let (inbound_tx, inbound_rx) = Inbound::new(opts.recv_capacity);
        let core = Arc::new(Core {
            write: Mutex::new(WriteState {
                buf: BytesMut::with_capacity(8 * 1024),
                mode: Mode::Open,
                appended: 0,
                flushed: 0,
                close_queued: false,
                close_flushed: false,
                io: Some(wr),
                unflushed: 0,
                deferred: false,
            }),
            wake_writer: Notify::new(),
            progress: Notify::new(),
            pending: Mutex::new(Pending {
                calls: HashMap::new(),
                closed: false,
            }),
            next_id: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
            waiters: AtomicUsize::new(0),
            fatal: Mutex::new(None),
            cancel: CancellationToken::new(),
            phase: watch::Sender::new(Phase::Open),
            tasks: AtomicUsize::new(2),
            started: Instant::now(),
            last_recv: AtomicU64::new(0),
            handler,
            permits: Arc::new(Semaphore::new(opts.max_concurrent_requests)),
            opts: opts.clone(),
            peer: hs.peer,
            peer_addr,
            peer_max_frame: hs.peer_max_frame,
            span: span.clone(),
        });
        tokio::spawn(writer_task(core.clone()).instrument(span.clone()));
        tokio::spawn(
            reader_task(core.clone(), rd, hs.leftover, inbound_tx).instrument(span.clone()),
        );
        if let Some((interval, timeout)) = opts.keepalive {
            tokio::spawn(keepalive_task(core.clone(), interval, timeout).instrument(span));
        }
        (core, inbound_rx)
    }

    // ----- sending -------------------------------------------------------------------

    /// Appends a user frame (message or request), waiting while the send buffer is full.
    /// With `direct`, a frame that finds the buffer empty and the writer task idle is
    /// written to the transport right here (see [`write_direct`](Self::write_direct)).
    pub(crate) async fn send_frame<T: Serialize + ?Sized>(
        &self,
        header: &[u8],
        body: &T,
        direct: bool,
    ) -> Result<()> {
        // Fast path: room in the buffer, no waiter registration.
        {
            let w = lock(&self.write);
            if w.mode != Mode::Open {
                return Err(Error::Closed);
            }
            if w.buf.len() < self.opts.send_buffer {
                return self.append_locked(w, header, body, direct);
            }
        }
        let _waiting = self.waiting();
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let w = lock(&self.write);
                if w.mode != Mode::Open {
                    return Err(Error::Closed);
                }
                if w.buf.len() < self.opts.send_buffer {
                    return self.append_locked(w, header, body, direct);
                }
            }
            notified.await;
        }
    }

    /// Counts a task waiting on `progress` until the guard is dropped.
    fn waiting(&self) -> Waiting<'_> {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        Waiting(&self.waiters)
    }

    /// Wakes the tasks waiting on `progress`, if any. Callers changed the state they wait
    /// for under the write lock before: a waiter counts itself before it checks that
    /// state under the same lock, so it is either counted here or sees the change.
    fn notify_progress(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.progress.notify_waiters();
        }
    }

    /// Appends a message without waiting for room (the `Sink` path, after `poll_ready`).
    pub(crate) fn push_message<T: Serialize + ?Sized>(&self, body: &T) -> Result<()> {
        let w = lock(&self.write);
        if w.mode != Mode::Open {
            return Err(Error::Closed);
        }
        self.append_locked(w, &[TAG_MESSAGE], body, false)
    }

    /// `Ok(true)` when a user frame would be accepted now without waiting.
    pub(crate) fn has_room(&self) -> Result<bool> {
        let w = lock(&self.write);
        if w.mode != Mode::Open {
            return Err(Error::Closed);
        }
        Ok(w.buf.len() < self.opts.send_buffer)
    }

    /// Waits until the send buffer has room (or the connection is closed).
    pub(crate) async fn wait_room(self: Arc<Self>) -> Result<()> {
        let _waiting = self.waiting();
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.has_room()? {
                return Ok(());
            }
            notified.await;
        }
    }

    fn append_locked<T: Serialize + ?Sized>(
        &self,
        mut w: MutexGuard<'_, WriteState>,
        header: &[u8],
        body: &T,
        direct: bool,
    ) -> Result<()> {
        let before = w.buf.len();
        encode_frame(&mut w.buf, self.peer_max_frame, header, body)?;
        w.appended += (w.buf.len() - before) as u64;
        if before == 0 && direct && !w.deferred {
            let done = self.write_direct(&mut w);
            drop(w);
            if !done {
                self.wake_writer.notify_one();
            }
            return Ok(());
        }
        self.appended(w, before);
        Ok(())
    }

    /// After an append to a buffer that held `before` bytes: wakes the writer if the
    /// buffer was empty (otherwise it was woken already), unless the reader will write.
    fn appended(&self, w: MutexGuard<'_, WriteState>, before: usize) {
        let wake = before == 0 && !w.deferred;
        drop(w);
        if wake {
            self.wake_writer.notify_one();
        }
    }

    /// Writes the buffer to the transport here and now, without waiting, when the writer
    /// task is idle (it has left the transport in the state). This saves the hand-off to
    /// the writer task, which matters for lone requests and for answers the reader
    /// produces inline. The write lock is held meanwhile: writes never block (the
    /// transport is polled with a no-op waker), they only cost the system call.
    ///
    /// Returns `true` when nothing is left to do, `false` when the writer task must take
    /// over (the transport would block, failed, or needs an asynchronous flush): the
    /// caller then wakes it, and it finishes the job or reports the error.
    fn write_direct(&self, w: &mut WriteState) -> bool {
        if !matches!(w.mode, Mode::Open | Mode::Closing) {
            return w.buf.is_empty();
        }
        let WriteState {
            buf,
            io,
            flushed,
            unflushed,
            ..
        } = w;
        let Some(io) = io.as_mut() else {
            // The writer task is writing; it checks the buffer again when it is done.
            return true;
        };
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        let mut written = 0;
        while written < buf.len() {
            match io.as_mut().poll_write(&mut cx, &buf[written..]) {
                Poll::Ready(Ok(n)) if n > 0 => written += n,
                _ => break,
            }
        }
        if written == buf.len() {
            buf.clear();
        } else {
            buf.advance(written);
        }
        *unflushed += written as u64;
        if *unflushed > 0 {
            if let Poll::Ready(Ok(())) = io.as_mut().poll_flush(&mut cx) {
                *flushed += std::mem::take(unflushed);
            }
        }
        let done = buf.is_empty() && *unflushed == 0;
        if written > 0 {
            self.notify_progress();
        }
        done
    }

    /// The reader is about to handle frames that may produce answers: hold them back
    /// until [`end_deferred`](Self::end_deferred), which writes them all at once.
    fn begin_deferred(&self) {
        lock(&self.write).deferred = true;
    }

    /// Writes what was produced since [`begin_deferred`](Self::begin_deferred), directly
    /// if the writer task is idle, else through it.
    fn end_deferred(&self) {
        let mut w = lock(&self.write);
        w.deferred = false;
        if w.buf.is_empty() {
            return;
        }
        let done = self.write_direct(&mut w);
        drop(w);
        if !done {
            self.wake_writer.notify_one();
        }
    }

    /// Appends a response, error, ping or pong: no waiting, refused only once the close
    /// frame is queued.
    fn push_internal<T: Serialize + ?Sized>(&self, header: &[u8], body: Option<&T>) -> Result<()> {
        let mut w = lock(&self.write);
        if !matches!(w.mode, Mode::Open | Mode::Closing) {
            return Err(Error::Closed);
        }
        let before = w.buf.len();
        match body {
            Some(body) => encode_frame(&mut w.buf, self.peer_max_frame, header, body)?,
            None => put_raw_frame(&mut w.buf, header),
        }
        w.appended += (w.buf.len() - before) as u64;
        self.appended(w, before);
        Ok(())
    }

    /// Answers request `id` with `resp`.
    pub(crate) fn respond<T: Serialize + ?Sized>(&self, id: u64, resp: &T) -> Result<()> {
        let (h, n) = id_header(TAG_RESPONSE, id);
        self.push_internal(&h[..n], Some(resp))
    }

    /// Answers request `id` with an error message.
    pub(crate) fn respond_error(&self, id: u64, message: &str) {
        let (h, n) = id_header(TAG_ERROR, id);
        if let Err(e) = self.push_internal(&h[..n], Some(message)) {
            if !matches!(e, Error::Closed) {
                // The message itself is too large for the peer: send a short one.
                let _ = self.push_internal(&h[..n], Some("error message too large"));
            }
        }
    }

    /// Waits until everything appended before this call reached the transport.
    pub(crate) async fn flush(self: Arc<Self>) -> Result<()> {
        let _waiting = self.waiting();
        let target = lock(&self.write).appended;
        loop {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let w = lock(&self.write);
                if w.flushed >= target {
                    return Ok(());
                }
                if w.mode == Mode::Failed {
                    return Err(Error::Closed);
                }
            }
            notified.await;
        }
    }

    // ----- calls ---------------------------------------------------------------------

    /// Sends a request and waits for its response body.
    pub(crate) async fn call<T: Serialize + ?Sized>(
        &self,
        req: &T,
        timeout: Option<Duration>,
    ) -> Result<Bytes> {
        let call = async {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = oneshot::channel();
            {
                let mut p = lock(&self.pending);
                if p.closed {
                    return Err(Error::Closed);
                }
                p.calls.insert(id, tx);
            }
            let alone = self.in_flight.fetch_add(1, Ordering::Relaxed) == 0;
            let mut guard = PendingGuard {
                core: self,
                id,
                armed: true,
            };
            let (h, n) = id_header(TAG_REQUEST, id);
            // A lone call writes its request itself; with more in flight the writer task
            // gathers the requests into fewer writes.
            self.send_frame(&h[..n], req, alone).await?;
            let result = rx.await.unwrap_or(Err(Error::Closed));
            guard.armed = false;
            result
        };
        match timeout {
            None => call.await,
            Some(after) => tokio::time::timeout(after, call)
                .await
                .unwrap_or(Err(Error::Timeout {
                    operation: "call",
                    after,
                })),
        }
    }

    fn complete(&self, id: u64, result: Result<Bytes>) {
        let tx = lock(&self.pending).calls.remove(&id);
        match tx {
            Some(tx) => {
                let _ = tx.send(result);
            }
            None => tracing::trace!(id, "response to a call that is gone (timed out)"),
        }
    }

    /// Fails every pending call with [`Error::Closed`] and refuses new ones.
    fn close_pending(&self) {
        let calls = {
            let mut p = lock(&self.pending);
            p.closed = true;
            std::mem::take(&mut p.calls)
        };
        for (_, tx) in calls {
            let _ = tx.send(Err(Error::Closed));
        }
    }

    // ----- lifecycle -----------------------------------------------------------------

    /// Starts a graceful close (idempotent).
    pub(crate) fn begin_close(&self) {
        let mut w = lock(&self.write);
        if w.mode == Mode::Open {
            w.mode = Mode::Closing;
            drop(w);
            tracing::debug!(parent: &self.span, "closing");
            self.wake_writer.notify_one();
            self.progress.notify_waiters();
        }
    }

    /// Closes gracefully and waits until the connection has ended. `Ok` if our close
    /// frame reached the transport.
    pub(crate) async fn close(self: Arc<Self>) -> Result<()> {
        self.begin_close();
        self.wait_phase(Phase::Done).await;
        if lock(&self.write).close_flushed {
            Ok(())
        } else {
            Err(Error::Closed)
        }
    }

    pub(crate) async fn wait_phase(&self, phase: Phase) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| *p >= phase).await;
    }

    /// True once nothing more can be sent.
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.write).mode != Mode::Open
    }

    /// Takes the error that ended the connection (reported once, by the receiver).
    pub(crate) fn take_fatal(&self) -> Option<Error> {
        lock(&self.fatal).take()
    }

    /// Ends the connection at once because of `err`.
    fn fail(&self, err: Error) {
        tracing::warn!(parent: &self.span, error = %err, "connection failed");
        let io = {
            let mut w = lock(&self.write);
            w.mode = Mode::Failed;
            w.buf.clear();
            w.io.take()
        };
        // Nothing more is written: let the transport go (closing its write direction).
        drop(io);
        lock(&self.fatal).get_or_insert(err);
        self.close_pending();
        self.cancel.cancel();
        self.wake_writer.notify_one();
        self.progress.notify_waiters();
    }

    /// Ends the connection because the peer broke the protocol: tell it why (error frame
    /// with id 0) after what is already queued, then stop.
    fn fail_with_notice(&self, err: Error) {
        tracing::warn!(parent: &self.span, error = %err, "connection failed");
        {
            let mut w = lock(&self.write);
            if matches!(w.mode, Mode::Open | Mode::Closing) {
                let (h, n) = id_header(TAG_ERROR, 0);
                let before = w.buf.len();
                let msg = err.to_string();
                if encode_frame(&mut w.buf, self.peer_max_frame, &h[..n], msg.as_str()).is_ok() {
                    w.appended += (w.buf.len() - before) as u64;
                    w.mode = Mode::Finished;
                } else {
                    w.mode = Mode::Failed;
                }
            }
        }
        lock(&self.fatal).get_or_insert(err);
        self.close_pending();
        self.wake_writer.notify_one();
        self.progress.notify_waiters();
    }

    fn task_done(&self) {
        if self.tasks.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close_pending();
            let io = {
                let mut w = lock(&self.write);
                if w.mode != Mode::Failed {
                    w.mode = Mode::Failed;
                    w.buf.clear();
                }
                w.io.take()
            };
            drop(io);
            self.cancel.cancel();
            self.phase.send_replace(Phase::Done);
            self.progress.notify_waiters();
            tracing::debug!(parent: &self.span, "connection ended");
        }
    }

    /// Notes that bytes arrived, for the keepalive (only it reads the clock for this).
    fn touch(&self) {
        if self.opts.keepalive.is_some() {
            let ms = self.started.elapsed().as_millis() as u64;
            self.last_recv.store(ms, Ordering::Relaxed);
        }
    }

    fn handlers_idle(&self) -> bool {
        self.permits.available_permits() == self.opts.max_concurrent_requests
    }

    async fn dispatch_request(self: &Arc<Self>, id: u64, body: Bytes) {
        let Some(handler) = &self.handler else {
            self.respond_error(id, "this peer serves no requests");
            return;
        };
        if lock(&self.write).mode != Mode::Open {
            self.respond_error(id, "connection is closing");
            return;
        }
        let permit = match self.permits.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => return,
        };
        let mut fut = handler(self.clone(), id, body);
        // Handlers that finish without waiting (the common fast case) answer inline,
        // which saves a task spawn and a wake-up; others continue in their own task.
        if futures::FutureExt::now_or_never(&mut fut).is_some() {
            drop(permit);
            self.handler_done();
            return;
        }
        let core = self.clone();
        tokio::spawn(
            async move {
                fut.await;
                drop(permit);
                core.handler_done();
            }
            .instrument(self.span.clone()),
        );
    }

    /// A closing writer waits for running handlers to finish: wake it after each one.
    fn handler_done(&self) {
        if lock(&self.write).mode == Mode::Closing {
            self.wake_writer.notify_one();
        }
    }
}

/// Removes a call from the pending table when the caller gives up (timeout, drop).
struct PendingGuard<'a> {
    core: &'a Core,
    id: u64,
    armed: bool,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.core.in_flight.fetch_sub(1, Ordering::Relaxed);
        if self.armed {
            lock(&self.core.pending).calls.remove(&self.id);
        }
    }
}

/// Counts a task waiting on [`Core::progress`] while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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

// ----- tasks ---------------------------------------------------------------------------

enum WriteStep {
    Write(BoxWriter, u64),
    Wait,
    Again,
    Finish(Option<BoxWriter>),
    Stop,
}

async fn writer_task(core: Arc<Core>) {
    let result = tokio::select! {
        r = write_loop(&core) => r,
        () = core.cancel.cancelled() => Ok(()),
    };
    if let Err(e) = result {
        core.fail(e);
    }
    core.task_done();
}

async fn write_loop(core: &Core) -> Result<()> {
    let keep = core.opts.send_buffer.max(64 * 1024) * 2;
    let mut spare = BytesMut::with_capacity(8 * 1024);
    loop {
        let step = {
            let mut w = lock(&core.write);
            if !w.buf.is_empty() || w.unflushed > 0 {
                // Only this task takes the transport out, so it is there.
                match w.io.take() {
                    Some(io) => {
                        std::mem::swap(&mut w.buf, &mut spare);
                        WriteStep::Write(io, std::mem::take(&mut w.unflushed))
                    }
                    None => WriteStep::Stop,
                }
            } else {
                match w.mode {
                    Mode::Open => WriteStep::Wait,
                    Mode::Closing if core.handlers_idle() => {
                        let (h, n) = control_frame(TAG_CLOSE, 0);
                        put_raw_frame(&mut w.buf, &h[..n]);
                        w.appended += (frame::LEN_PREFIX + n) as u64;
                        w.mode = Mode::Finished;
                        w.close_queued = true;
                        WriteStep::Again
                    }
                    Mode::Closing => WriteStep::Wait,
                    Mode::Finished => WriteStep::Finish(w.io.take()),
                    Mode::Failed => WriteStep::Stop,
                }
            }
        };
        match step {
            WriteStep::Write(mut io, unflushed) => {
                io.write_all(&spare).await?;
                io.flush().await?;
                let n = spare.len() as u64 + unflushed;
                spare.clear();
                if spare.capacity() > keep {
                    spare = BytesMut::with_capacity(8 * 1024);
                }
                {
                    let mut w = lock(&core.write);
                    w.io = Some(io);
                    w.flushed += n;
                }
                core.notify_progress();
            }
            WriteStep::Wait => {
                core.wake_writer.notified().await;
                // Let the tasks that are ready to run now (callers woken by a batch of
                // answers, say) append their frames first: one write instead of many.
                tokio::task::yield_now().await;
            }
            WriteStep::Again => {}
            WriteStep::Finish(io) => {
                if let Some(mut io) = io {
                    io.flush().await?;
                    let _ = io.shutdown().await;
                }
                {
                    let mut w = lock(&core.write);
                    w.close_flushed = w.close_queued;
                }
                core.phase.send_if_modified(|p| {
                    if *p < Phase::WriteDone {
                        *p = Phase::WriteDone;
                        true
                    } else {
                        false
                    }
                });
                tracing::debug!("write side done");
                return Ok(());
            }
            WriteStep::Stop => return Ok(()),
        }
    }
}

/// How much the reader asks for in one read, at least and at most.
const MIN_READ_CHUNK: usize = 8 * 1024;
const MAX_READ_CHUNK: usize = 64 * 1024;

/// How the read loop ended without an error.
enum ReadEnd {
    PeerClosed,
    Eof,
}

async fn reader_task(
    core: Arc<Core>,
    mut io: BoxReader,
    leftover: BytesMut,
    inbound: Arc<Inbound>,
) {
    let linger = async {
        core.wait_phase(Phase::WriteDone).await;
        tokio::time::sleep(core.opts.close_timeout).await;
    };
    let result = tokio::select! {
        r = read_loop(&core, &mut io, leftover, &inbound) => Some(r),
        () = core.cancel.cancelled() => None,
        () = linger => {
            tracing::debug!("the peer did not answer our close frame in time");
            None
        }
    };
    match result {
        None => {}
        Some(Ok(ReadEnd::PeerClosed)) => {
            tracing::debug!("peer closed the connection");
            // The peer sends nothing more: its answers to our calls will not come.
            core.close_pending();
            core.begin_close();
            // Wait for our own close frame to go out before dropping the read half.
            tokio::select! {
                () = core.wait_phase(Phase::WriteDone) => {}
                () = core.cancel.cancelled() => {}
            }
        }
        Some(Ok(ReadEnd::Eof)) => {
            let closing = lock(&core.write).mode != Mode::Open;
            if closing {
                tracing::debug!("peer hung up after our close frame");
            } else {
                core.fail(Error::Disconnected);
            }
        }
        Some(Err(e @ (Error::FrameTooLarge { .. } | Error::Protocol(_)))) => {
            core.fail_with_notice(e);
            inbound.close();
            let _ =
                tokio::time::timeout(core.opts.close_timeout, core.wait_phase(Phase::WriteDone))
                    .await;
            core.cancel.cancel();
            core.task_done();
            return;
        }
        Some(Err(e)) => core.fail(e),
    }
    core.close_pending();
    inbound.close();
    core.task_done();
}

async fn read_loop(
    core: &Arc<Core>,
    io: &mut BoxReader,
    mut buf: BytesMut,
    inbound: &Inbound,
) -> Result<ReadEnd> {
    let max = core.opts.max_frame_length;
    let mut batch = Vec::new();
    let mut chunk = MIN_READ_CHUNK;
    core.touch();
    loop {
        let end = handle_frames(core, &mut buf, max, &mut batch, inbound).await;
        // Messages parsed before a close frame or an error are delivered first.
        if !batch.is_empty() {
            inbound.push(&mut batch).await;
        }
        if let Some(end) = end? {
            return Ok(end);
        }
        // Read in chunks of 8 KiB while reads come in small, up to 64 KiB while they
        // fill the buffer (a stream of messages): fewer, larger reads and batches.
        if buf.capacity() - buf.len() < chunk / 2 {
            buf.reserve(chunk);
        }
        let room = buf.capacity() - buf.len();
        let n = io.read_buf(&mut buf).await?;
        chunk = if n == room {
            (chunk * 2).min(MAX_READ_CHUNK)
        } else {
            MIN_READ_CHUNK
        };
        if n == 0 {
            return if buf.is_empty() {
                Ok(ReadEnd::Eof)
            } else {
                Err(frame::truncated(&buf))
            };
        }
        core.touch();
    }
}

/// Holds back the answers the reader produces while it handles the frames of one read,
/// and writes them together when dropped (see [`Core::begin_deferred`]).
struct Deferral<'a> {
    core: &'a Core,
    on: bool,
}

impl Deferral<'_> {
    fn begin(&mut self) {
        if !self.on {
            self.core.begin_deferred();
            self.on = true;
        }
    }

    /// Writes now: before the reader waits for anything.
    fn end(&mut self) {
        if self.on {
            self.on = false;
            self.core.end_deferred();
        }
    }
}

impl Drop for Deferral<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// Handles every complete frame in `buf`; messages are collected in `batch`. Answers to
/// requests and pings that are ready at once are written together at the end.
async fn handle_frames(
    core: &Arc<Core>,
    buf: &mut BytesMut,
    max: usize,
    batch: &mut Vec<Run>,
    inbound: &Inbound,
) -> Result<Option<ReadEnd>> {
    let mut deferral = Deferral { core, on: false };
    loop {
        // Messages, the bulk of the traffic, leave as runs: no per-message split.
        let (len, count) = frame::message_run(buf, max);
        if count > 0 {
            batch.push(Run {
                frames: buf.split_to(len).freeze(),
                count,
            });
        }
        let Some(payload) = take_frame(buf, max)? else {
            break;
        };
        match Frame::parse(payload)? {
            Frame::Message(body) => batch.push(Run::single(&body)),
            Frame::Request(id, body) => {
                if core.permits.available_permits() == 0 {
                    // About to wait for a handler slot: write the answers so far, and
                    // deliver the messages read so far (running handlers may be waiting
                    // for them).
                    deferral.end();
                    if !batch.is_empty() {
                        inbound.push(batch).await;
                    }
                } else {
                    // Only this task takes permits: the slot is there, nothing waits.
                    deferral.begin();
                }
                core.dispatch_request(id, body).await;
            }
            Frame::Response(id, body) => core.complete(id, Ok(body)),
            Frame::Error(0, message) => return Err(Error::Remote(message)),
            Frame::Error(id, message) => core.complete(id, Err(Error::Remote(message))),
            Frame::Close => return Ok(Some(ReadEnd::PeerClosed)),
            Frame::Ping(n) => {
                deferral.begin();
                let (h, len) = control_frame(TAG_PONG, n);
                let _ = core.push_internal::<()>(&h[..len], None);
            }
            Frame::Pong(n) => tracing::trace!(n, "pong"),
            Frame::Unknown(kind) => tracing::trace!(kind, "ignored a frame of unknown kind"),
        }
    }
    Ok(None)
}

async fn keepalive_task(core: Arc<Core>, interval: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut nonce = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = core.cancel.cancelled() => return,
            () = core.wait_phase(Phase::Done) => return,
        }
        let now = core.started.elapsed().as_millis() as u64;
        let silent =
            Duration::from_millis(now.saturating_sub(core.last_recv.load(Ordering::Relaxed)));
        if silent >= timeout {
            core.fail(Error::Timeout {
                operation: "keepalive",
                after: timeout,
            });
            return;
        }
        nonce += 1;
        let (h, n) = control_frame(TAG_PING, nonce);
        if core.push_internal::<()>(&h[..n], None).is_err() {
            return;
        }
    }
}
