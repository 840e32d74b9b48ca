//! What one mock storage system is: model, serial, users, API version and timings.

use std::fmt;
use std::time::Duration;

/// The user the seeds' ShadowImage sample logs in with (seed 001).
const DEFAULT_USER: (&str, &str) = ("user1", "pass1");

/// One mock storage system.
///
/// Fields are public; the methods are a builder over them. `Debug` hides the passwords.
#[derive(Clone, PartialEq, Eq)]
pub struct ArrayConfig {
    /// The model name, e.g. `"VSP G900"`; with `serial` it gives the storageDeviceId.
    pub model: String,
    /// The serial number, e.g. `410000`.
    pub serial: u64,
    /// The users that may create sessions, as (user ID, password).
    pub users: Vec<(String, String)>,
    /// What `GET /ConfigurationManager/configuration/version` reports as `apiVersion`.
    pub api_version: String,
    /// How long an asynchronous job takes from acceptance to `Completed`.
    pub job_duration: Duration,
    /// The idle timeout of a session created without `aliveTime`, in seconds.
    pub alive_time_default: u32,
    /// How many sessions may exist at once; one more gets 503.
    pub max_sessions: usize,
    /// The longest time `Response-Job-Status: Completed` holds a 202 back.
    pub wait_cap: Duration,
}

impl Default for ArrayConfig {
    /// A VSP G900 #410000 (the local system of seed 000) with the user `user1`/`pass1`,
    /// API version 1.31.0, 300 ms jobs, 300 s idle timeout, 64 sessions, 30 s wait cap.
    fn default() -> Self {
        Self {
            model: "VSP G900".to_owned(),
            serial: 410_000,
            users: vec![(DEFAULT_USER.0.to_owned(), DEFAULT_USER.1.to_owned())],
            api_version: "1.31.0".to_owned(),
            job_duration: Duration::from_millis(300),
            alive_time_default: 300,
            max_sessions: 64,
            wait_cap: Duration::from_secs(30),
        }
    }
}

impl ArrayConfig {
    /// The defaults with another model and serial.
    pub fn new(model: impl Into<String>, serial: u64) -> Self {
        Self {
            model: model.into(),
            serial,
            ..Self::default()
        }
    }

    /// Adds a user. The first call replaces the default `user1`/`pass1`, so
    /// `ArrayConfig::new(..).user("local_user", "local_pass")` knows exactly that user.
    pub fn user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        if self.users == Self::default().users {
            self.users.clear();
        }
        self.users.push((user.into(), password.into()));
        self
    }

    /// Sets the reported API version (`"1.9.0"`, `"2.0.0"`, ...).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Sets how long asynchronous jobs take; `Duration::ZERO` completes them on acceptance.
    pub fn job_duration(mut self, duration: Duration) -> Self {
        self.job_duration = duration;
        self
    }

    /// Sets the default session idle timeout in seconds.
    pub fn alive_time_default(mut self, secs: u32) -> Self {
        self.alive_time_default = secs;
        self
    }

    /// Sets the session limit.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Sets the longest hold of `Response-Job-Status: Completed`.
    pub fn wait_cap(mut self, cap: Duration) -> Self {
        self.wait_cap = cap;
        self
    }
}

impl fmt::Debug for ArrayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<&str> = self.users.iter().map(|(u, _)| u.as_str()).collect();
        f.debug_struct("ArrayConfig")
            .field("model", &self.model)
            .field("serial", &self.serial)
            .field("users", &users)
            .field("api_version", &self.api_version)
            .field("job_duration", &self.job_duration)
            .field("alive_time_default", &self.alive_time_default)
            .field("max_sessions", &self.max_sessions)
            .field("wait_cap", &self.wait_cap)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_user_replaces_the_default() {
        let config = ArrayConfig::new("VSP G900", 420_000)
            .user("remote_user", "remote_pass")
            .user("u2", "p2");
        assert_eq!(config.users.len(), 2);
        assert_eq!(config.users[0].0, "remote_user");
        assert_eq!(ArrayConfig::default().users[0].0, "user1");
    }

    #[test]
    fn debug_hides_passwords() {
        let config = ArrayConfig::default().user("alice", "s3cret");
        let text = format!("{config:?}");
        assert!(text.contains("alice"));
        assert!(!text.contains("s3cret"));
    }
}
