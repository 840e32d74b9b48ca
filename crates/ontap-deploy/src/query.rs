//! The query grammar of GET calls (reference §4): filters with the operator after the
//! `=`, `fields`, `order_by`, `max_records`, and endpoint parameters.
//!
//! [`Query::encode`] gives the canonical query string of reference §4.4 (without `?`),
//! for `Request::raw_query`:
//! - parts come out **in the order they were added**: filters, `fields`, `order_by`,
//!   `max_records` and parameters interleave as the caller wrote them, so both
//!   `time=%3E{T}&max_records=10` (Q03) and
//!   `fields=state,message,last_modified&poll_timeout=120&last_modified=%3E={T}` (Q17)
//!   come out as written. Setting `fields`, `max_records` or a parameter again replaces
//!   the value in place; `order_by` keys accumulate in the first `order_by`'s place;
//! - keys are sent raw and must be field paths, `[A-Za-z0-9_.]+` (dots for nested fields
//!   such as `nodes.serial_number`, no empty segment);
//! - a filter value is the operator prefix (`!`, `<`, `<=`, `>`, `>=`, none) and the
//!   operand, encoded with [`QueryStyle::Rfc3986`]: `A-Z a-z 0-9 - . _ ~ ! * , : =` stay
//!   raw, everything else is percent-encoded (`>=` → `%3E=`, `|` → `%7C`, space → `%20`,
//!   `+` → `%2B`, `@` → `%40`);
//! - `fields=a,b` and `order_by=type%20desc,id%20asc` keep their commas raw.
//!
//! Deploy has no escape for a literal `*` or `|` in a value, and it reads a leading
//! operator or the `null` keyword in any value (reference §4.3). So a value that would be
//! read as something else is refused with [`OntapError::InvalidQuery`] naming the field,
//! before anything is sent:
//! - any operand of `Eq`, `Ne`, `Lt`, `Le`, `Gt`, `Ge` and `AnyOf` containing `*` or
//!   `|`; a `Like` pattern containing `|` (its `*` is the wildcard);
//! - an operand (a pattern, an alternative) starting with `<`, `>`, `!` or `=`, or equal
//!   to `null` in any case (`Ne("null")` would send `!null`);
//! - an operand after an operator starting with white space (Deploy's own example,
//!   `time=> 2019…`, shows the server trimming it);
//! - an empty operand, an empty `AnyOf`, an empty field list (use [`Fields::Keys`]);
//! - `max_records(0)`: what Deploy does with 0 is UNKNOWN (reference §4.4), and a
//!   query for no record at all has no use;
//! - a filter on a reserved key (`fields`, `order_by`, `max_records`, `poll_timeout`,
//!   `node_count`, `inhibit_rollback`, `invalidate_cache`), and a [`Query::param`] named
//!   `fields`, `order_by` or `max_records` (they have their own methods);
//! - `poll_timeout` outside 1–120 (S2), `node_count` other than 1, 2, 4, 6, 8, 10, 12,
//!   and `inhibit_rollback` / `invalidate_cache` other than `true` / `false`.
//!
//! Values with spaces, `@`, `+` or non-ASCII text are fine: they are percent-encoded.
//! Other parameter values are encoded but not checked: they are not filters.
//!
//! ```
//! use storkit_ontap_deploy::query::{Fields, Order, Query};
//!
//! let q = Query::new()
//!     .eq("hypervisor_type", "ESX")
//!     .like("name", "esx*")
//!     .field_list(["id", "name"])
//!     .order_by("name", Order::Asc)
//!     .max_records(20);
//! assert_eq!(
//!     q.encode()?,
//!     "hypervisor_type=ESX&name=esx*&fields=id,name&order_by=name%20asc&max_records=20"
//! );
//!
//! // The job long poll (reference §5), exactly as §4.4 Q17 writes it.
//! let poll = Query::new()
//!     .field_list(["state", "message", "last_modified"])
//!     .param("poll_timeout", 120)
//!     .ge("last_modified", "2019-04-04T15:41:29.140265Z");
//! assert_eq!(
//!     poll.encode()?,
//!     "fields=state,message,last_modified&poll_timeout=120&last_modified=%3E=2019-04-04T15:41:29.140265Z"
//! );
//!
//! // A `|` in an exact match would be read as OR: refused, naming the field.
//! let err = Query::new().eq("name", "a|b").encode().unwrap_err();
//! assert!(err.to_string().contains("name"));
//! # Ok::<(), storkit_ontap_deploy::OntapError>(())
//! ```

use std::fmt;

use storkit_core::QueryStyle;

use crate::error::OntapError;
use crate::model::NodeCount;

/// A filter operator and its operand (reference §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// Equal to: `f=v`.
    Eq(String),
    /// Not equal to: `f=!v`.
    Ne(String),
    /// Less than: `f=<v`.
    Lt(String),
    /// Less than or equal to: `f=<=v`.
    Le(String),
    /// Greater than: `f=>v`.
    Gt(String),
    /// Greater than or equal to: `f=>=v`.
    Ge(String),
    /// A pattern where `*` is the greedy wildcard: `f=ab*`.
    Like(String),
    /// Any of the values (OR): `f=a|b`.
    AnyOf(Vec<String>),
    /// The field is not set: `f=null`.
    IsNull,
    /// The field is set: `f=!null`.
    NotNull,
}

impl Op {
    /// The operator prefix as Deploy reads it (`""` for `Eq`, `Like`, `AnyOf` and the
    /// keywords).
    pub fn prefix(&self) -> &'static str {
        match self {
            Op::Ne(_) => "!",
            Op::Lt(_) => "<",
            Op::Le(_) => "<=",
            Op::Gt(_) => ">",
            Op::Ge(_) => ">=",
            Op::Eq(_) | Op::Like(_) | Op::AnyOf(_) | Op::IsNull | Op::NotNull => "",
        }
    }

    /// The value as the server reads it once percent-decoded: the prefix and the operand
    /// (`>=2024`, `a|b`, `!null`).
    pub fn raw_value(&self) -> String {
        match self {
            Op::Eq(v) | Op::Like(v) => v.clone(),
            Op::Ne(v) | Op::Lt(v) | Op::Le(v) | Op::Gt(v) | Op::Ge(v) => {
                format!("{}{v}", self.prefix())
            }
            Op::AnyOf(values) => values.join("|"),
            Op::IsNull => "null".to_owned(),
            Op::NotNull => "!null".to_owned(),
        }
    }

    /// Checks the operand for `field` (see the [module docs](self)).
    pub fn validate(&self, field: &str) -> Result<(), OntapError> {
        match self {
            Op::Eq(v) => check_operand(field, v, false, false),
            Op::Ne(v) | Op::Lt(v) | Op::Le(v) | Op::Gt(v) | Op::Ge(v) => {
                check_operand(field, v, false, true)
            }
            Op::Like(v) => check_operand(field, v, true, false),
            Op::AnyOf(values) => {
                if values.is_empty() {
                    return Err(OntapError::invalid_query(
                        field,
                        "AnyOf needs at least one value",
                    ));
                }
                values
                    .iter()
                    .try_for_each(|v| check_operand(field, v, false, false))
            }
            Op::IsNull | Op::NotNull => Ok(()),
        }
    }
}

fn check_operand(
    field: &str,
    value: &str,
    wildcard: bool,
    after_operator: bool,
) -> Result<(), OntapError> {
    let refuse = |reason: String| Err(OntapError::invalid_query(field, reason));
    if value.is_empty() {
        return refuse(
            "an empty value has no defined meaning in a filter (use IsNull for an unset field)"
                .into(),
        );
    }
    if value.contains('|') {
        return refuse(
            "a value cannot contain '|': Deploy reads it as OR and has no escape for it \
             (use AnyOf for OR; send a literal '|' through a raw query)"
                .into(),
        );
    }
    if !wildcard && value.contains('*') {
        return refuse(
            "a value cannot contain '*': Deploy reads it as a wildcard and has no escape \
             for it (use Like for a pattern; send a literal '*' through a raw query)"
                .into(),
        );
    }
    if let Some(c) = value.chars().next()
        && matches!(c, '<' | '>' | '!' | '=')
    {
        return refuse(format!(
            "a value cannot start with '{c}': Deploy would read it as an operator \
             (use the Op variant for the comparison)"
        ));
    }
    if value.eq_ignore_ascii_case("null") {
        return refuse("'null' is the keyword for an unset field (use IsNull or NotNull)".into());
    }
    if after_operator && value.starts_with(char::is_whitespace) {
        return refuse(
            "a value after an operator cannot start with white space: Deploy trims it".into(),
        );
    }
    Ok(())
}

/// Which fields a GET returns (reference §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Fields {
    /// The key fields only: no `fields` parameter (the default).
    #[default]
    Keys,
    /// The inexpensive fields: `fields=*`.
    Cheap,
    /// All fields: `fields=**`.
    All,
    /// The fields named: `fields=a,b` (nested ones with dots).
    List(Vec<String>),
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Ascending: `asc`.
    Asc,
    /// Descending: `desc`.
    Desc,
}

impl Order {
    /// `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keys the server reads as parameters, never as filters (reference §4.3, mock parser
/// step 4).
pub const RESERVED_KEYS: &[&str] = &[
    "fields",
    "order_by",
    "max_records",
    "poll_timeout",
    "node_count",
    "inhibit_rollback",
    "invalidate_cache",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Filter(String, Op),
    Fields(Fields),
    OrderBy(Vec<(String, Option<Order>)>),
    MaxRecords(u32),
    Param(String, String),
}

/// A GET query: filters, field selection, order, record limit and endpoint parameters,
/// encoded in the order given. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    parts: Vec<Part>,
}

impl Query {
    /// An empty query (key fields, no filter).
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds a filter. Several filters are ANDed, on the same field too
    /// (`size=>1&size=<9`).
    pub fn filter(mut self, field: impl Into<String>, op: Op) -> Self {
        self.parts.push(Part::Filter(field.into(), op));
        self
    }

    /// `field=value`.
    pub fn eq(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Eq(value.into()))
    }

    /// `field=!value`.
    pub fn ne(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Ne(value.into()))
    }

    /// `field=<value`.
    pub fn lt(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Lt(value.into()))
    }

    /// `field=<=value`.
    pub fn le(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Le(value.into()))
    }

    /// `field=>value`.
    pub fn gt(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Gt(value.into()))
    }

    /// `field=>=value`.
    pub fn ge(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.filter(field, Op::Ge(value.into()))
    }

    /// `field=pattern`, `*` being the greedy wildcard.
    pub fn like(self, field: impl Into<String>, pattern: impl Into<String>) -> Self {
        self.filter(field, Op::Like(pattern.into()))
    }

    /// `field=a|b|…`.
    pub fn any_of<I, S>(self, field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.filter(
            field,
            Op::AnyOf(values.into_iter().map(Into::into).collect()),
        )
    }

    /// `field=null`: the field is not set.
    pub fn is_null(self, field: impl Into<String>) -> Self {
        self.filter(field, Op::IsNull)
    }

    /// `field=!null`: the field is set.
    pub fn not_null(self, field: impl Into<String>) -> Self {
        self.filter(field, Op::NotNull)
    }

    /// Selects the fields returned; a second call replaces the first in place.
    pub fn fields(mut self, fields: Fields) -> Self {
        match self.parts.iter_mut().find(|p| matches!(p, Part::Fields(_))) {
            Some(part) => *part = Part::Fields(fields),
            None => self.parts.push(Part::Fields(fields)),
        }
        self
    }

    /// Selects the fields named: `fields=a,b`.
    pub fn field_list<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields(Fields::List(names.into_iter().map(Into::into).collect()))
    }

    fn push_order(mut self, field: String, order: Option<Order>) -> Self {
        match self.parts.iter_mut().find_map(|p| match p {
            Part::OrderBy(keys) => Some(keys),
            _ => None,
        }) {
            Some(keys) => keys.push((field, order)),
            None => self.parts.push(Part::OrderBy(vec![(field, order)])),
        }
        self
    }

    /// Adds a sort key with its direction: `order_by=field%20desc`. Keys accumulate, the
    /// first one sorting first.
    pub fn order_by(self, field: impl Into<String>, order: Order) -> Self {
        self.push_order(field.into(), Some(order))
    }

    /// Adds a sort key without a direction (ascending, reference §4.2): `order_by=field`.
    pub fn order_by_field(self, field: impl Into<String>) -> Self {
        self.push_order(field.into(), None)
    }

    /// Returns at most `n` records (`max_records=n`); a second call replaces the first
    /// in place. 0 is refused by [`validate`](Query::validate).
    pub fn max_records(mut self, n: u32) -> Self {
        match self
            .parts
            .iter_mut()
            .find(|p| matches!(p, Part::MaxRecords(_)))
        {
            Some(part) => *part = Part::MaxRecords(n),
            None => self.parts.push(Part::MaxRecords(n)),
        }
        self
    }

    /// Sets an endpoint parameter (`node_count`, `inhibit_rollback`, `invalidate_cache`,
    /// `poll_timeout`, or any other key Deploy takes, such as `return_records`); the
    /// value is percent-encoded but not read as a filter. Setting a key again replaces
    /// its value in place.
    pub fn param(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        let key = key.into();
        let value = value.to_string();
        match self
            .parts
            .iter_mut()
            .find(|p| matches!(p, Part::Param(k, _) if *k == key))
        {
            Some(part) => *part = Part::Param(key, value),
            None => self.parts.push(Part::Param(key, value)),
        }
        self
    }

    /// True when the query encodes to nothing (no part, or only [`Fields::Keys`]).
    pub fn is_empty(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, Part::Fields(Fields::Keys)))
    }

    /// The filters, in the order given.
    pub fn filters(&self) -> impl Iterator<Item = (&str, &Op)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Filter(f, op) => Some((f.as_str(), op)),
            _ => None,
        })
    }

    /// The field selection ([`Fields::Keys`] when none was set).
    pub fn selected_fields(&self) -> &Fields {
        self.parts
            .iter()
            .find_map(|p| match p {
                Part::Fields(f) => Some(f),
                _ => None,
            })
            .unwrap_or(&Fields::Keys)
    }

    /// The record limit, when set.
    pub fn record_limit(&self) -> Option<u32> {
        self.parts.iter().find_map(|p| match p {
            Part::MaxRecords(n) => Some(*n),
            _ => None,
        })
    }

    /// The value of an endpoint parameter, when set.
    pub fn param_value(&self, key: &str) -> Option<&str> {
        self.parts.iter().find_map(|p| match p {
            Part::Param(k, v) if k == key => Some(v.as_str()),
            _ => None,
        })
    }

    /// Checks every part (see the [module docs](self)); the error names the field or
    /// parameter.
    pub fn validate(&self) -> Result<(), OntapError> {
        for part in &self.parts {
            match part {
                Part::Filter(field, op) => {
                    check_path(field, field)?;
                    if RESERVED_KEYS.contains(&field.as_str()) {
                        return Err(OntapError::invalid_query(
                            field,
                            "this key is a parameter, not a filter (use Query::fields, \
                             order_by, max_records or param)",
                        ));
                    }
                    op.validate(field)?;
                }
                Part::Fields(Fields::List(names)) => {
                    if names.is_empty() {
                        return Err(OntapError::invalid_query(
                            "fields",
                            "an empty field list (use Fields::Keys for the key fields)",
                        ));
                    }
                    for name in names {
                        check_path("fields", name)?;
                    }
                }
                Part::Fields(_) => {}
                Part::OrderBy(keys) => {
                    for (name, _) in keys {
                        check_path("order_by", name)?;
                    }
                }
                Part::MaxRecords(0) => {
                    return Err(OntapError::invalid_query(
                        "max_records",
                        "must be at least 1 (what Deploy does with 0 is unknown)",
                    ));
                }
                Part::MaxRecords(_) => {}
                Part::Param(key, value) => check_param(key, value)?,
            }
        }
        Ok(())
    }

    /// The canonical query string (without `?`), after [`validate`](Query::validate).
    pub fn encode(&self) -> Result<String, OntapError> {
        self.validate()?;
        let style = QueryStyle::Rfc3986;
        let mut out = String::new();
        for part in &self.parts {
            let start = out.len();
            if start > 0 {
                out.push('&');
            }
            match part {
                Part::Filter(field, op) => {
                    out.push_str(field);
                    out.push('=');
                    style.encode_into(&op.raw_value(), &mut out);
                }
                Part::Fields(Fields::Keys) => out.truncate(start),
                Part::Fields(Fields::Cheap) => out.push_str("fields=*"),
                Part::Fields(Fields::All) => out.push_str("fields=**"),
                Part::Fields(Fields::List(names)) => {
                    out.push_str("fields=");
                    out.push_str(&names.join(","));
                }
                Part::OrderBy(keys) => {
                    out.push_str("order_by=");
                    for (i, (name, order)) in keys.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(name);
                        if let Some(order) = order {
                            out.push_str("%20");
                            out.push_str(order.as_str());
                        }
                    }
                }
                Part::MaxRecords(n) => {
                    out.push_str("max_records=");
                    out.push_str(&n.to_string());
                }
                Part::Param(key, value) => {
                    out.push_str(key);
                    out.push('=');
                    style.encode_into(value, &mut out);
                }
            }
        }
        Ok(out)
    }
}

/// A field path: `[A-Za-z0-9_]+` segments joined by dots.
fn check_path(field: &str, path: &str) -> Result<(), OntapError> {
    let refuse = |reason: String| Err(OntapError::invalid_query(field, reason));
    if path.is_empty() {
        return refuse("an empty field name".into());
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
    {
        return refuse(format!(
            "field name {path:?} contains {c:?}: a field path is letters, digits, '_' and '.'"
        ));
    }
    if path.split('.').any(str::is_empty) {
        return refuse(format!("field name {path:?} has an empty segment"));
    }
    Ok(())
}

fn check_param(key: &str, value: &str) -> Result<(), OntapError> {
    check_path(key, key)?;
    let refuse = |reason: &str| Err(OntapError::invalid_query(key, reason));
    match key {
        "fields" | "order_by" | "max_records" => {
            refuse("use Query::fields, order_by or max_records for this parameter")
        }
        "poll_timeout" => match value.parse::<u32>() {
            Ok(1..=120) => Ok(()),
            _ => refuse("poll_timeout is a number of seconds from 1 to 120"),
        },
        "node_count" => match value.parse::<u8>() {
            Ok(n) if NodeCount::ALLOWED.contains(&n) => Ok(()),
            _ => refuse("node_count is 1, 2, 4, 6, 8, 10 or 12"),
        },
        "inhibit_rollback" | "invalidate_cache" => match value {
            "true" | "false" => Ok(()),
            _ => refuse("the value is true or false"),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const T: &str = "2019-04-04T15:41:29.140265Z";

    /// Reference §4.4, the canonical column, Q01–Q22.
    #[test]
    fn fixtures_canonical_strings() {
        let t = |s: &str| s.replace("{T}", T);
        let table: Vec<(&str, Query, String)> = vec![
            (
                "Q01",
                Query::new().eq("name", "my_cluster"),
                t("name=my_cluster"),
            ),
            (
                "Q02",
                Query::new().eq("nodes.serial_number", "320000001"),
                t("nodes.serial_number=320000001"),
            ),
            (
                "Q03",
                Query::new().gt("time", T).max_records(10),
                t("time=%3E{T}&max_records=10"),
            ),
            (
                "Q04",
                Query::new().ge("last_modified", T),
                t("last_modified=%3E={T}"),
            ),
            (
                "Q05",
                Query::new().le("capacity", "2199023255552"),
                t("capacity=%3C=2199023255552"),
            ),
            (
                "Q06",
                Query::new().lt("capacity", "1099511627776"),
                t("capacity=%3C1099511627776"),
            ),
            (
                "Q07",
                Query::new().ne("state", "powered_on"),
                t("state=!powered_on"),
            ),
            (
                "Q08",
                Query::new().any_of("state", ["queued", "running"]),
                t("state=queued%7Crunning"),
            ),
            ("Q09a", Query::new().like("name", "clus*"), t("name=clus*")),
            ("Q09b", Query::new().like("name", "*-01"), t("name=*-01")),
            (
                "Q10",
                Query::new().is_null("serial_number"),
                t("serial_number=null"),
            ),
            (
                "Q11",
                Query::new().not_null("serial_number"),
                t("serial_number=!null"),
            ),
            (
                "Q12",
                Query::new().field_list(["id", "name", "state"]),
                t("fields=id,name,state"),
            ),
            ("Q13a", Query::new().fields(Fields::Cheap), t("fields=*")),
            ("Q13b", Query::new().fields(Fields::All), t("fields=**")),
            (
                "Q14",
                Query::new().order_by("name", Order::Asc),
                t("order_by=name%20asc"),
            ),
            (
                "Q15",
                Query::new()
                    .order_by("type", Order::Desc)
                    .order_by("id", Order::Asc),
                t("order_by=type%20desc,id%20asc"),
            ),
            (
                "Q16",
                Query::new().order_by_field("name"),
                t("order_by=name"),
            ),
            (
                "Q17",
                Query::new()
                    .field_list(["state", "message", "last_modified"])
                    .param("poll_timeout", 120)
                    .ge("last_modified", T),
                t("fields=state,message,last_modified&poll_timeout=120&last_modified=%3E={T}"),
            ),
            (
                "Q18",
                Query::new().eq("username", "administrator@vsphere.local"),
                t("username=administrator%40vsphere.local"),
            ),
            (
                "Q19",
                Query::new().eq("name", "ONTAP Data"),
                t("name=ONTAP%20Data"),
            ),
            (
                "Q20",
                Query::new().ge("last_modified", "2024-01-01T00:00:00+00:00"),
                t("last_modified=%3E=2024-01-01T00:00:00%2B00:00"),
            ),
            (
                "Q21",
                Query::new()
                    .eq("hypervisor_type", "ESX")
                    .like("name", "esx*"),
                t("hypervisor_type=ESX&name=esx*"),
            ),
            (
                "Q22a",
                Query::new().param("node_count", 2),
                t("node_count=2"),
            ),
            (
                "Q22b",
                Query::new().param("inhibit_rollback", false),
                t("inhibit_rollback=false"),
            ),
            (
                "Q22c",
                Query::new().param("invalidate_cache", true),
                t("invalidate_cache=true"),
            ),
        ];
        for (id, query, expected) in table {
            assert_eq!(query.encode().as_deref(), Ok(expected.as_str()), "{id}");
            // What the core sends for it, byte for byte.
            let request = storkit_core::Request::get("/x").raw_query(&expected);
            assert_eq!(request.query_string(), expected, "{id}");
        }
    }

    #[test]
    fn order_and_replacement() {
        let q = Query::new()
            .max_records(5)
            .eq("a", "1")
            .fields(Fields::Cheap)
            .order_by("x", Order::Desc)
            .param("p", "v w")
            .max_records(7)
            .fields(Fields::All)
            .order_by_field("y")
            .param("p", "z");
        assert_eq!(
            q.encode().unwrap(),
            "max_records=7&a=1&fields=**&order_by=x%20desc,y&p=z"
        );
        assert_eq!(q.record_limit(), Some(7));
        assert_eq!(q.selected_fields(), &Fields::All);
        assert_eq!(q.param_value("p"), Some("z"));
        assert_eq!(q.filters().count(), 1);
        // Keys emits nothing, wherever it stands.
        let q = Query::new().eq("a", "1").fields(Fields::Keys).eq("b", "2");
        assert_eq!(q.encode().unwrap(), "a=1&b=2");
        let q = Query::new().fields(Fields::Keys).eq("b", "2");
        assert_eq!(q.encode().unwrap(), "b=2");
        assert!(Query::new().fields(Fields::Keys).is_empty());
        assert_eq!(Query::new().fields(Fields::Keys).encode().unwrap(), "");
        assert!(!Query::new().eq("a", "1").is_empty());
        // Repeated filters on one key are ANDed, so both stay.
        let q = Query::new().gt("size", "1").lt("size", "9");
        assert_eq!(q.encode().unwrap(), "size=%3E1&size=%3C9");
    }

    fn refused(q: Query) -> (String, String) {
        match q.encode() {
            Err(OntapError::InvalidQuery { field, reason }) => (field, reason),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let cases: Vec<(Query, &str)> = vec![
            (Query::new().eq("name", "a*"), "name"),
            (Query::new().eq("name", "a|b"), "name"),
            (Query::new().ne("name", "a*"), "name"),
            (Query::new().ge("t", "1|2"), "t"),
            (Query::new().any_of("state", ["a", "b*"]), "state"),
            (Query::new().any_of("state", ["a", "!b"]), "state"),
            (Query::new().any_of("state", Vec::<String>::new()), "state"),
            (Query::new().like("name", "a|b*"), "name"),
            (Query::new().like("name", "!a*"), "name"),
            (Query::new().eq("name", "<a"), "name"),
            (Query::new().eq("name", ">a"), "name"),
            (Query::new().eq("name", "!a"), "name"),
            (Query::new().eq("name", "=a"), "name"),
            (Query::new().eq("name", "null"), "name"),
            (Query::new().eq("name", "NULL"), "name"),
            (Query::new().eq("name", "!null"), "name"),
            (Query::new().ne("name", "null"), "name"),
            (Query::new().lt("capacity", "=5"), "capacity"),
            (Query::new().gt("capacity", "=5"), "capacity"),
            (Query::new().ge("time", " 2019"), "time"),
            (Query::new().eq("name", ""), "name"),
            (Query::new().eq("na me", "x"), "na me"),
            (Query::new().eq("a,b", "x"), "a,b"),
            (Query::new().eq("a..b", "x"), "a..b"),
            (Query::new().eq(".a", "x"), ".a"),
            (Query::new().eq("", "x"), ""),
            (Query::new().eq("fields", "x"), "fields"),
            (Query::new().eq("poll_timeout", "5"), "poll_timeout"),
            (Query::new().field_list(Vec::<String>::new()), "fields"),
            (Query::new().field_list(["id", "na me"]), "fields"),
            (Query::new().field_list(["id,name"]), "fields"),
            (Query::new().field_list(["*"]), "fields"),
            (Query::new().order_by("name asc", Order::Asc), "order_by"),
            (Query::new().max_records(0), "max_records"),
            (Query::new().param("poll_timeout", 0), "poll_timeout"),
            (Query::new().param("poll_timeout", 121), "poll_timeout"),
            (Query::new().param("node_count", 3), "node_count"),
            (
                Query::new().param("inhibit_rollback", "yes"),
                "inhibit_rollback",
            ),
            (Query::new().param("fields", "*"), "fields"),
            (Query::new().param("a&b", "1"), "a&b"),
        ];
        for (q, field) in cases {
            let debug = format!("{q:?}");
            let (got, reason) = refused(q);
            assert_eq!(got, field, "{debug}: {reason}");
        }
    }

    #[test]
    fn accepted_edge_values() {
        let q = Query::new()
            .eq("name", "a b+c&d#e%f")
            .eq("x", "ü")
            .ne("state", "a!b")
            .eq("y", "a=b")
            .like("n", "*")
            .any_of("s", ["only"])
            .eq("z", " lead")
            .eq("w", "nullable")
            .param("return_records", "a|b*");
        assert_eq!(
            q.encode().unwrap(),
            "name=a%20b%2Bc%26d%23e%25f&x=%C3%BC&state=!a!b&y=a=b&n=*&s=only&z=%20lead&w=nullable&return_records=a%7Cb*"
        );
        for n in [1, 2, 4, 6, 8, 10, 12] {
            assert!(Query::new().param("node_count", n).validate().is_ok());
        }
        assert!(Query::new().param("poll_timeout", 1).validate().is_ok());
    }
}
