//! The resource-group lock (reference §15): `resource-group-service/actions/{lock,unlock}`.
//!
//! The lock belongs to the session that took it. While it is held, every job of another
//! session fails with the lock error (`KART40050-E` + SSB `2E11/2205`); GETs and session
//! create/discard are never blocked. One lock covers the whole storage system: the mock has
//! a single resource group (0).

use std::time::{Duration, Instant};

use http::Method;
use serde_json::json;

use crate::errors::ApiError;
use crate::jobs::{self, JobKind, Step};
use crate::params::Fields;
use crate::request::Call;
use crate::router::{Reply, is_invoke_method};
use crate::sessions::Caller;
use crate::state::State;
use crate::timestamps::after;

/// The documented range of `waitTime` (A5 `hv_resource_group_lock.py`).
const WAIT_TIME_RANGE: std::ops::RangeInclusive<u32> = 0..=7200;

/// Requests under `services/`.
pub(crate) fn handle(
    state: &mut State,
    call: &Call,
    caller: &Caller,
    rest: &[String],
) -> Result<Reply, ApiError> {
    let segments: Vec<&str> = rest.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["resource-group-service", "actions", action] => {
            check_action(action)?;
            if call.method != Method::GET {
                return Err(ApiError::method_not_allowed(&call.method));
            }
            let template = if *action == "lock" {
                json!({ "parameters": { "waitTime": null } })
            } else {
                json!({ "parameters": {} })
            };
            Ok(Reply::json(template))
        }
        ["resource-group-service", "actions", action, "invoke"] => {
            check_action(action)?;
            if !is_invoke_method(&call.method) {
                return Err(ApiError::method_not_allowed(&call.method));
            }
            if *action == "lock" {
                lock(state, call, caller)
            } else {
                Ok(unlock(state, call, caller))
            }
        }
        _ => Err(ApiError::unknown_url()),
    }
}

fn check_action(action: &str) -> Result<(), ApiError> {
    if action == "lock" || action == "unlock" {
        Ok(())
    } else {
        Err(ApiError::unknown_url())
    }
}

fn resource_group(state: &State) -> String {
    state.object_path("resource-groups/0")
}

fn lock(state: &mut State, call: &Call, caller: &Caller) -> Result<Reply, ApiError> {
    let wait = Fields::parameters(call)?
        .u32_in("waitTime", WAIT_TIME_RANGE)?
        .unwrap_or(0);
    let deadline = after(Instant::now(), Duration::from_secs(u64::from(wait)));
    let affected = resource_group(state);
    let op = Box::new(move |state: &mut State, ctx: &jobs::OpCtx| {
        match state.lock_holder_at(ctx.at) {
            Some(holder) if holder != ctx.session_id => {
                if ctx.at >= deadline {
                    Step::err(ApiError::locked())
                } else {
                    Step::Wait { until: deadline }
                }
            }
            // Locking again from the holder succeeds: clients nest lock calls (Cinder).
            _ => {
                state.lock = Some(ctx.session_id);
                Step::ok(affected.clone())
            }
        }
    });
    let kind = JobKind {
        ignores_lock: true,
        ..JobKind::default()
    };
    Ok(jobs::reply_as(state, call, caller, kind, op))
}

fn unlock(state: &mut State, call: &Call, caller: &Caller) -> Reply {
    let affected = resource_group(state);
    let op = Box::new(move |state: &mut State, ctx: &jobs::OpCtx| {
        match state.lock_holder_at(ctx.at) {
            Some(holder) if holder != ctx.session_id => Step::err(ApiError::unlock_denied()),
            // Unlocking when nothing is locked succeeds: the lock may have died with an
            // expired session, and a client's cleanup should not fail over it.
            _ => {
                state.lock = None;
                Step::ok(affected.clone())
            }
        }
    });
    let kind = JobKind {
        ignores_lock: true,
        ..JobKind::default()
    };
    jobs::reply_as(state, call, caller, kind, op)
}
