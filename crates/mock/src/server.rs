use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::task::Poll;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::runtime::Handle;
use tokio::task::AbortHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{MAIN_LISTENER, ServerConfig};
use crate::conn::{self, ConnShared};
use crate::error::MockError;
use crate::faults::Faults;
use crate::handler::Handler;
use crate::lock;
use crate::log::{Closer, ConnLog, ConnRecord, RequestLog};
use crate::tls::ServerTls;

/// How many ephemeral ports to try before giving up on finding one free on every node.
const PORT_ATTEMPTS: u32 = 16;

/// An HTTP/1.1 server, plain or TLS, listening on one or more ports (its listeners) on one or
/// more loopback addresses (its nodes), with a request log and fault injection.
///
/// Every listener on every node serves the same handler; [`Ctx::listener`](crate::Ctx::listener)
/// tells the handler which port a request came in on. A TLS server presents one certificate on
/// all of them.
///
/// Dropping it stops every listener and connection without waiting;
/// [`shutdown`](Self::shutdown) also waits for the connection tasks to end.
pub struct MockServer {
    shared: Arc<ServerShared>,
}

pub(crate) struct ServerShared {
    /// One socket per (listener, node IP): listener by listener, IPs in configuration order,
    /// then those of nodes added at run time ([`MockServer::add_node`]). Only ever appended
    /// to, so an index stays valid for the server's life.
    nodes: RwLock<Vec<Arc<Node>>>,
    pub(crate) listeners: Vec<Listener>,
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
    tls: Option<ServerTls>,
    host_name: Option<String>,
}

/// One named port that every node listens on.
pub(crate) struct Listener {
    pub(crate) name: Arc<str>,
    pub(crate) port: u16,
    pub(crate) tls: bool,
}

pub(crate) struct Node {
    pub(crate) addr: SocketAddr,
    /// Index into `ServerShared::listeners`.
    pub(crate) listener: usize,
    up: AtomicBool,
    listener_socket: Mutex<Option<TcpListener>>,
    accept_task: Mutex<Option<AbortHandle>>,
}

impl Node {
    fn new(socket: TcpListener, listener: usize) -> Result<Self, MockError> {
        Ok(Self {
            addr: socket.local_addr()?,
            listener,
            up: AtomicBool::new(true),
            listener_socket: Mutex::new(Some(socket)),
            accept_task: Mutex::new(None),
        })
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }
}

pub(crate) struct LiveConn {
    pub(crate) conn: Arc<ConnShared>,
    pub(crate) task: Option<AbortHandle>,
}

impl ServerShared {
    fn nodes(&self) -> RwLockReadGuard<'_, Vec<Arc<Node>>> {
        self.nodes.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn node(&self, index: usize) -> Option<Arc<Node>> {
        self.nodes().get(index).cloned()
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    fn listener(&self, name: &str) -> Option<&Listener> {
        self.listeners.iter().find(|l| &*l.name == name)
    }

    fn main(&self) -> &Listener {
        // `start` always creates the main listener first.
        &self.listeners[0]
    }

    /// The addresses of the listener's sockets, one per node.
    fn sockets_of(&self, listener: &Listener) -> Vec<SocketAddr> {
        self.nodes()
            .iter()
            .filter(|n| self.listeners[n.listener].name == listener.name)
            .map(|n| n.addr)
            .collect()
    }

    /// The indexes of the sockets of the node with this IP, on every listener.
    fn node_sockets(&self, ip: IpAddr) -> Result<Vec<usize>, MockError> {
        let indexes: Vec<usize> = self
            .nodes()
            .iter()
            .enumerate()
            .filter(|(_, n)| n.addr.ip() == ip)
            .map(|(i, _)| i)
            .collect();
        if indexes.is_empty() {
            return Err(MockError::UnknownNode { ip });
        }
        Ok(indexes)
    }

    fn stop_socket(&self, index: usize) {
        let Some(node) = self.node(index) else {
            return;
        };
        let live = lock(&self.live);
        node.up.store(false, Ordering::Release);
        // Dropping the listener here, not in its task, closes the socket before this returns:
        // a connect right after `stop_node` must be refused, not queued in a backlog.
        drop(lock(&node.listener_socket).take());
        if let Some(task) = lock(&node.accept_task).take() {
            task.abort();
        }
        for live_conn in live.values().filter(|c| c.conn.node == node.addr) {
            live_conn.conn.kill(Closer::Server);
        }
    }

    fn stop_all(&self) {
        self.shut_down.store(true, Ordering::Release);
        let count = self.nodes().len();
        for index in 0..count {
            self.stop_socket(index);
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
    /// Binds every listener on every node and starts serving `handler` on them.
    ///
    /// For each listener with port `0`, the first node binds an ephemeral port and the others
    /// bind the same one; on a collision the whole set is tried again with a new port.
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
        let mut specs = vec![(MAIN_LISTENER.to_owned(), config.port, false)];
        for listener in config.listeners {
            if specs.iter().any(|(name, _, _)| *name == listener.name) {
                return Err(MockError::DuplicateListener {
                    name: listener.name,
                });
            }
            specs.push((listener.name, listener.port, listener.plain));
        }

        let serve_tls = config.tls.is_some();
        let mut listeners = Vec::new();
        let mut nodes = Vec::new();
        for (index, (name, port, plain)) in specs.into_iter().enumerate() {
            let (port, sockets) = bind_all(&ips, port)?;
            for socket in sockets {
                nodes.push(Arc::new(Node::new(socket, index)?));
            }
            listeners.push(Listener {
                name: name.into(),
                port,
                tls: serve_tls && !plain,
            });
        }

        let tls = match &config.tls {
            Some(settings) => Some(match &settings.ca {
                Some(ca) => ServerTls::generate_with_ca(&settings.names, &ips, ca)?,
                None => ServerTls::generate(&settings.names, &ips)?,
            }),
            None => None,
        };

        let node_count = nodes.len();
        let shared = Arc::new(ServerShared {
            nodes: RwLock::new(nodes),
            listeners,
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
            tls,
            host_name: config.host_name,
        });
        for index in 0..node_count {
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

    /// One URL per node on the main listener, `scheme://ip:port`, in configuration order.
    pub fn urls(&self) -> Vec<String> {
        self.listener_urls(MAIN_LISTENER)
    }

    /// The server's URL on the main listener: `scheme://host_name:port` when a host name is
    /// configured, else the first node's URL.
    pub fn url(&self) -> String {
        self.listener_url(MAIN_LISTENER).unwrap_or_default()
    }

    /// `scheme://ip:port` for `ip` with this server's main scheme and port, node or not.
    pub fn url_for(&self, ip: IpAddr) -> String {
        let main = self.shared.main();
        format!("{}://{}", scheme(main.tls), SocketAddr::new(ip, main.port))
    }

    /// The listener names, [`MAIN_LISTENER`] first, then in configuration order.
    pub fn listener_names(&self) -> Vec<String> {
        self.shared
            .listeners
            .iter()
            .map(|l| l.name.to_string())
            .collect()
    }

    /// The port of the listener called `name`.
    pub fn listener_port(&self, name: &str) -> Option<u16> {
        self.shared.listener(name).map(|l| l.port)
    }

    /// Whether the listener called `name` serves TLS.
    pub fn listener_is_tls(&self, name: &str) -> Option<bool> {
        self.shared.listener(name).map(|l| l.tls)
    }

    /// One URL per node on the listener called `name` (empty if there is none).
    pub fn listener_urls(&self, name: &str) -> Vec<String> {
        let Some(listener) = self.shared.listener(name) else {
            return Vec::new();
        };
        self.shared
            .sockets_of(listener)
            .iter()
            .map(|addr| format!("{}://{addr}", scheme(listener.tls)))
            .collect()
    }

    /// The server's URL on the listener called `name`: `scheme://host_name:port` when a host
    /// name is configured, else the first node's URL.
    pub fn listener_url(&self, name: &str) -> Option<String> {
        let listener = self.shared.listener(name)?;
        match &self.shared.host_name {
            Some(host) => Some(format!(
                "{}://{host}:{}",
                scheme(listener.tls),
                listener.port
            )),
            None => self
                .shared
                .sockets_of(listener)
                .first()
                .map(|addr| format!("{}://{addr}", scheme(listener.tls))),
        }
    }

    /// The socket addresses of the listener called `name`, one per node.
    pub fn listener_addrs(&self, name: &str) -> Vec<SocketAddr> {
        match self.shared.listener(name) {
            Some(listener) => self.shared.sockets_of(listener),
            None => Vec::new(),
        }
    }

    /// The main listener's port, the same on every node.
    pub fn port(&self) -> u16 {
        self.shared.main().port
    }

    /// The node addresses on the main listener.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.listener_addrs(MAIN_LISTENER)
    }

    /// The node IPs.
    pub fn ips(&self) -> Vec<IpAddr> {
        self.addrs().iter().map(SocketAddr::ip).collect()
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
        self.shared.node_sockets(ip).is_ok_and(|sockets| {
            sockets
                .iter()
                .all(|&i| self.shared.node(i).is_some_and(|n| n.is_up()))
        })
    }

    /// Closes the node's listeners (every port) and its open connections. When this returns,
    /// new connects to the node are refused (`ECONNREFUSED`) and no further byte is read or
    /// written on its connections; their sockets close right after.
    pub fn stop_node(&self, ip: IpAddr) -> Result<(), MockError> {
        for index in self.shared.node_sockets(ip)? {
            self.shared.stop_socket(index);
        }
        Ok(())
    }

    /// Listens again on a stopped node, on the same ports. Does nothing if it is up.
    pub fn start_node(&self, ip: IpAddr) -> Result<(), MockError> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(MockError::ShutDown);
        }
        for index in self.shared.node_sockets(ip)? {
            let Some(node) = self.shared.node(index) else {
                continue;
            };
            if lock(&node.listener_socket).is_some() {
                continue;
            }
            let socket = {
                let _runtime = self.shared.runtime.enter();
                listen(node.addr)?
            };
            *lock(&node.listener_socket) = Some(socket);
            {
                let _live = lock(&self.shared.live);
                node.up.store(true, Ordering::Release);
            }
            spawn_accept(&self.shared, index);
        }
        Ok(())
    }

    /// Makes `ip` a node of the running server: it listens there on every listener's port,
    /// plain or TLS as the listener is, serving the same handler, log and faults. For a mock
    /// whose system moves to a new address at run time (stop the old node afterwards with
    /// [`stop_node`](Self::stop_node)).
    ///
    /// A TLS server presents its one certificate, generated at start: its IP SANs name the
    /// configured nodes only, so a client that checks the name against `ip` refuses it
    /// (clients that trust the CA and check a DNS name, or pin the fingerprint, accept it).
    ///
    /// An IP that is a node already is started like [`start_node`](Self::start_node). Fails
    /// for an address outside loopback, a port taken on `ip` (nothing is left listening
    /// then), or a server that was shut down. [`urls`](Self::urls) and [`ips`](Self::ips)
    /// list the new node after the configured ones.
    pub fn add_node(&self, ip: IpAddr) -> Result<(), MockError> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(MockError::ShutDown);
        }
        if !ip.is_loopback() {
            return Err(MockError::NotLoopback { ip });
        }
        if self.shared.node_sockets(ip).is_ok() {
            return self.start_node(ip);
        }
        let added = {
            let _runtime = self.shared.runtime.enter();
            self.shared
                .listeners
                .iter()
                .enumerate()
                .map(|(index, l)| Node::new(listen(SocketAddr::new(ip, l.port))?, index))
                .collect::<Result<Vec<_>, _>>()?
        };
        let indexes = {
            let mut nodes = self
                .shared
                .nodes
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let first = nodes.len();
            nodes.extend(added.into_iter().map(Arc::new));
            first..nodes.len()
        };
        for index in indexes.clone() {
            spawn_accept(&self.shared, index);
        }
        // A shutdown that ran between the check above and the push missed these sockets.
        if self.shared.shut_down.load(Ordering::Acquire) {
            for index in indexes {
                self.shared.stop_socket(index);
            }
            return Err(MockError::ShutDown);
        }
        tracing::info!(%ip, "mock server node added");
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

fn scheme(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

fn spawn_accept(shared: &Arc<ServerShared>, index: usize) {
    let Some(node) = shared.node(index) else {
        return;
    };
    let task = shared
        .runtime
        .spawn(accept_loop(Arc::clone(shared), Arc::clone(&node)));
    *lock(&node.accept_task) = Some(task.abort_handle());
}

async fn accept_loop(shared: Arc<ServerShared>, node: Arc<Node>) {
    loop {
        // The listener lives in the node, not in this task, so `stop_node` can close it
        // synchronously; the lock is held only while polling.
        let accepted = poll_fn(|cx| match lock(&node.listener_socket).as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        match accepted {
            None => return,
            Some(Ok((tcp, peer))) => conn::accept(&shared, &node, tcp, peer),
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
