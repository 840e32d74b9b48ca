//! Changing the VRG's management network (§3.9).

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use crate::error::VrgError;
use crate::lenient::{Fields, parse_body};
use crate::model::input;

/// The body of `POST /modmngnet/` (§3.9): the VRG's new management address.
///
/// Checked: three dotted-quad IPv4 addresses; `newMask` a contiguous netmask (`/1` to
/// `/32`); `newIp` a unicast address (not `0.0.0.0`, broadcast or multicast: the client
/// re-targets itself at it). The gateway is only parsed: whether it lies inside
/// `newIp`/`newMask` is left to the VRG (an on-link route outside the subnet is a valid
/// setup on some networks, and the document says nothing).
///
/// ```
/// use storkit_vrg::model::ManagementNetwork;
///
/// let net = ManagementNetwork::new("10.0.0.9", "255.255.255.0", "10.0.0.1")?;
/// assert_eq!(
///     net.to_json(),
///     serde_json::json!({"newIp": "10.0.0.9", "newMask": "255.255.255.0", "newGateway": "10.0.0.1"})
/// );
/// assert_eq!(net.prefix_len(), Some(24));
/// assert!(ManagementNetwork::new("10.0.0.9", "255.0.255.0", "10.0.0.1").is_err());
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ManagementNetwork {
    /// `newIp`: the new management IP address.
    pub new_ip: Ipv4Addr,
    /// `newMask`: the new netmask (the table writes "new Mask").
    pub new_mask: Ipv4Addr,
    /// `newGateway`: the new gateway (the table writes "new Gatew ay").
    pub new_gateway: Ipv4Addr,
}

impl ManagementNetwork {
    /// Parses and checks the three addresses; refusals name `newIp`, `newMask` or
    /// `newGateway`.
    pub fn new(new_ip: &str, new_mask: &str, new_gateway: &str) -> Result<Self, VrgError> {
        let net = ManagementNetwork {
            new_ip: input::ipv4("newIp", new_ip)?,
            new_mask: input::ipv4("newMask", new_mask)?,
            new_gateway: input::ipv4("newGateway", new_gateway)?,
        };
        net.validate()?;
        Ok(net)
    }

    /// The checks of [`ManagementNetwork::new`], for a value built by hand.
    pub fn validate(&self) -> Result<(), VrgError> {
        let ip = self.new_ip;
        if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
            return Err(VrgError::invalid(
                "newIp",
                format!("{ip} cannot be a management address"),
            ));
        }
        if self.prefix_len().is_none() {
            return Err(VrgError::invalid(
                "newMask",
                format!(
                    "{} is not a netmask (contiguous ones, /1 to /32)",
                    self.new_mask
                ),
            ));
        }
        Ok(())
    }

    /// The prefix length of `newMask`, when it is a contiguous netmask of `/1` to `/32`.
    pub fn prefix_len(&self) -> Option<u32> {
        let bits = u32::from(self.new_mask);
        let ones = bits.leading_ones();
        (ones > 0 && bits.count_ones() == ones).then_some(ones)
    }

    /// The request body, `{"newIp":…,"newMask":…,"newGateway":…}`.
    pub fn to_json(&self) -> Value {
        json!({
            "newIp": self.new_ip.to_string(),
            "newMask": self.new_mask.to_string(),
            "newGateway": self.new_gateway.to_string(),
        })
    }
}

/// What `POST /modmngnet/` may answer. The table says "no response body", the sample
/// shows `{"IP":…,"netmask":…,"netGateway":…}` (reference §8 #21).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagementAnswer {
    /// `IP` (also `ip`, `newIp`), as sent.
    pub ip: Option<String>,
    /// `netmask` (also `newMask`, `mask`), as sent.
    pub netmask: Option<String>,
    /// `netGateway` (also `newGateway`, `gateway`), as sent.
    pub gateway: Option<String>,
}

/// Decodes the answer of `POST /modmngnet/`: `None` for an empty body, `{}`, `null` or a
/// body that is not an object; only a body that is not JSON fails.
pub fn decode_management(body: &[u8]) -> Result<Option<ManagementAnswer>, VrgError> {
    const WHAT: &str = "POST /modmngnet/";
    let Some(Value::Object(map)) = parse_body(body, WHAT)? else {
        return Ok(None);
    };
    if map.is_empty() {
        return Ok(None);
    }
    let mut f = Fields::new(&map);
    Ok(Some(ManagementAnswer {
        ip: f.text(&["IP", "ip", "newIp"]),
        netmask: f.text(&["netmask", "newMask", "mask"]),
        gateway: f.text(&["netGateway", "newGateway", "gateway"]),
    }))
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
    fn checks() {
        let f = |ip, mask, gw| field(ManagementNetwork::new(ip, mask, gw).err());
        assert_eq!(f("x", "255.0.0.0", "1.1.1.1").as_deref(), Some("newIp"));
        assert_eq!(
            f("0.0.0.0", "255.0.0.0", "1.1.1.1").as_deref(),
            Some("newIp")
        );
        assert_eq!(
            f("10.0.0.1", "255.0.0.1", "1.1.1.1").as_deref(),
            Some("newMask")
        );
        assert_eq!(
            f("10.0.0.1", "0.0.0.0", "1.1.1.1").as_deref(),
            Some("newMask")
        );
        assert_eq!(
            f("10.0.0.1", "255.0.0.0", "1.1.1").as_deref(),
            Some("newGateway")
        );
        assert_eq!(f("127.0.0.9", "255.255.255.255", "127.0.0.1"), None);
        let p = |mask: &str| {
            ManagementNetwork::new("10.0.0.1", mask, "10.0.0.254")
                .ok()
                .and_then(|n| n.prefix_len())
        };
        assert_eq!(p("255.255.255.255"), Some(32));
        assert_eq!(p("128.0.0.0"), Some(1));
        assert_eq!(p("255.255.252.0"), Some(22));
    }

    #[test]
    fn answers() {
        assert_eq!(decode_management(b"").ok(), Some(None));
        assert_eq!(decode_management(b"{}").ok(), Some(None));
        assert_eq!(decode_management(b"[]").ok(), Some(None));
        assert_eq!(
            decode_management(
                br#"{"IP":"10.0.0.9","netmask":"255.255.255.0","netGateway":"10.0.0.1"}"#
            )
            .ok(),
            Some(Some(ManagementAnswer {
                ip: Some("10.0.0.9".into()),
                netmask: Some("255.255.255.0".into()),
                gateway: Some("10.0.0.1".into()),
            }))
        );
        assert!(decode_management(b"{").is_err());
    }
}
