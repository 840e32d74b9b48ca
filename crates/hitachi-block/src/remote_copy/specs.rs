//! What remote copy requests send: the create body ([`CreateRemoteCopyPair`]) and the
//! parameters of split ([`RemoteSplit`]), resync ([`RemoteResync`]) and takeover
//! ([`RemoteTakeover`]), serialised exactly as reference §13 gives them.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::checks::copy_pace;
use crate::error::HitachiError;
use crate::ldevs::{LdevId, check_ldev_id};
use crate::names::check_name;
use crate::storage_id::StorageDeviceId;

use super::ids::RemoteCopyPairId;

/// A copy group name on create: 1-29 characters (two fewer than elsewhere, room for the
/// default device group suffixes `P_` / `S_`).
const MAX_NEW_GROUP_NAME: usize = 29;

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

fn storage_id_text<S: Serializer>(id: &StorageDeviceId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(id.as_str())
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
    #[serde(serialize_with = "storage_id_text")]
    pub remote_storage_device_id: StorageDeviceId,
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
    /// Copies the P-VOL's data at creation (`false` when both volumes already match);
    /// the server's default is to copy.
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
            remote_storage_device_id: remote.clone(),
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

    /// Sets the copy pace (1-15; checked before sending).
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    /// Sets the mirror unit number.
    pub fn mu_number(mut self, mu: u32) -> Self {
        self.mu_number = Some(mu);
        self
    }

    /// Asks for the initial copy explicitly (`doInitialCopy: true`, the server's default).
    pub fn initial_copy(mut self) -> Self {
        self.do_initial_copy = Some(true);
        self
    }

    /// Skips the initial copy (`doInitialCopy: false`): for volumes whose data already
    /// match; the pair is `PAIR` at once.
    pub fn no_initial_copy(mut self) -> Self {
        self.do_initial_copy = Some(false);
        self
    }

    /// Allows volumes that differ in data reduction (`isDataReductionForceCopy: true`).
    pub fn data_reduction_force_copy(mut self) -> Self {
        self.is_data_reduction_force_copy = Some(true);
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
    /// What [`RemoteCopyPairs::create`](super::RemoteCopyPairs::create) returns comes
    /// from the job instead, which names the pair the server made.
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
        check_name("copy group name", &self.copy_group_name, MAX_NEW_GROUP_NAME)?;
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
        if let Some(p) = self.copy_pace {
            copy_pace(p)?;
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

/// `svolOperationMode`: how the split treats the S-VOL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
enum SvolOperationMode {
    /// `SSWS`: the S-VOL takes over writes.
    #[serde(rename = "SSWS")]
    Ssws,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// The parameters of a split, of a pair or of a copy group:
/// `{"parameters": {"replicationType": ..., ...}}` with only what was set (reference §13,
/// A2).
///
/// ```
/// use storkit_hitachi_block::remote_copy::{RemoteSplit, SvolAccessMode};
/// use storkit_hitachi_block::ReplicationType;
///
/// let split = RemoteSplit::new(ReplicationType::Tc)
///     .svol_access(SvolAccessMode::ReadWrite)
///     .write_protect_pvol();
/// assert_eq!(
///     split.to_body(),
///     serde_json::json!({"parameters": {
///         "replicationType": "TC", "svolAccessMode": "rw", "doPvolWriteProtect": true
///     }})
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteSplit {
    replication_type: ReplicationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    svol_access_mode: Option<SvolAccessMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    svol_operation_mode: Option<SvolOperationMode>,
    #[serde(skip_serializing_if = "is_false")]
    do_pvol_write_protect: bool,
    #[serde(skip_serializing_if = "is_false")]
    do_data_suspend: bool,
}

impl RemoteSplit {
    /// A plain split: `{"parameters": {"replicationType": ...}}` (the server needs the
    /// type).
    pub fn new(kind: ReplicationType) -> Self {
        RemoteSplit {
            replication_type: kind,
            svol_access_mode: None,
            svol_operation_mode: None,
            do_pvol_write_protect: false,
            do_data_suspend: false,
        }
    }

    /// The replication type.
    pub fn replication_type(&self) -> ReplicationType {
        self.replication_type
    }

    /// Sets the S-VOL's access after the split (`svolAccessMode`).
    pub fn svol_access(mut self, mode: SvolAccessMode) -> Self {
        self.svol_access_mode = Some(mode);
        self
    }

    /// Splits from the S-VOL side and makes the S-VOL writable: it shows `SSWS`
    /// (`svolOperationMode: SSWS`). For a forced takeover see
    /// [`RemoteCopyPairs::takeover`](super::RemoteCopyPairs::takeover).
    pub fn svol_operation_ssws(mut self) -> Self {
        self.svol_operation_mode = Some(SvolOperationMode::Ssws);
        self
    }

    /// Write-protects the P-VOL after the split (`doPvolWriteProtect: true`; TC).
    pub fn write_protect_pvol(mut self) -> Self {
        self.do_pvol_write_protect = true;
        self
    }

    /// Sets `doDataSuspend: true` (UR): suspends the pair's journal operations at once
    /// (A2 lists the parameter; its exact effect is not in the reference).
    pub fn data_suspend(mut self) -> Self {
        self.do_data_suspend = true;
        self
    }

    /// The action body.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

/// The parameters of a resync, of a pair or of a copy group:
/// `{"parameters": {"replicationType": ..., "doSwapSvol": true?, "copyPace": n?}}`
/// (reference §13).
///
/// ```
/// use storkit_hitachi_block::remote_copy::RemoteResync;
/// use storkit_hitachi_block::ReplicationType;
///
/// let resync = RemoteResync::new(ReplicationType::Gad).swap_svol().copy_pace(3);
/// assert_eq!(
///     resync.to_body(),
///     serde_json::json!({"parameters": {
///         "replicationType": "GAD", "doSwapSvol": true, "copyPace": 3
///     }})
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteResync {
    replication_type: ReplicationType,
    #[serde(skip_serializing_if = "is_false")]
    do_swap_svol: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy_pace: Option<u8>,
}

impl RemoteResync {
    /// A plain resync: `{"parameters": {"replicationType": ...}}`.
    pub fn new(kind: ReplicationType) -> Self {
        RemoteResync {
            replication_type: kind,
            do_swap_svol: false,
            copy_pace: None,
        }
    }

    /// The replication type.
    pub fn replication_type(&self) -> ReplicationType {
        self.replication_type
    }

    /// Resynchronises from the S-VOL side, swapping the roles of the volumes
    /// (`doSwapSvol: true`): the way back after a takeover.
    pub fn swap_svol(mut self) -> Self {
        self.do_swap_svol = true;
        self
    }

    /// Sets the copy pace (1-15; checked before sending).
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    /// Checks what the server would reject (the copy pace), before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        if let Some(p) = self.copy_pace {
            copy_pace(p)?;
        }
        Ok(())
    }

    /// The action body.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

/// `mode` of a takeover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
enum TakeoverMode {
    #[serde(rename = "forceSplit")]
    ForceSplit,
}

/// The parameters of a takeover, of a pair or of a copy group: the S-VOL side takes over
/// and shows `SSWS`. The only mode public sources name is `forceSplit` (Cinder, reference
/// §13): `{"parameters": {"mode": "forceSplit"}}`.
///
/// ```
/// use storkit_hitachi_block::remote_copy::RemoteTakeover;
///
/// assert_eq!(
///     RemoteTakeover::force_split().to_body(),
///     serde_json::json!({"parameters": {"mode": "forceSplit"}})
/// );
/// assert_eq!(RemoteTakeover::default(), RemoteTakeover::force_split());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RemoteTakeover {
    mode: TakeoverMode,
}

impl RemoteTakeover {
    /// A forced split from the S-VOL side (`mode: forceSplit`).
    pub fn force_split() -> Self {
        RemoteTakeover {
            mode: TakeoverMode::ForceSplit,
        }
    }

    /// The action body.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

impl Default for RemoteTakeover {
    /// [`RemoteTakeover::force_split`].
    fn default() -> Self {
        Self::force_split()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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
            .initial_copy()
            .data_reduction_force_copy();
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"copyGroupName":"remoteCopyGroup1","copyPairName":"pair1","replicationType":"TC","remoteStorageDeviceId":"886000123789","pvolLdevId":2108,"svolLdevId":1581,"localDeviceGroupName":"remoteCopyGroup1P_","remoteDeviceGroupName":"remoteCopyGroup1S_","isNewGroupCreation":true,"fenceLevel":"DATA","isConsistencyGroup":true,"consistencyGroupId":5,"copyPace":10,"pathGroupId":3,"doInitialCopy":true,"isDataReductionForceCopy":true})
        );
        spec.validate().unwrap();
        assert_eq!(
            spec.pair_id().to_string(),
            "886000123789,remoteCopyGroup1,remoteCopyGroup1P_,remoteCopyGroup1S_,pair1"
        );
        let plain = CreateRemoteCopyPair::tc(&remote(), "g", "p", 1, 2).no_initial_copy();
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            serde_json::json!({"copyGroupName":"g","copyPairName":"p","replicationType":"TC","remoteStorageDeviceId":"886000123789","pvolLdevId":1,"svolLdevId":2,"isNewGroupCreation":true,"doInitialCopy":false})
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
                .initial_copy()
                .data_reduction_force_copy();
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
        CreateRemoteCopyPair::tc(&r, &"g".repeat(29), "p", 1, 2)
            .validate()
            .unwrap();
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
        let pace = tc.clone().copy_pace(0).validate().unwrap_err();
        assert!(
            matches!(
                pace,
                HitachiError::InvalidInput {
                    what: "copy pace",
                    ..
                }
            ),
            "{pace:?}"
        );
        assert!(tc.clone().copy_pace(16).validate().is_err());
        tc.clone().copy_pace(15).validate().unwrap();
        assert!(tc.clone().mu_number(4).validate().is_err());
        assert!(tc.clone().path_group(256).validate().is_err());
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
    fn split_bodies() {
        assert_eq!(
            RemoteSplit::new(ReplicationType::Tc).to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC"}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Ur)
                .svol_operation_ssws()
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"UR","svolOperationMode":"SSWS"}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Tc)
                .write_protect_pvol()
                .svol_access(SvolAccessMode::ReadWrite)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC","svolAccessMode":"rw","doPvolWriteProtect":true}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Tc)
                .svol_access(SvolAccessMode::ReadOnly)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC","svolAccessMode":"r"}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Ur)
                .data_suspend()
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"UR","doDataSuspend":true}})
        );
        assert_eq!(
            RemoteSplit::new(ReplicationType::Gad).replication_type(),
            ReplicationType::Gad
        );
    }

    #[test]
    fn resync_and_takeover_bodies() {
        assert_eq!(
            RemoteResync::new(ReplicationType::Tc).to_body(),
            serde_json::json!({"parameters":{"replicationType":"TC"}})
        );
        assert_eq!(
            RemoteResync::new(ReplicationType::Gad)
                .swap_svol()
                .copy_pace(3)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"GAD","doSwapSvol":true,"copyPace":3}})
        );
        assert_eq!(
            RemoteResync::new(ReplicationType::Ur)
                .copy_pace(15)
                .to_body(),
            serde_json::json!({"parameters":{"replicationType":"UR","copyPace":15}})
        );
        RemoteResync::new(ReplicationType::Tc)
            .copy_pace(1)
            .validate()
            .unwrap();
        for bad in [0, 16] {
            assert!(
                RemoteResync::new(ReplicationType::Tc)
                    .copy_pace(bad)
                    .validate()
                    .is_err()
            );
        }
        assert_eq!(
            RemoteTakeover::force_split().to_body(),
            serde_json::json!({"parameters":{"mode":"forceSplit"}})
        );
        assert_eq!(
            serde_json::to_string(&RemoteTakeover::default().to_body()).unwrap(),
            r#"{"parameters":{"mode":"forceSplit"}}"#
        );
    }
}
