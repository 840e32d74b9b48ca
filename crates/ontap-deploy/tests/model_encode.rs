//! Request bodies in Deploy's wire form (reference §6, §7), their refusals naming the
//! field, and redaction: no `Debug` of a request or a body ever shows a password.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::json;
use storkit_core::multipart::Multipart;
use storkit_core::secrecy::SecretString;
use storkit_ontap_deploy::OntapError;
use storkit_ontap_deploy::model::*;

const PW: &str = "Pw-9f3c1e7a!";

fn field<T: std::fmt::Debug>(r: Result<T, OntapError>) -> String {
    match r {
        Err(OntapError::InvalidInput { field, reason }) => {
            assert!(!reason.contains(PW), "{reason}");
            field
        }
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn credential_s7_s9() {
    let c = NewCredential::new(CredentialKind::Host, "esx-1.example.com", "root", PW);
    assert_eq!(
        c.to_json().unwrap(),
        json!({"hostname":"esx-1.example.com","type":"host","username":"root","password":PW})
    );
    assert_eq!(
        field(NewCredential::new(CredentialKind::Host, "", "root", PW).to_json()),
        "hostname"
    );
    assert_eq!(
        field(NewCredential::new(CredentialKind::Host, "h", "a b", PW).to_json()),
        "username"
    );
    assert_eq!(
        field(NewCredential::new(CredentialKind::Host, "h", "u", "").to_json()),
        "password"
    );
}

#[test]
fn hosts_batch() {
    let batch = HostBatch::new(vec![
        HostRegistration::new("esx-1", HypervisorType::Esx).management_server("vc"),
    ])
    .host(HostRegistration::new("kvm-1", HypervisorType::Kvm).credential("root", PW));
    assert_eq!(
        batch.to_json().unwrap(),
        json!({"hosts":[
            {"name":"esx-1","hypervisor_type":"ESX","management_server":"vc"},
            {"name":"kvm-1","hypervisor_type":"KVM","credential":{"username":"root","password":PW}}]})
    );
    let one: HostBatch = HostRegistration::new("esx-2", HypervisorType::Esx).into();
    assert_eq!(one.to_json().unwrap()["hosts"][0]["name"], json!("esx-2"));
    assert_eq!(field(HostBatch::default().to_json()), "hosts");
    let twice = HostBatch::new(vec![
        HostRegistration::new("a", HypervisorType::Esx),
        HostRegistration::new("a", HypervisorType::Esx),
    ]);
    assert_eq!(field(twice.to_json()), "hosts[1].name");
    let bad = HostBatch::new(vec![
        HostRegistration::new("a", HypervisorType::Esx),
        HostRegistration::new("b", HypervisorType::Kvm).credential("root", ""),
    ]);
    assert_eq!(field(bad.to_json()), "hosts[1].credential.password");
    assert_eq!(
        field(
            HostRegistration::new("a", HypervisorType::Esx)
                .management_server("")
                .to_json()
        ),
        "management_server"
    );
}

#[test]
fn cluster_bodies() {
    let minimal = NewCluster::new("otsc");
    assert_eq!(minimal.to_json().unwrap(), json!({"name":"otsc"}));
    let full = NewCluster::new("otsc")
        .ip("10.0.0.10")
        .gateway("10.0.0.1")
        .netmask("255.255.255.0")
        .ontap_image_version("9.17.1")
        .dns_info(DnsInfo::new(["example.com"], ["10.0.0.2", "fd00::2"]))
        .ntp_servers(["ntp.example.com"]);
    let v = full.to_json().unwrap();
    assert_eq!(
        serde_json::to_value(&full).unwrap(),
        v,
        "Serialize is the wire form"
    );
    assert_eq!(v["ontap_image_version"], json!("9.17.1"));
    assert_eq!(field(NewCluster::new("").to_json()), "name");
    assert_eq!(field(NewCluster::new("a b").to_json()), "name");
    assert_eq!(field(NewCluster::new("c").ip("10.0.0").to_json()), "ip");
    assert_eq!(
        field(NewCluster::new("c").gateway("gw").to_json()),
        "gateway"
    );
    assert_eq!(
        field(
            NewCluster::new("c")
                .dns_info(DnsInfo::new(["x"], ["nope"]))
                .to_json()
        ),
        "dns_info.dns_ips[0]"
    );
    assert_eq!(
        field(NewCluster::new("c").ntp_servers(["a", ""]).to_json()),
        "ntp_servers[1]"
    );

    assert_eq!(
        ClusterUpdate::new()
            .ntp_servers(["10.0.0.3"])
            .name("n2")
            .to_json()
            .unwrap(),
        json!({"name":"n2","ntp_servers":["10.0.0.3"]})
    );
    assert_eq!(field(ClusterUpdate::new().to_json()), "cluster");

    assert_eq!(
        Availability::PoweredOn.to_json().unwrap(),
        json!({"availability":"powered_on"})
    );
    assert_eq!(
        DeployRequest::new(PW).to_json().unwrap(),
        json!({"ontap_credential":{"password":PW}})
    );
    assert_eq!(
        field(DeployRequest::new("").to_json()),
        "ontap_credential.password"
    );

    let resize = Resize::new(PW)
        .node("n1", InstanceType::Large)
        .node("n2", InstanceType::Other("xlarge".into()));
    assert_eq!(
        resize.to_json().unwrap(),
        json!({"admin_password":PW,"nodes":[{"id":"n1","instance_type":"large"},{"id":"n2","instance_type":"xlarge"}]})
    );
    assert_eq!(field(Resize::new(PW).to_json()), "nodes");
    assert_eq!(
        field(Resize::new("").node("n", InstanceType::Small).to_json()),
        "admin_password"
    );
    assert_eq!(
        field(
            Resize::new(PW)
                .node("n", InstanceType::Small)
                .node("n", InstanceType::Small)
                .to_json()
        ),
        "nodes[1].id"
    );
    assert_eq!(
        field(
            Resize::new(PW)
                .node("n", InstanceType::Other(String::new()))
                .to_json()
        ),
        "nodes[0].instance_type"
    );
}

#[test]
fn node_counts() {
    for n in NodeCount::ALLOWED {
        assert_eq!(NodeCount::new(n).unwrap().get(), n);
    }
    for n in [0u8, 3, 5, 7, 9, 11, 13, 255] {
        assert_eq!(field(NodeCount::new(n)), "node_count");
    }
    assert!(NodeCount::try_from(256u32).is_err());
    assert_eq!(NodeCount::try_from(12u32).unwrap().to_string(), "12");
}

#[test]
fn node_network_storage_bodies() {
    let update = NodeUpdate::new()
        .host_id("h-1")
        .instance_type(InstanceType::Medium)
        .ip("10.0.0.11")
        .passthrough_disks(true)
        .serial_number("320000001")
        .license_id("320000001")
        .storage_efficiency(true)
        .name("otsc-01");
    let v = update.to_json().unwrap();
    assert_eq!(
        v,
        json!({"host":{"id":"h-1"},"instance_type":"medium","ip":"10.0.0.11","passthrough_disks":true,
               "serial_number":"320000001","license":{"id":"320000001"},
               "is_storage_efficiency_enabled":true,"name":"otsc-01"})
    );
    assert_eq!(serde_json::to_value(&update).unwrap(), v);
    assert_eq!(
        NodeUpdate::new()
            .passthrough_disks(false)
            .to_json()
            .unwrap(),
        json!({"passthrough_disks":false})
    );
    assert_eq!(field(NodeUpdate::new().to_json()), "node");
    assert_eq!(field(NodeUpdate::new().ip("x").to_json()), "ip");
    assert_eq!(field(NodeUpdate::new().host_id("").to_json()), "host.id");
    assert_eq!(
        field(NodeUpdate::new().license_id(" ").to_json()),
        "license.id"
    );

    assert_eq!(
        NetworkUpdate::new().name("VM Network").to_json().unwrap(),
        json!({"name":"VM Network"})
    );
    assert_eq!(
        NetworkUpdate::new().vlan_id(0).to_json().unwrap(),
        json!({"vlan_id":0})
    );
    assert_eq!(field(NetworkUpdate::new().to_json()), "network");
    assert_eq!(
        field(NetworkUpdate::new().vlan_id(4096).to_json()),
        "vlan_id"
    );
    assert_eq!(field(NetworkUpdate::new().name("\n").to_json()), "name");

    let pools = PoolArray::from(StoragePoolSpec::new("datastore1", 2_147_483_648_000));
    assert_eq!(
        pools.to_json().unwrap(),
        json!({"pool_array":[{"name":"datastore1","capacity":2_147_483_648_000u64}]})
    );
    assert_eq!(field(PoolArray::default().to_json()), "pool_array");
    assert_eq!(
        field(PoolArray::from(StoragePoolSpec::new("d", 0)).to_json()),
        "pool_array[0].capacity"
    );
    assert_eq!(
        field(PoolArray::from(StoragePoolSpec::new("", 1)).to_json()),
        "pool_array[0].name"
    );

    assert_eq!(
        DiskList::new(["a", "b"]).to_json().unwrap(),
        json!({"disks":["a","b"]})
    );
    assert_eq!(field(DiskList::default().to_json()), "disks");
    assert_eq!(field(DiskList::new(["a", ""]).to_json()), "disks[1]");
}

#[test]
fn connectivity_check_s9() {
    let check = ConnectivityCheckRequest::new(CheckMode::Extended, VswitchType::Open, 1500)
        .debug(true)
        .host_network("kvm-1", "ontap-br");
    assert_eq!(
        check.to_json().unwrap(),
        json!({"debug":true,"host_networks":[{"host_name":"kvm-1","network_name":"ontap-br"}],
               "mode":"extended","mtu":1500,"vswitch_type":"OpenvSwitch"})
    );
    assert_eq!(VswitchType::Distributed.as_str(), "DistributedvSwitch");
    assert_eq!(CheckMode::Cleanup.to_string(), "cleanup");
    let none = ConnectivityCheckRequest::new(CheckMode::Quick, VswitchType::Standard, 9000);
    assert_eq!(field(none.clone().to_json()), "host_networks");
    assert_eq!(
        field(none.clone().host_network("", "n").to_json()),
        "host_networks[0].host_name"
    );
    assert!(none.clone().host_network("h", "n").to_json().is_ok());
    let tiny = ConnectivityCheckRequest::new(CheckMode::Quick, VswitchType::Standard, 67);
    assert_eq!(field(tiny.host_network("h", "n").to_json()), "mtu");
}

#[test]
fn no_debug_shows_a_password() {
    let debugs: Vec<String> = vec![
        format!(
            "{:?}",
            NewCredential::new(CredentialKind::Vcenter, "vc", "u", PW)
        ),
        format!("{:?}", HostCredential::new("root", PW)),
        format!(
            "{:?}",
            HostRegistration::new("h", HypervisorType::Kvm).credential("root", PW)
        ),
        format!(
            "{:?}",
            HostBatch::new(vec![
                HostRegistration::new("h", HypervisorType::Kvm).credential("root", PW)
            ])
        ),
        format!("{:?}", Resize::new(PW).node("n", InstanceType::Small)),
        format!("{:?}", DeployRequest::new(PW)),
        format!("{:?}", DeployRequest::new(PW).to_body().unwrap()),
        format!(
            "{:?}",
            Resize::new(PW)
                .node("n", InstanceType::Small)
                .to_body()
                .unwrap()
        ),
        format!(
            "{:?}",
            NewCredential::new(CredentialKind::Host, "h", "u", PW)
                .to_body()
                .unwrap()
        ),
        format!(
            "{:?}",
            HostBatch::new(vec![
                HostRegistration::new("h", HypervisorType::Kvm).credential("root", PW)
            ])
            .to_body()
            .unwrap()
        ),
        format!(
            "{:?}",
            DeployRequest::new(PW).to_json().map(JsonBody::new).unwrap()
        ),
        format!(
            "{:?}",
            Multipart::new().sensitive_text("ontap_password", &SecretString::from(PW))
        ),
        format!(
            "{:?}",
            storkit_core::Error::from(OntapError::invalid_input("password", "must not be empty"))
        ),
    ];
    for d in &debugs {
        assert!(!d.contains(PW), "{d}");
    }
    assert!(debugs[6].contains("[REDACTED]"), "{}", debugs[6]);
    // The body itself does carry the secret.
    let body = DeployRequest::new(PW).to_body().unwrap();
    assert!(String::from_utf8(body.to_vec()).unwrap().contains(PW));
    assert_eq!(
        body.redacted(),
        json!({"ontap_credential":{"password":"[REDACTED]"}})
    );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"ontap_credential":{"password":PW}})
    );
}

#[test]
fn licence_upload_form_s6() {
    // S6 `add_license.py`: a `license_file` part; a PUT adds ONTAP credentials when a
    // deployed node uses the licence.
    let nlf = br#"{"statusResp":{"serialNumber":"320000001"}}"#.to_vec();
    let form = Multipart::with_boundary("b0undary")
        .unwrap()
        .file(
            "license_file",
            "320000001.NLF",
            "application/octet-stream",
            nlf,
        )
        .text("ontap_username", "admin")
        .sensitive_text("ontap_password", &SecretString::from(PW));
    assert_eq!(
        form.content_type(),
        "multipart/form-data; boundary=b0undary"
    );
    let expected = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"license_file\"; filename=\"320000001.NLF\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{{\"statusResp\":{{\"serialNumber\":\"320000001\"}}}}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"ontap_username\"\r\n\r\nadmin\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"ontap_password\"\r\n\r\n{PW}\r\n--b0undary--\r\n"
    );
    assert_eq!(form.to_bytes(), expected.as_bytes());
}

#[test]
fn request_body_trait_is_uniform() {
    fn body_of(r: &dyn RequestBody) -> serde_json::Value {
        r.to_body().unwrap().into_value()
    }
    assert_eq!(
        body_of(&Availability::PoweredOff),
        json!({"availability":"powered_off"})
    );
    assert_eq!(body_of(&DiskList::new(["d"])), json!({"disks":["d"]}));
    assert_eq!(
        body_of(&NetworkUpdate::new().vlan_id(5)),
        json!({"vlan_id":5})
    );
}
