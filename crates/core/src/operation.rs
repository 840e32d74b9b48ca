//! One operation: the attempts of one request, and the decision after each.
//!
//! Read [`Operation::run`] first: it chooses a node, produces the body, stamps the
//! credentials, makes one [exchange](crate::attempt::exchange), and asks
//! [`Operation::decide`] what next. The rules of `decide`, in order:
//!
//! 1. **Failover.** A connect failure sent nothing: the node is set aside, the pool
//!    re-resolves in the background, and the request goes to a node not yet tried, at
//!    once and whatever its method, if its body can be produced again.
//! 2. **Classification.** The vendor [`Classifier`](crate::Classifier) sees the outcome
//!    first; the core's default verdict applies when it has none.
//! 3. **Safety.** A request that is not idempotent is never resent once it may have
//!    reached the server ([`Phase::MaybeSent`]), whatever the verdict; a body that cannot
//!    be produced again is never resent.
//! 4. **Budget.** A retry needs an attempt left, time left under the retry policy's
//!    `max_elapsed`, and the wait must end before the operation deadline.
//! 5. **Credentials.** `Reauthenticate` refreshes the credentials once per operation
//!    (one refresh in flight for all requests: [`RefreshGate`](crate::auth::RefreshGate))
//!    and resends.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::Uri;
use tokio::time::Instant;
use tracing::Instrument;

pub(crate) use crate::attempt::Reply;
use crate::attempt::{Attempt, Limits, exchange};
use crate::auth::Authenticator;
use crate::body::{BodySource, HttpBody, Progress};
use crate::client::{Client, Shared};
use crate::error::{Error, ErrorKind, Phase};
use crate::pool::Node;
use crate::request::{AuthChoice, Request};
use crate::retry::{
    Outcome, RequestView, RetryBudget, RetryPolicy, Verdict, default_verdict, fits,
};

/// A finished operation: the last attempt, how many were sent, and the request line.
pub(crate) struct Done {
    pub(crate) attempt: Attempt,
    pub(crate) sends: u32,
    /// An earlier attempt may have reached the server without an answer.
    pub(crate) resent_after_unknown: bool,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) method: http::Method,
    pub(crate) path: String,
    pub(crate) request_id: Option<String>,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Hand the outcome to the caller.
    Return,
    /// Send to another node now.
    Failover,
    /// Refresh the credentials and resend.
    Reauthenticate,
    /// Wait, then resend; `refresh` waits for the re-resolution too (every node failed).
    Retry { wait: Duration, refresh: bool },
}

pub(crate) struct Operation<'c> {
    client: &'c Client,
    request: Request,
    body: BodySource,
    auth: Option<Arc<dyn Authenticator>>,
    idempotent: bool,
    /// The request's URI (with the host name; the connector dials the chosen node).
    uri: Uri,
    idle_timeout: Option<Duration>,
    /// The time limits of the current attempt; also holds the operation deadline, the
    /// attempt timeout and whether the reply is streamed.
    limits: Limits,
    started: Instant,
    sends: u32,
    retries: u32,
    /// A budget shared with other requests: retry limits count from its start.
    budget: Option<RetryBudget>,
    reauthenticated: bool,
    /// Nodes that failed to connect since the last full round.
    tried: Vec<IpAddr>,
    /// An earlier attempt may have reached the server without an answer.
    unknown_outcome: bool,
}

impl<'c> Operation<'c> {
    pub(crate) fn new(client: &'c Client, mut request: Request, streaming: bool) -> Self {
        let shared = &client.inner.shared;
        let started = Instant::now();
        let auth = match &request.auth {
            AuthChoice::Client => shared.auth.clone(),
            AuthChoice::Custom(a) => Some(Arc::clone(a)),
            AuthChoice::None => None,
        };
        let idempotent = request
            .idempotent
            .unwrap_or_else(|| shared.idempotent_methods.contains(&request.method));
        let body = BodySource::new(std::mem::take(&mut request.body));
        Operation {
            client,
            auth,
            idempotent,
            uri: Uri::default(),
            idle_timeout: request.idle_timeout.or(shared.idle_timeout),
            limits: Limits {
                deadline: started,
                attempt_timeout: request.timeout.unwrap_or(shared.request_timeout),
                upload_idle: None,
                operation_deadline: request
                    .operation_timeout
                    .or(shared.operation_timeout)
                    .map(|d| started + d),
                max_body: shared.max_response_body,
                streaming,
            },
            started,
            budget: request.budget.take(),
            body,
            request,
            sends: 0,
            retries: 0,
            reauthenticated: false,
            tried: Vec::new(),
            unknown_outcome: false,
        }
    }

    fn shared(&self) -> &'c Shared {
        &self.client.inner.shared
    }

    fn policy(&self) -> &RetryPolicy {
        self.request.retry.as_ref().unwrap_or(&self.shared().retry)
    }

    /// Adds the request line and attempt count to an error. When an earlier attempt may
    /// have reached the server, an error that sent nothing itself still says "maybe sent":
    /// the caller must not take the operation for one that never happened.
    fn context(&self, e: Error) -> Error {
        let e = if self.unknown_outcome && e.phase() == Phase::NotSent {
            e.with_phase(Phase::MaybeSent)
        } else {
            e
        };
        e.with_request(&self.request.method, &self.request.path)
            .with_attempts(self.sends)
    }

    /// Runs the operation inside its tracing span.
    ///
    /// The attempt loop is a large state machine (the request, the exchange, the timer).
    /// It goes on the heap straight away, so it is written once there instead of being
    /// copied into every future that holds it up to the caller's task; the rare, large
    /// steps inside it (a DNS lookup, a login, a backoff) are boxed where they happen.
    pub(crate) fn run(self) -> impl std::future::Future<Output = Result<Done, Error>> + 'c {
        let span = tracing::info_span!(
            "storkit.request",
            method = %self.request.method,
            path = %self.request.path,
            node = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let client = self.client;
        let attempts = Box::pin(Box::new(self).attempts());
        async move {
            let mut result = attempts.instrument(span.clone()).await;
            match &mut result {
                Ok(done) => {
                    let parts = done.attempt.reply.parts();
                    done.request_id = client.request_id(&parts.headers);
                    span.record("node", tracing::field::display(done.attempt.node));
                    span.record("status", parts.status.as_u16());
                    span.record("attempts", done.sends);
                    if let Some(id) = &done.request_id {
                        span.record("request_id", id.as_str());
                    }
                }
                Err(e) => {
                    if let Some(node) = e.node() {
                        span.record("node", tracing::field::display(node));
                    }
                    span.record("attempts", e.attempts());
                    span.in_scope(|| tracing::debug!(error = %e, "request failed"));
                }
            }
            result
        }
    }

    /// The loop: one attempt, then the decision about it.
    async fn attempts(mut self: Box<Self>) -> Result<Done, Error> {
        if let Some(e) = self.request.error.take() {
            return Err(self.context(e));
        }
        self.uri = self
            .client
            .uri_for(&self.request)
            .map_err(|e| self.context(e))?;
        loop {
            let node = self.choose_node().await.map_err(|e| self.context(e))?;
            let upload_idle = match (self.idle_timeout, self.body.is_streaming()) {
                (Some(idle), true) => Some((idle, Progress::new())),
                _ => None,
            };
            let body = self
                .body
                .next(upload_idle.as_ref().map(|(_, p)| Arc::clone(p)))
                .await
                .map_err(|e| {
                    self.context(
                        Error::new(ErrorKind::Io)
                            .with_message("cannot produce the request body")
                            .with_source(e),
                    )
                })?;
            let (http_request, stamped) = self.build(body).await.map_err(|e| self.context(e))?;
            self.sends += 1;
            let started = self.arm(upload_idle);
            let outcome = exchange(&node, http_request, &self.limits, started)
                .await
                .map_err(|e| self.context(e).with_node(node.ip));
            if let (Ok(a), Some(auth)) = (&outcome, &self.auth) {
                auth.observe(stamped, &a.reply.parts().headers);
            }
            match self.decide(&node, &outcome) {
                Next::Return => return outcome.map(|attempt| self.done(attempt)),
                Next::Failover => {
                    tracing::info!(node = %node.ip, "connect failed; trying the next node");
                }
                Next::Reauthenticate => {
                    let renewed = match &self.auth {
                        Some(auth) => Box::pin(
                            self.within_deadline(auth.refresh(stamped), "credentials not renewed"),
                        )
                        .await
                        .map_err(|e| self.context(e))?,
                        None => false,
                    };
                    if !renewed {
                        return outcome.map(|attempt| self.done(attempt));
                    }
                    tracing::info!("credentials refreshed; sending again");
                }
                Next::Retry { wait, refresh } => {
                    tracing::info!(
                        node = %node.ip,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        outcome = %describe(&outcome),
                        "retrying"
                    );
                    drop(outcome);
                    Box::pin(self.wait(wait, refresh)).await;
                }
            }
        }
    }

    fn done(&mut self, attempt: Attempt) -> Done {
        Done {
            attempt,
            sends: self.sends,
            resent_after_unknown: self.unknown_outcome,
            idle_timeout: self.idle_timeout,
            method: self.request.method.clone(),
            path: std::mem::take(&mut self.request.path),
            request_id: None,
        }
    }

    /// The node of the next attempt: the bound node, or the next in round robin that this
    /// operation has not seen fail. The first use of the pool waits for its lookup, within
    /// the operation deadline.
    async fn choose_node(&self) -> Result<Node, Error> {
        let pool = &self.shared().pool;
        if !pool.ready_now() {
            // Rare (the first request, or every node gone): boxed, so the lookup's large
            // state is not part of every request's future.
            Box::pin(self.within_deadline(pool.ensure_ready(), "no node address")).await?;
        }
        match self.request.node {
            Some(ip) => Ok(pool.node_for(ip)),
            None => pool.pick(&self.tried).ok_or_else(|| {
                Error::new(ErrorKind::Resolve).with_message("no node address available")
            }),
        }
    }

    /// The HTTP request of one attempt, with fresh credentials; also returns the
    /// credentials' generation.
    async fn build(&self, body: HttpBody) -> Result<(http::Request<HttpBody>, u64), Error> {
        let mut headers: HeaderMap = self.shared().default_headers.clone();
        for (name, value) in &self.request.headers {
            headers.insert(name.clone(), value.clone());
        }
        let mut generation = 0;
        if let Some(auth) = &self.auth {
            Box::pin(self.within_deadline(auth.prepare(), "credentials not ready")).await?;
            generation = auth.generation();
            auth.stamp(&mut headers)?;
        }
        let mut builder = http::Request::builder()
            .method(self.request.method.clone())
            .uri(self.uri.clone());
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        let request = builder
            .body(body)
            .map_err(|e| Error::config("cannot build the request").with_source(e))?;
        Ok((request, generation))
    }

    /// Awaits `step` (a lookup, a login) up to the operation deadline; past it, a
    /// [`ErrorKind::Timeout`] saying `what` did not happen in time.
    async fn within_deadline<T>(
        &self,
        step: impl std::future::Future<Output = Result<T, Error>>,
        what: &str,
    ) -> Result<T, Error> {
        match self.limits.operation_deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, step).await.map_err(|_| {
                Error::new(ErrorKind::Timeout)
                    .with_message(format!("{what} before the operation deadline"))
            })?,
            None => step.await,
        }
    }

    /// Sets the limits of the next attempt: its deadline starts now, which it returns (the
    /// attempt's start: one clock read for both).
    fn arm(&mut self, upload_idle: Option<(Duration, Arc<Progress>)>) -> Instant {
        let now = Instant::now();
        let limits = &mut self.limits;
        let first = match &upload_idle {
            Some((idle, _)) => now + *idle,
            None => now + limits.attempt_timeout,
        };
        limits.deadline = limits.operation_deadline.map_or(first, |d| first.min(d));
        limits.upload_idle = upload_idle;
        now
    }

    /// What to do after an attempt; see the module docs for the rules.
    fn decide(&mut self, node: &Node, outcome: &Result<Attempt, Error>) -> Next {
        let shared = self.shared();
        let mut every_node_failed = false;

        // 1. Failover: nothing was sent, another node can take the request.
        if let Err(e) = outcome
            && e.kind() == ErrorKind::Connect
            && self.request.node.is_none()
        {
            shared.pool.set_aside(node.ip);
            shared.pool.refresh_after_failure();
            self.tried.push(node.ip);
            if shared.pool.has_untried(&self.tried)
                && self.body.can_resend()
                && !self.past_deadline(Duration::ZERO)
            {
                return Next::Failover;
            }
            // Every node failed: wait and go round again if the budget allows.
            self.tried.clear();
            every_node_failed = true;
        }

        // 2. Classification.
        let verdict = {
            let view = match outcome {
                Ok(a) => {
                    let parts = a.reply.parts();
                    Outcome::Response {
                        status: parts.status,
                        headers: &parts.headers,
                        body: match &a.reply {
                            Reply::Buffered { body, .. } => Some(body.as_ref()),
                            Reply::Streaming { .. } => None,
                        },
                    }
                }
                Err(e) => Outcome::Error(e),
            };
            let request = RequestView::new(
                &self.request.method,
                &self.request.path,
                self.idempotent,
                &self.request.headers,
            )
            .with_attempt(self.sends, self.unknown_outcome);
            shared
                .classifier
                .as_ref()
                .and_then(|c| c.classify(&request, &view))
                .unwrap_or_else(|| default_verdict(&view, self.idempotent))
        };
        let maybe_sent = matches!(outcome, Err(e) if e.phase() == Phase::MaybeSent);
        if maybe_sent {
            self.unknown_outcome = true;
        }

        match verdict {
            Verdict::Done => Next::Return,
            Verdict::Reauthenticate => {
                let safe = self.idempotent || !maybe_sent;
                let can = safe
                    && !self.reauthenticated
                    && self.auth.is_some()
                    && self.body.can_resend()
                    && !self.past_deadline(Duration::ZERO);
                if can {
                    self.reauthenticated = true;
                    Next::Reauthenticate
                } else {
                    Next::Return
                }
            }
            Verdict::Retry { after } => self.retry(after, None, maybe_sent, every_node_failed),
            Verdict::RetryWithin { after, within } => {
                self.retry(after, Some(within), maybe_sent, every_node_failed)
            }
        }
    }

    /// Rules 3 and 4 for a retry verdict: safety, then the budget.
    fn retry(
        &mut self,
        after: Option<Duration>,
        within: Option<Duration>,
        maybe_sent: bool,
        every_node_failed: bool,
    ) -> Next {
        // 3. Safety, whatever the classifier said.
        let safe = self.idempotent || !maybe_sent;
        if !safe || !self.body.can_resend() {
            return Next::Return;
        }
        // 4. Budget.
        let policy = self.policy();
        let (retries, elapsed) = match &self.budget {
            Some(b) => (b.retries(), b.elapsed()),
            None => (self.retries, self.started.elapsed()),
        };
        let wait = match after {
            Some(a) => a.min(policy.max_retry_after),
            None => self.shared().backoff(policy, retries),
        };
        if !fits(policy, within, retries, elapsed, wait) || self.past_deadline(wait) {
            return Next::Return;
        }
        match &self.budget {
            Some(b) => {
                if !b.take(policy, within, wait) {
                    return Next::Return;
                }
            }
            None => self.retries += 1,
        }
        Next::Retry {
            wait,
            refresh: every_node_failed,
        }
    }

    /// True when `wait` from now ends at or past the operation deadline.
    fn past_deadline(&self, wait: Duration) -> bool {
        self.limits
            .operation_deadline
            .is_some_and(|deadline| Instant::now() + wait >= deadline)
    }

    /// The wait before a retry. After every node failed to connect it also waits for the
    /// re-resolution those failures started: a backoff is far shorter than a DNS lookup,
    /// and retrying without it would go round the same dead nodes again.
    async fn wait(&self, wait: Duration, refresh: bool) {
        if !refresh {
            tokio::time::sleep(wait).await;
            return;
        }
        let elapsed = match &self.budget {
            Some(b) => b.elapsed(),
            None => self.started.elapsed(),
        };
        let mut budget = self.policy().max_elapsed.saturating_sub(elapsed);
        if let Some(deadline) = self.limits.operation_deadline {
            budget = budget.min(deadline.saturating_duration_since(Instant::now()));
        }
        let pool = &self.shared().pool;
        let refresh = tokio::time::timeout(budget, pool.refresh_after_failure_and_wait());
        let _ = tokio::join!(tokio::time::sleep(wait), refresh);
    }
}

fn describe(outcome: &Result<Attempt, Error>) -> String {
    match outcome {
        Ok(a) => format!("HTTP {}", a.reply.parts().status.as_u16()),
        Err(e) => e.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// What `Client::send` adds to its caller's future is small: the attempt loop lives
    /// on the heap, written there once.
    #[test]
    fn the_operation_future_the_caller_holds_is_small() {
        let client = crate::Client::builder("http://size.example.test:1")
            .nodes(vec![std::net::IpAddr::from([127, 0, 0, 1])])
            .build()
            .unwrap();
        let op = super::Operation::new(&client, crate::Request::get("/a"), false);
        let run = op.run();
        assert!(
            std::mem::size_of_val(&run) <= 256,
            "the operation future is {} bytes",
            std::mem::size_of_val(&run)
        );
    }
}
