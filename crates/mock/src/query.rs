//! Query strings in both encodings vendors use: form style (`+` is a space) and RFC 3986 style
//! (`+` is a literal plus, a space is `%20`).
//!
//! ```
//! use storkit_mock::query::{Query, QueryStyle};
//!
//! let q = Query::parse("reason=a+b&retention=A%2B10y&failOver", QueryStyle::Form)?;
//! assert_eq!(q.get("reason"), Some("a b"));
//! assert_eq!(q.get("retention"), Some("A+10y"));
//! assert_eq!(q.get("failOver"), Some(""));
//! assert!(q.is_bare("failOver"));
//!
//! let q = Query::parse("order_by=name+asc&x=%20", QueryStyle::Rfc3986)?;
//! assert_eq!(q.get("order_by"), Some("name+asc"));
//! assert_eq!(q.get("x"), Some(" "));
//! # Ok::<(), storkit_mock::query::QueryError>(())
//! ```

/// How `+` and spaces are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryStyle {
    /// `application/x-www-form-urlencoded`: `+` decodes to a space, a space encodes as `+`.
    Form,
    /// RFC 3986: `+` is a literal plus, a space encodes as `%20`.
    Rfc3986,
}

/// Why a query (or path segment) could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A `%` not followed by two hex digits.
    #[error("invalid percent escape {text:?}")]
    InvalidEscape {
        /// The escape as written (the `%` and what followed it, at most two characters).
        text: String,
    },
    /// The decoded bytes are not UTF-8.
    #[error("the percent-decoded text is not UTF-8")]
    NotUtf8,
}

/// Decodes `%XX` escapes (and `+` in [`QueryStyle::Form`]).
pub fn decode(text: &str, style: QueryStyle) -> Result<String, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| {
                    Some(hex_value(*pair.first()?)? << 4 | hex_value(*pair.get(1)?)?)
                });
                let Some(byte) = hex else {
                    let end = (i + 3).min(bytes.len());
                    return Err(QueryError::InvalidEscape {
                        text: String::from_utf8_lossy(&bytes[i..end]).into_owned(),
                    });
                };
                out.push(byte);
                i += 3;
            }
            b'+' if style == QueryStyle::Form => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| QueryError::NotUtf8)
}

/// Encodes `text`: `A–Z a–z 0–9 - . _ ~` stay, a space becomes `+` ([`QueryStyle::Form`]) or
/// `%20`, every other byte `%XX` with uppercase hex.
pub fn encode(text: &str, style: QueryStyle) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' if style == QueryStyle::Form => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A decoded query: its `key=value` pairs in order, repeated keys kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, Option<String>)>,
}

impl Query {
    /// Parses a raw query string (without `?`): pairs split at `&`, key and value at the first
    /// `=`, both decoded in `style`. Empty pieces (`a=1&&b=2`, a trailing `&`) are skipped; a
    /// piece without `=` is a bare key.
    pub fn parse(raw: &str, style: QueryStyle) -> Result<Self, QueryError> {
        let mut pairs = Vec::new();
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let pair = match piece.split_once('=') {
                Some((key, value)) => (decode(key, style)?, Some(decode(value, style)?)),
                None => (decode(piece, style)?, None),
            };
            pairs.push(pair);
        }
        Ok(Self { pairs })
    }

    /// Parses the query of `uri` (an empty query when it has none).
    pub fn from_uri(uri: &http::Uri, style: QueryStyle) -> Result<Self, QueryError> {
        Self::parse(uri.query().unwrap_or(""), style)
    }

    /// The pairs in order; a bare key has `None` as its value.
    pub fn pairs(&self) -> &[(String, Option<String>)] {
        &self.pairs
    }

    /// The first value of `key`; `""` for a bare key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// Every value of `key`, in order; `""` for a bare key.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// Whether `key` appears, with a value or bare.
    pub fn contains_key(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Whether `key` appears without `=` (`?failOver`, as opposed to `?failOver=`).
    pub fn is_bare(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == key && v.is_none())
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there is no pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Appends a pair.
    pub fn push(&mut self, key: impl Into<String>, value: Option<String>) {
        self.pairs.push((key.into(), value));
    }

    /// The query string (without `?`) that [`parse`](Self::parse) turns back into `self`.
    pub fn encode(&self, style: QueryStyle) -> String {
        let mut out = String::new();
        for (key, value) in &self.pairs {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&encode(key, style));
            if let Some(value) = value {
                out.push('=');
                out.push_str(&encode(value, style));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_two_styles_differ_on_plus_and_space() {
        assert_eq!(decode("a+b%20c", QueryStyle::Form).unwrap(), "a b c");
        assert_eq!(decode("a+b%20c", QueryStyle::Rfc3986).unwrap(), "a+b c");
        assert_eq!(encode("a b+c", QueryStyle::Form), "a+b%2Bc");
        assert_eq!(encode("a b+c", QueryStyle::Rfc3986), "a%20b%2Bc");
        assert_eq!(encode("ä/é>=", QueryStyle::Form), "%C3%A4%2F%C3%A9%3E%3D");
        assert_eq!(decode("%c3%a4", QueryStyle::Rfc3986).unwrap(), "ä");
    }

    #[test]
    fn bad_escapes_are_errors() {
        for (input, text) in [("%", "%"), ("a%2", "%2"), ("%zz1", "%zz"), ("%%41", "%%4")] {
            assert_eq!(
                decode(input, QueryStyle::Form),
                Err(QueryError::InvalidEscape { text: text.into() }),
                "{input}"
            );
        }
        assert_eq!(decode("%FF", QueryStyle::Rfc3986), Err(QueryError::NotUtf8));
        assert!(Query::parse("a=1&b=%G0", QueryStyle::Form).is_err());
    }

    #[test]
    fn pairs_bare_keys_and_repeats() {
        let q = Query::parse("a=1&&b&c=&a=2=3&", QueryStyle::Form).unwrap();
        assert_eq!(
            q.pairs(),
            [
                ("a".into(), Some("1".into())),
                ("b".into(), None),
                ("c".into(), Some(String::new())),
                ("a".into(), Some("2=3".into())),
            ]
        );
        assert_eq!(q.get_all("a").collect::<Vec<_>>(), ["1", "2=3"]);
        assert!(q.is_bare("b") && !q.is_bare("c"));
        assert!(q.contains_key("c") && !q.contains_key("d"));
        assert_eq!(q.get("d"), None);
        assert_eq!(q.encode(QueryStyle::Form), "a=1&b&c=&a=2%3D3");
        assert!(Query::parse("", QueryStyle::Form).unwrap().is_empty());
        let uri: http::Uri = "/jobs/1?fields=state%2Cmessage&poll_timeout=120"
            .parse()
            .unwrap();
        let q = Query::from_uri(&uri, QueryStyle::Rfc3986).unwrap();
        assert_eq!(q.get("fields"), Some("state,message"));
        assert_eq!(q.len(), 2);
    }

    fn style() -> impl Strategy<Value = QueryStyle> {
        prop_oneof![Just(QueryStyle::Form), Just(QueryStyle::Rfc3986)]
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(text in any::<String>(), style in style()) {
            let encoded = encode(&text, style);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic() && b != b'&' && b != b'='));
            prop_assert_eq!(decode(&encoded, style).unwrap(), text);
        }

        #[test]
        fn queries_round_trip(
            pairs in proptest::collection::vec(
                (".+", proptest::option::of(any::<String>())), 0..6),
            style in style(),
        ) {
            let mut query = Query::default();
            for (key, value) in &pairs {
                query.push(key.clone(), value.clone());
            }
            let parsed = Query::parse(&query.encode(style), style).unwrap();
            prop_assert_eq!(parsed, query);
        }

        #[test]
        fn decoding_anything_never_panics(raw in "[%+=&a-f0-9\u{e4}]{0,12}", style in style()) {
            match decode(&raw, style) {
                Ok(text) => prop_assert!(text.len() <= raw.len()),
                Err(QueryError::InvalidEscape { text }) => prop_assert!(text.starts_with('%')),
                Err(_) => {}
            }
            let _ = Query::parse(&raw, style);
        }

        #[test]
        fn form_and_rfc_agree_without_plus(raw in "[a-z0-9%]{0,8}(%20)?") {
            prop_assert_eq!(
                decode(&raw, QueryStyle::Form).ok(),
                decode(&raw, QueryStyle::Rfc3986).ok()
            );
        }
    }
}
