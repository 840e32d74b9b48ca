//! Hitachi error objects and the crate's vendor error detail.
//!
//! Every method of this crate returns [`storkit_core::Error`]; when the failure is
//! Hitachi-specific, its detail is a [`HitachiError`], reachable with
//! [`HitachiErrorExt::hitachi`] (or `err.detail::<HitachiError>()`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use storkit_core::{Error, ErrorKind, Phase};

use crate::local_copy::PairStatus;

/// The error object of the REST API (reference §9.1). Every field is optional: servers
/// send different subsets, and `messageId` may arrive as `messageID`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiError {
    /// Link to the request target.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub error_source: Option<String>,
    /// e.g. `KART40050-E` (the server may spell the key `messageID`).
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub message_id: Option<String>,
    /// What happened.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub message: Option<String>,
    /// Why.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub cause: Option<String>,
    /// What to do.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub solution: Option<String>,
    /// e.g. `SEE_ERROR_DETAIL`, or `RETRY` when the request may simply be sent again.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub solution_type: Option<String>,
    /// Present when the storage system itself raised the error.
    #[serde(default, deserialize_with = "lenient_error_code")]
    pub error_code: Option<ErrorCode>,
    /// e.g. `20008E-0`.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub detail_code: Option<String>,
}

/// The storage system's code: SSB1/SSB2 (hexadecimal strings) or a RAID Manager return
/// code such as `EX_EACCES`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorCode {
    /// SSB1, e.g. `2E11`.
    #[serde(
        rename = "SSB1",
        default,
        deserialize_with = "crate::decode::lenient_text"
    )]
    pub ssb1: Option<String>,
    /// SSB2, e.g. `2205`.
    #[serde(
        rename = "SSB2",
        default,
        deserialize_with = "crate::decode::lenient_text"
    )]
    pub ssb2: Option<String>,
    /// A RAID Manager return code, e.g. `EX_EACCES`.
    #[serde(
        rename = "errorCode",
        default,
        deserialize_with = "crate::decode::lenient_text"
    )]
    pub return_code: Option<String>,
}

/// Resource-locked message ids: retried for as long as the lock timeout allows.
const LOCK_MESSAGE_IDS: &[&str] = &["KART40050-E", "KART40051-E", "KART40052-E"];
/// Resource-locked SSB pairs.
const LOCK_SSBS: &[(&str, &str)] = &[("2E11", "2205"), ("2E11", "2207")];
/// SSB pairs that never succeed on a retry (Cinder's `REST_NO_RETRY_ERRORS`).
const NO_RETRY_SSBS: &[(&str, &str)] = &[
    ("2E10", "9705"),
    ("2E10", "9706"),
    ("2E10", "9707"),
    ("2E11", "8303"),
    ("2E30", "0007"),
    ("B956", "3173"),
    ("B956", "31D7"),
    ("B956", "31D9"),
    ("B957", "4188"),
    ("B958", "015A"),
    ("B958", "015E"),
    ("2E22", "0001"),
    ("2E11", "2209"),
    ("B957", "4184"),
    ("2E30", "600E"),
];

impl ApiError {
    /// Decodes an error body; `None` when the body is not a JSON error object.
    pub fn from_body(body: &[u8]) -> Option<ApiError> {
        ApiError::from_value(serde_json::from_slice(body).ok()?)
    }

    /// Decodes an error object already parsed as JSON; `None` for anything else.
    pub fn from_value(mut value: serde_json::Value) -> Option<ApiError> {
        let object = value.as_object_mut()?;
        // `messageID` is an alternative spelling; a serde alias would reject an object
        // that carries both, so fold it in by hand.
        if let Some(upper) = object.remove("messageID")
            && !object.contains_key("messageId")
        {
            object.insert("messageId".to_owned(), upper);
        }
        let e: ApiError = serde_json::from_value(value).ok()?;
        (e != ApiError::default()).then_some(e)
    }

    /// The SSB pair, upper-cased, when present.
    pub fn ssb(&self) -> Option<(String, String)> {
        let code = self.error_code.as_ref()?;
        Some((
            code.ssb1.as_deref()?.to_ascii_uppercase(),
            code.ssb2.as_deref()?.to_ascii_uppercase(),
        ))
    }

    /// The RAID Manager return code, when present.
    pub fn return_code(&self) -> Option<&str> {
        self.error_code.as_ref()?.return_code.as_deref()
    }

    /// True for "resource locked by another session" (KART40050/51/52-E, SSB 2E11/2205
    /// or 2E11/2207, EX_EACCES).
    pub fn is_lock_busy(&self) -> bool {
        self.message_id
            .as_deref()
            .is_some_and(|m| LOCK_MESSAGE_IDS.contains(&m))
            || self
                .ssb()
                .is_some_and(|(a, b)| LOCK_SSBS.iter().any(|(x, y)| *x == a && *y == b))
            || self.return_code() == Some("EX_EACCES")
    }

    /// True for "server busy" (KART00003-E).
    pub fn is_server_busy(&self) -> bool {
        self.message_id.as_deref() == Some("KART00003-E")
    }

    /// True for "another LDEV is mapped" (SSB B958/0947), which passes once the other
    /// mapping finishes (Cinder waits up to 600 s).
    pub fn is_ldev_mapped(&self) -> bool {
        self.ssb().is_some_and(|(a, b)| a == "B958" && b == "0947")
    }

    /// True when the server says to send the request again (`solutionType: RETRY`).
    pub fn says_retry(&self) -> bool {
        self.solution_type
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("RETRY"))
    }

    /// True for errors a retry cannot fix: KART30013-E (object does not exist) and the
    /// no-retry SSB list.
    pub fn is_permanent(&self) -> bool {
        self.message_id.as_deref() == Some("KART30013-E")
            || self
                .ssb()
                .is_some_and(|(a, b)| NO_RETRY_SSBS.iter().any(|(x, y)| *x == a && *y == b))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.message_id, &self.message) {
            (Some(id), Some(m)) => write!(f, "{id}: {m}")?,
            (Some(id), None) => f.write_str(id)?,
            (None, Some(m)) => f.write_str(m)?,
            (None, None) => f.write_str("error without a message")?,
        }
        if let Some((a, b)) = self.ssb() {
            write!(f, " (SSB {a}/{b})")?;
        } else if let Some(rc) = self.return_code() {
            write!(f, " ({rc})")?;
        }
        Ok(())
    }
}

/// Hitachi-specific failures, carried as the detail of a [`storkit_core::Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HitachiError {
    /// The REST server answered with an error object.
    #[error("{error}")]
    Api {
        /// The decoded error object.
        error: Box<ApiError>,
    },
    /// An asynchronous job ended in state `Failed`.
    #[error("job {job_id} failed: {error}")]
    JobFailed {
        /// The job's id.
        job_id: u64,
        /// The job's error object (SSB codes, message id, ...).
        error: Box<ApiError>,
        /// The whole job as the server reported it.
        job: Box<crate::jobs::Job>,
    },
    /// A job succeeded without naming the object it made in `affectedResources`: look it
    /// up rather than guess its id.
    #[error("job {job_id} succeeded but named no {what} in affectedResources {affected:?}")]
    NoAffectedResource {
        /// The job's id.
        job_id: u64,
        /// What the job should have named, e.g. `LDEV`.
        what: &'static str,
        /// What `affectedResources` held.
        affected: Vec<String>,
    },
    /// The server's API version is older than an operation needs.
    #[error("the REST API version is {actual}; this operation needs {required} or newer")]
    VersionTooOld {
        /// The minimum, e.g. `1.9`.
        required: String,
        /// What the server reported.
        actual: String,
    },
    /// The model is not in the storageDeviceId table.
    #[error("unknown storage model {model:?}; give the storageDeviceId or discover it by serial")]
    UnknownModel {
        /// The model as given.
        model: String,
    },
    /// The serial has more digits than the model's id leaves room for.
    #[error("serial number {serial} does not fit in {digits} digits")]
    InvalidSerial {
        /// The serial.
        serial: u64,
        /// The digits available.
        digits: usize,
    },
    /// Not a valid storageDeviceId.
    #[error("{id:?} is not a storageDeviceId (12 letters or digits)")]
    InvalidStorageDeviceId {
        /// What was given.
        id: String,
    },
    /// No storage system with this serial is registered on the REST server.
    #[error("no storage system with serial number {serial} on this REST server")]
    StorageNotFound {
        /// The serial looked for.
        serial: u64,
    },
    /// Several storage systems on the REST server match the serial, and nothing tells
    /// them apart.
    #[error("serial number {serial} matches several storage systems ({}); give the storageDeviceId", ids.join(", "))]
    StorageAmbiguous {
        /// The serial looked for.
        serial: u64,
        /// The storageDeviceIds of the matching entries.
        ids: Vec<String>,
    },
    /// Neither the REST server's storage list nor the model table gave a storageDeviceId
    /// for a model and serial.
    #[error(
        "no storageDeviceId for {model:?} serial {serial}: the storage list did not give one ({lookup}), and the model table neither ({table})"
    )]
    StorageIdUnresolved {
        /// The model as given.
        model: String,
        /// The serial as given.
        serial: u64,
        /// Why the lookup by serial (`GET /v1/objects/storages`) gave no id.
        lookup: String,
        /// Why the model table gave no id.
        table: String,
    },
    /// A name or parameter the API would reject.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The server answered something this crate cannot use.
    #[error("unexpected response: {what}")]
    Unexpected {
        /// What was wrong.
        what: String,
    },
    /// The storage system of a remote session is not registered as a remote storage on
    /// the local one (`GET remote-storages/{id}` found nothing): register it first
    /// ([`RemoteStorages::register`](crate::remote_storage::RemoteStorages::register)).
    #[error("storage system {remote} is not registered as a remote storage on {local}")]
    RemoteStorageNotRegistered {
        /// The local storageDeviceId.
        local: String,
        /// The remote storageDeviceId.
        remote: String,
    },
    /// A pair waited for was suspended by a failure (`PSUE`) before it reached the status
    /// waited for.
    #[error(
        "pair {pair} was suspended by a failure (P-VOL {}, S-VOL {}) while waiting for {wanted}",
        status_text(pvol_status.as_ref()),
        status_text(svol_status.as_ref())
    )]
    PairSuspended {
        /// The pair's id.
        pair: String,
        /// The status waited for.
        wanted: PairStatus,
        /// The P-VOL's status as last seen.
        pvol_status: Option<PairStatus>,
        /// The S-VOL's status as last seen.
        svol_status: Option<PairStatus>,
    },
    /// A pair waited for no longer exists (its GET answered 404).
    #[error("pair {pair} no longer exists (waiting for {wanted})")]
    PairGone {
        /// The pair's id.
        pair: String,
        /// The status waited for.
        wanted: PairStatus,
    },
}

fn status_text(status: Option<&PairStatus>) -> &str {
    status.map_or("unknown", PairStatus::as_str)
}

impl HitachiError {
    /// The decoded error object, for [`HitachiError::Api`] and [`HitachiError::JobFailed`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            HitachiError::Api { error } | HitachiError::JobFailed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Wraps the detail into a core error of the right kind.
    pub fn into_error(self) -> Error {
        let kind = match &self {
            HitachiError::UnknownModel { .. }
            | HitachiError::InvalidSerial { .. }
            | HitachiError::InvalidStorageDeviceId { .. }
            | HitachiError::InvalidInput { .. } => ErrorKind::Config,
            HitachiError::Unexpected { .. } | HitachiError::NoAffectedResource { .. } => {
                ErrorKind::Decode
            }
            HitachiError::RemoteStorageNotRegistered { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Vendor,
        };
        let phase = match kind {
            ErrorKind::Config => Phase::NotSent,
            _ => Phase::Responded,
        };
        Error::new(kind)
            .with_phase(phase)
            .with_message(self.to_string())
            .with_source(self)
    }
}

impl From<HitachiError> for Error {
    fn from(e: HitachiError) -> Self {
        e.into_error()
    }
}

/// Access to the Hitachi detail of a core error.
pub trait HitachiErrorExt {
    /// The Hitachi detail, if this error carries one.
    fn hitachi(&self) -> Option<&HitachiError>;
    /// The Hitachi error object (from a response or a failed job), if any.
    fn api_error(&self) -> Option<&ApiError> {
        self.hitachi().and_then(HitachiError::api_error)
    }
}

impl HitachiErrorExt for Error {
    fn hitachi(&self) -> Option<&HitachiError> {
        self.detail::<HitachiError>()
    }
}

fn lenient_error_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Object(_) => serde_json::from_value(value).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_examples_decode() {
        let body = br#"{"errorSource":"/ConfigurationManager/v1/objects/storages/836000123456/ldevs","messageId":"KART20008-E","message":"Required parameters are not specified.","solution":"Check parameters.","solutionType":"SEE_ERROR_DETAIL","detailCode":"20008E-0"}"#;
        let e = ApiError::from_body(body).unwrap();
        assert_eq!(e.message_id.as_deref(), Some("KART20008-E"));
        assert_eq!(e.detail_code.as_deref(), Some("20008E-0"));
        assert_eq!(
            e.to_string(),
            "KART20008-E: Required parameters are not specified."
        );
        assert!(!e.is_lock_busy() && !e.says_retry() && !e.is_permanent());

        let both =
            ApiError::from_body(br#"{"messageId":"KART1-E","messageID":"KART2-E"}"#).unwrap();
        assert_eq!(both.message_id.as_deref(), Some("KART1-E"));
        let locked = ApiError::from_body(
            br#"{"messageID":"KART40050-E","message":"locked","errorCode":{"SSB1":"2e11","SSB2":"2205"}}"#,
        )
        .unwrap();
        assert_eq!(locked.message_id.as_deref(), Some("KART40050-E"));
        assert!(locked.is_lock_busy());
        assert_eq!(locked.ssb(), Some(("2E11".into(), "2205".into())));
        assert_eq!(locked.to_string(), "KART40050-E: locked (SSB 2E11/2205)");

        let rc = ApiError::from_body(br#"{"errorCode":{"errorCode":"EX_EACCES"}}"#).unwrap();
        assert!(rc.is_lock_busy());
        let gone = ApiError::from_body(br#"{"messageId":"KART30013-E"}"#).unwrap();
        assert!(gone.is_permanent());
        let lu = ApiError::from_body(br#"{"errorCode":{"SSB1":"B958","SSB2":"015A"}}"#).unwrap();
        assert!(lu.is_permanent());
        let retry = ApiError::from_body(br#"{"solutionType":"RETRY"}"#).unwrap();
        assert!(retry.says_retry());
    }

    #[test]
    fn non_errors_are_none() {
        for body in [
            &b""[..],
            b"<html>500</html>",
            b"[]",
            b"{}",
            b"null",
            b"{\"x\":1}",
        ] {
            assert_eq!(
                ApiError::from_body(body),
                None,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn wrong_types_are_tolerated() {
        let e =
            ApiError::from_body(br#"{"messageId":42,"message":["a"],"errorCode":"x"}"#).unwrap();
        assert_eq!(e.message_id.as_deref(), Some("42"));
        assert_eq!(e.message, None);
        assert_eq!(e.error_code, None);
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("messageId".to_owned()),
                        Just("errorCode".to_owned()),
                        Just("SSB1".to_owned()),
                        Just("solutionType".to_owned()),
                        ".{0,8}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in arb_json()) {
            let body = serde_json::to_vec(&v).unwrap();
            if let Some(e) = ApiError::from_body(&body) {
                let _ = (e.to_string(), e.is_lock_busy(), e.is_permanent(), e.says_retry());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = ApiError::from_body(&bytes);
        }
    }
}
