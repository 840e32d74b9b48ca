//! Registers a remote storage system, step by step as the vendor's sample program
//! (seed 000, "register remote storage system"), printing the same lines.
//!
//! With no `--local-url`, it starts two mock arrays itself with the sample's values
//! (VSP G900 #410000 and #420000). Against real arrays:
//!
//! ```text
//! cargo run -p storkit-hitachi-block --example register_remote_storage -- \
//!   --local-url https://192.0.2.100 --local-user local_user --local-password local_pass \
//!   --local-model "VSP G900" --local-serial 410000 \
//!   --remote-url https://192.0.2.200 --remote-user remote_user --remote-password remote_pass \
//!   --remote-model "VSP G900" --remote-serial 420000 --ca-file arrays-ca.pem
//! ```

#[path = "support/args.rs"]
mod args;

use std::error::Error;
use std::net::IpAddr;

use storkit_core::http::Uri;
use storkit_hitachi_block::remote_storage::{RegisterRemoteStorage, RemoteStorage};
use storkit_hitachi_block::{HitachiClient, Session, TlsPolicy};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{ServerConfig, TlsSettings};

const USAGE: &str = "\
register_remote_storage: register a remote storage system (sample program 000)

  --local-url URL          local REST server, e.g. https://192.0.2.100 (default: start mocks)
  --local-user USER        (default local_user)      --local-password PASS (default local_pass)
  --local-model MODEL      (default \"VSP G900\")      --local-serial N (default 410000)
  --remote-url URL         remote REST server, e.g. https://192.0.2.200
  --remote-user USER       (default remote_user)     --remote-password PASS (default remote_pass)
  --remote-model MODEL     (default \"VSP G900\")      --remote-serial N (default 420000)
  --ca-file PEM            trust this CA bundle
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify certificates (not recommended)";

struct Side {
    url: String,
    user: String,
    password: String,
    model: String,
    serial: u64,
    tls: TlsPolicy,
}

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

async fn run() -> Result<(), Box<dyn Error>> {
    let args = args::Args::parse(
        &[
            "local-url",
            "local-user",
            "local-password",
            "local-model",
            "local-serial",
            "remote-url",
            "remote-user",
            "remote-password",
            "remote-model",
            "remote-serial",
            "ca-file",
            "pin-sha256",
        ],
        &["insecure"],
        USAGE,
    );
    let tls = args.tls(USAGE);
    let side = |prefix: &str, user: &str, password: &str, serial: u64| Side {
        url: args
            .get(&format!("{prefix}-url"))
            .unwrap_or_default()
            .to_owned(),
        user: args.or(&format!("{prefix}-user"), user),
        password: args.or(&format!("{prefix}-password"), password),
        model: args.or(&format!("{prefix}-model"), "VSP G900"),
        serial: args.number(&format!("{prefix}-serial"), serial, USAGE),
        tls: tls.clone().unwrap_or_default(),
    };
    let mut local = side("local", "local_user", "local_pass", 410_000);
    let mut remote = side("remote", "remote_user", "remote_pass", 420_000);

    // Keep the mocks alive for the whole run when we start them.
    let mut _mocks = Vec::new();
    if args.get("local-url").is_none() {
        for (s, ip) in [
            (&mut local, [127, 0, 0, 201]),
            (&mut remote, [127, 0, 0, 202]),
        ] {
            let mock = HitachiMock::start(
                ServerConfig::new()
                    .ips([IpAddr::from(ip)])
                    .tls(TlsSettings::new(["localhost"])),
                ArrayConfig::new(&s.model, s.serial).user(&s.user, &s.password),
            )
            .await?;
            s.url = mock.url();
            if tls.is_none() {
                let fingerprint = mock
                    .server()
                    .tls()
                    .ok_or("mock without TLS")?
                    .fingerprint_hex_colon();
                s.tls = TlsPolicy::pinned([fingerprint.as_str()])?;
            }
            _mocks.push(mock);
        }
        eprintln!(
            "(no --local-url: started mock arrays at {} and {}, trusted by certificate pin)",
            local.url, remote.url
        );
    } else if args.get("remote-url").is_none() {
        return Err("--remote-url is required with --local-url".into());
    }

    let local_client = client(&local).await?;
    let remote_client = client(&remote).await?;

    println!("Check the API version of the local REST API");
    local_client.require_api_version(1, 9).await?;
    println!("Check the API version of the remote REST API");
    remote_client.require_api_version(1, 9).await?;

    let mut local_session: Option<Session> = None;
    let mut remote_session: Option<Session> = None;
    let result = async {
        println!("Generate a local session");
        let l = local_session
            .insert(local_client.open_session().await?)
            .clone();
        println!("Generate a remote session");
        let r = remote_session
            .insert(remote_client.open_session().await?)
            .clone();

        println!("Register a remote storage device");
        let uri: Uri = remote.url.parse()?;
        let ip = uri
            .host()
            .ok_or("remote URL without host")?
            .trim_matches(['[', ']']);
        let port = uri.port_u16().unwrap_or(443);
        let spec = RegisterRemoteStorage::new(remote_client.storage_device_id(), ip, port);
        let job = l.remote_storages().register(&r, &spec).await?;
        println!(
            "Request was accepted. JOB URL : {}",
            job.self_path.clone().unwrap_or_default()
        );
        let affected = job
            .affected_resources
            .first()
            .cloned()
            .ok_or("the job named no resource")?;
        println!("Async job was succeeded. affected resource : {affected}");

        println!("Print the remote storage device");
        let rs: RemoteStorage = l.get_json(&affected).await?;
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".to_owned());
        println!("STORAGE DEVICE ID : {}", rs.storage_device_id);
        println!("DKC TYPE : {}", text(&rs.dkc_type));
        println!("REST SERVER IP : {}", text(&rs.rest_server_ip));
        println!("REST SERVER PORT : {}", text(&rs.rest_server_port));
        println!("MODEL : {}", text(&rs.model));
        println!("SERIAL NUMBER : {}", text(&rs.serial_number));
        Ok::<(), Box<dyn Error>>(())
    }
    .await;

    // As the sample's `finally`: discard whatever sessions were opened.
    if let Some(s) = local_session {
        println!("Discard the local session");
        s.close().await?;
    }
    if let Some(s) = remote_session {
        println!("Discard the remote session");
        s.close().await?;
    }
    result?;
    println!("Operation was completed.");
    Ok(())
}

async fn client(side: &Side) -> Result<HitachiClient, Box<dyn Error>> {
    Ok(HitachiClient::builder(side.url.clone())
        .credentials(side.user.clone(), side.password.clone())
        .model_serial(side.model.clone(), side.serial)
        .tls(side.tls.clone())
        .build()
        .await?)
}
