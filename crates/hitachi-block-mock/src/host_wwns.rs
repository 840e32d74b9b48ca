//! Host WWNs registered in host groups (reference §13): `host-wwns`,
//! `host-wwns/{port},{number},{wwn}`.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::host_groups::{missing_group, parse_id as parse_group, query_number};
use crate::jobs::{self, OpCtx, Step};
use crate::params::{Fields, split_id};
use crate::ports::normalize;
use crate::request::Call;
use crate::router::{Reply, Sub, is_update_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// One WWN in one host group.
#[derive(Debug, Clone)]
pub(crate) struct HostWwn {
    pub(crate) port: String,
    pub(crate) host_group: u32,
    pub(crate) wwn: String,
    nickname: String,
}

type Key = (String, u32, String);

/// A WWN as the array stores it: 16 lower-case hex digits (colons and case accepted).
fn normalize_wwn(wwn: &str) -> Option<String> {
    let hex: String = wwn
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

fn parse_id(id: &str) -> Option<Key> {
    let parts = split_id(id, 3)?;
    let (port, number) = parse_group(&format!("{},{}", parts[0], parts[1]))?;
    Some((port, number, normalize_wwn(parts[2])?))
}

/// Requests on `host-wwns[/...]`.
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
                parse_id(id).ok_or_else(|| ApiError::not_found(&format!("The host WWN {id}")))?;
            match *method {
                Method::GET => state
                    .host_wwns
                    .get(&key)
                    .map(|w| Reply::json(wwn_json(state, w)))
                    .ok_or_else(|| ApiError::not_found(&format!("The host WWN {id}"))),
                Method::DELETE => Ok(delete(state, call, caller, key)),
                ref m if is_update_method(m) => update(state, call, caller, key),
                _ => Err(ApiError::method_not_allowed(method)),
            }
        }
        (Sub::Collection, _) => Err(ApiError::method_not_allowed(&call.method)),
        _ => Err(ApiError::unknown_url()),
    }
}

fn list(state: &State, call: &Call) -> Result<Reply, ApiError> {
    let port = call
        .query("portId")
        .map(normalize)
        .ok_or_else(|| ApiError::missing("portId"))?;
    let number = query_number(call)?;
    let name = call.query("hostGroupName");
    let data: Vec<Value> = state
        .host_wwns
        .values()
        .filter(|w| w.port == port && number.is_none_or(|n| n == w.host_group))
        .filter(|w| {
            name.is_none_or(|name| {
                state
                    .host_groups
                    .get(&(w.port.clone(), w.host_group))
                    .is_some_and(|hg| hg.name == name)
            })
        })
        .map(|w| wwn_json(state, w))
        .collect();
    Ok(Reply::json(json!({ "data": data })))
}

fn wwn_json(state: &State, w: &HostWwn) -> Value {
    let name = state
        .host_groups
        .get(&(w.port.clone(), w.host_group))
        .map(|hg| hg.name.clone())
        .unwrap_or_default();
    json!({
        "hostWwnId": format!("{},{},{}", w.port, w.host_group, w.wwn),
        "portId": w.port,
        "hostGroupNumber": w.host_group,
        "hostGroupName": name,
        "hostWwn": w.wwn,
        "wwnNickname": w.nickname,
    })
}

fn create(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let wwn = normalize_wwn(body.str_req("hostWwn")?)
        .ok_or_else(|| ApiError::invalid("hostWwn", "A WWN is 16 hexadecimal digits."))?;
    let port = normalize(body.str_req("portId")?);
    let number = body.u32_in_req("hostGroupNumber", 0..=254)?;
    let nickname = body.str_opt("wwnNickname")?.unwrap_or("-").to_owned();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let group = (port.clone(), number);
        if !state.host_groups.contains_key(&group) {
            return Step::err(missing_group(&group));
        }
        // A WWN belongs to at most one host group of a port.
        if let Some(other) = state
            .host_wwns
            .values()
            .find(|w| w.port == port && w.wwn == wwn)
        {
            return Step::err(ApiError::storage(
                &format!(
                    "The WWN {wwn} is already registered in host group {},{}.",
                    other.port, other.host_group
                ),
                ErrorCode::rc("EX_CMDRJE"),
            ));
        }
        state.host_wwns.insert(
            (port.clone(), number, wwn.clone()),
            HostWwn {
                port: port.clone(),
                host_group: number,
                wwn: wwn.clone(),
                nickname: nickname.clone(),
            },
        );
        Step::ok(state.object_path(&format!("host-wwns/{port},{number},{wwn}")))
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn update(state: &mut State, call: &Call, caller: &Caller, key: Key) -> Result<Reply, ApiError> {
    let nickname = Fields::body(call)?.str_req("wwnNickname")?.to_owned();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("host-wwns/{},{},{}", key.0, key.1, key.2));
        match state.host_wwns.get_mut(&key) {
            Some(w) => {
                w.nickname.clone_from(&nickname);
                Step::ok(path)
            }
            None => Step::err(missing_wwn(&key)),
        }
    });
    Ok(jobs::reply(state, call, caller, op))
}

fn delete(state: &mut State, call: &Call, caller: &Caller, key: Key) -> Reply {
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if state.host_wwns.remove(&key).is_none() {
            return Step::err(missing_wwn(&key));
        }
        Step::ok(state.object_path(&format!("host-wwns/{},{},{}", key.0, key.1, key.2)))
    });
    jobs::reply(state, call, caller, op)
}

fn missing_wwn(key: &Key) -> ApiError {
    ApiError::storage(
        &format!(
            "The WWN {} is not registered in host group {},{}.",
            key.2, key.0, key.1
        ),
        ErrorCode::rc("EX_ENOOBJ"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wwns_normalize() {
        assert_eq!(
            normalize_wwn("21:00:00:E0:8B:02:56:F8").as_deref(),
            Some("210000e08b0256f8")
        );
        assert_eq!(normalize_wwn("xyz"), None);
        assert_eq!(
            parse_id("CL1-A,1,210000E08B0256F8"),
            Some(("CL1-A".into(), 1, "210000e08b0256f8".into()))
        );
    }
}
