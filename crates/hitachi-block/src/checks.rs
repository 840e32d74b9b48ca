//! Input checks shared by the resource modules, made before any request is built: the copy
//! pace, comma-joined object ids, and the remote-array check of remote copy.
//!
//! Bad input is a typed [`HitachiError`] and nothing is sent.

use storkit_core::{Error, ErrorKind};

use crate::error::HitachiError;
use crate::remote_storage::RemoteStorage;
use crate::session::Session;
use crate::storage_id::StorageDeviceId;

/// `copyPace`: 1 (slowest) to 15 (fastest), for ShadowImage and remote copy alike
/// (reference §12.1, §13).
pub(crate) fn copy_pace(pace: u8) -> Result<u8, HitachiError> {
    if (1..=15).contains(&pace) {
        Ok(pace)
    } else {
        Err(HitachiError::InvalidInput {
            what: "copy pace",
            reason: format!("{pace} is outside 1-15"),
        })
    }
}

/// Splits a comma-joined object id into exactly `N` non-empty parts (reference §12.3:
/// commas are part of ids and are sent raw). `what` names the id and `shape` its parts,
/// for the error, e.g. `"group,pvolGroup,svolGroup,pair"`.
pub(crate) fn split_id<'a, const N: usize>(
    what: &'static str,
    shape: &str,
    id: &'a str,
) -> Result<[&'a str; N], HitachiError> {
    let fail = || HitachiError::InvalidInput {
        what,
        reason: format!("{id:?} is not {shape}"),
    };
    let parts: [&str; N] = id
        .split(',')
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| fail())?;
    if parts.iter().any(|p| p.is_empty()) {
        return Err(fail());
    }
    Ok(parts)
}

/// Joins the parts of an object id with commas (the inverse of [`split_id`]).
pub(crate) fn join_id(parts: &[&str]) -> String {
    parts.join(",")
}

/// The two-session part of the remote-array check: `remote` may act as the remote
/// session of `local` when both are open and on two different storage systems. Returns
/// the remote storageDeviceId. A session on the local array is
/// [`HitachiError::InvalidInput`] (its token would authorise nothing on the remote side,
/// and the server's error for that is undocumented). Used before a registration, which
/// cannot yet ask whether the remote is registered.
pub(crate) fn remote_session(local: &Session, remote: &Session) -> Result<StorageDeviceId, Error> {
    let refuse = |reason: String| -> Error {
        HitachiError::InvalidInput {
            what: "remote session",
            reason,
        }
        .into()
    };
    if local.is_closed() {
        return Err(refuse("the local session is closed".into()));
    }
    if remote.is_closed() {
        return Err(refuse("the remote session is closed".into()));
    }
    let here = local.client().storage_device_id();
    let there = remote.client().storage_device_id();
    if here == there {
        return Err(refuse(format!(
            "both sessions are on {here}: the remote session must be on the other storage system"
        )));
    }
    Ok(there.clone())
}

/// The remote-array check of remote copy: [`remote_session`], and the remote registered
/// on the local system (`GET remote-storages/{id}` in `local`: one request, the only one
/// this check makes). Returns the remote storageDeviceId; an unregistered remote is
/// [`HitachiError::RemoteStorageNotRegistered`].
pub(crate) async fn remote_array(
    local: &Session,
    remote: &Session,
) -> Result<StorageDeviceId, Error> {
    let there = remote_session(local, remote)?;
    let path = format!("/remote-storages/{there}");
    match local.get_object::<RemoteStorage>(&path).await {
        Ok(_) => Ok(there),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Err(Error::from(HitachiError::RemoteStorageNotRegistered {
                local: local.client().storage_device_id().to_string(),
                remote: there.to_string(),
            }))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn copy_pace_is_1_to_15() {
        assert_eq!(copy_pace(1).unwrap(), 1);
        assert_eq!(copy_pace(15).unwrap(), 15);
        for bad in [0, 16, 255] {
            let e = copy_pace(bad).unwrap_err();
            assert!(
                matches!(&e, HitachiError::InvalidInput { what: "copy pace", reason } if reason.contains(&bad.to_string())),
                "{e:?}"
            );
        }
    }

    #[test]
    fn ids_split_into_exact_non_empty_parts() {
        assert_eq!(
            split_id::<4>("x", "a,b,c,d", "g,gP_,gS_,p").unwrap(),
            ["g", "gP_", "gS_", "p"]
        );
        assert_eq!(split_id::<1>("x", "a", "only").unwrap(), ["only"]);
        for bad in ["", "a,b,c", "a,b,c,d,e", "a,,c,d", ",b,c,d", "a,b,c,"] {
            let e = split_id::<4>("pair id", "a,b,c,d", bad).unwrap_err();
            assert!(
                matches!(&e, HitachiError::InvalidInput { what: "pair id", reason } if reason.ends_with("is not a,b,c,d")),
                "{bad:?}: {e:?}"
            );
        }
        assert_eq!(join_id(&["a", "b", "c"]), "a,b,c");
        assert_eq!(join_id(&[]), "");
    }

    proptest! {
        #[test]
        fn split_and_join_round_trip(parts in prop::collection::vec("[^,]{1,8}", 3)) {
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            let joined = join_id(&refs);
            let split = split_id::<3>("x", "a,b,c", &joined).unwrap();
            prop_assert_eq!(split.to_vec(), refs);
        }

        #[test]
        fn splitting_never_panics(s in ".{0,40}") {
            let _ = split_id::<5>("x", "a,b,c,d,e", &s);
        }
    }
}
