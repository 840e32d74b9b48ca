//! The request bodies, byte for byte, and the refusals before sending, each naming the
//! field as the VRG does.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::Ipv4Addr;

use serde_json::{Value, json};
use storkit_vrg::VrgError;
use storkit_vrg::model::*;

fn same(actual: &Value, expected: &Value) {
    assert_eq!(
        serde_json::to_string(actual).unwrap(),
        serde_json::to_string(expected).unwrap()
    );
}

fn field<T: std::fmt::Debug>(r: Result<T, VrgError>) -> String {
    match r {
        Err(VrgError::InvalidInput { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn vm(s: &str) -> VmUuid {
    VmUuid::new(s).unwrap()
}

#[test]
fn alarm_server_bodies() {
    same(
        &AlarmServer::new("192.168.10.5", 162).unwrap().to_json(),
        &json!({"ip":"192.168.10.5","port":162}),
    );
    same(
        &AlarmServer::clear().to_json(),
        &json!({"ip":"0.0.0.0","port":0}),
    );
    assert!(AlarmServer::clear().is_clear());
    assert_eq!(field(AlarmServer::new("192.168.10", 162)), "ip");
    assert_eq!(field(AlarmServer::new("192.168.010.5", 162)), "ip");
    assert_eq!(field(AlarmServer::new("::1", 162)), "ip");
    assert_eq!(field(AlarmServer::new("10.0.0.1", 0)), "port");
    let hand = AlarmServer {
        ip: Ipv4Addr::new(10, 0, 0, 1),
        port: 0,
    };
    assert_eq!(field(hand.validate()), "port");
}

// §8 #5: one spelling, never both.
#[test]
fn pairing_bodies() {
    let p = PeerAddress::new("192.168.100.220", 7000).unwrap();
    same(
        &p.to_json(PairKeyStyle::default()),
        &json!({"dstIp":"192.168.100.220","dstPort":7000}),
    );
    same(
        &p.to_json(PairKeyStyle::Snake),
        &json!({"dst_ip":"192.168.100.220","dst_port":7000}),
    );
    assert_eq!(field(PeerAddress::new("192.168.100.256", 7000)), "dstIp");
    assert_eq!(field(PeerAddress::new("255.255.255.255", 7000)), "dstIp");
    assert_eq!(field(PeerAddress::new("192.168.100.220", 0)), "dstPort");
}

#[test]
fn management_network_body() {
    let m = ManagementNetwork::new("192.168.0.20", "255.255.255.0", "192.168.0.1").unwrap();
    same(
        &m.to_json(),
        &json!({"newIp":"192.168.0.20","newMask":"255.255.255.0","newGateway":"192.168.0.1"}),
    );
    assert_eq!(
        field(ManagementNetwork::new(
            "192.168.0.20",
            "255.255.0.255",
            "192.168.0.1"
        )),
        "newMask"
    );
    assert_eq!(
        field(ManagementNetwork::new(
            "192.168.0.255x",
            "255.255.255.0",
            "192.168.0.1"
        )),
        "newIp"
    );
    assert_eq!(
        field(ManagementNetwork::new("192.168.0.20", "255.255.255.0", "")),
        "newGateway"
    );
    // The gateway is not checked against the subnet (documented choice).
    assert!(ManagementNetwork::new("192.168.0.20", "255.255.255.0", "10.0.0.1").is_ok());
}

// §8 #18: delFlag always sent.
#[test]
fn delete_body() {
    same(&DeleteFlag::default().to_json(), &json!({"delFlag":1}));
    same(&DeleteFlag::Force.to_json(), &json!({"delFlag":2}));
}

// §8 #6, #7: options left out when off, 1 when on; optional fields left out.
#[test]
fn production_bodies() {
    let minimal = ProductionStrategy::new(vm("vm-1")).volume(ProductionVolume::new("vol-a"));
    same(
        &minimal.to_json().unwrap(),
        &json!({"vmUuid":"vm-1","volList":[{"volUuid":"vol-a"}]}),
    );
    let full = ProductionStrategy::new(vm("vm-1"))
        .vm_id("i-0000027D")
        .vm_name("db 01")
        .encrypt(true)
        .compress(true)
        .volumes([
            ProductionVolume::new("vol-a").seq_num(1),
            ProductionVolume::new("vol-b").seq_num(40),
        ]);
    same(
        &full.to_json().unwrap(),
        &json!({
            "vmUuid":"vm-1",
            "vmId":"i-0000027D",
            "vmName":"db 01",
            "encryptOption":1,
            "compressOption":1,
            "volList":[{"volUuid":"vol-a","seqNum":1},{"volUuid":"vol-b","seqNum":40}]
        }),
    );
    let only_compress = ProductionStrategy::new(vm("vm-1"))
        .compress(true)
        .volume(ProductionVolume::new("a"));
    same(
        &only_compress.to_json().unwrap(),
        &json!({"vmUuid":"vm-1","compressOption":1,"volList":[{"volUuid":"a"}]}),
    );
}

#[test]
fn production_refusals() {
    let base = || ProductionStrategy::new(vm("vm-1"));
    assert_eq!(field(base().to_json()), "volList");
    assert_eq!(
        field(base().volume(ProductionVolume::new("")).validate()),
        "volList[0].volUuid"
    );
    assert_eq!(
        field(base().volume(ProductionVolume::new("  ")).validate()),
        "volList[0].volUuid"
    );
    assert_eq!(
        field(
            base()
                .volume(ProductionVolume::new("a"))
                .volume(ProductionVolume::new("a\n"))
                .validate()
        ),
        "volList[1].volUuid"
    );
    assert_eq!(
        field(
            base()
                .volume(ProductionVolume::new("a").seq_num(0))
                .validate()
        ),
        "volList[0].seqNum"
    );
    assert_eq!(
        field(
            base()
                .volume(ProductionVolume::new("a"))
                .volume(ProductionVolume::new("b").seq_num(41))
                .validate()
        ),
        "volList[1].seqNum"
    );
    // Duplicates, as the VRG's 10440306 and 10440309 would.
    let dup_uuid = base()
        .volume(ProductionVolume::new("a"))
        .volume(ProductionVolume::new("b"))
        .volume(ProductionVolume::new("A"));
    let e = dup_uuid.validate().unwrap_err();
    assert!(e.to_string().contains("volList[2].volUuid"), "{e}");
    assert!(e.to_string().contains("volList[0]"), "{e}");
    let dup_seq = base()
        .volume(ProductionVolume::new("a").seq_num(3))
        .volume(ProductionVolume::new("b"))
        .volume(ProductionVolume::new("c").seq_num(3));
    assert_eq!(field(dup_seq.to_json()), "volList[2].seqNum");
    assert_eq!(
        field(
            base()
                .vm_name("")
                .volume(ProductionVolume::new("a"))
                .validate()
        ),
        "vmName"
    );
    assert_eq!(
        field(
            base()
                .vm_id(" ")
                .volume(ProductionVolume::new("a"))
                .validate()
        ),
        "vmId"
    );
}

// §8 #9, #10, #11: volumeUrl, drExtParams as object or string, hostUrn at the top.
#[test]
fn dr_bodies() {
    let dr = DrStrategy::new(vm("vm-1"), Ipv4Addr::new(172, 16, 0, 21), 7001)
        .vm_id("i-0000027D")
        .vm_name("db01")
        .host_urn("urn:sites:3F7B07E2:hosts:12")
        .volume(
            DrVolume::new("vol-a", "/POME/datastore_131/vol/vol_a/vol_a.vhd")
                .ds_urn("urn:sites:3F7B07E2:datastores:131")
                .vol_type(VolType::LocalPome)
                .seq_num(1)
                .dr_ext_params(DrExtParams::new("1.1.1.1", "1")),
        )
        .volume(DrVolume::new(
            "vol-b",
            "/POME/datastore_131/vol/vol_b/vol_b.vhd",
        ));
    let vol_a = |ext: Value| {
        json!({
            "volUuid":"vol-a",
            "volumeUrl":"/POME/datastore_131/vol/vol_a/vol_a.vhd",
            "dsUrn":"urn:sites:3F7B07E2:datastores:131",
            "volType":"LOCALPOME",
            "seqNum":1,
            "drExtParams":ext
        })
    };
    let expected = |ext: Value| {
        json!({
            "vmUuid":"vm-1",
            "vmId":"i-0000027D",
            "vmName":"db01",
            "hostUrn":"urn:sites:3F7B07E2:hosts:12",
            "agentIp":"172.16.0.21",
            "agentPort":7001,
            "volList":[vol_a(ext), {"volUuid":"vol-b","volumeUrl":"/POME/datastore_131/vol/vol_b/vol_b.vhd"}]
        })
    };
    same(
        &dr.to_json(ExtParamsStyle::Object).unwrap(),
        &expected(json!({"dsMgntIp":"1.1.1.1","dsResourceId":"1"})),
    );
    same(
        &dr.to_json(ExtParamsStyle::JsonString).unwrap(),
        &expected(json!("{\"dsMgntIp\":\"1.1.1.1\",\"dsResourceId\":\"1\"}")),
    );
    // An empty extension, an Other type, no optional field.
    let dr = DrStrategy::new(vm("vm-1"), Ipv4Addr::new(172, 16, 0, 21), 7001).volume(
        DrVolume::new("a", "/u")
            .vol_type(VolType::Other("FC".into()))
            .dr_ext_params(DrExtParams::default()),
    );
    same(
        &dr.to_json(ExtParamsStyle::Object).unwrap(),
        &json!({"vmUuid":"vm-1","agentIp":"172.16.0.21","agentPort":7001,"volList":[{"volUuid":"a","volumeUrl":"/u","volType":"FC"}]}),
    );
    let half = DrExtParams {
        ds_mgnt_ip: Some("1.1.1.1".into()),
        ds_resource_id: None,
    };
    same(&half.to_json(), &json!({"dsMgntIp":"1.1.1.1"}));
}

#[test]
fn dr_refusals() {
    let base = || DrStrategy::new(vm("vm-1"), Ipv4Addr::new(172, 16, 0, 21), 7001);
    let ok = || DrVolume::new("a", "/u");
    assert_eq!(field(base().validate()), "volList");
    assert_eq!(
        field(
            DrStrategy::new(vm("vm-1"), Ipv4Addr::new(172, 16, 0, 21), 0)
                .volume(ok())
                .validate()
        ),
        "agentPort"
    );
    assert_eq!(
        field(
            DrStrategy::new(vm("vm-1"), Ipv4Addr::UNSPECIFIED, 7001)
                .volume(ok())
                .validate()
        ),
        "agentIp"
    );
    assert_eq!(
        field(base().volume(DrVolume::new("a", "")).validate()),
        "volList[0].volumeUrl"
    );
    assert_eq!(
        field(
            base()
                .volume(ok())
                .volume(DrVolume::new("a", "/v"))
                .validate()
        ),
        "volList[1].volUuid"
    );
    assert_eq!(
        field(base().volume(ok().seq_num(41)).validate()),
        "volList[0].seqNum"
    );
    assert_eq!(
        field(
            base()
                .volume(ok().seq_num(2))
                .volume(DrVolume::new("b", "/v").seq_num(2))
                .to_json(ExtParamsStyle::Object)
        ),
        "volList[1].seqNum"
    );
    assert_eq!(
        field(base().volume(ok().ds_urn("")).validate()),
        "volList[0].dsUrn"
    );
    assert_eq!(
        field(
            base()
                .volume(ok().vol_type(VolType::Other(" ".into())))
                .validate()
        ),
        "volList[0].volType"
    );
    assert_eq!(
        field(
            base()
                .volume(ok().dr_ext_params(DrExtParams::new("", "1")))
                .validate()
        ),
        "volList[0].drExtParams.dsMgntIp"
    );
    assert_eq!(
        field(
            base()
                .volume(ok().dr_ext_params(DrExtParams::new("1.1.1.1", "\u{7}")))
                .validate()
        ),
        "volList[0].drExtParams.dsResourceId"
    );
    assert_eq!(
        field(base().host_urn("").volume(ok()).validate()),
        "hostUrn"
    );
}

#[test]
fn vm_uuid_refusals() {
    for bad in [
        "",
        "a b",
        "a/b",
        "..",
        "x".repeat(65).as_str(),
        "a\u{0}b",
        "a?b",
        "a#b",
        "a%b",
    ] {
        assert_eq!(field(VmUuid::new(bad)), "vmUuid", "{bad:?}");
    }
    assert_eq!(
        vm("4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01").to_string(),
        "4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01"
    );
}
