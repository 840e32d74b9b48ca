//! What the HCP examples share beyond `storkit-example-cli`'s [`Args`]: the connection
//! flags every example takes (`--fqdn --port --user --password --dns-server --ca-file
//! --pin-sha256 --insecure`), a client builder for a mock system, and the error report of
//! `main`.

// Each example uses a different part of this file.
#![allow(dead_code)]

use std::error::Error;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use storkit_example_cli::Args;
use storkit_hcp::{HcpClient, HcpClientBuilder, TlsPolicy};
use storkit_hcp_mock::HcpMock;

/// The value flags of [`Connection`], for [`Args::parse`].
pub(crate) const CONNECTION_FLAGS: [&str; 7] = [
    "fqdn",
    "port",
    "user",
    "password",
    "dns-server",
    "ca-file",
    "pin-sha256",
];

/// The connection flags' help lines, to append to an example's usage text.
pub(crate) const CONNECTION_USAGE: &str = "\
  --port N                 (default 443; TLS on 443, 8000 and 9090, as hcpsdk)
  --user USER              (default n)                --password PASS (default n01)
  --dns-server IP[:PORT]   ask this DNS server for the nodes (default: the system's
                           name servers, asked directly as hcpsdk does)
  --ca-file PEM            trust this CA bundle
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify certificates (not recommended)";

/// The connection flags, with the example's default credentials.
pub(crate) fn connection(args: &Args, user: &str, password: &str) -> Connection {
    let dns = args.get("dns-server").map(|s| {
        // A bare address means the DNS port.
        s.parse::<SocketAddr>()
            .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
            .unwrap_or_else(|_| args.fail(&format!("--dns-server: not an address: {s:?}")))
    });
    Connection {
        fqdn: args.get("fqdn").map(str::to_owned),
        port: args.number("port", 443),
        user: args.or("user", user),
        password: args.or("password", password),
        dns,
        tls: args.tls("the server's certificate"),
    }
}

/// Where and as whom to connect, from the flags.
pub(crate) struct Connection {
    /// `--fqdn`; `None` means "start a mock".
    pub(crate) fqdn: Option<String>,
    /// `--port`.
    pub(crate) port: u16,
    /// `--user`.
    pub(crate) user: String,
    /// `--password`.
    pub(crate) password: String,
    /// `--dns-server`.
    pub(crate) dns: Option<SocketAddr>,
    /// `--ca-file`, `--pin-sha256` or `--insecure`.
    pub(crate) tls: Option<TlsPolicy>,
}

impl Connection {
    /// A builder for `fqdn` on a real system, as the flags say.
    pub(crate) fn builder(&self, fqdn: &str) -> HcpClientBuilder {
        let mut b = HcpClient::builder(fqdn)
            .port(self.port)
            .credentials(&self.user, &self.password);
        if let Some(dns) = self.dns {
            b = b.dns_servers([dns]);
        }
        if let Some(tls) = &self.tls {
            b = b.tls(tls.clone());
        }
        b
    }
}

/// A builder for `fqdn` of a mock system: its data port (TLS), its MAPI port, its CA and
/// its DNS server, as the crate's tests do. No credentials yet.
pub(crate) fn mock_builder(mock: &HcpMock, fqdn: &str) -> Result<HcpClientBuilder, Box<dyn Error>> {
    Ok(HcpClient::builder(fqdn)
        .port(mock.data_port())
        .https(true)
        .mapi_port(mock.mapi_port())
        .tls(TlsPolicy::custom_ca_pem(mock.ca_pem())?)
        .dns_servers([mock.dns_addr()]))
}

/// The loopback address `127.0.9.<last>`: the examples' own range, apart from the tests'.
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 9, last])
}

/// An error with the sample's wording in front (`PUT failed - ...`); its causes are the
/// wrapped error's causes, so that `main` prints each once.
#[derive(Debug)]
pub(crate) struct Failed {
    what: String,
    error: Box<dyn Error + Send + Sync>,
}

impl Failed {
    /// `what - error`.
    pub(crate) fn new(
        what: impl Into<String>,
        error: impl Into<Box<dyn Error + Send + Sync>>,
    ) -> Self {
        Failed {
            what: what.into(),
            error: error.into(),
        }
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} - {}", self.what, self.error)
    }
}

impl Error for Failed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

/// Ends the process as `main` of an example does on failure: the error and its causes
/// on stderr, exit status 1.
pub(crate) fn exit_on_error(result: Result<(), Box<dyn Error>>) {
    if let Err(e) = result {
        eprintln!("{e}");
        let mut source = e.source();
        while let Some(s) = source {
            eprintln!("  caused by: {s}");
            source = s.source();
        }
        std::process::exit(1);
    }
}
