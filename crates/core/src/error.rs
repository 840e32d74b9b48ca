//! The one error type of the transport, with a kind that says whether it is retried.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;

use bytes::Bytes;
use http::{Method, StatusCode};

/// A boxed error that can cross threads; the vendor detail of an [`Error`] is one.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// How far a request got before it failed: the input to "is a resend safe?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Nothing reached the server: resolution, TCP connect or the TLS handshake failed,
    /// or the request was refused before sending. A resend is safe for any method.
    NotSent,
    /// The request may have reached the server but no complete response came back
    /// (reset, early close, timeout). Only idempotent requests are resent.
    MaybeSent,
    /// The server answered; the status and body say what happened.
    Responded,
}

/// What went wrong, and whether the transport retries it by itself.
///
/// The retry behaviour below is the core's default [`RetryPolicy`](crate::RetryPolicy);
/// a vendor [`Classifier`](crate::Classifier) can retry more (for example a "resource
/// locked" error) but the core never resends a non-idempotent request that may have been
/// processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client or the request is invalid: bad URL, header, TLS material. Never retried.
    Config,
    /// The host name could not be resolved, or resolved to nothing. Not retried; the node
    /// pool keeps the addresses it had.
    Resolve,
    /// The TCP connection could not be opened (refused, unreachable, connect timeout).
    /// Nothing was sent: the request moves to the next node, whatever its method.
    Connect,
    /// The TLS handshake failed (certificate rejected by the policy, protocol error).
    /// Not retried: every node of a system presents the same certificate.
    Tls,
    /// The per-request deadline passed. Retried only for idempotent requests.
    Timeout,
    /// The connection failed after the request was (maybe) sent: reset, early close,
    /// truncated body. Retried only for idempotent requests.
    Io,
    /// HTTP 401. Resent once after re-authentication when the vendor classifier asks.
    Unauthenticated,
    /// HTTP 403. Not retried.
    PermissionDenied,
    /// HTTP 404. Not retried.
    NotFound,
    /// HTTP 409. Not retried by default.
    Conflict,
    /// HTTP 412. Not retried.
    PreconditionFailed,
    /// HTTP 429 or 503: the server declined the request. Retried for any method with
    /// backoff, honouring `Retry-After`.
    Throttled,
    /// Another HTTP 4xx. Not retried.
    ClientError,
    /// Another HTTP 5xx. Not retried by default (a vendor classifier may).
    ServerError,
    /// The response body could not be decoded or was too large. Not retried.
    Decode,
    /// A vendor-specific failure (a failed job, a vendor error code); the vendor detail is
    /// the [`source`](StdError::source). Retry is the vendor classifier's decision.
    Vendor,
    /// Waiting for an asynchronous job gave up (attempts or deadline). Not retried.
    Poll,
    /// The caller cancelled the operation. Not retried.
    Cancelled,
}

impl ErrorKind {
    /// The kind for an HTTP status that is not a success.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthenticated,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            429 | 503 => Self::Throttled,
            400..=499 => Self::ClientError,
            _ => Self::ServerError,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Config => "invalid configuration or request",
            Self::Resolve => "name resolution failed",
            Self::Connect => "connection failed",
            Self::Tls => "TLS handshake failed",
            Self::Timeout => "timed out",
            Self::Io => "connection broke",
            Self::Unauthenticated => "not authenticated",
            Self::PermissionDenied => "permission denied",
            Self::NotFound => "not found",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition failed",
            Self::Throttled => "server busy",
            Self::ClientError => "request rejected",
            Self::ServerError => "server error",
            Self::Decode => "unexpected response",
            Self::Vendor => "operation failed",
            Self::Poll => "gave up waiting",
            Self::Cancelled => "cancelled",
        }
    }
}

/// An error from the transport or from a vendor crate built on it.
///
/// It carries the [`ErrorKind`], the [`Phase`], the request line (method and path, never
/// the query string), the node, the HTTP status and request id when there was a response,
/// and the vendor detail as its [`source`](StdError::source). Its `Display` never shows
/// credentials or query strings.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    phase: Phase,
    method: Option<Method>,
    path: Option<String>,
    node: Option<IpAddr>,
    status: Option<StatusCode>,
    request_id: Option<String>,
    message: Option<String>,
    attempts: u32,
    body: Option<Bytes>,
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind`; the phase defaults to [`Phase::NotSent`].
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                phase: Phase::NotSent,
                method: None,
                path: None,
                node: None,
                status: None,
                request_id: None,
                message: None,
                attempts: 0,
                body: None,
                source: None,
            }),
        }
    }

    /// A [`ErrorKind::Config`] error with a message.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config).with_message(message)
    }

    /// A [`ErrorKind::Decode`] error with a message.
    pub fn decode(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode)
            .with_phase(Phase::Responded)
            .with_message(message)
    }

    /// A [`ErrorKind::Vendor`] error whose source is the vendor's detail.
    pub fn vendor(detail: impl Into<BoxError>) -> Self {
        Self::new(ErrorKind::Vendor)
            .with_phase(Phase::Responded)
            .with_source(detail)
    }

    /// Sets a short human message (no secrets, no query strings).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Sets the phase.
    pub fn with_phase(mut self, phase: Phase) -> Self {
        self.inner.phase = phase;
        self
    }

    /// Sets the kind (for example when a vendor maps a status to a better kind).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// Sets the request line; any query string in `path` is dropped.
    pub fn with_request(mut self, method: &Method, path: &str) -> Self {
        self.inner.method = Some(method.clone());
        let path = path.split('?').next().unwrap_or_default();
        self.inner.path = Some(path.to_owned());
        self
    }

    /// Sets the node the request went to.
    pub fn with_node(mut self, node: IpAddr) -> Self {
        self.inner.node = Some(node);
        self
    }

    /// Sets the HTTP status and the phase [`Phase::Responded`].
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self.inner.phase = Phase::Responded;
        self
    }

    /// Sets the server's request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.inner.request_id = Some(id.into());
        self
    }

    /// Keeps the response body for the caller (never shown by `Display`).
    pub fn with_body(mut self, body: Bytes) -> Self {
        self.inner.body = Some(body);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// How far the request got.
    pub fn phase(&self) -> Phase {
        self.inner.phase
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The method of the failed request.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The path of the failed request, without its query string.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The node the (last) attempt went to.
    pub fn node(&self) -> Option<IpAddr> {
        self.inner.node
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The short message, if any.
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// How many attempts were made (0 when the error came before any attempt).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The response body, when the error came from a response.
    pub fn body(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// The vendor detail (or other cause), downcast to `T`.
    pub fn detail<T: StdError + 'static>(&self) -> Option<&T> {
        self.inner
            .source
            .as_deref()
            .and_then(|s| s.downcast_ref::<T>())
    }

    /// True when the error is a timeout.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let (Some(m), Some(p)) = (&i.method, &i.path) {
            write!(f, "{m} {p}")?;
            if let Some(node) = i.node {
                write!(f, " (node {node})")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(i.kind.describe())?;
        if let Some(status) = i.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(msg) = &i.message {
            write!(f, ": {msg}")?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        if i.attempts > 1 {
            write!(f, " after {} attempts", i.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("phase", &i.phase);
        if let Some(m) = &i.method {
            d.field("method", m);
        }
        if let Some(p) = &i.path {
            d.field("path", p);
        }
        if let Some(n) = &i.node {
            d.field("node", n);
        }
        if let Some(s) = &i.status {
            d.field("status", &s.as_u16());
        }
        if let Some(r) = &i.request_id {
            d.field("request_id", r);
        }
        if let Some(m) = &i.message {
            d.field("message", m);
        }
        if i.attempts > 0 {
            d.field("attempts", &i.attempts);
        }
        if let Some(b) = &i.body {
            d.field("body_len", &b.len());
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<crate::tls::TlsError> for Error {
    fn from(e: crate::tls::TlsError) -> Self {
        Error::new(ErrorKind::Config).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_drops_query_and_names_node() {
        let e = Error::new(ErrorKind::Connect)
            .with_request(&Method::GET, "/objects?token=secret")
            .with_node("127.0.0.11".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])))
            .with_message("refused");
        let s = e.to_string();
        assert_eq!(
            s,
            "GET /objects (node 127.0.0.11): connection failed: refused"
        );
        assert!(!format!("{e:?}").contains("secret"));
    }

    #[test]
    fn status_kinds() {
        assert_eq!(
            ErrorKind::from_status(StatusCode::SERVICE_UNAVAILABLE),
            ErrorKind::Throttled
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::TOO_MANY_REQUESTS),
            ErrorKind::Throttled
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::UNAUTHORIZED),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::BAD_REQUEST),
            ErrorKind::ClientError
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::BAD_GATEWAY),
            ErrorKind::ServerError
        );
    }
}
