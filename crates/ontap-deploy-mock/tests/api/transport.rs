//! Auth, request ids, base paths, envelopes and the status codes of reference §2.
//! Addresses 127.0.13.1–19.

use std::collections::BTreeSet;

use serde_json::json;

use crate::support::{Client, PASSWORD, Req, USER, cluster, start};

#[tokio::test]
async fn every_call_needs_basic_auth() {
    let mock = start(1, |c| c).await;
    let client = Client::new(&mock);
    for req in [
        Req::api("GET", "/clusters"),
        Req::api("GET", "/no/such/thing"),
        Req::api("POST", "/clusters?node_count=1").json(&json!({"name": "x"})),
        Req::new("GET", "/elsewhere"),
    ] {
        let bare = client.raw(req.clone()).await;
        let (code, message) = bare.error(401);
        assert_eq!(code, "401001");
        assert!(message.contains("authentication"), "{message}");
        assert!(
            bare.header("www-authenticate")
                .unwrap()
                .starts_with("Basic")
        );
        assert!(bare.header("request-id").is_some());
        let wrong = client.raw(req.clone().auth(USER, "nope")).await;
        assert_eq!(wrong.error(401).0, "401001");
        let wrong = client.raw(req.header("Authorization", "Bearer abc")).await;
        assert_eq!(wrong.status, 401);
    }
    assert!(mock.clusters().is_empty());
    let good = client
        .raw(Req::api("GET", "/clusters").auth(USER, PASSWORD))
        .await;
    assert_eq!(good.json(), json!({"num_records": 0, "records": []}));
}

#[tokio::test]
async fn a_read_only_user_may_only_read() {
    let mock = start(2, |c| c.read_only_user("viewer", "look")).await;
    let client = Client::new(&mock);
    let list = client
        .raw(Req::api("GET", "/clusters").auth("viewer", "look"))
        .await;
    assert_eq!(list.status, 200);
    let create = client
        .raw(
            Req::api("POST", "/clusters?node_count=1")
                .json(&json!({"name": "x"}))
                .auth("viewer", "look"),
        )
        .await;
    let (code, message) = create.error(403);
    assert_eq!(code, "403001");
    assert!(message.contains("viewer"), "{message}");
    assert!(mock.clusters().is_empty());
}

#[tokio::test]
async fn every_answer_has_its_own_request_id() {
    let mock = start(3, |c| c).await;
    let client = Client::new(&mock);
    let id = cluster(&client, "ids", 1).await;
    let mut statuses = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let mut replies = vec![
        client.get("/clusters").await,
        client
            .post("/clusters?node_count=1", &json!({"name": "ids2"}))
            .await,
        client
            .post("/clusters?node_count=1", &json!({"name": "ids2"}))
            .await,
        client
            .post(
                "/security/credentials",
                &json!({"hostname": "h", "type": "host", "username": "u", "password": "p"}),
            )
            .await,
        client.get("/clusters?max_records=-1").await,
        client.raw(Req::api("GET", "/clusters")).await,
        client.get("/clusters/nope").await,
        client.send(Req::api("PUT", "/clusters")).await,
        client
            .post(&format!("/clusters/{id}/refresh"), &json!({}))
            .await,
    ];
    mock.fail_next_request();
    replies.push(client.get("/clusters").await);
    for reply in &replies {
        statuses.insert(reply.status);
        let request_id = reply.header("request-id").unwrap();
        assert!(!request_id.is_empty());
        assert!(ids.insert(request_id.to_owned()), "{request_id} repeated");
    }
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [200, 201, 202, 400, 401, 404, 405, 409, 500, 501]
    );
}

#[tokio::test]
async fn base_paths_are_tolerated() {
    let mock = start(4, |c| c).await;
    let client = Client::new(&mock);
    cluster(&client, "paths", 1).await;
    for path in [
        "/api/v3/clusters",
        "/api/clusters",
        "/api/v3//clusters",
        "//api/v3/clusters/",
    ] {
        let reply = client.send(Req::new("GET", path)).await;
        assert_eq!(reply.records().len(), 1, "{path}");
    }
    for path in ["/api/v2/clusters", "/clusters", "/api/v3/clusterz"] {
        let (code, _) = client.send(Req::new("GET", path)).await.error(404);
        assert_eq!(code, "404001", "{path}");
    }
    // S11 sends no Accept; S9 a Content-Type on bodiless GETs.
    let reply = client
        .send(
            Req::new("GET", "/api/v3/clusters")
                .header("Accept", "*/*")
                .header("Content-Type", "application/json"),
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn refusals_have_the_error_envelope() {
    let mock = start(5, |c| c).await;
    let client = Client::new(&mock);
    let (code, message) = client.get("/clusters/nope").await.error(404);
    assert_eq!(code, "404002");
    assert!(message.contains("nope"), "{message}");
    let reply = client.send(Req::api("DELETE", "/clusters")).await;
    assert_eq!(reply.error(405).0, "405001");
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let id = cluster(&client, "c", 1).await;
    let (code, message) = client
        .post(&format!("/clusters/{id}/refresh"), &json!({}))
        .await
        .error(501);
    assert_eq!(code, "501001");
    assert!(message.contains("refresh"), "{message}");
    assert_eq!(
        client
            .patch("/security/credentials/x", &json!({}))
            .await
            .status,
        501
    );
    // The 500 hook hits the next request only.
    mock.fail_next_request();
    let (code, _) = client.get("/clusters").await.error(500);
    assert_eq!(code, "500001");
    assert_eq!(client.get("/clusters").await.status, 200);
    // Bodies that are not JSON objects.
    for body in ["", "[]", "{", "null"] {
        let reply = client
            .send(Req::api("POST", "/clusters?node_count=1").body("application/json", body.into()))
            .await;
        assert_eq!(reply.error(400).0, "400001", "{body:?}");
    }
}

#[tokio::test]
async fn integer_error_codes_on_request() {
    let mock = start(6, |c| c.integer_error_codes(true)).await;
    let client = Client::new(&mock);
    assert_eq!(client.get("/clusters/x").await.error(404).0, json!(404002));
    assert_eq!(
        client.raw(Req::api("GET", "/jobs")).await.error(401).0,
        json!(401001)
    );
}

#[tokio::test]
async fn creates_answer_an_absolute_location() {
    let mock = start(7, |c| c).await;
    let client = Client::new(&mock);
    let created = client
        .post("/clusters?node_count=2", &json!({"name": "loc"}))
        .await
        .expect(201);
    assert!(created.body.is_empty());
    let location = created.header("location").unwrap().to_owned();
    let id = created.location_id();
    assert_eq!(location, format!("{}/clusters/{id}", mock.base_url()));
    let path = location.strip_prefix(&mock.url()).unwrap();
    let record = client.send(Req::new("GET", path)).await.record();
    assert_eq!(record, json!({"id": id, "name": "loc"}));
    assert_eq!(mock.clusters()[0].nodes, ["loc-01", "loc-02"]);
}

#[tokio::test]
async fn passwords_are_never_echoed() {
    let mock = start(8, |c| c).await;
    let client = Client::new(&mock);
    let secret = "pw-SECRET-8675309";
    let mut texts = Vec::new();
    let reply = client
        .post(
            "/security/credentials",
            &json!({"hostname": "vc.example", "type": "vcenter", "username": "administrator@vsphere.local", "password": secret}),
        )
        .await;
    let id = reply.location_id();
    texts.push(reply.text());
    texts.push(client.get("/security/credentials?fields=**").await.text());
    texts.push(
        client
            .get(&format!("/security/credentials/{id}?fields=**"))
            .await
            .text(),
    );
    texts.push(
        client
            .post(
                "/security/credentials",
                &json!({"hostname": "h", "type": "bogus", "username": "u", "password": secret}),
            )
            .await
            .text(),
    );
    texts.push(
        client
            .post("/hosts", &json!({"hosts": [{"name": "e", "hypervisor_type": "ESX", "credential": {"username": "root", "password": secret}, "x": 1}]}))
            .await
            .text(),
    );
    for text in &texts {
        assert!(!text.contains(secret), "{text}");
    }
    let record = client
        .get(&format!("/security/credentials/{id}"))
        .await
        .record();
    assert_eq!(
        record,
        json!({"id": id, "hostname": "vc.example", "username": "administrator@vsphere.local", "type": "vcenter"})
    );
    assert!(!format!("{:?}", mock.credentials()).contains(secret));
}

#[tokio::test]
async fn envelopes() {
    let mock = start(9, |c| c).await;
    let client = Client::new(&mock);
    let reply = client
        .post(
            "/security/credentials",
            &json!({"hostname": "esx1", "type": "host", "username": "root", "password": "p"}),
        )
        .await;
    let json = reply.json();
    let job = json["job"].as_object().unwrap();
    let mut keys: Vec<&str> = job.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "last_modified", "message", "state"]);
    assert_eq!(job["state"], "queued");
    let id = reply.location_id();
    let single = client
        .get(&format!("/security/credentials/{id}"))
        .await
        .json();
    assert!(single["record"].is_object(), "{single}");
    let many = client.get("/security/credentials").await.json();
    assert_eq!(many["num_records"], 1);
    assert_eq!(many["records"][0]["id"], id.as_str());
    let deleted = client
        .delete(&format!("/security/credentials/{id}"))
        .await
        .expect(200);
    assert!(deleted.body.is_empty());
    assert_eq!(
        client
            .get(&format!("/security/credentials/{id}"))
            .await
            .status,
        404
    );
}
