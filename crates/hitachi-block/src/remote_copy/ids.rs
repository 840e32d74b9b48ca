//! Remote copy group and pair ids: comma-joined, the remote storageDeviceId first
//! (reference §13, A4 `_remote_copygroup_id`).

use std::fmt;
use std::str::FromStr;

use crate::checks::{join_id, split_id};
use crate::error::HitachiError;
use crate::names::check_name;
use crate::storage_id::StorageDeviceId;

/// Copy group, pair and device group names: 1-31 characters (A2; A4).
const MAX_NAME: usize = 31;

/// A remote copy group id:
/// `remoteStorageDeviceId,copyGroupName,localDeviceGroupName,remoteDeviceGroupName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteCopyGroupId {
    /// The remote array's storageDeviceId.
    pub remote_storage_device_id: StorageDeviceId,
    /// The copy group.
    pub copy_group: String,
    /// The device group on this (the local) array.
    pub local_device_group: String,
    /// The device group on the remote array.
    pub remote_device_group: String,
}

impl RemoteCopyGroupId {
    /// The id of a group whose device groups have the default names `<group>P_` and
    /// `<group>S_` (the documentation's examples; INFERRED to be the server's defaults).
    pub fn with_default_groups(remote: &StorageDeviceId, copy_group: &str) -> Self {
        RemoteCopyGroupId {
            remote_storage_device_id: remote.clone(),
            copy_group: copy_group.to_owned(),
            local_device_group: format!("{copy_group}P_"),
            remote_device_group: format!("{copy_group}S_"),
        }
    }

    /// Checks the names (1-31 characters, none that would break the id or a URL).
    pub(crate) fn validate(&self) -> Result<(), HitachiError> {
        check_name("copy group name", &self.copy_group, MAX_NAME)?;
        check_name(
            "local device group name",
            &self.local_device_group,
            MAX_NAME,
        )?;
        check_name(
            "remote device group name",
            &self.remote_device_group,
            MAX_NAME,
        )
    }
}

impl fmt::Display for RemoteCopyGroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_id(&[
            self.remote_storage_device_id.as_str(),
            &self.copy_group,
            &self.local_device_group,
            &self.remote_device_group,
        ]))
    }
}

impl FromStr for RemoteCopyGroupId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let [r, g, l, m] = split_id(
            "remote copy group id",
            "remoteStorageDeviceId,copyGroup,localDeviceGroup,remoteDeviceGroup",
            s,
        )?;
        let id = RemoteCopyGroupId {
            remote_storage_device_id: r.parse()?,
            copy_group: g.to_owned(),
            local_device_group: l.to_owned(),
            remote_device_group: m.to_owned(),
        };
        id.validate().map(|()| id)
    }
}

/// A remote copy pair id: the group id followed by `,copyPairName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteCopyPairId {
    /// The remote array's storageDeviceId.
    pub remote_storage_device_id: StorageDeviceId,
    /// The copy group.
    pub copy_group: String,
    /// The device group on this (the local) array.
    pub local_device_group: String,
    /// The device group on the remote array.
    pub remote_device_group: String,
    /// The pair.
    pub pair: String,
}

impl RemoteCopyPairId {
    /// The id of pair `pair` in a group.
    pub fn new(group: &RemoteCopyGroupId, pair: &str) -> Self {
        RemoteCopyPairId {
            remote_storage_device_id: group.remote_storage_device_id.clone(),
            copy_group: group.copy_group.clone(),
            local_device_group: group.local_device_group.clone(),
            remote_device_group: group.remote_device_group.clone(),
            pair: pair.to_owned(),
        }
    }

    /// The id of the pair's copy group.
    pub fn group(&self) -> RemoteCopyGroupId {
        RemoteCopyGroupId {
            remote_storage_device_id: self.remote_storage_device_id.clone(),
            copy_group: self.copy_group.clone(),
            local_device_group: self.local_device_group.clone(),
            remote_device_group: self.remote_device_group.clone(),
        }
    }

    /// Checks the names.
    pub(crate) fn validate(&self) -> Result<(), HitachiError> {
        self.group().validate()?;
        check_name("copy pair name", &self.pair, MAX_NAME)
    }
}

impl fmt::Display for RemoteCopyPairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_id(&[
            self.remote_storage_device_id.as_str(),
            &self.copy_group,
            &self.local_device_group,
            &self.remote_device_group,
            &self.pair,
        ]))
    }
}

impl FromStr for RemoteCopyPairId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let [r, g, l, m, p] = split_id(
            "remote copy pair id",
            "remoteStorageDeviceId,copyGroup,localDeviceGroup,remoteDeviceGroup,pair",
            s,
        )?;
        let id = RemoteCopyPairId {
            remote_storage_device_id: r.parse()?,
            copy_group: g.to_owned(),
            local_device_group: l.to_owned(),
            remote_device_group: m.to_owned(),
            pair: p.to_owned(),
        };
        id.validate().map(|()| id)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn remote() -> StorageDeviceId {
        "886000123789".parse().unwrap()
    }

    #[test]
    fn ids() {
        let g: RemoteCopyGroupId = "886000123789,cg,cgP_,cgS_".parse().unwrap();
        assert_eq!(g, RemoteCopyGroupId::with_default_groups(&remote(), "cg"));
        let p: RemoteCopyPairId = "886000123789,cg,cgP_,cgS_,pair1".parse().unwrap();
        assert_eq!(p.group(), g);
        assert_eq!(p, RemoteCopyPairId::new(&g, "pair1"));
        assert_eq!(p.to_string(), "886000123789,cg,cgP_,cgS_,pair1");
        for bad in [
            "886000123789,cg,cgP_",
            "886000123789,cg,cgP_,cgS_,p,x",
            "88600012378,cg,a,b,p",
            "886000123789,,a,b,p",
            "886000123789,cg,a,b,",
            "886000123789,c g,a,b,p",
            &format!("886000123789,{},a,b,p", "g".repeat(32)),
        ] {
            assert!(bad.parse::<RemoteCopyPairId>().is_err(), "{bad}");
        }
        assert!("886000123789,cg,cgP_".parse::<RemoteCopyGroupId>().is_err());
        assert!(
            "88600012378X!,cg,cgP_,cgS_"
                .parse::<RemoteCopyGroupId>()
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn ids_round_trip(
            remote in "[0-9A-F]{12}",
            group in "[A-Za-z0-9_-]{1,31}",
            local_dg in "[A-Za-z0-9_-]{1,31}",
            remote_dg in "[A-Za-z0-9_-]{1,31}",
            pair in "[A-Za-z0-9_.-]{1,31}",
        ) {
            let g = RemoteCopyGroupId {
                remote_storage_device_id: remote.parse().unwrap(),
                copy_group: group,
                local_device_group: local_dg,
                remote_device_group: remote_dg,
            };
            prop_assert_eq!(g.to_string().parse::<RemoteCopyGroupId>().unwrap(), g.clone());
            let p = RemoteCopyPairId::new(&g, &pair);
            prop_assert_eq!(p.to_string().parse::<RemoteCopyPairId>().unwrap(), p);
        }

        #[test]
        fn id_parsing_never_panics(s in ".{0,80}") {
            let _ = s.parse::<RemoteCopyGroupId>();
            let _ = s.parse::<RemoteCopyPairId>();
        }
    }
}
