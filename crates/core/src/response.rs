//! Responses: buffered, or streaming under the request's deadline.

use std::fmt;
use std::future::Future as _;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, Method, StatusCode};
use http_body::Body as _;
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

use crate::error::{Error, ErrorKind, Phase};

/// Where the time of one exchange went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// TCP + TLS establishment, when this request opened a new connection; `None` when it
    /// reused a pooled one.
    pub connect: Option<Duration>,
    /// From sending the request (including any connect) to the response head.
    pub first_byte: Duration,
    /// From sending to the last body byte (buffered responses); for a streaming response,
    /// the time to the head until the body is read ([`ResponseBody::total`]).
    pub total: Duration,
}

/// Facts about the exchange shared by both response kinds.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) node: IpAddr,
    pub(crate) attempts: u32,
    pub(crate) request_id: Option<String>,
    pub(crate) timings: Timings,
    pub(crate) connection: Option<u64>,
}

/// A response whose body has been read into memory (bounded by the client's
/// `max_response_body`).
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) meta: Meta,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present and valid UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(|e| self.decode_error("body is not UTF-8", e))
    }

    /// Decodes the JSON body.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error("invalid JSON body", e))
    }

    /// The node that answered.
    pub fn node(&self) -> IpAddr {
        self.meta.node
    }

    /// Attempts made (1 when the first attempt succeeded).
    pub fn attempts(&self) -> u32 {
        self.meta.attempts
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// Connect, first-byte and total times.
    pub fn timings(&self) -> Timings {
        self.meta.timings
    }

    /// A process-unique number of the connection that carried the response: equal numbers
    /// mean a reused keep-alive connection.
    pub fn connection_id(&self) -> Option<u64> {
        self.meta.connection
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Returns the response for 2xx, else an error whose kind follows the status.
    pub fn error_for_status(self) -> Result<Self, Error> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.to_error())
        }
    }

    /// An error for this response: kind from the status, with the request line, node,
    /// request id and body attached. Vendors add their decoded detail with
    /// [`Error::with_source`].
    pub fn to_error(&self) -> Error {
        let mut e = Error::new(ErrorKind::from_status(self.status))
            .with_request(&self.meta.method, &self.meta.path)
            .with_node(self.meta.node)
            .with_status(self.status)
            .with_body(self.body.clone())
            .with_attempts(self.meta.attempts);
        if let Some(id) = &self.meta.request_id {
            e = e.with_request_id(id.clone());
        }
        e
    }

    /// A [`ErrorKind::Decode`] error about this response.
    pub fn decode_error(&self, message: &str, source: impl Into<crate::error::BoxError>) -> Error {
        Error::decode(message)
            .with_request(&self.meta.method, &self.meta.path)
            .with_node(self.meta.node)
            .with_status(self.status)
            .with_source(source)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status.as_u16())
            .field("node", &self.meta.node)
            .field("body_len", &self.body.len())
            .field("timings", &self.meta.timings)
            .finish()
    }
}

/// A response whose body is read as it arrives.
pub struct StreamingResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: ResponseBody,
    pub(crate) meta: Meta,
}

impl StreamingResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present and valid UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The node that answered.
    pub fn node(&self) -> IpAddr {
        self.meta.node
    }

    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.meta.attempts
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// Connect and first-byte times (the total is on the body once it is read).
    pub fn timings(&self) -> Timings {
        self.meta.timings
    }

    /// A process-unique number of the connection that carried the response.
    pub fn connection_id(&self) -> Option<u64> {
        self.meta.connection
    }

    /// The body, to read chunk by chunk.
    pub fn body_mut(&mut self) -> &mut ResponseBody {
        &mut self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> ResponseBody {
        self.body
    }

    /// An error for a non-2xx status (the body is not read).
    pub fn to_error(&self) -> Error {
        let mut e = Error::new(ErrorKind::from_status(self.status))
            .with_request(&self.meta.method, &self.meta.path)
            .with_node(self.meta.node)
            .with_status(self.status)
            .with_attempts(self.meta.attempts);
        if let Some(id) = &self.meta.request_id {
            e = e.with_request_id(id.clone());
        }
        e
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status.as_u16())
            .field("node", &self.meta.node)
            .field("timings", &self.meta.timings)
            .finish()
    }
}

/// A response body read chunk by chunk, still under the request's deadline. Dropping it
/// before the end closes the connection rather than returning it to the pool.
pub struct ResponseBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    idle: Option<Duration>,
    started: Instant,
    total: Option<Duration>,
    read: u64,
    method: Method,
    path: String,
    node: IpAddr,
}

impl ResponseBody {
    pub(crate) fn new(
        inner: Incoming,
        deadline: Instant,
        started: Instant,
        method: Method,
        path: String,
        node: IpAddr,
    ) -> Self {
        ResponseBody {
            inner,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            idle: None,
            started,
            total: None,
            read: 0,
            method,
            path,
            node,
        }
    }

    /// Bounds the body by idle periods instead of the attempt deadline: reading fails
    /// when no data arrived for `idle`.
    pub(crate) fn with_idle_timeout(mut self, idle: Option<Duration>) -> Self {
        if let Some(d) = idle {
            self.deadline.as_mut().reset(Instant::now() + d);
        }
        self.idle = idle;
        self
    }

    /// The next chunk, or `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_chunk(cx)).await
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// The time from sending to the last byte, once the body has been read to the end.
    pub fn total(&self) -> Option<Duration> {
        self.total
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>, Error>> {
        loop {
            if self.total.is_some() {
                return Poll::Ready(Ok(None));
            }
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.read += data.len() as u64;
                        if let Some(idle) = self.idle {
                            self.deadline.as_mut().reset(Instant::now() + idle);
                        }
                        return Poll::Ready(Ok(Some(data)));
                    }
                    // Trailers: nothing to hand out; read on.
                }
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Err(self.error(
                        ErrorKind::Io,
                        "body read failed",
                        Some(e),
                    )));
                }
                Poll::Ready(None) => {
                    self.total = Some(self.started.elapsed());
                    return Poll::Ready(Ok(None));
                }
                Poll::Pending => {
                    if self.deadline.as_mut().poll(cx).is_ready() {
                        let message = if self.idle.is_some() {
                            "no body data within idle_timeout"
                        } else {
                            "deadline passed while reading the body"
                        };
                        return Poll::Ready(Err(self.error(ErrorKind::Timeout, message, None)));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    fn error(&self, kind: ErrorKind, msg: &str, source: Option<hyper::Error>) -> Error {
        let mut e = Error::new(kind)
            .with_phase(Phase::Responded)
            .with_request(&self.method, &self.path)
            .with_node(self.node)
            .with_message(msg);
        if let Some(s) = source {
            e = e.with_source(s);
        }
        e
    }
}

impl Stream for ResponseBody {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("read", &self.read)
            .field("done", &self.total.is_some())
            .finish()
    }
}
