//! Authentication: a small trait that stamps requests, and the common schemes.
//!
//! Secrets are held as [`SecretString`] and every header an authenticator writes is
//! marked sensitive, so hyper and `tracing` never print it. Each type here has a
//! hand-written `Debug` that prints no secret.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderMap;
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// A boxed, sendable future, as returned by the object-safe traits of this crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Adds credentials to outgoing requests.
///
/// Vendor crates implement it for their schemes (session tokens, signed cookies). Before
/// every attempt the transport awaits [`prepare`](Authenticator::prepare) (lazy login,
/// renewal before expiry), reads [`generation`](Authenticator::generation) and calls
/// [`stamp`](Authenticator::stamp); every response's headers go to
/// [`observe`](Authenticator::observe) (a rotated token). When a
/// [`Classifier`](crate::Classifier) answers
/// [`Verdict::Reauthenticate`](crate::Verdict::Reauthenticate), the transport calls
/// [`refresh`](Authenticator::refresh) with the generation it stamped, once per request.
/// [`RefreshGate`] makes that one refresh in flight for any number of concurrent 401s.
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Writes the credential headers. Implementations must mark values sensitive
    /// ([`sensitive_value`] does).
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error>;

    /// An async step before each attempt, such as logging in on first use or renewing a
    /// token about to expire. The default does nothing.
    fn prepare(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    /// A number that changes whenever the credentials change; the transport reads it
    /// before stamping and hands it back to [`refresh`](Authenticator::refresh), so that
    /// credentials renewed by another request are not renewed again.
    fn generation(&self) -> u64 {
        0
    }

    /// Called once per request when the classifier says the credentials were rejected.
    /// `stamped` is the [`generation`](Authenticator::generation) the rejected attempt
    /// carried. Return `Ok(true)` when new credentials are in place and the request
    /// should be sent again; the default cannot refresh.
    fn refresh(&self, stamped: u64) -> BoxFuture<'_, Result<bool, Error>> {
        let _ = stamped;
        Box::pin(async { Ok(false) })
    }

    /// Sees the headers of every response (for example to adopt a rotated token).
    /// `stamped` is the [`generation`](Authenticator::generation) the request carried: an
    /// answer to a request sent with credentials replaced since is out of date. The
    /// default ignores them.
    fn observe(&self, stamped: u64, headers: &HeaderMap) {
        let _ = (stamped, headers);
    }
}

/// One credential refresh at a time, shared by every request that saw the old
/// credentials rejected.
///
/// A request that got a 401 calls [`refresh`](RefreshGate::refresh) with the generation
/// it had stamped. The first caller renews; callers that arrive while it runs wait for
/// it and then resend with the new credentials instead of renewing again; a caller whose
/// credentials were already replaced resends at once.
#[derive(Debug, Default)]
pub struct RefreshGate {
    lock: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl RefreshGate {
    /// A gate at generation 0.
    pub fn new() -> Self {
        RefreshGate::default()
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Marks the credentials as replaced (a rotated token was adopted).
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `renew` unless the credentials changed since generation `seen`; returns
    /// `Ok(true)` when the caller should resend (renewed here or by someone else).
    pub async fn refresh<F, Fut>(&self, seen: u64, renew: F) -> Result<bool, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<bool, Error>>,
    {
        if self.generation() != seen {
            return Ok(true);
        }
        let _one_at_a_time = self.lock.lock().await;
        if self.generation() != seen {
            return Ok(true);
        }
        let renewed = renew().await?;
        if renewed {
            self.bump();
        }
        Ok(renewed)
    }
}

/// Builds a header value from a secret and marks it sensitive.
pub fn sensitive_value(secret: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(secret)
        .map_err(|_| Error::config("credential contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// HTTP Basic authentication (`Authorization: Basic base64(user:password)`).
#[derive(Clone)]
pub struct BasicAuth {
    user: String,
    password: SecretString,
}

impl BasicAuth {
    /// Credentials for `user`.
    pub fn new(user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        BasicAuth {
            user: user.into(),
            password: password.into(),
        }
    }

    /// The user name (not secret).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The password.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// The `Authorization` header value, marked sensitive.
    pub fn header_value(&self) -> Result<HeaderValue, Error> {
        let raw = format!("{}:{}", self.user, self.password.expose_secret());
        sensitive_value(&format!("Basic {}", base64_encode(raw.as_bytes())))
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &self.user)
            .field("password", &"** redacted **")
            .finish()
    }
}

impl Authenticator for BasicAuth {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(AUTHORIZATION, self.header_value()?);
        Ok(())
    }
}

/// A fixed secret header, such as `Authorization: Session <token>` or `X-Auth-Token`.
#[derive(Clone)]
pub struct HeaderAuth {
    name: HeaderName,
    value: SecretString,
}

impl HeaderAuth {
    /// Sends `name: value` on every request.
    pub fn new(name: HeaderName, value: impl Into<SecretString>) -> Self {
        HeaderAuth {
            name,
            value: value.into(),
        }
    }

    /// `Authorization: <scheme> <token>`.
    pub fn authorization(scheme: &str, token: &SecretString) -> Self {
        HeaderAuth::new(
            AUTHORIZATION,
            SecretString::from(format!("{scheme} {}", token.expose_secret())),
        )
    }

    /// The header name (not secret).
    pub fn name(&self) -> &HeaderName {
        &self.name
    }
}

impl fmt::Debug for HeaderAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderAuth")
            .field("name", &self.name.as_str())
            .field("value", &"** redacted **")
            .finish()
    }
}

impl Authenticator for HeaderAuth {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(
            self.name.clone(),
            sensitive_value(self.value.expose_secret())?,
        );
        Ok(())
    }
}

/// Standard base64 with padding (RFC 4648 §4); small enough not to warrant a dependency.
pub fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn basic_debug_is_exact_and_redacted() {
        let auth = BasicAuth::new("admin", SecretString::from("hunter2"));
        assert_eq!(
            format!("{auth:?}"),
            r#"BasicAuth { user: "admin", password: "** redacted **" }"#
        );
        let mut headers = HeaderMap::new();
        auth.stamp(&mut headers).unwrap();
        let value = headers.get(AUTHORIZATION).unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Basic YWRtaW46aHVudGVyMg==");
        assert!(!format!("{headers:?}").contains("YWRtaW46"));
    }

    #[test]
    fn header_debug_is_exact_and_redacted() {
        let auth = HeaderAuth::authorization("Session", &SecretString::from("tok-123"));
        assert_eq!(
            format!("{auth:?}"),
            r#"HeaderAuth { name: "authorization", value: "** redacted **" }"#
        );
        let mut headers = HeaderMap::new();
        auth.stamp(&mut headers).unwrap();
        assert_eq!(headers[AUTHORIZATION], "Session tok-123");
        assert!(headers[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn base64_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
    }

    #[test]
    fn bad_header_characters_are_an_error_not_a_panic() {
        let auth = HeaderAuth::new(AUTHORIZATION, SecretString::from("a\nb"));
        let err = auth.stamp(&mut HeaderMap::new()).unwrap_err();
        assert!(!err.to_string().contains("a\nb"));
    }
}
