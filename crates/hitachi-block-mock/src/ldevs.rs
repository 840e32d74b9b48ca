//! LDEVs (reference §13, paging §14): list by `headLdevId` + `count`, get, create in a
//! pool, label change, delete, and actions (`expand`, plus accepted no-op actions).

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
use crate::params::{Fields, query_u64};
use crate::request::Call;
use crate::router::{Reply, Sub, is_invoke_method, is_update_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// The highest LDEV ID (VSP G900: 0–65279).
pub(crate) const MAX_LDEV_ID: u32 = 65_279;
/// The largest `count` of an LDEV list (§14).
const MAX_COUNT: u64 = 16_384;
/// The `count` when none is given (§14).
const DEFAULT_COUNT: u64 = 100;
/// The longest LDEV label.
const MAX_LABEL: usize = 32;

/// Actions the mock accepts on an LDEV and completes without changing anything, so clients
/// that call them see the documented flow (A4, §13).
const NO_OP_ACTIONS: &[&str] = &[
    "format",
    "shred",
    "change-status",
    "discard-zero-page",
    "set-qos",
    "assign-virtual-ldevid",
    "unassign-virtual-ldevid",
    "assign-mp-blade",
    "assign-clpr",
    "set-as-command-device",
];

/// One defined LDEV (a DP volume when it has a pool).
#[derive(Debug, Clone)]
pub(crate) struct Ldev {
    pub(crate) id: u32,
    /// Capacity in 512-byte blocks.
    pub(crate) blocks: u64,
    pub(crate) pool_id: Option<u32>,
    pub(crate) label: String,
    data_reduction_mode: String,
    alua: bool,
}

impl Ldev {
    pub(crate) fn new(id: u32, blocks: u64, pool_id: Option<u32>, label: &str) -> Self {
        Self {
            id,
            blocks,
            pool_id,
            label: label.to_owned(),
            data_reduction_mode: "disabled".to_owned(),
            alua: false,
        }
    }
}

/// Requests on `ldevs[/...]`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => list(state, call),
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), &Method::GET) => {
            let id = url_id(id)?;
            Ok(Reply::json(ldev_json(state, id)))
        }
        (Sub::Item(id), m) if is_update_method(m) => update(state, call, caller, url_id(id)?),
        (Sub::Item(id), &Method::DELETE) => delete(state, call, caller, url_id(id)?),
        (Sub::Template(id, action), &Method::GET) => {
            let id = url_id(id)?;
            if !state.ldevs.contains_key(&id) {
                return Err(ApiError::not_found(&format!("The LDEV {id}")));
            }
            template(action).map(Reply::json)
        }
        (Sub::Invoke(id, action), m) if is_invoke_method(m) => {
            let id = url_id(id)?;
            template(action)?;
            invoke(state, call, caller, id, action)
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// An LDEV ID from the URL; anything else is an object that does not exist.
fn url_id(id: &str) -> Result<u32, ApiError> {
    id.parse::<u32>()
        .ok()
        .filter(|id| *id <= MAX_LDEV_ID)
        .ok_or_else(|| ApiError::not_found(&format!("The LDEV {id}")))
}

fn list(state: &State, call: &Call) -> Result<Reply, ApiError> {
    let head = query_u64(call, "headLdevId")?.unwrap_or(0);
    let head = u32::try_from(head)
        .ok()
        // Heads past the last id (clients walk up to 65535, as Cinder) give an empty page.
        .filter(|h| *h <= 65_535)
        .ok_or_else(|| ApiError::invalid("headLdevId", "The LDEV ID is out of range."))?;
    let count = query_u64(call, "count")?.unwrap_or(DEFAULT_COUNT);
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(ApiError::invalid(
            "count",
            &format!("The value must be from 1 to {MAX_COUNT}."),
        ));
    }
    let pool = query_u64(call, "poolId")?;
    let mapped = |id: u32| state.luns.values().any(|l| l.ldev == id);
    let option = call.query("ldevOption");
    let wants: Box<dyn Fn(u32) -> bool + '_> = match option {
        None => Box::new(|_| true),
        Some("defined") => Box::new(|id| state.ldevs.contains_key(&id)),
        Some("undefined") => Box::new(|id| !state.ldevs.contains_key(&id)),
        Some("dpVolume") => {
            Box::new(|id| state.ldevs.get(&id).is_some_and(|l| l.pool_id.is_some()))
        }
        Some("luMapped") => Box::new(|id| state.ldevs.contains_key(&id) && mapped(id)),
        Some("luUnmapped") => Box::new(|id| state.ldevs.contains_key(&id) && !mapped(id)),
        Some(_) => {
            return Err(ApiError::invalid(
                "ldevOption",
                "Specify defined, undefined, dpVolume, luMapped or luUnmapped.",
            ));
        }
    };
    let in_pool = |id: u32| {
        pool.is_none_or(|p| {
            state
                .ldevs
                .get(&id)
                .is_some_and(|l| l.pool_id.map(u64::from) == Some(p))
        })
    };
    let take = usize::try_from(count).unwrap_or(usize::MAX);
    let data: Vec<Value> = if option == Some("undefined") || (option.is_none() && pool.is_none()) {
        (head..=MAX_LDEV_ID)
            .filter(|id| wants(*id) && in_pool(*id))
            .take(take)
            .map(|id| ldev_json(state, id))
            .collect()
    } else {
        // Only defined LDEVs can match: walk the map instead of 65,280 IDs.
        state
            .ldevs
            .range(head..)
            .map(|(id, _)| *id)
            .filter(|id| wants(*id) && in_pool(*id))
            .take(take)
            .map(|id| ldev_json(state, id))
            .collect()
    };
    Ok(Reply::json(json!({ "data": data })))
}

/// An LDEV object; an undefined ID gets `emulationType: "NOT DEFINED"`, as Cinder expects
/// when it checks that an ID is free (A4 `GET_LDEV_RESULT`).
pub(crate) fn ldev_json(state: &State, id: u32) -> Value {
    let Some(ldev) = state.ldevs.get(&id) else {
        return json!({
            "ldevId": id,
            "emulationType": "NOT DEFINED",
            "resourceGroupId": 0,
            "attributes": [],
        });
    };
    let ports: Vec<Value> = state
        .luns
        .values()
        .filter(|lun| lun.ldev == id)
        .map(|lun| {
            let name = state
                .host_groups
                .get(&(lun.port.clone(), lun.host_group))
                .map(|hg| hg.name.clone())
                .unwrap_or_default();
            json!({
                "portId": lun.port,
                "hostGroupNumber": lun.host_group,
                "hostGroupName": name,
                "lun": lun.lun,
            })
        })
        .collect();
    let mut attributes = vec!["CVS"];
    if ldev.pool_id.is_some() {
        attributes.push("HDP");
    }
    if state.local_copy.uses_ldev(id) {
        attributes.push("MRCF");
    }
    if state.snapshots.uses_ldev(id) {
        attributes.push("HTI");
    }
    if let Some(kind) = state.remote_copy.attribute(id) {
        attributes.push(kind);
    }
    let serial = state.config.serial & 0xff_ffff;
    json!({
        "ldevId": id,
        "clprId": 0,
        "emulationType": "OPEN-V-CVS",
        "byteFormatCapacity": format_capacity(ldev.blocks),
        "blockCapacity": ldev.blocks,
        "numOfPorts": ports.len(),
        "ports": ports,
        "attributes": attributes,
        "label": ldev.label,
        "status": "NML",
        "mpBladeId": 0,
        "ssid": "0004",
        "poolId": ldev.pool_id,
        "numOfUsedBlock": 0,
        "isFullAllocationEnabled": false,
        "resourceGroupId": 0,
        "dataReductionStatus": if ldev.data_reduction_mode == "disabled" { "DISABLED" } else { "ENABLED" },
        "dataReductionMode": ldev.data_reduction_mode,
        "isAluaEnabled": ldev.alua,
        "naaId": format!("60060e80{serial:06x}{:010x}{id:08x}", 0x50_0000_0000_u64),
    })
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let wanted = body.u32_in("ldevId", 0..=MAX_LDEV_ID)?;
    let start = body.u32_in("startLdevId", 0..=MAX_LDEV_ID)?.unwrap_or(0);
    let end = body
        .u32_in("endLdevId", 0..=MAX_LDEV_ID)?
        .unwrap_or(MAX_LDEV_ID);
    if start > end {
        return Err(ApiError::invalid(
            "endLdevId",
            "endLdevId must not be smaller than startLdevId.",
        ));
    }
    if body.has("parityGroupId") || body.has("externalParityGroupId") {
        return Err(ApiError::invalid(
            "parityGroupId",
            "The mock creates DP volumes only; specify poolId.",
        ));
    }
    let pool = body.u32_in_req("poolId", 0..=127)?;
    let blocks = capacity(&body, "byteFormatCapacity", "blockCapacity")?;
    let reduction = body.str_opt("dataReductionMode")?.map(str::to_owned);
    if let Some(mode) = &reduction
        && !["disabled", "compression", "compression_deduplication"].contains(&mode.as_str())
    {
        return Err(ApiError::invalid(
            "dataReductionMode",
            "Specify disabled, compression or compression_deduplication.",
        ));
    }
    let alua = body.bool_opt("isAluaEnabled")?.unwrap_or(false);
    body.bool_opt("isParallelExecutionEnabled")?;
    body.bool_opt("isDataReductionSharedVolumeEnabled")?;

    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if !state.pools.contains_key(&pool) {
            return Step::err(ApiError::storage(
                &format!("The pool {pool} does not exist."),
                ErrorCode::rc("EX_ENOOBJ"),
            ));
        }
        let id = match wanted {
            Some(id) if state.ldevs.contains_key(&id) => {
                return Step::err(ApiError::storage(
                    &format!("The LDEV {id} is already defined."),
                    ErrorCode::ssb("2E22", "0001"),
                ));
            }
            Some(id) => id,
            None => match (start..=end).find(|id| !state.ldevs.contains_key(id)) {
                Some(id) => id,
                None => {
                    return Step::err(ApiError::storage(
                        "No LDEV ID is available in the specified range.",
                        ErrorCode::ssb("2E11", "2209"),
                    ));
                }
            },
        };
        let mut ldev = Ldev::new(id, blocks, Some(pool), "");
        if let Some(mode) = &reduction {
            ldev.data_reduction_mode.clone_from(mode);
        }
        ldev.alua = alua;
        state.ldevs.insert(id, ldev);
        Step::ok(state.object_path(&format!("ldevs/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

/// Capacity in blocks from either a `"10G"`-style field or a block count (exactly one).
fn capacity(body: &Fields<'_>, bytes_key: &str, blocks_key: &str) -> Result<u64, ApiError> {
    let text = body.str_opt(bytes_key)?;
    let blocks = body.u64_opt(blocks_key)?;
    match (text, blocks) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            blocks_key,
            &format!("Specify either {bytes_key} or {blocks_key}, not both."),
        )),
        (Some(text), None) => parse_capacity(text).ok_or_else(|| {
            ApiError::invalid(
                bytes_key,
                "Specify a capacity such as 500M, 10G or 1.5T (units K, M, G, T).",
            )
        }),
        (None, Some(0)) => Err(ApiError::invalid(
            blocks_key,
            "The capacity must be positive.",
        )),
        (None, Some(blocks)) => Ok(blocks),
        (None, None) => Err(ApiError::missing(bytes_key)),
    }
}

fn update(state: &mut State, call: &Call, caller: &Caller, id: u32) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let label = body.str_opt("label")?.map(str::to_owned);
    if let Some(label) = &label
        && label.chars().count() > MAX_LABEL
    {
        return Err(ApiError::invalid(
            "label",
            &format!("The label must be at most {MAX_LABEL} characters."),
        ));
    }
    let reduction = body.str_opt("dataReductionMode")?.map(str::to_owned);
    let alua = body.bool_opt("isAluaEnabled")?;
    if label.is_none() && reduction.is_none() && alua.is_none() {
        return Err(ApiError::missing("label"));
    }
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("ldevs/{id}"));
        let Some(ldev) = state.ldevs.get_mut(&id) else {
            return Step::err(undefined(id));
        };
        if let Some(label) = &label {
            ldev.label.clone_from(label);
        }
        if let Some(mode) = &reduction {
            ldev.data_reduction_mode.clone_from(mode);
        }
        if let Some(alua) = alua {
            ldev.alua = alua;
        }
        Step::ok(path)
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete(state: &mut State, call: &Call, caller: &Caller, id: u32) -> Result<Reply, ApiError> {
    Fields::body(call)?.bool_opt("isDataReductionDeleteForceExecute")?;
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if !state.ldevs.contains_key(&id) {
            return Step::err(undefined(id));
        }
        if let Some(reason) = state.ldev_in_use(id) {
            return Step::err(ApiError::storage(reason, ErrorCode::rc("EX_CMDRJE")));
        }
        state.ldevs.remove(&id);
        Step::ok(state.object_path(&format!("ldevs/{id}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn template(action: &str) -> Result<Value, ApiError> {
    match action {
        "expand" => Ok(json!({ "parameters": {
            "additionalByteFormatCapacity": null,
            "additionalBlockCapacity": null,
            "enhancedExpansion": null,
        }})),
        "format" => Ok(json!({ "parameters": {
            "operationType": null,
            "isDataReductionForceFormat": null,
        }})),
        other if NO_OP_ACTIONS.contains(&other) => Ok(json!({ "parameters": {} })),
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
    let add = if action == "expand" {
        params.bool_opt("enhancedExpansion")?;
        Some(capacity(
            &params,
            "additionalByteFormatCapacity",
            "additionalBlockCapacity",
        )?)
    } else {
        None
    };
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("ldevs/{id}"));
        if !state.ldevs.contains_key(&id) {
            return Step::err(undefined(id));
        }
        if let Some(add) = add {
            // Volumes in a copy pair cannot grow: both sides must keep the same size.
            let in_pair = state.local_copy.uses_ldev(id)
                || state.snapshots.uses_ldev(id)
                || state.remote_copy.uses_ldev(id);
            if in_pair {
                return Step::err(ApiError::storage(
                    "The LDEV is a volume of a copy pair.",
                    ErrorCode::rc("EX_CMDRJE"),
                ));
            }
            if let Some(ldev) = state.ldevs.get_mut(&id) {
                ldev.blocks = ldev.blocks.saturating_add(add);
            }
        }
        Step::ok(path)
    });
    Ok(jobs::reply(state, call, caller, op))
}

/// The job error for an LDEV that is not defined (RAID Manager `EX_ENLDEV`, §9.1).
pub(crate) fn undefined(id: u32) -> ApiError {
    ApiError::storage(
        &format!("The LDEV {id} is not defined."),
        ErrorCode::rc("EX_ENLDEV"),
    )
}

/// `"10G"`, `"500M"`, `"1.5T"`, `"2048K"` (optionally with a trailing `B`) → 512-byte blocks,
/// rounded up.
pub(crate) fn parse_capacity(text: &str) -> Option<u64> {
    let text = text.trim();
    let text = text
        .strip_suffix('B')
        .or_else(|| text.strip_suffix('b'))
        .unwrap_or(text);
    // Split before the last character, on a char boundary whatever the client sent.
    let (split, _) = text.char_indices().last()?;
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit {
        "K" | "k" => 1 << 10,
        "M" | "m" => 1 << 20,
        "G" | "g" => 1 << 30,
        "T" | "t" => 1 << 40,
        _ => return None,
    };
    let (whole, fraction) = number.trim().split_once('.').unwrap_or((number.trim(), ""));
    if whole.is_empty() || fraction.len() > 6 {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let (fraction_value, scale) = if fraction.is_empty() {
        (0, 1)
    } else {
        (
            fraction.parse::<u64>().ok()?,
            10u64.pow(fraction.len() as u32),
        )
    };
    let bytes = whole
        .checked_mul(multiplier)?
        .checked_add(fraction_value.checked_mul(multiplier)? / scale)?;
    let blocks = bytes.div_ceil(512);
    (blocks > 0).then_some(blocks)
}

/// 512-byte blocks → `"10.00 G"`, the real server's `byteFormatCapacity` style.
pub(crate) fn format_capacity(blocks: u64) -> String {
    let bytes = u128::from(blocks) * 512;
    let (unit, size) = [("T", 1u128 << 40), ("G", 1 << 30), ("M", 1 << 20)]
        .into_iter()
        .find(|(_, size)| bytes >= *size)
        .unwrap_or(("K", 1 << 10));
    let hundredths = bytes * 100 / size;
    format!("{}.{:02} {unit}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_capacities() {
        assert_eq!(parse_capacity("10G"), Some(10 * 1024 * 1024 * 2));
        assert_eq!(parse_capacity("1GB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_capacity("500M"), Some(500 * 2048));
        assert_eq!(parse_capacity("1.5T"), Some(3 * 1024 * 1024 * 1024));
        assert_eq!(parse_capacity("1K"), Some(2));
        assert_eq!(parse_capacity("10"), None);
        assert_eq!(parse_capacity("G"), None);
        assert_eq!(parse_capacity("x G"), None);
        assert_eq!(parse_capacity("0G"), None);
        assert_eq!(parse_capacity(""), None);
        assert_eq!(parse_capacity("10é"), None);
    }

    #[test]
    fn formats_capacities() {
        assert_eq!(format_capacity(10 * 1024 * 1024 * 2), "10.00 G");
        assert_eq!(format_capacity(3 * 1024 * 1024 * 1024), "1.50 T");
        assert_eq!(format_capacity(2048), "1.00 M");
        assert_eq!(format_capacity(1), "0.50 K");
    }
}
