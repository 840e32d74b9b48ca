//! Conformance suites shared by every vendor of the workspace (design tier 3).
//!
//! One behaviour, checked the same way on every vendor, the way `object_store` runs one
//! integration suite on every backend: sessions are always discarded, transient busy
//! answers are retried, failed jobs surface as [`ErrorKind::Vendor`] errors that name the
//! vendor's code, job polling honours the configured [`PollPolicy`], and secrets never reach
//! `Debug`, error messages or `tracing` output.
//!
//! A vendor joins the suite by implementing [`Vendor`] for a marker type (see
//! [`hitachi::HitachiBlock`]) and adding one line to the `conformance!` invocation in
//! `tests/tests/conformance.rs`. The checks only ever talk to the vendor through this trait,
//! to its mock through [`Vendor::server`] (the kit's request log and faults), and to the
//! core types every vendor shares ([`Error`], [`RetryPolicy`], [`PollPolicy`]).
//!
//! ```no_run
//! use storkit_tests::hitachi::HitachiBlock;
//! use storkit_tests::{Credentials, Policies, Vendor};
//!
//! # async fn run() -> Result<(), storkit_core::Error> {
//! let credentials = Credentials::new("conformance", "a-Pa55w0rd");
//! let mock = HitachiBlock::start_mock("127.0.0.220".parse().unwrap(), &credentials).await;
//! let client = HitachiBlock::client(&mock, &credentials, &Policies::fast()).await?;
//! HitachiBlock::run_operation(&client).await?;
//! assert_eq!(HitachiBlock::live_sessions(&mock), 0);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::poll::{Backoff, PollPolicy};
pub use storkit_core::{Error, ErrorKind, RetryPolicy};
use storkit_mock::{LoggedRequest, MockServer};

pub mod hcp;
pub mod hitachi;
pub mod ontap;
pub mod trace;
pub mod vrg;

/// The user and password a mock accepts and a client logs in with.
///
/// `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password; a secret the checks look for in every output.
    pub password: String,
}

impl Credentials {
    /// Credentials of `user` with `password`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"** redacted **")
            .finish()
    }
}

/// The client policies a check builds its client with.
///
/// Every vendor client takes the core's [`RetryPolicy`] and [`PollPolicy`], so the suite
/// can set them the same way for all of them.
#[derive(Debug, Clone)]
pub struct Policies {
    /// Retries of busy, throttled and locked answers.
    pub retry: RetryPolicy,
    /// Polling of asynchronous jobs.
    pub poll: PollPolicy,
}

impl Policies {
    /// Fast policies for tests: up to 6 attempts within 20 s, and polls, both backing off
    /// from 20 ms doubling to 200 ms, without jitter; polling gives up after 60 s.
    pub fn fast() -> Self {
        let backoff =
            Backoff::exponential(Duration::from_millis(20), 2.0, Duration::from_millis(200));
        Self {
            retry: RetryPolicy::default()
                .with_max_attempts(6)
                .with_max_elapsed(Duration::from_secs(20))
                .with_backoff(backoff.clone()),
            poll: PollPolicy::default()
                .with_backoff(backoff)
                .with_max_attempts(None)
                .with_deadline(Duration::from_secs(60)),
        }
    }

    /// The same policies with another poll policy.
    #[must_use]
    pub fn with_poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }
}

/// What a [`Secret`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretKind {
    /// The password of [`Credentials`].
    Password,
    /// A token the server handed out (session token, access token, ...).
    Token,
}

/// One secret of a flow: how it went over the wire, and every form of it that must never
/// be printed.
///
/// `Debug` shows only the kind, so a failing check does not print the secret either.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// What it is.
    pub kind: SecretKind,
    /// Text that a header value in the mock's request log contains when the secret was
    /// sent, e.g. `Basic dXNlcjpwYXNz` or `Session 0b1c...`. The checks require to find it,
    /// so a redaction check cannot pass for a secret that never went over the wire.
    pub on_wire: String,
    /// Every form that must never appear in `Debug`, error text or logs: the raw value and
    /// its encodings (for example the base64 of `user:password`). Never empty.
    pub forms: Vec<String>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Secret {
    /// Whether a logged request carries this secret in one of its header values.
    pub fn was_sent_in(&self, request: &LoggedRequest) -> bool {
        request.headers.values().any(|v| {
            v.to_str()
                .is_ok_and(|text| !self.on_wire.is_empty() && text.contains(&self.on_wire))
        })
    }

    /// The first form of the secret that `text` contains, if any.
    pub fn found_in<'a>(&'a self, text: &str) -> Option<&'a str> {
        self.forms
            .iter()
            .map(String::as_str)
            .find(|form| !form.is_empty() && text.contains(form))
    }
}

/// The session type of a vendor without sessions: opening and closing it does nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoSession;

/// What the conformance checks need from one vendor: its mock, its client, one asynchronous
/// operation, its sessions (if it has any), fault injection and its secrets.
///
/// Implement it for a marker type; every function is an associated function, so the checks
/// are generic functions `check::<V: Vendor>()` with static dispatch. Futures are `Send`,
/// because the cancellation check runs an operation on a spawned task.
///
/// The contract, which the checks rely on:
/// - the mock serves TLS on exactly the given loopback IP (ephemeral port), knows exactly
///   the given user, and completes asynchronous jobs quickly (tens of milliseconds) unless
///   told otherwise by [`set_job_duration`](Vendor::set_job_duration);
/// - [`run_operation`](Vendor::run_operation) goes through the vendor's job/poll path: the
///   server answers before the job has finished, and the client polls the job with the
///   configured [`PollPolicy`] (a mock that can hold answers until the job is done is
///   configured not to);
/// - the operation can be run many times on one mock, each run succeeding on its own.
pub trait Vendor: Send + Sync + 'static {
    /// A short name for messages, e.g. `hitachi-block`.
    const NAME: &'static str;

    /// Whether the vendor has sessions (server-side login state that must be discarded).
    /// When `false`, [`Vendor::Session`] is [`NoSession`] and
    /// [`live_sessions`](Vendor::live_sessions) is always 0.
    const HAS_SESSIONS: bool;

    /// The vendor's mock: one running server with its state.
    type Mock: Send + Sync + 'static;

    /// The vendor's client; cheap to clone.
    type Client: Clone + fmt::Debug + Send + Sync + 'static;

    /// An open session of the client ([`NoSession`] for a vendor without sessions).
    type Session: fmt::Debug + Send + Sync + 'static;

    /// Starts the mock on `ip` (ephemeral port) with TLS and a certificate generated at
    /// start, knowing exactly `credentials`. Panics if it cannot start.
    fn start_mock(ip: IpAddr, credentials: &Credentials)
    -> impl Future<Output = Self::Mock> + Send;

    /// The kit server under the mock: its request log and faults.
    fn server(mock: &Self::Mock) -> &MockServer;

    /// A client for the mock that trusts its certificate (pinned or through its CA), logs
    /// in with `credentials` and uses `policies`.
    fn client(
        mock: &Self::Mock,
        credentials: &Credentials,
        policies: &Policies,
    ) -> impl Future<Output = Result<Self::Client, Error>> + Send;

    /// Runs one asynchronous operation (create something, wait for its job) the way a
    /// program would: in a session of its own when the vendor has sessions, which is
    /// discarded whatever happens, cancellation included.
    fn run_operation(client: &Self::Client) -> impl Future<Output = Result<(), Error>> + Send;

    /// The method and path prefix of the request that starts the operation's job, where
    /// the checks aim kit faults and count requests.
    fn operation_route(mock: &Self::Mock) -> (Method, String);

    /// Whether a logged request is a poll of a job's status.
    fn is_job_poll(request: &LoggedRequest) -> bool;

    /// Opens a session (returns [`NoSession`] at once for a vendor without sessions).
    fn open_session(
        client: &Self::Client,
    ) -> impl Future<Output = Result<Self::Session, Error>> + Send;

    /// Closes a session, discarding it on the server.
    fn close_session(session: Self::Session) -> impl Future<Output = Result<(), Error>> + Send;

    /// Sessions the mock holds: neither discarded nor expired.
    fn live_sessions(mock: &Self::Mock) -> usize;

    /// How many asynchronous jobs the mock has accepted since it started.
    fn jobs_accepted(mock: &Self::Mock) -> usize;

    /// Makes jobs accepted from now on take `duration`.
    fn set_job_duration(mock: &Self::Mock, duration: Duration);

    /// Makes the next request of the operation's route answer once with the vendor's own
    /// transient busy answer (e.g. Hitachi's 503 `KART00003-E`).
    fn inject_busy(mock: &Self::Mock);

    /// Makes the next job fail on the mock with a vendor error that a resend cannot fix;
    /// returns the vendor's code for it (message id, error code), which the client's error
    /// message must name.
    fn inject_job_failure(mock: &Self::Mock) -> String;

    /// Every secret of a flow, from the credentials and the requests the mock saw: the
    /// password with each encoding the vendor sends it in (its [`Secret::on_wire`] computed
    /// from `credentials` alone, never read from the log), and each token the client sent
    /// back.
    fn secrets(credentials: &Credentials, requests: &[LoggedRequest]) -> Vec<Secret>;
}
