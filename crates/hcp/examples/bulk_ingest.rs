//! Bulk ingest, as the hcpsdk manual's "Coding for HCP" advises: many files stored in
//! parallel over all nodes, under unique names spread over the path builder's folders
//! (`/rest/bulk/xx/yy/<uuid>`, the original file name kept as an annotation), with a
//! progress bar, a journal from which an interrupted run resumes, and a summary.
//!
//! Each file's result names the node that stored it, so the summary tells how the uploads
//! spread over the nodes. With no `--fqdn` it starts a mock HCP itself (four nodes on
//! 127.0.9.31-34, TLS with its own CA and its own DNS server). With no `--dir` it makes
//! `--files` small files in a temporary directory (removed at the end). Against a real
//! system:
//!
//! ```text
//! cargo run -p storkit-hcp --example bulk_ingest -- \
//!   --fqdn n1.m.hcp1.example.com --user n --password n01 --ca-file hcp-ca.pem \
//!   --dir ./to-archive --concurrency 32 --journal ./to-archive.journal
//! ```
//!
//! Run it again with the same `--dir` and `--journal` after an interruption: files the
//! journal records as stored are skipped, and the others keep the names they were given.

#[path = "support/cli.rs"]
mod cli;

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use storkit_example_cli::Args;
use storkit_hcp::{BulkEvent, BulkIngest, Outcome, PathBuilder};
use storkit_hcp_mock::{HcpConfig, HcpMock};

const USAGE: &str = "\
bulk_ingest: store many files in parallel over all nodes, with the path builder, a
progress bar and a journal (resumable)

  --fqdn FQDN              the namespace, e.g. n1.m.hcp1.example.com
                           (default: start a mock HCP on 127.0.9.31-34)
  --dir DIR                ingest the files in DIR (not its subdirectories)
                           (default: make --files files in a temporary directory)
  --files N                how many files to make (default 200)
  --concurrency N          uploads at once (default 32)
  --path PATH              where the path builder's folders start (default /rest/bulk)
  --journal FILE           the journal (JSON lines), kept; run again with it to resume
                           (default: one in the temporary directory, removed at the end)";

fn main() {
    cli::exit_on_error(run());
}

#[tokio::main]
async fn run() -> Result<(), Box<dyn Error>> {
    let usage = format!("{USAGE}\n{}", cli::CONNECTION_USAGE);
    let mut flags = cli::CONNECTION_FLAGS.to_vec();
    flags.extend(["dir", "files", "concurrency", "path", "journal"]);
    let args = Args::parse(&flags, &["insecure"], &usage);
    let conn = cli::connection(&args, "n", "n01");
    let count: usize = args.number("files", 200);
    let concurrency: usize = args.number("concurrency", 32);
    let initial_path = args.or("path", "/rest/bulk");

    // Generated files and the default journal live here, and go at the end.
    let work = WorkDir::create()?;
    let files = match args.get("dir") {
        Some(dir) => list_files(Path::new(dir))?,
        None => make_files(&work.0.join("files"), count)?,
    };
    if files.is_empty() {
        return Err("no files to ingest".into());
    }
    let (journal, journal_note) = match args.get("journal") {
        Some(j) => (PathBuf::from(j), ""),
        None => (work.0.join("journal.jsonl"), " (temporary)"),
    };

    let mut _mock = None; // kept alive for the run
    let builder = match &conn.fqdn {
        Some(fqdn) => conn.builder(fqdn),
        None => {
            let m = HcpMock::start(
                HcpConfig::sample("hcp1.example")
                    .ips((31..=34).map(cli::ip))
                    .data_port(0)
                    .mapi_port(0),
            )
            .await
            .map_err(|e| cli::Failed::new("cannot start the mock HCP", e))?;
            let fqdn = m.namespace_fqdn("m", "n1");
            eprintln!("(no --fqdn: started a mock HCP for {fqdn} on 127.0.9.31-34)");
            let b = cli::mock_builder(&m, &fqdn)?;
            _mock = Some(m);
            b
        }
    };
    let client = builder.credentials(&conn.user, &conn.password).build()?;

    // Sizes up front: the bar counts bytes, and a failed file's size is not in its result.
    let mut sizes = HashMap::new();
    for f in &files {
        let len = std::fs::metadata(f)
            .map_err(|e| cli::Failed::new(format!("cannot read {}", f.display()), e))?
            .len();
        sizes.insert(f.clone(), len);
    }
    let total_bytes: u64 = sizes.values().sum();
    println!("running *bulk_ingest*");
    println!(
        "{} files, {} bytes, into {}{initial_path} at concurrency {concurrency}",
        files.len(),
        total_bytes,
        client.fqdn()
    );
    println!("journal: {}{journal_note}", journal.display());

    // On stdout, so it hides itself when stdout is not a terminal (a log, a pipe, a CI
    // job) instead of filling it with redraws.
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stdout());
    bar.set_style(ProgressStyle::with_template(
        "[{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
    )?);
    let progress = bar.clone();
    let sizes = Arc::new(sizes);
    let on_event = move |event: &BulkEvent| {
        if let BulkEvent::Finished {
            result,
            done,
            total,
        } = event
        {
            progress.inc(sizes.get(&result.file).copied().unwrap_or(0));
            progress.set_message(format!("{done}/{total} files"));
        }
    };

    let ingest = BulkIngest::new(
        client,
        PathBuilder::new(initial_path.as_str()).annotation(true),
    )
    .concurrency(concurrency)
    .journal(&journal);
    let started = Instant::now();
    let results = ingest.run(files, on_event).await?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();

    let (mut stored, mut already, mut bytes) = (0usize, 0usize, 0u64);
    let mut failures = Vec::new();
    for r in &results {
        match &r.outcome {
            Outcome::Stored {
                bytes: b,
                already: earlier,
                ..
            } => {
                stored += 1;
                if *earlier {
                    already += 1;
                } else {
                    bytes += b;
                }
            }
            Outcome::Failed { error, .. } => failures.push((r.file.clone(), error.clone())),
            // A future outcome kind: counted as neither.
            _ => {}
        }
    }
    println!("stored: {stored} ({already} of them by an earlier run, per the journal)");
    println!("failed: {}", failures.len());
    for (file, error) in failures.iter().take(5) {
        println!("  {}: {error}", file.display());
    }
    let seconds = elapsed.as_secs_f64();
    println!(
        "sent:   {bytes} bytes in {seconds:.3} s = {:.2} MB/s",
        bytes as f64 / 1e6 / seconds.max(1e-9)
    );
    println!("nodes used (objects stored per node in this run):");
    let mut per_node = BTreeMap::new();
    for served in results.iter().filter_map(|r| r.served) {
        let system = if served.replica { " (replica)" } else { "" };
        *per_node
            .entry(format!("{}{system}", served.address))
            .or_insert(0usize) += 1;
    }
    if per_node.is_empty() {
        println!("  (none)");
    }
    for (node, n) in per_node {
        println!("  {node}: {n}");
    }
    let lines = std::fs::read_to_string(&journal)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    println!("journal: {lines} lines (a name before each PUT, a result after it)");
    if !failures.is_empty() {
        return Err(format!("{} of {} files failed", failures.len(), results.len()).into());
    }
    Ok(())
}

/// The regular files directly in `dir`, in name order.
fn list_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let read = |e| cli::Failed::new(format!("cannot list {}", dir.display()), e);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        if entry.file_type().map_err(read)?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// `count` files of 1 to 16 KiB of letters, different in size and content, made from a
/// small xorshift generator (no randomness needed, only variety).
fn make_files(dir: &Path, count: usize) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let fail = |e| cli::Failed::new(format!("cannot write in {}", dir.display()), e);
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut files = Vec::with_capacity(count);
    for i in 0..count {
        let len = 1024 + (next() % (15 * 1024)) as usize;
        let content: Vec<u8> = (0..len).map(|_| b'a' + (next() % 26) as u8).collect();
        let path = dir.join(format!("file-{i:05}.txt"));
        std::fs::write(&path, content).map_err(fail)?;
        files.push(path);
    }
    Ok(files)
}

/// A fresh directory under the temp directory, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> Result<WorkDir, Box<dyn Error>> {
        let path = std::env::temp_dir().join(format!("storkit-hcp-bulk-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| cli::Failed::new(format!("cannot create {}", path.display()), e))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        // Best effort: a leftover temp directory is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
