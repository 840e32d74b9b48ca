//! The client against the VRG mock over real HTTP on 127.0.11.1-199, one module per area:
//! every endpoint, every error code, the session, resends, the management-network move,
//! the document's sample spellings, and secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod endpoints;
mod errors;
mod mgmt_net;
mod retries;
mod secrets;
mod session;
mod shapes;
mod support;
