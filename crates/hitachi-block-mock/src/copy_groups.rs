//! Rules shared by the copy-pair families (ShadowImage and remote copy): how a new pair
//! meets the copy group it names.

use crate::errors::{ApiError, ErrorCode};

/// A storage-side refusal carrying a RAID Manager return code.
pub(crate) fn refuse(detail: &str, code: &str) -> ApiError {
    ApiError::storage(detail, ErrorCode::rc(code))
}

/// Checks `isNewGroupCreation` against the group as it stands: a new group must not
/// exist yet; an existing group must exist and have the device groups the pair names.
/// `existing` and `wanted` are the (P-VOL side, S-VOL side) device group names.
pub(crate) fn check_group_creation(
    group: &str,
    existing: Option<(&str, &str)>,
    new_group: bool,
    wanted: (&str, &str),
) -> Result<(), ApiError> {
    match (existing, new_group) {
        (Some(_), true) => Err(refuse(
            &format!("The copy group {group} already exists; specify isNewGroupCreation false."),
            "EX_CMDRJE",
        )),
        (None, false) => Err(refuse(
            &format!("The copy group {group} does not exist; specify isNewGroupCreation true."),
            "EX_ENOOBJ",
        )),
        (Some((first, second)), false) if (first, second) != wanted => Err(refuse(
            &format!("The device groups of copy group {group} are {first} and {second}."),
            "EX_ENOOBJ",
        )),
        _ => Ok(()),
    }
}
