//! Clusters, `/clusters` (reference §6, §7): the answer, creation, configuration, power,
//! resize and deploy bodies.

use std::collections::HashSet;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;
use crate::model::node::InstanceType;

/// A node as a cluster lists it. Also read from a bare id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeRef {
    /// `id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct NodeRefObject {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    name: Option<String>,
}

impl<'de> Deserialize<'de> for NodeRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(map) => NodeRefObject::deserialize(Value::Object(map))
                .map(|r| NodeRef {
                    id: r.id,
                    name: r.name,
                })
                .map_err(serde::de::Error::custom),
            other => match lenient::id_of(&other) {
                Some(id) => Ok(NodeRef {
                    id: Some(id),
                    name: None,
                }),
                None => Err(serde::de::Error::custom("not a node reference")),
            },
        }
    }
}

/// DNS settings of a cluster, `dns_info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DnsInfo {
    /// `domains`: search domains.
    #[serde(default, deserialize_with = "lenient::text_list")]
    pub domains: Vec<String>,
    /// `dns_ips`: name server addresses.
    #[serde(default, deserialize_with = "lenient::text_list")]
    pub dns_ips: Vec<String>,
}

impl DnsInfo {
    /// DNS settings.
    pub fn new<D, S, I, T>(domains: D, dns_ips: I) -> Self
    where
        D: IntoIterator<Item = S>,
        S: Into<String>,
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        DnsInfo {
            domains: domains.into_iter().map(Into::into).collect(),
            dns_ips: dns_ips.into_iter().map(Into::into).collect(),
        }
    }

    fn validate(&self) -> Result<(), OntapError> {
        input::each("dns_info.domains", &self.domains, |f, d| input::token(f, d))?;
        input::each("dns_info.dns_ips", &self.dns_ips, |f, ip| input::ip(f, ip))
    }
}

/// A cluster as `GET /clusters[/{id}]` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Cluster {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `name`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// `ip`: the cluster management address.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub ip: Option<String>,
    /// `gateway`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub gateway: Option<String>,
    /// `netmask`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub netmask: Option<String>,
    /// `state` (`powered_on` has been seen; other values are UNKNOWN).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    /// `is_deployed`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_deployed: Option<bool>,
    /// `ontap_image_version`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub ontap_image_version: Option<String>,
    /// `nodes`.
    #[serde(default, deserialize_with = "lenient::opt_list")]
    pub nodes: Option<Vec<NodeRef>>,
    /// `dns_info`.
    #[serde(default, deserialize_with = "lenient::opt_any")]
    pub dns_info: Option<DnsInfo>,
    /// `ntp_servers`.
    #[serde(default, deserialize_with = "lenient::opt_text_list")]
    pub ntp_servers: Option<Vec<String>>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl Cluster {
    /// True when `state` is `powered_on` (any case).
    pub fn is_powered_on(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("powered_on"))
    }
}

/// The number of nodes of a new cluster: 1, 2, 4, 6, 8, 10 or 12 (reference §6 "Values";
/// 10 and 12 on newer releases). Sent as the `node_count` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeCount(u8);

impl NodeCount {
    /// Every count Deploy takes.
    pub const ALLOWED: [u8; 7] = [1, 2, 4, 6, 8, 10, 12];

    /// Checks `n`; the refusal names `node_count`.
    pub fn new(n: u8) -> Result<Self, OntapError> {
        if Self::ALLOWED.contains(&n) {
            Ok(NodeCount(n))
        } else {
            Err(input::invalid(
                "node_count",
                format!("{n} is not one of 1, 2, 4, 6, 8, 10, 12"),
            ))
        }
    }

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for NodeCount {
    type Error = OntapError;

    fn try_from(n: u8) -> Result<Self, OntapError> {
        NodeCount::new(n)
    }
}

impl TryFrom<u32> for NodeCount {
    type Error = OntapError;

    fn try_from(n: u32) -> Result<Self, OntapError> {
        match u8::try_from(n) {
            Ok(n) => NodeCount::new(n),
            Err(_) => Err(input::invalid(
                "node_count",
                format!("{n} is not one of 1, 2, 4, 6, 8, 10, 12"),
            )),
        }
    }
}

impl fmt::Display for NodeCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The body of `POST /clusters?node_count=<n>` (a `201` with the id in `location` and no
/// body). The node count travels separately, as a [`NodeCount`].
///
/// ```
/// use storkit_ontap_deploy::model::{DnsInfo, NewCluster};
///
/// let cluster = NewCluster::new("ots-1")
///     .ip("10.0.0.10")
///     .gateway("10.0.0.1")
///     .netmask("255.255.255.0")
///     .dns_info(DnsInfo::new(["example.com"], ["10.0.0.2"]))
///     .ntp_servers(["10.206.80.183"]);
/// assert_eq!(
///     cluster.to_json()?,
///     serde_json::json!({"name": "ots-1", "ip": "10.0.0.10", "gateway": "10.0.0.1",
///         "netmask": "255.255.255.0",
///         "dns_info": {"domains": ["example.com"], "dns_ips": ["10.0.0.2"]},
///         "ntp_servers": ["10.206.80.183"]})
/// );
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewCluster {
    /// `name`.
    pub name: String,
    /// `ip`: the cluster management address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `gateway`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// `netmask` (dotted, `255.255.255.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// `ontap_image_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ontap_image_version: Option<String>,
    /// `dns_info`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_info: Option<DnsInfo>,
    /// `ntp_servers`: a list (S7's `{"…"}` is a typo, reference §9 #2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntp_servers: Option<Vec<String>>,
}

/// Checks of the fields [`NewCluster`] and [`ClusterUpdate`] share.
fn validate_common(
    ip: Option<&String>,
    gateway: Option<&String>,
    netmask: Option<&String>,
    version: Option<&String>,
    dns: Option<&DnsInfo>,
    ntp: Option<&Vec<String>>,
) -> Result<(), OntapError> {
    if let Some(v) = ip {
        input::ip("ip", v)?;
    }
    if let Some(v) = gateway {
        input::ip("gateway", v)?;
    }
    if let Some(v) = netmask {
        input::token("netmask", v)?;
    }
    if let Some(v) = version {
        input::token("ontap_image_version", v)?;
    }
    if let Some(d) = dns {
        d.validate()?;
    }
    if let Some(servers) = ntp {
        input::each("ntp_servers", servers, |f, s| input::token(f, s))?;
    }
    Ok(())
}

impl NewCluster {
    /// A cluster named `name`, nothing else set.
    pub fn new(name: impl Into<String>) -> Self {
        NewCluster {
            name: name.into(),
            ..NewCluster::default()
        }
    }

    /// Sets `ip`.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Sets `gateway`.
    pub fn gateway(mut self, gateway: impl Into<String>) -> Self {
        self.gateway = Some(gateway.into());
        self
    }

    /// Sets `netmask`.
    pub fn netmask(mut self, netmask: impl Into<String>) -> Self {
        self.netmask = Some(netmask.into());
        self
    }

    /// Sets `ontap_image_version`.
    pub fn ontap_image_version(mut self, version: impl Into<String>) -> Self {
        self.ontap_image_version = Some(version.into());
        self
    }

    /// Sets `dns_info`.
    pub fn dns_info(mut self, dns: DnsInfo) -> Self {
        self.dns_info = Some(dns);
        self
    }

    /// Sets `ntp_servers`.
    pub fn ntp_servers<I, S>(mut self, servers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ntp_servers = Some(servers.into_iter().map(Into::into).collect());
        self
    }

    /// Refuses an empty or spaced name (ONTAP's own naming rules are left to Deploy), an
    /// `ip`, `gateway` or DNS server that is not an IP address, and empty or spaced
    /// domains, NTP servers, netmask or image version.
    pub fn validate(&self) -> Result<(), OntapError> {
        input::token("name", &self.name)?;
        validate_common(
            self.ip.as_ref(),
            self.gateway.as_ref(),
            self.netmask.as_ref(),
            self.ontap_image_version.as_ref(),
            self.dns_info.as_ref(),
            self.ntp_servers.as_ref(),
        )
    }

    /// The JSON body, after [`validate`](NewCluster::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("cluster", e.to_string()))
    }
}

/// The body of `PATCH /clusters/{id}` that configures a cluster: only the fields set are
/// sent (reference §11 "copy into Rust" 3).
///
/// ```
/// use storkit_ontap_deploy::model::ClusterUpdate;
///
/// let update = ClusterUpdate::new().gateway("10.0.0.254");
/// assert_eq!(update.to_json()?, serde_json::json!({"gateway": "10.0.0.254"}));
/// assert!(ClusterUpdate::new().to_json().is_err()); // nothing to change
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClusterUpdate {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ip`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `gateway`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// `netmask`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// `ontap_image_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ontap_image_version: Option<String>,
    /// `dns_info`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_info: Option<DnsInfo>,
    /// `ntp_servers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntp_servers: Option<Vec<String>>,
}

impl ClusterUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        ClusterUpdate::default()
    }

    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `ip`.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Sets `gateway`.
    pub fn gateway(mut self, gateway: impl Into<String>) -> Self {
        self.gateway = Some(gateway.into());
        self
    }

    /// Sets `netmask`.
    pub fn netmask(mut self, netmask: impl Into<String>) -> Self {
        self.netmask = Some(netmask.into());
        self
    }

    /// Sets `ontap_image_version`.
    pub fn ontap_image_version(mut self, version: impl Into<String>) -> Self {
        self.ontap_image_version = Some(version.into());
        self
    }

    /// Sets `dns_info`.
    pub fn dns_info(mut self, dns: DnsInfo) -> Self {
        self.dns_info = Some(dns);
        self
    }

    /// Sets `ntp_servers`.
    pub fn ntp_servers<I, S>(mut self, servers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ntp_servers = Some(servers.into_iter().map(Into::into).collect());
        self
    }

    /// Refuses an update that sets nothing, and the values [`NewCluster::validate`]
    /// refuses.
    pub fn validate(&self) -> Result<(), OntapError> {
        if *self == ClusterUpdate::default() {
            return Err(input::invalid("cluster", "the update sets no field"));
        }
        if let Some(name) = &self.name {
            input::token("name", name)?;
        }
        validate_common(
            self.ip.as_ref(),
            self.gateway.as_ref(),
            self.netmask.as_ref(),
            self.ontap_image_version.as_ref(),
            self.dns_info.as_ref(),
            self.ntp_servers.as_ref(),
        )
    }

    /// The JSON body, after [`validate`](ClusterUpdate::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("cluster", e.to_string()))
    }
}

/// The body of `PATCH /clusters/{id}` that powers a cluster on or off (asynchronous).
///
/// ```
/// use storkit_ontap_deploy::model::Availability;
///
/// assert_eq!(Availability::PoweredOff.to_json()?, serde_json::json!({"availability": "powered_off"}));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// `powered_on` (presumed by symmetry, reference §6).
    PoweredOn,
    /// `powered_off`.
    PoweredOff,
}

impl Availability {
    /// `powered_on` or `powered_off`.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::PoweredOn => "powered_on",
            Availability::PoweredOff => "powered_off",
        }
    }

    /// `{"availability":"powered_on|powered_off"}` (never fails; a `Result` like every
    /// body).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        Ok(json!({ "availability": self.as_str() }))
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Availability {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The body of `PATCH /clusters/{id}` that resizes nodes (asynchronous): the ONTAP admin
/// password and the new instance type of each node (HA pairs together).
///
/// ```
/// use storkit_ontap_deploy::model::{InstanceType, Resize};
///
/// let resize = Resize::new("Netapp1!")
///     .node("n1", InstanceType::Medium)
///     .node("n2", InstanceType::Medium);
/// assert_eq!(
///     resize.to_json()?,
///     serde_json::json!({"admin_password": "Netapp1!", "nodes": [
///         {"id": "n1", "instance_type": "medium"}, {"id": "n2", "instance_type": "medium"}]})
/// );
/// assert!(!format!("{resize:?}").contains("Netapp1!"));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Resize {
    /// `admin_password`: ONTAP's admin password.
    pub admin_password: SecretString,
    /// `nodes`: `(node id, new instance type)`.
    pub nodes: Vec<(String, InstanceType)>,
}

impl Resize {
    /// A resize with no node yet.
    pub fn new(admin_password: impl Into<SecretString>) -> Self {
        Resize {
            admin_password: admin_password.into(),
            nodes: Vec::new(),
        }
    }

    /// Adds a node and its new instance type.
    pub fn node(mut self, id: impl Into<String>, instance_type: InstanceType) -> Self {
        self.nodes.push((id.into(), instance_type));
        self
    }

    /// Refuses an empty password, no node, a node listed twice, and empty ids or
    /// instance types.
    pub fn validate(&self) -> Result<(), OntapError> {
        input::secret("admin_password", &self.admin_password)?;
        if self.nodes.is_empty() {
            return Err(input::invalid("nodes", "at least one node is needed"));
        }
        let mut seen = HashSet::new();
        input::each("nodes", &self.nodes, |field, (id, t)| {
            input::token(&format!("{field}.id"), id)?;
            t.check(&format!("{field}.instance_type"))?;
            if !seen.insert(id.clone()) {
                return Err(input::invalid(
                    format!("{field}.id"),
                    format!("node {id:?} is listed twice"),
                ));
            }
            Ok(())
        })
    }

    /// The JSON body, after [`validate`](Resize::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|(id, t)| json!({"id": id, "instance_type": t.as_str()}))
            .collect();
        Ok(json!({
            "admin_password": self.admin_password.expose_secret(),
            "nodes": nodes,
        }))
    }
}

/// The body of `POST /clusters/{id}/deploy` (asynchronous, tens of minutes):
/// `{"ontap_credential":{"password":…}}`, singular (reference §9 #1). `inhibit_rollback`
/// is a query parameter.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The password ONTAP's `admin` gets.
    pub ontap_password: SecretString,
}

impl DeployRequest {
    /// A deploy with the ONTAP admin password.
    pub fn new(ontap_password: impl Into<SecretString>) -> Self {
        DeployRequest {
            ontap_password: ontap_password.into(),
        }
    }

    /// Refuses an empty password.
    pub fn validate(&self) -> Result<(), OntapError> {
        input::secret("ontap_credential.password", &self.ontap_password)
    }

    /// The JSON body, after [`validate`](DeployRequest::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        Ok(json!({ "ontap_credential": { "password": self.ontap_password.expose_secret() } }))
    }
}

request_body!(
    NewCluster,
    ClusterUpdate,
    Availability,
    Resize,
    DeployRequest
);
