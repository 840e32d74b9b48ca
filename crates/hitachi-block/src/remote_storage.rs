//! Remote storage registration (`remote-storages`), which needs a session on the remote
//! array in `Remote-Authorization`.

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::error::HitachiError;
use crate::jobs::{Change, Job};
use crate::session::Session;
use crate::storage_id::{RemoteStorageId, StorageDeviceId};

/// The body of `POST remote-storages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegisterRemoteStorage {
    /// The remote array's storageDeviceId.
    pub storage_device_id: String,
    /// The remote REST server's address (the remote GUM or SVP).
    pub rest_server_ip: String,
    /// The remote REST server's port.
    pub rest_server_port: u16,
    /// Also register this array on the remote side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mutual_discovery: Option<bool>,
}

impl RegisterRemoteStorage {
    /// The seed's request: id, address and port.
    pub fn new(
        remote: &StorageDeviceId,
        rest_server_ip: impl Into<String>,
        rest_server_port: u16,
    ) -> Self {
        RegisterRemoteStorage {
            storage_device_id: remote.to_string(),
            rest_server_ip: rest_server_ip.into(),
            rest_server_port,
            is_mutual_discovery: None,
        }
    }

    /// Sets `isMutualDiscovery`.
    pub fn mutual_discovery(mut self, yes: bool) -> Self {
        self.is_mutual_discovery = Some(yes);
        self
    }
}

/// How the arrays talk.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CommunicationMode {
    /// e.g. `lanConnectionMode`.
    #[serde(default)]
    pub communication_mode: Option<String>,
}

/// A registered remote storage system.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoteStorage {
    /// Its storageDeviceId.
    pub storage_device_id: String,
    /// DKC type (values undocumented).
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub dkc_type: Option<String>,
    /// Its REST server address.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub rest_server_ip: Option<String>,
    /// Its REST server port (sent as a number or a numeric string; `None` for anything
    /// else).
    #[serde(default, deserialize_with = "crate::decode::lenient_number")]
    pub rest_server_port: Option<u16>,
    /// Its model.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub model: Option<String>,
    /// Its serial number (sent as a number or a numeric string, reference §4; `None` for
    /// anything else).
    #[serde(default, deserialize_with = "crate::decode::lenient_number")]
    pub serial_number: Option<u64>,
    /// Controller 1's address.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub ctl1_ip: Option<String>,
    /// Controller 2's address.
    #[serde(default, deserialize_with = "crate::decode::lenient_text")]
    pub ctl2_ip: Option<String>,
    /// Communication modes.
    #[serde(default, deserialize_with = "crate::decode::lenient_vec")]
    pub communication_modes: Vec<CommunicationMode>,
}

/// Remote storage systems registered on a session's storage system.
#[derive(Debug, Clone, Copy)]
pub struct RemoteStorages<'a> {
    session: &'a Session,
}

impl Session {
    /// Remote storage registration.
    pub fn remote_storages(&self) -> RemoteStorages<'_> {
        RemoteStorages { session: self }
    }
}

impl RemoteStorages<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/remote-storages{rest}"))
    }

    /// Registers a remote storage system; `remote` is a session on that system's REST
    /// server. The change's result is the finished job (its first affected resource is
    /// the registration).
    pub fn register(&self, remote: &Session, spec: &RegisterRemoteStorage) -> Change<Job> {
        Change::build(self.session, || {
            let there = crate::checks::remote_session(self.session, remote)?;
            if there.as_str() != spec.storage_device_id {
                return Err(HitachiError::InvalidInput {
                    what: "remote session",
                    reason: format!(
                        "the session is on {there}, the registration names {}",
                        spec.storage_device_id
                    ),
                }
                .into());
            }
            Ok(Change::remote_json(
                self.session,
                remote,
                Method::POST,
                self.path(""),
                Some(spec),
            ))
        })
    }

    /// One registration, by the remote storageDeviceId.
    pub async fn get(&self, remote: &RemoteStorageId) -> Result<RemoteStorage, Error> {
        self.session
            .get_json(&self.path(&format!("/{remote}")))
            .await
    }

    /// All registrations.
    pub async fn list(&self) -> Result<Vec<RemoteStorage>, Error> {
        crate::decode::list_data(self.session, Request::get(self.path(""))).await
    }

    /// Removes a registration; `mutual` says whether the remote side's registration of
    /// this system goes too (`isMutualDeletion`). `remote_session` is a session on the
    /// remote system.
    pub fn delete(
        &self,
        remote_session: &Session,
        remote: &RemoteStorageId,
        mutual: MutualDeletion,
    ) -> Change<Job> {
        let body = match mutual {
            MutualDeletion::ServerDefault => None,
            MutualDeletion::Both => Some(serde_json::json!({ "isMutualDeletion": true })),
            MutualDeletion::ThisSystemOnly => {
                Some(serde_json::json!({ "isMutualDeletion": false }))
            }
        };
        Change::build(self.session, || {
            let there = crate::checks::remote_session(self.session, remote_session)?;
            if there != *remote {
                return Err(HitachiError::InvalidInput {
                    what: "remote session",
                    reason: format!("the session is on {there}, the deletion names {remote}"),
                }
                .into());
            }
            Ok(Change::remote_json(
                self.session,
                remote_session,
                Method::DELETE,
                self.path(&format!("/{remote}")),
                body.as_ref(),
            ))
        })
    }
}

/// Whether deleting a remote-storage registration also deletes the remote system's
/// registration of this one (`isMutualDeletion`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MutualDeletion {
    /// Send no `isMutualDeletion`: the server's default applies (UNKNOWN in the public
    /// documentation).
    #[default]
    ServerDefault,
    /// Both registrations go (`isMutualDeletion: true`).
    Both,
    /// Only this system's registration goes (`isMutualDeletion: false`).
    ThisSystemOnly,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn seed_body_and_lenient_fields() {
        let id: StorageDeviceId = "886000420000".parse().unwrap();
        let body =
            serde_json::to_value(RegisterRemoteStorage::new(&id, "192.0.2.200", 443)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"storageDeviceId":"886000420000","restServerIp":"192.0.2.200","restServerPort":443})
        );
        let rs: RemoteStorage = serde_json::from_str(r#"{"storageDeviceId":"886000420000","dkcType":"Remote","restServerPort":"443","serialNumber":420000,"model":"VSP G900","communicationModes":[{"communicationMode":"lanConnectionMode"}]}"#).unwrap();
        assert_eq!(rs.rest_server_port, Some(443));
        assert_eq!(rs.serial_number, Some(420_000));
    }

    #[test]
    fn serial_numbers_are_numbers_whichever_shape_they_come_in() {
        let decode = |serial: &str| -> RemoteStorage {
            serde_json::from_str(&format!(
                r#"{{"storageDeviceId":"886000420000","serialNumber":{serial}}}"#
            ))
            .unwrap()
        };
        assert_eq!(decode("420000").serial_number, Some(420_000));
        assert_eq!(decode(r#""420000""#).serial_number, Some(420_000));
        assert_eq!(decode(r#"" 420000 ""#).serial_number, Some(420_000));
        for odd in ["-1", "4.2", r#""abc""#, "null", "[1]", "true"] {
            assert_eq!(decode(odd).serial_number, None, "{odd}");
        }
    }
}
