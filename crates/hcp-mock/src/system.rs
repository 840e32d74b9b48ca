//! One HCP system's state behind a lock, and how a request's `Host` and credentials map onto
//! it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::{HcpConfig, UserConfig};
use crate::logs::Logs;
use crate::objects::{Fail, Namespace};
use crate::replication::Link;

/// What a request's `Host` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostTarget {
    /// A namespace (index into `State::namespaces`); `by_default` when the Host named none.
    Namespace { index: usize, by_default: bool },
    /// A tenant host, `<tenant>.<domain>`.
    Tenant(String),
    /// `admin.<domain>`, or any host on the MAPI port that names nothing else.
    Admin,
}

/// The mutable part of a system.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) links: Vec<Link>,
    pub(crate) logs: Logs,
}

impl State {
    /// Namespace `ns`; HCP's `403` when there is none (reference §9.3).
    pub(crate) fn namespace(&self, ns: usize) -> Result<&Namespace, Fail> {
        self.namespaces.get(ns).ok_or_else(no_namespace)
    }

    /// Namespace `ns`, to change; HCP's `403` when there is none.
    pub(crate) fn namespace_mut(&mut self, ns: usize) -> Result<&mut Namespace, Fail> {
        self.namespaces.get_mut(ns).ok_or_else(no_namespace)
    }
}

fn no_namespace() -> Fail {
    Fail::forbidden("the namespace does not exist")
}

/// Everything one mock system knows.
#[derive(Debug)]
pub(crate) struct System {
    pub(crate) domain: String,
    pub(crate) software_version: String,
    /// `Server: HCP V<version>`, spelled once.
    pub(crate) server_header: String,
    pub(crate) tenants: Vec<String>,
    pub(crate) users: Vec<UserConfig>,
    pub(crate) admins: Vec<UserConfig>,
    pub(crate) default_namespace: usize,
    pub(crate) log_prepare_time: Duration,
    pub(crate) max_object_size: u64,
    /// The node IPs as `localHost` lists them, set once the server is bound.
    pub(crate) local_hosts: Mutex<String>,
    /// Whether the data port is TLS (for `/proc`'s `httpScheme`).
    pub(crate) data_tls: bool,
    state: Mutex<State>,
    request_ids: AtomicU64,
    versions: AtomicU64,
}

/// Locks a mutex, ignoring poisoning: a panicking test thread must not take the mock down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl System {
    /// Builds the state; `Err` names what is wrong with the configuration.
    pub(crate) fn new(config: &HcpConfig) -> Result<Self, String> {
        if config.domain.is_empty() {
            return Err("the domain is empty".into());
        }
        let mut namespaces = Vec::new();
        let mut tenants = Vec::new();
        for tenant in &config.tenants {
            if tenant.name.is_empty() || tenant.name.contains('.') || tenant.name == "admin" {
                return Err(format!(
                    "tenant name {:?} cannot be a host label of its own",
                    tenant.name
                ));
            }
            if tenants.contains(&tenant.name) {
                return Err(format!("tenant {:?} is configured twice", tenant.name));
            }
            tenants.push(tenant.name.clone());
            for ns in &tenant.namespaces {
                if ns.name.is_empty() || ns.name.contains('.') {
                    return Err(format!("namespace name {:?} is not a host label", ns.name));
                }
                if namespaces
                    .iter()
                    .any(|n: &Namespace| n.tenant == tenant.name && n.config.name == ns.name)
                {
                    return Err(format!(
                        "namespace {:?} of tenant {:?} is configured twice",
                        ns.name, tenant.name
                    ));
                }
                if !matches!(ns.hash_scheme.as_str(), "SHA-256" | "MD5") {
                    return Err(format!(
                        "namespace {:?}: hash scheme {:?} is not SHA-256 or MD5",
                        ns.name, ns.hash_scheme
                    ));
                }
                namespaces.push(Namespace::new(&tenant.name, ns.clone()));
            }
        }
        if namespaces.is_empty() {
            return Err("at least one namespace is needed".into());
        }
        let default_namespace = match &config.default_namespace {
            None => 0,
            Some((tenant, ns)) => namespaces
                .iter()
                .position(|n| n.tenant == *tenant && n.config.name == *ns)
                .ok_or_else(|| format!("the default namespace {ns}.{tenant} is not configured"))?,
        };
        let configured = |n: &Namespace| n.tenant == "default" && n.config.name == "default";
        if config.legacy_default_namespace && !namespaces.iter().any(configured) {
            namespaces.push(Namespace::legacy_default());
        }
        for user in &config.users {
            if !tenants.contains(&user.tenant) {
                return Err(format!(
                    "user {:?} belongs to unknown tenant {:?}",
                    user.name, user.tenant
                ));
            }
        }
        Ok(Self {
            domain: config.domain.clone(),
            software_version: config.software_version.clone(),
            server_header: format!("HCP V{}", config.software_version),
            tenants,
            users: config.users.clone(),
            admins: config.admins.clone(),
            default_namespace,
            log_prepare_time: config.log_prepare_time,
            max_object_size: config.max_object_size,
            local_hosts: Mutex::new(String::new()),
            data_tls: config.tls,
            state: Mutex::new(State {
                namespaces,
                links: config.links.iter().cloned().map(Link::new).collect(),
                logs: Logs::default(),
            }),
            request_ids: AtomicU64::new(0),
            versions: AtomicU64::new(0),
        })
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// `X-RequestId`: 16 upper-case hex digits, unique per request.
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        // A bijective mix, so consecutive ids do not look consecutive (as HCP's don't).
        let mut x = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        format!("{x:016X}")
    }

    /// `X-HCP-VersionId`: increasing, in the magnitude HCP uses.
    pub(crate) fn next_version_id(&self) -> u64 {
        91_055_133_849_537 + self.versions.fetch_add(1, Ordering::Relaxed) * 64
    }

    /// What `host` (a `Host` header value, any case, maybe with `:port`) names.
    pub(crate) fn resolve_host(&self, state: &State, host: Option<&str>, mapi: bool) -> HostTarget {
        let default = || {
            if mapi {
                HostTarget::Admin
            } else {
                HostTarget::Namespace {
                    index: self.default_namespace,
                    by_default: true,
                }
            }
        };
        let Some(host) = host else {
            return default();
        };
        let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
        let Some(prefix) = host
            .strip_suffix(&self.domain)
            .and_then(|p| p.strip_suffix('.'))
        else {
            return default();
        };
        if prefix == "admin" {
            return HostTarget::Admin;
        }
        match prefix.split_once('.') {
            None if self.tenants.iter().any(|t| t == prefix) => {
                HostTarget::Tenant(prefix.to_owned())
            }
            Some((ns, tenant)) => state
                .namespaces
                .iter()
                .position(|n| n.tenant == tenant && n.config.name == ns)
                .map_or_else(default, |index| HostTarget::Namespace {
                    index,
                    by_default: false,
                }),
            None => default(),
        }
    }
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`.
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(colon)
            if !host[colon..].contains(']')
                && host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &host[..colon]
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn hosts() {
        let config = HcpConfig::sample("hcp1.example");
        let system = System::new(&config).unwrap();
        let state = system.state();
        let resolve = |h: Option<&str>| system.resolve_host(&state, h, false);
        assert_eq!(
            resolve(Some("N2.M.HCP1.example:443")),
            HostTarget::Namespace {
                index: 1,
                by_default: false
            }
        );
        assert_eq!(
            resolve(Some("m.hcp1.example.")),
            HostTarget::Tenant("m".into())
        );
        assert_eq!(resolve(Some("Admin.hcp1.example")), HostTarget::Admin);
        // The legacy default namespace comes after the configured ones.
        assert_eq!(
            resolve(Some("default.default.hcp1.example")),
            HostTarget::Namespace {
                index: 2,
                by_default: false
            }
        );
        assert!(state.namespaces[2].legacy);
        let default = HostTarget::Namespace {
            index: 0,
            by_default: true,
        };
        for other in [
            None,
            Some("127.0.0.1"),
            Some("x.m.hcp1.example"),
            Some("hcp1.example"),
        ] {
            assert_eq!(resolve(other), default, "{other:?}");
        }
        assert_eq!(
            system.resolve_host(&state, Some("elsewhere"), true),
            HostTarget::Admin
        );
        let a = system.next_request_id();
        assert_eq!(a.len(), 16);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert_ne!(a, system.next_request_id());
    }

    #[test]
    fn bad_configs() {
        for config in [
            HcpConfig::new("hcp1.example"),
            HcpConfig::new("").namespace("m", "n1"),
            HcpConfig::new("d")
                .namespace("m", "n1")
                .namespace("m", "n1"),
            HcpConfig::new("d").namespace("a.b", "n1"),
            HcpConfig::new("d").namespace("m", "n1").user("x", "u", "p"),
            HcpConfig::new("d")
                .namespace("m", "n1")
                .default_namespace("m", "n9"),
        ] {
            assert!(System::new(&config).is_err(), "{config:?}");
        }
    }
}
