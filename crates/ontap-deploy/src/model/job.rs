//! Jobs, the anchor of every asynchronous call (reference §5).

use std::fmt;

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;

/// A job's state. Matched case-insensitively (S2 capitalises, the API and every client
/// use lowercase); a state not listed is kept in [`Unknown`](JobState::Unknown) and
/// counts as not terminal, so a wait runs on to its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobState {
    /// `queued`.
    Queued,
    /// `running`.
    Running,
    /// `success`: terminal.
    Success,
    /// `failure`: terminal, the reason is in the job's `message`.
    Failure,
    /// `cancelled`: terminal (ONTAP's list; UNVERIFIED for Deploy).
    Cancelled,
    /// `expired`: terminal (ONTAP's list; UNVERIFIED for Deploy).
    Expired,
    /// `paused`: not terminal (ONTAP's list; UNVERIFIED for Deploy).
    Paused,
    /// Any other state, as sent (trimmed); the empty string when the job had none.
    Unknown(String),
}

impl JobState {
    /// Reads a state, case-insensitively, surrounding white space ignored.
    pub fn parse(s: &str) -> JobState {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "success" => JobState::Success,
            "failure" => JobState::Failure,
            "cancelled" => JobState::Cancelled,
            "expired" => JobState::Expired,
            "paused" => JobState::Paused,
            _ => JobState::Unknown(t.to_owned()),
        }
    }

    /// The lowercase wire name (an unknown state as it came).
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Success => "success",
            JobState::Failure => "failure",
            JobState::Cancelled => "cancelled",
            JobState::Expired => "expired",
            JobState::Paused => "paused",
            JobState::Unknown(s) => s,
        }
    }

    /// True for `success`, `failure`, `cancelled` and `expired`: the job will not change
    /// any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Success | JobState::Failure | JobState::Cancelled | JobState::Expired
        )
    }

    /// True for a terminal state other than `success` (`failure`, `cancelled`,
    /// `expired`): the job's work did not happen.
    pub fn is_failure(&self) -> bool {
        self.is_terminal() && *self != JobState::Success
    }
}

impl Default for JobState {
    fn default() -> Self {
        JobState::Unknown(String::new())
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JobState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobState {
    /// Any value: a string is parsed, a number or boolean is kept as an unknown state,
    /// anything else is the unknown empty state.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(lenient::text_of(&value)
            .map(|s| JobState::parse(&s))
            .unwrap_or_default())
    }
}

/// A job: the `job` of a `202` answer, or the record of `GET /jobs/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Job {
    /// `id` (a number is read as its text).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `state`; the unknown empty state when absent (a `202` body may carry none).
    #[serde(default)]
    pub state: JobState,
    /// `message`: progress, or the reason of a failure.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
    /// `last_modified`: the long-poll cursor, sent back verbatim as
    /// `last_modified=>=<value>`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_modified: Option<String>,
    /// Other members (start and end times, the related resource: UNKNOWN).
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl Job {
    /// True when the state is terminal.
    pub fn is_done(&self) -> bool {
        self.state.is_terminal()
    }
}

/// Decodes a job: `{"job":{…}}` (a `202` answer), `{"record":{…}}` or the bare object
/// (`GET /jobs/{id}`). A job with neither an `id` nor a `state` is refused: that is not
/// a job (an error body, an empty object).
///
/// ```
/// use storkit_ontap_deploy::model::{JobState, decode_job};
///
/// let accepted = decode_job(br#"{"job":{"id":"42","last_modified":"2019-04-04T15:41:29.140265Z","message":"Queued"}}"#)?;
/// assert_eq!(accepted.id.as_deref(), Some("42"));
/// assert!(!accepted.state.is_terminal());
///
/// let polled = decode_job(br#"{"record":{"id":42,"state":"Failure","message":"No space"}}"#)?;
/// assert_eq!(polled.state, JobState::Failure);
/// assert!(polled.state.is_failure());
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
pub fn decode_job(body: &[u8]) -> Result<Job, OntapError> {
    const WHAT: &str = "job";
    let value = lenient::parse_body(body)
        .map_err(|detail| OntapError::decode(WHAT, detail))?
        .ok_or_else(|| OntapError::decode(WHAT, "empty answer"))?;
    let Value::Object(mut map) = value else {
        return Err(OntapError::decode(WHAT, "expected an object"));
    };
    let inner = match (map.get("job"), map.get("record")) {
        (Some(Value::Object(_)), _) => map.remove("job"),
        (_, Some(Value::Object(_))) => map.remove("record"),
        _ => None,
    }
    .unwrap_or(Value::Object(map));
    let job = Job::deserialize(inner).map_err(|e| OntapError::decode(WHAT, e.to_string()))?;
    if job.id.is_none() && job.state == JobState::default() {
        return Err(OntapError::decode(WHAT, "no job id and no state"));
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn states() {
        for (s, state, terminal, failure) in [
            ("queued", JobState::Queued, false, false),
            ("Running", JobState::Running, false, false),
            ("SUCCESS", JobState::Success, true, false),
            (" failure ", JobState::Failure, true, true),
            ("cancelled", JobState::Cancelled, true, true),
            ("expired", JobState::Expired, true, true),
            ("paused", JobState::Paused, false, false),
            (
                "rolling_back",
                JobState::Unknown("rolling_back".into()),
                false,
                false,
            ),
        ] {
            let parsed = JobState::parse(s);
            assert_eq!(parsed, state, "{s}");
            assert_eq!(parsed.is_terminal(), terminal, "{s}");
            assert_eq!(parsed.is_failure(), failure, "{s}");
            assert_eq!(JobState::parse(parsed.as_str()), parsed);
        }
    }

    #[test]
    fn jobs() {
        let j = decode_job(br#"{"id":"7","state":5}"#).unwrap();
        assert_eq!(j.state, JobState::Unknown("5".into()));
        assert!(decode_job(br#"{"error":{"code":"1"}}"#).is_err());
        assert!(decode_job(b"{}").is_err());
        assert!(decode_job(b"").is_err());
        let j = decode_job(br#"{"job":{"id":"1","password":"x"},"other":1}"#).unwrap();
        assert!(j.extra.is_empty());
        // `job` that is not an object: the bare object is read.
        let j = decode_job(br#"{"job":"x","id":"9","state":"running"}"#).unwrap();
        assert_eq!(j.id.as_deref(), Some("9"));
    }
}
