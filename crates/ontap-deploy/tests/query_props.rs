//! Properties of the query encoder against the mock's parser
//! (`storkit_ontap_deploy_mock::query::Query::parse`, the code its HTTP handlers run):
//! any query the client accepts (real field names, values from arbitrary Unicode, every
//! operator, fields, order, max_records and the endpoint parameters, in any order) reads
//! back as the same filters, fields, order, max_records and parameters; any query the
//! client refuses never becomes a request. The mock runs on 127.0.14.199.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use storkit_ontap_deploy::{DeployClient, ErrorKind, Fields, Op, Order, Query, TlsPolicy};
use storkit_ontap_deploy_mock::query::{
    Alternative, Direction, Fields as MockFields, Query as MockQuery,
};
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};

/// Field names Deploy's resources have (nested ones with dots).
const FIELDS: &[&str] = &[
    "id",
    "name",
    "state",
    "ip",
    "type",
    "hypervisor_type",
    "hostname",
    "username",
    "purpose",
    "vlan_id",
    "capacity",
    "serial_number",
    "last_modified",
    "time",
    "is_deployed",
    "nodes.serial_number",
    "nodes.id",
    "host.id",
    "dns_info.domains",
];

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(FIELDS).prop_map(str::to_owned)
}

/// Any Unicode text, and text dense in the characters the grammar cares about.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-z0-9%&=+#<>!*|@,:~.\u{fc}\u{1f600}\t-]{0,10}",
        Just("null".to_owned()),
        Just(String::new()),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        value().prop_map(Op::Eq),
        value().prop_map(Op::Ne),
        value().prop_map(Op::Lt),
        value().prop_map(Op::Le),
        value().prop_map(Op::Gt),
        value().prop_map(Op::Ge),
        value().prop_map(Op::Like),
        prop::collection::vec(value(), 0..4).prop_map(Op::AnyOf),
        Just(Op::IsNull),
        Just(Op::NotNull),
    ]
}

fn order() -> impl Strategy<Value = Option<Order>> {
    prop_oneof![Just(None), Just(Some(Order::Asc)), Just(Some(Order::Desc))]
}

fn fields() -> impl Strategy<Value = Fields> {
    prop_oneof![
        Just(Fields::Keys),
        Just(Fields::Cheap),
        Just(Fields::All),
        prop::collection::vec(field(), 1..4).prop_map(Fields::List),
    ]
}

/// One part of a query, in the order the caller adds it.
#[derive(Debug, Clone)]
enum Part {
    Filter(String, Op),
    Fields(Fields),
    OrderBy(String, Option<Order>),
    MaxRecords(u32),
    Param(&'static str, String),
}

/// The endpoint parameters with values the encoder accepts.
fn param() -> impl Strategy<Value = Part> {
    prop_oneof![
        (1u32..=120).prop_map(|s| Part::Param("poll_timeout", s.to_string())),
        prop::sample::select(&[1u8, 2, 4, 6, 8, 10, 12][..])
            .prop_map(|n| Part::Param("node_count", n.to_string())),
        any::<bool>().prop_map(|b| Part::Param("inhibit_rollback", b.to_string())),
        any::<bool>().prop_map(|b| Part::Param("invalidate_cache", b.to_string())),
    ]
}

fn valid_part() -> impl Strategy<Value = Part> {
    prop_oneof![
        4 => (field(), op())
            .prop_filter("the encoder accepts it", |(f, op)| op.validate(f).is_ok())
            .prop_map(|(f, op)| Part::Filter(f, op)),
        1 => fields().prop_map(Part::Fields),
        1 => (field(), order()).prop_map(|(f, o)| Part::OrderBy(f, o)),
        1 => (1u32..=u32::MAX).prop_map(Part::MaxRecords),
        1 => param(),
    ]
}

fn build(parts: &[Part]) -> Query {
    parts
        .iter()
        .cloned()
        .fold(Query::new(), |q, part| match part {
            Part::Filter(f, op) => q.filter(f, op),
            Part::Fields(fields) => q.fields(fields),
            Part::OrderBy(f, Some(order)) => q.order_by(f, order),
            Part::OrderBy(f, None) => q.order_by_field(f),
            Part::MaxRecords(n) => q.max_records(n),
            Part::Param(k, v) => q.param(k, v),
        })
}

/// What the mock's parser should read for an operator.
fn alternatives(op: &Op) -> Vec<Alternative> {
    match op {
        Op::Eq(v) => vec![Alternative::Eq(v.clone())],
        Op::Ne(v) => vec![Alternative::Ne(v.clone())],
        Op::Lt(v) => vec![Alternative::Lt(v.clone())],
        Op::Le(v) => vec![Alternative::Le(v.clone())],
        Op::Gt(v) => vec![Alternative::Gt(v.clone())],
        Op::Ge(v) => vec![Alternative::Ge(v.clone())],
        // A pattern without `*` is an exact match.
        Op::Like(p) if p.contains('*') => vec![Alternative::Like(p.clone())],
        Op::Like(p) => vec![Alternative::Eq(p.clone())],
        Op::AnyOf(values) => values.iter().cloned().map(Alternative::Eq).collect(),
        Op::IsNull => vec![Alternative::IsNull],
        Op::NotNull => vec![Alternative::NotNull],
    }
}

/// The meaning of `parts`, as the mock's parser should give it: filters sorted by field
/// (stable), the last field selection and record limit, every sort key, the last value
/// of each parameter in the place of its first.
fn expected(parts: &[Part]) -> MockQuery {
    let mut filters: Vec<(String, Vec<Alternative>)> = Vec::new();
    let mut fields = MockFields::Default;
    let mut order_by = Vec::new();
    let mut max_records = None;
    let mut params: Vec<(String, String)> = Vec::new();
    for part in parts {
        match part {
            Part::Filter(f, op) => filters.push((f.clone(), alternatives(op))),
            Part::Fields(Fields::Keys) => fields = MockFields::Default,
            Part::Fields(Fields::Cheap) => fields = MockFields::Cheap,
            Part::Fields(Fields::All) => fields = MockFields::All,
            Part::Fields(Fields::List(names)) => fields = MockFields::List(names.clone()),
            Part::OrderBy(f, o) => order_by.push((
                f.clone(),
                if *o == Some(Order::Desc) {
                    Direction::Desc
                } else {
                    Direction::Asc
                },
            )),
            Part::MaxRecords(n) => max_records = Some(*n),
            Part::Param(k, v) => match params.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.clone(),
                None => params.push(((*k).to_owned(), v.clone())),
            },
        }
    }
    filters.sort_by(|a, b| a.0.cmp(&b.0));
    let poll_timeout = params
        .iter()
        .find(|(k, _)| k == "poll_timeout")
        .map(|(_, v)| v.parse().unwrap());
    params.retain(|(k, _)| k != "poll_timeout");
    let mut query = MockQuery::default();
    query.filters = filters;
    query.fields = fields;
    query.order_by = order_by;
    query.max_records = max_records;
    query.poll_timeout = poll_timeout;
    query.reserved = params;
    query
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn what_the_client_accepts_the_mock_reads_as_meant(
        parts in prop::collection::vec(valid_part(), 0..8)
    ) {
        let query = build(&parts);
        let encoded = query.encode().expect("every part is valid");
        // Only characters a query string carries as they are.
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_graphic() && b != b'#' && b != b'+'),
            "{}", encoded
        );
        let parsed = MockQuery::parse(&encoded)
            .map_err(|e| TestCaseError::fail(format!("{encoded}: {e}")))?;
        let want = expected(&parts);
        prop_assert_eq!(&parsed.filters, &want.filters, "{}", encoded);
        prop_assert_eq!(&parsed.fields, &want.fields, "{}", encoded);
        prop_assert_eq!(&parsed.order_by, &want.order_by, "{}", encoded);
        prop_assert_eq!(parsed.max_records, want.max_records, "{}", encoded);
        prop_assert_eq!(parsed.poll_timeout, want.poll_timeout, "{}", encoded);
        prop_assert_eq!(&parsed.reserved, &want.reserved, "{}", encoded);
        prop_assert_eq!(&parsed, &want);
    }
}

/// A part the encoder refuses.
fn poison() -> impl Strategy<Value = Part> {
    prop_oneof![
        (field(), op())
            .prop_filter("refused", |(f, op)| op.validate(f).is_err())
            .prop_map(|(f, op)| Part::Filter(f, op)),
        // A reserved key as a filter, or a name that is not a field path.
        prop::sample::select(&["fields", "order_by", "poll_timeout", "node_count"][..])
            .prop_map(|k| Part::Filter(k.to_owned(), Op::Eq("1".into()))),
        "[a-z]{0,3}[ ,&=*+#%][a-z]{0,3}".prop_map(|f| Part::Filter(f, Op::Eq("1".into()))),
        prop::collection::vec("[a-z]{0,3}[ ,*+]?", 0..3)
            .prop_filter("refused", |names| names.is_empty()
                || names
                    .iter()
                    .any(|n| n.is_empty() || n.contains([' ', ',', '*', '+'])))
            .prop_map(|names| Part::Fields(Fields::List(names))),
        "[a-z]{0,3}[ +%]?[a-z]{0,3}"
            .prop_filter("refused", |f| f.is_empty() || f.contains([' ', '+', '%']))
            .prop_map(|f| Part::OrderBy(f, Some(Order::Asc))),
        Just(Part::MaxRecords(0)),
        prop_oneof![Just(0u32), 121u32..].prop_map(|s| Part::Param("poll_timeout", s.to_string())),
        prop_oneof![
            Just(0u32),
            Just(3),
            Just(5),
            Just(7),
            Just(9),
            Just(11),
            13u32..
        ]
        .prop_map(|n| Part::Param("node_count", n.to_string())),
        "[a-zA-Z0-9 ]{0,6}"
            .prop_filter("not a boolean", |v| v != "true" && v != "false")
            .prop_map(|v| Part::Param("inhibit_rollback", v)),
    ]
}

#[test]
fn what_the_client_refuses_never_reaches_a_request() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (mock, deploy) = runtime.block_on(async {
        let mock = DeployMock::start(
            DeployConfig::new()
                .ip(IpAddr::V4(Ipv4Addr::new(127, 0, 14, 199)))
                .user("admin", "Netapp1!Admin"),
        )
        .await
        .unwrap();
        let deploy = DeployClient::builder(&mock.url())
            .credentials("admin", "Netapp1!Admin")
            .tls(TlsPolicy::custom_ca_pem(mock.ca_pem().unwrap()).unwrap())
            .build()
            .unwrap();
        // The control: a valid query reaches the mock and is logged.
        deploy
            .clusters(&Query::new().fields(Fields::Cheap))
            .await
            .unwrap();
        (mock, deploy)
    });
    assert_eq!(mock.server().log().len(), 1);

    // The refused part comes last: a valid `fields`, `max_records` or parameter after it
    // would replace it.
    let strategy = (prop::collection::vec(valid_part(), 0..6), poison());
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::with_cases(256)
    });
    runner
        .run(&strategy, |(before, bad)| {
            let mut parts = before;
            parts.push(bad);
            let query = build(&parts);
            let refused = query.encode();
            prop_assert!(refused.is_err(), "{:?} encodes to {:?}", parts, refused);
            let e = runtime
                .block_on(deploy.clusters(&query))
                .expect_err("refused");
            prop_assert_eq!(e.kind(), ErrorKind::Config, "{}", e);
            prop_assert_eq!(e.phase(), storkit_core::Phase::NotSent, "{}", e);
            let raw = runtime
                .block_on(
                    deploy
                        .raw(storkit_core::http::Method::GET, "jobs")
                        .query(query)
                        .send(),
                )
                .expect_err("refused");
            prop_assert_eq!(raw.kind(), ErrorKind::Config, "{}", raw);
            prop_assert_eq!(mock.server().log().len(), 1, "nothing was sent");
            Ok(())
        })
        .unwrap();
}
