//! JetStream against a real nats-server: acked publishing, a durable consumer that is
//! killed mid-way and another that finishes (at least once, nothing lost, duplicates
//! counted), handler failures redelivered, unreadable messages reported and terminated.

mod support;

use support::js::{durable, new_stream, publish_jobs, wait_drained, wait_until, Job};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evowire_nats::async_nats::jetstream::consumer::AckPolicy;
use evowire_nats::{Client, Consumer, Error, Message, MessageType, ProcessOptions};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// An incompatible rewrite of `Job`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct JobV2 {
    name: String,
}

impl Message for JobV2 {
    const TYPE: MessageType = MessageType::new("test.Job", 2, 0);
}

type RunLog = Arc<Mutex<Vec<(u64, i64)>>>;

/// Processes `consumer`, logging (job id, delivery) for each handler run; the handler fails
/// on the first delivery of job `failing`.
async fn fail_once_on(
    consumer: Consumer<Job>,
    options: ProcessOptions,
    failing: u64,
    log: RunLog,
) -> evowire_nats::Result<evowire_nats::ProcessSummary> {
    consumer
        .process(options, |job, info| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push((job.id, info.delivered));
                if job.id == failing && info.delivered == 1 {
                    return Err("database busy");
                }
                Ok(())
            }
        })
        .await
}

#[derive(Default)]
struct Tally {
    /// Handler runs per job id.
    runs: Mutex<HashMap<u64, u32>>,
    /// Ids whose handler ran on a redelivery (delivered > 1).
    redelivered: Mutex<Vec<u64>>,
    total: AtomicU64,
}

impl Tally {
    fn record(&self, id: u64, delivered: i64) -> u64 {
        *self.runs.lock().unwrap().entry(id).or_default() += 1;
        if delivered > 1 {
            self.redelivered.lock().unwrap().push(id);
        }
        self.total.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn distinct(&self) -> usize {
        self.runs.lock().unwrap().len()
    }
}

#[tokio::test]
async fn killed_consumer_loses_nothing_and_a_second_one_finishes() {
    const MESSAGES: u64 = 10_000;
    const KILL_AFTER: u64 = 3_000;
    const IN_FLIGHT: usize = 16;
    let server = support::server();
    let publisher = server.client().await;
    let js = publisher.jetstream();
    let (stream_name, subject) = new_stream(&js, "jtkill").await;

    // Publish 10,000 jobs, many acks in flight, and check every one was stored once.
    let start = Instant::now();
    let mut seqs = Vec::with_capacity(MESSAGES as usize);
    for batch in 0..MESSAGES / 1000 {
        let mut pending = Vec::with_capacity(1000);
        for id in batch * 1000..(batch + 1) * 1000 {
            let job = Job {
                id,
                payload: format!("job {id}"),
            };
            pending.push(
                js.publish_deferred(format!("{subject}.jobs"), &job)
                    .await
                    .unwrap(),
            );
        }
        for ack in futures::future::try_join_all(pending).await.unwrap() {
            assert_eq!(ack.stream, stream_name);
            seqs.push(ack.sequence);
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=MESSAGES).collect::<Vec<_>>());
    let published_in = start.elapsed();

    let config = durable("workers", Duration::from_secs(1));
    let tally = Arc::new(Tally::default());

    // Worker A, on its own connection: handles 3,000 jobs, then "crashes" while handling
    // the next ones (its handlers never return, so they are never acked) and is killed.
    let start = Instant::now();
    let client_a = server.client().await;
    let consumer_a = client_a
        .jetstream()
        .consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    let a_runs = Arc::new(AtomicU64::new(0));
    let worker_a = tokio::spawn({
        let (tally, a_runs) = (tally.clone(), a_runs.clone());
        async move {
            let _client = client_a;
            consumer_a
                .process(
                    ProcessOptions::new().with_max_in_flight(IN_FLIGHT),
                    |job, info| {
                        let (tally, a_runs) = (tally.clone(), a_runs.clone());
                        async move {
                            tally.record(job.id, info.delivered);
                            if a_runs.fetch_add(1, Ordering::SeqCst) + 1 > KILL_AFTER {
                                std::future::pending::<()>().await;
                            }
                            Ok::<_, String>(())
                        }
                    },
                )
                .await
        }
    });
    let stuck = KILL_AFTER + IN_FLIGHT as u64;
    wait_until(Duration::from_secs(30), "worker A to get stuck", || {
        a_runs.load(Ordering::SeqCst) >= stuck
    })
    .await;
    worker_a.abort();
    assert!(worker_a.await.unwrap_err().is_cancelled());
    let a_done = start.elapsed();
    let stuck_ids: Vec<u64> = {
        let runs = tally.runs.lock().unwrap();
        assert_eq!(runs.len() as u64, stuck);
        let mut ids: Vec<u64> = runs.keys().copied().collect();
        ids.sort_unstable();
        ids.split_off(KILL_AFTER as usize)
    };
    assert_eq!(stuck_ids.len(), IN_FLIGHT);

    // Worker B, on the same durable consumer, finishes the job: the rest, plus A's
    // unacknowledged messages once their ack_wait (1 s) has passed.
    let client_b = server.client().await;
    let consumer_b = client_b
        .jetstream()
        .consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    let worker_b = tokio::spawn({
        let tally = tally.clone();
        async move {
            consumer_b
                .process(
                    ProcessOptions::new().with_max_in_flight(IN_FLIGHT),
                    |job, info| {
                        let tally = tally.clone();
                        async move {
                            tally.record(job.id, info.delivered);
                            Ok::<_, String>(())
                        }
                    },
                )
                .await
        }
    });
    wait_until(Duration::from_secs(40), "every job to be processed", || {
        tally.distinct() as u64 == MESSAGES
    })
    .await;
    let watcher = client_b
        .jetstream()
        .consumer::<Job>(&stream_name, config)
        .await
        .unwrap();
    let last_delivered = wait_drained(&watcher).await;
    let b_done = start.elapsed();
    worker_b.abort();

    let runs = tally.runs.lock().unwrap();
    assert_eq!(runs.len() as u64, MESSAGES, "no message lost");
    assert!((0..MESSAGES).all(|id| runs.contains_key(&id)));
    let total = tally.total.load(Ordering::SeqCst);
    let duplicates = total - MESSAGES;
    let twice: Vec<u64> = runs
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(&id, _)| id)
        .collect();
    // A's stuck jobs were handled (not acked), so B handled them again, as redeliveries.
    for id in &stuck_ids {
        assert!(runs[id] >= 2, "job {id} that A never acked was not redone");
    }
    let redelivered = tally.redelivered.lock().unwrap();
    assert!(stuck_ids.iter().all(|id| redelivered.contains(id)));
    assert!(duplicates >= IN_FLIGHT as u64);
    assert_eq!(last_delivered, MESSAGES);
    println!(
        "published {MESSAGES} in {published_in:?}; worker A handled {stuck} jobs (the last \
         {IN_FLIGHT} never finished) and was killed after {a_done:?}; worker B finished at \
         {b_done:?}: {total} handler runs for {MESSAGES} messages = {duplicates} duplicates \
         ({} jobs handled more than once, {} handler runs on redeliveries)",
        twice.len(),
        redelivered.len()
    );
}

#[tokio::test]
async fn failed_handler_naks_and_the_message_comes_back() {
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "jtnak").await;
    for id in 0..5 {
        let ack = js
            .publish(
                format!("{subject}.jobs"),
                &Job {
                    id,
                    payload: String::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(ack.sequence, id + 1);
    }
    // ack_wait is long: a quick second delivery can only come from the nak.
    let consumer = js
        .consumer::<Job>(&stream_name, durable("naks", Duration::from_secs(30)))
        .await
        .unwrap();
    let log: Arc<Mutex<Vec<(u64, i64)>>> = Arc::default();
    let worker = tokio::spawn({
        let log = log.clone();
        let consumer = client
            .jetstream()
            .consumer::<Job>(&stream_name, durable("naks", Duration::from_secs(30)))
            .await
            .unwrap();
        fail_once_on(
            consumer,
            ProcessOptions::new().with_max_in_flight(1),
            2,
            log,
        )
    });
    wait_until(Duration::from_secs(10), "6 handler runs", || {
        log.lock().unwrap().len() == 6
    })
    .await;
    wait_drained(&consumer).await;
    worker.abort();
    let mut log = log.lock().unwrap().clone();
    log.sort_unstable();
    assert_eq!(log, [(0, 1), (1, 1), (2, 1), (2, 2), (3, 1), (4, 1)]);
}

#[tokio::test]
async fn unreadable_messages_are_error_items_and_are_not_redelivered() {
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "jtbad").await;
    let jobs = format!("{subject}.jobs");
    // Garbage without headers, an incompatible major version, then a good job.
    js.context()
        .publish(jobs.clone(), vec![0x1B, 0x08].into())
        .await
        .unwrap()
        .await
        .unwrap();
    js.publish(jobs.as_str(), &JobV2 { name: "v2".into() })
        .await
        .unwrap();
    js.publish(
        jobs.as_str(),
        &Job {
            id: 7,
            payload: "ok".into(),
        },
    )
    .await
    .unwrap();

    let consumer = js
        .consumer::<Job>(&stream_name, durable("strict", Duration::from_millis(500)))
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    macro_rules! next {
        () => {
            tokio::time::timeout(Duration::from_secs(5), messages.next())
        };
    }

    match next!().await.unwrap().unwrap() {
        Err(Error::Decode {
            subject,
            type_name,
            source,
        }) => {
            assert_eq!(subject, jobs);
            assert_eq!(type_name, "test.Job");
            assert!(source.is_eof(), "{source}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match next!().await.unwrap().unwrap() {
        Err(Error::Incompatible { subject, reason }) => {
            assert_eq!(subject, jobs);
            assert!(reason.contains("major versions differ"), "{reason}");
        }
        other => panic!("expected an incompatible error, got {other:?}"),
    }
    let delivery = next!().await.unwrap().unwrap().unwrap();
    assert_eq!(
        delivery.value,
        Job {
            id: 7,
            payload: "ok".into()
        }
    );
    assert_eq!(delivery.info.stream_sequence, 3);
    assert_eq!(delivery.info.delivered, 1);
    delivery.ack().await.unwrap();

    // The two unreadable messages were terminated: nothing comes back after ack_wait.
    let later = tokio::time::timeout(Duration::from_millis(1500), messages.next()).await;
    assert!(later.is_err(), "nothing is redelivered: {later:?}");
    let info = consumer.info().await.unwrap();
    assert_eq!(
        (info.num_pending, info.num_ack_pending, info.num_redelivered),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn publish_without_a_stream_is_no_responders() {
    let server = support::server();
    let client: Client = server.client().await;
    let subject = support::unique("nostream.");
    let err = client
        .jetstream()
        .publish(
            subject.as_str(),
            &Job {
                id: 1,
                payload: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NoResponders { subject: s } if s == &subject),
        "{err:?}"
    );
}

#[tokio::test]
async fn push_consumer_processes_acks_and_redelivers_like_a_pull_consumer() {
    use evowire_nats::async_nats::jetstream::consumer::push;
    use evowire_nats::{Counters, StopSignal};
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "jtpush").await;
    publish_jobs(&js, &format!("{subject}.jobs"), 0..100).await;
    let config = push::Config {
        durable_name: Some("pushed".into()),
        deliver_subject: client.get_ref().new_inbox(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: Duration::from_secs(30),
        flow_control: true,
        idle_heartbeat: Duration::from_secs(1),
        ..Default::default()
    };
    let consumer = js
        .push_consumer::<Job>(&stream_name, config.clone())
        .await
        .unwrap();
    assert!(consumer.push_consumer().is_some() && consumer.pull_consumer().is_none());
    let log: Arc<Mutex<Vec<(u64, i64)>>> = Arc::default();
    let counters = Counters::new();
    let stop = StopSignal::new();
    let worker = tokio::spawn({
        let log = log.clone();
        let options = ProcessOptions::new()
            .with_counters(counters.clone())
            .with_stop_signal(stop.clone());
        fail_once_on(consumer, options, 5, log)
    });
    wait_until(Duration::from_secs(10), "100 jobs processed", || {
        counters.snapshot().processed == 100
    })
    .await;
    stop.stop();
    let summary = worker.await.unwrap().unwrap();
    assert_eq!((summary.processed, summary.failed), (100, 1));
    let mut log = log.lock().unwrap().clone();
    log.sort_unstable();
    let mut want: Vec<(u64, i64)> = (0..100).map(|id| (id, 1)).collect();
    want.insert(6, (5, 2));
    assert_eq!(log, want);
    let consumer = js.push_consumer::<Job>(&stream_name, config).await.unwrap();
    let info = consumer.info().await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0));
}

#[tokio::test]
async fn ordered_consumer_reads_the_stream_in_order_and_reports_unreadable_messages() {
    use evowire_nats::async_nats::jetstream::consumer::push;
    let server = support::server();
    let client = server.client().await;
    let js = client.jetstream();
    let (stream_name, subject) = new_stream(&js, "jtordered").await;
    let jobs = format!("{subject}.jobs");
    for id in 0..50 {
        if id == 20 {
            js.context()
                .publish(jobs.clone(), vec![0x1B].into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
        js.publish(
            jobs.as_str(),
            &Job {
                id,
                payload: String::new(),
            },
        )
        .await
        .unwrap();
    }
    let mut messages = js
        .ordered::<Job>(
            &stream_name,
            push::OrderedConfig {
                deliver_subject: client.get_ref().new_inbox(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    for seq in 1..=51u64 {
        let item = tokio::time::timeout(Duration::from_secs(5), messages.next())
            .await
            .expect("next ordered message")
            .expect("the stream goes on");
        match item {
            Ok(delivery) => {
                assert_eq!(delivery.info.stream_sequence, seq);
                seen.push(delivery.value.id);
            }
            Err(Error::Decode { subject, .. }) => {
                assert_eq!((seq, subject.as_str()), (21, jobs.as_str()));
            }
            Err(other) => panic!("unexpected error at #{seq}: {other:?}"),
        }
    }
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
}
