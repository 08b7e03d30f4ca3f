//! `Consumer::process` against a real nats-server: a poison message gets exactly
//! `max_deliver` attempts with backoff and lands on the dead-letter subject with its headers
//! and the last error; unreadable messages are dead-lettered into a stream; a graceful stop
//! under load processes nothing twice that was acked and loses nothing; handlers that
//! outlive the stop deadline are cut off and their messages come back.

mod support;

use support::js::{durable, job, new_stream, publish_jobs, wait_drained, wait_until, Job};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evowire_nats::async_nats::jetstream::consumer::pull;
use evowire_nats::{
    Counters, Error, Event, ProcessOptions, ProcessSummary, StopSignal,
    HEADER_DEAD_LETTER_CONSUMER, HEADER_DEAD_LETTER_DELIVERIES, HEADER_DEAD_LETTER_ERROR,
    HEADER_DEAD_LETTER_SEQUENCE, HEADER_DEAD_LETTER_STREAM, HEADER_DEAD_LETTER_SUBJECT,
    HEADER_TYPE,
};
use futures::StreamExt;

/// Events, recorded by a `with_on_event` callback as their Display text and kind.
#[derive(Clone, Default)]
struct EventLog(Arc<Mutex<Vec<(&'static str, String)>>>);

impl EventLog {
    fn callback(&self) -> impl Fn(&Event) + Send + Sync + 'static {
        let log = self.0.clone();
        move |event: &Event| {
            let kind = match event {
                Event::Unreadable { .. } => "unreadable",
                Event::HandlerFailed {
                    retry_in: Some(_), ..
                } => "failed, retry",
                Event::HandlerFailed { retry_in: None, .. } => "failed, last",
                Event::DeadLettered { .. } => "dead-lettered",
                Event::DeadLetterFailed { .. } => "dead-letter failed",
                Event::AckFailed { .. } => "ack failed",
                Event::Abandoned { .. } => "abandoned",
                Event::ConsumerError { .. } => "consumer error",
                _ => "other",
            };
            log.lock().unwrap().push((kind, event.to_string()));
        }
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().iter().map(|(k, _)| *k).collect()
    }

    fn texts(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.clone())
            .collect()
    }
}

#[tokio::test]
async fn poison_message_gets_max_deliver_attempts_then_is_dead_lettered_with_the_error() {
    const MAX_DELIVER: i64 = 3;
    const POISON: u64 = 3;
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "poison").await;
    let jobs = format!("{subject}.jobs");
    // No stream captures the dead-letter subject: it goes out on core NATS.
    let dead_subject = support::unique("dead.");
    let mut dead = client
        .get_ref()
        .subscribe(dead_subject.clone())
        .await
        .unwrap();
    client.flush().await.unwrap();
    publish_jobs(&js, &jobs, 0..10).await;

    // ack_wait is long: every quick redelivery comes from a nak.
    let consumer = js
        .consumer::<Job>(
            &stream_name,
            pull::Config {
                max_deliver: MAX_DELIVER,
                ..durable("poison", Duration::from_secs(30))
            },
        )
        .await
        .unwrap();
    let attempts: Arc<Mutex<Vec<(u64, i64, Instant)>>> = Arc::default();
    let events = EventLog::default();
    let counters = Counters::new();
    let stop = StopSignal::new();
    let backoff = [Duration::from_millis(100), Duration::from_millis(300)];
    let options = ProcessOptions::new()
        .with_max_in_flight(4)
        .with_backoff(backoff)
        .with_dead_letter(dead_subject.clone())
        .with_on_event(events.callback())
        .with_counters(counters.clone())
        .with_stop_signal(stop.clone());
    let worker = tokio::spawn({
        let attempts = attempts.clone();
        async move {
            consumer
                .process(options, |job, info| {
                    let attempts = attempts.clone();
                    async move {
                        attempts
                            .lock()
                            .unwrap()
                            .push((job.id, info.delivered, Instant::now()));
                        if job.id == POISON {
                            return Err(format!("cannot handle job {}\r\nat all", job.id));
                        }
                        Ok(())
                    }
                })
                .await
        }
    });

    let letter = tokio::time::timeout(Duration::from_secs(10), dead.next())
        .await
        .expect("a dead letter within 10 s")
        .unwrap();
    let headers = letter.headers.clone().expect("dead letter headers");
    let header = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(
        header(HEADER_DEAD_LETTER_ERROR).as_deref(),
        Some("cannot handle job 3  at all")
    );
    assert_eq!(header(HEADER_DEAD_LETTER_SUBJECT), Some(jobs.clone()));
    assert_eq!(header(HEADER_DEAD_LETTER_STREAM), Some(stream_name.clone()));
    assert_eq!(
        header(HEADER_DEAD_LETTER_CONSUMER).as_deref(),
        Some("poison")
    );
    assert_eq!(header(HEADER_DEAD_LETTER_SEQUENCE).as_deref(), Some("4"));
    assert_eq!(header(HEADER_DEAD_LETTER_DELIVERIES).as_deref(), Some("3"));
    // The original headers travel along, so the dead letter decodes as the job it was.
    assert_eq!(header(HEADER_TYPE).as_deref(), Some("test.Job"));
    assert_eq!(
        evowire::from_slice::<Job>(&letter.payload).unwrap(),
        job(POISON)
    );

    wait_until(Duration::from_secs(10), "9 jobs processed", || {
        counters.snapshot().processed == 9
    })
    .await;
    // Longer than the largest backoff: a fourth attempt would have come by now.
    tokio::time::sleep(Duration::from_millis(600)).await;
    stop.stop();
    let summary = worker.await.unwrap().unwrap();
    let expected = {
        let mut s = ProcessSummary::default();
        s.processed = 9;
        s.failed = 3;
        s.dead_lettered = 1;
        s.terminated = 1;
        s
    };
    assert_eq!(summary, expected);
    assert_eq!(counters.snapshot(), expected);

    let attempts = attempts.lock().unwrap().clone();
    let poison: Vec<_> = attempts.iter().filter(|a| a.0 == POISON).collect();
    assert_eq!(
        poison.iter().map(|a| a.1).collect::<Vec<_>>(),
        [1, 2, 3],
        "exactly max_deliver attempts"
    );
    // The backoff delays are kept (lower bounds only: the machine may be slow).
    assert!(poison[1].2 - poison[0].2 >= backoff[0]);
    assert!(poison[2].2 - poison[1].2 >= backoff[1]);
    // The messages behind it were handled once each, at the first delivery.
    let mut others: Vec<_> = attempts
        .iter()
        .filter(|a| a.0 != POISON)
        .map(|a| (a.0, a.1))
        .collect();
    others.sort_unstable();
    let want: Vec<_> = (0..10)
        .filter(|&id| id != POISON)
        .map(|id| (id, 1))
        .collect();
    assert_eq!(others, want);

    assert_eq!(
        events.kinds(),
        [
            "failed, retry",
            "failed, retry",
            "failed, last",
            "dead-lettered"
        ]
    );
    assert!(
        events.texts()[0].contains("cannot handle job 3"),
        "{:?}",
        events.texts()
    );
    let consumer = js
        .consumer::<Job>(
            &stream_name,
            pull::Config {
                max_deliver: 3,
                ..durable("poison", Duration::from_secs(30))
            },
        )
        .await
        .unwrap();
    wait_drained(&consumer).await;
    // Exactly one dead letter.
    let more = tokio::time::timeout(Duration::from_millis(200), dead.next()).await;
    assert!(more.is_err(), "a second dead letter: {more:?}");
}

#[tokio::test]
async fn unreadable_messages_are_dead_lettered_into_a_stream_with_the_decode_error() {
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "unreadable").await;
    let (dead_stream, dead_prefix) = new_stream(&js, "deadjobs").await;
    let jobs = format!("{subject}.jobs");
    // A truncated job (an evowire struct header promising fields that are not there), then
    // a good one.
    let mut truncated = evowire::to_vec(&job(1)).unwrap();
    truncated.truncate(3);
    // Its own headers: one for the application, and JetStream publish directives meant for
    // its stream only, which would make the dead-letter stream refuse the letter.
    let mut headers = evowire_nats::async_nats::HeaderMap::new();
    headers.insert("Trace-Id", "t-42");
    headers.insert("Nats-Expected-Stream", stream_name.as_str());
    headers.insert("Nats-Msg-Id", "first");
    js.context()
        .publish_with_headers(jobs.clone(), headers, truncated.clone().into())
        .await
        .unwrap()
        .await
        .unwrap();
    publish_jobs(&js, &jobs, 2..3).await;

    let consumer = js
        .consumer::<Job>(&stream_name, durable("strict", Duration::from_secs(30)))
        .await
        .unwrap();
    let offsets: Arc<Mutex<Vec<Option<u64>>>> = Arc::default();
    let stop = StopSignal::new();
    let counters = Counters::new();
    let options = ProcessOptions::new()
        .with_dead_letter(format!("{dead_prefix}.jobs"))
        .with_stop_signal(stop.clone())
        .with_counters(counters.clone())
        .with_on_event({
            let offsets = offsets.clone();
            move |event| {
                if let Event::Unreadable {
                    error:
                        Error::Decode {
                            source, subject, ..
                        },
                    stream_sequence: 1,
                    ..
                } = event
                {
                    assert!(subject.ends_with(".jobs"));
                    offsets.lock().unwrap().push(source.offset());
                }
            }
        });
    let worker = tokio::spawn(async move {
        consumer
            .process(options, |_job, _info| async { Ok::<_, String>(()) })
            .await
    });
    wait_until(
        Duration::from_secs(10),
        "1 processed, 1 dead letter",
        || {
            let s = counters.snapshot();
            s.processed == 1 && s.dead_lettered == 1
        },
    )
    .await;
    stop.stop();
    let summary = worker.await.unwrap().unwrap();
    assert_eq!(
        (
            summary.processed,
            summary.unreadable,
            summary.dead_lettered,
            summary.failed
        ),
        (1, 1, 1, 0)
    );
    let offsets = offsets.lock().unwrap().clone();
    assert_eq!(offsets.len(), 1);
    assert!(offsets[0].is_some(), "the decode error has a byte offset");

    // The dead letter was stored by the dead-letter stream: read it back.
    let stored = js
        .context()
        .get_stream(&dead_stream)
        .await
        .unwrap()
        .get_raw_message(1)
        .await
        .unwrap();
    assert_eq!(stored.payload.as_ref(), truncated.as_slice());
    let header = |name: &str| stored.headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(header("Trace-Id").as_deref(), Some("t-42"));
    assert_eq!(header("Nats-Expected-Stream"), None);
    assert_eq!(header("Nats-Msg-Id"), None);
    assert_eq!(header(HEADER_DEAD_LETTER_SEQUENCE).as_deref(), Some("1"));
    let error = stored
        .headers
        .get(HEADER_DEAD_LETTER_ERROR)
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    assert!(
        error.starts_with("cannot decode test.Job from message on `") && error.contains("byte"),
        "{error}"
    );
}

#[tokio::test]
async fn graceful_stop_under_load_loses_nothing_and_redoes_nothing_that_was_acked() {
    const MESSAGES: u64 = 2_000;
    const STOP_AFTER: usize = 600;
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "stop").await;
    publish_jobs(&js, &format!("{subject}.jobs"), 0..MESSAGES).await;
    let config = durable("stoppers", Duration::from_secs(1));

    // Worker A: handlers take a few ms; it is told to stop after 600 have started.
    let started_a: Arc<Mutex<Vec<u64>>> = Arc::default();
    let finished_a: Arc<Mutex<Vec<u64>>> = Arc::default();
    let stop = StopSignal::new();
    let consumer_a = js
        .consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    let worker_a = tokio::spawn({
        let (started, finished, stop) = (started_a.clone(), finished_a.clone(), stop.clone());
        let options = ProcessOptions::new()
            .with_max_in_flight(32)
            .with_stop_signal(stop.clone())
            .with_stop_deadline(Duration::from_secs(20));
        async move {
            consumer_a
                .process(options, |job, _info| {
                    let (started, finished, stop) =
                        (started.clone(), finished.clone(), stop.clone());
                    async move {
                        let n = {
                            let mut started = started.lock().unwrap();
                            started.push(job.id);
                            started.len()
                        };
                        if n == STOP_AFTER {
                            stop.stop();
                        }
                        tokio::time::sleep(Duration::from_millis(5 + job.id % 7)).await;
                        finished.lock().unwrap().push(job.id);
                        Ok::<_, String>(())
                    }
                })
                .await
        }
    });
    let summary_a = tokio::time::timeout(Duration::from_secs(30), worker_a)
        .await
        .expect("worker A stops")
        .unwrap()
        .unwrap();
    let started_a = started_a.lock().unwrap().clone();
    let finished_a = finished_a.lock().unwrap().clone();
    // Every handler that started was let finish and acked; none was cut off.
    assert!(started_a.len() >= STOP_AFTER);
    assert_eq!(finished_a.len(), started_a.len());
    assert_eq!(summary_a.processed, started_a.len() as u64);
    assert_eq!((summary_a.abandoned, summary_a.ack_failed), (0, 0));

    // Worker B finishes: the rest, and what A fetched but never started (after ack_wait).
    let runs_b: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let consumer_b = js
        .consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    let stop_b = StopSignal::new();
    let worker_b = tokio::spawn({
        let runs = runs_b.clone();
        let options = ProcessOptions::new()
            .with_max_in_flight(32)
            .with_stop_signal(stop_b.clone());
        async move {
            consumer_b
                .process(options, |job, _info| {
                    let runs = runs.clone();
                    async move {
                        *runs.lock().unwrap().entry(job.id).or_default() += 1;
                        Ok::<_, String>(())
                    }
                })
                .await
        }
    });
    let expected_b = MESSAGES as usize - started_a.len();
    wait_until(
        Duration::from_secs(30),
        "worker B to handle the rest",
        || runs_b.lock().unwrap().len() >= expected_b,
    )
    .await;
    let consumer = js.consumer::<Job>(&stream_name, config).await.unwrap();
    wait_drained(&consumer).await;
    stop_b.stop();
    let summary_b = worker_b.await.unwrap().unwrap();

    let runs_b = runs_b.lock().unwrap().clone();
    let acked_by_a: std::collections::HashSet<u64> = finished_a.iter().copied().collect();
    assert_eq!(
        acked_by_a.len(),
        finished_a.len(),
        "A handled nothing twice"
    );
    let redone: Vec<u64> = runs_b
        .keys()
        .filter(|id| acked_by_a.contains(id))
        .copied()
        .collect();
    assert!(
        redone.is_empty(),
        "acked by A and handled again by B: {redone:?}"
    );
    let all: std::collections::HashSet<u64> =
        acked_by_a.iter().chain(runs_b.keys()).copied().collect();
    assert_eq!(all.len() as u64, MESSAGES, "every message was handled");
    assert!(runs_b.values().all(|&n| n == 1), "B handled nothing twice");
    assert_eq!(summary_b.processed, runs_b.len() as u64);
}

#[tokio::test]
async fn handlers_past_the_stop_deadline_are_cut_off_and_their_messages_come_back() {
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "deadline").await;
    publish_jobs(&js, &format!("{subject}.jobs"), 0..3).await;
    // ack_wait is long: a quick redelivery can only come from the nak of a cut-off handler.
    let config = durable("hangers", Duration::from_secs(60));
    let consumer = js
        .consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    let stop = StopSignal::new();
    let events = EventLog::default();
    let started: Arc<Mutex<Vec<u64>>> = Arc::default();
    let worker = tokio::spawn({
        let started = started.clone();
        let options = ProcessOptions::new()
            .with_stop_signal(stop.clone())
            .with_stop_deadline(Duration::from_millis(200))
            .with_on_event(events.callback());
        async move {
            consumer
                .process(options, |job, _info| {
                    let started = started.clone();
                    async move {
                        started.lock().unwrap().push(job.id);
                        std::future::pending::<()>().await;
                        Ok::<_, String>(())
                    }
                })
                .await
        }
    });
    wait_until(Duration::from_secs(10), "3 hung handlers", || {
        started.lock().unwrap().len() == 3
    })
    .await;
    stop.stop();
    let summary = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("process returns after the deadline")
        .unwrap()
        .unwrap();
    assert_eq!((summary.abandoned, summary.processed), (3, 0));
    assert_eq!(events.kinds(), ["abandoned", "abandoned", "abandoned"]);

    // The three come back (delivery 2) once the stopped worker's pull request has expired
    // at the server (5 s), long before ack_wait (60 s).
    let consumer = js.consumer::<Job>(&stream_name, config).await.unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let delivery = tokio::time::timeout(Duration::from_secs(20), messages.next())
            .await
            .expect("redelivered within 20 s")
            .unwrap()
            .unwrap();
        assert_eq!(delivery.info.delivered, 2);
        ids.push(delivery.value.id);
        delivery.ack().await.unwrap();
    }
    ids.sort_unstable();
    assert_eq!(ids, [0, 1, 2]);
}
