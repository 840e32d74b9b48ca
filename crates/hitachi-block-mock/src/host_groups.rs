//! Host groups (reference §13): `host-groups[?portId=]`, `host-groups/{port},{number}`.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
use crate::params::{Fields, check_name, query_u64, split_id};
use crate::ports::normalize;
use crate::request::Call;
use crate::router::{Reply, Sub, is_update_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// Host group numbers a client may create (0 exists on every port).
const NUMBERS: std::ops::RangeInclusive<u32> = 1..=254;
/// The longest host group name.
const MAX_NAME: usize = 64;
/// The host mode of a new host group when none is given.
const DEFAULT_HOST_MODE: &str = "LINUX/IRIX";

/// One host group.
#[derive(Debug, Clone)]
pub(crate) struct HostGroup {
    pub(crate) port: String,
    pub(crate) number: u32,
    pub(crate) name: String,
    host_mode: String,
    host_mode_options: Vec<u64>,
}

impl HostGroup {
    pub(crate) fn new(port: &str, number: u32, name: &str) -> Self {
        Self {
            port: port.to_owned(),
            number,
            name: name.to_owned(),
            host_mode: DEFAULT_HOST_MODE.to_owned(),
            host_mode_options: Vec::new(),
        }
    }

    /// The name the array gives a host group it creates itself: `CL1-A`, 0 → `1A-G00`.
    pub(crate) fn default_name(port: &str, number: u32) -> String {
        let short = port.strip_prefix("CL").unwrap_or(port).replace('-', "");
        format!("{short}-G{number:02}")
    }

    /// The host mode, for the LUN objects of this host group.
    pub(crate) fn host_mode(&self) -> &str {
        &self.host_mode
    }
}

/// `(port, number)` from `CL1-A,5`.
pub(crate) fn parse_id(id: &str) -> Option<(String, u32)> {
    let parts = split_id(id, 2)?;
    Some((normalize(parts[0]), parts[1].parse().ok()?))
}

/// Requests on `host-groups[/...]`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => list(state, call),
        (Sub::Collection, &Method::POST) => create(state, call, caller),
        (Sub::Item(id), method) => {
            let key =
                parse_id(id).ok_or_else(|| ApiError::not_found(&format!("The host group {id}")))?;
            match *method {
                Method::GET => state
                    .host_groups
                    .get(&key)
                    .map(|hg| Reply::json(host_group_json(hg)))
                    .ok_or_else(|| ApiError::not_found(&format!("The host group {id}"))),
                Method::DELETE => delete(state, call, caller, key),
                ref m if is_update_method(m) => update(state, call, caller, key),
                _ => Err(ApiError::method_not_allowed(method)),
            }
        }
        (Sub::Collection, _) => Err(ApiError::method_not_allowed(&call.method)),
        _ => Err(ApiError::unknown_url()),
    }
}

fn list(state: &State, call: &Call) -> Result<Reply, ApiError> {
    let port = call.query("portId").map(normalize);
    if let Some(port) = &port
        && !state.ports.contains_key(port)
    {
        return Err(ApiError::invalid("portId", "The port does not exist."));
    }
    // `isUndefined=true` asks for free numbers; the mock lists defined host groups only.
    let undefined = call.query("isUndefined") == Some("true");
    let data: Vec<Value> = state
        .host_groups
        .values()
        .filter(|hg| !undefined && port.as_ref().is_none_or(|p| *p == hg.port))
        .map(host_group_json)
        .collect();
    Ok(Reply::json(json!({ "data": data })))
}

fn host_group_json(hg: &HostGroup) -> Value {
    json!({
        "hostGroupId": format!("{},{}", hg.port, hg.number),
        "portId": hg.port,
        "hostGroupNumber": hg.number,
        "hostGroupName": hg.name,
        "hostMode": hg.host_mode,
        "hostModeOptions": hg.host_mode_options,
        "resourceGroupId": 0,
        "isDefined": true,
    })
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let port = normalize(body.str_req("portId")?);
    let name = body.str_req("hostGroupName")?.to_owned();
    check_name("hostGroupName", &name, MAX_NAME)?;
    let wanted = body.u32_in("hostGroupNumber", NUMBERS)?;
    let host_mode = body
        .str_opt("hostMode")?
        .unwrap_or(DEFAULT_HOST_MODE)
        .to_owned();
    let options = body.u64_list("hostModeOptions")?.unwrap_or_default();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if !state.ports.contains_key(&port) {
            return Step::err(ApiError::storage(
                &format!("The port {port} does not exist."),
                ErrorCode::rc("EX_ENOOBJ"),
            ));
        }
        let taken = |n: u32| state.host_groups.contains_key(&(port.clone(), n));
        if state
            .host_groups
            .values()
            .any(|hg| hg.port == port && hg.name == name)
        {
            return Step::err(ApiError::storage(
                &format!("The host group name {name} is already used on {port}."),
                ErrorCode::rc("EX_CMDRJE"),
            ));
        }
        let number = match wanted {
            Some(n) if taken(n) => {
                return Step::err(ApiError::storage(
                    &format!("The host group {port},{n} is already defined."),
                    ErrorCode::rc("EX_CMDRJE"),
                ));
            }
            Some(n) => n,
            None => match NUMBERS.clone().find(|n| !taken(*n)) {
                Some(n) => n,
                None => {
                    return Step::err(ApiError::storage(
                        &format!("No host group number is free on {port}."),
                        ErrorCode::rc("EX_CMDRJE"),
                    ));
                }
            },
        };
        let mut hg = HostGroup::new(&port, number, &name);
        hg.host_mode.clone_from(&host_mode);
        hg.host_mode_options.clone_from(&options);
        state.host_groups.insert((port.clone(), number), hg);
        Step::ok(state.object_path(&format!("host-groups/{port},{number}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn update(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    key: (String, u32),
) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let host_mode = body.str_opt("hostMode")?.map(str::to_owned);
    let options = body.u64_list("hostModeOptions")?;
    let name = body.str_opt("hostGroupName")?.map(str::to_owned);
    if let Some(name) = &name {
        check_name("hostGroupName", name, MAX_NAME)?;
    }
    if host_mode.is_none() && options.is_none() && name.is_none() {
        return Err(ApiError::missing("hostMode"));
    }
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("host-groups/{},{}", key.0, key.1));
        let Some(hg) = state.host_groups.get_mut(&key) else {
            return Step::err(missing_group(&key));
        };
        if let Some(mode) = &host_mode {
            hg.host_mode.clone_from(mode);
        }
        if let Some(options) = &options {
            hg.host_mode_options.clone_from(options);
        }
        if let Some(name) = &name {
            hg.name.clone_from(name);
        }
        Step::ok(path)
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    key: (String, u32),
) -> Result<Reply, ApiError> {
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if !state.host_groups.contains_key(&key) {
            return Step::err(missing_group(&key));
        }
        if key.1 == 0 {
            return Step::err(ApiError::storage(
                "Host group 0 cannot be deleted.",
                ErrorCode::rc("EX_CMDRJE"),
            ));
        }
        // Deleting a host group takes its WWNs and LU paths with it, as on the array.
        state.host_groups.remove(&key);
        state
            .host_wwns
            .retain(|(port, number, _), _| !(*port == key.0 && *number == key.1));
        state
            .luns
            .retain(|(port, number, _), _| !(*port == key.0 && *number == key.1));
        Step::ok(state.object_path(&format!("host-groups/{},{}", key.0, key.1)))
    });
    Ok(jobs::reply(state, call, caller, op))
}

/// The job error for a host group that does not exist.
pub(crate) fn missing_group(key: &(String, u32)) -> ApiError {
    ApiError::storage(
        &format!("The host group {},{} does not exist.", key.0, key.1),
        ErrorCode::rc("EX_ENOOBJ"),
    )
}

/// `hostGroupNumber` from a list query.
pub(crate) fn query_number(call: &Call) -> Result<Option<u32>, ApiError> {
    query_u64(call, "hostGroupNumber")?
        .map(|n| {
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= *NUMBERS.end())
                .ok_or_else(|| {
                    ApiError::invalid("hostGroupNumber", "The value must be from 0 to 254.")
                })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_and_ids() {
        assert_eq!(HostGroup::default_name("CL1-A", 0), "1A-G00");
        assert_eq!(HostGroup::default_name("CL2-B", 5), "2B-G05");
        assert_eq!(parse_id("cl1-a,5"), Some(("CL1-A".to_owned(), 5)));
        assert_eq!(parse_id("CL1-A"), None);
        assert_eq!(parse_id("CL1-A,x"), None);
    }
}
