//! VRG status, service networks and VM DR status (§3.4, §3.5, §3.6, §3.8.4).

use serde_json::Value;

use crate::error::VrgError;
use crate::lenient::{Fields, int_of, items_of, object, parse_body, require_body, wrong_shape};
use crate::model::enums::{Capacity, DrStatus, MISSING, NetType, VrgHealth};

/// `GET /vrgstatus` (§3.4). A field that is missing or not a number reads as
/// `Unknown(MISSING)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VrgStatus {
    /// `status`: normal or abnormal (the sample sends it as a string; both are read).
    pub status: VrgHealth,
    /// `availableCapacity`: remaining cache capacity.
    pub available: Capacity,
    /// `totalCapacity`: total cache capacity.
    pub total: Capacity,
}

/// Decodes `GET /vrgstatus`:
/// `{"status":1,"availableCapacity":…,"totalCapacity":…}`.
pub fn decode_status(body: &[u8]) -> Result<VrgStatus, VrgError> {
    const WHAT: &str = "GET /vrgstatus";
    let value = require_body(body, WHAT)?;
    let mut f = Fields::new(object(&value, WHAT)?);
    Ok(VrgStatus {
        status: VrgHealth::from_number(f.int(&["status"]).unwrap_or(MISSING)),
        available: Capacity::from_number(f.int(&["availableCapacity"]).unwrap_or(MISSING)),
        total: Capacity::from_number(f.int(&["totalCapacity"]).unwrap_or(MISSING)),
    })
}

/// One VRG service network of `GET /netinfos` (§3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInfo {
    /// `type`: management, CNA or peer-VRG network (`Unknown(MISSING)` when absent).
    pub net_type: NetType,
    /// `ip`: the network's IP address, as sent.
    pub ip: Option<String>,
    /// `port`: the network's port.
    pub port: Option<i64>,
    /// `gateway`: in the sample only; networks 1 and 2 have none.
    pub gateway: Option<String>,
    /// `netmask`: in the sample only, without a type (read as text).
    pub netmask: Option<String>,
}

impl NetInfo {
    /// This network's address as a pairing target: the peer-VRG network (type 2) of the
    /// DR VRG is what the production VRG pairs with. `None` when the IP or port is
    /// missing or invalid.
    pub fn peer_address(&self) -> Option<super::PeerAddress> {
        let ip = self.ip.as_deref()?;
        let port = u16::try_from(self.port?).ok()?;
        super::PeerAddress::new(ip, port).ok()
    }
}

/// Decodes `GET /netinfos`: `{"netInfos":[{"type":0,"ip":…,"port":…}]}`.
///
/// The key is also read as the sample's `netinfos` (any case), and a bare array is
/// accepted. Elements that are not objects are skipped; a missing key is an empty list.
pub fn decode_netinfos(body: &[u8]) -> Result<Vec<NetInfo>, VrgError> {
    const WHAT: &str = "GET /netinfos";
    let value = require_body(body, WHAT)?;
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => Fields::new(map)
            .value(&["netInfos", "netInfo", "netInfoList"])
            .map(items_of)
            .unwrap_or_default(),
        other => return Err(wrong_shape(WHAT, "an object or an array", other)),
    };
    Ok(items
        .into_iter()
        .filter_map(Value::as_object)
        .map(|map| {
            let mut f = Fields::new(map);
            NetInfo {
                net_type: NetType::from_number(f.int(&["type", "netType"]).unwrap_or(MISSING)),
                ip: f.text(&["ip"]),
                port: f.int(&["port"]),
                gateway: f.text(&["gateway", "netGateway"]),
                netmask: f.text(&["netmask", "mask"]),
            }
        })
        .collect())
}

/// Decodes `GET /vmdrstatus/{vmUuid}/`: `{"status":1}` (also `drStatus`, or a bare
/// number). A missing or non-numeric status reads as `Unknown(MISSING)`.
pub fn decode_dr_status(body: &[u8]) -> Result<DrStatus, VrgError> {
    const WHAT: &str = "GET /vmdrstatus";
    let value = require_body(body, WHAT)?;
    let n = match &value {
        Value::Object(map) => Fields::new(map).int(&["status", "drStatus"]),
        Value::Number(_) | Value::String(_) => int_of(&value),
        other => return Err(wrong_shape(WHAT, "an object", other)),
    };
    Ok(DrStatus::from_number(n.unwrap_or(MISSING)))
}

/// Decodes the answer of `POST /vmstrategy/{vmUuid}/` (deletion): `{"drStatus":1}`, the
/// VM's DR status before it was deleted.
///
/// `None` when there is no status: an empty body, `{}`, `null`, or a `drStatus` that is
/// not a number. Only a body that is not JSON fails.
pub fn decode_deleted(body: &[u8]) -> Result<Option<DrStatus>, VrgError> {
    const WHAT: &str = "POST /vmstrategy/{vmUuid}/";
    let Some(value) = parse_body(body, WHAT)? else {
        return Ok(None);
    };
    let n = match &value {
        Value::Object(map) => Fields::new(map).int(&["drStatus", "status"]),
        Value::Number(_) | Value::String(_) => int_of(&value),
        _ => None,
    };
    Ok(n.map(DrStatus::from_number))
}

#[cfg(test)]
mod peer_address_tests {
    use super::*;

    #[test]
    fn a_network_is_a_pairing_target_when_its_address_is_valid() {
        let mut net = NetInfo {
            net_type: NetType::PeerVrg,
            ip: Some("192.0.2.7".into()),
            port: Some(7000),
            gateway: None,
            netmask: None,
        };
        assert_eq!(
            net.peer_address().map(|p| p.to_string()).as_deref(),
            Some("192.0.2.7:7000")
        );
        net.port = Some(70000);
        assert!(net.peer_address().is_none());
        net.port = Some(7000);
        net.ip = Some("not an ip".into());
        assert!(net.peer_address().is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table_and_sample() {
        let table = decode_status(br#"{"status":1,"availableCapacity":1024,"totalCapacity":2048}"#);
        assert_eq!(
            table.ok(),
            Some(VrgStatus {
                status: VrgHealth::Normal,
                available: Capacity::Kb(1024),
                total: Capacity::Kb(2048),
            })
        );
        // §8 #3: the sample's string status; the negative capacities.
        let sample = decode_status(br#"{"status":"2","availableCapacity":-2,"totalCapacity":-1}"#);
        assert_eq!(
            sample.ok(),
            Some(VrgStatus {
                status: VrgHealth::Abnormal,
                available: Capacity::CacheLoading,
                total: Capacity::CacheUnused,
            })
        );
        let odd = decode_status(br#"{"status":"ok","availableCapacity":-3}"#).ok();
        assert_eq!(odd.map(|s| s.status), Some(VrgHealth::Unknown(MISSING)));
        assert_eq!(odd.map(|s| s.available), Some(Capacity::Invalid));
        assert_eq!(odd.map(|s| s.total), Some(Capacity::Unknown(MISSING)));
        assert!(decode_status(b"").is_err());
        assert!(decode_status(b"[]").is_err());
    }

    #[test]
    fn netinfos_both_spellings() {
        let table = br#"{"netInfos":[{"type":0,"ip":"10.0.0.5","port":8080,"gateway":"10.0.0.1","netmask":"255.255.255.0"},{"type":1,"ip":"10.1.0.5","port":7001},{"type":2,"ip":"10.2.0.5","port":7000}]}"#;
        let nets = decode_netinfos(table).ok().unwrap_or_default();
        assert_eq!(nets.len(), 3);
        assert_eq!(nets[0].net_type, NetType::Management);
        assert_eq!(nets[0].gateway.as_deref(), Some("10.0.0.1"));
        assert_eq!(nets[0].netmask.as_deref(), Some("255.255.255.0"));
        assert_eq!(nets[2].net_type, NetType::PeerVrg);
        assert_eq!(nets[2].port, Some(7000));
        assert_eq!(nets[1].gateway, None);
        let sample = br#"{"netinfos":[{"type":"1","ip":"10.1.0.5","port":"7001","gateway":"","netmask":24}]}"#;
        let nets = decode_netinfos(sample).ok().unwrap_or_default();
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].net_type, NetType::Cna);
        assert_eq!(nets[0].port, Some(7001));
        assert_eq!(nets[0].netmask.as_deref(), Some("24"));
        assert_eq!(
            decode_netinfos(br#"[{"type":9}, 1, null]"#)
                .ok()
                .map(|n| n.len()),
            Some(1)
        );
        assert_eq!(decode_netinfos(b"{}").ok(), Some(vec![]));
    }

    #[test]
    fn dr_status_and_deleted() {
        assert_eq!(
            decode_dr_status(br#"{"status":2}"#).ok(),
            Some(DrStatus::IncrementalCbt)
        );
        assert_eq!(
            decode_dr_status(br#"{"status":"3"}"#).ok(),
            Some(DrStatus::ConsistencyCheck)
        );
        assert_eq!(
            decode_dr_status(br#"{}"#).ok(),
            Some(DrStatus::Unknown(MISSING))
        );
        assert_eq!(
            decode_dr_status(br#"1"#).ok(),
            Some(DrStatus::IncrementalQueue)
        );
        assert!(decode_dr_status(b"").is_err());
        assert_eq!(
            decode_deleted(br#"{"drStatus":1}"#).ok(),
            Some(Some(DrStatus::IncrementalQueue))
        );
        assert_eq!(
            decode_deleted(br#"{"drStatus":"9"}"#).ok(),
            Some(Some(DrStatus::Unknown(9)))
        );
        assert_eq!(decode_deleted(b"").ok(), Some(None));
        assert_eq!(decode_deleted(b"{}").ok(), Some(None));
        assert_eq!(decode_deleted(b"null").ok(), Some(None));
        assert_eq!(decode_deleted(br#"{"drStatus":"x"}"#).ok(), Some(None));
        assert!(decode_deleted(b"{").is_err());
    }
}
