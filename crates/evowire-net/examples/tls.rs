//! A TLS server and client with certificates generated at start: a certificate authority
//! signs the server's certificate for `localhost`; the client trusts that authority,
//! checks the name, and calls the server inside TLS.
//!
//! ```text
//! cargo run -p evowire-net --features tls --example tls
//! ```

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use evowire_net::rustls::pki_types::PrivatePkcs8KeyDer;
use evowire_net::{
    serve, Connector, Listener, Options, Protocol, TlsClientConfig, TlsIdentity, TlsServerConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A certificate authority, and a server certificate it signs.
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "example ca");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let server_key = KeyPair::generate()?;
    let mut server_params = CertificateParams::new(vec!["localhost".to_string()])?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "greeter");
    let server_cert = server_params.signed_by(&server_key, &ca)?;
    let server_identity = TlsIdentity::new(
        vec![server_cert.der().clone()],
        PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
    )?;

    // The server: TLS on the listener, then `serve` as over plaintext.
    let opts = Options::new(Protocol::new("greeter", 1, 0));
    let listener = Listener::<String, String>::bind("127.0.0.1:0", opts.clone())
        .await?
        .with_tls(TlsServerConfig::new(server_identity)?);
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, |name: String| async move {
        Ok::<_, String>(format!("hello, {name}, over TLS"))
    }));

    // The client trusts the authority and expects the name `localhost`.
    let tls = TlsClientConfig::new(&[ca.der().clone()], "localhost")?;
    let conn = Connector::<String, String>::new(opts)
        .with_tls(tls)
        .connect(addr)
        .await?;
    let server = conn.peer_identity().map(|id| id.subject().to_string());
    println!("connected to {addr}, server certificate: {server:?}");
    println!("{}", conn.call("node A".to_string()).await?);
    conn.close().await?;
    Ok(())
}
