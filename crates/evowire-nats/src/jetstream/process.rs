//! [`Consumer::process`]: handle every message, ack after success, retry with backoff,
//! dead-letter what keeps failing, report every failure, and stop gracefully.
//!
//! The loop fetches while fewer than `max_in_flight` handlers run. Each message is handled
//! by one future that ends with the message settled: acked, nak'ed (with the backoff
//! delay), or dead-lettered and terminated. On stop the loop stops fetching, drops the
//! consumer's subscription and waits for the running futures up to the deadline; then a
//! watch channel tells the rest to cut their handler off and nak their message.
//!
//! The server keeps this worker's last pull request until it expires and would hand a
//! message nak'ed after the stop to that request, whose subscription is gone. So once
//! stopping, naks carry a delay of at least [`PULL_EXPIRES`] plus a second: the message
//! comes back to a live worker instead of waiting out `ack_wait`.

use std::fmt::{self, Display};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::message::Acker;
use async_nats::jetstream::AckKind;
use async_nats::{HeaderMap, Subject};
use bytes::Bytes;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio::sync::watch;

use super::consumer::{Consumer, PULL_EXPIRES};
use super::dead_letter::DeadLetter;
use super::delivery::{double_ack, send_ack, Delivery, DeliveryInfo, RawError, Unreadable};
use super::events::{Count, Counters, Event, ProcessSummary};
use crate::error::{Chain, Result};
use crate::message::Message;

/// How long running handlers may take to finish once [`Consumer::process`] stops, unless
/// [`ProcessOptions::with_stop_deadline`] says otherwise.
pub const DEFAULT_STOP_DEADLINE: Duration = Duration::from_secs(30);

/// Tells one or more [`Consumer::process`] runs to stop. Cheap to clone: clones share the
/// signal.
///
/// # Examples
///
/// ```
/// use evowire_nats::{ProcessOptions, StopSignal};
///
/// let stop = StopSignal::new();
/// let options = ProcessOptions::new().with_stop_signal(stop.clone());
/// # drop(options);
/// // Later, for example on SIGTERM:
/// stop.stop();
/// assert!(stop.is_stopped());
/// ```
#[derive(Clone, Debug)]
pub struct StopSignal {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for StopSignal {
    fn default() -> StopSignal {
        StopSignal::new()
    }
}

impl StopSignal {
    /// A signal not given yet.
    pub fn new() -> StopSignal {
        StopSignal {
            tx: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Gives the signal: every `process` using it stops fetching and winds down.
    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }

    async fn stopped(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

type EventCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// Options of [`Consumer::process`].
#[derive(Clone)]
pub struct ProcessOptions {
    max_in_flight: usize,
    backoff: Vec<Duration>,
    max_deliver: Option<i64>,
    dead_letter: Option<Subject>,
    stop: Option<StopSignal>,
    stop_deadline: Duration,
    on_event: Option<EventCallback>,
    counters: Option<Counters>,
}

impl fmt::Debug for ProcessOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessOptions")
            .field("max_in_flight", &self.max_in_flight)
            .field("backoff", &self.backoff)
            .field("max_deliver", &self.max_deliver)
            .field("dead_letter", &self.dead_letter)
            .field("stop", &self.stop)
            .field("stop_deadline", &self.stop_deadline)
            .field("on_event", &self.on_event.is_some())
            .field("counters", &self.counters)
            .finish()
    }
}

impl Default for ProcessOptions {
    fn default() -> ProcessOptions {
        ProcessOptions::new()
    }
}

impl ProcessOptions {
    /// At most 16 messages handled at once; a failed message is redelivered at once, up
    /// to the consumer's `max_deliver` (unlimited if it has none), then terminated; no
    /// dead-letter subject; runs until the consumer ends; failures go to `tracing`.
    pub fn new() -> ProcessOptions {
        ProcessOptions {
            max_in_flight: 16,
            backoff: Vec::new(),
            max_deliver: None,
            dead_letter: None,
            stop: None,
            stop_deadline: DEFAULT_STOP_DEADLINE,
            on_event: None,
            counters: None,
        }
    }

    /// Handles at most `n` messages at once (at least 1; 1 handles them one by one in
    /// stream order, redeliveries aside). A pull consumer also fetches at most `n` at a
    /// time, so a stopped worker holds few unstarted messages.
    pub fn with_max_in_flight(mut self, n: usize) -> ProcessOptions {
        self.max_in_flight = n.max(1);
        self
    }

    /// Asks for a message whose handler failed to be redelivered after `delay`, every
    /// time (the same as `with_backoff([delay])`).
    pub fn with_nak_delay(self, delay: Duration) -> ProcessOptions {
        self.with_backoff([delay])
    }

    /// Redelivers a message whose handler failed after the `n`-th delay when it failed on
    /// its `n`-th delivery, the last delay for all later ones (JetStream's nak delay).
    /// Empty: at once.
    pub fn with_backoff(mut self, delays: impl IntoIterator<Item = Duration>) -> ProcessOptions {
        self.backoff = delays.into_iter().collect();
        self
    }

    /// Gives a message up after its handler failed on its `n`-th delivery (at least 1):
    /// it is dead-lettered (if a subject is set) and terminated. By default the
    /// consumer's own `max_deliver`; use the same value for both, as the server stops
    /// delivering a message after `max_deliver` deliveries.
    pub fn with_max_deliver(mut self, n: i64) -> ProcessOptions {
        self.max_deliver = Some(n.max(1));
        self
    }

    /// Publishes every message that is given up (out of deliveries, or unreadable) on
    /// `subject` before terminating it: its payload as it was, its own headers (except the
    /// `Nats-*` ones that steer a JetStream publish, such as `Nats-Msg-Id`), and the
    /// `Evowire-Dead-Letter-*` headers ([`HEADER_DEAD_LETTER_ERROR`](crate::HEADER_DEAD_LETTER_ERROR)
    /// with the last error, the original subject, stream, consumer, stream sequence and
    /// number of deliveries). When a stream captures `subject` the publish waits for its
    /// ack; otherwise it goes out on core NATS. If the publish fails the message is
    /// nak'ed rather than terminated.
    pub fn with_dead_letter(mut self, subject: impl Into<Subject>) -> ProcessOptions {
        self.dead_letter = Some(subject.into());
        self
    }

    /// Stops when `signal` is given: no more messages are fetched, running handlers get
    /// the [stop deadline](Self::with_stop_deadline) to finish, their messages are acked or
    /// nak'ed, and `process` returns its [`ProcessSummary`].
    pub fn with_stop_signal(mut self, signal: StopSignal) -> ProcessOptions {
        self.stop = Some(signal);
        self
    }

    /// How long running handlers may take once `process` stops (default
    /// [`DEFAULT_STOP_DEADLINE`]). A handler still running then is cut off (its future
    /// dropped) and its message nak'ed, so it is redelivered.
    pub fn with_stop_deadline(mut self, deadline: Duration) -> ProcessOptions {
        self.stop_deadline = deadline;
        self
    }

    /// Calls `callback` with every [`Event`]: unreadable messages, handler errors, dead
    /// letters, failed acks, cut-off handlers and consumer errors. It runs on the
    /// processing task: keep it short (count, log, or send to a channel). Every event is
    /// also logged with `tracing`.
    pub fn with_on_event(
        mut self,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> ProcessOptions {
        self.on_event = Some(Arc::new(callback));
        self
    }

    /// Counts into `counters` too (while running; `process` returns its own counts).
    pub fn with_counters(mut self, counters: Counters) -> ProcessOptions {
        self.counters = Some(counters);
        self
    }

    /// The delay before the redelivery of a message that failed on delivery `delivered`.
    fn retry_delay(&self, delivered: i64) -> Option<Duration> {
        let index = usize::try_from(delivered.saturating_sub(1)).unwrap_or(0);
        self.backoff
            .get(index)
            .or_else(|| self.backoff.last())
            .copied()
    }
}

/// One run of `process`: what every message's future needs.
struct Run<'a, T> {
    consumer: &'a Consumer<T>,
    options: &'a ProcessOptions,
    max_deliver: Option<i64>,
    local: Counters,
    abandon: watch::Receiver<bool>,
    /// Set once `process` stops fetching.
    stopping: AtomicBool,
}

/// A message's identity, for events and dead letters.
struct Failed<'a> {
    subject: &'a Subject,
    headers: Option<&'a HeaderMap>,
    payload: Bytes,
    stream_sequence: u64,
    delivered: i64,
    error: String,
}

impl<T: Message> Consumer<T> {
    /// Runs `handler` on every message, up to [`ProcessOptions::with_max_in_flight`] at
    /// once, and settles each one:
    ///
    /// * the handler returned `Ok`: the message is acked, and `process` waits for the
    ///   server's confirmation;
    /// * it returned `Err`: the message is nak'ed to come back after the
    ///   [backoff](ProcessOptions::with_backoff) delay; on its last delivery
    ///   ([`with_max_deliver`](ProcessOptions::with_max_deliver), by default the
    ///   consumer's `max_deliver`) it is published to the
    ///   [dead-letter subject](ProcessOptions::with_dead_letter) if one is set, and
    ///   terminated;
    /// * it could not be decoded (or its sender is incompatible): it is dead-lettered if a
    ///   subject is set, and terminated.
    ///
    /// Every failure is an [`Event`] ([`ProcessOptions::with_on_event`]) and is counted
    /// ([`ProcessOptions::with_counters`]).
    ///
    /// Runs until the [stop signal](ProcessOptions::with_stop_signal) is given or the
    /// consumer ends (it is deleted, or the connection is closed for good). Then it stops
    /// fetching, lets running handlers finish up to the
    /// [stop deadline](ProcessOptions::with_stop_deadline), and returns what it did.
    /// Messages the client had fetched but not started are neither acked nor nak'ed: like
    /// the messages of a worker that crashed, they are redelivered after the consumer's
    /// `ack_wait`. Delivery is at least once, so make handlers idempotent or count
    /// duplicates by [`DeliveryInfo::stream_sequence`].
    ///
    /// # Errors
    ///
    /// The error that ended the consumer (after running handlers were settled), or the
    /// error of starting it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # use evowire_nats::{Client, Message, MessageType};
    /// # #[derive(Serialize, Deserialize, Debug)]
    /// # struct Job { id: u64 }
    /// # impl Message for Job { const TYPE: MessageType = MessageType::new("demo.Job", 1, 0); }
    /// use std::time::Duration;
    /// use evowire_nats::async_nats::jetstream::consumer::pull;
    /// use evowire_nats::{ProcessOptions, StopSignal};
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), evowire_nats::Error> {
    /// let client = Client::connect("127.0.0.1:4222").await?;
    /// let config = pull::Config {
    ///     durable_name: Some("workers".into()),
    ///     max_deliver: 5,
    ///     ..Default::default()
    /// };
    /// let consumer = client.jetstream().consumer::<Job>("JOBS", config).await?;
    /// let stop = StopSignal::new();
    /// let options = ProcessOptions::new()
    ///     .with_backoff([Duration::from_secs(1), Duration::from_secs(10)])
    ///     .with_dead_letter("jobs.dead")
    ///     .with_stop_signal(stop.clone())
    ///     .with_stop_deadline(Duration::from_secs(10))
    ///     .with_on_event(|event| eprintln!("{event}"));
    /// tokio::spawn(async move {
    ///     let _ = tokio::signal::ctrl_c().await;
    ///     stop.stop();
    /// });
    /// let summary = consumer
    ///     .process(options, |job, _info| async move {
    ///         println!("job {}", job.id);
    ///         Ok::<_, std::convert::Infallible>(())
    ///     })
    ///     .await?;
    /// println!("{} processed, {} dead-lettered", summary.processed, summary.dead_lettered);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn process<E, F, Fut>(
        &self,
        options: ProcessOptions,
        handler: F,
    ) -> Result<ProcessSummary>
    where
        E: Display,
        F: Fn(T, DeliveryInfo) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
    {
        let max = options.max_in_flight;
        let mut messages = self.messages_batched(Some(max)).await?;
        let (abandon_tx, abandon) = watch::channel(false);
        let run = Run {
            consumer: self,
            options: &options,
            max_deliver: options
                .max_deliver
                .or((self.max_deliver > 0).then_some(self.max_deliver)),
            local: Counters::new(),
            abandon,
            stopping: AtomicBool::new(false),
        };
        let stopped = async {
            match &options.stop {
                Some(signal) => signal.stopped().await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(stopped);
        let mut in_flight = FuturesUnordered::new();
        let mut ended = Ok(());
        loop {
            tokio::select! {
                biased;
                () = &mut stopped => break,
                Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                next = messages.next_raw(), if in_flight.len() < max => match next {
                    None => break,
                    Some(Ok(delivery)) => in_flight.push(run.handle(&handler, delivery)),
                    Some(Err(RawError::Message(bad))) => run.unreadable(*bad).await,
                    Some(Err(RawError::Transient(error))) => {
                        run.event(Event::ConsumerError { error });
                    }
                    Some(Err(RawError::Fatal(e))) => {
                        ended = Err(e);
                        break;
                    }
                },
            }
        }
        // Stop fetching, then give the running handlers the deadline.
        run.stopping.store(true, Ordering::Relaxed);
        drop(messages);
        let finish = async { while in_flight.next().await.is_some() {} };
        if tokio::time::timeout(options.stop_deadline, finish)
            .await
            .is_err()
        {
            abandon_tx.send_replace(true);
            while in_flight.next().await.is_some() {}
        }
        ended.map(|()| run.local.snapshot())
    }
}

impl<T: Message> Run<'_, T> {
    fn count(&self, count: Count) {
        self.local.add(count);
        if let Some(shared) = &self.options.counters {
            shared.add(count);
        }
    }

    fn event(&self, event: Event) {
        tracing::warn!(consumer = %self.consumer.name, "{event}");
        if let Some(callback) = &self.options.on_event {
            callback(&event);
        }
    }

    fn is_last(&self, delivered: i64) -> bool {
        self.max_deliver.is_some_and(|max| delivered >= max)
    }

    /// Runs the handler on one message and settles it.
    async fn handle<E, F, Fut>(&self, handler: &F, delivery: Delivery<T>)
    where
        E: Display,
        F: Fn(T, DeliveryInfo) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
    {
        let Delivery {
            value,
            info,
            acker,
            payload,
        } = delivery;
        let subject = info.subject.clone();
        let (stream_sequence, delivered) = (info.stream_sequence, info.delivered);
        // The headers go into the dead letter; copy them only for a last delivery.
        let headers = (self.options.dead_letter.is_some() && self.is_last(delivered))
            .then(|| info.headers.clone())
            .flatten();
        let mut abandon = self.abandon.clone();
        let outcome = tokio::select! {
            result = handler(value, info) => Some(result),
            _ = abandon.wait_for(|cut| *cut) => None,
        };
        match outcome {
            Some(Ok(())) => match double_ack(&acker, &subject).await {
                Ok(()) => self.count(Count::Processed),
                Err(error) => {
                    // Not acked: the message is redelivered after ack_wait (at least once).
                    self.count(Count::AckFailed);
                    self.event(Event::AckFailed {
                        stream_sequence,
                        error,
                    });
                }
            },
            Some(Err(error)) => {
                self.count(Count::Failed);
                let error = error.to_string();
                let last = self.is_last(delivered);
                let retry_in = self.options.retry_delay(delivered);
                self.event(Event::HandlerFailed {
                    subject: subject.clone(),
                    stream_sequence,
                    delivered,
                    error: error.clone(),
                    retry_in: (!last).then_some(retry_in.unwrap_or_default()),
                });
                let failed = Failed {
                    subject: &subject,
                    headers: headers.as_ref(),
                    payload,
                    stream_sequence,
                    delivered,
                    error,
                };
                if last {
                    self.give_up(&acker, failed).await;
                } else {
                    self.settle(&acker, AckKind::Nak(retry_in), &subject, stream_sequence)
                        .await;
                }
            }
            None => {
                self.count(Count::Abandoned);
                self.event(Event::Abandoned {
                    subject: subject.clone(),
                    stream_sequence,
                });
                self.settle(&acker, AckKind::Nak(None), &subject, stream_sequence)
                    .await;
            }
        }
    }

    /// Reports an unreadable message, then gives it up.
    async fn unreadable(&self, bad: Unreadable) {
        self.count(Count::Unreadable);
        let Unreadable {
            error,
            subject,
            headers,
            payload,
            stream_sequence,
            delivered,
            acker,
        } = bad;
        let text = Chain(&error).to_string();
        self.event(Event::Unreadable {
            error,
            stream_sequence,
            delivered,
        });
        let failed = Failed {
            subject: &subject,
            headers: headers.as_ref(),
            payload,
            stream_sequence,
            delivered,
            error: text,
        };
        self.give_up(&acker, failed).await;
    }

    /// Dead-letters (if a subject is set) and terminates a message.
    async fn give_up(&self, acker: &Acker, failed: Failed<'_>) {
        if let Some(to) = &self.options.dead_letter {
            let letter = DeadLetter {
                subject: failed.subject,
                headers: failed.headers,
                payload: failed.payload.clone(),
                stream: &self.consumer.stream,
                consumer: &self.consumer.name,
                stream_sequence: failed.stream_sequence,
                delivered: failed.delivered,
                error: &failed.error,
            };
            if let Err(error) = letter.publish(self.consumer.js.context(), to).await {
                self.event(Event::DeadLetterFailed {
                    stream_sequence: failed.stream_sequence,
                    error,
                });
                let retry = self.options.retry_delay(failed.delivered);
                self.settle(
                    acker,
                    AckKind::Nak(retry),
                    failed.subject,
                    failed.stream_sequence,
                )
                .await;
                return;
            }
            self.count(Count::DeadLettered);
            self.event(Event::DeadLettered {
                subject: failed.subject.clone(),
                stream_sequence: failed.stream_sequence,
                delivered: failed.delivered,
                dead_letter_subject: to.clone(),
                error: failed.error.clone(),
            });
        }
        self.count(Count::Terminated);
        self.settle(acker, AckKind::Term, failed.subject, failed.stream_sequence)
            .await;
    }

    /// Sends a nak or term; a failure is counted and reported.
    async fn settle(&self, acker: &Acker, kind: AckKind, subject: &Subject, stream_sequence: u64) {
        let kind = match kind {
            AckKind::Nak(delay) if self.stopping.load(Ordering::Relaxed) => {
                let after_pull = PULL_EXPIRES + Duration::from_secs(1);
                AckKind::Nak(Some(delay.unwrap_or_default().max(after_pull)))
            }
            kind => kind,
        };
        let operation = if matches!(kind, AckKind::Term) {
            "term"
        } else {
            "nak"
        };
        if let Err(error) = send_ack(acker, kind, operation, subject).await {
            self.count(Count::AckFailed);
            self.event(Event::AckFailed {
                stream_sequence,
                error,
            });
        }
    }
}
