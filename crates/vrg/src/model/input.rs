//! Checks shared by the request types: each refusal names the field as the VRG does.

use std::net::Ipv4Addr;

use crate::error::VrgError;

/// A dotted-quad IPv4 address (`192.168.1.10`; no spaces, no leading zeros).
pub(crate) fn ipv4(field: &str, text: &str) -> Result<Ipv4Addr, VrgError> {
    text.parse::<Ipv4Addr>().map_err(|_| {
        VrgError::invalid(
            field,
            format!("{:?} is not an IPv4 address (dotted quad)", shorten(text)),
        )
    })
}

/// A port the VRG accepts for a service: 1..=65535.
pub(crate) fn port(field: &str, port: u16) -> Result<(), VrgError> {
    if port == 0 {
        Err(VrgError::invalid(field, "port 0; must be 1-65535"))
    } else {
        Ok(())
    }
}

/// Text that must carry something: not empty, not only spaces, no control characters.
pub(crate) fn required_text(field: &str, text: &str) -> Result<(), VrgError> {
    if text.trim().is_empty() {
        return Err(VrgError::invalid(field, "empty"));
    }
    no_control(field, text)
}

/// Optional text: when given, the same rules as [`required_text`] (an empty value is
/// refused rather than sent; leave it out instead).
pub(crate) fn optional_text(field: &str, text: Option<&str>) -> Result<(), VrgError> {
    match text {
        Some(t) if t.trim().is_empty() => Err(VrgError::invalid(
            field,
            "empty; leave the field out instead",
        )),
        Some(t) => no_control(field, t),
        None => Ok(()),
    }
}

fn no_control(field: &str, text: &str) -> Result<(), VrgError> {
    if text.chars().any(char::is_control) {
        Err(VrgError::invalid(field, "contains a control character"))
    } else {
        Ok(())
    }
}

/// At most 40 characters of `text`, for error messages.
pub(crate) fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}
