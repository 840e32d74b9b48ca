//! A raw HTTP/1.1 test client over any stream: one request per connection
//! (`Connection: close`), written byte for byte as built, and the answer read to the end, so
//! tests control every header and byte and need no timer (it works on a paused Tokio clock).
//!
//! ```
//! use storkit_mock::raw::{self, RawRequest};
//! use storkit_mock::{MockServer, ServerConfig, demo::DemoApp};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let server = MockServer::start(ServerConfig::new(), DemoApp::new()).await?;
//! let addr = server.addrs()[0];
//!
//! let teapot = raw::exchange(addr, &RawRequest::new("GET", "/status/418")).await?;
//! assert_eq!(teapot.status, 418);
//!
//! let put = RawRequest::new("PUT", "/sink").body("application/octet-stream", "abc");
//! let sunk = raw::exchange(addr, &put).await?;
//! assert_eq!(sunk.status, 200);
//! assert_eq!(sunk.header("content-type"), Some("application/json"));
//! assert!(sunk.text().starts_with("{\"len\":3,"));
//! # Ok(())
//! # }
//! ```
//!
//! The reply's body is the bytes after the head as they came: a chunked answer keeps its
//! chunk framing.

use std::fmt::Display;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why an exchange gave no [`RawReply`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RawError {
    /// Connecting, or writing the request, failed.
    #[error("cannot send the request: {0}")]
    Io(#[from] io::Error),
    /// The answer has no complete head (no empty line after the headers).
    #[error("no response head in {0:?}")]
    NoHead(String),
    /// The head is not UTF-8.
    #[error("the response head is not UTF-8: {0:?}")]
    HeadNotUtf8(String),
    /// The first line is not `HTTP/<version> <3 digits>[ <reason>]`.
    #[error("bad status line {0:?}")]
    BadStatusLine(String),
    /// A header line has no `:`.
    #[error("bad header line {0:?}")]
    BadHeaderLine(String),
}

/// One request, built header by header and written exactly as built.
///
/// [`RawRequest::to_bytes`] writes the request line, `Host`, the headers in the order they
/// were set, `Content-Length` (when a body is set, and for `POST`, `PUT` and `PATCH` always,
/// `0` without a body), `Connection: close`, the empty line and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl RawRequest {
    /// A request for `target` (written as given: a path with its query, or anything else),
    /// with no header and no body.
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Replaces the request target.
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
    }

    /// Sets a header, replacing any of the same name (case-insensitive); it goes last.
    #[must_use]
    pub fn header(self, name: &str, value: &str) -> Self {
        let mut req = self.without(name);
        req.headers.push((name.to_owned(), value.to_owned()));
        req
    }

    /// Removes the headers called `name` (case-insensitive).
    #[must_use]
    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// Sets the body and its `Content-Type`.
    #[must_use]
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.raw_body(body).header("Content-Type", content_type)
    }

    /// Sets the body, leaving the headers alone.
    #[must_use]
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The bytes of the request, with `Host: {host}`.
    pub fn to_bytes(&self, host: impl Display) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\n",
            self.method, self.target
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = self.body.as_deref().unwrap_or_default();
        if self.body.is_some() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }
}

/// One answer, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawReply {
    /// The status code.
    pub status: u16,
    /// The headers in the order they came, names as written, values trimmed.
    pub headers: Vec<(String, String)>,
    /// Everything after the head.
    pub body: Vec<u8>,
}

impl RawReply {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Connects to `addr`, sends `req` with `Host: {addr}` and reads the whole answer (no
/// timeout: wrap it in one if the server may never close).
pub async fn exchange(addr: SocketAddr, req: &RawRequest) -> Result<RawReply, RawError> {
    let mut tcp = TcpStream::connect(addr).await?;
    exchange_on(&mut tcp, addr, req).await
}

/// Like [`exchange`] on a stream already open (a TLS stream, say), with `Host: {host}`.
///
/// The answer is read until the server closes; an error while reading ends it too (a server
/// closing after its answer may reset rather than close), keeping what came.
pub async fn exchange_on<S>(
    stream: &mut S,
    host: impl Display,
    req: &RawRequest,
) -> Result<RawReply, RawError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream.write_all(&req.to_bytes(host)).await?;
    stream.flush().await?;
    let mut raw = Vec::new();
    // Errors after some bytes are the server's way of closing; a missing head reports them.
    let _ = stream.read_to_end(&mut raw).await;
    parse_reply(&raw)
}

/// Parses an answer: status line, headers, empty line, body.
pub fn parse_reply(raw: &[u8]) -> Result<RawReply, RawError> {
    let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(RawError::NoHead(String::from_utf8_lossy(raw).into_owned()));
    };
    let head = std::str::from_utf8(&raw[..at])
        .map_err(|_| RawError::HeadNotUtf8(String::from_utf8_lossy(&raw[..at]).into_owned()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status(status_line).ok_or_else(|| RawError::BadStatusLine(status_line.into()))?;
    let headers = lines
        .map(|line| match line.split_once(':') {
            Some((n, v)) => Ok((n.trim().to_owned(), v.trim().to_owned())),
            None => Err(RawError::BadHeaderLine(line.to_owned())),
        })
        .collect::<Result<_, _>>()?;
    Ok(RawReply {
        status,
        headers,
        body: raw[at + 4..].to_vec(),
    })
}

/// The code of `HTTP/<version> <3 digits>[ <reason>]`.
fn status(line: &str) -> Option<u16> {
    let (version, rest) = line.split_once(' ')?;
    let (code, _reason) = rest.split_once(' ').unwrap_or((rest, ""));
    let valid =
        version.starts_with("HTTP/") && code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| code.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn text(req: &RawRequest) -> String {
        String::from_utf8(req.to_bytes("127.0.0.1:80")).unwrap()
    }

    #[test]
    fn a_get_has_no_length() {
        let req = RawRequest::new("GET", "/a?b=c")
            .header("Accept", "x")
            .header("X-One", "1")
            .header("accept", "y")
            .header("X-Gone", "z")
            .without("x-gone");
        assert_eq!(
            text(&req),
            "GET /a?b=c HTTP/1.1\r\nHost: 127.0.0.1:80\r\nX-One: 1\r\naccept: y\r\n\
             Connection: close\r\n\r\n"
        );
    }

    #[test]
    fn bodies_and_lengths() {
        for method in ["POST", "PUT", "PATCH"] {
            assert_eq!(
                text(&RawRequest::new(method, "/")),
                format!(
                    "{method} / HTTP/1.1\r\nHost: 127.0.0.1:80\r\nContent-Length: 0\r\n\
                     Connection: close\r\n\r\n"
                )
            );
        }
        let req = RawRequest::new("DELETE", "/x").body("text/plain", "hi");
        assert_eq!(
            text(&req),
            "DELETE /x HTTP/1.1\r\nHost: 127.0.0.1:80\r\nContent-Type: text/plain\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\nhi"
        );
        let req = RawRequest::new("POST", "/x")
            .raw_body(vec![0, 255])
            .target("*");
        assert_eq!(
            req.to_bytes("h"),
            b"POST * HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\n\0\xff"
        );
    }

    #[test]
    fn parses_a_reply() {
        let reply = parse_reply(
            b"HTTP/1.1 404 Not Found\r\nContent-Type:  text/plain \r\nX-A: b:c\r\n\r\nno\r\n\r\n",
        )
        .unwrap();
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.headers,
            [
                ("Content-Type".to_owned(), "text/plain".to_owned()),
                ("X-A".to_owned(), "b:c".to_owned())
            ]
        );
        assert_eq!(reply.header("content-type"), Some("text/plain"));
        assert_eq!(reply.header("x-b"), None);
        assert_eq!(reply.text(), "no\r\n\r\n");

        let bare = parse_reply(b"HTTP/1.0 204\r\n\r\n").unwrap();
        assert_eq!(
            (bare.status, bare.headers.len(), bare.body.len()),
            (204, 0, 0)
        );
    }

    #[test]
    fn malformed_replies_are_errors() {
        let error = |raw: &[u8]| parse_reply(raw).unwrap_err();
        assert!(matches!(error(b""), RawError::NoHead(s) if s.is_empty()));
        assert!(matches!(
            error(b"HTTP/1.1 200 OK\r\nA: b\r\n"),
            RawError::NoHead(_)
        ));
        assert!(matches!(
            error(b"HTTP/1.1 200 \xff\r\n\r\n"),
            RawError::HeadNotUtf8(_)
        ));
        for line in [
            "",
            "HTTP/1.1",
            "HTTP/1.1 ",
            "HTTP/1.1 20",
            "HTTP/1.1 2000 OK",
            "HTTP/1.1 2x0 OK",
            "HTTP/1.1 +20 OK",
            "HTTQ/1.1 200 OK",
            "garbage",
        ] {
            let raw = format!("{line}\r\nA: b\r\n\r\n");
            assert!(
                matches!(error(raw.as_bytes()), RawError::BadStatusLine(l) if l == line),
                "{line:?}"
            );
        }
        assert!(matches!(
            error(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"),
            RawError::BadHeaderLine(l) if l == "no colon"
        ));
    }

    #[tokio::test]
    async fn exchanges_on_a_stream() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        let answer = tokio::spawn(async move {
            let mut request = vec![0; 1024];
            let n = server.read(&mut request).await.unwrap();
            request.truncate(n);
            server
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await
                .unwrap();
            request
        });
        let reply = exchange_on(&mut client, "example", &RawRequest::new("GET", "/"))
            .await
            .unwrap();
        assert_eq!((reply.status, reply.text().as_str()), (200, "ok"));
        assert_eq!(
            answer.await.unwrap(),
            b"GET / HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn a_closed_connection_is_no_reply() {
        let (mut client, server) = tokio::io::duplex(1024);
        drop(server);
        // Writing to a dropped peer fails: an I/O error, not a panic.
        let error = exchange_on(&mut client, "h", &RawRequest::new("GET", "/"))
            .await
            .unwrap_err();
        assert!(matches!(error, RawError::Io(_)), "{error}");
    }
}
