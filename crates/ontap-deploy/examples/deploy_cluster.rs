//! Builds a two-node ONTAP Select cluster through ONTAP Select Deploy, deploys it, finds
//! it with a query, then powers it off and deletes it: the canonical workflow of the
//! reference (`ontap-deploy.md` §7), printing each step and what Deploy answers.
//!
//! 1. Credentials: the vCenter's (or each standalone host's), looked up first and added
//!    only when missing; each add is a job whose progress is printed.
//! 2. Hosts: the two hypervisor hosts registered in one job (those Deploy already knows
//!    are used as they are), then their ids looked up by name (`location` names only the
//!    first host of a batch).
//! 3. The cluster: `POST /clusters?node_count=2` (201, the id from `location`), then DNS
//!    and NTP set with a `PATCH`.
//! 4. The nodes, listed by name and chosen by id: each is given its host (explicitly:
//!    the first node by name on the first `--hosts` entry), IP and instance type; its
//!    networks are chosen by **purpose** (mgmt, data, internal), never by position (the
//!    reference's §9 lesson: Deploy promises no order, and the mock lists them as data,
//!    internal, mgmt); a storage pool is attached; the node is read back.
//! 5. The deploy: a job (tens of minutes on a real Deploy) with each progress message.
//! 6. A query: deployed clusters whose name starts with the cluster's, filtered,
//!    field-selected and sorted, with the encoded query string shown.
//! 7. Power off, then delete the cluster (two jobs); 8. remove the hosts and credentials
//!    this run added (never those that were there before).
//!
//! With no `--url` it starts a mock Deploy on 127.0.15.1 (HTTPS, its generated CA
//! trusted; user `admin`, password `Netapp1!`; jobs move every 250 ms, so the run takes
//! a few seconds), and every environment flag has a made-up default.
//! `--fail-deploy` makes the mock fail the deploy job, to show the error report and the
//! clean-up.
//!
//! **Against a real Deploy this changes real infrastructure**: it registers hosts,
//! creates ONTAP Select VMs on them and deletes them again, so it asks for `--yes` and
//! for every value of the environment (nothing is made up then). It refuses to start if
//! a cluster of that name exists. If a step fails it prints the error (with Deploy's
//! code, message and request id), then powers off and deletes the cluster and removes
//! the hosts and credentials it added, and exits non-zero. `--keep` stops after the query
//! and leaves the cluster running.
//!
//! ```text
//! cargo run -p storkit-ontap-deploy --example deploy_cluster -- \
//!   --url https://deploy.example.com --user admin --password '...' --ca-file deploy.pem \
//!   --vcenter vcenter.example.com --vcenter-user administrator@vsphere.local \
//!   --vcenter-password '...' --hosts esx-a.example.com,esx-b.example.com \
//!   --cluster-name ots-test --cluster-ip 192.0.2.10 --netmask 255.255.255.0 \
//!   --gateway 192.0.2.1 --node-ips 192.0.2.11,192.0.2.12 --mgmt-network 'ONTAP Mgmt' \
//!   --data-network 'ONTAP Data' --internal-network 'ONTAP Internal' \
//!   --datastore datastore1 --capacity 2TiB --ontap-password '...' --yes
//! ```
//!
//! Standalone ESX hosts (or KVM hosts, `--hypervisor KVM`) take `--host-user` and
//! `--host-password` instead of the `--vcenter` flags: one host credential is stored per
//! host. Deploy's certificate is usually self-signed: pass it with `--ca-file`, pin it
//! with `--pin-sha256`, or (not recommended) `--insecure`.

#[path = "support/cli.rs"]
mod cli;

use std::error::Error;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use storkit_core::http::Method;
use storkit_example_cli::Args;
use storkit_ontap_deploy::model::{
    Availability, ClusterUpdate, CredentialKind, DeployRequest, DnsInfo, HostBatch,
    HostRegistration, HypervisorType, InstanceType, Job, NetworkPurpose, NetworkUpdate, NewCluster,
    NewCredential, NodeCount, NodeUpdate, PoolArray, StoragePoolSpec,
};
use storkit_ontap_deploy::{
    CredentialAdded, DeployClient, Fields, JobHandle, JobProgress, OntapError, OntapErrorExt,
    Order, Query, TlsPolicy,
};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};

const USAGE: &str = "\
deploy_cluster: build a two-node ONTAP Select cluster through ONTAP Select Deploy, deploy it,
query it, power it off and delete it (default: against a mock Deploy it starts)

  --url URL                Deploy, e.g. https://deploy.example.com (default: start a mock)
  --user USER              (default admin)
  --password PASS          (needed with --url; the mock's is Netapp1!)
  --yes                    go ahead against a real Deploy (real VMs are created and deleted)
  --keep                   stop after the query: leave the cluster, hosts and credentials

The environment (all needed with --url except where a default is given; the mock run
makes them up):
  --vcenter HOST           the vCenter managing the hosts, with --vcenter-user USER and
                           --vcenter-password PASS
  --host-user USER         or: the hosts' own credential (standalone ESX, or KVM), with
                           --host-password PASS
  --hypervisor ESX|KVM     (default ESX)
  --hosts H1,H2            the two hypervisor hosts; node 1 (by name) runs on H1
  --node-ips IP1,IP2       the nodes' management addresses, in the same order
  --instance-type T        small, medium or large (default small)
  --cluster-name NAME      --cluster-ip IP   --netmask MASK   --gateway IP
  --dns-domains D1,..      --dns-servers IP,..   --ntp-servers S1,..   (optional)
  --ontap-version V        the ONTAP image to install (optional; Deploy's default)
  --mgmt-network PG        the port group (ESX) or bridge (KVM) of each network purpose:
  --data-network PG        management, data, and the HA interconnect
  --internal-network PG
  --mgmt-vlan N            --data-vlan N   --internal-vlan N   (optional, 0-4095)
  --datastore DS[,DS2]     the storage pool of each node (one name for both, or one each)
  --capacity SIZE          per node: bytes, or with GiB/TiB (e.g. 2TiB)
  --ontap-password PASS    the password ONTAP's admin gets
  --inhibit-rollback       keep a failed deploy's VMs for diagnosis
  --deploy-timeout-min N   give up waiting for the deploy after N minutes (default 120)
  --fail-deploy            (mock only) the deploy job fails, to show the clean-up

Deploy's certificate (with --url; default: the webpki roots):";

const VALUE_FLAGS: [&str; 32] = [
    "url",
    "user",
    "password",
    "ca-file",
    "pin-sha256",
    "vcenter",
    "vcenter-user",
    "vcenter-password",
    "host-user",
    "host-password",
    "hypervisor",
    "hosts",
    "node-ips",
    "instance-type",
    "cluster-name",
    "cluster-ip",
    "netmask",
    "gateway",
    "dns-domains",
    "dns-servers",
    "ntp-servers",
    "ontap-version",
    "mgmt-network",
    "data-network",
    "internal-network",
    "mgmt-vlan",
    "data-vlan",
    "internal-vlan",
    "datastore",
    "capacity",
    "ontap-password",
    "deploy-timeout-min",
];

const SWITCHES: [&str; 5] = ["insecure", "yes", "keep", "inhibit-rollback", "fail-deploy"];

/// The mock Deploy: its address, its user, and how fast its jobs move.
const MOCK_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 15, 1);
const MOCK_PASSWORD: &str = "Netapp1!";
const MOCK_JOB_STEP: Duration = Duration::from_millis(250);

type BoxError = Box<dyn Error>;

/// How the hosts are reached.
enum Access {
    /// Through a vCenter: one `vcenter` credential, hosts registered with it as their
    /// management server.
    Vcenter {
        server: String,
        user: String,
        password: String,
    },
    /// Directly: one `host` credential per host.
    Standalone { user: String, password: String },
}

/// One network purpose and where it goes.
struct NetworkPlan {
    purpose: NetworkPurpose,
    port_group: String,
    vlan: Option<u16>,
}

/// Everything the run builds, from the flags (or the mock run's made-up defaults).
struct Env {
    access: Access,
    hypervisor: HypervisorType,
    /// The two hosts, in the order the nodes (sorted by name) are placed on them.
    hosts: [String; 2],
    node_ips: [String; 2],
    instance_type: InstanceType,
    cluster_name: String,
    cluster_ip: String,
    netmask: String,
    gateway: String,
    dns: Option<DnsInfo>,
    ntp_servers: Vec<String>,
    ontap_version: Option<String>,
    networks: [NetworkPlan; 3],
    datastores: [String; 2],
    capacity: u64,
    ontap_password: String,
    inhibit_rollback: bool,
    deploy_timeout: Duration,
}

/// What this run created and has not removed yet, so that a failure can remove it (and
/// only it: what was there before is never touched).
#[derive(Default)]
struct Created {
    /// Credentials added: host name, user, id (from `location`, when known).
    credentials: Vec<(String, String, Option<String>)>,
    /// Names of the hosts this run registered.
    hosts: Vec<String>,
    /// The cluster: its name, and its id once known.
    cluster: Option<(String, Option<String>)>,
}

impl Created {
    fn is_empty(&self) -> bool {
        self.credentials.is_empty() && self.hosts.is_empty() && self.cluster.is_none()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let usage = format!("{USAGE}\n{}", cli::TLS_USAGE);
    let args = Args::parse(&VALUE_FLAGS, &SWITCHES, &usage);
    let real = args.get("url").is_some();
    let env = Env::from_args(&args, real);
    let user = args.or("user", "admin");
    let password = match args.get("password") {
        Some(p) => p.to_owned(),
        None if real => args.fail("--password is needed with --url"),
        None => MOCK_PASSWORD.to_owned(),
    };
    if real && args.on("fail-deploy") {
        args.fail("--fail-deploy works with the mock only");
    }

    println!("running *deploy_cluster*");
    // The mock, when started, serves until the end of `main`.
    let (mock, url, tls) = match args.get("url") {
        Some(url) => {
            warn_real_deploy(url, &env, args.on("keep"));
            if !args.on("yes") {
                eprintln!("Not confirmed: nothing was sent. Add --yes to go ahead.");
                return ExitCode::from(2);
            }
            (None, url.to_owned(), args.tls("Deploy's certificate"))
        }
        None => {
            if args.has_tls_flags() {
                eprintln!("(TLS flags ignored: the mock's own CA is trusted)");
            }
            match start_mock(&user, &password).await {
                Ok((mock, tls)) => {
                    let url = mock.url();
                    (Some(mock), url, Some(tls))
                }
                Err(e) => {
                    eprintln!("error: cannot start the mock Deploy: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };

    let mut builder = DeployClient::builder(&url).credentials(&user, &password);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    let deploy = match builder.build() {
        Ok(deploy) => deploy,
        Err(e) => {
            report(&e);
            return ExitCode::FAILURE;
        }
    };

    let mut created = Created::default();
    let keep = args.on("keep");
    let fail_deploy = mock.as_ref().filter(|_| args.on("fail-deploy"));
    match run(&deploy, &env, fail_deploy, keep, &mut created).await {
        Ok(()) if keep => {
            println!("\n--keep: the cluster, hosts and credentials stay as they are");
            ExitCode::SUCCESS
        }
        Ok(()) => {
            println!("\n== 8. remove the hosts and credentials this run added ==");
            if created.is_empty() {
                println!("nothing: every host and credential was there before the run");
            }
            if undo(&deploy, &mut created).await {
                println!("\ndone: Deploy is as it was before the run");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            report(e.as_ref());
            if !created.is_empty() {
                println!("\n== cleaning up what this run created ==");
                undo(&deploy, &mut created).await;
            }
            ExitCode::FAILURE
        }
    }
}

/// A mock Deploy on [`MOCK_IP`], HTTPS, and the TLS policy that trusts its CA.
async fn start_mock(user: &str, password: &str) -> Result<(DeployMock, TlsPolicy), BoxError> {
    let mock = DeployMock::start(
        DeployConfig::new()
            .ip(IpAddr::V4(MOCK_IP))
            .user(user, password)
            .job_step(MOCK_JOB_STEP),
    )
    .await?;
    let ca = mock.ca_pem().ok_or("the mock serves no TLS")?;
    let tls = TlsPolicy::custom_ca_pem(ca)?;
    eprintln!(
        "(no --url: started a mock Deploy at {}, HTTPS with its generated CA trusted, user \
         {user}; its jobs move every {} ms)",
        mock.url(),
        MOCK_JOB_STEP.as_millis()
    );
    Ok((mock, tls))
}

fn warn_real_deploy(url: &str, env: &Env, keep: bool) {
    let end = if keep {
        "leaves it running, with the hosts and credentials (--keep)"
    } else {
        "then powers it off, DELETES it, and removes the hosts and credentials it added \
         (those Deploy already had are left alone)"
    };
    eprintln!(
        "WARNING: this changes real infrastructure through the Deploy at {url}:\n  \
         it registers hosts {} and {} (unless Deploy knows them), creates cluster {} with \
         ONTAP Select VMs on them (a deploy takes tens of minutes), and {end}. If a step \
         fails, it removes what it created.",
        env.hosts[0], env.hosts[1], env.cluster_name,
    );
}

/// The workflow, steps 0 to 7. Everything it creates is recorded in `created` before it
/// is asked for, so that a failure at any point can remove it.
async fn run(
    deploy: &DeployClient,
    env: &Env,
    fail_deploy: Option<&DeployMock>,
    keep: bool,
    created: &mut Created,
) -> Result<(), BoxError> {
    println!("\n== 0. the plan ==");
    env.print_plan();
    let query = Query::new()
        .eq("name", &env.cluster_name)
        .field_list(["id", "name", "state"]);
    println!("GET /clusters?{}", query.encode()?);
    if let Some(existing) = deploy.clusters(&query).await?.first() {
        return Err(format!(
            "a cluster named {} exists already (id {}): nothing was changed; choose another \
             --cluster-name",
            env.cluster_name,
            text(existing.id.as_deref())
        )
        .into());
    }
    println!("  no cluster of that name yet");

    println!("\n== 1. credentials (looked up by host and user first, added when missing) ==");
    for credential in env.credentials() {
        let what = format!(
            "{} credential of {} on {}",
            credential.kind, credential.username, credential.hostname
        );
        match deploy.add_credential(&credential).await? {
            CredentialAdded::Existing(found) => println!(
                "{what}: stored already (id {}): used as it is, and left in place",
                text(found.id.as_deref())
            ),
            CredentialAdded::Started(job) => {
                created.credentials.push((
                    credential.hostname.clone(),
                    credential.username.clone(),
                    job.location_id().map(str::to_owned),
                ));
                println!(
                    "{what}: POST /security/credentials -> job {}, credential id {} (from \
                     location)",
                    job.id(),
                    text(job.location_id())
                );
                wait(job).await?;
            }
            // `CredentialAdded` is non-exhaustive.
            other => {
                return Err(
                    format!("{what}: an outcome this example does not know: {other:?}").into(),
                );
            }
        }
    }

    println!("\n== 2. hosts ==");
    let mut to_register = Vec::new();
    for name in &env.hosts {
        match deploy.find_host(name).await? {
            Some(host) => println!(
                "{name}: registered already (id {}): used as it is, and left in place",
                text(host.id.as_deref())
            ),
            None => {
                println!("{name}: not registered yet");
                to_register.push(env.registration(name));
            }
        }
    }
    if !to_register.is_empty() {
        created
            .hosts
            .extend(to_register.iter().map(|h| h.name.clone()));
        let batch = HostBatch::new(to_register);
        let job = deploy.register_hosts(&batch).await?;
        println!(
            "POST /hosts ({} host(s), one job) -> job {}, location: host {} (the first of the \
             batch)",
            batch.hosts.len(),
            job.id(),
            text(job.location_id())
        );
        wait(job).await?;
    }
    // By name, as the reference's workflow does: `location` names one host of a batch.
    println!("the hosts' ids (GET /hosts?name=...&fields=*):");
    let mut host_ids = Vec::new();
    for name in &env.hosts {
        let host = deploy
            .find_host(name)
            .await?
            .ok_or_else(|| format!("host {name} is not listed after its registration"))?;
        let id = host
            .id
            .clone()
            .ok_or_else(|| format!("host {name} is listed without an id"))?;
        println!(
            "  {name}: id {id}, {}, {}",
            text(host.hypervisor_type.as_deref()),
            match &host.management_server {
                Some(server) => format!("managed by {server}"),
                None => "reached directly".to_owned(),
            }
        );
        host_ids.push(id);
    }

    println!("\n== 3. the cluster ==");
    let new_cluster = env.new_cluster();
    let body = new_cluster.to_json()?;
    let create = Query::new().param("node_count", NodeCount::new(2)?.get());
    println!("POST /clusters?{} {body}", create.encode()?);
    created.cluster = Some((env.cluster_name.clone(), None));
    // `create_cluster` gives the id alone; sent raw here to show the whole answer.
    let answer = deploy
        .raw(Method::POST, "clusters")
        .query(create.clone())
        .json(&body)?
        .send()
        .await?;
    let id = match answer.location_id.clone() {
        Some(id) => id,
        None => deploy
            .find_cluster(&env.cluster_name)
            .await?
            .and_then(|c| c.id)
            .ok_or("the cluster was created, but neither location nor a lookup names it")?,
    };
    created.cluster = Some((env.cluster_name.clone(), Some(id.clone())));
    println!(
        "  -> HTTP {}, request-id {}, cluster id {id} ({})",
        answer.status.as_u16(),
        text(answer.request_id.as_deref()),
        if answer.location_id.is_some() {
            "from location"
        } else {
            "no location: looked up by name"
        }
    );
    if let Some(update) = env.cluster_update() {
        deploy.configure_cluster(&id, &update).await?;
        println!("PATCH /clusters/{id} {}", update.to_json()?);
    }

    println!("\n== 4. the nodes: host, IP, networks by purpose, storage ==");
    let query = Query::new()
        .field_list(["id", "name"])
        .order_by("name", Order::Asc);
    println!("GET /clusters/{id}/nodes?{}", query.encode()?);
    let nodes = deploy.nodes(&id, &query).await?;
    if nodes.len() != 2 {
        return Err(format!("the cluster has {} nodes, not 2", nodes.len()).into());
    }
    for (i, node) in nodes.iter().enumerate() {
        let node_id = node.id.as_deref().ok_or("a node is listed without an id")?;
        let name = text(node.name.as_deref());
        println!(
            "\nnode {name} (id {node_id}) -> host {} (id {})",
            env.hosts[i], host_ids[i]
        );
        let update = env.node_update(i, &host_ids[i]);
        deploy.configure_node(&id, node_id, &update).await?;
        println!("  PATCH .../nodes/{node_id} {}", update.to_json()?);

        println!("  networks, each picked by purpose (GET .../networks?fields=id,purpose,name):");
        for plan in &env.networks {
            let network = deploy
                .network_by_purpose(&id, node_id, plan.purpose.clone())
                .await?
                .ok_or_else(|| format!("node {name} has no {} network", plan.purpose))?;
            let network_id = network
                .id
                .as_deref()
                .ok_or("a network is listed without an id")?;
            let update = env.network_update(plan);
            deploy
                .configure_network(&id, node_id, network_id, &update)
                .await?;
            println!(
                "    {:<8} network {network_id}: PATCH {}",
                plan.purpose.as_str(),
                update.to_json()?
            );
        }

        let pools = env.pools(i);
        deploy.add_storage_pools(&id, node_id, &pools).await?;
        println!(
            "  POST .../nodes/{node_id}/storage/pools {}",
            pools.to_json()?
        );
        for pool in deploy.storage_pools(&id, node_id).await? {
            println!(
                "    pool {} (id {})",
                text(pool.name.as_deref()),
                text(pool.id.as_deref()),
            );
        }

        // Read back: the node must be where it was put.
        let fields = Fields::List(vec!["host".into(), "ip".into(), "instance_type".into()]);
        let read = deploy.node(&id, node_id, fields).await?;
        if read.host_id() != Some(host_ids[i].as_str()) {
            return Err(format!(
                "node {name} is on host {}, not on {}",
                text(read.host_id()),
                host_ids[i]
            )
            .into());
        }
        println!(
            "  read back (GET .../nodes/{node_id}?fields=host,ip,instance_type): host {}, ip {}, {}",
            text(read.host_id()),
            text(read.ip.as_deref()),
            read.instance_type
                .as_ref()
                .map_or("?", InstanceType::as_str)
        );
    }

    println!("\n== 5. deploy ==");
    if let Some(mock) = fail_deploy {
        mock.fail_next_job(format!(
            "Failed to create the ONTAP Select VM on host {}: the host is not reachable",
            env.hosts[1]
        ));
        println!("(--fail-deploy: the mock fails this job)");
    }
    let job = deploy
        .deploy_cluster(&id, &env.deploy_request(), env.inhibit_rollback)
        .await?;
    println!(
        "POST /clusters/{id}/deploy?inhibit_rollback={} (ONTAP's admin password goes in \
         ontap_credential, never printed) -> job {}",
        env.inhibit_rollback,
        job.id()
    );
    let policy = deploy
        .job_policy()
        .clone()
        .with_deadline(env.deploy_timeout);
    let started = Instant::now();
    job.wait_with_policy(&policy, progress).await?;
    println!("deployed in {:.1} s", started.elapsed().as_secs_f64());

    println!(
        "\n== 6. query: deployed clusters named {}* ==",
        env.cluster_name
    );
    let query = Query::new()
        .like("name", format!("{}*", env.cluster_name))
        .any_of("state", ["powered_on", "powered_off"])
        .eq("is_deployed", "true")
        .field_list(["id", "name", "ip", "state", "ontap_image_version", "nodes"])
        .order_by("name", Order::Asc)
        .max_records(20);
    println!(
        "name like {}*, state powered_on or powered_off, is_deployed true; six fields; by \
         name ascending; at most 20:",
        env.cluster_name
    );
    println!("GET /clusters?{}", query.encode()?);
    let clusters = deploy.clusters(&query).await?;
    println!("  {} cluster(s):", clusters.len());
    for cluster in &clusters {
        let nodes = cluster.nodes.as_deref().unwrap_or_default();
        println!(
            "  {} (id {}{}): ip {}, {}, ONTAP {}, nodes {}",
            text(cluster.name.as_deref()),
            text(cluster.id.as_deref()),
            if cluster.id.as_deref() == Some(id.as_str()) {
                ", this run's"
            } else {
                ""
            },
            text(cluster.ip.as_deref()),
            text(cluster.state.as_deref()),
            text(cluster.ontap_image_version.as_deref()),
            nodes
                .iter()
                .map(|n| text(n.name.as_deref()).to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if keep {
        created.cluster = None;
        created.hosts.clear();
        created.credentials.clear();
        return Ok(());
    }

    println!("\n== 7. power off and delete ==");
    let cluster = deploy
        .cluster(&id, Fields::List(vec!["state".into()]))
        .await?;
    println!(
        "GET /clusters/{id}?fields=state: {}",
        text(cluster.state.as_deref())
    );
    if cluster.is_powered_on() {
        let job = deploy
            .set_availability(&id, Availability::PoweredOff)
            .await?;
        println!(
            "PATCH /clusters/{id} {} -> job {}",
            Availability::PoweredOff.to_json()?,
            job.id()
        );
        wait(job).await?;
    }
    let job = deploy.delete_cluster(&id).await?;
    println!("DELETE /clusters/{id} -> job {}", job.id());
    wait(job).await?;
    created.cluster = None;
    let query = Query::new().eq("name", &env.cluster_name);
    let left = deploy.clusters(&query).await?;
    println!(
        "GET /clusters?{}: {} cluster(s) of that name",
        query.encode()?,
        left.len()
    );
    Ok(())
}

/// Waits for a job with the client's policy, printing each new message.
async fn wait(job: JobHandle) -> Result<Job, storkit_core::Error> {
    job.wait_with(progress).await
}

fn progress(p: &JobProgress) {
    println!(
        "  [{:>5.1} s] {:<8} {}",
        p.elapsed.as_secs_f64(),
        p.state,
        p.message
    );
}

/// Removes what `created` lists, the cluster first (its nodes hold the hosts), then the
/// hosts, then the credentials; tries each whatever the others do, and prints each.
/// Returns whether everything went.
async fn undo(deploy: &DeployClient, created: &mut Created) -> bool {
    let mut ok = true;
    if let Some((name, id)) = created.cluster.take() {
        let id = match id {
            Some(id) => Ok(Some(id)),
            // The create's answer never came: it may have landed all the same.
            None => deploy
                .find_cluster(&name)
                .await
                .map(|c| c.and_then(|c| c.id)),
        };
        let result = match id {
            Ok(Some(id)) => deploy
                .power_off_and_delete(&id)
                .await
                .map(|()| format!("powered off if it was on, and deleted (id {id})")),
            Ok(None) => Ok("was not created".to_owned()),
            Err(e) => Err(e),
        };
        match result {
            Ok(what) => println!("cluster {name}: {what}"),
            Err(e) => {
                ok = false;
                println!("cluster {name}: could not delete it, do it by hand: {e}");
            }
        }
    }
    for name in std::mem::take(&mut created.hosts) {
        let result = match deploy.find_host(&name).await {
            Ok(Some(host)) => match host.id {
                Some(id) => deploy
                    .delete_host(&id)
                    .await
                    .map(|()| format!("removed (DELETE /hosts/{id})")),
                None => Ok("listed without an id: left alone".to_owned()),
            },
            Ok(None) => Ok("was not registered".to_owned()),
            Err(e) => Err(e),
        };
        match result {
            Ok(what) => println!("host {name}: {what}"),
            Err(e) => {
                ok = false;
                println!("host {name}: could not remove it, do it by hand: {e}");
            }
        }
    }
    for (hostname, username, id) in std::mem::take(&mut created.credentials) {
        let id = match id {
            Some(id) => Ok(Some(id)),
            None => {
                let query = Query::new()
                    .eq("hostname", &hostname)
                    .eq("username", &username);
                deploy
                    .credentials(&query)
                    .await
                    .map(|found| found.into_iter().find_map(|c| c.id))
            }
        };
        let result = match id {
            Ok(Some(id)) => deploy
                .delete_credential(&id)
                .await
                .map(|()| format!("removed (DELETE /security/credentials/{id})")),
            Ok(None) => Ok("was not stored".to_owned()),
            Err(e) => Err(e),
        };
        match result {
            Ok(what) => println!("credential of {username} on {hostname}: {what}"),
            Err(e) => {
                ok = false;
                println!(
                    "credential of {username} on {hostname}: could not remove it, do it by \
                     hand: {e}"
                );
            }
        }
    }
    ok
}

/// The error that ended the run, on stderr: the client's one line (method, path, status,
/// Deploy's `[code] message`, request id), then Deploy's part of it field by field, or
/// the causes of any other error.
fn report(e: &(dyn Error + 'static)) {
    eprintln!("\nerror: {e}");
    let detail = e
        .downcast_ref::<storkit_core::Error>()
        .and_then(|core| core.ontap());
    match detail {
        Some(OntapError::Http {
            status,
            code,
            message,
            request_id,
        }) => eprintln!(
            "  Deploy's error: HTTP {status}, code {}, message {}, request-id {}",
            text(code.as_deref()),
            message
                .as_deref()
                .map_or_else(|| "none".to_owned(), |m| format!("{m:?}")),
            text(request_id.as_deref())
        ),
        // The line above has said it all: the job, its state and its last message.
        Some(OntapError::JobFailed { .. }) => {}
        _ => {
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
        }
    }
}

/// A value Deploy may leave out, or `?`.
fn text(value: Option<&str>) -> &str {
    value.unwrap_or("?")
}

/// `2199023255552 bytes (2 TiB)`.
fn bytes(n: u64) -> String {
    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;
    if n.is_multiple_of(TIB) {
        format!("{n} bytes ({} TiB)", n / TIB)
    } else if n.is_multiple_of(GIB) {
        format!("{n} bytes ({} GiB)", n / GIB)
    } else {
        format!("{n} bytes")
    }
}

/// `2199023255552`, `2TiB`, `500 GiB`.
fn parse_capacity(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "gib" | "g" => 1 << 30,
        "tib" | "t" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(factor).filter(|n| *n > 0)
}

/// Reads the environment flags; with `real`, the ones without a default are required.
struct Flags<'a> {
    args: &'a Args,
    real: bool,
    missing: Vec<&'static str>,
}

impl Flags<'_> {
    /// The flag's value; when it is absent, the mock run's `demo` value (a real run
    /// notes it as missing).
    fn need(&mut self, name: &'static str, demo: &str) -> String {
        match self.args.get(name) {
            Some(value) => value.to_owned(),
            None => {
                if self.real {
                    self.missing.push(name);
                }
                demo.to_owned()
            }
        }
    }

    /// An optional comma-separated list; the mock run's `demo` when absent.
    fn list(&self, name: &str, demo: &[&str]) -> Vec<String> {
        match self.args.get(name) {
            Some(value) => split(value),
            None if self.real => Vec::new(),
            None => demo.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Exactly two comma-separated values (one given twice when `one_for_both`).
    fn pair(&mut self, name: &'static str, demo: &str, one_for_both: bool) -> [String; 2] {
        let values = split(&self.need(name, demo));
        match values.as_slice() {
            [one] if one_for_both => [one.clone(), one.clone()],
            [a, b] if one_for_both || a != b => [a.clone(), b.clone()],
            _ if one_for_both => self.args.fail(&format!(
                "--{name}: one name for both nodes, or two comma-separated"
            )),
            _ => self
                .args
                .fail(&format!("--{name}: two different values, comma-separated")),
        }
    }

    fn ip(&mut self, name: &'static str, demo: &str) -> String {
        let value = self.need(name, demo);
        if value.parse::<IpAddr>().is_err() {
            self.args
                .fail(&format!("--{name}: {value:?} is not an IP address"));
        }
        value
    }

    fn vlan(&self, name: &str) -> Option<u16> {
        self.args.get(name).map(|v| {
            v.parse::<u16>()
                .ok()
                .filter(|n| *n <= 4095)
                .unwrap_or_else(|| self.args.fail(&format!("--{name}: 0 to 4095, not {v:?}")))
        })
    }
}

fn split(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Env {
    /// The environment from the flags. Against a real Deploy nothing is made up: a missing
    /// flag is a usage error, listed with the others missing. Every request body is
    /// checked here, before anything is sent.
    fn from_args(args: &Args, real: bool) -> Env {
        let mut f = Flags {
            args,
            real,
            missing: Vec::new(),
        };
        let hypervisor = match args.get("hypervisor") {
            None => HypervisorType::Esx,
            Some(h) => HypervisorType::parse(h)
                .unwrap_or_else(|| args.fail(&format!("--hypervisor: ESX or KVM, not {h:?}"))),
        };
        let kvm = hypervisor == HypervisorType::Kvm;
        let standalone = args.get("host-user").is_some() || args.get("host-password").is_some();
        if args.get("vcenter").is_some() && standalone {
            args.fail("--vcenter and --host-user exclude each other: the hosts are reached through a vCenter or directly");
        }
        if args.get("vcenter").is_some() && kvm {
            args.fail("KVM hosts have no vCenter: give --host-user and --host-password");
        }
        let access = if standalone || kvm {
            Access::Standalone {
                user: f.need("host-user", "root"),
                password: f.need("host-password", "KVM-root1!"),
            }
        } else {
            Access::Vcenter {
                server: f.need("vcenter", "vcenter.example"),
                user: f.need("vcenter-user", "administrator@vsphere.local"),
                password: f.need("vcenter-password", "VMware1!"),
            }
        };
        let hosts = f.pair("hosts", "esx-a.example,esx-b.example", false);
        let node_ips = f.pair("node-ips", "192.0.2.11,192.0.2.12", false);
        for ip in &node_ips {
            if ip.parse::<IpAddr>().is_err() {
                args.fail(&format!("--node-ips: {ip:?} is not an IP address"));
            }
        }
        let instance_type = match args.get("instance-type") {
            None => InstanceType::Small,
            Some(t) => match InstanceType::parse(t) {
                InstanceType::Other(_) => args.fail(&format!(
                    "--instance-type: small, medium or large, not {t:?}"
                )),
                known => known,
            },
        };
        let cluster_name = f.need("cluster-name", "storkit-demo");
        let cluster_ip = f.ip("cluster-ip", "192.0.2.10");
        if node_ips.contains(&cluster_ip) {
            args.fail("--cluster-ip must differ from the --node-ips");
        }
        let netmask = f.need("netmask", "255.255.255.0");
        if netmask.parse::<Ipv4Addr>().is_err() {
            args.fail(&format!(
                "--netmask: {netmask:?} is not a dotted mask such as 255.255.255.0"
            ));
        }
        let gateway = f.ip("gateway", "192.0.2.1");
        let domains = f.list("dns-domains", &["example.com"]);
        let dns_servers = f.list("dns-servers", &["192.0.2.53"]);
        let dns = (!domains.is_empty() || !dns_servers.is_empty())
            .then(|| DnsInfo::new(domains, dns_servers));
        let ntp_servers = f.list("ntp-servers", &["192.0.2.123"]);
        let ontap_version = match args.get("ontap-version") {
            Some(version) => Some(version.to_owned()),
            None if real => None,
            None => Some(storkit_ontap_deploy_mock::DEFAULT_IMAGE.to_owned()),
        };
        let networks = [
            (
                NetworkPurpose::Mgmt,
                "mgmt-network",
                "ONTAP-Mgmt",
                "mgmt-vlan",
            ),
            (
                NetworkPurpose::Data,
                "data-network",
                "ONTAP-Data",
                "data-vlan",
            ),
            (
                NetworkPurpose::Internal,
                "internal-network",
                "ONTAP-Internal",
                "internal-vlan",
            ),
        ]
        .map(|(purpose, flag, demo, vlan)| NetworkPlan {
            purpose,
            port_group: f.need(flag, demo),
            vlan: f.vlan(vlan),
        });
        let datastores = f.pair("datastore", "datastore1", true);
        let capacity_text = f.need("capacity", "2TiB");
        let capacity = parse_capacity(&capacity_text).unwrap_or_else(|| {
            args.fail(&format!(
                "--capacity: bytes, or a number with GiB or TiB, not {capacity_text:?}"
            ))
        });
        let ontap_password = f.need("ontap-password", "Netapp1!");
        let deploy_timeout = match args.get("deploy-timeout-min") {
            None => Duration::from_secs(2 * 3600),
            Some(m) => m
                .parse::<u64>()
                .ok()
                .filter(|m| *m > 0)
                .map(|m| Duration::from_secs(m * 60))
                .unwrap_or_else(|| args.fail(&format!("--deploy-timeout-min: minutes, not {m:?}"))),
        };
        if !f.missing.is_empty() {
            let flags: Vec<String> = f.missing.iter().map(|m| format!("--{m}")).collect();
            let mut message = format!(
                "against a real Deploy nothing is made up: give {} as well",
                flags.join(" ")
            );
            if f.missing.contains(&"vcenter") {
                message.push_str(
                    "\n(for hosts reached directly: --host-user and --host-password instead of \
                     the --vcenter flags)",
                );
            }
            args.fail(&message);
        }
        let env = Env {
            access,
            hypervisor,
            hosts,
            node_ips,
            instance_type,
            cluster_name,
            cluster_ip,
            netmask,
            gateway,
            dns,
            ntp_servers,
            ontap_version,
            networks,
            datastores,
            capacity,
            ontap_password,
            inhibit_rollback: args.on("inhibit-rollback"),
            deploy_timeout,
        };
        if let Err(e) = env.check() {
            args.fail(&e.to_string());
        }
        env
    }

    /// Every request body of the run, checked as the client checks it before sending.
    fn check(&self) -> Result<(), OntapError> {
        for credential in self.credentials() {
            credential.validate()?;
        }
        HostBatch::new(self.hosts.iter().map(|h| self.registration(h)).collect()).validate()?;
        self.new_cluster().validate()?;
        if let Some(update) = self.cluster_update() {
            update.validate()?;
        }
        for i in 0..2 {
            self.node_update(i, "host-id").validate()?;
            self.pools(i).validate()?;
        }
        for plan in &self.networks {
            self.network_update(plan).validate()?;
        }
        self.deploy_request().validate()
    }

    fn print_plan(&self) {
        println!(
            "cluster {} at {} (netmask {}, gateway {}), two {} nodes:",
            self.cluster_name, self.cluster_ip, self.netmask, self.gateway, self.instance_type
        );
        for i in 0..2 {
            println!(
                "  node {} at {} on {} host {}, storage pool {} of {}",
                i + 1,
                self.node_ips[i],
                self.hypervisor,
                self.hosts[i],
                self.datastores[i],
                bytes(self.capacity)
            );
        }
        println!(
            "  networks by purpose: {}",
            self.networks
                .iter()
                .map(|n| {
                    let vlan = n.vlan.map(|v| format!(" (VLAN {v})")).unwrap_or_default();
                    format!("{} on {:?}{vlan}", n.purpose, n.port_group)
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  ONTAP image: {}",
            self.ontap_version.as_deref().unwrap_or("Deploy's default")
        );
        match &self.access {
            Access::Vcenter { server, user, .. } => {
                println!("  hosts reached through vCenter {server} as {user}");
            }
            Access::Standalone { user, .. } => println!("  hosts reached directly as {user}"),
        }
    }

    fn credentials(&self) -> Vec<NewCredential> {
        match &self.access {
            Access::Vcenter {
                server,
                user,
                password,
            } => vec![NewCredential::new(
                CredentialKind::Vcenter,
                server,
                user,
                password.as_str(),
            )],
            Access::Standalone { user, password } => self
                .hosts
                .iter()
                .map(|host| NewCredential::new(CredentialKind::Host, host, user, password.as_str()))
                .collect(),
        }
    }

    fn registration(&self, name: &str) -> HostRegistration {
        let host = HostRegistration::new(name, self.hypervisor);
        match &self.access {
            Access::Vcenter { server, .. } => host.management_server(server),
            // The host's credential is stored on its own (step 1).
            Access::Standalone { .. } => host,
        }
    }

    fn new_cluster(&self) -> NewCluster {
        let cluster = NewCluster::new(&self.cluster_name)
            .ip(&self.cluster_ip)
            .netmask(&self.netmask)
            .gateway(&self.gateway);
        match &self.ontap_version {
            Some(version) => cluster.ontap_image_version(version),
            None => cluster,
        }
    }

    /// DNS and NTP, set after the create (reference §7 configures with a `PATCH`).
    fn cluster_update(&self) -> Option<ClusterUpdate> {
        let mut update = ClusterUpdate::new();
        if let Some(dns) = &self.dns {
            update = update.dns_info(dns.clone());
        }
        if !self.ntp_servers.is_empty() {
            update = update.ntp_servers(self.ntp_servers.iter().cloned());
        }
        (update != ClusterUpdate::default()).then_some(update)
    }

    fn node_update(&self, i: usize, host_id: &str) -> NodeUpdate {
        NodeUpdate::new()
            .host_id(host_id)
            .ip(&self.node_ips[i])
            .instance_type(self.instance_type.clone())
            // Storage pools on a datastore, no software RAID (S6 sets it with disks only).
            .passthrough_disks(false)
    }

    fn network_update(&self, plan: &NetworkPlan) -> NetworkUpdate {
        let update = NetworkUpdate::new().name(&plan.port_group);
        match plan.vlan {
            Some(vlan) => update.vlan_id(vlan),
            None => update,
        }
    }

    fn pools(&self, i: usize) -> PoolArray {
        PoolArray::from(StoragePoolSpec::new(&self.datastores[i], self.capacity))
    }

    fn deploy_request(&self) -> DeployRequest {
        DeployRequest::new(self.ontap_password.as_str())
    }
}
