//! Version listings: the XML body of `GET /rest/<object>?version=list` (HCP's
//! `ns-versions.xsd` document).
//!
//! The root is `<versions>` with the object's path and whether it is deleted; each
//! `<entry>` is one version with the attributes of a directory listing entry, its
//! `version` id and its `state` (`created`, or `deleted` for a delete marker, listed only
//! with `deleted=true`). HCP's documented template spells the name attribute `urlname`;
//! both spellings are read. An entry without a version id cannot be addressed and is left
//! out; any other missing or malformed attribute costs only that attribute.

use std::fmt;
use std::str::FromStr;

use storkit_core::Error;

use super::listing::{Entry, entry, name_from_url_name};
use super::{Element, expect_root, non_empty, parse, parse_bool, parse_int};

/// An object version's id: `X-HCP-VersionId`, a listing's `version`. HCP hands them out
/// in increasing order, so a larger id is a later version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionId(u64);

impl VersionId {
    /// The id `id`.
    pub const fn new(id: u64) -> Self {
        VersionId(id)
    }

    /// The id as a number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for VersionId {
    fn from(id: u64) -> Self {
        VersionId(id)
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for VersionId {
    type Err = Error;

    /// Reads the decimal id, blanks around it tolerated.
    fn from_str(s: &str) -> Result<Self, Error> {
        s.trim()
            .parse()
            .map(VersionId)
            .map_err(|e| super::decode_error("version id", format!("{s:?}: {e}")))
    }
}

/// One version of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectVersion {
    /// Its id (`version`).
    pub id: VersionId,
    /// True for a delete marker (`state="deleted"`): the version a DELETE made, which
    /// holds no data; its other fields describe the object it deleted.
    pub deleted: bool,
    /// The entry's attributes, decoded as a directory listing entry's (size, hash,
    /// retention, ingest and change times, annotations…, and all of them as text).
    pub entry: Entry,
}

/// The answer to `?version=list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionList {
    /// `path`, percent-encoded as HCP writes it (`/rest/dir/a%20b.txt`).
    pub path: Option<String>,
    /// `utf8Path`: the path as text.
    pub utf8_path: Option<String>,
    /// `parentDir`.
    pub parent_dir: Option<String>,
    /// `namespaceName` (`utf8NamespaceName` when present).
    pub namespace_name: Option<String>,
    /// `deleted`: whether the object is deleted (its current version is a delete marker).
    pub deleted: Option<bool>,
    /// `showDeleted`: whether delete markers are listed.
    pub show_deleted: Option<bool>,
    /// The versions, in document order.
    pub versions: Vec<ObjectVersion>,
}

const WHAT: &str = "version listing";

/// Decodes the XML of `GET <object>?version=list`.
pub fn decode_versions(body: &[u8]) -> Result<VersionList, Error> {
    let root = parse(WHAT, body)?;
    expect_root(WHAT, &root, "versions")?;
    let text = |k: &str| root.attr(k).and_then(non_empty);
    Ok(VersionList {
        path: text("path"),
        utf8_path: text("utf8Path"),
        parent_dir: text("parentDir"),
        namespace_name: text("utf8NamespaceName").or_else(|| text("namespaceName")),
        deleted: root.attr("deleted").and_then(parse_bool),
        show_deleted: root.attr("showDeleted").and_then(parse_bool),
        versions: root.children_named("entry").filter_map(version).collect(),
    })
}

fn version(e: &Element) -> Option<ObjectVersion> {
    let id = e.attr("version").and_then(parse_int::<u64>)?;
    let mut entry = entry(e);
    if entry.url_name.is_none() {
        // The documented template's spelling.
        entry.url_name = e.attr("urlname").and_then(non_empty);
        if entry.name.is_empty() {
            entry.name = entry
                .url_name
                .as_deref()
                .and_then(name_from_url_name)
                .unwrap_or_default();
        }
    }
    let deleted = entry
        .state
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("deleted"));
    Some(ObjectVersion {
        id: VersionId(id),
        deleted,
        entry,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::metadata::ObjectKind;

    /// The documented template's shape (urlname as written there), two versions and a
    /// delete marker.
    pub(crate) const VERSIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="/static/xsl/ns-versions.xsl"?>
<versions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:noNamespaceSchemaLocation="/static/xsd/ns-versions.xsd"
         path="/rest/dir/a%20b.txt" utf8Path="/rest/dir/a b.txt" parentDir="/rest/dir"
         utf8ParentDir="/rest/dir" deleted="true" showDeleted="true"
         namespaceName="ns1" utf8NamespaceName="ns1">
    <entry urlname="a%20b.txt" utf8Name="a b.txt" type="object" size="5"
           hashScheme="SHA-256" hash="0A" retention="0" retentionString="Deletion Allowed"
           retentionClass="" hold="false" shred="false" dpl="2" index="true"
           customMetadata="false" customMetadataAnnotations="" replicated="false"
           owner="n" domain="" hasAcl="false" state="created" version="91728994268353"
           ingestTime="1422736466" ingestTimeString="1/31/2015 8:34PM"/>
    <entry urlName="a%20b.txt" utf8Name="a b.txt" type="object" size="7" hashScheme="SHA-256"
           hash="0B" state="created" version="91728994268417" ingestTime="1422736500"
           changeTimeMilliseconds="1422736500123.00" etag="abc"/>
    <entry urlName="a%20b.txt" type="object" size="7" state="deleted" version="91728994268481"/>
    <entry urlName="no-version.txt" state="created"/>
</versions>
"#;

    #[test]
    fn the_documented_template() {
        let l = decode_versions(VERSIONS.as_bytes()).unwrap();
        assert_eq!(l.path.as_deref(), Some("/rest/dir/a%20b.txt"));
        assert_eq!(l.utf8_path.as_deref(), Some("/rest/dir/a b.txt"));
        assert_eq!(l.parent_dir.as_deref(), Some("/rest/dir"));
        assert_eq!(l.namespace_name.as_deref(), Some("ns1"));
        assert_eq!((l.deleted, l.show_deleted), (Some(true), Some(true)));
        assert_eq!(
            l.versions.len(),
            3,
            "the entry without a version is left out"
        );
        let first = &l.versions[0];
        assert_eq!(first.id, VersionId::new(91_728_994_268_353));
        assert!(!first.deleted);
        assert_eq!(first.entry.name, "a b.txt");
        assert_eq!(first.entry.url_name.as_deref(), Some("a%20b.txt"));
        assert_eq!(first.entry.kind, ObjectKind::Object);
        assert_eq!(first.entry.size, Some(5));
        assert_eq!(first.entry.owner.as_deref(), Some("n"));
        assert_eq!(first.entry.ingest_time, Some(1_422_736_466));
        let second = &l.versions[1];
        assert!(second.id > first.id);
        assert_eq!(second.entry.change_time_ms, Some(1_422_736_500_123));
        assert_eq!(second.entry.etag.as_deref(), Some("abc"));
        let marker = &l.versions[2];
        assert!(marker.deleted);
        // Only urlName: the name is what it encodes, never the encoded form.
        assert_eq!(marker.entry.name, "a b.txt");
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = decode_versions(&body);
        }

        /// Generated listings: every entry with a numeric version comes back, in order,
        /// with its name and state, whatever the other attributes hold.
        #[test]
        fn generated_listings_keep_every_addressable_entry(
            entries in proptest::collection::vec(
                (
                    proptest::option::of(proptest::prelude::any::<u64>()),
                    "[ -~é]{0,12}",
                    proptest::option::of("(created|deleted|DELETED|[a-z]{0,6})"),
                    "[ -~]{0,8}",
                ),
                0..8,
            )
        ) {
            let mut xml = String::from("<versions deleted=\"maybe\">");
            for (version, name, state, junk) in &entries {
                xml.push_str(&format!("<entry utf8Name=\"{}\" size=\"{}\"", escape(name), escape(junk)));
                if let Some(v) = version {
                    xml.push_str(&format!(" version=\"{v}\""));
                }
                if let Some(s) = state {
                    xml.push_str(&format!(" state=\"{s}\""));
                }
                xml.push_str("/>");
            }
            xml.push_str("</versions>");
            let list = decode_versions(xml.as_bytes()).unwrap();
            proptest::prop_assert_eq!(list.deleted, None);
            let expected: Vec<_> = entries.iter().filter(|e| e.0.is_some()).collect();
            proptest::prop_assert_eq!(list.versions.len(), expected.len());
            for (got, (version, name, state, _)) in list.versions.iter().zip(expected) {
                proptest::prop_assert_eq!(Some(got.id.get()), *version);
                proptest::prop_assert_eq!(&got.entry.name, name);
                let deleted = state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("deleted"));
                proptest::prop_assert_eq!(got.deleted, deleted);
            }
        }
    }

    #[test]
    fn ids_and_wrong_documents() {
        assert_eq!("  42 ".parse::<VersionId>().unwrap(), VersionId::from(42));
        assert_eq!(VersionId::new(7).to_string(), "7");
        assert_eq!(VersionId::new(7).get(), 7);
        assert!("list".parse::<VersionId>().is_err());
        assert!(decode_versions(b"<directory/>").is_err());
        assert!(decode_versions(b"<versions").is_err());
        let empty = decode_versions(b"<versions/>").unwrap();
        assert!(empty.versions.is_empty() && empty.deleted.is_none());
    }
}
