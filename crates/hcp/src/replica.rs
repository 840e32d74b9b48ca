//! Replica strategies: which requests a replicated HCP system (the replica) serves, by
//! flag and by the primary's health. hcpsdk documented them and never implemented them.
//!
//! - [`ReplicaStrategy::READ_ALLOWED`]: reads go to the replica; the primary serves them
//!   when the replica is unavailable.
//! - [`ReplicaStrategy::READ_ON_FAILOVER`]: reads go to the primary; when it is
//!   unavailable they go to the replica.
//! - [`ReplicaStrategy::WRITE_ALLOWED`]: writes go to the replica (active/active links
//!   only); the primary takes them when the replica is unavailable.
//! - [`ReplicaStrategy::WRITE_ON_FAILOVER`]: writes go to the primary; when it is
//!   unavailable they go to the replica.
//!
//! "Unavailable" means the system could not be reached: the name did not resolve, no node
//! accepted a connection, the TLS handshake failed, or it answered `503 Service
//! Unavailable`. A read moves to the other system whatever happened to it on the first
//! (reading twice is harmless); a write moves only when the first system never received
//! it ([`Phase::NotSent`], or a `503`), so a write is never stored on both systems by this
//! client. Once the primary was found unavailable, requests go straight to the replica
//! (for the strategies that allow it) until the primary's back-off period ends
//! ([`HcpClientBuilder::replica_recheck_after`](crate::HcpClientBuilder::replica_recheck_after),
//! default 30 s); then the primary is tried again.

use std::fmt;
use std::future::Future;
use std::ops::BitOr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use storkit_core::http::StatusCode;
use storkit_core::{Error, ErrorKind, Phase};
use tokio::time::Instant;

/// An ORed combination of the `RS_*` modes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReplicaStrategy(u8);

impl ReplicaStrategy {
    /// No replica use.
    pub const NONE: ReplicaStrategy = ReplicaStrategy(0);
    /// Read from the replica, always (hcpsdk `RS_READ_ALLOWED = 1`).
    pub const READ_ALLOWED: ReplicaStrategy = ReplicaStrategy(1);
    /// Read from the replica when the primary is unavailable (`RS_READ_ON_FAILOVER = 2`).
    pub const READ_ON_FAILOVER: ReplicaStrategy = ReplicaStrategy(2);
    /// Write to the replica, always; active/active links only (`RS_WRITE_ALLOWED = 4`).
    pub const WRITE_ALLOWED: ReplicaStrategy = ReplicaStrategy(4);
    /// Write to the replica when the primary is unavailable (`RS_WRITE_ON_FAILOVER = 8`).
    pub const WRITE_ON_FAILOVER: ReplicaStrategy = ReplicaStrategy(8);

    /// The strategy from hcpsdk's integer flags; unknown bits are refused.
    pub fn from_bits(bits: u8) -> Option<ReplicaStrategy> {
        (bits & !0x0f == 0).then_some(ReplicaStrategy(bits))
    }

    /// The integer flags.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True when every flag of `other` is set.
    pub fn contains(self, other: ReplicaStrategy) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for ReplicaStrategy {
    type Output = ReplicaStrategy;
    fn bitor(self, rhs: Self) -> Self {
        ReplicaStrategy(self.0 | rhs.0)
    }
}

impl fmt::Debug for ReplicaStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::READ_ALLOWED, "RS_READ_ALLOWED"),
            (Self::READ_ON_FAILOVER, "RS_READ_ON_FAILOVER"),
            (Self::WRITE_ALLOWED, "RS_WRITE_ALLOWED"),
            (Self::WRITE_ON_FAILOVER, "RS_WRITE_ON_FAILOVER"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, n)| *n)
            .collect();
        if set.is_empty() {
            f.write_str("ReplicaStrategy(NONE)")
        } else {
            write!(f, "ReplicaStrategy({})", set.join(" | "))
        }
    }
}

/// Whether a request reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// Which system a request goes to first, and whether it may move to the other one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) replica_first: bool,
    pub(crate) may_move: bool,
}

/// The primary's health as this client has seen it.
#[derive(Debug)]
pub(crate) struct Health {
    epoch: Instant,
    /// Milliseconds since `epoch` until which the primary counts as unavailable (0: it
    /// is not).
    primary_down_until: AtomicU64,
    recheck_after: Duration,
}

impl Health {
    pub(crate) fn new(recheck_after: Duration) -> Self {
        Health {
            epoch: Instant::now(),
            primary_down_until: AtomicU64::new(0),
            recheck_after,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn primary_down(&self) -> bool {
        self.now_ms() < self.primary_down_until.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_primary_down(&self) {
        let recheck = u64::try_from(self.recheck_after.as_millis()).unwrap_or(u64::MAX);
        self.primary_down_until.store(
            self.now_ms().saturating_add(recheck).max(1),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn mark_primary_up(&self) {
        self.primary_down_until.store(0, Ordering::Relaxed);
    }
}

impl ReplicaStrategy {
    /// Where a request of `access` goes, given the primary's health.
    pub(crate) fn route(self, access: Access, primary_down: bool) -> Route {
        let (always, on_failover) = match access {
            Access::Read => (Self::READ_ALLOWED, Self::READ_ON_FAILOVER),
            Access::Write => (Self::WRITE_ALLOWED, Self::WRITE_ON_FAILOVER),
        };
        if self.contains(always) {
            Route {
                replica_first: true,
                may_move: true,
            }
        } else if self.contains(on_failover) {
            Route {
                replica_first: primary_down,
                may_move: true,
            }
        } else {
            Route {
                replica_first: false,
                may_move: false,
            }
        }
    }
}

/// True when `e` says the system it came from is unavailable, so that the request may go
/// to the other system: any such failure for a read, only one that sent nothing (or a 503)
/// for a write.
pub(crate) fn moves_to_other_system(e: &Error, access: Access) -> bool {
    let unreachable = matches!(
        e.kind(),
        ErrorKind::Resolve | ErrorKind::Connect | ErrorKind::Tls | ErrorKind::Timeout
    ) || (e.kind() == ErrorKind::Io && e.phase() != Phase::Responded);
    // HCP's status errors carry the status in the core error (`status_error`).
    let unavailable = e.status() == Some(StatusCode::SERVICE_UNAVAILABLE);
    match access {
        Access::Read => unreachable || unavailable,
        Access::Write => (unreachable && e.phase() == Phase::NotSent) || unavailable,
    }
}

/// Runs `op` on the first system of the route and, when it is unavailable and the route
/// allows, on the other one. `primary` and `replica` are whatever `op` needs to address
/// each system.
pub(crate) async fn run_routed<C, T, F, Fut>(
    strategy: ReplicaStrategy,
    health: &Health,
    access: Access,
    primary: &C,
    replica: &C,
    op: F,
) -> Result<T, Error>
where
    C: Clone,
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let route = strategy.route(access, health.primary_down());
    let (first, second, first_is_primary) = if route.replica_first {
        (replica, primary, false)
    } else {
        (primary, replica, true)
    };
    match op(first.clone()).await {
        Ok(v) => {
            if first_is_primary {
                health.mark_primary_up();
            }
            Ok(v)
        }
        Err(e) if route.may_move && moves_to_other_system(&e, access) => {
            if first_is_primary {
                health.mark_primary_down();
            }
            tracing::info!(
                error = %e,
                to = if first_is_primary { "replica" } else { "primary" },
                "system unavailable; sending to the other system"
            );
            let second_result = op(second.clone()).await;
            if !first_is_primary && second_result.is_ok() {
                health.mark_primary_up();
            }
            second_result
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_combine_and_print_as_hcpsdk_names() {
        let s = ReplicaStrategy::READ_ON_FAILOVER | ReplicaStrategy::WRITE_ON_FAILOVER;
        assert_eq!(s.bits(), 10);
        assert_eq!(
            format!("{s:?}"),
            "ReplicaStrategy(RS_READ_ON_FAILOVER | RS_WRITE_ON_FAILOVER)"
        );
        assert_eq!(ReplicaStrategy::from_bits(16), None);
        assert_eq!(
            ReplicaStrategy::from_bits(5),
            Some(ReplicaStrategy::READ_ALLOWED | ReplicaStrategy::WRITE_ALLOWED)
        );
    }

    #[test]
    fn routes_follow_flags_and_health() {
        use Access::*;
        let r = |s: ReplicaStrategy, a, down| {
            let r = s.route(a, down);
            (r.replica_first, r.may_move)
        };
        assert_eq!(r(ReplicaStrategy::NONE, Read, true), (false, false));
        assert_eq!(r(ReplicaStrategy::READ_ALLOWED, Read, false), (true, true));
        assert_eq!(
            r(ReplicaStrategy::READ_ALLOWED, Write, true),
            (false, false)
        );
        assert_eq!(
            r(ReplicaStrategy::READ_ON_FAILOVER, Read, false),
            (false, true)
        );
        assert_eq!(
            r(ReplicaStrategy::READ_ON_FAILOVER, Read, true),
            (true, true)
        );
        assert_eq!(
            r(ReplicaStrategy::WRITE_ALLOWED, Write, false),
            (true, true)
        );
        assert_eq!(
            r(ReplicaStrategy::WRITE_ON_FAILOVER, Write, true),
            (true, true)
        );
        assert_eq!(
            r(ReplicaStrategy::WRITE_ON_FAILOVER, Read, true),
            (false, false)
        );
    }

    #[test]
    fn a_write_moves_only_when_nothing_was_sent() {
        let refused = Error::new(ErrorKind::Connect).with_phase(Phase::NotSent);
        let cut = Error::new(ErrorKind::Io).with_phase(Phase::MaybeSent);
        let busy = Error::new(ErrorKind::ServerError)
            .with_phase(Phase::Responded)
            .with_status(StatusCode::SERVICE_UNAVAILABLE);
        let not_found = Error::new(ErrorKind::NotFound)
            .with_phase(Phase::Responded)
            .with_status(StatusCode::NOT_FOUND);
        assert!(moves_to_other_system(&refused, Access::Write));
        assert!(!moves_to_other_system(&cut, Access::Write));
        assert!(moves_to_other_system(&cut, Access::Read));
        assert!(moves_to_other_system(&busy, Access::Write));
        assert!(!moves_to_other_system(&not_found, Access::Read));
    }

    #[tokio::test(start_paused = true)]
    async fn the_primary_is_skipped_until_its_recheck_time() {
        let h = Health::new(Duration::from_secs(30));
        assert!(!h.primary_down());
        h.mark_primary_down();
        assert!(h.primary_down());
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(!h.primary_down());
    }
}
