//! Thin Image snapshots (`snapshots`): create, list, get, split, resync, restore, clone,
//! delete.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, list_data};
use crate::error::HitachiError;
use crate::host_groups::parse_number;
use crate::jobs::{AffectedResource, Change, Job};
use crate::ldevs::{LdevId, check_ldev_id};
use crate::local_copy::PairStatus;
use crate::names::check_name;
use crate::session::Session;

/// The largest Thin Image mirror unit number.
pub const MAX_MU_NUMBER: u32 = 1023;

/// A snapshot id: `pvolLdevId,muNumber`, e.g. `100,3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotId {
    /// The P-VOL's LDEV number.
    pub pvol_ldev_id: LdevId,
    /// The mirror unit number (0-1023).
    pub mu_number: u32,
}

impl SnapshotId {
    /// Snapshot `mu_number` of `pvol`.
    pub fn new(pvol_ldev_id: impl Into<LdevId>, mu_number: u32) -> Self {
        SnapshotId {
            pvol_ldev_id: pvol_ldev_id.into(),
            mu_number,
        }
    }

    fn validate(&self) -> Result<(), HitachiError> {
        check_ldev_id(self.pvol_ldev_id)?;
        check_mu(self.mu_number)
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.pvol_ldev_id, self.mu_number)
    }
}

impl FromStr for SnapshotId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let fail = || HitachiError::InvalidInput {
            what: "snapshot id",
            reason: format!("{s:?} is not pvolLdevId,muNumber"),
        };
        let [pvol, mu] = crate::checks::split_id::<2>("snapshot id", "pvolLdevId,muNumber", s)?;
        let id = SnapshotId::new(
            LdevId::from(parse_number(pvol).ok_or_else(fail)?),
            parse_number(mu).ok_or_else(fail)?,
        );
        id.validate().map_err(|_| fail())?;
        Ok(id)
    }
}

fn check_mu(mu: u32) -> Result<(), HitachiError> {
    if mu > MAX_MU_NUMBER {
        return Err(HitachiError::InvalidInput {
            what: "mirror unit number",
            reason: format!("{mu} is above {MAX_MU_NUMBER}"),
        });
    }
    Ok(())
}

/// How fast a clone copies (`copySpeed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CopySpeed {
    /// `slower`.
    Slower,
    /// `medium` (the server's default).
    Medium,
    /// `faster`.
    Faster,
}

/// The body of `POST snapshots`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateSnapshot {
    /// The snapshot group (created when it does not exist; 1-32 characters).
    pub snapshot_group_name: String,
    /// The pool holding the snapshot data.
    pub snapshot_pool_id: u32,
    /// The P-VOL.
    pub pvol_ldev_id: LdevId,
    /// The S-VOL; without it the snapshot is not mapped to a volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svol_ldev_id: Option<LdevId>,
    /// The mirror unit number; without it the server picks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mu_number: Option<u32>,
    /// Makes the snapshot group a consistency group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_consistency_group: Option<bool>,
    /// Splits (stores the snapshot data) as soon as the pair exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_split: Option<bool>,
    /// Lets the S-VOL be the P-VOL of further snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_cascade: Option<bool>,
    /// Makes a clone (a full copy) instead of a snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_clone: Option<bool>,
    /// Starts the clone's copy automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clones_automation: Option<bool>,
    /// How fast a clone copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_speed: Option<CopySpeed>,
    /// Allows pairs whose volumes differ in data reduction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_data_reduction_force_copy: Option<bool>,
}

impl CreateSnapshot {
    /// A snapshot of `pvol` in group `group`, its data in pool `pool`.
    pub fn new(group: &str, pool: u32, pvol: impl Into<LdevId>) -> Self {
        CreateSnapshot {
            snapshot_group_name: group.to_owned(),
            snapshot_pool_id: pool,
            pvol_ldev_id: pvol.into(),
            svol_ldev_id: None,
            mu_number: None,
            is_consistency_group: None,
            auto_split: None,
            can_cascade: None,
            is_clone: None,
            clones_automation: None,
            copy_speed: None,
            is_data_reduction_force_copy: None,
        }
    }

    /// Cinder's snapshot: mapped to `svol`, split at once, cascadable, data reduction
    /// mismatches allowed.
    pub fn cinder_snapshot(
        group: &str,
        pool: u32,
        pvol: impl Into<LdevId>,
        svol: impl Into<LdevId>,
    ) -> Self {
        CreateSnapshot::new(group, pool, pvol)
            .svol(svol)
            .auto_split(true)
            .can_cascade(true)
            .data_reduction_force_copy(true)
    }

    /// A clone of `pvol` into `svol`, copied automatically at `speed`.
    pub fn clone_of(
        group: &str,
        pool: u32,
        pvol: impl Into<LdevId>,
        svol: impl Into<LdevId>,
        speed: CopySpeed,
    ) -> Self {
        CreateSnapshot {
            is_clone: Some(true),
            clones_automation: Some(true),
            copy_speed: Some(speed),
            ..CreateSnapshot::new(group, pool, pvol).svol(svol)
        }
    }

    /// Maps the snapshot to an S-VOL.
    pub fn svol(mut self, svol: impl Into<LdevId>) -> Self {
        self.svol_ldev_id = Some(svol.into());
        self
    }

    /// Uses this mirror unit number.
    pub fn mu_number(mut self, mu: u32) -> Self {
        self.mu_number = Some(mu);
        self
    }

    /// Sets `isConsistencyGroup`.
    pub fn consistency_group(mut self, yes: bool) -> Self {
        self.is_consistency_group = Some(yes);
        self
    }

    /// Sets `autoSplit`.
    pub fn auto_split(mut self, yes: bool) -> Self {
        self.auto_split = Some(yes);
        self
    }

    /// Sets `canCascade`.
    pub fn can_cascade(mut self, yes: bool) -> Self {
        self.can_cascade = Some(yes);
        self
    }

    /// Sets `isDataReductionForceCopy`.
    pub fn data_reduction_force_copy(mut self, yes: bool) -> Self {
        self.is_data_reduction_force_copy = Some(yes);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        check_name("snapshot group name", &self.snapshot_group_name, 32)?;
        check_ldev_id(self.pvol_ldev_id)?;
        let invalid = |reason: &str| HitachiError::InvalidInput {
            what: "snapshot",
            reason: reason.to_owned(),
        };
        if let Some(s) = self.svol_ldev_id {
            check_ldev_id(s)?;
            if s == self.pvol_ldev_id {
                return Err(invalid("the P-VOL and S-VOL must be different LDEVs"));
            }
        }
        if let Some(mu) = self.mu_number {
            check_mu(mu)?;
        }
        let clone = self.is_clone == Some(true);
        if clone && self.svol_ldev_id.is_none() {
            return Err(invalid("a clone needs an S-VOL"));
        }
        if !clone && (self.copy_speed.is_some() || self.clones_automation.is_some()) {
            return Err(invalid(
                "copy speed and clone automation only apply to clones",
            ));
        }
        Ok(())
    }
}

/// A Thin Image pair as `GET snapshots[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Snapshot {
    /// The P-VOL.
    pub pvol_ldev_id: LdevId,
    /// The mirror unit number.
    pub mu_number: u32,
    /// The S-VOL, if the snapshot is mapped to one.
    #[serde(default, deserialize_with = "lenient_number")]
    pub svol_ldev_id: Option<LdevId>,
    /// The snapshot group.
    #[serde(default, deserialize_with = "lenient_text")]
    pub snapshot_group_name: Option<String>,
    /// `P-VOL` or `S-VOL`: which side the listed volume is.
    #[serde(default, deserialize_with = "lenient_text")]
    pub primary_or_secondary: Option<String>,
    /// The pair status (`PAIR`, `PSUS`, `COPY`, `RCPY`, `PSUE`; others such as `PFUS` or
    /// `SMPP` as [`PairStatus::Other`]).
    #[serde(default, deserialize_with = "lenient")]
    pub status: Option<PairStatus>,
    /// The pool holding the snapshot data.
    #[serde(default, deserialize_with = "lenient_number")]
    pub snapshot_pool_id: Option<u32>,
    /// The id as `snapshotId` (Cinder reads this one).
    #[serde(default, deserialize_with = "lenient_text")]
    pub snapshot_id: Option<String>,
    /// The id as `snapshotReplicationId`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub snapshot_replication_id: Option<String>,
    /// How much of the data matches (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub concordance_rate: Option<u32>,
    /// Clone progress (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub progress_rate: Option<u32>,
    /// Whether the group is a consistency group.
    #[serde(default, deserialize_with = "lenient")]
    pub is_consistency_group: Option<bool>,
    /// Whether the S-VOL was written to.
    #[serde(default, deserialize_with = "lenient")]
    pub is_written_in_svol: Option<bool>,
    /// Whether the pair is a clone.
    #[serde(default, deserialize_with = "lenient")]
    pub is_clone: Option<bool>,
    /// Whether the S-VOL can cascade.
    #[serde(default, deserialize_with = "lenient")]
    pub can_cascade: Option<bool>,
    /// Whether the pair is redirect-on-write (Thin Image Advanced).
    #[serde(default, deserialize_with = "lenient")]
    pub is_redirect_on_write: Option<bool>,
    /// When the snapshot data was stored (ISO 8601).
    #[serde(default, deserialize_with = "lenient_text")]
    pub split_time: Option<String>,
    /// Processing status of the P-VOL.
    #[serde(default, deserialize_with = "lenient_text")]
    pub pvol_processing_status: Option<String>,
    /// Processing status of the S-VOL.
    #[serde(default, deserialize_with = "lenient_text")]
    pub svol_processing_status: Option<String>,
    /// Retention period (hours).
    #[serde(default, deserialize_with = "lenient_number")]
    pub retention_period: Option<u64>,
}

impl Snapshot {
    /// The typed id.
    pub fn id(&self) -> SnapshotId {
        SnapshotId::new(self.pvol_ldev_id, self.mu_number)
    }
}

/// Which volume a snapshot list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotFilter {
    /// The snapshots of this P-VOL (`pvolLdevId`).
    Pvol(LdevId),
    /// The snapshot mapped to this S-VOL (`svolLdevId`).
    Svol(LdevId),
}

/// Thin Image pairs of a session's storage system (`snapshots`).
#[derive(Debug, Clone, Copy)]
pub struct Snapshots<'a> {
    session: &'a Session,
}

impl Session {
    /// Thin Image snapshots.
    pub fn snapshots(&self) -> Snapshots<'_> {
        Snapshots { session: self }
    }
}

impl Snapshots<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/snapshots{rest}"))
    }

    /// Creates a snapshot; the change's result is its job.
    pub fn create_job(&self, spec: &CreateSnapshot) -> Change<Job> {
        Change::checked(
            self.session,
            spec.validate(),
            Method::POST,
            self.path(""),
            Some(spec),
        )
    }

    /// Creates a snapshot; the change's result is its id, as the job's
    /// `affectedResources` names it ([`HitachiError::NoAffectedResource`] when it names
    /// none, even when the request gave the mirror unit).
    pub fn create(&self, spec: &CreateSnapshot) -> Change<SnapshotId> {
        self.create_job(spec).created("snapshot", |r| match r {
            AffectedResource::Snapshot(id) => Some(id),
            _ => None,
        })
    }

    /// The snapshots of a P-VOL, or the one of an S-VOL.
    pub async fn list(&self, filter: SnapshotFilter) -> Result<Vec<Snapshot>, Error> {
        let (key, id) = match filter {
            SnapshotFilter::Pvol(id) => ("pvolLdevId", id),
            SnapshotFilter::Svol(id) => ("svolLdevId", id),
        };
        check_ldev_id(id)?;
        let request = Request::get(self.path("")).query(key, &id.to_string());
        list_data(self.session, request).await
    }

    /// One snapshot.
    pub async fn get(&self, id: SnapshotId) -> Result<Snapshot, Error> {
        id.validate()?;
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    fn invoke(&self, id: SnapshotId, action: &str, body: Option<serde_json::Value>) -> Change<Job> {
        Change::checked(
            self.session,
            id.validate(),
            Method::POST,
            self.path(&format!("/{id}/actions/{action}/invoke")),
            body.as_ref(),
        )
    }

    /// Stores the snapshot data (split): `POST .../actions/split/invoke`, no body (the
    /// documented example sends an empty one).
    pub fn split(&self, id: SnapshotId) -> Change<Job> {
        self.invoke(id, "split", None)
    }

    /// Discards the snapshot data and pairs the volumes again (resync), no body.
    pub fn resync(&self, id: SnapshotId) -> Change<Job> {
        self.invoke(id, "resync", None)
    }

    /// Writes the snapshot data back to the P-VOL; `after` says what becomes of the pair
    /// once restored (Cinder asks for [`AfterRestore::Split`]).
    pub fn restore(&self, id: SnapshotId, after: AfterRestore) -> Change<Job> {
        self.invoke(id, "restore", after.body())
    }

    /// Turns the snapshot into a full copy: `{"parameters": {"copySpeed": ...}}`, or no
    /// body for the server's default speed (medium).
    pub fn clone_pair(&self, id: SnapshotId, speed: Option<CopySpeed>) -> Change<Job> {
        let body = speed.map(|s| serde_json::json!({ "parameters": { "copySpeed": s } }));
        self.invoke(id, "clone", body)
    }

    /// Deletes a snapshot (`DELETE snapshots/{pvol},{mu}`).
    pub fn delete(&self, id: SnapshotId) -> Change<Job> {
        Change::checked::<()>(
            self.session,
            id.validate(),
            Method::DELETE,
            self.path(&format!("/{id}")),
            None,
        )
    }
}

/// What becomes of a Thin Image pair once [`Snapshots::restore`] has written the snapshot
/// back to the P-VOL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterRestore {
    /// Whatever the server does by default (no body is sent).
    #[default]
    ServerDefault,
    /// Split again, keeping the snapshot (`{"parameters": {"autoSplit": true}}`, as Cinder
    /// sends it).
    Split,
    /// Stay paired (`{"parameters": {"autoSplit": false}}`).
    StayPaired,
}

impl AfterRestore {
    fn body(self) -> Option<serde_json::Value> {
        let auto_split = match self {
            AfterRestore::ServerDefault => return None,
            AfterRestore::Split => true,
            AfterRestore::StayPaired => false,
        };
        Some(serde_json::json!({ "parameters": { "autoSplit": auto_split } }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn reference_bodies() {
        // Cinder `_create_snap_pair`.
        assert_eq!(
            serde_json::to_value(CreateSnapshot::cinder_snapshot("HBSD-snap5", 0, 100, 200))
                .unwrap(),
            serde_json::json!({"snapshotGroupName":"HBSD-snap5","snapshotPoolId":0,"pvolLdevId":100,"svolLdevId":200,"autoSplit":true,"canCascade":true,"isDataReductionForceCopy":true})
        );
        // Cinder `_create_regular_clone_pair` (without its isDataReductionForceCopy).
        assert_eq!(
            serde_json::to_value(CreateSnapshot::clone_of(
                "HBSD-clone5",
                0,
                100,
                200,
                CopySpeed::Faster
            ))
            .unwrap(),
            serde_json::json!({"snapshotGroupName":"HBSD-clone5","snapshotPoolId":0,"pvolLdevId":100,"svolLdevId":200,"isClone":true,"clonesAutomation":true,"copySpeed":"faster"})
        );
        assert_eq!(
            serde_json::to_value(
                CreateSnapshot::new("g", 1, 5)
                    .consistency_group(true)
                    .mu_number(3)
            )
            .unwrap(),
            serde_json::json!({"snapshotGroupName":"g","snapshotPoolId":1,"pvolLdevId":5,"muNumber":3,"isConsistencyGroup":true})
        );
    }

    #[test]
    fn validation() {
        CreateSnapshot::new("g", 0, 1).validate().unwrap();
        assert!(CreateSnapshot::new("g", 0, 1).svol(1).validate().is_err());
        assert!(CreateSnapshot::new("", 0, 1).validate().is_err());
        assert!(
            CreateSnapshot::new(&"g".repeat(33), 0, 1)
                .validate()
                .is_err()
        );
        assert!(
            CreateSnapshot::new("g", 0, 1)
                .mu_number(1024)
                .validate()
                .is_err()
        );
        assert!(CreateSnapshot::new("g", 0, 70_000).validate().is_err());
        let clone = CreateSnapshot::clone_of("g", 0, 1, 2, CopySpeed::Medium);
        clone.validate().unwrap();
        assert!(
            CreateSnapshot {
                svol_ldev_id: None,
                ..clone.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            CreateSnapshot {
                is_clone: None,
                ..clone
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn ids_and_decoding() {
        let id: SnapshotId = "100,3".parse().unwrap();
        assert_eq!(id, SnapshotId::new(100, 3));
        assert_eq!(id.to_string(), "100,3");
        for bad in [
            "100", "100,", ",3", "100,1024", "70000,1", "100,3,1", "-1,3", "a,b",
        ] {
            assert!(bad.parse::<SnapshotId>().is_err(), "{bad}");
        }
        let s: Snapshot = serde_json::from_str(r#"{"snapshotGroupName":"g","primaryOrSecondary":"P-VOL","status":"PSUS","pvolLdevId":100,"muNumber":3,"svolLdevId":200,"snapshotPoolId":0,"concordanceRate":100,"isConsistencyGroup":false,"isWrittenInSvol":false,"isClone":false,"canCascade":true,"splitTime":"2024-01-01T00:00:00","snapshotId":"100,3","snapshotReplicationId":"100,3"}"#).unwrap();
        assert_eq!(s.id(), id);
        assert_eq!(s.status, Some(PairStatus::Psus));
        let odd: Snapshot = serde_json::from_str(
            r#"{"pvolLdevId":100,"muNumber":3,"status":"SMPP","svolLdevId":null}"#,
        )
        .unwrap();
        assert_eq!(odd.status, Some(PairStatus::Other("SMPP".into())));
        assert_eq!(odd.svol_ldev_id, None);
    }

    #[tokio::test]
    async fn wire() {
        let fake = testing::Fake::start([127, 0, 0, 208], |seen| match seen.method.as_str() {
            "POST" | "DELETE" => Some((202, testing::job("/snapshots/100,3"))),
            "GET" => Some((
                200,
                serde_json::json!({"data": [{"pvolLdevId": 100, "muNumber": 3, "status": "PAIR"}]}),
            )),
            _ => None,
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let snaps = session.snapshots();
        let id = snaps
            .create(&CreateSnapshot::new("g", 0, 100))
            .await
            .unwrap();
        assert_eq!(id, SnapshotId::new(100, 3));
        assert_eq!(
            snaps.list(SnapshotFilter::Pvol(100.into())).await.unwrap()[0].id(),
            id
        );
        snaps.split(id).await.unwrap();
        snaps.resync(id).await.unwrap();
        snaps.restore(id, AfterRestore::Split).await.unwrap();
        snaps.delete(id).await.unwrap();
        session.close().await.unwrap();
        let seen: Vec<String> = fake
            .requests()
            .into_iter()
            .map(|s| {
                let ct = s
                    .headers
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned());
                format!(
                    "{} {}?{} {}",
                    s.method,
                    testing::rel(&s.path),
                    s.query,
                    ct.unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                "POST /snapshots? application/json",
                "GET /snapshots?pvolLdevId=100 ",
                "POST /snapshots/100,3/actions/split/invoke? ",
                "POST /snapshots/100,3/actions/resync/invoke? ",
                "POST /snapshots/100,3/actions/restore/invoke? application/json",
                "DELETE /snapshots/100,3? ",
            ]
        );
    }

    proptest! {
        #[test]
        fn ids_round_trip(pvol in 0u32..=65535, mu in 0u32..=1023) {
            let id = SnapshotId::new(pvol, mu);
            prop_assert_eq!(id.to_string().parse::<SnapshotId>().unwrap(), id);
        }

        #[test]
        fn id_parsing_never_panics(s in ".{0,24}") {
            let _ = s.parse::<SnapshotId>();
        }

        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "pvolLdevId", "muNumber", "svolLdevId", "status", "snapshotGroupName", "snapshotId",
            "isClone", "concordanceRate",
        ])) {
            if let Ok(s) = serde_json::from_value::<Snapshot>(v) {
                let _ = s.id().to_string();
            }
        }
    }
}
