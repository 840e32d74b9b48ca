//! The crate's vendor error detail.
//!
//! Every fallible call of the client returns [`storkit_core::Error`]. When the failure is
//! Deploy-specific its detail is an [`OntapError`], reachable with
//! [`OntapErrorExt::ontap`]; its [`ErrorKind`] says what the core makes of it (reference
//! §8): the HTTP status for an error answer (401 `Unauthenticated`, 403
//! `PermissionDenied`, 404 `NotFound`, 409 `Conflict`, other 4xx `ClientError`, 5xx
//! `ServerError`), `Vendor` for a job that ended in `failure`, `Poll` for a wait that gave
//! up, `Config` for input refused before sending, `Decode` for an answer that cannot be
//! read.
//!
//! ```
//! use storkit_core::ErrorKind;
//! use storkit_ontap_deploy::{OntapError, OntapErrorExt};
//!
//! // `{"error":{"code":…,"message":…}}`; the code may come as a string or an integer.
//! let detail = OntapError::from_response(
//!     409,
//!     br#"{"error":{"code":6,"message":"Cluster exists"}}"#,
//!     Some("r-17".into()),
//! );
//! assert_eq!(detail.to_string(), "Deploy answered HTTP 409: [6] Cluster exists (request id r-17)");
//!
//! let error: storkit_core::Error = detail.into();
//! assert_eq!(error.kind(), ErrorKind::Conflict);
//! assert_eq!(error.ontap_code(), Some("6"));
//! assert_eq!(error.request_id(), Some("r-17"));
//! ```

use storkit_core::http::StatusCode;
use storkit_core::{Error, ErrorKind, Phase};

use crate::model::{ApiErrorBody, Job, decode_error};

/// What went wrong, in Deploy's terms. No variant ever holds a password: validation
/// reasons name the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OntapError {
    /// An error answer (`4xx`/`5xx`), with the `{"error":{…}}` body when there was one.
    #[error("Deploy answered HTTP {status}{}{}", describe_api(code.as_deref(), message.as_deref()), request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
    Http {
        /// The HTTP status.
        status: u16,
        /// `error.code`, as text (Deploy's type for it is UNKNOWN: strings and integers
        /// both read).
        code: Option<String>,
        /// `error.message`, verbatim.
        message: Option<String>,
        /// The `request-id` answer header, when sent.
        request_id: Option<String>,
    },
    /// A job ended in `failure` (or `cancelled`, `expired`): the second error channel,
    /// after a `202`.
    #[error("job {job_id} ended in state {state}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    JobFailed {
        /// The job id.
        job_id: String,
        /// The terminal state, as Deploy spelled it.
        state: String,
        /// The job's last `message`.
        message: Option<String>,
    },
    /// Waiting for a job gave up before it reached a terminal state.
    #[error("gave up waiting for job {job_id}{}{}", last_state.as_deref().map(|s| format!(" (last state {s})")).unwrap_or_default(), last_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    JobTimeout {
        /// The job id.
        job_id: String,
        /// The last state seen.
        last_state: Option<String>,
        /// The last message seen.
        last_message: Option<String>,
    },
    /// A query refused before sending ([`Query::validate`](crate::query::Query::validate)).
    #[error("invalid query parameter {field}: {reason}")]
    InvalidQuery {
        /// The field or parameter (`name`, `fields`, `max_records`).
        field: String,
        /// Why.
        reason: String,
    },
    /// A request body refused before sending.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field, as Deploy names it (`hosts[1].name`, `ontap_credential.password`).
        field: String,
        /// Why (never the value of a secret).
        reason: String,
    },
    /// An answer that cannot be decoded.
    #[error("cannot decode {what}: {detail}")]
    Decode {
        /// What was being decoded (`cluster`, `job`, `collection`).
        what: String,
        /// Why it failed.
        detail: String,
    },
    /// An answer the API does not give to this call (a status or shape not expected).
    #[error("unexpected answer (HTTP {status}): {detail}")]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// What was expected and what came.
        detail: String,
    },
}

pub(crate) fn describe_api(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(": [{c}] {m}"),
        (Some(c), None) => format!(": [{c}]"),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    }
}

impl OntapError {
    /// The error for an error answer: `status`, the decoded `{"error":{…}}` body when
    /// `body` holds one (else no code and no message), and the `request-id` header.
    pub fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let api = decode_error(body);
        OntapError::http(status, api.as_ref(), request_id)
    }

    /// The error for an error answer whose body is already decoded.
    pub fn http(status: u16, body: Option<&ApiErrorBody>, request_id: Option<String>) -> Self {
        OntapError::Http {
            status,
            code: body.and_then(|b| b.code.clone()),
            message: body.and_then(|b| b.message.clone()),
            request_id,
        }
    }

    /// The error for job `job_id` that ended without success, as `job` last showed it.
    pub fn job_failed(job_id: impl Into<String>, job: &Job) -> Self {
        OntapError::JobFailed {
            job_id: job_id.into(),
            state: job.state.as_str().to_owned(),
            message: job.message.clone(),
        }
    }

    /// The error for a wait on job `job_id` that gave up, with the job as last seen.
    pub fn job_timeout(job_id: impl Into<String>, last: Option<&Job>) -> Self {
        OntapError::JobTimeout {
            job_id: job_id.into(),
            last_state: last
                .map(|j| j.state.as_str().to_owned())
                .filter(|s| !s.is_empty()),
            last_message: last.and_then(|j| j.message.clone()),
        }
    }

    /// A query refused before sending.
    pub fn invalid_query(field: impl Into<String>, reason: impl Into<String>) -> Self {
        OntapError::InvalidQuery {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A request body refused before sending.
    pub fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        OntapError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A decode failure of `what`.
    pub fn decode(what: impl Into<String>, detail: impl Into<String>) -> Self {
        OntapError::Decode {
            what: what.into(),
            detail: detail.into(),
        }
    }

    /// The HTTP status, for [`Http`](OntapError::Http) and
    /// [`Unexpected`](OntapError::Unexpected).
    pub fn status(&self) -> Option<u16> {
        match self {
            OntapError::Http { status, .. } | OntapError::Unexpected { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// `error.code`, for [`Http`](OntapError::Http).
    pub fn code(&self) -> Option<&str> {
        match self {
            OntapError::Http { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The core error kind that matches this detail.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OntapError::Http { status, .. } => match StatusCode::from_u16(*status) {
                Ok(s) if s.is_client_error() || s.is_server_error() => ErrorKind::from_status(s),
                _ => ErrorKind::ServerError,
            },
            OntapError::JobFailed { .. } => ErrorKind::Vendor,
            OntapError::JobTimeout { .. } => ErrorKind::Poll,
            OntapError::InvalidQuery { .. } | OntapError::InvalidInput { .. } => ErrorKind::Config,
            OntapError::Decode { .. } | OntapError::Unexpected { .. } => ErrorKind::Decode,
        }
    }

    /// The core error carrying this detail, with the matching kind, phase
    /// ([`Phase::NotSent`] for refused input, else [`Phase::Responded`]), status and
    /// request id.
    pub fn into_error(self) -> Error {
        let kind = self.kind();
        let status = self.status().and_then(|s| StatusCode::from_u16(s).ok());
        let (phase, message, request_id) = match &self {
            OntapError::InvalidQuery { .. } | OntapError::InvalidInput { .. } => {
                (Phase::NotSent, self.to_string(), None)
            }
            // The core's Display adds the status and the request id itself.
            OntapError::Http {
                code,
                message,
                request_id,
                ..
            } => {
                let text = describe_api(code.as_deref(), message.as_deref());
                let text = text
                    .strip_prefix(": ")
                    .unwrap_or("no error body")
                    .to_owned();
                (Phase::Responded, text, request_id.clone())
            }
            _ => (Phase::Responded, self.to_string(), None),
        };
        let mut error = Error::vendor(self).with_kind(kind).with_message(message);
        if let Some(status) = status {
            error = error.with_status(status);
        }
        if let Some(id) = request_id {
            error = error.with_request_id(id);
        }
        error.with_phase(phase)
    }
}

impl From<OntapError> for Error {
    fn from(e: OntapError) -> Self {
        e.into_error()
    }
}

/// Reaches the [`OntapError`] inside a core error.
pub trait OntapErrorExt {
    /// The Deploy detail, when the error has one.
    fn ontap(&self) -> Option<&OntapError>;

    /// `error.code` of an error answer, when the error has one.
    fn ontap_code(&self) -> Option<&str> {
        self.ontap().and_then(OntapError::code)
    }
}

impl OntapErrorExt for Error {
    fn ontap(&self) -> Option<&OntapError> {
        self.detail::<OntapError>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobState;

    fn http(status: u16) -> OntapError {
        OntapError::Http {
            status,
            code: None,
            message: None,
            request_id: None,
        }
    }

    #[test]
    fn kinds_follow_the_status() {
        assert_eq!(http(401).kind(), ErrorKind::Unauthenticated);
        assert_eq!(http(403).kind(), ErrorKind::PermissionDenied);
        assert_eq!(http(404).kind(), ErrorKind::NotFound);
        assert_eq!(http(409).kind(), ErrorKind::Conflict);
        assert_eq!(http(400).kind(), ErrorKind::ClientError);
        assert_eq!(http(405).kind(), ErrorKind::ClientError);
        assert_eq!(http(500).kind(), ErrorKind::ServerError);
        assert_eq!(http(501).kind(), ErrorKind::ServerError);
        assert_eq!(http(200).kind(), ErrorKind::ServerError);
        assert_eq!(http(0).kind(), ErrorKind::ServerError);
        let failed = OntapError::JobFailed {
            job_id: "j".into(),
            state: "failure".into(),
            message: None,
        };
        assert_eq!(failed.kind(), ErrorKind::Vendor);
        let timeout = OntapError::JobTimeout {
            job_id: "j".into(),
            last_state: None,
            last_message: None,
        };
        assert_eq!(timeout.kind(), ErrorKind::Poll);
        assert_eq!(
            OntapError::invalid_query("a", "b").kind(),
            ErrorKind::Config
        );
        assert_eq!(OntapError::decode("a", "b").kind(), ErrorKind::Decode);
    }

    #[test]
    fn messages() {
        let e =
            OntapError::from_response(400, br#"{"error":{"code":"123","message":"bad"}}"#, None);
        assert_eq!(e.to_string(), "Deploy answered HTTP 400: [123] bad");
        let core: Error = e.into();
        assert_eq!(core.to_string(), "request rejected (HTTP 400): [123] bad");
        assert_eq!(core.phase(), Phase::Responded);
        assert_eq!(core.ontap_code(), Some("123"));

        let bare = OntapError::from_response(502, b"<html>", Some("r1".into()));
        assert_eq!(bare.to_string(), "Deploy answered HTTP 502 (request id r1)");
        let core = bare.into_error();
        assert_eq!(
            core.to_string(),
            "server error (HTTP 502): no error body [request id r1]"
        );

        let refused: Error = OntapError::invalid_input("name", "empty").into();
        assert_eq!(refused.phase(), Phase::NotSent);
        assert_eq!(refused.kind(), ErrorKind::Config);
        assert_eq!(refused.status(), None);

        let job = Job {
            id: None,
            state: JobState::Failure,
            message: Some("disk full".into()),
            last_modified: None,
            extra: Default::default(),
        };
        let failed = OntapError::job_failed("j-1", &job);
        assert_eq!(
            failed.to_string(),
            "job j-1 ended in state failure: disk full"
        );
        let running = Job {
            state: JobState::Running,
            message: Some("Deploying".into()),
            ..Job::default()
        };
        let timeout = OntapError::job_timeout("j-2", Some(&running));
        assert_eq!(
            timeout.to_string(),
            "gave up waiting for job j-2 (last state running): Deploying"
        );
        assert_eq!(timeout.into_error().kind(), ErrorKind::Poll);
        let bare = OntapError::job_timeout("j-3", Some(&Job::default()));
        assert_eq!(bare.to_string(), "gave up waiting for job j-3");
    }
}
