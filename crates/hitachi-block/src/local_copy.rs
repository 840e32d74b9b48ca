//! ShadowImage: local clone copy pairs and copy groups, with action templates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::checks::{copy_pace, join_id, split_id};
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job, json_request, with_job_mode_wait};
use crate::names::check_name;
use crate::session::{Session, check};

/// A pair's status (reference §12.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PairStatus {
    /// Unpaired.
    Smpl,
    /// Initial copy or resync in progress.
    Copy,
    /// Synchronised.
    Pair,
    /// Split by operation (P-VOL).
    Psus,
    /// Split by operation (S-VOL).
    Ssus,
    /// Suspended by a failure.
    Psue,
    /// Restore in progress.
    Rcpy,
    /// Split with the S-VOL writable, taken over from the S-VOL side (remote copy: a
    /// takeover, or a split with `svolOperationMode: SSWS`; S-VOL value).
    Ssws,
    /// Any other status, as the server wrote it.
    Other(String),
}

impl PairStatus {
    /// Parses a status.
    pub fn parse(s: &str) -> PairStatus {
        match s {
            "SMPL" => PairStatus::Smpl,
            "COPY" => PairStatus::Copy,
            "PAIR" => PairStatus::Pair,
            "PSUS" => PairStatus::Psus,
            "SSUS" => PairStatus::Ssus,
            "PSUE" => PairStatus::Psue,
            "RCPY" => PairStatus::Rcpy,
            "SSWS" => PairStatus::Ssws,
            other => PairStatus::Other(other.to_owned()),
        }
    }

    /// The status as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            PairStatus::Smpl => "SMPL",
            PairStatus::Copy => "COPY",
            PairStatus::Pair => "PAIR",
            PairStatus::Psus => "PSUS",
            PairStatus::Ssus => "SSUS",
            PairStatus::Psue => "PSUE",
            PairStatus::Rcpy => "RCPY",
            PairStatus::Ssws => "SSWS",
            PairStatus::Other(s) => s,
        }
    }

    /// True for the split statuses (PSUS, SSUS).
    pub fn is_split(&self) -> bool {
        matches!(self, PairStatus::Psus | PairStatus::Ssus)
    }
}

impl fmt::Display for PairStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PairStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PairStatus::parse(&String::deserialize(d)?))
    }
}

impl Serialize for PairStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A local clone copy pair id: `copyGroupName,pvolDeviceGroupName,svolDeviceGroupName,copyPairName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalClonePairId {
    /// The copy group.
    pub copy_group: String,
    /// The P-VOL device group (default `<copy group>P_`).
    pub pvol_device_group: String,
    /// The S-VOL device group (default `<copy group>S_`).
    pub svol_device_group: String,
    /// The pair.
    pub pair: String,
}

impl LocalClonePairId {
    /// The id of a pair in a group with the default device group names.
    pub fn with_default_groups(copy_group: &str, pair: &str) -> Self {
        LocalClonePairId {
            copy_group: copy_group.to_owned(),
            pvol_device_group: format!("{copy_group}P_"),
            svol_device_group: format!("{copy_group}S_"),
            pair: pair.to_owned(),
        }
    }

    /// The id of the pair's copy group.
    pub fn group(&self) -> LocalCloneGroupId {
        LocalCloneGroupId {
            copy_group: self.copy_group.clone(),
            pvol_device_group: self.pvol_device_group.clone(),
            svol_device_group: self.svol_device_group.clone(),
        }
    }
}

impl fmt::Display for LocalClonePairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_id(&[
            &self.copy_group,
            &self.pvol_device_group,
            &self.svol_device_group,
            &self.pair,
        ]))
    }
}

impl FromStr for LocalClonePairId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let [g, p, v, n] = split_id(
            "local clone copy pair id",
            "group,pvolGroup,svolGroup,pair",
            s,
        )?;
        Ok(LocalClonePairId {
            copy_group: g.to_owned(),
            pvol_device_group: p.to_owned(),
            svol_device_group: v.to_owned(),
            pair: n.to_owned(),
        })
    }
}

/// A local clone copy group id: `copyGroupName,pvolDeviceGroupName,svolDeviceGroupName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalCloneGroupId {
    /// The copy group.
    pub copy_group: String,
    /// The P-VOL device group.
    pub pvol_device_group: String,
    /// The S-VOL device group.
    pub svol_device_group: String,
}

impl LocalCloneGroupId {
    /// The id of a group with the default device group names.
    pub fn with_default_groups(copy_group: &str) -> Self {
        LocalCloneGroupId {
            copy_group: copy_group.to_owned(),
            pvol_device_group: format!("{copy_group}P_"),
            svol_device_group: format!("{copy_group}S_"),
        }
    }
}

impl fmt::Display for LocalCloneGroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_id(&[
            &self.copy_group,
            &self.pvol_device_group,
            &self.svol_device_group,
        ]))
    }
}

impl FromStr for LocalCloneGroupId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let [g, p, v] = split_id("local clone copy group id", "group,pvolGroup,svolGroup", s)?;
        Ok(LocalCloneGroupId {
            copy_group: g.to_owned(),
            pvol_device_group: p.to_owned(),
            svol_device_group: v.to_owned(),
        })
    }
}

/// The body of `POST local-clone-copypairs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateLocalClonePair {
    /// Copy group (≤ 29 characters on create).
    pub copy_group_name: String,
    /// Pair name (≤ 31 characters).
    pub copy_pair_name: String,
    /// `SI` for ShadowImage.
    pub replication_type: String,
    /// P-VOL LDEV id.
    pub pvol_ldev_id: u32,
    /// P-VOL mirror unit (0-2).
    pub pvol_mu_number: u32,
    /// S-VOL LDEV id.
    pub svol_ldev_id: u32,
    /// True to create the copy group, false to add to an existing one.
    pub is_new_group_creation: bool,
    /// P-VOL device group (default `<group>P_`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pvol_device_group_name: Option<String>,
    /// S-VOL device group (default `<group>S_`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svol_device_group_name: Option<String>,
    /// Copy pace 1-15 (larger is faster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_pace: Option<u8>,
    /// Consistency group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_consistency_group: Option<bool>,
    /// Consistency group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistency_group_id: Option<u32>,
    /// Quick mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_mode: Option<bool>,
    /// Split automatically after the initial copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_split: Option<bool>,
}

impl CreateLocalClonePair {
    /// A ShadowImage pair in a new copy group, mirror unit 0 (the seed's request).
    pub fn shadow_image(copy_group: &str, pair: &str, pvol: u32, svol: u32) -> Self {
        CreateLocalClonePair {
            copy_group_name: copy_group.to_owned(),
            copy_pair_name: pair.to_owned(),
            replication_type: "SI".to_owned(),
            pvol_ldev_id: pvol,
            pvol_mu_number: 0,
            svol_ldev_id: svol,
            is_new_group_creation: true,
            pvol_device_group_name: None,
            svol_device_group_name: None,
            copy_pace: None,
            is_consistency_group: None,
            consistency_group_id: None,
            quick_mode: None,
            auto_split: None,
        }
    }

    /// Adds the pair to an existing copy group instead of creating one.
    pub fn in_existing_group(mut self) -> Self {
        self.is_new_group_creation = false;
        self
    }

    /// Sets the device group names.
    pub fn device_groups(mut self, pvol: &str, svol: &str) -> Self {
        self.pvol_device_group_name = Some(pvol.to_owned());
        self.svol_device_group_name = Some(svol.to_owned());
        self
    }

    /// Sets the copy pace (1-15).
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    /// Sets the P-VOL mirror unit.
    pub fn mu_number(mut self, mu: u32) -> Self {
        self.pvol_mu_number = mu;
        self
    }

    /// The id the pair will have.
    pub fn pair_id(&self) -> LocalClonePairId {
        LocalClonePairId {
            copy_group: self.copy_group_name.clone(),
            pvol_device_group: self
                .pvol_device_group_name
                .clone()
                .unwrap_or_else(|| format!("{}P_", self.copy_group_name)),
            svol_device_group: self
                .svol_device_group_name
                .clone()
                .unwrap_or_else(|| format!("{}S_", self.copy_group_name)),
            pair: self.copy_pair_name.clone(),
        }
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        check_name("copy group name", &self.copy_group_name, 29)?;
        check_name("copy pair name", &self.copy_pair_name, 31)?;
        let id = self.pair_id();
        check_name("P-VOL device group name", &id.pvol_device_group, 31)?;
        check_name("S-VOL device group name", &id.svol_device_group, 31)?;
        let invalid = |reason: &str| HitachiError::InvalidInput {
            what: "local clone copy pair",
            reason: reason.to_owned(),
        };
        if id.pvol_device_group == id.svol_device_group {
            return Err(invalid("the P-VOL and S-VOL device groups must differ"));
        }
        if self.pvol_ldev_id == self.svol_ldev_id {
            return Err(invalid("the P-VOL and S-VOL must be different LDEVs"));
        }
        if let Some(p) = self.copy_pace {
            copy_pace(p)?;
        }
        Ok(())
    }
}

/// A local clone copy pair as the server reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocalClonePair {
    /// The pair id (4 comma-separated parts).
    pub local_clone_copypair_id: String,
    /// The copy group.
    pub copy_group_name: String,
    /// The pair name.
    pub copy_pair_name: String,
    /// `SI`, ...
    #[serde(default)]
    pub replication_type: Option<String>,
    /// P-VOL LDEV id.
    pub pvol_ldev_id: u32,
    /// P-VOL mirror unit.
    #[serde(default)]
    pub pvol_mu_number: Option<u32>,
    /// P-VOL status.
    pub pvol_status: PairStatus,
    /// S-VOL LDEV id.
    pub svol_ldev_id: u32,
    /// S-VOL status.
    pub svol_status: PairStatus,
    /// Consistency group id.
    #[serde(default)]
    pub consistency_group_id: Option<i64>,
    /// Copy progress in percent.
    #[serde(default)]
    pub copy_progress_rate: Option<i64>,
}

impl LocalClonePair {
    /// The parsed id.
    pub fn id(&self) -> Result<LocalClonePairId, HitachiError> {
        self.local_clone_copypair_id.parse()
    }
}

/// A local clone copy group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocalCloneGroup {
    /// The group id (3 comma-separated parts).
    pub local_clone_copygroup_id: String,
    /// The copy group.
    pub copy_group_name: String,
    /// The P-VOL device group.
    #[serde(default)]
    pub pvol_device_group_name: Option<String>,
    /// The S-VOL device group.
    #[serde(default)]
    pub svol_device_group_name: Option<String>,
    /// Whether it is a consistency group.
    #[serde(default)]
    pub is_consistency_group: Option<bool>,
}

/// An action on a pair or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalCopyAction {
    /// Split: S-VOL becomes a point-in-time copy (PSUS/SSUS).
    Split,
    /// Resync: copy P-VOL changes to the S-VOL again (COPY → PAIR).
    Resync,
    /// Restore: copy the S-VOL back to the P-VOL (RCPY → PAIR).
    Restore,
    /// Migrate (volume migration pairs).
    Migrate,
}

impl LocalCopyAction {
    /// The action's path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalCopyAction::Split => "split",
            LocalCopyAction::Resync => "resync",
            LocalCopyAction::Restore => "restore",
            LocalCopyAction::Migrate => "migrate",
        }
    }
}

/// An action template: `{"parameters": {...}}` with `null` for unset values. Fill in what
/// you need with [`ActionTemplate::set`]; unset parameters are omitted when invoked.
///
/// Two templates are equal when their parameters are (whatever text they came from).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActionTemplate {
    /// The parameters (`null` reads as none).
    #[serde(default, deserialize_with = "parameters_or_null")]
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// The body as the server sent it, for a template fetched with
    /// [`LocalCopyPairs::template`].
    #[serde(skip)]
    raw: Option<String>,
}

impl PartialEq for ActionTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.parameters == other.parameters
    }
}

impl ActionTemplate {
    /// The template's JSON text exactly as the server sent it (what seed 001 prints), for a
    /// template fetched with [`LocalCopyPairs::template`]; `None` for one built or decoded
    /// here. Unchanged by [`set`](Self::set).
    pub fn raw(&self) -> Option<&str> {
        self.raw.as_deref()
    }

    /// Sets a parameter.
    pub fn set(&mut self, name: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        self.parameters.insert(name.to_owned(), value.into());
        self
    }

    /// The body to invoke: only the parameters that are set (the API treats null as
    /// "not specified", but sending them is needless).
    pub fn to_body(&self) -> serde_json::Value {
        let parameters: serde_json::Map<String, serde_json::Value> = self
            .parameters
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::json!({ "parameters": parameters })
    }
}

fn parameters_or_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// Options of split, resync and restore.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActionOptions {
    /// Copy pace 1-15.
    pub copy_pace: Option<u8>,
    /// Quick mode.
    pub quick_mode: Option<bool>,
}

impl ActionOptions {
    /// Sets the copy pace.
    pub fn copy_pace(mut self, pace: u8) -> Self {
        self.copy_pace = Some(pace);
        self
    }

    /// Sets quick mode.
    pub fn quick_mode(mut self, quick: bool) -> Self {
        self.quick_mode = Some(quick);
        self
    }

    fn apply(&self, template: &mut ActionTemplate) -> Result<(), HitachiError> {
        if let Some(p) = self.copy_pace {
            template.set("copyPace", copy_pace(p)?);
        }
        if let Some(q) = self.quick_mode {
            template.set("quickMode", q);
        }
        Ok(())
    }
}

/// ShadowImage pairs of a session's storage system (`local-clone-copypairs`).
#[derive(Debug, Clone, Copy)]
pub struct LocalCopyPairs<'a> {
    session: &'a Session,
}

impl Session {
    /// ShadowImage pairs (local clone copy pairs).
    pub fn local_copy_pairs(&self) -> LocalCopyPairs<'_> {
        LocalCopyPairs { session: self }
    }

    /// ShadowImage copy groups (local clone copy groups).
    pub fn local_copy_groups(&self) -> LocalCopyGroups<'_> {
        LocalCopyGroups { session: self }
    }
}

impl LocalCopyPairs<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/local-clone-copypairs{rest}"))
    }

    /// Creates a pair; the change's result is the job (whose first affected resource is
    /// the pair).
    pub fn create_job(&self, spec: &CreateLocalClonePair) -> Change<Job> {
        if let Err(e) = spec.validate() {
            return Change::failed(self.session, e.into());
        }
        Change::json(self.session, Method::POST, self.path(""), Some(spec))
    }

    /// Creates a pair; the change's result is its id, as the job's `affectedResources`
    /// names it ([`HitachiError::NoAffectedResource`] when it names none).
    pub fn create(&self, spec: &CreateLocalClonePair) -> Change<LocalClonePairId> {
        self.create_job(spec)
            .created("ShadowImage pair", |r| match r {
                AffectedResource::LocalClonePair(id) => Some(id),
                _ => None,
            })
    }

    /// One pair.
    pub async fn get(&self, id: &LocalClonePairId) -> Result<LocalClonePair, Error> {
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    /// Waits until the pair shows `target` on both sides, polling its GET with the
    /// client's poll policy ([`job_polling`](crate::HitachiClientBuilder::job_polling)),
    /// the first time at once, and returns the pair as last read. `PAIR` means
    /// `PAIR`/`PAIR`, a split (`PSUS`) means P-VOL `PSUS` and S-VOL `SSUS` (reference
    /// §12.5), any other status the same on both sides.
    ///
    /// Fails with [`HitachiError::PairSuspended`] when the pair goes to `PSUE` first, with
    /// [`HitachiError::PairGone`] when it no longer exists, and with an error of kind
    /// [`Poll`](storkit_core::ErrorKind::Poll) when the policy's attempt limit or deadline
    /// passes first.
    pub async fn wait_for_status(
        &self,
        id: &LocalClonePairId,
        target: PairStatus,
    ) -> Result<LocalClonePair, Error> {
        crate::pair_wait::wait_for_status(
            self.session,
            id.to_string(),
            target,
            || self.get(id),
            |p: &LocalClonePair| (Some(&p.pvol_status), Some(&p.svol_status)),
        )
        .await
    }

    /// The pairs of a copy group, as the REST server knows them.
    pub async fn list(&self, group: &LocalCloneGroupId) -> Result<Vec<LocalClonePair>, Error> {
        crate::decode::list_data(self.session, self.list_request(group)).await
    }

    /// The pairs of a copy group after the server re-read the storage system
    /// (`refresh=true`: slow, but sees pairs made by other tools).
    pub async fn list_refreshed(
        &self,
        group: &LocalCloneGroupId,
    ) -> Result<Vec<LocalClonePair>, Error> {
        let request = self.list_request(group).query("refresh", "true");
        crate::decode::list_data(self.session, request).await
    }

    fn list_request(&self, group: &LocalCloneGroupId) -> Request {
        Request::get(self.path("")).query("localCloneCopyGroupId", &group.to_string())
    }

    /// The action template of a pair action.
    pub async fn template(
        &self,
        id: &LocalClonePairId,
        action: LocalCopyAction,
    ) -> Result<ActionTemplate, Error> {
        let path = self.path(&format!("/{id}/actions/{}", action.as_str()));
        let response = crate::session::check(self.session.send(Request::get(path)).await?)?;
        let mut template: ActionTemplate = response.json()?;
        template.raw = Some(String::from_utf8_lossy(response.body()).into_owned());
        Ok(template)
    }

    /// Invokes an action with a (filled-in) template.
    pub fn invoke(
        &self,
        id: &LocalClonePairId,
        action: LocalCopyAction,
        template: &ActionTemplate,
    ) -> Change<Job> {
        let path = self.path(&format!("/{id}/actions/{}/invoke", action.as_str()));
        Change::json(self.session, Method::POST, path, Some(&template.to_body()))
    }

    /// Splits a pair (template, parameters, invoke).
    pub fn split(&self, id: &LocalClonePairId, options: ActionOptions) -> Change<Job> {
        act(
            self.session,
            self.path(&format!("/{id}")),
            LocalCopyAction::Split,
            options,
            false,
        )
    }

    /// Resynchronises a pair.
    pub fn resync(&self, id: &LocalClonePairId, options: ActionOptions) -> Change<Job> {
        act(
            self.session,
            self.path(&format!("/{id}")),
            LocalCopyAction::Resync,
            options,
            false,
        )
    }

    /// Restores the P-VOL from the S-VOL.
    pub fn restore(&self, id: &LocalClonePairId, options: ActionOptions) -> Change<Job> {
        act(
            self.session,
            self.path(&format!("/{id}")),
            LocalCopyAction::Restore,
            options,
            false,
        )
    }

    /// Deletes a pair (its volumes become SMPL).
    pub fn delete(&self, id: &LocalClonePairId) -> Change<Job> {
        Change::json::<()>(
            self.session,
            Method::DELETE,
            self.path(&format!("/{id}")),
            None,
        )
    }
}

/// An action on a pair or a copy group at `object`: its template fetched, `options`
/// applied, the template sent back to `.../invoke`. The template is fetched once; resends
/// send the same body. With `no_wait`, the invoke carries
/// `Job-Mode-Wait-Configuration-Change: NoWait` (as the client's [`JobModeWait`] says).
///
/// [`JobModeWait`]: crate::JobModeWait
fn act(
    session: &Session,
    object: String,
    action: LocalCopyAction,
    options: ActionOptions,
    no_wait: bool,
) -> Change<Job> {
    let fetch = session.clone();
    Change::prepared(session, move |budget| async move {
        let template_path = format!("{object}/actions/{}", action.as_str());
        let request = Request::get(template_path.as_str()).retry_budget(&budget);
        let mut template: ActionTemplate = check(fetch.send(request).await?)?.json()?;
        options.apply(&mut template)?;
        let make = json_request(
            Method::POST,
            format!("{template_path}/invoke"),
            Some(&template.to_body()),
        )?;
        Ok(if no_wait {
            with_job_mode_wait(make, &fetch)
        } else {
            make
        })
    })
}

/// ShadowImage copy groups of a session's storage system (`local-clone-copygroups`).
#[derive(Debug, Clone, Copy)]
pub struct LocalCopyGroups<'a> {
    session: &'a Session,
}

impl LocalCopyGroups<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/local-clone-copygroups{rest}"))
    }

    /// All copy groups.
    pub async fn list(&self) -> Result<Vec<LocalCloneGroup>, Error> {
        crate::decode::list_data(self.session, Request::get(self.path(""))).await
    }

    /// One copy group.
    pub async fn get(&self, id: &LocalCloneGroupId) -> Result<LocalCloneGroup, Error> {
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    /// Splits every pair of the group (the group's template, parameters, invoke).
    pub fn split(&self, id: &LocalCloneGroupId, options: ActionOptions) -> Change<Job> {
        self.act(id, LocalCopyAction::Split, options)
    }

    /// Resynchronises every pair of the group.
    pub fn resync(&self, id: &LocalCloneGroupId, options: ActionOptions) -> Change<Job> {
        self.act(id, LocalCopyAction::Resync, options)
    }

    /// Restores every P-VOL of the group from its S-VOL (with
    /// `Job-Mode-Wait-Configuration-Change: NoWait`, as Hitachi recommends).
    pub fn restore(&self, id: &LocalCloneGroupId, options: ActionOptions) -> Change<Job> {
        self.act(id, LocalCopyAction::Restore, options)
    }

    /// Runs an action on every pair of the group (template, parameters, invoke).
    pub fn act(
        &self,
        id: &LocalCloneGroupId,
        action: LocalCopyAction,
        options: ActionOptions,
    ) -> Change<Job> {
        // Hitachi recommends NoWait for restoring in units of copy groups (reference §12.1).
        let no_wait = action == LocalCopyAction::Restore;
        act(
            self.session,
            self.path(&format!("/{id}")),
            action,
            options,
            no_wait,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn seed_request_body() {
        let spec = CreateLocalClonePair::shadow_image("SI_347", "p_347-348", 347, 348);
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"copyGroupName":"SI_347","copyPairName":"p_347-348","replicationType":"SI","pvolLdevId":347,"pvolMuNumber":0,"svolLdevId":348,"isNewGroupCreation":true})
        );
        assert_eq!(
            spec.pair_id().to_string(),
            "SI_347,SI_347P_,SI_347S_,p_347-348"
        );
        spec.validate().unwrap();
    }

    #[test]
    fn validation() {
        let ok = CreateLocalClonePair::shadow_image("g", "p", 1, 2);
        assert!(
            CreateLocalClonePair {
                svol_ldev_id: 1,
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(ok.clone().copy_pace(16).validate().is_err());
        assert!(ok.clone().device_groups("x", "x").validate().is_err());
        assert!(
            CreateLocalClonePair {
                copy_group_name: "a".repeat(30),
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            CreateLocalClonePair {
                copy_pair_name: "has space".into(),
                ..ok
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn ids_round_trip() {
        let id: LocalClonePairId = "SI_347,SI_347P_,SI_347S_,p_347-348".parse().unwrap();
        assert_eq!(
            id,
            LocalClonePairId::with_default_groups("SI_347", "p_347-348")
        );
        assert_eq!(id.group().to_string(), "SI_347,SI_347P_,SI_347S_");
        assert!("a,b,c".parse::<LocalClonePairId>().is_err());
        assert!("a,,c,d".parse::<LocalClonePairId>().is_err());
        assert!("a,b".parse::<LocalCloneGroupId>().is_err());
    }

    #[test]
    fn template_body_drops_unset() {
        let mut t: ActionTemplate =
            serde_json::from_str(r#"{"parameters":{"copyPace":null,"quickMode":null,"list":[]}}"#)
                .unwrap();
        ActionOptions::default().copy_pace(3).apply(&mut t).unwrap();
        assert_eq!(
            t.to_body(),
            serde_json::json!({"parameters":{"copyPace":3}})
        );
        assert!(ActionOptions::default().copy_pace(0).apply(&mut t).is_err());
    }

    #[test]
    fn templates_compare_by_parameters_and_keep_no_text_when_decoded() {
        let text = r#"{ "parameters" : { "copyPace" : null } }"#;
        let decoded: ActionTemplate = serde_json::from_str(text).unwrap();
        assert_eq!(decoded.raw(), None);
        let fetched = ActionTemplate {
            raw: Some(text.to_owned()),
            ..decoded.clone()
        };
        assert_eq!(fetched, decoded);
        assert_eq!(fetched.raw(), Some(text));
        let mut set = fetched.clone();
        set.set("copyPace", 3);
        assert_ne!(set, fetched);
        assert_eq!(
            set.raw(),
            Some(text),
            "the raw text is what the server sent"
        );
        assert_eq!(
            serde_json::to_value(&set).unwrap(),
            serde_json::json!({"parameters": {"copyPace": 3}})
        );
    }

    #[test]
    fn statuses() {
        let pair: LocalClonePair = serde_json::from_str(r#"{"localCloneCopypairId":"a,b,c,d","copyGroupName":"a","copyPairName":"d","pvolLdevId":1,"pvolStatus":"PSUS","svolLdevId":2,"svolStatus":"SSUS","extra":true}"#).unwrap();
        assert!(pair.pvol_status.is_split() && pair.svol_status.is_split());
        assert_eq!(PairStatus::parse("PFUL"), PairStatus::Other("PFUL".into()));
        for s in [
            "SMPL", "COPY", "PAIR", "PSUS", "SSUS", "PSUE", "RCPY", "SSWS", "PFUL",
        ] {
            assert_eq!(PairStatus::parse(s).as_str(), s);
        }
        assert_eq!(PairStatus::parse("SSWS"), PairStatus::Ssws);
        assert_eq!(pair.id().unwrap().pair, "d");
    }
}
