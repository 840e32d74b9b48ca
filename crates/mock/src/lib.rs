//! Mock-server kit: real HTTP(S) and DNS servers on loopback, with a request log and fault
//! injection, the base of every vendor mock.
//!
//! A [`MockServer`] serves one [`Handler`] on one or more ports (listeners) on several loopback
//! addresses (its nodes), plain or TLS with one certificate generated at start (signed by a
//! [`CertificateAuthority`] several servers may share). Tests read its [`RequestLog`] and
//! [`ConnRecord`]s, arm [`Fault`]s per node, listener, route, host, query or any predicate,
//! stop, restart and add nodes (a system that moves to a new address), and change the
//! answers of a [`DnsServer`] while clients run.
//!
//! Request targets may carry raw `<`, `>`, `` ` ``, `"`, `{`, `}`, `|`, `^` and `\`, as some
//! real servers accept: see [`Ctx::raw_target`] for what handlers see. Every time the kit
//! records is on Tokio's clock, so tests on a paused clock drive expiry and idle closes.
//!
//! What vendor mocks share lives in small modules: [`router`] (method and path patterns,
//! `404`/`405`), [`query`] (form and RFC 3986 query strings), [`limit`] (body size limit,
//! `413`), [`multipart`] (`multipart/form-data` uploads), [`sessions`] (tokens with expiry)
//! and [`jobs`] (jobs moving along a timeline, with long polls); their tests share [`raw`] (a
//! raw HTTP/1.1 client that writes every byte as built).
//!
//! ```
//! use std::time::Duration;
//!
//! use http_body_util::BodyExt;
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use storkit_mock::{Fault, FaultAction, MockServer, ServerConfig, body, demo::DemoApp};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let ips = ["127.0.0.11".parse()?, "127.0.0.12".parse()?];
//! let server = MockServer::start(ServerConfig::new().ips(ips), DemoApp::new()).await?;
//! assert_eq!(server.urls().len(), 2);
//!
//! // The next request to /bytes on the second node gets a 503.
//! server.faults().add(
//!     Fault::new(FaultAction::service_unavailable(Some(1)))
//!         .on_node(ips[1])
//!         .on_path("/bytes")
//!         .times(1),
//! );
//!
//! let client = Client::builder(TokioExecutor::new()).build_http::<body::MockBody>();
//! let first = client.get(format!("{}/bytes/5", server.urls()[0]).parse()?).await?;
//! assert_eq!(first.status(), 200);
//! assert_eq!(&first.into_body().collect().await?.to_bytes()[..], [0, 1, 2, 3, 4]);
//! let second = client.get(format!("{}/bytes/5", server.urls()[1]).parse()?).await?;
//! assert_eq!(second.status(), 503);
//!
//! assert!(server.log().wait_for(2, Duration::from_secs(1)).await);
//! let log = server.log().entries();
//! assert_eq!(log[1].fault.as_deref(), Some("respond"));
//! assert_eq!(log[1].status, Some(503));
//! # Ok(())
//! # }
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};

pub mod body;
pub mod cli;
mod config;
mod conn;
pub mod demo;
pub mod dns;
mod error;
mod faults;
mod framing;
mod handler;
mod hex;
pub mod jobs;
pub mod json;
pub mod limit;
mod log;
pub mod multipart;
pub mod query;
pub mod raw;
pub mod reply;
pub mod router;
mod server;
pub mod sessions;
mod socket;
mod tls;

pub use body::{BoxError, MockBody};
pub use config::{ListenerConfig, MAIN_LISTENER, ServerConfig, TlsSettings};
pub use dns::{DnsFailure, DnsServer};
pub use error::MockError;
pub use faults::{Fault, FaultAction, FaultId, FaultPredicate, Faults, QueryMatch};
pub use handler::{Ctx, Handler, HandlerFuture};
pub use log::{Closer, ConnRecord, LoggedRequest, RequestLog};
pub use server::MockServer;
pub use tls::{CertificateAuthority, ServerTls};

/// Locks a mutex, ignoring poisoning: a panicking test thread must not take the mock down
/// with it, and every guarded state here stays consistent between statements.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
