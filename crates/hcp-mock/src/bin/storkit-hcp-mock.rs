//! `storkit-hcp-mock`: one mock HCP system, standalone.
//!
//! Prints `ready <data url> [<data url>...]` on stdout once it accepts connections, then
//! `mapi <url>...`, `dns <addr>` and `fqdn <name>...` lines, and serves until killed.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use storkit_hcp_mock::{HcpConfig, HcpMock, LinkConfig, LinkType};
use storkit_mock::cli::{self, Args, CliError};

/// With the `mimalloc` feature (the benchmark's build), the mock allocates with mimalloc, so
/// that the server's share of a loopback benchmark's two cores stays small.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROGRAM: &str = "storkit-hcp-mock";

const USAGE: &str = "\
usage: storkit-hcp-mock [options]

Serves one mock Hitachi Content Platform system (native REST, /proc, MAPI) on loopback
addresses, with its own DNS server, prints `ready <url> [<url>...]` on stdout once it
accepts connections (then `mapi <url>...`, `dns <addr>`, `fqdn <name>...`), and runs until
killed.

options:
  --ips IP,IP,...          loopback node addresses (default 127.0.0.1)
  --port N                 data port on every node; 0 picks a free one
                           (default 443 with --tls, 80 without)
  --tls                    serve the data port with TLS (MAPI always uses TLS)
  --mapi-port N            MAPI port (default 9090)
  --dns IP:PORT            where the DNS server listens (default first node IP, port 0)
  --domain NAME            the system's domain (default hcp1.example)
  --tenant NAME            the tenant (default m)
  --namespace NS[,NS...]   its namespaces (default n1)
  --user USER              data access user with access to every namespace (default n)
  --password PASS          its password (default n01)
  --admin-user USER        system-level MAPI user (default service)
  --admin-password PASS    its password (default service01)
  --link NAME              an active/active replication link (default hcp1--<-->--hcp2)
  --idle-close SECS        close idle keep-alive connections after SECS seconds, silently
  --max-object-size BYTES  the largest object a PUT may store (default 268435456, 256 MiB)
  --ca-out FILE            write the CA certificate (PEM) to FILE
  -h, --help               print this help";

const FLAGS: [&str; 1] = ["tls"];
const OPTIONS: [&str; 15] = [
    "ips",
    "port",
    "mapi-port",
    "dns",
    "domain",
    "tenant",
    "namespace",
    "user",
    "password",
    "admin-user",
    "admin-password",
    "link",
    "idle-close",
    "max-object-size",
    "ca-out",
];

struct Options {
    config: HcpConfig,
    ca_out: Option<String>,
}

fn parse(raw: &[String]) -> Result<Options, CliError> {
    let args = Args::parse(raw.iter().cloned(), &FLAGS, &OPTIONS)?;
    if let Some(extra) = args.positionals().first() {
        return Err(CliError::Other(format!("unexpected argument {extra:?}")));
    }
    let tls = args.flag("tls");
    let domain = args.value("domain").unwrap_or("hcp1.example");
    let tenant = args.value("tenant").unwrap_or("m");
    let mut config = HcpConfig::new(domain).tls(tls);
    for namespace in args
        .value("namespace")
        .unwrap_or("n1")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        config = config.namespace(tenant, namespace);
    }
    config = config
        .user(
            tenant,
            args.value("user").unwrap_or("n"),
            args.value("password").unwrap_or("n01"),
        )
        .admin(
            args.value("admin-user").unwrap_or("service"),
            args.value("admin-password").unwrap_or("service01"),
        )
        .link(LinkConfig::new(
            args.value("link").unwrap_or("hcp1--<-->--hcp2"),
            LinkType::ActiveActive,
        ))
        .data_port(
            args.parse_value("port")?
                .unwrap_or(if tls { 443 } else { 80 }),
        )
        .mapi_port(args.parse_value("mapi-port")?.unwrap_or(9090));
    if let Some(ips) = args.ip_list("ips")? {
        if let Some(ip) = ips.iter().find(|ip| !ip.is_loopback()) {
            return Err(CliError::Invalid {
                name: "ips".into(),
                value: ip.to_string(),
                reason: "not a loopback address".into(),
            });
        }
        config = config.ips(ips);
    }
    if let Some(dns) = args.parse_value::<SocketAddr>("dns")? {
        config = config.dns_bind(dns);
    }
    if let Some(secs) = args.parse_value::<u64>("idle-close")? {
        config = config.idle_close(Duration::from_secs(secs));
    }
    // The object store is in memory; a bigger limit lets a benchmark stream 1 GiB through.
    if let Some(bytes) = args.parse_value::<u64>("max-object-size")? {
        config = config.max_object_size(bytes);
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
    let mock = match HcpMock::start(options.config).await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("{PROGRAM}: {error}");
            return ExitCode::FAILURE;
        }
    };
    cli::bound_log(mock.server());
    if let Some(tls) = mock.server().tls() {
        cli::print_fingerprint(tls);
    }
    if let Some(path) = &options.ca_out
        && let Err(error) = std::fs::write(path, mock.ca_pem())
    {
        eprintln!("{PROGRAM}: cannot write {path}: {error}");
        return ExitCode::FAILURE;
    }
    let lines = [
        cli::ready_line(&mock.data_urls()),
        format!("mapi {}", mock.mapi_urls().join(" ")),
        format!("dns {}", mock.dns_addr()),
        format!("fqdn {}", mock.fqdns().join(" ")),
    ];
    let mut stdout = std::io::stdout().lock();
    let written = lines
        .iter()
        .try_for_each(|line| writeln!(stdout, "{line}"))
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = written {
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
    fn parses_the_documented_line() {
        let options = parse(&strings(&[
            "--ips",
            "127.0.0.11,127.0.0.12",
            "--port",
            "0",
            "--tls",
            "--mapi-port",
            "0",
            "--dns",
            "127.0.0.1:0",
            "--domain",
            "hcp1.example",
            "--tenant",
            "m",
            "--namespace",
            "n1,n2",
            "--user",
            "n",
            "--password",
            "n01",
            "--max-object-size",
            "1073741824",
        ]))
        .map_err(|e| e.to_string());
        let config = options.map(|o| o.config);
        assert!(config.is_ok(), "{:?}", config.err());
        let config = config.unwrap_or_else(|_| HcpConfig::new("x"));
        assert_eq!(config.ips.len(), 2);
        assert_eq!(config.tenants[0].namespaces.len(), 2);
        assert!(config.tls);
        assert_eq!(config.max_object_size, 1 << 30);
    }

    #[test]
    fn rejects_bad_lines() {
        for bad in [
            &["--bogus"][..],
            &["--ips", "10.0.0.1"],
            &["--port", "x"],
            &["--max-object-size", "1G"],
            &["--dns", "nowhere"],
            &["positional"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
