//! Hypervisor hosts, `/hosts` (reference §6).

use std::collections::HashSet;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// A hypervisor type, case-sensitive on the wire (reference §6 "Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HypervisorType {
    /// `ESX`.
    Esx,
    /// `KVM`.
    Kvm,
}

impl HypervisorType {
    /// `ESX` or `KVM`.
    pub fn as_str(self) -> &'static str {
        match self {
            HypervisorType::Esx => "ESX",
            HypervisorType::Kvm => "KVM",
        }
    }

    /// Reads a name in any case (answers are read leniently; requests send uppercase).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "ESX" => Some(HypervisorType::Esx),
            "KVM" => Some(HypervisorType::Kvm),
            _ => None,
        }
    }
}

impl fmt::Display for HypervisorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HypervisorType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A host as `GET /hosts` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Host {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `name`: the host's name or address.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// `hypervisor_type`, as sent; see [`Host::hypervisor`].
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub hypervisor_type: Option<String>,
    /// `management_server`: the vCenter managing the host.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub management_server: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl Host {
    /// The `hypervisor_type` as a [`HypervisorType`], when it is one.
    pub fn hypervisor(&self) -> Option<HypervisorType> {
        self.hypervisor_type
            .as_deref()
            .and_then(HypervisorType::parse)
    }
}

/// A host's own credential, for a host not reached through a vCenter.
#[derive(Debug, Clone)]
pub struct HostCredential {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: SecretString,
}

impl HostCredential {
    /// A credential.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        HostCredential {
            username: username.into(),
            password: password.into(),
        }
    }
}

/// One host of a `POST /hosts` batch.
///
/// ```
/// use storkit_ontap_deploy::model::{HostBatch, HostRegistration, HypervisorType};
///
/// let batch = HostBatch::new(vec![
///     HostRegistration::new("esx-1.example.com", HypervisorType::Esx).management_server("vc.example.com"),
///     HostRegistration::new("kvm-1", HypervisorType::Kvm).credential("root", "s3cret"),
/// ]);
/// assert_eq!(
///     batch.to_json()?,
///     serde_json::json!({"hosts": [
///         {"name": "esx-1.example.com", "hypervisor_type": "ESX", "management_server": "vc.example.com"},
///         {"name": "kvm-1", "hypervisor_type": "KVM", "credential": {"username": "root", "password": "s3cret"}},
///     ]})
/// );
/// assert!(!format!("{batch:?}").contains("s3cret"));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HostRegistration {
    /// `name`: the host's name or address.
    pub name: String,
    /// `hypervisor_type`.
    pub hypervisor_type: HypervisorType,
    /// `management_server`: the vCenter managing the host.
    pub management_server: Option<String>,
    /// `credential`: the host's own credential.
    pub credential: Option<HostCredential>,
}

impl HostRegistration {
    /// A host without management server or credential.
    pub fn new(name: impl Into<String>, hypervisor_type: HypervisorType) -> Self {
        HostRegistration {
            name: name.into(),
            hypervisor_type,
            management_server: None,
            credential: None,
        }
    }

    /// Sets the vCenter managing the host.
    pub fn management_server(mut self, server: impl Into<String>) -> Self {
        self.management_server = Some(server.into());
        self
    }

    /// Sets the host's own credential.
    pub fn credential(
        mut self,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.credential = Some(HostCredential::new(username, password));
        self
    }

    fn validate_at(&self, prefix: &str) -> Result<(), OntapError> {
        input::token(&input::at(prefix, "name"), &self.name)?;
        if let Some(server) = &self.management_server {
            input::token(&input::at(prefix, "management_server"), server)?;
        }
        if let Some(c) = &self.credential {
            input::token(&input::at(prefix, "credential.username"), &c.username)?;
            input::secret(&input::at(prefix, "credential.password"), &c.password)?;
        }
        Ok(())
    }

    /// Refuses an empty or spaced `name`, `management_server` or credential user, and an
    /// empty password. Which combinations Deploy takes (a credential with a management
    /// server, neither) is UNKNOWN and left to it.
    pub fn validate(&self) -> Result<(), OntapError> {
        self.validate_at("")
    }

    fn json(&self) -> Value {
        let mut host = Map::new();
        host.insert("name".into(), Value::from(self.name.as_str()));
        host.insert(
            "hypervisor_type".into(),
            Value::from(self.hypervisor_type.as_str()),
        );
        if let Some(server) = &self.management_server {
            host.insert("management_server".into(), Value::from(server.as_str()));
        }
        if let Some(c) = &self.credential {
            host.insert(
                "credential".into(),
                json!({"username": c.username, "password": c.password.expose_secret()}),
            );
        }
        Value::Object(host)
    }

    /// The host's object in a batch, after [`validate`](HostRegistration::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        Ok(self.json())
    }
}

/// The body of `POST /hosts`, `{"hosts":[…]}`: one asynchronous job for the batch.
#[derive(Debug, Clone, Default)]
pub struct HostBatch {
    /// The hosts.
    pub hosts: Vec<HostRegistration>,
}

impl HostBatch {
    /// A batch of hosts.
    pub fn new(hosts: Vec<HostRegistration>) -> Self {
        HostBatch { hosts }
    }

    /// Adds a host.
    pub fn host(mut self, host: HostRegistration) -> Self {
        self.hosts.push(host);
        self
    }

    /// Refuses an empty batch, a host named twice, and any host
    /// [`HostRegistration::validate`] refuses (naming `hosts[i].…`).
    pub fn validate(&self) -> Result<(), OntapError> {
        if self.hosts.is_empty() {
            return Err(input::invalid("hosts", "at least one host is needed"));
        }
        let mut seen = HashSet::new();
        for (i, host) in self.hosts.iter().enumerate() {
            let prefix = format!("hosts[{i}]");
            host.validate_at(&prefix)?;
            if !seen.insert(host.name.as_str()) {
                return Err(input::invalid(
                    format!("{prefix}.name"),
                    format!("host {:?} is listed twice", host.name),
                ));
            }
        }
        Ok(())
    }

    /// The JSON body, after [`validate`](HostBatch::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        Ok(json!({ "hosts": self.hosts.iter().map(HostRegistration::json).collect::<Vec<_>>() }))
    }
}

impl From<HostRegistration> for HostBatch {
    fn from(host: HostRegistration) -> Self {
        HostBatch::new(vec![host])
    }
}

request_body!(HostRegistration, HostBatch);
