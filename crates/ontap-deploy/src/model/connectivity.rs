//! Network connectivity checks, `/network/connectivitychecks` (reference §6; from S9 and
//! the CLI).

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// How thorough a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckMode {
    /// `quick`.
    Quick,
    /// `extended`.
    Extended,
    /// `cleanup`: removes what earlier checks left.
    Cleanup,
}

impl CheckMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckMode::Quick => "quick",
            CheckMode::Extended => "extended",
            CheckMode::Cleanup => "cleanup",
        }
    }
}

impl fmt::Display for CheckMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The virtual switch type of the hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VswitchType {
    /// `StandardvSwitch`.
    Standard,
    /// `DistributedvSwitch`.
    Distributed,
    /// `OpenvSwitch` (KVM).
    Open,
}

impl VswitchType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            VswitchType::Standard => "StandardvSwitch",
            VswitchType::Distributed => "DistributedvSwitch",
            VswitchType::Open => "OpenvSwitch",
        }
    }
}

impl fmt::Display for VswitchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VswitchType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A connectivity check as Deploy reports it (the result model is UNKNOWN: members other
/// than `id` and `state` are kept in `extra`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ConnectivityCheck {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `state`, as sent.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

/// The body of `POST /network/connectivitychecks` (asynchronous).
///
/// ```
/// use storkit_ontap_deploy::model::{CheckMode, ConnectivityCheckRequest, VswitchType};
///
/// let check = ConnectivityCheckRequest::new(CheckMode::Quick, VswitchType::Standard, 9000)
///     .host_network("esx-1", "ONTAP-Internal")
///     .host_network("esx-2", "ONTAP-Internal");
/// assert_eq!(
///     check.to_json()?,
///     serde_json::json!({"debug": false, "host_networks": [
///         {"host_name": "esx-1", "network_name": "ONTAP-Internal"},
///         {"host_name": "esx-2", "network_name": "ONTAP-Internal"}],
///         "mode": "quick", "mtu": 9000, "vswitch_type": "StandardvSwitch"})
/// );
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectivityCheckRequest {
    /// `debug`.
    pub debug: bool,
    /// `host_networks`: `(host_name, network_name)`.
    pub host_networks: Vec<(String, String)>,
    /// `mode`.
    pub mode: CheckMode,
    /// `mtu`, the frame size to test.
    pub mtu: u16,
    /// `vswitch_type`.
    pub vswitch_type: VswitchType,
}

/// The smallest MTU an IPv4 link may have (RFC 791).
const MIN_MTU: u16 = 68;

impl ConnectivityCheckRequest {
    /// A check with no host yet, `debug` off.
    pub fn new(mode: CheckMode, vswitch_type: VswitchType, mtu: u16) -> Self {
        ConnectivityCheckRequest {
            debug: false,
            host_networks: Vec::new(),
            mode,
            mtu,
            vswitch_type,
        }
    }

    /// Adds a host and the network to test on it.
    pub fn host_network(mut self, host: impl Into<String>, network: impl Into<String>) -> Self {
        self.host_networks.push((host.into(), network.into()));
        self
    }

    /// Sets `debug`.
    pub fn debug(mut self, yes: bool) -> Self {
        self.debug = yes;
        self
    }

    /// Refuses no host, empty host or network names, and an MTU below 68.
    pub fn validate(&self) -> Result<(), OntapError> {
        if self.host_networks.is_empty() {
            return Err(input::invalid(
                "host_networks",
                "at least one host network is needed",
            ));
        }
        input::each(
            "host_networks",
            &self.host_networks,
            |field, (host, net)| {
                input::token(&format!("{field}.host_name"), host)?;
                input::text(&format!("{field}.network_name"), net)
            },
        )?;
        if self.mtu < MIN_MTU {
            return Err(input::invalid(
                "mtu",
                format!("{} is below the smallest IPv4 MTU, {MIN_MTU}", self.mtu),
            ));
        }
        Ok(())
    }

    /// The JSON body, after [`validate`](ConnectivityCheckRequest::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("connectivity check", e.to_string()))
    }
}

/// The wire form: `host_networks` as `{"host_name","network_name"}` objects.
impl Serialize for ConnectivityCheckRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct HostNetwork<'a> {
            host_name: &'a str,
            network_name: &'a str,
        }
        let host_networks: Vec<HostNetwork<'_>> = self
            .host_networks
            .iter()
            .map(|(h, n)| HostNetwork {
                host_name: h,
                network_name: n,
            })
            .collect();
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("debug", &self.debug)?;
        map.serialize_entry("host_networks", &host_networks)?;
        map.serialize_entry("mode", &self.mode)?;
        map.serialize_entry("mtu", &self.mtu)?;
        map.serialize_entry("vswitch_type", &self.vswitch_type)?;
        map.end()
    }
}

request_body!(ConnectivityCheckRequest);
