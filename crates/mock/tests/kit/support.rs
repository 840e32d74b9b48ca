//! Clients and small helpers shared by the tests.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use storkit_mock::{BoxError, MockBody, body};

pub(crate) const NODE_A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11));
pub(crate) const NODE_B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 12));
pub(crate) const NODE_C: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 13));
pub(crate) const FQDN: &str = "array.example.test";

pub(crate) type PlainClient = Client<HttpConnector, MockBody>;
pub(crate) type TlsClient = Client<HttpsConnector<HttpConnector>, MockBody>;

pub(crate) fn plain_client() -> PlainClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub(crate) fn client_config(ca_pem: &str) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A client trusting only `ca_pem`; with `server_name`, SNI and the certificate check use that
/// name whatever IP the URL names.
pub(crate) fn tls_client(ca_pem: &str, server_name: Option<&str>) -> TlsClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let builder = HttpsConnectorBuilder::new()
        .with_tls_config(client_config(ca_pem))
        .https_only();
    let https = match server_name {
        Some(name) => builder
            .with_server_name_resolver(FixedServerNameResolver::new(
                ServerName::try_from(name.to_owned()).unwrap(),
            ))
            .enable_http1()
            .wrap_connector(http),
        None => builder.enable_http1().wrap_connector(http),
    };
    Client::builder(TokioExecutor::new()).build(https)
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

pub(crate) async fn send<C>(
    client: &Client<C, MockBody>,
    method: Method,
    url: &str,
    body: MockBody,
) -> Result<Reply, BoxError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let request = Request::builder().method(method).uri(url).body(body)?;
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request)).await??;
    let (parts, body) = response.into_parts();
    let body = tokio::time::timeout(Duration::from_secs(10), body.collect())
        .await??
        .to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

pub(crate) async fn get<C>(client: &Client<C, MockBody>, url: &str) -> Result<Reply, BoxError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    send(client, Method::GET, url, body::empty()).await
}

/// The raw JSON value of `key` in a flat-enough object: a string without its quotes
/// (escapes kept), or the literal token.
pub(crate) fn json_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut end = 0;
        let bytes = quoted.as_bytes();
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        Some(quoted[..end].to_owned())
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

/// The connection id the demo app's `/echo` reports.
pub(crate) fn echo_conn(reply: &Reply) -> u64 {
    json_field(reply.text(), "conn").unwrap().parse().unwrap()
}

/// Node addresses for the tests of the kit's second round: 127.0.3.0/24 only.
pub(crate) fn ip3(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 3, last))
}

/// One response read off a raw stream: status, head (as text) and body.
pub(crate) struct RawReply {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

/// Writes `request` as is and reads one response with a `Content-Length` body.
pub(crate) async fn raw_exchange<S>(stream: &mut S, request: &[u8]) -> RawReply
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    stream.write_all(request).await.unwrap();
    stream.flush().await.unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "EOF before a response head: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0);
    while raw.len() < head_end + len {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "EOF in a response body");
        raw.extend_from_slice(&buf[..n]);
    }
    assert_eq!(raw.len(), head_end + len, "bytes after the response");
    RawReply {
        status,
        head,
        body: raw[head_end..].to_vec(),
    }
}

/// A TLS stream to `addr`, trusting only `ca_pem`, sending `server_name` as SNI.
pub(crate) async fn tls_connect(
    addr: std::net::SocketAddr,
    ca_pem: &str,
    server_name: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca_pem)));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    connector
        .connect(ServerName::try_from(server_name.to_owned()).unwrap(), tcp)
        .await
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
