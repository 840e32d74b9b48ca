//! The query grammar's shared fixtures (reference §4.4), one file for both sides: a
//! client's encoder must produce each row's `canonical` string from its `meaning`, and the
//! mock's parser maps `canonical` and every `also` string to that meaning.
//!
//! ```
//! use storkit_ontap_deploy_mock::fixtures::query_fixtures;
//! use storkit_ontap_deploy_mock::query::Query;
//!
//! let fixtures = query_fixtures()?;
//! for row in &fixtures.queries {
//!     let meaning = row.meaning.to_query().expect("a valid meaning");
//!     assert_eq!(Query::parse(&row.canonical)?, meaning, "{}", row.id);
//!     for also in &row.also {
//!         assert_eq!(Query::parse(also)?, meaning, "{} {also}", row.id);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Format
//! `{"timestamp", "queries": [row…], "negatives": [negative…]}` where a row is
//! `{"id", "meaning", "canonical", "also": […], "src"}` and a meaning has any of
//! `filters` (`[{"field", "op", "value"?, "values"?}]`, ops `eq ne lt le gt ge like
//! not_like is_null not_null any_of`), `fields` (a list, or `"*"`, `"**"`), `order_by`
//! (`[[field, "asc"|"desc"]]`), `max_records`, `poll_timeout` and `params` (`[[key,
//! value]]` for `node_count`, `inhibit_rollback`, `invalidate_cache`). For example:
//!
//! ```json
//! {"id": "Q08", "meaning": {"filters": [{"field": "state", "op": "any_of",
//!  "values": ["queued", "running"]}]}, "canonical": "state=queued%7Crunning",
//!  "also": ["state=queued|running"], "src": "S1 S2"}
//! ```
//!
//! Rows the reference gives two meanings or canonical forms get a letter (`Q09a`, `Q09b`).
//! `Q17b` is S6's long poll, which asks for `state,message` only.

use serde::Deserialize;

use crate::query::{Alternative, Direction, Fields, Query};

/// `fixtures/queries.json`, verbatim.
pub const QUERY_FIXTURES: &str = include_str!("../fixtures/queries.json");

/// The whole fixture file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct QueryFixtures {
    /// The reference's `{T}`, already substituted in every row.
    pub timestamp: String,
    /// Rows the parser accepts.
    pub queries: Vec<QueryFixture>,
    /// Queries the mock refuses with 400.
    pub negatives: Vec<NegativeFixture>,
}

/// One accepted row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct QueryFixture {
    /// `Q01`…`Q22c`.
    pub id: String,
    /// What the query means.
    pub meaning: Meaning,
    /// The encoder's form (without `?`).
    pub canonical: String,
    /// Other spellings with the same meaning.
    pub also: Vec<String>,
    /// Where the form comes from (reference §1).
    pub src: String,
}

/// One refused case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NegativeFixture {
    /// `N01`…`N05`.
    pub id: String,
    /// Query strings, each refused on its own.
    pub queries: Vec<String>,
    /// Where to send them, under `/api/v3` (`{id}` stands for any job id).
    pub path: String,
    /// Text the 400's message contains.
    pub mentions: String,
    /// Why it is refused.
    pub why: String,
}

/// A query's meaning, in terms a client's query builder maps onto.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Meaning {
    /// Filters, ANDed.
    pub filters: Vec<FilterMeaning>,
    /// `fields`.
    pub fields: Option<FieldsMeaning>,
    /// `order_by` as (field, `asc`|`desc`).
    pub order_by: Vec<(String, String)>,
    /// `max_records`.
    pub max_records: Option<u32>,
    /// `poll_timeout`.
    pub poll_timeout: Option<u32>,
    /// Reserved endpoint parameters.
    pub params: Vec<(String, String)>,
}

/// One filter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FilterMeaning {
    /// The (dotted) field.
    pub field: String,
    /// `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `like`, `not_like`, `is_null`, `not_null` or
    /// `any_of`.
    pub op: String,
    /// The operand of a one-value op.
    #[serde(default)]
    pub value: Option<String>,
    /// The values of `any_of`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `fields` in a meaning.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FieldsMeaning {
    /// `"*"` or `"**"`.
    Set(String),
    /// Field names.
    List(Vec<String>),
}

impl FilterMeaning {
    /// The parser's alternatives for this filter.
    pub fn alternatives(&self) -> Result<Vec<Alternative>, String> {
        let value = || {
            self.value
                .clone()
                .ok_or_else(|| format!("filter on {} ({}) has no value", self.field, self.op))
        };
        Ok(vec![match self.op.as_str() {
            "eq" => Alternative::Eq(value()?),
            "ne" => Alternative::Ne(value()?),
            "lt" => Alternative::Lt(value()?),
            "le" => Alternative::Le(value()?),
            "gt" => Alternative::Gt(value()?),
            "ge" => Alternative::Ge(value()?),
            "like" => Alternative::Like(value()?),
            "not_like" => Alternative::NotLike(value()?),
            "is_null" => Alternative::IsNull,
            "not_null" => Alternative::NotNull,
            "any_of" => {
                return Ok(self.values.iter().cloned().map(Alternative::Eq).collect());
            }
            other => return Err(format!("unknown filter op {other:?}")),
        }])
    }
}

impl Meaning {
    /// The [`Query`] the parser must produce for this meaning.
    pub fn to_query(&self) -> Result<Query, String> {
        let mut query = Query::default();
        for filter in &self.filters {
            query
                .filters
                .push((filter.field.clone(), filter.alternatives()?));
        }
        query.filters.sort_by(|a, b| a.0.cmp(&b.0));
        query.fields = match &self.fields {
            None => Fields::Default,
            Some(FieldsMeaning::Set(set)) if set == "*" => Fields::Cheap,
            Some(FieldsMeaning::Set(set)) if set == "**" => Fields::All,
            Some(FieldsMeaning::Set(other)) => return Err(format!("unknown field set {other:?}")),
            Some(FieldsMeaning::List(names)) => Fields::List(names.clone()),
        };
        for (field, direction) in &self.order_by {
            let direction = match direction.as_str() {
                "asc" => Direction::Asc,
                "desc" => Direction::Desc,
                other => return Err(format!("unknown direction {other:?}")),
            };
            query.order_by.push((field.clone(), direction));
        }
        query.max_records = self.max_records;
        query.poll_timeout = self.poll_timeout;
        query.reserved = self.params.clone();
        Ok(query)
    }
}

/// [`QUERY_FIXTURES`], parsed.
pub fn query_fixtures() -> Result<QueryFixtures, serde_json::Error> {
    serde_json::from_str(QUERY_FIXTURES)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::query::QueryError;
    use crate::schema;

    #[test]
    fn every_row_parses_to_its_meaning() {
        let fixtures = query_fixtures().unwrap();
        let ids: Vec<&str> = fixtures.queries.iter().map(|r| r.id.as_str()).collect();
        for n in 1..=22 {
            let id = format!("Q{n:02}");
            assert!(ids.iter().any(|i| i.starts_with(&id)), "{id} is missing");
        }
        assert_eq!(fixtures.timestamp, "2019-04-04T15:41:29.140265Z");
        let mut alternatives = 0;
        for row in &fixtures.queries {
            let meaning = row.meaning.to_query().unwrap();
            assert_ne!(meaning, Query::default(), "{}", row.id);
            assert_eq!(
                Query::parse(&row.canonical),
                Ok(meaning.clone()),
                "{}",
                row.id
            );
            for also in &row.also {
                assert_eq!(Query::parse(also), Ok(meaning.clone()), "{} {also}", row.id);
                alternatives += 1;
            }
        }
        assert!(alternatives >= 18, "{alternatives}");
    }

    #[test]
    fn every_negative_is_refused() {
        let fixtures = query_fixtures().unwrap();
        assert_eq!(
            fixtures
                .negatives
                .iter()
                .map(|n| n.id.as_str())
                .collect::<Vec<_>>(),
            ["N01", "N02", "N03", "N04", "N05"]
        );
        for negative in &fixtures.negatives {
            let schema = if negative.path.starts_with("/jobs") {
                schema::JOBS
            } else {
                schema::CLUSTERS
            };
            for raw in &negative.queries {
                let error: QueryError = match Query::parse(raw) {
                    Err(error) => error,
                    Ok(query) => query.check(&schema).unwrap_err(),
                };
                assert!(
                    error.to_string().contains(&negative.mentions),
                    "{} {raw}: {error}",
                    negative.id
                );
            }
        }
    }

    #[test]
    fn bad_meanings_are_reported() {
        let bad: Meaning =
            serde_json::from_str(r#"{"filters":[{"field":"a","op":"around","value":"1"}]}"#)
                .unwrap();
        assert!(bad.to_query().is_err());
        let bad: Meaning =
            serde_json::from_str(r#"{"filters":[{"field":"a","op":"eq"}]}"#).unwrap();
        assert!(bad.to_query().is_err());
        let bad: Meaning = serde_json::from_str(r#"{"fields":"***"}"#).unwrap();
        assert!(bad.to_query().is_err());
        let bad: Meaning = serde_json::from_str(r#"{"order_by":[["a","up"]]}"#).unwrap();
        assert!(bad.to_query().is_err());
    }
}
