//! What every standalone mock binary needs: `--key value` parsing, the `ready` line, and the
//! usage-error exit.
//!
//! ```
//! use storkit_mock::cli::Args;
//!
//! let args = Args::parse(
//!     ["demo", "--ips", "127.0.0.11,127.0.0.12", "--tls", "--port=0"],
//!     &["tls"],
//!     &["ips", "port"],
//! )?;
//! assert_eq!(args.positionals(), ["demo"]);
//! assert!(args.flag("tls"));
//! assert_eq!(args.ip_list("ips")?.map(|ips| ips.len()), Some(2));
//! assert_eq!(args.parse_value::<u16>("port")?, Some(0));
//! # Ok::<(), storkit_mock::cli::CliError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::io::{self, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;
use std::str::FromStr;

use crate::tls::ServerTls;

/// The exit code for a command line that could not be understood.
pub const USAGE_EXIT_CODE: u8 = 2;

/// A parsed command line: positionals, `--flag`s and `--key value` (or `--key=value`) options.
///
/// Everything after `--` is positional. A repeated option keeps its last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    positionals: Vec<String>,
    flags: BTreeSet<String>,
    options: BTreeMap<String, String>,
}

/// Why a command line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// An option that the program does not know.
    #[error("unknown option --{0}")]
    Unknown(String),
    /// An option given without its value.
    #[error("option --{0} needs a value")]
    MissingValue(String),
    /// A flag given a value with `=`.
    #[error("flag --{0} takes no value")]
    UnexpectedValue(String),
    /// A value that does not parse.
    #[error("option --{name}: invalid value {value:?}: {reason}")]
    Invalid {
        /// The option's name.
        name: String,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// Anything else wrong with the command line.
    #[error("{0}")]
    Other(String),
}

impl Args {
    /// Parses `args` (without the program name). `flags` take no value, `options` take one.
    pub fn parse<I, S>(args: I, flags: &[&str], options: &[&str]) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut parsed = Self::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            if arg == "--" {
                parsed.positionals.extend(args.by_ref());
                break;
            }
            let Some(option) = arg.strip_prefix("--") else {
                parsed.positionals.push(arg);
                continue;
            };
            let (name, inline) = match option.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (option.to_owned(), None),
            };
            if flags.contains(&name.as_str()) {
                if inline.is_some() {
                    return Err(CliError::UnexpectedValue(name));
                }
                parsed.flags.insert(name);
            } else if options.contains(&name.as_str()) {
                let value = match inline {
                    Some(value) => value,
                    None => args
                        .next()
                        .ok_or_else(|| CliError::MissingValue(name.clone()))?,
                };
                parsed.options.insert(name, value);
            } else {
                return Err(CliError::Unknown(name));
            }
        }
        Ok(parsed)
    }

    /// The arguments that are not options, in order.
    pub fn positionals(&self) -> &[String] {
        &self.positionals
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }

    /// The value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// The value of `--name` parsed as `T`, if given.
    pub fn parse_value<T>(&self, name: &str) -> Result<Option<T>, CliError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.value(name)
            .map(|value| {
                value.parse().map_err(|e: T::Err| CliError::Invalid {
                    name: name.to_owned(),
                    value: value.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// The value of `--name` as a comma-separated list of IP addresses, if given.
    pub fn ip_list(&self, name: &str) -> Result<Option<Vec<IpAddr>>, CliError> {
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|ip| {
                ip.parse()
                    .map_err(|e: std::net::AddrParseError| CliError::Invalid {
                        name: name.to_owned(),
                        value: value.to_owned(),
                        reason: format!("{ip}: {e}"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// The line a standalone mock prints once it accepts connections: `ready <url> [<url>...]`.
pub fn ready_line(urls: &[String]) -> String {
    let mut line = String::from("ready");
    for url in urls {
        line.push(' ');
        line.push_str(url);
    }
    line
}

/// Prints the [`ready_line`] on stdout and flushes, so a parent process reading a pipe sees it
/// at once.
pub fn print_ready(urls: &[String]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", ready_line(urls))?;
    stdout.flush()
}

/// Prints `fingerprint sha256 AB:CD:…` on stderr.
pub fn print_fingerprint(tls: &ServerTls) {
    eprintln!("fingerprint sha256 {}", tls.fingerprint_hex_colon());
}

/// Prints `program: error` and the usage on stderr; returns exit code 2 for `main`.
pub fn usage_error(program: &str, error: &dyn Display, usage: &str) -> ExitCode {
    eprintln!("{program}: {error}\n\n{usage}");
    ExitCode::from(USAGE_EXIT_CODE)
}

/// Whether the command line asks for help (`--help` or `-h` before any `--`).
pub fn wants_help<S: AsRef<str>>(args: &[S]) -> bool {
    args.iter()
        .map(AsRef::as_ref)
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h")
}

/// The `main` of a standalone mock: `--help` prints `usage`; arguments that `parse`
/// refuses print the error and the usage (exit code 2); otherwise `run` goes on a
/// multi-threaded Tokio runtime and its exit code is the process's.
pub fn main<O, E, P, R, F>(program: &str, usage: &str, parse: P, run: R) -> ExitCode
where
    E: Display,
    P: FnOnce(Vec<String>) -> Result<O, E>,
    R: FnOnce(O) -> F,
    F: std::future::Future<Output = ExitCode>,
{
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if wants_help(&raw) {
        println!("{usage}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(raw) {
        Ok(options) => options,
        Err(error) => return usage_error(program, &error, usage),
    };
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(options)),
        Err(error) => {
            eprintln!("{program}: cannot start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

/// How many of the latest requests a standalone mock's request log keeps
/// ([`bound_log`]): a long run (a benchmark, a day of manual testing) must not grow it
/// without bound.
pub const STANDALONE_LOG_CAPACITY: usize = 10_000;

/// Bounds a standalone mock's request log to [`STANDALONE_LOG_CAPACITY`] entries.
pub fn bound_log(server: &crate::MockServer) {
    server.log().set_capacity(Some(STANDALONE_LOG_CAPACITY));
}

/// The rest of a standalone mock's `run` once its server is up: prints the certificate's
/// fingerprint (TLS only), writes the CA certificate to `ca_out` when asked (an error
/// without TLS), prints the [`ready_line`] with `urls`, and serves until killed. Returns
/// the exit code for a failure on the way.
pub async fn serve(
    program: &str,
    tls: Option<&ServerTls>,
    urls: &[String],
    ca_out: Option<&str>,
) -> ExitCode {
    if let Some(tls) = tls {
        print_fingerprint(tls);
    }
    if let Some(path) = ca_out {
        let Some(tls) = tls else {
            eprintln!("{program}: --ca-out needs --tls");
            return ExitCode::FAILURE;
        };
        if let Err(error) = std::fs::write(path, tls.ca_pem()) {
            eprintln!("{program}: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = print_ready(urls) {
        eprintln!("{program}: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    run_until_killed().await;
    ExitCode::SUCCESS
}

/// Waits forever: a standalone mock serves until it is killed (SIGTERM or SIGINT end the
/// process with their default action).
pub async fn run_until_killed() {
    std::future::pending::<()>().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serve_refuses_a_ca_file_without_tls_before_printing_ready() {
        let code = serve(
            "m",
            None,
            &["http://127.0.0.1:1".to_owned()],
            Some("/nonexistent/ca.pem"),
        )
        .await;
        assert_eq!(code, ExitCode::FAILURE);
    }

    #[test]
    fn the_ready_line_lists_every_url() {
        assert_eq!(
            ready_line(&["http://a".to_owned(), "https://b".to_owned()]),
            "ready http://a https://b"
        );
    }
}
