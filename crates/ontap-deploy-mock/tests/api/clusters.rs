//! Clusters, nodes, networks, pools, disks, hosts and credentials: every refusal the
//! reference names, and the resize and power jobs. Addresses 127.0.13.80–109.

use serde_json::json;

use crate::support::{Client, Req, cluster, deployed, hosts, node_ids, place_nodes, start};

#[tokio::test]
async fn creating_clusters() {
    let mock = start(80, |c| c).await;
    let client = Client::new(&mock);
    for count in [1, 2, 4, 6, 8, 10, 12] {
        cluster(&client, &format!("c{count}"), count).await;
    }
    let twelve = &mock.clusters()[6];
    assert_eq!(twelve.nodes.len(), 12);
    assert_eq!(
        (twelve.nodes[0].as_str(), twelve.nodes[11].as_str()),
        ("c12-01", "c12-12")
    );
    assert!(!twelve.is_deployed && !twelve.is_powered_on());

    for (query, body, fragment) in [
        ("", json!({"name": "x"}), "node_count"),
        ("?node_count=3", json!({"name": "x"}), "node_count"),
        ("?node_count=abc", json!({"name": "x"}), "node_count"),
        ("?node_count=2", json!({}), "name"),
        (
            "?node_count=2",
            json!({"name": "x", "colour": "red"}),
            "colour",
        ),
        (
            "?node_count=2",
            json!({"name": "x", "ip": "10.0.0.300"}),
            "ip",
        ),
        (
            "?node_count=2",
            json!({"name": "x", "ntp_servers": {"a": 1}}),
            "ntp_servers",
        ),
        (
            "?node_count=2",
            json!({"name": "x", "ontap_image_version": "8.0"}),
            "ontap_image_version",
        ),
        (
            "?node_count=2",
            json!({"name": "x", "dns_info": {"dns_ips": "10.0.0.2"}}),
            "dns_ips",
        ),
        ("?node_count=2&name=x", json!({"name": "x"}), "name"),
    ] {
        let (code, message) = client
            .post(&format!("/clusters{query}"), &body)
            .await
            .error(400);
        assert_eq!(code, "400001");
        assert!(message.contains(fragment), "{query} {body}: {message}");
    }
    let (code, message) = client
        .post("/clusters?node_count=1", &json!({"name": "c1"}))
        .await
        .error(409);
    assert_eq!(code, "409001");
    assert!(message.contains("c1"), "{message}");
    assert_eq!(mock.clusters().len(), 7);
}

#[tokio::test]
async fn networks_per_node_count() {
    let mock = start(81, |c| c).await;
    let client = Client::new(&mock);
    for (count, purposes) in [
        (1, vec!["data", "mgmt"]),
        (4, vec!["data", "internal", "mgmt"]),
    ] {
        let id = cluster(&client, &format!("n{count}"), count).await;
        for node in node_ids(&client, &id).await {
            let path = format!("/clusters/{id}/nodes/{node}/networks");
            let networks = client.get(&path).await.records();
            let got: Vec<&str> = networks
                .iter()
                .map(|n| n["purpose"].as_str().unwrap())
                .collect();
            assert_eq!(got, purposes);
            let net = networks[0]["id"].as_str().unwrap();
            for bad in [
                json!({"vlan_id": 5000}),
                json!({"vlan_id": "10"}),
                json!({"mtu": 1}),
            ] {
                assert_eq!(
                    client.patch(&format!("{path}/{net}"), &bad).await.status,
                    400,
                    "{bad}"
                );
            }
            client
                .patch(
                    &format!("{path}/{net}"),
                    &json!({"name": "pg", "vlan_id": null}),
                )
                .await
                .expect(200);
            let record = client
                .get(&format!("{path}/{net}?fields=name,vlan_id"))
                .await
                .record();
            assert_eq!(record, json!({"id": net, "name": "pg"}));
            assert_eq!(client.get(&format!("{path}/nope")).await.status, 404);
        }
    }
}

#[tokio::test]
async fn deploy_refuses_what_cannot_deploy() {
    let mock = start(82, |c| c).await;
    let client = Client::new(&mock);
    let hosts = hosts(&client, &["h1", "h2"]).await;
    let id = cluster(&client, "dep", 2).await;
    let nodes = node_ids(&client, &id).await;
    let deploy = |body: serde_json::Value, query: &'static str| {
        let client = &client;
        let path = format!("/clusters/{id}/deploy{query}");
        async move { client.post(&path, &body).await }
    };
    let good = json!({"ontap_credential": {"password": "pw"}});

    let (code, message) = deploy(good.clone(), "").await.error(400);
    assert_eq!(code, "400003");
    assert!(
        message.contains("dep-01") && message.contains("host"),
        "{message}"
    );

    // Two nodes on one host.
    for node in &nodes {
        client
            .patch(
                &format!("/clusters/{id}/nodes/{node}"),
                &json!({"host": {"id": hosts[0]}}),
            )
            .await
            .expect(200);
    }
    client
        .patch(
            &format!("/clusters/{id}/nodes/{}", nodes[0]),
            &json!({"ip": "10.0.1.1"}),
        )
        .await
        .expect(200);
    client
        .patch(
            &format!("/clusters/{id}/nodes/{}", nodes[1]),
            &json!({"ip": "10.0.1.1"}),
        )
        .await
        .expect(200);
    let (_, message) = deploy(good.clone(), "").await.error(400);
    assert!(message.contains("same host"), "{message}");
    client
        .patch(
            &format!("/clusters/{id}/nodes/{}", nodes[1]),
            &json!({"host": {"id": hosts[1]}}),
        )
        .await
        .expect(200);
    let (_, message) = deploy(good.clone(), "").await.error(400);
    assert!(message.contains("IP address"), "{message}");
    client
        .patch(
            &format!("/clusters/{id}/nodes/{}", nodes[1]),
            &json!({"ip": "10.0.1.2"}),
        )
        .await
        .expect(200);

    // Body and parameter checks (S7's plural spelling included).
    for (body, query, fragment) in [
        (
            json!({"ontap_credentials": {"password": "pw"}}),
            "",
            "ontap_credential",
        ),
        (json!({}), "", "ontap_credential"),
        (json!({"ontap_credential": {}}), "", "password"),
        (good.clone(), "?inhibit_rollback=maybe", "inhibit_rollback"),
    ] {
        let (_, message) = deploy(body, query).await.error(400);
        assert!(message.contains(fragment), "{message}");
    }
    // Unknown node fields, hosts and instance types.
    let node = format!("/clusters/{id}/nodes/{}", nodes[0]);
    for (body, fragment) in [
        (json!({"hostid": "x"}), "hostid"),
        (json!({"host": {"id": "nope"}}), "nope"),
        (json!({"host": "h1"}), "host"),
        (json!({"instance_type": "huge"}), "instance_type"),
        (json!({"passthrough_disks": "yes"}), "passthrough_disks"),
    ] {
        let (_, message) = client.patch(&node, &body).await.error(400);
        assert!(message.contains(fragment), "{body}: {message}");
    }

    // Now it deploys; while it runs, the cluster takes no other job.
    let job = deploy(good.clone(), "?inhibit_rollback=true").await.job();
    let (_, message) = deploy(good.clone(), "").await.error(400);
    assert!(message.contains("busy"), "{message}");
    let (record, _) = client.wait_job(&job).await;
    assert_eq!(record["state"], "success");
    let (_, message) = deploy(good, "").await.error(400);
    assert!(message.contains("already deployed"), "{message}");
    // A deployed node keeps its host.
    assert_eq!(
        client
            .patch(&node, &json!({"host": {"id": hosts[1]}}))
            .await
            .status,
        400
    );
    // A host in use stays.
    let (_, message) = client
        .delete(&format!("/hosts/{}", hosts[0]))
        .await
        .error(400);
    assert!(message.contains("dep-01"), "{message}");
}

#[tokio::test]
async fn a_failed_deploy_leaves_the_cluster_undeployed() {
    let mock = start(83, |c| c).await;
    let client = Client::new(&mock);
    let hosts = hosts(&client, &["f1"]).await;
    let id = cluster(&client, "fails", 1).await;
    place_nodes(&client, &id, &hosts, 3).await;
    mock.fail_next_job("ONTAP did not boot");
    let reply = client
        .post(
            &format!("/clusters/{id}/deploy"),
            &json!({"ontap_credential": {"password": "p"}}),
        )
        .await;
    let (record, _) = client.wait_job(&reply.job()).await;
    assert_eq!(
        (&record["state"], &record["message"]),
        (&json!("failure"), &json!("ONTAP did not boot"))
    );
    let state = client
        .get(&format!("/clusters/{id}?fields=state,is_deployed"))
        .await
        .record();
    assert_eq!(
        state,
        json!({"id": id, "state": "powered_off", "is_deployed": false})
    );
    // Not deployed, so no power change; it deletes directly.
    assert_eq!(
        client
            .patch(
                &format!("/clusters/{id}"),
                &json!({"availability": "powered_on"})
            )
            .await
            .status,
        400
    );
    client
        .succeeds(client.delete(&format!("/clusters/{id}")).await)
        .await;
    assert!(mock.clusters().is_empty());
}

#[tokio::test]
async fn power_and_resize() {
    let mock = start(84, |c| c).await;
    let client = Client::new(&mock);
    let id = deployed(&client, "big", 4, 4).await;
    let nodes = node_ids(&client, &id).await;
    let path = format!("/clusters/{id}");
    let (_, message) = client
        .patch(&path, &json!({"availability": "powered_on"}))
        .await
        .error(400);
    assert!(message.contains("already"), "{message}");
    assert_eq!(
        client
            .patch(&path, &json!({"availability": "off"}))
            .await
            .status,
        400
    );
    // Configuration is fixed once deployed.
    assert_eq!(
        client
            .patch(&path, &json!({"ntp_servers": ["1.2.3.4"]}))
            .await
            .status,
        400
    );

    let resize = |nodes: &[(&String, &str)], password: Option<&str>| {
        let mut body = json!({"nodes": nodes.iter().map(|(id, t)| json!({"id": id, "instance_type": t})).collect::<Vec<_>>()});
        if let Some(password) = password {
            body["admin_password"] = json!(password);
        }
        body
    };
    for (body, fragment) in [
        (resize(&[(&nodes[0], "large")], Some("pw")), "HA pair"),
        (
            resize(&[(&nodes[0], "large"), (&nodes[1], "medium")], Some("pw")),
            "HA pair",
        ),
        (
            resize(&[(&nodes[0], "large"), (&nodes[1], "large")], None),
            "admin_password",
        ),
        (
            resize(&[(&nodes[0], "huge"), (&nodes[1], "huge")], Some("pw")),
            "instance_type",
        ),
        (
            json!({"admin_password": "pw", "nodes": [{"id": "nope", "instance_type": "large"}]}),
            "nope",
        ),
    ] {
        let (_, message) = client.patch(&path, &body).await.error(400);
        assert!(message.contains(fragment), "{body}: {message}");
    }
    let reply = client
        .patch(
            &path,
            &resize(
                &[(&nodes[2], "large"), (&nodes[3], "large")],
                Some("admin-pw"),
            ),
        )
        .await;
    assert!(!reply.text().contains("admin-pw"));
    client.succeeds(reply).await;
    let types: Vec<String> = client
        .get(&format!("{path}/nodes?fields=instance_type&order_by=name"))
        .await
        .records()
        .iter()
        .map(|n| n["instance_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["small", "small", "large", "large"]);

    client
        .succeeds(
            client
                .patch(&path, &json!({"availability": "powered_off"}))
                .await,
        )
        .await;
    client
        .succeeds(
            client
                .patch(&path, &json!({"availability": "powered_on"}))
                .await,
        )
        .await;
    assert!(mock.clusters()[0].is_powered_on());
}

#[tokio::test]
async fn configure_a_cluster_before_deploying() {
    let mock = start(85, |c| c).await;
    let client = Client::new(&mock);
    let id = cluster(&client, "cfg", 1).await;
    cluster(&client, "taken", 1).await;
    let path = format!("/clusters/{id}");
    client
        .patch(
            &path,
            &json!({"ip": "10.1.1.1", "netmask": "255.255.255.0", "ntp_servers": ["10.1.1.2"]}),
        )
        .await
        .expect(200);
    let record = client
        .get(&format!("{path}?fields=ip,netmask,ntp_servers"))
        .await
        .record();
    assert_eq!(
        record,
        json!({"id": id, "ip": "10.1.1.1", "netmask": "255.255.255.0", "ntp_servers": ["10.1.1.2"]})
    );
    assert_eq!(
        client.patch(&path, &json!({"name": "taken"})).await.status,
        409
    );
    client
        .patch(&path, &json!({"name": "renamed"}))
        .await
        .expect(200);
    assert_eq!(
        client.get("/clusters?name=renamed").await.records().len(),
        1
    );
}

#[tokio::test]
async fn pools_and_disks() {
    let mock = start(86, |c| c).await;
    let client = Client::new(&mock);
    let id = cluster(&client, "st", 1).await;
    let node = node_ids(&client, &id).await[0].clone();
    let base = format!("/clusters/{id}/nodes/{node}/storage");
    let created = client
        .post(&format!("{base}/pools"), &json!({"pool_array": [{"name": "ds1", "capacity": 1000}, {"name": "ds2", "capacity": 2000}]}))
        .await
        .expect(201);
    let pool = created.location_id();
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(&format!("{base}/pools/{pool}"))
    );
    let pools = client
        .get(&format!(
            "{base}/pools?fields=name,capacity&order_by=capacity%20desc"
        ))
        .await
        .records();
    assert_eq!(pools.len(), 2);
    assert_eq!(
        (&pools[0]["name"], &pools[0]["capacity"]),
        (&json!("ds2"), &json!(2000))
    );
    assert_eq!(
        client.get(&format!("{base}/pools/{pool}")).await.record()["name"],
        "ds1"
    );
    for (body, status) in [
        (json!({"pool_array": [{"name": "ds1", "capacity": 5}]}), 409),
        (
            json!({"pool_array": [{"name": "ds3", "capacity": "10GB"}]}),
            400,
        ),
        (json!({"pool_array": [{"name": "ds3", "capacity": 0}]}), 400),
        (json!({"pool_array": []}), 400),
        (json!({"pools": []}), 400),
    ] {
        assert_eq!(
            client.post(&format!("{base}/pools"), &body).await.status,
            status,
            "{body}"
        );
    }
    client
        .delete(&format!("{base}/pools/{pool}"))
        .await
        .expect(200);
    assert_eq!(
        client.delete(&format!("{base}/pools/{pool}")).await.status,
        404
    );
    assert_eq!(
        client.get(&format!("{base}/pools")).await.records().len(),
        1
    );

    let disks = client
        .post(
            &format!("{base}/disks"),
            &json!({"disks": ["/dev/disk/by-id/wwn-1", {"name": "/dev/disk/by-id/wwn-2"}]}),
        )
        .await
        .expect(201);
    assert!(disks.header("location").is_some());
    assert_eq!(
        client.get(&format!("{base}/disks")).await.records().len(),
        2
    );
    assert_eq!(
        client
            .post(
                &format!("{base}/disks"),
                &json!({"disks": ["/dev/disk/by-id/wwn-1"]})
            )
            .await
            .status,
        409
    );
    assert_eq!(
        client
            .post(&format!("{base}/disks"), &json!({"disks": [1]}))
            .await
            .status,
        400
    );
    assert_eq!(
        client
            .get(&format!("/clusters/{id}/nodes/nope/storage/pools"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn hosts_and_credentials() {
    let mock = start(87, |c| c).await;
    let client = Client::new(&mock);
    let ids = hosts(&client, &["a1", "a2"]).await;
    for (body, status) in [
        (
            json!({"hosts": [{"name": "a1", "hypervisor_type": "ESX"}]}),
            409,
        ),
        (
            json!({"hosts": [{"name": "b", "hypervisor_type": "KVM"}, {"name": "b", "hypervisor_type": "KVM"}]}),
            409,
        ),
        (
            json!({"hosts": [{"name": "b", "hypervisor_type": "esx"}]}),
            400,
        ),
        (json!({"hosts": [{"name": "b"}]}), 400),
        (json!({"hosts": []}), 400),
        (
            json!({"hosts": [{"name": "b", "hypervisor_type": "KVM", "credential": {"username": "root"}}]}),
            400,
        ),
    ] {
        assert_eq!(client.post("/hosts", &body).await.status, status, "{body}");
    }
    assert_eq!(
        client.get("/hosts?invalidate_cache=maybe").await.status,
        400
    );
    let record = client
        .get(&format!("/hosts/{}?fields=*", ids[0]))
        .await
        .record();
    assert_eq!(
        record,
        json!({"id": ids[0], "name": "a1", "hypervisor_type": "ESX", "credential": {"username": "root"}})
    );
    let deleted = client
        .delete(&format!("/hosts/{}", ids[0]))
        .await
        .expect(200);
    assert!(deleted.body.is_empty());
    assert_eq!(client.get(&format!("/hosts/{}", ids[0])).await.status, 404);
    assert_eq!(mock.hosts().len(), 1);

    let credential = json!({"hostname": "a2", "type": "host", "username": "root", "password": "p"});
    client
        .succeeds(client.post("/security/credentials", &credential).await)
        .await;
    assert_eq!(
        client
            .post("/security/credentials", &credential)
            .await
            .error(409)
            .0,
        "409001"
    );
    let other_user =
        json!({"hostname": "a2", "type": "host", "username": "admin", "password": "p"});
    client
        .succeeds(client.post("/security/credentials", &other_user).await)
        .await;
    for (body, fragment) in [
        (
            json!({"hostname": "x", "type": "host", "username": "u"}),
            "password",
        ),
        (
            json!({"hostname": "x", "username": "u", "password": "p"}),
            "type",
        ),
        (
            json!({"hostname": "x", "type": "host", "username": "u", "password": 5}),
            "password",
        ),
    ] {
        let (_, message) = client.post("/security/credentials", &body).await.error(400);
        assert!(message.contains(fragment), "{message}");
    }
    let names: Vec<String> = mock
        .credentials()
        .iter()
        .map(|c| c.username.clone())
        .collect();
    assert_eq!(names, ["root", "admin"]);
    assert_eq!(mock.credentials()[0].kind, "host");
}

#[tokio::test]
async fn images_mediators_and_unimplemented_uris() {
    let mock = start(88, |c| {
        c.images(["9.16.1", "9.17.1"])
            .mediator("med1", "10.9.9.9".parse().unwrap(), 3260)
    })
    .await;
    let client = Client::new(&mock);
    let images = client.get("/images?order_by=id%20desc").await.records();
    assert_eq!(images[0], json!({"id": "9.17.1", "version": "9.17.1"}));
    assert_eq!(client.get("/images?id=9.16.1").await.records().len(), 1);
    let mediators = client.get("/mediators?fields=*").await.records();
    assert_eq!(mediators[0]["ip"], "10.9.9.9");
    assert_eq!(mediators[0]["port"], 3260);
    let id = cluster(&client, "u", 2).await;
    let node = node_ids(&client, &id).await[0].clone();
    for (method, path) in [
        ("POST", format!("/clusters/{id}/refresh")),
        ("POST", format!("/clusters/{id}/expand")),
        ("POST", format!("/clusters/{id}/contract")),
        ("POST", format!("/clusters/{id}/nodes/{node}/stop")),
        ("DELETE", "/licensing/licenses/1".to_owned()),
    ] {
        let reply = client.send(Req::api(method, &path)).await;
        assert_eq!(reply.error(501).0, "501001", "{method} {path}");
    }
    assert_eq!(
        client
            .send(Req::api("GET", &format!("/clusters/{id}/refresh")))
            .await
            .status,
        405
    );
}
