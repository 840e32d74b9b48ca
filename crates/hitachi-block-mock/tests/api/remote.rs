//! Two mocks at once: remote storage registration (reference §11), whose token the local
//! mock checks by calling the remote one, and remote copy pairs (§13).

use std::time::Duration;

use serde_json::{Value, json};
use storkit_core::http::Method;
use storkit_hitachi_block_mock::ArrayConfig;

use crate::support::{Api, assert_error_body, basic};

/// A local (#410000) and a remote (#420000) system, each logged in; returns
/// (local, remote, local token, remote token).
async fn pair_of_systems(
    local_ip: &str,
    remote_ip: &str,
    job: Duration,
) -> (Api, Api, String, String) {
    let local = Api::start(
        local_ip,
        ArrayConfig::new("VSP G900", 410_000)
            .user("local_user", "local_pass")
            .job_duration(job),
    )
    .await;
    let remote = Api::start(
        remote_ip,
        ArrayConfig::new("VSP G900", 420_000)
            .user("remote_user", "remote_pass")
            .job_duration(job),
    )
    .await;
    let (local_token, _) = local.login_as(&basic("local_user", "local_pass")).await;
    let (remote_token, _) = remote.login_as(&basic("remote_user", "remote_pass")).await;
    (local, remote, local_token, remote_token)
}

fn port_of(api: &Api) -> u16 {
    api.mock.server().port()
}

async fn register(local: &Api, remote: &Api, local_token: &str, remote_token: &str) -> Value {
    let body = json!({
        "storageDeviceId": remote.mock.storage_device_id(),
        "restServerIp": remote.mock.server().ips()[0].to_string(),
        "restServerPort": port_of(remote),
    });
    let auth = format!("Session {remote_token}");
    let r = local
        .call(
            Method::POST,
            &local.obj("remote-storages"),
            Some(local_token),
            Some(body),
            &[
                ("remote-authorization", &auth),
                ("response-job-status", "Completed"),
            ],
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    local.wait(local_token, &r.body).await
}

#[tokio::test]
async fn remote_storage_registration_checks_the_remote_token() {
    let (local, remote, token, remote_token) =
        pair_of_systems("127.0.0.111", "127.0.0.112", Duration::from_millis(100)).await;
    let url = local.obj("remote-storages");
    let remote_ip = "127.0.0.112";
    let mut body = json!({
        "storageDeviceId": "886000420000",
        "restServerIp": remote_ip,
        // A numeric string: the seed's parameter module may hold either (§10.4 item 5).
        "restServerPort": port_of(&remote).to_string(),
    });

    // No Remote-Authorization: rejected before any job.
    let r = local
        .call(Method::POST, &url, Some(&token), Some(body.clone()), &[])
        .await;
    assert_eq!(r.status, 400);
    assert_error_body(&r.body, "KART20008-E");

    // A token the remote system does not know: the job fails.
    let r = local
        .call(
            Method::POST,
            &url,
            Some(&token),
            Some(body.clone()),
            &[("remote-authorization", "Session forged")],
        )
        .await;
    assert_eq!(r.status, 202);
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Failed");
    assert_error_body(&job["error"], "KART20011-E");
    // The local token is not valid remotely either: tokens are per system.
    let own = format!("Session {token}");
    let r = local
        .call(
            Method::POST,
            &url,
            Some(&token),
            Some(body.clone()),
            &[("remote-authorization", &own)],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Failed");

    // A valid token for a system that is not the one named: fails too.
    let remote_auth = format!("Session {remote_token}");
    body["storageDeviceId"] = "886000999999".into();
    let r = local
        .call(
            Method::POST,
            &url,
            Some(&token),
            Some(body.clone()),
            &[("remote-authorization", &remote_auth)],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Failed");
    assert_eq!(job["error"]["errorCode"]["errorCode"], "EX_ENOOBJ");

    // The real thing, as seed 000 sends it.
    body["storageDeviceId"] = "886000420000".into();
    let r = local
        .call(
            Method::POST,
            &url,
            Some(&token),
            Some(body),
            &[
                ("remote-authorization", &remote_auth),
                ("response-job-status", "Completed"),
            ],
        )
        .await;
    assert_eq!(r.status, 202);
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    let affected = job["affectedResources"][0].as_str().unwrap();
    assert_eq!(affected, local.obj("remote-storages/886000420000"));
    // The remote mock saw the token check.
    let checked = remote.mock.server().log().count_where(|e| {
        e.path == "/ConfigurationManager/v1/objects/sessions"
            && e.headers.get("authorization").and_then(|v| v.to_str().ok())
                == Some(remote_auth.as_str())
    });
    assert!(checked >= 1);

    let got = local.get(affected, &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["storageDeviceId"], "886000420000");
    assert_eq!(got.body["dkcType"], "Remote");
    assert_eq!(got.body["restServerIp"], remote_ip);
    assert_eq!(got.body["restServerPort"], port_of(&remote));
    assert_eq!(got.body["model"], "VSP G900");
    assert_eq!(got.body["serialNumber"], 420_000);
    assert_eq!(got.body["ctl1Ip"], remote_ip);
    assert!(got.body["ctl2Ip"].is_string());
    assert!(got.body["communicationModes"].is_array());
    let list = local.get(&url, &token).await;
    let types: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dkcType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Local", "Remote"]);

    // Deletion, mutual: needs the remote token again.
    let r = local
        .call(
            Method::DELETE,
            affected,
            Some(&token),
            Some(json!({ "isMutualDeletion": true })),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = local
        .call(
            Method::DELETE,
            affected,
            Some(&token),
            Some(json!({ "isMutualDeletion": true })),
            &[("remote-authorization", &remote_auth)],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded");
    assert_eq!(local.get(affected, &token).await.status, 404);
}

#[tokio::test]
async fn remote_copy_pair_lifecycle() {
    let (local, remote, token, remote_token) =
        pair_of_systems("127.0.0.113", "127.0.0.114", Duration::from_millis(50)).await;
    local.mock.set_copy_duration(Duration::from_millis(300));
    let job = register(&local, &remote, &token, &remote_token).await;
    assert_eq!(job["state"], "Succeeded");
    let auth = format!("Session {remote_token}");
    let headers = [("remote-authorization", auth.as_str())];
    let pairs = local.obj("remote-mirror-copypairs");

    let create = json!({
        "copyGroupName": "TC_351",
        "copyPairName": "p_351",
        "replicationType": "TC",
        "remoteStorageDeviceId": "886000420000",
        "pvolLdevId": 351,
        "svolLdevId": 351,
        "isNewGroupCreation": true,
    });
    let r = local
        .call(
            Method::POST,
            &pairs,
            Some(&token),
            Some(create.clone()),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "Remote-Authorization is required");
    // A long create job, to see it pass through StorageAccepted (in its second half).
    local.mock.set_job_duration(Duration::from_millis(1200));
    let r = local
        .call(Method::POST, &pairs, Some(&token), Some(create), &headers)
        .await;
    assert_eq!(r.status, 202);
    local.mock.set_job_duration(Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(750)).await;
    let id = r.body["jobId"].as_u64().unwrap();
    let mid = local
        .get(&local.obj(&format!("jobs/{id}")), &token)
        .await
        .body;
    assert_eq!(mid["state"], "StorageAccepted", "{mid}");
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    let pair_path = job["affectedResources"][0].as_str().unwrap().to_owned();
    let pair_id = "886000420000,TC_351,TC_351P_,TC_351S_,p_351";
    assert_eq!(pair_path, format!("{pairs}/{pair_id}"));
    assert_eq!(local.mock.pair_status(pair_id).unwrap().0, "COPY");
    local.wait_pair(pair_id, ("PAIR", "PAIR")).await;

    let got = local
        .call(Method::GET, &pair_path, Some(&token), None, &headers)
        .await;
    assert_eq!(got.body["remoteMirrorCopyPairId"], pair_id);
    assert_eq!(got.body["replicationType"], "TC");
    assert_eq!(got.body["pvolStatus"], "PAIR");
    assert_eq!(got.body["svolStorageDeviceId"], "886000420000");
    let template = local
        .call(
            Method::GET,
            &format!("{pair_path}/actions/split"),
            Some(&token),
            None,
            &headers,
        )
        .await;
    assert!(template.body["parameters"].is_object());

    let invoke = |action: &str| format!("{pair_path}/actions/{action}/invoke");
    let split = json!({ "parameters": { "replicationType": "TC" } });
    let r = local
        .call(
            Method::POST,
            &invoke("split"),
            Some(&token),
            Some(split),
            &headers,
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["affectedResources"][0], pair_path);
    local.wait_pair(pair_id, ("PSUS", "SSUS")).await;
    let r = local
        .call(
            Method::PUT,
            &invoke("resync"),
            Some(&token),
            Some(json!({ "parameters": { "replicationType": "TC", "doSwapSvol": null } })),
            &headers,
        )
        .await;
    local.wait(&token, &r.body).await;
    assert_eq!(local.mock.pair_status(pair_id).unwrap().0, "COPY");
    local.wait_pair(pair_id, ("PAIR", "PAIR")).await;
    let r = local
        .call(
            Method::POST,
            &invoke("split"),
            Some(&token),
            Some(json!({ "parameters": { "replicationType": "TC", "svolOperationMode": "SSWS" } })),
            &headers,
        )
        .await;
    local.wait(&token, &r.body).await;
    local.wait_pair(pair_id, ("PSUS", "SSWS")).await;

    // Group view and a bad remote token on a change.
    let groups = local
        .call(
            Method::GET,
            &local.obj("remote-mirror-copygroups?remoteStorageDeviceId=886000420000"),
            Some(&token),
            None,
            &headers,
        )
        .await;
    assert_eq!(
        groups.body["data"][0]["remoteMirrorCopyGroupId"],
        "886000420000,TC_351,TC_351P_,TC_351S_"
    );
    let r = local
        .call(
            Method::DELETE,
            &pair_path,
            Some(&token),
            None,
            &[("remote-authorization", "Session forged")],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Failed");
    assert!(local.mock.pair_status(pair_id).is_some());

    let r = local
        .call(Method::DELETE, &pair_path, Some(&token), None, &headers)
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded");
    assert!(local.mock.pair_status(pair_id).is_none());
    let r = local
        .call(Method::GET, &pair_path, Some(&token), None, &headers)
        .await;
    assert_eq!(r.status, 404);
}

/// A TC pair `p_349` in group `TC_NEW` on 349, created without an initial copy (so `PAIR`
/// at once); returns its path and id.
async fn steady_tc_pair(local: &Api, token: &str, remote_auth: &str) -> (String, String) {
    let r = local
        .call(
            Method::POST,
            &local.obj("remote-mirror-copypairs"),
            Some(token),
            Some(json!({
                "copyGroupName": "TC_NEW",
                "copyPairName": "p_349",
                "replicationType": "TC",
                "remoteStorageDeviceId": "886000420000",
                "pvolLdevId": 349,
                "svolLdevId": 349,
                "isNewGroupCreation": true,
                "doInitialCopy": false,
            })),
            &[("remote-authorization", remote_auth)],
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let job = local.wait(token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    let path = job["affectedResources"][0].as_str().unwrap().to_owned();
    let id = "886000420000,TC_NEW,TC_NEWP_,TC_NEWS_,p_349".to_owned();
    assert_eq!(path, local.obj(&format!("remote-mirror-copypairs/{id}")));
    (path, id)
}

// 127.0.18.100-120 belong to the tests below.

#[tokio::test]
async fn takeover_takes_force_split_and_no_wait_is_accepted() {
    let (local, remote, token, remote_token) =
        pair_of_systems("127.0.18.100", "127.0.18.101", Duration::from_millis(20)).await;
    register(&local, &remote, &token, &remote_token).await;
    let auth = format!("Session {remote_token}");
    let (pair_path, pair_id) = steady_tc_pair(&local, &token, &auth).await;
    let group_path = local.obj("remote-mirror-copygroups/886000420000,TC_NEW,TC_NEWP_,TC_NEWS_");
    let nowait = [
        ("remote-authorization", auth.as_str()),
        ("job-mode-wait-configuration-change", "NoWait"),
    ];

    // The template names `mode`; only forceSplit (or nothing) is taken.
    let template = local
        .call(
            Method::GET,
            &format!("{pair_path}/actions/takeover"),
            Some(&token),
            None,
            &nowait[..1],
        )
        .await;
    assert_eq!(template.body, json!({ "parameters": { "mode": null } }));
    for path in [&pair_path, &group_path] {
        let r = local
            .call(
                Method::POST,
                &format!("{path}/actions/takeover/invoke"),
                Some(&token),
                Some(json!({ "parameters": { "mode": "swapSplit" } })),
                &nowait,
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_error_body(&r.body, "KART20002-E");
    }
    assert_eq!(
        local.mock.pair_status(&pair_id).unwrap(),
        ("PAIR".to_owned(), "PAIR".to_owned()),
        "a refused takeover changes nothing"
    );

    // The documented body, with NoWait: the S-VOL takes over.
    let r = local
        .call(
            Method::POST,
            &format!("{pair_path}/actions/takeover/invoke"),
            Some(&token),
            Some(json!({ "parameters": { "mode": "forceSplit" } })),
            &nowait,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    assert_eq!(job["affectedResources"][0], pair_path);
    local.wait_pair(&pair_id, ("PSUS", "SSWS")).await;

    // Back to PAIR, then the whole group, NoWait too.
    let r = local
        .call(
            Method::POST,
            &format!("{group_path}/actions/resync/invoke"),
            Some(&token),
            Some(json!({ "parameters": { "replicationType": "TC" } })),
            &nowait,
        )
        .await;
    local.wait(&token, &r.body).await;
    local.wait_pair(&pair_id, ("PAIR", "PAIR")).await;
    let r = local
        .call(
            Method::POST,
            &format!("{group_path}/actions/takeover/invoke"),
            Some(&token),
            Some(json!({ "parameters": { "mode": "forceSplit" } })),
            &nowait,
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    assert_eq!(job["affectedResources"][0], group_path);
    local.wait_pair(&pair_id, ("PSUS", "SSWS")).await;

    // The request log kept the header of every change sent with it.
    let with_header = local.mock.server().log().count_where(|e| {
        e.path.contains("/remote-mirror-copy")
            && e.headers
                .get("job-mode-wait-configuration-change")
                .and_then(|v| v.to_str().ok())
                == Some("NoWait")
    });
    assert_eq!(
        with_header, 5,
        "two refused takeovers, three accepted changes"
    );
}

#[tokio::test]
async fn a_job_can_be_made_to_name_no_affected_resource() {
    let (local, remote, token, remote_token) =
        pair_of_systems("127.0.18.102", "127.0.18.103", Duration::from_millis(20)).await;
    register(&local, &remote, &token, &remote_token).await;
    let auth = format!("Session {remote_token}");

    local.mock.drop_affected_resources_next_job();
    let r = local
        .call(
            Method::POST,
            &local.obj("remote-mirror-copypairs"),
            Some(&token),
            Some(json!({
                "copyGroupName": "TC_NEW",
                "copyPairName": "p_349",
                "replicationType": "TC",
                "remoteStorageDeviceId": "886000420000",
                "pvolLdevId": 349,
                "svolLdevId": 349,
                "isNewGroupCreation": true,
            })),
            &[("remote-authorization", &auth)],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    assert_eq!(job["affectedResources"], json!([]));
    // It did what it does: the pair exists.
    let pair_id = "886000420000,TC_NEW,TC_NEWP_,TC_NEWS_,p_349";
    assert!(local.mock.pair_status(pair_id).is_some());
    let id = job["jobId"].as_u64().unwrap();
    let again = local.get(&local.obj(&format!("jobs/{id}")), &token).await;
    assert_eq!(again.body["affectedResources"], json!([]));

    // Only the next job: the one after names its resource again.
    let pair_path = local.obj(&format!("remote-mirror-copypairs/{pair_id}"));
    let r = local
        .call(
            Method::POST,
            &format!("{pair_path}/actions/split/invoke"),
            Some(&token),
            Some(json!({ "parameters": { "replicationType": "TC" } })),
            &[("remote-authorization", &auth)],
        )
        .await;
    let job = local.wait(&token, &r.body).await;
    assert_eq!(job["state"], "Succeeded", "{job}");
    assert_eq!(job["affectedResources"], json!([pair_path]));
}
