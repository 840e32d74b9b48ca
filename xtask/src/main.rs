//! Project automation, run as `cargo xtask <command>` (see <https://github.com/matklad/cargo-xtask/>).
//!
//! - `demo`: the seeds' workflows end to end against the embedded mock servers.
//! - `test`: what CI runs: format check, clippy with `-D warnings`, every test.
//! - `bench [core|hcp|all]`: the transport benchmark (core vs a bare hyper-util client, same
//!   mock, same run; the default) and the HCP benchmark (storkit-hcp vs bare hyper-util vs
//!   Python hcpsdk, 1 GiB streamed).
//! - `mock <vendor> [flags]`: a mock server standalone, printing `ready <url>...`.
//!
//! It depends on nothing but the standard library, so it builds first and fast.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo                 run the demos against the embedded mock servers
  test                 fmt check, clippy -D warnings, every unit, doc and integration test
  bench [core|hcp|all] benchmarks on 4-node mocks; core (the default): storkit-core vs bare
                       hyper-util; hcp: storkit-hcp vs bare hyper-util vs Python hcpsdk, 1 GiB
  mock <vendor> ...    start a mock server standalone (vendors: demo, hitachi, hcp, vrg, ontap-deploy); `mock <vendor> --help`
";

/// Mocks that `cargo xtask mock` can start: vendor name, package, binary, leading args.
const MOCKS: &[(&str, &str, &str, &[&str])] = &[
    ("demo", "storkit-mock", "storkit-mock", &["demo"]),
    (
        "hitachi",
        "storkit-hitachi-block-mock",
        "storkit-hitachi-block-mock",
        &[],
    ),
    ("hcp", "storkit-hcp-mock", "storkit-hcp-mock", &[]),
    ("vrg", "storkit-vrg-mock", "storkit-vrg-mock", &[]),
    (
        "ontap-deploy",
        "storkit-ontap-deploy-mock",
        "storkit-ontap-deploy-mock",
        &[],
    ),
];

/// Demo programs, run in this order: package, example, what it shows.
const DEMOS: &[(&str, &str, &str)] = &[
    (
        "storkit-core",
        "core_tour",
        "the core transport: round robin, failover, pinning, a polled job, DNS changes",
    ),
    (
        "storkit-hitachi-block",
        "register_remote_storage",
        "Hitachi VSP: register a remote storage system, as the vendor's sample 000 (two mock arrays)",
    ),
    (
        "storkit-hitachi-block",
        "shadowimage_pair",
        "Hitachi VSP: create and split a ShadowImage pair, as the vendor's sample 001 (one mock array)",
    ),
    (
        "storkit-hcp",
        "simple_primary_only",
        "HCP: the hcpsdk manual's code sample 9.1, PUT/HEAD/GET/DELETE of a 128 kB object (one mock system)",
    ),
    (
        "storkit-hcp",
        "namespace_info",
        "HCP: namespace statistics, accessible namespaces, retention classes, permissions (one mock system)",
    ),
    (
        "storkit-hcp",
        "replication",
        "HCP: MAPI replication links, failover and failback, reads moving to the replica (two mock systems)",
    ),
    (
        "storkit-hcp",
        "bulk_ingest",
        "HCP: 200 files stored in parallel over four nodes with the path builder and a journal (one mock system)",
    ),
    (
        "storkit-vrg",
        "vrg_pairing",
        "VRG: pair a production VRG with a DR VRG, protect a VM on both sides, then undo it all (two mock VRGs)",
    ),
    (
        "storkit-ontap-deploy",
        "deploy_cluster",
        "ONTAP Select Deploy: credentials, hosts, a 2-node cluster configured by network purpose, deployed with job progress, queried, powered off and deleted (one mock Deploy)",
    ),
];

/// Python packages the seed-program tests need (the vendors' samples use `requests`).
const PYTHON_REQUIREMENTS: &str = "crates/hitachi-block-mock/seeds/requirements.txt";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&root),
        Some("demo") => demo(&root),
        Some("bench") => bench(&root, args.get(1).map(String::as_str)),
        Some("mock") => mock(&root, &args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn test(root: &Path) -> Result<(), String> {
    python_requirements(root)?;
    cargo(root, &["fmt", "--all", "--", "--check"])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The seed-diff tests run the examples' binaries (target/<profile>/examples/<name>):
    // build them first, so a test never meets a missing or stale one.
    cargo(
        root,
        &[
            "build",
            "--workspace",
            "--examples",
            "--all-features",
            "--locked",
        ],
    )?;
    // Every feature on: optional code (the core's `xml`) is built, linted and tested too.
    cargo(
        root,
        &[
            "test",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
        ],
    )?;
    cargo(
        root,
        &["test", "--workspace", "--doc", "--all-features", "--locked"],
    )?;
    docs(root)?;
    tidy(root)?;
    eprintln!("xtask test: all green");
    Ok(())
}

/// API docs build without warnings (broken intra-doc links, bare URLs).
fn docs(root: &Path) -> Result<(), String> {
    let cargo_bin = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --locked");
    let status = Command::new(cargo_bin)
        .args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
            "--quiet",
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo doc` found problems ({status})"))
    }
}

/// Installs the Python packages the seed-program tests run with, when missing.
fn python_requirements(root: &Path) -> Result<(), String> {
    let have = Command::new("python3")
        .args(["-c", "import requests"])
        .status()
        .map_err(|e| format!("python3 is needed by the seed-program tests: {e}"))?;
    if have.success() {
        return Ok(());
    }
    eprintln!("$ python3 -m pip install -r {PYTHON_REQUIREMENTS}");
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "-r", PYTHON_REQUIREMENTS])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "pip install -r {PYTHON_REQUIREMENTS} failed ({status})"
        ))
    }
}

/// Repository rules no compiler checks.
fn tidy(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "xtask"] {
        collect_rs(&root.join(dir), &mut files);
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            // Spelled in two parts so this file does not match its own rule.
            if t.starts_with(concat!("#[", "ignore")) {
                problems.push(format!(
                    "{rel}:{}: ignored test: every test must run",
                    n + 1
                ));
            }
            let doc = t.starts_with("///") || t.starts_with("//!");
            if doc && (t.contains("```ignore") || t.contains("```rust,ignore")) {
                problems.push(format!("{rel}:{}: ignored doc test", n + 1));
            }
            if rel.contains("/src/") && (t.contains("todo!(") || t.contains("unimplemented!(")) {
                problems.push(format!(
                    "{rel}:{}: todo!/unimplemented! in shipped code",
                    n + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("tidy:\n  {}", problems.join("\n  ")))
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                collect_rs(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("xtask/src/main.rs")
        {
            out.push(path);
        }
    }
}

fn demo(root: &Path) -> Result<(), String> {
    for (i, (package, example, about)) in DEMOS.iter().enumerate() {
        println!("\n### demo {} of {}: {about}", i + 1, DEMOS.len());
        cargo(
            root,
            &["run", "--quiet", "-p", package, "--example", example],
        )?;
    }
    println!(
        "\nAll demos ran against mock servers on loopback addresses (127.0.0.0/8); nothing left this machine."
    );
    Ok(())
}

/// A benchmark: name, mock package, mock binary, the variable that tells the bench where
/// the built mock is, the features it is built with, bench package, bench target.
struct Bench {
    name: &'static str,
    mock_package: &'static str,
    mock_bin: &'static str,
    mock_env: &'static str,
    /// Features the mock binary is built with for the benchmark.
    mock_features: &'static str,
    package: &'static str,
    target: &'static str,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "core",
        mock_package: "storkit-mock",
        mock_bin: "storkit-mock",
        mock_env: "STORKIT_MOCK_BIN",
        mock_features: "",
        package: "storkit-core",
        target: "transport",
    },
    Bench {
        name: "hcp",
        mock_package: "storkit-hcp-mock",
        mock_bin: "storkit-hcp-mock",
        mock_env: "STORKIT_HCP_MOCK_BIN",
        mock_features: "mimalloc",
        package: "storkit-hcp",
        target: "hcp",
    },
];

/// `bench` (the core transport bench), `bench <name>` or `bench all`.
fn bench(root: &Path, which: Option<&str>) -> Result<(), String> {
    let chosen: Vec<&Bench> = match which.unwrap_or("core") {
        "all" => BENCHES.iter().collect(),
        name => match BENCHES.iter().find(|b| b.name == name) {
            Some(b) => vec![b],
            None => {
                let names: Vec<&str> = BENCHES.iter().map(|b| b.name).collect();
                return Err(format!(
                    "unknown benchmark `{name}`; one of: {}, all",
                    names.join(", ")
                ));
            }
        },
    };
    for b in chosen {
        run_bench(root, b)?;
    }
    Ok(())
}

fn run_bench(root: &Path, b: &Bench) -> Result<(), String> {
    // The mock runs as its own (release) process, so the bench's CPU figures are the
    // client's alone.
    cargo(
        root,
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            b.mock_package,
            "--bin",
            b.mock_bin,
            "--features",
            b.mock_features,
        ],
    )?;
    let mock = target_dir(root).join("release").join(b.mock_bin);
    let cargo_bin = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo bench -p {} --bench {}", b.package, b.target);
    let status = Command::new(cargo_bin)
        .args(["bench", "--quiet", "-p", b.package, "--bench", b.target])
        .env(b.mock_env, &mock)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("benchmark {} failed ({status})", b.name))
    }
}

/// Where cargo puts its build output: `CARGO_TARGET_DIR` (or `CARGO_BUILD_TARGET_DIR`)
/// when set, relative paths taken from the workspace root, else `target/`.
fn target_dir(root: &Path) -> PathBuf {
    let configured =
        env::var_os("CARGO_TARGET_DIR").or_else(|| env::var_os("CARGO_BUILD_TARGET_DIR"));
    target_dir_from(root, configured)
}

fn target_dir_from(root: &Path, configured: Option<std::ffi::OsString>) -> PathBuf {
    match configured.filter(|v| !v.is_empty()) {
        // `join` keeps an absolute path as it is and puts a relative one under the root.
        Some(dir) => root.join(PathBuf::from(dir)),
        None => root.join("target"),
    }
}

fn mock(root: &Path, args: &[String]) -> Result<(), String> {
    let Some(vendor) = args.first() else {
        let names: Vec<&str> = MOCKS.iter().map(|m| m.0).collect();
        return Err(format!("which mock? one of: {}", names.join(", ")));
    };
    let Some((_, package, bin, lead)) = MOCKS.iter().find(|m| m.0 == vendor) else {
        let names: Vec<&str> = MOCKS.iter().map(|m| m.0).collect();
        return Err(format!(
            "unknown mock `{vendor}`; one of: {}",
            names.join(", ")
        ));
    };
    let mut cargo_args: Vec<&str> = vec!["run", "--quiet", "-p", package, "--bin", bin, "--"];
    cargo_args.extend_from_slice(lead);
    cargo_args.extend(args[1..].iter().map(String::as_str));
    cargo(root, &cargo_args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_dir_follows_cargo_target_dir() {
        let root = Path::new("/work/project");
        assert_eq!(target_dir_from(root, None), root.join("target"));
        assert_eq!(target_dir_from(root, Some("".into())), root.join("target"));
        assert_eq!(
            target_dir_from(root, Some("/tmp/shared-target".into())),
            PathBuf::from("/tmp/shared-target")
        );
        assert_eq!(
            target_dir_from(root, Some("build/out".into())),
            root.join("build/out")
        );
    }
}
