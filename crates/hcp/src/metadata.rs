//! An object's system metadata, from the `X-HCP-*` headers of a GET or HEAD answer.
//!
//! HCP versions differ in the headers they send (7.1 sends `X-HCP-IngestTime`, 8.0 adds
//! `X-HCP-IngestTimeMilliseconds`, 8.2 `X-HCP-VersionCreateTimeMilliseconds`), and some
//! values come empty (`X-HCP-RetentionClass:`), so every field is optional: a missing,
//! empty or malformed header is `None`, never an error.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use http::HeaderMap;
use storkit_core::Error;

use crate::error::HcpError;
use crate::xml::{non_empty, parse_bool, parse_int};

/// What a name in a namespace is (`X-HCP-Type`, a listing entry's `type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `object`.
    Object,
    /// `directory`.
    Directory,
    /// `symlink` (HCP 9.0 listings).
    Symlink,
    /// Anything else, as sent.
    Other(String),
}

impl ObjectKind {
    /// Reads the wire name (case-insensitively).
    pub fn from_wire(s: &str) -> Self {
        let s = s.trim();
        if s.eq_ignore_ascii_case("object") {
            ObjectKind::Object
        } else if s.eq_ignore_ascii_case("directory") {
            ObjectKind::Directory
        } else if s.eq_ignore_ascii_case("symlink") {
            ObjectKind::Symlink
        } else {
            ObjectKind::Other(s.to_owned())
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            ObjectKind::Object => "object",
            ObjectKind::Directory => "directory",
            ObjectKind::Symlink => "symlink",
            ObjectKind::Other(s) => s,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A content hash as HCP writes it: `SHA-256 47FB…17` (scheme, one blank, upper-case
/// hex).
///
/// Parsing upper-cases the hex digits, so hashes compare equal whatever case they were
/// written in; [`Display`](fmt::Display) prints the wire form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hash {
    scheme: String,
    hex: String,
}

impl Hash {
    /// A hash from its scheme (`SHA-256`, `MD5`) and digest bytes.
    pub fn from_digest(scheme: impl Into<String>, digest: &[u8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut hex = String::with_capacity(digest.len() * 2);
        for b in digest {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 15)]));
        }
        Hash {
            scheme: scheme.into(),
            hex,
        }
    }

    /// A hash from its scheme and hex digits (either case). `None` when either is empty,
    /// the scheme holds a blank, or the digits are not an even number of hex digits.
    pub fn new(scheme: &str, hex: &str) -> Option<Self> {
        let (scheme, hex) = (scheme.trim(), hex.trim());
        let hex_ok =
            !hex.is_empty() && hex.len() % 2 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let scheme_ok = !scheme.is_empty() && !scheme.contains(char::is_whitespace);
        (hex_ok && scheme_ok).then(|| Hash {
            scheme: scheme.to_owned(),
            hex: hex.to_ascii_uppercase(),
        })
    }

    /// Reads `<scheme> <hex>` (`X-HCP-Hash`). `None` when it is not that shape.
    pub fn parse(s: &str) -> Option<Self> {
        let (scheme, hex) = s.trim().split_once(char::is_whitespace)?;
        Hash::new(scheme, hex)
    }

    /// The scheme, as HCP names it (`SHA-256`).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The digest in upper-case hex.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.scheme, self.hex)
    }
}

impl FromStr for Hash {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Hash::parse(s).ok_or_else(|| {
            HcpError::decode("hash", format!("not `<scheme> <hex digits>`: {s:?}")).into()
        })
    }
}

/// A custom-metadata annotation of an object: its name and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnnotationInfo {
    /// The annotation's name (`default` for the unnamed one).
    pub name: String,
    /// Its size in bytes, when HCP gave one that parses.
    pub size: Option<u64>,
}

/// Reads `name;size, name2;size` (`X-HCP-CustomMetadataAnnotations`, a listing's
/// `customMetadataAnnotations`). Empty items are skipped; an item without `;` is a name
/// without a size.
pub fn parse_annotations(s: &str) -> Vec<AnnotationInfo> {
    s.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match item.rsplit_once(';') {
            Some((name, size)) => AnnotationInfo {
                name: name.trim().to_owned(),
                size: parse_int(size),
            },
            None => AnnotationInfo {
                name: item.to_owned(),
                size: None,
            },
        })
        .collect()
}

/// An object's system metadata, typed from the `X-HCP-*` headers of a GET or HEAD answer
/// (reference §9.4), plus the standard headers that describe the content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMetadata {
    /// `X-HCP-Type`: object or directory.
    pub kind: Option<ObjectKind>,
    /// `X-HCP-Size`: the object's size in bytes.
    pub size: Option<u64>,
    /// `X-HCP-Hash`: the content hash HCP computed.
    pub hash: Option<Hash>,
    /// `X-HCP-VersionId`.
    pub version_id: Option<u64>,
    /// `X-HCP-IngestTime`: seconds since the epoch.
    pub ingest_time: Option<i64>,
    /// `X-HCP-IngestTimeMilliseconds` (HCP 8.0 PUT answers).
    pub ingest_time_ms: Option<i64>,
    /// `X-HCP-VersionCreateTimeMilliseconds` (HCP 8.2 PUT answers).
    pub version_create_time_ms: Option<i64>,
    /// `X-HCP-RetentionClass`; `None` when empty (no class).
    pub retention_class: Option<String>,
    /// `X-HCP-RetentionString` (`Deletion Allowed`).
    pub retention_string: Option<String>,
    /// `X-HCP-Retention`: `0` deletion allowed, `-1` deletion prohibited, `-2` initial
    /// unspecified, otherwise the end of retention in seconds since the epoch.
    pub retention: Option<i64>,
    /// `X-HCP-IngestProtocol` (`HTTP`).
    pub ingest_protocol: Option<String>,
    /// `X-HCP-RetentionHold`.
    pub hold: Option<bool>,
    /// `X-HCP-Shred`.
    pub shred: Option<bool>,
    /// `X-HCP-DPL`: the data protection level.
    pub dpl: Option<u32>,
    /// `X-HCP-Index`.
    pub index: Option<bool>,
    /// `X-HCP-Custom-Metadata`: whether the object has custom metadata.
    pub custom_metadata: Option<bool>,
    /// `X-HCP-ACL`: whether the object has an ACL.
    pub acl: Option<bool>,
    /// `X-HCP-Owner`; `None` when empty.
    pub owner: Option<String>,
    /// `X-HCP-Domain`; `None` when empty.
    pub domain: Option<String>,
    /// `X-HCP-UID`; `None` when empty.
    pub uid: Option<String>,
    /// `X-HCP-GID`; `None` when empty.
    pub gid: Option<String>,
    /// `X-HCP-CustomMetadataAnnotations`, parsed; empty when there are none.
    pub annotations: Vec<AnnotationInfo>,
    /// `X-HCP-Replicated`.
    pub replicated: Option<bool>,
    /// `X-HCP-ReplicationCollision`.
    pub replication_collision: Option<bool>,
    /// `X-HCP-ChangeTimeMilliseconds` without its `.NN` uniqueness suffix.
    pub change_time_ms: Option<i64>,
    /// `X-HCP-ChangeTimeString` (`2015-01-31T21:34:26+0100`).
    pub change_time_string: Option<String>,
    /// `ETag` as sent, quotes included (`"68791e…45"`); see
    /// [`etag_md5`](ObjectMetadata::etag_md5).
    pub etag: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
    /// Every other `X-HCP-*` header, by lower-case name, so that headers of newer HCP
    /// versions are not lost.
    pub other: BTreeMap<String, String>,
}

/// The `X-HCP-*` headers read into typed fields, lower-case.
const KNOWN: &[&str] = &[
    "x-hcp-type",
    "x-hcp-size",
    "x-hcp-hash",
    "x-hcp-versionid",
    "x-hcp-ingesttime",
    "x-hcp-ingesttimemilliseconds",
    "x-hcp-versioncreatetimemilliseconds",
    "x-hcp-retentionclass",
    "x-hcp-retentionstring",
    "x-hcp-retention",
    "x-hcp-ingestprotocol",
    "x-hcp-retentionhold",
    "x-hcp-shred",
    "x-hcp-dpl",
    "x-hcp-index",
    "x-hcp-custom-metadata",
    "x-hcp-acl",
    "x-hcp-owner",
    "x-hcp-domain",
    "x-hcp-uid",
    "x-hcp-gid",
    "x-hcp-custommetadataannotations",
    "x-hcp-replicated",
    "x-hcp-replicationcollision",
    "x-hcp-changetimemilliseconds",
    "x-hcp-changetimestring",
];

impl ObjectMetadata {
    /// Reads the metadata from a response's headers. Missing, empty or malformed values
    /// are `None`; the `Result` leaves room for stricter checks without an API change.
    pub fn from_headers(headers: &HeaderMap) -> Result<ObjectMetadata, Error> {
        // Header values may carry UTF-8 (owner names); a lossy read beats dropping them.
        let text = |name: &str| -> Option<String> {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        };
        let non_empty_text = |name: &str| text(name).and_then(|s| non_empty(&s));
        let flag = |name: &str| text(name).and_then(|s| parse_bool(&s));
        let int = |name: &str| text(name).and_then(|s| parse_int::<i64>(&s));
        let uint = |name: &str| text(name).and_then(|s| parse_int::<u64>(&s));

        let mut other = BTreeMap::new();
        for (name, value) in headers {
            let name = name.as_str();
            if name.starts_with("x-hcp-") && !KNOWN.contains(&name) {
                other
                    .entry(name.to_owned())
                    .or_insert_with(|| String::from_utf8_lossy(value.as_bytes()).into_owned());
            }
        }

        Ok(ObjectMetadata {
            kind: non_empty_text("x-hcp-type").map(|s| ObjectKind::from_wire(&s)),
            size: uint("x-hcp-size"),
            hash: text("x-hcp-hash").and_then(|s| Hash::parse(&s)),
            version_id: uint("x-hcp-versionid"),
            ingest_time: int("x-hcp-ingesttime"),
            ingest_time_ms: int("x-hcp-ingesttimemilliseconds"),
            version_create_time_ms: int("x-hcp-versioncreatetimemilliseconds"),
            retention_class: non_empty_text("x-hcp-retentionclass"),
            retention_string: non_empty_text("x-hcp-retentionstring"),
            retention: int("x-hcp-retention"),
            ingest_protocol: non_empty_text("x-hcp-ingestprotocol"),
            hold: flag("x-hcp-retentionhold"),
            shred: flag("x-hcp-shred"),
            dpl: text("x-hcp-dpl").and_then(|s| parse_int(&s)),
            index: flag("x-hcp-index"),
            custom_metadata: flag("x-hcp-custom-metadata"),
            acl: flag("x-hcp-acl"),
            owner: non_empty_text("x-hcp-owner"),
            domain: non_empty_text("x-hcp-domain"),
            uid: non_empty_text("x-hcp-uid"),
            gid: non_empty_text("x-hcp-gid"),
            annotations: text("x-hcp-custommetadataannotations")
                .map(|s| parse_annotations(&s))
                .unwrap_or_default(),
            replicated: flag("x-hcp-replicated"),
            replication_collision: flag("x-hcp-replicationcollision"),
            change_time_ms: int("x-hcp-changetimemilliseconds"),
            change_time_string: non_empty_text("x-hcp-changetimestring"),
            etag: non_empty_text("etag"),
            content_type: non_empty_text("content-type"),
            content_length: uint("content-length"),
            last_modified: non_empty_text("last-modified"),
            other,
        })
    }

    /// The ETag without its quotes (and a weak `W/` prefix): for HCP, the content's MD5
    /// in lower-case hex.
    pub fn etag_md5(&self) -> Option<&str> {
        let etag = self.etag.as_deref()?;
        let etag = etag.strip_prefix("W/").unwrap_or(etag);
        Some(etag.trim_matches('"'))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use http::HeaderValue;
    use http::header::HeaderName;
    use proptest::prelude::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        map
    }

    /// The seed's HEAD answer (HCP 7.1.0.10), in order.
    const SEED_HEAD: &[(&str, &str)] = &[
        ("ETag", "\"68791e1b03badd5e4eb9287660f67745\""),
        ("Content-Type", "text/plain"),
        ("Content-Length", "18"),
        ("X-HCP-Type", "object"),
        ("X-HCP-Size", "18"),
        (
            "X-HCP-Hash",
            "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117",
        ),
        ("X-HCP-VersionId", "91055133849537"),
        ("X-HCP-IngestTime", "1422736466"),
        ("X-HCP-RetentionClass", ""),
        ("X-HCP-RetentionString", "Deletion Allowed"),
        ("X-HCP-Retention", "0"),
        ("X-HCP-IngestProtocol", "HTTP"),
        ("X-HCP-RetentionHold", "false"),
        ("X-HCP-Shred", "false"),
        ("X-HCP-DPL", "2"),
        ("X-HCP-Index", "true"),
        ("X-HCP-Custom-Metadata", "false"),
        ("X-HCP-ACL", "false"),
        ("X-HCP-Owner", "n"),
        ("X-HCP-Domain", ""),
        ("X-HCP-UID", ""),
        ("X-HCP-GID", ""),
        ("X-HCP-CustomMetadataAnnotations", ""),
        ("X-HCP-Replicated", "false"),
        ("X-HCP-ReplicationCollision", "false"),
        ("X-HCP-ChangeTimeMilliseconds", "1422736466446.00"),
        ("X-HCP-ChangeTimeString", "2015-01-31T21:34:26+0100"),
        ("Last-Modified", "Sat, 31 Jan 2015 20:34:26 GMT"),
        ("X-HCP-ServicedBySystem", "hcp1.snomis.local"),
        ("X-HCP-Time", "1422736493"),
    ];

    #[test]
    fn seed_head_answer() {
        let m = ObjectMetadata::from_headers(&headers(SEED_HEAD)).unwrap();
        assert_eq!(m.kind, Some(ObjectKind::Object));
        assert_eq!(m.size, Some(18));
        let hash = m.hash.as_ref().unwrap();
        assert_eq!(hash.scheme(), "SHA-256");
        assert_eq!(
            hash.to_string(),
            "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
        );
        assert_eq!(m.version_id, Some(91_055_133_849_537));
        assert_eq!(m.ingest_time, Some(1_422_736_466));
        assert_eq!(m.retention_class, None);
        assert_eq!(m.retention_string.as_deref(), Some("Deletion Allowed"));
        assert_eq!(m.retention, Some(0));
        assert_eq!(m.ingest_protocol.as_deref(), Some("HTTP"));
        assert_eq!(m.hold, Some(false));
        assert_eq!(m.shred, Some(false));
        assert_eq!(m.dpl, Some(2));
        assert_eq!(m.index, Some(true));
        assert_eq!(m.custom_metadata, Some(false));
        assert_eq!(m.acl, Some(false));
        assert_eq!(m.owner.as_deref(), Some("n"));
        assert_eq!((&m.domain, &m.uid, &m.gid), (&None, &None, &None));
        assert!(m.annotations.is_empty());
        assert_eq!(m.replicated, Some(false));
        assert_eq!(m.replication_collision, Some(false));
        assert_eq!(m.change_time_ms, Some(1_422_736_466_446));
        assert_eq!(
            m.change_time_string.as_deref(),
            Some("2015-01-31T21:34:26+0100")
        );
        assert_eq!(m.etag_md5(), Some("68791e1b03badd5e4eb9287660f67745"));
        assert_eq!(m.content_type.as_deref(), Some("text/plain"));
        assert_eq!(m.content_length, Some(18));
        assert_eq!(
            m.last_modified.as_deref(),
            Some("Sat, 31 Jan 2015 20:34:26 GMT")
        );
        assert_eq!(
            m.other.into_iter().collect::<Vec<_>>(),
            vec![
                (
                    "x-hcp-servicedbysystem".to_owned(),
                    "hcp1.snomis.local".to_owned()
                ),
                ("x-hcp-time".to_owned(), "1422736493".to_owned()),
            ]
        );
    }

    #[test]
    fn put_answers_of_later_versions() {
        let m = ObjectMetadata::from_headers(&headers(&[
            ("X-HCP-VersionId", "97548093539073"),
            ("X-HCP-IngestTimeMilliseconds", "1524188961548"),
            ("X-HCP-VersionCreateTimeMilliseconds", "1584519167629"),
            ("X-HCP-Hash", "MD5 3bf226cd0123456789abcdef01234567"),
            ("X-HCP-Type", "directory"),
        ]))
        .unwrap();
        assert_eq!(m.ingest_time_ms, Some(1_524_188_961_548));
        assert_eq!(m.version_create_time_ms, Some(1_584_519_167_629));
        assert_eq!(
            m.hash.unwrap().to_string(),
            "MD5 3BF226CD0123456789ABCDEF01234567"
        );
        assert_eq!(m.kind, Some(ObjectKind::Directory));
    }

    #[test]
    fn nothing_and_garbage_are_none() {
        let m = ObjectMetadata::from_headers(&HeaderMap::new()).unwrap();
        assert_eq!(m, ObjectMetadata::default());
        let m = ObjectMetadata::from_headers(&headers(&[
            ("X-HCP-Size", "eighteen"),
            ("X-HCP-Hash", "SHA-256"),
            ("X-HCP-Shred", "maybe"),
            ("X-HCP-DPL", "-2"),
            ("X-HCP-ChangeTimeMilliseconds", "12.x"),
            ("X-HCP-Owner", "jörg"),
            ("X-HCP-Type", "symlink"),
        ]))
        .unwrap();
        assert_eq!(m.size, None);
        assert_eq!(m.hash, None);
        assert_eq!(m.shred, None);
        assert_eq!(m.dpl, None);
        assert_eq!(m.change_time_ms, None);
        assert_eq!(m.owner.as_deref(), Some("jörg"));
        assert_eq!(m.kind, Some(ObjectKind::Symlink));
    }

    #[test]
    fn annotations() {
        assert_eq!(
            parse_annotations("default;1024, report;17,,odd"),
            vec![
                AnnotationInfo {
                    name: "default".into(),
                    size: Some(1024)
                },
                AnnotationInfo {
                    name: "report".into(),
                    size: Some(17)
                },
                AnnotationInfo {
                    name: "odd".into(),
                    size: None
                },
            ]
        );
        assert!(parse_annotations("").is_empty());
        let m = ObjectMetadata::from_headers(&headers(&[(
            "X-HCP-CustomMetadataAnnotations",
            "a;1, b;2",
        )]))
        .unwrap();
        assert_eq!(m.annotations.len(), 2);
    }

    #[test]
    fn hash_forms() {
        let h: Hash = "sha-256 abcdef01".parse().unwrap();
        assert_eq!(h.scheme(), "sha-256");
        assert_eq!(h.hex(), "ABCDEF01");
        assert_eq!(Hash::new("SHA-256", "abcdef01").unwrap().hex(), "ABCDEF01");
        assert_eq!(
            Hash::from_digest("MD5", &[0x68, 0x79, 0x1e]).to_string(),
            "MD5 68791E"
        );
        for bad in ["", "SHA-256", "SHA-256 xyz", "SHA-256 abc", " abcd"] {
            assert!(bad.parse::<Hash>().is_err(), "{bad:?}");
        }
        assert_eq!(
            Hash::parse("SHA-256 47fb").unwrap(),
            Hash::parse("SHA-256 47FB").unwrap()
        );
    }

    #[test]
    fn object_kind_wire_names() {
        for kind in [
            ObjectKind::Object,
            ObjectKind::Directory,
            ObjectKind::Symlink,
            ObjectKind::Other("weird".into()),
        ] {
            assert_eq!(ObjectKind::from_wire(kind.as_str()), kind);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_header_values_never_panic(
            values in prop::collection::vec(prop::collection::vec(
                prop_oneof![32u8..127, Just(b'\t'), 128u8..=255], 0..40), KNOWN.len()),
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in KNOWN.iter().zip(&values) {
                map.insert(*name, HeaderValue::from_bytes(value).unwrap());
            }
            let _ = ObjectMetadata::from_headers(&map).unwrap();
        }

        #[test]
        fn hashes_round_trip(scheme in "[A-Z0-9-]{1,8}", digest in prop::collection::vec(any::<u8>(), 1..40)) {
            let h = Hash::from_digest(scheme.clone(), &digest);
            prop_assert_eq!(Hash::parse(&h.to_string()), Some(h.clone()));
            prop_assert_eq!(h.scheme(), scheme.as_str());
        }
    }
}
