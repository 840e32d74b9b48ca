//! Reading request bodies and parameters, refusing with 400 what does not fit. Messages name
//! fields, never their values, so no password is ever echoed.

use std::net::Ipv4Addr;

use http::request::Parts;
use serde_json::{Map, Value};
use storkit_mock::router::Params;

use crate::answer::Refusal;
use crate::query::Query;

/// Everything an endpoint may need.
pub(crate) struct Call<'a> {
    pub(crate) parts: &'a Parts,
    pub(crate) body: &'a [u8],
    pub(crate) query: &'a Query,
    pub(crate) params: &'a Params,
}

impl Call<'_> {
    /// A path parameter the route pattern guarantees.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }

    /// The body as a JSON object.
    pub(crate) fn object(&self) -> Result<Map<String, Value>, Refusal> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(Refusal::bad_request("the request needs a JSON object body"));
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Refusal::bad_request(
                "the request body is not a JSON object",
            )),
            Err(error) => Err(Refusal::bad_request(format!(
                "the request body is not valid JSON: {error}"
            ))),
        }
    }

    /// Refuses filters: writes take no query but the reserved parameters.
    pub(crate) fn no_filters(&self) -> Result<(), Refusal> {
        match self.query.filters.first() {
            Some((name, _)) => Err(Refusal::bad_request(format!(
                "the query parameter {name:?} is not accepted here"
            ))),
            None => Ok(()),
        }
    }
}

/// Refuses keys not in `allowed`, naming the first.
pub(crate) fn only(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), Refusal> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(Refusal::bad_request(format!(
            "unexpected field {key:?} in {what}; accepted: {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// An optional string field.
pub(crate) fn string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Refusal> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Refusal::bad_request(format!(
            "field {key:?} must be a string"
        ))),
    }
}

/// A required, non-empty string field.
pub(crate) fn required(map: &Map<String, Value>, key: &str) -> Result<String, Refusal> {
    match string(map, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Refusal::bad_request(format!(
            "field {key:?} is required and must be a non-empty string"
        ))),
    }
}

/// An optional boolean field.
pub(crate) fn boolean(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, Refusal> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Refusal::bad_request(format!(
            "field {key:?} must be true or false"
        ))),
    }
}

/// An optional IPv4 address field, kept as given.
pub(crate) fn ipv4(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Refusal> {
    match string(map, key)? {
        Some(text) => match text.parse::<Ipv4Addr>() {
            Ok(_) => Ok(Some(text)),
            Err(_) => Err(Refusal::bad_request(format!(
                "field {key:?} must be an IPv4 address"
            ))),
        },
        None => Ok(None),
    }
}

/// An optional object field with an `id` string (`{"host":{"id":…}}`): the id.
pub(crate) fn id_of(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Refusal> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => match inner.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(Some(id.clone())),
            _ => Err(Refusal::bad_request(format!(
                "field {key:?} must be an object with a string \"id\""
            ))),
        },
        Some(_) => Err(Refusal::bad_request(format!(
            "field {key:?} must be an object with a string \"id\""
        ))),
    }
}

/// A `true`/`false` query parameter.
pub(crate) fn bool_param(query: &Query, key: &str) -> Result<Option<bool>, Refusal> {
    match query.reserved(key) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(Refusal::bad_request(format!(
            "the value {other:?} is invalid for field {key:?}: expected true or false"
        ))),
    }
}

/// `instance_type`: `small`, `medium` or `large`.
pub(crate) fn instance_type(value: &str) -> Result<String, Refusal> {
    match value {
        "small" | "medium" | "large" => Ok(value.to_owned()),
        _ => Err(Refusal::bad_request(format!(
            "the value {value:?} is invalid for field \"instance_type\": expected small, medium or large"
        ))),
    }
}
