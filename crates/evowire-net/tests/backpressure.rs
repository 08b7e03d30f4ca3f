//! The receive side is bounded in bytes: a receiver that does not read holds at most its
//! receive buffer (plus the last read), its peer's `send` waits, and everything arrives in
//! order once it reads again. Messages larger than the buffer still get through.

mod common;

use std::time::Duration;

use common::{opts, within};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use evowire_net::{connect, Connection, Listener, Options, DEFAULT_RECV_BUFFER};

/// Sends `(n, payload)` until a send does not complete within 200 ms; returns how many
/// were sent. Panics if more than `limit` bytes of payload went out without blocking.
async fn send_until_blocked(conn: &Connection<(), (u32, String)>, msg: usize, limit: usize) -> u32 {
    let payload = "p".repeat(msg);
    let mut sent = 0u32;
    loop {
        let send = conn.send((sent, payload.clone()));
        match tokio::time::timeout(Duration::from_millis(200), send).await {
            Ok(result) => {
                result.unwrap();
                sent += 1;
                assert!(
                    sent as usize * msg <= limit,
                    "{sent} messages of {msg} bytes sent to a paused receiver: not bounded"
                );
            }
            // The send that timed out queued nothing (cancel-safe).
            Err(_) => return sent,
        }
    }
}

/// Receives `(n, payload)` messages until the end; returns each number and length.
async fn receive_all(conn: &mut Connection<(u32, String), ()>) -> Vec<(u32, usize)> {
    let mut got = Vec::new();
    while let Some((n, payload)) = conn.recv().await.unwrap() {
        got.push((n, payload.len()));
    }
    got
}

/// `count` messages numbered from 0, each of `msg` bytes, as [`receive_all`] returns them.
fn numbered(count: u32, msg: usize) -> Vec<(u32, usize)> {
    (0..count).map(|n| (n, msg)).collect()
}

/// A connection from a listener whose receiver reads nothing until the returned sender
/// fires, then everything (see [`receive_all`]).
async fn paused_receiver(
    o: &Options,
) -> (
    Connection<(), (u32, String)>,
    oneshot::Sender<()>,
    JoinHandle<Vec<(u32, usize)>>,
) {
    let mut listener = Listener::<(u32, String), ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        go_rx.await.unwrap();
        receive_all(&mut conn).await
    });
    let conn = connect::<(), (u32, String)>(addr, o).await.unwrap();
    (conn, go_tx, server)
}

#[tokio::test]
async fn paused_receiver_holds_at_most_its_recv_buffer() {
    // Over an in-memory pipe of 16 KiB the bytes between the two sides are known exactly:
    // what the sender got rid of is in its send buffer, the pipe, or the receiver.
    const MSG: usize = 32 * 1024;
    const BUDGET: usize = 256 * 1024;
    let (client_io, server_io) = tokio::io::duplex(16 * 1024);
    let server_opts = opts("bytes")
        .with_recv_buffer(BUDGET)
        .with_recv_capacity(100_000);
    let client_opts = opts("bytes").with_send_buffer(16 * 1024);
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut conn = Connection::<(u32, String), ()>::server(server_io, &server_opts, None)
            .await
            .unwrap();
        go_rx.await.unwrap();
        receive_all(&mut conn).await
    });
    let conn = Connection::<(), (u32, String)>::client(client_io, &client_opts, None)
        .await
        .unwrap();
    // Held by the receiver: the budget, plus one read of at most 64 KiB and a frame in
    // progress. Elsewhere: the pipe (16 KiB), the send buffer with the frame that went
    // over it, and the writer's batch. A count of messages (100,000 of them here) would
    // let 3 GiB through.
    let limit = BUDGET + 64 * 1024 + MSG + 16 * 1024 + 2 * (16 * 1024 + MSG);
    let sent = send_until_blocked(&conn, MSG, limit).await;
    // The reader stops only once the budget is reached.
    assert!(
        sent as usize * MSG >= BUDGET,
        "blocked before the receive buffer was full: {sent} messages"
    );
    go_tx.send(()).unwrap();
    within(conn.send((sent, "p".repeat(MSG)))).await.unwrap();
    within(conn.close()).await.unwrap();
    assert_eq!(within(server).await.unwrap(), numbered(sent + 1, MSG));
}

#[tokio::test]
async fn paused_receiver_over_tcp_blocks_the_sender_long_before_the_message_count() {
    // 1024 messages (the default capacity) of 256 KiB would be 256 MiB; the receive buffer
    // keeps the receiver at 1 MiB, and loopback socket buffers add at most a few tens of
    // MiB.
    const MSG: usize = 256 * 1024;
    let o = opts("bytes-tcp").with_send_buffer(64 * 1024);
    assert_eq!(o.recv_buffer(), DEFAULT_RECV_BUFFER);
    let (conn, go, server) = paused_receiver(&o).await;
    let sent = send_until_blocked(&conn, MSG, 64 << 20).await;
    assert!(sent >= 4, "blocked before 1 MiB was sent: {sent}");
    go.send(()).unwrap();
    within(conn.send((sent, "p".repeat(MSG)))).await.unwrap();
    within(conn.close()).await.unwrap();
    assert_eq!(within(server).await.unwrap(), numbered(sent + 1, MSG));
}

#[tokio::test]
async fn paused_receiver_with_a_message_capacity_blocks_the_sender() {
    const MSG: usize = 8 * 1024;
    let o = opts("bp")
        .with_recv_capacity(16)
        .with_send_buffer(64 * 1024);
    let (conn, go, server) = paused_receiver(&o).await;
    // Kernel socket buffers on loopback hold a few MiB at most; with a paused receiver
    // the sender must stall long before 64 MiB.
    let sent = send_until_blocked(&conn, MSG, 64 << 20).await;
    assert!(sent > 16, "blocked too early: {sent}");
    go.send(()).unwrap();
    within(conn.send((sent, "b".repeat(MSG)))).await.unwrap();
    within(conn.close()).await.unwrap();
    assert_eq!(within(server).await.unwrap(), numbered(sent + 1, MSG));
}

#[tokio::test]
async fn messages_larger_than_the_recv_buffer_are_delivered() {
    const BIG: usize = 100 * 1024;
    let o = opts("big").with_recv_buffer(4 * 1024);
    let (conn, go, server) = paused_receiver(&o).await;
    let sender = conn.sender().clone();
    // Big and small messages alternate: each big one is alone above the budget.
    let sending = tokio::spawn(async move {
        for n in 0..40u32 {
            let len = if n % 2 == 0 { BIG } else { 10 };
            sender.send((n, "b".repeat(len))).await.unwrap();
        }
    });
    // Start receiving late, so that the big frames wait in the socket and the queue.
    tokio::time::sleep(Duration::from_millis(100)).await;
    go.send(()).unwrap();
    within(sending).await.unwrap();
    within(conn.close()).await.unwrap();
    let got = within(server).await.unwrap();
    let expected: Vec<(u32, usize)> = (0..40)
        .map(|n| (n, if n % 2 == 0 { BIG } else { 10 }))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn recv_buffer_is_at_least_one_byte() {
    let o = Options::new(evowire_net::Protocol::new("x", 1, 0)).with_recv_buffer(0);
    assert_eq!(o.recv_buffer(), 1);
}
