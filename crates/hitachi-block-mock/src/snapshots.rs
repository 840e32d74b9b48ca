//! Thin Image snapshots (reference §13): pairs `snapshots/{pvol},{mu}`, their groups
//! `snapshot-groups/{name}`, and actions split, resync, restore, clone, assign-volume,
//! unassign-volume (plus set-retention and virtual-clone accepted as no-ops).

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
use crate::ldevs::{MAX_LDEV_ID, undefined};
use crate::pair_status::{PairStatus, Timed};
use crate::params::{Fields, check_name, query_u64, split_id};
use crate::request::Call;
use crate::router::{Reply, Sub, is_invoke_method, sub};
use crate::sessions::Caller;
use crate::state::State;
use crate::timestamps::iso8601;

/// Thin Image MU numbers (A2: 0–1023).
const MU_NUMBERS: std::ops::RangeInclusive<u32> = 0..=1023;
/// The first MU number given out automatically, above ShadowImage's 0–2 on the same P-VOL.
const FIRST_AUTO_MU: u32 = 3;
/// The longest snapshot group name.
const MAX_GROUP_NAME: usize = 32;
/// Copy speeds of a clone (A4; case-insensitive).
const COPY_SPEEDS: [&str; 3] = ["slower", "medium", "faster"];

/// One Thin Image pair.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    group: String,
    pool: u32,
    pvol: u32,
    mu: u32,
    svol: Option<u32>,
    status: Timed,
    is_clone: bool,
    can_cascade: bool,
    consistency_group: bool,
    split_time: Option<SystemTime>,
}

/// Every Thin Image pair by (P-VOL, MU).
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    pairs: BTreeMap<(u32, u32), Snapshot>,
}

impl Snapshots {
    /// Applies copy progress up to `at`; a finished clone leaves its pair (its S-VOL is now
    /// an independent volume).
    pub(crate) fn settle(&mut self, at: Instant) {
        for pair in self.pairs.values_mut() {
            pair.status.settle(at);
        }
        self.pairs.retain(|_, p| p.status.get() != PairStatus::Smpl);
    }

    /// Whether an LDEV is the P-VOL or S-VOL of a snapshot.
    pub(crate) fn uses_ldev(&self, id: u32) -> bool {
        self.pairs
            .values()
            .any(|p| p.pvol == id || p.svol == Some(id))
    }

    /// Suspends a pair as a failure would (`PSUE`); `false` if there is no such pair.
    pub(crate) fn suspend(&mut self, id: &str) -> bool {
        parse_id(id)
            .and_then(|key| self.pairs.get_mut(&key))
            .map(|p| p.status = Timed::steady(PairStatus::Psue))
            .is_some()
    }

    /// The status of `pvol,mu` as (status, status).
    pub(crate) fn status(&self, id: &str) -> Option<(String, String)> {
        let key = parse_id(id)?;
        let name = self.pairs.get(&key)?.status.get().name();
        Some((name.to_owned(), name.to_owned()))
    }
}

fn parse_id(id: &str) -> Option<(u32, u32)> {
    let parts = split_id(id, 2)?;
    Some((parts[0].parse().ok()?, parts[1].parse().ok()?))
}

fn missing(id: &str) -> ApiError {
    ApiError::not_found(&format!("The snapshot {id}"))
}

/// Requests on `snapshots[/...]`.
pub(crate) fn handle_pairs(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => list(state, call),
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), &Method::GET) => parse_id(id)
            .and_then(|key| state.snapshots.pairs.get(&key))
            .map(|p| Reply::json(snapshot_json(p)))
            .ok_or_else(|| missing(id)),
        (Sub::Item(id), &Method::DELETE) => {
            let key = parse_id(id)
                .filter(|key| state.snapshots.pairs.contains_key(key))
                .ok_or_else(|| missing(id))?;
            let op = Box::new(move |state: &mut State, _: &OpCtx| {
                if state.snapshots.pairs.remove(&key).is_none() {
                    return Step::err(gone(key));
                }
                Step::ok(state.object_path(&format!("snapshots/{},{}", key.0, key.1)))
            });
            Ok(jobs::reply(state, call, caller, op))
        }
        (Sub::Template(id, action), &Method::GET) => {
            parse_id(id)
                .filter(|key| state.snapshots.pairs.contains_key(key))
                .ok_or_else(|| missing(id))?;
            template(action, false).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            template(action, false)?;
            let key = parse_id(id)
                .filter(|key| state.snapshots.pairs.contains_key(key))
                .ok_or_else(|| missing(id))?;
            let params = parse_action(call, action)?;
            if let Some(pair) = state.snapshots.pairs.get(&key) {
                plan(state, pair, action, &params, Instant::now())?;
            }
            let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
                match apply(state, key, &params, ctx.at) {
                    Ok(()) => {
                        Step::ok(state.object_path(&format!("snapshots/{},{}", key.0, key.1)))
                    }
                    Err(error) => Step::err(error),
                }
            });
            Ok(jobs::reply(state, call, caller, op))
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// Requests on `snapshot-groups[/...]`.
pub(crate) fn handle_groups(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    let members = |state: &State, name: &str| -> Vec<(u32, u32)> {
        state
            .snapshots
            .pairs
            .iter()
            .filter(|(_, p)| p.group == name)
            .map(|(key, _)| *key)
            .collect()
    };
    let group_json = |state: &State, name: &str| {
        let snapshots: Vec<Value> = state
            .snapshots
            .pairs
            .values()
            .filter(|p| p.group == name)
            .map(snapshot_json)
            .collect();
        json!({ "snapshotGroupName": name, "snapshotGroupId": name, "snapshots": snapshots })
    };
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let mut names: Vec<&str> = state
                .snapshots
                .pairs
                .values()
                .map(|p| p.group.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            let data: Vec<Value> = names.iter().map(|n| group_json(state, n)).collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(name), &Method::GET) => {
            if members(state, name).is_empty() {
                return Err(missing_group(name));
            }
            Ok(Reply::json(group_json(state, name)))
        }
        (Sub::Item(name), &Method::DELETE) => {
            if members(state, name).is_empty() {
                return Err(missing_group(name));
            }
            let name = name.to_owned();
            let op = Box::new(move |state: &mut State, _: &OpCtx| {
                state.snapshots.pairs.retain(|_, p| p.group != name);
                Step::ok(state.object_path(&format!("snapshot-groups/{name}")))
            });
            Ok(jobs::reply(state, call, caller, op))
        }
        (Sub::Template(name, action), &Method::GET) => {
            if members(state, name).is_empty() {
                return Err(missing_group(name));
            }
            template(action, true).map(Reply::json)
        }
        (Sub::Invoke(name, action), m) if is_invoke_method(m) => {
            template(action, true)?;
            let keys = members(state, name);
            if keys.is_empty() {
                return Err(missing_group(name));
            }
            let params = parse_action(call, action)?;
            let now = Instant::now();
            for key in &keys {
                if let Some(pair) = state.snapshots.pairs.get(key) {
                    plan(state, pair, action, &params, now)?;
                }
            }
            let name = name.to_owned();
            let op = Box::new(move |state: &mut State, ctx: &OpCtx| {
                let keys: Vec<(u32, u32)> = state
                    .snapshots
                    .pairs
                    .iter()
                    .filter(|(_, p)| p.group == name)
                    .map(|(key, _)| *key)
                    .collect();
                for key in keys {
                    if let Err(error) = apply(state, key, &params, ctx.at) {
                        return Step::err(error);
                    }
                }
                Step::ok(state.object_path(&format!("snapshot-groups/{name}")))
            });
            Ok(jobs::reply(state, call, caller, op))
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

fn missing_group(name: &str) -> ApiError {
    ApiError::not_found(&format!("The snapshot group {name}"))
}

fn gone(key: (u32, u32)) -> ApiError {
    ApiError::storage(
        &format!("The snapshot {},{} does not exist.", key.0, key.1),
        ErrorCode::rc("EX_ENOOBJ"),
    )
}

fn list(state: &State, call: &Call) -> Result<Reply, ApiError> {
    let pvol = query_u64(call, "pvolLdevId")?;
    let svol = query_u64(call, "svolLdevId")?;
    let mu = query_u64(call, "muNumber")?;
    let group = call.query("snapshotGroupName");
    let data: Vec<Value> = state
        .snapshots
        .pairs
        .values()
        .filter(|p| pvol.is_none_or(|v| u64::from(p.pvol) == v))
        .filter(|p| svol.is_none_or(|v| p.svol.map(u64::from) == Some(v)))
        .filter(|p| mu.is_none_or(|v| u64::from(p.mu) == v))
        .filter(|p| group.is_none_or(|g| p.group == g))
        .map(snapshot_json)
        .collect();
    Ok(Reply::json(json!({ "data": data })))
}

fn snapshot_json(p: &Snapshot) -> Value {
    let id = format!("{},{}", p.pvol, p.mu);
    let mut object = json!({
        "snapshotGroupName": p.group,
        "primaryOrSecondary": "P-VOL",
        "status": p.status.get().name(),
        "concordanceRate": p.status.progress(Instant::now()),
        "isConsistencyGroup": p.consistency_group,
        "isWrittenInSvol": false,
        "isClone": p.is_clone,
        "canCascade": p.can_cascade,
        "isRedirectOnWrite": true,
        "pvolLdevId": p.pvol,
        "muNumber": p.mu,
        "snapshotPoolId": p.pool,
        "snapshotId": id,
        "snapshotReplicationId": id,
    });
    if let Some(svol) = p.svol {
        object["svolLdevId"] = svol.into();
    }
    if let Some(t) = p.split_time {
        object["splitTime"] = iso8601(t).into();
    }
    object
}

#[derive(Debug, Clone)]
struct NewSnapshot {
    group: String,
    pool: u32,
    pvol: u32,
    svol: Option<u32>,
    mu: Option<u32>,
    auto_split: bool,
    is_clone: bool,
    clones_automation: bool,
    can_cascade: bool,
    consistency_group: bool,
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let group = body.str_req("snapshotGroupName")?.to_owned();
    check_name("snapshotGroupName", &group, MAX_GROUP_NAME)?;
    let is_clone = body.bool_opt("isClone")?.unwrap_or(false);
    let new = NewSnapshot {
        group,
        pool: body.u32_in_req("snapshotPoolId", 0..=127)?,
        pvol: body.u32_in_req("pvolLdevId", 0..=MAX_LDEV_ID)?,
        svol: body.u32_in("svolLdevId", 0..=MAX_LDEV_ID)?,
        mu: body.u32_in("muNumber", MU_NUMBERS)?,
        auto_split: body.bool_opt("autoSplit")?.unwrap_or(false),
        is_clone,
        clones_automation: body.bool_opt("clonesAutomation")?.unwrap_or(false),
        can_cascade: body.bool_opt("canCascade")?.unwrap_or(is_clone),
        consistency_group: body.bool_opt("isConsistencyGroup")?.unwrap_or(false),
    };
    copy_speed(&body)?;
    body.bool_opt("isDataReductionForceCopy")?;
    if new.svol == Some(new.pvol) {
        return Err(ApiError::invalid(
            "svolLdevId",
            "The P-VOL and the S-VOL must be different LDEVs.",
        ));
    }
    if new.is_clone && new.svol.is_none() {
        return Err(ApiError::missing("svolLdevId"));
    }
    let op = Box::new(
        move |state: &mut State, ctx: &OpCtx| match add(state, &new, ctx.at) {
            Ok(path) => Step::ok(path),
            Err(error) => Step::err(error),
        },
    );
    Ok(jobs::reply(state, call, caller, op))
}

fn copy_speed(fields: &Fields<'_>) -> Result<(), ApiError> {
    match fields.str_opt("copySpeed")? {
        Some(speed) if !COPY_SPEEDS.iter().any(|s| s.eq_ignore_ascii_case(speed)) => Err(
            ApiError::invalid("copySpeed", "Specify slower, medium or faster."),
        ),
        _ => Ok(()),
    }
}

fn check_svol(state: &State, pvol: u32, svol: u32) -> Result<(), ApiError> {
    let p = state.ldevs.get(&pvol).ok_or_else(|| undefined(pvol))?;
    let s = state.ldevs.get(&svol).ok_or_else(|| undefined(svol))?;
    if p.blocks != s.blocks {
        return Err(ApiError::storage(
            &format!("The sizes of the P-VOL {pvol} and the S-VOL {svol} differ."),
            ErrorCode::rc("EX_ENQSIZ"),
        ));
    }
    if state.snapshots.uses_ldev(svol) || state.local_copy.uses_ldev(svol) {
        return Err(ApiError::storage(
            &format!("The LDEV {svol} is already in a pair."),
            ErrorCode::rc("EX_CMDRJE"),
        ));
    }
    Ok(())
}

fn add(state: &mut State, new: &NewSnapshot, at: Instant) -> Result<String, ApiError> {
    if !state.pools.contains_key(&new.pool) {
        // Cinder's INVALID_SNAPSHOT_POOL.
        return Err(ApiError::storage(
            &format!("The pool {} cannot be used for snapshots.", new.pool),
            ErrorCode::ssb("2E30", "600E"),
        ));
    }
    if !state.ldevs.contains_key(&new.pvol) {
        return Err(undefined(new.pvol));
    }
    if let Some(svol) = new.svol {
        check_svol(state, new.pvol, svol)?;
    }
    let taken = |mu: u32| state.snapshots.pairs.contains_key(&(new.pvol, mu));
    let mu = match new.mu {
        Some(mu) if taken(mu) => {
            return Err(ApiError::storage(
                &format!("The MU number {mu} of LDEV {} is already used.", new.pvol),
                ErrorCode::rc("EX_CMDRJE"),
            ));
        }
        Some(mu) => mu,
        None => (FIRST_AUTO_MU..=*MU_NUMBERS.end())
            .find(|mu| !taken(*mu))
            .ok_or_else(|| {
                ApiError::storage("No MU number is free.", ErrorCode::rc("EX_CMDRJE"))
            })?,
    };
    let (status, split_time) = if new.is_clone && new.clones_automation {
        // An automated clone copies and then dissolves the pair.
        (
            Timed::running(PairStatus::Copy, PairStatus::Smpl, at, state.copy_duration),
            None,
        )
    } else if new.auto_split {
        (Timed::steady(PairStatus::Psus), Some(SystemTime::now()))
    } else {
        (Timed::steady(PairStatus::Pair), None)
    };
    state.snapshots.pairs.insert(
        (new.pvol, mu),
        Snapshot {
            group: new.group.clone(),
            pool: new.pool,
            pvol: new.pvol,
            mu,
            svol: new.svol,
            status,
            is_clone: new.is_clone,
            can_cascade: new.can_cascade,
            consistency_group: new.consistency_group,
            split_time,
        },
    );
    Ok(state.object_path(&format!("snapshots/{},{mu}", new.pvol)))
}

fn template(action: &str, group: bool) -> Result<Value, ApiError> {
    let parameters = match action {
        "split" | "resync" => json!({}),
        "restore" => json!({ "autoSplit": null }),
        "clone" => json!({ "copySpeed": null }),
        "assign-volume" | "unassign-volume" | "set-retention" | "virtual-clone" if !group => {
            match action {
                "assign-volume" => json!({ "svolLdevId": null }),
                "set-retention" => json!({ "retentionPeriod": null }),
                _ => json!({}),
            }
        }
        _ => return Err(ApiError::unknown_url()),
    };
    Ok(json!({ "parameters": parameters }))
}

/// A parsed action and its parameters.
#[derive(Debug, Clone)]
struct ActionParams {
    action: String,
    auto_split: bool,
    svol: Option<u32>,
}

fn parse_action(call: &Call, action: &str) -> Result<ActionParams, ApiError> {
    let params = Fields::parameters(call)?;
    copy_speed(&params)?;
    let svol = if action == "assign-volume" {
        Some(params.u32_in_req("svolLdevId", 0..=MAX_LDEV_ID)?)
    } else {
        None
    };
    params.u64_opt("retentionPeriod")?;
    Ok(ActionParams {
        action: action.to_owned(),
        auto_split: params.bool_opt("autoSplit")?.unwrap_or(false),
        svol,
    })
}

/// The new status (or `None` for a documented no-op) of an action on a pair; `Err` is a
/// 412 (A2: "the pair can't be split or cloned").
fn plan(
    state: &State,
    pair: &Snapshot,
    action: &str,
    params: &ActionParams,
    at: Instant,
) -> Result<Option<Timed>, ApiError> {
    let status = pair.status.get();
    let takes = state.copy_duration;
    let cannot = |what: &str| {
        Err(ApiError::not_runnable(format!(
            "The snapshot {},{} is {} and cannot be {what}.",
            pair.pvol,
            pair.mu,
            status.name()
        )))
    };
    match (action, status) {
        ("split", PairStatus::Pair) => Ok(Some(Timed::steady(PairStatus::Psus))),
        ("split", PairStatus::Psus) => Ok(None),
        ("split", _) => cannot("split"),
        ("resync", PairStatus::Psus | PairStatus::Psue) => Ok(Some(Timed::running(
            PairStatus::Copy,
            PairStatus::Pair,
            at,
            takes,
        ))),
        ("resync", PairStatus::Pair | PairStatus::Copy) => Ok(None),
        ("resync", _) => cannot("resynchronized"),
        ("restore", PairStatus::Psus) => {
            let then = if params.auto_split {
                PairStatus::Psus
            } else {
                PairStatus::Pair
            };
            Ok(Some(Timed::running(PairStatus::Rcpy, then, at, takes)))
        }
        ("restore", _) => cannot("restored"),
        ("clone", PairStatus::Pair | PairStatus::Psus) if pair.svol.is_some() => Ok(Some(
            Timed::running(PairStatus::Copy, PairStatus::Smpl, at, takes),
        )),
        ("clone", _) => cannot("cloned"),
        ("assign-volume", _) if pair.svol.is_some() => cannot("given another S-VOL"),
        ("assign-volume", _) => {
            check_svol(state, pair.pvol, params.svol.unwrap_or(pair.pvol))?;
            Ok(None)
        }
        ("unassign-volume", _) if pair.svol.is_none() => cannot("left without an S-VOL"),
        ("unassign-volume" | "set-retention" | "virtual-clone", _) => Ok(None),
        _ => Err(ApiError::unknown_url()),
    }
}

fn apply(
    state: &mut State,
    key: (u32, u32),
    params: &ActionParams,
    at: Instant,
) -> Result<(), ApiError> {
    let pair = state.snapshots.pairs.get(&key).ok_or_else(|| gone(key))?;
    let next = plan(state, pair, &params.action, params, at)?;
    let Some(pair) = state.snapshots.pairs.get_mut(&key) else {
        return Err(gone(key));
    };
    match params.action.as_str() {
        "assign-volume" => pair.svol = params.svol,
        "unassign-volume" => pair.svol = None,
        "split" if next.is_some() => pair.split_time = Some(SystemTime::now()),
        _ => {}
    }
    if let Some(next) = next {
        pair.status = next;
    }
    Ok(())
}
