//! Python hcpsdk 0.9.5.post1, unmodified, against the mock: `tests/python/hcpsdk_flow.py`.
//!
//! The virtual environment lives in the cargo target directory (`hcpsdk-venv`) and is made
//! once; later runs reuse it. hcpsdk picks TLS by port (443, 8000, 9090) and its MAPI classes
//! insist on port 9090, so this test binds those fixed ports, on addresses of its own.

use std::path::Path;
use std::process::Command;

use storkit_hcp_mock::python::{hcpsdk_python, run, target_dir};
use storkit_hcp_mock::{HcpConfig, HcpMock};

use crate::support::ip;

#[tokio::test]
async fn hcpsdk_runs_unmodified_against_the_mock() {
    let python = tokio::task::spawn_blocking(|| hcpsdk_python(&target_dir()))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"));
    let mock = HcpMock::start(
        HcpConfig::sample("hcp1.example")
            .ips([ip(90), ip(91), ip(92), ip(93)])
            .data_port(8000)
            .mapi_port(9090),
    )
    .await
    .unwrap();
    let work = std::env::temp_dir().join(format!("storkit-hcpsdk-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let ca = work.join("ca.pem");
    std::fs::write(&ca, mock.ca_pem()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/hcpsdk_flow.py");
    let dns = mock.dns_addr();
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .arg(dns.ip().to_string())
        .arg(dns.port().to_string())
        .arg(mock.domain())
        .arg(&ca)
        .arg(mock.data_port().to_string())
        .arg(mock.mapi_port().to_string())
        .arg(&work);
    let output = tokio::task::spawn_blocking(move || run(&mut command))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let output = output.unwrap_or_else(|e| panic!("the hcpsdk flow failed:\n{e}"));
    assert!(output.contains("HCPSDK FLOW OK"), "{output}");

    // What hcpsdk left behind, seen from the mock.
    assert!(mock.object("n1", "/rest/hcpsdk/test1.txt").is_none());
    let kept = mock.object("n1", "/rest/hcpsdk/a b+c.txt").unwrap();
    assert_eq!(&kept.data[..], b"spaces and plus");
    assert!(!kept.index);
    assert!(mock.is_directory("n1", "/rest/hcpsdk/dir1"));
    assert_eq!(mock.log_marks(), ["hello from hcpsdk"]);
    let chunked = mock.server().log().entries().into_iter().any(|e| {
        e.headers
            .get("transfer-encoding")
            .is_some_and(|v| v == "chunked")
    });
    assert!(chunked, "the file upload went chunked");
    // Round robin: hcpsdk spread its connections over the nodes.
    let mut nodes: Vec<_> = mock
        .server()
        .connections()
        .iter()
        .map(|c| c.node.ip())
        .collect();
    nodes.sort();
    nodes.dedup();
    assert!(nodes.len() >= 2, "{nodes:?}");
}
