//! `Reconnecting` over QUIC against a server that is killed (its runtime dropped, as a
//! crashed process would drop its socket: no close of any kind, so the client notices by
//! the keepalive timeout) and restarted on the same UDP port: sends either arrive or are
//! reported, calls in flight fail and are not retried, and `recv` follows the connections.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::ServerThread as Server;
use common::{
    check_a_call_in_flight_when_the_server_dies, check_sends_around_a_loss, opts, within,
};
use evowire_net::quic::{Connection, Connector, Listener};
use evowire_net::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use evowire_net::TlsServerConfig;
use evowire_net::{Backoff, Error, Options, Reconnecting, TlsClientConfig, TlsIdentity};

/// A call with this argument never gets an answer.
const HANG: u32 = u32::MAX;

/// Keepalives every 50 ms; a peer silent for 500 ms is gone.
fn quick_opts() -> Options {
    opts("quic-rc").with_keepalive(Duration::from_millis(50), Duration::from_millis(500))
}

/// What the servers record and how they behave, shared by every incarnation.
struct Shared {
    root: CertificateDer<'static>,
    identity: TlsIdentity,
    /// Messages received, in order.
    received: Mutex<Vec<u32>>,
    /// Requests the handler saw.
    calls: AtomicU32,
    /// Messages pushed to every new connection: `k * 100 + i` for connection `k`.
    push: u32,
    /// Close the first connection gracefully after pushing.
    close_first: bool,
}

fn shared(push: u32, close_first: bool) -> Arc<Shared> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
    Arc::new(Shared {
        root: cert.cert.der().clone(),
        identity: TlsIdentity::new(vec![cert.cert.der().clone()], key).unwrap(),
        received: Mutex::new(Vec::new()),
        calls: AtomicU32::new(0),
        push,
        close_first,
    })
}

/// Starts a server on `addr` (port 0: any).
fn start_server(addr: SocketAddr, shared: Arc<Shared>) -> Server {
    Server::start(move |addr_tx| async move {
        let counter = shared.clone();
        let tls = TlsServerConfig::new(shared.identity.clone()).unwrap();
        let mut listener = Listener::<u32, u32>::bind(addr, quick_opts(), tls)
            .await
            .unwrap()
            .with_handler(move |n: u32| {
                counter.calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == HANG {
                        std::future::pending::<()>().await;
                    }
                    Ok::<_, String>(n + 1)
                }
            });
        addr_tx.send(listener.local_addr().unwrap()).unwrap();
        let accepting = async {
            for k in 0.. {
                let Ok(mut conn) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    for i in 0..shared.push {
                        conn.send(k * 100 + i).await.unwrap();
                    }
                    if shared.close_first && k == 0 {
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

type Client = Reconnecting<u32, u32, Connection<u32, u32>>;

fn client(addr: SocketAddr, shared: &Shared) -> Client {
    let tls = TlsClientConfig::new(std::slice::from_ref(&shared.root), "localhost").unwrap();
    let connector = Connector::<u32, u32>::new(quick_opts(), tls).unwrap();
    Reconnecting::quic(addr.to_string(), connector).with_backoff(Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        max_attempts: Some(200),
    })
}

fn any_addr() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Receives the three messages that connection `k` pushes.
async fn expect_pushed(client: &mut Client, k: u32) {
    for i in 0..3 {
        assert_eq!(within(client.recv()).await.unwrap(), k * 100 + i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_around_a_server_kill_arrive_or_are_reported() {
    let shared = shared(0, false);
    let server = start_server(any_addr(), shared.clone());
    let addr = server.addr;
    let mut client = client(addr, &shared);
    let mut server = Some(server);
    let mut restart = None;
    // Sent with `Ok` since the last reported loss, and those a reported loss covered.
    let mut pending = Vec::new();
    let mut reported = Vec::new();
    let mut losses = 0;
    let mut reported_at = None;
    let mut i = 0u32;
    // Keep sending until well after the client noticed the kill (the keepalive timeout).
    while reported_at.is_none_or(|at| i < at + 200) {
        assert!(i < 20_000, "the lost connection was never reported");
        if i == 200 {
            server.take().unwrap().kill();
            let shared = shared.clone();
            restart = Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                start_server(addr, shared)
            }));
        }
        match within(client.send(i)).await {
            Ok(()) => pending.push(i),
            Err(Error::Closed) => {
                losses += 1;
                reported_at = Some(i);
                reported.append(&mut pending);
                assert_eq!(client.unconfirmed(), 0);
                // Reported once: the next operation reconnects, and `i` was not sent.
                within(client.send(i)).await.unwrap();
                pending.push(i);
            }
            Err(e) => panic!("send {i}: unexpected error {e:?}"),
        }
        if i.is_multiple_of(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        i += 1;
    }
    assert_eq!(losses, 1, "the one lost connection is reported once");
    assert_eq!(client.connect_count(), 2);
    assert_eq!(client.unconfirmed(), pending.len() as u64);
    // An answered call confirms everything sent before it on the connection.
    assert_eq!(within(client.call(7u32)).await.unwrap(), 8);
    assert_eq!(client.unconfirmed(), 0);
    let received = || shared.received.lock().unwrap().clone();
    check_sends_around_a_loss(received, i, &reported, &pending).await;
    restart.unwrap().join().unwrap().kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_flight_when_the_server_dies_fails_and_is_not_retried() {
    let shared = shared(0, false);
    let server = start_server(any_addr(), shared.clone());
    let addr = server.addr;
    let mut client = client(addr, &shared);
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
    let shared = shared(3, true);
    let server = start_server(any_addr(), shared.clone());
    let mut client = client(server.addr, &shared);
    assert!(client.current().is_none());
    expect_pushed(&mut client, 0).await;
    assert_eq!(client.current().unwrap().remote_addr(), server.addr);
    // The server closed the first connection gracefully after its messages.
    assert!(matches!(within(client.recv()).await, Err(Error::Closed)));
    assert!(client.current().is_none());
    // The next recv connects again and gets what the second connection pushes.
    expect_pushed(&mut client, 1).await;
    assert_eq!(client.connect_count(), 2);
    server.kill();
    let err = within(client.recv()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "keepalive",
                ..
            }
        ),
        "a killed server is noticed by the keepalive timeout: {err:?}"
    );
}
