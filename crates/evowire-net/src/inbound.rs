//! The queue of received message bodies between the reader task and the [`Receiver`].
//!
//! The reader pushes every message parsed from one read as a batch (one lock, at most one
//! wake-up), and the receiver takes the whole queue at once into a local one, so the
//! per-message cost is a push and a pop. When the queue holds `capacity` messages or more
//! the reader waits, which stops it reading from the transport: backpressure.
//!
//! [`Receiver`]: crate::Receiver

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::task::AtomicWaker;
use tokio::sync::Notify;

struct State {
    items: VecDeque<Bytes>,
    /// The reader is done: no more items will come.
    closed: bool,
    /// The receiver was dropped: items are discarded.
    receiver_gone: bool,
}

/// The reader's side.
pub(crate) struct Inbound {
    state: Mutex<State>,
    /// The receiver waiting for items.
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
                items: VecDeque::new(),
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
        };
        (shared, receiver)
    }

    /// Queues `batch` (leaving it empty), then waits while the queue is full.
    pub(crate) async fn push(&self, batch: &mut Vec<Bytes>) {
        let len = {
            let mut s = lock(&self.state);
            if s.receiver_gone {
                tracing::trace!(
                    count = batch.len(),
                    "messages dropped: the receiver is gone"
                );
                batch.clear();
                return;
            }
            s.items.extend(batch.drain(..));
            s.items.len()
        };
        self.waker.wake();
        if len < self.capacity {
            return;
        }
        loop {
            let notified = self.space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let s = lock(&self.state);
                if s.items.len() < self.capacity || s.receiver_gone {
                    return;
                }
            }
            notified.await;
        }
    }

    /// No more items will come.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.waker.wake();
    }
}

/// The receiver's side.
pub(crate) struct InboundReceiver {
    shared: Arc<Inbound>,
    local: VecDeque<Bytes>,
}

impl InboundReceiver {
    /// The next body, or `None` once the reader is done and everything was taken.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if let Some(item) = self.local.pop_front() {
            return Poll::Ready(Some(item));
        }
        if let Some(ready) = self.take() {
            return Poll::Ready(ready);
        }
        self.shared.waker.register(cx.waker());
        // Check again: the reader may have pushed between the first check and `register`.
        match self.take() {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Takes the shared queue; `None` if there is nothing yet.
    fn take(&mut self) -> Option<Option<Bytes>> {
        let mut s = lock(&self.shared.state);
        if !s.items.is_empty() {
            std::mem::swap(&mut s.items, &mut self.local);
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
            s.items.clear();
        }
        self.shared.space.notify_one();
    }
}
