//! `/clusters`: create (201, nodes generated), configure, deploy, power, resize and delete.
//!
//! A cluster is `powered_off` and `is_deployed: false` until its deploy job succeeds, then
//! `powered_on`. Deleting a powered-on cluster, or starting a job on a cluster whose last
//! job has not ended, is refused with 400 (mock decisions; reference §6 and §7).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::answer::{Answer, Refusal, Reply};
use crate::input::{self, Call};
use crate::inventory::{collection, single};
use crate::jobs::Plan;
use crate::schema;
use crate::state::{Cluster, Deploy, Effect, Power, State};

/// Node counts Deploy accepts (reference §6: 1–8 everywhere, 10 and 12 on newer releases).
pub(crate) const NODE_COUNTS: [usize; 7] = [1, 2, 4, 6, 8, 10, 12];

/// The fields `POST /clusters` and the configure `PATCH` accept besides `name`.
const SETTINGS: [&str; 6] = [
    "ip",
    "gateway",
    "netmask",
    "ontap_image_version",
    "dns_info",
    "ntp_servers",
];

fn string_list(value: &Value, key: &str) -> Result<(), Refusal> {
    match value {
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
        _ => Err(Refusal::bad_request(format!(
            "field {key:?} must be an array of strings"
        ))),
    }
}

/// Checks the settings in `body` and returns them as given.
fn settings(deploy: &Deploy, body: &Map<String, Value>) -> Result<Map<String, Value>, Refusal> {
    let mut out = Map::new();
    for key in ["ip", "gateway", "netmask"] {
        if let Some(ip) = input::ipv4(body, key)? {
            out.insert(key.to_owned(), Value::from(ip));
        }
    }
    if let Some(version) = input::string(body, "ontap_image_version")? {
        if !deploy.config.images.contains(&version) {
            return Err(Refusal::bad_request(format!(
                "the value {version:?} is invalid for field \"ontap_image_version\": no such image"
            )));
        }
        out.insert("ontap_image_version".to_owned(), Value::from(version));
    }
    match body.get("dns_info") {
        None | Some(Value::Null) => {}
        Some(Value::Object(dns)) => {
            input::only(dns, &["domains", "dns_ips"], "dns_info")?;
            for (key, value) in dns {
                string_list(value, key)?;
            }
            out.insert("dns_info".to_owned(), Value::Object(dns.clone()));
        }
        Some(_) => {
            return Err(Refusal::bad_request(
                "field \"dns_info\" must be an object with domains and dns_ips",
            ));
        }
    }
    if let Some(ntp) = body.get("ntp_servers").filter(|v| !v.is_null()) {
        string_list(ntp, "ntp_servers")?;
        out.insert("ntp_servers".to_owned(), ntp.clone());
    }
    Ok(out)
}

pub(crate) fn list(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let records = deploy
        .state()
        .clusters
        .iter()
        .map(Cluster::record)
        .collect();
    collection(call, &schema::CLUSTERS, records)
}

pub(crate) fn create(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let count = call.query.reserved("node_count").ok_or_else(|| {
        Refusal::bad_request("the query parameter node_count is required (1, 2, 4, 6, 8, 10 or 12)")
    })?;
    let node_count = count
        .parse::<usize>()
        .ok()
        .filter(|n| NODE_COUNTS.contains(n))
        .ok_or_else(|| {
            Refusal::bad_request(format!(
                "the value {count:?} is invalid for field \"node_count\": expected 1, 2, 4, 6, 8, 10 or 12"
            ))
        })?;
    let body = call.object()?;
    let mut allowed = vec!["name"];
    allowed.extend(SETTINGS);
    input::only(&body, &allowed, "a cluster")?;
    let name = input::required(&body, "name")?;
    let settings = settings(deploy, &body)?;
    let mut state = deploy.state();
    if state.clusters.iter().any(|c| c.name == name) {
        return Err(Refusal::conflict(format!(
            "a cluster named {name:?} already exists"
        )));
    }
    let cluster = Cluster::new(name, settings, node_count);
    let location = format!("/clusters/{}", cluster.id);
    state.clusters.push(cluster);
    Ok(Reply::Created(location))
}

fn find<'a>(state: &'a State, id: &str) -> Result<&'a Cluster, Refusal> {
    state
        .cluster(id)
        .ok_or_else(|| Refusal::not_found("cluster", id))
}

pub(crate) fn get(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let record = find(&deploy.state(), call.param("cid"))?.record();
    single(call, &schema::CLUSTERS, &record)
}

fn not_busy(state: &State, cluster: &Cluster) -> Result<(), Refusal> {
    if state.cluster_busy(&cluster.id) {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is busy with a job",
            cluster.name
        )));
    }
    Ok(())
}

pub(crate) fn patch(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    if body.contains_key("availability") {
        power(deploy, call, &body)
    } else if body.contains_key("admin_password") || body.contains_key("nodes") {
        resize(deploy, call, &body)
    } else {
        configure(deploy, call, &body)
    }
}

fn configure(deploy: &Deploy, call: &Call<'_>, body: &Map<String, Value>) -> Answer {
    let mut allowed = vec!["name"];
    allowed.extend(SETTINGS);
    input::only(body, &allowed, "a cluster configuration")?;
    let new_name = input::string(body, "name")?;
    if new_name.as_deref() == Some("") {
        return Err(Refusal::bad_request("field \"name\" must not be empty"));
    }
    let settings = settings(deploy, body)?;
    let id = call.param("cid");
    let mut state = deploy.state();
    let cluster = find(&state, id)?;
    not_busy(&state, cluster)?;
    if cluster.is_deployed {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is deployed: its configuration can no longer change",
            cluster.name
        )));
    }
    if let Some(name) = &new_name
        && state.clusters.iter().any(|c| c.name == *name && c.id != id)
    {
        return Err(Refusal::conflict(format!(
            "a cluster named {name:?} already exists"
        )));
    }
    if let Some(cluster) = state.cluster_mut(id) {
        if let Some(name) = new_name {
            cluster.name = name;
        }
        cluster.settings.extend(settings);
    }
    Ok(Reply::Empty)
}

fn power(deploy: &Deploy, call: &Call<'_>, body: &Map<String, Value>) -> Answer {
    input::only(body, &["availability"], "a power change")?;
    let target = match input::string(body, "availability")?.as_deref() {
        Some("powered_off") => Power::Off,
        Some("powered_on") => Power::On,
        _ => {
            return Err(Refusal::bad_request(
                "field \"availability\" must be powered_off or powered_on",
            ));
        }
    };
    let id = call.param("cid");
    let mut state = deploy.state();
    let cluster = find(&state, id)?;
    not_busy(&state, cluster)?;
    if !cluster.is_deployed {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is not deployed",
            cluster.name
        )));
    }
    if cluster.power == target {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is already {}",
            cluster.name,
            target.as_str()
        )));
    }
    let verb = match target {
        Power::Off => "off",
        Power::On => "on",
    };
    let plan = Plan::new(
        [
            format!("Powering {verb} the nodes of cluster {}", cluster.name),
            format!(
                "Waiting for the nodes of cluster {} to power {verb}",
                cluster.name
            ),
        ],
        format!("Cluster {} powered {verb}", cluster.name),
    );
    let job = deploy.start_job(
        &mut state,
        &plan,
        Effect::Power(id.to_owned(), target),
        Some(id.to_owned()),
    );
    Ok(Reply::Job(job, None))
}

fn resize(deploy: &Deploy, call: &Call<'_>, body: &Map<String, Value>) -> Answer {
    input::only(body, &["admin_password", "nodes"], "a resize")?;
    input::required(body, "admin_password")?;
    let items = match body.get("nodes") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(Refusal::bad_request(
                "field \"nodes\" is required and must be a non-empty array",
            ));
        }
    };
    let mut changes: Vec<(String, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(Refusal::bad_request(format!("nodes[{i}] is not an object")));
        };
        input::only(map, &["id", "instance_type"], "a resized node")?;
        let node = input::required(map, "id")?;
        let instance_type = input::instance_type(&input::required(map, "instance_type")?)?;
        if changes.iter().any(|(n, _)| *n == node) {
            return Err(Refusal::bad_request(format!(
                "node {node:?} is listed twice"
            )));
        }
        changes.push((node, instance_type));
    }
    let id = call.param("cid");
    let mut state = deploy.state();
    let cluster = find(&state, id)?;
    not_busy(&state, cluster)?;
    if !cluster.is_deployed {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is not deployed",
            cluster.name
        )));
    }
    for (node, _) in &changes {
        if cluster.node(node).is_none() {
            return Err(Refusal::bad_request(format!(
                "node {node:?} is not a node of cluster {:?}",
                cluster.name
            )));
        }
    }
    // HA pairs (nodes 1+2, 3+4, …) change together.
    if cluster.nodes.len() > 1 {
        for pair in cluster.nodes.chunks(2) {
            let types: Vec<Option<&String>> = pair
                .iter()
                .map(|n| changes.iter().find(|(id, _)| *id == n.id).map(|(_, t)| t))
                .collect();
            let listed = types.iter().filter(|t| t.is_some()).count();
            let same = types.windows(2).all(|w| w[0] == w[1]);
            if listed != 0 && (listed != pair.len() || !same) {
                let names: Vec<&str> = pair.iter().map(|n| n.name.as_str()).collect();
                return Err(Refusal::bad_request(format!(
                    "the HA pair {} must be resized together to one instance type",
                    names.join(" and ")
                )));
            }
        }
    }
    let plan = Plan::new(
        [
            format!(
                "Resizing {} node(s) of cluster {}",
                changes.len(),
                cluster.name
            ),
            "Restarting the resized nodes".to_owned(),
        ],
        format!("Cluster {} resized", cluster.name),
    );
    let job = deploy.start_job(
        &mut state,
        &plan,
        Effect::Resize(id.to_owned(), changes),
        Some(id.to_owned()),
    );
    Ok(Reply::Job(job, None))
}

pub(crate) fn delete(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let id = call.param("cid");
    let mut state = deploy.state();
    let cluster = find(&state, id)?;
    not_busy(&state, cluster)?;
    if cluster.power == Power::On {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is powered_on: power it off before deleting it",
            cluster.name
        )));
    }
    let plan = Plan::new(
        [
            format!("Deleting the nodes of cluster {}", cluster.name),
            format!("Removing cluster {}", cluster.name),
        ],
        format!("Cluster {} deleted", cluster.name),
    );
    let job = deploy.start_job(
        &mut state,
        &plan,
        Effect::DeleteCluster(id.to_owned()),
        Some(id.to_owned()),
    );
    Ok(Reply::Job(job, None))
}

/// `POST /clusters/{id}/deploy?inhibit_rollback=`: every node needs a host and an IP, no
/// two on one host, no IP twice; the ONTAP admin password comes in `ontap_credential`.
pub(crate) fn deploy(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let inhibit_rollback = input::bool_param(call.query, "inhibit_rollback")?.unwrap_or(false);
    let body = call.object()?;
    if body.contains_key("ontap_credentials") {
        return Err(Refusal::bad_request(
            "unexpected field \"ontap_credentials\"; the field is \"ontap_credential\"",
        ));
    }
    input::only(&body, &["ontap_credential"], "a deploy request")?;
    match body.get("ontap_credential") {
        Some(Value::Object(credential)) => {
            input::only(credential, &["username", "password"], "ontap_credential")?;
            input::required(credential, "password")?;
        }
        _ => {
            return Err(Refusal::bad_request(
                "field \"ontap_credential\" is required: {\"password\": …}",
            ));
        }
    }
    let id = call.param("cid");
    let mut state = deploy.state();
    let cluster = find(&state, id)?;
    not_busy(&state, cluster)?;
    if cluster.is_deployed {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is already deployed",
            cluster.name
        )));
    }
    let mut hosts = BTreeSet::new();
    let mut ips = BTreeSet::new();
    if let Some(ip) = cluster.settings.get("ip").and_then(Value::as_str) {
        ips.insert(ip.to_owned());
    }
    for node in &cluster.nodes {
        let (Some(host), Some(ip)) = (&node.host_id, &node.ip) else {
            return Err(Refusal::invalid_state(format!(
                "node {:?} is not configured: it needs host.id and ip",
                node.name
            )));
        };
        if !state.hosts.iter().any(|h| h.id == *host) {
            return Err(Refusal::invalid_state(format!(
                "node {:?} is on host {host:?}, which does not exist",
                node.name
            )));
        }
        if !hosts.insert(host.clone()) {
            return Err(Refusal::invalid_state(format!(
                "node {:?} is on the same host as another node of the cluster",
                node.name
            )));
        }
        if !ips.insert(ip.clone()) {
            return Err(Refusal::invalid_state(format!(
                "node {:?} has the IP address of another node or of the cluster",
                node.name
            )));
        }
    }
    let version = cluster
        .settings
        .get("ontap_image_version")
        .and_then(Value::as_str)
        .or_else(|| deploy.config.images.first().map(String::as_str))
        .unwrap_or("ONTAP")
        .to_owned();
    let name = cluster.name.clone();
    let plan = Plan::new(
        [
            format!(
                "Creating the ONTAP Select virtual machines on {} host(s)",
                hosts.len()
            ),
            "Configuring the node networks".to_owned(),
            format!("Installing ONTAP {version} on the nodes"),
            format!("Creating cluster {name}"),
        ],
        format!(
            "Cluster {name} deployed{}",
            if inhibit_rollback {
                " (rollback inhibited)"
            } else {
                ""
            }
        ),
    );
    let job = deploy.start_job(
        &mut state,
        &plan,
        Effect::Deploy(id.to_owned()),
        Some(id.to_owned()),
    );
    Ok(Reply::Job(job, None))
}
