//! Storage pools and disks of a node, `…/nodes/{nid}/storage/{pools,disks}` (reference
//! §6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;
use crate::model::body::request_body;
use crate::model::input;

/// A storage pool as `GET …/storage/pools` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct StoragePool {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `name`: the datastore (ESX) or storage pool (KVM).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// `capacity` in bytes (a numeric string is read as the number; a size with a unit
    /// such as `10GB` reads as absent).
    #[serde(default, deserialize_with = "lenient::opt_uint")]
    pub capacity: Option<u64>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

/// One pool to attach: its name and the capacity to use, in bytes. The capacity is the
/// caller's: no rule of thumb is applied (reference §9 #16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoragePoolSpec {
    /// `name`: the datastore or storage pool; spaces allowed.
    pub name: String,
    /// `capacity` in bytes, above 0.
    pub capacity: u64,
}

impl StoragePoolSpec {
    /// A pool.
    pub fn new(name: impl Into<String>, capacity: u64) -> Self {
        StoragePoolSpec {
            name: name.into(),
            capacity,
        }
    }
}

/// The body of `POST …/storage/pools`, `{"pool_array":[…]}`.
///
/// ```
/// use storkit_ontap_deploy::model::{PoolArray, StoragePoolSpec};
///
/// let pools = PoolArray::new(vec![StoragePoolSpec::new("datastore 1", 2_199_023_255_552)]);
/// assert_eq!(
///     pools.to_json()?,
///     serde_json::json!({"pool_array": [{"name": "datastore 1", "capacity": 2199023255552u64}]})
/// );
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PoolArray {
    /// The pools, sent as `pool_array`.
    #[serde(rename = "pool_array")]
    pub pools: Vec<StoragePoolSpec>,
}

impl PoolArray {
    /// The pools to attach.
    pub fn new(pools: Vec<StoragePoolSpec>) -> Self {
        PoolArray { pools }
    }

    /// Refuses an empty list, an empty pool name and a capacity of 0.
    pub fn validate(&self) -> Result<(), OntapError> {
        if self.pools.is_empty() {
            return Err(input::invalid("pool_array", "at least one pool is needed"));
        }
        input::each("pool_array", &self.pools, |field, pool| {
            input::text(&format!("{field}.name"), &pool.name)?;
            if pool.capacity == 0 {
                return Err(input::invalid(
                    format!("{field}.capacity"),
                    "must be above 0 bytes",
                ));
            }
            Ok(())
        })
    }

    /// The JSON body, after [`validate`](PoolArray::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("pool_array", e.to_string()))
    }
}

impl From<StoragePoolSpec> for PoolArray {
    fn from(pool: StoragePoolSpec) -> Self {
        PoolArray::new(vec![pool])
    }
}

/// The body of `POST …/storage/disks` for software RAID, `{"disks":[…]}`. What an item
/// names is UNKNOWN (device paths such as `/dev/disk/by-id/…` are a guess, reference §6);
/// items are sent as given.
///
/// ```
/// use storkit_ontap_deploy::model::DiskList;
///
/// let disks = DiskList::new(["/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"]);
/// assert_eq!(disks.to_json()?, serde_json::json!({"disks": ["/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"]}));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DiskList {
    /// `disks`.
    pub disks: Vec<String>,
}

impl DiskList {
    /// The disks.
    pub fn new<I, S>(disks: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DiskList {
            disks: disks.into_iter().map(Into::into).collect(),
        }
    }

    /// Refuses an empty list and empty items.
    pub fn validate(&self) -> Result<(), OntapError> {
        if self.disks.is_empty() {
            return Err(input::invalid("disks", "at least one disk is needed"));
        }
        input::each("disks", &self.disks, |field, disk| input::text(field, disk))
    }

    /// The JSON body, after [`validate`](DiskList::validate).
    pub fn to_json(&self) -> Result<Value, OntapError> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| input::invalid("disks", e.to_string()))
    }
}

request_body!(PoolArray, DiskList);
