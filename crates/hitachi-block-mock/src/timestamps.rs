//! ISO 8601 times as the REST server writes them (`2020-11-16T15:20:17Z`, reference §8.2).
//!
//! Written by hand so the mock needs no date crate: only UTC, whole seconds.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `t` as `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The wall-clock time of `at`, given one instant whose wall time is known.
///
/// The mock schedules with the monotonic clock and only needs wall time for display.
pub(crate) fn wall_at(at: Instant, anchor: Instant, anchor_wall: SystemTime) -> SystemTime {
    if at >= anchor {
        anchor_wall + (at - anchor)
    } else {
        anchor_wall - (anchor - at)
    }
}

/// `at + d`, with `d` capped at a year: durations come from configuration and command
/// lines, and an `Instant` overflow would panic.
pub(crate) fn after(at: Instant, d: Duration) -> Instant {
    at + d.min(Duration::from_secs(365 * 86_400))
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let sample = UNIX_EPOCH + Duration::from_secs(1_605_540_017);
        assert_eq!(iso8601(sample), "2020-11-16T15:20:17Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn huge_durations_do_not_overflow() {
        let now = Instant::now();
        assert!(after(now, Duration::MAX) > now);
        assert_eq!(
            after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }
}
