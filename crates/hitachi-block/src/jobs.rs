//! Asynchronous jobs: the 202 + job object of every create, change and action.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiError;
use crate::host_groups::HostWwnId;
use crate::local_copy::{LocalCloneGroupId, LocalClonePairId};
use crate::remote_copy::{RemoteCopyGroupId, RemoteCopyPairId};
use crate::storage_id::StorageDeviceId;

/// Whether a job has finished (`status`). A finished job says how in [`JobState`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobStatus {
    /// Accepted, not started.
    Initializing,
    /// Running.
    Running,
    /// Finished, successfully or not.
    Completed,
    /// A value this crate does not know.
    Other(String),
}

/// How a job ended or where it is (`state`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Queued.
    Queued,
    /// Started.
    Started,
    /// Accepted by the storage system (remote copy pair creation only).
    StorageAccepted,
    /// Succeeded.
    Succeeded,
    /// Failed: the job's `error` says why.
    Failed,
    /// The server does not know.
    Unknown,
    /// A value this crate does not know.
    Other(String),
}

impl JobStatus {
    fn parse(s: &str) -> Self {
        match s {
            "Initializing" => JobStatus::Initializing,
            "Running" => JobStatus::Running,
            "Completed" => JobStatus::Completed,
            other => JobStatus::Other(other.to_owned()),
        }
    }
}

impl JobState {
    fn parse(s: &str) -> Self {
        match s {
            "Queued" => JobState::Queued,
            "Started" => JobState::Started,
            "StorageAccepted" => JobState::StorageAccepted,
            "Succeeded" => JobState::Succeeded,
            "Failed" => JobState::Failed,
            "Unknown" => JobState::Unknown,
            other => JobState::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobStatus::Initializing => f.write_str("Initializing"),
            JobStatus::Running => f.write_str("Running"),
            JobStatus::Completed => f.write_str("Completed"),
            JobStatus::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobState::Queued => f.write_str("Queued"),
            JobState::Started => f.write_str("Started"),
            JobState::StorageAccepted => f.write_str("StorageAccepted"),
            JobState::Succeeded => f.write_str("Succeeded"),
            JobState::Failed => f.write_str("Failed"),
            JobState::Unknown => f.write_str("Unknown"),
            JobState::Other(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(JobStatus::parse(&String::deserialize(d)?))
    }
}

impl<'de> Deserialize<'de> for JobState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(JobState::parse(&String::deserialize(d)?))
    }
}

impl Serialize for JobStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl Serialize for JobState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The request a job was created by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobRequest {
    /// The URL.
    #[serde(default)]
    pub request_url: Option<String>,
    /// The method.
    #[serde(default)]
    pub request_method: Option<String>,
    /// The body, as the server echoes it (login secrets never go through jobs).
    #[serde(default)]
    pub request_body: Option<serde_json::Value>,
}

/// A job object (reference §8.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Job {
    /// The id (a number; a numeric string is accepted too).
    #[serde(deserialize_with = "job_id")]
    pub job_id: u64,
    /// Its URL path (`/ConfigurationManager/v1/objects/storages/<id>/jobs/<n>`).
    #[serde(rename = "self", default)]
    pub self_path: Option<String>,
    /// The user whose request created it.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Finished or not.
    pub status: JobStatus,
    /// How it ended, or where it is.
    #[serde(default = "unknown_state")]
    pub state: JobState,
    /// ISO 8601 creation time.
    #[serde(default)]
    pub created_time: Option<String>,
    /// ISO 8601 last update.
    #[serde(default)]
    pub updated_time: Option<String>,
    /// ISO 8601 completion time.
    #[serde(default)]
    pub completed_time: Option<String>,
    /// The originating request.
    #[serde(default)]
    pub request: Option<JobRequest>,
    /// Paths of the resources the job created or changed.
    #[serde(default, deserialize_with = "string_list")]
    pub affected_resources: Vec<String>,
    /// Why it failed.
    #[serde(default, deserialize_with = "optional_error")]
    pub error: Option<ApiError>,
}

fn job_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| serde::de::Error::custom("jobId is not a non-negative integer"))
}

fn unknown_state() -> JobState {
    JobState::Unknown
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Option::<Vec<serde_json::Value>>::deserialize(d)?;
    Ok(value
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect())
}

fn optional_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ApiError>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(ApiError::from_value(value))
}

impl Job {
    /// Decodes a job object; `None` for anything else (never panics).
    pub fn from_body(body: &[u8]) -> Option<Job> {
        serde_json::from_slice(body).ok()
    }

    /// True once the job has finished (`status == Completed`).
    pub fn is_finished(&self) -> bool {
        self.status == JobStatus::Completed
    }

    /// The typed resources of `affectedResources`.
    pub fn resources(&self) -> Vec<AffectedResource> {
        self.affected_resources
            .iter()
            .map(|p| AffectedResource::parse(p))
            .collect()
    }

    /// The id (last path segment) of the first affected resource.
    pub fn first_resource_id(&self) -> Option<&str> {
        let first = self.affected_resources.first()?;
        first.rsplit('/').next().filter(|s| !s.is_empty())
    }
}

/// An entry of `affectedResources`, resolved to what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AffectedResource {
    /// `.../ldevs/{id}`.
    Ldev(u32),
    /// `.../local-clone-copypairs/{id}`.
    LocalClonePair(LocalClonePairId),
    /// `.../local-clone-copygroups/{id}`.
    LocalCloneGroup(LocalCloneGroupId),
    /// `.../remote-storages/{storageDeviceId}`.
    RemoteStorage(StorageDeviceId),
    /// `.../remote-mirror-copypairs/{id}`.
    RemoteCopyPair(RemoteCopyPairId),
    /// `.../remote-mirror-copygroups/{id}`.
    RemoteCopyGroup(RemoteCopyGroupId),
    /// `.../host-groups/{port},{number}`.
    HostGroup {
        /// Port, e.g. `CL1-A`.
        port: String,
        /// Host group number.
        number: u32,
    },
    /// `.../host-wwns/{port},{number},{wwn}`.
    HostWwn(HostWwnId),
    /// `.../luns/{port},{number},{lun}`.
    Lun {
        /// Port.
        port: String,
        /// Host group number.
        host_group: u32,
        /// LUN.
        lun: u32,
    },
    /// `.../snapshots/{pvol},{mu}`.
    Snapshot {
        /// P-VOL LDEV id.
        pvol: u32,
        /// Mirror unit number.
        mu: u32,
    },
    /// `.../pools/{id}`.
    Pool(u32),
    /// Any other path, kept whole.
    Other(String),
}

impl AffectedResource {
    /// Resolves a server-absolute path.
    pub fn parse(path: &str) -> AffectedResource {
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let id = segments.next().unwrap_or_default();
        let collection = segments.next().unwrap_or_default();
        let parts: Vec<&str> = id.split(',').collect();
        let num = |s: &str| s.parse::<u32>().ok();
        let parsed = match (collection, parts.as_slice()) {
            ("ldevs", [n]) => num(n).map(AffectedResource::Ldev),
            ("local-clone-copypairs", _) => id.parse().ok().map(AffectedResource::LocalClonePair),
            ("local-clone-copygroups", _) => id.parse().ok().map(AffectedResource::LocalCloneGroup),
            ("remote-storages", _) => id.parse().ok().map(AffectedResource::RemoteStorage),
            ("remote-mirror-copypairs", _) => id.parse().ok().map(AffectedResource::RemoteCopyPair),
            ("remote-mirror-copygroups", _) => {
                id.parse().ok().map(AffectedResource::RemoteCopyGroup)
            }
            ("host-groups", [port, n]) => num(n).map(|number| AffectedResource::HostGroup {
                port: (*port).to_owned(),
                number,
            }),
            ("host-wwns", _) => id.parse().ok().map(AffectedResource::HostWwn),
            ("luns", [port, hg, lun]) => match (num(hg), num(lun)) {
                (Some(host_group), Some(lun)) => Some(AffectedResource::Lun {
                    port: (*port).to_owned(),
                    host_group,
                    lun,
                }),
                _ => None,
            },
            ("snapshots", [p, m]) => match (num(p), num(m)) {
                (Some(pvol), Some(mu)) => Some(AffectedResource::Snapshot { pvol, mu }),
                _ => None,
            },
            ("pools", [n]) => num(n).map(AffectedResource::Pool),
            _ => None,
        };
        parsed.unwrap_or_else(|| AffectedResource::Other(path.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_jobs_decode() {
        let ok = Job::from_body(br#"{"jobId":43,"self":"/ConfigurationManager/v1/objects/storages/800000058068/jobs/43","userId":"u","status":"Completed","state":"Succeeded","createdTime":"2020-11-16T15:20:17Z","affectedResources":["/ConfigurationManager/v1/objects/storages/800000058068/ldevs/40962"]}"#).unwrap();
        assert!(ok.is_finished());
        assert_eq!(ok.state, JobState::Succeeded);
        assert_eq!(ok.resources(), vec![AffectedResource::Ldev(40962)]);
        assert_eq!(ok.first_resource_id(), Some("40962"));

        let failed = Job::from_body(br#"{"jobId":1,"status":"Completed","state":"Failed","error":{"errorCode":{"SSB1":"B958","SSB2":"015A"}}}"#).unwrap();
        assert_eq!(failed.state, JobState::Failed);
        assert_eq!(
            failed.error.unwrap().ssb(),
            Some(("B958".into(), "015A".into()))
        );

        let odd = Job::from_body(br#"{"jobId":2,"status":"Weird","state":"StartedWithErrors","affectedResources":null,"error":"x"}"#).unwrap();
        assert_eq!(odd.status, JobStatus::Other("Weird".into()));
        assert_eq!(odd.state, JobState::Other("StartedWithErrors".into()));
        assert!(odd.affected_resources.is_empty() && odd.error.is_none());
    }

    #[test]
    fn affected_resources_resolve() {
        let base = "/ConfigurationManager/v1/objects/storages/886000410000";
        assert_eq!(
            AffectedResource::parse(&format!(
                "{base}/local-clone-copypairs/SI_347,SI_347P_,SI_347S_,p_347-348"
            )),
            AffectedResource::LocalClonePair("SI_347,SI_347P_,SI_347S_,p_347-348".parse().unwrap())
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/host-groups/CL1-A,5")),
            AffectedResource::HostGroup {
                port: "CL1-A".into(),
                number: 5
            }
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/luns/CL1-A,5,3")),
            AffectedResource::Lun {
                port: "CL1-A".into(),
                host_group: 5,
                lun: 3
            }
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/snapshots/100,3")),
            AffectedResource::Snapshot { pvol: 100, mu: 3 }
        );
        assert_eq!(
            AffectedResource::parse(&format!("{base}/remote-storages/886000420000")),
            AffectedResource::RemoteStorage("886000420000".parse().unwrap())
        );
        assert_eq!(
            AffectedResource::parse("a/b/c/1"),
            AffectedResource::Other("a/b/c/1".into())
        );
        assert_eq!(
            AffectedResource::parse(""),
            AffectedResource::Other(String::new())
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Some(job) = Job::from_body(&bytes) {
                let _ = (job.resources(), job.first_resource_id(), job.is_finished());
            }
        }

        #[test]
        fn arbitrary_job_shapes_never_panic(
            id in any::<u64>(),
            status in ".{0,12}",
            state in ".{0,12}",
            resources in prop::collection::vec(".{0,40}", 0..4),
        ) {
            let body = serde_json::json!({
                "jobId": id, "status": status, "state": state,
                "affectedResources": resources, "error": {"messageId": status},
            });
            let job = Job::from_body(&serde_json::to_vec(&body).unwrap()).unwrap();
            prop_assert_eq!(job.job_id, id);
            prop_assert_eq!(job.affected_resources.len(), resources.len());
            for r in &resources {
                let _ = AffectedResource::parse(r);
            }
        }

        #[test]
        fn paths_never_panic(path in ".{0,80}") {
            let _ = AffectedResource::parse(&path);
        }
    }
}
