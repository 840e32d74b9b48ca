//! TrueCopy, Universal Replicator and global-active device: remote mirror copy pairs and
//! copy groups (`remote-mirror-copypairs`, `remote-mirror-copygroups`).
//!
//! Every request carries `Remote-Authorization: Session <token>` from a session on the
//! remote array's REST server, so every method takes that session as `remote`. The
//! documentation recommends taking the resource lock on both arrays around create and
//! delete: see [`lock_both`](crate::locks::lock_both).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, list_data, nullable_vec};
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job};
use crate::ldevs::{LdevId, check_ldev_id};
use crate::local_copy::PairStatus;
use crate::names::check_name;
use crate::session::{REMOTE_AUTHORIZATION, Session};
use crate::storage_id::StorageDeviceId;

/// The kind of remote copy (`replicationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ReplicationType {
    /// TrueCopy (synchronous), `TC`.
    #[serde(rename = "TC")]
    Tc,
    /// Universal Replicator (asynchronous, journals), `UR`.
    #[serde(rename = "UR")]
    Ur,
    /// Global-active device (active-active, quorum), `GAD`.
    #[serde(rename = "GAD")]
    Gad,
}

impl ReplicationType {
    /// The value as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicationType::Tc => "TC",
            ReplicationType::Ur => "UR",
            ReplicationType::Gad => "GAD",
        }
    }
}

impl fmt::Display for ReplicationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A remote copy group id:
/// `remoteStorageDeviceId,copyGroupName,localDeviceGroupName,remoteDeviceGroupName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteCopyGroupId {
    /// The remote array's storageDeviceId.
    pub remote_storage_device_id: String,
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
            remote_storage_device_id: remote.to_string(),
            copy_group: copy_group.to_owned(),
            local_device_group: format!("{copy_group}P_"),
            remote_device_group: format!("{copy_group}S_"),
        }
    }

    fn validate(&self) -> Result<(), HitachiError> {
        self.remote_storage_device_id.parse::<StorageDeviceId>()?;
        check_name("copy group name", &self.copy_group, 31)?;
        check_name("local device group name", &self.local_device_group, 31)?;
        check_name("remote device group name", &self.remote_device_group, 31)
    }
}

impl fmt::Display for RemoteCopyGroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.remote_storage_device_id,
            self.copy_group,
            self.local_device_group,
            self.remote_device_group
        )
    }
}

impl FromStr for RemoteCopyGroupId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        match s.split(',').collect::<Vec<_>>().as_slice() {
            [r, g, l, m] => {
                let id = RemoteCopyGroupId {
                    remote_storage_device_id: (*r).to_owned(),
                    copy_group: (*g).to_owned(),
                    local_device_group: (*l).to_owned(),
                    remote_device_group: (*m).to_owned(),
                };
                id.validate().map(|()| id)
            }
            _ => Err(HitachiError::InvalidInput {
                what: "remote copy group id",
                reason: format!(
                    "{s:?} is not remoteStorageDeviceId,copyGroup,localDeviceGroup,remoteDeviceGroup"
                ),
            }),
        }
    }
}

/// A remote copy pair id: the group id followed by `,copyPairName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteCopyPairId {
    /// The remote array's storageDeviceId.
    pub remote_storage_device_id: String,
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

    fn validate(&self) -> Result<(), HitachiError> {
        self.group().validate()?;
        check_name("copy pair name", &self.pair, 31)
    }
}

impl fmt::Display for RemoteCopyPairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.group(), self.pair)
    }
}

impl FromStr for RemoteCopyPairId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let fail = || HitachiError::InvalidInput {
            what: "remote copy pair id",
            reason: format!(
                "{s:?} is not remoteStorageDeviceId,copyGroup,localDeviceGroup,remoteDeviceGroup,pair"
            ),
        };
        let (group, pair) = s.rsplit_once(',').ok_or_else(fail)?;
        let group: RemoteCopyGroupId = group.parse().map_err(|_| fail())?;
        let id = RemoteCopyPairId::new(&group, pair);
        id.validate().map_err(|_| fail())?;
        Ok(id)
    }
}

/// TrueCopy's fence level: what happens to P-VOL writes when the S-VOL cannot be updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum FenceLevel {
    /// `DATA`: writes fail.
    Data,
    /// `STATUS`: writes fail unless the S-VOL's status can be changed.
    Status,
    /// `NEVER`: writes go on.
    Never,
}

/// The body of `POST remote-mirror-copypairs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateRemoteCopyPair {
    /// The copy group (1-29 characters on create; the same name on both arrays).
    pub copy_group_name: String,
    /// The pair (1-31 characters).
    pub copy_pair_name: String,
    /// TC, UR or GAD.
    pub replication_type: ReplicationType,
    /// The remote array's storageDeviceId.
    pub remote_storage_device_id: String,
    /// The P-VOL (on this array).
    pub pvol_ldev_id: LdevId,
    /// The S-VOL (on the remote array).
    pub svol_ldev_id: LdevId,
    /// True to create the copy group, false to add to an existing one.
    pub is_new_group_creation: bool,
    /// The remote path group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_group_id: Option<u32>,
    /// The local device group (default `<group>P_`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_device_group_name: Option<String>,
    /// The remote device group (default `<group>S_`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_device_group_name: Option<String>,
    /// Copies the P-VOL's data at creation (`false` when both volumes already match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_initial_copy: Option<bool>,
    /// Allows pairs whose volumes differ in data reduction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_data_reduction_force_copy: Option<bool>,
    /// The quorum disk (GAD; required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum_disk_id: Option<u32>,
    /// Copy pace 1-15 (TC, GAD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_pace: Option<u8>,
    /// Mirror unit number (UR, GAD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mu_number: Option<u32>,
    /// The P-VOL's (master) journal (UR; required for a new group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pvol_journal_id: Option<u32>,
    /// The S-VOL's (restore) journal (UR; required for a new group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svol_journal_id: Option<u32>,
    /// The fence level (TC, GAD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fence_level: Option<FenceLevel>,
    /// Registers the pair in a consistency group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_consistency_group: Option<bool>,
    /// The consistency group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistency_group_id: Option<u32>,
}

impl CreateRemoteCopyPair {
    /// A pair of `kind` in a new copy group; add what the kind needs (journals for UR, a
    /// quorum disk for GAD), or use [`tc`](Self::tc), [`ur`](Self::ur), [`gad`](Self::gad).
    pub fn new(
        kind: ReplicationType,
        remote: &StorageDeviceId,
        copy_group: &str,
        pair: &str,
        pvol: impl Into<LdevId>,
        svol: impl Into<LdevId>,
    ) -> Self {
        CreateRemoteCopyPair {
            copy_group_name: copy_group.to_owned(),
            copy_pair_name: pair.to_owned(),
            replication_type: kind,
            remote_storage_device_id: remote.to_string(),
            pvol_ldev_id: pvol.into(),
            svol_ldev_id: svol.into(),
            is_new_group_creation: true,
            path_group_id: None,
            local_device_group_name: None,
            remote_device_group_name: None,
            do_initial_copy: None,
            is_data_reduction_force_copy: None,
            quorum_disk_id: None,
            copy_pace: None,
            mu_number: None,
            pvol_journal_id: None,
            svol_journal_id: None,
            fence_level: None,
            is_consistency_group: None,
            consistency_group_id: None,
        }
    }

    /// A TrueCopy pair in a new copy group.
    pub fn tc(
        remote: &StorageDeviceId,
        copy_group: &str,
        pair: &str,
        pvol: impl Into<LdevId>,
        svol: impl Into<LdevId>,
    ) -> Self {
        Self::new(ReplicationType::Tc, remote, copy_group, pair, pvol, svol)
    }

    /// A Universal Replicator pair in a new copy group, with its journals.
    pub fn ur<P: Into<LdevId>, S: Into<LdevId>>(
        remote: &StorageDeviceId,
        copy_group: &str,
        pair: &str,
        (pvol, svol): (P, S),
        (pvol_journal, svol_journal): (u32, u32),
    ) -> Self {
        Self::new(ReplicationType::Ur, remote, copy_group, pair, pvol, svol)
            .journals(pvol_journal, svol_journal)
    }

    /// A global-active device pair in a new copy group, with its quorum disk.
    pub fn gad<P: Into<LdevId>, S: Into<LdevId>>(
        remote: &StorageDeviceId,
        copy_group: &str,
        pair: &str,
        (pvol, svol): (P, S),
        quorum_disk_id: u32,
    ) -> Self {
        Self::new(ReplicationType::Gad, remote, copy_group, pair, pvol, svol)
            .quorum_disk(quorum_disk_id)
    }

    /// Adds the pair to an existing copy group instead of creating one.
    pub fn in_existing_group(mut self) -> Self {
        self.is_new_group_creation = false;
        self
    }

    /// Sets the device group names.
    pub fn device_groups(mut self, local: &str, remote: &str) -> Self {
        self.local_device_group_name = Some(local.to_owned());
        self.remote_device_group_name = Some(remote.to_owned());
        self
    }

    /// Sets the remote path group.
    pub fn path_group(mut self, id: u32) -> Self {
        self.path_group_id = Some(id);
        self
    }

    /// Sets the journals (UR).
    pub fn journals(mut self, pvol_journal: u32, svol_journal: u32) -> Self {
        self.pvol_journal_id = Some(pvol_journal);
        self.svol_journal_id = Some(svol_journal);
        self
    }

    /// Sets the quorum disk (GAD).
    pub fn quorum_disk(mut self, id: u32) -> Self {
        self.quorum_disk_id = Some(id);
        self
    }

    /// Sets the copy pace (1-15).
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    /// Sets the mirror unit number.
    pub fn mu_number(mut self, mu: u32) -> Self {
        self.mu_number = Some(mu);
        self
    }

    /// Sets `doInitialCopy`.
    pub fn initial_copy(mut self, yes: bool) -> Self {
        self.do_initial_copy = Some(yes);
        self
    }

    /// Sets `isDataReductionForceCopy`.
    pub fn data_reduction_force_copy(mut self, yes: bool) -> Self {
        self.is_data_reduction_force_copy = Some(yes);
        self
    }

    /// Sets the fence level.
    pub fn fence_level(mut self, level: FenceLevel) -> Self {
        self.fence_level = Some(level);
        self
    }

    /// Registers the pair in consistency group `id`.
    pub fn consistency_group(mut self, id: u32) -> Self {
        self.is_consistency_group = Some(true);
        self.consistency_group_id = Some(id);
        self
    }

    /// The id the pair will have (device groups default to `<group>P_` / `<group>S_`).
    pub fn pair_id(&self) -> RemoteCopyPairId {
        RemoteCopyPairId {
            remote_storage_device_id: self.remote_storage_device_id.clone(),
            copy_group: self.copy_group_name.clone(),
            local_device_group: self
                .local_device_group_name
                .clone()
                .unwrap_or_else(|| format!("{}P_", self.copy_group_name)),
            remote_device_group: self
                .remote_device_group_name
                .clone()
                .unwrap_or_else(|| format!("{}S_", self.copy_group_name)),
            pair: self.copy_pair_name.clone(),
        }
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        check_name("copy group name", &self.copy_group_name, 29)?;
        self.pair_id().validate()?;
        check_ldev_id(self.pvol_ldev_id)?;
        check_ldev_id(self.svol_ldev_id)?;
        let invalid = |reason: String| HitachiError::InvalidInput {
            what: "remote copy pair",
            reason,
        };
        let kind = self.replication_type;
        let journals = self.pvol_journal_id.is_some() || self.svol_journal_id.is_some();
        match kind {
            ReplicationType::Ur => {
                if self.is_new_group_creation
                    && (self.pvol_journal_id.is_none() || self.svol_journal_id.is_none())
                {
                    return Err(invalid(
                        "a UR pair in a new copy group needs both journals".into(),
                    ));
                }
                for j in [self.pvol_journal_id, self.svol_journal_id]
                    .into_iter()
                    .flatten()
                {
                    if j > 255 {
                        return Err(invalid(format!("journal {j} is above 255")));
                    }
                }
            }
            _ if journals => return Err(invalid(format!("journals only apply to UR, not {kind}"))),
            _ => {}
        }
        match (kind, self.quorum_disk_id) {
            (ReplicationType::Gad, None) => {
                return Err(invalid("a GAD pair needs a quorum disk".into()));
            }
            (ReplicationType::Gad, Some(q)) if q > 31 => {
                return Err(invalid(format!("quorum disk {q} is above 31")));
            }
            (ReplicationType::Gad, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(invalid(format!(
                    "a quorum disk only applies to GAD, not {kind}"
                )));
            }
        }
        if let Some(p) = self.copy_pace
            && !(1..=15).contains(&p)
        {
            return Err(invalid(format!("copy pace {p} is outside 1-15")));
        }
        if let Some(mu) = self.mu_number
            && mu > 3
        {
            return Err(invalid(format!("mirror unit {mu} is above 3")));
        }
        if let Some(p) = self.path_group_id
            && p > 255
        {
            return Err(invalid(format!("path group {p} is above 255")));
        }
        Ok(())
    }
}

/// A remote copy pair as `GET remote-mirror-copypairs/{id}` (or a group's `copyPairs`)
/// reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoteCopyPair {
    /// The pair id (5 comma-separated parts).
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_mirror_copy_pair_id: Option<String>,
    /// The copy group.
    pub copy_group_name: String,
    /// The pair.
    pub copy_pair_name: String,
    /// `TC`, `UR` or `GAD`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub replication_type: Option<String>,
    /// The P-VOL.
    pub pvol_ldev_id: LdevId,
    /// The S-VOL.
    pub svol_ldev_id: LdevId,
    /// The P-VOL's status (`PAIR`, `COPY`, `PSUS`, `PSUE`; `PFUL`, `SSWS`, ... as
    /// [`PairStatus::Other`]).
    #[serde(default, deserialize_with = "lenient")]
    pub pvol_status: Option<PairStatus>,
    /// The S-VOL's status.
    #[serde(default, deserialize_with = "lenient")]
    pub svol_status: Option<PairStatus>,
    /// The P-VOL's array.
    #[serde(default, deserialize_with = "lenient_text")]
    pub pvol_storage_device_id: Option<String>,
    /// The S-VOL's array.
    #[serde(default, deserialize_with = "lenient_text")]
    pub svol_storage_device_id: Option<String>,
    /// The remote array's storageDeviceId.
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_storage_device_id: Option<String>,
    /// The local device group.
    #[serde(default, deserialize_with = "lenient_text")]
    pub local_device_group_name: Option<String>,
    /// The remote device group.
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_device_group_name: Option<String>,
    /// The fence level.
    #[serde(default, deserialize_with = "lenient_text")]
    pub fence_level: Option<String>,
    /// The consistency group.
    #[serde(default, deserialize_with = "lenient_number")]
    pub consistency_group_id: Option<i64>,
    /// The quorum disk (GAD).
    #[serde(default, deserialize_with = "lenient_number")]
    pub quorum_disk_id: Option<u32>,
    /// The P-VOL's journal (UR).
    #[serde(default, deserialize_with = "lenient_number")]
    pub pvol_journal_id: Option<u32>,
    /// The S-VOL's journal (UR).
    #[serde(default, deserialize_with = "lenient_number")]
    pub svol_journal_id: Option<u32>,
    /// The mirror unit number.
    #[serde(default, deserialize_with = "lenient_number")]
    pub mu_number: Option<u32>,
    /// The P-VOL's I/O mode (GAD), e.g. `L/M`.
    #[serde(
        rename = "pvolIOMode",
        alias = "pvolIoMode",
        default,
        deserialize_with = "lenient_text"
    )]
    pub pvol_io_mode: Option<String>,
    /// The S-VOL's I/O mode (GAD).
    #[serde(
        rename = "svolIOMode",
        alias = "svolIoMode",
        default,
        deserialize_with = "lenient_text"
    )]
    pub svol_io_mode: Option<String>,
    /// Copy progress (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub copy_progress_rate: Option<u32>,
}

impl RemoteCopyPair {
    /// The parsed id, when the server sent one.
    pub fn id(&self) -> Option<Result<RemoteCopyPairId, HitachiError>> {
        self.remote_mirror_copy_pair_id.as_deref().map(str::parse)
    }
}

/// A remote copy group as `GET remote-mirror-copygroups[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoteCopyGroup {
    /// The group id (4 comma-separated parts).
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_mirror_copy_group_id: Option<String>,
    /// The copy group.
    pub copy_group_name: String,
    /// The remote array's storageDeviceId.
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_storage_device_id: Option<String>,
    /// The local device group.
    #[serde(default, deserialize_with = "lenient_text")]
    pub local_device_group_name: Option<String>,
    /// The remote device group.
    #[serde(default, deserialize_with = "lenient_text")]
    pub remote_device_group_name: Option<String>,
    /// The mirror unit number.
    #[serde(default, deserialize_with = "lenient_number")]
    pub mu_number: Option<u32>,
    /// The group's pairs (only in `GET remote-mirror-copygroups/{id}`).
    #[serde(default, deserialize_with = "nullable_vec")]
    pub copy_pairs: Vec<RemoteCopyPair>,
}

/// The S-VOL's access after a split (`svolAccessMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum SvolAccessMode {
    /// `r`: read only.
    #[serde(rename = "r")]
    ReadOnly,
    /// `rw`: read and write.
    #[serde(rename = "rw")]
    ReadWrite,
}

/// The parameters of a split (pairs or groups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoteSplit {
    /// TC, UR or GAD (required by the server).
    pub replication_type: ReplicationType,
    /// The S-VOL's access after the split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svol_access_mode: Option<SvolAccessMode>,
    /// `SSWS`: split from the S-VOL side and make it writable (takeover).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svol_operation_mode: Option<String>,
    /// Write-protects the P-VOL (TC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_pvol_write_protect: Option<bool>,
    /// Stops journal operations at once (UR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_data_suspend: Option<bool>,
}

impl RemoteSplit {
    /// A plain split: `{"parameters": {"replicationType": ...}}`.
    pub fn new(kind: ReplicationType) -> Self {
        RemoteSplit {
            replication_type: kind,
            svol_access_mode: None,
            svol_operation_mode: None,
            do_pvol_write_protect: None,
            do_data_suspend: None,
        }
    }

    /// Sets the S-VOL's access after the split.
    pub fn svol_access(mut self, mode: SvolAccessMode) -> Self {
        self.svol_access_mode = Some(mode);
        self
    }

    /// Splits from the S-VOL side, forcing it to `SSWS`.
    pub fn svol_takeover(mut self) -> Self {
        self.svol_operation_mode = Some("SSWS".to_owned());
        self
    }

    /// Sets `doPvolWriteProtect`.
    pub fn pvol_write_protect(mut self, yes: bool) -> Self {
        self.do_pvol_write_protect = Some(yes);
        self
    }

    /// Sets `doDataSuspend`.
    pub fn data_suspend(mut self, yes: bool) -> Self {
        self.do_data_suspend = Some(yes);
        self
    }

    /// The action body.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

/// The parameters of a resync (pairs or groups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoteResync {
    /// TC, UR or GAD (required by the server).
    pub replication_type: ReplicationType,
    /// Swaps the P-VOL and S-VOL (resync from the S-VOL side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_swap_svol: Option<bool>,
    /// Copy pace 1-15.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_pace: Option<u8>,
}

impl RemoteResync {
    /// A plain resync: `{"parameters": {"replicationType": ...}}`.
    pub fn new(kind: ReplicationType) -> Self {
        RemoteResync {
            replication_type: kind,
            do_swap_svol: None,
            copy_pace: None,
        }
    }

    /// Sets `doSwapSvol`.
    pub fn swap(mut self, yes: bool) -> Self {
        self.do_swap_svol = Some(yes);
        self
    }

    /// Sets the copy pace (1-15).
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    fn validate(&self) -> Result<(), HitachiError> {
        if let Some(p) = self.copy_pace
            && !(1..=15).contains(&p)
        {
            return Err(HitachiError::InvalidInput {
                what: "copy pace",
                reason: format!("{p} is outside 1-15"),
            });
        }
        Ok(())
    }

    /// The action body.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

/// Checks that `remote` is a session on the array the id names (a session on the wrong
/// array would authorise nothing, and the server's error for that is undocumented), and
/// returns the `Remote-Authorization` value.
fn remote_token(
    remote: &Session,
    remote_storage_device_id: &str,
) -> Result<storkit_core::secrecy::SecretString, Error> {
    let session_array = remote.client().storage_device_id().as_str();
    if session_array != remote_storage_device_id {
        return Err(HitachiError::InvalidInput {
            what: "remote session",
            reason: format!(
                "the remote session is on {session_array}, the pair's remote array is {remote_storage_device_id}"
            ),
        }
        .into());
    }
    remote.remote_authorization()
}

/// Remote copy pairs of a session's storage system (`remote-mirror-copypairs`).
#[derive(Debug, Clone, Copy)]
pub struct RemoteCopyPairs<'a> {
    session: &'a Session,
}

/// Remote copy groups of a session's storage system (`remote-mirror-copygroups`).
#[derive(Debug, Clone, Copy)]
pub struct RemoteCopyGroups<'a> {
    session: &'a Session,
}

impl Session {
    /// TrueCopy / Universal Replicator / global-active device pairs.
    pub fn remote_copy_pairs(&self) -> RemoteCopyPairs<'_> {
        RemoteCopyPairs { session: self }
    }

    /// TrueCopy / Universal Replicator / global-active device copy groups.
    pub fn remote_copy_groups(&self) -> RemoteCopyGroups<'_> {
        RemoteCopyGroups { session: self }
    }
}

impl RemoteCopyPairs<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/remote-mirror-copypairs{rest}"))
    }

    /// Creates a pair and waits for its job (which may report `StorageAccepted` first).
    /// `remote` is a session on the remote array.
    pub async fn create_job(
        &self,
        remote: &Session,
        spec: &CreateRemoteCopyPair,
    ) -> Result<Job, Error> {
        spec.validate()?;
        remote_token(remote, &spec.remote_storage_device_id)?;
        let path = self.path("");
        Change::remote_json(self.session, remote, Method::POST, path, Some(spec)).await
    }

    /// Creates a pair and returns its id (from the job's affected resources, else the
    /// id the spec implies).
    pub async fn create(
        &self,
        remote: &Session,
        spec: &CreateRemoteCopyPair,
    ) -> Result<RemoteCopyPairId, Error> {
        let job = self.create_job(remote, spec).await?;
        Ok(job
            .resources()
            .into_iter()
            .find_map(|r| match r {
                AffectedResource::RemoteCopyPair(id) => Some(id),
                _ => None,
            })
            .unwrap_or_else(|| spec.pair_id()))
    }

    /// One pair.
    pub async fn get(
        &self,
        remote: &Session,
        id: &RemoteCopyPairId,
    ) -> Result<RemoteCopyPair, Error> {
        id.validate()?;
        let token = remote_token(remote, &id.remote_storage_device_id)?;
        let request = Request::get(self.path(&format!("/{id}")))
            .sensitive_header(REMOTE_AUTHORIZATION, &token);
        crate::session::check(self.session.send(request).await?)?.json()
    }

    /// The pairs of a copy group: the group's `copyPairs`, as
    /// `GET remote-mirror-copygroups/{id}` reports them (the documented way to list a
    /// group's pairs).
    pub async fn list(
        &self,
        remote: &Session,
        group: &RemoteCopyGroupId,
    ) -> Result<Vec<RemoteCopyPair>, Error> {
        Ok(self
            .session
            .remote_copy_groups()
            .get(remote, group)
            .await?
            .copy_pairs)
    }

    async fn invoke(
        &self,
        remote: &Session,
        id: &RemoteCopyPairId,
        action: &str,
        body: serde_json::Value,
    ) -> Result<Job, Error> {
        id.validate()?;
        remote_token(remote, &id.remote_storage_device_id)?;
        let path = self.path(&format!("/{id}/actions/{action}/invoke"));
        Change::remote_json(self.session, remote, Method::POST, path, Some(&body)).await
    }

    /// Splits a pair.
    pub async fn split(
        &self,
        remote: &Session,
        id: &RemoteCopyPairId,
        spec: &RemoteSplit,
    ) -> Result<Job, Error> {
        self.invoke(remote, id, "split", spec.to_body()).await
    }

    /// Resynchronises a pair.
    pub async fn resync(
        &self,
        remote: &Session,
        id: &RemoteCopyPairId,
        spec: &RemoteResync,
    ) -> Result<Job, Error> {
        spec.validate()?;
        self.invoke(remote, id, "resync", spec.to_body()).await
    }

    /// Deletes a pair (both volumes become `SMPL`).
    pub async fn delete(&self, remote: &Session, id: &RemoteCopyPairId) -> Result<Job, Error> {
        id.validate()?;
        remote_token(remote, &id.remote_storage_device_id)?;
        let path = self.path(&format!("/{id}"));
        Change::remote_json::<()>(self.session, remote, Method::DELETE, path, None).await
    }
}

impl RemoteCopyGroups<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/remote-mirror-copygroups{rest}"))
    }

    /// The copy groups shared with the remote array `remote` is a session on.
    pub async fn list(&self, remote: &Session) -> Result<Vec<RemoteCopyGroup>, Error> {
        let remote_id = remote.client().storage_device_id().to_string();
        let token = remote.remote_authorization()?;
        let request = Request::get(self.path(""))
            .query("remoteStorageDeviceId", &remote_id)
            .sensitive_header(REMOTE_AUTHORIZATION, &token);
        list_data(self.session, request).await
    }

    /// One copy group, with its pairs.
    pub async fn get(
        &self,
        remote: &Session,
        id: &RemoteCopyGroupId,
    ) -> Result<RemoteCopyGroup, Error> {
        id.validate()?;
        let token = remote_token(remote, &id.remote_storage_device_id)?;
        let request = Request::get(self.path(&format!("/{id}")))
            .sensitive_header(REMOTE_AUTHORIZATION, &token);
        crate::session::check(self.session.send(request).await?)?.json()
    }

    async fn invoke(
        &self,
        remote: &Session,
        id: &RemoteCopyGroupId,
        action: &str,
        body: serde_json::Value,
    ) -> Result<Job, Error> {
        id.validate()?;
        remote_token(remote, &id.remote_storage_device_id)?;
        let path = self.path(&format!("/{id}/actions/{action}/invoke"));
        Change::remote_json(self.session, remote, Method::POST, path, Some(&body)).await
    }

    /// Splits every pair of a copy group.
    pub async fn split(
        &self,
        remote: &Session,
        id: &RemoteCopyGroupId,
        spec: &RemoteSplit,
    ) -> Result<Job, Error> {
        self.invoke(remote, id, "split", spec.to_body()).await
    }

    /// Resynchronises every pair of a copy group.
    pub async fn resync(
        &self,
        remote: &Session,
        id: &RemoteCopyGroupId,
        spec: &RemoteResync,
    ) -> Result<Job, Error> {
        spec.validate()?;
        self.invoke(remote, id, "resync", spec.to_body()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    fn remote() -> StorageDeviceId {
        "886000123789".parse().unwrap()
    }

    #[test]
    fn documented_tc_body() {
        let spec = CreateRemoteCopyPair::tc(&remote(), "remoteCopyGroup1", "pair1", 2108, 1581)
            .device_groups("remoteCopyGroup1P_", "remoteCopyGroup1S_")
            .fence_level(FenceLevel::Data)
            .consistency_group(5)
            .copy_pace(10)
            .path_group(3)
            .initial_copy(true)
            .data_reduction_force_copy(true);
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"copyGroupName":"remoteCopyGroup1","copyPairName":"pair1","replicationType":"TC","remoteStorageDeviceId":"886000123789","pvolLdevId":2108,"svolLdevId":1581,"localDeviceGroupName":"remoteCopyGroup1P_","remoteDeviceGroupName":"remoteCopyGroup1S_","isNewGroupCreation":true,"fenceLevel":"DATA","isConsistencyGroup":true,"consistencyGroupId":5,"copyPace":10,"pathGroupId":3,"doInitialCopy":true,"isDataReductionForceCopy":true})
        );
        spec.validate().unwrap();
        assert_eq!(
            spec.pair_id().to_string(),
            "886000123789,remoteCopyGroup1,remoteCopyGroup1P_,remoteCopyGroup1S_,pair1"
        );
    }

    #[test]
    fn documented_gad_and_cinder_ur_bodies() {
        let gad =
            CreateRemoteCopyPair::gad(&remote(), "remoteCopyGroup3", "pair1", (1580, 2128), 14)
                .device_groups("remoteCopyGroup3P_", "remoteCopyGroup3S_")
                .mu_number(0)
                .fence_level(FenceLevel::Never)
                .copy_pace(10)
                .initial_copy(true)
                .data_reduction_force_copy(true);
        assert_eq!(
            serde_json::to_value(&gad).unwrap(),
            serde_json::json!({"copyGroupName":"remoteCopyGroup3","copyPairName":"pair1","replicationType":"GAD","remoteStorageDeviceId":"886000123789","pvolLdevId":1580,"svolLdevId":2128,"localDeviceGroupName":"remoteCopyGroup3P_","remoteDeviceGroupName":"remoteCopyGroup3S_","muNumber":0,"quorumDiskId":14,"isNewGroupCreation":true,"fenceLevel":"NEVER","copyPace":10,"doInitialCopy":true,"isDataReductionForceCopy":true})
        );
        gad.validate().unwrap();
        let ur = CreateRemoteCopyPair::ur(&remote(), "HBSD-UR", "HBSD-LDEV-1-2", (1, 2), (0, 1))
            .path_group(0)
            .device_groups("HBSD-URP", "HBSD-URS")
            .mu_number(0);
        assert_eq!(
            serde_json::to_value(&ur).unwrap(),
            serde_json::json!({"copyGroupName":"HBSD-UR","copyPairName":"HBSD-LDEV-1-2","replicationType":"UR","remoteStorageDeviceId":"886000123789","pvolLdevId":1,"svolLdevId":2,"pathGroupId":0,"localDeviceGroupName":"HBSD-URP","remoteDeviceGroupName":"HBSD-URS","isNewGroupCreation":true,"muNumber":0,"pvolJournalId":0,"svolJournalId":1})
        );
        ur.validate().unwrap();
    }

    #[test]
    fn validation() {
        let r = remote();
        let tc = CreateRemoteCopyPair::tc(&r, "g", "p", 1, 1);
        tc.validate().unwrap(); // the same LDEV number on two arrays is fine
        assert!(
            CreateRemoteCopyPair::tc(&r, &"g".repeat(30), "p", 1, 2)
                .validate()
                .is_err()
        );
        assert!(
            CreateRemoteCopyPair::tc(&r, "g", &"p".repeat(32), 1, 2)
                .validate()
                .is_err()
        );
        assert!(
            CreateRemoteCopyPair::tc(&r, "g", "a b", 1, 2)
                .validate()
                .is_err()
        );
        assert!(tc.clone().device_groups("x,y", "s").validate().is_err());
        assert!(tc.clone().journals(1, 2).validate().is_err());
        assert!(tc.clone().quorum_disk(1).validate().is_err());
        assert!(tc.clone().copy_pace(0).validate().is_err());
        assert!(tc.clone().copy_pace(16).validate().is_err());
        assert!(tc.clone().mu_number(4).validate().is_err());
        assert!(
            CreateRemoteCopyPair {
                remote_storage_device_id: "x".into(),
                ..tc.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            CreateRemoteCopyPair {
                pvol_ldev_id: 65536.into(),
                ..tc
            }
            .validate()
            .is_err()
        );
        let ur = CreateRemoteCopyPair::new(ReplicationType::Ur, &r, "g", "p", 1, 2);
        assert!(ur.validate().is_err(), "UR without journals");
        ur.clone().in_existing_group().validate().unwrap();
        assert!(ur.clone().journals(0, 256).validate().is_err());
        let gad = CreateRemoteCopyPair::new(ReplicationType::Gad, &r, "g", "p", 1, 2);
        assert!(gad.validate().is_err(), "GAD without quorum");
        gad.clone().quorum_disk(31).validate().unwrap();
        assert!(gad.quorum_disk(32).validate().is_err());
    }

    #[test]
    fn action_bodies() {
        assert_eq!(
            RemoteSplit::new(ReplicationType::Tc).to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC"}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Ur)
                .svol_takeover()
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"UR","svolOperationMode":"SSWS"}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Tc)
                .pvol_write_protect(true)
                .svol_access(SvolAccessMode::ReadWrite)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC","svolAccessMode":"rw","doPvolWriteProtect":true}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Ur)
                .data_suspend(true)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"UR","doDataSuspend":true}})
        );
        assert_eq!(
            RemoteResync::new(ReplicationType::Gad)
                .swap(true)
                .copy_pace(3)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"GAD","doSwapSvol":true,"copyPace":3}})
        );
        assert!(
            RemoteResync::new(ReplicationType::Tc)
                .copy_pace(0)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn ids() {
        let g: RemoteCopyGroupId = "886000123789,cg,cgP_,cgS_".parse().unwrap();
        assert_eq!(g, RemoteCopyGroupId::with_default_groups(&remote(), "cg"));
        let p: RemoteCopyPairId = "886000123789,cg,cgP_,cgS_,pair1".parse().unwrap();
        assert_eq!(p.group(), g);
        assert_eq!(p, RemoteCopyPairId::new(&g, "pair1"));
        for bad in [
            "886000123789,cg,cgP_",
            "886000123789,cg,cgP_,cgS_,p,x",
            "88600012378,cg,a,b,p",
            "886000123789,,a,b,p",
            "886000123789,cg,a,b,",
        ] {
            assert!(bad.parse::<RemoteCopyPairId>().is_err(), "{bad}");
        }
        assert!("886000123789,cg,cgP_".parse::<RemoteCopyGroupId>().is_err());
    }

    #[test]
    fn decoding() {
        let p: RemoteCopyPair = serde_json::from_str(r#"{"remoteMirrorCopyPairId":"886000123789,cg,cgP_,cgS_,p","copyGroupName":"cg","copyPairName":"p","replicationType":"GAD","pvolLdevId":1,"svolLdevId":2,"pvolStatus":"PAIR","svolStatus":"SSWS","pvolIOMode":"L/M","consistencyGroupId":-1,"quorumDiskId":0,"muNumber":"0"}"#).unwrap();
        assert_eq!(p.id().unwrap().unwrap().pair, "p");
        assert_eq!(p.pvol_status, Some(PairStatus::Pair));
        assert_eq!(p.svol_status, Some(PairStatus::Other("SSWS".into())));
        assert_eq!(p.pvol_io_mode.as_deref(), Some("L/M"));
        assert_eq!(p.mu_number, Some(0));
        let g: RemoteCopyGroup = serde_json::from_str(r#"{"remoteMirrorCopyGroupId":"886000123789,cg,cgP_,cgS_","copyGroupName":"cg","remoteStorageDeviceId":"886000123789","localDeviceGroupName":"cgP_","remoteDeviceGroupName":"cgS_","copyPairs":[{"copyGroupName":"cg","copyPairName":"p","pvolLdevId":1,"svolLdevId":2}]}"#).unwrap();
        assert_eq!(g.copy_pairs.len(), 1);
        let bare: RemoteCopyGroup =
            serde_json::from_str(r#"{"copyGroupName":"cg","copyPairs":null}"#).unwrap();
        assert!(bare.copy_pairs.is_empty());
    }

    #[tokio::test]
    async fn every_call_sends_remote_authorization() {
        const PAIR: &str = "886000410000,cg,cgP_,cgS_,p";
        const GROUP: &str = "886000410000,cg,cgP_,cgS_";
        let fake = testing::Fake::start([127, 0, 0, 209], |seen| {
            let p = testing::rel(&seen.path).to_owned();
            match seen.method.as_str() {
                "POST" | "DELETE" => Some((202, testing::job(&format!("/remote-mirror-copypairs/{PAIR}")))),
                "GET" if p == "/remote-mirror-copygroups" => Some((200, serde_json::json!({"data": [{"copyGroupName": "cg"}]}))),
                "GET" if p.starts_with("/remote-mirror-copygroups/") => Some((200, serde_json::json!({"copyGroupName": "cg", "copyPairs": [{"copyGroupName": "cg", "copyPairName": "p", "pvolLdevId": 1, "svolLdevId": 2}]}))),
                "GET" => Some((200, serde_json::json!({"copyGroupName": "cg", "copyPairName": "p", "pvolLdevId": 1, "svolLdevId": 2, "pvolStatus": "PAIR"}))),
                _ => None,
            }
        })
        .await;
        // The fake plays both arrays: the "remote" session is on the same fake (the same
        // storageDeviceId), which is what the pair ids above name.
        let client = fake.client().await;
        let local = client.open_session().await.unwrap();
        let remote = client.open_session().await.unwrap();
        let sdid: StorageDeviceId = testing::SDID.parse().unwrap();
        let pairs = local.remote_copy_pairs();
        let spec = CreateRemoteCopyPair::tc(&sdid, "cg", "p", 1, 2);
        let id = pairs.create(&remote, &spec).await.unwrap();
        assert_eq!(id.to_string(), PAIR);
        assert_eq!(
            pairs.get(&remote, &id).await.unwrap().pvol_status,
            Some(PairStatus::Pair)
        );
        assert_eq!(pairs.list(&remote, &id.group()).await.unwrap().len(), 1);
        pairs
            .split(&remote, &id, &RemoteSplit::new(ReplicationType::Tc))
            .await
            .unwrap();
        pairs
            .resync(&remote, &id, &RemoteResync::new(ReplicationType::Tc))
            .await
            .unwrap();
        let groups = local.remote_copy_groups();
        assert_eq!(groups.list(&remote).await.unwrap().len(), 1);
        groups
            .split(&remote, &id.group(), &RemoteSplit::new(ReplicationType::Tc))
            .await
            .unwrap();
        groups
            .resync(
                &remote,
                &id.group(),
                &RemoteResync::new(ReplicationType::Tc),
            )
            .await
            .unwrap();
        pairs.delete(&remote, &id).await.unwrap();

        // A remote session on another array is refused before sending.
        let before = fake.requests().len();
        let other = CreateRemoteCopyPair::tc(&"886000420000".parse().unwrap(), "cg", "p", 1, 2);
        assert!(pairs.create(&remote, &other).await.is_err());
        assert_eq!(fake.requests().len(), before);

        local.close().await.unwrap();
        remote.close().await.unwrap();
        let seen = fake.requests();
        let lines: Vec<String> = seen
            .iter()
            .map(|s| format!("{} {}?{}", s.method, testing::rel(&s.path), s.query))
            .collect();
        assert_eq!(
            lines,
            [
                "POST /remote-mirror-copypairs?".to_owned(),
                format!("GET /remote-mirror-copypairs/{PAIR}?"),
                format!("GET /remote-mirror-copygroups/{GROUP}?"),
                format!("POST /remote-mirror-copypairs/{PAIR}/actions/split/invoke?"),
                format!("POST /remote-mirror-copypairs/{PAIR}/actions/resync/invoke?"),
                "GET /remote-mirror-copygroups?remoteStorageDeviceId=886000410000".to_owned(),
                format!("POST /remote-mirror-copygroups/{GROUP}/actions/split/invoke?"),
                format!("POST /remote-mirror-copygroups/{GROUP}/actions/resync/invoke?"),
                format!("DELETE /remote-mirror-copypairs/{PAIR}?"),
            ]
        );
        for s in &seen {
            assert_eq!(
                s.headers.get("remote-authorization").unwrap(),
                "Session tok",
                "{} {}",
                s.method,
                s.path
            );
        }
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
            let g = RemoteCopyGroupId { remote_storage_device_id: remote, copy_group: group, local_device_group: local_dg, remote_device_group: remote_dg };
            prop_assert_eq!(g.to_string().parse::<RemoteCopyGroupId>().unwrap(), g.clone());
            let p = RemoteCopyPairId::new(&g, &pair);
            prop_assert_eq!(p.to_string().parse::<RemoteCopyPairId>().unwrap(), p);
        }

        #[test]
        fn id_parsing_never_panics(s in ".{0,80}") {
            let _ = s.parse::<RemoteCopyGroupId>();
            let _ = s.parse::<RemoteCopyPairId>();
        }

        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "remoteMirrorCopyPairId", "copyGroupName", "copyPairName", "pvolLdevId", "svolLdevId",
            "pvolStatus", "svolStatus", "copyPairs", "pvolIOMode", "muNumber",
        ])) {
            if let Ok(p) = serde_json::from_value::<RemoteCopyPair>(v.clone()) {
                let _ = p.id();
            }
            let _ = serde_json::from_value::<RemoteCopyGroup>(v);
        }
    }
}
