//! Jobs on a paused clock: the long poll's parameters and cursor, held polls followed at
//! once (few polls, no busy loop, no sleep after a held poll), per-call holds, failure
//! as `JobFailed`, and the deadline as `JobTimeout` with the last state. Addresses
//! 127.0.14.70–89.

use std::time::Duration;

use storkit_core::http::Method;
use storkit_mock::LoggedRequest;
use storkit_ontap_deploy::model::{
    CredentialKind, HostBatch, HostRegistration, HypervisorType, JobState, NewCredential,
};
use storkit_ontap_deploy::{
    CredentialAdded, DeployClient, ErrorKind, JobHandle, JobPolicy, OntapError, OntapErrorExt,
};
use storkit_ontap_deploy_mock::DeployMock;

use crate::support::{PASSWORD, USER, requests, start_plain};

const POLL_PREFIX: &str = "fields=state,message,last_modified&poll_timeout=";

/// A client with the crate's default job policy (a 250 ms first wait, 120 s holds).
fn default_client(mock: &DeployMock) -> DeployClient {
    DeployClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .build()
        .unwrap()
}

async fn credential_job(deploy: &DeployClient, host: &str) -> JobHandle {
    let credential = NewCredential::new(CredentialKind::Host, host, "root", "EsxRoot1!");
    match deploy.add_credential(&credential).await.unwrap() {
        CredentialAdded::Started(job) => job,
        other => panic!("not started: {other:?}"),
    }
}

fn polls(mock: &DeployMock, job: &str) -> Vec<LoggedRequest> {
    requests(mock, Method::GET, &format!("/jobs/{job}"))
}

/// The queries of `polls`, for messages.
fn queries(polls: &[LoggedRequest]) -> Vec<&str> {
    polls.iter().filter_map(|p| p.query.as_deref()).collect()
}

/// `(poll_timeout, cursor)` of a long poll's query.
fn poll_params(entry: &LoggedRequest) -> (u32, String) {
    let query = entry.query.as_deref().unwrap_or_default();
    let rest = query
        .strip_prefix(POLL_PREFIX)
        .unwrap_or_else(|| panic!("not a long poll: {query}"));
    let (seconds, cursor) = rest
        .split_once("&last_modified=%3E=")
        .unwrap_or_else(|| panic!("no cursor: {query}"));
    (seconds.parse().unwrap(), cursor.to_owned())
}

#[tokio::test(start_paused = true)]
async fn the_long_poll_is_held_and_followed_at_once() {
    let step = Duration::from_secs(30);
    let mock = start_plain(70, |c| c.job_step(step)).await;
    let deploy = default_client(&mock);
    let job = credential_job(&deploy, "esx-70.example").await;
    let accepted = job.job().clone();
    assert_eq!(accepted.message.as_deref(), Some("Job queued"));
    let started = requests(&mock, Method::POST, "/security/credentials")[0].at;
    let id = job.id().to_owned();

    let mut progress = Vec::new();
    let done = job.wait_with(|p| progress.push(p.clone())).await.unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!(done.id.as_deref(), Some(id.as_str()));

    // One poll per change of the job: queued → running → success.
    let polls = polls(&mock, &id);
    assert_eq!(polls.len(), 2, "{:?}", queries(&polls));
    let (hold, cursor) = poll_params(&polls[0]);
    assert_eq!(hold, 120);
    assert_eq!(Some(cursor.as_str()), accepted.last_modified.as_deref());
    let (hold, second) = poll_params(&polls[1]);
    assert_eq!(hold, 120);
    let last = done.last_modified.clone().unwrap();
    assert!(
        cursor < second && second < last,
        "{cursor} < {second} < {last}"
    );

    // The first poll at once (Deploy holds it); each next one the moment the held one
    // answered, i.e. when the job changed: no sleep in between.
    assert_eq!(polls[0].at - started, Duration::ZERO);
    assert_eq!(polls[1].at - started, step);
    let messages: Vec<_> = progress.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Job queued",
            "Validating the credential for esx-70.example",
            "Credential for esx-70.example added"
        ]
    );
    assert_eq!(progress[2].elapsed, 2 * step);
}

#[tokio::test(start_paused = true)]
async fn a_per_call_hold_is_sent_and_still_polls_only_on_need() {
    let step = Duration::from_secs(30);
    let mock = start_plain(71, |c| c.job_step(step)).await;
    let deploy = default_client(&mock);
    let job = credential_job(&deploy, "esx-71.example").await;
    let id = job.id().to_owned();
    let policy = JobPolicy::default().with_hold(Duration::from_secs(10));
    job.wait_with_policy(&policy, |_| {}).await.unwrap();
    let polls = polls(&mock, &id);
    // Held 10 s at a time over 60 s: six or seven polls, never a busy loop.
    assert!((6..=7).contains(&polls.len()), "{}", polls.len());
    for poll in &polls {
        assert_eq!(poll_params(poll).0, 10);
    }
    for pair in polls.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap <= Duration::from_secs(10), "{gap:?}");
        assert!(gap >= Duration::from_millis(9_750), "{gap:?}");
    }
}

/// A hold longer than the client's request timeout: each poll gets the hold plus 30 s.
#[tokio::test(start_paused = true)]
async fn a_long_hold_outlives_the_request_timeout() {
    let step = Duration::from_secs(100);
    let mock = start_plain(74, |c| c.job_step(step)).await;
    let deploy = DeployClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let job = credential_job(&deploy, "esx-74.example").await;
    let id = job.id().to_owned();
    let started = tokio::time::Instant::now();
    job.wait().await.unwrap();
    assert!(started.elapsed() >= 2 * step, "{:?}", started.elapsed());
    let polls = polls(&mock, &id);
    assert_eq!(polls.len(), 2, "held 100 s each, not cut at 5 s");
    assert!(polls.iter().all(|p| p.status == Some(200)));
}

#[tokio::test]
async fn a_failed_job_is_job_failed_with_the_mocks_message() {
    let mock = start_plain(72, |c| c.job_step(Duration::from_millis(10))).await;
    let deploy = crate::support::client(&mock);
    mock.fail_next_job("ESX host esx-72.example is unreachable");
    let job = deploy
        .register_hosts(&HostBatch::new(vec![HostRegistration::new(
            "esx-72.example",
            HypervisorType::Esx,
        )]))
        .await
        .unwrap();
    let id = job.id().to_owned();
    let mut messages = Vec::new();
    let e = job
        .wait_with(|p| messages.push(p.message.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Vendor, "{e}");
    match e.ontap() {
        Some(OntapError::JobFailed {
            job_id,
            state,
            message,
        }) => {
            assert_eq!(job_id, &id);
            assert_eq!(state, "failure");
            assert_eq!(
                message.as_deref(),
                Some("ESX host esx-72.example is unreachable")
            );
        }
        other => panic!("not a job failure: {other:?}"),
    }
    assert!(e.to_string().contains("is unreachable"), "{e}");
    assert_eq!(
        messages.last().map(String::as_str),
        Some("ESX host esx-72.example is unreachable")
    );
    // What the job would have added is gone again.
    assert!(mock.hosts().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_deadline_is_job_timeout_with_the_last_state() {
    let mock = start_plain(73, |c| c.job_step(Duration::from_secs(3600))).await;
    let deploy = DeployClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .job_policy(JobPolicy::default().with_deadline(Duration::from_secs(60)))
        .build()
        .unwrap();
    let job = credential_job(&deploy, "esx-73.example").await;
    let id = job.id().to_owned();
    let started = tokio::time::Instant::now();
    let e = job.wait().await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Poll, "{e}");
    match e.ontap() {
        Some(OntapError::JobTimeout {
            job_id,
            last_state,
            last_message,
        }) => {
            assert_eq!(job_id, &id);
            assert_eq!(last_state.as_deref(), Some("queued"));
            assert_eq!(last_message.as_deref(), Some("Job queued"));
        }
        other => panic!("not a timeout: {other:?}"),
    }
    assert!(e.to_string().contains(&id), "{e}");
    assert!(
        waited >= Duration::from_secs(59) && waited <= Duration::from_secs(62),
        "{waited:?}"
    );
    // Held to the deadline, never past it, in a few polls (with less than a second
    // left, the last ones are plain polls on the fallback backoff).
    let polls = polls(&mock, &id);
    assert!((1..=5).contains(&polls.len()), "{:?}", queries(&polls));
    assert!(poll_params(&polls[0]).0 <= 60, "{:?}", polls[0].query);
    for poll in &polls[1..] {
        let query = poll.query.as_deref().unwrap_or_default();
        assert!(
            !query.contains("poll_timeout") || poll_params(poll).0 <= 1,
            "held past the deadline: {query}"
        );
    }
    assert_eq!(
        mock.jobs()[0].state,
        storkit_ontap_deploy_mock::JobState::Queued
    );
}

#[tokio::test(start_paused = true)]
async fn messages_faster_than_the_fallback_are_all_reported() {
    // Steps of 100 ms, shorter than the fallback's first wait (250 ms): each poll answers
    // on a change and the next one follows at once, so no message is skipped.
    let step = Duration::from_millis(100);
    let mock = start_plain(75, |c| c.job_step(step)).await;
    let deploy = default_client(&mock);
    let job = credential_job(&deploy, "esx-75.example").await;
    let id = job.id().to_owned();
    let mut progress = Vec::new();
    job.wait_with(|p| progress.push(p.message.clone()))
        .await
        .unwrap();
    assert_eq!(
        progress,
        [
            "Job queued",
            "Validating the credential for esx-75.example",
            "Credential for esx-75.example added"
        ]
    );
    // Two held polls (queued → running, running → success), none in between.
    let polls = polls(&mock, &id);
    assert!(polls.len() <= 3, "{:?}", queries(&polls));
}
