//! A plain hyper client over TLS trusting the mock's CA, connecting to node IPs and naming
//! the namespace in `Host`, as hcpsdk does; and a raw-socket sender for request targets
//! hyper refuses.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use storkit_hcp_mock::{HcpConfig, HcpMock, token};
use storkit_mock::{MockBody, body};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(crate) const DOMAIN: &str = "hcp1.example";
pub(crate) const N1: &str = "n1.m.hcp1.example";
pub(crate) const ADMIN: &str = "admin.hcp1.example";

/// `127.0.7.<last>`: this crate's test addresses.
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 7, last])
}

/// `Authorization: HCP …` for `n`/`n01`.
pub(crate) fn n_auth() -> String {
    format!("HCP {}", token("n", "n01"))
}

/// `Authorization: HCP …` for the administrator `service`/`service01`.
pub(crate) fn admin_auth() -> String {
    format!("HCP {}", token("service", "service01"))
}

pub(crate) type TlsClient = Client<HttpsConnector<HttpConnector>, MockBody>;

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

/// The sample system (`hcp1.example`, tenant `m`, namespaces `n1` and `n2`) on the given
/// node addresses, ephemeral ports, data port TLS.
pub(crate) struct Hcp {
    pub(crate) mock: HcpMock,
    client: TlsClient,
}

/// One answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The header names in wire order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.headers.keys().map(|k| k.as_str().to_owned()).collect()
    }
}

impl Hcp {
    pub(crate) async fn start(nodes: &[u8]) -> Self {
        Self::with(nodes, |c| c).await
    }

    pub(crate) async fn with(nodes: &[u8], adjust: impl FnOnce(HcpConfig) -> HcpConfig) -> Self {
        let config = HcpConfig::sample(DOMAIN)
            .ips(nodes.iter().map(|n| ip(*n)))
            .data_port(0)
            .mapi_port(0);
        let mock = HcpMock::start(adjust(config)).await.unwrap();
        let client = tls_client(&mock.ca_pem());
        Self { mock, client }
    }

    /// The data URL of node `i` plus `path`.
    pub(crate) fn data(&self, i: usize, path: &str) -> String {
        format!("{}{path}", self.mock.data_urls()[i])
    }

    /// The MAPI URL of node `i` plus `path`.
    pub(crate) fn mapi(&self, i: usize, path: &str) -> String {
        format!("{}{path}", self.mock.mapi_urls()[i])
    }

    /// Sends a request with a buffered body.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        data: &[u8],
    ) -> Reply {
        self.send_body(
            method,
            url,
            headers,
            body::full(Bytes::copy_from_slice(data)),
        )
        .await
    }

    pub(crate) async fn send_body(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: MockBody,
    ) -> Reply {
        send(&self.client, method, url, headers, body).await
    }

    /// A namespace request as user `n` to `n1`, on node 0.
    pub(crate) async fn n1(&self, method: Method, path: &str, data: &[u8]) -> Reply {
        let auth = n_auth();
        self.send(
            method,
            &self.data(0, path),
            &[("host", N1), ("authorization", &auth)],
            data,
        )
        .await
    }

    /// A MAPI request as the administrator on `admin.<domain>`, on node 0.
    pub(crate) async fn admin(&self, method: Method, path: &str, extra: &[(&str, &str)]) -> Reply {
        let auth = admin_auth();
        let mut headers = vec![("host", ADMIN), ("authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        self.send(method, &self.mapi(0, path), &headers, b"").await
    }
}

pub(crate) fn tls_client(ca_pem: &str) -> TlsClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(client_config(ca_pem))
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

pub(crate) async fn send(
    client: &TlsClient,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: MockBody,
) -> Reply {
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
        .await
        .expect("response in time")
        .expect("a response");
    let (parts, body) = response.into_parts();
    let body = tokio::time::timeout(Duration::from_secs(20), body.collect())
        .await
        .expect("body in time")
        .expect("a whole body")
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// Writes `request` as is on a new TLS connection (it should say `Connection: close`) and
/// returns everything the server sent.
pub(crate) async fn raw_tls(addr: SocketAddr, ca_pem: &str, request: &[u8]) -> String {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca_pem)));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::IpAddress(addr.ip().into()), tcp)
        .await
        .unwrap();
    tls.write_all(request).await.unwrap();
    tls.flush().await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}
