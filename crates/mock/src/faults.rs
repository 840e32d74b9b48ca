use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::Method;

use crate::lock;

/// Identifies a fault added to [`Faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultId(u64);

/// A misbehaviour to inject, and which requests or connections it hits.
///
/// Build one with [`Fault::new`] and narrow it with the `on_*` methods:
/// `Fault::new(FaultAction::blank_200()).on_node(ip).on_path("/x").times(1)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Only connections accepted on this node; `None` for every node.
    pub node: Option<IpAddr>,
    /// Only requests with this method; `None` for every method.
    pub method: Option<Method>,
    /// Only requests whose path starts with this; `None` for every path.
    pub path_prefix: Option<String>,
    /// How many more times it fires; `None` for every time.
    pub times: Option<u32>,
    /// What happens.
    pub action: FaultAction,
}

impl Fault {
    /// A fault that fires on every request (or connection, for
    /// [`FaultAction::CloseOnAccept`]) until removed.
    pub fn new(action: FaultAction) -> Self {
        Self {
            node: None,
            method: None,
            path_prefix: None,
            times: None,
            action,
        }
    }

    /// Only on the node with this address.
    pub fn on_node(mut self, ip: IpAddr) -> Self {
        self.node = Some(ip);
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

    /// Fires `n` times, then stays in the list without firing.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}

/// What a fault does.
///
/// Request faults act before the handler runs; only [`DelayHeaders`](Self::DelayHeaders) lets
/// the handler answer afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultAction {
    /// Accept the TCP connection and close it at once, before any TLS. Matched per node only:
    /// method and path filters never match it.
    CloseOnAccept,
    /// Read the whole request, then close the connection without answering.
    CloseBeforeResponse,
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
    /// `close_before_response`, `reset_mid_body`, `delay_headers`, `respond`,
    /// `truncated_body`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CloseOnAccept => "close_on_accept",
            Self::CloseBeforeResponse => "close_before_response",
            Self::ResetMidBody { .. } => "reset_mid_body",
            Self::DelayHeaders(_) => "delay_headers",
            Self::Respond { .. } => "respond",
            Self::TruncatedBody { .. } => "truncated_body",
        }
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

    pub(crate) fn take_on_accept(&self, node: IpAddr) -> Option<FaultAction> {
        self.take(|f| {
            matches!(f.action, FaultAction::CloseOnAccept) && f.node.is_none_or(|ip| ip == node)
        })
    }

    pub(crate) fn take_for_request(
        &self,
        node: IpAddr,
        method: &Method,
        path: &str,
    ) -> Option<FaultAction> {
        self.take(|f| {
            !matches!(f.action, FaultAction::CloseOnAccept)
                && f.node.is_none_or(|ip| ip == node)
                && f.method.as_ref().is_none_or(|m| m == method)
                && f.path_prefix
                    .as_deref()
                    .is_none_or(|prefix| path.starts_with(prefix))
        })
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
