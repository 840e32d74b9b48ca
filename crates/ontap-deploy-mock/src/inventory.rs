//! Credentials (`/security/credentials`) and hosts (`/hosts`): both created by a job, both
//! visible at once (so `location` can be followed), both removed again if the job fails.

use serde_json::{Map, Value};

use crate::answer::{Answer, Refusal, Reply};
use crate::input::{self, Call};
use crate::jobs::Plan;
use crate::query::{Schema, project};
use crate::schema;
use crate::state::{Credential, Deploy, Effect, Host, new_id};

/// A single record, as `fields` asks (filters refused).
pub(crate) fn single(call: &Call<'_>, schema: &Schema, record: &Value) -> Answer {
    call.query.check(schema)?;
    call.no_filters()?;
    Ok(Reply::Record(project(record, &call.query.fields, schema)))
}

/// A collection, filtered, sorted, limited and projected.
pub(crate) fn collection(call: &Call<'_>, schema: &Schema, records: Vec<Value>) -> Answer {
    call.query.check(schema)?;
    Ok(Reply::Collection(call.query.apply(records, schema)))
}

pub(crate) fn list_credentials(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let records = deploy
        .state()
        .credentials
        .iter()
        .map(Credential::record)
        .collect();
    collection(call, &schema::CREDENTIALS, records)
}

pub(crate) fn create_credential(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    input::only(
        &body,
        &["hostname", "type", "username", "password"],
        "a credential",
    )?;
    let hostname = input::required(&body, "hostname")?;
    let username = input::required(&body, "username")?;
    // Checked, never kept: nothing can echo it.
    input::required(&body, "password")?;
    let kind = input::required(&body, "type")?;
    if kind != "host" && kind != "vcenter" {
        return Err(Refusal::bad_request(format!(
            "the value {kind:?} is invalid for field \"type\": expected host or vcenter"
        )));
    }
    let mut state = deploy.state();
    if state
        .credentials
        .iter()
        .any(|c| c.hostname == hostname && c.username == username)
    {
        return Err(Refusal::conflict(format!(
            "a credential for {username:?} on {hostname:?} already exists"
        )));
    }
    let credential = Credential {
        id: new_id(),
        hostname,
        username,
        kind,
    };
    let id = credential.id.clone();
    let plan = Plan::new(
        [format!(
            "Validating the credential for {}",
            credential.hostname
        )],
        format!("Credential for {} added", credential.hostname),
    );
    state.credentials.push(credential);
    let job = deploy.start_job(&mut state, &plan, Effect::Credential(id.clone()), None);
    Ok(Reply::Job(job, Some(format!("/security/credentials/{id}"))))
}

pub(crate) fn get_credential(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let id = call.param("id");
    let record = deploy
        .state()
        .credentials
        .iter()
        .find(|c| c.id == id)
        .map(Credential::record)
        .ok_or_else(|| Refusal::not_found("credential", id))?;
    single(call, &schema::CREDENTIALS, &record)
}

pub(crate) fn delete_credential(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let id = call.param("id");
    let mut state = deploy.state();
    let before = state.credentials.len();
    state.credentials.retain(|c| c.id != id);
    if state.credentials.len() == before {
        return Err(Refusal::not_found("credential", id));
    }
    Ok(Reply::Empty)
}

pub(crate) fn list_hosts(deploy: &Deploy, call: &Call<'_>) -> Answer {
    // Accepted and checked; the mock has no cache to refresh.
    input::bool_param(call.query, "invalidate_cache")?;
    let records = deploy.state().hosts.iter().map(Host::record).collect();
    collection(call, &schema::HOSTS, records)
}

fn host_from(item: &Value, index: usize) -> Result<Host, Refusal> {
    let Value::Object(map) = item else {
        return Err(Refusal::bad_request(format!(
            "hosts[{index}] is not an object"
        )));
    };
    input::only(
        map,
        &["name", "hypervisor_type", "management_server", "credential"],
        "a host",
    )?;
    let name = input::required(map, "name")?;
    let hypervisor_type = input::required(map, "hypervisor_type")?;
    if hypervisor_type != "ESX" && hypervisor_type != "KVM" {
        return Err(Refusal::bad_request(format!(
            "the value {hypervisor_type:?} is invalid for field \"hypervisor_type\": expected ESX or KVM"
        )));
    }
    let management_server = input::string(map, "management_server")?;
    let credential_username = match map.get("credential") {
        None | Some(Value::Null) => None,
        Some(Value::Object(credential)) => {
            input::only(credential, &["username", "password"], "a host credential")?;
            input::required(credential, "password")?;
            Some(input::required(credential, "username")?)
        }
        Some(_) => {
            return Err(Refusal::bad_request(
                "field \"credential\" must be an object with username and password",
            ));
        }
    };
    Ok(Host {
        id: new_id(),
        name,
        hypervisor_type,
        management_server,
        credential_username,
    })
}

pub(crate) fn create_hosts(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body: Map<String, Value> = call.object()?;
    input::only(&body, &["hosts"], "the request")?;
    let items = match body.get("hosts") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(Refusal::bad_request(
                "field \"hosts\" is required and must be a non-empty array",
            ));
        }
    };
    let hosts = items
        .iter()
        .enumerate()
        .map(|(i, item)| host_from(item, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = deploy.state();
    for (i, host) in hosts.iter().enumerate() {
        let twice = hosts[..i].iter().any(|h| h.name == host.name);
        if twice || state.hosts.iter().any(|h| h.name == host.name) {
            return Err(Refusal::conflict(format!(
                "host {:?} already exists",
                host.name
            )));
        }
    }
    let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    let plan = Plan::new(
        [
            format!("Adding host(s) {}", names.join(", ")),
            "Validating the host configuration".to_owned(),
        ],
        format!("Added {} host(s)", hosts.len()),
    );
    let ids: Vec<String> = hosts.iter().map(|h| h.id.clone()).collect();
    let first = ids.first().cloned().unwrap_or_default();
    state.hosts.extend(hosts);
    let job = deploy.start_job(&mut state, &plan, Effect::Hosts(ids), None);
    Ok(Reply::Job(job, Some(format!("/hosts/{first}"))))
}

pub(crate) fn get_host(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let id = call.param("id");
    let record = deploy
        .state()
        .hosts
        .iter()
        .find(|h| h.id == id)
        .map(Host::record)
        .ok_or_else(|| Refusal::not_found("host", id))?;
    single(call, &schema::HOSTS, &record)
}

pub(crate) fn delete_host(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let id = call.param("id");
    let mut state = deploy.state();
    if !state.hosts.iter().any(|h| h.id == id) {
        return Err(Refusal::not_found("host", id));
    }
    if let Some(node) = state
        .clusters
        .iter()
        .flat_map(|c| &c.nodes)
        .find(|n| n.host_id.as_deref() == Some(id))
    {
        return Err(Refusal::invalid_state(format!(
            "host {id:?} is used by node {:?}",
            node.name
        )));
    }
    state.hosts.retain(|h| h.id != id);
    Ok(Reply::Empty)
}
