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
//! takes the whole queue at once into a local one.
//!
//! Two limits make the reader wait, which stops it reading from the transport
//! (backpressure: the peer's TCP window fills and its `send` waits):
//!
//! * **bytes** (`budget`): the frames of every run pushed and not yet read through by the
//!   receiver, whether still in the shared queue or already taken into its local one. A
//!   run is released when the receiver moves past its last message, so the memory an
//!   unread receiver holds is bounded by the budget plus the last batch pushed. A batch is
//!   always queued, even above the budget, and the reader waits afterwards: a frame larger
//!   than the budget is delivered alone instead of blocking forever.
//! * **messages** (`capacity`): messages in the shared queue, not yet taken by the
//!   receiver.
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
    /// Bytes of the runs pushed and not yet released by the receiver (in `runs`, or taken
    /// into the receiver's local queue and not yet read through).
    held: usize,
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
    /// Messages in the shared queue at which the reader waits.
    capacity: usize,
    /// Bytes held at which the reader waits.
    budget: usize,
}

impl State {
    /// The reader must wait for the receiver.
    fn full(&self, capacity: usize, budget: usize) -> bool {
        self.queued >= capacity || self.held >= budget
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inbound {
    /// A queue whose reader waits at `capacity` messages or `budget` bytes (each at least 1).
    pub(crate) fn new(capacity: usize, budget: usize) -> (Arc<Inbound>, InboundReceiver) {
        let shared = Arc::new(Inbound {
            state: Mutex::new(State {
                runs: VecDeque::new(),
                queued: 0,
                held: 0,
                closed: false,
                receiver_gone: false,
            }),
            waker: AtomicWaker::new(),
            space: Notify::new(),
            capacity: capacity.max(1),
            budget: budget.max(1),
        });
        let receiver = InboundReceiver {
            shared: shared.clone(),
            local: VecDeque::new(),
            current: Bytes::new(),
            pos: 0,
            finished: 0,
        };
        (shared, receiver)
    }

    /// Queues `batch` (leaving it empty), then waits while the queue is full (see the
    /// module docs: the batch is queued whatever its size).
    pub(crate) async fn push(&self, batch: &mut Vec<Run>) {
        let full = {
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
                s.held += run.frames.len();
                s.runs.push_back(run);
            }
            s.full(self.capacity, self.budget)
        };
        self.waker.wake();
        if !full {
            return;
        }
        wait_for(&self.space, || {
            let s = lock(&self.state);
            (!s.full(self.capacity, self.budget) || s.receiver_gone).then_some(())
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
    /// Bytes of runs read through and not yet released to the reader's budget.
    finished: usize,
}

impl InboundReceiver {
    /// The next message body, or `None` once the reader is done and everything was taken.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<&[u8]>> {
        if self.pos >= self.current.len() {
            // The current run is read through: its memory goes now, its bytes go back to
            // the budget with the next lock taken.
            self.finished += std::mem::take(&mut self.current).len();
            let run = match self.local.pop_front() {
                Some(run) => {
                    if self.finished > 0 {
                        self.release();
                    }
                    run
                }
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

    /// True while messages wait to be read, or the reader may still push some.
    pub(crate) fn holds_messages(&self) -> bool {
        if self.pos < self.current.len() || !self.local.is_empty() {
            return true;
        }
        let s = lock(&self.shared.state);
        !s.runs.is_empty() || !s.closed
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
        self.with_release(|local, s| {
            if !s.runs.is_empty() {
                std::mem::swap(&mut s.runs, local);
                s.queued = 0;
                return Some(local.pop_front());
            }
            s.closed.then_some(None)
        })
    }

    /// Gives the bytes of the runs read through back to the reader's budget.
    fn release(&mut self) {
        self.with_release(|_, _| ());
    }

    /// Runs `f` on the shared state after giving the bytes of the runs read through back
    /// to the reader's budget, and wakes the reader if it waits and now has room.
    fn with_release<T>(&mut self, f: impl FnOnce(&mut VecDeque<Run>, &mut State) -> T) -> T {
        let shared = &*self.shared;
        let mut s = lock(&shared.state);
        let was_full = s.full(shared.capacity, shared.budget);
        s.held = s.held.saturating_sub(std::mem::take(&mut self.finished));
        let out = f(&mut self.local, &mut s);
        let room = was_full && !s.full(shared.capacity, shared.budget);
        drop(s);
        if room {
            shared.space.notify_one();
        }
        out
    }
}

impl Drop for InboundReceiver {
    fn drop(&mut self) {
        {
            let mut s = lock(&self.shared.state);
            s.receiver_gone = true;
            s.runs.clear();
            s.queued = 0;
            s.held = 0;
        }
        self.shared.space.notify_one();
    }
}
