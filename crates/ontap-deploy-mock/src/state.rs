//! The Deploy's objects and the jobs that change them.
//!
//! Jobs run on the kit's [`JobClock`], which computes a job's state from the clock when it
//! is read. So a job's effect on the objects (a cluster deployed, powered off, deleted) is
//! applied lazily: every look at the state ([`Deploy::state`]) first applies the effects of
//! the jobs that have ended since.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value, json};
use storkit_mock::jobs::JobClock;

use crate::config::DeployConfig;
use crate::jobs::{JobMeta, JobState, Plan, Step};
use crate::time::WallClock;

/// A new opaque id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub(crate) id: String,
    pub(crate) hostname: String,
    pub(crate) username: String,
    pub(crate) kind: String,
}

impl Credential {
    /// The record; the password is never kept, so never returned.
    pub(crate) fn record(&self) -> Value {
        json!({"id": self.id, "hostname": self.hostname, "username": self.username, "type": self.kind})
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) hypervisor_type: String,
    pub(crate) management_server: Option<String>,
    pub(crate) credential_username: Option<String>,
}

impl Host {
    pub(crate) fn record(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("name".into(), Value::from(self.name.clone()));
        map.insert(
            "hypervisor_type".into(),
            Value::from(self.hypervisor_type.clone()),
        );
        insert_opt(
            &mut map,
            "management_server",
            self.management_server.clone().map(Value::from),
        );
        insert_opt(
            &mut map,
            "credential",
            self.credential_username
                .as_ref()
                .map(|u| json!({"username": u})),
        );
        Value::Object(map)
    }
}

/// A cluster's power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Power {
    On,
    Off,
}

impl Power {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::On => "powered_on",
            Self::Off => "powered_off",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub(crate) id: String,
    pub(crate) purpose: &'static str,
    pub(crate) name: Option<String>,
    pub(crate) vlan_id: Option<i64>,
}

impl Network {
    pub(crate) fn record(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("purpose".into(), Value::from(self.purpose));
        insert_opt(&mut map, "name", self.name.clone().map(Value::from));
        insert_opt(&mut map, "vlan_id", self.vlan_id.map(Value::from));
        Value::Object(map)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) capacity: u64,
}

impl Pool {
    pub(crate) fn record(&self) -> Value {
        json!({"id": self.id, "name": self.name, "capacity": self.capacity})
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Disk {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) raw: Value,
}

impl Disk {
    pub(crate) fn record(&self) -> Value {
        json!({"id": self.id, "name": self.name, "disk": self.raw})
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) host_id: Option<String>,
    pub(crate) instance_type: String,
    pub(crate) ip: Option<String>,
    pub(crate) passthrough_disks: bool,
    pub(crate) serial_number: Option<String>,
    pub(crate) license_id: Option<String>,
    pub(crate) storage_efficiency: Option<bool>,
    pub(crate) networks: Vec<Network>,
    pub(crate) pools: Vec<Pool>,
    pub(crate) disks: Vec<Disk>,
}

impl Node {
    fn new(cluster: &str, index: usize, count: usize) -> Self {
        // A single node has no internal network. The order is deliberately not
        // mgmt, data, internal: clients must pick by purpose (reference §9).
        let purposes: &[&'static str] = if count == 1 {
            &["data", "mgmt"]
        } else {
            &["data", "internal", "mgmt"]
        };
        Self {
            id: new_id(),
            name: format!("{cluster}-{:02}", index + 1),
            host_id: None,
            instance_type: "small".to_owned(),
            ip: None,
            passthrough_disks: false,
            serial_number: None,
            license_id: None,
            storage_efficiency: None,
            networks: purposes
                .iter()
                .map(|purpose| Network {
                    id: new_id(),
                    purpose,
                    name: None,
                    vlan_id: None,
                })
                .collect(),
            pools: Vec::new(),
            disks: Vec::new(),
        }
    }

    /// The record under `/clusters/{id}/nodes`.
    pub(crate) fn record(&self, cluster: &Cluster, hosts: &[Host]) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("name".into(), Value::from(self.name.clone()));
        map.insert(
            "cluster".into(),
            json!({"id": cluster.id, "name": cluster.name}),
        );
        insert_opt(
            &mut map,
            "host",
            self.host_id
                .as_ref()
                .map(|id| match hosts.iter().find(|h| h.id == *id) {
                    Some(host) => json!({"id": id, "name": host.name}),
                    None => json!({"id": id}),
                }),
        );
        map.insert(
            "instance_type".into(),
            Value::from(self.instance_type.clone()),
        );
        insert_opt(&mut map, "ip", self.ip.clone().map(Value::from));
        map.insert(
            "passthrough_disks".into(),
            Value::from(self.passthrough_disks),
        );
        insert_opt(
            &mut map,
            "serial_number",
            self.serial_number.clone().map(Value::from),
        );
        insert_opt(
            &mut map,
            "license",
            self.license_id.as_ref().map(|id| json!({"id": id})),
        );
        insert_opt(
            &mut map,
            "is_storage_efficiency_enabled",
            self.storage_efficiency.map(Value::from),
        );
        map.insert("state".into(), Value::from(cluster.power.as_str()));
        Value::Object(map)
    }

    /// The node as the cluster record embeds it.
    fn embedded(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("name".into(), Value::from(self.name.clone()));
        insert_opt(
            &mut map,
            "host",
            self.host_id.as_ref().map(|id| json!({"id": id})),
        );
        insert_opt(&mut map, "ip", self.ip.clone().map(Value::from));
        map.insert(
            "instance_type".into(),
            Value::from(self.instance_type.clone()),
        );
        insert_opt(
            &mut map,
            "serial_number",
            self.serial_number.clone().map(Value::from),
        );
        Value::Object(map)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Configuration fields as given (`ip`, `gateway`, `netmask`, `ontap_image_version`,
    /// `dns_info`, `ntp_servers`).
    pub(crate) settings: Map<String, Value>,
    pub(crate) power: Power,
    pub(crate) is_deployed: bool,
    pub(crate) nodes: Vec<Node>,
}

impl Cluster {
    pub(crate) fn new(name: String, settings: Map<String, Value>, node_count: usize) -> Self {
        let nodes = (0..node_count)
            .map(|i| Node::new(&name, i, node_count))
            .collect();
        Self {
            id: new_id(),
            name,
            settings,
            power: Power::Off,
            is_deployed: false,
            nodes,
        }
    }

    pub(crate) fn record(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("name".into(), Value::from(self.name.clone()));
        for (key, value) in &self.settings {
            map.insert(key.clone(), value.clone());
        }
        map.insert("state".into(), Value::from(self.power.as_str()));
        map.insert("is_deployed".into(), Value::from(self.is_deployed));
        map.insert(
            "nodes".into(),
            Value::Array(self.nodes.iter().map(Node::embedded).collect()),
        );
        Value::Object(map)
    }

    pub(crate) fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub(crate) fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == id)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct License {
    pub(crate) serial: String,
    pub(crate) file_name: Option<String>,
    pub(crate) last_modified: String,
}

impl License {
    pub(crate) fn record(&self, clusters: &[Cluster]) -> Value {
        let nodes: Vec<Value> = clusters
            .iter()
            .flat_map(|c| &c.nodes)
            .filter(|n| n.serial_number.as_deref() == Some(self.serial.as_str()))
            .map(|n| json!({"id": n.id, "name": n.name}))
            .collect();
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.serial.clone()));
        map.insert("serial_number".into(), Value::from(self.serial.clone()));
        insert_opt(
            &mut map,
            "file_name",
            self.file_name.clone().map(Value::from),
        );
        map.insert("nodes".into(), Value::Array(nodes));
        map.insert(
            "last_modified".into(),
            Value::from(self.last_modified.clone()),
        );
        Value::Object(map)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) id: String,
    /// The request's settings, as given.
    pub(crate) settings: Map<String, Value>,
    pub(crate) state: JobState,
    pub(crate) results: Vec<Value>,
}

impl Check {
    pub(crate) fn record(&self) -> Value {
        let mut map = self.settings.clone();
        map.insert("id".into(), Value::from(self.id.clone()));
        map.insert("state".into(), Value::from(self.state.as_str()));
        map.insert("results".into(), Value::Array(self.results.clone()));
        Value::Object(map)
    }
}

/// What a job changes when it ends.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// A credential added at once; removed if the job fails.
    Credential(String),
    /// Hosts added at once; removed if the job fails.
    Hosts(Vec<String>),
    /// The cluster is deployed (and powered on) on success.
    Deploy(String),
    /// The cluster's power on success.
    Power(String, Power),
    /// Node instance types on success.
    Resize(String, Vec<(String, String)>),
    /// The cluster goes on success.
    DeleteCluster(String),
    /// A connectivity check's outcome.
    Check(String),
    /// A licence's new file on success.
    License(String, Option<String>),
}

/// Everything the mock knows, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) credentials: Vec<Credential>,
    pub(crate) hosts: Vec<Host>,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) licenses: Vec<License>,
    pub(crate) checks: Vec<Check>,
    pub(crate) jobs: Vec<JobMeta>,
    /// The next job fails with this message.
    pub(crate) fail_next_job: Option<String>,
    /// This many next requests answer 500.
    pub(crate) fail_next_requests: u32,
    pub(crate) job_step: Duration,
    pub(crate) jobs_started: u64,
}

impl State {
    pub(crate) fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    pub(crate) fn cluster_mut(&mut self, id: &str) -> Option<&mut Cluster> {
        self.clusters.iter_mut().find(|c| c.id == id)
    }

    /// Whether a job on `cluster` has not ended yet.
    pub(crate) fn cluster_busy(&self, cluster: &str) -> bool {
        self.jobs
            .iter()
            .any(|job| job.effect.is_some() && job.cluster.as_deref() == Some(cluster))
    }

    fn apply(&mut self, effect: Effect, success: bool, clock: &WallClock) {
        match (effect, success) {
            (Effect::Credential(id), false) => self.credentials.retain(|c| c.id != id),
            (Effect::Hosts(ids), false) => self.hosts.retain(|h| !ids.contains(&h.id)),
            (Effect::Credential(_) | Effect::Hosts(_), true) => {}
            (Effect::Deploy(id), true) => {
                if let Some(cluster) = self.cluster_mut(&id) {
                    cluster.is_deployed = true;
                    cluster.power = Power::On;
                }
            }
            (Effect::Power(id, power), true) => {
                if let Some(cluster) = self.cluster_mut(&id) {
                    cluster.power = power;
                }
            }
            (Effect::Resize(id, changes), true) => {
                if let Some(cluster) = self.cluster_mut(&id) {
                    for (node, instance_type) in changes {
                        if let Some(node) = cluster.node_mut(&node) {
                            node.instance_type = instance_type;
                        }
                    }
                }
            }
            (Effect::DeleteCluster(id), true) => self.clusters.retain(|c| c.id != id),
            (Effect::Check(id), success) => {
                if let Some(check) = self.checks.iter_mut().find(|c| c.id == id) {
                    check.state = if success {
                        JobState::Success
                    } else {
                        JobState::Failure
                    };
                    let status = if success { "success" } else { "failure" };
                    check.results = check
                        .settings
                        .get("host_networks")
                        .and_then(Value::as_array)
                        .map(|networks| {
                            networks
                                .iter()
                                .map(|n| {
                                    json!({
                                        "host_name": n.get("host_name").cloned().unwrap_or(Value::Null),
                                        "network_name": n.get("network_name").cloned().unwrap_or(Value::Null),
                                        "status": status,
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                }
            }
            (Effect::License(serial, file_name), true) => {
                if let Some(license) = self.licenses.iter_mut().find(|l| l.serial == serial) {
                    license.file_name = file_name;
                    license.last_modified = clock.now();
                }
            }
            (
                Effect::Deploy(_)
                | Effect::Power(..)
                | Effect::Resize(..)
                | Effect::DeleteCluster(_)
                | Effect::License(..),
                false,
            ) => {}
        }
    }
}

/// One mock Deploy: configuration, objects, jobs and the clock.
pub(crate) struct Deploy {
    pub(crate) config: DeployConfig,
    state: Mutex<State>,
    pub(crate) jobs: JobClock<Step>,
    pub(crate) clock: WallClock,
}

impl Deploy {
    pub(crate) fn new(config: DeployConfig) -> Self {
        let state = State {
            job_step: config.job_step,
            ..State::default()
        };
        Self {
            config,
            state: Mutex::new(state),
            jobs: JobClock::new(),
            clock: WallClock::new(),
        }
    }

    /// The state, with every ended job's effect applied.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ended = Vec::new();
        for job in &mut state.jobs {
            if job.effect.is_none() {
                continue;
            }
            if let Some(snapshot) = self.jobs.get(job.clock)
                && snapshot.state.state.is_terminal()
                && let Some(effect) = job.effect.take()
            {
                ended.push((effect, snapshot.state.state == JobState::Success));
            }
        }
        for (effect, success) in ended {
            state.apply(effect, success, &self.clock);
        }
        state
    }

    /// Starts a job now; returns its record for the 202 body.
    pub(crate) fn start_job(
        &self,
        state: &mut State,
        plan: &Plan,
        effect: Effect,
        cluster: Option<String>,
    ) -> Value {
        let failure = state.fail_next_job.take();
        let clock_id = self.jobs.start(plan.timeline(state.job_step, failure));
        let id = new_id();
        state.jobs_started += 1;
        state.jobs.push(JobMeta {
            id: id.clone(),
            clock: clock_id,
            effect: Some(effect),
            cluster,
        });
        match self.jobs.get(clock_id) {
            Some(snapshot) => self.job_record(&id, &snapshot),
            None => json!({"id": id}),
        }
    }
}
