//! The kit's faults and node control on the HCP mock, and HCP's silent idle close.

use std::time::Duration;

use http::Method;
use storkit_mock::{Closer, Fault, FaultAction};

use crate::support::{Hcp, ip};

#[tokio::test]
async fn idle_keep_alive_connections_close_silently() {
    let hcp = Hcp::with(&[40], |c| c.idle_close(Duration::from_millis(200))).await;
    hcp.n1(Method::PUT, "/rest/a", b"a").await;
    let first = hcp.mock.server().connections()[0].id;
    assert!(
        hcp.mock
            .server()
            .wait_conn_closed(first, Duration::from_secs(3))
            .await
    );
    let record = hcp.mock.server().connection(first).unwrap();
    assert_eq!(record.closed_by, Some(Closer::Server));
    // The next request needs (and gets) a new connection.
    assert_eq!(hcp.n1(Method::GET, "/rest/a", b"").await.status, 200);
    assert_eq!(hcp.mock.server().connections().len(), 2);
}

#[tokio::test]
async fn kit_faults_and_stopped_nodes() {
    let hcp = Hcp::start(&[41, 42]).await;
    hcp.mock.server().faults().add(
        Fault::new(FaultAction::service_unavailable(Some(2)))
            .on_host("n1.m.hcp1.example")
            .on_path("/rest/busy")
            .times(1),
    );
    assert_eq!(hcp.n1(Method::GET, "/rest/busy", b"").await.status, 503);
    assert_eq!(hcp.n1(Method::GET, "/rest/busy", b"").await.status, 404);

    hcp.mock.server().stop_node(ip(41)).unwrap();
    let refused = tokio::net::TcpStream::connect(
        hcp.mock.server().listener_addrs(hcp.mock.data_listener())[0],
    )
    .await;
    assert!(refused.is_err());
    let mapi = tokio::net::TcpStream::connect(
        hcp.mock.server().listener_addrs(hcp.mock.mapi_listener())[0],
    )
    .await;
    assert!(mapi.is_err(), "a stopped node is down on both ports");
    let other = hcp
        .send(
            Method::PUT,
            &hcp.data(1, "/rest/up"),
            &[
                ("host", crate::support::N1),
                ("authorization", &crate::support::n_auth()),
            ],
            b"up",
        )
        .await;
    assert_eq!(other.status, 201);
    hcp.mock.server().start_node(ip(41)).unwrap();
    assert_eq!(hcp.n1(Method::GET, "/rest/up", b"").await.status, 200);
}
