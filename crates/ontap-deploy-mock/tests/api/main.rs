//! The Deploy mock over real sockets on 127.0.13.1–199, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod clusters;
mod jobs;
mod licenses;
mod query;
mod support;
mod tls;
mod transport;
mod workflow;
