//! The client against the ONTAP Select Deploy mock over real HTTPS and HTTP on
//! 127.0.14.1–199, one module per area: every call per endpoint, every status code,
//! jobs and the long poll on a paused clock, the query encoder against the mock's
//! parser, the keyset paging stream, secrets and TLS.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod clusters;
mod endpoints;
mod errors;
mod jobs;
mod query;
mod secrets;
mod stream;
mod support;
mod tls;
