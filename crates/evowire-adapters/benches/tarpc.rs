//! tarpc with the evowire codec against tarpc with bincode (tokio-serde's `Bincode`), in
//! one process and one run: calls per second of an echo service with 1 and with 64 calls
//! in flight, over loopback TCP with `TCP_NODELAY` on both ends.
//!
//! ```text
//! cargo bench -p evowire-adapters --features tokio-serde --bench tarpc                        # 5 runs of 1 s
//! cargo bench -p evowire-adapters --features tokio-serde --bench tarpc -- --runs 3 --secs 0.5
//! ```
//!
//! Runs alternate between the two codecs (run 1 of each, then run 2 of each, …) so that
//! background load hits both alike; the table shows the median of the runs and the ratio
//! evowire / bincode. Without `--bench` (as under `cargo test --benches`) it does one
//! short smoke run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use evowire_adapters::tokio_serde::Evowire;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tarpc::server::{BaseChannel, Channel};
use tarpc::tokio_serde::formats::Bincode;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// The message of every call: 64 bytes in bincode, 54 in evowire.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Msg {
    id: u64,
    timestamp: u64,
    value: f64,
    label: String,
}

fn msg(id: u64) -> Msg {
    Msg {
        id,
        timestamp: 1_718_000_000_000_000 + id,
        value: 21.5,
        label: "sensor/bay-7/temperature/celsius".to_string(),
    }
}

#[tarpc::service]
trait Echo {
    async fn echo(m: Msg) -> Msg;
}

#[derive(Clone)]
struct EchoServer;

impl Echo for EchoServer {
    async fn echo(self, _: tarpc::context::Context, m: Msg) -> Msg {
        m
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Evowire,
    Bincode,
}

/// A connected client and its server task, both on `codec` (a `tokio_serde` codec value).
macro_rules! tarpc_pair {
    ($codec:expr) => {{
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            let transport = tarpc::serde_transport::new(
                Framed::new(stream, LengthDelimitedCodec::new()),
                $codec,
            );
            BaseChannel::with_defaults(transport)
                .execute(EchoServer.serve())
                .for_each(|call| async move {
                    tokio::spawn(call);
                })
                .await;
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let transport =
            tarpc::serde_transport::new(Framed::new(stream, LengthDelimitedCodec::new()), $codec);
        let client = EchoClient::new(tarpc::client::Config::default(), transport).spawn();
        (client, server)
    }};
}

/// Calls per second with `inflight` tasks calling in a loop for `d`, after a warm-up.
async fn calls_per_second(format: Format, inflight: usize, d: Duration) -> f64 {
    let (client, server) = match format {
        Format::Evowire => tarpc_pair!(Evowire::default()),
        Format::Bincode => tarpc_pair!(Bincode::default()),
    };
    let warm_until = Instant::now() + d / 10;
    while Instant::now() < warm_until {
        black_box(
            client
                .echo(tarpc::context::current(), msg(1))
                .await
                .unwrap(),
        );
    }
    let start = Instant::now();
    let deadline = start + d;
    let tasks: Vec<_> = (0..inflight)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut m = msg(t as u64);
                let mut n = 0u64;
                while Instant::now() < deadline {
                    m.id = n;
                    let r = client
                        .echo(tarpc::context::current(), m.clone())
                        .await
                        .unwrap();
                    assert_eq!(r.id, n);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut calls = 0;
    for task in tasks {
        calls += task.await.unwrap();
    }
    let rate = calls as f64 / start.elapsed().as_secs_f64();
    drop(client);
    server.abort();
    rate
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<f64>()
                    .unwrap_or_else(|_| panic!("{flag} takes a number"))
            })
    };
    let runs = value("--runs").map_or(if bench { 5 } else { 1 }, |r| r.max(1.0) as usize);
    let secs = value("--secs").unwrap_or(if bench { 1.0 } else { 0.05 });
    let d = Duration::from_secs_f64(secs);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    println!("tarpc 0.38 echo over loopback TCP, {runs} runs of {secs} s, median calls/s");
    println!("| in flight | evowire | bincode | evowire / bincode |");
    println!("|----------:|--------:|--------:|------------------:|");
    for inflight in [1, 64] {
        let mut evowire = Vec::new();
        let mut bincode = Vec::new();
        for _ in 0..runs {
            evowire.push(rt.block_on(calls_per_second(Format::Evowire, inflight, d)));
            bincode.push(rt.block_on(calls_per_second(Format::Bincode, inflight, d)));
        }
        let (e, b) = (median(evowire), median(bincode));
        println!("| {inflight} | {e:.0} | {b:.0} | {:.2}x |", e / b);
    }
}
