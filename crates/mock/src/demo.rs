//! A vendor-neutral handler for the core's tests, demos and benchmarks.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /bytes/{n}` | `n` bytes of the [pattern](crate::body::pattern), streamed |
//! | `GET`, `POST /echo` | JSON describing the request (see below) |
//! | `PUT`, `POST /sink` | the body is read chunk by chunk: `{"len": n, "sha256": "hex"}` |
//! | `GET /status/{code}` | that status, empty body |
//! | `POST /jobs[?after=N]` | `202`, `{"id": "<n>", "state": "running", "self": "/jobs/<n>"}` |
//! | `GET /jobs/{id}` | `{"id": .., "state": "running" \| "succeeded", "polls": k}` |
//!
//! `/echo` answers `{"method", "path", "query", "host", "sni", "node": "ip:port", "conn",
//! "headers": {lowercase name: value}, "body_len", "listener", "raw_target"}`; repeated headers
//! are joined with `, `.
//!
//! A job succeeds on poll number `after` (default 3), or, with
//! [`DemoApp::with_job_duration`], once that much time has passed since its creation.
//! Unknown routes get `404`, known routes with another method `405`, both with a JSON error.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{ALLOW, HeaderValue, LOCATION};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::body::{self, MockBody};
use crate::handler::{Ctx, Handler, HandlerFuture};
use crate::json::{quote, quote_opt};
use crate::{hex, lock, reply};

/// Polls a job needs when its creation names none.
const DEFAULT_POLLS: u32 = 3;

/// The demo handler. Clones share their jobs.
#[derive(Debug, Clone, Default)]
pub struct DemoApp {
    state: Arc<DemoState>,
}

#[derive(Debug, Default)]
struct DemoState {
    next_job: AtomicU64,
    jobs: Mutex<HashMap<u64, Job>>,
    job_duration: Option<Duration>,
}

#[derive(Debug)]
struct Job {
    created: Instant,
    succeed_on_poll: u32,
    polls: u32,
}

impl DemoApp {
    /// A demo app whose jobs succeed after a number of polls.
    pub fn new() -> Self {
        Self::default()
    }

    /// A demo app whose jobs succeed once `duration` has passed since their creation,
    /// however often they are polled.
    pub fn with_job_duration(duration: Duration) -> Self {
        Self {
            state: Arc::new(DemoState {
                job_duration: Some(duration),
                ..DemoState::default()
            }),
        }
    }

    /// How many jobs were created.
    pub fn jobs_created(&self) -> u64 {
        self.state.next_job.load(Ordering::Relaxed)
    }
}

impl Handler for DemoApp {
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        let state = Arc::clone(&self.state);
        Box::pin(async move { route(&state, req, ctx).await })
    }
}

async fn route(state: &DemoState, req: Request<Incoming>, ctx: Ctx) -> Response<MockBody> {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    match (segments.as_slice(), &method) {
        (["bytes", n], &Method::GET) => match n.parse::<u64>() {
            Ok(len) => {
                let mut response = Response::new(body::pattern(len));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                response
            }
            Err(_) => error(StatusCode::BAD_REQUEST, "byte count is not a number", &path),
        },
        (["echo"], &Method::GET | &Method::POST) => echo(req, &ctx).await,
        (["sink"], &Method::PUT | &Method::POST) => sink(req).await,
        (["status", code], &Method::GET) => match code.parse::<u16>() {
            Ok(code @ 200..=599) => match StatusCode::from_u16(code) {
                Ok(status) => reply::status(status),
                Err(_) => error(StatusCode::BAD_REQUEST, "invalid status code", &path),
            },
            _ => error(StatusCode::BAD_REQUEST, "status must be 200 to 599", &path),
        },
        (["jobs"], &Method::POST) => create_job(state, req.uri().query()),
        (["jobs", id], &Method::GET) => poll_job(state, id),
        (["bytes", _] | ["status", _] | ["jobs", _], _) => not_allowed("GET", &path),
        (["echo"], _) => not_allowed("GET, POST", &path),
        (["sink"], _) => not_allowed("PUT, POST", &path),
        (["jobs"], _) => not_allowed("POST", &path),
        _ => error(StatusCode::NOT_FOUND, "no such route", &path),
    }
}

fn error(status: StatusCode, message: &str, path: &str) -> Response<MockBody> {
    reply::json(
        status,
        format!("{{\"error\":{},\"path\":{}}}", quote(message), quote(path)),
    )
}

fn not_allowed(allow: &'static str, path: &str) -> Response<MockBody> {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", path);
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// Reads a body to its end without keeping it; `Err` if the client broke off.
async fn drain(body: Incoming, mut each: impl FnMut(&[u8])) -> Result<u64, hyper::Error> {
    let mut body = body;
    let mut len = 0u64;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            len += data.len() as u64;
            each(data);
        }
    }
    Ok(len)
}

async fn echo(req: Request<Incoming>, ctx: &Ctx) -> Response<MockBody> {
    let (parts, body) = req.into_parts();
    let body_len = match drain(body, |_| {}).await {
        Ok(len) => len,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string(), parts.uri.path()),
    };
    let mut headers: BTreeMap<&str, String> = BTreeMap::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    let headers = headers
        .iter()
        .map(|(name, value)| format!("{}:{}", quote(name), quote(value)))
        .collect::<Vec<_>>()
        .join(",");
    let host = parts
        .headers
        .get(http::header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    reply::json(
        StatusCode::OK,
        format!(
            "{{\"method\":{},\"path\":{},\"query\":{},\"host\":{},\"sni\":{},\"node\":{},\
             \"conn\":{},\"headers\":{{{}}},\"body_len\":{},\"listener\":{},\"raw_target\":{}}}",
            quote(parts.method.as_str()),
            quote(parts.uri.path()),
            quote_opt(parts.uri.query()),
            quote_opt(host.as_deref()),
            quote_opt(ctx.sni.as_deref()),
            quote(&ctx.node.to_string()),
            ctx.conn_id,
            headers,
            body_len,
            quote(&ctx.listener),
            quote_opt(ctx.raw_target.as_deref())
        ),
    )
}

async fn sink(req: Request<Incoming>) -> Response<MockBody> {
    let path = req.uri().path().to_owned();
    let mut hasher = Sha256::new();
    match drain(req.into_body(), |chunk| hasher.update(chunk)).await {
        Ok(len) => reply::json(
            StatusCode::OK,
            format!(
                "{{\"len\":{},\"sha256\":{}}}",
                len,
                quote(&hex::lower(hasher.finalize().as_slice()))
            ),
        ),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string(), &path),
    }
}

fn create_job(state: &DemoState, query: Option<&str>) -> Response<MockBody> {
    let after = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(DEFAULT_POLLS);
    let id = state.next_job.fetch_add(1, Ordering::Relaxed) + 1;
    lock(&state.jobs).insert(
        id,
        Job {
            created: Instant::now(),
            succeed_on_poll: after,
            polls: 0,
        },
    );
    let location = format!("/jobs/{id}");
    let mut response = reply::json(
        StatusCode::ACCEPTED,
        format!(
            "{{\"id\":\"{id}\",\"state\":\"running\",\"self\":{}}}",
            quote(&location)
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

fn poll_job(state: &DemoState, id: &str) -> Response<MockBody> {
    let mut jobs = lock(&state.jobs);
    let Some(job) = id.parse::<u64>().ok().and_then(|n| jobs.get_mut(&n)) else {
        return reply::json(
            StatusCode::NOT_FOUND,
            format!("{{\"error\":\"no such job\",\"id\":{}}}", quote(id)),
        );
    };
    job.polls += 1;
    let done = match state.job_duration {
        Some(duration) => job.created.elapsed() >= duration,
        None => job.polls >= job.succeed_on_poll,
    };
    let job_state = if done { "succeeded" } else { "running" };
    reply::json(
        StatusCode::OK,
        format!(
            "{{\"id\":{},\"state\":\"{job_state}\",\"polls\":{}}}",
            quote(id),
            job.polls
        ),
    )
}
