//! VM DR configurations: both sides, the refusals, the query's filters and paging, delete.
//! Addresses 127.0.10.50–79.

use std::time::Duration;

use serde_json::{Value, json};
use storkit_vrg_mock::{Side, codes};
use tokio::time::advance;

use crate::support::{Client, Req, VM1, VM2, dr, production, start, vm};

#[tokio::test]
async fn a_production_configuration_is_listed_with_flag_1() {
    let mock = start(50, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let set = client.post("/vmstrategy", &production(VM1, 2)).await;
    assert_eq!(set.status, 200);
    assert!(set.body.is_empty());
    let list = client.get("/vmstrategy").await;
    assert_eq!(
        list.json(),
        json!({"vmList": [{
            "flag": 1,
            "vmUuid": VM1,
            "compressOption": 1,
            "encryptOption": 0,
            "volList": [
                {"volUuid": format!("{VM1}-vol1"), "seqNum": 1},
                {"volUuid": format!("{VM1}-vol2"), "seqNum": 2},
            ],
        }]})
    );
    let snapshot = mock.strategies();
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].side, Side::Production);
    assert_eq!(snapshot[0].volumes[1].seq_num, Some(2));
    assert_eq!(snapshot[0].volumes[0].vol_status, None);
    assert_eq!(mock.strategy_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dr_configuration_sets_up_from_5_to_1() {
    let mock = start(51, |c| c.strategy_delay(Duration::from_secs(2))).await;
    let mut client = Client::paused(&mock);
    client.login().await;
    assert_eq!(client.post("/vmstrategy", &dr(VM1)).await.status, 200);
    let expected = |status: i64| {
        json!({"vmList": [{
            "flag": 2,
            "vmUuid": VM1,
            "hostUrn": "urn:sites:3F7B07E2:hosts:12",
            "agentIp": "192.168.10.31",
            "agentPort": 8300,
            "volList": [{
                "volUuid": format!("{VM1}-vol1"),
                "dstVolDsUrn": "urn:sites:3F7B07E2:datastores:131",
                "dstVolType": "LOCALPOME",
                "volStatus": status,
                "seqNum": 1,
                "volumeUrl": "/POME/datastore_131/vol/vol_a/vol_a.vhd",
                "drExtParams": {"dsMgntIp": "1.1.1.1", "dsResourceId": "1"},
            }],
        }]})
    };
    let query = format!("/vmstrategy?vmUuid={VM1}");
    assert_eq!(client.get(&query).await.json(), expected(5));
    assert_eq!(mock.strategies()[0].side, Side::Dr);
    assert_eq!(mock.strategies()[0].volumes[0].vol_status, Some(5));
    advance(Duration::from_secs(2)).await;
    assert_eq!(client.get(&query).await.json(), expected(1));

    // The hook's outcome for configurations set from now on.
    mock.set_volume_outcome(Some(3));
    client.post("/vmstrategy", &dr(VM2)).await;
    let status = |reply: Value| reply["vmList"][0]["volList"][0]["volStatus"].clone();
    let second = format!("/vmstrategy?vmUuid={VM2}");
    assert_eq!(status(client.get(&second).await.json()), 5);
    advance(Duration::from_secs(2)).await;
    assert_eq!(status(client.get(&second).await.json()), 3);
    assert_eq!(status(client.get(&query).await.json()), 1);
}

#[tokio::test]
async fn the_sample_spellings_are_accepted_on_input() {
    let mock = start(52, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    // The §3.8.2 sample: hostUrn in the volume, volumeUr1, drExtParams as a JSON string
    // with the table's drMgntIp.
    let body = json!({
        "vmUuid": VM1,
        "agentIp": "192.168.10.31",
        "agentPort": 8300,
        "volList": [{
            "volUuid": "v1",
            "volumeUr1": "/POME/datastore_131/vol/vol_a/vol_a.vhd",
            "hostUrn": "urn:sites:3F7B07E2:hosts:12",
            "volType": "NAS",
            "drExtParams": "{\"drMgntIp\":\"2.2.2.2\",\"dsResourceId\":\"7\"}"
        }]
    });
    assert_eq!(client.post("/vmstrategy", &body).await.status, 200);
    let vm = client.get("/vmstrategy").await.json()["vmList"][0].clone();
    assert_eq!(vm["hostUrn"], "urn:sites:3F7B07E2:hosts:12");
    let volume = &vm["volList"][0];
    assert_eq!(
        volume["volumeUrl"],
        "/POME/datastore_131/vol/vol_a/vol_a.vhd"
    );
    assert_eq!(
        volume["drExtParams"],
        json!({"dsMgntIp": "2.2.2.2", "dsResourceId": "7"})
    );
    assert_eq!(volume["dstVolType"], "NAS");
}

#[tokio::test]
async fn strategy_refusals_have_their_codes() {
    let mock = start(53, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = dr(VM1);
        change(&mut body);
        body
    };
    let twice = |b: &mut Value| {
        let first = b["volList"][0].clone();
        let mut second = first.clone();
        second["seqNum"] = json!(2);
        b["volList"] = json!([first, second]);
    };
    let same_slot = |b: &mut Value| {
        let first = b["volList"][0].clone();
        let mut second = first.clone();
        second["volUuid"] = json!("other");
        b["volList"] = json!([first, second]);
    };
    let cases = [
        (with(&twice), codes::DUPLICATE_VOLUME_UUID, "卷 Uuid 重复"),
        (
            with(&same_slot),
            codes::DUPLICATE_SLOT_NUMBER,
            "磁盘槽位号重复",
        ),
        (
            with(&|b| b["volList"][0]["seqNum"] = json!(41)),
            codes::INVALID_PARAMETER,
            "输入参数不合法。",
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("vmUuid");
            }),
            codes::INVALID_PARAMETER,
            "输入参数不合法。",
        ),
        (
            with(&|b| b["vmUuid"] = json!("vm-1")),
            codes::INVALID_VM_UUID,
            "虚拟机 UUID 不合法",
        ),
        (
            with(&|b| b["agentIp"] = json!("192.168.10")),
            codes::INVALID_IP,
            "IP 地址不合法",
        ),
        (
            with(&|b| b["agentPort"] = json!(0)),
            codes::INVALID_PORT,
            "端口不合法",
        ),
        (
            with(&|b| b["volList"] = json!([])),
            codes::INVALID_PARAMETER,
            "输入参数不合法。",
        ),
        (
            with(&|b| {
                b["volList"][0].as_object_mut().unwrap().remove("volumeUrl");
            }),
            codes::INVALID_PARAMETER,
            "输入参数不合法。",
        ),
    ];
    for (body, code, text) in cases {
        let reply = client.post("/vmstrategy", &body).await;
        assert_eq!(
            (reply.code().as_str(), reply.des().as_str()),
            (code, text),
            "{body}"
        );
    }
    let mut slots = production(VM1, 2);
    slots["volList"][1]["seqNum"] = json!(1);
    assert_eq!(
        client.post("/vmstrategy", &slots).await.code(),
        codes::DUPLICATE_SLOT_NUMBER
    );
    let broken = client
        .send(Req::new("POST", "/vmstrategy").raw_body("{\"vmUuid\""))
        .await;
    assert_eq!(broken.code(), codes::INVALID_PARAMETER);
    assert_eq!(mock.strategy_count(), 0);
    assert_eq!(client.get("/vmstrategy").await.code(), codes::NO_VMS);
}

#[tokio::test]
async fn queries_filter_and_page() {
    let mock = start(54, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    // Nothing configured: 10440308 whatever the filter.
    let empty = client.get("/vmstrategy?limit=10&offset=0").await;
    assert_eq!(empty.code(), codes::NO_VMS);
    assert_eq!(empty.des(), "系统当前不存在虚拟机");
    let empty = client.get(&format!("/vmstrategy?vmUuid={VM1}")).await;
    assert_eq!(empty.code(), codes::NO_VMS);

    for n in 0..120 {
        let reply = client.post("/vmstrategy", &production(&vm(n), 1)).await;
        assert_eq!(reply.status, 200);
    }
    let uuids = |reply: Value| -> Vec<String> {
        reply["vmList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["vmUuid"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = uuids(client.get("/vmstrategy").await.json());
    assert_eq!(all.len(), 100);
    assert_eq!((all[0].clone(), all[99].clone()), (vm(0), vm(99)));
    let page = uuids(client.get("/vmstrategy?limit=50&offset=100").await.json());
    assert_eq!(page, (100..120).map(vm).collect::<Vec<_>>());
    let clamped = uuids(client.get("/vmstrategy?offset=10&limit=500").await.json());
    assert_eq!((clamped.len(), clamped[0].clone()), (100, vm(10)));
    let past = uuids(client.get("/vmstrategy?limit=10&offset=1000").await.json());
    assert!(past.is_empty());

    let two = format!(
        "/vmstrategy?vmUuid={}&vmUuid={}&vmUuid={}",
        vm(7),
        vm(3),
        vm(7)
    );
    assert_eq!(uuids(client.get(&two).await.json()), [vm(7), vm(3)]);
    let unknown = client.get(&format!("/vmstrategy?vmUuid={}", vm(999))).await;
    assert_eq!(unknown.code(), codes::VM_NOT_FOUND);
    let malformed = client.get("/vmstrategy?vmUuid=web01").await;
    assert_eq!(malformed.code(), codes::INVALID_VM_UUID);

    assert!(mock.set_vm_fault(&vm(5), true));
    assert!(mock.set_vm_fault(&vm(110), true));
    let faulty = uuids(client.get("/vmstrategy?faultVms=1").await.json());
    assert_eq!(faulty, [vm(5), vm(110)]);
    let faulty = uuids(
        client
            .get("/vmstrategy?faultVms=1&limit=1&offset=1")
            .await
            .json(),
    );
    assert_eq!(faulty, [vm(110)]);
    assert_eq!(
        uuids(client.get("/vmstrategy?faultVms=0").await.json()).len(),
        100
    );

    for query in [
        format!("vmUuid={}&limit=10&offset=0", vm(1)),
        format!("vmUuid={}&faultVms=1", vm(1)),
        "limit=10".to_owned(),
        "offset=0".to_owned(),
        "limit=0&offset=0".to_owned(),
        "limit=ten&offset=0".to_owned(),
        "faultVms=2".to_owned(),
        "vmuuid=x".to_owned(),
    ] {
        let reply = client.get(&format!("/vmstrategy?{query}")).await;
        assert_eq!(reply.code(), codes::INVALID_PARAMETER, "{query}");
    }
}

#[tokio::test]
async fn a_second_configuration_replaces_the_first() {
    let mock = start(55, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    client.post("/vmstrategy", &production(VM2, 1)).await;
    client.post("/vmstrategy", &production(VM1, 3)).await;
    client.post("/vmstrategy", &dr(VM1)).await;
    let list = client.get("/vmstrategy").await.json();
    let vms = list["vmList"].as_array().unwrap();
    assert_eq!(vms.len(), 2);
    assert_eq!(
        (vms[1]["vmUuid"].clone(), vms[1]["flag"].clone()),
        (json!(VM1), json!(2))
    );
    assert_eq!(vms[1]["volList"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn delete_answers_the_dr_status_and_removes_the_vm() {
    let mock = start(56, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    client.post("/vmstrategy", &production(VM1, 1)).await;
    client.post("/vmstrategy", &dr(VM2)).await;
    mock.set_dr_status(VM2, 2);

    let path = format!("/vmstrategy/{VM1}/");
    for (body, code) in [
        (json!({"delFlag": 3}), codes::INVALID_PARAMETER),
        (json!({"delFlag": "1"}), codes::INVALID_PARAMETER),
        (json!({}), codes::INVALID_PARAMETER),
    ] {
        assert_eq!(client.post(&path, &body).await.code(), code, "{body}");
    }
    let empty = client.send(Req::new("POST", &path)).await;
    assert_eq!(empty.code(), codes::INVALID_PARAMETER);
    let malformed = client
        .post("/vmstrategy/web01/", &json!({"delFlag": 1}))
        .await;
    assert_eq!(malformed.code(), codes::INVALID_VM_UUID);

    let deleted = client.post(&path, &json!({"delFlag": 1})).await;
    assert_eq!(deleted.json(), json!({"drStatus": 1}));
    let gone = client.post(&path, &json!({"delFlag": 1})).await;
    assert_eq!(gone.code(), codes::VM_NOT_FOUND);
    assert_eq!(
        client
            .get(&format!("/vmstrategy?vmUuid={VM1}"))
            .await
            .code(),
        codes::VM_NOT_FOUND
    );

    // A failed (forced) delete leaves the VM with its volumes at 6.
    mock.leave_volumes_on_delete(true);
    let forced = client
        .post(&format!("/vmstrategy/{VM2}"), &json!({"delFlag": 2}))
        .await;
    assert_eq!(forced.json(), json!({"drStatus": 2}));
    let left = client
        .get(&format!("/vmstrategy?vmUuid={VM2}"))
        .await
        .json();
    assert_eq!(left["vmList"][0]["volList"][0]["volStatus"], 6);
    assert_eq!(mock.strategies()[0].volumes[0].vol_status, Some(6));
    mock.leave_volumes_on_delete(false);
    client
        .post(&format!("/vmstrategy/{VM2}/"), &json!({"delFlag": 1}))
        .await;
    assert_eq!(client.get("/vmstrategy").await.code(), codes::NO_VMS);
    assert_eq!(mock.strategy_count(), 0);
}
