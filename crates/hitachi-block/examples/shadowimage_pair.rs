//! Creates and splits a ShadowImage pair, step by step as the vendor's sample program
//! (seed 001, 「ShadowImageペア操作のサンプルコード」), printing the same lines.
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

#[path = "support/args.rs"]
mod args;

use std::error::Error;
use std::net::IpAddr;

use storkit_hitachi_block::local_copy::{CreateLocalClonePair, LocalClonePair, LocalCopyAction};
use storkit_hitachi_block::{HitachiClient, Job, TlsPolicy};
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

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("Error! {e}");
        let mut source = e.source();
        while let Some(s) = source {
            eprintln!("  caused by: {s}");
            source = s.source();
        }
        std::process::exit(1);
    }
}

fn print_job(job: &Job) {
    println!(
        "Request was accepted. JOB URL : {}",
        job.self_path.clone().unwrap_or_default()
    );
    println!(
        "Async job was succeeded. affected resource : {}",
        job.affected_resources.first().cloned().unwrap_or_default()
    );
}

async fn run() -> Result<(), Box<dyn Error>> {
    let args = args::Args::parse(
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
    let user = args.or("user", "user1");
    let password = args.or("password", "pass1");
    let model = args.or("model", "VSP G900");
    let serial: u64 = args.number("serial", 410_000, USAGE);
    let group = args.or("copy-group-name", "SI_347");
    let pair = args.or("copy-pair-name", "p_347-348");
    let pvol: u32 = args.number("pvol-ldev-id", 347, USAGE);
    let svol: u32 = args.number("svol-ldev-id", 348, USAGE);
    let mut tls = args.tls(USAGE);

    let mut _mock = None;
    let url = match args.get("url") {
        Some(url) => url.to_owned(),
        None => {
            let mock = HitachiMock::start(
                ServerConfig::new()
                    .ips([IpAddr::from([127, 0, 0, 203])])
                    .tls(TlsSettings::new(["localhost"])),
                ArrayConfig::new(&model, serial).user(&user, &password),
            )
            .await?;
            if tls.is_none() {
                let fingerprint = mock
                    .server()
                    .tls()
                    .ok_or("mock without TLS")?
                    .fingerprint_hex_colon();
                tls = Some(TlsPolicy::pinned([fingerprint.as_str()])?);
            }
            let url = mock.url();
            eprintln!("(no --url: started a mock array at {url}, trusted by certificate pin)");
            _mock = Some(mock);
            url
        }
    };

    let client = HitachiClient::builder(url)
        .credentials(user, password)
        .model_serial(model, serial)
        .tls(tls.unwrap_or_default())
        .build()
        .await?;

    println!("Check the API version");
    client.require_api_version(1, 2).await?;

    println!("Generate a session");
    let session = client.open_session().await?;
    let result = async {
        println!("Create a local copy pair");
        let spec = CreateLocalClonePair::shadow_image(&group, &pair, pvol, svol);
        let pairs = session.local_copy_pairs();
        let job = pairs.create_job(&spec).await?;
        print_job(&job);
        let pair_url = job
            .affected_resources
            .first()
            .cloned()
            .ok_or("the job named no pair")?;
        let pair_id = spec.pair_id();

        println!("Split the local copy pair");
        let mut template = pairs.template(&pair_id, LocalCopyAction::Split).await?;
        println!("Action template(split):");
        println!("{}", serde_json::to_string(&template)?);
        template.set("copyPace", 3);
        let job = pairs
            .invoke(&pair_id, LocalCopyAction::Split, &template)
            .await?;
        print_job(&job);

        println!("Print the pair status");
        let status: LocalClonePair = session.get_json(&pair_url).await?;
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
        Ok::<(), Box<dyn Error>>(())
    }
    .await;

    // As the sample's `finally`: the session is discarded whatever happened.
    println!("Discard the session");
    let closed = session.close().await;
    result?;
    closed?;
    println!("Operation was completed.");
    Ok(())
}
