//! The client: one HCP name (a namespace, a tenant or `admin.<domain>`), its nodes, its
//! credentials, and the connection-level request API every typed call is built on.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use storkit_core::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use storkit_core::resolve::{HickoryResolver, StaticResolver, SystemResolver};
use storkit_core::{
    Authenticator, Body, Client, Error, QueryStyle, Request, RequestPath, Response, ResponseBody,
    RetryPolicy, StreamingResponse, Timings, TlsPolicy,
};

use crate::error::HcpError;
use crate::replica::{Access, Health, ReplicaStrategy, run_routed};

/// Ports on which hcpsdk (and this crate, unless told otherwise) speaks TLS: 443 (data),
/// 8000 (management console) and 9090 (MAPI).
pub const TLS_PORTS: [u16; 3] = [443, 8000, 9090];

/// The data port (HTTPS).
pub const P_HTTPS: u16 = 443;
/// The data port (plain HTTP).
pub const P_HTTP: u16 = 80;
/// The management API port (always HTTPS).
pub const P_MAPI: u16 = 9090;

/// Where the node addresses of the FQDN come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// Ask these DNS servers directly, bypassing any local cache (hcpsdk's default).
    NameServers(Vec<SocketAddr>),
    /// The DNS servers of the system configuration (`/etc/resolv.conf`), asked directly.
    SystemNameServers,
    /// The operating system's resolver (`getaddrinfo`: hosts file, local caches).
    System,
    /// A fixed list of node addresses; no DNS at all.
    Static(Vec<IpAddr>),
}

/// The HCP interface a client speaks. Only the native REST dialect is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Interface {
    /// HCP's native http/REST dialect (`/rest`, `/proc`, MAPI).
    #[default]
    Native,
}

/// Builds an [`HcpClient`].
pub struct HcpClientBuilder {
    fqdn: String,
    port: u16,
    https: Option<bool>,
    tls: TlsPolicy,
    resolution: Resolution,
    auth: Option<Arc<dyn Authenticator>>,
    timeout: Duration,
    connect_timeout: Duration,
    idle_timeout: Duration,
    operation_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    interface: Interface,
    replica: Option<ReplicaChoice>,
    recheck_after: Duration,
    mapi_port: u16,
    versioned: bool,
}

enum ReplicaChoice {
    Fqdn(String, ReplicaStrategy),
    Client(HcpClient, ReplicaStrategy),
}

impl fmt::Debug for HcpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HcpClientBuilder")
            .field("fqdn", &self.fqdn)
            .field("port", &self.port)
            .field("https", &self.https)
            .field("resolution", &self.resolution)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl HcpClientBuilder {
    /// The TCP port (default 443). TLS is used when the port is 443, 8000 or 9090, as
    /// hcpsdk does, or the [MAPI port](Self::mapi_port), unless [`https`](Self::https)
    /// says otherwise.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// TLS on or off whatever the port.
    pub fn https(mut self, yes: bool) -> Self {
        self.https = Some(yes);
        self
    }

    /// How the server certificate is checked (default: the webpki roots, host name
    /// checked). For an HCP with its own CA or a self-signed certificate, pass it with
    /// [`TlsPolicy::custom_ca_pem`]; to trust one certificate, pin it.
    pub fn tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = policy;
        self
    }

    /// Where node addresses come from (default: the system's DNS servers asked directly,
    /// bypassing local caches, as hcpsdk does).
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = resolution;
        self
    }

    /// Shorthand for [`Resolution::NameServers`].
    pub fn dns_servers(self, servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.resolution(Resolution::NameServers(servers.into_iter().collect()))
    }

    /// Shorthand for [`Resolution::Static`].
    pub fn addresses(self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.resolution(Resolution::Static(ips.into_iter().collect()))
    }

    /// The credentials stamped on every request (for example
    /// [`HcpAuth::native`](crate::HcpAuth::native)).
    pub fn auth(mut self, auth: impl Authenticator + 'static) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Native credentials: `Authorization: HCP ...` and the `hcp-ns-auth` cookie.
    pub fn credentials(self, user: &str, password: &str) -> Self {
        self.auth(crate::HcpAuth::native(user, password))
    }

    /// The time one attempt may take up to the last byte of a buffered response, and up
    /// to the response head of a streamed one (default 30 s, hcpsdk's `timeout`).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The TCP (and TLS) connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long an unused connection stays open before it is released (default 30 s,
    /// hcpsdk's `idletime`). The clock starts when the response has been read to the end
    /// (or dropped), never in the middle of a transfer.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// A bound on a whole operation: DNS, every attempt, failover and backoff.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = Some(d);
        self
    }

    /// The retry policy (default: the core's, for idempotent requests only).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The interface (only [`Interface::Native`] today).
    pub fn interface(mut self, interface: Interface) -> Self {
        self.interface = interface;
        self
    }

    /// The port MAPI listens on (default 9090); [`HcpClient::mapi`] checks it.
    pub fn mapi_port(mut self, port: u16) -> Self {
        self.mapi_port = port;
        self
    }

    /// A replica system at `fqdn`, reached like this one (same port, TLS, resolution,
    /// credentials and timeouts), used as `strategy` says (see [`crate::replica`]).
    pub fn replica(mut self, fqdn: impl Into<String>, strategy: ReplicaStrategy) -> Self {
        self.replica = Some(ReplicaChoice::Fqdn(fqdn.into(), strategy));
        self
    }

    /// A replica system reached through its own client (other credentials, CA or DNS).
    pub fn replica_client(mut self, replica: HcpClient, strategy: ReplicaStrategy) -> Self {
        self.replica = Some(ReplicaChoice::Client(replica, strategy));
        self
    }

    /// The namespace keeps versions (default: false). On a versioned namespace a PUT onto
    /// an existing object stores a new version instead of meeting `409`, so a resend could
    /// store the object twice: PUTs are then never resent once they may have been sent (an
    /// unknown outcome is an error), and a [resumed](crate::PutOptions::resumed) PUT first
    /// asks (`HEAD`) whether the object is stored with the same hash and sends nothing if
    /// it is (bytes and files; a stream cannot be hashed beforehand and is sent).
    pub fn versioned(mut self, yes: bool) -> Self {
        self.versioned = yes;
        self
    }

    /// How long the primary is skipped after it was found unavailable (default 30 s).
    pub fn replica_recheck_after(mut self, d: Duration) -> Self {
        self.recheck_after = d;
        self
    }

    /// The client. Nothing is resolved or connected yet: the first request (or
    /// [`HcpClient::addresses`]) looks the name up.
    pub fn build(mut self) -> Result<HcpClient, Error> {
        let replica = match self.replica.take() {
            None => None,
            Some(ReplicaChoice::Client(client, strategy)) => Some((client, strategy)),
            Some(ReplicaChoice::Fqdn(fqdn, strategy)) => {
                let b = HcpClientBuilder {
                    fqdn,
                    port: self.port,
                    https: self.https,
                    tls: self.tls.clone(),
                    resolution: self.resolution.clone(),
                    auth: self.auth.clone(),
                    timeout: self.timeout,
                    connect_timeout: self.connect_timeout,
                    idle_timeout: self.idle_timeout,
                    operation_timeout: self.operation_timeout,
                    retry: self.retry.clone(),
                    interface: self.interface,
                    replica: None,
                    recheck_after: self.recheck_after,
                    mapi_port: self.mapi_port,
                    versioned: self.versioned,
                };
                Some((b.build()?, strategy))
            }
        };
        let replica = replica.map(|(client, strategy)| Replica {
            client,
            strategy,
            health: Health::new(self.recheck_after),
        });
        // MAPI is always HTTPS, on whatever port it was moved to.
        let https = self
            .https
            .unwrap_or(TLS_PORTS.contains(&self.port) || self.port == self.mapi_port);
        let scheme = if https { "https" } else { "http" };
        let mut b = Client::builder(format!("{scheme}://{}:{}", self.fqdn, self.port))
            .tls(self.tls)
            .request_timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .idle_timeout(self.idle_timeout)
            .query_style(QueryStyle::Form)
            // A PUT resent after an unknown outcome is checked by hash (409) and a DELETE
            // by its 404, so both may be resent; POST (metadata, log marks) may not.
            .idempotent_methods([Method::GET, Method::HEAD, Method::PUT, Method::DELETE])
            .request_id_headers([HeaderName::from_static("x-requestid")]);
        b = match self.resolution {
            Resolution::NameServers(servers) => {
                b.resolver(HickoryResolver::with_name_servers(&servers)?)
            }
            Resolution::SystemNameServers => b.resolver(HickoryResolver::from_system_conf()?),
            Resolution::System => b.resolver(SystemResolver),
            Resolution::Static(ips) => b.resolver(StaticResolver::new(ips)),
        };
        if let Some(auth) = self.auth {
            b = b.auth_shared(auth);
        }
        if let Some(d) = self.operation_timeout {
            b = b.operation_timeout(d);
        }
        if let Some(p) = self.retry {
            b = b.retry_policy(p);
        }
        Ok(HcpClient {
            via_replica: false,
            inner: Arc::new(Inner {
                core: b.build()?,
                fqdn: self.fqdn,
                port: self.port,
                https,
                interface: self.interface,
                replica,
                mapi_port: self.mapi_port,
                versioned: self.versioned,
            }),
        })
    }
}

struct Inner {
    core: Client,
    fqdn: String,
    port: u16,
    https: bool,
    interface: Interface,
    replica: Option<Replica>,
    mapi_port: u16,
    versioned: bool,
}

struct Replica {
    client: HcpClient,
    strategy: ReplicaStrategy,
    health: Health,
}

/// A client for one HCP name: a namespace (`ns.tenant.domain`) for objects and namespace
/// information, or `admin.<domain>` / `<tenant>.<domain>` on port 9090 for MAPI.
///
/// Cheap to clone; clones share nodes, connections and credentials. Every new connection
/// goes to the next node in round robin; a node that refuses connections is set aside and
/// the request goes to the next one; the name is looked up again on failures, when its TTL
/// ends and on demand ([`refresh_addresses`](Self::refresh_addresses)), and a failed
/// lookup keeps the old addresses.
#[derive(Clone)]
pub struct HcpClient {
    inner: Arc<Inner>,
    /// True for the handle [`routed`](Self::routed) gives to an operation bound for the
    /// replica system, so that the [`Served`] of its answers says so. Kept out of `Inner`:
    /// the same replica client answers for itself (not as a replica) when used directly.
    via_replica: bool,
}

impl fmt::Debug for HcpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HcpClient")
            .field("fqdn", &self.inner.fqdn)
            .field("port", &self.inner.port)
            .field("https", &self.inner.https)
            .finish_non_exhaustive()
    }
}

impl HcpClient {
    /// A builder for `fqdn`, e.g. `n1.m.hcp1.example.com` (namespace `n1` of tenant `m`).
    pub fn builder(fqdn: impl Into<String>) -> HcpClientBuilder {
        HcpClientBuilder {
            fqdn: fqdn.into(),
            port: P_HTTPS,
            https: None,
            tls: TlsPolicy::default(),
            resolution: Resolution::SystemNameServers,
            auth: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            operation_timeout: None,
            retry: None,
            interface: Interface::Native,
            replica: None,
            recheck_after: Duration::from_secs(30),
            mapi_port: P_MAPI,
            versioned: false,
        }
    }

    /// The FQDN the client was built for.
    pub fn fqdn(&self) -> &str {
        &self.inner.fqdn
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// True when the client speaks TLS.
    pub fn is_https(&self) -> bool {
        self.inner.https
    }

    /// The port MAPI listens on.
    pub fn mapi_port(&self) -> u16 {
        self.inner.mapi_port
    }

    /// Whether the namespace was declared versioned ([`HcpClientBuilder::versioned`]).
    pub fn is_versioned(&self) -> bool {
        self.inner.versioned
    }

    /// The interface.
    pub fn interface(&self) -> Interface {
        self.inner.interface
    }

    /// The core transport client (for anything this crate does not wrap).
    pub fn core(&self) -> &Client {
        &self.inner.core
    }

    /// The node addresses in use, looking the name up first if that has not happened yet.
    pub async fn addresses(&self) -> Result<Vec<IpAddr>, Error> {
        let nodes = self.inner.core.nodes();
        if nodes.is_empty() {
            return self.refresh_addresses().await;
        }
        Ok(nodes.into_iter().map(|n| n.ip).collect())
    }

    /// Looks the name up again now; on failure the old addresses stay in use.
    pub async fn refresh_addresses(&self) -> Result<Vec<IpAddr>, Error> {
        self.inner.core.refresh_nodes().await
    }

    /// A client for another name of the same system (say the tenant or `admin` name for
    /// MAPI) on `port`, sharing nodes, credentials and node health, with its own
    /// connections. TLS follows the port as in [`HcpClientBuilder::port`].
    pub fn with_name(&self, fqdn: &str, port: u16) -> Result<HcpClient, Error> {
        Ok(HcpClient {
            via_replica: false,
            inner: Arc::new(Inner {
                core: self.inner.core.with_host_and_port(fqdn, port)?,
                fqdn: fqdn.to_owned(),
                port,
                https: self.inner.https,
                interface: self.inner.interface,
                replica: None,
                mapi_port: self.inner.mapi_port,
                versioned: self.inner.versioned,
            }),
        })
    }

    /// The replica system's client and strategy, when one is configured.
    pub fn replica(&self) -> Option<(&HcpClient, ReplicaStrategy)> {
        self.inner.replica.as_ref().map(|r| (&r.client, r.strategy))
    }

    /// True while the primary counts as unavailable (it failed and its recheck time has
    /// not come).
    pub fn primary_unavailable(&self) -> bool {
        self.inner
            .replica
            .as_ref()
            .is_some_and(|r| r.health.primary_down())
    }

    /// Runs `op` on the system the replica strategy names for `access`, moving to the
    /// other one when the first is unavailable.
    pub(crate) async fn routed<T, F, Fut>(&self, access: Access, op: F) -> Result<T, Error>
    where
        F: Fn(HcpClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        match &self.inner.replica {
            None => op(self.clone()).await,
            Some(r) => {
                let replica = HcpClient {
                    inner: Arc::clone(&r.client.inner),
                    via_replica: true,
                };
                run_routed(r.strategy, &r.health, access, self, &replica, op).await
            }
        }
    }

    /// Where and how `r` was served, through this handle.
    pub(crate) fn served(&self, r: &Response) -> Served {
        Served {
            address: r.node(),
            times: r.timings().into(),
            replica: self.via_replica,
            attempts: r.attempts(),
        }
    }

    /// Same for a streamed response, its times up to the response head.
    pub(crate) fn served_streaming(&self, r: &StreamingResponse) -> Served {
        Served {
            address: r.node(),
            times: r.timings().into(),
            replica: self.via_replica,
            attempts: r.attempts(),
        }
    }

    /// A request at the connection level: any method, a path sent as the object name it
    /// is (see [`object_path`]), parameters form-encoded, any headers.
    pub fn request(&self, method: Method, path: &str) -> RawRequest<'_> {
        RawRequest {
            client: self,
            request: Request::new(method, object_path(path)),
        }
    }

    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        self.inner.core.send(request).await
    }

    pub(crate) async fn send_streaming(
        &self,
        request: Request,
    ) -> Result<StreamingResponse, Error> {
        self.inner.core.send_streaming(request).await
    }
}

/// The request target of an HCP path: the path is data (an object name may hold `%`, `?`,
/// `#`, `+` or any Unicode character) and each segment is percent-encoded except RFC 3986
/// unreserved characters, as Python's `quote(path, safe='/')` does, so HCP decodes exactly
/// the name that was given. Unlike hcpsdk, `%` is always encoded: `a%20b` stays the name
/// `a%20b` and never becomes `a b` (hcpsdk bug B6).
pub fn object_path(path: &str) -> RequestPath {
    let mut out = String::with_capacity(path.len() + 8);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&storkit_core::encode::encode_path_segment(segment));
    }
    RequestPath::encoded(out)
}

/// A connection-level request; see [`HcpClient::request`].
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest<'c> {
    client: &'c HcpClient,
    request: Request,
}

impl fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", self.request.method())
            .field("path", &self.request.path())
            .finish_non_exhaustive()
    }
}

impl<'c> RawRequest<'c> {
    /// Adds a query parameter, form-encoded (`+` for a space, `%2B` for a plus, `key=`
    /// when empty).
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.request = self.request.query(key, value);
        self
    }

    /// Adds query parameters.
    pub fn params<'a>(mut self, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (k, v) in params {
            self.request = self.request.query(k, v);
        }
        self
    }

    /// Adds a header. The caller's headers are copied, never changed (hcpsdk bug B7);
    /// the credentials are stamped last.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// The request body.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.request = self.request.body(body);
        self
    }

    /// Sends it to this node only (hcpsdk's Connection keeps one node for its requests);
    /// there is no failover to other nodes.
    pub fn on_node(mut self, node: IpAddr) -> Self {
        self.request = self.request.on_node(node);
        self
    }

    /// Overrides whether the request may be resent after an unknown outcome.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.request = self.request.idempotent(yes);
        self
    }

    /// The core request, for options this type does not wrap.
    pub fn into_core(self) -> Request {
        self.request
    }

    /// Sends it and reads the whole response. Any status is `Ok`.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let r = self.client.send(self.request).await?;
        Ok(RawResponse::from_core(r))
    }

    /// Sends it and returns once the response head arrives; read the body in chunks.
    pub async fn send_streaming(self) -> Result<RawStreamingResponse, Error> {
        let r = self.client.send_streaming(self.request).await?;
        Ok(RawStreamingResponse::from_core(r))
    }
}

/// Timings in the manual's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceTimes {
    /// The real TCP (and TLS) connect time of a new connection; `None` when the request
    /// went over a pooled connection. hcpsdk's `connect_time` measured the construction
    /// of a Python object instead (bug B9).
    pub connect_time: Option<Duration>,
    /// From sending to the first response byte (hcpsdk's `service_time1` of the request).
    pub service_time1: Duration,
    /// The whole request, up to the last byte read (hcpsdk's `service_time2`).
    pub service_time2: Duration,
}

impl From<Timings> for ServiceTimes {
    fn from(t: Timings) -> Self {
        ServiceTimes {
            connect_time: t.connect,
            service_time1: t.first_byte,
            service_time2: t.total,
        }
    }
}

/// Where and how a typed call was served: what hcpsdk's `Connection` told after each
/// request (`address`, `connect_time`, `service_time1`, `service_time2`), plus which
/// system answered when a [replica](crate::replica) is configured.
///
/// The typed object calls report it: [`PutResult`](crate::PutResult),
/// [`ObjectReader::served`](crate::ObjectReader::served),
/// [`ObjectHead`](crate::ObjectHead), [`Deleted`](crate::Deleted),
/// [`Exists`](crate::Exists), [`CustomMetadata`](crate::CustomMetadata), and the plain
/// `Served` of [`create_directory`](HcpClient::create_directory),
/// [`put_custom_metadata`](HcpClient::put_custom_metadata) and
/// [`set_system_metadata`](HcpClient::set_system_metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Served {
    /// The node that answered (hcpsdk's `Connection.address`).
    pub address: IpAddr,
    /// The request's timings.
    pub times: ServiceTimes,
    /// True when the request went to the replica system, as the client's
    /// [`ReplicaStrategy`] routed it; false when the primary (or a client without a
    /// replica) served it.
    pub replica: bool,
    /// Attempts made on that system (resends after connection failures included).
    pub attempts: u32,
}

/// A response read whole.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers, in the order HCP sent them.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The node that answered (hcpsdk's `Connection.address`).
    pub address: IpAddr,
    /// Timings.
    pub times: ServiceTimes,
    /// Attempts made.
    pub attempts: u32,
}

impl RawResponse {
    fn from_core(r: Response) -> Self {
        RawResponse {
            status: r.status(),
            address: r.node(),
            times: r.timings().into(),
            attempts: r.attempts(),
            headers: r.headers().clone(),
            body: r.into_body(),
        }
    }

    /// The status's reason phrase (`Created`).
    pub fn reason(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The node, timings and attempts as a [`Served`], as the typed calls report them.
    /// A connection-level request goes to this client's system only, never to its
    /// replica, so `replica` is false.
    pub fn served(&self) -> Served {
        Served {
            address: self.address,
            times: self.times,
            replica: false,
            attempts: self.attempts,
        }
    }
}

/// A response whose body is read in chunks.
#[derive(Debug)]
#[non_exhaustive]
pub struct RawStreamingResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The node that answered.
    pub address: IpAddr,
    /// Timings up to the response head (`service_time2` is the time to the head).
    pub timings: Timings,
    body: ResponseBody,
}

impl RawStreamingResponse {
    pub(crate) fn from_core(r: StreamingResponse) -> Self {
        RawStreamingResponse {
            status: r.status(),
            headers: r.headers().clone(),
            address: r.node(),
            timings: r.timings(),
            body: r.into_body(),
        }
    }

    /// The next chunk, `None` at the end. The connection goes back to the pool (and its
    /// idle clock starts) at the end or when this response is dropped.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.body.chunk().await
    }

    /// The body, as a stream.
    pub fn into_body(self) -> ResponseBody {
        self.body
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `X-HCP-ErrorMessage`, when present.
pub(crate) fn error_message(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-hcp-errormessage")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The [`HcpError::Status`] of an answer: its status, reason and `X-HCP-ErrorMessage`.
fn status_detail(status: StatusCode, headers: &HeaderMap) -> (HcpError, String) {
    let detail = HcpError::Status {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_owned(),
        message: error_message(headers),
    };
    let message = detail.to_string();
    (detail, message)
}

/// The error for an HCP answer with an unexpected status: the core's context (request
/// line, node, request id, kind from the status) with an [`HcpError::Status`] detail.
pub(crate) fn status_error(r: &Response) -> Error {
    let (detail, message) = status_detail(r.status(), r.headers());
    r.to_error().with_source(detail).with_message(message)
}

/// Same for a streamed response.
pub(crate) fn streaming_status_error(r: &StreamingResponse) -> Error {
    let (detail, message) = status_detail(r.status(), r.headers());
    r.to_error().with_source(detail).with_message(message)
}
