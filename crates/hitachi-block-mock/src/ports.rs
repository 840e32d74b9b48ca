//! Fibre Channel ports (reference §13): list, get, settings change.
//!
//! `PATCH ports/{id}` takes what the Ansible collection (`hv_storage_port`) documents:
//! `portAttribute` (`TAR`/`ALL`) and `portMode` (`FC-NVMe`/`FCP-SCSI`), each alone;
//! `portSpeed` (`AUT` or `nG`, the `G` optional); `fabricMode` with `portConnection`
//! (`FCAL`, `PtoP` or `P2P`), only together; `lunSecuritySetting`.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
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
    /// `ALL` (bidirectional: every attribute) or `TAR` (target only).
    attribute: String,
    /// `FCP-SCSI` or `FC-NVMe`.
    mode: String,
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
            attribute: "ALL".to_owned(),
            mode: "FCP-SCSI".to_owned(),
        }
    }

    /// The `portAttributes` the port reports.
    fn attributes(&self) -> &'static [&'static str] {
        if self.attribute == "TAR" {
            &["TAR"]
        } else {
            &ATTRIBUTES
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
                .filter(|p| {
                    attribute
                        .is_none_or(|a| p.attributes().iter().any(|x| x.eq_ignore_ascii_case(a)))
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
        (Sub::Item(id), m) if is_update_method(m) => {
            let id = normalize(id);
            if !state.ports.contains_key(&id) {
                return Err(ApiError::not_found(&format!("The port {id}")));
            }
            update(state, call, caller, &id)
        }
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// The attributes of a bidirectional (`ALL`) port: target, remote copy, external.
const ATTRIBUTES: [&str; 4] = ["TAR", "MCU", "RCU", "ELUN"];
/// Fixed speeds a port takes, in Gbit/s (mock choice: the rates of VSP port hardware).
const SPEEDS: [u32; 10] = [1, 2, 4, 8, 10, 16, 25, 32, 64, 100];

fn port_json(state: &State, port: &Port, call: &Call) -> Value {
    let serial = state.config.serial & 0xff_ffff;
    let mut object = json!({
        "portId": port.id,
        "portType": "FIBRE",
        "portAttributes": port.attributes(),
        "portSpeed": port.speed,
        "loopId": "EF",
        "fabricMode": port.fabric,
        "portConnection": port.connection,
        "lunSecuritySetting": port.lun_security,
        "wwn": format!("50060e80{serial:06x}{:02x}", port.index),
    });
    if call.query("detailInfoType") == Some("portMode") {
        object["portMode"] = port.mode.clone().into();
    }
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

/// `AUT`, `16G` or `16` → the speed as the port reports it (`AUT`, `16G`).
fn speed(value: &str) -> Result<String, ApiError> {
    if value == "AUT" {
        return Ok(value.to_owned());
    }
    value
        .strip_suffix('G')
        .unwrap_or(value)
        .parse::<u32>()
        .ok()
        .filter(|n| SPEEDS.contains(n))
        .map(|n| format!("{n}G"))
        .ok_or_else(|| {
            ApiError::invalid(
                "portSpeed",
                "Specify AUT or a speed such as 16G (1, 2, 4, 8, 10, 16, 25, 32, 64 or 100).",
            )
        })
}

fn update(state: &mut State, call: &Call, caller: &Caller, id: &str) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let lun_security = body.bool_opt("lunSecuritySetting")?;
    let fabric = body.bool_opt("fabricMode")?;
    let speed = body.str_opt("portSpeed")?.map(speed).transpose()?;
    let connection = match body.str_opt("portConnection")? {
        None => None,
        Some("FCAL") => Some("FCAL".to_owned()),
        Some("PtoP" | "P2P") => Some("PtoP".to_owned()),
        Some(_) => {
            return Err(ApiError::invalid(
                "portConnection",
                "Specify FCAL, PtoP or P2P.",
            ));
        }
    };
    let attribute = match body.str_opt("portAttribute")? {
        None => None,
        Some(a @ ("TAR" | "ALL")) => Some(a.to_owned()),
        Some(_) => return Err(ApiError::invalid("portAttribute", "Specify TAR or ALL.")),
    };
    let mode = match body.str_opt("portMode")? {
        None => None,
        Some(m @ ("FC-NVMe" | "FCP-SCSI")) => Some(m.to_owned()),
        Some(_) => {
            return Err(ApiError::invalid(
                "portMode",
                "Specify FC-NVMe or FCP-SCSI.",
            ));
        }
    };
    let others = [
        lun_security.is_some(),
        fabric.is_some(),
        speed.is_some(),
        connection.is_some(),
    ]
    .into_iter()
    .filter(|set| *set)
    .count();
    for (key, set) in [
        ("portAttribute", attribute.is_some()),
        ("portMode", mode.is_some()),
    ] {
        if set && (others > 0 || (attribute.is_some() && mode.is_some())) {
            return Err(ApiError::invalid(
                key,
                "This attribute cannot be specified with any other attribute.",
            ));
        }
    }
    match (fabric, &connection) {
        (Some(_), None) => return Err(ApiError::missing("portConnection")),
        (None, Some(_)) => return Err(ApiError::missing("fabricMode")),
        _ => {}
    }
    if others == 0 && attribute.is_none() && mode.is_none() {
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
        if let Some(v) = &attribute {
            port.attribute.clone_from(v);
        }
        if let Some(v) = &mode {
            port.mode.clone_from(v);
        }
        Step::ok(path)
    });
    Ok(jobs::reply(state, call, caller, op))
}
