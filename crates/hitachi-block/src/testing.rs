//! Helpers for the modules' unit tests: arbitrary JSON, and a fake REST server for the
//! few behaviours (paging, locks) that only show over the wire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::Value;
use storkit_core::{TlsPolicy, http};
use storkit_mock::{Ctx, MockServer, ServerConfig, body::MockBody, reply};

use crate::client::HitachiClient;

/// Arbitrary JSON whose object keys are drawn from `keys` (and random text), so that
/// decoders meet their own field names with every kind of value.
pub(crate) fn arb_json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(keys).prop_map(str::to_owned),
            1 => ".{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key, inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One request as the fake server saw it (its body is not read: request bodies are
/// checked by the modules' serialisation tests).
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: storkit_core::http::HeaderMap,
}

type Route = dyn Fn(&Seen) -> Option<(u16, Value)> + Send + Sync;

/// A plain-HTTP server that logs in anyone (session 7, token `tok`), discards
/// sessions, and answers every other request with `route` (404 when it says `None`).
pub(crate) struct Fake {
    pub(crate) server: MockServer,
    pub(crate) seen: Arc<Mutex<Vec<Seen>>>,
}

pub(crate) const SDID: &str = "886000410000";

/// Fixes the closure's argument types without naming the server's body type (this
/// crate does not depend on hyper): `B` is inferred from the kit's `Handler` bound.
pub(crate) fn handler<B, F, Fut>(f: F) -> F
where
    F: Fn(http::Request<B>, Ctx) -> Fut,
{
    f
}

impl Fake {
    pub(crate) async fn start(
        ip: [u8; 4],
        route: impl Fn(&Seen) -> Option<(u16, Value)> + Send + Sync + 'static,
    ) -> Fake {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        let route: Arc<Route> = Arc::new(route);
        let handler = handler(move |req, _ctx| {
            let seen = Seen {
                method: req.method().to_string(),
                path: req.uri().path().to_owned(),
                query: req.uri().query().unwrap_or_default().to_owned(),
                headers: req.headers().clone(),
            };
            std::future::ready(answer(seen, &log, &*route))
        });
        let server = MockServer::start(ServerConfig::new().ips([ip.into()]), handler)
            .await
            .unwrap();
        Fake { server, seen }
    }

    pub(crate) async fn client(&self) -> HitachiClient {
        HitachiClient::builder(self.server.url())
            .credentials("u", "p".to_owned())
            .storage_device_id(SDID.parse().unwrap())
            .tls(TlsPolicy::default())
            .job_polling(storkit_core::poll::PollPolicy::default())
            .build()
            .await
            .unwrap()
    }

    /// The requests seen so far, logins and session discards left out.
    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| !s.path.contains("/sessions"))
            .cloned()
            .collect()
    }
}

/// A path relative to the fake array's object URL.
pub(crate) fn rel(path: &str) -> &str {
    path.strip_prefix("/ConfigurationManager/v1/objects/storages/886000410000")
        .unwrap_or(path)
}

/// A finished, successful job naming `resource` (relative to the object URL).
pub(crate) fn job(resource: &str) -> Value {
    serde_json::json!({
        "jobId": 1, "self": format!("/ConfigurationManager/v1/objects/storages/{SDID}/jobs/1"),
        "status": "Completed", "state": "Succeeded",
        "affectedResources": [format!("/ConfigurationManager/v1/objects/storages/{SDID}{resource}")],
    })
}

fn answer(seen: Seen, log: &Mutex<Vec<Seen>>, route: &Route) -> http::Response<MockBody> {
    log.lock().unwrap().push(seen.clone());
    let (status, value) = if seen.path.ends_with("/sessions") && seen.method == "POST" {
        (200, serde_json::json!({"token": "tok", "sessionId": 7}))
    } else if seen.path.contains("/sessions/") {
        (200, serde_json::json!({}))
    } else {
        route(&seen).unwrap_or((404, serde_json::json!({"messageId": "KART30013-E"})))
    };
    let status = http::StatusCode::from_u16(status).unwrap();
    reply::json(status, value.to_string())
}
