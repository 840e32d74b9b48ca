//! Decoding the answers the reference's sources show (S6, S7, S9, S10, S11), and the
//! leniency around them: ids as numbers, numbers as strings, wrong types read as absent,
//! unknown keys kept, secrets never kept.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::json;
use storkit_ontap_deploy::model::*;

#[test]
fn cluster_with_nodes_s6_s9() {
    // S9 reads `json.record.is_deployed`; S6 `resize_cluster.py` reads `record.nodes`.
    let c: Cluster = decode_record(
        br#"{"record":{"id":"8a2b1c","name":"otsc","ip":"10.206.80.120","gateway":"10.206.80.1",
            "netmask":"255.255.255.0","state":"powered_on","is_deployed":true,
            "ontap_image_version":"9.17.1",
            "nodes":[{"id":"n-1","name":"otsc-01"},{"id":"n-2","name":"otsc-02"}],
            "dns_info":{"domains":["example.com"],"dns_ips":["10.0.0.2"]},
            "ntp_servers":["10.206.80.183"]}}"#,
    )
    .unwrap();
    assert_eq!(c.id.as_deref(), Some("8a2b1c"));
    assert!(c.is_powered_on());
    assert_eq!(c.is_deployed, Some(true));
    assert_eq!(c.ontap_image_version.as_deref(), Some("9.17.1"));
    let nodes = c.nodes.unwrap();
    assert_eq!(nodes[1].name.as_deref(), Some("otsc-02"));
    assert_eq!(
        c.dns_info,
        Some(DnsInfo::new(["example.com"], ["10.0.0.2"]))
    );
    assert_eq!(c.ntp_servers, Some(vec!["10.206.80.183".to_owned()]));
    assert!(c.extra.is_empty());
}

#[test]
fn leniency() {
    let c: Cluster = decode_record(
        br#"{"id":17,"name":null,"is_deployed":"False","nodes":["n-1",{"id":2},null,true],
            "dns_info":"broken","ntp_servers":"10.0.0.1","state":["odd"],"ip":{"x":1}}"#,
    )
    .unwrap();
    assert_eq!(c.id.as_deref(), Some("17"));
    assert_eq!(c.name, None);
    assert_eq!(c.is_deployed, Some(false));
    assert_eq!(
        c.nodes,
        Some(vec![
            NodeRef {
                id: Some("n-1".into()),
                name: None
            },
            NodeRef {
                id: Some("2".into()),
                name: None
            },
        ])
    );
    assert_eq!(c.dns_info, None);
    assert_eq!(c.ntp_servers, Some(vec!["10.0.0.1".to_owned()]));
    assert_eq!(c.state, None);
    assert_eq!(c.ip, None);
}

#[test]
fn nodes_s7_s9() {
    let nodes: Collection<Node> = decode_collection(
        br#"{"num_records":2,"records":[
            {"id":"n-1","name":"otsc-01","host":{"id":"h-1"},"instance_type":"Small","ip":"10.0.0.11",
             "serial_number":320000001,"passthrough_disks":false,"license":{"id":"320000001"},
             "is_storage_efficiency_enabled":"true","state":"configured"},
            {"id":"n-2","name":"otsc-02","instance_type":"xlarge","host":"h-2"}]}"#,
    )
    .unwrap();
    assert_eq!(nodes.num_records, Some(2));
    let n = &nodes.records[0];
    assert_eq!(n.host_id(), Some("h-1"));
    assert_eq!(n.instance_type, Some(InstanceType::Small));
    assert_eq!(n.serial_number.as_deref(), Some("320000001"));
    assert_eq!(n.passthrough_disks, Some(false));
    assert_eq!(
        n.license.as_ref().and_then(|l| l.id.as_deref()),
        Some("320000001")
    );
    assert_eq!(n.is_storage_efficiency_enabled, Some(true));
    assert_eq!(n.extra.get("state"), Some(&json!("configured")));
    let n = &nodes.records[1];
    assert_eq!(n.instance_type, Some(InstanceType::Other("xlarge".into())));
    assert_eq!(n.host_id(), Some("h-2"));
}

#[test]
fn networks_single_node_has_no_internal() {
    let nets: Collection<Network> = decode_collection(
        br#"{"num_records":2,"records":[{"id":"b","purpose":"data","name":"ONTAP Data","vlan_id":20},
            {"id":"a","purpose":"mgmt","vlan_id":"0"}]}"#,
    )
    .unwrap();
    let by = |p: NetworkPurpose| nets.iter().find(|n| n.purpose == Some(p.clone()));
    assert_eq!(
        by(NetworkPurpose::Mgmt).and_then(|n| n.id.as_deref()),
        Some("a")
    );
    assert_eq!(by(NetworkPurpose::Data).and_then(|n| n.vlan_id), Some(20));
    assert!(by(NetworkPurpose::Internal).is_none());
    let odd: Network = decode_record(br#"{"purpose":"heartbeat","vlan_id":70000}"#).unwrap();
    assert_eq!(odd.purpose, Some(NetworkPurpose::Other("heartbeat".into())));
    assert_eq!(odd.vlan_id, None, "out of range for a VLAN id");
}

#[test]
fn hosts_credentials_pools_licences() {
    let hosts: Collection<Host> = decode_collection(
        br#"{"num_records":1,"records":[{"id":"h-1","name":"esx-1.example.com","hypervisor_type":"esx",
            "management_server":"vc.example.com","credential":{"username":"root","password":"leak"}}]}"#,
    )
    .unwrap();
    let h = &hosts.records[0];
    assert_eq!(h.hypervisor(), Some(HypervisorType::Esx));
    assert_eq!(
        h.extra.get("credential"),
        Some(&json!({"username": "root"}))
    );
    assert!(!format!("{h:?}").contains("leak"));

    let cred: Credential = decode_record(
        br#"{"record":{"id":"c-1","hostname":"vc.example.com","username":"administrator@vsphere.local",
            "type":"vcenter","password":"leak","Password":"leak"}}"#,
    )
    .unwrap();
    assert_eq!(cred.credential_kind(), Some(CredentialKind::Vcenter));
    assert_eq!(cred.kind.as_deref(), Some("vcenter"));
    assert!(cred.extra.is_empty());

    let pools: Collection<StoragePool> = decode_collection(
        br#"{"num_records":2,"records":[{"id":"p","name":"datastore1","capacity":"2199023255552"},
            {"id":"q","capacity":"10GB"}]}"#,
    )
    .unwrap();
    assert_eq!(pools.records[0].capacity, Some(2_199_023_255_552));
    assert_eq!(pools.records[1].capacity, None);

    let lic: Collection<License> =
        decode_collection(br#"{"num_records":1,"records":[{"id":320000001,"type":"eval"}]}"#)
            .unwrap();
    assert_eq!(lic.records[0].serial(), Some("320000001"));

    let images: Collection<Image> = decode_collection(br#"{"records":[{"id":"9.17.1"}]}"#).unwrap();
    assert_eq!(images.records[0].id.as_deref(), Some("9.17.1"));
    let m: Mediator = decode_record(br#"{"id":"m1","iqn_name":"iqn.x"}"#).unwrap();
    assert!(m.extra.contains_key("iqn_name"));
    let check: ConnectivityCheck =
        decode_record(br#"{"record":{"id":"k","state":"done"}}"#).unwrap();
    assert_eq!(check.state.as_deref(), Some("done"));
}

#[test]
fn jobs_s6_s10_s11() {
    // The 202 of a deploy (S6 `wait_for_job` reads id, last_modified, message).
    let job = decode_job(
        br#"{"job":{"id":"42","last_modified":"2019-04-04T15:41:29.140265Z","message":"Deploy started"}}"#,
    )
    .unwrap();
    assert_eq!(job.id.as_deref(), Some("42"));
    assert_eq!(job.state, JobState::Unknown(String::new()));
    assert!(!job.is_done());
    // GET /jobs/{id} (S10 `$job.record.state`, S11 `['record']['state']`).
    let job = decode_job(br#"{"record":{"id":"42","state":"success","message":"done"}}"#).unwrap();
    assert!(job.is_done() && !job.state.is_failure());
    let job = decode_job(br#"{"id":"42","state":"Failure","message":"No route to host"}"#).unwrap();
    assert!(job.state.is_failure());
    let e = storkit_ontap_deploy::OntapError::job_failed("42", &job);
    assert_eq!(
        e.to_string(),
        "job 42 ended in state failure: No route to host"
    );
}

#[test]
fn errors_s10_and_ansible_139() {
    let e = decode_error(br#"{"error":{"code":"6","message":"not authorized for that command"}}"#)
        .unwrap();
    assert_eq!(e.to_string(), "[6] not authorized for that command");
    let e = decode_error(br#"{"error":{"code":13001,"message":"Cluster exists","target":"name"}}"#)
        .unwrap();
    assert_eq!(e.code.as_deref(), Some("13001"));
    assert_eq!(e.extra.get("target"), Some(&json!("name")));
    let e = decode_error(b"\xef\xbb\xbf{\"error\":{\"message\":\"caf\xe9\"}}").unwrap();
    assert_eq!(e.message.as_deref(), Some("caf\u{fffd}"));
    assert!(decode_error(b"Internal Server Error").is_none());
}

#[test]
fn empty_answers() {
    // POST /clusters answers 201 with no body: decoders refuse it, the id is in location.
    assert!(decode_record::<Cluster>(b"").is_err());
    assert!(decode_record::<Cluster>(b"  \n").is_err());
    assert!(decode_job(b"null").is_err());
    assert_eq!(
        id_from_location(
            "https://10.206.80.110/api/v3/clusters/5f3ad2e0-46c2-11e9-a8c4-005056ac2e2b"
        )
        .as_deref(),
        Some("5f3ad2e0-46c2-11e9-a8c4-005056ac2e2b")
    );
}
