//! The Deploy query grammar (reference §4): the mock's parser and an evaluator over JSON
//! records, public so that clients test their encoders against the same code.
//!
//! [`Query::parse`] follows the reference's "Mock parser" steps:
//! 1. split at `&` (empty pieces are skipped);
//! 2. split each pair at its first `=`; a pair without `=` is refused;
//! 3. percent-decode key and value, `+` staying a literal plus;
//! 4. the reserved keys ([`RESERVED_KEYS`]) are parameters, every other key a filter;
//! 5. a filter value splits at `|` into alternatives; each takes the longest operator prefix
//!    of `<=`, `>=`, `<`, `>`, `!`, then the keyword `null`; a `*` in an equality operand
//!    makes a wildcard;
//! 6. spaces around `order_by` items and after an operator are trimmed.
//!
//! Checks that need to know a resource (unknown names in `fields`, `order_by` or filters)
//! are in [`Query::check`], given the resource's [`Schema`].
//!
//! ```
//! use storkit_ontap_deploy_mock::query::{Alternative, Direction, Fields, Query};
//!
//! let q = Query::parse("state=queued%7Crunning&order_by=type%20desc,%20id&max_records=10")?;
//! assert_eq!(
//!     q.filters,
//!     [("state".to_owned(), vec![
//!         Alternative::Eq("queued".into()),
//!         Alternative::Eq("running".into()),
//!     ])]
//! );
//! assert_eq!(
//!     q.order_by,
//!     [("type".to_owned(), Direction::Desc), ("id".to_owned(), Direction::Asc)]
//! );
//! assert_eq!((&q.fields, q.max_records), (&Fields::Default, Some(10)));
//!
//! let job = serde_json::json!({"id": "7", "state": "running"});
//! assert!(q.matches(&job));
//! # Ok::<(), storkit_ontap_deploy_mock::query::QueryError>(())
//! ```
//!
//! **Evaluation** (mock decisions where Deploy's behaviour is UNKNOWN, reference §4.4): a
//! dotted path walks objects and fans out over arrays (`nodes.serial_number` looks at every
//! node); a field that is absent or `null` matches only `null`; a positive alternative
//! matches when any value does, a negated one (`!…`) when none does; alternatives are ORed,
//! filters (repeated keys too) ANDed. A JSON number compares with a numeric operand by value,
//! two RFC 3339 timestamps by time, anything else as strings; matching is case-sensitive.

use std::cmp::Ordering;

use serde_json::{Map, Value};
use storkit_mock::query::{self as kit_query, QueryStyle};

use crate::time::parse_rfc3339;

/// Keys that are parameters, never filters.
pub const RESERVED_KEYS: [&str; 7] = [
    "fields",
    "order_by",
    "max_records",
    "poll_timeout",
    "node_count",
    "inhibit_rollback",
    "invalidate_cache",
];

/// The range of `poll_timeout`, in seconds (reference §5).
pub const POLL_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

/// One alternative of a filter value; the alternatives of one key are ORed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Alternative {
    /// `f=v`: equal.
    Eq(String),
    /// `f=!v`: not equal.
    Ne(String),
    /// `f=<v`.
    Lt(String),
    /// `f=<=v`.
    Le(String),
    /// `f=>v`.
    Gt(String),
    /// `f=>=v`.
    Ge(String),
    /// `f=ab*`: a greedy wildcard pattern (`*` matches any run, empty included).
    Like(String),
    /// `f=!ab*`: matches no value of the pattern.
    NotLike(String),
    /// `f=null`: the field is not set.
    IsNull,
    /// `f=!null`: the field is set.
    NotNull,
}

/// Which fields records carry (`fields=`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Fields {
    /// No `fields`: the resource's default (key) fields.
    #[default]
    Default,
    /// `fields=*`: the inexpensive fields.
    Cheap,
    /// `fields=**`: every field.
    All,
    /// `fields=a,b`: `id` and the named fields (dotted paths allowed).
    List(Vec<String>),
}

/// A sort direction in `order_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `asc`, also when no direction is given.
    #[default]
    Asc,
    /// `desc`.
    Desc,
}

/// A parsed query string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Query {
    /// Filters by field, ANDed, sorted by field name (a repeated key keeps its order), so
    /// that queries differing only in key order compare equal.
    pub filters: Vec<(String, Vec<Alternative>)>,
    /// `fields`.
    pub fields: Fields,
    /// `order_by`, in priority order.
    pub order_by: Vec<(String, Direction)>,
    /// `max_records`.
    pub max_records: Option<u32>,
    /// `poll_timeout`, seconds, within [`POLL_TIMEOUT_RANGE`].
    pub poll_timeout: Option<u32>,
    /// The other reserved keys (`node_count`, `inhibit_rollback`, `invalidate_cache`) with
    /// their decoded values, in order; each endpoint checks its own.
    pub reserved: Vec<(String, String)>,
}

/// Why a query was refused: the mock answers 400 with this text as the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A pair without `=`.
    #[error("the query parameter {0:?} has no '='")]
    NoEquals(String),
    /// A pair with an empty key.
    #[error("the query parameter {0:?} has no name")]
    EmptyKey(String),
    /// A bad `%` escape, or decoded text that is not UTF-8.
    #[error("the query parameter {piece:?} cannot be decoded: {reason}")]
    Decode {
        /// The pair as sent.
        piece: String,
        /// Why.
        reason: String,
    },
    /// `fields`, `order_by`, `max_records` or `poll_timeout` given twice.
    #[error("the query parameter {0:?} is given more than once")]
    Repeated(String),
    /// `fields` with a space, an empty item, or `*`/`**` inside a list.
    #[error(
        "the value {value:?} is invalid for field \"fields\": name fields separated by commas \
         without spaces, or give * or **"
    )]
    BadFields {
        /// The decoded value.
        value: String,
    },
    /// An `order_by` item that is not `<field> [asc|desc]`.
    #[error("the value {item:?} is invalid for field \"order_by\": expected <field> [asc|desc]")]
    BadOrderBy {
        /// The item, trimmed.
        item: String,
    },
    /// `max_records` that is not a non-negative integer.
    #[error(
        "the value {0:?} is invalid for field \"max_records\": expected a non-negative integer"
    )]
    BadMaxRecords(String),
    /// `poll_timeout` that is not an integer within 1–120.
    #[error(
        "the value {0:?} is invalid for field \"poll_timeout\": expected an integer from 1 to 120"
    )]
    BadPollTimeout(String),
    /// A name in `fields`, `order_by` or a filter that the resource does not have.
    #[error("the value {field:?} is invalid for field {param:?}: the resource has no such field")]
    UnknownField {
        /// `fields`, `order_by` or `filter`.
        param: String,
        /// The name as given.
        field: String,
    },
}

impl QueryError {
    /// The field name an [`UnknownField`](Self::UnknownField) refers to.
    pub fn unknown_field(&self) -> Option<&str> {
        match self {
            Self::UnknownField { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// What a resource's records may carry, for [`Query::check`] and [`Query::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Schema {
    /// Every top-level field.
    pub fields: &'static [&'static str],
    /// The fields a GET without `fields` returns.
    pub defaults: &'static [&'static str],
    /// The fields `fields=*` leaves out (`**` or naming them returns them).
    pub expensive: &'static [&'static str],
}

impl Schema {
    /// Whether `path`'s first segment is a field.
    pub fn knows(&self, path: &str) -> bool {
        let first = path.split('.').next().unwrap_or(path);
        self.fields.contains(&first)
    }
}

fn decode(text: &str, piece: &str) -> Result<String, QueryError> {
    kit_query::decode(text, QueryStyle::Rfc3986).map_err(|e| QueryError::Decode {
        piece: piece.to_owned(),
        reason: e.to_string(),
    })
}

/// One alternative of a filter value (step 5 and 6).
pub fn parse_alternative(text: &str) -> Alternative {
    #[derive(PartialEq)]
    enum Op {
        None,
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
    }
    let (op, rest) = if let Some(rest) = text.strip_prefix("<=") {
        (Op::Le, rest)
    } else if let Some(rest) = text.strip_prefix(">=") {
        (Op::Ge, rest)
    } else if let Some(rest) = text.strip_prefix('<') {
        (Op::Lt, rest)
    } else if let Some(rest) = text.strip_prefix('>') {
        (Op::Gt, rest)
    } else if let Some(rest) = text.strip_prefix('!') {
        (Op::Ne, rest)
    } else {
        (Op::None, text)
    };
    let operand = if op == Op::None {
        rest.to_owned()
    } else {
        rest.trim_start_matches(' ').to_owned()
    };
    match op {
        Op::None if operand == "null" => Alternative::IsNull,
        Op::Ne if operand == "null" => Alternative::NotNull,
        Op::None if operand.contains('*') => Alternative::Like(operand),
        Op::Ne if operand.contains('*') => Alternative::NotLike(operand),
        Op::None => Alternative::Eq(operand),
        Op::Ne => Alternative::Ne(operand),
        Op::Lt => Alternative::Lt(operand),
        Op::Le => Alternative::Le(operand),
        Op::Gt => Alternative::Gt(operand),
        Op::Ge => Alternative::Ge(operand),
    }
}

/// A filter value: alternatives split at `|`.
pub fn parse_filter_value(value: &str) -> Vec<Alternative> {
    value.split('|').map(parse_alternative).collect()
}

fn parse_fields(value: &str) -> Result<Fields, QueryError> {
    let bad = || QueryError::BadFields {
        value: value.to_owned(),
    };
    match value {
        "*" => return Ok(Fields::Cheap),
        "**" => return Ok(Fields::All),
        _ => {}
    }
    let mut names = Vec::new();
    for name in value.split(',') {
        if name.is_empty() || name.contains(char::is_whitespace) || name.contains('*') {
            return Err(bad());
        }
        names.push(name.to_owned());
    }
    Ok(Fields::List(names))
}

fn parse_order_by(value: &str) -> Result<Vec<(String, Direction)>, QueryError> {
    let mut keys = Vec::new();
    for item in value.split(',') {
        let item = item.trim_matches(' ');
        let bad = || QueryError::BadOrderBy {
            item: item.to_owned(),
        };
        let mut words = item.split(' ').filter(|w| !w.is_empty());
        let field = words.next().ok_or_else(bad)?;
        let direction = match words.next() {
            None => Direction::Asc,
            Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(_) => return Err(bad()),
        };
        if words.next().is_some() {
            return Err(bad());
        }
        keys.push((field.to_owned(), direction));
    }
    Ok(keys)
}

fn parse_count(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

impl Query {
    /// Parses a raw query string (without `?`), steps 1–6 of the module docs.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let mut query = Self::default();
        let mut seen: Vec<&'static str> = Vec::new();
        let mut once = |key: &'static str| {
            if seen.contains(&key) {
                Err(QueryError::Repeated(key.to_owned()))
            } else {
                seen.push(key);
                Ok(())
            }
        };
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = piece
                .split_once('=')
                .ok_or_else(|| QueryError::NoEquals(piece.to_owned()))?;
            let key = decode(raw_key, piece)?;
            let value = decode(raw_value, piece)?;
            match key.as_str() {
                "" => return Err(QueryError::EmptyKey(piece.to_owned())),
                "fields" => {
                    once("fields")?;
                    query.fields = parse_fields(&value)?;
                }
                "order_by" => {
                    once("order_by")?;
                    query.order_by = parse_order_by(&value)?;
                }
                "max_records" => {
                    once("max_records")?;
                    query.max_records =
                        Some(parse_count(&value).ok_or(QueryError::BadMaxRecords(value))?);
                }
                "poll_timeout" => {
                    once("poll_timeout")?;
                    let seconds = parse_count(&value)
                        .filter(|s| POLL_TIMEOUT_RANGE.contains(s))
                        .ok_or(QueryError::BadPollTimeout(value))?;
                    query.poll_timeout = Some(seconds);
                }
                "node_count" | "inhibit_rollback" | "invalidate_cache" => {
                    query.reserved.push((key, value));
                }
                _ => query.filters.push((key, parse_filter_value(&value))),
            }
        }
        // Stable: a repeated key keeps the order it was given in.
        query.filters.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(query)
    }

    /// The first value of a reserved key other than the typed ones.
    pub fn reserved(&self, key: &str) -> Option<&str> {
        self.reserved
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses names the resource does not have, in `fields`, `order_by` and filters (the
    /// first segment of a dotted path is checked).
    pub fn check(&self, schema: &Schema) -> Result<(), QueryError> {
        let unknown = |param: &str, field: &str| QueryError::UnknownField {
            param: param.to_owned(),
            field: field.to_owned(),
        };
        if let Fields::List(names) = &self.fields
            && let Some(name) = names.iter().find(|n| !schema.knows(n))
        {
            return Err(unknown("fields", name));
        }
        if let Some((name, _)) = self.order_by.iter().find(|(n, _)| !schema.knows(n)) {
            return Err(unknown("order_by", name));
        }
        if let Some((name, _)) = self.filters.iter().find(|(n, _)| !schema.knows(n)) {
            return Err(unknown("filter", name));
        }
        Ok(())
    }

    /// Whether `record` passes every filter.
    pub fn matches(&self, record: &Value) -> bool {
        self.filters
            .iter()
            .all(|(path, alternatives)| matches_filter(record, path, alternatives))
    }

    /// Filters, sorts, truncates to `max_records` and projects `records` per `schema`.
    pub fn apply(&self, records: Vec<Value>, schema: &Schema) -> Vec<Value> {
        let mut kept: Vec<Value> = records.into_iter().filter(|r| self.matches(r)).collect();
        if !self.order_by.is_empty() {
            kept.sort_by(|a, b| self.compare_records(a, b));
        }
        if let Some(max) = self.max_records {
            kept.truncate(usize::try_from(max).unwrap_or(usize::MAX));
        }
        kept.iter()
            .map(|r| project(r, &self.fields, schema))
            .collect()
    }

    /// The order `order_by` puts two records in; records without a sort field go last in
    /// ascending order (first in descending).
    pub fn compare_records(&self, a: &Value, b: &Value) -> Ordering {
        for (path, direction) in &self.order_by {
            let left = values_at(a, path).into_iter().next();
            let right = values_at(b, path).into_iter().next();
            let ordering = match (left, right) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(l), Some(r)) => compare_values(l, r),
            };
            let ordering = match direction {
                Direction::Asc => ordering,
                Direction::Desc => ordering.reverse(),
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }
}

/// Every non-null value at a dotted `path`, fanning out over arrays.
pub fn values_at<'a>(record: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![record];
    for segment in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            collect(value, segment, &mut next);
        }
        current = next;
    }
    // A leaf that is an array stands for its elements.
    let mut out = Vec::new();
    for value in current {
        match value {
            Value::Array(items) => out.extend(items.iter().filter(|v| !v.is_null())),
            Value::Null => {}
            other => out.push(other),
        }
    }
    out
}

fn collect<'a>(value: &'a Value, segment: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if let Some(found) = map.get(segment) {
                out.push(found);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(item, segment, out);
            }
        }
        _ => {}
    }
}

fn matches_filter(record: &Value, path: &str, alternatives: &[Alternative]) -> bool {
    let values = values_at(record, path);
    alternatives
        .iter()
        .any(|alternative| matches_alternative(&values, alternative))
}

fn matches_alternative(values: &[&Value], alternative: &Alternative) -> bool {
    let any = |test: &dyn Fn(&Value) -> bool| values.iter().any(|v| test(v));
    let cmp = |v: &Value, operand: &str| compare_operand(v, operand);
    match alternative {
        Alternative::IsNull => values.is_empty(),
        Alternative::NotNull => !values.is_empty(),
        // Unset fields are excluded from every other test (reference §4.1).
        _ if values.is_empty() => false,
        Alternative::Eq(o) => any(&|v| cmp(v, o) == Some(Ordering::Equal)),
        Alternative::Ne(o) => !any(&|v| cmp(v, o) == Some(Ordering::Equal)),
        Alternative::Lt(o) => any(&|v| cmp(v, o) == Some(Ordering::Less)),
        Alternative::Le(o) => any(&|v| matches!(cmp(v, o), Some(Ordering::Less | Ordering::Equal))),
        Alternative::Gt(o) => any(&|v| cmp(v, o) == Some(Ordering::Greater)),
        Alternative::Ge(o) => {
            any(&|v| matches!(cmp(v, o), Some(Ordering::Greater | Ordering::Equal)))
        }
        Alternative::Like(p) => any(&|v| wildcard(p, &text_of(v))),
        Alternative::NotLike(p) => !any(&|v| wildcard(p, &text_of(v))),
    }
}

/// A value as text: strings unquoted, anything else as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number_of(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn compare_numbers(value: &serde_json::Number, operand: &str) -> Option<Ordering> {
    // Integers exactly where both are; floats otherwise.
    if let Ok(int) = operand.trim().parse::<i128>() {
        if let Some(v) = value.as_i64() {
            return Some(i128::from(v).cmp(&int));
        }
        if let Some(v) = value.as_u64() {
            return Some(i128::from(v).cmp(&int));
        }
    }
    value.as_f64()?.partial_cmp(&number_of(operand)?)
}

/// How a record value compares with a filter operand: numbers by value, RFC 3339 timestamps
/// by time, anything else as strings. `None` when they cannot be compared (a number against
/// a non-numeric operand).
pub fn compare_operand(value: &Value, operand: &str) -> Option<Ordering> {
    match value {
        Value::Number(n) => compare_numbers(n, operand),
        Value::String(s) => match (parse_rfc3339(s), parse_rfc3339(operand)) {
            (Some(l), Some(r)) => Some(l.cmp(&r)),
            _ => Some(s.as_str().cmp(operand)),
        },
        other => Some(text_of(other).as_str().cmp(operand)),
    }
}

/// How two record values sort: numbers by value, timestamps by time, else as text.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(l), Value::Number(r)) => match (l.as_i64(), r.as_i64()) {
            (Some(l), Some(r)) => l.cmp(&r),
            _ => l
                .as_f64()
                .zip(r.as_f64())
                .and_then(|(l, r)| l.partial_cmp(&r))
                .unwrap_or(Ordering::Equal),
        },
        (Value::String(l), Value::String(r)) => match (parse_rfc3339(l), parse_rfc3339(r)) {
            (Some(l), Some(r)) => l.cmp(&r),
            _ => l.cmp(r),
        },
        _ => text_of(a).cmp(&text_of(b)),
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (greedy
/// wildcard) and everything else matches itself, case-sensitively.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it was tried at: linear backtracking.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == '*')
}

/// The part of `value` at `path` (dotted), keeping its nesting; arrays keep their
/// elements' parts.
fn pick(value: &Value, path: &[&str]) -> Option<Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value.clone());
    };
    match value {
        Value::Object(map) => {
            let inner = pick(map.get(*first)?, rest)?;
            let mut out = Map::new();
            out.insert((*first).to_owned(), inner);
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items.iter().filter_map(|item| pick(item, path)).collect(),
        )),
        _ => None,
    }
}

/// Merges `from` into `into`, objects key by key and arrays element by element.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(left), Value::Object(right)) => {
            for (key, value) in right {
                match left.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        left.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(left), Value::Array(right)) => {
            for (i, value) in right.into_iter().enumerate() {
                match left.get_mut(i) {
                    Some(existing) => merge(existing, value),
                    None => left.push(value),
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

/// `record` with only the fields `fields` selects under `schema`.
pub fn project(record: &Value, fields: &Fields, schema: &Schema) -> Value {
    let Value::Object(map) = record else {
        return record.clone();
    };
    let keep = |names: &mut dyn Iterator<Item = &str>| {
        let mut out = Map::new();
        for name in names {
            if let Some(value) = map.get(name) {
                out.insert(name.to_owned(), value.clone());
            }
        }
        Value::Object(out)
    };
    match fields {
        Fields::All => record.clone(),
        Fields::Default => keep(&mut schema.defaults.iter().copied()),
        Fields::Cheap => keep(
            &mut schema
                .fields
                .iter()
                .copied()
                .filter(|f| !schema.expensive.contains(f)),
        ),
        Fields::List(names) => {
            // `id` always comes back: it is every resource's key.
            let mut out = keep(&mut std::iter::once("id"));
            for name in names {
                let path: Vec<&str> = name.split('.').collect();
                if let Some(part) = pick(record, &path) {
                    merge(&mut out, part);
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    const T: &str = "2019-04-04T15:41:29.140265Z";

    #[test]
    fn operators_after_the_equals_sign() {
        let alt = |s: &str| parse_alternative(s);
        assert_eq!(alt("a"), Alternative::Eq("a".into()));
        assert_eq!(alt(">=5"), Alternative::Ge("5".into()));
        assert_eq!(alt("> 5"), Alternative::Gt("5".into()));
        assert_eq!(alt("<=  5"), Alternative::Le("5".into()));
        assert_eq!(alt("<5"), Alternative::Lt("5".into()));
        assert_eq!(alt("!5"), Alternative::Ne("5".into()));
        assert_eq!(alt("null"), Alternative::IsNull);
        assert_eq!(alt("!null"), Alternative::NotNull);
        assert_eq!(alt("! null"), Alternative::NotNull);
        assert_eq!(alt("a*"), Alternative::Like("a*".into()));
        assert_eq!(alt("!*-01"), Alternative::NotLike("*-01".into()));
        // A wildcard only in equality; `<` with `*` is a literal.
        assert_eq!(alt("<a*"), Alternative::Lt("a*".into()));
        // No trimming without an operator.
        assert_eq!(alt(" a"), Alternative::Eq(" a".into()));
        assert_eq!(alt("nullx"), Alternative::Eq("nullx".into()));
        assert_eq!(alt(""), Alternative::Eq(String::new()));
        assert_eq!(alt("=x"), Alternative::Eq("=x".into()));
    }

    #[test]
    fn parse_reads_reserved_keys_and_sorts_filters() {
        let q = Query::parse(
            "name=esx*&hypervisor_type=ESX&size=%3E1&size=%3C9&node_count=2&fields=id,name\
             &poll_timeout=120&max_records=0",
        )
        .unwrap();
        assert_eq!(
            q.filters,
            [
                (
                    "hypervisor_type".into(),
                    vec![Alternative::Eq("ESX".into())]
                ),
                ("name".into(), vec![Alternative::Like("esx*".into())]),
                ("size".into(), vec![Alternative::Gt("1".into())]),
                ("size".into(), vec![Alternative::Lt("9".into())]),
            ]
        );
        assert_eq!(q.fields, Fields::List(vec!["id".into(), "name".into()]));
        assert_eq!((q.poll_timeout, q.max_records), (Some(120), Some(0)));
        assert_eq!(q.reserved("node_count"), Some("2"));
        assert_eq!(q.reserved("inhibit_rollback"), None);
    }

    #[test]
    fn refusals() {
        for (raw, error) in [
            ("a", QueryError::NoEquals("a".into())),
            ("=1", QueryError::EmptyKey("=1".into())),
            (
                "fields=id, name",
                QueryError::BadFields {
                    value: "id, name".into(),
                },
            ),
            (
                "fields=id,%20name",
                QueryError::BadFields {
                    value: "id, name".into(),
                },
            ),
            (
                "fields=",
                QueryError::BadFields {
                    value: String::new(),
                },
            ),
            (
                "fields=id,,name",
                QueryError::BadFields {
                    value: "id,,name".into(),
                },
            ),
            (
                "fields=*,name",
                QueryError::BadFields {
                    value: "*,name".into(),
                },
            ),
            ("fields=*&fields=**", QueryError::Repeated("fields".into())),
            (
                "order_by=name%20up",
                QueryError::BadOrderBy {
                    item: "name up".into(),
                },
            ),
            (
                "order_by=name,",
                QueryError::BadOrderBy {
                    item: String::new(),
                },
            ),
            (
                "order_by=a%20asc%20b",
                QueryError::BadOrderBy {
                    item: "a asc b".into(),
                },
            ),
            ("max_records=-1", QueryError::BadMaxRecords("-1".into())),
            ("max_records=abc", QueryError::BadMaxRecords("abc".into())),
            ("max_records=%2B1", QueryError::BadMaxRecords("+1".into())),
            (
                "max_records=99999999999",
                QueryError::BadMaxRecords("99999999999".into()),
            ),
            ("poll_timeout=0", QueryError::BadPollTimeout("0".into())),
            ("poll_timeout=121", QueryError::BadPollTimeout("121".into())),
            ("poll_timeout=", QueryError::BadPollTimeout(String::new())),
        ] {
            assert_eq!(Query::parse(raw), Err(error), "{raw}");
        }
        assert!(matches!(
            Query::parse("a=%zz"),
            Err(QueryError::Decode { .. })
        ));
        assert!(matches!(
            Query::parse("a=%FF"),
            Err(QueryError::Decode { .. })
        ));
        // `+` is a literal plus, so `name+asc` is one (unknown) field name.
        let q = Query::parse("order_by=name+asc").unwrap();
        assert_eq!(q.order_by, [("name+asc".to_owned(), Direction::Asc)]);
        let schema = Schema {
            fields: &["id", "name", "nodes"],
            defaults: &["id", "name"],
            expensive: &["nodes"],
        };
        let error = q.check(&schema).unwrap_err();
        assert_eq!(error.unknown_field(), Some("name+asc"));
        assert!(error.to_string().contains("order_by"));
        let error = Query::parse("fields=nosuchfield")
            .unwrap()
            .check(&schema)
            .unwrap_err();
        assert!(error.to_string().contains("\"nosuchfield\""), "{error}");
        assert!(Query::parse("bogus=1").unwrap().check(&schema).is_err());
        assert!(
            Query::parse("nodes.serial_number=1&fields=nodes.id&order_by=name%20desc")
                .unwrap()
                .check(&schema)
                .is_ok()
        );
    }

    fn cluster(name: &str, capacity: u64, time: &str, serials: &[&str]) -> Value {
        let nodes: Vec<Value> = serials
            .iter()
            .map(|s| json!({"id": format!("n-{s}"), "serial_number": s}))
            .collect();
        json!({"id": name, "name": name, "capacity": capacity, "time": time, "nodes": nodes,
               "state": "powered_on", "unset": null})
    }

    #[test]
    fn evaluation() {
        let a = cluster("clus-a", 1_099_511_627_776, T, &["320000001", "320000002"]);
        let b = cluster("other-01", 2_199_023_255_552, "2024-01-01T00:00:00Z", &[]);
        let check = |raw: &str, record: &Value| Query::parse(raw).unwrap().matches(record);
        assert!(check("nodes.serial_number=320000002", &a));
        assert!(!check("nodes.serial_number=320000002", &b));
        assert!(check("nodes.serial_number=null", &b));
        assert!(check("nodes.serial_number=!null", &a));
        assert!(check("capacity=%3C=2199023255552", &b));
        assert!(!check("capacity=%3C2199023255552", &b));
        // Numbers by value, not as text.
        assert!(check("capacity=%3E999", &a));
        assert!(check("capacity=1099511627776.0", &a));
        // Timestamps by time, offsets included.
        assert!(check("time=%3E2019-04-04T15:41:29.140264Z", &a));
        assert!(check("time=2019-04-04T17:41:29.140265%2B02:00", &a));
        assert!(check("time=%3E=2024-01-01T00:00:00%2B00:00", &b));
        assert!(!check("time=%3E2024-01-01T00:00:00%2B00:00", &b));
        // Wildcards, negation per alternative, OR, AND.
        assert!(check("name=clus*", &a) && !check("name=clus*", &b));
        assert!(check("name=*-01", &b));
        assert!(check("name=!clus*", &b) && !check("name=!clus*", &a));
        assert!(check("name=x|clus-a", &a));
        assert!(check("name=!clus-a|clus-a", &a));
        assert!(!check("name=clus*&capacity=2199023255552", &a));
        assert!(check("state=!powered_off", &a));
        // Unset fields match only null.
        assert!(check("unset=null&missing=null", &a));
        assert!(!check("missing=!x", &a));
        assert!(!check("missing=%3C1", &a));
        // Case-sensitive.
        assert!(!check("name=CLUS-A", &a));
        // A number against text never matches a range.
        assert!(!check("capacity=%3Eabc", &a));
    }

    #[test]
    fn order_limit_and_projection() {
        let schema = Schema {
            fields: &["id", "name", "capacity", "time", "nodes", "state", "unset"],
            defaults: &["id", "name"],
            expensive: &["nodes"],
        };
        let records = vec![
            cluster("b", 2, T, &["1"]),
            cluster("a", 10, T, &[]),
            cluster("c", 2, T, &[]),
        ];
        let run = |raw: &str| Query::parse(raw).unwrap().apply(records.clone(), &schema);
        let names = |records: Vec<Value>| -> Vec<String> {
            records
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(names(run("order_by=capacity%20desc,name")), ["a", "b", "c"]);
        assert_eq!(names(run("order_by=capacity,name%20desc")), ["c", "b", "a"]);
        assert_eq!(names(run("order_by=name&max_records=2")), ["a", "b"]);
        assert!(run("max_records=0").is_empty());
        assert_eq!(run("name=a")[0], json!({"id": "a", "name": "a"}));
        let cheap = &run("name=b&fields=*")[0];
        assert!(cheap.get("nodes").is_none() && cheap.get("capacity").is_some());
        assert!(run("name=b&fields=**")[0].get("nodes").is_some());
        assert_eq!(
            run("name=b&fields=nodes.serial_number,state")[0],
            json!({"id": "b", "state": "powered_on", "nodes": [{"serial_number": "1"}]})
        );
        assert_eq!(run("name=b&fields=missing.x")[0], json!({"id": "b"}));
    }

    #[test]
    fn wildcards() {
        for (p, t, m) in [
            ("*", "", true),
            ("a*", "a", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbb", false),
            ("*b*", "abc", true),
            ("**", "x", true),
            ("a*b*c", "aXbYbZc", true),
            ("ä*", "äö", true),
            ("abc", "abc", true),
            ("abc", "abcd", false),
        ] {
            assert_eq!(wildcard(p, t), m, "{p} {t}");
        }
    }

    proptest! {
        #[test]
        fn parsing_anything_never_panics(raw in "\\PC{0,60}") {
            if let Ok(q) = Query::parse(&raw) {
                let record = json!({"a": [1, {"b": "x"}], "name": "y", "t": T});
                let _ = q.matches(&record);
                let schema = Schema { fields: &["a", "name", "t"], defaults: &["name"], expensive: &[] };
                let _ = q.check(&schema);
                let _ = q.apply(vec![record.clone(), json!(null), json!({"name": 1})], &schema);
            }
        }

        #[test]
        fn query_alphabet_never_panics(raw in "[a-z=&|!<>*%2C3EDA0 .,+-]{0,40}") {
            if let Ok(q) = Query::parse(&raw) {
                let _ = q.matches(&json!({"a": 1, "b": "2019-04-04T15:41:29Z"}));
            }
        }

        #[test]
        fn wildcard_never_panics_and_star_matches_all(p in "[a*]{0,12}", t in "[ab]{0,12}") {
            let _ = wildcard(&p, &t);
            prop_assert!(wildcard("*", &t));
            prop_assert!(wildcard(&t, &t));
        }
    }
}
