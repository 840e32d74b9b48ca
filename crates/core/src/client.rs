//! The client: one logical system (a URL), many nodes, one policy.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue, USER_AGENT};
use http::{HeaderMap, Uri};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Authenticator;
use crate::body::Body;
use crate::error::{Error, ErrorKind, Phase};
use crate::poll::{Rng, SplitMix64};
use crate::pool::{ConnMeta, Node, NodePool, NodeSettings, NodeStatus};
use crate::request::{AuthChoice, Request};
use crate::resolve::{Resolve, StaticResolver, SystemResolver};
use crate::response::{Meta, Response, ResponseBody, StreamingResponse, Timings};
use crate::retry::{Classifier, Outcome, RequestView, RetryPolicy, Verdict, default_verdict};
use crate::tls::{self, TlsPolicy};

/// Configures a [`Client`].
pub struct ClientBuilder {
    url: String,
    tls: TlsPolicy,
    resolver: Option<Arc<dyn Resolve>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    idle_timeout: Duration,
    max_idle_per_node: usize,
    retry: RetryPolicy,
    classifier: Option<Arc<dyn Classifier>>,
    auth: Option<Arc<dyn Authenticator>>,
    default_headers: HeaderMap,
    request_id_headers: Vec<HeaderName>,
    max_response_body: usize,
    set_aside_for: Duration,
    refresh_debounce: Duration,
    rng: Option<Box<dyn Rng>>,
}

impl ClientBuilder {
    /// A builder for the system at `base_url` (`https://array.example.com:443/prefix`).
    /// Request paths are appended to the URL's path.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            url: base_url.into(),
            tls: TlsPolicy::default(),
            resolver: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
            max_idle_per_node: 32,
            retry: RetryPolicy::default(),
            classifier: None,
            auth: None,
            default_headers: HeaderMap::new(),
            request_id_headers: vec![HeaderName::from_static("x-request-id")],
            max_response_body: 64 * 1024 * 1024,
            set_aside_for: Duration::from_secs(30),
            refresh_debounce: Duration::from_secs(2),
            rng: None,
        }
    }

    /// The TLS policy (default: verify against the webpki roots).
    pub fn tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = policy;
        self
    }

    /// Where node addresses come from. Default: the system resolver for a host name, the
    /// address itself for an IP literal.
    pub fn resolver(mut self, resolver: impl Resolve + 'static) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// A fixed node list instead of name resolution (requests still carry the URL's host
    /// name in `Host` and SNI).
    pub fn nodes(self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.resolver(StaticResolver::new(ips))
    }

    /// TCP + TLS connect timeout (default 10 s). A node that does not connect in time is
    /// set aside and the request moves on.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Deadline of each attempt, body included (default 120 s); requests can override it.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// How long an unused keep-alive connection stays open (default 30 s); the socket is
    /// really closed when it expires.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Idle connections kept per node (default 32).
    pub fn max_idle_per_node(mut self, n: usize) -> Self {
        self.max_idle_per_node = n;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The vendor classifier consulted before the core policy.
    pub fn classifier(mut self, classifier: impl Classifier + 'static) -> Self {
        self.classifier = Some(Arc::new(classifier));
        self
    }

    /// Credentials for every request (requests can override them).
    pub fn auth(mut self, auth: impl Authenticator + 'static) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Credentials shared with other owners.
    pub fn auth_shared(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// A header sent on every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// Response headers that carry the server's request id (default `x-request-id`).
    pub fn request_id_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.request_id_headers = names.into_iter().collect();
        self
    }

    /// Largest body [`Client::send`] buffers (default 64 MiB); use
    /// [`Client::send_streaming`] beyond.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// How long a node that failed to connect is skipped (default 30 s).
    pub fn set_aside_for(mut self, d: Duration) -> Self {
        self.set_aside_for = d;
        self
    }

    /// Minimum interval between re-resolutions triggered by failures (default 2 s).
    pub fn refresh_debounce(mut self, d: Duration) -> Self {
        self.refresh_debounce = d;
        self
    }

    /// The random source for retry jitter (tests inject a seeded one).
    pub fn rng(mut self, rng: impl Rng + 'static) -> Self {
        self.rng = Some(Box::new(rng));
        self
    }

    /// Validates the configuration and builds the client. No network traffic happens
    /// until the first request.
    pub fn build(self) -> Result<Client, Error> {
        let uri: Uri = self
            .url
            .parse()
            .map_err(|e| Error::config("invalid base URL").with_source(e))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => {
                return Err(Error::config(
                    "the base URL must start with http:// or https://",
                ));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| Error::config("the base URL has no host"))?;
        if authority.as_str().contains('@') {
            return Err(Error::config(
                "credentials in the URL are not supported; use an authenticator",
            ));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let host = host.to_owned();
        let base_path = uri.path().trim_end_matches('/').to_owned();
        if uri.query().is_some() {
            return Err(Error::config("the base URL must not have a query"));
        }
        if !https {
            tracing::warn!(
                url = %self.url,
                "plain http: credentials and tokens will travel unencrypted"
            );
        }
        let tls_config = tls::client_config(&self.tls)?;
        let resolver = match (self.resolver, host.parse::<IpAddr>()) {
            (Some(r), _) => r,
            (None, Ok(ip)) => Arc::new(StaticResolver::new([ip])),
            (None, Err(_)) => Arc::new(SystemResolver),
        };
        let settings = NodeSettings {
            tls: tls_config,
            https,
            connect_timeout: self.connect_timeout,
            idle_timeout: self.idle_timeout,
            max_idle_per_node: self.max_idle_per_node,
        };
        let mut pool = NodePool::new(host.clone(), resolver, settings);
        pool.set_aside_for = self.set_aside_for;
        pool.refresh_debounce = self.refresh_debounce;
        let host_in_uri = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let mut default_headers = self.default_headers;
        if !default_headers.contains_key(USER_AGENT) {
            default_headers.insert(
                USER_AGENT,
                HeaderValue::from_static(concat!("storkit/", env!("CARGO_PKG_VERSION"))),
            );
        }
        Ok(Client {
            inner: Arc::new(Inner {
                origin: format!(
                    "{}://{host_in_uri}:{port}",
                    if https { "https" } else { "http" }
                ),
                base_path,
                host,
                pool: Arc::new(pool),
                request_timeout: self.request_timeout,
                retry: self.retry,
                classifier: self.classifier,
                auth: self.auth,
                default_headers,
                request_id_headers: self.request_id_headers,
                max_response_body: self.max_response_body,
                rng: Mutex::new(
                    self.rng
                        .unwrap_or_else(|| Box::new(SplitMix64::from_entropy())),
                ),
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// A client for one storage system reached through one or many nodes.
///
/// Cheap to clone; clones share the node pool and its connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    origin: String,
    base_path: String,
    host: String,
    pool: Arc<NodePool>,
    request_timeout: Duration,
    retry: RetryPolicy,
    classifier: Option<Arc<dyn Classifier>>,
    auth: Option<Arc<dyn Authenticator>>,
    default_headers: HeaderMap,
    request_id_headers: Vec<HeaderName>,
    max_response_body: usize,
    rng: Mutex<Box<dyn Rng>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "url",
                &format_args!("{}{}", self.inner.origin, self.inner.base_path),
            )
            .field("auth", &self.inner.auth)
            .field("nodes", &self.inner.pool.statuses())
            .finish()
    }
}

/// What one attempt produced.
enum Reply {
    Buffered {
        parts: http::response::Parts,
        body: Bytes,
    },
    Streaming {
        parts: http::response::Parts,
        body: Incoming,
    },
}

impl Reply {
    fn parts(&self) -> &http::response::Parts {
        match self {
            Reply::Buffered { parts, .. } | Reply::Streaming { parts, .. } => parts,
        }
    }
}

struct Attempt {
    reply: Reply,
    node: IpAddr,
    started: Instant,
    deadline: Instant,
    connect: Option<Duration>,
    connection: Option<u64>,
    first_byte: Duration,
    total: Duration,
}

impl Client {
    /// A builder for the system at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// The host name of the base URL (what `Host` and SNI carry).
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The base URL (scheme, host, port, path prefix).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.inner.origin, self.inner.base_path)
    }

    /// The nodes in use, and which are set aside.
    pub fn nodes(&self) -> Vec<NodeStatus> {
        self.inner.pool.statuses()
    }

    /// Resolves the host again now; on failure the old nodes stay in use.
    pub async fn refresh_nodes(&self) -> Result<Vec<IpAddr>, Error> {
        self.inner.pool.refresh().await
    }

    /// The message of the last failed refresh, cleared by a successful one.
    pub fn last_refresh_error(&self) -> Option<String> {
        self.inner.pool.last_refresh_error()
    }

    /// Sends a request and reads the whole response body.
    ///
    /// Any HTTP status comes back as `Ok` once the retry policy is done with it; use
    /// [`Response::error_for_status`] or a vendor decoder to turn it into an error.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let (method, path) = (request.method.clone(), request.path.clone());
        let (attempt, attempts) = self.execute(request, false).await?;
        let request_id = self.request_id(&attempt.reply.parts().headers);
        match attempt.reply {
            Reply::Buffered { parts, body } => Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
                meta: Meta {
                    method,
                    path,
                    node: attempt.node,
                    attempts,
                    request_id,
                    timings: Timings {
                        connect: attempt.connect,
                        first_byte: attempt.first_byte,
                        total: attempt.total,
                    },
                    connection: attempt.connection,
                },
            }),
            Reply::Streaming { .. } => Err(Error::new(ErrorKind::Config)
                .with_message("internal: streaming reply to a buffered send")),
        }
    }

    /// Sends a request and returns as soon as the response head arrives; the body is read
    /// chunk by chunk under the same deadline. The body is never buffered whole.
    pub async fn send_streaming(&self, request: Request) -> Result<StreamingResponse, Error> {
        let (method, path) = (request.method.clone(), request.path.clone());
        let (attempt, attempts) = self.execute(request, true).await?;
        let request_id = self.request_id(&attempt.reply.parts().headers);
        let meta = Meta {
            method: method.clone(),
            path: path.clone(),
            node: attempt.node,
            attempts,
            request_id,
            timings: Timings {
                connect: attempt.connect,
                first_byte: attempt.first_byte,
                total: attempt.total,
            },
            connection: attempt.connection,
        };
        match attempt.reply {
            Reply::Streaming { parts, body } => Ok(StreamingResponse {
                status: parts.status,
                headers: parts.headers,
                body: ResponseBody::new(
                    body,
                    attempt.deadline,
                    attempt.started,
                    method,
                    path,
                    attempt.node,
                ),
                meta,
            }),
            Reply::Buffered { .. } => Err(Error::new(ErrorKind::Config)
                .with_message("internal: buffered reply to a streaming send")),
        }
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        self.inner
            .request_id_headers
            .iter()
            .find_map(|n| headers.get(n))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    async fn execute(&self, request: Request, streaming: bool) -> Result<(Attempt, u32), Error> {
        let span = tracing::info_span!(
            "storkit.request",
            method = %request.method,
            path = %request.path,
            node = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let result = self
            .execute_inner(request, streaming)
            .instrument(span.clone())
            .await;
        match &result {
            Ok((a, n)) => {
                span.record("node", tracing::field::display(a.node));
                span.record("status", a.reply.parts().status.as_u16());
                span.record("attempts", n);
                if let Some(id) = self.request_id(&a.reply.parts().headers) {
                    span.record("request_id", id.as_str());
                }
            }
            Err(e) => {
                if let Some(node) = e.node() {
                    span.record("node", tracing::field::display(node));
                }
                span.record("attempts", e.attempts());
                span.in_scope(|| tracing::debug!(error = %e, "request failed"));
            }
        }
        result
    }

    async fn execute_inner(
        &self,
        mut request: Request,
        streaming: bool,
    ) -> Result<(Attempt, u32), Error> {
        let method = request.method.clone();
        let path = request.path.clone();
        let ctx = |e: Error| e.with_request(&method, &path);
        if let Some(e) = request.error.take() {
            return Err(ctx(e));
        }
        let inner = &self.inner;
        let idempotent = request.is_idempotent();
        let uri = self.uri_for(&request).map_err(ctx)?;
        let timeout = request.timeout.unwrap_or(inner.request_timeout);
        let started = Instant::now();
        let body_template = if request.body.is_replayable() {
            request.body.try_clone()
        } else {
            None
        };
        let mut stream_body = if body_template.is_none() {
            Some(request.body.take())
        } else {
            None
        };
        let mut sends: u32 = 0;
        let mut retries: u32 = 0;
        let mut reauthenticated = false;
        let mut unreachable: Vec<IpAddr> = Vec::new();

        loop {
            let mut every_node_failed = false;
            inner.pool.ensure_ready().await.map_err(ctx)?;
            let node = match request.node {
                Some(ip) => inner.pool.node_for(ip).map_err(ctx)?,
                None => match inner.pool.pick(&unreachable) {
                    Some(n) => n,
                    None => {
                        return Err(ctx(Error::new(ErrorKind::Resolve)
                            .with_message("no node address available")));
                    }
                },
            };
            let body = match (&body_template, stream_body.take()) {
                (Some(t), _) => t.try_clone().unwrap_or_default(),
                (None, Some(b)) => b,
                (None, None) => {
                    // A streaming body was consumed by an attempt that failed.
                    return Err(ctx(Error::new(ErrorKind::Config)
                        .with_message("a streaming body cannot be sent twice"))
                    .with_attempts(sends));
                }
            };
            let http_request = self.build_http_request(&request, &uri, body).map_err(ctx)?;
            sends += 1;
            let deadline = Instant::now() + timeout;
            let outcome = self
                .attempt(&node, http_request, deadline, streaming)
                .await
                .map_err(|e| ctx(e).with_node(node.ip).with_attempts(sends));

            let verdict = {
                let view = match &outcome {
                    Ok(a) => {
                        let parts = a.reply.parts();
                        Outcome::Response {
                            status: parts.status,
                            headers: &parts.headers,
                            body: match &a.reply {
                                Reply::Buffered { body, .. } => Some(body.as_ref()),
                                Reply::Streaming { .. } => None,
                            },
                        }
                    }
                    Err(e) => Outcome::Error(e),
                };
                let request_view = RequestView::new(&method, &path, idempotent, &request.headers);
                inner
                    .classifier
                    .as_ref()
                    .and_then(|c| c.classify(&request_view, &view))
                    .unwrap_or_else(|| default_verdict(&view, idempotent))
            };

            // Nothing was sent: another node can take the request, whatever its method.
            if let Err(e) = &outcome
                && e.kind() == ErrorKind::Connect
                && request.node.is_none()
            {
                inner.pool.set_aside(node.ip);
                inner.pool.refresh_after_failure();
                unreachable.push(node.ip);
                let fresh_body = body_template.is_some();
                if inner.pool.has_untried(&unreachable) && fresh_body {
                    tracing::info!(node = %node.ip, "connect failed; trying the next node");
                    continue;
                }
                // Every node failed: wait and go round again if the budget allows.
                unreachable.clear();
                every_node_failed = true;
            }

            let wait = match verdict {
                Verdict::Done => None,
                Verdict::Reauthenticate => {
                    let auth = match &request.auth {
                        AuthChoice::Client => inner.auth.clone(),
                        AuthChoice::Custom(a) => Some(a.clone()),
                        AuthChoice::None => None,
                    };
                    if let (false, Some(auth), true) =
                        (reauthenticated, auth, body_template.is_some())
                    {
                        reauthenticated = true;
                        if auth.refresh().await.map_err(ctx)? {
                            tracing::info!("credentials refreshed; sending again");
                            continue;
                        }
                    }
                    None
                }
                Verdict::Retry { after } => {
                    let wait = match after {
                        Some(a) => a.min(inner.retry.max_retry_after),
                        None => self.backoff(retries),
                    };
                    let in_budget = retries + 1 < inner.retry.max_attempts
                        && started.elapsed() + wait <= inner.retry.max_elapsed
                        && body_template.is_some();
                    in_budget.then_some(wait)
                }
            };
            match wait {
                Some(wait) => {
                    retries += 1;
                    tracing::info!(
                        node = %node.ip,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        outcome = %describe(&outcome),
                        "retrying"
                    );
                    drop(outcome);
                    if every_node_failed {
                        // The failures started a re-resolution, but a backoff is far
                        // shorter than a DNS lookup: retrying without it would go round
                        // the same dead nodes again. Wait for it alongside the backoff,
                        // within the time budget.
                        let budget = inner.retry.max_elapsed.saturating_sub(started.elapsed());
                        let refresh = tokio::time::timeout(
                            budget,
                            inner.pool.refresh_after_failure_and_wait(),
                        );
                        let _ = tokio::join!(tokio::time::sleep(wait), refresh);
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
                None => return outcome.map(|a| (a, sends)),
            }
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        match self.inner.rng.lock() {
            Ok(mut rng) => self.inner.retry.backoff.delay(retry, &mut **rng),
            Err(_) => self.inner.retry.backoff.base(retry),
        }
    }

    fn uri_for(&self, request: &Request) -> Result<Uri, Error> {
        let path = &request.path;
        if !path.is_empty() && !path.starts_with('/') {
            return Err(Error::config("request paths must start with '/'"));
        }
        let mut s = String::with_capacity(
            self.inner.origin.len()
                + self.inner.base_path.len()
                + path.len()
                + request.query.len()
                + 2,
        );
        s.push_str(&self.inner.origin);
        s.push_str(&self.inner.base_path);
        s.push_str(if path.is_empty() { "/" } else { path });
        if !request.query.is_empty() {
            s.push('?');
            s.push_str(&request.query);
        }
        s.parse::<Uri>().map_err(|e| {
            Error::config("the request path or query is not a valid URI").with_source(e)
        })
    }

    fn build_http_request(
        &self,
        request: &Request,
        uri: &Uri,
        body: Body,
    ) -> Result<http::Request<crate::body::HttpBody>, Error> {
        let mut headers = self.inner.default_headers.clone();
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        let auth = match &request.auth {
            AuthChoice::Client => self.inner.auth.as_deref(),
            AuthChoice::Custom(a) => Some(&**a),
            AuthChoice::None => None,
        };
        if let Some(auth) = auth {
            auth.stamp(&mut headers)?;
        }
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(uri.clone());
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        builder
            .body(body.into_http())
            .map_err(|e| Error::config("cannot build the request").with_source(e))
    }

    async fn attempt(
        &self,
        node: &Node,
        request: http::Request<crate::body::HttpBody>,
        deadline: Instant,
        streaming: bool,
    ) -> Result<Attempt, Error> {
        let started = Instant::now();
        // One timer for the whole exchange, head and body: a timer per body frame costs
        // a timer-wheel insert and removal each time.
        let timer = tokio::time::sleep_until(deadline);
        tokio::pin!(timer);
        let response = tokio::select! {
            biased;
            r = node.client.request(request) => match r {
                Err(e) => return Err(classify_transport_error(e)),
                Ok(r) => r,
            },
            () = &mut timer => {
                return Err(Error::new(ErrorKind::Timeout)
                    .with_phase(Phase::MaybeSent)
                    .with_message("no response before the deadline"));
            }
        };
        let first_byte = started.elapsed();
        let meta = response.extensions().get::<ConnMeta>();
        let connect = meta.and_then(ConnMeta::claim_connect_time);
        let connection = meta.map(|m| m.id);
        let (parts, body) = response.into_parts();
        let reply = if streaming {
            Reply::Streaming { parts, body }
        } else {
            let body = self.collect(body, timer.as_mut()).await?;
            Reply::Buffered { parts, body }
        };
        Ok(Attempt {
            reply,
            node: node.ip,
            started,
            deadline,
            connect,
            connection,
            first_byte,
            total: started.elapsed(),
        })
    }

    async fn collect(
        &self,
        mut body: Incoming,
        mut timer: std::pin::Pin<&mut tokio::time::Sleep>,
    ) -> Result<Bytes, Error> {
        let limit = self.inner.max_response_body;
        // Most management responses arrive in one chunk: keep it without copying.
        let mut first: Option<Bytes> = None;
        let mut rest = BytesMut::new();
        let mut len = 0usize;
        loop {
            let next = tokio::select! {
                biased;
                f = body.frame() => Ok(f),
                () = &mut timer => Err(()),
            };
            let frame = match next {
                Err(()) => {
                    return Err(Error::new(ErrorKind::Timeout)
                        .with_phase(Phase::MaybeSent)
                        .with_message("deadline passed while reading the body"));
                }
                Ok(None) => {
                    return Ok(match first {
                        Some(b) if rest.is_empty() => b,
                        _ => rest.freeze(),
                    });
                }
                Ok(Some(Err(e))) => {
                    return Err(Error::new(ErrorKind::Io)
                        .with_phase(Phase::MaybeSent)
                        .with_message("the response body was cut short")
                        .with_source(e));
                }
                Ok(Some(Ok(frame))) => frame,
            };
            if let Ok(data) = frame.into_data() {
                len += data.len();
                if len > limit {
                    return Err(Error::decode(format!(
                        "response body larger than {limit} bytes; use send_streaming"
                    )));
                }
                match first.take() {
                    None if rest.is_empty() => first = Some(data),
                    Some(previous) => {
                        rest.extend_from_slice(&previous);
                        rest.extend_from_slice(&data);
                    }
                    None => rest.extend_from_slice(&data),
                }
            }
        }
    }
}

fn describe(outcome: &Result<Attempt, Error>) -> String {
    match outcome {
        Ok(a) => format!("HTTP {}", a.reply.parts().status.as_u16()),
        Err(e) => e.to_string(),
    }
}

/// Sorts a hyper-util failure into a kind and phase, keeping the innermost message.
fn classify_transport_error(e: hyper_util::client::legacy::Error) -> Error {
    let (kind, phase) = if has_rustls_error(&e) {
        (ErrorKind::Tls, Phase::NotSent)
    } else if e.is_connect() {
        (ErrorKind::Connect, Phase::NotSent)
    } else {
        (ErrorKind::Io, Phase::MaybeSent)
    };
    let message = innermost_message(&e);
    let certificate = tls::is_certificate_error(&e);
    let mut err = Error::new(kind).with_phase(phase).with_source(e);
    if let Some(m) = message {
        err = err.with_message(if certificate {
            format!("server certificate rejected: {m}")
        } else {
            m
        });
    }
    err
}

fn has_rustls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    // io::Error::source() skips the error it wraps, and TLS errors arrive wrapped twice
    // (hyper-util's connector error around tokio-rustls's io::Error): look inside.
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if err.is::<rustls::Error>() {
            return true;
        }
        current = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
}

fn innermost_message(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut last = None;
    let mut current = e.source();
    while let Some(err) = current {
        last = Some(err.to_string());
        current = err.source();
    }
    last
}
