//! Thin Image snapshots (reference §13).

use std::time::Duration;

use serde_json::json;
use storkit_core::http::Method;

use crate::support::Api;

#[tokio::test]
async fn snapshot_lifecycle() {
    let api = Api::with_jobs("127.0.0.120", Duration::from_millis(20)).await;
    api.mock.set_copy_duration(Duration::from_millis(300));
    let (token, _) = api.login().await;
    let snapshots = api.obj("snapshots");

    let path = api
        .ok(
            Method::POST,
            &snapshots,
            &token,
            Some(json!({
                "snapshotGroupName": "snap-349",
                "snapshotPoolId": 1,
                "pvolLdevId": 349,
                "svolLdevId": 350,
                "isConsistencyGroup": true,
                "canCascade": true,
            })),
        )
        .await;
    assert_eq!(path, api.obj("snapshots/349,3"));
    let id = "349,3";
    assert_eq!(
        api.mock.pair_status(id),
        Some(("PAIR".into(), "PAIR".into()))
    );
    let list = api
        .get(&format!("{snapshots}?pvolLdevId=349"), &token)
        .await;
    assert_eq!(list.body["data"][0]["snapshotId"], id);
    assert_eq!(list.body["data"][0]["svolLdevId"], 350);
    let error = api
        .fails(
            Method::POST,
            &snapshots,
            &token,
            Some(json!({ "snapshotGroupName": "x", "snapshotPoolId": 9, "pvolLdevId": 349 })),
        )
        .await;
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "2E30", "SSB2": "600E" })
    );

    let invoke = |action: &str| format!("{path}/actions/{action}/invoke");
    // A2's curl sends split with an empty body.
    api.ok(Method::POST, &invoke("split"), &token, None).await;
    assert_eq!(api.mock.pair_status(id).unwrap().0, "PSUS");
    let got = api.get(&path, &token).await;
    assert!(got.body["splitTime"].is_string());
    api.ok(Method::POST, &invoke("resync"), &token, None).await;
    assert_eq!(api.mock.pair_status(id).unwrap().0, "COPY");
    api.wait_pair(id, ("PAIR", "PAIR")).await;
    let r = api
        .call(Method::POST, &invoke("restore"), Some(&token), None, &[])
        .await;
    assert_eq!(r.status, 412, "restore needs a split snapshot");
    api.ok(Method::POST, &invoke("split"), &token, None).await;
    let template = api.get(&format!("{path}/actions/restore"), &token).await;
    assert_eq!(
        template.body,
        json!({ "parameters": { "autoSplit": null } })
    );
    api.ok(
        Method::PUT,
        &invoke("restore"),
        &token,
        Some(json!({ "parameters": { "autoSplit": true } })),
    )
    .await;
    assert_eq!(api.mock.pair_status(id).unwrap().0, "RCPY");
    api.wait_pair(id, ("PSUS", "PSUS")).await;

    // Group view and group action.
    let group = api.get(&api.obj("snapshot-groups/snap-349"), &token).await;
    assert_eq!(group.body["snapshots"].as_array().unwrap().len(), 1);
    api.ok(
        Method::POST,
        &api.obj("snapshot-groups/snap-349/actions/resync/invoke"),
        &token,
        None,
    )
    .await;
    api.wait_pair(id, ("PAIR", "PAIR")).await;

    // The S-VOL is busy while paired; delete frees it.
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/350"), &token, None)
        .await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_CMDRJE");
    assert_eq!(api.ok(Method::DELETE, &path, &token, None).await, path);
    assert_eq!(api.get(&path, &token).await.status, 404);
    assert_eq!(api.mock.pair_status(id), None);
    let r = api.get(&api.obj("snapshot-groups/snap-349"), &token).await;
    assert_eq!(r.status, 404);

    // An automated clone copies, then leaves no pair behind.
    let clone = api
        .ok(
            Method::POST,
            &snapshots,
            &token,
            Some(json!({
                "snapshotGroupName": "clone-349",
                "snapshotPoolId": 0,
                "pvolLdevId": 349,
                "svolLdevId": 350,
                "isClone": true,
                "clonesAutomation": true,
                "copySpeed": "medium",
            })),
        )
        .await;
    let clone_id = clone.rsplit('/').next().unwrap().to_owned();
    assert_eq!(api.mock.pair_status(&clone_id).unwrap().0, "COPY");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(api.mock.pair_status(&clone_id), None);
}
