//! One document model for MAPI answers, written as compact XML (HCP's default), indented XML
//! (`?prettyprint`) or JSON (`Accept: application/json`).
//!
//! hcpsdk reads an element's text as its value, so compact XML is not a matter of taste:
//! indentation would turn every container into a whitespace string.

use std::fmt::Write as _;

/// A value in a MAPI document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Text: a JSON string, XML element text.
    Str(String),
    /// A number or boolean: bare in JSON, text in XML.
    Lit(String),
    /// An object: XML child elements in order.
    Obj(Vec<(String, Value)>),
    /// A list: a JSON array, the element repeated in XML.
    List(Vec<Value>),
}

impl Value {
    pub(crate) fn str(text: impl Into<String>) -> Self {
        Self::Str(text.into())
    }

    pub(crate) fn lit(value: impl ToString) -> Self {
        Self::Lit(value.to_string())
    }

    pub(crate) fn obj<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Self {
        Self::Obj(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, fit for element text and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab, LF and CR are not allowed in XML 1.0 at all;
            // a numeric reference keeps the document well-formed for lenient parsers.
            c if u32::from(c) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a CDATA section; a `]]>` inside is split across two sections.
pub(crate) fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// The XML declaration every MAPI and `/proc` document starts with.
pub(crate) const DECLARATION: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>";

/// `value` as the XML element `root`, with the declaration; indented when `pretty`.
pub(crate) fn to_xml(root: &str, value: &Value, pretty: bool) -> String {
    let mut out = String::from(DECLARATION);
    if pretty {
        out.push('\n');
    }
    write_xml(&mut out, root, value, pretty, 0);
    if pretty {
        out.push('\n');
    }
    out
}

fn write_xml(out: &mut String, name: &str, value: &Value, pretty: bool, depth: usize) {
    let indent = |out: &mut String, depth: usize| {
        if pretty {
            for _ in 0..depth {
                out.push_str("    ");
            }
        }
    };
    match value {
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if pretty && i > 0 {
                    out.push('\n');
                }
                write_xml(out, name, item, pretty, depth);
            }
        }
        Value::Str(text) | Value::Lit(text) => {
            indent(out, depth);
            if text.is_empty() {
                let _ = write!(out, "<{name}/>");
            } else {
                let _ = write!(out, "<{name}>{}</{name}>", escape(text));
            }
        }
        Value::Obj(children) => {
            indent(out, depth);
            if children.is_empty() {
                let _ = write!(out, "<{name}/>");
                return;
            }
            let _ = write!(out, "<{name}>");
            for (key, child) in children {
                if pretty {
                    out.push('\n');
                }
                write_xml(out, key, child, pretty, depth + 1);
            }
            if pretty {
                out.push('\n');
                indent(out, depth);
            }
            let _ = write!(out, "</{name}>");
        }
    }
}

/// `value` as JSON; indented by two spaces when `pretty`.
pub(crate) fn to_json(value: &Value, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, pretty, 0);
    out
}

fn write_json(out: &mut String, value: &Value, pretty: bool, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..depth {
                out.push_str("  ");
            }
        }
    };
    match value {
        Value::Str(text) => out.push_str(&storkit_mock::json::quote(text)),
        Value::Lit(text) => out.push_str(text),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_json(out, item, pretty, depth + 1);
            }
            if !items.is_empty() {
                newline(out, depth);
            }
            out.push(']');
        }
        Value::Obj(pairs) => {
            out.push('{');
            for (i, (key, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&storkit_mock::json::quote(key));
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(out, item, pretty, depth + 1);
            }
            if !pairs.is_empty() {
                newline(out, depth);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn sample() -> Value {
        Value::obj([
            ("name", Value::str("hcp1--<-->--hcp2")),
            (
                "connection",
                Value::obj([
                    ("localPort", Value::lit(5748)),
                    ("remoteHost", Value::str("")),
                ]),
            ),
            ("names", Value::List(vec![Value::str("a"), Value::str("b")])),
        ])
    }

    #[test]
    fn compact_xml_has_no_whitespace_between_elements() {
        assert_eq!(
            to_xml("link", &sample(), false),
            format!(
                "{DECLARATION}<link><name>hcp1--&lt;--&gt;--hcp2</name><connection>\
                 <localPort>5748</localPort><remoteHost/></connection>\
                 <names>a</names><names>b</names></link>"
            )
        );
    }

    #[test]
    fn pretty_xml_indents() {
        let xml = to_xml("link", &sample(), true);
        assert!(xml.contains("\n    <connection>\n        <localPort>5748</localPort>"));
        assert!(xml.ends_with("</link>\n"));
    }

    #[test]
    fn json_types() {
        assert_eq!(
            to_json(&sample(), false),
            r#"{"name":"hcp1--<-->--hcp2","connection":{"localPort":5748,"remoteHost":""},"names":["a","b"]}"#
        );
        assert!(
            to_json(&sample(), true).contains("\n  \"connection\": {\n    \"localPort\": 5748")
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(escape("a\"&<>'é"), "a&quot;&amp;&lt;&gt;&apos;é");
        assert_eq!(cdata("x]]>y"), "<![CDATA[x]]]]><![CDATA[>y]]>");
    }
}
