//! Version, storage systems, URL forms, error bodies, injected errors and kit faults.

use std::time::Duration;

use serde_json::json;
use storkit_core::Request;
use storkit_core::http::Method;
use storkit_mock::{Fault, FaultAction};

use crate::support::{Api, assert_error_body};

#[tokio::test]
async fn version_needs_no_auth_and_is_configurable() {
    let api = Api::with_jobs("127.0.0.100", Duration::ZERO).await;
    let path = "/ConfigurationManager/configuration/version";
    let r = api.call(Method::GET, path, None, None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({ "productName": "Configuration Manager REST API", "apiVersion": "1.31.0" })
    );
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    api.mock.set_api_version("1.8.1");
    let r = api.call(Method::GET, path, None, None, &[]).await;
    assert_eq!(r.body["apiVersion"], "1.8.1");
    let r = api.call(Method::POST, path, None, None, &[]).await;
    assert_eq!(r.status, 405);
    assert_error_body(&r.body, "KART20004-E");
}

#[tokio::test]
async fn storages_in_both_forms_and_unknown_sdid() {
    let api = Api::with_jobs("127.0.0.101", Duration::ZERO).await;
    let r = api
        .call(
            Method::GET,
            "/ConfigurationManager/v1/objects/storages",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "the list needs no auth");
    let entry = &r.body["data"][0];
    assert_eq!(entry["storageDeviceId"], "886000410000");
    assert_eq!(entry["model"], "VSP G900");
    assert_eq!(entry["serialNumber"], 410_000);
    assert_eq!(entry["ctl1Ip"], "127.0.0.101");

    let (token, _) = api.login().await;
    let long = api
        .get(
            "/ConfigurationManager/v1/objects/storages/886000410000",
            &token,
        )
        .await;
    assert_eq!(long.status, 200);
    for key in [
        "storageDeviceId",
        "model",
        "svpIp",
        "ctl1Ip",
        "ctl2Ip",
        "dkcMicroVersion",
    ] {
        assert!(long.body[key].is_string(), "{key}: {}", long.text);
    }
    assert_eq!(long.body["serialNumber"], 410_000);
    assert_eq!(
        long.body["communicationModes"][0]["communicationMode"],
        "lanConnectionMode"
    );
    let short = api
        .get("/ConfigurationManager/v1/objects/storages/instance", &token)
        .await;
    assert_eq!(short.body["storageDeviceId"], "886000410000");

    // Every resource answers on both forms; an unknown storage ID is a 404 error object.
    let a = api.get(&api.obj("ldevs/347"), &token).await;
    let b = api
        .get("/ConfigurationManager/v1/objects/ldevs/347", &token)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["blockCapacity"], b.body["blockCapacity"]);
    for path in [
        "/ConfigurationManager/v1/objects/storages/886000999999/ldevs",
        "/ConfigurationManager/v1/objects/storages/886000999999",
        "/ConfigurationManager/v1/886000999999/services/resource-group-service/actions/lock",
    ] {
        let r = api.get(path, &token).await;
        assert_eq!(r.status, 404, "{path}");
        assert_error_body(&r.body, "KART30013-E");
        assert_eq!(r.body["errorSource"], path);
    }
    let r = api
        .get("/ConfigurationManager/v1/objects/nothing-here", &token)
        .await;
    assert_eq!(r.status, 404);
    assert_error_body(&r.body, "KART20003-E");
}

#[tokio::test]
async fn bad_bodies_get_error_objects() {
    let api = Api::with_jobs("127.0.0.102", Duration::ZERO).await;
    let (token, _) = api.login().await;
    let auth = format!("Session {token}");
    let malformed = api
        .send(
            Request::post(api.obj("ldevs"))
                .header("authorization", auth.as_str())
                .header("content-type", "application/json")
                .body("{\"poolId\": 0,"),
        )
        .await;
    assert_eq!(malformed.status, 400);
    assert_error_body(&malformed.body, "KART20001-E");
    assert!(malformed.body.get("errorCode").is_none());

    let cases = [
        (json!([1, 2]), "KART20002-E"),
        (
            json!({ "poolId": "zero", "byteFormatCapacity": "1G" }),
            "KART20002-E",
        ),
        (json!({ "poolId": 0 }), "KART20008-E"),
        (
            json!({ "poolId": 0, "byteFormatCapacity": "lots" }),
            "KART20002-E",
        ),
        (json!({ "poolId": 0, "blockCapacity": -5 }), "KART20002-E"),
    ];
    for (body, id) in cases {
        let r = api
            .call(
                Method::POST,
                &api.obj("ldevs"),
                Some(&token),
                Some(body.clone()),
                &[],
            )
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_error_body(&r.body, id);
    }
    let missing = api
        .call(
            Method::POST,
            &api.obj("local-clone-copypairs"),
            Some(&token),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(
        missing.body["message"],
        "Required parameters are not specified."
    );
    assert_eq!(missing.body["detailCode"], "20008E-0");

    // Pools take PATCH now (settings); a POST on one pool is still no request.
    let r = api
        .call(Method::POST, &api.obj("pools/0"), Some(&token), None, &[])
        .await;
    assert_eq!(r.status, 405);
    let r = api.get(&api.obj("jobs/999999"), &token).await;
    assert_eq!(r.status, 404);
    assert_error_body(&r.body, "KART30013-E");
    let r = api.get(&api.obj("jobs/abc"), &token).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn injected_errors_hit_changes_only_then_stop() {
    let api = Api::with_jobs("127.0.0.103", Duration::ZERO).await;
    let (token, _) = api.login().await;
    api.mock
        .inject_error(2, 503, "KART00003-E", None, Some("RETRY"));
    let body = json!({ "poolId": 0, "byteFormatCapacity": "1G" });

    // GETs and session calls pass; the next two changes get the error.
    assert_eq!(api.get(&api.obj("ldevs/347"), &token).await.status, 200);
    let (other, other_id) = api.login().await;
    for _ in 0..2 {
        let r = api
            .call(
                Method::POST,
                &api.obj("ldevs"),
                Some(&token),
                Some(body.clone()),
                &[],
            )
            .await;
        assert_eq!(r.status, 503);
        assert_error_body(&r.body, "KART00003-E");
        assert_eq!(r.body["solutionType"], "RETRY");
    }
    api.ok(Method::POST, &api.obj("ldevs"), &token, Some(body.clone()))
        .await;

    api.mock
        .inject_error(1, 409, "KART40050-E", Some(("2E11", "2205")), None);
    let r = api
        .call(
            Method::DELETE,
            &api.obj(&format!("sessions/{other_id}")),
            Some(&other),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "session discard is never blocked");
    let r = api
        .call(
            Method::POST,
            &api.obj("ldevs"),
            Some(&token),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 409);
    assert_error_body(&r.body, "KART40050-E");
    assert_eq!(
        r.body["errorCode"],
        json!({ "SSB1": "2E11", "SSB2": "2205" })
    );

    // The kit's faults still work in front of the mock.
    api.mock.server().faults().add(
        Fault::new(FaultAction::html_500())
            .on_path("/ConfigurationManager/v1/objects/storages/886000410000/pools")
            .times(1),
    );
    let r = api.get(&api.obj("pools"), &token).await;
    assert_eq!(r.status, 500);
    assert!(r.text.contains("<html>"));
    let r = api.get(&api.obj("pools"), &token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"][0]["poolType"], "HDP");
}
