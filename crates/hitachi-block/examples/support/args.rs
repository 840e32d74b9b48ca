//! A small `--flag value` parser shared by the examples (no dependency needed).

use std::collections::HashMap;

use storkit_hitachi_block::TlsPolicy;

/// Parsed command-line flags.
pub(crate) struct Args {
    values: HashMap<String, String>,
    switches: Vec<String>,
}

impl Args {
    /// Parses `std::env::args()`, accepting `known` value flags and `switches`; prints
    /// usage and exits 2 on anything else.
    pub(crate) fn parse(known: &[&str], switches: &[&str], usage: &str) -> Args {
        let mut values = HashMap::new();
        let mut on = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            if arg == "-h" || arg == "--help" {
                println!("{usage}");
                std::process::exit(0);
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            let bare = name.trim_start_matches("--");
            if switches.contains(&bare) && name.starts_with("--") {
                on.push(bare.to_owned());
            } else if known.contains(&bare) && name.starts_with("--") {
                match inline.or_else(|| it.next()) {
                    Some(v) => {
                        values.insert(bare.to_owned(), v);
                    }
                    None => fail(&format!("{name} needs a value"), usage),
                }
            } else {
                fail(&format!("unknown argument {arg}"), usage);
            }
        }
        Args {
            values,
            switches: on,
        }
    }

    /// A flag's value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A flag's value or a default.
    pub(crate) fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// A numeric flag or a default; exits 2 on a bad number.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str, default: T, usage: &str) -> T {
        match self.get(name) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| fail(&format!("--{name} must be a number, not {v:?}"), usage)),
        }
    }

    /// True when a switch was given.
    pub(crate) fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// The TLS policy from `--ca-file`, `--pin-sha256` (comma-separated pins) and
    /// `--insecure`; `None` when none was given.
    pub(crate) fn tls(&self, usage: &str) -> Option<TlsPolicy> {
        if self.on("insecure") {
            eprintln!("warning: --insecure: the server's certificate is NOT verified");
            return Some(TlsPolicy::danger_accept_invalid_certs());
        }
        if let Some(pins) = self.get("pin-sha256") {
            return Some(
                TlsPolicy::pinned(pins.split(','))
                    .unwrap_or_else(|e| fail(&format!("--pin-sha256: {e}"), usage)),
            );
        }
        self.get("ca-file").map(|path| {
            TlsPolicy::custom_ca_file(path)
                .unwrap_or_else(|e| fail(&format!("--ca-file: {e}"), usage))
        })
    }
}

fn fail(message: &str, usage: &str) -> ! {
    eprintln!("error: {message}\n\n{usage}");
    std::process::exit(2)
}
