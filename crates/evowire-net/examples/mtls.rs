//! Mutual TLS: the server requires client certificates from its authority, an
//! authorization hook admits only known clients, and the handler sees who is calling.
//!
//! ```text
//! cargo run -p evowire-net --features tls --example mtls
//! ```

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
use evowire_net::{
    ConnectionEvent, Connector, Error, Listener, Options, Protocol, TlsClientConfig, TlsIdentity,
    TlsServerConfig,
};

/// A certificate for `name` (common name and DNS name), signed by `ca`.
fn issue(
    ca: &CertifiedIssuer<'_, KeyPair>,
    name: &str,
) -> Result<TlsIdentity, Box<dyn std::error::Error>> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![name.to_string()])?;
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.signed_by(&key, ca)?;
    let key = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    Ok(TlsIdentity::new(vec![cert.der().clone()], key)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cluster ca");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
    let roots = [ca.der().clone()];

    // The server trusts client certificates of the same authority, and admits `node-a`.
    let opts = Options::new(Protocol::new("ledger", 1, 0));
    let listener = Listener::<String, String>::bind("127.0.0.1:0", opts.clone())
        .await?
        .with_tls(TlsServerConfig::mutual(issue(&ca, "localhost")?, &roots)?)
        .with_authorization(
            |peer| match peer.identity().and_then(|id| id.common_name()) {
                Some("node-a") => Ok(()),
                other => Err(format!("{} is not a member", other.unwrap_or("anonymous"))),
            },
        )
        .with_handler(evowire_net::Handler::with_peer(
            |peer, entry: String| async move {
                let who = peer
                    .identity()
                    .and_then(|id| id.common_name())
                    .unwrap_or("?");
                Ok::<_, String>(format!("{who} wrote {entry:?}"))
            },
        ))
        .on_event(|event| {
            if let ConnectionEvent::Failed { error, .. } = event {
                println!("server: {error}");
            }
        });
    let addr = listener.local_addr()?;
    // Serve every connection with that handler; report the ones that fail.
    tokio::spawn(listener.serve());

    for name in ["node-a", "node-b"] {
        let tls = TlsClientConfig::mutual(&roots, "localhost", issue(&ca, name)?)?;
        let result = Connector::<String, String>::new(opts.clone())
            .with_tls(tls)
            .connect(addr)
            .await;
        match result {
            Ok(conn) => {
                println!("{name}: {}", conn.call("42 coins".to_string()).await?);
                conn.close().await?;
            }
            Err(Error::Refused { reason }) => println!("{name}: refused: {reason}"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
