//! Versions, login and the error body (§2.1.4, §3.1).

use std::time::Duration;

use serde_json::Value;

use crate::error::VrgError;
use crate::lenient::{Fields, items_of, object, parse_body, require_body, text_of, wrong_shape};

/// One entry of `GET /versions` (§3.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionEntry {
    /// `version`: the version number as sent (the sample's value ends in `5.1`, the VRG
    /// calls itself `v1.0`; a number is written out as text).
    pub version: Option<String>,
    /// `loginUri` (the sample spells it `loginUrl`): the login path, absolute
    /// (`/vrgservice/session`), to resolve against the host rather than the base path.
    pub login_uri: Option<String>,
}

/// Decodes `GET /versions`: `{"versions":[{"version":…,"loginUri":…}]}`.
///
/// Also accepted: a bare array of entries, and an object that is itself one entry.
/// Elements that are not objects are skipped; a missing `versions` is an empty list.
pub fn decode_versions(body: &[u8]) -> Result<Vec<VersionEntry>, VrgError> {
    const WHAT: &str = "GET /versions";
    let value = require_body(body, WHAT)?;
    let entries: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let mut fields = Fields::new(map);
            match fields.value(&["versions"]) {
                Some(list) => items_of(list),
                None if map.contains_key("version") || map.contains_key("loginUri") => {
                    vec![&value]
                }
                None => Vec::new(),
            }
        }
        other => return Err(wrong_shape(WHAT, "an object or an array", other)),
    };
    Ok(entries
        .into_iter()
        .filter_map(Value::as_object)
        .map(|map| {
            let mut f = Fields::new(map);
            VersionEntry {
                version: f.text(&["version"]),
                login_uri: f.text(&["loginUri", "loginUrl"]),
            }
        })
        .collect())
}

/// The body of a successful login, `POST /session` (§3.1.2). The token itself comes in
/// the `X-Auth-Token` response header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginAnswer {
    /// `validity`: how long the token is valid, in milliseconds (600000 in the document).
    pub validity_ms: Option<i64>,
    /// `uuid`: the VRG's unique identifier.
    pub uuid: Option<String>,
}

impl LoginAnswer {
    /// The validity as a duration, when it is a positive number.
    pub fn validity(&self) -> Option<Duration> {
        self.validity_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
    }
}

/// Decodes the login body `{"validity":600000,"uuid":"…"}`. An empty body, `{}` and
/// `null` give an answer with nothing in it: the login worked if the token header came.
pub fn decode_login(body: &[u8]) -> Result<LoginAnswer, VrgError> {
    const WHAT: &str = "POST /session";
    let Some(value) = parse_body(body, WHAT)? else {
        return Ok(LoginAnswer::default());
    };
    let mut f = Fields::new(object(&value, WHAT)?);
    Ok(LoginAnswer {
        validity_ms: f.int(&["validity"]),
        uuid: f.text(&["uuid"]),
    })
}

/// Reads an error body `{"errorCode":"10440102","errorDes":"…"}` (§2.1.4): the code as
/// sent (a number is written in decimal), and the description when there is one.
///
/// `None` when the body is not a JSON object with a non-empty `errorCode` (a plain HTTP
/// error). Keys are also found in another case (`errorcode`), and `errorDesc` stands for
/// `errorDes`. Never fails.
pub fn decode_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let value = parse_body(body, "error body").ok()??;
    let mut f = Fields::new(value.as_object()?);
    let code = f
        .take(&["errorCode", "error_code"], |v| {
            text_of(v).map(|s| s.trim().to_owned())
        })
        .filter(|code| !code.is_empty())?;
    let description = f.text(&["errorDes", "errorDesc", "error_des"]);
    Some((code, description))
}

/// Whether a body counts as "no body": empty (or only whitespace), `{}` or `null`. For
/// the endpoints the document gives no answer body; anything else there is ignored, not
/// refused.
pub fn is_empty_answer(body: &[u8]) -> bool {
    match parse_body(body, "answer") {
        Ok(None) => true,
        Ok(Some(Value::Object(map))) => map.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_table_and_sample_spelling() {
        let table = br#"{"versions":[{"version":"v1.0","loginUri":"/vrgservice/session"}]}"#;
        let sample = br#"{"versions":[{"version":"5.1","loginUrl":"/vrgservice/session"}]}"#;
        assert_eq!(
            decode_versions(table).ok(),
            Some(vec![VersionEntry {
                version: Some("v1.0".into()),
                login_uri: Some("/vrgservice/session".into()),
            }])
        );
        let s = decode_versions(sample).ok().unwrap_or_default();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].login_uri.as_deref(), Some("/vrgservice/session"));
        assert_eq!(s[0].version.as_deref(), Some("5.1"));
        // A number version, a bare array, a non-object element.
        let odd = br#"[{"version":5.1},7]"#;
        assert_eq!(decode_versions(odd).ok().map(|v| v.len()), Some(1));
        assert_eq!(decode_versions(b"{}").ok(), Some(vec![]));
        assert!(decode_versions(b"").is_err());
        assert!(decode_versions(b"\"x\"").is_err());
    }

    #[test]
    fn login_body() {
        let a = decode_login(br#"{"validity":600000,"uuid":"vrg-1"}"#).ok();
        assert_eq!(
            a,
            Some(LoginAnswer {
                validity_ms: Some(600_000),
                uuid: Some("vrg-1".into())
            })
        );
        assert_eq!(a.and_then(|a| a.validity()), Some(Duration::from_secs(600)));
        assert_eq!(
            decode_login(br#"{"validity":"600000"}"#)
                .ok()
                .and_then(|a| a.validity_ms),
            Some(600_000)
        );
        assert_eq!(decode_login(b"").ok(), Some(LoginAnswer::default()));
        assert_eq!(decode_login(b"null").ok(), Some(LoginAnswer::default()));
        assert_eq!(
            decode_login(br#"{"validity":-1}"#)
                .ok()
                .and_then(|a| a.validity()),
            None
        );
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            decode_error(br#"{"errorCode":"10440102","errorDes":"timed out"}"#),
            Some(("10440102".into(), Some("timed out".into())))
        );
        assert_eq!(
            decode_error(br#"{"errorCode":10440400}"#),
            Some(("10440400".into(), None))
        );
        assert_eq!(
            decode_error(br#"{"errorcode":" 10440101 ","errorDes":null}"#),
            Some(("10440101".into(), None))
        );
        // Not UTF-8 (a GBK description): the code still reads.
        let mut gbk = br#"{"errorCode":"10440000","errorDes":""#.to_vec();
        gbk.extend_from_slice(&[0xcf, 0xb5, 0xcd, 0xb3]);
        gbk.extend_from_slice(br#""}"#);
        assert_eq!(
            decode_error(&gbk).map(|(c, _)| c).as_deref(),
            Some("10440000")
        );
        assert_eq!(decode_error(b""), None);
        assert_eq!(decode_error(b"<html>"), None);
        assert_eq!(decode_error(b"[]"), None);
        assert_eq!(decode_error(br#"{"errorCode":""}"#), None);
        assert_eq!(decode_error(br#"{"errorCode":{}}"#), None);
    }

    #[test]
    fn empty_answers() {
        assert!(is_empty_answer(b""));
        assert!(is_empty_answer(b" {} "));
        assert!(is_empty_answer(b"null"));
        assert!(!is_empty_answer(b"{\"a\":1}"));
        assert!(!is_empty_answer(b"{"));
    }
}
