//! JetStream helpers shared by the test files: the `Job` message, streams, consumers and
//! waiting for them.

use std::time::{Duration, Instant};

use evowire_nats::async_nats::jetstream::consumer::{pull, AckPolicy};
use evowire_nats::async_nats::jetstream::stream;
use evowire_nats::{Consumer, JetStream, Message, MessageType};
use serde::{Deserialize, Serialize};

use super::unique;

/// The test message.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Job {
    pub id: u64,
    pub payload: String,
}

impl Message for Job {
    const TYPE: MessageType = MessageType::new("test.Job", 1, 0);
}

/// Job `id`, with a payload naming it.
pub fn job(id: u64) -> Job {
    Job {
        id,
        payload: format!("job {id}"),
    }
}

/// Publishes jobs `ids` on `subject`, up to 1,000 acks in flight, and waits for every ack.
pub async fn publish_jobs(js: &JetStream, subject: &str, ids: std::ops::Range<u64>) {
    for chunk in ids.collect::<Vec<_>>().chunks(1000) {
        let mut acks = Vec::with_capacity(chunk.len());
        for &id in chunk {
            acks.push(
                js.publish_deferred(subject.to_owned(), &job(id))
                    .await
                    .unwrap(),
            );
        }
        futures::future::try_join_all(acks).await.unwrap();
    }
}

/// A new stream capturing `<name>.>`; returns (stream name, subject prefix).
pub async fn new_stream(js: &JetStream, prefix: &str) -> (String, String) {
    let subject = unique(prefix);
    let name = subject.to_uppercase();
    js.context()
        .create_stream(stream::Config {
            name: name.clone(),
            subjects: vec![format!("{subject}.>")],
            ..Default::default()
        })
        .await
        .expect("create stream");
    (name, subject)
}

pub fn durable(name: &str, ack_wait: Duration) -> pull::Config {
    pull::Config {
        durable_name: Some(name.into()),
        ack_policy: AckPolicy::Explicit,
        ack_wait,
        ..Default::default()
    }
}

/// Waits until `done` holds, for at most `limit`.
pub async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the consumer has nothing pending and nothing unacknowledged.
/// Returns the last stream sequence delivered.
pub async fn wait_drained<T: Message>(consumer: &Consumer<T>) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = consumer.info().await.unwrap();
        if info.num_pending == 0 && info.num_ack_pending == 0 {
            return info.delivered.stream_sequence;
        }
        assert!(
            Instant::now() < deadline,
            "consumer not drained: {} pending, {} unacked",
            info.num_pending,
            info.num_ack_pending
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
