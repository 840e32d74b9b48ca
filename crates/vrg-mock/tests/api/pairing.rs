//! Pairing with a peer VRG: the state machine and the key spellings. Addresses
//! 127.0.10.40–49.

use std::time::Duration;

use serde_json::json;
use storkit_vrg_mock::{PairKeys, codes};
use tokio::time::advance;

use crate::support::{Client, Req, start};

#[tokio::test(start_paused = true)]
async fn pairing_goes_from_4_through_2_to_1_and_back() {
    let mock = start(40, |c| c.pair_delay(Duration::from_secs(3))).await;
    let mut client = Client::paused(&mock);
    client.login().await;
    assert_eq!(client.get("/vrgmap").await.json(), json!({"status": 4}));

    let pair = client
        .post(
            "/vrgmap",
            &json!({"dstIp": "192.168.100.220", "dstPort": 7000}),
        )
        .await;
    assert_eq!(pair.status, 200);
    assert!(pair.body.is_empty());
    let pairing = json!({"dstIp": "192.168.100.220", "dstPort": 7000, "status": 2});
    assert_eq!(client.get("/vrgmap").await.json(), pairing);
    advance(Duration::from_millis(2_999)).await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 2);
    advance(Duration::from_millis(1)).await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 1);
    assert_eq!(mock.pair_state().status, 1);
    assert_eq!(mock.pair_state().dst_port, Some(7000));

    mock.link_down();
    assert_eq!(client.get("/vrgmap").await.json()["status"], 5);

    // Pairing again (the sample's snake-case keys) replaces the peer and starts over.
    let again = client
        .post(
            "/vrgmap",
            &json!({"dst_ip": "192.168.100.221", "dst_port": 7001}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        client.get("/vrgmap").await.json(),
        json!({"dstIp": "192.168.100.221", "dstPort": 7001, "status": 2})
    );
    advance(Duration::from_secs(3)).await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 1);

    assert_eq!(client.delete("/vrgmap").await.status, 200);
    assert_eq!(client.get("/vrgmap").await.json(), json!({"status": 4}));
    assert_eq!(client.delete("/vrgmap").await.status, 200);
    mock.link_down();
    assert_eq!(mock.pair_state().status, 4);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_peer_ends_in_3() {
    let mock = start(41, |c| c).await;
    let mut client = Client::paused(&mock);
    client.login().await;
    mock.set_peer_reachable(false);
    client
        .post(
            "/vrgmap",
            &json!({"dstIp": "192.168.100.220", "dstPort": 7000}),
        )
        .await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 2);
    advance(Duration::from_millis(50)).await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 3);
    // Reachable again: the next pairing succeeds.
    mock.set_peer_reachable(true);
    client
        .post(
            "/vrgmap",
            &json!({"dstIp": "192.168.100.220", "dstPort": 7000}),
        )
        .await;
    advance(Duration::from_millis(50)).await;
    assert_eq!(client.get("/vrgmap").await.json()["status"], 1);
}

#[tokio::test]
async fn pairing_bodies_are_checked() {
    let mock = start(42, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    for (body, code) in [
        (
            json!({"dstIp": "192.168.100.220", "dst_ip": "192.168.100.220", "dstPort": 7000}),
            codes::INVALID_PARAMETER,
        ),
        (
            json!({"dstIp": "192.168.100.220", "dstPort": 7000, "dst_port": 7000}),
            codes::INVALID_PARAMETER,
        ),
        (
            json!({"dstIp": "192.168.100", "dstPort": 7000}),
            codes::INVALID_IP,
        ),
        (
            json!({"dstIp": "192.168.100.220", "dstPort": 0}),
            codes::INVALID_PORT,
        ),
        (
            json!({"dstIp": "192.168.100.220", "dstPort": 65536}),
            codes::INVALID_PORT,
        ),
        (json!({"dstPort": 7000}), codes::INVALID_PARAMETER),
        (
            json!({"dstIp": "192.168.100.220"}),
            codes::INVALID_PARAMETER,
        ),
    ] {
        let reply = client.post("/vrgmap", &body).await;
        assert_eq!(reply.code(), code, "{body}");
    }
    let english = client
        .send(Req::post("/vrgmap", &json!({"dstIp": "x", "dstPort": 1})).english())
        .await;
    assert_eq!(english.des(), "Invalid IP address.");
    let english = client
        .send(Req::post("/vrgmap", &json!({"dstIp": "1.2.3.4", "dstPort": -1})).english())
        .await;
    assert_eq!(english.des(), "Invalid port.");
    assert_eq!(mock.pair_state().status, 4);

    let camel = start(43, |c| c.pair_key_style(PairKeys::CamelOnly)).await;
    let mut client = Client::new(&camel);
    client.login().await;
    let snake = json!({"dst_ip": "192.168.100.220", "dst_port": 7000});
    let table = json!({"dstIp": "192.168.100.220", "dstPort": 7000});
    assert_eq!(
        client.post("/vrgmap", &snake).await.code(),
        codes::INVALID_PARAMETER
    );
    assert_eq!(client.post("/vrgmap", &table).await.status, 200);

    let only_snake = start(44, |c| c.pair_key_style(PairKeys::SnakeOnly)).await;
    let mut client = Client::new(&only_snake);
    client.login().await;
    assert_eq!(
        client.post("/vrgmap", &table).await.code(),
        codes::INVALID_PARAMETER
    );
    assert_eq!(client.post("/vrgmap", &snake).await.status, 200);
}
