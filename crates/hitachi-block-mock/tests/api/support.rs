//! A small client for the tests: real HTTPS to a mock on its own loopback address, trusting
//! the mock's generated CA, no retries (every answer is what the mock said).

use std::time::{Duration, Instant};

use serde_json::Value;
use storkit_core::http::{HeaderMap, Method};
use storkit_core::{Client, Request, RetryPolicy, TlsPolicy};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{ServerConfig, TlsSettings};

/// A started mock and a client for it.
pub(crate) struct Api {
    pub(crate) mock: HitachiMock,
    pub(crate) client: Client,
}

/// One answer.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Basic credentials for `user1:pass1`.
pub(crate) const USER1: &str = "Basic dXNlcjE6cGFzczE=";

/// `Authorization: Basic` for any user.
pub(crate) fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Api {
    /// A TLS mock on `ip` with `config`.
    pub(crate) async fn start(ip: &str, config: ArrayConfig) -> Self {
        let mock = HitachiMock::start(
            ServerConfig::new()
                .ips([ip.parse().unwrap()])
                .tls(TlsSettings::default()),
            config,
        )
        .await
        .unwrap();
        let ca = mock.server().tls().unwrap().ca_pem();
        let client = Client::builder(mock.url())
            .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
            .retry_policy(RetryPolicy::never())
            .request_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Self { mock, client }
    }

    /// A TLS mock with the defaults and a job duration.
    pub(crate) async fn with_jobs(ip: &str, job: Duration) -> Self {
        Self::start(ip, ArrayConfig::default().job_duration(job)).await
    }

    /// The long-form path of `rel` under this storage system.
    pub(crate) fn obj(&self, rel: &str) -> String {
        format!(
            "/ConfigurationManager/v1/objects/storages/{}/{rel}",
            self.mock.storage_device_id()
        )
    }

    /// Sends a request; `token` adds `Authorization: Session`, `body` a JSON body.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        // Tests write the query into the path; the core takes a path as data.
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut request = Request::new(method, path).raw_query(query);
        if let Some(token) = token {
            request = request.header("authorization", format!("Session {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Sends a prepared request.
    pub(crate) async fn send(&self, request: Request) -> Resp {
        let response = self.client.send(request).await.unwrap();
        let text = String::from_utf8_lossy(response.body()).into_owned();
        Resp {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None, &[]).await
    }

    /// A new session as `user1`; (token, sessionId).
    pub(crate) async fn login(&self) -> (String, u64) {
        self.login_as(USER1).await
    }

    pub(crate) async fn login_as(&self, basic: &str) -> (String, u64) {
        let r = self
            .call(
                Method::POST,
                &self.obj("sessions"),
                None,
                None,
                &[("authorization", basic)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        (
            r.body["token"].as_str().unwrap().to_owned(),
            r.body["sessionId"].as_u64().unwrap(),
        )
    }

    /// Sends a change and waits for its job (`Response-Job-Status` plus polling); returns
    /// the completed job.
    pub(crate) async fn job(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let r = self
            .call(
                method,
                path,
                Some(token),
                body,
                &[("response-job-status", "Completed")],
            )
            .await;
        assert_eq!(r.status, 202, "{path}: {}", r.text);
        self.wait(token, &r.body).await
    }

    /// Polls a job until `status == Completed`.
    pub(crate) async fn wait(&self, token: &str, job: &Value) -> Value {
        let id = job["jobId"].as_u64().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut job = job.clone();
        while job["status"] != "Completed" {
            assert!(Instant::now() < deadline, "job {id} never completed: {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
            job = self.get(&self.obj(&format!("jobs/{id}")), token).await.body;
        }
        job
    }

    /// A change that must succeed; its `affectedResources[0]`.
    pub(crate) async fn ok(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> String {
        let job = self.job(method, path, token, body).await;
        assert_eq!(job["state"], "Succeeded", "{path}: {job}");
        job["affectedResources"][0].as_str().unwrap().to_owned()
    }

    /// A change that must fail; its job `error`.
    pub(crate) async fn fails(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let job = self.job(method, path, token, body).await;
        assert_eq!(job["status"], "Completed", "{job}");
        assert_eq!(job["state"], "Failed", "{path}: {job}");
        assert!(job["affectedResources"].as_array().unwrap().is_empty());
        job["error"].clone()
    }

    /// Waits until `check` holds for the pair's statuses (bounded).
    pub(crate) async fn wait_pair(&self, pair: &str, want: (&str, &str)) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = self.mock.pair_status(pair);
            if status
                .as_ref()
                .is_some_and(|(p, s)| p == want.0 && s == want.1)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{pair}: {status:?}, want {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Asserts the §9 error object fields.
pub(crate) fn assert_error_body(body: &Value, message_id: &str) {
    assert_eq!(body["messageId"], message_id, "{body}");
    for key in [
        "errorSource",
        "message",
        "solution",
        "solutionType",
        "detailCode",
    ] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
}
