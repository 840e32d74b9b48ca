//! Unique object names spread over 65,536 folders, as hcpsdk's `pathbuilder` makes them.
//!
//! A name is a fresh UUID version 1 (lower case, with dashes); its folder is
//! `<initial path>/<uuid[6..8]>/<uuid[4..6]>`, the last two bytes of the UUID's
//! `time_low`, which change fastest, so that consecutive objects land in different
//! folders. [`PathBuilder::path_of`] finds an object's full path again from its name.
//! With annotations on, each name comes with a small XML document recording the original
//! file name, byte for byte what hcpsdk writes, to be stored as custom metadata.
//!
//! ```
//! use storkit_hcp::pathbuilder::PathBuilder;
//!
//! let builder = PathBuilder::new("/rest/mypath");
//! let unique = builder.unique("testfile.txt");
//! assert_eq!(builder.path_of(&unique.name).unwrap(), unique.object_path());
//! ```

use std::sync::OnceLock;

use storkit_core::Error;
use uuid::Uuid;

use crate::error::HcpError;

/// The initial path hcpsdk uses when none is given.
pub const DEFAULT_INITIAL_PATH: &str = "/rest/hcpsdk";

/// Makes unique object names and finds their paths again. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathBuilder {
    initial_path: String,
    annotation: bool,
}

impl Default for PathBuilder {
    fn default() -> Self {
        PathBuilder::new(DEFAULT_INITIAL_PATH)
    }
}

/// A unique name, its folder and, when asked for, its annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueName {
    /// The folder, `<initial path>/<uuid[6..8]>/<uuid[4..6]>`, without a trailing slash.
    pub path: String,
    /// The object name: a UUID, lower case with dashes.
    pub name: String,
    /// The annotation XML, when the builder makes annotations.
    pub annotation: Option<String>,
}

impl UniqueName {
    /// The object's full path: the folder, `/`, the name.
    pub fn object_path(&self) -> String {
        format!("{}/{}", self.path, self.name)
    }
}

impl PathBuilder {
    /// A builder whose folders start at `initial_path` (without annotations). A trailing
    /// slash is tolerated; a relative path gives relative paths, as in hcpsdk.
    pub fn new(initial_path: impl Into<String>) -> Self {
        PathBuilder {
            initial_path: initial_path.into(),
            annotation: false,
        }
    }

    /// Whether [`unique`](PathBuilder::unique) also makes the annotation XML.
    pub fn annotation(mut self, on: bool) -> Self {
        self.annotation = on;
        self
    }

    /// The initial path.
    pub fn initial_path(&self) -> &str {
        &self.initial_path
    }

    /// A fresh unique name for a file called `filename` (the file name only goes into
    /// the annotation).
    ///
    /// The UUID is version 1: the current time, a clock sequence that a process-wide
    /// counter advances on every call (so names made within one clock tick differ), and
    /// a node id drawn at random once per process with the multicast bit set, as RFC 9562
    /// §6.10 asks of a node id that is not a MAC address: no hardware address is read or
    /// disclosed.
    pub fn unique(&self, filename: &str) -> UniqueName {
        self.unique_with(filename, Uuid::now_v1(node_id()))
    }

    /// Like [`unique`](PathBuilder::unique) with a given UUID (for tests and replays).
    pub fn unique_with(&self, filename: &str, uuid: Uuid) -> UniqueName {
        let name = uuid.hyphenated().to_string();
        let path = self.folder(&name);
        let annotation = self
            .annotation
            .then(|| annotation_xml(filename, &path, &name));
        UniqueName {
            path,
            name,
            annotation,
        }
    }

    /// The full path of the object called `name`, which must be a UUID written with
    /// dashes (either case; the name is used as given).
    pub fn path_of(&self, name: &str) -> Result<String, Error> {
        if !is_hyphenated_uuid(name) {
            return Err(HcpError::PathBuilder(name.to_owned()).into());
        }
        Ok(format!("{}/{name}", self.folder(name)))
    }

    /// `posixpath.join(initial, name[6:8], name[4:6])` for a name known to be ASCII and
    /// at least 8 bytes long.
    fn folder(&self, name: &str) -> String {
        let mut path = self.initial_path.clone();
        if !path.is_empty() && !path.ends_with('/') {
            path.push('/');
        }
        path.push_str(&name[6..8]);
        path.push('/');
        path.push_str(&name[4..6]);
        path
    }
}

fn is_hyphenated_uuid(name: &str) -> bool {
    name.len() == 36
        && name.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn node_id() -> &'static [u8; 6] {
    static NODE: OnceLock<[u8; 6]> = OnceLock::new();
    NODE.get_or_init(|| {
        let random = Uuid::new_v4();
        let bytes = random.as_bytes();
        // Random bytes of a v4 UUID (its version and variant bits sit at bytes 6 and 8).
        let mut node = [
            bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
        ];
        node[0] |= 0x01;
        node
    })
}

/// The annotation hcpsdk stores with an object, byte for byte:
///
/// ```text
/// <?xml version='1.0' encoding='utf-8'?>
/// <hcpsdk_fileobject filename="…" path="…" uuid="…" />
/// ```
///
/// Attribute values escape `&`, `<`, `>`, `"`, tab, line feed and carriage return;
/// `'` and non-ASCII characters stay as they are (UTF-8).
pub fn annotation_xml(filename: &str, path: &str, uuid: &str) -> String {
    let mut xml = String::from("<?xml version='1.0' encoding='utf-8'?>\n<hcpsdk_fileobject");
    for (name, value) in [("filename", filename), ("path", path), ("uuid", uuid)] {
        xml.push(' ');
        xml.push_str(name);
        xml.push_str("=\"");
        escape_attribute(value, &mut xml);
        xml.push('"');
    }
    xml.push_str(" />");
    xml
}

fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#09;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::HcpErrorExt;
    use proptest::prelude::*;

    const UUID: &str = "8ac8ecb4-9f1e-11e4-a524-98fe94437d8c";

    #[test]
    fn appendix_b_vectors() {
        let builder = PathBuilder::new("/rest/mypath").annotation(true);
        assert_eq!(
            builder.path_of(UUID).unwrap(),
            "/rest/mypath/b4/ec/8ac8ecb4-9f1e-11e4-a524-98fe94437d8c"
        );
        let unique = builder.unique_with("testfile.txt", Uuid::parse_str(UUID).unwrap());
        assert_eq!(unique.path, "/rest/mypath/b4/ec");
        assert_eq!(unique.name, UUID);
        assert_eq!(
            unique.annotation.as_deref(),
            Some(
                "<?xml version='1.0' encoding='utf-8'?>\n<hcpsdk_fileobject filename=\"testfile.txt\" path=\"/rest/mypath/b4/ec\" uuid=\"8ac8ecb4-9f1e-11e4-a524-98fe94437d8c\" />"
            )
        );
        let odd = annotation_xml("a\"&<>'é.txt", "/p", UUID);
        assert!(odd.contains("filename=\"a&quot;&amp;&lt;&gt;'\u{e9}.txt\""));
        assert!(odd.as_bytes().windows(2).any(|w| w == [0xC3, 0xA9]));
        assert_eq!(
            annotation_xml("a\nb\tc\rd", "/p", UUID),
            format!(
                "<?xml version='1.0' encoding='utf-8'?>\n<hcpsdk_fileobject filename=\"a&#10;b&#09;c&#13;d\" path=\"/p\" uuid=\"{UUID}\" />"
            )
        );
    }

    #[test]
    fn defaults_and_join_rules() {
        let builder = PathBuilder::default();
        assert_eq!(builder.initial_path(), "/rest/hcpsdk");
        assert_eq!(builder.unique("f").annotation, None);
        assert_eq!(
            PathBuilder::new("/rest/mypath/").path_of(UUID).unwrap(),
            "/rest/mypath/b4/ec/8ac8ecb4-9f1e-11e4-a524-98fe94437d8c"
        );
        assert_eq!(
            PathBuilder::new("rest").path_of(UUID).unwrap(),
            "rest/b4/ec/8ac8ecb4-9f1e-11e4-a524-98fe94437d8c"
        );
        assert_eq!(
            PathBuilder::new("").path_of(UUID).unwrap(),
            "b4/ec/8ac8ecb4-9f1e-11e4-a524-98fe94437d8c"
        );
        let upper = UUID.to_ascii_uppercase();
        assert_eq!(
            PathBuilder::new("/r").path_of(&upper).unwrap(),
            format!("/r/B4/EC/{upper}")
        );
    }

    #[test]
    fn names_that_are_not_uuids() {
        let builder = PathBuilder::default();
        for bad in [
            "",
            "abc",
            "8ac8ecb49f1e11e4a52498fe94437d8c",
            "{8ac8ecb4-9f1e-11e4-a524-98fe94437d8c}",
            "8ac8ecb4-9f1e-11e4-a524-98fe94437d8g",
            "8ac8ecb4-9f1e-11e4-a524-98fe94437d8cc",
            "8ac8écb4-9f1e-11e4-a524-98fe94437d8c",
        ] {
            let err = builder.path_of(bad).unwrap_err();
            assert_eq!(err.hcp(), Some(&HcpError::PathBuilder(bad.to_owned())));
            assert_eq!(err.kind(), storkit_core::ErrorKind::Config);
        }
    }

    #[test]
    fn fresh_names_are_v1_lower_case_and_distinct() {
        let builder = PathBuilder::default();
        let names: Vec<_> = (0..1000).map(|_| builder.unique("f").name).collect();
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len());
        let uuid = Uuid::parse_str(&names[0]).unwrap();
        assert_eq!(uuid.get_version_num(), 1);
        assert_eq!(names[0], names[0].to_lowercase());
        // The random node id carries the multicast bit.
        assert_eq!(uuid.as_bytes()[10] & 1, 1);
    }

    /// Reads the annotation back with an XML parser.
    fn read_annotation(xml: &str) -> (String, String, String) {
        let root = crate::xml::parse("annotation", xml.as_bytes()).unwrap();
        assert_eq!(root.name, "hcpsdk_fileobject");
        let get = |k: &str| root.attr(k).unwrap().to_owned();
        (get("filename"), get("path"), get("uuid"))
    }

    proptest! {
        #[test]
        fn path_of_finds_unique_names(initial in "(/?[a-z0-9 _.-]{0,8}){0,4}/?", filename in any::<String>()) {
            let builder = PathBuilder::new(initial);
            let unique = builder.unique(&filename);
            prop_assert_eq!(builder.path_of(&unique.name).unwrap(), format!("{}/{}", unique.path, unique.name));
            prop_assert_eq!(builder.path_of(&unique.name).unwrap(), unique.object_path());
        }

        #[test]
        fn annotations_round_trip(
            filename in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]*",
            initial in "/[a-zA-Z0-9&<>\"' é]{0,10}",
            bytes in any::<[u8; 16]>(),
        ) {
            let builder = PathBuilder::new(initial).annotation(true);
            let unique = builder.unique_with(&filename, Uuid::from_bytes(bytes));
            let xml = unique.annotation.clone().unwrap();
            prop_assert_eq!(read_annotation(&xml), (filename, unique.path, unique.name));
        }
    }
}
