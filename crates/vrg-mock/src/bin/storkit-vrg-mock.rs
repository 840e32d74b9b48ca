//! `storkit-vrg-mock`: one mock VRG, standalone. Prints `ready <url>` on stdout once it
//! accepts connections and serves until killed.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use storkit_mock::cli::{self, Args, CliError};
use storkit_vrg_mock::{PairKeys, Role, SeedShapes, VrgConfig, VrgMock};

const PROGRAM: &str = "storkit-vrg-mock";

const USAGE: &str = "\
usage: storkit-vrg-mock --listen IP:PORT --user USER --password PASS [options]

Serves one mock Huawei FusionCompute VRG (interface v1.0, base path /vrgservice) on a
loopback address, prints `ready <url>` on stdout once it accepts connections, and runs
until killed. Errors answer in Chinese unless the request's Accept-Language starts with en.

options:
  --listen IP:PORT         loopback address and port (default 127.0.0.1:8080; port 0 picks one)
  --tls                    serve HTTPS with a certificate generated at start
  --ca-out FILE            write the CA certificate (PEM) to FILE (with --tls)
  --user USER              a user who may log in (default admin)
  --password PASS          its password; clients send its lowercase hex SHA-256 (default admin)
  --key-any-case           accept X-Auth-Key in uppercase hex too
  --validity-ms N          token lifetime in ms (default 600000)
  --sliding                renew tokens on every use
  --lockout-secs N         lock after 3 wrong passwords, seconds (default 300)
  --pair-delay-ms N        pairing stays at status 2 this long (default 50)
  --strategy-delay-ms N    DR volumes stay at volStatus 5 this long (default 50)
  --role production|dr     the VRG's side (default production)
  --failover               a failover is in progress (vmdrstatus answers on the DR side)
  --uuid UUID              the VRG uuid the login answers
  --peer-network IP:PORT   the type-2 network (to the peer VRG) GET /netinfos reports
  --cna-network IP:PORT    the type-1 network (to the CNA nodes) GET /netinfos reports
  --pair-keys both|camel|snake
                           POST /vrgmap key spellings accepted (default both)
  --unauthenticated-401    answer 10440102 with HTTP 401 instead of 400
  --seed-shapes            answer with every sample spelling of the interface document
  -h, --help               print this help";

const FLAGS: [&str; 6] = [
    "tls",
    "sliding",
    "failover",
    "unauthenticated-401",
    "seed-shapes",
    "key-any-case",
];
const OPTIONS: [&str; 13] = [
    "peer-network",
    "cna-network",
    "listen",
    "ca-out",
    "user",
    "password",
    "validity-ms",
    "lockout-secs",
    "pair-delay-ms",
    "strategy-delay-ms",
    "role",
    "uuid",
    "pair-keys",
];

struct Options {
    config: VrgConfig,
    ca_out: Option<String>,
}

fn invalid(name: &str, value: &str, reason: &str) -> CliError {
    CliError::Invalid {
        name: name.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn parse(raw: &[String]) -> Result<Options, CliError> {
    let args = Args::parse(raw.iter().cloned(), &FLAGS, &OPTIONS)?;
    if let Some(extra) = args.positionals().first() {
        return Err(CliError::Other(format!("unexpected argument {extra:?}")));
    }
    let listen = args
        .parse_value::<SocketAddr>("listen")?
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    if !listen.ip().is_loopback() {
        return Err(invalid(
            "listen",
            &listen.to_string(),
            "not a loopback address",
        ));
    }
    let user = args.value("user").unwrap_or("admin");
    if !(1..=20).contains(&user.chars().count()) {
        return Err(invalid("user", user, "a user name is 1-20 characters"));
    }
    let mut config = VrgConfig::new()
        .ip(listen.ip())
        .port(listen.port())
        .tls(args.flag("tls"))
        .user(user, args.value("password").unwrap_or("admin"))
        .sliding(args.flag("sliding"))
        .failover(args.flag("failover"))
        .key_any_case(args.flag("key-any-case"));
    if let Some(ms) = args.parse_value::<u64>("validity-ms")? {
        config = config.validity(Duration::from_millis(ms));
    }
    if let Some(secs) = args.parse_value::<u64>("lockout-secs")? {
        config = config.lockout(Duration::from_secs(secs));
    }
    if let Some(ms) = args.parse_value::<u64>("pair-delay-ms")? {
        config = config.pair_delay(Duration::from_millis(ms));
    }
    if let Some(ms) = args.parse_value::<u64>("strategy-delay-ms")? {
        config = config.strategy_delay(Duration::from_millis(ms));
    }
    if let Some(role) = args.value("role") {
        config = config.role(match role.to_ascii_lowercase().as_str() {
            "production" => Role::Production,
            "dr" => Role::Dr,
            _ => return Err(invalid("role", role, "expected production or dr")),
        });
    }
    if let Some(uuid) = args.value("uuid") {
        config = config.uuid(uuid);
    }
    if let Some(addr) = args.parse_value::<std::net::SocketAddrV4>("peer-network")? {
        config = config.peer_network(*addr.ip(), addr.port());
    }
    if let Some(addr) = args.parse_value::<std::net::SocketAddrV4>("cna-network")? {
        config = config.cna_network(*addr.ip(), addr.port());
    }
    if let Some(keys) = args.value("pair-keys") {
        config = config.pair_key_style(match keys.to_ascii_lowercase().as_str() {
            "both" => PairKeys::Both,
            "camel" => PairKeys::CamelOnly,
            "snake" => PairKeys::SnakeOnly,
            _ => return Err(invalid("pair-keys", keys, "expected both, camel or snake")),
        });
    }
    if args.flag("unauthenticated-401") {
        config = config.unauthenticated_status(http::StatusCode::UNAUTHORIZED);
    }
    if args.flag("seed-shapes") {
        config = config.seed_shapes(SeedShapes::all());
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
    let mock = match VrgMock::start(options.config).await {
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
            "127.0.10.9:0",
            "--tls",
            "--ca-out",
            "/tmp/ca.pem",
            "--user",
            "admin",
            "--password",
            "pw",
            "--validity-ms",
            "1000",
            "--pair-delay-ms",
            "5",
            "--role",
            "dr",
            "--failover",
            "--pair-keys",
            "snake",
            "--seed-shapes",
            "--peer-network",
            "192.0.2.7:7001",
            "--cna-network",
            "192.0.2.8:7101",
        ]))
        .unwrap();
        let config = options.config;
        assert_eq!(config.peer_network, ("192.0.2.7".parse().unwrap(), 7001));
        assert_eq!(config.cna_network, ("192.0.2.8".parse().unwrap(), 7101));
        assert_eq!(
            config.ips,
            ["127.0.10.9".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!((config.port, config.tls), (0, true));
        assert_eq!(config.validity, Duration::from_millis(1000));
        assert_eq!(config.pair_delay, Duration::from_millis(5));
        assert_eq!((config.role, config.failover), (Role::Dr, true));
        assert_eq!(config.pair_keys, PairKeys::SnakeOnly);
        assert_eq!(config.seed_shapes, SeedShapes::all());
        assert_eq!(config.users[0].name, "admin");
        assert_eq!(options.ca_out.as_deref(), Some("/tmp/ca.pem"));
    }

    #[test]
    fn rejects_bad_lines() {
        for bad in [
            &["--bogus"][..],
            &["--listen", "10.0.0.1:8080"],
            &["--listen", "127.0.0.1"],
            &["--role", "both"],
            &["--pair-keys", "kebab"],
            &["--user", ""],
            &["--validity-ms", "soon"],
            &["positional"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
