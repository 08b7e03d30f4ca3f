//! What [`Consumer::process`](crate::Consumer::process) reports: an [`Event`] for every
//! failure, live [`Counters`], and the [`ProcessSummary`] it returns.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::Subject;

use crate::error::Error;

/// A failure (or a dead letter) seen by [`Consumer::process`](crate::Consumer::process),
/// passed to the callback of [`ProcessOptions::with_on_event`](crate::ProcessOptions::with_on_event).
///
/// # Examples
///
/// ```
/// use evowire_nats::{Event, ProcessOptions};
///
/// let options = ProcessOptions::new().with_on_event(|event: &Event| match event {
///     Event::Unreadable { error, stream_sequence, .. } => {
///         eprintln!("message #{stream_sequence} is unreadable: {error}");
///     }
///     Event::DeadLettered { stream_sequence, dead_letter_subject, .. } => {
///         eprintln!("message #{stream_sequence} moved to {dead_letter_subject}");
///     }
///     other => eprintln!("{other}"),
/// });
/// # drop(options);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A message could not be decoded ([`Error::Decode`], whose source carries the byte
    /// offset) or came from an incompatible sender ([`Error::Incompatible`]); both name the
    /// subject. It is dead-lettered if a dead-letter subject is set, and terminated.
    Unreadable {
        /// Why it is unreadable.
        error: Error,
        /// Its stream sequence.
        stream_sequence: u64,
        /// How often it was delivered.
        delivered: i64,
    },
    /// The handler returned an error. `retry_in` is `Some(delay)` when the message was
    /// nak'ed to come back after `delay` (zero: at once), `None` when this was its last
    /// delivery.
    HandlerFailed {
        /// The subject it was published on.
        subject: Subject,
        /// Its stream sequence.
        stream_sequence: u64,
        /// How often it was delivered, this time included.
        delivered: i64,
        /// The handler's error (`Display`).
        error: String,
        /// When it comes back, if it does.
        retry_in: Option<Duration>,
    },
    /// A message was published to the dead-letter subject after its last failed delivery
    /// (or because it is unreadable), then terminated.
    DeadLettered {
        /// The subject it was published on.
        subject: Subject,
        /// Its stream sequence.
        stream_sequence: u64,
        /// How often it was delivered.
        delivered: i64,
        /// Where it went.
        dead_letter_subject: Subject,
        /// The last error (also in its [`HEADER_DEAD_LETTER_ERROR`](crate::HEADER_DEAD_LETTER_ERROR) header).
        error: String,
    },
    /// Publishing a dead letter failed: the message was nak'ed instead (it comes back if
    /// the consumer's `max_deliver` allows it).
    DeadLetterFailed {
        /// Its stream sequence.
        stream_sequence: u64,
        /// Why the publish failed.
        error: Error,
    },
    /// The handler succeeded but the ack (or a nak or term) was not confirmed: the message
    /// may be delivered again.
    AckFailed {
        /// Its stream sequence.
        stream_sequence: u64,
        /// The client's error.
        error: Error,
    },
    /// A handler was still running at the stop deadline: it was cut off and its message
    /// nak'ed, so it is redelivered.
    Abandoned {
        /// The subject it was published on.
        subject: Subject,
        /// Its stream sequence.
        stream_sequence: u64,
    },
    /// Receiving from the consumer failed (a missed heartbeat, a failed pull); `process`
    /// goes on.
    ConsumerError {
        /// The client's error.
        error: Error,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Unreadable {
                error,
                stream_sequence,
                ..
            } => write!(
                f,
                "message #{stream_sequence} is unreadable: {}",
                crate::error::Chain(error)
            ),
            Event::HandlerFailed {
                stream_sequence,
                delivered,
                error,
                retry_in,
                ..
            } => {
                write!(
                    f,
                    "handler failed on message #{stream_sequence} (delivery {delivered}): {error}"
                )?;
                match retry_in {
                    Some(delay) => write!(f, "; redelivery in {delay:?}"),
                    None => write!(f, "; last delivery"),
                }
            }
            Event::DeadLettered {
                stream_sequence,
                dead_letter_subject,
                error,
                ..
            } => write!(
                f,
                "message #{stream_sequence} dead-lettered to `{dead_letter_subject}`: {error}"
            ),
            Event::DeadLetterFailed {
                stream_sequence,
                error,
            } => write!(
                f,
                "cannot dead-letter message #{stream_sequence}: {}",
                crate::error::Chain(error)
            ),
            Event::AckFailed {
                stream_sequence,
                error,
            } => write!(
                f,
                "ack of message #{stream_sequence} failed: {}",
                crate::error::Chain(error)
            ),
            Event::Abandoned {
                stream_sequence, ..
            } => write!(
                f,
                "handler of message #{stream_sequence} cut off at the stop deadline"
            ),
            Event::ConsumerError { error } => {
                write!(f, "consumer error: {}", crate::error::Chain(error))
            }
        }
    }
}

/// What [`Consumer::process`](crate::Consumer::process) did, returned when it stops and
/// read live from [`Counters::snapshot`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessSummary {
    /// Messages whose handler succeeded and whose ack the server confirmed.
    pub processed: u64,
    /// Handler errors (each failed attempt counts).
    pub failed: u64,
    /// Messages that were unreadable (see [`Event::Unreadable`]).
    pub unreadable: u64,
    /// Messages published to the dead-letter subject.
    pub dead_lettered: u64,
    /// Messages given up for good (terminated): out of deliveries, or unreadable;
    /// dead-lettered ones included.
    pub terminated: u64,
    /// Handlers cut off at the stop deadline (their messages were nak'ed).
    pub abandoned: u64,
    /// Acks, naks and terms the server did not confirm.
    pub ack_failed: u64,
}

/// Live counters of one or more [`Consumer::process`](crate::Consumer::process) runs,
/// shared through [`ProcessOptions::with_counters`](crate::ProcessOptions::with_counters).
/// Cheap to clone: clones count together.
///
/// # Examples
///
/// ```
/// use evowire_nats::{Counters, ProcessOptions};
///
/// let counters = Counters::new();
/// let options = ProcessOptions::new().with_counters(counters.clone());
/// # drop(options);
/// // … while `process` runs, for a metrics endpoint:
/// assert_eq!(counters.snapshot().processed, 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Counters {
    cells: Arc<Cells>,
}

#[derive(Debug, Default)]
struct Cells {
    processed: AtomicU64,
    failed: AtomicU64,
    unreadable: AtomicU64,
    dead_lettered: AtomicU64,
    terminated: AtomicU64,
    abandoned: AtomicU64,
    ack_failed: AtomicU64,
}

/// One of the counted things.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Count {
    Processed,
    Failed,
    Unreadable,
    DeadLettered,
    Terminated,
    Abandoned,
    AckFailed,
}

impl Counters {
    /// New counters, all zero.
    pub fn new() -> Counters {
        Counters::default()
    }

    /// The counts now.
    pub fn snapshot(&self) -> ProcessSummary {
        let c = &*self.cells;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ProcessSummary {
            processed: get(&c.processed),
            failed: get(&c.failed),
            unreadable: get(&c.unreadable),
            dead_lettered: get(&c.dead_lettered),
            terminated: get(&c.terminated),
            abandoned: get(&c.abandoned),
            ack_failed: get(&c.ack_failed),
        }
    }

    pub(crate) fn add(&self, count: Count) {
        let c = &*self.cells;
        let cell = match count {
            Count::Processed => &c.processed,
            Count::Failed => &c.failed,
            Count::Unreadable => &c.unreadable,
            Count::DeadLettered => &c.dead_lettered,
            Count::Terminated => &c.terminated,
            Count::Abandoned => &c.abandoned,
            Count::AckFailed => &c.ack_failed,
        };
        cell.fetch_add(1, Ordering::Relaxed);
    }
}
