//! Vendor-neutral transport for storage management REST APIs.
//!
//! TEMPORARY crate docs.

pub mod auth;
pub mod body;
mod client;
pub mod error;
pub mod poll;
mod pool;
pub mod request;
pub mod resolve;
pub mod response;
pub mod retry;
pub mod tls;

pub use auth::{Authenticator, BasicAuth, HeaderAuth};
pub use body::Body;
pub use client::{Client, ClientBuilder};
pub use error::{BoxError, Error, ErrorKind, Phase};
pub use pool::NodeStatus;
pub use request::Request;
pub use response::{Response, ResponseBody, StreamingResponse, Timings};
pub use retry::{Classifier, Outcome, RetryPolicy, Verdict};
pub use tls::TlsPolicy;
pub use {http, secrecy};
