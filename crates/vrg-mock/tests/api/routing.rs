//! Unknown paths, methods, the token on every route, and the kit's faults. Addresses
//! 127.0.10.140–159.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::json;
use storkit_mock::{Fault, FaultAction};
use storkit_vrg_mock::codes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Client, Req, VM1, start};

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let mock = start(140, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    for path in [
        "/vrgservice/nope",
        "/vrgservice/vrgstatus/",
        "/service/session",
        "/",
    ] {
        let reply = client.send(Req::get("").absolute(path)).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.error_code(), codes::INVALID_PARAMETER, "{path}");
    }
    let put = client.send(Req::new("PUT", "/vrgmap")).await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), Some("POST, DELETE, GET"));
    assert_eq!(put.error_code(), codes::INVALID_PARAMETER);
    let delete = client.send(Req::delete("/vmstrategy")).await;
    assert_eq!(
        (delete.status, delete.header("allow")),
        (405, Some("POST, GET"))
    );
    // The delete of a VM's configuration is a POST.
    let delete = client
        .send(Req::delete(&format!("/vmstrategy/{VM1}/")))
        .await;
    assert_eq!(delete.status, 405);
}

#[tokio::test]
async fn every_route_but_versions_and_login_needs_the_token() {
    let mock = start(141, |c| c).await;
    let client = Client::new(&mock);
    let routes = [
        Req::delete("/session"),
        Req::post("/trapinfo", &json!({"ip": "1.2.3.4", "port": 1})),
        Req::get("/trapinfo"),
        Req::get("/vrgstatus"),
        Req::get("/netinfos"),
        Req::get(&format!("/vmdrstatus/{VM1}/")),
        Req::post("/vrgmap", &json!({"dstIp": "1.2.3.4", "dstPort": 1})),
        Req::delete("/vrgmap"),
        Req::get("/vrgmap"),
        Req::post("/vmstrategy", &json!({})),
        Req::get("/vmstrategy"),
        Req::post(&format!("/vmstrategy/{VM1}/"), &json!({"delFlag": 1})),
        Req::post("/modmngnet/", &json!({})),
    ];
    for req in routes {
        let reply = client.raw(req.clone()).await;
        assert_eq!(reply.code(), codes::NOT_LOGGED_IN, "{req:?}");
    }
    assert_eq!(mock.alarm_server(), None);
    assert_eq!(mock.pair_state().status, 4);
}

#[tokio::test]
async fn the_kits_faults_hit_one_route() {
    let mock = start(142, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let faults = mock.server().faults();
    // Any answer, e.g. an internal error on one route, once.
    faults.add(
        Fault::new(FaultAction::Respond {
            status: 400,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from_static(
                "{\"errorCode\":\"10440000\",\"errorDes\":\"系统内部错误,请检查系统运行状态。\"}"
                    .as_bytes(),
            ),
        })
        .on_path("/vrgservice/vrgstatus")
        .times(1),
    );
    assert_eq!(client.get("/vrgstatus").await.code(), codes::INTERNAL_ERROR);
    assert_eq!(client.get("/vrgstatus").await.status, 200);

    // Latency.
    faults.add(
        Fault::new(FaultAction::DelayHeaders(Duration::from_millis(200)))
            .on_path("/vrgservice/vrgmap")
            .times(1),
    );
    let started = Instant::now();
    assert_eq!(client.get("/vrgmap").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    // A dropped connection after the request was read: no answer at all.
    faults.add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_path("/vrgservice/netinfos")
            .times(1),
    );
    let mut tcp = TcpStream::connect(mock.addr()).await.unwrap();
    let token = client.token.clone().unwrap();
    tcp.write_all(
        format!("GET /vrgservice/netinfos HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {token}\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut raw)).await;
    assert!(raw.is_empty(), "{}", String::from_utf8_lossy(&raw));
    assert_eq!(client.get("/netinfos").await.status, 200);
    let log = mock.server().log().entries();
    assert!(
        log.iter()
            .any(|e| e.fault.as_deref() == Some("close_before_response"))
    );
}
