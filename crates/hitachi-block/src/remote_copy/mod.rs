//! TrueCopy, Universal Replicator and global-active device: remote mirror copy pairs and
//! copy groups (`remote-mirror-copypairs`, `remote-mirror-copygroups`, reference §13).
//!
//! Every request goes out in a session on this (the local) storage system and carries
//! `Remote-Authorization: Session <token>` from a session on the remote one. The two come
//! together once, checked, in a [`Remote`] ([`Session::remote`](crate::Session::remote));
//! pairs and copy groups are reached through it, and no verb takes the remote session
//! again:
//!
//! ```no_run
//! # async fn demo(
//! #     local: storkit_hitachi_block::Session,
//! #     remote_session: storkit_hitachi_block::Session,
//! # ) -> Result<(), storkit_core::Error> {
//! use storkit_hitachi_block::remote_copy::{RemoteResync, RemoteSplit};
//! use storkit_hitachi_block::{CreateRemoteCopyPair, PairStatus, ReplicationType};
//!
//! let remote = local.remote(&remote_session).await?; // one check, one GET
//! let spec = CreateRemoteCopyPair::ur(remote.remote_storage_device_id(), "UR_G", "p1", (350, 350), (0, 0));
//! let id = remote.pairs().create(&spec).await?; // from the job's affectedResources
//! remote.pairs().wait_for_status(&id, PairStatus::Pair).await?;
//! // The same verbs on the whole copy group.
//! let group = id.group();
//! remote.groups().split(&group, &RemoteSplit::new(ReplicationType::Ur)).await?;
//! remote.groups().resync(&group, &RemoteResync::new(ReplicationType::Ur)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! - **Verbs.** Pairs: create, get, list (of a group), split, resync, takeover, delete,
//!   wait for a status. Groups: list, get, split, resync, takeover. Every change is a
//!   [`Change`](crate::Change): `.await` sends and waits for the job, `.submit()` returns
//!   at the 202 with the job id.
//! - **`Job-Mode-Wait-Configuration-Change: NoWait`** goes with every create, delete,
//!   split, resync and takeover, as Cinder and Ansible send it for remote copy (reference
//!   §7). The header's official definition is UNKNOWN; the client option
//!   [`job_mode_wait`](crate::HitachiClientBuilder::job_mode_wait) turns it off. The job
//!   may then finish before the pair reaches its new status: wait for that with
//!   [`RemoteCopyPairs::wait_for_status`].
//! - **Locks.** Cinder takes the resource-group lock on both arrays (larger
//!   storageDeviceId first) around pair create and delete; [`Remote::lock_both`] does
//!   that with the handle's two sessions. Nothing here takes it by itself.
//! - **Input.** Ids, names, LDEV numbers, copy pace, and the remote array an id or spec
//!   names (it must be the handle's) are checked before anything is sent; bad input is a
//!   [`HitachiError::InvalidInput`].

mod handles;
mod ids;
mod specs;

use serde::Deserialize;

use crate::decode::{lenient, lenient_number, lenient_text, nullable_vec};
use crate::error::HitachiError;
use crate::ldevs::LdevId;
use crate::local_copy::PairStatus;

pub use handles::{Remote, RemoteCopyGroups, RemoteCopyPairs};
pub use ids::{RemoteCopyGroupId, RemoteCopyPairId};
pub use specs::{
    CreateRemoteCopyPair, FenceLevel, RemoteResync, RemoteSplit, RemoteTakeover, ReplicationType,
    SvolAccessMode,
};

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
    /// The P-VOL's status (`PAIR`, `COPY`, `PSUS`, `PSUE`, ...; `PFUL` and others as
    /// [`PairStatus::Other`]).
    #[serde(default, deserialize_with = "lenient")]
    pub pvol_status: Option<PairStatus>,
    /// The S-VOL's status (`SSUS` after a split, `SSWS` after a takeover, ...).
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

impl RemoteCopyGroup {
    /// The parsed id, when the server sent one.
    pub fn id(&self) -> Option<Result<RemoteCopyGroupId, HitachiError>> {
        self.remote_mirror_copy_group_id.as_deref().map(str::parse)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn decoding() {
        let p: RemoteCopyPair = serde_json::from_str(r#"{"remoteMirrorCopyPairId":"886000123789,cg,cgP_,cgS_,p","copyGroupName":"cg","copyPairName":"p","replicationType":"GAD","pvolLdevId":1,"svolLdevId":2,"pvolStatus":"PAIR","svolStatus":"SSWS","pvolIOMode":"L/M","consistencyGroupId":-1,"quorumDiskId":0,"muNumber":"0"}"#).unwrap();
        assert_eq!(p.id().unwrap().unwrap().pair, "p");
        assert_eq!(p.pvol_status, Some(PairStatus::Pair));
        assert_eq!(p.svol_status, Some(PairStatus::Ssws));
        assert_eq!(p.pvol_io_mode.as_deref(), Some("L/M"));
        assert_eq!(p.mu_number, Some(0));
        let g: RemoteCopyGroup = serde_json::from_str(r#"{"remoteMirrorCopyGroupId":"886000123789,cg,cgP_,cgS_","copyGroupName":"cg","remoteStorageDeviceId":"886000123789","localDeviceGroupName":"cgP_","remoteDeviceGroupName":"cgS_","copyPairs":[{"copyGroupName":"cg","copyPairName":"p","pvolLdevId":1,"svolLdevId":2}]}"#).unwrap();
        assert_eq!(g.copy_pairs.len(), 1);
        assert_eq!(g.id().unwrap().unwrap().copy_group, "cg");
        let bare: RemoteCopyGroup =
            serde_json::from_str(r#"{"copyGroupName":"cg","copyPairs":null}"#).unwrap();
        assert!(bare.copy_pairs.is_empty());
        assert!(bare.id().is_none());
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "remoteMirrorCopyPairId", "copyGroupName", "copyPairName", "pvolLdevId", "svolLdevId",
            "pvolStatus", "svolStatus", "copyPairs", "pvolIOMode", "muNumber",
        ])) {
            if let Ok(p) = serde_json::from_value::<RemoteCopyPair>(v.clone()) {
                let _ = p.id();
            }
            if let Ok(g) = serde_json::from_value::<RemoteCopyGroup>(v) {
                let _ = g.id();
            }
        }
    }
}
