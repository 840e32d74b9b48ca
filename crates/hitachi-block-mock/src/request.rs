//! One request, read and decoded once: path, query, headers, body and its JSON.

use std::net::IpAddr;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, Method};
use serde_json::Value;

use crate::errors::ApiError;

/// A request as the route handlers see it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) method: Method,
    /// The path as sent (percent-encoding kept), for `errorSource` and job records.
    pub(crate) path: String,
    raw_query: Option<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    /// The body as JSON; `None` when the body is empty (or only whitespace).
    pub(crate) json: Option<Value>,
    /// The client's address, shown as a session's `ipAddress`.
    pub(crate) peer: IpAddr,
}

impl Call {
    /// Decodes a request. A body that is not JSON is an error only where a body is read: GETs
    /// ignore theirs, as the real server ignores `Content-Type` on bodiless requests.
    pub(crate) fn new(parts: &Parts, body: Bytes, peer: IpAddr) -> Result<Self, ApiError> {
        let raw_query = parts.uri.query().map(str::to_owned);
        let query = raw_query.as_deref().map(parse_query).unwrap_or_default();
        let mut call = Self {
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            raw_query,
            query,
            headers: parts.headers.clone(),
            body,
            json: None,
            peer,
        };
        if call.method == Method::GET || call.method == Method::HEAD {
            return Ok(call);
        }
        let text = match std::str::from_utf8(&call.body) {
            Ok(text) => text.trim(),
            Err(_) => return Err(ApiError::invalid_json("The request body is not UTF-8.")),
        };
        if text.is_empty() {
            return Ok(call);
        }
        match serde_json::from_str::<Value>(text) {
            Ok(json) => {
                call.json = Some(json);
                Ok(call)
            }
            Err(e) => Err(ApiError::invalid_json(&e.to_string())),
        }
    }

    /// A header's value; names match case-insensitively (the seeds send lower-case names).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter's decoded value (the first one, if repeated).
    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The path and query, as recorded in a job's `request.requestUrl`.
    pub(crate) fn request_url(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The body as text, as recorded in a job's `request.requestBody`.
    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `a=1&b=x%2Cy` → `[("a","1"),("b","x,y")]`.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space in queries). Invalid escapes stay as they are,
/// so a client's odd encoding ends in a "does not exist" answer rather than a crash.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(
            percent_decode("SI_347%2CSI_347P_", false),
            "SI_347,SI_347P_"
        );
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz", false), "%zz");
        assert_eq!(percent_decode("%4", false), "%4");
    }

    #[test]
    fn parses_queries() {
        let q = parse_query("headLdevId=10&count=5&flag&x=a%2Cb");
        assert_eq!(
            q,
            vec![
                ("headLdevId".into(), "10".into()),
                ("count".into(), "5".into()),
                ("flag".into(), String::new()),
                ("x".into(), "a,b".into()),
            ]
        );
    }
}
