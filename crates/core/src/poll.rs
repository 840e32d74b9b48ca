//! Waiting for asynchronous jobs: backoff schedules and the job poller.
//!
//! Storage arrays answer long operations with a job that must be polled until it finishes.
//! [`Poller::run`] sleeps, calls a vendor-supplied fetch closure, and repeats until the closure
//! reports [`PollStep::Done`], a fetch fails, the attempt limit or the deadline is reached, or a
//! [`CancelToken`] fires. The schedule comes from a [`Backoff`]; its jitter draws from an
//! injectable [`Rng`] so tests are deterministic.
//!
//! All timing uses [`tokio::time`], so tests can run on tokio's paused clock
//! (`#[tokio::test(start_paused = true)]`) and finish instantly.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::time::Instant;

/// A source of random 64-bit numbers for jitter.
///
/// Injectable so tests can replay exact schedules; [`SplitMix64`] is the built-in source.
pub trait Rng: Send {
    /// The next random value; every bit should be equally likely to be set.
    fn next_u64(&mut self) -> u64;
}

/// The SplitMix64 generator: tiny, fast, and good enough for spreading retries.
///
/// Not for cryptography.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator that yields the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the process's hash randomness and the clock.
    ///
    /// Different clients in one fleet then spread their polls instead of hitting an array in
    /// lockstep, without a dependency on a full RNG crate.
    pub fn from_entropy() -> Self {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Self::new(RandomState::new().hash_one(now))
    }
}

impl Rng for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// How a backoff delay is randomised below its base value.
///
/// Jitter only ever shortens a wait, so the schedule's base values stay upper bounds.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Jitter {
    /// Wait exactly the base delay.
    #[default]
    None,
    /// Wait a uniformly drawn time in `[base * (1 - p), base]`; `p` is clamped to `[0, 1]`
    /// (NaN counts as 0).
    Proportional(f64),
    /// Wait a uniformly drawn time in `[0, base]`.
    Full,
}

impl Jitter {
    fn apply(self, base: Duration, rng: &mut dyn Rng) -> Duration {
        let base_ns = base.as_nanos();
        let span = match self {
            Jitter::None => return base,
            Jitter::Full => base_ns,
            Jitter::Proportional(p) => {
                let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
                // Float-to-int casts saturate, and `min` keeps rounding from exceeding base.
                ((base_ns as f64 * p) as u128).min(base_ns)
            }
        };
        if span == 0 {
            return base;
        }
        let random = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        // Modulo bias is below 2^-30 for any representable duration: irrelevant for spreading.
        let offset = random % (span + 1);
        duration_from_nanos(base_ns - span + offset)
    }
}

fn duration_from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, subsec)
}

/// An exponential backoff schedule: `first * factor^attempt`, capped, optionally jittered.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    /// The wait before the first fetch (attempt 0).
    pub first: Duration,
    /// Growth per attempt. Non-finite or negative values count as `1.0` (a constant wait);
    /// values in `[0, 1)` shrink the wait.
    pub factor: f64,
    /// No base delay exceeds this.
    pub cap: Duration,
    /// How each delay is randomised below its base.
    pub jitter: Jitter,
}

impl Backoff {
    /// `first`, then `first * factor`, `first * factor^2`, … up to `cap`, without jitter.
    pub fn exponential(first: Duration, factor: f64, cap: Duration) -> Self {
        Self {
            first,
            factor,
            cap,
            jitter: Jitter::None,
        }
    }

    /// The same schedule with this jitter.
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The un-jittered delay for a zero-based attempt: `min(cap, first * factor^attempt)`.
    ///
    /// Saturates instead of overflowing, and is non-decreasing in `attempt` when
    /// `factor >= 1`.
    pub fn base(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return self.first.min(self.cap);
        }
        let factor = if self.factor.is_finite() && self.factor >= 0.0 {
            self.factor
        } else {
            1.0
        };
        let cap_ns = self.cap.as_nanos();
        let scaled = self.first.as_nanos() as f64 * factor.powf(f64::from(attempt));
        // NaN arises from a zero `first` times an infinite power; the cap is a safe answer.
        if scaled.is_nan() || scaled >= cap_ns as f64 {
            return self.cap;
        }
        let computed = duration_from_nanos((scaled as u128).min(cap_ns));
        if factor >= 1.0 {
            // Float rounding of huge `first` values must not dip below attempt 0's exact value.
            computed.max(self.first).min(self.cap)
        } else {
            computed
        }
    }

    /// The jittered delay for a zero-based attempt; never above [`Backoff::base`].
    pub fn delay(&self, attempt: u32, rng: &mut dyn Rng) -> Duration {
        self.jitter.apply(self.base(attempt), rng)
    }
}

/// When to poll and when to give up.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// The wait before each fetch: attempt `n` (1-based) waits `backoff.delay(n - 1)`.
    pub backoff: Backoff,
    /// Give up after this many fetches; `None` means no limit, `Some(0)` gives up without
    /// fetching.
    pub max_attempts: Option<u32>,
    /// Give up once this much time has passed since [`Poller::run`] started; `None` means no
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollStep<T, S> {
    /// The job is finished; polling stops and returns this value.
    Done(T),
    /// The job is still running; this status is shown in the progress event.
    Pending(S),
}

/// Progress after a fetch that found the job still running.
#[non_exhaustive]
#[derive(Debug)]
pub struct PollEvent<'a, S> {
    /// How many fetches have been made, counting this one (1-based).
    pub attempt: u32,
    /// Time since polling started.
    pub elapsed: Duration,
    /// The wait before the next fetch, or `None` when this was the last one.
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
}

impl Poller {
    /// A poller for this policy, with jitter drawn from [`SplitMix64::from_entropy`].
    pub fn new(policy: PollPolicy) -> Self {
        Self {
            policy,
            rng: Box::new(SplitMix64::from_entropy()),
            cancel: None,
        }
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
    pub async fn run<T, S, E, F, Fut, P>(
        &mut self,
        mut fetch: F,
        mut on_event: P,
    ) -> Result<T, PollError<E>>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<PollStep<T, S>, E>>,
        P: FnMut(&PollEvent<'_, S>),
    {
        let start = Instant::now();
        // Borrowing `self` across an await would make the future `!Send` (`dyn Rng` is not
        // `Sync`), so the waits only get the token.
        let cancel = self.cancel.clone();
        let mut attempts: u32 = 0;
        let mut wait = match self.next_wait(attempts, start) {
            Some(wait) => wait,
            None => return Err(self.give_up(attempts, start)),
        };
        loop {
            if !sleep_unless_cancelled(cancel.as_ref(), wait).await {
                return Err(PollError::Cancelled {
                    attempts,
                    elapsed: start.elapsed(),
                });
            }
            attempts = attempts.saturating_add(1);
            let status = match fetch_unless_cancelled(cancel.as_ref(), fetch(attempts)).await {
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
                Some(Ok(PollStep::Done(value))) => return Ok(value),
                Some(Ok(PollStep::Pending(status))) => status,
            };
            let next = self.next_wait(attempts, start);
            let elapsed = start.elapsed();
            tracing::debug!(attempt = attempts, ?elapsed, next_wait = ?next, "job still pending");
            on_event(&PollEvent {
                attempt: attempts,
                elapsed,
                next_wait: next,
                status: &status,
            });
            match next {
                Some(next) => wait = next,
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
    fn next_wait(&mut self, attempts: u32, start: Instant) -> Option<Duration> {
        if self.policy.max_attempts.is_some_and(|max| attempts >= max) {
            return None;
        }
        let wait = self.policy.backoff.delay(attempts, self.rng.as_mut());
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

    use super::Rng;
    use super::*;
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

    #[test]
    fn odd_factors_do_not_panic() {
        let first = Duration::from_secs(2);
        let cap = Duration::from_secs(60);
        for factor in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -3.0] {
            let backoff = Backoff::exponential(first, factor, cap);
            for n in [0, 1, 7, u32::MAX] {
                assert_eq!(backoff.base(n), first, "factor {factor}, attempt {n}");
            }
        }
        let shrinking = Backoff::exponential(first, 0.5, cap);
        assert_eq!(shrinking.base(1), Duration::from_secs(1));
        assert_eq!(shrinking.base(u32::MAX), Duration::ZERO);
        let zero = Backoff::exponential(Duration::ZERO, 2.0, Duration::ZERO);
        assert_eq!(zero.base(5), Duration::ZERO);
        let huge = Backoff::exponential(Duration::MAX, 3.0, Duration::MAX);
        assert_eq!(huge.base(0), Duration::MAX);
        assert_eq!(huge.base(40), Duration::MAX);
        let first_above_cap = Backoff::exponential(Duration::from_secs(10), 2.0, cap / 10);
        assert_eq!(first_above_cap.base(0), cap / 10);
        assert_eq!(first_above_cap.base(3), cap / 10);

        let mut rng = SplitMix64::new(1);
        for jitter in [
            Jitter::Proportional(f64::NAN),
            Jitter::Proportional(-1.0),
            Jitter::Proportional(7.0),
            Jitter::Full,
        ] {
            let backoff =
                Backoff::exponential(Duration::MAX, 2.0, Duration::MAX).with_jitter(jitter);
            assert!(backoff.delay(3, &mut rng) <= Duration::MAX);
        }
        assert_eq!(Jitter::Proportional(f64::NAN).apply(first, &mut rng), first);
    }

    #[test]
    fn split_mix_is_deterministic() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let xs: Vec<_> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<_> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        // Reference values of SplitMix64 for seed 0.
        let mut zero = SplitMix64::new(0);
        assert_eq!(zero.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(zero.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let _ = SplitMix64::from_entropy().next_u64();
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

    fn arb_backoff() -> impl Strategy<Value = Backoff> {
        (
            1u64..=10_000,
            1.0f64..4.0,
            0u64..=600_000,
            0u8..3,
            0.0f64..=1.0,
        )
            .prop_map(|(first_ms, factor, extra_ms, jitter, p)| {
                let first = Duration::from_millis(first_ms);
                let jitter = match jitter {
                    0 => Jitter::None,
                    1 => Jitter::Proportional(p),
                    _ => Jitter::Full,
                };
                Backoff::exponential(first, factor, first + Duration::from_millis(extra_ms))
                    .with_jitter(jitter)
            })
    }

    proptest! {
        #[test]
        fn base_is_monotone_and_capped(backoff in arb_backoff()) {
            let mut previous = Duration::ZERO;
            for attempt in 0..64 {
                let base = backoff.base(attempt);
                prop_assert!(base >= previous, "attempt {attempt}: {base:?} < {previous:?}");
                prop_assert!(base <= backoff.cap);
                previous = base;
            }
            prop_assert_eq!(backoff.base(0), backoff.first);
        }

        #[test]
        fn delay_stays_within_jitter_bounds(backoff in arb_backoff(), seed in any::<u64>()) {
            let mut rng = SplitMix64::new(seed);
            for attempt in 0..64 {
                let base = backoff.base(attempt);
                let delay = backoff.delay(attempt, &mut rng);
                prop_assert!(delay <= base);
                let floor = match backoff.jitter {
                    Jitter::None => base,
                    Jitter::Proportional(p) => base.mul_f64(1.0 - p),
                    Jitter::Full => Duration::ZERO,
                };
                // One nanosecond of slack for the float arithmetic in `mul_f64`.
                prop_assert!(
                    delay + Duration::from_nanos(1) >= floor,
                    "attempt {attempt}: {delay:?} below {floor:?}"
                );
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
