//! Jobs: each moves queued → running (one or more progress messages) → success or failure
//! along a timeline on Tokio's clock, one step every [`job_step`](crate::DeployConfig::job_step);
//! `GET /jobs/{id}` long polls until the job's `last_modified` is past the client's.

use std::time::Duration;

use serde_json::{Map, Value};
use storkit_mock::jobs::{JobId, JobSnapshot, Timeline};
use tokio::time::Instant;

use crate::answer::{Answer, Refusal, Reply};
use crate::query::{Alternative, Query};
use crate::schema;
use crate::state::{Deploy, Effect};
use crate::time::parse_rfc3339;

/// A job's state, as Deploy writes it (lowercase, reference §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Done.
    Success,
    /// Failed; the reason is in the message.
    Failure,
}

impl JobState {
    /// `queued`, `running`, `success` or `failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    /// Whether the job is over.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }
}

/// A job as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobView {
    /// Its id.
    pub id: String,
    /// Its state.
    pub state: JobState,
    /// Its message.
    pub message: String,
    /// When it last changed, RFC 3339 with microseconds and `Z`.
    pub last_modified: String,
}

/// One state of a job's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) state: JobState,
    pub(crate) message: String,
}

/// What a job does, for its messages.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The progress messages while running, at least one.
    pub(crate) running: Vec<String>,
    /// The message on success.
    pub(crate) done: String,
}

impl Plan {
    pub(crate) fn new<S: Into<String>>(
        running: impl IntoIterator<Item = S>,
        done: impl Into<String>,
    ) -> Self {
        Self {
            running: running.into_iter().map(Into::into).collect(),
            done: done.into(),
        }
    }

    /// The timeline: queued, each running message, then success; or, when `failure` is
    /// set, queued, the first running message, then failure with that message.
    pub(crate) fn timeline(&self, step: Duration, failure: Option<String>) -> Timeline<Step> {
        let mut timeline = Timeline::new(Step {
            state: JobState::Queued,
            message: "Job queued".to_owned(),
        });
        let running: Vec<String> = if self.running.is_empty() {
            vec!["Job running".to_owned()]
        } else {
            self.running.clone()
        };
        let take = if failure.is_some() { 1 } else { running.len() };
        for message in running.into_iter().take(take) {
            timeline = timeline.then(
                step,
                Step {
                    state: JobState::Running,
                    message,
                },
            );
        }
        let last = match failure {
            Some(message) => Step {
                state: JobState::Failure,
                message,
            },
            None => Step {
                state: JobState::Success,
                message: self.done.clone(),
            },
        };
        timeline.then(step, last)
    }
}

/// The mock's record of a job beside its timeline.
#[derive(Debug)]
pub(crate) struct JobMeta {
    pub(crate) id: String,
    pub(crate) clock: JobId,
    /// What happens to the state when it ends; `None` once applied.
    pub(crate) effect: Option<Effect>,
    /// The cluster it works on, which takes no other job meanwhile.
    pub(crate) cluster: Option<String>,
}

impl Deploy {
    /// The job's record, every field.
    pub(crate) fn job_record(&self, id: &str, snapshot: &JobSnapshot<Step>) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(id));
        map.insert("state".into(), Value::from(snapshot.state.state.as_str()));
        map.insert(
            "message".into(),
            Value::from(snapshot.state.message.clone()),
        );
        map.insert(
            "last_modified".into(),
            Value::from(self.clock.format(snapshot.changed_at)),
        );
        Value::Object(map)
    }

    pub(crate) fn job_view(&self, id: &str, snapshot: &JobSnapshot<Step>) -> JobView {
        JobView {
            id: id.to_owned(),
            state: snapshot.state.state,
            message: snapshot.state.message.clone(),
            last_modified: self.clock.format(snapshot.changed_at),
        }
    }
}

/// `GET /jobs`.
pub(crate) fn list(deploy: &Deploy, query: &Query) -> Answer {
    query.check(&schema::JOBS)?;
    let state = deploy.state();
    let records = state
        .jobs
        .iter()
        .filter_map(|job| {
            deploy
                .jobs
                .get(job.clock)
                .map(|snapshot| deploy.job_record(&job.id, &snapshot))
        })
        .collect();
    drop(state);
    Ok(Reply::Collection(query.apply(records, &schema::JOBS)))
}

/// The long poll's cursor: the time in `last_modified=<op><timestamp>` (any operator; the
/// poll waits for a change strictly after it), in microseconds.
fn cursor(query: &Query) -> Result<Option<i64>, Refusal> {
    let Some((_, alternatives)) = query.filters.iter().find(|(k, _)| k == "last_modified") else {
        return Ok(None);
    };
    let operand = match alternatives.as_slice() {
        [
            Alternative::Eq(t)
            | Alternative::Ge(t)
            | Alternative::Gt(t)
            | Alternative::Le(t)
            | Alternative::Lt(t)
            | Alternative::Ne(t),
        ] => t,
        _ => {
            return Err(Refusal::bad_request(
                "last_modified must be one timestamp, e.g. last_modified=>=2019-04-04T15:41:29.140265Z",
            ));
        }
    };
    let nanos = parse_rfc3339(operand).ok_or_else(|| {
        Refusal::bad_request(format!(
            "the value {operand:?} is invalid for field \"last_modified\": expected an RFC 3339 timestamp"
        ))
    })?;
    Ok(Some(
        i64::try_from(nanos.div_euclid(1000)).unwrap_or(i64::MAX),
    ))
}

/// `GET /jobs/{id}`: with `poll_timeout` and `last_modified`, holds until the job's
/// `last_modified` is later than the one given (waking at once on a change), or the
/// timeout passes; without either it answers at once.
pub(crate) async fn get(deploy: &Deploy, id: &str, query: &Query) -> Answer {
    query.check(&schema::JOBS)?;
    if let Some((name, _)) = query.filters.iter().find(|(k, _)| k != "last_modified") {
        return Err(Refusal::bad_request(format!(
            "the query parameter {name:?} is not accepted on a single job"
        )));
    }
    let cursor = cursor(query)?;
    let clock = {
        let state = deploy.state();
        state
            .jobs
            .iter()
            .find(|job| job.id == id)
            .map(|job| job.clock)
            .ok_or_else(|| Refusal::not_found("job", id))?
    };
    let gone = || Refusal::not_found("job", id);
    let mut snapshot = deploy.jobs.get(clock).ok_or_else(gone)?;
    if let (Some(cursor), Some(seconds)) = (cursor, query.poll_timeout) {
        let deadline = Instant::now() + Duration::from_secs(u64::from(seconds));
        loop {
            let modified = deploy.clock.micros(snapshot.changed_at);
            let now = Instant::now();
            if modified > cursor || now >= deadline {
                break;
            }
            snapshot = deploy
                .jobs
                .wait_for_change(clock, snapshot.version, deadline - now)
                .await
                .ok_or_else(gone)?;
        }
    }
    // Apply the job's effect (if it just ended) before anyone reads the state.
    drop(deploy.state());
    let record = deploy.job_record(id, &snapshot);
    Ok(Reply::Record(crate::query::project(
        &record,
        &query.fields,
        &schema::JOBS,
    )))
}
