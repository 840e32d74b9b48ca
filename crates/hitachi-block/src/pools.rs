//! Pools (DP, Thin Image, ...): list and get.

use serde::Deserialize;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, list_data};
use crate::session::Session;

/// A pool as `GET pools[/{id}]` reports it. Capacities are in MB as the API reports them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pool {
    /// The pool number.
    pub pool_id: u32,
    /// The pool's name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_name: Option<String>,
    /// e.g. `HDP` (Dynamic Provisioning), `HDT` (Dynamic Tiering), `HTI` (Thin Image),
    /// `RT` (real-time tiering).
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_type: Option<String>,
    /// e.g. `POLN` (normal), `POLF` (over the threshold), `POLS` (suspended), `POLE`
    /// (failure).
    #[serde(default, deserialize_with = "lenient_text")]
    pub pool_status: Option<String>,
    /// Used capacity in percent.
    #[serde(default, deserialize_with = "lenient_number")]
    pub used_capacity_rate: Option<u32>,
    /// Used physical capacity in percent.
    #[serde(default, deserialize_with = "lenient_number")]
    pub used_physical_capacity_rate: Option<u32>,
    /// Total capacity (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_pool_capacity: Option<u64>,
    /// Free capacity for volumes (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub available_volume_capacity: Option<u64>,
    /// Total physical capacity (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_physical_capacity: Option<u64>,
    /// Free physical capacity for volumes (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub available_physical_volume_capacity: Option<u64>,
    /// Capacity of the DP volumes placed in the pool (MB).
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_located_capacity: Option<u64>,
    /// Number of DP volumes in the pool.
    #[serde(default, deserialize_with = "lenient_number")]
    pub located_volume_count: Option<u32>,
    /// Number of Thin Image pairs using the pool.
    #[serde(default, deserialize_with = "lenient_number")]
    pub snapshot_count: Option<u32>,
    /// Warning threshold (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub warning_threshold: Option<u32>,
    /// Depletion threshold (percent).
    #[serde(default, deserialize_with = "lenient_number")]
    pub depletion_threshold: Option<u32>,
    /// Subscription limit (percent of the pool's capacity the DP volumes may total).
    #[serde(default, deserialize_with = "lenient_number")]
    pub virtual_volume_capacity_rate: Option<i64>,
    /// Whether the pool is being shrunk.
    #[serde(default, deserialize_with = "lenient")]
    pub is_shrinking: Option<bool>,
    /// Whether the pool is for mainframe volumes.
    #[serde(default, deserialize_with = "lenient")]
    pub is_mainframe: Option<bool>,
}

/// Pools of a session's storage system (`pools`).
#[derive(Debug, Clone, Copy)]
pub struct Pools<'a> {
    session: &'a Session,
}

impl Session {
    /// Pools.
    pub fn pools(&self) -> Pools<'_> {
        Pools { session: self }
    }
}

impl Pools<'_> {
    fn path(&self, rest: &str) -> String {
        self.session.client().object_path(&format!("/pools{rest}"))
    }

    /// All pools (the reference knows no paging for pools).
    pub async fn list(&self) -> Result<Vec<Pool>, Error> {
        list_data(self.session, Request::get(self.path(""))).await
    }

    /// One pool.
    pub async fn get(&self, pool_id: u32) -> Result<Pool, Error> {
        self.session
            .get_json(&self.path(&format!("/{pool_id}")))
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    #[test]
    fn pool_decodes() {
        let p: Pool = serde_json::from_str(r#"{"poolId":0,"poolName":"dp0","poolType":"HDP","poolStatus":"POLN","usedCapacityRate":12,"totalPoolCapacity":1048576,"availableVolumeCapacity":922746,"warningThreshold":70,"depletionThreshold":80,"virtualVolumeCapacityRate":-1,"isShrinking":false,"unknown":{"x":1}}"#).unwrap();
        assert_eq!(p.pool_id, 0);
        assert_eq!(p.pool_type.as_deref(), Some("HDP"));
        assert_eq!(p.total_pool_capacity, Some(1_048_576));
        assert_eq!(p.virtual_volume_capacity_rate, Some(-1));
        let odd: Pool = serde_json::from_str(
            r#"{"poolId":1,"usedCapacityRate":"12","totalPoolCapacity":-5,"isShrinking":"no"}"#,
        )
        .unwrap();
        assert_eq!(odd.used_capacity_rate, Some(12));
        assert_eq!(odd.total_pool_capacity, None);
        assert_eq!(odd.is_shrinking, None);
    }

    #[tokio::test]
    async fn paths() {
        let fake = testing::Fake::start([127, 0, 0, 204], |seen| {
            Some(if seen.path.ends_with("/pools") {
                (
                    200,
                    serde_json::json!({"data": [{"poolId": 0}, {"poolId": 5}]}),
                )
            } else {
                (200, serde_json::json!({"poolId": 5, "poolName": "p5"}))
            })
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        assert_eq!(session.pools().list().await.unwrap().len(), 2);
        assert_eq!(
            session.pools().get(5).await.unwrap().pool_name.as_deref(),
            Some("p5")
        );
        session.close().await.unwrap();
        let paths: Vec<String> = fake.requests().into_iter().map(|s| s.path).collect();
        assert_eq!(
            paths,
            [
                "/ConfigurationManager/v1/objects/storages/886000410000/pools",
                "/ConfigurationManager/v1/objects/storages/886000410000/pools/5",
            ]
        );
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "poolId", "poolName", "poolType", "usedCapacityRate", "totalPoolCapacity", "isShrinking",
        ])) {
            let _ = serde_json::from_value::<Pool>(v);
        }
    }
}
