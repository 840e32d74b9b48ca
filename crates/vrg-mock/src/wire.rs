//! The mock's request decoders, stateless and public, so that a client's property tests can
//! check "what the encoder writes, the mock accepts" without a server. The HTTP handlers
//! decode with these same functions: a body that passes here passes there (state, such as
//! an empty store or the role, may still refuse it).
//!
//! Each check answers the `errorCode` the mock would send ([`WireError::code`]) and why.
//! The rules, mock choices where the interface document is silent:
//!
//! - A body must be a JSON object; a missing field, a `null` one, or one of the wrong JSON
//!   type (a string where the table says integer, or the reverse) is `10440101`. Unknown
//!   keys are ignored (except the pairing keys, below).
//! - IPv4 addresses are dotted quads (Rust's [`Ipv4Addr`] syntax: no leading zeros);
//!   anything else is `10440301`. Ports outside 1–65535 are `10440302`.
//! - A VM UUID is well-formed when it is 8-4-4-4-12 hexadecimal digits, any case
//!   ([`is_well_formed_vm_uuid`]); anything else is `10440401`.
//!
//! ```
//! use serde_json::json;
//! use storkit_vrg_mock::wire::{self, PairKeys, Side};
//!
//! let body = json!({"dstIp": "192.168.100.220", "dstPort": 7000});
//! assert_eq!(
//!     wire::check_pair(&body, PairKeys::Both).map(|(ip, port)| (ip.to_string(), port)),
//!     Ok(("192.168.100.220".to_owned(), 7000))
//! );
//! let both = json!({"dstIp": "192.168.100.220", "dst_ip": "192.168.100.220", "dstPort": 7000});
//! assert_eq!(wire::check_pair(&both, PairKeys::Both).unwrap_err().code, "10440101");
//!
//! let production = json!({
//!     "vmUuid": "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
//!     "compressOption": 1,
//!     "volList": [{"volUuid": "v-1", "seqNum": 1}, {"volUuid": "v-2", "seqNum": 1}]
//! });
//! assert_eq!(wire::check_strategy(&production).unwrap_err().code, "10440309");
//! assert_eq!(wire::check_strategy_query("vmUuid=x&limit=10&offset=0").unwrap_err().code, "10440101");
//! assert_eq!(wire::check_delete(&json!({"delFlag": 2})), Ok(2));
//! # let _ = Side::Dr;
//! ```

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv4Addr;

use serde_json::{Map, Value};
use storkit_mock::query::{Query, QueryStyle};

use crate::codes;

/// Why the mock refuses a request body or query: the `errorCode` it answers and a reason
/// for humans (not sent on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// The `errorCode` the mock answers (HTTP 400), e.g. `"10440101"`.
    pub code: &'static str,
    /// What was wrong, naming the field.
    pub reason: String,
}

impl WireError {
    /// A refusal with `code`.
    pub fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    fn invalid(reason: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMETER, reason)
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

impl std::error::Error for WireError {}

/// Which side a VM DR configuration (`POST /vmstrategy`) is for, as the mock tells them
/// apart: a body with `agentIp` or `agentPort` is the DR side's (§3.8.2), any other the
/// production side's (§3.8.1). How the device tells them apart is UNKNOWN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Production side: `flag` 1.
    Production,
    /// DR side: `flag` 2.
    Dr,
}

impl Side {
    /// The `flag` the query answers for this side: 1 or 2.
    pub fn flag(self) -> u8 {
        match self {
            Self::Production => 1,
            Self::Dr => 2,
        }
    }
}

/// Which spellings of the pairing keys `POST /vrgmap` accepts: the table's `dstIp`/`dstPort`,
/// the sample's `dst_ip`/`dst_port`, or both (the default). A body that carries both
/// spellings of one key is refused in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PairKeys {
    /// `dstIp`/`dstPort` and `dst_ip`/`dst_port`.
    #[default]
    Both,
    /// `dstIp`/`dstPort` only; the snake-case keys count as unknown.
    CamelOnly,
    /// `dst_ip`/`dst_port` only; the camel-case keys count as unknown.
    SnakeOnly,
}

/// Whether `text` is a VM UUID the mock accepts: 8-4-4-4-12 hexadecimal digits, any case
/// (mock choice; the interface document gives no format).
pub fn is_well_formed_vm_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Checks a `POST /trapinfo` body: `ip` an IPv4 string (`"0.0.0.0"` clears the alarm
/// server), `port` an integer 1–65535 (with `"0.0.0.0"` it may be missing or any of
/// 0–65535).
pub fn check_alarm(body: &Value) -> Result<(), WireError> {
    decode_alarm(body).map(|_| ())
}

/// Checks a `POST /vrgmap` body under `keys`; returns the peer's address and port.
///
/// `dstIp` must be an IPv4 string other than `0.0.0.0` and `255.255.255.255` (`10440301`),
/// `dstPort` an integer 1–65535 (`10440302`).
pub fn check_pair(body: &Value, keys: PairKeys) -> Result<(Ipv4Addr, u16), WireError> {
    let map = object(body)?;
    let ip = spelled(map, "dstIp", "dst_ip", keys)?
        .ok_or_else(|| WireError::invalid("the peer's IP (dstIp) is missing"))?;
    let ip = ipv4(as_str(ip, "dstIp")?, "dstIp")?;
    if ip.is_unspecified() || ip.is_broadcast() {
        return Err(WireError::new(
            codes::INVALID_IP,
            format!("dstIp {ip} names no host"),
        ));
    }
    let port = spelled(map, "dstPort", "dst_port", keys)?
        .ok_or_else(|| WireError::invalid("the peer's port (dstPort) is missing"))?;
    let port = port_in(as_int(port, "dstPort")?, "dstPort", 1)?;
    Ok((ip, port))
}

/// Checks a `POST /vmstrategy` body (§3.8.1 production or §3.8.2 DR side); returns the side.
///
/// Both sides: `vmUuid` required and well-formed (`10440401`); `vmId`, `vmName` optional
/// strings; `volList` a non-empty array whose items carry a non-empty `volUuid` and an
/// optional `seqNum` 1–40; a `volUuid` twice (compared ignoring case) is `10440306`, a
/// `seqNum` twice `10440309`.
///
/// Production: `encryptOption`, `compressOption` optional, 0 or 1.
///
/// DR: `agentIp` IPv4 (`10440301`) and `agentPort` 1–65535 (`10440302`) required; `hostUrn`
/// an optional string at the top level or in a volume (the §3.8.2 sample); each volume needs
/// `volumeUrl` (or the table's `volumeUr1`, not both); `dsUrn` an optional string; `volType`
/// optional, one of `LOCALPOME`, `LUNPOME`, `NAS`, `DSWARE`; `drExtParams` optional, an
/// object or a string holding a JSON object, whose management IP (`dsMgntIp` or
/// `drMgntIp`, not both) is an IPv4 string and whose `dsResourceId` is a string or an
/// integer.
pub fn check_strategy(body: &Value) -> Result<Side, WireError> {
    decode_strategy(body).map(|s| s.side())
}

/// Checks a `POST /vmstrategy/{vmUuid}/` body; returns `delFlag`: 1 (normal) or 2 (forced).
/// Anything else, a missing `delFlag` included, is `10440101`.
pub fn check_delete(body: &Value) -> Result<u8, WireError> {
    let map = object(body)?;
    let flag = field(map, "delFlag").ok_or_else(|| WireError::invalid("delFlag is missing"))?;
    match as_int(flag, "delFlag")? {
        1 => Ok(1),
        2 => Ok(2),
        other => Err(WireError::invalid(format!("delFlag {other} is not 1 or 2"))),
    }
}

/// Checks a `POST /modmngnet/` body; returns the new address.
///
/// `newIp`, `newMask` and `newGateway` are required IPv4 strings (`10440101` when missing,
/// `10440301` when not IPv4); `newIp` may not be `0.0.0.0` or `255.255.255.255`, and
/// `newMask` must be a contiguous netmask (`10440301`).
pub fn check_management_network(body: &Value) -> Result<Ipv4Addr, WireError> {
    decode_management_network(body).map(|m| m.ip)
}

/// Checks a `GET /vmstrategy` query string (without `?`), form-encoded.
///
/// Keys: `limit` (1 or more; above 100 the mock clamps it to 100) and `offset` (0 or more),
/// only together; `vmUuid`, repeatable, well-formed (`10440401`), not with `limit`/`offset`
/// nor with `faultVms`; `faultVms` 0 (all VMs) or 1 (faulty VMs). Any other key, a key
/// without `=`, a repeated `limit`, `offset` or `faultVms`, or a value that is not a
/// decimal number is `10440101`.
pub fn check_strategy_query(query: &str) -> Result<(), WireError> {
    decode_strategy_query(query).map(|_| ())
}

// ---- What the handlers use: the same checks, keeping the decoded values. ----

/// A parsed request body: empty is JSON `null` (which every check refuses as "not an
/// object").
pub(crate) fn parse_body(bytes: &[u8]) -> Result<Value, WireError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| WireError::invalid(format!("the body is not JSON: {e}")))
}

/// `POST /trapinfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alarm {
    Set(Ipv4Addr, u16),
    Clear,
}

pub(crate) fn decode_alarm(body: &Value) -> Result<Alarm, WireError> {
    let map = object(body)?;
    let ip = field(map, "ip").ok_or_else(|| WireError::invalid("ip is missing"))?;
    let ip = ipv4(as_str(ip, "ip")?, "ip")?;
    let port = field(map, "port").map(|p| as_int(p, "port")).transpose()?;
    if ip.is_unspecified() {
        if let Some(port) = port {
            port_in(port, "port", 0)?;
        }
        return Ok(Alarm::Clear);
    }
    let port = port.ok_or_else(|| WireError::invalid("port is missing"))?;
    Ok(Alarm::Set(ip, port_in(port, "port", 1)?))
}

/// A decoded `POST /vmstrategy` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Strategy {
    pub(crate) vm_uuid: String,
    pub(crate) side: SideConfig,
    pub(crate) volumes: Vec<Volume>,
}

impl Strategy {
    pub(crate) fn side(&self) -> Side {
        match self.side {
            SideConfig::Production { .. } => Side::Production,
            SideConfig::Dr { .. } => Side::Dr,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SideConfig {
    Production {
        encrypt: u8,
        compress: u8,
    },
    Dr {
        agent_ip: Ipv4Addr,
        agent_port: u16,
        host_urn: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Volume {
    pub(crate) vol_uuid: String,
    pub(crate) seq_num: Option<u8>,
    pub(crate) volume_url: Option<String>,
    pub(crate) ds_urn: Option<String>,
    pub(crate) vol_type: Option<String>,
    /// Normalised: the management IP under `dsMgntIp`, other keys as sent.
    pub(crate) dr_ext: Option<Map<String, Value>>,
}

const VOL_TYPES: [&str; 4] = ["LOCALPOME", "LUNPOME", "NAS", "DSWARE"];

pub(crate) fn decode_strategy(body: &Value) -> Result<Strategy, WireError> {
    let map = object(body)?;
    let vm_uuid = required_str(map, "vmUuid")?;
    if !is_well_formed_vm_uuid(vm_uuid) {
        return Err(WireError::new(
            codes::INVALID_VM_UUID,
            format!("vmUuid {vm_uuid:?} is not 8-4-4-4-12 hex digits"),
        ));
    }
    optional_str(map, "vmId")?;
    optional_str(map, "vmName")?;
    let dr = field(map, "agentIp").is_some() || field(map, "agentPort").is_some();
    let list = field(map, "volList").ok_or_else(|| WireError::invalid("volList is missing"))?;
    let Value::Array(items) = list else {
        return Err(WireError::invalid("volList is not an array"));
    };
    if items.is_empty() {
        return Err(WireError::invalid("volList is empty"));
    }
    let mut volumes = Vec::with_capacity(items.len());
    let mut uuids = HashSet::new();
    let mut slots = HashSet::new();
    let mut volume_host_urn = None;
    for (i, item) in items.iter().enumerate() {
        let Value::Object(vol) = item else {
            return Err(WireError::invalid(format!("volList[{i}] is not an object")));
        };
        let vol_uuid = required_str(vol, "volUuid")
            .map_err(|e| WireError::invalid(format!("volList[{i}]: {}", e.reason)))?;
        if vol_uuid.is_empty() {
            return Err(WireError::invalid(format!("volList[{i}].volUuid is empty")));
        }
        let seq_num = match field(vol, "seqNum") {
            None => None,
            Some(value) => match as_int(value, "seqNum")? {
                n @ 1..=40 => u8::try_from(n).ok(),
                n => {
                    return Err(WireError::invalid(format!(
                        "volList[{i}].seqNum {n} is outside 1-40"
                    )));
                }
            },
        };
        let mut volume = Volume {
            vol_uuid: vol_uuid.to_owned(),
            seq_num,
            volume_url: None,
            ds_urn: None,
            vol_type: None,
            dr_ext: None,
        };
        if dr {
            if vol.contains_key("volumeUrl") && vol.contains_key("volumeUr1") {
                return Err(WireError::invalid(format!(
                    "volList[{i}] has both volumeUrl and volumeUr1"
                )));
            }
            let url = field(vol, "volumeUrl")
                .or_else(|| field(vol, "volumeUr1"))
                .ok_or_else(|| WireError::invalid(format!("volList[{i}].volumeUrl is missing")))?;
            let url = as_str(url, "volumeUrl")?;
            if url.is_empty() {
                return Err(WireError::invalid(format!(
                    "volList[{i}].volumeUrl is empty"
                )));
            }
            volume.volume_url = Some(url.to_owned());
            volume.ds_urn = optional_str(vol, "dsUrn")?.map(str::to_owned);
            if let Some(kind) = optional_str(vol, "volType")? {
                if !VOL_TYPES.contains(&kind) {
                    return Err(WireError::invalid(format!(
                        "volList[{i}].volType {kind:?} is not one of {VOL_TYPES:?}"
                    )));
                }
                volume.vol_type = Some(kind.to_owned());
            }
            volume.dr_ext = field(vol, "drExtParams")
                .map(|v| dr_ext_params(v, i))
                .transpose()?;
            if let Some(urn) = optional_str(vol, "hostUrn")? {
                volume_host_urn.get_or_insert_with(|| urn.to_owned());
            }
        }
        if !uuids.insert(vol_uuid.to_ascii_lowercase()) {
            return Err(WireError::new(
                codes::DUPLICATE_VOLUME_UUID,
                format!("volUuid {vol_uuid:?} appears twice"),
            ));
        }
        if let Some(slot) = seq_num
            && !slots.insert(slot)
        {
            return Err(WireError::new(
                codes::DUPLICATE_SLOT_NUMBER,
                format!("seqNum {slot} appears twice"),
            ));
        }
        volumes.push(volume);
    }
    let side = if dr {
        let ip = field(map, "agentIp").ok_or_else(|| WireError::invalid("agentIp is missing"))?;
        let agent_ip = ipv4(as_str(ip, "agentIp")?, "agentIp")?;
        let port =
            field(map, "agentPort").ok_or_else(|| WireError::invalid("agentPort is missing"))?;
        let agent_port = port_in(as_int(port, "agentPort")?, "agentPort", 1)?;
        let host_urn = optional_str(map, "hostUrn")?
            .map(str::to_owned)
            .or(volume_host_urn);
        SideConfig::Dr {
            agent_ip,
            agent_port,
            host_urn,
        }
    } else {
        SideConfig::Production {
            encrypt: option_flag(map, "encryptOption")?,
            compress: option_flag(map, "compressOption")?,
        }
    };
    Ok(Strategy {
        vm_uuid: vm_uuid.to_owned(),
        side,
        volumes,
    })
}

/// `encryptOption`/`compressOption`: absent is 0 (the documented default), else 0 or 1.
fn option_flag(map: &Map<String, Value>, key: &str) -> Result<u8, WireError> {
    match field(map, key).map(|v| as_int(v, key)).transpose()? {
        None | Some(0) => Ok(0),
        Some(1) => Ok(1),
        Some(other) => Err(WireError::invalid(format!("{key} {other} is not 0 or 1"))),
    }
}

fn dr_ext_params(value: &Value, i: usize) -> Result<Map<String, Value>, WireError> {
    let parsed;
    let map = match value {
        Value::Object(map) => map,
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).map_err(|e| {
                WireError::invalid(format!("volList[{i}].drExtParams is not JSON: {e}"))
            })?;
            match &parsed {
                Value::Object(map) => map,
                _ => {
                    return Err(WireError::invalid(format!(
                        "volList[{i}].drExtParams does not hold an object"
                    )));
                }
            }
        }
        _ => {
            return Err(WireError::invalid(format!(
                "volList[{i}].drExtParams is neither an object nor a string"
            )));
        }
    };
    if map.contains_key("dsMgntIp") && map.contains_key("drMgntIp") {
        return Err(WireError::invalid(format!(
            "volList[{i}].drExtParams has both dsMgntIp and drMgntIp"
        )));
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "dsMgntIp" | "drMgntIp" => {
                let ip = ipv4(as_str(value, key)?, key)?;
                out.insert("dsMgntIp".to_owned(), Value::String(ip.to_string()));
            }
            "dsResourceId" => match value {
                Value::String(_) | Value::Number(_) => {
                    out.insert(key.clone(), value.clone());
                }
                _ => {
                    return Err(WireError::invalid(format!(
                        "volList[{i}].drExtParams.dsResourceId is not a string"
                    )));
                }
            },
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(out)
}

/// A decoded `POST /modmngnet/` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ManagementNetwork {
    pub(crate) ip: Ipv4Addr,
    pub(crate) mask: Ipv4Addr,
    pub(crate) gateway: Ipv4Addr,
}

pub(crate) fn decode_management_network(body: &Value) -> Result<ManagementNetwork, WireError> {
    let map = object(body)?;
    let ip = ipv4(required_str(map, "newIp")?, "newIp")?;
    let mask = ipv4(required_str(map, "newMask")?, "newMask")?;
    let gateway = ipv4(required_str(map, "newGateway")?, "newGateway")?;
    if ip.is_unspecified() || ip.is_broadcast() {
        return Err(WireError::new(
            codes::INVALID_IP,
            format!("newIp {ip} names no host"),
        ));
    }
    let bits = u32::from(mask);
    if bits.leading_ones() + bits.trailing_zeros() != 32 {
        return Err(WireError::new(
            codes::INVALID_IP,
            format!("newMask {mask} is not a contiguous netmask"),
        ));
    }
    Ok(ManagementNetwork { ip, mask, gateway })
}

/// A decoded `GET /vmstrategy` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StrategyQuery {
    pub(crate) filter: Filter,
    /// `faultVms`, when given.
    pub(crate) fault_vms: Option<u8>,
    /// `(limit, offset)`, `limit` clamped to 100.
    pub(crate) page: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    All,
    Uuids(Vec<String>),
}

/// The largest page (§3.8.3): `limit` above it is clamped, and a query without paging
/// answers at most this many VMs.
pub(crate) const MAX_PAGE: usize = 100;

pub(crate) fn decode_strategy_query(raw: &str) -> Result<StrategyQuery, WireError> {
    let query = Query::parse(raw, QueryStyle::Form)
        .map_err(|e| WireError::invalid(format!("the query does not decode: {e}")))?;
    let mut limit = None;
    let mut offset = None;
    let mut fault = None;
    let mut uuids: Vec<String> = Vec::new();
    for (key, value) in query.pairs() {
        let Some(value) = value else {
            return Err(WireError::invalid(format!("{key} has no value")));
        };
        let slot = match key.as_str() {
            "vmUuid" => {
                uuids.push(value.clone());
                continue;
            }
            "limit" => &mut limit,
            "offset" => &mut offset,
            "faultVms" => &mut fault,
            other => return Err(WireError::invalid(format!("unknown parameter {other:?}"))),
        };
        if slot.is_some() {
            return Err(WireError::invalid(format!("{key} is given twice")));
        }
        let number = (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
            .then(|| value.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| WireError::invalid(format!("{key} {value:?} is not a number")))?;
        *slot = Some(number);
    }
    let page = match (limit, offset) {
        (None, None) => None,
        (Some(0), Some(_)) => return Err(WireError::invalid("limit is 0")),
        (Some(limit), Some(offset)) => Some((
            usize::try_from(limit).unwrap_or(usize::MAX).min(MAX_PAGE),
            usize::try_from(offset).unwrap_or(usize::MAX),
        )),
        _ => return Err(WireError::invalid("limit and offset go together")),
    };
    let fault_vms = match fault {
        None => None,
        Some(n @ (0 | 1)) => u8::try_from(n).ok(),
        Some(n) => return Err(WireError::invalid(format!("faultVms {n} is not 0 or 1"))),
    };
    let filter = if uuids.is_empty() {
        Filter::All
    } else {
        if page.is_some() {
            return Err(WireError::invalid("vmUuid excludes limit and offset"));
        }
        if fault_vms.is_some() {
            return Err(WireError::invalid("vmUuid excludes faultVms"));
        }
        if let Some(bad) = uuids.iter().find(|u| !is_well_formed_vm_uuid(u)) {
            return Err(WireError::new(
                codes::INVALID_VM_UUID,
                format!("vmUuid {bad:?} is not 8-4-4-4-12 hex digits"),
            ));
        }
        Filter::Uuids(uuids)
    };
    Ok(StrategyQuery {
        filter,
        fault_vms,
        page,
    })
}

// ---- Field helpers. ----

fn object(body: &Value) -> Result<&Map<String, Value>, WireError> {
    match body {
        Value::Object(map) => Ok(map),
        Value::Null => Err(WireError::invalid("the body is empty")),
        _ => Err(WireError::invalid("the body is not a JSON object")),
    }
}

/// A field that is present and not `null`.
fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn as_str<'a>(value: &'a Value, key: &str) -> Result<&'a str, WireError> {
    value
        .as_str()
        .ok_or_else(|| WireError::invalid(format!("{key} is not a string")))
}

fn as_int(value: &Value, key: &str) -> Result<i64, WireError> {
    value
        .as_i64()
        .ok_or_else(|| WireError::invalid(format!("{key} is not an integer")))
}

fn required_str<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, WireError> {
    let value = field(map, key).ok_or_else(|| WireError::invalid(format!("{key} is missing")))?;
    as_str(value, key)
}

fn optional_str<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, WireError> {
    field(map, key).map(|v| as_str(v, key)).transpose()
}

fn ipv4(text: &str, key: &str) -> Result<Ipv4Addr, WireError> {
    text.parse().map_err(|_| {
        WireError::new(
            codes::INVALID_IP,
            format!("{key} {text:?} is not an IPv4 address"),
        )
    })
}

fn port_in(value: i64, key: &str, min: i64) -> Result<u16, WireError> {
    if value < min {
        return Err(WireError::new(
            codes::INVALID_PORT,
            format!("{key} {value} is below {min}"),
        ));
    }
    u16::try_from(value)
        .map_err(|_| WireError::new(codes::INVALID_PORT, format!("{key} {value} is above 65535")))
}

/// The value of a key the client may spell two ways.
fn spelled<'a>(
    map: &'a Map<String, Value>,
    camel: &str,
    snake: &str,
    keys: PairKeys,
) -> Result<Option<&'a Value>, WireError> {
    if map.contains_key(camel) && map.contains_key(snake) {
        return Err(WireError::invalid(format!(
            "both {camel} and {snake} are given"
        )));
    }
    Ok(match keys {
        PairKeys::Both => field(map, camel).or_else(|| field(map, snake)),
        PairKeys::CamelOnly => field(map, camel),
        PairKeys::SnakeOnly => field(map, snake),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    const VM: &str = "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c";

    fn code<T: fmt::Debug>(result: Result<T, WireError>) -> &'static str {
        result.unwrap_err().code
    }

    #[test]
    fn vm_uuids() {
        assert!(is_well_formed_vm_uuid(VM));
        assert!(is_well_formed_vm_uuid(&VM.to_uppercase()));
        for bad in [
            "",
            "6f1c2b3a0d4e4f5a9b8c7d6e5f4a3b2c",
            "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2",
            "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2g",
            "6f1c2b3a_0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        ] {
            assert!(!is_well_formed_vm_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn alarm() {
        assert_eq!(
            decode_alarm(&json!({"ip": "10.0.0.9", "port": 162})),
            Ok(Alarm::Set("10.0.0.9".parse().unwrap(), 162))
        );
        assert_eq!(decode_alarm(&json!({"ip": "0.0.0.0"})), Ok(Alarm::Clear));
        assert_eq!(
            decode_alarm(&json!({"ip": "0.0.0.0", "port": 0})),
            Ok(Alarm::Clear)
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "10.0.0.256", "port": 1}))),
            codes::INVALID_IP
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "10.0.0.1", "port": 0}))),
            codes::INVALID_PORT
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "10.0.0.1", "port": 65536}))),
            codes::INVALID_PORT
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "0.0.0.0", "port": -1}))),
            codes::INVALID_PORT
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "10.0.0.1"}))),
            codes::INVALID_PARAMETER
        );
        assert_eq!(
            code(check_alarm(&json!({"ip": "10.0.0.1", "port": "162"}))),
            codes::INVALID_PARAMETER
        );
        assert_eq!(
            code(check_alarm(&json!({"port": 162}))),
            codes::INVALID_PARAMETER
        );
        assert_eq!(code(check_alarm(&Value::Null)), codes::INVALID_PARAMETER);
        assert_eq!(code(check_alarm(&json!([1]))), codes::INVALID_PARAMETER);
    }

    #[test]
    fn pairing_keys() {
        let camel = json!({"dstIp": "192.168.100.220", "dstPort": 7000});
        let snake = json!({"dst_ip": "192.168.100.220", "dst_port": 7000});
        let expected = ("192.168.100.220".parse().unwrap(), 7000);
        assert_eq!(check_pair(&camel, PairKeys::Both), Ok(expected));
        assert_eq!(check_pair(&snake, PairKeys::Both), Ok(expected));
        assert_eq!(check_pair(&camel, PairKeys::CamelOnly), Ok(expected));
        assert_eq!(
            code(check_pair(&snake, PairKeys::CamelOnly)),
            codes::INVALID_PARAMETER
        );
        assert_eq!(check_pair(&snake, PairKeys::SnakeOnly), Ok(expected));
        assert_eq!(
            code(check_pair(&camel, PairKeys::SnakeOnly)),
            codes::INVALID_PARAMETER
        );
        let mixed = json!({"dstIp": "192.168.100.220", "dst_port": 7000});
        assert_eq!(check_pair(&mixed, PairKeys::Both), Ok(expected));
        let both = json!({"dstIp": "1.2.3.4", "dst_ip": "1.2.3.4", "dstPort": 1});
        assert_eq!(
            code(check_pair(&both, PairKeys::CamelOnly)),
            codes::INVALID_PARAMETER
        );
        for (body, want) in [
            (json!({"dstIp": "1.2.3", "dstPort": 1}), codes::INVALID_IP),
            (json!({"dstIp": "0.0.0.0", "dstPort": 1}), codes::INVALID_IP),
            (
                json!({"dstIp": "01.2.3.4", "dstPort": 1}),
                codes::INVALID_IP,
            ),
            (
                json!({"dstIp": "1.2.3.4", "dstPort": 0}),
                codes::INVALID_PORT,
            ),
            (
                json!({"dstIp": "1.2.3.4", "dstPort": 70000}),
                codes::INVALID_PORT,
            ),
            (json!({"dstIp": "1.2.3.4"}), codes::INVALID_PARAMETER),
            (json!({"dstPort": 1}), codes::INVALID_PARAMETER),
            (json!({"dstIp": 1, "dstPort": 1}), codes::INVALID_PARAMETER),
        ] {
            assert_eq!(code(check_pair(&body, PairKeys::Both)), want, "{body}");
        }
    }

    fn dr_body() -> Value {
        json!({
            "vmUuid": VM,
            "agentIp": "10.1.1.5",
            "agentPort": 9000,
            "volList": [{
                "volUuid": "a",
                "volumeUrl": "/POME/datastore_131/vol/vol_a/vol_a.vhd",
                "hostUrn": "urn:sites:3F7B07E2:hosts:1",
                "dsUrn": "urn:sites:3F7B07E2:datastores:131",
                "volType": "LOCALPOME",
                "seqNum": 1,
                "drExtParams": {"dsMgntIp": "1.1.1.1", "dsResourceId": "1"}
            }]
        })
    }

    #[test]
    fn strategy_sides_and_aliases() {
        let production = json!({"vmUuid": VM, "volList": [{"volUuid": "a"}]});
        assert_eq!(check_strategy(&production), Ok(Side::Production));
        let decoded = decode_strategy(&production).unwrap();
        assert_eq!(
            decoded.side,
            SideConfig::Production {
                encrypt: 0,
                compress: 0
            }
        );
        assert_eq!(check_strategy(&dr_body()), Ok(Side::Dr));
        let decoded = decode_strategy(&dr_body()).unwrap();
        let SideConfig::Dr { host_urn, .. } = &decoded.side else {
            panic!("not DR");
        };
        assert_eq!(host_urn.as_deref(), Some("urn:sites:3F7B07E2:hosts:1"));

        let mut aliased = dr_body();
        let vol = &mut aliased["volList"][0];
        let url = vol.as_object_mut().unwrap().remove("volumeUrl").unwrap();
        vol["volumeUr1"] = url;
        vol["drExtParams"] = json!(r#"{"drMgntIp":"2.2.2.2","dsResourceId":7}"#);
        let decoded = decode_strategy(&aliased).unwrap();
        let ext = decoded.volumes[0].dr_ext.as_ref().unwrap();
        assert_eq!(ext["dsMgntIp"], "2.2.2.2");
        assert_eq!(ext["dsResourceId"], 7);
        assert!(decoded.volumes[0].volume_url.is_some());
    }

    #[test]
    fn strategy_refusals() {
        type Change = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|b| b["vmUuid"] = json!("nope")),
                codes::INVALID_VM_UUID,
            ),
            (
                Box::new(|b| b["vmUuid"] = Value::Null),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"] = json!([])),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"] = json!({})),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["agentIp"] = json!("10.1.1")),
                codes::INVALID_IP,
            ),
            (Box::new(|b| b["agentPort"] = json!(0)), codes::INVALID_PORT),
            (
                Box::new(|b| {
                    b.as_object_mut().unwrap().remove("agentPort");
                }),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["seqNum"] = json!(41)),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["seqNum"] = json!(0)),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["volType"] = json!("SAN")),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["volumeUr1"] = json!("/x")),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| {
                    b["volList"][0].as_object_mut().unwrap().remove("volumeUrl");
                }),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["drExtParams"] = json!("{not json")),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| b["volList"][0]["drExtParams"]["dsMgntIp"] = json!("1.1.1")),
                codes::INVALID_IP,
            ),
            (
                Box::new(|b| b["volList"][0]["drExtParams"]["drMgntIp"] = json!("1.1.1.1")),
                codes::INVALID_PARAMETER,
            ),
            (
                Box::new(|b| {
                    let first = b["volList"][0].clone();
                    let mut second = first.clone();
                    second["volUuid"] = json!("A");
                    second["seqNum"] = json!(2);
                    b["volList"] = json!([first, second]);
                }),
                codes::DUPLICATE_VOLUME_UUID,
            ),
            (
                Box::new(|b| {
                    let first = b["volList"][0].clone();
                    let mut second = first.clone();
                    second["volUuid"] = json!("b");
                    b["volList"] = json!([first, second]);
                }),
                codes::DUPLICATE_SLOT_NUMBER,
            ),
        ];
        for (i, (change, want)) in cases.iter().enumerate() {
            let mut body = dr_body();
            change(&mut body);
            assert_eq!(code(check_strategy(&body)), *want, "case {i}: {body}");
        }
        let production = json!({"vmUuid": VM, "encryptOption": 2, "volList": [{"volUuid": "a"}]});
        assert_eq!(code(check_strategy(&production)), codes::INVALID_PARAMETER);
    }

    #[test]
    fn delete_and_management_network() {
        assert_eq!(check_delete(&json!({"delFlag": 1})), Ok(1));
        for bad in [
            json!({"delFlag": 3}),
            json!({}),
            json!({"delFlag": "1"}),
            Value::Null,
        ] {
            assert_eq!(code(check_delete(&bad)), codes::INVALID_PARAMETER, "{bad}");
        }
        let good =
            json!({"newIp": "127.0.10.9", "newMask": "255.255.255.0", "newGateway": "127.0.10.1"});
        assert_eq!(
            check_management_network(&good),
            Ok("127.0.10.9".parse().unwrap())
        );
        for (change, want) in [
            (("newIp", json!("127.0.10")), codes::INVALID_IP),
            (("newMask", json!("255.0.255.0")), codes::INVALID_IP),
            (("newGateway", json!("x")), codes::INVALID_IP),
            (("newIp", json!("0.0.0.0")), codes::INVALID_IP),
            (("newMask", Value::Null), codes::INVALID_PARAMETER),
            (("newGateway", json!(1)), codes::INVALID_PARAMETER),
        ] {
            let mut body = good.clone();
            body[change.0] = change.1;
            assert_eq!(code(check_management_network(&body)), want, "{body}");
        }
    }

    #[test]
    fn strategy_queries() {
        let q = decode_strategy_query("limit=500&offset=3&faultVms=1").unwrap();
        assert_eq!((q.page, q.fault_vms), (Some((100, 3)), Some(1)));
        let q = decode_strategy_query(&format!("vmUuid={VM}&vmUuid={VM}")).unwrap();
        assert_eq!(q.filter, Filter::Uuids(vec![VM.to_owned(), VM.to_owned()]));
        assert_eq!(decode_strategy_query("").unwrap().filter, Filter::All);
        for (query, want) in [
            ("limit=10", codes::INVALID_PARAMETER),
            ("offset=0", codes::INVALID_PARAMETER),
            ("limit=0&offset=0", codes::INVALID_PARAMETER),
            ("limit=-1&offset=0", codes::INVALID_PARAMETER),
            ("limit=x&offset=0", codes::INVALID_PARAMETER),
            ("limit=1&limit=2&offset=0", codes::INVALID_PARAMETER),
            ("faultVms=2", codes::INVALID_PARAMETER),
            ("faultVms", codes::INVALID_PARAMETER),
            ("vmuuid=x", codes::INVALID_PARAMETER),
            ("vmUuid=bad", codes::INVALID_VM_UUID),
            ("vmUuid=bad&faultVms=1", codes::INVALID_PARAMETER),
            ("vmUuid=bad&limit=1&offset=0", codes::INVALID_PARAMETER),
            ("limit=%zz&offset=0", codes::INVALID_PARAMETER),
        ] {
            assert_eq!(code(check_strategy_query(query)), want, "{query}");
        }
    }

    #[test]
    fn bodies_parse() {
        assert_eq!(parse_body(b""), Ok(Value::Null));
        assert_eq!(parse_body(b" \n"), Ok(Value::Null));
        assert_eq!(parse_body(b"{}"), Ok(json!({})));
        assert_eq!(code(parse_body(b"{")), codes::INVALID_PARAMETER);
    }
}
