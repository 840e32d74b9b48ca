//! [`Vendor`] for the Huawei FusionCompute VRG: `storkit-vrg` against `storkit-vrg-mock`.
//!
//! The VRG has no jobs; its asynchronous operations are pairing and DR configuration. The
//! checks run pairing: `POST /vrgservice/vrgmap` starts it, `GET /vrgservice/vrgmap` is
//! polled until its status is 1 (normal) by [`VrgClient::wait_paired_with`] with the
//! check's poll policy. Each run logs in with a client of its own and logs out whatever
//! happens (on drop, in the background, when the run is cancelled).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::poll::PollPolicy;
use storkit_core::{Error, RetryPolicy, TlsPolicy};
use storkit_mock::{Fault, FaultAction, LoggedRequest, MockServer};
use storkit_vrg::VrgClient;
use storkit_vrg::model::PeerAddress;
use storkit_vrg_mock::{VrgConfig, VrgMock};

use crate::{Credentials, Policies, Secret, SecretKind, Vendor};

/// A pairing takes this long unless a check says otherwise.
const PAIRING_TIME: Duration = Duration::from_millis(40);
/// The peer every run pairs with (documentation address: the mock never connects).
const PEER: &str = "192.0.2.20";
/// What the client's error names when a pairing fails: the `GET /vrgmap` status.
const FAILED_PAIRING: &str = "status 3";
const PAIR_PATH: &str = "/vrgservice/vrgmap";

/// Huawei FusionCompute Virtual Replication Gateway.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vrg;

/// What a check's runs build their clients from: each run logs in on its own.
#[derive(Clone)]
pub struct VrgConformanceClient {
    url: String,
    credentials: Credentials,
    tls: TlsPolicy,
    retry: RetryPolicy,
    poll: PollPolicy,
}

impl fmt::Debug for VrgConformanceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrgConformanceClient")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl VrgConformanceClient {
    fn build(&self) -> Result<VrgClient, Error> {
        VrgClient::builder(&self.url)
            .credentials(&self.credentials.user, &self.credentials.password)
            .tls(self.tls.clone())
            .retry_policy(self.retry.clone())
            .poll_policy(self.poll.clone())
            .build()
    }
}

impl Vendor for Vrg {
    const NAME: &'static str = "vrg";
    const HAS_SESSIONS: bool = true;

    type Mock = VrgMock;
    type Client = VrgConformanceClient;
    type Session = VrgClient;

    async fn start_mock(ip: IpAddr, credentials: &Credentials) -> VrgMock {
        let config = VrgConfig::new()
            .ip(ip)
            .tls(true)
            .user(credentials.user.as_str(), &credentials.password)
            .pair_delay(PAIRING_TIME);
        match VrgMock::start(config).await {
            Ok(mock) => mock,
            Err(e) => panic!("the VRG mock did not start on {ip}: {e}"),
        }
    }

    fn server(mock: &VrgMock) -> &MockServer {
        mock.server()
    }

    async fn client(
        mock: &VrgMock,
        credentials: &Credentials,
        policies: &Policies,
    ) -> Result<VrgConformanceClient, Error> {
        let pin = mock
            .server()
            .tls()
            .ok_or_else(|| Error::config("the mock serves plain HTTP"))?
            .fingerprint_hex_colon();
        Ok(VrgConformanceClient {
            url: mock.url(),
            credentials: credentials.clone(),
            tls: TlsPolicy::pinned([pin.as_str()])?,
            retry: policies.retry.clone(),
            poll: policies.poll.clone(),
        })
    }

    async fn run_operation(client: &VrgConformanceClient) -> Result<(), Error> {
        let vrg = client.build()?;
        let paired = async {
            vrg.pair(&PeerAddress::new(PEER, 7000)?).await?;
            vrg.wait_paired_with(&client.poll).await?;
            Ok::<_, Error>(())
        }
        .await;
        let closed = vrg.close().await;
        paired?;
        closed
    }

    fn operation_route(_mock: &VrgMock) -> (Method, String) {
        (Method::POST, PAIR_PATH.to_owned())
    }

    fn is_job_poll(request: &LoggedRequest) -> bool {
        request.method == Method::GET && request.path == PAIR_PATH
    }

    async fn open_session(client: &VrgConformanceClient) -> Result<VrgClient, Error> {
        let vrg = client.build()?;
        vrg.login().await?;
        Ok(vrg)
    }

    async fn close_session(session: VrgClient) -> Result<(), Error> {
        session.close().await
    }

    fn live_sessions(mock: &VrgMock) -> usize {
        mock.live_sessions()
    }

    fn jobs_accepted(mock: &VrgMock) -> usize {
        usize::try_from(mock.pairings_started()).unwrap_or(usize::MAX)
    }

    fn set_job_duration(mock: &VrgMock, duration: Duration) {
        mock.set_pair_delay(duration);
    }

    fn inject_busy(mock: &VrgMock) {
        // The VRG's busy answer is the documented 503 Service Unavailable.
        mock.server().faults().add(
            Fault::new(FaultAction::Respond {
                status: 503,
                headers: Vec::new(),
                body: Default::default(),
            })
            .on_method(Method::POST)
            .on_path(PAIR_PATH)
            .times(1),
        );
    }

    fn inject_job_failure(mock: &VrgMock) -> String {
        mock.fail_next_pairing();
        FAILED_PAIRING.to_owned()
    }

    fn secrets(credentials: &Credentials, requests: &[LoggedRequest]) -> Vec<Secret> {
        // X-Auth-Key is the SHA-256 of the password: as good as the password.
        let key = storkit_vrg_mock::key_for(&credentials.password);
        let mut secrets = vec![Secret {
            kind: SecretKind::Password,
            on_wire: key.clone(),
            forms: vec![credentials.password.clone(), key],
        }];
        for request in requests {
            for value in request.headers.get_all("x-auth-token") {
                let Some(token) = value.to_str().ok().map(str::trim).filter(|t| !t.is_empty())
                else {
                    continue;
                };
                if !secrets.iter().any(|s| s.forms.iter().any(|f| f == token)) {
                    secrets.push(Secret {
                        kind: SecretKind::Token,
                        on_wire: token.to_owned(),
                        forms: vec![token.to_owned()],
                    });
                }
            }
        }
        secrets
    }
}
