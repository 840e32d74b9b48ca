//! Python literals, pretty-printed as `pprint.pprint` prints them (width 80, dict keys
//! sorted), so that the examples print what the hcpsdk manual shows: header lists as
//! `[('Date', '...'),\n ('Server', ...)]`, namespace information as dictionaries.

// Each example uses a different part of this file.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// A Python value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Py {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int`.
    Int(i128),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
    /// A `list`.
    List(Vec<Py>),
    /// A `tuple`.
    Tuple(Vec<Py>),
    /// A `dict` (printed with its keys sorted, as pprint does).
    Dict(BTreeMap<String, Py>),
}

impl Py {
    /// A `str`.
    pub(crate) fn str(s: impl Into<String>) -> Py {
        Py::Str(s.into())
    }

    /// A value as hcpsdk's `_castvar` types an XML attribute: `true`/`false` become
    /// booleans, whole numbers ints, anything else stays text.
    pub(crate) fn cast(s: &str) -> Py {
        match s {
            "true" => Py::Bool(true),
            "false" => Py::Bool(false),
            _ => s
                .trim()
                .parse::<i128>()
                .map_or_else(|_| Py::str(s), Py::Int),
        }
    }

    /// An optional value, `None` when missing.
    pub(crate) fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Py) -> Py {
        v.map_or(Py::None, f)
    }

    /// A dict from `(key, value)` pairs.
    pub(crate) fn dict<K: Into<String>>(items: impl IntoIterator<Item = (K, Py)>) -> Py {
        Py::Dict(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `repr(self)` on one line.
    pub(crate) fn repr(&self) -> String {
        match self {
            Py::None => "None".to_owned(),
            Py::Bool(true) => "True".to_owned(),
            Py::Bool(false) => "False".to_owned(),
            Py::Int(i) => i.to_string(),
            Py::Float(x) => float_repr(*x),
            Py::Str(s) => str_repr(s),
            Py::Bytes(b) => bytes_repr(b),
            Py::List(items) => format!("[{}]", join(items)),
            Py::Tuple(items) if items.len() == 1 => format!("({},)", join(items)),
            Py::Tuple(items) => format!("({})", join(items)),
            Py::Dict(map) => {
                let items: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}: {}", str_repr(k), v.repr()))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }

    /// `pprint.pformat(self)`.
    pub(crate) fn pformat(&self) -> String {
        let mut out = String::new();
        format(self, &mut out, 0, 0, 1);
        out
    }
}

const WIDTH: usize = 80;

fn join(items: &[Py]) -> String {
    items.iter().map(Py::repr).collect::<Vec<_>>().join(", ")
}

/// Python's float repr for the values HCP sends (`0.0`, `12.5`).
fn float_repr(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// `repr(str)`: single quotes unless the text holds one and no double quote.
fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `repr(bytes)`: `b'...'`, non-printable bytes as `\xNN`.
fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote as char);
    out
}

/// pprint's `_format`: the one-line repr when it fits in what is left of the line,
/// otherwise the container split over lines (`allowance` is what must follow on the
/// line: closing brackets and a comma).
fn format(v: &Py, out: &mut String, indent: usize, allowance: usize, level: usize) {
    let rep = v.repr();
    let max_width = WIDTH.saturating_sub(indent + allowance);
    if rep.chars().count() <= max_width {
        out.push_str(&rep);
        return;
    }
    match v {
        Py::List(items) if !items.is_empty() => {
            out.push('[');
            format_items(items, out, indent, allowance + 1, level);
            out.push(']');
        }
        Py::Tuple(items) if !items.is_empty() => {
            out.push('(');
            let end = if items.len() == 1 { ",)" } else { ")" };
            format_items(items, out, indent, allowance + end.len(), level);
            out.push_str(end);
        }
        Py::Dict(map) if !map.is_empty() => {
            out.push('{');
            let inner = indent + 1;
            let last = map.len() - 1;
            for (i, (k, item)) in map.iter().enumerate() {
                let key = str_repr(k);
                out.push_str(&key);
                out.push_str(": ");
                let a = if i == last { allowance + 1 } else { 1 };
                format(item, out, inner + key.chars().count() + 2, a, level + 1);
                if i != last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(inner));
                }
            }
            out.push('}');
        }
        Py::Str(s) => format_str(s, out, indent, allowance, level),
        _ => out.push_str(&rep),
    }
}

/// pprint's `_format_items` (not compact): one item per line.
fn format_items(items: &[Py], out: &mut String, indent: usize, allowance: usize, level: usize) {
    let inner = indent + 1;
    let last = items.len() - 1;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
            out.push_str(&" ".repeat(inner));
        }
        let a = if i == last { allowance } else { 1 };
        format(item, out, inner, a, level + 1);
    }
}

/// pprint's `_pprint_str`: a long text split at word ends into adjacent literals, in
/// parentheses at the top level.
fn format_str(s: &str, out: &mut String, mut indent: usize, mut allowance: usize, level: usize) {
    if level == 1 {
        indent += 1;
        allowance += 1;
    }
    let max_width = WIDTH.saturating_sub(indent).max(1);
    let mut chunks: Vec<String> = Vec::new();
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    for (i, line) in lines.iter().copied().enumerate() {
        let rep = str_repr(line);
        // The closing characters follow the last line only.
        let width = if i + 1 == lines.len() {
            max_width.saturating_sub(allowance)
        } else {
            max_width
        };
        if rep.chars().count() <= width {
            chunks.push(rep);
            continue;
        }
        // Words with their trailing blanks, grouped while they fit.
        let mut current = String::new();
        for word in words(line) {
            let candidate = format!("{current}{word}");
            if str_repr(&candidate).chars().count() > width && !current.is_empty() {
                chunks.push(str_repr(&current));
                current = word.to_owned();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            chunks.push(str_repr(&current));
        }
    }
    if chunks.len() <= 1 {
        out.push_str(&str_repr(s));
        return;
    }
    if level == 1 {
        out.push('(');
    }
    for (i, c) in chunks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(c);
    }
    if level == 1 {
        out.push(')');
    }
}

/// `re.findall(r'\S*\s*', line)` without the final empty match.
fn words(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            parts.push(&line[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < line.len() {
        parts.push(&line[start..]);
    }
    parts
}
