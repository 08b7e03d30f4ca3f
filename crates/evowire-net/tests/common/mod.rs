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

/// After values `0..sent` were sent through a `Reconnecting` that lost one connection:
/// waits until the server has `received` every value still `pending` on the second
/// connection, then checks that each value arrived or was covered by the reported loss
/// (`reported`), and that each connection delivered in order.
pub async fn check_sends_around_a_loss(
    received: impl Fn() -> Vec<u32>,
    sent: u32,
    reported: &[u32],
    pending: &[u32],
) {
    within(async {
        while pending.iter().any(|n| !received().contains(n)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let received = received();
    let vanished: Vec<u32> = (0..sent)
        .filter(|n| !received.contains(n) && !reported.contains(n))
        .collect();
    assert!(vanished.is_empty(), "lost without an error: {vanished:?}");
    // Each connection delivers in order: the second starts after a reported gap.
    let first_of_second = received.iter().position(|&n| n == pending[0]).unwrap();
    assert!(received[..first_of_second].windows(2).all(|w| w[0] < w[1]));
    assert!(received[first_of_second..].windows(2).all(|w| w[0] < w[1]));
}

/// A call the server holds (argument `hang`) while `kill_and_restart`, run on a thread
/// after 200 ms, kills the server and starts it again: the call fails with
/// `Error::Closed` and is not retried, and the next call reconnects (`calls` counts the
/// requests the servers saw). Returns what `kill_and_restart` returned.
pub async fn check_a_call_in_flight_when_the_server_dies<C, R>(
    client: &mut evowire_net::Reconnecting<u32, u32, C>,
    hang: u32,
    kill_and_restart: impl FnOnce() -> R + Send + 'static,
    calls: impl Fn() -> u32,
) -> R
where
    C: evowire_net::Reconnectable<u32, u32>,
    R: Send + 'static,
{
    assert_eq!(within(client.call(1u32)).await.unwrap(), 2);
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        kill_and_restart()
    });
    // The handler holds this call until the server dies under it.
    let err = within(client.call(hang)).await.unwrap_err();
    assert!(matches!(err, evowire_net::Error::Closed), "{err:?}");
    let restarted = tokio::task::spawn_blocking(move || killer.join().unwrap())
        .await
        .unwrap();
    // The next call reconnects; the failed one was not sent again.
    assert_eq!(within(client.call(5u32)).await.unwrap(), 6);
    assert_eq!(client.connect_count(), 2);
    assert_eq!(calls(), 3, "1, the hung call, 5");
    restarted
}

/// A server on a runtime and thread of its own. [`kill`](Self::kill) drops the runtime,
/// as a crashed process would drop its sockets: every task ends without a close.
pub struct ServerThread {
    pub addr: SocketAddr,
    kill: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl ServerThread {
    /// Runs `serve` on a new thread until it ends or the server is killed; `serve` sends
    /// the address it listens on through its argument first.
    pub fn start<F, Fut>(serve: F) -> ServerThread
    where
        F: FnOnce(std::sync::mpsc::Sender<SocketAddr>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                tokio::select! {
                    () = serve(addr_tx) => {}
                    _ = killed => {}
                }
            });
            drop(rt);
        });
        let addr = addr_rx.recv().unwrap();
        ServerThread { addr, kill, thread }
    }

    pub fn kill(self) {
        let _ = self.kill.send(());
        self.thread.join().unwrap();
    }
}
