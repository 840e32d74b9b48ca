//! How the client decides to trust a storage array's TLS certificate.
//!
//! A [`TlsPolicy`] is chosen per endpoint and turned into a [`rustls::ClientConfig`] by one
//! function. Four modes exist because storage appliances are deployed four ways in practice:
//!
//! | Policy | Trusts | Name checked | Typical use |
//! |---|---|---|---|
//! | [`TlsPolicy::WebPki`] (default) | Mozilla's root programme | yes | publicly issued certificates |
//! | [`TlsPolicy::CustomCa`] | only the certificates in a PEM bundle: as CAs, or presented as-is | yes | a company CA, or the array's own self-signed certificate |
//! | [`TlsPolicy::PinnedSha256`] | a leaf whose SHA-256 fingerprint is pinned | no | self-signed appliance certificates |
//! | [`TlsPolicy::DangerAcceptInvalidCerts`] | any certificate | no | lab use only |
//!
//! Every mode, including the dangerous one, still verifies the server's handshake signature, so a
//! peer that merely replays a public certificate without holding its private key is rejected.
//!
//! # A self-signed array certificate as the CA file
//!
//! Storage administrators export the array's self-signed certificate and hand it to clients as
//! the CA file, as they would to `curl --cacert cert.pem` or Python
//! `requests.get(url, verify="cert.pem")`. Such certificates are often made with
//! `openssl req -x509`, whose defaults mark them `CA:TRUE`; webpki alone refuses a CA
//! certificate as a server certificate (`CaUsedAsEndEntity`) and a leaf that is not self-signed
//! has no issuer in the bundle. [`TlsPolicy::CustomCa`] therefore accepts, after ordinary chain
//! verification has failed, a server whose certificate is **byte-for-byte identical** (DER) to
//! one in the bundle, as OpenSSL does when a trusted certificate is presented as-is. On that
//! path, as with OpenSSL-based clients:
//!
//! - the server name is still checked against the certificate's subjectAltName (webpki ignores
//!   the subject CN, so a certificate needs `-addext subjectAltName=DNS:<name>`);
//! - the validity period is still checked: an expired or not-yet-valid certificate is refused;
//! - the certificate's own signature, key usages and CA flag are not checked: the certificate is
//!   trusted because the administrator listed it, not because something signed it;
//! - the handshake signature is verified with the certificate's public key, so only the holder
//!   of its private key passes.
//!
//! Any other certificate, including one with the same subject and key but different bytes, goes
//! through ordinary chain verification only.
//!
//! # Errors in plain words
//!
//! A handshake failure reaches the caller as an [`ErrorKind::Tls`](crate::ErrorKind::Tls)
//! error whose message says what failed and which option helps, for example (one line):
//!
//! ```text
//! GET /api (node 10.0.0.5): TLS handshake failed: the server's certificate is not signed by a
//! trusted authority (self-signed?): pass the array's certificate or its CA with
//! TlsPolicy::custom_ca_file, or pin it with TlsPolicy::pinned("AB:CD:...") (the SHA-256
//! fingerprint `openssl x509 -noout -fingerprint -sha256` prints)
//! ```
//!
//! A name mismatch names the expected host and the certificate's names, an expired certificate
//! its expiry date, and a pin mismatch the presented certificate's SHA-256 fingerprint in the
//! pin format. The rustls error stays in the [`source`](std::error::Error::source) chain.
//!
//! The `ring` crypto provider is always passed explicitly: the process-wide default provider
//! panics when another crate in the build enables a second provider.

use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, OtherError,
    RootCertStore, SignatureScheme,
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
    /// Trust only the certificates in this bundle and check the server name.
    ///
    /// A certificate in the bundle is trusted as a root (it may sign the server's certificate),
    /// and also as the server's certificate itself when the server presents exactly that
    /// certificate, even a self-signed `CA:TRUE` one: see the [module documentation](crate::tls)
    /// for what is still checked then (name, validity period, handshake signature).
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
    /// Trust only the certificates in a PEM bundle: CA certificates, or the array's own
    /// (self-signed) certificate exported as PEM. See [`TlsPolicy::CustomCa`].
    ///
    /// Sections other than `CERTIFICATE` (for example a private key pasted alongside) are
    /// ignored; a bundle without any certificate is rejected with
    /// [`TlsError::EmptyCaBundle`].
    pub fn custom_ca_pem(pem: impl AsRef<[u8]>) -> Result<Self, TlsError> {
        CaBundle::from_pem(pem).map(Self::CustomCa)
    }

    /// Trust only the certificates in a PEM file, as `curl --cacert` or Python requests'
    /// `verify="cert.pem"` do; see [`TlsPolicy::custom_ca_pem`].
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
        TlsPolicy::CustomCa(bundle) => {
            let chain = WebPkiServerVerifier::builder_with_provider(
                Arc::new(bundle.root_store()?),
                Arc::clone(&provider),
            )
            .build()
            .map_err(|e| {
                TlsError::Rustls(rustls::Error::General(format!(
                    "cannot build the certificate verifier: {e}"
                )))
            })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(CustomCaVerifier {
                    chain,
                    exact: bundle.certs.clone(),
                    algorithms,
                }))
                .with_no_client_auth()
        }
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

/// The placeholder shown wherever a message suggests pinning.
const PIN_HINT: &str = "pin it with TlsPolicy::pinned(\"AB:CD:...\") (the SHA-256 fingerprint \
                        `openssl x509 -noout -fingerprint -sha256` prints)";

/// Explains, in plain words, a TLS handshake failure found anywhere in `err`'s source chain:
/// what failed and which [`TlsPolicy`] option helps. `None` when the chain holds no
/// [`rustls::Error`] or only one that the rustls message already says well enough.
///
/// Certificate problems never mention secrets: the text holds names, dates and fingerprints,
/// all of which the server sends in clear during the handshake.
pub(crate) fn explain_handshake_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    find_rustls_error(err).and_then(explain_rustls_error)
}

/// The first [`rustls::Error`] in a source chain, looking inside `io::Error`s as
/// [`is_certificate_error`] does: `io::Error::source()` skips the error it wraps, and TLS
/// errors arrive wrapped twice (hyper-util's connector error around tokio-rustls's
/// `io::Error`).
pub(crate) fn find_rustls_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        current = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn explain_rustls_error(err: &rustls::Error) -> Option<String> {
    match err {
        rustls::Error::InvalidCertificate(cert) => Some(explain_certificate_error(cert)),
        rustls::Error::AlertReceived(alert) => Some(explain_alert(*alert)),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            Some(format!(
                "the server did not answer with valid TLS ({err}): check that the port serves \
                 HTTPS, or use an http:// URL if it serves plain HTTP"
            ))
        }
        rustls::Error::PeerIncompatible(_) => Some(format!(
            "the server and storkit have no TLS version or cipher suite in common ({err}); \
             storkit offers TLS 1.2 and 1.3 with modern cipher suites: enable them on the array"
        )),
        rustls::Error::NoCertificatesPresented => {
            Some("the server sent no certificate, so it cannot be authenticated".to_owned())
        }
        _ => None,
    }
}

fn explain_alert(alert: AlertDescription) -> String {
    let hint = match alert {
        AlertDescription::HandshakeFailure
        | AlertDescription::ProtocolVersion
        | AlertDescription::InsufficientSecurity => {
            ": it may accept only TLS versions or cipher suites storkit does not offer \
             (storkit offers TLS 1.2 and 1.3 with modern cipher suites)"
        }
        AlertDescription::CertificateRequired | AlertDescription::BadCertificate => {
            ": it may require a client certificate, which storkit does not send"
        }
        AlertDescription::UnrecognisedName => {
            ": it does not serve the host name of the URL (sent as SNI); use the name the \
             array is configured with"
        }
        _ => "",
    };
    format!("the server aborted the handshake with the TLS alert {alert:?}{hint}")
}

fn explain_certificate_error(err: &CertificateError) -> String {
    let untrusted = format!(
        "pass the array's certificate or its CA with TlsPolicy::custom_ca_file, or {PIN_HINT}"
    );
    #[allow(deprecated)] // UnsupportedSignatureAlgorithm is still produced by webpki.
    match err {
        CertificateError::UnknownIssuer => format!(
            "the server's certificate is not signed by a trusted authority (self-signed?): \
             {untrusted}"
        ),
        CertificateError::NotValidForName => format!(
            "the server's certificate does not name the host in the URL: connect with a URL \
             whose host is one of the certificate's subjectAltNames (ClientBuilder::nodes sets \
             the addresses), have the certificate reissued for the host, or {PIN_HINT}"
        ),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the server's certificate is not valid for {:?} ({}): connect with a URL whose host \
             is one of the certificate's names (ClientBuilder::nodes sets the addresses), have \
             the certificate reissued with subjectAltName {:?}, or {PIN_HINT}",
            expected.to_str(),
            presented_names(presented),
            expected.to_str(),
        ),
        CertificateError::Expired => {
            "the server's certificate has expired: renew it on the array (or check this \
             machine's clock)"
                .to_owned()
        }
        CertificateError::ExpiredContext { time, not_after } => format!(
            "the server's certificate expired on {} (it is now {}): renew it on the array (or \
             check this machine's clock)",
            format_utc(not_after.as_secs()),
            format_utc(time.as_secs()),
        ),
        CertificateError::NotValidYet => {
            "the server's certificate is not valid yet: check the clock on this machine and on \
             the array"
                .to_owned()
        }
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "the server's certificate is not valid before {} (it is now {}): check the clock \
             on this machine and on the array",
            format_utc(not_before.as_secs()),
            format_utc(time.as_secs()),
        ),
        CertificateError::BadSignature => {
            "a signature does not verify: the server does not hold the private key of the \
             certificate it presents, or its certificate was not signed by the CA it names; \
             this can be an interception attempt, so check the certificate before trusting it"
                .to_owned()
        }
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => format!(
            "the server's certificate or handshake uses a signature algorithm storkit does not \
             accept (SHA-1 or MD5, for example): have the certificate reissued with SHA-256 or \
             stronger, or {PIN_HINT}"
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!(
                "the server's certificate is not issued for TLS servers (its extended key usage \
                 lacks serverAuth): have it reissued, or {PIN_HINT}"
            )
        }
        CertificateError::Revoked => "the server's certificate has been revoked".to_owned(),
        CertificateError::BadEncoding => format!(
            "the server's certificate is malformed and cannot be read: have it reissued, or \
             {PIN_HINT}"
        ),
        CertificateError::UnhandledCriticalExtension => format!(
            "the server's certificate has a critical extension storkit cannot check: have it \
             reissued, or {PIN_HINT}"
        ),
        CertificateError::Other(other) => {
            if let Some(mismatch) = other.0.downcast_ref::<PinMismatch>() {
                format!(
                    "the server's certificate matches none of the {} pinned fingerprint(s); it \
                     presented SHA-256 {}. If the array's certificate was renewed, compare that \
                     with the fingerprint of the array's certificate (`openssl x509 -noout \
                     -fingerprint -sha256 -in cert.pem`) and, if they are equal, add it to \
                     TlsPolicy::pinned",
                    mismatch.pins, mismatch.presented
                )
            } else if other.to_string() == "CaUsedAsEndEntity" {
                // webpki's wording for a self-signed `CA:TRUE` certificate (the `openssl req
                // -x509` default) served by the server but not listed in the CA bundle.
                format!(
                    "the server's certificate is a self-signed CA certificate that is not \
                     trusted: {untrusted}"
                )
            } else {
                format!("the server's certificate was rejected: {other}")
            }
        }
        other => format!("the server's certificate was rejected: {other}"),
    }
}

/// The names a certificate presents, quoted (they come from the server: control characters are
/// escaped) and cut short when there are many.
fn presented_names(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.is_empty() {
        return "it names no host in subjectAltName; a name only in the subject CN is not used"
            .to_owned();
    }
    let mut out = String::from("it names ");
    for (i, name) in names.iter().take(SHOWN).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // webpki words them `DnsName("a.example")` and `IpAddress(10.0.0.5)`: keep the name.
        let bare = name
            .strip_prefix("DnsName(\"")
            .and_then(|rest| rest.strip_suffix("\")"))
            .or_else(|| {
                name.strip_prefix("IpAddress(")
                    .and_then(|rest| rest.strip_suffix(')'))
            })
            .unwrap_or(name);
        let _ = write!(out, "{bare:?}");
    }
    if names.len() > SHOWN {
        let _ = write!(out, " and {} more", names.len() - SHOWN);
    }
    out
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

/// [`TlsPolicy::CustomCa`]: webpki chain verification, then the exact-certificate path.
#[derive(Debug)]
struct CustomCaVerifier {
    /// Ordinary chain verification against the bundle as roots.
    chain: Arc<WebPkiServerVerifier>,
    /// The bundle's certificates, each trusted when presented byte-for-byte as the leaf.
    exact: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for CustomCaVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain_error = match self.chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(e) => e,
        };
        if !self
            .exact
            .iter()
            .any(|trusted| trusted.as_ref() == end_entity.as_ref())
        {
            return Err(chain_error);
        }
        tracing::debug!(
            chain_error = %chain_error,
            "server presented a certificate from the CA bundle as-is; checking name and dates"
        );
        verify_exact_certificate(end_entity, server_name, now)?;
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

/// Checks a server certificate that is trusted because the bundle lists exactly it: the server
/// name (subjectAltName, through webpki) and the validity period. Its own signature, CA flag
/// and key usages are not checked, as OpenSSL does not check them on a trusted certificate.
fn verify_exact_certificate(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let parsed = ParsedCertificate::try_from(end_entity)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    let Some(validity) = Validity::of_der(end_entity.as_ref()) else {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::BadEncoding,
        ));
    };
    validity.check(now)
}

/// A certificate's validity period, in seconds since the Unix epoch (negative before 1970).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Validity {
    not_before: i64,
    not_after: i64,
}

impl Validity {
    /// Reads `tbsCertificate.validity` from a DER certificate (RFC 5280 §4.1); `None` when the
    /// structure is not what RFC 5280 describes.
    fn of_der(der: &[u8]) -> Option<Self> {
        let (0x30, cert, _) = der_next(der)? else {
            return None;
        };
        let (0x30, tbs, _) = der_next(cert)? else {
            return None;
        };
        let (mut tag, _, mut rest) = der_next(tbs)?;
        if tag == 0xa0 {
            // [0] EXPLICIT version: the serial number follows.
            (tag, _, rest) = der_next(rest)?;
        }
        if tag != 0x02 {
            return None;
        }
        let (0x30, _signature, rest) = der_next(rest)? else {
            return None;
        };
        let (0x30, _issuer, rest) = der_next(rest)? else {
            return None;
        };
        let (0x30, validity, _) = der_next(rest)? else {
            return None;
        };
        let (before_tag, before, rest) = der_next(validity)?;
        let (after_tag, after, rest) = der_next(rest)?;
        if !rest.is_empty() {
            return None;
        }
        Some(Self {
            not_before: der_time(before_tag, before)?,
            not_after: der_time(after_tag, after)?,
        })
    }

    fn check(self, now: UnixTime) -> Result<(), rustls::Error> {
        let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let at = |t: i64| UnixTime::since_unix_epoch(Duration::from_secs(t.max(0).unsigned_abs()));
        if secs < self.not_before {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidYetContext {
                    time: now,
                    not_before: at(self.not_before),
                },
            ));
        }
        if secs > self.not_after {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::ExpiredContext {
                    time: now,
                    not_after: at(self.not_after),
                },
            ));
        }
        Ok(())
    }
}

/// Splits one DER element off `input`: (tag, contents, rest). Only what X.509 needs: one-byte
/// tags and definite lengths of up to four bytes.
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = rest.get(..count)?;
        let len = bytes
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        (usize::try_from(len).ok()?, rest.get(count..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// An X.509 `Time` (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, RFC 5280
/// §4.1.2.5) as seconds since the Unix epoch.
fn der_time(tag: u8, text: &[u8]) -> Option<i64> {
    let (year, rest) = match (tag, text.len()) {
        (0x17, 13) => {
            let yy = decimal(text.get(..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        (0x18, 15) => (decimal(text.get(..4)?)?, text.get(4..)?),
        _ => return None,
    };
    if rest.get(10) != Some(&b'Z') {
        return None;
    }
    let field = |at: usize| rest.get(at..at + 2).and_then(decimal);
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn decimal(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the Unix epoch (the inverse of the above).
fn format_utc(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The error a pinned policy reports: carries the presented fingerprint for the message.
#[derive(Debug)]
struct PinMismatch {
    presented: Pin,
    pins: usize,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate SHA-256 {} matches none of the {} pinned fingerprint(s)",
            self.presented, self.pins
        )
    }
}

impl std::error::Error for PinMismatch {}

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
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch {
                    presented,
                    pins: self.pins.len(),
                })),
            )))
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
        serve_at("127.0.0.1", chain, key, versions).await
    }

    /// [`serve`] on a chosen loopback address (the self-signed tests use 127.0.4.0/24).
    async fn serve_at(
        ip: &str,
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
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
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
        let rustls::Error::InvalidCertificate(CertificateError::Other(other_error)) = &err else {
            panic!("unexpected error {err:?}");
        };
        let mismatch = other_error.0.downcast_ref::<PinMismatch>().unwrap();
        assert_eq!(mismatch.presented, Pin::of_der(served.der()));
        assert_eq!(mismatch.pins, 1);
        let text = explain_rustls_error(&err).unwrap();
        assert!(
            text.contains(&Pin::of_der(served.der()).to_string()),
            "{text}"
        );
        assert!(
            !text.contains(&Pin::of_der(other.der()).to_string()),
            "{text}"
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

    /// A self-signed `CA:TRUE` certificate for `names`, as `openssl req -x509` makes by default.
    struct SelfSigned {
        params: CertificateParams,
        der: CertificateDer<'static>,
        pem: String,
        key: KeyPair,
    }

    impl SelfSigned {
        fn new(names: &[&str]) -> Self {
            Self::with(names, KeyPair::generate().unwrap(), |_| {})
        }

        fn with(names: &[&str], key: KeyPair, edit: impl FnOnce(&mut CertificateParams)) -> Self {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let mut params = CertificateParams::new(names.clone()).unwrap();
            let mut dn = DistinguishedName::new();
            dn.push(
                DnType::CommonName,
                names.first().cloned().unwrap_or_default(),
            );
            params.distinguished_name = dn;
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            edit(&mut params);
            let cert = params.self_signed(&key).unwrap();
            Self {
                der: cert.der().clone(),
                pem: cert.pem(),
                params,
                key,
            }
        }

        fn signing_key(&self) -> Arc<dyn rustls::sign::SigningKey> {
            signing_key_of(&self.key)
        }

        fn policy(&self) -> TlsPolicy {
            TlsPolicy::custom_ca_pem(&self.pem).unwrap()
        }
    }

    fn signing_key_of(key: &KeyPair) -> Arc<dyn rustls::sign::SigningKey> {
        let der = PrivatePkcs8KeyDer::from(key.serialize_der());
        rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(der.into())
            .unwrap()
    }

    async fn serve_self_signed(ip: &str, cert: &SelfSigned) -> std::net::SocketAddr {
        serve_at(
            ip,
            vec![cert.der.clone()],
            cert.signing_key(),
            rustls::DEFAULT_VERSIONS,
        )
        .await
    }

    #[tokio::test]
    async fn custom_ca_accepts_the_exact_self_signed_ca_certificate() {
        let cert = SelfSigned::new(&[HOST]);
        // What today's webpki says about this certificate on its own.
        let parsed = ParsedCertificate::try_from(&cert.der).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert.der.clone()).unwrap();
        let algorithms = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let chain_only = rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &roots,
            &[],
            UnixTime::now(),
            algorithms.all,
        )
        .unwrap_err();
        assert!(
            chain_only.to_string().contains("CaUsedAsEndEntity"),
            "{chain_only}"
        );

        let policy = cert.policy();
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            let addr = serve_at(
                "127.0.4.1",
                vec![cert.der.clone()],
                cert.signing_key(),
                &[version],
            )
            .await;
            handshake(addr, &policy, HOST).await.unwrap();
        }
    }

    #[tokio::test]
    async fn exact_certificate_is_found_anywhere_in_the_bundle() {
        let cert = SelfSigned::new(&[HOST]);
        let ca = Ca::new("storkit test CA");
        let addr = serve_self_signed("127.0.4.2", &cert).await;
        let bundle = format!("{}\n{}", ca.pem(), cert.pem);
        let policy = TlsPolicy::custom_ca_pem(bundle).unwrap();
        handshake(addr, &policy, HOST).await.unwrap();
        // And the bundle's CA still works as a CA.
        let addr = serve_leaf(&ca.leaf(HOST)).await;
        handshake(addr, &policy, HOST).await.unwrap();
    }

    #[tokio::test]
    async fn exact_certificate_still_checks_the_server_name() {
        let cert = SelfSigned::new(&[HOST]);
        let addr = serve_self_signed("127.0.4.3", &cert).await;
        let err = assert_certificate_rejection(
            handshake(addr, &cert.policy(), "other.example.test").await,
        );
        let rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected,
            presented,
        }) = &err
        else {
            panic!("unexpected error {err:?}");
        };
        assert_eq!(expected.to_str(), "other.example.test");
        assert_eq!(presented, &[format!("DnsName(\"{HOST}\")")]);

        // A certificate naming its host only in the CN is not valid for it: webpki, like
        // modern OpenSSL clients, reads subjectAltName only.
        let cn_only = SelfSigned::with(&[HOST], KeyPair::generate().unwrap(), |p| {
            p.subject_alt_names.clear();
        });
        let addr = serve_self_signed("127.0.4.3", &cn_only).await;
        let err = assert_certificate_rejection(handshake(addr, &cn_only.policy(), HOST).await);
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
            ),
            "{err:?}"
        );
        let text = explain_rustls_error(&err).unwrap();
        assert!(text.contains("names no host in subjectAltName"), "{text}");
    }

    #[tokio::test]
    async fn exact_certificate_still_checks_dates() {
        let expired = SelfSigned::with(&[HOST], KeyPair::generate().unwrap(), |p| {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        });
        let addr = serve_self_signed("127.0.4.4", &expired).await;
        let err = assert_certificate_rejection(handshake(addr, &expired.policy(), HOST).await);
        let rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            not_after, ..
        }) = &err
        else {
            panic!("unexpected error {err:?}");
        };
        assert_eq!(format_utc(not_after.as_secs()), "2021-01-01 00:00:00 UTC");

        let future = SelfSigned::with(&[HOST], KeyPair::generate().unwrap(), |p| {
            p.not_before = rcgen::date_time_ymd(2090, 1, 1);
            p.not_after = rcgen::date_time_ymd(2091, 1, 1);
        });
        let addr = serve_self_signed("127.0.4.4", &future).await;
        let err = assert_certificate_rejection(handshake(addr, &future.policy(), HOST).await);
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::NotValidYetContext { .. })
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn exact_certificate_means_identical_bytes() {
        // Same key, same subject and names, another serial number: a different certificate.
        let listed = SelfSigned::new(&[HOST]);
        let key = KeyPair::from_pem(&listed.key.serialize_pem()).unwrap();
        let mut params = listed.params.clone();
        params.serial_number = Some(rcgen::SerialNumber::from(vec![0x42]));
        let twin_cert = params.self_signed(&key).unwrap();
        assert_ne!(twin_cert.der(), &listed.der);
        let addr = serve_at(
            "127.0.4.5",
            vec![twin_cert.der().clone()],
            signing_key_of(&key),
            rustls::DEFAULT_VERSIONS,
        )
        .await;
        let err = assert_certificate_rejection(handshake(addr, &listed.policy(), HOST).await);
        assert!(err.to_string().contains("CaUsedAsEndEntity"), "{err:?}");
    }

    #[tokio::test]
    async fn exact_certificate_still_verifies_handshake_signatures() {
        let cert = SelfSigned::new(&[HOST]);
        let impostor = KeyPair::generate().unwrap();
        let policy = cert.policy();
        for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
            // Replays the listed (public) certificate without its private key.
            let addr = serve_at(
                "127.0.4.6",
                vec![cert.der.clone()],
                signing_key_of(&impostor),
                &[version],
            )
            .await;
            let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
            assert_eq!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::BadSignature),
                "{version:?}"
            );
        }
    }

    #[tokio::test]
    async fn exact_certificate_may_be_a_leaf_without_its_ca() {
        // The array's CA-issued certificate exported alone: curl and recent Python accept it
        // (OpenSSL's partial-chain mode); it is trusted as-is, without its CA.
        let ca = Ca::new("array vendor CA");
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec![HOST.to_owned()])
            .unwrap()
            .signed_by(&key, &ca.issuer)
            .unwrap();
        let policy = TlsPolicy::custom_ca_pem(leaf.pem()).unwrap();
        let addr = serve_at(
            "127.0.4.7",
            vec![leaf.der().clone()],
            signing_key_of(&key),
            rustls::DEFAULT_VERSIONS,
        )
        .await;
        handshake(addr, &policy, HOST).await.unwrap();
    }

    #[tokio::test]
    async fn another_self_signed_certificate_is_explained() {
        let served = SelfSigned::new(&[HOST]);
        let listed = SelfSigned::new(&[HOST]);
        let addr = serve_self_signed("127.0.4.8", &served).await;
        for policy in [
            listed.policy(),
            #[cfg(feature = "webpki-roots")]
            TlsPolicy::WebPki,
        ] {
            let err = assert_certificate_rejection(handshake(addr, &policy, HOST).await);
            let text = explain_rustls_error(&err).unwrap();
            assert!(
                text.contains("self-signed CA certificate that is not trusted"),
                "{text}"
            );
            assert!(text.contains("TlsPolicy::custom_ca_file"), "{text}");
            assert!(text.contains("TlsPolicy::pinned"), "{text}");
        }
    }

    #[test]
    fn every_certificate_error_is_explained_in_plain_words() {
        let at = |secs: u64| UnixTime::since_unix_epoch(Duration::from_secs(secs));
        #[allow(deprecated)]
        let cases: Vec<(CertificateError, &[&str])> = vec![
            (
                CertificateError::UnknownIssuer,
                &[
                    "not signed by a trusted authority",
                    "custom_ca_file",
                    "pinned",
                ],
            ),
            (
                CertificateError::NotValidForNameContext {
                    expected: ServerName::try_from("array.example.test").unwrap(),
                    presented: vec!["DnsName(\"other.example.test\")".to_owned()],
                },
                &[
                    "not valid for \"array.example.test\"",
                    "other.example.test",
                    "ClientBuilder::nodes",
                    "pinned",
                ],
            ),
            (
                CertificateError::NotValidForNameContext {
                    expected: ServerName::from(std::net::IpAddr::from([127, 0, 4, 1])),
                    presented: Vec::new(),
                },
                &["not valid for \"127.0.4.1\"", "names no host"],
            ),
            (
                CertificateError::NotValidForName,
                &["does not name the host"],
            ),
            (
                CertificateError::ExpiredContext {
                    time: at(1_700_000_000),
                    not_after: at(1_600_000_000),
                },
                &[
                    "expired on 2020-09-13 12:26:40 UTC",
                    "now 2023-11-14 22:13:20 UTC",
                    "renew",
                ],
            ),
            (CertificateError::Expired, &["expired", "renew"]),
            (
                CertificateError::NotValidYetContext {
                    time: at(0),
                    not_before: at(86_400),
                },
                &["not valid before 1970-01-02 00:00:00 UTC", "clock"],
            ),
            (CertificateError::NotValidYet, &["not valid yet", "clock"]),
            (CertificateError::BadSignature, &["private key"]),
            (
                CertificateError::UnsupportedSignatureAlgorithm,
                &["SHA-256"],
            ),
            (CertificateError::InvalidPurpose, &["serverAuth"]),
            (CertificateError::Revoked, &["revoked"]),
            (CertificateError::BadEncoding, &["malformed"]),
            (
                CertificateError::UnhandledCriticalExtension,
                &["critical extension"],
            ),
            (
                CertificateError::ApplicationVerificationFailure,
                &["the server's certificate was rejected"],
            ),
            (
                CertificateError::Other(OtherError(Arc::new(PinMismatch {
                    presented: OPENSSL_STYLE.parse().unwrap(),
                    pins: 2,
                }))),
                &["none of the 2 pinned", OPENSSL_STYLE],
            ),
        ];
        for (error, needles) in cases {
            let text =
                explain_rustls_error(&rustls::Error::InvalidCertificate(error.clone())).unwrap();
            for needle in needles {
                assert!(text.contains(needle), "{error:?}: {text}");
            }
        }
    }

    #[test]
    fn handshake_failures_are_found_and_explained() {
        // As hyper-util reports them: an io::Error wrapping the rustls::Error.
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let text = explain_handshake_failure(&wrapped).unwrap();
        assert!(text.contains("not signed by a trusted authority"), "{text}");

        let alert = rustls::Error::AlertReceived(AlertDescription::HandshakeFailure);
        assert!(
            explain_handshake_failure(&alert)
                .unwrap()
                .contains("TLS 1.2")
        );
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
        assert!(
            explain_handshake_failure(&alert)
                .unwrap()
                .contains("client certificate")
        );
        let plain_http = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert!(
            explain_handshake_failure(&plain_http)
                .unwrap()
                .contains("http://")
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(explain_handshake_failure(&refused), None);
        assert_eq!(
            explain_handshake_failure(&rustls::Error::General("x".into())),
            None
        );
    }

    #[test]
    fn presented_names_are_escaped_and_bounded() {
        let many: Vec<String> = (0..10).map(|i| format!("n{i}.example.test")).collect();
        let text = presented_names(&many);
        assert!(text.contains("\"n7.example.test\""), "{text}");
        assert!(!text.contains("n8.example.test"), "{text}");
        assert!(text.ends_with("and 2 more"), "{text}");
        assert_eq!(
            presented_names(&[
                "DnsName(\"a.example.test\")".to_owned(),
                "IpAddress(10.0.0.5)".to_owned(),
                "DirectoryName".to_owned(),
            ]),
            "it names \"a.example.test\", \"10.0.0.5\", \"DirectoryName\""
        );
        let hostile = presented_names(&["evil\n\u{1b}[31mname".to_owned()]);
        assert!(
            !hostile.contains('\n') && !hostile.contains('\u{1b}'),
            "{hostile}"
        );
    }

    #[test]
    fn validity_is_read_from_der() {
        let cert = SelfSigned::with(&[HOST], KeyPair::generate().unwrap(), |p| {
            p.not_before = rcgen::date_time_ymd(2024, 2, 29);
            p.not_after = rcgen::date_time_ymd(2051, 3, 1);
        });
        let validity = Validity::of_der(cert.der.as_ref()).unwrap();
        assert_eq!(
            format_utc(u64::try_from(validity.not_before).unwrap()),
            "2024-02-29 00:00:00 UTC"
        );
        // 2051 is past 2049: a GeneralizedTime, not a UTCTime.
        assert_eq!(
            format_utc(u64::try_from(validity.not_after).unwrap()),
            "2051-03-01 00:00:00 UTC"
        );
        assert_eq!(Validity::of_der(b""), None);
        assert_eq!(Validity::of_der(&cert.der.as_ref()[..40]), None);
    }

    #[test]
    fn der_times() {
        assert_eq!(der_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(der_time(0x17, b"500101000000Z"), Some(-631_152_000));
        assert_eq!(der_time(0x18, b"19700102000000Z"), Some(86_400));
        assert_eq!(der_time(0x18, b"20000229120000Z"), Some(951_825_600));
        for bad in [
            &b"19000229000000Z"[..],
            b"20230229000000Z",
            b"20231301000000Z",
            b"20231200000000Z",
            b"20231231240000Z",
            b"2023123123596 Z",
            b"20231231235959+",
            b"2023123123595Z",
        ] {
            assert_eq!(der_time(0x18, bad), None, "{:?}", std::str::from_utf8(bad));
        }
        assert_eq!(der_time(0x04, b"700101000000Z"), None);
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
        fn civil_dates_round_trip(secs in 0u64..253_402_300_800) {
            let text = format_utc(secs);
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let generalized = format!("{digits}Z");
            prop_assert_eq!(der_time(0x18, generalized.as_bytes()), i64::try_from(secs).ok());
        }

        #[test]
        fn validity_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Validity::of_der(&bytes);
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
