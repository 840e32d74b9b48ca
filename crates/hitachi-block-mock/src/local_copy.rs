//! ShadowImage (reference §12): local clone copy groups and pairs, their action templates,
//! and the status machine `COPY → PAIR`, split → `PSUS/SSUS`, resync → `COPY → PAIR`,
//! restore → `RCPY → PAIR`, delete → `SMPL` (the pair is gone).

use std::collections::BTreeMap;
use std::time::Instant;

use http::Method;
use serde_json::{Value, json};

use crate::copy_groups::{check_group_creation, refuse};
use crate::errors::ApiError;
use crate::jobs::{self, OpCtx, Step};
use crate::ldevs::{MAX_LDEV_ID, undefined};
use crate::pair_status::{PairStatus, Timed};
use crate::params::{Fields, check_name, query_bool, split_id};
use crate::request::Call;
use crate::router::{Reply, Sub, is_invoke_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// `copyGroupName` limit on create (Cinder `_MAX_COPY_GROUP_NAME`, A2).
const MAX_GROUP_NAME: usize = 29;
/// Pair and device group name limit (A2).
const MAX_NAME: usize = 31;
/// `copyPace` range (A2: 1–15, larger is faster).
const COPY_PACE: std::ops::RangeInclusive<u32> = 1..=15;
/// The copy pace of a pair created without one (A5: the "default 3").
const DEFAULT_PACE: u32 = 3;
/// MU numbers of ShadowImage pairs.
const MU_NUMBERS: std::ops::RangeInclusive<u32> = 0..=2;

/// A copy group: its name and device group names.
#[derive(Debug, Clone)]
pub(crate) struct CopyGroup {
    name: String,
    pvol_group: String,
    svol_group: String,
}

impl CopyGroup {
    fn id(&self) -> String {
        format!("{},{},{}", self.name, self.pvol_group, self.svol_group)
    }
}

/// One ShadowImage pair.
#[derive(Debug, Clone)]
pub(crate) struct LocalPair {
    group: String,
    name: String,
    pvol: u32,
    svol: u32,
    mu: u32,
    status: Timed,
    copy_pace: u32,
    consistency_group: Option<u32>,
    /// `NotSynchronized` for a volume-migration pair (A2).
    copy_mode: Option<String>,
}

/// Every copy group (by name) and pair (by its four-part ID).
#[derive(Debug, Default)]
pub(crate) struct LocalCopy {
    groups: BTreeMap<String, CopyGroup>,
    pairs: BTreeMap<String, LocalPair>,
}

impl LocalCopy {
    /// Applies copy progress up to `at`.
    pub(crate) fn settle(&mut self, at: Instant) {
        for pair in self.pairs.values_mut() {
            pair.status.settle(at);
        }
    }

    /// Whether an LDEV is the P-VOL or S-VOL of a pair.
    pub(crate) fn uses_ldev(&self, id: u32) -> bool {
        self.pairs.values().any(|p| p.pvol == id || p.svol == id)
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

    fn pair_id(&self, pair: &LocalPair) -> String {
        match self.groups.get(&pair.group) {
            Some(group) => format!("{},{}", group.id(), pair.name),
            None => format!("{},,,{}", pair.group, pair.name),
        }
    }
}

/// Requests on `local-clone-copypairs[/...]`.
pub(crate) fn handle_pairs(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => list_pairs(state, call),
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), &Method::GET) => state
            .local_copy
            .pairs
            .get(id)
            .map(|pair| Reply::json(pair_json(state, pair)))
            .ok_or_else(|| missing_pair(id)),
        (Sub::Item(id), &Method::DELETE) => delete_pair(state, call, caller, id),
        (Sub::Template(id, action), &Method::GET) => {
            state
                .local_copy
                .pairs
                .get(id)
                .ok_or_else(|| missing_pair(id))?;
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            template(action)?;
            invoke_pair(state, call, caller, id, action)
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// Requests on `local-clone-copygroups[/...]`.
pub(crate) fn handle_groups(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let data: Vec<Value> = state
                .local_copy
                .groups
                .values()
                .map(|g| group_json(state, g))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(id), &Method::GET) => find_group(state, id)
            .map(|g| Reply::json(group_json(state, g)))
            .ok_or_else(|| missing_group(id)),
        (Sub::Item(id), &Method::DELETE) => delete_group(state, call, caller, id),
        (Sub::Template(id, action), &Method::GET) => {
            find_group(state, id).ok_or_else(|| missing_group(id))?;
            if action == "migrate" {
                return Err(ApiError::unknown_url());
            }
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            if action == "migrate" {
                return Err(ApiError::unknown_url());
            }
            template(action)?;
            invoke_group(state, call, caller, id, action)
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

fn missing_pair(id: &str) -> ApiError {
    ApiError::not_found(&format!("The local clone copy pair {id}"))
}

fn missing_group(id: &str) -> ApiError {
    ApiError::not_found(&format!("The local clone copy group {id}"))
}

fn find_group<'a>(state: &'a State, id: &str) -> Option<&'a CopyGroup> {
    let parts = split_id(id, 3)?;
    state
        .local_copy
        .groups
        .get(parts[0])
        .filter(|g| g.pvol_group == parts[1] && g.svol_group == parts[2])
}

fn list_pairs(state: &State, call: &Call) -> Result<Reply, ApiError> {
    // A2: the copy group is a required query parameter of this list.
    let group_id = call
        .query("localCloneCopyGroupId")
        .ok_or_else(|| ApiError::missing("localCloneCopyGroupId"))?;
    query_bool(call, "refresh")?;
    let data: Vec<Value> = match find_group(state, group_id) {
        Some(group) => state
            .local_copy
            .pairs
            .values()
            .filter(|p| p.group == group.name)
            .map(|p| pair_json(state, p))
            .collect(),
        None => Vec::new(),
    };
    Ok(Reply::json(json!({ "data": data })))
}

fn pair_json(state: &State, pair: &LocalPair) -> Value {
    let (pvol_status, svol_status) = pair.status.get().views();
    let group = state.local_copy.groups.get(&pair.group);
    let mut object = json!({
        "localCloneCopypairId": state.local_copy.pair_id(pair),
        "copyGroupName": pair.group,
        "copyPairName": pair.name,
        "replicationType": "SI",
        "pvolLdevId": pair.pvol,
        "pvolMuNumber": pair.mu,
        "pvolStatus": pvol_status,
        "svolLdevId": pair.svol,
        "svolStatus": svol_status,
        "copyProgressRate": pair.status.progress(Instant::now()),
        "copyPace": pair.copy_pace,
        "isConsistencyGroup": pair.consistency_group.is_some(),
        "pvolDeviceGroupName": group.map(|g| g.pvol_group.clone()),
        "svolDeviceGroupName": group.map(|g| g.svol_group.clone()),
    });
    if let Some(ctg) = pair.consistency_group {
        object["consistencyGroupId"] = ctg.into();
    }
    if let Some(mode) = &pair.copy_mode {
        object["copyMode"] = mode.clone().into();
    }
    object
}

fn group_json(state: &State, group: &CopyGroup) -> Value {
    let pairs: Vec<Value> = state
        .local_copy
        .pairs
        .values()
        .filter(|p| p.group == group.name)
        .map(|p| pair_json(state, p))
        .collect();
    json!({
        "localCloneCopygroupId": group.id(),
        "copyGroupName": group.name,
        "pvolDeviceGroupName": group.pvol_group,
        "svolDeviceGroupName": group.svol_group,
        "copyPairs": pairs,
    })
}

/// The validated body of a create request.
#[derive(Debug, Clone)]
struct NewPair {
    group: String,
    name: String,
    pvol_group: String,
    svol_group: String,
    pvol: u32,
    svol: u32,
    mu: u32,
    new_group: bool,
    copy_pace: u32,
    auto_split: bool,
    consistency_group: Option<u32>,
    copy_mode: Option<String>,
}

fn parse_new_pair(call: &Call) -> Result<NewPair, ApiError> {
    let body = Fields::body(call)?;
    let group = body.str_req("copyGroupName")?.to_owned();
    check_name("copyGroupName", &group, MAX_GROUP_NAME)?;
    let name = body.str_req("copyPairName")?.to_owned();
    check_name("copyPairName", &name, MAX_NAME)?;
    let kind = body.str_req("replicationType")?;
    if kind != "SI" {
        return Err(ApiError::invalid(
            "replicationType",
            "Local clone copy pairs are ShadowImage pairs: specify SI.",
        ));
    }
    let pvol = body.u32_in_req("pvolLdevId", 0..=MAX_LDEV_ID)?;
    let svol = body.u32_in_req("svolLdevId", 0..=MAX_LDEV_ID)?;
    if pvol == svol {
        return Err(ApiError::invalid(
            "svolLdevId",
            "The P-VOL and the S-VOL must be different LDEVs.",
        ));
    }
    let mu = body.u32_in("pvolMuNumber", MU_NUMBERS)?.unwrap_or(0);
    let new_group = body.bool_req("isNewGroupCreation")?;
    let pvol_group = body
        .str_opt("pvolDeviceGroupName")?
        .map_or_else(|| format!("{group}P_"), str::to_owned);
    let svol_group = body
        .str_opt("svolDeviceGroupName")?
        .map_or_else(|| format!("{group}S_"), str::to_owned);
    check_name("pvolDeviceGroupName", &pvol_group, MAX_NAME)?;
    check_name("svolDeviceGroupName", &svol_group, MAX_NAME)?;
    if pvol_group == svol_group {
        return Err(ApiError::invalid(
            "svolDeviceGroupName",
            "The P-VOL and S-VOL device group names must differ.",
        ));
    }
    let copy_pace = body.u32_in("copyPace", COPY_PACE)?.unwrap_or(DEFAULT_PACE);
    let auto_split = body.bool_opt("autoSplit")?.unwrap_or(false);
    let is_ctg = body.bool_opt("isConsistencyGroup")?.unwrap_or(false);
    let ctg = body.u32_in("consistencyGroupId", 0..=255)?;
    body.bool_opt("quickMode")?;
    body.bool_opt("isDataReductionForceCopy")?;
    let copy_mode = body.str_opt("copyMode")?.map(str::to_owned);
    if let Some(mode) = &copy_mode
        && mode != "NotSynchronized"
    {
        return Err(ApiError::invalid("copyMode", "Specify NotSynchronized."));
    }
    Ok(NewPair {
        group,
        name,
        pvol_group,
        svol_group,
        pvol,
        svol,
        mu,
        new_group,
        copy_pace,
        auto_split,
        consistency_group: if is_ctg { Some(ctg.unwrap_or(0)) } else { ctg },
        copy_mode,
    })
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let new = parse_new_pair(call)?;
    let op = Box::new(
        move |state: &mut State, ctx: &OpCtx| match add_pair(state, &new, ctx.at) {
            Ok(path) => Step::ok(path),
            Err(error) => Step::err(error),
        },
    );
    Ok(jobs::reply(state, call, caller, op))
}

/// Checks a new pair against the storage and adds it; the job's affected resource.
fn add_pair(state: &mut State, new: &NewPair, at: Instant) -> Result<String, ApiError> {
    let pvol = state
        .ldevs
        .get(&new.pvol)
        .ok_or_else(|| undefined(new.pvol))?;
    let svol = state
        .ldevs
        .get(&new.svol)
        .ok_or_else(|| undefined(new.svol))?;
    if pvol.blocks != svol.blocks {
        // RAID Manager's "unmatched volume size for pairing".
        return Err(refuse(
            &format!(
                "The sizes of the P-VOL {} and the S-VOL {} differ.",
                new.pvol, new.svol
            ),
            "EX_ENQSIZ",
        ));
    }
    let copy = &state.local_copy;
    if copy
        .pairs
        .values()
        .any(|p| p.pvol == new.pvol && p.mu == new.mu)
    {
        return Err(refuse(
            &format!(
                "The LDEV {} is already a P-VOL with MU number {}.",
                new.pvol, new.mu
            ),
            "EX_CMDRJE",
        ));
    }
    if copy
        .pairs
        .values()
        .any(|p| p.svol == new.svol || p.pvol == new.svol)
    {
        return Err(refuse(
            &format!("The LDEV {} is already in a pair.", new.svol),
            "EX_CMDRJE",
        ));
    }
    if copy.pairs.values().any(|p| p.svol == new.pvol) {
        return Err(refuse(
            &format!("The LDEV {} is the S-VOL of another pair.", new.pvol),
            "EX_CMDRJE",
        ));
    }
    check_group_creation(
        &new.group,
        copy.groups
            .get(&new.group)
            .map(|g| (g.pvol_group.as_str(), g.svol_group.as_str())),
        new.new_group,
        (&new.pvol_group, &new.svol_group),
    )?;
    let in_group = |p: &&LocalPair| p.group == new.group;
    if copy
        .pairs
        .values()
        .filter(in_group)
        .any(|p| p.name == new.name)
    {
        return Err(refuse(
            &format!(
                "The copy pair name {} is already used in {}.",
                new.name, new.group
            ),
            "EX_CMDRJE",
        ));
    }
    let migration = new.copy_mode.is_some();
    if copy
        .pairs
        .values()
        .filter(in_group)
        .any(|p| p.copy_mode.is_some() != migration)
    {
        // A2: migration pairs and ShadowImage pairs do not share a copy group.
        return Err(refuse(
            "A migration pair cannot share a copy group with ShadowImage pairs.",
            "EX_CMDRJE",
        ));
    }
    if new.new_group {
        state.local_copy.groups.insert(
            new.group.clone(),
            CopyGroup {
                name: new.group.clone(),
                pvol_group: new.pvol_group.clone(),
                svol_group: new.svol_group.clone(),
            },
        );
    }
    let settled = if new.auto_split {
        PairStatus::Psus
    } else {
        PairStatus::Pair
    };
    let pair = LocalPair {
        group: new.group.clone(),
        name: new.name.clone(),
        pvol: new.pvol,
        svol: new.svol,
        mu: new.mu,
        status: Timed::running(PairStatus::Copy, settled, at, state.copy_duration),
        copy_pace: new.copy_pace,
        consistency_group: new.consistency_group,
        copy_mode: new.copy_mode.clone(),
    };
    let id = format!(
        "{},{},{},{}",
        new.group, new.pvol_group, new.svol_group, new.name
    );
    state.local_copy.pairs.insert(id.clone(), pair);
    Ok(state.object_path(&format!("local-clone-copypairs/{id}")))
}

fn delete_pair(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    id: &str,
) -> Result<Reply, ApiError> {
    if !state.local_copy.pairs.contains_key(id) {
        return Err(missing_pair(id));
    }
    let id = id.to_owned();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let Some(pair) = state.local_copy.pairs.remove(&id) else {
            return Step::err(refuse(
                &format!("The pair {id} does not exist."),
                "EX_ENOOBJ",
            ));
        };
        // The last pair takes its copy group with it: a group has no life of its own here.
        if !state
            .local_copy
            .pairs
            .values()
            .any(|p| p.group == pair.group)
        {
            state.local_copy.groups.remove(&pair.group);
        }
        Step::ok(state.object_path(&format!("local-clone-copypairs/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete_group(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    id: &str,
) -> Result<Reply, ApiError> {
    let name = find_group(state, id)
        .ok_or_else(|| missing_group(id))?
        .name
        .clone();
    let id = id.to_owned();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        state.local_copy.pairs.retain(|_, p| p.group != name);
        state.local_copy.groups.remove(&name);
        Step::ok(state.object_path(&format!("local-clone-copygroups/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

/// Action templates (§12.4). The split template's exact content is UNKNOWN; the reference
/// names `{"parameters":{"copyPace":null,"quickMode":null}}` a safe choice.
fn template(action: &str) -> Result<Value, ApiError> {
    match action {
        "split" | "resync" | "restore" => {
            Ok(json!({ "parameters": { "copyPace": null, "quickMode": null } }))
        }
        "migrate" => Ok(json!({ "parameters": {} })),
        _ => Err(ApiError::unknown_url()),
    }
}

/// An action's parameters, with `null` meaning "not specified".
#[derive(Debug, Clone, Copy)]
struct ActionParams {
    copy_pace: Option<u32>,
}

fn parse_action(call: &Call) -> Result<ActionParams, ApiError> {
    let params = Fields::parameters(call)?;
    params.bool_opt("quickMode")?;
    Ok(ActionParams {
        copy_pace: params.u32_in("copyPace", COPY_PACE)?,
    })
}

/// What an action does to a pair in a given status: `Ok(None)` is the documented "succeeds
/// but changes nothing" (A2 note), `Err` a 412.
fn plan(
    action: &str,
    pair: &LocalPair,
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
    match (action, status) {
        // A split during the initial copy is accepted: seed 001 splits right after the
        // create job ends, when a real pair may still be COPY (§10.4 item 9).
        ("split", PairStatus::Copy | PairStatus::Pair) => Ok(Some(Timed::steady(PairStatus::Psus))),
        ("split", PairStatus::Psus) => Ok(None),
        ("split", _) => cannot("split"),
        ("resync", PairStatus::Psus | PairStatus::Psue) => Ok(Some(Timed::running(
            PairStatus::Copy,
            PairStatus::Pair,
            at,
            takes,
        ))),
        ("resync", PairStatus::Copy | PairStatus::Pair | PairStatus::Rcpy) => Ok(None),
        ("resync", _) => cannot("resynchronized"),
        ("restore", PairStatus::Psus) => Ok(Some(Timed::running(
            PairStatus::Rcpy,
            PairStatus::Pair,
            at,
            takes,
        ))),
        ("restore", PairStatus::Rcpy) => Ok(None),
        ("restore", _) => cannot("restored"),
        ("migrate", PairStatus::Pair) if pair.copy_mode.is_some() => {
            Ok(Some(Timed::steady(PairStatus::Smpl)))
        }
        ("migrate", _) if pair.copy_mode.is_none() => Err(ApiError::not_runnable(
            "Only volume-migration pairs (copyMode NotSynchronized) can be migrated.",
        )),
        ("migrate", _) => cannot("migrated"),
        _ => Err(ApiError::unknown_url()),
    }
}

/// Applies an action to one pair at `at`.
fn apply(
    state: &mut State,
    id: &str,
    action: &str,
    params: ActionParams,
    at: Instant,
) -> Result<(), ApiError> {
    let takes = state.copy_duration;
    let pair = state
        .local_copy
        .pairs
        .get_mut(id)
        .ok_or_else(|| refuse(&format!("The pair {id} does not exist."), "EX_ENOOBJ"))?;
    let Some(next) = plan(action, pair, at, takes)? else {
        return Ok(());
    };
    if let Some(pace) = params.copy_pace {
        pair.copy_pace = pace;
    }
    if next.get() == PairStatus::Smpl {
        // A finished migration dissolves the pair.
        state.local_copy.pairs.remove(id);
    } else {
        pair.status = next;
    }
    Ok(())
}

fn invoke_pair(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    id: &str,
    action: &str,
) -> Result<Reply, ApiError> {
    let params = parse_action(call)?;
    let pair = state
        .local_copy
        .pairs
        .get(id)
        .ok_or_else(|| missing_pair(id))?;
    plan(action, pair, Instant::now(), state.copy_duration)?;
    let id = id.to_owned();
    let action = action.to_owned();
    let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
        match apply(state, &id, &action, params, ctx.at) {
            // The pair URL, even for a no-op: the seeds read affectedResources[0].
            Ok(()) => Step::ok(state.object_path(&format!("local-clone-copypairs/{id}"))),
            Err(error) => Step::err(error),
        }
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn invoke_group(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    id: &str,
    action: &str,
) -> Result<Reply, ApiError> {
    let params = parse_action(call)?;
    let name = find_group(state, id)
        .ok_or_else(|| missing_group(id))?
        .name
        .clone();
    let now = Instant::now();
    for pair in state.local_copy.pairs.values().filter(|p| p.group == name) {
        plan(action, pair, now, state.copy_duration)?;
    }
    let id = id.to_owned();
    let action = action.to_owned();
    let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
        let members: Vec<String> = state
            .local_copy
            .pairs
            .iter()
            .filter(|(_, p)| p.group == name)
            .map(|(pid, _)| pid.clone())
            .collect();
        for member in &members {
            if let Err(error) = apply(state, member, &action, params, ctx.at) {
                return Step::err(error);
            }
        }
        Step::ok(state.object_path(&format!("local-clone-copygroups/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}
