//! Fibre Channel ports (reference §13): list, get, attribute change.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, JobKind, OpCtx, Step};
use crate::params::Fields;
use crate::request::Call;
use crate::router::{Reply, Sub, is_update_method, sub};
use crate::sessions::Caller;
use crate::state::State;

/// One port.
#[derive(Debug, Clone)]
pub(crate) struct Port {
    id: String,
    index: usize,
    speed: String,
    lun_security: bool,
    fabric: bool,
    connection: String,
}

impl Port {
    pub(crate) fn new(id: &str, index: usize) -> Self {
        Self {
            id: id.to_owned(),
            index,
            speed: "AUT".to_owned(),
            lun_security: true,
            fabric: true,
            connection: "PtoP".to_owned(),
        }
    }
}

/// A port ID as clients write it (`cl1-a` → `CL1-A`).
pub(crate) fn normalize(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

/// Requests on `ports[/{id}]`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let attribute = call.query("portAttributes");
            let port_type = call.query("portType");
            let data: Vec<Value> = state
                .ports
                .values()
                .filter(|_| {
                    attribute.is_none_or(|a| ATTRIBUTES.iter().any(|x| x.eq_ignore_ascii_case(a)))
                })
                .filter(|_| port_type.is_none_or(|t| t.eq_ignore_ascii_case("FIBRE")))
                .map(|p| port_json(state, p, call))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(id), &Method::GET) => state
            .ports
            .get(&normalize(id))
            .map(|p| Reply::json(port_json(state, p, call)))
            .ok_or_else(|| ApiError::not_found(&format!("The port {id}"))),
        (Sub::Item(id), m) if is_update_method(m) => update(state, call, caller, &normalize(id)),
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// Every port is a target that can also carry remote copy paths.
const ATTRIBUTES: [&str; 4] = ["TAR", "MCU", "RCU", "ELUN"];

fn port_json(state: &State, port: &Port, call: &Call) -> Value {
    let serial = state.config.serial & 0xff_ffff;
    let mut object = json!({
        "portId": port.id,
        "portType": "FIBRE",
        "portAttributes": ATTRIBUTES,
        "portSpeed": port.speed,
        "loopId": "EF",
        "fabricMode": port.fabric,
        "portConnection": port.connection,
        "lunSecuritySetting": port.lun_security,
        "wwn": format!("50060e80{serial:06x}{:02x}", port.index),
    });
    if call.query("detailInfoType") == Some("logins") {
        // Hosts whose WWN is registered on the port count as logged in.
        let logins: Vec<Value> = state
            .host_wwns
            .values()
            .filter(|w| w.port == port.id)
            .map(|w| json!({ "hostWwn": w.wwn, "isLoggedIn": true }))
            .collect();
        object["logins"] = logins.into();
    }
    object
}

fn update(state: &mut State, call: &Call, caller: &Caller, id: &str) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let lun_security = body.bool_opt("lunSecuritySetting")?;
    let fabric = body.bool_opt("fabricMode")?;
    let speed = body.str_opt("portSpeed")?.map(str::to_owned);
    let connection = body.str_opt("portConnection")?.map(str::to_owned);
    if lun_security.is_none() && fabric.is_none() && speed.is_none() && connection.is_none() {
        return Err(ApiError::missing("lunSecuritySetting"));
    }
    let id = id.to_owned();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        let path = state.object_path(&format!("ports/{id}"));
        let Some(port) = state.ports.get_mut(&id) else {
            return Step::err(ApiError::storage(
                &format!("The port {id} does not exist."),
                ErrorCode::rc("EX_ENOOBJ"),
            ));
        };
        if let Some(v) = lun_security {
            port.lun_security = v;
        }
        if let Some(v) = fabric {
            port.fabric = v;
        }
        if let Some(v) = &speed {
            port.speed.clone_from(v);
        }
        if let Some(v) = &connection {
            port.connection.clone_from(v);
        }
        Step::ok(path)
    });
    Ok(Reply::Job(jobs::submit(
        state,
        call,
        caller,
        JobKind::default(),
        op,
    )))
}
