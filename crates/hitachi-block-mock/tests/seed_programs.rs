//! Seed harness: Hitachi's two Python sample programs (`seeds/register_remote_storage.py` and
//! `seeds/shadowimage_pair.py`, unmodified) run with Python `requests` against two standalone
//! `storkit-hitachi-block-mock` processes over TLS: a "local" VSP G900 #410000 and a "remote"
//! VSP G900 #420000. The samples find the mocks through the parameter modules next to them,
//! which read `STORKIT_*` environment variables.
//!
//! Needs `python3` with `requests`; without it the test fails (never skips):
//! `python3 -m pip install -r crates/hitachi-block-mock/seeds/requirements.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use storkit_hitachi_block_mock::seeds::{self, KillOnDrop, host_port, read_in_background};

const BIN: &str = env!("CARGO_BIN_EXE_storkit-hitachi-block-mock");
const MODEL: &str = "VSP G900";
const LOCAL_IP: &str = "127.0.0.131";
const REMOTE_IP: &str = "127.0.0.132";
const LOCAL_SERIAL: u32 = 410_000;
const REMOTE_SERIAL: u32 = 420_000;
/// How long a mock may take to print its `ready` line.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one sample may run. Each job poll sleeps at least 1 s; the samples need 1 and 2
/// jobs, so a healthy run takes a few seconds.
const SEED_TIMEOUT: Duration = Duration::from_secs(60);

fn snapshot(text: &Arc<Mutex<String>>) -> String {
    text.lock().unwrap().clone()
}

/// One running mock storage system.
struct Mock {
    name: &'static str,
    url: String,
    host: String,
    port: u16,
    stderr: Arc<Mutex<String>>,
    _process: KillOnDrop,
}

impl Mock {
    fn start(name: &'static str, ip: &str, serial: u32, users: &[(&str, &str)]) -> Mock {
        let mut command = Command::new(BIN);
        command
            .args(["--listen", &format!("{ip}:0"), "--tls"])
            .args(["--model", MODEL, "--serial", &serial.to_string()])
            .args(["--job-ms", "200"]);
        for (user, password) in users {
            command.args(["--user", user, "--password", password]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {name} mock {BIN}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (stderr, _) = read_in_background(child.stderr.take().unwrap());
        let process = KillOnDrop(child);

        // The first stdout line is `ready <url> [<url>...]`; keep draining stdout afterwards.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            lines.map_while(Result::ok).for_each(drop);
        });
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            Ok(other) => panic!(
                "the {name} mock exited or closed stdout before `ready` ({other:?}); stderr:\n{}",
                snapshot(&stderr)
            ),
            Err(e) => panic!(
                "no `ready` line from the {name} mock within {READY_TIMEOUT:?} ({e}); stderr:\n{}",
                snapshot(&stderr)
            ),
        };
        let url = line
            .strip_prefix("ready ")
            .and_then(|urls| urls.split_whitespace().next())
            .unwrap_or_else(|| panic!("the {name} mock printed {line:?}, not `ready <url>`"))
            .to_owned();
        let (host, port) = host_port(&url).expect("the mock runs with --tls and a port");
        assert_eq!(host, ip, "the {name} mock listens on {url}");
        Mock {
            name,
            url,
            host,
            port,
            stderr,
            _process: process,
        }
    }
}

struct SeedRun {
    script: &'static str,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs one sample with `python3`, its parameter modules pointed at the mocks.
fn run_seed(script: &'static str, local: &Mock, remote: &Mock, workdir: &Path) -> SeedRun {
    let seeds = seeds::dir();
    let mut command = Command::new("python3");
    command
        .arg(seeds.join(script))
        .current_dir(workdir)
        .env("PYTHONPATH", &seeds)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONWARNINGS", "ignore:Unverified HTTPS request")
        .env("STORKIT_LOCAL_HOST", &local.host)
        .env("STORKIT_LOCAL_PORT", local.port.to_string())
        .env("STORKIT_LOCAL_MODEL", MODEL)
        .env("STORKIT_LOCAL_SERIAL", LOCAL_SERIAL.to_string())
        .env("STORKIT_REMOTE_HOST", &remote.host)
        .env("STORKIT_REMOTE_PORT", remote.port.to_string())
        .env("STORKIT_REMOTE_MODEL", MODEL)
        .env("STORKIT_REMOTE_SERIAL", REMOTE_SERIAL.to_string())
        // The mocks are on loopback: never go through a proxy from the environment.
        .env("NO_PROXY", "*")
        .env("no_proxy", "*");
    for proxy in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 {script}: {e}"));
    let (stdout, stdout_reader) = read_in_background(child.stdout.take().unwrap());
    let (stderr, stderr_reader) = read_in_background(child.stderr.take().unwrap());
    let mut process = KillOnDrop(child);

    let deadline = Instant::now() + SEED_TIMEOUT;
    let status = loop {
        if let Some(status) = process.0.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            drop(process);
            panic!(
                "{script} did not finish within {SEED_TIMEOUT:?}\n--- stdout\n{}--- stderr\n{}\
                 --- {} mock stderr\n{}--- {} mock stderr\n{}",
                snapshot(&stdout),
                snapshot(&stderr),
                local.name,
                snapshot(&local.stderr),
                remote.name,
                snapshot(&remote.stderr),
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    // Python was the only writer: its exit closed the pipes, so the readers are at EOF.
    stdout_reader.join().unwrap();
    stderr_reader.join().unwrap();
    let run = SeedRun {
        script,
        status,
        stdout: snapshot(&stdout),
        stderr: snapshot(&stderr),
    };
    println!(
        "=== python3 {script} ({})\n{}--- stderr\n{}",
        run.status, run.stdout, run.stderr
    );
    run
}

/// Asserts a clean run that printed every expected line. The samples catch their own errors
/// and still exit 0, so the output is what tells success from failure.
fn check(run: &SeedRun, expected: &[String], mocks: &[&Mock]) {
    let context = || {
        let mut text = format!(
            "python3 {} exited with {}\n--- stdout\n{}--- stderr\n{}",
            run.script, run.status, run.stdout, run.stderr
        );
        for mock in mocks {
            text.push_str(&format!(
                "--- {} mock ({}) stderr\n{}",
                mock.name,
                mock.url,
                snapshot(&mock.stderr)
            ));
        }
        text
    };
    assert!(run.status.success(), "{}", context());
    assert!(
        !run.stderr.contains("Error") && !run.stderr.contains("Traceback"),
        "the sample reported an error\n{}",
        context()
    );
    let lines: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    for want in expected {
        assert!(
            lines.iter().any(|line| line == want),
            "missing output line {want:?}\n{}",
            context()
        );
    }
    assert_eq!(
        lines.iter().rev().find(|line| !line.is_empty()).copied(),
        Some("Operation was completed."),
        "the sample did not end normally\n{}",
        context()
    );
}

#[test]
fn hitachi_sample_programs_run_unmodified_against_the_mock() {
    if let Err(e) = seeds::python_requests() {
        panic!("{e}");
    }

    let local = Mock::start(
        "local",
        LOCAL_IP,
        LOCAL_SERIAL,
        &[("local_user", "local_pass"), ("user1", "pass1")],
    );
    let remote = Mock::start(
        "remote",
        REMOTE_IP,
        REMOTE_SERIAL,
        &[("remote_user", "remote_pass")],
    );

    let workdir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seed_programs");
    let _ = std::fs::remove_dir_all(&workdir);
    std::fs::create_dir_all(&workdir).unwrap();

    // Seed 000: register the remote storage system on the local one.
    let run = run_seed("register_remote_storage.py", &local, &remote, &workdir);
    check(
        &run,
        &[
            "Print the remote storage device".to_owned(),
            "STORAGE DEVICE ID : 886000420000".to_owned(),
            format!("REST SERVER IP : {}", remote.host),
            format!("REST SERVER PORT : {}", remote.port),
            "MODEL : VSP G900".to_owned(),
            "SERIAL NUMBER : 420000".to_owned(),
            "Discard the remote session".to_owned(),
        ],
        &[&local, &remote],
    );

    // Seed 001: create a ShadowImage pair on the local system (LDEVs 347 and 348) and split it.
    let run = run_seed("shadowimage_pair.py", &local, &remote, &workdir);
    check(
        &run,
        &[
            "Action template(split):".to_owned(),
            "COPY GROUP NAME : SI_347".to_owned(),
            "COPY PAIR NAME : p_347-348".to_owned(),
            "P-VOL LDEV ID : 347".to_owned(),
            "S-VOL LDEV ID : 348".to_owned(),
            "P-VOL STATUS : PSUS".to_owned(),
            "S-VOL STATUS : SSUS".to_owned(),
            "LOCAL CLONE COPY PAIR ID : SI_347,SI_347P_,SI_347S_,p_347-348".to_owned(),
        ],
        &[&local],
    );
}
