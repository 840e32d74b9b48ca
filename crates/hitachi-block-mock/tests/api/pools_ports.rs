//! Pools and ports that change (reference §13): pool create, settings, expand, shrink,
//! delete; port settings. This module owns 127.0.17.30–127.0.17.39.

use std::time::Duration;

use serde_json::{Value, json};
use storkit_core::http::Method;

use crate::support::{Api, assert_error_body};

/// 10 GiB in 512-byte blocks: 10,240 MB of pool capacity per pool volume.
const TEN_GIB: u64 = 10 * 1024 * 1024 * 2;

fn port_ids(body: &Value) -> Vec<&str> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["portId"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_pool_is_created_changed_expanded_shrunk_and_deleted() {
    let api = Api::with_jobs("127.0.17.30", Duration::from_millis(20)).await;
    let (token, _) = api.login().await;
    for id in 900..=905 {
        assert!(api.mock.add_basic_ldev(id, TEN_GIB));
    }
    assert!(!api.mock.add_basic_ldev(900, TEN_GIB), "900 is taken");
    let pools = api.obj("pools");
    let pool = api.obj("pools/5");

    let created = api
        .ok(
            Method::POST,
            &pools,
            &token,
            Some(json!({ "poolId": 5, "poolName": "p5", "poolType": "HDP",
                "ldevIds": [900, 901], "warningThreshold": 60 })),
        )
        .await;
    assert_eq!(created, pool);
    assert!(api.mock.pool_exists(5));
    let got = api.get(&pool, &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["poolName"], "p5");
    assert_eq!(got.body["poolType"], "HDP");
    assert_eq!(got.body["totalPoolCapacity"], 20_480);
    assert_eq!(got.body["warningThreshold"], 60);
    assert_eq!(got.body["depletionThreshold"], 80);
    let listed = api.get(&pools, &token).await;
    let ids: Vec<u64> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["poolId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0, 1, 5]);

    // What depends on the storage fails the job.
    for (body, why) in [
        (
            json!({ "poolId": 5, "poolName": "other", "poolType": "HDP", "ldevIds": [902] }),
            "the number is taken",
        ),
        (
            json!({ "poolId": 6, "poolName": "p5", "poolType": "HDP", "ldevIds": [902] }),
            "the name is taken",
        ),
        (
            json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP", "ldevIds": [901] }),
            "901 is a pool volume already",
        ),
        (
            json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP", "ldevIds": [100] }),
            "100 is a DP volume",
        ),
    ] {
        let error = api.fails(Method::POST, &pools, &token, Some(body)).await;
        assert_eq!(error["messageId"], "KART30000-E", "{why}: {error}");
    }
    let error = api
        .fails(
            Method::POST,
            &pools,
            &token,
            Some(json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP", "ldevIds": [950] })),
        )
        .await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_ENLDEV", "{error}");
    assert!(!api.mock.pool_exists(6));

    // Settings.
    api.ok(
        Method::PATCH,
        &pool,
        &token,
        Some(json!({ "poolName": "renamed", "depletionThreshold": 90,
            "virtualVolumeCapacityRate": 200, "blockingMode": "FB", "suspendSnapshot": false })),
    )
    .await;
    let got = api.get(&pool, &token).await.body;
    assert_eq!(got["poolName"], "renamed");
    assert_eq!(got["depletionThreshold"], 90);
    assert_eq!(got["virtualVolumeCapacityRate"], 200);
    assert_eq!(got["blockingMode"], "FB");
    assert_eq!(got["suspendSnapshot"], false);
    let error = api
        .fails(
            Method::PATCH,
            &pool,
            &token,
            Some(json!({ "warningThreshold": 95 })),
        )
        .await;
    assert_eq!(
        error["messageId"], "KART30000-E",
        "above the depletion: {error}"
    );
    let error = api
        .fails(
            Method::PATCH,
            &pool,
            &token,
            Some(json!({ "monitoringMode": "CM" })),
        )
        .await;
    assert_eq!(
        error["messageId"], "KART30000-E",
        "HDP has no tiers: {error}"
    );
    api.ok(
        Method::PATCH,
        &pool,
        &token,
        Some(json!({ "poolType": "HDT", "monitoringMode": "CM",
            "tier": { "tierNumber": 1, "tablespaceRate": 8, "bufferRate": 5 } })),
    )
    .await;
    let got = api.get(&pool, &token).await.body;
    assert_eq!(got["poolType"], "HDT");
    assert_eq!(got["monitoringMode"], "CM");
    assert_eq!(got["tiers"][0]["tablespaceRate"], 8);

    // Expand and shrink.
    let template = api.get(&api.obj("pools/5/actions/expand"), &token).await;
    assert_eq!(template.body, json!({ "parameters": { "ldevIds": null } }));
    api.ok(
        Method::POST,
        &api.obj("pools/5/actions/expand/invoke"),
        &token,
        Some(json!({ "parameters": { "ldevIds": [902, 903] } })),
    )
    .await;
    assert_eq!(
        api.get(&pool, &token).await.body["totalPoolCapacity"],
        40_960
    );
    api.ok(
        Method::PUT,
        &api.obj("pools/5/actions/shrink/invoke"),
        &token,
        Some(json!({ "parameters": { "startLdevId": 902, "endLdevId": 903 } })),
    )
    .await;
    assert_eq!(
        api.get(&pool, &token).await.body["totalPoolCapacity"],
        20_480
    );
    let error = api
        .fails(
            Method::POST,
            &api.obj("pools/5/actions/shrink/invoke"),
            &token,
            Some(json!({ "parameters": { "ldevIds": [904] } })),
        )
        .await;
    assert_eq!(error["messageId"], "KART30000-E", "904 is not in the pool");
    let error = api
        .fails(
            Method::POST,
            &api.obj("pools/5/actions/shrink/invoke"),
            &token,
            Some(json!({ "parameters": { "ldevIds": [900, 901] } })),
        )
        .await;
    assert_eq!(error["messageId"], "KART30000-E", "a pool keeps one volume");
    api.ok(
        Method::POST,
        &api.obj("pools/5/actions/stop-shrinking/invoke"),
        &token,
        None,
    )
    .await;

    // A pool volume cannot be deleted; a pool with DP volumes cannot be either.
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/900"), &token, None)
        .await;
    assert_eq!(error["messageId"], "KART30000-E", "{error}");
    api.ok(
        Method::POST,
        &api.obj("ldevs"),
        &token,
        Some(json!({ "poolId": 5, "byteFormatCapacity": "1G", "ldevId": 600 })),
    )
    .await;
    let error = api.fails(Method::DELETE, &pool, &token, None).await;
    assert_eq!(error["messageId"], "KART30000-E", "{error}");
    assert_eq!(api.get(&pool, &token).await.body["numOfLdevs"], 1);
    api.ok(Method::DELETE, &api.obj("ldevs/600"), &token, None)
        .await;
    assert_eq!(api.ok(Method::DELETE, &pool, &token, None).await, pool);
    assert!(!api.mock.pool_exists(5));
    let gone = api.get(&pool, &token).await;
    assert_eq!(gone.status, 404);
    assert_error_body(&gone.body, "KART30013-E");
    assert!(api.mock.ldev_exists(900), "pool volumes stay as LDEVs");
    // ... and can make a new pool.
    api.ok(
        Method::POST,
        &pools,
        &token,
        Some(json!({ "poolId": 7, "poolName": "ti7", "poolType": "HTI",
            "startLdevId": 900, "endLdevId": 901 })),
    )
    .await;
    assert_eq!(
        api.get(&api.obj("pools/7"), &token).await.body["totalPoolCapacity"],
        20_480
    );
}

#[tokio::test]
async fn bad_pool_requests_are_refused_before_any_job() {
    let api = Api::with_jobs("127.0.17.31", Duration::ZERO).await;
    let (token, _) = api.login().await;
    assert!(api.mock.add_basic_ldev(900, TEN_GIB));
    let pools = api.obj("pools");
    let jobs_before = api.mock.job_count();

    // Unknown pools.
    for (method, path, body) in [
        (
            Method::PATCH,
            api.obj("pools/9"),
            Some(json!({ "poolName": "x" })),
        ),
        (Method::DELETE, api.obj("pools/9"), None),
        (
            Method::POST,
            api.obj("pools/9/actions/expand/invoke"),
            Some(json!({ "parameters": { "ldevIds": [900] } })),
        ),
        (Method::GET, api.obj("pools/9/actions/shrink"), None),
        (Method::GET, api.obj("pools/x"), None),
    ] {
        let r = api.call(method, &path, Some(&token), body, &[]).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert_error_body(&r.body, "KART30013-E");
    }

    let base = json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP", "ldevIds": [900] });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = base.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    for (body, message_id) in [
        (without("poolName"), "KART20008-E"),
        (without("poolType"), "KART20008-E"),
        (without("poolId"), "KART20008-E"),
        (without("ldevIds"), "KART20008-E"),
        (with("poolType", json!("RT")), "KART20002-E"),
        (with("poolType", json!("XYZ")), "KART20002-E"),
        (with("poolId", json!(128)), "KART20002-E"),
        (with("poolName", json!("n".repeat(33))), "KART20002-E"),
        (with("ldevIds", json!([])), "KART20002-E"),
        (with("ldevIds", json!([900, 900])), "KART20002-E"),
        (
            with("ldevIds", json!((0..65).collect::<Vec<u32>>())),
            "KART20002-E",
        ),
        (with("startLdevId", json!(900)), "KART20002-E"),
        (with("warningThreshold", json!(0)), "KART20002-E"),
        (
            json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP", "ldevIds": [900],
                "warningThreshold": 90, "depletionThreshold": 80 }),
            "KART20002-E",
        ),
        (
            json!({ "poolId": 6, "poolName": "p6", "poolType": "HTI", "ldevIds": [900],
                "depletionThreshold": 80 }),
            "KART20002-E",
        ),
        (with("duplicationLdevIds", json!([900])), "KART20002-E"),
    ] {
        let r = api
            .call(Method::POST, &pools, Some(&token), Some(body.clone()), &[])
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_error_body(&r.body, message_id);
    }
    let r = api
        .call(
            Method::POST,
            &pools,
            Some(&token),
            Some(json!({ "poolId": 6, "poolName": "p6", "poolType": "HDP",
                "startLdevId": 0, "endLdevId": 64 })),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "a range of 65: {}", r.text);

    let pool = api.obj("pools/0");
    for (body, message_id) in [
        (json!({}), "KART20008-E"),
        (json!({ "unknown": 1 }), "KART20008-E"),
        (json!({ "virtualVolumeCapacityRate": -5 }), "KART20002-E"),
        (
            json!({ "virtualVolumeCapacityRate": 70_000 }),
            "KART20002-E",
        ),
        (json!({ "blockingMode": "XX" }), "KART20002-E"),
        (json!({ "poolType": "HTI" }), "KART20002-E"),
        (
            json!({ "tier": { "tierNumber": 4, "tablespaceRate": 1, "bufferRate": 1 } }),
            "KART20002-E",
        ),
        (json!({ "tier": 1 }), "KART20002-E"),
        (json!({ "suspendSnapshot": "yes" }), "KART20002-E"),
    ] {
        let r = api
            .call(Method::PATCH, &pool, Some(&token), Some(body.clone()), &[])
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_error_body(&r.body, message_id);
    }
    let expand = api.obj("pools/0/actions/expand/invoke");
    for (body, message_id) in [
        (json!({ "parameters": {} }), "KART20008-E"),
        (
            json!({ "parameters": { "ldevIds": [70_000] } }),
            "KART20002-E",
        ),
        (
            json!({ "parameters": { "startLdevId": 1, "endLdevId": 2 } }),
            "KART20002-E",
        ),
        (json!({ "parameters": 3 }), "KART20002-E"),
    ] {
        let r = api
            .call(Method::POST, &expand, Some(&token), Some(body.clone()), &[])
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_error_body(&r.body, message_id);
    }
    let r = api
        .call(
            Method::POST,
            &api.obj("pools/0/actions/nope/invoke"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(api.mock.job_count(), jobs_before, "no request became a job");
}

#[tokio::test]
async fn port_settings_change_and_show() {
    let api = Api::with_jobs("127.0.17.32", Duration::from_millis(20)).await;
    let (token, _) = api.login().await;
    let port = api.obj("ports/CL1-B");

    api.ok(
        Method::PATCH,
        &port,
        &token,
        Some(
            json!({ "portSpeed": "16G", "fabricMode": false, "portConnection": "FCAL",
            "lunSecuritySetting": false }),
        ),
    )
    .await;
    let got = api.get(&port, &token).await.body;
    assert_eq!(got["portSpeed"], "16G");
    assert_eq!(got["fabricMode"], false);
    assert_eq!(got["portConnection"], "FCAL");
    assert_eq!(got["lunSecuritySetting"], false);
    api.ok(
        Method::PUT,
        &api.obj("ports/cl1-b"),
        &token,
        Some(json!({ "portSpeed": "8", "fabricMode": true, "portConnection": "P2P" })),
    )
    .await;
    let got = api.get(&port, &token).await.body;
    assert_eq!(got["portSpeed"], "8G");
    assert_eq!(got["portConnection"], "PtoP");

    // Target only: no longer listed as an initiator (MCU).
    api.ok(
        Method::PATCH,
        &port,
        &token,
        Some(json!({ "portAttribute": "TAR" })),
    )
    .await;
    assert_eq!(
        api.get(&port, &token).await.body["portAttributes"],
        json!(["TAR"])
    );
    let mcu = api.get(&api.obj("ports?portAttributes=MCU"), &token).await;
    assert_eq!(port_ids(&mcu.body), ["CL1-A", "CL2-A", "CL2-B"]);
    let tar = api.get(&api.obj("ports?portAttributes=TAR"), &token).await;
    assert_eq!(port_ids(&tar.body).len(), 4);

    assert!(api.get(&port, &token).await.body.get("portMode").is_none());
    api.ok(
        Method::PATCH,
        &port,
        &token,
        Some(json!({ "portMode": "FC-NVMe" })),
    )
    .await;
    let got = api
        .get(&api.obj("ports/CL1-B?detailInfoType=portMode"), &token)
        .await
        .body;
    assert_eq!(got["portMode"], "FC-NVMe");
    // The others are untouched.
    let other = api
        .get(&api.obj("ports/CL1-A?detailInfoType=portMode"), &token)
        .await
        .body;
    assert_eq!(other["portMode"], "FCP-SCSI");
    assert_eq!(other["portSpeed"], "AUT");
}

#[tokio::test]
async fn bad_port_changes_are_refused() {
    let api = Api::with_jobs("127.0.17.33", Duration::ZERO).await;
    let (token, _) = api.login().await;
    let jobs_before = api.mock.job_count();
    let r = api
        .call(
            Method::PATCH,
            &api.obj("ports/CL9-Z"),
            Some(&token),
            Some(json!({ "lunSecuritySetting": true })),
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_error_body(&r.body, "KART30013-E");
    let port = api.obj("ports/CL1-A");
    for (body, message_id) in [
        (json!({}), "KART20008-E"),
        (json!({ "fabricMode": true }), "KART20008-E"),
        (json!({ "portConnection": "FCAL" }), "KART20008-E"),
        (
            json!({ "portAttribute": "TAR", "portSpeed": "AUT" }),
            "KART20002-E",
        ),
        (
            json!({ "portAttribute": "TAR", "portMode": "FC-NVMe" }),
            "KART20002-E",
        ),
        (
            json!({ "portMode": "FC-NVMe", "lunSecuritySetting": true }),
            "KART20002-E",
        ),
        (json!({ "portAttribute": "INI" }), "KART20002-E"),
        (json!({ "portMode": "nvme" }), "KART20002-E"),
        (json!({ "portSpeed": "3G" }), "KART20002-E"),
        (json!({ "portSpeed": "fast" }), "KART20002-E"),
        (
            json!({ "fabricMode": true, "portConnection": "RING" }),
            "KART20002-E",
        ),
        (json!({ "lunSecuritySetting": "on" }), "KART20002-E"),
    ] {
        let r = api
            .call(Method::PATCH, &port, Some(&token), Some(body.clone()), &[])
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_error_body(&r.body, message_id);
    }
    assert_eq!(api.mock.job_count(), jobs_before, "no request became a job");
    let got = api.get(&port, &token).await.body;
    assert_eq!(
        got["portAttributes"].as_array().unwrap().len(),
        4,
        "unchanged"
    );
}
