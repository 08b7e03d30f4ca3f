//! Sending: the shared write buffer, backpressure, direct writes and the writer task.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

use super::lifecycle::{CloseFrame, Mode};
use super::{lock, BoxWriter, Core};
use crate::error::{Error, Result};
use crate::frame::{
    self, control_frame, encode_frame, id_header, put_raw_frame, TAG_CLOSE, TAG_ERROR, TAG_MESSAGE,
    TAG_RESPONSE,
};

/// The initial capacity of the write buffer and of the writer task's spare one.
const WRITE_BUFFER: usize = 8 * 1024;

/// The write side of a connection.
pub(super) struct Outbound {
    pub(super) state: Mutex<WriteState>,
    /// Wakes the writer (permit semantics: never lost).
    pub(super) wake_writer: Notify,
}

impl Outbound {
    pub(super) fn new(io: BoxWriter) -> Self {
        Outbound {
            state: Mutex::new(WriteState {
                buf: BytesMut::with_capacity(WRITE_BUFFER),
                mode: Mode::Open,
                close: CloseFrame::NotQueued,
                appended: 0,
                flushed: 0,
                io: Some(io),
                unflushed: 0,
                deferred: false,
            }),
            wake_writer: Notify::new(),
        }
    }
}

pub(super) struct WriteState {
    pub(super) buf: BytesMut,
    /// Where the write side is (see the lifecycle table).
    pub(super) mode: Mode,
    /// How far our close frame got.
    pub(super) close: CloseFrame,
    /// Bytes ever appended / ever written (and flushed) to the transport.
    pub(super) appended: u64,
    flushed: u64,
    /// The transport's write half while the writer task is not using it. A direct writer
    /// (see [`Core::write_direct`]) uses it in place, under this lock; the writer task takes
    /// it out for the time of an asynchronous write.
    pub(super) io: Option<BoxWriter>,
    /// Bytes written directly whose flush did not complete: the writer task flushes them.
    unflushed: u64,
    /// The reader is handling the frames of one read and writes the answers they produce
    /// itself afterwards: appending to an empty buffer does not wake the writer meanwhile.
    deferred: bool,
}

impl Core {
    /// Appends a user frame (message or request), waiting while the send buffer is full.
    /// With `direct`, a frame that finds the buffer empty and the writer task idle is
    /// written to the transport right here (see [`write_direct`](Self::write_direct)).
    pub(crate) async fn send_frame<T: Serialize + ?Sized>(
        &self,
        header: &[u8],
        body: &T,
        direct: bool,
    ) -> Result<()> {
        self.progress
            .wait_until(|| {
                let w = lock(&self.out.state);
                if w.mode != Mode::Open {
                    return Some(Err(Error::Closed));
                }
                if w.buf.len() < self.opts.send_buffer {
                    return Some(self.append_locked(w, header, body, direct));
                }
                None
            })
            .await
    }

    /// Appends a message without waiting for room (the `Sink` path, after `poll_ready`).
    pub(crate) fn push_message<T: Serialize + ?Sized>(&self, body: &T) -> Result<()> {
        let w = lock(&self.out.state);
        if w.mode != Mode::Open {
            return Err(Error::Closed);
        }
        self.append_locked(w, &[TAG_MESSAGE], body, false)
    }

    /// `Ok(true)` when a user frame would be accepted now without waiting.
    pub(crate) fn has_room(&self) -> Result<bool> {
        let w = lock(&self.out.state);
        if w.mode != Mode::Open {
            return Err(Error::Closed);
        }
        Ok(w.buf.len() < self.opts.send_buffer)
    }

    /// Waits until the send buffer has room (or the connection is closed).
    pub(crate) async fn wait_room(self: Arc<Self>) -> Result<()> {
        self.progress
            .wait_until(|| match self.has_room() {
                Ok(false) => None,
                Ok(true) => Some(Ok(())),
                Err(e) => Some(Err(e)),
            })
            .await
    }

    /// Waits until everything appended before this call reached the transport.
    pub(crate) async fn flush(self: Arc<Self>) -> Result<()> {
        let target = lock(&self.out.state).appended;
        self.progress
            .wait_until(|| {
                let w = lock(&self.out.state);
                if w.flushed >= target {
                    return Some(Ok(()));
                }
                if w.mode == Mode::Failed {
                    return Some(Err(Error::Closed));
                }
                None
            })
            .await
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
                self.out.wake_writer.notify_one();
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
            self.out.wake_writer.notify_one();
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
        if !w.mode.accepts_internal() {
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
            self.progress.notify();
        }
        done
    }

    /// The reader is about to handle frames that may produce answers: hold them back
    /// until [`end_deferred`](Self::end_deferred), which writes them all at once.
    fn begin_deferred(&self) {
        lock(&self.out.state).deferred = true;
    }

    /// Writes what was produced since [`begin_deferred`](Self::begin_deferred), directly
    /// if the writer task is idle, else through it.
    fn end_deferred(&self) {
        let mut w = lock(&self.out.state);
        w.deferred = false;
        if w.buf.is_empty() {
            return;
        }
        let done = self.write_direct(&mut w);
        drop(w);
        if !done {
            self.out.wake_writer.notify_one();
        }
    }

    /// Appends a response, error, ping or pong: no waiting, refused only once the close
    /// frame is queued.
    pub(super) fn push_internal<T: Serialize + ?Sized>(
        &self,
        header: &[u8],
        body: Option<&T>,
    ) -> Result<()> {
        let mut w = lock(&self.out.state);
        if !w.mode.accepts_internal() {
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
}

/// Holds back the answers the reader produces while it handles the frames of one read,
/// and writes them together when dropped (see [`Core::begin_deferred`]).
pub(super) struct Deferral<'a> {
    core: &'a Core,
    on: bool,
}

impl<'a> Deferral<'a> {
    pub(super) fn new(core: &'a Core) -> Self {
        Deferral { core, on: false }
    }

    pub(super) fn begin(&mut self) {
        if !self.on {
            self.core.begin_deferred();
            self.on = true;
        }
    }

    /// Writes now: before the reader waits for anything.
    pub(super) fn end(&mut self) {
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

enum WriteStep {
    Write(BoxWriter, u64),
    Wait,
    Again,
    Finish(Option<BoxWriter>),
    Stop,
}

pub(super) async fn writer_task(core: Arc<Core>) {
    let result = tokio::select! {
        r = write_loop(&core) => r,
        () = core.life.cancel.cancelled() => Ok(()),
    };
    if let Err(e) = result {
        core.fail(e);
    }
    core.task_done();
}

async fn write_loop(core: &Core) -> Result<()> {
    let keep = core.opts.send_buffer.max(64 * 1024) * 2;
    let mut spare = BytesMut::with_capacity(WRITE_BUFFER);
    loop {
        let step = {
            let mut w = lock(&core.out.state);
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
                        w.close = CloseFrame::Queued;
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
                    spare = BytesMut::with_capacity(WRITE_BUFFER);
                }
                {
                    let mut w = lock(&core.out.state);
                    w.io = Some(io);
                    w.flushed += n;
                }
                core.progress.notify();
            }
            WriteStep::Wait => {
                core.out.wake_writer.notified().await;
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
                core.write_done();
                tracing::debug!("write side done");
                return Ok(());
            }
            WriteStep::Stop => return Ok(()),
        }
    }
}
