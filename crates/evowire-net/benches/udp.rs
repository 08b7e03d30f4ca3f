//! Loopback benchmark of typed UDP datagrams (`evowire_net::udp::Socket`) against a plain
//! tokio `UdpSocket` that sends pre-encoded bytes of the same size (header included) and
//! receives them without decoding, in one process and one run.
//!
//! One task sends as fast as it can (yielding every 64 datagrams), another receives; the
//! rate is what the receiver got per second (loopback drops what the receiver cannot keep up with, so the sender's rate
//! and the share lost are shown too). Runs of the two are interleaved (run 1 of each, then
//! run 2 of each, …) so that a burst of background load hits both alike; the table shows
//! the median of the runs and the ratio typed / plain.
//!
//! ```text
//! cargo bench -p evowire-net --bench udp                       # 5 runs of 1 s each
//! cargo bench -p evowire-net --bench udp -- --runs 3 --secs 0.5
//! ```
//!
//! Without `--bench` (as under `cargo test --benches`) it only does a short smoke run.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;

use evowire_net::udp::{Options, Socket};
use evowire_net::Protocol;

/// The message of the `net` benchmark: 53 bytes in evowire, 81 with the datagram header.
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

fn opts() -> Options {
    Options::new(Protocol::new("bench", 1, 0))
}

/// Sends made before the sending task yields to the scheduler.
const BURST: u64 = 64;

/// Datagrams sent and received in one run.
#[derive(Debug, Clone, Copy)]
struct Run {
    sent: u64,
    received: u64,
    secs: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.received as f64 / self.secs
    }
}

/// Runs the `sender` and `receiver` loops (each counting into its counter) in two tasks
/// for `secs`, then stops both.
async fn measure<SF, RF>(
    secs: f64,
    sender: impl FnOnce(Arc<AtomicU64>) -> SF,
    receiver: impl FnOnce(Arc<AtomicU64>) -> RF,
) -> Run
where
    SF: Future<Output = ()> + Send + 'static,
    RF: Future<Output = ()> + Send + 'static,
{
    let sent = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let receiving = tokio::spawn(receiver(received.clone()));
    let sending = tokio::spawn(sender(sent.clone()));
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let run = Run {
        sent: sent.load(Ordering::Relaxed),
        received: received.load(Ordering::Relaxed),
        secs: start.elapsed().as_secs_f64(),
    };
    sending.abort();
    receiving.abort();
    let _ = sending.await;
    let _ = receiving.await;
    run
}

async fn typed(secs: f64) -> Run {
    let rx = Socket::<Msg, ()>::bind("127.0.0.1:0", opts())
        .await
        .unwrap();
    let tx = Socket::<(), Msg>::bind("127.0.0.1:0", opts())
        .await
        .unwrap();
    let to = rx.local_addr().unwrap();
    measure(
        secs,
        |sent| async move {
            for id in 0.. {
                let _ = tx.send_to(&msg(id), to).await;
                sent.fetch_add(1, Ordering::Relaxed);
                if id % BURST == 0 {
                    tokio::task::yield_now().await;
                }
            }
        },
        |received| async move {
            loop {
                let (m, _) = rx.recv_from().await.unwrap();
                std::hint::black_box(m);
                received.fetch_add(1, Ordering::Relaxed);
            }
        },
    )
    .await
}

/// The same datagram as the typed socket sends, built by the typed socket once.
async fn encoded_datagram() -> Vec<u8> {
    let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tx = Socket::<(), Msg>::bind("127.0.0.1:0", opts())
        .await
        .unwrap();
    tx.send_to(&msg(0), raw.local_addr().unwrap())
        .await
        .unwrap();
    let mut buf = vec![0; 2048];
    let len = raw.recv(&mut buf).await.unwrap();
    buf.truncate(len);
    buf
}

async fn plain(secs: f64, datagram: Vec<u8>) -> Run {
    let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let to: SocketAddr = rx.local_addr().unwrap();
    measure(
        secs,
        |sent| async move {
            for id in 0_u64.. {
                let _ = tx.send_to(&datagram, to).await;
                sent.fetch_add(1, Ordering::Relaxed);
                if id % BURST == 0 {
                    tokio::task::yield_now().await;
                }
            }
        },
        |received| async move {
            let mut buf = vec![0; 2048];
            loop {
                let got = rx.recv_from(&mut buf).await.unwrap();
                std::hint::black_box(got);
                received.fetch_add(1, Ordering::Relaxed);
            }
        },
    )
    .await
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let runs = arg(&args, "--runs").unwrap_or(if bench { 5 } else { 1 });
    let secs = arg(&args, "--secs").unwrap_or(if bench { 1.0 } else { 0.1 });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let datagram = encoded_datagram().await;
        println!(
            "one-way datagrams of {} bytes (header included), {runs} runs of {secs} s, 2 worker threads",
            datagram.len()
        );
        let (mut typed_runs, mut plain_runs) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            typed_runs.push(typed(secs).await);
            plain_runs.push(plain(secs, datagram.clone()).await);
        }
        println!(
            "{:<34} {:>14} {:>14} {:>8}",
            "", "received/s", "sent/s", "lost"
        );
        for (name, runs) in [
            ("evowire-net udp::Socket (typed)", &typed_runs),
            ("tokio UdpSocket (pre-encoded)", &plain_runs),
        ] {
            let rate = median(runs.iter().map(Run::rate).collect());
            let sent = median(runs.iter().map(|r| r.sent as f64 / r.secs).collect());
            let lost = median(
                runs.iter()
                    .map(|r| 1.0 - r.received as f64 / r.sent.max(1) as f64)
                    .collect(),
            );
            println!(
                "{name:<34} {rate:>14.0} {sent:>14.0} {:>7.1}%",
                lost * 100.0
            );
        }
        let ratio = median(typed_runs.iter().map(Run::rate).collect())
            / median(plain_runs.iter().map(Run::rate).collect());
        println!("typed / plain (received per second): {ratio:.2}x");
    });
}
