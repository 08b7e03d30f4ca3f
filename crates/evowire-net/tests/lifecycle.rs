//! Graceful close and reconnection (backpressure: `backpressure.rs`).

mod common;

use std::time::Duration;

use common::{opts, within};
use tokio::sync::oneshot;

use evowire_net::{connect, Backoff, Error, Handler, Listener, Reconnecting};

#[tokio::test]
async fn graceful_shutdown_with_messages_in_flight() {
    const N: u32 = 5_000;
    let o = opts("close").with_recv_capacity(16);
    let mut listener = Listener::<(u32, String), ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        // Do not read until the client has sent everything and started closing.
        go_rx.await.unwrap();
        let mut next = 0;
        while let Some((n, text)) = conn.recv().await.unwrap() {
            assert_eq!(n, next);
            assert_eq!(text.len(), 100);
            next += 1;
        }
        // After the end, the stream stays ended.
        assert!(conn.recv().await.unwrap().is_none());
        next
    });
    let conn = connect::<(), (u32, String)>(addr, &o).await.unwrap();
    for n in 0..N {
        conn.send((n, "x".repeat(100))).await.unwrap();
    }
    // Messages are queued in buffers and sockets; close while they are in flight.
    let closing = tokio::spawn(async move {
        conn.close().await.unwrap();
        assert!(matches!(
            conn.send((0, String::new())).await,
            Err(Error::Closed)
        ));
    });
    go_tx.send(()).unwrap();
    assert_eq!(within(server).await.unwrap(), N);
    within(closing).await.unwrap();
}

#[tokio::test]
async fn dropping_the_connection_still_delivers_everything() {
    let o = opts("drop");
    let mut listener = Listener::<u32, ()>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        let mut count = 0;
        // A clean end (Ok(None)), not Error::Disconnected.
        while conn.recv().await.unwrap().is_some() {
            count += 1;
        }
        count
    });
    let conn = connect::<(), u32>(addr, &o).await.unwrap();
    for n in 0..1000 {
        conn.send(n).await.unwrap();
    }
    drop(conn);
    assert_eq!(within(server).await.unwrap(), 1000);
}

#[tokio::test]
async fn server_close_delivers_all_then_none_and_waits_for_running_handlers() {
    let o = opts("srvclose");
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let started_tx = std::sync::Mutex::new(Some(started_tx));
    let release_rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(release_rx)));
    let handler = Handler::new(move |n: u32| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let release_rx = release_rx.clone();
        async move {
            if let Some(rx) = release_rx.lock().await.take() {
                rx.await.unwrap();
            }
            Ok::<_, String>(n + 1)
        }
    });
    let mut listener = Listener::<u32, u32>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_handler(handler);
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        for n in 0..100 {
            conn.send(n).await.unwrap();
        }
        started_rx.await.unwrap();
        // A call is running: closing waits for its answer, which goes out first.
        let closing = tokio::spawn(async move { conn.close().await });
        release_tx.send(()).unwrap();
        within(closing).await.unwrap().unwrap();
    });
    let mut conn = connect::<u32, u32>(addr, &o).await.unwrap();
    let call = conn.sender().clone();
    let call = tokio::spawn(async move { call.call(41u32).await });
    assert_eq!(within(call).await.unwrap().unwrap(), 42);
    for n in 0..100 {
        assert_eq!(within(conn.recv()).await.unwrap(), Some(n));
    }
    assert_eq!(within(conn.recv()).await.unwrap(), None);
    within(server).await.unwrap();
    within(conn.closed()).await;
    assert!(conn.is_closed());
    assert!(matches!(conn.call(1u32).await, Err(Error::Closed)));
}

#[tokio::test]
async fn reconnecting_client_reconnects_after_the_server_restarts() {
    let o = opts("reconnect");
    let handler = || Handler::new(|n: u32| async move { Ok::<_, String>(n * 10) });
    let listener = Listener::<u32, u32>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_handler(handler());
    let addr = listener.local_addr().unwrap();

    // A server whose connections all end when it is aborted.
    async fn run(mut listener: Listener<u32, u32>) {
        let mut conns = Vec::new();
        loop {
            if let Ok(c) = listener.accept().await {
                conns.push(c);
            }
        }
    }
    let first = tokio::spawn(run(listener));
    let mut client =
        Reconnecting::<u32, u32>::new(addr.to_string(), o.clone()).with_backoff(Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(100),
            max_attempts: Some(100),
        });
    assert_eq!(within(client.call(1u32)).await.unwrap(), 10);
    assert_eq!(client.connect_count(), 1);

    // The server goes away (its connections close gracefully)...
    let probe = client.connection().await.unwrap().sender().clone();
    first.abort();
    let _ = first.await;
    within(probe.closed()).await;
    drop(probe);
    // ... and comes back later on the same address; the client retries with backoff.
    let o2 = o.clone();
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let listener = Listener::<u32, u32>::bind(addr, o2)
            .await
            .unwrap()
            .with_handler(handler());
        run(listener).await;
    });
    assert_eq!(within(client.call(2u32)).await.unwrap(), 20);
    assert!(client.connect_count() >= 2);
    client.send(3u32).await.unwrap();
    restart.abort();
}

#[tokio::test]
async fn reconnecting_gives_up_after_max_attempts() {
    // A port with nothing listening.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut client =
        Reconnecting::<u32, u32>::new(addr.to_string(), opts("none")).with_backoff(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
            max_attempts: Some(3),
        });
    let err = within(client.call(1u32)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    assert_eq!(client.connect_count(), 0);
}
