use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::runtime::Handle;
use tokio::task::AbortHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::ServerConfig;
use crate::conn::{self, ConnShared};
use crate::error::MockError;
use crate::faults::Faults;
use crate::handler::Handler;
use crate::lock;
use crate::log::{Closer, ConnLog, ConnRecord, RequestLog};
use crate::tls::ServerTls;

/// How many ephemeral ports to try before giving up on finding one free on every node.
const PORT_ATTEMPTS: u32 = 16;

/// An HTTP/1.1 server, plain or TLS, listening on one port on one or more loopback addresses
/// (its nodes), with a request log and fault injection.
///
/// Dropping it stops every listener and connection without waiting;
/// [`shutdown`](Self::shutdown) also waits for the connection tasks to end.
pub struct MockServer {
    shared: Arc<ServerShared>,
}

pub(crate) struct ServerShared {
    pub(crate) nodes: Vec<Node>,
    pub(crate) acceptor: Option<TlsAcceptor>,
    pub(crate) handler: Box<dyn Handler>,
    pub(crate) idle_close: Option<Duration>,
    pub(crate) log: RequestLog,
    pub(crate) conns: ConnLog,
    pub(crate) faults: Faults,
    pub(crate) live: Mutex<HashMap<u64, LiveConn>>,
    pub(crate) runtime: Handle,
    next_conn: AtomicU64,
    shut_down: AtomicBool,
    port: u16,
    tls: Option<ServerTls>,
    host_name: Option<String>,
}

pub(crate) struct Node {
    pub(crate) addr: SocketAddr,
    up: AtomicBool,
    listener: Mutex<Option<TcpListener>>,
    accept_task: Mutex<Option<AbortHandle>>,
}

impl Node {
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }
}

pub(crate) struct LiveConn {
    pub(crate) conn: Arc<ConnShared>,
    pub(crate) task: Option<AbortHandle>,
}

impl ServerShared {
    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    fn node_index(&self, ip: IpAddr) -> Result<usize, MockError> {
        self.nodes
            .iter()
            .position(|n| n.addr.ip() == ip)
            .ok_or(MockError::UnknownNode { ip })
    }

    fn stop_node_at(&self, index: usize) {
        let Some(node) = self.nodes.get(index) else {
            return;
        };
        let live = lock(&self.live);
        node.up.store(false, Ordering::Release);
        // Dropping the listener here, not in its task, closes the socket before this returns:
        // a connect right after `stop_node` must be refused, not queued in a backlog.
        drop(lock(&node.listener).take());
        if let Some(task) = lock(&node.accept_task).take() {
            task.abort();
        }
        for live_conn in live.values().filter(|c| c.conn.node == node.addr) {
            live_conn.conn.kill(Closer::Server);
        }
    }

    fn stop_all(&self) {
        self.shut_down.store(true, Ordering::Release);
        for index in 0..self.nodes.len() {
            self.stop_node_at(index);
        }
        for live_conn in lock(&self.live).values() {
            live_conn.conn.kill(Closer::Server);
            if let Some(task) = &live_conn.task {
                task.abort();
            }
        }
    }
}

impl MockServer {
    /// Binds every node and starts serving `handler` on them.
    ///
    /// With `config.port == 0` the first node binds an ephemeral port and the others bind the
    /// same one; on a collision the whole set is tried again with a new port.
    pub async fn start(config: ServerConfig, handler: impl Handler) -> Result<Self, MockError> {
        let runtime = Handle::try_current().map_err(|_| MockError::NoRuntime)?;
        let mut ips: Vec<IpAddr> = Vec::new();
        for ip in config.ips {
            if !ip.is_loopback() {
                return Err(MockError::NotLoopback { ip });
            }
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        if ips.is_empty() {
            return Err(MockError::NoAddress);
        }
        let (port, listeners) = bind_all(&ips, config.port)?;

        let tls = match &config.tls {
            Some(settings) => Some(ServerTls::generate(&settings.names, &ips)?),
            None => None,
        };
        let nodes = listeners
            .into_iter()
            .map(|listener| {
                let addr = listener.local_addr()?;
                Ok(Node {
                    addr,
                    up: AtomicBool::new(true),
                    listener: Mutex::new(Some(listener)),
                    accept_task: Mutex::new(None),
                })
            })
            .collect::<Result<Vec<_>, io::Error>>()?;

        let shared = Arc::new(ServerShared {
            nodes,
            acceptor: tls.as_ref().map(|t| TlsAcceptor::from(t.server_config())),
            handler: Box::new(handler),
            idle_close: config.idle_close,
            log: RequestLog::default(),
            conns: ConnLog::default(),
            faults: Faults::default(),
            live: Mutex::new(HashMap::new()),
            runtime,
            next_conn: AtomicU64::new(1),
            shut_down: AtomicBool::new(false),
            port,
            tls,
            host_name: config.host_name,
        });
        for index in 0..shared.nodes.len() {
            spawn_accept(&shared, index);
        }
        let server = Self { shared };
        tracing::info!(
            urls = ?server.urls(),
            fingerprint_sha256 = server.tls().map(ServerTls::fingerprint_hex_colon),
            "mock server listening"
        );
        Ok(server)
    }

    /// One URL per node, `scheme://ip:port`, in configuration order.
    pub fn urls(&self) -> Vec<String> {
        self.shared
            .nodes
            .iter()
            .map(|n| format!("{}://{}", self.shared.scheme(), n.addr))
            .collect()
    }

    /// The server's URL: `scheme://host_name:port` when a host name is configured, else the
    /// first node's URL.
    pub fn url(&self) -> String {
        match &self.shared.host_name {
            Some(name) => format!("{}://{}:{}", self.shared.scheme(), name, self.shared.port),
            None => self.url_for(self.shared.nodes[0].addr.ip()),
        }
    }

    /// `scheme://ip:port` for `ip` with this server's scheme and port, node or not.
    pub fn url_for(&self, ip: IpAddr) -> String {
        format!(
            "{}://{}",
            self.shared.scheme(),
            SocketAddr::new(ip, self.shared.port)
        )
    }

    /// The port every node listens on.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The node addresses.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.shared.nodes.iter().map(|n| n.addr).collect()
    }

    /// The node IPs.
    pub fn ips(&self) -> Vec<IpAddr> {
        self.shared.nodes.iter().map(|n| n.addr.ip()).collect()
    }

    /// The configured host name.
    pub fn host_name(&self) -> Option<&str> {
        self.shared.host_name.as_deref()
    }

    /// The certificates, when serving TLS.
    pub fn tls(&self) -> Option<&ServerTls> {
        self.shared.tls.as_ref()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }

    /// The fault list.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every connection accepted so far, open or closed, by id.
    pub fn connections(&self) -> Vec<ConnRecord> {
        self.shared.conns.all()
    }

    /// One connection's record.
    pub fn connection(&self, id: u64) -> Option<ConnRecord> {
        self.shared.conns.get(id)
    }

    /// Waits until connection `id` is closed (by either side); `false` if `timeout` passed
    /// first. [`ConnRecord::closed_by`] then tells who closed it.
    pub async fn wait_conn_closed(&self, id: u64, timeout: Duration) -> bool {
        self.shared.conns.wait_closed(id, timeout).await
    }

    /// Whether the node with this address is listening.
    pub fn is_node_up(&self, ip: IpAddr) -> bool {
        self.shared
            .node_index(ip)
            .is_ok_and(|i| self.shared.nodes[i].is_up())
    }

    /// Closes the node's listener and its open connections. When this returns, new connects
    /// to the node are refused (`ECONNREFUSED`) and no further byte is read or written on its
    /// connections; their sockets close right after.
    pub fn stop_node(&self, ip: IpAddr) -> Result<(), MockError> {
        let index = self.shared.node_index(ip)?;
        self.shared.stop_node_at(index);
        Ok(())
    }

    /// Listens again on a stopped node, on the same port. Does nothing if it is up.
    pub fn start_node(&self, ip: IpAddr) -> Result<(), MockError> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(MockError::ShutDown);
        }
        let index = self.shared.node_index(ip)?;
        let node = &self.shared.nodes[index];
        if lock(&node.listener).is_some() {
            return Ok(());
        }
        let listener = {
            let _runtime = self.shared.runtime.enter();
            listen(node.addr)?
        };
        *lock(&node.listener) = Some(listener);
        {
            let _live = lock(&self.shared.live);
            node.up.store(true, Ordering::Release);
        }
        spawn_accept(&self.shared, index);
        Ok(())
    }

    /// Closes, silently, every keep-alive connection that is not serving a request; returns
    /// how many. Clients see the close only when they next use the connection.
    pub fn close_idle_connections(&self) -> usize {
        lock(&self.shared.live)
            .values()
            .filter(|c| c.conn.close_if_idle())
            .count()
    }

    /// Stops every node and connection, and waits (up to 2 s) for the connection tasks to end.
    pub async fn shutdown(&self) {
        self.shared.stop_all();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while !lock(&self.shared.live).is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shared.stop_all();
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("urls", &self.urls())
            .field("tls", &self.shared.tls)
            .finish_non_exhaustive()
    }
}

fn spawn_accept(shared: &Arc<ServerShared>, index: usize) {
    let task = shared.runtime.spawn(accept_loop(Arc::clone(shared), index));
    if let Some(node) = shared.nodes.get(index) {
        *lock(&node.accept_task) = Some(task.abort_handle());
    }
}

async fn accept_loop(shared: Arc<ServerShared>, index: usize) {
    let Some(node) = shared.nodes.get(index) else {
        return;
    };
    loop {
        // The listener lives in the node, not in this task, so `stop_node` can close it
        // synchronously; the lock is held only while polling.
        let accepted = poll_fn(|cx| match lock(&node.listener).as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        match accepted {
            None => return,
            Some(Ok((tcp, peer))) => conn::accept(&shared, index, tcp, peer),
            Some(Err(error)) => {
                // Out of descriptors or an aborted handshake: transient; don't spin.
                tracing::warn!(node = %node.addr, %error, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn listen(addr: SocketAddr) -> Result<TcpListener, MockError> {
    let bind_err = |source| MockError::Bind { addr, source };
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(bind_err)?;
    // Without it, re-binding after `stop_node` fails while closed connections sit in
    // TIME_WAIT on the server side.
    socket.set_reuseaddr(true).map_err(bind_err)?;
    socket.bind(addr).map_err(bind_err)?;
    socket.listen(1024).map_err(bind_err)
}

fn bind_all(ips: &[IpAddr], port: u16) -> Result<(u16, Vec<TcpListener>), MockError> {
    if port != 0 {
        let listeners = ips
            .iter()
            .map(|ip| listen(SocketAddr::new(*ip, port)))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok((port, listeners));
    }
    'attempt: for _ in 0..PORT_ATTEMPTS {
        let first = listen(SocketAddr::new(ips[0], 0))?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for ip in &ips[1..] {
            match listen(SocketAddr::new(*ip, port)) {
                Ok(listener) => listeners.push(listener),
                Err(MockError::Bind { source, .. })
                    if source.kind() == io::ErrorKind::AddrInUse =>
                {
                    continue 'attempt;
                }
                Err(other) => return Err(other),
            }
        }
        return Ok((port, listeners));
    }
    Err(MockError::NoCommonPort {
        attempts: PORT_ATTEMPTS,
    })
}
