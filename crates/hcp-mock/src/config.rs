//! What one mock HCP system looks like: its domain, nodes, ports, tenants, namespaces, users
//! and replication links.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use storkit_mock::{CertificateAuthority, DnsServer};

/// The software version the mock reports (`X-HCP-SoftwareVersion`, `Server: HCP V…`), as in
/// the seed's HEAD output.
pub const DEFAULT_SOFTWARE_VERSION: &str = "7.1.0.10";

/// The namespace description of the reference fixtures; hcpsdk splits it on `°`.
pub const DEFAULT_DESCRIPTION: &str = "replicated°search°no versioning";

/// How to start an [`HcpMock`](crate::HcpMock): one HCP system on several loopback nodes.
///
/// Fields are public; the methods are a builder over them. [`HcpConfig::new`] starts empty
/// (no tenant); [`HcpConfig::sample`] gives the reference fixtures.
#[derive(Clone)]
#[non_exhaustive]
pub struct HcpConfig {
    /// The system's DNS domain, e.g. `hcp1.example`: namespaces are `<ns>.<tenant>.<domain>`,
    /// tenants `<tenant>.<domain>`, the system-level MAPI host `admin.<domain>`.
    pub domain: String,
    /// The node addresses, all loopback (default `127.0.0.1`).
    pub ips: Vec<IpAddr>,
    /// The data port (native REST and `/proc`) on every node; `0` picks a free one.
    /// Default 443.
    pub data_port: u16,
    /// The management (MAPI) port on every node, always TLS; `0` picks a free one.
    /// Default 9090.
    pub mapi_port: u16,
    /// Whether the data port serves TLS (default `true`); MAPI always does.
    pub tls: bool,
    /// The authority that signs the certificate; `None` generates one.
    pub ca: Option<CertificateAuthority>,
    /// A DNS server to register the system's names on (e.g. one shared with a replica
    /// system); `None` starts one on [`dns_bind`](Self::dns_bind).
    pub dns: Option<Arc<DnsServer>>,
    /// Where the mock's own DNS server listens when [`dns`](Self::dns) is `None`; default the
    /// first node's address, port `0`.
    pub dns_bind: Option<SocketAddr>,
    /// Close keep-alive connections silently once idle this long (HCP's "HTTP persistent
    /// connection timeout", reference B2); `None` keeps them open.
    pub idle_close: Option<Duration>,
    /// The tenants and their namespaces.
    pub tenants: Vec<TenantConfig>,
    /// Data access users (local and AD).
    pub users: Vec<UserConfig>,
    /// System-level administrators: MAPI on `admin.<domain>` and every tenant host.
    pub admins: Vec<UserConfig>,
    /// Replication links, for MAPI.
    pub links: Vec<LinkConfig>,
    /// The namespace for requests whose `Host` names no namespace: `(tenant, namespace)`;
    /// `None` takes the first namespace of the first tenant. (A mock convenience: a
    /// client connecting by IP without a namespace's `Host` still reaches one.)
    pub default_namespace: Option<(String, String)>,
    /// Serve the legacy default namespace `default.default.<domain>` (reference §9.1):
    /// no authentication, data under `/fcfs_data`, metadata files under `/fcfs_metadata`.
    /// Default `true`.
    pub legacy_default_namespace: bool,
    /// The reported software version.
    pub software_version: String,
    /// How long a log collection (`POST /mapi/logs/prepare`) runs before it is ready.
    pub log_prepare_time: Duration,
    /// The largest object accepted, in bytes; larger uploads get `413`. Objects live in
    /// memory.
    pub max_object_size: u64,
}

impl fmt::Debug for HcpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HcpConfig")
            .field("domain", &self.domain)
            .field("ips", &self.ips)
            .field("data_port", &self.data_port)
            .field("mapi_port", &self.mapi_port)
            .field("tls", &self.tls)
            .field("dns", &self.dns.as_ref().map(|d| d.addr()))
            .field("tenants", &self.tenants)
            .field("users", &self.users)
            .field("admins", &self.admins)
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

impl HcpConfig {
    /// A system called `domain` on `127.0.0.1`, ports 443 (TLS) and 9090, with no tenant
    /// yet.
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            domain: domain.into().trim_end_matches('.').to_ascii_lowercase(),
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            data_port: 443,
            mapi_port: 9090,
            tls: true,
            ca: None,
            dns: None,
            dns_bind: None,
            idle_close: None,
            tenants: Vec::new(),
            users: Vec::new(),
            admins: Vec::new(),
            links: Vec::new(),
            default_namespace: None,
            legacy_default_namespace: true,
            software_version: DEFAULT_SOFTWARE_VERSION.to_owned(),
            log_prepare_time: Duration::from_millis(200),
            max_object_size: 256 * 1024 * 1024,
        }
    }

    /// The reference fixtures on `domain`: tenant `m` with namespaces `n1` and `n2`, user
    /// `n`/`n01` on both, AD user `lgreen@example.com`/`p4ssw0rd`, administrator
    /// `service`/`service01`, and two links: `hcp1--<-->--hcp2` (active/active) and
    /// `hcp1-to-hcp3` (outbound).
    pub fn sample(domain: impl Into<String>) -> Self {
        Self::new(domain)
            .namespace("m", "n1")
            .namespace("m", "n2")
            .user("m", "n", "n01")
            .ad_user("m", "lgreen@example.com", "p4ssw0rd")
            .admin("service", "service01")
            .link(LinkConfig::new("hcp1--<-->--hcp2", LinkType::ActiveActive))
            .link(LinkConfig::new("hcp1-to-hcp3", LinkType::Outbound))
    }

    /// Sets the node addresses.
    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.ips = ips.into_iter().collect();
        self
    }

    /// Sets the data port; `0` picks a free one.
    pub fn data_port(mut self, port: u16) -> Self {
        self.data_port = port;
        self
    }

    /// Sets the MAPI port; `0` picks a free one.
    pub fn mapi_port(mut self, port: u16) -> Self {
        self.mapi_port = port;
        self
    }

    /// Serves the data port with TLS (`true`) or plain HTTP (`false`).
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Signs the certificate with `ca`, e.g. the one of a replica system.
    pub fn ca(mut self, ca: CertificateAuthority) -> Self {
        self.ca = Some(ca);
        self
    }

    /// Registers the system's names on `dns` instead of starting a DNS server.
    pub fn dns(mut self, dns: Arc<DnsServer>) -> Self {
        self.dns = Some(dns);
        self
    }

    /// Where the mock's own DNS server listens.
    pub fn dns_bind(mut self, addr: SocketAddr) -> Self {
        self.dns_bind = Some(addr);
        self
    }

    /// Closes keep-alive connections idle for `after`, silently.
    pub fn idle_close(mut self, after: Duration) -> Self {
        self.idle_close = Some(after);
        self
    }

    /// Adds a tenant with no namespace (does nothing if it exists).
    pub fn tenant(mut self, tenant: &str) -> Self {
        self.tenant_mut(tenant);
        self
    }

    /// Adds namespace `namespace` (default settings) to `tenant`, adding the tenant if needed.
    pub fn namespace(self, tenant: &str, namespace: &str) -> Self {
        self.namespace_config(tenant, NamespaceConfig::new(namespace))
    }

    /// Adds a namespace with its settings to `tenant`, adding the tenant if needed.
    pub fn namespace_config(mut self, tenant: &str, namespace: NamespaceConfig) -> Self {
        self.tenant_mut(tenant).namespaces.push(namespace);
        self
    }

    fn tenant_mut(&mut self, tenant: &str) -> &mut TenantConfig {
        let name = tenant.to_ascii_lowercase();
        let index = match self.tenants.iter().position(|t| t.name == name) {
            Some(index) => index,
            None => {
                self.tenants.push(TenantConfig {
                    name,
                    namespaces: Vec::new(),
                });
                self.tenants.len() - 1
            }
        };
        &mut self.tenants[index]
    }

    /// Adds a local user of `tenant` with data access to every namespace of it.
    pub fn user(mut self, tenant: &str, name: &str, password: &str) -> Self {
        self.users.push(UserConfig::local(tenant, name, password));
        self
    }

    /// Adds a local user of `tenant` with data access to the listed namespaces only.
    pub fn user_with_access<S: AsRef<str>>(
        mut self,
        tenant: &str,
        name: &str,
        password: &str,
        namespaces: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut user = UserConfig::local(tenant, name, password);
        user.namespaces = Some(
            namespaces
                .into_iter()
                .map(|n| n.as_ref().to_ascii_lowercase())
                .collect(),
        );
        self.users.push(user);
        self
    }

    /// Adds an Active Directory user of `tenant` (`Authorization: AD user:password`) with data
    /// access to every namespace of it.
    pub fn ad_user(mut self, tenant: &str, name: &str, password: &str) -> Self {
        let mut user = UserConfig::local(tenant, name, password);
        user.ad = true;
        self.users.push(user);
        self
    }

    /// Adds a system-level administrator (MAPI).
    pub fn admin(mut self, name: &str, password: &str) -> Self {
        self.admins.push(UserConfig::local("", name, password));
        self
    }

    /// Adds a replication link.
    pub fn link(mut self, link: LinkConfig) -> Self {
        self.links.push(link);
        self
    }

    /// Sets the namespace for requests whose `Host` names none.
    pub fn default_namespace(mut self, tenant: &str, namespace: &str) -> Self {
        self.default_namespace =
            Some((tenant.to_ascii_lowercase(), namespace.to_ascii_lowercase()));
        self
    }

    /// Serves (`true`, the default) or leaves out the legacy default namespace
    /// `default.default.<domain>`.
    pub fn legacy_default_namespace(mut self, yes: bool) -> Self {
        self.legacy_default_namespace = yes;
        self
    }

    /// Sets the reported software version, e.g. `9.0.0.2`.
    pub fn software_version(mut self, version: impl Into<String>) -> Self {
        self.software_version = version.into();
        self
    }

    /// Sets how long log collections take to become ready.
    pub fn log_prepare_time(mut self, time: Duration) -> Self {
        self.log_prepare_time = time;
        self
    }

    /// Sets the largest object accepted.
    pub fn max_object_size(mut self, bytes: u64) -> Self {
        self.max_object_size = bytes;
        self
    }
}

/// A tenant: a name and its namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantConfig {
    /// The tenant name (lower case).
    pub name: String,
    /// Its namespaces.
    pub namespaces: Vec<NamespaceConfig>,
}

/// A namespace's settings, as `/proc` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceConfig {
    /// The namespace name (lower case).
    pub name: String,
    /// The description; default [`DEFAULT_DESCRIPTION`].
    pub description: String,
    /// `versioningEnabled`: a PUT to an existing object stores a new version instead of
    /// answering `409`, a DELETE keeps the old versions, and `?version=list` lists them.
    /// Default `false`.
    pub versioning: bool,
    /// `searchEnabled`.
    pub search: bool,
    /// `retentionMode`: `enterprise` (privileged delete allowed) or `compliance`.
    pub retention_mode: String,
    /// `defaultShredValue`.
    pub default_shred: bool,
    /// `defaultIndexValue`.
    pub default_index: bool,
    /// `defaultRetentionValue`, as a retention expression (`0`: deletion allowed).
    pub default_retention: String,
    /// `hashScheme`: `SHA-256` (also `MD5`).
    pub hash_scheme: String,
    /// `dpl`, the data protection level.
    pub dpl: u32,
    /// `totalCapacityBytes` in `/proc/statistics`.
    pub hard_quota_bytes: u64,
    /// `softQuotaPercent`.
    pub soft_quota_percent: u32,
    /// The retention classes; default `TAX_DATA` (`A+10y`), `deletion_prohibited` (`-1`)
    /// and `initial_unspecified` (`-2`).
    pub retention_classes: Vec<RetentionClass>,
}

impl NamespaceConfig {
    /// A namespace with the reference fixtures' settings.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_ascii_lowercase(),
            description: DEFAULT_DESCRIPTION.to_owned(),
            versioning: false,
            search: true,
            retention_mode: "enterprise".to_owned(),
            default_shred: false,
            default_index: true,
            default_retention: "0".to_owned(),
            hash_scheme: "SHA-256".to_owned(),
            dpl: 2,
            hard_quota_bytes: 53_687_091_200,
            soft_quota_percent: 85,
            retention_classes: vec![
                RetentionClass::new("TAX_DATA", "A+10y", true, "Class for tax data"),
                RetentionClass::new(
                    "deletion_prohibited",
                    "-1",
                    false,
                    "Objects in this class can never be deleted.",
                ),
                RetentionClass::new(
                    "initial_unspecified",
                    "-2",
                    false,
                    "Retention Class with an initial unspecified value.",
                ),
            ],
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the hash scheme (`SHA-256` or `MD5`).
    pub fn hash_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.hash_scheme = scheme.into();
        self
    }

    /// Turns versioning on or off.
    pub fn versioning(mut self, on: bool) -> Self {
        self.versioning = on;
        self
    }

    /// Sets the retention mode (`enterprise` or `compliance`).
    pub fn retention_mode(mut self, mode: impl Into<String>) -> Self {
        self.retention_mode = mode.into();
        self
    }
}

/// A retention class of a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionClass {
    /// The class name.
    pub name: String,
    /// Its value: an offset (`A+10y`), `0`, `-1` (deletion prohibited) or `-2` (initial
    /// unspecified).
    pub value: String,
    /// Whether expired objects are deleted automatically.
    pub auto_delete: bool,
    /// The description.
    pub description: String,
}

impl RetentionClass {
    /// A class.
    pub fn new(name: &str, value: &str, auto_delete: bool, description: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            auto_delete,
            description: description.to_owned(),
        }
    }
}

/// A user: data access user of a tenant, AD user, or system administrator.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserConfig {
    /// The tenant (empty for administrators).
    pub tenant: String,
    /// The user name, as it goes into the token (case kept).
    pub name: String,
    /// The password.
    pub password: String,
    /// The namespaces the user may access; `None` for all of the tenant's.
    pub namespaces: Option<Vec<String>>,
    /// An Active Directory user (`Authorization: AD`) rather than a local one.
    pub ad: bool,
}

impl UserConfig {
    pub(crate) fn local(tenant: &str, name: &str, password: &str) -> Self {
        Self {
            tenant: tenant.to_ascii_lowercase(),
            name: name.to_owned(),
            password: password.to_owned(),
            namespaces: None,
            ad: false,
        }
    }

    pub(crate) fn may_access(&self, namespace: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == namespace))
    }
}

impl fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserConfig")
            .field("tenant", &self.tenant)
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("namespaces", &self.namespaces)
            .field("ad", &self.ad)
            .finish()
    }
}

/// The kind of a replication link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `ACTIVE_ACTIVE`.
    ActiveActive,
    /// `OUTBOUND` (active/passive, this system is the primary).
    Outbound,
    /// `INBOUND` (active/passive, this system is the replica).
    Inbound,
}

impl LinkType {
    /// Reads a MAPI name (`ACTIVE_ACTIVE`, `OUTBOUND`, `INBOUND`), in any case, with `-`
    /// for `_` accepted.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().replace('-', "_");
        [Self::ActiveActive, Self::Outbound, Self::Inbound]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(&name))
    }

    /// The MAPI name: `ACTIVE_ACTIVE`, `OUTBOUND`, `INBOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActiveActive => "ACTIVE_ACTIVE",
            Self::Outbound => "OUTBOUND",
            Self::Inbound => "INBOUND",
        }
    }
}

/// A replication link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkConfig {
    /// The link name; any text, `hcp1--<-->--hcp2` included.
    pub name: String,
    /// Its kind.
    pub link_type: LinkType,
    /// The description.
    pub description: String,
    /// `connection/remoteHost`: the remote system's replication addresses.
    pub remote_host: String,
    /// The link id (a UUID); `None` derives a stable one from the name.
    pub id: Option<String>,
}

impl LinkConfig {
    /// A link with a generated description and remote host.
    pub fn new(name: &str, link_type: LinkType) -> Self {
        Self {
            name: name.to_owned(),
            link_type,
            description: format!("{} link {name}", link_type.as_str().to_ascii_lowercase()),
            remote_host: "192.0.2.56, 192.0.2.57, 192.0.2.58, 192.0.2.59".to_owned(),
            id: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets `connection/remoteHost`.
    pub fn remote_host(mut self, host: impl Into<String>) -> Self {
        self.remote_host = host.into();
        self
    }
}
