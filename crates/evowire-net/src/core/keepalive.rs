//! Keepalive: pings at an interval, and the end of a connection whose peer stays silent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Core, Phase};
use crate::error::Error;
use crate::frame::{control_frame, TAG_PING};

/// When bytes last arrived.
pub(super) struct Liveness {
    started: Instant,
    /// Milliseconds since `started` when the reader last got bytes.
    last_recv: AtomicU64,
}

impl Liveness {
    pub(super) fn new() -> Self {
        Liveness {
            started: Instant::now(),
            last_recv: AtomicU64::new(0),
        }
    }
}

impl Core {
    /// Notes that bytes arrived, for the keepalive (only it reads the clock for this).
    pub(super) fn touch(&self) {
        if self.opts.keepalive.is_some() {
            let ms = self.liveness.started.elapsed().as_millis() as u64;
            self.liveness.last_recv.store(ms, Ordering::Relaxed);
        }
    }
}

pub(super) async fn keepalive_task(core: Arc<Core>, interval: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut nonce = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = core.life.cancel.cancelled() => return,
            () = core.wait_phase(Phase::Done) => return,
        }
        let now = core.liveness.started.elapsed().as_millis() as u64;
        let silent = Duration::from_millis(
            now.saturating_sub(core.liveness.last_recv.load(Ordering::Relaxed)),
        );
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
