//! Sessions: `Authorization: Session <token>`, always discarded, re-created once on 401.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use storkit_core::auth::{Authenticator, BoxFuture, sensitive_value};
use storkit_core::http::header::AUTHORIZATION;
use storkit_core::http::{HeaderMap, StatusCode};
use storkit_core::poll::{PollError, PollStep, Poller};
use storkit_core::secrecy::{ExposeSecret, SecretString};
use storkit_core::{BasicAuth, Client, Error, ErrorKind, RefreshGate, Request, Response};

use crate::client::HitachiClient;
use crate::error::{ApiError, HitachiError};
use crate::jobs::{Job, JobState};

/// The header that asks the server to answer an asynchronous request only once its job
/// has finished; the client still polls when the server answers earlier.
pub const RESPONSE_JOB_STATUS: &str = "Response-Job-Status";
/// The header carrying a session of the remote array for remote operations.
pub const REMOTE_AUTHORIZATION: &str = "Remote-Authorization";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    token: String,
    session_id: serde_json::Value,
}

struct Credentials {
    id: u64,
    token: SecretString,
}

/// The session's authenticator: stamps the token, and logs in again once when the
/// server says the token is no longer valid.
pub(crate) struct SessionAuth {
    state: Mutex<Credentials>,
    core: Client,
    login_path: String,
    basic: BasicAuth,
    alive_time: Option<u32>,
    node: IpAddr,
    /// Locks are held by the session that took them: never swap sessions under a lock.
    pub(crate) locks_held: AtomicU32,
    /// Serialises lock and unlock requests of this session.
    pub(crate) lock_gate: Arc<tokio::sync::Mutex<()>>,
    /// One re-login at a time: concurrent 401s produce one new session, not several.
    refresh_gate: RefreshGate,
    /// No new request may use the session.
    closed: AtomicBool,
    /// The DELETE has been handed to a task (by `close` or by `Drop`): exactly once.
    discard_started: AtomicBool,
}

impl SessionAuth {
    fn id(&self) -> u64 {
        self.state.lock().map(|s| s.id).unwrap_or(0)
    }

    fn token(&self) -> Option<SecretString> {
        self.state.lock().ok().map(|s| s.token.clone())
    }
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("session_id", &self.id())
            .field("token", &"** redacted **")
            .finish()
    }
}

impl Authenticator for SessionAuth {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let token = self
            .token()
            .ok_or_else(|| Error::config("session state unavailable"))?;
        headers.insert(
            AUTHORIZATION,
            sensitive_value(&format!("Session {}", token.expose_secret()))?,
        );
        Ok(())
    }

    fn generation(&self) -> u64 {
        self.refresh_gate.generation()
    }

    fn refresh(&self, stamped: u64) -> BoxFuture<'_, Result<bool, Error>> {
        Box::pin(async move {
            if self.closed.load(Ordering::SeqCst) || self.locks_held.load(Ordering::SeqCst) > 0 {
                return Ok(false);
            }
            // The gate lets one re-login run; requests that saw the same token rejected
            // wait for it and resend with the new one.
            self.refresh_gate
                .refresh(stamped, || async {
                    if self.closed.load(Ordering::SeqCst) {
                        return Ok(false);
                    }
                    let old = self.id();
                    let fresh = login(
                        &self.core,
                        &self.login_path,
                        &self.basic,
                        self.alive_time,
                        Some(self.node),
                    )
                    .await?;
                    tracing::info!(
                        old_session = old,
                        new_session = fresh.0.id,
                        "session expired; logged in again"
                    );
                    if let Ok(mut state) = self.state.lock() {
                        *state = fresh.0;
                    }
                    Ok(true)
                })
                .await
        })
    }
}

impl SessionAuth {
    /// Discards the session on the server; a session the server no longer knows (401,
    /// 404) counts as discarded.
    async fn discard(
        core: Client,
        auth: Arc<SessionAuth>,
        path: String,
        node: IpAddr,
    ) -> Result<(), Error> {
        let request = Request::delete(path).auth(auth).on_node(node);
        let response = core.send(request).await?;
        match response.status() {
            StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND => Ok(()),
            _ => check(response).map(|_| ()),
        }
    }
}

/// `POST sessions` with Basic auth; returns the credentials and the node that answered.
async fn login(
    core: &Client,
    path: &str,
    basic: &BasicAuth,
    alive_time: Option<u32>,
    node: Option<IpAddr>,
) -> Result<(Credentials, IpAddr), Error> {
    let mut request = Request::post(path).auth(Arc::new(basic.clone()));
    if let Some(t) = alive_time {
        request = request.json(&serde_json::json!({ "aliveTime": t }));
    }
    if let Some(ip) = node {
        request = request.on_node(ip);
    }
    let response = check(core.send(request).await?)?;
    let created: Created = response.json()?;
    let id = match &created.session_id {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        Error::from(HitachiError::Unexpected {
            what: "sessionId is not a number".into(),
        })
    })?;
    Ok((
        Credentials {
            id,
            token: SecretString::from(created.token),
        },
        response.node(),
    ))
}

/// Turns a non-2xx response into an error carrying the decoded Hitachi error object.
pub(crate) fn check(response: Response) -> Result<Response, Error> {
    if response.is_success() {
        return Ok(response);
    }
    let error = response.to_error();
    Err(match ApiError::from_body(response.body()) {
        Some(api) => {
            let message = api.to_string();
            error.with_message(message).with_source(HitachiError::Api {
                error: Box::new(api),
            })
        }
        None => error,
    })
}

/// True for a job that failed because a resource was locked or the server was busy: the
/// request was not carried out and may be sent again.
fn transient_job_failure(e: &Error) -> bool {
    match e.detail::<HitachiError>() {
        Some(HitachiError::JobFailed { error, .. }) => {
            (error.is_lock_busy() || error.is_server_busy() || error.says_retry())
                && !error.is_permanent()
        }
        _ => false,
    }
}

/// A logged-in session on one storage system's REST server.
///
/// Cheap to clone. Every request carries `Authorization: Session <token>` and goes to the
/// node (controller) the session was created on, where its jobs live. When the server
/// answers 401 (idle timeout), the session logs in again once and resends, unless it
/// holds a resource lock. [`Session::close`] discards it; a session whose last handle is
/// dropped while open is discarded in the background, so none is left behind even when a
/// future is cancelled.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    client: HitachiClient,
    auth: Arc<SessionAuth>,
    node: IpAddr,
}

impl Session {
    pub(crate) async fn open(client: HitachiClient) -> Result<Session, Error> {
        let basic = client
            .inner
            .credentials
            .clone()
            .ok_or_else(|| Error::config("no credentials: call credentials(user, password)"))?;
        let login_path = client.object_path("/sessions");
        let (credentials, node) = login(
            &client.inner.core,
            &login_path,
            &basic,
            client.inner.alive_time,
            None,
        )
        .await?;
        tracing::debug!(session = credentials.id, %node, "session opened");
        let auth = Arc::new(SessionAuth {
            state: Mutex::new(credentials),
            core: client.inner.core.clone(),
            login_path,
            basic,
            alive_time: client.inner.alive_time,
            node,
            locks_held: AtomicU32::new(0),
            lock_gate: Arc::default(),
            refresh_gate: RefreshGate::new(),
            closed: AtomicBool::new(false),
            discard_started: AtomicBool::new(false),
        });
        let keep_alive = client.inner.keep_alive;
        let session = Session {
            inner: Arc::new(SessionInner { client, auth, node }),
        };
        if let Some(every) = keep_alive {
            spawn_keep_alive(Arc::downgrade(&session.inner), every);
        }
        Ok(session)
    }

    /// The session id (it changes if the session had to log in again).
    pub fn id(&self) -> u64 {
        self.inner.auth.id()
    }

    /// The node the session lives on.
    pub fn node(&self) -> IpAddr {
        self.inner.node
    }

    /// The client this session belongs to.
    pub fn client(&self) -> &HitachiClient {
        &self.inner.client
    }

    /// True once [`close`](Session::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.auth.closed.load(Ordering::SeqCst)
    }

    /// The current `Remote-Authorization` value, read afresh for every resend (the session
    /// may have logged in again meanwhile).
    pub(crate) fn remote_token(&self) -> SecretString {
        let token = self
            .inner
            .auth
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .token
            .clone();
        SecretString::from(format!("Session {}", token.expose_secret()))
    }

    /// The value for `Remote-Authorization` when this session is on the *remote* array of
    /// a remote operation: `Session <token>`.
    pub fn remote_authorization(&self) -> Result<SecretString, Error> {
        let token = self
            .inner
            .auth
            .token()
            .ok_or_else(|| Error::config("session state unavailable"))?;
        Ok(SecretString::from(format!(
            "Session {}",
            token.expose_secret()
        )))
    }

    /// Discards the session on the server (`DELETE sessions/{id}`). Later calls fail.
    ///
    /// The DELETE runs in its own task: cancelling `close` does not cancel the discard. A
    /// session the server has already dropped (idle timeout) counts as discarded.
    pub async fn close(&self) -> Result<(), Error> {
        let auth = &self.inner.auth;
        auth.closed.store(true, Ordering::SeqCst);
        if auth.discard_started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let id = self.id();
        let task = tokio::spawn(SessionAuth::discard(
            self.inner.client.inner.core.clone(),
            auth.clone(),
            self.inner.client.object_path(&format!("/sessions/{id}")),
            self.inner.node,
        ));
        match task.await {
            Ok(result) => {
                result?;
                tracing::debug!(session = id, "session discarded");
                Ok(())
            }
            Err(e) => Err(Error::new(storkit_core::ErrorKind::Cancelled)
                .with_message(format!("discarding session {id}: {e}"))),
        }
    }

    /// Prepares a request of this session: its credentials and its node.
    pub fn prepare(&self, request: Request) -> Request {
        request
            .auth(self.inner.auth.clone())
            .on_node(self.inner.node)
    }

    /// Sends a request in this session and returns the response whatever its status.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        if self.is_closed() {
            return Err(Error::config("the session is closed"));
        }
        self.inner
            .client
            .inner
            .core
            .send(self.prepare(request))
            .await
    }

    /// GETs a path (relative to the server, e.g. from `affectedResources`) and decodes it.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        check(self.send(Request::get(path)).await?)?.json()
    }

    /// GETs an object of this storage system: `rest` is relative to the object URL
    /// (e.g. `/ldevs/347`).
    pub async fn get_object<T: DeserializeOwned>(&self, rest: &str) -> Result<T, Error> {
        self.get_json(&self.inner.client.object_path(rest)).await
    }

    /// A job by id.
    pub async fn job(&self, job_id: u64) -> Result<Job, Error> {
        self.get_object(&format!("/jobs/{job_id}")).await
    }

    /// Runs an asynchronous request: sends it with `Response-Job-Status: Completed`, then
    /// polls its job with the client's poll policy until it finishes. A job that ends
    /// `Failed` is a [`HitachiError::JobFailed`] carrying the job's error object.
    ///
    /// `make` builds the request; it is called again when a job failed because a resource
    /// was locked or the server was busy, within the client's retry limits.
    pub async fn run_job<F>(&self, make: F) -> Result<Job, Error>
    where
        F: Fn() -> Request,
    {
        self.run_job_inner(make, true).await
    }

    /// As [`run_job`](Session::run_job), but a failed job is never sent again (for
    /// requests a resend cannot fix, such as an unlock refused to a non-holder).
    pub async fn run_job_once<F>(&self, make: F) -> Result<Job, Error>
    where
        F: Fn() -> Request,
    {
        self.run_job_inner(make, false).await
    }

    /// As [`run_job`](Session::run_job) for a remote operation: every send carries
    /// `Remote-Authorization` with the *current* token of `remote` (a session on the
    /// remote array), read afresh for each resend.
    pub async fn run_remote_job<F>(&self, remote: &Session, make: F) -> Result<Job, Error>
    where
        F: Fn() -> Request,
    {
        self.run_job(|| make().sensitive_header(REMOTE_AUTHORIZATION, &remote.remote_token()))
            .await
    }

    async fn run_job_inner<F>(&self, make: F, resend: bool) -> Result<Job, Error>
    where
        F: Fn() -> Request,
    {
        // Job-level resends (a job that failed on a lock or a busy server) follow the
        // client's retry policy, through the core's retry loop.
        let policy = if resend {
            self.inner.client.inner.retry.clone()
        } else {
            storkit_core::RetryPolicy::never()
        };
        policy
            .run(
                |_| self.job_attempt(&make),
                |e: &Error| transient_job_failure(e),
            )
            .await
    }

    async fn job_attempt<F>(&self, make: &F) -> Result<Job, Error>
    where
        F: Fn() -> Request,
    {
        let request = make()
            .header(RESPONSE_JOB_STATUS, "Completed")
            .timeout(self.inner.client.inner.job_timeout);
        let (method, path) = (request.method().clone(), request.path().to_owned());
        let response = check(self.send(request).await?)?;
        let Some(job) = Job::from_body(response.body()) else {
            return Err(response.decode_error(
                "the server accepted the request but sent no job object",
                HitachiError::Unexpected {
                    what: "no job object".into(),
                },
            ));
        };
        let job = if job.is_finished() {
            job
        } else {
            self.wait(job).await?
        };
        match (&job.state, &job.error) {
            (JobState::Succeeded, None) => Ok(job),
            (JobState::Failed, _) | (_, Some(_)) => Err(Error::from(HitachiError::JobFailed {
                job_id: job.job_id,
                error: Box::new(job.error.clone().unwrap_or_default()),
                job: Box::new(job),
            })
            .with_request(&method, &path)),
            (state, None) => Err(Error::from(HitachiError::Unexpected {
                what: format!("job {} finished in state {state}", job.job_id),
            })
            .with_request(&method, &path)),
        }
    }

    /// Waits for a job to finish, polling with the client's poll policy.
    pub async fn wait(&self, job: Job) -> Result<Job, Error> {
        let path = job.self_path.clone().unwrap_or_else(|| {
            self.inner
                .client
                .object_path(&format!("/jobs/{}", job.job_id))
        });
        let job_id = job.job_id;
        let mut poller = Poller::new(self.inner.client.inner.poll.clone());
        let result = poller
            .run(
                |_| {
                    let path = path.clone();
                    async move {
                        let job: Job = self.get_json(&path).await?;
                        Ok::<_, Error>(if job.is_finished() {
                            PollStep::Done(job)
                        } else {
                            PollStep::Pending(job.status.to_string())
                        })
                    }
                },
                |event| {
                    tracing::debug!(job = job_id, poll = event.attempt, status = %event.status, "job not finished yet");
                },
            )
            .await;
        result.map_err(|e| match e {
            PollError::Fetch { source, .. } => source,
            // The job was accepted and may still finish: its outcome is unknown.
            other => Error::new(ErrorKind::Poll)
                .with_phase(storkit_core::Phase::MaybeSent)
                .with_message(format!("job {job_id}: {other}"))
                .with_source(other),
        })
    }

    pub(crate) fn auth(&self) -> &Arc<SessionAuth> {
        &self.inner.auth
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id())
            .field("node", &self.inner.node)
            .field(
                "storage_device_id",
                &self.inner.client.storage_device_id().as_str(),
            )
            .field("token", &"** redacted **")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.auth.closed.store(true, Ordering::SeqCst);
        if self.auth.discard_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let id = self.auth.id();
        tracing::warn!(
            session = id,
            "session dropped while open; discarding it in the background"
        );
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::error!(
                session = id,
                "no runtime to discard the session; it expires on the server"
            );
            return;
        };
        let discard = SessionAuth::discard(
            self.client.inner.core.clone(),
            self.auth.clone(),
            self.client.object_path(&format!("/sessions/{id}")),
            self.node,
        );
        handle.spawn(async move {
            match discard.await {
                Ok(()) => tracing::debug!(session = id, "dropped session discarded"),
                Err(e) => {
                    tracing::warn!(session = id, error = %e, "could not discard a dropped session")
                }
            }
        });
    }
}

fn spawn_keep_alive(session: Weak<SessionInner>, every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(inner) = session.upgrade() else {
                return;
            };
            if inner.auth.closed.load(Ordering::SeqCst) {
                return;
            }
            let path = inner
                .client
                .object_path(&format!("/sessions/{}", inner.auth.id()));
            let request = Request::get(path)
                .auth(inner.auth.clone())
                .on_node(inner.node);
            let core = inner.client.inner.core.clone();
            // Do not hold the session alive across the request.
            drop(inner);
            match core.send(request).await {
                Ok(r) if r.status() == StatusCode::OK => {}
                Ok(r) => tracing::warn!(status = r.status().as_u16(), "session keep-alive refused"),
                Err(e) => tracing::warn!(error = %e, "session keep-alive failed"),
            }
        }
    });
}
