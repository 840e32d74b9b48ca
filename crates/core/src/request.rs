//! The description of one request, as a vendor crate builds it.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{Authenticator, sensitive_value};
use crate::body::Body;
use crate::error::Error;

/// Which credentials a request carries.
#[derive(Clone, Default)]
pub(crate) enum AuthChoice {
    /// The client's authenticator, if it has one.
    #[default]
    Client,
    /// No credentials (version probes, login requests that carry their own).
    None,
    /// These credentials instead of the client's.
    Custom(Arc<dyn Authenticator>),
}

/// One request: method, path, query, headers, body and per-request options.
///
/// Builder methods never panic: an invalid header name or value is remembered and
/// reported as an [`ErrorKind::Config`](crate::ErrorKind::Config) error when the request
/// is sent.
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    pub(crate) idempotent: Option<bool>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) node: Option<IpAddr>,
    pub(crate) auth: AuthChoice,
    pub(crate) error: Option<Error>,
}

impl Request {
    /// A request for `path`, relative to the client's base URL. The path must already be
    /// percent-encoded (vendors differ in what they encode).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let mut path = path.into();
        let mut query = String::new();
        // A query written into the path is kept, not encoded a second time.
        if let Some(i) = path.find('?') {
            query = path[i + 1..].to_owned();
            path.truncate(i);
        }
        Request {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Body::empty(),
            idempotent: None,
            timeout: None,
            node: None,
            auth: AuthChoice::Client,
            error: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Request::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Request::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Request::new(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Request::new(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Request::new(Method::DELETE, path)
    }

    /// `HEAD path`.
    pub fn head(path: impl Into<String>) -> Self {
        Request::new(Method::HEAD, path)
    }

    /// Appends `key=value` to the query, form-encoded (space as `+`, `+` as `%2B`, UTF-8
    /// percent-encoded, `key=` for an empty value).
    pub fn query(mut self, key: &str, value: &str) -> Self {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        form_encode_into(key, &mut self.query);
        self.query.push('=');
        form_encode_into(value, &mut self.query);
        self
    }

    /// Appends an already-encoded query fragment as is (for vendors with their own rules).
    pub fn raw_query(mut self, fragment: &str) -> Self {
        if !fragment.is_empty() {
            if !self.query.is_empty() {
                self.query.push('&');
            }
            self.query.push_str(fragment.trim_start_matches('?'));
        }
        self
    }

    /// Sets a header (replacing any earlier value of that name).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => self.fail(Error::config("invalid header name or value")),
        }
        self
    }

    /// Sets a header whose value is a secret (for example `Remote-Authorization`); the
    /// value is marked sensitive and never printed.
    pub fn sensitive_header<K>(mut self, name: K, value: &SecretString) -> Self
    where
        K: TryInto<HeaderName>,
    {
        match (name.try_into(), sensitive_value(value.expose_secret())) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => self.fail(Error::config("invalid sensitive header")),
        }
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => {
                self.body = Body::from_bytes(bytes);
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(Error::config("cannot encode the JSON body").with_source(e)),
        }
        self
    }

    /// Declares whether sending the request twice is harmless. By default GET, HEAD, PUT,
    /// DELETE and OPTIONS are idempotent and POST and PATCH are not.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// A deadline for each attempt of this request, covering the whole response body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request to this node only (node affinity: a session and its jobs that
    /// live on one controller).
    pub fn on_node(mut self, ip: IpAddr) -> Self {
        self.node = Some(ip);
        self
    }

    /// Uses these credentials instead of the client's.
    pub fn auth(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = AuthChoice::Custom(auth);
        self
    }

    /// Sends no credentials.
    pub fn without_auth(mut self) -> Self {
        self.auth = AuthChoice::None;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoded query, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether the request may be sent twice.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query may carry tokens and header values may be secrets: print names only.
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("has_query", &!self.query.is_empty())
            .field("headers", &names)
            .field("body", &self.body)
            .field("node", &self.node)
            .finish()
    }
}

/// Appends `s` form-urlencoded (`application/x-www-form-urlencoded`, UTF-8).
pub fn form_encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay; UTF-8 bytes
/// and everything else, `/` included, are encoded).
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn query_encoding() {
        let r = Request::get("/rest/x")
            .query("type", "a b+c")
            .query("empty", "")
            .query("ü", "/");
        assert_eq!(r.query_string(), "type=a+b%2Bc&empty=&%C3%BC=%2F");
        let r = Request::get("/x?already=1").query("b", "2");
        assert_eq!(r.path(), "/x");
        assert_eq!(r.query_string(), "already=1&b=2");
    }

    #[test]
    fn idempotency_defaults() {
        assert!(Request::get("/").is_idempotent());
        assert!(Request::put("/").is_idempotent());
        assert!(!Request::post("/").is_idempotent());
        assert!(Request::post("/").idempotent(true).is_idempotent());
    }

    #[test]
    fn bad_header_is_deferred_not_panicking() {
        let r = Request::get("/").header("bad header", "x");
        assert!(r.error.is_some());
    }

    #[test]
    fn debug_hides_query_and_header_values() {
        let r = Request::get("/x?token=abc").sensitive_header(
            "remote-authorization",
            &SecretString::from("Session s3cr3t"),
        );
        let s = format!("{r:?}");
        assert!(!s.contains("abc"));
        assert!(!s.contains("s3cr3t"));
        assert!(s.contains("remote-authorization"));
    }

    fn form_decode(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        out
    }

    proptest! {
        #[test]
        fn form_encoding_round_trips(s in ".*") {
            let mut enc = String::new();
            form_encode_into(&s, &mut enc);
            prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._*+%".contains(&b)));
            prop_assert_eq!(form_decode(&enc), s.as_bytes().to_vec());
        }

        #[test]
        fn path_segments_never_contain_separators(s in ".*") {
            let enc = encode_path_segment(&s);
            prop_assert!(!enc.contains('/') && !enc.contains('?') && !enc.contains('#'));
        }
    }
}
