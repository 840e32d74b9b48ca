//! LDEVs (reference §13, §14): paging, create, label, expand, delete.

use std::time::Duration;

use serde_json::{Value, json};
use storkit_core::http::Method;

use crate::support::{Api, assert_error_body};

fn ids(body: &Value) -> Vec<u64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ldevId"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn ldevs_page_create_change_delete() {
    let api = Api::with_jobs("127.0.0.118", Duration::ZERO).await;
    let (token, _) = api.login().await;
    let ldevs = api.obj("ldevs");

    // Paging over defined LDEVs: 100..103, 200, 201, 347..352.
    let page = api
        .get(&format!("{ldevs}?ldevOption=defined&count=3"), &token)
        .await;
    assert_eq!(ids(&page.body), [100, 101, 102]);
    let page = api
        .get(
            &format!("{ldevs}?ldevOption=defined&headLdevId=103&count=4"),
            &token,
        )
        .await;
    assert_eq!(ids(&page.body), [103, 200, 201, 347]);
    let page = api
        .get(
            &format!("{ldevs}?ldevOption=undefined&headLdevId=99&count=3"),
            &token,
        )
        .await;
    assert_eq!(ids(&page.body), [99, 104, 105]);
    assert_eq!(page.body["data"][0]["emulationType"], "NOT DEFINED");
    let all = api.get(&format!("{ldevs}?headLdevId=346"), &token).await;
    assert_eq!(
        all.body["data"].as_array().unwrap().len(),
        100,
        "count defaults to 100"
    );
    assert_eq!(ids(&all.body)[..3], [346, 347, 348]);
    let big = api.get(&format!("{ldevs}?count=16384"), &token).await;
    assert_eq!(big.body["data"].as_array().unwrap().len(), 16_384);
    for bad in [
        "count=16385",
        "count=0",
        "count=x",
        "ldevOption=weird",
        "headLdevId=70000",
    ] {
        let r = api.get(&format!("{ldevs}?{bad}"), &token).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_error_body(&r.body, "KART20002-E");
    }

    let one = api.get(&api.obj("ldevs/347"), &token).await;
    assert_eq!(one.body["blockCapacity"], 20_971_520);
    assert_eq!(one.body["byteFormatCapacity"], "10.00 G");
    assert_eq!(one.body["emulationType"], "OPEN-V-CVS");
    assert_eq!(one.body["poolId"], 0);
    assert_eq!(one.body["status"], "NML");
    let same = api.get(&api.obj("ldevs/348"), &token).await;
    assert_eq!(
        one.body["blockCapacity"], same.body["blockCapacity"],
        "seed 001 needs equal sizes"
    );
    assert_eq!(api.get(&api.obj("ldevs/70000"), &token).await.status, 404);

    // Create with an automatic ID in a range, then label, expand and delete it.
    let path = api
        .ok(Method::POST, &ldevs, &token, Some(json!({ "poolId": 0, "byteFormatCapacity": "5G", "startLdevId": 1000, "endLdevId": 1010 })))
        .await;
    assert_eq!(path, api.obj("ldevs/1000"));
    let path2 = api
        .ok(
            Method::POST,
            &ldevs,
            &token,
            Some(json!({ "poolId": 0, "blockCapacity": 4096, "startLdevId": 1000 })),
        )
        .await;
    assert_eq!(path2, api.obj("ldevs/1001"));
    let error = api
        .fails(
            Method::POST,
            &ldevs,
            &token,
            Some(json!({ "poolId": 0, "blockCapacity": 4096, "ldevId": 1000 })),
        )
        .await;
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "2E22", "SSB2": "0001" })
    );
    let error = api
        .fails(
            Method::POST,
            &ldevs,
            &token,
            Some(json!({ "poolId": 9, "blockCapacity": 4096 })),
        )
        .await;
    assert_eq!(error["messageId"], "KART30000-E");

    api.ok(
        Method::PUT,
        &path,
        &token,
        Some(json!({ "label": "vol-a" })),
    )
    .await;
    api.ok(
        Method::PATCH,
        &path,
        &token,
        Some(json!({ "label": "vol-b" })),
    )
    .await;
    let template = api.get(&format!("{path}/actions/expand"), &token).await;
    assert!(
        template.body["parameters"]
            .as_object()
            .unwrap()
            .contains_key("additionalByteFormatCapacity")
    );
    api.ok(
        Method::POST,
        &format!("{path}/actions/expand/invoke"),
        &token,
        Some(json!({ "parameters": { "additionalByteFormatCapacity": "1G", "additionalBlockCapacity": null, "enhancedExpansion": true } })),
    )
    .await;
    let got = api.get(&path, &token).await;
    assert_eq!(got.body["label"], "vol-b");
    assert_eq!(got.body["byteFormatCapacity"], "6.00 G");
    api.ok(
        Method::PUT,
        &format!("{path}/actions/format/invoke"),
        &token,
        None,
    )
    .await;

    let deleted = api.ok(Method::DELETE, &path, &token, None).await;
    assert_eq!(deleted, path);
    assert!(!api.mock.ldev_exists(1000));
    let gone = api.get(&path, &token).await;
    assert_eq!(gone.body["emulationType"], "NOT DEFINED");
    let pool = api.get(&api.obj("pools/0"), &token).await;
    assert_eq!(pool.body["poolType"], "HDP");
    assert_eq!(api.get(&api.obj("pools/7"), &token).await.status, 404);
}
