//! Misbehaving peers end their own connection with a clear error, never the process or
//! other connections: oversized frames, garbage, a peer killed mid-frame, silent peers.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{opts, raw_client, raw_server_handshake, read_frame, within, RawHello, RawReply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use evowire_net::{connect, Error, Handler, Listener, Options};

/// A server that echoes calls and reports, per accepted connection, how its receiver
/// ended; failed handshakes are reported too.
async fn reporting_server(o: Options) -> (SocketAddr, mpsc::UnboundedReceiver<Result<(), Error>>) {
    let mut listener = Listener::<Vec<u8>, Vec<u8>>::bind("127.0.0.1:0", o)
        .await
        .unwrap()
        .with_handler(Handler::new(|v: Vec<u8>| async move { Ok::<_, String>(v) }));
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok(mut conn) => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let end = loop {
                            match conn.recv().await {
                                Ok(Some(_)) => {}
                                Ok(None) => break Ok(()),
                                Err(e) => break Err(e),
                            }
                        };
                        let _ = tx.send(end);
                    });
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        }
    });
    (addr, rx)
}

fn hello(max: u32) -> RawHello {
    RawHello("hostile".into(), 1, 0, max)
}

/// Reads until the server hangs up; returns the payloads of the frames received.
async fn frames_until_eof(stream: &mut TcpStream) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while let Ok(f) = read_frame(stream).await {
        frames.push(f);
    }
    frames
}

/// The payload of an error frame with id 0 (PROTOCOL.md §4): `1D 13 00` then a string.
fn fatal_notice(message: &str) -> Vec<u8> {
    let mut p = vec![0x1d, 0x13, 0x00];
    p.extend(evowire::to_vec(message).unwrap());
    p
}

#[tokio::test]
async fn oversized_frame_ends_that_connection_only() {
    let o = opts("hostile").with_max_frame_length(1024);
    let (addr, mut ends) = reporting_server(o.clone()).await;
    let good = connect::<Vec<u8>, Vec<u8>>(addr, &o).await.unwrap();

    let (mut raw, reply) = raw_client(addr, hello(1 << 20)).await;
    let RawReply::Welcome(RawHello(_, _, _, max)) = reply else {
        panic!("refused: {reply:?}");
    };
    assert_eq!(max, 1024, "the server announces its limit");
    // A length prefix of 1 MiB: the server must not wait for (or buffer) the body.
    raw.write_all(&(1u32 << 20).to_be_bytes()).await.unwrap();
    raw.write_all(&[0x05; 100]).await.unwrap();

    let end = within(ends.recv()).await.unwrap().unwrap_err();
    assert!(
        matches!(
            end,
            Error::FrameTooLarge {
                len: 1_048_576,
                max: 1024
            }
        ),
        "{end:?}"
    );
    // The raw peer is told why before the server hangs up.
    let frames = within(frames_until_eof(&mut raw)).await;
    assert_eq!(
        frames,
        [fatal_notice(
            "frame of 1048576 bytes exceeds the maximum frame length of 1024 bytes"
        )]
    );

    // The other connection is unaffected.
    assert_eq!(good.call(vec![1, 2, 3]).await.unwrap(), [1, 2, 3]);
}

#[tokio::test]
async fn oversized_message_is_refused_by_the_sender_and_the_connection_stays_up() {
    let server_opts = opts("hostile").with_max_frame_length(1024);
    let (addr, _ends) = reporting_server(server_opts).await;
    let conn = connect::<Vec<u8>, Vec<u8>>(addr, &opts("hostile"))
        .await
        .unwrap();
    let err = conn.send(vec![0u8; 5000]).await.unwrap_err();
    // 1 envelope byte + 3 bytes of evowire header + 5000.
    assert!(
        matches!(
            err,
            Error::FrameTooLarge {
                len: 5004,
                max: 1024
            }
        ),
        "{err:?}"
    );
    let err = conn.call(vec![0u8; 5000]).await.unwrap_err();
    assert!(
        matches!(err, Error::FrameTooLarge { max: 1024, .. }),
        "{err:?}"
    );
    assert_eq!(conn.call(vec![9u8; 100]).await.unwrap(), vec![9u8; 100]);
}

#[tokio::test]
async fn garbage_instead_of_handshake_rejected_and_server_keeps_serving() {
    let o = opts("hostile");
    let (addr, mut ends) = reporting_server(o.clone()).await;
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let err = within(ends.recv()).await.unwrap().unwrap_err();
    assert!(
        err.to_string().starts_with(
            "handshake failed: the peer does not speak evowire-net: it sent 47 45 54 20 where"
        ),
        "{err}"
    );
    // The server said nothing to a stranger and hung up.
    // (A reset instead of a clean end is fine too: the server drops unread garbage.)
    let mut rest = Vec::new();
    let _ = within(raw.read_to_end(&mut rest)).await;
    assert!(rest.is_empty(), "{rest:?}");

    let good = connect::<Vec<u8>, Vec<u8>>(addr, &o).await.unwrap();
    assert_eq!(good.call(vec![7]).await.unwrap(), [7]);
}

#[tokio::test]
async fn garbage_after_handshake_is_a_protocol_error() {
    let o = opts("hostile");
    let (addr, mut ends) = reporting_server(o.clone()).await;
    let good = connect::<Vec<u8>, Vec<u8>>(addr, &o).await.unwrap();
    let (mut raw, _) = raw_client(addr, hello(1024)).await;
    // A well-framed payload whose first byte is not a variant tag.
    raw.write_all(&common::frame(&[0xff, 0xff, 0xff]))
        .await
        .unwrap();
    let end = within(ends.recv()).await.unwrap().unwrap_err();
    assert_eq!(
        end.to_string(),
        "protocol violation by the peer: frame starts with tag 0xff, not a variant tag"
    );
    let frames = within(frames_until_eof(&mut raw)).await;
    assert_eq!(
        frames,
        [fatal_notice(
            "protocol violation by the peer: frame starts with tag 0xff, not a variant tag"
        )]
    );
    assert_eq!(good.call(vec![1]).await.unwrap(), [1]);
}

#[tokio::test]
async fn peer_killed_mid_frame() {
    let o = opts("hostile");
    let (addr, mut ends) = reporting_server(o.clone()).await;
    let (mut raw, _) = raw_client(addr, hello(1024)).await;
    // One whole message, then 10 of a frame's 100 payload bytes, then the peer dies.
    raw.write_all(&common::frame(&common::message_payload(&vec![1u8, 2])))
        .await
        .unwrap();
    raw.write_all(&100u32.to_be_bytes()).await.unwrap();
    raw.write_all(&[0x05; 10]).await.unwrap();
    drop(raw);
    let end = within(ends.recv()).await.unwrap().unwrap_err();
    assert!(
        matches!(
            end,
            Error::Truncated {
                have: 14,
                need: 104
            }
        ),
        "{end:?}"
    );
    assert_eq!(
        end.to_string(),
        "connection ended in the middle of a frame: got 14 of 104 bytes"
    );
}

#[tokio::test]
async fn peer_gone_without_close_frame_is_an_error_not_a_clean_end() {
    let o = opts("hostile");
    let (addr, mut ends) = reporting_server(o.clone()).await;
    let (raw, _) = raw_client(addr, hello(1024)).await;
    drop(raw);
    let end = within(ends.recv()).await.unwrap().unwrap_err();
    assert!(matches!(end, Error::Disconnected), "{end:?}");
}

#[tokio::test]
async fn silent_server_during_handshake_times_out() {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    // Accepts, then says nothing (keeps the socket open).
    let silent = tokio::spawn(async move {
        let (s, _) = tcp.accept().await.unwrap();
        std::future::pending::<()>().await;
        drop(s);
    });
    let o = opts("hostile").with_handshake_timeout(Duration::from_millis(200));
    let start = Instant::now();
    let err = within(connect::<(), ()>(addr, &o)).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { operation: "handshake", after } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "handshake timed out after 200ms");
    assert!(start.elapsed() < Duration::from_secs(2));
    silent.abort();
}

#[tokio::test]
async fn silent_client_during_handshake_does_not_block_others() {
    let o = opts("hostile").with_handshake_timeout(Duration::from_millis(300));
    let (addr, mut ends) = reporting_server(o.clone()).await;
    // Connects and says nothing.
    let _silent = TcpStream::connect(addr).await.unwrap();
    // Someone else is served meanwhile, at once.
    let good = within(connect::<Vec<u8>, Vec<u8>>(addr, &o)).await.unwrap();
    assert_eq!(good.call(vec![4]).await.unwrap(), [4]);
    // The silent one is dropped when its handshake times out.
    let err = within(ends.recv()).await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "handshake",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn keepalive_detects_a_silent_peer() {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    // Completes the handshake, then reads everything and never answers (half-open peer).
    let peer = tokio::spawn(async move {
        let (mut s, _) = tcp.accept().await.unwrap();
        raw_server_handshake(&mut s).await;
        let mut sink = [0u8; 1024];
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let o = opts("hostile").with_keepalive(Duration::from_millis(50), Duration::from_millis(250));
    let mut conn = connect::<(), ()>(addr, &o).await.unwrap();
    let start = Instant::now();
    let err = within(conn.recv()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "keepalive",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert!(conn.is_closed());
    assert!(matches!(conn.send(()).await, Err(Error::Closed)));
    // Closing a broken connection reports that no close frame went out.
    assert!(matches!(within(conn.close()).await, Err(Error::Closed)));
    within(peer).await.unwrap();
}

#[tokio::test]
async fn keepalive_keeps_an_idle_connection_with_a_live_peer() {
    let o = opts("hostile").with_keepalive(Duration::from_millis(20), Duration::from_millis(100));
    let (addr, _ends) = reporting_server(opts("hostile")).await;
    let conn = connect::<Vec<u8>, Vec<u8>>(addr, &o).await.unwrap();
    // Idle for several timeouts: the peer's pongs keep the connection alive.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!conn.is_closed());
    assert_eq!(conn.call(vec![5]).await.unwrap(), [5]);
}
