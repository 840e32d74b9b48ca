//! From HTTP request to resource handler and back: both URL forms, authentication, injected
//! errors, and the `Response-Job-Status` hold of 202 answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::Value;
use storkit_mock::{Ctx, Handler, HandlerFuture, MockBody, reply};

use crate::errors::ApiError;
use crate::request::{Call, percent_decode};
use crate::sessions::{self, Caller};
use crate::state::{Array, State};
use crate::timestamps::after;
use crate::{
    host_groups, host_wwns, injected, jobs, ldevs, local_copy, locks, luns, pools, ports,
    remote_copy, remote_storages, snapshots, storages,
};

/// The largest request body read; anything larger is refused with 400.
const MAX_BODY: usize = 1024 * 1024;

/// What a route handler answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A JSON body with a status.
    Json(StatusCode, Value),
    /// No body.
    Empty(StatusCode),
    /// An accepted job: 202 with the job object, once any requested wait is over.
    Job(u64),
}

impl Reply {
    /// 200 with a JSON body.
    pub(crate) fn json(value: Value) -> Self {
        Self::Json(StatusCode::OK, value)
    }
}

/// A JSON response with the content type the real server sends (reference §7).
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response<MockBody> {
    reply::with_type(
        status,
        "application/json;charset=UTF-8",
        value.to_string().into_bytes(),
    )
}

/// The kit [`Handler`] serving one storage system.
pub(crate) struct Router {
    array: Arc<Array>,
}

impl Router {
    pub(crate) fn new(array: Arc<Array>) -> Self {
        Self { array }
    }
}

impl Handler for Router {
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        let array = Arc::clone(&self.array);
        Box::pin(async move { serve(&array, req, ctx).await })
    }
}

async fn serve(array: &Array, req: Request<Incoming>, ctx: Ctx) -> Response<MockBody> {
    let (parts, incoming) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let bytes = match Limited::new(incoming, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return ApiError::invalid("request body", &format!("The body cannot be read: {e}"))
                .into_response(&path);
        }
    };
    let call = match Call::new(&parts, bytes, ctx.peer.ip()) {
        Ok(call) => call,
        Err(error) => return error.into_response(&path),
    };
    let job = match dispatch(array, &call).await {
        Ok(Reply::Json(status, value)) => return json_response(status, &value),
        Ok(Reply::Empty(status)) => return reply::status(status),
        Ok(Reply::Job(id)) => id,
        Err(error) => return error.into_response(&path),
    };
    if wants_completion(&call) {
        hold_until_done(array, &call, job).await;
    }
    let state = array.lock();
    match jobs::job_json(&state, job, Instant::now()) {
        Some(value) => json_response(StatusCode::ACCEPTED, &value),
        // Only 3,000 newer jobs in the hold could evict it; say so rather than panic.
        None => ApiError::not_found(&format!("The job {job}")).into_response(&path),
    }
}

/// `Response-Job-Status: Completed` (Cinder sends `Completed;`).
fn wants_completion(call: &Call) -> bool {
    call.header("response-job-status").is_some_and(|v| {
        v.trim()
            .trim_end_matches(';')
            .trim()
            .eq_ignore_ascii_case("completed")
    })
}

/// Waits until the job completes, the configured cap passes, or `Response-Max-Wait` (seconds)
/// passes, whichever is first. The answer is a 202 in every case (reference TL;DR 1).
async fn hold_until_done(array: &Array, call: &Call, job: u64) {
    let start = Instant::now();
    let mut cap = array.lock().config.wait_cap;
    if let Some(secs) = call
        .header("response-max-wait")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        cap = cap.min(Duration::from_secs(secs));
    }
    let deadline = after(start, cap);
    loop {
        let now = Instant::now();
        let due = {
            let mut state = array.lock();
            jobs::advance(&mut state, now);
            if state.jobs.is_completed(job) {
                return;
            }
            state.jobs.due_at(job)
        };
        if now >= deadline {
            return;
        }
        let wake = due.unwrap_or(now).clamp(now, deadline);
        // Never spin: a job due "now" that did not complete is waiting on something else.
        let sleep = wake
            .saturating_duration_since(now)
            .max(Duration::from_millis(5));
        tokio::time::sleep(sleep).await;
    }
}

/// The parts of a path after `/ConfigurationManager`.
enum Target {
    Version,
    StorageList,
    Storage(String),
    Objects(Vec<String>),
    Services(Vec<String>),
}

fn target(state_sdid: &str, path: &str) -> Result<Target, ApiError> {
    let rest = path
        .strip_prefix("/ConfigurationManager")
        .ok_or_else(ApiError::unknown_url)?;
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let check_sdid = |sdid: &str| {
        if sdid == state_sdid {
            Ok(())
        } else {
            Err(ApiError::not_found(&format!("The storage system {sdid}")))
        }
    };
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match seg.as_slice() {
        ["configuration", "version"] => Ok(Target::Version),
        ["v1", "objects", "storages"] => Ok(Target::StorageList),
        ["v1", "objects", "storages", sdid] => Ok(Target::Storage((*sdid).to_owned())),
        ["v1", "objects", "storages", sdid, rest @ ..] => {
            check_sdid(sdid)?;
            Ok(Target::Objects(owned(rest)))
        }
        ["v1", "objects", rest @ ..] if !rest.is_empty() => Ok(Target::Objects(owned(rest))),
        ["v1", "services", rest @ ..] => Ok(Target::Services(owned(rest))),
        ["v1", sdid, "services", rest @ ..] => {
            check_sdid(sdid)?;
            Ok(Target::Services(owned(rest)))
        }
        _ => Err(ApiError::unknown_url()),
    }
}

fn owned(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| (*s).to_owned()).collect()
}

async fn dispatch(array: &Array, call: &Call) -> Result<Reply, ApiError> {
    let now = Instant::now();
    let (target, caller) = {
        let mut state = array.lock();
        jobs::advance(&mut state, now);
        let target = target(&state.sdid, &call.path)?;
        match &target {
            Target::Version => return storages::version(&state, call),
            Target::StorageList => return storages::list(&state, call),
            _ => {}
        }
        let is_sessions = matches!(&target, Target::Objects(rest) if rest[0] == "sessions");
        if call.method != Method::GET
            && !is_sessions
            && let Some(error) = injected::take(&mut state)
        {
            return Err(error);
        }
        if is_sessions && call.method == Method::POST {
            if let Target::Objects(rest) = &target
                && rest.len() > 1
            {
                return Err(ApiError::method_not_allowed(&call.method));
            }
            return sessions::create(&mut state, call);
        }
        let caller = authenticate(&mut state, call, now)?;
        (target, caller)
    };
    match target {
        Target::Version | Target::StorageList => Err(ApiError::unknown_url()),
        Target::Storage(sdid) => storages::get(&array.lock(), call, &sdid),
        Target::Services(rest) => locks::handle(&mut array.lock(), call, &caller, &rest),
        Target::Objects(rest) => objects(array, call, &caller, &rest).await,
    }
}

fn authenticate(state: &mut State, call: &Call, now: Instant) -> Result<Caller, ApiError> {
    sessions::session_token(call.header("authorization"))
        .and_then(|token| state.sessions.authenticate(token, now))
        .ok_or_else(ApiError::invalid_token)
}

async fn objects(
    array: &Array,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    let tail = &rest[1..];
    match rest[0].as_str() {
        // Both need the remote REST server, so they run outside the state lock.
        "remote-storages" => remote_storages::handle(array, call, caller, tail).await,
        "remote-mirror-copypairs" => remote_copy::handle_pairs(array, call, caller, tail).await,
        "remote-mirror-copygroups" => remote_copy::handle_groups(array, call, caller, tail).await,
        collection => {
            let mut state = array.lock();
            let state = &mut *state;
            match collection {
                "sessions" => sessions::handle(state, call, caller, tail),
                "jobs" => jobs::handle(state, call, tail),
                "storages" => match tail {
                    [sdid] => storages::get(state, call, sdid),
                    _ => Err(ApiError::unknown_url()),
                },
                "ldevs" => ldevs::handle(state, call, caller, tail),
                "pools" => pools::handle(state, call, caller, tail),
                "ports" => ports::handle(state, call, caller, tail),
                "host-groups" => host_groups::handle(state, call, caller, tail),
                "host-wwns" => host_wwns::handle(state, call, caller, tail),
                "luns" => luns::handle(state, call, caller, tail),
                "local-clone-copypairs" => local_copy::handle_pairs(state, call, caller, tail),
                "local-clone-copygroups" => local_copy::handle_groups(state, call, caller, tail),
                "snapshots" => snapshots::handle_pairs(state, call, caller, tail),
                "snapshot-groups" => snapshots::handle_groups(state, call, caller, tail),
                _ => Err(ApiError::unknown_url()),
            }
        }
    }
}

/// The shape of a path below a collection: the collection, one object, an action's
/// template, or an action's invocation.
pub(crate) enum Sub<'a> {
    Collection,
    Item(&'a str),
    Template(&'a str, &'a str),
    Invoke(&'a str, &'a str),
    Unknown,
}

/// Classifies the segments after a collection name.
pub(crate) fn sub(rest: &[String]) -> Sub<'_> {
    match rest {
        [] => Sub::Collection,
        [id] => Sub::Item(id),
        [id, actions, name] if actions == "actions" => Sub::Template(id, name),
        [id, actions, name, invoke] if actions == "actions" && invoke == "invoke" => {
            Sub::Invoke(id, name)
        }
        _ => Sub::Unknown,
    }
}

/// Whether an action is being invoked with a method the server accepts for it: PUT (the
/// seeds, Cinder) or POST (the current docs); reference §10.4 item 2.
pub(crate) fn is_invoke_method(method: &Method) -> bool {
    *method == Method::PUT || *method == Method::POST
}

/// Whether the method changes attributes: PUT, or PATCH (A1 HCSR0067 tip).
pub(crate) fn is_update_method(method: &Method) -> bool {
    *method == Method::PUT || *method == Method::PATCH
}
