//! `storkit-mock demo`: the demo handler, standalone, on chosen loopback addresses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use storkit_mock::cli::{self, Args, CliError};
use storkit_mock::demo::DemoApp;
use storkit_mock::{DnsServer, MockServer, ServerConfig, TlsSettings};

const PROGRAM: &str = "storkit-mock";

const USAGE: &str = "\
usage: storkit-mock demo [options]

Serves the demo app (GET /bytes/{n}, /echo, /sink, /status/{code}, /jobs) on loopback
addresses, prints `ready <url> [<url>...]` on stdout once it accepts connections, and runs
until killed.

options:
  --ips LIST           comma-separated loopback addresses (default 127.0.0.1)
  --port N             port for every address; 0 picks a free one (default 0)
  --tls                serve HTTPS with a certificate generated at start; its SHA-256
                       fingerprint is printed on stderr
  --name FQDN          DNS name for the certificate (and for --dns)
  --dns ADDR           also serve DNS on ADDR (UDP and TCP), answering FQDN with the
                       addresses; needs --name
  --ca-out FILE        write the CA certificate (PEM) to FILE; needs --tls
  --idle-close-ms N    close keep-alive connections idle for N milliseconds
  --log-capacity N     keep the latest N requests in the request log (default 10000,
                       so a long run, a benchmark say, does not grow without bound)
  -h, --help           print this help";

/// The request log's default capacity for the standalone server.
const DEFAULT_LOG_CAPACITY: usize = cli::STANDALONE_LOG_CAPACITY;

struct Demo {
    config: ServerConfig,
    log_capacity: usize,
    name: Option<String>,
    dns: Option<SocketAddr>,
    ca_out: Option<String>,
}

fn parse(raw: Vec<String>) -> Result<Demo, CliError> {
    let args = Args::parse(
        raw,
        &["tls"],
        &[
            "ips",
            "port",
            "name",
            "dns",
            "ca-out",
            "idle-close-ms",
            "log-capacity",
        ],
    )?;
    match args.positionals() {
        [command] if command == "demo" => {}
        [] => return Err(CliError::Other("missing command (try `demo`)".into())),
        [other, ..] => return Err(CliError::Other(format!("unknown command {other:?}"))),
    }
    let ips = args
        .ip_list("ips")?
        .unwrap_or_else(|| vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    if let Some(ip) = ips.iter().find(|ip| !ip.is_loopback()) {
        return Err(CliError::Invalid {
            name: "ips".into(),
            value: ip.to_string(),
            reason: "not a loopback address".into(),
        });
    }
    let name = args.value("name").map(str::to_owned);
    let tls = args.flag("tls");
    let dns = args.parse_value::<SocketAddr>("dns")?;
    let ca_out = args.value("ca-out").map(str::to_owned);
    if dns.is_some() && name.is_none() {
        return Err(CliError::Other("--dns needs --name".into()));
    }
    if ca_out.is_some() && !tls {
        return Err(CliError::Other("--ca-out needs --tls".into()));
    }

    let mut config = ServerConfig::new()
        .ips(ips)
        .port(args.parse_value("port")?.unwrap_or(0));
    if tls {
        config = config.tls(TlsSettings::new(name.clone()));
    }
    if let Some(ms) = args.parse_value::<u64>("idle-close-ms")? {
        config = config.idle_close(Duration::from_millis(ms));
    }
    if let Some(name) = &name {
        config = config.host_name(name.clone());
    }
    let log_capacity = args
        .parse_value::<usize>("log-capacity")?
        .unwrap_or(DEFAULT_LOG_CAPACITY);
    Ok(Demo {
        config,
        log_capacity,
        name,
        dns,
        ca_out,
    })
}

fn main() -> ExitCode {
    cli::main(PROGRAM, USAGE, parse, run)
}

async fn run(demo: Demo) -> ExitCode {
    let ips = demo.config.ips.clone();
    let server = match MockServer::start(demo.config, DemoApp::new()).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("{PROGRAM}: {error}");
            return ExitCode::FAILURE;
        }
    };
    server.log().set_capacity(Some(demo.log_capacity));
    // Kept alive until the process is killed.
    let _dns = match (demo.dns, &demo.name) {
        (Some(addr), Some(name)) => match DnsServer::start(addr).await {
            Ok(dns) => {
                dns.set(name, ips);
                eprintln!("dns {} {name}", dns.addr());
                Some(dns)
            }
            Err(error) => {
                eprintln!("{PROGRAM}: {error}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    if let Some(tls) = server.tls() {
        cli::print_fingerprint(tls);
        if let Some(path) = &demo.ca_out
            && let Err(error) = std::fs::write(path, tls.ca_pem())
        {
            eprintln!("{PROGRAM}: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = cli::print_ready(&server.urls()) {
        eprintln!("{PROGRAM}: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    cli::run_until_killed().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_request_log_is_bounded_by_default_and_on_demand() {
        let demo = parse(strings(&["demo"]))
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(demo.log_capacity, DEFAULT_LOG_CAPACITY);
        let demo = parse(strings(&["demo", "--log-capacity", "5"]))
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(demo.log_capacity, 5);
        assert!(parse(strings(&["demo", "--log-capacity", "many"])).is_err());
    }
}
