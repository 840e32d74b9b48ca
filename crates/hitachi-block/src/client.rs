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
use crate::decode::{lenient_number, lenient_text};
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
    /// Looked up by serial with `GET /v1/objects/storages` (the model picks among entries
    /// of the same serial); when the lookup fails or finds nothing, computed from the model
    /// table ([`MODEL_PREFIXES`](crate::storage_id::MODEL_PREFIXES)).
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

/// The request header remote copy changes carry as
/// `Job-Mode-Wait-Configuration-Change: NoWait` (see [`JobModeWait`]).
pub const JOB_MODE_WAIT_CONFIGURATION_CHANGE: &str = "Job-Mode-Wait-Configuration-Change";

/// Whether remote copy changes (pair create, delete, split, resync, takeover; copy group
/// split, resync, takeover) and ShadowImage copy-group restores carry
/// `Job-Mode-Wait-Configuration-Change: NoWait`.
///
/// Public clients send it there: Cinder for every remote-copy pair operation
/// (`job_nowait=True`), Ansible for remote copy-group split and resync, and Hitachi's own
/// guide recommends it for restoring ShadowImage pairs in units of copy groups (reference
/// §7, §12.1).
/// What the server does differently with it is not publicly documented (its official
/// definition is UNKNOWN, reference §20); read it as "do not hold the job until the
/// configuration change is reflected", and wait for the pair's status
/// ([`RemoteCopyPairs::wait_for_status`](crate::remote_copy::RemoteCopyPairs::wait_for_status))
/// rather than assume the job's end means the pair has moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JobModeWait {
    /// Send `Job-Mode-Wait-Configuration-Change: NoWait` (the default, as the public
    /// clients do).
    #[default]
    NoWait,
    /// Never send the header: the server's default applies.
    ServerDefault,
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
    discovery_retry: RetryPolicy,
    discovery_timeout: Duration,
    job_mode_wait: JobModeWait,
    relogin: bool,
}

/// The default retry policy of the storage-list lookup: a few quick attempts, so that a
/// broken list delays [`HitachiClientBuilder::build`] by seconds, not minutes, before the
/// model table is used.
fn default_discovery_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_max_elapsed(Duration::from_secs(10))
        .with_backoff(
            Backoff::exponential(Duration::from_millis(250), 2.0, Duration::from_secs(2))
                .with_jitter(Jitter::Proportional(0.2)),
        )
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
                .with_max_attempts(u32::MAX)
                .with_max_elapsed(Duration::from_secs(600))
                .with_backoff(
                    Backoff::exponential(Duration::from_millis(500), 2.0, Duration::from_secs(5))
                        .with_jitter(Jitter::Proportional(0.2)),
                ),
            waits: RetryWaits::default(),
            alive_time: None,
            keep_alive: None,
            discovery_retry: default_discovery_retry(),
            discovery_timeout: Duration::from_secs(30),
            relogin: true,
            job_mode_wait: JobModeWait::default(),
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

    /// Finds the storageDeviceId from model and serial: discovery by serial first, the
    /// model table as the fallback (reference §4, §19.1).
    ///
    /// 1. [`build`](Self::build) asks the REST server for its storage systems
    ///    (`GET /ConfigurationManager/v1/objects/storages`, no login) and takes the entry
    ///    whose `serialNumber` (a number or a numeric string) is `serial`. When several
    ///    entries have that serial, the one whose `model` matches (ignoring case and
    ///    spaces) is taken; still several is [`HitachiError::StorageAmbiguous`]. When no
    ///    entry has the serial, an entry whose serial ends in the same last 5 digits is
    ///    taken, as `hiraid` does, but only when one of the two serials has at most 5 digits
    ///    (the 5-digit serials of VSP and HUS VM) and exactly one entry matches that way.
    /// 2. When the request fails (after the [discovery retry
    ///    policy](Self::discovery_retry_policy), within the [discovery
    ///    timeout](Self::discovery_timeout)), its answer cannot be read, or no single entry
    ///    matches, the id is computed from the model table
    ///    ([`MODEL_PREFIXES`](crate::storage_id::MODEL_PREFIXES)): the model's prefix and
    ///    the zero-padded serial, as the seeds do.
    /// 3. When that fails too (unknown model, serial too long), `build` fails with
    ///    [`HitachiError::StorageIdUnresolved`], which says why each way failed.
    ///
    /// The server's answer wins over the table: on a Configuration Manager server that
    /// registered the system under another id, the table would name nothing.
    pub fn model_serial(mut self, model: impl Into<String>, serial: u64) -> Self {
        self.storage = Some(StorageSelector::ModelSerial {
            model: model.into(),
            serial,
        });
        self
    }

    /// Looks the storageDeviceId up by serial on the REST server
    /// (`GET /ConfigurationManager/v1/objects/storages`, no login), matching as
    /// [`model_serial`](Self::model_serial) does but without a model, and without a
    /// fallback: no match is [`HitachiError::StorageNotFound`].
    pub fn serial(mut self, serial: u64) -> Self {
        self.storage = Some(StorageSelector::Serial(serial));
        self
    }

    /// Whether a session whose token the server refuses (401: expired, discarded
    /// elsewhere) logs in again and resends, once (default yes; never for a 401 on a
    /// request with `Remote-Authorization`). Without, the 401 is the answer, as the
    /// vendor's sample programs have it.
    pub fn relogin(mut self, yes: bool) -> Self {
        self.relogin = yes;
        self
    }

    /// The retry policy of the storage-list lookup that
    /// [`model_serial`](Self::model_serial) and [`serial`](Self::serial) make in
    /// [`build`](Self::build) (default: 3 attempts within 10 s, backoff from 0.25 s; the
    /// client's own [`retry_policy`](Self::retry_policy) is for the work after it).
    pub fn discovery_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.discovery_retry = policy;
        self
    }

    /// The deadline of the whole storage-list lookup, retries included (default 30 s).
    pub fn discovery_timeout(mut self, d: Duration) -> Self {
        self.discovery_timeout = d;
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
    /// interval), and the limits of retries: the time limit of those the core decides
    /// itself (a connect failure, an idempotent request that lost its connection: 600 s),
    /// and an attempt limit for every retry (default none). Hitachi's own retryable
    /// answers are bounded in time by [`retry_waits`](Self::retry_waits) instead;
    /// [`RetryPolicy::never`] turns every retry off.
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

    /// Whether remote copy changes and ShadowImage copy-group restores carry
    /// `Job-Mode-Wait-Configuration-Change: NoWait` (default [`JobModeWait::NoWait`], as
    /// Cinder, Ansible and Hitachi's guide send it; the header's official definition is
    /// UNKNOWN).
    pub fn job_mode_wait(mut self, mode: JobModeWait) -> Self {
        self.job_mode_wait = mode;
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
            .classifier(HitachiClassifier::new(self.waits).with_relogin(self.relogin));
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
        let discovery = Discovery {
            core: &core,
            retry: self.discovery_retry,
            timeout: self.discovery_timeout,
        };
        let sdid = match selector {
            StorageSelector::Id(id) => id,
            StorageSelector::ModelSerial { model, serial } => {
                discovery.model_serial(&model, serial).await?
            }
            StorageSelector::Serial(serial) => discovery.serial(serial, None).await?,
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
                job_mode_wait: self.job_mode_wait,
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

/// One entry of `GET /v1/objects/storages`. Only the id is required; the other fields
/// are decoded leniently (servers differ: the serial number comes as a number or a
/// numeric string, reference §4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorageSummary {
    /// The storageDeviceId.
    pub storage_device_id: String,
    /// The model, e.g. `VSP G900`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub model: Option<String>,
    /// The serial number (a number, or a numeric string as some servers send it).
    #[serde(default, deserialize_with = "lenient_number")]
    pub serial_number: Option<u64>,
    /// The SVP address (SVP models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub svp_ip: Option<String>,
    /// Controller 1's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl1_ip: Option<String>,
    /// Controller 2's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl2_ip: Option<String>,
}

fn storages_request() -> Request {
    Request::get("/ConfigurationManager/v1/objects/storages").without_auth()
}

async fn list_storages(core: &Client, request: Request) -> Result<Vec<StorageSummary>, Error> {
    let response = crate::session::check(core.send(request).await?)?;
    Ok(response
        .json::<crate::decode::DataList<StorageSummary>>()?
        .data)
}

/// Serials of VSP and HUS VM have 5 digits; only those may match by their last 5 digits.
const SHORT_SERIAL_DIGITS: u32 = 5;

fn digits(n: u64) -> u32 {
    n.checked_ilog10().map_or(1, |d| d + 1)
}

fn same_model(a: &str, b: &str) -> bool {
    let norm = |m: &str| -> String {
        m.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    };
    norm(a) == norm(b)
}

/// Picks the entry of `serial` (see [`HitachiClientBuilder::model_serial`] for the rules).
fn pick_storage<'a>(
    storages: &'a [StorageSummary],
    serial: u64,
    model: Option<&str>,
) -> Result<&'a StorageSummary, HitachiError> {
    let one = |found: Vec<&'a StorageSummary>| -> Result<Option<&'a StorageSummary>, HitachiError> {
        let found = match (found.len(), model) {
            (0 | 1, _) | (_, None) => found,
            (_, Some(m)) => {
                let by_model: Vec<_> = found
                    .iter()
                    .copied()
                    .filter(|s| s.model.as_deref().is_some_and(|x| same_model(x, m)))
                    .collect();
                if by_model.is_empty() { found } else { by_model }
            }
        };
        match found.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(*only)),
            many => Err(HitachiError::StorageAmbiguous {
                serial,
                ids: many.iter().map(|s| s.storage_device_id.clone()).collect(),
            }),
        }
    };
    let exact = storages
        .iter()
        .filter(|s| s.serial_number == Some(serial))
        .collect();
    if let Some(found) = one(exact)? {
        return Ok(found);
    }
    let tail = 10u64.pow(SHORT_SERIAL_DIGITS);
    let by_tail: Vec<&StorageSummary> = storages
        .iter()
        .filter(|s| {
            s.serial_number.is_some_and(|n| {
                n % tail == serial % tail
                    && (digits(n) <= SHORT_SERIAL_DIGITS || digits(serial) <= SHORT_SERIAL_DIGITS)
            })
        })
        .collect();
    // A guess by the last digits is only taken when it is the only candidate.
    match by_tail.as_slice() {
        [only] => Ok(only),
        _ => Err(HitachiError::StorageNotFound { serial }),
    }
}

/// The storage-list lookup of [`HitachiClientBuilder::build`].
struct Discovery<'a> {
    core: &'a Client,
    retry: RetryPolicy,
    timeout: Duration,
}

impl Discovery<'_> {
    /// The id of `serial` according to the REST server.
    async fn serial(&self, serial: u64, model: Option<&str>) -> Result<StorageDeviceId, Error> {
        let request = storages_request()
            .retry_policy(self.retry.clone())
            .operation_timeout(self.timeout);
        let storages = list_storages(self.core, request).await?;
        let found = pick_storage(&storages, serial, model)?;
        Ok(found.storage_device_id.parse::<StorageDeviceId>()?)
    }

    /// Discovery first, then the model table; both failing is one error naming both.
    async fn model_serial(&self, model: &str, serial: u64) -> Result<StorageDeviceId, Error> {
        let lookup = match self.serial(serial, Some(model)).await {
            Ok(id) => {
                tracing::debug!(%id, serial, "storageDeviceId found in the storage list");
                return Ok(id);
            }
            Err(e) => e,
        };
        match StorageDeviceId::from_model_serial(model, serial) {
            Ok(id) => {
                tracing::debug!(%id, serial, error = %lookup, "storage list gave no id; using the model table");
                Ok(id)
            }
            Err(table) => Err(HitachiError::StorageIdUnresolved {
                model: model.to_owned(),
                serial,
                lookup: lookup.to_string(),
                table: table.to_string(),
            }
            .into()),
        }
    }
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
    pub(crate) job_mode_wait: JobModeWait,
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
        list_storages(&self.inner.core, storages_request()).await
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
    /// `From<storkit_core::Error>`): a failed login becomes that type too. A discard that
    /// fails after the work succeeded is logged (the session then expires on the server)
    /// and the work's result returned.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::HitachiErrorExt;
    use crate::testing;
    use proptest::prelude::*;

    fn entry(id: &str, model: &str, serial: u64) -> StorageSummary {
        StorageSummary {
            storage_device_id: id.to_owned(),
            model: Some(model.to_owned()),
            serial_number: Some(serial),
            svp_ip: None,
            ctl1_ip: None,
            ctl2_ip: None,
        }
    }

    #[test]
    fn serial_numbers_decode_as_numbers_or_numeric_strings() {
        let list: crate::decode::DataList<StorageSummary> = serde_json::from_str(
            r#"{"data":[
                {"storageDeviceId":"886000410000","model":"VSP G900","serialNumber":410000,"svpIp":"192.0.2.1","ctl1Ip":"192.0.2.2","ctl2Ip":"192.0.2.3"},
                {"storageDeviceId":"800000058068","model":"VSP G1000","serialNumber":" 58068 "},
                {"storageDeviceId":"936000000007","serialNumber":"no","model":990,"svpIp":7},
                {"storageDeviceId":"936000000008","serialNumber":-8}
            ]}"#,
        )
        .unwrap();
        let serials: Vec<Option<u64>> = list.data.iter().map(|s| s.serial_number).collect();
        assert_eq!(serials, [Some(410_000), Some(58_068), None, None]);
        assert_eq!(list.data[0].ctl2_ip.as_deref(), Some("192.0.2.3"));
        assert_eq!(list.data[2].model.as_deref(), Some("990"));
        assert_eq!(list.data[2].svp_ip.as_deref(), Some("7"));
        // The id is what the lookup is for: an entry without it is not an entry.
        assert!(serde_json::from_str::<StorageSummary>(r#"{"serialNumber":1}"#).is_err());
    }

    #[test]
    fn the_serial_picks_the_entry() {
        let list = [
            entry("886000410000", "VSP G900", 410_000),
            entry("886000420000", "VSP G900", 420_000),
            entry("700000012345", "VSP", 12_345),
        ];
        let id =
            |serial, model| pick_storage(&list, serial, model).map(|s| s.storage_device_id.clone());
        assert_eq!(id(420_000, None).unwrap(), "886000420000");
        assert_eq!(id(420_000, Some("vsp  g900")).unwrap(), "886000420000");
        // A 5-digit serial given with a leading digit, and the other way round.
        assert_eq!(id(312_345, None).unwrap(), "700000012345");
        assert!(matches!(
            id(999_999, None),
            Err(HitachiError::StorageNotFound { serial: 999_999 })
        ));
        // Two 6-digit serials never match by their tail.
        let long = [entry("886000410000", "VSP G900", 410_000)];
        assert!(pick_storage(&long, 510_000, None).is_err());
    }

    #[test]
    fn ambiguity_is_resolved_by_model_or_reported() {
        let list = [
            entry("886000410000", "VSP G900", 410_000),
            entry("934000410000", "VSP E590", 410_000),
            entry("700000010000", "VSP", 10_000),
            entry("730000010000", "HUS VM", 10_000),
        ];
        assert_eq!(
            pick_storage(&list, 410_000, Some("VSP E590"))
                .unwrap()
                .storage_device_id,
            "934000410000"
        );
        match pick_storage(&list, 410_000, None) {
            Err(HitachiError::StorageAmbiguous { serial, ids }) => {
                assert_eq!(serial, 410_000);
                assert_eq!(ids, ["886000410000", "934000410000"]);
            }
            other => panic!("{other:?}"),
        }
        // Two entries share the last 5 digits of 510000: no guess.
        assert!(matches!(
            pick_storage(&list, 510_000, None),
            Err(HitachiError::StorageNotFound { .. })
        ));
    }

    async fn build(url: String, model: Option<&str>, serial: u64) -> Result<HitachiClient, Error> {
        let builder = HitachiClient::builder(url)
            .tls(TlsPolicy::default())
            .discovery_retry_policy(RetryPolicy::never());
        let builder = match model {
            Some(m) => builder.model_serial(m, serial),
            None => builder.serial(serial),
        };
        builder.build().await
    }

    #[tokio::test]
    async fn a_failing_storage_list_falls_back_to_the_model_table() {
        for (last, status) in [(1u8, 404u16), (2, 500)] {
            let fake = testing::Fake::start([127, 0, 17, last], move |seen| {
                seen.path
                    .ends_with("/v1/objects/storages")
                    .then(|| (status, serde_json::json!({"messageId": "KART30013-E"})))
            })
            .await;
            let url = fake.server.url();
            let client = build(url.clone(), Some("VSP G900"), 410_017).await.unwrap();
            assert_eq!(client.storage_device_id().as_str(), "886000410017");
            assert_eq!(fake.requests().len(), 1, "{status}: asked once");

            // Unknown model: both ways fail, and the error says so.
            let err = build(url.clone(), Some("VSP Z9"), 410_017)
                .await
                .unwrap_err();
            match err.hitachi() {
                Some(HitachiError::StorageIdUnresolved {
                    model,
                    serial,
                    lookup,
                    table,
                }) => {
                    assert_eq!((model.as_str(), *serial), ("VSP Z9", 410_017));
                    assert!(lookup.contains(&status.to_string()), "{lookup}");
                    assert!(table.contains("unknown storage model"), "{table}");
                }
                other => panic!("{status}: {other:?}"),
            }
            assert!(err.to_string().contains("model table"), "{err}");
            // Serial alone has no fallback.
            assert!(build(url, None, 410_017).await.is_err());
        }
    }

    #[tokio::test]
    async fn the_storage_list_wins_over_the_model_table() {
        let fake = testing::Fake::start([127, 0, 17, 3], |seen| {
            seen.path.ends_with("/v1/objects/storages").then(|| {
                (
                    200,
                    serde_json::json!({"data": [
                        {"storageDeviceId": "886000410000", "model": "VSP G900", "serialNumber": 410_000},
                        {"storageDeviceId": "A34000810045", "model": "VSP One B26", "serialNumber": "810045"},
                    ]}),
                )
            })
        })
        .await;
        let url = fake.server.url();
        // The table would say 886000810045; the server registered the system otherwise.
        let c = build(url.clone(), Some("VSP G900"), 810_045).await.unwrap();
        assert_eq!(c.storage_device_id().as_str(), "A34000810045");
        // Not in the list: the table.
        let c = build(url.clone(), Some("VSP G900"), 7).await.unwrap();
        assert_eq!(c.storage_device_id().as_str(), "886000000007");
        let err = build(url, None, 7).await.unwrap_err();
        assert!(matches!(
            err.hitachi(),
            Some(HitachiError::StorageNotFound { serial: 7 })
        ));
    }

    proptest! {
        #[test]
        fn picking_never_panics(
            serials in prop::collection::vec(any::<u64>(), 0..6),
            wanted in any::<u64>(),
        ) {
            let list: Vec<StorageSummary> = serials
                .iter()
                .enumerate()
                .map(|(i, s)| entry(&format!("88600000000{i}"), "VSP G900", *s))
                .collect();
            if let Ok(found) = pick_storage(&list, wanted, None) {
                let n = found.serial_number.unwrap();
                prop_assert!(n == wanted || n % 100_000 == wanted % 100_000);
            }
        }
    }
}
