//! Secrets never reach `Debug`, errors or logs, even at TRACE level and on failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::IpAddr;

use storkit_core::auth::base64_encode;
use storkit_core::secrecy::SecretString;
use storkit_core::{BasicAuth, Client, Request, RetryPolicy, TlsPolicy};
use storkit_mock::demo::DemoApp;
use storkit_mock::{Fault, FaultAction, MockServer, ServerConfig};

const PASSWORD: &str = "S3cr3t-Pa55";
const TOKEN: &str = "tok-XYZ-remote";
const QUERY_SECRET: &str = "QTOK77";

// One thread, so every task hyper spawns logs into the subscriber set below.
#[tokio::test(flavor = "current_thread")]
async fn secrets_are_absent_from_debug_errors_and_logs() {
    let (captured, _guard) = support::capture_trace_logs();

    let node: IpAddr = [127, 0, 0, 81].into();
    let down: IpAddr = [127, 0, 0, 82].into();
    let server = MockServer::start(ServerConfig::new().ips([node, down]), DemoApp::new())
        .await
        .unwrap();
    server.stop_node(down).unwrap();
    let client = Client::builder(server.urls()[0].clone())
        .nodes([node, down])
        .auth(BasicAuth::new("admin", SecretString::from(PASSWORD)))
        .retry_policy(RetryPolicy::never())
        .tls(TlsPolicy::default())
        .build()
        .unwrap();
    let remote = SecretString::from(format!("Session {TOKEN}"));

    let mut outputs = vec![format!("{client:?}")];
    for i in 0..3 {
        let request = Request::get("/echo")
            .query("token", QUERY_SECRET)
            .query("i", &i.to_string())
            .sensitive_header("remote-authorization", &remote);
        outputs.push(format!("{request:?}"));
        let response = client.send(request).await.unwrap();
        outputs.push(format!("{response:?}"));
    }
    server
        .faults()
        .add(Fault::new(FaultAction::html_500()).times(1));
    let request = Request::get("/echo")
        .query("token", QUERY_SECRET)
        .sensitive_header("remote-authorization", &remote);
    let err = client
        .send(request)
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    outputs.push(err.to_string());
    outputs.push(format!("{err:?}"));
    server
        .faults()
        .add(Fault::new(FaultAction::CloseBeforeResponse).times(1));
    let err = client
        .send(
            Request::post("/echo")
                .query("token", QUERY_SECRET)
                .body("x"),
        )
        .await
        .unwrap_err();
    outputs.push(err.to_string());
    outputs.push(format!("{err:?}"));

    // The secrets did go over the wire: the test is not vacuous.
    let seen = server.log().entries();
    let basic = format!(
        "Basic {}",
        base64_encode(format!("admin:{PASSWORD}").as_bytes())
    );
    assert!(seen.iter().any(|e| {
        e.headers
            .get("authorization")
            .is_some_and(|v| v == basic.as_str())
    }));
    assert!(
        seen.iter()
            .any(|e| e.headers.get("remote-authorization").is_some())
    );

    let logs = captured.text();
    assert!(
        logs.contains("storkit.request"),
        "spans were not captured: {logs}"
    );
    let secrets = [
        PASSWORD.to_owned(),
        TOKEN.to_owned(),
        QUERY_SECRET.to_owned(),
        base64_encode(format!("admin:{PASSWORD}").as_bytes()),
    ];
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret leaked into the logs"
        );
        for out in &outputs {
            assert!(
                !out.contains(secret.as_str()),
                "a secret leaked into: {out}"
            );
        }
    }
}
