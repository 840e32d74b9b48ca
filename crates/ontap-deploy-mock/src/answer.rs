//! Answers in Deploy's envelopes (reference §3): `{"record":…}`, `{"num_records":N,
//! "records":[…]}`, 202 `{"job":…}`, an empty body, and errors as
//! `{"error":{"code","message"}}`.

use bytes::Bytes;
use http::header::{HeaderValue, LOCATION};
use http::{Response, StatusCode};
use serde_json::{Map, Value, json};
use storkit_mock::{MockBody, reply};

use crate::codes;
use crate::query::QueryError;

/// What a route answers when it succeeds. Locations are paths under the API base.
#[derive(Debug)]
pub(crate) enum Reply {
    /// 200 `{"record": …}`.
    Record(Value),
    /// 200 `{"num_records": N, "records": […]}`.
    Collection(Vec<Value>),
    /// 202 `{"job": …}`, with `location` when the job creates something.
    Job(Value, Option<String>),
    /// 201 with `location` and no body.
    Created(String),
    /// 200 with no body.
    Empty,
}

/// Why a route refuses: status, `error.code` and `error.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: input not recognised.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_ARGUMENT, message)
    }

    /// 400: the object is not in a state that allows the operation.
    pub(crate) fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_STATE, message)
    }

    /// 404 for an object.
    pub(crate) fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("{kind} {id:?} does not exist"),
        )
    }

    /// 409: the object exists already.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, message)
    }

    /// 501: the URI is known but not served.
    pub(crate) fn not_implemented(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            codes::NOT_IMPLEMENTED,
            format!("{what} is not implemented by this server"),
        )
    }
}

impl From<QueryError> for Refusal {
    fn from(error: QueryError) -> Self {
        let code = if error.unknown_field().is_some() {
            codes::UNKNOWN_FIELD
        } else {
            codes::INVALID_ARGUMENT
        };
        Self::new(StatusCode::BAD_REQUEST, code, error.to_string())
    }
}

/// What a route answers.
pub(crate) type Answer = Result<Reply, Refusal>;

const JSON: &str = "application/json";

fn json_response(status: StatusCode, value: &Value) -> Response<MockBody> {
    reply::with_type(status, JSON, Bytes::from(value.to_string()))
}

fn set_location(response: &mut Response<MockBody>, base: &str, path: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("{base}{path}")) {
        response.headers_mut().insert(LOCATION, value);
    }
}

/// Writes a reply; `base` makes locations absolute (`https://host:port/api/v3`).
pub(crate) fn render(reply: Reply, base: &str) -> Response<MockBody> {
    match reply {
        Reply::Record(record) => json_response(StatusCode::OK, &json!({ "record": record })),
        Reply::Collection(records) => json_response(
            StatusCode::OK,
            &json!({"num_records": records.len(), "records": records}),
        ),
        Reply::Job(job, location) => {
            let mut response = json_response(StatusCode::ACCEPTED, &json!({ "job": job }));
            if let Some(path) = location {
                set_location(&mut response, base, &path);
            }
            response
        }
        Reply::Created(path) => {
            let mut response = reply::status(StatusCode::CREATED);
            set_location(&mut response, base, &path);
            response
        }
        Reply::Empty => reply::status(StatusCode::OK),
    }
}

/// Writes a refusal: `{"error":{"code","message"}}`, `code` a string or, with the toggle, a
/// number.
pub(crate) fn error(refusal: &Refusal, integer_codes: bool) -> Response<MockBody> {
    let code = match refusal.code.parse::<u64>() {
        Ok(number) if integer_codes => Value::from(number),
        _ => Value::from(refusal.code),
    };
    let mut error = Map::new();
    error.insert("code".into(), code);
    error.insert("message".into(), Value::from(refusal.message.clone()));
    json_response(refusal.status, &json!({ "error": error }))
}
