//! Response envelopes (reference §3): `{"record":{…}}`, `{"num_records":N,"records":[…]}`,
//! `{"error":{…}}`, and the `location` header of a create.

use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::OntapError;
use crate::lenient;

/// A collection answer, `{"num_records":N,"records":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection<T> {
    /// `num_records` as sent (it may differ from `records.len()`; both are kept).
    pub num_records: Option<u64>,
    /// The records, in the server's order.
    pub records: Vec<T>,
}

impl<T> Collection<T> {
    /// The number of records received.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record came.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.records.iter()
    }
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            num_records: None,
            records: Vec::new(),
        }
    }
}

impl<T> IntoIterator for Collection<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Collection<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

/// The body of an error answer, `{"error":{"code":…,"message":…}}` (reference §8).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ApiErrorBody {
    /// `code`, a string or an integer in the wild, kept as text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub code: Option<String>,
    /// `message`, verbatim.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
    /// Other members (ONTAP adds `target` and `arguments`).
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "[{c}] {m}"),
            (Some(c), None) => write!(f, "[{c}]"),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("(no code, no message)"),
        }
    }
}

fn require(body: &[u8], what: &str) -> Result<Value, OntapError> {
    lenient::parse_body(body)
        .map_err(|detail| OntapError::decode(what, detail))?
        .ok_or_else(|| OntapError::decode(what, "empty answer"))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn from_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, OntapError> {
    T::deserialize(value).map_err(|e| OntapError::decode(what, e.to_string()))
}

/// Decodes a single-object answer: `{"record":{…}}`, the bare object, or a collection
/// envelope holding exactly one record (as netapp-ontap accepts).
///
/// ```
/// use storkit_ontap_deploy::model::{Cluster, decode_record};
///
/// let wrapped: Cluster = decode_record(br#"{"record":{"id":"c1","state":"powered_on"}}"#)?;
/// let bare: Cluster = decode_record(br#"{"id":"c1","state":"powered_on"}"#)?;
/// assert_eq!(wrapped, bare);
/// assert_eq!(bare.state.as_deref(), Some("powered_on"));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
pub fn decode_record<T: DeserializeOwned>(body: &[u8]) -> Result<T, OntapError> {
    const WHAT: &str = "record";
    let value = require(body, WHAT)?;
    let Value::Object(mut map) = value else {
        return Err(OntapError::decode(
            WHAT,
            format!("expected an object, got {}", kind_of(&value)),
        ));
    };
    if let Some(Value::Object(_)) = map.get("record") {
        let record = map.remove("record").unwrap_or_default();
        return from_value(record, WHAT);
    }
    let is_envelope = matches!(map.get("records"), Some(Value::Array(_)))
        && map.keys().all(|k| k == "records" || k == "num_records");
    if is_envelope {
        let Some(Value::Array(mut records)) = map.remove("records") else {
            return Err(OntapError::decode(WHAT, "no records"));
        };
        if records.len() != 1 {
            return Err(OntapError::decode(
                WHAT,
                format!("{} records where one was expected", records.len()),
            ));
        }
        return from_value(records.swap_remove(0), WHAT);
    }
    from_value(Value::Object(map), WHAT)
}

/// Decodes a collection answer, `{"num_records":N,"records":[…]}` (a bare array is read
/// as the records). `num_records` may come as a number or a numeric string. A missing
/// `records` is an empty collection when `num_records` is absent or 0.
///
/// A record that does not decode fails the whole answer, naming its index: the answer
/// types read any object, so only a record that is not an object fails, and dropping it
/// silently could turn "two matches" into "exactly one".
///
/// ```
/// use storkit_ontap_deploy::model::{Network, NetworkPurpose, decode_collection};
///
/// let networks = decode_collection::<Network>(
///     br#"{"num_records":2,"records":[{"id":"n1","purpose":"mgmt"},{"id":"n2","purpose":"data"}]}"#,
/// )?;
/// assert_eq!(networks.num_records, Some(2));
/// let data = networks.iter().find(|n| n.purpose == Some(NetworkPurpose::Data));
/// assert_eq!(data.and_then(|n| n.id.as_deref()), Some("n2"));
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
pub fn decode_collection<T: DeserializeOwned>(body: &[u8]) -> Result<Collection<T>, OntapError> {
    const WHAT: &str = "collection";
    let value = require(body, WHAT)?;
    let (num_records, records) = match value {
        Value::Array(items) => (None, items),
        Value::Object(mut map) => {
            let num_records = map.get("num_records").and_then(lenient::u64_of);
            let records = match map.remove("records") {
                Some(Value::Array(items)) => items,
                None | Some(Value::Null) => {
                    if num_records.unwrap_or(0) > 0 {
                        return Err(OntapError::decode(
                            WHAT,
                            format!(
                                "num_records is {} but there is no records array",
                                num_records.unwrap_or(0)
                            ),
                        ));
                    }
                    Vec::new()
                }
                Some(Value::Object(one)) => vec![Value::Object(one)],
                Some(other) => {
                    return Err(OntapError::decode(
                        WHAT,
                        format!("records is {}, not an array", kind_of(&other)),
                    ));
                }
            };
            (num_records, records)
        }
        other => {
            return Err(OntapError::decode(
                WHAT,
                format!("expected an object, got {}", kind_of(&other)),
            ));
        }
    };
    let records = records
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            T::deserialize(v)
                .map_err(|e| OntapError::decode(format!("records[{i}]"), e.to_string()))
        })
        .collect::<Result<Vec<T>, OntapError>>()?;
    Ok(Collection {
        num_records,
        records,
    })
}

/// Decodes the body of an error answer: `{"error":{"code","message",…}}`, `{"error":"text"}`
/// or a bare object with a `code`. `None` when the body holds none of these (not JSON, an
/// HTML page, empty).
///
/// ```
/// use storkit_ontap_deploy::model::decode_error;
///
/// let e = decode_error(br#"{"error":{"code":"6","message":"not authorized for that command"}}"#);
/// assert_eq!(e.map(|e| e.to_string()).as_deref(), Some("[6] not authorized for that command"));
/// let e = decode_error(br#"{"error":{"code":409,"message":"exists","target":"name"}}"#);
/// assert_eq!(e.as_ref().and_then(|e| e.code.as_deref()), Some("409"));
/// assert!(decode_error(b"<html>Bad Gateway</html>").is_none());
/// ```
pub fn decode_error(body: &[u8]) -> Option<ApiErrorBody> {
    let Ok(Some(Value::Object(mut map))) = lenient::parse_body(body) else {
        return None;
    };
    match map.remove("error") {
        Some(Value::Object(inner)) => ApiErrorBody::deserialize(Value::Object(inner)).ok(),
        Some(Value::String(message)) => Some(ApiErrorBody {
            message: Some(message),
            ..ApiErrorBody::default()
        }),
        Some(_) => None,
        None if map.contains_key("code") => ApiErrorBody::deserialize(Value::Object(map)).ok(),
        None => None,
    }
}

/// The id in a `location` header (reference §2 "Ids"): the last non-empty path segment
/// of an absolute or relative URL, without query or fragment, percent-decoded (kept as
/// it is when it is not valid percent-encoding). `None` when there is no path segment.
///
/// ```
/// use storkit_ontap_deploy::model::id_from_location;
///
/// assert_eq!(
///     id_from_location("https://10.0.0.5/api/v3/clusters/6cd1a0e4-1/").as_deref(),
///     Some("6cd1a0e4-1")
/// );
/// assert_eq!(id_from_location("/api/v3/hosts/esx%2D1?x=1#f").as_deref(), Some("esx-1"));
/// assert_eq!(id_from_location("https://10.0.0.5"), None);
/// ```
pub fn id_from_location(location: &str) -> Option<String> {
    let location = location.trim();
    let location = location.split('#').next().unwrap_or_default();
    let location = location.split('?').next().unwrap_or_default();
    let path = if let Some(i) = location.find("://") {
        let after = &location[i + 3..];
        &after[after.find('/')?..]
    } else if let Some(after) = location.strip_prefix("//") {
        &after[after.find('/')?..]
    } else {
        location
    };
    let segment = path
        .split('/')
        .rev()
        .find(|s| !s.is_empty() && *s != "." && *s != "..")?;
    Some(storkit_core::encode::percent_decode(segment).unwrap_or_else(|| segment.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{Cluster, Host};

    #[test]
    fn record_envelopes() {
        let c: Cluster = decode_record(br#"{"record":{"id":"c1"},"request_id":"x"}"#).unwrap();
        assert_eq!(c.id.as_deref(), Some("c1"));
        let c: Cluster = decode_record(br#"{"num_records":1,"records":[{"id":"c2"}]}"#).unwrap();
        assert_eq!(c.id.as_deref(), Some("c2"));
        assert!(decode_record::<Cluster>(br#"{"num_records":2,"records":[{},{}]}"#).is_err());
        assert!(decode_record::<Cluster>(br#"{"records":[]}"#).is_err());
        assert!(decode_record::<Cluster>(b"").is_err());
        assert!(decode_record::<Cluster>(b"[1]").is_err());
        assert!(decode_record::<Cluster>(b"{").is_err());
        // `record` that is not an object: the bare object is read.
        let c: Cluster = decode_record(br#"{"record":"x","id":"c3"}"#).unwrap();
        assert_eq!(c.id.as_deref(), Some("c3"));
        assert_eq!(c.extra.get("record"), Some(&Value::from("x")));
    }

    #[test]
    fn collections() {
        let c: Collection<Host> = decode_collection(br#"{"num_records":"0"}"#).unwrap();
        assert_eq!((c.num_records, c.len()), (Some(0), 0));
        let c: Collection<Host> = decode_collection(br#"[{"id":"h"}]"#).unwrap();
        assert_eq!((c.num_records, c.len()), (None, 1));
        let c: Collection<Host> = decode_collection(br#"{"records":{"id":"h"}}"#).unwrap();
        assert_eq!(c.len(), 1);
        assert!(decode_collection::<Host>(br#"{"num_records":3}"#).is_err());
        assert!(decode_collection::<Host>(br#"{"records":"x"}"#).is_err());
        let err = decode_collection::<Host>(br#"{"records":[{"id":"a"},7]}"#).unwrap_err();
        assert!(
            matches!(err, OntapError::Decode { ref what, .. } if what == "records[1]"),
            "{err}"
        );
        assert!(decode_collection::<Host>(b"\"x\"").is_err());
    }

    #[test]
    fn errors() {
        assert_eq!(
            decode_error(br#"{"error":"boom"}"#).and_then(|e| e.message),
            Some("boom".into())
        );
        assert_eq!(
            decode_error(br#"{"code":7,"message":"m"}"#).and_then(|e| e.code),
            Some("7".into())
        );
        let e = decode_error(br#"{"error":{"code":1.5,"arguments":[{"code":"1"}]}}"#).unwrap();
        assert_eq!(e.code.as_deref(), Some("1.5"));
        assert!(e.extra.contains_key("arguments"));
        assert!(decode_error(br#"{"error":null}"#).is_none());
        assert!(decode_error(br#"{"message":"no code"}"#).is_none());
        assert!(decode_error(b"").is_none());
    }

    #[test]
    fn locations() {
        let cases = [
            ("https://h/api/v3/clusters/abc", Some("abc")),
            ("https://h:443/api/v3/clusters/abc/", Some("abc")),
            ("  /api/v3/security/credentials/c%201 ", Some("c 1")),
            ("clusters/abc?fields=*", Some("abc")),
            ("abc", Some("abc")),
            ("//h/x/y", Some("y")),
            ("//h", None),
            ("https://h/", None),
            ("https://h?x=/y", None),
            ("", None),
            ("/", None),
            ("/a/%zz", Some("%zz")),
            ("/a/..", Some("a")),
        ];
        for (location, id) in cases {
            assert_eq!(id_from_location(location).as_deref(), id, "{location}");
        }
    }
}
