use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use http::{HeaderMap, HeaderName, Method};
use tokio::sync::watch;
use tokio::time::Instant;

/// One request as the server saw it.
///
/// Its `Debug` output hides the values of `Authorization`, `Proxy-Authorization`, `Cookie`,
/// every `X-Auth-*` header and every header marked sensitive, and leaves out `at`.
#[derive(Clone)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Position in the log, counting from 0 since the server started (not reset by `clear`).
    pub seq: u64,
    /// When the request head was read, on Tokio's clock (paused test time moves it).
    pub at: Instant,
    /// The node (local address) that accepted the connection.
    pub node: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
    /// The connection's id.
    pub conn_id: u64,
    /// The name of the listener (port) it came in on, as in [`Ctx::listener`](crate::Ctx::listener).
    pub listener: String,
    /// The request method.
    pub method: Method,
    /// The path, without the query, as the handler saw it (see
    /// [`Ctx::raw_target`](crate::Ctx::raw_target) for the bytes the kit writes as `%XX`).
    pub path: String,
    /// The query string, without `?`, as the handler saw it.
    pub query: Option<String>,
    /// The request line exactly as received, without its line ending.
    pub raw_line: Option<String>,
    /// The request target exactly as received.
    pub raw_target: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The `Host` header (or the URI authority when there is none).
    pub host: Option<String>,
    /// The TLS server name the client sent, if any.
    pub sni: Option<String>,
    /// The response status, set when the response head is handed to hyper; `None` if no
    /// response was sent.
    pub status: Option<u16>,
    /// The [`FaultAction::name`](crate::FaultAction::name) of the fault that fired, if any.
    pub fault: Option<String>,
    /// How many body bytes arrived (chunked framing excluded): set when the body ended, or
    /// when the connection ended in the middle of it; `None` before that. A handler that
    /// reads the body to its end sees this set before its last read returns.
    pub body_len: Option<u64>,
    /// SHA-256 of the body, lowercase hex; set only when the whole body arrived.
    pub body_sha256: Option<String>,
}

impl fmt::Debug for LoggedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoggedRequest")
            .field("seq", &self.seq)
            .field("node", &self.node)
            .field("peer", &self.peer)
            .field("conn_id", &self.conn_id)
            .field("listener", &self.listener)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("raw_line", &self.raw_line)
            .field("raw_target", &self.raw_target)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("host", &self.host)
            .field("sni", &self.sni)
            .field("status", &self.status)
            .field("fault", &self.fault)
            .field("body_len", &self.body_len)
            .field("body_sha256", &self.body_sha256)
            .finish_non_exhaustive()
    }
}

/// Whether a header's value is a credential the log's `Debug` must not show.
pub(crate) fn is_secret_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(name, "authorization" | "proxy-authorization" | "cookie")
        || name.starts_with("x-auth-")
}

/// Headers as `{"name": "value", ...}`, credentials as `<redacted>`.
struct RedactedHeaders<'a>(&'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_secret_header(name) {
                map.entry(&name.as_str(), &Redacted);
            } else {
                map.entry(&name.as_str(), value);
            }
        }
        map.finish()
    }
}

/// The requests a server has seen, in arrival order, for assertions.
///
/// Cloning gives another handle to the same log.
#[derive(Debug, Clone)]
pub struct RequestLog {
    inner: Arc<LogInner>,
}

#[derive(Debug)]
struct LogInner {
    entries: watch::Sender<VecDeque<LoggedRequest>>,
    next_seq: AtomicU64,
    capacity: AtomicUsize,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self {
            inner: Arc::new(LogInner {
                entries: watch::Sender::new(VecDeque::new()),
                next_seq: AtomicU64::new(0),
                capacity: AtomicUsize::new(usize::MAX),
            }),
        }
    }
}

impl RequestLog {
    /// A copy of every entry, oldest first.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.inner.entries.borrow().iter().cloned().collect()
    }

    /// The latest entry.
    pub fn last(&self) -> Option<LoggedRequest> {
        self.inner.entries.borrow().back().cloned()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.inner.entries.borrow().len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many requests were logged since the server started, forgotten ones included.
    pub fn total(&self) -> u64 {
        self.inner.next_seq.load(Ordering::Relaxed)
    }

    /// Forgets every entry; sequence numbers go on counting.
    pub fn clear(&self) {
        self.inner.entries.send_modify(VecDeque::clear);
    }

    /// Keeps only the latest `capacity` entries from now on (`None`: all, the default), so a
    /// benchmark sending millions of requests does not grow the log without bound.
    pub fn set_capacity(&self, capacity: Option<usize>) {
        let capacity = capacity.unwrap_or(usize::MAX);
        self.inner.capacity.store(capacity, Ordering::Relaxed);
        self.inner.entries.send_modify(|entries| {
            while entries.len() > capacity {
                entries.pop_front();
            }
        });
    }

    /// How many entries match `pred`.
    pub fn count_where(&self, pred: impl Fn(&LoggedRequest) -> bool) -> usize {
        self.inner
            .entries
            .borrow()
            .iter()
            .filter(|e| pred(e))
            .count()
    }

    /// Waits until the log holds at least `n` entries; `false` if `timeout` passed first.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.inner.entries.subscribe();
        matches!(
            tokio::time::timeout(timeout, rx.wait_for(|entries| entries.len() >= n)).await,
            Ok(Ok(_))
        )
    }

    /// Waits until some entry matches `pred` and returns the first that does; `None` if
    /// `timeout` passed first.
    pub async fn wait_for_match(
        &self,
        pred: impl Fn(&LoggedRequest) -> bool,
        timeout: Duration,
    ) -> Option<LoggedRequest> {
        let mut rx = self.inner.entries.subscribe();
        let found = rx.wait_for(|entries| entries.iter().any(&pred));
        match tokio::time::timeout(timeout, found).await {
            Ok(Ok(entries)) => entries.iter().find(|e| pred(e)).cloned(),
            _ => None,
        }
    }

    /// Appends the entry `make` builds from its sequence number; returns that number.
    pub(crate) fn push(&self, make: impl FnOnce(u64) -> LoggedRequest) -> u64 {
        let mut seq = 0;
        let capacity = self.inner.capacity.load(Ordering::Relaxed);
        self.inner.entries.send_modify(|entries| {
            // Numbered under the log's lock, so sequence order is log order.
            seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
            if capacity == 0 {
                return;
            }
            while entries.len() >= capacity {
                entries.pop_front();
            }
            entries.push_back(make(seq));
        });
        seq
    }

    pub(crate) fn update(&self, seq: u64, change: impl FnOnce(&mut LoggedRequest)) {
        self.inner.entries.send_if_modified(|entries| {
            // Recent entries are the ones still being answered, so search from the end.
            match entries.iter_mut().rev().find(|e| e.seq == seq) {
                Some(entry) => {
                    change(entry);
                    true
                }
                None => false,
            }
        });
    }
}

/// Who closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Closer {
    /// The client: end of stream or reset from the peer.
    Client,
    /// The server: `stop_node`, idle close, shutdown, or the end of a `Connection: close`
    /// exchange.
    Server,
    /// A fault closed or reset it.
    Fault,
}

/// One TCP connection as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnRecord {
    /// The connection's id, unique within the server, counting from 1.
    pub id: u64,
    /// The node (local address) that accepted it.
    pub node: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
    /// The name of the listener (port) that accepted it.
    pub listener: String,
    /// When it was accepted, on Tokio's clock.
    pub opened_at: Instant,
    /// When it was closed, if it is, on Tokio's clock.
    pub closed_at: Option<Instant>,
    /// How many requests it carried.
    pub requests: u32,
    /// Who closed it, once closed.
    pub closed_by: Option<Closer>,
    /// Whether it is TLS.
    pub tls: bool,
    /// The TLS server name the client sent, once the handshake is done.
    pub sni: Option<String>,
    /// The accept fault that hit it (`close_on_accept`, `stall_handshake`), if one did.
    pub fault: Option<String>,
    /// The TLS or HTTP error that ended it, if any.
    pub error: Option<String>,
}

impl ConnRecord {
    pub(crate) fn new(
        id: u64,
        node: SocketAddr,
        peer: SocketAddr,
        tls: bool,
        listener: &str,
    ) -> Self {
        Self {
            id,
            node,
            peer,
            listener: listener.to_owned(),
            opened_at: Instant::now(),
            closed_at: None,
            requests: 0,
            closed_by: None,
            tls,
            sni: None,
            fault: None,
            error: None,
        }
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// Every connection a server accepted, open or closed.
#[derive(Debug, Clone)]
pub(crate) struct ConnLog {
    records: Arc<watch::Sender<BTreeMap<u64, ConnRecord>>>,
}

impl Default for ConnLog {
    fn default() -> Self {
        Self {
            records: Arc::new(watch::Sender::new(BTreeMap::new())),
        }
    }
}

impl ConnLog {
    pub(crate) fn insert(&self, record: ConnRecord) {
        self.records.send_modify(|records| {
            records.insert(record.id, record);
        });
    }

    /// Changes a record in place. Waiters hear of it only when the record closed: that is
    /// all they wait for, and a request counted on every request would wake them for nothing.
    pub(crate) fn update(&self, id: u64, change: impl FnOnce(&mut ConnRecord)) {
        self.records
            .send_if_modified(|records| match records.get_mut(&id) {
                Some(record) => {
                    let was_closed = record.is_closed();
                    change(record);
                    record.is_closed() != was_closed
                }
                None => false,
            });
    }

    pub(crate) fn all(&self) -> Vec<ConnRecord> {
        self.records.borrow().values().cloned().collect()
    }

    pub(crate) fn get(&self, id: u64) -> Option<ConnRecord> {
        self.records.borrow().get(&id).cloned()
    }

    pub(crate) async fn wait_closed(&self, id: u64, timeout: Duration) -> bool {
        let mut rx = self.records.subscribe();
        let closed = rx.wait_for(|records| records.get(&id).is_some_and(ConnRecord::is_closed));
        matches!(tokio::time::timeout(timeout, closed).await, Ok(Ok(_)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use http::HeaderValue;

    use super::*;

    #[test]
    fn debug_redacts_credentials_exactly() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("admin.sys1.example"));
        headers.insert(
            "authorization",
            HeaderValue::from_static("Token YWRtaW4=:secret"),
        );
        headers.insert("cookie", HeaderValue::from_static("ns-auth=c2VjcmV0"));
        headers.insert("x-auth-token", HeaderValue::from_static("token-123"));
        headers.insert("X-Auth-Key", HeaderValue::from_static("5e884898da"));
        let mut key = HeaderValue::from_static("k-456");
        key.set_sensitive(true);
        headers.insert("x-api-key", key);
        headers.append("accept", HeaderValue::from_static("application/json"));
        headers.append("accept", HeaderValue::from_static("text/xml"));
        let entry = LoggedRequest {
            seq: 3,
            at: Instant::now(),
            node: "127.0.0.11:443".parse().unwrap(),
            peer: "127.0.0.1:50000".parse().unwrap(),
            conn_id: 2,
            listener: "main".into(),
            method: Method::GET,
            path: "/rest/a".into(),
            query: Some("x=1".into()),
            raw_line: Some("GET /rest/a?x=1 HTTP/1.1".into()),
            raw_target: Some("/rest/a?x=1".into()),
            headers,
            host: Some("admin.sys1.example".into()),
            sni: None,
            status: Some(200),
            fault: None,
            body_len: Some(0),
            body_sha256: None,
        };
        assert_eq!(
            format!("{entry:?}"),
            "LoggedRequest { seq: 3, node: 127.0.0.11:443, peer: 127.0.0.1:50000, conn_id: 2, \
             listener: \"main\", method: GET, path: \"/rest/a\", query: Some(\"x=1\"), \
             raw_line: Some(\"GET /rest/a?x=1 HTTP/1.1\"), raw_target: Some(\"/rest/a?x=1\"), \
             headers: {\"host\": \"admin.sys1.example\", \"authorization\": <redacted>, \
             \"cookie\": <redacted>, \"x-auth-token\": <redacted>, \"x-auth-key\": <redacted>, \
             \"x-api-key\": <redacted>, \"accept\": \"application/json\", \
             \"accept\": \"text/xml\"}, host: Some(\"admin.sys1.example\"), sni: None, \
             status: Some(200), fault: None, body_len: Some(0), body_sha256: None, .. }"
        );
    }
}
