//! The client's query encoder against the mock's parser, on the shared fixtures of
//! reference §4.4: each fixture's meaning built with the client's `Query`, encoded to the
//! canonical string, and read by the mock's parser as every other spelling of the row.
//! A meaning does not say in which order the parts of the query string come, nor whether
//! an ascending sort key spells `asc` (Q14 and Q16 mean the same): those two facts are
//! taken from the canonical string, everything else from the meaning.

use storkit_ontap_deploy::{Fields, Op, Order, Query};
use storkit_ontap_deploy_mock::fixtures::{FieldsMeaning, FilterMeaning, Meaning};
use storkit_ontap_deploy_mock::query::Query as MockQuery;
use storkit_ontap_deploy_mock::query_fixtures;

fn op_of(filter: &FilterMeaning) -> Op {
    let value = || filter.value.clone().expect("a value");
    match filter.op.as_str() {
        "eq" => Op::Eq(value()),
        "ne" => Op::Ne(value()),
        "lt" => Op::Lt(value()),
        "le" => Op::Le(value()),
        "gt" => Op::Gt(value()),
        "ge" => Op::Ge(value()),
        "like" => Op::Like(value()),
        "any_of" => Op::AnyOf(filter.values.clone()),
        "is_null" => Op::IsNull,
        "not_null" => Op::NotNull,
        other => panic!("no client operator for {other:?}"),
    }
}

/// The client's query for `meaning`, its parts in the order of `canonical`'s keys.
fn build(meaning: &Meaning, canonical: &str) -> Query {
    let mut query = Query::new();
    let mut filters = meaning.filters.iter().collect::<Vec<_>>();
    let mut used = (false, false, false, false);
    let mut params = meaning.params.clone();
    for piece in canonical.split('&') {
        let (key, value) = piece.split_once('=').expect("key=value");
        match key {
            "fields" => {
                used.0 = true;
                query = query.fields(match meaning.fields.as_ref().expect("fields") {
                    FieldsMeaning::Set(set) if set == "*" => Fields::Cheap,
                    FieldsMeaning::Set(set) if set == "**" => Fields::All,
                    FieldsMeaning::Set(other) => panic!("field set {other}"),
                    FieldsMeaning::List(names) => Fields::List(names.clone()),
                });
            }
            "order_by" => {
                used.1 = true;
                // Whether each key spells its direction.
                let spelled: Vec<bool> = value.split(',').map(|i| i.contains("%20")).collect();
                assert_eq!(spelled.len(), meaning.order_by.len(), "{canonical}");
                for ((field, direction), spelled) in meaning.order_by.iter().zip(spelled) {
                    query = match (direction.as_str(), spelled) {
                        ("asc", false) => query.order_by_field(field),
                        ("asc", true) => query.order_by(field, Order::Asc),
                        ("desc", _) => query.order_by(field, Order::Desc),
                        (other, _) => panic!("direction {other}"),
                    };
                }
            }
            "max_records" => {
                used.2 = true;
                query = query.max_records(meaning.max_records.expect("max_records"));
            }
            "poll_timeout" => {
                used.3 = true;
                query = query.param("poll_timeout", meaning.poll_timeout.expect("poll_timeout"));
            }
            "node_count" | "inhibit_rollback" | "invalidate_cache" => {
                let at = params.iter().position(|(k, _)| k == key).expect("a param");
                let (k, v) = params.remove(at);
                query = query.param(k, v);
            }
            field => {
                let at = filters
                    .iter()
                    .position(|f| f.field == field)
                    .unwrap_or_else(|| panic!("no filter on {field} in the meaning"));
                let filter = filters.remove(at);
                query = query.filter(field, op_of(filter));
            }
        }
    }
    // Every part of the meaning was used.
    assert!(filters.is_empty() && params.is_empty(), "{canonical}");
    assert_eq!(used.0, meaning.fields.is_some(), "{canonical}");
    assert_eq!(used.1, !meaning.order_by.is_empty(), "{canonical}");
    assert_eq!(used.2, meaning.max_records.is_some(), "{canonical}");
    assert_eq!(used.3, meaning.poll_timeout.is_some(), "{canonical}");
    query
}

#[test]
fn every_fixture_encodes_to_its_canonical_string_and_parses_to_its_meaning() {
    let fixtures = query_fixtures().unwrap();
    assert!(fixtures.queries.len() >= 27, "{}", fixtures.queries.len());
    let mut spellings = 0;
    for row in &fixtures.queries {
        let query = build(&row.meaning, &row.canonical);
        let encoded = query
            .encode()
            .unwrap_or_else(|e| panic!("{}: refused: {e}", row.id));
        assert_eq!(encoded, row.canonical, "{}", row.id);

        let meaning = row.meaning.to_query().unwrap();
        let parsed = MockQuery::parse(&encoded).unwrap();
        assert_eq!(parsed, meaning, "{}", row.id);
        for also in &row.also {
            assert_eq!(
                MockQuery::parse(also).as_ref(),
                Ok(&parsed),
                "{} {also}",
                row.id
            );
            spellings += 1;
        }
        // The accessors agree with the meaning.
        assert_eq!(query.record_limit(), row.meaning.max_records, "{}", row.id);
        assert_eq!(
            query.filters().count(),
            row.meaning.filters.len(),
            "{}",
            row.id
        );
    }
    assert!(spellings >= 18, "{spellings}");
}

#[test]
fn what_the_mock_refuses_as_malformed_the_encoder_cannot_produce() {
    // N01 (a space in a field list), N03 (`+` for a space in order_by) and N04
    // (poll_timeout outside 1-120): the client refuses to build them. N02 (an unknown
    // field) and N05 (a negative or textual count) need a schema or a type the client
    // does not have: `max_records` is a `u32`.
    let fixtures = query_fixtures().unwrap();
    let ids: Vec<&str> = fixtures.negatives.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["N01", "N02", "N03", "N04", "N05"]);
    let cases = [
        ("N01", Query::new().field_list(["id", " name"])),
        ("N03", Query::new().order_by("name+asc", Order::Asc)),
        ("N04", Query::new().param("poll_timeout", 0)),
        ("N04", Query::new().param("poll_timeout", 121)),
    ];
    for (id, query) in cases {
        let refused = query.encode().expect_err(id);
        assert!(
            refused.to_string().contains(match id {
                "N01" => "fields",
                "N03" => "order_by",
                _ => "poll_timeout",
            }),
            "{id}: {refused}"
        );
    }
}
