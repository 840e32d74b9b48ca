//! The XML listings of `GET /rest/<directory>` (reference §9.6) and of
//! `GET /rest/<object>?version=list`.
//!
//! The version listing follows HCP's documented template (`<versions>` root with
//! `ns-versions.xsd`, one `<entry>` per version): its attributes through
//! `ingestTimeString` are documented; `changeTimeMilliseconds`, `changeTimeString` and
//! `etag` after them are INFERRED from the directory listing. The template spells the
//! first attribute `urlname`; the mock writes `urlName`, as the directory listing does.
//! Versions are listed oldest first (INFERRED).

use std::fmt::Write as _;

use http::{Response, StatusCode};
use storkit_mock::query::{self, QueryStyle};
use storkit_mock::{MockBody, body};

use crate::answer::Head;
use crate::doc::escape;
use crate::objects::{Entry, Fail, Namespace, OldVersion, StoredObject};
use crate::system::System;
use crate::time;

/// `changeTimeMilliseconds` (`<ms>.00`) and `changeTimeString`.
pub(crate) fn change_time(ms: i64) -> (String, String) {
    (format!("{ms}.00"), time::iso_string(ms / 1000))
}

/// The root attributes both listings share: the path of `key`, its parent and the
/// namespace.
fn path_attrs(namespace: &Namespace, key: &str) -> String {
    let root = namespace.root();
    let utf8_path = if key.is_empty() {
        root.to_owned()
    } else {
        format!("{root}/{key}")
    };
    let parent_key = key.rsplit_once('/').map_or("", |(parent, _)| parent);
    let (parent, utf8_parent) = if key.is_empty() {
        ("/".to_owned(), "/".to_owned())
    } else if parent_key.is_empty() {
        (root.to_owned(), root.to_owned())
    } else {
        (namespace.url(parent_key), format!("{root}/{parent_key}"))
    };
    format!(
        "path=\"{}\" utf8Path=\"{}\" parentDir=\"{}\" utf8ParentDir=\"{}\"",
        escape(&namespace.url(key)),
        escape(&utf8_path),
        escape(&parent),
        escape(&utf8_parent),
    )
}

/// A directory listing; `show_deleted` (`?deleted=true`) adds the objects deleted in a
/// versioning namespace as `state="deleted"` entries.
pub(crate) fn directory(
    system: &System,
    now_ms: i64,
    namespace: &Namespace,
    key: &str,
    head_only: bool,
    show_deleted: bool,
) -> Response<MockBody> {
    let dir_change = match namespace.entries.get(key) {
        Some(Entry::Directory { change_ms }) => *change_ms,
        _ => 0,
    };
    let (dir_ms, dir_string) = change_time(dir_change);
    let ns = escape(&namespace.config.name);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<directory xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"/static/xsd/ns-directory-6.0.xsd\" \
         {} dirDeleted=\"false\" showDeleted=\"{show_deleted}\" namespaceName=\"{ns}\" \
         utf8NamespaceName=\"{ns}\" changeTimeMilliseconds=\"{dir_ms}\" \
         changeTimeString=\"{dir_string}\">",
        path_attrs(namespace, key),
    );
    let mut rows: Vec<(&str, Row<'_>)> = namespace
        .children(key)
        .into_iter()
        .map(|(name, entry)| {
            let row = match entry {
                Entry::Directory { change_ms } => Row::Directory(*change_ms),
                Entry::Object(o) => Row::Object(o, "created"),
            };
            (name, row)
        })
        .collect();
    if show_deleted {
        rows.extend(deleted_children(namespace, key));
        rows.sort_by(|a, b| a.0.cmp(b.0));
    }
    for (name, row) in rows {
        let url_name = query::encode(name, QueryStyle::Rfc3986);
        match row {
            Row::Directory(change_ms) => {
                let (ms, string) = change_time(change_ms);
                let _ = writeln!(
                    xml,
                    "  <entry urlName=\"{}\" utf8Name=\"{}\" type=\"directory\" \
                     changeTimeMilliseconds=\"{ms}\" changeTimeString=\"{string}\" \
                     state=\"created\"/>",
                    escape(&url_name),
                    escape(name)
                );
            }
            Row::Object(o, state) => {
                let (ms, string) = change_time(o.change_time_ms);
                let ingest = o.ingest_time_ms / 1000;
                let _ = writeln!(
                    xml,
                    "  <entry urlName=\"{}\" utf8Name=\"{}\" type=\"object\" size=\"{}\" \
                     hashScheme=\"{}\" hash=\"{}\" etag=\"{}\" retention=\"{}\" \
                     retentionString=\"{}\" retentionClass=\"{}\" ingestTime=\"{ingest}\" \
                     ingestTimeMilliseconds=\"{}\" ingestTimeString=\"{}\" hold=\"{}\" \
                     shred=\"{}\" dpl=\"{}\" index=\"{}\" customMetadata=\"{}\" \
                     customMetadataAnnotations=\"{}\" version=\"{}\" replicated=\"false\" \
                     changeTimeMilliseconds=\"{ms}\" changeTimeString=\"{string}\" \
                     owner=\"{}\" domain=\"\" hasAcl=\"false\" state=\"{state}\"/>",
                    escape(&url_name),
                    escape(name),
                    o.size(),
                    escape(&o.hash_scheme),
                    o.hash,
                    o.md5,
                    o.retention.value,
                    escape(&o.retention.string()),
                    escape(&o.retention.class),
                    o.ingest_time_ms,
                    time::listing_string(ingest),
                    o.hold,
                    o.shred,
                    namespace.config.dpl,
                    o.index,
                    !o.custom_metadata.is_empty(),
                    escape(&o.annotations_header()),
                    o.version_id,
                    escape(&o.owner),
                );
            }
        }
    }
    xml.push_str("</directory>\n");
    let mut head = Head::data(system, now_ms);
    head.no_cache()
        .add("content-type", "text/xml")
        .add("content-length", xml.len().to_string())
        .add("x-hcp-type", "directory")
        .add("x-hcp-changetimemilliseconds", dir_ms)
        .add("x-hcp-changetimestring", dir_string)
        .add("last-modified", time::http_date(dir_change / 1000));
    respond(head, xml, head_only)
}

enum Row<'a> {
    Directory(i64),
    Object(&'a StoredObject, &'static str),
}

/// The direct children of `dir` that were deleted (their history ends in a delete marker
/// and no current version exists), as the version they deleted.
fn deleted_children<'a>(namespace: &'a Namespace, dir: &str) -> Vec<(&'a str, Row<'a>)> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    namespace
        .history
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter_map(|(k, versions)| {
            let name = &k[prefix.len()..];
            if name.is_empty() || name.contains('/') || namespace.entries.contains_key(k) {
                return None;
            }
            match versions.last() {
                Some(OldVersion::Deleted { of, .. }) => Some((name, Row::Object(of, "deleted"))),
                _ => None,
            }
        })
        .collect()
}

/// `GET <object>?version=list[&deleted=true]`: `400` when the namespace has no
/// versioning, `404` when the object never existed (or was purged).
pub(crate) fn versions(
    system: &System,
    now_ms: i64,
    namespace: &Namespace,
    key: &str,
    head_only: bool,
    show_deleted: bool,
) -> Result<Response<MockBody>, Fail> {
    if !namespace.config.versioning {
        return Err(Fail::bad_request(
            "versioning is not enabled for this namespace",
        ));
    }
    let current = namespace.object(key);
    let history = namespace.history.get(key).map(Vec::as_slice).unwrap_or(&[]);
    if current.is_none() && history.is_empty() {
        return Err(Fail::not_found(format!("no object {}", namespace.url(key))));
    }
    let name = key.rsplit('/').next().unwrap_or(key);
    let ns = escape(&namespace.config.name);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/ns-versions.xsl\"?>\n",
    );
    let _ = writeln!(
        xml,
        "<versions xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"/static/xsd/ns-versions.xsd\" \
         {} deleted=\"{}\" showDeleted=\"{show_deleted}\" namespaceName=\"{ns}\" \
         utf8NamespaceName=\"{ns}\">",
        path_attrs(namespace, key),
        current.is_none(),
    );
    for old in history {
        match old {
            OldVersion::Object(o) => version_entry(&mut xml, namespace, name, o, None),
            OldVersion::Deleted {
                version_id,
                time_ms,
                of,
            } => {
                if show_deleted {
                    version_entry(&mut xml, namespace, name, of, Some((*version_id, *time_ms)));
                }
            }
        }
    }
    if let Some(o) = current {
        version_entry(&mut xml, namespace, name, o, None);
    }
    xml.push_str("</versions>\n");
    let mut head = Head::data(system, now_ms);
    head.no_cache()
        .add("content-type", "text/xml")
        .add("content-length", xml.len().to_string());
    Ok(respond(head, xml, head_only))
}

/// One `<entry>` of a version listing; `deleted` is a delete marker's version id and time,
/// described with the metadata of the version it deleted.
fn version_entry(
    xml: &mut String,
    namespace: &Namespace,
    name: &str,
    o: &StoredObject,
    deleted: Option<(u64, i64)>,
) {
    let (state, version, time_ms) = match deleted {
        Some((id, at)) => ("deleted", id, at),
        None => ("created", o.version_id, o.ingest_time_ms),
    };
    let change_ms = if deleted.is_some() {
        time_ms
    } else {
        o.change_time_ms
    };
    let (ms, string) = change_time(change_ms);
    let _ = writeln!(
        xml,
        "  <entry urlName=\"{}\" utf8Name=\"{}\" type=\"object\" size=\"{}\" \
         hashScheme=\"{}\" hash=\"{}\" retention=\"{}\" retentionString=\"{}\" \
         retentionClass=\"{}\" hold=\"{}\" shred=\"{}\" dpl=\"{}\" index=\"{}\" \
         customMetadata=\"{}\" customMetadataAnnotations=\"{}\" replicated=\"false\" \
         owner=\"{}\" domain=\"\" hasAcl=\"false\" state=\"{state}\" version=\"{version}\" \
         ingestTime=\"{}\" ingestTimeString=\"{}\" changeTimeMilliseconds=\"{ms}\" \
         changeTimeString=\"{string}\" etag=\"{}\"/>",
        escape(&query::encode(name, QueryStyle::Rfc3986)),
        escape(name),
        o.size(),
        escape(&o.hash_scheme),
        o.hash,
        o.retention.value,
        escape(&o.retention.string()),
        escape(&o.retention.class),
        o.hold,
        o.shred,
        namespace.config.dpl,
        o.index,
        !o.custom_metadata.is_empty(),
        escape(&o.annotations_header()),
        escape(&o.owner),
        time_ms / 1000,
        time::listing_string(time_ms / 1000),
        o.md5,
    );
}

fn respond(head: Head, xml: String, head_only: bool) -> Response<MockBody> {
    let body = if head_only {
        body::empty()
    } else {
        body::full(xml)
    };
    head.respond(StatusCode::OK, body)
}
