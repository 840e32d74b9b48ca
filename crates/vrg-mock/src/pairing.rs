//! Pairing with a peer VRG (§3.7): 4 (not paired) → `POST` → 2 (pairing) → after the
//! configured delay 1 (normal), or 3 (failed) if the peer was unreachable; 5 (link down) by
//! hook; `DELETE` → 4. A `POST` while paired replaces the peer and starts again (mock
//! choice).

use serde_json::json;
use tokio::time::Instant;

use crate::answer::{self, Answer};
use crate::app::{Call, body_json};
use crate::state::{Pairing, Vrg};
use crate::wire;

/// `POST /vrgmap`.
pub(crate) fn pair(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let (dst_ip, dst_port) = wire::check_pair(&body_json(call)?, vrg.config.pair_keys)?;
    let mut state = vrg.state();
    let failing = std::mem::take(&mut state.fail_next_pairing);
    let outcome = if state.peer_reachable && !failing {
        1
    } else {
        3
    };
    state.pairings_started += 1;
    state.pairing = Some(Pairing {
        dst_ip,
        dst_port,
        started: Instant::now(),
        delay: state.pair_delay,
        outcome,
        link_down: false,
    });
    Ok(answer::empty())
}

/// `DELETE /vrgmap`: no error when not paired.
pub(crate) fn unpair(vrg: &Vrg) -> http::Response<storkit_mock::MockBody> {
    vrg.state().pairing = None;
    answer::empty()
}

/// `GET /vrgmap`. Not paired answers `{"status":4}` alone (mock choice: which fields the
/// device sends then is UNKNOWN).
pub(crate) fn get(vrg: &Vrg) -> http::Response<storkit_mock::MockBody> {
    let state = vrg.state();
    match &state.pairing {
        None => answer::json(&json!({"status": 4})),
        Some(pairing) => answer::json(&json!({
            "dstIp": pairing.dst_ip.to_string(),
            "dstPort": pairing.dst_port,
            "status": pairing.status(Instant::now()),
        })),
    }
}
