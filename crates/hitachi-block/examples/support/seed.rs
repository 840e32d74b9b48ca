//! The parts of Hitachi's sample programs that both examples reproduce: the asynchronous
//! request and its printed lines (`invoke_async_command`), the version check, the session
//! discard of the `finally` clause, and what the samples' `except` clauses write.
//!
//! Stdout carries exactly the samples' lines; what the samples write on stderr (an HTTP
//! error's status and body, a job's text, a traceback) has its equivalent on stderr.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::time::Duration;

use storkit_core::http::StatusCode;
use storkit_core::poll::PollPolicy;
use storkit_core::{Error, ErrorKind, Request, Response, RetryPolicy};
use storkit_hitachi_block::error::ApiError;
use storkit_hitachi_block::jobs::Job;
use storkit_hitachi_block::{
    Change, HitachiClient, HitachiClientBuilder, HitachiError, HitachiErrorExt, RetryWaits, Session,
};

/// A step that failed, sorted the way the samples' `except` clauses sort exceptions.
pub(crate) enum Failure {
    /// `requests.ConnectionError`: no answer (refused, reset, TLS failure).
    Connection(Error),
    /// `requests.HTTPError`: the server answered with another status than the step needs.
    Http {
        /// The status.
        status: StatusCode,
        /// The body, as text.
        body: String,
    },
    /// The `Exception("Job Error!", job_result.text)` of a failed job.
    Job {
        /// The error, for the traceback's place.
        error: Error,
        /// The job as the server reported it.
        text: String,
    },
    /// `sys.exit(message)` of the version check: not an `Exception`, so uncaught.
    Exit(String),
    /// Any other `Exception`.
    Other(Box<dyn StdError>),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        if let Some(HitachiError::JobFailed { job, .. }) = error.hitachi() {
            let text = serde_json::to_string(job).unwrap_or_default();
            return Failure::Job { error, text };
        }
        match error.kind() {
            ErrorKind::Connect | ErrorKind::Tls | ErrorKind::Resolve | ErrorKind::Io => {
                Failure::Connection(error)
            }
            _ => match error.status().filter(|s| !s.is_success()) {
                Some(status) => Failure::Http {
                    status,
                    body: error
                        .body()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default(),
                },
                None => Failure::Other(Box::new(error)),
            },
        }
    }
}

impl From<Box<dyn StdError>> for Failure {
    fn from(error: Box<dyn StdError>) -> Self {
        match error.downcast::<Error>() {
            Ok(error) => Failure::from(*error),
            Err(other) => Failure::Other(other),
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Other(message.into())
    }
}

impl Failure {
    /// An answer with a status the step does not accept.
    pub(crate) fn http(response: &Response) -> Self {
        Failure::Http {
            status: response.status(),
            body: String::from_utf8_lossy(response.body()).into_owned(),
        }
    }

    /// What the samples' `except` clauses write on stderr.
    pub(crate) fn report_caught(&self) {
        match self {
            Failure::Connection(error) => eprint!("Connection Error!\n{}", chain(error)),
            Failure::Http { status, body } => {
                eprintln!("HTTP Error! status code : {}\n{body}", status.as_u16());
            }
            Failure::Job { error, text } => eprintln!("{}Job Error!\n{text}", chain(error)),
            // Python writes the message of an uncaught `sys.exit`, if nothing in `finally`
            // replaces it.
            Failure::Exit(message) => eprintln!("{message}"),
            Failure::Other(error) => eprint!("{}", chain(error.as_ref())),
        }
    }

    /// What Python writes for an exception nobody catches (one raised in `finally`): the
    /// traceback's place, then the exception's last line.
    pub(crate) fn report_uncaught(&self) {
        match self {
            Failure::Connection(error) => eprintln!("{}ConnectionError", chain(error)),
            Failure::Http { status, body } => {
                eprintln!("HTTPError: <Response [{}]>\n{body}", status.as_u16());
            }
            other => other.report_caught(),
        }
    }
}

/// An error and its causes, one a line (where a traceback would be).
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = format!("Error! {error}\n");
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = writeln!(text, "  caused by: {cause}");
        source = cause.source();
    }
    text
}

/// The client settings of the samples: each request sent once (no retries, no re-login, no
/// resend of a failed job), jobs polled as `invoke_async_command` polls them (1 s,
/// doubling, 120 s cap, 10 polls).
pub(crate) fn as_the_sample(builder: HitachiClientBuilder) -> HitachiClientBuilder {
    builder
        .retry_policy(RetryPolicy::never())
        .retry_waits(RetryWaits::all(Duration::ZERO))
        .relogin(false)
        .job_polling(PollPolicy::seeds())
}

/// `check_api_version`: `sys.exit` unless the REST API is `major.minor` or newer.
pub(crate) async fn check_api_version(
    client: &HitachiClient,
    major: u32,
    minor: u32,
) -> Result<(), Failure> {
    match client.require_api_version(major, minor).await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.hitachi(), Some(HitachiError::VersionTooOld { .. })) => {
            Err(Failure::Exit(format!(
                "This program requires API Version {major}.{minor}.x or newer.\n"
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// `invoke_async_command`: submits a change, prints its job's URL once the server
/// accepted it, waits for the job, and prints how it ended. Returns the job's first
/// affected resource.
pub(crate) async fn invoke(change: Change<Job>) -> Result<String, Failure> {
    let submitted = change.submit().await?;
    let url = submitted
        .job()
        .self_path
        .clone()
        .ok_or("the job has no self")?;
    println!("Request was accepted. JOB URL : {url}");
    let job = match submitted.wait().await {
        Ok(job) => job,
        Err(e) if e.kind() == ErrorKind::Poll => {
            return Err(Failure::Other(
                "Timeout Error! Operation was not completed.".into(),
            ));
        }
        Err(e) => {
            if let Some(HitachiError::JobFailed { error, .. }) = e.hitachi() {
                print_error_code(error);
            }
            return Err(Failure::from(e));
        }
    };
    let affected = job
        .affected_resources
        .first()
        .cloned()
        .ok_or("the job names no affected resource")?;
    println!("Async job was succeeded. affected resource : {affected}");
    Ok(affected)
}

/// The line a failed job prints before its "Job Error!": the SSB pair, or the RAID
/// Manager return code. (Python's `print(a, b, c, d)` puts a space between arguments.)
fn print_error_code(error: &ApiError) {
    let Some(code) = &error.error_code else {
        return;
    };
    if let Some(ssb1) = &code.ssb1 {
        let ssb2 = code.ssb2.as_deref().unwrap_or("None");
        println!("Error! SSB code :  {ssb1} ,  {ssb2}");
    } else if let Some(rc) = &code.return_code {
        println!("Error! error code :  {rc}");
    }
}

/// The session discard of the samples' `finally`: `DELETE sessions/{id}` with the headers
/// the sample has at that point. With `token_sent` (the sample's headers carry the
/// session's token), that is [`Session::close`]. Otherwise the sample sends the DELETE
/// without a token, for the session it opened or for session 0 when it opened none, and
/// the server refuses it: so does this function, then discards the session it opened
/// without a word, where the sample leaves it behind.
pub(crate) async fn discard(
    client: &HitachiClient,
    session: Option<&Session>,
    token_sent: bool,
) -> Result<(), Failure> {
    if let (Some(session), true) = (session, token_sent) {
        return session.close().await.map_err(Failure::from);
    }
    let id = session.map_or(0, Session::id);
    let request = Request::delete(client.object_path(&format!("/sessions/{id}"))).without_auth();
    let result = match client.core().send(request).await {
        Ok(response) if response.status() == StatusCode::OK => Ok(()),
        Ok(response) => Err(Failure::http(&response)),
        Err(e) => Err(Failure::from(e)),
    };
    if let Some(session) = session {
        let _ = session.close().await;
    }
    result
}
