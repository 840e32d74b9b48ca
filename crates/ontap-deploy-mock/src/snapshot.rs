//! Read-only views of the mock's objects, for tests.

use crate::state::{Cluster, Credential, Host, Power};

/// A cluster as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterSnapshot {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `powered_on` or `powered_off`.
    pub state: String,
    /// Whether a deploy job succeeded.
    pub is_deployed: bool,
    /// Its nodes' names, in order.
    pub nodes: Vec<String>,
}

impl ClusterSnapshot {
    pub(crate) fn of(cluster: &Cluster) -> Self {
        Self {
            id: cluster.id.clone(),
            name: cluster.name.clone(),
            state: cluster.power.as_str().to_owned(),
            is_deployed: cluster.is_deployed,
            nodes: cluster.nodes.iter().map(|n| n.name.clone()).collect(),
        }
    }

    /// Whether it is powered on.
    pub fn is_powered_on(&self) -> bool {
        self.state == Power::On.as_str()
    }
}

/// A host as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostSnapshot {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `ESX` or `KVM`.
    pub hypervisor_type: String,
}

impl HostSnapshot {
    pub(crate) fn of(host: &Host) -> Self {
        Self {
            id: host.id.clone(),
            name: host.name.clone(),
            hypervisor_type: host.hypervisor_type.clone(),
        }
    }
}

/// A credential as the mock holds it: no password, which the mock never keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialSnapshot {
    /// Its id.
    pub id: String,
    /// The host or vCenter it is for.
    pub hostname: String,
    /// The user name.
    pub username: String,
    /// `host` or `vcenter`.
    pub kind: String,
}

impl CredentialSnapshot {
    pub(crate) fn of(credential: &Credential) -> Self {
        Self {
            id: credential.id.clone(),
            hostname: credential.hostname.clone(),
            username: credential.username.clone(),
            kind: credential.kind.clone(),
        }
    }
}
