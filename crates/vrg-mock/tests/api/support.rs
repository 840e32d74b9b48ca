//! The kit's raw HTTP/1.1 client ([`storkit_mock::raw`]: one connection per request,
//! `Connection: close`, so tests control every header and byte, and work on a paused Tokio
//! clock) with VRG's paths, headers and JSON errors.

use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::time::Duration;

use serde_json::Value;
use storkit_mock::raw::{self, RawReply, RawRequest};
use storkit_vrg_mock::{VrgConfig, VrgMock, key_for};
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) const USER: &str = "admin";
pub(crate) const PASSWORD: &str = "Huawei@CLOUD8!";
pub(crate) const ACCEPT: &str = "application/json; version=v1.0; charset=UTF-8";

/// VM UUIDs (well-formed).
pub(crate) const VM1: &str = "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c";
pub(crate) const VM2: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// `127.0.10.<last>`: this crate's test addresses.
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 10, last])
}

/// A VM UUID numbered `n`.
pub(crate) fn vm(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A mock on `127.0.10.<last>`, ephemeral port, the test user, after `adjust`.
pub(crate) async fn start(last: u8, adjust: impl FnOnce(VrgConfig) -> VrgConfig) -> VrgMock {
    let config = VrgConfig::new().ip(ip(last)).user(USER, PASSWORD);
    VrgMock::start(adjust(config)).await.unwrap()
}

/// One request under `/vrgservice`, in JSON and Chinese unless told otherwise.
#[derive(Debug, Clone)]
pub(crate) struct Req(RawRequest);

impl Req {
    pub(crate) fn new(method: &'static str, path: &str) -> Self {
        Self(
            RawRequest::new(method, format!("/vrgservice{path}"))
                .header("Accept", ACCEPT)
                .header("Accept-Language", "zh_CN"),
        )
    }

    pub(crate) fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    pub(crate) fn post(path: &str, body: &Value) -> Self {
        Self::new("POST", path).raw_body(body.to_string())
    }

    pub(crate) fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// Any path, not under `/vrgservice`.
    pub(crate) fn absolute(self, path: &str) -> Self {
        Self(self.0.target(path))
    }

    pub(crate) fn raw_body(self, body: impl Into<Vec<u8>>) -> Self {
        Self(self.0.body("application/json; charset=UTF-8", body))
    }

    /// Sets a header, replacing one of the same name.
    pub(crate) fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }

    pub(crate) fn without(self, name: &str) -> Self {
        Self(self.0.without(name))
    }

    pub(crate) fn token(self, token: &str) -> Self {
        self.header("X-Auth-Token", token)
    }

    pub(crate) fn english(self) -> Self {
        self.header("Accept-Language", "en_US")
    }
}

/// One answer: the kit's, with VRG's JSON error fields.
#[derive(Debug, Clone)]
pub(crate) struct Reply(RawReply);

impl Deref for Reply {
    type Target = RawReply;

    fn deref(&self) -> &RawReply {
        &self.0
    }
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} {}", self.status, self.text()))
    }

    /// The `errorCode` of a `400` (panics on anything else).
    pub(crate) fn code(&self) -> String {
        assert_eq!(self.status, 400, "{}", self.text());
        self.error_code()
    }

    /// The `errorCode` whatever the status.
    pub(crate) fn error_code(&self) -> String {
        let json = self.json();
        match &json["errorCode"] {
            Value::String(s) => s.clone(),
            other => panic!("errorCode is not a string: {other} in {json}"),
        }
    }

    pub(crate) fn des(&self) -> String {
        self.json()["errorDes"].as_str().unwrap().to_owned()
    }
}

/// Sends `req` to `addr` on a new connection and reads the whole answer (no timeout, for
/// paused clocks).
pub(crate) async fn exchange(addr: SocketAddr, req: &Req) -> Reply {
    Reply(raw::exchange(addr, &req.0).await.unwrap())
}

/// Like [`exchange`] on any stream.
pub(crate) async fn exchange_on<S>(stream: &mut S, host: SocketAddr, req: &Req) -> Reply
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    Reply(raw::exchange_on(stream, host, &req.0).await.unwrap())
}

/// A client of one mock: follows its address (after a management-network change too),
/// keeps a token.
pub(crate) struct Client<'a> {
    pub(crate) mock: &'a VrgMock,
    pub(crate) token: Option<String>,
    /// No timeouts (a paused clock would fire them).
    paused: bool,
}

impl<'a> Client<'a> {
    pub(crate) fn new(mock: &'a VrgMock) -> Self {
        Self {
            mock,
            token: None,
            paused: false,
        }
    }

    pub(crate) fn paused(mock: &'a VrgMock) -> Self {
        Self {
            paused: true,
            ..Self::new(mock)
        }
    }

    /// Sends as is.
    pub(crate) async fn raw(&self, req: Req) -> Reply {
        let addr = self.mock.addr();
        if self.paused {
            exchange(addr, &req).await
        } else {
            tokio::time::timeout(Duration::from_secs(20), exchange(addr, &req))
                .await
                .expect("an answer in time")
        }
    }

    /// Sends with the token, if any.
    pub(crate) async fn send(&self, req: Req) -> Reply {
        let req = match &self.token {
            Some(token) => req.token(token),
            None => req,
        };
        self.raw(req).await
    }

    pub(crate) fn login_request(user: &str, password: &str) -> Req {
        Req::new("POST", "/session")
            .header("X-Auth-User", user)
            .header("X-Auth-Key", &key_for(password))
    }

    /// Logs in as the test user; keeps and returns the token.
    pub(crate) async fn login(&mut self) -> String {
        let reply = self.raw(Self::login_request(USER, PASSWORD)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let token = reply.header("x-auth-token").unwrap().to_owned();
        self.token = Some(token.clone());
        token
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Req::get(path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Req::post(path, body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.send(Req::delete(path)).await
    }
}

/// A production-side configuration for `vm` with `volumes` volumes.
pub(crate) fn production(vm: &str, volumes: u8) -> Value {
    let list: Vec<Value> = (1..=volumes)
        .map(|n| serde_json::json!({"volUuid": format!("{vm}-vol{n}"), "seqNum": n}))
        .collect();
    serde_json::json!({
        "vmUuid": vm,
        "vmId": "i-0000027D",
        "vmName": "web01",
        "compressOption": 1,
        "volList": list,
    })
}

/// A DR-side configuration for `vm`, in the table's spelling.
pub(crate) fn dr(vm: &str) -> Value {
    serde_json::json!({
        "vmUuid": vm,
        "vmName": "web01",
        "hostUrn": "urn:sites:3F7B07E2:hosts:12",
        "agentIp": "192.168.10.31",
        "agentPort": 8300,
        "volList": [{
            "volUuid": format!("{vm}-vol1"),
            "volumeUrl": "/POME/datastore_131/vol/vol_a/vol_a.vhd",
            "dsUrn": "urn:sites:3F7B07E2:datastores:131",
            "volType": "LOCALPOME",
            "seqNum": 1,
            "drExtParams": {"dsMgntIp": "1.1.1.1", "dsResourceId": "1"}
        }]
    })
}
