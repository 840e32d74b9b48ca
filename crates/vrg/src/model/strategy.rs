//! VM DR configurations ("strategies", §3.8): the two request bodies, the query answer.

use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use crate::error::VrgError;
use crate::lenient::{Fields, int_of, items_of, require_body, wrong_shape};
use crate::model::enums::{MISSING, StrategySide, VolStatus, VolType};
use crate::model::input;
use crate::model::vm_uuid::VmUuid;

/// The documented range of a disk slot number, `seqNum` (required on Xen).
pub const SEQ_NUM_RANGE: std::ops::RangeInclusive<u8> = 1..=40;

/// How `drExtParams` is sent (reference §8 #10): the table types it String, every example
/// shows an object. Which one a device takes is UNVERIFIED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExtParamsStyle {
    /// A JSON object, `{"dsMgntIp":…,"dsResourceId":…}` (the default).
    #[default]
    Object,
    /// The same object, JSON-encoded into a string.
    JsonString,
}

/// The extension of a DR-side volume, `drExtParams` (§3.8.2): the storage's management
/// IP and resource pool ID.
///
/// When decoding, the management IP is read from `dsMgntIp` (§3.8.2 and both samples) or
/// `drMgntIp` (the §3.8.3 table); it is sent as `dsMgntIp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DrExtParams {
    /// `dsMgntIp`: the storage's management IP (管理IP).
    pub ds_mgnt_ip: Option<String>,
    /// `dsResourceId`: the resource pool ID (资源池ID), a string (`"1"` in the document).
    pub ds_resource_id: Option<String>,
}

impl DrExtParams {
    /// Both fields at once.
    pub fn new(ds_mgnt_ip: impl Into<String>, ds_resource_id: impl Into<String>) -> Self {
        DrExtParams {
            ds_mgnt_ip: Some(ds_mgnt_ip.into()),
            ds_resource_id: Some(ds_resource_id.into()),
        }
    }

    /// Whether neither field is set (such a value is not sent).
    pub fn is_empty(&self) -> bool {
        self.ds_mgnt_ip.is_none() && self.ds_resource_id.is_none()
    }

    /// The object form, absent fields left out.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if let Some(ip) = &self.ds_mgnt_ip {
            map.insert("dsMgntIp".into(), Value::String(ip.clone()));
        }
        if let Some(id) = &self.ds_resource_id {
            map.insert("dsResourceId".into(), Value::String(id.clone()));
        }
        Value::Object(map)
    }

    /// Reads the extension from an answer: an object, or a string holding a JSON object.
    /// `None` for anything else.
    pub fn from_value(value: &Value) -> Option<DrExtParams> {
        match value {
            Value::Object(map) => {
                let mut f = Fields::new(map);
                Some(DrExtParams {
                    ds_mgnt_ip: f.text(&["dsMgntIp", "drMgntIp"]),
                    ds_resource_id: f.text(&["dsResourceId", "drResourceId"]),
                })
            }
            Value::String(text) => match serde_json::from_str::<Value>(text.trim()) {
                Ok(inner @ Value::Object(_)) => DrExtParams::from_value(&inner),
                _ => None,
            },
            _ => None,
        }
    }

    fn validate(&self, at: &str) -> Result<(), VrgError> {
        input::optional_text(&format!("{at}.dsMgntIp"), self.ds_mgnt_ip.as_deref())?;
        input::optional_text(
            &format!("{at}.dsResourceId"),
            self.ds_resource_id.as_deref(),
        )
    }

    fn encode(&self, style: ExtParamsStyle) -> Value {
        let object = self.to_json();
        match style {
            ExtParamsStyle::Object => object,
            ExtParamsStyle::JsonString => Value::String(object.to_string()),
        }
    }
}

/// One disk of a production-side configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductionVolume {
    /// `volUuid`: the protected volume's UUID (required, unique within the request).
    pub vol_uuid: String,
    /// `seqNum`: the disk slot number, 1-40 (required on Xen).
    pub seq_num: Option<u8>,
}

impl ProductionVolume {
    /// A volume without a slot number.
    pub fn new(vol_uuid: impl Into<String>) -> Self {
        ProductionVolume {
            vol_uuid: vol_uuid.into(),
            seq_num: None,
        }
    }

    /// Sets the slot number.
    #[must_use]
    pub fn seq_num(mut self, seq_num: u8) -> Self {
        self.seq_num = Some(seq_num);
        self
    }
}

/// The production-side DR configuration of a VM, the body of `POST /vmstrategy` (§3.8.1):
/// which VM to protect, its disks, and whether to encrypt and compress its replication.
///
/// ```
/// use storkit_vrg::model::{ProductionStrategy, ProductionVolume, VmUuid};
/// use serde_json::json;
///
/// let body = ProductionStrategy::new(VmUuid::new("vm-1")?)
///     .vm_name("db01")
///     .compress(true)
///     .volume(ProductionVolume::new("vol-a").seq_num(1))
///     .volume(ProductionVolume::new("vol-b").seq_num(2))
///     .to_json()?;
/// assert_eq!(body, json!({
///     "vmUuid": "vm-1",
///     "vmName": "db01",
///     "compressOption": 1,
///     "volList": [{"volUuid": "vol-a", "seqNum": 1}, {"volUuid": "vol-b", "seqNum": 2}],
/// }));
///
/// // Refused before sending, naming the field as the VRG does.
/// let bad = ProductionStrategy::new(VmUuid::new("vm-1")?)
///     .volume(ProductionVolume::new("vol-a").seq_num(41));
/// assert!(bad.validate().unwrap_err().to_string().contains("volList[0].seqNum"));
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductionStrategy {
    /// `vmUuid`: the protected VM.
    pub vm_uuid: VmUuid,
    /// `vmId`: the VM ID, `i-xxxxxxxx` (optional).
    pub vm_id: Option<String>,
    /// `vmName`: the VM name (optional).
    pub vm_name: Option<String>,
    /// `encryptOption`: AES-128 encryption of the replicated data; sent as `1` when on,
    /// left out when off (the documented default is "none", reference §8 #7).
    pub encrypt: bool,
    /// `compressOption`: compression of the replicated data; sent as `1` when on, left
    /// out when off (the documented default; the table's "0: enable" is a typo,
    /// reference §8 #6).
    pub compress: bool,
    /// `volList`: the VM's disks (at least one).
    pub volumes: Vec<ProductionVolume>,
}

impl ProductionStrategy {
    /// A configuration for `vm` with no disks yet, encryption and compression off.
    pub fn new(vm: VmUuid) -> Self {
        ProductionStrategy {
            vm_uuid: vm,
            vm_id: None,
            vm_name: None,
            encrypt: false,
            compress: false,
            volumes: Vec::new(),
        }
    }

    /// Sets `vmId`.
    #[must_use]
    pub fn vm_id(mut self, vm_id: impl Into<String>) -> Self {
        self.vm_id = Some(vm_id.into());
        self
    }

    /// Sets `vmName`.
    #[must_use]
    pub fn vm_name(mut self, vm_name: impl Into<String>) -> Self {
        self.vm_name = Some(vm_name.into());
        self
    }

    /// Turns encryption on or off.
    #[must_use]
    pub fn encrypt(mut self, on: bool) -> Self {
        self.encrypt = on;
        self
    }

    /// Turns compression on or off.
    #[must_use]
    pub fn compress(mut self, on: bool) -> Self {
        self.compress = on;
        self
    }

    /// Adds a disk.
    #[must_use]
    pub fn volume(mut self, volume: ProductionVolume) -> Self {
        self.volumes.push(volume);
        self
    }

    /// Adds disks.
    #[must_use]
    pub fn volumes(mut self, volumes: impl IntoIterator<Item = ProductionVolume>) -> Self {
        self.volumes.extend(volumes);
        self
    }

    /// Checks the configuration: `vmId`/`vmName` not empty when given; `volList` not
    /// empty; each `volUuid` given and unique (the VRG's `10440306`); each `seqNum` in
    /// 1-40 and unique (`10440309`). The refusal names the field, `volList[1].seqNum`.
    pub fn validate(&self) -> Result<(), VrgError> {
        input::optional_text("vmId", self.vm_id.as_deref())?;
        input::optional_text("vmName", self.vm_name.as_deref())?;
        check_volumes(
            self.volumes
                .iter()
                .map(|v| (v.vol_uuid.as_str(), v.seq_num)),
        )
    }

    /// Validates, then builds the request body with the table's names; optional fields
    /// that are absent (or off) are left out.
    pub fn to_json(&self) -> Result<Value, VrgError> {
        self.validate()?;
        let mut map = Map::new();
        map.insert("vmUuid".into(), json!(self.vm_uuid.as_str()));
        insert_opt(&mut map, "vmId", self.vm_id.as_deref());
        insert_opt(&mut map, "vmName", self.vm_name.as_deref());
        if self.encrypt {
            map.insert("encryptOption".into(), json!(1));
        }
        if self.compress {
            map.insert("compressOption".into(), json!(1));
        }
        let vols = self
            .volumes
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("volUuid".into(), json!(v.vol_uuid));
                if let Some(n) = v.seq_num {
                    m.insert("seqNum".into(), json!(n));
                }
                Value::Object(m)
            })
            .collect();
        map.insert("volList".into(), Value::Array(vols));
        Ok(Value::Object(map))
    }
}

/// One disk of a DR-side configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DrVolume {
    /// `volUuid`: the UUID of the protected (production-side) volume; required, unique
    /// within the request.
    pub vol_uuid: String,
    /// `volumeUrl`: the URL of the DR-side volume (required; the table spells it
    /// `volumeUr1`), e.g. `/POME/datastore_131/vol/vol_<uuid>/vol_<uuid>.vhd`.
    pub volume_url: String,
    /// `dsUrn`: the URN of the disk's datastore, e.g. `urn:sites:3F7B07E2:datastores:131`.
    pub ds_urn: Option<String>,
    /// `volType`: the storage type of the DR volume.
    pub vol_type: Option<VolType>,
    /// `seqNum`: the disk slot number, 1-40 (required on Xen).
    pub seq_num: Option<u8>,
    /// `drExtParams`: storage management IP and resource pool ID; left out when absent
    /// or empty.
    pub dr_ext_params: Option<DrExtParams>,
}

impl DrVolume {
    /// A volume with its two required fields.
    pub fn new(vol_uuid: impl Into<String>, volume_url: impl Into<String>) -> Self {
        DrVolume {
            vol_uuid: vol_uuid.into(),
            volume_url: volume_url.into(),
            ds_urn: None,
            vol_type: None,
            seq_num: None,
            dr_ext_params: None,
        }
    }

    /// Sets `dsUrn`.
    #[must_use]
    pub fn ds_urn(mut self, ds_urn: impl Into<String>) -> Self {
        self.ds_urn = Some(ds_urn.into());
        self
    }

    /// Sets `volType`.
    #[must_use]
    pub fn vol_type(mut self, vol_type: VolType) -> Self {
        self.vol_type = Some(vol_type);
        self
    }

    /// Sets `seqNum`.
    #[must_use]
    pub fn seq_num(mut self, seq_num: u8) -> Self {
        self.seq_num = Some(seq_num);
        self
    }

    /// Sets `drExtParams`.
    #[must_use]
    pub fn dr_ext_params(mut self, params: DrExtParams) -> Self {
        self.dr_ext_params = Some(params);
        self
    }
}

/// The DR-side configuration of a VM, the body of `POST /vmstrategy` (§3.8.2): where each
/// protected disk lands on the DR side and which writeagent writes it.
///
/// The VRG applies it asynchronously: poll `GET /vmstrategy?vmUuid=…` until no volume is
/// "setting up" ([`VmStrategy::is_applied`], [`VmStrategy::failed_volume`]).
///
/// ```
/// use std::net::Ipv4Addr;
/// use storkit_vrg::model::{DrExtParams, DrStrategy, DrVolume, ExtParamsStyle, VmUuid, VolType};
/// use serde_json::json;
///
/// let dr = DrStrategy::new(VmUuid::new("vm-1")?, Ipv4Addr::new(10, 1, 0, 7), 7001)
///     .host_urn("urn:sites:3F7B07E2:hosts:12")
///     .volume(
///         DrVolume::new("vol-a", "/POME/datastore_131/vol/vol_a/vol_a.vhd")
///             .vol_type(VolType::LocalPome)
///             .seq_num(1)
///             .dr_ext_params(DrExtParams::new("1.1.1.1", "1")),
///     );
/// assert_eq!(dr.to_json(ExtParamsStyle::Object)?, json!({
///     "vmUuid": "vm-1",
///     "hostUrn": "urn:sites:3F7B07E2:hosts:12",
///     "agentIp": "10.1.0.7",
///     "agentPort": 7001,
///     "volList": [{
///         "volUuid": "vol-a",
///         "volumeUrl": "/POME/datastore_131/vol/vol_a/vol_a.vhd",
///         "volType": "LOCALPOME",
///         "seqNum": 1,
///         "drExtParams": {"dsMgntIp": "1.1.1.1", "dsResourceId": "1"},
///     }],
/// }));
/// # Ok::<(), storkit_vrg::VrgError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DrStrategy {
    /// `vmUuid`: the protected VM.
    pub vm_uuid: VmUuid,
    /// `vmId`: the VM ID, `i-xxxxxxxx` (optional).
    pub vm_id: Option<String>,
    /// `vmName`: the VM name (optional).
    pub vm_name: Option<String>,
    /// `hostUrn`: the URN of the host of the DR VM (optional), sent at the top level as
    /// the table says (the sample puts it in a volume).
    pub host_urn: Option<String>,
    /// `agentIp`: the IP of the writeagent where the DR VM resides.
    pub agent_ip: Ipv4Addr,
    /// `agentPort`: that writeagent's port, 1-65535.
    pub agent_port: u16,
    /// `volList`: the VM's disks (at least one).
    pub volumes: Vec<DrVolume>,
}

impl DrStrategy {
    /// A configuration for `vm` written by the writeagent at `agent_ip:agent_port`, with
    /// no disks yet.
    pub fn new(vm: VmUuid, agent_ip: Ipv4Addr, agent_port: u16) -> Self {
        DrStrategy {
            vm_uuid: vm,
            vm_id: None,
            vm_name: None,
            host_urn: None,
            agent_ip,
            agent_port,
            volumes: Vec::new(),
        }
    }

    /// Sets `vmId`.
    #[must_use]
    pub fn vm_id(mut self, vm_id: impl Into<String>) -> Self {
        self.vm_id = Some(vm_id.into());
        self
    }

    /// Sets `vmName`.
    #[must_use]
    pub fn vm_name(mut self, vm_name: impl Into<String>) -> Self {
        self.vm_name = Some(vm_name.into());
        self
    }

    /// Sets `hostUrn`.
    #[must_use]
    pub fn host_urn(mut self, host_urn: impl Into<String>) -> Self {
        self.host_urn = Some(host_urn.into());
        self
    }

    /// Adds a disk.
    #[must_use]
    pub fn volume(mut self, volume: DrVolume) -> Self {
        self.volumes.push(volume);
        self
    }

    /// Adds disks.
    #[must_use]
    pub fn volumes(mut self, volumes: impl IntoIterator<Item = DrVolume>) -> Self {
        self.volumes.extend(volumes);
        self
    }

    /// Checks the configuration: optional texts not empty when given; `agentIp` a
    /// unicast address; `agentPort` 1-65535; `volList` not empty; each `volUuid` and
    /// `volumeUrl` given; `volUuid` unique (`10440306`); `seqNum` in 1-40 and unique
    /// (`10440309`); a `volType` label not empty. The refusal names the field.
    pub fn validate(&self) -> Result<(), VrgError> {
        input::optional_text("vmId", self.vm_id.as_deref())?;
        input::optional_text("vmName", self.vm_name.as_deref())?;
        input::optional_text("hostUrn", self.host_urn.as_deref())?;
        let ip = self.agent_ip;
        if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
            return Err(VrgError::invalid(
                "agentIp",
                format!("{ip} cannot be a writeagent's address"),
            ));
        }
        input::port("agentPort", self.agent_port)?;
        check_volumes(
            self.volumes
                .iter()
                .map(|v| (v.vol_uuid.as_str(), v.seq_num)),
        )?;
        for (i, v) in self.volumes.iter().enumerate() {
            input::required_text(&format!("volList[{i}].volumeUrl"), &v.volume_url)?;
            input::optional_text(&format!("volList[{i}].dsUrn"), v.ds_urn.as_deref())?;
            if let Some(t) = &v.vol_type {
                input::required_text(&format!("volList[{i}].volType"), t.as_str())?;
            }
            if let Some(p) = &v.dr_ext_params {
                p.validate(&format!("volList[{i}].drExtParams"))?;
            }
        }
        Ok(())
    }

    /// Validates, then builds the request body with the table's names (`volumeUrl`,
    /// `hostUrn` at the top level); absent optional fields are left out, and
    /// `drExtParams` is written in `style`.
    pub fn to_json(&self, style: ExtParamsStyle) -> Result<Value, VrgError> {
        self.validate()?;
        let mut map = Map::new();
        map.insert("vmUuid".into(), json!(self.vm_uuid.as_str()));
        insert_opt(&mut map, "vmId", self.vm_id.as_deref());
        insert_opt(&mut map, "vmName", self.vm_name.as_deref());
        insert_opt(&mut map, "hostUrn", self.host_urn.as_deref());
        map.insert("agentIp".into(), json!(self.agent_ip.to_string()));
        map.insert("agentPort".into(), json!(self.agent_port));
        let vols = self
            .volumes
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("volUuid".into(), json!(v.vol_uuid));
                m.insert("volumeUrl".into(), json!(v.volume_url));
                insert_opt(&mut m, "dsUrn", v.ds_urn.as_deref());
                if let Some(t) = &v.vol_type {
                    m.insert("volType".into(), json!(t.as_str()));
                }
                if let Some(n) = v.seq_num {
                    m.insert("seqNum".into(), json!(n));
                }
                if let Some(p) = v.dr_ext_params.as_ref().filter(|p| !p.is_empty()) {
                    m.insert("drExtParams".into(), p.encode(style));
                }
                Value::Object(m)
            })
            .collect();
        map.insert("volList".into(), Value::Array(vols));
        Ok(Value::Object(map))
    }
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.into(), Value::String(v.to_owned()));
    }
}

/// The volume checks both sides share.
fn check_volumes<'a>(
    volumes: impl ExactSizeIterator<Item = (&'a str, Option<u8>)>,
) -> Result<(), VrgError> {
    if volumes.len() == 0 {
        return Err(VrgError::invalid(
            "volList",
            "empty; a configuration needs at least one volume",
        ));
    }
    let mut seen: Vec<(&str, Option<u8>)> = Vec::with_capacity(volumes.len());
    for (i, (uuid, seq)) in volumes.enumerate() {
        input::required_text(&format!("volList[{i}].volUuid"), uuid)?;
        if let Some(j) = seen.iter().position(|(u, _)| u.eq_ignore_ascii_case(uuid)) {
            return Err(VrgError::invalid(
                format!("volList[{i}].volUuid"),
                format!("duplicates volList[{j}].volUuid (the VRG answers 10440306)"),
            ));
        }
        if let Some(n) = seq {
            if !SEQ_NUM_RANGE.contains(&n) {
                return Err(VrgError::invalid(
                    format!("volList[{i}].seqNum"),
                    format!("{n}; a disk slot number is 1-40"),
                ));
            }
            if let Some(j) = seen.iter().position(|(_, s)| *s == Some(n)) {
                return Err(VrgError::invalid(
                    format!("volList[{i}].seqNum"),
                    format!("{n} duplicates volList[{j}].seqNum (the VRG answers 10440309)"),
                ));
            }
        }
        seen.push((uuid, seq));
    }
    Ok(())
}

/// One volume of a VM's configuration, as `GET /vmstrategy` reports it (§3.8.3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrategyVolume {
    /// `volUuid`: the protected-side volume's UUID.
    pub vol_uuid: Option<String>,
    /// `dstVolDsUrn` (table `dstVolDsurn`; also the request's `dsUrn`): the DR volume's
    /// storage URN. Absent on the production side.
    pub dst_vol_ds_urn: Option<String>,
    /// `dstVolType` (also the request's `volType`): the DR volume's storage type.
    pub dst_vol_type: Option<VolType>,
    /// `volStatus`: the volume's state (DR side only); `None` when absent or not a number.
    pub vol_status: Option<VolStatus>,
    /// `seqNum`: the disk slot number (returned on Xen).
    pub seq_num: Option<i64>,
    /// `volumeUrl` (table `volumeUr1`): the DR volume's URL.
    pub volume_url: Option<String>,
    /// `drExtParams`, typed: read from an object or from a string holding a JSON object;
    /// the management IP from `dsMgntIp` or `drMgntIp`.
    pub dr_ext_params: Option<DrExtParams>,
    /// `drExtParams` exactly as sent (also when it could not be read).
    pub dr_ext_params_raw: Option<Value>,
    /// `hostUrn` inside a volume, where the §3.8.2 sample puts it.
    pub host_urn: Option<String>,
    /// `proVolUuid`: in the sample only; meaning UNKNOWN (probably the protected
    /// volume's UUID).
    pub pro_vol_uuid: Option<String>,
    /// Every other key, and any documented key whose value could not be read.
    pub extra: Map<String, Value>,
}

impl StrategyVolume {
    fn from_map(map: &Map<String, Value>) -> StrategyVolume {
        let mut f = Fields::new(map);
        let raw_ext = f.value(&["drExtParams"]).cloned();
        StrategyVolume {
            vol_uuid: f.text(&["volUuid"]),
            dst_vol_ds_urn: f.text(&["dstVolDsUrn", "dstVolDsurn", "dsUrn"]),
            dst_vol_type: f.take(&["dstVolType", "volType"], |v| {
                v.as_str().map(VolType::from_wire)
            }),
            vol_status: f.int(&["volStatus"]).map(VolStatus::from_number),
            seq_num: f.int(&["seqNum"]),
            volume_url: f.text(&["volumeUrl", "volumeUr1", "volumeUri"]),
            dr_ext_params: raw_ext.as_ref().and_then(DrExtParams::from_value),
            dr_ext_params_raw: raw_ext,
            host_urn: f.text(&["hostUrn"]),
            pro_vol_uuid: f.text(&["proVolUuid"]),
            extra: f.extra(),
        }
    }
}

/// One VM's DR configuration, as `GET /vmstrategy` reports it (§3.8.3).
///
/// Which fields come depends on the side (`flag`): a production-side entry has the
/// compression and encryption options, a DR-side entry the writeagent and the volume
/// states. All are `Option`s; unknown keys are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VmStrategy {
    /// `flag`: the side this configuration belongs to (`Unknown(MISSING)` when absent;
    /// see [`VmStrategy::inferred_side`]).
    pub side: StrategySide,
    /// `vmUuid`: the protected VM.
    pub vm_uuid: Option<String>,
    /// `vmId`: not in the answer table; read in case the VRG echoes the request.
    pub vm_id: Option<String>,
    /// `vmName`: not in the answer table; read in case the VRG echoes the request.
    pub vm_name: Option<String>,
    /// `compressOption` (sample `compressMethod`) as a number: 0 none, 1 compression.
    pub compress: Option<i64>,
    /// The compression option when it came as a non-numeric string (the sample types
    /// `compressMethod` string), verbatim.
    pub compress_raw: Option<String>,
    /// `encryptOption` (sample `encryptMethod`) as a number: 0 none, 1 AES-128.
    pub encrypt: Option<i64>,
    /// The encryption option when it came as a non-numeric string, verbatim.
    pub encrypt_raw: Option<String>,
    /// `hostUrn`: the URN of the compute node hosting the writeagent (DR side).
    pub host_urn: Option<String>,
    /// `agentIp`: the writeagent's IP (DR side), as sent.
    pub agent_ip: Option<String>,
    /// `agentPort`: the writeagent's port (DR side).
    pub agent_port: Option<i64>,
    /// `volList`: the volumes; elements that are not objects are skipped.
    pub volumes: Vec<StrategyVolume>,
    /// Every other key, and any documented key whose value could not be read.
    pub extra: Map<String, Value>,
}

impl VmStrategy {
    fn from_map(map: &Map<String, Value>) -> VmStrategy {
        let mut f = Fields::new(map);
        let (compress, compress_raw) = option_of(&mut f, &["compressOption", "compressMethod"]);
        let (encrypt, encrypt_raw) = option_of(&mut f, &["encryptOption", "encryptMethod"]);
        VmStrategy {
            side: StrategySide::from_number(f.int(&["flag"]).unwrap_or(MISSING)),
            vm_uuid: f.text(&["vmUuid"]),
            vm_id: f.text(&["vmId"]),
            vm_name: f.text(&["vmName"]),
            compress,
            compress_raw,
            encrypt,
            encrypt_raw,
            host_urn: f.text(&["hostUrn"]),
            agent_ip: f.text(&["agentIp"]),
            agent_port: f.int(&["agentPort"]),
            volumes: f
                .take(&["volList", "volumeList"], |v| match v {
                    Value::Array(_) | Value::Object(_) => Some(
                        items_of(v)
                            .into_iter()
                            .filter_map(Value::as_object)
                            .map(StrategyVolume::from_map)
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default(),
            extra: f.extra(),
        }
    }

    /// Whether the VRG has finished applying the configuration: no volume is still
    /// "setting up" (`volStatus` 5). True for an entry without volume states (the
    /// production side reports none).
    pub fn is_applied(&self) -> bool {
        !self
            .volumes
            .iter()
            .any(|v| v.vol_status == Some(VolStatus::SettingUp))
    }

    /// The first volume whose configuration failed (`volStatus` 2, 3, 4 or 6), with its
    /// status.
    pub fn failed_volume(&self) -> Option<(&StrategyVolume, VolStatus)> {
        self.volumes.iter().find_map(|v| match v.vol_status {
            Some(s) if s.is_failure() => Some((v, s)),
            _ => None,
        })
    }

    /// The side from `flag`; when `flag` is absent or unlisted, a guess from the fields
    /// the document says only one side has (writeagent, host, volume states and DR
    /// volume fields: DR; compression or encryption: production). Stays `side` when the
    /// fields do not tell.
    pub fn inferred_side(&self) -> StrategySide {
        if self.side.is_known() {
            return self.side;
        }
        let dr = self.agent_ip.is_some()
            || self.agent_port.is_some()
            || self.host_urn.is_some()
            || self.volumes.iter().any(|v| {
                v.vol_status.is_some()
                    || v.dst_vol_ds_urn.is_some()
                    || v.volume_url.is_some()
                    || v.host_urn.is_some()
            });
        let production = self.compress.is_some()
            || self.compress_raw.is_some()
            || self.encrypt.is_some()
            || self.encrypt_raw.is_some();
        match (production, dr) {
            (true, false) => StrategySide::Production,
            (false, true) => StrategySide::Dr,
            _ => self.side,
        }
    }

    /// `hostUrn` at the top level, or else the first one found in a volume (the
    /// §3.8.2 sample's place).
    pub fn effective_host_urn(&self) -> Option<&str> {
        self.host_urn
            .as_deref()
            .or_else(|| self.volumes.iter().find_map(|v| v.host_urn.as_deref()))
    }
}

/// A compression or encryption option: a number, or a non-numeric string kept verbatim.
fn option_of(f: &mut Fields<'_>, names: &[&str]) -> (Option<i64>, Option<String>) {
    f.take(names, |v| match (int_of(v), v) {
        (Some(n), _) => Some((Some(n), None)),
        (None, Value::String(s)) => Some((None, Some(s.clone()))),
        _ => None,
    })
    .unwrap_or((None, None))
}

/// Decodes `GET /vmstrategy`: `{"vmList":[…]}`.
///
/// Also accepted: a bare array of entries, a `vmList` holding one object instead of an
/// array, and an object that is itself one entry (it has `vmUuid` or `flag`). A missing
/// or `null` `vmList` is an empty list; elements that are not objects are skipped. The
/// "no VM in the system" answer is an error code (`10440308`), not a body: the client
/// maps it to an empty list.
pub fn decode_strategies(body: &[u8]) -> Result<Vec<VmStrategy>, VrgError> {
    const WHAT: &str = "GET /vmstrategy";
    let value = require_body(body, WHAT)?;
    let entries: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let mut f = Fields::new(map);
            match f.value(&["vmList", "vmStrategies", "strategies"]) {
                Some(list) => items_of(list),
                None if f.value(&["vmUuid", "flag"]).is_some() => vec![&value],
                None => Vec::new(),
            }
        }
        other => return Err(wrong_shape(WHAT, "an object or an array", other)),
    };
    Ok(entries
        .into_iter()
        .filter_map(Value::as_object)
        .map(VmStrategy::from_map)
        .collect())
}
