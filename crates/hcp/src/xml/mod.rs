//! Decoders for HCP's XML answers: `/proc` ([`proc`]), directory listings ([`listing`]),
//! version listings ([`versions`]), annotation lists ([`annotations`]) and the management
//! API ([`mapi`]).
//!
//! Every decoder takes the body as bytes and returns a typed value or a
//! [`Decode`](storkit_core::ErrorKind::Decode) error; none panics, whatever the input.
//! They read through a small element tree built on quick-xml's event reader rather than
//! serde derive, because HCP's documents vary between versions and servers (empty
//! elements, pretty-printed or compact, a stylesheet processing instruction, attributes
//! added or left out) and a missing or malformed field must cost that field, not the
//! whole answer.

pub mod annotations;
pub mod listing;
pub mod mapi;
pub mod proc;
pub mod versions;

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use storkit_core::Error;

use crate::error::HcpError;

/// Deeper nesting than any HCP document has; the limit keeps hostile input from costing
/// unbounded memory and keeps the tree's recursive drop shallow.
const MAX_DEPTH: usize = 64;

/// One element: its local name, attributes as written, child elements and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// The local name (a `prefix:` is dropped).
    pub(crate) name: String,
    /// Attributes in document order, names as written, values unescaped.
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    /// Text and CDATA directly inside the element, concatenated, untrimmed.
    pub(crate) text: String,
}

impl Element {
    /// The value of attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last child named `name`: when HCP repeats a single-valued element, the last
    /// one wins (as it does for hcpsdk, which fills a dict).
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().rev().find(|c| c.name == name)
    }

    /// The children named `name`, in document order.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element's text without the indentation of pretty-printed documents.
    pub(crate) fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// The trimmed text of child `name`; `None` when the child is missing or empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(Element::trimmed)
            .filter(|t| !t.is_empty())
    }

    /// Attributes that carry data: namespace declarations and prefixed attributes (the
    /// schema location) are left out.
    pub(crate) fn plain_attrs(&self) -> BTreeMap<String, String> {
        self.attrs
            .iter()
            .filter(|(k, _)| k != "xmlns" && !k.contains(':'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A decode error about `what`.
pub(crate) fn decode_error(what: &str, detail: impl Into<String>) -> Error {
    HcpError::decode(what, detail).into()
}

/// Parses `body` into its root element. Anything after the root element is ignored;
/// a body that is not UTF-8, has no root element or ends before the root is closed is an
/// error.
pub(crate) fn parse(what: &str, body: &[u8]) -> Result<Element, Error> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body)
        .map_err(|e| decode_error(what, format!("body is not UTF-8 ({e})")))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| decode_error(what, format!("invalid XML: {e}")))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(decode_error(what, "elements nested too deeply"));
                }
                stack.push(open(what, &start)?);
            }
            Event::Empty(start) => {
                let element = open(what, &start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::End(_) => {
                // The reader has already checked that the end tag matches its start tag.
                let Some(element) = stack.pop() else {
                    return Err(decode_error(what, "end tag without a start tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(current) = stack.last_mut() {
                    let resolved = r
                        .resolve_char_ref()
                        .map_err(|e| decode_error(what, format!("invalid reference: {e}")))?;
                    match resolved {
                        Some(c) => current.text.push(c),
                        None => match resolve_predefined_entity(&r) {
                            Some(s) => current.text.push_str(s),
                            // An entity only a DTD could define: kept as written rather
                            // than failing the document.
                            None => {
                                current.text.push('&');
                                current.text.push_str(&r);
                                current.text.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => {
                return Err(decode_error(
                    what,
                    if stack.is_empty() {
                        "no root element"
                    } else {
                        "document ends inside an element"
                    },
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

fn open(what: &str, start: &BytesStart<'_>) -> Result<Element, Error> {
    let qname = start.name();
    let name = local(qname.0).to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| decode_error(what, format!("invalid attribute: {e}")))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| decode_error(what, format!("invalid attribute value: {e}")))?;
        attrs.push((attr.key.0.to_owned(), value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// Checks that the root element is `expected`: an error document or an HTML page must
/// be an error, never an empty answer.
pub(crate) fn expect_root(what: &str, root: &Element, expected: &str) -> Result<(), Error> {
    if root.name == expected {
        Ok(())
    } else {
        Err(decode_error(
            what,
            format!("expected <{expected}>, found <{}>", root.name),
        ))
    }
}

/// `true`/`false` as HCP writes them (case and surrounding blanks tolerated); anything
/// else is `None`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An integer, leniently: blanks and a leading `+` are tolerated, and so is a fraction
/// of digits, which is dropped (HCP writes change times as `1422736466446.00`, the
/// `.NN` being a uniqueness suffix). Anything else is `None`.
pub(crate) fn parse_int<T: std::str::FromStr>(s: &str) -> Option<T> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let whole = match s.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole,
        Some(_) => return None,
        None => s,
    };
    whole.parse().ok()
}

/// A finite floating-point number (rates such as `0.0`); anything else is `None`.
pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The text, or `None` when it is empty: HCP sends empty values for "not set".
pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tree_reads_attributes_text_cdata_and_references() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
            <?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/proc-namespaces.xsl\"?>\n\
            <!-- a comment -->\n\
            <x:root xmlns:x=\"urn:x\" a=\"1 &amp; 2\" b='&#10;'>\n  \
              <c>t&lt;&#x41;&nbsp;</c><c><![CDATA[ <raw> ]]></c><e/>\n\
            </x:root>trailing";
        let root = parse("doc", doc.as_bytes()).unwrap();
        assert_eq!(root.name, "root");
        assert_eq!(root.attr("a"), Some("1 & 2"));
        assert_eq!(root.attr("b"), Some("\n"));
        assert_eq!(root.children.len(), 3);
        assert_eq!(root.children[0].text, "t<A&nbsp;");
        assert_eq!(root.child("c").unwrap().text, " <raw> ");
        assert_eq!(root.child_text("c"), Some("<raw>"));
        assert_eq!(root.child_text("e"), None);
        assert_eq!(
            root.plain_attrs().keys().collect::<Vec<_>>(),
            vec!["a", "b"]
        );
    }

    #[test]
    fn tree_errors() {
        for (doc, detail) in [
            (&b""[..], "no root element"),
            (b"<?xml version=\"1.0\"?>", "no root element"),
            (b"<a><b></b>", "document ends inside an element"),
            (b"<a></b>", "invalid XML"),
            (b"\xff<a/>", "not UTF-8"),
            (b"<a x=\"1\" x=\"2\"/>", "invalid attribute"),
        ] {
            let err = parse("doc", doc).unwrap_err();
            assert_eq!(err.kind(), storkit_core::ErrorKind::Decode, "{doc:?}");
            assert!(err.to_string().contains(detail), "{doc:?}: {err}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(
            parse("doc", deep.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("too deeply")
        );
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse("doc", ok.as_bytes()).is_ok());
    }

    #[test]
    fn bom_is_skipped() {
        assert_eq!(parse("doc", b"\xEF\xBB\xBF<a/>").unwrap().name, "a");
    }

    #[test]
    fn values() {
        assert_eq!(parse_bool(" TRUE "), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(
            parse_int::<u64>("1422736466446.00"),
            Some(1_422_736_466_446)
        );
        assert_eq!(parse_int::<u64>(" +5 "), Some(5));
        assert_eq!(parse_int::<i64>("-1"), Some(-1));
        assert_eq!(parse_int::<u64>("-1"), None);
        assert_eq!(parse_int::<u64>("1.5e3"), None);
        assert_eq!(parse_int::<u64>(""), None);
        assert_eq!(parse_int::<u64>("A+10y"), None);
        assert_eq!(parse_f64("0.0"), Some(0.0));
        assert_eq!(parse_f64("NaN"), None);
        assert_eq!(non_empty(""), None);
    }

    /// Every decoder of the crate on one body: each must return, never panic.
    pub(crate) fn decode_all(body: &[u8]) {
        let _ = proc::decode_statistics(body);
        let _ = proc::decode_namespaces(body);
        let _ = proc::decode_retention_classes(body);
        let _ = proc::decode_permissions(body);
        let _ = listing::decode_listing(body);
        let _ = versions::decode_versions(body);
        let _ = annotations::decode_annotations(body);
        let _ = mapi::decode_replication_settings(body);
        let _ = mapi::decode_link_list(body);
        let _ = mapi::decode_link_details(body);
        let _ = mapi::decode_log_status(body);
        let _ = mapi::decode_tenant_list(body);
        let _ = mapi::decode_tenant_info(body);
    }

    /// Valid documents of every kind, the seeds of the mutation test.
    fn valid_documents() -> Vec<&'static [u8]> {
        vec![
            proc::tests::STATISTICS.as_bytes(),
            proc::tests::NAMESPACES.as_bytes(),
            proc::tests::NAMESPACES_PRETTY.as_bytes(),
            proc::tests::RETENTION_CLASSES.as_bytes(),
            proc::tests::PERMISSIONS.as_bytes(),
            listing::tests::LISTING.as_bytes(),
            versions::tests::VERSIONS.as_bytes(),
            annotations::tests::ANNOTATIONS.as_bytes(),
            mapi::tests::REPLICATION.as_bytes(),
            mapi::tests::LINKS.as_bytes(),
            mapi::tests::LINK.as_bytes(),
            mapi::tests::LOG_STATUS.as_bytes(),
            mapi::tests::TENANTS.as_bytes(),
            mapi::tests::TENANT.as_bytes(),
        ]
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Delete(usize, usize),
        Insert(usize, u8),
        Replace(usize, u8),
        Truncate(usize),
        Duplicate(usize, usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let byte = prop_oneof![
            Just(b'<'),
            Just(b'>'),
            Just(b'/'),
            Just(b'"'),
            Just(b'&'),
            Just(b'='),
            Just(b' '),
            Just(b';'),
            any::<u8>()
        ];
        prop_oneof![
            (any::<usize>(), 0usize..8).prop_map(|(at, n)| Mutation::Delete(at, n)),
            (any::<usize>(), byte.clone()).prop_map(|(at, b)| Mutation::Insert(at, b)),
            (any::<usize>(), byte).prop_map(|(at, b)| Mutation::Replace(at, b)),
            any::<usize>().prop_map(Mutation::Truncate),
            (any::<usize>(), 0usize..40).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        ]
    }

    fn apply(doc: &mut Vec<u8>, m: &Mutation) {
        let len = doc.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *m {
            Mutation::Delete(i, n) => {
                let from = at(i);
                let to = (from + n).min(len);
                doc.drain(from..to);
            }
            Mutation::Insert(i, b) => doc.insert(at(i), b),
            Mutation::Replace(i, b) => {
                if len > 0 {
                    doc[i % len] = b;
                }
            }
            Mutation::Truncate(i) => doc.truncate(at(i)),
            Mutation::Duplicate(i, n) => {
                let from = at(i);
                let to = (from + n).min(len);
                let copy = doc[from..to].to_vec();
                doc.splice(from..from, copy);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
            decode_all(&body);
        }

        #[test]
        fn xml_like_text_never_panics(
            body in "(<[a-zA-Z:]{1,12}( [a-zA-Z:]{1,8}=\"[^\"<]{0,8}\")*/?>|</[a-zA-Z]{1,12}>|<!\\[CDATA\\[|\\]\\]>|&[a-z#0-9x]{0,6};|[^<&]{0,8}){0,30}"
        ) {
            decode_all(body.as_bytes());
        }

        #[test]
        fn mutated_documents_never_panic(
            which in any::<prop::sample::Index>(),
            mutations in prop::collection::vec(mutation(), 1..6),
        ) {
            let docs = valid_documents();
            let mut doc = which.get(&docs).to_vec();
            for m in &mutations {
                apply(&mut doc, m);
            }
            decode_all(&doc);
        }
    }
}
