//! The Hitachi retry classifier, on top of the core retry policy.
//!
//! Each retryable answer has a wait of its own, measured from the start of the
//! operation, as OpenStack Cinder's driver orders them (reference §16.1); the figures are
//! [`RetryWaits`], every one configurable:
//!
//! 1. **Locked** (KART40050/51/52-E, SSB 2E11/2205 or 2E11/2207, EX_EACCES): up to
//!    [`RetryWaits::lock`] (7200 s). Checked before the no-retry list, as Cinder does.
//! 2. **Never retried**: any status that is neither 2xx nor 5xx (401 aside, see below),
//!    KART30013-E (the object does not exist) and the no-retry SSB list.
//! 3. **Server busy** (KART00003-E): up to [`RetryWaits::server_busy`] (7200 s).
//! 4. **Another LDEV mapped** (SSB B958/0947): up to [`RetryWaits::ldev_mapped`] (600 s).
//! 5. **HTTP 500 and 503** (an HTML page, a JSON error, or nothing): up to
//!    [`RetryWaits::server_error`] (600 s).
//! 6. **Anything else retryable** (`solutionType: RETRY`; a blank 200 to an idempotent
//!    request, the tired REST server's symptom of reference §16.2, except on a session
//!    discard; 502 and 504 on idempotent requests): up to [`RetryWaits::other`] (30 s).
//!    A POST that got a blank 200 is not sent again: whether it did its work is unknown.
//!
//! A 401 asks the session to log in again once (not with `Remote-Authorization`: that 401
//! may be about the remote token; not at all when the client was built with
//! [`relogin(false)`](crate::HitachiClientBuilder::relogin)). Transport failures follow the core rules (a connect
//! failure goes to another node; a request that may have landed is resent only when
//! idempotent). Waits between retries follow the client's backoff. The same waits apply to
//! a job that failed on a lock or a busy server: [`Change`](crate::jobs::Change) resends
//! it within the same budget, never one budget inside another.

use std::time::Duration;

use storkit_core::http::{Method, StatusCode};
use storkit_core::retry::retry_after;
use storkit_core::{Classifier, Outcome, RequestView, Verdict};

use crate::error::ApiError;

/// How long each kind of retryable answer is retried, from the start of the operation
/// (reference §16.1; the defaults are Cinder's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryWaits {
    /// A resource locked by another session or job (default 7200 s, Cinder's
    /// `hitachi_lock_timeout`).
    pub lock: Duration,
    /// KART00003-E, the REST server is busy (default 7200 s,
    /// `hitachi_rest_server_busy_timeout`).
    pub server_busy: Duration,
    /// SSB B958/0947, another LDEV is being mapped (default 600 s).
    pub ldev_mapped: Duration,
    /// HTTP 500 and 503, the REST server restarting or overloaded (default 600 s).
    pub server_error: Duration,
    /// Anything else retryable (default 30 s, `hitachi_rest_timeout`).
    pub other: Duration,
}

impl Default for RetryWaits {
    fn default() -> Self {
        RetryWaits {
            lock: Duration::from_secs(7200),
            server_busy: Duration::from_secs(7200),
            ldev_mapped: Duration::from_secs(600),
            server_error: Duration::from_secs(600),
            other: Duration::from_secs(30),
        }
    }
}

impl RetryWaits {
    /// The same wait for every kind (a test bench, or "give up on anything after a minute").
    pub fn all(d: Duration) -> Self {
        RetryWaits {
            lock: d,
            server_busy: d,
            ldev_mapped: d,
            server_error: d,
            other: d,
        }
    }

    /// Sets the wait for locked resources.
    pub fn with_lock(mut self, d: Duration) -> Self {
        self.lock = d;
        self
    }

    /// Sets the wait for a busy server (KART00003-E).
    pub fn with_server_busy(mut self, d: Duration) -> Self {
        self.server_busy = d;
        self
    }

    /// Sets the wait for "another LDEV mapped" (B958/0947).
    pub fn with_ldev_mapped(mut self, d: Duration) -> Self {
        self.ldev_mapped = d;
        self
    }

    /// Sets the wait for HTTP 500 and 503.
    pub fn with_server_error(mut self, d: Duration) -> Self {
        self.server_error = d;
        self
    }

    /// Sets the wait for anything else retryable.
    pub fn with_other(mut self, d: Duration) -> Self {
        self.other = d;
        self
    }

    /// The wait for an error object, in the decision order of the module docs; `None` when
    /// the error is not retryable (also for the no-retry list).
    pub fn for_error(&self, error: &ApiError) -> Option<Duration> {
        if error.is_lock_busy() {
            Some(self.lock)
        } else if error.is_permanent() {
            None
        } else if error.is_server_busy() {
            Some(self.server_busy)
        } else if error.is_ldev_mapped() {
            Some(self.ldev_mapped)
        } else if error.says_retry() {
            Some(self.other)
        } else {
            None
        }
    }
}

/// Hitachi's retry rules (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct HitachiClassifier {
    waits: RetryWaits,
    relogin: bool,
}

impl Default for HitachiClassifier {
    fn default() -> Self {
        HitachiClassifier::new(RetryWaits::default())
    }
}

impl HitachiClassifier {
    /// A classifier with these waits, that logs in again after a 401.
    pub fn new(waits: RetryWaits) -> Self {
        HitachiClassifier {
            waits,
            relogin: true,
        }
    }

    /// Whether a 401 makes the session log in again and resend (default yes); without,
    /// the 401 is the answer.
    pub fn with_relogin(mut self, yes: bool) -> Self {
        self.relogin = yes;
        self
    }

    /// Its waits.
    pub fn waits(&self) -> &RetryWaits {
        &self.waits
    }
}

impl Classifier for HitachiClassifier {
    fn classify(&self, request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        let Outcome::Response {
            status,
            headers,
            body,
        } = outcome
        else {
            return None;
        };
        if *status == StatusCode::UNAUTHORIZED {
            // With Remote-Authorization the 401 may be about the *remote* token: logging the
            // local session in again would leak it and fix nothing (Cinder's no_relogin).
            if request
                .headers
                .contains_key(crate::session::REMOTE_AUTHORIZATION)
                || !self.relogin
            {
                return Some(Verdict::Done);
            }
            return Some(Verdict::Reauthenticate);
        }
        let after = retry_after(headers);
        let within = |within: Duration| Some(Verdict::RetryWithin { after, within });
        let body = body.unwrap_or_default();
        if status.is_success() {
            // Success bodies are not parsed here (LDEV pages can be megabytes); jobs that
            // failed on a lock are resent by `Change`, in the same budget. A blank 200 (the
            // tired REST server of reference §16.2) is sent again only when the request is
            // idempotent: whether a POST that got one did anything is unknown, and it is
            // never sent twice (it fails as a change without a job instead).
            let blank = *status == StatusCode::OK
                && body.trim_ascii().is_empty()
                && request.idempotent
                && !is_session_discard(request);
            return if blank {
                within(self.waits.other)
            } else {
                None
            };
        }
        let error = ApiError::from_body(body);
        // 1. Locked, whatever the status (Cinder's first check).
        if error.as_ref().is_some_and(ApiError::is_lock_busy) {
            return within(self.waits.lock.max(self.server_error_wait(*status)));
        }
        // 2. Cinder never retries a status that is neither 2xx nor 5xx (401 aside).
        if !status.is_server_error() {
            return Some(Verdict::Done);
        }
        if let Some(error) = &error {
            if error.is_permanent() {
                return Some(Verdict::Done);
            }
            if let Some(w) = self.waits.for_error(error) {
                // A code's own wait, or the status's when longer (RETRY on a 500: 600 s).
                return within(w.max(self.server_error_wait(*status)));
            }
        }
        match status.as_u16() {
            500 | 503 => within(self.waits.server_error),
            502 | 504 if request.idempotent => within(self.waits.other),
            _ => None,
        }
    }
}

impl HitachiClassifier {
    /// The 500/503 wait for those statuses, zero for others.
    fn server_error_wait(&self, status: StatusCode) -> Duration {
        match status.as_u16() {
            500 | 503 => self.waits.server_error,
            _ => Duration::ZERO,
        }
    }
}

fn is_session_discard(request: &RequestView<'_>) -> bool {
    *request.method == Method::DELETE && request.path.contains("/sessions/")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use storkit_core::http::{HeaderMap, HeaderValue};

    fn verdict(
        method: Method,
        path: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Verdict> {
        let request_headers = HeaderMap::new();
        let idempotent = method != Method::POST;
        let request = RequestView::new(&method, path, idempotent, &request_headers);
        HitachiClassifier::default().classify(
            &request,
            &Outcome::Response {
                status: StatusCode::from_u16(status).unwrap(),
                headers,
                body: Some(body),
            },
        )
    }

    fn within(secs: u64) -> Option<Verdict> {
        Some(Verdict::RetryWithin {
            after: None,
            within: Duration::from_secs(secs),
        })
    }

    #[test]
    fn decisions_in_cinders_order() {
        let h = HeaderMap::new();
        let post =
            |status, body: &str| verdict(Method::POST, "/x/ldevs", status, &h, body.as_bytes());
        // 1. Locks: 7200 s, whatever the status, and before the no-retry list.
        assert_eq!(post(409, r#"{"messageId":"KART40050-E"}"#), within(7200));
        assert_eq!(
            post(500, r#"{"errorCode":{"SSB1":"2E11","SSB2":"2207"}}"#),
            within(7200)
        );
        assert_eq!(
            post(500, r#"{"errorCode":{"errorCode":"EX_EACCES"}}"#),
            within(7200)
        );
        assert_eq!(
            post(
                404,
                r#"{"messageId":"KART30013-E","errorCode":{"SSB1":"2e11","SSB2":"2205"}}"#
            ),
            within(7200),
            "a lock outranks the no-retry list"
        );
        // 2. Never retried.
        assert_eq!(
            post(404, r#"{"messageId":"KART30013-E","solutionType":"RETRY"}"#),
            Some(Verdict::Done)
        );
        assert_eq!(
            post(500, r#"{"errorCode":{"SSB1":"B958","SSB2":"015A"}}"#),
            Some(Verdict::Done)
        );
        // 3. Busy: 7200 s, also on a 503.
        assert_eq!(post(503, r#"{"messageId":"KART00003-E"}"#), within(7200));
        // ... but, as in Cinder, not on a 4xx.
        assert_eq!(
            post(400, r#"{"messageId":"KART00003-E"}"#),
            Some(Verdict::Done)
        );
        // 4. Another LDEV mapped: 600 s.
        assert_eq!(
            post(500, r#"{"errorCode":{"SSB1":"B958","SSB2":"0947"}}"#),
            within(600)
        );
        // 5. 500 and 503, whatever the body: 600 s.
        assert_eq!(
            post(500, "<html><body>Internal Server Error</body></html>"),
            within(600)
        );
        assert_eq!(post(500, r#"{"messageId":"KART30000-E"}"#), within(600));
        assert_eq!(post(503, ""), within(600));
        // 6. Anything else retryable: 30 s.
        assert_eq!(
            post(503, r#"{"messageId":"KART1-E","solutionType":"RETRY"}"#),
            within(600)
        );
        assert_eq!(
            post(400, r#"{"messageId":"KART1-E","solutionType":"RETRY"}"#),
            Some(Verdict::Done),
            "Cinder retries no 4xx but a lock"
        );
        assert_eq!(post(500, r#"{"solutionType":"RETRY"}"#), within(600));
        assert_eq!(
            post(200, ""),
            None,
            "a POST that got a blank 200 may have done its work: never sent twice"
        );
        assert_eq!(verdict(Method::GET, "/x", 200, &h, b""), within(30));
        assert_eq!(verdict(Method::GET, "/x", 502, &h, b""), within(30));
        assert_eq!(
            post(502, ""),
            None,
            "a POST through a failed gateway may have landed"
        );
        // Not retried.
        assert_eq!(
            post(400, r#"{"messageId":"KART20008-E"}"#),
            Some(Verdict::Done)
        );
        assert_eq!(
            post(412, r#"{"messageId":"KART40047-E"}"#),
            Some(Verdict::Done)
        );
        assert_eq!(
            verdict(Method::GET, "/x", 429, &h, b""),
            Some(Verdict::Done),
            "no 4xx, not even 429"
        );
        assert_eq!(post(401, ""), Some(Verdict::Reauthenticate));
        // Job failures are resent by `Change`, not here (one budget, not two).
        assert_eq!(
            post(
                202,
                r#"{"jobId":1,"status":"Completed","state":"Failed","error":{"messageId":"KART40051-E"}}"#
            ),
            None
        );
        // Success bodies are not inspected, even when they look like errors.
        assert_eq!(post(200, r#"{"solutionType":"RETRY"}"#), None);
        // Session discard legitimately answers an empty 200.
        assert_eq!(verdict(Method::DELETE, "/x/sessions/3", 200, &h, b""), None);
    }

    #[test]
    fn remote_401_and_retry_after() {
        let h = HeaderMap::new();
        // A 401 on a request carrying a remote token is not the local session's problem.
        let mut remote = HeaderMap::new();
        remote.insert(
            crate::session::REMOTE_AUTHORIZATION,
            HeaderValue::from_static("Session x"),
        );
        let m = Method::POST;
        let view = RequestView::new(&m, "/x/remote-storages", false, &remote);
        let outcome = Outcome::Response {
            status: StatusCode::UNAUTHORIZED,
            headers: &h,
            body: Some(b""),
        };
        assert_eq!(
            HitachiClassifier::default().classify(&view, &outcome),
            Some(Verdict::Done)
        );
        let mut with_after = HeaderMap::new();
        with_after.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            verdict(
                Method::POST,
                "/x",
                409,
                &with_after,
                br#"{"messageId":"KART40052-E"}"#
            ),
            Some(Verdict::RetryWithin {
                after: Some(Duration::from_secs(3)),
                within: Duration::from_secs(7200),
            })
        );
    }

    #[test]
    fn waits_are_configurable() {
        let waits = RetryWaits::default()
            .with_lock(Duration::from_secs(5))
            .with_other(Duration::from_secs(1));
        let lock: ApiError = ApiError::from_body(br#"{"messageId":"KART40051-E"}"#).unwrap();
        assert_eq!(waits.for_error(&lock), Some(Duration::from_secs(5)));
        let retry = ApiError::from_body(br#"{"solutionType":"RETRY"}"#).unwrap();
        assert_eq!(waits.for_error(&retry), Some(Duration::from_secs(1)));
        let gone = ApiError::from_body(br#"{"messageId":"KART30013-E"}"#).unwrap();
        assert_eq!(waits.for_error(&gone), None);
        let other = ApiError::from_body(br#"{"messageId":"KART30000-E"}"#).unwrap();
        assert_eq!(waits.for_error(&other), None);
    }
}
