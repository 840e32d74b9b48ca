use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::{HeaderMap, Method};
use tokio::sync::watch;

/// One request as the server saw it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Position in the log, counting from 0 since the server started (not reset by `clear`).
    pub seq: u64,
    /// When the request head was read.
    pub at: Instant,
    /// The node (local address) that accepted the connection.
    pub node: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
    /// The connection's id.
    pub conn_id: u64,
    /// The request method.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
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
    /// When it was accepted.
    pub opened_at: Instant,
    /// When it was closed, if it is.
    pub closed_at: Option<Instant>,
    /// How many requests it carried.
    pub requests: u32,
    /// Who closed it, once closed.
    pub closed_by: Option<Closer>,
    /// Whether it is TLS.
    pub tls: bool,
    /// The TLS server name the client sent, once the handshake is done.
    pub sni: Option<String>,
    /// The fault that closed it on accept, if one did.
    pub fault: Option<String>,
    /// The TLS or HTTP error that ended it, if any.
    pub error: Option<String>,
}

impl ConnRecord {
    pub(crate) fn new(id: u64, node: SocketAddr, peer: SocketAddr, tls: bool) -> Self {
        Self {
            id,
            node,
            peer,
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

    pub(crate) fn update(&self, id: u64, change: impl FnOnce(&mut ConnRecord)) {
        self.records
            .send_if_modified(|records| match records.get_mut(&id) {
                Some(record) => {
                    change(record);
                    true
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
