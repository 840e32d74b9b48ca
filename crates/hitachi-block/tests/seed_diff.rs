//! Seed parity: each example prints what the vendor's sample program prints.
//!
//! For every case, Hitachi's Python sample (`hitachi-block-mock/seeds/*.py`, unmodified) runs
//! against fresh in-process mocks, then the Rust example runs against fresh mocks in the same
//! state (same configuration, same injected fault), and their stdout must be equal line for
//! line once the mocks' ports and the job ids are normalised. The seed's stdout is also
//! checked against the transcript written here, so that a fault that did not fire (both
//! programs succeeding) cannot pass as parity. Both must end the same way (exit status),
//! and both must write the case's error markers (`HTTP Error! status code : 503`, `Job
//! Error!`, ...) on stderr; the rest of stderr (a Python traceback, a Rust error chain) may
//! differ.
//!
//! Cases: success; a failed job with SSB1/SSB2 and one with a RAID Manager return code; a
//! 503 (the Hitachi server-busy body and the kit's plain one); a wrong password; an API
//! version too old; a server that refuses connections; a session discard refused. Seed 000
//! uses two mocks ("local" VSP G900 #410000 and "remote" #420000), seed 001 one.
//!
//! Loopback addresses: 127.0.16.1–127.0.16.30, one or two per case; the seed's mocks and
//! the example's use the same addresses on different ports.
//!
//! Needs `python3` with `requests` (`python3 -m pip install -r
//! crates/hitachi-block-mock/seeds/requirements.txt`) and the examples built next to this
//! test (`cargo test -p storkit-hitachi-block` builds them; with `--test seed_diff` alone,
//! run `cargo build -p storkit-hitachi-block --examples` first). Without either the test
//! fails; it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use storkit_core::http::Method;
use storkit_hitachi_block_mock::seeds::{self, KillOnDrop, host_port, read_in_background};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::{Fault, FaultAction, ServerConfig, TlsSettings};

const MODEL: &str = "VSP G900";
const LOCAL_SERIAL: u64 = 410_000;
const REMOTE_SERIAL: u64 = 420_000;
const LOCAL_SDID: &str = "886000410000";
const REMOTE_SDID: &str = "886000420000";
/// Shorter than the samples' first 1 s wait: each of their jobs costs one poll.
const JOB_DURATION: Duration = Duration::from_millis(100);
/// How long one program may run. The samples sleep 1 s per job and need at most 2 jobs.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
const BUILD_HINT: &str = "cargo build -p storkit-hitachi-block --examples \
     (a plain `cargo test -p storkit-hitachi-block` builds them too)";

// ---------------------------------------------------------------------------------------
// The programs and their mocks
// ---------------------------------------------------------------------------------------

/// One of the two samples and the example that reproduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    /// Seed 000: register a remote storage system (two arrays).
    Register,
    /// Seed 001: create and split a ShadowImage pair (one array).
    ShadowImage,
}

impl Program {
    fn script(self) -> &'static str {
        match self {
            Program::Register => "register_remote_storage.py",
            Program::ShadowImage => "shadowimage_pair.py",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Program::Register => "register_remote_storage",
            Program::ShadowImage => "shadowimage_pair",
        }
    }
}

/// Which mock a configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Local,
    Remote,
}

/// The mocks of one run: "local" always, "remote" for seed 000.
struct Mocks {
    local: HitachiMock,
    remote: Option<HitachiMock>,
}

impl Mocks {
    fn remote(&self) -> &HitachiMock {
        self.remote.as_ref().expect("this case has a remote mock")
    }

    /// `(text, placeholder)` pairs that make two runs comparable: the addresses are the
    /// same for both runs of a case, the ports are not.
    fn placeholders(&self) -> Vec<(String, &'static str)> {
        let mut subs = Vec::new();
        let mut add = |mock: &HitachiMock, ip: &'static str, port: &'static str| {
            let (host, p) = host_port(&mock.url()).expect("the mock runs HTTPS with a port");
            subs.push((host, ip));
            subs.push((p.to_string(), port));
        };
        add(&self.local, "<local-ip>", "<local-port>");
        if let Some(remote) = &self.remote {
            add(remote, "<remote-ip>", "<remote-port>");
        }
        subs
    }
}

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 16, last])
}

/// The mocks as `seed_programs.rs` configures them (the samples' users, LDEVs 347/348 of
/// equal size in the default state), with fast jobs; `configure` changes a side's
/// configuration before it starts.
async fn start_mocks(case: &Case) -> Mocks {
    let start = |side: Side, last: u8| async move {
        let config = match side {
            Side::Local => ArrayConfig::new(MODEL, LOCAL_SERIAL)
                .user("local_user", "local_pass")
                .user("user1", "pass1"),
            Side::Remote => {
                ArrayConfig::new(MODEL, REMOTE_SERIAL).user("remote_user", "remote_pass")
            }
        }
        .job_duration(JOB_DURATION);
        HitachiMock::start(
            ServerConfig::new()
                .ips([ip(last)])
                .tls(TlsSettings::default()),
            (case.configure)(side, config),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: cannot start the {side:?} mock: {e}", case.name))
    };
    let local = start(Side::Local, case.local).await;
    let remote = match case.remote {
        Some(last) => Some(start(Side::Remote, last).await),
        None => None,
    };
    Mocks { local, remote }
}

// ---------------------------------------------------------------------------------------
// Running a program
// ---------------------------------------------------------------------------------------

/// How one program ended.
struct Run {
    what: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "=== {} ({})\n--- stdout\n{}--- stderr\n{}",
            self.what, self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `command` to its end (at most [`RUN_TIMEOUT`]), on a blocking thread so that the
/// in-process mocks keep serving.
async fn run(mut command: Command, what: String) -> Run {
    // The mocks are on loopback: never go through a proxy from the environment.
    command.env("NO_PROXY", "*").env("no_proxy", "*");
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
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        let (stdout, stdout_reader) = read_in_background(child.stdout.take().unwrap());
        let (stderr, stderr_reader) = read_in_background(child.stderr.take().unwrap());
        let mut process = KillOnDrop(child);
        let deadline = Instant::now() + RUN_TIMEOUT;
        let status = loop {
            if let Some(status) = process.0.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                drop(process);
                panic!(
                    "{what} did not finish within {RUN_TIMEOUT:?}\n--- stdout\n{}--- stderr\n{}",
                    stdout.lock().unwrap(),
                    stderr.lock().unwrap()
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        // The child was the only writer: its exit closed the pipes.
        stdout_reader.join().unwrap();
        stderr_reader.join().unwrap();
        let stdout = stdout.lock().unwrap().clone();
        let stderr = stderr.lock().unwrap().clone();
        Run {
            what,
            status,
            stdout,
            stderr,
        }
    })
    .await
    .unwrap()
}

/// The sample, unmodified, its parameter modules pointed at the mocks.
async fn run_seed(program: Program, mocks: &Mocks) -> Run {
    let seeds = seeds::dir();
    let (local_host, local_port) =
        host_port(&mocks.local.url()).expect("the mock runs HTTPS with a port");
    // Seed 001 reads only the local values; the remote ones must still parse.
    let (remote_host, remote_port) = match &mocks.remote {
        Some(remote) => host_port(&remote.url()).expect("the mock runs HTTPS with a port"),
        None => (local_host.clone(), local_port),
    };
    let mut command = Command::new("python3");
    command
        .arg(seeds.join(program.script()))
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env("PYTHONPATH", &seeds)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONWARNINGS", "ignore:Unverified HTTPS request")
        .env("STORKIT_LOCAL_HOST", &local_host)
        .env("STORKIT_LOCAL_PORT", local_port.to_string())
        .env("STORKIT_LOCAL_MODEL", MODEL)
        .env("STORKIT_LOCAL_SERIAL", LOCAL_SERIAL.to_string())
        .env("STORKIT_REMOTE_HOST", &remote_host)
        .env("STORKIT_REMOTE_PORT", remote_port.to_string())
        .env("STORKIT_REMOTE_MODEL", MODEL)
        .env("STORKIT_REMOTE_SERIAL", REMOTE_SERIAL.to_string());
    run(command, format!("python3 {}", program.script())).await
}

/// The example against the mocks, trusting their certificates by pin.
async fn run_example(program: Program, binary: &Path, mocks: &Mocks) -> Run {
    let pin = |mock: &HitachiMock| mock.server().tls().unwrap().fingerprint_hex_colon();
    let mut command = Command::new(binary);
    match program {
        Program::Register => {
            let remote = mocks.remote();
            command
                .args(["--local-url", &mocks.local.url()])
                .args(["--remote-url", &remote.url()])
                .args([
                    "--pin-sha256",
                    &format!("{},{}", pin(&mocks.local), pin(remote)),
                ]);
        }
        Program::ShadowImage => {
            command
                .args(["--url", &mocks.local.url()])
                .args(["--pin-sha256", &pin(&mocks.local)]);
        }
    }
    run(command, format!("example {}", program.example())).await
}

/// The example's binary, built by cargo next to this test (`target/<profile>/examples`).
/// Fails when it is missing or older than a source file it was built from.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/seed_diff-<hash> → target/<profile>/examples/<name>
    let examples = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples"))
        .unwrap_or_else(|| panic!("cannot tell the target directory from {}", exe.display()));
    let binary = examples.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| {
            panic!(
                "the example {name} is not built ({}: {e}). Build the examples with:\n    {BUILD_HINT}",
                binary.display()
            )
        });
    // Cargo's dep-info lists every source file the binary was built from; a newer one
    // means the binary is stale (`cargo test --test seed_diff` does not rebuild examples).
    if let Ok(depinfo) = std::fs::read_to_string(examples.join(format!("{name}.d"))) {
        for source in depinfo_sources(&depinfo) {
            let changed = std::fs::metadata(&source)
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            assert!(
                changed <= built,
                "the example {name} is older than {source}: rebuild the examples with:\n    {BUILD_HINT}"
            );
        }
    }
    binary
}

/// The prerequisites on the first line of a Make-style dep-info file (`target: a b\ c`).
fn depinfo_sources(depinfo: &str) -> Vec<String> {
    let Some((_, deps)) = depinfo.lines().next().and_then(|l| l.split_once(": ")) else {
        return Vec::new();
    };
    let mut sources = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => {
                if !current.is_empty() {
                    sources.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        sources.push(current);
    }
    sources
}

// ---------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------

/// Stdout lines with the run's addresses and ports, and job ids, replaced by placeholders.
fn normalise(stdout: &str, placeholders: &[(String, &'static str)]) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            let mut line = replace_job_ids(line);
            for (text, placeholder) in placeholders {
                line = replace_token(&line, text, placeholder);
            }
            line
        })
        .collect()
}

/// Replaces `needle` where it is not part of a longer number (`42000` stays in `420000`,
/// `127.0.16.1` in `127.0.16.10`).
fn replace_token(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + needle.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            out.push_str(needle);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// `/jobs/17` → `/jobs/<id>`.
fn replace_job_ids(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("/jobs/") {
        out.push_str(&rest[..at + "/jobs/".len()]);
        rest = &rest[at + "/jobs/".len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("<id>");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Both listings, the lines that differ marked.
fn diff(left: &[String], right: &[String]) -> String {
    let mut text = String::from("    seed | example\n");
    for i in 0..left.len().max(right.len()) {
        let (l, r) = (left.get(i), right.get(i));
        let mark = if l == r { ' ' } else { '!' };
        text.push_str(&format!(
            "{mark} {:>2} {:?}\n{mark}    {:?}\n",
            i + 1,
            l.map_or("<none>", String::as_str),
            r.map_or("<none>", String::as_str)
        ));
    }
    text
}

#[test]
fn normalising_replaces_whole_numbers_only() {
    let placeholders = vec![
        ("127.0.16.1".to_owned(), "<local-ip>"),
        ("42000".to_owned(), "<remote-port>"),
    ];
    let text = "REST SERVER PORT : 42000\nSERIAL NUMBER : 420000\n\
                REST SERVER IP : 127.0.16.10\nhttps://127.0.16.1:42000/x/jobs/17/y\n";
    assert_eq!(
        normalise(text, &placeholders),
        [
            "REST SERVER PORT : <remote-port>",
            "SERIAL NUMBER : 420000",
            "REST SERVER IP : 127.0.16.10",
            "https://<local-ip>:<remote-port>/x/jobs/<id>/y",
        ]
    );
    assert_eq!(
        depinfo_sources("/t/ex: /src/a.rs /my\\ dir/b.rs\n\n/src/a.rs:\n"),
        ["/src/a.rs", "/my dir/b.rs"]
    );
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

/// One path through a sample.
struct Case {
    name: &'static str,
    program: Program,
    /// Last octet of the local mock's address (127.0.16.x).
    local: u8,
    /// Last octet of the remote mock's address, for seed 000.
    remote: Option<u8>,
    /// Changes a mock's configuration before it starts.
    configure: fn(Side, ArrayConfig) -> ArrayConfig,
    /// Arms the case's fault on the started mocks.
    arrange: fn(&Mocks),
    /// The seed's stdout, normalised: what both programs must print.
    stdout: &'static [&'static str],
    /// Whether the seed exits 0 (the example must agree).
    exits_ok: bool,
    /// Texts both programs must write on stderr.
    stderr: &'static [&'static str],
}

fn unchanged(_: Side, config: ArrayConfig) -> ArrayConfig {
    config
}

fn nothing(_: &Mocks) {}

async fn check(case: Case) {
    if let Err(e) = seeds::python_requests() {
        panic!("{e}");
    }
    let binary = example_binary(case.program.example());

    let mocks = start_mocks(&case).await;
    (case.arrange)(&mocks);
    let seed = run_seed(case.program, &mocks).await;
    let seed_lines = normalise(&seed.stdout, &mocks.placeholders());
    drop(mocks);

    let mocks = start_mocks(&case).await;
    (case.arrange)(&mocks);
    let ours = run_example(case.program, &binary, &mocks).await;
    let our_lines = normalise(&ours.stdout, &mocks.placeholders());
    drop(mocks);

    let both = format!("{}\n{}", seed.describe(), ours.describe());
    println!("{both}");
    let expected: Vec<String> = case.stdout.iter().map(|s| (*s).to_owned()).collect();
    assert!(
        seed_lines == expected,
        "{}: the seed did not print the transcript this case expects (did the fault fire?)\n{}\n{both}",
        case.name,
        diff(&seed_lines, &expected)
    );
    assert!(
        our_lines == seed_lines,
        "{}: the example's stdout differs from the seed's\n{}\n{both}",
        case.name,
        diff(&seed_lines, &our_lines)
    );
    assert_eq!(
        seed.status.success(),
        case.exits_ok,
        "{}: the seed's exit status\n{both}",
        case.name
    );
    assert_eq!(
        ours.status.success(),
        seed.status.success(),
        "{}: the example must end as the seed does\n{both}",
        case.name
    );
    for marker in case.stderr {
        for run in [&seed, &ours] {
            assert!(
                run.stderr.contains(marker),
                "{}: {} did not write {marker:?} on stderr\n{both}",
                case.name,
                run.what
            );
        }
    }
    if case.stderr.is_empty() {
        for run in [&seed, &ours] {
            assert!(
                !run.stderr.contains("Error"),
                "{}: {} reported an error\n{both}",
                case.name,
                run.what
            );
        }
    }
}

/// A 503 with the kit's plain body, once, on the requests `pred` accepts.
fn fail_once_with_503(
    mock: &HitachiMock,
    method: Method,
    pred: impl Fn(&str) -> bool + Send + Sync + 'static,
) {
    mock.server().faults().add(
        Fault::new(FaultAction::service_unavailable(None))
            .on_method(method)
            .when(move |parts, _| pred(parts.uri.path()))
            .times(1),
    );
}

/// The local array's object URL path.
macro_rules! local_objects {
    () => {
        "/ConfigurationManager/v1/objects/storages/886000410000"
    };
}

/// The first line every job prints.
macro_rules! job_accepted {
    () => {
        concat!(
            "Request was accepted. JOB URL : ",
            local_objects!(),
            "/jobs/<id>"
        )
    };
}

// --- Seed 000: register remote storage --------------------------------------------------

const REGISTER_HEAD: [&str; 5] = [
    "Check the API version of the local REST API",
    "Check the API version of the remote REST API",
    "Generate a local session",
    "Generate a remote session",
    "Register a remote storage device",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_succeeds() {
    check(Case {
        name: "register: success",
        program: Program::Register,
        local: 1,
        remote: Some(2),
        configure: unchanged,
        arrange: nothing,
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            REGISTER_HEAD[4],
            job_accepted!(),
            concat!(
                "Async job was succeeded. affected resource : ",
                local_objects!(),
                "/remote-storages/886000420000"
            ),
            "Print the remote storage device",
            "STORAGE DEVICE ID : 886000420000",
            "DKC TYPE : Remote",
            "REST SERVER IP : <remote-ip>",
            "REST SERVER PORT : <remote-port>",
            "MODEL : VSP G900",
            "SERIAL NUMBER : 420000",
            "Discard the local session",
            "Discard the remote session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &[],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_job_fails_with_ssb_codes() {
    check(Case {
        name: "register: the job fails with SSB1/SSB2",
        program: Program::Register,
        local: 3,
        remote: Some(4),
        configure: unchanged,
        arrange: |mocks| {
            mocks.local.fail_next_job_on(
                "/remote-storages",
                JobFailure::Ssb {
                    ssb1: "B956".into(),
                    ssb2: "3173".into(),
                    message_id: "KART30000-E".into(),
                },
            );
        },
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            REGISTER_HEAD[4],
            job_accepted!(),
            "Error! SSB code :  B956 ,  3173",
            "Discard the local session",
            "Discard the remote session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["Job Error!", "KART30000-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_job_fails_with_a_return_code() {
    check(Case {
        name: "register: the job fails with a RAID Manager return code",
        program: Program::Register,
        local: 5,
        remote: Some(6),
        configure: unchanged,
        arrange: |mocks| {
            mocks.local.fail_next_job(JobFailure::ReturnCode {
                code: "EX_CMDRJE".into(),
                message_id: "KART30000-E".into(),
            });
        },
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            REGISTER_HEAD[4],
            job_accepted!(),
            "Error! error code :  EX_CMDRJE",
            "Discard the local session",
            "Discard the remote session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["Job Error!", "EX_CMDRJE"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_is_refused_with_503_server_busy() {
    check(Case {
        name: "register: the registration answers 503 (KART00003-E)",
        program: Program::Register,
        local: 7,
        remote: Some(8),
        configure: unchanged,
        // The next change other than a session create or discard: the registration POST.
        arrange: |mocks| {
            mocks
                .local
                .inject_error(1, 503, "KART00003-E", None, Some("RETRY"));
        },
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            REGISTER_HEAD[4],
            "Discard the local session",
            "Discard the remote session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["HTTP Error! status code : 503", "KART00003-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_a_wrong_local_password() {
    check(Case {
        name: "register: wrong local password",
        program: Program::Register,
        local: 9,
        remote: Some(10),
        configure: |side, config| match side {
            Side::Local => ArrayConfig {
                users: vec![("local_user".into(), "another password".into())],
                ..config
            },
            Side::Remote => config,
        },
        arrange: nothing,
        // No session yet: the local discard (DELETE sessions/0, no token) is refused, and
        // its HTTPError, raised in `finally`, ends the program before the remote discard.
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            "Discard the local session",
        ],
        exits_ok: false,
        stderr: &["HTTP Error! status code : 401", "KART20006-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_a_wrong_remote_password() {
    check(Case {
        name: "register: wrong remote password",
        program: Program::Register,
        local: 11,
        remote: Some(12),
        configure: |side, config| match side {
            Side::Local => config,
            Side::Remote => ArrayConfig {
                users: vec![("remote_user".into(), "another password".into())],
                ..config
            },
        },
        arrange: nothing,
        // The local session exists, but its token only goes into the headers at step 3:
        // the sample's local discard carries no token, is refused, and ends the program.
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            "Discard the local session",
        ],
        exits_ok: false,
        stderr: &["HTTP Error! status code : 401", "KART20006-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_needs_api_1_9() {
    check(Case {
        name: "register: local API version 1.8.0",
        program: Program::Register,
        local: 13,
        remote: Some(14),
        configure: unchanged,
        arrange: |mocks| mocks.local.set_api_version("1.8.0"),
        // sys.exit() is not an Exception: straight to `finally`, whose local discard fails.
        stdout: &[REGISTER_HEAD[0], "Discard the local session"],
        exits_ok: false,
        stderr: &["This program requires API Version 1.9.x or newer."],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_the_remote_server_down() {
    check(Case {
        name: "register: the remote REST server refuses connections",
        program: Program::Register,
        local: 15,
        remote: Some(16),
        configure: unchanged,
        arrange: |mocks| mocks.remote().server().stop_node(ip(16)).unwrap(),
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            "Discard the local session",
        ],
        exits_ok: false,
        stderr: &["Connection Error!"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_the_remote_discard_refused() {
    check(Case {
        name: "register: the remote session discard answers 503",
        program: Program::Register,
        local: 17,
        remote: Some(18),
        configure: unchanged,
        arrange: |mocks| {
            fail_once_with_503(mocks.remote(), Method::DELETE, |path| {
                path.contains(&format!("/storages/{REMOTE_SDID}/sessions/"))
            });
        },
        stdout: &[
            REGISTER_HEAD[0],
            REGISTER_HEAD[1],
            REGISTER_HEAD[2],
            REGISTER_HEAD[3],
            REGISTER_HEAD[4],
            job_accepted!(),
            concat!(
                "Async job was succeeded. affected resource : ",
                local_objects!(),
                "/remote-storages/886000420000"
            ),
            "Print the remote storage device",
            "STORAGE DEVICE ID : 886000420000",
            "DKC TYPE : Remote",
            "REST SERVER IP : <remote-ip>",
            "REST SERVER PORT : <remote-port>",
            "MODEL : VSP G900",
            "SERIAL NUMBER : 420000",
            "Discard the local session",
            "Discard the remote session",
        ],
        exits_ok: false,
        stderr: &["503"],
    })
    .await;
}

// --- Seed 001: ShadowImage pair ---------------------------------------------------------

/// What a job on the pair prints when it succeeds.
macro_rules! pair_created {
    () => {
        concat!(
            "Async job was succeeded. affected resource : ",
            local_objects!(),
            "/local-clone-copypairs/SI_347,SI_347P_,SI_347S_,p_347-348"
        )
    };
}

const SPLIT_TEMPLATE: &str = r#"{"parameters":{"copyPace":null,"quickMode":null}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_succeeds() {
    check(Case {
        name: "shadowimage: success",
        program: Program::ShadowImage,
        local: 21,
        remote: None,
        configure: unchanged,
        arrange: nothing,
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Create a local copy pair",
            job_accepted!(),
            pair_created!(),
            "Split the local copy pair",
            "Action template(split):",
            SPLIT_TEMPLATE,
            job_accepted!(),
            pair_created!(),
            "Print the pair status",
            "COPY GROUP NAME : SI_347",
            "COPY PAIR NAME : p_347-348",
            "P-VOL LDEV ID : 347",
            "S-VOL LDEV ID : 348",
            "P-VOL STATUS : PSUS",
            "S-VOL STATUS : SSUS",
            "LOCAL CLONE COPY PAIR ID : SI_347,SI_347P_,SI_347S_,p_347-348",
            "",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &[],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_split_job_fails_with_ssb_codes() {
    check(Case {
        name: "shadowimage: the split job fails with SSB1/SSB2",
        program: Program::ShadowImage,
        local: 22,
        remote: None,
        configure: unchanged,
        arrange: |mocks| {
            mocks.local.fail_next_job_on(
                "/actions/split/invoke",
                JobFailure::Ssb {
                    ssb1: "2E10".into(),
                    ssb2: "9705".into(),
                    message_id: "KART30000-E".into(),
                },
            );
        },
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Create a local copy pair",
            job_accepted!(),
            pair_created!(),
            "Split the local copy pair",
            "Action template(split):",
            SPLIT_TEMPLATE,
            job_accepted!(),
            "Error! SSB code :  2E10 ,  9705",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["Job Error!", "KART30000-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_create_job_fails_with_a_return_code() {
    check(Case {
        name: "shadowimage: the create job fails with a RAID Manager return code",
        program: Program::ShadowImage,
        local: 23,
        remote: None,
        configure: unchanged,
        arrange: |mocks| {
            mocks.local.fail_next_job_on(
                "/local-clone-copypairs",
                JobFailure::ReturnCode {
                    code: "EX_ENLDEV".into(),
                    message_id: "KART30000-E".into(),
                },
            );
        },
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Create a local copy pair",
            job_accepted!(),
            "Error! error code :  EX_ENLDEV",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["Job Error!", "EX_ENLDEV"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_template_answers_503() {
    check(Case {
        name: "shadowimage: the split template GET answers 503",
        program: Program::ShadowImage,
        local: 24,
        remote: None,
        configure: unchanged,
        arrange: |mocks| {
            fail_once_with_503(&mocks.local, Method::GET, |path| {
                path.ends_with("/actions/split")
            });
        },
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Create a local copy pair",
            job_accepted!(),
            pair_created!(),
            "Split the local copy pair",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["HTTP Error! status code : 503", "service unavailable"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_with_a_wrong_password() {
    check(Case {
        name: "shadowimage: wrong password",
        program: Program::ShadowImage,
        local: 25,
        remote: None,
        configure: |_, config| ArrayConfig {
            users: vec![("user1".into(), "another password".into())],
            ..config
        },
        arrange: nothing,
        // The discard of session 0 is refused too, but this sample catches that in `finally`.
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["HTTP Error! status code : 401", "KART20006-E"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_needs_api_1_2() {
    check(Case {
        name: "shadowimage: API version 1.1.0",
        program: Program::ShadowImage,
        local: 26,
        remote: None,
        configure: unchanged,
        arrange: |mocks| mocks.local.set_api_version("1.1.0"),
        // The `sys.exit()` at the end of `finally` replaces the version check's exit: the
        // sample exits 0, its message unprinted.
        stdout: &[
            "Check the API version",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["HTTP Error! status code : 401"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_with_the_server_down() {
    check(Case {
        name: "shadowimage: the REST server refuses connections",
        program: Program::ShadowImage,
        local: 27,
        remote: None,
        configure: unchanged,
        arrange: |mocks| mocks.local.server().stop_node(ip(27)).unwrap(),
        // The discard's ConnectionError is outside the inner `try` of `finally`: it ends
        // the program.
        stdout: &["Check the API version", "Discard the session"],
        exits_ok: false,
        stderr: &["Connection Error!"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadowimage_with_the_discard_refused() {
    check(Case {
        name: "shadowimage: the session discard answers 503",
        program: Program::ShadowImage,
        local: 28,
        remote: None,
        configure: unchanged,
        arrange: |mocks| {
            fail_once_with_503(&mocks.local, Method::DELETE, |path| {
                path.contains(&format!("/storages/{LOCAL_SDID}/sessions/"))
            });
        },
        stdout: &[
            "Check the API version",
            "Generate a session",
            "Create a local copy pair",
            job_accepted!(),
            pair_created!(),
            "Split the local copy pair",
            "Action template(split):",
            SPLIT_TEMPLATE,
            job_accepted!(),
            pair_created!(),
            "Print the pair status",
            "COPY GROUP NAME : SI_347",
            "COPY PAIR NAME : p_347-348",
            "P-VOL LDEV ID : 347",
            "S-VOL LDEV ID : 348",
            "P-VOL STATUS : PSUS",
            "S-VOL STATUS : SSUS",
            "LOCAL CLONE COPY PAIR ID : SI_347,SI_347P_,SI_347S_,p_347-348",
            "",
            "Discard the session",
            "Operation was completed.",
        ],
        exits_ok: true,
        stderr: &["HTTP Error! status code : 503"],
    })
    .await;
}
