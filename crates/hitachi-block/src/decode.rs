//! Decoding helpers shared by the resource modules: list envelopes and lenient fields.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use storkit_core::{Error, Request};

use crate::session::{Session, check};

/// `{"data": [...]}`, the shape of every list; a missing or `null` `data` is an empty list.
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub(crate) struct DataList<T> {
    #[serde(default = "Vec::new", deserialize_with = "nullable_vec")]
    pub(crate) data: Vec<T>,
}

/// Sends a list request in `session` and decodes its `data` array. Elements are decoded
/// strictly (a malformed element fails the list rather than silently disappearing from it).
pub(crate) async fn list_data<T: DeserializeOwned>(
    session: &Session,
    request: Request,
) -> Result<Vec<T>, Error> {
    let response = check(session.send(request).await?)?;
    Ok(response.json::<DataList<T>>()?.data)
}

/// Decodes an optional field, turning a value of the wrong type into `None` instead of
/// failing the whole object: servers differ in what they send, and a field this crate
/// does not need must not make an object unreadable.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// Like [`lenient`] for numbers, also accepting numeric strings (`"443"`): some fields
/// (ports, serial numbers) come either way.
pub(crate) fn lenient_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + std::str::FromStr,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        other => serde_json::from_value(other).ok(),
    })
}

/// Strings, numbers and booleans become text; anything else becomes `None`.
pub(crate) fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A list of simple values: elements that do not decode are dropped, and anything but an
/// array is an empty list.
pub(crate) fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A list that may be `null`; its elements are decoded strictly.
pub(crate) fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
