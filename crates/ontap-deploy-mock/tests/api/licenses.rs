//! Licences: multipart upload, lookup by serial, update with and without ONTAP credentials.
//! Addresses 127.0.13.70–79.

use serde_json::json;
use storkit_mock::multipart::FormBuilder;

use crate::support::{Client, Req, node_ids, start};

fn nlf(serial: &str) -> Vec<u8> {
    json!({"statusResp": {"serialNumber": serial, "product": "ONTAP Select", "licenses": {"capacity": "10TB"}}})
        .to_string()
        .into_bytes()
}

fn upload(method: &'static str, path: &str, form: FormBuilder) -> Req {
    let (content_type, body) = form.build();
    Req::api(method, path).body(&content_type, body)
}

#[tokio::test]
async fn upload_find_and_update_a_licence() {
    let mock = start(70, |c| c).await;
    let client = Client::new(&mock);
    assert!(
        client
            .get("/licensing/licenses?id=320000001")
            .await
            .records()
            .is_empty()
    );

    let form = FormBuilder::new().file(
        "license_file",
        "320000001.NLF",
        "application/octet-stream",
        nlf("320000001"),
    );
    let created = client
        .send(upload("POST", "/licensing/licenses", form))
        .await
        .expect(201);
    assert_eq!(created.location_id(), "320000001");
    assert_eq!(mock.licenses(), ["320000001"]);

    let found = client
        .get("/licensing/licenses?id=320000001&fields=**")
        .await
        .records();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["serial_number"], "320000001");
    assert_eq!(found[0]["file_name"], "320000001.NLF");
    assert_eq!(found[0]["nodes"], json!([]));
    let record = client.get("/licensing/licenses/320000001").await.record();
    assert_eq!(
        record,
        json!({"id": "320000001", "serial_number": "320000001"})
    );

    // Twice is a conflict: S6 PUTs when the licence exists.
    let again = FormBuilder::new().file(
        "license_file",
        "x.NLF",
        "application/json",
        nlf("320000001"),
    );
    assert_eq!(
        client
            .send(upload("POST", "/licensing/licenses", again))
            .await
            .error(409)
            .0,
        "409001"
    );

    // Not in use: the update is immediate.
    let update = FormBuilder::new().file(
        "license_file",
        "renewed.NLF",
        "application/json",
        nlf("320000001"),
    );
    let reply = client
        .send(upload("PUT", "/licensing/licenses/320000001", update))
        .await
        .expect(200);
    assert!(reply.body.is_empty());
    let record = client
        .get("/licensing/licenses/320000001?fields=file_name")
        .await
        .record();
    assert_eq!(record["file_name"], "renewed.NLF");

    // Refusals.
    let other = FormBuilder::new().file(
        "license_file",
        "x.NLF",
        "application/json",
        nlf("320000009"),
    );
    let (_, message) = client
        .send(upload("PUT", "/licensing/licenses/320000001", other))
        .await
        .error(400);
    assert!(message.contains("320000009"), "{message}");
    let unknown = FormBuilder::new().file(
        "license_file",
        "x.NLF",
        "application/json",
        nlf("320000009"),
    );
    assert_eq!(
        client
            .send(upload("PUT", "/licensing/licenses/320000009", unknown))
            .await
            .status,
        404
    );
    let no_file = FormBuilder::new().text("something", "else");
    let (_, message) = client
        .send(upload("POST", "/licensing/licenses", no_file))
        .await
        .error(400);
    assert!(message.contains("license_file"), "{message}");
    let not_nlf = FormBuilder::new().file("license_file", "x.NLF", "text/plain", b"hello".to_vec());
    assert_eq!(
        client
            .send(upload("POST", "/licensing/licenses", not_nlf))
            .await
            .status,
        400
    );
    let json_body = client
        .post("/licensing/licenses", &json!({"license_file": "x"}))
        .await;
    let (_, message) = json_body.error(400);
    assert!(message.contains("multipart"), "{message}");
    assert_eq!(mock.licenses(), ["320000001"]);
}

#[tokio::test]
async fn a_licence_in_use_needs_ontap_credentials() {
    let mock = start(71, |c| c).await;
    let client = Client::new(&mock);
    let form = FormBuilder::new().file(
        "license_file",
        "a.NLF",
        "application/octet-stream",
        nlf("320000002"),
    );
    client
        .send(upload("POST", "/licensing/licenses", form))
        .await
        .expect(201);

    // A single-node cluster using it, deployed.
    let names = ["lic-esx1"];
    let hosts = crate::support::hosts(&client, &names).await;
    let cluster = crate::support::cluster(&client, "lic", 1).await;
    let node = node_ids(&client, &cluster).await[0].clone();
    client
        .patch(
            &format!("/clusters/{cluster}/nodes/{node}"),
            &json!({"host": {"id": hosts[0]}, "ip": "10.0.7.10", "serial_number": "320000002",
                    "license": {"id": "320000002"}}),
        )
        .await
        .expect(200);
    let reply = client
        .post(
            &format!("/clusters/{cluster}/deploy"),
            &json!({"ontap_credential": {"password": "ontap-pw"}}),
        )
        .await;
    client.succeeds(reply).await;
    let using = client
        .get("/clusters?nodes.serial_number=320000002")
        .await
        .records();
    assert_eq!(using.len(), 1);
    let record = client
        .get("/licensing/licenses/320000002?fields=nodes")
        .await
        .record();
    assert_eq!(record["nodes"][0]["name"], "lic-01");

    // Without ONTAP credentials: refused; with them: a job.
    let bare = FormBuilder::new().file(
        "license_file",
        "b.NLF",
        "application/octet-stream",
        nlf("320000002"),
    );
    let (_, message) = client
        .send(upload("PUT", "/licensing/licenses/320000002", bare))
        .await
        .error(400);
    assert!(message.contains("ontap_username"), "{message}");
    let secret = "ontap-SECRET-42";
    let full = FormBuilder::new()
        .file(
            "license_file",
            "b.NLF",
            "application/octet-stream",
            nlf("320000002"),
        )
        .text("ontap_username", "admin")
        .text("ontap_password", secret);
    let reply = client
        .send(upload("PUT", "/licensing/licenses/320000002", full))
        .await;
    assert!(!reply.text().contains(secret));
    let (record, messages) = client.wait_job(&reply.job()).await;
    assert_eq!(record["state"], "success", "{messages:?}");
    assert!(messages.iter().all(|m| !m.contains(secret)));
    let record = client
        .get("/licensing/licenses/320000002?fields=file_name")
        .await
        .record();
    assert_eq!(record["file_name"], "b.NLF");

    // A licence id that was never uploaded is refused on a node.
    let (_, message) = client
        .patch(
            &format!("/clusters/{cluster}/nodes/{node}"),
            &json!({"license": {"id": "999"}}),
        )
        .await
        .error(400);
    assert!(message.contains("999"), "{message}");
}
