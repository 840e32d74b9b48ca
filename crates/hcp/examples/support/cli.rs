//! What the HCP examples share: a small `--flag value` parser, the connection flags every
//! example takes (`--fqdn --port --user --password --dns-server --ca-file --pin-sha256
//! --insecure`), a client builder for a mock system, and the error report of `main`.

// Each example uses a different part of this file.
#![allow(dead_code)]

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

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

/// Parsed command-line flags.
pub(crate) struct Args {
    values: HashMap<String, String>,
    switches: Vec<String>,
    usage: String,
}

impl Args {
    /// Parses `std::env::args()`: `values` take a value (`--name V` or `--name=V`),
    /// `switches` none. `--help` prints the usage and exits 0; anything else unknown
    /// prints it and exits 2.
    pub(crate) fn parse(values: &[&str], switches: &[&str], usage: &str) -> Args {
        let mut args = Args {
            values: HashMap::new(),
            switches: Vec::new(),
            usage: usage.to_owned(),
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            if arg == "-h" || arg == "--help" {
                println!("{usage}");
                std::process::exit(0);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                args.fail(&format!("unexpected argument {arg:?}"));
            };
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (flag, None),
            };
            if switches.contains(&name) && inline.is_none() {
                args.switches.push(name.to_owned());
            } else if values.contains(&name) {
                match inline.or_else(|| it.next()) {
                    Some(v) => {
                        args.values.insert(name.to_owned(), v);
                    }
                    None => args.fail(&format!("--{name} needs a value")),
                }
            } else {
                args.fail(&format!("unknown argument {arg:?}"));
            }
        }
        args
    }

    /// A flag's value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A flag's value or a default.
    pub(crate) fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// A numeric flag or a default; a bad number prints the usage and exits 2.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        match self.get(name) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| self.fail(&format!("--{name} must be a number, not {v:?}"))),
        }
    }

    /// True when a switch was given.
    pub(crate) fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// Prints `message` and the usage, and exits 2 (a usage error, as hand-rolled CLIs do).
    pub(crate) fn fail(&self, message: &str) -> ! {
        eprintln!("error: {message}\n\n{}", self.usage);
        std::process::exit(2)
    }

    /// The connection flags, with the example's default credentials.
    pub(crate) fn connection(&self, user: &str, password: &str) -> Connection {
        let dns = self.get("dns-server").map(|s| {
            // A bare address means the DNS port.
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .unwrap_or_else(|_| self.fail(&format!("--dns-server: not an address: {s:?}")))
        });
        Connection {
            fqdn: self.get("fqdn").map(str::to_owned),
            port: self.number("port", 443),
            user: self.or("user", user),
            password: self.or("password", password),
            dns,
            tls: self.tls(),
        }
    }

    /// The TLS policy from `--insecure`, `--pin-sha256` or `--ca-file`; `None` when none
    /// was given (then the webpki roots are trusted).
    fn tls(&self) -> Option<TlsPolicy> {
        if self.on("insecure") {
            eprintln!("warning: --insecure: the server's certificate is NOT verified");
            return Some(TlsPolicy::danger_accept_invalid_certs());
        }
        if let Some(pins) = self.get("pin-sha256") {
            return Some(
                TlsPolicy::pinned(pins.split(','))
                    .unwrap_or_else(|e| self.fail(&format!("--pin-sha256: {e}"))),
            );
        }
        self.get("ca-file").map(|path| {
            TlsPolicy::custom_ca_file(path)
                .unwrap_or_else(|e| self.fail(&format!("--ca-file: {e}")))
        })
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
