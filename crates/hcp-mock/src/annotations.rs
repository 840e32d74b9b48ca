//! Custom metadata beyond one annotation at a time: the annotation list of
//! `type=custom-metadata-info` and the data-plus-annotation bodies of `type=whole-object`.
//!
//! The list follows HCP's documented format (`<annotations><annotation><name>`, `<hash>`,
//! `<changeTimeMilliseconds>`, `<changeTimeString>`, `<size>`, `<contentType>`), which an
//! HCP 8 capture in the Java SDK confirms. `contentType` is `unknown` because the mock's
//! namespaces do not check that annotations are well-formed XML.

use std::fmt::Write as _;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;

use crate::doc::escape;
use crate::hash;
use crate::listing::change_time;
use crate::objects::{Fail, StoredObject};

/// `X-HCP-CustomMetadataContentType` and the list's `contentType`: the namespaces do not
/// check annotations for well-formed XML.
pub(crate) const CONTENT_TYPE: &str = "unknown";

/// `<scheme> <UPPER-HEX>` of `data` in the namespace's hash scheme.
pub(crate) fn hash_of(scheme: &str, data: &[u8]) -> String {
    if scheme == "MD5" {
        format!("MD5 {}", hash::md5_lower(data).to_ascii_uppercase())
    } else {
        format!("SHA-256 {}", hash::sha256_upper(data))
    }
}

/// The body of `type=custom-metadata-info`; `None` when the object has no annotation
/// (`204`, INFERRED from `type=custom-metadata`'s answer).
pub(crate) fn info_xml(object: &StoredObject) -> Option<String> {
    if object.custom_metadata.is_empty() {
        return None;
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<annotations>\n",
    );
    for (name, data) in &object.custom_metadata {
        let changed = object
            .annotation_change_ms
            .get(name)
            .copied()
            .unwrap_or(object.change_time_ms);
        let (ms, string) = change_time(changed);
        let _ = write!(
            xml,
            "<annotation>\n<name>{}</name>\n<hash>{}</hash>\n\
             <changeTimeMilliseconds>{ms}</changeTimeMilliseconds>\n\
             <changeTimeString>{string}</changeTimeString>\n<size>{}</size>\n\
             <contentType>{CONTENT_TYPE}</contentType>\n</annotation>\n",
            escape(name),
            hash_of(&object.hash_scheme, data),
            data.len(),
        );
    }
    xml.push_str("</annotations>\n");
    Some(xml)
}

/// `X-HCP-CustomMetadataFirst: true` (the default is false).
pub(crate) fn metadata_first(headers: &HeaderMap) -> bool {
    headers
        .get("x-hcp-custommetadatafirst")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Splits a `type=whole-object` PUT body into (data, annotation): `X-HCP-Size` is the
/// data's size and is required (`400` without it or when it is larger than the body);
/// with `X-HCP-CustomMetadataFirst: true` the annotation comes first.
pub(crate) fn split_whole(headers: &HeaderMap, body: &Bytes) -> Result<(Bytes, Bytes), Fail> {
    let size = headers
        .get("x-hcp-size")
        .ok_or_else(|| Fail::bad_request("type=whole-object needs the X-HCP-Size header"))?
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .ok_or_else(|| Fail::bad_request("invalid X-HCP-Size header"))?;
    if size > body.len() {
        return Err(Fail::bad_request(format!(
            "X-HCP-Size {size} is larger than the {}-byte body",
            body.len()
        )));
    }
    Ok(if metadata_first(headers) {
        let annotation_len = body.len() - size;
        (body.slice(annotation_len..), body.slice(..annotation_len))
    } else {
        (body.slice(..size), body.slice(size..))
    })
}

/// The body of a `type=whole-object` GET: the data and the annotation, in the asked order,
/// with no delimiter.
pub(crate) fn join_whole(data: &Bytes, annotation: &Bytes, metadata_first: bool) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + annotation.len());
    let (first, second) = if metadata_first {
        (annotation, data)
    } else {
        (data, annotation)
    };
    out.extend_from_slice(first);
    out.extend_from_slice(second);
    out.freeze()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn whole_object_bodies() {
        let body = Bytes::from_static(b"DATA<a/>");
        let (data, annotation) = split_whole(&headers(&[("x-hcp-size", "4")]), &body).unwrap();
        assert_eq!((&data[..], &annotation[..]), (&b"DATA"[..], &b"<a/>"[..]));
        let first = headers(&[("x-hcp-size", "4"), ("x-hcp-customMetadataFirst", "TRUE")]);
        let (data, annotation) = split_whole(&first, &Bytes::from_static(b"<a/>DATA")).unwrap();
        assert_eq!((&data[..], &annotation[..]), (&b"DATA"[..], &b"<a/>"[..]));
        for bad in [
            headers(&[]),
            headers(&[("x-hcp-size", "x")]),
            headers(&[("x-hcp-size", "9")]),
        ] {
            assert_eq!(split_whole(&bad, &body).unwrap_err().status, 400);
        }
        assert_eq!(
            &join_whole(&Bytes::from_static(b"D"), &Bytes::from_static(b"M"), true)[..],
            b"MD"
        );
        assert_eq!(hash_of("MD5", b""), "MD5 D41D8CD98F00B204E9800998ECF8427E");
    }
}
