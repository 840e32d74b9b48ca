//! A cluster's nodes and, under each node, its networks, storage pools and disks.
//!
//! Networks come in the order data, internal, mgmt (data, mgmt on a single node), so a
//! client that takes `records[0]` as mgmt is caught. `POST …/storage/pools` and
//! `POST …/storage/disks` answer 201 with the first new object's `location` (mock choice:
//! the reference has S9 accept 201 or 202 and S7 call it synchronous).

use serde_json::Value;

use crate::answer::{Answer, Refusal, Reply};
use crate::input::{self, Call};
use crate::inventory::{collection, single};
use crate::schema;
use crate::state::{Cluster, Deploy, Disk, Node, Pool, State, new_id};

fn cluster<'a>(state: &'a State, call: &Call<'_>) -> Result<&'a Cluster, Refusal> {
    let id = call.param("cid");
    state
        .cluster(id)
        .ok_or_else(|| Refusal::not_found("cluster", id))
}

fn node<'a>(cluster: &'a Cluster, call: &Call<'_>) -> Result<&'a Node, Refusal> {
    let id = call.param("nid");
    cluster
        .node(id)
        .ok_or_else(|| Refusal::not_found("node", id))
}

/// The node to change, after the checks every change makes: it exists and its cluster has
/// no job running.
fn node_mut<'a>(state: &'a mut State, call: &Call<'_>) -> Result<&'a mut Node, Refusal> {
    let (cid, nid) = (call.param("cid"), call.param("nid"));
    let busy = state.cluster_busy(cid);
    let cluster = state
        .cluster_mut(cid)
        .ok_or_else(|| Refusal::not_found("cluster", cid))?;
    if busy {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is busy with a job",
            cluster.name
        )));
    }
    cluster
        .node_mut(nid)
        .ok_or_else(|| Refusal::not_found("node", nid))
}

pub(crate) fn list(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let cluster = cluster(&state, call)?;
    let records = cluster
        .nodes
        .iter()
        .map(|n| n.record(cluster, &state.hosts))
        .collect();
    collection(call, &schema::NODES, records)
}

pub(crate) fn get(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let cluster = cluster(&state, call)?;
    let record = node(cluster, call)?.record(cluster, &state.hosts);
    single(call, &schema::NODES, &record)
}

const NODE_FIELDS: [&str; 8] = [
    "host",
    "instance_type",
    "ip",
    "passthrough_disks",
    "serial_number",
    "license",
    "is_storage_efficiency_enabled",
    "name",
];

pub(crate) fn patch(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    input::only(&body, &NODE_FIELDS, "a node")?;
    let host = input::id_of(&body, "host")?;
    let instance_type = input::string(&body, "instance_type")?
        .map(|t| input::instance_type(&t))
        .transpose()?;
    let ip = input::ipv4(&body, "ip")?;
    let passthrough = input::boolean(&body, "passthrough_disks")?;
    let serial = match body.get("serial_number") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(_) => {
            return Err(Refusal::bad_request(
                "field \"serial_number\" must be a non-empty string",
            ));
        }
    };
    let license = input::id_of(&body, "license")?;
    let efficiency = input::boolean(&body, "is_storage_efficiency_enabled")?;
    let name = input::string(&body, "name")?;
    if name.as_deref() == Some("") {
        return Err(Refusal::bad_request("field \"name\" must not be empty"));
    }

    let mut state = deploy.state();
    if let Some(host) = &host
        && !state.hosts.iter().any(|h| h.id == *host)
    {
        return Err(Refusal::bad_request(format!(
            "host {host:?} does not exist"
        )));
    }
    if let Some(license) = &license
        && !state.licenses.iter().any(|l| l.serial == *license)
    {
        return Err(Refusal::bad_request(format!(
            "license {license:?} does not exist"
        )));
    }
    let cluster = cluster(&state, call)?;
    if cluster.is_deployed && (host.is_some() || ip.is_some() || instance_type.is_some()) {
        return Err(Refusal::invalid_state(format!(
            "cluster {:?} is deployed: change instance types with a resize; host and ip are fixed",
            cluster.name
        )));
    }
    if let Some(name) = &name
        && cluster
            .nodes
            .iter()
            .any(|n| n.name == *name && n.id != call.param("nid"))
    {
        return Err(Refusal::conflict(format!(
            "a node named {name:?} already exists in cluster {:?}",
            cluster.name
        )));
    }
    let node = node_mut(&mut state, call)?;
    if let Some(host) = host {
        node.host_id = Some(host);
    }
    if let Some(instance_type) = instance_type {
        node.instance_type = instance_type;
    }
    if let Some(ip) = ip {
        node.ip = Some(ip);
    }
    if let Some(passthrough) = passthrough {
        node.passthrough_disks = passthrough;
    }
    if let Some(serial) = serial {
        node.serial_number = Some(serial);
    }
    if let Some(license) = license {
        node.license_id = Some(license);
    }
    if let Some(efficiency) = efficiency {
        node.storage_efficiency = Some(efficiency);
    }
    if let Some(name) = name {
        node.name = name;
    }
    Ok(Reply::Empty)
}

pub(crate) fn list_networks(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let records = node(cluster(&state, call)?, call)?
        .networks
        .iter()
        .map(|n| n.record())
        .collect();
    collection(call, &schema::NETWORKS, records)
}

pub(crate) fn get_network(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let id = call.param("netid");
    let record = node(cluster(&state, call)?, call)?
        .networks
        .iter()
        .find(|n| n.id == id)
        .map(|n| n.record())
        .ok_or_else(|| Refusal::not_found("network", id))?;
    single(call, &schema::NETWORKS, &record)
}

pub(crate) fn patch_network(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    input::only(&body, &["name", "vlan_id"], "a network")?;
    let name = input::string(&body, "name")?;
    let vlan = match body.get("vlan_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => match n.as_i64().filter(|v| (0..=4095).contains(v)) {
            Some(v) => Some(Some(v)),
            None => {
                return Err(Refusal::bad_request(
                    "field \"vlan_id\" must be an integer from 0 to 4095",
                ));
            }
        },
        Some(_) => {
            return Err(Refusal::bad_request(
                "field \"vlan_id\" must be an integer from 0 to 4095",
            ));
        }
    };
    let id = call.param("netid").to_owned();
    let mut state = deploy.state();
    let node = node_mut(&mut state, call)?;
    let network = node
        .networks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| Refusal::not_found("network", &id))?;
    if let Some(name) = name {
        network.name = Some(name);
    }
    if let Some(vlan) = vlan {
        network.vlan_id = vlan;
    }
    Ok(Reply::Empty)
}

pub(crate) fn list_pools(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let records = node(cluster(&state, call)?, call)?
        .pools
        .iter()
        .map(Pool::record)
        .collect();
    collection(call, &schema::POOLS, records)
}

pub(crate) fn get_pool(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let id = call.param("pid");
    let record = node(cluster(&state, call)?, call)?
        .pools
        .iter()
        .find(|p| p.id == id)
        .map(Pool::record)
        .ok_or_else(|| Refusal::not_found("storage pool", id))?;
    single(call, &schema::POOLS, &record)
}

fn base(call: &Call<'_>) -> String {
    format!(
        "/clusters/{}/nodes/{}/storage",
        call.param("cid"),
        call.param("nid")
    )
}

pub(crate) fn create_pools(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    input::only(&body, &["pool_array"], "a storage pool request")?;
    let items = match body.get("pool_array") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(Refusal::bad_request(
                "field \"pool_array\" is required and must be a non-empty array",
            ));
        }
    };
    let mut pools: Vec<Pool> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(Refusal::bad_request(format!(
                "pool_array[{i}] is not an object"
            )));
        };
        input::only(map, &["name", "capacity"], "a storage pool")?;
        let name = input::required(map, "name")?;
        let capacity = map
            .get("capacity")
            .and_then(Value::as_u64)
            .filter(|c| *c > 0)
            .ok_or_else(|| {
                Refusal::bad_request(
                    "field \"capacity\" must be a positive integer number of bytes",
                )
            })?;
        if pools.iter().any(|p| p.name == name) {
            return Err(Refusal::bad_request(format!(
                "pool {name:?} is listed twice"
            )));
        }
        pools.push(Pool {
            id: new_id(),
            name,
            capacity,
        });
    }
    let first = pools.first().map(|p| p.id.clone()).unwrap_or_default();
    let location = format!("{}/pools/{first}", base(call));
    let mut state = deploy.state();
    let node = node_mut(&mut state, call)?;
    if let Some(pool) = pools
        .iter()
        .find(|p| node.pools.iter().any(|q| q.name == p.name))
    {
        return Err(Refusal::conflict(format!(
            "storage pool {:?} is already attached to node {:?}",
            pool.name, node.name
        )));
    }
    node.pools.extend(pools);
    Ok(Reply::Created(location))
}

pub(crate) fn delete_pool(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let id = call.param("pid").to_owned();
    let mut state = deploy.state();
    let node = node_mut(&mut state, call)?;
    let before = node.pools.len();
    node.pools.retain(|p| p.id != id);
    if node.pools.len() == before {
        return Err(Refusal::not_found("storage pool", &id));
    }
    Ok(Reply::Empty)
}

pub(crate) fn list_disks(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let records = node(cluster(&state, call)?, call)?
        .disks
        .iter()
        .map(Disk::record)
        .collect();
    collection(call, &schema::DISKS, records)
}

/// `{"disks":[…]}`: items are device paths or objects with a `name` (the shape is UNKNOWN,
/// reference §6).
pub(crate) fn create_disks(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let body = call.object()?;
    input::only(&body, &["disks"], "a storage disk request")?;
    let items = match body.get("disks") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(Refusal::bad_request(
                "field \"disks\" is required and must be a non-empty array",
            ));
        }
    };
    let mut disks = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = match item {
            Value::String(name) if !name.is_empty() => name.clone(),
            Value::Object(map) => input::required(map, "name")?,
            _ => {
                return Err(Refusal::bad_request(format!(
                    "disks[{i}] must be a device path or an object with a name"
                )));
            }
        };
        disks.push(Disk {
            id: new_id(),
            name,
            raw: item.clone(),
        });
    }
    let first = disks.first().map(|d| d.id.clone()).unwrap_or_default();
    let location = format!("{}/disks/{first}", base(call));
    let mut state = deploy.state();
    let node = node_mut(&mut state, call)?;
    if let Some(disk) = disks
        .iter()
        .find(|d| node.disks.iter().any(|e| e.name == d.name))
    {
        return Err(Refusal::conflict(format!(
            "disk {:?} is already attached to node {:?}",
            disk.name, node.name
        )));
    }
    node.disks.extend(disks);
    Ok(Reply::Created(location))
}
