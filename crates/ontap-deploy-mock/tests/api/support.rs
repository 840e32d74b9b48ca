//! The kit's raw HTTP/1.1 client ([`storkit_mock::raw`]: one connection per request,
//! `Connection: close`, so tests control every header and byte, and work on a paused Tokio
//! clock) with Deploy's basic authentication and JSON shapes.

use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use storkit_mock::raw::{self, RawReply, RawRequest};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};
use tokio::io::{AsyncRead, AsyncWrite};

pub(crate) const USER: &str = "admin";
pub(crate) const PASSWORD: &str = "Netapp1!";

/// `127.0.13.<last>`: this crate's test addresses.
pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 13, last])
}

/// A plain-HTTP mock on `127.0.13.<last>`, ephemeral port, the test user, after `adjust`.
pub(crate) async fn start(
    last: u8,
    adjust: impl FnOnce(DeployConfig) -> DeployConfig,
) -> DeployMock {
    let config = DeployConfig::new()
        .ip(ip(last))
        .tls(false)
        .user(USER, PASSWORD);
    DeployMock::start(adjust(config)).await.unwrap()
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// One request; the path is taken as given (add `/api/v3` with [`Req::api`]).
#[derive(Debug, Clone)]
pub(crate) struct Req(RawRequest);

impl Req {
    pub(crate) fn new(method: &'static str, path: &str) -> Self {
        Self(RawRequest::new(method, path).header("Accept", "application/json"))
    }

    /// A request under `/api/v3`.
    pub(crate) fn api(method: &'static str, path: &str) -> Self {
        Self::new(method, &format!("/api/v3{path}"))
    }

    pub(crate) fn json(self, body: &Value) -> Self {
        self.body("application/json", body.to_string().into_bytes())
    }

    pub(crate) fn body(self, content_type: &str, body: Vec<u8>) -> Self {
        Self(self.0.body(content_type, body))
    }

    pub(crate) fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }

    pub(crate) fn auth(self, user: &str, password: &str) -> Self {
        self.header("Authorization", &basic(user, password))
    }
}

/// One answer: the kit's, with Deploy's JSON shapes.
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
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text()))
    }

    /// Asserts the status, showing the body if it differs.
    pub(crate) fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{}", self.text());
        self
    }

    /// The `record` of a 200.
    pub(crate) fn record(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text());
        self.json()["record"].clone()
    }

    /// The `records` of a 200, checking `num_records`.
    pub(crate) fn records(&self) -> Vec<Value> {
        assert_eq!(self.status, 200, "{}", self.text());
        let json = self.json();
        let records = json["records"].as_array().unwrap().clone();
        assert_eq!(json["num_records"], records.len(), "{json}");
        records
    }

    /// The `job` of a 202.
    pub(crate) fn job(&self) -> Value {
        assert_eq!(self.status, 202, "{}", self.text());
        self.json()["job"].clone()
    }

    /// The last path segment of `location`.
    pub(crate) fn location_id(&self) -> String {
        let location = self
            .header("location")
            .unwrap_or_else(|| panic!("no location: {self:?}"));
        location.rsplit('/').next().unwrap().to_owned()
    }

    /// `(error.code, error.message)` of a refusal with this status.
    pub(crate) fn error(&self, status: u16) -> (Value, String) {
        assert_eq!(self.status, status, "{}", self.text());
        let json = self.json();
        let error = &json["error"];
        (
            error["code"].clone(),
            error["message"]
                .as_str()
                .unwrap_or_else(|| panic!("{json}"))
                .to_owned(),
        )
    }
}

pub(crate) async fn exchange(addr: SocketAddr, req: &Req) -> Reply {
    Reply(raw::exchange(addr, &req.0).await.unwrap())
}

pub(crate) async fn exchange_on<S>(stream: &mut S, host: SocketAddr, req: &Req) -> Reply
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    Reply(raw::exchange_on(stream, host, &req.0).await.unwrap())
}

/// A client of one mock, authenticated as the test user.
pub(crate) struct Client<'a> {
    pub(crate) mock: &'a DeployMock,
    paused: bool,
}

impl<'a> Client<'a> {
    pub(crate) fn new(mock: &'a DeployMock) -> Self {
        Self {
            mock,
            paused: false,
        }
    }

    /// No timeouts (a paused clock would fire them).
    pub(crate) fn paused(mock: &'a DeployMock) -> Self {
        Self { mock, paused: true }
    }

    /// Sends as is.
    pub(crate) async fn raw(&self, req: Req) -> Reply {
        let addr = self.mock.addr();
        if self.paused {
            exchange(addr, &req).await
        } else {
            tokio::time::timeout(Duration::from_secs(30), exchange(addr, &req))
                .await
                .expect("an answer in time")
        }
    }

    /// Sends with the test user's credentials.
    pub(crate) async fn send(&self, req: Req) -> Reply {
        self.raw(req.auth(USER, PASSWORD)).await
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Req::api("GET", path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Req::api("POST", path).json(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Req::api("PATCH", path).json(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.send(Req::api("DELETE", path)).await
    }

    /// Waits for a job with long polls; returns its last record and every message seen,
    /// in order, without repeats.
    pub(crate) async fn wait_job(&self, job: &Value) -> (Value, Vec<String>) {
        let id = job["id"].as_str().unwrap();
        let mut last_modified = job["last_modified"].as_str().unwrap().to_owned();
        let mut messages = vec![job["message"].as_str().unwrap().to_owned()];
        for _ in 0..100 {
            let record = self
                .get(&format!(
                    "/jobs/{id}?fields=state,message,last_modified&poll_timeout=20\
                     &last_modified=%3E={last_modified}"
                ))
                .await
                .record();
            let message = record["message"].as_str().unwrap().to_owned();
            if messages.last() != Some(&message) {
                messages.push(message);
            }
            if matches!(record["state"].as_str(), Some("success" | "failure")) {
                return (record, messages);
            }
            last_modified = record["last_modified"].as_str().unwrap().to_owned();
        }
        panic!("job {id} did not end");
    }

    /// Waits for a job and asserts it succeeded.
    pub(crate) async fn succeeds(&self, reply: Reply) -> Value {
        let (record, messages) = self.wait_job(&reply.job()).await;
        assert_eq!(record["state"], "success", "{record} {messages:?}");
        record
    }
}

/// Creates a cluster; returns its id (from `location`).
pub(crate) async fn cluster(client: &Client<'_>, name: &str, nodes: usize) -> String {
    let reply = client
        .post(
            &format!("/clusters?node_count={nodes}"),
            &serde_json::json!({"name": name}),
        )
        .await
        .expect(201);
    assert!(reply.body.is_empty(), "{}", reply.text());
    reply.location_id()
}

/// Adds ESX hosts in one batch and waits; returns their ids in order.
pub(crate) async fn hosts(client: &Client<'_>, names: &[&str]) -> Vec<String> {
    let hosts: Vec<Value> = names
        .iter()
        .map(|n| serde_json::json!({"name": n, "hypervisor_type": "ESX", "credential": {"username": "root", "password": "esx-pw"}}))
        .collect();
    client
        .succeeds(
            client
                .post("/hosts", &serde_json::json!({ "hosts": hosts }))
                .await,
        )
        .await;
    let all = client.get("/hosts").await.records();
    names
        .iter()
        .map(|n| {
            all.iter()
                .find(|h| h["name"] == *n)
                .map(|h| h["id"].as_str().unwrap().to_owned())
                .unwrap()
        })
        .collect()
}

/// The ids of a cluster's nodes, by name.
pub(crate) async fn node_ids(client: &Client<'_>, cluster: &str) -> Vec<String> {
    client
        .get(&format!("/clusters/{cluster}/nodes?order_by=name%20asc"))
        .await
        .records()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Puts node `i` on `hosts[i]` with IP `10.0.<net>.<i+10>`.
pub(crate) async fn place_nodes(client: &Client<'_>, cluster: &str, hosts: &[String], net: u8) {
    for (i, (node, host)) in node_ids(client, cluster)
        .await
        .iter()
        .zip(hosts)
        .enumerate()
    {
        client
            .patch(
                &format!("/clusters/{cluster}/nodes/{node}"),
                &serde_json::json!({"host": {"id": host}, "ip": format!("10.0.{net}.{}", i + 10)}),
            )
            .await
            .expect(200);
    }
}

/// A deployed cluster on new hosts called `<name>-esx<i>`; returns its id.
pub(crate) async fn deployed(client: &Client<'_>, name: &str, nodes: usize, net: u8) -> String {
    let names: Vec<String> = (1..=nodes).map(|i| format!("{name}-esx{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let hosts = hosts(client, &names).await;
    let id = cluster(client, name, nodes).await;
    place_nodes(client, &id, &hosts, net).await;
    let reply = client
        .post(
            &format!("/clusters/{id}/deploy"),
            &serde_json::json!({"ontap_credential": {"password": "ontap-pw"}}),
        )
        .await;
    client.succeeds(reply).await;
    id
}
