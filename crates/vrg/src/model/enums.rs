//! The numbered values of the interface document (reference §7), each with the
//! number kept when the document does not list it.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

/// The number an `Unknown` variant carries when the answer had no usable value for the
/// field (missing, `null`, or not a number): `i64::MIN`, which no VRG field uses.
pub const MISSING: i64 = i64::MIN;

fn unknown_meaning(n: i64) -> &'static str {
    if n == MISSING {
        "absent or not a number"
    } else {
        "not listed in the interface document"
    }
}

macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $num:literal => $meaning:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A number the interface document does not list, kept as sent
            /// ([`MISSING`] when the answer had no usable value).
            Unknown(i64),
        }

        impl $name {
            /// The value for a wire number; a number the document does not list is kept
            /// in `Unknown`.
            pub fn from_number(n: i64) -> Self {
                match n {
                    $( $num => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }

            /// The wire number.
            pub fn number(self) -> i64 {
                match self {
                    $( $name::$variant => $num, )+
                    $name::Unknown(n) => n,
                }
            }

            /// What the value means, in English (the document's Chinese, translated).
            pub fn meaning(self) -> &'static str {
                match self {
                    $( $name::$variant => $meaning, )+
                    $name::Unknown(n) => unknown_meaning(n),
                }
            }

            /// Whether the number is one the document lists.
            pub fn is_known(self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl From<i64> for $name {
            fn from(n: i64) -> Self {
                $name::from_number(n)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::Unknown(n) if *n == MISSING => f.write_str("absent"),
                    other => write!(f, "{} ({})", other.number(), other.meaning()),
                }
            }
        }
    };
}

int_enum! {
    /// The VRG's health, `GET /vrgstatus` `status` (§3.4).
    VrgHealth {
        /// `1`: normal (正常).
        Normal = 1 => "normal",
        /// `2`: abnormal (异常).
        Abnormal = 2 => "abnormal",
    }
}

int_enum! {
    /// The kind of a VRG service network, `GET /netinfos` `type` (§3.5).
    NetType {
        /// `0`: the management network (管理网络).
        Management = 0 => "management network",
        /// `1`: the network to the CNA nodes, where the writeagents run (和 CNA 节点通信网络).
        Cna = 1 => "network for communication with CNA nodes",
        /// `2`: the network to the peer VRG (和对端 VRG 通信网络).
        PeerVrg = 2 => "network for communication with the peer VRG",
    }
}

int_enum! {
    /// A VM's DR status: `GET /vmdrstatus/{vmUuid}/` `status` (§3.6) and the `drStatus`
    /// a deletion returns (§3.8.4).
    ///
    /// UNVERIFIED reading: `IncrementalQueue` means the DR copy follows the live I/O;
    /// the other two mean a resync was running, so the DR copy may lag or be
    /// inconsistent.
    DrStatus {
        /// `1`: incremental queue (增量队列).
        IncrementalQueue = 1 => "incremental queue",
        /// `2`: incremental CBT, changed block tracking (增量 CBT).
        IncrementalCbt = 2 => "incremental CBT",
        /// `3`: consistency check (一致性校验).
        ConsistencyCheck = 3 => "consistency check",
    }
}

int_enum! {
    /// The link to the peer VRG, `GET /vrgmap` `status` (§3.7.3).
    PairStatus {
        /// `1`: normal, paired (正常).
        Normal = 1 => "normal",
        /// `2`: pairing in progress (配对中).
        Pairing = 2 => "pairing in progress",
        /// `3`: pairing failed, abnormal (配对失败,异常).
        Failed = 3 => "pairing failed, abnormal",
        /// `4`: not paired (未进行配对).
        NotPaired = 4 => "not paired",
        /// `5`: link interrupted (链路中断).
        LinkDown = 5 => "link interrupted",
    }
}

impl PairStatus {
    /// `3` (failed) or `5` (link down): waiting longer will not make it paired.
    pub fn is_failure(self) -> bool {
        matches!(self, PairStatus::Failed | PairStatus::LinkDown)
    }
}

int_enum! {
    /// Which side a VM's DR configuration belongs to, `GET /vmstrategy` `flag` (§3.8.3).
    StrategySide {
        /// `1`: a production-side configuration (生产端配置).
        Production = 1 => "production-side configuration",
        /// `2`: a DR-side configuration (容灾端配置).
        Dr = 2 => "DR-side configuration",
    }
}

int_enum! {
    /// The state of one volume of a DR-side configuration, `volStatus` (§3.8.3).
    VolStatus {
        /// `1`: normal (正常).
        Normal = 1 => "normal",
        /// `2`: volume path error (卷路径错误).
        PathError = 2 => "volume path error",
        /// `3`: volume type error (卷类型错误).
        TypeError = 3 => "volume type error",
        /// `4`: the volume is already configured to another VRG (卷其配置给其他 VRG).
        UsedByOtherVrg = 4 => "volume already configured to another VRG",
        /// `5`: being set up (设置中).
        SettingUp = 5 => "setting up",
        /// `6`: deletion failed (删除失败).
        DeleteFailed = 6 => "deletion failed",
    }
}

/// `Unknown(MISSING)`: no side known (what a [`VmStrategy`](crate::model::VmStrategy)
/// without `flag` holds).
impl Default for StrategySide {
    fn default() -> Self {
        StrategySide::Unknown(MISSING)
    }
}

impl VolStatus {
    /// `2`, `3`, `4` or `6`: the configuration of this volume failed.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            VolStatus::PathError
                | VolStatus::TypeError
                | VolStatus::UsedByOtherVrg
                | VolStatus::DeleteFailed
        )
    }

    /// `5`: still being set up.
    pub fn is_pending(self) -> bool {
        self == VolStatus::SettingUp
    }
}

/// A cache capacity of `GET /vrgstatus` (`availableCapacity`, `totalCapacity`, §3.4).
///
/// Whether a KB is 1000 or 1024 bytes is UNKNOWN; the number is kept as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capacity {
    /// `-1`: the cache is not in use (cache 未使用).
    CacheUnused,
    /// `-2`: the cache is loading (cache 加载中; `availableCapacity` only).
    CacheLoading,
    /// `-3`: the remaining-capacity value is invalid (剩余容量值无效;
    /// `availableCapacity` only).
    Invalid,
    /// A valid capacity, in KB.
    Kb(u64),
    /// Another negative number, kept as sent ([`MISSING`] when the answer had no usable
    /// value).
    Unknown(i64),
}

impl Capacity {
    /// The value for a wire number.
    pub fn from_number(n: i64) -> Self {
        match n {
            -1 => Capacity::CacheUnused,
            -2 => Capacity::CacheLoading,
            -3 => Capacity::Invalid,
            n => u64::try_from(n).map_or(Capacity::Unknown(n), Capacity::Kb),
        }
    }

    /// The wire number (a `Kb` above `i64::MAX` reads as `i64::MAX`).
    pub fn number(self) -> i64 {
        match self {
            Capacity::CacheUnused => -1,
            Capacity::CacheLoading => -2,
            Capacity::Invalid => -3,
            Capacity::Kb(kb) => i64::try_from(kb).unwrap_or(i64::MAX),
            Capacity::Unknown(n) => n,
        }
    }

    /// What the value means, in English.
    pub fn meaning(self) -> &'static str {
        match self {
            Capacity::CacheUnused => "cache not in use",
            Capacity::CacheLoading => "cache loading",
            Capacity::Invalid => "remaining-capacity value invalid",
            Capacity::Kb(_) => "valid value, KB",
            Capacity::Unknown(n) => unknown_meaning(n),
        }
    }

    /// The capacity in KB, when it is a valid value.
    pub fn kb(self) -> Option<u64> {
        match self {
            Capacity::Kb(kb) => Some(kb),
            _ => None,
        }
    }
}

impl From<i64> for Capacity {
    fn from(n: i64) -> Self {
        Capacity::from_number(n)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capacity::Kb(kb) => write!(f, "{kb} KB"),
            Capacity::Unknown(n) if *n == MISSING => f.write_str("absent"),
            Capacity::Unknown(n) => write!(f, "{n} ({})", self.meaning()),
            other => f.write_str(other.meaning()),
        }
    }
}

/// The storage type of a DR-side volume, `volType` (§3.8.2) and `dstVolType` (§3.8.3).
/// The labels come from FusionCompute portal code (UNVERIFIED for the VRG).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VolType {
    /// `LOCALPOME`: virtualized local storage (虚拟化本地存储).
    LocalPome,
    /// `LUNPOME`: virtualized SAN storage (虚拟化SAN存储).
    LunPome,
    /// `NAS`: NAS storage.
    Nas,
    /// `DSWARE`: FusionStorage (distributed block storage).
    Dsware,
    /// Another label, kept as sent (and sent as given).
    Other(String),
}

impl VolType {
    /// The type for a wire string; the four documented labels match in any case and
    /// with surrounding spaces, anything else is kept verbatim in `Other`.
    pub fn from_wire(text: &str) -> VolType {
        let t = text.trim();
        if t.eq_ignore_ascii_case("LOCALPOME") {
            VolType::LocalPome
        } else if t.eq_ignore_ascii_case("LUNPOME") {
            VolType::LunPome
        } else if t.eq_ignore_ascii_case("NAS") {
            VolType::Nas
        } else if t.eq_ignore_ascii_case("DSWARE") {
            VolType::Dsware
        } else {
            VolType::Other(text.to_owned())
        }
    }

    /// The wire string (`LOCALPOME`, `LUNPOME`, `NAS`, `DSWARE`, or the `Other` text).
    pub fn as_str(&self) -> &str {
        match self {
            VolType::LocalPome => "LOCALPOME",
            VolType::LunPome => "LUNPOME",
            VolType::Nas => "NAS",
            VolType::Dsware => "DSWARE",
            VolType::Other(s) => s,
        }
    }

    /// What the type means, in English.
    pub fn meaning(&self) -> &'static str {
        match self {
            VolType::LocalPome => "virtualized local storage",
            VolType::LunPome => "virtualized SAN storage",
            VolType::Nas => "NAS storage",
            VolType::Dsware => "FusionStorage",
            VolType::Other(_) => "not listed in the interface document",
        }
    }
}

impl From<&str> for VolType {
    fn from(text: &str) -> Self {
        VolType::from_wire(text)
    }
}

impl FromStr for VolType {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(VolType::from_wire(s))
    }
}

impl fmt::Display for VolType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VolType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How `POST /vmstrategy/{vmUuid}/` deletes a VM's DR configuration, `delFlag` (§3.8.4).
/// The document marks it required and also "default 1"; it is always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeleteFlag {
    /// `1`: normal deletion (正常删除, the default).
    #[default]
    Normal,
    /// `2`: forced deletion (强制删除).
    Force,
}

impl DeleteFlag {
    /// The flag for a wire number; `None` for anything but 1 and 2 (this is an input:
    /// nothing else may be sent).
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            1 => Some(DeleteFlag::Normal),
            2 => Some(DeleteFlag::Force),
            _ => None,
        }
    }

    /// The wire number.
    pub fn number(self) -> i64 {
        match self {
            DeleteFlag::Normal => 1,
            DeleteFlag::Force => 2,
        }
    }

    /// What the flag means, in English.
    pub fn meaning(self) -> &'static str {
        match self {
            DeleteFlag::Normal => "normal delete",
            DeleteFlag::Force => "forced delete",
        }
    }

    /// The request body, `{"delFlag":1}` or `{"delFlag":2}`.
    pub fn to_json(self) -> Value {
        json!({ "delFlag": self.number() })
    }
}

impl fmt::Display for DeleteFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.meaning())
    }
}

/// The `faultVms` filter of `GET /vmstrategy` (§3.8.3), sent as given.
///
/// The document names two meanings but its codes were lost; only `faultVms=1` appears
/// (in a sample). The constants below are UNVERIFIED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultVms(pub u8);

impl FaultVms {
    /// `0`: all VMs, faulty and not (所有虚拟机). UNVERIFIED: the code is lost in the
    /// document.
    pub const ALL: FaultVms = FaultVms(0);
    /// `1`: faulty VMs, whose link to the writeagent is lost (故障虚拟机). UNVERIFIED:
    /// only the sample `faultVms=1` shows it.
    pub const FAULTY: FaultVms = FaultVms(1);

    /// The wire number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// What the value is taken to mean, in English (UNVERIFIED for both).
    pub fn meaning(self) -> &'static str {
        match self.0 {
            0 => "all VMs, faulty and not (UNVERIFIED code)",
            1 => "faulty VMs, link to the writeagent lost (UNVERIFIED code)",
            _ => "not listed in the interface document",
        }
    }
}

impl fmt::Display for FaultVms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.meaning())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_unknowns_are_kept() {
        for n in -5..10 {
            assert_eq!(VrgHealth::from_number(n).number(), n);
            assert_eq!(NetType::from_number(n).number(), n);
            assert_eq!(DrStatus::from_number(n).number(), n);
            assert_eq!(PairStatus::from_number(n).number(), n);
            assert_eq!(StrategySide::from_number(n).number(), n);
            assert_eq!(VolStatus::from_number(n).number(), n);
            assert_eq!(Capacity::from_number(n).number(), n);
        }
        assert_eq!(VrgHealth::from_number(2), VrgHealth::Abnormal);
        assert_eq!(VrgHealth::from_number(7), VrgHealth::Unknown(7));
        assert_eq!(NetType::from_number(0), NetType::Management);
        assert_eq!(PairStatus::from_number(5), PairStatus::LinkDown);
        assert!(PairStatus::LinkDown.is_failure() && !PairStatus::Pairing.is_failure());
        assert!(VolStatus::from_number(4).is_failure());
        assert!(VolStatus::from_number(5).is_pending());
        assert!(!VolStatus::from_number(1).is_failure());
        assert_eq!(Capacity::from_number(-2), Capacity::CacheLoading);
        assert_eq!(Capacity::from_number(0), Capacity::Kb(0));
        assert_eq!(Capacity::from_number(-9), Capacity::Unknown(-9));
        assert_eq!(Capacity::Kb(u64::MAX).number(), i64::MAX);
        assert_eq!(
            VrgHealth::Unknown(MISSING).meaning(),
            "absent or not a number"
        );
        assert_eq!(VrgHealth::Normal.to_string(), "1 (normal)");
        assert_eq!(VrgHealth::Unknown(MISSING).to_string(), "absent");
        assert_eq!(Capacity::Kb(5).to_string(), "5 KB");
    }

    #[test]
    fn vol_types_and_flags() {
        assert_eq!(VolType::from_wire(" lunpome "), VolType::LunPome);
        assert_eq!(VolType::from_wire("FC"), VolType::Other("FC".into()));
        assert_eq!("DSWARE".parse::<VolType>().ok(), Some(VolType::Dsware));
        assert_eq!(VolType::Nas.to_string(), "NAS");
        assert_eq!(
            serde_json::to_string(&VolType::LocalPome).ok().as_deref(),
            Some("\"LOCALPOME\"")
        );
        assert_eq!(DeleteFlag::default().to_json(), json!({"delFlag": 1}));
        assert_eq!(DeleteFlag::Force.to_json(), json!({"delFlag": 2}));
        assert_eq!(DeleteFlag::from_number(3), None);
        assert_eq!(FaultVms::FAULTY.number(), 1);
        assert!(FaultVms::ALL.meaning().contains("UNVERIFIED"));
    }
}
