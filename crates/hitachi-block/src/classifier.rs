//! The Hitachi retry classifier, on top of the core retry policy.
//!
//! Retried (with the core backoff, within the client's retry limits): resource locked
//! (KART40050/51/52-E, SSB 2E11/2205 and 2E11/2207, EX_EACCES), server busy (KART00003-E),
//! `solutionType: RETRY`, 503, 500 with an HTML body, and a blank 200 (the REST server's
//! symptom after long uptime, reference §16.2), except on session discard. Never retried:
//! KART30013-E and the no-retry SSB list. A 401 asks the session to log in again once.
//! Jobs that fail on a lock are resent by [`Session::run_job`](crate::Session::run_job).
//! Transport failures follow the core rules (resent only when idempotent).

use storkit_core::http::header::CONTENT_TYPE;
use storkit_core::http::{Method, StatusCode};
use storkit_core::retry::retry_after;
use storkit_core::{Classifier, Outcome, RequestView, Verdict};

use crate::error::ApiError;

/// Hitachi's retry rules (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct HitachiClassifier;

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
            {
                return Some(Verdict::Done);
            }
            return Some(Verdict::Reauthenticate);
        }
        let body = (*body)?;
        let after = retry_after(headers);
        let retry = Some(Verdict::Retry { after });
        if status.is_success() {
            // A blank 200 is the tired REST server's symptom (reference §16.2); success
            // bodies are not parsed here (LDEV pages can be megabytes). Jobs that failed
            // on a lock are resent by `Session::run_job`: one budget, not two.
            let blank = *status == StatusCode::OK
                && body.trim_ascii().is_empty()
                && !is_session_discard(request);
            return if blank { retry } else { None };
        }
        if let Some(error) = &ApiError::from_body(body) {
            if error.is_permanent() {
                return Some(Verdict::Done);
            }
            if error.is_lock_busy() || error.is_server_busy() || error.says_retry() {
                return retry;
            }
        }
        let html = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("html"))
            || body.trim_ascii_start().starts_with(b"<");
        // The official guidance retries these whatever the method: the REST server did
        // not process the request (reference §16.2).
        (*status == StatusCode::INTERNAL_SERVER_ERROR && html).then_some(Verdict::Retry { after })
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
        let request = RequestView::new(&method, path, false, &request_headers);
        HitachiClassifier.classify(
            &request,
            &Outcome::Response {
                status: StatusCode::from_u16(status).unwrap(),
                headers,
                body: Some(body),
            },
        )
    }

    #[test]
    fn decisions() {
        let h = HeaderMap::new();
        let post =
            |status, body: &str| verdict(Method::POST, "/x/ldevs", status, &h, body.as_bytes());
        let retry = Some(Verdict::Retry { after: None });
        assert_eq!(post(409, r#"{"messageId":"KART40050-E"}"#), retry);
        assert_eq!(
            post(500, r#"{"errorCode":{"SSB1":"2E11","SSB2":"2207"}}"#),
            retry
        );
        assert_eq!(
            post(500, r#"{"errorCode":{"errorCode":"EX_EACCES"}}"#),
            retry
        );
        assert_eq!(post(503, r#"{"messageId":"KART00003-E"}"#), retry);
        assert_eq!(
            post(400, r#"{"messageId":"KART1-E","solutionType":"RETRY"}"#),
            retry
        );
        assert_eq!(
            post(500, "<html><body>Internal Server Error</body></html>"),
            retry
        );
        assert_eq!(post(200, ""), retry);
        assert_eq!(
            post(404, r#"{"messageId":"KART30013-E","solutionType":"RETRY"}"#),
            Some(Verdict::Done)
        );
        assert_eq!(
            post(500, r#"{"errorCode":{"SSB1":"B958","SSB2":"015A"}}"#),
            Some(Verdict::Done)
        );
        assert_eq!(post(400, r#"{"messageId":"KART20008-E"}"#), None);
        assert_eq!(post(401, ""), Some(Verdict::Reauthenticate));
        // Job failures are resent by the job runner, not here (one budget, not two).
        assert_eq!(
            post(
                202,
                r#"{"jobId":1,"status":"Completed","state":"Failed","error":{"messageId":"KART40051-E"}}"#
            ),
            None
        );
        assert_eq!(
            post(
                202,
                r#"{"jobId":1,"status":"Completed","state":"Failed","error":{"messageId":"KART30000-E"}}"#
            ),
            None
        );
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
            HitachiClassifier.classify(&view, &outcome),
            Some(Verdict::Done)
        );
        // Success bodies are not inspected, even when they look like errors.
        assert_eq!(post(200, r#"{"solutionType":"RETRY"}"#), None);
        // Session discard legitimately answers an empty 200.
        assert_eq!(verdict(Method::DELETE, "/x/sessions/3", 200, &h, b""), None);
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
            Some(Verdict::Retry {
                after: Some(std::time::Duration::from_secs(3))
            })
        );
    }
}
