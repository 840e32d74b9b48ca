//! Every error code of the interface document, surfaced as its `VrgErrorCode`: through the
//! typed API where it lets the input through, through the core's raw path where it refuses
//! it before sending (and then nothing reaches the VRG). `errorDes` verbatim in both
//! languages, unknown and numeric codes. Addresses 127.0.11.30-59.

use std::net::Ipv4Addr;

use bytes::Bytes;
use serde_json::{Value, json};
use storkit_core::http::{Method, StatusCode};
use storkit_core::{Error, ErrorKind, Phase, Request};
use storkit_mock::{Fault, FaultAction};
use storkit_vrg::model::{
    AlarmServer, DeleteFlag, DrStrategy, DrVolume, FaultVms, ManagementNetwork, PeerAddress,
    ProductionStrategy, ProductionVolume, VmUuid, VolType, decode_error,
};
use storkit_vrg::query::StrategyQuery;
use storkit_vrg::{Lang, VrgClient, VrgErrorCode, VrgErrorExt};
use storkit_vrg_mock::{SeedShapes, VrgMock, codes};

use crate::support::{
    PASSWORD, USER, assert_refused, builder, client, count, description, key_of, log, production,
    start, vm,
};

/// The mock's language for the client's.
fn mock_lang(lang: Lang) -> codes::Lang {
    match lang {
        Lang::ZhCn => codes::Lang::Zh,
        Lang::EnUs => codes::Lang::En,
    }
}

/// `e` is the VRG's `want`, answered with HTTP 400, its `errorDes` the document's text in
/// `lang`, verbatim.
#[track_caller]
fn assert_code(e: &Error, want: &VrgErrorCode, lang: Lang) {
    assert_eq!(e.vrg_code(), Some(want), "{e}");
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    let text = codes::describe(want.code(), mock_lang(lang)).expect("a documented code");
    assert_eq!(description(e).as_deref(), Some(text), "{e}");
    let shown = e.to_string();
    assert!(
        shown.contains(want.code()) && shown.contains(text),
        "{shown}"
    );
}

/// A `400 {"errorCode": code, "errorDes": des}` the kit answers instead of the VRG.
fn error_answer(code: &str, des: &str) -> FaultAction {
    FaultAction::Respond {
        status: 400,
        headers: vec![(
            "content-type".to_owned(),
            "application/json; charset=UTF-8".to_owned(),
        )],
        body: Bytes::from(json!({"errorCode": code, "errorDes": des}).to_string()),
    }
}

/// Sends `request` on the client's core, as is; the code and description of the error
/// answer it gets.
async fn raw(vrg: &VrgClient, request: Request) -> (VrgErrorCode, Option<String>) {
    let response = vrg.core().send(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (code, des) = decode_error(response.body())
        .unwrap_or_else(|| panic!("not an error body: {:?}", response.body()));
    (VrgErrorCode::from_code(&code), des)
}

/// `POST /vrgservice{path}` with `body` and the session's token.
fn post(vrg: &VrgClient, path: &str, body: &Value) -> Request {
    vrg.authenticated(Request::post(format!("/vrgservice{path}")).json(body))
}

/// `GET /vrgservice{path}` with the session's token.
fn get(vrg: &VrgClient, path: &str) -> Request {
    vrg.authenticated(Request::get(format!("/vrgservice{path}")))
}

#[tokio::test]
async fn typed_calls_surface_the_codes_in_english() {
    let mock = start(30, |c| c).await;
    let vrg = client(&mock);
    let en = Lang::EnUs;
    let odd_vm = VmUuid::new("i-0000027D").unwrap();

    // 10440101: vmdrstatus outside a DR-side failover (mock choice), an undocumented
    // faultVms, a volume type the VRG does not list.
    let e = vrg.vm_dr_status(&vm(1)).await.unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidParameter, en);
    assert_eq!(e.kind(), ErrorKind::Vendor);
    assert_eq!(e.phase(), Phase::Responded);
    let e = vrg
        .strategies(&StrategyQuery::all().fault_vms(FaultVms(2)))
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidParameter, en);
    let odd_type = DrStrategy::new(vm(2), Ipv4Addr::new(10, 1, 0, 7), 7001)
        .volume(DrVolume::new("a", "/POME/a.vhd").vol_type(VolType::Other("FC".into())));
    let e = vrg.set_dr_strategy(&odd_type).await.unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidParameter, en);

    // 10440305.
    mock.set_eth0_missing(true);
    let e = vrg.networks().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::NoManagementEth0, en);
    mock.set_eth0_missing(false);

    // 10440401: a VM UUID the client takes (FusionCompute `i-…` ids) and the VRG does not.
    let e = vrg
        .set_production_strategy(&production(&odd_vm, 1))
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidVmUuid, en);
    let e = vrg.strategy(&odd_vm).await.unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidVmUuid, en);
    let e = vrg
        .delete_strategy(&odd_vm, DeleteFlag::Normal)
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidVmUuid, en);

    // 10440400, a NotFound.
    let e = vrg
        .delete_strategy(&vm(404), DeleteFlag::Normal)
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::VmNotFound, en);
    assert_eq!(e.kind(), ErrorKind::NotFound);

    // 10440301: the mock can only move to a loopback address.
    let before = vrg.url();
    let e = vrg
        .change_management_network(
            &ManagementNetwork::new("10.0.0.9", "255.255.255.0", "10.0.0.1").unwrap(),
        )
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidIp, en);
    assert_eq!(vrg.url(), before, "the client stays");
    assert_eq!(count(&mock, Method::POST, "/modmngnet/"), 1);
    vrg.status().await.unwrap();

    // 10440000, injected: not retried.
    mock.server().faults().add(
        Fault::new(error_answer(
            "10440000",
            "系统内部错误,请检查系统运行状态。",
        ))
        .on_path("/vrgservice/vrgstatus")
        .times(1),
    );
    let before = count(&mock, Method::GET, "/vrgstatus");
    let e = vrg.status().await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::InternalError));
    assert_eq!(e.kind(), ErrorKind::Vendor);
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), before + 1);
    assert_eq!(mock.logins(), 1, "no relogin on these codes");
}

#[tokio::test]
async fn the_description_comes_in_chinese_when_asked_for() {
    let mock = start(31, |c| c).await;
    let vrg = builder(&mock).lang(Lang::ZhCn).build().unwrap();
    let zh = Lang::ZhCn;
    mock.set_eth0_missing(true);
    let e = vrg.networks().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::NoManagementEth0, zh);
    assert_eq!(description(&e).as_deref(), Some("管理面 eth0 不存在"));
    let e = vrg
        .delete_strategy(&vm(404), DeleteFlag::Normal)
        .await
        .unwrap_err();
    assert_code(&e, &VrgErrorCode::VmNotFound, zh);
    assert_eq!(description(&e).as_deref(), Some("虚拟机不存在"));
    let e = vrg.vm_dr_status(&vm(1)).await.unwrap_err();
    assert_code(&e, &VrgErrorCode::InvalidParameter, zh);
    assert_eq!(description(&e).as_deref(), Some("输入参数不合法。"));
}

#[test]
fn the_client_and_the_mock_carry_the_same_chinese_texts() {
    let mut n = 0;
    for code in VrgErrorCode::known() {
        n += 1;
        assert_eq!(
            codes::describe(code.code(), codes::Lang::Zh),
            Some(code.describe(Lang::ZhCn)),
            "{code}"
        );
        assert!(
            codes::describe(code.code(), codes::Lang::En).is_some(),
            "{code}"
        );
    }
    assert_eq!(n, 18);
}

#[tokio::test]
async fn refused_logins_have_their_codes() {
    let mock = start(32, |c| c).await;
    let nobody = VrgClient::builder(&mock.url())
        .credentials("nobody", PASSWORD)
        .build()
        .unwrap();
    let e = nobody.status().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::UserNotFound, Lang::EnUs);
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    // The call itself was never sent: the login before it failed.
    assert_eq!(e.phase(), Phase::NotSent);
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 0);

    let wrong = VrgClient::builder(&mock.url())
        .credentials(USER, "wrong")
        .build()
        .unwrap();
    let e = wrong.status().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::WrongPassword, Lang::EnUs);
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(mock.login_attempts(), 2);
    assert_eq!(mock.logins(), 0);

    // 10440200: a user name outside 1-20 characters. The builder refuses it...
    let before = log(&mock).len();
    for name in [String::new(), "u".repeat(21)] {
        let e = VrgClient::builder(&mock.url())
            .credentials(name, PASSWORD)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    }
    assert_eq!(log(&mock).len(), before, "nothing sent");
    // ... and the VRG answers it on the raw path.
    let vrg = client(&mock);
    let request = Request::post("/vrgservice/session")
        .without_auth()
        .header("x-auth-user", "u".repeat(21).as_str())
        .header("x-auth-key", key_of(PASSWORD).as_str());
    let (code, des) = raw(&vrg, request).await;
    assert_eq!(code, VrgErrorCode::InvalidPassword);
    assert_eq!(des.as_deref(), Some("Invalid user password."));
}

/// For each refusal before sending: the typed API refuses with `Config` and sends
/// nothing; the same input on the raw path gets the VRG's code.
#[tokio::test]
async fn codes_the_typed_api_refuses_before_sending() {
    let mock = start(33, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    let sent = |mock: &VrgMock| log(mock).len();
    let vm1 = vm(33);

    // 10440402 and 10440308 never reach the caller of the typed API: None and [].
    assert_eq!(vrg.alarm_server().await.unwrap(), None);
    assert_eq!(vrg.strategies(&StrategyQuery::all()).await.unwrap(), vec![]);
    let (code, _) = raw(&vrg, get(&vrg, "/trapinfo")).await;
    assert_eq!(code, VrgErrorCode::AlarmServerNotConfigured);
    let (code, _) = raw(&vrg, get(&vrg, "/vmstrategy")).await;
    assert_eq!(code, VrgErrorCode::NoVms);
    // 10440102: a request without the token.
    let (code, des) = raw(&vrg, Request::get("/vrgservice/vrgstatus")).await;
    assert_eq!(code, VrgErrorCode::NotLoggedIn);
    assert_eq!(
        des.as_deref(),
        Some("User not logged in or session timed out; log in again and retry.")
    );

    // 10440301: the alarm server's and the peer's address.
    let before = sent(&mock);
    assert!(AlarmServer::new("1.2.3", 162).is_err());
    let broadcast = PeerAddress {
        ip: Ipv4Addr::BROADCAST,
        port: 7000,
    };
    assert_refused(vrg.pair(&broadcast).await, "dstIp");
    assert_eq!(sent(&mock), before, "nothing sent");
    let (code, _) = raw(
        &vrg,
        post(&vrg, "/trapinfo", &json!({"ip": "1.2.3", "port": 162})),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidIp);
    let (code, _) = raw(
        &vrg,
        post(
            &vrg,
            "/vrgmap",
            &json!({"dstIp": "255.255.255.255", "dstPort": 7000}),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidIp);

    // 10440302: port 0 for the alarm server, the peer and the writeagent.
    let before = sent(&mock);
    let no_port = AlarmServer {
        ip: Ipv4Addr::new(192, 0, 2, 10),
        port: 0,
    };
    assert_refused(vrg.set_alarm_server(&no_port).await, "port");
    let no_peer_port = PeerAddress {
        ip: Ipv4Addr::new(192, 0, 2, 20),
        port: 0,
    };
    assert_refused(vrg.pair(&no_peer_port).await, "dstPort");
    let no_agent_port = DrStrategy::new(vm1.clone(), Ipv4Addr::new(10, 1, 0, 7), 0)
        .volume(DrVolume::new("a", "/POME/a.vhd"));
    assert_refused(vrg.set_dr_strategy(&no_agent_port).await, "agentPort");
    assert_eq!(sent(&mock), before, "nothing sent");
    for (path, body) in [
        ("/trapinfo", json!({"ip": "192.0.2.10", "port": 0})),
        ("/trapinfo", json!({"ip": "192.0.2.10", "port": 65536})),
        ("/vrgmap", json!({"dstIp": "192.0.2.20", "dstPort": 0})),
        (
            "/vmstrategy",
            json!({"vmUuid": vm1.as_str(), "agentIp": "10.1.0.7", "agentPort": 0,
                   "volList": [{"volUuid": "a", "volumeUrl": "/POME/a.vhd"}]}),
        ),
    ] {
        let (code, _) = raw(&vrg, post(&vrg, path, &body)).await;
        assert_eq!(code, VrgErrorCode::InvalidPort, "{path} {body}");
    }

    // 10440306 and 10440309: duplicates, volume UUIDs compared ignoring case.
    let before = sent(&mock);
    let dup_uuid = ProductionStrategy::new(vm1.clone())
        .volume(ProductionVolume::new("vol-a").seq_num(1))
        .volume(ProductionVolume::new("VOL-A").seq_num(2));
    assert_refused(
        vrg.set_production_strategy(&dup_uuid).await,
        "volList[1].volUuid",
    );
    let dup_slot = ProductionStrategy::new(vm1.clone())
        .volume(ProductionVolume::new("vol-a").seq_num(3))
        .volume(ProductionVolume::new("vol-b").seq_num(3));
    assert_refused(
        vrg.set_production_strategy(&dup_slot).await,
        "volList[1].seqNum",
    );
    let dr_dup = DrStrategy::new(vm1.clone(), Ipv4Addr::new(10, 1, 0, 7), 7001)
        .volume(DrVolume::new("a", "/POME/a.vhd").seq_num(1))
        .volume(DrVolume::new("b", "/POME/b.vhd").seq_num(1));
    assert_refused(vrg.set_dr_strategy(&dr_dup).await, "volList[1].seqNum");
    assert_eq!(sent(&mock), before, "nothing sent");
    let (code, des) = raw(
        &vrg,
        post(
            &vrg,
            "/vmstrategy",
            &json!({"vmUuid": vm1.as_str(), "volList": [
                {"volUuid": "vol-a", "seqNum": 1}, {"volUuid": "VOL-A", "seqNum": 2}]}),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::DuplicateVolumeUuid);
    assert_eq!(des.as_deref(), Some("Duplicate volume UUID."));
    let (code, _) = raw(
        &vrg,
        post(
            &vrg,
            "/vmstrategy",
            &json!({"vmUuid": vm1.as_str(), "volList": [
                {"volUuid": "vol-a", "seqNum": 3}, {"volUuid": "vol-b", "seqNum": 3}]}),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::DuplicateSlotNumber);

    // 10440101: a slot outside 1-40, a query mixing vmUuid and a page, no volume.
    let before = sent(&mock);
    let slot_41 =
        ProductionStrategy::new(vm1.clone()).volume(ProductionVolume::new("a").seq_num(41));
    assert_refused(
        vrg.set_production_strategy(&slot_41).await,
        "volList[0].seqNum",
    );
    assert_refused(
        vrg.set_production_strategy(&ProductionStrategy::new(vm1.clone()))
            .await,
        "volList",
    );
    assert_refused(
        vrg.strategies(&StrategyQuery::vm(vm1.clone()).page(10, 0))
            .await,
        "limit",
    );
    assert_refused(
        vrg.strategies(&StrategyQuery::vm(vm1.clone()).fault_vms(FaultVms::FAULTY))
            .await,
        "faultVms",
    );
    assert_eq!(sent(&mock), before, "nothing sent");
    let (code, _) = raw(
        &vrg,
        post(
            &vrg,
            "/vmstrategy",
            &json!({"vmUuid": vm1.as_str(), "volList": [{"volUuid": "a", "seqNum": 41}]}),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidParameter);
    let (code, _) = raw(
        &vrg,
        vrg.authenticated(
            Request::get("/vrgservice/vmstrategy")
                .query("vmUuid", vm1.as_str())
                .query("limit", "10")
                .query("offset", "0"),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidParameter);

    // 10440401: a UUID with a character no VRG path could carry.
    assert!(VmUuid::new("a/b").is_err());
    let (code, _) = raw(
        &vrg,
        vrg.authenticated(Request::get("/vrgservice/vmstrategy").query("vmUuid", "a/b")),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidVmUuid);

    // An invalid management network is refused before sending.
    let before = sent(&mock);
    let bad_mask = ManagementNetwork {
        new_ip: Ipv4Addr::new(127, 0, 11, 34),
        new_mask: Ipv4Addr::new(255, 0, 255, 0),
        new_gateway: Ipv4Addr::new(127, 0, 11, 1),
    };
    assert_refused(vrg.change_management_network(&bad_mask).await, "newMask");
    assert_eq!(sent(&mock), before, "nothing sent");
    let (code, _) = raw(
        &vrg,
        post(
            &vrg,
            "/modmngnet/",
            &json!({"newIp": "127.0.11.34", "newMask": "255.0.255.0", "newGateway": "127.0.11.1"}),
        ),
    )
    .await;
    assert_eq!(code, VrgErrorCode::InvalidIp);
    // Everything was refused: the VRG holds nothing, the client did not move.
    assert_eq!(mock.strategy_count(), 0);
    assert_eq!(mock.alarm_server(), None);
    assert_eq!(mock.pair_state().status, 4);
    assert_eq!(mock.ip(), crate::support::ip(33));
}

#[tokio::test]
async fn a_failed_logout_is_retried_once_then_surfaces() {
    let mock = start(35, |c| c).await;
    let vrg = client(&mock);
    vrg.status().await.unwrap();
    mock.server().faults().add(
        Fault::new(error_answer("10440205", "Logout failed, please retry."))
            .on_method(Method::DELETE)
            .on_path("/vrgservice/session")
            .times(2),
    );
    let e = vrg.close().await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::LogoutFailed), "{e}");
    assert_eq!(count(&mock, Method::DELETE, "/session"), 2);
}

#[tokio::test]
async fn a_token_rejected_twice_surfaces_after_one_relogin() {
    let mock = start(36, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    mock.server().faults().add(
        Fault::new(error_answer(
            "10440102",
            "User not logged in or session timed out; log in again and retry.",
        ))
        .on_path("/vrgservice/vrgstatus")
        .times(2),
    );
    let e = vrg.status().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::NotLoggedIn, Lang::EnUs);
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(mock.logins(), 2, "exactly one relogin");
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 2, "one resend");
    // The fault is spent: the next call works on the new token.
    vrg.status().await.unwrap();
    assert_eq!(mock.logins(), 2);
}

#[tokio::test]
async fn unknown_codes_are_kept_as_sent() {
    let mock = start(37, |c| c).await;
    let vrg = client(&mock);
    mock.server().faults().add(
        Fault::new(error_answer("10449999", "x"))
            .on_path("/vrgservice/vrgstatus")
            .times(1),
    );
    let e = vrg.status().await.unwrap_err();
    assert_eq!(
        e.vrg_code(),
        Some(&VrgErrorCode::Other("10449999".to_owned()))
    );
    assert_eq!(description(&e).as_deref(), Some("x"));
    assert_eq!(e.kind(), ErrorKind::Vendor);
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert!(e.to_string().contains("10449999"), "{e}");
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 1, "not retried");

    // A FusionCompute-level code, and a plain HTTP error without the VRG's body.
    mock.server().faults().add(
        Fault::new(error_answer("10000040", "licence"))
            .on_path("/vrgservice/netinfos")
            .times(1),
    );
    let e = vrg.networks().await.unwrap_err();
    assert_eq!(
        e.vrg_code(),
        Some(&VrgErrorCode::Other("10000040".to_owned()))
    );
    mock.server().faults().add(
        Fault::new(FaultAction::html_500())
            .on_path("/vrgservice/netinfos")
            .times(1),
    );
    let e = vrg.networks().await.unwrap_err();
    assert_eq!(e.vrg(), None, "{e}");
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
}

#[tokio::test]
async fn numeric_error_codes_are_read_too() {
    let shapes = SeedShapes {
        numeric_error_code: true,
        ..SeedShapes::default()
    };
    let mock = start(38, |c| c.seed_shapes(shapes)).await;
    let vrg = client(&mock);
    // The mock really sends a number.
    let response = vrg
        .core()
        .send(Request::get("/vrgservice/vrgstatus"))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["errorCode"], json!(10440102));

    mock.set_eth0_missing(true);
    let e = vrg.networks().await.unwrap_err();
    assert_code(&e, &VrgErrorCode::NoManagementEth0, Lang::EnUs);
    assert_eq!(
        vrg.alarm_server().await.unwrap(),
        None,
        "10440402 as a number"
    );
    assert_eq!(
        vrg.strategies(&StrategyQuery::all()).await.unwrap(),
        vec![],
        "10440308 as a number"
    );
    // 10440102 as a number still means "log in again".
    mock.expire_tokens();
    vrg.status().await.unwrap();
    assert_eq!(mock.logins(), 2);
    let e = vrg
        .set_production_strategy(&production(&VmUuid::new("i-1").unwrap(), 1))
        .await
        .unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::InvalidVmUuid));
    let wrong = VrgClient::builder(&mock.url())
        .credentials(USER, "wrong")
        .build()
        .unwrap();
    let e = wrong.status().await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::WrongPassword));
}
