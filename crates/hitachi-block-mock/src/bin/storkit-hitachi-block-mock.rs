//! `storkit-hitachi-block-mock`: one mock Hitachi storage system, standalone.
//!
//! Prints `ready <url> [<url>...]` on stdout once it accepts connections and serves until
//! killed; the seeds' Python programs run against two of these (local and remote system).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::cli::{self, Args, CliError};
use storkit_mock::{ServerConfig, TlsSettings};

const PROGRAM: &str = "storkit-hitachi-block-mock";

const USAGE: &str = "\
usage: storkit-hitachi-block-mock --listen IP:PORT [--listen IP:PORT ...] [options]

Serves one mock Hitachi storage system (Configuration Manager REST API) on loopback
addresses, prints `ready <url> [<url>...]` on stdout once it accepts connections, and runs
until killed.

options:
  --listen IP:PORT     a loopback address to serve; repeat for more nodes (all on the
                       same port); PORT 0 picks a free one (default 127.0.0.1:0)
  --tls                serve HTTPS with a certificate generated at start; its SHA-256
                       fingerprint is printed on stderr
  --model NAME         storage model (default \"VSP G900\")
  --serial N           serial number (default 410000)
  --user USER          a user that may log in; repeat with --password for more users
  --password PASS      the password of the --user at the same position
                       (default user: user1 / pass1)
  --api-version V      reported API version (default 1.31.0)
  --job-ms N           how long asynchronous jobs take, in milliseconds (default 300)
  --copy-ms N          how long pair copies (COPY, RCPY) take (default: --job-ms)
  --alive-time N       default session idle timeout in seconds (default 300)
  --max-sessions N     session limit (default 64)
  --wait-cap-ms N      longest hold of Response-Job-Status: Completed (default 30000)
  --ca-out FILE        write the CA certificate (PEM) to FILE; needs --tls
  --fail-job CODE      make one asynchronous job end Failed (message KART30000-E) with
                       this code: SSB1/SSB2, e.g. B956/3173, or a RAID Manager return
                       code, e.g. EX_CMDRJE; the first job, or see --fail-job-on
  --fail-job-on TEXT   fail the first job whose request path contains TEXT instead,
                       e.g. /actions/split/invoke; needs --fail-job
  -h, --help           print this help";

/// Options that may be repeated, in order: `Args` keeps only the last value of each.
const REPEATED: [&str; 3] = ["listen", "user", "password"];

const FLAGS: [&str; 1] = ["tls"];
const OPTIONS: [&str; 14] = [
    "listen",
    "model",
    "serial",
    "user",
    "password",
    "api-version",
    "job-ms",
    "copy-ms",
    "alive-time",
    "max-sessions",
    "wait-cap-ms",
    "ca-out",
    "fail-job",
    "fail-job-on",
];

struct Options {
    server: ServerConfig,
    array: ArrayConfig,
    copy: Option<Duration>,
    ca_out: Option<String>,
    /// The job failure to arm: the text its request path must contain, and the failure.
    fail_job: Option<(Option<String>, JobFailure)>,
}

/// Every value of a repeatable option, in command-line order, with the same tokenizing as
/// [`Args::parse`] (which has already validated the line).
fn repeated(raw: &[String], name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut args = raw.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let Some(option) = arg.strip_prefix("--") else {
            continue;
        };
        match option.split_once('=') {
            Some((key, value)) if key == name => values.push(value.to_owned()),
            Some(_) => {}
            None if option == name => {
                if let Some(value) = args.next() {
                    values.push(value.clone());
                }
            }
            None => {
                // Skip the value of any other option so it is not read as an option name.
                if OPTIONS.contains(&option) && !FLAGS.contains(&option) && args.next().is_none() {
                    break;
                }
            }
        }
    }
    values
}

fn parse(raw: &[String]) -> Result<Options, CliError> {
    let args = Args::parse(raw.iter().cloned(), &FLAGS, &OPTIONS)?;
    if let Some(extra) = args.positionals().first() {
        return Err(CliError::Other(format!("unexpected argument {extra:?}")));
    }
    debug_assert!(REPEATED.iter().all(|r| OPTIONS.contains(r)));

    let listens = repeated(raw, "listen");
    let mut addrs = Vec::new();
    for listen in &listens {
        let addr: SocketAddr =
            listen
                .parse()
                .map_err(|e: std::net::AddrParseError| CliError::Invalid {
                    name: "listen".into(),
                    value: listen.clone(),
                    reason: e.to_string(),
                })?;
        if !addr.ip().is_loopback() {
            return Err(CliError::Invalid {
                name: "listen".into(),
                value: listen.clone(),
                reason: "not a loopback address".into(),
            });
        }
        addrs.push(addr);
    }
    if addrs.is_empty() {
        addrs.push(SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    let port = addrs[0].port();
    if addrs.iter().any(|a| a.port() != port) {
        return Err(CliError::Other(
            "every --listen must use the same port (the nodes of one system share it)".into(),
        ));
    }
    let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();

    let users = repeated(raw, "user");
    let passwords = repeated(raw, "password");
    if users.len() != passwords.len() {
        return Err(CliError::Other(
            "give exactly one --password for each --user".into(),
        ));
    }

    let mut array = ArrayConfig::new(
        args.value("model").unwrap_or("VSP G900"),
        args.parse_value("serial")?.unwrap_or(410_000),
    );
    for (user, password) in users.into_iter().zip(passwords) {
        array = array.user(user, password);
    }
    if let Some(version) = args.value("api-version") {
        let mut parts = version.split('.');
        let numeric = |p: Option<&str>| p.is_some_and(|p| p.parse::<u32>().is_ok());
        if !(numeric(parts.next()) && numeric(parts.next())) {
            return Err(CliError::Invalid {
                name: "api-version".into(),
                value: version.to_owned(),
                reason: "the seeds read MAJOR.MINOR as integers".into(),
            });
        }
        array = array.api_version(version);
    }
    if let Some(ms) = args.parse_value::<u64>("job-ms")? {
        array = array.job_duration(Duration::from_millis(ms));
    }
    if let Some(secs) = args.parse_value::<u32>("alive-time")? {
        if !(1..=300).contains(&secs) {
            return Err(CliError::Invalid {
                name: "alive-time".into(),
                value: secs.to_string(),
                reason: "aliveTime is 1 to 300 seconds".into(),
            });
        }
        array = array.alive_time_default(secs);
    }
    if let Some(n) = args.parse_value::<usize>("max-sessions")? {
        array = array.max_sessions(n);
    }
    if let Some(ms) = args.parse_value::<u64>("wait-cap-ms")? {
        array = array.wait_cap(Duration::from_millis(ms));
    }
    let copy = args
        .parse_value::<u64>("copy-ms")?
        .map(Duration::from_millis);

    let fail_on = args.value("fail-job-on").map(str::to_owned);
    let fail_job = match args.value("fail-job") {
        Some(code) => Some((fail_on, job_failure(code)?)),
        None if fail_on.is_some() => {
            return Err(CliError::Other("--fail-job-on needs --fail-job".into()));
        }
        None => None,
    };

    let tls = args.flag("tls");
    let ca_out = args.value("ca-out").map(str::to_owned);
    if ca_out.is_some() && !tls {
        return Err(CliError::Other("--ca-out needs --tls".into()));
    }
    let mut server = ServerConfig::new().ips(ips).port(port);
    if tls {
        server = server.tls(TlsSettings::default());
    }
    Ok(Options {
        server,
        array,
        copy,
        ca_out,
        fail_job,
    })
}

/// `--fail-job`: `SSB1/SSB2` (four hex digits each) or a RAID Manager return code.
fn job_failure(code: &str) -> Result<JobFailure, CliError> {
    let message_id = "KART30000-E".to_owned();
    let hex4 = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let invalid = |reason: &str| CliError::Invalid {
        name: "fail-job".into(),
        value: code.to_owned(),
        reason: reason.into(),
    };
    match code.split_once('/') {
        Some((ssb1, ssb2)) if hex4(ssb1) && hex4(ssb2) => Ok(JobFailure::Ssb {
            ssb1: ssb1.to_owned(),
            ssb2: ssb2.to_owned(),
            message_id,
        }),
        Some(_) => Err(invalid("SSB1/SSB2 are four hexadecimal digits each")),
        None if !code.is_empty()
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            Ok(JobFailure::ReturnCode {
                code: code.to_owned(),
                message_id,
            })
        }
        None => Err(invalid("give SSB1/SSB2 or a return code such as EX_CMDRJE")),
    }
}

fn main() -> ExitCode {
    cli::main(PROGRAM, USAGE, |raw: Vec<String>| parse(&raw), run)
}

async fn run(options: Options) -> ExitCode {
    let mock = match HitachiMock::start(options.server, options.array).await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("{PROGRAM}: {error}");
            return ExitCode::FAILURE;
        }
    };
    cli::bound_log(mock.server());
    if let Some(copy) = options.copy {
        mock.set_copy_duration(copy);
    }
    match options.fail_job {
        Some((Some(on), failure)) => mock.fail_next_job_on(&on, failure),
        Some((None, failure)) => mock.fail_next_job(failure),
        None => {}
    }
    if let Some(tls) = mock.server().tls() {
        cli::print_fingerprint(tls);
        if let Some(path) = &options.ca_out
            && let Err(error) = std::fs::write(path, tls.ca_pem())
        {
            eprintln!("{PROGRAM}: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = cli::print_ready(&mock.urls()) {
        eprintln!("{PROGRAM}: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    cli::run_until_killed().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn collects_repeated_options_in_order() {
        let raw = strings(&[
            "--listen",
            "127.0.0.2:0",
            "--tls",
            "--model",
            "VSP G900",
            "--listen=127.0.0.3:0",
            "--user",
            "a",
            "--password",
            "pa",
            "--user",
            "b",
            "--password=pb",
        ]);
        assert_eq!(repeated(&raw, "listen"), ["127.0.0.2:0", "127.0.0.3:0"]);
        assert_eq!(repeated(&raw, "user"), ["a", "b"]);
        assert_eq!(repeated(&raw, "password"), ["pa", "pb"]);
        let options = parse(&raw).map_err(|e| e.to_string());
        assert!(options.is_ok(), "{options:?}", options = options.err());
    }

    #[test]
    fn reads_job_failures() {
        let options = parse(&strings(&[
            "--fail-job",
            "b956/3173",
            "--fail-job-on",
            "/actions/split/invoke",
        ]))
        .map_err(|e| e.to_string());
        let Ok(Options {
            fail_job: Some((on, failure)),
            ..
        }) = options
        else {
            panic!("--fail-job was not read");
        };
        assert_eq!(on.as_deref(), Some("/actions/split/invoke"));
        assert_eq!(
            failure,
            JobFailure::Ssb {
                ssb1: "b956".into(),
                ssb2: "3173".into(),
                message_id: "KART30000-E".into(),
            }
        );
        let options = parse(&strings(&["--fail-job", "EX_CMDRJE"])).map_err(|e| e.to_string());
        let Ok(Options {
            fail_job: Some((None, failure)),
            ..
        }) = options
        else {
            panic!("--fail-job was not read");
        };
        assert_eq!(
            failure,
            JobFailure::ReturnCode {
                code: "EX_CMDRJE".into(),
                message_id: "KART30000-E".into(),
            }
        );
    }

    #[test]
    fn rejects_bad_lines() {
        for bad in [
            &["--bogus"][..],
            &["--listen", "10.0.0.1:80"],
            &["--listen", "127.0.0.1:1", "--listen", "127.0.0.2:2"],
            &["--user", "a"],
            &["--serial", "x"],
            &["--api-version", "one.two"],
            &["positional"],
            &["--ca-out", "f"],
            &["--fail-job", "B956/31"],
            &["--fail-job", "EX CMDRJE"],
            &["--fail-job", ""],
            &["--fail-job-on", "/ldevs"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
