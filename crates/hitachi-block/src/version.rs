//! The REST API version and the minimum-version check of the sample programs.

use std::fmt;

use serde::Deserialize;
use storkit_core::{Error, Response};

use crate::error::HitachiError;

/// The REST API version, e.g. `1.31.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    major: u32,
    minor: u32,
    raw: String,
    product: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionBody {
    api_version: serde_json::Value,
    #[serde(default)]
    product_name: Option<String>,
}

impl ApiVersion {
    /// Parses `major.minor[.anything]`: the first two dot-separated parts must be
    /// integers, as the sample programs require.
    pub fn parse(raw: &str) -> Result<ApiVersion, HitachiError> {
        let mut parts = raw.trim().split('.');
        let num = |p: Option<&str>| p.and_then(|s| s.trim().parse::<u32>().ok());
        match (num(parts.next()), num(parts.next())) {
            (Some(major), Some(minor)) => Ok(ApiVersion {
                major,
                minor,
                raw: raw.trim().to_owned(),
                product: None,
            }),
            _ => Err(HitachiError::Unexpected {
                what: format!("API version {raw:?} is not major.minor"),
            }),
        }
    }

    pub(crate) fn from_response(response: &Response) -> Result<ApiVersion, Error> {
        let body: VersionBody = response.json()?;
        let raw = match &body.api_version {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut version = ApiVersion::parse(&raw)?;
        version.product = body.product_name;
        Ok(version)
    }

    /// True when this version is `major.minor` or newer.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// The major number.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The minor number.
    pub fn minor(&self) -> u32 {
        self.minor
    }

    /// The version as the server wrote it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The product name, e.g. `Configuration Manager REST API`.
    pub fn product(&self) -> Option<&str> {
        self.product.as_deref()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn seeds_semantics() {
        let v = ApiVersion::parse("1.31.0").unwrap();
        assert!(v.at_least(1, 9) && v.at_least(1, 2) && !v.at_least(2, 0));
        assert!(!ApiVersion::parse("1.8.9").unwrap().at_least(1, 9));
        assert!(ApiVersion::parse("2.0").unwrap().at_least(1, 9));
        assert!(ApiVersion::parse("1.2.x").unwrap().at_least(1, 2));
        assert!(ApiVersion::parse("one.two").is_err());
        assert!(ApiVersion::parse("1").is_err());
        assert!(ApiVersion::parse("").is_err());
    }
}
