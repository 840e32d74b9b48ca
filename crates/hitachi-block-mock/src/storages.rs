//! The version endpoint (reference §5) and the storage system objects (§4, §13).

use http::Method;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::request::Call;
use crate::router::Reply;
use crate::state::State;

/// The microcode version the mock reports; a VSP G900 level from the A1 sample.
const DKC_MICRO_VERSION: &str = "88-08-01/00";

/// `GET /ConfigurationManager/configuration/version`, without authentication.
pub(crate) fn version(state: &State, call: &Call) -> Result<Reply, ApiError> {
    if call.method != Method::GET {
        return Err(ApiError::method_not_allowed(&call.method));
    }
    Ok(Reply::json(json!({
        "productName": "Configuration Manager REST API",
        "apiVersion": state.config.api_version,
    })))
}

/// `GET /ConfigurationManager/v1/objects/storages`, without authentication (A2).
pub(crate) fn list(state: &State, call: &Call) -> Result<Reply, ApiError> {
    if call.method != Method::GET {
        // Registering a storage system (`POST storages`) exists only on the CM server.
        return Err(ApiError::method_not_allowed(&call.method));
    }
    Ok(Reply::json(json!({ "data": [summary(state)] })))
}

/// `GET storages/{sdid}` (also `storages/instance`, the embedded server's alias).
pub(crate) fn get(state: &State, call: &Call, sdid: &str) -> Result<Reply, ApiError> {
    if sdid != state.sdid && sdid != "instance" {
        return Err(ApiError::not_found(&format!("The storage system {sdid}")));
    }
    if call.method != Method::GET {
        return Err(ApiError::method_not_allowed(&call.method));
    }
    let mut object = summary(state);
    let (ctl1, _) = ctl_ips(state);
    object["mappWebServerHttpsPort"] = 443.into();
    object["rmiPort"] = 1099.into();
    object["dkcMicroVersion"] = DKC_MICRO_VERSION.into();
    object["communicationModes"] = json!([{ "communicationMode": "lanConnectionMode" }]);
    object["lanConnectionProtocol"] = "DTLS SVP".into();
    object["targetCtl"] = "CTL1".into();
    object["svpIp"] = ctl1.into();
    if call.query("detailInfoType") == Some("version") {
        object["ctl1MicroVersion"] = DKC_MICRO_VERSION.into();
        object["ctl2MicroVersion"] = DKC_MICRO_VERSION.into();
    }
    Ok(Reply::json(object))
}

/// The list entry (A8, A10): the fields a client needs to find the storageDeviceId.
fn summary(state: &State) -> Value {
    let (ctl1, ctl2) = ctl_ips(state);
    json!({
        "storageDeviceId": state.sdid,
        "model": state.config.model,
        "serialNumber": state.config.serial,
        "svpIp": ctl1,
        "ctl1Ip": ctl1,
        "ctl2Ip": ctl2,
        "usesSvp": false,
        "isSecure": state.net.https,
    })
}

/// The controllers' addresses: the mock's first two nodes (the only node twice when it
/// has one), since a GUM model's REST servers run on CTL1 and CTL2.
fn ctl_ips(state: &State) -> (String, String) {
    let first = state
        .net
        .ips
        .first()
        .map_or_else(|| "127.0.0.1".to_owned(), ToString::to_string);
    let second = state
        .net
        .ips
        .get(1)
        .map_or_else(|| first.clone(), ToString::to_string);
    (first, second)
}
