//! Every typed call but the cluster lifecycle, per endpoint, against the HTTPS mock:
//! credentials, hosts, nodes, networks, storage pools and disks, licences, connectivity
//! checks, images, mediators and raw requests. Addresses 127.0.14.1–29.

use std::net::Ipv4Addr;

use secrecy::SecretString;
use serde_json::{Value, json};
use storkit_core::http::{Method, StatusCode};
use storkit_ontap_deploy::model::{
    CheckMode, ConnectivityCheckRequest, CredentialKind, DiskList, HostBatch, HostRegistration,
    HypervisorType, InstanceType, JobState, NetworkPurpose, NetworkUpdate, NewCluster,
    NewCredential, NodeCount, NodeUpdate, PoolArray, StoragePoolSpec, VswitchType,
};
use storkit_ontap_deploy::{CredentialAdded, DeployClient, ErrorKind, Fields, Order, Query};

use crate::support::{client, count, last_query, log, nlf, requests, start};

/// Registers `names` as ESX hosts in one batch and waits; their ids, in order.
pub(crate) async fn register(deploy: &DeployClient, names: &[&str]) -> Vec<String> {
    let batch = HostBatch::new(
        names
            .iter()
            .map(|n| HostRegistration::new(*n, HypervisorType::Esx).credential("root", "EsxRoot1!"))
            .collect(),
    );
    deploy
        .register_hosts(&batch)
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for name in names {
        let host = deploy.find_host(name).await.unwrap().expect("registered");
        ids.push(host.id.unwrap());
    }
    ids
}

#[tokio::test]
async fn credentials_list_get_add_idempotently_and_delete() {
    let mock = start(1, |c| c).await;
    let deploy = client(&mock);
    let vcenter = NewCredential::new(
        CredentialKind::Vcenter,
        "vc.example",
        "administrator@vsphere.local",
        "VMware1!",
    );

    // Missing: looked up, then POSTed; the job carries the new id from `location`.
    let CredentialAdded::Started(job) = deploy.add_credential(&vcenter).await.unwrap() else {
        panic!("a new credential starts a job");
    };
    let id = job.location_id().expect("the id from location").to_owned();
    assert_eq!(mock.credentials()[0].id, id);
    assert_eq!(mock.jobs()[0].id, job.id());
    let done = job.wait().await.unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!(
        last_query(&mock, Method::GET, "/security/credentials"),
        "hostname=vc.example&username=administrator%40vsphere.local&fields=*"
    );
    assert_eq!(count(&mock, Method::POST, "/security/credentials"), 1);

    // Present: the second add finds it and sends no POST.
    let gets = count(&mock, Method::GET, "/security/credentials");
    match deploy.add_credential(&vcenter).await.unwrap() {
        CredentialAdded::Existing(c) => {
            assert_eq!(c.id.as_deref(), Some(id.as_str()));
            assert_eq!(c.credential_kind(), Some(CredentialKind::Vcenter));
        }
        other => panic!("added twice: {other:?}"),
    }
    assert_eq!(count(&mock, Method::GET, "/security/credentials"), gets + 1);
    assert_eq!(count(&mock, Method::POST, "/security/credentials"), 1);
    assert_eq!(mock.credentials().len(), 1);

    let host = NewCredential::new(CredentialKind::Host, "esx-1.example", "root", "EsxRoot1!");
    let CredentialAdded::Started(job) = deploy.add_credential(&host).await.unwrap() else {
        panic!("a new credential starts a job");
    };
    let host_id = job.location_id().unwrap().to_owned();
    job.wait().await.unwrap();

    // Lists with filters, fields and order.
    let hosts_only = deploy
        .credentials(&Query::new().eq("type", "host").fields(Fields::Cheap))
        .await
        .unwrap();
    assert_eq!(hosts_only.len(), 1);
    assert_eq!(hosts_only[0].id.as_deref(), Some(host_id.as_str()));
    assert_eq!(hosts_only[0].hostname.as_deref(), Some("esx-1.example"));
    let ordered = deploy
        .credentials(
            &Query::new()
                .like("hostname", "*.example")
                .order_by("hostname", Order::Desc),
        )
        .await
        .unwrap();
    let names: Vec<_> = ordered.iter().filter_map(|c| c.hostname.clone()).collect();
    assert_eq!(names, ["vc.example", "esx-1.example"]);
    assert!(
        deploy
            .credentials(&Query::new().eq("username", "nobody"))
            .await
            .unwrap()
            .is_empty()
    );

    // Get, then delete.
    let got = deploy.credential(&id).await.unwrap();
    assert_eq!(got.hostname.as_deref(), Some("vc.example"));
    assert_eq!(got.username.as_deref(), Some("administrator@vsphere.local"));
    assert_eq!(got.kind.as_deref(), Some("vcenter"));
    deploy.delete_credential(&id).await.unwrap();
    assert_eq!(mock.credentials().len(), 1);
    assert_eq!(mock.credentials()[0].id, host_id);
    let e = deploy.credential(&id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn hosts_register_as_a_batch_list_get_find_and_delete() {
    let mock = start(2, |c| c).await;
    let deploy = client(&mock);
    let batch = HostBatch::new(vec![
        HostRegistration::new("esx-a.example", HypervisorType::Esx).management_server("vc.example"),
        HostRegistration::new("kvm-b.example", HypervisorType::Kvm).credential("root", "KvmRoot1!"),
    ]);
    let job = deploy.register_hosts(&batch).await.unwrap();
    assert_eq!(
        count(&mock, Method::POST, "/hosts"),
        1,
        "one request per batch"
    );
    let first = job.location_id().expect("location").to_owned();
    let snapshot = mock.hosts();
    assert_eq!(snapshot.len(), 2);
    assert_eq!(snapshot[0].id, first);
    let mut messages = Vec::new();
    let done = job
        .wait_with(|p| messages.push(p.message.clone()))
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!(
        messages.last().map(String::as_str),
        Some("Added 2 host(s)"),
        "{messages:?}"
    );

    let listed = deploy
        .hosts(
            &Query::new()
                .param("invalidate_cache", true)
                .fields(Fields::Cheap)
                .order_by("name", Order::Desc),
        )
        .await
        .unwrap();
    assert_eq!(
        last_query(&mock, Method::GET, "/hosts"),
        "invalidate_cache=true&fields=*&order_by=name%20desc"
    );
    let names: Vec<_> = listed.iter().filter_map(|h| h.name.clone()).collect();
    assert_eq!(names, ["kvm-b.example", "esx-a.example"]);
    assert_eq!(listed[0].hypervisor(), Some(HypervisorType::Kvm));
    assert_eq!(listed[1].management_server.as_deref(), Some("vc.example"));

    let esx = deploy.host(&first, Fields::All).await.unwrap();
    assert_eq!(esx.name.as_deref(), Some("esx-a.example"));
    assert_eq!(esx.hypervisor(), Some(HypervisorType::Esx));
    // The key fields only: no hypervisor type.
    let keys = deploy.host(&first, Fields::Keys).await.unwrap();
    assert_eq!(keys.id.as_deref(), Some(first.as_str()));
    assert_eq!(keys.hypervisor_type, None);

    let kvm = deploy
        .find_host("kvm-b.example")
        .await
        .unwrap()
        .expect("found");
    let kvm_id = kvm.id.clone().unwrap();
    assert_eq!(kvm_id, snapshot[1].id);
    assert_eq!(
        last_query(&mock, Method::GET, "/hosts"),
        "name=kvm-b.example&fields=*"
    );
    assert!(deploy.find_host("nope.example").await.unwrap().is_none());

    deploy.delete_host(&kvm_id).await.unwrap();
    assert_eq!(mock.hosts().len(), 1);
    assert_eq!(
        deploy.host(&kvm_id, Fields::Keys).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(deploy.find_host("kvm-b.example").await.unwrap().is_none());
}

#[tokio::test]
async fn nodes_networks_storage_pools_and_disks() {
    let mock = start(3, |c| c).await;
    let deploy = client(&mock);
    let hosts = register(&deploy, &["esx-1.example", "esx-2.example"]).await;
    let cluster = deploy
        .create_cluster(&NewCluster::new("ots2"), NodeCount::new(2).unwrap())
        .await
        .unwrap();

    // Ordered by name, both ways.
    let nodes = deploy
        .nodes(&cluster, &Query::new().order_by("name", Order::Asc))
        .await
        .unwrap();
    let names: Vec<_> = nodes.iter().filter_map(|n| n.name.clone()).collect();
    assert_eq!(names, ["ots2-01", "ots2-02"]);
    assert_eq!(mock.clusters()[0].nodes, names);
    let reversed = deploy
        .nodes(&cluster, &Query::new().order_by("name", Order::Desc))
        .await
        .unwrap();
    let reversed: Vec<_> = reversed.iter().filter_map(|n| n.name.clone()).collect();
    assert_eq!(reversed, ["ots2-02", "ots2-01"]);
    let node_ids: Vec<String> = nodes.iter().map(|n| n.id.clone().unwrap()).collect();

    // Configure, then read back.
    for (i, (node, host)) in node_ids.iter().zip(&hosts).enumerate() {
        let update = NodeUpdate::new()
            .host_id(host)
            .ip(format!("10.0.3.{}", 11 + i))
            .instance_type(InstanceType::Medium)
            .passthrough_disks(i == 1)
            .storage_efficiency(true);
        deploy
            .configure_node(&cluster, node, &update)
            .await
            .unwrap();
    }
    let first = deploy
        .node(&cluster, &node_ids[0], Fields::Cheap)
        .await
        .unwrap();
    assert_eq!(first.host_id(), Some(hosts[0].as_str()));
    assert_eq!(first.ip.as_deref(), Some("10.0.3.11"));
    assert_eq!(first.instance_type, Some(InstanceType::Medium));
    assert_eq!(first.passthrough_disks, Some(false));
    assert_eq!(first.is_storage_efficiency_enabled, Some(true));
    let second = deploy
        .node(
            &cluster,
            &node_ids[1],
            Fields::List(vec!["passthrough_disks".into()]),
        )
        .await
        .unwrap();
    assert_eq!(second.passthrough_disks, Some(true));
    assert_eq!(second.ip, None, "only the fields asked for");

    // Networks: the mock lists data first and mgmt last; the client picks by purpose.
    let node = &node_ids[0];
    let listed = deploy
        .networks(&cluster, node, &Query::new())
        .await
        .unwrap();
    let purposes: Vec<_> = listed.iter().filter_map(|n| n.purpose.clone()).collect();
    assert_eq!(
        purposes,
        [
            NetworkPurpose::Data,
            NetworkPurpose::Internal,
            NetworkPurpose::Mgmt
        ]
    );
    for purpose in [
        NetworkPurpose::Mgmt,
        NetworkPurpose::Data,
        NetworkPurpose::Internal,
    ] {
        let picked = deploy
            .network_by_purpose(&cluster, node, purpose.clone())
            .await
            .unwrap()
            .expect("a two-node cluster has every network");
        let expected = listed.iter().find(|n| n.purpose.as_ref() == Some(&purpose));
        assert_eq!(picked.id, expected.and_then(|n| n.id.clone()), "{purpose}");
        assert_eq!(picked.purpose, Some(purpose));
    }
    let mgmt = deploy
        .network_by_purpose(&cluster, node, NetworkPurpose::Mgmt)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(mgmt.id, listed[0].id, "not the first record");
    deploy
        .configure_network(
            &cluster,
            node,
            mgmt.id.as_deref().unwrap(),
            &NetworkUpdate::new().name("ONTAP Mgmt").vlan_id(10),
        )
        .await
        .unwrap();
    let only_mgmt = deploy
        .networks(
            &cluster,
            node,
            &Query::new().eq("purpose", "mgmt").fields(Fields::All),
        )
        .await
        .unwrap();
    assert_eq!(only_mgmt.len(), 1);
    assert_eq!(only_mgmt[0].name.as_deref(), Some("ONTAP Mgmt"));
    assert_eq!(only_mgmt[0].vlan_id, Some(10));

    // Storage pools: add, list, remove.
    let pools = PoolArray::new(vec![
        StoragePoolSpec::new("datastore 1", 2_199_023_255_552),
        StoragePoolSpec::new("datastore 2", 1_099_511_627_776),
    ]);
    deploy
        .add_storage_pools(&cluster, node, &pools)
        .await
        .unwrap();
    let pool_path = format!("/clusters/{cluster}/nodes/{node}/storage/pools");
    assert_eq!(
        requests(&mock, Method::POST, &pool_path)[0].status,
        Some(201)
    );
    let attached = deploy.storage_pools(&cluster, node).await.unwrap();
    let attached: Vec<_> = attached
        .iter()
        .map(|p| (p.name.clone().unwrap(), p.id.clone().unwrap()))
        .collect();
    assert_eq!(attached.len(), 2);
    assert_eq!(attached[0].0, "datastore 1");
    deploy
        .remove_storage_pool(&cluster, node, &attached[0].1)
        .await
        .unwrap();
    let left = deploy.storage_pools(&cluster, node).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name.as_deref(), Some("datastore 2"));
    assert_eq!(left[0].capacity, Some(1_099_511_627_776));
    let e = deploy
        .remove_storage_pool(&cluster, node, &attached[0].1)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

    // Disks (software RAID): no typed list, so read them raw.
    let disk = "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4";
    deploy
        .add_disks(&cluster, &node_ids[1], &DiskList::new([disk]))
        .await
        .unwrap();
    let answer = deploy
        .raw(
            Method::GET,
            &format!("clusters/{cluster}/nodes/{}/storage/disks", node_ids[1]),
        )
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["num_records"], 1, "{body}");
    assert_eq!(body["records"][0]["name"], disk);
}

#[tokio::test]
async fn a_single_node_has_no_internal_network() {
    let mock = start(4, |c| c).await;
    let deploy = client(&mock);
    let cluster = deploy
        .create_cluster(&NewCluster::new("ots1"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    let nodes = deploy.nodes(&cluster, &Query::new()).await.unwrap();
    assert_eq!(nodes.len(), 1);
    let node = nodes[0].id.clone().unwrap();
    let listed = deploy
        .networks(&cluster, &node, &Query::new())
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0].purpose,
        Some(NetworkPurpose::Data),
        "not mgmt first"
    );
    assert!(
        deploy
            .network_by_purpose(&cluster, &node, NetworkPurpose::Internal)
            .await
            .unwrap()
            .is_none()
    );
    let mgmt = deploy
        .network_by_purpose(&cluster, &node, NetworkPurpose::Mgmt)
        .await
        .unwrap()
        .expect("mgmt");
    assert_eq!(mgmt.id, listed[1].id);
}

#[tokio::test]
async fn licences_upload_and_update_as_multipart() {
    let mock = start(5, |c| c).await;
    let deploy = client(&mock);
    assert!(
        deploy
            .licenses(&Query::new().eq("id", "320000001"))
            .await
            .unwrap()
            .is_empty()
    );

    // 201 and no job: the mock parsed the form, its file part and the serial in it.
    let job = deploy
        .upload_license("320000001.NLF", nlf("320000001"))
        .await
        .unwrap();
    assert!(job.is_none());
    assert_eq!(mock.licenses(), ["320000001"]);
    let upload = requests(&mock, Method::POST, "/licensing/licenses");
    assert_eq!(upload.len(), 1);
    assert_eq!(upload[0].status, Some(201));
    let content_type = upload[0].headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let found = deploy
        .licenses(&Query::new().eq("id", "320000001").fields(Fields::All))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].serial(), Some("320000001"));
    assert_eq!(found[0].extra["file_name"], "320000001.NLF");

    // Twice is a conflict (S6 PUTs a licence Deploy knows).
    let e = deploy
        .upload_license("again.NLF", nlf("320000001"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");

    // Not in use: updated at once, no job.
    let job = deploy
        .update_license("320000001", "renewed.NLF", nlf("320000001"), None)
        .await
        .unwrap();
    assert!(job.is_none());
    let found = deploy
        .licenses(&Query::new().eq("id", "320000001").fields(Fields::All))
        .await
        .unwrap();
    assert_eq!(found[0].extra["file_name"], "renewed.NLF");
    assert_eq!(
        requests(&mock, Method::PUT, "/licensing/licenses/320000001")[0].status,
        Some(200)
    );
    // A file for another serial is refused by the mock, which read it.
    let e = deploy
        .update_license("320000001", "x.NLF", nlf("320000009"), None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    assert!(e.to_string().contains("320000009"), "{e}");
}

#[tokio::test]
async fn a_licence_in_use_is_updated_by_a_job_with_the_ontap_credentials() {
    let mock = start(6, |c| c).await;
    let deploy = client(&mock);
    deploy
        .upload_license("320000002.NLF", nlf("320000002"))
        .await
        .unwrap();
    let hosts = register(&deploy, &["esx-l.example"]).await;
    let cluster = deploy
        .create_cluster(
            &NewCluster::new("otsl").ip("10.0.6.5"),
            NodeCount::new(1).unwrap(),
        )
        .await
        .unwrap();
    let node = deploy.nodes(&cluster, &Query::new()).await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    deploy
        .configure_node(
            &cluster,
            &node,
            &NodeUpdate::new()
                .host_id(&hosts[0])
                .ip("10.0.6.11")
                .serial_number("320000002")
                .license_id("320000002"),
        )
        .await
        .unwrap();
    deploy
        .deploy_cluster(
            &cluster,
            &storkit_ontap_deploy::model::DeployRequest::new("OntapAdmin1!"),
            false,
        )
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let in_use = deploy
        .licenses(&Query::new().eq("nodes.id", &node))
        .await
        .unwrap();
    assert_eq!(in_use.len(), 1);

    // Without the ONTAP credentials: refused.
    let e = deploy
        .update_license("320000002", "new.NLF", nlf("320000002"), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClientError, "{e}");
    assert!(e.to_string().contains("ontap_password"), "{e}");
    // With them: a job that installs it.
    let password = SecretString::from("OntapAdmin1!");
    let jobs = mock.jobs_started();
    let job = deploy
        .update_license(
            "320000002",
            "new.NLF",
            nlf("320000002"),
            Some(("admin", &password)),
        )
        .await
        .unwrap()
        .expect("a job");
    assert_eq!(mock.jobs_started(), jobs + 1);
    let done = job.wait().await.unwrap();
    assert_eq!(done.message.as_deref(), Some("License 320000002 updated"));
    let found = deploy
        .licenses(&Query::new().eq("id", "320000002").fields(Fields::All))
        .await
        .unwrap();
    assert_eq!(found[0].extra["file_name"], "new.NLF");
}

#[tokio::test]
async fn a_connectivity_check_is_a_job() {
    let mock = start(7, |c| c).await;
    let deploy = client(&mock);
    let check = ConnectivityCheckRequest::new(CheckMode::Quick, VswitchType::Standard, 9000)
        .host_network("esx-1.example", "ONTAP-Internal")
        .host_network("esx-2.example", "ONTAP-Internal");
    let job = deploy.start_connectivity_check(&check).await.unwrap();
    let id = job.location_id().expect("the check's id").to_owned();
    let done = job.wait().await.unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!(
        done.message.as_deref(),
        Some("Network connectivity check passed")
    );
    let answer = deploy
        .raw(Method::GET, &format!("network/connectivitychecks/{id}"))
        .query(Query::new().fields(Fields::All))
        .send()
        .await
        .unwrap();
    let record: Value = serde_json::from_slice(&answer.body).unwrap();
    let record = &record["record"];
    assert_eq!(record["state"], "success", "{record}");
    assert_eq!(record["mtu"], 9000);
    assert_eq!(record["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(record["results"][0]["status"], "success");
}

#[tokio::test]
async fn images_and_mediators() {
    let mock = start(8, |c| {
        c.images(["9.17.1", "9.16.1"])
            .mediator("mediator-a", Ipv4Addr::new(10, 0, 8, 9), 3260)
    })
    .await;
    let deploy = client(&mock);
    let images = deploy.images(&Query::new()).await.unwrap();
    let ids: Vec<_> = images.iter().filter_map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["9.17.1", "9.16.1"]);
    let one = deploy
        .images(&Query::new().eq("id", "9.16.1"))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].extra["version"], "9.16.1");

    let mediators = deploy
        .mediators(&Query::new().fields(Fields::All))
        .await
        .unwrap();
    assert_eq!(mediators.len(), 1);
    assert_eq!(mediators[0].id.as_deref(), Some("mediator-1"));
    assert_eq!(mediators[0].extra["name"], "mediator-a");
    assert_eq!(mediators[0].extra["ip"], "10.0.8.9");
    assert_eq!(mediators[0].extra["port"], 3260);
}

#[tokio::test]
async fn raw_requests_with_a_query_a_body_and_a_job() {
    let mock = start(9, |c| c).await;
    let deploy = client(&mock);
    for name in ["otsa", "otsb", "other"] {
        deploy
            .create_cluster(&NewCluster::new(name), NodeCount::new(1).unwrap())
            .await
            .unwrap();
    }
    let answer = deploy
        .raw(Method::GET, "clusters")
        .query(
            Query::new()
                .like("name", "ots*")
                .field_list(["id", "name", "state"])
                .order_by("name", Order::Desc),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.request_id.is_some());
    assert!(answer.job.is_none());
    assert_eq!(
        last_query(&mock, Method::GET, "/clusters"),
        "name=ots*&fields=id,name,state&order_by=name%20desc"
    );
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["num_records"], 2);
    assert_eq!(body["records"][0]["name"], "otsb");
    assert_eq!(body["records"][1]["state"], "powered_off");

    // A raw POST that starts a job, waited for.
    let before = mock.jobs_started();
    let job = deploy
        .raw(Method::POST, "/security/credentials")
        .json(
            &json!({"hostname": "esx-9.example", "type": "host", "username": "root",
            "password": "EsxRoot1!"}),
        )
        .unwrap()
        .send_and_wait()
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Success);
    assert_eq!(mock.jobs_started(), before + 1);
    assert_eq!(mock.credentials()[0].hostname, "esx-9.example");

    // Any body with its content type: a licence as multipart.
    let form = storkit_core::multipart::Multipart::new().file(
        "license_file",
        "320000009.NLF",
        "application/json",
        nlf("320000009"),
    );
    let answer = deploy
        .raw(Method::POST, "licensing/licenses")
        .body(&form.content_type(), form.into_body())
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.location_id.as_deref(), Some("320000009"));
    assert_eq!(mock.licenses(), ["320000009"]);

    // A refused query never leaves the client.
    let sent = log(&mock).len();
    let e = deploy
        .raw(Method::GET, "clusters")
        .query(Query::new().eq("name", "a|b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(log(&mock).len(), sent);
}
