//! The HCP client against the HCP mock over real sockets: the manual's sample flow,
//! nodes and DNS, hashes, names, namespace information, MAPI, replica strategies, bulk
//! ingest, and versions, conditional reads, annotation lists and whole objects.
//!
//! Loopback addresses: 127.0.8.0/24, each test its own.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod bulk;
mod mapi;
mod namespace;
mod nodes;
mod objects;
mod replica;
mod support;
mod versions;
