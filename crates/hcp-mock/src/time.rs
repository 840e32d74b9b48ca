//! Wall-clock times in the forms HCP writes them, without a date crate: HTTP dates, the
//! `2015-01-31T21:34:26+0000` strings, listing times, and retention offsets.
//!
//! The mock answers in UTC (`+0000`), so no time zone database is needed.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm: eras of 400 years starting on March 1st.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month 1-12, day 1-31) → days since 1970-01-01.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: usize,
}

fn parts(secs: i64) -> Parts {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem % 3600 / 60,
        second: rem % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Sat, 31 Jan 2015 20:34:26 GMT` (RFC 9110 IMF-fixdate).
pub(crate) fn http_date(secs: i64) -> String {
    let p = parts(secs);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[p.weekday],
        p.day,
        MONTHS[(p.month - 1) as usize],
        p.year,
        p.hour,
        p.minute,
        p.second
    )
}

/// Seconds since the epoch of an HTTP date in any of the three forms RFC 9110 §5.6.7 has
/// recipients accept: `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate), `Sunday, 06-Nov-94
/// 08:49:37 GMT` (RFC 850; two-digit years below 70 are 20xx) and `Sun Nov  6 08:49:37 1994`
/// (asctime). Anything else is `None`, and a conditional request then ignores the header.
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    let words: Vec<&str> = text.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let month_of = |m: &str| MONTHS.iter().position(|n| n.eq_ignore_ascii_case(m));
    let (day, month, year, clock) = match words.as_slice() {
        // IMF-fixdate: weekday, day, month, year, time, GMT.
        [_, day, month, year, clock, "GMT"] => {
            (*day, month_of(month)?, year.parse::<i64>().ok()?, *clock)
        }
        // RFC 850: weekday, dd-Mon-yy, time, GMT.
        [_, date, clock, "GMT"] => {
            let mut pieces = date.split('-');
            let (Some(day), Some(month), Some(year), None) =
                (pieces.next(), pieces.next(), pieces.next(), pieces.next())
            else {
                return None;
            };
            if year.len() != 2 {
                return None;
            }
            let yy: i64 = year.parse().ok()?;
            (
                day,
                month_of(month)?,
                if yy < 70 { 2000 + yy } else { 1900 + yy },
                *clock,
            )
        }
        // asctime: weekday, month, day, time, year.
        [_, month, day, clock, year] => (*day, month_of(month)?, year.parse::<i64>().ok()?, *clock),
        _ => return None,
    };
    let day: u32 = day.parse().ok()?;
    let mut hms = clock.split(':').map(|n| {
        (n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
            .then(|| n.parse::<i64>().ok())
            .flatten()
    });
    let (Some(Some(h)), Some(Some(m)), Some(Some(s)), None) =
        (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return None;
    };
    let month = month as u32 + 1;
    if !(1..=days_in_month(year, month)).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// `2015-01-31T20:34:26+0000`, HCP's `…TimeString` form.
pub(crate) fn iso_string(secs: i64) -> String {
    let p = parts(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// `4/02/2018 4:07PM`, the listing's `ingestTimeString` form.
pub(crate) fn listing_string(secs: i64) -> String {
    let p = parts(secs);
    let (hour12, half) = match p.hour {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{:02}/{:04} {}:{:02}{}",
        p.month, p.day, p.year, hour12, p.minute, half
    )
}

/// `20170321-1225`, as in log download file names.
pub(crate) fn compact_stamp(secs: i64) -> String {
    let p = parts(secs);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}",
        p.year, p.month, p.day, p.hour, p.minute
    )
}

/// Whether `text` is `YYYY-MM-DDTHH:MM:SS` followed by `±hhmm`, `±hh:mm`, `Z` or nothing:
/// the forms chargeback reports accept for `start` and `end`.
pub(crate) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 19 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }
    let zone = &text[19..];
    match zone.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            let rest: Vec<u8> = rest.iter().copied().filter(|c| *c != b':').collect();
            rest.len() == 4 && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// Whether `text` is a `MM/DD/YYYY` date, as log collection takes them.
pub(crate) fn is_us_date(text: &str) -> bool {
    let mut pieces = text.split('/');
    let (Some(m), Some(d), Some(y), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return false;
    };
    let num = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    num(m, 2)
        && num(d, 2)
        && num(y, 4)
        && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u32>().unwrap_or(0))
}

/// Adds a retention offset such as `+10y`, `+1y+6M`, `+30d` to `secs`; `None` if the offset
/// does not parse. Units: `y` years, `M` months, `w` weeks, `d` days, `h` hours, `m`
/// minutes, `s` seconds (HCP's retention expression syntax).
pub(crate) fn add_offset(secs: i64, offset: &str) -> Option<i64> {
    if offset.is_empty() {
        return None;
    }
    let mut total_secs: i64 = 0;
    let mut months: i64 = 0;
    let mut rest = offset;
    while !rest.is_empty() {
        rest = rest.strip_prefix('+')?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 6 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        match unit {
            'y' => months += 12 * n,
            'M' => months += n,
            'w' => total_secs += n * 7 * 86_400,
            'd' => total_secs += n * 86_400,
            'h' => total_secs += n * 3600,
            'm' => total_secs += n * 60,
            's' => total_secs += n,
            _ => return None,
        }
        rest = &rest[digits + 1..];
    }
    let p = parts(secs);
    let month_index = p.year * 12 + i64::from(p.month - 1) + months;
    let year = month_index.div_euclid(12);
    let month = (month_index.rem_euclid(12) + 1) as u32;
    let day = p.day.min(days_in_month(year, month));
    let date_secs = days_from_civil(year, month, day) * 86_400;
    Some(date_secs + p.hour * 3600 + p.minute * 60 + p.second + total_secs)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn formats_the_seed_times() {
        // The seed's HEAD: X-HCP-IngestTime 1422736466, Last-Modified Sat, 31 Jan 2015 20:34:26.
        assert_eq!(http_date(1_422_736_466), "Sat, 31 Jan 2015 20:34:26 GMT");
        assert_eq!(iso_string(1_422_736_466), "2015-01-31T20:34:26+0000");
        assert_eq!(listing_string(1_522_656_462), "4/02/2018 8:07AM");
        assert_eq!(compact_stamp(1_490_099_100), "20170321-1225");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn parses_the_three_http_date_forms() {
        let t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(
            parse_http_date(&http_date(1_422_736_466)),
            Some(1_422_736_466)
        );
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn offsets() {
        let start = days_from_civil(2020, 1, 31) * 86_400;
        assert_eq!(
            add_offset(start, "+1M"),
            Some(days_from_civil(2020, 2, 29) * 86_400)
        );
        assert_eq!(
            add_offset(start, "+10y"),
            Some(days_from_civil(2030, 1, 31) * 86_400)
        );
        assert_eq!(add_offset(start, "+1d+2h"), Some(start + 86_400 + 7200));
        for bad in ["", "10y", "+y", "+10x", "+10", "+1y-", "+9999999y"] {
            assert_eq!(add_offset(start, bad), None, "{bad}");
        }
    }

    #[test]
    fn timestamps_and_dates() {
        assert!(is_timestamp("2020-01-31T00:00:00-0500"));
        assert!(is_timestamp("2020-01-31T00:00:00+01:00"));
        assert!(is_timestamp("2020-01-31T00:00:00"));
        assert!(!is_timestamp("2020-01-31 00:00:00"));
        assert!(!is_timestamp("yesterday"));
        assert!(is_us_date("03/21/2017"));
        assert!(!is_us_date("2017-03-21"));
        assert!(!is_us_date("13/01/2017"));
    }
}
