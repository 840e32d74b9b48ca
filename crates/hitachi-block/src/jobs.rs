//! Asynchronous jobs: the 202 + job object of every create, change and action, and
//! [`Change`], which sends one and waits for it.
//!
//! Every call that changes the storage system returns a [`Change`]. Awaiting it sends the
//! request (with `Response-Job-Status: Completed`), waits for the job and returns the
//! result; [`Change::submit`] sends it without that header, so it returns as soon as the
//! server accepted the request, with the job to record (its id and URL) and a
//! [`Submitted`] to wait on later:
//!
//! ```no_run
//! # async fn demo(session: storkit_hitachi_block::Session) -> Result<(), storkit_core::Error> {
//! use storkit_hitachi_block::local_copy::CreateLocalClonePair;
//!
//! let spec = CreateLocalClonePair::shadow_image("SI_347", "p_347-348", 347, 348);
//! // Blocking: the pair id, once the job has finished.
//! let id = session.local_copy_pairs().create(&spec).await?;
//! # let _ = id;
//! // Or submit first, wait later.
//! let submitted = session.local_copy_pairs().create(&spec).submit().await?;
//! println!("JOB URL : {}", submitted.job().self_path.as_deref().unwrap_or_default());
//! let id = submitted.wait().await?;
//! # let _ = id;
//! # Ok(())
//! # }
//! ```
//!
//! A job that failed on a lock, a busy server or with `solutionType: RETRY` is sent again
//! within the same retry budget as the transport's retries of the first request
//! ([`RetryWaits`](crate::RetryWaits)): one budget per change, never one inside another.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request, RetryBudget};

use crate::error::{ApiError, HitachiError};
use crate::host_groups::{HostGroupId, HostWwnId};
use crate::ldevs::LdevId;
use crate::local_copy::{LocalCloneGroupId, LocalClonePairId};
use crate::luns::LunId;
use crate::remote_copy::{RemoteCopyGroupId, RemoteCopyPairId};
use crate::session::{RESPONSE_JOB_STATUS, Session, check};
use crate::snapshots::SnapshotId;
use crate::storage_id::StorageDeviceId;

/// Whether a job has finished (`status`). A finished job says how in [`JobState`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobStatus {
    /// Accepted, not started.
    Initializing,
    /// Running.
    Running,
    /// Finished, successfully or not.
    Completed,
    /// A value this crate does not know.
    Other(String),
}

/// How a job ended or where it is (`state`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Queued.
    Queued,
    /// Started.
    Started,
    /// Accepted by the storage system (remote copy pair creation only).
    StorageAccepted,
    /// Succeeded.
    Succeeded,
    /// Failed: the job's `error` says why.
    Failed,
    /// The server does not know.
    Unknown,
    /// A value this crate does not know.
    Other(String),
}

impl JobStatus {
    fn parse(s: &str) -> Self {
        match s {
            "Initializing" => JobStatus::Initializing,
            "Running" => JobStatus::Running,
            "Completed" => JobStatus::Completed,
            other => JobStatus::Other(other.to_owned()),
        }
    }
}

impl JobState {
    fn parse(s: &str) -> Self {
        match s {
            "Queued" => JobState::Queued,
            "Started" => JobState::Started,
            "StorageAccepted" => JobState::StorageAccepted,
            "Succeeded" => JobState::Succeeded,
            "Failed" => JobState::Failed,
            "Unknown" => JobState::Unknown,
            other => JobState::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobStatus::Initializing => f.write_str("Initializing"),
            JobStatus::Running => f.write_str("Running"),
            JobStatus::Completed => f.write_str("Completed"),
            JobStatus::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobState::Queued => f.write_str("Queued"),
            JobState::Started => f.write_str("Started"),
            JobState::StorageAccepted => f.write_str("StorageAccepted"),
            JobState::Succeeded => f.write_str("Succeeded"),
            JobState::Failed => f.write_str("Failed"),
            JobState::Unknown => f.write_str("Unknown"),
            JobState::Other(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(JobStatus::parse(&String::deserialize(d)?))
    }
}

impl<'de> Deserialize<'de> for JobState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(JobState::parse(&String::deserialize(d)?))
    }
}

impl Serialize for JobStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl Serialize for JobState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The request a job was created by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobRequest {
    /// The URL.
    #[serde(default)]
    pub request_url: Option<String>,
    /// The method.
    #[serde(default)]
    pub request_method: Option<String>,
    /// The body, as the server echoes it (login secrets never go through jobs).
    #[serde(default)]
    pub request_body: Option<serde_json::Value>,
}

/// A job object (reference §8.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Job {
    /// The id (a number; a numeric string is accepted too).
    #[serde(deserialize_with = "job_id")]
    pub job_id: u64,
    /// Its URL path (`/ConfigurationManager/v1/objects/storages/<id>/jobs/<n>`).
    #[serde(rename = "self", default)]
    pub self_path: Option<String>,
    /// The user whose request created it.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Finished or not.
    pub status: JobStatus,
    /// How it ended, or where it is.
    #[serde(default = "unknown_state")]
    pub state: JobState,
    /// ISO 8601 creation time.
    #[serde(default)]
    pub created_time: Option<String>,
    /// ISO 8601 last update.
    #[serde(default)]
    pub updated_time: Option<String>,
    /// ISO 8601 completion time.
    #[serde(default)]
    pub completed_time: Option<String>,
    /// The originating request.
    #[serde(default)]
    pub request: Option<JobRequest>,
    /// Paths of the resources the job created or changed.
    #[serde(default, deserialize_with = "string_list")]
    pub affected_resources: Vec<String>,
    /// Why it failed.
    #[serde(default, deserialize_with = "optional_error")]
    pub error: Option<ApiError>,
}

fn job_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| serde::de::Error::custom("jobId is not a non-negative integer"))
}

fn unknown_state() -> JobState {
    JobState::Unknown
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Option::<Vec<serde_json::Value>>::deserialize(d)?;
    Ok(value
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect())
}

fn optional_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ApiError>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(ApiError::from_value(value))
}

impl Job {
    /// Decodes a job object; `None` for anything else (never panics).
    pub fn from_body(body: &[u8]) -> Option<Job> {
        serde_json::from_slice(body).ok()
    }

    /// True once the job has finished (`status == Completed`).
    pub fn is_finished(&self) -> bool {
        self.status == JobStatus::Completed
    }

    /// The typed resources of `affectedResources`.
    pub fn resources(&self) -> Vec<AffectedResource> {
        self.affected_resources
            .iter()
            .map(|p| AffectedResource::parse(p))
            .collect()
    }

    /// The id (last path segment) of the first affected resource.
    pub fn first_resource_id(&self) -> Option<&str> {
        let first = self.affected_resources.first()?;
        first.rsplit('/').next().filter(|s| !s.is_empty())
    }

    /// The first affected resource that `pick` accepts: the object a create made. A job
    /// that names none is [`HitachiError::NoAffectedResource`], never an id guessed from
    /// the request.
    pub fn affected<T>(
        &self,
        what: &'static str,
        pick: impl Fn(AffectedResource) -> Option<T>,
    ) -> Result<T, Error> {
        self.resources().into_iter().find_map(pick).ok_or_else(|| {
            HitachiError::NoAffectedResource {
                job_id: self.job_id,
                what,
                affected: self.affected_resources.clone(),
            }
            .into()
        })
    }
}

/// Builds the request of a change, again for each resend.
pub(crate) type MakeRequest = Arc<dyn Fn() -> Result<Request, Error> + Send + Sync>;
/// Turns the finished job into the change's result.
type Decode<T> = Box<dyn FnOnce(Job) -> Result<T, Error> + Send>;
/// Steps before the first send (an action template to fetch), once.
/// It gets the change's budget, for the requests it makes itself.
type Prepare = Box<
    dyn FnOnce(RetryBudget) -> Pin<Box<dyn Future<Output = Result<MakeRequest, Error>> + Send>>
        + Send,
>;

/// A change to the storage system, not sent yet: an asynchronous request and what its job
/// means.
///
/// `.await` sends it, waits for its job and returns the result; [`submit`](Change::submit)
/// returns once the server has accepted it. See the [module docs](self).
#[must_use = "a change does nothing until it is awaited or submitted"]
pub struct Change<T> {
    session: Session,
    prepare: Prepare,
    resend: bool,
    decode: Decode<T>,
}

impl Change<Job> {
    /// A change whose request `make` builds (called again for each resend).
    pub(crate) fn new(
        session: &Session,
        make: impl Fn() -> Result<Request, Error> + Send + Sync + 'static,
    ) -> Change<Job> {
        let make: MakeRequest = Arc::new(make);
        Change::ready(session, make)
    }

    /// A change that needs `prepare` (say, fetching an action template) before its first
    /// send; `prepare` yields the request builder and runs once. Its requests belong to
    /// the change's budget, which it is given.
    pub(crate) fn prepared<Fut>(
        session: &Session,
        prepare: impl FnOnce(RetryBudget) -> Fut + Send + 'static,
    ) -> Change<Job>
    where
        Fut: Future<Output = Result<MakeRequest, Error>> + Send + 'static,
    {
        Change {
            session: session.clone(),
            prepare: Box::new(move |budget| Box::pin(prepare(budget))),
            resend: true,
            decode: Box::new(Ok),
        }
    }

    /// A change whose request builder is ready.
    pub(crate) fn ready(session: &Session, make: MakeRequest) -> Change<Job> {
        Change::prepared(session, move |_| async move { Ok(make) })
    }

    /// `method path` with an optional JSON body, once `check` passed: a failed check
    /// (bad input) is the change's error, and nothing is sent.
    pub(crate) fn checked<B: Serialize + ?Sized>(
        session: &Session,
        check: Result<(), HitachiError>,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Change<Job> {
        match check {
            Ok(()) => Change::json(session, method, path, body),
            Err(e) => Change::failed(session, e.into()),
        }
    }

    /// The object the job created, as its `affectedResources` names it (see
    /// [`Job::affected`]): never one computed from the request.
    pub(crate) fn created<T: Send + 'static>(
        self,
        what: &'static str,
        pick: fn(AffectedResource) -> Option<T>,
    ) -> Change<T> {
        self.map(move |job| job.affected(what, pick))
    }

    /// `method path` with an optional JSON body (encoded once).
    pub(crate) fn json<B: Serialize + ?Sized>(
        session: &Session,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Change<Job> {
        match json_request(method, path, body) {
            Ok(make) => Change::ready(session, make),
            Err(e) => Change::failed(session, e),
        }
    }

    /// As [`Change::json`] for a remote operation: every send carries
    /// `Remote-Authorization` with `remote`'s current token.
    pub(crate) fn remote_json<B: Serialize + ?Sized>(
        session: &Session,
        remote: &Session,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Change<Job> {
        match json_request(method, path, body) {
            Ok(make) => {
                let make = with_remote(make, remote);
                Change::ready(session, make)
            }
            Err(e) => Change::failed(session, e),
        }
    }
}

/// `make`, with `Remote-Authorization` carrying the *current* token of `remote` (a
/// session on the remote array), read afresh for each send; fails, sending nothing, once
/// `remote` is closed.
pub(crate) fn with_remote(make: MakeRequest, remote: &Session) -> MakeRequest {
    let remote = remote.clone();
    Arc::new(move || {
        let token = remote.remote_authorization()?;
        Ok(make()?.sensitive_header(crate::session::REMOTE_AUTHORIZATION, &token))
    })
}

/// `make`, with `Job-Mode-Wait-Configuration-Change: NoWait` unless the client says
/// otherwise ([`JobModeWait`](crate::JobModeWait)): for the changes where public clients
/// send it (remote copy, ShadowImage copy-group restore; reference §7).
pub(crate) fn with_job_mode_wait(make: MakeRequest, session: &Session) -> MakeRequest {
    match session.client().inner.job_mode_wait {
        crate::client::JobModeWait::NoWait => Arc::new(move || {
            Ok(make()?.header(crate::client::JOB_MODE_WAIT_CONFIGURATION_CHANGE, "NoWait"))
        }),
        crate::client::JobModeWait::ServerDefault => make,
    }
}

/// A request builder for `method path` with an optional JSON body, encoded once here.
pub(crate) fn json_request<B: Serialize + ?Sized>(
    method: Method,
    path: String,
    body: Option<&B>,
) -> Result<MakeRequest, Error> {
    let body = body
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| Error::config("cannot encode the JSON body").with_source(e))?
        .map(bytes::Bytes::from);
    Ok(Arc::new(move || {
        let request = Request::new(method.clone(), path.as_str());
        Ok(match &body {
            Some(b) => request
                .body(b.clone())
                .header(storkit_core::http::header::CONTENT_TYPE, "application/json"),
            None => request,
        })
    }))
}

impl<T: Send + 'static> Change<T> {
    /// A change that fails with `error` when awaited or submitted, sending nothing (bad
    /// input found before the request was built).
    pub(crate) fn failed(session: &Session, error: Error) -> Change<T> {
        Change {
            session: session.clone(),
            prepare: Box::new(move |_| Box::pin(async move { Err(error) })),
            resend: false,
            decode: Box::new(|_| {
                Err(Error::config(
                    "unreachable: the change failed before sending",
                ))
            }),
        }
    }

    /// The change `build` makes, or one failing with its error (input checks written with
    /// `?` before any request exists).
    pub(crate) fn build(
        session: &Session,
        build: impl FnOnce() -> Result<Change<T>, Error>,
    ) -> Change<T> {
        build().unwrap_or_else(|e| Change::failed(session, e))
    }

    /// Never sends the request again after its job failed (for requests a resend cannot
    /// fix, such as an unlock refused to a session that does not hold the lock).
    pub fn once(mut self) -> Self {
        self.resend = false;
        self
    }

    /// The same change, its result passed through `f`.
    pub fn map<U: Send + 'static>(
        self,
        f: impl FnOnce(T) -> Result<U, Error> + Send + 'static,
    ) -> Change<U> {
        let decode = self.decode;
        Change {
            session: self.session,
            prepare: self.prepare,
            resend: self.resend,
            decode: Box::new(move |job| decode(job).and_then(f)),
        }
    }

    /// Sends the request and returns as soon as the server accepted it (the 202 and its
    /// job), without waiting for the job: the request goes without
    /// `Response-Job-Status: Completed`, so the server does not hold its answer until the
    /// job ends. Retries of the request itself happen here, within the change's budget.
    pub async fn submit(self) -> Result<Submitted<T>, Error> {
        self.send_first(Hold::No).await
    }

    /// The first send; with [`Hold::UntilDone`] the server may hold its answer until the
    /// job has ended (what `.await` wants: fewer polls).
    async fn send_first(self, hold: Hold) -> Result<Submitted<T>, Error> {
        let budget = RetryBudget::start();
        let make = (self.prepare)(budget.clone()).await?;
        let (job, method, path) = send(&self.session, &make, &budget, hold).await?;
        Ok(Submitted {
            session: self.session,
            make,
            resend: self.resend,
            decode: self.decode,
            budget,
            job,
            method,
            path,
            sends: 1,
        })
    }
}

impl<T: Send + 'static> IntoFuture for Change<T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send_first(Hold::UntilDone).await?.wait().await })
    }
}

impl<T> fmt::Debug for Change<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Change")
            .field("session", &self.session.id())
            .field("resend", &self.resend)
            .finish_non_exhaustive()
    }
}

/// Whether a send asks the server to hold its answer until the job has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Answer at once (a bare submit).
    No,
    /// `Response-Job-Status: Completed`, with the client's job timeout.
    UntilDone,
}

/// One send of a change: the request (held by the server until the job ends, or not, as
/// `hold` says), its retries in `budget`, and the job of the 202.
async fn send(
    session: &Session,
    make: &MakeRequest,
    budget: &RetryBudget,
    hold: Hold,
) -> Result<(Job, Method, String), Error> {
    let mut request = make()?.retry_budget(budget);
    if hold == Hold::UntilDone {
        request = request
            .header(RESPONSE_JOB_STATUS, "Completed")
            .timeout(session.client().inner.job_timeout);
    }
    let (method, path) = (request.method().clone(), request.path().to_owned());
    let response = check(session.send(request).await?)?;
    match Job::from_body(response.body()) {
        Some(job) => Ok((job, method, path)),
        None => Err(response.decode_error(
            "the server accepted the request but sent no job object",
            HitachiError::Unexpected {
                what: "no job object".into(),
            },
        )),
    }
}

/// A change the server accepted: its job, to record now and wait on later.
#[must_use = "the job runs on the server; wait() says how it ended"]
pub struct Submitted<T> {
    session: Session,
    make: MakeRequest,
    resend: bool,
    decode: Decode<T>,
    budget: RetryBudget,
    job: Job,
    method: Method,
    path: String,
    sends: u32,
}

impl<T> Submitted<T> {
    /// The job as the server returned it with the 202 (its `jobId` and `self`); usually
    /// not finished yet.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// The job's id.
    pub fn job_id(&self) -> u64 {
        self.job.job_id
    }

    /// How many times the request was sent: more than once when a job failed on a lock
    /// or a busy server and the change was sent again.
    pub fn sends(&self) -> u32 {
        self.sends
    }

    /// Waits for the job (polling with the client's poll policy) and returns the result.
    /// The change's retry budget started when it was submitted and covers the polls too
    /// (a poll answered 503 is asked again only within the waits that are left): a change
    /// waited on long after its submit has that much less of it.
    /// A job that failed on a lock, a busy server or with `solutionType: RETRY` is sent
    /// again within the change's retry budget; any other failure is
    /// [`HitachiError::JobFailed`] with the job's error object.
    pub async fn wait(mut self) -> Result<T, Error> {
        loop {
            let job = if self.job.is_finished() {
                self.job.clone()
            } else {
                self.session
                    .wait_in(self.job.clone(), Some(&self.budget))
                    .await?
            };
            match outcome(job, &self.method, &self.path) {
                Ok(job) => return (self.decode)(job),
                Err(e) => {
                    let Some(within) = self.resend_within(&e) else {
                        return Err(e);
                    };
                    let policy = &self.session.client().inner.retry;
                    let wait = self.budget.next_wait(policy, None);
                    if !self.budget.take(policy, Some(within), wait) {
                        return Err(e);
                    }
                    tracing::info!(error = %e, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "job failed on a transient condition; sending the request again");
                    tokio::time::sleep(wait).await;
                    let (job, _, _) =
                        send(&self.session, &self.make, &self.budget, Hold::UntilDone).await?;
                    self.job = job;
                    self.sends += 1;
                }
            }
        }
    }

    /// The wait a failed job's error allows, when the change may be sent again.
    fn resend_within(&self, e: &Error) -> Option<std::time::Duration> {
        if !self.resend {
            return None;
        }
        match e.detail::<HitachiError>() {
            Some(HitachiError::JobFailed { error, .. }) => {
                self.session.client().inner.waits.for_error(error)
            }
            _ => None,
        }
    }
}

impl<T> fmt::Debug for Submitted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Submitted")
            .field("job_id", &self.job.job_id)
            .field("status", &self.job.status)
            .field("sends", &self.sends)
            .finish_non_exhaustive()
    }
}

/// A finished job: itself when it succeeded, else [`HitachiError::JobFailed`] (or
/// [`HitachiError::Unexpected`] for a state that is neither).
fn outcome(job: Job, method: &Method, path: &str) -> Result<Job, Error> {
    match (&job.state, &job.error) {
        (JobState::Succeeded, None) => Ok(job),
        (JobState::Failed, _) | (_, Some(_)) => Err(Error::from(HitachiError::JobFailed {
            job_id: job.job_id,
            error: Box::new(job.error.clone().unwrap_or_default()),
            job: Box::new(job),
        })
        .with_request(method, path)),
        (state, None) => Err(Error::from(HitachiError::Unexpected {
            what: format!("job {} finished in state {state}", job.job_id),
        })
        .with_request(method, path)),
    }
}

/// An entry of `affectedResources`, resolved to what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AffectedResource {
    /// `.../ldevs/{id}`.
    Ldev(LdevId),
    /// `.../local-clone-copypairs/{id}`.
    LocalClonePair(LocalClonePairId),
    /// `.../local-clone-copygroups/{id}`.
    LocalCloneGroup(LocalCloneGroupId),
    /// `.../remote-storages/{storageDeviceId}`.
    RemoteStorage(StorageDeviceId),
    /// `.../remote-mirror-copypairs/{id}`.
    RemoteCopyPair(RemoteCopyPairId),
    /// `.../remote-mirror-copygroups/{id}`.
    RemoteCopyGroup(RemoteCopyGroupId),
    /// `.../host-groups/{port},{number}`.
    HostGroup(HostGroupId),
    /// `.../host-wwns/{port},{number},{wwn}`.
    HostWwn(HostWwnId),
    /// `.../luns/{port},{number},{lun}`.
    Lun(LunId),
    /// `.../snapshots/{pvol},{mu}`.
    Snapshot(SnapshotId),
    /// `.../pools/{id}`.
    Pool(u32),
    /// Any other path, kept whole.
    Other(String),
}

impl AffectedResource {
    /// Resolves a server-absolute path: each kind of object id is read by its own type's
    /// parser (the one place that knows its comma-joined shape).
    pub fn parse(path: &str) -> AffectedResource {
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let id = segments.next().unwrap_or_default();
        let collection = segments.next().unwrap_or_default();
        let parsed = match collection {
            "ldevs" => id.parse().ok().map(AffectedResource::Ldev),
            "local-clone-copypairs" => id.parse().ok().map(AffectedResource::LocalClonePair),
            "local-clone-copygroups" => id.parse().ok().map(AffectedResource::LocalCloneGroup),
            "remote-storages" => id.parse().ok().map(AffectedResource::RemoteStorage),
            "remote-mirror-copypairs" => id.parse().ok().map(AffectedResource::RemoteCopyPair),
            "remote-mirror-copygroups" => id.parse().ok().map(AffectedResource::RemoteCopyGroup),
            "host-groups" => id.parse().ok().map(AffectedResource::HostGroup),
            "host-wwns" => id.parse().ok().map(AffectedResource::HostWwn),
            "luns" => id.parse().ok().map(AffectedResource::Lun),
            "snapshots" => id.parse().ok().map(AffectedResource::Snapshot),
            "pools" => crate::host_groups::parse_number(id).map(AffectedResource::Pool),
            _ => None,
        };
        parsed.unwrap_or_else(|| AffectedResource::Other(path.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_jobs_decode() {
        let ok = Job::from_body(br#"{"jobId":43,"self":"/ConfigurationManager/v1/objects/storages/800000058068/jobs/43","userId":"u","status":"Completed","state":"Succeeded","createdTime":"2020-11-16T15:20:17Z","affectedResources":["/ConfigurationManager/v1/objects/storages/800000058068/ldevs/40962"]}"#).unwrap();
        assert!(ok.is_finished());
        assert_eq!(ok.state, JobState::Succeeded);
        assert_eq!(ok.resources(), vec![AffectedResource::Ldev(40962.into())]);
        assert_eq!(ok.first_resource_id(), Some("40962"));

        let failed = Job::from_body(br#"{"jobId":1,"status":"Completed","state":"Failed","error":{"errorCode":{"SSB1":"B958","SSB2":"015A"}}}"#).unwrap();
        assert_eq!(failed.state, JobState::Failed);
        assert_eq!(
            failed.error.unwrap().ssb(),
            Some(("B958".into(), "015A".into()))
        );

        let odd = Job::from_body(br#"{"jobId":2,"status":"Weird","state":"StartedWithErrors","affectedResources":null,"error":"x"}"#).unwrap();
        assert_eq!(odd.status, JobStatus::Other("Weird".into()));
        assert_eq!(odd.state, JobState::Other("StartedWithErrors".into()));
        assert!(odd.affected_resources.is_empty() && odd.error.is_none());
    }

    #[test]
    fn affected_resources_resolve() {
        let base = "/ConfigurationManager/v1/objects/storages/886000410000";
        assert_eq!(
            AffectedResource::parse(&format!(
                "{base}/local-clone-copypairs/SI_347,SI_347P_,SI_347S_,p_347-348"
            )),
            AffectedResource::LocalClonePair("SI_347,SI_347P_,SI_347S_,p_347-348".parse().unwrap())
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/host-groups/CL1-A,5")),
            AffectedResource::HostGroup(HostGroupId::new("CL1-A", 5))
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/luns/CL1-A,5,3")),
            AffectedResource::Lun(LunId::new(&HostGroupId::new("CL1-A", 5), 3))
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/snapshots/100,3")),
            AffectedResource::Snapshot(SnapshotId::new(100, 3))
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/remote-storages/886000420000")),
            AffectedResource::RemoteStorage("886000420000".parse().unwrap())
        );
        assert_eq!(
            AffectedResource::parse("a/b/c/1"),
            AffectedResource::Other("a/b/c/1".into())
        );
        assert_eq!(
            AffectedResource::parse(""),
            AffectedResource::Other(String::new())
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Some(job) = Job::from_body(&bytes) {
                let _ = (job.resources(), job.first_resource_id(), job.is_finished());
            }
        }

        #[test]
        fn arbitrary_job_shapes_never_panic(
            id in any::<u64>(),
            status in ".{0,12}",
            state in ".{0,12}",
            resources in prop::collection::vec(".{0,40}", 0..4),
        ) {
            let body = serde_json::json!({
                "jobId": id, "status": status, "state": state,
                "affectedResources": resources, "error": {"messageId": status},
            });
            let job = Job::from_body(&serde_json::to_vec(&body).unwrap()).unwrap();
            prop_assert_eq!(job.job_id, id);
            prop_assert_eq!(job.affected_resources.len(), resources.len());
            for r in &resources {
                let _ = AffectedResource::parse(r);
            }
        }

        #[test]
        fn paths_never_panic(path in ".{0,80}") {
            let _ = AffectedResource::parse(&path);
        }
    }
}
