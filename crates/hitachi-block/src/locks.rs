//! Resource-group locks (`resource-group-service/actions/{lock,unlock}/invoke`).
//!
//! A lock belongs to the session that took it: only that session can change the locked
//! resources or unlock them (reference §15). So while a session holds a lock it does not
//! log in again on a 401 (a new session would not own the lock), and a [`ResourceLock`]
//! keeps its session alive until it is unlocked.
//!
//! Locks nest per session, as in Cinder: the first lock sends the lock request, the last
//! unlock sends the unlock request, and the ones in between only count.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::{Error, Phase};

use crate::error::HitachiError;
use crate::jobs::{Change, Job};
use crate::session::Session;

/// The longest `waitTime` the API documents (0-7200 s).
pub const MAX_LOCK_WAIT: Duration = Duration::from_secs(7200);

/// The session's lock gate: held across a lock or unlock request so that concurrent
/// tasks of one session agree on whether a request is needed.
fn gate(session: &Session) -> Arc<tokio::sync::Mutex<()>> {
    session.shared().lock_gate.clone()
}

fn wait_secs(wait_time: Duration) -> Result<u64, HitachiError> {
    if wait_time > MAX_LOCK_WAIT {
        return Err(HitachiError::InvalidInput {
            what: "lock wait time",
            reason: format!("{wait_time:?} is above {MAX_LOCK_WAIT:?}"),
        });
    }
    // Round up: a caller who asked to wait 0.5 s does want to wait.
    Ok(wait_time.as_secs() + u64::from(wait_time.subsec_nanos() > 0))
}

fn lock_path(session: &Session, action: &str) -> String {
    session
        .client()
        .service_path(&format!("/resource-group-service/actions/{action}/invoke"))
}

/// Unlocks in the session if this is the outermost lock, and counts the lock released.
async fn release(session: &Session) -> Result<(), Error> {
    let gate = gate(session);
    let _serialised = gate.lock().await;
    let held = &session.shared().locks_held;
    match held.load(Ordering::SeqCst) {
        0 => {
            tracing::warn!(
                session = session.id(),
                "unlock without a lock held; nothing sent"
            );
            Ok(())
        }
        1 => {
            // The count stays at 1 while the request is out, so the session does not log in
            // again under it; if this future is dropped here, the lock's Drop tries again.
            let path = lock_path(session, "unlock");
            let result = Change::json::<()>(session, Method::POST, path, None)
                .once()
                .await;
            held.fetch_sub(1, Ordering::SeqCst);
            match &result {
                Ok(_) => tracing::debug!(session = session.id(), "resource group unlocked"),
                Err(e) => tracing::warn!(session = session.id(), error = %e, "unlock failed"),
            }
            result.map(|_| ())
        }
        _ => {
            held.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
    }
}

/// Sends an unlock if a lock request was cut short (its future dropped) and may have
/// taken the lock on the server after all.
struct PendingLock {
    session: Session,
    armed: bool,
}

impl Drop for PendingLock {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let id = self.session.id();
        tracing::warn!(
            session = id,
            "lock request abandoned; unlocking in the background in case it was taken"
        );
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::error!(
                session = id,
                "no runtime to unlock; a lock may be held until the session ends"
            );
            return;
        };
        let session = self.session.clone();
        handle.spawn(async move {
            let gate = gate(&session);
            let _serialised = gate.lock().await;
            // Another task may have taken (and be using) the lock since: leave it alone.
            if session.shared().locks_held.load(Ordering::SeqCst) > 0 {
                return;
            }
            let path = lock_path(&session, "unlock");
            if let Err(e) = Change::json::<()>(&session, Method::POST, path, None).once().await {
                tracing::info!(session = id, error = %e, "unlock after an abandoned lock request failed (it was probably not taken)");
            }
        });
    }
}

/// A resource-group lock held by a session. Release it with [`ResourceLock::unlock`]; a
/// lock dropped without it is unlocked in the background, with a warning.
#[derive(Debug)]
#[must_use = "a lock dropped at once is unlocked at once"]
pub struct ResourceLock {
    session: Session,
    job: Option<Job>,
    released: bool,
}

impl Session {
    /// Locks the resource groups of this session's user (`POST .../lock/invoke` with
    /// `{"parameters": {"waitTime": secs}}`), waiting up to `wait_time` (at most 7200 s)
    /// for another session's lock. The server does the waiting: the request is sent once,
    /// never again on the lock error, so `wait_time` is the whole wait (the client's
    /// [`RetryWaits::lock`](crate::RetryWaits::lock) is for other changes). Give the
    /// client a job timeout longer than the wait.
    ///
    /// If this session already holds a lock, the lock only counts one more holder.
    pub async fn lock_resources(&self, wait_time: Duration) -> Result<ResourceLock, Error> {
        let secs = wait_secs(wait_time)?;
        let gate = gate(self);
        let _serialised = gate.lock().await;
        let held = &self.shared().locks_held;
        let job = if held.load(Ordering::SeqCst) > 0 {
            None
        } else {
            let mut pending = PendingLock {
                session: self.clone(),
                armed: true,
            };
            let path = lock_path(self, "lock");
            let body = serde_json::json!({ "parameters": { "waitTime": secs } });
            // Sent once: `wait_time` is how long the caller will wait for another
            // session's lock, and the server does the waiting. Resending on the lock error
            // would stretch that to the client's lock wait (hours).
            let result = Change::json(self, Method::POST, path, Some(&body))
                .once()
                .await;
            // The server said whether it locked (or nothing reached it): nothing to undo.
            // A timeout or a broken connection after sending leaves the outcome unknown;
            // the armed guard then unlocks in the background.
            pending.armed = match &result {
                Ok(_) => false,
                Err(e) => !matches!(e.phase(), Phase::Responded | Phase::NotSent),
            };
            let job = result?;
            tracing::debug!(session = self.id(), "resource group locked");
            Some(job)
        };
        held.fetch_add(1, Ordering::SeqCst);
        Ok(ResourceLock {
            session: self.clone(),
            job,
            released: false,
        })
    }

    /// How many [`ResourceLock`]s this session holds (nested locks count each).
    pub fn resource_locks_held(&self) -> u32 {
        self.shared().locks_held.load(Ordering::SeqCst)
    }
}

impl ResourceLock {
    /// The session holding the lock: do the locked work in it.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The lock request's job; `None` for a nested lock, which sent no request.
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }

    /// Releases the lock: the outermost one sends `POST .../unlock/invoke` in the same
    /// session. The lock counts as released even when that request fails (the error says
    /// so; whether the server then still holds it is unknown).
    pub async fn unlock(mut self) -> Result<(), Error> {
        let result = release(&self.session).await;
        self.released = true;
        result
    }
}

impl Drop for ResourceLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let id = self.session.id();
        tracing::warn!(
            session = id,
            "resource lock dropped without unlock; unlocking in the background"
        );
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            let held = &self.session.shared().locks_held;
            // An inner lock only counts; the outermost one needs a request, which cannot
            // be sent without a runtime, so its count stays and the session keeps not
            // logging in again: the server still holds the lock.
            if held
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n > 1).then(|| n - 1)
                })
                .is_err()
            {
                tracing::error!(
                    session = id,
                    "no runtime to unlock; the lock is held until the session ends"
                );
            }
            return;
        };
        let session = self.session.clone();
        handle.spawn(async move {
            match release(&session).await {
                Ok(()) => tracing::debug!(session = id, "dropped resource lock released"),
                Err(e) => tracing::warn!(session = id, error = %e, "could not unlock a dropped resource lock"),
            }
        });
    }
}

/// Locks two arrays for a remote copy operation (as the documentation recommends around
/// pair create and delete), the larger storageDeviceId first as Cinder does, so that two
/// clients locking the same two arrays cannot deadlock. Returns the locks in argument
/// order; if the second lock fails, the first is released.
pub async fn lock_both(
    local: &Session,
    remote: &Session,
    wait_time: Duration,
) -> Result<(ResourceLock, ResourceLock), Error> {
    let (a, b) = (
        local.client().storage_device_id(),
        remote.client().storage_device_id(),
    );
    if a == b && !Arc::ptr_eq(local.shared(), remote.shared()) {
        return Err(HitachiError::InvalidInput {
            what: "lock_both",
            reason: format!("both sessions are on {a}: the second lock would wait for the first"),
        }
        .into());
    }
    let local_first = a >= b;
    let (first, second) = if local_first {
        (local, remote)
    } else {
        (remote, local)
    };
    let first_lock = first.lock_resources(wait_time).await?;
    let second_lock = match second.lock_resources(wait_time).await {
        Ok(lock) => lock,
        Err(e) => {
            if let Err(u) = first_lock.unlock().await {
                tracing::warn!(error = %u, "could not release the first lock after the second failed");
            }
            return Err(e);
        }
    };
    Ok(if local_first {
        (first_lock, second_lock)
    } else {
        (second_lock, first_lock)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;

    fn lock_server(ip: u8) -> impl std::future::Future<Output = testing::Fake> {
        testing::Fake::start([127, 0, 0, ip], |seen| {
            (seen.method == "POST" && seen.path.contains("/resource-group-service/actions/"))
                .then(|| (202, testing::job("/jobs/1")))
        })
    }

    fn actions(fake: &testing::Fake) -> Vec<String> {
        fake.requests()
            .into_iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    const LOCK: &str = "POST /ConfigurationManager/v1/886000410000/services/resource-group-service/actions/lock/invoke";
    const UNLOCK: &str = "POST /ConfigurationManager/v1/886000410000/services/resource-group-service/actions/unlock/invoke";

    #[test]
    fn wait_times() {
        assert_eq!(wait_secs(Duration::ZERO).unwrap(), 0);
        assert_eq!(wait_secs(Duration::from_millis(500)).unwrap(), 1);
        assert_eq!(wait_secs(Duration::from_secs(180)).unwrap(), 180);
        assert_eq!(wait_secs(MAX_LOCK_WAIT).unwrap(), 7200);
        assert!(wait_secs(MAX_LOCK_WAIT + Duration::from_millis(1)).is_err());
    }

    #[tokio::test]
    async fn nested_locks_send_one_lock_and_one_unlock() {
        let fake = lock_server(210).await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let outer = session
            .lock_resources(Duration::from_secs(180))
            .await
            .unwrap();
        assert!(outer.job().is_some());
        assert_eq!(session.resource_locks_held(), 1);
        let inner = session
            .lock_resources(Duration::from_secs(180))
            .await
            .unwrap();
        assert!(inner.job().is_none());
        assert_eq!(session.resource_locks_held(), 2);
        inner.unlock().await.unwrap();
        assert_eq!(session.resource_locks_held(), 1);
        assert_eq!(actions(&fake), [LOCK]);
        outer.unlock().await.unwrap();
        assert_eq!(session.resource_locks_held(), 0);
        assert_eq!(actions(&fake), [LOCK, UNLOCK]);
        // The same session sent both, with its own token.
        assert!(
            fake.requests()
                .iter()
                .all(|s| s.headers.get("authorization").unwrap() == "Session tok")
        );
        session.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_dropped_lock_is_unlocked_in_the_background() {
        let fake = lock_server(211).await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        {
            let _lock = session.lock_resources(Duration::ZERO).await.unwrap();
            assert_eq!(session.resource_locks_held(), 1);
        }
        for _ in 0..200 {
            if session.resource_locks_held() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(session.resource_locks_held(), 0);
        assert_eq!(actions(&fake), [LOCK, UNLOCK]);
        session.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_lock_counts_nothing() {
        let fake = testing::Fake::start([127, 0, 0, 212], |_| {
            Some((202, serde_json::json!({"jobId": 1, "status": "Completed", "state": "Failed", "error": {"messageId": "KART30000-E"}})))
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        assert!(session.lock_resources(Duration::ZERO).await.is_err());
        assert_eq!(session.resource_locks_held(), 0);
        assert!(
            session
                .lock_resources(Duration::from_secs(7201))
                .await
                .is_err()
        );
        session.close().await.unwrap();
    }

    #[tokio::test]
    async fn lock_both_refuses_two_sessions_on_one_array() {
        let fake = lock_server(213).await;
        let client = fake.client().await;
        let a = client.open_session().await.unwrap();
        let b = client.open_session().await.unwrap();
        assert!(lock_both(&a, &b, Duration::ZERO).await.is_err());
        assert!(actions(&fake).is_empty());
        // The same session twice nests.
        let (x, y) = lock_both(&a, &a, Duration::ZERO).await.unwrap();
        assert_eq!(a.resource_locks_held(), 2);
        y.unlock().await.unwrap();
        x.unlock().await.unwrap();
        assert_eq!(actions(&fake), [LOCK, UNLOCK]);
        a.close().await.unwrap();
        b.close().await.unwrap();
    }
}
