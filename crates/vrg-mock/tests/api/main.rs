//! The VRG mock over real sockets on 127.0.10.1–199, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod mgmt_net;
mod pairing;
mod routing;
mod session;
mod shapes;
mod status;
mod strategy;
mod support;
mod tls;
