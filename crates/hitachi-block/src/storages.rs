//! The storage system's own object (`GET storages/{storageDeviceId}`).
//!
//! The list of storage systems needs no session: it is
//! [`HitachiClient::storages`](crate::HitachiClient::storages).

use serde::Deserialize;
use storkit_core::Error;

use crate::decode::{lenient, lenient_number, lenient_text, lenient_vec};
use crate::remote_storage::CommunicationMode;
use crate::session::Session;
use crate::storage_id::StorageDeviceId;

/// The storage system a session works on, as `GET storages/{storageDeviceId}` reports it
/// (reference §4, A1 HCSR0086). Every field but the id is optional: the SVP and GUM
/// models send different subsets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StorageDetail {
    /// The storageDeviceId, e.g. `886000123456`.
    pub storage_device_id: String,
    /// The model, e.g. `VSP G900`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub model: Option<String>,
    /// The serial number (sent as a number; a numeric string is accepted).
    #[serde(default, deserialize_with = "lenient_number")]
    pub serial_number: Option<u64>,
    /// The SVP address (SVP models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub svp_ip: Option<String>,
    /// Controller 1's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl1_ip: Option<String>,
    /// Controller 2's address (GUM models).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ctl2_ip: Option<String>,
    /// The microcode version, e.g. `88-02-00/20`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub dkc_micro_version: Option<String>,
    /// How the REST server talks to the storage system.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub communication_modes: Vec<CommunicationMode>,
    /// Whether the REST server talks to the storage system over SSL.
    #[serde(default, deserialize_with = "lenient")]
    pub is_secure: Option<bool>,
    /// The controller the REST server talks to, e.g. `CTL1`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub target_ctl: Option<String>,
    /// Whether the storage system is managed through an SVP.
    #[serde(default, deserialize_with = "lenient")]
    pub uses_svp: Option<bool>,
    /// The protocol between the REST server and the storage system, e.g. `DTLS SVP`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub lan_connection_protocol: Option<String>,
    /// The SVP's web server HTTPS port.
    #[serde(default, deserialize_with = "lenient_number")]
    pub mapp_web_server_https_port: Option<u16>,
    /// The SVP's RMI port.
    #[serde(default, deserialize_with = "lenient_number")]
    pub rmi_port: Option<u16>,
}

impl StorageDetail {
    /// The parsed storageDeviceId.
    pub fn id(&self) -> Result<StorageDeviceId, crate::error::HitachiError> {
        self.storage_device_id.parse()
    }
}

impl Session {
    /// The storage system this session works on (`GET storages/{storageDeviceId}`).
    pub async fn storage(&self) -> Result<StorageDetail, Error> {
        // The storage object itself only exists in the long form: the short form's
        // `object_path("")` would be `/v1/objects`, which is not this object. The long form
        // is served by the embedded REST servers too (reference §2.2), so it is always sent.
        let path = format!(
            "/ConfigurationManager/v1/objects/storages/{}",
            self.client().storage_device_id()
        );
        self.get_json(&path).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn reference_example_decodes() {
        let body = r#"{"storageDeviceId":"886000123456","model":"VSP G900","serialNumber":123456,"svpIp":"192.0.2.1","mappWebServerHttpsPort":443,"rmiPort":1099,"ctl1Ip":"192.0.2.2","ctl2Ip":"192.0.2.3","dkcMicroVersion":"88-02-00/20","communicationModes":[{"communicationMode":"lanConnectionMode"}],"isSecure":true,"lanConnectionProtocol":"DTLS SVP","targetCtl":"CTL1","usesSvp":true}"#;
        let s: StorageDetail = serde_json::from_str(body).unwrap();
        assert_eq!(s.id().unwrap().as_str(), "886000123456");
        assert_eq!(s.serial_number, Some(123_456));
        assert_eq!(s.dkc_micro_version.as_deref(), Some("88-02-00/20"));
        assert_eq!(s.communication_modes.len(), 1);
        assert_eq!(s.is_secure, Some(true));
        assert_eq!(s.target_ctl.as_deref(), Some("CTL1"));
        assert_eq!(s.uses_svp, Some(true));
        assert_eq!(s.mapp_web_server_https_port, Some(443));
    }

    #[test]
    fn wrong_types_are_dropped_not_fatal() {
        let s: StorageDetail = serde_json::from_str(
            r#"{"storageDeviceId":"886000123456","serialNumber":"123456","isSecure":"yes","communicationModes":null,"rmiPort":-1,"model":7}"#,
        )
        .unwrap();
        assert_eq!(s.serial_number, Some(123_456));
        let padded: StorageDetail =
            serde_json::from_str(r#"{"storageDeviceId":"886000123456","serialNumber":" 123456 "}"#)
                .unwrap();
        assert_eq!(padded.serial_number, Some(123_456));
        assert_eq!(s.is_secure, None);
        assert_eq!(s.rmi_port, None);
        assert_eq!(s.model.as_deref(), Some("7"));
        assert!(s.communication_modes.is_empty());
    }

    #[tokio::test]
    async fn get_sends_the_long_form() {
        let fake = testing::Fake::start([127, 0, 0, 201], |seen| {
            (seen.method == "GET").then(|| {
                (
                    200,
                    serde_json::json!({"storageDeviceId": testing::SDID, "model": "VSP G900"}),
                )
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let s = session.storage().await.unwrap();
        assert_eq!(s.model.as_deref(), Some("VSP G900"));
        session.close().await.unwrap();
        let seen = fake.requests();
        assert_eq!(
            seen[0].path,
            "/ConfigurationManager/v1/objects/storages/886000410000"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "storageDeviceId", "model", "serialNumber", "svpIp", "communicationModes",
            "communicationMode", "isSecure", "usesSvp", "rmiPort",
        ])) {
            let _ = serde_json::from_value::<StorageDetail>(v);
        }
    }
}
