//! The VRG client: target, headers, session, and the plumbing every call shares.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::SecretString;
use storkit_core::encode::encode_path_text;
use storkit_core::http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE};
use storkit_core::http::{HeaderName, HeaderValue};
use storkit_core::poll::PollPolicy;
use storkit_core::session::TokenSession;
use storkit_core::{Client, Error, Request, RequestPath, Response, RetryPolicy, TlsPolicy};

use crate::codes::Lang;
use crate::error::VrgError;
use crate::model::{ExtParamsStyle, PairKeyStyle};
use crate::session::{LogoutVia, PasswordEncoding, VrgClassifier, VrgLogin};

/// The HTTP port the document gives (`http://<ip>:8080`).
pub const DEFAULT_HTTP_PORT: u16 = 8080;
/// The base path of every call.
pub const DEFAULT_BASE_PATH: &str = "/vrgservice";
/// How long a locked account stays locked, by the document (`10440207`).
pub const DEFAULT_LOCKOUT: Duration = Duration::from_secs(300);

/// The `version` parameter of `Accept`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `version=v1.0`, the document's value (the default).
    #[default]
    V1_0,
    /// `version=1.0`, the FusionCompute spelling.
    Bare1_0,
    /// No `version` parameter: the VRG then uses interface 1.0.
    Omit,
    /// Any other token, sent as given.
    Custom(String),
}

impl ApiVersion {
    /// The whole `Accept` value.
    pub fn accept_value(&self) -> String {
        match self {
            ApiVersion::V1_0 => "application/json; version=v1.0; charset=UTF-8".to_owned(),
            ApiVersion::Bare1_0 => "application/json; version=1.0; charset=UTF-8".to_owned(),
            ApiVersion::Omit => ACCEPT_NO_VERSION.to_owned(),
            ApiVersion::Custom(v) => format!("application/json; version={v}; charset=UTF-8"),
        }
    }
}

/// `Accept` without a version, as `GET /versions` sends it.
pub(crate) const ACCEPT_NO_VERSION: &str = "application/json; charset=UTF-8";
/// `Content-Type` of every body.
pub(crate) const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// Configures a [`VrgClient`].
pub struct VrgClientBuilder {
    url: String,
    base_path: String,
    user: Option<String>,
    password: Option<SecretString>,
    encoding: PasswordEncoding,
    version: ApiVersion,
    lang: Lang,
    tls: Option<TlsPolicy>,
    retry: RetryPolicy,
    poll: PollPolicy,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    renew_margin: Duration,
    lockout: Duration,
    pair_keys: PairKeyStyle,
    ext_params: ExtParamsStyle,
    login_headers: Vec<(HeaderName, HeaderValue)>,
    management_timeout: Duration,
    not_paired_grace: Duration,
}

impl fmt::Debug for VrgClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrgClientBuilder")
            .field("url", &self.url)
            .field("user", &self.user)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .field("encoding", &self.encoding)
            .field("version", &self.version)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

/// Adds the scheme and port the document implies: `10.0.0.5` is `http://10.0.0.5:8080`,
/// `http://10.0.0.5` is port 8080 too; an `https://` URL without a port keeps 443 (the
/// VRG's HTTPS port is not documented: give it).
fn normalise_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("http".to_owned(), url),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let has_port = match authority.rsplit_once(':') {
        // `[::1]` has colons but no port; `[::1]:8080` has one.
        Some((host, port)) => {
            (!host.contains(':') || host.ends_with(']')) && port.parse::<u16>().is_ok()
        }
        None => false,
    };
    if scheme == "http" && !has_port {
        format!("http://{authority}:{DEFAULT_HTTP_PORT}")
    } else {
        format!("{scheme}://{authority}")
    }
}

impl VrgClientBuilder {
    fn new(url: &str) -> Self {
        VrgClientBuilder {
            url: normalise_url(url),
            base_path: DEFAULT_BASE_PATH.to_owned(),
            user: None,
            password: None,
            encoding: PasswordEncoding::default(),
            version: ApiVersion::default(),
            lang: Lang::default(),
            tls: None,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            connect_timeout: None,
            request_timeout: None,
            operation_timeout: None,
            renew_margin: Duration::from_secs(60),
            lockout: DEFAULT_LOCKOUT,
            pair_keys: PairKeyStyle::default(),
            ext_params: ExtParamsStyle::default(),
            login_headers: Vec::new(),
            management_timeout: Duration::from_secs(30),
            not_paired_grace: Duration::from_secs(10),
        }
    }

    /// The user (`X-Auth-User`, 1–20 characters) and password. The password is hashed
    /// once ([`PasswordEncoding`]) and never printed.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// How `X-Auth-Key` carries the password (default lowercase hex SHA-256).
    pub fn password_encoding(mut self, encoding: PasswordEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// An extra header on the login request (`X-ENCRIPT-ALGORITHM: 1` with
    /// [`PasswordEncoding::Plain`], `X-Auth-UserType`, ...). Marked sensitive.
    pub fn login_header(mut self, name: &str, value: &str) -> Result<Self, Error> {
        let name = HeaderName::try_from(name)
            .map_err(|e| Error::config(format!("bad login header name {name:?}")).with_source(e))?;
        let mut value = HeaderValue::try_from(value)
            .map_err(|e| Error::config("bad login header value").with_source(e))?;
        value.set_sensitive(true);
        self.login_headers.push((name, value));
        Ok(self)
    }

    /// The `version` of `Accept` (default `v1.0`).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The language of the VRG's answers and error texts (default English).
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The TLS policy for an `https://` URL (default: webpki roots). A VRG's certificate
    /// is usually self-signed: pass it as the CA ([`TlsPolicy::custom_ca_pem`]) or pin it.
    pub fn tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = Some(policy);
        self
    }

    /// The retry policy of every call (login and the management-network change are never
    /// resent whatever it says).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How [`VrgClient::wait_paired`], [`VrgClient::wait_strategy_applied`] and
    /// [`VrgClient::wait_strategy_deleted`] poll.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// The TCP connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time one attempt may take, body included.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The time a call may take in all: login, attempts, backoff.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Renew the token when it expires within this margin (default 60 s; at most half the
    /// token's lifetime).
    pub fn renew_margin(mut self, margin: Duration) -> Self {
        self.renew_margin = margin;
        self
    }

    /// How long a lockout lasts (default 5 minutes, as documented); reported in
    /// [`VrgError::Locked`].
    pub fn lockout(mut self, lockout: Duration) -> Self {
        self.lockout = lockout;
        self
    }

    /// The keys of `POST /vrgmap` (default `dstIp`/`dstPort`, the table's; the sample
    /// writes `dst_ip`/`dst_port`).
    pub fn pair_key_style(mut self, style: PairKeyStyle) -> Self {
        self.pair_keys = style;
        self
    }

    /// How `drExtParams` is sent (default a JSON object; the table types it String).
    pub fn ext_params_style(mut self, style: ExtParamsStyle) -> Self {
        self.ext_params = style;
        self
    }

    /// The base path (default `/vrgservice`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// How long the management-network change waits for its answer before probing the
    /// new address (default 30 s).
    pub fn management_change_timeout(mut self, timeout: Duration) -> Self {
        self.management_timeout = timeout;
        self
    }

    /// How long [`VrgClient::wait_paired`] accepts "not paired" (4) after asking to pair
    /// before it calls the pairing failed (default 10 s; UNVERIFIED on a device).
    pub fn not_paired_grace(mut self, grace: Duration) -> Self {
        self.not_paired_grace = grace;
        self
    }

    /// Checks the settings and builds the client. Nothing is sent: the first call logs
    /// in.
    pub fn build(self) -> Result<VrgClient, Error> {
        let user = self
            .user
            .clone()
            .ok_or_else(|| Error::config("no credentials: call VrgClientBuilder::credentials"))?;
        let count = user.chars().count();
        if !(1..=20).contains(&count) {
            return Err(VrgError::invalid("X-Auth-User", "must be 1 to 20 characters").into());
        }
        let password = self
            .password
            .clone()
            .ok_or_else(|| Error::config("no password"))?;
        let base = encode_path_text(self.base_path.trim_end_matches('/'));
        let settings = Settings {
            base,
            user,
            key: self.encoding.key(&password),
            accept: header(&self.version.accept_value())?,
            lang: self.lang,
            tls: self.tls,
            retry: self.retry,
            poll: self.poll,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            operation_timeout: self.operation_timeout,
            renew_margin: self.renew_margin,
            lockout: self.lockout,
            pair_keys: self.pair_keys,
            ext_params: self.ext_params,
            login_headers: self.login_headers,
            management_timeout: self.management_timeout,
            not_paired_grace: self.not_paired_grace,
        };
        let core = settings.core_client(&self.url)?;
        let (session, logout_via) = settings.session(core);
        Ok(VrgClient {
            inner: Arc::new(Inner {
                settings,
                target: Mutex::new(Target {
                    url: self.url,
                    session,
                    logout_via,
                }),
            }),
        })
    }
}

fn header(value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::try_from(value).map_err(|e| Error::config("bad header value").with_source(e))
}

/// Everything needed to build a core client for an address, kept for the move after a
/// management-network change.
pub(crate) struct Settings {
    /// The encoded base path, without a trailing slash.
    pub(crate) base: String,
    user: String,
    key: SecretString,
    accept: HeaderValue,
    pub(crate) lang: Lang,
    tls: Option<TlsPolicy>,
    retry: RetryPolicy,
    pub(crate) poll: PollPolicy,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    renew_margin: Duration,
    pub(crate) lockout: Duration,
    pub(crate) pair_keys: PairKeyStyle,
    pub(crate) ext_params: ExtParamsStyle,
    login_headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) management_timeout: Duration,
    pub(crate) not_paired_grace: Duration,
}

impl Settings {
    pub(crate) fn core_client(&self, url: &str) -> Result<Client, Error> {
        let mut builder = Client::builder(url)
            .default_header(ACCEPT, self.accept.clone())
            .default_header(
                ACCEPT_LANGUAGE,
                HeaderValue::from_static(self.lang.header_value()),
            )
            .retry_policy(self.retry.clone())
            .classifier(VrgClassifier);
        if let Some(tls) = &self.tls {
            builder = builder.tls(tls.clone());
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = self.request_timeout {
            builder = builder.request_timeout(t);
        }
        if let Some(t) = self.operation_timeout {
            builder = builder.operation_timeout(t);
        }
        builder.build()
    }

    /// A session on `core`, and the switch that sends its logout elsewhere.
    pub(crate) fn session(&self, core: Client) -> (TokenSession, LogoutVia) {
        let logout_via = LogoutVia::default();
        let login = VrgLogin {
            user: self.user.clone(),
            key: self.key.clone(),
            session_path: format!("{}/session", self.base),
            extra_headers: self.login_headers.clone(),
            lockout: self.lockout,
            lang: self.lang,
            logout_via: Arc::clone(&logout_via),
        };
        let session = TokenSession::builder(core, login)
            .renew_margin(self.renew_margin)
            .build();
        (session, logout_via)
    }
}

/// The address the client talks to and its session.
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) session: TokenSession,
    pub(crate) logout_via: LogoutVia,
}

pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) target: Mutex<Target>,
}

/// A client of one VRG.
///
/// Cheap to clone; clones share one login session. The first call logs in; the token is
/// renewed before it expires and logged out by [`close`](VrgClient::close), or in the
/// background when the last clone is dropped. Each call is one method (see the crate
/// docs for the list); failures are [`storkit_core::Error`]s whose
/// [`VrgError`] detail names the VRG's code.
#[derive(Clone)]
pub struct VrgClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for VrgClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = self.target();
        f.debug_struct("VrgClient")
            .field("url", &target.url)
            .field("user", &self.inner.settings.user)
            .field("lang", &self.inner.settings.lang)
            .field("session", &target.session)
            .finish()
    }
}

impl VrgClient {
    /// A builder for the VRG at `url`: `http://<ip>:8080` by default; a bare address gets
    /// `http://` and port 8080.
    pub fn builder(url: &str) -> VrgClientBuilder {
        VrgClientBuilder::new(url)
    }

    pub(crate) fn target(&self) -> std::sync::MutexGuard<'_, Target> {
        self.inner
            .target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The URL the client talks to (it changes after
    /// [`change_management_network`](VrgClient::change_management_network)).
    pub fn url(&self) -> String {
        self.target().url.clone()
    }

    /// The core client of the current address (for calls this crate lacks; put the
    /// session's credentials on them with [`VrgClient::authenticated`]).
    pub fn core(&self) -> Client {
        self.target().session.client().clone()
    }

    /// The session of the current address.
    pub(crate) fn session(&self) -> TokenSession {
        self.target().session.clone()
    }

    /// The path of `rest` (already encoded, starting with `/`) under the base path.
    pub(crate) fn path(&self, rest: &str) -> RequestPath {
        RequestPath::encoded(format!("{}{rest}", self.inner.settings.base))
    }

    /// `request` with the session's credentials, for a call this crate lacks; send it with
    /// [`VrgClient::core`].
    pub fn authenticated(&self, request: Request) -> Request {
        request.auth(self.session().authenticator())
    }

    /// Sends a request with the session's credentials; an error answer becomes an error
    /// carrying the VRG's code.
    pub(crate) async fn call(&self, request: Request) -> Result<Response, Error> {
        let session = self.session();
        let lang = self.inner.settings.lang;
        let response = session
            .send(request)
            .await
            .map_err(|e| crate::session::restore_detail(e, self.inner.settings.lockout, lang))?;
        crate::session::check(response, lang)
    }

    /// A request with a JSON body and `Content-Type: application/json; charset=UTF-8`.
    pub(crate) fn with_json(request: Request, body: &serde_json::Value) -> Result<Request, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::config("cannot encode the JSON body").with_source(e))?;
        Ok(request
            .header(CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8))
            .body(bytes))
    }

    /// Logs in now (requests log in by themselves): to check the credentials early.
    pub async fn login(&self) -> Result<(), Error> {
        self.session().login().await.map_err(|e| {
            crate::session::restore_detail(e, self.inner.settings.lockout, self.inner.settings.lang)
        })
    }

    /// True when a token is in place and not about to expire.
    pub fn is_logged_in(&self) -> bool {
        self.target().session.is_logged_in()
    }

    /// Forgets a refused login (wrong password, lockout), so that the next call logs in
    /// again. Until then every call fails at once without a login, so that a wrong
    /// password cannot lock the account by repetition.
    pub fn reset_login_failure(&self) {
        self.target().session.reset_login_failure();
    }

    /// Logs out (`DELETE /vrgservice/session`) and closes the client: later calls fail.
    /// Every clone shares the session, so this closes them all.
    pub async fn close(&self) -> Result<(), Error> {
        self.session().close().await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn urls_get_the_documented_scheme_and_port() {
        assert_eq!(normalise_url("10.0.0.5"), "http://10.0.0.5:8080");
        assert_eq!(normalise_url("http://10.0.0.5/"), "http://10.0.0.5:8080");
        assert_eq!(
            normalise_url("http://10.0.0.5:9000"),
            "http://10.0.0.5:9000"
        );
        assert_eq!(normalise_url("HTTPS://vrg.example"), "https://vrg.example");
        assert_eq!(normalise_url("https://vrg:8443"), "https://vrg:8443");
        assert_eq!(normalise_url("http://[::1]"), "http://[::1]:8080");
        assert_eq!(normalise_url("http://[::1]:81"), "http://[::1]:81");
    }

    #[test]
    fn accept_values() {
        assert_eq!(
            ApiVersion::V1_0.accept_value(),
            "application/json; version=v1.0; charset=UTF-8"
        );
        assert_eq!(ApiVersion::Omit.accept_value(), ACCEPT_NO_VERSION);
        assert_eq!(
            ApiVersion::Custom("2.0".into()).accept_value(),
            "application/json; version=2.0; charset=UTF-8"
        );
    }

    #[test]
    fn the_user_is_checked_and_the_password_never_printed() {
        let e = VrgClient::builder("10.0.0.5")
            .credentials("", "pw")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("X-Auth-User"), "{e}");
        assert!(
            VrgClient::builder("10.0.0.5")
                .credentials("a".repeat(21), "pw")
                .build()
                .is_err()
        );
        let builder = VrgClient::builder("10.0.0.5").credentials("admin", "S3cret-pw");
        assert!(!format!("{builder:?}").contains("S3cret"));
    }
}
