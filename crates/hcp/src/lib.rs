//! Hitachi Content Platform (HCP) through its native REST interface and the management API
//! (MAPI): the Rust counterpart of Python `hcpsdk`.
//!
//! Work in progress (issue 11): the modules below are filled in step by step.

pub mod error;

pub use error::{HcpError, HcpErrorExt};
