//! Remote copy pairs, TrueCopy / Universal Replicator / global-active device (reference §13):
//! `remote-mirror-copypairs[/...]` and `remote-mirror-copygroups[/...]`.
//!
//! Every request needs `Remote-Authorization`; changes have the token checked by the remote
//! REST server registered for `remoteStorageDeviceId`. The S-VOL lives on the remote system,
//! which the mock does not change: only the local side of each pair is modelled.
//!
//! `Job-Mode-Wait-Configuration-Change: NoWait`, which Cinder and Ansible send with remote
//! copy changes (reference §7), is accepted and changes nothing here: its official
//! definition is UNKNOWN. The kit's request log keeps it for tests to check.
//! Takeover takes `{"parameters": {"mode": "forceSplit"}}` (reference §13); `mode` may be
//! left out or null, any other value is a 400 (mock choice).

use std::collections::BTreeMap;
use std::time::Instant;

use http::Method;
use serde_json::{Value, json};

use crate::copy_groups::{check_group_creation, refuse};
use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, JobKind, OpCtx, Step};
use crate::ldevs::{MAX_LDEV_ID, undefined};
use crate::pair_status::{PairStatus, Timed};
use crate::params::{Fields, check_name};
use crate::remote_auth::{self, remote_token};
use crate::request::Call;
use crate::router::{Reply, Sub, is_invoke_method, sub};
use crate::sessions::Caller;
use crate::state::{Array, State};

/// Copy group, pair and device group name limit (A2; A4 `_remote_copygroup_id`).
const MAX_NAME: usize = 31;
/// `copyPace` range.
const COPY_PACE: std::ops::RangeInclusive<u32> = 1..=15;
/// The replication types of this API.
const KINDS: [&str; 3] = ["TC", "UR", "GAD"];

/// One remote copy pair (its local side).
#[derive(Debug, Clone)]
pub(crate) struct RemotePair {
    kind: String,
    remote: String,
    group: String,
    local_group: String,
    remote_group: String,
    name: String,
    pvol: u32,
    svol: u32,
    status: Timed,
    path_group: u32,
    mu: Option<u32>,
    consistency_group: Option<u32>,
    pvol_journal: Option<u32>,
    svol_journal: Option<u32>,
    quorum: Option<u32>,
    fence: String,
}

impl RemotePair {
    fn group_id(&self) -> String {
        format!(
            "{},{},{},{}",
            self.remote, self.group, self.local_group, self.remote_group
        )
    }

    fn id(&self) -> String {
        format!("{},{}", self.group_id(), self.name)
    }
}

/// Every remote copy pair by its five-part ID.
#[derive(Debug, Default)]
pub(crate) struct RemoteCopy {
    pairs: BTreeMap<String, RemotePair>,
}

impl RemoteCopy {
    /// Applies copy progress up to `at`.
    pub(crate) fn settle(&mut self, at: Instant) {
        for pair in self.pairs.values_mut() {
            pair.status.settle(at);
        }
    }

    /// Whether an LDEV is the local volume of a pair.
    pub(crate) fn uses_ldev(&self, id: u32) -> bool {
        self.attribute(id).is_some()
    }

    /// The LDEV attribute (`TC`, `UR`, `GAD`) of the local volume of a pair.
    pub(crate) fn attribute(&self, id: u32) -> Option<&'static str> {
        self.pairs
            .values()
            .find(|p| p.pvol == id)
            .and_then(|p| KINDS.into_iter().find(|k| *k == p.kind))
    }

    /// Whether any pair goes to `remote`.
    pub(crate) fn uses_remote(&self, remote: &str) -> bool {
        self.pairs.values().any(|p| p.remote == remote)
    }

    /// (pvolStatus, svolStatus) of a pair.
    pub(crate) fn status(&self, pair_id: &str) -> Option<(String, String)> {
        let (p, s) = self.pairs.get(pair_id)?.status.get().views();
        Some((p.to_owned(), s.to_owned()))
    }

    /// Suspends a pair as a failure would (`PSUE`); `false` if there is no such pair.
    pub(crate) fn suspend(&mut self, pair_id: &str) -> bool {
        self.pairs
            .get_mut(pair_id)
            .map(|p| p.status = Timed::steady(PairStatus::Psue))
            .is_some()
    }
}

fn missing_pair(id: &str) -> ApiError {
    ApiError::not_found(&format!("The remote copy pair {id}"))
}

fn missing_group(id: &str) -> ApiError {
    ApiError::not_found(&format!("The remote copy group {id}"))
}

/// Checks the remote token against the REST server registered for `remote`; the outcome is
/// what the job will report.
async fn check_remote(array: &Array, call: &Call, remote: &str) -> Result<(), ApiError> {
    let token = remote_token(call)?;
    let target = {
        let state = array.lock();
        state
            .remote_storages
            .get(remote)
            .map(|r| (r.rest_ip.clone(), r.rest_port, state.net.https))
    };
    let Some((ip, port, https)) = target else {
        return Err(ApiError::storage(
            &format!("The remote storage {remote} is not registered."),
            ErrorCode::rc("EX_ENOOBJ"),
        ));
    };
    remote_auth::verify(https, &ip, port, &token)
        .await
        .map(|_| ())
        .map_err(ApiError::remote_auth)
}

/// Requests on `remote-mirror-copypairs[/...]`.
pub(crate) async fn handle_pairs(
    array: &Array,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    // Every remote copy request carries the remote token (§13, A4, A5).
    remote_token(call)?;
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let state = array.lock();
            let remote = call.query("remoteStorageDeviceId");
            let group = call.query("copyGroupName");
            let data: Vec<Value> = state
                .remote_copy
                .pairs
                .values()
                .filter(|p| remote.is_none_or(|r| p.remote == r))
                .filter(|p| group.is_none_or(|g| p.group == g))
                .map(|p| pair_json(&state, p))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(id), &Method::GET) => {
            let state = array.lock();
            state
                .remote_copy
                .pairs
                .get(id)
                .map(|p| Reply::json(pair_json(&state, p)))
                .ok_or_else(|| missing_pair(id))
        }
        (Sub::Collection, &Method::POST) => {
            let new = parse_new_pair(call)?;
            let verdict = check_remote(array, call, &new.remote).await;
            let mut state = array.lock();
            let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
                if let Err(error) = &verdict {
                    return Step::err(error.clone());
                }
                match add_pair(state, &new, ctx.at) {
                    Ok(path) => Step::ok(path),
                    Err(error) => Step::err(error),
                }
            });
            let kind = JobKind {
                storage_accepted: true,
                ..JobKind::default()
            };
            Ok(jobs::reply_as(&mut state, call, caller, kind, op))
        }
        (Sub::Item(id), &Method::DELETE) => {
            let remote = pair_remote(array, id)?;
            let verdict = check_remote(array, call, &remote).await;
            let id = id.to_owned();
            let op = Box::new(move |state: &mut State, _: &OpCtx| {
                if let Err(error) = &verdict {
                    return Step::err(error.clone());
                }
                if state.remote_copy.pairs.remove(&id).is_none() {
                    return Step::err(gone(&id));
                }
                Step::ok(state.object_path(&format!("remote-mirror-copypairs/{id}")))
            });
            let mut state = array.lock();
            Ok(jobs::reply(&mut state, call, caller, op))
        }
        (Sub::Template(id, action), &Method::GET) => {
            pair_remote(array, id)?;
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            template(action)?;
            let params = parse_action(call, action)?;
            let remote = pair_remote(array, id)?;
            {
                let state = array.lock();
                if let Some(pair) = state.remote_copy.pairs.get(id) {
                    plan(pair, &params, Instant::now(), state.copy_duration)?;
                }
            }
            let verdict = check_remote(array, call, &remote).await;
            let id = id.to_owned();
            let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
                if let Err(error) = &verdict {
                    return Step::err(error.clone());
                }
                match apply(state, &id, &params, ctx.at) {
                    Ok(()) => Step::ok(state.object_path(&format!("remote-mirror-copypairs/{id}"))),
                    Err(error) => Step::err(error),
                }
            });
            let mut state = array.lock();
            Ok(jobs::reply(&mut state, call, caller, op))
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// Requests on `remote-mirror-copygroups[/...]`.
pub(crate) async fn handle_groups(
    array: &Array,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    remote_token(call)?;
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let state = array.lock();
            let remote = call.query("remoteStorageDeviceId");
            let mut ids: Vec<String> = state
                .remote_copy
                .pairs
                .values()
                .filter(|p| remote.is_none_or(|r| p.remote == r))
                .map(RemotePair::group_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let data: Vec<Value> = ids.iter().filter_map(|id| group_json(&state, id)).collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(id), &Method::GET) => {
            let state = array.lock();
            group_json(&state, id)
                .map(Reply::json)
                .ok_or_else(|| missing_group(id))
        }
        (Sub::Item(id), &Method::DELETE) => {
            let remote = group_remote(array, id)?;
            let verdict = check_remote(array, call, &remote).await;
            let id = id.to_owned();
            let op = Box::new(move |state: &mut State, _: &OpCtx| {
                if let Err(error) = &verdict {
                    return Step::err(error.clone());
                }
                state.remote_copy.pairs.retain(|_, p| p.group_id() != id);
                Step::ok(state.object_path(&format!("remote-mirror-copygroups/{id}")))
            });
            let mut state = array.lock();
            Ok(jobs::reply(&mut state, call, caller, op))
        }
        (Sub::Template(id, action), &Method::GET) => {
            group_remote(array, id)?;
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            template(action)?;
            let params = parse_action(call, action)?;
            let remote = group_remote(array, id)?;
            {
                let state = array.lock();
                let now = Instant::now();
                for pair in state
                    .remote_copy
                    .pairs
                    .values()
                    .filter(|p| p.group_id() == *id)
                {
                    plan(pair, &params, now, state.copy_duration)?;
                }
            }
            let verdict = check_remote(array, call, &remote).await;
            let id = id.to_owned();
            let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
                if let Err(error) = &verdict {
                    return Step::err(error.clone());
                }
                let members: Vec<String> = state
                    .remote_copy
                    .pairs
                    .values()
                    .filter(|p| p.group_id() == id)
                    .map(RemotePair::id)
                    .collect();
                for member in &members {
                    if let Err(error) = apply(state, member, &params, ctx.at) {
                        return Step::err(error);
                    }
                }
                Step::ok(state.object_path(&format!("remote-mirror-copygroups/{id}")))
            });
            let mut state = array.lock();
            Ok(jobs::reply(&mut state, call, caller, op))
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// The remote system of an existing pair.
fn pair_remote(array: &Array, id: &str) -> Result<String, ApiError> {
    array
        .lock()
        .remote_copy
        .pairs
        .get(id)
        .map(|p| p.remote.clone())
        .ok_or_else(|| missing_pair(id))
}

/// The remote system of an existing copy group.
fn group_remote(array: &Array, id: &str) -> Result<String, ApiError> {
    array
        .lock()
        .remote_copy
        .pairs
        .values()
        .find(|p| p.group_id() == id)
        .map(|p| p.remote.clone())
        .ok_or_else(|| missing_group(id))
}

fn gone(id: &str) -> ApiError {
    ApiError::storage(
        &format!("The remote copy pair {id} does not exist."),
        ErrorCode::rc("EX_ENOOBJ"),
    )
}

fn pair_json(state: &State, p: &RemotePair) -> Value {
    let (pvol_status, svol_status) = p.status.get().views();
    let mut object = json!({
        "remoteMirrorCopyPairId": p.id(),
        "copyGroupName": p.group,
        "copyPairName": p.name,
        "replicationType": p.kind,
        "remoteStorageDeviceId": p.remote,
        "pvolStorageDeviceId": state.sdid,
        "svolStorageDeviceId": p.remote,
        "pvolLdevId": p.pvol,
        "svolLdevId": p.svol,
        "pvolStatus": pvol_status,
        "svolStatus": svol_status,
        "localDeviceGroupName": p.local_group,
        "remoteDeviceGroupName": p.remote_group,
        "pathGroupId": p.path_group,
        "fenceLevel": p.fence,
        "copyProgressRate": p.status.progress(Instant::now()),
    });
    let optional = [
        ("muNumber", p.mu),
        ("consistencyGroupId", p.consistency_group),
        ("pvolJournalId", p.pvol_journal),
        ("svolJournalId", p.svol_journal),
        ("quorumDiskId", p.quorum),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            object[key] = value.into();
        }
    }
    if p.kind == "GAD" {
        // GAD reports I/O modes: local I/O on both sides once mirrored, block on the S-VOL
        // while copying or split.
        let svol_mode = if p.status.get() == PairStatus::Pair {
            "L/M"
        } else {
            "B/B"
        };
        object["pvolIoMode"] = "L/M".into();
        object["svolIoMode"] = svol_mode.into();
    }
    object
}

fn group_json(state: &State, id: &str) -> Option<Value> {
    let members: Vec<&RemotePair> = state
        .remote_copy
        .pairs
        .values()
        .filter(|p| p.group_id() == id)
        .collect();
    let first = members.first()?;
    Some(json!({
        "remoteMirrorCopyGroupId": id,
        "copyGroupName": first.group,
        "remoteStorageDeviceId": first.remote,
        "localDeviceGroupName": first.local_group,
        "remoteDeviceGroupName": first.remote_group,
        "copyPairs": members.iter().map(|p| pair_json(state, p)).collect::<Vec<_>>(),
    }))
}

#[derive(Debug, Clone)]
struct NewPair {
    kind: String,
    remote: String,
    group: String,
    local_group: String,
    remote_group: String,
    name: String,
    pvol: u32,
    svol: u32,
    new_group: bool,
    initial_copy: bool,
    path_group: u32,
    mu: Option<u32>,
    consistency_group: Option<u32>,
    pvol_journal: Option<u32>,
    svol_journal: Option<u32>,
    quorum: Option<u32>,
    fence: Option<String>,
}

fn parse_new_pair(call: &Call) -> Result<NewPair, ApiError> {
    let body = Fields::body(call)?;
    let group = body.str_req("copyGroupName")?.to_owned();
    check_name("copyGroupName", &group, MAX_NAME)?;
    let name = body.str_req("copyPairName")?.to_owned();
    check_name("copyPairName", &name, MAX_NAME)?;
    let kind = body.str_req("replicationType")?.to_owned();
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::invalid(
            "replicationType",
            "Specify TC, UR or GAD.",
        ));
    }
    let remote = body.str_req("remoteStorageDeviceId")?.to_owned();
    let local_group = body
        .str_opt("localDeviceGroupName")?
        .map_or_else(|| format!("{group}P_"), str::to_owned);
    let remote_group = body
        .str_opt("remoteDeviceGroupName")?
        .map_or_else(|| format!("{group}S_"), str::to_owned);
    check_name("localDeviceGroupName", &local_group, MAX_NAME)?;
    check_name("remoteDeviceGroupName", &remote_group, MAX_NAME)?;
    let (pvol_journal, svol_journal) = if kind == "UR" {
        (
            Some(body.u32_in_req("pvolJournalId", 0..=255)?),
            Some(body.u32_in_req("svolJournalId", 0..=255)?),
        )
    } else {
        (None, None)
    };
    body.u32_in("copyPace", COPY_PACE)?;
    body.bool_opt("isDataReductionForceCopy")?;
    let is_ctg = body.bool_opt("isConsistencyGroup")?.unwrap_or(false);
    let ctg = body.u32_in("consistencyGroupId", 0..=255)?;
    Ok(NewPair {
        pvol: body.u32_in_req("pvolLdevId", 0..=MAX_LDEV_ID)?,
        svol: body.u32_in_req("svolLdevId", 0..=MAX_LDEV_ID)?,
        new_group: body.bool_req("isNewGroupCreation")?,
        initial_copy: body.bool_opt("doInitialCopy")?.unwrap_or(true),
        path_group: body.u32_in("pathGroupId", 0..=255)?.unwrap_or(0),
        mu: body.u32_in("muNumber", 0..=3)?,
        consistency_group: if is_ctg { Some(ctg.unwrap_or(0)) } else { ctg },
        quorum: body.u32_in("quorumDiskId", 0..=31)?,
        fence: body.str_opt("fenceLevel")?.map(str::to_owned),
        kind,
        remote,
        group,
        local_group,
        remote_group,
        name,
        pvol_journal,
        svol_journal,
    })
}

fn add_pair(state: &mut State, new: &NewPair, at: Instant) -> Result<String, ApiError> {
    if !state.remote_storages.contains_key(&new.remote) {
        return Err(refuse(
            &format!("The remote storage {} is not registered.", new.remote),
            "EX_ENOOBJ",
        ));
    }
    if !state.ldevs.contains_key(&new.pvol) {
        return Err(undefined(new.pvol));
    }
    let pairs = &state.remote_copy.pairs;
    if pairs.values().any(|p| p.pvol == new.pvol && p.mu == new.mu) {
        return Err(refuse(
            &format!("The LDEV {} is already a remote copy volume.", new.pvol),
            "EX_CMDRJE",
        ));
    }
    let same_group = |p: &&RemotePair| p.remote == new.remote && p.group == new.group;
    let existing = pairs.values().find(same_group);
    check_group_creation(
        &new.group,
        existing.map(|p| (p.local_group.as_str(), p.remote_group.as_str())),
        new.new_group,
        (&new.local_group, &new.remote_group),
    )?;
    if pairs
        .values()
        .filter(same_group)
        .any(|p| p.name == new.name)
    {
        return Err(refuse(
            &format!("The copy pair name {} is already used.", new.name),
            "EX_CMDRJE",
        ));
    }
    let status = if new.initial_copy {
        Timed::running(PairStatus::Copy, PairStatus::Pair, at, state.copy_duration)
    } else {
        Timed::steady(PairStatus::Pair)
    };
    let fence = new
        .fence
        .clone()
        .unwrap_or_else(|| if new.kind == "UR" { "ASYNC" } else { "NEVER" }.to_owned());
    let pair = RemotePair {
        kind: new.kind.clone(),
        remote: new.remote.clone(),
        group: new.group.clone(),
        local_group: new.local_group.clone(),
        remote_group: new.remote_group.clone(),
        name: new.name.clone(),
        pvol: new.pvol,
        svol: new.svol,
        status,
        path_group: new.path_group,
        mu: new.mu,
        consistency_group: new.consistency_group,
        pvol_journal: new.pvol_journal,
        svol_journal: new.svol_journal,
        quorum: new.quorum,
        fence,
    };
    let id = pair.id();
    state.remote_copy.pairs.insert(id.clone(), pair);
    Ok(state.object_path(&format!("remote-mirror-copypairs/{id}")))
}

fn template(action: &str) -> Result<Value, ApiError> {
    let parameters = match action {
        "split" => json!({
            "replicationType": null,
            "svolAccessMode": null,
            "svolOperationMode": null,
            "doPvolWriteProtect": null,
            "doDataSuspend": null,
        }),
        "resync" => json!({ "replicationType": null, "doSwapSvol": null, "copyPace": null }),
        "takeover" => json!({ "mode": null }),
        _ => return Err(ApiError::unknown_url()),
    };
    Ok(json!({ "parameters": parameters }))
}

#[derive(Debug, Clone)]
struct ActionParams {
    action: String,
    takeover_svol: bool,
}

fn parse_action(call: &Call, action: &str) -> Result<ActionParams, ApiError> {
    let params = Fields::parameters(call)?;
    if let Some(kind) = params.str_opt("replicationType")?
        && !KINDS.contains(&kind)
    {
        return Err(ApiError::invalid(
            "replicationType",
            "Specify TC, UR or GAD.",
        ));
    }
    let ssws = match params.str_opt("svolOperationMode")? {
        None => false,
        Some("SSWS") => true,
        Some(_) => return Err(ApiError::invalid("svolOperationMode", "Specify SSWS.")),
    };
    if let Some(mode) = params.str_opt("svolAccessMode")?
        && mode != "r"
        && mode != "rw"
    {
        return Err(ApiError::invalid("svolAccessMode", "Specify r or rw."));
    }
    params.bool_opt("doPvolWriteProtect")?;
    params.bool_opt("doDataSuspend")?;
    params.bool_opt("doSwapSvol")?;
    params.u32_in("copyPace", COPY_PACE)?;
    // The one takeover mode public sources name (reference §13, A4); unset is accepted as
    // the template's null.
    match params.str_opt("mode")? {
        None | Some("forceSplit") => {}
        Some(_) => return Err(ApiError::invalid("mode", "Specify forceSplit.")),
    }
    Ok(ActionParams {
        action: action.to_owned(),
        takeover_svol: ssws || action == "takeover",
    })
}

/// The new status of a pair after an action; `None` is a no-op, `Err` a 412.
fn plan(
    pair: &RemotePair,
    params: &ActionParams,
    at: Instant,
    takes: std::time::Duration,
) -> Result<Option<Timed>, ApiError> {
    let status = pair.status.get();
    let cannot = |what: &str| {
        Err(ApiError::not_runnable(format!(
            "The pair is {} and cannot be {what}.",
            status.views().0
        )))
    };
    let split_to = if params.takeover_svol {
        PairStatus::Ssws
    } else {
        PairStatus::Psus
    };
    match (params.action.as_str(), status) {
        ("split", PairStatus::Copy | PairStatus::Pair) => Ok(Some(Timed::steady(split_to))),
        ("split", PairStatus::Psus | PairStatus::Ssws) => Ok(None),
        ("split", _) => cannot("split"),
        ("resync", PairStatus::Psus | PairStatus::Ssws | PairStatus::Psue) => Ok(Some(
            Timed::running(PairStatus::Copy, PairStatus::Pair, at, takes),
        )),
        ("resync", PairStatus::Copy | PairStatus::Pair) => Ok(None),
        ("resync", _) => cannot("resynchronized"),
        ("takeover", PairStatus::Ssws) => Ok(None),
        ("takeover", _) => Ok(Some(Timed::steady(PairStatus::Ssws))),
        _ => Err(ApiError::unknown_url()),
    }
}

fn apply(state: &mut State, id: &str, params: &ActionParams, at: Instant) -> Result<(), ApiError> {
    let takes = state.copy_duration;
    let pair = state
        .remote_copy
        .pairs
        .get_mut(id)
        .ok_or_else(|| gone(id))?;
    if let Some(next) = plan(pair, params, at, takes)? {
        pair.status = next;
    }
    Ok(())
}
