//! VM DR configurations (§3.8): set (either side), query, delete.

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::answer::{self, Answer, Refusal};
use crate::app::{Call, body_json};
use crate::codes;
use crate::config::SeedShapes;
use crate::state::{State, Vm, Vrg};
use crate::wire::{self, Filter, MAX_PAGE, SideConfig, Volume};

/// `POST /vmstrategy`: stores the configuration; a second one for the same VM replaces it
/// in place (mock choice) and starts its DR volumes at `volStatus` 5 again.
pub(crate) fn set(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let strategy = wire::decode_strategy(&body_json(call)?)?;
    let mut state = vrg.state();
    let vm = Vm {
        strategy,
        set_at: Instant::now(),
        outcome: state.volume_outcome.unwrap_or(1),
        delete_failed: false,
        dr_status: 1,
        fault: false,
    };
    match state
        .vms
        .iter_mut()
        .find(|old| old.is(&vm.strategy.vm_uuid))
    {
        Some(old) => *old = vm,
        None => state.vms.push(vm),
    }
    Ok(answer::empty())
}

/// `GET /vmstrategy`: `10440308` when no VM is configured at all; `10440400` when a named
/// VM is not; a query without paging answers at most 100 VMs.
pub(crate) fn query(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let query = wire::decode_strategy_query(call.parts.uri.query().unwrap_or(""))?;
    let state = vrg.state();
    if state.vms.is_empty() {
        return Err(Refusal::code(codes::NO_VMS));
    }
    let mut chosen: Vec<&Vm> = Vec::new();
    match &query.filter {
        Filter::Uuids(uuids) => {
            for uuid in uuids {
                let vm = state
                    .vms
                    .iter()
                    .find(|vm| vm.is(uuid))
                    .ok_or(Refusal::code(codes::VM_NOT_FOUND))?;
                if !chosen.iter().any(|c| std::ptr::eq(*c, vm)) {
                    chosen.push(vm);
                }
            }
        }
        Filter::All => chosen.extend(
            state
                .vms
                .iter()
                .filter(|vm| query.fault_vms != Some(1) || vm.fault),
        ),
    }
    let (limit, offset) = query.page.unwrap_or((MAX_PAGE, 0));
    let now = Instant::now();
    let list: Vec<Value> = chosen
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|vm| vm_json(vm, now, vrg))
        .collect();
    Ok(answer::json(&json!({ "vmList": list })))
}

/// `POST /vmstrategy/{vmUuid}/`: answers the VM's `drStatus` and removes it (or, by hook,
/// leaves it with its volumes at `volStatus` 6).
pub(crate) fn delete(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let uuid = call.vm.unwrap_or_default();
    if !wire::is_well_formed_vm_uuid(uuid) {
        return Err(Refusal::code(codes::INVALID_VM_UUID));
    }
    wire::check_delete(&body_json(call)?)?;
    let mut state = vrg.state();
    let State {
        vms,
        leave_volumes_on_delete,
        ..
    } = &mut *state;
    let index = vms
        .iter()
        .position(|vm| vm.is(uuid))
        .ok_or(Refusal::code(codes::VM_NOT_FOUND))?;
    let dr_status = vms[index].dr_status;
    if *leave_volumes_on_delete {
        vms[index].delete_failed = true;
    } else {
        vms.remove(index);
    }
    Ok(answer::json(&json!({ "drStatus": dr_status })))
}

/// One `vmList` item in the §6.14 table shape, fields per `flag`, with the seed-shape
/// toggles applied.
fn vm_json(vm: &Vm, now: Instant, vrg: &Vrg) -> Value {
    let shapes = &vrg.config.seed_shapes;
    let strategy = &vm.strategy;
    let mut out = Map::new();
    out.insert("flag".into(), strategy.side().flag().into());
    out.insert("vmUuid".into(), strategy.vm_uuid.clone().into());
    let mut host_urn_in_volumes = None;
    match &strategy.side {
        SideConfig::Production { encrypt, compress } => {
            if shapes.method_strings {
                out.insert("compressMethod".into(), compress.to_string().into());
                out.insert("encryptMethod".into(), encrypt.to_string().into());
            } else {
                out.insert("compressOption".into(), (*compress).into());
                out.insert("encryptOption".into(), (*encrypt).into());
            }
        }
        SideConfig::Dr {
            agent_ip,
            agent_port,
            host_urn,
        } => {
            out.insert("agentIp".into(), agent_ip.to_string().into());
            out.insert("agentPort".into(), (*agent_port).into());
            if let Some(urn) = host_urn {
                if shapes.host_urn_in_volumes {
                    host_urn_in_volumes = Some(urn.clone());
                } else {
                    out.insert("hostUrn".into(), urn.clone().into());
                }
            }
        }
    }
    let vol_status = vm.vol_status(now, vrg.config.strategy_delay);
    let volumes: Vec<Value> = strategy
        .volumes
        .iter()
        .map(|v| volume_json(v, vol_status, host_urn_in_volumes.as_deref(), shapes))
        .collect();
    out.insert("volList".into(), volumes.into());
    Value::Object(out)
}

fn volume_json(
    volume: &Volume,
    vol_status: Option<i64>,
    host_urn: Option<&str>,
    shapes: &SeedShapes,
) -> Value {
    let mut out = Map::new();
    out.insert("volUuid".into(), volume.vol_uuid.clone().into());
    if shapes.pro_vol_uuid {
        out.insert("proVolUuid".into(), volume.vol_uuid.clone().into());
    }
    if let Some(slot) = volume.seq_num {
        out.insert("seqNum".into(), slot.into());
    }
    if let Some(urn) = &volume.ds_urn {
        let key = if shapes.dst_vol_dsurn {
            "dstVolDsurn"
        } else {
            "dstVolDsUrn"
        };
        out.insert(key.into(), urn.clone().into());
    }
    if let Some(kind) = &volume.vol_type {
        out.insert("dstVolType".into(), kind.clone().into());
    }
    if let Some(url) = &volume.volume_url {
        let key = if shapes.volume_ur1 {
            "volumeUr1"
        } else {
            "volumeUrl"
        };
        out.insert(key.into(), url.clone().into());
    }
    if let Some(status) = vol_status {
        out.insert("volStatus".into(), status.into());
    }
    if let Some(ext) = &volume.dr_ext {
        let mut ext = ext.clone();
        if shapes.dr_mgnt_ip
            && let Some(ip) = ext.remove("dsMgntIp")
        {
            ext.insert("drMgntIp".into(), ip);
        }
        let ext = Value::Object(ext);
        let ext = if shapes.dr_ext_params_string {
            Value::String(ext.to_string())
        } else {
            ext
        };
        out.insert("drExtParams".into(), ext);
    }
    if let Some(urn) = host_urn {
        out.insert("hostUrn".into(), urn.into());
    }
    Value::Object(out)
}
