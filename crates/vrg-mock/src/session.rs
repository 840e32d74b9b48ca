//! `GET /versions`, login with lockout, logout.

use std::sync::atomic::Ordering;

use http::HeaderMap;
use http::header::HeaderValue;
use serde_json::json;
use tokio::time::Instant;

use crate::answer::{self, Answer, Refusal};
use crate::app::{BASE, Call, TOKEN_HEADER};
use crate::codes;
use crate::state::{Vrg, WRONG_KEYS_TO_LOCK};

/// `GET /versions` (§3.1.1): v1.0 and its login URI, under the table's key or the
/// sample's `loginUrl`.
pub(crate) fn versions(vrg: &Vrg) -> http::Response<storkit_mock::MockBody> {
    let key = if vrg.config.seed_shapes.login_url {
        "loginUrl"
    } else {
        "loginUri"
    };
    answer::json(&json!({
        "versions": [{"version": "v1.0", key: format!("{BASE}/session")}]
    }))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Refusal> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| Refusal::code(codes::INVALID_PARAMETER))
        })
        .transpose()
}

/// `POST /session` (§3.1.2). The body is ignored (none, `{}` or anything).
pub(crate) fn login(vrg: &Vrg, headers: &HeaderMap) -> Answer {
    let name = header(headers, "x-auth-user")?.ok_or(Refusal::code(codes::INVALID_PARAMETER))?;
    if !(1..=20).contains(&name.chars().count()) {
        return Err(Refusal::code(codes::INVALID_PASSWORD));
    }
    let key = header(headers, "x-auth-key")?.ok_or(Refusal::code(codes::INVALID_PARAMETER))?;
    let user = vrg
        .config
        .users
        .iter()
        .find(|u| u.name == name)
        .ok_or(Refusal::code(codes::USER_NOT_FOUND))?;
    let now = Instant::now();
    {
        let mut state = vrg.state();
        let account = state.accounts.entry(user.name.clone()).or_default();
        if let Some(until) = account.locked_until {
            if now < until {
                return Err(Refusal::code(codes::ACCOUNT_LOCKED));
            }
            account.locked_until = None;
            account.wrong_keys = 0;
        }
        let right = if vrg.config.key_any_case {
            key.trim().eq_ignore_ascii_case(&user.key)
        } else {
            key.trim() == user.key
        };
        if !right {
            account.wrong_keys += 1;
            if account.wrong_keys >= WRONG_KEYS_TO_LOCK {
                account.wrong_keys = 0;
                account.locked_until = Some(now + vrg.config.lockout);
                return Err(Refusal::code(codes::LOCKED_AFTER_WRONG_PASSWORDS));
            }
            return Err(Refusal::code(codes::WRONG_PASSWORD));
        }
        account.wrong_keys = 0;
    }
    let session = vrg
        .sessions
        .create(user.name.clone())
        .map_err(|_| Refusal::code(codes::INTERNAL_ERROR))?;
    vrg.logins.fetch_add(1, Ordering::Relaxed);
    let validity = u64::try_from(vrg.config.validity.as_millis()).unwrap_or(u64::MAX);
    let mut response = answer::json(&json!({"validity": validity, "uuid": vrg.config.uuid}));
    let value =
        HeaderValue::from_str(&session.token).map_err(|_| Refusal::code(codes::INTERNAL_ERROR))?;
    response.headers_mut().insert(TOKEN_HEADER, value);
    Ok(response)
}

/// `DELETE /session` (§3.1.3): ends the (already checked) session, unless the test hook
/// makes this one fail with `10440205`.
pub(crate) fn logout(vrg: &Vrg, call: &Call<'_>) -> Answer {
    if std::mem::take(&mut vrg.state().fail_next_logout) {
        return Err(Refusal::code(codes::LOGOUT_FAILED));
    }
    if let Some(token) = call.token {
        vrg.sessions.delete(token);
    }
    Ok(answer::empty())
}
