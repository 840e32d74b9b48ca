//! The VM identifier of the DR configuration endpoints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::VrgError;

/// The globally unique UUID of a protected VM (`vmUuid`), checked before it goes into a
/// path (`/vmdrstatus/{vmUuid}/`, `/vmstrategy/{vmUuid}/`), a query or a body.
///
/// Accepted: 1 to 64 characters, each an ASCII letter or digit or one of `-` `_` `.`
/// `:` `~`, and not `.` or `..` alone. FusionCompute VM UUIDs are hex with dashes; the
/// rest of the set is the URI "unreserved" characters plus `:`, so that a value never
/// needs escaping and never reads as a path step. The client still percent-encodes it.
///
/// ```
/// use storkit_vrg::model::VmUuid;
///
/// let vm = VmUuid::new("4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01")?;
/// assert_eq!(vm.as_str(), "4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01");
/// assert!(VmUuid::new("a/b").is_err());
/// assert!("".parse::<VmUuid>().is_err());
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VmUuid(String);

/// The longest [`VmUuid`] accepted, in characters.
pub const VM_UUID_MAX_LEN: usize = 64;

impl VmUuid {
    /// Checks `uuid` (see the type's documentation); a refusal names the field `vmUuid`.
    pub fn new(uuid: impl Into<String>) -> Result<VmUuid, VrgError> {
        let uuid = uuid.into();
        check(&uuid, "vmUuid")?;
        Ok(VmUuid(uuid))
    }

    /// The UUID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The UUID as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn check(uuid: &str, field: &str) -> Result<(), VrgError> {
    if uuid.is_empty() {
        return Err(VrgError::invalid(field, "empty"));
    }
    let len = uuid.chars().count();
    if len > VM_UUID_MAX_LEN {
        return Err(VrgError::invalid(
            field,
            format!("{len} characters; at most {VM_UUID_MAX_LEN}"),
        ));
    }
    if let Some(bad) = uuid
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '~')))
    {
        let what = if bad.is_whitespace() {
            "whitespace".to_owned()
        } else if bad.is_control() {
            "a control character".to_owned()
        } else {
            format!("{bad:?}")
        };
        return Err(VrgError::invalid(
            field,
            format!("contains {what}; a VM UUID is letters, digits and - _ . : ~"),
        ));
    }
    if uuid == "." || uuid == ".." {
        return Err(VrgError::invalid(field, "a dot path step, not a UUID"));
    }
    Ok(())
}

impl fmt::Display for VmUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for VmUuid {
    type Err = VrgError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VmUuid::new(s)
    }
}

impl TryFrom<String> for VmUuid {
    type Error = VrgError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        VmUuid::new(s)
    }
}

impl TryFrom<&str> for VmUuid {
    type Error = VrgError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        VmUuid::new(s)
    }
}

impl From<VmUuid> for String {
    fn from(v: VmUuid) -> String {
        v.0
    }
}

impl AsRef<str> for VmUuid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: VrgError) -> String {
        match e {
            VrgError::InvalidInput { field, .. } => field,
            other => format!("unexpected {other:?}"),
        }
    }

    #[test]
    fn accepts_uuids_refuses_the_rest() {
        assert!(VmUuid::new("4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01").is_ok());
        assert!(VmUuid::new("i-0000027D").is_ok());
        assert!(VmUuid::new("a".repeat(64)).is_ok());
        for bad in [
            "", " ", "a b", "a\tb", "a\u{0}", "a/b", "a?b", "a#b", "a%2F", ".", "..", "é",
        ] {
            let e = VmUuid::new(bad).err();
            assert_eq!(e.map(field_of).as_deref(), Some("vmUuid"), "{bad:?}");
        }
        assert!(VmUuid::new("a".repeat(65)).is_err());
        assert!(VmUuid::new("...").is_ok());
    }

    #[test]
    fn serde_is_a_plain_string() {
        let vm = VmUuid::new("abc").ok();
        assert_eq!(
            vm.as_ref()
                .and_then(|v| serde_json::to_string(v).ok())
                .as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(serde_json::from_str::<VmUuid>("\"abc\"").ok(), vm);
        assert!(serde_json::from_str::<VmUuid>("\"a b\"").is_err());
    }
}
