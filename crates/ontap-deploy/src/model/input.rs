//! Checks of request fields before sending. A refusal names the field as Deploy names it,
//! and never quotes a secret.

use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretString};

use crate::error::OntapError;

pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> OntapError {
    OntapError::invalid_input(field, reason)
}

/// Non-empty text without control characters (names that may hold spaces: port groups,
/// datastores).
pub(crate) fn text(field: &str, value: &str) -> Result<(), OntapError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// Non-empty text without white space or control characters (host names, cluster and
/// node names, user names, ids).
pub(crate) fn token(field: &str, value: &str) -> Result<(), OntapError> {
    text(field, value)?;
    if value.chars().any(char::is_whitespace) {
        return Err(invalid(field, "must not contain white space"));
    }
    Ok(())
}

/// An IPv4 or IPv6 address.
pub(crate) fn ip(field: &str, value: &str) -> Result<(), OntapError> {
    value
        .parse::<IpAddr>()
        .map(|_| ())
        .map_err(|_| invalid(field, format!("{value:?} is not an IP address")))
}

/// A secret that is not empty. Its value is never quoted.
pub(crate) fn secret(field: &str, value: &SecretString) -> Result<(), OntapError> {
    if value.expose_secret().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(())
}

/// Applies `check` to every item, naming `field[i]`.
pub(crate) fn each<T>(
    field: &str,
    items: &[T],
    mut check: impl FnMut(&str, &T) -> Result<(), OntapError>,
) -> Result<(), OntapError> {
    items
        .iter()
        .enumerate()
        .try_for_each(|(i, item)| check(&format!("{field}[{i}]"), item))
}

/// `prefix.name`, or `name` for an empty prefix.
pub(crate) fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}
