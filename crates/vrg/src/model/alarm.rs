//! The alarm server (§3.2, §3.3).

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use crate::error::VrgError;
use crate::lenient::{Fields, object, require_body};
use crate::model::input;

/// The alarm server the VRG reports to, the body of `POST /trapinfo` (§3.2).
///
/// Build it with [`AlarmServer::new`] (checked) or [`AlarmServer::clear`]; a value built
/// by hand can be checked with [`AlarmServer::validate`].
///
/// ```
/// use storkit_vrg::model::AlarmServer;
///
/// let server = AlarmServer::new("192.168.10.5", 162)?;
/// assert_eq!(server.to_json(), serde_json::json!({"ip": "192.168.10.5", "port": 162}));
/// assert!(AlarmServer::new("192.168.10.5", 0).is_err());
/// assert_eq!(AlarmServer::clear().to_json(), serde_json::json!({"ip": "0.0.0.0", "port": 0}));
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlarmServer {
    /// `ip`: the alarm server's IPv4 address; `0.0.0.0` deletes the setting.
    pub ip: Ipv4Addr,
    /// `port`: the alarm server's port, 1-65535 (any value with `0.0.0.0`).
    pub port: u16,
}

impl AlarmServer {
    /// Checks and builds the setting: `ip` a dotted-quad IPv4 address, `port` 1-65535
    /// (any port with `0.0.0.0`, which deletes the setting). Refusals name `ip` or `port`.
    pub fn new(ip: &str, port: u16) -> Result<AlarmServer, VrgError> {
        let server = AlarmServer {
            ip: input::ipv4("ip", ip)?,
            port,
        };
        server.validate()?;
        Ok(server)
    }

    /// The setting that deletes the alarm server: `ip` `0.0.0.0` (documented) with port
    /// `0`. Which port to send with `0.0.0.0` is UNKNOWN (the document says nothing);
    /// `0` is the choice here, as the one value that cannot name a real server.
    pub fn clear() -> AlarmServer {
        AlarmServer {
            ip: Ipv4Addr::UNSPECIFIED,
            port: 0,
        }
    }

    /// Whether this setting deletes the alarm server (`ip` is `0.0.0.0`).
    pub fn is_clear(&self) -> bool {
        self.ip.is_unspecified()
    }

    /// Refuses port 0 unless the address is `0.0.0.0`.
    pub fn validate(&self) -> Result<(), VrgError> {
        if self.is_clear() {
            Ok(())
        } else {
            input::port("port", self.port)
        }
    }

    /// The request body, `{"ip":"…","port":…}`.
    pub fn to_json(&self) -> Value {
        json!({ "ip": self.ip.to_string(), "port": self.port })
    }
}

/// The alarm server setting as `GET /trapinfo` reports it (§3.3). A VRG without one
/// answers `10440402` instead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlarmServerInfo {
    /// `ip`, as sent.
    pub ip: Option<String>,
    /// `port`.
    pub port: Option<i64>,
}

impl AlarmServerInfo {
    /// Whether the reported address is `0.0.0.0` (a deleted setting).
    pub fn is_cleared(&self) -> bool {
        self.ip.as_deref().is_some_and(|ip| {
            ip.trim()
                .parse::<Ipv4Addr>()
                .is_ok_and(|a| a.is_unspecified())
        })
    }

    /// The setting as an [`AlarmServer`], when the address is IPv4 and the port fits.
    pub fn as_server(&self) -> Option<AlarmServer> {
        Some(AlarmServer {
            ip: self.ip.as_deref()?.trim().parse().ok()?,
            port: u16::try_from(self.port?).ok()?,
        })
    }
}

/// Decodes `GET /trapinfo`: `{"ip":"…","port":…}` (port as a number or a numeric
/// string).
pub fn decode_alarm(body: &[u8]) -> Result<AlarmServerInfo, VrgError> {
    const WHAT: &str = "GET /trapinfo";
    let value = require_body(body, WHAT)?;
    let mut f = Fields::new(object(&value, WHAT)?);
    Ok(AlarmServerInfo {
        ip: f.text(&["ip"]),
        port: f.int(&["port"]),
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
    fn checks() {
        assert_eq!(
            field(AlarmServer::new("1.2.3", 162).err()).as_deref(),
            Some("ip")
        );
        assert_eq!(
            field(AlarmServer::new(" 1.2.3.4", 162).err()).as_deref(),
            Some("ip")
        );
        assert_eq!(
            field(AlarmServer::new("1.2.3.4", 0).err()).as_deref(),
            Some("port")
        );
        assert!(AlarmServer::new("0.0.0.0", 0).is_ok());
        assert!(AlarmServer::new("0.0.0.0", 162).is_ok());
        assert!(AlarmServer::new("1.2.3.4", 65535).is_ok());
    }

    #[test]
    fn decodes_table_and_odd_shapes() {
        let info = decode_alarm(br#"{"ip":"10.0.0.1","port":162}"#).ok();
        assert_eq!(
            info.as_ref().and_then(AlarmServerInfo::as_server),
            AlarmServer::new("10.0.0.1", 162).ok()
        );
        let info = decode_alarm(br#"{"ip":"0.0.0.0","port":"0"}"#).ok();
        assert_eq!(info.as_ref().map(AlarmServerInfo::is_cleared), Some(true));
        assert_eq!(info.and_then(|i| i.port), Some(0));
        let odd = decode_alarm(br#"{"ip":null,"port":"x"}"#).ok();
        assert_eq!(odd, Some(AlarmServerInfo::default()));
        assert!(decode_alarm(b"").is_err());
        assert!(decode_alarm(b"[1]").is_err());
    }
}
