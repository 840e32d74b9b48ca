//! Small response builders for handlers and faults.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};

use crate::body::{self, MockBody};

/// A response with `status` and an empty body.
pub fn status(status: StatusCode) -> Response<MockBody> {
    let mut response = Response::new(body::empty());
    *response.status_mut() = status;
    response
}

/// A response with `status`, `Content-Type: application/json` and `json` as the body.
///
/// `json` is sent as given: build it with [`crate::json::quote`] or a serializer.
pub fn json(status: StatusCode, json: impl Into<String>) -> Response<MockBody> {
    with_type(status, "application/json", Bytes::from(json.into()))
}

/// A response with `status`, `Content-Type: text/plain; charset=utf-8` and `text` as the body.
pub fn text(status: StatusCode, text: impl Into<String>) -> Response<MockBody> {
    with_type(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(text.into()),
    )
}

/// A response with `status`, the given `Content-Type` and `body`.
pub fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<MockBody> {
    let mut response = Response::new(body::full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Appends a header given as strings; a name or value that HTTP does not allow is skipped
/// with a warning, since a mock should not fail over a test's typo.
pub fn append_header(response: &mut Response<MockBody>, name: &str, value: &str) {
    match (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        (Ok(name), Ok(value)) => {
            response.headers_mut().append(name, value);
        }
        _ => tracing::warn!(name, value, "skipping a header that HTTP does not allow"),
    }
}
