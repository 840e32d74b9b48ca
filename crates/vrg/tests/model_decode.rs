//! The decoders against the interface document's answers: the field tables' shapes, the
//! samples' spellings (reference §8 rows 1-24) and the garbled samples, repaired where
//! they can be read and refused (never panicking) where they cannot.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::json;
use storkit_vrg::VrgError;
use storkit_vrg::model::*;

fn body(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

fn is_decode_error<T: std::fmt::Debug>(r: Result<T, VrgError>) -> bool {
    matches!(r, Err(VrgError::Decode { .. }))
}

// §8 #1: loginUri (table) vs loginUrl (sample); a version value other than v1.0.
#[test]
fn row_1_versions() {
    let sample = br#"{
        "versions":[
            {"version":"5.1", "loginUrl":"/vrgservice/session"}
        ]
    }"#;
    let v = decode_versions(sample).unwrap();
    assert_eq!(
        v,
        vec![VersionEntry {
            version: Some("5.1".into()),
            login_uri: Some("/vrgservice/session".into())
        }]
    );
    let table = body(
        json!({"versions":[{"version":"v1.0","loginUri":"/vrgservice/session"},{"version":"v1.1"}]}),
    );
    let v = decode_versions(&table).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].login_uri, None);
    // The seed's sample as printed: a stray closing brace.
    let garbled = br#"{ "versions":[ {"version":"5.1", "loginUrl":"<basic_uri>/session"}, } ] }"#;
    assert!(is_decode_error(decode_versions(garbled)));
}

#[test]
fn login_answer() {
    let a =
        decode_login(br#"{ "validity":600000, "uuid":"8f14e45f-ea5c-4b2d-a3c1-6c9bd3f0aa01" }"#)
            .unwrap();
    assert_eq!(a.validity_ms, Some(600_000));
    assert_eq!(a.validity(), Some(std::time::Duration::from_secs(600)));
    assert_eq!(
        a.uuid.as_deref(),
        Some("8f14e45f-ea5c-4b2d-a3c1-6c9bd3f0aa01")
    );
    // The sample writes `"uuid":string`: not JSON.
    assert!(is_decode_error(decode_login(
        br#"{"validity":600000, "uuid":string }"#
    )));
    assert_eq!(decode_login(b"{}").unwrap(), LoginAnswer::default());
}

#[test]
fn alarm_server() {
    let a = decode_alarm(br#"{"ip":"192.168.1.20","port":162}"#).unwrap();
    assert_eq!(
        a.as_server(),
        Some(AlarmServer::new("192.168.1.20", 162).unwrap())
    );
    let a = decode_alarm(br#"{"ip":"0.0.0.0","port":0}"#).unwrap();
    assert!(a.is_cleared());
    // A port out of u16 range is kept but is not a server.
    let a = decode_alarm(br#"{"ip":"1.2.3.4","port":70000}"#).unwrap();
    assert_eq!(a.port, Some(70000));
    assert_eq!(a.as_server(), None);
}

// §8 #3: status integer (table) vs string (sample).
#[test]
fn row_3_status() {
    let table = decode_status(&body(
        json!({"status":1,"availableCapacity":524288,"totalCapacity":1048576}),
    ))
    .unwrap();
    assert_eq!(table.status, VrgHealth::Normal);
    assert_eq!(table.available, Capacity::Kb(524_288));
    assert_eq!(table.total, Capacity::Kb(1_048_576));
    let sample = decode_status(&body(
        json!({"status":"2","availableCapacity":"-1","totalCapacity":-1}),
    ))
    .unwrap();
    assert_eq!(sample.status, VrgHealth::Abnormal);
    assert_eq!(sample.available, Capacity::CacheUnused);
    assert_eq!(sample.total, Capacity::CacheUnused);
    let loading = decode_status(&body(
        json!({"status":1,"availableCapacity":-2,"totalCapacity":100}),
    ))
    .unwrap();
    assert_eq!(loading.available, Capacity::CacheLoading);
    let invalid = decode_status(&body(json!({"status":1,"availableCapacity":-3}))).unwrap();
    assert_eq!(invalid.available, Capacity::Invalid);
    assert_eq!(invalid.total, Capacity::Unknown(MISSING));
    let odd = decode_status(&body(
        json!({"status":"normal","availableCapacity":-7,"extra":[1]}),
    ))
    .unwrap();
    assert_eq!(odd.status, VrgHealth::Unknown(MISSING));
    assert_eq!(odd.available, Capacity::Unknown(-7));
    // The sample as printed: `"status":string`.
    assert!(is_decode_error(decode_status(
        br#"{ "status":string, "availableCapacity":integer }"#
    )));
}

// §8 #4: netInfos vs netinfos; gateway and netmask in the sample only.
#[test]
fn row_4_netinfos() {
    let table = body(json!({"netInfos":[
        {"type":0,"ip":"192.168.0.10","port":8080},
        {"type":1,"ip":"172.16.0.10","port":7001},
        {"type":2,"ip":"10.10.0.10","port":7000}
    ]}));
    let n = decode_netinfos(&table).unwrap();
    assert_eq!(
        n.iter().map(|n| n.net_type).collect::<Vec<_>>(),
        vec![NetType::Management, NetType::Cna, NetType::PeerVrg]
    );
    assert_eq!(n[2].ip.as_deref(), Some("10.10.0.10"));
    let sample = body(json!({"netinfos":[
        {"type":0,"ip":"192.168.0.10","port":8080,"gateway":"192.168.0.1","netmask":"255.255.255.0"}
    ]}));
    let n = decode_netinfos(&sample).unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].gateway.as_deref(), Some("192.168.0.1"));
    assert_eq!(n[0].netmask.as_deref(), Some("255.255.255.0"));
    // The sample as printed: `"netmask"` without a value.
    let garbled = br#"{ "netinfos":[ {"type":integer, "ip":string, "port":integer, "gateway":string, "netmask"} ] }"#;
    assert!(is_decode_error(decode_netinfos(garbled)));
    // An unlisted type is kept.
    let n = decode_netinfos(br#"{"netInfos":[{"type":3}]}"#).unwrap();
    assert_eq!(n[0].net_type, NetType::Unknown(3));
}

#[test]
fn vm_dr_status_and_delete_answer() {
    assert_eq!(
        decode_dr_status(br#"{"status":1}"#).unwrap(),
        DrStatus::IncrementalQueue
    );
    assert_eq!(
        decode_dr_status(br#"{"status":"2"}"#).unwrap(),
        DrStatus::IncrementalCbt
    );
    assert_eq!(
        decode_dr_status(br#"{"status":4}"#).unwrap(),
        DrStatus::Unknown(4)
    );
    assert_eq!(
        decode_deleted(br#"{"drStatus":3}"#).unwrap(),
        Some(DrStatus::ConsistencyCheck)
    );
    assert_eq!(decode_deleted(b"").unwrap(), None);
    assert_eq!(decode_deleted(b"{}").unwrap(), None);
    assert_eq!(decode_deleted(b"null").unwrap(), None);
    assert_eq!(decode_deleted(b"  \n").unwrap(), None);
}

// §8 #5: dstIp/dstPort vs dst_ip/dst_port.
#[test]
fn row_5_pairing() {
    let table =
        decode_pairing(br#"{ "dstIp":"192.168.100.220", "dstPort": 7000, "status":1 }"#).unwrap();
    let sample =
        decode_pairing(br#"{ "dst_ip":"192.168.100.220", "dst_port":7000, "status":1 }"#).unwrap();
    assert_eq!(table, sample);
    assert_eq!(
        table.peer(),
        Some(PeerAddress::new("192.168.100.220", 7000).unwrap())
    );
    for (n, s) in [
        (1, PairStatus::Normal),
        (2, PairStatus::Pairing),
        (3, PairStatus::Failed),
        (4, PairStatus::NotPaired),
        (5, PairStatus::LinkDown),
        (6, PairStatus::Unknown(6)),
    ] {
        assert_eq!(
            decode_pairing(&body(json!({"status": n}))).unwrap().status,
            s
        );
    }
}

/// The §3.8.3 sample, repaired: the `vmList` key quoted, the volume array given its
/// `volList` key, the missing commas and braces added. Keys and types as printed.
fn repaired_3_8_3_sample() -> Vec<u8> {
    br#"{
        "vmList": [{
            "flag": 2,
            "vmUuid": "4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01",
            "compressMethod": "0",
            "encryptMethod": "aes128",
            "agentIp": "172.16.0.21",
            "agentPort": 7001,
            "hostUrn": "urn:sites:3F7B07E2:hosts:12",
            "volList": [{
                "volUuid": "vol-0001",
                "dstVolDsUrn": "urn:sites:3F7B07E2:datastores:131",
                "dstVolType": "LOCALPOME",
                "volStatus": 1,
                "proVolUuid": "pro-0001",
                "seqNum": 1,
                "drExtParams": {
                    "dsMgntIp": "1.1.1.1",
                    "dsResourceId": "1"
                }
            }]
        }]
    }"#
    .to_vec()
}

// §8 #8, #13, #14: compressMethod/encryptMethod strings; dstVolDsUrn; proVolUuid; no
// volumeUrl.
#[test]
fn rows_8_13_14_strategy_sample() {
    let vms = decode_strategies(&repaired_3_8_3_sample()).unwrap();
    assert_eq!(vms.len(), 1);
    let vm = &vms[0];
    assert_eq!(vm.side, StrategySide::Dr);
    assert_eq!(
        vm.vm_uuid.as_deref(),
        Some("4224b1c2-72c1-4b0f-a1a1-7c5e6e5b8f01")
    );
    assert_eq!(vm.compress, Some(0));
    assert_eq!(vm.compress_raw, None);
    assert_eq!(vm.encrypt, None);
    assert_eq!(vm.encrypt_raw.as_deref(), Some("aes128"));
    assert_eq!(vm.agent_ip.as_deref(), Some("172.16.0.21"));
    assert_eq!(vm.agent_port, Some(7001));
    assert_eq!(vm.host_urn.as_deref(), Some("urn:sites:3F7B07E2:hosts:12"));
    assert!(vm.extra.is_empty(), "{:?}", vm.extra);
    let vol = &vm.volumes[0];
    assert_eq!(vol.vol_uuid.as_deref(), Some("vol-0001"));
    assert_eq!(
        vol.dst_vol_ds_urn.as_deref(),
        Some("urn:sites:3F7B07E2:datastores:131")
    );
    assert_eq!(vol.dst_vol_type, Some(VolType::LocalPome));
    assert_eq!(vol.vol_status, Some(VolStatus::Normal));
    assert_eq!(vol.pro_vol_uuid.as_deref(), Some("pro-0001"));
    assert_eq!(vol.seq_num, Some(1));
    assert_eq!(vol.volume_url, None);
    assert_eq!(vol.dr_ext_params, Some(DrExtParams::new("1.1.1.1", "1")));
    assert!(
        vol.dr_ext_params_raw
            .as_ref()
            .is_some_and(serde_json::Value::is_object)
    );
    assert!(vol.extra.is_empty(), "{:?}", vol.extra);
    assert!(vm.is_applied());
    assert!(vm.failed_volume().is_none());
}

// §8 #14: the sample as printed cannot be read; it must fail cleanly.
#[test]
fn row_14_the_printed_sample_is_refused() {
    let printed = r#"{
vmList [
{
"flag": Integer,
"vmUuid":string,
"compressMethod":string,
    "encryptMethod": string,
"agentIp": string,
"agentPort": integer,
"hostUrn": "string",
[
{
"volUuid":string,
"dstVolDsUrn":string
 "dstVolType": string,
"volStatus": integer,
"proVolUuid":string,
"seqNum":integer,
"drExtParams":
{
"dsMgntIp":"1.1.1.1",//管理 IP
"dsResourceId":"1"//资源池 ID
}
}]
}"#;
    assert!(is_decode_error(decode_strategies(printed.as_bytes())));
}

// §8 #9, #10, #11, #13 with the table's spellings; drExtParams as a JSON string with the
// §3.8.3 table's drMgntIp; hostUrn inside a volume.
#[test]
fn rows_9_10_11_13_table_spellings() {
    let ext = json!({"drMgntIp":"10.0.0.8","dsResourceId":2}).to_string();
    let b = body(json!({"vmList":[{
        "flag":"2",
        "vmUuid":"vm-2",
        "agentIp":"172.16.0.22",
        "agentPort":"7001",
        "volList":[
            {"volUuid":"a","dstVolDsurn":"urn:ds:1","volumeUr1":"/POME/ds1/a.vhd","dstVolType":"nas","volStatus":"5","seqNum":"2","drExtParams":ext,"hostUrn":"urn:sites:1:hosts:3"},
            {"volUuid":"b","volStatus":3,"drExtParams":"not json"}
        ]
    }]}));
    let vm = &decode_strategies(&b).unwrap()[0];
    assert_eq!(vm.side, StrategySide::Dr);
    assert_eq!(vm.agent_port, Some(7001));
    assert_eq!(vm.host_urn, None);
    assert_eq!(vm.effective_host_urn(), Some("urn:sites:1:hosts:3"));
    let a = &vm.volumes[0];
    assert_eq!(a.dst_vol_ds_urn.as_deref(), Some("urn:ds:1"));
    assert_eq!(a.volume_url.as_deref(), Some("/POME/ds1/a.vhd"));
    assert_eq!(a.dst_vol_type, Some(VolType::Nas));
    assert_eq!(a.vol_status, Some(VolStatus::SettingUp));
    assert_eq!(a.seq_num, Some(2));
    assert_eq!(a.dr_ext_params, Some(DrExtParams::new("10.0.0.8", "2")));
    assert_eq!(a.host_urn.as_deref(), Some("urn:sites:1:hosts:3"));
    let b = &vm.volumes[1];
    assert_eq!(b.dr_ext_params, None);
    assert_eq!(b.dr_ext_params_raw, Some(json!("not json")));
    assert!(!vm.is_applied());
    let (failed, status) = vm.failed_volume().unwrap();
    assert_eq!(failed.vol_uuid.as_deref(), Some("b"));
    assert_eq!(status, VolStatus::TypeError);
}

// §8 #15: one struct of Options; the side from flag, or inferred.
#[test]
fn row_15_sides() {
    let b = body(json!({"vmList":[
        {"flag":1,"vmUuid":"p","compressOption":1,"encryptOption":0,"volList":[{"volUuid":"a","seqNum":1}]},
        {"vmUuid":"q","compressOption":"1","volList":[{"volUuid":"a"}]},
        {"vmUuid":"r","agentIp":"1.2.3.4","volList":[]},
        {"flag":7,"vmUuid":"s"},
        {"vmUuid":"t"}
    ]}));
    let vms = decode_strategies(&b).unwrap();
    assert_eq!(vms.len(), 5);
    assert_eq!(vms[0].side, StrategySide::Production);
    assert_eq!(vms[0].compress, Some(1));
    assert_eq!(vms[0].encrypt, Some(0));
    assert_eq!(vms[1].side, StrategySide::Unknown(MISSING));
    assert_eq!(vms[1].inferred_side(), StrategySide::Production);
    assert_eq!(vms[1].compress, Some(1));
    assert_eq!(vms[2].inferred_side(), StrategySide::Dr);
    assert_eq!(vms[3].side, StrategySide::Unknown(7));
    assert_eq!(vms[3].inferred_side(), StrategySide::Unknown(7));
    assert_eq!(vms[4].inferred_side(), StrategySide::Unknown(MISSING));
}

#[test]
fn strategy_list_shapes() {
    // A bare array, a single object, vmList holding one object, null, missing.
    let one = json!({"flag":1,"vmUuid":"a"});
    assert_eq!(
        decode_strategies(&body(json!([one.clone()])))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(decode_strategies(&body(one.clone())).unwrap().len(), 1);
    assert_eq!(
        decode_strategies(&body(json!({"vmList": one})))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(decode_strategies(br#"{"vmList":null}"#).unwrap().len(), 0);
    assert_eq!(decode_strategies(br#"{}"#).unwrap().len(), 0);
    assert_eq!(
        decode_strategies(br#"{"vmlist":[{"vmUuid":"x"},1,"y",null]}"#)
            .unwrap()
            .len(),
        1
    );
    assert!(is_decode_error(decode_strategies(b"")));
    assert!(is_decode_error(decode_strategies(b"17")));
    // Unknown keys and unreadable values are kept.
    let vm = &decode_strategies(
        br#"{"vmList":[{"vmUuid":"x","agentPort":"high","newKey":{"a":1},"volList":"none"}]}"#,
    )
    .unwrap()[0];
    assert_eq!(vm.agent_port, None);
    assert_eq!(vm.extra.get("agentPort"), Some(&json!("high")));
    assert_eq!(vm.extra.get("newKey"), Some(&json!({"a":1})));
    assert_eq!(vm.extra.get("volList"), Some(&json!("none")));
    assert!(vm.volumes.is_empty());
}

// §8 #21: the modmngnet answer: none, or the sample's {IP, netmask, netGateway}.
#[test]
fn row_21_management_answer() {
    assert_eq!(decode_management(b"").unwrap(), None);
    let a = decode_management(
        br#"{"IP":"10.0.0.9","netmask":"255.255.255.0","netGateway":"10.0.0.1"}"#,
    )
    .unwrap()
    .unwrap();
    assert_eq!(a.ip.as_deref(), Some("10.0.0.9"));
    assert_eq!(a.netmask.as_deref(), Some("255.255.255.0"));
    assert_eq!(a.gateway.as_deref(), Some("10.0.0.1"));
    let a = decode_management(br#"{"ip":"10.0.0.9"}"#).unwrap().unwrap();
    assert_eq!(a.ip.as_deref(), Some("10.0.0.9"));
}

// §8 #22: errorCode string or number; the description optional.
#[test]
fn row_22_error_bodies() {
    assert_eq!(
        decode_error(
            "{\"errorCode\":\"10440102\",\"errorDes\":\"用户未登录或超时,请重新登录后重试。\"}"
                .as_bytes()
        ),
        Some((
            "10440102".into(),
            Some("用户未登录或超时,请重新登录后重试。".into())
        ))
    );
    assert_eq!(
        decode_error(br#"{"errorCode":10440308}"#),
        Some(("10440308".into(), None))
    );
    assert_eq!(decode_error(br#"{"errorDes":"x"}"#), None);
    assert_eq!(decode_error(b"Bad Request"), None);
    assert_eq!(decode_error(b""), None);
}

#[test]
fn empty_answers_where_no_body_is_expected() {
    for b in [&b""[..], b"{}", b"null", b" \r\n", "\u{feff}".as_bytes()] {
        assert!(is_empty_answer(b), "{b:?}");
        assert_eq!(decode_deleted(b).unwrap(), None);
        assert_eq!(decode_management(b).unwrap(), None);
    }
    assert_eq!(decode_login(b"").unwrap(), LoginAnswer::default());
}
