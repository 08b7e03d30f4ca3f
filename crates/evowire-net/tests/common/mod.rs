//! Helpers shared by the integration tests: options with short timeouts, and a raw peer
//! that speaks the wire protocol by hand from `docs/PROTOCOL.md` (so these tests also
//! check that the document is enough to reimplement the protocol).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use evowire_net::{Options, Protocol};

/// Options for protocol `name` 1.0 with timeouts short enough for tests.
pub fn opts(name: &'static str) -> Options {
    Options::new(Protocol::new(name, 1, 0))
        .with_handshake_timeout(Duration::from_secs(5))
        .with_close_timeout(Duration::from_secs(2))
}

/// Fails the test if `fut` takes longer than 10 s (a hang is a failure, not a stuck CI).
pub async fn within<F: std::future::Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("operation hung for 10 s")
}

/// `Hello` of PROTOCOL.md §3: a sequence (app, major, minor, max_frame_length).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RawHello(pub String, pub u32, pub u32, pub u32);

/// The server's reply of PROTOCOL.md §3.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub enum RawReply {
    Welcome(RawHello),
    Refuse(String),
}

/// A frame: 4-byte big-endian length, then the payload.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

/// The preamble: "EVOW", version, three zero bytes.
pub fn preamble(version: u8) -> Vec<u8> {
    vec![b'E', b'V', b'O', b'W', version, 0, 0, 0]
}

/// Reads one frame's payload from a raw stream.
pub async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await?;
    let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut payload).await?;
    Ok(payload)
}

/// Connects a raw socket and performs the client handshake by hand; returns the stream
/// and the server's reply.
pub async fn raw_client(addr: SocketAddr, hello: RawHello) -> (TcpStream, RawReply) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut out = preamble(1);
    out.extend(frame(&evowire::to_vec(&hello).unwrap()));
    stream.write_all(&out).await.unwrap();
    let mut pre = [0u8; 8];
    stream.read_exact(&mut pre).await.unwrap();
    assert_eq!(pre, [b'E', b'V', b'O', b'W', 1, 0, 0, 0]);
    let reply = evowire::from_slice(&read_frame(&mut stream).await.unwrap()).unwrap();
    (stream, reply)
}

/// A message frame payload (PROTOCOL.md §4): variant 0 tag, then the body.
pub fn message_payload<T: Serialize>(body: &T) -> Vec<u8> {
    let mut p = vec![0x05];
    p.extend(evowire::to_vec(body).unwrap());
    p
}

/// Reads one frame's payload, panicking on errors.
pub async fn read_frame_from(stream: &mut TcpStream) -> Vec<u8> {
    read_frame(stream).await.unwrap()
}

/// Performs the server side of the handshake by hand on an accepted raw stream, welcoming
/// whatever the client offers.
pub async fn raw_server_handshake(stream: &mut TcpStream) -> RawHello {
    let mut pre = [0u8; 8];
    stream.read_exact(&mut pre).await.unwrap();
    assert_eq!(&pre[..5], b"EVOW\x01");
    let hello: RawHello = evowire::from_slice(&read_frame_from(stream).await).unwrap();
    let mut out = preamble(1);
    out.extend(frame(
        &evowire::to_vec(&RawReply::Welcome(hello.clone())).unwrap(),
    ));
    stream.write_all(&out).await.unwrap();
    hello
}
