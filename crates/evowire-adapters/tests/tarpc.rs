//! tarpc services over TCP on loopback with the evowire codec: real tarpc clients and
//! servers, real sockets.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use evowire_adapters::tokio_serde::Evowire;
use futures::{future, StreamExt};
use serde::{Deserialize, Serialize};
use tarpc::client::RpcError;
use tarpc::context;
use tarpc::server::{BaseChannel, Channel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The first version of the service.
mod v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Quote {
        pub symbol: String,
        pub qty: u32,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Price {
        pub symbol: String,
        pub cents: u64,
    }

    #[tarpc::service]
    pub trait Shop {
        async fn price(quote: Quote) -> Price;
        async fn echo(n: u64) -> u64;
        async fn sleep(ms: u64) -> u64;
    }

    #[derive(Clone)]
    pub struct Server;

    impl Shop for Server {
        async fn price(self, _: context::Context, quote: Quote) -> Price {
            Price {
                cents: 100 * u64::from(quote.qty),
                symbol: quote.symbol,
            }
        }

        async fn echo(self, _: context::Context, n: u64) -> u64 {
            n
        }

        async fn sleep(self, _: context::Context, ms: u64) -> u64 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms
        }
    }
}

/// The second version: fields added at the back of both structs, a method added at the
/// end of the trait (tarpc's request enum gains a variant at the back).
mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Quote {
        pub symbol: String,
        pub qty: u32,
        #[serde(default)]
        pub currency: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Price {
        pub symbol: String,
        pub cents: u64,
        #[serde(default)]
        pub discount_cents: u64,
    }

    #[tarpc::service]
    pub trait Shop {
        async fn price(quote: Quote) -> Price;
        async fn echo(n: u64) -> u64;
        async fn sleep(ms: u64) -> u64;
        async fn stock(symbol: String) -> u32;
    }

    #[derive(Clone)]
    pub struct Server;

    impl Shop for Server {
        async fn price(self, _: context::Context, quote: Quote) -> Price {
            // Old clients send no currency: the default says so.
            let discount_cents = if quote.currency.is_none() { 1 } else { 0 };
            Price {
                cents: 100 * u64::from(quote.qty),
                symbol: quote.symbol,
                discount_cents,
            }
        }

        async fn echo(self, _: context::Context, n: u64) -> u64 {
            n + 1_000
        }

        async fn sleep(self, _: context::Context, ms: u64) -> u64 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms
        }

        async fn stock(self, _: context::Context, symbol: String) -> u32 {
            symbol.len() as u32
        }
    }
}

/// Serves every connection to a fresh loopback listener with a tarpc `Serve` value, one
/// task per connection and per call; evaluates to the listener's address. (A macro: the
/// futures of tarpc's `Serve` trait cannot be required to be `Send` in a generic function.)
macro_rules! spawn_server {
    ($serve:expr) => {{
        let mut listener = tarpc::serde_transport::tcp::listen("127.0.0.1:0", Evowire::default)
            .await
            .expect("listen on loopback");
        let addr: SocketAddr = listener.local_addr();
        let serve = $serve;
        tokio::spawn(async move {
            while let Some(transport) = listener.next().await {
                let Ok(transport) = transport else { continue };
                let channel = BaseChannel::with_defaults(transport);
                tokio::spawn(channel.execute(serve.clone()).for_each(|call| async {
                    tokio::spawn(call);
                }));
            }
        });
        addr
    }};
}

async fn v1_client(addr: SocketAddr) -> v1::ShopClient {
    let transport = tarpc::serde_transport::tcp::connect(addr, Evowire::default)
        .await
        .expect("connect");
    v1::ShopClient::new(tarpc::client::Config::default(), transport).spawn()
}

async fn v2_client(addr: SocketAddr) -> v2::ShopClient {
    let transport = tarpc::serde_transport::tcp::connect(addr, Evowire::default)
        .await
        .expect("connect");
    v2::ShopClient::new(tarpc::client::Config::default(), transport).spawn()
}

#[tokio::test]
async fn round_trip_of_a_struct() {
    let addr = spawn_server!(v1::Shop::serve(v1::Server));
    let client = v1_client(addr).await;
    let quote = v1::Quote {
        symbol: "EVO".into(),
        qty: 3,
    };
    let price = client.price(context::current(), quote).await.unwrap();
    assert_eq!(
        price,
        v1::Price {
            symbol: "EVO".into(),
            cents: 300
        }
    );
}

#[tokio::test]
async fn many_calls_in_flight_on_one_connection() {
    let addr = spawn_server!(v1::Shop::serve(v1::Server));
    let client = v1_client(addr).await;
    // Each call sleeps a little so that they overlap on the server.
    let calls = (0..200u64).map(|n| {
        let client = client.clone();
        async move {
            let slept = client.sleep(context::current(), n % 5).await.unwrap();
            let echoed = client.echo(context::current(), n).await.unwrap();
            (slept, echoed)
        }
    });
    let results = future::join_all(calls).await;
    for (n, (slept, echoed)) in (0u64..).zip(results) {
        assert_eq!(slept, n % 5);
        assert_eq!(echoed, n);
    }
}

#[tokio::test]
async fn a_call_past_its_deadline_fails_and_the_next_call_works() {
    let addr = spawn_server!(v1::Shop::serve(v1::Server));
    let client = v1_client(addr).await;
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_millis(50);
    let err = client.sleep(ctx, 5_000).await.unwrap_err();
    assert!(
        matches!(err, RpcError::DeadlineExceeded),
        "expected DeadlineExceeded, got {err:?}"
    );
    // The deadline travels to the server (as a duration): a generous one is honoured.
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_secs(10);
    assert_eq!(client.sleep(ctx, 20).await.unwrap(), 20);
}

#[tokio::test]
async fn a_v1_client_keeps_working_against_a_v2_server() {
    let addr = spawn_server!(v2::Shop::serve(v2::Server));
    let old = v1_client(addr).await;
    let quote = v1::Quote {
        symbol: "EVO".into(),
        qty: 2,
    };
    // The v2 server reads the v1 request (currency takes its default) and answers with a
    // field the v1 client skips.
    let price = old.price(context::current(), quote).await.unwrap();
    assert_eq!(
        price,
        v1::Price {
            symbol: "EVO".into(),
            cents: 200
        }
    );
    assert_eq!(old.echo(context::current(), 7).await.unwrap(), 1_007);

    // A v2 client on the same server sees the new field and the new method.
    let new = v2_client(addr).await;
    let quote = v2::Quote {
        symbol: "EVO".into(),
        qty: 2,
        currency: None,
    };
    let price = new.price(context::current(), quote).await.unwrap();
    assert_eq!(price.discount_cents, 1);
    assert_eq!(
        new.stock(context::current(), "EVOW".into()).await.unwrap(),
        4
    );
}

#[tokio::test]
async fn a_v2_client_calls_the_old_methods_of_a_v1_server() {
    let addr = spawn_server!(v1::Shop::serve(v1::Server));
    let new = v2_client(addr).await;
    let quote = v2::Quote {
        symbol: "EVO".into(),
        qty: 4,
        currency: Some("EUR".into()),
    };
    // The v1 server skips the new request field; the v2 client defaults the missing
    // response field.
    let price = new.price(context::current(), quote).await.unwrap();
    assert_eq!(
        price,
        v2::Price {
            symbol: "EVO".into(),
            cents: 400,
            discount_cents: 0
        }
    );
}

/// Writes one length-delimited frame (tarpc's framing: a 4-byte big-endian length).
async fn write_frame(stream: &mut TcpStream, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap();
    stream.write_all(&len.to_be_bytes()).await.unwrap();
    stream.write_all(payload).await.unwrap();
}

/// Reads until the server closes the connection; fails the test if it does not within
/// five seconds.
async fn expect_closed(stream: &mut TcpStream) {
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server kept the garbage connection open"
    );
}

#[tokio::test]
async fn garbage_frames_end_only_their_own_connection() {
    let addr = spawn_server!(v1::Shop::serve(v1::Server));
    let good = v1_client(addr).await;
    assert_eq!(good.echo(context::current(), 1).await.unwrap(), 1);

    let garbage: [&[u8]; 4] = [
        // Wire type 7 is never valid.
        &[0xff, 0xff, 0xff],
        // A sequence announcing 1000 items and holding none.
        &[0x03, 0xe8, 0x07],
        // Nothing at all.
        &[],
        // A valid value of the wrong shape: a string where a request is expected.
        &[0x1c, b'e', b'v', b'o'],
    ];
    for payload in garbage {
        let mut bad = TcpStream::connect(addr).await.unwrap();
        write_frame(&mut bad, payload).await;
        expect_closed(&mut bad).await;
        // The well-behaved client on its own connection is unaffected.
        assert_eq!(good.echo(context::current(), 2).await.unwrap(), 2);
    }
    // And new connections are still accepted.
    let late = v1_client(addr).await;
    assert_eq!(late.echo(context::current(), 3).await.unwrap(), 3);
}
