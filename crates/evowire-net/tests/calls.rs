//! Request/response over real loopback sockets.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{opts, within};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use evowire_net::{connect, serve, Connection, Error, Handler, Listener, Options};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Req {
    Echo(u64),
    Fail(String),
    Sleep(u64),
    Panic,
}

async fn server(o: Options) -> std::net::SocketAddr {
    let listener = Listener::<Req, u64>::bind("127.0.0.1:0", o).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, |req: Req| async move {
        match req {
            Req::Echo(n) => Ok(n),
            Req::Fail(why) => Err(why),
            Req::Sleep(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(ms)
            }
            Req::Panic => panic!("handler bug"),
        }
    }));
    addr
}

#[tokio::test]
async fn concurrent_calls_answered_out_of_order() {
    let o = opts("ooo");
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    // The handler for id k answers only after id k+1 did: id 9 first, id 0 last. This
    // needs all ten handlers running at once, and is deterministic (no sleeps).
    let (turn_tx, turn_rx) = tokio::sync::watch::channel(9u64);
    let turn_tx = Arc::new(turn_tx);
    let order = Arc::new(Mutex::new(Vec::new()));
    let record = order.clone();
    tokio::spawn(serve(listener, move |id: u64| {
        let (record, mut turn_rx, turn_tx) = (record.clone(), turn_rx.clone(), turn_tx.clone());
        async move {
            turn_rx.wait_for(|turn| *turn == id).await.unwrap();
            record.lock().await.push(id);
            turn_tx.send_replace(id.wrapping_sub(1));
            Ok::<_, String>(id * 100)
        }
    }));
    let conn = Arc::new(connect::<u64, u64>(addr, &o).await.unwrap());
    let calls: Vec<_> = (0..10u64)
        .map(|id| {
            let conn = conn.clone();
            tokio::spawn(async move { (id, conn.call(id).await.unwrap()) })
        })
        .collect();
    for call in calls {
        let (id, answer) = within(call).await.unwrap();
        assert_eq!(answer, id * 100, "answer routed to the wrong call");
    }
    assert_eq!(*order.lock().await, (0..10).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn many_calls_in_flight_from_one_task() {
    let o = opts("rpc");
    let addr = server(o.clone()).await;
    let conn = connect::<u64, Req>(addr, &o).await.unwrap();
    let calls = (0..1000u64).map(|n| conn.call(Req::Echo(n)));
    let answers = within(futures::future::join_all(calls)).await;
    for (n, a) in answers.into_iter().enumerate() {
        assert_eq!(a.unwrap(), n as u64);
    }
}

#[tokio::test]
async fn per_call_timeout() {
    let o = opts("rpc");
    let addr = server(o.clone()).await;
    let conn = connect::<u64, Req>(addr, &o).await.unwrap();
    let start = Instant::now();
    let err = conn
        .call_timeout(Req::Sleep(5_000), Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { operation: "call", after } if after == Duration::from_millis(100)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "call timed out after 100ms");
    assert!(start.elapsed() < Duration::from_secs(2));
    // The connection is still fine, and the late answer does not confuse later calls.
    assert_eq!(conn.call(Req::Echo(7)).await.unwrap(), 7);

    // The default timeout from the options applies to every call.
    let short = o.clone().with_call_timeout(Some(Duration::from_millis(50)));
    let conn = connect::<u64, Req>(addr, &short).await.unwrap();
    assert!(matches!(
        conn.call(Req::Sleep(5_000)).await,
        Err(Error::Timeout { .. })
    ));
    assert_eq!(conn.call(Req::Echo(1)).await.unwrap(), 1);
}

#[tokio::test]
async fn handler_error_reaches_caller_as_error_value() {
    let o = opts("rpc");
    let addr = server(o.clone()).await;
    let conn = connect::<u64, Req>(addr, &o).await.unwrap();
    let err = within(conn.call(Req::Fail("no such key".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Remote(m) if m == "no such key"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "remote error: no such key");
    // A panicking handler is an error too, and the server survives it.
    let err = within(conn.call(Req::Panic)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Remote(m) if m == "the request handler panicked"),
        "{err:?}"
    );
    assert_eq!(conn.call(Req::Echo(3)).await.unwrap(), 3);
}

#[tokio::test]
async fn undecodable_request_and_response_are_errors() {
    let o = opts("rpc");
    let addr = server(o.clone()).await;
    // The request type is not what the server expects.
    let conn = connect::<u64, String>(addr, &o).await.unwrap();
    let err = within(conn.call("hello".to_string())).await.unwrap_err();
    assert!(
        matches!(&err, Error::Remote(m) if m.starts_with("cannot decode request: ")),
        "{err:?}"
    );
    // The answer (a u64) is not what the caller expects.
    let conn = connect::<String, Req>(addr, &o).await.unwrap();
    let err = conn.sender().call(Req::Echo(1)).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn requests_to_a_peer_without_handler_get_an_error() {
    let o = opts("nohandler");
    let mut listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        conn.recv().await
    });
    let conn = connect::<u64, u64>(addr, &o).await.unwrap();
    let err = within(conn.call(1u64)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Remote(m) if m == "this peer serves no requests"),
        "{err:?}"
    );
    conn.close().await.unwrap();
    assert!(within(server).await.unwrap().unwrap().is_none());
}

#[tokio::test]
async fn both_sides_call_each_other() {
    let o = opts("p2p");
    let (a, b) = tokio::io::duplex(4096);
    let double = Handler::new(|n: u64| async move { Ok::<_, String>(n * 2) });
    let negate = Handler::new(|n: u64| async move { Ok::<_, String>(u64::MAX - n) });
    let (ca, cb) = tokio::join!(
        Connection::<u64, u64>::client(a, &o, Some(double)),
        Connection::<u64, u64>::server(b, &o, Some(negate)),
    );
    let (ca, cb) = (ca.unwrap(), cb.unwrap());
    assert_eq!(within(ca.call(5u64)).await.unwrap(), u64::MAX - 5);
    assert_eq!(within(cb.call(5u64)).await.unwrap(), 10);
}

#[tokio::test]
async fn pending_call_fails_with_closed_when_peer_vanishes() {
    // A raw peer that completes the handshake, reads the request, then hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut pre = [0u8; 8];
        s.read_exact(&mut pre).await.unwrap();
        let hello = common::read_frame_from(&mut s).await;
        let hello: common::RawHello = evowire::from_slice(&hello).unwrap();
        let mut out = common::preamble(1);
        out.extend(common::frame(
            &evowire::to_vec(&common::RawReply::Welcome(hello)).unwrap(),
        ));
        s.write_all(&out).await.unwrap();
        let _request = common::read_frame_from(&mut s).await;
        // Gone without a close frame.
    });
    let o = opts("vanish");
    let conn = connect::<u64, u64>(addr, &o).await.unwrap();
    let start = Instant::now();
    let err = within(conn.call(1u64)).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    peer.await.unwrap();
    // Later calls fail at once too.
    assert!(matches!(conn.call(2u64).await, Err(Error::Closed)));
}

#[tokio::test]
async fn two_hundred_concurrent_connections_each_calling() {
    let o = opts("many");
    let addr = server(o.clone()).await;
    let served = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..200u64)
        .map(|n| {
            let o = o.clone();
            let served = served.clone();
            tokio::spawn(async move {
                let conn = connect::<u64, Req>(addr, &o).await.unwrap();
                assert_eq!(conn.call(Req::Echo(n)).await.unwrap(), n);
                served.fetch_add(1, Ordering::Relaxed);
                conn
            })
        })
        .collect();
    let mut conns = Vec::new();
    for c in clients {
        conns.push(within(c).await.unwrap());
    }
    assert_eq!(served.load(Ordering::Relaxed), 200);
    // All 200 are open at the same time, and still answer.
    assert_eq!(conns.len(), 200);
    assert_eq!(conns[199].call(Req::Echo(5)).await.unwrap(), 5);
}

#[tokio::test]
async fn concurrent_handlers_per_connection_are_bounded() {
    let o = opts("limit").with_max_concurrent_requests(2);
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (running_tx, mut running_rx) = tokio::sync::watch::channel(0usize);
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let running_tx = Arc::new(running_tx);
    let peak = Arc::new(AtomicUsize::new(0));
    let peak2 = peak.clone();
    tokio::spawn(serve(listener, move |n: u64| {
        let (running_tx, mut release_rx, peak) =
            (running_tx.clone(), release_rx.clone(), peak2.clone());
        async move {
            running_tx.send_modify(|r| *r += 1);
            peak.fetch_max(*running_tx.borrow(), Ordering::SeqCst);
            release_rx.wait_for(|r| *r).await.unwrap();
            running_tx.send_modify(|r| *r -= 1);
            Ok::<_, String>(n)
        }
    }));
    let conn = Arc::new(connect::<u64, u64>(addr, &o).await.unwrap());
    let calls: Vec<_> = (0..10u64)
        .map(|n| {
            let conn = conn.clone();
            tokio::spawn(async move { conn.call(n).await.unwrap() })
        })
        .collect();
    within(running_rx.wait_for(|r| *r == 2)).await.unwrap();
    // Give a (wrongly) unbounded server time to start more handlers.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(*running_rx.borrow(), 2);
    release_tx.send_replace(true);
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(within(call).await.unwrap(), n as u64);
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn lone_calls_with_bodies_larger_than_the_socket_buffers() {
    // A lone call writes its request itself; what the socket does not take at once is
    // left to the writer task. Sizes up to several megabytes cross that boundary.
    let o = opts("big");
    let listener = Listener::<Vec<u8>, Vec<u8>>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, |mut v: Vec<u8>| async move {
        v.reverse();
        Ok::<_, String>(v)
    }));
    let conn = connect::<Vec<u8>, Vec<u8>>(addr, &o).await.unwrap();
    for (i, size) in [0usize, 1, 1000, 300_000, 6_000_000, 10]
        .into_iter()
        .enumerate()
    {
        let req: Vec<u8> = (0..size).map(|b| (b * 7 + i) as u8).collect();
        let mut expected = req.clone();
        expected.reverse();
        assert_eq!(
            within(conn.call(&req)).await.unwrap(),
            expected,
            "size {size}"
        );
    }
}

#[tokio::test]
async fn calls_over_a_transport_that_sends_only_when_flushed() {
    // `BufWriter` holds written bytes until it is flushed, as TLS streams may: answers
    // and lone requests written without the writer task must still be flushed. A tiny
    // duplex makes flushes wait for the peer to read.
    let o = opts("flush");
    let (a, b) = tokio::io::duplex(64);
    let double = Handler::new(|n: u64| async move { Ok::<_, String>(n * 2) });
    let (client, server) = tokio::join!(
        Connection::<u64, u64>::client(tokio::io::BufWriter::new(a), &o, None),
        Connection::<u64, u64>::server(tokio::io::BufWriter::new(b), &o, Some(double)),
    );
    let (client, _server) = (Arc::new(client.unwrap()), server.unwrap());
    for n in 0..200u64 {
        assert_eq!(within(client.call(n)).await.unwrap(), n * 2);
    }
    let calls: Vec<_> = (0..200u64)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.call(n).await.unwrap() })
        })
        .collect();
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(within(call).await.unwrap(), n as u64 * 2);
    }
}
