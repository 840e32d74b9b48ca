//! [`Vendor`] for NetApp ONTAP Select Deploy: `storkit-ontap-deploy` against
//! `storkit-ontap-deploy-mock`.
//!
//! Deploy has no sessions (Basic auth on every call). Its asynchronous operation is a job:
//! the checks register a host (`POST /api/v3/hosts`, 202 and a job), then wait for the job
//! on `GET /api/v3/jobs/{id}`. The checks set the poll schedule, so the client polls
//! plainly with their [`PollPolicy`](storkit_core::poll::PollPolicy) ([`JobPolicy::from_poll_policy`]); Deploy's long poll
//! has tests of its own. Each run registers a host of a new name, so that every run
//! succeeds on one mock.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use storkit_core::auth::base64_encode;
use storkit_core::http::Method;
use storkit_core::{Error, TlsPolicy};
use storkit_mock::{Fault, FaultAction, LoggedRequest, MockServer};
use storkit_ontap_deploy::model::{HostBatch, HostRegistration, HypervisorType};
use storkit_ontap_deploy::{DeployClient, JobPolicy};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};

use crate::{Credentials, NoSession, Policies, Secret, SecretKind, Vendor};

/// Each job step takes this long unless a check says otherwise.
const JOB_STEP: Duration = Duration::from_millis(15);
/// The message of the injected job failure, which the client's error must name.
const FAILED_JOB: &str = "host unreachable: conformance-7731";
const HOSTS_PATH: &str = "/api/v3/hosts";

/// NetApp ONTAP Select Deploy (REST API v3).
#[derive(Debug, Clone, Copy, Default)]
pub struct OntapDeploy;

/// The client of a check, and a counter naming each run's host.
#[derive(Debug, Clone)]
pub struct OntapConformanceClient {
    client: DeployClient,
    runs: Arc<AtomicU64>,
}

impl Vendor for OntapDeploy {
    const NAME: &'static str = "ontap-deploy";
    const HAS_SESSIONS: bool = false;

    type Mock = DeployMock;
    type Client = OntapConformanceClient;
    type Session = NoSession;

    async fn start_mock(ip: IpAddr, credentials: &Credentials) -> DeployMock {
        let config = DeployConfig::new()
            .ip(ip)
            .tls(true)
            .user(credentials.user.as_str(), credentials.password.as_str())
            .job_step(JOB_STEP);
        match DeployMock::start(config).await {
            Ok(mock) => mock,
            Err(e) => panic!("the Deploy mock did not start on {ip}: {e}"),
        }
    }

    fn server(mock: &DeployMock) -> &MockServer {
        mock.server()
    }

    async fn client(
        mock: &DeployMock,
        credentials: &Credentials,
        policies: &Policies,
    ) -> Result<OntapConformanceClient, Error> {
        let pin = mock
            .server()
            .tls()
            .ok_or_else(|| Error::config("the mock serves plain HTTP"))?
            .fingerprint_hex_colon();
        let client = DeployClient::builder(&mock.url())
            .credentials(credentials.user.as_str(), credentials.password.as_str())
            .tls(TlsPolicy::pinned([pin.as_str()])?)
            .retry_policy(policies.retry.clone())
            .job_policy(JobPolicy::from_poll_policy(&policies.poll))
            .build()?;
        Ok(OntapConformanceClient {
            client,
            runs: Arc::new(AtomicU64::new(0)),
        })
    }

    async fn run_operation(client: &OntapConformanceClient) -> Result<(), Error> {
        let run = client.runs.fetch_add(1, Ordering::Relaxed);
        let host = HostRegistration::new(format!("esx-{run}.example"), HypervisorType::Esx)
            .management_server("vcenter.example");
        let job = client
            .client
            .register_hosts(&HostBatch::new(vec![host]))
            .await?;
        job.wait().await?;
        Ok(())
    }

    fn operation_route(_mock: &DeployMock) -> (Method, String) {
        (Method::POST, HOSTS_PATH.to_owned())
    }

    fn is_job_poll(request: &LoggedRequest) -> bool {
        request.method == Method::GET && request.path.starts_with("/api/v3/jobs/")
    }

    async fn open_session(_client: &OntapConformanceClient) -> Result<NoSession, Error> {
        Ok(NoSession)
    }

    async fn close_session(_session: NoSession) -> Result<(), Error> {
        Ok(())
    }

    fn live_sessions(_mock: &DeployMock) -> usize {
        0
    }

    fn jobs_accepted(mock: &DeployMock) -> usize {
        usize::try_from(mock.jobs_started()).unwrap_or(usize::MAX)
    }

    fn set_job_duration(mock: &DeployMock, duration: Duration) {
        mock.set_job_step(duration);
    }

    fn inject_busy(mock: &DeployMock) {
        // Deploy documents no busy answer of its own; 503 is what its web server sends.
        mock.server().faults().add(
            Fault::new(FaultAction::Respond {
                status: 503,
                headers: Vec::new(),
                body: Default::default(),
            })
            .on_method(Method::POST)
            .on_path(HOSTS_PATH)
            .times(1),
        );
    }

    fn inject_job_failure(mock: &DeployMock) -> String {
        mock.fail_next_job(FAILED_JOB);
        FAILED_JOB.to_owned()
    }

    fn secrets(credentials: &Credentials, _requests: &[LoggedRequest]) -> Vec<Secret> {
        let basic =
            base64_encode(format!("{}:{}", credentials.user, credentials.password).as_bytes());
        vec![Secret {
            kind: SecretKind::Password,
            on_wire: format!("Basic {basic}"),
            forms: vec![credentials.password.clone(), basic],
        }]
    }
}
