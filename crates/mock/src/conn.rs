//! One accepted connection: TLS, hyper, faults, idle close, and its record.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::pending;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::body::{self, BoxError, MockBody};
use crate::faults::FaultAction;
use crate::framing::Event;
use crate::handler::Ctx;
use crate::log::{Closer, ConnRecord, LoggedRequest, RequestLog};
use crate::reply;
use crate::server::{LiveConn, Node, ServerShared};
use crate::socket::{HyperIo, TcpIo};
use crate::{hex, lock};

const FLUSH_NOTHING: u8 = 0;
const FLUSH_THEN_CLOSE: u8 = 1;
const FLUSH_THEN_RESET: u8 = 2;

/// State shared by a connection's task, its socket wrappers, its request futures and the
/// server handle that may close it.
pub(crate) struct ConnShared {
    pub(crate) id: u64,
    pub(crate) node: SocketAddr,
    pub(crate) peer: SocketAddr,
    pub(crate) tls: bool,
    pub(crate) listener: Arc<str>,
    log: RequestLog,
    exchanges: Mutex<Exchanges>,
    state: Mutex<ConnState>,
    killed: AtomicBool,
    kill: Notify,
    peer_closed: AtomicBool,
    after_flush: AtomicU8,
    rst_on_close: AtomicBool,
}

struct ConnState {
    in_flight: u32,
    idle_since: Instant,
    closer: Option<Closer>,
    error: Option<String>,
}

/// Pairs what the framer saw of each request (its raw line, its body) with the log entry
/// `answer` made for it. Both sides see requests in the same order; either may come first.
#[derive(Default)]
struct Exchanges {
    next: u64,
    /// The request whose body the framer is following.
    current: Option<u64>,
    /// Heads the framer saw that no `answer` has taken yet.
    unclaimed: VecDeque<(u64, RawHead)>,
    /// Log entries waiting for their body's end.
    seqs: HashMap<u64, u64>,
    /// Body ends waiting for their log entry.
    bodies: HashMap<u64, BodyStats>,
}

/// A request line as the client sent it.
pub(crate) struct RawHead {
    line: String,
    target: String,
}

#[derive(Clone, Copy)]
struct BodyStats {
    len: u64,
    /// `None` when the body did not arrive whole.
    sha256: Option<[u8; 32]>,
}

impl BodyStats {
    fn write_to(self, entry: &mut LoggedRequest) {
        entry.body_len = Some(self.len);
        entry.body_sha256 = self.sha256.map(|digest| hex::lower(&digest));
    }
}

impl ConnShared {
    fn new(
        id: u64,
        node: SocketAddr,
        peer: SocketAddr,
        tls: bool,
        listener: Arc<str>,
        log: RequestLog,
    ) -> Self {
        Self {
            id,
            node,
            peer,
            tls,
            listener,
            log,
            exchanges: Mutex::new(Exchanges::default()),
            state: Mutex::new(ConnState {
                in_flight: 0,
                idle_since: Instant::now(),
                closer: None,
                error: None,
            }),
            killed: AtomicBool::new(false),
            kill: Notify::new(),
            peer_closed: AtomicBool::new(false),
            after_flush: AtomicU8::new(FLUSH_NOTHING),
            rst_on_close: AtomicBool::new(false),
        }
    }

    pub(crate) fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    pub(crate) fn note_peer_closed(&self) {
        self.peer_closed.store(true, Ordering::Release);
    }

    pub(crate) fn rst_on_close(&self) -> bool {
        self.rst_on_close.load(Ordering::Acquire)
    }

    /// Takes what the framer saw on this connection.
    pub(crate) fn framing_event(&self, event: Event) {
        let mut exchanges = lock(&self.exchanges);
        match event {
            Event::Head {
                raw_line,
                raw_target,
            } => {
                let index = exchanges.next;
                exchanges.next += 1;
                exchanges.current = Some(index);
                exchanges.unclaimed.push_back((
                    index,
                    RawHead {
                        line: raw_line,
                        target: raw_target,
                    },
                ));
            }
            Event::BodyEnd { len, sha256 } => {
                let stats = BodyStats {
                    len,
                    sha256: Some(sha256),
                };
                self.body_done(&mut exchanges, stats);
            }
        }
    }

    /// The connection ended `len` bytes into a body.
    pub(crate) fn body_cut_short(&self, len: u64) {
        let mut exchanges = lock(&self.exchanges);
        self.body_done(&mut exchanges, BodyStats { len, sha256: None });
    }

    fn body_done(&self, exchanges: &mut Exchanges, stats: BodyStats) {
        let Some(index) = exchanges.current.take() else {
            return;
        };
        match exchanges.seqs.remove(&index) {
            Some(seq) => self.log.update(seq, |entry| stats.write_to(entry)),
            None => {
                exchanges.bodies.insert(index, stats);
            }
        }
    }

    /// The oldest request line no request has taken yet: the one hyper is answering now.
    fn claim_head(&self) -> Option<(u64, RawHead)> {
        lock(&self.exchanges).unclaimed.pop_front()
    }

    /// Links request `index` to its log entry; fills the body in if it already ended.
    fn bind(&self, index: u64, seq: u64) {
        let mut exchanges = lock(&self.exchanges);
        match exchanges.bodies.remove(&index) {
            Some(stats) => self.log.update(seq, |entry| stats.write_to(entry)),
            None => {
                exchanges.seqs.insert(index, seq);
            }
        }
    }

    /// Cuts the connection with a TCP reset.
    fn reset(&self) {
        self.rst_on_close.store(true, Ordering::Release);
        self.kill(Closer::Fault);
    }

    /// Stops all traffic on the connection at once and asks its task to drop the socket.
    pub(crate) fn kill(&self, closer: Closer) {
        {
            let mut state = lock(&self.state);
            state.closer.get_or_insert(closer);
            self.killed.store(true, Ordering::Release);
        }
        self.kill.notify_one();
    }

    /// Closes the connection if no request is being served; `true` if it did.
    pub(crate) fn close_if_idle(&self) -> bool {
        {
            // Checked under the same lock `begin_request` takes, so a request either counts
            // as in flight or finds the connection dead: never both half-way.
            let mut state = lock(&self.state);
            if state.in_flight > 0 || self.is_killed() {
                return false;
            }
            state.closer.get_or_insert(Closer::Server);
            self.killed.store(true, Ordering::Release);
        }
        self.kill.notify_one();
        true
    }

    /// Arms a fault body's ending; the next completed flush fires it.
    fn arm_after_flush(&self, reset: bool) {
        if reset {
            self.rst_on_close.store(true, Ordering::Release);
        }
        let action = if reset {
            FLUSH_THEN_RESET
        } else {
            FLUSH_THEN_CLOSE
        };
        self.after_flush.store(action, Ordering::Release);
    }

    /// Called by the socket wrapper after each completed flush; `true` if a fault fired.
    pub(crate) fn fire_after_flush(&self) -> bool {
        match self.after_flush.swap(FLUSH_NOTHING, Ordering::AcqRel) {
            FLUSH_NOTHING => false,
            _ => {
                self.kill(Closer::Fault);
                true
            }
        }
    }

    async fn killed(&self) {
        loop {
            if self.is_killed() {
                return;
            }
            self.kill.notified().await;
        }
    }

    fn begin_request(self: &Arc<Self>) -> Option<RequestGuard> {
        let mut state = lock(&self.state);
        if self.is_killed() {
            return None;
        }
        state.in_flight += 1;
        Some(RequestGuard {
            conn: Arc::clone(self),
        })
    }

    fn idle_for(&self) -> Option<Duration> {
        let state = lock(&self.state);
        (state.in_flight == 0).then(|| state.idle_since.elapsed())
    }

    fn note_error(&self, error: String) {
        lock(&self.state).error.get_or_insert(error);
    }

    fn closer(&self) -> Closer {
        let state = lock(&self.state);
        state
            .closer
            .unwrap_or(if self.peer_closed.load(Ordering::Acquire) {
                Closer::Client
            } else {
                Closer::Server
            })
    }
}

/// Counts a request as in flight until its response body is dropped, which hyper does once
/// the last byte is written (or the connection dies).
struct RequestGuard {
    conn: Arc<ConnShared>,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut state = lock(&self.conn.state);
        state.in_flight = state.in_flight.saturating_sub(1);
        state.idle_since = Instant::now();
    }
}

/// Finishes the connection's record however its task ends, aborted included.
struct ConnGuard {
    server: Arc<ServerShared>,
    conn: Arc<ConnShared>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let closer = self.conn.closer();
        let error = lock(&self.conn.state).error.take();
        lock(&self.server.live).remove(&self.conn.id);
        self.server.conns.update(self.conn.id, |record| {
            record.closed_at.get_or_insert_with(Instant::now);
            record.closed_by.get_or_insert(closer);
            if record.error.is_none() {
                record.error = error;
            }
        });
    }
}

/// Takes a freshly accepted connection: records it, applies accept faults, spawns its task.
pub(crate) fn accept(server: &Arc<ServerShared>, node: &Node, tcp: TcpStream, peer: SocketAddr) {
    let Some(listener) = server.listeners.get(node.listener) else {
        return;
    };
    let id = server.next_conn_id();
    let tls = listener.tls;
    let mut record = ConnRecord::new(id, node.addr, peer, tls, &listener.name);

    let fault = server.faults.take_on_accept(node.addr.ip(), &listener.name);
    let stall = matches!(fault, Some(FaultAction::StallHandshake));
    if let Some(action) = &fault {
        record.fault = Some(action.name().to_owned());
        if !stall {
            drop(tcp);
            record.closed_at = Some(Instant::now());
            record.closed_by = Some(Closer::Fault);
            server.conns.insert(record);
            return;
        }
    }

    let conn = Arc::new(ConnShared::new(
        id,
        node.addr,
        peer,
        tls,
        Arc::clone(&listener.name),
        server.log.clone(),
    ));
    {
        let mut live = lock(&server.live);
        // `stop_node` flips `up` under this lock, so a connection accepted just before the
        // listener closed is either seen and closed there, or refused here.
        if !node.is_up() {
            drop(tcp);
            record.closed_at = Some(Instant::now());
            record.closed_by = Some(Closer::Server);
            server.conns.insert(record);
            return;
        }
        server.conns.insert(record);
        live.insert(
            id,
            LiveConn {
                conn: Arc::clone(&conn),
                task: None,
            },
        );
    }
    let task = if stall {
        server
            .runtime
            .spawn(stall_handshake(Arc::clone(server), Arc::clone(&conn), tcp))
    } else {
        server
            .runtime
            .spawn(serve(Arc::clone(server), Arc::clone(&conn), tcp))
    };
    if let Some(live) = lock(&server.live).get_mut(&id) {
        live.task = Some(task.abort_handle());
    }
}

/// Holds the connection without ever answering (no TLS handshake, no HTTP): reads and
/// discards what the client sends until it gives up or the server closes the connection.
async fn stall_handshake(server: Arc<ServerShared>, conn: Arc<ConnShared>, tcp: TcpStream) {
    let _guard = ConnGuard {
        server: Arc::clone(&server),
        conn: Arc::clone(&conn),
    };
    let mut tcp = TcpIo::new(tcp, Arc::clone(&conn));
    let mut discard = [0u8; 4096];
    loop {
        tokio::select! {
            read = tcp.read(&mut discard) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            () = conn.killed() => return,
        }
    }
}

async fn serve(server: Arc<ServerShared>, conn: Arc<ConnShared>, tcp: TcpStream) {
    let _guard = ConnGuard {
        server: Arc::clone(&server),
        conn: Arc::clone(&conn),
    };
    // Mock answers are small and latency matters more than packet count on loopback.
    let _ = tcp.set_nodelay(true);
    let tcp = TcpIo::new(tcp, Arc::clone(&conn));

    let acceptor = match (&server.acceptor, conn.tls) {
        (Some(acceptor), true) => acceptor.clone(),
        _ => {
            serve_http(&server, &conn, tcp, None).await;
            return;
        }
    };
    let handshake = tokio::select! {
        result = acceptor.accept(tcp) => result,
        () = conn.killed() => return,
    };
    match handshake {
        Ok(stream) => {
            let sni = stream.get_ref().1.server_name().map(str::to_owned);
            let recorded = sni.clone();
            server.conns.update(conn.id, |record| record.sni = recorded);
            serve_http(&server, &conn, stream, sni).await;
        }
        Err(error) => conn.note_error(format!("TLS handshake failed: {error}")),
    }
}

async fn serve_http<S>(
    server: &Arc<ServerShared>,
    conn: &Arc<ConnShared>,
    io: S,
    sni: Option<String>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(HyperIo::new(io, Arc::clone(conn)));
    let service = {
        let server = Arc::clone(server);
        let conn = Arc::clone(conn);
        service_fn(move |req| answer(Arc::clone(&server), Arc::clone(&conn), sni.clone(), req))
    };
    // No header timeout: a mock must never cut a slow client on its own; closing idle
    // connections is `idle_close`'s job, and it is off unless a test asks for it.
    let serving = http1::Builder::new()
        .keep_alive(true)
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(serving);
    let idle = idle_watch(conn, server.idle_close);
    tokio::pin!(idle);
    tokio::select! {
        result = serving.as_mut() => {
            if let Err(error) = result {
                conn.note_error(error.to_string());
            }
        }
        () = conn.killed() => {}
        () = &mut idle => {}
    }
}

/// Closes the connection once it has been idle for `after`; never returns otherwise.
async fn idle_watch(conn: &ConnShared, after: Option<Duration>) {
    let Some(after) = after else {
        return pending().await;
    };
    loop {
        let wait = match conn.idle_for() {
            Some(idle) if idle >= after => {
                if conn.close_if_idle() {
                    return;
                }
                after
            }
            Some(idle) => after - idle,
            // Busy: look again later; the response's end resets the idle clock anyway.
            None => after,
        };
        tokio::time::sleep(wait).await;
    }
}

async fn answer(
    server: Arc<ServerShared>,
    conn: Arc<ConnShared>,
    sni: Option<String>,
    req: Request<Incoming>,
) -> Result<Response<TrackedBody>, Infallible> {
    let Some(guard) = conn.begin_request() else {
        // The connection is being closed; nothing may be answered on it.
        return pending().await;
    };
    server.conns.update(conn.id, |record| record.requests += 1);

    let claimed = conn.claim_head();
    let index = claimed.as_ref().map(|(index, _)| *index);
    let (raw_line, raw_target) = claimed.map(|(_, raw)| (raw.line, raw.target)).unzip();
    let ctx = Ctx {
        node: conn.node,
        peer: conn.peer,
        conn_id: conn.id,
        sni,
        tls: conn.tls,
        listener: conn.listener.to_string(),
        raw_line,
        raw_target,
    };
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string));
    let fault = server.faults.take_for_request(&parts, &ctx);
    let seq = server.log.push(|seq| LoggedRequest {
        seq,
        at: Instant::now(),
        node: conn.node,
        peer: conn.peer,
        conn_id: conn.id,
        listener: ctx.listener.clone(),
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        raw_line: ctx.raw_line.clone(),
        raw_target: ctx.raw_target.clone(),
        headers: parts.headers.clone(),
        host,
        sni: ctx.sni.clone(),
        status: None,
        fault: fault.as_ref().map(|f| f.name().to_owned()),
        body_len: None,
        body_sha256: None,
    });
    if let Some(index) = index {
        conn.bind(index, seq);
    }
    let req = Request::from_parts(parts, body);

    let response = match fault {
        None => server.handler.call(req, ctx).await,
        Some(FaultAction::DelayHeaders(delay)) => {
            tokio::time::sleep(delay).await;
            server.handler.call(req, ctx).await
        }
        Some(FaultAction::Respond {
            status,
            headers,
            body,
        }) => {
            let mut response = reply::status(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            *response.body_mut() = body::full(body);
            for (name, value) in &headers {
                reply::append_header(&mut response, name, value);
            }
            response
        }
        Some(FaultAction::CloseBeforeResponse) => {
            let mut body = req.into_body();
            while let Some(frame) = body.frame().await {
                if frame.is_err() {
                    break;
                }
            }
            conn.kill(Closer::Fault);
            return pending().await;
        }
        Some(FaultAction::LoseResponse) => {
            let answer = server.handler.call(req, ctx).await;
            let status = answer.status().as_u16();
            server.log.update(seq, |entry| entry.status = Some(status));
            drop(answer);
            conn.kill(Closer::Fault);
            return pending().await;
        }
        Some(FaultAction::ResetMidBody {
            after_bytes,
            total_len,
        }) => {
            let sent = u64::try_from(after_bytes)
                .unwrap_or(u64::MAX)
                .min(total_len.saturating_sub(1));
            let mut data = Vec::new();
            while (data.len() as u64) < sent {
                let chunk =
                    body::pattern_chunk(data.len() as u64, (sent - data.len() as u64) as usize);
                data.extend_from_slice(&chunk);
            }
            cut_short(total_len, Bytes::from(data), &conn, true)
        }
        Some(FaultAction::TruncatedBody { declared_len, body }) => {
            cut_short(declared_len, body, &conn, false)
        }
        Some(FaultAction::CorruptBody { at }) => server.handler.call(req, ctx).await.map(|inner| {
            CorruptingBody {
                inner,
                at,
                offset: 0,
            }
            .boxed_unsync()
        }),
        Some(FaultAction::ResetMidUpload { after_bytes }) => {
            let mut body = req.into_body();
            let mut received = 0u64;
            while received < after_bytes {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        received += frame.data_ref().map_or(0, |d| d.len() as u64);
                    }
                    Some(Err(_)) | None => break,
                }
            }
            conn.reset();
            return pending().await;
        }
        // Accept faults are taken at accept time and never match a request.
        Some(FaultAction::CloseOnAccept | FaultAction::StallHandshake) => {
            server.handler.call(req, ctx).await
        }
    };

    let status = response.status().as_u16();
    server.log.update(seq, |entry| entry.status = Some(status));
    Ok(response.map(|inner| TrackedBody {
        inner,
        _guard: guard,
    }))
}

/// A `200` announcing `declared_len` bytes that sends `data`, then closes or resets.
fn cut_short(
    declared_len: u64,
    data: Bytes,
    conn: &Arc<ConnShared>,
    reset: bool,
) -> Response<MockBody> {
    let body = CutShortBody {
        data: Some(data),
        conn: Arc::clone(conn),
        reset,
    };
    let mut response = Response::new(MockBody::new(body));
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(declared_len));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    response
}

/// Sends its data, then stays pending and arms the connection to be cut after the flush.
///
/// Its size hint stays unknown on purpose: hyper then takes the length from the
/// `Content-Length` header instead of checking it against the data.
struct CutShortBody {
    data: Option<Bytes>,
    conn: Arc<ConnShared>,
    reset: bool,
}

impl Body for CutShortBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        self.conn.arm_after_flush(self.reset);
        Poll::Pending
    }
}

/// The handler's body with one byte's bits inverted on the way out.
struct CorruptingBody {
    inner: MockBody,
    at: u64,
    offset: u64,
}

impl Body for CorruptingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let Poll::Ready(Some(Ok(frame))) = polled else {
            return polled;
        };
        let frame = match frame.into_data() {
            Ok(data) => {
                let start = self.offset;
                self.offset += data.len() as u64;
                match usize::try_from(self.at.wrapping_sub(start)) {
                    Ok(i) if self.at >= start && i < data.len() => {
                        let mut bytes = data.to_vec();
                        bytes[i] = !bytes[i];
                        Frame::data(Bytes::from(bytes))
                    }
                    _ => Frame::data(data),
                }
            }
            Err(frame) => frame,
        };
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The handler's body, holding the in-flight guard until hyper is done with it.
struct TrackedBody {
    inner: MockBody,
    _guard: RequestGuard,
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
