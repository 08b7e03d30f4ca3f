//! The Rust side of the NATS interop test with the Python package (`python/tests/test_nats.py`
//! runs it): typed requests and replies with evowire-nats' headers, answered or sent by a
//! peer in another language.
//!
//! ```text
//! interop_peer schemas                      # the schema documents of Quote and Fill (JSON)
//! interop_peer worker URL SUBJECT           # answers Quote requests with Fills; prints "ready"
//! interop_peer client URL SUBJECT COUNT     # sends COUNT Quotes, checks every Fill
//! ```
//!
//! Both sides compute a Fill from a Quote with the same rule ([`fill`]), so each checks the
//! other's answers. A Quote with `qty == 0` is refused: the worker answers with an error reply
//! (`Evowire-Type: evowire.RemoteError`), which the client expects to receive as
//! [`Error::Remote`].

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use evowire_nats::{Client, Error, Message, MessageType, ServeOptions};
use evowire_schema::Schema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Side {
    Buy,
    Sell,
    Cross { min: u32 },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Quote {
    id: u64,
    symbol: String,
    side: Side,
    qty: u32,
    limit: Option<f64>,
    tags: Vec<String>,
    at: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Fill {
    id: u64,
    side: Side,
    filled: u32,
    price: f64,
    venue: String,
    notes: BTreeMap<String, i64>,
}

impl Message for Quote {
    const TYPE: MessageType = MessageType::new("interop.Quote", 1, 0);
}

impl Message for Fill {
    const TYPE: MessageType = MessageType::new("interop.Fill", 1, 0);
}

/// The answer to a quote; `python/tests/test_nats.py` has the same rule.
fn fill(q: &Quote) -> Result<Fill, String> {
    if q.qty == 0 {
        return Err(format!("quote {}: qty must be positive", q.id));
    }
    let side = match &q.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
        Side::Cross { .. } => "cross",
    };
    Ok(Fill {
        id: q.id,
        side: q.side.clone(),
        filled: q.qty / 2,
        price: q.limit.unwrap_or(100.0) * 2.0,
        venue: format!("{}@{side}", q.symbol.to_lowercase()),
        notes: BTreeMap::from([
            ("tags".to_string(), q.tags.len() as i64),
            ("neg".to_string(), -i64::from(q.qty)),
            ("at".to_string(), q.at),
        ]),
    })
}

/// The `i`-th quote the client sends; the Python client builds the same ones.
fn quote(i: u64) -> Quote {
    const SYMBOLS: [&str; 4] = ["AAPL", "Grüße", "BRK.B", "evo"];
    Quote {
        id: 1_000_000_000_000_000 + i,
        symbol: SYMBOLS[(i % 4) as usize].to_string(),
        side: match i % 3 {
            0 => Side::Buy,
            1 => Side::Sell,
            _ => Side::Cross { min: i as u32 },
        },
        qty: (i * 7 % 1000 + 1) as u32,
        limit: (i % 2 == 1).then_some(i as f64 * 0.5),
        tags: (0..i % 3).map(|j| format!("t{j}")).collect(),
        at: -(i as i64) * 1_000_000_007,
    }
}

async fn worker(url: &str, subject: &str) -> Result<(), Error> {
    let client = Client::connect(url).await?;
    let _service = client
        .serve(subject, ServeOptions::new(), |req| async move {
            fill(&req.value)
        })
        .await?;
    println!("ready");
    // Serve until the test closes our standard input.
    tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new()))
        .await
        .ok();
    Ok(())
}

async fn client(url: &str, subject: &str, count: u64) -> Result<(), String> {
    let client = Client::connect(url).await.map_err(|e| e.to_string())?;
    let timeout = Duration::from_secs(10);
    for i in 0..count {
        let q = quote(i);
        let answer: Fill = client
            .request(subject, &q, timeout)
            .await
            .map_err(|e| format!("request {i}: {e}"))?;
        let expected = fill(&q)?;
        if answer != expected {
            return Err(format!(
                "request {i}: got {answer:?}, expected {expected:?}"
            ));
        }
    }
    // A refused quote comes back as an error reply.
    let refused = Quote { qty: 0, ..quote(0) };
    match client.request::<_, Fill>(subject, &refused, timeout).await {
        Err(Error::Remote { message, .. }) if message.contains("qty must be positive") => {}
        other => {
            return Err(format!(
                "refused quote: expected a remote error, got {other:?}"
            ))
        }
    }
    println!("ok {count}");
    Ok(())
}

fn schemas() -> Result<String, String> {
    let quote = Schema::trace::<Quote>().map_err(|e| e.to_string())?;
    let fill = Schema::trace::<Fill>().map_err(|e| e.to_string())?;
    Ok(format!(
        "{{\"request\": {}, \"response\": {}}}",
        quote.to_json(),
        fill.to_json()
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["schemas"] => schemas().map(|s| println!("{s}")),
        ["worker", url, subject] => worker(url, subject).await.map_err(|e| e.to_string()),
        ["client", url, subject, count] => match count.parse() {
            Ok(n) => client(url, subject, n).await,
            Err(e) => Err(format!("COUNT: {e}")),
        },
        _ => Err(
            "usage: interop_peer schemas | worker URL SUBJECT | client URL SUBJECT COUNT".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("interop_peer: {e}");
            ExitCode::FAILURE
        }
    }
}
