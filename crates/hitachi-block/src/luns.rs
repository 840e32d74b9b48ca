//! LUN paths (`luns`): an LDEV mapped to a host group under a LUN.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_text, lenient_vec, list_data};
use crate::error::HitachiError;
use crate::host_groups::{HostGroupId, parse_number};
use crate::jobs::{AffectedResource, Change, Job};
use crate::ldevs::{LdevId, check_ldev_id};
use crate::session::Session;

/// The largest LUN in a host group.
pub const MAX_LUN: u32 = 2047;

/// A LUN id: `portId,hostGroupNumber,lun`, e.g. `CL1-A,5,3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LunId {
    /// The port.
    pub port: String,
    /// The host group number.
    pub host_group_number: u32,
    /// The LUN.
    pub lun: u32,
}

impl LunId {
    /// LUN `lun` of a host group.
    pub fn new(host_group: &HostGroupId, lun: u32) -> Self {
        LunId {
            port: host_group.port.clone(),
            host_group_number: host_group.number,
            lun,
        }
    }

    /// The host group of the LUN.
    pub fn host_group(&self) -> HostGroupId {
        HostGroupId::new(&self.port, self.host_group_number)
    }

    fn validate(&self) -> Result<(), HitachiError> {
        self.host_group().validate()?;
        check_lun(self.lun)
    }
}

impl fmt::Display for LunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.port, self.host_group_number, self.lun)
    }
}

impl FromStr for LunId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let fail = || HitachiError::InvalidInput {
            what: "LUN id",
            reason: format!("{s:?} is not port,number,lun"),
        };
        let [port, number, lun] = crate::checks::split_id::<3>("LUN id", "port,number,lun", s)?;
        let group = HostGroupId {
            port: port.to_owned(),
            number: parse_number(number).ok_or_else(fail)?,
        };
        let id = LunId::new(&group, parse_number(lun).ok_or_else(fail)?);
        id.validate().map_err(|_| fail())?;
        Ok(id)
    }
}

fn check_lun(lun: u32) -> Result<(), HitachiError> {
    if lun > MAX_LUN {
        return Err(HitachiError::InvalidInput {
            what: "LUN",
            reason: format!("{lun} is above {MAX_LUN}"),
        });
    }
    Ok(())
}

/// A LUN path as `GET luns[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Lun {
    /// The id as the server writes it, e.g. `CL1-A,5,3`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub lun_id: Option<String>,
    /// The port.
    pub port_id: String,
    /// The host group number.
    pub host_group_number: u32,
    /// The LUN.
    pub lun: u32,
    /// The LDEV behind it.
    pub ldev_id: LdevId,
    /// The host group's host mode.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_mode: Option<String>,
    /// The host group's host mode options.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub host_mode_options: Vec<u32>,
    /// Whether the LDEV is a command device.
    #[serde(default, deserialize_with = "lenient")]
    pub is_command_device: Option<bool>,
}

impl Lun {
    /// The typed id.
    pub fn id(&self) -> LunId {
        LunId {
            port: self.port_id.clone(),
            host_group_number: self.host_group_number,
            lun: self.lun,
        }
    }
}

/// The body of `POST luns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MapLun {
    /// The port.
    pub port_id: String,
    /// The host group number.
    pub host_group_number: u32,
    /// The LDEV to map.
    pub ldev_id: LdevId,
    /// The LUN (0-2047); without it the server picks the lowest free one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lun: Option<u32>,
}

impl MapLun {
    /// Maps `ldev` into a host group under a LUN the server picks.
    pub fn new(host_group: &HostGroupId, ldev: impl Into<LdevId>) -> Self {
        MapLun {
            port_id: host_group.port.clone(),
            host_group_number: host_group.number,
            ldev_id: ldev.into(),
            lun: None,
        }
    }

    /// Uses this LUN.
    pub fn lun(mut self, lun: u32) -> Self {
        self.lun = Some(lun);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        HostGroupId::new(&self.port_id, self.host_group_number).validate()?;
        check_ldev_id(self.ldev_id)?;
        if let Some(l) = self.lun {
            check_lun(l)?;
        }
        Ok(())
    }
}

/// LUN paths of a session's storage system (`luns`).
#[derive(Debug, Clone, Copy)]
pub struct Luns<'a> {
    session: &'a Session,
}

impl Session {
    /// LUN paths.
    pub fn luns(&self) -> Luns<'_> {
        Luns { session: self }
    }
}

impl Luns<'_> {
    fn path(&self, rest: &str) -> String {
        self.session.client().object_path(&format!("/luns{rest}"))
    }

    /// The LUNs of a host group.
    pub async fn list(&self, host_group: &HostGroupId) -> Result<Vec<Lun>, Error> {
        host_group.validate()?;
        let request = Request::get(self.path(""))
            .query("portId", &host_group.port)
            .query("hostGroupNumber", &host_group.number.to_string());
        list_data(self.session, request).await
    }

    /// One LUN.
    pub async fn get(&self, id: &LunId) -> Result<Lun, Error> {
        id.validate()?;
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    /// Maps an LDEV; the change's result is its job.
    pub fn map_job(&self, spec: &MapLun) -> Change<Job> {
        Change::checked(
            self.session,
            spec.validate(),
            Method::POST,
            self.path(""),
            Some(spec),
        )
    }

    /// Maps an LDEV; the change's result is the LUN's id, as the job's
    /// `affectedResources` names it ([`HitachiError::NoAffectedResource`] when it names
    /// none, even when the request gave the LUN number).
    pub fn map(&self, spec: &MapLun) -> Change<LunId> {
        self.map_job(spec).created("LUN", |r| match r {
            AffectedResource::Lun(id) => Some(id),
            _ => None,
        })
    }

    /// Removes a LUN path (the LDEV stays).
    pub fn unmap(&self, id: &LunId) -> Change<Job> {
        Change::checked::<()>(
            self.session,
            id.validate(),
            Method::DELETE,
            self.path(&format!("/{id}")),
            None,
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
    fn bodies_and_validation() {
        let hg = HostGroupId::new("CL1-A", 5);
        assert_eq!(
            serde_json::to_value(MapLun::new(&hg, 347)).unwrap(),
            serde_json::json!({"portId":"CL1-A","hostGroupNumber":5,"ldevId":347})
        );
        assert_eq!(
            serde_json::to_value(MapLun::new(&hg, 347).lun(3)).unwrap(),
            serde_json::json!({"portId":"CL1-A","hostGroupNumber":5,"ldevId":347,"lun":3})
        );
        MapLun::new(&hg, 347).lun(2047).validate().unwrap();
        assert!(MapLun::new(&hg, 347).lun(2048).validate().is_err());
        assert!(MapLun::new(&hg, 65536).validate().is_err());
        assert!(
            MapLun::new(&HostGroupId::new("CL1-A", 300), 1)
                .validate()
                .is_err()
        );
        assert!(
            MapLun::new(&HostGroupId::new("CL1,A", 3), 1)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn ids() {
        let id: LunId = "CL1-A,5,3".parse().unwrap();
        assert_eq!(id, LunId::new(&HostGroupId::new("CL1-A", 5), 3));
        assert_eq!(id.to_string(), "CL1-A,5,3");
        assert_eq!(id.host_group().to_string(), "CL1-A,5");
        for bad in [
            "CL1-A,5",
            "CL1-A,5,",
            "CL1-A,5,2048",
            "CL1-A,x,3",
            ",5,3",
            "CL1-A,5,3,1",
        ] {
            assert!(bad.parse::<LunId>().is_err(), "{bad}");
        }
        let l: Lun = serde_json::from_str(r#"{"lunId":"CL1-A,5,3","portId":"CL1-A","hostGroupNumber":5,"hostMode":"LINUX/IRIX","lun":3,"ldevId":347,"isCommandDevice":false,"luHostReserve":{"openSystem":false}}"#).unwrap();
        assert_eq!(l.id(), id);
        assert_eq!(l.ldev_id, 347);
    }

    #[tokio::test]
    async fn wire() {
        let fake = testing::Fake::start([127, 0, 0, 207], |seen| match seen.method.as_str() {
            "POST" | "DELETE" => Some((202, testing::job("/luns/CL1-A,5,3"))),
            "GET" => Some((200, serde_json::json!({"data": [{"portId": "CL1-A", "hostGroupNumber": 5, "lun": 3, "ldevId": 347}]}))),
            _ => None,
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let luns = session.luns();
        let hg = HostGroupId::new("CL1-A", 5);
        let id = luns.map(&MapLun::new(&hg, 347)).await.unwrap();
        assert_eq!(id.to_string(), "CL1-A,5,3");
        assert_eq!(luns.list(&hg).await.unwrap()[0].id(), id);
        luns.unmap(&id).await.unwrap();
        session.close().await.unwrap();
        let seen: Vec<String> = fake
            .requests()
            .into_iter()
            .map(|s| format!("{} {}?{}", s.method, testing::rel(&s.path), s.query))
            .collect();
        assert_eq!(
            seen,
            [
                "POST /luns?",
                "GET /luns?portId=CL1-A&hostGroupNumber=5",
                "DELETE /luns/CL1-A,5,3?"
            ]
        );
    }

    proptest! {
        #[test]
        fn ids_round_trip(port in "[A-Z]{2}[0-9]{1,2}-[A-Z]{1,2}", number in 0u32..=254, lun in 0u32..=2047) {
            let id = LunId::new(&HostGroupId::new(&port, number), lun);
            prop_assert_eq!(id.to_string().parse::<LunId>().unwrap(), id);
        }

        #[test]
        fn id_parsing_never_panics(s in ".{0,40}") {
            let _ = s.parse::<LunId>();
        }

        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "lunId", "portId", "hostGroupNumber", "lun", "ldevId", "hostMode", "hostModeOptions",
        ])) {
            let _ = serde_json::from_value::<Lun>(v);
        }
    }
}
