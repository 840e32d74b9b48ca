//! `storkit-ontap-deploy-mock`: one mock ONTAP Select Deploy, standalone. Prints
//! `ready <url>` on stdout once it accepts connections and serves until killed.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use storkit_mock::cli::{self, Args, CliError};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};

const PROGRAM: &str = "storkit-ontap-deploy-mock";

const USAGE: &str = "\
usage: storkit-ontap-deploy-mock --listen IP:PORT --user USER --password PASS [options]

Serves one mock NetApp ONTAP Select Deploy (REST API v3 under /api/v3, Basic auth) on a
loopback address, prints `ready <url>` on stdout once it accepts connections, and runs
until killed. Serves plain HTTP unless --tls is given.

options:
  --listen IP:PORT         loopback address and port (default 127.0.0.1:0; port 0 picks one)
  --tls                    serve HTTPS with a certificate generated at start (as Deploy does)
  --ca-out FILE            write the CA certificate (PEM) to FILE (with --tls)
  --user USER              the user Basic auth accepts (default admin)
  --password PASS          its password (default admin)
  --read-only-user USER    a user who may only GET (with --read-only-password)
  --read-only-password PASS
  --job-step-ms N          how long a job stays in each state, ms (default 60)
  --integer-error-codes    write error.code as a number instead of a string
  -h, --help               print this help";

const FLAGS: [&str; 2] = ["tls", "integer-error-codes"];
const OPTIONS: [&str; 7] = [
    "listen",
    "ca-out",
    "user",
    "password",
    "read-only-user",
    "read-only-password",
    "job-step-ms",
];

struct Options {
    config: DeployConfig,
    ca_out: Option<String>,
}

fn parse(raw: &[String]) -> Result<Options, CliError> {
    let args = Args::parse(raw.iter().cloned(), &FLAGS, &OPTIONS)?;
    if let Some(extra) = args.positionals().first() {
        return Err(CliError::Other(format!("unexpected argument {extra:?}")));
    }
    let listen = args
        .parse_value::<SocketAddr>("listen")?
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    if !listen.ip().is_loopback() {
        return Err(CliError::Invalid {
            name: "listen".into(),
            value: listen.to_string(),
            reason: "not a loopback address".into(),
        });
    }
    let user = args.value("user").unwrap_or("admin");
    if user.is_empty() || user.contains(':') {
        return Err(CliError::Invalid {
            name: "user".into(),
            value: user.into(),
            reason: "a user name is not empty and has no ':'".into(),
        });
    }
    let mut config = DeployConfig::new()
        .ip(listen.ip())
        .port(listen.port())
        .tls(args.flag("tls"))
        .user(user, args.value("password").unwrap_or("admin"))
        .integer_error_codes(args.flag("integer-error-codes"));
    match (
        args.value("read-only-user"),
        args.value("read-only-password"),
    ) {
        (Some(name), Some(password)) => config = config.read_only_user(name, password),
        (None, None) => {}
        _ => {
            return Err(CliError::Other(
                "--read-only-user and --read-only-password go together".into(),
            ));
        }
    }
    if let Some(ms) = args.parse_value::<u64>("job-step-ms")? {
        config = config.job_step(Duration::from_millis(ms));
    }
    Ok(Options {
        config,
        ca_out: args.value("ca-out").map(str::to_owned),
    })
}

fn main() -> ExitCode {
    cli::main(PROGRAM, USAGE, |raw: Vec<String>| parse(&raw), run)
}

async fn run(options: Options) -> ExitCode {
    let mock = match DeployMock::start(options.config).await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("{PROGRAM}: {error}");
            return ExitCode::FAILURE;
        }
    };
    cli::bound_log(mock.server());
    cli::serve(
        PROGRAM,
        mock.server().tls(),
        &[mock.url()],
        options.ca_out.as_deref(),
    )
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_the_documented_line() {
        let options = parse(&strings(&[
            "--listen",
            "127.0.13.9:0",
            "--tls",
            "--ca-out",
            "/tmp/ca.pem",
            "--user",
            "admin",
            "--password",
            "pw",
            "--read-only-user",
            "viewer",
            "--read-only-password",
            "v",
            "--job-step-ms",
            "5",
            "--integer-error-codes",
        ]))
        .unwrap();
        let config = options.config;
        assert_eq!(
            config.ips,
            ["127.0.13.9".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!((config.port, config.tls), (0, true));
        assert_eq!(config.job_step, Duration::from_millis(5));
        assert!(config.integer_error_codes);
        assert_eq!(config.users.len(), 2);
        assert!(config.users[1].read_only);
        assert!(config.users[0].password_is("pw"));
        assert_eq!(options.ca_out.as_deref(), Some("/tmp/ca.pem"));
        assert!(!parse(&[]).unwrap().config.tls);
    }

    #[test]
    fn rejects_bad_lines() {
        for bad in [
            &["--bogus"][..],
            &["--listen", "10.0.0.1:443"],
            &["--listen", "127.0.0.1"],
            &["--user", ""],
            &["--user", "a:b"],
            &["--read-only-user", "x"],
            &["--job-step-ms", "soon"],
            &["positional"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
