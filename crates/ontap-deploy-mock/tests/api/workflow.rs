//! The canonical workflows of reference §7 end to end: credentials, hosts, a connectivity
//! check, a cluster, its nodes, networks by purpose and pools, the deploy job with its
//! progress messages, power off and delete. Addresses 127.0.13.40–49.

use serde_json::{Value, json};

use crate::support::{Client, start};

#[tokio::test]
async fn create_deploy_power_off_and_delete_a_cluster() {
    let mock = start(40, |c| c).await;
    let client = Client::new(&mock);

    // 1. The vCenter credential, idempotently: look first.
    let found = client
        .get("/security/credentials?hostname=vc.example")
        .await;
    assert!(found.records().is_empty());
    let reply = client
        .post(
            "/security/credentials",
            &json!({"hostname": "vc.example", "type": "vcenter",
                    "username": "administrator@vsphere.local", "password": "vc-pw"}),
        )
        .await;
    let credential = reply.location_id();
    client.succeeds(reply).await;
    let found = client
        .get("/security/credentials?hostname=vc.example&username=administrator%40vsphere.local")
        .await
        .records();
    assert_eq!(found[0]["id"], credential.as_str());

    // 2. Both hosts in one batch, one job; the location names the first.
    let reply = client
        .post(
            "/hosts",
            &json!({"hosts": [
                {"name": "esx-a.example", "hypervisor_type": "ESX", "management_server": "vc.example"},
                {"name": "esx-b.example", "hypervisor_type": "ESX", "management_server": "vc.example"}
            ]}),
        )
        .await;
    let first_host = reply.location_id();
    let (record, messages) = client.wait_job(&reply.job()).await;
    assert_eq!(record["state"], "success", "{messages:?}");
    assert_eq!(mock.jobs_started(), 2);

    // 3. Host ids by name.
    let host_id = |name: &'static str| {
        let client = &client;
        async move {
            let hosts = client
                .get(&format!("/hosts?name={name}&invalidate_cache=true"))
                .await
                .records();
            assert_eq!(hosts.len(), 1);
            hosts[0]["id"].as_str().unwrap().to_owned()
        }
    };
    let hosts = [
        host_id("esx-a.example").await,
        host_id("esx-b.example").await,
    ];
    assert_eq!(hosts[0], first_host);

    // 4. The network check.
    let reply = client
        .post(
            "/network/connectivitychecks",
            &json!({"debug": false, "mode": "quick", "mtu": 9000, "vswitch_type": "StandardvSwitch",
                    "host_networks": [
                        {"host_name": "esx-a.example", "network_name": "ONTAP-Internal"},
                        {"host_name": "esx-b.example", "network_name": "ONTAP-Internal"}]}),
        )
        .await;
    let check = reply.location_id();
    client.succeeds(reply).await;
    let results = client
        .get(&format!(
            "/network/connectivitychecks/{check}?fields=state,results"
        ))
        .await
        .record();
    assert_eq!(results["state"], "success");
    assert_eq!(results["results"].as_array().unwrap().len(), 2);

    // 5. The cluster: 201, empty body, id in location.
    let created = client
        .post(
            "/clusters?node_count=2",
            &json!({"name": "otsc", "ip": "10.0.0.50", "gateway": "10.0.0.1",
                    "netmask": "255.255.255.0", "ontap_image_version": "9.17.1",
                    "dns_info": {"domains": ["example.com"], "dns_ips": ["10.0.0.2"]},
                    "ntp_servers": ["10.0.0.3"]}),
        )
        .await
        .expect(201);
    assert!(created.body.is_empty());
    let cluster = created.location_id();

    // 6. The nodes, by name.
    let nodes = client
        .get(&format!(
            "/clusters/{cluster}/nodes?fields=id,name&order_by=name%20asc"
        ))
        .await
        .records();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["name"], "otsc-01");
    assert_eq!(nodes[1]["name"], "otsc-02");

    // 7. Each node: host, IP, size; networks by purpose; a pool.
    for (i, node) in nodes.iter().enumerate() {
        let node = node["id"].as_str().unwrap();
        let base = format!("/clusters/{cluster}/nodes/{node}");
        client
            .patch(
                &base,
                &json!({"host": {"id": hosts[i]}, "ip": format!("10.0.0.{}", 51 + i),
                        "instance_type": "medium", "passthrough_disks": false}),
            )
            .await
            .expect(200);
        let networks = client
            .get(&format!("{base}/networks?fields=id,purpose"))
            .await
            .records();
        assert_eq!(networks.len(), 3);
        assert_ne!(
            networks[0]["purpose"], "mgmt",
            "the order must not be relied on"
        );
        for (purpose, name) in [
            ("mgmt", "ONTAP-Mgmt"),
            ("data", "ONTAP-Data"),
            ("internal", "ONTAP-Internal"),
        ] {
            let network: &Value = networks.iter().find(|n| n["purpose"] == purpose).unwrap();
            let id = network["id"].as_str().unwrap();
            client
                .patch(
                    &format!("{base}/networks/{id}"),
                    &json!({"name": name, "vlan_id": 10}),
                )
                .await
                .expect(200);
        }
        client
            .post(
                &format!("{base}/storage/pools"),
                &json!({"pool_array": [{"name": format!("datastore{i}"), "capacity": 2_147_483_648_000_u64}]}),
            )
            .await
            .expect(201);
        let record = client.get(&format!("{base}?fields=**")).await.record();
        assert_eq!(
            record["host"]["name"],
            ["esx-a.example", "esx-b.example"][i]
        );
        assert_eq!(record["instance_type"], "medium");
        let mgmt = client
            .get(&format!("{base}/networks?purpose=mgmt&fields=name,vlan_id"))
            .await
            .records();
        assert_eq!(
            (&mgmt[0]["name"], &mgmt[0]["vlan_id"]),
            (&json!("ONTAP-Mgmt"), &json!(10))
        );
    }

    // 8. Deploy, and follow the job's progress messages with long polls (slower steps, so
    // that a loaded machine still sees every one).
    mock.set_job_step(std::time::Duration::from_millis(200));
    let state = client
        .get(&format!("/clusters/{cluster}?fields=state,is_deployed"))
        .await
        .record();
    assert_eq!(
        (&state["state"], &state["is_deployed"]),
        (&json!("powered_off"), &json!(false))
    );
    let reply = client
        .post(
            &format!("/clusters/{cluster}/deploy?inhibit_rollback=false"),
            &json!({"ontap_credential": {"password": "ontap-admin-pw"}}),
        )
        .await;
    let (record, messages) = client.wait_job(&reply.job()).await;
    assert_eq!(record["state"], "success", "{messages:?}");
    // queued, at least three progress messages, done.
    assert!(messages.len() >= 5, "{messages:?}");
    assert!(!messages.iter().any(|m| m.contains("ontap-admin-pw")));
    let state = client
        .get(&format!("/clusters/{cluster}?fields=state,is_deployed"))
        .await
        .record();
    assert_eq!(
        (&state["state"], &state["is_deployed"]),
        (&json!("powered_on"), &json!(true))
    );
    assert!(mock.clusters()[0].is_powered_on());

    // Delete (S6): refused while powered on; power off, wait, delete, wait.
    let (code, message) = client
        .delete(&format!("/clusters/{cluster}"))
        .await
        .error(400);
    assert_eq!(code, "400003");
    assert!(message.contains("powered_on"), "{message}");
    let reply = client
        .patch(
            &format!("/clusters/{cluster}"),
            &json!({"availability": "powered_off"}),
        )
        .await;
    client.succeeds(reply).await;
    let state = client
        .get(&format!("/clusters/{cluster}?fields=state"))
        .await
        .record();
    assert_eq!(state, json!({"id": cluster, "state": "powered_off"}));
    let reply = client.delete(&format!("/clusters/{cluster}")).await;
    client.succeeds(reply).await;
    assert_eq!(
        client.get(&format!("/clusters/{cluster}")).await.status,
        404
    );
    assert!(mock.clusters().is_empty());
    assert_eq!(mock.hosts().len(), 2);
    assert_eq!(mock.jobs_started(), 6);
}
