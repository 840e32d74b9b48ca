use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::MockError;
use crate::hex;

/// The certificates of a TLS mock: a CA generated at start and the leaf it signed.
///
/// Clients trust [`ca_pem`](Self::ca_pem) as their only root, or pin
/// [`fingerprint_sha256`](Self::fingerprint_sha256).
#[derive(Clone)]
pub struct ServerTls {
    ca_pem: String,
    ca_der: Vec<u8>,
    leaf_pem: String,
    leaf_der: Vec<u8>,
    fingerprint: [u8; 32],
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("fingerprint_sha256", &self.fingerprint_hex_colon())
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Generates a CA and a leaf certificate for `names` (DNS SANs) and `ips` (IP SANs), and a
    /// rustls server configuration (ring provider, HTTP/1.1 ALPN) that serves the leaf.
    ///
    /// A name that parses as an IP address becomes an IP SAN.
    pub fn generate(names: &[String], ips: &[IpAddr]) -> Result<Self, MockError> {
        let cert_err = |e: rcgen::Error| MockError::Certificate(e.to_string());

        let ca_key = KeyPair::generate().map_err(cert_err)?;
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "storkit-mock test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(cert_err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().map_err(cert_err)?;
        let mut leaf_params = CertificateParams::default();
        let common_name = names.first().map_or("storkit-mock", String::as_str);
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let mut sans = Vec::new();
        for name in names {
            let san = match name.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(name.clone().try_into().map_err(cert_err)?),
            };
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
        for ip in ips {
            let san = SanType::IpAddress(*ip);
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
        leaf_params.subject_alt_names = sans;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .map_err(cert_err)?;

        let leaf_der = leaf_cert.der().to_vec();
        let fingerprint: [u8; 32] = Sha256::digest(&leaf_der).into();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            leaf_pem: leaf_cert.pem(),
            leaf_der,
            fingerprint,
            config: Arc::new(config),
        })
    }

    /// The CA certificate, PEM: the one root a client needs to trust this server.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca_der.clone()
    }

    /// The leaf (server) certificate, PEM.
    pub fn leaf_pem(&self) -> String {
        self.leaf_pem.clone()
    }

    /// The leaf (server) certificate, DER.
    pub fn leaf_der(&self) -> Vec<u8> {
        self.leaf_der.clone()
    }

    /// SHA-256 of the leaf certificate's DER.
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The fingerprint as `openssl x509 -fingerprint -sha256` prints it: `AB:CD:…`.
    pub fn fingerprint_hex_colon(&self) -> String {
        hex::upper_colon(&self.fingerprint)
    }

    /// The rustls configuration that serves the leaf, for mocks that run their own listener.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(&self.config)
    }
}
