//! The Deploy client: target, Basic auth, answers, and the raw-request escape hatch.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use storkit_core::encode::encode_path_segment;
use storkit_core::http::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use storkit_core::http::{HeaderName, HeaderValue, Method, StatusCode};
use storkit_core::retry::retry_after;
use storkit_core::{
    BasicAuth, Body, Classifier, Client, Error, Outcome, QueryStyle, Request, RequestPath,
    RequestView, Response, RetryPolicy, TlsPolicy, Verdict,
};

use crate::error::OntapError;
use crate::jobs::{JobHandle, JobPolicy};
use crate::model::{Job, decode_error, decode_job, id_from_location};
use crate::query::Query;

/// The base path of API v3.
pub const DEFAULT_BASE_PATH: &str = "/api/v3";
/// The `request-id` header every successful answer carries.
pub const REQUEST_ID: &str = "request-id";

/// Configures a [`DeployClient`].
pub struct DeployClientBuilder {
    url: String,
    base_path: String,
    user: Option<String>,
    password: Option<String>,
    tls: Option<TlsPolicy>,
    retry: RetryPolicy,
    jobs: JobPolicy,
    connect_timeout: Option<Duration>,
    request_timeout: Duration,
}

impl fmt::Debug for DeployClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeployClientBuilder")
            .field("url", &self.url)
            .field("base_path", &self.base_path)
            .field("user", &self.user)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

/// `deploy.example` is `https://deploy.example`: Deploy speaks HTTPS only.
fn normalise_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    }
}

impl DeployClientBuilder {
    /// The Deploy administrator (normally `admin`) and password, sent as Basic auth on
    /// every call (Deploy has no sessions). The password is never printed.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self
    }

    /// The TLS policy (default: webpki roots). Deploy's certificate is usually
    /// self-signed: pass it as the CA ([`TlsPolicy::custom_ca_pem`]) or pin it.
    pub fn tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = Some(policy);
        self
    }

    /// The retry policy: GETs are resent after transport failures and 500, 502, 503 and
    /// 504 answers; POSTs, PATCHes and DELETEs that may have landed are never resent.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How jobs are waited for (long-poll hold, deadline).
    pub fn job_policy(mut self, policy: JobPolicy) -> Self {
        self.jobs = policy;
        self
    }

    /// The base path (default `/api/v3`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// The TCP connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time one ordinary call may take (default 60 s). A job's long poll gets its
    /// hold time plus 30 s whatever this says.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Builds the client. Nothing is sent.
    pub fn build(self) -> Result<DeployClient, Error> {
        let user = self.user.ok_or_else(|| {
            Error::config("no credentials: call DeployClientBuilder::credentials")
        })?;
        let password = self.password.unwrap_or_default();
        let mut builder = Client::builder(self.url.as_str())
            .auth(BasicAuth::new(user, password))
            .query_style(QueryStyle::Rfc3986)
            .default_header(ACCEPT, HeaderValue::from_static("application/json"))
            .request_id_headers([HeaderName::from_static(REQUEST_ID)])
            .retry_policy(self.retry)
            .classifier(DeployClassifier)
            .request_timeout(self.request_timeout);
        if let Some(tls) = self.tls {
            builder = builder.tls(tls);
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        let base = storkit_core::encode::encode_path_text(self.base_path.trim_end_matches('/'));
        Ok(DeployClient {
            inner: Arc::new(Inner {
                core: builder.build()?,
                base,
                url: self.url,
                jobs: self.jobs,
            }),
        })
    }
}

struct Inner {
    core: Client,
    base: String,
    url: String,
    jobs: JobPolicy,
}

/// A client of one ONTAP Select Deploy server.
///
/// Cheap to clone. Every call carries Basic auth; failures are
/// [`storkit_core::Error`]s whose [`OntapError`] detail has Deploy's error code, message
/// and `request-id`. Calls that start a background job return a [`JobHandle`] to wait on.
#[derive(Clone)]
pub struct DeployClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for DeployClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeployClient")
            .field("url", &self.inner.url)
            .field("base", &self.inner.base)
            .field("jobs", &self.inner.jobs)
            .finish_non_exhaustive()
    }
}

/// A successful answer: status, `request-id`, the id of a created object (from
/// `location`), the job of a 202, and the body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Answer {
    /// The status (any 2xx).
    pub status: StatusCode,
    /// The `request-id` header.
    pub request_id: Option<String>,
    /// The last path segment of `location`, when the answer has one.
    pub location_id: Option<String>,
    /// The job, when the answer carries `{"job":{…}}`.
    pub job: Option<Job>,
    /// The body as sent.
    pub body: Bytes,
}

impl DeployClient {
    /// A builder for the Deploy server at `url` (`https://<deploy>`; a bare host gets
    /// `https://`).
    pub fn builder(url: &str) -> DeployClientBuilder {
        DeployClientBuilder {
            url: normalise_url(url),
            base_path: DEFAULT_BASE_PATH.to_owned(),
            user: None,
            password: None,
            tls: None,
            retry: RetryPolicy::default(),
            jobs: JobPolicy::default(),
            connect_timeout: None,
            request_timeout: Duration::from_secs(60),
        }
    }

    /// The core client (for requests this crate lacks; prefer [`DeployClient::raw`]).
    pub fn core(&self) -> &Client {
        &self.inner.core
    }

    /// The job policy of this client.
    pub fn job_policy(&self) -> &JobPolicy {
        &self.inner.jobs
    }

    /// The request path of `segments` under the base path, each segment encoded as data
    /// (an id can never change which resource is addressed).
    pub(crate) fn path(&self, segments: &[&str]) -> RequestPath {
        let mut path = self.inner.base.clone();
        for s in segments {
            path.push('/');
            path.push_str(&encode_path_segment(s));
        }
        RequestPath::encoded(path)
    }

    /// A request on `segments` with `query` encoded as the Deploy grammar says.
    pub(crate) fn request(
        &self,
        method: Method,
        segments: &[&str],
        query: &Query,
    ) -> Result<Request, Error> {
        let mut request = Request::new(method, self.path(segments));
        let encoded = query.encode()?;
        if !encoded.is_empty() {
            request = request.raw_query(&encoded);
        }
        Ok(request)
    }

    /// `request` with a JSON body.
    pub(crate) fn with_json(request: Request, body: &serde_json::Value) -> Result<Request, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::config("cannot encode the JSON body").with_source(e))?;
        Ok(request
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(bytes))
    }

    /// Sends a request; any 2xx is an [`Answer`], anything else an error carrying
    /// Deploy's error object.
    pub(crate) async fn send(&self, request: Request) -> Result<Answer, Error> {
        let response = self.inner.core.send(request).await?;
        check(&response)?;
        answer(response)
    }

    /// The job of an answer that must have started one, as a handle to wait on.
    pub(crate) fn job_of(&self, answer: &Answer, what: &str) -> Result<JobHandle, Error> {
        let job = answer.job.clone().ok_or_else(|| {
            Error::from(OntapError::Unexpected {
                status: answer.status.as_u16(),
                detail: format!("{what}: the answer carries no job"),
            })
        })?;
        JobHandle::new(self.clone(), job, answer)
    }

    /// Waits for the answer's job, if it started one (calls that are synchronous on some
    /// releases and asynchronous on others).
    pub(crate) async fn settle(&self, answer: &Answer) -> Result<(), Error> {
        if let Some(job) = self.maybe_job(answer)? {
            job.wait().await?;
        }
        Ok(())
    }

    /// The handle of an answer's job, if it has one (calls that are synchronous on some
    /// releases and asynchronous on others).
    pub(crate) fn maybe_job(&self, answer: &Answer) -> Result<Option<JobHandle>, Error> {
        match &answer.job {
            Some(job) => JobHandle::new(self.clone(), job.clone(), answer).map(Some),
            None => Ok(None),
        }
    }

    /// A request for an endpoint this crate does not type (reference §6 lists many whose
    /// paths are not public): `path` is relative to the base path and sent as text.
    pub fn raw(&self, method: Method, path: &str) -> RawRequest {
        let path = format!("{}/{}", self.inner.base, path.trim_start_matches('/'));
        RawRequest {
            client: self.clone(),
            request: Request::new(method, path),
            query: Query::new(),
        }
    }
}

/// Resends a GET that met a 500, 502 or 504 (the core already resends 429 and 503 for
/// any method): reading twice is harmless, and Deploy's 500 is "an internal error"
/// (netapp-ontap retries these for reads too, reference §11). Other methods are never
/// resent on an answer: a second POST could create twice or start a second job.
#[derive(Debug, Clone, Copy)]
struct DeployClassifier;

impl Classifier for DeployClassifier {
    fn classify(&self, request: &RequestView<'_>, outcome: &Outcome<'_>) -> Option<Verdict> {
        let Outcome::Response {
            status, headers, ..
        } = outcome
        else {
            return None;
        };
        let transient = matches!(status.as_u16(), 500 | 502 | 504);
        (transient && request.idempotent && *request.method == Method::GET).then(|| {
            Verdict::Retry {
                after: retry_after(headers),
            }
        })
    }
}

/// Turns a non-2xx answer into an error with Deploy's code, message and request id.
pub(crate) fn check(response: &Response) -> Result<(), Error> {
    if response.is_success() {
        return Ok(());
    }
    let error = response.to_error();
    let body = decode_error(response.body());
    let detail = OntapError::Http {
        status: response.status().as_u16(),
        code: body.as_ref().and_then(|b| b.code.clone()),
        message: body.as_ref().and_then(|b| b.message.clone()),
        request_id: response.request_id().map(str::to_owned),
    };
    // The core's Display adds the status and the request id itself.
    let message = match &detail {
        OntapError::Http { code, message, .. } => {
            crate::error::describe_api(code.as_deref(), message.as_deref())
                .strip_prefix(": ")
                .unwrap_or("no error body")
                .to_owned()
        }
        other => other.to_string(),
    };
    Err(error
        .with_kind(detail.kind())
        .with_message(message)
        .with_source(detail))
}

fn answer(response: Response) -> Result<Answer, Error> {
    let location_id = response
        .header_str(LOCATION.as_str())
        .and_then(id_from_location);
    let request_id = response.request_id().map(str::to_owned);
    let status = response.status();
    let body = response.into_body();
    let job = if status == StatusCode::ACCEPTED || looks_like_job(&body) {
        Some(decode_job(&body)?)
    } else {
        None
    };
    Ok(Answer {
        status,
        request_id,
        location_id,
        job,
        body,
    })
}

/// `{"job": …}` at the top of a body (some calls answer 200 with a job).
fn looks_like_job(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii_start();
    trimmed.starts_with(b"{")
        && serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(trimmed)
            .is_ok_and(|m| m.get("job").is_some_and(serde_json::Value::is_object))
}

/// A request built by [`DeployClient::raw`].
#[derive(Debug)]
pub struct RawRequest {
    client: DeployClient,
    request: Request,
    query: Query,
}

impl RawRequest {
    /// The query (filters, fields, order, max records, parameters).
    pub fn query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    /// A JSON body.
    pub fn json(mut self, body: &serde_json::Value) -> Result<Self, Error> {
        self.request = DeployClient::with_json(self.request, body)?;
        Ok(self)
    }

    /// Any body with its content type (a licence file as multipart, say).
    pub fn body(mut self, content_type: &str, body: impl Into<Body>) -> Result<Self, Error> {
        let value = HeaderValue::try_from(content_type)
            .map_err(|e| Error::config("bad content type").with_source(e))?;
        self.request = self.request.header(CONTENT_TYPE, value).body(body);
        Ok(self)
    }

    /// Declares whether sending it twice is harmless (default: by method).
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.request = self.request.idempotent(yes);
        self
    }

    /// Sends it: any 2xx is an [`Answer`] (with the job of a 202), anything else an
    /// error with Deploy's error object.
    pub async fn send(self) -> Result<Answer, Error> {
        let encoded = self.query.encode()?;
        let request = if encoded.is_empty() {
            self.request
        } else {
            self.request.raw_query(&encoded)
        };
        self.client.send(request).await
    }

    /// Sends it and waits for the job it starts.
    pub async fn send_and_wait(self) -> Result<Job, Error> {
        let client = self.client.clone();
        let answer = self.send().await?;
        client.job_of(&answer, "raw request")?.wait().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_default_to_https() {
        assert_eq!(normalise_url("deploy.example"), "https://deploy.example");
        assert_eq!(normalise_url("https://10.0.0.5/"), "https://10.0.0.5");
        assert_eq!(
            normalise_url("http://10.0.0.5:8080"),
            "http://10.0.0.5:8080"
        );
    }

    #[test]
    fn jobs_are_recognised_in_any_2xx() {
        assert!(looks_like_job(br#"{"job":{"id":"1"}}"#));
        assert!(!looks_like_job(br#"{"record":{"id":"1"}}"#));
        assert!(!looks_like_job(b""));
        assert!(!looks_like_job(br#"{"job":"x"}"#));
    }
}
