//! The kit over real sockets on 127.0.0.x: servers, TLS, faults, connections, DNS, streaming,
//! the demo app and the standalone binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod conns;
mod demo;
mod dns;
mod faults;
mod listeners;
mod matching;
mod paused;
mod raw_targets;
mod server;
mod streaming;
mod support;
