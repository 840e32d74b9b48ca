//! The standalone binary prints `ready <url>` once it serves. Address 127.0.13.190.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{Req, exchange};

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
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_storkit-ontap-deploy-mock"))
            .args([
                "--listen",
                "127.0.13.190:0",
                "--user",
                "operator",
                "--password",
                "s3cret",
                "--job-step-ms",
                "5",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line)
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("ready http://")
        .unwrap_or_else(|| panic!("{line:?}"));
    let addr = url.parse().unwrap();
    let denied = exchange(addr, &Req::api("GET", "/clusters").auth("operator", "nope")).await;
    assert_eq!(denied.status, 401);
    let created = exchange(
        addr,
        &Req::api("POST", "/clusters?node_count=1")
            .json(&json!({"name": "standalone"}))
            .auth("operator", "s3cret"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let list = exchange(
        addr,
        &Req::api("GET", "/clusters?fields=name").auth("operator", "s3cret"),
    )
    .await;
    assert_eq!(list.records()[0]["name"], "standalone");
}
