//! `Reconnecting` against a server that is killed (its runtime dropped, as a crashed
//! process would drop its sockets: no close frame) and restarted on the same port: sends
//! either arrive or are reported, calls in flight fail and are not retried, and `recv`
//! follows the connections.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::ServerThread as Server;
use common::{
    check_a_call_in_flight_when_the_server_dies, check_sends_around_a_loss, opts, within,
};

use evowire_net::{Backoff, Error, Handler, Listener, Reconnecting};

/// A call with this argument never gets an answer.
const HANG: u32 = u32::MAX;

/// What the servers record and how they behave, shared by every incarnation.
#[derive(Default)]
struct Shared {
    /// Messages received, in order.
    received: Mutex<Vec<u32>>,
    /// Requests the handler saw.
    calls: AtomicU32,
    /// Messages pushed to every new connection: `k * 100 + i` for connection `k`.
    push: u32,
    /// Close the first connection gracefully after pushing.
    close_first: bool,
    /// Close every connection gracefully after pushing.
    close_all: bool,
}

/// Starts a server on `addr` (port 0: any).
fn start_server(addr: SocketAddr, shared: Arc<Shared>) -> Server {
    Server::start(move |addr_tx| async move {
        let counter = shared.clone();
        let handler = Handler::new(move |n: u32| {
            counter.calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == HANG {
                    std::future::pending::<()>().await;
                }
                Ok::<_, String>(n + 1)
            }
        });
        let mut listener = Listener::<u32, u32>::bind(addr, opts("rc"))
            .await
            .unwrap()
            .with_handler(handler);
        addr_tx.send(listener.local_addr().unwrap()).unwrap();
        let accepting = async {
            for k in 0.. {
                let mut conn = listener.accept().await.unwrap();
                let shared = shared.clone();
                tokio::spawn(async move {
                    for i in 0..shared.push {
                        conn.send(k * 100 + i).await.unwrap();
                    }
                    if shared.close_all || (shared.close_first && k == 0) {
                        conn.close().await.unwrap();
                        return;
                    }
                    while let Ok(Some(n)) = conn.recv().await {
                        shared.received.lock().unwrap().push(n);
                    }
                });
            }
        };
        accepting.await;
    })
}

fn client(addr: SocketAddr) -> Reconnecting<u32, u32> {
    Reconnecting::new(addr.to_string(), opts("rc")).with_backoff(Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        max_attempts: Some(200),
    })
}

/// A server that pushes three messages to each connection and closes the first one
/// gracefully after them, and a client for it.
fn pushing_server() -> (Server, Reconnecting<u32, u32>) {
    let shared = Arc::new(Shared {
        push: 3,
        close_first: true,
        ..Shared::default()
    });
    let server = start_server(any_addr(), shared);
    let client = client(server.addr);
    (server, client)
}

/// Receives the three messages that connection `k` of [`pushing_server`] pushes.
async fn expect_pushed(client: &mut Reconnecting<u32, u32>, k: u32) {
    for i in 0..3 {
        assert_eq!(within(client.recv()).await.unwrap(), k * 100 + i);
    }
}

fn any_addr() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_around_a_server_kill_arrive_or_are_reported() {
    const N: u32 = 3_000;
    let shared = Arc::new(Shared::default());
    let server = start_server(any_addr(), shared.clone());
    let addr = server.addr;
    let mut client = client(addr);
    let mut server = Some(server);
    let mut restart = None;
    // Sent with `Ok` since the last reported loss, and those a reported loss covered.
    let mut pending = Vec::new();
    let mut reported = Vec::new();
    let mut losses = 0;
    for i in 0..N {
        if i == 1_000 {
            server.take().unwrap().kill();
            let shared = shared.clone();
            // Back on the same port a little later; meanwhile the client keeps sending.
            restart = Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                start_server(addr, shared)
            }));
        }
        match within(client.send(i)).await {
            Ok(()) => pending.push(i),
            Err(Error::Closed) => {
                losses += 1;
                reported.append(&mut pending);
                assert_eq!(client.unconfirmed(), 0);
                // Reported once: the next operation reconnects, and `i` was not sent.
                within(client.send(i)).await.unwrap();
                pending.push(i);
            }
            Err(e) => panic!("send {i}: unexpected error {e:?}"),
        }
        if i % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    assert_eq!(losses, 1, "the one lost connection is reported once");
    assert!(client.connect_count() >= 2);
    assert_eq!(client.unconfirmed(), pending.len() as u64);
    // An answered call confirms everything sent before it on the connection.
    assert_eq!(within(client.call(7u32)).await.unwrap(), 8);
    assert_eq!(client.unconfirmed(), 0);
    let received = || shared.received.lock().unwrap().clone();
    check_sends_around_a_loss(received, N, &reported, &pending).await;
    restart.unwrap().join().unwrap().kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_flight_when_the_server_dies_fails_and_is_not_retried() {
    let shared = Arc::new(Shared::default());
    let server = start_server(any_addr(), shared.clone());
    let addr = server.addr;
    let mut client = client(addr);
    let for_restart = shared.clone();
    let restarted = check_a_call_in_flight_when_the_server_dies(
        &mut client,
        HANG,
        move || {
            server.kill();
            start_server(addr, for_restart)
        },
        || shared.calls.load(Ordering::SeqCst),
    )
    .await;
    assert_eq!(restarted.addr, addr);
    restarted.kill();
}

#[tokio::test]
async fn recv_follows_the_connections_and_reports_each_end() {
    let (server, mut client) = pushing_server();
    assert!(client.current().is_none());
    expect_pushed(&mut client, 0).await;
    let conn = client.current().unwrap();
    assert_eq!(conn.peer_addr(), Some(server.addr));
    assert_eq!(conn.peer_protocol().name(), "rc");
    // The server closed the first connection gracefully after its messages.
    assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    assert!(client.current().is_none());
    // The next recv connects again and gets what the second connection pushes.
    expect_pushed(&mut client, 1).await;
    assert_eq!(client.connect_count(), 2);
    server.kill();
    let err = within(client.recv()).await.unwrap_err();
    assert!(
        matches!(err, Error::Disconnected | Error::Io(_)),
        "a killed server ends the connection with an error: {err:?}"
    );
}

#[tokio::test]
async fn pushed_messages_of_an_ended_connection_come_before_the_next_ones() {
    let (server, mut client) = pushing_server();
    within(client.connection()).await.unwrap();
    within(client.current().unwrap().closed()).await;
    // Nothing was sent on the ended connection: the call reconnects without an error.
    assert_eq!(within(client.call(1u32)).await.unwrap(), 2);
    assert_eq!(client.connect_count(), 2);
    // The first connection's messages and its end, then the second's messages.
    expect_pushed(&mut client, 0).await;
    assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    expect_pushed(&mut client, 1).await;
    server.kill();
}

#[tokio::test]
async fn a_send_into_a_connection_the_peer_closed_is_reported() {
    let shared = Arc::new(Shared {
        close_first: true,
        ..Shared::default()
    });
    let server = start_server(any_addr(), shared.clone());
    let mut client = client(server.addr);
    within(client.send(1u32)).await.unwrap();
    assert_eq!(client.unconfirmed(), 1);
    within(client.current().unwrap().closed()).await;
    // The message may not have been read before the server closed: reported once.
    assert!(matches!(
        within(client.send(2u32)).await,
        Err(Error::Closed)
    ));
    within(client.send(2u32)).await.unwrap();
    assert_eq!(within(client.call(3u32)).await.unwrap(), 4);
    within(async {
        while !shared.received.lock().unwrap().contains(&2) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    server.kill();
}

/// A server that pushes three messages to each connection and then closes it gracefully,
/// and a client that lets `n` connections come and end without calling `recv`.
async fn connections_ended_unread(n: u32) -> (Server, Reconnecting<u32, u32>) {
    let shared = Arc::new(Shared {
        push: 3,
        close_all: true,
        ..Shared::default()
    });
    let server = start_server(any_addr(), shared);
    let mut client = client(server.addr);
    for _ in 0..n {
        within(client.connection()).await.unwrap();
        within(client.current().unwrap().closed()).await;
    }
    assert_eq!(client.connect_count(), u64::from(n));
    (server, client)
}

#[tokio::test]
async fn recv_reads_every_ended_connection_that_it_had_not_read() {
    let (server, mut client) = connections_ended_unread(3).await;
    for k in 0..3 {
        expect_pushed(&mut client, k).await;
        assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    }
    server.kill();
}

#[tokio::test]
async fn reconnecting_waits_for_recv_while_four_ended_connections_hold_messages() {
    let (server, mut client) = connections_ended_unread(4).await;
    // The fourth connection ended too: four hold unread messages, so no fifth one.
    let err = within(client.connection()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("4 ended connections hold pushed messages"),
        "{err}"
    );
    assert!(matches!(within(client.send(7u32)).await, Err(Error::Io(_))));
    assert_eq!(client.connect_count(), 4);
    // recv reads the oldest through; then there is room for one more connection.
    expect_pushed(&mut client, 0).await;
    assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    within(client.connection()).await.unwrap();
    assert_eq!(client.connect_count(), 5);
    // Nothing was lost: every connection's messages, in order, then the current one's.
    for k in 1..5 {
        expect_pushed(&mut client, k).await;
        assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    }
    server.kill();
}
