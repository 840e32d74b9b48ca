//! The conformance suite: every check of [`checks`], run on every vendor.
//!
//! Adding a vendor is one line in the `conformance!` invocation at the bottom, once the
//! vendor implements [`storkit_tests::Vendor`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

/// The node address of one check: `127.0.0.220 + n`, inside the suite's 210-239.
///
/// Vendors share a check's address: every mock takes an ephemeral port of its own, so two
/// vendors' mocks on one address never meet.
fn ip(n: u8) -> IpAddr {
    let last = 220 + n;
    assert!(
        (210..=239).contains(&last),
        "the suite owns 127.0.0.210-239"
    );
    IpAddr::from([127, 0, 0, last])
}

mod checks {
    use std::net::IpAddr;
    use std::time::{Duration, Instant};

    use storkit_core::poll::{Backoff, PollPolicy};
    use storkit_mock::{Fault, FaultAction, LoggedRequest};
    use storkit_tests::trace::TraceCapture;
    use storkit_tests::{Credentials, ErrorKind, Policies, Secret, SecretKind, Vendor};

    const USER: &str = "conformance";
    /// Distinctive, so that finding it anywhere is a leak and nothing else.
    const PASSWORD: &str = "Conf-Pa55w0rd-7731";
    const WRONG_PASSWORD: &str = "Wr0ng-Pa55w0rd-4412";
    /// A job slower than any check waits.
    const SLOW_JOB: Duration = Duration::from_secs(30);

    fn credentials() -> Credentials {
        Credentials::new(USER, PASSWORD)
    }

    async fn setup<V: Vendor>(ip: IpAddr, policies: &Policies) -> (V::Mock, V::Client) {
        let mock = V::start_mock(ip, &credentials()).await;
        let client = V::client(&mock, &credentials(), policies).await.unwrap();
        (mock, client)
    }

    async fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        loop {
            if condition() {
                return true;
            }
            if start.elapsed() > timeout {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn requests<V: Vendor>(mock: &V::Mock) -> Vec<LoggedRequest> {
        V::server(mock).log().entries()
    }

    /// The requests that started the operation's job, oldest first.
    fn operation_requests<V: Vendor>(mock: &V::Mock) -> Vec<LoggedRequest> {
        let (method, prefix) = V::operation_route(mock);
        requests::<V>(mock)
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(&prefix))
            .collect()
    }

    fn job_polls<V: Vendor>(mock: &V::Mock) -> usize {
        V::server(mock).log().count_where(V::is_job_poll)
    }

    fn is_success(request: &LoggedRequest) -> bool {
        request.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn spawn_operation<V: Vendor>(
        client: &V::Client,
    ) -> tokio::task::JoinHandle<Result<(), storkit_core::Error>> {
        let client = client.clone();
        tokio::spawn(async move { V::run_operation(&client).await })
    }

    /// Asserts that no form of any secret appears in any of `texts`.
    fn assert_no_secret(vendor: &str, secrets: &[Secret], texts: &[(&str, &str)]) {
        for secret in secrets {
            for (what, text) in texts {
                assert!(
                    secret.found_in(text).is_none(),
                    "{vendor}: a {:?} secret leaked into {what}",
                    secret.kind
                );
            }
        }
    }

    /// A successful operation runs in a session that exists while its job runs, polls the
    /// job, and leaves no session behind; repeated runs do not pile sessions up.
    pub(crate) async fn sessions_discarded_after_success<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        V::set_job_duration(&mock, Duration::from_millis(300));
        let task = spawn_operation::<V>(&client);
        assert!(
            eventually(Duration::from_secs(10), || V::jobs_accepted(&mock) > 0).await,
            "{}: the operation's job never arrived",
            V::NAME
        );
        if V::HAS_SESSIONS {
            assert_eq!(
                V::live_sessions(&mock),
                1,
                "{}: the operation runs in one session",
                V::NAME
            );
        }
        task.await.unwrap().unwrap();
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);
        assert!(
            job_polls::<V>(&mock) >= 1,
            "{}: the operation did not poll its job",
            V::NAME
        );

        V::set_job_duration(&mock, Duration::from_millis(20));
        for _ in 0..3 {
            V::run_operation(&client).await.unwrap();
            assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);
        }
        assert_eq!(V::jobs_accepted(&mock), 4, "{}", V::NAME);
    }

    /// A failed job fails the operation, and its session is discarded all the same.
    pub(crate) async fn sessions_discarded_after_job_failure<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        V::inject_job_failure(&mock);
        let err = V::run_operation(&client).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Vendor, "{}: {err:?}", V::NAME);
        assert_eq!(V::jobs_accepted(&mock), 1, "{}", V::NAME);
        assert_eq!(V::live_sessions(&mock), 0, "{}: {err}", V::NAME);
        // The next operation is not affected.
        V::run_operation(&client).await.unwrap();
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);
    }

    /// An operation whose task is aborted while it polls its job leaves no session behind.
    pub(crate) async fn sessions_discarded_after_cancellation<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        V::set_job_duration(&mock, SLOW_JOB);
        let task = spawn_operation::<V>(&client);
        // Mid-operation: the job accepted and polled at least once.
        let polling = eventually(Duration::from_secs(10), || {
            V::jobs_accepted(&mock) > 0 && job_polls::<V>(&mock) > 0
        })
        .await;
        assert!(polling, "{}: the operation never polled its job", V::NAME);
        if V::HAS_SESSIONS {
            assert_eq!(V::live_sessions(&mock), 1, "{}", V::NAME);
        }
        task.abort();
        let joined = task.await;
        assert!(
            joined
                .as_ref()
                .is_err_and(tokio::task::JoinError::is_cancelled),
            "{}: the task finished before it was aborted: {joined:?}",
            V::NAME
        );
        assert!(
            eventually(Duration::from_secs(5), || V::live_sessions(&mock) == 0).await,
            "{}: the aborted operation's session was not discarded",
            V::NAME
        );
    }

    /// An explicitly opened session is live until closed; one dropped without closing is
    /// discarded in the background.
    pub(crate) async fn sessions_open_close_and_drop<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        let expected = usize::from(V::HAS_SESSIONS);
        let session = V::open_session(&client).await.unwrap();
        assert_eq!(V::live_sessions(&mock), expected, "{}", V::NAME);
        V::close_session(session).await.unwrap();
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);

        let dropped = V::open_session(&client).await.unwrap();
        assert_eq!(V::live_sessions(&mock), expected, "{}", V::NAME);
        drop(dropped);
        assert!(
            eventually(Duration::from_secs(5), || V::live_sessions(&mock) == 0).await,
            "{}: a session dropped open was not discarded",
            V::NAME
        );
    }

    /// A kit 503 with `Retry-After: 1` on the request that starts the job is retried, and
    /// the operation succeeds.
    pub(crate) async fn transient_503_is_retried<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        let (method, prefix) = V::operation_route(&mock);
        let fault = V::server(&mock).faults().add(
            Fault::new(FaultAction::service_unavailable(Some(1)))
                .on_method(method)
                .on_path(prefix)
                .times(1),
        );
        let started = Instant::now();
        V::run_operation(&client).await.unwrap();
        assert_eq!(V::server(&mock).faults().fired(fault), 1, "{}", V::NAME);
        let sent = operation_requests::<V>(&mock);
        let statuses: Vec<Option<u16>> = sent.iter().map(|r| r.status).collect();
        assert_eq!(sent.len(), 2, "{}: {statuses:?}", V::NAME);
        assert_eq!(sent[0].status, Some(503), "{}", V::NAME);
        assert!(is_success(&sent[1]), "{}: {statuses:?}", V::NAME);
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{}: Retry-After: 1 was not honoured ({:?})",
            V::NAME,
            started.elapsed()
        );
        assert_eq!(V::jobs_accepted(&mock), 1, "{}", V::NAME);
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);
    }

    /// The vendor's own busy answer is retried, and the operation succeeds.
    pub(crate) async fn vendor_busy_is_retried<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        V::inject_busy(&mock);
        V::run_operation(&client).await.unwrap();
        let sent = operation_requests::<V>(&mock);
        let statuses: Vec<Option<u16>> = sent.iter().map(|r| r.status).collect();
        assert_eq!(sent.len(), 2, "{}: {statuses:?}", V::NAME);
        assert!(!is_success(&sent[0]), "{}: {statuses:?}", V::NAME);
        assert!(is_success(&sent[1]), "{}: {statuses:?}", V::NAME);
        assert_eq!(V::jobs_accepted(&mock), 1, "{}", V::NAME);
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);
    }

    /// A failed job is an `ErrorKind::Vendor` error whose message names the vendor's code
    /// and shows no secret; it is not resent.
    pub(crate) async fn job_failure_is_a_vendor_error<V: Vendor>(ip: IpAddr) {
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        let code = V::inject_job_failure(&mock);
        let err = V::run_operation(&client).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Vendor, "{}: {err:?}", V::NAME);
        let display = err.to_string();
        assert!(
            display.contains(&code),
            "{}: the error does not name {code}: {display}",
            V::NAME
        );
        assert_eq!(operation_requests::<V>(&mock).len(), 1, "{}", V::NAME);
        let secrets = V::secrets(&credentials(), &requests::<V>(&mock));
        let debug = format!("{err:?}");
        assert_no_secret(
            V::NAME,
            &secrets,
            &[
                ("the error's Display", &display),
                ("the error's Debug", &debug),
            ],
        );
    }

    async fn failing_poll<V: Vendor>(ip: IpAddr, poll: PollPolicy) -> (V::Mock, Duration) {
        let (mock, client) = setup::<V>(ip, &Policies::fast().with_poll(poll)).await;
        V::set_job_duration(&mock, SLOW_JOB);
        let started = Instant::now();
        let err = V::run_operation(&client).await.unwrap_err();
        let elapsed = started.elapsed();
        assert_eq!(err.kind(), ErrorKind::Poll, "{}: {err:?}", V::NAME);
        assert!(
            elapsed < Duration::from_secs(10),
            "{}: gave up after {elapsed:?}",
            V::NAME
        );
        assert_eq!(V::jobs_accepted(&mock), 1, "{}", V::NAME);
        assert_eq!(V::live_sessions(&mock), 0, "{}: {err}", V::NAME);
        (mock, elapsed)
    }

    /// A poll policy of 2 attempts gives up after exactly 2 polls of a slow job.
    pub(crate) async fn poll_attempts_are_honoured<V: Vendor>(ip: IpAddr) {
        let tiny = Backoff::exponential(Duration::from_millis(5), 1.0, Duration::from_millis(5));
        let policy = PollPolicy::default()
            .with_backoff(tiny)
            .with_max_attempts(2)
            .with_deadline(None);
        let (mock, _) = failing_poll::<V>(ip, policy).await;
        assert_eq!(job_polls::<V>(&mock), 2, "{}", V::NAME);
    }

    /// A poll policy with a deadline gives up at the deadline, not when the job ends.
    pub(crate) async fn poll_deadline_is_honoured<V: Vendor>(ip: IpAddr) {
        let policy = PollPolicy::default()
            .with_backoff(Backoff::exponential(
                Duration::from_millis(20),
                2.0,
                Duration::from_millis(80),
            ))
            .with_max_attempts(None)
            .with_deadline(Duration::from_millis(400));
        let (mock, elapsed) = failing_poll::<V>(ip, policy).await;
        assert!(
            elapsed >= Duration::from_millis(400),
            "{}: gave up before the deadline ({elapsed:?})",
            V::NAME
        );
        assert!(job_polls::<V>(&mock) >= 3, "{}", V::NAME);
    }

    /// Secrets never reach `Debug` of the client and session, error messages (`Display`
    /// and `Debug`), or TRACE-level logs of a whole flow: login, a retried 503, a failed
    /// job, a refused login with a wrong password. The log of the mock proves that each
    /// secret went over the wire, so the check cannot pass for want of secrets.
    ///
    /// Runs on a current-thread runtime (`#[tokio::test]`'s default), so every task the
    /// client, hyper and the mock spawn logs into the capturing subscriber.
    pub(crate) async fn secrets_are_never_printed<V: Vendor>(ip: IpAddr) {
        let (capture, _guard) = TraceCapture::install();
        let (mock, client) = setup::<V>(ip, &Policies::fast()).await;
        let mut outputs: Vec<(&str, String)> = vec![("the client's Debug", format!("{client:?}"))];

        let session = V::open_session(&client).await.unwrap();
        outputs.push(("the session's Debug", format!("{session:?}")));
        V::run_operation(&client).await.unwrap();

        let (method, prefix) = V::operation_route(&mock);
        V::server(&mock).faults().add(
            Fault::new(FaultAction::service_unavailable(None))
                .on_method(method)
                .on_path(prefix)
                .times(1),
        );
        V::run_operation(&client).await.unwrap();

        V::inject_job_failure(&mock);
        let failed = V::run_operation(&client).await.unwrap_err();
        outputs.push(("a failed job's Display", failed.to_string()));
        outputs.push(("a failed job's Debug", format!("{failed:?}")));

        let wrong = Credentials::new(USER, WRONG_PASSWORD);
        let refused = match V::client(&mock, &wrong, &Policies::fast()).await {
            Ok(wrong_client) => {
                outputs.push(("the wrong client's Debug", format!("{wrong_client:?}")));
                V::run_operation(&wrong_client).await.unwrap_err()
            }
            Err(e) => e,
        };
        outputs.push(("a refused login's Display", refused.to_string()));
        outputs.push(("a refused login's Debug", format!("{refused:?}")));

        outputs.push(("the session's Debug", format!("{session:?}")));
        V::close_session(session).await.unwrap();
        assert_eq!(V::live_sessions(&mock), 0, "{}", V::NAME);

        // Every secret went over the wire: the check is not vacuous.
        let seen = requests::<V>(&mock);
        let mut secrets = V::secrets(&credentials(), &seen);
        let wrong_secrets = V::secrets(&wrong, &seen);
        for list in [&secrets, &wrong_secrets] {
            assert!(
                list.iter().any(|s| s.kind == SecretKind::Password),
                "{}: no password among the secrets",
                V::NAME
            );
        }
        secrets.extend(
            wrong_secrets
                .into_iter()
                .filter(|s| s.kind == SecretKind::Password),
        );
        if V::HAS_SESSIONS {
            assert!(
                secrets.iter().any(|s| s.kind == SecretKind::Token),
                "{}: no session token went over the wire",
                V::NAME
            );
        }
        for secret in &secrets {
            assert!(!secret.forms.is_empty(), "{}: {secret:?}", V::NAME);
            assert!(
                seen.iter().any(|r| secret.was_sent_in(r)),
                "{}: a {:?} secret never went over the wire",
                V::NAME,
                secret.kind
            );
        }

        let logs = capture.text();
        assert!(
            logs.contains("storkit.request"),
            "{}: the request spans were not captured",
            V::NAME
        );
        assert!(
            logs.contains("retrying"),
            "{}: the retry was not logged",
            V::NAME
        );
        outputs.push(("the TRACE logs", logs));
        let texts: Vec<(&str, &str)> = outputs.iter().map(|(w, t)| (*w, t.as_str())).collect();
        assert_no_secret(V::NAME, &secrets, &texts);
    }
}

/// One module per vendor, one `#[tokio::test]` per check.
macro_rules! conformance {
    ($($module:ident => $vendor:ty),+ $(,)?) => {$(
        mod $module {
            use super::{checks, ip};

            #[tokio::test]
            async fn sessions_discarded_after_success() {
                checks::sessions_discarded_after_success::<$vendor>(ip(0)).await;
            }

            #[tokio::test]
            async fn sessions_discarded_after_job_failure() {
                checks::sessions_discarded_after_job_failure::<$vendor>(ip(1)).await;
            }

            #[tokio::test]
            async fn sessions_discarded_after_cancellation() {
                checks::sessions_discarded_after_cancellation::<$vendor>(ip(2)).await;
            }

            #[tokio::test]
            async fn sessions_open_close_and_drop() {
                checks::sessions_open_close_and_drop::<$vendor>(ip(3)).await;
            }

            #[tokio::test]
            async fn transient_503_is_retried() {
                checks::transient_503_is_retried::<$vendor>(ip(4)).await;
            }

            #[tokio::test]
            async fn vendor_busy_is_retried() {
                checks::vendor_busy_is_retried::<$vendor>(ip(5)).await;
            }

            #[tokio::test]
            async fn job_failure_is_a_vendor_error() {
                checks::job_failure_is_a_vendor_error::<$vendor>(ip(6)).await;
            }

            #[tokio::test]
            async fn poll_attempts_are_honoured() {
                checks::poll_attempts_are_honoured::<$vendor>(ip(7)).await;
            }

            #[tokio::test]
            async fn poll_deadline_is_honoured() {
                checks::poll_deadline_is_honoured::<$vendor>(ip(8)).await;
            }

            // Current-thread runtime (the default): the capturing subscriber is this
            // thread's default, and every spawned task runs here.
            #[tokio::test(flavor = "current_thread")]
            async fn secrets_are_never_printed() {
                checks::secrets_are_never_printed::<$vendor>(ip(9)).await;
            }
        }
    )+};
}

conformance! {
    hitachi_block => storkit_tests::hitachi::HitachiBlock,
    hcp => storkit_tests::hcp::Hcp,
    vrg => storkit_tests::vrg::Vrg,
    ontap_deploy => storkit_tests::ontap::OntapDeploy,
}
