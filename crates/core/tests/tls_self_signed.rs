//! TLS as storage administrators use it: the array's self-signed certificate, exported as PEM,
//! is the CA file. Real sockets on 127.0.4.0/24, a tokio-rustls server, the storkit client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use storkit_core::http::StatusCode;
use storkit_core::tls::Pin;
use storkit_core::{Client, Error, ErrorKind, Phase, Request, TlsPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const HOST: &str = "array.example.test";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 4, last])
}

/// A certificate and the private key that goes with it.
struct Identity {
    cert_pem: String,
    cert: CertificateDer<'static>,
    key: Arc<dyn SigningKey>,
}

impl Identity {
    fn from_pem(cert_pem: String, key_pem: &[u8]) -> Self {
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap();
        let key = PrivateKeyDer::from_pem_slice(key_pem).unwrap();
        let key = rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(key)
            .unwrap();
        Self {
            cert_pem,
            cert,
            key,
        }
    }

    /// A self-signed `CA:TRUE` certificate for `name`, as `openssl req -x509` makes by default.
    fn rcgen_self_signed(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let key_der = PrivatePkcs8KeyDer::from(key.serialize_der());
        Self {
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            key: rustls::crypto::ring::default_provider()
                .key_provider
                .load_private_key(key_der.into())
                .unwrap(),
        }
    }
}

#[derive(Debug)]
struct FixedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// An HTTPS server on `ip` presenting `cert` and signing with `key` (not necessarily its key:
/// `CertifiedKey::new` does not check that they match). Every request gets `200 ok`.
async fn serve(ip: IpAddr, cert: &CertificateDer<'static>, key: &Arc<dyn SigningKey>) -> u16 {
    let certified = Arc::new(CertifiedKey::new(vec![cert.clone()], Arc::clone(key)));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_cert_resolver(Arc::new(FixedCert(certified)));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// Sends `GET /` to `https://{host}:{port}` through the node `ip` with `policy`.
async fn get(host: &str, ip: IpAddr, port: u16, policy: TlsPolicy) -> Result<String, Error> {
    let client = Client::builder(format!("https://{host}:{port}"))
        .nodes([ip])
        .tls(policy)
        .build()
        .unwrap();
    let response = client.send(Request::get("/")).await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(response.text().unwrap().to_owned())
}

fn assert_tls_error(result: Result<String, Error>) -> Error {
    let err = result.expect_err("the handshake should fail");
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    assert_eq!(err.phase(), Phase::NotSent, "{err:?}");
    assert_eq!(err.attempts(), 1, "{err:?}");
    err
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "storkit-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl() -> Option<PathBuf> {
    let candidate = PathBuf::from("/usr/bin/openssl");
    if candidate.exists() {
        return Some(candidate);
    }
    let found = Command::new("openssl").arg("version").output().ok()?;
    found.status.success().then(|| PathBuf::from("openssl"))
}

/// Runs exactly what a new user runs (OpenSSL 1.1.1 and 3.x spell the option `-addext`).
fn openssl_req_x509(openssl: &Path, dir: &Path, stem: &str) -> Identity {
    let key = dir.join(format!("{stem}-key.pem"));
    let cert = dir.join(format!("{stem}.pem"));
    let output = Command::new(openssl)
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-days", "30", "-subj", "/CN=array.example.test"])
        .args(["-addext", "subjectAltName=DNS:array.example.test"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Identity::from_pem(
        std::fs::read_to_string(&cert).unwrap(),
        &std::fs::read(&key).unwrap(),
    )
}

/// The three checks of the issue, for one way of making certificates.
async fn the_array_certificate_as_ca_file(
    dir: &TempDir,
    array: &Identity,
    other: &Identity,
    first_ip: u8,
) {
    let array_pem = dir.write("array.pem", &array.cert_pem);
    let other_pem = dir.write("other.pem", &other.cert_pem);

    // 1. The exported certificate as the CA file: accepted.
    let node = ip(first_ip);
    let port = serve(node, &array.cert, &array.key).await;
    let body = get(
        HOST,
        node,
        port,
        TlsPolicy::custom_ca_file(&array_pem).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(body, "ok");

    // 2. Another self-signed certificate in the CA file: refused, in plain words.
    let err = assert_tls_error(
        get(
            HOST,
            node,
            port,
            TlsPolicy::custom_ca_file(&other_pem).unwrap(),
        )
        .await,
    );
    let text = err.to_string();
    assert!(
        text.contains("self-signed CA certificate that is not trusted"),
        "{text}"
    );
    assert!(text.contains("TlsPolicy::custom_ca_file"), "{text}");

    // 3. The right certificate, but the server signs with another key: the handshake
    //    signature gives it away.
    let node = ip(first_ip + 1);
    let port = serve(node, &array.cert, &other.key).await;
    let err = assert_tls_error(
        get(
            HOST,
            node,
            port,
            TlsPolicy::custom_ca_file(&array_pem).unwrap(),
        )
        .await,
    );
    let text = err.to_string();
    assert!(text.contains("signature does not verify"), "{text}");
    assert!(text.contains("private key"), "{text}");
}

#[tokio::test]
async fn an_openssl_req_x509_certificate_works_as_the_ca_file() {
    let Some(openssl) = openssl() else {
        eprintln!("openssl not found: the rcgen variant of this test still runs");
        return;
    };
    let dir = TempDir::new("openssl-self-signed");
    let array = openssl_req_x509(&openssl, dir.path(), "array");
    let other = openssl_req_x509(&openssl, dir.path(), "other");
    the_array_certificate_as_ca_file(&dir, &array, &other, 10).await;
}

#[tokio::test]
async fn an_rcgen_self_signed_ca_certificate_works_as_the_ca_file() {
    let dir = TempDir::new("rcgen-self-signed");
    let array = Identity::rcgen_self_signed(HOST);
    let other = Identity::rcgen_self_signed(HOST);
    the_array_certificate_as_ca_file(&dir, &array, &other, 20).await;
}

#[tokio::test]
async fn the_exact_certificate_must_still_name_the_host() {
    let array = Identity::rcgen_self_signed(HOST);
    let node = ip(30);
    let port = serve(node, &array.cert, &array.key).await;
    let policy = TlsPolicy::custom_ca_pem(&array.cert_pem).unwrap();
    let err = assert_tls_error(get("other.example.test", node, port, policy).await);
    let text = err.to_string();
    assert!(
        text.contains("the server's certificate is not valid for \"other.example.test\""),
        "{text}"
    );
    assert!(text.contains("(it names \"array.example.test\")"), "{text}");
    assert!(text.contains("ClientBuilder::nodes"), "{text}");
    assert!(text.contains("TlsPolicy::pinned"), "{text}");
}

#[tokio::test]
async fn an_unknown_issuer_is_explained() {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "array vendor CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let issuer = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![HOST.to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let identity = Identity::from_pem(leaf.pem(), leaf_key.serialize_pem().as_bytes());

    let node = ip(31);
    let port = serve(node, &identity.cert, &identity.key).await;
    let unrelated = Identity::rcgen_self_signed(HOST);
    let policy = TlsPolicy::custom_ca_pem(&unrelated.cert_pem).unwrap();
    let err = assert_tls_error(get(HOST, node, port, policy).await);
    assert_eq!(
        err.to_string(),
        format!(
            "GET / (node {node}): TLS handshake failed: the server's certificate is not signed \
             by a trusted authority (self-signed?): pass the array's certificate or its CA with \
             TlsPolicy::custom_ca_file, or pin it with TlsPolicy::pinned(\"AB:CD:...\") (the \
             SHA-256 fingerprint `openssl x509 -noout -fingerprint -sha256` prints)"
        )
    );
}

#[tokio::test]
async fn a_pin_mismatch_shows_the_presented_fingerprint() {
    let array = Identity::rcgen_self_signed(HOST);
    let node = ip(32);
    let port = serve(node, &array.cert, &array.key).await;
    let wrong = Pin::from_bytes([0xAB; 32]);
    let policy = TlsPolicy::pinned([wrong.to_string()]).unwrap();
    let err = assert_tls_error(get(HOST, node, port, policy).await);
    let text = err.to_string();
    let presented = Pin::of_der(&array.cert);
    assert!(
        text.contains(&format!("it presented SHA-256 {presented}")),
        "{text}"
    );
    assert!(
        text.contains("none of the 1 pinned fingerprint(s)"),
        "{text}"
    );
    assert!(!text.contains(&wrong.to_string()), "{text}");

    // The fingerprint shown is the one to pin.
    let policy = TlsPolicy::pinned([presented.to_string()]).unwrap();
    assert_eq!(get(HOST, node, port, policy).await.unwrap(), "ok");
}

#[tokio::test]
async fn an_expired_exact_certificate_says_expired() {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![HOST.to_owned()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 6, 30);
    let cert = params.self_signed(&key).unwrap();
    let expired = Identity::from_pem(cert.pem(), key.serialize_pem().as_bytes());

    let node = ip(33);
    let port = serve(node, &expired.cert, &expired.key).await;
    let policy = TlsPolicy::custom_ca_pem(&expired.cert_pem).unwrap();
    let err = assert_tls_error(get(HOST, node, port, policy).await);
    let text = err.to_string();
    assert!(
        text.contains("the server's certificate expired on 2021-06-30 00:00:00 UTC"),
        "{text}"
    );
    assert!(text.contains("renew it on the array"), "{text}");
}

#[tokio::test]
async fn a_plain_http_port_is_explained() {
    let node = ip(34);
    let listener = TcpListener::bind(SocketAddr::new(node, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let policy = TlsPolicy::custom_ca_pem(Identity::rcgen_self_signed(HOST).cert_pem).unwrap();
    let err = assert_tls_error(get(HOST, node, port, policy).await);
    let text = err.to_string();
    assert!(text.contains("did not answer with valid TLS"), "{text}");
    assert!(text.contains("http:// URL"), "{text}");
}
