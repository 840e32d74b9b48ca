//! Validation of the names that become parts of comma-separated object ids.

use crate::error::HitachiError;

/// Checks a copy group, pair or device group name: 1..=`max` printable ASCII characters
/// without spaces (names with spaces cannot be queried later) and without the characters
/// that would break an object id or URL (`,` `/` `\` `?` `#` `%`).
pub(crate) fn check_name(what: &'static str, name: &str, max: usize) -> Result<(), HitachiError> {
    let fail = |reason: String| Err(HitachiError::InvalidInput { what, reason });
    if name.is_empty() {
        return fail("must not be empty".into());
    }
    if name.chars().count() > max {
        return fail(format!("{name:?} is longer than {max} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, ',' | '/' | '\\' | '?' | '#' | '%'))
    {
        return fail(format!("{name:?} contains {c:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("copy group name", "SI_347", 29).is_ok());
        assert!(check_name("copy group name", "", 29).is_err());
        assert!(check_name("copy group name", &"a".repeat(30), 29).is_err());
        assert!(check_name("copy group name", &"a".repeat(29), 29).is_ok());
        for bad in ["a b", "a,b", "a/b", "a?b", "a%b", "é"] {
            assert!(check_name("copy pair name", bad, 31).is_err(), "{bad}");
        }
    }
}
