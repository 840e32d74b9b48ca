//! Request and answer types of the Deploy API v3, and the decoders of its envelopes.
//!
//! **Answers** (reference §3) are decoded leniently, since `fields=` decides what comes
//! back: every field is an `Option`; ids and numbers arrive as strings or numbers;
//! booleans as booleans, `"true"`/`"false"` or `0`/`1`; a value of the wrong type reads as
//! absent instead of failing the answer; enums keep unlisted values (`Other`, `Unknown`);
//! unknown keys are kept in a flattened `extra` map; and no key naming a password is ever
//! kept, not even in `extra`. The `decode_*` functions fail only on a body that is not
//! JSON, an empty one, or one of the wrong shape; none of them panics.
//!
//! **Requests** (reference §6) are typed and checked before sending: each has
//! `validate()` and `to_json()` (also through [`RequestBody`], whose
//! [`to_body`](RequestBody::to_body) gives a [`JsonBody`] that redacts secrets in its
//! `Debug`). Refusals are [`OntapError::InvalidInput`](crate::OntapError::InvalidInput)
//! naming the field as Deploy names it. Secrets are [`secrecy::SecretString`], exposed
//! only in the JSON `to_json` returns; the `Debug` of every request type shows
//! `[REDACTED]`. Bodies without secrets also implement `Serialize`, giving the same wire
//! form without the checks; `PATCH` bodies send only the fields that were set.
//!
//! ```
//! use storkit_ontap_deploy::model::{self, Cluster, NetworkPurpose, Network};
//!
//! // `{"record":{…}}` or the bare object; unknown keys are kept, passwords never.
//! let cluster: Cluster = model::decode_record(
//!     br#"{"record":{"id":"c1","is_deployed":"true","nodes":[{"id":"n1","name":"ots-01"}],
//!         "admin_password":"x","uptime":7}}"#,
//! )?;
//! assert_eq!(cluster.is_deployed, Some(true));
//! assert_eq!(cluster.nodes.as_ref().map(Vec::len), Some(1));
//! assert_eq!(cluster.extra.len(), 1); // `uptime`; `admin_password` is dropped
//!
//! // Pick networks by purpose, never by position.
//! let networks = model::decode_collection::<Network>(
//!     br#"{"num_records":2,"records":[{"id":"b","purpose":"data"},{"id":"a","purpose":"MGMT","vlan_id":"10"}]}"#,
//! )?;
//! let mgmt = networks.iter().find(|n| n.purpose == Some(NetworkPurpose::Mgmt));
//! assert_eq!(mgmt.and_then(|n| n.vlan_id), Some(10));
//!
//! // The id of a created object is the last segment of `location`.
//! assert_eq!(model::id_from_location("/api/v3/clusters/c1").as_deref(), Some("c1"));
//! # Ok::<(), storkit_ontap_deploy::OntapError>(())
//! ```

mod body;
mod cluster;
mod connectivity;
mod credential;
mod envelope;
mod host;
mod image;
mod input;
mod job;
mod licensing;
mod mediator;
mod network;
mod node;
mod storage;

pub use body::{JsonBody, RequestBody};
pub use cluster::{
    Availability, Cluster, ClusterUpdate, DeployRequest, DnsInfo, NewCluster, NodeCount, NodeRef,
    Resize,
};
pub use connectivity::{CheckMode, ConnectivityCheck, ConnectivityCheckRequest, VswitchType};
pub use credential::{Credential, CredentialKind, NewCredential};
pub use envelope::{
    ApiErrorBody, Collection, decode_collection, decode_error, decode_record, id_from_location,
};
pub use host::{Host, HostBatch, HostCredential, HostRegistration, HypervisorType};
pub use image::Image;
pub use job::{Job, JobState, decode_job};
pub use licensing::License;
pub use mediator::Mediator;
pub use network::{Network, NetworkPurpose, NetworkUpdate};
pub use node::{IdRef, InstanceType, Node, NodeUpdate};
pub use storage::{DiskList, PoolArray, StoragePool, StoragePoolSpec};
