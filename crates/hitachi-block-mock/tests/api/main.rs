//! The mock over real sockets (HTTPS on 127.0.0.100–127.0.0.130, 127.0.17.30–39 for
//! `pools_ports` and 127.0.18.100–120 for the newer `remote` tests), one module per family
//! of endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod basics;
mod hosts;
mod jobs;
mod ldevs;
mod local_copy;
mod locks;
mod pools_ports;
mod python;
mod remote;
mod sessions;
mod snapshots;
mod support;
