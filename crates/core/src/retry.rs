//! Retry policy and the vendor classifier hook.
//!
//! The default decisions, in order:
//! - a connect failure (nothing sent) moves the request to the next node, whatever its
//!   method; the failed node is set aside and the pool re-resolves in the background;
//!   when every node failed, the retry after the backoff also waits for that re-resolution
//!   (bounded by the time budget), so it goes to the nodes DNS names now;
//! - a TLS failure is returned at once (every node presents the same certificate); one
//!   on an established connection counts as [`Phase::MaybeSent`](crate::Phase::MaybeSent);
//! - an I/O error or a timeout after sending is retried only for idempotent requests,
//!   and no classifier can change that;
//! - 429 and 503 are retried with backoff for any method, honouring `Retry-After`;
//! - everything else is returned to the caller.
//!
//! A vendor [`Classifier`] sees every outcome first and may return a [`Verdict`] (retry a
//! "resource locked" error, re-authenticate on an expired token). Attempts and wall time
//! bound every retry, and so does the operation deadline when one is set. The rules are
//! applied in one place, `operation.rs`, after each attempt.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use http::{HeaderMap, StatusCode};

use crate::backoff::{Backoff, Jitter};
use crate::error::{Error, ErrorKind};

/// What a request attempt produced, as shown to a [`Classifier`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The server answered.
    Response {
        /// The status.
        status: StatusCode,
        /// The headers.
        headers: &'a HeaderMap,
        /// The buffered body; `None` for a streaming response (not read yet).
        body: Option<&'a [u8]>,
    },
    /// The attempt failed without a response.
    Error(&'a Error),
}

/// A classifier's decision about one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Hand the response (or error) to the caller.
    Done,
    /// Send the request again after a backoff (or after `after`, when the server said),
    /// within the policy's attempt and time bounds. Only return this when resending is
    /// safe: the server rejected the request without acting on it.
    Retry {
        /// A wait requested by the server, overriding the backoff.
        after: Option<Duration>,
    },
    /// The credentials were rejected: refresh them once and resend.
    Reauthenticate,
    /// Send again after a backoff (or after `after`) as long as the operation is younger
    /// than `within`: for a condition the vendor knows passes with time (a resource lock
    /// held by another job, a busy server), each with its own wait. `within` replaces the
    /// policy's `max_elapsed` for this outcome; it is measured from the start of the
    /// operation (or of its [`RetryBudget`]). The policy's `max_attempts` still caps the
    /// attempts (so [`RetryPolicy::never`] turns this off like every other retry), the
    /// operation deadline still bounds it, and the safety rule of [`Verdict::Retry`]
    /// applies.
    RetryWithin {
        /// A wait requested by the server, overriding the backoff.
        after: Option<Duration>,
        /// How long after the operation's start a retry may still begin.
        within: Duration,
    },
}

/// The request an outcome belongs to, as shown to a [`Classifier`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestView<'a> {
    /// The method.
    pub method: &'a http::Method,
    /// The path, without the query string.
    pub path: &'a str,
    /// Whether sending it twice is harmless.
    pub idempotent: bool,
    /// The request's own headers (not the credentials the authenticator adds).
    pub headers: &'a HeaderMap,
    /// Which attempt of the operation this outcome is (1 for the first).
    pub attempt: u32,
    /// True when an earlier attempt of this operation may have reached the server
    /// without an answer ([`Phase::MaybeSent`](crate::Phase::MaybeSent)): this attempt
    /// is a resend after an unknown outcome, so a 409 "already exists" or a 404 on a
    /// resent DELETE may mean the first attempt landed.
    pub resend_after_unknown: bool,
}

impl<'a> RequestView<'a> {
    /// A view of a request (for classifier tests).
    pub fn new(
        method: &'a http::Method,
        path: &'a str,
        idempotent: bool,
        headers: &'a HeaderMap,
    ) -> Self {
        RequestView {
            method,
            path,
            idempotent,
            headers,
            attempt: 1,
            resend_after_unknown: false,
        }
    }

    /// Sets the attempt number and whether an earlier attempt's outcome is unknown.
    pub fn with_attempt(mut self, attempt: u32, resend_after_unknown: bool) -> Self {
        self.attempt = attempt;
        self.resend_after_unknown = resend_after_unknown;
        self
    }
}

/// A vendor's view of outcomes: lock-busy codes, token expiry, "server busy" bodies.
///
/// A classifier says what an outcome means; the core decides what to do about it. In
/// particular a [`Verdict::Retry`] is ignored for a request that is not idempotent and
/// may have reached the server, and every retry stays within the attempt, time and
/// operation-deadline budgets.
pub trait Classifier: Send + Sync + fmt::Debug {
    /// Returns a verdict, or `None` to let the core policy decide.
    fn classify(&self, request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict>;
}

/// How many times and for how long the transport retries a request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (connect failover to another node is free).
    pub max_attempts: u32,
    /// Wall-clock bound over all attempts and waits.
    pub max_elapsed: Duration,
    /// Waits between attempts.
    pub backoff: Backoff,
    /// The longest `Retry-After` honoured; longer requests are capped to it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(60),
            backoff: Backoff::exponential(Duration::from_millis(200), 2.0, Duration::from_secs(10))
                .with_jitter(Jitter::Proportional(0.2)),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries, whatever a classifier says, [`Verdict::RetryWithin`]
    /// included (connect failover to another node still happens).
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the attempt bound.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the wall-time bound.
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Sets the backoff between attempts.
    pub fn with_backoff(mut self, b: Backoff) -> Self {
        self.backoff = b;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
}

impl RetryPolicy {
    /// Runs an operation until it succeeds, `retryable` declines its error, or the
    /// attempt or time budget runs out; waits follow the policy's backoff with jitter.
    ///
    /// For outcomes the transport cannot see, such as an asynchronous job that failed
    /// because a resource was busy: the operation is resent whole.
    pub async fn run<T, E, F, Fut, R>(&self, mut operation: F, mut retryable: R) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        R: FnMut(&E) -> bool,
    {
        let started = tokio::time::Instant::now();
        let mut rng = crate::backoff::SplitMix64::from_entropy();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let error = match operation(attempt).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let wait = self.backoff.delay(attempt - 1, &mut rng);
            let in_budget =
                attempt < self.max_attempts && started.elapsed() + wait <= self.max_elapsed;
            if !in_budget || !retryable(&error) {
                return Err(error);
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// One retry budget for an operation made of several requests: a request, and its resends
/// after something the transport cannot see failed (an asynchronous job that failed on a
/// busy resource, say). Give it to each request with
/// [`Request::retry_budget`](crate::Request::retry_budget): the time limits of the retry
/// policy and of [`Verdict::RetryWithin`] are then measured from the budget's start, not
/// from each request's, and retries count together, so a resend never starts a fresh
/// budget inside the old one. Cheap to clone; clones share the budget.
#[derive(Clone)]
pub struct RetryBudget {
    inner: Arc<BudgetInner>,
}

struct BudgetInner {
    started: Instant,
    retries: AtomicU32,
}

impl RetryBudget {
    /// A budget that starts now (on tokio's clock).
    pub fn start() -> Self {
        RetryBudget {
            inner: Arc::new(BudgetInner {
                started: Instant::now(),
                retries: AtomicU32::new(0),
            }),
        }
    }

    /// When the budget started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.inner.started.elapsed()
    }

    /// Retries taken so far (by every request of the budget).
    pub fn retries(&self) -> u32 {
        self.inner.retries.load(Ordering::SeqCst)
    }

    /// The wait before the next retry: the server's `after` (capped at the policy's
    /// `max_retry_after`), or the policy's backoff for the retries taken so far.
    pub fn next_wait(&self, policy: &RetryPolicy, after: Option<Duration>) -> Duration {
        match after {
            Some(a) => a.min(policy.max_retry_after),
            None => {
                let mut rng = crate::backoff::SplitMix64::from_entropy();
                policy.backoff.delay(self.retries(), &mut rng)
            }
        }
    }

    /// Takes one retry that starts after `wait`, if it fits: within `within` of the start
    /// when given (a [`Verdict::RetryWithin`]), else within the policy's time limit; and
    /// within the policy's attempt limit in both cases. Returns whether it was taken.
    pub fn take(&self, policy: &RetryPolicy, within: Option<Duration>, wait: Duration) -> bool {
        let fits = fits(policy, within, self.retries(), self.elapsed(), wait);
        if fits {
            self.inner.retries.fetch_add(1, Ordering::SeqCst);
        }
        fits
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("elapsed", &self.elapsed())
            .field("retries", &self.retries())
            .finish()
    }
}

/// Whether one more retry (after `retries` taken, `elapsed` into the budget) that starts
/// after `wait` fits: within `within` when given, else within the policy's limits.
pub(crate) fn fits(
    policy: &RetryPolicy,
    within: Option<Duration>,
    retries: u32,
    elapsed: Duration,
    wait: Duration,
) -> bool {
    match within {
        Some(within) => retries + 1 < policy.max_attempts && elapsed + wait <= within,
        None => retries + 1 < policy.max_attempts && elapsed + wait <= policy.max_elapsed,
    }
}

/// The core's own decision for an outcome no classifier claimed.
pub(crate) fn default_verdict(outcome: &Outcome<'_>, idempotent: bool) -> Verdict {
    match outcome {
        Outcome::Response {
            status, headers, ..
        } => match status.as_u16() {
            429 | 503 => Verdict::Retry {
                after: retry_after(headers),
            },
            _ => Verdict::Done,
        },
        Outcome::Error(e) => match e.kind() {
            // Nothing was sent: safe for any method.
            ErrorKind::Connect => Verdict::Retry { after: None },
            ErrorKind::Io | ErrorKind::Timeout if idempotent => Verdict::Retry { after: None },
            _ => Verdict::Done,
        },
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form servers should send.
fn parse_http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as u64
        + 1;
    let year: u64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    // Bounded fields keep the arithmetic below far from overflow, whatever a server sends.
    if hms.len() != 3
        || !(1..=31).contains(&day)
        || !(1970..=9999).contains(&year)
        || hms[0] > 23
        || hms[1] > 59
        || hms[2] > 60
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), valid for any Gregorian date.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use http::HeaderValue;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(784_111_777))
        );
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        // Absurd dates from a server are ignored, never an overflow.
        for bad in [
            "Mon, 01 Jan 1000000000000000000 00:00:00 GMT",
            "Mon, 01 Jan 2030 99999999999999999:00:00 GMT",
            "Mon, 01 Jan 2030 25:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn defaults() {
        let h = HeaderMap::new();
        let busy = Outcome::Response {
            status: StatusCode::SERVICE_UNAVAILABLE,
            headers: &h,
            body: None,
        };
        assert_eq!(
            default_verdict(&busy, false),
            Verdict::Retry { after: None }
        );
        let ok = Outcome::Response {
            status: StatusCode::OK,
            headers: &h,
            body: None,
        };
        assert_eq!(default_verdict(&ok, true), Verdict::Done);
        let io = Error::new(ErrorKind::Io);
        assert_eq!(default_verdict(&Outcome::Error(&io), false), Verdict::Done);
        assert_eq!(
            default_verdict(&Outcome::Error(&io), true),
            Verdict::Retry { after: None }
        );
        let tls = Error::new(ErrorKind::Tls);
        assert_eq!(default_verdict(&Outcome::Error(&tls), true), Verdict::Done);
    }
}
