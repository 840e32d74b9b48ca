//! Jobs: states over time, the long poll (holding, waking on a change, timing out), the
//! failure hook, the job step, and the job endpoints' parameters. Addresses 127.0.13.50–69.

use std::time::Duration;

use serde_json::{Value, json};
use storkit_ontap_deploy_mock::JobState;
use tokio::time::Instant;

use crate::support::{Client, start};

fn credential(n: u32) -> Value {
    json!({"hostname": format!("esx{n}.example"), "type": "host", "username": "root", "password": "pw"})
}

fn is_timestamp(text: &str) -> bool {
    // 2019-04-04T15:41:29.140265Z
    let b = text.as_bytes();
    b.len() == 27
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[26] == b'Z'
        && text[20..26].bytes().all(|c| c.is_ascii_digit())
}

fn poll(id: &str, since: &str, timeout: u32) -> String {
    format!(
        "/jobs/{id}?fields=state,message,last_modified&poll_timeout={timeout}&last_modified=%3E={since}"
    )
}

#[tokio::test]
async fn a_long_poll_holds_until_the_job_changes() {
    let mock = start(50, |c| c.job_step(Duration::from_millis(400))).await;
    let client = Client::new(&mock);
    let job = client
        .post("/security/credentials", &credential(1))
        .await
        .job();
    let id = job["id"].as_str().unwrap();
    let since = job["last_modified"].as_str().unwrap();
    assert!(is_timestamp(since), "{since}");
    assert_eq!(job["state"], "queued");

    let start = Instant::now();
    let record = client.get(&poll(id, since, 60)).await.record();
    let held = start.elapsed();
    assert!(
        held >= Duration::from_millis(250),
        "answered after {held:?}"
    );
    assert!(
        held < Duration::from_secs(10),
        "held {held:?}: it must wake on the change"
    );
    assert_eq!(record["state"], "running");
    let next = record["last_modified"].as_str().unwrap();
    assert!(is_timestamp(next) && next > since, "{since} then {next}");

    // Once over, a poll past the last change holds the whole poll_timeout.
    let (done, _) = client.wait_job(&job).await;
    let last = done["last_modified"].as_str().unwrap();
    let start = Instant::now();
    let again = client.get(&poll(id, last, 1)).await.record();
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(again, done);
    // A poll behind the job answers at once.
    let start = Instant::now();
    client.get(&poll(id, since, 60)).await.record();
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn long_polls_on_a_paused_clock() {
    let mock = start(51, |c| c.job_step(Duration::from_secs(10))).await;
    let client = Client::paused(&mock);
    let job = client
        .post("/security/credentials", &credential(1))
        .await
        .job();
    let id = job["id"].as_str().unwrap();
    let start = Instant::now();
    let running = client
        .get(&poll(id, job["last_modified"].as_str().unwrap(), 120))
        .await
        .record();
    assert_eq!(running["state"], "running");
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    let done = client
        .get(&poll(id, running["last_modified"].as_str().unwrap(), 120))
        .await
        .record();
    assert_eq!(done["state"], "success");
    assert_eq!(start.elapsed(), Duration::from_secs(20));
    // Nothing changes any more: the poll runs its 120 s out.
    let same = client
        .get(&poll(id, done["last_modified"].as_str().unwrap(), 120))
        .await
        .record();
    assert_eq!(same, done);
    assert_eq!(start.elapsed(), Duration::from_secs(140));
    // Without a cursor, no hold.
    let plain = client
        .get(&format!("/jobs/{id}?poll_timeout=120"))
        .await
        .record();
    assert_eq!(plain["state"], "success");
    assert_eq!(start.elapsed(), Duration::from_secs(140));
}

#[tokio::test]
async fn the_failure_hook_fails_the_next_job_only() {
    let mock = start(52, |c| c).await;
    let client = Client::new(&mock);
    mock.fail_next_job("host esx-a.example is unreachable");
    let reply = client
        .post(
            "/hosts",
            &json!({"hosts": [{"name": "esx-a.example", "hypervisor_type": "ESX"}]}),
        )
        .await;
    // The host is there while the job runs, and gone once it failed.
    assert_eq!(mock.hosts().len(), 1);
    let (record, messages) = client.wait_job(&reply.job()).await;
    assert_eq!(record["state"], "failure");
    assert_eq!(record["message"], "host esx-a.example is unreachable");
    assert!(messages.len() >= 2, "{messages:?}");
    assert!(mock.hosts().is_empty());
    assert!(client.get("/hosts").await.records().is_empty());
    // The next job succeeds.
    let reply = client
        .post(
            "/hosts",
            &json!({"hosts": [{"name": "esx-a.example", "hypervisor_type": "ESX"}]}),
        )
        .await;
    client.succeeds(reply).await;
    assert_eq!(mock.jobs_started(), 2);
    let jobs = mock.jobs();
    assert_eq!(
        jobs.iter().map(|j| j.state).collect::<Vec<_>>(),
        [JobState::Failure, JobState::Success]
    );
    assert_eq!(mock.hosts()[0].name, "esx-a.example");
}

#[tokio::test]
async fn the_job_step_can_change_at_run_time() {
    let mock = start(53, |c| c.job_step(Duration::from_secs(3600))).await;
    let client = Client::new(&mock);
    let slow = client
        .post("/security/credentials", &credential(1))
        .await
        .job();
    assert_eq!(mock.job_step(), Duration::from_secs(3600));
    mock.set_job_step(Duration::from_millis(5));
    let fast = client.post("/security/credentials", &credential(2)).await;
    client.succeeds(fast).await;
    let slow_now = client
        .get(&format!("/jobs/{}", slow["id"].as_str().unwrap()))
        .await
        .record();
    assert_eq!(slow_now["state"], "queued");
}

#[tokio::test]
async fn job_endpoints_and_their_parameters() {
    let mock = start(54, |c| c.job_step(Duration::from_millis(5))).await;
    let client = Client::new(&mock);
    let first = client.post("/security/credentials", &credential(1)).await;
    let first = client.succeeds(first).await;
    mock.set_job_step(Duration::from_secs(3600));
    let second = client
        .post("/security/credentials", &credential(2))
        .await
        .job();
    let id = second["id"].as_str().unwrap();

    // Without fields: state, message and last_modified; with a list, id and the list only.
    let record = client.get(&format!("/jobs/{id}")).await.record();
    let mut keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "last_modified", "message", "state"]);
    let record = client
        .get(&format!("/jobs/{id}?fields=state,message"))
        .await
        .record();
    assert_eq!(
        record,
        json!({"id": id, "state": "queued", "message": "Job queued"})
    );

    let all = client
        .get("/jobs?order_by=last_modified%20desc")
        .await
        .records();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], id);
    let done = client
        .get("/jobs?state=success|failure&fields=state")
        .await
        .records();
    assert_eq!(done, [json!({"id": first["id"], "state": "success"})]);
    let open = client.get("/jobs?state=queued%7Crunning").await.records();
    assert_eq!(open.len(), 1);

    for (query, fragment) in [
        ("poll_timeout=0", "poll_timeout"),
        ("poll_timeout=121", "poll_timeout"),
        ("poll_timeout=soon", "poll_timeout"),
        ("last_modified=yesterday&poll_timeout=5", "last_modified"),
        ("last_modified=%3E1|2&poll_timeout=5", "last_modified"),
        ("state=queued", "state"),
        ("fields=nosuch", "nosuch"),
    ] {
        let (_, message) = client.get(&format!("/jobs/{id}?{query}")).await.error(400);
        assert!(message.contains(fragment), "{query}: {message}");
    }
    assert_eq!(client.get("/jobs/nope").await.error(404).0, "404002");
    // A timestamp with an offset is a cursor too.
    let start = Instant::now();
    let record = client
        .get(&format!(
            "/jobs/{id}?poll_timeout=60&last_modified=%3E=2024-01-01T00:00:00%2B00:00"
        ))
        .await
        .record();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(record["state"], "queued");
}
