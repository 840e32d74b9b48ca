//! `multipart/form-data` request bodies (RFC 7578): text fields, sensitive text fields
//! and file parts, buffered into one replayable [`Body`].
//!
//! ```
//! use storkit_core::multipart::Multipart;
//! use storkit_core::secrecy::SecretString;
//!
//! let password = SecretString::from("s3cret");
//! let form = Multipart::new()
//!     .file("file", "report.json", "application/json", br#"{"a":1}"#.to_vec())
//!     .text("user", "admin")
//!     .sensitive_text("password", &password);
//!
//! // Take the content type once the last part is in: it names the boundary of the body.
//! let content_type = form.content_type();
//! assert!(content_type.starts_with("multipart/form-data; boundary="));
//! assert!(!format!("{form:?}").contains("s3cret"));
//! let body = form.into_body();
//! assert!(body.is_replayable());
//! ```
//!
//! # Boundary
//! [`Multipart::new`] draws a 40-character boundary (`storkit-` and 32 hexadecimal digits
//! of a SHA-256 over a process-wide counter, the time and the process id). Every part is
//! checked against it when it is added, and a boundary that occurs in a part (names,
//! file name, content type or content) is replaced by a fresh one, so the boundary never
//! occurs in the body but as a delimiter. Because of that, read
//! [`content_type`](Multipart::content_type) after adding the last part.
//!
//! # Header parameters
//! Field names and file names are written as quoted strings the way browsers and Python's
//! urllib3 write them (the HTML form-data encoding): `"` becomes `%22`, CR `%0D` and LF
//! `%0A`; other characters, UTF-8 included, are written as they are. A content type gets
//! the same escapes, so no value can start a header of its own.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::body::Body;
use crate::error::Error;

/// The longest boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// How many fresh boundaries are tried when one collides with a part. A drawn boundary
/// is 128 bits of a hash: reaching the limit would take an astronomically unlikely run of
/// collisions.
const MAX_REDRAWS: u32 = 64;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A `multipart/form-data` body under construction; see the [module docs](self).
///
/// Parts are written in the order they are added. `Debug` shows names, file names,
/// content types and sizes, never a value.
#[derive(Clone)]
pub struct Multipart {
    boundary: String,
    parts: Vec<Part>,
}

#[derive(Clone)]
enum Content {
    Text(String),
    Sensitive(SecretString),
    File {
        filename: String,
        content_type: String,
        bytes: Bytes,
    },
}

#[derive(Clone)]
struct Part {
    name: String,
    content: Content,
}

impl Part {
    /// The bytes of this part between the delimiter line and the CRLF before the next
    /// delimiter: headers, blank line, content.
    fn write(&self, out: &mut BytesMut) {
        out.extend_from_slice(b"Content-Disposition: form-data; name=\"");
        out.extend_from_slice(escape_param(&self.name).as_bytes());
        out.extend_from_slice(b"\"");
        match &self.content {
            Content::Text(value) => {
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(value.as_bytes());
            }
            Content::Sensitive(value) => {
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(value.expose_secret().as_bytes());
            }
            Content::File {
                filename,
                content_type,
                bytes,
            } => {
                out.extend_from_slice(b"; filename=\"");
                out.extend_from_slice(escape_param(filename).as_bytes());
                out.extend_from_slice(b"\"\r\nContent-Type: ");
                out.extend_from_slice(escape_param(content_type).as_bytes());
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(bytes);
            }
        }
    }

    /// True when `boundary` occurs anywhere in what this part writes.
    fn contains(&self, boundary: &str) -> bool {
        let b = boundary.as_bytes();
        let hit = |s: &[u8]| contains_bytes(s, b);
        hit(escape_param(&self.name).as_bytes())
            || match &self.content {
                Content::Text(value) => hit(value.as_bytes()),
                Content::Sensitive(value) => hit(value.expose_secret().as_bytes()),
                Content::File {
                    filename,
                    content_type,
                    bytes,
                } => {
                    hit(escape_param(filename).as_bytes())
                        || hit(escape_param(content_type).as_bytes())
                        || hit(bytes)
                }
            }
    }

    fn len(&self) -> usize {
        let mut out = BytesMut::new();
        self.write(&mut out);
        out.len()
    }
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The HTML form-data escapes of a header parameter value: `"`, CR and LF.
fn escape_param(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Characters allowed in a boundary given to [`Multipart::with_boundary`]: RFC 2046
/// `bchars` that are also HTTP token characters, so the content type never needs quotes.
fn is_boundary_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'\'' | b'+' | b'_' | b'-' | b'.')
}

/// A fresh boundary: `storkit-` and 32 hex digits of a hash over a process-wide
/// counter, the time, the process id and `salt`.
fn draw_boundary(salt: &[u8]) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(n.to_le_bytes());
    hasher.update(nanos.to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(salt);
    let digest = hasher.finalize();
    let mut out = String::with_capacity(40);
    out.push_str("storkit-");
    for byte in digest.iter().take(16) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

impl Multipart {
    /// An empty form with a freshly drawn boundary.
    pub fn new() -> Self {
        Multipart {
            boundary: draw_boundary(&[]),
            parts: Vec::new(),
        }
    }

    /// An empty form with the given boundary (for byte-exact tests). The boundary must be
    /// 1 to 70 characters of `A-Z a-z 0-9 ' + _ - .`; it is still replaced by a fresh
    /// one if a part added later contains it.
    pub fn with_boundary(boundary: &str) -> Result<Self, Error> {
        if boundary.is_empty() || boundary.len() > MAX_BOUNDARY {
            return Err(Error::config(format!(
                "a multipart boundary has 1 to {MAX_BOUNDARY} characters, not {}",
                boundary.len()
            )));
        }
        if let Some(bad) = boundary.bytes().find(|&b| !is_boundary_char(b)) {
            let shown = if bad.is_ascii_graphic() {
                format!("'{}'", char::from(bad))
            } else {
                format!("byte 0x{bad:02X}")
            };
            return Err(Error::config(format!(
                "a multipart boundary may only hold A-Z a-z 0-9 ' + _ - . (found {shown})"
            )));
        }
        Ok(Multipart {
            boundary: boundary.to_owned(),
            parts: Vec::new(),
        })
    }

    fn push(mut self, part: Part) -> Self {
        let mut redraws = 0;
        while part.contains(&self.boundary) && redraws < MAX_REDRAWS {
            redraws += 1;
            self.redraw(&part);
        }
        self.parts.push(part);
        self
    }

    /// Replaces the boundary by one that occurs in none of the parts, `extra` included.
    fn redraw(&mut self, extra: &Part) {
        for _ in 0..MAX_REDRAWS {
            let candidate = draw_boundary(self.boundary.as_bytes());
            let clash =
                extra.contains(&candidate) || self.parts.iter().any(|p| p.contains(&candidate));
            self.boundary = candidate;
            if !clash {
                return;
            }
        }
    }

    /// Adds a text field.
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(Part {
            name: name.into(),
            content: Content::Text(value.into()),
        })
    }

    /// Adds a text field whose value is a secret (a password): it is exposed only when
    /// the body is written.
    pub fn sensitive_text(self, name: impl Into<String>, value: &SecretString) -> Self {
        self.push(Part {
            name: name.into(),
            content: Content::Sensitive(value.clone()),
        })
    }

    /// Adds a file part with its file name and content type.
    pub fn file(
        self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        self.push(Part {
            name: name.into(),
            content: Content::File {
                filename: filename.into(),
                content_type: content_type.into(),
                bytes: bytes.into(),
            },
        })
    }

    /// The boundary (valid once the last part is added).
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// True when no part was added.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The `Content-Type` header value, `multipart/form-data; boundary=…` (read it after
    /// adding the last part).
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The encoded body.
    pub fn to_bytes(&self) -> Bytes {
        let delimiter = format!("--{}", self.boundary);
        let mut out = BytesMut::new();
        for part in &self.parts {
            out.extend_from_slice(delimiter.as_bytes());
            out.extend_from_slice(b"\r\n");
            part.write(&mut out);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(delimiter.as_bytes());
        out.extend_from_slice(b"--\r\n");
        out.freeze()
    }

    /// The encoded body as a buffered (hence replayable) [`Body`].
    pub fn into_body(self) -> Body {
        Body::from_bytes(self.to_bytes())
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Multipart::new()
    }
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Parts<'a>(&'a [Part]);
        impl fmt::Debug for Parts<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.iter()).finish()
            }
        }
        f.debug_struct("Multipart")
            .field("boundary", &self.boundary)
            .field("parts", &Parts(&self.parts))
            .finish()
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Part");
        d.field("name", &self.name);
        match &self.content {
            Content::Text(_) => {
                d.field("kind", &"text");
            }
            Content::Sensitive(_) => {
                d.field("kind", &"sensitive text");
            }
            Content::File {
                filename,
                content_type,
                ..
            } => {
                d.field("kind", &"file")
                    .field("filename", filename)
                    .field("content_type", content_type);
            }
        }
        d.field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn byte_exact_body() {
        let secret = SecretString::from("hunter2");
        let form = Multipart::with_boundary("XyZ-1")
            .unwrap()
            .file(
                "upload",
                "data \"1\".json",
                "application/json",
                Bytes::from_static(b"{\"k\":\"v\"}\n"),
            )
            .text("user", "admin")
            .sensitive_text("pass\nword", &secret)
            .text("empty", "");
        assert_eq!(form.content_type(), "multipart/form-data; boundary=XyZ-1");
        let expected = "--XyZ-1\r\n\
            Content-Disposition: form-data; name=\"upload\"; filename=\"data %221%22.json\"\r\n\
            Content-Type: application/json\r\n\
            \r\n\
            {\"k\":\"v\"}\n\r\n\
            --XyZ-1\r\n\
            Content-Disposition: form-data; name=\"user\"\r\n\
            \r\n\
            admin\r\n\
            --XyZ-1\r\n\
            Content-Disposition: form-data; name=\"pass%0Aword\"\r\n\
            \r\n\
            hunter2\r\n\
            --XyZ-1\r\n\
            Content-Disposition: form-data; name=\"empty\"\r\n\
            \r\n\
            \r\n\
            --XyZ-1--\r\n";
        assert_eq!(std::str::from_utf8(&form.to_bytes()).unwrap(), expected);
        let debug = format!("{form:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("admin"),
            "{debug}"
        );
        assert!(debug.contains("sensitive text"), "{debug}");
        assert_eq!(form.into_body().len_hint(), Some(expected.len() as u64));
    }

    #[test]
    fn empty_form() {
        let form = Multipart::with_boundary("b").unwrap();
        assert!(form.is_empty());
        assert_eq!(form.to_bytes().as_ref(), b"--b--\r\n");
    }

    #[test]
    fn boundaries_are_checked() {
        for bad in ["", "a b", "a/b", "a\"b", "é", &"x".repeat(71)] {
            let err = Multipart::with_boundary(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad}");
        }
        assert!(Multipart::with_boundary(&"x".repeat(70)).is_ok());
        assert!(Multipart::with_boundary("a'+_-.Z9").is_ok());
    }

    #[test]
    fn drawn_boundaries_differ_and_are_valid() {
        let a = Multipart::new();
        let b = Multipart::new();
        assert_ne!(a.boundary(), b.boundary());
        assert_eq!(a.boundary().len(), 40);
        assert!(Multipart::with_boundary(a.boundary()).is_ok());
    }

    #[test]
    fn a_colliding_boundary_is_replaced() {
        let form = Multipart::with_boundary("abc")
            .unwrap()
            .text("first", "no clash")
            .file(
                "f",
                "x.bin",
                "application/octet-stream",
                b"..abc..".to_vec(),
            );
        assert_ne!(form.boundary(), "abc");
        let body = form.to_bytes();
        let delimiter = format!("--{}", form.boundary());
        let count = body
            .windows(delimiter.len())
            .filter(|w| *w == delimiter.as_bytes())
            .count();
        assert_eq!(count, 3);
        // A later part may collide with the redrawn boundary too: still absent.
        let b = form.boundary().to_owned();
        let form = form.text("again", format!("x{b}x"));
        assert_ne!(form.boundary(), b);
        assert!(form.parts.iter().all(|p| !p.contains(form.boundary())));
    }

    proptest! {
        #[test]
        fn the_boundary_never_occurs_in_a_part(
            parts in proptest::collection::vec((".{0,8}", proptest::collection::vec(any::<u8>(), 0..64)), 0..6),
            boundary in "[a-c]{1,3}",
        ) {
            let mut form = Multipart::with_boundary(&boundary).unwrap();
            for (name, bytes) in parts {
                form = form.file(name.clone(), name, "text/plain", bytes);
            }
            let body = form.to_bytes();
            let delimiter = format!("\r\n--{}", form.boundary());
            let count = body.windows(delimiter.len()).filter(|w| *w == delimiter.as_bytes()).count();
            prop_assert_eq!(count, form.len());
            let end = format!("--{}--\r\n", form.boundary());
            prop_assert!(body.ends_with(end.as_bytes()));
        }
    }
}
