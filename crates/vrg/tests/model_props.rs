//! Properties: no decoder panics on any input (arbitrary bytes, arbitrary JSON with the
//! real keys mixed in, damaged samples); an object never fails a decode that takes an
//! object; every valid request reads back through the decoder of the same shape; invalid
//! requests are refused naming the right field; the pager ends.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::Ipv4Addr;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use storkit_vrg::VrgError;
use storkit_vrg::model::*;
use storkit_vrg::query::{PageStep, Pager, StrategyQuery};

const KEYS: &[&str] = &[
    "versions",
    "version",
    "loginUri",
    "loginUrl",
    "validity",
    "uuid",
    "ip",
    "IP",
    "port",
    "status",
    "availableCapacity",
    "totalCapacity",
    "netInfos",
    "netinfos",
    "type",
    "gateway",
    "netmask",
    "netGateway",
    "dstIp",
    "dst_ip",
    "dstPort",
    "dst_port",
    "drStatus",
    "vmList",
    "flag",
    "vmUuid",
    "vmId",
    "vmName",
    "compressOption",
    "compressMethod",
    "encryptOption",
    "encryptMethod",
    "hostUrn",
    "agentIp",
    "agentPort",
    "volList",
    "volUuid",
    "dstVolDsUrn",
    "dstVolDsurn",
    "dstVolType",
    "volType",
    "dsUrn",
    "volStatus",
    "seqNum",
    "volumeUrl",
    "volumeUr1",
    "drExtParams",
    "dsMgntIp",
    "drMgntIp",
    "dsResourceId",
    "proVolUuid",
    "errorCode",
    "errorDes",
    "STATUS",
    "VmList",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e20f64..1e20).prop_map(Value::from),
        (-5i64..8).prop_map(Value::from),
        (-5i64..8).prop_map(|n| Value::String(n.to_string())),
        proptest::sample::select(
            &[
                "LOCALPOME",
                "nas",
                " 1 ",
                "1.0",
                "1e400",
                "",
                "aes128",
                "{}",
                "{\"dsMgntIp\":\"1.1.1.1\"}",
                "[1,2]",
                "0.0.0.0"
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner.clone()), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            // drExtParams as JSON inside a string.
            inner.prop_map(|v| Value::String(v.to_string())),
        ]
    })
}

/// Runs every decoder; they must return, whatever they return.
fn decode_all(body: &[u8]) {
    let _ = decode_versions(body);
    let _ = decode_login(body);
    let _ = decode_alarm(body);
    let _ = decode_status(body);
    let _ = decode_netinfos(body);
    let _ = decode_dr_status(body);
    let _ = decode_deleted(body);
    let _ = decode_pairing(body);
    let _ = decode_strategies(body);
    let _ = decode_management(body);
    let _ = decode_error(body);
    let _ = is_empty_answer(body);
}

fn samples() -> Vec<Vec<u8>> {
    vec![
        br#"{"versions":[{"version":"5.1","loginUrl":"/vrgservice/session"}]}"#.to_vec(),
        br#"{"status":"1","availableCapacity":-2,"totalCapacity":1048576}"#.to_vec(),
        br#"{"netinfos":[{"type":0,"ip":"10.0.0.5","port":8080,"gateway":"10.0.0.1","netmask":"255.255.255.0"}]}"#.to_vec(),
        br#"{"dst_ip":"192.168.100.220","dst_port":7000,"status":2}"#.to_vec(),
        br#"{"vmList":[{"flag":2,"vmUuid":"v","compressMethod":"1","agentIp":"1.2.3.4","agentPort":7001,"volList":[{"volUuid":"a","dstVolDsurn":"u","volumeUr1":"/x","volStatus":5,"drExtParams":"{\"drMgntIp\":\"1.1.1.1\"}"}]}]}"#.to_vec(),
        br#"{"errorCode":"10440102","errorDes":"x"}"#.to_vec(),
    ]
}

fn field<T: std::fmt::Debug>(r: Result<T, VrgError>) -> String {
    match r {
        Err(VrgError::InvalidInput { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    #[test]
    fn decoders_never_panic_on_damaged_samples(
        which in 0usize..6,
        cut in any::<proptest::sample::Index>(),
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut body = samples()[which].clone();
        for (at, byte) in flips {
            let i = at.index(body.len());
            body[i] = byte;
        }
        let end = cut.index(body.len() + 1);
        decode_all(&body[..end]);
        decode_all(&body);
    }

    #[test]
    fn decoders_never_panic_on_json(value in json_value()) {
        decode_all(&serde_json::to_vec(&value).unwrap());
        // The same value at the places the decoders look.
        for wrapper in ["vmList", "volList", "netInfos", "versions", "drExtParams"] {
            let wrapped = json!({ wrapper: value.clone() });
            decode_all(&serde_json::to_vec(&wrapped).unwrap());
            let deeper = json!({"vmList": [{ "volList": [ { wrapper: value.clone() } ] }]});
            decode_all(&serde_json::to_vec(&deeper).unwrap());
        }
    }

    /// One odd value never fails a whole answer: any object is read.
    #[test]
    fn objects_always_decode(entries in proptest::collection::vec((key(), json_value()), 0..10)) {
        let object = Value::Object(entries.into_iter().collect());
        let body = serde_json::to_vec(&object).unwrap();
        prop_assert!(decode_versions(&body).is_ok());
        prop_assert!(decode_login(&body).is_ok());
        prop_assert!(decode_alarm(&body).is_ok());
        prop_assert!(decode_status(&body).is_ok());
        prop_assert!(decode_netinfos(&body).is_ok());
        prop_assert!(decode_dr_status(&body).is_ok());
        prop_assert!(decode_deleted(&body).is_ok());
        prop_assert!(decode_pairing(&body).is_ok());
        prop_assert!(decode_strategies(&body).is_ok());
        prop_assert!(decode_management(&body).is_ok());
    }

    #[test]
    fn alarm_server_round_trip(ip in any::<u32>(), port in any::<u16>()) {
        let ip = Ipv4Addr::from(ip);
        match AlarmServer::new(&ip.to_string(), port) {
            Ok(server) => {
                prop_assert!(port != 0 || ip.is_unspecified());
                let info = decode_alarm(&serde_json::to_vec(&server.to_json()).unwrap()).unwrap();
                prop_assert_eq!(info.as_server(), Some(server));
                prop_assert_eq!(info.is_cleared(), ip.is_unspecified());
            }
            Err(e) => {
                prop_assert!(port == 0 && !ip.is_unspecified());
                prop_assert_eq!(field::<()>(Err(e)), "port");
            }
        }
    }

    #[test]
    fn ip_text_refusals_name_the_field(text in ".{0,20}") {
        if text.parse::<Ipv4Addr>().is_err() {
            prop_assert_eq!(field(AlarmServer::new(&text, 1)), "ip");
            prop_assert_eq!(field(PeerAddress::new(&text, 1)), "dstIp");
            prop_assert_eq!(field(ManagementNetwork::new(&text, "255.0.0.0", "10.0.0.1")), "newIp");
            prop_assert_eq!(field(ManagementNetwork::new("10.0.0.2", &text, "10.0.0.1")), "newMask");
            prop_assert_eq!(field(ManagementNetwork::new("10.0.0.2", "255.0.0.0", &text)), "newGateway");
        }
    }

    #[test]
    fn peer_round_trip(ip in any::<u32>(), port in 1u16.., snake in any::<bool>()) {
        let ip = Ipv4Addr::from(ip);
        prop_assume!(!(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast()));
        let peer = PeerAddress::new(&ip.to_string(), port).unwrap();
        let style = if snake { PairKeyStyle::Snake } else { PairKeyStyle::Camel };
        let body = peer.to_json(style);
        prop_assert_eq!(body.as_object().map(Map::len), Some(2));
        let pairing = decode_pairing(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(pairing.peer(), Some(peer));
        prop_assert_eq!(pairing.status, PairStatus::Unknown(MISSING));
    }

    #[test]
    fn management_round_trip(ip in any::<u32>(), prefix in 0u32..=32, gw in any::<u32>()) {
        let mask = Ipv4Addr::from(u32::MAX.checked_shl(32 - prefix).unwrap_or(0));
        let ip = Ipv4Addr::from(ip);
        let gw = Ipv4Addr::from(gw);
        let result = ManagementNetwork::new(&ip.to_string(), &mask.to_string(), &gw.to_string());
        if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
            prop_assert_eq!(field(result), "newIp");
        } else if prefix == 0 {
            prop_assert_eq!(field(result), "newMask");
        } else {
            let net = result.unwrap();
            prop_assert_eq!(net.prefix_len(), Some(prefix));
            let answer = decode_management(&serde_json::to_vec(&net.to_json()).unwrap()).unwrap().unwrap();
            prop_assert_eq!(answer.ip, Some(ip.to_string()));
            prop_assert_eq!(answer.netmask, Some(mask.to_string()));
            prop_assert_eq!(answer.gateway, Some(gw.to_string()));
        }
    }

    #[test]
    fn non_contiguous_masks_are_refused(mask in any::<u32>()) {
        let contiguous = mask != 0 && mask.leading_ones() == mask.count_ones();
        let r = ManagementNetwork::new("10.0.0.2", &Ipv4Addr::from(mask).to_string(), "10.0.0.1");
        prop_assert_eq!(r.is_ok(), contiguous);
    }

    #[test]
    fn vm_uuid_rule(text in prop_oneof![".{0,70}", "[A-Za-z0-9._:~-]{0,70}"]) {
        let expected_ok = !text.is_empty()
            && text.chars().count() <= 64
            && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:~".contains(c))
            && text != "."
            && text != "..";
        match VmUuid::new(text.clone()) {
            Ok(vm) => {
                prop_assert!(expected_ok);
                prop_assert_eq!(vm.as_str(), text.as_str());
                prop_assert_eq!(vm.to_string().parse::<VmUuid>().ok(), Some(vm));
            }
            Err(e) => {
                prop_assert!(!expected_ok);
                prop_assert_eq!(field::<()>(Err(e)), "vmUuid");
            }
        }
    }

    #[test]
    fn production_round_trip(p in production()) {
        let body = p.to_json().unwrap();
        for wrapped in [json!({"vmList": [body.clone()]}), json!([body.clone()]), body.clone()] {
            let vms = decode_strategies(&serde_json::to_vec(&wrapped).unwrap()).unwrap();
            prop_assert_eq!(vms.len(), 1);
            let d = &vms[0];
            prop_assert_eq!(d.vm_uuid.as_deref(), Some(p.vm_uuid.as_str()));
            prop_assert_eq!(&d.vm_id, &p.vm_id);
            prop_assert_eq!(&d.vm_name, &p.vm_name);
            prop_assert_eq!(d.compress, p.compress.then_some(1));
            prop_assert_eq!(d.encrypt, p.encrypt.then_some(1));
            prop_assert!(d.extra.is_empty());
            prop_assert_eq!(d.volumes.len(), p.volumes.len());
            for (dv, pv) in d.volumes.iter().zip(&p.volumes) {
                prop_assert_eq!(dv.vol_uuid.as_deref(), Some(pv.vol_uuid.as_str()));
                prop_assert_eq!(dv.seq_num, pv.seq_num.map(i64::from));
                prop_assert!(dv.extra.is_empty());
            }
            let side = if p.compress || p.encrypt { StrategySide::Production } else { StrategySide::Unknown(MISSING) };
            prop_assert_eq!(d.inferred_side(), side);
        }
    }

    #[test]
    fn dr_round_trip(d in dr(), as_string in any::<bool>()) {
        let style = if as_string { ExtParamsStyle::JsonString } else { ExtParamsStyle::Object };
        let body = d.to_json(style).unwrap();
        let vms = decode_strategies(&serde_json::to_vec(&json!({"vmList": [body]})).unwrap()).unwrap();
        prop_assert_eq!(vms.len(), 1);
        let got = &vms[0];
        prop_assert_eq!(got.vm_uuid.as_deref(), Some(d.vm_uuid.as_str()));
        prop_assert_eq!(&got.vm_id, &d.vm_id);
        prop_assert_eq!(&got.vm_name, &d.vm_name);
        prop_assert_eq!(&got.host_urn, &d.host_urn);
        prop_assert_eq!(got.agent_ip.clone(), Some(d.agent_ip.to_string()));
        prop_assert_eq!(got.agent_port, Some(i64::from(d.agent_port)));
        prop_assert_eq!(got.inferred_side(), StrategySide::Dr);
        prop_assert!(got.extra.is_empty());
        prop_assert_eq!(got.volumes.len(), d.volumes.len());
        for (gv, dv) in got.volumes.iter().zip(&d.volumes) {
            prop_assert_eq!(gv.vol_uuid.as_deref(), Some(dv.vol_uuid.as_str()));
            prop_assert_eq!(gv.volume_url.as_deref(), Some(dv.volume_url.as_str()));
            prop_assert_eq!(&gv.dst_vol_ds_urn, &dv.ds_urn);
            prop_assert_eq!(gv.dst_vol_type.clone(), dv.vol_type.as_ref().map(|t| VolType::from_wire(t.as_str())));
            prop_assert_eq!(gv.seq_num, dv.seq_num.map(i64::from));
            prop_assert_eq!(gv.dr_ext_params.clone(), dv.dr_ext_params.clone().filter(|p| !p.is_empty()));
            prop_assert!(gv.extra.is_empty());
        }
    }

    /// One defect in an otherwise valid request: refused, naming that field.
    #[test]
    fn defects_are_named(d in dr(), defect in 0u8..6, at in any::<proptest::sample::Index>(), n in 41u8..) {
        let mut d = d;
        let i = at.index(d.volumes.len());
        let expected = match defect {
            0 => { d.volumes[i].seq_num = Some(0); format!("volList[{i}].seqNum") }
            1 => { d.volumes[i].seq_num = Some(n); format!("volList[{i}].seqNum") }
            2 if i > 0 => {
                d.volumes[i].vol_uuid = d.volumes[0].vol_uuid.to_ascii_uppercase();
                format!("volList[{i}].volUuid")
            }
            3 if i > 0 && d.volumes[0].seq_num.is_some() => {
                d.volumes[i].seq_num = d.volumes[0].seq_num;
                format!("volList[{i}].seqNum")
            }
            4 => { d.volumes[i].volume_url = String::new(); format!("volList[{i}].volumeUrl") }
            5 => { d.agent_port = 0; "agentPort".to_owned() }
            _ => { d.volumes.clear(); "volList".to_owned() }
        };
        prop_assert_eq!(field(d.to_json(ExtParamsStyle::Object)), expected.clone());
        let p = ProductionStrategy::new(d.vm_uuid.clone()).volumes(
            d.volumes.iter().map(|v| ProductionVolume { vol_uuid: v.vol_uuid.clone(), seq_num: v.seq_num }),
        );
        if expected.starts_with("volList") && !expected.ends_with("volumeUrl") {
            prop_assert_eq!(field(p.to_json()), expected);
        }
    }

    #[test]
    fn query_rules(
        vms in proptest::option::of(proptest::collection::vec("[a-f0-9-]{1,36}", 0..120)),
        fault in proptest::option::of(any::<u8>()),
        page in proptest::option::of((any::<u8>(), any::<u32>())),
    ) {
        let mut q = match &vms {
            None => StrategyQuery::all(),
            Some(list) => StrategyQuery::vms(list.iter().map(|s| VmUuid::new(s.clone()).unwrap())),
        };
        if let Some(f) = fault { q = q.fault_vms(FaultVms(f)); }
        if let Some((l, o)) = page { q = q.page(l, o); }
        let expected: Option<&str> = match (&vms, fault, page) {
            (Some(list), _, _) if list.is_empty() || list.len() > 100 => Some("vmUuid"),
            (Some(_), _, Some(_)) => Some("limit"),
            (Some(_), Some(_), None) => Some("faultVms"),
            (_, _, Some((l, _))) if l == 0 || l > 100 => Some("limit"),
            _ => None,
        };
        match expected {
            Some(f) => prop_assert_eq!(field(q.validate()), f),
            None => prop_assert!(q.validate().is_ok()),
        }
        let pairs = q.query_pairs();
        let n_vm = pairs.iter().filter(|(k, _)| *k == "vmUuid").count();
        prop_assert_eq!(n_vm, vms.as_ref().map_or(0, Vec::len));
        prop_assert!(pairs.iter().take(n_vm).all(|(k, _)| *k == "vmUuid"));
    }

    /// A server holding `total` VMs, paged: every VM once, in order, then the end.
    #[test]
    fn pager_reads_everything_once(total in 0usize..400, limit in 1u8..=100) {
        let all: Vec<String> = (0..total).map(|i| format!("vm-{i:04}")).collect();
        let mut pager = Pager::new(limit).unwrap();
        let mut seen = Vec::new();
        let mut requests = 0;
        while let Some((l, o)) = pager.next_page() {
            requests += 1;
            prop_assert!(requests <= total / usize::from(limit) + 2);
            let start = (o as usize).min(all.len());
            let page: Vec<String> = all[start..].iter().take(usize::from(l)).cloned().collect();
            match pager.record(page.len(), page.first().map(String::as_str)) {
                PageStep::Repeated => prop_assert!(false, "no repeats here"),
                _ => seen.extend(page),
            }
        }
        prop_assert_eq!(seen, all);
    }

    /// A server that ignores the offset: the repeat ends the listing after two requests.
    #[test]
    fn pager_stops_on_a_server_ignoring_offset(total in 1usize..400, limit in 1u8..=100) {
        let all: Vec<String> = (0..total).map(|i| format!("vm-{i:04}")).collect();
        let mut pager = Pager::new(limit).unwrap();
        let mut requests = 0;
        while let Some((l, _)) = pager.next_page() {
            requests += 1;
            let page: Vec<String> = all.iter().take(usize::from(l).min(100)).cloned().collect();
            pager.record(page.len(), page.first().map(String::as_str));
        }
        prop_assert!(requests <= 2);
    }
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z0-9 中文_-]{0,8}[a-zA-Z0-9中]")
}

fn vm_uuid() -> impl Strategy<Value = VmUuid> {
    "[a-f0-9]{8}-[a-f0-9]{4}-[a-zA-Z0-9._:~-]{0,12}".prop_map(|s| VmUuid::new(s).unwrap())
}

/// Distinct lowercase UUIDs with distinct optional slot numbers.
fn volume_keys() -> impl Strategy<Value = Vec<(String, Option<u8>)>> {
    (
        proptest::collection::hash_set("[a-z0-9é-]{1,12}", 1..10),
        Just((1u8..=40).collect::<Vec<u8>>()).prop_shuffle(),
        proptest::collection::vec(any::<bool>(), 10),
    )
        .prop_map(|(uuids, seqs, with)| {
            uuids
                .into_iter()
                .enumerate()
                .map(|(i, u)| (u, with[i].then_some(seqs[i])))
                .collect()
        })
}

fn production() -> impl Strategy<Value = ProductionStrategy> {
    (
        vm_uuid(),
        opt_text(),
        opt_text(),
        any::<bool>(),
        any::<bool>(),
        volume_keys(),
    )
        .prop_map(
            |(vm, id, name, encrypt, compress, keys)| ProductionStrategy {
                vm_uuid: vm,
                vm_id: id,
                vm_name: name,
                encrypt,
                compress,
                volumes: keys
                    .into_iter()
                    .map(|(vol_uuid, seq_num)| ProductionVolume { vol_uuid, seq_num })
                    .collect(),
            },
        )
}

fn vol_type() -> impl Strategy<Value = VolType> {
    prop_oneof![
        Just(VolType::LocalPome),
        Just(VolType::LunPome),
        Just(VolType::Nas),
        Just(VolType::Dsware),
        "[A-Za-z]{0,6}[A-Za-z0-9]".prop_map(VolType::Other),
    ]
}

fn ext() -> impl Strategy<Value = DrExtParams> {
    (
        proptest::option::of("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"),
        proptest::option::of("[a-z0-9]{1,6}"),
    )
        .prop_map(|(ds_mgnt_ip, ds_resource_id)| DrExtParams {
            ds_mgnt_ip,
            ds_resource_id,
        })
}

fn dr() -> impl Strategy<Value = DrStrategy> {
    let extras = proptest::collection::vec(
        (
            "/POME/[a-z0-9_/.]{1,30}",
            opt_text(),
            proptest::option::of(vol_type()),
            proptest::option::of(ext()),
        ),
        10,
    );
    (
        vm_uuid(),
        opt_text(),
        opt_text(),
        opt_text(),
        (1u32..0xdfff_ffff).prop_map(Ipv4Addr::from),
        1u16..,
        volume_keys(),
        extras,
    )
        .prop_map(|(vm, id, name, host, ip, port, keys, extras)| DrStrategy {
            vm_uuid: vm,
            vm_id: id,
            vm_name: name,
            host_urn: host,
            agent_ip: ip,
            agent_port: port,
            volumes: keys
                .into_iter()
                .zip(extras)
                .map(
                    |((vol_uuid, seq_num), (url, ds_urn, vol_type, dr_ext_params))| DrVolume {
                        vol_uuid,
                        volume_url: url,
                        ds_urn,
                        vol_type,
                        seq_num,
                        dr_ext_params,
                    },
                )
                .collect(),
        })
}
