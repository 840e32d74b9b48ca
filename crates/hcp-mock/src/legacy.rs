//! The legacy default namespace, `default.default.<domain>` (reference §9.1; hcpsdk's
//! "Default Namespace" appendix): no authentication (hcpsdk sends `DummyAuthorization`),
//! data under `/fcfs_data/...`, and metadata as files under
//! `/fcfs_metadata/<path>/core-metadata.xml` and `.../custom-metadata.xml` (the namespace's
//! single annotation, read with GET and written with PUT).
//!
//! GET and HEAD of an object answer with the short header set of hcpsdk's appendix, in
//! its order: the `X-Arc*` headers around the basic `X-HCP-*` ones. The layout of
//! `core-metadata.xml` is not public; the mock's (one element per system metadata value,
//! named as in directory listings) is INFERRED. Other metafiles are not served.

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Response, StatusCode};
use hyper::body::Incoming;
use storkit_mock::query::{self, QueryStyle};
use storkit_mock::{MockBody, body};

use crate::answer::Head;
use crate::doc::escape;
use crate::listing::change_time;
use crate::objects::{Fail, StoredObject};
use crate::rest;
use crate::system::System;
use crate::time;

/// Where the metadata files live.
pub(crate) const METADATA_ROOT: &str = "/fcfs_metadata";

/// The name of the namespace's only annotation.
const ANNOTATION: &str = "default";

/// The headers of GET and HEAD on an object of the legacy namespace, in hcpsdk's order.
pub(crate) fn object_head(
    system: &System,
    now_ms: i64,
    object: &StoredObject,
    length: u64,
) -> Head {
    let secs = now_ms / 1000;
    let mut head = Head::new();
    head.add("date", time::http_date(secs))
        .add("server", &system.server_header)
        .add("x-arcservicedbysystem", &system.domain)
        .add("x-arcclustertime", secs.to_string())
        .add("x-requestid", system.next_request_id())
        .add("x-hcp-servicedbysystem", &system.domain)
        .add("x-hcp-time", secs.to_string())
        .add("x-hcp-softwareversion", &system.software_version)
        .add("etag", object.etag())
        .add("cache-control", "no-cache,no-store")
        .add("pragma", "no-cache")
        .add("expires", "Thu, 01 Jan 1970 00:00:00 GMT")
        .add("content-type", &object.content_type)
        .add("content-length", length.to_string())
        .add("x-arcpermissionsuidgid", "mode=0100400; uid=0; gid=0")
        .add(
            "x-arctimes",
            format!(
                "ctime={}; mtime={}; atime={}",
                object.change_time_ms / 1000,
                object.ingest_time_ms / 1000,
                object.ingest_time_ms / 1000
            ),
        )
        .add("x-arcsize", object.size().to_string());
    head
}

/// A request below `/fcfs_metadata` of namespace `ns`.
pub(crate) async fn metadata(
    system: &System,
    parts: &Parts,
    body: Incoming,
    ns: usize,
) -> Result<Response<MockBody>, Fail> {
    let (key, file) = metadata_path(parts.uri.path())?;
    // custom-metadata.xml is an annotation: as large as /rest allows one.
    let bytes = rest::read_body(parts, body, system.max_object_size).await?;
    let now_ms = time::now_ms();
    let mut state = system.state();
    let namespace = state.namespace_mut(ns)?;
    let missing = || Fail::not_found(format!("no object /fcfs_data/{key}"));
    let head_only = parts.method == Method::HEAD;
    match (file.as_str(), &parts.method) {
        ("core-metadata.xml", &Method::GET | &Method::HEAD) => {
            let object = namespace.object(&key).ok_or_else(missing)?;
            let xml = core_metadata(&key, object, namespace.config.dpl);
            Ok(document(system, now_ms, Bytes::from(xml), head_only))
        }
        ("custom-metadata.xml", &Method::GET | &Method::HEAD) => {
            let object = namespace.object(&key).ok_or_else(missing)?;
            let data = object
                .annotation(ANNOTATION)
                .cloned()
                .ok_or_else(|| Fail::not_found("the object has no custom metadata"))?;
            Ok(document(system, now_ms, data, head_only))
        }
        ("custom-metadata.xml", &Method::PUT) => {
            let object = namespace.object_mut(&key).ok_or_else(missing)?;
            object.set_annotation(ANNOTATION.to_owned(), bytes, now_ms);
            Ok(Head::data(system, now_ms).respond_empty(StatusCode::CREATED))
        }
        ("custom-metadata.xml", &Method::DELETE) => {
            let object = namespace.object_mut(&key).ok_or_else(missing)?;
            if !object.retention.allows_deletion(now_ms / 1000) {
                return Err(Fail::forbidden("the object is under retention"));
            }
            let before = object.custom_metadata.len();
            object.custom_metadata.retain(|(n, _)| n != ANNOTATION);
            object.annotation_change_ms.remove(ANNOTATION);
            if object.custom_metadata.len() == before {
                return Err(Fail::not_found("the object has no custom metadata"));
            }
            object.change_time_ms = now_ms;
            let mut head = Head::data(system, now_ms);
            head.no_cache();
            Ok(head.respond_empty(StatusCode::OK))
        }
        ("core-metadata.xml" | "custom-metadata.xml", method) => Err(Fail::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not supported on {file}"),
        )),
        _ => Err(Fail::not_found(format!(
            "the mock serves core-metadata.xml and custom-metadata.xml, not {file}"
        ))),
    }
}

/// `/fcfs_metadata/<object path>/<file>` → (decoded object key, file name).
fn metadata_path(path: &str) -> Result<(String, String), Fail> {
    let rest = path
        .strip_prefix(METADATA_ROOT)
        .ok_or_else(|| Fail::not_found("not a metadata path"))?;
    let decoded = query::decode(rest, QueryStyle::Rfc3986)
        .map_err(|e| Fail::bad_request(format!("invalid metadata path: {e}")))?;
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(Fail::bad_request("paths cannot contain . or .."));
    }
    match segments.split_last() {
        Some((file, object)) if !object.is_empty() => Ok((object.join("/"), (*file).to_owned())),
        _ => Err(Fail::not_found("name an object's metadata file")),
    }
}

fn document(system: &System, now_ms: i64, data: Bytes, head_only: bool) -> Response<MockBody> {
    let mut head = Head::data(system, now_ms);
    head.no_cache()
        .add("content-type", "text/xml")
        .add("content-length", data.len().to_string());
    let body = if head_only {
        body::empty()
    } else {
        body::full(data)
    };
    head.respond(StatusCode::OK, body)
}

/// The INFERRED `core-metadata.xml`.
fn core_metadata(key: &str, o: &StoredObject, dpl: u32) -> String {
    let (change_ms, change_string) = change_time(o.change_time_ms);
    let ingest = o.ingest_time_ms / 1000;
    let fields = [
        ("name", format!("/{key}")),
        ("object-path", format!("/fcfs_data/{key}")),
        ("size", o.size().to_string()),
        ("hashScheme", o.hash_scheme.clone()),
        ("hash", o.hash.clone()),
        ("etag", o.md5.clone()),
        ("version", o.version_id.to_string()),
        ("ingestTime", ingest.to_string()),
        ("ingestTimeString", time::iso_string(ingest)),
        ("changeTimeMilliseconds", change_ms),
        ("changeTimeString", change_string),
        ("retention", o.retention.value.to_string()),
        ("retentionString", o.retention.string()),
        ("retentionClass", o.retention.class.clone()),
        ("hold", o.hold.to_string()),
        ("shred", o.shred.to_string()),
        ("index", o.index.to_string()),
        ("dpl", dpl.to_string()),
        (
            "customMetadata",
            (!o.custom_metadata.is_empty()).to_string(),
        ),
        ("uid", "0".to_owned()),
        ("gid", "0".to_owned()),
        ("mode", "0100400".to_owned()),
    ];
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<core-metadata>\n");
    for (name, value) in fields {
        xml.push_str(&format!("  <{name}>{}</{name}>\n", escape(&value)));
    }
    xml.push_str("</core-metadata>\n");
    xml
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn metadata_paths() {
        assert_eq!(
            metadata_path("/fcfs_metadata/hcpsdk/a%20b.txt/core-metadata.xml").unwrap(),
            ("hcpsdk/a b.txt".to_owned(), "core-metadata.xml".to_owned())
        );
        for bad in [
            "/fcfs_metadata",
            "/fcfs_metadata/core-metadata.xml",
            "/rest/x/y",
        ] {
            assert_eq!(metadata_path(bad).unwrap_err().status, 404, "{bad}");
        }
        assert_eq!(
            metadata_path("/fcfs_metadata/../x/core-metadata.xml")
                .unwrap_err()
                .status,
            400
        );
    }
}
