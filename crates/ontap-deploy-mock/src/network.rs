//! `/network/connectivitychecks` (reference §6, evidence from Ansible only): a check runs as
//! a job; its record carries the results, one per host network, once the job ends.

use serde_json::{Map, Value};

use crate::answer::{Answer, Refusal, Reply};
use crate::input::{self, Call};
use crate::inventory::{collection, single};
use crate::jobs::{JobState, Plan};
use crate::schema;
use crate::state::{Check, Deploy, Effect, new_id};

const FIELDS: [&str; 5] = ["debug", "host_networks", "mode", "mtu", "vswitch_type"];

fn settings(body: &Map<String, Value>) -> Result<Map<String, Value>, Refusal> {
    input::only(body, &FIELDS, "a connectivity check")?;
    let mode = input::required(body, "mode")?;
    if !["quick", "extended", "cleanup"].contains(&mode.as_str()) {
        return Err(Refusal::bad_request(format!(
            "the value {mode:?} is invalid for field \"mode\": expected quick, extended or cleanup"
        )));
    }
    input::boolean(body, "debug")?;
    if let Some(mtu) = body.get("mtu").filter(|v| !v.is_null())
        && !mtu.as_u64().is_some_and(|m| (576..=9000).contains(&m))
    {
        return Err(Refusal::bad_request(
            "field \"mtu\" must be an integer from 576 to 9000",
        ));
    }
    if let Some(vswitch) = input::string(body, "vswitch_type")?
        && !["StandardvSwitch", "DistributedvSwitch", "OpenvSwitch"].contains(&vswitch.as_str())
    {
        return Err(Refusal::bad_request(format!(
            "the value {vswitch:?} is invalid for field \"vswitch_type\""
        )));
    }
    match body.get("host_networks") {
        None | Some(Value::Null) if mode == "cleanup" => {}
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let Value::Object(map) = item else {
                    return Err(Refusal::bad_request(format!(
                        "host_networks[{i}] is not an object"
                    )));
                };
                input::only(map, &["host_name", "network_name"], "a host network")?;
                input::required(map, "host_name")?;
                input::required(map, "network_name")?;
            }
        }
        _ => {
            return Err(Refusal::bad_request(
                "field \"host_networks\" is required and must be a non-empty array",
            ));
        }
    }
    Ok(body.clone())
}

pub(crate) fn create(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let settings = settings(&call.object()?)?;
    let mode = settings
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("quick")
        .to_owned();
    let check = Check {
        id: new_id(),
        settings,
        state: JobState::Running,
        results: Vec::new(),
    };
    let id = check.id.clone();
    let plan = Plan::new(
        [
            format!("Starting the {mode} network connectivity check"),
            "Checking the host networks".to_owned(),
        ],
        "Network connectivity check passed",
    );
    let mut state = deploy.state();
    state.checks.push(check);
    let job = deploy.start_job(&mut state, &plan, Effect::Check(id.clone()), None);
    Ok(Reply::Job(
        job,
        Some(format!("/network/connectivitychecks/{id}")),
    ))
}

pub(crate) fn list(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let records = deploy.state().checks.iter().map(Check::record).collect();
    collection(call, &schema::CHECKS, records)
}

pub(crate) fn get(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let id = call.param("id");
    let record = deploy
        .state()
        .checks
        .iter()
        .find(|c| c.id == id)
        .map(Check::record)
        .ok_or_else(|| Refusal::not_found("connectivity check", id))?;
    single(call, &schema::CHECKS, &record)
}
