//! A three-node cluster losing a node: 10,000 messages are published to a stream with three
//! replicas while the stream's leader is killed (SIGKILL) and later restarted; a durable
//! consumer processes every message at least once, the duplicates are reported, and at the
//! end nothing is pending and the restarted node has caught up.

mod support;

use support::js::{wait_drained, Job};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evowire_nats::async_nats::jetstream::consumer::{pull, AckPolicy};
use evowire_nats::async_nats::jetstream::stream;
use evowire_nats::{Counters, Event, JetStream, ProcessOptions, StopSignal};

const STREAM: &str = "CLUSTERED";
const SUBJECT: &str = "clustered.jobs";
const MESSAGES: u64 = 10_000;
const BATCH: u64 = 250;
const KILL_AT: u64 = 3_000;
const RESTART_AT: u64 = 7_000;

/// Publishes `ids`, many acks in flight; an id whose publish or ack fails is published
/// again (one at a time) until a stream stores it. Returns how many retries it took.
async fn publish_at_least_once(js: &JetStream, ids: std::ops::Range<u64>) -> u64 {
    let job = |id| Job {
        id,
        payload: format!("job {id}"),
    };
    let mut failed = Vec::new();
    let mut pending = Vec::new();
    for id in ids {
        match js.publish_deferred(SUBJECT, &job(id)).await {
            Ok(ack) => pending.push((id, ack)),
            Err(_) => failed.push(id),
        }
    }
    for (id, ack) in pending {
        if ack.await.is_err() {
            failed.push(id);
        }
    }
    let mut retries = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in failed {
        loop {
            retries += 1;
            match js.publish(SUBJECT, &job(id)).await {
                Ok(_) => break,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "job {id} not stored after 60 s: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    retries
}

/// The stream's state and cluster info, from the server.
async fn stream_info(js: &JetStream) -> stream::Info {
    let mut stream = js.context().get_stream(STREAM).await.unwrap();
    stream.info().await.unwrap().clone()
}

/// The index of the node `name` (`<cluster>-n<i>`).
fn node_index(name: &str) -> usize {
    name.rsplit("-n")
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or_else(|| panic!("unexpected server name {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_losing_a_node_delivers_every_message_at_least_once() {
    let started = Instant::now();
    let cluster = support::cluster::cluster();
    let client = cluster.client().await;
    let js = client.jetstream();
    cluster
        .create_stream(
            &client,
            stream::Config {
                name: STREAM.into(),
                subjects: vec!["clustered.>".into()],
                num_replicas: 3,
                ..Default::default()
            },
        )
        .await;
    let cluster_up = started.elapsed();

    // The worker, on its own connection to all three nodes.
    let worker_client = cluster.client().await;
    let consumer = worker_client
        .jetstream()
        .consumer::<Job>(
            STREAM,
            pull::Config {
                durable_name: Some("workers".into()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: Duration::from_secs(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let runs: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let counters = Counters::new();
    let consumer_errors = Arc::new(Mutex::new(0u64));
    let stop = StopSignal::new();
    let options = ProcessOptions::new()
        .with_max_in_flight(64)
        .with_counters(counters.clone())
        .with_stop_signal(stop.clone())
        .with_stop_deadline(Duration::from_secs(5))
        .with_on_event({
            let errors = consumer_errors.clone();
            move |event| {
                if let Event::ConsumerError { .. } | Event::AckFailed { .. } = event {
                    *errors.lock().unwrap() += 1;
                }
            }
        });
    let worker = tokio::spawn({
        let runs = runs.clone();
        async move {
            consumer
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

    // Publish, killing the stream's leader at 3,000 and restarting it at 7,000.
    let mut retries = 0;
    let mut killed = None;
    let mut id = 0;
    while id < MESSAGES {
        if id == KILL_AT {
            let info = stream_info(&js).await;
            let leader = info
                .cluster
                .and_then(|c| c.leader)
                .expect("a stream leader");
            let node = node_index(&leader);
            cluster.nodes[node].kill();
            killed = Some((node, Instant::now()));
        }
        if id == RESTART_AT {
            let (node, _) = killed.expect("a node was killed");
            cluster.nodes[node].restart();
        }
        retries += publish_at_least_once(&js, id..id + BATCH).await;
        id += BATCH;
    }
    let published = started.elapsed();
    let (killed_node, _) = killed.expect("a node was killed");

    // Every message processed, then nothing pending.
    let deadline = Instant::now() + Duration::from_secs(90);
    while (runs.lock().unwrap().len() as u64) < MESSAGES {
        assert!(
            Instant::now() < deadline,
            "only {} of {MESSAGES} messages processed after 90 s",
            runs.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let check = worker_client
        .jetstream()
        .consumer::<Job>(
            STREAM,
            pull::Config {
                durable_name: Some("workers".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    wait_drained(&check).await;
    stop.stop();
    let summary = worker.await.unwrap().unwrap();

    // The restarted node caught up: all three replicas current.
    let deadline = Instant::now() + Duration::from_secs(30);
    let stored = loop {
        let info = stream_info(&js).await;
        let cluster_info = info.cluster.clone().expect("cluster info");
        let current = cluster_info
            .replicas
            .iter()
            .filter(|r| r.current && !r.offline)
            .count();
        if current == 2 {
            break info.state.messages;
        }
        assert!(
            Instant::now() < deadline,
            "replicas not current after 30 s: {cluster_info:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    let runs = runs.lock().unwrap().clone();
    assert!(
        (0..MESSAGES).all(|id| runs.contains_key(&id)),
        "a message was lost"
    );
    assert_eq!(runs.len() as u64, MESSAGES);
    let handled: u64 = runs.values().map(|&n| u64::from(n)).sum();
    let duplicates = handled - MESSAGES;
    let twice = runs.values().filter(|&&n| n > 1).count();
    assert!(stored >= MESSAGES);
    assert_eq!(summary.processed + summary.ack_failed, handled);
    println!(
        "cluster up in {cluster_up:?}; killed node {killed_node} (the stream leader) at message \
         {KILL_AT} and restarted it at {RESTART_AT}; {MESSAGES} published in {published:?} with \
         {retries} publish retries ({} stored: {} duplicates stored); {handled} handler runs = \
         {duplicates} duplicates ({twice} messages handled more than once); {} consumer/ack \
         errors; total {:?}",
        stored,
        stored - MESSAGES,
        consumer_errors.lock().unwrap(),
        started.elapsed()
    );
}
