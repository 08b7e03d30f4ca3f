//! remoc channels across a real TCP connection on loopback, with evowire as the codec of
//! the base channel and of every channel sent inside a message.

use evowire_adapters::remoc::Evowire;
use remoc::rch;
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};

/// The server's (older) view of the protocol.
mod v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Reading {
        pub sensor: String,
        pub value: i64,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Summary {
        pub count: u32,
        pub total: i64,
    }

    /// The first message: where the readings arrive and where the summary goes.
    #[derive(Serialize, Deserialize, Debug)]
    pub struct Hello {
        pub readings: rch::mpsc::Receiver<Reading, Evowire>,
        pub summary: rch::oneshot::Sender<Summary, Evowire>,
    }
}

/// The client's (newer) view: a field at the back of every message type.
mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Reading {
        pub sensor: String,
        pub value: i64,
        // Left out of the message when `None`, as remoc's skip predicates allow.
        #[serde(default, skip_serializing_if = "remoc::codec::skip::Option::is_none")]
        pub unit: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Summary {
        pub count: u32,
        pub total: i64,
        #[serde(default)]
        pub max: Option<i64>,
    }

    #[derive(Serialize, Deserialize, Debug)]
    pub struct Hello {
        pub readings: rch::mpsc::Receiver<Reading, Evowire>,
        pub summary: rch::oneshot::Sender<Summary, Evowire>,
        #[serde(default)]
        pub client: String,
    }
}

/// The v1 server: takes one `Hello`, sums the readings until the channel closes, answers
/// on the oneshot.
async fn server(listener: TcpListener) {
    let (socket, _) = listener.accept().await.unwrap();
    let (read, write) = socket.into_split();
    let (conn, _tx, mut rx): (
        _,
        rch::base::Sender<(), Evowire>,
        rch::base::Receiver<v1::Hello, Evowire>,
    ) = remoc::Connect::io(remoc::Cfg::default(), read, write)
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut hello = rx.recv().await.unwrap().expect("a hello message");
    let mut summary = v1::Summary { count: 0, total: 0 };
    while let Some(reading) = hello.readings.recv().await.unwrap() {
        summary.count += 1;
        summary.total += reading.value;
    }
    hello.summary.send(summary).unwrap();
}

#[tokio::test]
async fn mpsc_and_oneshot_cross_tcp_between_protocol_versions() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(server(listener));

    let socket = TcpStream::connect(addr).await.unwrap();
    let (read, write) = socket.into_split();
    let (conn, mut tx, _rx): (
        _,
        rch::base::Sender<v2::Hello, Evowire>,
        rch::base::Receiver<(), Evowire>,
    ) = remoc::Connect::io(remoc::Cfg::default(), read, write)
        .await
        .unwrap();
    tokio::spawn(conn);

    let (readings_tx, readings_rx) = rch::mpsc::channel::<v2::Reading, Evowire>();
    let (summary_tx, summary_rx) = rch::oneshot::channel::<v2::Summary, Evowire>();
    // The v1 server reads the v2 hello and readings, skipping the fields it does not know.
    tx.send(v2::Hello {
        readings: readings_rx,
        summary: summary_tx,
        client: "test".into(),
    })
    .await
    .unwrap();

    for value in [3, -1, 40] {
        let reading = v2::Reading {
            sensor: "bay-7".into(),
            value,
            unit: (value > 0).then(|| "celsius".to_string()),
        };
        readings_tx.send(reading).await.unwrap();
    }
    drop(readings_tx);

    // The v1 server wrote a v1 summary; the v2 client reads the missing field's default.
    let summary = summary_rx.await.unwrap();
    assert_eq!(
        summary,
        v2::Summary {
            count: 3,
            total: 42,
            max: None
        }
    );
    server.await.unwrap();
}
