//! Ports (Fibre Channel, iSCSI, ...): list and get.

use serde::Deserialize;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, lenient_vec, list_data};
use crate::error::HitachiError;
use crate::session::Session;

/// A host login on a port (`detailInfoType=logins`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PortLogin {
    /// The host's WWN (Fibre Channel).
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_wwn: Option<String>,
    /// The host's iSCSI name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub iscsi_name: Option<String>,
    /// Whether the host is logged in.
    #[serde(default, deserialize_with = "lenient")]
    pub is_logged_in: Option<bool>,
}

/// A port as `GET ports[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Port {
    /// The port, e.g. `CL1-A`.
    pub port_id: String,
    /// e.g. `FIBRE`, `ISCSI`, `FCoE`, `NVME_TCP`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub port_type: Option<String>,
    /// e.g. `TAR` (target), `MCU`, `RCU`, `ELUN`.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub port_attributes: Vec<String>,
    /// e.g. `AUT`, `16G`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub port_speed: Option<String>,
    /// The loop id (Fibre Channel).
    #[serde(default, deserialize_with = "lenient_text")]
    pub loop_id: Option<String>,
    /// Whether the port is in fabric mode.
    #[serde(default, deserialize_with = "lenient")]
    pub fabric_mode: Option<bool>,
    /// e.g. `PtoP`, `FCAL`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub port_connection: Option<String>,
    /// Whether LUN security (host groups) is on.
    #[serde(default, deserialize_with = "lenient")]
    pub lun_security_setting: Option<bool>,
    /// The port's WWN (Fibre Channel).
    #[serde(default, deserialize_with = "lenient_text")]
    pub wwn: Option<String>,
    /// The IPv4 address (iSCSI).
    #[serde(default, deserialize_with = "lenient_text")]
    pub ipv4_address: Option<String>,
    /// The TCP port (iSCSI).
    #[serde(default, deserialize_with = "lenient_number")]
    pub tcp_port: Option<u16>,
    /// The iSCSI name of the port.
    #[serde(default, deserialize_with = "lenient_text")]
    pub iscsi_name: Option<String>,
    /// e.g. `FC-NVMe` (`detailInfoType=portMode`).
    #[serde(default, deserialize_with = "lenient_text")]
    pub port_mode: Option<String>,
    /// Host logins (`detailInfoType=logins`).
    #[serde(default, deserialize_with = "lenient_vec")]
    pub logins: Vec<PortLogin>,
}

/// The query of `GET ports`. Unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortQuery {
    /// Only ports with this attribute (`portAttributes`, e.g. `TAR`).
    pub port_attributes: Option<String>,
    /// Extra detail (`detailInfoType`: `logins`, `portMode`, `class`).
    pub detail_info_type: Option<String>,
}

impl PortQuery {
    /// Every port.
    pub fn new() -> Self {
        PortQuery::default()
    }

    /// Only ports with this attribute, e.g. `TAR` (target ports, as Cinder asks).
    pub fn attributes(mut self, attribute: &str) -> Self {
        self.port_attributes = Some(attribute.to_owned());
        self
    }

    /// Asks for detail, e.g. `logins`.
    pub fn detail(mut self, detail_info_type: &str) -> Self {
        self.detail_info_type = Some(detail_info_type.to_owned());
        self
    }

    fn apply(&self, mut request: Request) -> Request {
        if let Some(a) = &self.port_attributes {
            request = request.query("portAttributes", a);
        }
        if let Some(d) = &self.detail_info_type {
            request = request.query("detailInfoType", d);
        }
        request
    }
}

/// Checks a port id (e.g. `CL1-A`): it becomes part of object ids and paths, so it must
/// be short printable ASCII without `,`, `/`, spaces and the like.
pub(crate) fn check_port_id(port: &str) -> Result<(), HitachiError> {
    crate::names::check_name("port id", port, 16)
}

/// Ports of a session's storage system (`ports`).
#[derive(Debug, Clone, Copy)]
pub struct Ports<'a> {
    session: &'a Session,
}

impl Session {
    /// Ports.
    pub fn ports(&self) -> Ports<'_> {
        Ports { session: self }
    }
}

impl Ports<'_> {
    fn path(&self, rest: &str) -> String {
        self.session.client().object_path(&format!("/ports{rest}"))
    }

    /// The ports the query matches.
    pub async fn list(&self, query: &PortQuery) -> Result<Vec<Port>, Error> {
        list_data(self.session, query.apply(Request::get(self.path("")))).await
    }

    /// One port.
    pub async fn get(&self, port_id: &str) -> Result<Port, Error> {
        check_port_id(port_id)?;
        self.session
            .get_json(&self.path(&format!("/{port_id}")))
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn port_decodes() {
        let p: Port = serde_json::from_str(r#"{"portId":"CL1-A","portType":"FIBRE","portAttributes":["TAR","MCU"],"portSpeed":"AUT","loopId":"EF","fabricMode":true,"portConnection":"PtoP","lunSecuritySetting":true,"wwn":"50060e8012345600","logins":[{"hostWwn":"10000000c9a1b2c3","isLoggedIn":true}]}"#).unwrap();
        assert_eq!(p.port_id, "CL1-A");
        assert_eq!(p.port_attributes, ["TAR", "MCU"]);
        assert_eq!(p.fabric_mode, Some(true));
        assert_eq!(p.logins[0].host_wwn.as_deref(), Some("10000000c9a1b2c3"));
        let iscsi: Port = serde_json::from_str(r#"{"portId":"CL1-B","portType":"ISCSI","ipv4Address":"192.0.2.9","tcpPort":"3260","portAttributes":"TAR"}"#).unwrap();
        assert_eq!(iscsi.tcp_port, Some(3260));
        assert!(iscsi.port_attributes.is_empty());
    }

    #[test]
    fn query_and_ids() {
        let r = PortQuery::new()
            .attributes("TAR")
            .detail("logins")
            .apply(Request::get("/p"));
        assert_eq!(r.query_string(), "portAttributes=TAR&detailInfoType=logins");
        assert_eq!(
            PortQuery::new().apply(Request::get("/p")).query_string(),
            ""
        );
        check_port_id("CL1-A").unwrap();
        for bad in ["", "CL1 A", "CL1-A,5", "CL1/A", "CL1-A-VERY-LONG-NAME"] {
            assert!(check_port_id(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn paths() {
        let fake = testing::Fake::start([127, 0, 0, 205], |seen| {
            Some(if seen.path.ends_with("/ports") {
                (200, serde_json::json!({"data": [{"portId": "CL1-A"}]}))
            } else {
                (
                    200,
                    serde_json::json!({"portId": "CL1-A", "portType": "FIBRE"}),
                )
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let ports = session.ports();
        assert_eq!(
            ports
                .list(&PortQuery::new().attributes("TAR"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            ports.get("CL1-A").await.unwrap().port_type.as_deref(),
            Some("FIBRE")
        );
        assert!(ports.get("CL1-A/x").await.is_err());
        session.close().await.unwrap();
        let seen = fake.requests();
        assert_eq!(seen.len(), 2);
        assert!(
            seen[0].path.ends_with("/886000410000/ports") && seen[0].query == "portAttributes=TAR"
        );
        assert!(seen[1].path.ends_with("/886000410000/ports/CL1-A"));
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "portId", "portType", "portAttributes", "fabricMode", "wwn", "logins", "hostWwn", "tcpPort",
        ])) {
            let _ = serde_json::from_value::<Port>(v);
        }
    }
}
