//! Calls: request ids, the table of calls waiting for their answer, and timeouts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::oneshot;

use super::{lock, Core};
use crate::error::{Error, Result};
use crate::frame::{id_header, TAG_REQUEST};

/// The calls of one connection.
pub(super) struct Calls {
    pending: Mutex<Pending>,
    next_id: AtomicU64,
    /// Calls waiting for their answer: a lone call writes its request directly.
    in_flight: AtomicUsize,
}

struct Pending {
    calls: HashMap<u64, oneshot::Sender<Result<Bytes>>>,
    /// No new call is accepted (see the lifecycle table).
    closed: bool,
}

impl Calls {
    pub(super) fn new() -> Self {
        Calls {
            pending: Mutex::new(Pending {
                calls: HashMap::new(),
                closed: false,
            }),
            next_id: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
        }
    }
}

impl Core {
    /// Sends a request and waits for its response body.
    pub(crate) async fn call<T: Serialize + ?Sized>(
        &self,
        req: &T,
        timeout: Option<Duration>,
    ) -> Result<Bytes> {
        let call = async {
            let id = self.calls.next_id.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = oneshot::channel();
            {
                let mut p = lock(&self.calls.pending);
                if p.closed {
                    return Err(Error::Closed);
                }
                p.calls.insert(id, tx);
            }
            let alone = self.calls.in_flight.fetch_add(1, Ordering::Relaxed) == 0;
            let mut guard = PendingGuard {
                calls: &self.calls,
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

    /// Hands the answer of call `id` to its caller, if it still waits.
    pub(super) fn complete(&self, id: u64, result: Result<Bytes>) {
        let tx = lock(&self.calls.pending).calls.remove(&id);
        match tx {
            Some(tx) => {
                let _ = tx.send(result);
            }
            None => tracing::trace!(id, "response to a call that is gone (timed out)"),
        }
    }

    /// Fails every pending call with [`Error::Closed`] and refuses new ones.
    pub(super) fn close_pending(&self) {
        let calls = {
            let mut p = lock(&self.calls.pending);
            p.closed = true;
            std::mem::take(&mut p.calls)
        };
        for (_, tx) in calls {
            let _ = tx.send(Err(Error::Closed));
        }
    }
}

/// Removes a call from the pending table when the caller gives up (timeout, drop).
struct PendingGuard<'a> {
    calls: &'a Calls,
    id: u64,
    armed: bool,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.calls.in_flight.fetch_sub(1, Ordering::Relaxed);
        if self.armed {
            lock(&self.calls.pending).calls.remove(&self.id);
        }
    }
}
