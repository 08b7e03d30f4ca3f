//! Typed UDP datagrams on loopback: round trips through every API, schema evolution,
//! hostile datagrams of every kind, a lossy relay whose doings the receiver's statistics
//! must match exactly, and 100,000 datagrams from 8 senders.
//!
//! Datagrams are built and taken apart by hand from the layout in `docs/PROTOCOL.md` §9,
//! so these tests also check that the document describes the bytes.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;

use evowire_net::udp::{self, Options, Socket, Stats};
use evowire_net::{Error, Protocol};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Reading {
    sensor: u32,
    celsius: f32,
}

fn reading(sensor: u32) -> Reading {
    Reading {
        sensor,
        celsius: 20.0 + sensor as f32 / 8.0,
    }
}

fn opts() -> Options {
    Options::new(Protocol::new("telemetry", 1, 0))
}

/// Fails the test if `fut` takes longer than 10 s.
async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("operation hung for 10 s")
}

async fn bind<In, Out>(opts: Options) -> Socket<In, Out> {
    Socket::bind("127.0.0.1:0", opts).await.unwrap()
}

async fn raw_socket() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// Receives one raw datagram.
async fn capture(raw: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0; 70_000];
    let len = within(raw.recv(&mut buf)).await.unwrap();
    buf.truncate(len);
    buf
}

/// The datagrams `values` make when a socket speaking `protocol` sends them, as bytes.
async fn datagrams_of<T: Serialize>(protocol: Protocol, values: &[T]) -> Vec<Vec<u8>> {
    let raw = raw_socket().await;
    let sender = bind::<(), T>(Options::new(protocol)).await;
    let mut out = Vec::new();
    for value in values {
        sender
            .send_to(value, raw.local_addr().unwrap())
            .await
            .unwrap();
        out.push(capture(&raw).await);
    }
    out
}

/// PROTOCOL.md §9.2: the stream id is at bytes 16..20, the sequence number at 20..28.
fn seq_of(datagram: &[u8]) -> u64 {
    u64::from_be_bytes(datagram[20..28].try_into().unwrap())
}

fn with_position(mut datagram: Vec<u8>, stream: u32, seq: u64) -> Vec<u8> {
    datagram[16..20].copy_from_slice(&stream.to_be_bytes());
    datagram[20..28].copy_from_slice(&seq.to_be_bytes());
    datagram
}

/// Every datagram read is counted exactly once.
fn assert_accounted(stats: &Stats) {
    assert_eq!(
        stats.received,
        stats.decoded + stats.duplicated + stats.stale + stats.dropped.total(),
        "{stats:?}"
    );
}

#[tokio::test]
async fn send_to_and_recv_from_round_trip_both_ways() {
    let a = bind::<String, Reading>(opts()).await;
    let b = bind::<Reading, String>(opts()).await;
    a.send_to(&reading(1), b.local_addr().unwrap())
        .await
        .unwrap();
    let (got, from) = within(b.recv_from()).await.unwrap();
    assert_eq!(got, reading(1));
    assert_eq!(from, a.local_addr().unwrap());
    b.send_to(&"ack".to_string(), from).await.unwrap();
    assert_eq!(within(a.recv_from()).await.unwrap().0, "ack");

    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!((sa.sent, sa.received, sa.decoded), (1, 1, 1));
    assert_eq!((sb.sent, sb.received, sb.decoded), (1, 1, 1));
    assert_eq!(
        (sb.lost, sb.reordered, sb.duplicated, sb.peers),
        (0, 0, 0, 1)
    );
}

#[tokio::test]
async fn connected_send_and_recv() {
    let a = bind::<u64, u64>(opts()).await;
    let b = bind::<u64, u64>(opts()).await;
    let err = a.send(&1).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::NotConnected),
        "{err}"
    );
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    for n in 0..10 {
        a.send(&n).await.unwrap();
        let got = within(b.recv()).await.unwrap();
        b.send(&(got * 2)).await.unwrap();
        assert_eq!(within(a.recv()).await.unwrap(), n * 2);
    }
    assert_eq!(b.stats().decoded, 10);
    assert_eq!(a.stats().sent, 10);
}

#[tokio::test]
async fn connected_socket_ignores_other_senders() {
    let a = bind::<u64, u64>(opts()).await;
    let b = bind::<u64, u64>(opts()).await;
    let stranger = bind::<u64, u64>(opts()).await;
    a.connect(b.local_addr().unwrap()).await.unwrap();
    stranger
        .send_to(&99, a.local_addr().unwrap())
        .await
        .unwrap();
    b.send_to(&1, a.local_addr().unwrap()).await.unwrap();
    assert_eq!(within(a.recv()).await.unwrap(), 1);
}

#[tokio::test]
async fn stream_and_sink_adapters() {
    let rx = bind::<Reading, ()>(opts()).await;
    let tx = bind::<(), Reading>(opts()).await;
    let to = rx.local_addr().unwrap();

    let mut sink = tx.outgoing();
    sink.send((reading(1), to)).await.unwrap();
    sink.feed((reading(2), to)).await.unwrap();
    sink.feed((reading(3), to)).await.unwrap();
    sink.flush().await.unwrap();
    tx.connect(to).await.unwrap();
    sink.send((reading(4), tx.peer_addr().unwrap()))
        .await
        .unwrap();
    sink.close().await.unwrap();

    let got: Vec<(Reading, SocketAddr)> = within(
        rx.incoming()
            .take(4)
            .map(|item| item.unwrap())
            .collect::<Vec<_>>(),
    )
    .await;
    let from = tx.local_addr().unwrap();
    let expected: Vec<_> = (1..=4).map(|n| (reading(n), from)).collect();
    assert_eq!(got, expected);
    assert_eq!(tx.stats().sent, 4);
    assert_eq!(rx.stats().lost, 0);
}

#[tokio::test]
async fn sink_refuses_a_value_too_large_at_start_send_and_stays_usable() {
    let rx = bind::<String, ()>(opts()).await;
    let tx = bind::<(), String>(opts()).await;
    let to = rx.local_addr().unwrap();
    let mut sink = tx.outgoing();
    let err = sink.send(("x".repeat(5000), to)).await.unwrap_err();
    assert!(
        matches!(err, Error::FrameTooLarge { max: 1200, .. }),
        "{err}"
    );
    sink.send(("small".to_string(), to)).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), "small");
    assert_eq!(rx.stats().lost, 0);
}

#[tokio::test]
async fn mpsc_bridges_carry_values_both_ways() {
    let a = bind::<u32, Reading>(opts()).await;
    let b = bind::<Reading, u32>(opts()).await;
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let (a_tx, mut a_rx) = a.into_mpsc(8);
    let (b_tx, mut b_rx) = b.into_mpsc(8);
    for n in 0..20 {
        a_tx.send((reading(n), b_addr)).await.unwrap();
        let (got, from) = within(b_rx.recv()).await.unwrap().unwrap();
        assert_eq!((got, from), (reading(n), a_addr));
        b_tx.send((n + 100, a_addr)).await.unwrap();
        assert_eq!(
            within(a_rx.recv()).await.unwrap().unwrap(),
            (n + 100, b_addr)
        );
    }
}

#[tokio::test]
async fn mpsc_bridge_tasks_end_when_their_channels_close() {
    let a = bind::<u32, u32>(opts()).await;
    let addr = a.local_addr().unwrap();
    let (tx, rx) = a.into_mpsc(1);
    drop(tx);
    drop(rx);
    // Both tasks end without any datagram arriving and drop the last handles: the port
    // is free again.
    within(async {
        while UdpSocket::bind(addr).await.is_err() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

mod v1 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Status {
        pub node: String,
        pub load: u32,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub enum Event {
        Up(Status),
        Down(String),
        #[serde(other)]
        Unknown,
    }
}

mod v2 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Status {
        pub node: String,
        pub load: u32,
        /// Added at the back in 1.1.
        #[serde(default)]
        pub zone: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub enum Event {
        Up(Status),
        Down(String),
        /// Added in 1.1, before the fallback.
        Draining(String),
        #[serde(other)]
        Unknown,
    }
}

#[tokio::test]
async fn v1_sender_v2_receiver_and_back() {
    let old = bind::<v1::Event, v1::Event>(Options::new(Protocol::new("events", 1, 0))).await;
    let new = bind::<v2::Event, v2::Event>(Options::new(Protocol::new("events", 1, 1))).await;
    let (old_addr, new_addr) = (old.local_addr().unwrap(), new.local_addr().unwrap());

    let status = v1::Status {
        node: "a".into(),
        load: 3,
    };
    old.send_to(&v1::Event::Up(status), new_addr).await.unwrap();
    assert_eq!(
        within(new.recv()).await.unwrap(),
        v2::Event::Up(v2::Status {
            node: "a".into(),
            load: 3,
            zone: None
        })
    );

    let status = v2::Status {
        node: "b".into(),
        load: 4,
        zone: Some("eu".into()),
    };
    new.send_to(&v2::Event::Up(status), old_addr).await.unwrap();
    new.send_to(&v2::Event::Draining("b".into()), old_addr)
        .await
        .unwrap();
    new.send_to(&v2::Event::Down("b".into()), old_addr)
        .await
        .unwrap();
    let expected = [
        v1::Event::Up(v1::Status {
            node: "b".into(),
            load: 4,
        }),
        v1::Event::Unknown,
        v1::Event::Down("b".into()),
    ];
    for want in expected {
        assert_eq!(within(old.recv()).await.unwrap(), want);
    }
    assert_eq!(old.stats().dropped.total(), 0);
}

#[tokio::test]
async fn header_bytes_match_the_protocol_document() {
    let datagrams = datagrams_of(Protocol::new("telemetry", 1, 0), &[7u32, 8u32]).await;
    // PROTOCOL.md §9.5: magic, version, reserved, FNV-1a("telemetry"), major 1,
    // stream id (random), sequence number 0, then evowire(7u32) = 0x38.
    let golden_head = [
        0x45, 0x56, 0x4f, 0x44, 0x01, 0x00, 0x00, 0x00, 0xc0, 0xd0, 0xaf, 0x80, 0x00, 0x00, 0x00,
        0x01,
    ];
    let golden_tail = [0, 0, 0, 0, 0, 0, 0, 0, 0x38];
    assert_eq!(datagrams[0].len(), udp::HEADER_LEN + 1);
    assert_eq!(datagrams[0][..16], golden_head);
    assert_eq!(datagrams[0][20..], golden_tail);
    // The second datagram to the same destination: same stream, next number.
    assert_eq!(datagrams[1][..20], datagrams[0][..20]);
    assert_eq!(seq_of(&datagrams[1]), 1);
    assert_eq!(datagrams[1][28..], [0x40]);
    assert_eq!(udp::MAGIC, *b"EVOD");
    assert_eq!(udp::VERSION, 1);
}

#[tokio::test]
async fn hostile_datagrams_are_dropped_counted_by_reason_and_the_socket_keeps_working() {
    let rx = bind::<Reading, ()>(opts()).await;
    let to = rx.local_addr().unwrap();
    let good = datagrams_of(Protocol::new("telemetry", 1, 0), &[reading(1)]).await[0].clone();
    let other_protocol =
        datagrams_of(Protocol::new("billing", 1, 0), &[reading(1)]).await[0].clone();
    let other_major =
        datagrams_of(Protocol::new("telemetry", 2, 0), &[reading(1)]).await[0].clone();
    let not_a_reading =
        datagrams_of(Protocol::new("telemetry", 1, 0), &["x".to_string()]).await[0].clone();

    // Datagrams with a valid header get their own sequence numbers of one stream, so
    // that none of them is a duplicate of another.
    let mut seq = 0;
    let mut numbered = |datagram: Vec<u8>| {
        seq += 1;
        with_position(datagram, 77, seq)
    };
    let mut wrong_version = good.clone();
    wrong_version[4] = 2;
    let mut trailing = good.clone();
    trailing.push(0);
    let mut oversized = good.clone();
    oversized.resize(1300, 0);
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("garbage", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("short garbage", vec![0xff]),
        ("magic only", b"EVOD".to_vec()),
        ("header cut short", good[..20].to_vec()),
        ("wrong version", wrong_version),
        ("wrong protocol", other_protocol),
        ("wrong major", other_major),
        ("oversized", oversized),
        ("payload does not decode", numbered(not_a_reading)),
        (
            "payload cut short",
            numbered(good[..good.len() - 1].to_vec()),
        ),
        ("trailing bytes", numbered(trailing)),
    ];
    let raw = raw_socket().await;
    for (_, datagram) in &hostile {
        raw.send_to(datagram, to).await.unwrap();
    }
    raw.send_to(&numbered(good.clone()), to).await.unwrap();

    let (got, from) = within(rx.recv_from()).await.unwrap();
    assert_eq!((got, from), (reading(1), raw.local_addr().unwrap()));
    let stats = rx.stats();
    let d = &stats.dropped;
    assert_eq!(d.not_evowire, 3, "empty, garbage, short garbage: {stats:?}");
    assert_eq!(
        d.truncated, 3,
        "magic only, header and payload cut short: {stats:?}"
    );
    assert_eq!(d.version, 1, "{stats:?}");
    assert_eq!(d.protocol, 1, "{stats:?}");
    assert_eq!(d.major, 1, "{stats:?}");
    assert_eq!(d.oversized, 1, "{stats:?}");
    assert_eq!(d.decode, 1, "{stats:?}");
    assert_eq!(d.trailing_bytes, 1, "{stats:?}");
    assert_eq!(stats.received, hostile.len() as u64 + 1);
    assert_eq!(stats.decoded, 1);
    assert_eq!((stats.lost, stats.reordered, stats.duplicated), (0, 0, 0));
    assert_accounted(&stats);

    // Still working for everyone.
    let tx = bind::<(), Reading>(opts()).await;
    tx.send_to(&reading(2), to).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), reading(2));
}

#[tokio::test]
async fn duplicates_are_dropped_and_datagrams_behind_the_window_are_stale() {
    let rx = bind::<Reading, ()>(opts()).await;
    let to = rx.local_addr().unwrap();
    let good = datagrams_of(Protocol::new("telemetry", 1, 0), &[reading(1)]).await[0].clone();
    let raw = raw_socket().await;
    let send = |seq: u64| {
        let datagram = with_position(good.clone(), 5, seq);
        let raw = &raw;
        async move { raw.send_to(&datagram, to).await.unwrap() }
    };
    send(10).await;
    send(10).await; // duplicate
    send(13).await; // 11 and 12 lost
    send(11).await; // late: no longer lost
    send(13).await; // duplicate
    send(9).await; // before the first number: late, never counted as lost
    send(13 + udp::WINDOW).await; // 1023 more lost
    send(13).await; // behind the window: stale
    send(14 + udp::WINDOW).await;
    for _ in 0..6 {
        within(rx.recv()).await.unwrap();
    }
    let stats = rx.stats();
    assert_eq!(stats.received, 9, "{stats:?}");
    assert_eq!(stats.decoded, 6, "{stats:?}");
    assert_eq!(stats.duplicated, 2, "{stats:?}");
    assert_eq!(stats.stale, 1, "{stats:?}");
    assert_eq!(stats.reordered, 2, "{stats:?}");
    assert_eq!(stats.lost, 1 + udp::WINDOW - 1, "{stats:?}");
    assert_accounted(&stats);
}

#[tokio::test]
async fn a_value_too_large_fails_at_send_and_sends_nothing() {
    let rx = bind::<String, ()>(opts()).await;
    let tx = bind::<(), String>(opts()).await;
    let to = rx.local_addr().unwrap();
    let big = "x".repeat(2000);
    let err = tx.send_to(&big, to).await.unwrap_err();
    // evowire: a 2-byte tag and length, then 2,000 bytes; plus the 28-byte header.
    match err {
        Error::FrameTooLarge { len, max } => assert_eq!((len, max), (2030, 1200)),
        other => panic!("expected FrameTooLarge, got {other}"),
    }
    // The largest value that fits goes through whole.
    let fits = "y".repeat(1200 - udp::HEADER_LEN - 2);
    tx.send_to(&fits, to).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), fits);
    let over = "y".repeat(1200 - udp::HEADER_LEN - 1);
    assert!(tx.send_to(&over, to).await.is_err());
    tx.send_to(&"end".to_string(), to).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), "end");
    let (stx, srx) = (tx.stats(), rx.stats());
    assert_eq!(stx.sent, 2);
    assert_eq!((srx.received, srx.lost), (2, 0), "no number was used up");
}

#[tokio::test]
async fn max_payload_is_configurable_up_to_the_udp_limit() {
    let big = opts().with_max_payload(1 << 20);
    assert_eq!(big.max_payload(), udp::MAX_UDP_PAYLOAD);
    assert_eq!(
        opts().with_max_payload(0).max_payload(),
        udp::HEADER_LEN + 1
    );
    assert_eq!(opts().max_payload(), udp::DEFAULT_MAX_PAYLOAD);

    let rx = bind::<Vec<u8>, ()>(big.clone()).await;
    let tx = bind::<(), Vec<u8>>(big).await;
    let value = vec![7_u8; 60_000]; // one byte each in evowire
    tx.send_to(&value, rx.local_addr().unwrap()).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), value);

    // A receiver with the default limit drops what such a sender sends.
    let small = bind::<Vec<u8>, ()>(opts()).await;
    tx.send_to(&value, small.local_addr().unwrap())
        .await
        .unwrap();
    tx.send_to(&vec![1], small.local_addr().unwrap())
        .await
        .unwrap();
    assert_eq!(within(small.recv()).await.unwrap(), vec![1]);
    let stats = small.stats();
    assert_eq!(stats.dropped.oversized, 1);
    // The oversized datagram is dropped before its header is read, and a stream starts
    // at the first number seen: nothing counts as lost.
    assert_eq!(stats.lost, 0);
}

#[tokio::test]
async fn tracked_peers_are_bounded() {
    let rx = bind::<u32, ()>(opts().with_max_peers(4)).await;
    let to = rx.local_addr().unwrap();
    let mut senders = Vec::new();
    for n in 0..10 {
        let tx = bind::<(), u32>(opts()).await;
        tx.send_to(&n, to).await.unwrap();
        assert_eq!(within(rx.recv()).await.unwrap(), n);
        senders.push(tx);
    }
    let stats = rx.stats();
    assert_eq!((stats.peers, stats.peers_evicted), (4, 6));
    // An evicted sender starts a new stream: nothing counts as lost or duplicated.
    senders[0].send_to(&100, to).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), 100);
    let stats = rx.stats();
    assert_eq!((stats.lost, stats.duplicated, stats.peers), (0, 0, 4));
}

#[tokio::test]
async fn a_restarted_sender_on_the_same_port_starts_a_new_stream() {
    let rx = bind::<u32, ()>(opts()).await;
    let to = rx.local_addr().unwrap();
    let first = bind::<(), u32>(opts()).await;
    let addr = first.local_addr().unwrap();
    for n in 0..5 {
        first.send_to(&n, to).await.unwrap();
        within(rx.recv()).await.unwrap();
    }
    drop(first);
    let again = Socket::<(), u32>::bind(addr, opts()).await.unwrap();
    again.send_to(&9, to).await.unwrap();
    assert_eq!(within(rx.recv_from()).await.unwrap(), (9, addr));
    let stats = rx.stats();
    assert_eq!((stats.decoded, stats.duplicated, stats.stale), (6, 0, 0));
}

/// A deterministic generator (splitmix64), so every run of the relay does the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a receiver must count for datagrams of one stream arriving with these numbers,
/// worked out directly from the definitions in PROTOCOL.md §9.4: `(lost, reordered,
/// duplicated)`.
fn expected_counts(arrivals: &[u64]) -> (u64, u64, u64) {
    let Some(&first) = arrivals.first() else {
        return (0, 0, 0);
    };
    let mut seen = HashSet::new();
    let (mut highest, mut reordered, mut duplicated) = (first, 0, 0);
    for &seq in arrivals {
        if !seen.insert(seq) {
            duplicated += 1;
        } else if seq < highest {
            reordered += 1;
        }
        highest = highest.max(seq);
    }
    let lost = (first..=highest).filter(|s| !seen.contains(s)).count() as u64;
    (lost, reordered, duplicated)
}

/// Notes a datagram as forwarded and returns it.
fn forward(datagram: &[u8], log: &mut RelayLog) -> Vec<u8> {
    log.forwarded.push(seq_of(datagram));
    datagram.to_vec()
}

/// What the relay did.
#[derive(Debug, Default)]
struct RelayLog {
    received: u64,
    dropped: Vec<u64>,
    duplicated: u64,
    delayed: u64,
    /// The sequence numbers forwarded, in order.
    forwarded: Vec<u64>,
}

/// Relays `count` datagrams from its socket to `to`: of each 100, on average `share`
/// are dropped, `share` duplicated and `share` held back until 1 to 8 later datagrams
/// have passed (and so reordered). Held datagrams are bounded by the 8-datagram delay.
async fn lossy_relay(
    socket: UdpSocket,
    to: SocketAddr,
    count: u64,
    share: u64,
    seed: u64,
) -> RelayLog {
    let mut rng = Rng(seed);
    let mut log = RelayLog::default();
    let mut held: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut buf = vec![0; 2048];
    while log.received < count {
        let len = socket.recv(&mut buf).await.unwrap();
        let datagram = buf[..len].to_vec();
        log.received += 1;
        let mut out = Vec::new();
        match rng.below(100) {
            r if r < share => log.dropped.push(seq_of(&datagram)),
            r if r < 2 * share => {
                log.duplicated += 1;
                out.push(forward(&datagram, &mut log));
                out.push(forward(&datagram, &mut log));
            }
            r if r < 3 * share => {
                log.delayed += 1;
                held.push((1 + rng.below(8), datagram));
            }
            _ => out.push(forward(&datagram, &mut log)),
        }
        for (wait, _) in held.iter_mut() {
            *wait -= 1;
        }
        let (due, still): (Vec<_>, Vec<_>) = held.into_iter().partition(|(wait, _)| *wait == 0);
        held = still;
        for (_, datagram) in due {
            out.push(forward(&datagram, &mut log));
        }
        for datagram in out {
            socket.send_to(&datagram, to).await.unwrap();
        }
    }
    for (_, datagram) in held {
        let datagram = forward(&datagram, &mut log);
        socket.send_to(&datagram, to).await.unwrap();
    }
    log
}

#[tokio::test]
async fn lossy_relay_statistics_match_what_the_relay_did() {
    const COUNT: u64 = 3000;
    let rx = bind::<Reading, ()>(opts()).await;
    let tx = bind::<(), Reading>(opts()).await;
    let relay_socket = raw_socket().await;
    let relay_addr = relay_socket.local_addr().unwrap();
    let relay = tokio::spawn(lossy_relay(
        relay_socket,
        rx.local_addr().unwrap(),
        COUNT,
        5,
        0x5eed,
    ));

    let receiver = {
        let rx = rx.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            // Until the relay has been quiet for a while.
            while let Ok(item) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
                got.push(item.unwrap().sensor);
            }
            got
        })
    };
    for n in 0..COUNT as u32 {
        tx.send_to(&reading(n), relay_addr).await.unwrap();
        // Paced, so that loopback itself drops nothing: only the relay does.
        if n % 16 == 15 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let log = within(relay).await.unwrap();
    let got = within(receiver).await.unwrap();

    // The relay did something of each kind.
    assert!(
        log.dropped.len() > 50 && log.duplicated > 50 && log.delayed > 50,
        "{log:?}"
    );
    let stats = rx.stats();
    assert_eq!(stats.received, log.forwarded.len() as u64, "{stats:?}");
    let (lost, reordered, duplicated) = expected_counts(&log.forwarded);
    assert_eq!(stats.duplicated, duplicated);
    assert_eq!(stats.duplicated, log.duplicated);
    assert_eq!(stats.reordered, reordered);
    assert!(reordered >= log.delayed / 2, "{reordered} of {log:?}");
    assert_eq!(stats.lost, lost);
    // Every dropped number is lost, except drops before the first or after the last
    // number forwarded, which no receiver can see.
    let first = log.forwarded[0];
    let last = *log.forwarded.iter().max().unwrap();
    let invisible = log
        .dropped
        .iter()
        .filter(|&&s| s < first || s > last)
        .count() as u64;
    assert_eq!(stats.lost + invisible, log.dropped.len() as u64);
    assert_eq!(stats.decoded, COUNT - log.dropped.len() as u64);
    assert_accounted(&stats);
    // One sender (the relay): its own counters are the socket's.
    let peer = rx.peer_stats(relay_addr).unwrap();
    assert_eq!(
        (
            peer.received,
            peer.decoded,
            peer.lost,
            peer.reordered,
            peer.duplicated
        ),
        (
            stats.received,
            stats.decoded,
            stats.lost,
            stats.reordered,
            stats.duplicated
        )
    );
    assert_eq!(peer.highest_seq, last);

    // The application got each surviving value once, late ones included.
    let unique: HashSet<u32> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len());
    let dropped: HashSet<u32> = log.dropped.iter().map(|&s| s as u32).collect();
    let survivors: HashSet<u32> = (0..COUNT as u32).filter(|n| !dropped.contains(n)).collect();
    assert_eq!(unique, survivors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_datagrams_from_eight_senders_add_up() {
    const SENDERS: u32 = 8;
    const EACH: u32 = 12_500;
    let rx = bind::<(u32, u32), ()>(opts()).await;
    let to = rx.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));

    let receiver = {
        let rx = rx.clone();
        tokio::spawn(async move {
            let mut got: HashMap<u32, Vec<u32>> = HashMap::new();
            let mut delivered = 0;
            while delivered < SENDERS * EACH {
                match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
                    Ok(item) => {
                        let (sender, n) = item.unwrap();
                        got.entry(sender).or_default().push(n);
                        delivered += 1;
                    }
                    Err(_) => break,
                }
            }
            got
        })
    };
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let tx = bind::<(), (u32, u32)>(opts()).await;
        let (rx, sent) = (rx.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let settled = || {
                let stats = rx.stats();
                stats.received + stats.lost
            };
            for n in 0..EACH {
                tx.send_to(&(sender, n), to).await.unwrap();
                let ahead = sent.fetch_add(1, Ordering::Relaxed) + 1;
                // Pace: keep about 128 datagrams in flight, so that the receive buffer
                // rarely overflows (the wait is bounded: a loss at the end of a stream
                // is never counted).
                let mut waits = 0;
                while ahead > settled() + 128 && waits < 20 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    waits += 1;
                }
            }
            (sender, tx.local_addr().unwrap(), tx.stats())
        }));
    }
    let mut addrs = HashMap::new();
    for task in tasks {
        let (sender, addr, stats) = within(task).await.unwrap();
        assert_eq!(stats.sent, u64::from(EACH));
        addrs.insert(sender, addr);
    }
    let got = tokio::time::timeout(Duration::from_secs(60), receiver)
        .await
        .unwrap()
        .unwrap();

    let stats = rx.stats();
    let arrived: u64 = got.values().map(|v| v.len() as u64).sum();
    assert_eq!(arrived, stats.decoded);
    assert_eq!(stats.peers, SENDERS as usize);
    assert_eq!(stats.dropped.total(), 0, "{stats:?}");
    assert_accounted(&stats);
    let (mut lost, mut reordered, mut duplicated) = (0, 0, 0);
    for (sender, arrivals) in &got {
        let arrivals: Vec<u64> = arrivals.iter().map(|&n| u64::from(n)).collect();
        let (l, r, d) = expected_counts(&arrivals);
        let peer = rx.peer_stats(addrs[sender]).unwrap();
        assert_eq!(
            (peer.lost, peer.reordered),
            (l, r),
            "sender {sender}: {peer:?}"
        );
        assert_eq!(peer.decoded, arrivals.len() as u64);
        lost += l;
        reordered += r;
        duplicated += d;
    }
    assert_eq!(
        (stats.lost, stats.reordered),
        (lost, reordered),
        "{stats:?}"
    );
    assert_eq!(duplicated, 0, "the application never sees a duplicate");
    assert!(stats.decoded + stats.lost <= u64::from(SENDERS * EACH));
    println!(
        "8 senders x {EACH}: {} delivered, {} counted lost, {} reordered",
        stats.decoded, stats.lost, stats.reordered
    );
}

/// A `tracing` subscriber that keeps every event's fields as text.
#[derive(Clone, Default)]
struct EventLog(Arc<std::sync::Mutex<Vec<String>>>);

struct FieldText<'a>(&'a mut String);

impl tracing::field::Visit for FieldText<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for EventLog {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = String::new();
        event.record(&mut FieldText(&mut text));
        self.0.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn each_dropped_datagram_is_a_tracing_event_that_says_why() {
    let log = EventLog::default();
    let _guard = tracing::subscriber::set_default(log.clone());
    let rx = bind::<Reading, ()>(opts()).await;
    let to = rx.local_addr().unwrap();
    let other_major =
        datagrams_of(Protocol::new("telemetry", 2, 0), &[reading(1)]).await[0].clone();
    let raw = raw_socket().await;
    raw.send_to(b"garbage", to).await.unwrap();
    raw.send_to(&other_major, to).await.unwrap();
    let tx = bind::<(), Reading>(opts()).await;
    tx.send_to(&reading(2), to).await.unwrap();
    assert_eq!(within(rx.recv()).await.unwrap(), reading(2));

    let events = log.0.lock().unwrap().clone();
    let from = raw.local_addr().unwrap().to_string();
    let dropped: Vec<&String> = events.iter().filter(|e| e.contains(&from)).collect();
    assert_eq!(dropped.len(), 2, "{events:#?}");
    assert!(
        dropped[0].contains("no evowire datagram magic"),
        "{}",
        dropped[0]
    );
    assert!(
        dropped[1].contains("another major version"),
        "{}",
        dropped[1]
    );
    assert!(dropped[1].contains("Major(2)"), "{}", dropped[1]);
}
