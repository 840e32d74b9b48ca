//! Alarm server, VRG status, networks and a VM's DR status. Addresses 127.0.10.20–39.

use serde_json::json;
use storkit_vrg_mock::{Role, codes};

use crate::support::{Client, Req, VM1, VM2, dr, start};

#[tokio::test]
async fn the_alarm_server_is_set_read_and_cleared() {
    let mock = start(20, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let unset = client.get("/trapinfo").await;
    assert_eq!(unset.code(), codes::ALARM_SERVER_NOT_CONFIGURED);
    assert_eq!(unset.des(), "告警管理端信息不存在。");

    let set = client
        .post("/trapinfo", &json!({"ip": "10.20.30.40", "port": 162}))
        .await;
    assert_eq!(set.status, 200);
    assert!(set.body.is_empty());
    let got = client.get("/trapinfo").await;
    assert_eq!(got.json(), json!({"ip": "10.20.30.40", "port": 162}));
    assert_eq!(
        mock.alarm_server(),
        Some(("10.20.30.40".parse().unwrap(), 162))
    );

    for (body, code) in [
        (json!({"ip": "10.20.30", "port": 162}), codes::INVALID_IP),
        (json!({"ip": "10.20.30.40", "port": 0}), codes::INVALID_PORT),
        (
            json!({"ip": "10.20.30.40", "port": 65536}),
            codes::INVALID_PORT,
        ),
        (json!({"ip": "10.20.30.40"}), codes::INVALID_PARAMETER),
        (
            json!({"ip": "10.20.30.40", "port": "162"}),
            codes::INVALID_PARAMETER,
        ),
        (json!([]), codes::INVALID_PARAMETER),
    ] {
        assert_eq!(client.post("/trapinfo", &body).await.code(), code, "{body}");
    }
    let broken = client
        .send(Req::new("POST", "/trapinfo").raw_body("{\"ip\":"))
        .await;
    assert_eq!(broken.code(), codes::INVALID_PARAMETER);
    let empty = client.send(Req::new("POST", "/trapinfo")).await;
    assert_eq!(empty.code(), codes::INVALID_PARAMETER);
    assert_eq!(
        mock.alarm_server(),
        Some(("10.20.30.40".parse().unwrap(), 162))
    );

    // "0.0.0.0 表示删除", with or without a port.
    let clear = client
        .post("/trapinfo", &json!({"ip": "0.0.0.0", "port": 0}))
        .await;
    assert_eq!(clear.status, 200);
    assert_eq!(
        client.get("/trapinfo").await.code(),
        codes::ALARM_SERVER_NOT_CONFIGURED
    );
    client
        .post("/trapinfo", &json!({"ip": "10.0.0.1", "port": 1}))
        .await;
    assert_eq!(
        client
            .post("/trapinfo", &json!({"ip": "0.0.0.0"}))
            .await
            .status,
        200
    );
    assert_eq!(mock.alarm_server(), None);
}

#[tokio::test]
async fn vrg_status_and_its_hooks() {
    let mock = start(21, |c| c.capacities(-1, -1)).await;
    let mut client = Client::new(&mock);
    client.login().await;
    assert_eq!(
        client.get("/vrgstatus").await.json(),
        json!({"status": 1, "availableCapacity": -1, "totalCapacity": -1})
    );
    mock.set_status(2);
    mock.set_capacities(-2, 1_048_576);
    assert_eq!(
        client.get("/vrgstatus").await.json(),
        json!({"status": 2, "availableCapacity": -2, "totalCapacity": 1_048_576})
    );
}

#[tokio::test]
async fn networks_list_three_types_and_eth0_can_go_missing() {
    let mock = start(22, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let reply = client.get("/netinfos").await;
    assert_eq!(
        reply.json(),
        json!({"netInfos": [
            {"type": 0, "ip": "127.0.10.22", "port": mock.port(),
             "gateway": "127.0.10.1", "netmask": "255.255.255.0"},
            {"type": 1, "ip": "192.168.10.20", "port": 7100},
            {"type": 2, "ip": "192.168.100.210", "port": 7000},
        ]})
    );
    mock.set_eth0_missing(true);
    let missing = client.send(Req::get("/netinfos").english()).await;
    assert_eq!(missing.code(), codes::NO_MANAGEMENT_ETH0);
    assert_eq!(missing.des(), "Management-plane eth0 does not exist.");
    mock.set_eth0_missing(false);
    assert_eq!(client.get("/netinfos").await.status, 200);
}

#[tokio::test]
async fn vm_dr_status_only_on_the_dr_side_during_a_failover() {
    let production = start(23, |c| c.failover(true)).await;
    let mut client = Client::new(&production);
    client.login().await;
    client.post("/vmstrategy", &dr(VM1)).await;
    let refused = client.get(&format!("/vmdrstatus/{VM1}/")).await;
    assert_eq!(refused.code(), codes::INVALID_PARAMETER);

    let mock = start(24, |c| c.role(Role::Dr)).await;
    let mut client = Client::new(&mock);
    client.login().await;
    assert_eq!(client.post("/vmstrategy", &dr(VM1)).await.status, 200);
    // Not during a failover.
    let path = format!("/vmdrstatus/{VM1}/");
    assert_eq!(client.get(&path).await.code(), codes::INVALID_PARAMETER);
    mock.set_failover(true);
    assert_eq!(client.get(&path).await.json(), json!({"status": 1}));
    assert!(mock.set_dr_status(VM1, 3));
    assert!(!mock.set_dr_status(VM2, 3));
    // Without the documented trailing slash too, any case.
    let bare = format!("/vmdrstatus/{}", VM1.to_uppercase());
    assert_eq!(client.get(&bare).await.json(), json!({"status": 3}));
    let unknown = client.get(&format!("/vmdrstatus/{VM2}/")).await;
    assert_eq!(unknown.code(), codes::VM_NOT_FOUND);
    assert_eq!(unknown.des(), "虚拟机不存在");
    let malformed = client.get("/vmdrstatus/not-a-uuid/").await;
    assert_eq!(malformed.code(), codes::INVALID_VM_UUID);
    assert_eq!(malformed.des(), "虚拟机 UUID 不合法");
    mock.set_failover(false);
    assert_eq!(client.get(&path).await.code(), codes::INVALID_PARAMETER);
}
