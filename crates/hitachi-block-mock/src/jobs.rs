//! Asynchronous jobs (reference §8): every change is accepted with 202 and a job object,
//! runs when its time is up, and ends `Completed` with `Succeeded` or `Failed`.
//!
//! Nothing runs in the background. Each request first calls [`advance`], which runs, in
//! order, every job whose time has come; a job's operation sees the storage as it was at the
//! job's own completion time, so results do not depend on when a client happens to poll.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use http::Method;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::request::Call;
use crate::router::Reply;
use crate::sessions::Caller;
use crate::state::State;
use crate::timestamps::{after, iso8601, wall_at};

/// Job records kept; the oldest completed ones are evicted beyond this (A3: 3,000 on
/// VSP E / G350–G900 / F350–F900).
pub(crate) const MAX_JOBS: usize = 3000;

/// How often a waiting job (a lock with `waitTime`) tries again.
const WAIT_STEP: Duration = Duration::from_millis(50);

/// What a job does when it runs: validate against the current state and change it.
pub(crate) type Op = Box<dyn FnMut(&mut State, &OpCtx) -> Step + Send>;

/// The result of running an [`Op`] once.
pub(crate) enum Step {
    /// Finished: the affected resources' paths, or the error the job fails with.
    Done(Result<Vec<String>, ApiError>),
    /// Not possible yet; try again later, up to `until`.
    Wait {
        /// When the operation gives up.
        until: Instant,
    },
}

impl Step {
    /// Finished successfully with one affected resource.
    pub(crate) fn ok(path: String) -> Self {
        Self::Done(Ok(vec![path]))
    }

    /// Failed.
    pub(crate) fn err(error: ApiError) -> Self {
        Self::Done(Err(error))
    }
}

/// What an operation knows about its job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpCtx {
    /// The moment the job runs (its scheduled completion, not the wall clock of the poll).
    pub(crate) at: Instant,
    /// The session that submitted the job.
    pub(crate) session_id: u64,
}

/// How a job behaves besides its operation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JobKind {
    /// Lock and unlock jobs manage the lock themselves instead of being blocked by it.
    pub(crate) ignores_lock: bool,
    /// Remote pair creation shows `state: StorageAccepted` while running (reference §8.2).
    pub(crate) storage_accepted: bool,
}

/// One job record.
pub(crate) struct Job {
    user: String,
    session_id: u64,
    created: Instant,
    created_wall: SystemTime,
    duration: Duration,
    finish_at: Instant,
    request_url: String,
    request_method: Method,
    request_body: String,
    error_source: String,
    kind: JobKind,
    op: Option<Op>,
    /// A failure armed by `fail_next_job`, used instead of running the operation.
    forced: Option<ApiError>,
    /// Armed by `drop_affected_resources_next_job`: the job reports no affected
    /// resources, whatever its operation changed.
    hide_affected: bool,
    outcome: Option<Result<Vec<String>, ApiError>>,
    completed_at: Option<Instant>,
}

/// Every job record, and which are still pending.
#[derive(Default)]
pub(crate) struct Jobs {
    by_id: BTreeMap<u64, Job>,
    pending: BTreeSet<u64>,
    next_id: u64,
}

impl Jobs {
    /// How many job records are kept.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The pending job to run next at `now`: earliest time first, then lowest ID.
    fn next_due(&self, now: Instant) -> Option<(u64, Instant)> {
        self.pending
            .iter()
            .filter_map(|id| self.by_id.get(id).map(|job| (*id, job.finish_at)))
            .filter(|(_, at)| *at <= now)
            .min_by_key(|(id, at)| (*at, *id))
    }

    fn evict(&mut self) {
        while self.by_id.len() > MAX_JOBS {
            let oldest_done = self
                .by_id
                .keys()
                .find(|id| !self.pending.contains(id))
                .copied();
            match oldest_done {
                Some(id) => {
                    self.by_id.remove(&id);
                }
                // Every record is pending: keep them all rather than lose a running job.
                None => break,
            }
        }
    }

    /// Whether job `id` has completed.
    pub(crate) fn is_completed(&self, id: u64) -> bool {
        self.by_id.get(&id).is_some_and(|job| job.outcome.is_some())
    }

    /// When job `id` is next due to run, if it is pending.
    pub(crate) fn due_at(&self, id: u64) -> Option<Instant> {
        self.pending
            .contains(&id)
            .then(|| self.by_id.get(&id).map(|job| job.finish_at))
            .flatten()
    }
}

/// The answer to a request that starts an asynchronous job: the job, running `op`, accepted
/// for `caller` (202 with the job object).
pub(crate) fn reply(state: &mut State, call: &Call, caller: &Caller, op: Op) -> Reply {
    reply_as(state, call, caller, JobKind::default(), op)
}

/// As [`reply`], for a job of a particular [`JobKind`].
pub(crate) fn reply_as(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    kind: JobKind,
    op: Op,
) -> Reply {
    Reply::Job(submit(state, call, caller, kind, op))
}

/// Accepts a job for `caller`; returns its ID. With a zero job duration it has already run
/// when this returns.
pub(crate) fn submit(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    kind: JobKind,
    op: Op,
) -> u64 {
    let now = Instant::now();
    state.jobs.next_id += 1;
    let id = state.jobs.next_id;
    let duration = state.job_duration;
    let armed_here = state
        .pending_failure
        .as_ref()
        .is_some_and(|(on, _)| on.as_deref().is_none_or(|text| call.path.contains(text)));
    let forced = armed_here
        .then(|| state.pending_failure.take())
        .flatten()
        .map(|(_, failure)| ApiError::from_failure(&failure));
    let hide_affected = std::mem::take(&mut state.hide_affected_next);
    state.jobs.by_id.insert(
        id,
        Job {
            user: caller.user.clone(),
            session_id: caller.session_id,
            created: now,
            created_wall: SystemTime::now(),
            duration,
            finish_at: after(now, duration),
            request_url: call.request_url(),
            request_method: call.method.clone(),
            request_body: call.body_text(),
            error_source: call.path.clone(),
            kind,
            op: Some(op),
            forced,
            hide_affected,
            outcome: None,
            completed_at: None,
        },
    );
    state.jobs.pending.insert(id);
    state.jobs.evict();
    advance(state, now);
    id
}

/// Runs every job due at `now`, in order, then settles timed state changes (copy progress)
/// up to `now`.
pub(crate) fn advance(state: &mut State, now: Instant) {
    while let Some((id, at)) = state.jobs.next_due(now) {
        state.settle(at);
        run(state, id, at, now);
    }
    state.settle(now);
}

fn run(state: &mut State, id: u64, at: Instant, now: Instant) {
    let Some(job) = state.jobs.by_id.get_mut(&id) else {
        state.jobs.pending.remove(&id);
        return;
    };
    let ctx = OpCtx {
        at,
        session_id: job.session_id,
    };
    let forced = job.forced.take();
    let ignores_lock = job.kind.ignores_lock;
    let op = job.op.take();
    let step = match (forced, op) {
        (Some(error), _) => Step::err(error),
        (None, None) => Step::err(ApiError::not_runnable("The job has no operation.")),
        (None, Some(mut op)) => {
            let blocked = !ignores_lock
                && state
                    .lock_holder_at(at)
                    .is_some_and(|holder| holder != ctx.session_id);
            if blocked {
                Step::err(ApiError::locked())
            } else {
                let step = op(state, &ctx);
                if matches!(step, Step::Wait { .. })
                    && let Some(job) = state.jobs.by_id.get_mut(&id)
                {
                    job.op = Some(op);
                }
                step
            }
        }
    };
    let next_other = state
        .jobs
        .pending
        .iter()
        .filter(|other| **other != id)
        .filter_map(|other| state.jobs.by_id.get(other).map(|job| job.finish_at))
        .filter(|due| *due <= now)
        .min();
    let Some(job) = state.jobs.by_id.get_mut(&id) else {
        return;
    };
    match step {
        Step::Done(outcome) => {
            if let Ok(affected) = &outcome {
                debug_assert!(!affected.is_empty(), "a successful job names its resources");
            }
            job.outcome = Some(outcome);
            job.completed_at = Some(at);
            state.jobs.pending.remove(&id);
        }
        Step::Wait { until } => {
            // Try again when something else may have changed: after the next job due
            // before `now`, else at `now` itself, but never beyond the deadline and always
            // a little later than this try, so the loop in `advance` ends.
            let candidate = next_other.unwrap_or(now).min(until);
            job.finish_at = candidate.max(after(at, WAIT_STEP));
        }
    }
}

/// A job object (reference §8.2).
pub(crate) fn job_json(state: &State, id: u64, now: Instant) -> Option<Value> {
    let job = state.jobs.by_id.get(&id)?;
    let elapsed = now.saturating_duration_since(job.created);
    let (status, job_state) = match &job.outcome {
        Some(Ok(_)) => ("Completed", "Succeeded"),
        Some(Err(_)) => ("Completed", "Failed"),
        None if elapsed < job.duration / 4 => ("Initializing", "Queued"),
        None if job.kind.storage_accepted && elapsed >= job.duration / 2 => {
            ("Running", "StorageAccepted")
        }
        None => ("Running", "Started"),
    };
    let wall = |at: Instant| iso8601(wall_at(at, job.created, job.created_wall));
    let updated = job.completed_at.unwrap_or(now.max(job.created));
    let mut object = json!({
        "jobId": id,
        "self": state.object_path(&format!("jobs/{id}")),
        "userId": job.user,
        "status": status,
        "state": job_state,
        "createdTime": iso8601(job.created_wall),
        "updatedTime": wall(updated),
        "request": {
            "requestUrl": job.request_url,
            "requestMethod": job.request_method.as_str(),
            "requestBody": job.request_body,
        },
        "affectedResources": match &job.outcome {
            Some(Ok(affected)) if !job.hide_affected => affected.clone(),
            _ => Vec::new(),
        },
    });
    if let Some(completed) = job.completed_at {
        object["completedTime"] = wall(completed).into();
    }
    if let Some(Err(error)) = &job.outcome {
        object["error"] = error.to_json(&job.error_source);
    }
    Some(object)
}

/// `GET jobs[/{id}]`.
pub(crate) fn handle(state: &mut State, call: &Call, rest: &[String]) -> Result<Reply, ApiError> {
    let now = Instant::now();
    match (rest, &call.method) {
        ([], &Method::GET) => {
            // Newest first, like the job list of the real server; `count` bounds it.
            let count = crate::params::query_u64(call, "count")?.unwrap_or(100);
            let data: Vec<Value> = state
                .jobs
                .by_id
                .keys()
                .rev()
                .take(usize::try_from(count).unwrap_or(usize::MAX))
                .filter_map(|id| job_json(state, *id, now))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        ([id], &Method::GET) => {
            let job = id
                .parse::<u64>()
                .ok()
                .and_then(|id| job_json(state, id, now));
            job.map(Reply::json)
                .ok_or_else(|| ApiError::not_found(&format!("The job {id}")))
        }
        ([] | [_], _) => Err(ApiError::method_not_allowed(&call.method)),
        _ => Err(ApiError::unknown_url()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use bytes::Bytes;

    use super::*;
    use crate::config::ArrayConfig;

    fn call() -> Call {
        let (parts, ()) = http::Request::builder()
            .method("POST")
            .uri("/ConfigurationManager/v1/objects/ldevs")
            .body(())
            .unwrap()
            .into_parts();
        Call::new(&parts, Bytes::new(), IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap()
    }

    fn state(duration: Duration) -> State {
        State::new(
            ArrayConfig::default().job_duration(duration),
            "886000410000".into(),
            false,
        )
    }

    fn caller() -> Caller {
        Caller {
            session_id: 1,
            user: "user1".into(),
        }
    }

    #[test]
    fn keeps_3000_jobs_evicting_the_oldest() {
        let mut state = state(Duration::ZERO);
        let call = call();
        for _ in 0..MAX_JOBS + 5 {
            let op: Op = Box::new(|s: &mut State, _: &OpCtx| Step::ok(s.object_path("x")));
            submit(&mut state, &call, &caller(), JobKind::default(), op);
        }
        let now = Instant::now();
        assert_eq!(state.jobs.len(), MAX_JOBS);
        assert!(job_json(&state, 5, now).is_none());
        let oldest = job_json(&state, 6, now).unwrap();
        assert_eq!(oldest["status"], "Completed");
        assert!(job_json(&state, (MAX_JOBS + 5) as u64, now).is_some());
    }

    #[test]
    fn a_pending_job_runs_when_due_and_never_before() {
        let mut state = state(Duration::from_millis(40));
        let op: Op = Box::new(|s: &mut State, _: &OpCtx| Step::ok(s.object_path("y")));
        let id = submit(&mut state, &call(), &caller(), JobKind::default(), op);
        let created = Instant::now();
        assert!(!state.jobs.is_completed(id));
        let early = job_json(&state, id, created).unwrap();
        assert_eq!(early["status"], "Initializing");
        assert_eq!(early["affectedResources"], serde_json::json!([]));
        advance(&mut state, created + Duration::from_millis(60));
        let done = job_json(&state, id, created + Duration::from_millis(60)).unwrap();
        assert_eq!(done["state"], "Succeeded");
        assert_eq!(
            done["affectedResources"][0],
            "/ConfigurationManager/v1/objects/storages/886000410000/y"
        );
        assert!(done["completedTime"].is_string());
    }

    #[test]
    fn a_waiting_job_gives_up_at_its_deadline() {
        let mut state = state(Duration::ZERO);
        let start = Instant::now();
        let until = start + Duration::from_millis(200);
        let op: Op = Box::new(move |_: &mut State, ctx: &OpCtx| {
            if ctx.at >= until {
                Step::err(ApiError::locked())
            } else {
                Step::Wait { until }
            }
        });
        let id = submit(&mut state, &call(), &caller(), JobKind::default(), op);
        assert!(!state.jobs.is_completed(id));
        advance(&mut state, start + Duration::from_secs(5));
        let job = job_json(&state, id, start + Duration::from_secs(5)).unwrap();
        assert_eq!(job["state"], "Failed");
        assert_eq!(job["error"]["messageId"], "KART40050-E");
    }
}
