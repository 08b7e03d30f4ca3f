//! evowire-net over QUIC on loopback with certificates made by rcgen: messages and calls
//! both ways, the version handshake, a peer that vanishes, head-of-line independence of
//! calls, a lossy UDP relay, a graceful close that loses nothing, and a peer driven by raw
//! quinn that sends hostile call streams.

#[path = "common/ca.rs"]
mod ca;
mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use evowire_net::quic::{Connection, Connector, Listener};
use evowire_net::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use evowire_net::{
    Error, Handler, Options, Peer, Protocol, TlsClientConfig, TlsIdentity, TlsServerConfig,
};
use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;
use tokio::sync::Notify;

use ca::Ca;
use common::{frame, message_payload, opts, preamble, within, RawHello, RawReply};

/// What both sides send each other in these tests.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Msg {
    Num(u64),
    /// Asks for an answer of this many bytes.
    Big(usize),
    Text(String),
    /// Asks the handler to wait this many milliseconds.
    Slow(u64),
}

struct Certs {
    root: CertificateDer<'static>,
    identity: TlsIdentity,
}

fn certs() -> Certs {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
    Certs {
        root: cert.cert.der().clone(),
        identity: TlsIdentity::new(vec![cert.cert.der().clone()], key).unwrap(),
    }
}

/// Doubles numbers, answers `Big(n)` with `n` bytes of text, waits for `Slow`.
async fn handle(msg: Msg) -> Result<Msg, String> {
    match msg {
        Msg::Num(n) => Ok(Msg::Num(n * 2)),
        Msg::Big(n) => Ok(Msg::Text("x".repeat(n))),
        Msg::Text(t) => Ok(Msg::Text(t.to_uppercase())),
        Msg::Slow(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(Msg::Num(ms))
        }
    }
}

async fn listener(c: &Certs, o: &Options) -> Listener<Msg, Msg> {
    let tls = TlsServerConfig::new(c.identity.clone()).unwrap();
    Listener::<Msg, Msg>::bind("127.0.0.1:0", o.clone(), tls)
        .await
        .unwrap()
        .with_handler(handle)
}

fn connector(c: &Certs, o: &Options) -> Connector<Msg, Msg> {
    let tls = TlsClientConfig::new(std::slice::from_ref(&c.root), "localhost").unwrap();
    Connector::new(o.clone(), tls).unwrap().with_handler(handle)
}

/// A connected pair: (client, server).
async fn pair(
    o: &Options,
    via: impl FnOnce(SocketAddr) -> SocketAddr,
) -> (Connection<Msg, Msg>, Connection<Msg, Msg>) {
    let c = certs();
    let mut l = listener(&c, o).await;
    let addr = via(l.local_addr().unwrap());
    let server = tokio::spawn(async move { l.accept().await });
    let client = within(connector(&c, o).connect(addr)).await.unwrap();
    let server = within(server).await.unwrap().unwrap();
    (client, server)
}

#[tokio::test]
async fn messages_and_calls_both_ways_with_the_peer_identity() {
    let o = opts("quic-basic");
    let (mut client, mut server) = pair(&o, |a| a).await;
    assert_eq!(client.peer_identity().unwrap().dns_names(), ["localhost"]);
    assert!(server.peer_identity().is_none());
    assert_eq!(server.peer_protocol().name(), "quic-basic");

    for i in 0..100 {
        client.send(Msg::Num(i)).await.unwrap();
        server.send(Msg::Text(format!("s{i}"))).await.unwrap();
    }
    for i in 0..100 {
        assert_eq!(within(server.recv()).await.unwrap(), Some(Msg::Num(i)));
        assert_eq!(
            within(client.recv()).await.unwrap(),
            Some(Msg::Text(format!("s{i}")))
        );
    }
    assert_eq!(
        within(client.call(Msg::Num(21))).await.unwrap(),
        Msg::Num(42)
    );
    assert_eq!(
        within(server.call(Msg::Text("hi".into()))).await.unwrap(),
        Msg::Text("HI".into())
    );
    // Many calls at once on one connection, both ways.
    let calls = (0..50u64).map(|i| {
        let (c, s) = (client.sender().clone(), server.sender().clone());
        async move {
            (
                c.call(Msg::Num(i)).await.unwrap(),
                s.call(Msg::Num(i + 1000)).await.unwrap(),
            )
        }
    });
    for (i, (a, b)) in within(futures::future::join_all(calls))
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(a, Msg::Num(2 * i as u64));
        assert_eq!(b, Msg::Num(2 * (i as u64 + 1000)));
    }
    within(client.close()).await.unwrap();
    assert_eq!(within(server.recv()).await.unwrap(), None);
    assert_eq!(within(client.recv()).await.unwrap(), None);
    within(server.closed()).await;
    assert!(matches!(client.call(Msg::Num(1)).await, Err(Error::Closed)));
}

#[tokio::test]
async fn a_side_without_handler_refuses_calls_with_an_error_answer() {
    let c = certs();
    let o = opts("quic-nohandler");
    let tls = TlsServerConfig::new(c.identity.clone()).unwrap();
    let mut l = Listener::<Msg, Msg>::bind("127.0.0.1:0", o.clone(), tls)
        .await
        .unwrap();
    let addr = l.local_addr().unwrap();
    let server = tokio::spawn(async move { l.accept().await });
    let client = connector(&c, &o).connect(addr).await.unwrap();
    let _server = server.await.unwrap().unwrap();
    match within(client.call(Msg::Num(1))).await {
        Err(Error::Remote(reason)) => assert!(reason.contains("serves no requests"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_incompatible_major_version_is_refused_and_the_listener_goes_on() {
    let c = certs();
    let o = opts("quic-versions");
    let mut l = listener(&c, &o).await;
    let addr = l.local_addr().unwrap();
    let v2 = Options::new(Protocol::new("quic-versions", 2, 0));
    let (client, server) = within(async {
        let connector = connector(&c, &v2);
        tokio::join!(connector.connect(addr), l.accept())
    })
    .await;
    match client {
        Err(Error::Refused { reason }) => {
            assert!(reason.contains("mismatch"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match server {
        Err(Error::Handshake { reason }) => assert!(reason.contains("major"), "{reason}"),
        other => panic!("expected a handshake error, got {other:?}"),
    }
    // A compatible client (another minor version) still gets in.
    let v1_3 = Options::new(Protocol::new("quic-versions", 1, 3));
    let server = tokio::spawn(async move { l.accept().await });
    let client = within(connector(&c, &v1_3).connect(addr)).await.unwrap();
    let server = within(server).await.unwrap().unwrap();
    assert_eq!(server.peer_protocol().minor(), 3);
    assert_eq!(within(client.call(Msg::Num(4))).await.unwrap(), Msg::Num(8));
}

#[tokio::test]
async fn a_tls_client_that_does_not_trust_the_server_fails_with_a_tls_error() {
    let (c, other) = (certs(), certs());
    let o = opts("quic-trust");
    let mut l = listener(&c, &o).await;
    let addr = l.local_addr().unwrap();
    let tls = TlsClientConfig::new(&[other.root], "localhost").unwrap();
    let client = Connector::<Msg, Msg>::new(o, tls).unwrap();
    let (client, server) = within(async { tokio::join!(client.connect(addr), l.accept()) }).await;
    match client {
        Err(Error::Tls { reason }) => assert!(reason.contains("certificate"), "{reason}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    match server {
        Err(Error::Tls { reason }) => assert!(!reason.is_empty()),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

/// A UDP relay between a client and `server` that drops, duplicates and delays
/// (reordering) a share of datagrams in each direction, with a seeded generator; `cut`
/// makes it drop everything (a peer that vanished).
struct Relay {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    /// Datagrams forwarded, dropped, duplicated and delayed (both directions).
    counts: Arc<[AtomicU64; 4]>,
}

/// Per mille of datagrams dropped, duplicated and delayed by 1–20 ms.
#[derive(Clone, Copy)]
struct Faults {
    drop: u64,
    duplicate: u64,
    delay: u64,
}

async fn relay(server: SocketAddr, seed: u64, faults: Faults) -> Relay {
    let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    back.connect(server).await.unwrap();
    let relay = Relay {
        addr: front.local_addr().unwrap(),
        cut: Arc::new(AtomicBool::new(false)),
        counts: Arc::new(Default::default()),
    };
    let client: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
    for upstream in [true, false] {
        let (front, back, client) = (front.clone(), back.clone(), client.clone());
        let (cut, counts) = (relay.cut.clone(), relay.counts.clone());
        let mut rng = seed.wrapping_mul(2 * u64::from(upstream) + 1) | 1;
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            loop {
                let n = if upstream {
                    let Ok((n, from)) = front.recv_from(&mut buf).await else {
                        return;
                    };
                    *client.lock().unwrap() = Some(from);
                    n
                } else {
                    let Ok(n) = back.recv(&mut buf).await else {
                        return;
                    };
                    n
                };
                if cut.load(Ordering::SeqCst) {
                    continue;
                }
                let datagram = buf[..n].to_vec();
                let (front, back) = (front.clone(), back.clone());
                let to = *client.lock().unwrap();
                let forward = move |d: Vec<u8>| {
                    let (front, back) = (front.clone(), back.clone());
                    async move {
                        let _ = if upstream {
                            back.send(&d).await
                        } else if let Some(to) = to {
                            front.send_to(&d, to).await
                        } else {
                            Ok(0)
                        };
                    }
                };
                // xorshift64: seeded, reproducible.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let roll = rng % 1000;
                let f = faults;
                if roll < f.drop {
                    counts[1].fetch_add(1, Ordering::Relaxed);
                } else if roll < f.drop + f.duplicate {
                    counts[2].fetch_add(1, Ordering::Relaxed);
                    forward(datagram.clone()).await;
                    forward(datagram).await;
                } else if roll < f.drop + f.duplicate + f.delay {
                    counts[3].fetch_add(1, Ordering::Relaxed);
                    let delay = Duration::from_millis(1 + (rng >> 20) % 20);
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        forward(datagram).await;
                    });
                } else {
                    counts[0].fetch_add(1, Ordering::Relaxed);
                    forward(datagram).await;
                }
            }
        });
    }
    relay
}

#[tokio::test]
async fn a_peer_that_vanishes_mid_call_fails_pending_calls_promptly() {
    let c = certs();
    let o =
        opts("quic-vanish").with_keepalive(Duration::from_millis(100), Duration::from_millis(800));
    let mut l = listener(&c, &o).await;
    let r = relay(
        l.local_addr().unwrap(),
        7,
        Faults {
            drop: 0,
            duplicate: 0,
            delay: 0,
        },
    )
    .await;
    let server = tokio::spawn(async move { l.accept().await });
    let mut client = within(connector(&c, &o).connect(r.addr)).await.unwrap();
    let _server = within(server).await.unwrap().unwrap();
    assert_eq!(within(client.call(Msg::Num(1))).await.unwrap(), Msg::Num(2));

    // A call the server will not answer for a minute, then the server vanishes.
    let pending = tokio::spawn({
        let tx = client.sender().clone();
        async move { tx.call(Msg::Slow(60_000)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    r.cut.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    match within(pending).await.unwrap() {
        Err(Error::Timeout { operation, .. }) => assert_eq!(operation, "keepalive"),
        other => panic!("expected the idle timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The connection is over for messages too, and new calls fail at once.
    assert!(within(client.recv()).await.is_err() || within(client.recv()).await.unwrap().is_none());
    assert!(within(client.call(Msg::Num(1))).await.is_err());
}

#[tokio::test]
async fn a_large_answer_does_not_hold_up_small_calls_issued_after_it() {
    const BIG: usize = 10 * 1024 * 1024;
    let c = certs();
    let o = opts("quic-hol").with_max_frame_length(16 * 1024 * 1024);
    let started = Arc::new(Notify::new());
    let tls = TlsServerConfig::new(c.identity.clone()).unwrap();
    let mut l = Listener::<Msg, Msg>::bind("127.0.0.1:0", o.clone(), tls)
        .await
        .unwrap()
        .with_handler({
            let started = started.clone();
            move |msg: Msg| {
                let started = started.clone();
                async move {
                    if let Msg::Big(_) = msg {
                        started.notify_one();
                    }
                    handle(msg).await
                }
            }
        });
    let addr = l.local_addr().unwrap();
    let server = tokio::spawn(async move { l.accept().await });
    let client = within(connector(&c, &o).connect(addr)).await.unwrap();
    let _server = within(server).await.unwrap().unwrap();

    let order = Arc::new(AtomicUsize::new(0));
    let big = tokio::spawn({
        let (tx, order) = (client.sender().clone(), order.clone());
        async move {
            let answer = tx.call(Msg::Big(BIG)).await;
            (answer, order.fetch_add(1, Ordering::SeqCst))
        }
    });
    within(started.notified()).await;
    let small = (0..100u64).map(|i| {
        let (tx, order) = (client.sender().clone(), order.clone());
        async move {
            let answer = tx.call(Msg::Num(i)).await.unwrap();
            assert_eq!(answer, Msg::Num(2 * i));
            order.fetch_add(1, Ordering::SeqCst)
        }
    });
    let small: Vec<usize> = within(futures::future::join_all(small)).await;
    let (answer, big_place) = within(big).await.unwrap();
    match answer.unwrap() {
        Msg::Text(t) => assert_eq!(t.len(), BIG),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        big_place, 100,
        "the large answer must complete after all 100 small calls"
    );
    assert!(small.iter().all(|&p| p < 100));
}

/// Fails the test if `fut` takes longer than 20 s.
async fn within20s<F: std::future::Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("operation hung for 20 s")
}

#[tokio::test]
async fn through_a_lossy_relay_every_message_and_call_arrives_in_order() {
    let c = certs();
    let o = opts("quic-lossy").with_handshake_timeout(Duration::from_secs(8));
    let mut l = listener(&c, &o).await;
    let faults = Faults {
        drop: 15,
        duplicate: 10,
        delay: 15,
    };
    let r = relay(l.local_addr().unwrap(), 0x5eed_1234, faults).await;
    let server = tokio::spawn(async move { l.accept().await });
    let client = within20s(connector(&c, &o).connect(r.addr)).await.unwrap();
    let server = within20s(server).await.unwrap().unwrap();
    const N: u64 = 1000;
    let (ctx, mut crx) = client.split();
    let (stx, mut srx) = server.split();
    let work = async {
        let pushes = async {
            for i in 0..N {
                ctx.send(Msg::Num(i)).await.unwrap();
                stx.send(Msg::Text(format!("{i:0>200}"))).await.unwrap();
            }
        };
        let calls = futures::future::join_all((0..N).map(|i| {
            let (ctx, stx) = (ctx.clone(), stx.clone());
            async move {
                assert_eq!(ctx.call(Msg::Num(i)).await.unwrap(), Msg::Num(2 * i));
                assert_eq!(stx.call(Msg::Num(i)).await.unwrap(), Msg::Num(2 * i));
            }
        }));
        let server_reads = async {
            for i in 0..N {
                assert_eq!(srx.recv().await.unwrap(), Some(Msg::Num(i)));
            }
        };
        let client_reads = async {
            for i in 0..N {
                assert_eq!(
                    crx.recv().await.unwrap(),
                    Some(Msg::Text(format!("{i:0>200}")))
                );
            }
        };
        tokio::join!(pushes, calls, server_reads, client_reads);
    };
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .unwrap();
    within20s(ctx.close()).await.unwrap();
    assert_eq!(within20s(srx.recv()).await.unwrap(), None);
    assert_eq!(within20s(crx.recv()).await.unwrap(), None);
    let [sent, dropped, duplicated, delayed] =
        [0, 1, 2, 3].map(|i| r.counts[i].load(Ordering::Relaxed));
    assert!(
        dropped > 0 && duplicated > 0 && delayed > 0,
        "{dropped} {duplicated} {delayed}"
    );
    let total = sent + dropped + duplicated + delayed;
    assert!(
        (dropped + duplicated + delayed) * 100 < 5 * total,
        "faults must stay under 5%"
    );
}

#[tokio::test]
async fn a_graceful_close_loses_no_message_and_no_call_in_flight() {
    let o = opts("quic-close");
    let (client, mut server) = pair(&o, |a| a).await;
    let calls: Vec<_> = (0..20u64)
        .map(|i| {
            let tx = client.sender().clone();
            tokio::spawn(async move { tx.call(Msg::Slow(100 + i)).await })
        })
        .collect();
    tokio::task::yield_now().await;
    for i in 0..1000 {
        client.send(Msg::Num(i)).await.unwrap();
    }
    within(client.close()).await.unwrap();
    for (i, call) in calls.into_iter().enumerate() {
        assert_eq!(
            within(call).await.unwrap().unwrap(),
            Msg::Num(100 + i as u64)
        );
    }
    for i in 0..1000 {
        assert_eq!(within(server.recv()).await.unwrap(), Some(Msg::Num(i)));
    }
    assert_eq!(within(server.recv()).await.unwrap(), None);
    within(server.closed()).await;
}

#[tokio::test]
async fn dropping_every_sender_closes_gracefully() {
    let o = opts("quic-drop");
    let (client, mut server) = pair(&o, |a| a).await;
    for i in 0..50 {
        client.send(Msg::Num(i)).await.unwrap();
    }
    drop(client);
    for i in 0..50 {
        assert_eq!(within(server.recv()).await.unwrap(), Some(Msg::Num(i)));
    }
    assert_eq!(within(server.recv()).await.unwrap(), None);
    within(server.closed()).await;
}

/// A QUIC client configuration of our own (plain rustls and quinn, no evowire client)
/// that trusts `root` and announces the evowire ALPN.
fn raw_quic_config(root: &CertificateDer<'static>) -> quinn::ClientConfig {
    use evowire_net::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![evowire_net::quic::ALPN.to_vec()];
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(Arc::new(tls)).unwrap();
    quinn::ClientConfig::new(Arc::new(crypto))
}

/// Connects with raw quinn and runs the evowire handshake by hand (PROTOCOL.md §3) on the
/// control stream; returns the connection and the control stream's sending side.
async fn raw_quic_client(
    c: &Certs,
    addr: SocketAddr,
    app: &str,
) -> (quinn::Endpoint, quinn::Connection, quinn::SendStream) {
    let endpoint = quinn::Endpoint::client(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let quic = endpoint
        .connect_with(raw_quic_config(&c.root), addr, "localhost")
        .unwrap()
        .await
        .unwrap();
    let (mut send, mut recv) = quic.open_bi().await.unwrap();
    let mut hello = preamble(1);
    hello.extend(frame(
        &evowire::to_vec(&RawHello(app.into(), 1, 0, 1 << 20)).unwrap(),
    ));
    send.write_all(&hello).await.unwrap();
    let mut head = [0u8; 12];
    recv.read_exact(&mut head).await.unwrap();
    assert_eq!(&head[..8], b"EVOW\x01\0\0\0");
    let len = u32::from_be_bytes(head[8..].try_into().unwrap()) as usize;
    let mut reply = vec![0u8; len];
    recv.read_exact(&mut reply).await.unwrap();
    let reply: RawReply = evowire::from_slice(&reply).unwrap();
    assert!(matches!(reply, RawReply::Welcome(_)), "{reply:?}");
    (endpoint, quic, send)
}

/// What came back on a raw call stream.
#[derive(Debug, PartialEq)]
enum RawAnswer {
    Response(Msg),
    Error(String),
    Reset,
}

/// A request frame on a call stream (PROTOCOL.md "QUIC": request id 0).
fn request_frame(msg: &Msg) -> Vec<u8> {
    let mut payload = vec![0x0d, 0x13, 0x00];
    payload.extend(evowire::to_vec(msg).unwrap());
    frame(&payload)
}

/// Reads the answer of a raw call stream: one response or error frame, then the end.
async fn raw_answer(mut recv: quinn::RecvStream) -> RawAnswer {
    let bytes = match recv.read_to_end(1 << 20).await {
        Ok(bytes) => bytes,
        Err(quinn::ReadToEndError::Read(quinn::ReadError::Reset(_))) => return RawAnswer::Reset,
        Err(e) => panic!("reading the answer: {e}"),
    };
    let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    assert_eq!(
        bytes.len(),
        4 + len,
        "one frame, then the end of the stream"
    );
    match bytes[4..7] {
        [0x15, 0x13, 0x00] => RawAnswer::Response(evowire::from_slice(&bytes[7..]).unwrap()),
        [0x1d, 0x13, 0x00] => RawAnswer::Error(evowire::from_slice(&bytes[7..]).unwrap()),
        _ => panic!("not an answer frame: {bytes:02x?}"),
    }
}

/// Opens a call stream, writes `bytes` (ending the stream if `finish`) and reads what
/// comes back. A refused write (the peer stopped reading) is no failure: its answer says
/// why.
async fn raw_call(quic: &quinn::Connection, bytes: &[u8], finish: bool) -> RawAnswer {
    let (mut send, recv) = quic.open_bi().await.unwrap();
    let _ = send.write_all(bytes).await;
    if finish {
        let _ = send.finish();
    }
    raw_answer(recv).await
}

/// Asserts that `answer` is an error whose text contains `expected`.
fn assert_error(answer: RawAnswer, expected: &str) {
    match answer {
        RawAnswer::Error(text) => assert!(text.contains(expected), "{text:?} lacks {expected:?}"),
        other => panic!("expected an error containing {expected:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn hostile_call_streams_get_errors_and_the_connection_and_endpoint_go_on() {
    const REQUESTS: usize = 4;
    let c = certs();
    let o = opts("quic-raw")
        .with_max_frame_length(1024)
        .with_max_concurrent_requests(REQUESTS)
        .with_call_timeout(Some(Duration::from_millis(300)));
    let mut l = listener(&c, &o).await;
    let addr = l.local_addr().unwrap();
    let accepted = tokio::spawn(async move {
        let first = l.accept().await;
        (first, l)
    });
    let (_endpoint, quic, mut control) = raw_quic_client(&c, addr, "quic-raw").await;
    let (server, mut l) = within(accepted).await.unwrap();
    let mut server = server.unwrap();

    let good = request_frame(&Msg::Num(21));
    assert_eq!(
        within(raw_call(&quic, &good, true)).await,
        RawAnswer::Response(Msg::Num(42))
    );
    // A request that trickles in, its length prefix split, is read whole.
    let (mut send, recv) = quic.open_bi().await.unwrap();
    send.write_all(&good[..2]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    send.write_all(&good[2..]).await.unwrap();
    send.finish().unwrap();
    assert_eq!(
        within(raw_answer(recv)).await,
        RawAnswer::Response(Msg::Num(42))
    );
    // Garbage in a well-formed frame, an empty stream, a truncated frame.
    assert_error(
        within(raw_call(&quic, &frame(&[0xff; 5]), true)).await,
        "bad request: protocol violation",
    );
    assert_error(within(raw_call(&quic, &[], true)).await, "got 0 of 4 bytes");
    let mut truncated = 50u32.to_be_bytes().to_vec();
    truncated.extend([0u8; 10]);
    assert_error(
        within(raw_call(&quic, &truncated, true)).await,
        "got 14 of 54 bytes",
    );
    // An oversized length claim is refused after the prefix, the stream left open.
    let mut oversized = u32::MAX.to_be_bytes().to_vec();
    oversized.extend([0u8; 100]);
    assert_error(
        within(raw_call(&quic, &oversized, false)).await,
        "exceeds the maximum frame length of 1024 bytes",
    );
    // The right framing around the wrong content.
    assert_error(
        within(raw_call(
            &quic,
            &frame(&message_payload(&Msg::Num(1))),
            true,
        ))
        .await,
        "must carry a request frame, not a message frame",
    );
    let mut trailing = good.clone();
    trailing.extend([0u8; 3]);
    assert_error(
        within(raw_call(&quic, &trailing, true)).await,
        "bytes after the frame",
    );
    assert_error(
        within(raw_call(&quic, &frame(&[0x0d, 0x13, 0x00, 0xff]), true)).await,
        "cannot decode request",
    );
    // A request that never ends is given up after the call timeout.
    assert_error(
        within(raw_call(&quic, &good[..6], false)).await,
        "reading a request timed out",
    );
    // A request reset half-way.
    let (mut send, recv) = quic.open_bi().await.unwrap();
    send.write_all(&good[..6]).await.unwrap();
    send.reset(quinn::VarInt::from_u32(7)).unwrap();
    assert_error(within(raw_answer(recv)).await, "reset the call stream");

    // Too many streams: beyond the limit, QUIC makes the peer wait for stream credit.
    let mut stalled = Vec::new();
    for _ in 0..REQUESTS {
        let (mut send, recv) = quic.open_bi().await.unwrap();
        send.write_all(&good[..6]).await.unwrap();
        stalled.push((send, recv));
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(100), quic.open_bi())
            .await
            .is_err(),
        "a stream beyond the peer's limit must wait"
    );
    for (_send, recv) in stalled {
        assert_error(within(raw_answer(recv)).await, "timed out");
    }
    assert_eq!(
        within(raw_call(&quic, &good, true)).await,
        RawAnswer::Response(Msg::Num(42))
    );

    // The connection still carries messages, and the endpoint serves an evowire client.
    assert!(quic.close_reason().is_none());
    control
        .write_all(&frame(&message_payload(&Msg::Text("still here".into()))))
        .await
        .unwrap();
    assert_eq!(
        within(server.recv()).await.unwrap(),
        Some(Msg::Text("still here".into()))
    );
    let accepted = tokio::spawn(async move { l.accept().await });
    let client = within(connector(&c, &o).connect(addr)).await.unwrap();
    let _other = within(accepted).await.unwrap().unwrap();
    assert_eq!(
        within(client.call(Msg::Num(5))).await.unwrap(),
        Msg::Num(10)
    );
    assert!(quic.close_reason().is_none());
}

/// A handler that answers with the common name of the peer's verified certificate.
fn whoami() -> Handler<Msg, Msg> {
    Handler::with_peer(|peer: Arc<Peer>, msg: Msg| async move {
        let name = peer.identity().and_then(|id| id.common_name());
        match (name, msg) {
            (Some(name), Msg::Num(n)) => Ok(Msg::Text(format!("{name} {n}"))),
            (None, _) => Err("no verified certificate".to_string()),
            (_, other) => Err(format!("unexpected {other:?}")),
        }
    })
}

#[tokio::test]
async fn a_peer_aware_handler_sees_the_verified_identity_under_mutual_tls() {
    let ca = Ca::new("quic-ca");
    let o = opts("quic-mtls");
    let server_tls = TlsServerConfig::mutual(ca.leaf("server-1", "localhost"), &ca.root()).unwrap();
    let mut l = Listener::<Msg, Msg>::bind("127.0.0.1:0", o.clone(), server_tls)
        .await
        .unwrap()
        .with_handler(whoami());
    let addr = l.local_addr().unwrap();
    for name in ["alice", "bob"] {
        let tls = TlsClientConfig::mutual(&ca.root(), "localhost", ca.leaf(name, name)).unwrap();
        let connector = Connector::<Msg, Msg>::new(o.clone(), tls)
            .unwrap()
            .with_handler(whoami());
        let (client, server) = tokio::join!(connector.connect(addr), l.accept());
        let (client, server) = (client.unwrap(), server.unwrap());
        // Each side's handler sees the other's certificate, and only its own connection's.
        assert_eq!(
            within(client.call(Msg::Num(1))).await.unwrap(),
            Msg::Text(format!("{name} 1"))
        );
        assert_eq!(
            within(server.call(Msg::Num(2))).await.unwrap(),
            Msg::Text("server-1 2".to_string())
        );
        let err = within(client.call(Msg::Big(1))).await.unwrap_err();
        assert!(
            matches!(&err, Error::Remote(m) if m == "unexpected Big(1)"),
            "{err:?}"
        );
        client.close().await.unwrap();
    }
}

#[tokio::test]
async fn each_side_sends_frames_within_the_limit_the_peer_announced() {
    // The server accepts frames of at most 4 KiB; the client, the default 16 MiB.
    let c = certs();
    let server_opts = opts("quic-limits").with_max_frame_length(4096);
    let mut l = listener(&c, &server_opts).await;
    let addr = l.local_addr().unwrap();
    let client_opts = opts("quic-limits");
    let connector = connector(&c, &client_opts);
    let (client, server) = tokio::join!(connector.connect(addr), l.accept());
    let (client, server) = (client.unwrap(), server.unwrap());
    let long = Msg::Text("x".repeat(8000));
    // A request the server would refuse fails at the client, unsent.
    let err = within(client.call(&long)).await.unwrap_err();
    assert!(
        matches!(err, Error::FrameTooLarge { max: 4096, .. }),
        "{err:?}"
    );
    // Answers are measured against the caller's limit: 8000 bytes reach the client…
    let answer = within(client.call(Msg::Big(8000))).await.unwrap();
    assert_eq!(answer, Msg::Text("x".repeat(8000)));
    // …and a long request reaches it too, but its long answer cannot go back.
    let err = within(server.call(&long)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Remote(m) if m.starts_with("cannot send response")),
        "{err:?}"
    );
    // The connection goes on.
    assert_eq!(within(client.call(Msg::Num(4))).await.unwrap(), Msg::Num(8));
    client.close().await.unwrap();
}
