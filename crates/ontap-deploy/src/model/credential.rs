//! Credentials of hosts and vCenter servers, `/security/credentials` (reference §6).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// What a credential is for: its wire `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// `host`: a standalone ESXi or KVM host.
    Host,
    /// `vcenter`: a vCenter server managing the hosts.
    Vcenter,
}

impl CredentialKind {
    /// `host` or `vcenter`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Host => "host",
            CredentialKind::Vcenter => "vcenter",
        }
    }

    /// Reads the wire name, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "host" => Some(CredentialKind::Host),
            "vcenter" => Some(CredentialKind::Vcenter),
            _ => None,
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CredentialKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A stored credential as `GET /security/credentials` returns it. No password is ever
/// decoded: a key naming a password is dropped, even from `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Credential {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `hostname`: the host or vCenter it is for.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub hostname: Option<String>,
    /// `username`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    /// `type`, as sent (`host`, `vcenter`); see [`Credential::credential_kind`].
    #[serde(default, rename = "type", deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl Credential {
    /// The `type` as a [`CredentialKind`], when it is one.
    pub fn credential_kind(&self) -> Option<CredentialKind> {
        self.kind.as_deref().and_then(CredentialKind::parse)
    }
}

/// The body of `POST /security/credentials` (asynchronous; the new id is in `location`).
///
/// ```
/// use storkit_ontap_deploy::model::{CredentialKind, NewCredential};
///
/// let cred = NewCredential::new(CredentialKind::Vcenter, "vc.example.com", "administrator@vsphere.local", "P@ss");
/// assert_eq!(
///     cred.to_json()?,
///     serde_json::json!({"hostname": "vc.example.com", "type": "vcenter",
///                        "username": "administrator@vsphere.local", "password": "P@ss"})
/// );
/// assert!(!format!("{cred:?}").contains("P@ss"));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// `hostname`: the host or vCenter server.
    pub hostname: String,
    /// `type`.
    pub kind: CredentialKind,
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: SecretString,
}

impl NewCredential {
    /// A credential for `hostname`.
    pub fn new(
        kind: CredentialKind,
        hostname: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        NewCredential {
            hostname: hostname.into(),
            kind,
            username: username.into(),
            password: password.into(),
        }
    }

    /// Refuses an empty `hostname`, `username` or `password`, and white space in the
    /// first two.
    pub fn validate(&self) -> Result<(), OntapError> {
        input::token("hostname", &self.hostname)?;
        input::token("username", &self.username)?;
        input::secret("password", &self.password)
    }

    /// The JSON body, after [`validate`](NewCredential::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        Ok(json!({
            "hostname": self.hostname,
            "type": self.kind.as_str(),
            "username": self.username,
            "password": self.password.expose_secret(),
        }))
    }
}

request_body!(NewCredential);
