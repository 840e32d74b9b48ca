//! Typed reads of request-body fields and query parameters, each failing with the error body a
//! client should see (missing → `KART20008-E`, wrong type or range → 400).
//!
//! `null` counts as "not specified" everywhere: seed 001 sends an action template back with
//! the unset parameters still `null` (reference §12.4).

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::request::Call;

/// The fields of a JSON object: a request body or its `parameters`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Fields<'a> {
    /// The body's top-level object; an empty body has no fields.
    pub(crate) fn body(call: &'a Call) -> Result<Self, ApiError> {
        match &call.json {
            None | Some(Value::Null) => Ok(Self { map: None }),
            Some(Value::Object(map)) => Ok(Self { map: Some(map) }),
            Some(_) => Err(ApiError::invalid(
                "request body",
                "The request body must be a JSON object.",
            )),
        }
    }

    /// The body's `parameters` object, as action bodies carry it. Other top-level keys are
    /// ignored, so a template sent back whole is accepted.
    pub(crate) fn parameters(call: &'a Call) -> Result<Self, ApiError> {
        let body = Self::body(call)?;
        match body.get("parameters") {
            None => Ok(Self { map: None }),
            Some(Value::Object(map)) => Ok(Self { map: Some(map) }),
            Some(_) => Err(ApiError::invalid(
                "parameters",
                "The parameters attribute must be a JSON object.",
            )),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map?.get(key).filter(|v| !v.is_null())
    }

    /// Whether the field is present and not `null`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// An optional string.
    pub(crate) fn str_opt(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(key, "A string is required.")),
        }
    }

    /// A required string.
    pub(crate) fn str_req(&self, key: &str) -> Result<&'a str, ApiError> {
        self.str_opt(key)?.ok_or_else(|| ApiError::missing(key))
    }

    /// An optional non-negative integer.
    pub(crate) fn u64_opt(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid(key, "A non-negative integer is required.")),
            Some(_) => Err(ApiError::invalid(key, "An integer is required.")),
        }
    }

    /// An optional integer within `range`.
    pub(crate) fn u32_in(
        &self,
        key: &str,
        range: RangeInclusive<u32>,
    ) -> Result<Option<u32>, ApiError> {
        match self.u64_opt(key)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| range.contains(n))
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(
                        key,
                        &format!(
                            "The value must be from {} to {}.",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
        }
    }

    /// A required integer within `range`.
    pub(crate) fn u32_in_req(
        &self,
        key: &str,
        range: RangeInclusive<u32>,
    ) -> Result<u32, ApiError> {
        self.u32_in(key, range)?
            .ok_or_else(|| ApiError::missing(key))
    }

    /// An optional integer given as a JSON number or a numeric string (`restServerPort`,
    /// whose type the seed's parameter module does not show: reference §10.4 item 5).
    pub(crate) fn u64_lenient(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(key, "An integer is required.")),
            _ => self.u64_opt(key),
        }
    }

    /// An optional boolean.
    pub(crate) fn bool_opt(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(key, "true or false is required.")),
        }
    }

    /// A required boolean.
    pub(crate) fn bool_req(&self, key: &str) -> Result<bool, ApiError> {
        self.bool_opt(key)?.ok_or_else(|| ApiError::missing(key))
    }

    /// An optional list of integers.
    pub(crate) fn u64_list(&self, key: &str) -> Result<Option<Vec<u64>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_u64()
                        .ok_or_else(|| ApiError::invalid(key, "A list of integers is required."))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(ApiError::invalid(key, "A list of integers is required.")),
        }
    }
}

/// An optional integer query parameter.
pub(crate) fn query_u64(call: &Call, key: &str) -> Result<Option<u64>, ApiError> {
    match call.query(key) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(key, "An integer is required.")),
    }
}

/// An optional boolean query parameter (`true`/`false`).
pub(crate) fn query_bool(call: &Call, key: &str) -> Result<Option<bool>, ApiError> {
    match call.query(key) {
        None | Some("") => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(key, "true or false is required.")),
    }
}

/// Checks a name's length (1 to `max` characters), as the REST server does for copy group,
/// pair, device group and host group names (reference §12.2).
pub(crate) fn check_name(key: &str, name: &str, max: usize) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(ApiError::invalid(
            key,
            &format!("The name must be 1 to {max} characters."),
        ));
    }
    Ok(())
}

/// An object ID of exactly `parts` comma-separated parts (`CL1-A,5`, `100,3`), as the REST
/// server writes them raw in paths (reference §12.3).
pub(crate) fn split_id(id: &str, parts: usize) -> Option<Vec<&str>> {
    let split: Vec<&str> = id.split(',').collect();
    (split.len() == parts && split.iter().all(|p| !p.is_empty())).then_some(split)
}
