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
#[non_exhaustive]
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
    pub(crate) resent_after_unknown: bool,
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

    /// Decodes the XML body with serde (quick-xml), e.g. HCP's attribute-heavy `/proc`
    /// documents: map attributes with `#[serde(rename = "@name")]` and repeated child elements
    /// with `#[serde(rename = "child", default)] Vec<_>`.
    ///
    /// The body must be UTF-8 (a leading byte-order mark is skipped); an `encoding` other
    /// than UTF-8 in the XML declaration is not honoured. Any failure, including invalid
    /// UTF-8, malformed XML, a shape that does not fit `T`, or nesting deeper than 128
    /// levels, is an [`ErrorKind::Decode`] error carrying the request line, node and status,
    /// like [`Response::json`]. The root element's name is not checked, and elements and
    /// attributes that `T` does not name are skipped.
    ///
    /// Size: the body was read into memory under the client's
    /// [`max_response_body`](crate::ClientBuilder::max_response_body) limit (64 MiB by
    /// default), so decoding works on a bounded input; lower that limit for clients that
    /// only read small XML documents. Entities declared in a document type declaration are
    /// not expanded (using one is an error), so entity expansion cannot inflate it.
    ///
    /// Only with the `xml` cargo feature.
    ///
    /// ```
    /// # fn example(response: storkit_core::Response) -> Result<(), storkit_core::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Namespaces {
    ///     #[serde(rename = "namespace", default)]
    ///     items: Vec<Namespace>,
    /// }
    /// #[derive(serde::Deserialize)]
    /// struct Namespace {
    ///     #[serde(rename = "@name")]
    ///     name: String,
    ///     #[serde(rename = "@versioningEnabled")]
    ///     versioning_enabled: bool,
    /// }
    ///
    /// // <namespaces><namespace name="n1" versioningEnabled="true"/></namespaces>
    /// let namespaces: Namespaces = response.xml()?;
    /// for namespace in &namespaces.items {
    ///     println!("{}: versioning {}", namespace.name, namespace.versioning_enabled);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "xml")]
    pub fn xml<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        let text = std::str::from_utf8(&self.body)
            .map_err(|e| self.decode_error("XML body is not UTF-8", e))?;
        quick_xml::de::from_str(text).map_err(|e| self.decode_error("invalid XML body", e))
    }

    /// The node that answered.
    pub fn node(&self) -> IpAddr {
        self.meta.node
    }

    /// Attempts made (1 when the first attempt succeeded).
    pub fn attempts(&self) -> u32 {
        self.meta.attempts
    }

    /// True when this response answers a resend made after an earlier attempt whose
    /// outcome is unknown (it may have reached the server). A vendor crate reads a
    /// `409 Conflict` or `404 Not Found` to such a resend as the trace of its own earlier
    /// attempt, not as someone else's object.
    pub fn resent_after_unknown_outcome(&self) -> bool {
        self.meta.resent_after_unknown
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

    /// True when this response answers a resend made after an earlier attempt whose
    /// outcome is unknown (it may have reached the server). A vendor crate reads a
    /// `409 Conflict` or `404 Not Found` to such a resend as the trace of its own earlier
    /// attempt, not as someone else's object.
    pub fn resent_after_unknown_outcome(&self) -> bool {
        self.meta.resent_after_unknown
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

#[cfg(all(test, feature = "xml"))]
mod xml_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    fn response(body: impl Into<Bytes>) -> Response {
        Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: body.into(),
            meta: Meta {
                method: Method::GET,
                path: "/proc".to_owned(),
                node: IpAddr::from([127, 0, 0, 2]),
                attempts: 1,
                resent_after_unknown: false,
                request_id: None,
                timings: Timings {
                    connect: None,
                    first_byte: Duration::ZERO,
                    total: Duration::ZERO,
                },
                connection: None,
            },
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Namespaces {
        #[serde(rename = "@tenantHostName")]
        tenant_host_name: Option<String>,
        #[serde(rename = "@httpScheme")]
        http_scheme: Option<String>,
        #[serde(rename = "namespace", default)]
        items: Vec<Namespace>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Namespace {
        #[serde(rename = "@name")]
        name: String,
        #[serde(rename = "@nameIDNA")]
        name_idna: Option<String>,
        #[serde(rename = "@versioningEnabled")]
        versioning_enabled: bool,
        #[serde(rename = "@searchEnabled", default)]
        search_enabled: bool,
        #[serde(rename = "@retentionMode")]
        retention_mode: Option<String>,
        #[serde(rename = "@dpl")]
        dpl: Option<u32>,
        description: Option<String>,
    }

    /// HCP's documented `/proc` shape: a stylesheet instruction, schema attributes, root
    /// attributes, attribute-heavy elements and a CDATA child.
    const PROC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="/static/xsl/proc-namespaces.xsl"?>
<namespaces xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="/static/xsd/proc-namespaces.xsd" tenantHostName="t1.store.example.test" httpScheme="https"><namespace name="n1" nameIDNA="n1" versioningEnabled="true" searchEnabled="false" retentionMode="enterprise" defaultShredValue="false" defaultIndexValue="true" defaultRetentionValue="0" hashScheme="SHA-256" dpl="2"><description><![CDATA[first <namespace> & more]]></description></namespace><namespace name="n2" versioningEnabled="false"/></namespaces>"#;

    #[test]
    fn decodes_attribute_heavy_proc_xml() {
        let namespaces: Namespaces = response(PROC).xml().unwrap();
        assert_eq!(
            namespaces,
            Namespaces {
                tenant_host_name: Some("t1.store.example.test".to_owned()),
                http_scheme: Some("https".to_owned()),
                items: vec![
                    Namespace {
                        name: "n1".to_owned(),
                        name_idna: Some("n1".to_owned()),
                        versioning_enabled: true,
                        search_enabled: false,
                        retention_mode: Some("enterprise".to_owned()),
                        dpl: Some(2),
                        description: Some("first <namespace> & more".to_owned()),
                    },
                    Namespace {
                        name: "n2".to_owned(),
                        name_idna: None,
                        versioning_enabled: false,
                        search_enabled: false,
                        retention_mode: None,
                        dpl: None,
                        description: None,
                    },
                ],
            }
        );
    }

    #[test]
    fn decodes_root_attributes_an_empty_list_and_a_byte_order_mark() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Statistics {
            #[serde(rename = "@namespaceName")]
            namespace_name: String,
            #[serde(rename = "@totalCapacityBytes")]
            total_capacity_bytes: u64,
            #[serde(rename = "@objectCount")]
            object_count: u64,
        }
        let body = "\u{feff}<statistics namespaceName=\"n&amp;1\" totalCapacityBytes=\"18446744073709551615\" objectCount=\"3\"/>";
        let statistics: Statistics = response(body).xml().unwrap();
        assert_eq!(
            statistics,
            Statistics {
                namespace_name: "n&1".to_owned(),
                total_capacity_bytes: u64::MAX,
                object_count: 3,
            }
        );
        let empty: Namespaces = response("<namespaces/>").xml().unwrap();
        assert!(empty.items.is_empty());
    }

    #[test]
    fn malformed_xml_is_a_decode_error_with_the_request_context() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><namespaces><namespace name="&lol2;" versioningEnabled="true"/></namespaces>"#;
        let cases: [(&str, Bytes); 10] = [
            ("empty", Bytes::new()),
            ("not XML", Bytes::from_static(b"{\"json\": true}")),
            ("unclosed", Bytes::from_static(b"<namespaces><namespace name=\"n1\" versioningEnabled=\"true\">")),
            ("mismatched", Bytes::from_static(b"<namespaces></namespace>")),
            ("unquoted attribute", Bytes::from_static(b"<namespaces><namespace name=n1 versioningEnabled=\"true\"/></namespaces>")),
            ("duplicate attribute", Bytes::from_static(b"<namespaces><namespace name=\"a\" name=\"b\" versioningEnabled=\"true\"/></namespaces>")),
            ("not a bool", Bytes::from_static(b"<namespaces><namespace name=\"n1\" versioningEnabled=\"maybe\"/></namespaces>")),
            ("missing attribute", Bytes::from_static(b"<namespaces><namespace versioningEnabled=\"true\"/></namespaces>")),
            ("invalid UTF-8", Bytes::from_static(b"<namespaces tenantHostName=\"\xff\xfe\"/>")),
            ("entity expansion", Bytes::from(laughs)),
        ];
        for (case, body) in cases {
            let err = response(body).xml::<Namespaces>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{case}: {err:?}");
            assert_eq!(err.method(), Some(&Method::GET), "{case}");
            assert_eq!(err.path(), Some("/proc"), "{case}");
            assert_eq!(err.node(), Some(IpAddr::from([127, 0, 0, 2])), "{case}");
            assert_eq!(err.status(), Some(StatusCode::OK), "{case}");
            assert!(std::error::Error::source(&err).is_some(), "{case}");
            let text = err.to_string();
            assert!(
                text.starts_with("GET /proc (node 127.0.0.2): "),
                "{case}: {text}"
            );
            assert!(text.contains("XML body"), "{case}: {text}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_or_skipped_without_overflowing_the_stack() {
        // Nesting inside elements `T` does not name is skipped without recursion.
        let skipped = format!(
            "<namespaces>{}{}</namespaces>",
            "<x>".repeat(100_000),
            "</x>".repeat(100_000)
        );
        let namespaces: Namespaces = response(skipped).xml().unwrap();
        assert!(namespaces.items.is_empty());
        // Nesting that `T` follows stops at quick-xml's recursion limit.
        #[derive(Debug, Deserialize)]
        struct Nested {
            #[allow(dead_code)]
            a: Option<Box<Nested>>,
        }
        let deep = format!("<a>{}{}</a>", "<a>".repeat(50_000), "</a>".repeat(50_000));
        let err = response(deep).xml::<Nested>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(
            matches!(
                err.detail::<quick_xml::de::DeError>(),
                Some(quick_xml::de::DeError::TooDeeplyNested(128))
            ),
            "{err:?}"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let response = response(body);
            let _ = response.xml::<Namespaces>();
            let _ = response.xml::<std::collections::BTreeMap<String, String>>();
            let _ = response.xml::<serde::de::IgnoredAny>();
        }

        #[test]
        fn xml_like_text_never_panics(
            body in "(<namespaces( tenantHostName=\"[a-z&;#0-9]{0,6}\")?>)?([<>/=\"' a-zA-Z0-9!?&;#\\[\\]-]|<namespace |<!\\[CDATA\\[|\\]\\]>|<!--|-->|<\\?|\\?>|&amp;|&#x[0-9a-f]{1,8};| name=\"n\"| versioningEnabled=\"true\"|/>|</namespace>|<description>){0,40}"
        ) {
            let response = response(body);
            let _ = response.xml::<Namespaces>();
            let _ = response.xml::<std::collections::BTreeMap<String, String>>();
            let _ = response.xml::<serde::de::IgnoredAny>();
        }
    }
}
