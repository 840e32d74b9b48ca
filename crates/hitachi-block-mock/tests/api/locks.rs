//! The resource-group lock (reference §15): per session, blocks other sessions' changes.

use std::time::Duration;

use serde_json::json;
use storkit_core::http::Method;

use crate::support::{Api, assert_error_body};

#[tokio::test]
async fn the_lock_belongs_to_its_session() {
    let api = Api::with_jobs("127.0.0.123", Duration::from_millis(20)).await;
    let (a, a_id) = api.login().await;
    let (b, b_id) = api.login().await;
    let sdid = api.mock.storage_device_id().to_owned();
    let lock =
        format!("/ConfigurationManager/v1/{sdid}/services/resource-group-service/actions/lock");
    let unlock_short =
        "/ConfigurationManager/v1/services/resource-group-service/actions/unlock/invoke";
    let new_ldev = json!({ "poolId": 0, "blockCapacity": 2048 });

    let template = api.get(&lock, &a).await;
    assert_eq!(template.body, json!({ "parameters": { "waitTime": null } }));
    api.ok(
        Method::POST,
        &format!("{lock}/invoke"),
        &a,
        Some(json!({ "parameters": { "waitTime": 0 } })),
    )
    .await;
    assert_eq!(api.mock.lock_holder(), Some(a_id));

    // B's change fails with the lock codes; B's reads and session calls are not blocked.
    let error = api
        .fails(Method::POST, &api.obj("ldevs"), &b, Some(new_ldev.clone()))
        .await;
    assert_error_body(&error, "KART40050-E");
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "2E11", "SSB2": "2205" })
    );
    assert_eq!(api.get(&api.obj("ldevs/347"), &b).await.status, 200);
    let (c, c_id) = api.login().await;
    let r = api
        .call(
            Method::DELETE,
            &api.obj(&format!("sessions/{c_id}")),
            Some(&c),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);

    // Only A may unlock; A's own changes go through.
    let error = api.fails(Method::PUT, unlock_short, &b, None).await;
    assert_error_body(&error, "KART40052-E");
    assert_eq!(api.mock.lock_holder(), Some(a_id));
    api.ok(Method::POST, &api.obj("ldevs"), &a, Some(new_ldev.clone()))
        .await;

    // B waits for the lock (waitTime) and gets it once A lets go.
    let r = api
        .call(
            Method::PUT,
            &format!("{lock}/invoke"),
            Some(&b),
            Some(json!({ "parameters": { "waitTime": 5 } })),
            &[],
        )
        .await;
    assert_eq!(r.status, 202);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = api
        .get(&api.obj(&format!("jobs/{}", r.body["jobId"])), &b)
        .await;
    assert_eq!(waiting.body["status"], "Running", "{}", waiting.text);
    api.ok(Method::POST, unlock_short, &a, None).await;
    let job = api.wait(&b, &r.body).await;
    assert_eq!(job["state"], "Succeeded");
    assert_eq!(api.mock.lock_holder(), Some(b_id));
    let error = api
        .fails(Method::POST, &api.obj("ldevs"), &a, Some(new_ldev.clone()))
        .await;
    assert_eq!(error["messageId"], "KART40050-E");

    // A lock with no wait fails at once while held; discarding B's session releases it.
    let error = api
        .fails(Method::POST, &format!("{lock}/invoke"), &a, None)
        .await;
    assert_eq!(error["messageId"], "KART40050-E");
    let r = api
        .call(
            Method::DELETE,
            &api.obj(&format!("sessions/{b_id}")),
            Some(&b),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(api.mock.lock_holder(), None);
    api.ok(Method::POST, &api.obj("ldevs"), &a, Some(new_ldev))
        .await;
    let r = api
        .call(
            Method::POST,
            &format!("{lock}/invoke"),
            Some(&a),
            Some(json!({ "parameters": { "waitTime": 9000 } })),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "waitTime is 0 to 7200");
}
