//! The node pool: one pooled HTTP client per node address, round robin, set-aside of
//! failed nodes, and re-resolution that never empties the pool.
//!
//! Each node has its own hyper-util client whose resolver always answers that node's IP,
//! while request URIs keep the FQDN. So TCP goes to the chosen node while `Host`, TLS SNI
//! and the certificate name check all stay the FQDN, and each node keeps its own warm
//! keep-alive connections.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::body::HttpBody;
use crate::error::{BoxError, Error, ErrorKind};
use crate::resolve::Resolve;

/// Settings every node client is built with.
#[derive(Clone)]
pub(crate) struct NodeSettings {
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) https: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_idle_per_node: usize,
}

pub(crate) type NodeClient =
    HyperClient<TimedConnector<HttpsConnector<HttpConnector<FixedIp>>>, HttpBody>;

/// One storage node: its address, its pooled client, and whether it is set aside.
#[derive(Clone)]
pub(crate) struct Node {
    pub(crate) ip: IpAddr,
    pub(crate) client: NodeClient,
    /// Milliseconds since the pool's epoch until which the node is set aside; 0 = in use.
    down_until: Arc<AtomicU64>,
}

/// A node as reported to callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    /// The node's address.
    pub ip: IpAddr,
    /// True while the node is set aside after a connect failure.
    pub set_aside: bool,
}

struct PoolState {
    nodes: Arc<Vec<Node>>,
    valid_until: Option<Instant>,
    generation: u64,
    last_error: Option<String>,
}

pub(crate) struct NodePool {
    host: String,
    resolver: Arc<dyn Resolve>,
    settings: NodeSettings,
    state: RwLock<PoolState>,
    cursor: AtomicUsize,
    refresh_lock: tokio::sync::Mutex<()>,
    last_failure_refresh: Mutex<Option<Instant>>,
    epoch: Instant,
    pub(crate) set_aside_for: Duration,
    pub(crate) refresh_debounce: Duration,
    pub(crate) resolve_timeout: Duration,
}

impl NodePool {
    pub(crate) fn new(host: String, resolver: Arc<dyn Resolve>, settings: NodeSettings) -> Self {
        NodePool {
            host,
            resolver,
            settings,
            state: RwLock::new(PoolState {
                nodes: Arc::new(Vec::new()),
                valid_until: None,
                generation: 0,
                last_error: None,
            }),
            cursor: AtomicUsize::new(0),
            refresh_lock: tokio::sync::Mutex::new(()),
            last_failure_refresh: Mutex::new(None),
            epoch: Instant::now(),
            set_aside_for: Duration::from_secs(30),
            refresh_debounce: Duration::from_secs(2),
            resolve_timeout: Duration::from_secs(10),
        }
    }

    fn snapshot(&self) -> (Arc<Vec<Node>>, Option<Instant>, u64) {
        match self.state.read() {
            Ok(s) => (s.nodes.clone(), s.valid_until, s.generation),
            Err(poisoned) => {
                let s = poisoned.into_inner();
                (s.nodes.clone(), s.valid_until, s.generation)
            }
        }
    }

    pub(crate) fn statuses(&self) -> Vec<NodeStatus> {
        let now = self.now_ms();
        self.snapshot()
            .0
            .iter()
            .map(|n| NodeStatus {
                ip: n.ip,
                set_aside: n.down_until.load(Ordering::Relaxed) > now,
            })
            .collect()
    }

    pub(crate) fn last_refresh_error(&self) -> Option<String> {
        self.state.read().ok().and_then(|s| s.last_error.clone())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Makes sure there are nodes (first use) and schedules a refresh when the DNS answer
    /// has expired. Requests never wait for a TTL refresh: they use the old answer.
    pub(crate) async fn ensure_ready(self: &Arc<Self>) -> Result<(), Error> {
        let (nodes, valid_until, _) = self.snapshot();
        if nodes.is_empty() {
            self.refresh().await?;
        } else if valid_until.is_some_and(|t| Instant::now() >= t) {
            self.refresh_in_background();
        }
        Ok(())
    }

    /// The next node in round-robin order, skipping `exclude` and nodes set aside. When
    /// every remaining node is set aside they are tried anyway: a pool never runs dry
    /// because of set-aside alone.
    pub(crate) fn pick(&self, exclude: &[IpAddr]) -> Option<Node> {
        let nodes = self.snapshot().0;
        let n = nodes.len();
        if n == 0 {
            return None;
        }
        let start = self.cursor.fetch_add(1, Ordering::Relaxed);
        let now = self.now_ms();
        let candidates = (0..n)
            .map(|i| &nodes[(start + i) % n])
            .filter(|node| !exclude.contains(&node.ip));
        let mut fallback = None;
        for node in candidates {
            if node.down_until.load(Ordering::Relaxed) <= now {
                return Some(node.clone());
            }
            fallback.get_or_insert(node);
        }
        fallback.cloned()
    }

    /// The node with address `ip`, for requests bound to one node. A node not in the pool
    /// (not, or no longer, in DNS) gets a client of its own on the fly.
    pub(crate) fn node_for(&self, ip: IpAddr) -> Result<Node, Error> {
        if let Some(node) = self.snapshot().0.iter().find(|n| n.ip == ip) {
            return Ok(node.clone());
        }
        self.build_node(ip)
    }

    pub(crate) fn set_aside(&self, ip: IpAddr) {
        let until = self
            .now_ms()
            .saturating_add(u64::try_from(self.set_aside_for.as_millis()).unwrap_or(u64::MAX));
        if let Some(node) = self.snapshot().0.iter().find(|n| n.ip == ip) {
            node.down_until.store(until, Ordering::Relaxed);
            tracing::warn!(node = %ip, "node set aside after a connect failure");
        }
    }

    pub(crate) fn node_count(&self) -> usize {
        self.snapshot().0.len()
    }

    /// Re-resolves after a failure, at most once per debounce interval, in the background.
    pub(crate) fn refresh_after_failure(self: &Arc<Self>) {
        {
            let Ok(mut last) = self.last_failure_refresh.lock() else {
                return;
            };
            if last.is_some_and(|t| t.elapsed() < self.refresh_debounce) {
                return;
            }
            *last = Some(Instant::now());
        }
        self.refresh_in_background();
    }

    fn refresh_in_background(self: &Arc<Self>) {
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            // The error is kept in the pool state and logged; the old nodes stay.
            let _ = pool.refresh().await;
        });
    }

    /// Resolves the host again and swaps in the new node list. Surviving nodes keep their
    /// client (and its warm connections). A failed or empty answer keeps the old list and
    /// is returned as an error. Concurrent callers share one lookup.
    pub(crate) async fn refresh(&self) -> Result<Vec<IpAddr>, Error> {
        let generation_before = self.snapshot().2;
        let _guard = self.refresh_lock.lock().await;
        let (current, _, generation) = self.snapshot();
        if generation != generation_before && !current.is_empty() {
            return Ok(current.iter().map(|n| n.ip).collect());
        }
        let result = tokio::time::timeout(self.resolve_timeout, self.resolver.resolve(&self.host))
            .await
            .map_err(|_| BoxError::from("DNS lookup timed out"))
            .and_then(|r| r);
        let resolved = match result {
            Ok(r) if !r.addrs.is_empty() => r,
            Ok(_) => return Err(self.refresh_failed("the name resolved to no address".into())),
            Err(e) => return Err(self.refresh_failed(e)),
        };
        let mut ips = resolved.addrs;
        ips.sort();
        ips.dedup();
        let mut nodes = Vec::with_capacity(ips.len());
        for ip in &ips {
            match current.iter().find(|n| n.ip == *ip) {
                Some(n) => nodes.push(n.clone()),
                None => nodes.push(self.build_node(*ip)?),
            }
        }
        // A TTL of zero must not turn every request into a refresh.
        let valid_until = resolved
            .valid_until
            .map(|t| t.max(Instant::now() + Duration::from_secs(1)));
        if let Ok(mut state) = self.state.write() {
            state.nodes = Arc::new(nodes);
            state.valid_until = valid_until;
            state.generation += 1;
            state.last_error = None;
        }
        tracing::debug!(host = %self.host, nodes = ?ips, "node pool refreshed");
        Ok(ips)
    }

    fn refresh_failed(&self, source: BoxError) -> Error {
        let message = format!("cannot resolve {}: {source}", self.host);
        tracing::warn!(host = %self.host, error = %source, "node refresh failed; keeping the old nodes");
        if let Ok(mut state) = self.state.write() {
            state.last_error = Some(message.clone());
        }
        Error::new(ErrorKind::Resolve)
            .with_message(message)
            .with_source(source)
    }

    fn build_node(&self, ip: IpAddr) -> Result<Node, Error> {
        Ok(Node {
            ip,
            client: build_client(ip, &self.settings),
            down_until: Arc::new(AtomicU64::new(0)),
        })
    }
}

fn build_client(ip: IpAddr, s: &NodeSettings) -> NodeClient {
    let mut http = HttpConnector::new_with_resolver(FixedIp(ip));
    // The URI scheme is https for TLS nodes; HttpConnector refuses it unless told.
    http.enforce_http(false);
    http.set_nodelay(true);
    let builder = HttpsConnectorBuilder::new().with_tls_config((*s.tls).clone());
    let https = if s.https {
        builder.https_only().enable_http1().wrap_connector(http)
    } else {
        builder.https_or_http().enable_http1().wrap_connector(http)
    };
    let connector = TimedConnector {
        inner: https,
        timeout: s.connect_timeout,
    };
    HyperClient::builder(TokioExecutor::new())
        .pool_idle_timeout(s.idle_timeout)
        // Without a timer hyper-util only checks expiry at checkout, and idle sockets
        // would stay open until the next request.
        .pool_timer(TokioTimer::new())
        .pool_max_idle_per_host(s.max_idle_per_node)
        .build(connector)
}

/// A hyper-util resolver that always answers one address (port 0 = the URI's port).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedIp(IpAddr);

impl tower_service::Service<Name> for FixedIp {
    type Response = std::iter::Once<SocketAddr>;
    type Error = io::Error;
    type Future = std::future::Ready<Result<Self::Response, io::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _name: Name) -> Self::Future {
        std::future::ready(Ok(std::iter::once(SocketAddr::new(self.0, 0))))
    }
}

static CONNECTION_IDS: AtomicU64 = AtomicU64::new(1);

/// Facts about a connection, attached to every response it carries.
#[derive(Clone, Debug)]
pub(crate) struct ConnMeta {
    pub(crate) id: u64,
    pub(crate) connect_time: Duration,
    /// True until the first response on this connection claims the connect time.
    fresh: Arc<AtomicBool>,
}

impl ConnMeta {
    /// The connect time, for the first response on the connection only.
    pub(crate) fn claim_connect_time(&self) -> Option<Duration> {
        self.fresh
            .swap(false, Ordering::Relaxed)
            .then_some(self.connect_time)
    }
}

/// Times TCP + TLS establishment and bounds it with the connect timeout.
#[derive(Clone)]
pub(crate) struct TimedConnector<C> {
    inner: C,
    timeout: Duration,
}

impl<C> tower_service::Service<Uri> for TimedConnector<C>
where
    C: tower_service::Service<Uri, Response = MaybeHttpsStream<TokioIo<TcpStream>>>
        + Clone
        + Send
        + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = TimedStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<TimedStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let fut = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            let start = Instant::now();
            match tokio::time::timeout(timeout, fut).await {
                Ok(Ok(io)) => Ok(TimedStream {
                    io,
                    meta: ConnMeta {
                        id: CONNECTION_IDS.fetch_add(1, Ordering::Relaxed),
                        connect_time: start.elapsed(),
                        fresh: Arc::new(AtomicBool::new(true)),
                    },
                }),
                Ok(Err(e)) => Err(e.into()),
                Err(_) => Err(BoxError::from(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connect timed out after {timeout:?}"),
                ))),
            }
        })
    }
}

/// A connection that reports its [`ConnMeta`] to hyper-util.
pub(crate) struct TimedStream {
    io: MaybeHttpsStream<TokioIo<TcpStream>>,
    meta: ConnMeta,
}

impl Connection for TimedStream {
    fn connected(&self) -> Connected {
        self.io.connected().extra(self.meta.clone())
    }
}

impl hyper::rt::Read for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
