//! The byte examples of `docs/PROTOCOL.md`, checked against a real connection: a raw peer
//! writes and expects exactly the bytes the document shows.

mod common;

use common::{within, RawHello};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use evowire_net::{connect, serve, Listener, Options, Protocol};

/// PROTOCOL.md §3 example: the client hello of "kv" 1.2 with a 1 MiB limit.
const CLIENT_HELLO: &[u8] = &[
    b'E', b'V', b'O', b'W', 0x01, 0x00, 0x00, 0x00, // preamble
    0x00, 0x00, 0x00, 0x0a, // frame length 10
    0x23, // sequence of 4 items
    0x14, b'k', b'v', // "kv"
    0x08, // major 1
    0x10, // minor 2
    0x80, 0x80, 0x80, 0x04, // max_frame_length 1048576
];

/// PROTOCOL.md §3 example: the server's welcome, "kv" 1.0 with the default 16 MiB.
const SERVER_WELCOME: &[u8] = &[
    b'E', b'V', b'O', b'W', 0x01, 0x00, 0x00, 0x00, // preamble
    0x00, 0x00, 0x00, 0x0b, // frame length 11
    0x05, // variant 0: Welcome
    0x23, 0x14, b'k', b'v', 0x08, 0x00, // sequence of 4: "kv", 1, 0
    0x80, 0x80, 0x80, 0x40, // 16777216
];

#[test]
fn hello_bytes_are_evowire_of_the_documented_struct() {
    let hello = RawHello("kv".into(), 1, 2, 1 << 20);
    assert_eq!(evowire::to_vec(&hello).unwrap(), &CLIENT_HELLO[12..]);
}

#[tokio::test]
async fn documented_handshake_and_frames() {
    let o = Options::new(Protocol::new("kv", 1, 0));
    let listener = Listener::<u64, String>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, |n: u64| async move {
        if n == 0 {
            Err("zero".to_string())
        } else {
            Ok("x".repeat(n as usize))
        }
    }));

    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(CLIENT_HELLO).await.unwrap();
    let mut welcome = vec![0u8; SERVER_WELCOME.len()];
    within(s.read_exact(&mut welcome)).await.unwrap();
    assert_eq!(welcome, SERVER_WELCOME);

    // §4 examples: Request(id 1, 3), Request(id 2, 0), Ping(7).
    s.write_all(&[0, 0, 0, 4, 0x0d, 0x13, 0x08, 0x18])
        .await
        .unwrap();
    let mut resp = [0u8; 11];
    within(s.read_exact(&mut resp)).await.unwrap();
    // Response(id 1, "xxx").
    assert_eq!(resp, [0, 0, 0, 7, 0x15, 0x13, 0x08, 0x1c, b'x', b'x', b'x']);

    s.write_all(&[0, 0, 0, 4, 0x0d, 0x13, 0x10, 0x00])
        .await
        .unwrap();
    let mut err = [0u8; 12];
    within(s.read_exact(&mut err)).await.unwrap();
    // Error(id 2, "zero").
    assert_eq!(
        err,
        [0, 0, 0, 8, 0x1d, 0x13, 0x10, 0x24, b'z', b'e', b'r', b'o']
    );

    s.write_all(&[0, 0, 0, 2, 0x2d, 0x38]).await.unwrap();
    let mut pong = [0u8; 6];
    within(s.read_exact(&mut pong)).await.unwrap();
    assert_eq!(pong, [0, 0, 0, 2, 0x35, 0x38]);

    // An unknown frame kind (variant 9) is ignored; then Close: the server answers
    // with its own close frame and ends the stream.
    s.write_all(&[0, 0, 0, 2, 0x4d, 0x00]).await.unwrap();
    s.write_all(&[0, 0, 0, 2, 0x25, 0x00]).await.unwrap();
    let mut tail = Vec::new();
    within(s.read_to_end(&mut tail)).await.unwrap();
    assert_eq!(tail, [0, 0, 0, 2, 0x25, 0x00]);
}

#[tokio::test]
async fn documented_message_frame() {
    // A client sends Message("hi"): 00 00 00 04 05 14 68 69.
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let (mut s, _) = tcp.accept().await.unwrap();
        common::raw_server_handshake(&mut s).await;
        let mut frame = [0u8; 8];
        s.read_exact(&mut frame).await.unwrap();
        frame
    });
    let conn = connect::<(), String>(addr, &Options::new(Protocol::new("kv", 1, 0)))
        .await
        .unwrap();
    conn.send("hi".to_string()).await.unwrap();
    assert_eq!(
        within(peer).await.unwrap(),
        [0, 0, 0, 4, 0x05, 0x14, b'h', b'i']
    );
}
