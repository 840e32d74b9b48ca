//! `multipart/form-data` bodies (RFC 7578 over RFC 2046's framing): reading what a client
//! uploads, and writing one for tests.
//!
//! The reader takes the whole body (read it with [`crate::limit`] first) and is tolerant
//! where clients differ: header names in any case, `LF` as well as `CRLF` line ends,
//! transport padding after a delimiter, a preamble and an epilogue, parameters quoted or
//! not. It refuses what it cannot frame: no boundary, no opening delimiter, no closing one.
//!
//! ```
//! use storkit_mock::multipart::{Form, FormBuilder};
//!
//! let (content_type, body) = FormBuilder::new()
//!     .text("user", "admin")
//!     .file("upload", "a b.json", "application/json", br#"{"x":1}"#.to_vec())
//!     .build();
//! let form = Form::parse(&content_type, &body)?;
//! assert_eq!(form.text("user"), Some("admin"));
//! let file = form.part("upload").unwrap();
//! assert_eq!(file.filename.as_deref(), Some("a b.json"));
//! assert_eq!(file.content_type.as_deref(), Some("application/json"));
//! assert_eq!(&file.body[..], br#"{"x":1}"#);
//! # Ok::<(), storkit_mock::multipart::MultipartError>(())
//! ```

use bytes::Bytes;

/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY: usize = 70;

/// Why a body was not read as `multipart/form-data`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultipartError {
    /// The `Content-Type` is missing or not `multipart/form-data`.
    #[error("the content type {0:?} is not multipart/form-data")]
    NotMultipart(String),
    /// The `Content-Type` has no usable `boundary` parameter (missing, empty or over 70
    /// characters).
    #[error("the content type has no valid boundary parameter")]
    NoBoundary,
    /// The body does not start (after any preamble) with the opening delimiter.
    #[error("the body has no opening boundary delimiter")]
    NoOpeningDelimiter,
    /// The body ends before the closing delimiter `--boundary--`.
    #[error("the body ends before the closing boundary delimiter")]
    Unterminated,
    /// A part's header section is not `Name: value` lines ending in an empty line.
    #[error("part {index} has a malformed header section")]
    BadHeaders {
        /// The part's position, from 0.
        index: usize,
    },
}

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Part {
    /// The `name` parameter of its `Content-Disposition`.
    pub name: Option<String>,
    /// The `filename` parameter of its `Content-Disposition`, for file parts.
    pub filename: Option<String>,
    /// Its `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// Every header as sent (names lowercased, values trimmed), in order.
    pub headers: Vec<(String, String)>,
    /// Its content.
    pub body: Bytes,
}

impl Part {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The content as UTF-8 text, if it is.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

/// A parsed form: its parts in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Form {
    parts: Vec<Part>,
}

impl Form {
    /// Reads `body` framed as `content_type` (the header's value) says.
    pub fn parse(content_type: &str, body: &[u8]) -> Result<Self, MultipartError> {
        let boundary = boundary(content_type)?;
        Ok(Self {
            parts: parse_parts(body, &boundary)?,
        })
    }

    /// Reads a request's body, framed as its `Content-Type` header says.
    pub fn from_request(headers: &http::HeaderMap, body: &[u8]) -> Result<Self, MultipartError> {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Self::parse(content_type, body)
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The first part called `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name.as_deref() == Some(name))
    }

    /// The content of the first part called `name`, as UTF-8 text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.part(name).and_then(Part::text)
    }
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut pieces = split_params(content_type).into_iter();
    let media = pieces.next().unwrap_or_default();
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart(content_type.to_owned()));
    }
    pieces
        .filter_map(|p| param(&p))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= MAX_BOUNDARY)
        .ok_or(MultipartError::NoBoundary)
}

/// Splits a header value at `;` outside quoted strings.
fn split_params(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// `key=value` or `key="quoted value"` → (key, unquoted value).
fn param(piece: &str) -> Option<(String, String)> {
    let (key, value) = piece.split_once('=')?;
    let value = value.trim();
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => value.to_owned(),
    };
    Some((key.trim().to_owned(), value))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// After a delimiter: `--` ends the body; otherwise skip transport padding (spaces, tabs)
/// and one line end. Returns (closing, where the part starts).
fn after_delimiter(body: &[u8], mut at: usize) -> Result<(bool, usize), MultipartError> {
    if body.get(at..at + 2) == Some(b"--") {
        return Ok((true, at + 2));
    }
    while matches!(body.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    match (body.get(at), body.get(at + 1)) {
        (Some(b'\r'), Some(b'\n')) => Ok((false, at + 2)),
        (Some(b'\n'), _) => Ok((false, at + 1)),
        _ => Err(MultipartError::Unterminated),
    }
}

fn parse_parts(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let dash = format!("--{boundary}").into_bytes();
    let mut delimiter = b"\n".to_vec();
    delimiter.extend_from_slice(&dash);
    // The opening delimiter starts the body or a line, and is followed by `--` or a line
    // end; text that merely starts like one is preamble.
    let mut from = 0;
    let (mut closing, mut start) = loop {
        let at = if from == 0 && body.starts_with(&dash) {
            0
        } else {
            find(body, &delimiter, from).ok_or(MultipartError::NoOpeningDelimiter)? + 1
        };
        match after_delimiter(body, at + dash.len()) {
            Ok(found) => break found,
            Err(_) => from = at + 1,
        }
    };
    let mut parts = Vec::new();
    while !closing {
        // The next delimiter; a look-alike inside the content is content.
        let mut from = start;
        let (end, next) = loop {
            let end = find(body, &delimiter, from).ok_or(MultipartError::Unterminated)?;
            match after_delimiter(body, end + delimiter.len()) {
                Ok(next) => break (end, next),
                Err(_) => from = end + 1,
            }
        };
        // The line end before the delimiter belongs to it, CR included.
        let content_end = if end > start && body.get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        let raw = body.get(start..content_end.max(start)).unwrap_or_default();
        parts.push(parse_part(raw, parts.len())?);
        (closing, start) = next;
    }
    Ok(parts)
}

fn parse_part(raw: &[u8], index: usize) -> Result<Part, MultipartError> {
    let bad = || MultipartError::BadHeaders { index };
    if raw.is_empty() {
        return Ok(Part::default());
    }
    // Headers end at the first empty line; a part may have no headers at all.
    let (head, content) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else if raw.starts_with(b"\n") {
        (&raw[..0], &raw[1..])
    } else {
        match (find(raw, b"\r\n\r\n", 0), find(raw, b"\n\n", 0)) {
            (Some(crlf), Some(lf)) if lf < crlf => (&raw[..lf], &raw[lf + 2..]),
            (Some(crlf), _) => (&raw[..crlf], &raw[crlf + 4..]),
            (None, Some(lf)) => (&raw[..lf], &raw[lf + 2..]),
            (None, None) => return Err(bad()),
        }
    };
    let head = std::str::from_utf8(head).map_err(|_| bad())?;
    let mut part = Part {
        body: Bytes::copy_from_slice(content),
        ..Part::default()
    };
    for line in head.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once(':').ok_or_else(bad)?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(bad());
        }
        part.headers.push((name, value.trim().to_owned()));
    }
    if let Some(disposition) = part.header("content-disposition") {
        let mut pieces = split_params(disposition).into_iter();
        let _kind = pieces.next();
        for (key, value) in pieces.filter_map(|p| param(&p)) {
            if key.eq_ignore_ascii_case("name") {
                part.name = Some(value);
            } else if key.eq_ignore_ascii_case("filename") {
                part.filename = Some(value);
            }
        }
    }
    part.content_type = part.header("content-type").map(str::to_owned);
    Ok(part)
}

/// Writes a `multipart/form-data` body, as clients send one.
#[derive(Debug, Clone)]
pub struct FormBuilder {
    boundary: String,
    body: Vec<u8>,
}

impl Default for FormBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl FormBuilder {
    /// An empty form with a fresh random boundary.
    pub fn new() -> Self {
        Self::with_boundary(format!("storkit-{}", uuid::Uuid::new_v4().simple()))
    }

    /// An empty form with the given boundary (it must not occur in any part).
    pub fn with_boundary(boundary: impl Into<String>) -> Self {
        Self {
            boundary: boundary.into(),
            body: Vec::new(),
        }
    }

    fn open(&mut self, disposition: &str, content_type: Option<&str>) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"\r\nContent-Disposition: ");
        self.body.extend_from_slice(disposition.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        if let Some(content_type) = content_type {
            self.body.extend_from_slice(b"Content-Type: ");
            self.body.extend_from_slice(content_type.as_bytes());
            self.body.extend_from_slice(b"\r\n");
        }
        self.body.extend_from_slice(b"\r\n");
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.open(&format!("form-data; name={}", quote(name)), None);
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// Adds a file part.
    pub fn file(
        mut self,
        name: &str,
        filename: &str,
        content_type: &str,
        content: Vec<u8>,
    ) -> Self {
        self.open(
            &format!(
                "form-data; name={}; filename={}",
                quote(name),
                quote(filename)
            ),
            Some(content_type),
        );
        self.body.extend_from_slice(&content);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The `Content-Type` header value and the body.
    pub fn build(mut self) -> (String, Vec<u8>) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

/// A quoted-string with `"` and `\` escaped (line ends dropped: they cannot be framed).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_what_python_requests_sends() {
        // The shape Python's `requests.post(url, files={...}, data={...})` sends.
        let body = b"--5f3e\r\n\
            Content-Disposition: form-data; name=\"username\"\r\n\r\n\
            admin\r\n\
            --5f3e\r\n\
            Content-Disposition: form-data; name=\"upload\"; filename=\"report.json\"\r\n\
            \r\n\
            {\"a\":{}}\r\n\
            --5f3e--\r\n";
        let form = Form::parse("multipart/form-data; boundary=5f3e", body).unwrap();
        assert_eq!(form.parts().len(), 2);
        assert_eq!(form.text("username"), Some("admin"));
        let file = form.part("upload").unwrap();
        assert_eq!(file.filename.as_deref(), Some("report.json"));
        assert_eq!(file.content_type, None);
        assert_eq!(file.text(), Some("{\"a\":{}}"));
        assert_eq!(form.part("nope"), None);
    }

    #[test]
    fn tolerates_preamble_padding_lf_and_header_case() {
        let body = b"preamble\r\n--b  \n\
            CONTENT-DISPOSITION: form-data; NAME=x\n\
            content-type: text/plain\n\n\
            line1\r\nline2\n\
            --b\r\n\
            \r\n\
            no headers\r\n\
            --b--\r\nepilogue";
        let form = Form::parse("Multipart/Form-Data; charset=utf-8; Boundary=\"b\"", body).unwrap();
        let x = form.part("x").unwrap();
        assert_eq!(x.text(), Some("line1\r\nline2"));
        assert_eq!(x.content_type.as_deref(), Some("text/plain"));
        assert_eq!(x.header("Content-Type"), Some("text/plain"));
        assert_eq!(form.parts()[1].name, None);
        assert_eq!(form.parts()[1].text(), Some("no headers"));
    }

    #[test]
    fn an_empty_form_and_binary_content() {
        let form = Form::parse("multipart/form-data; boundary=z", b"--z--").unwrap();
        assert!(form.parts().is_empty());
        let content: Vec<u8> = (0..=255).collect();
        let (ct, body) = FormBuilder::with_boundary("zz")
            .file(
                "f",
                "we\"ird\\.bin",
                "application/octet-stream",
                content.clone(),
            )
            .build();
        let form = Form::parse(&ct, &body).unwrap();
        let f = form.part("f").unwrap();
        assert_eq!(&f.body[..], &content[..]);
        assert_eq!(f.filename.as_deref(), Some("we\"ird\\.bin"));
    }

    #[test]
    fn refusals() {
        let cases: [(&str, &[u8], MultipartError); 7] = [
            (
                "application/json",
                b"{}",
                MultipartError::NotMultipart("application/json".into()),
            ),
            ("multipart/form-data", b"", MultipartError::NoBoundary),
            (
                "multipart/form-data; boundary=",
                b"",
                MultipartError::NoBoundary,
            ),
            (
                "multipart/form-data; boundary=b",
                b"no delimiter here",
                MultipartError::NoOpeningDelimiter,
            ),
            (
                "multipart/form-data; boundary=b",
                b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
                MultipartError::Unterminated,
            ),
            (
                "multipart/form-data; boundary=b",
                b"--bx",
                MultipartError::NoOpeningDelimiter,
            ),
            (
                "multipart/form-data; boundary=b",
                b"--b\r\nno colon\r\n\r\nx\r\n--b--",
                MultipartError::BadHeaders { index: 0 },
            ),
        ];
        for (ct, body, error) in cases {
            assert_eq!(Form::parse(ct, body), Err(error), "{ct} {body:?}");
        }
        let long = format!("multipart/form-data; boundary={}", "x".repeat(71));
        assert_eq!(boundary(&long), Err(MultipartError::NoBoundary));
        let mut headers = http::HeaderMap::new();
        assert!(matches!(
            Form::from_request(&headers, b""),
            Err(MultipartError::NotMultipart(_))
        ));
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("multipart/form-data; boundary=q"),
        );
        assert!(
            Form::from_request(&headers, b"--q--")
                .unwrap()
                .parts()
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn built_forms_read_back(
            fields in proptest::collection::vec(("[a-z_]{1,8}", "[ -~]{0,20}"), 0..5),
            content in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut builder = FormBuilder::new();
            for (name, value) in &fields {
                builder = builder.text(name, value);
            }
            let (ct, body) = builder.file("file", "f.bin", "application/octet-stream", content.clone()).build();
            let form = Form::parse(&ct, &body).unwrap();
            prop_assert_eq!(form.parts().len(), fields.len() + 1);
            for (part, (name, value)) in form.parts().iter().zip(&fields) {
                prop_assert_eq!(part.name.as_deref(), Some(name.as_str()));
                prop_assert_eq!(part.text(), Some(value.as_str()));
            }
            prop_assert_eq!(&form.part("file").unwrap().body[..], &content[..]);
        }

        #[test]
        fn never_panics(ct in "[ -~]{0,40}", body in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = Form::parse(&ct, &body);
            let _ = Form::parse("multipart/form-data; boundary=b", &body);
        }
    }
}
