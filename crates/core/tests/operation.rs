//! One operation over real sockets: exact request targets, the retry safety rule, resends
//! after an unknown outcome, replayable uploads, idle timeouts, the operation deadline,
//! other names of one system, and one credential refresh for many 401s.
//! Loopback addresses: 127.0.6.0/24.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use storkit_core::auth::{Authenticator, BoxFuture, RefreshGate, sensitive_value};
use storkit_core::http::header::AUTHORIZATION;
use storkit_core::http::{HeaderMap, Method, StatusCode};
use storkit_core::request::RequestPath;
use storkit_core::{
    Body, Classifier, Client, Error, ErrorKind, Outcome, Phase, QueryStyle, Request, RequestView,
    RetryBudget, RetryPolicy, TlsPolicy, Verdict,
};
use storkit_mock::demo::DemoApp;
use storkit_mock::{Fault, FaultAction, MockServer, ServerConfig, TlsSettings};
use tokio::time::Instant;

mod support;
use support::ReceiverStream;

const FQDN: &str = "array.example.test";
const ADMIN: &str = "admin.array.example.test";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 6, last])
}

async fn demo(ips: &[u8]) -> MockServer {
    MockServer::start(
        ServerConfig::new()
            .ips(ips.iter().map(|i| ip(*i)))
            .tls(TlsSettings::new([FQDN, ADMIN])),
        DemoApp::new(),
    )
    .await
    .unwrap()
}

fn client(server: &MockServer) -> storkit_core::ClientBuilder {
    Client::builder(format!("https://{FQDN}:{}", server.port()))
        .nodes(server.ips())
        .tls(TlsPolicy::custom_ca_pem(server.tls().unwrap().ca_pem()).unwrap())
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(storkit_core::backoff::Backoff::exponential(
                    Duration::from_millis(10),
                    2.0,
                    Duration::from_millis(50),
                ))
                .with_max_attempts(4),
        )
}

fn echo(r: &storkit_core::Response) -> serde_json::Value {
    r.json().unwrap()
}

// ---------------------------------------------------------------- request targets

#[tokio::test]
async fn a_hash_in_a_path_is_sent_encoded_never_dropped() {
    let server = demo(&[1]).await;
    let c = client(&server).build().unwrap();
    let _ = c.send(Request::delete("/rest/a#b c")).await.unwrap();
    assert_eq!(server.log().last().unwrap().path, "/rest/a%23b%20c");
    let _ = c.send(Request::get("/rest/x?y")).await.unwrap();
    let last = server.log().last().unwrap();
    assert_eq!(last.path, "/rest/x%3Fy");
    assert_eq!(last.query, None);

    // An encoded path with a character no target can carry is refused, not changed.
    let err = c
        .send(Request::get(RequestPath::encoded("/rest/a b")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(server.log().len(), 2, "nothing was sent");
}

#[tokio::test]
async fn query_styles_on_the_wire() {
    let server = demo(&[2]).await;
    let form = client(&server).build().unwrap();
    let rfc = client(&server)
        .query_style(QueryStyle::Rfc3986)
        .build()
        .unwrap();
    let request = || {
        Request::get("/echo")
            .query("q", "a b+c")
            .query("state", "!failed|<3")
    };
    let r = form.send(request()).await.unwrap();
    assert_eq!(echo(&r)["query"], "q=a+b%2Bc&state=%21failed%7C%3C3");
    let r = rfc.send(request()).await.unwrap();
    assert_eq!(echo(&r)["query"], "q=a%20b%2Bc&state=!failed%7C%3C3");
    // A request may choose its own style.
    let r = form
        .send(request().query_style(QueryStyle::Rfc3986))
        .await
        .unwrap();
    assert_eq!(echo(&r)["query"], "q=a%20b%2Bc&state=!failed%7C%3C3");
}

fn percent_decode(s: &str) -> String {
    storkit_core::encode::percent_decode(s).expect("the server saw a malformed escape")
}

#[test]
fn any_unicode_path_arrives_as_given() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(demo(&[3]));
    let c = client(&server).build().unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    });
    runner
        .run(&"(/\\PC{0,12}){1,4}", |path| {
            let _response = rt
                .block_on(c.send(Request::get(RequestPath::literal(&path))))
                .unwrap();
            let seen = server.log().last().unwrap().path;
            prop_assert_eq!(percent_decode(&seen), path);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------- retry safety

/// Says "retry" to everything, and records what it saw.
#[derive(Debug, Default, Clone)]
struct Insistent {
    seen: Arc<Mutex<Vec<(u32, bool)>>>,
}

impl Classifier for Insistent {
    fn classify(&self, request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        self.seen
            .lock()
            .unwrap()
            .push((request.attempt, request.resend_after_unknown));
        match outcome {
            Outcome::Response { status, .. } if status.is_success() => None,
            _ => Some(Verdict::Retry { after: None }),
        }
    }
}

#[tokio::test]
async fn a_classifier_cannot_resend_a_post_that_may_have_landed() {
    let server = demo(&[4]).await;
    let insistent = Insistent::default();
    let c = client(&server)
        .classifier(insistent.clone())
        .build()
        .unwrap();
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::POST)
            .times(1),
    );
    let err = c
        .send(Request::post("/echo").body("create once"))
        .await
        .unwrap_err();
    assert_eq!(err.phase(), Phase::MaybeSent);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.log().len(), 1, "the POST was sent exactly once");

    // The same classifier may resend an idempotent request, and the second attempt is
    // marked as a resend after an unknown outcome.
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    insistent.seen.lock().unwrap().clear();
    let r = c
        .send(Request::put("/sink").body("same twice"))
        .await
        .unwrap();
    assert_eq!(r.attempts(), 2);
    assert_eq!(*insistent.seen.lock().unwrap(), vec![(1, false), (2, true)]);
    // The caller learns it too: a 409 to this answer would be the trace of attempt 1.
    assert!(r.resent_after_unknown_outcome());
    let first_time = c.send(Request::put("/sink").body("once")).await.unwrap();
    assert!(!first_time.resent_after_unknown_outcome());
}

#[tokio::test]
async fn idempotency_is_a_client_and_a_request_choice() {
    let server = demo(&[5]).await;
    // A server whose PUT creates versions: only GET may be sent twice.
    let c = client(&server)
        .idempotent_methods([Method::GET])
        .build()
        .unwrap();
    let fail_put = || {
        server.faults().add(
            Fault::new(FaultAction::CloseBeforeResponse)
                .on_method(Method::PUT)
                .times(1),
        )
    };
    fail_put();
    let err = c.send(Request::put("/sink").body("v1")).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Io, 1));
    fail_put();
    let r = c
        .send(Request::put("/sink").body("v1").idempotent(true))
        .await
        .unwrap();
    assert_eq!(r.attempts(), 2);
}

#[tokio::test]
async fn a_retry_policy_per_request() {
    let server = demo(&[6]).await;
    let c = client(&server).build().unwrap();
    let busy = || {
        server
            .faults()
            .add(Fault::new(FaultAction::service_unavailable(None)).times(1))
    };
    busy();
    let r = c
        .send(Request::get("/echo").retry_policy(RetryPolicy::never()))
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.attempts()), (503, 1));
    busy();
    let r = c.send(Request::get("/echo")).await.unwrap();
    assert_eq!((r.status().as_u16(), r.attempts()), (200, 2));
}

// ---------------------------------------------------------------- uploads

fn chunks(n: usize, size: usize) -> Vec<io::Result<Bytes>> {
    (0..n)
        .map(|i| Ok(Bytes::from(vec![i as u8; size])))
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn uploads_fail_over_to_the_next_node() {
    let server = demo(&[7, 8]).await;
    server.stop_node(ip(7)).unwrap();
    let c = client(&server).build().unwrap();
    let dir = std::env::temp_dir().join(format!("storkit-upload-{}", std::process::id()));
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    tokio::fs::write(&dir, &data).await.unwrap();

    for _ in 0..2 {
        // Whichever node round robin offers first, the file arrives whole.
        let r = c
            .send(Request::put("/sink").body(Body::from_file(&dir).await.unwrap()))
            .await
            .unwrap();
        let sink: serde_json::Value = r.json().unwrap();
        assert_eq!(sink["len"], 300_000);
        assert_eq!(sink["sha256"], sha256_hex(&data));
        assert_eq!(r.node(), ip(8));
    }
    // A one-shot stream fails over too when the dead node read nothing from it.
    for _ in 0..2 {
        let stream = futures_stream(chunks(4, 1000));
        let r = c
            .send(Request::post("/sink").body(Body::from_stream(stream, Some(4000))))
            .await
            .unwrap();
        assert_eq!(r.json::<serde_json::Value>().unwrap()["len"], 4000);
    }
    let _ = tokio::fs::remove_file(&dir).await;
}

#[tokio::test]
async fn a_replayable_upload_is_retried_and_a_read_stream_is_not() {
    let server = demo(&[9]).await;
    let c = client(&server).build().unwrap();
    let opened = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&opened);
    let body = Body::replayable(Some(3000), move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async {
            Ok(Body::from_stream(
                futures_stream(chunks(3, 1000)),
                Some(3000),
            ))
        }
    });
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let r = c.send(Request::put("/sink").body(body)).await.unwrap();
    assert_eq!(r.attempts(), 2);
    assert_eq!(opened.load(Ordering::SeqCst), 2, "opened once per attempt");
    assert_eq!(r.json::<serde_json::Value>().unwrap()["len"], 3000);

    // A one-shot stream the server read is never resent, even for an idempotent PUT.
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let before = server.log().len();
    let err = c
        .send(Request::put("/sink").body(Body::from_stream(
            futures_stream(chunks(3, 1000)),
            Some(3000),
        )))
        .await
        .unwrap_err();
    assert_eq!(err.phase(), Phase::MaybeSent);
    assert_eq!(server.log().len(), before + 1);
}

/// A stream over chunks that waits `gap` before each.
fn paced(
    chunks: Vec<io::Result<Bytes>>,
    gap: Duration,
) -> impl futures_core::Stream<Item = io::Result<Bytes>> + Send {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for c in chunks {
            tokio::time::sleep(gap).await;
            if tx.send(c).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream(rx)
}

fn futures_stream(
    chunks: Vec<io::Result<Bytes>>,
) -> impl futures_core::Stream<Item = io::Result<Bytes>> + Send {
    paced(chunks, Duration::ZERO)
}

#[tokio::test]
async fn a_steady_upload_outlives_the_attempt_timeout_and_a_stalled_one_ends() {
    let server = demo(&[10]).await;
    let c = client(&server)
        .request_timeout(Duration::from_millis(600))
        .stream_idle_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    // Ten chunks 150 ms apart: 1.5 s in all, over twice the attempt timeout.
    let steady = paced(chunks(10, 100), Duration::from_millis(150));
    let r = c
        .send(Request::put("/sink").body(Body::from_stream(steady, Some(1000))))
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().unwrap()["len"], 1000);

    // A stream that stops after its first chunk fails after the idle timeout.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(Ok(Bytes::from_static(b"first"))).await.unwrap();
    let started = Instant::now();
    let err = c
        .send(Request::put("/sink").body(Body::from_stream(ReceiverStream(rx), Some(1000))))
        .await
        .unwrap_err();
    drop(tx);
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("idle_timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_steady_download_outlives_the_attempt_timeout_and_a_stalled_one_ends() {
    let steady = |req: storkit_core::http::Request<hyper::body::Incoming>, _ctx| async move {
        let stall = req.uri().path() == "/stall";
        let (tx, body) = storkit_mock::body::channel(1);
        tokio::spawn(async move {
            for i in 0..8u8 {
                if stall && i == 1 {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
                if tx.send(Bytes::from(vec![i; 10])).await.is_err() {
                    return;
                }
            }
        });
        storkit_core::http::Response::new(body)
    };
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip(11)])
            .tls(TlsSettings::new([FQDN])),
        steady,
    )
    .await
    .unwrap();
    let c = client(&server)
        .request_timeout(Duration::from_millis(600))
        .stream_idle_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let mut r = c.send_streaming(Request::get("/steady")).await.unwrap();
    let mut n = 0;
    while let Some(chunk) = r.body_mut().chunk().await.unwrap() {
        n += chunk.len();
    }
    assert_eq!(n, 80, "1.2 s of steady chunks, twice the attempt timeout");

    let mut r = c.send_streaming(Request::get("/stall")).await.unwrap();
    let first = r.body_mut().chunk().await.unwrap();
    assert!(first.is_some());
    let err = r.body_mut().chunk().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("idle_timeout"), "{err}");
}

// ---------------------------------------------------------------- deadlines

#[tokio::test]
async fn the_operation_deadline_bounds_attempts_and_backoff() {
    let server = demo(&[12, 13]).await;
    server
        .faults()
        .add(Fault::new(FaultAction::DelayHeaders(Duration::from_secs(
            5,
        ))));
    let c = client(&server)
        .request_timeout(Duration::from_millis(400))
        .retry_policy(RetryPolicy::default().with_max_attempts(50))
        .operation_timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.send(Request::get("/echo")).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(2500),
        "took {took:?}"
    );
    assert!(err.attempts() >= 2, "it retried within the deadline");

    // Per request, shorter.
    let started = Instant::now();
    let err = c
        .send(Request::get("/echo").operation_timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.attempts(), 1);
    assert!(started.elapsed() < Duration::from_millis(900));
}

/// Never answers.
#[derive(Debug)]
struct SilentDns;

impl storkit_core::resolve::Resolve for SilentDns {
    fn resolve<'a>(
        &'a self,
        _host: &'a str,
    ) -> BoxFuture<'a, Result<storkit_core::resolve::Resolved, storkit_core::BoxError>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(start_paused = true)]
async fn the_operation_deadline_bounds_the_dns_wait() {
    let c = Client::builder(format!("https://{FQDN}:443"))
        .resolver(SilentDns)
        .resolve_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.send(Request::get("/")).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.phase(), Phase::NotSent);

    // Without an operation deadline the resolve timeout ends the wait.
    let c = Client::builder(format!("https://{FQDN}:443"))
        .resolver(SilentDns)
        .resolve_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.send(Request::get("/")).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Resolve);
    assert!(err.to_string().contains("resolve_timeout"), "{err}");
}

// ---------------------------------------------------------------- names of one system

#[tokio::test]
async fn other_names_share_nodes_and_health_but_not_connections() {
    let server = demo(&[14, 15]).await;
    let data = client(&server).build().unwrap();
    let admin = data.with_host(ADMIN).unwrap();
    assert_eq!(admin.host(), ADMIN);

    let r = admin.send(Request::get("/echo")).await.unwrap();
    let seen = echo(&r);
    assert_eq!(seen["sni"], ADMIN);
    assert!(seen["host"].as_str().unwrap().starts_with(ADMIN));
    let r = data.send(Request::get("/echo").host(ADMIN)).await.unwrap();
    assert_eq!(echo(&r)["sni"], ADMIN, "a name per request");
    let r = data.send(Request::get("/echo")).await.unwrap();
    assert_eq!(echo(&r)["sni"], FQDN);

    // Two requests per name on each node: each name opens its own connections.
    for c in [&data, &admin, &data, &admin] {
        c.send(Request::get("/echo")).await.unwrap();
    }
    let by_name = |name: &str| -> std::collections::BTreeSet<u64> {
        server
            .log()
            .entries()
            .iter()
            .filter(|e| e.sni.as_deref() == Some(name))
            .map(|e| e.conn_id)
            .collect()
    };
    assert!(by_name(FQDN).is_disjoint(&by_name(ADMIN)));

    // Health is shared: a node that failed for one name is set aside for the other.
    server.stop_node(ip(14)).unwrap();
    for _ in 0..2 {
        admin.send(Request::get("/echo")).await.unwrap();
    }
    assert!(data.nodes().iter().any(|n| n.ip == ip(14) && n.set_aside));
    let before = server.log().len();
    for _ in 0..4 {
        let r = data.send(Request::get("/echo")).await.unwrap();
        assert_eq!(r.node(), ip(15));
        assert_eq!(r.attempts(), 1, "no attempt wasted on the set-aside node");
    }
    assert_eq!(server.log().len(), before + 4);
    assert!(data.with_host("bad name").is_err());
}

// ---------------------------------------------------------------- one refresh

/// `Authorization: Token <n>`; the server accepts only the newest token.
#[derive(Debug)]
struct Rotating {
    token: Mutex<u32>,
    gate: RefreshGate,
    logins: AtomicU32,
}

impl Authenticator for Rotating {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let n = *self.token.lock().unwrap();
        headers.insert(AUTHORIZATION, sensitive_value(&format!("Token {n}"))?);
        Ok(())
    }

    fn generation(&self) -> u64 {
        self.gate.generation()
    }

    fn refresh(&self, stamped: u64) -> BoxFuture<'_, Result<bool, Error>> {
        Box::pin(self.gate.refresh(stamped, || async {
            self.logins.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            *self.token.lock().unwrap() += 1;
            Ok(true)
        }))
    }
}

#[derive(Debug)]
struct On401;

impl Classifier for On401 {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        match outcome {
            Outcome::Response { status, .. } if status.as_u16() == 401 => {
                Some(Verdict::Reauthenticate)
            }
            _ => None,
        }
    }
}

#[tokio::test]
async fn concurrent_401s_make_one_refresh_and_every_request_succeeds() {
    let current = Arc::new(AtomicU32::new(1));
    let server_current = Arc::clone(&current);
    let handler = move |req: storkit_core::http::Request<hyper::body::Incoming>, _ctx| {
        let current = server_current.load(Ordering::SeqCst);
        let ok = req
            .headers()
            .get("authorization")
            .is_some_and(|v| v == format!("Token {current}").as_str());
        async move {
            storkit_mock::reply::status(if ok {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            })
        }
    };
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip(16)])
            .tls(TlsSettings::new([FQDN])),
        handler,
    )
    .await
    .unwrap();
    let auth = Arc::new(Rotating {
        token: Mutex::new(1),
        gate: RefreshGate::new(),
        logins: AtomicU32::new(0),
    });
    let c = client(&server)
        .auth_shared(auth.clone())
        .classifier(On401)
        .build()
        .unwrap();
    assert_eq!(c.send(Request::get("/x")).await.unwrap().status(), 200);

    // The server forgets token 1; sixteen requests see it rejected at about once.
    current.store(2, Ordering::SeqCst);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.send(Request::get("/x")).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(
        auth.logins.load(Ordering::SeqCst),
        1,
        "one refresh for sixteen 401s"
    );
}

// ---------------------------------------------------------------- TLS after sending

#[tokio::test]
async fn a_tls_failure_after_the_request_was_written_is_maybe_sent() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let tls = storkit_mock::ServerTls::generate(&[FQDN.to_owned()], &[]).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config());
    let listener = tokio::net::TcpListener::bind((ip(17), 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                // The request is in; now a record that cannot be decrypted, written
                // below TLS: the client's TLS layer fails after it sent the request.
                let (mut tcp, _) = tls.into_inner();
                let mut record = vec![0x17, 0x03, 0x03, 0x00, 0x20];
                record.extend_from_slice(&[0x42; 32]);
                let _ = tcp.write_all(&record).await;
                let _ = tcp.flush().await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            });
        }
    });
    let c = Client::builder(format!("https://{FQDN}:{port}"))
        .nodes([ip(17)])
        .tls(TlsPolicy::custom_ca_pem(tls.ca_pem()).unwrap())
        .build()
        .unwrap();
    let err = c.send(Request::post("/x").body("once")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(err.phase(), Phase::MaybeSent, "{err}");
    assert_eq!(received.load(Ordering::SeqCst), 1, "sent once, never again");
}

#[tokio::test]
async fn an_operation_whose_earlier_attempt_may_have_landed_never_reports_not_sent() {
    let server = Arc::new(demo(&[18]).await);
    let c = client(&server)
        .retry_policy(RetryPolicy::default().with_max_attempts(3).with_backoff(
            storkit_core::backoff::Backoff::exponential(
                Duration::from_millis(300),
                1.0,
                Duration::from_millis(300),
            ),
        ))
        .build()
        .unwrap();
    // The first PUT is read and left unanswered; then the node goes away, so the resends
    // fail to connect.
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let stopper = Arc::clone(&server);
    tokio::spawn(async move {
        stopper.log().wait_for(1, Duration::from_secs(5)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        stopper.stop_node(ip(18)).unwrap();
    });
    let err = c.send(Request::put("/sink").body("v")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert!(err.attempts() >= 2);
    assert_eq!(
        err.phase(),
        Phase::MaybeSent,
        "the first attempt may have landed"
    );
}

// ---------------------------------------------------------------- retry budgets

/// Retries every 503 for as long as the operation is younger than `within`.
#[derive(Debug)]
struct BusyFor {
    within: Duration,
}

impl Classifier for BusyFor {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        match outcome {
            Outcome::Response { status, .. } if status.as_u16() == 503 => {
                Some(Verdict::RetryWithin {
                    after: None,
                    within: self.within,
                })
            }
            _ => None,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_wait_of_its_own_outlasts_the_time_limit_and_ends_at_its_limit() {
    let server = demo(&[19]).await;
    let c = client(&server)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(100)
                .with_max_elapsed(Duration::from_secs(5))
                .with_backoff(storkit_core::backoff::Backoff::exponential(
                    Duration::from_secs(10),
                    1.0,
                    Duration::from_secs(10),
                )),
        )
        .classifier(BusyFor {
            within: Duration::from_secs(600),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let r = c.send(Request::get("/status/503")).await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Retries at 10, 20, ... 600 s: 60 of them, far past max_elapsed; none starts after
    // 600 s.
    assert_eq!(r.attempts(), 61);
    assert_eq!(started.elapsed(), Duration::from_secs(600));

    // A budget shared by two requests: the second starts where the first left off.
    let budget = RetryBudget::start();
    tokio::time::sleep(Duration::from_secs(590)).await;
    let r = c
        .send(Request::get("/status/503").retry_budget(&budget))
        .await
        .unwrap();
    assert_eq!(r.attempts(), 2, "one retry fits in the last 10 s");
    assert_eq!(budget.retries(), 1);
    let r = c
        .send(Request::get("/status/503").retry_budget(&budget))
        .await
        .unwrap();
    assert_eq!(r.attempts(), 1, "the budget is spent");

    // The attempt limit still holds: `RetryPolicy::never()` means never, a classifier's
    // own wait included.
    let never = client(&server)
        .retry_policy(RetryPolicy::never())
        .classifier(BusyFor {
            within: Duration::from_secs(600),
        })
        .build()
        .unwrap();
    let r = never.send(Request::get("/status/503")).await.unwrap();
    assert_eq!(r.attempts(), 1);
    let five = client(&server)
        .retry_policy(RetryPolicy::default().with_max_attempts(5))
        .classifier(BusyFor {
            within: Duration::from_secs(600),
        })
        .build()
        .unwrap();
    let r = five.send(Request::get("/status/503")).await.unwrap();
    assert_eq!(r.attempts(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_wait_of_its_own_never_resends_a_post_that_may_have_landed() {
    let server = demo(&[20]).await;
    let c = client(&server).classifier(BusyForErrors).build().unwrap();
    server.faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::POST)
            .times(1),
    );
    let err = c
        .send(Request::post("/echo").body("create once"))
        .await
        .unwrap_err();
    assert_eq!(err.phase(), Phase::MaybeSent);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.log().len(), 1);
}

/// Asks for a long wait after any failure without a response.
#[derive(Debug)]
struct BusyForErrors;

impl Classifier for BusyForErrors {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        matches!(outcome, Outcome::Error(_)).then_some(Verdict::RetryWithin {
            after: None,
            within: Duration::from_secs(7200),
        })
    }
}
