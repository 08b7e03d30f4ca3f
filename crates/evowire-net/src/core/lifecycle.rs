//! Where a connection is in its life: opening, closing gracefully, failing, done.
//!
//! The state is kept where the code that checks it already holds a lock, so the hot
//! paths pay nothing extra for it: the write side's [`Mode`] and [`CloseFrame`] live in
//! the write state (every send takes that lock anyway), the [`Phase`] of the whole
//! connection is a `watch` channel that handles and tasks wait on, and [`Lifecycle`]
//! holds the rest. Together they move through these states:
//!
//! | state        | `Mode` / `Phase`          | what is allowed                                   | what moves it on |
//! |--------------|---------------------------|---------------------------------------------------|------------------|
//! | open         | `Open` / `Open`           | everything: messages, calls, answers, pings       | [`begin_close`](Core::begin_close) (`close()`, the last `Sender` dropped, the peer's close frame): closing. [`fail_with_notice`](Core::fail_with_notice) (the peer broke the framing or protocol): finished. [`fail`](Core::fail) (I/O error, end of stream without a close frame, keepalive timeout): failed |
//! | closing      | `Closing` / `Open`        | answers, pongs and error frames; user messages and calls fail with `Closed`; new requests get an error answer | the writer, once the buffer is empty and no handler runs, queues the close frame (`CloseFrame::Queued`): finished. `fail`: failed |
//! | finished     | `Finished` / `Open`       | nothing new; the writer flushes what is queued    | the writer flushed and shut the write half down (`CloseFrame::Flushed` if the close frame was queued): write done. `fail`: failed |
//! | write done   | `Finished` / `WriteDone`  | the reader reads on until the peer's close frame, the end of the stream or the close timeout | both tasks ended: done |
//! | failed       | `Failed` / `Open` or `WriteDone` | nothing is written: buffer cleared, transport dropped, `cancel` cancelled | both tasks ended: done |
//! | done         | `Failed` / `Done`         | nothing; `close()` returns `Ok` only if `CloseFrame::Flushed` | final |
//!
//! Alongside, on the way:
//!
//! * pending calls are failed with `Closed` and new calls refused ([`Core::close_pending`])
//!   when the peer's close frame arrives, on `fail`, when the reader ends and at done;
//! * the first error that ends the connection is kept in [`Lifecycle::fatal`] and reported
//!   once, by the receiver;
//! * the cancellation token stops the writer, reader and keepalive tasks on `fail`, at
//!   done, and after the notice of `fail_with_notice` went out (or the close timeout);
//! * waiters for room or a flush are woken at each change ([`Progress::notify_all`]), and
//!   `Phase` only moves forward.
//!
//! [`Progress::notify_all`]: super::Progress::notify_all

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{lock, Core};
use crate::error::{Error, Result};
use crate::frame::{encode_frame, id_header, TAG_ERROR};

/// Where the write side is (in the write state, under the write lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
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

impl Mode {
    /// Answers and control frames may still be appended.
    pub(super) fn accepts_internal(self) -> bool {
        matches!(self, Mode::Open | Mode::Closing)
    }
}

/// How far our close frame got (in the write state, under the write lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CloseFrame {
    NotQueued,
    Queued,
    /// It reached the transport, which was then shut down.
    Flushed,
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

/// The lifecycle state outside the write lock.
pub(super) struct Lifecycle {
    /// The error that ended the connection, until the receiver takes it.
    fatal: Mutex<Option<Error>>,
    /// Stops the tasks.
    pub(super) cancel: CancellationToken,
    phase: watch::Sender<Phase>,
    /// Writer and reader tasks still running.
    tasks: AtomicUsize,
}

impl Lifecycle {
    pub(super) fn new() -> Self {
        Lifecycle {
            fatal: Mutex::new(None),
            cancel: CancellationToken::new(),
            phase: watch::Sender::new(Phase::Open),
            tasks: AtomicUsize::new(2),
        }
    }
}

impl Core {
    /// Starts a graceful close (idempotent).
    pub(crate) fn begin_close(&self) {
        let mut w = lock(&self.out.state);
        if w.mode == Mode::Open {
            w.mode = Mode::Closing;
            drop(w);
            tracing::debug!(parent: &self.span, "closing");
            self.out.wake_writer.notify_one();
            self.progress.notify_all();
        }
    }

    /// Closes gracefully and waits until the connection has ended. `Ok` if our close
    /// frame reached the transport.
    pub(crate) async fn close(self: Arc<Self>) -> Result<()> {
        self.begin_close();
        self.wait_phase(Phase::Done).await;
        if lock(&self.out.state).close == CloseFrame::Flushed {
            Ok(())
        } else {
            Err(Error::Closed)
        }
    }

    pub(crate) async fn wait_phase(&self, phase: Phase) {
        let mut rx = self.life.phase.subscribe();
        let _ = rx.wait_for(|p| *p >= phase).await;
    }

    /// The writer flushed our last frame and shut the write half down.
    pub(super) fn write_done(&self) {
        {
            let mut w = lock(&self.out.state);
            if w.close == CloseFrame::Queued {
                w.close = CloseFrame::Flushed;
            }
        }
        self.life.phase.send_if_modified(|p| {
            if *p < Phase::WriteDone {
                *p = Phase::WriteDone;
                true
            } else {
                false
            }
        });
    }

    /// True once nothing more can be sent.
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.out.state).mode != Mode::Open
    }

    /// Takes the error that ended the connection (reported once, by the receiver).
    pub(crate) fn take_fatal(&self) -> Option<Error> {
        lock(&self.life.fatal).take()
    }

    /// Ends the connection at once because of `err`.
    pub(super) fn fail(&self, err: Error) {
        tracing::warn!(parent: &self.span, error = %err, "connection failed");
        let io = {
            let mut w = lock(&self.out.state);
            w.mode = Mode::Failed;
            w.buf.clear();
            w.io.take()
        };
        // Nothing more is written: let the transport go (closing its write direction).
        drop(io);
        lock(&self.life.fatal).get_or_insert(err);
        self.close_pending();
        self.life.cancel.cancel();
        self.out.wake_writer.notify_one();
        self.progress.notify_all();
    }

    /// Ends the connection because the peer broke the protocol: tell it why (error frame
    /// with id 0) after what is already queued, then stop.
    pub(super) fn fail_with_notice(&self, err: Error) {
        tracing::warn!(parent: &self.span, error = %err, "connection failed");
        {
            let mut w = lock(&self.out.state);
            if w.mode.accepts_internal() {
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
        lock(&self.life.fatal).get_or_insert(err);
        self.close_pending();
        self.out.wake_writer.notify_one();
        self.progress.notify_all();
    }

    /// A writer or reader task ended; the last one to end makes the connection done.
    pub(super) fn task_done(&self) {
        if self.life.tasks.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close_pending();
            let io = {
                let mut w = lock(&self.out.state);
                if w.mode != Mode::Failed {
                    w.mode = Mode::Failed;
                    w.buf.clear();
                }
                w.io.take()
            };
            drop(io);
            self.life.cancel.cancel();
            self.life.phase.send_replace(Phase::Done);
            self.progress.notify_all();
            tracing::debug!(parent: &self.span, "connection ended");
        }
    }
}
