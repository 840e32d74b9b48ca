//! The storage system's own object (`GET storages/{storageDeviceId}`), and the decoding
//! helpers the resource modules share.
//!
//! The list of storage systems needs no session: it is
//! [`HitachiClient::storages`](crate::HitachiClient::storages).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use storkit_core::{Error, Request};

use crate::remote_storage::CommunicationMode;
use crate::session::{Session, check};
use crate::storage_id::StorageDeviceId;

/// The storage system a session works on, as `GET storages/{storageDeviceId}` reports it
/// (reference §4, A1 HCSR0086). Every field but the id is optional: the SVP and GUM
/// models send different subsets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorageDetail {
    /// The storageDeviceId, e.g. `886000123456`.
    pub storage_device_id: String,
    /// The model, e.g. `VSP G900`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub model: Option<String>,
    /// The serial number (sent as a number; a numeric string is accepted).
    #[serde(default, deserialize_with = "lenient_number")]
    pub serial_number: Option<u64>,
    /// The SVP address (SVP models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub svp_ip: Option<String>,
    /// Controller 1's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl1_ip: Option<String>,
    /// Controller 2's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl2_ip: Option<String>,
    /// The microcode version, e.g. `88-02-00/20`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub dkc_micro_version: Option<String>,
    /// How the REST server talks to the storage system.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub communication_modes: Vec<CommunicationMode>,
    /// Whether the REST server talks to the storage system over SSL.
    #[serde(default, deserialize_with = "lenient")]
    pub is_secure: Option<bool>,
    /// The controller the REST server talks to, e.g. `CTL1`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub target_ctl: Option<String>,
    /// Whether the storage system is managed through an SVP.
    #[serde(default, deserialize_with = "lenient")]
    pub uses_svp: Option<bool>,
    /// The protocol between the REST server and the storage system, e.g. `DTLS SVP`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub lan_connection_protocol: Option<String>,
    /// The SVP's web server HTTPS port.
    #[serde(default, deserialize_with = "lenient_number")]
    pub mapp_web_server_https_port: Option<u16>,
    /// The SVP's RMI port.
    #[serde(default, deserialize_with = "lenient_number")]
    pub rmi_port: Option<u16>,
}

impl StorageDetail {
    /// The parsed storageDeviceId.
    pub fn id(&self) -> Result<StorageDeviceId, crate::error::HitachiError> {
        self.storage_device_id.parse()
    }
}

impl Session {
    /// The storage system this session works on (`GET storages/{storageDeviceId}`).
    pub async fn storage(&self) -> Result<StorageDetail, Error> {
        // The storage object itself only exists in the long form: the short form's
        // `object_path("")` would be `/v1/objects`, which is not this object. The long form
        // is served by the embedded REST servers too (reference §2.2), so it is always sent.
        let path = format!(
            "/ConfigurationManager/v1/objects/storages/{}",
            self.client().storage_device_id()
        );
        self.get_json(&path).await
    }
}

/// `{"data": [...]}`, the shape of every list; a missing or `null` `data` is an empty list.
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct DataList<T> {
    #[serde(default = "Vec::new", deserialize_with = "nullable_vec")]
    data: Vec<T>,
}

/// Sends a list request in `session` and decodes its `data` array. Elements are decoded
/// strictly (a malformed element fails the list rather than silently disappearing from it).
pub(crate) async fn list_data<T: DeserializeOwned>(
    session: &Session,
    request: Request,
) -> Result<Vec<T>, Error> {
    let response = check(session.send(request).await?)?;
    Ok(response.json::<DataList<T>>()?.data)
}

/// Decodes an optional field, turning a value of the wrong type into `None` instead of
/// failing the whole object: servers differ in what they send, and a field this crate
/// does not need must not make an object unreadable.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// Like [`lenient`] for numbers, also accepting numeric strings (`"443"`): some fields
/// (ports, serial numbers) come either way.
pub(crate) fn lenient_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + std::str::FromStr,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        other => serde_json::from_value(other).ok(),
    })
}

/// Strings, numbers and booleans become text; anything else becomes `None`.
pub(crate) fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A list of simple values: elements that do not decode are dropped, and anything but an
/// array is an empty list.
pub(crate) fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A list that may be `null`; its elements are decoded strictly.
pub(crate) fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Helpers for the modules' unit tests: arbitrary JSON, and a fake REST server for the
/// few behaviours (paging, locks) that only show over the wire.
#[cfg(test)]
pub(crate) mod testing {
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
    fn handler<B, F, Fut>(f: F) -> F
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_example_decodes() {
        let body = r#"{"storageDeviceId":"886000123456","model":"VSP G900","serialNumber":123456,"svpIp":"192.0.2.1","mappWebServerHttpsPort":443,"rmiPort":1099,"ctl1Ip":"192.0.2.2","ctl2Ip":"192.0.2.3","dkcMicroVersion":"88-02-00/20","communicationModes":[{"communicationMode":"lanConnectionMode"}],"isSecure":true,"lanConnectionProtocol":"DTLS SVP","targetCtl":"CTL1","usesSvp":true}"#;
        let s: StorageDetail = serde_json::from_str(body).unwrap();
        assert_eq!(s.id().unwrap().as_str(), "886000123456");
        assert_eq!(s.serial_number, Some(123_456));
        assert_eq!(s.dkc_micro_version.as_deref(), Some("88-02-00/20"));
        assert_eq!(s.communication_modes.len(), 1);
        assert_eq!(s.is_secure, Some(true));
        assert_eq!(s.target_ctl.as_deref(), Some("CTL1"));
        assert_eq!(s.uses_svp, Some(true));
        assert_eq!(s.mapp_web_server_https_port, Some(443));
    }

    #[test]
    fn wrong_types_are_dropped_not_fatal() {
        let s: StorageDetail = serde_json::from_str(
            r#"{"storageDeviceId":"886000123456","serialNumber":"123456","isSecure":"yes","communicationModes":null,"rmiPort":-1,"model":7}"#,
        )
        .unwrap();
        assert_eq!(s.serial_number, Some(123_456));
        assert_eq!(s.is_secure, None);
        assert_eq!(s.rmi_port, None);
        assert_eq!(s.model.as_deref(), Some("7"));
        assert!(s.communication_modes.is_empty());
    }

    #[tokio::test]
    async fn get_sends_the_long_form() {
        let fake = testing::Fake::start([127, 0, 0, 201], |seen| {
            (seen.method == "GET").then(|| {
                (
                    200,
                    serde_json::json!({"storageDeviceId": testing::SDID, "model": "VSP G900"}),
                )
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let s = session.storage().await.unwrap();
        assert_eq!(s.model.as_deref(), Some("VSP G900"));
        session.close().await.unwrap();
        let seen = fake.requests();
        assert_eq!(
            seen[0].path,
            "/ConfigurationManager/v1/objects/storages/886000410000"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "storageDeviceId", "model", "serialNumber", "svpIp", "communicationModes",
            "communicationMode", "isSecure", "usesSvp", "rmiPort",
        ])) {
            let _ = serde_json::from_value::<StorageDetail>(v);
        }
    }
}
