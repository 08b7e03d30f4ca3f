//! The two nodes of the seed's example, shared by `node_a_sender` and `node_b_receiver`:
//! Node A actively sends `NodeMessage`s; Node B receives them, hands them to the rest of
//! its process through a `tokio::sync::mpsc` channel, and acknowledges each one.

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use evowire_net::{connect, Listener, Options, Protocol};

/// What Node A sends.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct NodeMessage {
    pub id: u32,
    pub content: String,
}

/// What Node B answers with.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Ack {
    Received {
        id: u32,
    },
    /// Fallback for acknowledgements added by later minor versions.
    #[serde(other)]
    Unknown,
}

/// Both nodes speak "nodes" 1.0.
pub fn options() -> Options {
    Options::new(Protocol::new("nodes", 1, 0))
}

/// Node A: connects to `addr`, sends `count` messages, reads the acknowledgements, and
/// closes the connection gracefully.
pub async fn node_a(addr: std::net::SocketAddr, count: u32) -> Result<(), evowire_net::Error> {
    let conn = connect::<Ack, NodeMessage>(addr, &options()).await?;
    println!("[node A] connected to {addr} ({})", conn.peer_protocol());
    let (tx, mut rx) = conn.split();
    for id in 1..=count {
        let message = NodeMessage {
            id,
            content: format!("Hello, Node B! (#{id})"),
        };
        tx.send(&message).await?;
    }
    println!("[node A] sent {count} messages");
    for _ in 0..count {
        match rx.recv().await? {
            Some(Ack::Received { id }) => println!("[node A] node B acknowledged #{id}"),
            Some(Ack::Unknown) => println!("[node A] an acknowledgement from a newer node B"),
            None => break,
        }
    }
    tx.close().await?;
    println!("[node A] closed");
    Ok(())
}

/// Node B: accepts one connection, forwards every message to the rest of the process
/// through an mpsc channel, acknowledges it, and returns how many it got once Node A
/// closes.
pub async fn node_b(mut listener: Listener<NodeMessage, Ack>) -> Result<usize, evowire_net::Error> {
    let conn = listener.accept().await?;
    println!("[node B] node A connected from {:?}", conn.peer_addr());
    let (tx, rx) = conn.split();

    // "The rest of the process": a task that consumes messages from a plain channel.
    let (to_app, mut app_inbox) = mpsc::channel::<NodeMessage>(64);
    let app = tokio::spawn(async move {
        let mut seen = 0;
        while let Some(msg) = app_inbox.recv().await {
            println!("[node B] received: {msg:?}");
            seen += 1;
        }
        seen
    });

    let mut inbox = rx.into_mpsc(64);
    while let Some(msg) = inbox.recv().await {
        let msg = msg?;
        tx.send(Ack::Received { id: msg.id }).await?;
        if to_app.send(msg).await.is_err() {
            break;
        }
    }
    drop(to_app);
    println!("[node B] node A closed the connection");
    Ok(app.await.expect("app task"))
}
