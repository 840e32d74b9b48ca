//! ONTAP images known to Deploy, `/images` (reference §6; the model is UNKNOWN).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::lenient;

/// An ONTAP image as `GET /images` returns it. Its `id` is presumably the ONTAP version
/// (UNVERIFIED); other members are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Image {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}
