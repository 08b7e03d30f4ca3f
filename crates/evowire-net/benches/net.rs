//! Loopback benchmark of evowire-net against hand-rolled tokio-util + bincode peers and
//! tarpc, all in one process and one run:
//!
//! * one-way throughput of ~64-byte messages (evowire-net `send`/`recv` vs
//!   `LengthDelimitedCodec` + bincode, coalescing writes or flushing every message);
//! * request/response round trips per second with 1 and with 64 calls in flight
//!   (evowire-net `call` + `serve` vs tarpc 0.38 with its bincode transport vs a
//!   hand-rolled multiplexing client);
//! * p50/p99 latency of a single call (the 1-in-flight runs).
//!
//! ```text
//! cargo bench -p evowire-net --bench net                    # 5 runs of 1 s each
//! cargo bench -p evowire-net --bench net -- --runs 3 --secs 0.5
//! ```
//!
//! Runs of the different implementations are interleaved (run 1 of each, then run 2 of
//! each, …) so that a burst of background load hits them alike; the tables show the
//! median of the runs and their range. Without `--bench` (as under `cargo test
//! --benches`) it only does a short smoke run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use evowire_net::{connect, serve, Listener, Options, Protocol};

/// The message of every measurement: 64 bytes in bincode, 55 in evowire.
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

/// Messages a coalescing baseline sender feeds before each flush.
const BATCH: usize = 1024;
/// Operations (messages, calls) measured so far, for `--only`'s CPU time per operation.
static OPS: AtomicU64 = AtomicU64::new(0);

/// Calls in flight for the concurrent measurement.
const IN_FLIGHT: usize = 64;

struct Config {
    runs: usize,
    secs: f64,
    /// Run only this measurement (for profiling), e.g. `oneway-evowire` or `rpc-tarpc-64`.
    only: Option<String>,
}

impl Config {
    fn from_args() -> Config {
        let args: Vec<String> = std::env::args().collect();
        let bench = args.iter().any(|a| a == "--bench");
        let mut cfg = if bench {
            Config {
                runs: 5,
                secs: 1.0,
                only: None,
            }
        } else {
            Config {
                runs: 1,
                secs: 0.05,
                only: None,
            }
        };
        let mut i = 1;
        while i < args.len() {
            let value = args.get(i + 1).map(String::as_str);
            match (args[i].as_str(), value) {
                ("--runs", Some(v)) => {
                    cfg.runs = v.parse().expect("--runs N");
                    i += 1;
                }
                ("--secs", Some(v)) => {
                    cfg.secs = v.parse().expect("--secs SECONDS");
                    i += 1;
                }
                ("--only", Some(v)) => {
                    cfg.only = Some(v.to_string());
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        cfg
    }

    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }
}

fn main() {
    let cfg = Config::from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Everything, senders included, runs on the runtime's worker threads.
    rt.block_on(async { tokio::spawn(run(cfg)).await.expect("benchmark panicked") });
}

fn opts() -> Options {
    Options::new(Protocol::new("bench", 1, 0))
}

async fn run(cfg: Config) {
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!(
        "evowire-net loopback benchmark: {} run(s) of {:.2} s per measurement, tokio \
         multi-thread runtime with {workers} workers, {} CPUs ({cpu})",
        cfg.runs,
        cfg.secs,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "message: {} bytes in evowire, {} bytes in bincode; coalescing batch {BATCH}\n",
        evowire::to_vec(&msg(1000)).unwrap().len(),
        bincode::serialize(&msg(1000)).unwrap().len(),
    );
    let d = cfg.duration();
    if let Some(only) = &cfg.only {
        run_only(only, &cfg).await;
        return;
    }

    // ----- one way ---------------------------------------------------------------------
    let mut evo = Vec::new();
    let mut coalesce = Vec::new();
    let mut per_msg = Vec::new();
    for run in 0..cfg.runs {
        evo.push(oneway_evowire(d).await);
        coalesce.push(oneway_baseline(d, BATCH).await);
        per_msg.push(oneway_baseline(d, 1).await);
        eprintln!(
            "one-way run {}: evowire-net {:.0}, coalescing {:.0}, flush per message {:.0} msgs/s",
            run + 1,
            evo[run],
            coalesce[run],
            per_msg[run]
        );
    }

    // ----- request/response ------------------------------------------------------------
    let impls = [Rpc::Evowire, Rpc::Tarpc, Rpc::HandRolled];
    let mut rates: HashMap<(Rpc, usize), Vec<f64>> = HashMap::new();
    let mut latencies: HashMap<Rpc, Vec<u64>> = HashMap::new();
    for run in 0..cfg.runs {
        for &inflight in &[1, IN_FLIGHT] {
            for &imp in &impls {
                let (rate, lat) = rpc(imp, inflight, d).await;
                rates.entry((imp, inflight)).or_default().push(rate);
                if inflight == 1 {
                    latencies.entry(imp).or_default().extend(lat);
                }
                eprintln!(
                    "rpc run {}: {} with {inflight} in flight: {rate:.0} calls/s",
                    run + 1,
                    imp.name()
                );
            }
        }
    }

    // ----- report ----------------------------------------------------------------------
    let evo_med = median(&evo);
    let co_med = median(&coalesce);
    println!(
        "### One-way throughput (messages/s, median of {} runs)\n",
        cfg.runs
    );
    println!("| sender → receiver | msgs/s | range | vs coalescing baseline |");
    println!("|---|---:|---:|---:|");
    for (name, v) in [
        ("evowire-net `send` → `recv`", &evo),
        (
            "LengthDelimitedCodec + bincode, feed ×1024 then flush",
            &coalesce,
        ),
        (
            "LengthDelimitedCodec + bincode, flush every message",
            &per_msg,
        ),
    ] {
        println!(
            "| {name} | {} | {} | {:.2}x |",
            si(median(v)),
            range(v),
            median(v) / co_med
        );
    }

    println!(
        "\n### Request/response (calls/s, median of {} runs; latency of single calls, all runs)\n",
        cfg.runs
    );
    println!(
        "| client ↔ server | 1 in flight | {IN_FLIGHT} in flight | p50 | p99 | \
         vs tarpc (1 / {IN_FLIGHT}) | vs hand-rolled (1 / {IN_FLIGHT}) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let med = |imp: Rpc, k: usize| median(&rates[&(imp, k)]);
    for &imp in &impls {
        let lat = latencies.get_mut(&imp).unwrap();
        lat.sort_unstable();
        println!(
            "| {} | {} ({}) | {} ({}) | {} | {} | {:.2}x / {:.2}x | {:.2}x / {:.2}x |",
            imp.name(),
            si(med(imp, 1)),
            range(&rates[&(imp, 1)]),
            si(med(imp, IN_FLIGHT)),
            range(&rates[&(imp, IN_FLIGHT)]),
            micros(percentile(lat, 0.50)),
            micros(percentile(lat, 0.99)),
            med(imp, 1) / med(Rpc::Tarpc, 1),
            med(imp, IN_FLIGHT) / med(Rpc::Tarpc, IN_FLIGHT),
            med(imp, 1) / med(Rpc::HandRolled, 1),
            med(imp, IN_FLIGHT) / med(Rpc::HandRolled, IN_FLIGHT),
        );
    }

    println!("\n### Targets\n");
    let check = |what: &str, ratio: f64, target: f64| {
        println!(
            "- {what}: {ratio:.2}x (target ≥ {target}x) {}",
            if ratio >= target { "met" } else { "MISSED" }
        );
    };
    check("one-way vs coalescing baseline", evo_med / co_med, 1.0);
    for k in [1, IN_FLIGHT] {
        check(
            &format!("calls/s at {k} in flight vs tarpc"),
            med(Rpc::Evowire, k) / med(Rpc::Tarpc, k),
            2.0,
        );
        check(
            &format!("calls/s at {k} in flight vs hand-rolled"),
            med(Rpc::Evowire, k) / med(Rpc::HandRolled, k),
            0.8,
        );
    }
}

/// Runs one measurement `cfg.runs` times and prints its rates.
async fn run_only(only: &str, cfg: &Config) {
    let d = cfg.duration();
    for _ in 0..cfg.runs {
        let cpu0 = cpu_seconds();
        let rate = match only {
            "oneway-evowire" => oneway_evowire(d).await,
            "oneway-coalescing" => oneway_baseline(d, BATCH).await,
            "oneway-flush" => oneway_baseline(d, 1).await,
            _ => {
                let mut parts = only.splitn(3, '-');
                let (Some("rpc"), Some(imp), Some(k)) = (parts.next(), parts.next(), parts.next())
                else {
                    panic!("unknown measurement {only}");
                };
                let imp = match imp {
                    "evowire" => Rpc::Evowire,
                    "tarpc" => Rpc::Tarpc,
                    "handrolled" => Rpc::HandRolled,
                    _ => panic!("unknown implementation {imp}"),
                };
                rpc(imp, k.parse().expect("calls in flight"), d).await.0
            }
        };
        let cpu = cpu_seconds() - cpu0;
        let ops = OPS.swap(0, Ordering::Relaxed);
        println!(
            "{only}: {rate:.0}/s, {ops} operations, {:.0} ns of CPU per operation",
            cpu * 1e9 / ops as f64
        );
    }
}

/// User and system CPU time of this process so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime is the 12th, stime
    // the 13th, in clock ticks of 10 ms.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

// ----- statistics and formatting -------------------------------------------------------

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn range(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(0.0, f64::max);
    format!("{}–{}", si(lo), si(hi))
}

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

fn micros(ns: u64) -> String {
    format!("{:.1} µs", ns as f64 / 1e3)
}

// ----- one way -------------------------------------------------------------------------

/// Sends for `d`, closes, and returns messages per second as seen by the receiver (from
/// the first send to the end of the stream).
async fn oneway_evowire(d: Duration) -> f64 {
    let mut listener = Listener::<Msg, ()>::bind("127.0.0.1:0", opts())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut n = 0u64;
        while let Some(m) = conn.recv().await.unwrap() {
            black_box(&m);
            n += 1;
        }
        (n, Instant::now())
    });
    let conn = connect::<(), Msg>(addr, &opts()).await.unwrap();
    let mut m = msg(0);
    let start = Instant::now();
    let deadline = start + d;
    let mut sent = 0u64;
    while Instant::now() < deadline {
        for _ in 0..256 {
            m.id = sent;
            conn.send(&m).await.unwrap();
            sent += 1;
        }
    }
    conn.close().await.unwrap();
    let (n, end) = receiver.await.unwrap();
    assert_eq!(n, sent, "evowire-net lost messages");
    OPS.fetch_add(n, Ordering::Relaxed);
    n as f64 / (end - start).as_secs_f64()
}

/// The baseline: `FramedWrite<_, LengthDelimitedCodec>` of bincode-encoded messages,
/// flushed every `batch` messages, and a `FramedRead` that decodes each frame.
async fn oneway_baseline(d: Duration, batch: usize) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut frames = FramedRead::new(stream, LengthDelimitedCodec::new());
        let mut n = 0u64;
        while let Some(frame) = frames.next().await {
            let m: Msg = bincode::deserialize(&frame.unwrap()).unwrap();
            black_box(&m);
            n += 1;
        }
        (n, Instant::now())
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut sink = FramedWrite::new(stream, LengthDelimitedCodec::new());
    let mut m = msg(0);
    let start = Instant::now();
    let deadline = start + d;
    let mut sent = 0u64;
    while Instant::now() < deadline {
        for _ in 0..(BATCH / batch).max(1) {
            for _ in 0..batch {
                m.id = sent;
                let bytes = Bytes::from(bincode::serialize(&m).unwrap());
                sink.feed(bytes).await.unwrap();
                sent += 1;
            }
            SinkExt::<Bytes>::flush(&mut sink).await.unwrap();
        }
    }
    SinkExt::<Bytes>::close(&mut sink).await.unwrap();
    let (n, end) = receiver.await.unwrap();
    assert_eq!(n, sent, "baseline lost messages");
    OPS.fetch_add(n, Ordering::Relaxed);
    n as f64 / (end - start).as_secs_f64()
}

// ----- request/response ----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rpc {
    Evowire,
    Tarpc,
    HandRolled,
}

impl Rpc {
    fn name(self) -> &'static str {
        match self {
            Rpc::Evowire => "evowire-net `call` + `serve`",
            Rpc::Tarpc => "tarpc 0.38 (bincode transport)",
            Rpc::HandRolled => "hand-rolled (LengthDelimitedCodec + bincode)",
        }
    }
}

/// A client of one of the implementations, cheap to clone across tasks.
#[derive(Clone)]
enum Client {
    Evowire(evowire_net::Sender<Msg>),
    Tarpc(EchoClient),
    HandRolled(HrClient),
}

impl Client {
    async fn call(&self, m: &Msg) -> Msg {
        match self {
            Client::Evowire(tx) => tx.call(m).await.unwrap(),
            Client::Tarpc(c) => c.echo(tarpc::context::current(), m.clone()).await.unwrap(),
            Client::HandRolled(c) => c.call(m).await,
        }
    }
}

/// Runs `inflight` tasks that call in a loop for `d` (after a short warm-up) and returns
/// calls per second and, with one in flight, every call's latency in nanoseconds.
async fn rpc(imp: Rpc, inflight: usize, d: Duration) -> (f64, Vec<u64>) {
    let (client, server) = match imp {
        Rpc::Evowire => evowire_pair().await,
        Rpc::Tarpc => tarpc_pair().await,
        Rpc::HandRolled => hand_rolled_pair().await,
    };
    // Warm-up: connections, allocations, caches.
    let warm_until = Instant::now() + d / 10;
    while Instant::now() < warm_until {
        black_box(client.call(&msg(1)).await);
    }
    let start = Instant::now();
    let deadline = start + d;
    let record = inflight == 1;
    let tasks: Vec<_> = (0..inflight)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut m = msg(t as u64);
                let mut n = 0u64;
                let mut lat = Vec::new();
                if record {
                    lat.reserve(200_000);
                }
                loop {
                    let t0 = Instant::now();
                    if t0 >= deadline {
                        break;
                    }
                    m.id = n;
                    let r = client.call(&m).await;
                    debug_assert_eq!(r, m);
                    black_box(r);
                    if record {
                        lat.push(t0.elapsed().as_nanos() as u64);
                    }
                    n += 1;
                }
                (n, lat)
            })
        })
        .collect();
    let mut total = 0;
    let mut lat = Vec::new();
    for t in tasks {
        let (n, l) = t.await.unwrap();
        total += n;
        lat.extend(l);
    }
    let elapsed = start.elapsed();
    drop(client);
    server.abort();
    OPS.fetch_add(total, Ordering::Relaxed);
    (total as f64 / elapsed.as_secs_f64(), lat)
}

async fn evowire_pair() -> (Client, tokio::task::JoinHandle<()>) {
    let listener = Listener::<Msg, Msg>::bind("127.0.0.1:0", opts())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = serve(listener, |m: Msg| async move { Ok::<_, Infallible>(m) }).await;
    });
    let conn = connect::<Msg, Msg>(addr, &opts()).await.unwrap();
    let (tx, _rx) = conn.split();
    (Client::Evowire(tx), server)
}

// tarpc ----------------------------------------------------------------------------------

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

async fn tarpc_pair() -> (Client, tokio::task::JoinHandle<()>) {
    use tarpc::server::Channel;
    use tarpc::tokio_serde::formats::Bincode;
    use tokio_util::codec::Framed;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        let transport = tarpc::serde_transport::new(
            Framed::new(stream, LengthDelimitedCodec::new()),
            Bincode::default(),
        );
        tarpc::server::BaseChannel::with_defaults(transport)
            .execute(EchoServer.serve())
            .for_each(|response| async move {
                tokio::spawn(response);
            })
            .await;
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let transport = tarpc::serde_transport::new(
        Framed::new(stream, LengthDelimitedCodec::new()),
        Bincode::default(),
    );
    let client = EchoClient::new(tarpc::client::Config::default(), transport).spawn();
    (Client::Tarpc(client), server)
}

// hand-rolled ----------------------------------------------------------------------------

/// A multiplexing client: correlation ids, a map of oneshots, one writer task that
/// coalesces queued frames into one flush, one reader task that routes responses.
#[derive(Clone)]
struct HrClient {
    inner: Arc<HrInner>,
}

struct HrInner {
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Msg>>>,
    out: mpsc::Sender<Bytes>,
}

impl HrClient {
    fn start(stream: TcpStream) -> HrClient {
        let (rd, wr) = stream.into_split();
        let (out, rx) = mpsc::channel(1024);
        let inner = Arc::new(HrInner {
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            out,
        });
        tokio::spawn(writer(wr, rx));
        let routes = inner.clone();
        tokio::spawn(async move {
            let mut frames = FramedRead::new(rd, LengthDelimitedCodec::new());
            while let Some(Ok(frame)) = frames.next().await {
                let (id, resp): (u64, Msg) = bincode::deserialize(&frame).unwrap();
                let tx = routes.pending.lock().unwrap().remove(&id);
                if let Some(tx) = tx {
                    let _ = tx.send(resp);
                }
            }
            routes.pending.lock().unwrap().clear();
        });
        HrClient { inner }
    }

    async fn call(&self, req: &Msg) -> Msg {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.inner.pending.lock().unwrap().insert(id, tx);
        let frame = Bytes::from(bincode::serialize(&(id, req)).unwrap());
        self.inner.out.send(frame).await.unwrap();
        rx.await.unwrap()
    }
}

/// Writes queued frames, flushing once per batch of what is queued.
async fn writer(wr: tokio::net::tcp::OwnedWriteHalf, mut rx: mpsc::Receiver<Bytes>) {
    let mut sink = FramedWrite::new(wr, LengthDelimitedCodec::new());
    while let Some(frame) = rx.recv().await {
        if sink.feed(frame).await.is_err() {
            return;
        }
        while let Ok(frame) = rx.try_recv() {
            if sink.feed(frame).await.is_err() {
                return;
            }
        }
        if SinkExt::<Bytes>::flush(&mut sink).await.is_err() {
            return;
        }
    }
}

/// The hand-rolled server: a reader that answers each request inline (echo) and queues
/// the response for a coalescing writer task.
async fn hand_rolled_pair() -> (Client, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (rd, wr) = stream.into_split();
        let (out, rx) = mpsc::channel(1024);
        tokio::spawn(writer(wr, rx));
        let mut frames = FramedRead::new(rd, LengthDelimitedCodec::new());
        while let Some(Ok(frame)) = frames.next().await {
            let (id, req): (u64, Msg) = bincode::deserialize(&frame).unwrap();
            let resp = req; // the echo handler
            let frame = Bytes::from(bincode::serialize(&(id, &resp)).unwrap());
            if out.send(frame).await.is_err() {
                break;
            }
        }
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    (Client::HandRolled(HrClient::start(stream)), server)
}
