use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::tls::CertificateAuthority;

/// The name of the listener on [`ServerConfig::port`], as seen in
/// [`Ctx::listener`](crate::Ctx::listener).
pub const MAIN_LISTENER: &str = "main";

/// How to start a [`MockServer`](crate::MockServer): its nodes, ports, TLS and idle policy.
///
/// Fields are public; the methods are a builder over them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The node addresses, all loopback (default: `127.0.0.1` alone).
    pub ips: Vec<IpAddr>,
    /// The port of the main listener ([`MAIN_LISTENER`]) on every node; `0` picks a free one
    /// shared by all nodes.
    pub port: u16,
    /// Further listeners: more ports every node listens on, serving the same handler (e.g.
    /// HCP's data port and its management port on one system).
    pub listeners: Vec<ListenerConfig>,
    /// Serve TLS with a certificate generated at start; `None` serves plain HTTP.
    pub tls: Option<TlsSettings>,
    /// Close a keep-alive connection silently (no response, no `408`) once it has been idle
    /// this long. Measured on Tokio's clock, so paused test time moves it too.
    pub idle_close: Option<Duration>,
    /// The name clients use for the whole server, for [`MockServer::url`](crate::MockServer::url).
    pub host_name: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            port: 0,
            listeners: Vec::new(),
            tls: None,
            idle_close: None,
            host_name: None,
        }
    }
}

impl ServerConfig {
    /// The default configuration: plain HTTP on `127.0.0.1`, ephemeral port.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the node addresses.
    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.ips = ips.into_iter().collect();
        self
    }

    /// Sets the main listener's port; `0` picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Adds a listener: every node also listens on its port.
    pub fn listener(mut self, listener: ListenerConfig) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Serves TLS.
    pub fn tls(mut self, tls: TlsSettings) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Closes keep-alive connections idle for `after`.
    pub fn idle_close(mut self, after: Duration) -> Self {
        self.idle_close = Some(after);
        self
    }

    /// Sets the server's host name.
    pub fn host_name(mut self, name: impl Into<String>) -> Self {
        self.host_name = Some(name.into());
        self
    }
}

/// One more port a server's nodes listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerConfig {
    /// The name handlers see in [`Ctx::listener`](crate::Ctx::listener); unique per server and
    /// not [`MAIN_LISTENER`].
    pub name: String,
    /// The port on every node; `0` picks a free one shared by all nodes.
    pub port: u16,
    /// Serve plain HTTP here even when the server serves TLS (e.g. port 80 beside 443).
    pub plain: bool,
}

impl ListenerConfig {
    /// A listener called `name` on `port` (`0`: a free one), TLS when the server is.
    pub fn new(name: impl Into<String>, port: u16) -> Self {
        Self {
            name: name.into(),
            port,
            plain: false,
        }
    }

    /// Serves plain HTTP on this listener whatever the server's TLS setting.
    pub fn plain(mut self) -> Self {
        self.plain = true;
        self
    }
}

/// The certificate a TLS server generates at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSettings {
    /// DNS names for the certificate's subject alternative names. The node IPs are always
    /// added as IP SANs too. Wildcards such as `*.hcp1.example` and `*.*.hcp1.example` go
    /// into the certificate as given; see [`ServerTls::generate`](crate::ServerTls::generate)
    /// for which names rustls clients then accept.
    pub names: Vec<String>,
    /// The authority that signs the leaf; `None` generates a new one. Pass one authority to
    /// several servers so that clients trust all of them through one root.
    pub ca: Option<CertificateAuthority>,
}

impl TlsSettings {
    /// A certificate for `names` (and the node IPs), signed by a new authority.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            names: names.into_iter().map(Into::into).collect(),
            ca: None,
        }
    }

    /// Signs the leaf with `ca` instead of a new authority.
    pub fn with_ca(mut self, ca: CertificateAuthority) -> Self {
        self.ca = Some(ca);
        self
    }
}
