//! Namespace information, as hcpsdk's `namespace.Info` gives it (manual chapter 6): the
//! namespace's statistics, the namespaces the user can access (this one, then all), its
//! retention classes and the user's permissions, printed as the manual prints them
//! (Python dictionaries, pretty-printed). It only reads.
//!
//! With no `--fqdn` it starts a mock HCP itself (two nodes on 127.0.9.11-12, TLS with its
//! own CA and its own DNS server) holding a few objects. Against a real system, name the
//! namespace (`<namespace>.<tenant>.<hcp domain>`) and a user with access to it:
//!
//! ```text
//! cargo run -p storkit-hcp --example namespace_info -- \
//!   --fqdn n1.m.hcp1.example.com --user n --password n01 --ca-file hcp-ca.pem
//! ```

#[path = "support/cli.rs"]
mod cli;
#[path = "support/pyfmt.rs"]
mod pyfmt;

use std::error::Error;

use pyfmt::Py;
use storkit_example_cli::Args;
use storkit_hcp::xml::proc::{NamespaceSettings, PermissionSet, RetentionClass};
use storkit_hcp_mock::{HcpConfig, HcpMock};

const USAGE: &str = "\
namespace_info: a namespace's statistics, the accessible namespaces, retention classes
and permissions (hcpsdk namespace.Info)

  --fqdn FQDN              the namespace, e.g. n1.m.hcp1.example.com
                           (default: start a mock HCP on 127.0.9.11-12)";

fn main() {
    cli::exit_on_error(run());
}

#[tokio::main]
async fn run() -> Result<(), Box<dyn Error>> {
    let usage = format!("{USAGE}\n{}", cli::CONNECTION_USAGE);
    let args = Args::parse(&cli::CONNECTION_FLAGS, &["insecure"], &usage);
    let conn = cli::connection(&args, "n", "n01");

    let mut _mock = None;
    let builder = match &conn.fqdn {
        Some(fqdn) => conn.builder(fqdn),
        None => {
            let mock = HcpMock::start(
                HcpConfig::sample("hcp1.example")
                    .ips([cli::ip(11), cli::ip(12)])
                    .data_port(0)
                    .mapi_port(0),
            )
            .await
            .map_err(|e| cli::Failed::new("cannot start the mock HCP", e))?;
            // Something to count: three objects stored on the mock's side.
            for (i, text) in ["alpha", "beta", "gamma"].iter().enumerate() {
                mock.insert_object("n1", &format!("/rest/info/{i}.txt"), *text, "n")?;
            }
            let fqdn = mock.namespace_fqdn("m", "n1");
            eprintln!("(no --fqdn: started a mock HCP for {fqdn} on 127.0.9.11-12)");
            let b = cli::mock_builder(&mock, &fqdn)?;
            _mock = Some(mock);
            b
        }
    };
    let client = builder.credentials(&conn.user, &conn.password).build()?;

    println!("running *namespace_info* on {}", client.fqdn());
    println!();

    let stats = client.namespace_statistics().await?;
    println!("namespace statistics - nsstatistics():");
    println!("{}", attributes(&stats.attributes).pformat());
    println!();

    let this = client.accessible_namespaces(false).await?;
    println!("this namespace - listaccessiblens():");
    println!("{}", namespaces(&this).pformat());
    println!();

    let all = client.accessible_namespaces(true).await?;
    println!("all namespaces the user can access - listaccessiblens(all=True):");
    println!("{}", namespaces(&all).pformat());
    println!();

    let classes = client.retention_classes().await?;
    println!("retention classes - listretentionclasses():");
    println!("{}", retention_classes(&classes).pformat());
    println!();

    let perms = client.permissions().await?;
    println!("permissions - listpermissions():");
    let perms = Py::dict([
        ("namespacePermissions", permission_set(&perms.namespace)),
        (
            "namespaceEffectivePermissions",
            permission_set(&perms.namespace_effective),
        ),
        ("userPermissions", permission_set(&perms.user)),
        (
            "userEffectivePermissions",
            permission_set(&perms.user_effective),
        ),
    ]);
    println!("{}", perms.pformat());
    Ok(())
}

/// XML attributes typed as hcpsdk types them (`true` → `True`, `85` → `85`).
fn attributes<'a>(attrs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Py {
    Py::dict(attrs.into_iter().map(|(k, v)| (k.clone(), Py::cast(v))))
}

/// hcpsdk's `listaccessiblens()`: name → its attributes, plus the description split on
/// `°` (hcpsdk's convention for tags) when there is one.
fn namespaces(list: &[NamespaceSettings]) -> Py {
    Py::dict(list.iter().map(|ns| {
        let mut entry = match attributes(&ns.attributes) {
            Py::Dict(map) => map,
            _ => Default::default(),
        };
        if ns.description.is_some() {
            let parts = ns.description_parts.iter().map(Py::str).collect();
            entry.insert("description".to_owned(), Py::List(parts));
        }
        (ns.name.clone(), Py::Dict(entry))
    }))
}

/// hcpsdk's `listretentionclasses()`: name → name, value, autoDelete, description.
fn retention_classes(list: &[RetentionClass]) -> Py {
    Py::dict(list.iter().map(|c| {
        let entry = Py::dict([
            ("name", Py::str(&c.name)),
            ("value", Py::cast(&c.value)),
            ("autoDelete", Py::opt(c.auto_delete, Py::Bool)),
            ("description", Py::opt(c.description.clone(), Py::Str)),
        ]);
        (c.name.clone(), entry)
    }))
}

/// One permission set under its wire names.
fn permission_set(p: &PermissionSet) -> Py {
    Py::dict([
        ("browse", Py::Bool(p.browse)),
        ("read", Py::Bool(p.read)),
        ("write", Py::Bool(p.write)),
        ("readAcl", Py::Bool(p.read_acl)),
        ("writeAcl", Py::Bool(p.write_acl)),
        ("changeOwner", Py::Bool(p.change_owner)),
        ("delete", Py::Bool(p.delete)),
        ("privileged", Py::Bool(p.privileged)),
        ("purge", Py::Bool(p.purge)),
        ("search", Py::Bool(p.search)),
    ])
}
