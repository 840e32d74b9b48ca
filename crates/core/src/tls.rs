//! How the client decides to trust a storage array's TLS certificate.
//!
//! A [`TlsPolicy`] is chosen per endpoint and turned into a [`rustls::ClientConfig`] by one
//! function. Four modes exist because storage appliances are deployed four ways in practice:
//!
//! | Policy | Trusts | Name checked | Typical use |
//! |---|---|---|---|
//! | [`TlsPolicy::WebPki`] (default) | Mozilla's root programme | yes | publicly issued certificates |
//! | [`TlsPolicy::CustomCa`] | only the roots in a PEM bundle | yes | a company CA |
//! | [`TlsPolicy::PinnedSha256`] | a leaf whose SHA-256 fingerprint is pinned | no | self-signed appliance certificates |
//! | [`TlsPolicy::DangerAcceptInvalidCerts`] | any certificate | no | lab use only |
//!
//! Every mode, including the dangerous one, still verifies the server's handshake signature, so a
//! peer that merely replays a public certificate without holding its private key is rejected.
//!
//! The `ring` crypto provider is always passed explicitly: the process-wide default provider
//! panics when another crate in the build enables a second provider.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

/// Which server certificates a client accepts.
///
/// Build one with [`TlsPolicy::default`] (Mozilla roots), [`TlsPolicy::custom_ca_pem`],
/// [`TlsPolicy::custom_ca_file`], [`TlsPolicy::pinned`] or
/// [`TlsPolicy::danger_accept_invalid_certs`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub enum TlsPolicy {
    /// Trust the Mozilla root programme (the `webpki-roots` crate) and check the server name.
    ///
    /// Needs the `webpki-roots` cargo feature (on by default); without it, building a client
    /// with this policy fails with [`TlsError::WebPkiRootsUnavailable`].
    #[default]
    WebPki,
    /// Trust only the roots in this bundle and check the server name.
    CustomCa(CaBundle),
    /// Accept a server if and only if the SHA-256 fingerprint of its leaf certificate (the DER
    /// encoding) equals one of these pins.
    ///
    /// Neither the chain nor the server name is checked: that is the point for self-signed
    /// appliance certificates, where the pin itself is the trust decision. The handshake
    /// signature is still verified against the pinned certificate's public key, so only the
    /// holder of the matching private key passes.
    ///
    /// A pin covers one certificate: renewing the certificate breaks the pin even if the key is
    /// kept. List the old and the new fingerprint during a renewal.
    PinnedSha256(Vec<Pin>),
    /// Accept any server certificate: expired, self-signed, issued for another name.
    ///
    /// # Warning
    ///
    /// This removes the protection TLS gives against an attacker on the network path: anyone
    /// who can intercept the connection can present their own certificate and read or alter
    /// every request, including credentials. Use it only in a lab, against equipment you
    /// control, and prefer [`TlsPolicy::PinnedSha256`] whenever you can obtain the
    /// certificate's fingerprint. Each time a client configuration is built from this policy a
    /// `tracing` warning is emitted so the choice stays visible in logs.
    ///
    /// Handshake signatures are still verified, which costs nothing but does not make this mode
    /// safe.
    DangerAcceptInvalidCerts,
}

impl TlsPolicy {
    /// Trust only the CA certificates in a PEM bundle.
    ///
    /// Sections other than `CERTIFICATE` (for example a private key pasted alongside) are
    /// ignored; a bundle without any certificate is rejected with
    /// [`TlsError::EmptyCaBundle`].
    pub fn custom_ca_pem(pem: impl AsRef<[u8]>) -> Result<Self, TlsError> {
        CaBundle::from_pem(pem).map(Self::CustomCa)
    }

    /// Trust only the CA certificates in a PEM file; see [`TlsPolicy::custom_ca_pem`].
    pub fn custom_ca_file(path: impl AsRef<Path>) -> Result<Self, TlsError> {
        CaBundle::from_file(path).map(Self::CustomCa)
    }

    /// Accept only servers whose leaf certificate has one of these SHA-256 fingerprints.
    ///
    /// Each pin is parsed with [`Pin::from_str`], so `openssl x509 -fingerprint -sha256` output
    /// and plain hex both work. At least one pin is required.
    pub fn pinned<I, S>(pins: I) -> Result<Self, TlsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let pins = pins
            .into_iter()
            .map(|pin| pin.as_ref().parse())
            .collect::<Result<Vec<Pin>, TlsError>>()?;
        if pins.is_empty() {
            return Err(TlsError::NoPins);
        }
        Ok(Self::PinnedSha256(pins))
    }

    /// Accept any server certificate. Read the **Warning** on
    /// [`TlsPolicy::DangerAcceptInvalidCerts`] first.
    pub fn danger_accept_invalid_certs() -> Self {
        Self::DangerAcceptInvalidCerts
    }
}

/// A set of trusted CA certificates parsed from PEM.
///
/// Construction checks that every certificate can serve as a trust anchor, so a bad bundle is
/// reported when it is loaded rather than at the first connection.
#[derive(Clone)]
pub struct CaBundle {
    certs: Vec<CertificateDer<'static>>,
}

impl CaBundle {
    /// Parse a PEM bundle; see [`TlsPolicy::custom_ca_pem`].
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, TlsError> {
        let certs = CertificateDer::pem_slice_iter(pem.as_ref())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsError::InvalidPem { source })?;
        if certs.is_empty() {
            return Err(TlsError::EmptyCaBundle);
        }
        let bundle = Self { certs };
        bundle.root_store()?;
        Ok(bundle)
    }

    /// Read and parse a PEM bundle file; see [`TlsPolicy::custom_ca_pem`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TlsError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|source| TlsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pem(pem)
    }

    /// How many certificates the bundle holds (never zero).
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Always `false`: an empty bundle cannot be constructed. Present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    fn root_store(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        for (index, cert) in self.certs.iter().enumerate() {
            roots
                .add(cert.clone())
                .map_err(|source| TlsError::InvalidCaCertificate { index, source })?;
        }
        Ok(roots)
    }
}

impl fmt::Debug for CaBundle {
    // The DER bytes are noise in logs; the count is what a reader wants to see.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle")
            .field("certificates", &self.certs.len())
            .finish()
    }
}

/// The SHA-256 fingerprint of a DER-encoded certificate.
///
/// Parses the forms administrators copy from tools and UIs (see [`Pin::from_str`]) and prints
/// as uppercase colon-separated hex, the form `openssl x509 -fingerprint -sha256` shows.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pin([u8; 32]);

impl Pin {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// A pin from raw digest bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex without separators (64 characters).
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            push_hex(&mut out, byte, b"0123456789abcdef");
        }
        out
    }
}

fn push_hex(out: &mut String, byte: u8, digits: &[u8; 16]) {
    out.push(char::from(digits[usize::from(byte >> 4)]));
    out.push(char::from(digits[usize::from(byte & 0x0f)]));
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(95);
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            push_hex(&mut out, *byte, b"0123456789ABCDEF");
        }
        f.write_str(&out)
    }
}

impl fmt::Debug for Pin {
    // Hand-written so logs show the fingerprint as admins compare it, not 32 decimal bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({self})")
    }
}

impl FromStr for Pin {
    type Err = TlsError;

    /// Accepts, in either case and with surrounding whitespace:
    ///
    /// - `AB:CD:…:EF`, 32 colon-separated byte pairs, optionally preceded by
    ///   `SHA256 Fingerprint=` as `openssl x509 -noout -fingerprint -sha256` prints it;
    /// - 64 hex digits without separators.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut text = s.trim();
        const PREFIX: &str = "sha256 fingerprint=";
        if let Some(head) = text.get(..PREFIX.len())
            && head.eq_ignore_ascii_case(PREFIX)
        {
            text = text[PREFIX.len()..].trim_start();
        }
        if text.is_empty() {
            return Err(invalid_pin("the pin is empty"));
        }
        if text.contains(':') {
            parse_colon_form(text)
        } else {
            parse_plain_hex(text)
        }
    }
}

fn invalid_pin(reason: impl Into<String>) -> TlsError {
    TlsError::InvalidPin {
        reason: reason.into(),
    }
}

fn parse_colon_form(text: &str) -> Result<Pin, TlsError> {
    let groups = text.split(':').count();
    if groups != 32 {
        let hint = if groups == 20 {
            " (20 looks like a SHA-1 fingerprint; use `openssl x509 -fingerprint -sha256`)"
        } else {
            ""
        };
        return Err(invalid_pin(format!(
            "expected 32 colon-separated hex bytes, found {groups}{hint}"
        )));
    }
    let mut bytes = [0u8; 32];
    for (i, (slot, group)) in bytes.iter_mut().zip(text.split(':')).enumerate() {
        let mut chars = group.chars();
        *slot = match (chars.next(), chars.next(), chars.next()) {
            (Some(hi), Some(lo), None) => match (hex_value(hi), hex_value(lo)) {
                (Some(hi), Some(lo)) => (hi << 4) | lo,
                _ => {
                    return Err(invalid_pin(format!("byte {} is not two hex digits", i + 1)));
                }
            },
            _ => {
                return Err(invalid_pin(format!("byte {} is not two hex digits", i + 1)));
            }
        };
    }
    Ok(Pin(bytes))
}

fn parse_plain_hex(text: &str) -> Result<Pin, TlsError> {
    if let Some((position, bad)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| hex_value(*c).is_none())
    {
        return Err(invalid_pin(format!(
            "character {} ({bad:?}) is not a hex digit",
            position + 1
        )));
    }
    // All characters are ASCII hex digits now, so byte length equals character count.
    let digits = text.as_bytes();
    if digits.len() != 64 {
        let hint = if digits.len() == 40 {
            " (40 looks like a SHA-1 fingerprint; use `openssl x509 -fingerprint -sha256`)"
        } else {
            ""
        };
        return Err(invalid_pin(format!(
            "expected 64 hex digits, found {}{hint}",
            digits.len()
        )));
    }
    let mut bytes = [0u8; 32];
    for (slot, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = hex_value(char::from(pair[0])).unwrap_or(0);
        let lo = hex_value(char::from(pair[1])).unwrap_or(0);
        *slot = (hi << 4) | lo;
    }
    Ok(Pin(bytes))
}

fn hex_value(c: char) -> Option<u8> {
    c.to_digit(16).and_then(|v| u8::try_from(v).ok())
}

/// Why a TLS policy could not be built or applied.
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum TlsError {
    /// The CA bundle is not valid PEM.
    #[error("CA bundle is not valid PEM: {source}")]
    InvalidPem {
        /// What the PEM parser reported.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// The CA bundle holds no `CERTIFICATE` section.
    #[error(
        "CA bundle contains no certificate (expected at least one \
         \"-----BEGIN CERTIFICATE-----\" section)"
    )]
    EmptyCaBundle,
    /// A certificate in the CA bundle cannot serve as a trust anchor.
    #[error("certificate {} in the CA bundle cannot be used as a trust anchor", .index + 1)]
    InvalidCaCertificate {
        /// Zero-based position of the certificate in the bundle.
        index: usize,
        /// What rustls reported.
        #[source]
        source: rustls::Error,
    },
    /// A certificate pin could not be parsed.
    #[error(
        "invalid SHA-256 certificate pin: {reason}; expected `AB:CD:...` \
         (openssl x509 -fingerprint -sha256) or 64 hex digits"
    )]
    InvalidPin {
        /// What is wrong with the pin.
        reason: String,
    },
    /// A pinned policy was requested without any pin.
    #[error("a pinned TLS policy needs at least one SHA-256 pin")]
    NoPins,
    /// A CA bundle file could not be read.
    #[error("cannot read CA bundle {}", .path.display())]
    Io {
        /// The file that was read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// [`TlsPolicy::WebPki`] was used in a build without the `webpki-roots` feature.
    #[error(
        "the WebPki TLS policy needs the `webpki-roots` cargo feature; enable it or use a \
         custom CA bundle"
    )]
    WebPkiRootsUnavailable,
    /// rustls rejected the configuration.
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Builds the rustls client configuration for a policy.
///
/// ALPN is left empty on purpose: the HTTP connector sets the protocols it speaks.
pub(crate) fn client_config(policy: &TlsPolicy) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let config = match policy {
        TlsPolicy::WebPki => builder
            .with_root_certificates(webpki_root_store()?)
            .with_no_client_auth(),
        TlsPolicy::CustomCa(bundle) => builder
            .with_root_certificates(bundle.root_store()?)
            .with_no_client_auth(),
        TlsPolicy::PinnedSha256(pins) => {
            if pins.is_empty() {
                return Err(TlsError::NoPins);
            }
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinVerifier {
                    pins: pins.clone(),
                    algorithms,
                }))
                .with_no_client_auth()
        }
        TlsPolicy::DangerAcceptInvalidCerts => {
            tracing::warn!(
                "TLS certificate verification is disabled (DangerAcceptInvalidCerts): \
                 connections can be intercepted; use a pinned or CA policy outside a lab"
            );
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertVerifier { algorithms }))
                .with_no_client_auth()
        }
    };
    Ok(Arc::new(config))
}

#[cfg(feature = "webpki-roots")]
fn webpki_root_store() -> Result<RootCertStore, TlsError> {
    Ok(RootCertStore::from_iter(
        webpki_roots::TLS_SERVER_ROOTS.iter().cloned(),
    ))
}

#[cfg(not(feature = "webpki-roots"))]
fn webpki_root_store() -> Result<RootCertStore, TlsError> {
    Err(TlsError::WebPkiRootsUnavailable)
}

/// Whether an error, or any error in its `source()` chain, is rustls rejecting a certificate.
///
/// tokio-rustls reports handshake failures as an [`std::io::Error`] of kind `InvalidData`
/// wrapping the [`rustls::Error`]; `io::Error::source()` skips that wrapped error, so this
/// function also looks inside `io::Error::get_ref()`. The transport uses it to report a
/// certificate problem as such instead of failing over to the next node, where the same
/// certificate would fail again.
pub fn is_certificate_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(rustls::Error::InvalidCertificate(_)) = err.downcast_ref::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            let inner: &(dyn std::error::Error + 'static) = inner;
            if is_certificate_error(inner) {
                return true;
            }
        }
        current = err.source();
    }
    false
}

/// Checks handshake signatures against the presented leaf certificate's public key.
///
/// Shared by both custom verifiers: skipping this would let anyone who has seen the (public)
/// certificate impersonate the server.
fn verify_signature_tls12(
    algorithms: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
}

fn verify_signature_tls13(
    algorithms: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
}

#[derive(Debug)]
struct PinVerifier {
    pins: Vec<Pin>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Pin::of_der(end_entity);
        if self.pins.contains(&presented) {
            Ok(ServerCertVerified::assertion())
        } else {
            // The presented fingerprint helps an admin decide whether the certificate was
            // legitimately renewed; it is public information.
            tracing::debug!(presented = %presented, "server certificate matches no pin");
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature_tls12(&self.algorithms, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature_tls13(&self.algorithms, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[derive(Debug)]
struct AcceptAnyCertVerifier {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature_tls12(&self.algorithms, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_signature_tls13(&self.algorithms, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa,
        KeyPair, KeyUsagePurpose,
    };
    use rustls::server::{ClientHello, ResolvesServerCert};
    use rustls::sign::CertifiedKey;
    use rustls::{ServerConfig, SupportedProtocolVersion};
    use rustls_pki_types::PrivatePkcs8KeyDer;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const HOST: &str = "array.example.test";

    struct Ca {
        issuer: CertifiedIssuer<'static, KeyPair>,
    }

    impl Ca {
        fn new(name: &str) -> Self {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CommonName, name);
            params.distinguished_name = dn;
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let issuer =
                CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
            Self { issuer }
        }

        fn pem(&self) -> String {
            self.issuer.pem()
        }

        fn leaf(&self, name: &str) -> Leaf {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(vec![name.to_owned()])
                .unwrap()
                .signed_by(&key, &self.issuer)
                .unwrap();
            Leaf {
                chain: vec![cert.der().clone(), self.issuer.der().clone()],
                key,
            }
        }
    }

    struct Leaf {
        chain: Vec<CertificateDer<'static>>,
        key: KeyPair,
    }

    impl Leaf {
        fn der(&self) -> &CertificateDer<'static> {
            &self.chain[0]
        }

        fn signing_key(&self) -> Arc<dyn rustls::sign::SigningKey> {
            let der = PrivatePkcs8KeyDer::from(self.key.serialize_der());
            rustls::crypto::ring::default_provider()
                .key_provider
                .load_private_key(der.into())
                .unwrap()
        }
    }

    #[derive(Debug)]
    struct FixedCert(Arc<CertifiedKey>);

    impl ResolvesServerCert for FixedCert {
        fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            Some(Arc::clone(&self.0))
        }
    }

    /// Serves TLS on an ephemeral loopback port; each accepted handshake answers "ok".
    async fn serve(
        chain: Vec<CertificateDer<'static>>,
        key: Arc<dyn rustls::sign::SigningKey>,
        versions: &[&'static SupportedProtocolVersion],
    ) -> std::net::SocketAddr {
        // `CertifiedKey::new` skips the key/certificate consistency check on purpose, so tests
        // can build a server that presents one certificate and signs with another key.
        let certified = Arc::new(CertifiedKey::new(chain, key));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(versions)
                .unwrap()
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(FixedCert(certified)));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = acceptor.accept(tcp).await {
                        let _ = tls.write_all(b"ok").await;
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        addr
    }

    async fn serve_leaf(leaf: &Leaf) -> std::net::SocketAddr {
        serve(
            leaf.chain.clone(),
            leaf.signing_key(),
            rustls::DEFAULT_VERSIONS,
        )
        .await
    }

    async fn handshake(
        addr: std::net::SocketAddr,
        policy: &TlsPolicy,
        name: &str,
    ) -> Result<(), std::io::Error> {
        let config = client_config(policy).unwrap();
        let connector = tokio_rustls::TlsConnector::from(config);
        let tcp = TcpStream::connect(addr).await?;
        let server_name = ServerName::try_from(name.to_owned()).unwrap();
        let mut tls = connector.connect(server_name, tcp).await?;
        let mut reply = [0u8; 2];
        tls.read_exact(&mut reply).await?;
        assert_eq!(&reply, b"ok");
        Ok(())
    }

    fn assert_certificate_rejection(result: Result<(), std::io::Error>) -> rustls::Error {
        let err = result.expect_err("handshake should fail");
        assert!(
            is_certificate_error(&err),
            "not classified as a certificate error: {err:?}"
        );
        err.get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
            .expect("io::Error wraps a rustls::Error")
            .clone()
    }

    #[cfg(feature = "webpki-roots")]
    #[tokio::test]
    async fn webpki_rejects_private_ca() {
        let ca = Ca::new("storkit test CA");
        let addr = serve_leaf(&ca.leaf(HOST)).await;
        let err = assert_certificate_rejection(handshake(addr, &TlsPolicy::default(), HOST).await);
        assert_eq!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        );
    }

    #[tokio::test]
    async fn custom_ca_accepts_its_own_leaf() {
        let ca = Ca::new("storkit test CA");
        let addr = serve_leaf(&ca.leaf(HOST)).await;
        let policy = TlsPolicy::custom_ca_pem(ca.pem()).unwrap();
        handshake(addr, &policy, HOST).await.unwrap();
    }

    #[tokio::test]
    async fn custom_ca_rejects_another_ca() {
        let ca = Ca::new("storkit test CA");
        let other = Ca::new("some other CA");
        let addr = serve_leaf(&ca.leaf(HOST)).await;
        let policy = TlsPolicy::custom_ca_pem(other.pem()).unwrap();
        let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
        assert_eq!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        );
    }

    #[tokio::test]
    async fn custom_ca_checks_the_server_name() {
        let ca = Ca::new("storkit test CA");
        let addr = serve_leaf(&ca.leaf(HOST)).await;
        let policy = TlsPolicy::custom_ca_pem(ca.pem()).unwrap();
        let err =
            assert_certificate_rejection(handshake(addr, &policy, "other.example.test").await);
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
                    | rustls::Error::InvalidCertificate(CertificateError::NotValidForName)
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn pin_of_the_leaf_accepts_even_with_unrelated_name() {
        let ca = Ca::new("storkit test CA");
        let leaf = ca.leaf(HOST);
        let addr = serve_leaf(&leaf).await;
        let policy = TlsPolicy::pinned([Pin::of_der(leaf.der()).to_string()]).unwrap();
        handshake(addr, &policy, HOST).await.unwrap();
        // Chain and name are not checked under pinning: the pin is the whole trust decision.
        handshake(addr, &policy, "other.example.test")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn pin_accepts_on_tls12_and_tls13() {
        let ca = Ca::new("storkit test CA");
        let leaf = ca.leaf(HOST);
        let policy = TlsPolicy::PinnedSha256(vec![Pin::of_der(leaf.der())]);
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            let addr = serve(leaf.chain.clone(), leaf.signing_key(), &[version]).await;
            handshake(addr, &policy, HOST).await.unwrap();
        }
    }

    #[tokio::test]
    async fn pin_of_another_certificate_rejects() {
        let ca = Ca::new("storkit test CA");
        let served = ca.leaf(HOST);
        let other = ca.leaf(HOST);
        let addr = serve_leaf(&served).await;
        let policy = TlsPolicy::PinnedSha256(vec![Pin::of_der(other.der())]);
        let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
        assert_eq!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
        );
    }

    #[tokio::test]
    async fn pin_still_verifies_handshake_signatures() {
        let ca = Ca::new("storkit test CA");
        let genuine = ca.leaf(HOST);
        let impostor = ca.leaf(HOST);
        let policy = TlsPolicy::PinnedSha256(vec![Pin::of_der(genuine.der())]);
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            // Replays the genuine (public) certificate without its private key.
            let addr = serve(genuine.chain.clone(), impostor.signing_key(), &[version]).await;
            let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
            assert_eq!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::BadSignature),
                "{version:?}"
            );
        }
    }

    #[tokio::test]
    async fn danger_accept_accepts_anything_but_bad_signatures() {
        let ca = Ca::new("storkit test CA");
        let genuine = ca.leaf(HOST);
        let policy = TlsPolicy::danger_accept_invalid_certs();
        let addr = serve_leaf(&genuine).await;
        handshake(addr, &policy, HOST).await.unwrap();
        handshake(addr, &policy, "other.example.test")
            .await
            .unwrap();

        let impostor = ca.leaf(HOST);
        let addr = serve(
            genuine.chain.clone(),
            impostor.signing_key(),
            rustls::DEFAULT_VERSIONS,
        )
        .await;
        let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
        assert_eq!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::BadSignature)
        );
    }

    /// Counts WARN events; enough of a subscriber to observe `tracing::warn!`.
    struct WarnCounter(Arc<AtomicUsize>);

    impl tracing::Subscriber for WarnCounter {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if *event.metadata().level() == tracing::Level::WARN {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn danger_accept_warns_on_every_build() {
        let warnings = Arc::new(AtomicUsize::new(0));
        tracing::subscriber::with_default(WarnCounter(Arc::clone(&warnings)), || {
            client_config(&TlsPolicy::DangerAcceptInvalidCerts).unwrap();
            client_config(&TlsPolicy::DangerAcceptInvalidCerts).unwrap();
            client_config(&TlsPolicy::PinnedSha256(vec![Pin::from_bytes([7; 32])])).unwrap();
        });
        assert_eq!(warnings.load(Ordering::SeqCst), 2);
    }

    #[cfg(not(feature = "webpki-roots"))]
    #[test]
    fn webpki_needs_the_feature() {
        let err = client_config(&TlsPolicy::WebPki).unwrap_err();
        assert!(matches!(err, TlsError::WebPkiRootsUnavailable), "{err:?}");
    }

    #[test]
    fn configs_leave_alpn_to_the_connector() {
        let ca = Ca::new("storkit test CA");
        for policy in [
            #[cfg(feature = "webpki-roots")]
            TlsPolicy::WebPki,
            TlsPolicy::custom_ca_pem(ca.pem()).unwrap(),
            TlsPolicy::PinnedSha256(vec![Pin::from_bytes([1; 32])]),
            TlsPolicy::DangerAcceptInvalidCerts,
        ] {
            let config = client_config(&policy).unwrap();
            assert!(config.alpn_protocols.is_empty(), "{policy:?}");
        }
    }

    #[test]
    fn empty_pin_list_is_rejected() {
        assert!(matches!(
            TlsPolicy::pinned(Vec::<String>::new()),
            Err(TlsError::NoPins)
        ));
        assert!(matches!(
            client_config(&TlsPolicy::PinnedSha256(Vec::new())),
            Err(TlsError::NoPins)
        ));
    }

    #[test]
    fn pinned_reports_the_bad_pin() {
        let good = "ab".repeat(32);
        let err = TlsPolicy::pinned([good.as_str(), "nope"]).unwrap_err();
        assert!(matches!(err, TlsError::InvalidPin { .. }), "{err:?}");
    }

    #[test]
    fn ca_bundle_parsing() {
        let ca = Ca::new("storkit test CA");
        let other = Ca::new("some other CA");
        let two = format!("{}\n{}", ca.pem(), other.pem());
        let TlsPolicy::CustomCa(bundle) = TlsPolicy::custom_ca_pem(&two).unwrap() else {
            panic!("expected a CustomCa policy");
        };
        assert_eq!(bundle.len(), 2);
        assert!(!bundle.is_empty());
        assert_eq!(format!("{bundle:?}"), "CaBundle { certificates: 2 }");

        // A private key pasted next to the certificate is ignored, not an error.
        let key_pem = KeyPair::generate().unwrap().serialize_pem();
        let mixed = format!("{key_pem}{}", ca.pem());
        assert_eq!(CaBundle::from_pem(mixed).unwrap().len(), 1);

        for empty in ["", "   \n", "just some text\n", key_pem.as_str()] {
            assert!(
                matches!(CaBundle::from_pem(empty), Err(TlsError::EmptyCaBundle)),
                "{empty:?}"
            );
        }

        let truncated = ca.pem().replace("-----END CERTIFICATE-----", "");
        assert!(matches!(
            CaBundle::from_pem(truncated),
            Err(TlsError::InvalidPem { .. })
        ));
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            CaBundle::from_pem(bad_base64),
            Err(TlsError::InvalidPem { .. })
        ));
        let not_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = CaBundle::from_pem(not_der).unwrap_err();
        assert!(
            matches!(err, TlsError::InvalidCaCertificate { index: 0, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "certificate 1 in the CA bundle cannot be used as a trust anchor"
        );
    }

    #[test]
    fn ca_bundle_from_file() {
        let ca = Ca::new("storkit test CA");
        let dir = std::env::temp_dir().join(format!("storkit-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, ca.pem()).unwrap();
        let policy = TlsPolicy::custom_ca_file(&path).unwrap();
        assert!(matches!(policy, TlsPolicy::CustomCa(ref b) if b.len() == 1));
        std::fs::remove_dir_all(&dir).unwrap();

        let err = TlsPolicy::custom_ca_file(&path).unwrap_err();
        assert!(matches!(err, TlsError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("ca.pem"), "{err}");
    }

    #[test]
    fn is_certificate_error_walks_the_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("request failed")]
        struct Outer(#[source] std::io::Error);

        let cert = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert!(is_certificate_error(&cert));
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, cert.clone());
        assert!(is_certificate_error(&io));
        assert!(is_certificate_error(&Outer(io)));
        assert!(is_certificate_error(&TlsError::Rustls(cert)));

        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!is_certificate_error(&Outer(refused)));
        let other_tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::HandshakeNotComplete,
        );
        assert!(!is_certificate_error(&other_tls));
        assert!(!is_certificate_error(&TlsError::NoPins));
    }

    const OPENSSL_STYLE: &str = "3A:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:\
                                 DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C";

    #[test]
    fn pin_accepts_admin_formats() {
        let expected: Pin = OPENSSL_STYLE.parse().unwrap();
        assert_eq!(expected.to_string(), OPENSSL_STYLE);
        let hex = expected.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, hex.to_lowercase());
        for form in [
            OPENSSL_STYLE.to_owned(),
            OPENSSL_STYLE.to_lowercase(),
            format!("SHA256 Fingerprint={OPENSSL_STYLE}"),
            format!("sha256 Fingerprint={OPENSSL_STYLE}\n"),
            format!("  {hex}  "),
            hex.to_uppercase(),
            format!("\tsha256 fingerprint= {hex}\r\n"),
        ] {
            assert_eq!(form.parse::<Pin>().unwrap(), expected, "{form:?}");
        }
        assert_eq!(Pin::from_bytes(*expected.as_bytes()), expected);
        assert_eq!(format!("{expected:?}"), format!("Pin({OPENSSL_STYLE})"));
    }

    #[test]
    fn pin_of_der_is_sha256() {
        // SHA-256 of the empty input, a well-known constant.
        assert_eq!(
            Pin::of_der(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn pin_rejects_with_reasons() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("SHA256 Fingerprint=", "empty"),
            (&OPENSSL_STYLE[..OPENSSL_STYLE.len() - 3], "found 31"),
            ("AB:CD", "found 2"),
            (
                "3A:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00",
                "SHA-1",
            ),
            ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4", "SHA-1"),
            ("e3b0c442", "found 8"),
            ("zz", "not a hex digit"),
            (
                "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                "not a hex digit",
            ),
            (
                "3A:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0",
                "byte 32",
            ),
            (
                "3A:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0CC",
                "byte 32",
            ),
            (
                "GG:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C",
                "byte 1",
            ),
            (
                "é3:0B:9C:5D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C",
                "byte 1",
            ),
        ];
        for (input, needle) in cases {
            let err = input.parse::<Pin>().unwrap_err();
            let TlsError::InvalidPin { reason } = &err else {
                panic!("{input:?}: unexpected error {err:?}");
            };
            assert!(reason.contains(needle), "{input:?}: {reason}");
            assert!(err.to_string().contains("64 hex digits"), "{err}");
        }
    }

    proptest! {
        #[test]
        fn pin_round_trips(bytes in any::<[u8; 32]>()) {
            let pin = Pin::from_bytes(bytes);
            prop_assert_eq!(pin.to_string().parse::<Pin>().unwrap(), pin);
            prop_assert_eq!(pin.to_hex().parse::<Pin>().unwrap(), pin);
            prop_assert_eq!(pin.to_string().to_lowercase().parse::<Pin>().unwrap(), pin);
            prop_assert_eq!(format!("SHA256 Fingerprint={pin}").parse::<Pin>().unwrap(), pin);
        }

        #[test]
        fn pin_parsing_never_panics(s in any::<String>()) {
            let _ = s.parse::<Pin>();
        }

        #[test]
        fn pin_parsing_never_panics_on_near_misses(s in "(?i)(sha256 fingerprint=)?[0-9a-f:g ]{0,100}") {
            let _ = s.parse::<Pin>();
        }
    }
}
