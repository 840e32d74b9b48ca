//! The HCP mock over real sockets on 127.0.7.1–127.0.7.99 and 127.0.7.202–127.0.7.230, one
//! module per area, plus Python hcpsdk 0.9.5 against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod annotations;
mod binary;
mod conditional;
mod faults;
mod legacy;
mod mapi;
mod objects;
mod python;
mod routing;
mod support;
mod versions;
