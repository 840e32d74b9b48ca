//! [`Vendor`] for Hitachi Content Platform: `storkit-hcp` against `storkit-hcp-mock`.
//!
//! HCP's REST interface has no jobs and no sessions; its one asynchronous operation is the
//! management API's log collection: `POST /mapi/logs/prepare` starts it, `GET /mapi/logs`
//! tells when it is ready ([`Mapi::wait_for_logs`] polls it with the core's poller). That
//! is the operation the checks run. Credentials go on every request (no session to
//! discard), so [`Vendor::HAS_SESSIONS`] is `false`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::poll::PollPolicy;
use storkit_core::{Error, TlsPolicy};
use storkit_hcp::HcpClient;
use storkit_hcp::mapi::Mapi;
use storkit_hcp::mapi_types::LogDate;
use storkit_hcp_mock::{HcpConfig, HcpMock};
use storkit_mock::{Fault, FaultAction, LoggedRequest, MockServer};

use crate::{Credentials, NoSession, Policies, Secret, SecretKind, Vendor};

/// A log collection takes this long unless a check says otherwise.
const COLLECTION_TIME: Duration = Duration::from_millis(40);
/// What the client's error names when a collection fails.
const FAILED_COLLECTION: &str = "logDownloadStatus/error";

/// Hitachi Content Platform (native REST and MAPI).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hcp;

/// The MAPI client of a check and the poll policy it waits for log collections with.
#[derive(Clone)]
pub struct HcpConformanceClient {
    mapi: Mapi,
    poll: PollPolicy,
}

impl fmt::Debug for HcpConformanceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HcpConformanceClient")
            .field("mapi", &self.mapi)
            .field("poll", &self.poll)
            .finish()
    }
}

fn dates() -> Result<(LogDate, LogDate), Error> {
    Ok((LogDate::new(2026, 1, 1)?, LogDate::new(2026, 12, 1)?))
}

impl Vendor for Hcp {
    const NAME: &'static str = "hcp";
    const HAS_SESSIONS: bool = false;

    type Mock = HcpMock;
    type Client = HcpConformanceClient;
    type Session = NoSession;

    async fn start_mock(ip: IpAddr, credentials: &Credentials) -> HcpMock {
        let config = HcpConfig::new("hcp1.example")
            .namespace("m", "n1")
            .admin(&credentials.user, &credentials.password)
            .ips([ip])
            .data_port(0)
            .mapi_port(0)
            .log_prepare_time(COLLECTION_TIME);
        match HcpMock::start(config).await {
            Ok(mock) => mock,
            Err(e) => panic!("the HCP mock did not start on {ip}: {e}"),
        }
    }

    fn server(mock: &HcpMock) -> &MockServer {
        mock.server()
    }

    async fn client(
        mock: &HcpMock,
        credentials: &Credentials,
        policies: &Policies,
    ) -> Result<HcpConformanceClient, Error> {
        let client = HcpClient::builder(mock.admin_fqdn())
            .port(mock.mapi_port())
            .mapi_port(mock.mapi_port())
            .tls(TlsPolicy::custom_ca_pem(mock.ca_pem())?)
            .dns_servers([mock.dns_addr()])
            .credentials(&credentials.user, &credentials.password)
            .retry_policy(policies.retry.clone())
            .build()?;
        Ok(HcpConformanceClient {
            mapi: client.mapi()?,
            poll: policies.poll.clone(),
        })
    }

    async fn run_operation(client: &HcpConformanceClient) -> Result<(), Error> {
        let (start, end) = dates()?;
        client.mapi.log_prepare(start, end, &[]).await?;
        client.mapi.wait_for_logs(&client.poll).await?;
        Ok(())
    }

    fn operation_route(_mock: &HcpMock) -> (Method, String) {
        (Method::POST, "/mapi/logs/prepare".to_owned())
    }

    fn is_job_poll(request: &LoggedRequest) -> bool {
        request.method == Method::GET && request.path == "/mapi/logs"
    }

    async fn open_session(_client: &HcpConformanceClient) -> Result<NoSession, Error> {
        Ok(NoSession)
    }

    async fn close_session(_session: NoSession) -> Result<(), Error> {
        Ok(())
    }

    fn live_sessions(_mock: &HcpMock) -> usize {
        0
    }

    fn jobs_accepted(mock: &HcpMock) -> usize {
        mock.log_prepares() as usize
    }

    fn set_job_duration(mock: &HcpMock, duration: Duration) {
        mock.set_log_prepare_time(duration);
    }

    fn inject_busy(mock: &HcpMock) {
        // HCP says it is busy with a 503 and its error message header.
        mock.server().faults().add(
            Fault::new(FaultAction::Respond {
                status: 503,
                headers: vec![(
                    "x-hcp-errormessage".to_owned(),
                    "The server is busy; try again later".to_owned(),
                )],
                body: Default::default(),
            })
            .on_method(Method::POST)
            .on_path("/mapi/logs/prepare")
            .times(1),
        );
    }

    fn inject_job_failure(mock: &HcpMock) -> String {
        mock.fail_next_log_collection();
        FAILED_COLLECTION.to_owned()
    }

    fn secrets(credentials: &Credentials, _requests: &[LoggedRequest]) -> Vec<Secret> {
        // `HCP base64(user):md5(password)` on every request: the token and its MD5 half
        // are as secret as the password.
        let token = storkit_hcp_mock::token(&credentials.user, &credentials.password);
        let md5 = token.rsplit(':').next().unwrap_or_default().to_owned();
        vec![Secret {
            kind: SecretKind::Password,
            on_wire: format!("HCP {token}"),
            forms: vec![credentials.password.clone(), md5, token],
        }]
    }
}
