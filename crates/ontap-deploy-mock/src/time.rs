//! RFC 3339 timestamps without a date crate: Deploy writes `last_modified` as
//! `2019-04-04T15:41:29.140265Z` (microseconds, `Z`), and filters compare timestamps by time.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// Wall-clock time on Tokio's clock: an instant at start and the wall time then, so a paused
/// test clock moves timestamps too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WallClock {
    base: Instant,
    base_micros: i64,
}

impl WallClock {
    pub(crate) fn new() -> Self {
        let base_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Self {
            base: Instant::now(),
            base_micros,
        }
    }

    /// Microseconds since the epoch at `at`.
    pub(crate) fn micros(&self, at: Instant) -> i64 {
        let since = at.saturating_duration_since(self.base).as_micros();
        let before = self.base.saturating_duration_since(at).as_micros();
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let before = i64::try_from(before).unwrap_or(i64::MAX);
        self.base_micros
            .saturating_add(since)
            .saturating_sub(before)
    }

    /// `at` as Deploy writes it.
    pub(crate) fn format(&self, at: Instant) -> String {
        format_micros(self.micros(at))
    }

    /// Now, as Deploy writes it.
    pub(crate) fn now(&self) -> String {
        self.format(Instant::now())
    }
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31), proleptic Gregorian (Howard
/// Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// (year, month 1-12, day 1-31) → days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2019-04-04T15:41:29.140265Z`.
pub(crate) fn format_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An RFC 3339 date-time (`T` or `t`, fraction optional, `Z`, `z` or `±HH:MM`) as
/// nanoseconds since the epoch; `None` for anything else.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't'))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    let year = digits(text.get(0..4)?)?;
    let month = digits(text.get(5..7)?)?;
    let day = digits(text.get(8..10)?)?;
    let hour = digits(text.get(11..13)?)?;
    let minute = digits(text.get(14..16)?)?;
    let second = digits(text.get(17..19)?)?;
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = text.get(19..)?;
    let mut nanos: i128 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        // Digits past nanoseconds are dropped.
        let kept = fraction.get(..len.min(9))?;
        nanos = i128::from(digits(kept)?) * 10_i128.pow(9 - u32::try_from(kept.len()).ok()?);
        rest = fraction.get(len..)?;
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes().get(3) != Some(&b':') {
                return None;
            }
            let hours = digits(rest.get(1..3)?)?;
            let minutes = digits(rest.get(4..6)?)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_secs;
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn formats_and_parses_back() {
        let micros = 1_554_392_489_140_265;
        let text = format_micros(micros);
        assert_eq!(text, "2019-04-04T15:41:29.140265Z");
        assert_eq!(parse_rfc3339(&text), Some(i128::from(micros) * 1000));
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn offsets_and_fractions() {
        let z = parse_rfc3339("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00+00:00"), Some(z));
        assert_eq!(parse_rfc3339("2024-01-01T01:30:00+01:30"), Some(z));
        assert_eq!(parse_rfc3339("2023-12-31T23:00:00-01:00"), Some(z));
        assert_eq!(
            parse_rfc3339("2024-01-01t00:00:00.5z"),
            Some(z + 500_000_000)
        );
        assert_eq!(
            parse_rfc3339("2024-01-01T00:00:00.1234567891Z"),
            Some(z + 123_456_789)
        );
        for bad in [
            "",
            "2024-01-01",
            "2024-01-01 00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0000",
            "2024-01-01T00:00:00+24:00",
            "20x4-01-01T00:00:00Z",
            "2024-01-01T00:00:00Zjunk",
            "ää24-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert!(parse_rfc3339("2024-02-29T00:00:00Z").is_some());
    }
}
