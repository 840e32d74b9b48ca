//! The transport over real sockets: four nodes on 127.0.0.x behind a loopback DNS server,
//! TLS with the mock's generated certificate, faults from the mock kit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use storkit_core::auth::{Authenticator, BoxFuture};
use storkit_core::http::{HeaderMap, StatusCode};
use storkit_core::resolve::{HickoryResolver, Resolve, Resolved};
use storkit_core::{
    BoxError, Classifier, Client, ClientBuilder, Error, ErrorKind, Outcome, Phase, Request,
    RequestView, RetryPolicy, TlsPolicy, Verdict,
};
use storkit_mock::demo::DemoApp;
use storkit_mock::{
    DnsFailure, DnsServer, Fault, FaultAction, MockServer, ServerConfig, TlsSettings,
};

const FQDN: &str = "array.example.test";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

fn ips(range: std::ops::RangeInclusive<u8>) -> Vec<IpAddr> {
    range.map(ip).collect()
}

struct Lab {
    server: MockServer,
    dns: DnsServer,
}

impl Lab {
    async fn start(node_ips: Vec<IpAddr>, dns_ips: Vec<IpAddr>) -> Lab {
        let server = MockServer::start(
            ServerConfig::new()
                .ips(node_ips)
                .tls(TlsSettings::new([FQDN])),
            DemoApp::new(),
        )
        .await
        .unwrap();
        let dns = DnsServer::start(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        dns.set(FQDN, dns_ips);
        Lab { server, dns }
    }

    fn url(&self) -> String {
        format!("https://{FQDN}:{}", self.server.port())
    }

    fn ca(&self) -> TlsPolicy {
        TlsPolicy::custom_ca_pem(self.server.tls().unwrap().ca_pem()).unwrap()
    }

    fn builder(&self) -> ClientBuilder {
        Client::builder(self.url())
            .resolver(HickoryResolver::with_name_servers(&[self.dns.addr()]).unwrap())
            .tls(self.ca())
            .retry_policy(fast_retries())
    }

    fn nodes_seen(&self) -> Vec<IpAddr> {
        self.server
            .log()
            .entries()
            .iter()
            .map(|e| e.node.ip())
            .collect()
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(storkit_core::poll::Backoff::exponential(
        Duration::from_millis(10),
        2.0,
        Duration::from_millis(100),
    ))
}

#[tokio::test]
async fn round_robin_over_four_nodes_from_dns_keeps_fqdn_in_host_and_sni() {
    let lab = Lab::start(ips(11..=14), ips(11..=14)).await;
    let client = lab.builder().build().unwrap();
    for _ in 0..8 {
        let r = client.send(Request::get("/echo")).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let seen = lab.nodes_seen();
    assert_eq!(seen.len(), 8);
    for node in ips(11..=14) {
        assert_eq!(seen.iter().filter(|n| **n == node).count(), 2, "{seen:?}");
    }
    // Strict rotation: the second round repeats the first.
    assert_eq!(seen[..4], seen[4..]);
    let port = lab.server.port();
    for entry in lab.server.log().entries() {
        assert_eq!(
            entry.host.as_deref(),
            Some(format!("{FQDN}:{port}").as_str())
        );
        assert_eq!(entry.sni.as_deref(), Some(FQDN));
        assert!(ips(11..=14).contains(&entry.node.ip()));
    }
}

#[tokio::test]
async fn a_dead_node_is_set_aside_and_nothing_is_sent_twice() {
    let lab = Lab::start(ips(11..=14), ips(11..=14)).await;
    let client = lab.builder().build().unwrap();
    lab.server.stop_node(ip(12)).unwrap();
    for i in 0..12 {
        // POST: not idempotent, so a resend after sending would be a bug.
        let r = client
            .send(
                Request::post("/echo")
                    .header("x-seq", i.to_string())
                    .body("x"),
            )
            .await
            .unwrap();
        assert!(r.is_success());
        assert_ne!(r.node(), ip(12));
    }
    let entries = lab.server.log().entries();
    for i in 0..12 {
        let n = entries
            .iter()
            .filter(|e| {
                e.headers
                    .get("x-seq")
                    .is_some_and(|v| v == i.to_string().as_str())
            })
            .count();
        assert_eq!(n, 1, "request {i} arrived {n} times");
    }
    assert!(entries.iter().all(|e| e.node.ip() != ip(12)));
    let statuses = client.nodes();
    assert_eq!(statuses.len(), 4);
    assert!(statuses.iter().any(|s| s.ip == ip(12) && s.set_aside));
}

#[tokio::test]
async fn a_changed_dns_answer_is_used_after_refresh() {
    let lab = Lab::start(ips(21..=24), ips(21..=22)).await;
    let client = lab.builder().build().unwrap();
    for _ in 0..4 {
        client.send(Request::get("/echo")).await.unwrap();
    }
    assert!(lab.nodes_seen().iter().all(|n| ips(21..=22).contains(n)));
    lab.dns.set(FQDN, ips(23..=24));
    assert_eq!(client.refresh_nodes().await.unwrap(), ips(23..=24));
    lab.server.log().clear();
    for _ in 0..4 {
        client.send(Request::get("/echo")).await.unwrap();
    }
    let seen = lab.nodes_seen();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|n| ips(23..=24).contains(n)), "{seen:?}");
}

#[tokio::test]
async fn a_failed_dns_refresh_keeps_the_old_pool() {
    let lab = Lab::start(ips(31..=34), ips(31..=34)).await;
    let client = lab.builder().build().unwrap();
    client.send(Request::get("/echo")).await.unwrap();
    lab.dns.set_failure(Some(DnsFailure::ServFail));
    let err = client.refresh_nodes().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resolve);
    assert!(client.last_refresh_error().is_some());
    assert_eq!(client.nodes().len(), 4);
    // An empty answer is a failure too, never an empty pool.
    lab.dns.set_failure(None);
    lab.dns.remove(FQDN);
    assert!(client.refresh_nodes().await.is_err());
    assert_eq!(client.nodes().len(), 4);
    for _ in 0..4 {
        client.send(Request::get("/echo")).await.unwrap();
    }
    // And a good answer clears the error.
    lab.dns.set(FQDN, ips(31..=32));
    client.refresh_nodes().await.unwrap();
    assert_eq!(client.last_refresh_error(), None);
    assert_eq!(client.nodes().len(), 2);
}

#[tokio::test]
async fn idle_connections_are_really_closed_by_the_client() {
    let lab = Lab::start(vec![ip(41)], vec![ip(41)]).await;
    let short = lab
        .builder()
        .idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    short.send(Request::get("/echo")).await.unwrap();
    let conn = lab.server.log().last().unwrap().conn_id;
    assert!(
        lab.server
            .wait_conn_closed(conn, Duration::from_secs(5))
            .await
    );
    let record = lab
        .server
        .connections()
        .into_iter()
        .find(|c| c.id == conn)
        .unwrap();
    assert_eq!(record.closed_by, Some(storkit_mock::Closer::Client));

    // Control: with a long idle timeout the same socket stays open.
    let long = lab
        .builder()
        .idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    long.send(Request::get("/echo")).await.unwrap();
    let conn = lab.server.log().last().unwrap().conn_id;
    assert!(
        !lab.server
            .wait_conn_closed(conn, Duration::from_millis(800))
            .await
    );
    let again = long.send(Request::get("/echo")).await.unwrap();
    assert_eq!(lab.server.log().last().unwrap().conn_id, conn);
    assert_eq!(again.timings().connect, None);
}

#[tokio::test]
async fn default_verification_rejects_the_self_signed_mock_without_failover() {
    let lab = Lab::start(ips(51..=52), ips(51..=52)).await;
    let client = Client::builder(lab.url())
        .resolver(HickoryResolver::with_name_servers(&[lab.dns.addr()]).unwrap())
        .build()
        .unwrap();
    let err = client.send(Request::get("/echo")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    assert_eq!(err.phase(), Phase::NotSent);
    assert_eq!(
        err.attempts(),
        1,
        "a certificate failure must not cycle the nodes"
    );
    assert!(lab.server.log().is_empty());
}

#[tokio::test]
async fn custom_ca_and_the_right_pin_accept_a_wrong_pin_rejects() {
    let lab = Lab::start(ips(53..=54), ips(53..=54)).await;
    let resolver = || HickoryResolver::with_name_servers(&[lab.dns.addr()]).unwrap();
    let tls = lab.server.tls().unwrap();

    let ca = Client::builder(lab.url())
        .resolver(resolver())
        .tls(lab.ca())
        .build()
        .unwrap();
    assert!(ca.send(Request::get("/echo")).await.unwrap().is_success());

    let pin = tls.fingerprint_hex_colon();
    let pinned = Client::builder(lab.url())
        .resolver(resolver())
        .tls(TlsPolicy::pinned([pin.as_str()]).unwrap())
        .build()
        .unwrap();
    assert!(
        pinned
            .send(Request::get("/echo"))
            .await
            .unwrap()
            .is_success()
    );

    let wrong = Client::builder(lab.url())
        .resolver(resolver())
        .tls(TlsPolicy::pinned(["00".repeat(32)]).unwrap())
        .build()
        .unwrap();
    let err = wrong.send(Request::get("/echo")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn insecure_mode_accepts_only_when_named() {
    let lab = Lab::start(vec![ip(55)], vec![ip(55)]).await;
    let resolver = || HickoryResolver::with_name_servers(&[lab.dns.addr()]).unwrap();
    let default = Client::builder(lab.url())
        .resolver(resolver())
        .build()
        .unwrap();
    assert_eq!(
        default
            .send(Request::get("/echo"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Tls
    );
    let insecure = Client::builder(lab.url())
        .resolver(resolver())
        .tls(TlsPolicy::danger_accept_invalid_certs())
        .build()
        .unwrap();
    assert!(
        insecure
            .send(Request::get("/echo"))
            .await
            .unwrap()
            .is_success()
    );
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let lab = Lab::start(vec![ip(61)], vec![ip(61)]).await;
    let client = lab.builder().build().unwrap();
    lab.server
        .faults()
        .add(Fault::new(FaultAction::service_unavailable(Some(1))).times(1));
    let started = std::time::Instant::now();
    let r = client.send(Request::post("/echo").body("x")).await.unwrap();
    assert!(r.is_success());
    assert_eq!(r.attempts(), 2);
    assert_eq!(lab.server.log().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn a_post_that_may_have_been_processed_is_not_resent() {
    let lab = Lab::start(vec![ip(62)], vec![ip(62)]).await;
    let client = lab.builder().build().unwrap();
    lab.server
        .faults()
        .add(Fault::new(FaultAction::CloseBeforeResponse).times(1));
    let err = client
        .send(Request::post("/echo").body("x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    assert_eq!(err.phase(), Phase::MaybeSent);
    assert_eq!(lab.server.log().len(), 1);
}

#[tokio::test]
async fn a_get_is_resent_after_a_broken_connection() {
    let lab = Lab::start(vec![ip(63)], vec![ip(63)]).await;
    let client = lab.builder().build().unwrap();
    lab.server
        .faults()
        .add(Fault::new(FaultAction::CloseBeforeResponse).times(1));
    let r = client.send(Request::get("/echo")).await.unwrap();
    assert_eq!(r.attempts(), 2);
    assert_eq!(lab.server.log().len(), 2);
    // A truncated body on an idempotent request is retried too.
    lab.server.faults().add(
        Fault::new(FaultAction::TruncatedBody {
            declared_len: 100,
            body: Bytes::from_static(b"short"),
        })
        .times(1),
    );
    let r = client.send(Request::get("/echo")).await.unwrap();
    assert_eq!(r.attempts(), 2);
}

#[derive(Debug)]
struct LockedIsBusy;

impl Classifier for LockedIsBusy {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        match outcome {
            Outcome::Response {
                status,
                body: Some(body),
                ..
            } if *status == StatusCode::CONFLICT && body.starts_with(b"LOCKED") => {
                Some(Verdict::Retry { after: None })
            }
            _ => None,
        }
    }
}

#[tokio::test]
async fn a_vendor_classifier_retries_its_busy_code() {
    let lab = Lab::start(vec![ip(64)], vec![ip(64)]).await;
    let client = lab.builder().classifier(LockedIsBusy).build().unwrap();
    let locked = FaultAction::Respond {
        status: 409,
        headers: vec![],
        body: Bytes::from_static(b"LOCKED by another session"),
    };
    lab.server.faults().add(Fault::new(locked.clone()).times(2));
    let r = client.send(Request::post("/echo").body("x")).await.unwrap();
    assert!(r.is_success());
    assert_eq!(r.attempts(), 3);
    // Past the attempt bound the last response is handed back, not an error.
    lab.server.faults().add(Fault::new(locked));
    let r = client.send(Request::post("/echo").body("x")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.attempts(), fast_retries().max_attempts);
    let err = r.error_for_status().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

/// A session-token authenticator whose token "expires" once.
#[derive(Debug)]
struct Session {
    token: Mutex<String>,
    refreshes: AtomicU32,
    /// What a refresh yields: a token the server accepts, or not.
    refreshed_to: &'static str,
}

impl Authenticator for Session {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let token = self.token.lock().unwrap().clone();
        headers.insert(
            "authorization",
            storkit_core::auth::sensitive_value(&format!("Session {token}"))?,
        );
        Ok(())
    }

    fn refresh(&self, _stamped: u64) -> BoxFuture<'_, Result<bool, Error>> {
        Box::pin(async move {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            *self.token.lock().unwrap() = self.refreshed_to.into();
            Ok(true)
        })
    }
}

#[derive(Debug)]
struct ExpiredIs401;

impl Classifier for ExpiredIs401 {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        match outcome {
            Outcome::Response { status, .. } if *status == StatusCode::UNAUTHORIZED => {
                Some(Verdict::Reauthenticate)
            }
            _ => None,
        }
    }
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let server = MockServer::start(
        ServerConfig::new().ips([ip(65)]),
        |req: storkit_core::http::Request<hyper::body::Incoming>, _ctx| async move {
            let ok = req
                .headers()
                .get("authorization")
                .is_some_and(|v| v == "Session fresh");
            let status = if ok { 200 } else { 401 };
            storkit_mock::reply::status(StatusCode::from_u16(status).unwrap())
        },
    )
    .await
    .unwrap();
    let session = Arc::new(Session {
        token: Mutex::new("stale".into()),
        refreshes: AtomicU32::new(0),
        refreshed_to: "fresh",
    });
    let client = Client::builder(server.urls()[0].clone())
        .auth_shared(session.clone())
        .classifier(ExpiredIs401)
        .build()
        .unwrap();
    let r = client.send(Request::post("/x").body("{}")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(session.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(server.log().len(), 2);

    // Credentials the server keeps refusing are refreshed once, then the 401 surfaces.
    let revoked = Arc::new(Session {
        token: Mutex::new("stale".into()),
        refreshes: AtomicU32::new(0),
        refreshed_to: "still-refused",
    });
    let r = client
        .send(Request::get("/x").auth(revoked.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(revoked.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(
        r.error_for_status().unwrap_err().kind(),
        ErrorKind::Unauthenticated
    );
}

#[tokio::test]
async fn the_deadline_covers_the_body() {
    let server = MockServer::start(
        ServerConfig::new().ips([ip(66)]),
        |_req: storkit_core::http::Request<hyper::body::Incoming>, _ctx| async move {
            let (tx, body) = storkit_mock::body::channel(1);
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from_static(b"first chunk")).await;
                // Never finish: hold the sender open.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                drop(tx);
            });
            storkit_core::http::Response::new(body)
        },
    )
    .await
    .unwrap();
    let client = Client::builder(server.urls()[0].clone())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .send(Request::get("/slow").timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");

    let mut r = client
        .send_streaming(Request::get("/slow").timeout(Duration::from_millis(300)))
        .await
        .unwrap();
    let first = r.body_mut().chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first chunk");
    let err = r.body_mut().chunk().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn slow_headers_hit_the_deadline() {
    let lab = Lab::start(vec![ip(67)], vec![ip(67)]).await;
    let client = lab
        .builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    lab.server
        .faults()
        .add(Fault::new(FaultAction::DelayHeaders(Duration::from_secs(
            2,
        ))));
    let err = client
        .send(Request::get("/echo").timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.phase(), Phase::MaybeSent);
}

#[tokio::test]
async fn timings_show_connect_only_for_new_connections() {
    let lab = Lab::start(ips(71..=72), ips(71..=72)).await;
    let client = lab.builder().build().unwrap();
    let a = client.send(Request::get("/echo")).await.unwrap();
    let b = client.send(Request::get("/echo")).await.unwrap();
    let c = client.send(Request::get("/echo")).await.unwrap();
    assert!(a.timings().connect.is_some());
    assert!(b.timings().connect.is_some());
    assert_ne!(a.node(), b.node());
    assert_eq!(c.node(), a.node());
    assert_eq!(
        c.timings().connect,
        None,
        "the third request reuses the first connection"
    );
    assert_eq!(c.connection_id(), a.connection_id());
    let t = c.timings();
    assert!(t.first_byte <= t.total);
}

#[tokio::test]
async fn server_errors_become_typed_errors_with_context() {
    let lab = Lab::start(vec![ip(73)], vec![ip(73)]).await;
    let client = lab
        .builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    lab.server
        .faults()
        .add(Fault::new(FaultAction::html_500()).times(1));
    let r = client
        .send(Request::get("/echo").query("secret", "1"))
        .await
        .unwrap();
    let err = r.error_for_status().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(err.path(), Some("/echo"));
    assert!(!err.to_string().contains("secret"));
    assert!(err.body().is_some_and(|b| !b.is_empty()));

    lab.server
        .faults()
        .add(Fault::new(FaultAction::malformed_json()).times(1));
    let r = client.send(Request::get("/echo")).await.unwrap();
    let err = r.json::<serde_json::Value>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn requests_bound_to_a_node_stay_there() {
    let lab = Lab::start(ips(74..=76), ips(74..=76)).await;
    let client = lab.builder().build().unwrap();
    for _ in 0..5 {
        let r = client
            .send(Request::get("/echo").on_node(ip(75)))
            .await
            .unwrap();
        assert_eq!(r.node(), ip(75));
    }
    assert!(lab.nodes_seen().iter().all(|n| *n == ip(75)));
}

#[tokio::test]
async fn bad_input_is_a_config_error_not_a_panic() {
    for url in [
        "ftp://x",
        "not a url",
        "https://user:pw@host",
        "https://h/?q=1",
    ] {
        assert_eq!(
            Client::builder(url).build().unwrap_err().kind(),
            ErrorKind::Config,
            "{url}"
        );
    }
    let client = Client::builder("http://127.0.0.1:9").build().unwrap();
    let err = client
        .send(Request::get("/x").header("bad header", "v"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = client.send(Request::get("no-slash")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn all_nodes_down_is_a_connect_error_after_trying_each_once() {
    let lab = Lab::start(ips(77..=78), ips(77..=78)).await;
    let client = lab
        .builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    lab.server.stop_node(ip(77)).unwrap();
    lab.server.stop_node(ip(78)).unwrap();
    let err = client.send(Request::get("/echo")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.phase(), Phase::NotSent);
    assert_eq!(err.attempts(), 2);
    lab.server.start_node(ip(77)).unwrap();
    // Set-aside nodes are still tried when nothing else is left.
    assert!(
        client
            .send(Request::get("/echo"))
            .await
            .unwrap()
            .is_success()
    );
}

/// Sends GETs until one lands on a node of `wanted`, or the deadline passes; every
/// request must succeed meanwhile. Returns whether one did.
async fn send_until_on(client: &Client, wanted: &[IpAddr], within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        let r = client.send(Request::get("/echo")).await.unwrap();
        assert!(r.is_success());
        if wanted.contains(&r.node()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn an_expired_dns_answer_is_refreshed_in_the_background() {
    let lab = Lab::start(ips(101..=104), ips(101..=102)).await;
    lab.dns.set_ttl(1);
    let client = lab.builder().build().unwrap();
    let first = client.send(Request::get("/echo")).await.unwrap();
    assert!(ips(101..=102).contains(&first.node()));
    let queries_after_first_lookup = lab.dns.queries();
    lab.dns.set(FQDN, ips(103..=104));
    // Before the TTL runs out the old answer is used as is.
    for _ in 0..4 {
        let r = client.send(Request::get("/echo")).await.unwrap();
        assert!(ips(101..=102).contains(&r.node()), "{:?}", r.node());
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        send_until_on(&client, &ips(103..=104), Duration::from_secs(5)).await,
        "the expired answer was never refreshed: nodes {:?}",
        client.nodes()
    );
    lab.server.log().clear();
    for _ in 0..6 {
        client.send(Request::get("/echo")).await.unwrap();
    }
    let seen = lab.nodes_seen();
    assert_eq!(seen.len(), 6);
    assert!(seen.iter().all(|n| ips(103..=104).contains(n)), "{seen:?}");
    assert!(
        seen.contains(&ip(103)) && seen.contains(&ip(104)),
        "{seen:?}"
    );
    assert!(
        lab.dns.queries() > queries_after_first_lookup,
        "no lookup after the first"
    );
    assert_eq!(client.last_refresh_error(), None);
}

/// A name server a WAN away: every lookup takes `delay`, far longer than a refused
/// connect on loopback, as with a real resolver.
#[derive(Debug)]
struct SlowDns {
    inner: HickoryResolver,
    delay: Duration,
}

impl Resolve for SlowDns {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.resolve(host).await
        })
    }
}

#[tokio::test]
async fn when_every_node_refuses_the_failure_refresh_finds_the_new_node() {
    let lab = Lab::start(ips(105..=107), ips(105..=106)).await;
    // A backoff far shorter than a DNS lookup: the retry finds the new node only if the
    // request waits for the re-resolution its connect failures started.
    let retries = RetryPolicy::default().with_max_attempts(3).with_backoff(
        storkit_core::poll::Backoff::exponential(
            Duration::from_millis(1),
            1.0,
            Duration::from_millis(1),
        ),
    );
    let client = lab
        .builder()
        .resolver(SlowDns {
            inner: HickoryResolver::with_name_servers(&[lab.dns.addr()]).unwrap(),
            delay: Duration::from_millis(100),
        })
        .refresh_debounce(Duration::from_millis(50))
        .retry_policy(retries)
        .build()
        .unwrap();
    client.send(Request::get("/echo")).await.unwrap();
    lab.dns.set(FQDN, vec![ip(107)]);
    lab.server.stop_node(ip(105)).unwrap();
    lab.server.stop_node(ip(106)).unwrap();
    // The first request to meet the dead nodes already succeeds, on the new one.
    let r = client.send(Request::get("/echo")).await.unwrap();
    assert_eq!(r.node(), ip(107));
    assert!(r.attempts() >= 2, "{}", r.attempts());
    assert_eq!(
        client.nodes().iter().map(|s| s.ip).collect::<Vec<_>>(),
        vec![ip(107)]
    );
    let r = client.send(Request::get("/echo")).await.unwrap();
    assert_eq!((r.node(), r.attempts()), (ip(107), 1));
}

#[tokio::test]
async fn a_failed_ttl_refresh_keeps_the_old_nodes_and_records_the_error() {
    let lab = Lab::start(ips(108..=110), ips(108..=109)).await;
    lab.dns.set_ttl(1);
    let client = lab
        .builder()
        .refresh_debounce(Duration::from_secs(1))
        .build()
        .unwrap();
    client.send(Request::get("/echo")).await.unwrap();
    lab.dns.set_failure(Some(DnsFailure::ServFail));
    let queries_before = lab.dns.queries();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while client.last_refresh_error().is_none() && std::time::Instant::now() < deadline {
        let r = client.send(Request::get("/echo")).await.unwrap();
        assert!(ips(108..=109).contains(&r.node()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let error = client
        .last_refresh_error()
        .expect("the TTL refresh never ran");
    assert!(error.contains(FQDN), "{error}");
    assert!(lab.dns.queries() > queries_before);

    // The old nodes stay in use, both of them, and the failing DNS is not asked again
    // on every request.
    lab.server.log().clear();
    let queries_after_failure = lab.dns.queries();
    for _ in 0..4 {
        assert!(
            client
                .send(Request::get("/echo"))
                .await
                .unwrap()
                .is_success()
        );
    }
    assert_eq!(lab.dns.queries(), queries_after_failure);
    let seen = lab.nodes_seen();
    assert_eq!(
        seen.iter().filter(|n| **n == ip(108)).count(),
        2,
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|n| **n == ip(109)).count(),
        2,
        "{seen:?}"
    );
    assert_eq!(
        client.nodes().iter().map(|s| s.ip).collect::<Vec<_>>(),
        ips(108..=109)
    );

    // Once the DNS answers again, a later request's refresh picks up the new answer.
    lab.dns.set_failure(None);
    lab.dns.set(FQDN, vec![ip(110)]);
    assert!(
        send_until_on(&client, &[ip(110)], Duration::from_secs(5)).await,
        "no refresh after the DNS recovered: {:?}",
        client.last_refresh_error()
    );
    assert_eq!(client.last_refresh_error(), None);
}
