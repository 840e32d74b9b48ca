//! Host groups (`host-groups`) and the host WWNs registered in them (`host-wwns`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient_number, lenient_text, lenient_vec, list_data};
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job};
use crate::names::check_name;
use crate::ports::check_port_id;
use crate::session::Session;

/// The largest host group number (0 is the port's default group).
pub const MAX_HOST_GROUP_NUMBER: u32 = 254;

/// A host group id: `portId,hostGroupNumber`, e.g. `CL1-A,5`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostGroupId {
    /// The port, e.g. `CL1-A`.
    pub port: String,
    /// The host group number on that port.
    pub number: u32,
}

impl HostGroupId {
    /// The id of host group `number` on `port`.
    pub fn new(port: &str, number: u32) -> Self {
        HostGroupId {
            port: port.to_owned(),
            number,
        }
    }

    /// Checks the port syntax and the number range.
    pub(crate) fn validate(&self) -> Result<(), HitachiError> {
        check_port_id(&self.port)?;
        check_host_group_number(self.number)
    }
}

impl fmt::Display for HostGroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.port, self.number)
    }
}

impl FromStr for HostGroupId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let fail = || HitachiError::InvalidInput {
            what: "host group id",
            reason: format!("{s:?} is not port,number"),
        };
        let [port, number] = crate::checks::split_id::<2>("host group id", "port,number", s)?;
        let id = HostGroupId {
            port: port.to_owned(),
            number: parse_number(number).ok_or_else(fail)?,
        };
        id.validate().map_err(|_| fail())?;
        Ok(id)
    }
}

/// A decimal number without sign or padding surprises (`u32::from_str` accepts `+5`).
pub(crate) fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn check_host_group_number(n: u32) -> Result<(), HitachiError> {
    if n > MAX_HOST_GROUP_NUMBER {
        return Err(HitachiError::InvalidInput {
            what: "host group number",
            reason: format!("{n} is above {MAX_HOST_GROUP_NUMBER}"),
        });
    }
    Ok(())
}

/// A host group as `GET host-groups[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HostGroup {
    /// The id as the server writes it, e.g. `CL1-A,5`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_group_id: Option<String>,
    /// The port.
    pub port_id: String,
    /// The number on the port.
    pub host_group_number: u32,
    /// The name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_group_name: Option<String>,
    /// The host mode, e.g. `LINUX/IRIX`, `VMWARE_EX`, `WIN_EX`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_mode: Option<String>,
    /// Host mode options (numbers).
    #[serde(default, deserialize_with = "lenient_vec")]
    pub host_mode_options: Vec<u32>,
    /// The resource group.
    #[serde(default, deserialize_with = "lenient_number")]
    pub resource_group_id: Option<u32>,
}

impl HostGroup {
    /// The typed id.
    pub fn id(&self) -> HostGroupId {
        HostGroupId::new(&self.port_id, self.host_group_number)
    }
}

/// The body of `POST host-groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateHostGroup {
    /// The port.
    pub port_id: String,
    /// The name (1-64 characters).
    pub host_group_name: String,
    /// The number (1-254); without it the server picks a free one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_group_number: Option<u32>,
}

impl CreateHostGroup {
    /// A host group named `name` on `port`, numbered by the server.
    pub fn new(port: &str, name: &str) -> Self {
        CreateHostGroup {
            port_id: port.to_owned(),
            host_group_name: name.to_owned(),
            host_group_number: None,
        }
    }

    /// Uses this number.
    pub fn number(mut self, number: u32) -> Self {
        self.host_group_number = Some(number);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        check_port_id(&self.port_id)?;
        check_name("host group name", &self.host_group_name, 64)?;
        if let Some(n) = self.host_group_number {
            check_host_group_number(n)?;
            if n == 0 {
                return Err(HitachiError::InvalidInput {
                    what: "host group number",
                    reason: "0 is the port's default group, which always exists".into(),
                });
            }
        }
        Ok(())
    }
}

/// The body of `PUT host-groups/{id}` that sets the host mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HostModeChange {
    /// The host mode, e.g. `LINUX/IRIX`, `VMWARE_EX`, `WIN_EX`.
    pub host_mode: String,
    /// The host mode options; unset leaves them as they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_mode_options: Option<Vec<u32>>,
}

impl HostModeChange {
    /// Sets the host mode only.
    pub fn new(host_mode: &str) -> Self {
        HostModeChange {
            host_mode: host_mode.to_owned(),
            host_mode_options: None,
        }
    }

    /// Also sets the host mode options.
    pub fn options(mut self, options: impl IntoIterator<Item = u32>) -> Self {
        self.host_mode_options = Some(options.into_iter().collect());
        self
    }

    fn validate(&self) -> Result<(), HitachiError> {
        if self.host_mode.is_empty() || !self.host_mode.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(HitachiError::InvalidInput {
                what: "host mode",
                reason: format!("{:?} is not a host mode like LINUX/IRIX", self.host_mode),
            });
        }
        Ok(())
    }
}

/// Host groups of a session's storage system (`host-groups`).
#[derive(Debug, Clone, Copy)]
pub struct HostGroups<'a> {
    session: &'a Session,
}

impl Session {
    /// Host groups.
    pub fn host_groups(&self) -> HostGroups<'_> {
        HostGroups { session: self }
    }

    /// Host WWNs (the Fibre Channel initiators registered in host groups).
    pub fn host_wwns(&self) -> HostWwns<'_> {
        HostWwns { session: self }
    }
}

impl HostGroups<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/host-groups{rest}"))
    }

    /// The host groups of a port.
    pub async fn list(&self, port_id: &str) -> Result<Vec<HostGroup>, Error> {
        check_port_id(port_id)?;
        list_data(
            self.session,
            Request::get(self.path("")).query("portId", port_id),
        )
        .await
    }

    /// One host group.
    pub async fn get(&self, id: &HostGroupId) -> Result<HostGroup, Error> {
        id.validate()?;
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    /// Creates a host group; the change's result is its job.
    pub fn create_job(&self, spec: &CreateHostGroup) -> Change<Job> {
        Change::checked(
            self.session,
            spec.validate(),
            Method::POST,
            self.path(""),
            Some(spec),
        )
    }

    /// Creates a host group; the change's result is its id, as the job's
    /// `affectedResources` names it ([`HitachiError::NoAffectedResource`] when it names
    /// none, even when the request gave the number).
    pub fn create(&self, spec: &CreateHostGroup) -> Change<HostGroupId> {
        self.create_job(spec).created("host group", |r| match r {
            AffectedResource::HostGroup(id) => Some(id),
            _ => None,
        })
    }

    /// Deletes a host group (with its WWNs and LUN paths).
    pub fn delete(&self, id: &HostGroupId) -> Change<Job> {
        Change::checked::<()>(
            self.session,
            id.validate(),
            Method::DELETE,
            self.path(&format!("/{id}")),
            None,
        )
    }

    /// Sets the host mode (and options): `PUT host-groups/{id}` with
    /// `{"hostMode": ..., "hostModeOptions": [...]}`.
    pub fn set_host_mode(&self, id: &HostGroupId, change: &HostModeChange) -> Change<Job> {
        Change::checked(
            self.session,
            id.validate().and_then(|()| change.validate()),
            Method::PUT,
            self.path(&format!("/{id}")),
            Some(change),
        )
    }
}

/// A host WWN id: `portId,hostGroupNumber,hostWwn`, e.g. `CL1-A,5,10000000c9a1b2c3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostWwnId {
    /// The port.
    pub port: String,
    /// The host group number.
    pub host_group_number: u32,
    /// The WWN: 16 lower-case hexadecimal digits.
    pub wwn: String,
}

impl HostWwnId {
    /// The id of `wwn` in a host group; checks and normalises the WWN.
    pub fn new(host_group: &HostGroupId, wwn: &str) -> Result<Self, HitachiError> {
        Ok(HostWwnId {
            port: host_group.port.clone(),
            host_group_number: host_group.number,
            wwn: normalize_wwn(wwn)?,
        })
    }

    /// The host group the WWN is registered in.
    pub fn host_group(&self) -> HostGroupId {
        HostGroupId::new(&self.port, self.host_group_number)
    }
}

impl fmt::Display for HostWwnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.port, self.host_group_number, self.wwn)
    }
}

impl FromStr for HostWwnId {
    type Err = HitachiError;

    fn from_str(s: &str) -> Result<Self, HitachiError> {
        let fail = || HitachiError::InvalidInput {
            what: "host WWN id",
            reason: format!("{s:?} is not port,number,wwn"),
        };
        let [port, number, wwn] =
            crate::checks::split_id::<3>("host WWN id", "port,number,wwn", s)?;
        let group = HostGroupId {
            port: port.to_owned(),
            number: parse_number(number).ok_or_else(fail)?,
        };
        group.validate().map_err(|_| fail())?;
        HostWwnId::new(&group, wwn).map_err(|_| fail())
    }
}

/// Checks a WWN (16 hexadecimal digits, no separators) and returns it in lower case, as
/// the storage system reports WWNs.
pub fn normalize_wwn(wwn: &str) -> Result<String, HitachiError> {
    if wwn.len() == 16 && wwn.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(wwn.to_ascii_lowercase())
    } else {
        Err(HitachiError::InvalidInput {
            what: "WWN",
            reason: format!("{wwn:?} is not 16 hexadecimal digits"),
        })
    }
}

/// A host WWN as `GET host-wwns[/{id}]` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HostWwn {
    /// The id as the server writes it.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_wwn_id: Option<String>,
    /// The port.
    pub port_id: String,
    /// The host group number.
    pub host_group_number: u32,
    /// The host group name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_group_name: Option<String>,
    /// The WWN.
    pub host_wwn: String,
    /// The WWN's nickname.
    #[serde(default, deserialize_with = "lenient_text")]
    pub wwn_nickname: Option<String>,
}

/// The body of `POST host-wwns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct AddHostWwn<'a> {
    host_wwn: &'a str,
    port_id: &'a str,
    host_group_number: u32,
}

/// Host WWNs of a session's storage system (`host-wwns`).
#[derive(Debug, Clone, Copy)]
pub struct HostWwns<'a> {
    session: &'a Session,
}

impl HostWwns<'_> {
    fn path(&self, rest: &str) -> String {
        self.session
            .client()
            .object_path(&format!("/host-wwns{rest}"))
    }

    /// The WWNs registered in a host group.
    pub async fn list(&self, host_group: &HostGroupId) -> Result<Vec<HostWwn>, Error> {
        host_group.validate()?;
        let request = Request::get(self.path(""))
            .query("portId", &host_group.port)
            .query("hostGroupNumber", &host_group.number.to_string());
        list_data(self.session, request).await
    }

    /// Registers a WWN in a host group; the change's result is its id, as the job's
    /// `affectedResources` names it ([`HitachiError::NoAffectedResource`] when it names
    /// none).
    pub fn add(&self, host_group: &HostGroupId, wwn: &str) -> Change<HostWwnId> {
        Change::build(self.session, || {
            host_group.validate()?;
            let id = HostWwnId::new(host_group, wwn)?;
            let body = AddHostWwn {
                host_wwn: &id.wwn,
                port_id: &id.port,
                host_group_number: id.host_group_number,
            };
            Ok(
                Change::json(self.session, Method::POST, self.path(""), Some(&body)).created(
                    "host WWN",
                    |r| match r {
                        AffectedResource::HostWwn(id) => Some(id),
                        _ => None,
                    },
                ),
            )
        })
    }

    /// Removes a WWN from its host group.
    pub fn remove(&self, id: &HostWwnId) -> Change<Job> {
        Change::checked::<()>(
            self.session,
            id.host_group()
                .validate()
                .and_then(|()| normalize_wwn(&id.wwn).map(drop)),
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
    fn bodies() {
        assert_eq!(
            serde_json::to_value(CreateHostGroup::new("CL1-A", "HBSD-10000000c9a1b2c3")).unwrap(),
            serde_json::json!({"portId":"CL1-A","hostGroupName":"HBSD-10000000c9a1b2c3"})
        );
        assert_eq!(
            serde_json::to_value(CreateHostGroup::new("CL1-A", "hg").number(5)).unwrap(),
            serde_json::json!({"portId":"CL1-A","hostGroupName":"hg","hostGroupNumber":5})
        );
        assert_eq!(
            serde_json::to_value(HostModeChange::new("LINUX/IRIX").options([2, 22])).unwrap(),
            serde_json::json!({"hostMode":"LINUX/IRIX","hostModeOptions":[2,22]})
        );
        assert_eq!(
            serde_json::to_value(HostModeChange::new("VMWARE_EX")).unwrap(),
            serde_json::json!({"hostMode":"VMWARE_EX"})
        );
        let body = AddHostWwn {
            host_wwn: "10000000c9a1b2c3",
            port_id: "CL1-A",
            host_group_number: 5,
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({"hostWwn":"10000000c9a1b2c3","portId":"CL1-A","hostGroupNumber":5})
        );
    }

    #[test]
    fn validation() {
        CreateHostGroup::new("CL1-A", "hg")
            .number(254)
            .validate()
            .unwrap();
        assert!(
            CreateHostGroup::new("CL1-A", "hg")
                .number(0)
                .validate()
                .is_err()
        );
        assert!(
            CreateHostGroup::new("CL1-A", "hg")
                .number(255)
                .validate()
                .is_err()
        );
        assert!(CreateHostGroup::new("CL1-A", "").validate().is_err());
        assert!(
            CreateHostGroup::new("CL1-A", &"h".repeat(65))
                .validate()
                .is_err()
        );
        assert!(CreateHostGroup::new("CL1,A", "hg").validate().is_err());
        assert!(HostModeChange::new("").validate().is_err());
        assert!(HostModeChange::new("LINUX IRIX").validate().is_err());
        assert_eq!(
            normalize_wwn("10000000C9A1B2C3").unwrap(),
            "10000000c9a1b2c3"
        );
        for bad in [
            "10000000c9a1b2c",
            "10000000c9a1b2c3f",
            "10:00:00:00:c9:a1:b2:c3",
            "1000000gc9a1b2c3",
            "",
        ] {
            assert!(normalize_wwn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids() {
        let hg: HostGroupId = "CL1-A,5".parse().unwrap();
        assert_eq!(hg, HostGroupId::new("CL1-A", 5));
        assert_eq!(hg.to_string(), "CL1-A,5");
        for bad in [
            "CL1-A",
            "CL1-A,",
            ",5",
            "CL1-A,+5",
            "CL1-A,5,6",
            "CL1-A,255",
            "CL 1,5",
        ] {
            assert!(bad.parse::<HostGroupId>().is_err(), "{bad}");
        }
        let w: HostWwnId = "CL1-A,5,10000000C9A1B2C3".parse().unwrap();
        assert_eq!(w.to_string(), "CL1-A,5,10000000c9a1b2c3");
        assert_eq!(w.host_group(), hg);
        assert!("CL1-A,5".parse::<HostWwnId>().is_err());
        assert!("CL1-A,5,xyz".parse::<HostWwnId>().is_err());
    }

    #[test]
    fn decoding() {
        let g: HostGroup = serde_json::from_str(r#"{"hostGroupId":"CL1-A,5","portId":"CL1-A","hostGroupNumber":5,"hostGroupName":"hg","hostMode":"LINUX/IRIX","hostModeOptions":[2,22],"resourceGroupId":0}"#).unwrap();
        assert_eq!(g.id().to_string(), "CL1-A,5");
        assert_eq!(g.host_mode_options, [2, 22]);
        let w: HostWwn = serde_json::from_str(r#"{"hostWwnId":"CL1-A,5,10000000c9a1b2c3","portId":"CL1-A","hostGroupNumber":5,"hostGroupName":"hg","hostWwn":"10000000c9a1b2c3","wwnNickname":null}"#).unwrap();
        assert_eq!(w.host_wwn, "10000000c9a1b2c3");
        assert_eq!(w.wwn_nickname, None);
    }

    #[tokio::test]
    async fn wire() {
        let fake = testing::Fake::start([127, 0, 0, 206], |seen| {
            let p = testing::rel(&seen.path).to_owned();
            match (seen.method.as_str(), p.as_str()) {
                ("POST", "/host-groups") => Some((202, testing::job("/host-groups/CL1-A,7"))),
                ("GET", "/host-groups") => Some((
                    200,
                    serde_json::json!({"data": [{"portId": "CL1-A", "hostGroupNumber": 7}]}),
                )),
                ("PUT" | "DELETE", "/host-groups/CL1-A,7") => {
                    Some((202, testing::job("/host-groups/CL1-A,7")))
                }
                ("POST", "/host-wwns") => {
                    Some((202, testing::job("/host-wwns/CL1-A,7,10000000c9a1b2c3")))
                }
                ("GET", "/host-wwns") => Some((200, serde_json::json!({"data": []}))),
                ("DELETE", "/host-wwns/CL1-A,7,10000000c9a1b2c3") => {
                    Some((202, testing::job("/host-wwns/CL1-A,7,10000000c9a1b2c3")))
                }
                _ => None,
            }
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let groups = session.host_groups();
        let id = groups
            .create(&CreateHostGroup::new("CL1-A", "hg"))
            .await
            .unwrap();
        assert_eq!(id, HostGroupId::new("CL1-A", 7));
        assert_eq!(groups.list("CL1-A").await.unwrap()[0].id(), id);
        groups
            .set_host_mode(&id, &HostModeChange::new("LINUX/IRIX"))
            .await
            .unwrap();
        let wwns = session.host_wwns();
        let w = wwns.add(&id, "10000000C9A1B2C3").await.unwrap();
        assert_eq!(w.to_string(), "CL1-A,7,10000000c9a1b2c3");
        assert!(wwns.list(&id).await.unwrap().is_empty());
        wwns.remove(&w).await.unwrap();
        groups.delete(&id).await.unwrap();
        assert!(wwns.add(&id, "nope").await.is_err());
        session.close().await.unwrap();
        let seen: Vec<String> = fake
            .requests()
            .into_iter()
            .map(|s| format!("{} {}?{}", s.method, testing::rel(&s.path), s.query))
            .collect();
        assert_eq!(
            seen,
            [
                "POST /host-groups?",
                "GET /host-groups?portId=CL1-A",
                "PUT /host-groups/CL1-A,7?",
                "POST /host-wwns?",
                "GET /host-wwns?portId=CL1-A&hostGroupNumber=7",
                "DELETE /host-wwns/CL1-A,7,10000000c9a1b2c3?",
                "DELETE /host-groups/CL1-A,7?",
            ]
        );
    }

    proptest! {
        #[test]
        fn host_group_ids_round_trip(port in "[A-Z]{2}[0-9]{1,2}-[A-Z]{1,2}", number in 0u32..=254) {
            let id = HostGroupId::new(&port, number);
            prop_assert_eq!(id.to_string().parse::<HostGroupId>().unwrap(), id);
        }

        #[test]
        fn host_wwn_ids_round_trip(port in "[A-Z]{2}[0-9]{1,2}-[A-Z]{1,2}", number in 0u32..=254, wwn in "[0-9a-f]{16}") {
            let id = HostWwnId::new(&HostGroupId::new(&port, number), &wwn).unwrap();
            prop_assert_eq!(id.to_string().parse::<HostWwnId>().unwrap(), id);
        }

        #[test]
        fn id_parsing_never_panics(s in ".{0,40}") {
            let _ = s.parse::<HostGroupId>();
            let _ = s.parse::<HostWwnId>();
        }

        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "hostGroupId", "portId", "hostGroupNumber", "hostGroupName", "hostMode",
            "hostModeOptions", "hostWwn", "wwnNickname",
        ])) {
            let _ = serde_json::from_value::<HostGroup>(v.clone());
            let _ = serde_json::from_value::<HostWwn>(v);
        }
    }
}
