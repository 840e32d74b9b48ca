//! Response heads as HCP writes them: the headers every response carries, in the seed's
//! order, and error answers with `X-HCP-ErrorMessage`.
//!
//! A `HeaderMap` keeps insertion order and hyper writes it in that order, so building the
//! map in sequence gives the seed's header order on the wire (hyper writes the names in
//! lower case; Python and HTTP clients compare them case-insensitively).

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use storkit_mock::{MockBody, body};

use crate::objects::Fail;
use crate::system::System;
use crate::time;

/// Builds a header map in order.
pub(crate) struct Head {
    pub(crate) map: HeaderMap,
}

impl Head {
    pub(crate) fn new() -> Self {
        Self {
            map: HeaderMap::new(),
        }
    }

    /// Appends `name: value`; a value HTTP cannot carry is percent-encoded instead.
    pub(crate) fn add(&mut self, name: &'static str, value: impl HeaderText) -> &mut Self {
        self.map
            .append(HeaderName::from_static(name), value.into_value());
        self
    }

    /// The headers every data-port response starts with (reference §9.2, seed order):
    /// `Date`, `Server`, `X-RequestId`, `X-HCP-ServicedBySystem`, `X-HCP-Time`,
    /// `X-HCP-SoftwareVersion`.
    pub(crate) fn data(system: &System, now_ms: i64) -> Self {
        let secs = now_ms / 1000;
        let mut head = Self::new();
        head.add("date", DateValue(secs))
            .add("server", &system.server_header)
            .add("x-requestid", system.next_request_id())
            .add("x-hcp-servicedbysystem", &system.domain)
            .add("x-hcp-time", secs)
            .add("x-hcp-softwareversion", &system.software_version);
        head
    }

    /// `Cache-Control`, `Pragma`, `Expires`, as HCP 7.1 sends them after the ETag.
    pub(crate) fn no_cache(&mut self) -> &mut Self {
        self.add("cache-control", "no-cache, no-store")
            .add("pragma", "no-cache")
            .add("expires", "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    /// The headers of a MAPI response (reference §8.5): software version, and the fixed
    /// caching and security headers unless it is an error.
    pub(crate) fn mapi(system: &System, now_ms: i64, error: bool) -> Self {
        let mut head = Self::new();
        head.add("date", DateValue(now_ms / 1000))
            .add("x-requestid", system.next_request_id())
            .add("x-hcp-softwareversion", &system.software_version);
        if !error {
            head.add("cache-control", "no-cache,no-store,must-revalidate")
                .add("expires", "Thu, 01 Jan 1970 00:00:00 GMT");
        }
        head.add("pragma", "no-cache")
            .add("x-content-type-options", "nosniff")
            .add("x-dns-prefetch-control", "off")
            .add("x-download-options", "noopen")
            .add("x-frame-options", "SAMEORIGIN")
            .add("x-xss-protection", "1; mode=block");
        head
    }

    /// The response: `status`, these headers, `body`.
    pub(crate) fn respond(self, status: StatusCode, body: MockBody) -> Response<MockBody> {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = self.map;
        response
    }

    /// A response with a buffered body, its `Content-Type` and `Content-Length`.
    pub(crate) fn respond_with(
        mut self,
        status: StatusCode,
        content_type: &'static str,
        bytes: impl Into<Bytes>,
    ) -> Response<MockBody> {
        let bytes = bytes.into();
        self.add("content-type", content_type)
            .add("content-length", bytes.len());
        self.respond(status, body::full(bytes))
    }

    /// An empty response with `Content-Length: 0`.
    pub(crate) fn respond_empty(mut self, status: StatusCode) -> Response<MockBody> {
        if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
            self.add("content-length", "0");
        }
        self.respond(status, body::empty())
    }
}

/// What a header's value can be made from, each the cheapest way: a literal is not copied,
/// a `String` gives its buffer, numbers and booleans are spelled without formatting.
pub(crate) trait HeaderText {
    /// The value; text HTTP cannot carry is percent-encoded (see [`header_value`]).
    fn into_value(self) -> HeaderValue;
}

impl HeaderText for &'static str {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from_maybe_shared(Bytes::from_static(self.as_bytes()))
            .unwrap_or_else(|_| header_value(self))
    }
}

impl HeaderText for String {
    fn into_value(self) -> HeaderValue {
        // The bytes `HeaderValue` accepts; anything else goes the percent-encoding way.
        let valid = self.bytes().all(|b| b == b'\t' || (b >= b' ' && b != 0x7f));
        if !valid {
            return header_value(&self);
        }
        HeaderValue::from_maybe_shared(Bytes::from(self))
            .unwrap_or_else(|_| HeaderValue::from_static("?"))
    }
}

impl HeaderText for &String {
    fn into_value(self) -> HeaderValue {
        header_value(self)
    }
}

impl HeaderText for bool {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from_static(if self { "true" } else { "false" })
    }
}

impl HeaderText for u64 {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from(self)
    }
}

impl HeaderText for u32 {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from(self)
    }
}

impl HeaderText for i64 {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from(self)
    }
}

impl HeaderText for usize {
    fn into_value(self) -> HeaderValue {
        HeaderValue::from(self)
    }
}

/// `Date` for the second `.0` (epoch seconds): formatted once per second per thread, as
/// every answer carries one.
pub(crate) struct DateValue(pub(crate) i64);

impl HeaderText for DateValue {
    fn into_value(self) -> HeaderValue {
        thread_local! {
            static LAST: std::cell::Cell<Option<(i64, HeaderValue)>> =
                const { std::cell::Cell::new(None) };
        }
        LAST.with(|last| {
            let value = match last.take() {
                Some((secs, value)) if secs == self.0 => value,
                _ => time::http_date(self.0).into_value(),
            };
            last.set(Some((self.0, value.clone())));
            value
        })
    }
}

/// `text` as a header value; anything but visible ASCII and spaces (object names in error
/// messages can be any Unicode) is percent-encoded, so the header always goes out.
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| {
        let mut out = String::with_capacity(text.len() * 3);
        for &b in text.as_bytes() {
            if b == b' ' || b.is_ascii_graphic() {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        HeaderValue::from_str(&out).unwrap_or_else(|_| HeaderValue::from_static("?"))
    })
}

/// An error on the data port: the every-response headers, `X-HCP-ErrorMessage`, no body.
pub(crate) fn data_fail(system: &System, now_ms: i64, fail: &Fail) -> Response<MockBody> {
    let mut head = Head::data(system, now_ms);
    head.no_cache().add("x-hcp-errormessage", &fail.message);
    head.respond_empty(fail.status)
}

/// An error on the MAPI port.
pub(crate) fn mapi_fail(system: &System, now_ms: i64, fail: &Fail) -> Response<MockBody> {
    let mut head = Head::mapi(system, now_ms, true);
    head.add("x-hcp-errormessage", &fail.message);
    head.respond_empty(fail.status)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_kind_of_value_spells_as_text_would() {
        assert_eq!("no-cache".into_value(), "no-cache");
        assert_eq!(String::from("n1 ä").into_value(), header_value("n1 ä"));
        assert_eq!(String::from("a\r\nb").into_value(), "a%0D%0Ab");
        assert_eq!((&String::from("x\n")).into_value(), "x%0A");
        assert_eq!(true.into_value(), "true");
        assert_eq!(false.into_value(), "false");
        assert_eq!(18u64.into_value(), "18");
        assert_eq!(2u32.into_value(), "2");
        assert_eq!((-2i64).into_value(), "-2");
        assert_eq!(4096usize.into_value(), "4096");
        // The cached date follows the second it is asked for.
        for secs in [
            1_422_736_466,
            1_422_736_466,
            1_422_736_467,
            0,
            1_422_736_467,
        ] {
            assert_eq!(DateValue(secs).into_value(), time::http_date(secs).as_str());
        }
    }

    #[test]
    fn unicode_values_are_encoded() {
        assert_eq!(header_value("plain text"), "plain text");
        assert_eq!(header_value("ä\n"), "%C3%A4%0A");
    }
}
