//! LU paths (reference §13): map an LDEV into a host group as a LUN, list, unmap.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::host_groups::{missing_group, query_number};
use crate::jobs::{self, OpCtx, Step};
use crate::ldevs::{MAX_LDEV_ID, undefined};
use crate::params::{Fields, split_id};
use crate::ports::normalize;
use crate::request::Call;
use crate::router::{Reply, Sub, sub};
use crate::sessions::Caller;
use crate::state::State;

/// The highest LUN in a host group.
const MAX_LUN: u32 = 2047;

/// One LU path.
#[derive(Debug, Clone)]
pub(crate) struct Lun {
    pub(crate) port: String,
    pub(crate) host_group: u32,
    pub(crate) lun: u32,
    pub(crate) ldev: u32,
}

type Key = (String, u32, u32);

fn parse_id(id: &str) -> Option<Key> {
    let parts = split_id(id, 3)?;
    Some((
        normalize(parts[0]),
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    ))
}

/// Requests on `luns[/...]`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let port = call.query("portId").map(normalize);
            let number = query_number(call)?;
            let data: Vec<Value> = state
                .luns
                .values()
                .filter(|l| port.as_ref().is_none_or(|p| *p == l.port))
                .filter(|l| number.is_none_or(|n| n == l.host_group))
                .map(|l| lun_json(state, l))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), method) => {
            let key = parse_id(id).ok_or_else(|| ApiError::not_found(&format!("The LUN {id}")))?;
            match *method {
                Method::GET => state
                    .luns
                    .get(&key)
                    .map(|l| Reply::json(lun_json(state, l)))
                    .ok_or_else(|| ApiError::not_found(&format!("The LUN {id}"))),
                Method::DELETE => Ok(delete(state, call, caller, key)),
                _ => Err(ApiError::method_not_allowed(method)),
            }
        }
        (Sub::Collection, _) => Err(ApiError::method_not_allowed(&call.method)),
        _ => Err(ApiError::unknown_url()),
    }
}

fn lun_json(state: &State, l: &Lun) -> Value {
    let host_mode = state
        .host_groups
        .get(&(l.port.clone(), l.host_group))
        .map_or("LINUX/IRIX", |hg| hg.host_mode());
    json!({
        "lunId": format!("{},{},{}", l.port, l.host_group, l.lun),
        "portId": l.port,
        "hostGroupNumber": l.host_group,
        "hostMode": host_mode,
        "lun": l.lun,
        "ldevId": l.ldev,
        "isCommandDevice": false,
        "luHostReserve": {
            "openSystem": false,
            "persistent": false,
            "pgrKey": false,
            "mainframe": false,
            "acaReserve": false,
        },
        "hostModeOptions": [],
    })
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let port = normalize(body.str_req("portId")?);
    let number = body.u32_in_req("hostGroupNumber", 0..=254)?;
    let ldev = body.u32_in_req("ldevId", 0..=MAX_LDEV_ID)?;
    let wanted = body.u32_in("lun", 0..=MAX_LUN)?;
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let group = (port.clone(), number);
        if !state.host_groups.contains_key(&group) {
            return Step::err(missing_group(&group));
        }
        if !state.ldevs.contains_key(&ldev) {
            return Step::err(undefined(ldev));
        }
        let in_group = |l: &&Lun| l.port == port && l.host_group == number;
        if state.luns.values().filter(in_group).any(|l| l.ldev == ldev) {
            // Cinder's `_LU_PATH_DEFINED`: the LDEV already has a LUN in this host group.
            return Step::err(ApiError::storage(
                &format!("An LU path for LDEV {ldev} is already defined in {port},{number}."),
                ErrorCode::ssb("B958", "015A"),
            ));
        }
        let taken = |n: u32| state.luns.contains_key(&(port.clone(), number, n));
        let lun = match wanted {
            Some(n) if taken(n) => {
                return Step::err(ApiError::storage(
                    &format!("The LUN {n} is already used in {port},{number}."),
                    ErrorCode::ssb("B958", "015E"),
                ));
            }
            Some(n) => n,
            None => match (0..=MAX_LUN).find(|n| !taken(*n)) {
                Some(n) => n,
                None => {
                    return Step::err(ApiError::storage(
                        &format!("No LUN is free in {port},{number}."),
                        ErrorCode::rc("EX_CMDRJE"),
                    ));
                }
            },
        };
        state.luns.insert(
            (port.clone(), number, lun),
            Lun {
                port: port.clone(),
                host_group: number,
                lun,
                ldev,
            },
        );
        Step::ok(state.object_path(&format!("luns/{port},{number},{lun}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete(state: &mut State, call: &Call, caller: &Caller, key: Key) -> Reply {
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if state.luns.remove(&key).is_none() {
            return Step::err(ApiError::storage(
                &format!("The LUN {},{},{} is not defined.", key.0, key.1, key.2),
                ErrorCode::rc("EX_ENOOBJ"),
            ));
        }
        Step::ok(state.object_path(&format!("luns/{},{},{}", key.0, key.1, key.2)))
    });
    jobs::reply(state, call, caller, op)
}
