//! Transport benchmark: 4 KiB GETs at concurrency 32 over the 4-node mock, through
//! storkit-core and through a bare hyper-util client, side by side in one run.
//!
//! Run with `cargo xtask bench`. The mock runs as a separate process (so the CPU figures
//! are the client's alone); rounds alternate between the two clients so that machine
//! noise hits both alike. Reported: requests per second, client CPU per request, ratios.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as BareClient;
use hyper_util::rt::TokioExecutor;
use storkit_core::{Client, Request};

const CONCURRENCY: usize = 32;
const BODY: usize = 4096;
/// The request path, built once as the bare client's URIs are (a `format!` per request
/// would be the bench's cost, not the client's).
const PATH: &str = "/bytes/4096";
/// Measured run (`cargo bench`, which passes `--bench`) or smoke run (`cargo test`, which
/// runs this file once to keep it working).
struct Mode {
    round: Duration,
    rounds: usize,
    warmup: u64,
}

struct Mock {
    child: Child,
    port: u16,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_mock(bin: &str) -> Mock {
    let mut child = Command::new(bin)
        .args([
            "demo",
            "--ips",
            "127.0.0.11,127.0.0.12,127.0.0.13,127.0.0.14",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the mock {bin}: {e} (run `cargo xtask bench`)"));
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("ready ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected mock output: {line}"))
        .to_owned();
    let port = url.rsplit(':').next().unwrap().parse().unwrap();
    Mock { child, port }
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may contain spaces) start after ") ".
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

struct Figures {
    requests: u64,
    wall: Duration,
    cpu: Duration,
}

async fn drive<F>(round: Duration, one: F) -> Figures
where
    F: Fn(u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>>
        + Send
        + Sync
        + 'static,
{
    let one = Arc::new(one);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (one, stop, count) = (one.clone(), stop.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = worker as u64;
            while !stop.load(Ordering::Relaxed) {
                let n = one(i).await;
                assert_eq!(n, BODY);
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
        requests: count.load(Ordering::Relaxed),
        wall: start.elapsed(),
        cpu: cpu_time() - cpu0,
    }
}

fn main() {
    let measured = std::env::args().any(|a| a == "--bench");
    let mode = if measured {
        // Many short rounds, each a core/bare pair, so that the median of the pairs'
        // ratios shrugs off the bursts of noise a shared 2-core machine has.
        Mode {
            round: Duration::from_secs(2),
            rounds: 9,
            warmup: 200,
        }
    } else {
        Mode {
            round: Duration::from_millis(200),
            rounds: 1,
            warmup: 4,
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        // Measured runs use the mock as a separate process so CPU figures are the
        // client's alone; the smoke run starts it in-process.
        let (_child, _in_process, port) = match std::env::var("STORKIT_MOCK_BIN") {
            Ok(bin) => {
                let mock = start_mock(&bin);
                let port = mock.port;
                (Some(mock), None, port)
            }
            Err(_) if measured => panic!("STORKIT_MOCK_BIN is not set: run `cargo xtask bench`"),
            Err(_) => {
                let ips: Vec<IpAddr> = (11..=14).map(|i| IpAddr::from([127, 0, 0, i])).collect();
                let server = storkit_mock::MockServer::start(
                    storkit_mock::ServerConfig::new().ips(ips),
                    storkit_mock::demo::DemoApp::new(),
                )
                .await
                .unwrap();
                let port = server.port();
                (None, Some(server), port)
            }
        };
        let ips: Vec<IpAddr> = (11..=14).map(|i| IpAddr::from([127, 0, 0, i])).collect();

        let core = Client::builder(format!("http://bench.example.test:{port}"))
            .nodes(ips.clone())
            .build()
            .unwrap();
        let bare: BareClient<_, Empty<Bytes>> =
            BareClient::builder(TokioExecutor::new()).build_http();
        let bare_uris: Vec<hyper::Uri> = ips
            .iter()
            .map(|ip| format!("http://{ip}:{port}/bytes/{BODY}").parse().unwrap())
            .collect();
        let bare_uris = Arc::new(bare_uris);

        let core_once = move |_i: u64| {
            let core = core.clone();
            Box::pin(async move {
                let r = core.send(Request::get(PATH)).await.unwrap();
                r.body().len()
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>>
        };
        let bare_once = move |i: u64| {
            let bare = bare.clone();
            let uri = bare_uris[(i % 4) as usize].clone();
            Box::pin(async move {
                let r = bare.get(uri).await.unwrap();
                r.into_body().collect().await.unwrap().to_bytes().len()
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>>
        };
        let core_once = Arc::new(core_once);
        let bare_once = Arc::new(bare_once);

        // Warm both up (connections, allocator) before measuring.
        {
            let c = core_once.clone();
            let b = bare_once.clone();
            for i in 0..mode.warmup {
                c(i).await;
                b(i).await;
            }
        }

        // `STORKIT_BENCH_PROFILE=core` (or `bare`) runs one client alone for 20 s, for
        // `perf record` to look at one side.
        if let Ok(which) = std::env::var("STORKIT_BENCH_PROFILE") {
            let f = if which == "bare" {
                let b = bare_once.clone();
                drive(Duration::from_secs(20), move |i| b(i)).await
            } else {
                let c = core_once.clone();
                drive(Duration::from_secs(20), move |i| c(i)).await
            };
            println!("profile {which}: {}", line(&f));
            return;
        }
        let mut core_total = Figures { requests: 0, wall: Duration::ZERO, cpu: Duration::ZERO };
        let mut bare_total = Figures { requests: 0, wall: Duration::ZERO, cpu: Duration::ZERO };
        let rps = |f: &Figures| f.requests as f64 / f.wall.as_secs_f64();
        let cpu = |f: &Figures| f.cpu.as_secs_f64() * 1e6 / f.requests.max(1) as f64;
        let mut throughput_ratios = Vec::new();
        let mut cpu_ratios = Vec::new();
        for round in 1..=mode.rounds {
            // Which client goes first alternates, so neither always runs on a warmer
            // (or noisier) machine.
            let (core_f, bare_f) = if round % 2 == 1 {
                let c = core_once.clone();
                let core_f = drive(mode.round, move |i| c(i)).await;
                let b = bare_once.clone();
                (core_f, drive(mode.round, move |i| b(i)).await)
            } else {
                let b = bare_once.clone();
                let bare_f = drive(mode.round, move |i| b(i)).await;
                let c = core_once.clone();
                (drive(mode.round, move |i| c(i)).await, bare_f)
            };
            println!("round {round} core : {}", line(&core_f));
            println!("round {round} bare : {}", line(&bare_f));
            throughput_ratios.push(rps(&core_f) / rps(&bare_f));
            cpu_ratios.push(cpu(&core_f) / cpu(&bare_f));
            add(&mut core_total, core_f);
            add(&mut bare_total, bare_f);
        }
        println!();
        println!(
            "4 KiB GET, concurrency {CONCURRENCY}, 4 nodes, {} rounds of {:?} each, interleaved{}",
            mode.rounds,
            mode.round,
            if measured { "" } else { " (smoke run: figures are meaningless)" }
        );
        println!("storkit-core     : {}", line(&core_total));
        println!("bare hyper-util  : {}", line(&bare_total));
        println!(
            "ratio of totals  : throughput {:.2}x, CPU per request {:.2}x",
            rps(&core_total) / rps(&bare_total),
            cpu(&core_total) / cpu(&bare_total)
        );
        println!(
            "median of rounds : throughput {:.2}x, CPU per request {:.2}x (targets: >= 0.90x, <= 1.20x)",
            median(&mut throughput_ratios),
            median(&mut cpu_ratios)
        );
    });
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn add(total: &mut Figures, f: Figures) {
    total.requests += f.requests;
    total.wall += f.wall;
    total.cpu += f.cpu;
}

fn line(f: &Figures) -> String {
    format!(
        "{:>9.0} req/s, {:>6.1} µs CPU/req ({} requests)",
        f.requests as f64 / f.wall.as_secs_f64(),
        f.cpu.as_secs_f64() * 1e6 / f.requests.max(1) as f64,
        f.requests
    )
}
