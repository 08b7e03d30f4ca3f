//! TLS on real loopback sockets with real certificates made by rcgen: trust, names,
//! expiry, mutual TLS, peers without TLS or stalling mid-handshake, many connections,
//! authorization hooks, the peer's identity in handlers, `Connector` with a handler and
//! the events of `serve`.

#[path = "common/ca.rs"]
mod ca;
mod common;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use ca::Ca;
use common::{opts, within};
use evowire_net::{
    serve, ConnectionEvent, Connector, Error, Handler, Listener, Options, Reconnecting,
    TlsClientConfig, TlsServerConfig,
};
use rcgen::{CertificateParams, DnType, KeyPair};

fn server_tls(ca: &Ca) -> TlsServerConfig {
    TlsServerConfig::new(ca.leaf("server-1", "localhost")).unwrap()
}

/// A server that requires client certificates from `ca`.
fn mutual_server_tls(ca: &Ca) -> TlsServerConfig {
    TlsServerConfig::mutual(ca.leaf("server-1", "localhost"), &ca.root()).unwrap()
}

fn client_tls(ca: &Ca) -> TlsClientConfig {
    TlsClientConfig::new(&ca.root(), "localhost").unwrap()
}

/// A TLS listener for `u64` requests answered by doubling them.
async fn doubling_server(o: &Options, tls: TlsServerConfig) -> SocketAddr {
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(tls);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        |n: u64| async move { Ok::<_, String>(n * 2) },
    ));
    addr
}

/// Accepts on `listener` and sends every result (success or failure) to the channel.
fn accept_all(mut listener: Listener<u64, u64>) -> mpsc::UnboundedReceiver<Result<(), Error>> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let result = listener.accept().await.map(|conn| {
                tokio::spawn(async move { conn.closed().await });
            });
            if tx.send(result).is_err() {
                break;
            }
        }
    });
    rx
}

fn tls_reason(err: &Error) -> &str {
    match err {
        Error::Tls { reason } => reason,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn calls_over_tls_and_the_client_sees_the_server_identity() {
    let ca = Ca::new("test ca");
    let o = opts("tls-basic");
    let addr = doubling_server(&o, server_tls(&ca)).await;
    let conn = within(
        Connector::<u64, u64>::new(o)
            .with_tls(client_tls(&ca))
            .connect(addr),
    )
    .await
    .unwrap();
    assert_eq!(within(conn.call(21u64)).await.unwrap(), 42);
    let id = conn.peer_identity().expect("a TLS server has an identity");
    assert_eq!(id.common_name(), Some("server-1"));
    assert_eq!(id.subject(), "CN=server-1, O=evowire tests");
    assert_eq!(id.dns_names(), ["localhost"]);
    assert!(!id.certificate_der().is_empty());
    assert_eq!(conn.sender().peer().identity(), Some(id));
}

#[tokio::test]
async fn plaintext_client_against_tls_listener_both_sides_say_so_and_listener_keeps_serving() {
    let ca = Ca::new("test ca");
    let o = opts("tls-mixed");
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server_tls(&ca));
    let addr = listener.local_addr().unwrap();
    let mut results = accept_all(listener);

    let err = within(evowire_net::connect::<u64, u64>(addr, &o))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Handshake { reason } if reason.contains("the peer speaks TLS")),
        "{err}"
    );
    let server_err = within(results.recv()).await.unwrap().unwrap_err();
    assert!(
        tls_reason(&server_err).contains("did not send TLS records"),
        "{server_err}"
    );

    let conn = Connector::<u64, u64>::new(o)
        .with_tls(client_tls(&ca))
        .connect(addr)
        .await
        .unwrap();
    within(results.recv()).await.unwrap().unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn tls_client_against_plaintext_listener_both_sides_say_so_and_listener_keeps_serving() {
    let ca = Ca::new("test ca");
    let o = opts("tls-mixed-2");
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let mut results = accept_all(listener);

    let err = within(
        Connector::<u64, u64>::new(o.clone())
            .with_tls(client_tls(&ca))
            .connect(addr),
    )
    .await
    .unwrap_err();
    assert!(tls_reason(&err).contains("does it accept TLS?"), "{err}");
    let server_err = within(results.recv()).await.unwrap().unwrap_err();
    assert!(
        matches!(&server_err, Error::Handshake { reason } if reason.contains("the peer speaks TLS")),
        "{server_err}"
    );

    let conn = evowire_net::connect::<u64, u64>(addr, &o).await.unwrap();
    within(results.recv()).await.unwrap().unwrap();
    conn.close().await.unwrap();
}

/// Connects with `client` to a TLS listener with `server`: both sides fail with a TLS
/// error, the client's containing `client_says` and the server's `server_says`.
async fn refused_on_both_sides(
    server: TlsServerConfig,
    client: TlsClientConfig,
    client_says: &str,
    server_says: &str,
) {
    let o = opts("tls-refusals");
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server);
    let addr = listener.local_addr().unwrap();
    let mut results = accept_all(listener);
    let client_err = within(async {
        let conn = Connector::<u64, u64>::new(o)
            .with_tls(client)
            .connect(addr)
            .await?;
        // Under TLS 1.3 a client may finish its handshake before the server has checked
        // its certificate: the refusal then arrives with the first answer.
        conn.call(1u64).await
    })
    .await
    .unwrap_err();
    let server_err = within(results.recv()).await.unwrap().unwrap_err();
    assert!(
        tls_reason(&client_err).contains(client_says),
        "{client_err}"
    );
    assert!(
        tls_reason(&server_err).contains(server_says),
        "{server_err}"
    );
}

#[tokio::test]
async fn unknown_ca_refused_on_both_sides() {
    let ca = Ca::new("test ca");
    let other = Ca::new("other ca");
    refused_on_both_sides(
        server_tls(&other),
        client_tls(&ca),
        "UnknownIssuer",
        "UnknownCA",
    )
    .await;
}

#[tokio::test]
async fn wrong_server_name_refused_on_both_sides() {
    let ca = Ca::new("test ca");
    let client = TlsClientConfig::new(&ca.root(), "node-b.example").unwrap();
    let says = "certificate not valid for name \"node-b.example\"";
    refused_on_both_sides(server_tls(&ca), client, says, "BadCertificate").await;
}

#[tokio::test]
async fn expired_certificate_refused_on_both_sides() {
    let ca = Ca::new("test ca");
    let expired = ca.leaf_with("server-1", "localhost", |p| {
        p.not_before = rcgen::date_time_ymd(2000, 1, 1);
        p.not_after = rcgen::date_time_ymd(2001, 1, 1);
    });
    let server = TlsServerConfig::new(expired).unwrap();
    refused_on_both_sides(
        server,
        client_tls(&ca),
        "certificate expired",
        "CertificateExpired",
    )
    .await;
}

#[tokio::test]
async fn mutual_tls_refuses_a_client_without_certificate() {
    let ca = Ca::new("test ca");
    let server = mutual_server_tls(&ca);
    assert!(server.requires_client_certificates());
    refused_on_both_sides(
        server,
        client_tls(&ca),
        "CertificateRequired",
        "no certificates",
    )
    .await;
}

#[tokio::test]
async fn mutual_tls_refuses_a_client_certificate_from_another_ca() {
    let ca = Ca::new("test ca");
    let other = Ca::new("other ca");
    let server = mutual_server_tls(&ca);
    let intruder = other.leaf("intruder", "intruder");
    let client = TlsClientConfig::mutual(&ca.root(), "localhost", intruder).unwrap();
    refused_on_both_sides(server, client, "UnknownCA", "UnknownIssuer").await;
}

#[tokio::test]
async fn mutual_tls_identity_is_seen_by_the_handler_and_the_connection() {
    let ca = Ca::new("test ca");
    let o = opts("tls-mutual");
    let server = mutual_server_tls(&ca);
    let whoami = Handler::with_peer(|peer, _: String| async move {
        let id = peer.identity().ok_or("no client certificate")?;
        Ok::<_, &str>(format!(
            "{} {:?}",
            id.common_name().unwrap_or("?"),
            id.dns_names()
        ))
    });
    let mut listener = Listener::<String, String>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server)
        .with_handler(whoami);
    let addr = listener.local_addr().unwrap();
    let accepted = tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        let cn = conn
            .peer_identity()
            .and_then(|id| id.common_name().map(str::to_owned));
        conn.closed().await;
        cn
    });

    let client = TlsClientConfig::mutual(
        &ca.root(),
        "localhost",
        ca.leaf("client-7", "client-7.example"),
    )
    .unwrap();
    let conn = Connector::<String, String>::new(o)
        .with_tls(client)
        .connect(addr)
        .await
        .unwrap();
    let answer = within(conn.call("who am i?".to_string())).await.unwrap();
    assert_eq!(answer, r#"client-7 ["client-7.example"]"#);
    conn.close().await.unwrap();
    assert_eq!(within(accepted).await.unwrap().as_deref(), Some("client-7"));
}

#[tokio::test]
async fn listener_serve_runs_a_peer_aware_handler_for_every_client() {
    let ca = Ca::new("test ca");
    let o = opts("tls-serve-peer");
    let whoami = Handler::with_peer(|peer, greeting: String| async move {
        let id = peer.identity().ok_or("no client certificate")?;
        Ok::<_, &str>(format!("{greeting}, {}", id.common_name().unwrap_or("?")))
    });
    let listener = Listener::<String, String>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(mutual_server_tls(&ca))
        .with_handler(whoami);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.serve());

    let mut conns = Vec::new();
    for name in ["client-1", "client-2"] {
        let client = TlsClientConfig::mutual(&ca.root(), "localhost", ca.leaf(name, name)).unwrap();
        let conn = Connector::<String, String>::new(o.clone())
            .with_tls(client)
            .connect(addr)
            .await
            .unwrap();
        conns.push((name, conn));
    }
    // Both connections are served at once, each handler call seeing its own caller.
    for (name, conn) in &conns {
        let answer = within(conn.call("hello".to_string())).await.unwrap();
        assert_eq!(answer, format!("hello, {name}"));
    }
}

/// A TLS listener with a short handshake timeout, and a raw TCP peer that sends `bytes`
/// and then waits: the listener reports the failure in time and serves a good client
/// meanwhile.
async fn hostile_tls_peer(bytes: &[u8]) -> (Error, Duration) {
    let ca = Ca::new("test ca");
    let o = opts("tls-hostile").with_handshake_timeout(Duration::from_millis(500));
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server_tls(&ca));
    let addr = listener.local_addr().unwrap();
    let mut results = accept_all(listener);

    let started = tokio::time::Instant::now();
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(bytes).await.unwrap();

    // A good client is served while the hostile one stalls or fails.
    let good = Connector::<u64, u64>::new(o)
        .with_tls(client_tls(&ca))
        .connect(addr)
        .await
        .unwrap();
    let mut errors = Vec::new();
    let mut ok = 0;
    while ok + errors.len() < 2 {
        match within(results.recv()).await.unwrap() {
            Ok(()) => ok += 1,
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(ok, 1);
    let elapsed = started.elapsed();
    good.close().await.unwrap();
    // The hostile peer's connection was closed by the listener.
    let mut rest = Vec::new();
    let _ = within(raw.read_to_end(&mut rest)).await;
    (errors.pop().unwrap(), elapsed)
}

#[tokio::test]
async fn a_peer_stalling_mid_tls_handshake_times_out_and_others_are_served() {
    // The start of a TLS record announcing a 512-byte client hello, then nothing.
    let (err, elapsed) = hostile_tls_peer(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]).await;
    assert!(
        matches!(err, Error::Timeout { operation: "handshake", after } if after == Duration::from_millis(500)),
        "{err}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn garbage_tls_records_end_that_connection_only() {
    let garbage = [0x17, 0x03, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef];
    let (err, _) = hostile_tls_peer(&garbage).await;
    assert!(
        tls_reason(&err).contains("handshake with the client failed"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_tls_connections_with_calls_in_flight_all_answered() {
    let ca = Ca::new("test ca");
    let o = opts("tls-many").with_handshake_timeout(Duration::from_secs(30));
    let addr = doubling_server(&o, server_tls(&ca)).await;
    let connector = Connector::<u64, u64>::new(o).with_tls(client_tls(&ca));
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..200u64 {
        let connector = connector.clone();
        clients.spawn(async move {
            let conn = connector.connect(addr).await.unwrap();
            let calls = (0..8u64).map(|i| conn.call(c * 100 + i));
            let answers = futures::future::try_join_all(calls).await.unwrap();
            conn.close().await.unwrap();
            answers
                .iter()
                .enumerate()
                .all(|(i, &a)| a == (c * 100 + i as u64) * 2)
        });
    }
    let mut answered = 0;
    while let Some(done) = tokio::time::timeout(Duration::from_secs(60), clients.join_next())
        .await
        .expect("200 TLS clients hung")
    {
        assert!(done.unwrap());
        answered += 1;
    }
    assert_eq!(answered, 200);
}

#[tokio::test]
async fn server_authorization_refusal_reaches_the_client_and_the_server_keeps_serving() {
    let ca = Ca::new("test ca");
    let o = opts("tls-authz");
    let server = mutual_server_tls(&ca);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server)
        .with_authorization(|peer| {
            let cn = peer
                .identity()
                .and_then(|id| id.common_name())
                .unwrap_or("");
            match cn {
                "admin" if peer.protocol().minor() == 0 => Ok(()),
                other => Err(format!("{other} may not use {}", peer.protocol())),
            }
        })
        .on_event(move |event| {
            let _ = events_tx.send(event);
        });
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        |n: u64| async move { Ok::<_, String>(n * 2) },
    ));

    let guest =
        TlsClientConfig::mutual(&ca.root(), "localhost", ca.leaf("guest", "guest")).unwrap();
    let err = within(
        Connector::<u64, u64>::new(o.clone())
            .with_tls(guest)
            .connect(addr),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Refused { reason } if reason == "guest may not use tls-authz 1.0"),
        "{err}"
    );
    match within(events.recv()).await.unwrap() {
        ConnectionEvent::Failed {
            error: Error::Handshake { reason },
            ..
        } => {
            assert!(
                reason.contains("refused the peer: guest may not use"),
                "{reason}"
            )
        }
        other => panic!("unexpected event {other:?}"),
    }

    let admin =
        TlsClientConfig::mutual(&ca.root(), "localhost", ca.leaf("admin", "admin")).unwrap();
    let conn = Connector::<u64, u64>::new(o)
        .with_tls(admin)
        .connect(addr)
        .await
        .unwrap();
    assert_eq!(within(conn.call(5u64)).await.unwrap(), 10);
}

#[tokio::test]
async fn client_authorization_refusal_reaches_the_server() {
    let ca = Ca::new("test ca");
    let o = opts("tls-client-authz");
    let mut listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server_tls(&ca));
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await.unwrap();
        conn.recv().await
    });
    let err = within(
        Connector::<u64, u64>::new(o)
            .with_tls(client_tls(&ca))
            .with_authorization(
                |peer| match peer.identity().and_then(|id| id.common_name()) {
                    Some("server-2") => Ok(()),
                    other => Err(format!("expected server-2, found {other:?}")),
                },
            )
            .connect(addr),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Handshake { reason } if reason == r#"refused the peer: expected server-2, found Some("server-1")"#),
        "{err}"
    );
    let server_err = within(server).await.unwrap().unwrap_err();
    assert!(
        matches!(&server_err, Error::Refused { reason } if reason == r#"expected server-2, found Some("server-1")"#),
        "{server_err}"
    );
}

#[tokio::test]
async fn connector_with_a_handler_answers_requests_from_the_server() {
    let o = opts("client-handler");
    let mut listener = Listener::<String, String>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let conn = listener.accept().await.unwrap();
        let answer = conn.call("ping".to_string()).await;
        conn.close().await.unwrap();
        answer
    });
    let conn = Connector::<String, String>::new(o)
        .with_handler(Handler::new(|q: String| async move {
            Ok::<_, String>(format!("{q}: pong"))
        }))
        .connect(addr)
        .await
        .unwrap();
    assert_eq!(within(server).await.unwrap().unwrap(), "ping: pong");
    within(conn.closed()).await;
}

#[tokio::test]
async fn serve_reports_opened_failed_and_closed_connections() {
    let ca = Ca::new("test ca");
    let o = opts("serve-events");
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let listener = Listener::<u64, u64>::bind("127.0.0.1:0", o.clone())
        .await
        .unwrap()
        .with_tls(server_tls(&ca))
        .on_event(move |event| {
            let _ = events_tx.send(event);
        });
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        |n: u64| async move { Ok::<_, String>(n + 1) },
    ));

    // A plaintext client fails: the application hears about it, with the error.
    let _ = evowire_net::connect::<u64, u64>(addr, &o)
        .await
        .unwrap_err();
    match within(events.recv()).await.unwrap() {
        ConnectionEvent::Failed { addr: from, error } => {
            assert!(from.ip().is_loopback());
            assert!(
                tls_reason(&error).contains("did not send TLS records"),
                "{error}"
            );
        }
        other => panic!("unexpected event {other:?}"),
    }

    // A good client opens, calls, closes.
    let conn = Connector::<u64, u64>::new(o.clone())
        .with_tls(client_tls(&ca))
        .connect(addr)
        .await
        .unwrap();
    assert_eq!(within(conn.call(1u64)).await.unwrap(), 2);
    conn.close().await.unwrap();
    assert!(matches!(
        within(events.recv()).await.unwrap(),
        ConnectionEvent::Opened { .. }
    ));
    assert!(matches!(
        within(events.recv()).await.unwrap(),
        ConnectionEvent::Closed { error: None, .. }
    ));
}

#[tokio::test]
async fn reconnecting_client_over_tls() {
    let ca = Ca::new("test ca");
    let o = opts("tls-reconnect");
    let addr = doubling_server(&o, server_tls(&ca)).await;
    let mut client = Reconnecting::<u64, u64>::new(addr.to_string(), o).with_tls(client_tls(&ca));
    assert_eq!(within(client.call(4u64)).await.unwrap(), 8);
    assert_eq!(client.connect_count(), 1);
}

#[tokio::test]
async fn pem_files_load_in_one_call() {
    let ca = Ca::new("pem ca");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "pem-server");
    let cert = params.signed_by(&key, &ca.issuer).unwrap();

    let dir = std::env::temp_dir().join(format!("evowire-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca_path, cert_path, key_path) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca_path, ca.issuer.pem()).unwrap();
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let o = opts("tls-pem");
    let addr = doubling_server(
        &o,
        TlsServerConfig::from_pem_files(&cert_path, &key_path).unwrap(),
    )
    .await;
    let client = TlsClientConfig::from_pem_file(&ca_path, "localhost").unwrap();
    let conn = Connector::<u64, u64>::new(o)
        .with_tls(client)
        .connect(addr)
        .await
        .unwrap();
    assert_eq!(within(conn.call(3u64)).await.unwrap(), 6);

    // A key file where certificates are expected, and a missing file, say so.
    let err = TlsClientConfig::from_pem_file(&key_path, "localhost").unwrap_err();
    assert!(
        tls_reason(&err).contains("holds no PEM certificate"),
        "{err}"
    );
    let err = TlsServerConfig::from_pem_files(dir.join("missing.pem"), &key_path).unwrap_err();
    assert!(tls_reason(&err).contains("missing.pem"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_client_config_without_roots_or_with_a_bad_name_is_refused() {
    let err = TlsClientConfig::new(&[], "localhost").unwrap_err();
    assert_eq!(
        err.to_string(),
        "tls error: no root certificates: the server could never be verified"
    );
    let ca = Ca::new("test ca");
    let err = TlsClientConfig::new(&ca.root(), "not a name!").unwrap_err();
    assert!(tls_reason(&err).contains("invalid server name"), "{err}");
    let err = TlsServerConfig::mutual(ca.leaf("s", "localhost"), &[]).unwrap_err();
    assert!(tls_reason(&err).contains("no root certificates"), "{err}");
}

#[test]
fn identity_of_a_malformed_certificate_is_an_error_not_a_panic() {
    let ca = Ca::new("test ca");
    let id = ca.leaf("node", "node.example");
    let der = id.chain()[0].to_vec();
    for cut in 0..der.len() {
        let _ = evowire_net::PeerIdentity::from_der(&der[..cut]);
    }
    let mut flipped = der.clone();
    for i in 0..flipped.len() {
        flipped[i] ^= 0xff;
        let _ = evowire_net::PeerIdentity::from_der(flipped.clone());
        flipped[i] ^= 0xff;
    }
    let err = evowire_net::PeerIdentity::from_der(&der[..10]).unwrap_err();
    assert!(tls_reason(&err).contains("at byte"), "{err}");
    let whole = evowire_net::PeerIdentity::from_der(der).unwrap();
    assert_eq!(whole.subject(), "CN=node, O=evowire tests");
}
