//! Loopback benchmark of evowire-net against hand-rolled tokio-util + bincode peers and
//! tarpc, all in one process and one run:
//!
//! * one-way throughput of ~64-byte messages: evowire-net `send` → `recv` vs
//!   `LengthDelimitedCodec` + bincode, coalescing writes (feed 1024, flush once) or
//!   flushing every message;
//! * request/response round trips per second with 1 and with 64 calls in flight:
//!   evowire-net `call` + `serve` vs tarpc 0.38 (bincode transport; with `TCP_NODELAY`
//!   and with its default Nagle) vs a hand-rolled multiplexing client;
//! * the same over TLS 1.3 (rustls, `ring`, one self-signed certificate made at start),
//!   side by side with plaintext: evowire-net one-way and calls, and tarpc over the same
//!   rustls configuration;
//! * evowire-net calls over plaintext TCP split through `tokio::io::split` (as a TLS
//!   stream is, a lock shared by reader and writer) instead of TCP's lock-free split:
//!   the cost of that lock apart from the cost of encryption;
//! * p50/p99 latency of a single call (the 1-in-flight runs);
//! * CPU time per message or call (user + system, whole process), which background load
//!   disturbs less than the rates.
//!
//! ```text
//! cargo bench -p evowire-net --features tls --bench net                    # 5 runs of 1 s each
//! cargo bench -p evowire-net --features tls --bench net -- --runs 3 --secs 0.5
//! cargo bench -p evowire-net --features tls --bench net -- --current-thread
//! cargo bench -p evowire-net --features tls --bench net -- --only rpc-evowire-1    # one measurement
//! ```
//!
//! Runs of the different implementations are interleaved (run 1 of each, then run 2 of
//! each, …) so that a burst of background load hits them alike; tables show the median
//! of the runs and their range. Without `--bench` (as under `cargo test --benches`) it
//! only does a short smoke run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use evowire_net::rustls::pki_types::{PrivatePkcs8KeyDer, ServerName};
use evowire_net::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use evowire_net::{connect, serve, Connector, Listener, Options, Protocol};
use evowire_net::{TlsClientConfig, TlsServerConfig};

/// The message of every measurement: 64 bytes in bincode, 54 in evowire.
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
/// Calls in flight for the concurrent measurement.
const IN_FLIGHT: usize = 64;

struct Config {
    runs: usize,
    secs: f64,
    current_thread: bool,
    /// Run only this measurement (for profiling), e.g. `oneway-evowire` or `rpc-tarpc-64`.
    only: Option<String>,
}

impl Config {
    fn from_args() -> Config {
        let args: Vec<String> = std::env::args().collect();
        let bench = args.iter().any(|a| a == "--bench");
        let mut cfg = Config {
            runs: if bench { 5 } else { 1 },
            secs: if bench { 1.0 } else { 0.05 },
            current_thread: false,
            only: None,
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
                ("--current-thread", _) => cfg.current_thread = true,
                _ => {}
            }
            i += 1;
        }
        cfg.runs = cfg.runs.max(1);
        cfg
    }

    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }
}

fn main() {
    let cfg = Config::from_args();
    let rt = if cfg.current_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    }
    .expect("runtime");
    // Everything, senders included, runs on the runtime's worker threads.
    rt.block_on(async { tokio::spawn(run(cfg)).await.expect("benchmark panicked") });
}

/// The TLS configurations of every TLS measurement: one self-signed certificate for
/// `localhost`, TLS 1.3, rustls with `ring`; evowire-net and tarpc use the same ones.
struct Tls {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
}

fn tls() -> &'static Tls {
    static TLS: OnceLock<Tls> = OnceLock::new();
    TLS.get_or_init(|| {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert.cert.der().clone()).unwrap();
        let client = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Tls {
            server: Arc::new(server),
            client: Arc::new(client),
        }
    })
}

/// A listener, over TLS or not.
async fn listener<In, Out>(over_tls: bool) -> Listener<In, Out>
where
    In: serde::de::DeserializeOwned + Send + 'static,
    Out: Serialize + Send + 'static,
{
    let listener = Listener::bind("127.0.0.1:0", opts()).await.unwrap();
    match over_tls {
        false => listener,
        true => listener.with_tls(TlsServerConfig::from_rustls(tls().server.clone())),
    }
}

/// A connection to `addr`, over TLS or not.
async fn connect_to<In, Out>(
    addr: std::net::SocketAddr,
    over_tls: bool,
) -> evowire_net::Connection<In, Out>
where
    In: serde::de::DeserializeOwned,
    Out: Serialize,
{
    if !over_tls {
        return connect(addr, &opts()).await.unwrap();
    }
    let client = TlsClientConfig::from_rustls(tls().client.clone(), "localhost").unwrap();
    Connector::new(opts())
        .with_tls(client)
        .connect(addr)
        .await
        .unwrap()
}

fn opts() -> Options {
    Options::new(Protocol::new("bench", 1, 0))
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    ops: u64,
    secs: f64,
    /// Process CPU seconds (user + system) during the run.
    cpu: f64,
}

impl Measured {
    fn since(ops: u64, start: Instant, cpu0: f64) -> Measured {
        Measured {
            ops,
            secs: start.elapsed().as_secs_f64(),
            cpu: cpu_seconds() - cpu0,
        }
    }

    fn rate(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    fn cpu_ns(&self) -> f64 {
        self.cpu * 1e9 / self.ops.max(1) as f64
    }
}

/// The runs of one measurement.
#[derive(Default)]
struct Runs(Vec<Measured>);

impl Runs {
    fn rates(&self) -> Vec<f64> {
        self.0.iter().map(Measured::rate).collect()
    }

    fn rate(&self) -> f64 {
        median(&self.rates())
    }

    fn range(&self) -> String {
        let v = self.rates();
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("{}–{}", si(lo), si(hi))
    }

    fn cpu(&self) -> String {
        let ns = median(&self.0.iter().map(Measured::cpu_ns).collect::<Vec<_>>());
        if ns >= 1e3 {
            format!("{:.1} µs", ns / 1e3)
        } else {
            format!("{ns:.0} ns")
        }
    }
}

/// User plus system CPU time of this process so far, in seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // After the command name (in parentheses): utime is the 12th field, stime the 13th,
    // in clock ticks of 10 ms.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum OneWay {
    Evowire,
    EvowireTls,
    Coalescing,
    FlushEach,
}

impl OneWay {
    const ALL: [OneWay; 4] = [
        OneWay::Evowire,
        OneWay::EvowireTls,
        OneWay::Coalescing,
        OneWay::FlushEach,
    ];

    fn name(self) -> &'static str {
        match self {
            OneWay::Evowire => "evowire-net `send` → `recv`",
            OneWay::EvowireTls => "evowire-net `send` → `recv`, TLS 1.3",
            OneWay::Coalescing => "LengthDelimitedCodec + bincode, feed ×1024 then flush",
            OneWay::FlushEach => "LengthDelimitedCodec + bincode, flush every message",
        }
    }

    async fn measure(self, d: Duration) -> Measured {
        match self {
            OneWay::Evowire => oneway_evowire(d, false).await,
            OneWay::EvowireTls => oneway_evowire(d, true).await,
            OneWay::Coalescing => oneway_baseline(d, BATCH).await,
            OneWay::FlushEach => oneway_baseline(d, 1).await,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rpc {
    Evowire,
    EvowireSplit,
    EvowireTls,
    Tarpc,
    TarpcTls,
    TarpcNagle,
    HandRolled,
}

impl Rpc {
    const ALL: [Rpc; 7] = [
        Rpc::Evowire,
        Rpc::EvowireSplit,
        Rpc::EvowireTls,
        Rpc::Tarpc,
        Rpc::TarpcTls,
        Rpc::TarpcNagle,
        Rpc::HandRolled,
    ];

    fn name(self) -> &'static str {
        match self {
            Rpc::Evowire => "evowire-net `call` + `serve`",
            Rpc::EvowireSplit => "evowire-net `call` + `serve`, TCP through `tokio::io::split`",
            Rpc::EvowireTls => "evowire-net `call` + `serve`, TLS 1.3",
            Rpc::Tarpc => "tarpc 0.38, bincode, TCP_NODELAY",
            Rpc::TarpcTls => "tarpc 0.38, bincode, TCP_NODELAY, TLS 1.3",
            Rpc::TarpcNagle => "tarpc 0.38, bincode, Nagle (its TCP helpers' default)",
            Rpc::HandRolled => "hand-rolled: LengthDelimitedCodec + bincode, ids, oneshots",
        }
    }
}

async fn run(cfg: Config) {
    let d = cfg.duration();
    if let Some(only) = &cfg.only {
        run_only(only, &cfg).await;
        return;
    }
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
        "evowire-net loopback benchmark: {} run(s) of {:.2} s per measurement; tokio {} \
         runtime with {} worker(s); {} CPUs ({cpu})",
        cfg.runs,
        cfg.secs,
        if cfg.current_thread {
            "current-thread"
        } else {
            "multi-thread"
        },
        tokio::runtime::Handle::current().metrics().num_workers(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "message: {} bytes in evowire, {} bytes in bincode; all sockets TCP_NODELAY unless \
         noted\n",
        evowire::to_vec(&msg(1000)).unwrap().len(),
        bincode::serialize(&msg(1000)).unwrap().len(),
    );

    let mut oneway: HashMap<OneWay, Runs> = HashMap::new();
    for run in 0..cfg.runs {
        for way in OneWay::ALL {
            let m = way.measure(d).await;
            eprintln!(
                "one-way run {}: {}: {:.0} msgs/s",
                run + 1,
                way.name(),
                m.rate()
            );
            oneway.entry(way).or_default().0.push(m);
        }
    }

    let mut rpcs: HashMap<(Rpc, usize), Runs> = HashMap::new();
    let mut latencies: HashMap<Rpc, Vec<u64>> = HashMap::new();
    for run in 0..cfg.runs {
        for inflight in [1, IN_FLIGHT] {
            for imp in Rpc::ALL {
                let (m, lat) = rpc(imp, inflight, d).await;
                eprintln!(
                    "rpc run {}: {} with {inflight} in flight: {:.0} calls/s",
                    run + 1,
                    imp.name(),
                    m.rate()
                );
                rpcs.entry((imp, inflight)).or_default().0.push(m);
                latencies.entry(imp).or_default().extend(lat);
            }
        }
    }

    // ----- report ----------------------------------------------------------------------
    let coalescing = oneway[&OneWay::Coalescing].rate();
    println!(
        "### One-way throughput, ~64-byte messages (median of {} runs)\n",
        cfg.runs
    );
    println!("| sender → receiver | msgs/s | range | CPU per msg | vs coalescing baseline |");
    println!("|---|---:|---:|---:|---:|");
    for way in OneWay::ALL {
        let r = &oneway[&way];
        println!(
            "| {} | {} | {} | {} | {:.2}x |",
            way.name(),
            si(r.rate()),
            r.range(),
            r.cpu(),
            r.rate() / coalescing
        );
    }

    println!(
        "\n### Request/response, echo of the same message (calls/s, median of {} runs)\n",
        cfg.runs
    );
    println!(
        "| client ↔ server | 1 in flight | range | {IN_FLIGHT} in flight | range | CPU per call \
         (1 / {IN_FLIGHT}) | p50 | p99 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for imp in Rpc::ALL {
        let lat = latencies.get_mut(&imp).unwrap();
        lat.sort_unstable();
        let (one, many) = (&rpcs[&(imp, 1)], &rpcs[&(imp, IN_FLIGHT)]);
        println!(
            "| {} | {} | {} | {} | {} | {} / {} | {} | {} |",
            imp.name(),
            si(one.rate()),
            one.range(),
            si(many.rate()),
            many.range(),
            one.cpu(),
            many.cpu(),
            micros(percentile(lat, 0.50)),
            micros(percentile(lat, 0.99)),
        );
    }

    let rate = |imp: Rpc, k: usize| rpcs[&(imp, k)].rate();
    let tarpc = |k: usize| rate(Rpc::Tarpc, k).max(rate(Rpc::TarpcNagle, k));
    println!("\n### evowire-net against the baselines (ratios of the medians)\n");
    println!("| evowire-net vs | 1 in flight | {IN_FLIGHT} in flight |");
    println!("|---|---:|---:|");
    for (name, base) in [
        (
            "tarpc, the faster of its two socket settings",
            &tarpc as &dyn Fn(usize) -> f64,
        ),
        ("hand-rolled multiplexing client", &|k| {
            rate(Rpc::HandRolled, k)
        }),
    ] {
        println!(
            "| {name} | {:.2}x | {:.2}x |",
            rate(Rpc::Evowire, 1) / base(1),
            rate(Rpc::Evowire, IN_FLIGHT) / base(IN_FLIGHT)
        );
    }

    println!("\n### TLS 1.3 against plaintext (ratios of the medians)\n");
    println!("| measurement | TLS / plaintext |");
    println!("|---|---:|");
    let one_way_tls = oneway[&OneWay::EvowireTls].rate() / oneway[&OneWay::Evowire].rate();
    println!("| evowire-net one-way throughput | {one_way_tls:.2}x |");
    for k in [1, IN_FLIGHT] {
        println!(
            "| evowire-net calls, {k} in flight | {:.2}x |",
            rate(Rpc::EvowireTls, k) / rate(Rpc::Evowire, k)
        );
        println!(
            "| tarpc calls, {k} in flight | {:.2}x |",
            rate(Rpc::TarpcTls, k) / rate(Rpc::Tarpc, k)
        );
    }
    println!(
        "| evowire-net plaintext calls, {IN_FLIGHT} in flight, through `tokio::io::split` vs \
         the lock-free TCP split | {:.2}x |",
        rate(Rpc::EvowireSplit, IN_FLIGHT) / rate(Rpc::Evowire, IN_FLIGHT)
    );
    println!(
        "| evowire-net over TLS vs tarpc over TLS, 1 / {IN_FLIGHT} in flight | {:.2}x / {:.2}x |",
        rate(Rpc::EvowireTls, 1) / rate(Rpc::TarpcTls, 1),
        rate(Rpc::EvowireTls, IN_FLIGHT) / rate(Rpc::TarpcTls, IN_FLIGHT)
    );

    println!("\n### Targets\n");
    let check = |what: &str, ratio: f64, target: f64| {
        println!(
            "- {what}: {ratio:.2}x (target ≥ {target}x): {}",
            if ratio >= target { "met" } else { "missed" }
        );
    };
    check(
        "one-way throughput vs the coalescing baseline",
        oneway[&OneWay::Evowire].rate() / coalescing,
        1.0,
    );
    check(
        "one-way throughput over TLS vs plaintext",
        one_way_tls,
        0.75,
    );
    check(
        &format!("calls/s with {IN_FLIGHT} in flight over TLS vs plaintext"),
        rate(Rpc::EvowireTls, IN_FLIGHT) / rate(Rpc::Evowire, IN_FLIGHT),
        0.85,
    );
    for k in [1, IN_FLIGHT] {
        check(
            &format!("calls/s with {k} in flight vs tarpc"),
            rate(Rpc::Evowire, k) / tarpc(k),
            2.0,
        );
        check(
            &format!("calls/s with {k} in flight vs the hand-rolled client"),
            rate(Rpc::Evowire, k) / rate(Rpc::HandRolled, k),
            0.8,
        );
    }
}

/// Runs one measurement `cfg.runs` times and prints what each run measured.
async fn run_only(only: &str, cfg: &Config) {
    let d = cfg.duration();
    for _ in 0..cfg.runs {
        let m = match only {
            "oneway-evowire" => OneWay::Evowire.measure(d).await,
            "oneway-evowiretls" => OneWay::EvowireTls.measure(d).await,
            "oneway-coalescing" => OneWay::Coalescing.measure(d).await,
            "oneway-flush" => OneWay::FlushEach.measure(d).await,
            _ => {
                let mut parts = only.splitn(3, '-');
                let (Some("rpc"), Some(imp), Some(k)) = (parts.next(), parts.next(), parts.next())
                else {
                    panic!("unknown measurement {only}");
                };
                let imp = match imp {
                    "evowire" => Rpc::Evowire,
                    "evowiretls" => Rpc::EvowireTls,
                    "evowiresplit" => Rpc::EvowireSplit,
                    "tarpc" => Rpc::Tarpc,
                    "tarpctls" => Rpc::TarpcTls,
                    "tarpcnagle" => Rpc::TarpcNagle,
                    "handrolled" => Rpc::HandRolled,
                    _ => panic!("unknown implementation {imp}"),
                };
                rpc(imp, k.parse().expect("calls in flight"), d).await.0
            }
        };
        println!(
            "{only}: {:.0}/s, {} operations, {:.0} ns of CPU per operation",
            m.rate(),
            m.ops,
            m.cpu_ns()
        );
    }
}

// ----- statistics and formatting -------------------------------------------------------

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
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

/// Sends for `d`, closes, and measures from the first send to the receiver's end of
/// stream.
async fn oneway_evowire(d: Duration, over_tls: bool) -> Measured {
    let mut listener = listener::<Msg, ()>(over_tls).await;
    let addr = listener.local_addr().unwrap();
    let receiver = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut n = 0u64;
        while let Some(m) = conn.recv().await.unwrap() {
            black_box(&m);
            n += 1;
        }
        n
    });
    let conn = connect_to::<(), Msg>(addr, over_tls).await;
    let mut m = msg(0);
    let cpu0 = cpu_seconds();
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
    let n = receiver.await.unwrap();
    assert_eq!(n, sent, "evowire-net lost messages");
    Measured::since(n, start, cpu0)
}

/// The baseline: `FramedWrite<_, LengthDelimitedCodec>` of bincode-encoded messages,
/// flushed every `batch` messages, and a `FramedRead` that decodes each frame.
async fn oneway_baseline(d: Duration, batch: usize) -> Measured {
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
        n
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut sink = FramedWrite::new(stream, LengthDelimitedCodec::new());
    let mut m = msg(0);
    let cpu0 = cpu_seconds();
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
    let n = receiver.await.unwrap();
    assert_eq!(n, sent, "baseline lost messages");
    Measured::since(n, start, cpu0)
}

// ----- request/response ----------------------------------------------------------------

/// A client of one of the implementations, cheap to clone across tasks.
#[derive(Clone)]
enum Client {
    Evowire(evowire_net::Sender<Msg, Msg>),
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

/// Runs `inflight` tasks that call in a loop for `d` (after a short warm-up); with one in
/// flight, also records every call's latency in nanoseconds.
async fn rpc(imp: Rpc, inflight: usize, d: Duration) -> (Measured, Vec<u64>) {
    let (client, server) = match imp {
        Rpc::Evowire => evowire_pair(false).await,
        Rpc::EvowireSplit => evowire_split_pair().await,
        Rpc::EvowireTls => evowire_pair(true).await,
        Rpc::Tarpc => tarpc_pair(true, false).await,
        Rpc::TarpcTls => tarpc_pair(true, true).await,
        Rpc::TarpcNagle => tarpc_pair(false, false).await,
        Rpc::HandRolled => hand_rolled_pair().await,
    };
    // Warm-up: connections, allocations, caches.
    let warm_until = Instant::now() + d / 10;
    while Instant::now() < warm_until {
        black_box(client.call(&msg(1)).await);
    }
    let cpu0 = cpu_seconds();
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
    let measured = Measured::since(total, start, cpu0);
    drop(client);
    server.abort();
    (measured, lat)
}

async fn evowire_pair(over_tls: bool) -> (Client, tokio::task::JoinHandle<()>) {
    let listener = listener::<Msg, Msg>(over_tls).await;
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = serve(listener, |m: Msg| async move { Ok::<_, Infallible>(m) }).await;
    });
    let conn = connect_to::<Msg, Msg>(addr, over_tls).await;
    let (tx, _rx) = conn.split();
    (Client::Evowire(tx), server)
}

/// Plaintext TCP that evowire-net cannot recognise as a `TcpStream`, so that it splits it
/// with `tokio::io::split` (a lock shared by the reader and the writer) as it does any
/// other transport: isolates the cost of that lock from the cost of encryption.
struct OpaqueTcp(TcpStream);

impl tokio::io::AsyncRead for OpaqueTcp {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for OpaqueTcp {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

async fn evowire_split_pair() -> (Client, tokio::task::JoinHandle<()>) {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((stream, _)) = tcp.accept().await {
            stream.set_nodelay(true).unwrap();
            let echo = evowire_net::Handler::new(|m: Msg| async move { Ok::<_, Infallible>(m) });
            let conn =
                evowire_net::Connection::<Msg, Msg>::server(OpaqueTcp(stream), &opts(), Some(echo))
                    .await
                    .unwrap();
            conns.push(conn);
        }
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let conn = evowire_net::Connection::<Msg, Msg>::client(OpaqueTcp(stream), &opts(), None)
        .await
        .unwrap();
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

/// tarpc over TCP with its bincode transport; `nodelay` sets `TCP_NODELAY` on both ends
/// (tarpc's own `serde_transport::tcp` helpers leave Nagle's algorithm on); `over_tls`
/// runs it over tokio-rustls with the same configurations as evowire-net's TLS runs.
async fn tarpc_pair(nodelay: bool, over_tls: bool) -> (Client, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(nodelay).unwrap();
        if over_tls {
            let acceptor = tokio_rustls::TlsAcceptor::from(tls().server.clone());
            tarpc_serve(acceptor.accept(stream).await.unwrap()).await;
        } else {
            tarpc_serve(stream).await;
        }
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(nodelay).unwrap();
    let client = if over_tls {
        let connector = tokio_rustls::TlsConnector::from(tls().client.clone());
        let name = ServerName::try_from("localhost").unwrap();
        tarpc_client(connector.connect(name, stream).await.unwrap())
    } else {
        tarpc_client(stream)
    };
    (Client::Tarpc(client), server)
}

/// tarpc's bincode transport over `io`.
fn tarpc_transport<Item, SinkItem, Io>(
    io: Io,
) -> tarpc::serde_transport::Transport<
    Io,
    Item,
    SinkItem,
    tarpc::tokio_serde::formats::Bincode<Item, SinkItem>,
>
where
    Item: for<'de> Deserialize<'de>,
    SinkItem: Serialize,
    Io: tokio::io::AsyncRead + tokio::io::AsyncWrite,
{
    let framed = tokio_util::codec::Framed::new(io, LengthDelimitedCodec::new());
    tarpc::serde_transport::new(framed, tarpc::tokio_serde::formats::Bincode::default())
}

/// Serves the echo service on `io` until the client goes.
async fn tarpc_serve<Io>(io: Io)
where
    Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    use tarpc::server::Channel;
    tarpc::server::BaseChannel::with_defaults(tarpc_transport(io))
        .execute(EchoServer.serve())
        .for_each(|response| async move {
            tokio::spawn(response);
        })
        .await;
}

fn tarpc_client<Io>(io: Io) -> EchoClient
where
    Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    EchoClient::new(tarpc::client::Config::default(), tarpc_transport(io)).spawn()
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
