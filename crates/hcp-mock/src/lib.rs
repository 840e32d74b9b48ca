//! A stateful, multi-node mock of a Hitachi Content Platform (HCP) system on the storkit mock
//! kit: one [`HcpMock`] is one HCP system (`hcp1.example`) served on several loopback
//! addresses, with tenants, namespaces, objects, `/proc`, and the management API (MAPI) on
//! its own port. Python hcpsdk 0.9.5 runs against it unmodified.
//!
//! ```
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use storkit_hcp_mock::{HcpConfig, HcpMock, token};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mock = HcpMock::start(
//!     HcpConfig::sample("hcp1.example")
//!         .ips(["127.0.7.200".parse()?, "127.0.7.201".parse()?])
//!         .tls(false) // plain data port, so this example needs no TLS client
//!         .data_port(0)
//!         .mapi_port(0),
//! )
//! .await?;
//! // The names resolve to every node.
//! assert_eq!(mock.dns().get("n1.m.hcp1.example"), Some(mock.ips()));
//!
//! // Connect to any node; the Host header picks the namespace.
//! let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
//! let put = http::Request::put(format!("{}/rest/docs/a%20b.txt", mock.data_urls()[1]))
//!     .header("host", mock.namespace_fqdn("m", "n1"))
//!     .header("authorization", format!("HCP {}", token("n", "n01")))
//!     .body(Full::new(Bytes::from_static(b"This is an example")))?;
//! let response = client.request(put).await?;
//! assert_eq!(response.status(), 201);
//! assert_eq!(
//!     response.headers()["x-hcp-hash"],
//!     "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
//! );
//! response.into_body().collect().await?;
//!
//! let stored = mock.object("n1", "/rest/docs/a b.txt").ok_or("not stored")?;
//! assert_eq!(stored.etag(), "\"68791e1b03badd5e4eb9287660f67745\"");
//! assert!(mock.is_directory("n1", "/rest/docs"));
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//! - **Ports**: a data port (TLS by default, plain with [`HcpConfig::tls`]`(false)`) and the
//!   MAPI port (always TLS), two listeners of one kit server sharing one certificate, for
//!   `*.<domain>`, `*.*.<domain>`, `admin.<domain>`, each tenant and namespace name and the
//!   node IPs. No SNI is needed.
//! - **Routing**: `Host` names the namespace (`<ns>.<tenant>.<domain>`), tenant or admin
//!   host, in any case, with or without `:port`; a `Host` that names no namespace goes to
//!   the configured fallback namespace ([`HcpConfig::default_namespace`], a mock
//!   convenience) on the data port and to the admin host on MAPI.
//! - **Legacy default namespace** `default.default.<domain>` (reference §9.1; on unless
//!   [`HcpConfig::legacy_default_namespace`]`(false)`): no authentication (hcpsdk's
//!   `DummyAuthorization` works), data under `/fcfs_data/...`, GET/HEAD with the short
//!   header set of hcpsdk's appendix (`X-ArcServicedBySystem`, `X-ArcClusterTime`,
//!   `X-ArcPermissionsUidGid`, `X-ArcTimes`, `X-ArcSize`), and
//!   `/fcfs_metadata/<path>/core-metadata.xml` (layout INFERRED) and `custom-metadata.xml`
//!   (GET, PUT, DELETE of its one annotation).
//! - **DNS**: every name resolves to every node, on the mock's own [`DnsServer`] or on one
//!   passed in [`HcpConfig::dns`] (e.g. shared with a replica system).
//! - **Auth**: `Authorization: HCP base64(user):md5(password)`, `Authorization: AD
//!   user:password`, or the `hcp-ns-auth` cookie (MAPI also `hcp-api-auth`); the header
//!   wins; bad or missing credentials get `403` with `X-HCP-ErrorMessage`; `/proc` without
//!   access to the namespace gets `401`.
//! - **REST** under `/rest`: objects (PUT with `Content-Length` or chunked, GET with ranges,
//!   HEAD, DELETE, POST for system metadata), directories and their listings, custom
//!   metadata with annotations, with the headers and status codes of reference §9:
//!   - **conditional reads**: `If-Match`, `If-None-Match`, `If-Modified-Since`,
//!     `If-Unmodified-Since` in RFC 9110's order (`304`/`412`), before `Range` (`206`,
//!     `416`); a PUT with `If-None-Match: *` onto an existing object gets `412` (INFERRED from HTTP);
//!   - **versioning** per namespace ([`NamespaceConfig::versioning`], off by default): a
//!     PUT onto an existing object stores a new version (`201`, new `X-HCP-VersionId`;
//!     `403` under retention or hold), `?version=<id>` reads one, `?version=list`
//!     (`&deleted=true` for delete markers) lists them in HCP's `<versions>` format (its
//!     last attributes and the oldest-first order INFERRED; `400` without versioning, INFERRED), a
//!     DELETE keeps the old versions behind a delete marker (a listing with
//!     `?deleted=true` shows the deleted object), `purge=true` removes every version;
//!   - **`type=custom-metadata-info`**: HCP's `<annotations>` list (name, hash, change
//!     time, size, `contentType` `unknown`), `204` without annotations (INFERRED, as for
//!     `type=custom-metadata`);
//!   - **`type=whole-object`**: GET returns data and annotation (`annotation=`, default
//!     `default`) in the order `X-HCP-CustomMetadataFirst` asks, with `X-HCP-Size` the
//!     data's size, `Content-Length` the sum, `X-HCP-CustomMetadataFirst` and
//!     `X-HCP-CustomMetadataContentType`, and `Content-Type: application/octet-stream`
//!     (INFERRED); PUT splits the body by `X-HCP-Size` (required, else `400`) and answers
//!     `X-HCP-CustomMetadataHash` too (INFERRED; HCP's answer to a whole-object PUT is
//!     not in the reference).
//! - **`/proc`**: namespaces (`?single=true` for the Host's only), statistics from the
//!   stored objects, retention classes, permissions.
//! - **MAPI**: the replication service, links and their actions (a state machine per link;
//!   raw `<-->` in link names works), the service-wide `shutDownAllLinks=<reason>` and
//!   `reestablishAllLinks` (reference §8.1; a shut-down link reports `WARNING`, "Shut down
//!   by user" INFERRED), logs (mark, prepare, status, download, cancel), tenants and
//!   chargeback reports; compact XML, `?prettyprint`, JSON on `Accept: application/json`;
//!   HEAD is GET without the body, and `302` where GET would be `404` or `403`
//!   (reference §8.5; bad credentials stay `403`).
//! - **Faults**: the kit's ([`HcpMock::server`]`().faults()`, node stop and start), and
//!   silent idle closes of keep-alive connections with [`HcpConfig::idle_close`].
//! - **Standalone**: the `storkit-hcp-mock` binary (`--help` lists its options) sets what
//!   the configuration does: nodes, ports, TLS, tenant and namespaces (`--versioning`,
//!   `--hash-scheme`, `--retention-mode`, `--default-namespace`,
//!   `--no-legacy-namespace`), a local user and an AD user (`--ad-user`/`--ad-password`),
//!   the administrator, a link and its type (`--link-type`, `--link-remote-host`), the
//!   software version, log collection time, idle closes and the object size limit.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use storkit_mock::{
    CertificateAuthority, DnsServer, ListenerConfig, MAIN_LISTENER, MockError, MockServer,
    ServerConfig, TlsSettings,
};

mod annotations;
mod answer;
mod app;
mod auth;
mod conditions;
mod config;
mod doc;
mod hash;
mod legacy;
mod listing;
mod logs;
mod mapi;
mod objects;
mod proc;
pub mod python;
mod replication;
mod rest;
mod system;
mod time;

pub use config::{
    DEFAULT_DESCRIPTION, DEFAULT_SOFTWARE_VERSION, HcpConfig, LinkConfig, LinkType,
    NamespaceConfig, RetentionClass, TenantConfig, UserConfig,
};
pub use hash::token;
pub use objects::{Retention, StoredObject};
pub use replication::LinkState;

use crate::app::App;
use crate::objects::Entry;
use crate::system::{State, System, lock};

/// The name of the MAPI listener when the data port is the kit's main listener.
const MAPI_LISTENER: &str = "mapi";
/// The name of the data listener when MAPI is the main listener (plain data port).
const DATA_LISTENER: &str = "data";

/// Why a mock could not start or a test hook was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HcpMockError {
    /// The configuration is inconsistent (no namespace, a duplicate, an unknown tenant…).
    #[error("invalid HCP mock configuration: {0}")]
    Config(String),
    /// The kit could not start the server, the DNS server or the certificate.
    #[error(transparent)]
    Kit(#[from] MockError),
    /// No namespace of that name (for the test hooks).
    #[error("no namespace {0:?}")]
    NoNamespace(String),
    /// The object could not be stored (for [`HcpMock::insert_object`]).
    #[error("cannot store {path:?}: {reason}")]
    Store {
        /// The object path.
        path: String,
        /// Why.
        reason: String,
    },
}

/// One mock HCP system on a [`MockServer`] and a [`DnsServer`].
///
/// Dropping it stops the server (a DNS server it started stops when the last handle to it
/// goes).
pub struct HcpMock {
    server: MockServer,
    system: Arc<System>,
    dns: Arc<DnsServer>,
    ca: CertificateAuthority,
    data_listener: &'static str,
    mapi_listener: &'static str,
}

impl std::fmt::Debug for HcpMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HcpMock")
            .field("domain", &self.system.domain)
            .field("data_urls", &self.data_urls())
            .field("mapi_urls", &self.mapi_urls())
            .field("dns", &self.dns.addr())
            .finish_non_exhaustive()
    }
}

impl HcpMock {
    /// Starts the system: binds the data and MAPI ports on every node, and registers its
    /// names on the DNS server (started here unless [`HcpConfig::dns`] gives one).
    pub async fn start(config: HcpConfig) -> Result<Self, HcpMockError> {
        let system = Arc::new(System::new(&config).map_err(HcpMockError::Config)?);
        let ca = match &config.ca {
            Some(ca) => ca.clone(),
            None => CertificateAuthority::generate()?,
        };
        let domain = &config.domain;
        let mut names = vec![
            format!("*.{domain}"),
            format!("*.*.{domain}"),
            format!("admin.{domain}"),
            domain.clone(),
        ];
        if config.legacy_default_namespace {
            names.push(format!("default.default.{domain}"));
        }
        for tenant in &config.tenants {
            // Explicit names too: webpki and OpenSSL ignore `*.*.` wildcards.
            names.push(format!("{}.{domain}", tenant.name));
            names.push(format!("*.{}.{domain}", tenant.name));
            for ns in &tenant.namespaces {
                names.push(format!("{}.{}.{domain}", ns.name, tenant.name));
            }
        }
        let tls = TlsSettings::new(names).with_ca(ca.clone());
        // The kit serves TLS server-wide and lets extra listeners opt out, so a plain data
        // port is an extra listener beside a TLS main listener (MAPI).
        let (server_config, data_listener, mapi_listener) = if config.tls {
            (
                ServerConfig::new()
                    .port(config.data_port)
                    .listener(ListenerConfig::new(MAPI_LISTENER, config.mapi_port)),
                MAIN_LISTENER,
                MAPI_LISTENER,
            )
        } else {
            (
                ServerConfig::new()
                    .port(config.mapi_port)
                    .listener(ListenerConfig::new(DATA_LISTENER, config.data_port).plain()),
                DATA_LISTENER,
                MAIN_LISTENER,
            )
        };
        let mut server_config = server_config.ips(config.ips.clone()).tls(tls);
        if let Some(after) = config.idle_close {
            server_config = server_config.idle_close(after);
        }
        let app = App {
            system: Arc::clone(&system),
            data_listener: data_listener.to_owned(),
        };
        let server = MockServer::start(server_config, app).await?;
        let ips = server.ips();
        *lock(&system.local_hosts) = ips
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");

        let dns = match &config.dns {
            Some(dns) => Arc::clone(dns),
            None => {
                let bind = config
                    .dns_bind
                    .unwrap_or_else(|| SocketAddr::new(ips[0], 0));
                Arc::new(DnsServer::start(bind).await?)
            }
        };
        let mock = Self {
            server,
            system,
            dns,
            ca,
            data_listener,
            mapi_listener,
        };
        for name in mock.fqdns() {
            mock.dns.set(&name, ips.clone());
        }
        Ok(mock)
    }

    /// Every name of the system: the domain, `admin.<domain>`, each tenant and namespace.
    pub fn fqdns(&self) -> Vec<String> {
        let domain = &self.system.domain;
        let mut names = vec![domain.clone(), self.admin_fqdn()];
        names.extend(self.system.tenants.iter().map(|t| format!("{t}.{domain}")));
        let state = self.system.state();
        names.extend(
            state
                .namespaces
                .iter()
                .map(|n| format!("{}.{}.{domain}", n.config.name, n.tenant)),
        );
        names
    }

    /// The kit server: request log, connections, faults, node stop and start.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The DNS server the system's names are registered on.
    pub fn dns(&self) -> &DnsServer {
        &self.dns
    }

    /// A handle to the DNS server, to pass to a second system's [`HcpConfig::dns`].
    pub fn dns_handle(&self) -> Arc<DnsServer> {
        Arc::clone(&self.dns)
    }

    /// The DNS server's address (UDP and TCP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns.addr()
    }

    /// The authority that signed the certificate (key included): pass it to a second
    /// system's [`HcpConfig::ca`] so clients trust both through one root.
    pub fn ca(&self) -> &CertificateAuthority {
        &self.ca
    }

    /// The CA certificate, PEM: the root clients trust.
    pub fn ca_pem(&self) -> String {
        self.ca.cert_pem().to_owned()
    }

    /// The system's domain, e.g. `hcp1.example`.
    pub fn domain(&self) -> &str {
        &self.system.domain
    }

    /// `<namespace>.<tenant>.<domain>`.
    pub fn namespace_fqdn(&self, tenant: &str, namespace: &str) -> String {
        format!("{namespace}.{tenant}.{}", self.system.domain)
    }

    /// `<tenant>.<domain>`.
    pub fn tenant_fqdn(&self, tenant: &str) -> String {
        format!("{tenant}.{}", self.system.domain)
    }

    /// `admin.<domain>`.
    pub fn admin_fqdn(&self) -> String {
        format!("admin.{}", self.system.domain)
    }

    /// The node IPs.
    pub fn ips(&self) -> Vec<IpAddr> {
        self.server.ips()
    }

    /// The data port, the same on every node.
    pub fn data_port(&self) -> u16 {
        self.server
            .listener_port(self.data_listener)
            .unwrap_or_default()
    }

    /// The MAPI port, the same on every node.
    pub fn mapi_port(&self) -> u16 {
        self.server
            .listener_port(self.mapi_listener)
            .unwrap_or_default()
    }

    /// Whether the data port serves TLS.
    pub fn data_is_tls(&self) -> bool {
        self.server
            .listener_is_tls(self.data_listener)
            .unwrap_or_default()
    }

    /// One data URL per node, `scheme://ip:port`.
    pub fn data_urls(&self) -> Vec<String> {
        self.server.listener_urls(self.data_listener)
    }

    /// One MAPI URL per node, `https://ip:port`.
    pub fn mapi_urls(&self) -> Vec<String> {
        self.server.listener_urls(self.mapi_listener)
    }

    /// The name of the kit listener serving the data port (for faults and log filters).
    pub fn data_listener(&self) -> &str {
        self.data_listener
    }

    /// The name of the kit listener serving MAPI.
    pub fn mapi_listener(&self) -> &str {
        self.mapi_listener
    }

    fn with_namespace<T>(
        &self,
        namespace: &str,
        f: impl FnOnce(&mut State, usize) -> T,
    ) -> Option<T> {
        let mut state = self.system.state();
        let (name, tenant) = match namespace.split_once('.') {
            Some((name, tenant)) => (name.to_ascii_lowercase(), Some(tenant.to_ascii_lowercase())),
            None => (namespace.to_ascii_lowercase(), None),
        };
        let index = state.namespaces.iter().position(|n| {
            n.config.name == name && tenant.as_ref().is_none_or(|t| *t == n.tenant)
        })?;
        Some(f(&mut state, index))
    }

    /// The object at `path` (decoded, `/rest/dir/a b.txt` or `dir/a b.txt`) in `namespace`
    /// (`n1`, or `n1.m` to name the tenant too).
    pub fn object(&self, namespace: &str, path: &str) -> Option<StoredObject> {
        let key = key_of(path);
        self.with_namespace(namespace, |state, index| {
            state.namespaces[index].object(&key).cloned()
        })
        .flatten()
    }

    /// Every version of the object at `path` in `namespace` that holds data, oldest first,
    /// the current one (if it is not deleted) last; delete markers are left out. Without
    /// versioning, at most the current object.
    pub fn object_versions(&self, namespace: &str, path: &str) -> Vec<StoredObject> {
        let key = key_of(path);
        self.with_namespace(namespace, |state, index| {
            state.namespaces[index]
                .versions(&key)
                .into_iter()
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    }

    /// Whether `path` is a directory of `namespace` (the root `/rest` always is).
    pub fn is_directory(&self, namespace: &str, path: &str) -> bool {
        let key = key_of(path);
        self.with_namespace(namespace, |state, index| {
            state.namespaces[index].is_directory(&key)
        })
        .unwrap_or(false)
    }

    /// The paths of every object in `namespace` (`/rest/...`, decoded), in name order.
    pub fn object_paths(&self, namespace: &str) -> Vec<String> {
        self.with_namespace(namespace, |state, index| {
            state.namespaces[index]
                .objects()
                .map(|o| o.path.clone())
                .collect()
        })
        .unwrap_or_default()
    }

    /// Stores an object directly (owner `owner`, the namespace's defaults), creating its
    /// directories: test fixtures without a client. Fails if the path exists.
    pub fn insert_object(
        &self,
        namespace: &str,
        path: &str,
        data: impl Into<Bytes>,
        owner: &str,
    ) -> Result<StoredObject, HcpMockError> {
        let key = key_of(path);
        let data = data.into();
        let stored = self
            .with_namespace(namespace, |state, index| {
                let ns = &mut state.namespaces[index];
                if key.is_empty() || ns.entries.contains_key(&key) {
                    return Err("the path exists".to_owned());
                }
                ns.create_parents(&key, time::now_ms())
                    .map_err(|f| f.message)?;
                let object = rest::new_object(&self.system, ns, &key, data, owner);
                ns.entries
                    .insert(key.clone(), Entry::Object(Box::new(object.clone())));
                Ok(object)
            })
            .ok_or_else(|| HcpMockError::NoNamespace(namespace.to_owned()))?;
        stored.map_err(|reason| HcpMockError::Store {
            path: path.to_owned(),
            reason,
        })
    }

    /// A replication link's state.
    pub fn link(&self, name: &str) -> Option<LinkState> {
        self.system
            .state()
            .links
            .iter()
            .find(|l| l.config.name == name)
            .map(|l| l.state.clone())
    }

    /// The messages written to the system log with `POST /mapi/logs?mark=`.
    pub fn log_marks(&self) -> Vec<String> {
        self.system.state().logs.marks.clone()
    }

    /// How many log downloads were served.
    pub fn log_downloads(&self) -> u32 {
        self.system.state().logs.downloads
    }

    /// How many log collections were started (`POST /mapi/logs/prepare` accepted).
    pub fn log_prepares(&self) -> u32 {
        self.system.state().logs.prepares
    }

    /// Makes log collections started from now on take `time` to become ready.
    pub fn set_log_prepare_time(&self, time: std::time::Duration) {
        self.system.state().logs.prepare_time = Some(time);
    }

    /// Makes the next log collection fail: its status reports `error` `true` and it never
    /// becomes ready.
    pub fn fail_next_log_collection(&self) {
        self.system.state().logs.fail_next = true;
    }

    /// Stops every node and connection, and waits (briefly) for them to end.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}

/// A test hook's path (`/rest/a b.txt`, `/fcfs_data/a b.txt`, `a b.txt`) as a namespace
/// key.
fn key_of(path: &str) -> String {
    let rest = ["/rest/", "/fcfs_data/"]
        .iter()
        .find_map(|root| {
            path.strip_prefix(root.trim_end_matches('/'))
                .filter(|r| r.is_empty() || r.starts_with('/'))
        })
        .unwrap_or(path);
    rest.split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}
