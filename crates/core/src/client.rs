//! The client: one logical system (a URL), many nodes, one policy.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, Uri};

use crate::auth::Authenticator;
use crate::backoff::{Rng, SplitMix64};
use crate::connector::NodeSettings;
use crate::encode::QueryStyle;
use crate::error::{Error, ErrorKind};
use crate::operation::{Operation, Reply};
use crate::pool::{NodePool, NodeStatus};
use crate::request::Request;
use crate::resolve::{Resolve, StaticResolver, SystemResolver};
use crate::response::{Meta, Response, ResponseBody, StreamingResponse, Timings};
use crate::retry::{Classifier, RetryPolicy};
use crate::tls::{self, TlsPolicy};

/// Configures a [`Client`].
pub struct ClientBuilder {
    url: String,
    tls: TlsPolicy,
    resolver: Option<Arc<dyn Resolve>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    operation_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    resolve_timeout: Duration,
    pool_idle_timeout: Duration,
    max_idle_per_node: usize,
    retry: RetryPolicy,
    classifier: Option<Arc<dyn Classifier>>,
    auth: Option<Arc<dyn Authenticator>>,
    default_headers: HeaderMap,
    request_id_headers: Vec<HeaderName>,
    max_response_body: usize,
    set_aside_for: Duration,
    refresh_debounce: Duration,
    query_style: QueryStyle,
    idempotent_methods: Vec<Method>,
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
            operation_timeout: None,
            idle_timeout: None,
            resolve_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(30),
            max_idle_per_node: 32,
            retry: RetryPolicy::default(),
            classifier: None,
            auth: None,
            default_headers: HeaderMap::new(),
            request_id_headers: vec![HeaderName::from_static("x-request-id")],
            max_response_body: 64 * 1024 * 1024,
            set_aside_for: Duration::from_secs(30),
            refresh_debounce: Duration::from_secs(2),
            query_style: QueryStyle::Form,
            idempotent_methods: vec![
                Method::GET,
                Method::HEAD,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
            ],
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

    /// Deadline of each attempt: the response head and a buffered body (default 120 s);
    /// requests can override it ([`Request::timeout`]).
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// One deadline for each whole operation: name resolution, every attempt, failover
    /// and the waits between retries (default: none, so each of those is bounded by its
    /// own limit: `resolve_timeout`, `request_timeout`, and the retry policy's attempts and
    /// `max_elapsed`). Requests can override it ([`Request::operation_timeout`]).
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = Some(d);
        self
    }

    /// For streaming bodies both ways: fail when no byte moved for this long, instead of
    /// bounding the whole transfer by `request_timeout` (default: none). Requests can
    /// override it ([`Request::idle_timeout`]).
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = Some(d);
        self
    }

    /// How long a DNS lookup may take (default 10 s). Concurrent requests share one
    /// lookup in flight and its answer or error; the operation deadline bounds the wait.
    pub fn resolve_timeout(mut self, d: Duration) -> Self {
        self.resolve_timeout = d;
        self
    }

    /// How long an unused keep-alive connection stays open (default 30 s); the socket is
    /// really closed when it expires.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.pool_idle_timeout = d;
        self
    }

    /// Idle connections kept per node (default 32).
    pub fn max_idle_per_node(mut self, n: usize) -> Self {
        self.max_idle_per_node = n;
        self
    }

    /// The retry policy; requests can override it ([`Request::retry_policy`]).
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

    /// How query keys and values are encoded (default [`QueryStyle::Form`]); requests can
    /// override it ([`Request::query_style`]).
    pub fn query_style(mut self, style: QueryStyle) -> Self {
        self.query_style = style;
        self
    }

    /// The methods whose requests may be sent twice unless a request says otherwise
    /// ([`Request::idempotent`]). Default: GET, HEAD, PUT, DELETE, OPTIONS. A server whose
    /// PUT or DELETE is not idempotent (it creates versions, or fails on a second
    /// delete) wants fewer.
    pub fn idempotent_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.idempotent_methods = methods.into_iter().collect();
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
            .trim_end_matches(']')
            .to_owned();
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
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
            idle_timeout: self.pool_idle_timeout,
            max_idle_per_node: self.max_idle_per_node,
        };
        let mut pool = NodePool::new(host.clone(), resolver, settings);
        pool.set_aside_for = self.set_aside_for;
        pool.refresh_debounce = self.refresh_debounce;
        pool.resolve_timeout = self.resolve_timeout;
        let mut default_headers = self.default_headers;
        if !default_headers.contains_key(USER_AGENT) {
            default_headers.insert(
                USER_AGENT,
                HeaderValue::from_static(concat!("storkit/", env!("CARGO_PKG_VERSION"))),
            );
        }
        let shared = Arc::new(Shared {
            https,
            pool: Arc::new(pool),
            request_timeout: self.request_timeout,
            operation_timeout: self.operation_timeout,
            idle_timeout: self.idle_timeout,
            retry: self.retry,
            classifier: self.classifier,
            auth: self.auth,
            default_headers,
            request_id_headers: self.request_id_headers,
            max_response_body: self.max_response_body,
            query_style: self.query_style,
            idempotent_methods: self.idempotent_methods,
            rng: Mutex::new(
                self.rng
                    .unwrap_or_else(|| Box::new(SplitMix64::from_entropy())),
            ),
        });
        Ok(Client::named(shared, host, port, base_path))
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
/// Cheap to clone; clones share the node pool and its connections. A system that answers
/// under several names on the same nodes gets one client per name from
/// [`with_host`](Client::with_host): they share the node list and node health, and each
/// keeps its own connections.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// One name of the system.
pub(crate) struct Inner {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `scheme://host:port` with the host bracketed when it is an IPv6 literal.
    pub(crate) origin: String,
    /// The origin parsed once: each request's URI reuses it and parses only its target.
    pub(crate) origin_parts: Option<(http::uri::Scheme, http::uri::Authority)>,
    pub(crate) base_path: String,
    pub(crate) shared: Arc<Shared>,
}

/// What every name of the system shares: nodes, policy, credentials.
pub(crate) struct Shared {
    pub(crate) https: bool,
    pub(crate) pool: Arc<NodePool>,
    pub(crate) request_timeout: Duration,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) classifier: Option<Arc<dyn Classifier>>,
    pub(crate) auth: Option<Arc<dyn Authenticator>>,
    pub(crate) default_headers: HeaderMap,
    pub(crate) request_id_headers: Vec<HeaderName>,
    pub(crate) max_response_body: usize,
    pub(crate) query_style: QueryStyle,
    pub(crate) idempotent_methods: Vec<Method>,
    pub(crate) rng: Mutex<Box<dyn Rng>>,
}

impl Shared {
    /// The jittered backoff before retry number `retry` (0-based) under `policy`.
    pub(crate) fn backoff(&self, policy: &RetryPolicy, retry: u32) -> Duration {
        match self.rng.lock() {
            Ok(mut rng) => policy.backoff.delay(retry, &mut **rng),
            Err(_) => policy.backoff.base(retry),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.base_url())
            .field("auth", &self.inner.shared.auth)
            .field("nodes", &self.inner.shared.pool.statuses())
            .finish()
    }
}

/// Checks a host name given for `Host` and SNI: a DNS name or an IP address, no port, no
/// user info.
pub(crate) fn validate_host(name: &str) -> Result<(), Error> {
    let bad = || Error::config(format!("{name:?} is not a host name"));
    if name.is_empty() || name.contains(['@', '/', '?', '#']) {
        return Err(bad());
    }
    if name.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let authority: http::uri::Authority = name.parse().map_err(|_| bad())?;
    if authority.port().is_some() || authority.host() != name {
        return Err(bad());
    }
    Ok(())
}

fn origin(https: bool, host: &str, port: u16) -> String {
    let scheme = if https { "https" } else { "http" };
    if host.contains(':') {
        format!("{scheme}://[{host}]:{port}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

impl Client {
    /// A builder for the system at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    fn named(shared: Arc<Shared>, host: String, port: u16, base_path: String) -> Client {
        let origin = origin(shared.https, &host, port);
        let origin_parts = origin.parse::<Uri>().ok().and_then(|u| {
            let parts = u.into_parts();
            Some((parts.scheme?, parts.authority?))
        });
        Client {
            inner: Arc::new(Inner {
                origin,
                origin_parts,
                host,
                port,
                base_path,
                shared,
            }),
        }
    }

    /// A client for another name of the same system (`admin.hcp.example` beside
    /// `tenant.hcp.example`): `Host` and SNI carry `name`, requests go to the same nodes,
    /// and node health (set-aside, refreshes), policy and credentials are shared. Its
    /// connections are its own: two names never share a connection.
    pub fn with_host(&self, name: &str) -> Result<Client, Error> {
        self.with_host_and_port(name, self.inner.port)
    }

    /// Like [`with_host`](Client::with_host), on another port of the same nodes (a
    /// management port beside the data port).
    pub fn with_host_and_port(&self, name: &str, port: u16) -> Result<Client, Error> {
        validate_host(name)?;
        Ok(Client::named(
            Arc::clone(&self.inner.shared),
            name.to_owned(),
            port,
            self.inner.base_path.clone(),
        ))
    }

    /// The host name of the base URL (what `Host` and SNI carry).
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The port requests go to.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// The base URL (scheme, host, port, path prefix).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.inner.origin, self.inner.base_path)
    }

    /// The nodes in use, and which are set aside.
    pub fn nodes(&self) -> Vec<NodeStatus> {
        self.inner.shared.pool.statuses()
    }

    /// Resolves the host again now; on failure the old nodes stay in use. Concurrent
    /// callers share one lookup.
    pub async fn refresh_nodes(&self) -> Result<Vec<IpAddr>, Error> {
        self.inner.shared.pool.refresh().await
    }

    /// The message of the last failed refresh, cleared by a successful one.
    pub fn last_refresh_error(&self) -> Option<String> {
        self.inner.shared.pool.last_refresh_error()
    }

    /// Sends a request and reads the whole response body.
    ///
    /// Any HTTP status comes back as `Ok` once the retry policy is done with it; use
    /// [`Response::error_for_status`] or a vendor decoder to turn it into an error.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let done = Operation::new(self, request, false).run().await?;
        let (method, path, request_id) = (done.method, done.path, done.request_id);
        let attempt = done.attempt;
        match attempt.reply {
            Reply::Buffered { parts, body } => Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
                meta: Meta {
                    method,
                    path,
                    node: attempt.node,
                    attempts: done.sends,
                    resent_after_unknown: done.resent_after_unknown,
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
    /// chunk by chunk under the attempt deadline, or under the idle timeout when one is
    /// set. The body is never buffered whole.
    pub async fn send_streaming(&self, request: Request) -> Result<StreamingResponse, Error> {
        let done = Operation::new(self, request, true).run().await?;
        let (method, path, request_id) = (done.method, done.path, done.request_id);
        let attempt = done.attempt;
        let meta = Meta {
            method: method.clone(),
            path: path.clone(),
            node: attempt.node,
            attempts: done.sends,
            resent_after_unknown: done.resent_after_unknown,
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
                )
                .with_idle_timeout(done.idle_timeout),
                meta,
            }),
            Reply::Buffered { .. } => Err(Error::new(ErrorKind::Config)
                .with_message("internal: buffered reply to a streaming send")),
        }
    }

    pub(crate) fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        self.inner
            .shared
            .request_id_headers
            .iter()
            .find_map(|n| headers.get(n))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The URI of `request`: this client's origin (or the request's own host name), the
    /// base path, the encoded path and query. A target the URI parser would change (it
    /// drops what follows a `#`, for one) is an error, never sent.
    pub(crate) fn uri_for(&self, request: &Request) -> Result<Uri, Error> {
        let path = &request.path;
        if !path.is_empty() && !path.starts_with('/') {
            return Err(Error::config("request paths must start with '/'"));
        }
        let query = request.encoded_query(self.inner.shared.query_style);
        let target_len = self.inner.base_path.len() + path.len() + query.len() + 2;
        let push_target = |uri: &mut String| {
            uri.push_str(&self.inner.base_path);
            uri.push_str(if path.is_empty() { "/" } else { path });
            if !query.is_empty() {
                uri.push('?');
                uri.push_str(&query);
            }
        };
        let changed = || {
            Error::config(
                "the request target cannot be sent as given (the URI parser would change it)",
            )
        };
        let invalid = |e: http::Error| {
            Error::config("the request path or query is not a valid URI").with_source(e)
        };
        if let (None, Some((scheme, authority))) = (&request.host, &self.inner.origin_parts) {
            // The usual case: only the target is parsed; the origin was parsed once.
            let mut target = String::with_capacity(target_len);
            push_target(&mut target);
            let target = bytes::Bytes::from(target);
            let pq = http::uri::PathAndQuery::from_maybe_shared(target.clone())
                .map_err(|e| invalid(e.into()))?;
            if pq.as_str().as_bytes() != &target[..] {
                return Err(changed());
            }
            let mut parts = http::uri::Parts::default();
            parts.scheme = Some(scheme.clone());
            parts.authority = Some(authority.clone());
            parts.path_and_query = Some(pq);
            return Uri::from_parts(parts).map_err(|e| invalid(e.into()));
        }
        let own_origin;
        let origin = match &request.host {
            Some(host) => {
                own_origin = origin(self.inner.shared.https, host, self.inner.port);
                &own_origin
            }
            None => &self.inner.origin,
        };
        let mut uri = String::with_capacity(origin.len() + target_len);
        uri.push_str(origin);
        let target_start = uri.len();
        push_target(&mut uri);
        // The URI keeps the string's buffer: no copy.
        let uri = bytes::Bytes::from(uri);
        let parsed = Uri::from_maybe_shared(uri.clone()).map_err(|e| invalid(e.into()))?;
        if parsed.path_and_query().map(|pq| pq.as_str().as_bytes()) != uri.get(target_start..) {
            return Err(changed());
        }
        Ok(parsed)
    }
}
