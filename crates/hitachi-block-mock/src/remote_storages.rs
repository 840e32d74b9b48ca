//! Remote storage registration (reference §11): `remote-storages[/{sdid}]`.
//!
//! Registration needs `Remote-Authorization: Session <token of the remote REST server>`; the
//! mock checks the token by asking the remote mock (see [`remote_auth`](crate::remote_auth)),
//! then accepts a job whose outcome is that check's verdict.

use http::Method;
use serde_json::{Value, json};

use crate::errors::{ApiError, ErrorCode};
use crate::jobs::{self, OpCtx, Step};
use crate::params::Fields;
use crate::remote_auth::{self, remote_token};
use crate::request::Call;
use crate::router::{Reply, Sub, sub};
use crate::sessions::Caller;
use crate::state::{Array, State};

/// One registered remote storage system.
#[derive(Debug, Clone)]
pub(crate) struct RemoteStorage {
    pub(crate) sdid: String,
    model: String,
    serial: u64,
    pub(crate) rest_ip: String,
    pub(crate) rest_port: u16,
    ctl1_ip: String,
    ctl2_ip: String,
}

/// Requests on `remote-storages[/{sdid}]`.
pub(crate) async fn handle(
    array: &Array,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let state = array.lock();
            let mut data = vec![local_json(&state)];
            data.extend(state.remote_storages.values().map(remote_json));
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(sdid), &Method::GET) => {
            let state = array.lock();
            if sdid == state.sdid {
                return Ok(Reply::json(local_json(&state)));
            }
            state
                .remote_storages
                .get(sdid)
                .map(|r| Reply::json(remote_json(r)))
                .ok_or_else(|| ApiError::not_found(&format!("The remote storage {sdid}")))
        }
        (Sub::Collection, &Method::POST) => register(array, call, caller).await,
        (Sub::Item(sdid), &Method::DELETE) => deregister(array, call, caller, sdid).await,
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

/// The local system's own entry (`dkcType: "Local"`); registered ones are `"Remote"`. The
/// values of `dkcType` are UNKNOWN in the reference (§20 item 8); these two are the mock's.
fn local_json(state: &State) -> Value {
    let ip = |i: usize| {
        state
            .net
            .ips
            .get(i)
            .or(state.net.ips.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    json!({
        "storageDeviceId": state.sdid,
        "dkcType": "Local",
        "restServerIp": ip(0),
        "restServerPort": state.net.port,
        "model": state.config.model,
        "serialNumber": state.config.serial,
        "ctl1Ip": ip(0),
        "ctl2Ip": ip(1),
        "communicationModes": [{ "communicationMode": "lanConnectionMode" }],
    })
}

fn remote_json(r: &RemoteStorage) -> Value {
    json!({
        "storageDeviceId": r.sdid,
        "dkcType": "Remote",
        "restServerIp": r.rest_ip,
        "restServerPort": r.rest_port,
        "model": r.model,
        "serialNumber": r.serial,
        "ctl1Ip": r.ctl1_ip,
        "ctl2Ip": r.ctl2_ip,
        "communicationModes": [{ "communicationMode": "lanConnectionMode" }],
    })
}

async fn register(array: &Array, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let body = Fields::body(call)?;
    let sdid = body.str_req("storageDeviceId")?.to_owned();
    let ip = body.str_req("restServerIp")?.to_owned();
    let port = body
        .u64_lenient("restServerPort")?
        .ok_or_else(|| ApiError::missing("restServerPort"))?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| ApiError::invalid("restServerPort", "The value must be from 1 to 65535."))?;
    // Mutual discovery (registering this system on the remote one too) is accepted and not
    // modelled: each mock keeps its own registrations, as each GUM does (§2.2).
    body.bool_opt("isMutualDiscovery")?;
    let token = remote_token(call)?;
    let prefer_https = array.lock().net.https;
    let verdict = remote_auth::verify(prefer_https, &ip, port, &token).await;

    let mut state = array.lock();
    let outcome = match verdict {
        Err(reason) => Err(ApiError::remote_auth(reason)),
        Ok(_) if sdid == state.sdid => Err(ApiError::storage(
            "The local storage system cannot be registered as a remote storage system.",
            ErrorCode::rc("EX_INVARG"),
        )),
        Ok(systems) => systems
            .into_iter()
            .find(|s| s.sdid == sdid)
            .map(|s| RemoteStorage {
                ctl1_ip: s.ctl1_ip.unwrap_or_else(|| ip.clone()),
                ctl2_ip: s.ctl2_ip.unwrap_or_else(|| ip.clone()),
                sdid: s.sdid,
                model: s.model,
                serial: s.serial,
                rest_ip: ip.clone(),
                rest_port: port,
            })
            .ok_or_else(|| {
                ApiError::storage(
                    &format!("The REST API server at {ip}:{port} does not manage {sdid}."),
                    ErrorCode::rc("EX_ENOOBJ"),
                )
            }),
    };
    let op = Box::new(move |state: &mut State, _: &OpCtx| match &outcome {
        Ok(remote) => {
            state
                .remote_storages
                .insert(remote.sdid.clone(), remote.clone());
            Step::ok(state.object_path(&format!("remote-storages/{}", remote.sdid)))
        }
        Err(error) => Step::err(error.clone()),
    });
    Ok(jobs::reply(&mut state, call, caller, op))
}

async fn deregister(
    array: &Array,
    call: &Call,
    caller: &Caller,
    sdid: &str,
) -> Result<Reply, ApiError> {
    let mutual = Fields::body(call)?
        .bool_opt("isMutualDeletion")?
        .unwrap_or(false);
    let (target, prefer_https) = {
        let state = array.lock();
        if sdid == state.sdid {
            return Err(ApiError::not_runnable(
                "The local storage system cannot be deleted from the remote storages.",
            ));
        }
        let target = state
            .remote_storages
            .get(sdid)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&format!("The remote storage {sdid}")))?;
        (target, state.net.https)
    };
    // Mutual deletion also changes the remote side, so it needs the remote token.
    let verdict = if mutual {
        let token = remote_token(call)?;
        remote_auth::verify(prefer_https, &target.rest_ip, target.rest_port, &token)
            .await
            .map(|_| ())
            .map_err(ApiError::remote_auth)
    } else {
        Ok(())
    };
    let sdid = sdid.to_owned();
    let mut state = array.lock();
    let op = Box::new(move |state: &mut State, _: &OpCtx| {
        if let Err(error) = &verdict {
            return Step::err(error.clone());
        }
        if state.remote_copy.uses_remote(&sdid) {
            return Step::err(ApiError::storage(
                &format!("Remote copy pairs with {sdid} exist."),
                ErrorCode::rc("EX_CMDRJE"),
            ));
        }
        if state.remote_storages.remove(&sdid).is_none() {
            return Step::err(ApiError::storage(
                &format!("The remote storage {sdid} is not registered."),
                ErrorCode::rc("EX_ENOOBJ"),
            ));
        }
        Step::ok(state.object_path(&format!("remote-storages/{sdid}")))
    });
    Ok(jobs::reply(&mut state, call, caller, op))
}
