//! Conditional requests (reference §9.3/§9.4 "304 / 412"): `If-Match`, `If-None-Match`,
//! `If-Modified-Since` and `If-Unmodified-Since`, evaluated in the order RFC 9110 §13.2.2
//! gives.

use http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};
use http::{HeaderMap, HeaderName};

use crate::time;

/// Why a conditional request is not served as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// `304 Not Modified` (GET and HEAD only).
    NotModified,
    /// `412 Precondition Failed`.
    Failed,
}

/// Evaluates the conditional headers of a read (`safe`: GET or HEAD) or a write against
/// the current representation: its quoted `etag` and its last change in seconds since
/// the epoch. `Ok` means serve the request.
pub(crate) fn evaluate(
    headers: &HeaderMap,
    safe: bool,
    etag: &str,
    last_modified_secs: i64,
) -> Result<(), Precondition> {
    // 1. If-Match, else 2. If-Unmodified-Since.
    if let Some(list) = joined(headers, &IF_MATCH) {
        if !matches(&list, etag, true) {
            return Err(Precondition::Failed);
        }
    } else if let Some(since) = date(headers, &IF_UNMODIFIED_SINCE)
        && last_modified_secs > since
    {
        return Err(Precondition::Failed);
    }
    // 3. If-None-Match, else 4. If-Modified-Since (reads only).
    if let Some(list) = joined(headers, &IF_NONE_MATCH) {
        if matches(&list, etag, false) {
            return Err(if safe {
                Precondition::NotModified
            } else {
                Precondition::Failed
            });
        }
    } else if safe
        && let Some(since) = date(headers, &IF_MODIFIED_SINCE)
        && last_modified_secs <= since
    {
        return Err(Precondition::NotModified);
    }
    Ok(())
}

/// Whether `If-None-Match: *` asks that nothing exist yet (a create-only PUT).
pub(crate) fn create_only(headers: &HeaderMap) -> bool {
    joined(headers, &IF_NONE_MATCH).is_some_and(|v| v.trim() == "*")
}

/// Every value of `name`, comma-joined (a list header may come in several lines).
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The header as an HTTP date; an invalid date is ignored, as RFC 9110 says.
fn date(headers: &HeaderMap, name: &HeaderName) -> Option<i64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(time::parse_http_date)
}

/// Whether the entity-tag list matches `etag`: `*` matches any, otherwise a tag in the
/// list must equal it, strongly (neither weak) or weakly (`W/` ignored).
fn matches(list: &str, etag: &str, strong: bool) -> bool {
    if list.trim() == "*" {
        return true;
    }
    let current = etag.trim();
    list.split(',').map(str::trim).any(|tag| {
        let (weak, opaque) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        !(strong && weak) && opaque == current
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use http::HeaderValue;

    use super::*;

    const ETAG: &str = "\"68791e1b03badd5e4eb9287660f67745\"";
    const CHANGED: i64 = 1_422_736_466; // Sat, 31 Jan 2015 20:34:26 GMT

    fn check(pairs: &[(&HeaderName, &str)], safe: bool) -> Result<(), Precondition> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append((*name).clone(), HeaderValue::from_str(value).unwrap());
        }
        evaluate(&headers, safe, ETAG, CHANGED)
    }

    #[test]
    fn rfc_9110_order() {
        use Precondition::{Failed, NotModified};
        let before = "Sat, 31 Jan 2015 20:34:25 GMT";
        let at = "Sat, 31 Jan 2015 20:34:26 GMT";
        assert_eq!(check(&[], true), Ok(()));
        assert_eq!(check(&[(&IF_MATCH, ETAG)], true), Ok(()));
        assert_eq!(
            check(&[(&IF_MATCH, &format!("\"x\", {ETAG}"))], true),
            Ok(())
        );
        assert_eq!(check(&[(&IF_MATCH, "*")], true), Ok(()));
        assert_eq!(check(&[(&IF_MATCH, "\"x\"")], true), Err(Failed));
        // If-Match compares strongly.
        assert_eq!(
            check(&[(&IF_MATCH, &format!("W/{ETAG}"))], true),
            Err(Failed)
        );
        assert_eq!(check(&[(&IF_UNMODIFIED_SINCE, before)], true), Err(Failed));
        assert_eq!(check(&[(&IF_UNMODIFIED_SINCE, at)], true), Ok(()));
        // If-Match wins over If-Unmodified-Since.
        assert_eq!(
            check(&[(&IF_MATCH, ETAG), (&IF_UNMODIFIED_SINCE, before)], true),
            Ok(())
        );
        assert_eq!(check(&[(&IF_NONE_MATCH, ETAG)], true), Err(NotModified));
        assert_eq!(
            check(&[(&IF_NONE_MATCH, &format!("\"a\", W/{ETAG}"))], true),
            Err(NotModified)
        );
        assert_eq!(check(&[(&IF_NONE_MATCH, ETAG)], false), Err(Failed));
        assert_eq!(check(&[(&IF_NONE_MATCH, "\"other\"")], true), Ok(()));
        assert_eq!(check(&[(&IF_MODIFIED_SINCE, at)], true), Err(NotModified));
        assert_eq!(check(&[(&IF_MODIFIED_SINCE, before)], true), Ok(()));
        assert_eq!(check(&[(&IF_MODIFIED_SINCE, "garbage")], true), Ok(()));
        // If-None-Match wins over If-Modified-Since, which writes ignore.
        assert_eq!(
            check(
                &[(&IF_NONE_MATCH, "\"other\""), (&IF_MODIFIED_SINCE, at)],
                true
            ),
            Ok(())
        );
        assert_eq!(check(&[(&IF_MODIFIED_SINCE, at)], false), Ok(()));
        // A failed If-Match comes before a matching If-None-Match.
        assert_eq!(
            check(&[(&IF_MATCH, "\"x\""), (&IF_NONE_MATCH, ETAG)], true),
            Err(Failed)
        );
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, HeaderValue::from_static(" * "));
        assert!(create_only(&headers));
        assert!(!create_only(&HeaderMap::new()));
    }
}
