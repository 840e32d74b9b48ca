//! Hitachi error objects (reference §9) and the catalogue of message IDs the mock answers with.
//!
//! Every error the mock sends, synchronous or inside a failed job, is one [`ApiError`] rendered
//! with the same fields as the real REST server: `errorSource`, `messageId`, `message`,
//! `cause` (when there is one), `solution`, `solutionType`, `errorCode` (only for errors the
//! storage system raised) and `detailCode`.

use http::StatusCode;
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use serde_json::{Map, Value, json};
use storkit_mock::MockBody;

use crate::JobFailure;
use crate::router::json_response;

/// Message IDs. Sourced ones are marked; the others are the mock's own choices, made because
/// no public source names the ID the real server uses (reference §20 items 8 and 10).
pub(crate) mod ids {
    /// Sourced (Cinder): the REST API server is busy; clients retry.
    pub(crate) const SERVER_BUSY: &str = "KART00003-E";
    /// Mock choice: the request body is not JSON.
    pub(crate) const INVALID_JSON: &str = "KART20001-E";
    /// Mock choice: a parameter has the wrong type or an out-of-range value.
    pub(crate) const INVALID_VALUE: &str = "KART20002-E";
    /// Mock choice: no API answers this URL.
    pub(crate) const UNKNOWN_URL: &str = "KART20003-E";
    /// Mock choice: the URL exists but not with this method.
    pub(crate) const METHOD_NOT_ALLOWED: &str = "KART20004-E";
    /// Mock choice (the reference leaves the 401 messageId UNKNOWN): bad or expired token.
    pub(crate) const INVALID_TOKEN: &str = "KART20005-E";
    /// Mock choice: wrong user ID or password on `POST sessions`.
    pub(crate) const BAD_CREDENTIALS: &str = "KART20006-E";
    /// Mock choice: the 64-session limit is reached (HTTP 503).
    pub(crate) const TOO_MANY_SESSIONS: &str = "KART20007-E";
    /// Sourced (A1 HCSR0079 example): required parameters are missing.
    pub(crate) const REQUIRED: &str = "KART20008-E";
    /// Mock choice: the action cannot run on the object in its current state (HTTP 412).
    pub(crate) const NOT_RUNNABLE: &str = "KART20010-E";
    /// Mock choice: the remote REST server rejected `Remote-Authorization` or was unreachable.
    pub(crate) const REMOTE_AUTH: &str = "KART20011-E";
    /// Sourced (A1 HCSR0079 example): an error in the storage system, with `errorCode`.
    pub(crate) const STORAGE: &str = "KART30000-E";
    /// Sourced (Cinder): the specified object does not exist.
    pub(crate) const NO_OBJECT: &str = "KART30013-E";
    /// Sourced (Cinder lock family): the resource is locked by another session.
    pub(crate) const LOCKED: &str = "KART40050-E";
    /// Sourced (Cinder lock family): the unlock came from a session that holds no lock.
    pub(crate) const UNLOCK_DENIED: &str = "KART40052-E";
}

/// The text the real server uses for a bad token, matched by Ansible (reference §6).
pub(crate) const INVALID_TOKEN_MESSAGE: &str = "The specified token is invalid";

const SEE_ERROR_DETAIL: &str = "SEE_ERROR_DETAIL";

/// The storage-side code of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    /// A sense byte pair, hex strings (`{"SSB1":"2E11","SSB2":"2205"}`).
    Ssb(String, String),
    /// A RAID Manager return code (`{"errorCode":"EX_ENLDEV"}`).
    ReturnCode(String),
}

impl ErrorCode {
    /// A sense byte pair.
    pub(crate) fn ssb(ssb1: &str, ssb2: &str) -> Self {
        Self::Ssb(ssb1.to_owned(), ssb2.to_owned())
    }

    /// A RAID Manager return code.
    pub(crate) fn rc(code: &str) -> Self {
        Self::ReturnCode(code.to_owned())
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Ssb(ssb1, ssb2) => json!({ "SSB1": ssb1, "SSB2": ssb2 }),
            Self::ReturnCode(code) => json!({ "errorCode": code }),
        }
    }
}

/// One error, before it is tied to the request that caused it (`errorSource`).
///
/// Boxed: errors travel in every `Result` of the handlers, which should stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError(Box<Detail>);

/// The fields of an [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detail {
    pub(crate) status: StatusCode,
    pub(crate) message_id: String,
    pub(crate) message: String,
    pub(crate) cause: Option<String>,
    pub(crate) solution: String,
    pub(crate) solution_type: String,
    pub(crate) error_code: Option<ErrorCode>,
    /// The `WWW-Authenticate` challenge of a 401.
    pub(crate) challenge: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, message_id: &str, message: impl Into<String>) -> Self {
        Self(Box::new(Detail {
            status,
            message_id: message_id.to_owned(),
            message: message.into(),
            cause: None,
            solution: "Check the request, and then retry the operation.".to_owned(),
            solution_type: SEE_ERROR_DETAIL.to_owned(),
            error_code: None,
            challenge: None,
        }))
    }

    fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    fn with_solution(mut self, solution: &str) -> Self {
        self.0.solution = solution.to_owned();
        self
    }

    /// 400: the body is not JSON.
    pub(crate) fn invalid_json(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_JSON,
            "The request body is not in a valid JSON format.",
        )
        .with_cause(detail.to_owned())
    }

    /// 400: the documented "Required parameters are not specified." (A1 HCSR0079).
    pub(crate) fn missing(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::REQUIRED,
            "Required parameters are not specified.",
        )
        .with_cause(format!("The parameter {name} is not specified."))
        .with_solution("Check parameters.")
    }

    /// 400: a parameter has the wrong type or value.
    pub(crate) fn invalid(name: &str, reason: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::INVALID_VALUE,
            format!("The value specified for the parameter {name} is invalid."),
        )
        .with_cause(reason.to_owned())
        .with_solution("Check parameters.")
    }

    /// 404: the object named in the URL does not exist.
    pub(crate) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ids::NO_OBJECT,
            "The specified object does not exist.",
        )
        .with_cause(format!("{what} does not exist."))
        .with_solution("Check the object ID in the URL.")
    }

    /// 404: no API answers this URL.
    pub(crate) fn unknown_url() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ids::UNKNOWN_URL,
            "The specified URL is not supported.",
        )
        .with_solution("Check the URL.")
    }

    /// 405: the URL does not take this method.
    pub(crate) fn method_not_allowed(method: &http::Method) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ids::METHOD_NOT_ALLOWED,
            format!("The HTTP method {method} is not supported for the specified URL."),
        )
        .with_solution("Check the HTTP method and the URL.")
    }

    /// 401 for a missing, bad or expired session token.
    pub(crate) fn invalid_token() -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            ids::INVALID_TOKEN,
            INVALID_TOKEN_MESSAGE,
        )
        .with_cause("The session does not exist, was discarded, or timed out.")
        .with_solution("Generate a session, and then retry with its token.");
        error.0.challenge = Some("Session realm=\"Block storage\"");
        error
    }

    /// 401 for `POST sessions` with missing or wrong credentials.
    pub(crate) fn bad_credentials() -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            ids::BAD_CREDENTIALS,
            "The user ID or password is incorrect.",
        )
        .with_solution("Specify a correct user ID and password.");
        error.0.challenge = Some("Basic realm=\"Block storage\"");
        error
    }

    /// 503 when the session limit is reached (A2 generating-sessions).
    pub(crate) fn too_many_sessions(limit: usize) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ids::TOO_MANY_SESSIONS,
            "The number of sessions has reached the maximum.",
        )
        .with_cause(format!(
            "At most {limit} sessions can exist at the same time."
        ))
        .with_solution("Wait for a while, discard unneeded sessions, and then retry.")
    }

    /// 412: the action cannot run on the object as it is (A2).
    pub(crate) fn not_runnable(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            ids::NOT_RUNNABLE,
            "The operation cannot be performed on the specified object in its current state.",
        )
        .with_cause(reason)
        .with_solution("Check the status of the object.")
    }

    /// A storage-system failure, as carried by a failed job (A1 HCSR0079 second example).
    pub(crate) fn storage(detail: &str, code: ErrorCode) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ids::STORAGE,
            format!("An error occurred in the storage system. (message = {detail})"),
        )
        .with_cause("An error occurred during execution of a RAID Manager command.")
        .with_solution("Check the error code, and then take action.");
        error.0.error_code = Some(code);
        error
    }

    /// The resource-group lock is held by another session: the lock family message ID and
    /// the lock SSB pair together, so clients that look at either see "locked" (§9.3, §16.1).
    pub(crate) fn locked() -> Self {
        let mut error = Self::new(
            StatusCode::CONFLICT,
            ids::LOCKED,
            "The resource is locked by another session.",
        )
        .with_cause("Another session holds the resource group lock.")
        .with_solution("Wait for the lock to be released, and then retry the operation.");
        error.0.error_code = Some(ErrorCode::ssb("2E11", "2205"));
        error
    }

    /// Unlock from a session that does not hold the lock.
    pub(crate) fn unlock_denied() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ids::UNLOCK_DENIED,
            "The resource group lock cannot be released by this session.",
        )
        .with_cause("The lock is held by another session; only that session can release it.")
        .with_solution("Release the lock from the session that acquired it.")
    }

    /// The remote REST server did not accept `Remote-Authorization`, or could not be reached.
    pub(crate) fn remote_auth(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ids::REMOTE_AUTH,
            "Authentication on the REST API server of the remote storage system failed.",
        )
        .with_cause(detail)
        .with_solution(
            "Generate a session on the remote REST API server, and specify its token in the \
             Remote-Authorization header.",
        )
    }

    /// An error injected by [`HitachiMock::inject_error`](crate::HitachiMock::inject_error).
    pub(crate) fn injected(
        status: StatusCode,
        message_id: &str,
        ssb: Option<(&str, &str)>,
        solution_type: Option<&str>,
    ) -> Self {
        let message = match message_id {
            ids::SERVER_BUSY => "The REST API server is busy. Wait a while, and then retry.",
            "KART40050-E" | "KART40051-E" | "KART40052-E" => {
                "The resource is locked by another session."
            }
            _ => "An error occurred.",
        };
        let mut error = Self::new(status, message_id, message);
        if let Some((ssb1, ssb2)) = ssb {
            error.0.error_code = Some(ErrorCode::ssb(ssb1, ssb2));
        }
        if let Some(solution_type) = solution_type {
            solution_type.clone_into(&mut error.0.solution_type);
        }
        error
    }

    /// The error a job ends with after [`HitachiMock::fail_next_job`](crate::HitachiMock::fail_next_job).
    pub(crate) fn from_failure(failure: &JobFailure) -> Self {
        let (message_id, code) = match failure {
            JobFailure::Ssb {
                ssb1,
                ssb2,
                message_id,
            } => (message_id, ErrorCode::ssb(ssb1, ssb2)),
            JobFailure::ReturnCode { code, message_id } => (message_id, ErrorCode::rc(code)),
            JobFailure::Retry { message_id } => {
                let mut error = Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    message_id,
                    "The operation failed as requested by the test; retry it.",
                );
                "RETRY".clone_into(&mut error.0.solution_type);
                return error;
            }
        };
        let mut error = Self::storage("The operation failed as requested by the test.", code);
        error.0.message_id.clone_from(message_id);
        error
    }

    /// The error object, with `errorSource` set to the request's path.
    pub(crate) fn to_json(&self, source: &str) -> Value {
        let mut object = Map::new();
        object.insert("errorSource".into(), source.into());
        object.insert("messageId".into(), self.0.message_id.clone().into());
        object.insert("message".into(), self.0.message.clone().into());
        if let Some(cause) = &self.0.cause {
            object.insert("cause".into(), cause.clone().into());
        }
        object.insert("solution".into(), self.0.solution.clone().into());
        object.insert("solutionType".into(), self.0.solution_type.clone().into());
        if let Some(code) = &self.0.error_code {
            object.insert("errorCode".into(), code.to_json());
        }
        object.insert("detailCode".into(), detail_code(&self.0.message_id).into());
        Value::Object(object)
    }

    /// The HTTP response: status, error object and, for a 401, the challenge.
    pub(crate) fn into_response(self, source: &str) -> http::Response<MockBody> {
        let mut response = json_response(self.0.status, &self.to_json(source));
        if let Some(challenge) = self.0.challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

/// `KART20008-E` → `20008E-0`, the shape of the documented examples (§9.1, §9.2).
fn detail_code(message_id: &str) -> String {
    let body = message_id.strip_prefix("KART").unwrap_or(message_id);
    match body.split_once('-') {
        Some((number, severity)) => format!("{number}{severity}-0"),
        None => format!("{body}-0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_codes_follow_the_documented_shape() {
        assert_eq!(detail_code("KART20008-E"), "20008E-0");
        assert_eq!(detail_code("KART40038-E"), "40038E-0");
        assert_eq!(detail_code("odd"), "odd-0");
    }

    #[test]
    fn storage_errors_carry_their_code() {
        let error = ApiError::storage("x", ErrorCode::ssb("2E11", "2205"));
        let body = error.to_json("/p");
        assert_eq!(body["errorCode"]["SSB1"], "2E11");
        assert_eq!(body["errorCode"]["SSB2"], "2205");
        assert_eq!(body["messageId"], "KART30000-E");
        assert_eq!(body["errorSource"], "/p");
        let rc = ApiError::storage("x", ErrorCode::rc("EX_ENLDEV")).to_json("/p");
        assert_eq!(rc["errorCode"]["errorCode"], "EX_ENLDEV");
    }

    #[test]
    fn required_parameter_error_matches_the_reference_text() {
        let body = ApiError::missing("copyGroupName").to_json("/x");
        assert_eq!(body["message"], "Required parameters are not specified.");
        assert_eq!(body["solution"], "Check parameters.");
        assert_eq!(body["solutionType"], "SEE_ERROR_DETAIL");
        assert_eq!(body["detailCode"], "20008E-0");
        assert!(body.get("errorCode").is_none());
    }
}
