//! Who the peer is: [`Peer`] (address, announced protocol, verified identity) and
//! [`PeerIdentity`] (what its TLS certificate says).
//!
//! The identity is read from the leaf certificate that TLS has already verified. Reading
//! is a small DER walk over the fields this crate shows (subject, subject alternative
//! names): every length is checked against the bytes that remain and the nesting is
//! fixed, so a malformed certificate gives an error, never a panic.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::options::Protocol;

/// The other end of a connection as this side knows it once the handshake is done: its
/// address, the protocol it announced and, over TLS, its verified identity. Seen by the
/// authorization hook and by handlers made with
/// [`Handler::with_peer`](crate::Handler::with_peer).
///
/// # Examples
///
/// ```
/// use evowire_net::{Peer, Protocol};
/// let peer = Peer::new(None, Protocol::new("inventory", 1, 2), None);
/// assert_eq!(peer.protocol().minor(), 2);
/// assert!(peer.identity().is_none()); // plaintext: nobody was verified
/// ```
#[derive(Debug, Clone)]
pub struct Peer {
    addr: Option<SocketAddr>,
    protocol: Protocol,
    identity: Option<Arc<PeerIdentity>>,
}

impl Peer {
    /// A peer at `addr` speaking `protocol`, with the identity TLS verified (if any).
    pub fn new(
        addr: Option<SocketAddr>,
        protocol: Protocol,
        identity: Option<Arc<PeerIdentity>>,
    ) -> Self {
        Peer {
            addr,
            protocol,
            identity,
        }
    }

    /// The peer's address, when the connection was made over TCP by this crate.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The application protocol the peer announced in its handshake.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The identity of the peer's verified certificate: `None` over plaintext, and on a
    /// TLS server whose clients need no certificate.
    pub fn identity(&self) -> Option<&PeerIdentity> {
        self.identity.as_deref()
    }
}

/// What the peer's verified TLS certificate says: its subject, its subject alternative
/// names, and the certificate itself (DER) for anything else.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tls")] {
/// use evowire_net::PeerIdentity;
/// let key = rcgen::KeyPair::generate().unwrap();
/// let mut params = rcgen::CertificateParams::new(vec!["node-a.example".to_string()]).unwrap();
/// params.distinguished_name.push(rcgen::DnType::CommonName, "node-a");
/// let cert = params.self_signed(&key).unwrap();
///
/// let id = PeerIdentity::from_der(cert.der().to_vec()).unwrap();
/// assert_eq!(id.common_name(), Some("node-a"));
/// assert_eq!(id.subject(), "CN=node-a");
/// assert_eq!(id.dns_names(), ["node-a.example"]);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    subject: String,
    common_name: Option<String>,
    dns_names: Vec<String>,
    ip_addresses: Vec<IpAddr>,
    uris: Vec<String>,
    der: Vec<u8>,
}

impl PeerIdentity {
    /// Reads the identity from a DER-encoded X.509 certificate.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] naming the field that is not well formed and its byte offset.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self> {
        let der = der.into();
        let mut id = PeerIdentity::unreadable(Vec::new());
        read_certificate(&der, &mut id).map_err(|e| Error::Tls {
            reason: format!("cannot read the certificate: {e}"),
        })?;
        id.der = der;
        Ok(id)
    }

    /// A verified certificate whose fields this crate cannot read: only the DER.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn unreadable(der: Vec<u8>) -> Self {
        PeerIdentity {
            subject: String::new(),
            common_name: None,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            uris: Vec::new(),
            der,
        }
    }

    /// The subject's attributes in certificate order, as `CN=node-a, O=Example`
    /// (unknown attribute types by dotted OID).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The subject's (first) common name.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// The DNS names among the subject alternative names.
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// The IP addresses among the subject alternative names.
    pub fn ip_addresses(&self) -> &[IpAddr] {
        &self.ip_addresses
    }

    /// The URIs among the subject alternative names (for example SPIFFE IDs).
    pub fn uris(&self) -> &[String] {
        &self.uris
    }

    /// The whole leaf certificate, DER-encoded, to read anything else from it.
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for PeerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerIdentity")
            .field("subject", &self.subject)
            .field("dns_names", &self.dns_names)
            .field("ip_addresses", &self.ip_addresses)
            .field("uris", &self.uris)
            .field("der_len", &self.der.len())
            .finish()
    }
}

// DER tags used below.
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;
const SAN_DNS: u8 = 0x82;
const SAN_URI: u8 = 0x86;
const SAN_IP: u8 = 0x87;
/// 2.5.29.17, subjectAltName.
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
/// 2.5.4.3, commonName.
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];

/// Attribute types shown by their short name in [`PeerIdentity::subject`].
const NAMES: &[(&[u8], &str)] = &[
    (OID_CN, "CN"),
    (&[0x55, 0x04, 0x06], "C"),
    (&[0x55, 0x04, 0x07], "L"),
    (&[0x55, 0x04, 0x08], "ST"),
    (&[0x55, 0x04, 0x0a], "O"),
    (&[0x55, 0x04, 0x0b], "OU"),
    (&[0x55, 0x04, 0x05], "serialNumber"),
];

/// A cursor over DER elements; `base` is the offset of `rest` in the certificate.
struct Der<'a> {
    rest: &'a [u8],
    base: usize,
}

/// One element: its tag, its content and the content's offset in the certificate.
struct Element<'a> {
    tag: u8,
    content: Der<'a>,
}

impl<'a> Der<'a> {
    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn next(&mut self) -> std::result::Result<Element<'a>, String> {
        let at = self.base;
        let (&tag, after_tag) = self
            .rest
            .split_first()
            .ok_or_else(|| format!("an element was expected at byte {at}, the input ended"))?;
        let (&first, mut after_len) = after_tag
            .split_first()
            .ok_or_else(|| format!("the length of the element at byte {at} is missing"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || after_len.len() < n {
                return Err(format!(
                    "the element at byte {at} has an unsupported length form 0x{first:02x}"
                ));
            }
            let (digits, rest) = after_len.split_at(n);
            after_len = rest;
            digits
                .iter()
                .fold(0usize, |acc, &d| (acc << 8) | usize::from(d))
        };
        let header = self.rest.len() - after_len.len();
        if after_len.len() < len {
            return Err(format!(
                "the element at byte {at} announces {len} bytes, {} remain",
                after_len.len()
            ));
        }
        let (content, rest) = after_len.split_at(len);
        self.rest = rest;
        self.base = at + header + len;
        Ok(Element {
            tag,
            content: Der {
                rest: content,
                base: at + header,
            },
        })
    }

    fn expect(&mut self, tag: u8, what: &str) -> std::result::Result<Der<'a>, String> {
        let at = self.base;
        let el = self.next()?;
        if el.tag != tag {
            return Err(format!(
                "{what} at byte {at}: tag 0x{tag:02x} was expected, 0x{:02x} found",
                el.tag
            ));
        }
        Ok(el.content)
    }
}

fn read_certificate(der: &[u8], id: &mut PeerIdentity) -> std::result::Result<(), String> {
    let mut top = Der { rest: der, base: 0 };
    let mut cert = top.expect(SEQUENCE, "the certificate")?;
    let mut tbs = cert.expect(SEQUENCE, "the certificate body")?;
    if tbs.peek_tag() == Some(VERSION) {
        tbs.next()?;
    }
    for _ in ["serial", "signature algorithm", "issuer", "validity"] {
        tbs.next()?;
    }
    read_subject(tbs.expect(SEQUENCE, "the subject")?, id)?;
    tbs.next()?; // the public key
    while !tbs.is_empty() {
        let el = tbs.next()?;
        if el.tag == EXTENSIONS {
            let mut outer = el.content;
            let mut list = outer.expect(SEQUENCE, "the extensions")?;
            while !list.is_empty() {
                read_extension(list.expect(SEQUENCE, "an extension")?, id)?;
            }
        }
    }
    Ok(())
}

fn read_subject(mut name: Der<'_>, id: &mut PeerIdentity) -> std::result::Result<(), String> {
    let mut parts = Vec::new();
    while !name.is_empty() {
        let mut set = name.expect(SET, "a subject attribute set")?;
        while !set.is_empty() {
            let mut attr = set.expect(SEQUENCE, "a subject attribute")?;
            let oid = attr.expect(OID, "an attribute type")?.rest;
            let value = attr.next()?;
            let text = string_value(value.tag, value.content.rest);
            if oid == OID_CN && id.common_name.is_none() {
                id.common_name = Some(text.clone());
            }
            let key = NAMES
                .iter()
                .find(|(known, _)| *known == oid)
                .map_or_else(|| dotted(oid), |(_, short)| (*short).to_string());
            parts.push(format!("{key}={text}"));
        }
    }
    id.subject = parts.join(", ");
    Ok(())
}

fn read_extension(mut ext: Der<'_>, id: &mut PeerIdentity) -> std::result::Result<(), String> {
    let oid = ext.expect(OID, "an extension id")?.rest;
    if ext.peek_tag() == Some(BOOLEAN) {
        ext.next()?;
    }
    let mut value = ext.expect(OCTET_STRING, "an extension value")?;
    if oid != OID_SAN {
        return Ok(());
    }
    let mut names = value.expect(SEQUENCE, "the subject alternative names")?;
    while !names.is_empty() {
        let name = names.next()?;
        let bytes = name.content.rest;
        match name.tag {
            SAN_DNS => id
                .dns_names
                .push(String::from_utf8_lossy(bytes).into_owned()),
            SAN_URI => id.uris.push(String::from_utf8_lossy(bytes).into_owned()),
            SAN_IP => {
                if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
                    id.ip_addresses.push(IpAddr::V4(Ipv4Addr::from(v4)));
                } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
                    id.ip_addresses.push(IpAddr::V6(Ipv6Addr::from(v6)));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The text of a directory string (UTF-8, printable, IA5, teletex, BMP); other types as
/// `#` and hex.
fn string_value(tag: u8, bytes: &[u8]) -> String {
    match tag {
        0x0c | 0x13 | 0x14 | 0x16 => String::from_utf8_lossy(bytes).into_owned(),
        0x1e => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => std::iter::once("#".to_string())
            .chain(bytes.iter().map(|b| format!("{b:02x}")))
            .collect(),
    }
}

/// An object identifier in dotted form.
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for &b in oid {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}
