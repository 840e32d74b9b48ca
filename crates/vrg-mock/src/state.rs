//! One VRG's state behind a lock: accounts, sessions, alarm server, status, pairing, VM DR
//! configurations, and the addresses it serves on. Everything that changes over time is
//! computed from [`tokio::time::Instant`]s when it is read, so a paused test clock drives it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use storkit_mock::MockServer;
use storkit_mock::sessions::{SessionConfig, SessionStore};
use tokio::time::Instant;

use crate::config::VrgConfig;
use crate::wire::{Side, SideConfig, Strategy};

/// How many wrong passwords in a row lock an account (`10440207`).
pub(crate) const WRONG_KEYS_TO_LOCK: u32 = 3;

/// Locks a mutex, ignoring poisoning: a panicking test thread must not take the mock down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything one mock VRG knows.
pub(crate) struct Vrg {
    pub(crate) config: VrgConfig,
    /// Live tokens, each with its user's name.
    pub(crate) sessions: SessionStore<String>,
    pub(crate) logins: AtomicU64,
    pub(crate) login_attempts: AtomicU64,
    /// The server this VRG runs on, for `POST /modmngnet/` to move it (set once started).
    pub(crate) server: OnceLock<Weak<MockServer>>,
    state: Mutex<State>,
}

/// The mutable part.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) accounts: HashMap<String, Account>,
    pub(crate) fail_next_logout: bool,
    pub(crate) trap: Option<(Ipv4Addr, u16)>,
    pub(crate) status: i64,
    pub(crate) available_capacity: i64,
    pub(crate) total_capacity: i64,
    pub(crate) eth0_missing: bool,
    pub(crate) failover: bool,
    pub(crate) peer_reachable: bool,
    /// The next pairing ends in status 3 whatever the peer does.
    pub(crate) fail_next_pairing: bool,
    /// How long pairings started from now on stay in status 2.
    pub(crate) pair_delay: Duration,
    /// `POST /vrgmap` requests accepted since the start.
    pub(crate) pairings_started: u64,
    pub(crate) pairing: Option<Pairing>,
    /// In the order they were first configured.
    pub(crate) vms: Vec<Vm>,
    pub(crate) volume_outcome: Option<i64>,
    pub(crate) leave_volumes_on_delete: bool,
    /// The addresses served now; the first is the management address.
    pub(crate) ips: Vec<IpAddr>,
    pub(crate) mask: Ipv4Addr,
    pub(crate) gateway: Ipv4Addr,
}

/// Wrong-password bookkeeping of one user.
#[derive(Debug, Default)]
pub(crate) struct Account {
    pub(crate) wrong_keys: u32,
    pub(crate) locked_until: Option<Instant>,
}

/// A pairing with a peer VRG, started by `POST /vrgmap`.
#[derive(Debug, Clone)]
pub(crate) struct Pairing {
    pub(crate) dst_ip: Ipv4Addr,
    pub(crate) dst_port: u16,
    pub(crate) started: Instant,
    /// How long it stays in status 2.
    pub(crate) delay: Duration,
    /// What status 2 turns into: 1, or 3 if the peer was unreachable when it started.
    pub(crate) outcome: i64,
    pub(crate) link_down: bool,
}

impl Pairing {
    pub(crate) fn status(&self, now: Instant) -> i64 {
        if self.link_down {
            5
        } else if now < self.started + self.delay {
            2
        } else {
            self.outcome
        }
    }
}

/// One VM's DR configuration.
#[derive(Debug, Clone)]
pub(crate) struct Vm {
    pub(crate) strategy: Strategy,
    pub(crate) set_at: Instant,
    /// What DR volumes' `volStatus` 5 turns into.
    pub(crate) outcome: i64,
    /// A delete left the volumes at `volStatus` 6.
    pub(crate) delete_failed: bool,
    /// `vmdrstatus` `status` and the delete's `drStatus`.
    pub(crate) dr_status: i64,
    /// Listed by `faultVms=1`.
    pub(crate) fault: bool,
}

impl Vm {
    pub(crate) fn is(&self, uuid: &str) -> bool {
        self.strategy.vm_uuid.eq_ignore_ascii_case(uuid)
    }

    /// The volumes' `volStatus`: 6 after a failed delete; for a DR configuration 5 while it
    /// is being set up, then its outcome; none for a production configuration.
    pub(crate) fn vol_status(&self, now: Instant, delay: Duration) -> Option<i64> {
        if self.delete_failed {
            return Some(6);
        }
        match self.strategy.side {
            SideConfig::Production { .. } => None,
            SideConfig::Dr { .. } if now < self.set_at + delay => Some(5),
            SideConfig::Dr { .. } => Some(self.outcome),
        }
    }
}

impl Vrg {
    pub(crate) fn new(config: VrgConfig) -> Self {
        let mut sessions = SessionConfig::new(config.validity);
        if config.sliding {
            sessions = sessions.sliding();
        }
        let state = State {
            accounts: HashMap::new(),
            fail_next_logout: false,
            trap: None,
            status: config.status,
            available_capacity: config.available_capacity,
            total_capacity: config.total_capacity,
            eth0_missing: false,
            failover: config.failover,
            peer_reachable: true,
            fail_next_pairing: false,
            pair_delay: config.pair_delay,
            pairings_started: 0,
            pairing: None,
            vms: Vec::new(),
            volume_outcome: None,
            leave_volumes_on_delete: false,
            ips: config.ips.clone(),
            mask: Ipv4Addr::UNSPECIFIED,
            gateway: Ipv4Addr::UNSPECIFIED,
        };
        Self {
            sessions: SessionStore::new(sessions),
            logins: AtomicU64::new(0),
            login_attempts: AtomicU64::new(0),
            server: OnceLock::new(),
            state: Mutex::new(state),
            config,
        }
    }

    /// Records the server and the addresses it bound, and derives the management network.
    pub(crate) fn attach(&self, server: Weak<MockServer>, ips: Vec<IpAddr>) {
        let _ = self.server.set(server);
        let mut state = self.state();
        let (mask, gateway) = self.config.management.unwrap_or_else(|| {
            let gateway = match ips.first() {
                Some(IpAddr::V4(ip)) => {
                    let [a, b, c, _] = ip.octets();
                    Ipv4Addr::new(a, b, c, 1)
                }
                _ => Ipv4Addr::UNSPECIFIED,
            };
            (Ipv4Addr::new(255, 255, 255, 0), gateway)
        });
        state.mask = mask;
        state.gateway = gateway;
        state.ips = ips;
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

/// A snapshot of the pairing, for tests ([`VrgMock::pair_state`](crate::VrgMock::pair_state)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PairState {
    /// `GET /vrgmap` `status`: 1 normal, 2 pairing, 3 failed, 4 not paired, 5 link down.
    pub status: i64,
    /// The peer's address, when paired.
    pub dst_ip: Option<Ipv4Addr>,
    /// The peer's port, when paired.
    pub dst_port: Option<u16>,
}

/// A snapshot of one VM's DR configuration, for tests
/// ([`VrgMock::strategies`](crate::VrgMock::strategies)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StrategySnapshot {
    /// The VM's UUID as configured.
    pub vm_uuid: String,
    /// Production (`flag` 1) or DR (`flag` 2).
    pub side: Side,
    /// Its volumes in request order.
    pub volumes: Vec<VolumeSnapshot>,
    /// The DR status `vmdrstatus` and the delete answer (default 1).
    pub dr_status: i64,
    /// Whether `faultVms=1` lists it.
    pub fault: bool,
}

/// One volume of a [`StrategySnapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VolumeSnapshot {
    /// `volUuid`.
    pub vol_uuid: String,
    /// `seqNum`, if given.
    pub seq_num: Option<u8>,
    /// `volStatus` now (none for a production configuration).
    pub vol_status: Option<i64>,
}

impl Vm {
    pub(crate) fn snapshot(&self, now: Instant, delay: Duration) -> StrategySnapshot {
        let vol_status = self.vol_status(now, delay);
        StrategySnapshot {
            vm_uuid: self.strategy.vm_uuid.clone(),
            side: self.strategy.side(),
            volumes: self
                .strategy
                .volumes
                .iter()
                .map(|v| VolumeSnapshot {
                    vol_uuid: v.vol_uuid.clone(),
                    seq_num: v.seq_num,
                    vol_status,
                })
                .collect(),
            dr_status: self.dr_status,
            fault: self.fault,
        }
    }
}
