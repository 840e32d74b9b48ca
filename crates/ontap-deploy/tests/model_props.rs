//! Properties: the query encoder round-trips every value it accepts and never emits a
//! character a server would read as a separator or operator; no decoder panics on any
//! input (arbitrary bytes, arbitrary JSON with the real keys mixed in); an object always
//! decodes into every answer type; no request's `Debug` shows its password.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use proptest::prelude::*;
use serde_json::{Map, Value};
use storkit_ontap_deploy::model::*;
use storkit_ontap_deploy::query::{Fields, Op, Order, Query};

/// The test's own percent-decoder: `%XX` to a byte, everything else as it is (`+` stays
/// a plus, as Deploy's parser is assumed to keep it).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a query string as the mock parser does: at `&`, then at the first `=`.
fn parse(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("every pair has '='");
            (
                k.to_owned(),
                percent_decode(v).expect("valid percent-encoding"),
            )
        })
        .collect()
}

/// An operand Deploy reads as itself: not empty, no `*` or `|`, no leading operator
/// character or white space, not `null`.
fn operand() -> impl Strategy<Value = String> {
    "\\PC{1,24}".prop_filter("read as an operator or keyword", |s| {
        !s.contains(['*', '|'])
            && !s.starts_with(['<', '>', '!', '='])
            && !s.starts_with(char::is_whitespace)
            && !s.eq_ignore_ascii_case("null")
    })
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![operand(), Just("*".to_owned())], 1..4)
        .prop_map(|parts| parts.concat())
        .prop_filter("read as an operator or keyword", |s| {
            !s.starts_with(['<', '>', '!', '=']) && !s.eq_ignore_ascii_case("null")
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        operand().prop_map(Op::Eq),
        operand().prop_map(Op::Ne),
        operand().prop_map(Op::Lt),
        operand().prop_map(Op::Le),
        operand().prop_map(Op::Gt),
        operand().prop_map(Op::Ge),
        pattern().prop_map(Op::Like),
        prop::collection::vec(operand(), 1..4).prop_map(Op::AnyOf),
        Just(Op::IsNull),
        Just(Op::NotNull),
    ]
}

fn field_path() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}(\\.[a-z0-9_]{1,8}){0,2}".prop_filter("reserved", |f| {
        !storkit_ontap_deploy::query::RESERVED_KEYS.contains(&f.as_str())
    })
}

proptest! {
    #[test]
    fn filters_round_trip(filters in prop::collection::vec((field_path(), op()), 1..6)) {
        let mut q = Query::new();
        for (f, op) in &filters {
            q = q.filter(f.clone(), op.clone());
        }
        let encoded = q.encode().unwrap();
        for c in [' ', '+', '#', '<', '>', '|', '"', '\\'] {
            prop_assert!(!encoded.contains(c), "{c:?} in {encoded}");
        }
        prop_assert!(encoded.is_ascii());
        let pairs = parse(&encoded);
        prop_assert_eq!(pairs.len(), filters.len());
        for ((key, value), (f, op)) in pairs.iter().zip(&filters) {
            prop_assert_eq!(key, f);
            prop_assert_eq!(value, &op.raw_value());
        }
        // What the core sends for it, byte for byte.
        let request = storkit_core::Request::get("/x").raw_query(&encoded);
        prop_assert_eq!(request.query_string(), encoded);
    }

    #[test]
    fn values_with_operators_inside_are_refused(
        field in field_path(),
        prefix in "\\PC{0,4}",
        bad in prop_oneof![Just('*'), Just('|')],
        suffix in "\\PC{0,4}",
    ) {
        let value = format!("{prefix}{bad}{suffix}");
        for op in [Op::Eq(value.clone()), Op::Ne(value.clone()), Op::Ge(value.clone()), Op::AnyOf(vec![value.clone()])] {
            let refused = matches!(
                Query::new().filter(field.clone(), op).encode(),
                Err(storkit_ontap_deploy::OntapError::InvalidQuery { field: ref f, .. }) if *f == field
            );
            prop_assert!(refused);
        }
    }

    #[test]
    fn whole_queries_keep_their_order(
        filters in prop::collection::vec((field_path(), operand()), 0..3),
        names in prop::collection::vec(field_path(), 1..4),
        order in prop::collection::vec((field_path(), any::<bool>()), 1..3),
        max in 1u32..,
        poll in 1u32..=120,
    ) {
        let mut q = Query::new().field_list(names.clone());
        for (f, v) in &filters {
            q = q.eq(f.clone(), v.clone());
        }
        for (f, desc) in &order {
            q = q.order_by(f.clone(), if *desc { Order::Desc } else { Order::Asc });
        }
        let q = q.max_records(max).param("poll_timeout", poll);
        let pairs = parse(&q.encode().unwrap());
        prop_assert_eq!(pairs.len(), filters.len() + 4);
        prop_assert_eq!(&pairs[0], &("fields".to_owned(), names.join(",")));
        let want: Vec<String> = order
            .iter()
            .map(|(f, d)| format!("{f} {}", if *d { "desc" } else { "asc" }))
            .collect();
        prop_assert_eq!(&pairs[filters.len() + 1], &("order_by".to_owned(), want.join(",")));
        prop_assert_eq!(&pairs[filters.len() + 2], &("max_records".to_owned(), max.to_string()));
        prop_assert_eq!(&pairs[filters.len() + 3], &("poll_timeout".to_owned(), poll.to_string()));
        prop_assert_eq!(q.selected_fields(), &Fields::List(names));
    }
}

const KEYS: &[&str] = &[
    "record",
    "records",
    "num_records",
    "job",
    "error",
    "code",
    "message",
    "id",
    "name",
    "state",
    "last_modified",
    "ip",
    "gateway",
    "netmask",
    "is_deployed",
    "ontap_image_version",
    "nodes",
    "dns_info",
    "domains",
    "dns_ips",
    "ntp_servers",
    "host",
    "instance_type",
    "serial_number",
    "passthrough_disks",
    "license",
    "is_storage_efficiency_enabled",
    "hostname",
    "username",
    "type",
    "password",
    "admin_password",
    "hypervisor_type",
    "management_server",
    "purpose",
    "vlan_id",
    "capacity",
    "target",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            ".{0,12}",
            "[0-9]{1,20}",
            Just("true".to_owned()),
            Just("Failure".to_owned())
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn decode_everything(body: &[u8]) {
    let _ = decode_record::<Cluster>(body);
    let _ = decode_record::<Node>(body);
    let _ = decode_record::<Credential>(body);
    let _ = decode_collection::<Host>(body);
    let _ = decode_collection::<Network>(body);
    let _ = decode_collection::<StoragePool>(body);
    let _ = decode_collection::<License>(body);
    let _ = decode_job(body);
    let _ = decode_error(body);
}

fn has_secret_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.to_ascii_lowercase().contains("password") || has_secret_key(v)),
        Value::Array(a) => a.iter().any(has_secret_key),
        _ => false,
    }
}

proptest! {
    #[test]
    fn decoders_never_panic_on_bytes(body in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&body);
    }

    #[test]
    fn decoders_never_panic_on_json(value in json()) {
        decode_everything(value.to_string().as_bytes());
    }

    #[test]
    fn any_object_decodes_into_every_answer_type(kv in prop::collection::vec((key(), json()), 0..10)) {
        let mut map: Map<String, Value> = kv.into_iter().collect();
        // The envelope keys make it another shape; the bare object is the property.
        map.remove("record");
        map.remove("records");
        let body = Value::Object(map).to_string();
        let body = body.as_bytes();
        let cluster = decode_record::<Cluster>(body).unwrap();
        prop_assert!(!has_secret_key(&Value::Object(cluster.extra)));
        decode_record::<Node>(body).unwrap();
        let host = decode_record::<Host>(body).unwrap();
        prop_assert!(!has_secret_key(&Value::Object(host.extra)));
        let cred = decode_record::<Credential>(body).unwrap();
        prop_assert!(!has_secret_key(&Value::Object(cred.extra)));
        decode_record::<Network>(body).unwrap();
        decode_record::<StoragePool>(body).unwrap();
        decode_record::<License>(body).unwrap();
        decode_record::<Image>(body).unwrap();
        decode_record::<Mediator>(body).unwrap();
        decode_record::<ConnectivityCheck>(body).unwrap();
        decode_record::<ApiErrorBody>(body).unwrap();
    }

    #[test]
    fn locations_never_panic(s in "\\PC{0,40}") {
        if let Some(id) = id_from_location(&s) {
            prop_assert!(!id.is_empty());
        }
    }

    #[test]
    fn debug_never_shows_a_password(pw in "[A-Za-z0-9!@#%^&()]{12,24}") {
        let body = DeployRequest::new(pw.as_str()).to_body().unwrap();
        let debugs = [
            format!("{:?}", NewCredential::new(CredentialKind::Host, "h", "u", pw.as_str())),
            format!("{:?}", HostBatch::from(HostRegistration::new("h", HypervisorType::Kvm).credential("u", pw.as_str()))),
            format!("{:?}", Resize::new(pw.as_str()).node("n", InstanceType::Small)),
            format!("{:?}", DeployRequest::new(pw.as_str())),
            format!("{body:?}"),
        ];
        for d in &debugs {
            prop_assert!(!d.contains(&pw), "{}", d);
        }
        prop_assert!(String::from_utf8(body.to_vec()).unwrap().contains(&pw));
    }
}
