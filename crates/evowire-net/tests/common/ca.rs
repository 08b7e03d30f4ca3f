//! A certificate authority made with rcgen for the TLS and QUIC tests.
#![allow(dead_code)]

use evowire_net::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use evowire_net::TlsIdentity;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A certificate authority that issues leaf certificates.
pub struct Ca {
    pub issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    pub fn root(&self) -> Vec<CertificateDer<'static>> {
        vec![self.issuer.der().clone()]
    }

    /// A leaf for `dns_name` with common name `cn`.
    pub fn leaf(&self, cn: &str, dns_name: &str) -> TlsIdentity {
        self.leaf_with(cn, dns_name, |_| {})
    }

    pub fn leaf_with(
        &self,
        cn: &str,
        dns_name: &str,
        edit: impl FnOnce(&mut CertificateParams),
    ) -> TlsIdentity {
        let mut params = CertificateParams::new(vec![dns_name.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "evowire tests");
        edit(&mut params);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let key = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
        TlsIdentity::new(vec![cert.der().clone()], key).unwrap()
    }
}
