//! `POST /modmngnet/` (§3.9): the VRG moves to a new management address.
//!
//! The mock answers first (`200`, empty, with `Connection: close`), then serves on the new
//! address only: it listens there before answering, and stops listening on the old
//! addresses (closing their connections) once the answering connection has closed. Sessions
//! survive the move (mock choice; UNKNOWN on a device). The new address must be loopback,
//! since the mock can listen nowhere else (`10440301` otherwise, mock choice).

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use http::header::{CONNECTION, HeaderValue};
use serde_json::json;

use crate::answer::{self, Answer, Refusal};
use crate::app::{Call, body_json};
use crate::codes;
use crate::state::Vrg;
use crate::wire;

/// How long the move waits for the answering connection to close before it stops the old
/// addresses anyway.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
const CLOSE_POLL: Duration = Duration::from_millis(5);

pub(crate) fn change(vrg: &Vrg, call: &Call<'_>) -> Answer {
    let net = wire::decode_management_network(&body_json(call)?)?;
    let new_ip = IpAddr::V4(net.ip);
    let old = vrg.state().ips.clone();
    let moving = old != [new_ip];
    if moving {
        if !net.ip.is_loopback() {
            return Err(Refusal::code(codes::INVALID_IP));
        }
        let server = vrg
            .server
            .get()
            .and_then(Weak::upgrade)
            .ok_or(Refusal::code(codes::INTERNAL_ERROR))?;
        server.add_node(new_ip).map_err(|error| {
            tracing::warn!(%new_ip, %error, "the management address cannot move");
            Refusal::code(codes::INTERNAL_ERROR)
        })?;
        let server = Arc::downgrade(&server);
        let stop: Vec<IpAddr> = old.into_iter().filter(|ip| *ip != new_ip).collect();
        let conn = call.ctx.conn_id;
        tokio::spawn(async move {
            let polls = CLOSE_WAIT.as_millis() / CLOSE_POLL.as_millis();
            for _ in 0..polls {
                let Some(server) = server.upgrade() else {
                    return;
                };
                if server.connection(conn).is_none_or(|c| c.is_closed()) {
                    break;
                }
                drop(server);
                tokio::time::sleep(CLOSE_POLL).await;
            }
            if let Some(server) = server.upgrade() {
                for ip in stop {
                    let _ = server.stop_node(ip);
                }
            }
        });
    }
    {
        let mut state = vrg.state();
        state.ips = vec![new_ip];
        state.mask = net.mask;
        state.gateway = net.gateway;
    }
    let mut response = if vrg.config.seed_shapes.modmngnet_body {
        answer::json(&json!({
            "IP": net.ip.to_string(),
            "netmask": net.mask.to_string(),
            "netGateway": net.gateway.to_string(),
        }))
    } else {
        answer::empty()
    };
    if moving {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}
