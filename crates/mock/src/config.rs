use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How to start a [`MockServer`](crate::MockServer): its nodes, port, TLS and idle policy.
///
/// Fields are public; the methods are a builder over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The node addresses, all loopback (default: `127.0.0.1` alone).
    pub ips: Vec<IpAddr>,
    /// The port every node listens on; `0` picks a free one shared by all nodes.
    pub port: u16,
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

    /// Sets the port; `0` picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
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

/// The certificate a TLS server generates at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// DNS names for the certificate's subject alternative names. The node IPs are always
    /// added as IP SANs too.
    pub names: Vec<String>,
}

impl TlsSettings {
    /// A certificate for `names` (and the node IPs).
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            names: names.into_iter().map(Into::into).collect(),
        }
    }
}
