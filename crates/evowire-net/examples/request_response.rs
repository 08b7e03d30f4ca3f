//! A small key-value service with request/response: `serve` answers each request with an
//! async handler (concurrently), the client makes calls, several in flight at once, and
//! sees handler errors and timeouts as error values.
//!
//! ```text
//! cargo run -p evowire-net --example request_response
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use evowire_net::{connect, serve, Error, Listener, Options, Protocol};

#[derive(Serialize, Deserialize, Debug, Clone)]
enum Request {
    Put {
        key: String,
        value: String,
    },
    Get {
        key: String,
    },
    Slow {
        millis: u64,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Response {
    Done,
    Value(Option<String>),
    #[serde(other)]
    Unknown,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let opts = Options::new(Protocol::new("kv", 1, 0));

    // The server: one shared map, one handler task per request.
    let listener = Listener::<Request, Response>::bind("127.0.0.1:0", opts.clone()).await?;
    let addr = listener.local_addr()?;
    let store = Arc::new(Mutex::new(HashMap::<String, String>::new()));
    tokio::spawn(serve(listener, move |req: Request| {
        let store = store.clone();
        async move {
            match req {
                Request::Put { key, value } if key.is_empty() => {
                    Err(format!("empty key for value {value:?}"))
                }
                Request::Put { key, value } => {
                    store.lock().unwrap().insert(key, value);
                    Ok(Response::Done)
                }
                Request::Get { key } => {
                    Ok(Response::Value(store.lock().unwrap().get(&key).cloned()))
                }
                Request::Slow { millis } => {
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                    Ok(Response::Done)
                }
                Request::Unknown => Err("unknown request".to_string()),
            }
        }
    }));
    println!("kv server on {addr}");

    // The client.
    let conn = connect::<Response, Request>(addr, &opts).await?;
    conn.call(Request::Put {
        key: "answer".into(),
        value: "42".into(),
    })
    .await?;
    let value = conn
        .call(Request::Get {
            key: "answer".into(),
        })
        .await?;
    println!("get answer -> {value:?}");

    // Many calls in flight on one connection; answers come back as they are ready.
    let puts = (0..100).map(|i| {
        conn.call(Request::Put {
            key: format!("k{i}"),
            value: format!("v{i}"),
        })
    });
    let results = futures::future::join_all(puts).await;
    println!(
        "100 concurrent puts: {} ok",
        results.iter().filter(|r| r.is_ok()).count()
    );

    // A handler error is an error value.
    match conn
        .call(Request::Put {
            key: String::new(),
            value: "x".into(),
        })
        .await
    {
        Err(Error::Remote(message)) => println!("server refused: {message}"),
        other => println!("unexpected: {other:?}"),
    }

    // So is a call that takes too long.
    match conn
        .call_timeout(Request::Slow { millis: 2_000 }, Duration::from_millis(100))
        .await
    {
        Err(e @ Error::Timeout { .. }) => println!("slow call: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    conn.close().await?;
    println!("closed");
    Ok(())
}
