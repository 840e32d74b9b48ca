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
