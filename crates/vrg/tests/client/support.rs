//! What every test module shares: the mock on its own 127.0.11.x address, a client of it
//! with quick polls, VM UUIDs in the mock's form, the request log, and a stream reader.

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
use sha2::{Digest, Sha256};
use storkit_core::backoff::Backoff;
use storkit_core::http::Method;
use storkit_core::poll::PollPolicy;
use storkit_core::{Error, ErrorKind, RetryPolicy};
use storkit_mock::LoggedRequest;
use storkit_vrg::model::{
    DrExtParams, DrStrategy, DrVolume, ProductionStrategy, ProductionVolume, VmUuid, VolType,
};
use storkit_vrg::{VrgClient, VrgClientBuilder, VrgError, VrgErrorExt};
use storkit_vrg_mock::{VrgConfig, VrgMock};

pub(crate) const USER: &str = "admin";
pub(crate) const PASSWORD: &str = "Huawei@CLOUD8!";
/// What every request but `GET /versions` sends as `Accept`.
pub(crate) const ACCEPT: &str = "application/json; version=v1.0; charset=UTF-8";
/// `Content-Type` of every body.
pub(crate) const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// `127.0.11.<last>`: this binary's addresses (1-199; each test its own).
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 11, last))
}

/// A mock on `127.0.11.<last>`, ephemeral port, the test user, after `adjust`.
pub(crate) async fn start(last: u8, adjust: impl FnOnce(VrgConfig) -> VrgConfig) -> VrgMock {
    let config = VrgConfig::new().ip(ip(last)).user(USER, PASSWORD);
    VrgMock::start(adjust(config))
        .await
        .expect("the mock starts")
}

/// Polls and retries quickly (the mock's delays are tens of milliseconds).
pub(crate) fn quick_poll() -> PollPolicy {
    PollPolicy::default()
        .with_backoff(Backoff::exponential(
            Duration::from_millis(10),
            1.5,
            Duration::from_millis(100),
        ))
        .with_deadline(Duration::from_secs(30))
}

pub(crate) fn quick_retry() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::exponential(
        Duration::from_millis(5),
        2.0,
        Duration::from_millis(50),
    ))
}

/// A builder for `mock` with the test user's credentials and quick polls.
pub(crate) fn builder(mock: &VrgMock) -> VrgClientBuilder {
    VrgClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .poll_policy(quick_poll())
        .retry_policy(quick_retry())
}

pub(crate) fn client(mock: &VrgMock) -> VrgClient {
    builder(mock).build().expect("the client builds")
}

/// The `X-Auth-Key` of `password`, computed here: lowercase hex SHA-256 of its UTF-8 bytes.
pub(crate) fn key_of(password: &str) -> String {
    sha256_hex(password.as_bytes())
}

/// SHA-256 of `bytes`, lowercase hex (also what the request log records of a body).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// VM number `n` in the mock's 8-4-4-4-12 hex form.
pub(crate) fn vm(n: u32) -> VmUuid {
    VmUuid::new(format!("00000000-0000-4000-8000-{n:012x}")).expect("a VM UUID")
}

/// A production configuration of `vm` with `volumes` volumes (slots 1..).
pub(crate) fn production(vm: &VmUuid, volumes: u8) -> ProductionStrategy {
    ProductionStrategy::new(vm.clone())
        .vm_id("i-0000027D")
        .vm_name("web01")
        .compress(true)
        .volumes((1..=volumes).map(|n| ProductionVolume::new(format!("{vm}-vol{n}")).seq_num(n)))
}

/// A DR configuration of `vm` with one volume, every optional field set.
pub(crate) fn dr(vm: &VmUuid) -> DrStrategy {
    DrStrategy::new(vm.clone(), Ipv4Addr::new(192, 168, 10, 31), 8300)
        .vm_name("web01")
        .host_urn("urn:sites:3F7B07E2:hosts:12")
        .volume(
            DrVolume::new(
                format!("{vm}-vol1"),
                "/POME/datastore_131/vol/vol_a/vol_a.vhd",
            )
            .ds_urn("urn:sites:3F7B07E2:datastores:131")
            .vol_type(VolType::LocalPome)
            .seq_num(1)
            .dr_ext_params(DrExtParams::new("1.1.1.1", "1")),
        )
}

/// The request log.
pub(crate) fn log(mock: &VrgMock) -> Vec<LoggedRequest> {
    mock.server().log().entries()
}

/// How many requests `method path` (path under `/vrgservice`) the mock saw.
pub(crate) fn count(mock: &VrgMock, method: Method, path: &str) -> usize {
    let full = format!("/vrgservice{path}");
    mock.server()
        .log()
        .count_where(|e| e.method == method && e.path == full)
}

/// The requests `method path` (path under `/vrgservice`), oldest first.
pub(crate) fn requests(mock: &VrgMock, method: Method, path: &str) -> Vec<LoggedRequest> {
    let full = format!("/vrgservice{path}");
    log(mock)
        .into_iter()
        .filter(|e| e.method == method && e.path == full)
        .collect()
}

/// A header of a logged request, as text.
pub(crate) fn header<'a>(entry: &'a LoggedRequest, name: &str) -> Option<&'a str> {
    entry.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every `X-Auth-Token` value the mock was sent (the tokens it issued and the client used).
pub(crate) fn tokens_seen(mock: &VrgMock) -> Vec<String> {
    let mut tokens: Vec<String> = log(mock)
        .iter()
        .filter_map(|e| header(e, "x-auth-token").map(str::to_owned))
        .collect();
    tokens.dedup();
    tokens
}

/// The server's `errorDes` of an error answer.
pub(crate) fn description(e: &Error) -> Option<String> {
    match e.vrg() {
        Some(VrgError::Api { description, .. } | VrgError::Locked { description, .. }) => {
            description.clone()
        }
        _ => None,
    }
}

/// Asserts `result` is a refusal before sending naming `field`.
#[track_caller]
pub(crate) fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, field: &str) {
    let e = result.expect_err("refused before sending");
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.phase(), storkit_core::Phase::NotSent, "{e}");
    match e.vrg() {
        Some(VrgError::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{e}"),
        other => panic!("not an input refusal: {other:?} ({e})"),
    }
}

/// Every item of a stream.
pub(crate) async fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(item) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        out.push(item);
    }
    out
}

/// Waits (polling) until `check` holds; panics after `limit`.
pub(crate) async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits until connecting to `addr` is refused.
pub(crate) async fn wait_refused(addr: SocketAddr) {
    for _ in 0..1000 {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    panic!("{addr} still accepts connections");
}
