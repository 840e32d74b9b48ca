//! A stateful mock of a Huawei FusionCompute Virtual Replication Gateway (VRG), interface
//! v1.0, on the storkit mock kit: one [`VrgMock`] is one VRG on a loopback address, plain
//! HTTP by default (TLS optional), under `/vrgservice`, following the protocol reference's
//! §11.
//!
//! ```
//! use std::time::Duration;
//!
//! use storkit_vrg_mock::{VrgConfig, VrgMock, key_for};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::TcpStream;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mock = VrgMock::start(
//!     VrgConfig::new()
//!         .ip("127.0.10.250".parse()?)
//!         .user("admin", "Huawei@CLOUD8!")
//!         .pair_delay(Duration::from_millis(10)),
//! )
//! .await?;
//! assert!(mock.url().starts_with("http://127.0.10.250:"));
//!
//! // Log in by hand: no body, the user and the lowercase hex SHA-256 of the password.
//! let request = format!(
//!     "POST /vrgservice/session HTTP/1.1\r\nHost: {}\r\n\
//!      Accept: application/json; version=v1.0; charset=UTF-8\r\nAccept-Language: en_US\r\n\
//!      X-Auth-User: admin\r\nX-Auth-Key: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
//!     mock.addr(),
//!     key_for("Huawei@CLOUD8!"),
//! );
//! let mut tcp = TcpStream::connect(mock.addr()).await?;
//! tcp.write_all(request.as_bytes()).await?;
//! let mut answer = String::new();
//! tcp.read_to_string(&mut answer).await?;
//! assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
//! assert!(answer.to_ascii_lowercase().contains("x-auth-token: "));
//! assert!(answer.ends_with(&format!(r#"{{"uuid":"{}","validity":600000}}"#, mock.vrg_uuid())));
//! assert_eq!((mock.logins(), mock.live_sessions()), (1, 1));
//!
//! // Hooks drive what the HTTP API would need a real system for.
//! mock.expire_tokens();
//! mock.set_peer_reachable(false);
//! assert_eq!(mock.live_sessions(), 0);
//! assert_eq!(mock.pair_state().status, 4);
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//! - **Errors**: every refusal is HTTP 400 with `{"errorCode":"<8 digits>","errorDes":"…"}`,
//!   `errorDes` in Chinese (the document's texts verbatim) unless `Accept-Language` starts
//!   with `en` ([`codes`]). A path it does not serve is `404`, a method a path does not take
//!   `405` with `Allow`, both with an error body (`10440101`).
//! - **Headers**: `Accept`'s `version` may be `v1.0`, `1.0` or absent (anything else:
//!   `10440101`); `Content-Type` is never required. A body over 1 MiB gets the kit's `413`.
//! - **Login** `POST /vrgservice/session`: `X-Auth-User` 1–20 characters (`10440200`
//!   otherwise), a configured user (`10440201`), `X-Auth-Key` its lowercase hex SHA-256
//!   ([`key_for`]; `10440202`); the third wrong key in a row answers `10440207` and locks
//!   the user for [`VrgConfig::lockout`], during which every login answers `10440208`.
//!   Tokens come back in `X-Auth-Token` and expire after [`VrgConfig::validity`] (absolute,
//!   or sliding); a missing, unknown or expired token is `10440102`. Times are on Tokio's
//!   clock, so a paused test clock drives expiry, lockout, pairing and DR set-up.
//! - **Endpoints**: versions, logout, alarm server, status, networks, VM DR status (DR role
//!   during a failover only), pairing (a state machine), VM DR configurations (set, query
//!   with paging and filters, delete) and the management network (the mock moves to the new
//!   loopback address, sessions kept). The request checks are in [`wire`], public for
//!   clients' property tests.
//! - **Seed shapes**: [`SeedShapes`] switches answers to the interface document's sample
//!   spellings one by one; [`PairKeys`] picks the pairing keys accepted.
//! - **Faults**: the kit's, through [`VrgMock::server`]: per route (`on_path`), any answer
//!   (`FaultAction::Respond` with an `errorCode` body), latency (`DelayHeaders`), a dropped
//!   connection after reading the request (`CloseBeforeResponse`), and more.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use storkit_mock::{MockError, MockServer, ServerConfig, TlsSettings};
use tokio::time::Instant;

mod answer;
mod app;
pub mod codes;
mod config;
mod mgmt_net;
mod pairing;
mod session;
mod state;
mod status;
mod strategy;
pub mod wire;

pub use config::{
    DEFAULT_LOCKOUT, DEFAULT_UUID, DEFAULT_VALIDITY, Role, SeedShapes, VrgConfig, VrgUser, key_for,
};
pub use state::{PairState, StrategySnapshot, VolumeSnapshot};
pub use wire::{PairKeys, Side, WireError};

use crate::app::App;
use crate::state::Vrg;

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VrgMockError {
    /// The configuration is inconsistent (a user name the login would refuse…).
    #[error("invalid VRG mock configuration: {0}")]
    Config(String),
    /// The kit could not start the server or the certificate.
    #[error(transparent)]
    Kit(#[from] MockError),
}

/// One mock VRG on a [`MockServer`]. Dropping it stops the server.
pub struct VrgMock {
    server: Arc<MockServer>,
    vrg: Arc<Vrg>,
}

impl std::fmt::Debug for VrgMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VrgMock")
            .field("url", &self.url())
            .field("config", &self.vrg.config)
            .finish_non_exhaustive()
    }
}

impl VrgMock {
    /// Starts the VRG: binds its port on its addresses and serves.
    pub async fn start(config: VrgConfig) -> Result<Self, VrgMockError> {
        for user in &config.users {
            if !(1..=20).contains(&user.name.chars().count()) {
                return Err(VrgMockError::Config(format!(
                    "user name {:?} is not 1-20 characters: it could never log in",
                    user.name
                )));
            }
        }
        let mut server_config = ServerConfig::new()
            .ips(config.ips.clone())
            .port(config.port);
        if config.tls {
            server_config = server_config.tls(TlsSettings::new(config.tls_names.clone()));
        }
        let vrg = Arc::new(Vrg::new(config));
        let app = App::new(Arc::clone(&vrg)).map_err(|e| VrgMockError::Config(e.to_string()))?;
        let server = Arc::new(MockServer::start(server_config, app).await?);
        vrg.attach(Arc::downgrade(&server), server.ips());
        Ok(Self { server, vrg })
    }

    /// The kit server: request log, connections, faults, node stop and start.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// `scheme://ip:port` of the address it serves on now (it changes after
    /// `POST /modmngnet/`).
    pub fn url(&self) -> String {
        self.server.url_for(self.ip())
    }

    /// The address it serves on now: the first configured one until `POST /modmngnet/`
    /// moves it.
    pub fn ip(&self) -> IpAddr {
        self.vrg
            .state()
            .ips
            .first()
            .copied()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// The port, the same on every address.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `ip:port` now.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip(), self.port())
    }

    /// The CA certificate (PEM) to trust, when serving TLS. The certificate names the
    /// configured addresses and [`VrgConfig::tls_names`]; an address `POST /modmngnet/`
    /// moved to is not in it (check a name or pin the fingerprint there).
    pub fn ca_pem(&self) -> Option<String> {
        self.server.tls().map(|tls| tls.ca_pem())
    }

    /// The VRG `uuid` the login answers.
    pub fn vrg_uuid(&self) -> &str {
        &self.vrg.config.uuid
    }

    /// How many logins succeeded.
    pub fn logins(&self) -> u64 {
        self.vrg.logins.load(Ordering::Relaxed)
    }

    /// How many `POST /vrgservice/session` requests reached the VRG, whatever their
    /// outcome (requests a kit fault answered instead are not counted).
    pub fn login_attempts(&self) -> u64 {
        self.vrg.login_attempts.load(Ordering::Relaxed)
    }

    /// How many tokens are live.
    pub fn live_sessions(&self) -> usize {
        self.vrg.sessions.count()
    }

    /// Ends every session now, as if each token had expired: their next use gets
    /// `10440102`.
    pub fn expire_tokens(&self) {
        self.vrg.sessions.clear();
    }

    /// Makes the next logout answer `10440205` (the session stays live).
    pub fn fail_next_logout(&self) {
        self.vrg.state().fail_next_logout = true;
    }

    /// Lifts every lock and forgets wrong passwords.
    pub fn unlock_users(&self) {
        self.vrg.state().accounts.clear();
    }

    /// Whether the peer answers: pairings started while it does not end in status 3.
    pub fn set_peer_reachable(&self, reachable: bool) {
        self.vrg.state().peer_reachable = reachable;
    }

    /// Makes the next pairing (`POST /vrgmap`) end in status 3 (failed), once.
    pub fn fail_next_pairing(&self) {
        self.vrg.state().fail_next_pairing = true;
    }

    /// How long pairings started from now on stay in status 2 (pairing).
    pub fn set_pair_delay(&self, delay: std::time::Duration) {
        self.vrg.state().pair_delay = delay;
    }

    /// How many `POST /vrgmap` requests the mock accepted since it started.
    pub fn pairings_started(&self) -> u64 {
        self.vrg.state().pairings_started
    }

    /// Cuts the link to the peer: a pairing shows status 5 until the next `POST` or
    /// `DELETE /vrgmap`. No effect when not paired.
    pub fn link_down(&self) {
        if let Some(pairing) = &mut self.vrg.state().pairing {
            pairing.link_down = true;
        }
    }

    /// The pairing now.
    pub fn pair_state(&self) -> PairState {
        let state = self.vrg.state();
        match &state.pairing {
            None => PairState {
                status: 4,
                dst_ip: None,
                dst_port: None,
            },
            Some(p) => PairState {
                status: p.status(Instant::now()),
                dst_ip: Some(p.dst_ip),
                dst_port: Some(p.dst_port),
            },
        }
    }

    /// What `volStatus` DR configurations set from now on end in once set up: `None` for 1
    /// (normal), or e.g. `Some(2)` path error, `Some(3)` type error, `Some(4)` configured to
    /// another VRG.
    pub fn set_volume_outcome(&self, outcome: Option<i64>) {
        self.vrg.state().volume_outcome = outcome;
    }

    /// Whether deletes fail: the VM stays, its volumes at `volStatus` 6 (the delete still
    /// answers its `drStatus`).
    pub fn leave_volumes_on_delete(&self, leave: bool) {
        self.vrg.state().leave_volumes_on_delete = leave;
    }

    /// Whether `GET /netinfos` answers `10440305` (management eth0 missing).
    pub fn set_eth0_missing(&self, missing: bool) {
        self.vrg.state().eth0_missing = missing;
    }

    /// Whether a failover is in progress.
    pub fn set_failover(&self, failover: bool) {
        self.vrg.state().failover = failover;
    }

    /// Sets `GET /vrgstatus` `status`.
    pub fn set_status(&self, status: i64) {
        self.vrg.state().status = status;
    }

    /// Sets `availableCapacity` and `totalCapacity`.
    pub fn set_capacities(&self, available: i64, total: i64) {
        let mut state = self.vrg.state();
        state.available_capacity = available;
        state.total_capacity = total;
    }

    /// Marks a configured VM faulty (listed by `faultVms=1`) or not; `false` if there is no
    /// such VM.
    pub fn set_vm_fault(&self, vm_uuid: &str, fault: bool) -> bool {
        self.with_vm(vm_uuid, |vm| vm.fault = fault)
    }

    /// Sets a configured VM's DR status (`vmdrstatus` `status`, the delete's `drStatus`);
    /// `false` if there is no such VM.
    pub fn set_dr_status(&self, vm_uuid: &str, status: i64) -> bool {
        self.with_vm(vm_uuid, |vm| vm.dr_status = status)
    }

    fn with_vm(&self, vm_uuid: &str, change: impl FnOnce(&mut state::Vm)) -> bool {
        let mut state = self.vrg.state();
        match state.vms.iter_mut().find(|vm| vm.is(vm_uuid)) {
            Some(vm) => {
                change(vm);
                true
            }
            None => false,
        }
    }

    /// Every VM DR configuration, in the order first set, as the query would show it now.
    pub fn strategies(&self) -> Vec<StrategySnapshot> {
        let now = Instant::now();
        let delay = self.vrg.config.strategy_delay;
        self.vrg
            .state()
            .vms
            .iter()
            .map(|vm| vm.snapshot(now, delay))
            .collect()
    }

    /// How many VMs have a DR configuration.
    pub fn strategy_count(&self) -> usize {
        self.vrg.state().vms.len()
    }

    /// The alarm server, if set.
    pub fn alarm_server(&self) -> Option<(Ipv4Addr, u16)> {
        self.vrg.state().trap
    }

    /// Stops the server and its connections, and waits (briefly) for them to end.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}
