//! The VRG login for the core's token sessions, the retry classifier, and the mapping of
//! error answers to [`VrgError`].
//!
//! - Login: `POST /vrgservice/session` without a body, `X-Auth-User` and `X-Auth-Key`
//!   (lowercase hex SHA-256 of the UTF-8 password, or the password itself in
//!   [`PasswordEncoding::Plain`]); the token is the `X-Auth-Token` answer header, valid
//!   for the answer's `validity` milliseconds (600000). Never resent: three wrong
//!   passwords lock the account.
//! - The core's [`TokenSession`](storkit_core::TokenSession) renews the token before it
//!   expires (and logs the replaced one out), logs in again once when the VRG answers
//!   `10440102` (or a bare 401, as FusionCompute does), and stops logging in after a
//!   refused login (`10440200`, `10440201`, `10440202`, `10440207`, `10440208`) until
//!   [`VrgClient::reset_login_failure`](crate::VrgClient::reset_login_failure); every
//!   call meanwhile fails with that login's [`VrgError`] again.
//! - Logout: `DELETE /vrgservice/session` with the token; `10440205` ("logout failed,
//!   please retry") is retried once; a token the VRG no longer knows counts as logged out.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use storkit_core::auth::{BoxFuture, sensitive_value};
use storkit_core::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use storkit_core::session::{Token, TokenLogin};
use storkit_core::{
    Classifier, Client, Error, Outcome, Request, RequestPath, RequestView, Response, RetryPolicy,
    Verdict,
};

use crate::codes::{Lang, VrgErrorCode};
use crate::error::VrgError;
use crate::model::decode_error;

/// `X-Auth-User`.
pub(crate) const X_AUTH_USER: &str = "x-auth-user";
/// `X-Auth-Key`.
pub(crate) const X_AUTH_KEY: &str = "x-auth-key";
/// `X-Auth-Token`.
pub(crate) const X_AUTH_TOKEN: &str = "x-auth-token";

/// The token lifetime when a login answer gives none (the document's 600000 ms).
pub const DEFAULT_VALIDITY: Duration = Duration::from_millis(600_000);

/// How the password travels in `X-Auth-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordEncoding {
    /// Lowercase hex SHA-256 of the UTF-8 password, as every FusionCompute client sends it
    /// (the default).
    #[default]
    Sha256Hex,
    /// The password itself. FusionCompute pairs it with `X-ENCRIPT-ALGORITHM: 1`; add that
    /// with [`VrgClientBuilder::login_header`](crate::VrgClientBuilder::login_header) if
    /// the device wants it (UNVERIFIED for VRG).
    Plain,
}

impl PasswordEncoding {
    /// The `X-Auth-Key` value for `password`.
    pub fn key(self, password: &SecretString) -> SecretString {
        match self {
            PasswordEncoding::Sha256Hex => {
                let digest = Sha256::digest(password.expose_secret().as_bytes());
                let mut hex = String::with_capacity(64);
                for byte in digest {
                    hex.push(char::from(HEX[usize::from(byte >> 4)]));
                    hex.push(char::from(HEX[usize::from(byte & 0xf)]));
                }
                SecretString::from(hex)
            }
            PasswordEncoding::Plain => password.clone(),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where a session logs out when it is not where it logged in: set after a
/// management-network change, when the old address no longer answers.
pub(crate) type LogoutVia = Arc<Mutex<Option<Client>>>;

/// The VRG login of one session.
pub(crate) struct VrgLogin {
    pub(crate) user: String,
    /// The `X-Auth-Key` value, computed once.
    pub(crate) key: SecretString,
    pub(crate) session_path: String,
    pub(crate) extra_headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) lockout: Duration,
    pub(crate) lang: Lang,
    pub(crate) logout_via: LogoutVia,
}

impl fmt::Debug for VrgLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrgLogin")
            .field("user", &self.user)
            .field("key", &"** redacted **")
            .field("session_path", &self.session_path)
            .finish_non_exhaustive()
    }
}

impl TokenLogin for VrgLogin {
    /// On the session's own client: a session belongs to one address.
    fn login<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            let mut request = Request::post(RequestPath::encoded(self.session_path.clone()))
                .without_auth()
                .retry_policy(RetryPolicy::never())
                .header(X_AUTH_USER, self.user.as_str())
                .sensitive_header(X_AUTH_KEY, &self.key);
            for (name, value) in &self.extra_headers {
                request = request.header(name.clone(), value.clone());
            }
            let response = client.send(request).await?;
            let response = check_login(response, self.lockout, self.lang)?;
            let token = response
                .headers()
                .get(X_AUTH_TOKEN)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::from(VrgError::decode(
                        "the login answer",
                        "no X-Auth-Token header",
                    ))
                })?
                .to_owned();
            let answer = crate::model::decode_login(response.body())?;
            let validity = answer
                .validity_ms
                .and_then(|ms| u64::try_from(ms).ok())
                .filter(|&ms| ms > 0)
                .map_or(DEFAULT_VALIDITY, Duration::from_millis);
            tracing::debug!(user = %self.user, validity_ms = validity.as_millis() as u64, "VRG login");
            Ok(Token::new(token).with_lifetime(validity))
        })
    }

    /// Where the session logged in, or at the VRG's new address after a
    /// management-network change (the old one no longer answers).
    fn logout<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let moved = self
                .logout_via
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let client = moved.as_ref().unwrap_or(client);
            let request = Request::delete(RequestPath::encoded(self.session_path.clone()))
                .without_auth()
                .sensitive_header(X_AUTH_TOKEN, token.secret());
            let response = client.send(request).await?;
            match check(response, self.lang) {
                Ok(_) => Ok(()),
                // A token the VRG no longer knows (expired) is logged out already.
                Err(e) if is_not_logged_in(&e) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    fn stamp(&self, token: &Token, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(
            X_AUTH_TOKEN,
            sensitive_value(token.secret().expose_secret())?,
        );
        Ok(())
    }

    /// The document says answers carry `X-Auth-Token` "in most cases"; one that differs
    /// from the token in use replaces it (rotation is UNKNOWN on real devices). The new
    /// token keeps the old one's expiry, so it is renewed no later than the old one.
    fn rotated(&self, current: &Token, headers: &HeaderMap) -> Option<Token> {
        let value = headers.get(X_AUTH_TOKEN)?.to_str().ok()?.trim();
        if value.is_empty() || value == current.secret().expose_secret() {
            return None;
        }
        let token = Token::new(value.to_owned());
        Some(match current.expiry() {
            Some(at) => token.expires_at(at),
            None => token,
        })
    }
}

/// True for an error that says the token is unknown or expired (`10440102`, bare 401).
pub(crate) fn is_not_logged_in(e: &Error) -> bool {
    match e.detail::<VrgError>().and_then(VrgError::code) {
        Some(code) => *code == VrgErrorCode::NotLoggedIn,
        None => e.status() == Some(StatusCode::UNAUTHORIZED),
    }
}

/// The `VrgError` of an error answer, when the body is the VRG's error object.
pub(crate) fn api_error(status: StatusCode, body: &[u8], lang: Lang) -> Option<VrgError> {
    let (code, description) = decode_error(body)?;
    Some(VrgError::api(VrgErrorCode::from_code(&code), status.as_u16(), description).in_lang(lang))
}

/// A 2xx answer as it is; any other as an error carrying the VRG's code when it sent one.
pub(crate) fn check(response: Response, lang: Lang) -> Result<Response, Error> {
    if response.is_success() {
        return Ok(response);
    }
    let error = response.to_error();
    Err(match api_error(response.status(), response.body(), lang) {
        Some(vrg) => attach(error, vrg),
        None => error,
    })
}

/// [`check`] for a login answer: a lockout code becomes [`VrgError::Locked`].
fn check_login(response: Response, lockout: Duration, lang: Lang) -> Result<Response, Error> {
    if response.is_success() {
        return Ok(response);
    }
    let error = response.to_error();
    let Some(vrg) = api_error(response.status(), response.body(), lang) else {
        return Err(error);
    };
    Err(attach(error, locked(vrg, lockout)))
}

/// A lockout code as [`VrgError::Locked`]; any other detail as it is.
fn locked(vrg: VrgError, lockout: Duration) -> VrgError {
    match vrg {
        VrgError::Api {
            code,
            description,
            lang,
            ..
        } if code.is_lockout() => VrgError::Locked {
            code,
            retry_after: lockout,
            until: SystemTime::now() + lockout,
            description,
            lang,
        },
        other => other,
    }
}

/// The detail of a refused login, again. The core's session fails every call after a
/// refused login with a copy of its error (until `reset_login_failure`), and a copy
/// cannot carry the detail; it keeps the VRG's answer, so the detail is read from that
/// again. A lockout then counts from now: its `until` stays an upper bound.
pub(crate) fn restore_detail(e: Error, lockout: Duration, lang: Lang) -> Error {
    if e.detail::<VrgError>().is_some() {
        return e;
    }
    let Some(vrg) = e
        .status()
        .zip(e.body())
        .and_then(|(status, body)| api_error(status, body, lang))
    else {
        return e;
    };
    e.with_source(locked(vrg, lockout))
}

fn attach(error: Error, vrg: VrgError) -> Error {
    let message = vrg.to_string();
    error
        .with_kind(vrg.kind())
        .with_message(message)
        .with_source(vrg)
}

/// The VRG's retry rules, on top of the core's.
///
/// - `10440102` or a bare 401 on a request with credentials: log in again once and resend
///   (the VRG refused the request before acting on it).
/// - `10440205` on the logout: resend once.
/// - Login refusals and lockouts (`10440200`, `10440201`, `10440202`, `10440207`,
///   `10440208`) and `10440000` (internal error): never resent.
/// - Everything else follows the core policy (503 and 429 with backoff; transport
///   failures resent only when idempotent).
#[derive(Debug, Clone, Copy, Default)]
pub struct VrgClassifier;

impl Classifier for VrgClassifier {
    fn classify(&self, request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        let Outcome::Response { status, body, .. } = outcome else {
            return None;
        };
        if *status == StatusCode::UNAUTHORIZED {
            return Some(Verdict::Reauthenticate);
        }
        if *status != StatusCode::BAD_REQUEST {
            return None;
        }
        let (code, _) = decode_error((*body)?)?;
        match VrgErrorCode::from_code(&code) {
            VrgErrorCode::NotLoggedIn => Some(Verdict::Reauthenticate),
            VrgErrorCode::LogoutFailed
                if *request.method == Method::DELETE && request.attempt == 1 =>
            {
                Some(Verdict::Retry { after: None })
            }
            _ => Some(Verdict::Done),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_key_is_lowercase_hex_sha256_of_the_utf8_password() {
        let key = PasswordEncoding::Sha256Hex.key(&SecretString::from("Huawei@123"));
        let hex = key.expose_secret();
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        // sha256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            PasswordEncoding::Sha256Hex
                .key(&SecretString::from("abc"))
                .expose_secret(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // UTF-8 bytes, not a legacy code page.
        assert_eq!(
            PasswordEncoding::Sha256Hex
                .key(&SecretString::from("密码"))
                .expose_secret()
                .len(),
            64
        );
        assert_eq!(
            PasswordEncoding::Plain
                .key(&SecretString::from("pw"))
                .expose_secret(),
            "pw"
        );
    }

    fn verdict(method: &Method, status: u16, body: &str, attempt: u32) -> Option<Verdict> {
        let headers = HeaderMap::new();
        let view =
            RequestView::new(method, "/vrgservice/x", false, &headers).with_attempt(attempt, false);
        let outcome = Outcome::Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: Some(body.as_bytes()),
        };
        VrgClassifier.classify(&view, &outcome)
    }

    #[test]
    fn classifier_rules() {
        let code = |c: &str| format!(r#"{{"errorCode":"{c}","errorDes":"x"}}"#);
        assert_eq!(
            verdict(&Method::GET, 400, &code("10440102"), 1),
            Some(Verdict::Reauthenticate)
        );
        assert_eq!(
            verdict(&Method::GET, 401, "", 1),
            Some(Verdict::Reauthenticate)
        );
        for refusal in ["10440202", "10440207", "10440208", "10440000"] {
            assert_eq!(
                verdict(&Method::POST, 400, &code(refusal), 1),
                Some(Verdict::Done),
                "{refusal}"
            );
        }
        assert_eq!(
            verdict(&Method::DELETE, 400, &code("10440205"), 1),
            Some(Verdict::Retry { after: None })
        );
        assert_eq!(
            verdict(&Method::DELETE, 400, &code("10440205"), 2),
            Some(Verdict::Done)
        );
        // A numeric errorCode counts too.
        assert_eq!(
            verdict(&Method::GET, 400, r#"{"errorCode":10440102}"#, 1),
            Some(Verdict::Reauthenticate)
        );
        assert_eq!(verdict(&Method::GET, 503, "", 1), None);
        assert_eq!(verdict(&Method::GET, 400, "<html>", 1), None);
    }
}
