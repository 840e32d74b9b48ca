//! What every module shares: a mock on its own 127.0.14.x address (HTTPS, or plain HTTP
//! behind a recording relay), a client of it with quick job waits, the request log, a
//! licence file, a stream reader, and the checks of Deploy's error detail.

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_core::Stream;
use storkit_core::backoff::Backoff;
use storkit_core::http::{Method, StatusCode};
use storkit_mock::LoggedRequest;
use storkit_ontap_deploy::{
    DeployClient, DeployClientBuilder, Error, ErrorKind, JobPolicy, OntapError, OntapErrorExt,
    RetryPolicy, TlsPolicy,
};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub(crate) const USER: &str = "admin";
pub(crate) const PASSWORD: &str = "Netapp1!Admin";

/// `127.0.14.<last>`: this binary's addresses (1–199, each test its own).
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 14, last))
}

fn config(last: u8) -> DeployConfig {
    DeployConfig::new()
        .ip(ip(last))
        .user(USER, PASSWORD)
        .job_step(Duration::from_millis(20))
}

/// An HTTPS mock on `127.0.14.<last>`, ephemeral port, the test user, jobs moving every
/// 20 ms, after `adjust`.
pub(crate) async fn start(
    last: u8,
    adjust: impl FnOnce(DeployConfig) -> DeployConfig,
) -> DeployMock {
    DeployMock::start(adjust(config(last)))
        .await
        .expect("the mock starts")
}

/// A plain-HTTP mock on `127.0.14.<last>` (for the recording relay, which reads answers).
pub(crate) async fn start_plain(
    last: u8,
    adjust: impl FnOnce(DeployConfig) -> DeployConfig,
) -> DeployMock {
    DeployMock::start(adjust(config(last).tls(false)))
        .await
        .expect("the mock starts")
}

/// Job waits that follow the mock's quick steps: 5 ms before the first poll.
pub(crate) fn quick_jobs() -> JobPolicy {
    JobPolicy::default()
        .with_fallback(Backoff::exponential(
            Duration::from_millis(5),
            2.0,
            Duration::from_millis(50),
        ))
        .with_deadline(Duration::from_secs(60))
}

pub(crate) fn quick_retry() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::exponential(
        Duration::from_millis(5),
        2.0,
        Duration::from_millis(50),
    ))
}

/// A builder for `url` with the test user's credentials, quick job waits and retries, and
/// the mock's CA when it serves HTTPS.
pub(crate) fn builder_for(mock: &DeployMock, url: &str) -> DeployClientBuilder {
    let mut builder = DeployClient::builder(url)
        .credentials(USER, PASSWORD)
        .job_policy(quick_jobs())
        .retry_policy(quick_retry());
    if let Some(ca) = mock.ca_pem() {
        builder = builder.tls(TlsPolicy::custom_ca_pem(ca).expect("the mock's CA"));
    }
    builder
}

pub(crate) fn builder(mock: &DeployMock) -> DeployClientBuilder {
    builder_for(mock, &mock.url())
}

pub(crate) fn client(mock: &DeployMock) -> DeployClient {
    builder(mock).build().expect("the client builds")
}

/// The request log.
pub(crate) fn log(mock: &DeployMock) -> Vec<LoggedRequest> {
    mock.server().log().entries()
}

/// The requests `method path` (path under `/api/v3`), oldest first.
pub(crate) fn requests(mock: &DeployMock, method: Method, path: &str) -> Vec<LoggedRequest> {
    let full = format!("/api/v3{path}");
    log(mock)
        .into_iter()
        .filter(|e| e.method == method && e.path == full)
        .collect()
}

/// How many requests `method path` (path under `/api/v3`) the mock saw.
pub(crate) fn count(mock: &DeployMock, method: Method, path: &str) -> usize {
    requests(mock, method, path).len()
}

/// The query string of the latest `method path`.
pub(crate) fn last_query(mock: &DeployMock, method: Method, path: &str) -> String {
    requests(mock, method.clone(), path)
        .last()
        .unwrap_or_else(|| panic!("no {method} {path}"))
        .query
        .clone()
        .unwrap_or_default()
}

/// A licence file (NLF) with `serial`.
pub(crate) fn nlf(serial: &str) -> Vec<u8> {
    serde_json::json!({"statusResp": {"serialNumber": serial, "product": "ONTAP Select",
        "licenses": {"capacity": "10TB"}}})
    .to_string()
    .into_bytes()
}

/// Every item of a stream.
pub(crate) async fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(item) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        out.push(item);
    }
    out
}

/// The `Http` detail of an error answer: (status, code, message, request id).
#[track_caller]
pub(crate) fn http_detail(e: &Error) -> (u16, Option<String>, Option<String>, Option<String>) {
    match e.ontap() {
        Some(OntapError::Http {
            status,
            code,
            message,
            request_id,
        }) => (*status, code.clone(), message.clone(), request_id.clone()),
        other => panic!("not an error answer: {other:?} ({e})"),
    }
}

/// Asserts `e` is Deploy's error answer `status` with `code`, a message containing
/// `mentions`, the `kind`, and the `request-id` the relay saw on the last answer.
#[track_caller]
pub(crate) fn assert_answer(
    e: &Error,
    relay: &Relay,
    status: u16,
    code: &str,
    mentions: &str,
    kind: ErrorKind,
) {
    let (got_status, got_code, message, request_id) = http_detail(e);
    assert_eq!(got_status, status, "{e}");
    assert_eq!(got_code.as_deref(), Some(code), "{e}");
    let message = message.unwrap_or_else(|| panic!("no message: {e}"));
    assert!(message.contains(mentions), "{message:?} lacks {mentions:?}");
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.status(), StatusCode::from_u16(status).ok(), "{e}");
    let sent = relay.last_request_id();
    assert_eq!(request_id.as_deref(), Some(sent.as_str()), "{e}");
    assert_eq!(e.request_id(), Some(sent.as_str()), "{e}");
    assert!(e.to_string().contains(&message), "{e}");
}

/// A TCP relay in front of a plain-HTTP mock that records every byte the mock answers,
/// so tests can read the `request-id` headers the mock sent (the request log holds the
/// requests only).
pub(crate) struct Relay {
    addr: SocketAddr,
    answered: Arc<Mutex<Vec<u8>>>,
    task: JoinHandle<()>,
}

impl Relay {
    /// A relay on `ip` (ephemeral port) to `upstream`.
    pub(crate) async fn start(ip: IpAddr, upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind((ip, 0)).await.expect("the relay binds");
        let addr = listener.local_addr().expect("an address");
        let answered = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&answered);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let record = Arc::clone(&record);
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut from_server, mut to_server) = server.into_split();
                    let (mut from_client, mut to_client) = client.into_split();
                    let up = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                        let _ = to_server.shutdown().await;
                    });
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        match from_server.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                // Recorded before the client can read it.
                                record
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .extend_from_slice(&buf[..n]);
                                if to_client.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = to_client.shutdown().await;
                    up.abort();
                });
            }
        });
        Relay {
            addr,
            answered,
            task,
        }
    }

    /// `http://ip:port` of the relay.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every `request-id` header value the mock sent, in order.
    pub(crate) fn request_ids(&self) -> Vec<String> {
        let bytes = self
            .answered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        // JSON bodies carry no raw CR LF, so only header lines start after one.
        String::from_utf8_lossy(&bytes)
            .split("\r\n")
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("request-id")
                    .then(|| value.trim().to_owned())
            })
            .collect()
    }

    /// The `request-id` of the latest answer.
    pub(crate) fn last_request_id(&self) -> String {
        self.request_ids()
            .pop()
            .expect("the mock sent a request-id")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A plain-HTTP mock on `127.0.14.<last>`, a relay before it, and a client of the relay.
pub(crate) async fn relayed(
    last: u8,
    adjust: impl FnOnce(DeployConfig) -> DeployConfig,
) -> (DeployMock, Relay, DeployClient) {
    let mock = start_plain(last, adjust).await;
    let relay = Relay::start(ip(last), mock.addr()).await;
    let deploy = builder_for(&mock, &relay.url())
        .build()
        .expect("the client builds");
    (mock, relay, deploy)
}
