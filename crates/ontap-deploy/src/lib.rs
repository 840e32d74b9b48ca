//! NetApp ONTAP Select Deploy REST API v3 on the `storkit-core` transport: clusters,
//! nodes, networks, storage, hosts, credentials, licences and jobs, with Deploy's query
//! grammar (filters, fields, order_by, max_records) encoded exactly.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use storkit_ontap_deploy::model::{
//!     CredentialKind, HostBatch, HostRegistration, HypervisorType, NewCluster, NewCredential,
//!     NodeCount,
//! };
//! use storkit_ontap_deploy::{CredentialAdded, DeployClient, Fields, Order, Query, TlsPolicy};
//! # let mock = storkit_ontap_deploy_mock::DeployMock::start(
//! #     storkit_ontap_deploy_mock::DeployConfig::new()
//! #         .ip("127.0.14.250".parse()?)
//! #         .user("admin", "Netapp1!"),
//! # ).await?;
//! # let (url, ca) = (mock.url(), mock.ca_pem().ok_or("no CA")?);
//!
//! // HTTPS only; Basic auth on every call; the certificate verified (pass Deploy's own).
//! let deploy = DeployClient::builder(&url)
//!     .credentials("admin", "Netapp1!")
//!     .tls(TlsPolicy::custom_ca_pem(ca)?)
//!     .build()?;
//!
//! // Idempotent: looked up first, added only when missing; a job to wait on.
//! let vcenter = NewCredential::new(CredentialKind::Vcenter, "vcenter.example", "administrator@vsphere.local", "VMware1!");
//! if let CredentialAdded::Started(job) = deploy.add_credential(&vcenter).await? {
//!     job.wait().await?;
//! }
//! let hosts = HostBatch::new(vec![
//!     HostRegistration::new("esx-a.example", HypervisorType::Esx).management_server("vcenter.example"),
//! ]);
//! deploy.register_hosts(&hosts).await?.wait_with(|p| println!("{}: {}", p.state, p.message)).await?;
//!
//! // 201 and the id from `location`.
//! let id = deploy.create_cluster(&NewCluster::new("otsc"), NodeCount::new(1)?).await?;
//!
//! // `name=ots*&fields=id,name,state&order_by=name%20asc`: operators are never confused
//! // with data, spaces travel as %20.
//! let query = Query::new()
//!     .like("name", "ots*")
//!     .field_list(["id", "name", "state"])
//!     .order_by("name", Order::Asc);
//! let clusters = deploy.clusters(&query).await?;
//! assert_eq!(clusters[0].id.as_deref(), Some(id.as_str()));
//! # let _ = Fields::Cheap;
//! deploy.power_off_and_delete(&id).await?; // never deployed: deleted at once
//! # Ok(())
//! # }
//! ```
//!
//! # What it covers (seed 004 and reference `ontap-deploy.md`)
//! - **Target** ([`DeployClient::builder`]): `https://<deploy>/api/v3`, Basic auth on
//!   every call, `Accept: application/json`, JSON bodies with their content type; the
//!   `request-id` of every answer kept on the [`Answer`] and on every error
//!   ([`OntapError::Http`] shows `[code] message` and the request id). TLS is verified by
//!   default: pass Deploy's self-signed certificate as the CA, pin it, or opt out by
//!   name ([`TlsPolicy::DangerAcceptInvalidCerts`]).
//! - **Queries** ([`Query`]): exact match and every operator of the seed (`<`, `>`, `<=`,
//!   `>=`, `|`, `!`, `*`), `null` and `!null`, `fields` (`*`, `**`, a list), `order_by`
//!   (several keys, asc/desc), `max_records`, endpoint parameters; values encoded as
//!   reference §4.3 says; a value that Deploy would read as an operator is refused, never
//!   sent.
//! - **Answers** ([`model`]): single records, collections, 201 with `location` (the new
//!   id), 202 with a job, empty bodies, the error object (code as string or integer),
//!   decoded leniently (unknown keys kept, odd values read as absent).
//! - **Jobs** ([`JobHandle`]): every call that starts one returns its handle, to record
//!   and wait on; the wait long-polls (`poll_timeout`, `last_modified`) with no sleep
//!   after a held poll, reports each new message, has a deadline ([`JobPolicy`], 2 h by
//!   default), and turns `failure` into [`OntapError::JobFailed`] with the job's message.
//! - **Resources**: credentials (idempotent add), hosts (batch registration), clusters
//!   (create with `node_count`, configure, deploy with `inhibit_rollback`, power off and
//!   on, resize, delete, [`power_off_and_delete`](DeployClient::power_off_and_delete)),
//!   nodes, networks by purpose ([`network_by_purpose`](DeployClient::network_by_purpose):
//!   never by position), storage pools and disks, licences (multipart upload and update),
//!   connectivity checks, images and mediators. Paths that are not publicly known (events,
//!   node start/stop, backups, check results, ...) go through [`DeployClient::raw`].
//! - **Large collections** ([`DeployClient::collection_stream`]): keyset pages of
//!   `max_records` with an id or time filter, as the seed describes.
//! - **Secrets**: `password`, `admin_password` and `ontap_password` are
//!   [`SecretString`](storkit_core::secrecy::SecretString)s, written only into request
//!   bodies, never in `Debug`, logs or errors.
//!
//! # Retries
//! GETs are resent after transport failures and 500, 502, 503 and 504 answers within the
//! [`RetryPolicy`]; POST, PATCH and DELETE are never resent
//! once they may have reached Deploy (a second cluster create would fail with 409, a
//! second deploy would start a second job).

pub mod error;
mod lenient;
pub mod model;
pub mod query;

pub use error::{OntapError, OntapErrorExt};
pub use query::{Fields, Op, Order, Query};

mod client;
mod jobs;
mod resources;
mod stream;

pub use client::{
    Answer, DEFAULT_BASE_PATH, DeployClient, DeployClientBuilder, REQUEST_ID, RawRequest,
};
pub use jobs::{JobHandle, JobPolicy, JobProgress, MAX_HOLD};
pub use resources::CredentialAdded;
pub use stream::RecordStream;

/// The core types this crate's API uses, so that a user needs no other import.
pub use storkit_core::{Error, ErrorKind, RetryPolicy, TlsPolicy};
