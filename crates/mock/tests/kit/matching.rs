//! Faults matched by host, query, listener and predicate; uploads cut short; stalled TLS
//! handshakes; body length and hash in the log.

use std::time::Duration;

use http::{Method, Request};
use storkit_mock::demo::DemoApp;
use storkit_mock::{
    Closer, Fault, FaultAction, ListenerConfig, MockServer, ServerConfig, TlsSettings, body,
};

use crate::support::{get, ip3, plain_client, send, sha256_hex, tls_connect};

const WAIT: Duration = Duration::from_secs(3);

async fn status_with_host(client: &crate::support::PlainClient, url: &str, host: &str) -> u16 {
    let request = Request::get(url)
        .header("host", host)
        .body(body::empty())
        .unwrap();
    client.request(request).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn faults_by_host_query_listener_and_predicate() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(10)])
            .listener(ListenerConfig::new("mapi", 0)),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let faults = server.faults();
    let client = plain_client();
    let echo = format!("{}/echo", server.url());

    // By Host: one namespace of a system that routes by Host, port and case ignored.
    let id = faults
        .add(Fault::new(FaultAction::service_unavailable(None)).on_host("ns1.t.hcp1.example"));
    assert_eq!(
        status_with_host(&client, &echo, "ns1.t.hcp1.example:443").await,
        503
    );
    assert_eq!(
        status_with_host(&client, &echo, "NS1.T.HCP1.EXAMPLE").await,
        503
    );
    assert_eq!(
        status_with_host(&client, &echo, "ns2.t.hcp1.example").await,
        200
    );
    assert_eq!(faults.fired(id), 2);
    faults.clear();

    // By query parameter, in either encoding of a space; a bare key has the value "".
    let id = faults
        .add(Fault::new(FaultAction::too_many_requests(None)).on_query_param("reason", "a b"));
    for (query, status) in [
        ("reason=a+b", 429),
        ("x=1&reason=a%20b", 429),
        ("reason=a%2Bb", 200),
        ("reason=ab", 200),
        ("reason=%zz", 200),
    ] {
        let reply = get(&client, &format!("{echo}?{query}")).await.unwrap();
        assert_eq!(reply.status, status, "{query}");
    }
    assert_eq!(faults.fired(id), 2);
    faults.clear();
    faults.add(Fault::new(FaultAction::blank_200()).on_query_param("failOver", ""));
    let reply = get(&client, &format!("{echo}?failOver")).await.unwrap();
    assert!(reply.body.is_empty());
    faults.clear();

    // By raw substring of the query.
    faults.add(Fault::new(FaultAction::html_500()).on_query_contains("prettyprint"));
    assert_eq!(
        get(&client, &format!("{echo}?a=1&prettyprint"))
            .await
            .unwrap()
            .status,
        500
    );
    assert_eq!(
        get(&client, &format!("{echo}?a=1")).await.unwrap().status,
        200
    );
    faults.clear();

    // By listener, and by any predicate over the request head and context.
    faults.add(Fault::new(FaultAction::blank_200()).on_listener("mapi"));
    let mapi_echo = format!("{}/echo", server.listener_url("mapi").unwrap());
    assert!(get(&client, &mapi_echo).await.unwrap().body.is_empty());
    assert!(!get(&client, &echo).await.unwrap().body.is_empty());
    faults.clear();
    let id = faults.add(
        Fault::new(FaultAction::service_unavailable(Some(3)))
            .when(|parts, ctx| parts.headers.contains_key("x-fail") && ctx.listener == "main"),
    );
    let with_header = |url: &str| {
        Request::get(url)
            .header("x-fail", "1")
            .body(body::empty())
            .unwrap()
    };
    assert_eq!(
        client.request(with_header(&echo)).await.unwrap().status(),
        503
    );
    assert_eq!(
        client
            .request(with_header(&mapi_echo))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&client, &echo).await.unwrap().status, 200);
    assert_eq!(faults.fired(id), 1);
    let log = server.log().entries();
    assert_eq!(log.iter().filter(|e| e.fault.is_some()).count(), 8);
}

#[tokio::test]
async fn reset_mid_upload_cuts_the_body_and_logs_what_arrived() {
    const TOTAL: u64 = 8 * 1024 * 1024;
    const AFTER: u64 = 64 * 1024;
    let server = MockServer::start(ServerConfig::new().ips([ip3(11)]), DemoApp::new())
        .await
        .unwrap();
    server.faults().add(
        Fault::new(FaultAction::ResetMidUpload { after_bytes: AFTER })
            .on_method(Method::PUT)
            .times(1),
    );
    let url = format!("{}/sink", server.url());
    let result = send(&plain_client(), Method::PUT, &url, body::pattern(TOTAL)).await;
    assert!(result.is_err(), "the upload went through");

    let entry = server.log().last().unwrap();
    assert_eq!(entry.fault.as_deref(), Some("reset_mid_upload"));
    assert_eq!(entry.status, None);
    assert!(server.wait_conn_closed(entry.conn_id, WAIT).await);
    assert_eq!(
        server.connection(entry.conn_id).unwrap().closed_by,
        Some(Closer::Fault)
    );
    let entry = server.log().last().unwrap();
    let received = entry.body_len.unwrap();
    assert!((AFTER..TOTAL).contains(&received), "{received}");
    assert_eq!(entry.body_sha256, None);

    // Spent: the same upload now arrives whole, and the log has its length and hash.
    let reply = send(&plain_client(), Method::PUT, &url, body::pattern(1_000_000))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    let sha = crate::support::json_field(reply.text(), "sha256").unwrap();
    let entry = server.log().last().unwrap();
    assert_eq!(entry.body_len, Some(1_000_000));
    assert_eq!(entry.body_sha256.as_deref(), Some(sha.as_str()));
    let pattern: Vec<u8> = (0..1_000_000u64).map(body::pattern_byte).collect();
    assert_eq!(sha, sha256_hex(&pattern));
}

#[tokio::test]
async fn chunked_uploads_are_measured_too() {
    let server = MockServer::start(ServerConfig::new().ips([ip3(11)]), DemoApp::new())
        .await
        .unwrap();
    let (tx, streamed) = body::channel(4);
    tokio::spawn(async move {
        for chunk in [&b"abc"[..], b"", b"defgh"] {
            tx.send(bytes::Bytes::from_static(chunk)).await.unwrap();
        }
    });
    let reply = send(
        &plain_client(),
        Method::POST,
        &format!("{}/sink", server.url()),
        streamed,
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    let entry = server
        .log()
        .wait_for_match(|e| e.body_len.is_some(), WAIT)
        .await
        .unwrap();
    assert!(entry.headers.get("transfer-encoding").is_some());
    assert_eq!(entry.body_len, Some(8));
    assert_eq!(entry.body_sha256, Some(sha256_hex(b"abcdefgh")));
}

#[tokio::test]
async fn a_stalled_tls_handshake_on_one_node() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(12), ip3(13)])
            .tls(TlsSettings::new(["array.example"])),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let id = server
        .faults()
        .add(Fault::new(FaultAction::StallHandshake).on_node(ip3(13)));
    let ca = server.tls().unwrap().ca_pem();
    let [good, stalled] = [server.addrs()[0], server.addrs()[1]];

    let attempt = tls_connect(stalled, &ca, "array.example");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), attempt)
            .await
            .is_err(),
        "the handshake finished"
    );
    assert_eq!(server.faults().fired(id), 1);
    let mut stream = tls_connect(good, &ca, "array.example").await.unwrap();
    let reply =
        crate::support::raw_exchange(&mut stream, b"GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n")
            .await;
    assert_eq!(reply.status, 204);

    // The stalled connection was accepted and is held open until the client gives up.
    let record = server
        .connections()
        .into_iter()
        .find(|c| c.node == stalled)
        .unwrap();
    assert_eq!(record.fault.as_deref(), Some("stall_handshake"));
    assert!(server.wait_conn_closed(record.id, WAIT).await);
    assert_eq!(
        server.connection(record.id).unwrap().closed_by,
        Some(Closer::Client)
    );
    assert_eq!(server.connection(record.id).unwrap().requests, 0);

    // A stalled connection the client keeps open is closed when its node stops.
    let tcp = tokio::net::TcpStream::connect(stalled).await.unwrap();
    let record = loop {
        if let Some(r) = server
            .connections()
            .into_iter()
            .find(|c| c.node == stalled && !c.is_closed())
        {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    server.stop_node(ip3(13)).unwrap();
    assert!(server.wait_conn_closed(record.id, WAIT).await);
    assert_eq!(
        server.connection(record.id).unwrap().closed_by,
        Some(Closer::Server)
    );
    drop(tcp);
}
