//! Huawei FusionCompute Virtual Replication Gateway (VRG) REST API v1.0 on the
//! `storkit-core` transport.
//!
//! (Crate documentation with a runnable example: being written.)

pub mod codes;
pub mod error;
mod lenient;
pub mod model;
pub mod query;

pub use codes::{Lang, VrgErrorCode};
pub use error::{VrgError, VrgErrorExt};
