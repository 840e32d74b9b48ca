//! Hitachi Content Platform (HCP) through its native REST interface and the management API
//! (MAPI): the Rust counterpart of Python `hcpsdk`, on the `storkit-core` transport.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use storkit_hcp::{DeleteOptions, HcpClient, PutOptions, TlsPolicy};
//! # let mock = storkit_hcp_mock::HcpMock::start(
//! #     storkit_hcp_mock::HcpConfig::sample("hcp1.example")
//! #         .ips(["127.0.9.250".parse()?, "127.0.9.251".parse()?])
//! #         .data_port(0)
//! #         .mapi_port(0),
//! # ).await?;
//! # let (port, dns, ca) = (mock.data_port(), mock.dns_addr(), mock.ca_pem());
//!
//! // Namespace n1 of tenant m; every node of the name, round robin per new connection.
//! let hcp = HcpClient::builder("n1.m.hcp1.example")
//!     .port(port) // 443 in production: TLS on 443, 8000 and 9090
//! #   .https(true)
//!     .dns_servers([dns]) // ask these servers directly, as hcpsdk does
//!     .tls(TlsPolicy::custom_ca_pem(ca)?)
//!     .credentials("n", "n01")
//!     .build()?;
//!
//! // SHA-256 is computed while sending and checked against X-HCP-Hash.
//! let stored = hcp
//!     .put("/rest/docs/a b.txt", "This is an example", &PutOptions::default().index(true))
//!     .await?;
//! assert_eq!(
//!     stored.hash,
//!     "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
//! );
//! // Every typed call says which node served it, how long it took (hcpsdk's timings) and
//! // whether the replica system did.
//! println!("stored by {} in {:?}", stored.served.address, stored.served.times.service_time2);
//! let head = hcp.head("/rest/docs/a b.txt").await?;
//! assert_eq!(head.metadata.size, Some(18));
//! // Reads are verified against the hash too.
//! assert_eq!(hcp.get_bytes("/rest/docs/a b.txt").await?, "This is an example");
//! let deleted = hcp.delete("/rest/docs/a b.txt", &DeleteOptions::default()).await?;
//! assert!(!deleted.served.replica);
//! assert!(!hcp.exists("/rest/docs/a b.txt").await?.found);
//! # Ok(())
//! # }
//! ```
//!
//! # What it covers (hcpsdk 0.9.5 and its manual, with its bugs fixed)
//! - **Target** ([`HcpClient::builder`]): FQDN, port (TLS on 443, 8000 and 9090 unless
//!   [`https`](HcpClientBuilder::https) says otherwise), [`Resolution`] (DNS servers asked
//!   directly, bypassing caches, as hcpsdk; the system resolver; a static list),
//!   [`TlsPolicy`] (verified by default: pass HCP's CA or self-signed certificate, or pin
//!   it), credentials ([`HcpAuth`]: native header and `hcp-ns-auth` cookie, AD, local),
//!   [`addresses`](HcpClient::addresses). Each new connection goes to the next node; a node
//!   refusing connections is set aside and the request goes to the next one (hcpsdk failed
//!   it, B20); the name is looked up again on failure, TTL and demand, and a failed lookup
//!   keeps the old addresses (hcpsdk deadlocked, B1). A connection HCP closed while idle is
//!   replaced transparently (B2); an idle connection is released after
//!   [`idle_timeout`](HcpClientBuilder::idle_timeout) (30 s).
//! - **Connection level** ([`HcpClient::request`]): any method, parameters form-encoded
//!   (`+` for space, `%2B` for plus, `key=` when empty), headers copied (never changed,
//!   B7), status, reason, headers, the body whole or in chunks, and hcpsdk's timings
//!   ([`ServiceTimes`]: the *real* connect time, B9; first byte; whole request).
//! - **Objects** ([`objects`]): put from bytes, a file (re-opened per attempt, so it can
//!   fail over) or a stream, hash-checked; a resent PUT that meets `409` succeeds only when
//!   the stored hash is the sent one; verified streaming get; typed [`head`](HcpClient::head)
//!   ([`ObjectMetadata`], every `X-HCP-*` header); delete (privileged, purge); exists;
//!   directories and listings; custom metadata; system metadata by POST; object versions,
//!   conditional reads, the annotation list and whole-object I/O ([`versions`]). Object paths are
//!   data: any Unicode name is stored under exactly that name ([`object_path`]; hcpsdk
//!   crashed on non-ASCII, B5, and renamed `a%20b` to `a b`, B6). Parameters never travel
//!   inside the path (B22).
//! - **Where and how long**: every typed object call reports a [`Served`]: the node that
//!   answered, the [`ServiceTimes`], the attempts, and whether the replica system served
//!   it. [`put`](HcpClient::put) in its [`PutResult`], [`get`](HcpClient::get) through
//!   [`ObjectReader::served`] (the whole request's time once read to the end),
//!   [`head`](HcpClient::head) in its [`ObjectHead`] (typed metadata, headers), and
//!   [`delete`](HcpClient::delete) ([`Deleted`]), [`exists`](HcpClient::exists)
//!   ([`Exists`]), [`get_custom_metadata`](HcpClient::get_custom_metadata)
//!   ([`CustomMetadata`]); [`create_directory`](HcpClient::create_directory),
//!   [`put_custom_metadata`](HcpClient::put_custom_metadata) and
//!   [`set_system_metadata`](HcpClient::set_system_metadata) return the `Served` itself.
//!   [`get_bytes`](HcpClient::get_bytes) and [`head_headers`](HcpClient::head_headers) are
//!   the shorthands that leave it out; directory listings and namespace information do
//!   not report it.
//! - **Header names as HCP writes them** ([`header_display_name`]): hyper lower-cases header
//!   names both ways and hyper 1 cannot tell the case a name had on the wire, so the client
//!   holds `x-hcp-hash` where HCP sent `X-HCP-Hash` (HTTP names are case-insensitive; nothing
//!   depends on it). For output that reads like the manual's, this gives HCP's spelling
//!   of every header it sends (`ETag`, `X-HCP-VersionId`, `X-RequestId`,
//!   `X-ArcServicedBySystem`, ...) and Title-Case for others (`Last-Modified`).
//! - **Namespace information**: [`namespace_statistics`](HcpClient::namespace_statistics),
//!   [`accessible_namespaces`](HcpClient::accessible_namespaces) (this one or all),
//!   [`retention_classes`](HcpClient::retention_classes),
//!   [`permissions`](HcpClient::permissions), decoded leniently (empty descriptions and
//!   numeric names crashed hcpsdk, B13).
//! - **Path builder** ([`PathBuilder`]): UUID v1 names in `initialpath/uuid[6:8]/uuid[4:6]`
//!   folders, the annotation XML byte for byte, and the inverse.
//! - **MAPI** ([`HcpClient::mapi`], port 9090): replication settings, links, link details,
//!   link actions checked against the link type before anything is sent; logs, chargeback
//!   (each time with its own UTC offset, B16) and tenants ([`mapi`]).
//! - **Replica strategies** ([`ReplicaStrategy`], [`replica`]), which hcpsdk documented and
//!   never built: reads and writes go to a replica system by flag and by the primary's
//!   health.
//! - **Bulk ingest** ([`BulkIngest`]): many files over all nodes with bounded concurrency,
//!   path-builder names, one result per file (with the node that stored it,
//!   [`FileResult::served`]), progress events, a journal to resume from.
//!
//! Errors are [`storkit_core::Error`]s: kind (what to do about it), phase (whether the
//! request may have reached HCP), request line, node, `X-RequestId`; HCP's own detail
//! ([`HcpError`]: status with `X-HCP-ErrorMessage`, hash mismatch, refused link action)
//! through [`HcpErrorExt::hcp`]. Credentials never appear in `Debug`, logs or errors.
//!
//! # Choices where HCP's behaviour is not documented
//! - `?single=true` on `/proc` (sent by hcpsdk; undocumented) selects this namespace.
//! - Link actions go as bare query keys (`?failOver`), as HCP's documentation shows;
//!   hcpsdk sends `failOver=`.
//! - Hash verification covers SHA-256 namespaces; objects in namespaces with another hash
//!   scheme are read and stored unchecked.

pub mod auth;
pub mod bulk;
pub mod client;
pub mod error;
mod hashing;
pub mod header_names;
pub mod mapi;
pub mod mapi_types;
pub mod metadata;
mod namespace;
pub mod objects;
pub mod pathbuilder;
pub mod replica;
pub mod versions;
pub mod xml;

pub use auth::HcpAuth;
pub use bulk::{BulkEvent, BulkIngest, FileResult, Outcome};
pub use client::{
    HcpClient, HcpClientBuilder, Interface, Resolution, Served, ServiceTimes, object_path,
};
pub use error::{HcpError, HcpErrorExt};
pub use header_names::header_display_name;
pub use metadata::ObjectMetadata;
pub use objects::{
    CustomMetadata, DeleteOptions, Deleted, Exists, GetOptions, ObjectHead, ObjectReader, PutBody,
    PutOptions, PutResult, SystemMetadata,
};
pub use pathbuilder::PathBuilder;
pub use replica::ReplicaStrategy;
pub use storkit_core::{Error, ErrorKind, TlsPolicy};
pub use versions::{ConditionalRead, Conditions, WholeObject};
pub use xml::annotations::AnnotationDetails;
pub use xml::listing::{DirectoryListing, Entry};
pub use xml::proc::{
    NamespaceSettings, NamespaceStatistics, PermissionSet, Permissions, RetentionClass,
};
pub use xml::versions::{ObjectVersion, VersionId, VersionList};
