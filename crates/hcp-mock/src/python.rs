//! Python hcpsdk for tests and benchmarks: a virtual environment with
//! `hcpsdk==0.9.5.post1` (and dnspython), made once under a directory (the cargo target
//! directory) and reused, installed from PyPI by the project's own code.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The hcpsdk release the mock is checked against.
pub const HCPSDK: &str = "hcpsdk==0.9.5.post1";

/// Runs `command`; its stdout and stderr together, or an error naming the command.
pub fn run(command: &mut Command) -> Result<String, String> {
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

/// The cargo target directory of the running test or bench binary
/// (`<target>/<profile>/deps/<binary>`), or the temp directory.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
}

/// The python of `<dir>/hcpsdk-venv` with [`HCPSDK`] importable, creating the venv and
/// installing it from PyPI when missing (python3 with `venv` is needed).
pub fn hcpsdk_python(dir: &Path) -> Result<PathBuf, String> {
    let venv = dir.join("hcpsdk-venv");
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
        return Ok(python);
    }
    let interpreter = ["python3.11", "python3"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or("no python3 on PATH: hcpsdk needs python3 (3.11) with venv")?;
    run(Command::new(interpreter)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))
    .map_err(|e| format!("cannot create the virtual environment: {e}"))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        HCPSDK,
    ]))
    .map_err(|e| format!("cannot install {HCPSDK} from PyPI (is PyPI reachable?): {e}"))?;
    if ready(&python) {
        Ok(python)
    } else {
        Err(format!("{HCPSDK} installed but does not import"))
    }
}
