//! evowire-net over QUIC: a server that answers calls and reads pushed messages, and a
//! client that calls it, pushes messages and closes gracefully. The certificate is made
//! at start with rcgen; a real deployment loads its own (`TlsIdentity::from_pem_files`).
//!
//! Run with `cargo run -p evowire-net --features quic --example quic`.

use evowire_net::quic::{Connector, Listener};
use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
use evowire_net::{Options, Protocol, TlsClientConfig, TlsIdentity, TlsServerConfig};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug)]
enum Request {
    Price { item: String },
    Note(String),
}

#[derive(Serialize, Deserialize, Debug)]
enum Reply {
    Price(u64),
    Unknown,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let key = PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()).into();
    let identity = TlsIdentity::new(vec![cert.cert.der().clone()], key)?;
    let opts = Options::new(Protocol::new("shop", 1, 0));

    // Server: answers each call on its own QUIC stream, reads pushed notes.
    let mut listener = Listener::<Request, Reply>::bind(
        "127.0.0.1:0",
        opts.clone(),
        TlsServerConfig::new(identity)?,
    )
    .await?
    .with_handler(|req: Request| async move {
        Ok::<_, String>(match req {
            Request::Price { item } if item == "apple" => Reply::Price(3),
            _ => Reply::Unknown,
        })
    });
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let mut conn = listener.accept().await?;
        println!("server: connection from {}", conn.remote_addr());
        while let Some(msg) = conn.recv().await? {
            println!("server: pushed {msg:?}");
        }
        println!("server: the client closed");
        Ok::<_, evowire_net::Error>(())
    });

    // Client: calls in flight at once do not wait for one another.
    let tls = TlsClientConfig::new(&[cert.cert.der().clone()], "localhost")?;
    let conn = Connector::<Reply, Request>::new(opts, tls)?
        .connect(addr)
        .await?;
    let (apple, pear) = tokio::join!(
        conn.call(Request::Price {
            item: "apple".into()
        }),
        conn.call(Request::Price {
            item: "pear".into()
        }),
    );
    println!("client: apple {:?}, pear {:?}", apple?, pear?);
    conn.send(Request::Note("thanks".into())).await?;
    conn.close().await?;
    server.await??;
    Ok(())
}
