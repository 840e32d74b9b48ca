//! Huawei FusionCompute Virtual Replication Gateway (VRG) REST API v1.0 on the
//! `storkit-core` transport: the disaster-recovery gateway that pairs a production VRG
//! with a DR VRG and is told which VMs and volumes to protect.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use storkit_vrg::model::{AlarmServer, PeerAddress};
//! use storkit_vrg::{Lang, VrgClient};
//! # let mock = storkit_vrg_mock::VrgMock::start(
//! #     storkit_vrg_mock::VrgConfig::new()
//! #         .ip("127.0.11.250".parse()?)
//! #         .user("admin", "Huawei@123"),
//! # ).await?;
//! # let url = mock.url();
//!
//! // http://<ip>:8080 in production; the password travels as its SHA-256, never printed.
//! let vrg = VrgClient::builder(&url)
//!     .credentials("admin", "Huawei@123")
//!     .lang(Lang::EnUs)
//!     .build()?;
//!
//! // The first call logs in; the token is renewed before its 10 minutes are up.
//! let status = vrg.status().await?;
//! println!("VRG {:?}, cache {:?} of {:?}", status.status, status.available, status.total);
//!
//! vrg.set_alarm_server(&AlarmServer::new("192.0.2.10", 162)?).await?;
//! assert_eq!(vrg.alarm_server().await?.and_then(|a| a.ip).as_deref(), Some("192.0.2.10"));
//! vrg.clear_alarm_server().await?;
//! assert!(vrg.alarm_server().await?.is_none()); // "not configured" is None, not an error
//!
//! vrg.pair(&PeerAddress::new("127.0.0.1", 7000)?).await?;
//! let pairing = vrg.wait_paired().await?;
//! println!("paired with {:?}", pairing.dst_ip);
//! vrg.unpair().await?;
//!
//! vrg.close().await?; // logs out
//! # Ok(())
//! # }
//! ```
//!
//! # What it covers (the VRG interface document, seed 003, and reference `vrg.md`)
//! - **Target** ([`VrgClient::builder`]): `http://<ip>:8080` by default, or HTTPS with the
//!   core's [`TlsPolicy`] (a VRG certificate is usually
//!   self-signed: pass it as the CA or pin it). Base path `/vrgservice`. Every request
//!   carries `Accept: application/json; version=v1.0; charset=UTF-8` ([`ApiVersion`]:
//!   `v1.0`, `1.0`, omitted, or any token) and `Accept-Language` ([`Lang`]: `zh_CN` or
//!   `en_US`); `Content-Type: application/json; charset=UTF-8` only with a body.
//! - **Session** ([`session`]): [`versions`](VrgClient::versions) (no login), lazy login
//!   with `X-Auth-User` and `X-Auth-Key` = lowercase hex SHA-256 of the password
//!   ([`PasswordEncoding::Plain`] as an option), the `X-Auth-Token` answer header, renewal
//!   before the 600000 ms validity ends (the replaced token is logged out), one relogin
//!   and resend on `10440102`, never a login retry after `10440202`, `10440207` or
//!   `10440208` ([`VrgError::Locked`] says when to try again), logout on
//!   [`close`](VrgClient::close) and on drop. Neither `X-Auth-Key` nor `X-Auth-Token` is
//!   ever printed.
//! - **Alarm server**: [`set_alarm_server`](VrgClient::set_alarm_server),
//!   [`alarm_server`](VrgClient::alarm_server) (`None` when not configured),
//!   [`clear_alarm_server`](VrgClient::clear_alarm_server) (`0.0.0.0`).
//! - **Status**: [`status`](VrgClient::status) (capacity sentinels −1/−2/−3 as
//!   [`model::Capacity`] variants), [`networks`](VrgClient::networks),
//!   [`vm_dr_status`](VrgClient::vm_dr_status).
//! - **Pairing**: [`pair`](VrgClient::pair), [`pairing`](VrgClient::pairing),
//!   [`wait_paired`](VrgClient::wait_paired), [`unpair`](VrgClient::unpair).
//! - **DR configuration**: [`set_production_strategy`](VrgClient::set_production_strategy),
//!   [`set_dr_strategy`](VrgClient::set_dr_strategy),
//!   [`wait_strategy_applied`](VrgClient::wait_strategy_applied),
//!   [`strategies`](VrgClient::strategies) (one query), [`strategy`](VrgClient::strategy)
//!   (one VM), [`strategy_stream`](VrgClient::strategy_stream) (every page),
//!   [`delete_strategy`](VrgClient::delete_strategy) (`POST` with `delFlag`, returning the
//!   DR status) and [`wait_strategy_deleted`](VrgClient::wait_strategy_deleted). Invalid
//!   query combinations and invalid configurations are refused before sending.
//! - **Management network**: [`change_management_network`](VrgClient::change_management_network)
//!   is sent once, never resent; the client moves to the new address and logs in there.
//! - **Errors** ([`VrgError`], [`VrgErrorCode`]): every `10440xxx` code of the document
//!   with its Chinese text and an English one, the server's `errorDes` verbatim, unknown
//!   codes kept as they came.
//! - **Lenient decoding** ([`model`]): the document contradicts itself (`loginUri` and
//!   `loginUrl`, `dstIp` and `dst_ip`, `volumeUr1`, `drExtParams` as an object or a
//!   string, numbers as strings, ...); every spelling is read, the table's is sent, and
//!   one odd value never fails a whole answer.
//!
//! # Retries
//! GETs and DELETEs are resent after transport failures and 503s within the
//! [`RetryPolicy`]; POSTs (alarm server, pairing, DR
//! configuration, deletion) are never resent once they may have reached the VRG; the
//! login and the management-network change are never resent at all.
//!
//! # Unknowns (reference §12), and what this crate does
//! - HTTPS port: not documented; an `https://` URL without a port uses 443.
//! - The port sent with `0.0.0.0` to remove the alarm server: 0.
//! - "Not paired" right after [`pair`](VrgClient::pair): accepted for
//!   [`not_paired_grace`](VrgClientBuilder::not_paired_grace) (10 s), then a failure.
//! - `faultVms` codes: [`model::FaultVms::ALL`] = 0 and [`model::FaultVms::FAULTY`] = 1
//!   (the sample's value), configurable as a raw number.

mod api;
pub mod client;
pub mod codes;
pub mod error;
mod lenient;
pub mod model;
pub mod query;
pub mod session;
mod stream;

pub use client::{ApiVersion, VrgClient, VrgClientBuilder};
pub use codes::{Lang, VrgErrorCode};
pub use error::{VrgError, VrgErrorExt};
pub use session::{PasswordEncoding, VrgClassifier};
pub use stream::StrategyStream;

/// The core types this crate's API uses, so that a user needs no other import.
pub use storkit_core::poll::PollPolicy;
pub use storkit_core::{Error, ErrorKind, RetryPolicy, TlsPolicy};
