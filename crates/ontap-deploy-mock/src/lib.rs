//! A stateful mock of NetApp ONTAP Select Deploy, REST API v3, on the storkit mock kit: one
//! [`DeployMock`] is one Deploy VM on a loopback address, HTTPS by default (plain HTTP for
//! tests), under `/api/v3`, following the protocol reference (`ontap-deploy.md`).
//!
//! ```
//! use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::TcpStream;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mock = DeployMock::start(
//!     DeployConfig::new()
//!         .ip("127.0.13.250".parse()?)
//!         .tls(false) // Deploy is HTTPS only; the default serves HTTPS too.
//!         .user("admin", "netapp1!"),
//! )
//! .await?;
//! assert!(mock.url().starts_with("http://127.0.13.250:"));
//! assert_eq!(mock.base_url(), format!("{}/api/v3", mock.url()));
//!
//! // One request by hand: Basic auth ("admin:netapp1!"), a collection envelope back.
//! let get = |path: &str| {
//!     format!(
//!         "GET /api/v3{path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
//!          Authorization: Basic YWRtaW46bmV0YXBwMSE=\r\nConnection: close\r\n\r\n",
//!         mock.addr()
//!     )
//! };
//! let mut tcp = TcpStream::connect(mock.addr()).await?;
//! tcp.write_all(get("/clusters?fields=id,name").as_bytes()).await?;
//! let mut answer = String::new();
//! tcp.read_to_string(&mut answer).await?;
//! assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
//! assert!(answer.contains("request-id: "));
//! assert!(answer.ends_with(r#"{"num_records":0,"records":[]}"#));
//!
//! // Hooks drive what a real Deploy would need a failure for.
//! mock.fail_next_request();
//! let mut tcp = TcpStream::connect(mock.addr()).await?;
//! tcp.write_all(get("/clusters").as_bytes()).await?;
//! let mut answer = String::new();
//! tcp.read_to_string(&mut answer).await?;
//! assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
//! mock.fail_next_job("ESX host unreachable");
//! assert_eq!((mock.jobs_started(), mock.clusters().len()), (0, 0));
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//! - **Transport** (reference §2): Basic auth on every call (401 with an error body and
//!   `WWW-Authenticate` otherwise; a [read-only user](DeployConfig::read_only_user) gets 403
//!   on anything but `GET`); `/api/v3`, `/api` and `//` runs all reach the same routes; every
//!   answer carries a unique `request-id`; creates carry an absolute `location`.
//! - **Envelopes** (§3): `{"record":…}`, `{"num_records":N,"records":[…]}`, 202
//!   `{"job":{"id","state","message","last_modified"}}`, empty bodies, and errors
//!   `{"error":{"code","message"}}` with the [`codes`] (strings, or numbers with
//!   [`DeployConfig::integer_error_codes`]). Unknown path 404, wrong method 405 with `Allow`,
//!   known but unperformed URIs (cluster refresh, expand, contract; node start, stop;
//!   credential PATCH; licence DELETE) 501, and 500 through
//!   [`fail_next_request`](DeployMock::fail_next_request).
//! - **Queries** (§4): [`query`] parses `filter`, `fields`, `order_by`, `max_records` and
//!   `poll_timeout` exactly as the shared [`fixtures`] say, and answers 400 naming what is
//!   wrong; [`schema`] lists each collection's fields.
//! - **Jobs** (§5): queued → running (one or more progress messages) → success or failure,
//!   one step every [`DeployConfig::job_step`]; `GET /jobs/{id}?poll_timeout=…&
//!   last_modified=>=…` holds until the job changes after that time, waking at once.
//! - **Objects** (§6, §7): credentials, hosts, clusters (node counts 1–12, nodes named
//!   `<cluster>-01`…), nodes, networks by purpose (in the order data, internal, mgmt, so
//!   clients must pick by purpose), storage pools and disks, deploy with progress messages,
//!   power, resize and delete, licences (multipart upload and update), connectivity checks,
//!   images and mediators. Passwords are checked and dropped: no answer or log holds one.
//! - **Faults**: the kit's, through [`DeployMock::server`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use storkit_mock::{MockError, MockServer, ServerConfig, TlsSettings};

mod answer;
mod app;
mod catalog;
mod clusters;
pub mod codes;
mod config;
pub mod fixtures;
mod input;
mod inventory;
mod jobs;
mod licenses;
mod network;
mod nodes;
pub mod query;
pub mod schema;
mod snapshot;
mod state;
mod time;

pub use config::{DEFAULT_IMAGE, DEFAULT_JOB_STEP, DeployConfig, DeployUser};
pub use fixtures::{QUERY_FIXTURES, QueryFixtures, query_fixtures};
pub use jobs::{JobState, JobView};
pub use snapshot::{ClusterSnapshot, CredentialSnapshot, HostSnapshot};

use crate::app::App;
use crate::state::Deploy;

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployMockError {
    /// The configuration cannot work (no user, no address…).
    #[error("invalid Deploy mock configuration: {0}")]
    Config(String),
    /// The kit could not start the server or the certificate.
    #[error(transparent)]
    Kit(#[from] MockError),
}

/// One mock Deploy on a [`MockServer`]. Dropping it stops the server.
pub struct DeployMock {
    server: MockServer,
    deploy: Arc<Deploy>,
}

impl std::fmt::Debug for DeployMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeployMock")
            .field("url", &self.url())
            .field("config", &self.deploy.config)
            .finish_non_exhaustive()
    }
}

impl DeployMock {
    /// Starts the Deploy: binds its port on its addresses and serves.
    pub async fn start(config: DeployConfig) -> Result<Self, DeployMockError> {
        if config.users.is_empty() {
            return Err(DeployMockError::Config(
                "no user: every call needs Basic auth, so add one with DeployConfig::user".into(),
            ));
        }
        let mut server_config = ServerConfig::new()
            .ips(config.ips.clone())
            .port(config.port);
        if config.tls {
            server_config = server_config.tls(TlsSettings::new(config.tls_names.clone()));
        }
        let deploy = Arc::new(Deploy::new(config));
        let app =
            App::new(Arc::clone(&deploy)).map_err(|e| DeployMockError::Config(e.to_string()))?;
        let server = MockServer::start(server_config, app).await?;
        Ok(Self { server, deploy })
    }

    /// The kit server: request log, connections, faults.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// `scheme://ip:port` of the first address.
    pub fn url(&self) -> String {
        self.server.url_for(self.ip())
    }

    /// [`url`](Self::url) and `/api/v3`: the base clients should use.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.url(), app::BASE)
    }

    /// The first address.
    pub fn ip(&self) -> IpAddr {
        self.server
            .ips()
            .first()
            .copied()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// The port, the same on every address.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `ip:port` of the first address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip(), self.port())
    }

    /// The CA certificate (PEM) that signed the server's certificate, when serving TLS. The
    /// certificate names the configured addresses and [`DeployConfig::tls_names`].
    pub fn ca_pem(&self) -> Option<String> {
        self.server.tls().map(|tls| tls.ca_pem())
    }

    /// The next job started ends in `failure` with `message` after its first progress
    /// step; what it would have changed is not changed (a failed create is removed again).
    pub fn fail_next_job(&self, message: impl Into<String>) {
        self.deploy.state().fail_next_job = Some(message.into());
    }

    /// The next request, whatever it is, answers 500 with an error body.
    pub fn fail_next_request(&self) {
        self.deploy.state().fail_next_requests += 1;
    }

    /// How many jobs were started since the mock started.
    pub fn jobs_started(&self) -> u64 {
        self.deploy.state().jobs_started
    }

    /// How long each state of jobs started from now on lasts.
    pub fn set_job_step(&self, step: Duration) {
        self.deploy.state().job_step = step;
    }

    /// How long each state of a new job lasts.
    pub fn job_step(&self) -> Duration {
        self.deploy.state().job_step
    }

    /// Every job as it is now, oldest first.
    pub fn jobs(&self) -> Vec<JobView> {
        let state = self.deploy.state();
        state
            .jobs
            .iter()
            .filter_map(|job| {
                self.deploy
                    .jobs
                    .get(job.clock)
                    .map(|snapshot| self.deploy.job_view(&job.id, &snapshot))
            })
            .collect()
    }

    /// The clusters, in creation order.
    pub fn clusters(&self) -> Vec<ClusterSnapshot> {
        self.deploy
            .state()
            .clusters
            .iter()
            .map(ClusterSnapshot::of)
            .collect()
    }

    /// The hosts, in creation order.
    pub fn hosts(&self) -> Vec<HostSnapshot> {
        self.deploy
            .state()
            .hosts
            .iter()
            .map(HostSnapshot::of)
            .collect()
    }

    /// The credentials, in creation order (never a password: the mock keeps none).
    pub fn credentials(&self) -> Vec<CredentialSnapshot> {
        self.deploy
            .state()
            .credentials
            .iter()
            .map(CredentialSnapshot::of)
            .collect()
    }

    /// The serial numbers of the licences uploaded.
    pub fn licenses(&self) -> Vec<String> {
        self.deploy
            .state()
            .licenses
            .iter()
            .map(|l| l.serial.clone())
            .collect()
    }

    /// Stops the server and its connections, and waits (briefly) for them to end.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}
