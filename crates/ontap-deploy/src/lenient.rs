//! Lenient field readers for the answer types (reference §3 "Decoding", §11 "copy into
//! Rust" 2).
//!
//! Every answer field is `#[serde(default, deserialize_with = "…")]` with one of these: the
//! value is read as a [`serde_json::Value`] first, and one of the wrong type reads as
//! absent instead of failing the whole answer. Numbers arrive as numbers or numeric
//! strings, ids as strings or numbers, booleans as booleans, `"true"`/`"false"` or `0`/`1`.
//! Unknown keys land in a flattened `extra` map, minus any key that names a password.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

/// Parses an answer body. `Ok(None)` for an empty body (only white space, maybe a UTF-8
/// byte order mark) and for `null`. Bytes that are not UTF-8 are read with replacement
/// characters, so that a message in another encoding does not hide the rest.
pub(crate) fn parse_body(body: &[u8]) -> Result<Option<Value>, String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Null) => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

/// Text from a string, or a number or boolean written out; anything else is `None`.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An id given bare: a string, or a number written out.
pub(crate) fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An unsigned integer from a number (integral floats included) or a numeric string.
pub(crate) fn u64_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(integral)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(integral))
        }
        _ => None,
    }
}

// 2^64 as f64: integral floats in [0, 2^64) convert without loss of range.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

fn integral(f: f64) -> Option<u64> {
    if f.is_finite() && f.fract() == 0.0 && (0.0..TWO_POW_64).contains(&f) {
        // In range and integral: the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(f as u64)
    } else {
        None
    }
}

/// A boolean from `true`/`false`, the strings `"true"`/`"false"` (any case) or `0`/`1`.
pub(crate) fn bool_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// True for a key whose value is a secret: any key that names a password
/// (`password`, `admin_password`, `ontap_password`, any case).
pub(crate) fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// Removes every secret key (see [`is_secret_key`]), at any depth.
pub(crate) fn strip_secrets(map: &mut Map<String, Value>) {
    map.retain(|k, _| !is_secret_key(k));
    for value in map.values_mut() {
        strip_secrets_value(value);
    }
}

fn strip_secrets_value(value: &mut Value) {
    match value {
        Value::Object(map) => strip_secrets(map),
        Value::Array(items) => items.iter_mut().for_each(strip_secrets_value),
        _ => {}
    }
}

/// Replaces the value of every secret key with `"[REDACTED]"`, at any depth.
pub(crate) fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) {
                    *v = Value::String("[REDACTED]".to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `deserialize_with` for `Option<String>`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text_of(&Value::deserialize(d)?))
}

/// `deserialize_with` for `Option<bool>`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(bool_of(&Value::deserialize(d)?))
}

/// `deserialize_with` for an optional unsigned integer of any width (a value out of the
/// type's range reads as absent).
pub(crate) fn opt_uint<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    Ok(u64_of(&Value::deserialize(d)?).and_then(|n| T::try_from(n).ok()))
}

/// `deserialize_with` for an optional value of any (lenient) type: one that does not
/// decode reads as absent.
pub(crate) fn opt_any<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        value => Ok(T::deserialize(value).ok()),
    }
}

/// `deserialize_with` for an optional list: an array's elements that decode (the others
/// are dropped), a single non-null value as a one-element list, `null` as absent.
pub(crate) fn opt_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(list_of(Value::deserialize(d)?))
}

fn list_of<T: DeserializeOwned>(value: Value) -> Option<Vec<T>> {
    match value {
        Value::Null => None,
        Value::Array(items) => Some(
            items
                .into_iter()
                .filter_map(|v| T::deserialize(v).ok())
                .collect(),
        ),
        other => Some(T::deserialize(other).ok().into_iter().collect()),
    }
}

/// `deserialize_with` for an optional list of text (strings, numbers written out).
pub(crate) fn opt_text_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Array(items) => Some(items.iter().filter_map(text_of).collect()),
        other => Some(text_of(&other).into_iter().collect()),
    })
}

/// `deserialize_with` for a list of text that may be absent (an empty list then).
pub(crate) fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(opt_text_list(d)?.unwrap_or_default())
}

/// `deserialize_with` for the flattened `extra` map: the unknown keys, minus secrets.
pub(crate) fn extra<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    let mut map = Map::<String, Value>::deserialize(d)?;
    strip_secrets(&mut map);
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers() {
        assert_eq!(u64_of(&json!("12")), Some(12));
        assert_eq!(u64_of(&json!(" 12 ")), Some(12));
        assert_eq!(u64_of(&json!(12.0)), Some(12));
        assert_eq!(u64_of(&json!("1e3")), Some(1000));
        assert_eq!(u64_of(&json!(-1)), None);
        assert_eq!(u64_of(&json!(1.5)), None);
        assert_eq!(u64_of(&json!(1e300)), None);
        assert_eq!(u64_of(&json!("10GB")), None);
        assert_eq!(bool_of(&json!("TRUE")), Some(true));
        assert_eq!(bool_of(&json!(0)), Some(false));
        assert_eq!(bool_of(&json!(2)), None);
        assert_eq!(text_of(&json!(7)), Some("7".into()));
        assert_eq!(text_of(&json!([1])), None);
    }

    #[test]
    fn secrets_are_stripped_and_redacted() {
        let mut map = json!({"a": 1, "Password": "x", "n": [{"admin_password": "y", "b": 2}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        strip_secrets(&mut map);
        assert_eq!(Value::Object(map), json!({"a": 1, "n": [{"b": 2}]}));
        let mut v = json!({"ontap_credential": {"password": "z"}, "k": ["password"]});
        redact(&mut v);
        assert_eq!(
            v,
            json!({"ontap_credential": {"password": "[REDACTED]"}, "k": ["password"]})
        );
    }
}
