//! Jobs (reference §8): the status timeline, `Response-Job-Status`, failures, the job object.

use std::time::{Duration, Instant};

use serde_json::json;
use storkit_core::http::Method;
use storkit_hitachi_block_mock::JobFailure;

use crate::support::Api;

#[tokio::test]
async fn a_job_goes_through_initializing_running_completed() {
    let api = Api::with_jobs("127.0.0.108", Duration::from_millis(800)).await;
    let (token, _) = api.login().await;
    let body = json!({ "poolId": 0, "byteFormatCapacity": "1G", "ldevId": 600 });
    let r = api
        .call(
            Method::POST,
            &api.obj("ldevs"),
            Some(&token),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 202);
    let job = &r.body;
    assert!(job["jobId"].is_u64());
    let id = job["jobId"].as_u64().unwrap();
    assert_eq!(job["self"], api.obj(&format!("jobs/{id}")));
    assert_eq!(job["userId"], "user1");
    assert_eq!(job["status"], "Initializing");
    assert_eq!(job["state"], "Queued");
    assert_eq!(job["affectedResources"], json!([]));
    assert!(job["createdTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(job["request"]["requestMethod"], "POST");
    assert_eq!(job["request"]["requestUrl"], api.obj("ldevs"));
    assert!(
        job["request"]["requestBody"]
            .as_str()
            .unwrap()
            .contains("\"ldevId\":600")
    );
    assert!(job.get("error").is_none());
    assert!(
        !api.mock.ldev_exists(600),
        "nothing changes before the job runs"
    );

    tokio::time::sleep(Duration::from_millis(350)).await;
    let running = api.get(&api.obj(&format!("jobs/{id}")), &token).await.body;
    assert_eq!(running["status"], "Running");
    assert_eq!(running["state"], "Started");
    assert!(!api.mock.ldev_exists(600));

    let done = api.wait(&token, job).await;
    assert_eq!(done["state"], "Succeeded");
    assert_eq!(done["affectedResources"], json!([api.obj("ldevs/600")]));
    assert!(done["completedTime"].is_string());
    assert!(api.mock.ldev_exists(600));
    // The affected resource is a server-absolute path that GETs back the object.
    let ldev = api
        .get(done["affectedResources"][0].as_str().unwrap(), &token)
        .await;
    assert_eq!(ldev.body["byteFormatCapacity"], "1.00 G");

    let list = api.get(&api.obj("jobs"), &token).await;
    assert_eq!(list.body["data"][0]["jobId"], id);
}

#[tokio::test]
async fn response_job_status_holds_the_202_until_done() {
    let api = Api::with_jobs("127.0.0.109", Duration::from_millis(400)).await;
    let (token, _) = api.login().await;
    let start = Instant::now();
    // Cinder's spelling, with the semicolon.
    let r = api
        .call(
            Method::POST,
            &api.obj("ldevs"),
            Some(&token),
            Some(json!({ "poolId": 0, "blockCapacity": 2048 })),
            &[("Response-Job-Status", "Completed;")],
        )
        .await;
    let held = start.elapsed();
    assert_eq!(r.status, 202, "still a 202 after the wait");
    assert_eq!(r.body["status"], "Completed");
    assert_eq!(r.body["state"], "Succeeded");
    assert!(held >= Duration::from_millis(350), "held {held:?}");
    // A job that finished is still there to poll, as the seeds do.
    let id = r.body["jobId"].as_u64().unwrap();
    let again = api.get(&api.obj(&format!("jobs/{id}")), &token).await;
    assert_eq!(again.body["status"], "Completed");

    // Response-Max-Wait caps the hold below the job's duration.
    api.mock.set_job_duration(Duration::from_secs(3));
    let start = Instant::now();
    let r = api
        .call(
            Method::POST,
            &api.obj("ldevs"),
            Some(&token),
            Some(json!({ "poolId": 0, "blockCapacity": 2048 })),
            &[
                ("response-job-status", "Completed"),
                ("response-max-wait", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.body["status"], "Running");
    assert!(start.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn failed_jobs_are_completed_with_an_error_code() {
    let api = Api::with_jobs("127.0.0.110", Duration::from_millis(50)).await;
    let (token, _) = api.login().await;
    api.mock.fail_next_job(JobFailure::Ssb {
        ssb1: "B958".into(),
        ssb2: "015A".into(),
        message_id: "KART30000-E".into(),
    });
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/100"), &token, None)
        .await;
    assert_eq!(error["messageId"], "KART30000-E");
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "B958", "SSB2": "015A" })
    );
    assert_eq!(error["errorSource"], api.obj("ldevs/100"));
    assert!(api.mock.ldev_exists(100), "a failed job changes nothing");

    api.mock.fail_next_job(JobFailure::ReturnCode {
        code: "EX_EACCES".into(),
        message_id: "KART40051-E".into(),
    });
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/100"), &token, None)
        .await;
    assert_eq!(error["messageId"], "KART40051-E");
    assert_eq!(error["errorCode"], json!({ "errorCode": "EX_EACCES" }));

    // Only the next job fails; and real storage errors have the same shape.
    api.ok(Method::DELETE, &api.obj("ldevs/100"), &token, None)
        .await;
    assert!(!api.mock.ldev_exists(100));
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/100"), &token, None)
        .await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_ENLDEV");
    assert_eq!(api.mock.job_count(), 4);
}

#[tokio::test]
async fn a_failure_armed_on_a_path_skips_the_jobs_of_other_paths() {
    let api = Api::with_jobs("127.0.16.60", Duration::ZERO).await;
    let (token, _) = api.login().await;
    api.mock.fail_next_job_on(
        "/ldevs/101",
        JobFailure::ReturnCode {
            code: "EX_ENOOBJ".into(),
            message_id: "KART30000-E".into(),
        },
    );
    // Another path: runs normally, and the failure stays armed.
    api.ok(Method::DELETE, &api.obj("ldevs/100"), &token, None)
        .await;
    assert!(!api.mock.ldev_exists(100));
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/101"), &token, None)
        .await;
    assert_eq!(error["messageId"], "KART30000-E");
    assert_eq!(error["errorCode"], json!({ "errorCode": "EX_ENOOBJ" }));
    assert!(api.mock.ldev_exists(101), "a failed job changes nothing");
    // Spent after one failure.
    api.ok(Method::DELETE, &api.obj("ldevs/101"), &token, None)
        .await;
    assert!(!api.mock.ldev_exists(101));

    // Re-arming replaces the earlier failure; `fail_next_job` hits any path.
    api.mock.fail_next_job_on(
        "/ldevs/102",
        JobFailure::ReturnCode {
            code: "EX_ENOOBJ".into(),
            message_id: "KART30000-E".into(),
        },
    );
    api.mock.fail_next_job(JobFailure::Ssb {
        ssb1: "2E10".into(),
        ssb2: "9705".into(),
        message_id: "KART30000-E".into(),
    });
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/103"), &token, None)
        .await;
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "2E10", "SSB2": "9705" })
    );
    api.ok(Method::DELETE, &api.obj("ldevs/102"), &token, None)
        .await;
    assert!(!api.mock.ldev_exists(102));
}
