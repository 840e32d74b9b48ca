//! Waiting for a copy pair (ShadowImage or remote copy) to reach a status, with the core
//! poller and the client's poll policy: the one polling loop behind
//! [`LocalCopyPairs::wait_for_status`](crate::local_copy::LocalCopyPairs::wait_for_status)
//! and [`RemoteCopyPairs::wait_for_status`](crate::remote_copy::RemoteCopyPairs::wait_for_status).

use std::future::Future;

use storkit_core::poll::{PollError, PollStep, Poller};
use storkit_core::{Error, ErrorKind};

use crate::error::HitachiError;
use crate::local_copy::PairStatus;
use crate::session::Session;

/// Whether a pair whose P-VOL and S-VOL show `pvol` and `svol` is where `target` says:
///
/// - `PSUS` or `SSUS` (a split): P-VOL `PSUS`, S-VOL `SSUS` (reference §12.5; an S-VOL
///   that reports `PSUS` is taken as split too);
/// - `SSWS` (a takeover, or a split with `svolOperationMode: SSWS`): S-VOL `SSWS`,
///   whatever the P-VOL shows (`PSUS`, or `PSUE` when the primary site failed);
/// - any other status: both sides show it (`PAIR`/`PAIR`, `COPY`/`COPY`, ...).
pub(crate) fn reached(
    target: &PairStatus,
    pvol: Option<&PairStatus>,
    svol: Option<&PairStatus>,
) -> bool {
    match target {
        PairStatus::Psus | PairStatus::Ssus => {
            pvol == Some(&PairStatus::Psus)
                && matches!(svol, Some(PairStatus::Ssus | PairStatus::Psus))
        }
        PairStatus::Ssws => svol == Some(&PairStatus::Ssws),
        other => pvol == Some(other) && svol == Some(other),
    }
}

/// Polls `fetch` (one GET of the pair) with the client's poll policy, the first time at
/// once, until the pair's statuses (`statuses`) reach `target` ([`reached`]); returns the
/// pair as last fetched.
///
/// Fails with [`HitachiError::PairSuspended`] as soon as either side shows `PSUE` short of
/// the target, with [`HitachiError::PairGone`] when the GET answers 404, with the GET's
/// own error for anything else, and with an error of kind [`ErrorKind::Poll`] when the
/// policy's attempt limit or deadline passes first.
pub(crate) async fn wait_for_status<P, F, Fut>(
    session: &Session,
    pair: String,
    target: PairStatus,
    fetch: F,
    statuses: impl Fn(&P) -> (Option<&PairStatus>, Option<&PairStatus>),
) -> Result<P, Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    let mut poller = Poller::new(session.client().inner.poll.clone()).first_fetch_now();
    let mut last_seen = String::from("-/-");
    let result = poller
        .run(
            |_| {
                let fetched = fetch();
                let (pair, target, statuses) = (&pair, &target, &statuses);
                async move {
                    let p = match fetched.await {
                        Ok(p) => p,
                        Err(e) if e.kind() == ErrorKind::NotFound => {
                            return Err(Error::from(HitachiError::PairGone {
                                pair: pair.clone(),
                                wanted: target.clone(),
                            }));
                        }
                        Err(e) => return Err(e),
                    };
                    let (pvol, svol) = statuses(&p);
                    if reached(target, pvol, svol) {
                        return Ok(PollStep::Done(p));
                    }
                    if pvol == Some(&PairStatus::Psue) || svol == Some(&PairStatus::Psue) {
                        return Err(Error::from(HitachiError::PairSuspended {
                            pair: pair.clone(),
                            wanted: target.clone(),
                            pvol_status: pvol.cloned(),
                            svol_status: svol.cloned(),
                        }));
                    }
                    Ok(PollStep::Pending(format!(
                        "{}/{}",
                        pvol.map_or("-", PairStatus::as_str),
                        svol.map_or("-", PairStatus::as_str)
                    )))
                }
            },
            |event| {
                tracing::debug!(pair = %pair, wanted = %target, poll = event.attempt, status = %event.status, "pair not there yet");
                last_seen.clone_from(event.status);
            },
        )
        .await;
    result.map_err(|e| match e {
        PollError::Fetch { source, .. } => source,
        other => Error::new(ErrorKind::Poll)
            .with_message(format!(
                "pair {pair} did not reach {target} (last seen P-VOL/S-VOL {last_seen}): {other}"
            ))
            .with_source(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_target_means() {
        use PairStatus::*;
        let r = |t: PairStatus, p: PairStatus, s: PairStatus| reached(&t, Some(&p), Some(&s));
        assert!(r(Pair, Pair, Pair));
        assert!(!r(Pair, Pair, Copy));
        assert!(!r(Pair, Copy, Copy));
        assert!(r(Psus, Psus, Ssus));
        assert!(r(Ssus, Psus, Ssus));
        assert!(r(Psus, Psus, Psus));
        assert!(!r(Psus, Psus, Ssws), "a takeover is not a plain split");
        assert!(r(Ssws, Psus, Ssws));
        assert!(r(Ssws, Psue, Ssws));
        assert!(!r(Ssws, Psus, Ssus));
        assert!(r(Copy, Copy, Copy));
        assert!(r(Psue, Psue, Psue));
        assert!(r(
            Other("PFUL".into()),
            Other("PFUL".into()),
            Other("PFUL".into())
        ));
        assert!(!reached(&Pair, None, Some(&Pair)));
        assert!(!reached(&Pair, Some(&Pair), None));
        assert!(reached(&Ssws, None, Some(&Ssws)));
    }
}
