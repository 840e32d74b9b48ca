//! What the ONTAP Select Deploy examples share: a small `--flag value` parser (no
//! dependency needed) and the TLS flags (`--ca-file --pin-sha256 --insecure`). Adapted
//! from the VRG examples' `support/cli.rs`.

use std::collections::HashMap;

use storkit_ontap_deploy::TlsPolicy;

/// The TLS flags' help lines, to append to an example's usage text.
pub(crate) const TLS_USAGE: &str = "\
\x20 --ca-file PEM            trust this CA bundle (Deploy's self-signed certificate works as
                           the CA)
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify the certificate (not recommended)";

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

    /// True when a switch was given.
    pub(crate) fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// Prints `message` and the usage, and exits 2 (a usage error).
    pub(crate) fn fail(&self, message: &str) -> ! {
        eprintln!("error: {message}\n\n{}", self.usage);
        std::process::exit(2)
    }

    /// True when a TLS flag was given.
    pub(crate) fn has_tls_flags(&self) -> bool {
        self.on("insecure") || self.get("pin-sha256").is_some() || self.get("ca-file").is_some()
    }

    /// The TLS policy from `--insecure`, `--pin-sha256` or `--ca-file` (the first given,
    /// in that order); `None` when none was given (then the webpki roots are trusted).
    pub(crate) fn tls(&self) -> Option<TlsPolicy> {
        if self.on("insecure") {
            eprintln!("warning: --insecure: Deploy's certificate is NOT verified");
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
