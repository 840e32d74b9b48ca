//! Pools (reference §13): a DP pool for LDEVs and a Thin Image pool for snapshots.

use http::Method;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::request::Call;
use crate::router::{Reply, Sub, sub};
use crate::state::State;

/// One pool.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    id: u32,
    name: String,
    pool_type: String,
    total_mb: u64,
}

impl Pool {
    pub(crate) fn new(id: u32, name: &str, pool_type: &str, total_mb: u64) -> Self {
        Self {
            id,
            name: name.to_owned(),
            pool_type: pool_type.to_owned(),
            total_mb,
        }
    }
}

/// `GET pools[?poolType=]`, `GET pools/{id}`.
pub(crate) fn handle(state: &mut State, call: &Call, rest: &[String]) -> Result<Reply, ApiError> {
    match (sub(rest), &call.method) {
        (Sub::Collection, &Method::GET) => {
            let wanted = call.query("poolType");
            let data: Vec<Value> = state
                .pools
                .values()
                .filter(|p| wanted.is_none_or(|t| t.eq_ignore_ascii_case(&p.pool_type)))
                .map(|p| pool_json(state, p))
                .collect();
            Ok(Reply::json(json!({ "data": data })))
        }
        (Sub::Item(id), &Method::GET) => id
            .parse::<u32>()
            .ok()
            .and_then(|id| state.pools.get(&id))
            .map(|p| Reply::json(pool_json(state, p)))
            .ok_or_else(|| ApiError::not_found(&format!("The pool {id}"))),
        (Sub::Unknown, _) => Err(ApiError::unknown_url()),
        _ => Err(ApiError::method_not_allowed(&call.method)),
    }
}

fn pool_json(state: &State, pool: &Pool) -> Value {
    let ldevs: Vec<u32> = state
        .ldevs
        .values()
        .filter(|l| l.pool_id == Some(pool.id))
        .map(|l| l.id)
        .collect();
    // DP volumes allocate on write; the mock writes nothing, so report the provisioned
    // capacity as "located" and keep the used rate at zero.
    let located_mb: u64 = state
        .ldevs
        .values()
        .filter(|l| l.pool_id == Some(pool.id))
        .map(|l| l.blocks / 2048)
        .sum();
    json!({
        "poolId": pool.id,
        "poolName": pool.name,
        "poolType": pool.pool_type,
        "poolStatus": "POLN",
        "usedCapacityRate": 0,
        "availableVolumeCapacity": pool.total_mb,
        "totalPoolCapacity": pool.total_mb,
        "totalLocatedCapacity": located_mb,
        "numOfLdevs": ldevs.len(),
        "firstLdevId": ldevs.first(),
        "warningThreshold": 70,
        "depletionThreshold": 80,
        "virtualVolumeCapacityRate": -1,
        "isMainframe": false,
        "isShrinking": false,
        "locatedVolumeCount": ldevs.len(),
        "totalReservedCapacity": 0,
        "blockingMode": "NB",
        "duplicationNumber": 0,
    })
}
