//! The HCP mock over real sockets on 127.0.7.1–127.0.7.99, one module per area, plus Python
//! hcpsdk 0.9.5 against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod faults;
mod mapi;
mod objects;
mod python;
mod routing;
mod support;
