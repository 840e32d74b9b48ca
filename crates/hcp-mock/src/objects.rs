//! The contents of a namespace: objects with their system metadata and custom metadata, and
//! directories, keyed by their decoded path below `/rest`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::StatusCode;

use crate::config::{NamespaceConfig, RetentionClass};
use crate::time;

/// An HTTP answer that is not a success: status and the `X-HCP-ErrorMessage` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
}

/// A retention setting: the value HCP reports in `X-HCP-Retention` and the class, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// `0` deletion allowed, `-1` deletion prohibited, `-2` initial unspecified, otherwise
    /// the end of retention in seconds since the epoch.
    pub value: i64,
    /// The retention class name, empty for none.
    pub class: String,
}

impl Retention {
    /// Deletion allowed, no class.
    pub fn none() -> Self {
        Self {
            value: 0,
            class: String::new(),
        }
    }

    /// `X-HCP-RetentionString`: `Deletion Allowed`, `Deletion Prohibited`, `Initial
    /// Unspecified`, or the end of retention as `2025-01-31T20:34:26+0000`.
    pub fn string(&self) -> String {
        match self.value {
            0 => "Deletion Allowed".to_owned(),
            -1 => "Deletion Prohibited".to_owned(),
            -2 => "Initial Unspecified".to_owned(),
            t => time::iso_string(t),
        }
    }

    /// Whether the object may be deleted (without privilege) at `now_secs`.
    pub fn allows_deletion(&self, now_secs: i64) -> bool {
        self.value == 0 || (self.value > 0 && self.value <= now_secs)
    }

    /// Parses a retention expression given at `base_secs` (the ingest time) against the
    /// namespace's classes: `0`, `-1`, `-2`, `A+<offset>`, `N+<offset>` (from now),
    /// `C+<class>`, seconds since the epoch, or `YYYY-MM-DDThh:mm:ss[zone]`.
    pub(crate) fn parse(
        text: &str,
        base_secs: i64,
        now_secs: i64,
        classes: &[RetentionClass],
    ) -> Result<Self, Fail> {
        let bad = || Fail::bad_request(format!("invalid retention value: {text}"));
        if let Some(class_name) = text.strip_prefix("C+") {
            let class = classes
                .iter()
                .find(|c| c.name == class_name)
                .ok_or_else(|| {
                    Fail::bad_request(format!("no such retention class: {class_name}"))
                })?;
            let mut retention = Self::parse(&class.value, base_secs, now_secs, &[])?;
            retention.class = class.name.clone();
            return Ok(retention);
        }
        let value = match text {
            "0" | "-1" | "-2" => text.parse().map_err(|_| bad())?,
            _ if text.starts_with("A+") => {
                time::add_offset(base_secs, &text[1..]).ok_or_else(bad)?
            }
            _ if text.starts_with("N+") => {
                time::add_offset(now_secs, &text[1..]).ok_or_else(bad)?
            }
            _ if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                text.parse().map_err(|_| bad())?
            }
            _ if time::is_timestamp(text) => {
                let num = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap_or(0);
                let days = time::days_from_civil(num(0..4), num(5..7) as u32, num(8..10) as u32);
                days * 86_400 + num(11..13) * 3600 + num(14..16) * 60 + num(17..19)
            }
            _ => return Err(bad()),
        };
        Ok(Self {
            value,
            class: String::new(),
        })
    }
}

/// One stored object, as tests see it through [`HcpMock::object`](crate::HcpMock::object).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredObject {
    /// The object's path, decoded: `/rest/dir/a b.txt`.
    pub path: String,
    /// The bytes.
    pub data: Bytes,
    /// The hash per the namespace's scheme, upper-case hex (SHA-256 by default).
    pub hash: String,
    /// The hash scheme: `SHA-256` or `MD5`.
    pub hash_scheme: String,
    /// MD5 of the bytes, lower-case hex: the ETag without its quotes.
    pub md5: String,
    /// The `Content-Type` served.
    pub content_type: String,
    /// `X-HCP-VersionId`.
    pub version_id: u64,
    /// Ingest time, milliseconds since the epoch.
    pub ingest_time_ms: i64,
    /// Last metadata or data change, milliseconds since the epoch.
    pub change_time_ms: i64,
    /// `index`.
    pub index: bool,
    /// `shred`.
    pub shred: bool,
    /// `hold`.
    pub hold: bool,
    /// The retention setting.
    pub retention: Retention,
    /// `X-HCP-Owner`: the user who stored it.
    pub owner: String,
    /// Custom metadata by annotation name (`default` when none was named), in the order
    /// they were first stored.
    pub custom_metadata: Vec<(String, Bytes)>,
    /// When each annotation was last stored, milliseconds since the epoch, by name
    /// (`type=custom-metadata-info` reports it).
    pub annotation_change_ms: BTreeMap<String, i64>,
}

impl StoredObject {
    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// `X-HCP-Hash`: `SHA-256 47FB…`.
    pub fn hash_header(&self) -> String {
        format!("{} {}", self.hash_scheme, self.hash)
    }

    /// `ETag`, quotes included.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.md5)
    }

    /// `X-HCP-CustomMetadataAnnotations`: `name;size,name2;size`, empty without any.
    pub fn annotations_header(&self) -> String {
        self.custom_metadata
            .iter()
            .map(|(name, data)| format!("{name};{}", data.len()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The SHA-256 of the bytes, upper-case hex, whatever the namespace's scheme.
    pub fn sha256(&self) -> String {
        crate::hash::sha256_upper(&self.data)
    }

    /// The annotation called `name`.
    pub fn annotation(&self, name: &str) -> Option<&Bytes> {
        self.custom_metadata
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, data)| data)
    }

    /// Stores (or replaces) annotation `name` at `now_ms`.
    pub(crate) fn set_annotation(&mut self, name: String, data: Bytes, now_ms: i64) {
        match self.custom_metadata.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = data,
            None => self.custom_metadata.push((name.clone(), data)),
        }
        self.annotation_change_ms.insert(name, now_ms);
        self.change_time_ms = now_ms;
    }

    /// Whether a hold or an unexpired retention protects the object at `now_secs`: then
    /// it may not be deleted (without privilege) nor get a new version (reference §9.3).
    pub(crate) fn protected(&self, now_secs: i64) -> bool {
        self.hold || !self.retention.allows_deletion(now_secs)
    }
}

/// An earlier state of an object in a namespace with versioning: an old version, or the
/// marker a DELETE left (reference §9.3, HCP's "delete marker").
#[derive(Debug, Clone)]
pub(crate) enum OldVersion {
    /// A version replaced by a newer one, or the last one before a delete.
    Object(Box<StoredObject>),
    /// A delete: its own version id and time; `of` is the version it deleted (a version
    /// listing describes a delete marker with the deleted object's metadata).
    Deleted {
        version_id: u64,
        time_ms: i64,
        of: Box<StoredObject>,
    },
}

/// A namespace entry.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Object(Box<StoredObject>),
    Directory { change_ms: i64 },
}

/// A namespace: its settings and contents.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) tenant: String,
    pub(crate) config: NamespaceConfig,
    /// Keys are decoded paths below `/rest` without leading or trailing `/`; `""` is the
    /// root directory, which always exists and is not stored.
    pub(crate) entries: BTreeMap<String, Entry>,
    /// Old versions and delete markers by key, oldest first (versioning namespaces only);
    /// the current version stays in `entries`.
    pub(crate) history: BTreeMap<String, Vec<OldVersion>>,
    /// The legacy default namespace (`default.default.<domain>`, reference §9.1): data
    /// under `/fcfs_data`, no authentication.
    pub(crate) legacy: bool,
}

impl Namespace {
    pub(crate) fn new(tenant: &str, config: NamespaceConfig) -> Self {
        Self {
            tenant: tenant.to_owned(),
            config,
            entries: BTreeMap::new(),
            history: BTreeMap::new(),
            legacy: false,
        }
    }

    /// The legacy default namespace, `default` of tenant `default`.
    pub(crate) fn legacy_default() -> Self {
        let mut config = NamespaceConfig::new("default");
        config.description = "Default Namespace".to_owned();
        let mut namespace = Self::new("default", config);
        namespace.legacy = true;
        namespace
    }

    /// Where object paths start: `/rest`, or `/fcfs_data` in the legacy default namespace.
    pub(crate) fn root(&self) -> &'static str {
        if self.legacy { "/fcfs_data" } else { "/rest" }
    }

    /// `key` as a URL path below [`root`](Self::root), each segment percent-encoded.
    pub(crate) fn url(&self, key: &str) -> String {
        crate::rest::url_below(self.root(), key)
    }

    pub(crate) fn is_directory(&self, key: &str) -> bool {
        key.is_empty() || matches!(self.entries.get(key), Some(Entry::Directory { .. }))
    }

    pub(crate) fn object(&self, key: &str) -> Option<&StoredObject> {
        match self.entries.get(key) {
            Some(Entry::Object(object)) => Some(object),
            _ => None,
        }
    }

    /// Version `id` of the object at `key`: the current one or an old one (a delete
    /// marker has no data, so it is `None` like an unknown id).
    pub(crate) fn version(&self, key: &str, id: u64) -> Option<&StoredObject> {
        self.object(key).filter(|o| o.version_id == id).or_else(|| {
            self.history.get(key)?.iter().find_map(|old| match old {
                OldVersion::Object(o) if o.version_id == id => Some(&**o),
                _ => None,
            })
        })
    }

    /// Every version of the object at `key` that holds data, oldest first, the current
    /// one last.
    pub(crate) fn versions(&self, key: &str) -> Vec<&StoredObject> {
        let old = self.history.get(key).into_iter().flatten();
        old.filter_map(|v| match v {
            OldVersion::Object(o) => Some(&**o),
            OldVersion::Deleted { .. } => None,
        })
        .chain(self.object(key))
        .collect()
    }

    pub(crate) fn object_mut(&mut self, key: &str) -> Option<&mut StoredObject> {
        match self.entries.get_mut(key) {
            Some(Entry::Object(object)) => Some(object),
            _ => None,
        }
    }

    /// Creates the missing ancestors of `key` as directories; `409` when one is an object.
    pub(crate) fn create_parents(&mut self, key: &str, now_ms: i64) -> Result<(), Fail> {
        let mut end = 0;
        while let Some(slash) = key[end..].find('/') {
            let parent = &key[..end + slash];
            match self.entries.get(parent) {
                Some(Entry::Object(_)) => {
                    return Err(Fail::conflict(format!(
                        "/rest/{parent} is an object, not a directory"
                    )));
                }
                Some(Entry::Directory { .. }) => {}
                None => {
                    self.entries
                        .insert(parent.to_owned(), Entry::Directory { change_ms: now_ms });
                }
            }
            end += slash + 1;
        }
        Ok(())
    }

    /// The direct children of directory `key`, in name order.
    pub(crate) fn children(&self, key: &str) -> Vec<(&str, &Entry)> {
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, entry)| {
                let name = &k[prefix.len()..];
                (!name.is_empty() && !name.contains('/')).then_some((name, entry))
            })
            .collect()
    }

    pub(crate) fn objects(&self) -> impl Iterator<Item = &StoredObject> {
        self.entries.values().filter_map(|e| match e {
            Entry::Object(object) => Some(&**object),
            Entry::Directory { .. } => None,
        })
    }
}

/// The content type served for an object, by its name's extension.
pub(crate) fn content_type_for(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" | "csv" => "text/plain",
        "xml" => "text/xml",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/x-gzip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn classes() -> Vec<RetentionClass> {
        NamespaceConfig::new("n1").retention_classes
    }

    #[test]
    fn retention_expressions() {
        let base = time::days_from_civil(2015, 1, 31) * 86_400;
        let parse = |t: &str| Retention::parse(t, base, base, &classes());
        assert_eq!(parse("0").unwrap(), Retention::none());
        assert_eq!(parse("-1").unwrap().string(), "Deletion Prohibited");
        assert_eq!(parse("-2").unwrap().string(), "Initial Unspecified");
        assert_eq!(parse("A+10y").unwrap().string(), "2025-01-31T00:00:00+0000");
        let class = parse("C+TAX_DATA").unwrap();
        assert_eq!(class.class, "TAX_DATA");
        assert_eq!(class.value, parse("A+10y").unwrap().value);
        assert_eq!(parse("C+deletion_prohibited").unwrap().value, -1);
        assert_eq!(parse("1700000000").unwrap().value, 1_700_000_000);
        assert_eq!(
            parse("2030-01-01T00:00:00+0100").unwrap().value,
            time::days_from_civil(2030, 1, 1) * 86_400
        );
        for bad in ["", "A+", "A+10q", "C+nope", "soon", "-3"] {
            let fail = parse(bad).unwrap_err();
            assert_eq!(fail.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        assert!(Retention::none().allows_deletion(base));
        assert!(!parse("A+1d").unwrap().allows_deletion(base));
        assert!(parse("A+1d").unwrap().allows_deletion(base + 86_400));
    }

    #[test]
    fn parents_and_children() {
        let mut ns = Namespace::new("m", NamespaceConfig::new("n1"));
        ns.create_parents("a/b/c.txt", 1).unwrap();
        assert!(ns.is_directory("a") && ns.is_directory("a/b") && ns.is_directory(""));
        ns.entries
            .insert("a/b/c.txt".into(), Entry::Directory { change_ms: 1 });
        ns.entries
            .insert("a/b2".into(), Entry::Directory { change_ms: 1 });
        let names: Vec<&str> = ns.children("a").iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["b", "b2"]);
        assert_eq!(ns.children("").len(), 1);
        let object = StoredObject {
            path: "/rest/x".into(),
            data: Bytes::new(),
            hash: String::new(),
            hash_scheme: "SHA-256".into(),
            md5: String::new(),
            content_type: String::new(),
            version_id: 1,
            ingest_time_ms: 0,
            change_time_ms: 0,
            index: false,
            shred: false,
            hold: false,
            retention: Retention::none(),
            owner: String::new(),
            custom_metadata: Vec::new(),
            annotation_change_ms: BTreeMap::new(),
        };
        ns.entries
            .insert("x".into(), Entry::Object(Box::new(object)));
        assert_eq!(ns.create_parents("x/y", 1).unwrap_err().status, 409);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type_for("test1.txt"), "text/plain");
        assert_eq!(content_type_for("a.JPG"), "image/jpeg");
        assert_eq!(content_type_for("128kbfile"), "application/octet-stream");
    }
}
