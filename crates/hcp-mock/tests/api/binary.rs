//! The standalone binary prints `ready` once it serves, with its MAPI and DNS addresses.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use http::Method;

use crate::support::{N1, n_auth, tls_client};

/// Kills the mock when the test ends, passed or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_ready_and_serves() {
    let ca_file =
        std::env::temp_dir().join(format!("storkit-hcp-mock-ca-{}.pem", std::process::id()));
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_storkit-hcp-mock"))
            .args([
                "--ips",
                "127.0.7.50,127.0.7.51",
                "--port",
                "0",
                "--tls",
                "--mapi-port",
                "0",
                "--dns",
                "127.0.7.50:0",
                "--domain",
                "hcp1.example",
                "--tenant",
                "m",
                "--namespace",
                "n1",
                "--user",
                "n",
                "--password",
                "n01",
                "--ca-out",
            ])
            .arg(&ca_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(4)
            .collect::<Result<Vec<_>, _>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines).await;
    let lines = lines.expect("ready in time").unwrap().unwrap();
    assert!(
        lines[0].starts_with("ready https://127.0.7.50:"),
        "{lines:?}"
    );
    assert_eq!(lines[0].split(' ').count(), 3, "{lines:?}");
    assert!(
        lines[1].starts_with("mapi https://127.0.7.50:"),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("dns 127.0.7.50:"), "{lines:?}");
    assert!(lines[3].contains("n1.m.hcp1.example"), "{lines:?}");
    let ca = std::fs::read_to_string(&ca_file).unwrap();
    let url = lines[0].split(' ').nth(2).unwrap();
    let put = crate::support::send(
        &tls_client(&ca),
        Method::PUT,
        &format!("{url}/rest/from-binary.txt"),
        &[("host", N1), ("authorization", &n_auth())],
        storkit_mock::body::full("hello"),
    )
    .await;
    assert_eq!(put.status, 201);
    let _ = std::fs::remove_file(&ca_file);
}

#[tokio::test]
async fn the_binary_takes_versioning_ad_users_and_link_types() {
    let ca_file = std::env::temp_dir().join(format!(
        "storkit-hcp-mock-ca-flags-{}.pem",
        std::process::id()
    ));
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_storkit-hcp-mock"))
            .args([
                "--ips",
                "127.0.7.212,127.0.7.213",
                "--port",
                "0",
                "--tls",
                "--mapi-port",
                "0",
                "--dns",
                "127.0.7.212:0",
                "--versioning",
                "--ad-user",
                "lgreen@example.com",
                "--ad-password",
                "p4ssw0rd",
                "--link",
                "to-hcp3",
                "--link-type",
                "OUTBOUND",
                "--software-version",
                "9.0.0.2",
                "--ca-out",
            ])
            .arg(&ca_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(4)
            .collect::<Result<Vec<_>, _>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    assert!(
        lines[3].contains("default.default.hcp1.example"),
        "{lines:?}"
    );
    let ca = std::fs::read_to_string(&ca_file).unwrap();
    let client = tls_client(&ca);
    let data = lines[0].split(' ').nth(1).unwrap().to_owned();
    let mapi = lines[1].split(' ').nth(1).unwrap().to_owned();
    let ad = "AD lgreen@example.com:p4ssw0rd";
    let put = |body: &'static str| {
        let (client, data) = (&client, &data);
        async move {
            crate::support::send(
                client,
                Method::PUT,
                &format!("{data}/rest/v.txt"),
                &[("host", N1), ("authorization", ad)],
                storkit_mock::body::full(body),
            )
            .await
        }
    };
    assert_eq!(put("one").await.status, 201);
    assert_eq!(put("two").await.status, 201, "--versioning: a new version");
    let admin = format!("HCP {}", storkit_hcp_mock::token("service", "service01"));
    let link = crate::support::send(
        &client,
        Method::GET,
        &format!("{mapi}/mapi/services/replication/links/to-hcp3"),
        &[("host", crate::support::ADMIN), ("authorization", &admin)],
        storkit_mock::body::empty(),
    )
    .await;
    assert_eq!(link.header("x-hcp-softwareversion"), Some("9.0.0.2"));
    assert!(
        link.text().contains("<type>OUTBOUND</type>"),
        "{}",
        link.text()
    );
    let _ = std::fs::remove_file(&ca_file);
}
