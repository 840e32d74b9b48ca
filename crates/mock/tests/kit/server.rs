//! Binding, URLs, plain and TLS round trips, SNI.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sha2::{Digest, Sha256};
use storkit_mock::demo::DemoApp;
use storkit_mock::{MockError, MockServer, ServerConfig, ServerTls, TlsSettings};

use crate::support::{FQDN, NODE_A, NODE_B, get, json_field, plain_client, tls_client};

#[tokio::test]
async fn plain_round_trip_on_two_ips_same_port() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A, NODE_B]), DemoApp::new())
        .await
        .unwrap();
    let port = server.port();
    assert_ne!(port, 0);
    assert_eq!(
        server.addrs(),
        [SocketAddr::new(NODE_A, port), SocketAddr::new(NODE_B, port)]
    );
    assert_eq!(
        server.urls(),
        [
            format!("http://127.0.0.11:{port}"),
            format!("http://127.0.0.12:{port}")
        ]
    );
    assert_eq!(server.url(), format!("http://127.0.0.11:{port}"));
    assert!(server.tls().is_none());

    let client = plain_client();
    for (url, addr) in server.urls().iter().zip(server.addrs()) {
        let reply = get(&client, &format!("{url}/echo?x=1")).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(json_field(reply.text(), "node"), Some(addr.to_string()));
        assert_eq!(json_field(reply.text(), "query").as_deref(), Some("x=1"));
        assert_eq!(json_field(reply.text(), "sni").as_deref(), Some("null"));
    }

    assert!(server.log().wait_for(2, Duration::from_secs(1)).await);
    let log = server.log().entries();
    assert_eq!(log.len(), 2);
    for (entry, addr) in log.iter().zip(server.addrs()) {
        assert_eq!(entry.node, addr);
        assert_eq!(entry.path, "/echo");
        assert_eq!(entry.query.as_deref(), Some("x=1"));
        assert_eq!(entry.status, Some(200));
        assert_eq!(entry.host, Some(addr.to_string()));
        assert_eq!(entry.sni, None);
        assert_eq!(entry.fault, None);
    }
    assert_eq!(server.log().count_where(|e| e.node.ip() == NODE_B), 1);
    server.log().clear();
    assert!(server.log().is_empty());
}

#[tokio::test]
async fn explicit_port_is_used_on_every_ip() {
    let port = std::net::TcpListener::bind((NODE_A, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = MockServer::start(
        ServerConfig::new().ips([NODE_A, NODE_B]).port(port),
        DemoApp::new(),
    )
    .await
    .unwrap();
    assert_eq!(server.port(), port);
    for ip in [NODE_A, NODE_B] {
        tokio::net::TcpStream::connect((ip, port)).await.unwrap();
    }
    // The same port on the same address again must fail, and say where.
    let err = MockServer::start(ServerConfig::new().ips([NODE_B]).port(port), DemoApp::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MockError::Bind { addr, .. } if addr == SocketAddr::new(NODE_B, port)),
        "{err}"
    );
}

#[tokio::test]
async fn refuses_empty_and_non_loopback_addresses() {
    let err = MockServer::start(ServerConfig::new().ips([]), DemoApp::new())
        .await
        .unwrap_err();
    assert!(matches!(err, MockError::NoAddress), "{err}");
    let outside: IpAddr = "192.0.2.1".parse().unwrap();
    let err = MockServer::start(ServerConfig::new().ips([outside]), DemoApp::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MockError::NotLoopback { ip } if ip == outside),
        "{err}"
    );
}

#[tokio::test]
async fn tls_round_trip_on_two_ips_records_sni() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([NODE_A, NODE_B])
            .tls(TlsSettings::new([FQDN]))
            .host_name(FQDN),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let port = server.port();
    assert_eq!(server.url(), format!("https://{FQDN}:{port}"));
    assert_eq!(server.urls()[1], format!("https://127.0.0.12:{port}"));

    let tls = server.tls().unwrap();
    assert!(tls.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    let digest: [u8; 32] = Sha256::digest(tls.leaf_der()).into();
    assert_eq!(tls.fingerprint_sha256(), digest);
    let colon = tls.fingerprint_hex_colon();
    let pairs: Vec<&str> = colon.split(':').collect();
    assert_eq!(pairs.len(), 32);
    for (pair, byte) in pairs.iter().zip(digest) {
        assert_eq!(*pair, format!("{byte:02X}"));
    }

    let client = tls_client(&tls.ca_pem(), Some(FQDN));
    for url in server.urls() {
        let reply = get(&client, &format!("{url}/echo")).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(json_field(reply.text(), "sni").as_deref(), Some(FQDN));
    }
    let log = server.log().entries();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e.sni.as_deref() == Some(FQDN)));
    assert_eq!(log[0].node.ip(), NODE_A);
    assert_eq!(log[1].node.ip(), NODE_B);
    let conns = server.connections();
    assert_eq!(conns.len(), 2);
    assert!(
        conns
            .iter()
            .all(|c| c.tls && c.sni.as_deref() == Some(FQDN))
    );

    // An IP URL without a name override: no SNI (RFC 6066), the IP SAN matches.
    let by_ip = tls_client(&tls.ca_pem(), None);
    let reply = get(&by_ip, &format!("{}/echo", server.urls()[1]))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(server.log().last().unwrap().sni, None);

    // A client trusting another CA must fail the handshake, and the server records why.
    let other = ServerTls::generate(&[FQDN.to_owned()], &[NODE_A]).unwrap();
    let stranger = tls_client(&other.ca_pem(), Some(FQDN));
    assert!(get(&stranger, &server.urls()[0]).await.is_err());
    assert_eq!(server.log().len(), 3);
}

#[test]
fn start_outside_a_runtime_is_an_error() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let mut start = std::pin::pin!(MockServer::start(ServerConfig::new(), DemoApp::new()));
    let mut cx = Context::from_waker(Waker::noop());
    match start.as_mut().poll(&mut cx) {
        Poll::Ready(Err(MockError::NoRuntime)) => {}
        other => panic!("expected NoRuntime, got {other:?}"),
    }
}

/// Three chunks of three bytes each, from a hand-made stream.
struct Countdown(u8);

impl futures_core::Stream for Countdown {
    type Item = Result<bytes::Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.0 == 0 {
            return std::task::Poll::Ready(None);
        }
        self.0 -= 1;
        std::task::Poll::Ready(Some(Ok(bytes::Bytes::from(vec![b'0' + self.0; 3]))))
    }
}

#[tokio::test]
async fn closure_handlers_with_streamed_bodies() {
    use bytes::Bytes;
    use http::{Request, Response, StatusCode};
    use hyper::body::Incoming;
    use storkit_mock::{Ctx, body, reply};

    let handler = |req: Request<Incoming>, ctx: Ctx| async move {
        match req.uri().path() {
            "/channel" => {
                let (tx, body) = body::channel(1);
                tokio::spawn(async move {
                    for chunk in ["a", "b", "c"] {
                        tx.send(Bytes::from(chunk)).await.unwrap();
                    }
                });
                Response::new(body)
            }
            "/abort" => {
                let (tx, body) = body::channel(1);
                tokio::spawn(async move {
                    let _ = tx.send(Bytes::from_static(b"partial")).await;
                    tx.abort("generator failed").await;
                });
                Response::new(body)
            }
            "/stream" => Response::new(body::stream(Countdown(3))),
            _ => reply::text(
                StatusCode::OK,
                format!("conn {} tls {} node {}", ctx.conn_id, ctx.tls, ctx.node),
            ),
        }
    };
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), handler)
        .await
        .unwrap();
    let client = plain_client();
    let url = server.url();

    let reply = get(&client, &format!("{url}/channel")).await.unwrap();
    assert_eq!(reply.text(), "abc");
    let reply = get(&client, &format!("{url}/stream")).await.unwrap();
    assert_eq!(reply.text(), "222111000");
    assert!(get(&client, &format!("{url}/abort")).await.is_err());
    let reply = get(&plain_client(), &format!("{url}/ctx")).await.unwrap();
    assert_eq!(
        reply.text(),
        format!(
            "conn {} tls false node {}",
            server.log().last().unwrap().conn_id,
            server.addrs()[0]
        )
    );
    assert_eq!(reply.headers["content-type"], "text/plain; charset=utf-8");
}

#[tokio::test]
async fn log_capacity_keeps_the_latest_entries() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    server.log().set_capacity(Some(2));
    let client = plain_client();
    for code in [201, 202, 203] {
        get(&client, &format!("{}/status/{code}", server.url()))
            .await
            .unwrap();
    }
    let statuses: Vec<_> = server.log().entries().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(202), Some(203)]);
    assert_eq!(server.log().total(), 3);
    assert_eq!(server.log().entries()[0].seq, 1);
}
