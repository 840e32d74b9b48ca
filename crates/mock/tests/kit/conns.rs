//! Connection records: who closed what, node stop and start, idle closes, shutdown.

use std::io::ErrorKind;
use std::time::Duration;

use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use storkit_mock::demo::DemoApp;
use storkit_mock::{Closer, Fault, FaultAction, MockError, MockServer, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{NODE_A, NODE_B, NODE_C, echo_conn, get, plain_client};

const WAIT: Duration = Duration::from_secs(3);

#[tokio::test]
async fn stop_node_refuses_connects_and_start_node_restores() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A, NODE_B]), DemoApp::new())
        .await
        .unwrap();
    let [a, b] = [0, 1].map(|i| format!("{}/echo", server.urls()[i]));
    let client = plain_client();
    let pooled = echo_conn(&get(&client, &b).await.unwrap());

    server.stop_node(NODE_B).unwrap();
    assert!(!server.is_node_up(NODE_B));
    let err = TcpStream::connect(server.addrs()[1]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    assert!(server.wait_conn_closed(pooled, WAIT).await);
    assert_eq!(
        server.connection(pooled).unwrap().closed_by,
        Some(Closer::Server)
    );
    assert!(get(&client, &b).await.is_err());
    assert_eq!(get(&client, &a).await.unwrap().status, 200);

    server.start_node(NODE_B).unwrap();
    assert!(server.is_node_up(NODE_B));
    assert_eq!(server.addrs()[1].port(), server.port());
    let reply = get(&plain_client(), &b).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_ne!(echo_conn(&reply), pooled);

    assert!(matches!(
        server.stop_node(NODE_C),
        Err(MockError::UnknownNode { ip }) if ip == NODE_C
    ));
}

#[tokio::test]
async fn idle_close_closes_silently_and_the_next_request_opens_a_new_connection() {
    let idle = Duration::from_millis(300);
    let server = MockServer::start(
        ServerConfig::new().ips([NODE_A]).idle_close(idle),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let url = format!("{}/echo", server.url());
    let client = plain_client();
    let first = echo_conn(&get(&client, &url).await.unwrap());

    assert!(server.wait_conn_closed(first, WAIT).await);
    let record = server.connection(first).unwrap();
    assert_eq!(record.closed_by, Some(Closer::Server));
    assert!(record.closed_at.unwrap() - record.opened_at >= idle);
    assert_eq!(record.requests, 1);

    // Let the client's pool see the close before reusing it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = echo_conn(&get(&client, &url).await.unwrap());
    assert_ne!(second, first);
    assert_eq!(server.log().len(), 2);
}

#[tokio::test]
async fn idle_close_sends_nothing_before_closing() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([NODE_A])
            .idle_close(Duration::from_millis(200)),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    tcp.write_all(b"GET /status/204 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    // One response, then EOF with no further byte (no 408, nothing).
    assert_eq!(
        String::from_utf8(raw).unwrap().matches("HTTP/1.1").count(),
        1
    );
}

#[tokio::test]
async fn close_idle_connections_spares_busy_ones() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    server
        .faults()
        .add(Fault::new(FaultAction::DelayHeaders(Duration::from_millis(400))).on_path("/status"));
    let idle_client = plain_client();
    let idle = echo_conn(
        &get(&idle_client, &format!("{}/echo", server.url()))
            .await
            .unwrap(),
    );
    let busy_client = plain_client();
    let busy_url = format!("{}/status/202", server.url());
    let busy = tokio::spawn(async move { get(&busy_client, &busy_url).await.unwrap().status });
    assert!(server.log().wait_for(2, WAIT).await);

    assert_eq!(server.close_idle_connections(), 1);
    assert!(server.wait_conn_closed(idle, WAIT).await);
    assert_eq!(
        server.connection(idle).unwrap().closed_by,
        Some(Closer::Server)
    );
    assert_eq!(busy.await.unwrap(), 202);
    let busy_conn = server.log().last().unwrap().conn_id;
    assert!(!server.connection(busy_conn).unwrap().is_closed());
}

#[tokio::test]
async fn client_pool_idle_timeout_shows_as_a_client_close() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    let client: Client<_, storkit_mock::MockBody> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_millis(200))
        .pool_timer(TokioTimer::new())
        .build_http();
    let id = echo_conn(
        &get(&client, &format!("{}/echo", server.url()))
            .await
            .unwrap(),
    );
    assert!(!server.connection(id).unwrap().is_closed());
    assert!(
        server.wait_conn_closed(id, WAIT).await,
        "the pool never closed it"
    );
    assert_eq!(
        server.connection(id).unwrap().closed_by,
        Some(Closer::Client)
    );
    drop(client);
}

#[tokio::test]
async fn raw_client_close_is_a_client_close() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    tcp.write_all(b"GET /status/204 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 204"));
    let id = server.log().last().unwrap().conn_id;
    drop(tcp);
    assert!(server.wait_conn_closed(id, WAIT).await);
    assert_eq!(
        server.connection(id).unwrap().closed_by,
        Some(Closer::Client)
    );
}

#[tokio::test]
async fn shutdown_closes_listeners_and_connections() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A, NODE_B]), DemoApp::new())
        .await
        .unwrap();
    let client = plain_client();
    let id = echo_conn(
        &get(&client, &format!("{}/echo", server.url()))
            .await
            .unwrap(),
    );
    server.shutdown().await;
    assert!(server.connection(id).unwrap().is_closed());
    for addr in server.addrs() {
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    }
    assert!(matches!(
        server.start_node(NODE_A),
        Err(MockError::ShutDown)
    ));
}
