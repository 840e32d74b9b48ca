//! Replication, from both ends: the management API (MAPI) of the replication service, as
//! hcpsdk's `mapi.Replication` offers it (settings, links, a link's details, link actions),
//! and a client with a replica system that reads from the replica once the primary is
//! gone (`ReplicaStrategy::READ_ON_FAILOVER`, which hcpsdk documented and never built).
//!
//! With no `--fqdn` it starts two mock HCP systems sharing one DNS server and one CA: the
//! primary `hcp1.example` (127.0.9.21-22) and its replica `hcp2.example` (127.0.9.23-24).
//! It reads the replication settings and links on `admin.hcp1.example` (the MAPI port),
//! fails the active/active link `hcp1--<-->--hcp2` over and back, shows that a wrong action
//! for a link's type is refused before anything is sent, then stores an object on both
//! systems, stops the primary's nodes and reads the object again, from the replica.
//!
//! Against real systems only the read-only MAPI calls are made, unless `--change` is
//! given (then the link is failed over and back: do this on a test system only). The MAPI
//! user is a system-level administrator (`--admin-user`) with the monitor role, the
//! administrator role for `--change`. The replica read needs `--replica-fqdn` and an
//! existing `--object`:
//!
//! ```text
//! cargo run -p storkit-hcp --example replication -- \
//!   --fqdn n1.m.hcp1.example.com --user n --password n01 \
//!   --admin-user service --admin-password service01 --link 'hcp1--<-->--hcp2' \
//!   --replica-fqdn n1.m.hcp2.example.com --object /rest/some/object.txt --ca-file hcp-ca.pem
//! ```

#[path = "support/cli.rs"]
mod cli;
#[path = "support/pyfmt.rs"]
mod pyfmt;

use std::collections::BTreeMap;
use std::error::Error;
use std::time::Duration;

use pyfmt::Py;
use storkit_example_cli::Args;
use storkit_hcp::mapi::Mapi;
use storkit_hcp::mapi_types::{LinkAction, LinkType};
use storkit_hcp::{GetOptions, HcpClient, HcpClientBuilder, ReplicaStrategy};
use storkit_hcp_mock::{HcpConfig, HcpMock};

const USAGE: &str = "\
replication: MAPI replication settings, links and link actions, and reads that move to
the replica system when the primary is unavailable

  --fqdn FQDN              a namespace on the primary, e.g. n1.m.hcp1.example.com
                           (default: start two mock HCP systems on 127.0.9.21-24)
  --admin-fqdn FQDN        the MAPI name (default admin.<domain of --fqdn>)
  --admin-user USER        (default service)       --admin-password PASS (default service01)
  --mapi-port N            (default 9090)
  --link NAME              the link to show (default hcp1--<-->--hcp2)
  --change                 on a real system, also fail the link over and back
  --replica-fqdn FQDN      the same namespace on the replica, e.g. n1.m.hcp2.example.com
  --object PATH            an object to read through the replica-aware client";

/// The object the mock demo stores on both systems.
const OBJECT: &str = "/rest/replication/demo.txt";

fn main() {
    cli::exit_on_error(run());
}

#[tokio::main]
async fn run() -> Result<(), Box<dyn Error>> {
    let usage = format!("{USAGE}\n{}", cli::CONNECTION_USAGE);
    let mut flags = cli::CONNECTION_FLAGS.to_vec();
    flags.extend([
        "admin-fqdn",
        "admin-user",
        "admin-password",
        "mapi-port",
        "link",
        "replica-fqdn",
        "object",
    ]);
    let args = Args::parse(&flags, &["insecure", "change"], &usage);
    let conn = cli::connection(&args, "n", "n01");
    let admin_user = args.or("admin-user", "service");
    let admin_password = args.or("admin-password", "service01");
    let link = args.or("link", "hcp1--<-->--hcp2");

    println!("running *replication*");
    match &conn.fqdn {
        None => {
            let (primary, replica) = start_mocks().await?;
            let admin = cli::mock_builder(&primary, &primary.admin_fqdn())?
                .port(primary.mapi_port())
                .credentials(&admin_user, &admin_password)
                .build()?;
            mapi_tour(&admin.mapi()?, &link, true, Some(&primary)).await?;

            // Both systems hold the object, as replication would have left it.
            primary.insert_object("n1", OBJECT, "a replicated object", "n")?;
            replica.insert_object("n1", OBJECT, "a replicated object", "n")?;
            let replica_client = cli::mock_builder(&replica, &replica.namespace_fqdn("m", "n1"))?
                .credentials(&conn.user, &conn.password)
                .build()?;
            let client = with_replica(
                cli::mock_builder(&primary, &primary.namespace_fqdn("m", "n1"))?
                    .credentials(&conn.user, &conn.password),
                replica_client,
            )?;
            println!("replica strategy {:?}:", ReplicaStrategy::READ_ON_FAILOVER);
            read_and_tell(&client, OBJECT).await?;
            let nodes = primary.ips();
            println!(
                "  stopping the primary's nodes {}",
                nodes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for node in nodes {
                primary.server().stop_node(node)?;
            }
            read_and_tell(&client, OBJECT).await?;
            println!(
                "  the primary now counts as unavailable: {} (it is tried again after 30 s)",
                client.primary_unavailable()
            );
        }
        Some(fqdn) => {
            let admin_fqdn = match args.get("admin-fqdn") {
                Some(a) => a.to_owned(),
                None => admin_name(fqdn).unwrap_or_else(|| {
                    args.fail("cannot derive the MAPI name from --fqdn; give --admin-fqdn")
                }),
            };
            let mapi_port = args.number("mapi-port", 9090);
            // MAPI is always HTTPS, whatever its port.
            let admin = conn
                .builder(&admin_fqdn)
                .port(mapi_port)
                .https(true)
                .mapi_port(mapi_port)
                .credentials(&admin_user, &admin_password)
                .build()?;
            mapi_tour(&admin.mapi()?, &link, args.on("change"), None).await?;

            match (args.get("replica-fqdn"), args.get("object")) {
                (Some(replica_fqdn), Some(object)) => {
                    let replica_client = conn.builder(replica_fqdn).build()?;
                    let client = with_replica(conn.builder(fqdn), replica_client)?;
                    println!("replica strategy {:?}:", ReplicaStrategy::READ_ON_FAILOVER);
                    read_and_tell(&client, object).await?;
                }
                _ => println!("(no replica read: give --replica-fqdn and --object)"),
            }
        }
    }
    Ok(())
}

/// The primary and its replica: one DNS server and one CA, so that one client
/// configuration reaches both.
async fn start_mocks() -> Result<(HcpMock, HcpMock), Box<dyn Error>> {
    let primary = HcpMock::start(
        HcpConfig::sample("hcp1.example")
            .ips([cli::ip(21), cli::ip(22)])
            .data_port(0)
            .mapi_port(0),
    )
    .await
    .map_err(|e| cli::Failed::new("cannot start the primary mock HCP", e))?;
    let replica = HcpMock::start(
        HcpConfig::sample("hcp2.example")
            .ips([cli::ip(23), cli::ip(24)])
            .data_port(0)
            .mapi_port(0)
            .dns(primary.dns_handle())
            .ca(primary.ca().clone()),
    )
    .await
    .map_err(|e| cli::Failed::new("cannot start the replica mock HCP", e))?;
    eprintln!(
        "(no --fqdn: started mock HCP systems hcp1.example on 127.0.9.21-22 and its replica \
         hcp2.example on 127.0.9.23-24)"
    );
    Ok((primary, replica))
}

/// `admin.<domain>` for `<namespace>.<tenant>.<domain>`.
fn admin_name(namespace_fqdn: &str) -> Option<String> {
    let mut labels = namespace_fqdn.splitn(3, '.');
    let (_ns, _tenant, domain) = (labels.next()?, labels.next()?, labels.next()?);
    Some(format!("admin.{domain}"))
}

/// The replication service, its links, one link's details; with `change`, a failover
/// and a failback of that link; and a wrong action for its type, refused locally.
async fn mapi_tour(
    mapi: &Mapi,
    link: &str,
    change: bool,
    mock: Option<&HcpMock>,
) -> Result<(), Box<dyn Error>> {
    let settings = mapi.replication_settings().await?;
    println!("replication settings - getreplicationsettings():");
    println!("{}", strings(&settings.fields).pformat());
    println!();

    let links = mapi.replication_links().await?;
    println!("replication links - getlinklist():");
    println!(
        "{}",
        Py::List(links.iter().map(Py::str).collect()).pformat()
    );
    println!();

    let details = mapi.replication_link(link).await?;
    println!("link details - getlinkdetails({}):", Py::str(link).repr());
    println!("{}", nested(&details.fields).pformat());
    println!();

    if change {
        match details.link_type {
            Some(t @ LinkType::ActiveActive) => {
                for action in [LinkAction::FailOver, LinkAction::FailBack] {
                    mapi.replication_link_action(link, action, Some(t)).await?;
                    let now = mapi.replication_link(link).await?;
                    println!(
                        "setreplicationlinkstate({}, {action}): done; the link is now {} ({})",
                        Py::str(link).repr(),
                        now.status.as_deref().unwrap_or("?"),
                        now.status_message.as_deref().unwrap_or("?"),
                    );
                }
            }
            other => println!(
                "(no failover and failback: the link is {}, not ACTIVE_ACTIVE)",
                other.map_or("of unknown type", LinkType::as_str)
            ),
        }
    }

    // A wrong action for the link's type: the client refuses it as hcpsdk does, and
    // nothing goes on the wire (the mock's request log proves it).
    let wrong = match details.link_type {
        Some(LinkType::ActiveActive) => LinkAction::BeginRecovery,
        Some(LinkType::Outbound | LinkType::Inbound) => LinkAction::FailBack,
        None => LinkAction::FailOver,
    };
    let before = mock.map(|m| m.server().log().len());
    match mapi
        .replication_link_action(link, wrong, details.link_type)
        .await
    {
        Ok(()) => return Err(format!("{wrong} on {link} was not refused").into()),
        Err(e) => println!(
            "setreplicationlinkstate({}, {wrong}) refused: {e}",
            Py::str(link).repr()
        ),
    }
    if let (Some(m), Some(before)) = (mock, before) {
        println!(
            "  requests the mock received meanwhile: {}",
            m.server().log().len() - before
        );
    }
    println!();
    Ok(())
}

/// A primary client whose reads go to `replica` while the primary is unavailable. A
/// short connect timeout, so that a dead primary is noticed quickly.
fn with_replica(
    primary: HcpClientBuilder,
    replica: HcpClient,
) -> Result<HcpClient, Box<dyn Error>> {
    Ok(primary
        .connect_timeout(Duration::from_secs(2))
        .replica_client(replica, ReplicaStrategy::READ_ON_FAILOVER)
        .build()?)
}

/// Reads `path` and says which system served it (`X-HCP-ServicedBySystem`, and whether
/// the client routed it to the replica) from which node.
async fn read_and_tell(client: &HcpClient, path: &str) -> Result<(), Box<dyn Error>> {
    let mut reader = client.get(path, &GetOptions::default()).await?;
    let system = reader
        .headers()
        .get("x-hcp-servicedbysystem")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("an unnamed system")
        .to_owned();
    let body = reader.read_to_end().await?;
    let served = reader.served();
    let role = if served.replica { "replica" } else { "primary" };
    let shown = &body[..body.len().min(40)];
    println!(
        "  GET {path}: served by {system}, the {role} (node {}, {:.6} s): {}",
        served.address,
        served.times.service_time2.as_secs_f64(),
        Py::Bytes(shown.to_vec()).repr()
    );
    Ok(())
}

/// A text-valued dict, as hcpsdk returns MAPI answers.
fn strings(fields: &BTreeMap<String, String>) -> Py {
    Py::dict(fields.iter().map(|(k, v)| (k.clone(), Py::str(v))))
}

/// `connection/localPort → 5748` and the like, nested back into the dicts of hcpsdk's
/// `getlinkdetails()`.
fn nested(fields: &BTreeMap<String, String>) -> Py {
    let mut root = BTreeMap::new();
    for (path, value) in fields {
        insert(
            &mut root,
            path.split('/').collect::<Vec<_>>().as_slice(),
            value,
        );
    }
    Py::Dict(root)
}

fn insert(map: &mut BTreeMap<String, Py>, path: &[&str], value: &str) {
    match path {
        [] => {}
        [leaf] => {
            map.insert((*leaf).to_owned(), Py::str(value));
        }
        [head, rest @ ..] => {
            let entry = map
                .entry((*head).to_owned())
                .or_insert_with(|| Py::Dict(BTreeMap::new()));
            if let Py::Dict(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}
