//! HCP's authentication schemes as a core [`Authenticator`].
//!
//! The native token is `base64(user):md5hex(password)` (standard base64 with padding,
//! lower-case hex MD5 of the UTF-8 password). HCP accepts it in `Authorization: HCP …`
//! and, from versions before 6, in the deprecated `hcp-ns-auth` cookie; the native scheme
//! sends both on every request, as hcpsdk does, and HCP uses the header when both are
//! there. The same token serves the management API (port 9090).
//!
//! Every header written here is marked sensitive, and `Debug` prints the scheme and the
//! user, never a password or token.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue};
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use storkit_core::Authenticator;
use storkit_core::Error;
use storkit_core::auth::sensitive_value;

/// The header of HCP's Swift interface without Keystone.
const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
/// The header hcpsdk sends for the legacy Default Namespace, which takes no credentials.
const HCPSDK_DUMMY: HeaderName = HeaderName::from_static("hcpsdk_dummy");

/// The native token: `base64(user):md5hex(password)`.
///
/// `native_token("n", "n01")` is `bg==:1dc7fed37e11b35093d311ef66928ad9`.
pub fn native_token(user: &str, password: &str) -> SecretString {
    let digest = Md5::digest(password.as_bytes());
    let mut token = STANDARD.encode(user.as_bytes());
    // Room for the digest up front, so that no reallocation leaves a copy of it behind.
    token.reserve(1 + 2 * digest.len());
    token.push(':');
    for b in digest.iter() {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        token.push(char::from(HEX[usize::from(b >> 4)]));
        token.push(char::from(HEX[usize::from(b & 15)]));
    }
    SecretString::from(token)
}

/// Which credentials an [`HcpAuth`] sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// A local HCP user: `Authorization: HCP <token>` and `Cookie: hcp-ns-auth=<token>`.
    Native,
    /// An Active Directory user: `Authorization: AD user:password` (HCP 7.2 and later).
    ActiveDirectory,
    /// HSwift without Keystone: `X-Auth-Token: HCP <token>`.
    LocalSwift,
    /// No user: `Authorization: HCP all_users:`, for namespaces open to anonymous access.
    Anonymous,
    /// The legacy Default Namespace: `HCPSDK_DUMMY: DUMMY`, no credentials.
    Dummy,
}

impl AuthScheme {
    /// A short name for logs (`native`, `ad`, `local-swift`, `anonymous`, `dummy`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Native => "native",
            AuthScheme::ActiveDirectory => "ad",
            AuthScheme::LocalSwift => "local-swift",
            AuthScheme::Anonymous => "anonymous",
            AuthScheme::Dummy => "dummy",
        }
    }
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HCP credentials, stamped on every request. See the [module docs](self).
#[derive(Clone)]
pub struct HcpAuth {
    scheme: AuthScheme,
    user: Option<String>,
    /// What goes after the scheme word: the native token, or `user:password` for AD.
    secret: Option<SecretString>,
    /// The header values, built on first use and cloned for every request after (cheap:
    /// shared bytes), instead of formatting and validating them per request.
    stamped: std::sync::OnceLock<Result<Vec<(HeaderName, HeaderValue)>, String>>,
}

impl HcpAuth {
    /// A local HCP user (namespace or management API).
    pub fn native(user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        let user = user.into();
        let token = native_token(&user, password.into().expose_secret());
        HcpAuth {
            scheme: AuthScheme::Native,
            user: Some(user),
            secret: Some(token),
            stamped: std::sync::OnceLock::new(),
        }
    }

    /// An Active Directory user (`user@domain`), sent as `AD user:password` in plain
    /// text with no cookie, as HCP documents it. Non-ASCII names and passwords go out
    /// as raw UTF-8 bytes.
    pub fn ad(user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        let user = user.into();
        let secret = format!("{user}:{}", password.into().expose_secret());
        HcpAuth {
            scheme: AuthScheme::ActiveDirectory,
            user: Some(user),
            secret: Some(SecretString::from(secret)),
            stamped: std::sync::OnceLock::new(),
        }
    }

    /// A local user of HCP's Swift interface without Keystone.
    pub fn local_swift(user: impl Into<String>, password: impl Into<SecretString>) -> Self {
        let user = user.into();
        let token = native_token(&user, password.into().expose_secret());
        HcpAuth {
            scheme: AuthScheme::LocalSwift,
            user: Some(user),
            secret: Some(token),
            stamped: std::sync::OnceLock::new(),
        }
    }

    /// Anonymous access (`Authorization: HCP all_users:`), for namespaces that allow it.
    /// hcpsdk does not offer this; HCP documents it.
    pub fn anonymous() -> Self {
        HcpAuth {
            scheme: AuthScheme::Anonymous,
            user: None,
            secret: None,
            stamped: std::sync::OnceLock::new(),
        }
    }

    /// The legacy Default Namespace, which takes no credentials: sends
    /// `HCPSDK_DUMMY: DUMMY` like hcpsdk (HCP is expected to ignore it).
    pub fn dummy() -> Self {
        HcpAuth {
            scheme: AuthScheme::Dummy,
            user: None,
            secret: None,
            stamped: std::sync::OnceLock::new(),
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The user name, when the scheme has one (not secret).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    fn secret(&self) -> &str {
        self.secret.as_ref().map_or("", |s| s.expose_secret())
    }
}

/// Like [`sensitive_value`], but lets UTF-8 through (AD names may carry it); control
/// characters are still refused, with a message that does not echo the secret.
fn sensitive_bytes(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_bytes(value.as_bytes())
        .map_err(|_| Error::config("credential contains characters not allowed in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Authenticator for HcpAuth {
    fn stamp(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        let built = self
            .stamped
            .get_or_init(|| self.build_headers().map_err(|e| e.to_string()));
        match built {
            Ok(pairs) => {
                for (name, value) in pairs {
                    headers.insert(name.clone(), value.clone());
                }
                Ok(())
            }
            Err(message) => Err(Error::config(message.clone())),
        }
    }
}

impl HcpAuth {
    fn build_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        Ok(match self.scheme {
            AuthScheme::Native => {
                let token = self.secret();
                vec![
                    (AUTHORIZATION, sensitive_value(&format!("HCP {token}"))?),
                    (COOKIE, sensitive_value(&format!("hcp-ns-auth={token}"))?),
                ]
            }
            AuthScheme::ActiveDirectory => vec![(
                AUTHORIZATION,
                sensitive_bytes(&format!("AD {}", self.secret()))?,
            )],
            AuthScheme::LocalSwift => vec![(
                X_AUTH_TOKEN,
                sensitive_value(&format!("HCP {}", self.secret()))?,
            )],
            AuthScheme::Anonymous => vec![(AUTHORIZATION, sensitive_value("HCP all_users:")?)],
            AuthScheme::Dummy => vec![(HCPSDK_DUMMY, HeaderValue::from_static("DUMMY"))],
        })
    }
}

impl fmt::Debug for HcpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("HcpAuth");
        s.field("scheme", &self.scheme.as_str());
        if let Some(user) = &self.user {
            s.field("user", user);
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn stamped(auth: &HcpAuth) -> HeaderMap {
        let mut headers = HeaderMap::new();
        auth.stamp(&mut headers).unwrap();
        for value in headers.values() {
            assert!(value.is_sensitive() || auth.scheme() == AuthScheme::Dummy);
        }
        headers
    }

    #[test]
    fn appendix_b_vectors() {
        for (user, password, token) in [
            ("n", "n01", "bg==:1dc7fed37e11b35093d311ef66928ad9"),
            (
                "lgreen",
                "p4ssw0rd",
                "bGdyZWVu:2a9d119df47ff993b662a8ef36f9ea20",
            ),
            (
                "service",
                "service01",
                "c2VydmljZQ==:e4e5ace7271dde224933ffa1fb38f280",
            ),
        ] {
            assert_eq!(native_token(user, password).expose_secret(), token);
        }
    }

    #[test]
    fn native_sends_header_and_cookie() {
        let headers = stamped(&HcpAuth::native("n", "n01"));
        assert_eq!(headers.len(), 2);
        assert_eq!(
            headers[AUTHORIZATION],
            "HCP bg==:1dc7fed37e11b35093d311ef66928ad9"
        );
        assert_eq!(
            headers[COOKIE],
            "hcp-ns-auth=bg==:1dc7fed37e11b35093d311ef66928ad9"
        );
        assert!(!format!("{headers:?}").contains("1dc7fed3"));
    }

    #[test]
    fn utf8_user_names() {
        // base64 of the UTF-8 bytes C3 A9: no transliteration, no URL-safe alphabet.
        assert_eq!(
            native_token("é", "").expose_secret(),
            "w6k=:d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            native_token("jörg?>", "n01").expose_secret(),
            "asO2cmc/Pg==:1dc7fed37e11b35093d311ef66928ad9"
        );
        let headers = stamped(&HcpAuth::native("jörg", "pässwörd"));
        assert!(
            headers[AUTHORIZATION]
                .to_str()
                .unwrap()
                .starts_with("HCP asO2cmc=:")
        );
    }

    #[test]
    fn other_schemes() {
        let headers = stamped(&HcpAuth::ad("lgreen@example.com", "p4ssw0rd"));
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[AUTHORIZATION], "AD lgreen@example.com:p4ssw0rd");

        let headers = stamped(&HcpAuth::ad("jörg@example.com", "pässwort"));
        assert_eq!(
            headers[AUTHORIZATION].as_bytes(),
            "AD jörg@example.com:pässwort".as_bytes()
        );

        let headers = stamped(&HcpAuth::local_swift("n", "n01"));
        assert_eq!(headers.len(), 1);
        assert_eq!(
            headers["x-auth-token"],
            "HCP bg==:1dc7fed37e11b35093d311ef66928ad9"
        );

        let headers = stamped(&HcpAuth::anonymous());
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[AUTHORIZATION], "HCP all_users:");

        let headers = stamped(&HcpAuth::dummy());
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["HCPSDK_DUMMY"], "DUMMY");
    }

    #[test]
    fn stamping_replaces_earlier_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic old"));
        HcpAuth::native("n", "n01").stamp(&mut headers).unwrap();
        assert_eq!(headers.get_all(AUTHORIZATION).iter().count(), 1);
    }

    #[test]
    fn debug_is_exact_and_redacted() {
        assert_eq!(
            format!("{:?}", HcpAuth::native("n", "n01")),
            r#"HcpAuth { scheme: "native", user: "n" }"#
        );
        assert_eq!(
            format!("{:?}", HcpAuth::ad("lgreen@example.com", "p4ssw0rd")),
            r#"HcpAuth { scheme: "ad", user: "lgreen@example.com" }"#
        );
        assert_eq!(
            format!("{:?}", HcpAuth::local_swift("n", "n01")),
            r#"HcpAuth { scheme: "local-swift", user: "n" }"#
        );
        assert_eq!(
            format!("{:?}", HcpAuth::anonymous()),
            r#"HcpAuth { scheme: "anonymous" }"#
        );
        assert_eq!(
            format!("{:#?}", HcpAuth::dummy()),
            "HcpAuth {\n    scheme: \"dummy\",\n}"
        );
        let ad = HcpAuth::ad("u", "hunter2");
        assert!(!format!("{ad:?} {ad:#?}").contains("hunter2"));
    }

    #[test]
    fn control_characters_are_an_error_without_the_secret() {
        let err = HcpAuth::ad("u", "a\nsecret")
            .stamp(&mut HeaderMap::new())
            .unwrap_err();
        assert_eq!(err.kind(), storkit_core::ErrorKind::Config);
        assert!(!err.to_string().contains("secret"));
        assert!(!format!("{err:?}").contains("secret"));
    }

    proptest! {
        #[test]
        fn token_shape(user in any::<String>(), password in any::<String>()) {
            let token = native_token(&user, &password);
            let (b64, md5) = token.expose_secret().rsplit_once(':').unwrap();
            prop_assert_eq!(STANDARD.decode(b64).unwrap(), user.as_bytes());
            prop_assert_eq!(md5.len(), 32);
            prop_assert!(md5.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            // Base64 and hex are header-safe for any input: native never fails to stamp.
            let mut headers = HeaderMap::new();
            prop_assert!(HcpAuth::native(user, password).stamp(&mut headers).is_ok());
        }
    }
}
