//! Backoff schedules: exponential growth, a cap, jitter, and the random source behind it.
//!
//! Shared by the job [`Poller`](crate::poll::Poller) and the request retries
//! ([`RetryPolicy`](crate::RetryPolicy)). [`Backoff::base`] is the deterministic schedule;
//! [`Backoff::delay`] applies [`Jitter`], which only ever shortens a wait, drawing from an
//! injectable [`Rng`] so tests replay exact schedules.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

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

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::Rng;
    use super::*;
    use proptest::prelude::*;

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

    pub(crate) fn arb_backoff() -> impl Strategy<Value = Backoff> {
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
    }
    #[test]
    fn paths_through_poll_still_name_the_same_items() {
        // The types moved here from `poll`; the old paths are re-exports of these.
        let backoff: crate::poll::Backoff =
            Backoff::exponential(Duration::from_secs(1), 2.0, Duration::from_secs(4))
                .with_jitter(crate::poll::Jitter::Full);
        let mut rng: crate::poll::SplitMix64 = SplitMix64::new(3);
        let rng: &mut dyn crate::poll::Rng = &mut rng;
        assert!(backoff.delay(5, rng) <= Duration::from_secs(4));
    }

    /// Any duration, from zero to `Duration::MAX`, with small and huge values both likely.
    fn arb_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            (0u64..=600, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            Just(Duration::ZERO),
            Just(Duration::MAX),
        ]
    }

    /// Any factor, including NaN, the infinities, negatives and subnormals.
    fn arb_factor() -> impl Strategy<Value = f64> {
        prop_oneof![
            0.0f64..8.0,
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MIN_POSITIVE / 2.0),
        ]
    }

    fn arb_jitter() -> impl Strategy<Value = Jitter> {
        prop_oneof![
            Just(Jitter::None),
            Just(Jitter::Full),
            (0.0f64..=1.0).prop_map(Jitter::Proportional),
            any::<f64>().prop_map(Jitter::Proportional),
        ]
    }

    fn arb_attempt() -> impl Strategy<Value = u32> {
        prop_oneof![0u32..100, any::<u32>(), Just(u32::MAX)]
    }

    proptest! {
        #[test]
        fn delay_never_exceeds_base_or_cap_for_any_input(
            first in arb_duration(),
            cap in arb_duration(),
            factor in arb_factor(),
            jitter in arb_jitter(),
            attempt in arb_attempt(),
            seed in any::<u64>(),
        ) {
            let backoff = Backoff::exponential(first, factor, cap).with_jitter(jitter);
            let base = backoff.base(attempt);
            prop_assert!(base <= cap, "base {base:?} above cap {cap:?}");
            let delay = backoff.delay(attempt, &mut SplitMix64::new(seed));
            prop_assert!(delay <= base, "delay {delay:?} above base {base:?}");
            if jitter == Jitter::None {
                prop_assert_eq!(delay, base);
            }
        }

        #[test]
        fn growing_base_is_monotone_and_stays_at_the_cap(
            first in arb_duration(),
            cap in arb_duration(),
            factor in prop_oneof![1.0f64..16.0, 1.0f64..=1e300, Just(f64::INFINITY)],
            a in arb_attempt(),
            b in arb_attempt(),
        ) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let backoff = Backoff::exponential(first, factor, cap);
            let (at_low, at_high) = (backoff.base(low), backoff.base(high));
            prop_assert!(at_low <= at_high, "base({low}) {at_low:?} > base({high}) {at_high:?}");
            prop_assert!(at_low >= first.min(cap));
            if at_low == cap {
                prop_assert_eq!(at_high, cap);
            }
        }

        #[test]
        fn shrinking_base_never_exceeds_the_first_wait(
            first in arb_duration(),
            cap in arb_duration(),
            factor in 0.0f64..1.0,
            attempt in arb_attempt(),
        ) {
            let backoff = Backoff::exponential(first, factor, cap);
            prop_assert!(backoff.base(attempt) <= backoff.base(0));
            prop_assert_eq!(backoff.base(0), first.min(cap));
        }
    }
}
