//! Registers a remote storage system, step by step as the vendor's sample program
//! (seed 000, "register remote storage system"), printing what it prints, in the same
//! order, on success and on every error path: the job's URL as soon as the server accepted
//! the request, `Error! SSB code : ...` for a failed job, the discards of its `finally`
//! clause (a failed local discard ends the program before the remote one, as in the
//! sample), and `Operation was completed.` where the sample prints it. Like the sample, it
//! sends each request once. What the sample writes on stderr (`HTTP Error! status code :
//! ...`, `Job Error!`, a traceback) has its equivalent on stderr; unlike the sample, it
//! leaves no session behind.
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

#[path = "support/seed.rs"]
mod seed;

use std::error::Error;
use std::net::IpAddr;
use std::process::ExitCode;

use seed::Failure;
use storkit_core::http::Uri;
use storkit_example_cli::Args;
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

/// The sample requires REST API 1.9.0 or newer.
const REQUIRED_VERSION: (u32, u32) = (1, 9);

struct Side {
    url: String,
    user: String,
    password: String,
    model: String,
    serial: u64,
    tls: TlsPolicy,
}

/// The sessions the sample holds, and whether its local headers carry the local token
/// yet (it puts it there only at step 3).
#[derive(Default)]
struct Sessions {
    local: Option<Session>,
    remote: Option<Session>,
    local_token_sent: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(
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
    // Keep the mocks, if started here, alive for the whole run.
    let (local, remote, _mocks) = match prepare(&args).await {
        Ok(prepared) => prepared,
        Err(e) => return setup_failed(e.as_ref()),
    };
    let (local_client, remote_client) = match (client(&local).await, client(&remote).await) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => return setup_failed(e.as_ref()),
    };

    let mut sessions = Sessions::default();
    // The sample's `try` and its `except` clauses.
    if let Err(failure) = steps(&local_client, &remote_client, &remote.url, &mut sessions).await {
        failure.report_caught();
    }
    finally(&local_client, &remote_client, &sessions).await
}

/// Steps 1 to 4 of the sample.
async fn steps(
    local: &HitachiClient,
    remote: &HitachiClient,
    remote_url: &str,
    sessions: &mut Sessions,
) -> Result<(), Failure> {
    let (major, minor) = REQUIRED_VERSION;
    println!("Check the API version of the local REST API");
    seed::check_api_version(local, major, minor).await?;
    println!("Check the API version of the remote REST API");
    seed::check_api_version(remote, major, minor).await?;

    println!("Generate a local session");
    let l = sessions.local.insert(local.open_session().await?).clone();
    println!("Generate a remote session");
    let r = sessions.remote.insert(remote.open_session().await?).clone();

    println!("Register a remote storage device");
    let uri: Uri = remote_url
        .parse()
        .map_err(|e| Failure::Other(Box::new(e)))?;
    let ip = uri
        .host()
        .ok_or("remote URL without host")?
        .trim_matches(['[', ']']);
    let port = uri.port_u16().unwrap_or(443);
    let spec = RegisterRemoteStorage::new(remote.storage_device_id(), ip, port);
    sessions.local_token_sent = true;
    let affected = seed::invoke(l.remote_storages().register(&r, &spec)).await?;

    println!("Print the remote storage device");
    let rs: RemoteStorage = l.get_json(&affected).await?;
    // Python's str(None) for a field the server sent as null.
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".to_owned());
    let number = |v: Option<u64>| v.map_or_else(|| "None".to_owned(), |n| n.to_string());
    let port = rs.rest_server_port.map(u64::from);
    println!("STORAGE DEVICE ID : {}", rs.storage_device_id);
    println!("DKC TYPE : {}", text(&rs.dkc_type));
    println!("REST SERVER IP : {}", text(&rs.rest_server_ip));
    println!("REST SERVER PORT : {}", number(port));
    println!("MODEL : {}", text(&rs.model));
    println!("SERIAL NUMBER : {}", number(rs.serial_number));
    Ok(())
}

/// Step 5, the sample's `finally`: a discard that fails raises out of it, which ends the
/// program (exit status 1) before the next discard and before `Operation was completed.`.
async fn finally(local: &HitachiClient, remote: &HitachiClient, sessions: &Sessions) -> ExitCode {
    println!("Discard the local session");
    if let Err(failure) =
        seed::discard(local, sessions.local.as_ref(), sessions.local_token_sent).await
    {
        failure.report_uncaught();
        // The sample leaves the remote session behind; discard it without a word.
        if let Some(r) = &sessions.remote {
            let _ = r.close().await;
        }
        return ExitCode::FAILURE;
    }
    println!("Discard the remote session");
    // The remote headers carry the remote token from step 2 on.
    if let Err(failure) = seed::discard(remote, sessions.remote.as_ref(), true).await {
        failure.report_uncaught();
        return ExitCode::FAILURE;
    }
    println!("Operation was completed.");
    ExitCode::SUCCESS
}

/// The two sides from the arguments; with no `--local-url`, two mock arrays started here
/// (returned, to be kept alive) and trusted by certificate pin.
async fn prepare(args: &Args) -> Result<(Side, Side, Vec<HitachiMock>), Box<dyn Error>> {
    let tls = args.tls("the server's certificate");
    let side = |prefix: &str, user: &str, password: &str, serial: u64| Side {
        url: args
            .get(&format!("{prefix}-url"))
            .unwrap_or_default()
            .to_owned(),
        user: args.or(&format!("{prefix}-user"), user),
        password: args.or(&format!("{prefix}-password"), password),
        model: args.or(&format!("{prefix}-model"), "VSP G900"),
        serial: args.number(&format!("{prefix}-serial"), serial),
        tls: tls.clone().unwrap_or_default(),
    };
    let mut local = side("local", "local_user", "local_pass", 410_000);
    let mut remote = side("remote", "remote_user", "remote_pass", 420_000);

    let mut mocks = Vec::new();
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
            mocks.push(mock);
        }
        eprintln!(
            "(no --local-url: started mock arrays at {} and {}, trusted by certificate pin)",
            local.url, remote.url
        );
    } else if args.get("remote-url").is_none() {
        return Err("--remote-url is required with --local-url".into());
    }
    Ok((local, remote, mocks))
}

async fn client(side: &Side) -> Result<HitachiClient, Box<dyn Error>> {
    let builder = HitachiClient::builder(side.url.clone())
        .credentials(side.user.clone(), side.password.clone())
        .model_serial(side.model.clone(), side.serial)
        .tls(side.tls.clone());
    Ok(seed::as_the_sample(builder).build().await?)
}

/// A failure before the sample's first step (arguments, mocks, client settings).
fn setup_failed(e: &dyn Error) -> ExitCode {
    eprintln!("Error! {e}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
    ExitCode::FAILURE
}
