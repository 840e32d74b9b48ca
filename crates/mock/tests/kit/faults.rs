//! Every fault action, seen from the client side, and fault matching.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use http_body_util::BodyExt;
use storkit_mock::demo::DemoApp;
use storkit_mock::{Closer, Fault, FaultAction, MockServer, ServerConfig, body};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{NODE_A, NODE_B, get, ip3, plain_client, send};

async fn demo_server(ips: &[std::net::IpAddr]) -> MockServer {
    MockServer::start(ServerConfig::new().ips(ips.iter().copied()), DemoApp::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn respond_variants_reach_the_client() {
    let server = demo_server(&[NODE_A]).await;
    let url = format!("{}/echo", server.url());
    let client = plain_client();

    let cases = [
        (FaultAction::service_unavailable(Some(7)), 503, Some("7")),
        (FaultAction::too_many_requests(Some(2)), 429, Some("2")),
        (FaultAction::too_many_requests(None), 429, None),
    ];
    for (action, status, retry_after) in cases {
        server.faults().add(Fault::new(action).times(1));
        let reply = get(&client, &url).await.unwrap();
        assert_eq!(reply.status, status);
        assert_eq!(
            reply
                .headers
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            retry_after
        );
        let entry = server.log().last().unwrap();
        assert_eq!(entry.fault.as_deref(), Some("respond"));
        assert_eq!(entry.status, Some(status));
    }

    server
        .faults()
        .add(Fault::new(FaultAction::html_500()).times(1));
    let reply = get(&client, &url).await.unwrap();
    assert_eq!(reply.status, 500);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(reply.text().contains("<html>"));

    server
        .faults()
        .add(Fault::new(FaultAction::blank_200()).times(1));
    let reply = get(&client, &url).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-length"], "0");
    assert!(reply.headers.get("content-type").is_none());
    assert!(reply.body.is_empty());

    server
        .faults()
        .add(Fault::new(FaultAction::malformed_json()).times(1));
    let reply = get(&client, &url).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(&reply.body[..], b"{\"broken\": ");

    // All spent: the handler answers again.
    let reply = get(&client, &url).await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.text().starts_with("{\"method\":\"GET\""));
    assert_eq!(server.log().last().unwrap().fault, None);
}

#[tokio::test]
async fn filters_match_and_times_one_fires_once() {
    let server = demo_server(&[NODE_A, NODE_B]).await;
    let [a, b] = [0, 1].map(|i| server.urls()[i].clone());
    let client = plain_client();
    let id = server.faults().add(
        Fault::new(FaultAction::service_unavailable(None))
            .on_node(NODE_B)
            .on_method(Method::POST)
            .on_path("/ec")
            .times(1),
    );

    let post = |url: String| {
        let client = client.clone();
        async move {
            send(&client, Method::POST, &url, body::full("x"))
                .await
                .unwrap()
                .status
        }
    };
    assert_eq!(
        get(&client, &format!("{b}/echo")).await.unwrap().status,
        200
    );
    assert_eq!(post(format!("{a}/echo")).await, 200);
    assert_eq!(post(format!("{b}/sink")).await, 200);
    assert_eq!(server.faults().fired(id), 0);
    assert_eq!(post(format!("{b}/echo")).await, 503);
    assert_eq!(post(format!("{b}/echo")).await, 200);
    assert_eq!(server.faults().fired(id), 1);

    let log = server.log().entries();
    let fired: Vec<_> = log.iter().map(|e| e.fault.is_some()).collect();
    assert_eq!(fired, [false, false, false, true, false]);

    assert!(server.faults().remove(id));
    assert!(!server.faults().remove(id));
    assert!(server.faults().is_empty());
}

#[tokio::test]
async fn close_before_response_is_an_incomplete_message() {
    let server = demo_server(&[NODE_A]).await;
    server
        .faults()
        .add(Fault::new(FaultAction::CloseBeforeResponse).on_path("/echo"));
    let client = plain_client();
    let url = format!("{}/echo", server.url());
    let err = send(&client, Method::POST, &url, body::full("hello"))
        .await
        .err()
        .expect("the request must fail");
    let err = format!("{err:?}");
    assert!(err.contains("IncompleteMessage"), "{err}");

    let entry = server.log().last().unwrap();
    assert_eq!(entry.fault.as_deref(), Some("close_before_response"));
    assert_eq!(entry.status, None);
    assert!(
        server
            .wait_conn_closed(entry.conn_id, Duration::from_secs(2))
            .await
    );
    let record = server.connection(entry.conn_id).unwrap();
    assert_eq!(record.closed_by, Some(Closer::Fault));
    assert_eq!(record.requests, 1);
}

#[tokio::test]
async fn reset_mid_body_resets_the_connection() {
    let server = demo_server(&[NODE_A]).await;
    server.faults().add(Fault::new(FaultAction::ResetMidBody {
        after_bytes: 10_000,
        total_len: 1_000_000,
    }));

    // Through hyper: the head arrives, the body breaks.
    let client = plain_client();
    let response = client
        .get(format!("{}/bytes/1000000", server.url()).parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "1000000");
    let mut body = response.into_body();
    let mut received = Vec::new();
    let error = loop {
        match body.frame().await {
            Some(Ok(frame)) => received.extend_from_slice(frame.data_ref().unwrap()),
            Some(Err(e)) => break e,
            None => panic!("the body ended cleanly after {} bytes", received.len()),
        }
    };
    assert!(received.len() <= 10_000, "{}", received.len());
    assert_eq!(received[..], body::pattern_chunk(0, received.len())[..]);
    drop(error);

    // Raw: the bytes come, then ECONNRESET (not a clean EOF).
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    tcp.write_all(b"GET /bytes/1000000 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut total = 0;
    let mut buf = vec![0; 64 * 1024];
    let kind = loop {
        match tcp.read(&mut buf).await {
            Ok(0) => panic!("clean EOF after {total} bytes, expected a reset"),
            Ok(n) => total += n,
            Err(e) => break e.kind(),
        }
    };
    assert_eq!(kind, ErrorKind::ConnectionReset);

    let records = server.connections();
    assert_eq!(records.len(), 2);
    for record in records {
        assert!(
            server
                .wait_conn_closed(record.id, Duration::from_secs(2))
                .await
        );
        assert_eq!(
            server.connection(record.id).unwrap().closed_by,
            Some(Closer::Fault)
        );
    }
    assert!(
        server
            .log()
            .entries()
            .iter()
            .all(|e| e.fault.as_deref() == Some("reset_mid_body") && e.status == Some(200))
    );
}

#[tokio::test]
async fn a_lost_response_lands_but_never_arrives() {
    let server = demo_server(&[ip3(31)]).await;
    server.faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let client = plain_client();
    let put = http::Request::put(format!("{}/sink", server.url()))
        .body(body::full(Bytes::from_static(b"landed")))
        .unwrap();
    assert!(client.request(put).await.is_err(), "no answer arrives");
    let log = server.log().entries();
    assert_eq!(log[0].fault.as_deref(), Some("lose_response"));
    assert_eq!(
        log[0].status,
        Some(200),
        "the handler answered; the answer was dropped"
    );
    assert_eq!(log[0].body_len, Some(6));
}

#[tokio::test]
async fn a_corrupted_body_keeps_its_headers_and_length() {
    let server = demo_server(&[ip3(30)]).await;
    server
        .faults()
        .add(Fault::new(FaultAction::CorruptBody { at: 5 }).times(1));
    let client = plain_client();
    let url = format!("{}/bytes/16", server.url());
    let bad = client.get(url.parse().unwrap()).await.unwrap();
    assert_eq!(bad.headers()["content-length"], "16");
    let bad = bad.into_body().collect().await.unwrap().to_bytes();
    let good = client.get(url.parse().unwrap()).await.unwrap();
    let good = good.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(bad.len(), good.len());
    let differ: Vec<usize> = (0..16).filter(|i| bad[*i] != good[*i]).collect();
    assert_eq!(differ, vec![5]);
    assert_eq!(bad[5], !good[5]);
    assert_eq!(
        server.log().entries()[0].fault.as_deref(),
        Some("corrupt_body")
    );
}

#[tokio::test]
async fn truncated_body_ends_early_with_a_close() {
    let server = demo_server(&[NODE_A]).await;
    server.faults().add(Fault::new(FaultAction::TruncatedBody {
        declared_len: 100,
        body: Bytes::from_static(b"short"),
    }));

    let client = plain_client();
    let response = client
        .get(format!("{}/echo", server.url()).parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "100");
    assert!(response.into_body().collect().await.is_err());

    // Raw: exactly the short body, then a clean EOF.
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    tcp.write_all(b"GET /echo HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\nshort"), "{raw}");
}

#[tokio::test]
async fn close_on_accept_hits_one_node_then_recovers() {
    let server = demo_server(&[NODE_A, NODE_B]).await;
    let id = server.faults().add(
        Fault::new(FaultAction::CloseOnAccept)
            .on_node(NODE_B)
            .times(1),
    );
    let client = plain_client();
    assert!(
        get(&client, &format!("{}/echo", server.urls()[1]))
            .await
            .is_err()
    );
    assert_eq!(server.faults().fired(id), 1);
    let records = server.connections();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].node.ip(), NODE_B);
    assert_eq!(records[0].fault.as_deref(), Some("close_on_accept"));
    assert_eq!(records[0].closed_by, Some(Closer::Fault));
    assert_eq!(records[0].requests, 0);
    assert!(server.log().is_empty());

    for url in server.urls() {
        assert_eq!(
            get(&client, &format!("{url}/echo")).await.unwrap().status,
            200
        );
    }
}

#[tokio::test]
async fn delay_headers_waits_then_lets_the_handler_answer() {
    let server = demo_server(&[NODE_A]).await;
    let delay = Duration::from_millis(300);
    server
        .faults()
        .add(Fault::new(FaultAction::DelayHeaders(delay)).on_path("/status"));
    let client = plain_client();
    let started = Instant::now();
    let reply = get(&client, &format!("{}/status/201", server.url()))
        .await
        .unwrap();
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(reply.status, 201);
    let entry = server.log().last().unwrap();
    assert_eq!(entry.fault.as_deref(), Some("delay_headers"));
    assert_eq!(entry.status, Some(201));

    // Other paths are not delayed.
    let started = Instant::now();
    get(&client, &format!("{}/echo", server.url()))
        .await
        .unwrap();
    assert!(started.elapsed() < delay);
}

#[tokio::test]
async fn reset_mid_body_over_tls() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([NODE_A])
            .tls(storkit_mock::TlsSettings::new([crate::support::FQDN])),
        DemoApp::new(),
    )
    .await
    .unwrap();
    server.faults().add(
        Fault::new(FaultAction::ResetMidBody {
            after_bytes: 1000,
            total_len: 5000,
        })
        .times(1),
    );
    let client =
        crate::support::tls_client(&server.tls().unwrap().ca_pem(), Some(crate::support::FQDN));
    let response = client
        .get(format!("{}/bytes/5000", server.url()).parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.headers()["content-length"], "5000");
    assert!(response.into_body().collect().await.is_err());
    // Spent: the next download is whole.
    let reply = get(&client, &format!("{}/bytes/5000", server.url()))
        .await
        .unwrap();
    assert_eq!(reply.body.len(), 5000);
}
