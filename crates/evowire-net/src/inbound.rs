//! The queue of received messages between the reader task and the [`Receiver`].
//!
//! The reader does not split every message off its read buffer: it hands over **runs** of
//! consecutive message frames, each as one [`Bytes`] slice of the read buffer still in wire
//! layout (length prefix, the message tag `0x05`, body), together with how many messages
//! the run holds. One run per read is typical, so the per-message cost on the reader is a
//! length check, and the receiver walks the run and decodes each body straight from it:
//! no per-message `Bytes` (reference count traffic between two threads), no per-message
//! queue operation.
//!
//! Runs of one read are pushed as a batch (one lock, at most one wake-up); the receiver
//! takes the whole queue at once into a local one. When `capacity` messages or more are
//! queued, the reader waits, which stops it reading from the transport: backpressure.
//!
//! [`Receiver`]: crate::Receiver

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::task::AtomicWaker;
use tokio::sync::Notify;

use crate::core::wait_for;
use crate::frame;

/// Consecutive message frames in wire layout: `[len: u32 BE][0x05][body]` repeated. Built
/// by the reader, which has checked every length and tag.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) frames: Bytes,
    pub(crate) count: usize,
}

impl Run {
    /// A run of one message whose frame header was not the canonical single byte `0x05`
    /// (a longer varint encoding of the same tag): rebuilt in the canonical layout.
    pub(crate) fn single(body: &[u8]) -> Run {
        let mut frame = BytesMut::new();
        frame::put_message_frame(&mut frame, body);
        Run {
            frames: frame.freeze(),
            count: 1,
        }
    }
}

struct State {
    runs: VecDeque<Run>,
    /// Messages in `runs`.
    queued: usize,
    /// The reader is done: no more runs will come.
    closed: bool,
    /// The receiver was dropped: runs are discarded.
    receiver_gone: bool,
}

/// The reader's side.
pub(crate) struct Inbound {
    state: Mutex<State>,
    /// The receiver waiting for messages.
    waker: AtomicWaker,
    /// The reader waiting for room.
    space: Notify,
    capacity: usize,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inbound {
    pub(crate) fn new(capacity: usize) -> (Arc<Inbound>, InboundReceiver) {
        let shared = Arc::new(Inbound {
            state: Mutex::new(State {
                runs: VecDeque::new(),
                queued: 0,
                closed: false,
                receiver_gone: false,
            }),
            waker: AtomicWaker::new(),
            space: Notify::new(),
            capacity: capacity.max(1),
        });
        let receiver = InboundReceiver {
            shared: shared.clone(),
            local: VecDeque::new(),
            current: Bytes::new(),
            pos: 0,
        };
        (shared, receiver)
    }

    /// Queues `batch` (leaving it empty), then waits while the queue is full.
    pub(crate) async fn push(&self, batch: &mut Vec<Run>) {
        let queued = {
            let mut s = lock(&self.state);
            if s.receiver_gone {
                tracing::trace!(
                    count = batch.iter().map(|r| r.count).sum::<usize>(),
                    "messages dropped: the receiver is gone"
                );
                batch.clear();
                return;
            }
            for run in batch.drain(..) {
                s.queued += run.count;
                s.runs.push_back(run);
            }
            s.queued
        };
        self.waker.wake();
        if queued < self.capacity {
            return;
        }
        wait_for(&self.space, || {
            let s = lock(&self.state);
            (s.queued < self.capacity || s.receiver_gone).then_some(())
        })
        .await;
    }

    /// No more runs will come.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.waker.wake();
    }
}

/// The receiver's side.
pub(crate) struct InboundReceiver {
    shared: Arc<Inbound>,
    local: VecDeque<Run>,
    /// The run being read, and where its next frame starts.
    current: Bytes,
    pos: usize,
}

impl InboundReceiver {
    /// The next message body, or `None` once the reader is done and everything was taken.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<&[u8]>> {
        if self.pos >= self.current.len() {
            let run = match self.local.pop_front() {
                Some(run) => run,
                None => match self.take(cx) {
                    Poll::Ready(Some(run)) => run,
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                },
            };
            self.current = run.frames;
            self.pos = 0;
        }
        let rest = self.current.get(self.pos..).unwrap_or_default();
        let (body, len) = frame::run_message(rest);
        self.pos += len;
        Poll::Ready(Some(body))
    }

    /// Takes the shared queue into `local` and returns its first run; `None` at the end,
    /// pending while there is nothing yet.
    fn take(&mut self, cx: &mut Context<'_>) -> Poll<Option<Run>> {
        if let Some(ready) = self.try_take() {
            return Poll::Ready(ready);
        }
        self.shared.waker.register(cx.waker());
        // Check again: the reader may have pushed between the first check and `register`.
        match self.try_take() {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    fn try_take(&mut self) -> Option<Option<Run>> {
        let mut s = lock(&self.shared.state);
        if !s.runs.is_empty() {
            std::mem::swap(&mut s.runs, &mut self.local);
            s.queued = 0;
            drop(s);
            self.shared.space.notify_one();
            return Some(self.local.pop_front());
        }
        if s.closed {
            return Some(None);
        }
        None
    }
}

impl Drop for InboundReceiver {
    fn drop(&mut self) {
        {
            let mut s = lock(&self.shared.state);
            s.receiver_gone = true;
            s.runs.clear();
            s.queued = 0;
        }
        self.shared.space.notify_one();
    }
}
