//! Cluster nodes, `/clusters/{cid}/nodes` (reference §6).

use std::fmt;

use serde::de::Deserializer;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// A reference to another object, `{"id":…}`. Also read from a bare id (a string or a
/// number), in case a list of references comes as a list of ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdRef {
    /// `id`.
    pub id: Option<String>,
}

#[derive(Deserialize)]
struct IdRefObject {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    id: Option<String>,
}

impl<'de> Deserialize<'de> for IdRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(map) => IdRefObject::deserialize(Value::Object(map))
                .map(|r| IdRef { id: r.id })
                .map_err(serde::de::Error::custom),
            other => match lenient::id_of(&other) {
                Some(id) => Ok(IdRef { id: Some(id) }),
                None => Err(serde::de::Error::custom("not an object reference")),
            },
        }
    }
}

/// An ONTAP Select instance type (reference §6 "Values").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InstanceType {
    /// `small`.
    Small,
    /// `medium`.
    Medium,
    /// `large`.
    Large,
    /// Any other type, sent and read as it is.
    Other(String),
}

impl InstanceType {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            InstanceType::Small => "small",
            InstanceType::Medium => "medium",
            InstanceType::Large => "large",
            InstanceType::Other(s) => s,
        }
    }

    /// Reads a name, case-insensitively for the known ones.
    pub fn parse(s: &str) -> InstanceType {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "small" => InstanceType::Small,
            "medium" => InstanceType::Medium,
            "large" => InstanceType::Large,
            _ => InstanceType::Other(t.to_owned()),
        }
    }

    pub(crate) fn check(&self, field: &str) -> Result<(), OntapError> {
        match self {
            InstanceType::Other(s) => input::token(field, s),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for InstanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InstanceType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InstanceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(InstanceType::parse(&s))
    }
}

/// A node as `GET /clusters/{cid}/nodes[/{nid}]` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Node {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `name` (generated at cluster creation: `<cluster>-01`, …).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// `host`: the host the node runs on.
    #[serde(default, deserialize_with = "lenient::opt_any")]
    pub host: Option<IdRef>,
    /// `instance_type`.
    #[serde(default, deserialize_with = "lenient::opt_any")]
    pub instance_type: Option<InstanceType>,
    /// `ip`: the node management address.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub ip: Option<String>,
    /// `serial_number` (a number is read as its text).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub serial_number: Option<String>,
    /// `passthrough_disks`: software RAID.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub passthrough_disks: Option<bool>,
    /// `license`: the licence the node uses.
    #[serde(default, deserialize_with = "lenient::opt_any")]
    pub license: Option<IdRef>,
    /// `is_storage_efficiency_enabled`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_storage_efficiency_enabled: Option<bool>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl Node {
    /// The id of the node's host.
    pub fn host_id(&self) -> Option<&str> {
        self.host.as_ref().and_then(|h| h.id.as_deref())
    }
}

/// The body of `PATCH /clusters/{cid}/nodes/{nid}`: only the fields set are sent.
///
/// ```
/// use storkit_ontap_deploy::model::{InstanceType, NodeUpdate};
///
/// let update = NodeUpdate::new()
///     .host_id("h-1")
///     .instance_type(InstanceType::Small)
///     .ip("10.0.0.11")
///     .passthrough_disks(false)
///     .license_id("320000001");
/// assert_eq!(
///     update.to_json()?,
///     serde_json::json!({"host": {"id": "h-1"}, "instance_type": "small", "ip": "10.0.0.11",
///                        "passthrough_disks": false, "license": {"id": "320000001"}})
/// );
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeUpdate {
    /// `host.id`: the host to run on.
    pub host_id: Option<String>,
    /// `instance_type`.
    pub instance_type: Option<InstanceType>,
    /// `ip`: the node management address.
    pub ip: Option<String>,
    /// `passthrough_disks`: `true` for software RAID (S6 sets it exactly when disks are
    /// given).
    pub passthrough_disks: Option<bool>,
    /// `serial_number`.
    pub serial_number: Option<String>,
    /// `license.id`.
    pub license_id: Option<String>,
    /// `is_storage_efficiency_enabled`.
    pub is_storage_efficiency_enabled: Option<bool>,
    /// `name`.
    pub name: Option<String>,
}

impl NodeUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        NodeUpdate::default()
    }

    /// Sets `host.id`.
    pub fn host_id(mut self, id: impl Into<String>) -> Self {
        self.host_id = Some(id.into());
        self
    }

    /// Sets `instance_type`.
    pub fn instance_type(mut self, t: InstanceType) -> Self {
        self.instance_type = Some(t);
        self
    }

    /// Sets `ip`.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Sets `passthrough_disks`.
    pub fn passthrough_disks(mut self, yes: bool) -> Self {
        self.passthrough_disks = Some(yes);
        self
    }

    /// Sets `serial_number`.
    pub fn serial_number(mut self, serial: impl Into<String>) -> Self {
        self.serial_number = Some(serial.into());
        self
    }

    /// Sets `license.id`.
    pub fn license_id(mut self, id: impl Into<String>) -> Self {
        self.license_id = Some(id.into());
        self
    }

    /// Sets `is_storage_efficiency_enabled`.
    pub fn storage_efficiency(mut self, yes: bool) -> Self {
        self.is_storage_efficiency_enabled = Some(yes);
        self
    }

    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Refuses an update that sets nothing, an `ip` that is not an IP address, and empty
    /// or spaced ids, serial number, name or instance type.
    pub fn validate(&self) -> Result<(), OntapError> {
        if *self == NodeUpdate::default() {
            return Err(input::invalid("node", "the update sets no field"));
        }
        if let Some(v) = &self.host_id {
            input::token("host.id", v)?;
        }
        if let Some(t) = &self.instance_type {
            t.check("instance_type")?;
        }
        if let Some(v) = &self.ip {
            input::ip("ip", v)?;
        }
        if let Some(v) = &self.serial_number {
            input::token("serial_number", v)?;
        }
        if let Some(v) = &self.license_id {
            input::token("license.id", v)?;
        }
        if let Some(v) = &self.name {
            input::token("name", v)?;
        }
        Ok(())
    }

    /// The JSON body, after [`validate`](NodeUpdate::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("node", e.to_string()))
    }
}

/// The wire form: `host` and `license` as `{"id":…}` objects, unset fields left out.
impl Serialize for NodeUpdate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Id<'a> {
            id: &'a str,
        }
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = &self.host_id {
            map.serialize_entry("host", &Id { id })?;
        }
        if let Some(t) = &self.instance_type {
            map.serialize_entry("instance_type", t)?;
        }
        if let Some(ip) = &self.ip {
            map.serialize_entry("ip", ip)?;
        }
        if let Some(b) = &self.passthrough_disks {
            map.serialize_entry("passthrough_disks", b)?;
        }
        if let Some(s) = &self.serial_number {
            map.serialize_entry("serial_number", s)?;
        }
        if let Some(id) = &self.license_id {
            map.serialize_entry("license", &Id { id })?;
        }
        if let Some(b) = &self.is_storage_efficiency_enabled {
            map.serialize_entry("is_storage_efficiency_enabled", b)?;
        }
        if let Some(n) = &self.name {
            map.serialize_entry("name", n)?;
        }
        map.end()
    }
}

request_body!(NodeUpdate);
