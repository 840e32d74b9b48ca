//! The retry budget of a change, on tokio's paused clock where the waits are hours long:
//! Cinder's waits per kind of failure (reference §16.1), failed jobs sent again within the
//! same budget, never one budget inside another; and submit/wait apart.
//!
//! This file owns 127.0.19.1-127.0.19.40.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use storkit_core::backoff::Backoff;
use storkit_core::poll::PollPolicy;
use storkit_core::{ErrorKind, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::{
    CreateHostGroup, CreateLdev, CreateSnapshot, HitachiClient, HitachiError, HitachiErrorExt,
    MapLun, RetryWaits,
};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::{Fault, FaultAction, RequestLog, ServerConfig};
use tokio::time::Instant;

async fn mock(last: u8) -> HitachiMock {
    assert!((1..=40).contains(&last), "this file owns 127.0.19.1-40");
    HitachiMock::start(
        ServerConfig::new().ips([IpAddr::from([127, 0, 19, last])]),
        // Jobs run at once: the mock's job times are on the wall clock, the tests' on
        // tokio's paused one.
        ArrayConfig::new("VSP G900", 410_000 + u64::from(last)).job_duration(Duration::ZERO),
    )
    .await
    .unwrap()
}

/// Backoff from 1 s, doubling, to 60 s (no attempt limit, as the crate's default), so an
/// hour of waiting is a hundred-odd requests.
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(u32::MAX)
        .with_max_elapsed(Duration::from_secs(600))
        .with_backoff(Backoff::exponential(
            Duration::from_secs(1),
            2.0,
            Duration::from_secs(60),
        ))
}

async fn client(mock: &HitachiMock, waits: RetryWaits) -> HitachiClient {
    HitachiClient::builder(mock.url())
        .credentials("user1", "pass1".to_owned())
        .storage_device_id(mock.storage_device_id().parse().unwrap())
        .tls(TlsPolicy::default())
        .retry_policy(policy())
        .retry_waits(waits)
        .job_polling(PollPolicy::default().with_backoff(Backoff::exponential(
            Duration::from_millis(100),
            2.0,
            Duration::from_secs(1),
        )))
        .build()
        .await
        .unwrap()
}

fn posts_to(log: &RequestLog, tail: &str) -> usize {
    log.count_where(|e| e.method == "POST" && e.path.ends_with(tail))
}

#[tokio::test(start_paused = true)]
async fn a_lock_held_for_nearly_two_hours_is_waited_for_and_the_change_succeeds() {
    let array = mock(1).await;
    let holder = client(&array, RetryWaits::default()).await;
    let waiter = client(&array, RetryWaits::default()).await;
    let a = holder.open_session().await.unwrap();
    let b = waiter.open_session().await.unwrap();
    let lock = a.lock_resources(Duration::ZERO).await.unwrap();
    let release = tokio::spawn(async move {
        // Two hours less two minutes: inside Cinder's 7200 s lock wait, the default.
        tokio::time::sleep(Duration::from_secs(2 * 3600 - 120)).await;
        lock.unlock().await.unwrap();
    });

    let started = Instant::now();
    let id = b
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(600))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(id, 600);
    assert!(array.ldev_exists(600));
    // Sent again until the lock went (within one backoff step of it), inside the 7200 s
    // lock wait.
    assert!(waited >= Duration::from_secs(7080), "{waited:?}");
    assert!(waited <= Duration::from_secs(7080 + 61), "{waited:?}");
    let sends = posts_to(array.server().log(), "/ldevs");
    assert!(sends > 100, "{sends} sends in 2 h with a 60 s backoff cap");
    release.await.unwrap();
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_lock_held_past_the_lock_wait_fails_at_the_wait() {
    let array = mock(2).await;
    let holder = client(&array, RetryWaits::default()).await;
    let waiter = client(
        &array,
        RetryWaits::default().with_lock(Duration::from_secs(1800)),
    )
    .await;
    let a = holder.open_session().await.unwrap();
    let b = waiter.open_session().await.unwrap();
    let lock = a.lock_resources(Duration::ZERO).await.unwrap();

    let started = Instant::now();
    let err = b
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(601))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, .. }) => assert!(error.is_lock_busy(), "{err:?}"),
        other => panic!("{other:?}: {err:?}"),
    }
    // No resend starts after 1800 s; the last one starts within a backoff step of it.
    assert!(waited <= Duration::from_secs(1800), "{waited:?}");
    assert!(waited >= Duration::from_secs(1800 - 61), "{waited:?}");
    assert!(!array.ldev_exists(601));
    lock.unlock().await.unwrap();
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_500_is_retried_for_600_seconds_then_returned() {
    let array = mock(3).await;
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let faults = array.server().faults();
    let fault = faults.add(
        Fault::new(FaultAction::html_500())
            .when(|parts, _| parts.method == "POST" && parts.uri.path().ends_with("/ldevs")),
    );

    let started = Instant::now();
    let err = s
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(602))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
    assert!(waited <= Duration::from_secs(600), "{waited:?}");
    assert!(waited >= Duration::from_secs(600 - 61), "{waited:?}");
    let fired = faults.fired(fault);
    assert_eq!(posts_to(array.server().log(), "/ldevs"), fired as usize);
    assert!((10..=40).contains(&fired), "{fired} sends in 600 s");
    faults.clear();
    s.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn one_budget_for_the_request_and_its_job() {
    // A 500 eats most of the 600 s server-error wait; the busy lock that follows gets only
    // what is left of its own wait, measured from the same start.
    let array = mock(4).await;
    let holder = client(&array, RetryWaits::default()).await;
    let waiter = client(
        &array,
        RetryWaits::default().with_lock(Duration::from_secs(900)),
    )
    .await;
    let a = holder.open_session().await.unwrap();
    let b = waiter.open_session().await.unwrap();
    let lock = a.lock_resources(Duration::ZERO).await.unwrap();
    let faults = array.server().faults();
    faults.add(
        Fault::new(FaultAction::html_500())
            .when(|parts, _| parts.method == "POST" && parts.uri.path().ends_with("/ldevs"))
            .times(12),
    );
    let started = Instant::now();
    let err = b
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(603))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        err.hitachi().is_some_and(
            |e| matches!(e, HitachiError::JobFailed { error, .. } if error.is_lock_busy())
        ),
        "{err:?}"
    );
    // Twelve 500s took ~500 s of the budget; the lock resends stop at 900 s from the start,
    // not 900 s after the 500s ended.
    assert!(waited <= Duration::from_secs(900), "{waited:?}");
    assert!(waited >= Duration::from_secs(900 - 61), "{waited:?}");
    lock.unlock().await.unwrap();
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_job_that_says_retry_is_sent_again_and_other_failures_are_not() {
    let array = mock(5).await;
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let log = array.server().log();

    array.fail_next_job(JobFailure::Retry {
        message_id: "KART30000-E".into(),
    });
    let id = s
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(604))
        .await
        .unwrap();
    assert_eq!(id, 604);
    assert_eq!(
        posts_to(log, "/ldevs"),
        2,
        "sent again after solutionType RETRY"
    );

    array.fail_next_job(JobFailure::ReturnCode {
        code: "EX_CMDRJE".into(),
        message_id: "KART30000-E".into(),
    });
    let err = s
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(605))
        .await
        .unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::JobFailed { .. })),
        "{err:?}"
    );
    assert_eq!(
        posts_to(log, "/ldevs"),
        3,
        "a command rejection is not resent"
    );
    assert!(!array.ldev_exists(605));

    // A zero wait turns resending off for that kind only.
    let strict = client(&array, RetryWaits::default().with_other(Duration::ZERO)).await;
    let t = strict.open_session().await.unwrap();
    array.fail_next_job(JobFailure::Retry {
        message_id: "KART30000-E".into(),
    });
    let err = t
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(606))
        .await
        .unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::JobFailed { .. })),
        "{err:?}"
    );
    assert_eq!(posts_to(log, "/ldevs"), 4);
    t.close().await.unwrap();
    s.close().await.unwrap();
}

#[tokio::test]
async fn submit_returns_the_job_and_wait_finishes_it() {
    let array = HitachiMock::start(
        ServerConfig::new().ips([IpAddr::from([127, 0, 19, 6])]),
        ArrayConfig::new("VSP G900", 410_006).job_duration(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let log = array.server().log();

    // A change that is neither awaited nor submitted sends nothing.
    let before = log.len();
    drop(s.ldevs().create(&CreateLdev::dp(0, "1G").ldev_id(610)));
    assert_eq!(log.len(), before);

    let submitted = s
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(610))
        .submit()
        .await
        .unwrap();
    let job_id = submitted.job_id();
    assert!(job_id > 0);
    assert!(!submitted.job().is_finished(), "{:?}", submitted.job());
    assert!(
        submitted
            .job()
            .self_path
            .as_deref()
            .is_some_and(|p| p.ends_with(&format!("/jobs/{job_id}")))
    );
    assert_eq!(submitted.sends(), 1);
    assert!(!array.ldev_exists(610), "the job has not run yet");
    let id = submitted.wait().await.unwrap();
    assert_eq!(id, 610);
    // The submit did not ask the server to hold its answer; an awaited change does.
    let holds = |entry: &storkit_mock::LoggedRequest| {
        entry
            .headers
            .get("response-job-status")
            .is_some_and(|v| v == "Completed")
    };
    let creates: Vec<bool> = log
        .entries()
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/ldevs"))
        .map(holds)
        .collect();
    assert_eq!(creates, [false]);
    assert!(array.ldev_exists(610));
    s.ldevs().delete(610).await.unwrap();
    let deletes: Vec<bool> = log
        .entries()
        .iter()
        .filter(|e| e.method == "DELETE" && e.path.ends_with("/ldevs/610"))
        .map(holds)
        .collect();
    assert_eq!(deletes, [true]);
    assert!(!array.ldev_exists(610));
    assert_eq!(s.job(job_id).await.unwrap().job_id, job_id);

    // Bad input fails at submit, sending nothing.
    let before = log.len();
    let err = s
        .host_groups()
        .create(&CreateHostGroup::new("CL1-A", &"x".repeat(65)))
        .submit()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err:?}");
    assert_eq!(log.len(), before);
    s.close().await.unwrap();
}

/// A finished job, as a 202 with `Response-Job-Status: Completed` returns it, that names
/// no affected resource.
fn job_naming_nothing(sdid: &str) -> FaultAction {
    let body = serde_json::json!({
        "jobId": 77,
        "self": format!("/ConfigurationManager/v1/objects/storages/{sdid}/jobs/77"),
        "status": "Completed",
        "state": "Succeeded",
        "affectedResources": [],
    });
    FaultAction::Respond {
        status: 202,
        headers: vec![("content-type".into(), "application/json".into())],
        body: Bytes::from(body.to_string()),
    }
}

#[tokio::test]
async fn a_create_whose_job_names_nothing_is_a_typed_error_never_the_requested_id() {
    let array = mock(7).await;
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let faults = array.server().faults();
    let sdid = array.storage_device_id().to_owned();

    let host_group = CreateHostGroup::new("CL1-A", "hg_named").number(9);
    let map = MapLun::new(&storkit_hitachi_block::HostGroupId::new("CL1-A", 0), 347).lun(5);
    let snapshot = CreateSnapshot::new("snaps", 1, 347).mu_number(3);
    let cases: [(&str, &str); 4] = [
        ("/ldevs", "LDEV"),
        ("/host-groups", "host group"),
        ("/luns", "LUN"),
        ("/snapshots", "snapshot"),
    ];
    for (tail, what) in cases {
        faults.clear();
        let tail_owned = tail.to_owned();
        faults.add(
            Fault::new(job_naming_nothing(&sdid))
                .when(move |parts, _| {
                    parts.method == "POST" && parts.uri.path().ends_with(&tail_owned)
                })
                .times(1),
        );
        let err = match tail {
            "/ldevs" => s
                .ldevs()
                .create(&CreateLdev::dp(0, "1G").ldev_id(620))
                .await
                .map(|_| ())
                .unwrap_err(),
            "/host-groups" => s
                .host_groups()
                .create(&host_group)
                .await
                .map(|_| ())
                .unwrap_err(),
            "/luns" => s.luns().map(&map).await.map(|_| ()).unwrap_err(),
            _ => s
                .snapshots()
                .create(&snapshot)
                .await
                .map(|_| ())
                .unwrap_err(),
        };
        match err.hitachi() {
            Some(HitachiError::NoAffectedResource {
                job_id: 77,
                what: w,
                affected,
            }) => {
                assert_eq!(*w, what);
                assert!(affected.is_empty());
            }
            other => panic!("{tail}: {other:?} / {err:?}"),
        }
        assert_eq!(err.kind(), ErrorKind::Decode);
    }
    faults.clear();
    s.close().await.unwrap();
}

/// A caller's own error type, as an automation tool would have one.
#[derive(Debug)]
enum ToolError {
    Storage(storkit_hitachi_block::Error),
    Refused(&'static str),
}

impl From<storkit_hitachi_block::Error> for ToolError {
    fn from(e: storkit_hitachi_block::Error) -> Self {
        ToolError::Storage(e)
    }
}

#[tokio::test]
async fn with_session_takes_the_callers_own_error_type() {
    let array = mock(8).await;
    let c = client(&array, RetryWaits::default()).await;
    // The tool's own refusal passes through as itself; the session is discarded.
    let result: Result<(), ToolError> = c
        .with_session(|s| async move {
            let ldev = s.ldevs().get(347).await?;
            if ldev.ldev_id == 347 {
                return Err(ToolError::Refused("LDEV 347 is the seed's P-VOL"));
            }
            Ok(())
        })
        .await;
    match result {
        Err(ToolError::Refused(why)) => assert!(why.contains("347"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(array.live_sessions(), 0);
    // A storage error converts into the tool's type.
    let result: Result<(), ToolError> = c
        .with_session(|s| async move {
            s.ldevs().get(70_000).await?;
            Ok(())
        })
        .await;
    match result {
        Err(ToolError::Storage(e)) => assert_eq!(e.kind(), ErrorKind::Config, "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_contended_lock_is_asked_for_once_whatever_the_lock_wait() {
    let array = mock(9).await;
    let holder = client(&array, RetryWaits::default()).await;
    let waiter = client(&array, RetryWaits::default()).await;
    let a = holder.open_session().await.unwrap();
    let b = waiter.open_session().await.unwrap();
    let lock = a.lock_resources(Duration::ZERO).await.unwrap();
    let log = array.server().log();
    let before = posts_to(log, "/lock/invoke");
    // The caller's wait is the whole wait: no resend for the 7200 s lock wait.
    let err = b.lock_resources(Duration::ZERO).await.unwrap_err();
    assert!(err.api_error().is_some_and(|e| e.is_lock_busy()), "{err:?}");
    assert_eq!(posts_to(log, "/lock/invoke") - before, 1);
    lock.unlock().await.unwrap();
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test]
async fn without_relogin_a_refused_token_is_the_answer() {
    let array = mock(10).await;
    let log = array.server().log();
    let logins = || log.count_where(|e| e.method == "POST" && e.path.ends_with("/sessions"));

    // The default: log in again once and resend.
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    array.expire_all_sessions();
    let before = logins();
    assert_eq!(s.ldevs().get(347).await.unwrap().ldev_id, 347);
    assert_eq!(logins() - before, 1);
    s.close().await.unwrap();

    // relogin(false), as the seeds behave: the 401 comes back, no new session.
    let strict = HitachiClient::builder(array.url())
        .credentials("user1", "pass1".to_owned())
        .storage_device_id(array.storage_device_id().parse().unwrap())
        .retry_policy(policy())
        .relogin(false)
        .build()
        .await
        .unwrap();
    let t = strict.open_session().await.unwrap();
    array.expire_all_sessions();
    let before = logins();
    let err = t.ldevs().get(347).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert_eq!(logins() - before, 0);
    let _ = t.close().await;
}

#[tokio::test(start_paused = true)]
async fn job_polls_spend_the_same_budget_as_their_request() {
    // A job that runs for an hour of wall time: every poll finds it running.
    let array = HitachiMock::start(
        ServerConfig::new().ips([IpAddr::from([127, 0, 19, 11])]),
        ArrayConfig::new("VSP G900", 410_011).job_duration(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let faults = array.server().faults();
    // Twelve 500s on the create (about 500 s of backoff), then every job poll a 503.
    faults.add(
        Fault::new(FaultAction::html_500())
            .when(|parts, _| parts.method == "POST" && parts.uri.path().ends_with("/ldevs"))
            .times(12),
    );
    faults.add(
        Fault::new(FaultAction::Respond {
            status: 503,
            headers: vec![],
            body: Bytes::new(),
        })
        .when(|parts, _| parts.method == "GET" && parts.uri.path().contains("/jobs/")),
    );
    let started = Instant::now();
    let submitted = s
        .ldevs()
        .create(&CreateLdev::dp(0, "1G").ldev_id(630))
        .submit()
        .await
        .unwrap();
    let err = submitted.wait().await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    // The polls' retries stop 600 s after the change began, not 600 s after polling did.
    assert!(waited <= Duration::from_secs(600), "{waited:?}");
    assert!(waited >= Duration::from_secs(600 - 61), "{waited:?}");
    faults.clear();
    let _ = s.close().await;
}

#[tokio::test]
async fn a_registration_through_a_session_on_this_array_is_refused_unsent() {
    use storkit_hitachi_block::remote_storage::{MutualDeletion, RegisterRemoteStorage};
    let array = mock(12).await;
    let c = client(&array, RetryWaits::default()).await;
    let s = c.open_session().await.unwrap();
    let own = c.storage_device_id().clone();
    let log = array.server().log();
    let before = log.len();
    let err = s
        .remote_storages()
        .register(&s, &RegisterRemoteStorage::new(&own, "127.0.19.12", 443))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err:?}");
    let err = s
        .remote_storages()
        .delete(&s, &own, MutualDeletion::ServerDefault)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err:?}");
    assert_eq!(log.len(), before, "nothing sent");
    s.close().await.unwrap();
}
