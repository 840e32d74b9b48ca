//! The annotation list: the XML body of `GET /rest/<object>?type=custom-metadata-info`.
//!
//! HCP documents `<annotations>` with one `<annotation>` per annotation, holding `name`,
//! `hash` (`<scheme> <hex>`), `changeTimeMilliseconds` (with its `.NN` suffix),
//! `changeTimeString`, `size` and `contentType` (`text/xml` when the namespace checks
//! annotations for well-formed XML, else `unknown`). An annotation without a name is left
//! out; any other missing or malformed element costs only that field.

use storkit_core::Error;

use super::{Element, expect_root, parse, parse_int};
use crate::metadata::Hash;

/// One annotation of an object, as `type=custom-metadata-info` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnnotationDetails {
    /// The annotation's name (`default` for the unnamed one).
    pub name: String,
    /// `hash`: the annotation's hash in the namespace's scheme.
    pub hash: Option<Hash>,
    /// `changeTimeMilliseconds` without its `.NN` suffix.
    pub change_time_ms: Option<i64>,
    /// `changeTimeString`, as sent.
    pub change_time_string: Option<String>,
    /// `size` in bytes.
    pub size: Option<u64>,
    /// `contentType`: `text/xml` or `unknown`.
    pub content_type: Option<String>,
}

const WHAT: &str = "annotation list";

/// Decodes the XML of `GET <object>?type=custom-metadata-info`.
pub fn decode_annotations(body: &[u8]) -> Result<Vec<AnnotationDetails>, Error> {
    let root = parse(WHAT, body)?;
    expect_root(WHAT, &root, "annotations")?;
    Ok(root
        .children_named("annotation")
        .filter_map(annotation)
        .collect())
}

fn annotation(e: &Element) -> Option<AnnotationDetails> {
    let name = e.child_text("name")?.to_owned();
    Some(AnnotationDetails {
        name,
        hash: e.child_text("hash").and_then(Hash::parse),
        change_time_ms: e.child_text("changeTimeMilliseconds").and_then(parse_int),
        change_time_string: e.child_text("changeTimeString").map(str::to_owned),
        size: e.child_text("size").and_then(parse_int),
        content_type: e.child_text("contentType").map(str::to_owned),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The shape of an HCP 8 answer (one annotation per element, one element per line).
    pub(crate) const ANNOTATIONS: &str =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>
<annotations>
<annotation>
<name>.metapairs</name>
<hash>SHA-256 5544876AE8DF0CD43C6294094BBF7D3BEBDC70CCDF8F7452808934584135413A</hash>
<changeTimeMilliseconds>1525760181000.00</changeTimeMilliseconds>
<changeTimeString>2018-05-08T14:16:21+0800</changeTimeString>
<size>261</size>
<contentType>text/xml</contentType>
</annotation>
<annotation><name>  default </name><size>x</size></annotation>
<annotation><size>3</size></annotation>
</annotations>";

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = decode_annotations(&body);
        }

        /// Generated lists: every named annotation comes back with its size when the
        /// size is a number, whatever the other elements hold.
        #[test]
        fn generated_lists_keep_every_named_annotation(
            items in proptest::collection::vec(
                ("[a-z.]{0,8}", proptest::option::of(proptest::prelude::any::<u32>()), "[ -~]{0,10}"),
                0..6,
            )
        ) {
            let mut xml = String::from("<annotations>");
            for (name, size, junk) in &items {
                let junk = junk.replace('&', "&amp;").replace('<', "&lt;");
                xml.push_str(&format!("<annotation><name>{name}</name><hash>{junk}</hash>"));
                if let Some(size) = size {
                    xml.push_str(&format!("<size>{size}</size>"));
                }
                xml.push_str(&format!("<changeTimeMilliseconds>{junk}</changeTimeMilliseconds></annotation>"));
            }
            xml.push_str("</annotations>");
            let list = decode_annotations(xml.as_bytes()).unwrap();
            let named: Vec<_> = items.iter().filter(|i| !i.0.is_empty()).collect();
            proptest::prop_assert_eq!(list.len(), named.len());
            for (got, (name, size, _)) in list.iter().zip(named) {
                proptest::prop_assert_eq!(&got.name, name);
                proptest::prop_assert_eq!(got.size, size.map(u64::from));
            }
        }
    }

    #[test]
    fn an_hcp8_answer() {
        let list = decode_annotations(ANNOTATIONS.as_bytes()).unwrap();
        assert_eq!(list.len(), 2, "the nameless annotation is left out");
        let a = &list[0];
        assert_eq!(a.name, ".metapairs");
        assert_eq!(
            a.hash.as_ref().unwrap().to_string(),
            "SHA-256 5544876AE8DF0CD43C6294094BBF7D3BEBDC70CCDF8F7452808934584135413A"
        );
        assert_eq!(a.change_time_ms, Some(1_525_760_181_000));
        assert_eq!(
            a.change_time_string.as_deref(),
            Some("2018-05-08T14:16:21+0800")
        );
        assert_eq!(a.size, Some(261));
        assert_eq!(a.content_type.as_deref(), Some("text/xml"));
        let b = &list[1];
        assert_eq!(b.name, "default");
        assert_eq!((b.size, b.hash.as_ref()), (None, None));
        assert!(decode_annotations(b"<versions/>").is_err());
        assert!(decode_annotations(b"<annotations/>").unwrap().is_empty());
    }
}
