//! Sessions: `Authorization: Session <token>`, always discarded, re-created once on 401.
//!
//! The login itself is a [`TokenLogin`] ([`HitachiLogin`]) run by the core's
//! [`TokenSession`]: one login at a time, one re-login for any number of concurrent 401s,
//! the discard on close and in the background on drop. What is Hitachi's stays here: the
//! node affinity (every request and every re-login on the node of the first login), no
//! re-login while a resource lock is held ([`TokenLogin::may_relogin`]), the keep-alive,
//! `Remote-Authorization`, and jobs.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use storkit_core::auth::{BoxFuture, sensitive_value};
use storkit_core::http::header::AUTHORIZATION;
use storkit_core::http::{HeaderMap, StatusCode};
use storkit_core::poll::{PollError, PollStep, Poller};
use storkit_core::secrecy::{ExposeSecret, SecretString};
use storkit_core::session::{Token, TokenLogin, TokenSession};
use storkit_core::{BasicAuth, Client, Error, ErrorKind, Request, Response, RetryBudget};

use crate::client::HitachiClient;
use crate::error::{ApiError, HitachiError};
use crate::jobs::{Change, Job};

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

/// What a session's login and its [`Session`] handles share.
#[derive(Default)]
pub(crate) struct SessionShared {
    /// The node of the first login: every later request and login goes there.
    node: OnceLock<IpAddr>,
    /// The sessionId of the last login, for [`Session::id`] once the token is gone.
    last_id: AtomicU64,
    /// Locks are held by the session that took them: never swap sessions under a lock.
    pub(crate) locks_held: AtomicU32,
    /// Serialises lock and unlock requests of this session.
    pub(crate) lock_gate: Arc<tokio::sync::Mutex<()>>,
}

/// The Hitachi login for the core's [`TokenSession`]: `POST sessions` with Basic auth
/// (and `aliveTime` when set), on the session's node once known; `DELETE sessions/{id}`
/// to discard; `Authorization: Session <token>` on requests. The token's id is the
/// sessionId. Tokens carry no expiry: `aliveTime` is an idle timeout that every request
/// extends, so an idle session is found expired by its 401 and logged in again.
struct HitachiLogin {
    basic: BasicAuth,
    /// `<object URL>/sessions`.
    sessions_path: String,
    alive_time: Option<u32>,
    shared: Arc<SessionShared>,
}

impl HitachiLogin {
    fn node(&self) -> Option<IpAddr> {
        self.shared.node.get().copied()
    }
}

impl fmt::Debug for HitachiLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HitachiLogin")
            .field("user", &self.basic.user())
            .field("password", &"** redacted **")
            .field("node", &self.node())
            .finish()
    }
}

/// `Session <token>`, the value of `Authorization` and of `Remote-Authorization`.
fn session_value(token: &SecretString) -> SecretString {
    SecretString::from(format!("Session {}", token.expose_secret()))
}

impl TokenLogin for HitachiLogin {
    fn login<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            // The client's retry policy applies (not `RetryPolicy::never`): the 64-session
            // limit answers 503 and is waited out. A refused login (401) is not resent:
            // the classifier asks for a re-login, and the request has no session to renew.
            let mut request = Request::post(self.sessions_path.as_str())
                .without_auth()
                .header(AUTHORIZATION, self.basic.header_value()?);
            if let Some(t) = self.alive_time {
                request = request.json(&serde_json::json!({ "aliveTime": t }));
            }
            if let Some(ip) = self.node() {
                request = request.on_node(ip);
            }
            let response = check(client.send(request).await?)?;
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
            let node = *self.shared.node.get_or_init(|| response.node());
            self.shared.last_id.store(id, Ordering::SeqCst);
            tracing::debug!(session = id, %node, "session created");
            Ok(Token::new(created.token).with_id(id.to_string()))
        })
    }

    fn logout<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let id = token
                .id()
                .ok_or_else(|| Error::config("the session has no sessionId"))?;
            let mut request = Request::delete(format!("{}/{id}", self.sessions_path))
                .without_auth()
                .sensitive_header(AUTHORIZATION, &session_value(token.secret()));
            if let Some(ip) = self.node() {
                request = request.on_node(ip);
            }
            let response = client.send(request).await?;
            // A session the server no longer knows (idle timeout) counts as discarded.
            match response.status() {
                StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND => Ok(()),
                _ => check(response).map(|_| ()),
            }
        })
    }

    fn stamp(&self, token: &Token, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(
            AUTHORIZATION,
            sensitive_value(session_value(token.secret()).expose_secret())?,
        );
        Ok(())
    }

    /// No new session while this one holds a resource lock: the new one would not own it.
    fn may_relogin(&self) -> bool {
        self.shared.locks_held.load(Ordering::SeqCst) == 0
    }
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
    /// The token: login, re-login, discard (the core's token session).
    tokens: TokenSession,
    shared: Arc<SessionShared>,
    node: IpAddr,
}

impl Session {
    pub(crate) async fn open(client: HitachiClient) -> Result<Session, Error> {
        let basic = client
            .inner
            .credentials
            .clone()
            .ok_or_else(|| Error::config("no credentials: call credentials(user, password)"))?;
        let shared = Arc::new(SessionShared::default());
        let login = HitachiLogin {
            basic,
            sessions_path: client.object_path("/sessions"),
            alive_time: client.inner.alive_time,
            shared: Arc::clone(&shared),
        };
        let tokens = TokenSession::new(client.inner.core.clone(), login);
        // Log in now: a session is open once the server created it. Should anything fail
        // from here on, dropping `tokens` discards the session in the background.
        tokens.login().await?;
        let node = shared.node.get().copied().ok_or_else(|| {
            Error::from(HitachiError::Unexpected {
                what: "the login did not say which node answered".into(),
            })
        })?;
        let keep_alive = client.inner.keep_alive;
        let session = Session {
            inner: Arc::new(SessionInner {
                client,
                tokens,
                shared,
                node,
            }),
        };
        tracing::debug!(session = session.id(), %node, "session opened");
        if let Some(every) = keep_alive {
            spawn_keep_alive(Arc::downgrade(&session.inner), every);
        }
        Ok(session)
    }

    /// The session id (it changes if the session had to log in again).
    pub fn id(&self) -> u64 {
        self.inner.id()
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
        self.inner.tokens.is_closed()
    }

    /// The value for `Remote-Authorization` when this session is on the *remote* array of
    /// a remote operation: `Session <token>`, the session's current token (read afresh:
    /// the session may have logged in again meanwhile). Fails once the session is closed.
    pub fn remote_authorization(&self) -> Result<SecretString, Error> {
        // The session's own `Authorization` value is exactly what the remote side wants.
        let mut headers = HeaderMap::new();
        self.inner.tokens.authenticator().stamp(&mut headers)?;
        let value = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::config("the session has no token"))?;
        Ok(SecretString::from(value.to_owned()))
    }

    /// Discards the session on the server (`DELETE sessions/{id}`). Later calls fail.
    ///
    /// The DELETE runs in its own task: cancelling `close` does not cancel the discard. A
    /// session the server has already dropped (idle timeout) counts as discarded.
    pub async fn close(&self) -> Result<(), Error> {
        self.inner.tokens.close().await
    }

    /// Prepares a request of this session: its credentials and its node.
    pub fn prepare(&self, request: Request) -> Request {
        request
            .auth(self.inner.tokens.authenticator())
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

    /// An asynchronous request as a [`Change`]: awaited, it is sent with
    /// `Response-Job-Status: Completed` and its job polled with the client's poll policy
    /// until it finishes; a job that ends `Failed` is a [`HitachiError::JobFailed`]
    /// carrying the job's error object. For requests this crate does not model.
    ///
    /// `make` builds the request; it is called again when a job failed because a resource
    /// was locked or the server was busy, within the change's retry budget
    /// ([`RetryWaits`](crate::RetryWaits)).
    pub fn run_job<F>(&self, make: F) -> Change<Job>
    where
        F: Fn() -> Request + Send + Sync + 'static,
    {
        Change::new(self, move || Ok(make()))
    }

    /// Waits for a job to finish, polling with the client's poll policy.
    pub async fn wait(&self, job: Job) -> Result<Job, Error> {
        self.wait_in(job, None).await
    }

    /// As [`wait`](Self::wait), each poll's retries counted in `budget` (a change's).
    pub(crate) async fn wait_in(
        &self,
        job: Job,
        budget: Option<&RetryBudget>,
    ) -> Result<Job, Error> {
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
                    let mut request = Request::get(path.clone());
                    if let Some(b) = budget {
                        request = request.retry_budget(b);
                    }
                    async move {
                        let job: Job = check(self.send(request).await?)?.json()?;
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

    /// The lock state this session shares with its login (see [`crate::locks`]).
    pub(crate) fn shared(&self) -> &Arc<SessionShared> {
        &self.inner.shared
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

impl SessionInner {
    /// The sessionId of the current token; the last one once the token is gone (closed,
    /// or a re-login failed).
    fn id(&self) -> u64 {
        self.tokens
            .token_id()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| self.shared.last_id.load(Ordering::SeqCst))
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        // The discard itself is the token session's: dropping `tokens`, next, runs it in
        // the background.
        if !self.tokens.is_closed() {
            tracing::warn!(
                session = self.id(),
                "session dropped while open; discarding it in the background"
            );
        }
    }
}

fn spawn_keep_alive(session: Weak<SessionInner>, every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(inner) = session.upgrade() else {
                return;
            };
            if inner.tokens.is_closed() {
                return;
            }
            let path = inner
                .client
                .object_path(&format!("/sessions/{}", inner.id()));
            let request = Request::get(path)
                .auth(inner.tokens.authenticator())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::sync::Mutex;

    use super::*;
    use crate::testing;
    use storkit_core::TlsPolicy;
    use storkit_mock::{MockServer, ServerConfig, reply};

    /// One request as the server saw it: method, path, node, `Authorization`.
    type Seen = (String, String, IpAddr, String);

    /// A REST server on two nodes: each login makes session N with token `tok-N`; token
    /// `tok-1` has expired (401) everywhere but on session discards and lock requests.
    struct TwoNodes {
        server: MockServer,
        seen: Arc<Mutex<Vec<Seen>>>,
        nodes: [IpAddr; 2],
    }

    impl TwoNodes {
        async fn start(a: u8, b: u8) -> TwoNodes {
            let nodes = [IpAddr::from([127, 0, 0, a]), IpAddr::from([127, 0, 0, b])];
            let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
            let logins = Arc::new(AtomicU64::new(0));
            let log = Arc::clone(&seen);
            let handler = testing::handler(move |req, ctx| {
                let method = req.method().to_string();
                let path = req.uri().path().to_owned();
                let auth = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                log.lock().unwrap().push((
                    method.clone(),
                    path.clone(),
                    ctx.node.ip(),
                    auth.clone(),
                ));
                let (status, body) = if method == "POST" && path.ends_with("/sessions") {
                    let n = logins.fetch_add(1, Ordering::SeqCst) + 1;
                    (
                        200,
                        serde_json::json!({"token": format!("tok-{n}"), "sessionId": n}),
                    )
                } else if path.contains("/sessions/") || path.contains("/resource-group-service/") {
                    (202, testing::job("/"))
                } else if auth == "Session tok-1" {
                    (
                        401,
                        serde_json::json!({"message": "The specified token is invalid"}),
                    )
                } else {
                    (200, serde_json::json!({"data": []}))
                };
                let status = storkit_core::http::StatusCode::from_u16(status).unwrap();
                std::future::ready(reply::json(status, body.to_string()))
            });
            // A host name, so that the client's node list decides where TCP goes.
            let config = ServerConfig::new()
                .ips(nodes)
                .host_name("array.example.test");
            let server = MockServer::start(config, handler).await.unwrap();
            TwoNodes {
                server,
                seen,
                nodes,
            }
        }

        async fn client(&self) -> HitachiClient {
            HitachiClient::builder(self.server.url())
                .nodes(self.nodes)
                .credentials("u", "p".to_owned())
                .storage_device_id(testing::SDID.parse().unwrap())
                .tls(TlsPolicy::default())
                .build()
                .await
                .unwrap()
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }

        fn logins(&self) -> usize {
            self.seen()
                .iter()
                .filter(|(m, p, ..)| m == "POST" && p.ends_with("/sessions"))
                .count()
        }
    }

    fn ldevs(client: &HitachiClient) -> Request {
        Request::get(client.object_path("/ldevs"))
    }

    #[tokio::test]
    async fn a_relogin_and_the_discard_stay_on_the_node_of_the_first_login() {
        let two = TwoNodes::start(214, 215).await;
        let client = two.client().await;
        // Without a session, the pool alternates between the nodes.
        for _ in 0..2 {
            let _ = client.core().send(ldevs(&client).without_auth()).await;
        }
        let spread: Vec<IpAddr> = two.seen().iter().map(|s| s.2).collect();
        assert!(
            spread.contains(&two.nodes[0]) && spread.contains(&two.nodes[1]),
            "{spread:?}"
        );

        let sent = two.seen().len();
        let session = client.open_session().await.unwrap();
        let node = session.node();
        assert_eq!(session.id(), 1);
        for _ in 0..3 {
            let response = session.send(ldevs(&client)).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        // One 401 on `tok-1`, one re-login, then `tok-2` throughout.
        assert_eq!(two.logins(), 2);
        assert_eq!(session.id(), 2);
        assert_eq!(
            session.remote_authorization().unwrap().expose_secret(),
            "Session tok-2"
        );
        session.close().await.unwrap();
        assert_eq!(session.id(), 2, "the id outlives the token");
        assert!(session.remote_authorization().is_err());

        let seen = &two.seen()[sent..];
        // Login, 401, login, resend, two more GETs, discard of session 2.
        assert_eq!(seen.len(), 7, "{seen:?}");
        assert!(seen.iter().all(|s| s.2 == node), "{seen:?}");
        let last = &seen[6];
        assert_eq!(last.0, "DELETE");
        assert!(last.1.ends_with("/sessions/2"), "{last:?}");
        assert_eq!(last.3, "Session tok-2");
    }

    #[tokio::test]
    async fn no_relogin_while_a_lock_is_held() {
        let two = TwoNodes::start(216, 217).await;
        let client = two.client().await;
        let session = client.open_session().await.unwrap();
        let lock = session
            .lock_resources(Duration::from_secs(1))
            .await
            .unwrap();

        // The token expired under the lock: a new session would not own the lock, so the
        // 401 comes back to the caller.
        let response = session.send(ldevs(&client)).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.attempts(), 1);
        assert_eq!(two.logins(), 1);
        assert_eq!(session.id(), 1);

        // Unlocked: the next 401 logs in again once.
        lock.unlock().await.unwrap();
        let response = session.send(ldevs(&client)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.attempts(), 2);
        assert_eq!(two.logins(), 2);
        assert_eq!(session.id(), 2);
        session.close().await.unwrap();
    }
}
