//! Python hcpsdk 0.9.5.post1, unmodified, against the mock: `tests/python/hcpsdk_flow.py`.
//!
//! The virtual environment lives in the cargo target directory (`hcpsdk-venv`) and is made
//! once; later runs reuse it. hcpsdk picks TLS by port (443, 8000, 9090) and its MAPI classes
//! insist on port 9090, so this test binds those fixed ports, on addresses of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use storkit_hcp_mock::{HcpConfig, HcpMock};

use crate::support::ip;

const HCPSDK: &str = "hcpsdk==0.9.5.post1";

/// `<target>/hcpsdk-venv`, from this test binary's path (`<target>/debug/deps/...`).
fn venv_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    target.join("hcpsdk-venv")
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{command:?} failed ({}):\n{text}", output.status))
    }
}

/// The venv's python with hcpsdk installed, installing it (from PyPI) when missing.
fn python_with_hcpsdk() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let ready = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import hcpsdk, dns.resolver; assert hcpsdk.version() == '0.9.5-1'",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return python;
    }
    let interpreter = ["python3.11", "python3"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("no python3 on PATH: this test needs python3 (3.11) with venv");
    run(Command::new(interpreter)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))
    .unwrap_or_else(|e| panic!("cannot create the virtual environment: {e}"));
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        HCPSDK,
    ]))
    .unwrap_or_else(|e| panic!("cannot install {HCPSDK} from PyPI (is PyPI reachable?): {e}"));
    assert!(ready(&python), "{HCPSDK} installed but does not import");
    python
}

#[tokio::test]
async fn hcpsdk_runs_unmodified_against_the_mock() {
    let python = tokio::task::spawn_blocking(python_with_hcpsdk)
        .await
        .unwrap();
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
