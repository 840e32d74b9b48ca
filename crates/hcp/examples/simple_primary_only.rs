//! The hcpsdk manual's code sample 9.1, "Simple object I/O without replica", step by step
//! and printing the same lines as its output (9.1.2): store a 128 kB file, read its
//! metadata, read it back, delete it, with the node used and the timings of each request.
//!
//! With no `--fqdn` it starts a mock HCP itself (four nodes on 127.0.9.1-4, TLS with its
//! own CA and its own DNS server) and connects to it. Against a real system, name the
//! namespace (`<namespace>.<tenant>.<hcp domain>`) and a user with write and delete rights
//! on it:
//!
//! ```text
//! cargo run -p storkit-hcp --example simple_primary_only -- \
//!   --fqdn n1.m.hcp1.example.com --user n --password n01 --ca-file hcp-ca.pem
//! ```
//!
//! It writes, then deletes, `/rest/hcpsdk/sample_primary_only.txt`.
//!
//! The header names of the HEAD request are printed as HCP writes them (`X-HCP-Hash`,
//! `ETag`), through `header_display_name`: the client holds them in lower case, as hyper
//! delivers them, and HTTP names are case-insensitive. Where the client differs from
//! hcpsdk, the output shows the client: the connect time is the real TCP and TLS connect
//! time of the connection (0 when a pooled one was reused), where hcpsdk timed the
//! creation of a Python object. And as hcpsdk's `Connection` keeps the node of its first
//! request, the HEAD, GET and DELETE are bound to the node the PUT used (the client itself
//! would spread them over the nodes).

#[path = "support/cli.rs"]
mod cli;
#[path = "support/pyfmt.rs"]
mod pyfmt;

use std::error::Error;
use std::net::IpAddr;
use std::path::PathBuf;

use pyfmt::Py;
use storkit_core::http::Method;
use storkit_example_cli::Args;
use storkit_hcp::client::RawResponse;
use storkit_hcp::{
    ErrorKind, HcpAuth, HcpClient, HcpError, HcpErrorExt, PutBody, PutOptions, Served,
    header_display_name,
};
use storkit_hcp_mock::{HcpConfig, HcpMock};

const USAGE: &str = "\
simple_primary_only: the hcpsdk manual's code sample 9.1 (object I/O without replica)

  --fqdn FQDN              the namespace, e.g. n1.m.hcp1.example.com
                           (default: start a mock HCP on 127.0.9.1-4)
  --debug                  log the client's debug messages to stderr";

/// The object the sample writes, reads and deletes.
const OBJECT: &str = "/rest/hcpsdk/sample_primary_only.txt";

fn main() {
    cli::exit_on_error(run());
}

#[tokio::main]
async fn run() -> Result<(), Box<dyn Error>> {
    let usage = format!("{USAGE}\n{}", cli::CONNECTION_USAGE);
    let args = Args::parse(&cli::CONNECTION_FLAGS, &["insecure", "debug"], &usage);
    let conn = cli::connection(&args, "n", "n01");
    if args.on("debug") {
        // As the sample's P_DEBUG: the SDK's own log, here through `tracing`.
        tracing_subscriber::fmt()
            .with_env_filter("storkit_core=debug,storkit_hcp=debug")
            .with_writer(std::io::stderr)
            .init();
    }

    // The sample reads a 128 kB file; write one, removed whatever happens.
    let file = TempFile::create_128kb()?;

    let mut _mock = None;
    let builder = match &conn.fqdn {
        Some(fqdn) => conn.builder(fqdn),
        None => {
            let mock = HcpMock::start(
                HcpConfig::sample("hcp1.example")
                    .ips((1..=4).map(cli::ip))
                    .data_port(0)
                    .mapi_port(0),
            )
            .await
            .map_err(|e| cli::Failed::new("cannot start the mock HCP", e))?;
            let fqdn = mock.namespace_fqdn("m", "n1");
            eprintln!("(no --fqdn: started a mock HCP for {fqdn} on 127.0.9.1-4)");
            let b = cli::mock_builder(&mock, &fqdn)?;
            _mock = Some(mock);
            b
        }
    };

    println!("running *simple_primary_only*");

    // The authorization object: hcpsdk's NativeAuthorization(user, password).
    let auth = HcpAuth::native(conn.user.as_str(), conn.password.as_str());
    println!("*I_NATIVE* authorization initialized");
    println!();

    // The Target: the namespace's name and its nodes, looked up now as hcpsdk does.
    let t: HcpClient = builder
        .auth(auth)
        .build()
        .map_err(|e| cli::Failed::new("init of *Target* failed", e))?;
    let addresses = t
        .addresses()
        .await
        .map_err(|e| cli::Failed::new("init of *Target* failed", e))?;
    let addresses = Py::List(addresses.iter().map(|a| Py::str(a.to_string())).collect());
    println!(
        "Target *t* was initialized with IP addresses: {}",
        addresses.repr()
    );
    // hcpsdk's Connection takes a node only when its first request needs one; the client
    // here does the same for every request, so there is no node yet.
    println!("Connection *c* uses IP address: None");
    println!();

    // Ingest an object, sent from the file (re-opened if the upload must be retried).
    let body = PutBody::file(&file.0)
        .await
        .map_err(|e| cli::Failed::new(format!("failure on {}", file.0.display()), e))?;
    let options = PutOptions::default().index(true).shred(true);
    let r = t
        .put(OBJECT, body, &options)
        .await
        .map_err(|e| request_failed("PUT", e))?;
    println!("PUT Request was successful");
    println!("used IP address: {}", r.served.address);
    println!("hash = {}", r.hash);
    print_connect_time(&r.served);
    print_duration(&r.served);
    println!();

    // hcpsdk's Connection keeps the node it took for its first request, and its
    // connection; the client spreads requests over the nodes, so the rest is bound to the
    // PUT's node to show the same (a reused connection, the same address).
    let node = r.served.address;

    // Check the object for existence and get its metadata: every header, in the order
    // HCP sent them and spelled as HCP writes them (the typed `head` turns them into
    // fields).
    let r = on_node(&t, Method::HEAD, node)
        .await
        .map_err(|e| request_failed("HEAD", e))?;
    check_status("HEAD", &r)?;
    println!("HEAD Request was successful - headers:");
    let headers = r
        .headers
        .iter()
        .map(|(name, value)| {
            Py::Tuple(vec![
                Py::str(header_display_name(name)),
                Py::str(String::from_utf8_lossy(value.as_bytes())),
            ])
        })
        .collect();
    println!("{}", Py::List(headers).pformat());
    print_address_and_duration(&r.served());

    // Read the object and print the first few bytes of its content.
    let r = on_node(&t, Method::GET, node)
        .await
        .map_err(|e| request_failed("GET", e))?;
    check_status("GET", &r)?;
    println!("GET Request was successful - here's the content:");
    let head = &r.body[..r.body.len().min(40)];
    println!("{}...", Py::Bytes(head.to_vec()).repr());
    print_address_and_duration(&r.served());

    // Clean up by deleting the object again.
    let r = on_node(&t, Method::DELETE, node)
        .await
        .map_err(|e| request_failed("DELETE", e))?;
    check_status("DELETE", &r)?;
    println!("DELETE Request was successful");
    println!("used IP address: {}", r.address);
    print_duration(&r.served());

    // hcpsdk's `c.close()` ends an idle timer thread; here dropping the client closes its
    // connections, and nothing keeps the program alive.
    Ok(())
}

/// `request` on `node` only, at the connection level (hcpsdk's `Connection`): any status
/// is `Ok`.
async fn on_node(
    t: &HcpClient,
    method: Method,
    node: IpAddr,
) -> Result<RawResponse, storkit_hcp::Error> {
    t.request(method, OBJECT).on_node(node).send().await
}

/// The sample's `if c.response_status == 200: ... else: sys.exit(...)`.
fn check_status(method: &str, r: &RawResponse) -> Result<(), Box<dyn Error>> {
    if r.status.as_u16() == 200 {
        return Ok(());
    }
    Err(status_failed(method, r.status.as_u16(), r.reason()))
}

fn print_address_and_duration(served: &Served) {
    println!("used IP address: {}", served.address);
    print_duration(served);
    println!();
}

/// `connect time:` as the sample aligns it.
fn print_connect_time(served: &Served) {
    let connect = served.times.connect_time.map_or(0.0, |d| d.as_secs_f64());
    println!("connect time:     {connect:0.12} seconds");
}

/// hcpsdk's `service_time2`: the whole request, up to the last byte read.
fn print_duration(served: &Served) {
    let seconds = served.times.service_time2.as_secs_f64();
    println!("Request duration: {seconds:0.12} seconds");
}

/// The sample's messages: `<METHOD> timed out - ...`, `<METHOD> failed - <status>-<reason>`
/// for an HCP answer, `<METHOD> failed - ...` otherwise.
fn request_failed(method: &str, e: storkit_hcp::Error) -> Box<dyn Error> {
    if e.kind() == ErrorKind::Timeout {
        return Box::new(cli::Failed::new(format!("{method} timed out"), e));
    }
    if let Some(HcpError::Status { status, reason, .. }) = e.hcp() {
        return status_failed(method, *status, reason);
    }
    Box::new(cli::Failed::new(format!("{method} failed"), e))
}

fn status_failed(method: &str, status: u16, reason: &str) -> Box<dyn Error> {
    format!("{method} failed - {status}-{reason}").into()
}

/// The sample's `../testfiles/128kbfile`: `0123456789abcdef` repeated to 131072 bytes, in
/// the temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn create_128kb() -> Result<TempFile, Box<dyn Error>> {
        let path =
            std::env::temp_dir().join(format!("storkit-hcp-128kbfile-{}.txt", std::process::id()));
        let content = b"0123456789abcdef".repeat(131_072 / 16);
        std::fs::write(&path, content)
            .map_err(|e| cli::Failed::new(format!("failure on {}", path.display()), e))?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: a leftover temp file is harmless.
        let _ = std::fs::remove_file(&self.0);
    }
}
