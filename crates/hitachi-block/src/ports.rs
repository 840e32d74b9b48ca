//! Ports (Fibre Channel, iSCSI, ...): list, get, change settings.
//!
//! The settings a `PATCH ports/{id}` takes are those the Hitachi Vantara Ansible
//! collection sends and documents (`hv_storage_port`): `portAttribute`, `portMode`,
//! `portSpeed`, `fabricMode` with `portConnection`, and `lunSecuritySetting`; Cinder sends
//! `lunSecuritySetting`. The official reference page for this request is not public.

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, lenient_vec, list_data};
use crate::error::HitachiError;
use crate::jobs::{Change, Job};
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

/// What a Fibre Channel port does (`portAttribute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PortAttribute {
    /// A target port, for hosts (`TAR`).
    #[serde(rename = "TAR")]
    Target,
    /// A bidirectional port: target, initiator and external (`ALL`).
    #[serde(rename = "ALL")]
    Bidirectional,
}

/// The protocol a Fibre Channel port speaks (`portMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PortMode {
    /// NVMe over Fibre Channel (`FC-NVMe`).
    #[serde(rename = "FC-NVMe")]
    FcNvme,
    /// SCSI over Fibre Channel (`FCP-SCSI`).
    #[serde(rename = "FCP-SCSI")]
    FcpScsi,
}

/// A port's transfer speed (`portSpeed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PortSpeed {
    /// Negotiated (`AUT`).
    Auto,
    /// Fixed at this many Gbit/s (`16G`).
    Gbps(u32),
}

/// The speeds a fixed setting may name, in Gbit/s: the Fibre Channel and Ethernet rates
/// of VSP ports. UNKNOWN: the Ansible collection only says "`nG`, where n is a number";
/// the list is the rates VSP port hardware runs at.
pub const PORT_SPEEDS_GBPS: &[u32] = &[1, 2, 4, 8, 10, 16, 25, 32, 64, 100];

impl Serialize for PortSpeed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PortSpeed::Auto => s.serialize_str("AUT"),
            PortSpeed::Gbps(n) => s.serialize_str(&format!("{n}G")),
        }
    }
}

/// A Fibre Channel port's topology (`portConnection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PortConnection {
    /// Point to point (`PtoP`; servers also take `P2P`).
    #[serde(rename = "PtoP")]
    PointToPoint,
    /// Arbitrated loop (`FCAL`).
    #[serde(rename = "FCAL")]
    Loop,
}

/// Whether a port is attached to a fabric switch (`fabricMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FabricMode {
    /// Through a fabric switch.
    Fabric,
    /// Directly (no switch, or a loop).
    Direct,
}

/// Whether LUN security (host groups) is enforced on a port (`lunSecuritySetting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LunSecurity {
    /// Hosts see only the LUNs of their host group.
    Enabled,
    /// Every host sees the LUNs of host group 0.
    Disabled,
}

/// The body of `PATCH ports/{id}`: only the fields set are sent, and at least one must
/// be. The server's rules, as the Ansible collection documents them and [`validate`]
/// checks: the port attribute and the port mode are each changed alone; the fabric mode
/// and the connection are changed together ([`PortSettings::topology`]).
///
/// [`validate`]: PortSettings::validate
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PortSettings {
    /// Target or bidirectional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_attribute: Option<PortAttribute>,
    /// FC-NVMe or FCP-SCSI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_mode: Option<PortMode>,
    /// The transfer speed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_speed: Option<PortSpeed>,
    /// Fabric switch or direct (sent as `true`/`false`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "fabric_mode_value"
    )]
    pub fabric_mode: Option<FabricMode>,
    /// The topology.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_connection: Option<PortConnection>,
    /// LUN security (sent as `true`/`false`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "lun_security_value"
    )]
    pub lun_security_setting: Option<LunSecurity>,
}

fn fabric_mode_value<S: serde::Serializer>(
    v: &Option<FabricMode>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(m) => s.serialize_bool(*m == FabricMode::Fabric),
        None => s.serialize_none(),
    }
}

fn lun_security_value<S: serde::Serializer>(
    v: &Option<LunSecurity>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(m) => s.serialize_bool(*m == LunSecurity::Enabled),
        None => s.serialize_none(),
    }
}

impl PortSettings {
    /// No change yet: add one with the methods below.
    pub fn new() -> Self {
        PortSettings::default()
    }

    /// Makes the port a target or a bidirectional port (alone in its request).
    pub fn attribute(mut self, attribute: PortAttribute) -> Self {
        self.port_attribute = Some(attribute);
        self
    }

    /// Switches the port between FC-NVMe and FCP-SCSI (alone in its request).
    pub fn mode(mut self, mode: PortMode) -> Self {
        self.port_mode = Some(mode);
        self
    }

    /// Sets the transfer speed.
    pub fn speed(mut self, speed: PortSpeed) -> Self {
        self.port_speed = Some(speed);
        self
    }

    /// Sets the fabric mode and the topology, which the server takes only together.
    pub fn topology(mut self, fabric: FabricMode, connection: PortConnection) -> Self {
        self.fabric_mode = Some(fabric);
        self.port_connection = Some(connection);
        self
    }

    /// Turns LUN security on or off.
    pub fn lun_security(mut self, security: LunSecurity) -> Self {
        self.lun_security_setting = Some(security);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        let invalid = |reason: String| HitachiError::InvalidInput {
            what: "port settings",
            reason,
        };
        let others = [
            self.port_speed.is_some(),
            self.fabric_mode.is_some(),
            self.port_connection.is_some(),
            self.lun_security_setting.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count();
        match (self.port_attribute, self.port_mode, others) {
            (None, None, 0) => return Err(invalid("nothing to change".to_owned())),
            (Some(_), Some(_), _) | (Some(_), _, 1..) | (_, Some(_), 1..) => {
                return Err(invalid(
                    "the port attribute and the port mode are each changed alone".to_owned(),
                ));
            }
            _ => {}
        }
        if self.fabric_mode.is_some() != self.port_connection.is_some() {
            return Err(invalid(
                "the fabric mode and the connection are changed together".to_owned(),
            ));
        }
        if let Some(PortSpeed::Gbps(n)) = self.port_speed
            && !PORT_SPEEDS_GBPS.contains(&n)
        {
            return Err(invalid(format!(
                "{n} Gbit/s is not a port speed ({PORT_SPEEDS_GBPS:?})"
            )));
        }
        Ok(())
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

    /// Changes a port's settings (`PATCH ports/{id}` with the fields set in `settings`).
    pub fn change(&self, port_id: &str, settings: &PortSettings) -> Change<Job> {
        Change::checked(
            self.session,
            check_port_id(port_id).and_then(|()| settings.validate()),
            Method::PATCH,
            self.path(&format!("/{port_id}")),
            Some(settings),
        )
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

    #[test]
    fn settings_bodies() {
        let body = |s: &PortSettings| serde_json::to_value(s).unwrap();
        let topology = PortSettings::new()
            .speed(PortSpeed::Gbps(16))
            .topology(FabricMode::Fabric, PortConnection::PointToPoint)
            .lun_security(LunSecurity::Disabled);
        topology.validate().unwrap();
        assert_eq!(
            body(&topology),
            serde_json::json!({"portSpeed": "16G", "fabricMode": true,
                "portConnection": "PtoP", "lunSecuritySetting": false})
        );
        let lp = PortSettings::new()
            .speed(PortSpeed::Auto)
            .topology(FabricMode::Direct, PortConnection::Loop);
        assert_eq!(
            body(&lp),
            serde_json::json!({"portSpeed": "AUT", "fabricMode": false, "portConnection": "FCAL"})
        );
        let attr = PortSettings::new().attribute(PortAttribute::Bidirectional);
        attr.validate().unwrap();
        assert_eq!(body(&attr), serde_json::json!({"portAttribute": "ALL"}));
        let mode = PortSettings::new().mode(PortMode::FcNvme);
        mode.validate().unwrap();
        assert_eq!(body(&mode), serde_json::json!({"portMode": "FC-NVMe"}));
        assert_eq!(
            body(&PortSettings::new().lun_security(LunSecurity::Enabled)),
            serde_json::json!({"lunSecuritySetting": true})
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        let half = PortSettings {
            fabric_mode: Some(FabricMode::Fabric),
            ..PortSettings::default()
        };
        let other_half = PortSettings {
            port_connection: Some(PortConnection::Loop),
            ..PortSettings::default()
        };
        for bad in [
            PortSettings::new(),
            PortSettings::new()
                .attribute(PortAttribute::Target)
                .mode(PortMode::FcpScsi),
            PortSettings::new()
                .attribute(PortAttribute::Target)
                .lun_security(LunSecurity::Enabled),
            PortSettings::new()
                .mode(PortMode::FcNvme)
                .speed(PortSpeed::Auto),
            PortSettings::new().speed(PortSpeed::Gbps(3)),
            PortSettings::new().speed(PortSpeed::Gbps(0)),
            half,
            other_half,
        ] {
            assert!(
                matches!(bad.validate(), Err(HitachiError::InvalidInput { .. })),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_change_is_a_patch_job() {
        let fake = testing::Fake::start([127, 0, 17, 5], |seen| {
            (seen.method == "PATCH").then(|| (202, testing::job(testing::rel(&seen.path))))
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let job = session
            .ports()
            .change("CL1-A", &PortSettings::new().speed(PortSpeed::Gbps(32)))
            .await
            .unwrap();
        assert_eq!(job.first_resource_id(), Some("CL1-A"));
        assert!(
            session
                .ports()
                .change("CL1-A/x", &PortSettings::new().speed(PortSpeed::Auto))
                .await
                .is_err()
        );
        assert!(
            session
                .ports()
                .change("CL1-A", &PortSettings::new())
                .await
                .is_err()
        );
        session.close().await.unwrap();
        let seen = fake.requests();
        assert_eq!(seen.len(), 1, "refused changes are not sent");
        assert_eq!(seen[0].method, "PATCH");
        assert!(seen[0].path.ends_with("/886000410000/ports/CL1-A"));
        assert_eq!(
            seen[0]
                .headers
                .get("response-job-status")
                .and_then(|v| v.to_str().ok()),
            Some("Completed")
        );
    }

    proptest! {
        #[test]
        fn speeds_serialise_as_the_api_writes_them(n in any::<u32>()) {
            let settings = PortSettings::new().speed(PortSpeed::Gbps(n));
            let body = serde_json::to_value(&settings).unwrap();
            let want = format!("{n}G");
            prop_assert_eq!(body["portSpeed"].as_str(), Some(want.as_str()));
            prop_assert_eq!(settings.validate().is_ok(), PORT_SPEEDS_GBPS.contains(&n));
        }

        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "portId", "portType", "portAttributes", "fabricMode", "wwn", "logins", "hostWwn", "tcpPort",
        ])) {
            let _ = serde_json::from_value::<Port>(v);
        }
    }
}
