//! Token sessions: log in lazily, renew before expiry, log in again once when the server
//! says the token expired, adopt rotated tokens, log out on close or drop.
//!
//! A vendor crate describes its login in a [`TokenLogin`] (send the login request, read
//! the token, send the logout request, write the token into a request); a
//! [`TokenSession`] does the rest:
//!
//! - **Lazy login, one at a time.** The first request logs in; any number of concurrent
//!   requests wait for that one login ([`RefreshGate`]).
//! - **Renewal before expiry.** A token that expires within the renewal margin (default
//!   30 s, at most half the token's lifetime) is replaced before the request is sent;
//!   the replaced token is logged out in the background (requests still carrying it get
//!   the new one through the relogin-once path).
//! - **Relogin once on "expired".** When the vendor [`Classifier`](crate::Classifier)
//!   answers [`Verdict::Reauthenticate`](crate::Verdict::Reauthenticate), the session logs
//!   in again (once for all the requests that saw the same token rejected) and the
//!   transport resends each request once. A classifier answers
//!   [`Verdict::Done`](crate::Verdict::Done) for "locked" or "wrong password": no relogin.
//! - **Not now.** A vendor whose server ties state to the token (a lock taken by the
//!   session, say) answers `false` from [`TokenLogin::may_relogin`] while that state
//!   exists: the token is then never replaced, neither renewed nor logged in again, and
//!   a rejection goes back to the caller.
//! - **No login loops.** A login is never retried by the session: its error is the error
//!   of the request, and the requests that were waiting for it get the same error. A
//!   login refused for its credentials ([`TokenLogin::is_credentials_error`]: wrong
//!   password, locked account) is final: later requests fail at once without a login
//!   until [`TokenSession::reset_login_failure`], so a wrong password cannot lock the
//!   account by repetition.
//! - **Rotation.** A response that carries a new token ([`TokenLogin::rotated`]) replaces
//!   the old one for the next requests.
//! - **Logout.** [`TokenSession::close`] logs out once; when the last `TokenSession`
//!   handle is dropped with a token, the logout runs in the background on the current
//!   tokio runtime.
//!
//! The token is a [`SecretString`], every header the vendor writes should be marked
//! sensitive ([`sensitive_value`](crate::auth::sensitive_value)), and no `Debug`, log line
//! or error of this module shows it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//!
//! use storkit_core::auth::{BoxFuture, sensitive_value};
//! use storkit_core::http::HeaderMap;
//! use storkit_core::secrecy::{ExposeSecret, SecretString};
//! use storkit_core::session::{Token, TokenLogin, TokenSession};
//! use storkit_core::{Client, Error, Request, RetryPolicy};
//! # use storkit_core::http::{Method, StatusCode};
//! # let ip: std::net::IpAddr = "127.0.5.250".parse()?;
//! # let mock = storkit_mock::MockServer::start(
//! #     storkit_mock::ServerConfig::new().ips([ip]),
//! #     |req: storkit_core::http::Request<hyper::body::Incoming>, _ctx| async move {
//! #         let token = req.headers().get("x-auth-token").cloned();
//! #         let password = req.headers().get("x-auth-key").cloned();
//! #         match (req.method().clone(), req.uri().path()) {
//! #             (Method::POST, "/session") if password.is_some_and(|p| p == "pw") => {
//! #                 let mut r = storkit_mock::reply::json(StatusCode::OK, r#"{"validity":600000}"#);
//! #                 storkit_mock::reply::append_header(&mut r, "x-auth-token", "t-1");
//! #                 r
//! #             }
//! #             (_, "/session") if token.as_ref().is_some_and(|t| t == "t-1") => {
//! #                 storkit_mock::reply::status(StatusCode::NO_CONTENT)
//! #             }
//! #             (Method::GET, "/data") if token.is_some_and(|t| t == "t-1") => {
//! #                 storkit_mock::reply::json(StatusCode::OK, "{}")
//! #             }
//! #             _ => storkit_mock::reply::status(StatusCode::UNAUTHORIZED),
//! #         }
//! #     },
//! # ).await?;
//!
//! /// A vendor's login: a header pair in, a token header out, `DELETE /session` to leave.
//! #[derive(Debug)]
//! struct HeaderLogin {
//!     user: String,
//!     key: SecretString,
//! }
//!
//! impl TokenLogin for HeaderLogin {
//!     fn login<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Token, Error>> {
//!         Box::pin(async move {
//!             let request = Request::post("/session")
//!                 .without_auth()
//!                 .retry_policy(RetryPolicy::never())
//!                 .header("x-auth-user", self.user.as_str())
//!                 .sensitive_header("x-auth-key", &self.key);
//!             let response = client.send(request).await?.error_for_status()?;
//!             let token = response
//!                 .headers()
//!                 .get("x-auth-token")
//!                 .and_then(|v| v.to_str().ok())
//!                 .ok_or_else(|| Error::decode("the login answer has no token"))?;
//!             #[derive(serde::Deserialize)]
//!             struct Answer {
//!                 validity: u64,
//!             }
//!             let answer: Answer = response.json()?;
//!             Ok(Token::new(token).with_lifetime(Duration::from_millis(answer.validity)))
//!         })
//!     }
//!
//!     fn logout<'a>(
//!         &'a self,
//!         client: &'a Client,
//!         token: &'a Token,
//!     ) -> BoxFuture<'a, Result<(), Error>> {
//!         Box::pin(async move {
//!             let request = Request::delete("/session")
//!                 .without_auth()
//!                 .sensitive_header("x-auth-token", token.secret());
//!             client.send(request).await?.error_for_status()?;
//!             Ok(())
//!         })
//!     }
//!
//!     fn stamp(&self, token: &Token, headers: &mut HeaderMap) -> Result<(), Error> {
//!         headers.insert("x-auth-token", sensitive_value(token.secret().expose_secret())?);
//!         Ok(())
//!     }
//! }
//!
//! # let url = mock.urls()[0].clone();
//! let client = Client::builder(url).build()?;
//! let session = TokenSession::builder(
//!     client,
//!     HeaderLogin { user: "admin".into(), key: SecretString::from("pw") },
//! )
//! .renew_margin(Duration::from_secs(60))
//! .build();
//!
//! // The first request logs in; later ones reuse the token.
//! let response = session.send(Request::get("/data")).await?;
//! assert!(response.is_success());
//! // Or put the session's credentials on a request yourself.
//! let request = Request::get("/data").auth(session.authenticator());
//! assert!(session.client().send(request).await?.is_success());
//!
//! session.close().await?;
//! assert!(session.send(Request::get("/data")).await.is_err());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::auth::{Authenticator, BoxFuture, RefreshGate};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Phase};
use crate::request::Request;
use crate::response::{Response, StreamingResponse};

/// The renewal margin of [`TokenSessionBuilder`] unless set.
pub const DEFAULT_RENEW_MARGIN: Duration = Duration::from_secs(30);

/// A session token: the secret, when it expires, and an optional id that is not secret.
///
/// `Debug` prints the id and the remaining lifetime, never the secret.
#[derive(Clone)]
pub struct Token {
    secret: SecretString,
    issued: Instant,
    expires: Option<Instant>,
    id: Option<String>,
}

impl Token {
    /// A token issued now, without a known expiry.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Token {
            secret: secret.into(),
            issued: Instant::now(),
            expires: None,
            id: None,
        }
    }

    /// Expires `lifetime` after it was issued (the validity a login answer gives).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.expires = Some(self.issued + lifetime);
        self
    }

    /// Expires at `at`.
    pub fn expires_at(mut self, at: Instant) -> Self {
        self.expires = Some(at);
        self
    }

    /// A non-secret id (a session id or uuid), shown by `Debug` and in logs.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The secret, for [`TokenLogin::stamp`] and [`TokenLogin::logout`].
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The non-secret id, if the login gave one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// When the token expires, if known.
    pub fn expiry(&self) -> Option<Instant> {
        self.expires
    }

    /// When the token was issued (created by [`Token::new`]).
    pub fn issued(&self) -> Instant {
        self.issued
    }

    /// True when the token expires within `margin` from now. The margin is capped at
    /// half the token's lifetime, so a token that lives shorter than the margin is not
    /// renewed on every request. A token without an expiry never expires here.
    pub fn expires_within(&self, margin: Duration) -> bool {
        let Some(expires) = self.expires else {
            return false;
        };
        let lifetime = expires.saturating_duration_since(self.issued);
        let margin = margin.min(lifetime / 2);
        Instant::now() + margin >= expires
    }

    fn same_secret(&self, other: &Token) -> bool {
        self.secret.expose_secret() == other.secret.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_in = self
            .expires
            .map(|at| at.saturating_duration_since(Instant::now()));
        f.debug_struct("Token")
            .field("id", &self.id)
            .field("secret", &"** redacted **")
            .field("expires_in", &expires_in)
            .finish()
    }
}

/// A vendor's login and logout, the model for [`TokenSession`].
///
/// The session owns the implementation: it must not hold the [`TokenSession`] (or
/// anything that holds it). The methods send their own requests on the session's client.
/// A login request must use
/// [`Request::without_auth`] (the session's credentials are what it is making) and
/// should use [`RetryPolicy::never`](crate::RetryPolicy::never): a login is not resent
/// blindly, since some systems lock an account after a few refused logins.
pub trait TokenLogin: Send + Sync + fmt::Debug + 'static {
    /// Logs in and returns the token, with its lifetime when the server gives one
    /// ([`Token::with_lifetime`]). A refused login is an error whose kind says why
    /// ([`is_credentials_error`](TokenLogin::is_credentials_error)); its message, status
    /// and body must not contain the password.
    fn login<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Token, Error>>;

    /// Logs the token out. A token the server no longer knows should count as logged out
    /// (`Ok`). The request must use [`Request::without_auth`] and carry the token itself
    /// ([`Request::sensitive_header`]).
    fn logout<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Writes the token into a request's headers, marked sensitive
    /// ([`sensitive_value`](crate::auth::sensitive_value)).
    fn stamp(&self, token: &Token, headers: &mut HeaderMap) -> Result<(), Error>;

    /// A new token carried by a response (token rotation), or `None`. `current` is the
    /// token in use, so that an implementation can keep its id or expiry. A response that
    /// repeats the current token, or one the session already replaced, changes nothing.
    /// The default never rotates.
    fn rotated(&self, current: &Token, headers: &HeaderMap) -> Option<Token> {
        let _ = (current, headers);
        None
    }

    /// Whether the session may replace its token now: log in again after the server
    /// rejected it, or renew it before expiry. Asked before each such login; a login
    /// already under way is not stopped. While it answers `false`, a token about to
    /// expire is used as it is, and a request whose token was rejected gets the
    /// rejection ([`Authenticator::refresh`] answers `Ok(false)`). A first login, or a
    /// login after a failed one (no token in place), is not asked about.
    ///
    /// For a server that ties state to the token, such as a lock the session took that a
    /// new token would not own. It is called with no lock of the session held, but must
    /// be quick and must not use the session. The default always allows.
    fn may_relogin(&self) -> bool {
        true
    }

    /// True when a login error means the credentials themselves were refused (wrong
    /// password, locked or disabled account): the session then stops logging in until
    /// [`TokenSession::reset_login_failure`]. The default says so for
    /// [`ErrorKind::Unauthenticated`] and [`ErrorKind::PermissionDenied`]; a vendor whose
    /// refusals come with another status maps them to one of these kinds
    /// ([`Error::with_kind`]) or overrides this method.
    fn is_credentials_error(&self, error: &Error) -> bool {
        matches!(
            error.kind(),
            ErrorKind::Unauthenticated | ErrorKind::PermissionDenied
        )
    }
}

/// Configures a [`TokenSession`].
#[derive(Debug)]
pub struct TokenSessionBuilder {
    client: Client,
    login: Box<dyn TokenLogin>,
    renew_margin: Duration,
    logout_on_drop: bool,
}

impl TokenSessionBuilder {
    /// Renew a token this long before it expires (default
    /// [`DEFAULT_RENEW_MARGIN`], 30 s; at most half the token's lifetime).
    pub fn renew_margin(mut self, margin: Duration) -> Self {
        self.renew_margin = margin;
        self
    }

    /// Whether dropping the last handle of a session that holds a token logs it out in
    /// the background (default `true`).
    pub fn logout_on_drop(mut self, yes: bool) -> Self {
        self.logout_on_drop = yes;
        self
    }

    /// The session. No request is sent until the first use.
    pub fn build(self) -> TokenSession {
        let core = Arc::new_cyclic(|me| SessionCore {
            me: Weak::clone(me),
            client: self.client,
            login: self.login,
            renew_margin: self.renew_margin,
            gate: RefreshGate::new(),
            state: Mutex::new(State::default()),
        });
        TokenSession {
            handle: Arc::new(Handle {
                core,
                logout_on_drop: self.logout_on_drop,
            }),
        }
    }
}

/// A token session on one system: lazy login, renewal, relogin on expiry, rotation and
/// logout, for a vendor's [`TokenLogin`]. See the [module docs](self).
///
/// Cheap to clone; clones share the token. Put the session's credentials on requests
/// with [`authenticator`](TokenSession::authenticator) (or send through
/// [`send`](TokenSession::send)). The session owns its client and its [`TokenLogin`]:
/// neither may hold the session (or a vendor client that holds it), or the session is
/// never dropped and never logs out.
///
/// When the last handle is dropped the session is closed: requests that still hold its
/// authenticator fail, and a token is logged out in the background (when a tokio runtime
/// is running).
#[derive(Clone)]
pub struct TokenSession {
    handle: Arc<Handle>,
}

impl TokenSession {
    /// A session with the default settings; see [`builder`](TokenSession::builder).
    pub fn new(client: Client, login: impl TokenLogin) -> Self {
        TokenSession::builder(client, login).build()
    }

    /// A builder for a session that logs in on `client` with `login`.
    pub fn builder(client: Client, login: impl TokenLogin) -> TokenSessionBuilder {
        TokenSessionBuilder {
            client,
            login: Box::new(login),
            renew_margin: DEFAULT_RENEW_MARGIN,
            logout_on_drop: true,
        }
    }

    fn core(&self) -> &Arc<SessionCore> {
        &self.handle.core
    }

    /// The credentials to put on requests ([`Request::auth`]). Holding it does not keep
    /// the session open: once every `TokenSession` handle is gone, requests using it fail.
    pub fn authenticator(&self) -> Arc<dyn Authenticator> {
        Arc::clone(self.core()) as Arc<dyn Authenticator>
    }

    /// The client the session logs in with.
    pub fn client(&self) -> &Client {
        &self.core().client
    }

    /// Sends a request with the session's credentials and reads the whole response.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        self.core()
            .client
            .send(request.auth(self.authenticator()))
            .await
    }

    /// Sends a request with the session's credentials and returns at the response head.
    pub async fn send_streaming(&self, request: Request) -> Result<StreamingResponse, Error> {
        self.core()
            .client
            .send_streaming(request.auth(self.authenticator()))
            .await
    }

    /// Logs in now unless a token that is not about to expire is in place (to check the
    /// credentials early). Requests do this by themselves.
    pub async fn login(&self) -> Result<(), Error> {
        self.core().ensure_token().await
    }

    /// Logs the token out and closes the session; later requests fail with an
    /// [`ErrorKind::Config`] error "session closed". The logout is sent once, whatever the
    /// number of calls, and runs in its own task: cancelling `close` does not cancel it.
    pub async fn close(&self) -> Result<(), Error> {
        let Some(token) = self.core().close_and_take() else {
            return Ok(());
        };
        let core = Arc::clone(self.core());
        let task = tokio::spawn(async move { core.logout(token).await });
        match task.await {
            Ok(result) => result,
            Err(e) => Err(Error::new(ErrorKind::Cancelled)
                .with_message(format!("the logout task did not finish: {e}"))),
        }
    }

    /// True once the session is closed.
    pub fn is_closed(&self) -> bool {
        self.core().state().closed
    }

    /// True when a token is in place and not about to expire.
    pub fn is_logged_in(&self) -> bool {
        let core = self.core();
        let state = core.state();
        state
            .token
            .as_ref()
            .is_some_and(|t| !t.expires_within(core.renew_margin))
    }

    /// The non-secret id of the current token, if the login gave one.
    pub fn token_id(&self) -> Option<String> {
        self.core()
            .state()
            .token
            .as_ref()
            .and_then(|t| t.id.clone())
    }

    /// Forgets a login refused for its credentials, so that the next request logs in
    /// again (once the account is unlocked, for example).
    pub fn reset_login_failure(&self) {
        self.core().state().refused = None;
    }
}

impl fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core().describe("TokenSession", f)
    }
}

/// What the user-facing handles share; dropping it closes the session.
struct Handle {
    core: Arc<SessionCore>,
    logout_on_drop: bool,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let Some(token) = self.core.close_and_take() else {
            return;
        };
        if !self.logout_on_drop {
            tracing::debug!(token_id = ?token.id, "session dropped; the token is left to expire");
            return;
        }
        tracing::info!(token_id = ?token.id, "session dropped while logged in; logging out in the background");
        self.core.logout_in_background(token);
    }
}

/// Why a login is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// No token yet, or it is about to expire.
    Missing,
    /// The server rejected the token of generation `stamped`.
    Rejected,
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    closed: bool,
    /// Login attempts started, to tell waiters that an attempt ran (and failed) while
    /// they waited.
    attempts: u64,
    /// The failure of the last login attempt, while no login succeeded since.
    last_failure: Option<Error>,
    /// A login refused for its credentials: no login until reset.
    refused: Option<Error>,
}

/// The session itself, and the authenticator requests hold.
struct SessionCore {
    /// This core, for the tasks it spawns.
    me: Weak<SessionCore>,
    client: Client,
    login: Box<dyn TokenLogin>,
    renew_margin: Duration,
    gate: RefreshGate,
    state: Mutex<State>,
}

impl SessionCore {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn describe(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct(name)
            .field("login", &self.login)
            .field("token", &state.token)
            .field("closed", &state.closed)
            .finish()
    }

    /// True when a login is needed before the next request: no token, or one about to
    /// expire that may be replaced (`may_replace`, the answer of
    /// [`TokenLogin::may_relogin`]).
    fn needs_login(&self, state: &State, may_replace: bool) -> bool {
        state
            .token
            .as_ref()
            .is_none_or(|t| may_replace && t.expires_within(self.renew_margin))
    }

    /// Marks the session closed and takes the token to log out, once.
    fn close_and_take(&self) -> Option<Token> {
        let mut state = self.state();
        state.closed = true;
        state.token.take()
    }

    /// A token in place that is not about to expire: logs in if needed.
    async fn ensure_token(&self) -> Result<(), Error> {
        let may_replace = self.login.may_relogin();
        let (seen, attempts) = {
            let state = self.state();
            check_open(&state)?;
            if !self.needs_login(&state, may_replace) {
                return Ok(());
            }
            (self.gate.generation(), state.attempts)
        };
        self.relogin(seen, attempts, Why::Missing).await
    }

    /// Runs a login through the gate, in a task of its own: a request cancelled while it
    /// waits (its deadline passed) does not cancel the login the others wait for, nor lose
    /// the token it brings.
    async fn relogin(&self, seen: u64, attempts: u64, why: Why) -> Result<(), Error> {
        let core = self
            .me
            .upgrade()
            .ok_or_else(|| Error::config("session closed"))?;
        let task = tokio::spawn(async move {
            core.gate
                .refresh(seen, || core.login_gated(seen, attempts, why))
                .await
        });
        match task.await {
            Ok(result) => result.map(|_| ()),
            Err(e) => Err(Error::new(ErrorKind::Cancelled)
                .with_message(format!("the login task did not finish: {e}"))),
        }
    }

    /// The login itself, with the gate held. Returns `Ok(false)`: the generation is bumped
    /// here, with the new token, not by the gate.
    async fn login_gated(&self, seen: u64, attempts: u64, why: Why) -> Result<bool, Error> {
        // Asked (again) under the gate: the answer may have changed while this caller
        // waited for another login.
        let may_replace = self.login.may_relogin();
        {
            let mut state = self.state();
            check_open(&state)?;
            if state.attempts != attempts
                && let Some(failure) = &state.last_failure
            {
                // The login this caller waited for failed: share its error, do not retry.
                return Err(copy_error(failure));
            }
            match why {
                Why::Missing if !self.needs_login(&state, may_replace) => return Ok(false),
                Why::Missing => {}
                Why::Rejected if !may_replace && state.token.is_some() => {
                    // Declined: the generation stays, and `refresh` says not to resend.
                    tracing::info!("token rejected; not logging in again now (the login says no)");
                    return Ok(false);
                }
                Why::Rejected => {
                    if self.gate.generation() == seen {
                        state.token = None;
                    }
                }
            }
            state.attempts += 1;
        }
        let result = self.login.login(&self.client).await;
        let mut state = self.state();
        match result {
            Ok(token) => {
                if state.closed {
                    drop(state);
                    self.logout_in_background(token);
                    return Err(closed());
                }
                let id = token.id.clone();
                let replaced = state.token.replace(token);
                state.last_failure = None;
                self.gate.bump();
                drop(state);
                // A renewed token is still valid on the server: log it out rather than
                // leave a live session behind at every renewal. (A rejected token is
                // gone already, and one past its expiry is dead on the server.)
                if why == Why::Missing
                    && let Some(old) = replaced
                    && old.expires.is_none_or(|at| at > Instant::now())
                {
                    self.logout_in_background(old);
                }
                match why {
                    Why::Missing => tracing::debug!(token_id = ?id, "logged in"),
                    Why::Rejected => {
                        tracing::info!(token_id = ?id, "token rejected; logged in again");
                    }
                }
                Ok(false)
            }
            Err(e) => {
                let message = match e.message() {
                    Some(m) => format!("login failed: {m}"),
                    None => "login failed".to_owned(),
                };
                let e = e.with_message(message).with_phase(Phase::NotSent);
                let refused = self.login.is_credentials_error(&e);
                tracing::warn!(error = %e, refused, "login failed");
                if refused {
                    state.refused = Some(
                        copy_error(&e)
                            .with_message(format!("{}; not trying again", message_of(&e))),
                    );
                }
                state.last_failure = Some(copy_error(&e));
                Err(e)
            }
        }
    }

    async fn logout(&self, token: Token) -> Result<(), Error> {
        let id = token.id.clone();
        let result = self.login.logout(&self.client, &token).await;
        match &result {
            Ok(()) => tracing::debug!(token_id = ?id, "logged out"),
            Err(e) => tracing::warn!(token_id = ?id, error = %e, "logout failed"),
        }
        result
    }

    fn logout_in_background(&self, token: Token) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(token_id = ?token.id, "no tokio runtime to log out; the token is left to expire");
            return;
        };
        let Some(core) = self.me.upgrade() else {
            return;
        };
        runtime.spawn(async move {
            let _ = core.logout(token).await;
        });
    }
}

fn closed() -> Error {
    Error::config("session closed")
}

fn check_open(state: &State) -> Result<(), Error> {
    if state.closed {
        return Err(closed());
    }
    if let Some(refused) = &state.refused {
        return Err(copy_error(refused));
    }
    Ok(())
}

fn message_of(e: &Error) -> &str {
    e.message().unwrap_or("login failed")
}

/// The shareable parts of an error (kind, status, phase, node, request id, message and
/// body), for the requests that waited for a failed login; the source is not cloneable.
fn copy_error(e: &Error) -> Error {
    let mut copy = Error::new(e.kind());
    if let (Some(method), Some(path)) = (e.method(), e.path()) {
        copy = copy.with_request(method, path);
    }
    if let Some(node) = e.node() {
        copy = copy.with_node(node);
    }
    if let Some(status) = e.status() {
        copy = copy.with_status(status);
    }
    if let Some(id) = e.request_id() {
        copy = copy.with_request_id(id);
    }
    if let Some(message) = e.message() {
        copy = copy.with_message(message);
    }
    if let Some(body) = e.body() {
        copy = copy.with_body(body.clone());
    }
    copy.with_phase(e.phase())
}

impl fmt::Debug for SessionCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe("TokenSessionAuth", f)
    }
}

impl Authenticator for SessionCore {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let state = self.state();
        check_open(&state)?;
        let token = state
            .token
            .as_ref()
            .ok_or_else(|| Error::config("not logged in"))?;
        self.login.stamp(token, headers)
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.ensure_token())
    }

    fn generation(&self) -> u64 {
        self.gate.generation()
    }

    fn refresh(&self, stamped: u64) -> BoxFuture<'_, Result<bool, Error>> {
        Box::pin(async move {
            let attempts = {
                let state = self.state();
                if state.closed {
                    return Ok(false);
                }
                check_open(&state)?;
                state.attempts
            };
            if !self.login.may_relogin() {
                tracing::info!("token rejected; not logging in again now (the login says no)");
                return Ok(false);
            }
            self.relogin(stamped, attempts, Why::Rejected).await?;
            // A new token is in place unless the login was declined under the gate.
            Ok(self.gate.generation() != stamped)
        })
    }

    fn observe(&self, stamped: u64, headers: &HeaderMap) {
        if stamped != self.gate.generation() {
            // A late answer to a request that carried a token replaced since: what it
            // says about tokens is out of date.
            return;
        }
        let mut state = self.state();
        if state.closed {
            return;
        }
        let Some(current) = &state.token else {
            return;
        };
        let Some(new) = self.login.rotated(current, headers) else {
            return;
        };
        if new.same_secret(current) {
            // The same token again, perhaps with a new expiry (a sliding session).
            if let Some(token) = &mut state.token
                && new.expires.is_some()
            {
                token.expires = new.expires;
                token.issued = new.issued;
            }
            return;
        }
        let id = new.id.clone();
        state.token = Some(new);
        self.gate.bump();
        drop(state);
        tracing::debug!(token_id = ?id, "adopted a rotated token");
    }
}
