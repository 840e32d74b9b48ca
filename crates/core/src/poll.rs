//! Waiting for asynchronous jobs: the job poller.
//!
//! Storage arrays answer long operations with a job that must be polled until it finishes.
//! [`Poller::run`] sleeps, calls a vendor-supplied fetch closure, and repeats until the closure
//! reports [`PollStep::Done`], a fetch fails, the attempt limit or the deadline is reached, or a
//! [`CancelToken`] fires. The schedule comes from a [`Backoff`]; its jitter draws from an
//! injectable [`Rng`] so tests are deterministic.
//!
//! Servers that hold a status request until the job changes (long polling, such as ONTAP
//! Select Deploy's `GET /jobs/{id}?last_modified=…&poll_timeout=120`) are polled with
//! [`Poller::run_long_poll`]: a held fetch is followed by the next one at once, carrying the
//! cursor the previous answer returned.
//!
//! The backoff types live in [`crate::backoff`]; they are re-exported here, so
//! `storkit_core::poll::{Backoff, Jitter, Rng, SplitMix64}` name the same items.
//!
//! All timing uses [`tokio::time`], so tests can run on tokio's paused clock
//! (`#[tokio::test(start_paused = true)]`) and finish instantly.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

pub use crate::backoff::{Backoff, Jitter, Rng, SplitMix64};

/// When to poll and when to give up.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// The wait before each fetch: attempt `n` (1-based) waits `backoff.delay(n - 1)`.
    /// A long poll the server held replaces its wait (see [`Poller::run_long_poll`]).
    pub backoff: Backoff,
    /// Give up after this many fetches, long polls included; `None` means no limit, `Some(0)`
    /// gives up without fetching.
    pub max_attempts: Option<u32>,
    /// Give up once this much time has passed since [`Poller::run`] (or
    /// [`Poller::run_long_poll`]) started; `None` means no
    /// limit. The poller never sleeps past it: the last wait is shortened to end at the
    /// deadline, where one final fetch is made.
    pub deadline: Option<Duration>,
}

impl PollPolicy {
    /// The schedule of the vendor sample programs (the Hitachi seeds), reproduced exactly: sleep first, then
    /// fetch; waits of 1, 2, 4, 8, 16, 32, 64, 120, 120 and 120 seconds (487 s in all); at most
    /// 10 fetches; no jitter and no deadline.
    pub fn seeds() -> Self {
        Self {
            backoff: Backoff::exponential(Duration::from_secs(1), 2.0, Duration::from_secs(120)),
            max_attempts: Some(10),
            deadline: None,
        }
    }

    /// The same policy with another attempt limit (`None` for no limit).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: impl Into<Option<u32>>) -> Self {
        self.max_attempts = max_attempts.into();
        self
    }

    /// The same policy with another deadline (`None` for no limit).
    #[must_use]
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.deadline = deadline.into();
        self
    }

    /// The same policy with another backoff schedule.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }
}

impl Default for PollPolicy {
    /// Faster than [`PollPolicy::seeds`]: first wait 250 ms, factor 1.5, cap 5 s, ±20 %
    /// proportional jitter, no attempt limit, 10-minute deadline.
    fn default() -> Self {
        Self {
            backoff: Backoff::exponential(Duration::from_millis(250), 1.5, Duration::from_secs(5))
                .with_jitter(Jitter::Proportional(0.2)),
            max_attempts: None,
            deadline: Some(Duration::from_secs(600)),
        }
    }
}

/// What one fetch found.
///
/// `C` is the long-poll cursor type (see [`Poller::run_long_poll`]); plain polling leaves it
/// at `()`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollStep<T, S, C = ()> {
    /// The job is finished; polling stops and returns this value.
    Done(T),
    /// The job is still running; this status is shown in the progress event, and the next
    /// fetch follows after the backoff wait. The cursor, if any, is kept for that fetch.
    Pending(S),
    /// The job is still running and the server held this request until the job changed or
    /// its hold timed out (a long poll): ask again now, passing `cursor` to the next fetch.
    ///
    /// The next fetch starts without a wait when this one took at least as long as the
    /// backoff wait it replaces; an answer that came back sooner is followed by the rest of
    /// that wait, so a server that does not hold degrades to plain polling instead of a
    /// busy loop. The fetch counts toward the attempt limit and the deadline like any other.
    AgainNow {
        /// Shown in the progress event, as for [`PollStep::Pending`].
        status: S,
        /// Handed to the next fetch in [`PollContext::cursor`], e.g. the job's
        /// `last_modified` time.
        cursor: C,
    },
    /// The job is still running and changed since the cursor (a new state or message):
    /// ask again now, passing `cursor` to the next fetch, and start the backoff over from
    /// its first wait.
    ///
    /// Unlike [`PollStep::AgainNow`], no rest of a backoff wait follows even when the
    /// answer came back at once: the server answered because something happened, so the
    /// next change is not missed. Only return it when the job really moved past the
    /// cursor; the fetches then follow the job's own pace, and the attempt limit and the
    /// deadline still bound them.
    Changed {
        /// Shown in the progress event, as for [`PollStep::Pending`].
        status: S,
        /// Handed to the next fetch in [`PollContext::cursor`].
        cursor: C,
    },
}

/// What the fetch closure of [`Poller::run_long_poll`] is told about the fetch to make.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollContext<C> {
    /// This fetch's number, 1-based (the `u32` that [`Poller::run`] passes).
    pub attempt: u32,
    /// The cursor of the latest [`PollStep::AgainNow`], or the initial cursor given to
    /// [`Poller::run_long_poll`] until a fetch returns one.
    pub cursor: Option<C>,
    /// Time left until the policy's deadline when this fetch starts; `None` without a
    /// deadline. A long poll should ask the server to hold no longer than this, since the
    /// poller does not cut a fetch short.
    pub remaining: Option<Duration>,
}

/// Progress after a fetch that found the job still running.
#[non_exhaustive]
#[derive(Debug)]
pub struct PollEvent<'a, S> {
    /// How many fetches have been made, counting this one (1-based).
    pub attempt: u32,
    /// Time since polling started.
    pub elapsed: Duration,
    /// The wait before the next fetch, or `None` when this was the last one. Zero when a
    /// held long poll is followed at once (see [`Poller::run_long_poll`]).
    pub next_wait: Option<Duration>,
    /// The in-progress status the fetch returned.
    pub status: &'a S,
}

/// Why polling stopped without a result.
///
/// The messages carry counts and durations only, never URLs or job payloads.
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum PollError<E> {
    /// A fetch failed; polling stopped at once. Whether such a failure is worth retrying is
    /// the fetch closure's decision: it can retry internally and only return errors it gives
    /// up on.
    #[error("job status fetch {attempt} failed")]
    Fetch {
        /// The 1-based fetch that failed.
        attempt: u32,
        /// What the fetch returned.
        #[source]
        source: E,
    },
    /// The job was still running after the policy's maximum number of fetches.
    #[error("job still running after {attempts} status fetches ({elapsed:?})")]
    AttemptsExhausted {
        /// Fetches made.
        attempts: u32,
        /// Time since polling started.
        elapsed: Duration,
    },
    /// The job was still running at the policy's deadline.
    #[error(
        "job still running at the {deadline:?} polling deadline ({attempts} status fetches, \
         {elapsed:?})"
    )]
    DeadlineExceeded {
        /// Fetches made.
        attempts: u32,
        /// Time since polling started.
        elapsed: Duration,
        /// The policy's deadline.
        deadline: Duration,
    },
    /// The [`CancelToken`] fired.
    #[error("job polling cancelled after {attempts} status fetches ({elapsed:?})")]
    Cancelled {
        /// Fetches made.
        attempts: u32,
        /// Time since polling started.
        elapsed: Duration,
    },
}

/// A cloneable switch that stops every poller it was given.
///
/// Cancelling is permanent: a token cannot be reset.
#[derive(Clone)]
pub struct CancelToken {
    // A watch channel keeps the flag and the wake-up in one place, so a waiter that subscribes
    // after `cancel()` still sees it: no lost wake-ups.
    state: Arc<watch::Sender<bool>>,
}

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self {
            state: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Cancels this token and every clone of it.
    pub fn cancel(&self) {
        self.state.send_replace(true);
    }

    /// Whether [`CancelToken::cancel`] has been called on this token or a clone.
    pub fn is_cancelled(&self) -> bool {
        *self.state.borrow()
    }

    /// Completes once the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let mut receiver = self.state.subscribe();
        // `wait_for` fails only when the sender is gone, which `self` prevents.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Polls a job until it finishes, following a [`PollPolicy`].
///
/// Dropping the future returned by [`Poller::run`] stops polling too: no background task is
/// left behind.
pub struct Poller {
    policy: PollPolicy,
    rng: Box<dyn Rng>,
    cancel: Option<CancelToken>,
    first_now: bool,
}

impl Poller {
    /// A poller for this policy, with jitter drawn from [`SplitMix64::from_entropy`].
    pub fn new(policy: PollPolicy) -> Self {
        Self {
            policy,
            rng: Box::new(SplitMix64::from_entropy()),
            cancel: None,
            first_now: false,
        }
    }

    /// Makes the first fetch at once instead of after the first backoff wait: for a long
    /// poll that the server holds anyway, so that no change right after the job started
    /// is missed. The backoff schedule is unchanged for the waits that follow.
    #[must_use]
    pub fn first_fetch_now(mut self) -> Self {
        self.first_now = true;
        self
    }

    /// Draws jitter from this generator instead, e.g. a seeded [`SplitMix64`] in tests.
    #[must_use]
    pub fn with_rng(mut self, rng: impl Rng + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// Stops polling with [`PollError::Cancelled`] when this token fires.
    #[must_use]
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The policy this poller follows.
    pub fn policy(&self) -> &PollPolicy {
        &self.policy
    }

    /// Waits, fetches, and repeats until the job is done or the policy gives up.
    ///
    /// Fetch `n` (1-based, passed to `fetch`) happens after a wait of
    /// `policy.backoff.delay(n - 1)`. After every fetch that returns [`PollStep::Pending`],
    /// `on_event` sees the attempt number, the elapsed time, the next wait and the status.
    ///
    /// Stops with:
    /// - `Ok(value)` when a fetch returns [`PollStep::Done`];
    /// - [`PollError::Fetch`] as soon as a fetch returns an error;
    /// - [`PollError::AttemptsExhausted`] after `max_attempts` pending fetches;
    /// - [`PollError::DeadlineExceeded`] when the job is still pending at the deadline, which
    ///   is measured from the call and never slept past: a wait that would cross it is cut
    ///   short, one last fetch is made at the deadline, and no fetch is started after it;
    /// - [`PollError::Cancelled`] when the cancel token fires. It is checked before each
    ///   fetch and interrupts a wait at once; a fetch in flight is dropped, so fetch closures
    ///   should only read job status.
    ///
    /// A single fetch is not bounded by the deadline; bound it in the closure (the transport
    /// applies its own request timeouts).
    ///
    /// A fetch may also return [`PollStep::AgainNow`] (with a `()` cursor); it is handled as
    /// in [`Poller::run_long_poll`].
    pub async fn run<T, S, E, F, Fut, P>(
        &mut self,
        mut fetch: F,
        on_event: P,
    ) -> Result<T, PollError<E>>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<PollStep<T, S>, E>>,
        P: FnMut(&PollEvent<'_, S>),
    {
        self.run_long_poll(
            None,
            |context: PollContext<()>| fetch(context.attempt),
            on_event,
        )
        .await
    }

    /// [`Poller::run`] for servers that hold a status request until the job changes (long
    /// polling), with a cursor handed from one fetch to the next.
    ///
    /// `fetch` gets a [`PollContext`]: the attempt number, the cursor (`cursor` at first, then
    /// the one from the latest [`PollStep::AgainNow`]) and the time left before the deadline,
    /// so that it can ask the server to hold for no longer than that. Everything else is as
    /// in [`Poller::run`]: the first fetch follows the first backoff wait, a
    /// [`PollStep::Pending`] is followed by the next backoff wait, and the same errors end
    /// the polling.
    ///
    /// After [`PollStep::AgainNow`] the next fetch starts at once when the held fetch took at
    /// least the backoff wait it replaces, and after the rest of that wait otherwise. So
    /// fetches never start closer together than plain polling would start them: a server
    /// that ignores the hold and answers at once is polled on the normal backoff schedule,
    /// not in a busy loop. The backoff only advances on waits actually slept, so held polls
    /// keep it at its first values. Every fetch counts toward `max_attempts`, no fetch starts
    /// after the deadline, and `on_event` fires after each one, with `next_wait` of zero
    /// before an immediate fetch.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use storkit_core::poll::{PollContext, PollPolicy, PollStep, Poller};
    ///
    /// // A stand-in for `GET /jobs/{id}?poll_timeout=…&last_modified=>=<cursor>`: each answer
    /// // comes after a 60 s hold and moves `last_modified` on by one.
    /// async fn get_job(last_modified: u64, hold: Duration) -> Result<(&'static str, u64), ()> {
    ///     tokio::time::sleep(hold.min(Duration::from_secs(60))).await;
    ///     let state = if last_modified >= 3 { "success" } else { "running" };
    ///     Ok((state, last_modified + 1))
    /// }
    ///
    /// let policy = PollPolicy::seeds().with_deadline(Duration::from_secs(7200));
    /// let last_modified = 0; // from the 202 body
    /// let state = Poller::new(policy)
    ///     .run_long_poll(
    ///         Some(last_modified),
    ///         |context: PollContext<u64>| async move {
    ///             let cursor = context.cursor.unwrap_or_default();
    ///             let hold = context.remaining.unwrap_or(Duration::MAX).min(Duration::from_secs(120));
    ///             let (state, last_modified) = get_job(cursor, hold).await?;
    ///             Ok::<_, ()>(match state {
    ///                 "success" | "failure" => PollStep::Done(state),
    ///                 _ => PollStep::AgainNow { status: state, cursor: last_modified },
    ///             })
    ///         },
    ///         |event| println!("{}: {} (next in {:?})", event.attempt, event.status, event.next_wait),
    ///     )
    ///     .await;
    /// assert_eq!(state.ok(), Some("success"));
    /// # }
    /// ```
    pub async fn run_long_poll<T, S, C, E, F, Fut, P>(
        &mut self,
        cursor: Option<C>,
        mut fetch: F,
        mut on_event: P,
    ) -> Result<T, PollError<E>>
    where
        C: Clone,
        F: FnMut(PollContext<C>) -> Fut,
        Fut: Future<Output = Result<PollStep<T, S, C>, E>>,
        P: FnMut(&PollEvent<'_, S>),
    {
        let start = Instant::now();
        // Borrowing `self` across an await would make the future `!Send` (`dyn Rng` is not
        // `Sync`), so the waits only get the token.
        let cancel = self.cancel.clone();
        let mut cursor = cursor;
        let mut attempts: u32 = 0;
        // Backoff waits slept so far: the index into the schedule.
        let mut waits: u32 = 0;
        let mut wait = if self.first_now && self.policy.max_attempts != Some(0) {
            Duration::ZERO
        } else {
            match self.next_wait(attempts, &mut waits, None, start) {
                Some(wait) => wait,
                None => return Err(self.give_up(attempts, start)),
            }
        };
        // Set after a held long poll: the next fetch follows without sleeping at all.
        let mut immediate = self.first_now && wait.is_zero();
        loop {
            let go_on = if immediate {
                cancel.as_ref().is_none_or(|token| !token.is_cancelled())
            } else {
                sleep_unless_cancelled(cancel.as_ref(), wait).await
            };
            if !go_on {
                return Err(PollError::Cancelled {
                    attempts,
                    elapsed: start.elapsed(),
                });
            }
            attempts = attempts.saturating_add(1);
            let context = PollContext {
                attempt: attempts,
                cursor: cursor.clone(),
                remaining: self
                    .policy
                    .deadline
                    .map(|deadline| deadline.saturating_sub(start.elapsed())),
            };
            let fetch_started = Instant::now();
            let step = match fetch_unless_cancelled(cancel.as_ref(), fetch(context)).await {
                None => {
                    return Err(PollError::Cancelled {
                        attempts,
                        elapsed: start.elapsed(),
                    });
                }
                Some(Err(source)) => {
                    return Err(PollError::Fetch {
                        attempt: attempts,
                        source,
                    });
                }
                Some(Ok(step)) => step,
            };
            let (status, held) = match step {
                PollStep::Done(value) => return Ok(value),
                PollStep::Pending(status) => (status, None),
                PollStep::AgainNow {
                    status,
                    cursor: next,
                } => {
                    cursor = Some(next);
                    (status, Some(fetch_started.elapsed()))
                }
                PollStep::Changed {
                    status,
                    cursor: next,
                } => {
                    cursor = Some(next);
                    // The backoff starts over; no wait is left after a change.
                    waits = 0;
                    (status, Some(Duration::MAX))
                }
            };
            let next = self.next_wait(attempts, &mut waits, held, start);
            let elapsed = start.elapsed();
            tracing::debug!(
                attempt = attempts,
                ?elapsed,
                ?held,
                next_wait = ?next,
                "job still pending"
            );
            on_event(&PollEvent {
                attempt: attempts,
                elapsed,
                next_wait: next,
                status: &status,
            });
            match next {
                Some(next) => {
                    immediate = held.is_some() && next.is_zero();
                    wait = next;
                }
                None => return Err(self.give_up(attempts, start)),
            }
        }
    }

    /// [`Poller::run`] without progress events.
    pub async fn run_quiet<T, S, E, F, Fut>(&mut self, fetch: F) -> Result<T, PollError<E>>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<PollStep<T, S>, E>>,
    {
        self.run(fetch, |_| {}).await
    }

    /// The wait before the fetch after `attempts` fetches, or `None` if no fetch may follow.
    ///
    /// `waits` is the index into the backoff schedule, advanced here when the wait is a
    /// backoff wait. `held` is how long the previous fetch took when it was a long poll
    /// ([`PollStep::AgainNow`]): the wait is then only what is left of the backoff wait after
    /// that time, and the schedule advances only if something is left.
    fn next_wait(
        &mut self,
        attempts: u32,
        waits: &mut u32,
        held: Option<Duration>,
        start: Instant,
    ) -> Option<Duration> {
        if self.policy.max_attempts.is_some_and(|max| attempts >= max) {
            return None;
        }
        let delay = self.policy.backoff.delay(*waits, self.rng.as_mut());
        let wait = match held {
            None => delay,
            Some(took) => delay.saturating_sub(took),
        };
        if held.is_none() || !wait.is_zero() {
            *waits = waits.saturating_add(1);
        }
        match self.policy.deadline {
            None => Some(wait),
            Some(deadline) => {
                let remaining = deadline.checked_sub(start.elapsed())?;
                // A fetch that ended exactly at the deadline was the last one.
                if remaining.is_zero() && attempts > 0 {
                    return None;
                }
                Some(wait.min(remaining))
            }
        }
    }

    fn give_up<E>(&self, attempts: u32, start: Instant) -> PollError<E> {
        let elapsed = start.elapsed();
        match self.policy.deadline {
            Some(deadline)
                if elapsed >= deadline
                    && self.policy.max_attempts.is_none_or(|max| attempts < max) =>
            {
                PollError::DeadlineExceeded {
                    attempts,
                    elapsed,
                    deadline,
                }
            }
            _ => PollError::AttemptsExhausted { attempts, elapsed },
        }
    }
}

/// Sleeps for `wait`; returns `false` if cancelled before or during the sleep.
async fn sleep_unless_cancelled(cancel: Option<&CancelToken>, wait: Duration) -> bool {
    match cancel {
        None => {
            tokio::time::sleep(wait).await;
            true
        }
        Some(token) => {
            if token.is_cancelled() {
                return false;
            }
            tokio::select! {
                biased;
                () = token.cancelled() => false,
                () = tokio::time::sleep(wait) => !token.is_cancelled(),
            }
        }
    }
}

/// Runs one fetch; `None` if the token fired first (the fetch future is then dropped).
async fn fetch_unless_cancelled<Fut: Future>(
    cancel: Option<&CancelToken>,
    fetch: Fut,
) -> Option<Fut::Output> {
    match cancel {
        None => Some(fetch.await),
        Some(token) => {
            tokio::select! {
                biased;
                () = token.cancelled() => None,
                output = fetch => Some(output),
            }
        }
    }
}

impl fmt::Debug for Poller {
    // The RNG is a trait object without `Debug`; its state is irrelevant to readers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("policy", &self.policy)
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::backoff::tests::arb_backoff;
    use proptest::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    const SEEDS_GAPS: [u64; 10] = [1, 2, 4, 8, 16, 32, 64, 120, 120, 120];

    #[derive(Debug, thiserror::Error)]
    #[error("status endpoint unavailable")]
    struct FetchFailed;

    /// Records the instant of every fetch and answers `Pending(attempt)` forever.
    fn always_pending(
        times: Rc<RefCell<Vec<Instant>>>,
    ) -> impl FnMut(u32) -> std::future::Ready<Result<PollStep<(), u32>, FetchFailed>> {
        move |attempt| {
            times.borrow_mut().push(Instant::now());
            std::future::ready(Ok(PollStep::Pending(attempt)))
        }
    }

    fn gaps(start: Instant, times: &[Instant]) -> Vec<Duration> {
        let mut previous = start;
        times
            .iter()
            .map(|t| {
                let gap = *t - previous;
                previous = *t;
                gap
            })
            .collect()
    }

    fn secs(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn seeds_backoff_base_values() {
        let backoff = PollPolicy::seeds().backoff;
        let bases: Vec<_> = (0..10).map(|n| backoff.base(n)).collect();
        assert_eq!(bases, secs(&SEEDS_GAPS));
        assert_eq!(backoff.base(u32::MAX), Duration::from_secs(120));
    }

    #[test]
    fn default_policy_values() {
        let policy = PollPolicy::default();
        assert_eq!(policy.backoff.first, Duration::from_millis(250));
        assert_eq!(policy.backoff.factor, 1.5);
        assert_eq!(policy.backoff.cap, Duration::from_secs(5));
        assert_eq!(policy.backoff.jitter, Jitter::Proportional(0.2));
        assert_eq!(policy.max_attempts, None);
        assert_eq!(policy.deadline, Some(Duration::from_secs(600)));
        assert_eq!(policy.backoff.base(1), Duration::from_millis(375));
        assert_eq!(policy.backoff.base(100), Duration::from_secs(5));
    }

    #[test]
    fn builders_replace_fields() {
        let backoff = Backoff::exponential(Duration::from_secs(3), 1.0, Duration::from_secs(3))
            .with_jitter(Jitter::Full);
        let policy = PollPolicy::seeds()
            .with_max_attempts(None)
            .with_deadline(Duration::from_secs(9))
            .with_backoff(backoff.clone());
        assert_eq!(policy.max_attempts, None);
        assert_eq!(policy.deadline, Some(Duration::from_secs(9)));
        assert_eq!(policy.backoff, backoff);
        assert_eq!(policy.with_max_attempts(4).max_attempts, Some(4));
    }

    #[tokio::test(start_paused = true)]
    async fn seeds_schedule_gives_up_after_ten_fetches() {
        let times = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let result = Poller::new(PollPolicy::seeds())
            .run_quiet(always_pending(Rc::clone(&times)))
            .await;
        let times = times.borrow();
        assert_eq!(gaps(start, &times), secs(&SEEDS_GAPS));
        assert!(
            matches!(
                result,
                Err(PollError::AttemptsExhausted { attempts: 10, elapsed }) if elapsed == Duration::from_secs(487)
            ),
            "{result:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(487));
    }

    #[tokio::test(start_paused = true)]
    async fn done_on_third_fetch_returns_value() {
        let start = Instant::now();
        let mut poller = Poller::new(PollPolicy::seeds());
        let value = poller
            .run_quiet(|attempt| async move {
                Ok::<_, FetchFailed>(if attempt == 3 {
                    PollStep::Done("finished")
                } else {
                    PollStep::Pending(())
                })
            })
            .await
            .unwrap();
        assert_eq!(value, "finished");
        assert_eq!(start.elapsed(), Duration::from_secs(1 + 2 + 4));
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_cuts_the_last_wait_short() {
        let times = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let policy = PollPolicy::seeds()
            .with_max_attempts(None)
            .with_deadline(Duration::from_secs(100));
        let mut events = Vec::new();
        let result = Poller::new(policy)
            .run(always_pending(Rc::clone(&times)), |event| {
                events.push((event.attempt, event.next_wait));
            })
            .await;
        let at: Vec<_> = times.borrow().iter().map(|t| *t - start).collect();
        assert_eq!(at, secs(&[1, 3, 7, 15, 31, 63, 100]));
        assert!(
            matches!(
                result,
                Err(PollError::DeadlineExceeded { attempts: 7, elapsed, deadline })
                    if elapsed == Duration::from_secs(100) && deadline == Duration::from_secs(100)
            ),
            "{result:?}"
        );
        assert_eq!(events.last(), Some(&(7, None)));
        assert_eq!(events[5], (6, Some(Duration::from_secs(37))));
        // Nothing is scheduled after giving up: the clock stays at the deadline.
        tokio::time::sleep(Duration::from_secs(1000)).await;
        assert_eq!(times.borrow().len(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn slow_fetch_past_deadline_stops_without_another_fetch() {
        let policy = PollPolicy::seeds()
            .with_max_attempts(None)
            .with_deadline(Duration::from_secs(10));
        let start = Instant::now();
        let fetches = RefCell::new(0u32);
        let result = Poller::new(policy)
            .run_quiet(|_| {
                *fetches.borrow_mut() += 1;
                async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok::<_, FetchFailed>(PollStep::<(), ()>::Pending(()))
                }
            })
            .await;
        assert_eq!(*fetches.borrow(), 1);
        assert!(
            matches!(result, Err(PollError::DeadlineExceeded { attempts: 1, .. })),
            "{result:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(31));
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_interrupts_the_wait() {
        let token = CancelToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            canceller.cancel();
        });
        let times = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let result = Poller::new(PollPolicy::seeds())
            .with_cancel(token.clone())
            .run_quiet(always_pending(Rc::clone(&times)))
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::Cancelled { attempts: 2, elapsed }) if elapsed == Duration::from_secs(5)
            ),
            "{result:?}"
        );
        // Fetches ran at 1 s and 3 s; the one due at 7 s never happened.
        assert_eq!(times.borrow().len(), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(token.is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_before_start_never_fetches() {
        let token = CancelToken::new();
        token.cancel();
        let times = Rc::new(RefCell::new(Vec::new()));
        let result = Poller::new(PollPolicy::seeds())
            .with_cancel(token)
            .run_quiet(always_pending(Rc::clone(&times)))
            .await;
        assert!(
            matches!(result, Err(PollError::Cancelled { attempts: 0, .. })),
            "{result:?}"
        );
        assert!(times.borrow().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_drops_a_fetch_in_flight() {
        let token = CancelToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            canceller.cancel();
        });
        let start = Instant::now();
        let result = Poller::new(PollPolicy::seeds())
            .with_cancel(token)
            .run_quiet(|_| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, FetchFailed>(PollStep::<(), ()>::Done(()))
            })
            .await;
        assert!(
            matches!(result, Err(PollError::Cancelled { attempts: 1, .. })),
            "{result:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn cancelled_wakes_every_waiter() {
        let token = CancelToken::new();
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let token = token.clone();
                tokio::spawn(async move { token.cancelled().await })
            })
            .collect();
        tokio::task::yield_now().await;
        token.cancel();
        for waiter in waiters {
            waiter.await.unwrap();
        }
        // Already cancelled: completes at once, no wake-up needed.
        token.cancelled().await;
        assert_eq!(format!("{token:?}"), "CancelToken { cancelled: true }");
    }

    #[tokio::test(start_paused = true)]
    async fn fetch_error_stops_at_once() {
        let calls = RefCell::new(Vec::new());
        let start = Instant::now();
        let result = Poller::new(PollPolicy::seeds())
            .run_quiet(|attempt| {
                calls.borrow_mut().push(attempt);
                async move {
                    if attempt == 2 {
                        Err(FetchFailed)
                    } else {
                        Ok(PollStep::<(), ()>::Pending(()))
                    }
                }
            })
            .await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, PollError::Fetch { attempt: 2, .. }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "job status fetch 2 failed");
        let source = std::error::Error::source(&err).unwrap();
        assert_eq!(source.to_string(), "status endpoint unavailable");
        assert_eq!(*calls.borrow(), vec![1, 2]);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn events_report_progress() {
        let mut events = Vec::new();
        let result = Poller::new(PollPolicy::seeds())
            .run(
                |attempt| async move {
                    Ok::<_, FetchFailed>(PollStep::<(), String>::Pending(format!(
                        "{}%",
                        attempt * 10
                    )))
                },
                |event| {
                    events.push((
                        event.attempt,
                        event.elapsed,
                        event.next_wait,
                        event.status.clone(),
                    ));
                },
            )
            .await;
        assert!(matches!(result, Err(PollError::AttemptsExhausted { .. })));
        assert_eq!(events.len(), 10);
        let mut elapsed = 0;
        for (i, (attempt, at, next_wait, status)) in events.iter().enumerate() {
            elapsed += SEEDS_GAPS[i];
            assert_eq!(*attempt, u32::try_from(i).unwrap() + 1);
            assert_eq!(*at, Duration::from_secs(elapsed));
            assert_eq!(
                *next_wait,
                SEEDS_GAPS.get(i + 1).map(|s| Duration::from_secs(*s))
            );
            assert_eq!(*status, format!("{}%", attempt * 10));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn zero_attempts_gives_up_without_fetching() {
        let times = Rc::new(RefCell::new(Vec::new()));
        let result = Poller::new(PollPolicy::seeds().with_max_attempts(0))
            .run_quiet(always_pending(Rc::clone(&times)))
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::AttemptsExhausted { attempts: 0, .. })
            ),
            "{result:?}"
        );
        assert!(times.borrow().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn jitter_uses_the_injected_rng() {
        async fn schedule(seed: u64) -> Vec<Duration> {
            let times = Rc::new(RefCell::new(Vec::new()));
            let start = Instant::now();
            let policy = PollPolicy::default().with_max_attempts(8);
            let _ = Poller::new(policy)
                .with_rng(SplitMix64::new(seed))
                .run_quiet(always_pending(Rc::clone(&times)))
                .await;
            gaps(start, &times.borrow())
        }
        let a = schedule(7).await;
        assert_eq!(a, schedule(7).await);
        assert_ne!(a, schedule(8).await);
        let backoff = PollPolicy::default().backoff;
        for (n, gap) in a.iter().enumerate() {
            let base = backoff.base(u32::try_from(n).unwrap());
            assert!(
                *gap <= base && *gap >= base.mul_f64(0.8),
                "{n}: {gap:?} vs {base:?}"
            );
        }
    }

    /// A policy without jitter or attempt limit: waits of 1, 2, 4, … seconds up to 120.
    fn doubling(deadline: impl Into<Option<Duration>>) -> PollPolicy {
        PollPolicy::seeds()
            .with_max_attempts(None)
            .with_deadline(deadline)
    }

    /// What a long-poll fetch saw: when it started, its attempt, cursor and time left.
    #[derive(Debug, Clone, PartialEq)]
    struct Seen {
        at: Duration,
        attempt: u32,
        cursor: Option<u32>,
        remaining: Option<Duration>,
    }

    type HeldAnswer =
        std::pin::Pin<Box<dyn Future<Output = Result<PollStep<u32, u32, u32>, FetchFailed>>>>;

    /// A long-poll server: fetch `n` is held for `holds[n - 1]` (the last entry repeats),
    /// then answers `AgainNow` with cursor `n * 10`, or `Done(n)` on fetch `done_on`.
    fn held_server(
        start: Instant,
        seen: Rc<RefCell<Vec<Seen>>>,
        holds: &'static [u64],
        done_on: u32,
    ) -> impl FnMut(PollContext<u32>) -> HeldAnswer {
        move |context| {
            seen.borrow_mut().push(Seen {
                at: start.elapsed(),
                attempt: context.attempt,
                cursor: context.cursor,
                remaining: context.remaining,
            });
            let index = usize::try_from(context.attempt - 1).unwrap();
            let hold = holds.get(index).or(holds.last()).copied().unwrap_or(0);
            let attempt = context.attempt;
            Box::pin(async move {
                tokio::time::sleep(Duration::from_secs(hold)).await;
                Ok(if attempt == done_on {
                    PollStep::Done(attempt)
                } else {
                    PollStep::AgainNow {
                        status: attempt,
                        cursor: attempt * 10,
                    }
                })
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn held_long_poll_is_followed_at_once_with_the_cursor() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let mut events = Vec::new();
        let result = Poller::new(doubling(Duration::from_secs(1000)))
            .run_long_poll(
                Some(7),
                held_server(start, Rc::clone(&seen), &[120, 120, 120, 30], 4),
                |event| events.push((event.attempt, event.elapsed, event.next_wait, *event.status)),
            )
            .await;
        assert_eq!(result.unwrap(), 4);
        // One backoff wait before the first fetch, then each held answer is followed at once.
        let seen = seen.borrow();
        let at: Vec<_> = seen.iter().map(|s| s.at).collect();
        assert_eq!(at, secs(&[1, 121, 241, 361]));
        let cursors: Vec<_> = seen.iter().map(|s| s.cursor).collect();
        assert_eq!(cursors, [Some(7), Some(10), Some(20), Some(30)]);
        let attempts: Vec<_> = seen.iter().map(|s| s.attempt).collect();
        assert_eq!(attempts, [1, 2, 3, 4]);
        let remaining: Vec<_> = seen.iter().map(|s| s.remaining).collect();
        assert_eq!(
            remaining,
            secs(&[999, 879, 759, 639])
                .into_iter()
                .map(Some)
                .collect::<Vec<_>>()
        );
        // Progress events still fire, announcing no wait.
        let zero = Some(Duration::ZERO);
        assert_eq!(
            events,
            [
                (1, Duration::from_secs(121), zero, 1),
                (2, Duration::from_secs(241), zero, 2),
                (3, Duration::from_secs(361), zero, 3),
            ]
        );
        assert_eq!(start.elapsed(), Duration::from_secs(391));
    }

    #[tokio::test(start_paused = true)]
    async fn long_poll_answered_at_once_falls_back_to_the_backoff() {
        // A server that ignores the hold must not be asked in a busy loop: the schedule is
        // exactly that of plain polling.
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let mut waits = Vec::new();
        let result = Poller::new(PollPolicy::seeds().with_max_attempts(6))
            .run_long_poll(
                None,
                held_server(start, Rc::clone(&seen), &[0], 0),
                |event| waits.push(event.next_wait),
            )
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::AttemptsExhausted { attempts: 6, elapsed }) if elapsed == Duration::from_secs(63)
            ),
            "{result:?}"
        );
        let at: Vec<_> = seen.borrow().iter().map(|s| s.at).collect();
        assert_eq!(at, secs(&[1, 3, 7, 15, 31, 63]));
        // The cursor is still handed on.
        let cursors: Vec<_> = seen.borrow().iter().map(|s| s.cursor).collect();
        assert_eq!(
            cursors,
            [None, Some(10), Some(20), Some(30), Some(40), Some(50)]
        );
        let expected: Vec<_> = secs(&[2, 4, 8, 16, 32]).into_iter().map(Some).collect();
        assert_eq!(waits[..5], expected[..]);
        assert_eq!(waits[5], None);
        assert_eq!(start.elapsed(), Duration::from_secs(63));
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_fetch_can_be_made_at_once() {
        let start = Instant::now();
        let mut fetched_at = Vec::new();
        let result = Poller::new(PollPolicy::seeds())
            .first_fetch_now()
            .run(
                |attempt| {
                    fetched_at.push(start.elapsed());
                    async move {
                        Ok::<_, FetchFailed>(if attempt == 3 {
                            PollStep::Done(attempt)
                        } else {
                            PollStep::Pending(())
                        })
                    }
                },
                |_| {},
            )
            .await;
        assert_eq!(result.unwrap(), 3);
        // At once, then the schedule from its first wait: 1 s, 2 s.
        assert_eq!(fetched_at, secs(&[0, 1, 3]));
        // No fetch at all when no attempt is allowed.
        let none = Poller::new(PollPolicy::seeds().with_max_attempts(0))
            .first_fetch_now()
            .run_quiet(|_| async { Ok::<_, FetchFailed>(PollStep::<(), ()>::Done(())) })
            .await;
        assert!(
            matches!(none, Err(PollError::AttemptsExhausted { attempts: 0, .. })),
            "{none:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_is_followed_at_once_and_restarts_the_backoff() {
        // A server answering at once with a changed job: every change is fetched without
        // a wait; an unchanged answer then waits the first backoff wait again.
        let start = Instant::now();
        let mut fetched_at = Vec::new();
        let result = Poller::new(PollPolicy::seeds().with_max_attempts(None))
            .run_long_poll(
                Some(0u32),
                |context: PollContext<u32>| {
                    fetched_at.push(start.elapsed());
                    async move {
                        let cursor = context.cursor.unwrap_or_default();
                        Ok::<_, FetchFailed>(match context.attempt {
                            1..=3 => PollStep::Changed {
                                status: (),
                                cursor: cursor + 1,
                            },
                            4 => PollStep::AgainNow { status: (), cursor },
                            _ => PollStep::Done(cursor),
                        })
                    }
                },
                |_| {},
            )
            .await;
        assert_eq!(result.unwrap(), 3);
        // The first fetch after the first wait (1 s); three changes at once; the
        // unchanged answer waits 1 s again (the backoff started over), not 2 s.
        assert_eq!(fetched_at, secs(&[1, 1, 1, 1, 2]));
    }

    #[tokio::test(start_paused = true)]
    async fn short_hold_is_followed_by_the_rest_of_the_wait() {
        let policy =
            PollPolicy::seeds()
                .with_max_attempts(None)
                .with_backoff(Backoff::exponential(
                    Duration::from_secs(10),
                    2.0,
                    Duration::from_secs(100),
                ));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let mut waits = Vec::new();
        let result = Poller::new(policy)
            .run_long_poll(
                None,
                held_server(start, Rc::clone(&seen), &[4, 25, 100, 5], 4),
                |event| waits.push(event.next_wait),
            )
            .await;
        assert_eq!(result.unwrap(), 4);
        let at: Vec<_> = seen.borrow().iter().map(|s| s.at).collect();
        // Waits of 10, then 20 and 40 cut by the 4 s and 25 s holds; the 100 s hold covers
        // the next wait (80 s), so the last fetch follows at once.
        assert_eq!(at, secs(&[10, 30, 70, 170]));
        let expected: Vec<_> = secs(&[16, 15, 0]).into_iter().map(Some).collect();
        assert_eq!(waits, expected);
        assert_eq!(start.elapsed(), Duration::from_secs(175));
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_bounds_long_polls() {
        // A fetch that holds longer than the time left overruns the deadline (the poller does
        // not cut a fetch short), but no fetch starts after it.
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let result = Poller::new(doubling(Duration::from_secs(300)))
            .run_long_poll(
                None,
                held_server(start, Rc::clone(&seen), &[120], 0),
                |_| {},
            )
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::DeadlineExceeded { attempts: 3, elapsed, deadline })
                    if elapsed == Duration::from_secs(361) && deadline == Duration::from_secs(300)
            ),
            "{result:?}"
        );
        let at: Vec<_> = seen.borrow().iter().map(|s| s.at).collect();
        assert_eq!(at, secs(&[1, 121, 241]));
        tokio::time::sleep(Duration::from_secs(1000)).await;
        assert_eq!(seen.borrow().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn long_poll_held_for_the_time_left_ends_at_the_deadline() {
        let times = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let recorded = Rc::clone(&times);
        let result = Poller::new(doubling(Duration::from_secs(300)))
            .run_long_poll(
                Some(0u32),
                move |context: PollContext<u32>| {
                    recorded.borrow_mut().push(start.elapsed());
                    // Ask the server to hold for at most 120 s and at most the time left.
                    let hold = context
                        .remaining
                        .unwrap_or(Duration::MAX)
                        .min(Duration::from_secs(120));
                    let cursor = context.cursor.unwrap_or_default() + 1;
                    async move {
                        tokio::time::sleep(hold).await;
                        Ok::<_, FetchFailed>(PollStep::<(), (), u32>::AgainNow {
                            status: (),
                            cursor,
                        })
                    }
                },
                |_| {},
            )
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::DeadlineExceeded { attempts: 3, elapsed, .. })
                    if elapsed == Duration::from_secs(300)
            ),
            "{result:?}"
        );
        assert_eq!(*times.borrow(), secs(&[1, 121, 241]));
        assert_eq!(start.elapsed(), Duration::from_secs(300));
    }

    #[tokio::test(start_paused = true)]
    async fn attempt_limit_counts_long_polls() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let result = Poller::new(doubling(None).with_max_attempts(3))
            .run_long_poll(
                None,
                held_server(start, Rc::clone(&seen), &[120], 0),
                |_| {},
            )
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::AttemptsExhausted { attempts: 3, elapsed }) if elapsed == Duration::from_secs(361)
            ),
            "{result:?}"
        );
        assert_eq!(seen.borrow().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn pending_keeps_the_cursor_and_waits() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let recorded = Rc::clone(&seen);
        let result = Poller::new(doubling(None))
            .run_long_poll(
                None,
                move |context: PollContext<String>| {
                    recorded
                        .borrow_mut()
                        .push((start.elapsed(), context.cursor.clone()));
                    async move {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        Ok::<_, FetchFailed>(match context.attempt {
                            1 => PollStep::AgainNow {
                                status: "queued",
                                cursor: "t1".to_owned(),
                            },
                            // A plain answer: wait the backoff, keep the cursor.
                            2 => PollStep::Pending("running"),
                            3 => PollStep::AgainNow {
                                status: "running",
                                cursor: "t3".to_owned(),
                            },
                            _ => PollStep::Done(context.attempt),
                        })
                    }
                },
                |_| {},
            )
            .await;
        assert_eq!(result.unwrap(), 4);
        assert_eq!(
            *seen.borrow(),
            [
                (Duration::from_secs(1), None),
                (Duration::from_secs(61), Some("t1".to_owned())),
                // The backoff index did not move during the held poll: the wait is 2 s.
                (Duration::from_secs(123), Some("t1".to_owned())),
                (Duration::from_secs(183), Some("t3".to_owned())),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_interrupts_a_held_poll() {
        let token = CancelToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(150)).await;
            canceller.cancel();
        });
        let seen = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let result = Poller::new(doubling(None))
            .with_cancel(token)
            .run_long_poll(
                None,
                held_server(start, Rc::clone(&seen), &[120], 0),
                |_| {},
            )
            .await;
        assert!(
            matches!(
                result,
                Err(PollError::Cancelled { attempts: 2, elapsed }) if elapsed == Duration::from_secs(150)
            ),
            "{result:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(150));
    }

    #[tokio::test(start_paused = true)]
    async fn run_follows_a_held_poll_at_once_too() {
        let times = Rc::new(RefCell::new(Vec::new()));
        let start = Instant::now();
        let recorded = Rc::clone(&times);
        let value = Poller::new(PollPolicy::seeds())
            .run_quiet(move |attempt| {
                recorded.borrow_mut().push(start.elapsed());
                async move {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok::<_, FetchFailed>(if attempt == 3 {
                        PollStep::Done("finished")
                    } else {
                        PollStep::AgainNow {
                            status: (),
                            cursor: (),
                        }
                    })
                }
            })
            .await
            .unwrap();
        assert_eq!(value, "finished");
        assert_eq!(*times.borrow(), secs(&[1, 31, 61]));
        assert_eq!(start.elapsed(), Duration::from_secs(91));
    }

    #[test]
    fn long_poll_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let mut poller = Poller::new(PollPolicy::default());
        let future = poller.run_long_poll(
            Some(String::new()),
            |context: PollContext<String>| async move {
                Ok::<_, FetchFailed>(PollStep::<u8, u8, String>::AgainNow {
                    status: 1,
                    cursor: context.cursor.unwrap_or_default(),
                })
            },
            |_| {},
        );
        assert_send(&future);
    }

    #[test]
    fn error_messages() {
        let d = Duration::from_secs(3);
        let cases: [(PollError<FetchFailed>, &str); 3] = [
            (
                PollError::AttemptsExhausted {
                    attempts: 10,
                    elapsed: d,
                },
                "job still running after 10 status fetches (3s)",
            ),
            (
                PollError::DeadlineExceeded {
                    attempts: 2,
                    elapsed: d,
                    deadline: d,
                },
                "job still running at the 3s polling deadline (2 status fetches, 3s)",
            ),
            (
                PollError::Cancelled {
                    attempts: 1,
                    elapsed: d,
                },
                "job polling cancelled after 1 status fetches (3s)",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }

    #[test]
    fn poller_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let mut poller = Poller::new(PollPolicy::default());
        let future = poller.run(
            |_| async { Ok::<_, FetchFailed>(PollStep::<u8, u8>::Done(1)) },
            |_| {},
        );
        assert_send(&future);
    }

    proptest! {
        #[test]
        fn long_polling_never_asks_faster_than_plain_polling(
            backoff in arb_backoff(),
            script in proptest::collection::vec((any::<bool>(), 0u64..200_000), 1..8),
            deadline_ms in prop_oneof![Just(None), (0u64..1_200_000).prop_map(Some)],
            max_attempts in 0u32..=40,
        ) {
            // Fetch `n` holds for `script[n % len].1` ms and answers `AgainNow` (cursor `n`)
            // when `script[n % len].0`, else `Pending`.
            let backoff = backoff.with_jitter(Jitter::None);
            let first = backoff.base(0);
            let deadline = deadline_ms.map(Duration::from_millis);
            let policy = PollPolicy { backoff, max_attempts: Some(max_attempts), deadline };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let (seen, result) = runtime.block_on(async {
                let seen = Rc::new(RefCell::new(Vec::new()));
                let recorded = Rc::clone(&seen);
                let script = script.clone();
                let start = Instant::now();
                let result = Poller::new(policy)
                    .run_long_poll(None, move |context: PollContext<u32>| {
                        recorded.borrow_mut().push((start.elapsed(), context.cursor, context.remaining));
                        let (again, hold) = script[context.attempt as usize % script.len()];
                        async move {
                            tokio::time::sleep(Duration::from_millis(hold)).await;
                            Ok::<_, FetchFailed>(if again {
                                PollStep::<(), (), u32>::AgainNow { status: (), cursor: context.attempt }
                            } else {
                                PollStep::Pending(())
                            })
                        }
                    }, |_| {})
                    .await;
                let seen = seen.borrow().clone();
                (seen, result)
            });
            prop_assert!(seen.len() <= max_attempts as usize);
            let mut previous: Option<Duration> = None;
            let mut cursor = None;
            for (n, (at, seen_cursor, remaining)) in seen.iter().enumerate() {
                // Fetch starts are at least the first backoff wait apart (base values never
                // shrink with a factor >= 1), except for the last fetch, made at the deadline
                // when the wait before it was cut short: long polling is never a busy loop.
                if let Some(previous) = previous
                    && Some(*at) != deadline
                {
                    prop_assert!(*at - previous >= first, "fetch {n} at {at:?}, previous at {previous:?}");
                }
                previous = Some(*at);
                if let Some(deadline) = deadline {
                    prop_assert!(*at <= deadline, "fetch {n} started at {at:?} after {deadline:?}");
                    prop_assert_eq!(*remaining, Some(deadline - *at));
                }
                // The cursor is that of the latest `AgainNow`.
                prop_assert_eq!(*seen_cursor, cursor);
                let attempt = u32::try_from(n + 1).unwrap();
                if script[attempt as usize % script.len()].0 {
                    cursor = Some(attempt);
                }
            }
            match result {
                Err(PollError::DeadlineExceeded { .. }) => prop_assert!(deadline.is_some()),
                Err(PollError::AttemptsExhausted { attempts, .. }) => {
                    prop_assert_eq!(attempts, max_attempts);
                }
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn poller_never_sleeps_past_the_deadline(
            backoff in arb_backoff(),
            seed in any::<u64>(),
            deadline_ms in 0u64..1_200_000,
            max_attempts in 0u32..=64,
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let deadline = Duration::from_millis(deadline_ms);
            let policy = PollPolicy { backoff, max_attempts: Some(max_attempts), deadline: Some(deadline) };
            let (elapsed, times, result) = runtime.block_on(async {
                let times = Rc::new(RefCell::new(Vec::new()));
                let start = Instant::now();
                let result = Poller::new(policy)
                    .with_rng(SplitMix64::new(seed))
                    .run_quiet(always_pending(Rc::clone(&times)))
                    .await;
                let at: Vec<Duration> = times.borrow().iter().map(|t| *t - start).collect();
                (start.elapsed(), at, result)
            });
            prop_assert!(elapsed <= deadline, "{elapsed:?} > {deadline:?}");
            prop_assert!(times.iter().all(|t| *t <= deadline));
            match result {
                Err(PollError::DeadlineExceeded { elapsed, .. }) => prop_assert_eq!(elapsed, deadline),
                Err(PollError::AttemptsExhausted { attempts, .. }) => {
                    prop_assert_eq!(attempts, max_attempts);
                }
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
