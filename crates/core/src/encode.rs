//! Percent-encoding of request targets: one path encoder and two query styles.
//!
//! A request target is sent exactly as the caller asked, or the request fails with an
//! [`ErrorKind::Config`](crate::ErrorKind::Config) error: never a silent change (the URI
//! parser would drop everything after a raw `#`, for example).
//!
//! Paths come in three forms ([`RequestPath`]):
//! - **text** (`&str`/`String`, what [`Request::get`](crate::Request::get) takes): what a
//!   request target cannot carry is percent-encoded as UTF-8 (space, `#`, `?`, `%` that
//!   does not start an escape, `<`, `>`, backtick, `"`, `{`, `}`, `|`, `\`, `^`, `[`,
//!   `]`, control bytes, non-ASCII); `/` and the characters a path may carry stay, and so
//!   does a `%XX` escape, so that a path built from [`encode_path_segment`] pieces is not
//!   encoded twice;
//! - **literal** ([`RequestPath::literal`]): every character is data, `%` included, so
//!   any Unicode path arrives at the server as given (object names, file names);
//! - **encoded** ([`RequestPath::encoded`]): already percent-encoded by the caller and
//!   sent byte for byte; a character a request target cannot carry is an error.

use std::fmt;

use crate::error::Error;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(b: u8, out: &mut String) {
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Characters RFC 3986 allows raw in a path (`pchar` and `/`), besides `%XX` escapes.
fn is_path_char(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'/' | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

/// Characters RFC 3986 allows raw in a query, besides `%XX` escapes.
fn is_query_char(b: u8) -> bool {
    is_path_char(b) || b == b'?'
}

fn is_escape_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'%')
        && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
        && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
}

fn needs_text_encoding(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| !((b != b'%' && is_path_char(b)) || is_escape_at(bytes, i)))
}

/// Encodes a path given as text: keeps `/`, the characters a path may carry and `%XX`
/// escapes; percent-encodes everything else as UTF-8.
pub fn encode_path_text(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    for (i, &b) in bytes.iter().enumerate() {
        if (b != b'%' && is_path_char(b)) || is_escape_at(bytes, i) {
            out.push(char::from(b));
        } else {
            push_escaped(b, &mut out);
        }
    }
    out
}

/// Encodes a literal path: every character is data. Keeps `/`, RFC 3986 unreserved
/// characters and `! $ & ' ( ) * , : = @`; encodes everything else, `%`, `+` and `;`
/// included (some servers read `+` in a path as a space and cut `;` parameters).
pub fn encode_path_literal(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if is_path_char(b) && !matches!(b, b'+' | b';') {
            out.push(char::from(b));
        } else {
            push_escaped(b, &mut out);
        }
    }
    out
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay; UTF-8 bytes
/// and everything else, `/` included, are encoded).
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            push_escaped(b, &mut out);
        }
    }
    out
}

/// Decodes `%XX` escapes (for tests and mocks: what a server does with a path). Returns
/// `None` for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if !is_escape_at(bytes, i) {
                return None;
            }
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Checks that `target` (an encoded path or query) can be sent byte for byte: ASCII
/// characters a request target may carry, and well-formed `%XX` escapes.
fn check_encoded(target: &str, allowed: fn(u8) -> bool, what: &str) -> Result<(), Error> {
    let bytes = target.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let ok = if b == b'%' {
            is_escape_at(bytes, i)
        } else {
            allowed(b)
        };
        if !ok {
            let shown = if b.is_ascii_graphic() {
                format!("'{}'", char::from(b))
            } else {
                format!("byte 0x{b:02X}")
            };
            return Err(Error::config(format!(
                "the {what} cannot be sent as given: {shown} at byte {i} is not allowed in \
                 an encoded request target (pass the text instead and let the client encode it)"
            )));
        }
    }
    Ok(())
}

/// A request path in one of three forms; see the [module docs](self).
#[derive(Clone, PartialEq, Eq)]
pub struct RequestPath {
    encoded: Result<String, String>,
}

impl RequestPath {
    /// A path given as text: what a request target cannot carry is encoded, `%XX`
    /// escapes and `/` stay.
    pub fn text(path: &str) -> Self {
        RequestPath {
            encoded: Ok(encode_path_text(path)),
        }
    }

    /// A literal path: every character is data, `%` included.
    pub fn literal(path: &str) -> Self {
        RequestPath {
            encoded: Ok(encode_path_literal(path)),
        }
    }

    /// A path already percent-encoded, sent byte for byte. A character a request target
    /// cannot carry makes the request fail when it is sent.
    pub fn encoded(path: impl Into<String>) -> Self {
        let path = path.into();
        RequestPath {
            encoded: match check_encoded(&path, is_path_char, "path") {
                Ok(()) => Ok(path),
                Err(e) => Err(e.to_string()),
            },
        }
    }

    /// A text path that is already what it would encode to is kept without a copy.
    fn text_owned(path: String) -> Self {
        RequestPath {
            encoded: Ok(if needs_text_encoding(&path) {
                encode_path_text(&path)
            } else {
                path
            }),
        }
    }

    /// The encoded form, or the reason it cannot be sent, by value.
    pub(crate) fn into_encoded(self) -> Result<String, Error> {
        self.encoded.map_err(Error::config)
    }

    /// The encoded form, or the reason it cannot be sent.
    pub fn as_encoded(&self) -> Result<&str, Error> {
        match &self.encoded {
            Ok(p) => Ok(p),
            Err(message) => Err(Error::config(message.clone())),
        }
    }
}

impl fmt::Debug for RequestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.encoded {
            Ok(p) => f.debug_tuple("RequestPath").field(p).finish(),
            Err(_) => f.write_str("RequestPath(<invalid>)"),
        }
    }
}

impl From<&str> for RequestPath {
    fn from(path: &str) -> Self {
        RequestPath::text(path)
    }
}

impl From<String> for RequestPath {
    fn from(path: String) -> Self {
        RequestPath::text_owned(path)
    }
}

impl From<&String> for RequestPath {
    fn from(path: &String) -> Self {
        RequestPath::text(path)
    }
}

/// How query keys and values are percent-encoded; chosen per client
/// ([`ClientBuilder::query_style`](crate::ClientBuilder::query_style)) or per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QueryStyle {
    /// `application/x-www-form-urlencoded`: space as `+`, `+` as `%2B`; `A-Z a-z 0-9
    /// - . _ *` stay raw. What most Java and Python servers decode.
    #[default]
    Form,
    /// RFC 3986: space as `%20`, `+` as `%2B`; `A-Z a-z 0-9 - . _ ~` and the operators
    /// `! * , : =` stay raw, everything else (`< > | & # % @` ...) is encoded. For servers
    /// that read `+` as a plus and keep operators in values (filter grammars such as
    /// `state=!failed`, `fields=*`).
    Rfc3986,
}

impl QueryStyle {
    /// Appends `s` encoded in this style.
    pub fn encode_into(self, s: &str, out: &mut String) {
        match self {
            QueryStyle::Form => form_encode_into(s, out),
            QueryStyle::Rfc3986 => {
                for b in s.bytes() {
                    if is_unreserved(b) || matches!(b, b'!' | b'*' | b',' | b':' | b'=') {
                        out.push(char::from(b));
                    } else {
                        push_escaped(b, out);
                    }
                }
            }
        }
    }

    /// `s` encoded in this style.
    pub fn encode(self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        self.encode_into(s, &mut out);
        out
    }
}

/// Appends `s` form-urlencoded (`application/x-www-form-urlencoded`, UTF-8).
pub fn form_encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => push_escaped(b, out),
        }
    }
}

/// One piece of a query: a key and value encoded at send time, or raw encoded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum QueryPart {
    Pair(String, String),
    Raw(String),
}

/// Checks a raw query fragment: it is sent byte for byte, so it may hold only characters
/// a query can carry (no `#`, space, control byte or non-ASCII) and `%XX` escapes.
/// `|`, `<`, `>`, `{`, `}`, `^`, backtick and `"` are let through: servers with a filter
/// grammar read them raw, and the HTTP parser accepts them in a query.
pub(crate) fn check_raw_query(fragment: &str) -> Result<(), Error> {
    check_encoded(
        fragment,
        |b| is_query_char(b) || matches!(b, b'|' | b'<' | b'>' | b'{' | b'}' | b'^' | b'`' | b'"'),
        "query",
    )
}

/// Encodes query parts in `style`, `&`-separated.
pub(crate) fn encode_query(parts: &[QueryPart], style: QueryStyle) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            out.push('&');
        }
        match part {
            QueryPart::Pair(k, v) => {
                style.encode_into(k, &mut out);
                out.push('=');
                style.encode_into(v, &mut out);
            }
            QueryPart::Raw(raw) => out.push_str(raw),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_paths_encode_what_a_target_cannot_carry() {
        for (input, sent) in [
            ("/rest/a#b", "/rest/a%23b"),
            ("/rest/a b.txt", "/rest/a%20b.txt"),
            ("/rest/a%20b.txt", "/rest/a%20b.txt"),
            ("/rest/100%", "/rest/100%25"),
            ("/rest/100%zz", "/rest/100%25zz"),
            ("/rest/dir?type=directory", "/rest/dir%3Ftype=directory"),
            ("/links/sys1--<-->--sys2", "/links/sys1--%3C--%3E--sys2"),
            ("/a`\"{}|\\^[]", "/a%60%22%7B%7D%7C%5C%5E%5B%5D"),
            ("/ü\u{7}", "/%C3%BC%07"),
            ("/ldevs/1,2;x+y:@=$&'()*!~", "/ldevs/1,2;x+y:@=$&'()*!~"),
        ] {
            assert_eq!(encode_path_text(input), sent, "{input}");
        }
    }

    #[test]
    fn literal_paths_encode_every_percent() {
        assert_eq!(encode_path_literal("/rest/a%20b"), "/rest/a%2520b");
        assert_eq!(encode_path_literal("/rest/a+b;c"), "/rest/a%2Bb%3Bc");
        assert_eq!(encode_path_literal("/rest/ä b#?"), "/rest/%C3%A4%20b%23%3F");
    }

    #[test]
    fn encoded_paths_are_checked_not_changed() {
        assert_eq!(
            RequestPath::encoded("/a%2Fb,c").as_encoded().unwrap(),
            "/a%2Fb,c"
        );
        for bad in ["/a b", "/a#b", "/a?b", "/a%2", "/a%zz", "/ä", "/a<b"] {
            let err = RequestPath::encoded(bad).as_encoded().unwrap_err();
            assert!(
                err.to_string().contains("cannot be sent as given"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn query_styles() {
        let parts = vec![
            QueryPart::Pair("q".into(), "a b+c".into()),
            QueryPart::Pair("state".into(), "!failed|<=3>".into()),
            QueryPart::Pair("fields".into(), "*,name:x=1".into()),
            QueryPart::Pair("e".into(), String::new()),
            QueryPart::Pair("u".into(), "ü&#%@~".into()),
        ];
        assert_eq!(
            encode_query(&parts, QueryStyle::Form),
            "q=a+b%2Bc&state=%21failed%7C%3C%3D3%3E&fields=*%2Cname%3Ax%3D1&e=&u=%C3%BC%26%23%25%40%7E"
        );
        assert_eq!(
            encode_query(&parts, QueryStyle::Rfc3986),
            "q=a%20b%2Bc&state=!failed%7C%3C=3%3E&fields=*,name:x=1&e=&u=%C3%BC%26%23%25%40~"
        );
    }

    #[test]
    fn raw_query_fragments() {
        assert!(check_raw_query("last_modified=%3E=2024&state=a|b").is_ok());
        for bad in ["a=b#c", "a=b c", "a=ü", "a=%G1"] {
            assert!(check_raw_query(bad).is_err(), "{bad}");
        }
    }

    fn form_decode(s: &str) -> Option<String> {
        percent_decode(&s.replace('+', " "))
    }

    proptest! {
        #[test]
        fn literal_paths_round_trip(s in "/\\PC*") {
            let enc = encode_path_literal(&s);
            prop_assert!(RequestPath::encoded(enc.clone()).as_encoded().is_ok());
            prop_assert_eq!(percent_decode(&enc), Some(s));
        }

        #[test]
        fn text_paths_round_trip_without_percent(s in "/[^%]*") {
            let enc = encode_path_text(&s);
            prop_assert!(RequestPath::encoded(enc.clone()).as_encoded().is_ok());
            prop_assert_eq!(percent_decode(&enc), Some(s));
        }

        #[test]
        fn text_paths_are_always_sendable(s in "\\PC*") {
            let enc = encode_path_text(&s);
            prop_assert!(check_encoded(&enc, is_path_char, "path").is_ok());
            // The copy-free path for owned strings encodes exactly the same.
            let owned = RequestPath::from(s.clone());
            prop_assert_eq!(owned.as_encoded().unwrap(), enc.as_str());
            prop_assert_eq!(needs_text_encoding(&s), encode_path_text(&s) != s);
        }

        #[test]
        fn form_encoding_round_trips(s in ".*") {
            let enc = QueryStyle::Form.encode(&s);
            prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._*+%".contains(&b)));
            prop_assert_eq!(form_decode(&enc), Some(s));
        }

        #[test]
        fn rfc3986_encoding_round_trips(s in ".*") {
            let enc = QueryStyle::Rfc3986.encode(&s);
            prop_assert!(!enc.contains('+') && !enc.contains(' ') && !enc.contains('&'));
            prop_assert_eq!(percent_decode(&enc), Some(s));
        }

        #[test]
        fn path_segments_never_contain_separators(s in ".*") {
            let enc = encode_path_segment(&s);
            prop_assert!(!enc.contains('/') && !enc.contains('?') && !enc.contains('#'));
            prop_assert_eq!(percent_decode(&enc), Some(s));
        }
    }
}
