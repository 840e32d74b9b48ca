//! One attempt: one exchange with one node, bounded by its deadline, and how its
//! failures are sorted into kinds and phases.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

use crate::body::{HttpBody, Progress};
use crate::connector::ConnMeta;
use crate::error::{Error, ErrorKind, Phase};
use crate::pool::Node;
use crate::tls;

/// What one attempt produced.
pub(crate) enum Reply {
    Buffered {
        parts: http::response::Parts,
        body: Bytes,
    },
    Streaming {
        parts: http::response::Parts,
        body: Incoming,
    },
}

impl Reply {
    pub(crate) fn parts(&self) -> &http::response::Parts {
        match self {
            Reply::Buffered { parts, .. } | Reply::Streaming { parts, .. } => parts,
        }
    }
}

/// A completed exchange and its timings.
pub(crate) struct Attempt {
    pub(crate) reply: Reply,
    pub(crate) node: IpAddr,
    pub(crate) started: Instant,
    /// The deadline a streamed response body is read under.
    pub(crate) deadline: Instant,
    pub(crate) connect: Option<Duration>,
    pub(crate) connection: Option<u64>,
    pub(crate) first_byte: Duration,
    pub(crate) total: Duration,
}

/// The time limits of one attempt.
pub(crate) struct Limits {
    /// When the attempt gives up: the attempt timeout, or for a streamed upload with an
    /// idle timeout the first idle period, never past the operation deadline.
    pub(crate) deadline: Instant,
    /// The attempt timeout (head and buffered body).
    pub(crate) attempt_timeout: Duration,
    /// For a streamed upload: the idle timeout and the upload's progress.
    pub(crate) upload_idle: Option<(Duration, Arc<Progress>)>,
    pub(crate) operation_deadline: Option<Instant>,
    pub(crate) max_body: usize,
    /// Hand the body over unread (`send_streaming`).
    pub(crate) streaming: bool,
}

impl Limits {
    fn cap(&self, t: Instant) -> Instant {
        self.operation_deadline.map_or(t, |d| t.min(d))
    }
}

/// Sends `request` to `node` and reads the response head (and the body unless
/// streaming) before the deadline.
///
/// The request is handed to the connection pool before the returned future starts, so
/// that future holds the pool's (boxed) response future, not a second copy of the
/// request.
pub(crate) fn exchange<'a>(
    node: &'a Node,
    request: http::Request<HttpBody>,
    limits: &'a Limits,
    started: Instant,
) -> impl std::future::Future<Output = Result<Attempt, Error>> + 'a {
    let response = node.client.request(request);
    async move {
        // One timer for the whole exchange, head and body: a timer per body frame costs a
        // timer-wheel insert and removal each time.
        let timer = tokio::time::sleep_until(limits.deadline);
        tokio::pin!(timer);
        tokio::pin!(response);
        let response = loop {
            tokio::select! {
                biased;
                r = &mut response => break r.map_err(classify_transport_error)?,
                () = &mut timer => {
                    if let Some((idle, progress)) = &limits.upload_idle {
                        // The upload is bounded by idle periods; once it is complete, the
                        // head must follow within the attempt timeout.
                        let (next, what) = if progress.is_done() {
                            (progress.last() + limits.attempt_timeout, "no response before the deadline")
                        } else {
                            (progress.last() + *idle, "the upload made no progress within idle_timeout")
                        };
                        let next = limits.cap(next);
                        if next > Instant::now() {
                            timer.as_mut().reset(next);
                            continue;
                        }
                        return Err(timeout(what));
                    }
                    return Err(timeout("no response before the deadline"));
                }
            }
        };
        let first_byte = started.elapsed();
        if limits.upload_idle.is_some() {
            // The body that follows gets a full attempt timeout from the head on.
            timer
                .as_mut()
                .reset(limits.cap(Instant::now() + limits.attempt_timeout));
        }
        let deadline = timer.deadline();
        let meta = response.extensions().get::<ConnMeta>();
        let connect = meta.and_then(ConnMeta::claim_connect_time);
        let connection = meta.map(|m| m.id);
        let (parts, body) = response.into_parts();
        let reply = if limits.streaming {
            Reply::Streaming { parts, body }
        } else {
            let body = collect(body, timer.as_mut(), limits.max_body).await?;
            Reply::Buffered { parts, body }
        };
        Ok(Attempt {
            reply,
            node: node.ip,
            started,
            deadline,
            connect,
            connection,
            first_byte,
            total: started.elapsed(),
        })
    }
}

fn timeout(message: &str) -> Error {
    Error::new(ErrorKind::Timeout)
        .with_phase(Phase::MaybeSent)
        .with_message(message)
}

async fn collect(
    mut body: Incoming,
    mut timer: std::pin::Pin<&mut Sleep>,
    limit: usize,
) -> Result<Bytes, Error> {
    // Most management responses arrive in one chunk: keep it without copying.
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut len = 0usize;
    loop {
        let next = tokio::select! {
            biased;
            f = body.frame() => Ok(f),
            () = &mut timer => Err(()),
        };
        let frame = match next {
            Err(()) => return Err(timeout("deadline passed while reading the body")),
            Ok(None) => {
                return Ok(match first {
                    Some(b) if rest.is_empty() => b,
                    _ => rest.freeze(),
                });
            }
            Ok(Some(Err(e))) => {
                return Err(Error::new(ErrorKind::Io)
                    .with_phase(Phase::MaybeSent)
                    .with_message("the response body was cut short")
                    .with_source(e));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            len += data.len();
            if len > limit {
                return Err(Error::decode(format!(
                    "response body larger than {limit} bytes; use send_streaming"
                )));
            }
            match first.take() {
                None if rest.is_empty() => first = Some(data),
                Some(previous) => {
                    rest.extend_from_slice(&previous);
                    rest.extend_from_slice(&data);
                }
                None => rest.extend_from_slice(&data),
            }
        }
    }
}

/// Sorts a hyper-util failure into a kind and phase, keeping the innermost message.
pub(crate) fn classify_transport_error(e: hyper_util::client::legacy::Error) -> Error {
    // A TLS failure while connecting (the handshake) sent nothing; one on an
    // established connection may come after the request was written.
    let tls = tls::find_rustls_error(&e).is_some();
    let (kind, phase) = match (e.is_connect(), tls) {
        (true, true) => (ErrorKind::Tls, Phase::NotSent),
        (true, false) => (ErrorKind::Connect, Phase::NotSent),
        (false, true) => (ErrorKind::Tls, Phase::MaybeSent),
        (false, false) => (ErrorKind::Io, Phase::MaybeSent),
    };
    // A TLS failure gets a plain-words explanation (what failed, which option helps); the
    // rustls wording stays reachable through the source chain.
    let message = tls::explain_handshake_failure(&e).or_else(|| innermost_message(&e));
    let mut err = Error::new(kind).with_phase(phase).with_source(e);
    if let Some(m) = message {
        err = err.with_message(m);
    }
    err
}

fn innermost_message(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut last = None;
    let mut current = e.source();
    while let Some(err) = current {
        last = Some(err.to_string());
        current = err.source();
    }
    last
}
