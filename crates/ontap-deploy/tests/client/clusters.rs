//! The cluster lifecycle: create (201, the id from `location`), find, get with fields,
//! configure, deploy with its progress messages, power off and on, resize, delete, and
//! power off and delete. Addresses 127.0.14.30–39.

use std::time::Duration;

use storkit_core::http::Method;
use storkit_ontap_deploy::model::{
    Availability, ClusterUpdate, DeployRequest, DnsInfo, InstanceType, JobState, NewCluster,
    NodeCount, NodeUpdate, Resize,
};
use storkit_ontap_deploy::{DeployClient, ErrorKind, Fields, JobProgress, Order, Query};
use storkit_ontap_deploy_mock::DeployMock;

use crate::endpoints::register;
use crate::support::{builder, client, count, last_query, requests, start, start_plain};

/// Puts node `i` on `hosts[i]` with IP `10.0.<net>.<11+i>`; the node ids by name.
async fn place(deploy: &DeployClient, cluster: &str, hosts: &[String], net: u8) -> Vec<String> {
    let nodes = deploy
        .nodes(cluster, &Query::new().order_by("name", Order::Asc))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, (node, host)) in nodes.iter().zip(hosts).enumerate() {
        let id = node.id.clone().unwrap();
        let update = NodeUpdate::new()
            .host_id(host)
            .ip(format!("10.0.{net}.{}", 11 + i))
            .instance_type(InstanceType::Small);
        deploy.configure_node(cluster, &id, &update).await.unwrap();
        ids.push(id);
    }
    ids
}

fn state_of(mock: &DeployMock, id: &str) -> (String, bool) {
    let cluster = mock
        .clusters()
        .into_iter()
        .find(|c| c.id == id)
        .expect("the cluster");
    (cluster.state, cluster.is_deployed)
}

#[tokio::test]
async fn create_find_get_and_configure() {
    let mock = start(30, |c| c).await;
    let deploy = client(&mock);
    let new = NewCluster::new("otsc")
        .ip("10.0.30.5")
        .gateway("10.0.30.1")
        .netmask("255.255.255.0")
        .ontap_image_version("9.17.1")
        .dns_info(DnsInfo::new(["example.com"], ["10.0.30.2"]))
        .ntp_servers(["10.0.30.3"]);
    let id = deploy
        .create_cluster(&new, NodeCount::new(2).unwrap())
        .await
        .unwrap();
    // 201, empty body, the id from `location` is the mock's.
    assert_eq!(mock.clusters().len(), 1);
    assert_eq!(id, mock.clusters()[0].id);
    let posts = requests(&mock, Method::POST, "/clusters");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, Some(201));
    assert_eq!(posts[0].query.as_deref(), Some("node_count=2"));
    assert_eq!(
        count(&mock, Method::GET, "/clusters"),
        0,
        "no lookup by name when location names the cluster"
    );

    let found = deploy.find_cluster("otsc").await.unwrap().expect("found");
    assert_eq!(found.id.as_deref(), Some(id.as_str()));
    assert_eq!(found.ip.as_deref(), Some("10.0.30.5"));
    assert_eq!(
        last_query(&mock, Method::GET, "/clusters"),
        "name=otsc&fields=*"
    );
    assert!(deploy.find_cluster("nope").await.unwrap().is_none());

    let fields = Fields::List(vec![
        "state".into(),
        "is_deployed".into(),
        "dns_info".into(),
        "nodes".into(),
    ]);
    let got = deploy.cluster(&id, fields).await.unwrap();
    assert_eq!(
        last_query(&mock, Method::GET, &format!("/clusters/{id}")),
        "fields=state,is_deployed,dns_info,nodes"
    );
    assert_eq!(got.state.as_deref(), Some("powered_off"));
    assert!(!got.is_powered_on());
    assert_eq!(got.is_deployed, Some(false));
    assert_eq!(
        got.dns_info,
        Some(DnsInfo::new(["example.com"], ["10.0.30.2"]))
    );
    let nodes: Vec<_> = got
        .nodes
        .unwrap()
        .into_iter()
        .filter_map(|n| n.name)
        .collect();
    assert_eq!(nodes, ["otsc-01", "otsc-02"]);
    assert_eq!(got.ip, None, "only the fields asked for");
    // `*` leaves the expensive node list out.
    let cheap = deploy.cluster(&id, Fields::Cheap).await.unwrap();
    assert_eq!(cheap.netmask.as_deref(), Some("255.255.255.0"));
    assert_eq!(cheap.ontap_image_version.as_deref(), Some("9.17.1"));
    assert_eq!(cheap.nodes, None);

    deploy
        .configure_cluster(
            &id,
            &ClusterUpdate::new()
                .gateway("10.0.30.254")
                .ntp_servers(["10.0.30.4", "10.0.30.6"]),
        )
        .await
        .unwrap();
    let patched = requests(&mock, Method::PATCH, &format!("/clusters/{id}"));
    assert_eq!(patched.len(), 1);
    assert_eq!(patched[0].status, Some(200));
    let all = deploy.cluster(&id, Fields::All).await.unwrap();
    assert_eq!(all.gateway.as_deref(), Some("10.0.30.254"));
    assert_eq!(
        all.ntp_servers,
        Some(vec!["10.0.30.4".to_owned(), "10.0.30.6".to_owned()])
    );
    assert_eq!(all.ip.as_deref(), Some("10.0.30.5"), "unchanged");
}

/// The whole life of a two-node cluster on a paused clock, so that the wait sees every
/// step: deploy with progress, power off and on, resize, power off and delete.
#[tokio::test(start_paused = true)]
async fn deploy_power_resize_and_delete() {
    let mock = start_plain(31, |c| c.job_step(Duration::from_secs(5))).await;
    let deploy = builder(&mock).build().unwrap();
    let hosts = register(&deploy, &["esx-1.example", "esx-2.example"]).await;
    let id = deploy
        .create_cluster(
            &NewCluster::new("otsd").ip("10.0.31.5"),
            NodeCount::new(2).unwrap(),
        )
        .await
        .unwrap();
    let nodes = place(&deploy, &id, &hosts, 31).await;

    // Deploy: every message once, in the order Deploy wrote them.
    let job = deploy
        .deploy_cluster(&id, &DeployRequest::new("OntapAdmin1!"), true)
        .await
        .unwrap();
    assert_eq!(
        last_query(&mock, Method::POST, &format!("/clusters/{id}/deploy")),
        "inhibit_rollback=true"
    );
    let mut progress: Vec<JobProgress> = Vec::new();
    let done = job.wait_with(|p| progress.push(p.clone())).await.unwrap();
    assert_eq!(done.state, JobState::Success);
    let messages: Vec<&str> = progress.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Job queued",
            "Creating the ONTAP Select virtual machines on 2 host(s)",
            "Configuring the node networks",
            "Installing ONTAP 9.17.1 on the nodes",
            "Creating cluster otsd",
            "Cluster otsd deployed (rollback inhibited)",
        ]
    );
    assert!(progress.len() >= 3);
    let mut unique = messages.clone();
    unique.dedup();
    assert_eq!(unique, messages, "no message twice");
    assert!(
        progress.windows(2).all(|w| w[0].elapsed < w[1].elapsed),
        "in order"
    );
    assert_eq!(progress[1].state, "running");
    assert_eq!(progress[5].state, "success");
    assert_eq!(state_of(&mock, &id), ("powered_on".to_owned(), true));
    assert!(
        deploy
            .cluster(&id, Fields::Cheap)
            .await
            .unwrap()
            .is_powered_on()
    );

    // Power off, then on.
    let off = deploy
        .set_availability(&id, Availability::PoweredOff)
        .await
        .unwrap();
    off.wait().await.unwrap();
    assert_eq!(state_of(&mock, &id).0, "powered_off");
    let on = deploy
        .set_availability(&id, Availability::PoweredOn)
        .await
        .unwrap();
    let done = on.wait().await.unwrap();
    assert_eq!(done.message.as_deref(), Some("Cluster otsd powered on"));
    assert_eq!(state_of(&mock, &id).0, "powered_on");

    // Resize the HA pair together.
    let resize = Resize::new("OntapAdmin1!")
        .node(&nodes[0], InstanceType::Large)
        .node(&nodes[1], InstanceType::Large);
    deploy
        .resize_cluster(&id, &resize)
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    for node in &nodes {
        let got = deploy.node(&id, node, Fields::Cheap).await.unwrap();
        assert_eq!(got.instance_type, Some(InstanceType::Large));
    }

    // Deployed and on: powered off first, then deleted, both waited for.
    let patches = count(&mock, Method::PATCH, &format!("/clusters/{id}"));
    deploy.power_off_and_delete(&id).await.unwrap();
    assert!(mock.clusters().is_empty());
    assert_eq!(
        count(&mock, Method::PATCH, &format!("/clusters/{id}")),
        patches + 1
    );
    assert_eq!(count(&mock, Method::DELETE, &format!("/clusters/{id}")), 1);
    let states = requests(&mock, Method::GET, &format!("/clusters/{id}"));
    assert!(
        states
            .iter()
            .any(|e| e.query.as_deref() == Some("fields=state")),
        "the state was read first"
    );
    let e = deploy.cluster(&id, Fields::Keys).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn a_cluster_never_deployed_is_deleted_without_powering_off() {
    let mock = start(32, |c| c).await;
    let deploy = client(&mock);
    let a = deploy
        .create_cluster(&NewCluster::new("otsa"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    let b = deploy
        .create_cluster(&NewCluster::new("otsb"), NodeCount::new(4).unwrap())
        .await
        .unwrap();
    assert_eq!(mock.clusters()[1].nodes.len(), 4);

    let job = deploy.delete_cluster(&a).await.unwrap();
    let done = job.wait().await.unwrap();
    assert_eq!(done.message.as_deref(), Some("Cluster otsa deleted"));
    assert_eq!(mock.clusters().len(), 1);

    deploy.power_off_and_delete(&b).await.unwrap();
    assert!(mock.clusters().is_empty());
    assert_eq!(count(&mock, Method::PATCH, &format!("/clusters/{b}")), 0);
    assert_eq!(count(&mock, Method::DELETE, &format!("/clusters/{b}")), 1);
}
