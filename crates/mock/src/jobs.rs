//! Asynchronous jobs whose state advances over Tokio time along a timeline, with a long poll
//! that wakes as soon as the state changes.
//!
//! A job's state is computed from the clock when it is read, so no task runs per job and a
//! test on a paused clock moves jobs with `tokio::time::advance`. Each change of state raises
//! the job's [`version`](JobSnapshot::version); [`JobClock::wait_for_change`] returns as soon
//! as the job is past a given version or time (a timeline step, or a [`JobClock::set`] from
//! another task), or when its wait runs out.
//!
//! ```
//! use std::time::Duration;
//! use storkit_mock::jobs::{JobClock, Timeline};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let jobs = JobClock::new();
//! let id = jobs.start(
//!     Timeline::new("queued")
//!         .then(Duration::from_secs(1), "running")
//!         .then(Duration::from_secs(5), "success"),
//! );
//! let first = jobs.get(id).unwrap();
//! assert_eq!((first.state, first.version), ("queued", 0));
//!
//! // A long poll returns at the next change, here after one (paused) second.
//! let next = jobs.wait_for_change(id, first.version, Duration::from_secs(120)).await.unwrap();
//! assert_eq!((next.state, next.version), ("running", 1));
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::lock;

/// The states a job goes through: a first state, then each next state after a delay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline<S> {
    initial: S,
    /// (offset from the start, state), offsets not decreasing.
    later: Vec<(Duration, S)>,
}

impl<S> Timeline<S> {
    /// A timeline that starts in `initial` and stays there.
    pub fn new(initial: S) -> Self {
        Self {
            initial,
            later: Vec::new(),
        }
    }

    /// Moves to `state` once `after` has passed since the previous step.
    pub fn then(mut self, after: Duration, state: S) -> Self {
        let at = self.duration().saturating_add(after);
        self.later.push((at, state));
        self
    }

    /// How long the whole timeline takes, up to its last state.
    pub fn duration(&self) -> Duration {
        self.later.last().map_or(Duration::ZERO, |(at, _)| *at)
    }
}

/// Identifies a job in a [`JobClock`]; ids count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A job as it is at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobSnapshot<S> {
    /// The job.
    pub id: JobId,
    /// Its current state.
    pub state: S,
    /// How many times its state changed since it started: 0 in the first state.
    pub version: u64,
    /// When it entered the current state.
    pub changed_at: Instant,
    /// When it started.
    pub created_at: Instant,
    /// When its timeline moves it next; `None` once it reached the timeline's last state.
    pub next_change: Option<Instant>,
}

impl<S> JobSnapshot<S> {
    /// Whether the job changed after `since`: a greater version, or a change later than the
    /// instant.
    pub fn changed_since(&self, since: Since) -> bool {
        match since {
            Since::Version(version) => self.version > version,
            Since::Time(at) => self.changed_at > at,
        }
    }
}

/// What a long poll waits to be past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// A [`JobSnapshot::version`] the client saw.
    Version(u64),
    /// An instant, e.g. from a client's `last_modified` timestamp.
    Time(Instant),
}

impl From<u64> for Since {
    fn from(version: u64) -> Self {
        Self::Version(version)
    }
}

impl From<Instant> for Since {
    fn from(at: Instant) -> Self {
        Self::Time(at)
    }
}

struct Job<S> {
    created_at: Instant,
    /// Version of the timeline's first state.
    base_version: u64,
    started: Instant,
    timeline: Timeline<S>,
}

impl<S: Clone> Job<S> {
    fn snapshot(&self, id: JobId, now: Instant) -> JobSnapshot<S> {
        let elapsed = now.saturating_duration_since(self.started);
        // How many later steps were reached: 0 while in the first state.
        let reached = self
            .timeline
            .later
            .iter()
            .take_while(|(at, _)| *at <= elapsed)
            .count();
        let (at, state) = match reached
            .checked_sub(1)
            .and_then(|i| self.timeline.later.get(i))
        {
            Some((at, state)) => (*at, state.clone()),
            None => (Duration::ZERO, self.timeline.initial.clone()),
        };
        JobSnapshot {
            id,
            state,
            version: self.base_version + reached as u64,
            changed_at: self.started + at,
            created_at: self.created_at,
            next_change: self
                .timeline
                .later
                .get(reached)
                .map(|(at, _)| self.started + *at),
        }
    }
}

/// Jobs by id. Clones share the jobs.
pub struct JobClock<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    jobs: Mutex<JobTable<S>>,
    /// Bumped on every change made by hand, to wake long polls.
    changed: watch::Sender<u64>,
}

struct JobTable<S> {
    next_id: u64,
    jobs: BTreeMap<JobId, Job<S>>,
}

impl<S> Clone for JobClock<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> fmt::Debug for JobClock<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobClock")
            .field("jobs", &lock(&self.inner.jobs).jobs.len())
            .finish()
    }
}

impl<S: Clone + Send + 'static> Default for JobClock<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + 'static> JobClock<S> {
    /// No jobs.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                jobs: Mutex::new(JobTable {
                    next_id: 1,
                    jobs: BTreeMap::new(),
                }),
                changed: watch::Sender::new(0),
            }),
        }
    }

    /// Starts a job on `timeline` now; returns its id.
    pub fn start(&self, timeline: Timeline<S>) -> JobId {
        let now = Instant::now();
        let mut table = lock(&self.inner.jobs);
        let id = JobId(table.next_id);
        table.next_id += 1;
        table.jobs.insert(
            id,
            Job {
                created_at: now,
                base_version: 0,
                started: now,
                timeline,
            },
        );
        id
    }

    /// The job as it is now.
    pub fn get(&self, id: JobId) -> Option<JobSnapshot<S>> {
        let now = Instant::now();
        lock(&self.inner.jobs)
            .jobs
            .get(&id)
            .map(|job| job.snapshot(id, now))
    }

    /// Every job as it is now, by id.
    pub fn list(&self) -> Vec<JobSnapshot<S>> {
        let now = Instant::now();
        lock(&self.inner.jobs)
            .jobs
            .iter()
            .map(|(id, job)| job.snapshot(*id, now))
            .collect()
    }

    /// Puts the job in `state` now and stops its timeline there (e.g. a failure, a cancel).
    /// `false` if there is no such job.
    pub fn set(&self, id: JobId, state: S) -> bool {
        self.restart(id, Timeline::new(state))
    }

    /// Moves the job to `timeline`'s first state now and on along `timeline`, its version
    /// going on from the current one. `false` if there is no such job.
    pub fn restart(&self, id: JobId, timeline: Timeline<S>) -> bool {
        let now = Instant::now();
        {
            let mut table = lock(&self.inner.jobs);
            let Some(job) = table.jobs.get_mut(&id) else {
                return false;
            };
            let current = job.snapshot(id, now).version;
            job.base_version = current + 1;
            job.started = now;
            job.timeline = timeline;
        }
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
        true
    }

    /// Forgets a job; `false` if there was none. Long polls on it return `None`.
    pub fn remove(&self, id: JobId) -> bool {
        let removed = lock(&self.inner.jobs).jobs.remove(&id).is_some();
        if removed {
            self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
        }
        removed
    }

    /// Waits until the job changed since `since` (a version or an instant), or `max_wait`
    /// passed, and returns it as it is then; check
    /// [`changed_since`](JobSnapshot::changed_since) to tell which. `None` if there is no such
    /// job (or it was removed while waiting).
    pub async fn wait_for_change(
        &self,
        id: JobId,
        since: impl Into<Since>,
        max_wait: Duration,
    ) -> Option<JobSnapshot<S>> {
        let since = since.into();
        let deadline = Instant::now() + max_wait;
        let mut changed = self.inner.changed.subscribe();
        loop {
            // Marked seen before looking, so a change made after the look wakes the wait.
            changed.borrow_and_update();
            let snapshot = self.get(id)?;
            let now = Instant::now();
            if snapshot.changed_since(since) || now >= deadline {
                return Some(snapshot);
            }
            let wake = snapshot.next_change.map_or(deadline, |at| at.min(deadline));
            tokio::select! {
                result = changed.changed() => {
                    if result.is_err() {
                        return self.get(id);
                    }
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::time::advance;

    use super::*;

    fn timeline() -> Timeline<&'static str> {
        Timeline::new("queued")
            .then(Duration::from_secs(1), "running")
            .then(Duration::from_secs(5), "success")
    }

    #[tokio::test(start_paused = true)]
    async fn states_follow_the_timeline() {
        let jobs = JobClock::new();
        let id = jobs.start(timeline());
        assert_eq!(timeline().duration(), Duration::from_secs(6));
        let start = Instant::now();
        let at = |jobs: &JobClock<&'static str>| {
            let s = jobs.get(id).unwrap();
            (s.state, s.version)
        };
        assert_eq!(at(&jobs), ("queued", 0));
        advance(Duration::from_millis(999)).await;
        assert_eq!(at(&jobs), ("queued", 0));
        advance(Duration::from_millis(1)).await;
        assert_eq!(at(&jobs), ("running", 1));
        advance(Duration::from_secs(100)).await;
        let done = jobs.get(id).unwrap();
        assert_eq!((done.state, done.version), ("success", 2));
        assert_eq!(done.changed_at - start, Duration::from_secs(6));
        assert_eq!(done.created_at, start);
        assert_eq!(done.next_change, None);
        assert_eq!(jobs.get(JobId(99)), None);
        assert_eq!(jobs.list().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_poll_wakes_at_the_next_step() {
        let jobs = JobClock::new();
        let id = jobs.start(timeline());
        let start = Instant::now();
        let s = jobs
            .wait_for_change(id, 0, Duration::from_secs(120))
            .await
            .unwrap();
        assert_eq!(
            (s.state, Instant::now() - start),
            ("running", Duration::from_secs(1))
        );
        let s = jobs
            .wait_for_change(id, s.version, Duration::from_secs(120))
            .await
            .unwrap();
        assert_eq!(
            (s.state, Instant::now() - start),
            ("success", Duration::from_secs(6))
        );
        // Nothing more will change: the wait runs out and returns the same state.
        let s = jobs
            .wait_for_change(id, s.version, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(!s.changed_since(Since::Version(2)));
        assert_eq!(Instant::now() - start, Duration::from_secs(36));
        // A poll already behind returns at once, by version or by time.
        let t = Instant::now();
        assert_eq!(
            jobs.wait_for_change(id, 1, Duration::from_secs(30))
                .await
                .unwrap()
                .state,
            "success"
        );
        let s = jobs
            .wait_for_change(id, start, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(s.changed_since(Since::Time(start)));
        assert_eq!(Instant::now(), t);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_by_hand_wakes_a_waiting_poll_at_once() {
        let jobs = JobClock::new();
        let id = jobs.start(Timeline::new("running").then(Duration::from_secs(3600), "success"));
        let start = Instant::now();
        let waiter = {
            let jobs = jobs.clone();
            tokio::spawn(async move { jobs.wait_for_change(id, 0, Duration::from_secs(120)).await })
        };
        advance(Duration::from_secs(10)).await;
        assert!(!waiter.is_finished());
        assert!(jobs.set(id, "failure"));
        let s = waiter.await.unwrap().unwrap();
        assert_eq!((s.state, s.version), ("failure", 1));
        assert_eq!(Instant::now() - start, Duration::from_secs(10));
        // Its timeline stopped there.
        advance(Duration::from_secs(7200)).await;
        assert_eq!(jobs.get(id).unwrap().state, "failure");

        // A restart goes on from the current version; a removal ends waits with `None`.
        assert!(jobs.restart(
            id,
            Timeline::new("queued").then(Duration::from_secs(1), "running")
        ));
        assert_eq!(jobs.get(id).unwrap().version, 2);
        let waiter = {
            let jobs = jobs.clone();
            tokio::spawn(async move { jobs.wait_for_change(id, 5, Duration::from_secs(120)).await })
        };
        tokio::task::yield_now().await;
        assert!(jobs.remove(id));
        assert_eq!(waiter.await.unwrap(), None);
        assert!(!jobs.set(id, "x"));
    }
}
