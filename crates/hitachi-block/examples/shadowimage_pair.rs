//! Creates and splits a ShadowImage pair, step by step as the vendor's sample program
//! (seed 001, 「ShadowImageペア操作のサンプルコード」), printing what it prints, in the same
//! order, on success and on every error path: each job's URL as soon as the server
//! accepted the request, the split's action template as the server sent it, `Error! SSB
//! code : ...` for a failed job, the discard of its `finally` clause and `Operation was
//! completed.`. The split goes to the pair the create job named in `affectedResources`.
//! Like the sample, it sends each request once. What the sample writes on stderr (`HTTP
//! Error! status code : ...`, `Job Error!`, a traceback) has its equivalent on stderr.
//!
//! With no `--url`, it starts a mock array itself with the sample's values (LDEVs 347 and
//! 348 of equal size). Against a real array:
//!
//! ```text
//! cargo run -p storkit-hitachi-block --example shadowimage_pair -- \
//!   --url https://192.0.2.100 --user user1 --password pass1 --model "VSP G900" --serial 410000 \
//!   --copy-group-name SI_347 --copy-pair-name p_347-348 --pvol-ldev-id 347 --svol-ldev-id 348 \
//!   --pin-sha256 AB:CD:...
//! ```

#[path = "support/seed.rs"]
mod seed;

use std::error::Error;
use std::net::IpAddr;
use std::process::ExitCode;

use seed::Failure;
use storkit_example_cli::Args;
use storkit_hitachi_block::jobs::AffectedResource;
use storkit_hitachi_block::local_copy::{CreateLocalClonePair, LocalClonePair, LocalCopyAction};
use storkit_hitachi_block::{HitachiClient, Session, TlsPolicy};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{ServerConfig, TlsSettings};

const USAGE: &str = "\
shadowimage_pair: create and split a ShadowImage pair (sample program 001)

  --url URL                REST server, e.g. https://192.0.2.100 (default: start a mock)
  --user USER              (default user1)            --password PASS (default pass1)
  --model MODEL            (default \"VSP G900\")       --serial N (default 410000)
  --copy-group-name NAME   (default SI_347)           --copy-pair-name NAME (default p_347-348)
  --pvol-ldev-id N         (default 347)              --svol-ldev-id N (default 348)
  --ca-file PEM            trust this CA bundle
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify certificates (not recommended)";

/// The sample requires REST API 1.2.x or newer.
const REQUIRED_VERSION: (u32, u32) = (1, 2);

/// What the sample works on.
struct Pair {
    group: String,
    name: String,
    pvol: u32,
    svol: u32,
}

/// The session the sample holds, and whether its headers carry the token yet (it puts
/// it there at step 3).
#[derive(Default)]
struct SessionState {
    session: Option<Session>,
    token_sent: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(
        &[
            "url",
            "user",
            "password",
            "model",
            "serial",
            "copy-group-name",
            "copy-pair-name",
            "pvol-ldev-id",
            "svol-ldev-id",
            "ca-file",
            "pin-sha256",
        ],
        &["insecure"],
        USAGE,
    );
    let pair = Pair {
        group: args.or("copy-group-name", "SI_347"),
        name: args.or("copy-pair-name", "p_347-348"),
        pvol: args.number("pvol-ldev-id", 347),
        svol: args.number("svol-ldev-id", 348),
    };
    // Keep the mock, if started here, alive for the whole run.
    let (client, _mock) = match prepare(&args).await {
        Ok(prepared) => prepared,
        Err(e) => return setup_failed(e.as_ref()),
    };

    let mut state = SessionState::default();
    // The sample's `try` and its `except` clauses.
    if let Err(failure) = steps(&client, &pair, &mut state).await {
        failure.report_caught();
    }
    finally(&client, &state).await
}

/// Steps 1 to 5 of the sample.
async fn steps(
    client: &HitachiClient,
    pair: &Pair,
    state: &mut SessionState,
) -> Result<(), Failure> {
    let (major, minor) = REQUIRED_VERSION;
    println!("Check the API version");
    seed::check_api_version(client, major, minor).await?;

    println!("Generate a session");
    let session = state.session.insert(client.open_session().await?).clone();

    println!("Create a local copy pair");
    let spec = CreateLocalClonePair::shadow_image(&pair.group, &pair.name, pair.pvol, pair.svol);
    state.token_sent = true;
    let pair_path = seed::invoke(session.local_copy_pairs().create_job(&spec)).await?;
    // The pair as the create job named it, whatever the request asked for.
    let AffectedResource::LocalClonePair(id) = AffectedResource::parse(&pair_path) else {
        return Err("the create job named no ShadowImage pair".into());
    };

    println!("Split the local copy pair");
    let pairs = session.local_copy_pairs();
    let mut template = pairs.template(&id, LocalCopyAction::Split).await?;
    println!("Action template(split):");
    println!("{}", template.raw().unwrap_or_default());
    template.set("copyPace", 3);
    seed::invoke(pairs.invoke(&id, LocalCopyAction::Split, &template)).await?;

    println!("Print the pair status");
    let status: LocalClonePair = session.get_json(&pair_path).await?;
    println!("COPY GROUP NAME : {}", status.copy_group_name);
    println!("COPY PAIR NAME : {}", status.copy_pair_name);
    println!("P-VOL LDEV ID : {}", status.pvol_ldev_id);
    println!("S-VOL LDEV ID : {}", status.svol_ldev_id);
    println!("P-VOL STATUS : {}", status.pvol_status);
    println!("S-VOL STATUS : {}", status.svol_status);
    println!(
        "LOCAL CLONE COPY PAIR ID : {}",
        status.local_clone_copypair_id
    );
    println!();
    Ok(())
}

/// Step 6, the sample's `finally`: a discard the server refuses is reported and the
/// sample carries on; one that gets no answer raises out of `finally` and ends the program
/// (exit status 1) before `Operation was completed.`.
async fn finally(client: &HitachiClient, state: &SessionState) -> ExitCode {
    println!("Discard the session");
    match seed::discard(client, state.session.as_ref(), state.token_sent).await {
        Ok(()) => {}
        Err(refused @ Failure::Http { .. }) => refused.report_caught(),
        Err(failure) => {
            failure.report_uncaught();
            return ExitCode::FAILURE;
        }
    }
    println!("Operation was completed.");
    ExitCode::SUCCESS
}

/// The client from the arguments; with no `--url`, a mock array started here (returned,
/// to be kept alive) and trusted by certificate pin.
async fn prepare(args: &Args) -> Result<(HitachiClient, Option<HitachiMock>), Box<dyn Error>> {
    let user = args.or("user", "user1");
    let password = args.or("password", "pass1");
    let model = args.or("model", "VSP G900");
    let serial: u64 = args.number("serial", 410_000);
    let mut tls = args.tls("the server's certificate");

    let mut mock = None;
    let url = match args.get("url") {
        Some(url) => url.to_owned(),
        None => {
            let started = HitachiMock::start(
                ServerConfig::new()
                    .ips([IpAddr::from([127, 0, 0, 203])])
                    .tls(TlsSettings::new(["localhost"])),
                ArrayConfig::new(&model, serial).user(&user, &password),
            )
            .await?;
            if tls.is_none() {
                let fingerprint = started
                    .server()
                    .tls()
                    .ok_or("mock without TLS")?
                    .fingerprint_hex_colon();
                tls = Some(TlsPolicy::pinned([fingerprint.as_str()])?);
            }
            let url = started.url();
            eprintln!("(no --url: started a mock array at {url}, trusted by certificate pin)");
            mock = Some(started);
            url
        }
    };

    let builder = HitachiClient::builder(url)
        .credentials(user, password)
        .model_serial(model, serial)
        .tls(tls.unwrap_or_default());
    Ok((seed::as_the_sample(builder).build().await?, mock))
}

/// A failure before the sample's first step (arguments, mock, client settings).
fn setup_failed(e: &dyn Error) -> ExitCode {
    eprintln!("Error! {e}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
    ExitCode::FAILURE
}
