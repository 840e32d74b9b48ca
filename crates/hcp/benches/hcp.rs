//! HCP benchmark: storkit-hcp against a bare hyper-util client and Python hcpsdk 0.9.5, and
//! a 1 GiB streamed PUT and GET, all against the 4-node HCP mock.
//!
//! Run with `cargo xtask bench hcp` (it builds the mock and sets `STORKIT_HCP_MOCK_BIN`).
//! The mock runs as a separate process on 127.0.0.11-14, data port 8000 with TLS (hcpsdk
//! picks TLS by port: 443, 8000, 9090), its own DNS server and CA. Measured:
//!
//! - (a) storkit-hcp and (b) a bare hyper-util + hyper-rustls client: 32 tasks, each
//!   storing a 4 KiB object under a unique name and reading it back, for a fixed time; one
//!   op is that PUT+GET pair. Both do the same work on the wire (same headers, TLS, the
//!   4 nodes) and the same checks (SHA-256 of what is sent and read against `X-HCP-Hash`,
//!   the bytes read against the bytes sent). Rounds alternate between them, so machine
//!   noise hits both alike; the ratios are medians of the rounds' ratios.
//! - (c) hcpsdk 0.9.5.post1 in Python, 32 threads with one `Connection` each, same pair,
//!   same duration (`benches/python/hcpsdk_put_get.py`). The bench makes the virtual
//!   environment `<target>/hcpsdk-venv` (the one the mock's Python test makes) when it is
//!   missing, installing hcpsdk from PyPI.
//! - (d) a 1 GiB file streamed up (PUT, hashed while sent) and down (GET, verified), in a
//!   child process of this binary so that its peak RSS (`VmHWM`) is that of the client alone.
//!
//! `cargo test` runs this file in smoke mode (no `--bench`): an in-process mock, one short
//! round of (a) and (b), (d) with 4 MiB, no Python; a few seconds, figures meaningless.
//!
//! `STORKIT_BENCH_PROFILE=hcp` (or `bare`) runs one client alone for 20 s, for `perf record`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, COOKIE, HOST, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client as BareClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use storkit_hcp::{GetOptions, HcpClient, PutBody, PutOptions, TlsPolicy};

const CONCURRENCY: usize = 32;
const BODY: usize = 4096;
const IPS: [[u8; 4]; 4] = [
    [127, 0, 0, 11],
    [127, 0, 0, 12],
    [127, 0, 0, 13],
    [127, 0, 0, 14],
];
/// hcpsdk speaks TLS only on 443, 8000 and 9090; 8000 needs no privileges.
const DATA_PORT: u16 = 8000;
const DOMAIN: &str = "hcp1.example";
const USER: &str = "n";
const PASSWORD: &str = "n01";
/// Set (to the object size) in the child process that runs (d).
const CHILD_ENV: &str = "STORKIT_HCP_BENCH_STREAM";

/// Targets of the issue.
const TARGET_VS_HCPSDK: f64 = 10.0;
const TARGET_VS_BARE: f64 = 0.9;
const TARGET_RSS_MIB: f64 = 32.0;

/// Measured run (`cargo bench`, which passes `--bench`) or smoke run (`cargo test`).
struct Mode {
    measured: bool,
    round: Duration,
    rounds: usize,
    warmup: u64,
    python: Duration,
    big: u64,
}

/// Where the mock is and how to reach it.
struct Endpoint {
    fqdn: String,
    port: u16,
    dns: SocketAddr,
    ca_pem: String,
    ca_file: PathBuf,
    ips: Vec<IpAddr>,
    /// The mock's process id, when it runs as a process of its own.
    mock_pid: Option<u32>,
}

/// The mock: a child process (measured runs) or in this process (smoke runs).
enum Mock {
    Process(Child),
    InProcess {
        /// Serves until dropped.
        _server: Box<storkit_hcp_mock::HcpMock>,
    },
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Mock::Process(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn ips() -> Vec<IpAddr> {
    IPS.iter().map(|ip| IpAddr::from(*ip)).collect()
}

fn ip_list() -> String {
    ips()
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `<target>` from this binary's path (`<target>/<profile>/deps/hcp-...`), as the mock's
/// Python test finds it, so both share one virtual environment.
fn target_dir() -> PathBuf {
    storkit_hcp_mock::python::target_dir()
}

fn start_process(bin: &str, work: &Path, big: u64) -> (Mock, Endpoint) {
    let ca_file = work.join("ca.pem");
    let _ = std::fs::remove_file(&ca_file);
    let mut child = Command::new(bin)
        .args([
            "--ips",
            &ip_list(),
            "--port",
            &DATA_PORT.to_string(),
            "--tls",
        ])
        .args([
            "--mapi-port",
            "0",
            "--dns",
            "127.0.0.11:0",
            "--domain",
            DOMAIN,
        ])
        .args(["--user", USER, "--password", PASSWORD])
        // Room for the big object (the mock keeps objects in memory).
        .args(["--max-object-size", &(big + 1).to_string()])
        .arg("--ca-out")
        .arg(&ca_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start the mock {bin}: {e} (run `cargo xtask bench hcp`)")
        });
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
    let (ready, _mapi, dns, fqdn) = (next(), next(), next(), next());
    assert!(
        ready.starts_with("ready https://"),
        "the mock did not start (is port {DATA_PORT} on {} free?): {ready:?}",
        ip_list()
    );
    let dns: SocketAddr = dns
        .strip_prefix("dns ")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("unexpected mock output: {dns:?}"));
    let fqdn = fqdn
        .split_whitespace()
        .find(|name| name.starts_with("n1.m."))
        .unwrap_or_else(|| panic!("no namespace n1 in {fqdn:?}"))
        .to_owned();
    let ca_pem = std::fs::read_to_string(&ca_file).unwrap();
    let endpoint = Endpoint {
        fqdn,
        port: DATA_PORT,
        dns,
        ca_pem,
        ca_file,
        ips: ips(),
        mock_pid: Some(child.id()),
    };
    (Mock::Process(child), endpoint)
}

async fn start_in_process(work: &Path) -> (Mock, Endpoint) {
    let mock = storkit_hcp_mock::HcpMock::start(
        storkit_hcp_mock::HcpConfig::sample(DOMAIN)
            .ips(ips())
            .data_port(0)
            .mapi_port(0),
    )
    .await
    .unwrap();
    let ca_file = work.join("ca.pem");
    std::fs::write(&ca_file, mock.ca_pem()).unwrap();
    let endpoint = Endpoint {
        fqdn: mock.namespace_fqdn("m", "n1"),
        port: mock.data_port(),
        dns: mock.dns_addr(),
        ca_pem: mock.ca_pem(),
        ca_file,
        ips: ips(),
        mock_pid: None,
    };
    let mock = Mock::InProcess {
        _server: Box::new(mock),
    };
    (mock, endpoint)
}

fn hcp_client(e: &Endpoint, timeout: Duration) -> HcpClient {
    HcpClient::builder(&e.fqdn)
        .port(e.port)
        .https(true)
        .tls(TlsPolicy::custom_ca_pem(&e.ca_pem).unwrap())
        .dns_servers([e.dns])
        .credentials(USER, PASSWORD)
        .timeout(timeout)
        .build()
        .unwrap()
}

// ---- CPU and memory of this process --------------------------------------------------

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    cpu_time_of("self").unwrap()
}

/// CPU time (user + system) of process `pid` (`self` or a number) so far.
fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after ") ".
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// The mock's CPU time so far, when it runs as a process of its own.
fn mock_cpu(e: &Endpoint) -> Option<Duration> {
    e.mock_pid.and_then(|pid| cpu_time_of(&pid.to_string()))
}

fn clock_ticks() -> u64 {
    // Asked once: spawning getconf inside a measured round would count as client CPU.
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// Peak resident set size of this process, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

// ---- (a) and (b): 4 KiB PUT+GET pairs ----------------------------------------------

struct Figures {
    ops: u64,
    wall: Duration,
    cpu: Duration,
    /// The mock's CPU time meanwhile (when it is a process of its own): on a small
    /// machine it shares the cores with the client, so it bounds every client's ops/s.
    mock_cpu: Option<Duration>,
}

impl Figures {
    fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_op_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.ops.max(1) as f64
    }

    fn mock_cpu_per_op_us(&self) -> Option<f64> {
        self.mock_cpu
            .map(|c| c.as_secs_f64() * 1e6 / self.ops.max(1) as f64)
    }

    fn add(&mut self, f: &Figures) {
        self.mock_cpu = match (self.mock_cpu, f.mock_cpu) {
            (Some(a), Some(b)) => Some(a + b),
            // The first round added to the zero total.
            (None, b) if self.ops == 0 => b,
            _ => None,
        };
        self.ops += f.ops;
        self.wall += f.wall;
        self.cpu += f.cpu;
    }
}

const ZERO: Figures = Figures {
    ops: 0,
    wall: Duration::ZERO,
    cpu: Duration::ZERO,
    mock_cpu: None,
};

type OpFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// One PUT+GET pair of object number `i`.
type Op = Arc<dyn Fn(u64) -> OpFuture + Send + Sync>;

/// `CONCURRENCY` tasks run `op` back to back for `round`; object numbers start at `base`
/// and never repeat (HCP refuses a PUT onto an existing object).
async fn drive(round: Duration, op: &Op, base: &AtomicU64, e: &Endpoint) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let first = base.fetch_add(1 << 32, Ordering::Relaxed);
    let mock0 = mock_cpu(e);
    let cpu0 = cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (op, stop, count) = (op.clone(), stop.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = first + worker as u64;
            while !stop.load(Ordering::Relaxed) {
                op(i).await;
                count.fetch_add(1, Ordering::Relaxed);
                i += CONCURRENCY as u64;
            }
        }));
    }
    tokio::time::sleep(round).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    Figures {
        ops: count.load(Ordering::Relaxed),
        wall: start.elapsed(),
        cpu: cpu_time() - cpu0,
        mock_cpu: mock0.and_then(|m| Some(mock_cpu(e)? - m)),
    }
}

/// The object name of pair `i` of a client: a directory per 4096 objects keeps the mock's
/// listings small (it does not list them, but real HCP prefers it that way too).
fn object_path(client: &str, i: u64) -> String {
    format!("/rest/bench/{client}/{:x}/{:x}", i >> 12, i & 0xfff)
}

/// `SHA-256 <UPPER-HEX>` as HCP writes it.
fn hcp_hash(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut s = String::from("SHA-256 ");
    for b in digest {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

fn same_hash(header: Option<&HeaderValue>, computed: &str) -> bool {
    header
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(computed))
}

fn hcp_op(client: HcpClient, body: Bytes) -> Op {
    Arc::new(move |i| {
        let (client, body) = (client.clone(), body.clone());
        Box::pin(async move {
            let path = object_path("hcp", i);
            // `put` hashes the body and checks X-HCP-Hash; `get_bytes` verifies the read.
            client
                .put(&path, body.clone(), &PutOptions::default())
                .await
                .unwrap();
            let read = client.get_bytes(&path).await.unwrap();
            assert_eq!(read, body);
        })
    })
}

fn bare_op(e: &Endpoint, body: Bytes) -> Op {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(e.ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    // HttpsConnector needs the inner connector to accept https URIs; storkit-core does the same.
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_only()
        .enable_http1()
        .wrap_connector(http);
    let client: BareClient<_, Full<Bytes>> = BareClient::builder(TokioExecutor::new()).build(https);
    // What storkit-hcp sends: Host names the namespace (HCP routes by it), the native token
    // in both Authorization and the hcp-ns-auth cookie, storkit's User-Agent.
    let token = storkit_hcp::auth::native_token(USER, PASSWORD);
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    let headers = Arc::new([
        (
            HOST,
            HeaderValue::from_str(&format!("{}:{}", e.fqdn, e.port)).unwrap(),
        ),
        (
            USER_AGENT,
            HeaderValue::from_static(concat!("storkit/", env!("CARGO_PKG_VERSION"))),
        ),
        (
            AUTHORIZATION,
            HeaderValue::from_str(&format!("HCP {token}")).unwrap(),
        ),
        (
            COOKIE,
            HeaderValue::from_str(&format!("hcp-ns-auth={token}")).unwrap(),
        ),
    ]);
    let bases: Arc<Vec<String>> = Arc::new(
        e.ips
            .iter()
            .map(|ip| format!("https://{ip}:{}", e.port))
            .collect(),
    );
    Arc::new(move |i| {
        let (client, body, headers) = (client.clone(), body.clone(), headers.clone());
        // Round robin over the nodes, pair by pair.
        let uri = format!(
            "{}{}",
            bases[(i % bases.len() as u64) as usize],
            object_path("bare", i)
        );
        Box::pin(async move {
            let request = |method: Method, body: Bytes| {
                let mut b = http::Request::builder().method(method).uri(&uri);
                for (name, value) in headers.iter() {
                    b = b.header(name, value);
                }
                if !body.is_empty() {
                    b = b.header(CONTENT_LENGTH, body.len());
                }
                b.body(Full::new(body)).unwrap()
            };
            let sent_hash = hcp_hash(&body);
            let put = client
                .request(request(Method::PUT, body.clone()))
                .await
                .unwrap();
            assert_eq!(put.status(), StatusCode::CREATED);
            assert!(same_hash(put.headers().get("x-hcp-hash"), &sent_hash));
            put.into_body().collect().await.unwrap();
            let get = client
                .request(request(Method::GET, Bytes::new()))
                .await
                .unwrap();
            assert_eq!(get.status(), StatusCode::OK);
            let server_hash = get.headers().get("x-hcp-hash").cloned();
            let read = get.into_body().collect().await.unwrap().to_bytes();
            assert!(same_hash(server_hash.as_ref(), &hcp_hash(&read)));
            assert_eq!(read, body);
        })
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn line(f: &Figures) -> String {
    format!(
        "{:>8.0} ops/s, {:>6.1} µs CPU/op ({} ops)",
        f.ops_per_sec(),
        f.cpu_per_op_us(),
        f.ops
    )
}

struct Pairs {
    hcp: Figures,
    bare: Figures,
    throughput_ratio: f64,
    cpu_ratio: f64,
}

/// (a) and (b) in paired rounds; `None` after a profile run (`STORKIT_BENCH_PROFILE`).
async fn pairs(mode: &Mode, e: &Endpoint) -> Option<Pairs> {
    let body = Bytes::from(
        (0..BODY)
            .map(|i| (i * 131 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let hcp = hcp_op(hcp_client(e, Duration::from_secs(30)), body.clone());
    let bare = bare_op(e, body);
    let base = AtomicU64::new(0);
    // Warm both up (connections, TLS sessions, allocator) before measuring.
    for i in 0..mode.warmup {
        let n = base.fetch_add(1, Ordering::Relaxed);
        hcp(n).await;
        bare(n).await;
        if i == 0 {
            // Open the connections the 32 tasks use, outside the measured time.
            drive(Duration::from_millis(100), &hcp, &base, e).await;
            drive(Duration::from_millis(100), &bare, &base, e).await;
        }
    }
    if let Ok(which) = std::env::var("STORKIT_BENCH_PROFILE") {
        let op = if which == "bare" { &bare } else { &hcp };
        let f = drive(Duration::from_secs(20), op, &base, e).await;
        println!("profile {which}: {}", line(&f));
        return None;
    }
    let (mut hcp_total, mut bare_total) = (ZERO, ZERO);
    let (mut throughput, mut cpu) = (Vec::new(), Vec::new());
    for round in 1..=mode.rounds {
        // Which client goes first alternates, so neither always runs on a warmer (or
        // noisier) machine, or against a fuller mock.
        let (h, b) = if round % 2 == 1 {
            let h = drive(mode.round, &hcp, &base, e).await;
            (h, drive(mode.round, &bare, &base, e).await)
        } else {
            let b = drive(mode.round, &bare, &base, e).await;
            (drive(mode.round, &hcp, &base, e).await, b)
        };
        eprintln!("round {round} storkit-hcp : {}", line(&h));
        eprintln!("round {round} bare        : {}", line(&b));
        throughput.push(h.ops_per_sec() / b.ops_per_sec());
        cpu.push(h.cpu_per_op_us() / b.cpu_per_op_us());
        hcp_total.add(&h);
        bare_total.add(&b);
    }
    Some(Pairs {
        hcp: hcp_total,
        bare: bare_total,
        throughput_ratio: median(&mut throughput),
        cpu_ratio: median(&mut cpu),
    })
}

// ---- (c): hcpsdk in Python -----------------------------------------------------------

fn hcpsdk(mode: &Mode, e: &Endpoint) -> Result<Figures, String> {
    let python = storkit_hcp_mock::python::hcpsdk_python(&target_dir())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/hcpsdk_put_get.py");
    let mock0 = mock_cpu(e);
    let out = storkit_hcp_mock::python::run(
        Command::new(python)
            .arg(script)
            .arg(e.dns.ip().to_string())
            .arg(e.dns.port().to_string())
            .arg(&e.fqdn)
            .arg(&e.ca_file)
            .arg(e.port.to_string())
            .arg(CONCURRENCY.to_string())
            .arg(mode.python.as_secs_f64().to_string())
            .arg("bench/hcpsdk"),
    )?;
    // `ops <pairs> seconds <wall> cpu <seconds>`
    let fields: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("ops "))
        .ok_or_else(|| format!("unexpected output of the hcpsdk driver:\n{out}"))?
        .split_whitespace()
        .collect();
    let num = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Figures {
        ops: num(1) as u64,
        wall: Duration::from_secs_f64(num(3)),
        cpu: Duration::from_secs_f64(num(5)),
        // Includes the driver's start (imports, connections): a little high.
        mock_cpu: mock0.and_then(|m| Some(mock_cpu(e)? - m)),
    })
}

// ---- (d): 1 GiB streamed through storkit-hcp, in a child process ----------------------

struct Streamed {
    put_mb_s: f64,
    get_mb_s: f64,
    peak_rss_kib: u64,
}

/// A file of `size` bytes, not all zeros (a pattern), written once and reused.
fn big_file(work: &Path, size: u64) -> PathBuf {
    let path = work.join(format!("object-{size}.bin"));
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == size) {
        return path;
    }
    let block: Vec<u8> = (0..1u64 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let partial = path.with_extension("partial");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&partial).unwrap());
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    f.into_inner().unwrap().sync_all().unwrap();
    std::fs::rename(&partial, &path).unwrap();
    path
}

/// Runs (d) in a child process of this binary and reads its figures.
fn streamed(e: &Endpoint, work: &Path, size: u64) -> Streamed {
    let file = big_file(work, size);
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, size.to_string())
        .args([&e.fqdn, &e.port.to_string(), &e.dns.to_string()])
        .arg(&e.ca_file)
        .arg(&file)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the streaming child failed: {text}");
    // `streamed <put secs> <get secs> <peak rss KiB>`
    let fields: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("streamed "))
        .unwrap_or_else(|| panic!("unexpected child output: {text}"))
        .split_whitespace()
        .collect();
    let secs = |i: usize| fields[i].parse::<f64>().unwrap();
    Streamed {
        put_mb_s: size as f64 / 1e6 / secs(1),
        get_mb_s: size as f64 / 1e6 / secs(2),
        peak_rss_kib: fields[3].parse().unwrap(),
    }
}

/// The child: PUT the file streamed, GET it streamed with verification, print the times
/// and this process's peak RSS.
fn stream_child(size: u64) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [fqdn, port, dns, ca_file, file] = &args[..] else {
        panic!("usage: {CHILD_ENV}=<size> hcp <fqdn> <port> <dns> <ca file> <file>");
    };
    let e = Endpoint {
        fqdn: fqdn.clone(),
        port: port.parse().unwrap(),
        dns: dns.parse().unwrap(),
        ca_pem: std::fs::read_to_string(ca_file).unwrap(),
        ca_file: ca_file.into(),
        ips: ips(),
        mock_pid: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        // A whole attempt (the upload up to the response head) must fit in the timeout.
        let client = hcp_client(&e, Duration::from_secs(600));
        let path = format!("/rest/bench/stream/{}-{size}", std::process::id());
        let start = Instant::now();
        let put = client
            .put(
                &path,
                PutBody::file(file).await.unwrap(),
                &PutOptions::default(),
            )
            .await
            .unwrap();
        let put_secs = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut reader = client.get(&path, &GetOptions::default()).await.unwrap();
        assert!(
            reader
                .headers()
                .get("x-hcp-hash")
                .is_some_and(|h| h.as_bytes() == put.hash.as_bytes()),
            "the GET is not of the object stored"
        );
        let mut read = 0u64;
        // `chunk` checks SHA-256 against X-HCP-Hash before it reports the end.
        while let Some(chunk) = reader.chunk().await.unwrap() {
            read += chunk.len() as u64;
        }
        let get_secs = start.elapsed().as_secs_f64();
        assert_eq!(read, size);
        println!("streamed {put_secs} {get_secs} {}", peak_rss_kib());
    });
}

// ---- the run -------------------------------------------------------------------------

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

fn main() {
    if let Ok(size) = std::env::var(CHILD_ENV) {
        stream_child(size.parse().unwrap());
        return;
    }
    let measured = std::env::args().any(|a| a == "--bench");
    let mode = if measured {
        Mode {
            measured,
            round: Duration::from_secs(2),
            rounds: 9,
            warmup: 50,
            python: Duration::from_secs(10),
            big: 1 << 30,
        }
    } else {
        Mode {
            measured,
            round: Duration::from_millis(200),
            rounds: 1,
            warmup: 2,
            python: Duration::ZERO,
            big: 4 << 20,
        }
    };
    let work = if measured {
        target_dir().join("hcp-bench")
    } else {
        std::env::temp_dir().join(format!("storkit-hcp-bench-{}", std::process::id()))
    };
    std::fs::create_dir_all(&work).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mock, e) = match std::env::var("STORKIT_HCP_MOCK_BIN") {
            Ok(bin) => start_process(&bin, &work, mode.big),
            Err(_) if measured => {
                panic!("STORKIT_HCP_MOCK_BIN is not set: run `cargo xtask bench hcp`")
            }
            // The smoke run keeps the mock in process: nothing to build first.
            Err(_) => start_in_process(&work).await,
        };
        // A profile run ends here; returning (not exiting) lets `mock` stop the mock.
        let Some(p) = pairs(&mode, &e).await else {
            return;
        };
        let python = if measured {
            Some(tokio::task::block_in_place(|| hcpsdk(&mode, &e)))
        } else {
            None
        };
        let s = tokio::task::block_in_place(|| streamed(&e, &work, mode.big));
        drop(mock);
        report(&mode, &p, python.as_ref(), &s);
    });
    if !measured {
        let _ = std::fs::remove_dir_all(&work);
    }
}

fn report(mode: &Mode, p: &Pairs, python: Option<&Result<Figures, String>>, s: &Streamed) {
    let big = if mode.big >= 1 << 30 {
        format!("{} GiB", mode.big >> 30)
    } else {
        format!("{} MiB", mode.big >> 20)
    };
    let (place, note) = if mode.measured {
        ("its own process", "")
    } else {
        ("this process", " (smoke run: figures are meaningless)")
    };
    println!();
    println!(
        "HCP bench: 4-node mock in {place} (TLS), 4 KiB PUT+GET pairs at concurrency \
         {CONCURRENCY}, {} interleaved rounds of {:?}{note}",
        mode.rounds, mode.round
    );
    println!();
    println!(
        "{:<32} {:>10} {:>14} {:>12}",
        "client", "ops/s", "client CPU/op", "mock CPU/op"
    );
    let row = |name: &str, f: &Figures| {
        let mock = f
            .mock_cpu_per_op_us()
            .map_or_else(|| "-".to_owned(), |us| format!("{us:.0} µs"));
        let cpu = format!("{:.0} µs", f.cpu_per_op_us());
        println!("{name:<32} {:>10.0} {cpu:>14} {mock:>12}", f.ops_per_sec());
    };
    row("(a) storkit-hcp", &p.hcp);
    row("(b) bare hyper-util", &p.bare);
    match python {
        Some(Ok(f)) => row(&format!("(c) hcpsdk 0.9.5, {CONCURRENCY} threads"), f),
        Some(Err(why)) => println!("(c) hcpsdk 0.9.5: not measured: {why}"),
        None => println!("(c) hcpsdk 0.9.5: skipped in the smoke run"),
    }
    println!("(one op = PUT 4 KiB + GET it back, verified; CPU is user + system time)");
    println!();
    println!(
        "(d) {big} streamed PUT from a file  {:>7.0} MB/s",
        s.put_mb_s
    );
    println!(
        "(d) {big} streamed GET, verified    {:>7.0} MB/s",
        s.get_mb_s
    );
    let rss = s.peak_rss_kib as f64 / 1024.0;
    println!("(d) client peak RSS (VmHWM)       {rss:>7.1} MiB");
    println!();
    println!("{:<34} {:>8} {:>10}  result", "target", "figure", "target");
    let check = |what: &str, figure: String, target: String, pass: Option<bool>| {
        let result = pass.map_or("-", verdict);
        println!("{what:<34} {figure:>8} {target:>10}  {result}");
    };
    match python {
        Some(Ok(f)) => {
            let ratio = p.hcp.ops_per_sec() / f.ops_per_sec();
            check(
                "(a)/(c) ops/s",
                format!("{ratio:.1}x"),
                format!(">= {TARGET_VS_HCPSDK:.0}x"),
                Some(ratio >= TARGET_VS_HCPSDK),
            );
        }
        _ => check(
            "(a)/(c) ops/s",
            "n/a".into(),
            format!(">= {TARGET_VS_HCPSDK:.0}x"),
            None,
        ),
    }
    check(
        "(a)/(b) ops/s, median of rounds",
        format!("{:.2}x", p.throughput_ratio),
        format!(">= {TARGET_VS_BARE:.2}x"),
        Some(p.throughput_ratio >= TARGET_VS_BARE),
    );
    check(
        "(a)/(b) CPU/op, median of rounds",
        format!("{:.2}x", p.cpu_ratio),
        "-".into(),
        None,
    );
    check(
        &format!("peak RSS, {big} PUT+GET"),
        format!("{rss:.1} MiB"),
        format!("<= {TARGET_RSS_MIB:.0} MiB"),
        Some(rss <= TARGET_RSS_MIB),
    );
}
