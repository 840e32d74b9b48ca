//! The kit's times on Tokio's clock: a paused test clock moves log times and idle closes.

use std::time::Duration;

use storkit_mock::demo::DemoApp;
use storkit_mock::{Closer, MockServer, ServerConfig};
use tokio::net::TcpStream;
use tokio::time::{Instant, advance};

use crate::support::{ip3, raw_exchange};

const REQUEST: &[u8] = b"GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test(start_paused = true)]
async fn log_times_follow_the_paused_clock() {
    let server = MockServer::start(ServerConfig::new().ips([ip3(20)]), DemoApp::new())
        .await
        .unwrap();
    let start = Instant::now();
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    assert_eq!(raw_exchange(&mut tcp, REQUEST).await.status, 204);
    advance(Duration::from_secs(3600)).await;
    assert_eq!(raw_exchange(&mut tcp, REQUEST).await.status, 204);

    let log = server.log().entries();
    assert_eq!(log.len(), 2);
    assert!(log[0].at - start < Duration::from_secs(1));
    assert!(log[1].at - log[0].at >= Duration::from_secs(3600));
    let record = server.connection(log[0].conn_id).unwrap();
    assert!(record.opened_at - start < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn idle_close_follows_the_paused_clock() {
    let idle = Duration::from_secs(30);
    let server = MockServer::start(
        ServerConfig::new().ips([ip3(21)]).idle_close(idle),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    assert_eq!(raw_exchange(&mut tcp, REQUEST).await.status, 204);
    let id = server.log().last().unwrap().conn_id;

    advance(idle - Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert!(!server.connection(id).unwrap().is_closed());

    advance(Duration::from_secs(2)).await;
    assert!(server.wait_conn_closed(id, Duration::from_secs(1)).await);
    let record = server.connection(id).unwrap();
    assert_eq!(record.closed_by, Some(Closer::Server));
    let open_for = record.closed_at.unwrap() - record.opened_at;
    assert!(
        open_for >= idle && open_for < idle + Duration::from_secs(3),
        "{open_for:?}"
    );
}
