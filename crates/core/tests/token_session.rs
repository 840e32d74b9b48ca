//! Token sessions against a small real server on 127.0.5.0/24: lazy login, one login for
//! concurrent requests, renewal before expiry, one relogin on "expired", none on "locked"
//! or a wrong password, none while the login says "not now", rotation, logout on close
//! and on drop, no secret anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use storkit_core::auth::{BoxFuture, sensitive_value};
use storkit_core::http::{HeaderMap, Method, StatusCode};
use storkit_core::secrecy::{ExposeSecret, SecretString};
use storkit_core::session::{Token, TokenLogin, TokenSession};
use storkit_core::{
    Classifier, Client, Error, ErrorKind, Outcome, Phase, Request, RequestView, RetryPolicy,
    Verdict,
};
use storkit_mock::{Ctx, MockBody, MockServer, ServerConfig, reply};
use tokio::sync::Barrier;
use tokio::time::Instant;

const PASSWORD: &str = "PA55-W0RD-xyzzy";
const TOKEN_PREFIX: &str = "TOKEN-SECRET-";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 5, last])
}

// ---------------------------------------------------------------------------------------
// The server: POST /login, GET /data, GET /rotate, GET /stale, DELETE /login/{id}.
// ---------------------------------------------------------------------------------------

struct Live {
    id: u32,
    expires: Option<Instant>,
}

#[derive(Default)]
struct Server {
    /// Login attempts, accepted or not.
    logins: AtomicU32,
    logouts: AtomicU32,
    /// `GET /data` answered 200 / 401.
    data_ok: AtomicU32,
    unauthorized: AtomicU32,
    next_id: AtomicU32,
    next_token: AtomicU32,
    live: Mutex<HashMap<String, Live>>,
    /// Tokens the server expired (answered 401 "token expired").
    expired: Mutex<Vec<String>>,
    /// Tokens replaced by rotation.
    rotated_away: Mutex<Vec<String>>,
    /// The lifetime given at login, in ms (0: none) and enforced by the server.
    lifetime_ms: AtomicU64,
    /// A delay before answering a login, in ms.
    login_delay_ms: AtomicU64,
    /// Logins answer 500 (a server fault, not a refusal).
    login_broken: AtomicBool,
    /// The account is locked: logins get 403 "locked", data requests 401 "locked".
    locked: AtomicBool,
    /// Holds answers for expired tokens until this many arrived.
    barrier: Mutex<Option<Arc<Barrier>>>,
    /// The token of the last `GET /data`.
    last_token: Mutex<Option<String>>,
}

impl Server {
    fn live_sessions(&self) -> usize {
        self.live.lock().unwrap().len()
    }

    /// The server forgets every token as expired (a server-side idle timeout).
    fn expire_all(&self) {
        let mut live = self.live.lock().unwrap();
        self.expired
            .lock()
            .unwrap()
            .extend(live.drain().map(|(t, _)| t));
    }

    fn new_token(&self) -> String {
        format!(
            "{TOKEN_PREFIX}{}",
            self.next_token.fetch_add(1, Ordering::SeqCst) + 1
        )
    }

    fn count(&self, counter: &AtomicU32) -> u32 {
        counter.load(Ordering::SeqCst)
    }
}

fn error(status: StatusCode, message: &str) -> storkit_core::http::Response<MockBody> {
    reply::json(status, format!("{{\"error\":\"{message}\"}}"))
}

async fn route(
    server: Arc<Server>,
    req: storkit_core::http::Request<Incoming>,
) -> storkit_core::http::Response<MockBody> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let token = header("x-auth-token");
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method().clone(), segments.as_slice()) {
        (Method::POST, ["login"]) => {
            server.logins.fetch_add(1, Ordering::SeqCst);
            let delay = server.login_delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            if server.login_broken.load(Ordering::SeqCst) {
                return error(StatusCode::INTERNAL_SERVER_ERROR, "login service down");
            }
            if server.locked.load(Ordering::SeqCst) {
                return error(StatusCode::FORBIDDEN, "locked");
            }
            if header("x-password").as_deref() != Some(PASSWORD) {
                return error(StatusCode::UNAUTHORIZED, "wrong password");
            }
            let id = server.next_id.fetch_add(1, Ordering::SeqCst) + 1;
            let secret = server.new_token();
            let lifetime = server.lifetime_ms.load(Ordering::SeqCst);
            let expires = (lifetime > 0).then(|| Instant::now() + Duration::from_millis(lifetime));
            server
                .live
                .lock()
                .unwrap()
                .insert(secret.clone(), Live { id, expires });
            let validity = if lifetime > 0 {
                lifetime.to_string()
            } else {
                "null".to_owned()
            };
            reply::json(
                StatusCode::OK,
                format!("{{\"token\":\"{secret}\",\"id\":{id},\"validity_ms\":{validity}}}"),
            )
        }
        (Method::DELETE, ["login", id]) => {
            let mut live = server.live.lock().unwrap();
            let owner = token.as_ref().and_then(|t| live.get(t)).map(|l| l.id);
            if owner.map(|o| o.to_string()).as_deref() != Some(*id) {
                return error(StatusCode::NOT_FOUND, "no such session");
            }
            live.remove(token.as_deref().unwrap_or_default());
            server.logouts.fetch_add(1, Ordering::SeqCst);
            reply::status(StatusCode::NO_CONTENT)
        }
        (Method::GET | Method::POST, ["data" | "rotate" | "stale"]) => {
            let token = token.unwrap_or_default();
            if segments == ["data"] {
                *server.last_token.lock().unwrap() = Some(token.clone());
            }
            if server.locked.load(Ordering::SeqCst) {
                server.unauthorized.fetch_add(1, Ordering::SeqCst);
                return error(StatusCode::UNAUTHORIZED, "locked");
            }
            let valid = {
                let mut live = server.live.lock().unwrap();
                match live.get(&token).map(|l| l.expires) {
                    Some(Some(at)) if at <= Instant::now() => {
                        live.remove(&token);
                        server.expired.lock().unwrap().push(token.clone());
                        false
                    }
                    Some(_) => true,
                    None => false,
                }
            };
            if !valid {
                server.unauthorized.fetch_add(1, Ordering::SeqCst);
                if server.expired.lock().unwrap().contains(&token) {
                    let barrier = server.barrier.lock().unwrap().clone();
                    if let Some(barrier) = barrier
                        && tokio::time::timeout(Duration::from_secs(10), barrier.wait())
                            .await
                            .is_err()
                    {
                        return error(StatusCode::INTERNAL_SERVER_ERROR, "barrier timed out");
                    }
                    return error(StatusCode::UNAUTHORIZED, "token expired");
                }
                return error(StatusCode::UNAUTHORIZED, "invalid token");
            }
            match segments.as_slice() {
                ["rotate"] => {
                    let new = server.new_token();
                    let mut live = server.live.lock().unwrap();
                    if let Some(entry) = live.remove(&token) {
                        live.insert(new.clone(), entry);
                    }
                    server.rotated_away.lock().unwrap().push(token);
                    let mut response = reply::status(StatusCode::OK);
                    reply::append_header(&mut response, "x-new-token", &new);
                    response
                }
                ["stale"] => {
                    // A slow answer that names the token it came with: by the time it
                    // arrives, a rotation may have replaced that token.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let mut response = reply::status(StatusCode::OK);
                    reply::append_header(&mut response, "x-new-token", &token);
                    response
                }
                _ => {
                    server.data_ok.fetch_add(1, Ordering::SeqCst);
                    reply::json(StatusCode::OK, "{\"data\":1}")
                }
            }
        }
        _ => error(StatusCode::NOT_FOUND, "no such route"),
    }
}

struct Lab {
    mock: MockServer,
    server: Arc<Server>,
    client: Client,
}

impl Lab {
    async fn start(last: u8) -> Lab {
        let server = Arc::new(Server::default());
        let state = Arc::clone(&server);
        let mock = MockServer::start(
            ServerConfig::new().ips([ip(last)]),
            move |req: storkit_core::http::Request<Incoming>, _ctx: Ctx| {
                route(Arc::clone(&state), req)
            },
        )
        .await
        .unwrap();
        let client = Client::builder(mock.urls()[0].clone())
            .classifier(ExpiredMeansRelogin)
            .build()
            .unwrap();
        Lab {
            mock,
            server,
            client,
        }
    }

    fn login(&self, password: &str) -> TestLogin {
        TestLogin {
            password: SecretString::from(password),
            alive: Arc::new(()),
            may_relogin: Arc::new(AtomicBool::new(true)),
        }
    }

    fn session(&self) -> TokenSession {
        TokenSession::new(self.client.clone(), self.login(PASSWORD))
    }

    fn requests(&self) -> usize {
        self.mock.log().len()
    }
}

/// The vendor side: "expired" in a 401 body means log in again; anything else (locked,
/// invalid) is the caller's business.
#[derive(Debug)]
struct ExpiredMeansRelogin;

impl Classifier for ExpiredMeansRelogin {
    fn classify(&self, _request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        match outcome {
            Outcome::Response {
                status,
                body: Some(body),
                ..
            } if *status == StatusCode::UNAUTHORIZED
                && String::from_utf8_lossy(body).contains("expired") =>
            {
                Some(Verdict::Reauthenticate)
            }
            _ => None,
        }
    }
}

/// The vendor login of the test server.
struct TestLogin {
    password: SecretString,
    /// Dropped with the session's last owner: proves nothing keeps the session alive.
    alive: Arc<()>,
    /// The answer of `may_relogin` (a vendor's "no new token while I hold a lock").
    may_relogin: Arc<AtomicBool>,
}

impl std::fmt::Debug for TestLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestLogin").field("user", &"admin").finish()
    }
}

#[derive(serde::Deserialize)]
struct LoginAnswer {
    token: String,
    id: u32,
    validity_ms: Option<u64>,
}

impl TokenLogin for TestLogin {
    fn login<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            let request = Request::post("/login")
                .without_auth()
                .retry_policy(RetryPolicy::never())
                .sensitive_header("x-password", &self.password);
            let answer: LoginAnswer = client.send(request).await?.error_for_status()?.json()?;
            let mut token = Token::new(answer.token).with_id(answer.id.to_string());
            if let Some(ms) = answer.validity_ms {
                token = token.with_lifetime(Duration::from_millis(ms));
            }
            Ok(token)
        })
    }

    fn logout<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let request = Request::delete(format!("/login/{}", token.id().unwrap_or_default()))
                .without_auth()
                .sensitive_header("x-auth-token", token.secret());
            client.send(request).await?.error_for_status()?;
            Ok(())
        })
    }

    fn stamp(&self, token: &Token, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(
            "x-auth-token",
            sensitive_value(token.secret().expose_secret())?,
        );
        Ok(())
    }

    fn may_relogin(&self) -> bool {
        self.may_relogin.load(Ordering::SeqCst)
    }

    fn rotated(&self, current: &Token, headers: &HeaderMap) -> Option<Token> {
        let new = headers.get("x-new-token")?.to_str().ok()?;
        let mut token = Token::new(new);
        if let Some(id) = current.id() {
            token = token.with_id(id);
        }
        Some(token)
    }
}

/// Sends `n` requests at once; returns their results.
async fn concurrently(session: &TokenSession, n: usize) -> Vec<Result<StatusCode, Error>> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let session = session.clone();
        tasks.spawn(async move {
            session
                .send(Request::get("/data"))
                .await
                .map(|r| r.status())
        });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        results.push(r.unwrap());
    }
    results
}

/// Waits (bounded) until `done` holds.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_first_request_logs_in_and_later_ones_reuse_the_token() {
    let lab = Lab::start(1).await;
    let session = lab.session();
    assert!(!session.is_logged_in());
    assert_eq!(lab.requests(), 0, "building a session sends nothing");

    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 1);
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    assert!(session.is_logged_in());
    assert_eq!(session.token_id().as_deref(), Some("1"));

    for _ in 0..3 {
        let r = lab
            .client
            .send(Request::get("/data").auth(session.authenticator()))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    assert_eq!(lab.server.count(&lab.server.data_ok), 4);
    assert_eq!(lab.requests(), 5);
}

#[tokio::test]
async fn sixteen_concurrent_first_requests_make_one_login() {
    let lab = Lab::start(2).await;
    lab.server.login_delay_ms.store(150, Ordering::SeqCst);
    let session = lab.session();
    let results = concurrently(&session, 16).await;
    assert!(
        results.iter().all(|r| matches!(r, Ok(StatusCode::OK))),
        "{results:?}"
    );
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    assert_eq!(lab.server.count(&lab.server.data_ok), 16);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 0);
}

#[tokio::test]
async fn a_token_expiring_within_the_margin_is_renewed_before_the_request() {
    let lab = Lab::start(3).await;
    // 3 s tokens; the margin is capped at half the lifetime: renewal 1.5 s before expiry.
    lab.server.lifetime_ms.store(3000, Ordering::SeqCst);
    let session = TokenSession::builder(lab.client.clone(), lab.login(PASSWORD))
        .renew_margin(Duration::from_secs(10))
        .build();
    assert_eq!(
        session.send(Request::get("/data")).await.unwrap().status(),
        StatusCode::OK
    );
    let first = lab.server.last_token.lock().unwrap().clone();
    assert_eq!(lab.server.count(&lab.server.logins), 1);

    tokio::time::sleep(Duration::from_millis(1600)).await;
    // Still valid on the server for about 1.4 s, but inside the margin: renewed first.
    assert!(!session.is_logged_in());
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 1);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 0, "no 401 seen");
    let second = lab.server.last_token.lock().unwrap().clone();
    assert_ne!(first, second);
    assert_eq!(session.token_id().as_deref(), Some("2"));
    // The replaced token, still valid on the server, is logged out in the background.
    assert!(eventually(|| lab.server.count(&lab.server.logouts) == 1).await);

    // The fresh token is used as is.
    session.send(Request::get("/data")).await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logins), 2);
}

#[tokio::test]
async fn a_server_side_expiry_costs_one_401_one_relogin_and_one_resend() {
    let lab = Lab::start(4).await;
    let session = lab.session();
    session.login().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    lab.server.expire_all();

    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 2);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 1);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    assert_eq!(lab.server.count(&lab.server.data_ok), 1);
    // login, 401, login, resend.
    assert_eq!(lab.requests(), 4);
    assert_eq!(session.token_id().as_deref(), Some("2"));

    // A POST is resent too: a 401 means the server did not act on it.
    lab.server.expire_all();
    let r = session.send(Request::post("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 2);
    assert_eq!(lab.server.count(&lab.server.logins), 3);
}

#[tokio::test]
async fn sixteen_requests_on_an_expired_token_make_exactly_one_relogin() {
    let lab = Lab::start(5).await;
    let session = lab.session();
    session.login().await.unwrap();
    lab.server.expire_all();
    // The server holds the 16 answers "expired" until all 16 requests arrived.
    *lab.server.barrier.lock().unwrap() = Some(Arc::new(Barrier::new(16)));

    let results = concurrently(&session, 16).await;
    assert!(
        results.iter().all(|r| matches!(r, Ok(StatusCode::OK))),
        "{results:?}"
    );
    assert_eq!(lab.server.count(&lab.server.unauthorized), 16);
    assert_eq!(
        lab.server.count(&lab.server.logins),
        2,
        "one relogin for 16"
    );
    assert_eq!(lab.server.count(&lab.server.data_ok), 16);
    assert_eq!(lab.server.live_sessions(), 1);
}

#[tokio::test]
async fn a_wrong_password_fails_after_one_login_and_is_not_tried_again() {
    let lab = Lab::start(6).await;
    lab.server.login_delay_ms.store(100, Ordering::SeqCst);
    let session = TokenSession::new(lab.client.clone(), lab.login("wrong"));

    let results = concurrently(&session, 16).await;
    assert_eq!(lab.server.count(&lab.server.logins), 1, "one login for 16");
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err:?}");
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            err.phase(),
            Phase::NotSent,
            "the request itself was not sent"
        );
        assert!(err.to_string().contains("login failed"), "{err}");
    }
    assert_eq!(lab.server.count(&lab.server.data_ok), 0);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 0);

    // Later requests fail at once: a wrong password is not tried again.
    let err = session.send(Request::get("/data")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.to_string().contains("not trying again"), "{err}");
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    assert_eq!(lab.requests(), 1);

    // Until the caller says so.
    session.reset_login_failure();
    let err = session.send(Request::get("/data")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
}

#[tokio::test]
async fn requests_waiting_for_a_failed_login_share_its_error_and_the_next_request_tries_again() {
    let lab = Lab::start(13).await;
    lab.server.login_delay_ms.store(100, Ordering::SeqCst);
    lab.server.login_broken.store(true, Ordering::SeqCst);
    let session = lab.session();

    let results = concurrently(&session, 16).await;
    assert_eq!(lab.server.count(&lab.server.logins), 1, "one login for 16");
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServerError, "{err:?}");
        assert!(err.to_string().contains("login failed"), "{err}");
    }
    assert_eq!(lab.server.count(&lab.server.data_ok), 0);

    // A server fault is not a refusal of the credentials: the next request logs in.
    lab.server.login_broken.store(false, Ordering::SeqCst);
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
}

#[tokio::test]
async fn a_request_that_gives_up_during_the_login_does_not_waste_it() {
    let lab = Lab::start(14).await;
    lab.server.login_delay_ms.store(300, Ordering::SeqCst);
    let session = lab.session();
    let err = session
        .send(Request::get("/data").operation_timeout(Duration::from_millis(50)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    // The login went on without the request; its token serves the next one.
    assert!(eventually(|| session.is_logged_in()).await);
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(lab.server.count(&lab.server.logins), 1);
}

#[tokio::test]
async fn locked_means_no_relogin() {
    let lab = Lab::start(7).await;
    let session = lab.session();
    session.login().await.unwrap();

    // A data request answered "locked": the classifier says Done, the 401 surfaces.
    lab.server.locked.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let r = session.send(Request::get("/data")).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.attempts(), 1);
    }
    assert_eq!(lab.server.count(&lab.server.logins), 1, "no relogin");
    assert_eq!(lab.server.count(&lab.server.unauthorized), 2);

    // A login answered "locked" fails the request after one attempt, and is final.
    let fresh = lab.session();
    let err = fresh.send(Request::get("/data")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    let err = fresh.send(Request::get("/data")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 2);
}

#[tokio::test]
async fn no_relogin_while_the_login_says_not_now() {
    let lab = Lab::start(13).await;
    let login = lab.login(PASSWORD);
    let allow = Arc::clone(&login.may_relogin);
    allow.store(false, Ordering::SeqCst);
    let session = TokenSession::new(lab.client.clone(), login);
    // A first login replaces no token: it is not asked about.
    session.login().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logins), 1);

    // The server forgets the token: the rejection goes back to the callers, once each,
    // and nobody logs in.
    lab.server.expire_all();
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.attempts(), 1);
    let results = concurrently(&session, 8).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(StatusCode::UNAUTHORIZED))),
        "{results:?}"
    );
    assert_eq!(lab.server.count(&lab.server.logins), 1, "no relogin");
    assert_eq!(lab.server.count(&lab.server.unauthorized), 9);
    assert_eq!(lab.requests(), 10, "login, then one request each");
    // The token stays in place.
    assert_eq!(session.token_id().as_deref(), Some("1"));
    assert!(session.is_logged_in());

    // Allowed again: the next rejection costs one relogin and one resend.
    allow.store(true, Ordering::SeqCst);
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 2);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    assert_eq!(session.token_id().as_deref(), Some("2"));
}

#[tokio::test]
async fn no_renewal_while_the_login_says_not_now() {
    let lab = Lab::start(14).await;
    // 2 s tokens: renewed 1 s before expiry, unless the login says not now.
    lab.server.lifetime_ms.store(2000, Ordering::SeqCst);
    let login = lab.login(PASSWORD);
    let allow = Arc::clone(&login.may_relogin);
    let session = TokenSession::builder(lab.client.clone(), login)
        .renew_margin(Duration::from_secs(10))
        .build();
    session.login().await.unwrap();
    allow.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!session.is_logged_in(), "inside the margin");

    // The token about to expire is used as it is.
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 1);
    session.login().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logins), 1, "not renewed");
    assert_eq!(session.token_id().as_deref(), Some("1"));

    // Allowed again: renewed before the next request.
    allow.store(true, Ordering::SeqCst);
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 1);
    assert_eq!(lab.server.count(&lab.server.logins), 2);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 0);
    assert_eq!(session.token_id().as_deref(), Some("2"));
}

#[tokio::test]
async fn a_rotated_token_is_used_by_the_next_request() {
    let lab = Lab::start(8).await;
    let session = lab.session();
    session.send(Request::get("/data")).await.unwrap();
    let first = lab.server.last_token.lock().unwrap().clone().unwrap();

    // A slow request goes out with the first token and answers after the rotation.
    let slow = {
        let session = session.clone();
        tokio::spawn(async move { session.send(Request::get("/stale")).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = session.send(Request::get("/rotate")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rotated = r.header_str("x-new-token").unwrap().to_owned();
    assert_ne!(rotated, first);

    // The server no longer accepts the first token: success proves the new one is used.
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.attempts(), 1);
    assert_eq!(
        lab.server.last_token.lock().unwrap().as_deref(),
        Some(rotated.as_str())
    );
    assert_eq!(session.token_id().as_deref(), Some("1"));

    // The late answer names the token the rotation replaced: it is not adopted again.
    let r = slow.await.unwrap().unwrap();
    assert_eq!(r.header_str("x-new-token"), Some(first.as_str()));
    let r = session.send(Request::get("/data")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        lab.server.last_token.lock().unwrap().as_deref(),
        Some(rotated.as_str())
    );
    assert_eq!(lab.server.count(&lab.server.logins), 1);
    assert_eq!(lab.server.count(&lab.server.unauthorized), 0);

    // Logout uses the rotated token.
    session.close().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logouts), 1);
    assert_eq!(lab.server.live_sessions(), 0);
}

#[tokio::test]
async fn close_logs_out_once_and_later_requests_fail() {
    let lab = Lab::start(9).await;
    let session = lab.session();
    let other = session.clone();
    let auth = session.authenticator();
    session.send(Request::get("/data")).await.unwrap();
    assert_eq!(lab.server.live_sessions(), 1);

    session.close().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logouts), 1);
    assert_eq!(lab.server.live_sessions(), 0);
    session.close().await.unwrap();
    other.close().await.unwrap();
    assert_eq!(lab.server.count(&lab.server.logouts), 1, "once");
    assert!(other.is_closed());
    assert!(!other.is_logged_in());

    let sent = lab.requests();
    let err = other.send(Request::get("/data")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("session closed"), "{err}");
    let err = lab
        .client
        .send(Request::get("/data").auth(auth))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("session closed"), "{err}");
    assert_eq!(lab.requests(), sent, "nothing sent after close");
    assert!(other.login().await.is_err());
    assert_eq!(lab.server.count(&lab.server.logins), 1);

    // Closing a session that never logged in sends nothing.
    let idle = lab.session();
    idle.close().await.unwrap();
    assert_eq!(lab.requests(), sent);
}

#[tokio::test]
async fn dropping_the_last_handle_logs_out_in_the_background() {
    let lab = Lab::start(10).await;
    let login = lab.login(PASSWORD);
    let alive = Arc::downgrade(&login.alive);
    let session = TokenSession::new(lab.client.clone(), login);
    let clone = session.clone();
    // A request's hold on the credentials does not keep the session open.
    let auth = session.authenticator();
    session.send(Request::get("/data")).await.unwrap();

    drop(session);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(lab.server.count(&lab.server.logouts), 0, "a clone is alive");
    assert_eq!(
        clone.send(Request::get("/data")).await.unwrap().status(),
        StatusCode::OK
    );

    drop(clone);
    assert!(eventually(|| lab.server.count(&lab.server.logouts) == 1).await);
    assert_eq!(lab.server.live_sessions(), 0);
    let err = lab
        .client
        .send(Request::get("/data").auth(Arc::clone(&auth)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("session closed"), "{err}");

    // Nothing keeps the session alive once its owners are gone: no reference cycle.
    drop(auth);
    assert!(eventually(|| alive.upgrade().is_none()).await);
    assert_eq!(lab.server.count(&lab.server.logouts), 1);

    // A session dropped before any login sends nothing.
    let sent = lab.requests();
    drop(lab.session());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(lab.requests(), sent);
}

#[tokio::test]
async fn a_session_dropped_with_logout_on_drop_off_leaves_the_token() {
    let lab = Lab::start(11).await;
    let session = TokenSession::builder(lab.client.clone(), lab.login(PASSWORD))
        .logout_on_drop(false)
        .build();
    session.login().await.unwrap();
    drop(session);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(lab.server.count(&lab.server.logouts), 0);
    assert_eq!(lab.server.live_sessions(), 1);
}

#[test]
fn token_debug_is_exact_and_redacted() {
    let token = Token::new("s3cr3t-value").with_id("7");
    assert_eq!(
        format!("{token:?}"),
        r#"Token { id: Some("7"), secret: "** redacted **", expires_in: None }"#
    );
    let token = Token::new("s3cr3t-value");
    assert_eq!(
        format!("{token:?}"),
        r#"Token { id: None, secret: "** redacted **", expires_in: None }"#
    );
    assert_eq!(token.secret().expose_secret(), "s3cr3t-value");
}

#[tokio::test]
async fn renewal_margin_is_capped_at_half_the_lifetime() {
    let token = Token::new("x").with_lifetime(Duration::from_secs(20));
    // A 30 s margin on a 20 s token would renew on every request: capped at 10 s.
    assert!(!token.expires_within(Duration::from_secs(30)));
    assert!(!token.expires_within(Duration::from_secs(5)));
    let token = Token::new("x").with_lifetime(Duration::ZERO);
    assert!(token.expires_within(Duration::ZERO));
    assert!(!Token::new("x").expires_within(Duration::from_secs(3600)));
}

// One thread, so the tasks the session and hyper spawn log into the subscriber below.
#[tokio::test(flavor = "current_thread")]
async fn no_token_or_password_in_debug_errors_or_logs() {
    let (captured, _guard) = support::capture_trace_logs();

    let lab = Lab::start(12).await;
    let session = lab.session();
    let mut outputs = vec![format!("{session:?}")];
    assert_eq!(
        outputs[0],
        r#"TokenSession { login: TestLogin { user: "admin" }, token: None, closed: false }"#
    );

    // Login, rotation, server-side expiry and relogin, a "locked" answer, close.
    session.send(Request::get("/data")).await.unwrap();
    outputs.push(format!("{session:?}"));
    outputs.push(format!("{:?}", session.authenticator()));
    outputs.push(format!("{:?}", lab.client));
    assert!(outputs[1].contains(r#"id: Some("1")"#), "{}", outputs[1]);
    session.send(Request::get("/rotate")).await.unwrap();
    lab.server.expire_all();
    let r = session.send(Request::get("/data")).await.unwrap();
    outputs.push(format!("{r:?}"));
    lab.server.locked.store(true, Ordering::SeqCst);
    let r = session.send(Request::get("/data")).await.unwrap();
    outputs.push(r.error_for_status().unwrap_err().to_string());
    session.close().await.unwrap();
    let err = session.send(Request::get("/data")).await.unwrap_err();
    outputs.push(err.to_string());
    outputs.push(format!("{err:?}"));

    // A refused login.
    let refused = TokenSession::new(lab.client.clone(), lab.login("wrong"));
    let err = refused.send(Request::get("/data")).await.unwrap_err();
    outputs.push(err.to_string());
    outputs.push(format!("{err:?}"));
    outputs.push(format!("{refused:?}"));
    // A session dropped while logged in, logged out in the background.
    lab.server.locked.store(false, Ordering::SeqCst);
    let dropped = lab.session();
    dropped.login().await.unwrap();
    drop(dropped);
    assert!(eventually(|| lab.server.count(&lab.server.logouts) == 2).await);

    let logs = captured.text();
    assert!(logs.contains("logged in"), "the session logs: {logs}");
    outputs.push(logs);
    for output in &outputs {
        assert!(!output.contains(TOKEN_PREFIX), "a token leaked: {output}");
        assert!(!output.contains(PASSWORD), "the password leaked: {output}");
    }
    assert_eq!(lab.server.count(&lab.server.logins), 4);
}
