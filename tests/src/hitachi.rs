//! [`Vendor`] for Hitachi VSP block storage: `storkit-hitachi-block` against
//! `storkit-hitachi-block-mock`.
//!
//! The operation creates a DP volume (`POST ldevs` in pool 0, the server picks the
//! number) in a session of its own ([`HitachiClient::with_session`]). The mock never holds
//! the 202 back (`wait_cap` 0), so the client always polls the job.

use std::net::IpAddr;
use std::time::Duration;

use storkit_core::auth::base64_encode;
use storkit_core::http::Method;
use storkit_core::{Error, TlsPolicy};
use storkit_hitachi_block::{CreateLdev, HitachiClient, Session};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::{LoggedRequest, MockServer, ServerConfig, TlsSettings};

use crate::{Credentials, Policies, Secret, SecretKind, Vendor};

/// The mocked array: a VSP G900, serial 410000 (storageDeviceId `886000410000`).
const MODEL: &str = "VSP G900";
const SERIAL: u64 = 410_000;
/// Jobs take this long unless a check says otherwise: short, but long enough that the 202
/// comes back before the job has finished.
const JOB_DURATION: Duration = Duration::from_millis(40);
/// The message id of the injected job failure; its SSB pair (B958/015A) is on the no-retry
/// list, so the client does not resend the request.
const FAILED_JOB_MESSAGE_ID: &str = "KART30000-E";

/// Hitachi VSP block storage (Configuration Manager REST API).
#[derive(Debug, Clone, Copy, Default)]
pub struct HitachiBlock;

impl Vendor for HitachiBlock {
    const NAME: &'static str = "hitachi-block";
    const HAS_SESSIONS: bool = true;

    type Mock = HitachiMock;
    type Client = HitachiClient;
    type Session = Session;

    async fn start_mock(ip: IpAddr, credentials: &Credentials) -> HitachiMock {
        let array = ArrayConfig::new(MODEL, SERIAL)
            .user(credentials.user.as_str(), credentials.password.as_str())
            .job_duration(JOB_DURATION)
            .wait_cap(Duration::ZERO);
        let server = ServerConfig::new()
            .ips([ip])
            .tls(TlsSettings::new(["array.example.test"]));
        match HitachiMock::start(server, array).await {
            Ok(mock) => mock,
            Err(e) => panic!("the Hitachi mock did not start on {ip}: {e}"),
        }
    }

    fn server(mock: &HitachiMock) -> &MockServer {
        mock.server()
    }

    async fn client(
        mock: &HitachiMock,
        credentials: &Credentials,
        policies: &Policies,
    ) -> Result<HitachiClient, Error> {
        let pin = mock
            .server()
            .tls()
            .ok_or_else(|| Error::config("the mock serves plain HTTP"))?
            .fingerprint_hex_colon();
        HitachiClient::builder(mock.url())
            .credentials(credentials.user.as_str(), credentials.password.clone())
            .model_serial(MODEL, SERIAL)
            .tls(TlsPolicy::pinned([pin.as_str()])?)
            .retry_policy(policies.retry.clone())
            .job_polling(policies.poll.clone())
            .build()
            .await
    }

    async fn run_operation(client: &HitachiClient) -> Result<(), Error> {
        client
            .with_session(|s| async move {
                s.ldevs().create(&CreateLdev::dp(0, "1G")).await?;
                Ok(())
            })
            .await
    }

    fn operation_route(mock: &HitachiMock) -> (Method, String) {
        (
            Method::POST,
            format!(
                "/ConfigurationManager/v1/objects/storages/{}/ldevs",
                mock.storage_device_id()
            ),
        )
    }

    fn is_job_poll(request: &LoggedRequest) -> bool {
        request.method == Method::GET && request.path.contains("/jobs/")
    }

    async fn open_session(client: &HitachiClient) -> Result<Session, Error> {
        client.open_session().await
    }

    async fn close_session(session: Session) -> Result<(), Error> {
        session.close().await
    }

    fn live_sessions(mock: &HitachiMock) -> usize {
        mock.live_sessions()
    }

    fn jobs_accepted(mock: &HitachiMock) -> usize {
        mock.job_count()
    }

    fn set_job_duration(mock: &HitachiMock, duration: Duration) {
        mock.set_job_duration(duration);
    }

    fn inject_busy(mock: &HitachiMock) {
        // Server busy: the next change (session requests aside) answers 503 KART00003-E.
        mock.inject_error(1, 503, "KART00003-E", None, None);
    }

    fn inject_job_failure(mock: &HitachiMock) -> String {
        mock.fail_next_job(JobFailure::Ssb {
            ssb1: "B958".into(),
            ssb2: "015A".into(),
            message_id: FAILED_JOB_MESSAGE_ID.into(),
        });
        FAILED_JOB_MESSAGE_ID.to_owned()
    }

    fn secrets(credentials: &Credentials, requests: &[LoggedRequest]) -> Vec<Secret> {
        let basic =
            base64_encode(format!("{}:{}", credentials.user, credentials.password).as_bytes());
        let mut secrets = vec![Secret {
            kind: SecretKind::Password,
            on_wire: format!("Basic {basic}"),
            forms: vec![credentials.password.clone(), basic],
        }];
        // Session tokens come back as `Authorization: Session <token>`, and as
        // `Remote-Authorization` on the other array of a remote operation.
        for request in requests {
            for name in ["authorization", "remote-authorization"] {
                for value in request.headers.get_all(name) {
                    let Some(token) = value
                        .to_str()
                        .ok()
                        .and_then(|v| v.strip_prefix("Session "))
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                    else {
                        continue;
                    };
                    if !secrets.iter().any(|s| s.forms.iter().any(|f| f == token)) {
                        secrets.push(Secret {
                            kind: SecretKind::Token,
                            on_wire: format!("Session {token}"),
                            forms: vec![token.to_owned()],
                        });
                    }
                }
            }
        }
        secrets
    }
}
