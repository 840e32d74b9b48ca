//! The query grammar: the shared fixtures through the public parser and over HTTP, the
//! negatives, and filters, fields, order_by and max_records on real collections.
//! Addresses 127.0.13.20–39.

use serde_json::{Value, json};
use storkit_ontap_deploy_mock::query::{Query, Schema};
use storkit_ontap_deploy_mock::{query_fixtures, schema};

use crate::support::{Client, cluster, hosts, node_ids, start};

#[test]
fn the_parser_maps_every_fixture_to_its_meaning() {
    let fixtures = query_fixtures().unwrap();
    assert!(fixtures.queries.len() >= 22);
    for row in &fixtures.queries {
        let meaning = row.meaning.to_query().unwrap();
        assert_eq!(Query::parse(&row.canonical).unwrap(), meaning, "{}", row.id);
        for also in &row.also {
            assert_eq!(Query::parse(also).unwrap(), meaning, "{} {also}", row.id);
        }
    }
}

/// Three clusters, hosts, credentials and finished jobs to query.
async fn populate(client: &Client<'_>) -> (String, String) {
    let a = cluster(client, "clus-a", 2).await;
    cluster(client, "my_cluster", 1).await;
    cluster(client, "ONTAP Data", 4).await;
    let node = node_ids(client, &a).await[0].clone();
    client
        .patch(
            &format!("/clusters/{a}/nodes/{node}"),
            &json!({"serial_number": "320000001"}),
        )
        .await
        .expect(200);
    client
        .post(
            &format!("/clusters/{a}/nodes/{node}/storage/pools"),
            &json!({"pool_array": [
                {"name": "ds1", "capacity": 1_099_511_627_776_u64},
                {"name": "ds2", "capacity": 2_199_023_255_552_u64},
                {"name": "ds3", "capacity": 500}
            ]}),
        )
        .await
        .expect(201);
    hosts(client, &["esx1.example", "esx2.example"]).await;
    client
        .succeeds(
            client
                .post(
                    "/hosts",
                    &json!({"hosts": [{"name": "kvm1", "hypervisor_type": "KVM"}]}),
                )
                .await,
        )
        .await;
    for (host, user, kind) in [
        ("vc.example", "administrator@vsphere.local", "vcenter"),
        ("esx1.example", "root", "host"),
    ] {
        let reply = client
            .post(
                "/security/credentials",
                &json!({"hostname": host, "type": kind, "username": user, "password": "pw"}),
            )
            .await;
        client.succeeds(reply).await;
    }
    (a, node)
}

/// Raw spaces cannot go in a request line; `%20` means the same.
fn on_the_wire(query: &str) -> String {
    query.replace(' ', "%20")
}

#[tokio::test]
async fn every_fixture_spelling_gets_the_same_answer() {
    let mock = start(20, |c| c.job_step(std::time::Duration::from_millis(5))).await;
    let client = Client::new(&mock);
    let (a, node) = populate(&client).await;
    let job = mock.jobs()[0].id.clone();
    let fixtures = query_fixtures().unwrap();
    let collections: [(String, Schema); 6] = [
        ("/clusters".into(), schema::CLUSTERS),
        ("/hosts".into(), schema::HOSTS),
        ("/security/credentials".into(), schema::CREDENTIALS),
        ("/jobs".into(), schema::JOBS),
        (format!("/clusters/{a}/nodes"), schema::NODES),
        (
            format!("/clusters/{a}/nodes/{node}/storage/pools"),
            schema::POOLS,
        ),
    ];
    let mut checked = 0;
    let mut non_empty = 0;
    for row in &fixtures.queries {
        let query = row.meaning.to_query().unwrap();
        let mut names: Vec<&str> = query.filters.iter().map(|(f, _)| f.as_str()).collect();
        names.extend(query.order_by.iter().map(|(f, _)| f.as_str()));
        if let storkit_ontap_deploy_mock::query::Fields::List(list) = &query.fields {
            names.extend(list.iter().map(String::as_str));
        }
        let path = if query.poll_timeout.is_some() {
            format!("/jobs/{job}")
        } else {
            match collections
                .iter()
                .find(|(_, schema)| names.iter().all(|n| schema.knows(n)))
            {
                Some((path, _)) => path.clone(),
                None => continue,
            }
        };
        let canonical = client.get(&format!("{path}?{}", row.canonical)).await;
        assert_eq!(
            canonical.status,
            200,
            "{} {path}: {}",
            row.id,
            canonical.text()
        );
        let body = canonical.json();
        if body["num_records"].as_u64().is_some_and(|n| n > 0) || body["record"].is_object() {
            non_empty += 1;
        }
        for also in &row.also {
            let reply = client.get(&format!("{path}?{}", on_the_wire(also))).await;
            assert_eq!(reply.status, 200, "{} {also}: {}", row.id, reply.text());
            assert_eq!(reply.json(), body, "{} {also}", row.id);
        }
        checked += 1;
    }
    assert!(checked >= 24, "{checked}");
    assert!(non_empty >= 18, "{non_empty}");
}

#[tokio::test]
async fn the_negatives_are_refused_with_a_message() {
    let mock = start(21, |c| c).await;
    let client = Client::new(&mock);
    let job = client
        .post(
            "/security/credentials",
            &json!({"hostname": "h", "type": "host", "username": "u", "password": "p"}),
        )
        .await
        .job();
    let job = job["id"].as_str().unwrap();
    for negative in query_fixtures().unwrap().negatives {
        let path = negative.path.replace("{id}", job);
        for query in &negative.queries {
            let reply = client.get(&format!("{path}?{}", on_the_wire(query))).await;
            let (code, message) = reply.error(400);
            assert!(code == "400001" || code == "400002", "{code}");
            assert!(
                message.contains(&negative.mentions),
                "{} {query}: {message}",
                negative.id
            );
        }
    }
}

fn names(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn filters_fields_order_and_limits_on_clusters() {
    let mock = start(22, |c| c).await;
    let client = Client::new(&mock);
    for (name, nodes) in [("beta", 2), ("alpha", 1), ("gamma-01", 4), ("alpha2", 6)] {
        cluster(&client, name, nodes).await;
    }
    let get = |q: &'static str| {
        let client = &client;
        async move { client.get(&format!("/clusters?{q}")).await.records() }
    };
    // Default fields are id and name; order is creation order.
    let all = get("").await;
    assert_eq!(names(&all), ["beta", "alpha", "gamma-01", "alpha2"]);
    for record in &all {
        let mut keys: Vec<&String> = record.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "name"]);
    }
    assert_eq!(
        names(&get("order_by=name").await),
        ["alpha", "alpha2", "beta", "gamma-01"]
    );
    assert_eq!(
        names(&get("order_by=name%20desc&max_records=2").await),
        ["gamma-01", "beta"]
    );
    assert_eq!(names(&get("name=alpha*").await), ["alpha", "alpha2"]);
    assert_eq!(names(&get("name=!alpha*").await), ["beta", "gamma-01"]);
    assert_eq!(names(&get("name=*-01|beta").await), ["beta", "gamma-01"]);
    assert_eq!(names(&get("nodes.name=alpha2-06").await), ["alpha2"]);
    assert!(get("max_records=0").await.is_empty());
    assert_eq!(get("state=powered_off&is_deployed=false").await.len(), 4);
    assert!(get("state=powered_on").await.is_empty());
    assert!(get("ip=null").await.len() == 4 && get("ip=!null").await.is_empty());
    // Fields: a list (plus id), cheap, all, dotted.
    let one = &get("name=beta&fields=state,is_deployed").await[0];
    assert_eq!(one.as_object().unwrap().len(), 3, "{one}");
    assert_eq!(
        (&one["state"], &one["is_deployed"]),
        (&json!("powered_off"), &json!(false))
    );
    let cheap = &get("name=beta&fields=*").await[0];
    assert!(
        cheap.get("state").is_some() && cheap.get("nodes").is_none(),
        "{cheap}"
    );
    let all = &get("name=beta&fields=**").await[0];
    assert_eq!(all["nodes"].as_array().unwrap().len(), 2, "{all}");
    let dotted = &get("name=beta&fields=nodes.name").await[0];
    assert_eq!(
        dotted["nodes"],
        json!([{"name": "beta-01"}, {"name": "beta-02"}])
    );
    // Unknown names are refused, naming them.
    for (q, field) in [
        ("fields=id,nosuch", "nosuch"),
        ("order_by=size", "size"),
        ("nosuch=1", "nosuch"),
    ] {
        let (code, message) = client.get(&format!("/clusters?{q}")).await.error(400);
        assert_eq!(code, "400002");
        assert!(message.contains(field), "{message}");
    }
    // A query with no `=` is refused.
    assert_eq!(client.get("/clusters?fields").await.status, 400);
}

#[tokio::test]
async fn networks_are_picked_by_purpose() {
    let mock = start(23, |c| c).await;
    let client = Client::new(&mock);
    let id = cluster(&client, "pair", 2).await;
    let node = node_ids(&client, &id).await[1].clone();
    let path = format!("/clusters/{id}/nodes/{node}/networks");
    let all = client
        .get(&format!("{path}?fields=id,purpose"))
        .await
        .records();
    let purposes: Vec<&str> = all.iter().map(|n| n["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["data", "internal", "mgmt"]);
    let mgmt = client.get(&format!("{path}?purpose=mgmt")).await.records();
    assert_eq!(mgmt.len(), 1);
    assert_eq!(mgmt[0]["purpose"], "mgmt");
    let not_internal = client
        .get(&format!("{path}?purpose=!internal&order_by=purpose%20desc"))
        .await
        .records();
    let purposes: Vec<&str> = not_internal
        .iter()
        .map(|n| n["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["mgmt", "data"]);
}
