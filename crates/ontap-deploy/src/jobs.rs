//! Jobs: every call that answers 202 starts one; [`JobHandle::wait`] long-polls it.
//!
//! The wait asks `GET /jobs/{id}?fields=state,message,last_modified&poll_timeout=<hold>
//! &last_modified=>=<last seen>`: Deploy holds the answer until the job changes or the
//! hold ends (reference §5), and the next poll follows at once, without a sleep; so does
//! the poll after an answer showing a change (a new `last_modified`), so no message is
//! skipped. A server that answers at once without a change is polled on the fallback
//! backoff, never in a busy loop (the core's [`Poller::run_long_poll`]). Each new job
//! message is passed to the progress
//! callback. `success` ends the wait; `failure` (and `cancelled`, `expired`) is
//! [`OntapError::JobFailed`] with the job's message; the deadline is
//! [`OntapError::JobTimeout`] with the last state seen.

use std::fmt;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::poll::{Backoff, PollContext, PollError, PollPolicy, PollStep, Poller};
use storkit_core::{Error, ErrorKind, Phase};

use crate::client::DeployClient;
use crate::error::OntapError;
use crate::model::{Job, decode_job};
use crate::query::{Fields, Query};

/// The longest hold Deploy accepts (`poll_timeout`, 1–120 s).
pub const MAX_HOLD: Duration = Duration::from_secs(120);

/// How jobs are waited for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobPolicy {
    /// Whether to long-poll (default); without it each poll is answered at once and the
    /// next follows after the `fallback` backoff.
    pub long_poll: bool,
    /// How long Deploy may hold each poll (`poll_timeout`, clamped to 1–120 s; default
    /// 120 s, and never past the deadline: with less than a second left the poll is a
    /// plain one). Each poll's request timeout is this plus 30 s.
    pub hold: Duration,
    /// Give up after this long (default 2 hours: a deploy runs for tens of minutes).
    pub deadline: Option<Duration>,
    /// Give up after this many polls (default no limit).
    pub max_attempts: Option<u32>,
    /// The waits when Deploy answers without holding (and before the first poll).
    pub fallback: Backoff,
}

impl Default for JobPolicy {
    fn default() -> Self {
        JobPolicy {
            long_poll: true,
            hold: MAX_HOLD,
            deadline: Some(Duration::from_secs(7200)),
            max_attempts: None,
            fallback: Backoff::exponential(Duration::from_millis(250), 2.0, Duration::from_secs(5)),
        }
    }
}

impl JobPolicy {
    /// Plain polling on the core's poll policy: its backoff, attempt limit and deadline,
    /// no long poll (for servers that do not hold, or a schedule shared with other
    /// vendors).
    pub fn from_poll_policy(policy: &PollPolicy) -> Self {
        JobPolicy {
            long_poll: false,
            hold: MAX_HOLD,
            deadline: policy.deadline,
            max_attempts: policy.max_attempts,
            fallback: policy.backoff.clone(),
        }
    }

    /// The same policy with long polling on or off.
    #[must_use]
    pub fn with_long_poll(mut self, on: bool) -> Self {
        self.long_poll = on;
        self
    }

    /// The same policy with an attempt limit (`None`: no limit).
    #[must_use]
    pub fn with_max_attempts(mut self, max: impl Into<Option<u32>>) -> Self {
        self.max_attempts = max.into();
        self
    }

    /// The same policy with another hold (clamped to 1–120 s).
    #[must_use]
    pub fn with_hold(mut self, hold: Duration) -> Self {
        self.hold = hold;
        self
    }

    /// The same policy with another deadline (`None`: wait for ever).
    #[must_use]
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.deadline = deadline.into();
        self
    }

    /// The same policy with another fallback backoff.
    #[must_use]
    pub fn with_fallback(mut self, fallback: Backoff) -> Self {
        self.fallback = fallback;
        self
    }
}

/// Whole seconds of `d`, clamped to Deploy's 1–120.
fn hold_seconds(d: Duration) -> u64 {
    d.as_secs().clamp(1, MAX_HOLD.as_secs())
}

/// A job message, as the wait reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobProgress {
    /// The job's id.
    pub job_id: String,
    /// Its state (`queued`, `running`, ...).
    pub state: String,
    /// The new message.
    pub message: String,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// A job a call started: its id, the id of the object it creates (from `location`), and
/// what the call's answer said. Wait on it with [`JobHandle::wait`].
#[must_use = "a job runs on Deploy whether or not it is waited for"]
#[derive(Clone)]
pub struct JobHandle {
    client: DeployClient,
    job: Job,
    id: String,
    location_id: Option<String>,
    request_id: Option<String>,
}

impl fmt::Debug for JobHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle")
            .field("id", &self.id)
            .field("location_id", &self.location_id)
            .field("request_id", &self.request_id)
            .field("state", &self.job.state)
            .field("message", &self.job.message)
            .finish()
    }
}

impl JobHandle {
    pub(crate) fn new(
        client: DeployClient,
        job: Job,
        answer: &crate::client::Answer,
    ) -> Result<JobHandle, Error> {
        let id = job.id.clone().filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::from(OntapError::Decode {
                what: "a job".into(),
                detail: "it has no id".into(),
            })
        })?;
        Ok(JobHandle {
            client,
            job,
            id,
            location_id: answer.location_id.clone(),
            request_id: answer.request_id.clone(),
        })
    }

    /// The job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id of the object the call creates (a credential, a host), from `location`.
    pub fn location_id(&self) -> Option<&str> {
        self.location_id.as_deref()
    }

    /// The `request-id` of the call that started the job (for Deploy's event log).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The job as the call's answer described it.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// Waits with the client's [`JobPolicy`] until the job ends; progress goes to the
    /// `tracing` log.
    pub async fn wait(self) -> Result<Job, Error> {
        self.wait_with(|p| {
            tracing::info!(job = %p.job_id, state = %p.state, message = %p.message, "job progress");
        })
        .await
    }

    /// Waits with the client's policy; each new job message is passed to `progress`.
    pub async fn wait_with(self, progress: impl FnMut(&JobProgress)) -> Result<Job, Error> {
        let policy = self.client.job_policy().clone();
        self.wait_with_policy(&policy, progress).await
    }

    /// Waits with `policy`; each new job message is passed to `progress`.
    pub async fn wait_with_policy(
        self,
        policy: &JobPolicy,
        mut progress: impl FnMut(&JobProgress),
    ) -> Result<Job, Error> {
        let started = tokio::time::Instant::now();
        let mut last_message = None::<String>;
        let mut report = |job: &Job, last_message: &mut Option<String>| {
            if let Some(message) = job.message.as_ref().filter(|m| !m.is_empty())
                && last_message.as_ref() != Some(message)
            {
                progress(&JobProgress {
                    job_id: self.id.clone(),
                    state: job.state.as_str().to_owned(),
                    message: message.clone(),
                    elapsed: started.elapsed(),
                });
                *last_message = Some(message.clone());
            }
        };
        report(&self.job, &mut last_message);
        let poll = PollPolicy::default()
            .with_backoff(policy.fallback.clone())
            .with_max_attempts(policy.max_attempts)
            .with_deadline(policy.deadline);
        let hold = policy.long_poll.then_some(policy.hold);
        let mut last_seen: Job = self.job.clone();
        let id = self.id.as_str();
        let client = &self.client;
        let mut poller = Poller::new(poll);
        if hold.is_some() && self.job.last_modified.is_some() {
            // Deploy holds the first poll too: ask at once, so no early message is missed.
            poller = poller.first_fetch_now();
        }
        let result = poller
            .run_long_poll(
                self.job.last_modified.clone(),
                |context: PollContext<String>| async move {
                    // Held no longer than the time left, and only with a cursor to hold on.
                    let hold = hold
                        .map(|h| context.remaining.map_or(h, |r| r.min(h)))
                        .filter(|h| *h >= Duration::from_secs(1))
                        .filter(|_| context.cursor.is_some());
                    let mut query = Query::new().fields(Fields::List(vec![
                        "state".into(),
                        "message".into(),
                        "last_modified".into(),
                    ]));
                    let mut request_timeout = None;
                    if let (Some(hold), Some(cursor)) = (hold, &context.cursor) {
                        let seconds = hold_seconds(hold);
                        query = query
                            .param("poll_timeout", seconds)
                            .ge("last_modified", cursor);
                        request_timeout =
                            Some(Duration::from_secs(seconds) + Duration::from_secs(30));
                    }
                    let mut request = client.request(Method::GET, &["jobs", id], &query)?;
                    if let Some(timeout) = request_timeout {
                        request = request.timeout(timeout);
                    }
                    let answer = client.send(request).await?;
                    let mut job = decode_job(&answer.body)?;
                    if job.id.is_none() {
                        job.id = Some(id.to_owned());
                    }
                    if job.state.is_terminal() {
                        return Ok(PollStep::Done(job));
                    }
                    // A job that moved past the cursor is asked again at once (its next
                    // message is not missed); an unchanged one after a held poll at once
                    // too, and after the rest of the backoff wait when Deploy did not hold.
                    let changed = job
                        .last_modified
                        .as_ref()
                        .is_some_and(|m| context.cursor.as_ref() != Some(m));
                    Ok::<_, Error>(match job.last_modified.clone().or(context.cursor) {
                        Some(cursor) if changed => PollStep::Changed {
                            status: job,
                            cursor,
                        },
                        Some(cursor) => PollStep::AgainNow {
                            status: job,
                            cursor,
                        },
                        None => PollStep::Pending(job),
                    })
                },
                |event| {
                    report(event.status, &mut last_message);
                    last_seen = event.status.clone();
                },
            )
            .await;
        match result {
            Ok(job) => {
                report(&job, &mut last_message);
                if job.state.is_failure() {
                    Err(OntapError::JobFailed {
                        job_id: self.id.clone(),
                        state: job.state.as_str().to_owned(),
                        message: job.message.clone(),
                    }
                    .into())
                } else {
                    Ok(job)
                }
            }
            Err(PollError::Fetch { source, .. }) => Err(source),
            Err(e) => {
                let detail = OntapError::JobTimeout {
                    job_id: self.id.clone(),
                    last_state: Some(last_seen.state.as_str().to_owned()),
                    last_message: last_seen.message.clone(),
                };
                let message = format!("{detail}: {e}");
                Err(Error::new(ErrorKind::Poll)
                    .with_phase(Phase::Responded)
                    .with_message(message)
                    .with_source(detail))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_are_clamped_to_deploys_range() {
        assert_eq!(hold_seconds(Duration::ZERO), 1);
        assert_eq!(hold_seconds(Duration::from_millis(1500)), 1);
        assert_eq!(hold_seconds(Duration::from_secs(30)), 30);
        assert_eq!(hold_seconds(Duration::from_secs(600)), 120);
    }
}
