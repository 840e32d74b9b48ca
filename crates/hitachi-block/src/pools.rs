//! Pools (DP, Thin Image, ...): list, get, create, change settings, expand, shrink,
//! delete.
//!
//! A pool is built from pool volumes: basic LDEVs (in a parity group, see
//! [`CreateLdev::basic`](crate::CreateLdev::basic)). Creating, expanding and shrinking
//! name those LDEVs ([`PoolVolumes`]); to give a pool a parity group's capacity, create
//! basic LDEVs in the parity group first. Every change is an asynchronous job.
//!
//! Request bodies follow the public clients of the embedded REST API (the Hitachi Vantara
//! Ansible collection: `POST pools`, `PATCH pools/{id}`, `DELETE pools/{id}`,
//! `pools/{id}/actions/{expand,shrink,stop-shrinking}/invoke`). The official reference
//! pages for these requests are not public; what no source states is marked UNKNOWN.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, list_data};
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job};
use crate::ldevs::{LdevId, check_ldev_id};
use crate::session::Session;

/// A pool number.
pub type PoolId = u32;

/// The largest pool number the client sends. UNKNOWN: VSP G/F and 5000 models number
/// their pools 0-127 (the Ansible collection allows up to 256); no public source gives a
/// limit for every model, so the client only refuses numbers beyond what any model uses
/// and leaves the model's own limit to the server.
pub const MAX_POOL_ID: PoolId = 1023;

/// The longest pool name: 32 characters (the pool-name rule of the Storage Advisor
/// Embedded API; the same limit for the `v1` API is INFERRED).
pub const MAX_POOL_NAME: usize = 32;

/// The most pool volumes one create, expand or shrink names. The Ansible collection refuses
/// ranges of more than 64 LDEVs ("no more than 64 LDEVs"); applying the same limit to a
/// list of LDEV numbers is UNKNOWN (a choice: the safer reading).
pub const MAX_POOL_VOLUMES_PER_REQUEST: usize = 64;

/// A pool as `GET pools[/{id}]` reports it. Capacities are in MB as the API reports them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pool {
    /// The pool number.
    pub pool_id: u32,
    /// The pool's name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_name: Option<String>,
    /// e.g. `HDP` (Dynamic Provisioning), `HDT` (Dynamic Tiering), `HTI` (Thin Image),
    /// `RT` (real-time tiering).
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_type: Option<String>,
    /// e.g. `POLN` (normal), `POLF` (over the threshold), `POLS` (suspended), `POLE`
    /// (failure).
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_status: Option<String>,
    /// Used capacity in percent.
    #[serde(default, deserialize_with = "lenient_number")]
    pub used_capacity_rate: Option<u32>,
    /// Used physical capacity in percent.
    #[serde(default, deserialize_with = "lenient_number")]
    pub used_physical_capacity_rate: Option<u32>,
    /// Total capacity (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_pool_capacity: Option<u64>,
    /// Free capacity for volumes (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub available_volume_capacity: Option<u64>,
    /// Total physical capacity (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_physical_capacity: Option<u64>,
    /// Free physical capacity for volumes (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub available_physical_volume_capacity: Option<u64>,
    /// Capacity of the DP volumes placed in the pool (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_located_capacity: Option<u64>,
    /// Number of DP volumes in the pool.
    #[serde(default, deserialize_with = "lenient_number")]
    pub located_volume_count: Option<u32>,
    /// Number of Thin Image pairs using the pool.
    #[serde(default, deserialize_with = "lenient_number")]
    pub snapshot_count: Option<u32>,
    /// Warning threshold (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub warning_threshold: Option<u32>,
    /// Depletion threshold (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub depletion_threshold: Option<u32>,
    /// Subscription limit (percent of the pool's capacity the DP volumes may total).
    #[serde(default, deserialize_with = "lenient_number")]
    pub virtual_volume_capacity_rate: Option<i64>,
    /// Whether the pool is being shrunk.
    #[serde(default, deserialize_with = "lenient")]
    pub is_shrinking: Option<bool>,
    /// Whether the pool is for mainframe volumes.
    #[serde(default, deserialize_with = "lenient")]
    pub is_mainframe: Option<bool>,
}

/// The kind of a pool (`poolType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PoolType {
    /// Dynamic Provisioning (`HDP`).
    #[serde(rename = "HDP")]
    Hdp,
    /// Dynamic Tiering (`HDT`).
    #[serde(rename = "HDT")]
    Hdt,
    /// Thin Image snapshots (`HTI`).
    #[serde(rename = "HTI")]
    Hti,
    /// Active flash, real-time tiering (`RT`). Not a creation type: create an `HDT` pool
    /// and change its type (the Ansible collection's way).
    #[serde(rename = "RT")]
    Rt,
}

impl PoolType {
    /// The value as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolType::Hdp => "HDP",
            PoolType::Hdt => "HDT",
            PoolType::Hti => "HTI",
            PoolType::Rt => "RT",
        }
    }
}

/// The pool volumes (basic LDEVs) a create, expand or shrink names: a list of LDEV
/// numbers (`ldevIds`) or a range (`startLdevId` + `endLdevId`, inclusive). At most
/// [`MAX_POOL_VOLUMES_PER_REQUEST`] LDEVs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PoolVolumes {
    /// These LDEVs.
    Ldevs {
        /// The LDEV numbers.
        #[serde(rename = "ldevIds")]
        ldev_ids: Vec<LdevId>,
    },
    /// The LDEVs `start..=end`.
    Range {
        /// The first LDEV.
        #[serde(rename = "startLdevId")]
        start: LdevId,
        /// The last LDEV (inclusive).
        #[serde(rename = "endLdevId")]
        end: LdevId,
    },
}

impl PoolVolumes {
    /// These LDEVs.
    pub fn ldevs<I: Into<LdevId>>(ids: impl IntoIterator<Item = I>) -> Self {
        PoolVolumes::Ldevs {
            ldev_ids: ids.into_iter().map(Into::into).collect(),
        }
    }

    /// The LDEVs `start..=end`.
    pub fn range(start: impl Into<LdevId>, end: impl Into<LdevId>) -> Self {
        PoolVolumes::Range {
            start: start.into(),
            end: end.into(),
        }
    }

    /// The LDEV numbers named, in order (a range written out).
    pub fn to_ids(&self) -> Vec<LdevId> {
        match self {
            PoolVolumes::Ldevs { ldev_ids } => ldev_ids.clone(),
            PoolVolumes::Range { start, end } => {
                (start.get()..=end.get()).map(LdevId::from).collect()
            }
        }
    }

    /// Checks what the server would reject, before sending: no LDEVs, too many, a number
    /// above the LDEV limit, a repeated number, a reversed range.
    pub fn validate(&self) -> Result<(), HitachiError> {
        let invalid = |reason: String| HitachiError::InvalidInput {
            what: "pool volumes",
            reason,
        };
        let count = match self {
            PoolVolumes::Ldevs { ldev_ids } => {
                let mut seen = BTreeSet::new();
                for id in ldev_ids {
                    check_ldev_id(*id)?;
                    if !seen.insert(*id) {
                        return Err(invalid(format!("LDEV {id} is named twice")));
                    }
                }
                ldev_ids.len()
            }
            PoolVolumes::Range { start, end } => {
                check_ldev_id(*start)?;
                check_ldev_id(*end)?;
                if start > end {
                    return Err(invalid(format!("the range {start}-{end} is reversed")));
                }
                // Both at most MAX_LDEV_ID, so this neither overflows nor truncates.
                (end.get() - start.get()) as usize + 1
            }
        };
        if count == 0 {
            return Err(invalid("name at least one LDEV".to_owned()));
        }
        if count > MAX_POOL_VOLUMES_PER_REQUEST {
            return Err(invalid(format!(
                "{count} LDEVs; one request takes at most {MAX_POOL_VOLUMES_PER_REQUEST}"
            )));
        }
        Ok(())
    }
}

/// The body of `POST pools`: number, name, type and pool volumes, with optional
/// thresholds. Unset fields are not sent (the server's defaults apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreatePool {
    /// The pool number (the Ansible collection always sends one; whether the server picks
    /// a free number without it is UNKNOWN, so it is required here).
    pub pool_id: PoolId,
    /// The name, 1-32 characters.
    pub pool_name: String,
    /// `HDP`, `HDT` or `HTI`.
    pub pool_type: PoolType,
    /// The pool volumes.
    #[serde(flatten)]
    pub volumes: PoolVolumes,
    /// Warning threshold, percent of the pool used (1-100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_threshold: Option<u32>,
    /// Depletion threshold, percent of the pool used (1-100, not below the warning
    /// threshold); not for Thin Image pools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depletion_threshold: Option<u32>,
    /// The LDEVs for the deduplication system data volumes, which enable deduplication on
    /// the pool (`duplicationLdevIds`; the models that support it are listed in the
    /// Ansible collection: VSP G200-G800, F400-F800, G1000, G1500, F1500, N400-N800).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplication_ldev_ids: Option<Vec<LdevId>>,
}

impl CreatePool {
    /// A pool `pool_id` named `name` of `pool_type` on `volumes`.
    pub fn new(pool_id: PoolId, name: &str, pool_type: PoolType, volumes: PoolVolumes) -> Self {
        CreatePool {
            pool_id,
            pool_name: name.to_owned(),
            pool_type,
            volumes,
            warning_threshold: None,
            depletion_threshold: None,
            duplication_ldev_ids: None,
        }
    }

    /// Sets the warning threshold (percent).
    pub fn warning_threshold(mut self, percent: u32) -> Self {
        self.warning_threshold = Some(percent);
        self
    }

    /// Sets the depletion threshold (percent).
    pub fn depletion_threshold(mut self, percent: u32) -> Self {
        self.depletion_threshold = Some(percent);
        self
    }

    /// Enables deduplication with these LDEVs as the deduplication system data volumes.
    pub fn deduplication_volumes<I: Into<LdevId>>(
        mut self,
        ids: impl IntoIterator<Item = I>,
    ) -> Self {
        self.duplication_ldev_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        check_pool_id(self.pool_id)?;
        check_pool_name(&self.pool_name)?;
        if self.pool_type == PoolType::Rt {
            return Err(HitachiError::InvalidInput {
                what: "pool type",
                reason: "an RT pool is created as HDT and then changed to RT".to_owned(),
            });
        }
        self.volumes.validate()?;
        if self.pool_type == PoolType::Hti && self.depletion_threshold.is_some() {
            return Err(HitachiError::InvalidInput {
                what: "depletion threshold",
                reason: "Thin Image pools have none".to_owned(),
            });
        }
        check_thresholds(self.warning_threshold, self.depletion_threshold)?;
        if let Some(ids) = &self.duplication_ldev_ids {
            if ids.is_empty() {
                return Err(HitachiError::InvalidInput {
                    what: "deduplication volumes",
                    reason: "name at least one LDEV".to_owned(),
                });
            }
            let pool_volumes = self.volumes.to_ids();
            for id in ids {
                check_ldev_id(*id)?;
                if pool_volumes.contains(id) {
                    return Err(HitachiError::InvalidInput {
                        what: "deduplication volumes",
                        reason: format!("LDEV {id} is also a pool volume"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// How Dynamic Tiering monitors performance (`monitoringMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum MonitoringMode {
    /// Period mode (`PM`).
    #[serde(rename = "PM")]
    Period,
    /// Continuous mode (`CM`).
    #[serde(rename = "CM")]
    Continuous,
}

/// What happens to DP volumes when the pool fills or is blocked (`blockingMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum BlockingMode {
    /// Protect when the pool is full (`PF`).
    #[serde(rename = "PF")]
    PoolFull,
    /// Protect when a pool volume is blocked (`PB`).
    #[serde(rename = "PB")]
    PoolVolumeBlocked,
    /// Protect in both cases (`FB`).
    #[serde(rename = "FB")]
    FullOrBlocked,
    /// No protection (`NB`).
    #[serde(rename = "NB")]
    None,
}

/// The subscription limit: how much DP volume capacity the pool may carry, in percent of
/// its capacity (`virtualVolumeCapacityRate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscriptionLimit {
    /// No limit, sent as `-1` (the value `GET pools` reports for it; that the PATCH takes
    /// `-1` is UNKNOWN).
    Unlimited,
    /// At most this percent (0-65534, RAID Manager's range for the same setting).
    Percent(u32),
}

/// The largest subscription limit in percent.
pub const MAX_SUBSCRIPTION_PERCENT: u32 = 65534;

impl Serialize for SubscriptionLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SubscriptionLimit::Unlimited => s.serialize_i64(-1),
            SubscriptionLimit::Percent(p) => s.serialize_u32(*p),
        }
    }
}

/// Dynamic Tiering settings of one tier (`tier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TierSettings {
    /// The tier, 1-3.
    pub tier_number: u32,
    /// Free space kept for new page assignment, percent (0-100; the server may allow
    /// less, UNKNOWN).
    pub tablespace_rate: u32,
    /// Buffer for relocation, percent (0-100; the server may allow less, UNKNOWN).
    pub buffer_rate: u32,
}

impl TierSettings {
    /// Settings for tier `tier_number`.
    pub fn new(tier_number: u32, tablespace_rate: u32, buffer_rate: u32) -> Self {
        TierSettings {
            tier_number,
            tablespace_rate,
            buffer_rate,
        }
    }
}

/// The body of `PATCH pools/{id}`: only the fields set are sent, and at least one must
/// be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangePool {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_name: Option<String>,
    /// A new type (e.g. `HDT` → `RT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_type: Option<PoolType>,
    /// Warning threshold (percent, 1-100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_threshold: Option<u32>,
    /// Depletion threshold (percent, 1-100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depletion_threshold: Option<u32>,
    /// Subscription limit.
    #[serde(
        rename = "virtualVolumeCapacityRate",
        skip_serializing_if = "Option::is_none"
    )]
    pub subscription_limit: Option<SubscriptionLimit>,
    /// Whether Thin Image pairs are suspended when the depletion threshold is exceeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend_snapshot: Option<bool>,
    /// Dynamic Tiering monitoring mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitoring_mode: Option<MonitoringMode>,
    /// Protection of DP volumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_mode: Option<BlockingMode>,
    /// Dynamic Tiering settings of one tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierSettings>,
}

/// Whether Thin Image pairs are suspended when the pool passes its depletion threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnapshotSuspension {
    /// Suspend them (`suspendSnapshot: true`).
    Suspend,
    /// Keep them (`suspendSnapshot: false`).
    Keep,
}

impl ChangePool {
    /// No change yet: add one with the methods below.
    pub fn new() -> Self {
        ChangePool::default()
    }

    /// Renames the pool.
    pub fn name(mut self, name: &str) -> Self {
        self.pool_name = Some(name.to_owned());
        self
    }

    /// Changes the pool's type.
    pub fn pool_type(mut self, pool_type: PoolType) -> Self {
        self.pool_type = Some(pool_type);
        self
    }

    /// Sets the warning threshold (percent).
    pub fn warning_threshold(mut self, percent: u32) -> Self {
        self.warning_threshold = Some(percent);
        self
    }

    /// Sets the depletion threshold (percent).
    pub fn depletion_threshold(mut self, percent: u32) -> Self {
        self.depletion_threshold = Some(percent);
        self
    }

    /// Sets the subscription limit.
    pub fn subscription_limit(mut self, limit: SubscriptionLimit) -> Self {
        self.subscription_limit = Some(limit);
        self
    }

    /// Sets what happens to Thin Image pairs past the depletion threshold.
    pub fn snapshots_past_depletion(mut self, what: SnapshotSuspension) -> Self {
        self.suspend_snapshot = Some(what == SnapshotSuspension::Suspend);
        self
    }

    /// Sets the Dynamic Tiering monitoring mode.
    pub fn monitoring_mode(mut self, mode: MonitoringMode) -> Self {
        self.monitoring_mode = Some(mode);
        self
    }

    /// Sets the protection of DP volumes.
    pub fn blocking_mode(mut self, mode: BlockingMode) -> Self {
        self.blocking_mode = Some(mode);
        self
    }

    /// Sets one tier's Dynamic Tiering settings.
    pub fn tier(mut self, tier: TierSettings) -> Self {
        self.tier = Some(tier);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        if *self == ChangePool::default() {
            return Err(HitachiError::InvalidInput {
                what: "pool change",
                reason: "nothing to change".to_owned(),
            });
        }
        if let Some(name) = &self.pool_name {
            check_pool_name(name)?;
        }
        if self.pool_type == Some(PoolType::Hti) {
            return Err(HitachiError::InvalidInput {
                what: "pool type",
                reason: "a pool cannot become a Thin Image pool".to_owned(),
            });
        }
        check_thresholds(self.warning_threshold, self.depletion_threshold)?;
        if let Some(SubscriptionLimit::Percent(p)) = self.subscription_limit
            && p > MAX_SUBSCRIPTION_PERCENT
        {
            return Err(HitachiError::InvalidInput {
                what: "subscription limit",
                reason: format!("{p}% is above {MAX_SUBSCRIPTION_PERCENT}%"),
            });
        }
        if let Some(t) = self.tier {
            if !(1..=3).contains(&t.tier_number) {
                return Err(HitachiError::InvalidInput {
                    what: "tier",
                    reason: format!("tier {} is not 1-3", t.tier_number),
                });
            }
            for (what, rate) in [
                ("tablespace rate", t.tablespace_rate),
                ("buffer rate", t.buffer_rate),
            ] {
                if rate > 100 {
                    return Err(HitachiError::InvalidInput {
                        what: "tier",
                        reason: format!("the {what} {rate}% is above 100%"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Checks a pool number against [`MAX_POOL_ID`].
pub(crate) fn check_pool_id(id: PoolId) -> Result<(), HitachiError> {
    if id > MAX_POOL_ID {
        return Err(HitachiError::InvalidInput {
            what: "pool id",
            reason: format!("{id} is above {MAX_POOL_ID}"),
        });
    }
    Ok(())
}

/// Checks a pool name: 1-32 characters of `A-Z a-z 0-9`, space and `, - . / : @ \ _`
/// (the documented pool-name characters of the Storage Advisor Embedded API; the same set
/// for the `v1` API is INFERRED), not starting or ending with a space.
fn check_pool_name(name: &str) -> Result<(), HitachiError> {
    let fail = |reason: String| {
        Err(HitachiError::InvalidInput {
            what: "pool name",
            reason,
        })
    };
    if name.is_empty() {
        return fail("must not be empty".to_owned());
    }
    if name.chars().count() > MAX_POOL_NAME {
        return fail(format!(
            "{name:?} is longer than {MAX_POOL_NAME} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " ,-./:@\\_".contains(*c)))
    {
        return fail(format!("{name:?} contains {c:?}"));
    }
    if name.starts_with(' ') || name.ends_with(' ') {
        return fail(format!("{name:?} starts or ends with a space"));
    }
    Ok(())
}

/// Checks thresholds: 1-100 percent each, the warning not above the depletion.
fn check_thresholds(warning: Option<u32>, depletion: Option<u32>) -> Result<(), HitachiError> {
    for (what, value) in [
        ("warning threshold", warning),
        ("depletion threshold", depletion),
    ] {
        if let Some(v) = value
            && !(1..=100).contains(&v)
        {
            return Err(HitachiError::InvalidInput {
                what,
                reason: format!("{v}% is outside 1-100%"),
            });
        }
    }
    if let (Some(w), Some(d)) = (warning, depletion)
        && w > d
    {
        return Err(HitachiError::InvalidInput {
            what: "warning threshold",
            reason: format!("{w}% is above the depletion threshold {d}%"),
        });
    }
    Ok(())
}

/// Pools of a session's storage system (`pools`).
#[derive(Debug, Clone, Copy)]
pub struct Pools<'a> {
    session: &'a Session,
}

impl Session {
    /// Pools.
    pub fn pools(&self) -> Pools<'_> {
        Pools { session: self }
    }
}

impl Pools<'_> {
    fn path(&self, rest: &str) -> String {
        self.session.client().object_path(&format!("/pools{rest}"))
    }

    /// All pools (the reference knows no paging for pools).
    pub async fn list(&self) -> Result<Vec<Pool>, Error> {
        list_data(self.session, Request::get(self.path(""))).await
    }

    /// One pool.
    pub async fn get(&self, pool_id: u32) -> Result<Pool, Error> {
        self.session
            .get_json(&self.path(&format!("/{pool_id}")))
            .await
    }

    /// Creates a pool (`POST pools`); the change's result is its finished job.
    pub fn create_job(&self, spec: &CreatePool) -> Change<Job> {
        Change::checked(
            self.session,
            spec.validate(),
            Method::POST,
            self.path(""),
            Some(spec),
        )
    }

    /// Creates a pool; the change's result is its number, as the job names it in
    /// `affectedResources`; a job that names no pool is
    /// [`HitachiError::NoAffectedResource`] (the number is never taken from the request).
    pub fn create(&self, spec: &CreatePool) -> Change<PoolId> {
        self.create_job(spec).map(|job| created_pool(&job))
    }

    /// Changes a pool's settings (`PATCH pools/{id}` with the fields set in `change`).
    pub fn change(&self, pool_id: PoolId, change: &ChangePool) -> Change<Job> {
        Change::checked(
            self.session,
            check_pool_id(pool_id).and_then(|()| change.validate()),
            Method::PATCH,
            self.path(&format!("/{pool_id}")),
            Some(change),
        )
    }

    /// Adds pool volumes (`POST pools/{id}/actions/expand/invoke` with
    /// `{"parameters": {"ldevIds": [...]}}`; a range is sent as its list of LDEVs, the only
    /// form public clients send for this action).
    pub fn expand(&self, pool_id: PoolId, volumes: &PoolVolumes) -> Change<Job> {
        Change::build(self.session, || {
            check_pool_id(pool_id)?;
            volumes.validate()?;
            Ok(self.invoke(pool_id, "expand", Some(expand_body(volumes))))
        })
    }

    /// Removes pool volumes (`POST pools/{id}/actions/shrink/invoke` with
    /// `{"parameters": {"ldevIds": [...]}}` or `{"parameters": {"startLdevId", "endLdevId"}}`).
    /// The job finishing does not mean the pool has shrunk: the array moves the data off
    /// the volumes afterwards, while [`Pool::is_shrinking`] says so.
    pub fn shrink(&self, pool_id: PoolId, volumes: &PoolVolumes) -> Change<Job> {
        Change::build(self.session, || {
            check_pool_id(pool_id)?;
            volumes.validate()?;
            Ok(self.invoke(pool_id, "shrink", Some(shrink_body(volumes))))
        })
    }

    /// Stops a shrink under way (`POST pools/{id}/actions/stop-shrinking/invoke`, no body).
    pub fn stop_shrinking(&self, pool_id: PoolId) -> Change<Job> {
        Change::build(self.session, || {
            check_pool_id(pool_id)?;
            Ok(self.invoke(pool_id, "stop-shrinking", None))
        })
    }

    /// Deletes a pool (`DELETE pools/{id}`). Its pool volumes stay, as basic LDEVs.
    pub fn delete(&self, pool_id: PoolId) -> Change<Job> {
        Change::checked::<()>(
            self.session,
            check_pool_id(pool_id),
            Method::DELETE,
            self.path(&format!("/{pool_id}")),
            None,
        )
    }

    fn invoke(
        &self,
        pool_id: PoolId,
        action: &str,
        body: Option<serde_json::Value>,
    ) -> Change<Job> {
        Change::json(
            self.session,
            Method::POST,
            self.path(&format!("/{pool_id}/actions/{action}/invoke")),
            body.as_ref(),
        )
    }
}

/// `{"parameters": {"ldevIds": [...]}}`, a range written out.
fn expand_body(volumes: &PoolVolumes) -> serde_json::Value {
    serde_json::json!({ "parameters": { "ldevIds": volumes.to_ids() } })
}

/// `{"parameters": {"ldevIds": [...]}}` or `{"parameters": {"startLdevId", "endLdevId"}}`.
fn shrink_body(volumes: &PoolVolumes) -> serde_json::Value {
    serde_json::json!({ "parameters": volumes })
}

/// The pool a creation job names.
fn created_pool(job: &Job) -> Result<PoolId, Error> {
    job.affected("pool", |r| match r {
        AffectedResource::Pool(id) => Some(id),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn pool_decodes() {
        let p: Pool = serde_json::from_str(r#"{"poolId":0,"poolName":"dp0","poolType":"HDP","poolStatus":"POLN","usedCapacityRate":12,"totalPoolCapacity":1048576,"availableVolumeCapacity":922746,"warningThreshold":70,"depletionThreshold":80,"virtualVolumeCapacityRate":-1,"isShrinking":false,"unknown":{"x":1}}"#).unwrap();
        assert_eq!(p.pool_id, 0);
        assert_eq!(p.pool_type.as_deref(), Some("HDP"));
        assert_eq!(p.total_pool_capacity, Some(1_048_576));
        assert_eq!(p.virtual_volume_capacity_rate, Some(-1));
        let odd: Pool = serde_json::from_str(
            r#"{"poolId":1,"usedCapacityRate":"12","totalPoolCapacity":-5,"isShrinking":"no"}"#,
        )
        .unwrap();
        assert_eq!(odd.used_capacity_rate, Some(12));
        assert_eq!(odd.total_pool_capacity, None);
        assert_eq!(odd.is_shrinking, None);
    }

    #[tokio::test]
    async fn paths() {
        let fake = testing::Fake::start([127, 0, 0, 204], |seen| {
            Some(if seen.path.ends_with("/pools") {
                (
                    200,
                    serde_json::json!({"data": [{"poolId": 0}, {"poolId": 5}]}),
                )
            } else {
                (200, serde_json::json!({"poolId": 5, "poolName": "p5"}))
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        assert_eq!(session.pools().list().await.unwrap().len(), 2);
        assert_eq!(
            session.pools().get(5).await.unwrap().pool_name.as_deref(),
            Some("p5")
        );
        session.close().await.unwrap();
        let paths: Vec<String> = fake.requests().into_iter().map(|s| s.path).collect();
        assert_eq!(
            paths,
            [
                "/ConfigurationManager/v1/objects/storages/886000410000/pools",
                "/ConfigurationManager/v1/objects/storages/886000410000/pools/5",
            ]
        );
    }

    #[test]
    fn create_bodies() {
        let spec = CreatePool::new(5, "dp 5", PoolType::Hdp, PoolVolumes::ldevs([900, 901]))
            .warning_threshold(70)
            .depletion_threshold(80);
        spec.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"poolId": 5, "poolName": "dp 5", "poolType": "HDP",
                "ldevIds": [900, 901], "warningThreshold": 70, "depletionThreshold": 80})
        );
        let ranged = CreatePool::new(6, "ti", PoolType::Hti, PoolVolumes::range(910, 913))
            .deduplication_volumes([920]);
        ranged.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&ranged).unwrap(),
            serde_json::json!({"poolId": 6, "poolName": "ti", "poolType": "HTI",
                "startLdevId": 910, "endLdevId": 913, "duplicationLdevIds": [920]})
        );
    }

    #[test]
    fn action_bodies() {
        assert_eq!(
            expand_body(&PoolVolumes::range(901, 903)),
            serde_json::json!({"parameters": {"ldevIds": [901, 902, 903]}})
        );
        assert_eq!(
            shrink_body(&PoolVolumes::range(901, 903)),
            serde_json::json!({"parameters": {"startLdevId": 901, "endLdevId": 903}})
        );
        assert_eq!(
            shrink_body(&PoolVolumes::ldevs([7])),
            serde_json::json!({"parameters": {"ldevIds": [7]}})
        );
    }

    #[test]
    fn bad_creations_are_refused() {
        let ok = || CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::ldevs([900]));
        let bad = [
            CreatePool::new(
                MAX_POOL_ID + 1,
                "p",
                PoolType::Hdp,
                PoolVolumes::ldevs([900]),
            ),
            CreatePool::new(5, "", PoolType::Hdp, PoolVolumes::ldevs([900])),
            CreatePool::new(5, &"n".repeat(33), PoolType::Hdp, PoolVolumes::ldevs([900])),
            CreatePool::new(5, "a\tb", PoolType::Hdp, PoolVolumes::ldevs([900])),
            CreatePool::new(5, "é", PoolType::Hdp, PoolVolumes::ldevs([900])),
            CreatePool::new(5, " p", PoolType::Hdp, PoolVolumes::ldevs([900])),
            CreatePool::new(5, "p", PoolType::Rt, PoolVolumes::ldevs([900])),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::ldevs::<LdevId>([])),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::ldevs([900, 900])),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::ldevs([70_000])),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::range(10, 9)),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::range(0, 64)),
            CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::ldevs(0..65)),
            ok().warning_threshold(0),
            ok().depletion_threshold(101),
            ok().warning_threshold(90).depletion_threshold(80),
            CreatePool::new(5, "p", PoolType::Hti, PoolVolumes::ldevs([900]))
                .depletion_threshold(80),
            ok().deduplication_volumes::<LdevId>([]),
            ok().deduplication_volumes([900]),
        ];
        for spec in bad {
            assert!(
                matches!(spec.validate(), Err(HitachiError::InvalidInput { .. })),
                "{spec:?}"
            );
        }
        ok().validate().unwrap();
        CreatePool::new(5, "p", PoolType::Hdp, PoolVolumes::range(0, 63))
            .validate()
            .unwrap();
        CreatePool::new(
            5,
            "Pool-1_a.b/c:d@e\\f,g h",
            PoolType::Hdt,
            PoolVolumes::ldevs(0..64),
        )
        .validate()
        .unwrap();
    }

    #[test]
    fn change_bodies() {
        let change = ChangePool::new()
            .name("renamed")
            .warning_threshold(60)
            .depletion_threshold(85)
            .subscription_limit(SubscriptionLimit::Unlimited)
            .snapshots_past_depletion(SnapshotSuspension::Keep)
            .monitoring_mode(MonitoringMode::Continuous)
            .blocking_mode(BlockingMode::FullOrBlocked)
            .tier(TierSettings::new(1, 8, 5));
        change.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({"poolName": "renamed", "warningThreshold": 60,
                "depletionThreshold": 85, "virtualVolumeCapacityRate": -1,
                "suspendSnapshot": false, "monitoringMode": "CM", "blockingMode": "FB",
                "tier": {"tierNumber": 1, "tablespaceRate": 8, "bufferRate": 5}})
        );
        let rt = ChangePool::new()
            .pool_type(PoolType::Rt)
            .subscription_limit(SubscriptionLimit::Percent(150));
        assert_eq!(
            serde_json::to_value(&rt).unwrap(),
            serde_json::json!({"poolType": "RT", "virtualVolumeCapacityRate": 150})
        );
        for bad in [
            ChangePool::new(),
            ChangePool::new().name(""),
            ChangePool::new().pool_type(PoolType::Hti),
            ChangePool::new().warning_threshold(101),
            ChangePool::new()
                .warning_threshold(50)
                .depletion_threshold(40),
            ChangePool::new().subscription_limit(SubscriptionLimit::Percent(65_535)),
            ChangePool::new().tier(TierSettings::new(0, 1, 1)),
            ChangePool::new().tier(TierSettings::new(1, 101, 1)),
            ChangePool::new().tier(TierSettings::new(3, 1, 101)),
        ] {
            assert!(
                matches!(bad.validate(), Err(HitachiError::InvalidInput { .. })),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn changes_are_jobs_on_the_right_paths() {
        let creations = std::sync::atomic::AtomicUsize::new(0);
        let fake = testing::Fake::start([127, 0, 17, 4], move |seen| {
            let rel = testing::rel(&seen.path);
            Some(match (seen.method.as_str(), rel) {
                ("POST", "/pools") => {
                    let n = creations.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    // The second creation job names no pool.
                    let named = if n == 0 { "/pools/5" } else { "/ldevs/900" };
                    (202, testing::job(named))
                }
                _ => (202, testing::job(rel)),
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let pools = session.pools();
        let spec = CreatePool::new(5, "p5", PoolType::Hdp, PoolVolumes::ldevs([900]));
        assert_eq!(pools.create(&spec).await.unwrap(), 5);
        pools.change(5, &ChangePool::new().name("p")).await.unwrap();
        pools
            .expand(5, &PoolVolumes::range(901, 902))
            .await
            .unwrap();
        pools.shrink(5, &PoolVolumes::ldevs([901])).await.unwrap();
        pools.stop_shrinking(5).await.unwrap();
        pools.delete(5).await.unwrap();
        let err = pools.create(&spec).await.unwrap_err();
        assert!(
            matches!(
                err.detail::<HitachiError>(),
                Some(HitachiError::NoAffectedResource {
                    job_id: 1,
                    what: "pool",
                    ..
                })
            ),
            "{err:?}"
        );
        // Refused before sending.
        assert!(pools.change(5, &ChangePool::new()).await.is_err());
        assert!(
            pools
                .expand(5, &PoolVolumes::ldevs::<LdevId>([]))
                .await
                .is_err()
        );
        assert!(pools.delete(MAX_POOL_ID + 1).await.is_err());
        session.close().await.unwrap();
        let seen: Vec<String> = fake
            .requests()
            .into_iter()
            .map(|s| format!("{} {}", s.method, testing::rel(&s.path)))
            .collect();
        assert_eq!(
            seen,
            [
                "POST /pools",
                "PATCH /pools/5",
                "POST /pools/5/actions/expand/invoke",
                "POST /pools/5/actions/shrink/invoke",
                "POST /pools/5/actions/stop-shrinking/invoke",
                "DELETE /pools/5",
                "POST /pools",
            ]
        );
    }

    #[test]
    fn a_creation_job_must_name_its_pool() {
        let job = |resources: serde_json::Value| {
            Job::from_body(
                serde_json::json!({"jobId": 9, "status": "Completed", "state": "Succeeded",
                    "affectedResources": resources})
                .to_string()
                .as_bytes(),
            )
            .unwrap()
        };
        let base = "/ConfigurationManager/v1/objects/storages/886000410000";
        assert_eq!(
            created_pool(&job(serde_json::json!([format!("{base}/pools/12")]))).unwrap(),
            12
        );
        for none in [
            serde_json::json!([]),
            serde_json::json!([format!("{base}/ldevs/12")]),
            serde_json::json!([format!("{base}/pools/x")]),
        ] {
            let err = created_pool(&job(none.clone())).unwrap_err();
            assert!(
                matches!(
                    err.detail::<HitachiError>(),
                    Some(HitachiError::NoAffectedResource {
                        job_id: 9,
                        what: "pool",
                        ..
                    })
                ),
                "{none}: {err:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "poolId", "poolName", "poolType", "usedCapacityRate", "totalPoolCapacity", "isShrinking",
        ])) {
            let _ = serde_json::from_value::<Pool>(v);
        }

        #[test]
        fn valid_volumes_serialise_within_limits(start in 0u32..70_000, len in 0u32..80) {
            let volumes = PoolVolumes::range(start, start.saturating_add(len));
            if volumes.validate().is_ok() {
                let ids = volumes.to_ids();
                prop_assert!(!ids.is_empty() && ids.len() <= MAX_POOL_VOLUMES_PER_REQUEST);
                prop_assert!(ids.iter().all(|id| *id <= crate::ldevs::MAX_LDEV_ID));
            }
        }
    }
}
