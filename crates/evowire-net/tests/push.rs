//! Fire-and-forget messages over real loopback sockets.

mod common;

use common::{opts, within};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};

use evowire_net::{connect, Listener};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum ToServer {
    Hello(String),
    Data {
        seq: u64,
        payload: Vec<u8>,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum ToClient {
    Welcome(String),
    Ack(u64),
}

#[tokio::test]
async fn push_both_directions() {
    let o = opts("push");
    let mut listener = Listener::<ToServer, ToClient>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let ToServer::Hello(name) = conn.recv().await.unwrap().unwrap() else {
            panic!("expected hello");
        };
        conn.send(ToClient::Welcome(format!("hi {name}")))
            .await
            .unwrap();
        while let Some(msg) = conn.recv().await.unwrap() {
            if let ToServer::Data { seq, .. } = msg {
                conn.send(&ToClient::Ack(seq)).await.unwrap();
            }
        }
    });
    let mut conn = within(connect::<ToClient, ToServer>(addr, &o))
        .await
        .unwrap();
    assert_eq!(conn.peer_protocol().name(), "push");
    conn.send(ToServer::Hello("node-a".into())).await.unwrap();
    assert_eq!(
        within(conn.recv()).await.unwrap(),
        Some(ToClient::Welcome("hi node-a".into()))
    );
    for seq in 0..3 {
        conn.send(ToServer::Data {
            seq,
            payload: vec![seq as u8; 10],
        })
        .await
        .unwrap();
        assert_eq!(within(conn.recv()).await.unwrap(), Some(ToClient::Ack(seq)));
    }
    within(conn.close()).await.unwrap();
    within(server).await.unwrap();
    assert_eq!(conn.recv().await.unwrap(), None);
}

#[tokio::test]
async fn ten_thousand_messages_in_order_none_lost() {
    const N: u64 = 10_000;
    let o = opts("bulk");
    let mut listener = Listener::<u64, ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut expected = 0u64;
        while let Some(n) = conn.recv().await.unwrap() {
            assert_eq!(n, expected, "out of order or lost");
            expected += 1;
        }
        expected
    });
    let conn = connect::<(), u64>(addr, &o).await.unwrap();
    for n in 0..N {
        conn.send(n).await.unwrap();
    }
    within(conn.close()).await.unwrap();
    assert_eq!(within(server).await.unwrap(), N);
}

#[tokio::test]
async fn cloned_senders_in_many_tasks_and_split_halves() {
    let o = opts("fanin");
    let mut listener = Listener::<(u32, u32), ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        let (_tx, mut rx) = conn.split();
        let mut last = [None::<u32>; 8];
        let mut count = 0;
        while let Some((task, n)) = rx.recv().await.unwrap() {
            // Per sender, order is kept.
            assert_eq!(last[task as usize].map_or(0, |l| l + 1), n);
            last[task as usize] = Some(n);
            count += 1;
        }
        count
    });
    let conn = connect::<(), (u32, u32)>(addr, &o).await.unwrap();
    let (tx, _rx) = conn.split();
    let mut tasks = Vec::new();
    for task in 0..8u32 {
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..500u32 {
                tx.send((task, n)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Dropping the last sender closes the connection gracefully.
    drop(tx);
    assert_eq!(within(server).await.unwrap(), 8 * 500);
}

#[tokio::test]
async fn sink_and_stream() {
    let o = opts("sink");
    let mut listener = Listener::<String, String>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        // Echo with the Stream and Sink impls: forward() closes the sink at the end.
        let conn = listener.accept().await.unwrap();
        let (tx, rx) = conn.split();
        rx.map(|m| m.map(|s: String| s.to_uppercase()))
            .forward(tx)
            .await
            .unwrap();
    });
    let conn = connect::<String, String>(addr, &o).await.unwrap();
    let (mut tx, rx) = conn.split();
    let words = ["alpha", "beta", "gamma"];
    tx.send_all(&mut futures::stream::iter(
        words.iter().map(|w| Ok(w.to_string())),
    ))
    .await
    .unwrap();
    // send_all flushed: everything has reached the socket.
    SinkExt::<String>::close(&mut tx).await.unwrap();
    let got: Vec<String> = within(rx.map(Result::unwrap).collect()).await;
    assert_eq!(got, ["ALPHA", "BETA", "GAMMA"]);
    within(server).await.unwrap();
}

#[tokio::test]
async fn mpsc_bridges() {
    let o = opts("bridge");
    let mut listener = Listener::<u32, u32>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        let (tx, rx) = conn.split();
        // Network -> mpsc -> (+1) -> mpsc -> network.
        let mut inbox = rx.into_mpsc(16);
        let outbox = tx.into_mpsc(16);
        while let Some(n) = inbox.recv().await {
            outbox.send(n.unwrap() + 1).await.unwrap();
        }
    });
    let conn = connect::<u32, u32>(addr, &o).await.unwrap();
    let (tx, rx) = conn.split();
    let outbox = tx.into_mpsc(4);
    let mut inbox = rx.into_mpsc(4);
    for n in 0..100 {
        outbox.send(n).await.unwrap();
    }
    for n in 0..100 {
        assert_eq!(within(inbox.recv()).await.unwrap().unwrap(), n + 1);
    }
    // Dropping the channel sender ends the bridge, which drops the last network sender:
    // the connection closes both ways, and the inbox ends.
    drop(outbox);
    assert!(within(inbox.recv()).await.is_none());
    within(server).await.unwrap();
}

#[tokio::test]
async fn undecodable_message_is_skipped_with_an_error() {
    let o = opts("skip");
    let mut listener = Listener::<u8, ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut items = Vec::new();
        loop {
            match conn.recv().await {
                Ok(Some(n)) => items.push(Ok(n)),
                Ok(None) => break,
                Err(e) => items.push(Err(e.to_string())),
            }
        }
        items
    });
    // The client's type is wider than the server's u8.
    let conn = connect::<(), u32>(addr, &o).await.unwrap();
    conn.send(1).await.unwrap();
    conn.send(1000).await.unwrap();
    conn.send(2).await.unwrap();
    conn.close().await.unwrap();
    let items = within(server).await.unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0], Ok(1));
    assert!(
        items[1]
            .as_ref()
            .unwrap_err()
            .starts_with("cannot decode message: "),
        "{items:?}"
    );
    assert_eq!(items[2], Ok(2));
}

#[tokio::test]
async fn messages_interleaved_with_other_frames_in_one_read_arrive_in_order() {
    use common::{frame, message_payload, raw_client, read_frame, RawHello, RawReply};
    use tokio::io::AsyncWriteExt;

    let o = opts("mixed");
    let mut listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_handler(evowire_net::Handler::new(|n: u64| async move {
            Ok::<_, String>(n * 2)
        }));
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut items = Vec::new();
        loop {
            match conn.recv().await {
                Ok(Some(n)) => items.push(Ok(n)),
                Ok(None) => break,
                Err(e) => items.push(Err(e.to_string())),
            }
        }
        items
    });
    let (mut raw, reply) = raw_client(addr, RawHello("mixed".into(), 1, 0, 1 << 20)).await;
    assert!(matches!(reply, RawReply::Welcome(_)), "{reply:?}");

    // Everything in one write, so the receiving side parses it from one read: runs of
    // messages broken up by a request, a ping, a message whose kind is written as a
    // (valid, longer) two-byte varint, and a message that is not a u64.
    let mut out = Vec::new();
    out.extend(frame(&message_payload(&1u64)));
    out.extend(frame(&message_payload(&2u64)));
    out.extend(frame(&[0x0d, 0x13, 0x08, 0x28])); // Request(1, 5)
    out.extend(frame(&message_payload(&3u64)));
    out.extend(frame(&[0x2d, 0x18])); // Ping(3)
    out.extend(frame(&[0x85, 0x00, 0x20])); // Message(4), kind as `85 00`
    out.extend(frame(&message_payload(&"text")));
    out.extend(frame(&message_payload(&5u64)));
    out.extend(frame(&[0x25, 0x00])); // Close
    raw.write_all(&out).await.unwrap();

    let items = within(server).await.unwrap();
    assert_eq!(items.len(), 6, "{items:?}");
    assert_eq!(items[..4], [Ok(1), Ok(2), Ok(3), Ok(4)]);
    assert!(
        items[4]
            .as_ref()
            .unwrap_err()
            .starts_with("cannot decode message: "),
        "{items:?}"
    );
    assert_eq!(items[5], Ok(5));

    // The request was answered and the ping ponged, in the order they were read.
    let mut answers = Vec::new();
    while let Ok(payload) = within(read_frame(&mut raw)).await {
        answers.push(payload);
    }
    assert_eq!(
        answers,
        [
            vec![0x15, 0x13, 0x08, 0x50], // Response(1, 10)
            vec![0x35, 0x18],             // Pong(3)
            vec![0x25, 0x00],             // Close
        ]
    );
}
