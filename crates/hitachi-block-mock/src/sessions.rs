//! Sessions (reference §6): Basic login → token, idle expiry after `aliveTime`, the session
//! limit, discard, and the `Authorization: Session <token>` check every other call goes
//! through.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::params::Fields;
use crate::request::Call;
use crate::router::Reply;
use crate::state::State;
use crate::timestamps::{iso8601, wall_at};

/// The documented range of `aliveTime` (A2 generating-sessions).
const ALIVE_TIME_RANGE: std::ops::RangeInclusive<u32> = 1..=300;
/// The documented range of `authenticationTimeout`.
const AUTH_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=900;

/// Who is calling: the session a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) session_id: u64,
    pub(crate) user: String,
}

#[derive(Debug)]
struct Session {
    token: String,
    user: String,
    peer: IpAddr,
    created: Instant,
    created_wall: SystemTime,
    last_access: Instant,
    alive: Duration,
    /// Set by `expire_all_sessions`: the session answers 401 from now on.
    forced_expiry: bool,
}

impl Session {
    fn is_live(&self, at: Instant) -> bool {
        !self.forced_expiry && at.saturating_duration_since(self.last_access) <= self.alive
    }
}

/// Every session of the storage system.
#[derive(Debug)]
pub(crate) struct Sessions {
    by_id: BTreeMap<u64, Session>,
    next_id: u64,
    created: u64,
    seed: RandomState,
    draws: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        Self {
            by_id: BTreeMap::new(),
            next_id: 1,
            created: 0,
            seed: RandomState::new(),
            draws: 0,
        }
    }
}

impl Sessions {
    /// Sessions neither discarded nor expired at `at`.
    pub(crate) fn live_count(&self, at: Instant) -> usize {
        self.by_id.values().filter(|s| s.is_live(at)).count()
    }

    /// How many sessions were ever created.
    pub(crate) fn created(&self) -> u64 {
        self.created
    }

    /// Whether session `id` exists and is live at `at`.
    pub(crate) fn is_live(&self, id: u64, at: Instant) -> bool {
        self.by_id.get(&id).is_some_and(|s| s.is_live(at))
    }

    /// Makes every session answer 401 from now on, as if `aliveTime` had passed.
    pub(crate) fn expire_all(&mut self) {
        for session in self.by_id.values_mut() {
            session.forced_expiry = true;
        }
    }

    /// The caller a token belongs to; refreshes the session's idle timer, since any use
    /// counts as activity. An expired session is forgotten on first use after expiry.
    pub(crate) fn authenticate(&mut self, token: &str, now: Instant) -> Option<Caller> {
        let (&id, session) = self.by_id.iter_mut().find(|(_, s)| s.token == token)?;
        if !session.is_live(now) {
            self.by_id.remove(&id);
            return None;
        }
        session.last_access = now;
        Some(Caller {
            session_id: id,
            user: session.user.clone(),
        })
    }

    fn purge(&mut self, now: Instant) {
        self.by_id.retain(|_, s| s.is_live(now));
    }

    /// A random UUID-shaped token. `RandomState` is seeded from the OS, which is all the
    /// randomness a mock needs without a dependency.
    fn new_token(&mut self) -> String {
        let mut draw = || {
            let mut hasher = self.seed.build_hasher();
            hasher.write_u64(self.draws);
            self.draws += 1;
            hasher.finish()
        };
        let a = draw();
        let b = draw();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// The token of an `Authorization: Session <token>` header.
pub(crate) fn session_token(header: Option<&str>) -> Option<&str> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Session") && !token.is_empty()).then_some(token)
}

/// Requests on `sessions[/{id}]`. `POST sessions` is handled before authentication, by
/// [`create`].
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    let now = Instant::now();
    match (rest, &call.method) {
        ([], &Method::GET) => {
            let data: Vec<Value> = state
                .sessions
                .by_id
                .iter()
                .filter(|(_, s)| s.is_live(now))
                .map(|(id, s)| session_json(*id, s))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        ([id], &Method::GET) => {
            let id = parse_id(id)?;
            match state.sessions.by_id.get(&id).filter(|s| s.is_live(now)) {
                Some(session) => Ok(Reply::json(session_json(id, session))),
                None => Err(ApiError::not_found(&format!("The session {id}"))),
            }
        }
        ([id], &Method::DELETE) => {
            let id = parse_id(id)?;
            // `{"force": true}` lets an administrator discard another user's session; the
            // mock lets any session discard any other, so the flag only needs to parse.
            Fields::body(call)?.bool_opt("force")?;
            state.sessions.purge(now);
            if state.sessions.by_id.remove(&id).is_none() {
                return Err(ApiError::not_found(&format!("The session {id}")));
            }
            // Reference §20 item 5 leaves it open whether a lock outlives its session; the
            // mock releases it, so a crashed client cannot lock everyone else out.
            if state.lock == Some(id) {
                state.lock = None;
            }
            tracing::debug!(session = id, by = caller.session_id, "session discarded");
            // A blank 200 is the normal answer here (reference §16.2: "any API except
            // session discard").
            Ok(Reply::Empty(StatusCode::OK))
        }
        ([] | [_], _) => Err(ApiError::method_not_allowed(&call.method)),
        _ => Err(ApiError::unknown_url()),
    }
}

/// `POST sessions`: Basic credentials → `{"token","sessionId"}`, synchronous, 200.
pub(crate) fn create(state: &mut State, call: &Call) -> Result<Reply, ApiError> {
    let Some((user, password)) = basic_credentials(call.header("authorization")) else {
        return Err(ApiError::bad_credentials());
    };
    let known = state
        .config
        .users
        .iter()
        .any(|(u, p)| *u == user && *p == password);
    if !known {
        return Err(ApiError::bad_credentials());
    }
    let body = Fields::body(call)?;
    let alive = body
        .u32_in("aliveTime", ALIVE_TIME_RANGE)?
        .unwrap_or(state.config.alive_time_default);
    body.u32_in("authenticationTimeout", AUTH_TIMEOUT_RANGE)?;

    let now = Instant::now();
    state.sessions.purge(now);
    if state.sessions.by_id.len() >= state.config.max_sessions {
        return Err(ApiError::too_many_sessions(state.config.max_sessions));
    }
    let token = state.sessions.new_token();
    let id = state.sessions.next_id;
    state.sessions.next_id += 1;
    state.sessions.created += 1;
    state.sessions.by_id.insert(
        id,
        Session {
            token: token.clone(),
            user,
            peer: call.peer,
            created: now,
            created_wall: SystemTime::now(),
            last_access: now,
            alive: Duration::from_secs(u64::from(alive)),
            forced_expiry: false,
        },
    );
    Ok(Reply::json(json!({ "token": token, "sessionId": id })))
}

fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse::<u64>()
        .map_err(|_| ApiError::invalid("sessionId", "The session ID must be an integer."))
}

fn session_json(id: u64, session: &Session) -> Value {
    let last_access = wall_at(session.last_access, session.created, session.created_wall);
    json!({
        "sessionId": id,
        "userId": session.user,
        "ipAddress": session.peer.to_string(),
        "createdTime": iso8601(session.created_wall),
        "lastAccessTime": iso8601(last_access),
    })
}

/// (user, password) from `Authorization: Basic <base64>`.
fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let (scheme, encoded) = header?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = String::from_utf8(decode_base64(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64 with optional padding; `None` on any other character.
fn decode_base64(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for c in input.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_credentials() {
        // "user1:pass1"
        assert_eq!(
            basic_credentials(Some("Basic dXNlcjE6cGFzczE=")),
            Some(("user1".into(), "pass1".into()))
        );
        assert_eq!(
            basic_credentials(Some("basic dXNlcjE6cGFzczE")),
            Some(("user1".into(), "pass1".into()))
        );
        assert_eq!(basic_credentials(Some("Session abc")), None);
        assert_eq!(basic_credentials(Some("Basic !!!")), None);
        assert_eq!(basic_credentials(None), None);
    }

    #[test]
    fn reads_session_tokens() {
        assert_eq!(session_token(Some("Session abc")), Some("abc"));
        assert_eq!(session_token(Some("session  abc ")), Some("abc"));
        assert_eq!(session_token(Some("Basic abc")), None);
        assert_eq!(session_token(Some("Session ")), None);
    }

    #[test]
    fn tokens_are_distinct_and_uuid_shaped() {
        let mut sessions = Sessions::default();
        let a = sessions.new_token();
        let b = sessions.new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
