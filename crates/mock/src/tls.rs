use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::MockError;
use crate::hex;

/// A certificate authority that signs mock leaf certificates: its certificate and key, PEM.
///
/// A test CA, not a secret of anyone's; `Debug` still leaves the key out.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateAuthority {
    cert_pem: String,
    key_pem: String,
}

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Generates a new authority (ECDSA P-256, CN `storkit-mock test CA`).
    pub fn generate() -> Result<Self, MockError> {
        let key = KeyPair::generate().map_err(cert_err)?;
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "storkit-mock test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(cert_err)?;
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// An existing authority: its certificate and its private key (PKCS#8), both PEM.
    ///
    /// Both must parse; that the key belongs to the certificate is not checked, and a wrong
    /// key yields leaves that no client accepts.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, MockError> {
        let key = KeyPair::from_pem(key_pem).map_err(cert_err)?;
        Issuer::from_ca_cert_pem(cert_pem, &key).map_err(cert_err)?;
        Ok(Self {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        })
    }

    /// The authority's certificate, PEM: the root clients trust.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The authority's private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    fn cert_der(&self) -> Result<Vec<u8>, MockError> {
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .map(|der| der.to_vec())
            .map_err(|e| MockError::Certificate(e.to_string()))
    }
}

fn cert_err(e: rcgen::Error) -> MockError {
    MockError::Certificate(e.to_string())
}

/// The certificates of a TLS mock: a certificate authority and one leaf it signed for all of
/// the server's names, ports and node IPs.
///
/// Clients trust [`ca_pem`](Self::ca_pem) as their only root, or pin
/// [`fingerprint_sha256`](Self::fingerprint_sha256).
#[derive(Clone)]
pub struct ServerTls {
    ca: CertificateAuthority,
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
    /// A name that parses as an IP address becomes an IP SAN. Wildcard names go into the
    /// certificate as given, but rustls (webpki) accepts a wildcard only as the whole leftmost
    /// label, matching exactly one label: with `*.hcp1.example` in the certificate,
    /// `admin.hcp1.example` verifies, `hcp1.example` and `ns.tenant.hcp1.example` do not.
    /// webpki ignores `*.*.hcp1.example` (OpenSSL and Python refuse it too), so
    /// `ns.tenant.hcp1.example` verifies only when named exactly or through
    /// `*.tenant.hcp1.example`. Clients that skip the name check (e.g. hcpsdk's default)
    /// accept any of them.
    pub fn generate(names: &[String], ips: &[IpAddr]) -> Result<Self, MockError> {
        Self::generate_with_ca(names, ips, &CertificateAuthority::generate()?)
    }

    /// Like [`generate`](Self::generate), with the leaf signed by `ca`.
    pub fn generate_with_ca(
        names: &[String],
        ips: &[IpAddr],
        ca: &CertificateAuthority,
    ) -> Result<Self, MockError> {
        let ca_key = KeyPair::from_pem(&ca.key_pem).map_err(cert_err)?;
        let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, ca_key).map_err(cert_err)?;

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
            ca_der: ca.cert_der()?,
            ca: ca.clone(),
            leaf_pem: leaf_cert.pem(),
            leaf_der,
            fingerprint,
            config: Arc::new(config),
        })
    }

    /// The authority that signed the leaf, key included: pass it to another server's
    /// [`TlsSettings::with_ca`](crate::TlsSettings::with_ca) to share one root.
    pub fn authority(&self) -> &CertificateAuthority {
        &self.ca
    }

    /// The CA certificate, PEM: the one root a client needs to trust this server.
    pub fn ca_pem(&self) -> String {
        self.ca.cert_pem.clone()
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
