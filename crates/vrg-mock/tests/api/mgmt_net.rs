//! `POST /modmngnet/`: the mock moves to its new address, sessions kept. Addresses
//! 127.0.10.80–99 (and their new addresses 127.0.10.100–119).

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use storkit_vrg_mock::{SeedShapes, codes};
use tokio::net::TcpStream;

use crate::support::{Client, Req, ip, start};

/// Waits until connecting to `addr` is refused.
async fn wait_refused(addr: SocketAddr) {
    for _ in 0..400 {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return,
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    panic!("{addr} still accepts connections");
}

#[tokio::test]
async fn the_vrg_moves_to_its_new_address_and_keeps_its_sessions() {
    let mock = start(80, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let old = mock.addr();
    let reply = client
        .post(
            "/modmngnet/",
            &json!({"newIp": "127.0.10.100", "newMask": "255.255.0.0", "newGateway": "127.0.0.1"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(mock.ip(), ip(100));
    assert_eq!(mock.url(), format!("http://127.0.10.100:{}", mock.port()));

    wait_refused(old).await;
    // The same token works on the new address (the client follows `mock.addr()`).
    let networks = client.get("/netinfos").await;
    assert_eq!(networks.status, 200);
    assert_eq!(
        networks.json()["netInfos"][0],
        json!({"type": 0, "ip": "127.0.10.100", "port": mock.port(),
               "gateway": "127.0.0.1", "netmask": "255.255.0.0"})
    );
    assert_eq!(
        mock.server().log().last().unwrap().node.ip(),
        ip(100),
        "served on the new address"
    );
    assert_eq!(mock.live_sessions(), 1);

    // And back, without the trailing slash.
    let back = client
        .post(
            "/modmngnet",
            &json!({"newIp": "127.0.10.80", "newMask": "255.255.255.0", "newGateway": "127.0.10.1"}),
        )
        .await;
    assert_eq!(back.status, 200);
    wait_refused(SocketAddr::new(ip(100), mock.port())).await;
    assert_eq!(client.get("/vrgstatus").await.status, 200);
    assert_eq!(mock.addr(), old);
}

#[tokio::test]
async fn management_network_bodies_are_checked() {
    let mock = start(81, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let good =
        json!({"newIp": "127.0.10.81", "newMask": "255.255.255.128", "newGateway": "127.0.10.126"});
    for (field, value, code) in [
        ("newIp", json!("127.0.10"), codes::INVALID_IP),
        ("newIp", json!("10.0.0.5"), codes::INVALID_IP),
        ("newMask", json!("255.0.255.0"), codes::INVALID_IP),
        ("newGateway", json!("gateway"), codes::INVALID_IP),
        ("newGateway", json!(null), codes::INVALID_PARAMETER),
        ("newMask", json!(24), codes::INVALID_PARAMETER),
    ] {
        let mut body = good.clone();
        body[field] = value;
        assert_eq!(
            client.post("/modmngnet/", &body).await.code(),
            code,
            "{body}"
        );
    }
    assert_eq!(mock.ip(), ip(81));
    // The same address: only the mask and gateway change; the connection stays usable.
    let same = client.post("/modmngnet/", &good).await;
    assert_eq!(same.status, 200);
    assert_eq!(
        same.header("connection"),
        Some("close"),
        "the client asked for it"
    );
    let net = client.get("/netinfos").await.json();
    assert_eq!(net["netInfos"][0]["netmask"], "255.255.255.128");
    assert_eq!(net["netInfos"][0]["gateway"], "127.0.10.126");
    assert_eq!(mock.ip(), ip(81));
}

#[tokio::test]
async fn the_sample_body_is_an_option() {
    let mock = start(82, |c| {
        c.seed_shapes(SeedShapes {
            modmngnet_body: true,
            ..SeedShapes::default()
        })
    })
    .await;
    let mut client = Client::new(&mock);
    client.login().await;
    let reply = client
        .send(
            Req::post(
                "/modmngnet/",
                &json!({"newIp": "127.0.10.102", "newMask": "255.255.255.0", "newGateway": "127.0.10.1"}),
            )
            .without("Content-Type"),
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"IP": "127.0.10.102", "netmask": "255.255.255.0", "netGateway": "127.0.10.1"})
    );
    wait_refused(SocketAddr::new(ip(82), mock.port())).await;
    assert_eq!(client.get("/vrgstatus").await.status, 200);
}

#[tokio::test]
async fn a_new_address_that_cannot_be_bound_is_an_internal_error() {
    let mock = start(83, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let taken = std::net::TcpListener::bind((ip(103), mock.port())).unwrap();
    let reply = client
        .send(
            Req::post(
                "/modmngnet/",
                &json!({"newIp": "127.0.10.103", "newMask": "255.255.255.0", "newGateway": "127.0.10.1"}),
            )
            .english(),
        )
        .await;
    assert_eq!(reply.code(), codes::INTERNAL_ERROR);
    assert_eq!(
        reply.des(),
        "Internal system error; check the system's running state."
    );
    drop(taken);
    // Nothing moved.
    assert_eq!(mock.ip(), ip(83));
    assert_eq!(client.get("/vrgstatus").await.status, 200);
}
