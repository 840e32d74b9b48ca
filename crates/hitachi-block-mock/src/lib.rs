//! A stateful mock of the Hitachi Configuration Manager REST API (VSP block storage), built on
//! the storkit mock kit: one [`HitachiMock`] is one storage system, served over real HTTP(S)
//! on loopback addresses.
//!
//! ```
//! use std::time::Duration;
//!
//! use storkit_core::{Client, Request, TlsPolicy};
//! use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
//! use storkit_mock::{ServerConfig, TlsSettings};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = HitachiMock::start(
//!     ServerConfig::new()
//!         .ips(["127.0.0.130".parse()?])
//!         .tls(TlsSettings::default()),
//!     ArrayConfig::new("VSP G900", 410000)
//!         .user("user1", "pass1")
//!         .job_duration(Duration::ZERO),
//! )
//! .await?;
//! assert_eq!(mock.storage_device_id(), "886000410000");
//!
//! let ca = mock.server().tls().ok_or("no TLS")?.ca_pem();
//! let client = Client::builder(mock.url())
//!     .tls(TlsPolicy::custom_ca_pem(ca)?)
//!     .build()?;
//! let version = client
//!     .send(Request::get("/ConfigurationManager/configuration/version"))
//!     .await?;
//! let version: serde_json::Value = version.json()?;
//! assert_eq!(version["apiVersion"], "1.31.0");
//!
//! // Sessions take Basic credentials once; everything else takes the token.
//! let session = client
//!     .send(
//!         Request::post("/ConfigurationManager/v1/objects/sessions")
//!             .header("authorization", "Basic dXNlcjE6cGFzczE="),
//!     )
//!     .await?;
//! assert_eq!(session.status(), 200);
//! let session: serde_json::Value = session.json()?;
//! assert_eq!(mock.live_sessions(), 1);
//!
//! // A change is a job: 202 with the job object.
//! let job = client
//!     .send(
//!         Request::post("/ConfigurationManager/v1/objects/ldevs")
//!             .header("authorization", format!("Session {}", session["token"].as_str().ok_or("token")?))
//!             .json(&serde_json::json!({ "poolId": 0, "byteFormatCapacity": "1G", "ldevId": 500 })),
//!     )
//!     .await?;
//! assert_eq!(job.status(), 202);
//! let job: serde_json::Value = job.json()?;
//! assert_eq!(job["state"], "Succeeded");
//! assert!(mock.ldev_exists(500));
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//! Reference `hitachi-block.md` §19.2, on both URL forms (`/ConfigurationManager/v1/objects/
//! storages/{sdid}/...` and `/ConfigurationManager/v1/objects/...`, services under
//! `/v1/{sdid}/services/...` and `/v1/services/...`):
//! - version and storage systems, without authentication;
//! - sessions: Basic login, `aliveTime` idle expiry, the 64-session limit (503), discard;
//! - jobs: `Initializing` → `Running` → `Completed` over [`ArrayConfig::job_duration`],
//!   `Response-Job-Status: Completed` holding the 202, 3,000 records kept;
//! - LDEVs; pools (create from basic LDEVs, settings, expand, shrink, delete); ports
//!   (settings); host groups, host WWNs, LUNs;
//! - ShadowImage pairs and copy groups with their action templates, Thin Image snapshots,
//!   TrueCopy / UR / GAD pairs;
//! - remote storage registration, whose `Remote-Authorization` token is checked by calling
//!   the remote mock;
//! - the resource-group lock, per session;
//! - error bodies as §9 describes them, and test hooks: [`HitachiMock::fail_next_job`],
//!   [`HitachiMock::fail_next_job_on`], [`HitachiMock::inject_error`],
//!   [`HitachiMock::drop_affected_resources_next_job`], [`HitachiMock::suspend_pair`],
//!   [`HitachiMock::expire_all_sessions`], and the kit's faults through
//!   [`HitachiMock::server`].
//!
//! The default state has a DP pool (0), a Thin Image pool (1), LDEVs 100–103, 200–201 and
//! 347–352 (347 and 348 of equal size, for seed 001), and ports CL1-A, CL2-A, CL1-B, CL2-B.

use std::sync::Arc;
use std::time::{Duration, Instant};

use storkit_mock::{MockError, MockServer, ServerConfig};

mod config;
mod copy_groups;
mod errors;
mod host_groups;
mod host_wwns;
mod injected;
mod jobs;
mod ldevs;
mod local_copy;
mod locks;
mod luns;
mod pair_status;
mod params;
mod pools;
mod ports;
mod remote_auth;
mod remote_copy;
mod remote_storages;
mod request;
mod router;
pub mod seeds;
mod sessions;
mod snapshots;
mod state;
mod storage_ids;
mod storages;
mod timestamps;

pub use config::ArrayConfig;
pub use storage_ids::storage_device_id;

use crate::injected::Injected;
use crate::router::Router;
use crate::state::{Array, NetInfo, State};

/// The error the next asynchronous job ends with, for [`HitachiMock::fail_next_job`] and
/// [`HitachiMock::fail_next_job_on`].
///
/// The job completes with `status: "Completed"`, `state: "Failed"` and an `error` whose
/// `errorCode` holds the SSB pair or the RAID Manager return code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// A storage error with sense bytes, e.g. SSB1 `2E11` / SSB2 `2205` (locked).
    Ssb {
        /// SSB1, four hex digits.
        ssb1: String,
        /// SSB2, four hex digits.
        ssb2: String,
        /// The message ID, e.g. `KART30000-E`.
        message_id: String,
    },
    /// A RAID Manager return code, e.g. `EX_EACCES`.
    ReturnCode {
        /// The return code.
        code: String,
        /// The message ID, e.g. `KART30000-E`.
        message_id: String,
    },
    /// An error without an error code whose `solutionType` is `RETRY`: the server says
    /// the same request may succeed later (reference §16.2).
    Retry {
        /// The message ID, e.g. `KART30000-E`.
        message_id: String,
    },
}

/// One mock storage system on a [`MockServer`].
///
/// Dropping it stops the server.
pub struct HitachiMock {
    server: MockServer,
    array: Arc<Array>,
    sdid: String,
}

impl std::fmt::Debug for HitachiMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HitachiMock")
            .field("storage_device_id", &self.sdid)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl HitachiMock {
    /// Starts serving `array` on the nodes of `server` (plain HTTP, or HTTPS with a
    /// generated certificate when `server.tls` is set).
    ///
    /// The storageDeviceId comes from the client crate's model table
    /// ([`storkit_hitachi_block::storage_id::MODEL_PREFIXES`]); a model missing from it
    /// gets the prefix `000000`, so any model can be mocked.
    pub async fn start(server: ServerConfig, array: ArrayConfig) -> Result<Self, MockError> {
        let sdid = storage_device_id(&array.model, array.serial)
            .unwrap_or_else(|| format!("000000{:06}", array.serial % 1_000_000));
        let https = server.tls.is_some();
        let shared = Arc::new(Array::new(State::new(array, sdid.clone(), https)));
        let server = MockServer::start(server, Router::new(Arc::clone(&shared))).await?;
        shared.lock().net = NetInfo {
            https,
            ips: server.ips(),
            port: server.port(),
        };
        Ok(Self {
            server,
            array: shared,
            sdid,
        })
    }

    /// The URL of the first node, e.g. `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// One URL per node.
    pub fn urls(&self) -> Vec<String> {
        self.server.urls()
    }

    /// The kit server: request log, faults, TLS material (CA, fingerprint), node control.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The storageDeviceId, e.g. `886000410000`.
    pub fn storage_device_id(&self) -> &str {
        &self.sdid
    }

    /// Sessions neither discarded nor expired.
    pub fn live_sessions(&self) -> usize {
        self.array.lock().sessions.live_count(Instant::now())
    }

    /// How many sessions were created since start.
    pub fn sessions_created(&self) -> u64 {
        self.array.lock().sessions.created()
    }

    /// Makes the next asynchronous job end `Completed`/`Failed` with `failure`, without
    /// doing anything.
    pub fn fail_next_job(&self, failure: JobFailure) {
        self.array.lock().pending_failure = Some((None, failure));
    }

    /// Makes the next asynchronous job whose request path contains `path_contains` (e.g.
    /// `/actions/split/invoke`) end `Completed`/`Failed` with `failure`, without doing
    /// anything; jobs of other requests run normally until then. For failing one step of a
    /// multi-job workflow, such as the split after a pair create. Replaces any failure
    /// armed before.
    pub fn fail_next_job_on(&self, path_contains: &str, failure: JobFailure) {
        self.array.lock().pending_failure = Some((Some(path_contains.to_owned()), failure));
    }

    /// Makes the next asynchronous job report an empty `affectedResources` list, though
    /// it runs and succeeds as usual (the object it creates does exist): for testing a
    /// client that must not guess an id the job did not name. A mock-only behaviour; a
    /// real server names what a successful job affected (reference §8.2).
    pub fn drop_affected_resources_next_job(&self) {
        self.array.lock().hide_affected_next = true;
    }

    /// Expires every session, as if `aliveTime` had passed: their next use gets 401.
    pub fn expire_all_sessions(&self) {
        self.array.lock().sessions.expire_all();
    }

    /// The session ID holding the resource-group lock, if any.
    pub fn lock_holder(&self) -> Option<u64> {
        let mut state = self.array.lock();
        let now = Instant::now();
        jobs::advance(&mut state, now);
        state.lock_holder_at(now)
    }

    /// `(pvolStatus, svolStatus)` of a pair: a ShadowImage pair (four-part ID), a remote
    /// copy pair (five-part ID) or a Thin Image pair (`pvol,mu`, its `status` twice).
    pub fn pair_status(&self, pair_id: &str) -> Option<(String, String)> {
        let mut state = self.array.lock();
        jobs::advance(&mut state, Instant::now());
        state
            .local_copy
            .status(pair_id)
            .or_else(|| state.remote_copy.status(pair_id))
            .or_else(|| state.snapshots.status(pair_id))
    }

    /// Puts a pair (any of the ID forms of [`pair_status`](Self::pair_status)) into `PSUE`,
    /// as a failure on the array would; `false` if there is no such pair.
    pub fn suspend_pair(&self, pair_id: &str) -> bool {
        let mut state = self.array.lock();
        jobs::advance(&mut state, Instant::now());
        state.local_copy.suspend(pair_id)
            || state.remote_copy.suspend(pair_id)
            || state.snapshots.suspend(pair_id)
    }

    /// Whether LDEV `id` is defined.
    pub fn ldev_exists(&self, id: u32) -> bool {
        let mut state = self.array.lock();
        jobs::advance(&mut state, Instant::now());
        state.ldevs.contains_key(&id)
    }

    /// Defines LDEV `id` as a basic volume of `blocks` 512-byte blocks, as if it had been
    /// created in a parity group (the mock's `POST ldevs` makes DP volumes only): a volume
    /// that can become a pool volume. `false`, changing nothing, when the number is taken
    /// or above the LDEV limit, or `blocks` is zero.
    pub fn add_basic_ldev(&self, id: u32, blocks: u64) -> bool {
        let mut state = self.array.lock();
        jobs::advance(&mut state, Instant::now());
        if id > ldevs::MAX_LDEV_ID || blocks == 0 || state.ldevs.contains_key(&id) {
            return false;
        }
        state
            .ldevs
            .insert(id, ldevs::Ldev::new(id, blocks, None, "basic"));
        true
    }

    /// Whether pool `id` exists.
    pub fn pool_exists(&self, id: u32) -> bool {
        let mut state = self.array.lock();
        jobs::advance(&mut state, Instant::now());
        state.pools.contains_key(&id)
    }

    /// How many job records are kept (at most 3,000).
    pub fn job_count(&self) -> usize {
        self.array.lock().jobs.len()
    }

    /// Changes the version `GET /ConfigurationManager/configuration/version` reports.
    pub fn set_api_version(&self, version: &str) {
        version.clone_into(&mut self.array.lock().config.api_version);
    }

    /// Changes how long jobs accepted from now on take.
    pub fn set_job_duration(&self, duration: Duration) {
        self.array.lock().job_duration = duration;
    }

    /// Changes how long copies (`COPY`, `RCPY`) take from now on; by default they take the
    /// configured job duration.
    pub fn set_copy_duration(&self, duration: Duration) {
        self.array.lock().copy_duration = duration;
    }

    /// Makes the next `times` non-GET requests, other than session create and discard,
    /// answer `status` with a Hitachi error body carrying `message_id`, the SSB pair (as
    /// `errorCode`) and `solution_type` (default `SEE_ERROR_DETAIL`). For lock-busy
    /// (`KART40050-E`) and server-busy (`KART00003-E`) retry tests.
    pub fn inject_error(
        &self,
        times: u32,
        status: u16,
        message_id: &str,
        ssb: Option<(&str, &str)>,
        solution_type: Option<&str>,
    ) {
        self.array.lock().injected =
            (times > 0).then(|| Injected::new(times, status, message_id, ssb, solution_type));
    }
}
