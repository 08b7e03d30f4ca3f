//! `evowire demo`: two nodes on loopback, one running the old version of a protocol and one
//! the new, exchanging pushes and request/responses over evowire-net; then a throughput
//! figure. Unattended, a few seconds, exit status 0. With `--tls`, the same over TLS with a
//! certificate generated at start.

use std::fmt::Debug;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
use evowire_net::{
    Connection, Connector, Handler, Listener, Options, Protocol, TlsClientConfig, TlsIdentity,
    TlsServerConfig,
};
use evowire_schema::{check_compatible, Schema, Verdict};
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::cli::DemoArgs;
use crate::cmd::Failure;
use crate::input::to_hex;

/// The old code: node A.
mod v1 {
    use serde::{Deserialize, Serialize};

    /// Everything A sends B: pushes and requests.
    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub enum Up {
        Order(Order),
        Quote {
            symbol: String,
        },
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub qty: u32,
    }

    /// Everything B sends A: pushes and answers.
    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub enum Down {
        Fill {
            id: u64,
            qty: u32,
        },
        Quote {
            symbol: String,
            price: f64,
        },
        #[serde(other)]
        Unknown,
    }
}

/// The new code: node B. Fields added at the back with defaults, variants added before
/// the fallbacks: the changes the format lets old and new code survive.
mod v2 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub enum Up {
        Order(Order),
        Quote {
            symbol: String,
        },
        Cancel {
            id: u64,
        },
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub qty: u32,
        #[serde(default)]
        pub note: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub enum Down {
        Fill {
            id: u64,
            qty: u32,
            #[serde(default)]
            venue: String,
        },
        Quote {
            symbol: String,
            price: f64,
            #[serde(default)]
            currency: String,
        },
        Halt {
            reason: String,
        },
        #[serde(other)]
        Unknown,
    }
}

/// Orders with ids from here on are the throughput run; this id ends it.
const BENCH_BASE: u64 = 1_000_000;
const BENCH_END: u64 = u64::MAX;
/// Each timed phase stops early after this long (debug builds are slow).
const BUDGET: Duration = Duration::from_secs(5);
/// Calls in flight during the call phase.
const IN_FLIGHT: usize = 64;

pub fn run(args: &DemoArgs) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::rejected(format!("cannot start the runtime: {e}")))?;
    runtime
        .block_on(demo(args))
        .map_err(|e| Failure::rejected(format!("demo failed: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// What node B's receiving task tells the main task.
enum Seen {
    Push(v2::Up),
    BenchDone { count: u64, at: Instant },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn demo(args: &DemoArgs) -> Result<(), BoxError> {
    let opts_a = Options::new(Protocol::new("orders", 1, 0));
    let opts_b = Options::new(Protocol::new("orders", 1, 1));

    // Node B (v2) answers quotes and tells us what it receives.
    let listener = Listener::<v2::Up, v2::Down>::bind("127.0.0.1:0", opts_b)
        .await?
        .with_handler(Handler::new(|req: v2::Up| async move {
            match req {
                v2::Up::Quote { symbol } => Ok(quote_answer(symbol)),
                other => Err(format!("not a request: {other:?}")),
            }
        }));
    let (listener, connector) = match args.tls {
        false => (listener, Connector::new(opts_a)),
        true => {
            let (server, client) = generated_tls()?;
            (
                listener.with_tls(server),
                Connector::new(opts_a).with_tls(client),
            )
        }
    };
    let addr = listener.local_addr()?;
    println!("evowire demo: two nodes on {addr} talk one protocol in two versions");
    println!("  node A runs the old code (orders v1.0), node B the new code (orders v1.1)");
    println!();
    print_schema_check()?;

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let (b_conn_tx, b_conn) = oneshot::channel();
    let node_b = tokio::spawn(node_b(listener, seen_tx, b_conn_tx));

    // Node A (v1) connects.
    let mut a: Connection<v1::Down, v1::Up> = connector.connect(addr).await?;
    let b: evowire_net::Sender<v2::Up, v2::Down> = b_conn.await?;
    if let Some(id) = a.peer_identity() {
        println!(
            "TLS 1.3: A verified B's certificate (subject {}, names {:?}); everything below runs inside TLS",
            id.subject(),
            id.dns_names()
        );
    }
    let peer = a.peer_protocol();
    println!(
        "A connected: the handshake accepts {} 1.0 (A) with {} {}.{} (B), same major version",
        peer.name(),
        peer.name(),
        peer.major(),
        peer.minor()
    );
    println!();

    // 1. An old push, read by new code: the missing field takes its default.
    let order = v1::Order {
        id: 1,
        symbol: "EVO".into(),
        qty: 3,
    };
    let msg = v1::Up::Order(order);
    show("1. A (v1) pushes  ", &msg);
    a.send(&msg).await?;
    match seen.recv().await {
        Some(Seen::Push(got)) => line(
            "   B (v2) receives",
            &got,
            "`note` was not sent: it takes its default",
        ),
        _ => return Err("node B stopped".into()),
    }

    // 2. A new push, read by old code: the unknown field is skipped.
    let fill = v2::Down::Fill {
        id: 1,
        qty: 3,
        venue: "XPAR".into(),
    };
    show("2. B (v2) pushes  ", &fill);
    b.send(&fill).await?;
    let got = a.recv().await?.ok_or("the connection ended")?;
    line(
        "   A (v1) receives",
        &got,
        "`venue` is unknown to v1: skipped",
    );

    // 3. An old request, a new answer.
    let quote = v1::Up::Quote {
        symbol: "EVO".into(),
    };
    show("3. A (v1) calls   ", &quote);
    let answer = a.call(&quote).await?;
    show("   B (v2) answers ", &quote_answer("EVO".into()));
    line("   A (v1) reads   ", &answer, "`currency` skipped");

    // 4. A variant old code does not know lands on its fallback.
    let halt = v2::Down::Halt {
        reason: "circuit breaker".into(),
    };
    show("4. B (v2) pushes  ", &halt);
    b.send(&halt).await?;
    let got = a.recv().await?.ok_or("the connection ended")?;
    line(
        "   A (v1) receives",
        &got,
        "a variant v1 does not know: its #[serde(other)] fallback",
    );
    println!();

    throughput(&mut a, &mut seen, args).await?;

    a.close().await?;
    node_b.await??;
    println!("closed: A closed the connection, B read to the end of the stream");
    Ok(())
}

/// A self-signed certificate for `localhost`, made now: node B's TLS configuration, and
/// node A's, which trusts exactly that certificate.
fn generated_tls() -> Result<(TlsServerConfig, TlsClientConfig), BoxError> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "evowire demo node B");
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let identity = TlsIdentity::new(
        vec![cert.der().clone()],
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )?;
    let server = TlsServerConfig::new(identity)?;
    let client = TlsClientConfig::new(&[cert.der().clone()], "localhost")?;
    Ok((server, client))
}

/// Node B's answer to a quote request.
fn quote_answer(symbol: String) -> v2::Down {
    v2::Down::Quote {
        symbol,
        price: 12.5,
        currency: "EUR".into(),
    }
}

/// Node B: accepts one connection, hands its sender over, forwards what it receives.
async fn node_b(
    mut listener: Listener<v2::Up, v2::Down>,
    seen: mpsc::UnboundedSender<Seen>,
    sender: oneshot::Sender<evowire_net::Sender<v2::Up, v2::Down>>,
) -> Result<(), BoxError> {
    let conn: Connection<v2::Up, v2::Down> = listener.accept().await?;
    let (tx, mut rx) = conn.split();
    sender.send(tx).map_err(|_| "the demo stopped")?;
    let mut counted = 0u64;
    while let Some(msg) = rx.recv().await? {
        match msg {
            v2::Up::Order(o) if o.id == BENCH_END => {
                let _ = seen.send(Seen::BenchDone {
                    count: counted,
                    at: Instant::now(),
                });
            }
            v2::Up::Order(o) if o.id >= BENCH_BASE => counted += 1,
            other => {
                let _ = seen.send(Seen::Push(other));
            }
        }
    }
    Ok(())
}

async fn throughput(
    a: &mut Connection<v1::Down, v1::Up>,
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    args: &DemoArgs,
) -> Result<(), BoxError> {
    let build = if cfg!(debug_assertions) {
        "debug build: a release build is several times faster"
    } else {
        "release build"
    };
    println!("throughput over loopback, one connection ({build}):");

    // Pushes: A sends, B counts; an end marker behind them tells when all arrived.
    let order = |id| {
        v1::Up::Order(v1::Order {
            id,
            symbol: "EVO".into(),
            qty: 100,
        })
    };
    let size = evowire::serialized_size(&order(BENCH_BASE))?;
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < u64::from(args.messages) && start.elapsed() < BUDGET {
        for _ in 0..256.min(u64::from(args.messages) - sent) {
            a.send(order(BENCH_BASE + sent)).await?;
            sent += 1;
        }
    }
    a.send(order(BENCH_END)).await?;
    let (count, at) = loop {
        match seen.recv().await {
            Some(Seen::BenchDone { count, at }) => break (count, at),
            Some(Seen::Push(_)) => continue,
            None => return Err("node B stopped".into()),
        }
    };
    if count != sent {
        return Err(format!("B counted {count} of {sent} pushes").into());
    }
    let secs = at.duration_since(start).as_secs_f64().max(1e-9);
    println!(
        "  pushes: {count} messages of {size} bytes in {secs:.2} s = {} messages/s ({:.1} MB/s of payload)",
        grouped(count as f64 / secs),
        count as f64 * size as f64 / secs / 1e6
    );

    // Calls: many in flight on one connection.
    let quote = v1::Up::Quote {
        symbol: "EVO".into(),
    };
    let start = Instant::now();
    let mut answered = 0u64;
    let mut calls = futures::stream::iter(0..args.calls)
        .take_while(|_| std::future::ready(start.elapsed() < BUDGET))
        .map(|_| a.call(&quote))
        .buffer_unordered(IN_FLIGHT);
    while let Some(answer) = calls.next().await {
        match answer? {
            v1::Down::Quote { .. } => answered += 1,
            other => return Err(format!("unexpected answer {other:?}").into()),
        }
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    println!(
        "  calls:  {answered} request/responses, {IN_FLIGHT} in flight, in {secs:.2} s = {} calls/s",
        grouped(answered as f64 / secs)
    );
    Ok(())
}

/// Prints the compatibility verdicts for the two versions, as `evowire compat` would.
fn print_schema_check() -> Result<(), BoxError> {
    println!("schema check, v1 -> v2 (the same report as `evowire compat`):");
    for (name, old, new) in [
        ("Up", Schema::trace::<v1::Up>()?, Schema::trace::<v2::Up>()?),
        (
            "Down",
            Schema::trace::<v1::Down>()?,
            Schema::trace::<v2::Down>()?,
        ),
    ] {
        let report = check_compatible(&old, &new);
        let result = if report.is_breaking() {
            "BREAKING"
        } else if report.is_safe() {
            "compatible"
        } else {
            "compatible if the conditions hold"
        };
        println!("  {name}: {result}");
        for change in &report.changes {
            let verdict = match change.worst() {
                Verdict::Safe => "safe".to_string(),
                Verdict::SafeIf(c) => format!("safe if {c}"),
                Verdict::Breaking(r) => format!("BREAKING: {r}"),
            };
            println!("    {}: {}\n      {verdict}", change.path, change.what);
        }
    }
    println!();
    Ok(())
}

/// `label value  (n bytes: hex)`.
fn show<T: Serialize + Debug>(label: &str, msg: &T) {
    let bytes = evowire::to_vec(msg).unwrap_or_default();
    println!(
        "{label} {msg:?}  ({} bytes: {})",
        bytes.len(),
        to_hex(&bytes)
    );
}

fn line<T: Debug>(label: &str, msg: &T, why: &str) {
    println!("{label} {msg:?}  <- {why}");
}

/// 123456.7 as "123,457".
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
