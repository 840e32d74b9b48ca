//! ShadowImage (reference §12): seed 001's flow and the whole status machine.

use std::time::Duration;

use serde_json::{Value, json};
use storkit_core::http::Method;

use crate::support::{Api, assert_error_body};

const PAIR: &str = "SI_347,SI_347P_,SI_347S_,p_347-348";
const GROUP: &str = "SI_347,SI_347P_,SI_347S_";

fn seed_body() -> Value {
    json!({
        "copyGroupName": "SI_347",
        "copyPairName": "p_347-348",
        "replicationType": "SI",
        "pvolLdevId": 347,
        "pvolMuNumber": 0,
        "svolLdevId": 348,
        "isNewGroupCreation": true,
    })
}

#[tokio::test]
async fn shadow_image_status_machine() {
    let api = Api::with_jobs("127.0.0.115", Duration::from_millis(50)).await;
    api.mock.set_copy_duration(Duration::from_millis(400));
    let (token, _) = api.login().await;
    let pairs = api.obj("local-clone-copypairs");

    let pair_url = api
        .ok(Method::POST, &pairs, &token, Some(seed_body()))
        .await;
    assert_eq!(pair_url, format!("{pairs}/{PAIR}"));
    let got = api.get(&pair_url, &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["pvolStatus"], "COPY");
    assert_eq!(got.body["localCloneCopypairId"], PAIR);
    assert_eq!(got.body["copyGroupName"], "SI_347");
    assert_eq!(got.body["copyPairName"], "p_347-348");
    assert_eq!(got.body["pvolLdevId"], 347);
    assert_eq!(got.body["svolLdevId"], 348);
    api.wait_pair(PAIR, ("PAIR", "PAIR")).await;
    let got = api.get(&pair_url, &token).await;
    assert_eq!(got.body["copyProgressRate"], 100);

    // The template and seed 001's PUT with the template sent back whole.
    let template = api.get(&format!("{pair_url}/actions/split"), &token).await;
    assert_eq!(template.status, 200);
    assert_eq!(
        template.body,
        json!({ "parameters": { "copyPace": null, "quickMode": null } })
    );
    let mut body = template.body.clone();
    body["parameters"]["copyPace"] = 3.into();
    body["extra"] = "ignored".into();
    let affected = api
        .ok(
            Method::PUT,
            &format!("{pair_url}/actions/split/invoke"),
            &token,
            Some(body),
        )
        .await;
    assert_eq!(affected, pair_url, "actions name the pair");
    let got = api.get(&pair_url, &token).await;
    assert_eq!(
        (
            got.body["pvolStatus"].as_str(),
            got.body["svolStatus"].as_str()
        ),
        (Some("PSUS"), Some("SSUS"))
    );
    assert_eq!(got.body["copyPace"], 3);

    // Split again on PSUS: accepted, nothing changes (A2 note).
    api.ok(
        Method::POST,
        &format!("{pair_url}/actions/split/invoke"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        api.mock.pair_status(PAIR),
        Some(("PSUS".into(), "SSUS".into()))
    );

    // Resync: COPY, then PAIR; resync on COPY/PAIR is a no-op.
    api.ok(
        Method::POST,
        &format!("{pair_url}/actions/resync/invoke"),
        &token,
        Some(json!({ "parameters": { "copyPace": null, "quickMode": null } })),
    )
    .await;
    assert_eq!(api.mock.pair_status(PAIR).unwrap().0, "COPY");
    api.ok(
        Method::POST,
        &format!("{pair_url}/actions/resync/invoke"),
        &token,
        None,
    )
    .await;
    api.wait_pair(PAIR, ("PAIR", "PAIR")).await;

    // Restore needs a split pair: 412 on PAIR, then RCPY → PAIR after a split.
    let r = api
        .call(
            Method::POST,
            &format!("{pair_url}/actions/restore/invoke"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 412);
    assert_error_body(&r.body, "KART20010-E");
    api.ok(
        Method::POST,
        &format!("{pair_url}/actions/split/invoke"),
        &token,
        None,
    )
    .await;
    api.ok(
        Method::PUT,
        &format!("{pair_url}/actions/restore/invoke"),
        &token,
        Some(json!({ "parameters": { "quickMode": true, "copyPace": 15 } })),
    )
    .await;
    assert_eq!(
        api.mock.pair_status(PAIR),
        Some(("RCPY".into(), "RCPY".into()))
    );
    api.wait_pair(PAIR, ("PAIR", "PAIR")).await;

    // Bad parameters and unknown actions.
    let r = api
        .call(
            Method::POST,
            &format!("{pair_url}/actions/split/invoke"),
            Some(&token),
            Some(json!({ "parameters": { "copyPace": 16 } })),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .call(
            Method::POST,
            &format!("{pair_url}/actions/split/invoke"),
            Some(&token),
            Some(json!({ "parameters": [] })),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .get(&format!("{pair_url}/actions/explode"), &token)
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .get(
            &format!("{pairs}/SI_347,SI_347P_,SI_347S_,nope/actions/split"),
            &token,
        )
        .await;
    assert_eq!(r.status, 404);

    // A failed pair: split is refused (412), resync recovers it.
    assert!(api.mock.suspend_pair(PAIR));
    let r = api
        .call(
            Method::POST,
            &format!("{pair_url}/actions/split/invoke"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 412);
    api.ok(
        Method::POST,
        &format!("{pair_url}/actions/resync/invoke"),
        &token,
        None,
    )
    .await;
    api.wait_pair(PAIR, ("PAIR", "PAIR")).await;

    // Delete: the pair is gone, its volumes are free again.
    let deleted = api.ok(Method::DELETE, &pair_url, &token, None).await;
    assert_eq!(deleted, pair_url);
    assert_eq!(api.get(&pair_url, &token).await.status, 404);
    assert_eq!(api.mock.pair_status(PAIR), None);
    let ldev = api.get(&api.obj("ldevs/348"), &token).await;
    assert!(
        !ldev.body["attributes"]
            .as_array()
            .unwrap()
            .contains(&json!("MRCF"))
    );
}

#[tokio::test]
async fn shadow_image_validation_and_groups() {
    let api = Api::with_jobs("127.0.0.116", Duration::ZERO).await;
    let (token, _) = api.login().await;
    let pairs = api.obj("local-clone-copypairs");

    // Request-shape errors are synchronous 400s.
    for (field, value) in [
        ("copyGroupName", json!("G".repeat(30))),
        ("copyPairName", json!("P".repeat(32))),
        ("replicationType", json!("TI")),
        ("svolLdevId", json!(347)),
        ("pvolMuNumber", json!(3)),
        ("isNewGroupCreation", Value::Null),
        ("isNewGroupCreation", json!("yes")),
    ] {
        let mut body = seed_body();
        body[field] = value.clone();
        let r = api
            .call(Method::POST, &pairs, Some(&token), Some(body), &[])
            .await;
        assert_eq!(r.status, 400, "{field}={value}: {}", r.text);
    }
    // Storage-side errors fail the job.
    let mut body = seed_body();
    body["svolLdevId"] = 200.into();
    let error = api.fails(Method::POST, &pairs, &token, Some(body)).await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_ENQSIZ", "sizes differ");
    let mut body = seed_body();
    body["svolLdevId"] = 4000.into();
    let error = api.fails(Method::POST, &pairs, &token, Some(body)).await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_ENLDEV");
    let mut body = seed_body();
    body["isNewGroupCreation"] = false.into();
    api.fails(Method::POST, &pairs, &token, Some(body)).await;

    api.ok(Method::POST, &pairs, &token, Some(seed_body()))
        .await;
    // The same group again with isNewGroupCreation true: refused; false adds a pair.
    let mut second = seed_body();
    second["copyPairName"] = "p_349-350".into();
    second["pvolLdevId"] = 349.into();
    second["svolLdevId"] = 350.into();
    api.fails(Method::POST, &pairs, &token, Some(second.clone()))
        .await;
    second["isNewGroupCreation"] = false.into();
    api.ok(Method::POST, &pairs, &token, Some(second)).await;
    let mut busy = seed_body();
    busy["copyGroupName"] = "OTHER".into();
    busy["pvolLdevId"] = 100.into();
    busy["svolLdevId"] = 348.into();
    api.fails(Method::POST, &pairs, &token, Some(busy)).await;

    // The list needs its copy group (A2).
    let r = api.get(&pairs, &token).await;
    assert_eq!(r.status, 400);
    assert_error_body(&r.body, "KART20008-E");
    let r = api
        .get(
            &format!("{pairs}?localCloneCopyGroupId={GROUP}&refresh=true"),
            &token,
        )
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    let escaped = api
        .get(
            &format!("{pairs}?localCloneCopyGroupId=SI_347%2CSI_347P_%2CSI_347S_"),
            &token,
        )
        .await;
    assert_eq!(escaped.body["data"].as_array().unwrap().len(), 2);

    // Copy groups, and a split of the whole group.
    let groups = api.get(&api.obj("local-clone-copygroups"), &token).await;
    assert_eq!(groups.body["data"][0]["localCloneCopygroupId"], GROUP);
    let group_url = api.obj(&format!("local-clone-copygroups/{GROUP}"));
    let group = api.get(&group_url, &token).await;
    assert_eq!(group.body["copyPairs"].as_array().unwrap().len(), 2);
    let template = api
        .get(&format!("{group_url}/actions/restore"), &token)
        .await;
    assert!(template.body["parameters"].is_object());
    let affected = api
        .ok(
            Method::POST,
            &format!("{group_url}/actions/split/invoke"),
            &token,
            Some(json!({ "parameters": { "copyPace": 10 } })),
        )
        .await;
    assert_eq!(affected, group_url);
    assert_eq!(
        api.mock.pair_status(PAIR),
        Some(("PSUS".into(), "SSUS".into()))
    );
    assert_eq!(
        api.mock.pair_status("SI_347,SI_347P_,SI_347S_,p_349-350"),
        Some(("PSUS".into(), "SSUS".into()))
    );
    api.ok(
        Method::POST,
        &format!("{group_url}/actions/restore/invoke"),
        &token,
        None,
    )
    .await;
    api.wait_pair(PAIR, ("PAIR", "PAIR")).await;

    // The short URL form reaches the same pair.
    let short = api
        .get(
            &format!("/ConfigurationManager/v1/objects/local-clone-copypairs/{PAIR}"),
            &token,
        )
        .await;
    assert_eq!(short.body["localCloneCopypairId"], PAIR);
    let deleted = api.ok(Method::DELETE, &group_url, &token, None).await;
    assert_eq!(deleted, group_url);
    assert_eq!(api.get(&group_url, &token).await.status, 404);
}
