//! Request and answer types of the VRG API, and the decoders of its answers.
//!
//! Requests are typed and checked before anything is sent: a refusal is
//! [`VrgError::InvalidInput`](crate::VrgError::InvalidInput) naming the field as the VRG
//! names it (`volList[1].seqNum`). Bodies use the field tables' names (reference §8:
//! `dstIp`, `volumeUrl`, `hostUrn` at the top level), with options for the two places
//! where the document contradicts itself ([`PairKeyStyle`], [`ExtParamsStyle`]).
//!
//! Answers are decoded leniently: every documented spelling of a key, any case,
//! integers as numbers or numeric strings, `Option` wherever the server may leave a
//! field out, enums that keep unlisted numbers (`Unknown(n)`, [`MISSING`] for an absent
//! one), unknown keys kept in `extra`. One odd value never fails a whole answer; a
//! `decode_*` function fails only on a body that is not JSON, or (where the answer is
//! the point of the call) an empty one or one of the wrong shape. None of them panics.
//!
//! ```
//! use storkit_vrg::model::{self, StrategySide, VolStatus, VrgHealth};
//!
//! // The §3.4 sample sends the status as a string.
//! let status = model::decode_status(br#"{"status":"1","availableCapacity":-2,"totalCapacity":1048576}"#)?;
//! assert_eq!(status.status, VrgHealth::Normal);
//! assert_eq!(status.total.kb(), Some(1_048_576));
//!
//! // §3.8.3: the table's `dstVolDsurn` and `volumeUr1`, an extra `proVolUuid`.
//! let vms = model::decode_strategies(br#"{"vmList":[{"flag":2,"vmUuid":"vm-1","agentIp":"10.1.0.7",
//!     "volList":[{"volUuid":"a","dstVolDsurn":"urn:x","volumeUr1":"/POME/a.vhd","volStatus":5,"proVolUuid":"p"}]}]}"#)?;
//! assert_eq!(vms[0].side, StrategySide::Dr);
//! assert_eq!(vms[0].volumes[0].dst_vol_ds_urn.as_deref(), Some("urn:x"));
//! assert_eq!(vms[0].volumes[0].vol_status, Some(VolStatus::SettingUp));
//! assert!(!vms[0].is_applied());
//! # Ok::<(), storkit_vrg::VrgError>(())
//! ```

mod alarm;
mod enums;
mod input;
mod mgmt_net;
mod pairing;
mod session;
mod status;
mod strategy;
mod vm_uuid;

pub use alarm::{AlarmServer, AlarmServerInfo, decode_alarm};
pub use enums::{
    Capacity, DeleteFlag, DrStatus, FaultVms, MISSING, NetType, PairStatus, StrategySide,
    VolStatus, VolType, VrgHealth,
};
pub use mgmt_net::{ManagementAnswer, ManagementNetwork, decode_management};
pub use pairing::{PairKeyStyle, Pairing, PeerAddress, decode_pairing};
pub use session::{
    LoginAnswer, VersionEntry, decode_error, decode_login, decode_versions, is_empty_answer,
};
pub use status::{
    NetInfo, VrgStatus, decode_deleted, decode_dr_status, decode_netinfos, decode_status,
};
pub use strategy::{
    DrExtParams, DrStrategy, DrVolume, ExtParamsStyle, ProductionStrategy, ProductionVolume,
    SEQ_NUM_RANGE, StrategyVolume, VmStrategy, decode_strategies,
};
pub use vm_uuid::{VM_UUID_MAX_LEN, VmUuid};
