//! Typed layer vs raw async-nats, through a private local nats-server, in the same run:
//!
//! * publish throughput: 40,000 messages, 25 rounds per variant, measured with nobody
//!   subscribed ("publish only": until the server has them all) and to a subscriber on
//!   another connection ("end to end": until it has received, and for the typed variants
//!   checked and decoded, them all; the publisher stays at most two 10,000-message windows
//!   ahead so nothing is dropped as a slow consumer). The median round counts;
//! * request/reply latency: 10,000 sequential requests per variant (one in flight), the
//!   variants taking turns every 50 requests.
//!
//! "raw" publishes (and answers with) pre-encoded evowire bytes with async-nats, and decodes
//! what it receives with `evowire::from_slice`, as an application would; "raw + headers" adds the three evowire headers (a pre-built map); "typed"
//! encodes the (pre-built) value every time, adds the headers, and checks and decodes every
//! message at the receiver; "typed, no headers" is a client `with_type_headers(false)`.
//!
//! Run: `cargo bench -p evowire-nats --bench nats` (needs nats-server, like the tests).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use evowire_nats::async_nats::{self, HeaderMap};
use evowire_nats::{Client, Message, MessageType, ServeOptions};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Side {
    Buy,
    Sell,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Order {
    id: u64,
    symbol: String,
    price: f64,
    qty: u32,
    side: Side,
    note: Option<String>,
}

impl Message for Order {
    const TYPE: MessageType = MessageType::new("bench.Order", 1, 0);
}

fn order(id: u64) -> Order {
    Order {
        id,
        symbol: "EVO".into(),
        price: 101.25,
        qty: 300,
        side: Side::Buy,
        note: None,
    }
}

const PUBLISHES: u64 = 40_000;
const REQUESTS: usize = 10_000;
const ROUNDS: usize = 25;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    /// async-nats, pre-encoded bytes, no headers.
    Raw,
    /// async-nats, pre-encoded bytes, the three evowire headers (a pre-built map, cloned).
    RawHeaders,
    /// evowire-nats with type headers (the default): encode, headers, check, decode.
    Typed,
    /// evowire-nats with `with_type_headers(false)`: encode, decode.
    TypedBare,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::Raw,
        Variant::RawHeaders,
        Variant::Typed,
        Variant::TypedBare,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Raw => "raw",
            Variant::RawHeaders => "raw + headers",
            Variant::Typed => "typed",
            Variant::TypedBare => "typed, no headers",
        }
    }

    fn typed(self) -> bool {
        matches!(self, Variant::Typed | Variant::TypedBare)
    }

    /// What its overhead is measured against: the raw variant with the same headers.
    fn baseline(self) -> usize {
        match self {
            Variant::Raw | Variant::TypedBare => 0,
            Variant::RawHeaders | Variant::Typed => 1,
        }
    }

    async fn client(self, server: &support::Server) -> Client {
        server
            .client()
            .await
            .with_type_headers(self != Variant::TypedBare)
    }
}

/// Wall time and this process's CPU time (all threads: the typed layer's cost is all on
/// the client side, the server is another process). CPU time is the steadier figure on a
/// machine shared with other work.
#[derive(Clone, Copy)]
struct Measure {
    wall: Duration,
    cpu: Duration,
}

impl Measure {
    fn start() -> (Instant, Duration) {
        (Instant::now(), process_cpu())
    }
}

trait Stop {
    fn stop(self) -> Measure;
}

impl Stop for (Instant, Duration) {
    fn stop(self) -> Measure {
        Measure {
            wall: self.0.elapsed(),
            cpu: process_cpu().saturating_sub(self.1),
        }
    }
}

/// CPU time of all of this process's threads, from `/proc/self/task/*/schedstat` (ns).
fn process_cpu() -> Duration {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").expect("Linux /proc") {
        let path = task.unwrap().path().join("schedstat");
        if let Ok(stat) = std::fs::read_to_string(path) {
            ns += stat
                .split_whitespace()
                .next()
                .unwrap_or("0")
                .parse::<u64>()
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

/// Messages a subscriber may lag behind before the publisher waits (below async-nats's
/// 65,536-message subscription buffer, so nothing is dropped as a slow consumer).
const WINDOW: u64 = 10_000;

/// The message the publish benchmarks send, in each variant's form: the value (typed),
/// its bytes and the pre-built header map (raw).
struct Payload {
    value: Order,
    bytes: bytes::Bytes,
    headers: HeaderMap,
}

impl Payload {
    fn new() -> Self {
        let value = order(1);
        Payload {
            bytes: evowire::to_vec(&value).unwrap().into(),
            headers: Order::TYPE.headers(),
            value,
        }
    }

    /// Publishes one message the way `variant` does.
    async fn publish(&self, variant: Variant, publisher: &Client, subject: &async_nats::Subject) {
        let raw = publisher.get_ref();
        match variant {
            Variant::Raw => raw
                .publish(subject.clone(), self.bytes.clone())
                .await
                .unwrap(),
            Variant::RawHeaders => raw
                .publish_with_headers(subject.clone(), self.headers.clone(), self.bytes.clone())
                .await
                .unwrap(),
            Variant::Typed | Variant::TypedBare => publisher
                .publish(subject.clone(), &self.value)
                .await
                .unwrap(),
        }
    }
}

/// Time to publish PUBLISHES messages with nobody subscribed (until the server has them all).
async fn publish_only_round(server: &support::Server, variant: Variant) -> Measure {
    let publisher = variant.client(server).await;
    let subject = async_nats::Subject::from(support::unique("bench.pub.").as_str());
    let payload = Payload::new();
    let start = Measure::start();
    for _ in 0..PUBLISHES {
        payload.publish(variant, &publisher, &subject).await;
    }
    publisher.flush().await.unwrap();
    start.stop()
}

/// Time until a subscriber on another connection has received (and, typed, decoded)
/// PUBLISHES messages; the publisher stays at most two windows ahead.
async fn end_to_end_round(server: &support::Server, variant: Variant) -> Measure {
    let (publisher, subscriber) = (variant.client(server).await, server.client().await);
    let subject = support::unique("bench.e2e.");
    let payload = Payload::new();
    let received = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(Notify::new());

    let receiver = {
        let (received, progress) = (received.clone(), progress.clone());
        let count = move || {
            let n = received.fetch_add(1, Ordering::Release) + 1;
            if n % WINDOW == 0 || n == PUBLISHES {
                progress.notify_one();
            }
            n
        };
        match variant {
            Variant::Typed | Variant::TypedBare => {
                let mut sub = subscriber
                    .subscribe::<Order>(subject.as_str())
                    .await
                    .unwrap();
                tokio::spawn(async move {
                    loop {
                        let msg = sub
                            .next()
                            .await
                            .expect("subscription open")
                            .expect("decodes");
                        std::hint::black_box(&msg.value);
                        if count() == PUBLISHES {
                            return;
                        }
                    }
                })
            }
            Variant::Raw | Variant::RawHeaders => {
                let mut sub = subscriber
                    .get_ref()
                    .subscribe(subject.clone())
                    .await
                    .unwrap();
                subscriber.flush().await.unwrap();
                tokio::spawn(async move {
                    loop {
                        let msg = sub.next().await.expect("subscription open");
                        // As an application would: decode (without any header check).
                        let value: Order = evowire::from_slice(&msg.payload).expect("decodes");
                        std::hint::black_box(&value);
                        if count() == PUBLISHES {
                            return;
                        }
                    }
                })
            }
        }
    };

    let subject = async_nats::Subject::from(subject.as_str());
    let start = Measure::start();
    for id in 0..PUBLISHES {
        if id % WINDOW == 0 {
            while received.load(Ordering::Acquire) + 2 * WINDOW < id + WINDOW {
                progress.notified().await;
            }
        }
        payload.publish(variant, &publisher, &subject).await;
    }
    tokio::time::timeout(Duration::from_secs(60), receiver)
        .await
        .expect("the subscriber got every message")
        .unwrap();
    start.stop()
}

/// A caller and a responder (raw task or typed service) for one variant.
struct RequestPair {
    variant: Variant,
    caller: Client,
    subject: async_nats::Subject,
    request_bytes: bytes::Bytes,
    request_value: Order,
    headers: HeaderMap,
    _service: Option<evowire_nats::Service>,
    _task: Option<AbortOnDrop>,
    latencies: Vec<Duration>,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RequestPair {
    async fn new(server: &support::Server, variant: Variant) -> RequestPair {
        let (caller, responder) = (variant.client(server).await, variant.client(server).await);
        let subject = support::unique("bench.req.");
        let reply_value = order(2);
        let reply_bytes: bytes::Bytes = evowire::to_vec(&reply_value).unwrap().into();
        let headers = Order::TYPE.headers();
        let (mut service, mut task) = (None, None);
        if variant.typed() {
            let handler = move |req: evowire_nats::Received<Order>| {
                let reply = reply_value.clone();
                async move {
                    assert_eq!(req.value.id, 1);
                    Ok::<_, String>(reply)
                }
            };
            let serve = responder.serve(subject.as_str(), ServeOptions::new(), handler);
            service = Some(serve.await.unwrap());
        } else {
            let nats = responder.get_ref().clone();
            let mut sub = nats.subscribe(subject.clone()).await.unwrap();
            responder.flush().await.unwrap();
            let headers = (variant == Variant::RawHeaders).then(|| headers.clone());
            task = Some(AbortOnDrop(tokio::spawn(async move {
                while let Some(msg) = sub.next().await {
                    let req: Order = evowire::from_slice(&msg.payload).unwrap();
                    assert_eq!(req.id, 1);
                    let reply = msg.reply.expect("a request");
                    match &headers {
                        Some(h) => nats
                            .publish_with_headers(reply, h.clone(), reply_bytes.clone())
                            .await
                            .unwrap(),
                        None => nats.publish(reply, reply_bytes.clone()).await.unwrap(),
                    }
                }
            })));
        }
        RequestPair {
            variant,
            caller,
            subject: async_nats::Subject::from(subject.as_str()),
            request_bytes: evowire::to_vec(&order(1)).unwrap().into(),
            request_value: order(1),
            headers,
            _service: service,
            _task: task,
            latencies: Vec::with_capacity(REQUESTS),
        }
    }

    async fn run(&mut self, n: usize) {
        let raw = self.caller.get_ref();
        for _ in 0..n {
            let start = Instant::now();
            match self.variant {
                Variant::Raw => {
                    let reply = raw
                        .request(self.subject.clone(), self.request_bytes.clone())
                        .await
                        .unwrap();
                    std::hint::black_box(evowire::from_slice::<Order>(&reply.payload).unwrap());
                }
                Variant::RawHeaders => {
                    let reply = raw
                        .request_with_headers(
                            self.subject.clone(),
                            self.headers.clone(),
                            self.request_bytes.clone(),
                        )
                        .await
                        .unwrap();
                    std::hint::black_box(evowire::from_slice::<Order>(&reply.payload).unwrap());
                }
                Variant::Typed | Variant::TypedBare => {
                    let reply: Order = self
                        .caller
                        .request(
                            self.subject.clone(),
                            &self.request_value,
                            Duration::from_secs(5),
                        )
                        .await
                        .unwrap();
                    assert_eq!(reply.id, 2);
                }
            }
            self.latencies.push(start.elapsed());
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() {
    let server = support::start();
    let variants = Variant::ALL;
    println!(
        "evowire-nats benchmark: message {} bytes evowire ({} with the evowire headers), \
         {PUBLISHES} publishes x {ROUNDS} rounds, {REQUESTS} requests per variant, \
         nats-server at {}",
        evowire::to_vec(&order(1)).unwrap().len(),
        {
            let mut h = String::from("NATS/1.0\r\n");
            for (k, vs) in Order::TYPE.headers().iter() {
                for v in vs {
                    h += &format!("{k}: {v}\r\n");
                }
            }
            h.len() + 2 + evowire::to_vec(&order(1)).unwrap().len()
        },
        server.url()
    );

    // Warm up connections, allocator and server.
    for v in variants {
        publish_only_round(&server, v).await;
        end_to_end_round(&server, v).await;
    }

    let n = variants.len();
    // Per variant: publish-only and end-to-end measures of every round.
    let mut publish: Vec<(Vec<Measure>, Vec<Measure>)> = vec![(Vec::new(), Vec::new()); n];
    for _ in 0..ROUNDS {
        for (i, v) in variants.iter().enumerate() {
            publish[i].0.push(publish_only_round(&server, *v).await);
            publish[i].1.push(end_to_end_round(&server, *v).await);
        }
    }

    // Requests: all variants set up at once and run in turns of 50, so that load changes on
    // the machine hit them alike.
    let mut pairs = Vec::new();
    for v in variants {
        let mut pair = RequestPair::new(&server, v).await;
        pair.run(500).await; // warm-up
        pair.latencies.clear();
        pairs.push(pair);
    }
    for _ in 0..REQUESTS / 50 {
        for pair in &mut pairs {
            pair.run(50).await;
        }
    }
    let req: Vec<(f64, f64, f64)> = pairs
        .iter_mut()
        .map(|pair| {
            let lat = &mut pair.latencies;
            lat.sort_unstable();
            let mean = lat.iter().map(|d| micros(*d)).sum::<f64>() / lat.len() as f64;
            (
                mean,
                micros(lat[lat.len() / 2]),
                micros(lat[lat.len() * 99 / 100]),
            )
        })
        .collect();

    // Median messages/s (wall) and median client CPU ns/message.
    let summary = |ms: &[Measure]| {
        let rate = median(
            ms.iter()
                .map(|m| PUBLISHES as f64 / m.wall.as_secs_f64())
                .collect(),
        );
        let cpu = median(
            ms.iter()
                .map(|m| m.cpu.as_nanos() as f64 / PUBLISHES as f64)
                .collect(),
        );
        (rate, cpu)
    };
    let rows: Vec<((f64, f64), (f64, f64))> = publish
        .iter()
        .map(|(p, e)| (summary(p), summary(e)))
        .collect();

    println!();
    println!(
        "Publish throughput, median of {ROUNDS} rounds of {PUBLISHES} messages: messages/s (wall"
    );
    println!("clock) and client CPU ns per message (all client threads; the server is another");
    println!("process). Overhead = extra client CPU per message against the raw variant with the");
    println!("same headers.");
    println!();
    println!("| variant           | publish only msg/s | CPU ns/msg | overhead | end to end msg/s | CPU ns/msg | overhead |");
    println!("|-------------------|-------------------:|-----------:|---------:|-----------------:|-----------:|---------:|");
    for (i, v) in variants.iter().enumerate() {
        let ((prate, pcpu), (erate, ecpu)) = rows[i];
        let ((_, bpcpu), (_, becpu)) = rows[v.baseline()];
        let cell = |base: f64, x: f64| {
            if v.typed() {
                format!("{:+.1}%", (x / base - 1.0) * 100.0)
            } else {
                String::new()
            }
        };
        println!(
            "| {:<17} | {prate:>18.0} | {pcpu:>10.0} | {:>8} | {erate:>16.0} | {ecpu:>10.0} | {:>8} |",
            v.name(),
            cell(bpcpu, pcpu),
            cell(becpu, ecpu),
        );
    }
    println!();
    println!("Request/reply latency, one request in flight, {REQUESTS} requests per variant, µs.");
    println!();
    println!("| variant           |   mean |    p50 |    p99 | overhead (mean) |");
    println!("|-------------------|-------:|-------:|-------:|----------------:|");
    for (i, v) in variants.iter().enumerate() {
        let (m, p50, p99) = req[i];
        let over = if v.typed() {
            format!("{:+.1}%", (m / req[v.baseline()].0 - 1.0) * 100.0)
        } else {
            String::new()
        };
        println!(
            "| {:<17} | {m:>6.1} | {p50:>6.1} | {p99:>6.1} | {over:>15} |",
            v.name()
        );
    }
    println!();
    println!(
        "typed (with headers) against raw without headers, client CPU per message: publish \
         only {:+.1}%, end to end {:+.1}%; request latency (mean) {:+.1}%",
        (rows[2].0 .1 / rows[0].0 .1 - 1.0) * 100.0,
        (rows[2].1 .1 / rows[0].1 .1 - 1.0) * 100.0,
        (req[2].0 / req[0].0 - 1.0) * 100.0
    );
}
