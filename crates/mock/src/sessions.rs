//! Login sessions with expiry on Tokio's clock: create, look up, renew, expire, delete.
//!
//! Tokens are random (UUID v4, 122 random bits). Expiry is measured with
//! [`tokio::time::Instant`], so a test on a paused clock (`#[tokio::test(start_paused = true)]`)
//! expires sessions with `tokio::time::advance`.
//!
//! ```
//! use std::time::Duration;
//! use storkit_mock::sessions::{SessionConfig, SessionStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = SessionStore::new(SessionConfig::new(Duration::from_secs(600)).max_sessions(64));
//! let session = store.create("admin").unwrap();
//! assert_eq!(store.get(&session.token).map(|s| s.data), Some("admin"));
//! assert!(store.delete(&session.token));
//! assert_eq!(store.count(), 0);
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::lock;

/// How a [`SessionStore`] expires and limits sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How long a session lives after its creation or its last renewal.
    pub ttl: Duration,
    /// Renew a session on every [`get`](SessionStore::get) (sliding expiry), not only on
    /// [`touch`](SessionStore::touch).
    pub sliding: bool,
    /// At most this many live sessions; `None` for no limit.
    pub max_sessions: Option<usize>,
}

impl SessionConfig {
    /// Sessions that live `ttl` after creation or [`touch`](SessionStore::touch), no limit.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            sliding: false,
            max_sessions: None,
        }
    }

    /// Renews sessions on every lookup.
    pub fn sliding(mut self) -> Self {
        self.sliding = true;
        self
    }

    /// Allows at most `max` live sessions.
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = Some(max);
        self
    }
}

/// One session: its token, what the mock keeps with it, and its times.
///
/// `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session<T> {
    /// The token clients send back.
    pub token: String,
    /// The mock's data (user, rights, a vendor's session id, ...).
    pub data: T,
    /// When it was created.
    pub created: Instant,
    /// When it expires unless renewed.
    pub expires: Instant,
}

impl<T: fmt::Debug> fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("data", &self.data)
            .field("created", &self.created)
            .field("expires", &self.expires)
            .finish()
    }
}

/// Why a session was not created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// [`SessionConfig::max_sessions`] live sessions exist already.
    #[error("too many sessions: {max} are open")]
    TooMany {
        /// The limit.
        max: usize,
    },
    /// [`SessionStore::insert`] was given a token that is live already.
    #[error("a session with this token exists already")]
    TokenTaken,
}

/// Live sessions by token. Clones share the sessions.
#[derive(Clone)]
pub struct SessionStore<T> {
    config: SessionConfig,
    sessions: Arc<Mutex<HashMap<String, Session<T>>>>,
}

impl<T> fmt::Debug for SessionStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("config", &self.config)
            .field("sessions", &lock(&self.sessions).len())
            .finish()
    }
}

impl<T: Clone> SessionStore<T> {
    /// An empty store.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            sessions: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The configuration.
    pub fn config(&self) -> SessionConfig {
        self.config
    }

    /// Opens a session with a new random token.
    pub fn create(&self, data: T) -> Result<Session<T>, SessionError> {
        self.insert(uuid::Uuid::new_v4().to_string(), data)
    }

    /// Opens a session with a token of the mock's choosing (for vendors whose tokens have a
    /// format of their own).
    pub fn insert(&self, token: impl Into<String>, data: T) -> Result<Session<T>, SessionError> {
        let token = token.into();
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, s| s.expires > now);
        if sessions.contains_key(&token) {
            return Err(SessionError::TokenTaken);
        }
        if let Some(max) = self.config.max_sessions
            && sessions.len() >= max
        {
            return Err(SessionError::TooMany { max });
        }
        let session = Session {
            token: token.clone(),
            data,
            created: now,
            expires: now + self.config.ttl,
        };
        sessions.insert(token, session.clone());
        Ok(session)
    }

    /// The live session with this token (renewed first when expiry is sliding); `None` if it
    /// is unknown or expired. An expired session is removed.
    pub fn get(&self, token: &str) -> Option<Session<T>> {
        if self.config.sliding {
            return self.touch(token);
        }
        self.with_live(token, |session| session.clone())
    }

    /// Renews the session: it now expires [`SessionConfig::ttl`] from now. `None` if it is
    /// unknown or expired.
    pub fn touch(&self, token: &str) -> Option<Session<T>> {
        let ttl = self.config.ttl;
        self.with_live(token, |session| {
            session.expires = Instant::now() + ttl;
            session.clone()
        })
    }

    /// Changes the data of a live session; returns the session as changed.
    pub fn update(&self, token: &str, change: impl FnOnce(&mut T)) -> Option<Session<T>> {
        self.with_live(token, |session| {
            change(&mut session.data);
            session.clone()
        })
    }

    /// Ends a session now; `false` if it was unknown or had expired.
    pub fn delete(&self, token: &str) -> bool {
        let now = Instant::now();
        lock(&self.sessions)
            .remove(token)
            .is_some_and(|s| s.expires > now)
    }

    /// How many sessions are live.
    pub fn count(&self) -> usize {
        let now = Instant::now();
        lock(&self.sessions)
            .values()
            .filter(|s| s.expires > now)
            .count()
    }

    /// Every live session.
    pub fn sessions(&self) -> Vec<Session<T>> {
        let now = Instant::now();
        lock(&self.sessions)
            .values()
            .filter(|s| s.expires > now)
            .cloned()
            .collect()
    }

    /// Forgets expired sessions; returns how many.
    pub fn purge_expired(&self) -> usize {
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        let before = sessions.len();
        sessions.retain(|_, s| s.expires > now);
        before - sessions.len()
    }

    /// Ends every session.
    pub fn clear(&self) {
        lock(&self.sessions).clear();
    }

    fn with_live<R>(&self, token: &str, f: impl FnOnce(&mut Session<T>) -> R) -> Option<R> {
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        let live = sessions.get(token).is_some_and(|s| s.expires > now);
        if !live {
            sessions.remove(token);
            return None;
        }
        sessions.get_mut(token).map(f)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::time::advance;

    use super::*;

    const TTL: Duration = Duration::from_secs(600);

    #[tokio::test(start_paused = true)]
    async fn sessions_expire_on_tokios_clock() {
        let store = SessionStore::new(SessionConfig::new(TTL));
        let session = store.create(7u32).unwrap();
        assert_eq!(session.expires - session.created, TTL);
        advance(TTL - Duration::from_secs(1)).await;
        assert_eq!(store.get(&session.token).unwrap().data, 7);
        assert_eq!(store.count(), 1);
        // A lookup does not renew a fixed-expiry session.
        advance(Duration::from_secs(1)).await;
        assert_eq!(store.get(&session.token), None);
        assert_eq!(store.count(), 0);
        assert!(!store.delete(&session.token));
    }

    #[tokio::test(start_paused = true)]
    async fn touch_renews_and_sliding_renews_on_every_lookup() {
        let store = SessionStore::new(SessionConfig::new(TTL));
        let token = store.create(()).unwrap().token;
        advance(Duration::from_secs(500)).await;
        let renewed = store.touch(&token).unwrap();
        assert_eq!(renewed.expires, Instant::now() + TTL);
        advance(Duration::from_secs(500)).await;
        assert!(store.get(&token).is_some());
        advance(Duration::from_secs(100)).await;
        assert!(store.touch(&token).is_none());

        let sliding = SessionStore::new(SessionConfig::new(TTL).sliding());
        let token = sliding.create(()).unwrap().token;
        for _ in 0..5 {
            advance(Duration::from_secs(599)).await;
            assert!(sliding.get(&token).is_some());
        }
        advance(TTL).await;
        assert!(sliding.get(&token).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn limits_tokens_updates_and_deletes() {
        let store = SessionStore::new(SessionConfig::new(TTL).max_sessions(2));
        let a = store.create("a".to_owned()).unwrap();
        let b = store.insert("fixed-token", "b".to_owned()).unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 36);
        assert_eq!(
            store.insert("fixed-token", "c".to_owned()),
            Err(SessionError::TokenTaken)
        );
        assert_eq!(
            store.create("c".to_owned()),
            Err(SessionError::TooMany { max: 2 })
        );
        let changed = store.update(&a.token, |d| d.push('!')).unwrap();
        assert_eq!(changed.data, "a!");
        assert!(store.delete("fixed-token"));
        assert!(!store.delete("fixed-token"));
        assert_eq!(store.count(), 1);
        // Expired sessions free their places.
        advance(TTL).await;
        assert_eq!(store.count(), 0);
        assert_eq!(store.sessions().len(), 0);
        store.create("d".to_owned()).unwrap();
        store.create("e".to_owned()).unwrap();
        assert_eq!(store.purge_expired(), 0);
        advance(TTL).await;
        assert_eq!(store.purge_expired(), 2);
        let s = store.create("f".to_owned()).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains(&s.token) && shown.contains("<redacted>"),
            "{shown}"
        );
        store.clear();
        assert_eq!(store.count(), 0);
    }
}
