//! The `cli` helpers and the standalone `storkit-mock` binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use storkit_mock::cli::{Args, CliError, ready_line};

use crate::support::{FQDN, get, json_field, tls_client};

const BIN: &str = env!("CARGO_BIN_EXE_storkit-mock");

#[test]
fn args_parse_flags_options_and_positionals() {
    let args = Args::parse(
        [
            "demo",
            "--ips",
            "127.0.0.11, 127.0.0.12",
            "--tls",
            "--port=8443",
            "--",
            "--tls",
        ],
        &["tls"],
        &["ips", "port"],
    )
    .unwrap();
    assert_eq!(args.positionals(), ["demo", "--tls"]);
    assert!(args.flag("tls"));
    assert_eq!(args.value("port"), Some("8443"));
    assert_eq!(args.parse_value::<u16>("port").unwrap(), Some(8443));
    assert_eq!(args.ip_list("ips").unwrap().unwrap().len(), 2);
    assert_eq!(args.parse_value::<u16>("missing").unwrap(), None);

    let parse = |argv: &[&str]| Args::parse(argv.iter().copied(), &["tls"], &["port"]);
    assert_eq!(parse(&["--bogus"]), Err(CliError::Unknown("bogus".into())));
    assert_eq!(
        parse(&["--port"]),
        Err(CliError::MissingValue("port".into()))
    );
    assert_eq!(
        parse(&["--tls=yes"]),
        Err(CliError::UnexpectedValue("tls".into()))
    );
    let bad = parse(&["--port", "http"]).unwrap();
    assert!(matches!(
        bad.parse_value::<u16>("port"),
        Err(CliError::Invalid { name, .. }) if name == "port"
    ));
    let bad_ip = Args::parse(["--ips", "127.0.0.1,nope"], &[], &["ips"]).unwrap();
    assert!(bad_ip.ip_list("ips").is_err());

    assert_eq!(
        ready_line(&["http://127.0.0.11:1".into(), "http://127.0.0.12:1".into()]),
        "ready http://127.0.0.11:1 http://127.0.0.12:1"
    );
}

/// Kills the child however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[tokio::test]
async fn binary_serves_tls_prints_ready_and_fingerprint() {
    let ca_path = std::env::temp_dir().join(format!("storkit-mock-ca-{}.pem", std::process::id()));
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--ips",
            "127.0.0.11,127.0.0.12",
            "--port",
            "0",
            "--tls",
            "--name",
            FQDN,
            "--dns",
            "127.0.0.1:0",
            "--ca-out",
        ])
        .arg(&ca_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines(child.stdout.take().unwrap());
    let stderr = lines(child.stderr.take().unwrap());
    let _running = Running(child);

    let ready = stdout.recv_timeout(Duration::from_secs(20)).unwrap();
    let urls: Vec<&str> = ready.strip_prefix("ready ").unwrap().split(' ').collect();
    assert_eq!(urls.len(), 2);
    assert!(urls[0].starts_with("https://127.0.0.11:"), "{ready}");
    let port = urls[0].rsplit(':').next().unwrap();
    assert_eq!(urls[1], format!("https://127.0.0.12:{port}"));

    let err_lines: Vec<String> = (0..2)
        .map(|_| stderr.recv_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    assert!(
        err_lines.iter().any(|l| l.starts_with("dns 127.0.0.1:")),
        "{err_lines:?}"
    );
    let fingerprint = err_lines
        .iter()
        .find_map(|l| l.strip_prefix("fingerprint sha256 "))
        .unwrap();
    assert_eq!(fingerprint.len(), 32 * 3 - 1);

    let ca = std::fs::read_to_string(&ca_path).unwrap();
    let _ = std::fs::remove_file(&ca_path);
    let client = tls_client(&ca, Some(FQDN));
    for url in urls {
        let reply = get(&client, &format!("{url}/echo")).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(json_field(reply.text(), "sni").as_deref(), Some(FQDN));
    }
}

#[test]
fn binary_help_and_bad_flags() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: storkit-mock"));

    let bad = Command::new(BIN)
        .args(["demo", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option --bogus"));

    let bad = Command::new(BIN)
        .args(["demo", "--dns", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--dns needs --name"));

    let bad = Command::new(BIN).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
