//! Hitachi VSP block storage through the Configuration Manager REST API.
//!
//! A client for the REST API of Hitachi VSP arrays (the Configuration Manager server, or
//! the REST server embedded in the SVP/GUM), on the `storkit-core` transport: verified
//! TLS by default, retries that understand Hitachi's busy and lock codes, jobs waited for,
//! sessions that are always discarded.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use storkit_hitachi_block::local_copy::{ActionOptions, CreateLocalClonePair};
//! use storkit_hitachi_block::{HitachiClient, TlsPolicy};
//! # let mock = storkit_hitachi_block_mock::HitachiMock::start(
//! #     storkit_mock::ServerConfig::new()
//! #         .ips(["127.0.0.240".parse()?])
//! #         .tls(storkit_mock::TlsSettings::new(["array.example.test"])),
//! #     storkit_hitachi_block_mock::ArrayConfig::new("VSP G900", 410000).user("admin", "secret"),
//! # ).await?;
//! # let url = mock.url();
//! # let pin = mock.server().tls().ok_or("no tls")?.fingerprint_hex_colon();
//!
//! // The REST server's certificate is self-signed: pin it rather than disabling checks.
//! let client = HitachiClient::builder(url)
//!     .credentials("admin", "secret".to_owned())
//!     .model_serial("VSP G900", 410000) // storageDeviceId 886000410000
//!     .tls(TlsPolicy::pinned([pin.as_str()])?)
//!     .build()
//!     .await?;
//! client.require_api_version(1, 2).await?;
//!
//! // The session is discarded when the closure ends, fails or is cancelled.
//! let status = client
//!     .with_session(|session| async move {
//!         let pairs = session.local_copy_pairs();
//!         let id = pairs
//!             .create(&CreateLocalClonePair::shadow_image("SI_347", "p_347-348", 347, 348))
//!             .await?;
//!         pairs.split(&id, ActionOptions::default().copy_pace(3)).await?;
//!         // Name the closure's error type: any type the crate's errors convert into.
//!         Ok::<_, storkit_hitachi_block::Error>(pairs.get(&id).await?.pvol_status)
//!     })
//!     .await?;
//! assert_eq!(status.to_string(), "PSUS");
//! # Ok(())
//! # }
//! ```
//!
//! # How it works
//! - **Endpoint**: base URL plus storageDeviceId: given, or discovered by serial
//!   (`GET /v1/objects/storages`, no login) with the model table as the fallback
//!   ([`HitachiClientBuilder::model_serial`], [`storage_id::MODEL_PREFIXES`]). Object URLs
//!   use the long form `/ConfigurationManager/v1/objects/storages/{id}/...` ([`UrlForm`]).
//! - **Version**: [`HitachiClient::require_api_version`] fails with
//!   [`HitachiError::VersionTooOld`] (remote storage needs 1.9, ShadowImage 1.2).
//! - **Sessions** ([`Session`]): Basic login (optional `aliveTime`), then
//!   `Authorization: Session <token>`; bound to the node (controller) that created them;
//!   re-login once on 401 (never while holding a resource lock); optional keep-alive; the
//!   64-session limit (503) is waited out with backoff. [`Session::close`] discards; a
//!   session dropped open is discarded in the background; [`HitachiClient::with_session`]
//!   discards on success, error and cancellation.
//! - **Jobs** ([`Job`]): every change is a [`Change`]: awaited, it sends
//!   `Response-Job-Status: Completed` and polls the job as a fallback with the core poller ([`PollPolicy::seeds`] reproduces the
//!   samples: 1 s, doubling, 120 s cap, 10 polls). A failed job is
//!   [`HitachiError::JobFailed`] with the message id, SSB1/SSB2 or return code.
//!   `affectedResources` resolve to [`AffectedResource`]s; a create returns the id its job
//!   names, never one computed from the request ([`HitachiError::NoAffectedResource`]).
//!   [`Change::submit`] returns the job as soon as the server accepted it, to record or
//!   print, and [`Submitted::wait`] waits for it later.
//! - **Remote copy** ([`remote_copy`]): TrueCopy, Universal Replicator and global-active
//!   device pairs and copy groups through a [`Remote`] handle, made once from a local and a
//!   remote session by [`Session::remote`], which checks that the remote session is open,
//!   on another storage system, and registered on this one (`GET remote-storages/{id}`).
//!   Every request carries `Remote-Authorization`; create, delete, split, resync and
//!   takeover also carry `Job-Mode-Wait-Configuration-Change: NoWait` as Cinder and
//!   Ansible send it (official definition UNKNOWN; [`JobModeWait`] turns it off). Pair
//!   statuses are waited for with the core poller
//!   ([`RemoteCopyPairs::wait_for_status`], and
//!   [`LocalCopyPairs::wait_for_status`](local_copy::LocalCopyPairs::wait_for_status) for
//!   ShadowImage): `PSUE` is [`HitachiError::PairSuspended`], a vanished pair
//!   [`HitachiError::PairGone`].
//! - **Retries** ([`HitachiClassifier`], [`RetryWaits`]), as Cinder orders them: lock
//!   busy (KART40050/51/52-E, SSB 2E11/2205, 2E11/2207, EX_EACCES) up to 7200 s, checked
//!   before the no-retry list; server busy (KART00003-E) 7200 s; another LDEV mapped
//!   (B958/0947) 600 s; HTTP 500 and 503 600 s; anything else retryable (`solutionType:
//!   RETRY`, a blank 200, 502/504 on idempotent requests) 30 s; every figure configurable.
//!   KART30013-E and the no-retry SSB list are never retried. The waits are measured from
//!   the start of the change, and a job that failed on one of these is sent again within
//!   the same budget: one budget per change, never one inside another.
//! - **Errors**: every method returns [`storkit_core::Error`]; the Hitachi detail is a
//!   [`HitachiError`] ([`HitachiErrorExt::hitachi`], [`HitachiErrorExt::api_error`]).
//!
//! [`PollPolicy::seeds`]: storkit_core::poll::PollPolicy::seeds

mod checks;
mod classifier;
mod client;
mod decode;
pub mod error;
pub mod host_groups;
pub mod jobs;
pub mod ldevs;
pub mod local_copy;
pub mod locks;
pub mod luns;
mod names;
mod pair_wait;
pub mod pools;
pub mod ports;
pub mod remote_copy;
pub mod remote_storage;
mod session;
pub mod snapshots;
pub mod storage_id;
pub mod storages;
pub mod version;

pub use classifier::{HitachiClassifier, RetryWaits};
pub use client::{
    HitachiClient, HitachiClientBuilder, JOB_MODE_WAIT_CONFIGURATION_CHANGE, JobModeWait,
    StorageSelector, StorageSummary, UrlForm,
};
pub use error::{ApiError, HitachiError, HitachiErrorExt};
pub use host_groups::{
    CreateHostGroup, HostGroup, HostGroupId, HostGroups, HostWwn, HostWwnId, HostWwns,
};
pub use jobs::{AffectedResource, Change, Job, JobState, JobStatus, Submitted};
pub use ldevs::{CreateLdev, Ldev, LdevId, LdevQuery, Ldevs};
pub use local_copy::PairStatus;
pub use locks::{ResourceLock, lock_both};
pub use luns::{Lun, LunId, Luns, MapLun};
pub use pools::{ChangePool, CreatePool, Pool, PoolType, PoolVolumes, Pools};
pub use ports::{Port, PortQuery, PortSettings, Ports};
pub use remote_copy::{
    CreateRemoteCopyPair, Remote, RemoteCopyGroup, RemoteCopyGroupId, RemoteCopyGroups,
    RemoteCopyPair, RemoteCopyPairId, RemoteCopyPairs, RemoteResync, RemoteSplit, RemoteTakeover,
    ReplicationType,
};
pub use session::{REMOTE_AUTHORIZATION, RESPONSE_JOB_STATUS, Session};
pub use snapshots::{AfterRestore, CreateSnapshot, Snapshot, SnapshotId, Snapshots};
pub use storage_id::{RemoteStorageId, StorageDeviceId};
pub use storages::StorageDetail;
pub use storkit_core::{Error, ErrorKind, TlsPolicy};
pub use version::ApiVersion;

#[cfg(test)]
mod testing;
