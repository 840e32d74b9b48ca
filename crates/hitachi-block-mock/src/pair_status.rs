//! Copy-pair statuses that change with time: a copy runs (`COPY`, `RCPY`) and then settles
//! (`PAIR`, `PSUS`), as reference §12.5 describes for ShadowImage and Cinder's status table
//! for Thin Image and remote copies.

use std::time::{Duration, Instant};

use crate::timestamps::after;

/// The status of a pair as one value (the P-VOL and S-VOL views are derived from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PairStatus {
    /// Unpaired; only reported for a pair being dissolved.
    Smpl,
    /// Initial copy or resync in progress.
    Copy,
    /// Copy complete, updates mirrored.
    Pair,
    /// Split by an operation (the S-VOL shows `SSUS`).
    Psus,
    /// Split with the S-VOL taking over writes (remote copy `svolOperationMode: SSWS`).
    Ssws,
    /// Restore in progress (S-VOL → P-VOL).
    Rcpy,
    /// Suspended by a failure.
    Psue,
}

impl PairStatus {
    /// (pvolStatus, svolStatus) as the pair objects show them.
    pub(crate) fn views(self) -> (&'static str, &'static str) {
        match self {
            Self::Smpl => ("SMPL", "SMPL"),
            Self::Copy => ("COPY", "COPY"),
            Self::Pair => ("PAIR", "PAIR"),
            Self::Psus => ("PSUS", "SSUS"),
            Self::Ssws => ("PSUS", "SSWS"),
            Self::Rcpy => ("RCPY", "RCPY"),
            Self::Psue => ("PSUE", "PSUE"),
        }
    }

    /// The single status Thin Image reports (`status` of a snapshot).
    pub(crate) fn name(self) -> &'static str {
        self.views().0
    }
}

/// A status and the transition it is in, if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timed {
    current: PairStatus,
    /// (start, end, status at the end) of a running copy.
    next: Option<(Instant, Instant, PairStatus)>,
}

impl Timed {
    /// A steady status.
    pub(crate) fn steady(status: PairStatus) -> Self {
        Self {
            current: status,
            next: None,
        }
    }

    /// `during` from `at` for `takes`, then `then`; straight to `then` when `takes` is zero.
    pub(crate) fn running(
        during: PairStatus,
        then: PairStatus,
        at: Instant,
        takes: Duration,
    ) -> Self {
        if takes.is_zero() {
            Self::steady(then)
        } else {
            Self {
                current: during,
                next: Some((at, after(at, takes), then)),
            }
        }
    }

    /// Applies the transition if it has ended by `at`.
    pub(crate) fn settle(&mut self, at: Instant) {
        if let Some((_, end, then)) = self.next
            && end <= at
        {
            self.current = then;
            self.next = None;
        }
    }

    /// The status now (after [`settle`](Self::settle)).
    pub(crate) fn get(&self) -> PairStatus {
        self.current
    }

    /// `copyProgressRate`: how far a running copy is, 100 when none runs.
    pub(crate) fn progress(&self, now: Instant) -> u64 {
        match self.next {
            Some((start, end, _)) => {
                let total = end.saturating_duration_since(start).as_millis().max(1);
                let done = now.saturating_duration_since(start).as_millis().min(total);
                u64::try_from(done * 100 / total).unwrap_or(100)
            }
            None => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_end_in_their_target() {
        let t0 = Instant::now();
        let mut timed = Timed::running(
            PairStatus::Copy,
            PairStatus::Pair,
            t0,
            Duration::from_millis(100),
        );
        assert_eq!(timed.get(), PairStatus::Copy);
        assert_eq!(timed.progress(t0 + Duration::from_millis(50)), 50);
        timed.settle(t0 + Duration::from_millis(99));
        assert_eq!(timed.get(), PairStatus::Copy);
        timed.settle(t0 + Duration::from_millis(100));
        assert_eq!(timed.get(), PairStatus::Pair);
        assert_eq!(timed.progress(t0), 100);
        let instant = Timed::running(PairStatus::Copy, PairStatus::Pair, t0, Duration::ZERO);
        assert_eq!(instant.get(), PairStatus::Pair);
    }
}
