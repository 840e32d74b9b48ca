//! Hitachi Content Platform (HCP) through its native REST interface and the management API
//! (MAPI): the Rust counterpart of Python `hcpsdk`.
//!
//! Work in progress (issue 11): the modules below are filled in step by step.

pub mod auth;
pub mod bulk;
pub mod client;
pub mod error;
mod hashing;
pub mod mapi;
pub mod mapi_types;
pub mod metadata;
mod namespace;
pub mod objects;
pub mod pathbuilder;
pub mod replica;
pub mod xml;

pub use auth::HcpAuth;
pub use bulk::{BulkEvent, BulkIngest, FileResult, Outcome};
pub use client::{HcpClient, HcpClientBuilder, Interface, Resolution, ServiceTimes, object_path};
pub use error::{HcpError, HcpErrorExt};
pub use metadata::ObjectMetadata;
pub use objects::{
    DeleteOptions, GetOptions, ObjectReader, PutBody, PutOptions, PutResult, SystemMetadata,
};
pub use pathbuilder::PathBuilder;
pub use replica::ReplicaStrategy;
pub use storkit_core::{Error, ErrorKind, TlsPolicy};
