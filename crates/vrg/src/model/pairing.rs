//! Pairing with the peer VRG (§3.7).

use std::fmt;
use std::net::Ipv4Addr;

use serde_json::{Value, json};

use crate::error::VrgError;
use crate::lenient::{Fields, object, require_body};
use crate::model::enums::{MISSING, PairStatus};
use crate::model::input;

/// How `POST /vrgmap` spells its keys (reference §8 #5). The field table (and the
/// `GET /vrgmap` answer) say `dstIp`/`dstPort`, the request sample `dst_ip`/`dst_port`;
/// which one a device takes is UNKNOWN. Only one spelling is ever sent: unknown keys may
/// be refused with `10440101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PairKeyStyle {
    /// `dstIp`, `dstPort`: the table's names (the default).
    #[default]
    Camel,
    /// `dst_ip`, `dst_port`: the sample's names.
    Snake,
}

/// The peer VRG to pair with, the body of `POST /vrgmap` (§3.7.1).
///
/// ```
/// use storkit_vrg::model::{PairKeyStyle, PeerAddress};
///
/// let peer = PeerAddress::new("192.168.100.220", 7000)?;
/// assert_eq!(
///     peer.to_json(PairKeyStyle::Camel),
///     serde_json::json!({"dstIp": "192.168.100.220", "dstPort": 7000})
/// );
/// assert_eq!(
///     peer.to_json(PairKeyStyle::Snake),
///     serde_json::json!({"dst_ip": "192.168.100.220", "dst_port": 7000})
/// );
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerAddress {
    /// `dstIp`: the peer VRG's IPv4 address (its type-2 network, UNVERIFIED).
    pub ip: Ipv4Addr,
    /// `dstPort`: the peer VRG's port, 1-65535.
    pub port: u16,
}

impl PeerAddress {
    /// Checks and builds the address: `ip` a dotted-quad IPv4 unicast address, `port`
    /// 1-65535. Refusals name `dstIp` or `dstPort`.
    pub fn new(ip: &str, port: u16) -> Result<PeerAddress, VrgError> {
        let peer = PeerAddress {
            ip: input::ipv4("dstIp", ip)?,
            port,
        };
        peer.validate()?;
        Ok(peer)
    }

    /// Refuses port 0 and an address that cannot be a peer (`0.0.0.0`, broadcast,
    /// multicast).
    pub fn validate(&self) -> Result<(), VrgError> {
        if self.ip.is_unspecified() || self.ip.is_broadcast() || self.ip.is_multicast() {
            return Err(VrgError::invalid(
                "dstIp",
                format!("{} cannot be a peer VRG's address", self.ip),
            ));
        }
        input::port("dstPort", self.port)
    }

    /// The request body in the given key style, never both spellings.
    pub fn to_json(&self, style: PairKeyStyle) -> Value {
        let ip = self.ip.to_string();
        match style {
            PairKeyStyle::Camel => json!({ "dstIp": ip, "dstPort": self.port }),
            PairKeyStyle::Snake => json!({ "dst_ip": ip, "dst_port": self.port }),
        }
    }
}

impl fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ip, self.port)
    }
}

/// The pairing as `GET /vrgmap` reports it (§3.7.3). Which fields come when not paired
/// is UNKNOWN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    /// `dstIp` (also read as `dst_ip`): the peer VRG's address, as sent.
    pub dst_ip: Option<String>,
    /// `dstPort` (also read as `dst_port`): the peer VRG's port.
    pub dst_port: Option<i64>,
    /// `status`: the link state (`Unknown(MISSING)` when absent or not a number).
    pub status: PairStatus,
}

impl Pairing {
    /// The peer as a [`PeerAddress`], when the address is IPv4 and the port fits.
    pub fn peer(&self) -> Option<PeerAddress> {
        Some(PeerAddress {
            ip: self.dst_ip.as_deref()?.trim().parse().ok()?,
            port: u16::try_from(self.dst_port?).ok()?,
        })
    }

    /// The peer as `ip:port` for messages (`?` for a missing part).
    pub fn peer_text(&self) -> String {
        format!(
            "{}:{}",
            self.dst_ip.as_deref().unwrap_or("?"),
            self.dst_port
                .map_or_else(|| "?".to_owned(), |p| p.to_string())
        )
    }
}

/// Decodes `GET /vrgmap`: `{"dstIp":…,"dstPort":…,"status":…}`, with the sample's
/// `dst_ip`/`dst_port` as aliases.
pub fn decode_pairing(body: &[u8]) -> Result<Pairing, VrgError> {
    const WHAT: &str = "GET /vrgmap";
    let value = require_body(body, WHAT)?;
    let mut f = Fields::new(object(&value, WHAT)?);
    Ok(Pairing {
        dst_ip: f.text(&["dstIp", "dst_ip"]),
        dst_port: f.int(&["dstPort", "dst_port"]),
        status: PairStatus::from_number(f.int(&["status"]).unwrap_or(MISSING)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: Option<VrgError>) -> Option<String> {
        match e? {
            VrgError::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    #[test]
    fn peer_checks() {
        assert_eq!(
            field(PeerAddress::new("x", 7000).err()).as_deref(),
            Some("dstIp")
        );
        assert_eq!(
            field(PeerAddress::new("0.0.0.0", 7000).err()).as_deref(),
            Some("dstIp")
        );
        assert_eq!(
            field(PeerAddress::new("224.0.0.1", 7000).err()).as_deref(),
            Some("dstIp")
        );
        assert_eq!(
            field(PeerAddress::new("1.2.3.4", 0).err()).as_deref(),
            Some("dstPort")
        );
        assert_eq!(
            PeerAddress::new("1.2.3.4", 7000)
                .map(|p| p.to_string())
                .ok()
                .as_deref(),
            Some("1.2.3.4:7000")
        );
    }

    #[test]
    fn decodes_both_spellings() {
        let table =
            decode_pairing(br#"{"dstIp":"192.168.100.220","dstPort":7000,"status":1}"#).ok();
        assert_eq!(
            table,
            Some(Pairing {
                dst_ip: Some("192.168.100.220".into()),
                dst_port: Some(7000),
                status: PairStatus::Normal,
            })
        );
        let sample =
            decode_pairing(br#"{"dst_ip":"192.168.100.220","dst_port":"7000","status":"2"}"#).ok();
        assert_eq!(sample.as_ref().map(|p| p.status), Some(PairStatus::Pairing));
        assert_eq!(
            sample.as_ref().and_then(Pairing::peer),
            PeerAddress::new("192.168.100.220", 7000).ok()
        );
        let unpaired = decode_pairing(br#"{"status":4}"#).ok();
        assert_eq!(
            unpaired.as_ref().map(|p| p.status),
            Some(PairStatus::NotPaired)
        );
        assert_eq!(unpaired.map(|p| p.peer_text()).as_deref(), Some("?:?"));
        assert_eq!(
            decode_pairing(b"{}").ok().map(|p| p.status),
            Some(PairStatus::Unknown(MISSING))
        );
        assert!(decode_pairing(b"").is_err());
    }
}
