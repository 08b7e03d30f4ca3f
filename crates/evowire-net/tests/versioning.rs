//! The handshake: incompatible peers are refused with clear errors on both sides;
//! compatible older and newer peers talk, relying on evowire's schema evolution.

mod common;

use common::{frame, opts, preamble, read_frame, within, RawReply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use evowire_net::{connect, serve, Error, Listener, Options, Protocol};

fn proto(name: &'static str, major: u32, minor: u32) -> Options {
    Options::new(Protocol::new(name, major, minor))
}

#[tokio::test]
async fn major_version_mismatch_refused_on_both_sides() {
    let mut listener = Listener::<u8, u8>::bind("127.0.0.1:0", proto("kv", 2, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { listener.accept().await.map(|_| ()) });

    let err = within(connect::<u8, u8>(addr, &proto("kv", 1, 3)))
        .await
        .unwrap_err();
    let Error::Refused { reason } = &err else {
        panic!("expected Refused, got {err:?}");
    };
    assert_eq!(
        reason,
        "application protocol mismatch: this side speaks kv 2.0, the peer kv 1.3 \
         (names and major versions must be equal)"
    );
    assert!(err
        .to_string()
        .starts_with("refused by peer: application protocol mismatch"));

    let err = within(server).await.unwrap().unwrap_err();
    let Error::Handshake { reason } = &err else {
        panic!("expected Handshake, got {err:?}");
    };
    assert!(
        reason.starts_with(
            "refused the peer: application protocol mismatch: this side speaks kv 2.0, the peer kv 1.3"
        ),
        "{reason}"
    );
    assert!(reason.contains("(peer 127.0.0.1:"), "{reason}");
}

#[tokio::test]
async fn different_application_refused() {
    let mut listener = Listener::<u8, u8>::bind("127.0.0.1:0", proto("kv", 1, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
    let err = within(connect::<u8, u8>(addr, &proto("chat", 1, 0)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { reason } if reason.contains("this side speaks kv 1.0, the peer chat 1.0")),
        "{err:?}"
    );
    assert!(matches!(
        within(server).await.unwrap(),
        Err(Error::Handshake { .. })
    ));
}

#[tokio::test]
async fn wire_protocol_version_mismatch_refused_with_reason() {
    let mut listener = Listener::<u8, u8>::bind("127.0.0.1:0", proto("kv", 1, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { listener.accept().await.map(|_| ()) });

    // A future client speaking wire protocol version 2 (whose hello we cannot know).
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut out = preamble(2);
    out.extend(frame(b"\x00future hello"));
    raw.write_all(&out).await.unwrap();
    let mut pre = [0u8; 8];
    within(raw.read_exact(&mut pre)).await.unwrap();
    assert_eq!(pre, *b"EVOW\x01\x00\x00\x00");
    let reply: RawReply = evowire::from_slice(&read_frame(&mut raw).await.unwrap()).unwrap();
    assert_eq!(
        reply,
        RawReply::Refuse("protocol version mismatch: this side speaks 1, the peer 2".into())
    );
    drop(raw);

    let err = within(server).await.unwrap().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("handshake failed: refused the peer: protocol version mismatch"),
        "{err}"
    );
}

#[tokio::test]
async fn client_detects_a_server_that_is_not_evowire() {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = tcp.accept().await.unwrap();
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        let mut sink = vec![0u8; 1024];
        let _ = s.read(&mut sink).await;
    });
    let err = within(connect::<u8, u8>(addr, &opts("kv")))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "handshake failed: the peer does not speak evowire-net: it sent \
         48 54 54 50 where 45 56 4f 57 (\"EVOW\") was expected"
    );
}

mod v1 {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Item {
        pub id: u64,
        pub name: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Cmd {
        Get(u64),
        Put(Item),
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Reply {
        Found(Item),
        Stored,
        #[serde(other)]
        Unknown,
    }
}

mod v2 {
    use serde::{Deserialize, Serialize};

    /// A field added at the back, with a default for old writers.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Item {
        pub id: u64,
        pub name: String,
        #[serde(default)]
        pub tags: Vec<String>,
    }

    /// A variant added at the back. serde wants `#[serde(other)]` on the last variant,
    /// so v2 keeps v1's fallback slot as a plain variant (never sent) and adds after it.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Cmd {
        Get(u64),
        Put(Item),
        Unknown,
        Delete(u64),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Reply {
        Found(Item),
        Stored,
        Unknown,
        Deleted { id: u64, existed: bool },
    }
}

#[tokio::test]
async fn v1_client_talks_to_v2_server_with_extended_types() {
    let listener = Listener::<v2::Cmd, v2::Reply>::bind("127.0.0.1:0", proto("kv", 1, 1))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(serve(listener, move |cmd: v2::Cmd| {
        record.lock().unwrap().push(cmd.clone());
        async move {
            Ok::<_, String>(match cmd {
                v2::Cmd::Get(id) => v2::Reply::Found(v2::Item {
                    id,
                    name: "widget".into(),
                    tags: vec!["new-in-v2".into()],
                }),
                v2::Cmd::Put(_) => v2::Reply::Stored,
                v2::Cmd::Delete(id) => v2::Reply::Deleted { id, existed: true },
                v2::Cmd::Unknown => return Err("unknown command".to_string()),
            })
        }
    }));

    let conn = within(connect::<v1::Reply, v1::Cmd>(addr, &proto("kv", 1, 0)))
        .await
        .unwrap();
    // The client learns the server's newer minor version.
    assert_eq!(conn.peer_protocol(), &Protocol::new("kv", 1, 1));

    // v2 reply with an extra field: the v1 client skips it.
    assert_eq!(
        conn.call(v1::Cmd::Get(5)).await.unwrap(),
        v1::Reply::Found(v1::Item {
            id: 5,
            name: "widget".into()
        })
    );
    // v1 item without the new field: the v2 server uses the default.
    assert_eq!(
        conn.call(v1::Cmd::Put(v1::Item {
            id: 6,
            name: "gadget".into()
        }))
        .await
        .unwrap(),
        v1::Reply::Stored
    );
    assert_eq!(
        seen.lock().unwrap()[1],
        v2::Cmd::Put(v2::Item {
            id: 6,
            name: "gadget".into(),
            tags: vec![]
        })
    );

    // A newer v2 client on the same server uses the new variant; an old client that
    // receives the new reply variant lands on its fallback.
    let v2_client = connect::<v2::Reply, v2::Cmd>(addr, &proto("kv", 1, 1))
        .await
        .unwrap();
    assert_eq!(
        v2_client.call(v2::Cmd::Delete(6)).await.unwrap(),
        v2::Reply::Deleted {
            id: 6,
            existed: true
        }
    );
    let v1_reader = connect::<v1::Reply, v2::Cmd>(addr, &proto("kv", 1, 1))
        .await
        .unwrap();
    let as_v1: v1::Reply = v1_reader.sender().call(v2::Cmd::Delete(7)).await.unwrap();
    assert_eq!(as_v1, v1::Reply::Unknown);
}

#[tokio::test]
async fn v2_server_pushes_new_variants_to_v1_client() {
    let mut listener = Listener::<(), v2::Reply>::bind("127.0.0.1:0", proto("kv", 1, 1))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        assert_eq!(conn.peer_protocol().minor(), 0);
        conn.send(v2::Reply::Deleted {
            id: 1,
            existed: false,
        })
        .await
        .unwrap();
        conn.send(v2::Reply::Stored).await.unwrap();
        conn.close().await.unwrap();
    });
    let mut conn = connect::<v1::Reply, ()>(addr, &proto("kv", 1, 0))
        .await
        .unwrap();
    assert_eq!(within(conn.recv()).await.unwrap(), Some(v1::Reply::Unknown));
    assert_eq!(within(conn.recv()).await.unwrap(), Some(v1::Reply::Stored));
    assert_eq!(within(conn.recv()).await.unwrap(), None);
}
