//! Where node addresses come from: hickory DNS, the system resolver, or a static list.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::auth::BoxFuture;
use crate::error::{BoxError, Error, ErrorKind};

/// The answer of a [`Resolve`]: the addresses and how long they may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The addresses, in any order (the pool sorts and de-duplicates them).
    pub addrs: Vec<IpAddr>,
    /// When the answer expires (the DNS TTL); `None` for answers that never expire.
    pub valid_until: Option<Instant>,
}

impl Resolved {
    /// An answer: `addrs`, usable until `valid_until` (`None`: until the next refresh).
    pub fn new(addrs: Vec<IpAddr>, valid_until: Option<Instant>) -> Self {
        Resolved { addrs, valid_until }
    }
}

/// A source of node addresses for a host name; the DNS seam of the node pool.
pub trait Resolve: Send + Sync + fmt::Debug {
    /// Looks up `host`. An empty answer is reported as an error by the pool.
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>>;
}

/// A fixed list of addresses, for tests, labs and arrays addressed by IP.
#[derive(Debug, Clone)]
pub struct StaticResolver {
    addrs: Vec<IpAddr>,
}

impl StaticResolver {
    /// Always answers `addrs`.
    pub fn new(addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        StaticResolver {
            addrs: addrs.into_iter().collect(),
        }
    }
}

impl Resolve for StaticResolver {
    fn resolve<'a>(&'a self, _host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
        let addrs = self.addrs.clone();
        Box::pin(async move {
            Ok(Resolved {
                addrs,
                valid_until: None,
            })
        })
    }
}

/// The operating system's resolver (`getaddrinfo`, honouring `/etc/hosts`). It reports no
/// TTL, so the pool refreshes it only on failure or on demand.
#[derive(Debug, Clone, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0))
                .await?
                .map(|sa| sa.ip())
                .collect();
            Ok(Resolved {
                addrs,
                valid_until: None,
            })
        })
    }
}

/// DNS through hickory-resolver, bypassing the operating system's cache.
///
/// The resolver's own cache is cleared before every lookup: the node pool is the cache,
/// and a refresh after a failure must see the current answer, not a cached one.
pub struct HickoryResolver {
    resolver: TokioResolver,
    servers: Vec<SocketAddr>,
}

impl HickoryResolver {
    /// Uses the name servers of the system configuration (`/etc/resolv.conf`), without the
    /// hosts file.
    pub fn from_system_conf() -> Result<Self, Error> {
        let mut builder = TokioResolver::builder_tokio().map_err(resolve_config_error)?;
        configure(builder.options_mut());
        let resolver = builder.build().map_err(resolve_config_error)?;
        Ok(HickoryResolver {
            resolver,
            servers: Vec::new(),
        })
    }

    /// Asks exactly these name servers (UDP, then TCP on truncation), e.g. a lab DNS on
    /// `127.0.0.1:5353`.
    pub fn with_name_servers(servers: &[SocketAddr]) -> Result<Self, Error> {
        if servers.is_empty() {
            return Err(Error::config("at least one name server is required"));
        }
        let configs = servers
            .iter()
            .map(|sa| {
                let (mut udp, mut tcp) = (ConnectionConfig::udp(), ConnectionConfig::tcp());
                udp.port = sa.port();
                tcp.port = sa.port();
                let mut ns = NameServerConfig::udp_and_tcp(sa.ip());
                ns.connections = vec![udp, tcp];
                ns
            })
            .collect();
        let mut builder = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(configs),
            TokioRuntimeProvider::default(),
        );
        configure(builder.options_mut());
        let resolver = builder.build().map_err(resolve_config_error)?;
        Ok(HickoryResolver {
            resolver,
            servers: servers.to_vec(),
        })
    }
}

fn configure(opts: &mut hickory_resolver::config::ResolverOpts) {
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.timeout = std::time::Duration::from_secs(2);
    opts.attempts = 2;
}

fn resolve_config_error(e: impl Into<BoxError>) -> Error {
    Error::new(ErrorKind::Config)
        .with_message("cannot configure the DNS resolver")
        .with_source(e)
}

impl fmt::Debug for HickoryResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HickoryResolver")
            .field("servers", &self.servers)
            .finish()
    }
}

impl Resolve for HickoryResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
        Box::pin(async move {
            self.resolver.clear_cache();
            let lookup = self.resolver.lookup_ip(host).await?;
            Ok(Resolved {
                addrs: lookup.iter().collect(),
                valid_until: Some(lookup.valid_until()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn static_resolver_answers_its_list() {
        let r = StaticResolver::new(["127.0.0.11".parse().unwrap()]);
        let got = r.resolve("anything").await.unwrap();
        assert_eq!(got.addrs, vec!["127.0.0.11".parse::<IpAddr>().unwrap()]);
        assert_eq!(got.valid_until, None);
    }

    #[tokio::test]
    async fn system_resolver_handles_ip_literals() {
        let got = SystemResolver.resolve("127.0.0.5").await.unwrap();
        assert_eq!(got.addrs, vec!["127.0.0.5".parse::<IpAddr>().unwrap()]);
    }

    #[test]
    fn hickory_needs_a_server() {
        assert_eq!(
            HickoryResolver::with_name_servers(&[]).unwrap_err().kind(),
            ErrorKind::Config
        );
    }
}
