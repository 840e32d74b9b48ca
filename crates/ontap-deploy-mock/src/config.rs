//! What one mock Deploy looks like: its address, TLS, users, job pace and answer shapes.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How long a job stays in each state by default: 60 ms.
pub const DEFAULT_JOB_STEP: Duration = Duration::from_millis(60);

/// The ONTAP image `GET /images` lists by default.
pub const DEFAULT_IMAGE: &str = "9.17.1";

/// A user Basic auth accepts. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DeployUser {
    /// The user name.
    pub name: String,
    password: String,
    /// Whether the user may only read: any other method answers 403.
    pub read_only: bool,
}

impl DeployUser {
    /// A user who may do everything.
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            password: password.into(),
            read_only: false,
        }
    }

    /// A user who may only `GET`.
    pub fn read_only(name: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            read_only: true,
            ..Self::new(name, password)
        }
    }

    /// Whether `password` is this user's (compared in constant time over the longer length).
    pub fn password_is(&self, password: &str) -> bool {
        let (a, b) = (self.password.as_bytes(), password.as_bytes());
        let mut diff = u8::from(a.len() != b.len());
        for i in 0..a.len().max(b.len()) {
            diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
        }
        diff == 0
    }
}

impl fmt::Debug for DeployUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeployUser")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// How to start a [`DeployMock`](crate::DeployMock).
///
/// Fields are public; the methods are a builder over them. [`DeployConfig::new`] gives HTTPS
/// on `127.0.0.1`, an ephemeral port, no user (add one with [`user`](Self::user)), jobs
/// moving every [`DEFAULT_JOB_STEP`], string error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeployConfig {
    /// The loopback addresses it serves on (default `127.0.0.1`).
    pub ips: Vec<IpAddr>,
    /// The port; `0` picks a free one (default).
    pub port: u16,
    /// Serve HTTPS with a certificate generated at start (default); `false` serves plain
    /// HTTP, which Deploy does not (reference §2), for tests.
    pub tls: bool,
    /// DNS names for the certificate, beside the IPs (default `deploy.example`).
    pub tls_names: Vec<String>,
    /// Who may call.
    pub users: Vec<DeployUser>,
    /// How long a job stays in each of its states.
    pub job_step: Duration,
    /// Write `error.code` as a JSON number instead of a string (reference §8: the type is
    /// UNKNOWN; ONTAP documents an integer and sends a string).
    pub integer_error_codes: bool,
    /// The ONTAP versions `GET /images` lists.
    pub images: Vec<String>,
    /// Mediators `GET /mediators` lists, as (name, ip, port).
    pub mediators: Vec<(String, Ipv4Addr, u16)>,
}

impl Default for DeployConfig {
    fn default() -> Self {
        Self {
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            port: 0,
            tls: true,
            tls_names: vec!["deploy.example".to_owned()],
            users: Vec::new(),
            job_step: DEFAULT_JOB_STEP,
            integer_error_codes: false,
            images: vec![DEFAULT_IMAGE.to_owned()],
            mediators: Vec::new(),
        }
    }
}

impl DeployConfig {
    /// The defaults: see the type's docs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves on `ip` alone.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ips = vec![ip];
        self
    }

    /// Serves on these addresses.
    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.ips = ips.into_iter().collect();
        self
    }

    /// Sets the port; `0` picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// HTTPS (`true`, default) or plain HTTP.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Adds a DNS name to the certificate.
    pub fn tls_name(mut self, name: impl Into<String>) -> Self {
        self.tls_names.push(name.into());
        self
    }

    /// Adds a user who may do everything.
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push(DeployUser::new(name, password));
        self
    }

    /// Adds a user who may only `GET` (anything else answers 403).
    pub fn read_only_user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push(DeployUser::read_only(name, password));
        self
    }

    /// Sets how long a job stays in each state.
    pub fn job_step(mut self, step: Duration) -> Self {
        self.job_step = step;
        self
    }

    /// Writes `error.code` as a number.
    pub fn integer_error_codes(mut self, on: bool) -> Self {
        self.integer_error_codes = on;
        self
    }

    /// Sets the ONTAP versions `GET /images` lists.
    pub fn images<S: Into<String>>(mut self, versions: impl IntoIterator<Item = S>) -> Self {
        self.images = versions.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a mediator to `GET /mediators`.
    pub fn mediator(mut self, name: impl Into<String>, ip: Ipv4Addr, port: u16) -> Self {
        self.mediators.push((name.into(), ip, port));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_passwords() {
        let config = DeployConfig::new()
            .user("admin", "s3cret!")
            .read_only_user("ro", "pw-ro");
        let text = format!("{config:?}");
        assert!(
            !text.contains("s3cret!") && !text.contains("pw-ro"),
            "{text}"
        );
        assert!(
            text.contains("admin") && text.contains("<redacted>"),
            "{text}"
        );
        assert!(config.users[0].password_is("s3cret!"));
        assert!(!config.users[0].password_is("s3cret"));
        assert!(!config.users[0].password_is("s3cret!!"));
        assert!(config.users[1].read_only);
    }
}
