use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use http::header::HOST;
use http::request::Parts;

use crate::handler::Ctx;
use crate::lock;
use crate::query::{self, QueryStyle};

/// Identifies a fault added to [`Faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultId(u64);

/// A misbehaviour to inject, and which requests or connections it hits.
///
/// Build one with [`Fault::new`] and narrow it with the `on_*` methods and
/// [`when`](Self::when):
/// `Fault::new(FaultAction::blank_200()).on_node(ip).on_path("/x").times(1)`.
/// A request fault fires when every filter set matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fault {
    /// Only connections accepted on this node; `None` for every node.
    pub node: Option<IpAddr>,
    /// Only connections accepted on the listener with this name; `None` for every listener.
    pub listener: Option<String>,
    /// Only requests with this method; `None` for every method.
    pub method: Option<Method>,
    /// Only requests whose path, as the handler sees it, starts with this; `None` for every
    /// path.
    pub path_prefix: Option<String>,
    /// Only requests whose `Host` (or URI authority) names this host, compared without the
    /// port and ignoring ASCII case; `None` for every host.
    pub host: Option<String>,
    /// Only requests whose query matches; `None` for every query.
    pub query: Option<QueryMatch>,
    /// Only requests this predicate accepts; `None` for every request.
    pub predicate: Option<FaultPredicate>,
    /// How many more times it fires; `None` for every time.
    pub times: Option<u32>,
    /// What happens.
    pub action: FaultAction,
}

/// How a [`Fault`] matches a query string.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryMatch {
    /// The raw query string (without `?`, as the handler sees it) contains this.
    Contains(String),
    /// Some `key=value` pair has this key and value once percent-decoded, `+` read either as
    /// a space (form style) or as a plus (RFC 3986 style). A bare `key` has the value `""`.
    Param {
        /// The decoded key.
        key: String,
        /// The decoded value.
        value: String,
    },
}

impl QueryMatch {
    fn matches(&self, raw: Option<&str>) -> bool {
        let raw = raw.unwrap_or("");
        match self {
            Self::Contains(needle) => raw.contains(needle.as_str()),
            Self::Param { key, value } => [QueryStyle::Form, QueryStyle::Rfc3986]
                .into_iter()
                .filter_map(|style| query::Query::parse(raw, style).ok())
                .any(|q| q.get_all(key).any(|v| v == value)),
        }
    }
}

/// A closure deciding whether a [`Fault`] hits a request: it sees the request head and the
/// [`Ctx`] the handler would get.
///
/// It runs while the fault list is locked: it must not use the server's [`Faults`].
/// Two predicates are equal only if they are clones of one another.
#[derive(Clone)]
pub struct FaultPredicate(Arc<PredicateFn>);

type PredicateFn = dyn Fn(&Parts, &Ctx) -> bool + Send + Sync;

impl FaultPredicate {
    /// Wraps `pred`.
    pub fn new(pred: impl Fn(&Parts, &Ctx) -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(pred))
    }

    fn test(&self, parts: &Parts, ctx: &Ctx) -> bool {
        (self.0)(parts, ctx)
    }
}

impl fmt::Debug for FaultPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FaultPredicate(..)")
    }
}

impl PartialEq for FaultPredicate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for FaultPredicate {}

impl Fault {
    /// A fault that fires on every request (or connection, for accept faults) until removed.
    pub fn new(action: FaultAction) -> Self {
        Self {
            node: None,
            listener: None,
            method: None,
            path_prefix: None,
            host: None,
            query: None,
            predicate: None,
            times: None,
            action,
        }
    }

    /// Only on the node with this address.
    pub fn on_node(mut self, ip: IpAddr) -> Self {
        self.node = Some(ip);
        self
    }

    /// Only on the listener with this name (see [`Ctx::listener`]).
    pub fn on_listener(mut self, name: impl Into<String>) -> Self {
        self.listener = Some(name.into());
        self
    }

    /// Only for requests with this method.
    pub fn on_method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only for requests whose path (without query) starts with `prefix`.
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only for requests to this host (the `Host` header without its port, any case): e.g.
    /// one namespace of a system that routes by `Host`.
    pub fn on_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Only for requests whose raw query string contains `needle`.
    pub fn on_query_contains(mut self, needle: impl Into<String>) -> Self {
        self.query = Some(QueryMatch::Contains(needle.into()));
        self
    }

    /// Only for requests with the query parameter `key=value` (see [`QueryMatch::Param`]).
    pub fn on_query_param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query = Some(QueryMatch::Param {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// Only for requests `pred` accepts (see [`FaultPredicate`]).
    pub fn when(mut self, pred: impl Fn(&Parts, &Ctx) -> bool + Send + Sync + 'static) -> Self {
        self.predicate = Some(FaultPredicate::new(pred));
        self
    }

    /// Fires `n` times, then stays in the list without firing.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches_request(&self, parts: &Parts, ctx: &Ctx) -> bool {
        !self.action.is_accept_fault()
            && self.node.is_none_or(|ip| ip == ctx.node.ip())
            && self.listener.as_deref().is_none_or(|l| l == ctx.listener)
            && self.method.as_ref().is_none_or(|m| *m == parts.method)
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| parts.uri.path().starts_with(prefix))
            && self
                .host
                .as_deref()
                .is_none_or(|host| host_matches(parts, host))
            && self
                .query
                .as_ref()
                .is_none_or(|q| q.matches(parts.uri.query()))
            && self.predicate.as_ref().is_none_or(|p| p.test(parts, ctx))
    }
}

fn host_matches(parts: &Parts, wanted: &str) -> bool {
    let host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    host.is_some_and(|h| strip_port(h).eq_ignore_ascii_case(strip_port(wanted)))
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`.
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(colon)
            if !host[colon..].contains(']')
                && host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &host[..colon]
        }
        _ => host,
    }
}

/// What a fault does.
///
/// Request faults act before the handler runs; only [`DelayHeaders`](Self::DelayHeaders) lets
/// the handler answer afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultAction {
    /// Accept the TCP connection and close it at once, before any TLS. Matched per node and
    /// listener only: request filters never match it.
    CloseOnAccept,
    /// Accept the TCP connection and never answer: no TLS handshake (the client's ClientHello
    /// goes unanswered), no HTTP response. What the client sends is read and discarded; the
    /// connection stays open until the client gives up or the node stops. Matched per node
    /// and listener only, like [`CloseOnAccept`](Self::CloseOnAccept).
    StallHandshake,
    /// Read the request body until at least `after_bytes` bytes of it arrived (or it ended),
    /// then reset the connection (TCP RST) without answering: an upload cut short. The
    /// request's [`LoggedRequest::body_len`](crate::LoggedRequest::body_len) tells how much
    /// arrived; it may exceed `after_bytes` by what was already buffered.
    ResetMidUpload {
        /// Body bytes to receive before the reset.
        after_bytes: u64,
    },
    /// Read the whole request, then close the connection without answering.
    CloseBeforeResponse,
    /// Let the handler act on the request (it lands: an object is stored, a job starts),
    /// then close the connection without sending its answer: the lost response that makes
    /// a client's resend meet its own first attempt.
    LoseResponse,
    /// Answer `200` with `Content-Length: total_len`, send `after_bytes` bytes of the
    /// [pattern](crate::body::pattern), then reset the connection (TCP RST).
    ResetMidBody {
        /// Body bytes sent before the reset; kept below `total_len`.
        after_bytes: usize,
        /// The announced body length.
        total_len: u64,
    },
    /// Wait this long, then let the handler answer.
    DelayHeaders(Duration),
    /// Answer with this response instead of the handler's.
    Respond {
        /// The status code.
        status: u16,
        /// Extra headers, as (name, value).
        headers: Vec<(String, String)>,
        /// The body, sent with its exact `Content-Length`.
        body: Bytes,
    },
    /// Let the handler answer, then invert the bits of the response body's byte at offset
    /// `at` (nothing changes when the body is shorter): data corrupted on the way, with
    /// every header intact, which only an end-to-end hash catches.
    CorruptBody {
        /// The offset of the corrupted byte.
        at: u64,
    },
    /// Answer `200` with `Content-Length: declared_len`, send `body` (shorter), then close.
    TruncatedBody {
        /// The announced body length.
        declared_len: u64,
        /// What is actually sent.
        body: Bytes,
    },
}

impl FaultAction {
    /// `503 Service Unavailable`, with `Retry-After: secs` when given.
    pub fn service_unavailable(retry_after_secs: Option<u32>) -> Self {
        Self::with_retry_after(503, retry_after_secs, r#"{"error":"service unavailable"}"#)
    }

    /// `429 Too Many Requests`, with `Retry-After: secs` when given.
    pub fn too_many_requests(retry_after_secs: Option<u32>) -> Self {
        Self::with_retry_after(429, retry_after_secs, r#"{"error":"too many requests"}"#)
    }

    fn with_retry_after(status: u16, secs: Option<u32>, body: &'static str) -> Self {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(secs) = secs {
            headers.push(("retry-after".to_owned(), secs.to_string()));
        }
        Self::Respond {
            status,
            headers,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    /// `500` with an HTML page, as a reverse proxy or web server in front of an API sends.
    pub fn html_500() -> Self {
        Self::Respond {
            status: 500,
            headers: vec![(
                "content-type".to_owned(),
                "text/html; charset=iso-8859-1".to_owned(),
            )],
            body: Bytes::from_static(
                b"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n\
                  <title>500 Internal Server Error</title>\n</head><body>\n\
                  <h1>Internal Server Error</h1>\n<p>The server encountered an internal error \
                  and was unable to complete your request.</p>\n</body></html>\n",
            ),
        }
    }

    /// `200` with `Content-Length: 0` and no content type.
    pub fn blank_200() -> Self {
        Self::Respond {
            status: 200,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// `200`, `application/json`, body `{"broken": ` (cut off mid-object).
    pub fn malformed_json() -> Self {
        Self::Respond {
            status: 200,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Bytes::from_static(b"{\"broken\": "),
        }
    }

    /// A short stable name, recorded in [`LoggedRequest::fault`](crate::LoggedRequest::fault)
    /// and [`ConnRecord::fault`](crate::ConnRecord::fault): `close_on_accept`,
    /// `stall_handshake`, `reset_mid_upload`, `close_before_response`, `lose_response`,
    /// `reset_mid_body`,
    /// `delay_headers`, `respond`, `corrupt_body`, `truncated_body`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CloseOnAccept => "close_on_accept",
            Self::StallHandshake => "stall_handshake",
            Self::ResetMidUpload { .. } => "reset_mid_upload",
            Self::CloseBeforeResponse => "close_before_response",
            Self::LoseResponse => "lose_response",
            Self::ResetMidBody { .. } => "reset_mid_body",
            Self::DelayHeaders(_) => "delay_headers",
            Self::Respond { .. } => "respond",
            Self::CorruptBody { .. } => "corrupt_body",
            Self::TruncatedBody { .. } => "truncated_body",
        }
    }

    /// Whether it acts on accepted connections rather than on requests.
    fn is_accept_fault(&self) -> bool {
        matches!(self, Self::CloseOnAccept | Self::StallHandshake)
    }
}

/// The faults armed on a server, matched in the order they were added.
///
/// Cloning gives another handle to the same list.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    table: Arc<Mutex<FaultTable>>,
}

#[derive(Debug, Default)]
struct FaultTable {
    next_id: u64,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    id: FaultId,
    fault: Fault,
    fired: u32,
}

impl Faults {
    /// Arms a fault after the ones already there.
    pub fn add(&self, fault: Fault) -> FaultId {
        let mut table = lock(&self.table);
        table.next_id += 1;
        let id = FaultId(table.next_id);
        table.entries.push(Entry {
            id,
            fault,
            fired: 0,
        });
        id
    }

    /// Disarms a fault; `false` if it was not there.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut table = lock(&self.table);
        let before = table.entries.len();
        table.entries.retain(|e| e.id != id);
        table.entries.len() != before
    }

    /// Disarms every fault.
    pub fn clear(&self) {
        lock(&self.table).entries.clear();
    }

    /// How many times a fault fired (0 if it is unknown).
    pub fn fired(&self, id: FaultId) -> u32 {
        lock(&self.table)
            .entries
            .iter()
            .find(|e| e.id == id)
            .map_or(0, |e| e.fired)
    }

    /// How many faults are in the list, spent ones included.
    pub fn len(&self) -> usize {
        lock(&self.table).entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn take_on_accept(&self, node: IpAddr, listener: &str) -> Option<FaultAction> {
        self.take(|f| {
            f.action.is_accept_fault()
                && f.node.is_none_or(|ip| ip == node)
                && f.listener.as_deref().is_none_or(|l| l == listener)
        })
    }

    pub(crate) fn take_for_request(&self, parts: &Parts, ctx: &Ctx) -> Option<FaultAction> {
        self.take(|f| f.matches_request(parts, ctx))
    }

    fn take(&self, matches: impl Fn(&Fault) -> bool) -> Option<FaultAction> {
        let mut table = lock(&self.table);
        let entry = table
            .entries
            .iter_mut()
            .find(|e| e.fault.times != Some(0) && matches(&e.fault))?;
        entry.fired += 1;
        if let Some(n) = entry.fault.times.as_mut() {
            *n -= 1;
        }
        Some(entry.fault.action.clone())
    }
}
