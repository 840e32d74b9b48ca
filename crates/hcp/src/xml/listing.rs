//! Directory listings: the XML body of `GET /rest/<directory>` (reference §9.6).
//!
//! HCP 8 writes the attributes shown in the reference; HCP 9 adds symlink entries and
//! deleted ones. Every attribute is optional here, and each entry keeps all of its
//! attributes as text as well.

use std::collections::BTreeMap;

use storkit_core::Error;

use super::{Element, expect_root, non_empty, parse, parse_bool, parse_int};
use crate::metadata::{AnnotationInfo, Hash, ObjectKind, parse_annotations};

/// A directory's listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectoryListing {
    /// `path`, percent-encoded as HCP writes it (`/rest/dir`).
    pub path: Option<String>,
    /// `utf8Path`: the path as text.
    pub utf8_path: Option<String>,
    /// `parentDir`.
    pub parent_dir: Option<String>,
    /// `utf8ParentDir`.
    pub utf8_parent_dir: Option<String>,
    /// `namespaceName` (`utf8NamespaceName` when present).
    pub namespace_name: Option<String>,
    /// `dirDeleted`: whether the directory itself is deleted.
    pub dir_deleted: Option<bool>,
    /// `showDeleted`: whether deleted entries are listed.
    pub show_deleted: Option<bool>,
    /// `changeTimeMilliseconds` without its `.NN` suffix.
    pub change_time_ms: Option<i64>,
    /// `changeTimeString`.
    pub change_time_string: Option<String>,
    /// The entries, in document order.
    pub entries: Vec<Entry>,
}

/// One entry of a listing: an object, a directory or a symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The name as text: `utf8Name`, else `urlName`; empty when neither was sent.
    pub name: String,
    /// `urlName`: the name percent-encoded, as it goes in a URL.
    pub url_name: Option<String>,
    /// `type`; [`ObjectKind::Other`] with an empty name when missing.
    pub kind: ObjectKind,
    /// `size` in bytes (objects).
    pub size: Option<u64>,
    /// `hashScheme` and `hash`.
    pub hash: Option<Hash>,
    /// `etag`: the content's MD5, without quotes.
    pub etag: Option<String>,
    /// `retention`: `0`, `-1`, `-2` or seconds since the epoch.
    pub retention: Option<i64>,
    /// `retentionString`.
    pub retention_string: Option<String>,
    /// `retentionClass`; `None` when empty.
    pub retention_class: Option<String>,
    /// `ingestTime`: seconds since the epoch.
    pub ingest_time: Option<i64>,
    /// `ingestTimeMilliseconds`.
    pub ingest_time_ms: Option<i64>,
    /// `ingestTimeString`, as sent (`4/02/2018 4:07PM`).
    pub ingest_time_string: Option<String>,
    /// `hold`.
    pub hold: Option<bool>,
    /// `shred`.
    pub shred: Option<bool>,
    /// `dpl`.
    pub dpl: Option<u32>,
    /// `index`.
    pub index: Option<bool>,
    /// `customMetadata`.
    pub custom_metadata: Option<bool>,
    /// `customMetadataAnnotations`, parsed.
    pub annotations: Vec<AnnotationInfo>,
    /// `version`: the version id.
    pub version: Option<u64>,
    /// `replicated`.
    pub replicated: Option<bool>,
    /// `changeTimeMilliseconds` without its `.NN` suffix.
    pub change_time_ms: Option<i64>,
    /// `changeTimeString`.
    pub change_time_string: Option<String>,
    /// `owner`; `None` when empty.
    pub owner: Option<String>,
    /// `domain`; `None` when empty.
    pub domain: Option<String>,
    /// `hasAcl`.
    pub has_acl: Option<bool>,
    /// `state` (`created`, `deleted`).
    pub state: Option<String>,
    /// `utf8SymlinkTarget`, else `symlinkTarget` (symlinks).
    pub symlink_target: Option<String>,
    /// Every attribute of the entry as text.
    pub attributes: BTreeMap<String, String>,
}

const WHAT: &str = "directory listing";

/// Decodes the XML of `GET /rest/<directory>`.
pub fn decode_listing(body: &[u8]) -> Result<DirectoryListing, Error> {
    let root = parse(WHAT, body)?;
    expect_root(WHAT, &root, "directory")?;
    let text = |k: &str| root.attr(k).and_then(non_empty);
    Ok(DirectoryListing {
        path: text("path"),
        utf8_path: text("utf8Path"),
        parent_dir: text("parentDir"),
        utf8_parent_dir: text("utf8ParentDir"),
        namespace_name: text("utf8NamespaceName").or_else(|| text("namespaceName")),
        dir_deleted: root.attr("dirDeleted").and_then(parse_bool),
        show_deleted: root.attr("showDeleted").and_then(parse_bool),
        change_time_ms: root.attr("changeTimeMilliseconds").and_then(parse_int),
        change_time_string: text("changeTimeString"),
        entries: root.children_named("entry").map(entry).collect(),
    })
}

/// The name an entry's `urlName` (percent-encoded) stands for; `None` when it does not
/// decode, so that a name is never taken for another (the encoded form would address
/// `a%2520b` where the object is `a b`).
pub(crate) fn name_from_url_name(url_name: &str) -> Option<String> {
    storkit_core::encode::percent_decode(url_name)
}

/// One `<entry>` of a listing (directory or version listing).
pub(crate) fn entry(e: &Element) -> Entry {
    let text = |k: &str| e.attr(k).and_then(non_empty);
    let flag = |k: &str| e.attr(k).and_then(parse_bool);
    let url_name = text("urlName");
    Entry {
        name: text("utf8Name")
            .or_else(|| url_name.as_deref().and_then(name_from_url_name))
            .unwrap_or_default(),
        url_name,
        kind: e
            .attr("type")
            .map_or(ObjectKind::Other(String::new()), ObjectKind::from_wire),
        size: e.attr("size").and_then(parse_int),
        hash: match (e.attr("hashScheme"), e.attr("hash")) {
            (Some(scheme), Some(hex)) => Hash::new(scheme, hex),
            // HCP 7 style, scheme and digits in one attribute.
            (None, Some(both)) => Hash::parse(both),
            _ => None,
        },
        etag: text("etag").map(|t| t.trim_matches('"').to_owned()),
        retention: e.attr("retention").and_then(parse_int),
        retention_string: text("retentionString"),
        retention_class: text("retentionClass"),
        ingest_time: e.attr("ingestTime").and_then(parse_int),
        ingest_time_ms: e.attr("ingestTimeMilliseconds").and_then(parse_int),
        ingest_time_string: text("ingestTimeString"),
        hold: flag("hold"),
        shred: flag("shred"),
        dpl: e.attr("dpl").and_then(parse_int),
        index: flag("index"),
        custom_metadata: flag("customMetadata"),
        annotations: e
            .attr("customMetadataAnnotations")
            .map(parse_annotations)
            .unwrap_or_default(),
        version: e.attr("version").and_then(parse_int),
        replicated: flag("replicated"),
        change_time_ms: e.attr("changeTimeMilliseconds").and_then(parse_int),
        change_time_string: text("changeTimeString"),
        owner: text("owner"),
        domain: text("domain"),
        has_acl: flag("hasAcl"),
        state: text("state"),
        symlink_target: text("utf8SymlinkTarget").or_else(|| text("symlinkTarget")),
        attributes: e.plain_attrs(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The reference's HCP 8.0 capture, plus a symlink and a UTF-8 name.
    pub(crate) const LISTING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<directory xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:noNamespaceSchemaLocation="/static/xsd/ns-directory-6.0.xsd"
  path="/rest/00002" utf8Path="/rest/00002" parentDir="/rest" utf8ParentDir="/rest"
  dirDeleted="false" showDeleted="false" namespaceName="cloud" utf8NamespaceName="cloud"
  changeTimeMilliseconds="1521775654521.00" changeTimeString="2018-03-23T11:27:34+0800">
  <entry urlName="Test1-2.log" utf8Name="Test1-2.log" type="object" size="42" hashScheme="SHA-256"
    hash="5D45EA970F0782E780A22D74321F6D6C839FACF6525E0E41F561B927AA0A4BA6" etag="4c77ca9ccd1aab26210483d7070b341e"
    retention="0" retentionString="Deletion Allowed" retentionClass="" ingestTime="1522656462"
    ingestTimeMilliseconds="1522656462630" ingestTimeString="4/02/2018 4:07PM" hold="false" shred="false" dpl="1"
    index="true" customMetadata="false" customMetadataAnnotations="" version="97450013608321" replicated="false"
    changeTimeMilliseconds="1522656462729.00" changeTimeString="2018-04-02T16:07:42+0800" owner="admin" domain=""
    hasAcl="false" state="created"/>
  <entry urlName="test1" utf8Name="test1" type="directory" changeTimeMilliseconds="1522656436135.00"
    changeTimeString="2018-04-02T16:07:16+0800" state="created"/>
  <entry urlName="gr%C3%B6%C3%9Fe" utf8Name="größe &amp; co" type="symlink"
    symlinkTarget="/rest/x" utf8SymlinkTarget="/rest/x" state="created"/>
</directory>
"#;

    #[test]
    fn hcp8_capture() {
        let l = decode_listing(LISTING.as_bytes()).unwrap();
        assert_eq!(l.path.as_deref(), Some("/rest/00002"));
        assert_eq!(l.utf8_path.as_deref(), Some("/rest/00002"));
        assert_eq!(l.parent_dir.as_deref(), Some("/rest"));
        assert_eq!(l.namespace_name.as_deref(), Some("cloud"));
        assert_eq!(l.dir_deleted, Some(false));
        assert_eq!(l.change_time_ms, Some(1_521_775_654_521));
        assert_eq!(l.entries.len(), 3);

        let o = &l.entries[0];
        assert_eq!(o.name, "Test1-2.log");
        assert_eq!(o.kind, ObjectKind::Object);
        assert_eq!(o.size, Some(42));
        assert_eq!(
            o.hash.as_ref().unwrap().to_string(),
            "SHA-256 5D45EA970F0782E780A22D74321F6D6C839FACF6525E0E41F561B927AA0A4BA6"
        );
        assert_eq!(o.etag.as_deref(), Some("4c77ca9ccd1aab26210483d7070b341e"));
        assert_eq!(o.retention, Some(0));
        assert_eq!(o.retention_string.as_deref(), Some("Deletion Allowed"));
        assert_eq!(o.retention_class, None);
        assert_eq!(o.ingest_time, Some(1_522_656_462));
        assert_eq!(o.ingest_time_ms, Some(1_522_656_462_630));
        assert_eq!(o.ingest_time_string.as_deref(), Some("4/02/2018 4:07PM"));
        assert_eq!(
            (o.hold, o.shred, o.index),
            (Some(false), Some(false), Some(true))
        );
        assert_eq!(o.dpl, Some(1));
        assert_eq!(o.custom_metadata, Some(false));
        assert!(o.annotations.is_empty());
        assert_eq!(o.version, Some(97_450_013_608_321));
        assert_eq!(o.change_time_ms, Some(1_522_656_462_729));
        assert_eq!(o.owner.as_deref(), Some("admin"));
        assert_eq!(o.domain, None);
        assert_eq!(o.has_acl, Some(false));
        assert_eq!(o.state.as_deref(), Some("created"));
        assert_eq!(o.attributes.len(), 27);

        let d = &l.entries[1];
        assert_eq!(d.kind, ObjectKind::Directory);
        assert_eq!(d.size, None);
        assert_eq!(d.hash, None);

        let s = &l.entries[2];
        assert_eq!(s.kind, ObjectKind::Symlink);
        assert_eq!(s.name, "größe & co");
        assert_eq!(s.url_name.as_deref(), Some("gr%C3%B6%C3%9Fe"));
        assert_eq!(s.symlink_target.as_deref(), Some("/rest/x"));
    }

    #[test]
    fn a_url_name_that_does_not_decode_gives_no_name_rather_than_another() {
        let l = decode_listing(
            br#"<directory><entry urlName="100%" type="object"/><entry urlName="%E4%B8" type="object"/></directory>"#,
        )
        .unwrap();
        for e in &l.entries {
            assert_eq!(e.name, "", "{e:?}");
            assert!(e.url_name.is_some());
        }
    }

    #[test]
    fn sparse_entries() {
        let l = decode_listing(
            br#"<directory><entry urlName="a%20b" type="thing" hash="SHA-256 abcd" etag="&quot;ab&quot;"/><entry/></directory>"#,
        )
        .unwrap();
        assert_eq!(l.path, None);
        assert_eq!(l.entries[0].name, "a b");
        assert_eq!(l.entries[0].kind, ObjectKind::Other("thing".into()));
        assert_eq!(l.entries[0].hash.as_ref().unwrap().hex(), "ABCD");
        assert_eq!(l.entries[0].etag.as_deref(), Some("ab"));
        assert_eq!(l.entries[1].name, "");
        assert_eq!(l.entries[1].kind, ObjectKind::Other(String::new()));
        assert!(decode_listing(b"<namespaces/>").is_err());
    }
}
