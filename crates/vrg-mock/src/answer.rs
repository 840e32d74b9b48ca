//! Answers as the VRG writes them: JSON with `Content-Type: application/json;
//! charset=UTF-8`, bodiless `200`s, and errors as HTTP 400 (or the configured status) with
//! `{"errorCode","errorDes"}` in the request's language.

use bytes::Bytes;
use http::header::{ALLOW, HeaderValue};
use http::{Method, Response, StatusCode};
use serde_json::{Map, Value};
use storkit_mock::{MockBody, reply};

use crate::codes::{self, Lang};
use crate::config::SeedShapes;
use crate::wire::WireError;

/// The content type of every JSON answer (§2.1.2).
pub(crate) const JSON: &str = "application/json; charset=UTF-8";

/// Why a request is refused: the status and the `errorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
}

impl Refusal {
    /// The document's way: HTTP 400 with `code`.
    pub(crate) fn code(code: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
        }
    }
}

impl From<WireError> for Refusal {
    fn from(error: WireError) -> Self {
        Self::code(error.code)
    }
}

/// What a route answers: a response, or a refusal the caller writes in the right language.
pub(crate) type Answer = Result<Response<MockBody>, Refusal>;

/// `200` with `value` as JSON.
pub(crate) fn json(value: &Value) -> Response<MockBody> {
    reply::with_type(StatusCode::OK, JSON, Bytes::from(value.to_string()))
}

/// `200` with no body.
pub(crate) fn empty() -> Response<MockBody> {
    reply::status(StatusCode::OK)
}

/// The error body for `code`: `errorCode` a string (or a number with the seed-shape
/// toggle), `errorDes` in `lang`.
pub(crate) fn error(
    shapes: &SeedShapes,
    lang: Lang,
    status: StatusCode,
    code: &'static str,
) -> Response<MockBody> {
    let mut body = Map::new();
    let code_value = match code.parse::<u64>() {
        Ok(number) if shapes.numeric_error_code => Value::from(number),
        _ => Value::from(code),
    };
    body.insert("errorCode".to_owned(), code_value);
    body.insert(
        "errorDes".to_owned(),
        Value::from(codes::describe(code, lang).unwrap_or_default()),
    );
    reply::with_type(status, JSON, Bytes::from(Value::Object(body).to_string()))
}

/// A refusal written out.
pub(crate) fn refusal(shapes: &SeedShapes, lang: Lang, refusal: Refusal) -> Response<MockBody> {
    error(shapes, lang, refusal.status, refusal.code)
}

/// `404` for a path the VRG does not serve, with the error body (`10440101`, mock choice:
/// the document gives no code for it).
pub(crate) fn not_found(shapes: &SeedShapes, lang: Lang) -> Response<MockBody> {
    error(
        shapes,
        lang,
        StatusCode::NOT_FOUND,
        codes::INVALID_PARAMETER,
    )
}

/// `405` with `Allow` and the error body (`10440101`, mock choice).
pub(crate) fn method_not_allowed(
    shapes: &SeedShapes,
    lang: Lang,
    allow: &[Method],
) -> Response<MockBody> {
    let mut response = error(
        shapes,
        lang,
        StatusCode::METHOD_NOT_ALLOWED,
        codes::INVALID_PARAMETER,
    );
    let allow = allow
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}
