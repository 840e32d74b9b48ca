//! The client for one storage system behind one REST server.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use storkit_core::poll::{Backoff, Jitter, PollPolicy};
use storkit_core::secrecy::SecretString;
use storkit_core::{BasicAuth, Client, Error, Request, RetryPolicy, TlsPolicy};

use crate::classifier::{HitachiClassifier, RetryWaits};
use crate::error::HitachiError;
use crate::session::Session;
use crate::storage_id::StorageDeviceId;
use crate::version::ApiVersion;

/// How the storageDeviceId is found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StorageSelector {
    /// Given as is.
    Id(StorageDeviceId),
    /// Computed from the model table; when the model is not in the table, looked up by
    /// serial with `GET /v1/objects/storages`.
    ModelSerial {
        /// e.g. `VSP G900`.
        model: String,
        /// e.g. `410000`.
        serial: u64,
    },
    /// Looked up by serial with `GET /v1/objects/storages` (no login needed).
    Serial(u64),
}

/// Which object URLs the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UrlForm {
    /// `/ConfigurationManager/v1/objects/storages/{id}/...`: works on the Configuration
    /// Manager server and on the embedded REST servers (the default).
    #[default]
    Long,
    /// `/ConfigurationManager/v1/objects/...`: embedded REST servers only.
    Short,
}

/// Configures a [`HitachiClient`].
pub struct HitachiClientBuilder {
    url: String,
    tls: TlsPolicy,
    nodes: Option<Vec<IpAddr>>,
    user: Option<String>,
    password: Option<SecretString>,
    storage: Option<StorageSelector>,
    url_form: UrlForm,
    poll: PollPolicy,
    request_timeout: Duration,
    job_timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    waits: RetryWaits,
    alive_time: Option<u32>,
    keep_alive: Option<Duration>,
}

impl HitachiClientBuilder {
    /// A builder for the REST server at `url` (`https://host[:port]`; the
    /// `/ConfigurationManager` prefix is added by the client).
    pub fn new(url: impl Into<String>) -> Self {
        HitachiClientBuilder {
            url: url.into(),
            tls: TlsPolicy::default(),
            nodes: None,
            user: None,
            password: None,
            storage: None,
            url_form: UrlForm::Long,
            poll: PollPolicy::default(),
            request_timeout: Duration::from_secs(300),
            job_timeout: Duration::from_secs(1800),
            connect_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default()
                .with_max_attempts(20)
                .with_max_elapsed(Duration::from_secs(600))
                .with_backoff(
                    Backoff::exponential(Duration::from_millis(500), 2.0, Duration::from_secs(5))
                        .with_jitter(Jitter::Proportional(0.2)),
                ),
            waits: RetryWaits::default(),
            alive_time: None,
            keep_alive: None,
        }
    }

    /// The TLS policy (default: verify against the webpki roots). Arrays usually carry
    /// self-signed certificates: pin them or give their CA rather than disabling checks.
    pub fn tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = policy;
        self
    }

    /// The REST server's addresses when the URL's host name should not be resolved (for
    /// example both controllers' GUMs behind one name).
    pub fn nodes(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.nodes = Some(ips.into_iter().collect());
        self
    }

    /// The user sessions are created with.
    pub fn credentials(
        mut self,
        user: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self
    }

    /// Uses this storageDeviceId.
    pub fn storage_device_id(mut self, id: StorageDeviceId) -> Self {
        self.storage = Some(StorageSelector::Id(id));
        self
    }

    /// Derives the storageDeviceId from model and serial (the seeds' way).
    pub fn model_serial(mut self, model: impl Into<String>, serial: u64) -> Self {
        self.storage = Some(StorageSelector::ModelSerial {
            model: model.into(),
            serial,
        });
        self
    }

    /// Looks the storageDeviceId up by serial on the REST server.
    pub fn serial(mut self, serial: u64) -> Self {
        self.storage = Some(StorageSelector::Serial(serial));
        self
    }

    /// Sends short-form object URLs (embedded REST servers only).
    pub fn url_form(mut self, form: UrlForm) -> Self {
        self.url_form = form;
        self
    }

    /// How jobs are polled when the server did not wait for them (default: the core's
    /// fast policy; [`PollPolicy::seeds`] reproduces the sample programs: 1 s, doubling,
    /// 120 s cap, 10 polls).
    pub fn job_polling(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// Deadline of ordinary requests (default 300 s).
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// Deadline of requests that ask the server to wait for their job (default 1800 s,
    /// as Cinder).
    pub fn job_timeout(mut self, d: Duration) -> Self {
        self.job_timeout = d;
        self
    }

    /// TCP + TLS connect timeout (default 30 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// The backoff between retries (default: from 0.5 s, doubling, to 5 s, Cinder's retry
    /// interval), and the limits of retries the core decides itself (a connect failure,
    /// an idempotent request that lost its connection: 20 attempts within 600 s). Hitachi's
    /// own retryable answers are bounded by [`retry_waits`](Self::retry_waits) instead.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long each kind of retryable answer is retried, from the start of the
    /// operation: locks and a busy server 7200 s, another LDEV mapped 600 s, HTTP 500 and
    /// 503 600 s, anything else retryable 30 s (reference §16.1, Cinder's defaults). A job
    /// that failed on one of these is sent again within the same budget.
    pub fn retry_waits(mut self, waits: RetryWaits) -> Self {
        self.waits = waits;
        self
    }

    /// The `aliveTime` (idle timeout, 1-300 s) of the sessions this client opens; the
    /// server's default is 300 s. Give remote-side sessions at least 60 s.
    pub fn session_alive_time(mut self, secs: u32) -> Self {
        self.alive_time = Some(secs);
        self
    }

    /// Keeps open sessions alive with a `GET sessions/{id}` at this interval (choose one
    /// below the alive time, e.g. 180 s for 300 s).
    pub fn session_keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = Some(interval);
        self
    }

    /// Builds the client. Talks to the server only to look the storageDeviceId up by
    /// serial, when the selector needs it.
    pub async fn build(self) -> Result<HitachiClient, Error> {
        let url = self.url.trim_end_matches('/').to_owned();
        if url.contains("/ConfigurationManager") {
            return Err(Error::config(
                "give the REST server as https://host[:port]; the client adds /ConfigurationManager",
            ));
        }
        if let Some(t) = self.alive_time
            && !(1..=300).contains(&t)
        {
            return Err(HitachiError::InvalidInput {
                what: "session alive time",
                reason: format!("{t} s is outside 1-300 s"),
            }
            .into());
        }
        if let Some(every) = self.keep_alive {
            let alive = Duration::from_secs(u64::from(self.alive_time.unwrap_or(300)));
            if every.is_zero() || every >= alive {
                return Err(HitachiError::InvalidInput {
                    what: "session keep-alive interval",
                    reason: format!(
                        "{every:?} must be above zero and below the alive time {alive:?}"
                    ),
                }
                .into());
            }
        }
        let mut core = Client::builder(url.clone())
            .tls(self.tls)
            .connect_timeout(self.connect_timeout)
            .request_timeout(self.request_timeout)
            .retry_policy(self.retry.clone())
            .classifier(HitachiClassifier::new(self.waits));
        if let Some(nodes) = self.nodes {
            core = core.nodes(nodes);
        }
        let core = core.build()?;
        let credentials = match (self.user, self.password) {
            (Some(u), Some(p)) => Some(BasicAuth::new(u, p)),
            _ => None,
        };
        let selector = self.storage.ok_or_else(|| {
            Error::config("say which storage system: storage_device_id, model_serial or serial")
        })?;
        let sdid = match selector {
            StorageSelector::Id(id) => id,
            StorageSelector::ModelSerial { model, serial } => {
                match StorageDeviceId::from_model_serial(&model, serial) {
                    Ok(id) => id,
                    Err(HitachiError::UnknownModel { .. }) => discover(&core, serial).await?,
                    Err(e) => return Err(e.into()),
                }
            }
            StorageSelector::Serial(serial) => discover(&core, serial).await?,
        };
        Ok(HitachiClient {
            inner: Arc::new(ClientInner {
                core,
                url,
                sdid,
                form: self.url_form,
                credentials,
                poll: self.poll,
                retry: self.retry,
                waits: self.waits,
                job_timeout: self.job_timeout,
                alive_time: self.alive_time,
                keep_alive: self.keep_alive,
            }),
        })
    }
}

impl fmt::Debug for HitachiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HitachiClientBuilder")
            .field("url", &self.url)
            .field("user", &self.user)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

/// One entry of `GET /v1/objects/storages`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorageSummary {
    /// The storageDeviceId.
    pub storage_device_id: String,
    /// The model, e.g. `VSP G900`.
    #[serde(default)]
    pub model: Option<String>,
    /// The serial number.
    #[serde(default)]
    pub serial_number: Option<u64>,
    /// The SVP address (SVP models).
    #[serde(default)]
    pub svp_ip: Option<String>,
    /// Controller 1's address (GUM models).
    #[serde(default)]
    pub ctl1_ip: Option<String>,
    /// Controller 2's address (GUM models).
    #[serde(default)]
    pub ctl2_ip: Option<String>,
}

async fn list_storages(core: &Client) -> Result<Vec<StorageSummary>, Error> {
    let response = core
        .send(Request::get("/ConfigurationManager/v1/objects/storages").without_auth())
        .await?;
    let response = crate::session::check(response)?;
    Ok(response
        .json::<crate::decode::DataList<StorageSummary>>()?
        .data)
}

async fn discover(core: &Client, serial: u64) -> Result<StorageDeviceId, Error> {
    let storages = list_storages(core).await?;
    let found = storages
        .iter()
        .find(|s| s.serial_number == Some(serial))
        .ok_or(HitachiError::StorageNotFound { serial })?;
    Ok(found.storage_device_id.parse::<StorageDeviceId>()?)
}

/// A client for one storage system behind one REST server; cheap to clone.
///
/// Work happens in a [`Session`]: open one with [`HitachiClient::open_session`] (and
/// close it), or let [`HitachiClient::with_session`] do both.
#[derive(Clone)]
pub struct HitachiClient {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) core: Client,
    pub(crate) url: String,
    pub(crate) sdid: StorageDeviceId,
    pub(crate) form: UrlForm,
    pub(crate) credentials: Option<BasicAuth>,
    pub(crate) poll: PollPolicy,
    pub(crate) retry: RetryPolicy,
    pub(crate) waits: RetryWaits,
    pub(crate) job_timeout: Duration,
    pub(crate) alive_time: Option<u32>,
    pub(crate) keep_alive: Option<Duration>,
}

impl fmt::Debug for HitachiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HitachiClient")
            .field("url", &self.inner.url)
            .field("storage_device_id", &self.inner.sdid.as_str())
            .field("credentials", &self.inner.credentials)
            .finish()
    }
}

impl HitachiClient {
    /// A builder for the REST server at `url`.
    pub fn builder(url: impl Into<String>) -> HitachiClientBuilder {
        HitachiClientBuilder::new(url)
    }

    /// The storage system's id.
    pub fn storage_device_id(&self) -> &StorageDeviceId {
        &self.inner.sdid
    }

    /// The REST server's URL, as given.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The transport underneath, for requests this crate does not model.
    pub fn core(&self) -> &Client {
        &self.inner.core
    }

    /// The REST API version (`GET /ConfigurationManager/configuration/version`, no login).
    pub async fn api_version(&self) -> Result<ApiVersion, Error> {
        let response = self
            .inner
            .core
            .send(Request::get("/ConfigurationManager/configuration/version").without_auth())
            .await?;
        let response = crate::session::check(response)?;
        ApiVersion::from_response(&response)
    }

    /// Fails with [`HitachiError::VersionTooOld`] unless the API version is at least
    /// `major.minor` (the seeds need 1.9 for remote storage, 1.2 for ShadowImage).
    pub async fn require_api_version(&self, major: u32, minor: u32) -> Result<ApiVersion, Error> {
        let version = self.api_version().await?;
        if version.at_least(major, minor) {
            Ok(version)
        } else {
            Err(HitachiError::VersionTooOld {
                required: format!("{major}.{minor}"),
                actual: version.raw().to_owned(),
            }
            .into())
        }
    }

    /// The storage systems the REST server manages (no login needed).
    pub async fn storages(&self) -> Result<Vec<StorageSummary>, Error> {
        list_storages(&self.inner.core).await
    }

    /// Opens a session with the client's credentials. Close it with
    /// [`Session::close`]; a session dropped while open is discarded in the background.
    pub async fn open_session(&self) -> Result<Session, Error> {
        Session::open(self.clone()).await
    }

    /// Runs `work` in a fresh session and discards the session afterwards: on success, on
    /// error, and when the returned future is dropped before it finishes.
    ///
    /// `work` may fail with its own error type, as long as this crate's errors convert
    /// into it (`Box<dyn Error>`, `anyhow::Error`, an application enum with a
    /// `From<storkit_core::Error>`): a failed login or discard becomes that type too.
    pub async fn with_session<F, Fut, T, E>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(Session) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let session = self.open_session().await?;
        let result = work(session.clone()).await;
        let closed = session.close().await;
        match (result, closed) {
            (Ok(value), Ok(())) => Ok(value),
            // The work is done: a failed discard (the session then expires on the server)
            // must not turn its result into an error.
            (Ok(value), Err(e)) => {
                tracing::warn!(error = %e, "work done, but the session could not be discarded");
                Ok(value)
            }
            (Err(e), _) => Err(e),
        }
    }

    /// An object path: `/ConfigurationManager/v1/objects/storages/{id}{rest}` (long form)
    /// or `/ConfigurationManager/v1/objects{rest}` (short form).
    pub fn object_path(&self, rest: &str) -> String {
        match self.inner.form {
            UrlForm::Long => format!(
                "/ConfigurationManager/v1/objects/storages/{}{rest}",
                self.inner.sdid
            ),
            UrlForm::Short => format!("/ConfigurationManager/v1/objects{rest}"),
        }
    }

    /// A service path: `/ConfigurationManager/v1/{id}/services{rest}` (long form) or
    /// `/ConfigurationManager/v1/services{rest}` (short form).
    pub fn service_path(&self, rest: &str) -> String {
        match self.inner.form {
            UrlForm::Long => format!(
                "/ConfigurationManager/v1/{}/services{rest}",
                self.inner.sdid
            ),
            UrlForm::Short => format!("/ConfigurationManager/v1/services{rest}"),
        }
    }
}
