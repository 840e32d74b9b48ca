//! An authoritative DNS server on loopback whose answers a test changes while it runs.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::runtime::Handle;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use crate::error::MockError;
use crate::lock;

/// How many ephemeral ports to try before giving up on one free for both UDP and TCP.
const PORT_ATTEMPTS: u32 = 16;

/// The classic UDP payload limit for queries without EDNS.
const PLAIN_UDP_LIMIT: usize = 512;

/// A failure the server answers every query with, instead of its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DnsFailure {
    /// `SERVFAIL`.
    ServFail,
    /// `REFUSED`.
    Refused,
    /// No answer at all: the client times out.
    Drop,
}

/// The transport a query came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsTransport {
    /// UDP.
    Udp,
    /// TCP (length-prefixed).
    Tcp,
}

/// One query as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DnsQuery {
    /// When it arrived, on Tokio's clock.
    pub at: Instant,
    /// The queried name, as sent (case kept, trailing dot included).
    pub name: String,
    /// The queried type, e.g. `A`, `AAAA`.
    pub record_type: String,
    /// UDP or TCP.
    pub transport: DnsTransport,
    /// The response code sent (`NoError`, `NXDomain`, …); `None` when the query was dropped
    /// or could not be parsed.
    pub response: Option<String>,
}

/// An authoritative DNS server for A and AAAA records, on UDP and TCP on the same port.
///
/// Names are matched case-insensitively, with or without the trailing dot. Unknown names get
/// `NXDOMAIN`, known names without records of the asked type an empty `NOERROR`. Negative
/// answers carry no SOA record. Every answer has the AA bit set.
///
/// Dropping it stops both listeners.
pub struct DnsServer {
    addr: SocketAddr,
    zone: Arc<Zone>,
    tasks: Vec<AbortHandle>,
}

struct Zone {
    records: Mutex<HashMap<String, Vec<IpAddr>>>,
    ttl: AtomicU32,
    failure: Mutex<Option<DnsFailure>>,
    queries: Mutex<Vec<DnsQuery>>,
}

impl DnsServer {
    /// Binds UDP and TCP on `bind` (port `0` picks one free for both) and starts answering.
    pub async fn start(bind: SocketAddr) -> Result<Self, MockError> {
        let runtime = Handle::try_current().map_err(|_| MockError::NoRuntime)?;
        let (udp, tcp) = bind_pair(bind).await?;
        let addr = udp.local_addr()?;
        let zone = Arc::new(Zone {
            records: Mutex::new(HashMap::new()),
            ttl: AtomicU32::new(60),
            failure: Mutex::new(None),
            queries: Mutex::new(Vec::new()),
        });
        let udp_task = runtime.spawn(serve_udp(udp, Arc::clone(&zone)));
        let tcp_task = runtime.spawn(serve_tcp(tcp, Arc::clone(&zone)));
        Ok(Self {
            addr,
            zone,
            tasks: vec![udp_task.abort_handle(), tcp_task.abort_handle()],
        })
    }

    /// The address both listeners are bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers `name` with `ips` from now on: IPv4 ones for A queries, IPv6 ones for AAAA.
    pub fn set(&self, name: &str, ips: impl Into<Vec<IpAddr>>) {
        lock(&self.zone.records).insert(normalize(name), ips.into());
    }

    /// Forgets `name`, so it gets `NXDOMAIN`; `false` if it was unknown.
    pub fn remove(&self, name: &str) -> bool {
        lock(&self.zone.records).remove(&normalize(name)).is_some()
    }

    /// The addresses `name` is answered with.
    pub fn get(&self, name: &str) -> Option<Vec<IpAddr>> {
        lock(&self.zone.records).get(&normalize(name)).cloned()
    }

    /// Sets the TTL of the records in later answers (default 60 s).
    pub fn set_ttl(&self, secs: u32) {
        self.zone.ttl.store(secs, Ordering::Relaxed);
    }

    /// Answers every query with this failure from now on; `None` answers normally again.
    pub fn set_failure(&self, failure: Option<DnsFailure>) {
        *lock(&self.zone.failure) = failure;
    }

    /// How many queries arrived.
    pub fn queries(&self) -> u64 {
        lock(&self.zone.queries).len() as u64
    }

    /// Every query so far, in arrival order.
    pub fn query_log(&self) -> Vec<DnsQuery> {
        lock(&self.zone.queries).clone()
    }

    /// Forgets the logged queries.
    pub fn clear_query_log(&self) {
        lock(&self.zone.queries).clear();
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

async fn bind_pair(bind: SocketAddr) -> Result<(UdpSocket, TcpListener), MockError> {
    let bind_err = |addr, source| MockError::Bind { addr, source };
    for _ in 0..PORT_ATTEMPTS {
        let udp = UdpSocket::bind(bind).await.map_err(|e| bind_err(bind, e))?;
        let addr = udp.local_addr()?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if bind.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(bind_err(addr, e)),
        }
    }
    Err(MockError::NoCommonPort {
        attempts: PORT_ATTEMPTS,
    })
}

async fn serve_udp(socket: UdpSocket, zone: Arc<Zone>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(error) => {
                // On Linux a previous send to a closed port surfaces here; keep serving.
                tracing::debug!(%error, "DNS UDP receive failed");
                // A persistent error must not turn this loop into a busy spin.
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                continue;
            }
        };
        if let Some(reply) = zone.answer(&buf[..len], DnsTransport::Udp) {
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, zone: Arc<Zone>) {
    // Owned by this task, so aborting it aborts every connection too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_tcp_conn(stream, Arc::clone(&zone)));
                }
                Err(error) => tracing::debug!(%error, "DNS TCP accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_tcp_conn(mut stream: TcpStream, zone: Arc<Zone>) {
    loop {
        let Ok(len) = stream.read_u16().await else {
            return;
        };
        let mut query = vec![0u8; usize::from(len)];
        if stream.read_exact(&mut query).await.is_err() {
            return;
        }
        let Some(reply) = zone.answer(&query, DnsTransport::Tcp) else {
            continue;
        };
        let Ok(reply_len) = u16::try_from(reply.len()) else {
            return;
        };
        if stream.write_u16(reply_len).await.is_err() || stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

impl Zone {
    fn answer(&self, query: &[u8], transport: DnsTransport) -> Option<Vec<u8>> {
        let request = match Message::from_vec(query) {
            Ok(request) => request,
            Err(error) => {
                tracing::debug!(%error, "undecodable DNS query");
                self.log(String::new(), String::new(), transport, None);
                return None;
            }
        };
        if request.metadata.message_type != MessageType::Query {
            return None;
        }

        let mut response = Message::response(request.metadata.id, request.metadata.op_code);
        response.metadata.recursion_desired = request.metadata.recursion_desired;
        response.metadata.authoritative = true;
        response.queries = request.queries.clone();
        if let Some(edns) = &request.edns {
            let mut reply_edns = Edns::new();
            reply_edns.set_max_payload(edns.max_payload().max(512));
            response.edns = Some(reply_edns);
        }

        let (name, record_type) = request
            .queries
            .first()
            .map(|q| (q.name().to_ascii(), q.query_type()))
            .unwrap_or((String::new(), RecordType::A));
        let failure = *lock(&self.failure);

        let code = if request.metadata.op_code != OpCode::Query {
            ResponseCode::NotImp
        } else if request.queries.len() != 1 {
            ResponseCode::FormErr
        } else {
            match failure {
                Some(DnsFailure::Drop) => {
                    self.log(name, record_type.to_string(), transport, None);
                    return None;
                }
                Some(DnsFailure::ServFail) => ResponseCode::ServFail,
                Some(DnsFailure::Refused) => ResponseCode::Refused,
                None => self.lookup(&request, &mut response),
            }
        };
        response.metadata.response_code = code;
        self.log(
            name,
            record_type.to_string(),
            transport,
            Some(format!("{code:?}")),
        );

        let mut bytes = response.to_vec().ok()?;
        if transport == DnsTransport::Udp {
            let limit = match &request.edns {
                Some(edns) => usize::from(edns.max_payload()).max(PLAIN_UDP_LIMIT),
                None => PLAIN_UDP_LIMIT,
            };
            if bytes.len() > limit {
                // Too big for this client over UDP: set TC so it retries over TCP.
                bytes = response.truncate().to_vec().ok()?;
            }
        }
        Some(bytes)
    }

    fn lookup(&self, request: &Message, response: &mut Message) -> ResponseCode {
        let Some(query) = request.queries.first() else {
            return ResponseCode::FormErr;
        };
        let key = normalize(&query.name().to_ascii());
        let Some(ips) = lock(&self.records).get(&key).cloned() else {
            return ResponseCode::NXDomain;
        };
        let ttl = self.ttl.load(Ordering::Relaxed);
        let wanted = query.query_type();
        for ip in ips {
            let rdata = match (ip, wanted) {
                (IpAddr::V4(v4), RecordType::A | RecordType::ANY) => RData::A(A(v4)),
                (IpAddr::V6(v6), RecordType::AAAA | RecordType::ANY) => RData::AAAA(AAAA(v6)),
                _ => continue,
            };
            response
                .answers
                .push(Record::from_rdata(query.name().clone(), ttl, rdata));
        }
        ResponseCode::NoError
    }

    fn log(
        &self,
        name: String,
        record_type: String,
        transport: DnsTransport,
        response: Option<String>,
    ) {
        lock(&self.queries).push(DnsQuery {
            at: Instant::now(),
            name,
            record_type,
            transport,
            response,
        });
    }
}
