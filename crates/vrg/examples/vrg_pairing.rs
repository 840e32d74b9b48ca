//! Pairs a production VRG with a DR VRG, protects one VM on both sides, then undoes it
//! all, printing each step and what the VRGs answer: versions, login, status, networks,
//! the alarm server (set, read back, restored), pairing with the DR VRG and the wait until
//! it is normal, the production-side configuration of a VM with two volumes (compression
//! and AES-128) on VRG 1 and the DR-side configuration of the same VM on VRG 2 (DR volume
//! URLs, datastore URN, volume type, writeagent, `drExtParams`), the wait until VRG 2 has
//! applied it, the queries on both sides (one VM, every VM, `volStatus` explained), the
//! deletions (with the `drStatus` they return), unpairing and logout.
//!
//! With no `--url` it starts two mock VRGs itself, plain HTTP on ephemeral ports: the
//! production VRG on 127.0.12.1 and the DR VRG on 127.0.12.2 (in the DR role), user `admin`,
//! password `Huawei@123`. `--lang zh_CN` asks the VRGs for Chinese answers, and error
//! texts are then printed in Chinese.
//!
//! The pairing is asked for on the production VRG only, with the DR VRG's address (the
//! interface document, §3.7.1): its type-2 network ("network for communication with the
//! peer VRG", `GET /netinfos`) when it reports one, else the host and port of `--peer-url`.
//!
//! **Against real VRGs this changes their configuration**, so it asks for `--yes`. It
//! refuses to start pairing if the production VRG is already paired, or to configure the
//! VM if either VRG already knows it; the alarm server it sets is put back as it was; and
//! if a step fails, it deletes what it configured, unpairs, and logs out of both before it
//! exits non-zero (a session it opened is always closed). The VM, its volumes and the
//! writeagent are made up (see the constants below): a real DR VRG will probably refuse
//! the DR volumes (`volStatus` 2, path error), which shows the failure path. Use test
//! VRGs only.
//!
//! ```text
//! cargo run -p storkit-vrg --example vrg_pairing -- \
//!   --url http://192.0.2.10:8080 --user admin --password '...' \
//!   --peer-url http://198.51.100.10:8080 --peer-user admin --peer-password '...' \
//!   --lang en_US --yes
//! ```
//!
//! For HTTPS, give the URLs with `https://` and a port, and `--ca-file` (the VRG's
//! self-signed certificate works as the CA), `--pin-sha256` or, not recommended,
//! `--insecure`.

#[path = "support/cli.rs"]
mod cli;

use std::error::Error;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use storkit_core::TlsPolicy;
use storkit_example_cli::Args;
use storkit_vrg::model::{
    AlarmServer, AlarmServerInfo, DeleteFlag, DrExtParams, DrStrategy, DrVolume, NetInfo, NetType,
    PairStatus, PeerAddress, ProductionStrategy, ProductionVolume, VmStrategy, VmUuid, VolStatus,
    VolType,
};
use storkit_vrg::query::StrategyQuery;
use storkit_vrg::{Lang, VrgClient, VrgError, VrgErrorExt};
use storkit_vrg_mock::{Role, VrgConfig, VrgMock};

const USAGE: &str = "\
vrg_pairing: pair a production VRG with a DR VRG, protect a VM on both, then undo it all

  --url URL                the production VRG, e.g. http://192.0.2.10:8080 (a bare address
                           means http://<address>:8080; default: start two mock VRGs)
  --user USER              (default admin)            --password PASS (default Huawei@123)
  --peer-url URL           the DR VRG (needed with --url)
  --peer-user USER         (default --user)           --peer-password PASS (default --password)
  --lang zh_CN|en_US       the language of the VRGs' answers and of error texts (default en_US)
  --yes                    go ahead against real VRGs (their configuration is changed)";

/// The protected VM (made up; the mock takes only 8-4-4-4-12 hex UUIDs).
const VM_UUID: &str = "4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01";
const VM_ID: &str = "i-0000027D";
const VM_NAME: &str = "storkit-demo-db01";

/// One disk of the VM: its UUID on the production side, its slot, and the URL of the DR
/// volume it is replicated to.
struct Disk {
    vol_uuid: &'static str,
    seq_num: u8,
    dr_volume_url: &'static str,
}

const DISKS: [Disk; 2] = [
    Disk {
        vol_uuid: "6f0c5a1e-3d2b-4c8e-9a7f-0b1c2d3e4f50",
        seq_num: 1,
        dr_volume_url: "/POME/datastore_131/vol/vol_0d8e9f7a-5b3c-4d2e-9f1a-2b3c4d5e6f70/vol_0d8e9f7a-5b3c-4d2e-9f1a-2b3c4d5e6f70.vhd",
    },
    Disk {
        vol_uuid: "7a1d6b2f-4e3c-4d9f-8b80-1c2d3e4f5061",
        seq_num: 2,
        dr_volume_url: "/POME/datastore_131/vol/vol_1e9fa08b-6c4d-4e3f-8a2b-3c4d5e6f7081/vol_1e9fa08b-6c4d-4e3f-8a2b-3c4d5e6f7081.vhd",
    },
];

/// The DR side: the datastore of the DR volumes, the host of the DR VM, the writeagent
/// on that host, and the storage's management IP and resource pool (`drExtParams`).
const DS_URN: &str = "urn:sites:3F7B07E2:datastores:131";
const HOST_URN: &str = "urn:sites:3F7B07E2:hosts:12";
const WRITEAGENT: (Ipv4Addr, u16) = (Ipv4Addr::new(192, 168, 20, 31), 7100);
const STORAGE_MGMT_IP: &str = "192.168.30.5";
const RESOURCE_POOL: &str = "1";

/// The alarm server set for a moment (an address of TEST-NET-1, which nothing uses).
const ALARM_SERVER: (&str, u16) = ("192.0.2.162", 162);

type BoxError = Box<dyn Error>;

/// One VRG of the pair, as the example talks to it.
struct Vrg {
    /// `VRG 1 (production)`.
    name: &'static str,
    client: VrgClient,
    user: String,
}

/// What the run has changed and not yet undone, so that a failure can undo it.
#[derive(Default)]
struct Changes {
    /// The alarm server to put back (`Some(None)`: none was configured).
    alarm: Option<Option<AlarmServer>>,
    /// Pairing was asked for.
    paired: bool,
    /// A configuration of the VM was sent to VRG 1.
    production_strategy: bool,
    /// A configuration of the VM was sent to VRG 2.
    dr_strategy: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let usage = format!("{USAGE}\n{}", cli::TLS_USAGE);
    let args = Args::parse(
        &[
            "url",
            "user",
            "password",
            "peer-url",
            "peer-user",
            "peer-password",
            "lang",
            "ca-file",
            "pin-sha256",
        ],
        &["insecure", "yes"],
        &usage,
    );
    let lang = cli::lang(&args);
    let user = args.or("user", "admin");
    let password = args.or("password", "Huawei@123");
    let peer_user = args.or("peer-user", &user);
    let peer_password = args.or("peer-password", &password);

    match (args.get("url"), args.get("peer-url")) {
        (None, Some(_)) => args.fail("--peer-url goes with --url"),
        (Some(_), None) => args.fail("--url needs --peer-url, the DR VRG"),
        _ => {}
    }

    println!("running *vrg_pairing*");
    // The mocks, when started, serve until the end of `main`.
    let (_mocks, url, peer_url, tls) = match args.get("url").zip(args.get("peer-url")) {
        None => {
            if args.has_tls_flags() {
                eprintln!("(TLS flags ignored: the mock VRGs serve plain HTTP)");
            }
            match start_mocks(&user, &password, &peer_user, &peer_password).await {
                Ok((production, dr)) => {
                    let (url, peer_url) = (production.url(), dr.url());
                    (Some((production, dr)), url, peer_url, None)
                }
                Err(e) => {
                    eprintln!("error: cannot start the mock VRGs: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        Some((url, peer_url)) => {
            warn_real_devices(url, peer_url);
            if !args.on("yes") {
                eprintln!("Not confirmed: nothing was sent. Add --yes to go ahead.");
                return ExitCode::from(2);
            }
            (
                None,
                url.to_owned(),
                peer_url.to_owned(),
                args.tls("the VRGs' certificates"),
            )
        }
    };

    let production = client(&url, &user, &password, lang, tls.as_ref());
    let dr = client(&peer_url, &peer_user, &peer_password, lang, tls.as_ref());
    let (production, dr) = match (production, dr) {
        (Ok(production), Ok(dr)) => (
            Vrg {
                name: "VRG 1 (production)",
                client: production,
                user,
            },
            Vrg {
                name: "VRG 2 (DR)",
                client: dr,
                user: peer_user,
            },
        ),
        // Nothing was sent yet: a client logs in on its first call.
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {}", explain(&e, lang));
            return ExitCode::FAILURE;
        }
    };

    let mut changes = Changes::default();
    let mut ok = true;
    if let Err(e) = tour(&production, &dr, lang, &mut changes).await {
        ok = false;
        report(e.as_ref(), lang);
        undo(&production, &dr, &changes, lang).await;
    }

    println!("\n== logout ==");
    for vrg in [&production, &dr] {
        let had_session = vrg.client.is_logged_in();
        match vrg.client.close().await {
            Ok(()) if had_session => println!("{}: logged out (DELETE /session)", vrg.name),
            Ok(()) => println!("{}: no session to close", vrg.name),
            Err(e) => {
                ok = false;
                println!("{}: logout failed: {}", vrg.name, explain(&e, lang));
            }
        }
    }
    if ok {
        println!("\ndone: both VRGs are as they were before the run");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Two mock VRGs on their own loopback addresses; each reports its address as its
/// type-2 network (to the peer VRG). Pairing and set-up take 400 ms, to show the waits.
async fn start_mocks(
    user: &str,
    password: &str,
    peer_user: &str,
    peer_password: &str,
) -> Result<(VrgMock, VrgMock), BoxError> {
    let mock = |last: u8, user: &str, password: &str, role: Role| {
        let ip = Ipv4Addr::new(127, 0, 12, last);
        VrgConfig::new()
            .ip(IpAddr::V4(ip))
            .user(user, password)
            .role(role)
            .cna_network(ip, 7100)
            .peer_network(ip, 7000)
            .pair_delay(Duration::from_millis(400))
            .strategy_delay(Duration::from_millis(400))
    };
    let production = VrgMock::start(mock(1, user, password, Role::Production)).await?;
    let dr = VrgMock::start(mock(2, peer_user, peer_password, Role::Dr)).await?;
    eprintln!(
        "(no --url: started two mock VRGs, plain HTTP: production {} and DR {} in the DR role)",
        production.url(),
        dr.url()
    );
    Ok((production, dr))
}

fn warn_real_devices(url: &str, peer_url: &str) {
    eprintln!(
        "WARNING: this changes the configuration of two real VRGs:\n\
         \x20 - the alarm server of {url} is set to {}:{} for a moment, then put back\n\
         \x20 - {url} is paired with {peer_url} (refused if it is already paired)\n\
         \x20 - the made-up VM {VM_UUID} is configured for DR on both\n\
         \x20   (refused if either already knows it), then deleted; then the pairing is removed\n\
         \x20 If a step fails, what was configured is deleted and the pairing removed.\n\
         \x20 Use test VRGs only.",
        ALARM_SERVER.0, ALARM_SERVER.1
    );
}

fn client(
    url: &str,
    user: &str,
    password: &str,
    lang: Lang,
    tls: Option<&TlsPolicy>,
) -> Result<VrgClient, storkit_core::Error> {
    let mut builder = VrgClient::builder(url)
        .credentials(user, password)
        .lang(lang);
    if let Some(tls) = tls {
        builder = builder.tls(tls.clone());
    }
    builder.build()
}

/// Every step, in order; the caller undoes what `changes` still holds if one fails.
async fn tour(
    production: &Vrg,
    dr: &Vrg,
    lang: Lang,
    changes: &mut Changes,
) -> Result<(), BoxError> {
    let vm = VmUuid::new(VM_UUID)?;

    survey(production).await?;
    alarm_server(production, changes).await?;
    let dr_networks = survey(dr).await?;

    println!("\n== pairing ==");
    let before = production.client.pairing().await?;
    println!("{} is now: {}", production.name, before.status);
    if before.status != PairStatus::NotPaired {
        return Err(format!(
            "{} is already paired (with {}): this example does not replace a pairing",
            production.name,
            before.peer_text()
        )
        .into());
    }
    let target = pairing_target(&dr_networks, &dr.client.url())?;
    changes.paired = true;
    production.client.pair(&target).await?;
    let now = production.client.pairing().await?;
    println!(
        "{} asked to pair with {target} (POST /vrgmap): status {}",
        production.name, now.status
    );
    let started = Instant::now();
    let paired = production.client.wait_paired().await?;
    println!(
        "waited until paired: {} with {} after {}",
        paired.status,
        paired.peer_text(),
        seconds(started)
    );

    println!("\n== DR configuration of VM {vm} ==");
    for vrg in [production, dr] {
        if let Some(existing) = vrg.client.strategy(&vm).await? {
            return Err(format!(
                "{} already has a configuration of VM {vm} ({}): this example does not replace it",
                vrg.name, existing.side
            )
            .into());
        }
    }
    println!("neither VRG knows the VM yet");

    let protect = production_strategy(&vm);
    changes.production_strategy = true;
    production.client.set_production_strategy(&protect).await?;
    println!(
        "{}: production side set (POST /vmstrategy): {} volumes, compression {}, AES-128 {}",
        production.name,
        protect.volumes.len(),
        on_off(protect.compress),
        on_off(protect.encrypt)
    );

    let replicate = dr_strategy(&vm);
    changes.dr_strategy = true;
    dr.client.set_dr_strategy(&replicate).await?;
    println!(
        "{}: DR side set (POST /vmstrategy): {} volumes written by the writeagent {}:{} on {}",
        dr.name,
        replicate.volumes.len(),
        replicate.agent_ip,
        replicate.agent_port,
        HOST_URN
    );
    if let Some(now) = dr.client.strategy(&vm).await? {
        println!("  volStatus right after: {}", vol_statuses(&now));
    }
    let started = Instant::now();
    let applied = dr.client.wait_strategy_applied(&vm).await?;
    println!(
        "waited until applied on {}: volStatus {} after {}",
        dr.name,
        vol_statuses(&applied),
        seconds(started)
    );
    match dr.client.vm_dr_status(&vm).await {
        Ok(status) => println!("{}: VM DR status (GET /vmdrstatus): {status}", dr.name),
        Err(e) => println!(
            "{}: VM DR status (GET /vmdrstatus) refused; the document allows it on the DR \
             side during a failover only:\n  {}",
            dr.name,
            explain(&e, lang)
        ),
    }

    println!("\n== queries ==");
    for vrg in [production, dr] {
        println!("{}, strategy({vm}) (GET /vmstrategy?vmUuid=...):", vrg.name);
        match vrg.client.strategy(&vm).await? {
            Some(strategy) => print_strategy(&strategy),
            None => println!("  (not listed)"),
        }
    }
    for vrg in [production, dr] {
        let all = vrg.client.strategies(&StrategyQuery::all()).await?;
        println!(
            "{}, strategies(all) (GET /vmstrategy): {} VM(s)",
            vrg.name,
            all.len()
        );
        for s in &all {
            println!(
                "  {} flag {}, {} volume(s)",
                s.vm_uuid.as_deref().unwrap_or("?"),
                s.side,
                s.volumes.len()
            );
        }
    }
    println!(
        "volStatus (DR side only): {}",
        (1..=6)
            .map(|n| VolStatus::from_number(n).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    println!("\n== delete and unpair ==");
    for vrg in [production, dr] {
        let dr_status = vrg.client.delete_strategy(&vm, DeleteFlag::Normal).await?;
        println!(
            "{}: configuration deleted (POST /vmstrategy/{{vmUuid}}/, delFlag {}); drStatus \
             before deletion: {}",
            vrg.name,
            DeleteFlag::Normal,
            dr_status.map_or_else(|| "not given".to_owned(), |s| s.to_string())
        );
    }
    changes.production_strategy = false;
    changes.dr_strategy = false;
    for vrg in [production, dr] {
        vrg.client.wait_strategy_deleted(&vm).await?;
        println!("{}: the VM is no longer listed", vrg.name);
    }
    production.client.unpair().await?;
    changes.paired = false;
    let after = production.client.pairing().await?;
    println!(
        "{}: unpaired (DELETE /vrgmap): status {}",
        production.name, after.status
    );
    Ok(())
}

/// Versions, login, status and networks of one VRG; returns the networks.
async fn survey(vrg: &Vrg) -> Result<Vec<NetInfo>, BoxError> {
    println!("\n== {}: {} ==", vrg.name, vrg.client.url());
    let versions = vrg.client.versions().await?;
    println!(
        "versions (GET /versions, no login needed): {}",
        versions
            .iter()
            .map(|v| format!(
                "{} (login at {})",
                v.version.as_deref().unwrap_or("?"),
                v.login_uri.as_deref().unwrap_or("?")
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    vrg.client.login().await?;
    println!(
        "login as {}: ok (X-Auth-Key is the password's SHA-256; neither it nor the token is printed)",
        vrg.user
    );
    let status = vrg.client.status().await?;
    println!(
        "status (GET /vrgstatus): {}; cache: {} available of {}",
        status.status, status.available, status.total
    );
    let networks = vrg.client.networks().await?;
    println!("networks (GET /netinfos):");
    for net in &networks {
        let mut line = format!(
            "  type {}: {}:{}",
            net.net_type,
            net.ip.as_deref().unwrap_or("?"),
            net.port.map_or_else(|| "?".to_owned(), |p| p.to_string())
        );
        if let Some(mask) = &net.netmask {
            line.push_str(&format!(", netmask {mask}"));
        }
        if let Some(gateway) = &net.gateway {
            line.push_str(&format!(", gateway {gateway}"));
        }
        println!("{line}");
    }
    Ok(networks)
}

/// Reads the alarm server, sets the example's, reads it back, and puts the old one back.
async fn alarm_server(vrg: &Vrg, changes: &mut Changes) -> Result<(), BoxError> {
    let before = vrg.client.alarm_server().await?;
    println!(
        "alarm server (GET /trapinfo): {}",
        alarm_text(before.as_ref())
    );
    let previous = match &before {
        None => None,
        Some(info) if info.is_cleared() => None,
        Some(info) => match info.as_server() {
            Some(server) => Some(server),
            None => {
                println!("  (left alone: this setting could not be put back as it is)");
                return Ok(());
            }
        },
    };
    let demo = AlarmServer::new(ALARM_SERVER.0, ALARM_SERVER.1)?;
    changes.alarm = Some(previous);
    vrg.client.set_alarm_server(&demo).await?;
    let read = vrg.client.alarm_server().await?;
    println!(
        "  set to {}:{} (POST /trapinfo); read back: {}",
        demo.ip,
        demo.port,
        alarm_text(read.as_ref())
    );
    restore_alarm(&vrg.client, previous).await?;
    changes.alarm = None;
    let read = vrg.client.alarm_server().await?;
    println!("  put back: {}", alarm_text(read.as_ref()));
    Ok(())
}

async fn restore_alarm(
    vrg: &VrgClient,
    previous: Option<AlarmServer>,
) -> Result<(), storkit_core::Error> {
    match previous {
        Some(server) => vrg.set_alarm_server(&server).await,
        // The document's way to delete it: 0.0.0.0.
        None => vrg.clear_alarm_server().await,
    }
}

fn alarm_text(info: Option<&AlarmServerInfo>) -> String {
    match info {
        None => "not configured".to_owned(),
        Some(info) => format!(
            "{}:{}",
            info.ip.as_deref().unwrap_or("?"),
            info.port.map_or_else(|| "?".to_owned(), |p| p.to_string())
        ),
    }
}

/// The DR VRG's address for `POST /vrgmap`: its type-2 network, else its URL's host
/// and port.
fn pairing_target(networks: &[NetInfo], peer_url: &str) -> Result<PeerAddress, BoxError> {
    let type2 = networks.iter().find_map(|n| {
        let port = u16::try_from(n.port?).ok()?;
        (n.net_type == NetType::PeerVrg).then_some((n.ip.as_deref()?, port))
    });
    let peer = match type2 {
        Some((ip, port)) => {
            let peer = PeerAddress::new(ip, port)?;
            println!("target: the DR VRG's type-2 network (GET /netinfos): {peer}");
            peer
        }
        None => {
            let (host, port) = host_port(peer_url)
                .ok_or_else(|| format!("no host and port in the DR VRG's URL {peer_url}"))?;
            let peer = PeerAddress::new(&host, port)?;
            println!(
                "target: the DR VRG reports no type-2 network, so its URL's host and port: {peer}"
            );
            peer
        }
    };
    Ok(peer)
}

/// `(host, port)` of `scheme://host[:port]/...` (the scheme's port when none is given).
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let default = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        8080
    };
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host.to_owned(), port.parse().ok()?)),
        _ => Some((authority.to_owned(), default)),
    }
}

fn production_strategy(vm: &VmUuid) -> ProductionStrategy {
    ProductionStrategy::new(vm.clone())
        .vm_id(VM_ID)
        .vm_name(VM_NAME)
        .compress(true)
        .encrypt(true)
        .volumes(
            DISKS
                .iter()
                .map(|d| ProductionVolume::new(d.vol_uuid).seq_num(d.seq_num)),
        )
}

fn dr_strategy(vm: &VmUuid) -> DrStrategy {
    DrStrategy::new(vm.clone(), WRITEAGENT.0, WRITEAGENT.1)
        .vm_id(VM_ID)
        .vm_name(VM_NAME)
        .host_urn(HOST_URN)
        .volumes(DISKS.iter().map(|d| {
            DrVolume::new(d.vol_uuid, d.dr_volume_url)
                .ds_urn(DS_URN)
                .vol_type(VolType::LocalPome)
                .seq_num(d.seq_num)
                .dr_ext_params(DrExtParams::new(STORAGE_MGMT_IP, RESOURCE_POOL))
        }))
}

/// Every field the answer carried, the numbers with their meaning.
fn print_strategy(s: &VmStrategy) {
    println!(
        "  vmUuid {}, flag {}",
        s.vm_uuid.as_deref().unwrap_or("?"),
        s.side
    );
    if s.compress.is_some() || s.compress_raw.is_some() {
        println!(
            "  compressOption {}",
            option_text(s.compress, s.compress_raw.as_deref(), "compression")
        );
    }
    if s.encrypt.is_some() || s.encrypt_raw.is_some() {
        println!(
            "  encryptOption {}",
            option_text(s.encrypt, s.encrypt_raw.as_deref(), "AES-128")
        );
    }
    if s.agent_ip.is_some() || s.agent_port.is_some() {
        println!(
            "  writeagent (agentIp:agentPort) {}:{}",
            s.agent_ip.as_deref().unwrap_or("?"),
            s.agent_port
                .map_or_else(|| "?".to_owned(), |p| p.to_string())
        );
    }
    if let Some(urn) = s.effective_host_urn() {
        println!("  hostUrn {urn}");
    }
    for v in &s.volumes {
        let mut line = format!("  volume {}", v.vol_uuid.as_deref().unwrap_or("?"));
        if let Some(n) = v.seq_num {
            line.push_str(&format!(", seqNum {n}"));
        }
        if let Some(status) = v.vol_status {
            line.push_str(&format!(", volStatus {status}"));
        }
        println!("{line}");
        if let Some(t) = &v.dst_vol_type {
            println!("    dstVolType {t} ({})", t.meaning());
        }
        if let Some(urn) = &v.dst_vol_ds_urn {
            println!("    dstVolDsUrn {urn}");
        }
        if let Some(url) = &v.volume_url {
            println!("    volumeUrl {url}");
        }
        if let Some(ext) = &v.dr_ext_params {
            println!(
                "    drExtParams: dsMgntIp {}, dsResourceId {}",
                ext.ds_mgnt_ip.as_deref().unwrap_or("?"),
                ext.ds_resource_id.as_deref().unwrap_or("?")
            );
        }
    }
}

/// `1 (compression)`, `0 (none)`, or the text as sent.
fn option_text(number: Option<i64>, raw: Option<&str>, on: &str) -> String {
    match (number, raw) {
        (Some(0), _) => "0 (none)".to_owned(),
        (Some(1), _) => format!("1 ({on})"),
        (Some(n), _) => format!("{n} (not listed in the interface document)"),
        (None, Some(text)) => format!("{text:?} (not a number)"),
        (None, None) => "absent".to_owned(),
    }
}

fn vol_statuses(s: &VmStrategy) -> String {
    s.volumes
        .iter()
        .map(|v| {
            v.vol_status
                .map_or_else(|| "-".to_owned(), |st| st.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn seconds(since: Instant) -> String {
    format!("{:.1} s", since.elapsed().as_secs_f64())
}

/// After a failure: deletes what was configured, unpairs, and puts the alarm server
/// back. Each step is tried whatever the others do, and printed.
async fn undo(production: &Vrg, dr: &Vrg, changes: &Changes, lang: Lang) {
    let nothing = changes.alarm.is_none()
        && !changes.paired
        && !changes.production_strategy
        && !changes.dr_strategy;
    if nothing {
        return;
    }
    println!("\n== undoing what this run changed ==");
    let Ok(vm) = VmUuid::new(VM_UUID) else {
        return;
    };
    for (vrg, sent) in [
        (production, changes.production_strategy),
        (dr, changes.dr_strategy),
    ] {
        if !sent {
            continue;
        }
        // Only what is there: the configuration may never have landed.
        let result = match vrg.client.strategy(&vm).await {
            Ok(None) => Ok("was not configured"),
            Ok(Some(_)) => match vrg.client.delete_strategy(&vm, DeleteFlag::Normal).await {
                Ok(_) => Ok("configuration deleted"),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(what) => println!("{}: VM {vm}: {what}", vrg.name),
            Err(e) => println!(
                "{}: VM {vm}: could not delete it, do it by hand: {}",
                vrg.name,
                explain(&e, lang)
            ),
        }
    }
    if changes.paired {
        match production.client.unpair().await {
            Ok(()) => println!("{}: unpaired", production.name),
            Err(e) => println!(
                "{}: could not unpair, do it by hand: {}",
                production.name,
                explain(&e, lang)
            ),
        }
    }
    if let Some(previous) = changes.alarm {
        match restore_alarm(&production.client, previous).await {
            Ok(()) => println!("{}: alarm server put back", production.name),
            Err(e) => println!(
                "{}: could not put the alarm server back, do it by hand: {}",
                production.name,
                explain(&e, lang)
            ),
        }
    }
}

/// A client error in the session's language: the VRG's code with the document's text
/// for it, and the VRG's own `errorDes` when it says something else.
fn explain(e: &storkit_core::Error, lang: Lang) -> String {
    let place = match (e.method(), e.path()) {
        (Some(method), Some(path)) => format!("{method} {path}: "),
        _ => String::new(),
    };
    let said = |description: &Option<String>, text: &str| match description {
        Some(d) if d.trim() != text => format!(" (the VRG says: {d})"),
        _ => String::new(),
    };
    match e.vrg() {
        Some(VrgError::Api {
            code,
            status,
            description,
            ..
        }) => {
            let text = code.describe(lang);
            format!(
                "{place}VRG error {code} (HTTP {status}): {text}{}",
                said(description, text)
            )
        }
        Some(VrgError::Locked {
            code,
            retry_after,
            description,
            ..
        }) => {
            let text = code.describe(lang);
            format!(
                "{place}VRG error {code}: {text}{}; try again in {} s at the latest",
                said(description, text),
                retry_after.as_secs()
            )
        }
        Some(other) => format!("{place}{other}"),
        None => e.to_string(),
    }
}

/// The error that ended the run, on stderr, with its causes unless the VRG's code says
/// it all.
fn report(e: &(dyn Error + 'static), lang: Lang) {
    match e.downcast_ref::<storkit_core::Error>() {
        Some(core) => {
            eprintln!("\nerror: {}", explain(core, lang));
            if core.vrg().is_some() {
                return;
            }
        }
        None => eprintln!("\nerror: {e}"),
    }
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
}
