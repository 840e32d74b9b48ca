//! The whole storage system behind one lock, and the configuration it starts with.
//!
//! One mutex guards everything: a request holds it for microseconds, and a single lock makes
//! cross-resource rules (an LDEV in a pair cannot be deleted, a locked resource group blocks
//! every change) trivially consistent.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::JobFailure;
use crate::config::ArrayConfig;
use crate::host_groups::HostGroup;
use crate::host_wwns::HostWwn;
use crate::injected::Injected;
use crate::jobs::Jobs;
use crate::ldevs::Ldev;
use crate::local_copy::LocalCopy;
use crate::luns::Lun;
use crate::pools::Pool;
use crate::ports::Port;
use crate::remote_copy::RemoteCopy;
use crate::remote_storages::RemoteStorage;
use crate::sessions::Sessions;
use crate::snapshots::Snapshots;

/// 10 GiB in 512-byte blocks: the size of the seed LDEVs.
const TEN_GIB_BLOCKS: u64 = 10 * 1024 * 1024 * 2;

/// The storage system shared by every node and connection of one mock.
pub(crate) struct Array {
    state: Mutex<State>,
}

impl Array {
    pub(crate) fn new(state: State) -> Self {
        Self {
            state: Mutex::new(state),
        }
    }

    /// The state, ignoring poisoning: a panicking test thread must not take the mock down,
    /// and every change is made between two consistent points.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where the mock listens, for the storage object's `ctl1Ip`/`ctl2Ip` and for choosing the
/// scheme of calls to a remote mock.
#[derive(Debug, Clone)]
pub(crate) struct NetInfo {
    pub(crate) https: bool,
    pub(crate) ips: Vec<IpAddr>,
    pub(crate) port: u16,
}

/// Everything the storage system knows.
pub(crate) struct State {
    pub(crate) sdid: String,
    pub(crate) config: ArrayConfig,
    pub(crate) job_duration: Duration,
    pub(crate) copy_duration: Duration,
    pub(crate) net: NetInfo,
    pub(crate) sessions: Sessions,
    pub(crate) jobs: Jobs,
    /// The session holding the resource-group lock, if any (reference §15).
    pub(crate) lock: Option<u64>,
    /// A failure armed by a test for the next job, or the next job whose request path
    /// contains the given text.
    pub(crate) pending_failure: Option<(Option<String>, JobFailure)>,
    /// The next job reports no `affectedResources`, though it succeeds (a test hook).
    pub(crate) hide_affected_next: bool,
    pub(crate) injected: Option<Injected>,
    pub(crate) pools: BTreeMap<u32, Pool>,
    pub(crate) ldevs: BTreeMap<u32, Ldev>,
    pub(crate) ports: BTreeMap<String, Port>,
    pub(crate) host_groups: BTreeMap<(String, u32), HostGroup>,
    pub(crate) host_wwns: BTreeMap<(String, u32, String), HostWwn>,
    pub(crate) luns: BTreeMap<(String, u32, u32), Lun>,
    pub(crate) local_copy: LocalCopy,
    pub(crate) snapshots: Snapshots,
    pub(crate) remote_storages: BTreeMap<String, RemoteStorage>,
    pub(crate) remote_copy: RemoteCopy,
}

impl State {
    /// A storage system with the seed configuration: pools 0 (DP) and 1 (Thin Image),
    /// LDEVs 100–103 and 200–201, LDEVs 347 and 348 of equal size for seed 001, 349–352
    /// for snapshots and remote copies, and ports CL1-A, CL2-A, CL1-B, CL2-B with their
    /// host group 0.
    pub(crate) fn new(config: ArrayConfig, sdid: String, https: bool) -> Self {
        let mut state = Self {
            sdid,
            job_duration: config.job_duration,
            copy_duration: config.job_duration,
            config,
            net: NetInfo {
                https,
                ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
                port: 0,
            },
            sessions: Sessions::default(),
            jobs: Jobs::default(),
            lock: None,
            pending_failure: None,
            hide_affected_next: false,
            injected: None,
            pools: BTreeMap::new(),
            ldevs: BTreeMap::new(),
            ports: BTreeMap::new(),
            host_groups: BTreeMap::new(),
            host_wwns: BTreeMap::new(),
            luns: BTreeMap::new(),
            local_copy: LocalCopy::default(),
            snapshots: Snapshots::default(),
            remote_storages: BTreeMap::new(),
            remote_copy: RemoteCopy::default(),
        };
        state.seed();
        state
    }

    fn seed(&mut self) {
        // 100 TiB of DP pool and 10 TiB of Thin Image pool, in MB as the API reports them.
        self.pools
            .insert(0, Pool::new(0, "DP_POOL_0", "HDP", 100 * 1024 * 1024));
        self.pools
            .insert(1, Pool::new(1, "TI_POOL_1", "HTI", 10 * 1024 * 1024));
        for (id, label) in [
            (100, "seed-100"),
            (101, "seed-101"),
            (102, "seed-102"),
            (103, "seed-103"),
            (347, "SI_PVOL_347"),
            (348, "SI_SVOL_348"),
            (349, "seed-349"),
            (350, "seed-350"),
            (351, "seed-351"),
            (352, "seed-352"),
        ] {
            self.ldevs
                .insert(id, Ldev::new(id, TEN_GIB_BLOCKS, Some(0), label));
        }
        for id in [200, 201] {
            self.ldevs
                .insert(id, Ldev::new(id, 2 * TEN_GIB_BLOCKS, Some(0), "seed-20g"));
        }
        for (index, id) in ["CL1-A", "CL2-A", "CL1-B", "CL2-B"].into_iter().enumerate() {
            self.ports.insert(id.to_owned(), Port::new(id, index));
            let group = HostGroup::new(id, 0, &HostGroup::default_name(id, 0));
            self.host_groups.insert((id.to_owned(), 0), group);
        }
    }

    /// `/ConfigurationManager/v1/objects/storages/<sdid>/<rel>`: the server-absolute,
    /// long-form path used in `self` and `affectedResources` (reference §8.2).
    pub(crate) fn object_path(&self, rel: &str) -> String {
        format!(
            "/ConfigurationManager/v1/objects/storages/{}/{rel}",
            self.sdid
        )
    }

    /// The session holding the lock at `at`; a lock dies with its session.
    pub(crate) fn lock_holder_at(&self, at: Instant) -> Option<u64> {
        self.lock.filter(|id| self.sessions.is_live(*id, at))
    }

    /// Applies every timed transition due by `at` (copies reaching PAIR, restores ending).
    pub(crate) fn settle(&mut self, at: Instant) {
        self.local_copy.settle(at);
        self.snapshots.settle(at);
        self.remote_copy.settle(at);
    }

    /// Why LDEV `id` cannot be deleted or reshaped, if it is in use.
    pub(crate) fn ldev_in_use(&self, id: u32) -> Option<&'static str> {
        if self.luns.values().any(|lun| lun.ldev == id) {
            Some("The LDEV has LU paths.")
        } else if self.local_copy.uses_ldev(id) {
            Some("The LDEV is a volume of a ShadowImage pair.")
        } else if self.snapshots.uses_ldev(id) {
            Some("The LDEV is a volume of a Thin Image pair.")
        } else if self.remote_copy.uses_ldev(id) {
            Some("The LDEV is a volume of a remote copy pair.")
        } else if self.pools.values().any(|p| p.has_volume(id)) {
            Some("The LDEV is a pool volume.")
        } else {
            None
        }
    }
}
