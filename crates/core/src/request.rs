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
use crate::encode::{QueryPart, check_raw_query, encode_query};
pub use crate::encode::{
    QueryStyle, RequestPath, encode_path_literal, encode_path_segment, encode_path_text,
    form_encode_into,
};
use crate::error::Error;
use crate::retry::{RetryBudget, RetryPolicy};

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
/// The path is encoded as [`RequestPath`] says (text by default: what a request target
/// cannot carry, such as space or `#`, is percent-encoded; `?` in a path is data, so the
/// query goes through [`query`](Request::query)). Builder methods never panic: an invalid
/// header, path or option is remembered and reported as an
/// [`ErrorKind::Config`](crate::ErrorKind::Config) error when the request is sent.
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<QueryPart>,
    pub(crate) query_style: Option<QueryStyle>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    pub(crate) idempotent: Option<bool>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) host: Option<String>,
    pub(crate) node: Option<IpAddr>,
    pub(crate) auth: AuthChoice,
    pub(crate) error: Option<Error>,
}

impl Request {
    /// A request for `path`, relative to the client's base URL: text (encoded as needed),
    /// or a [`RequestPath::literal`] / [`RequestPath::encoded`] path.
    pub fn new(method: Method, path: impl Into<RequestPath>) -> Self {
        let (path, error) = match path.into().into_encoded() {
            Ok(p) => (p, None),
            Err(e) => (String::new(), Some(e)),
        };
        Request {
            method,
            path,
            query: Vec::new(),
            query_style: None,
            headers: HeaderMap::new(),
            body: Body::empty(),
            idempotent: None,
            timeout: None,
            operation_timeout: None,
            idle_timeout: None,
            retry: None,
            budget: None,
            host: None,
            node: None,
            auth: AuthChoice::Client,
            error,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::DELETE, path)
    }

    /// `HEAD path`.
    pub fn head(path: impl Into<RequestPath>) -> Self {
        Request::new(Method::HEAD, path)
    }

    /// Appends `key=value` to the query, encoded when the request is sent in the
    /// request's or else the client's [`QueryStyle`] (form style by default: space as
    /// `+`, `+` as `%2B`; `key=` for an empty value).
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.query
            .push(QueryPart::Pair(key.to_owned(), value.to_owned()));
        self
    }

    /// Appends an already-encoded query fragment, sent byte for byte (for vendors with
    /// their own rules). A fragment with a character no query can carry (`#`, space,
    /// control bytes, non-ASCII) or a malformed `%` escape fails the request.
    pub fn raw_query(mut self, fragment: &str) -> Self {
        let fragment = fragment.trim_start_matches('?');
        if !fragment.is_empty() {
            match check_raw_query(fragment) {
                Ok(()) => self.query.push(QueryPart::Raw(fragment.to_owned())),
                Err(e) => self.fail(e),
            }
        }
        self
    }

    /// Encodes this request's query in `style` instead of the client's.
    pub fn query_style(mut self, style: QueryStyle) -> Self {
        self.query_style = Some(style);
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

    /// Declares whether sending the request twice is harmless, overriding the client's
    /// rule ([`ClientBuilder::idempotent_methods`](crate::ClientBuilder::idempotent_methods);
    /// by default GET, HEAD, PUT, DELETE and OPTIONS are idempotent, POST and PATCH are
    /// not). A request that is not idempotent is never resent once it may have reached the
    /// server, whatever a classifier says.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// A deadline for each attempt of this request, covering the response head and a
    /// buffered body (the client's `request_timeout` otherwise).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// One deadline for the whole operation: name resolution, every attempt, failover to
    /// other nodes and the waits between retries (the client's `operation_timeout`
    /// otherwise).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// For streaming bodies (an upload from a stream, or
    /// [`Client::send_streaming`](crate::Client::send_streaming)): fail when no byte moved
    /// for this long, instead of bounding the whole transfer by the attempt timeout. A
    /// multi-GiB transfer then needs no guess of its total duration.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The retry policy for this request instead of the client's (for example
    /// [`RetryPolicy::never`] for a login, or a request that moves the server's own
    /// address). Failover to another node after a connect failure still happens.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Counts this request's retries in `budget`, shared with other requests of one larger
    /// operation (a request and its resends after an asynchronous job failed): the retry
    /// limits are measured from the budget's start and its retries, not this request's.
    pub fn retry_budget(mut self, budget: &RetryBudget) -> Self {
        self.budget = Some(budget.clone());
        self
    }

    /// Sends this request under another name of the same system: `Host` and TLS SNI (and
    /// the certificate name check) carry `name`, TCP still goes to the client's nodes.
    /// Requests under different names never share a connection.
    pub fn host(mut self, name: &str) -> Self {
        match crate::client::validate_host(name) {
            Ok(()) => self.host = Some(name.to_owned()),
            Err(e) => self.fail(e),
        }
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

    /// The encoded path, without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoded query, without `?`, in the request's query style (form style unless
    /// set; the client may encode in its own style when the request has none).
    pub fn query_string(&self) -> String {
        encode_query(&self.query, self.query_style.unwrap_or_default())
    }

    /// The query encoded in the request's style, else `default`.
    pub(crate) fn encoded_query(&self, default: QueryStyle) -> String {
        encode_query(&self.query, self.query_style.unwrap_or(default))
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether the request may be sent twice, by its own declaration or the default
    /// method rule (GET, HEAD, PUT, DELETE, OPTIONS).
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
            .field("host", &self.host)
            .field("node", &self.node)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn query_encoding() {
        let r = Request::get("/rest/x")
            .query("type", "a b+c")
            .query("empty", "")
            .query("ü", "/");
        assert_eq!(r.query_string(), "type=a+b%2Bc&empty=&%C3%BC=%2F");
        let r = r.query_style(QueryStyle::Rfc3986);
        assert_eq!(r.query_string(), "type=a%20b%2Bc&empty=&%C3%BC=%2F");
        let r = Request::get("/x").raw_query("?already=1").query("b", "2");
        assert_eq!(r.query_string(), "already=1&b=2");
    }

    #[test]
    fn a_question_mark_in_a_path_is_data() {
        let r = Request::get("/x?already=1");
        assert_eq!(r.path(), "/x%3Falready=1");
        assert_eq!(r.query_string(), "");
        assert_eq!(Request::delete("/rest/a#b").path(), "/rest/a%23b");
    }

    #[test]
    fn unsendable_targets_are_errors() {
        assert!(Request::get(RequestPath::encoded("/a b")).error.is_some());
        assert!(Request::get("/a").raw_query("x=1#2").error.is_some());
        assert!(Request::get("/a").host("bad host").error.is_some());
        assert!(
            Request::get("/a")
                .host("ns.tenant.store.example")
                .error
                .is_none()
        );
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
        let r = Request::get("/x").query("token", "abc").sensitive_header(
            "remote-authorization",
            &SecretString::from("Session s3cr3t"),
        );
        let s = format!("{r:?}");
        assert!(!s.contains("abc"));
        assert!(!s.contains("s3cr3t"));
        assert!(s.contains("remote-authorization"));
    }
}
