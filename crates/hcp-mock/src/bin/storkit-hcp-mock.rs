//! `storkit-hcp-mock`: one mock HCP system, standalone.
//!
//! Prints `ready <data url> [<data url>...]` on stdout once it accepts connections, then
//! `mapi <url>...`, `dns <addr>` and `fqdn <name>...` lines, and serves until killed.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use storkit_hcp_mock::{HcpConfig, HcpMock, LinkConfig, LinkType, NamespaceConfig};
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
  --versioning             keep object versions in every namespace (PUT on an existing
                           object stores a new version; ?version=list lists them)
  --mapi-port N            MAPI port (default 9090)
  --dns IP:PORT            where the DNS server listens (default first node IP, port 0)
  --domain NAME            the system's domain (default hcp1.example)
  --tenant NAME            the tenant (default m)
  --namespace NS[,NS...]   its namespaces (default n1)
  --default-namespace NS   the namespace for a Host that names none (default the first)
  --no-legacy-namespace    do not serve the legacy default namespace default.default.<domain>
  --hash-scheme SCHEME     the namespaces' hash scheme: SHA-256 (default) or MD5
  --retention-mode MODE    enterprise (default) or compliance
  --user USER              data access user with access to every namespace (default n)
  --password PASS          its password (default n01)
  --ad-user USER           also an Active Directory user (Authorization: AD user:password)
                           with access to every namespace, e.g. lgreen@example.com
  --ad-password PASS       its password (required with --ad-user)
  --admin-user USER        system-level MAPI user (default service)
  --admin-password PASS    its password (default service01)
  --link NAME              a replication link (default hcp1--<-->--hcp2)
  --link-type TYPE         its type: ACTIVE_ACTIVE (default), OUTBOUND or INBOUND
  --link-remote-host HOSTS its connection/remoteHost (default 192.0.2.56, ...)
  --software-version V     the reported HCP version (default 7.1.0.10)
  --log-prepare-ms MS      how long a log collection takes to become ready (default 200)
  --idle-close SECS        close idle keep-alive connections after SECS seconds, silently
  --max-object-size BYTES  the largest object a PUT may store (default 268435456, 256 MiB)
  --ca-out FILE            write the CA certificate (PEM) to FILE
  -h, --help               print this help";

const FLAGS: [&str; 3] = ["tls", "versioning", "no-legacy-namespace"];
const OPTIONS: [&str; 24] = [
    "ips",
    "port",
    "mapi-port",
    "dns",
    "domain",
    "tenant",
    "namespace",
    "default-namespace",
    "hash-scheme",
    "retention-mode",
    "user",
    "password",
    "ad-user",
    "ad-password",
    "admin-user",
    "admin-password",
    "link",
    "link-type",
    "link-remote-host",
    "software-version",
    "log-prepare-ms",
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
    let mut config = HcpConfig::new(domain)
        .tls(tls)
        .legacy_default_namespace(!args.flag("no-legacy-namespace"));
    let hash_scheme = args.value("hash-scheme").unwrap_or("SHA-256");
    if !matches!(hash_scheme, "SHA-256" | "MD5") {
        return Err(invalid("hash-scheme", hash_scheme, "SHA-256 or MD5"));
    }
    let retention_mode = args.value("retention-mode").unwrap_or("enterprise");
    if !matches!(retention_mode, "enterprise" | "compliance") {
        return Err(invalid(
            "retention-mode",
            retention_mode,
            "enterprise or compliance",
        ));
    }
    for namespace in args
        .value("namespace")
        .unwrap_or("n1")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        config = config.namespace_config(
            tenant,
            NamespaceConfig::new(namespace)
                .versioning(args.flag("versioning"))
                .hash_scheme(hash_scheme)
                .retention_mode(retention_mode),
        );
    }
    if let Some(namespace) = args.value("default-namespace") {
        config = config.default_namespace(tenant, namespace);
    }
    config = config.user(
        tenant,
        args.value("user").unwrap_or("n"),
        args.value("password").unwrap_or("n01"),
    );
    match (args.value("ad-user"), args.value("ad-password")) {
        (Some(user), Some(password)) => config = config.ad_user(tenant, user, password),
        (None, None) => {}
        (Some(_), None) => {
            return Err(CliError::Other("--ad-user needs --ad-password".into()));
        }
        (None, Some(_)) => {
            return Err(CliError::Other("--ad-password needs --ad-user".into()));
        }
    }
    let link_type = match args.value("link-type") {
        None => LinkType::ActiveActive,
        Some(name) => LinkType::from_name(name)
            .ok_or_else(|| invalid("link-type", name, "ACTIVE_ACTIVE, OUTBOUND or INBOUND"))?,
    };
    let mut link = LinkConfig::new(args.value("link").unwrap_or("hcp1--<-->--hcp2"), link_type);
    if let Some(hosts) = args.value("link-remote-host") {
        link = link.remote_host(hosts);
    }
    if let Some(version) = args.value("software-version") {
        config = config.software_version(version);
    }
    if let Some(ms) = args.parse_value::<u64>("log-prepare-ms")? {
        config = config.log_prepare_time(Duration::from_millis(ms));
    }
    config = config
        .admin(
            args.value("admin-user").unwrap_or("service"),
            args.value("admin-password").unwrap_or("service01"),
        )
        .link(link)
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

fn invalid(name: &str, value: &str, reason: &str) -> CliError {
    CliError::Invalid {
        name: name.to_owned(),
        value: value.to_owned(),
        reason: format!("expected {reason}"),
    }
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
        assert!(!config.tenants[0].namespaces[0].versioning);
        assert!(config.legacy_default_namespace);
        assert_eq!(config.links[0].link_type, LinkType::ActiveActive);
        assert!(config.users.iter().all(|u| !u.ad));
    }

    #[test]
    fn parses_the_new_flags() {
        let config = parse(&strings(&[
            "--versioning",
            "--no-legacy-namespace",
            "--namespace",
            "n1,n2",
            "--default-namespace",
            "n2",
            "--hash-scheme",
            "MD5",
            "--retention-mode",
            "compliance",
            "--ad-user",
            "lgreen@example.com",
            "--ad-password",
            "p4ssw0rd",
            "--link",
            "to-hcp3",
            "--link-type",
            "outbound",
            "--link-remote-host",
            "192.0.2.9",
            "--software-version",
            "9.0.0.2",
            "--log-prepare-ms",
            "50",
        ]))
        .map(|o| o.config)
        .unwrap_or_else(|e| panic!("{e}"));
        let namespaces = &config.tenants[0].namespaces;
        assert!(namespaces.iter().all(|n| n.versioning));
        assert!(namespaces.iter().all(|n| n.hash_scheme == "MD5"));
        assert!(namespaces.iter().all(|n| n.retention_mode == "compliance"));
        assert_eq!(config.default_namespace, Some(("m".into(), "n2".into())));
        assert!(!config.legacy_default_namespace);
        let ad = config.users.iter().find(|u| u.ad).unwrap();
        assert_eq!(
            (ad.name.as_str(), ad.password.as_str()),
            ("lgreen@example.com", "p4ssw0rd")
        );
        assert_eq!(config.links[0].name, "to-hcp3");
        assert_eq!(config.links[0].link_type, LinkType::Outbound);
        assert_eq!(config.links[0].remote_host, "192.0.2.9");
        assert_eq!(config.software_version, "9.0.0.2");
        assert_eq!(config.log_prepare_time, Duration::from_millis(50));
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
            &["--link-type", "sideways"],
            &["--hash-scheme", "CRC32"],
            &["--retention-mode", "lax"],
            &["--ad-user", "x"],
            &["--ad-password", "x"],
            &["--versioning=yes"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
