//! Node networks, `…/nodes/{nid}/networks` (reference §6). Pick them by
//! [`purpose`](Network::purpose), never by position (reference §9 "Lessons").

use std::fmt;

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// What a node network carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NetworkPurpose {
    /// `mgmt`: management.
    Mgmt,
    /// `data`: client data.
    Data,
    /// `internal`: the HA interconnect (absent on a single-node cluster).
    Internal,
    /// Any other purpose, as sent.
    Other(String),
}

impl NetworkPurpose {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            NetworkPurpose::Mgmt => "mgmt",
            NetworkPurpose::Data => "data",
            NetworkPurpose::Internal => "internal",
            NetworkPurpose::Other(s) => s,
        }
    }

    /// Reads a name, case-insensitively for the known ones.
    pub fn parse(s: &str) -> NetworkPurpose {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "mgmt" => NetworkPurpose::Mgmt,
            "data" => NetworkPurpose::Data,
            "internal" => NetworkPurpose::Internal,
            _ => NetworkPurpose::Other(t.to_owned()),
        }
    }
}

impl fmt::Display for NetworkPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for NetworkPurpose {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NetworkPurpose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(NetworkPurpose::parse(&s))
    }
}

/// A node network as `GET …/networks` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Network {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `purpose`.
    #[serde(default, deserialize_with = "lenient::opt_any")]
    pub purpose: Option<NetworkPurpose>,
    /// `name`: the port group or bridge.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// `vlan_id` (a numeric string is read as the number).
    #[serde(default, deserialize_with = "lenient::opt_uint")]
    pub vlan_id: Option<u16>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

/// The body of `PATCH …/networks/{netid}`: only the fields set are sent.
///
/// ```
/// use storkit_ontap_deploy::model::NetworkUpdate;
///
/// let update = NetworkUpdate::new().name("ONTAP Data").vlan_id(20);
/// assert_eq!(update.to_json()?, serde_json::json!({"name": "ONTAP Data", "vlan_id": 20}));
/// assert!(NetworkUpdate::new().vlan_id(4096).to_json().is_err());
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NetworkUpdate {
    /// `name`: the port group (ESX) or bridge (KVM); spaces allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `vlan_id`, 0 to 4095.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan_id: Option<u16>,
}

impl NetworkUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        NetworkUpdate::default()
    }

    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `vlan_id`.
    pub fn vlan_id(mut self, vlan: u16) -> Self {
        self.vlan_id = Some(vlan);
        self
    }

    /// Refuses an update that sets nothing, an empty name and a VLAN id above 4095 (a
    /// VLAN id has 12 bits; which ids Deploy takes within them is left to it).
    pub fn validate(&self) -> Result<(), OntapError> {
        if *self == NetworkUpdate::default() {
            return Err(input::invalid("network", "the update sets no field"));
        }
        if let Some(name) = &self.name {
            input::text("name", name)?;
        }
        if let Some(vlan) = self.vlan_id
            && vlan > 4095
        {
            return Err(input::invalid("vlan_id", format!("{vlan} is above 4095")));
        }
        Ok(())
    }

    /// The JSON body, after [`validate`](NetworkUpdate::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("network", e.to_string()))
    }
}

request_body!(NetworkUpdate);
