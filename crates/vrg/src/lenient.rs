//! Lenient decoding helpers (reference §8).
//!
//! Answers are read into a [`serde_json::Value`] first and walked by hand, never through a
//! derived `Deserialize`: a derive fails the whole answer on one odd value (a string where
//! the table says integer, both spellings of an aliased key), and the interface document
//! has plenty of those. Here a key is found under any of its spellings, an integer is read
//! from a number or a numeric string, a value of the wrong type reads as absent, and what
//! was not read stays available as "extra".

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::error::VrgError;

/// Parses an answer body. `Ok(None)` for an empty body (only whitespace, maybe a UTF-8
/// byte order mark) and for `null`. Bytes that are not UTF-8 are read with replacement
/// characters: a Chinese `errorDes` in another encoding must not hide the `errorCode`.
pub(crate) fn parse_body(body: &[u8], what: &str) -> Result<Option<Value>, VrgError> {
    let text: Cow<'_, str> = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Null) => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(e) => Err(VrgError::decode(what, format!("not JSON: {e}"))),
    }
}

/// Like [`parse_body`], for answers that must carry a body.
pub(crate) fn require_body(body: &[u8], what: &str) -> Result<Value, VrgError> {
    parse_body(body, what)?.ok_or_else(|| VrgError::decode(what, "empty answer"))
}

/// An integer from a number (integral floats included) or a numeric string (`"7000"`,
/// `" 1 "`, `"1.0"`); anything else is `None`.
pub(crate) fn int_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(integral)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(integral))
        }
        _ => None,
    }
}

// 2^63 as f64; integral floats in [-2^63, 2^63) convert without loss of range.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

fn integral(f: f64) -> Option<i64> {
    if f.is_finite() && f.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&f) {
        // In range and integral: the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Some(f as i64)
    } else {
        None
    }
}

/// Text from a string, or a number / boolean written out; arrays, objects and `null` are
/// `None`.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list: an array's elements, a single non-null value as a one-element list, `null` as
/// an empty list.
pub(crate) fn items_of(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The keys of one answer object, read under any of their spellings. A key counts as read
/// once a value was taken from it; [`Fields::extra`] gives the others.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    used: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Fields {
            map,
            used: Vec::new(),
        }
    }

    /// The candidates for `names`, best first: exact spellings in the order given, then
    /// keys equal to one of them but for ASCII case (`netinfos`, `IP`, `dstVolDsurn`).
    /// `null` values and keys already read are skipped.
    fn candidates(&self, names: &[&str]) -> Vec<(&'a str, &'a Value)> {
        let mut found: Vec<(&'a str, &'a Value)> = Vec::new();
        let push = |key: &'a str, value: &'a Value, found: &mut Vec<(&'a str, &'a Value)>| {
            if !value.is_null()
                && !self.used.contains(&key)
                && !found.iter().any(|(k, _)| *k == key)
            {
                found.push((key, value));
            }
        };
        for name in names {
            if let Some((key, value)) = self.map.get_key_value(*name) {
                push(key.as_str(), value, &mut found);
            }
        }
        for name in names {
            for (key, value) in self.map {
                if key.eq_ignore_ascii_case(name) {
                    push(key.as_str(), value, &mut found);
                }
            }
        }
        found
    }

    /// The first candidate that `read` accepts; its key is marked read.
    pub(crate) fn take<T>(
        &mut self,
        names: &[&str],
        mut read: impl FnMut(&'a Value) -> Option<T>,
    ) -> Option<T> {
        for (key, value) in self.candidates(names) {
            if let Some(out) = read(value) {
                self.used.push(key);
                return Some(out);
            }
        }
        None
    }

    /// An integer ([`int_of`]).
    pub(crate) fn int(&mut self, names: &[&str]) -> Option<i64> {
        self.take(names, int_of)
    }

    /// Text ([`text_of`]).
    pub(crate) fn text(&mut self, names: &[&str]) -> Option<String> {
        self.take(names, text_of)
    }

    /// The raw value.
    pub(crate) fn value(&mut self, names: &[&str]) -> Option<&'a Value> {
        self.take(names, Some)
    }

    /// The keys not read, with their values.
    pub(crate) fn extra(&self) -> Map<String, Value> {
        self.map
            .iter()
            .filter(|(key, _)| !self.used.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

/// The object a decoder reads, or a decode error naming `what`.
pub(crate) fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, VrgError> {
    value
        .as_object()
        .ok_or_else(|| wrong_shape(what, "a JSON object", value))
}

/// A decode error: `what` expected `expected` and got `value` (named by its type only).
pub(crate) fn wrong_shape(what: &str, expected: &str, value: &Value) -> VrgError {
    VrgError::decode(what, format!("expected {expected}, got {}", kind(value)))
}

/// A short name of a JSON value's type, for error messages (never the value: it may be
/// long).
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_come_as_numbers_or_numeric_strings() {
        assert_eq!(int_of(&json!(7000)), Some(7000));
        assert_eq!(int_of(&json!("7000")), Some(7000));
        assert_eq!(int_of(&json!(" -2 ")), Some(-2));
        assert_eq!(int_of(&json!("1.0")), Some(1));
        assert_eq!(int_of(&json!(2.0)), Some(2));
        assert_eq!(int_of(&json!(2.5)), None);
        assert_eq!(int_of(&json!("x")), None);
        assert_eq!(int_of(&json!("NaN")), None);
        assert_eq!(int_of(&json!("1e300")), None);
        assert_eq!(int_of(&json!(u64::MAX)), None);
        assert_eq!(int_of(&json!(true)), None);
        assert_eq!(int_of(&json!(null)), None);
    }

    #[test]
    fn bodies_empty_null_and_bom() {
        assert_eq!(parse_body(b"", "x").ok(), Some(None));
        assert_eq!(parse_body(b" \r\n", "x").ok(), Some(None));
        assert_eq!(parse_body(b"null", "x").ok(), Some(None));
        assert_eq!(
            parse_body("\u{feff}{}".as_bytes(), "x").ok(),
            Some(Some(json!({})))
        );
        assert!(parse_body(b"{", "x").is_err());
        assert!(require_body(b"", "x").is_err());
    }

    #[test]
    fn keys_by_alias_then_case_and_extra() {
        let v = json!({"loginUrl": "/a", "NETINFOS": [], "other": 1, "n": null, "k": "x"});
        let map = v.as_object().cloned().unwrap_or_default();
        let mut f = Fields::new(&map);
        assert_eq!(f.text(&["loginUri", "loginUrl"]).as_deref(), Some("/a"));
        assert!(f.value(&["netInfos"]).is_some());
        assert_eq!(f.text(&["n"]), None);
        // Not an integer: stays unread.
        assert_eq!(f.int(&["k"]), None);
        let extra = f.extra();
        assert_eq!(extra.len(), 3, "{extra:?}");
        assert!(extra.contains_key("other") && extra.contains_key("k") && extra.contains_key("n"));
    }

    #[test]
    fn a_second_spelling_is_used_when_the_first_is_odd() {
        let v = json!({"status": "abc", "Status": 2});
        let map = v.as_object().cloned().unwrap_or_default();
        let mut f = Fields::new(&map);
        assert_eq!(f.int(&["status"]), Some(2));
        assert!(f.extra().contains_key("status"));
    }
}
