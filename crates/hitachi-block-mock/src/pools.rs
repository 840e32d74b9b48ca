//! Pools (reference §13): list, get, create, settings change, expand, shrink, delete.
//!
//! A pool is made of pool volumes: basic LDEVs (defined, not DP volumes, not in use). The
//! bodies follow the public clients of the embedded REST API (Ansible `vsp_storage_pool`):
//! `POST pools {poolId, poolName, poolType, ldevIds | startLdevId + endLdevId,
//! warningThreshold, depletionThreshold, duplicationLdevIds}`, `PATCH pools/{id}`,
//! `pools/{id}/actions/{expand,shrink,stop-shrinking}/invoke`, `DELETE pools/{id}`.
//! Bad bodies are refused with 400 before a job exists; what depends on the storage
//! (a free pool number, usable LDEVs) fails the job, as on the real array.

use std::collections::{BTreeMap, BTreeSet};

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
use crate::ldevs::{MAX_LDEV_ID, undefined};
use crate::params::{Fields, check_name};
use crate::request::Call;
use crate::router::{Reply, Sub, is_invoke_method, is_update_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// The highest pool number (VSP G900: 0–127; the LDEV and snapshot routes use the same).
const MAX_POOL_ID: u32 = 127;
/// The longest pool name.
const MAX_POOL_NAME: usize = 32;
/// The most pool volumes one request names (Ansible: "no more than 64 LDEVs").
const MAX_VOLUMES: usize = 64;
/// The largest subscription limit in percent; `-1` is "unlimited".
const MAX_SUBSCRIPTION: i64 = 65_534;
/// Pool types a pool can be created as.
const CREATE_TYPES: [&str; 3] = ["HDP", "HDT", "HTI"];
/// Pool types a pool can be changed to.
const CHANGE_TYPES: [&str; 3] = ["HDP", "HDT", "RT"];
/// The 512-byte blocks in one MB, the unit of pool capacities.
const BLOCKS_PER_MB: u64 = 2048;

/// One pool.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    id: u32,
    name: String,
    pool_type: String,
    /// Capacity not held in pool volumes the mock knows of (the seed pools'), in MB.
    base_mb: u64,
    volumes: BTreeSet<u32>,
    warning: u32,
    depletion: u32,
    subscription: i64,
    suspend_snapshot: bool,
    monitoring_mode: String,
    blocking_mode: String,
    /// Tier number → (tablespace rate, buffer rate).
    tiers: BTreeMap<u32, (u32, u32)>,
}

impl Pool {
    pub(crate) fn new(id: u32, name: &str, pool_type: &str, total_mb: u64) -> Self {
        Self {
            id,
            name: name.to_owned(),
            pool_type: pool_type.to_owned(),
            base_mb: total_mb,
            volumes: BTreeSet::new(),
            warning: 70,
            depletion: 80,
            subscription: -1,
            suspend_snapshot: true,
            monitoring_mode: "PM".to_owned(),
            blocking_mode: "NB".to_owned(),
            tiers: BTreeMap::new(),
        }
    }

    /// Whether LDEV `id` is one of the pool's volumes.
    pub(crate) fn has_volume(&self, id: u32) -> bool {
        self.volumes.contains(&id)
    }

    fn total_mb(&self, state: &State) -> u64 {
        let volumes: u64 = self
            .volumes
            .iter()
            .filter_map(|id| state.ldevs.get(id))
            .map(|l| l.blocks / BLOCKS_PER_MB)
            .sum();
        self.base_mb.saturating_add(volumes)
    }
}

/// Requests on `pools[/...]`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let wanted = call.query("poolType");
            let data: Vec<Value> = state
                .pools
                .values()
                .filter(|p| wanted.is_none_or(|t| t.eq_ignore_ascii_case(&p.pool_type)))
                .map(|p| pool_json(state, p))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), &Method::GET) => {
            let id = existing(state, id)?;
            let pool = state.pools.get(&id).ok_or_else(|| missing_pool(id))?;
            Ok(Reply::json(pool_json(state, pool)))
        }
        (Sub::Item(id), m) if is_update_method(m) => {
            let id = existing(state, id)?;
            change(state, call, caller, id)
        }
        (Sub::Item(id), &Method::DELETE) => {
            let id = existing(state, id)?;
            delete(state, call, caller, id)
        }
        (Sub::Template(id, action), &Method::GET) => {
            existing(state, id)?;
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            let id = existing(state, id)?;
            template(action)?;
            invoke(state, call, caller, id, action)
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// The pool of a URL, which must exist (404 otherwise).
fn existing(state: &State, id: &str) -> Result<u32, ApiError> {
    id.parse::<u32>()
        .ok()
        .filter(|id| state.pools.contains_key(id))
        .ok_or_else(|| ApiError::not_found(&format!("The pool {id}")))
}

fn missing_pool(id: u32) -> ApiError {
    ApiError::not_found(&format!("The pool {id}"))
}

fn pool_json(state: &State, pool: &Pool) -> Value {
    let ldevs: Vec<u32> = state
        .ldevs
        .values()
        .filter(|l| l.pool_id == Some(pool.id))
        .map(|l| l.id)
        .collect();
    // DP volumes allocate on write; the mock writes nothing, so report the provisioned
    // capacity as "located" and keep the used rate at zero.
    let located_mb: u64 = state
        .ldevs
        .values()
        .filter(|l| l.pool_id == Some(pool.id))
        .map(|l| l.blocks / BLOCKS_PER_MB)
        .sum();
    let total_mb = pool.total_mb(state);
    let mut object = json!({
        "poolId": pool.id,
        "poolName": pool.name,
        "poolType": pool.pool_type,
        "poolStatus": "POLN",
        "usedCapacityRate": 0,
        "availableVolumeCapacity": total_mb,
        "totalPoolCapacity": total_mb,
        "totalLocatedCapacity": located_mb,
        "numOfLdevs": ldevs.len(),
        "firstLdevId": ldevs.first(),
        "warningThreshold": pool.warning,
        "depletionThreshold": pool.depletion,
        "virtualVolumeCapacityRate": pool.subscription,
        "isMainframe": false,
        "isShrinking": false,
        "locatedVolumeCount": ldevs.len(),
        "totalReservedCapacity": 0,
        "blockingMode": pool.blocking_mode,
        "duplicationNumber": 0,
        "suspendSnapshot": pool.suspend_snapshot,
    });
    if matches!(pool.pool_type.as_str(), "HDT" | "RT") {
        object["monitoringMode"] = pool.monitoring_mode.clone().into();
        // Mock choice: the tier settings as they were last set.
        let tiers: Vec<Value> = pool
            .tiers
            .iter()
            .map(|(n, (table, buffer))| {
                json!({ "tierNumber": n, "tablespaceRate": table, "bufferRate": buffer })
            })
            .collect();
        object["tiers"] = tiers.into();
    }
    object
}

/// The pool volumes a body names: `ldevIds`, or `startLdevId` + `endLdevId`.
fn volumes(fields: &Fields<'_>) -> Result<Vec<u32>, ApiError> {
    let list = fields.u64_list("ldevIds")?;
    let start = fields.u32_in("startLdevId", 0..=MAX_LDEV_ID)?;
    let end = fields.u32_in("endLdevId", 0..=MAX_LDEV_ID)?;
    let ids: Vec<u32> = match (list, start, end) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::invalid(
                "ldevIds",
                "Specify either ldevIds or startLdevId and endLdevId, not both.",
            ));
        }
        (Some(list), None, None) => list
            .into_iter()
            .map(|id| {
                u32::try_from(id)
                    .ok()
                    .filter(|id| *id <= MAX_LDEV_ID)
                    .ok_or_else(|| ApiError::invalid("ldevIds", "The LDEV ID is out of range."))
            })
            .collect::<Result<_, _>>()?,
        (None, Some(start), Some(end)) if start <= end => (start..=end).collect(),
        (None, Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "endLdevId",
                "endLdevId must not be smaller than startLdevId.",
            ));
        }
        (None, Some(_), None) => return Err(ApiError::missing("endLdevId")),
        (None, None, Some(_)) => return Err(ApiError::missing("startLdevId")),
        (None, None, None) => return Err(ApiError::missing("ldevIds")),
    };
    if ids.is_empty() || ids.len() > MAX_VOLUMES {
        return Err(ApiError::invalid(
            "ldevIds",
            &format!("Specify 1 to {MAX_VOLUMES} LDEVs."),
        ));
    }
    if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
        return Err(ApiError::invalid("ldevIds", "An LDEV is specified twice."));
    }
    Ok(ids)
}

/// A threshold in percent (1–100).
fn threshold(fields: &Fields<'_>, key: &str) -> Result<Option<u32>, ApiError> {
    fields.u32_in(key, 1..=100)
}

/// Why LDEV `id` cannot become a pool volume, if it cannot.
fn unusable(state: &State, id: u32) -> Option<ApiError> {
    let Some(ldev) = state.ldevs.get(&id) else {
        return Some(undefined(id));
    };
    let reason = if ldev.pool_id.is_some() {
        Some("it is a DP volume")
    } else if state.pools.values().any(|p| p.has_volume(id)) {
        Some("it is already a pool volume")
    } else {
        state.ldev_in_use(id)
    };
    reason.map(|r| {
        ApiError::storage(
            &format!("The LDEV {id} cannot be a pool volume: {r}"),
            ErrorCode::rc("EX_CMDRJE"),
        )
    })
}

fn rejected(detail: &str) -> ApiError {
    ApiError::storage(detail, ErrorCode::rc("EX_CMDRJE"))
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let id = body.u32_in_req("poolId", 0..=MAX_POOL_ID)?;
    let name = body.str_req("poolName")?.to_owned();
    check_name("poolName", &name, MAX_POOL_NAME)?;
    let pool_type = body.str_req("poolType")?.to_owned();
    if pool_type == "RT" {
        return Err(ApiError::invalid(
            "poolType",
            "Create the pool as HDT, and then change its type to RT.",
        ));
    }
    if !CREATE_TYPES.contains(&pool_type.as_str()) {
        return Err(ApiError::invalid("poolType", "Specify HDP, HDT or HTI."));
    }
    let ldevs = volumes(&body)?;
    let warning = threshold(&body, "warningThreshold")?;
    let depletion = threshold(&body, "depletionThreshold")?;
    if pool_type == "HTI" && depletion.is_some() {
        return Err(ApiError::invalid(
            "depletionThreshold",
            "A Thin Image pool has no depletion threshold.",
        ));
    }
    if let (Some(w), Some(d)) = (warning, depletion)
        && w > d
    {
        return Err(ApiError::invalid(
            "warningThreshold",
            "The warning threshold must not exceed the depletion threshold.",
        ));
    }
    // Accepted and checked, not modelled: deduplication volumes the array would create.
    if let Some(dedup) = body.u64_list("duplicationLdevIds")?
        && dedup
            .iter()
            .any(|id| ldevs.iter().any(|v| u64::from(*v) == *id))
    {
        return Err(ApiError::invalid(
            "duplicationLdevIds",
            "A deduplication volume cannot also be a pool volume.",
        ));
    }

    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if state.pools.contains_key(&id) {
            return Step::err(rejected(&format!("The pool {id} already exists.")));
        }
        if state.pools.values().any(|p| p.name == name) {
            return Step::err(rejected(&format!("The pool name {name} is already used.")));
        }
        if let Some(error) = ldevs.iter().find_map(|l| unusable(state, *l)) {
            return Step::err(error);
        }
        let mut pool = Pool::new(id, &name, &pool_type, 0);
        pool.volumes = ldevs.iter().copied().collect();
        if let Some(w) = warning {
            pool.warning = w;
        }
        if let Some(d) = depletion {
            pool.depletion = d;
        }
        // A new pool's default thresholds must not contradict one that was given.
        pool.depletion = pool.depletion.max(pool.warning);
        state.pools.insert(id, pool);
        Step::ok(state.object_path(&format!("pools/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

/// The settings a `PATCH pools/{id}` changes.
#[derive(Debug, Clone, Default)]
struct Change {
    name: Option<String>,
    pool_type: Option<String>,
    warning: Option<u32>,
    depletion: Option<u32>,
    subscription: Option<i64>,
    suspend_snapshot: Option<bool>,
    monitoring_mode: Option<String>,
    blocking_mode: Option<String>,
    tier: Option<(u32, u32, u32)>,
}

/// A string field that must be one of `allowed`.
fn one_of(fields: &Fields<'_>, key: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match fields.str_opt(key)? {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(_) => Err(ApiError::invalid(
            key,
            &format!("Specify one of {}.", allowed.join(", ")),
        )),
    }
}

fn parse_change(call: &Call) -> Result<Change, ApiError> {
    let body = Fields::body(call)?;
    let name = body.str_opt("poolName")?.map(str::to_owned);
    if let Some(name) = &name {
        check_name("poolName", name, MAX_POOL_NAME)?;
    }
    let subscription = match call
        .json
        .as_ref()
        .and_then(|v| v.get("virtualVolumeCapacityRate"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|n| *n == -1 || (0..=MAX_SUBSCRIPTION).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "virtualVolumeCapacityRate",
                        &format!("Specify -1 (no limit) or 0 to {MAX_SUBSCRIPTION}."),
                    )
                })?,
        ),
    };
    let tier = match call.json.as_ref().and_then(|v| v.get("tier")) {
        None | Some(Value::Null) => None,
        Some(Value::Object(t)) => {
            let get = |key: &str, range: std::ops::RangeInclusive<u64>| {
                t.get(key)
                    .and_then(Value::as_u64)
                    .filter(|n| range.contains(n))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            key,
                            &format!("Specify {} to {}.", range.start(), range.end()),
                        )
                    })
            };
            Some((
                get("tierNumber", 1..=3)?,
                get("tablespaceRate", 0..=100)?,
                get("bufferRate", 0..=100)?,
            ))
        }
        Some(_) => return Err(ApiError::invalid("tier", "An object is required.")),
    };
    let change = Change {
        name,
        pool_type: one_of(&body, "poolType", &CHANGE_TYPES)?,
        warning: threshold(&body, "warningThreshold")?,
        depletion: threshold(&body, "depletionThreshold")?,
        subscription,
        suspend_snapshot: body.bool_opt("suspendSnapshot")?,
        monitoring_mode: one_of(&body, "monitoringMode", &["PM", "CM"])?,
        blocking_mode: one_of(&body, "blockingMode", &["PF", "PB", "FB", "NB"])?,
        tier,
    };
    let nothing = change.name.is_none()
        && change.pool_type.is_none()
        && change.warning.is_none()
        && change.depletion.is_none()
        && change.subscription.is_none()
        && change.suspend_snapshot.is_none()
        && change.monitoring_mode.is_none()
        && change.blocking_mode.is_none()
        && change.tier.is_none();
    if nothing {
        return Err(ApiError::missing("poolName"));
    }
    Ok(change)
}

fn change(state: &mut State, call: &Call, caller: &Caller, id: u32) -> Result<Reply, ApiError> {
    let change = parse_change(call)?;
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("pools/{id}"));
        if let Some(name) = &change.name
            && state.pools.values().any(|p| p.id != id && &p.name == name)
        {
            return Step::err(rejected(&format!("The pool name {name} is already used.")));
        }
        let Some(pool) = state.pools.get_mut(&id) else {
            return Step::err(rejected(&format!("The pool {id} does not exist.")));
        };
        if change.pool_type.is_some() && pool.pool_type == "HTI" {
            return Step::err(rejected("The type of a Thin Image pool cannot change."));
        }
        let tiered = |t: &str| matches!(t, "HDT" | "RT");
        let new_type = change
            .pool_type
            .clone()
            .unwrap_or_else(|| pool.pool_type.clone());
        if (change.monitoring_mode.is_some() || change.tier.is_some()) && !tiered(&new_type) {
            return Step::err(rejected("Tier settings apply to HDT and RT pools only."));
        }
        let warning = change.warning.unwrap_or(pool.warning);
        let depletion = change.depletion.unwrap_or(pool.depletion);
        if warning > depletion {
            return Step::err(rejected(
                "The warning threshold would exceed the depletion threshold.",
            ));
        }
        if let Some(name) = &change.name {
            pool.name.clone_from(name);
        }
        pool.pool_type = new_type;
        pool.warning = warning;
        pool.depletion = depletion;
        if let Some(v) = change.subscription {
            pool.subscription = v;
        }
        if let Some(v) = change.suspend_snapshot {
            pool.suspend_snapshot = v;
        }
        if let Some(v) = &change.monitoring_mode {
            pool.monitoring_mode.clone_from(v);
        }
        if let Some(v) = &change.blocking_mode {
            pool.blocking_mode.clone_from(v);
        }
        if let Some((n, table, buffer)) = change.tier {
            pool.tiers.insert(n, (table, buffer));
        }
        Step::ok(path)
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete(state: &mut State, call: &Call, caller: &Caller, id: u32) -> Result<Reply, ApiError> {
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if !state.pools.contains_key(&id) {
            return Step::err(rejected(&format!("The pool {id} does not exist.")));
        }
        if state.ldevs.values().any(|l| l.pool_id == Some(id)) {
            return Step::err(rejected(&format!("The pool {id} has DP volumes.")));
        }
        // Its pool volumes stay, as basic LDEVs.
        state.pools.remove(&id);
        Step::ok(state.object_path(&format!("pools/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn template(action: &str) -> Result<Value, ApiError> {
    match action {
        "expand" => Ok(json!({ "parameters": { "ldevIds": null } })),
        "shrink" => Ok(json!({ "parameters": {
            "ldevIds": null,
            "startLdevId": null,
            "endLdevId": null,
        }})),
        "stop-shrinking" => Ok(json!({ "parameters": {} })),
        _ => Err(ApiError::unknown_url()),
    }
}

fn invoke(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    id: u32,
    action: &str,
) -> Result<Reply, ApiError> {
    let params = Fields::parameters(call)?;
    let op: jobs::Op = match action {
        "expand" => {
            if params.has("startLdevId") || params.has("endLdevId") {
                return Err(ApiError::invalid(
                    "startLdevId",
                    "Specify the LDEVs to add in ldevIds.",
                ));
            }
            let ldevs = volumes(&params)?;
            Box::new(move |state: &mut State, _: &OpCtx| {
                if let Some(error) = ldevs.iter().find_map(|l| unusable(state, *l)) {
                    return Step::err(error);
                }
                let path = state.object_path(&format!("pools/{id}"));
                let Some(pool) = state.pools.get_mut(&id) else {
                    return Step::err(rejected(&format!("The pool {id} does not exist.")));
                };
                pool.volumes.extend(ldevs.iter().copied());
                Step::ok(path)
            })
        }
        "shrink" => {
            let ldevs = volumes(&params)?;
            Box::new(move |state: &mut State, _: &OpCtx| {
                let path = state.object_path(&format!("pools/{id}"));
                let Some(pool) = state.pools.get_mut(&id) else {
                    return Step::err(rejected(&format!("The pool {id} does not exist.")));
                };
                if let Some(l) = ldevs.iter().find(|l| !pool.has_volume(**l)) {
                    return Step::err(rejected(&format!(
                        "The LDEV {l} is not a volume of the pool {id}."
                    )));
                }
                if pool.base_mb == 0 && pool.volumes.len() <= ldevs.len() {
                    return Step::err(rejected("A pool keeps at least one pool volume."));
                }
                for l in &ldevs {
                    pool.volumes.remove(l);
                }
                Step::ok(path)
            })
        }
        // Shrinks complete within their job here, so there is never one to stop.
        _ => Box::new(move |state: &mut State, _: &OpCtx| {
            Step::ok(state.object_path(&format!("pools/{id}")))
        }),
    };
    Ok(jobs::reply(state, call, caller, op))
}
