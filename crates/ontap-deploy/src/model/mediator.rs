//! Mediators of two-node clusters, `/mediators` (reference §6; the model is UNKNOWN).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::lenient;

/// A mediator as `GET /mediators` returns it; members other than `id` are kept in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Mediator {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}
