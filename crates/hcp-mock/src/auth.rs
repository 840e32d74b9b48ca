//! Who is asking (reference §2): `Authorization: HCP base64(user):md5(password)`,
//! `Authorization: AD user:password`, or the deprecated cookies. The header wins over the
//! cookie; bad or missing credentials are a `403`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE};

use crate::config::UserConfig;
use crate::hash;
use crate::objects::Fail;
use crate::system::System;

/// An authenticated caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Caller<'a> {
    /// A data access user of a tenant (local or AD).
    User(&'a UserConfig),
    /// A system-level administrator.
    Admin,
}

/// Authenticates a request. `mapi` also accepts the `hcp-api-auth` cookie; `tenant` picks
/// among users of the same name in several tenants.
pub(crate) fn authenticate<'a>(
    system: &'a System,
    headers: &HeaderMap,
    mapi: bool,
    tenant: Option<&str>,
) -> Result<Caller<'a>, Fail> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| Fail::forbidden("malformed Authorization header"))?
            .trim();
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        return if scheme.eq_ignore_ascii_case("HCP") {
            by_token(system, credentials, tenant)
        } else if scheme.eq_ignore_ascii_case("AD") {
            by_ad(system, credentials, tenant)
        } else {
            Err(Fail::forbidden(format!(
                "unsupported authorization scheme {scheme:?}"
            )))
        };
    }
    for cookie in headers.get_all(COOKIE) {
        let Ok(cookie) = cookie.to_str() else {
            continue;
        };
        for pair in cookie.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if name == "hcp-ns-auth" || (mapi && name == "hcp-api-auth") {
                return by_token(system, value.trim().trim_matches('"'), tenant);
            }
        }
    }
    Err(Fail::forbidden("authentication required"))
}

fn by_token<'a>(system: &'a System, token: &str, tenant: Option<&str>) -> Result<Caller<'a>, Fail> {
    let invalid = || Fail::forbidden("invalid credentials");
    let (user, md5) = token.split_once(':').ok_or_else(invalid)?;
    let user = STANDARD
        .decode(user)
        .or_else(|_| STANDARD_NO_PAD.decode(user))
        .map_err(|_| invalid())?;
    let user = String::from_utf8(user).map_err(|_| invalid())?;
    let md5 = md5.to_ascii_lowercase();
    let matches = |u: &&UserConfig| {
        !u.ad && u.name.eq_ignore_ascii_case(&user) && hash::md5_lower(u.password.as_bytes()) == md5
    };
    pick(system, tenant, matches).ok_or_else(invalid)
}

fn by_ad<'a>(
    system: &'a System,
    credentials: &str,
    tenant: Option<&str>,
) -> Result<Caller<'a>, Fail> {
    let invalid = || Fail::forbidden("invalid credentials");
    let (user, password) = credentials.split_once(':').ok_or_else(invalid)?;
    let matches =
        |u: &&UserConfig| u.ad && u.name.eq_ignore_ascii_case(user) && u.password == password;
    let found = pick(system, tenant, matches).ok_or_else(invalid)?;
    Ok(found)
}

/// A matching user of `tenant` first, then of any tenant, then an administrator.
fn pick<'a>(
    system: &'a System,
    tenant: Option<&str>,
    matches: impl Fn(&&UserConfig) -> bool,
) -> Option<Caller<'a>> {
    let users = || system.users.iter().filter(&matches);
    tenant
        .and_then(|t| users().find(|u| u.tenant == t))
        .or_else(|| users().next())
        .map(Caller::User)
        .or_else(|| system.admins.iter().find(&matches).map(|_| Caller::Admin))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use http::HeaderValue;

    use super::*;
    use crate::config::HcpConfig;
    use crate::hash::token;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn who(system: &System, pairs: &[(&'static str, &str)], mapi: bool) -> Result<String, u16> {
        authenticate(system, &headers(pairs), mapi, Some("m"))
            .map(|c| match c {
                Caller::User(u) => format!("user {}", u.name),
                Caller::Admin => "admin".to_owned(),
            })
            .map_err(|f| f.status.as_u16())
    }

    #[test]
    fn header_cookie_and_ad() {
        let system = System::new(&HcpConfig::sample("hcp1.example")).unwrap();
        let n = format!("HCP {}", token("n", "n01"));
        let bad = format!("HCP {}", token("n", "wrong"));
        let cookie = format!("hcp-ns-auth={}", token("n", "n01"));
        let api_cookie = format!("x=1; hcp-api-auth={}", token("service", "service01"));
        assert_eq!(
            who(&system, &[("authorization", &n)], false),
            Ok("user n".into())
        );
        assert_eq!(
            who(&system, &[("cookie", &cookie)], false),
            Ok("user n".into())
        );
        // The header wins, even when it is wrong and the cookie right.
        assert_eq!(
            who(
                &system,
                &[("authorization", &bad), ("cookie", &cookie)],
                false
            ),
            Err(403)
        );
        assert_eq!(who(&system, &[("cookie", &api_cookie)], false), Err(403));
        assert_eq!(
            who(&system, &[("cookie", &api_cookie)], true),
            Ok("admin".into())
        );
        assert_eq!(
            who(
                &system,
                &[("authorization", "AD lgreen@example.com:p4ssw0rd")],
                false
            ),
            Ok("user lgreen@example.com".into())
        );
        for bad in [
            "AD lgreen@example.com:nope",
            "AD n:n01",
            "Basic bjpuMDE=",
            "HCP ",
            "HCP !!!:x",
            "HCP bg==",
        ] {
            assert_eq!(
                who(&system, &[("authorization", bad)], false),
                Err(403),
                "{bad}"
            );
        }
        assert_eq!(who(&system, &[], false), Err(403));
    }
}
