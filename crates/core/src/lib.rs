//! Vendor-neutral transport for storage management REST APIs.
//!
//! `storkit-core` is what every vendor crate of the workspace (`storkit-hitachi-block`,
//! and later HCP, VRG and ONTAP Select Deploy) stands on. It knows no vendor: it sends
//! requests to one logical system reached through one or many nodes, and owns the policy
//! around them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use storkit_core::{Client, Request, TlsPolicy};
//! # let mock = storkit_mock::MockServer::start(
//! #     storkit_mock::ServerConfig::new()
//! #         .ips(["127.0.0.2".parse()?, "127.0.0.3".parse()?])
//! #         .tls(storkit_mock::TlsSettings::new(["array.example.test"])),
//! #     storkit_mock::demo::DemoApp::new(),
//! # ).await?;
//! # let ca_pem = mock.tls().ok_or("no tls")?.ca_pem();
//! # let port = mock.port();
//!
//! // One system, two nodes; Host and SNI carry the name, TCP goes to each node in turn.
//! let client = Client::builder(format!("https://array.example.test:{port}"))
//!     .nodes(["127.0.0.2".parse()?, "127.0.0.3".parse()?])
//!     .tls(TlsPolicy::custom_ca_pem(ca_pem)?)
//!     .build()?;
//!
//! let response = client.send(Request::get("/echo").query("q", "a b")).await?;
//! assert!(response.is_success());
//! println!("{} answered in {:?}", response.node(), response.timings().total);
//! # Ok(())
//! # }
//! ```
//!
//! # What it does
//! - **Exact requests** ([`Request`], [`encode`]): a path is sent as asked or the request
//!   fails: what a request target cannot carry (`#`, `?`, space, stray `%`, `<>`,
//!   non-ASCII) is percent-encoded, never dropped; [`RequestPath::literal`] and
//!   [`RequestPath::encoded`] for data paths and caller-encoded ones. Queries in the
//!   client's or the request's [`QueryStyle`] (form or RFC 3986).
//! - **Transport** ([`Client`]): hyper 1 + hyper-util pooled HTTP/1.1 connections, one
//!   pool per node, idle connections really closed after the idle timeout (default 30 s),
//!   connect timeout, a per-attempt deadline that covers the body, an operation deadline
//!   over everything ([`ClientBuilder::operation_timeout`], [`Request::operation_timeout`]),
//!   an idle timeout for streamed bodies both ways, buffered ([`Client::send`]) and
//!   streaming ([`Client::send_streaming`], [`Body::from_stream`]) bodies, and replayable
//!   uploads ([`Body::from_file`], [`Body::replayable`]) that fail over and retry like
//!   buffered ones. Other names of one system ([`Client::with_host`], [`Request::host`])
//!   share nodes and node health, never connections.
//! - **Node pool**: addresses from [`resolve::HickoryResolver`] (configurable name
//!   servers, OS cache bypassed), [`resolve::SystemResolver`] or a static list. Round robin
//!   over nodes; a node that fails to connect is set aside and the request goes to the next
//!   one (safe for any method: nothing was sent). Re-resolution on failure (debounced), on
//!   TTL expiry and on demand ([`Client::refresh_nodes`]); one lookup in flight, whose
//!   answer or error every waiting request shares; a failed refresh keeps the old nodes and
//!   reports an error. Every timer runs on tokio's clock.
//! - **TLS** ([`TlsPolicy`]): webpki roots by default, a custom CA bundle, SHA-256
//!   certificate pins (`AB:CD:..` or hex) that still verify handshake signatures, and
//!   [`TlsPolicy::DangerAcceptInvalidCerts`] only when named. The array's exported
//!   self-signed certificate works as the CA file. A failure says in plain words what
//!   failed and which option helps. rustls with the ring provider, passed explicitly.
//! - **Auth** ([`Authenticator`]): an async `prepare` before each attempt, `stamp`,
//!   `observe` on every response, and `refresh` once per request with one refresh in
//!   flight ([`RefreshGate`]); secrets are [`secrecy::SecretString`], headers are marked
//!   sensitive, and `Debug` prints no secret.
//! - **Token sessions** ([`TokenSession`]): a vendor's [`TokenLogin`] gets lazy login (one
//!   at a time), renewal before expiry, one relogin when the server says the token
//!   expired (never a login loop on a wrong password or a locked account), rotated tokens
//!   adopted, and logout on close or in the background on drop. See [`session`].
//! - **Retries** ([`RetryPolicy`], [`Classifier`]): see [`retry`] for the rules; vendors
//!   say what an outcome means through a classifier, the core decides what to do: a
//!   request that is not idempotent is never resent once it may have landed.
//! - **Backoff** ([`backoff::Backoff`]): first wait, factor, cap and jitter from an
//!   injectable RNG, shared by retries and job polling.
//! - **Job polling** ([`poll::Poller`]): backoff, attempts, deadline, cancellation and
//!   progress events; long polling with a cursor for servers that hold a status request
//!   until the job changes ([`poll::Poller::run_long_poll`]);
//!   [`poll::PollPolicy::seeds`] reproduces the vendor sample programs' schedule.
//! - **Errors** ([`Error`]): a kind that says whether it is retried, the phase, the status,
//!   the request id and the vendor detail; `Display` shows no secret and no query string.
//! - **Multipart forms** ([`multipart::Multipart`]): `multipart/form-data` bodies with
//!   text, sensitive text and file parts, a boundary checked against every part, and a
//!   `Debug` that shows no value.
//! - **Timings** ([`Timings`]) on every response, and a `tracing` span per request with
//!   method, path (no query), node, status and request id.
//!
//! # Cargo features
//! - `webpki-roots` (default): Mozilla's root certificates as the default trust store.
//! - `xml`: `Response::xml` decodes XML bodies with serde (quick-xml), e.g. HCP's `/proc`.

mod attempt;
pub mod auth;
pub mod backoff;
pub mod body;
mod client;
mod connector;
pub mod encode;
pub mod error;
pub mod multipart;
mod operation;
pub mod poll;
mod pool;
pub mod request;
pub mod resolve;
pub mod response;
pub mod retry;
pub mod session;
pub mod tls;

pub use auth::{Authenticator, BasicAuth, HeaderAuth, RefreshGate};
pub use body::Body;
pub use client::{Client, ClientBuilder};
pub use encode::{QueryStyle, RequestPath};
pub use error::{BoxError, Error, ErrorKind, Phase};
pub use pool::NodeStatus;
pub use request::Request;
pub use response::{Response, ResponseBody, StreamingResponse, Timings};
pub use retry::{Classifier, Outcome, RequestView, RetryBudget, RetryPolicy, Verdict};
pub use session::{Token, TokenLogin, TokenSession, TokenSessionBuilder};
pub use tls::{Pin, TlsPolicy};

/// The `http` crate, whose types ([`http::Method`], [`http::StatusCode`],
/// [`http::HeaderMap`]) appear in this API.
pub use http;
/// The `secrecy` crate, whose [`secrecy::SecretString`] holds every secret.
pub use secrecy;
