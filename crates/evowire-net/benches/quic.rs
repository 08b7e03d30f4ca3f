//! Loopback benchmark of evowire-net over QUIC against evowire-net over TCP+TLS, in one
//! process and one run: calls per second with 1 and with 64 calls in flight (made from one
//! task, and from 64 tasks), and one-way messages per second (~64-byte values). Both use TLS 1.3 with the same rcgen
//! certificate; the table gives each rate and the QUIC / TCP+TLS ratio.
//!
//! ```text
//! cargo bench -p evowire-net --features quic --bench quic              # 3 runs of 1 s
//! cargo bench -p evowire-net --features quic --bench quic -- --secs 0.3 --runs 1
//! ```
//!
//! Runs alternate between the transports so background load hits both alike; the table
//! shows the median of the runs. Without `--bench` (as under `cargo test --benches`) it
//! only does a short smoke run.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use evowire_net::quic;
use evowire_net::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use evowire_net::{serve, Connector, Listener, Options, Protocol};
use evowire_net::{TlsClientConfig, TlsIdentity, TlsServerConfig};

#[derive(Serialize, Deserialize, Clone)]
struct Tick {
    id: u64,
    symbol: String,
    price: f64,
    size: u32,
}

fn tick(id: u64) -> Tick {
    Tick {
        id,
        symbol: "EVOW/USD-2026-12".into(),
        price: 1234.5 + id as f64,
        size: 100,
    }
}

/// One connected client of either transport.
enum Client {
    Quic(quic::Connection<u64, Tick>),
    Tcp(evowire_net::Connection<u64, Tick>),
}

/// A calling handle of either transport, cloned from a [`Client`] for a task of its own.
enum Caller {
    Quic(quic::Sender<u64, Tick>),
    Tcp(evowire_net::Sender<u64, Tick>),
}

impl Caller {
    async fn call(&self, t: &Tick) -> u64 {
        match self {
            Caller::Quic(c) => c.call(t).await.unwrap(),
            Caller::Tcp(c) => c.call(t).await.unwrap(),
        }
    }
}

impl Client {
    fn caller(&self) -> Caller {
        match self {
            Client::Quic(c) => Caller::Quic(c.sender().clone()),
            Client::Tcp(c) => Caller::Tcp(c.sender().clone()),
        }
    }

    async fn send(&self, t: &Tick) {
        match self {
            Client::Quic(c) => c.send(t).await.unwrap(),
            Client::Tcp(c) => c.send(t).await.unwrap(),
        }
    }

    /// Flushes the messages sent, then a round trip: the one-way run's end mark.
    async fn sync(&self) {
        match self {
            Client::Quic(c) => c.sender().flush().await.unwrap(),
            Client::Tcp(c) => c.sender().flush().await.unwrap(),
        }
        self.caller().call(&tick(u64::MAX)).await;
    }
}

struct Setup {
    root: CertificateDer<'static>,
    identity: TlsIdentity,
    opts: Options,
}

impl Setup {
    fn new() -> Self {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
        Setup {
            root: cert.cert.der().clone(),
            identity: TlsIdentity::new(vec![cert.cert.der().clone()], key).unwrap(),
            opts: Options::new(Protocol::new("bench", 1, 0)),
        }
    }

    fn client_tls(&self) -> TlsClientConfig {
        TlsClientConfig::new(std::slice::from_ref(&self.root), "localhost").unwrap()
    }

    async fn quic(&self) -> Client {
        let tls = TlsServerConfig::new(self.identity.clone()).unwrap();
        let mut l = quic::Listener::<Tick, u64>::bind("127.0.0.1:0", self.opts.clone(), tls)
            .await
            .unwrap()
            .with_handler(|t: Tick| async move { Ok::<_, String>(t.id) });
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok(mut conn) = l.accept().await {
                tokio::spawn(async move { while let Ok(Some(_)) = conn.recv().await {} });
            }
        });
        let c = quic::Connector::new(self.opts.clone(), self.client_tls()).unwrap();
        Client::Quic(c.connect(addr).await.unwrap())
    }

    async fn tcp(&self) -> Client {
        let tls = TlsServerConfig::new(self.identity.clone()).unwrap();
        let l = Listener::<Tick, u64>::bind("127.0.0.1:0", self.opts.clone())
            .await
            .unwrap()
            .with_tls(tls);
        let addr = l.local_addr().unwrap();
        tokio::spawn(serve(l, |t: Tick| async move { Ok::<_, String>(t.id) }));
        let c = Connector::<u64, Tick>::new(self.opts.clone()).with_tls(self.client_tls());
        Client::Tcp(c.connect(addr).await.unwrap())
    }
}

/// Calls per second with `in_flight` callers for `secs`: all in this task, or each in a
/// task of its own (`tasks`).
async fn calls(client: &Client, in_flight: usize, tasks: bool, secs: f64) -> f64 {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let workers = (0..in_flight).map(|w| {
        let caller = client.caller();
        let worker = async move {
            let mut n = 0u64;
            let t = tick(w as u64);
            while Instant::now() < end {
                caller.call(&t).await;
                n += 1;
            }
            n
        };
        async move {
            if tasks {
                tokio::spawn(worker).await.unwrap()
            } else {
                worker.await
            }
        }
    });
    let total: u64 = futures::future::join_all(workers).await.into_iter().sum();
    total as f64 / start.elapsed().as_secs_f64()
}

/// One-way messages per second for `secs`, sent in bursts of 256; the run ends with a
/// round trip, so the count includes only messages the transport took.
async fn messages(client: &Client, secs: f64) -> f64 {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let t = tick(1);
    let mut n = 0u64;
    while Instant::now() < end {
        for _ in 0..256 {
            client.send(&t).await;
        }
        n += 256;
    }
    client.sync().await;
    n as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let arg = |name: &str, default: f64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (secs, runs) = if bench {
        (arg("--secs", 1.0), arg("--runs", 3.0) as usize)
    } else {
        (0.05, 1)
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let setup = Setup::new();
        let quic = setup.quic().await;
        let tcp = setup.tcp().await;
        let names = [
            "calls/s, 1 in flight",
            "calls/s, 64 in flight",
            "calls/s, 64 tasks",
            "messages/s one-way",
        ];
        let mut rates = vec![[Vec::new(), Vec::new()]; names.len()];
        for _ in 0..runs.max(1) {
            for (i, client) in [&quic, &tcp].into_iter().enumerate() {
                rates[0][i].push(calls(client, 1, false, secs).await);
                rates[1][i].push(calls(client, 64, false, secs).await);
                rates[2][i].push(calls(client, 64, true, secs).await);
                rates[3][i].push(messages(client, secs).await);
            }
        }
        println!("{:<24} {:>14} {:>14} {:>8}", "", "QUIC", "TCP+TLS", "ratio");
        for (name, [q, t]) in names.iter().zip(rates) {
            let (q, t) = (median(q), median(t));
            println!("{name:<24} {q:>14.0} {t:>14.0} {:>7.2}x", q / t);
        }
    });
}
