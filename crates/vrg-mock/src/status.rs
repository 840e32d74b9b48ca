//! The alarm server (§3.2, §3.3), VRG status (§3.4), networks (§3.5) and a VM's DR status
//! (§3.6).

use serde_json::{Value, json};

use crate::answer::{self, Answer, Refusal};
use crate::app::{Call, body_json};
use crate::codes;
use crate::config::Role;
use crate::state::Vrg;
use crate::wire::{self, Alarm};

/// `POST /trapinfo`: sets the alarm server, or clears it with `0.0.0.0`.
pub(crate) fn set_alarm(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let alarm = wire::decode_alarm(&body_json(call)?)?;
    vrg.state().trap = match alarm {
        Alarm::Set(ip, port) => Some((ip, port)),
        Alarm::Clear => None,
    };
    Ok(answer::empty())
}

/// `GET /trapinfo`: the alarm server, or `10440402`.
pub(crate) fn get_alarm(vrg: &Vrg) -> Answer {
    let (ip, port) = vrg
        .state()
        .trap
        .ok_or(Refusal::code(codes::ALARM_SERVER_NOT_CONFIGURED))?;
    Ok(answer::json(&json!({"ip": ip.to_string(), "port": port})))
}

/// `GET /vrgstatus`.
pub(crate) fn vrg_status(vrg: &Vrg) -> http::Response<storkit_mock::MockBody> {
    let state = vrg.state();
    let status = if vrg.config.seed_shapes.status_string {
        Value::from(state.status.to_string())
    } else {
        Value::from(state.status)
    };
    answer::json(&json!({
        "status": status,
        "availableCapacity": state.available_capacity,
        "totalCapacity": state.total_capacity,
    }))
}

/// `GET /netinfos`: the management network (the address served now, with netmask and
/// gateway), the CNA network and the peer network; `10440305` by hook.
pub(crate) fn networks(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let state = vrg.state();
    if state.eth0_missing {
        return Err(Refusal::code(codes::NO_MANAGEMENT_ETH0));
    }
    let management = state
        .ips
        .first()
        .map_or_else(|| call.ctx.node.ip().to_string(), ToString::to_string);
    let (cna_ip, cna_port) = vrg.config.cna_network;
    let (peer_ip, peer_port) = vrg.config.peer_network;
    let key = if vrg.config.seed_shapes.netinfos_key {
        "netinfos"
    } else {
        "netInfos"
    };
    Ok(answer::json(&json!({
        key: [
            {
                "type": 0,
                "ip": management,
                "port": call.ctx.port(),
                "gateway": state.gateway.to_string(),
                "netmask": state.mask.to_string(),
            },
            {"type": 1, "ip": cna_ip.to_string(), "port": cna_port},
            {"type": 2, "ip": peer_ip.to_string(), "port": peer_port},
        ]
    })))
}

/// `GET /vmdrstatus/{vmUuid}/`: only on the DR side during a failover (else `10440101`,
/// mock choice); `10440401` for a malformed UUID, `10440400` for an unknown VM.
pub(crate) fn vm_dr_status(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let state = vrg.state();
    if vrg.config.role != Role::Dr || !state.failover {
        return Err(Refusal::code(codes::INVALID_PARAMETER));
    }
    let uuid = call.vm.unwrap_or_default();
    if !wire::is_well_formed_vm_uuid(uuid) {
        return Err(Refusal::code(codes::INVALID_VM_UUID));
    }
    let vm = state
        .vms
        .iter()
        .find(|vm| vm.is(uuid))
        .ok_or(Refusal::code(codes::VM_NOT_FOUND))?;
    Ok(answer::json(&json!({"status": vm.dr_status})))
}
