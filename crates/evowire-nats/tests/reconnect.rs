//! While the server is away: a private nats-server is killed and restarted on the same port.
//! Publishing goes on into the client's buffer and reaches subscribers after the reconnect;
//! a full buffer makes `publish` wait; requests time out; subscriptions come back by
//! themselves; JetStream publishes fail with their ack timeout; a client that gives up
//! reconnecting fails every call with `Error::Nats`.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use evowire_nats::async_nats::connection::State;
use evowire_nats::async_nats::{self, ConnectOptions};
use evowire_nats::{Client, Error, JetStream, Message, MessageType};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Ping {
    n: u64,
}

impl Message for Ping {
    const TYPE: MessageType = MessageType::new("test.Ping", 1, 0);
}

async fn wait_for_state(client: &Client, want: State) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get_ref().connection_state() != want {
        assert!(
            Instant::now() < deadline,
            "connection not {want:?} after 20 s: {:?}",
            client.get_ref().connection_state()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A client that retries every 50 ms (the default backs off up to 4 s).
async fn connect(server: &support::Server, options: ConnectOptions) -> Client {
    let inner = options
        .reconnect_delay_callback(|_| Duration::from_millis(50))
        .connect(server.url())
        .await
        .unwrap();
    Client::new(inner)
}

#[tokio::test]
async fn publish_buffers_requests_time_out_and_subscriptions_resume_across_a_restart() {
    let server = support::start();
    let client = connect(&server, ConnectOptions::new()).await;
    let mut sub = client.subscribe::<Ping>("away.pings").await.unwrap();
    client.publish("away.pings", &Ping { n: 1 }).await.unwrap();
    let first = sub.next().await.unwrap().unwrap();
    assert_eq!(first.value, Ping { n: 1 });

    server.kill();
    wait_for_state(&client, State::Disconnected).await;
    // Publishing while the server is away succeeds: the message waits in the client.
    client.publish("away.pings", &Ping { n: 2 }).await.unwrap();
    // A request cannot be answered: it fails with its own timeout.
    let err = client
        .request::<Ping, Ping>("away.echo", &Ping { n: 0 }, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { after, .. } if *after == Duration::from_millis(300)),
        "{err:?}"
    );

    server.restart();
    wait_for_state(&client, State::Connected).await;
    // The subscription was renewed before the buffered publish went out: it gets it.
    let second = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("the message published while away arrives")
        .unwrap()
        .unwrap();
    assert_eq!(second.value, Ping { n: 2 });
    client.publish("away.pings", &Ping { n: 3 }).await.unwrap();
    let third = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(third.value, Ping { n: 3 });
}

#[tokio::test]
async fn a_full_client_buffer_makes_publish_wait_for_the_server() {
    const CAPACITY: usize = 64;
    const TOTAL: u64 = 1_000;
    let server = support::start();
    let client = connect(&server, ConnectOptions::new().client_capacity(CAPACITY)).await;
    let mut sub = client.subscribe::<Ping>("full.pings").await.unwrap();
    client.flush().await.unwrap();
    server.kill();
    wait_for_state(&client, State::Disconnected).await;

    let sent = Arc::new(AtomicU64::new(0));
    let publisher = tokio::spawn({
        let (client, sent) = (client.clone(), sent.clone());
        async move {
            for n in 0..TOTAL {
                client.publish("full.pings", &Ping { n }).await.unwrap();
                sent.store(n + 1, Ordering::SeqCst);
            }
        }
    });
    // The buffer fills and publish waits: progress stops short of TOTAL and stays there.
    let deadline = Instant::now() + Duration::from_secs(10);
    let stalled_at = loop {
        let before = sent.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = sent.load(Ordering::SeqCst);
        if after == before && after > 0 {
            break after;
        }
        assert!(Instant::now() < deadline, "publishing never stalled");
    };
    assert!(
        stalled_at < TOTAL,
        "all {TOTAL} publishes returned while the server was away"
    );
    assert!(!publisher.is_finished());

    server.restart();
    tokio::time::timeout(Duration::from_secs(20), publisher)
        .await
        .expect("the waiting publishes finish after the restart")
        .unwrap();
    // Nothing buffered was lost: every message arrives, in order.
    for n in 0..TOTAL {
        let got = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap_or_else(|_| panic!("message {n} did not arrive"))
            .unwrap()
            .unwrap();
        assert_eq!(got.value, Ping { n });
    }
    println!("with client_capacity({CAPACITY}) publish stalled after {stalled_at} messages");
}

#[tokio::test]
async fn jetstream_publish_fails_with_the_ack_timeout_while_the_server_is_away() {
    let server = support::start();
    let client = connect(&server, ConnectOptions::new()).await;
    let mut ctx = async_nats::jetstream::new(client.get_ref().clone());
    ctx.set_timeout(Duration::from_millis(500));
    let js = JetStream::new(ctx);
    js.context()
        .create_stream(async_nats::jetstream::stream::Config {
            name: "AWAY".into(),
            subjects: vec!["stored.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    js.publish("stored.pings", &Ping { n: 1 }).await.unwrap();

    server.kill();
    wait_for_state(&client, State::Disconnected).await;
    let err = js
        .publish("stored.pings", &Ping { n: 2 })
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Nats {
                operation: "jetstream publish",
                ..
            }
        ),
        "{err:?}"
    );
    let cause = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(cause.contains("timed out"), "{cause}");

    // After the restart the stream (on disk) is back and takes publishes again.
    server.restart();
    wait_for_state(&client, State::Connected).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let ack = loop {
        match js.publish("stored.pings", &Ping { n: 3 }).await {
            Ok(ack) => break ack,
            Err(e) => assert!(Instant::now() < deadline, "no publish after restart: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ack.stream, "AWAY");
    assert!(ack.sequence >= 2);
}

#[tokio::test]
async fn a_client_that_gives_up_reconnecting_fails_every_call() {
    let server = support::start();
    let client = connect(&server, ConnectOptions::new().max_reconnects(3)).await;
    let mut sub = client.subscribe::<Ping>("gone.pings").await.unwrap();
    client.flush().await.unwrap();
    server.kill();

    // Three failed attempts, 50 ms apart, then the connection is closed for good: the
    // subscription ends and calls fail.
    let end = tokio::time::timeout(Duration::from_secs(20), sub.next())
        .await
        .expect("the subscription ends when the client gives up");
    assert!(end.is_none(), "{end:?}");
    let err = client
        .publish("gone.pings", &Ping { n: 1 })
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Nats {
                operation: "publish",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .request::<Ping, Ping>("gone.echo", &Ping { n: 0 }, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        !matches!(err, Error::Timeout { .. }),
        "fails without waiting: {err:?}"
    );
}
