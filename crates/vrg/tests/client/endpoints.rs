//! Every endpoint's happy path through the client, and what goes on the wire.
//! Addresses 127.0.11.1-29.

use std::net::Ipv4Addr;
use std::time::Duration;

use serde_json::json;
use storkit_core::ErrorKind;
use storkit_core::http::Method;
use storkit_vrg::model::{
    AlarmServer, Capacity, DeleteFlag, DrStatus, FaultVms, NetType, PairStatus, PeerAddress,
    StrategySide, VmStrategy, VolStatus, VolType, VrgHealth,
};
use storkit_vrg::query::StrategyQuery;
use storkit_vrg::{Lang, VrgError, VrgErrorExt};
use storkit_vrg_mock::{Role, Side};

use crate::support::{
    ACCEPT, JSON_UTF8, PASSWORD, USER, builder, client, collect, count, dr, eventually, header,
    key_of, log, production, requests, sha256_hex, start, vm,
};

#[tokio::test]
async fn versions_need_no_login_and_send_no_token() {
    let mock = start(1, |c| c).await;
    let vrg = client(&mock);
    let versions = vrg.versions().await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].version.as_deref(), Some("v1.0"));
    assert_eq!(
        versions[0].login_uri.as_deref(),
        Some("/vrgservice/session")
    );
    let entries = log(&mock);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let get = &entries[0];
    assert_eq!(
        (&get.method, get.path.as_str()),
        (&Method::GET, "/vrgservice/versions")
    );
    assert_eq!(header(get, "x-auth-token"), None);
    assert_eq!(header(get, "x-auth-key"), None);
    // §6.1: `Accept` without a version.
    assert_eq!(header(get, "accept"), Some(JSON_UTF8));
    assert_eq!(header(get, "accept-language"), Some("en_US"));
    assert_eq!(header(get, "content-type"), None);
    assert_eq!((mock.login_attempts(), mock.live_sessions()), (0, 0));
    assert!(!vrg.is_logged_in());
}

#[tokio::test]
async fn login_sends_the_user_and_the_lowercase_hex_sha256_of_the_password() {
    let mock = start(2, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    assert!(vrg.is_logged_in());
    assert_eq!((mock.logins(), mock.live_sessions()), (1, 1));
    let logins = requests(&mock, Method::POST, "/session");
    assert_eq!(logins.len(), 1);
    let login = &logins[0];
    assert_eq!(header(login, "x-auth-user"), Some(USER));
    let key = header(login, "x-auth-key").unwrap();
    assert_eq!(key, key_of(PASSWORD));
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    assert_eq!(header(login, "accept"), Some(ACCEPT));
    assert_eq!(header(login, "accept-language"), Some("en_US"));
    // No body, so no Content-Type; no token on the login itself.
    assert_eq!(login.body_len, Some(0));
    assert_eq!(header(login, "content-type"), None);
    assert_eq!(header(login, "x-auth-token"), None);
    // Logged in already: another login() sends nothing.
    vrg.login().await.unwrap();
    assert_eq!(mock.login_attempts(), 1);
}

#[tokio::test]
async fn a_non_ascii_password_is_hashed_as_utf8_and_chinese_is_asked_for() {
    let password = "密码-Pässwörd";
    let mock = start(3, |c| c.user("operator", password)).await;
    let vrg = storkit_vrg::VrgClient::builder(&mock.url())
        .credentials("operator", password)
        .lang(Lang::ZhCn)
        .build()
        .unwrap();
    vrg.status().await.unwrap();
    let login = &requests(&mock, Method::POST, "/session")[0];
    assert_eq!(header(login, "x-auth-key"), Some(key_of(password).as_str()));
    assert_eq!(header(login, "accept-language"), Some("zh_CN"));
    let get = &requests(&mock, Method::GET, "/vrgstatus")[0];
    assert_eq!(header(get, "accept-language"), Some("zh_CN"));
}

/// Each endpoint once; then the headers of every request in the log.
#[tokio::test]
async fn every_request_carries_the_documented_headers() {
    let mock = start(4, |c| c.role(Role::Dr).failover(true)).await;
    let vrg = client(&mock);
    let vm1 = vm(1);
    vrg.versions().await.unwrap();
    vrg.status().await.unwrap();
    vrg.networks().await.unwrap();
    vrg.set_alarm_server(&AlarmServer::new("192.0.2.10", 162).unwrap())
        .await
        .unwrap();
    vrg.alarm_server().await.unwrap();
    vrg.clear_alarm_server().await.unwrap();
    vrg.pair(&PeerAddress::new("127.0.0.1", 7000).unwrap())
        .await
        .unwrap();
    vrg.wait_paired().await.unwrap();
    vrg.unpair().await.unwrap();
    vrg.set_dr_strategy(&dr(&vm1)).await.unwrap();
    vrg.wait_strategy_applied(&vm1).await.unwrap();
    vrg.vm_dr_status(&vm1).await.unwrap();
    vrg.strategies(&StrategyQuery::all().page(10, 0))
        .await
        .unwrap();
    vrg.delete_strategy(&vm1, DeleteFlag::Normal).await.unwrap();
    vrg.wait_strategy_deleted(&vm1).await.unwrap();
    vrg.close().await.unwrap();

    let entries = log(&mock);
    let tokens: Vec<&str> = entries
        .iter()
        .filter_map(|e| header(e, "x-auth-token"))
        .collect();
    assert!(!tokens.is_empty());
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one session");
    let mut posts_with_body = 0;
    for e in &entries {
        let what = format!("{} {}", e.method, e.path);
        // The last poll of the deletion finds the VM gone: 10440400.
        let gone =
            e.method == Method::GET && e.path == "/vrgservice/vmstrategy" && e.status == Some(400);
        assert!(e.status == Some(200) || gone, "{what}: {:?}", e.status);
        assert_eq!(header(e, "accept-language"), Some("en_US"), "{what}");
        let versions = e.path == "/vrgservice/versions";
        let login = e.method == Method::POST && e.path == "/vrgservice/session";
        let accept = if versions { JSON_UTF8 } else { ACCEPT };
        assert_eq!(header(e, "accept"), Some(accept), "{what}");
        assert_eq!(
            header(e, "x-auth-token").is_some(),
            !versions && !login,
            "{what}"
        );
        if e.method == Method::POST && e.body_len.unwrap_or(0) > 0 {
            posts_with_body += 1;
            assert_eq!(header(e, "content-type"), Some(JSON_UTF8), "{what}");
        } else {
            assert_eq!(header(e, "content-type"), None, "{what}");
        }
    }
    // trapinfo twice, vrgmap, vmstrategy, the delete.
    assert_eq!(posts_with_body, 5);
    assert!(count(&mock, Method::DELETE, "/session") == 1);
    assert!(count(&mock, Method::DELETE, "/vrgmap") == 1);
    assert_eq!(mock.live_sessions(), 0);
}

#[tokio::test]
async fn the_alarm_server_is_set_read_and_cleared() {
    let mock = start(5, |c| c).await;
    let vrg = client(&mock);
    assert_eq!(vrg.alarm_server().await.unwrap(), None, "not configured");
    vrg.set_alarm_server(&AlarmServer::new("192.0.2.10", 162).unwrap())
        .await
        .unwrap();
    assert_eq!(
        mock.alarm_server(),
        Some((Ipv4Addr::new(192, 0, 2, 10), 162))
    );
    let info = vrg.alarm_server().await.unwrap().unwrap();
    assert_eq!(info.ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(info.port, Some(162));
    assert_eq!(info.as_server(), AlarmServer::new("192.0.2.10", 162).ok());
    let set = &requests(&mock, Method::POST, "/trapinfo")[0];
    assert_eq!(
        set.body_sha256.as_deref(),
        Some(sha256_hex(br#"{"ip":"192.0.2.10","port":162}"#).as_str())
    );

    vrg.clear_alarm_server().await.unwrap();
    assert_eq!(mock.alarm_server(), None);
    assert_eq!(vrg.alarm_server().await.unwrap(), None);
    let clear = &requests(&mock, Method::POST, "/trapinfo")[1];
    assert_eq!(
        clear.body_sha256.as_deref(),
        Some(sha256_hex(br#"{"ip":"0.0.0.0","port":0}"#).as_str())
    );
}

#[tokio::test]
async fn status_reads_health_and_the_capacity_sentinels() {
    let mock = start(6, |c| c).await;
    let vrg = client(&mock);
    let status = vrg.status().await.unwrap();
    assert_eq!(status.status, VrgHealth::Normal);
    assert_eq!(status.available, Capacity::Kb(52_428_800));
    assert_eq!(status.total, Capacity::Kb(104_857_600));
    for (available, total, want_available, want_total) in [
        (-1, -1, Capacity::CacheUnused, Capacity::CacheUnused),
        (-2, 4096, Capacity::CacheLoading, Capacity::Kb(4096)),
        (-3, 0, Capacity::Invalid, Capacity::Kb(0)),
        (-7, -1, Capacity::Unknown(-7), Capacity::CacheUnused),
    ] {
        mock.set_capacities(available, total);
        let status = vrg.status().await.unwrap();
        assert_eq!(
            (status.available, status.total),
            (want_available, want_total)
        );
        assert_eq!(status.available.number(), available);
    }
    mock.set_status(2);
    assert_eq!(vrg.status().await.unwrap().status, VrgHealth::Abnormal);
    mock.set_status(9);
    assert_eq!(vrg.status().await.unwrap().status, VrgHealth::Unknown(9));
    assert_eq!(mock.logins(), 1, "one session for all the calls");
}

#[tokio::test]
async fn networks_list_the_three_kinds() {
    let mock = start(7, |c| {
        c.cna_network(Ipv4Addr::new(192, 168, 10, 20), 7100)
            .peer_network(Ipv4Addr::new(192, 168, 100, 210), 7000)
    })
    .await;
    let vrg = client(&mock);
    let nets = vrg.networks().await.unwrap();
    assert_eq!(nets.len(), 3, "{nets:?}");
    assert_eq!(nets[0].net_type, NetType::Management);
    assert_eq!(nets[0].ip.as_deref(), Some("127.0.11.7"));
    assert_eq!(nets[0].port, Some(i64::from(mock.port())));
    assert_eq!(nets[0].gateway.as_deref(), Some("127.0.11.1"));
    assert_eq!(nets[0].netmask.as_deref(), Some("255.255.255.0"));
    assert_eq!(nets[1].net_type, NetType::Cna);
    assert_eq!(
        (nets[1].ip.as_deref(), nets[1].port),
        (Some("192.168.10.20"), Some(7100))
    );
    assert_eq!(nets[1].gateway, None);
    assert_eq!(nets[2].net_type, NetType::PeerVrg);
    assert_eq!(
        (nets[2].ip.as_deref(), nets[2].port),
        (Some("192.168.100.210"), Some(7000))
    );
}

#[tokio::test]
async fn vm_dr_status_on_the_dr_side_during_a_failover() {
    let mock = start(8, |c| c.role(Role::Dr).failover(true)).await;
    let vrg = client(&mock);
    let vm1 = vm(8);
    vrg.set_dr_strategy(&dr(&vm1)).await.unwrap();
    assert_eq!(
        vrg.vm_dr_status(&vm1).await.unwrap(),
        DrStatus::IncrementalQueue
    );
    assert!(mock.set_dr_status(vm1.as_str(), 2));
    assert_eq!(
        vrg.vm_dr_status(&vm1).await.unwrap(),
        DrStatus::IncrementalCbt
    );
    assert!(mock.set_dr_status(vm1.as_str(), 3));
    assert_eq!(
        vrg.vm_dr_status(&vm1).await.unwrap(),
        DrStatus::ConsistencyCheck
    );
    // The documented trailing slash.
    let gets = requests(&mock, Method::GET, &format!("/vmdrstatus/{vm1}/"));
    assert_eq!(gets.len(), 3);
    // Not during a failover: the mock's 10440101.
    mock.set_failover(false);
    let e = vrg.vm_dr_status(&vm1).await.unwrap_err();
    assert_eq!(
        e.vrg_code(),
        Some(&storkit_vrg::VrgErrorCode::InvalidParameter)
    );
}

#[tokio::test(start_paused = true)]
async fn pairing_starts_waits_and_ends() {
    let mock = start(9, |c| c.pair_delay(Duration::from_secs(3))).await;
    let vrg = client(&mock);
    let unpaired = vrg.pairing().await.unwrap();
    assert_eq!(unpaired.status, PairStatus::NotPaired);
    assert_eq!(unpaired.peer(), None);

    let peer = PeerAddress::new("192.168.100.220", 7000).unwrap();
    vrg.pair(&peer).await.unwrap();
    let post = &requests(&mock, Method::POST, "/vrgmap")[0];
    assert_eq!(
        post.body_sha256.as_deref(),
        Some(sha256_hex(br#"{"dstIp":"192.168.100.220","dstPort":7000}"#).as_str())
    );
    let pairing = vrg.pairing().await.unwrap();
    assert_eq!(pairing.status, PairStatus::Pairing);
    assert_eq!(pairing.peer(), Some(peer));

    let started = tokio::time::Instant::now();
    let paired = vrg.wait_paired().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "polled to the end"
    );
    assert_eq!(paired.status, PairStatus::Normal);
    assert_eq!(paired.dst_ip.as_deref(), Some("192.168.100.220"));
    assert_eq!(paired.dst_port, Some(7000));
    assert!(count(&mock, Method::GET, "/vrgmap") > 2, "polled");
    assert_eq!(mock.pair_state().status, 1);

    vrg.unpair().await.unwrap();
    assert_eq!(mock.pair_state().status, 4);
    assert_eq!(vrg.pairing().await.unwrap().status, PairStatus::NotPaired);
}

#[tokio::test(start_paused = true)]
async fn waiting_for_a_pairing_that_fails_or_breaks_is_an_error() {
    let mock = start(10, |c| c.pair_delay(Duration::from_secs(1))).await;
    let vrg = client(&mock);
    let peer = PeerAddress::new("192.168.100.220", 7000).unwrap();

    mock.set_peer_reachable(false);
    vrg.pair(&peer).await.unwrap();
    let e = vrg.wait_paired().await.unwrap_err();
    match e.vrg() {
        Some(VrgError::PairingFailed { peer, status, .. }) => {
            assert_eq!((peer.as_str(), *status), ("192.168.100.220:7000", 3));
        }
        other => panic!("{other:?}: {e}"),
    }

    mock.set_peer_reachable(true);
    vrg.pair(&peer).await.unwrap();
    vrg.wait_paired().await.unwrap();
    mock.link_down();
    let e = vrg.wait_paired().await.unwrap_err();
    assert!(
        matches!(e.vrg(), Some(VrgError::PairingFailed { status: 5, .. })),
        "{e}"
    );

    // Not paired at all: a failure once the grace period is over.
    vrg.unpair().await.unwrap();
    let e = vrg.wait_paired().await.unwrap_err();
    assert!(
        matches!(e.vrg(), Some(VrgError::PairingFailed { status: 4, .. })),
        "{e}"
    );
}

#[tokio::test]
async fn a_production_strategy_is_set_and_read_back() {
    let mock = start(11, |c| c).await;
    let vrg = client(&mock);
    let vm1 = vm(11);
    vrg.set_production_strategy(&production(&vm1, 2).encrypt(true))
        .await
        .unwrap();
    let snapshot = mock.strategies();
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].side, Side::Production);

    let post = &requests(&mock, Method::POST, "/vmstrategy")[0];
    let body = json!({
        "vmUuid": vm1.as_str(),
        "vmId": "i-0000027D",
        "vmName": "web01",
        "encryptOption": 1,
        "compressOption": 1,
        "volList": [
            {"volUuid": format!("{vm1}-vol1"), "seqNum": 1},
            {"volUuid": format!("{vm1}-vol2"), "seqNum": 2},
        ],
    });
    assert_eq!(
        post.body_sha256.as_deref(),
        Some(sha256_hex(body.to_string().as_bytes()).as_str())
    );

    let read = vrg.strategy(&vm1).await.unwrap().unwrap();
    assert_eq!(read.side, StrategySide::Production);
    assert_eq!(read.vm_uuid.as_deref(), Some(vm1.as_str()));
    assert_eq!((read.compress, read.encrypt), (Some(1), Some(1)));
    assert_eq!(read.agent_ip, None);
    let volumes: Vec<_> = read
        .volumes
        .iter()
        .map(|v| (v.vol_uuid.clone().unwrap(), v.seq_num, v.vol_status))
        .collect();
    assert_eq!(
        volumes,
        vec![
            (format!("{vm1}-vol1"), Some(1), None),
            (format!("{vm1}-vol2"), Some(2), None),
        ]
    );
    assert!(read.is_applied());
    // Production configurations have nothing to set up.
    let applied = vrg.wait_strategy_applied(&vm1).await.unwrap();
    assert_eq!(applied, read);
}

#[tokio::test(start_paused = true)]
async fn a_dr_strategy_is_set_up_and_waited_for() {
    let mock = start(12, |c| c.strategy_delay(Duration::from_secs(5))).await;
    let vrg = client(&mock);
    let vm1 = vm(12);
    vrg.set_dr_strategy(&dr(&vm1)).await.unwrap();
    let pending = vrg.strategy(&vm1).await.unwrap().unwrap();
    assert_eq!(pending.side, StrategySide::Dr);
    assert_eq!(pending.volumes[0].vol_status, Some(VolStatus::SettingUp));
    assert!(!pending.is_applied());

    let applied = vrg.wait_strategy_applied(&vm1).await.unwrap();
    assert_eq!(applied.side, StrategySide::Dr);
    assert_eq!(applied.agent_ip.as_deref(), Some("192.168.10.31"));
    assert_eq!(applied.agent_port, Some(8300));
    assert_eq!(
        applied.effective_host_urn(),
        Some("urn:sites:3F7B07E2:hosts:12")
    );
    let volume = &applied.volumes[0];
    assert_eq!(volume.vol_status, Some(VolStatus::Normal));
    assert_eq!(
        volume.volume_url.as_deref(),
        Some("/POME/datastore_131/vol/vol_a/vol_a.vhd")
    );
    assert_eq!(
        volume.dst_vol_ds_urn.as_deref(),
        Some("urn:sites:3F7B07E2:datastores:131")
    );
    assert_eq!(volume.dst_vol_type, Some(VolType::LocalPome));
    let ext = volume.dr_ext_params.clone().unwrap();
    assert_eq!(
        (ext.ds_mgnt_ip.as_deref(), ext.ds_resource_id.as_deref()),
        (Some("1.1.1.1"), Some("1"))
    );
    assert!(count(&mock, Method::GET, "/vmstrategy") > 2, "polled");

    // A volume that ends in error.
    let vm2 = vm(13);
    mock.set_volume_outcome(Some(3));
    vrg.set_dr_strategy(&dr(&vm2)).await.unwrap();
    let e = vrg.wait_strategy_applied(&vm2).await.unwrap_err();
    match e.vrg() {
        Some(VrgError::StrategyFailed { vm, status, .. }) => {
            assert_eq!((vm.as_str(), *status), (vm2.as_str(), 3));
        }
        other => panic!("{other:?}: {e}"),
    }
}

/// Five VMs, two of them faulty, then each kind of query; the query strings on the wire.
#[tokio::test]
async fn strategy_queries_filter_and_page() {
    let mock = start(13, |c| c).await;
    let vrg = client(&mock);
    // 10440308, "no VM in the system", is an empty list.
    assert_eq!(vrg.strategies(&StrategyQuery::all()).await.unwrap(), vec![]);
    assert_eq!(vrg.strategy(&vm(1)).await.unwrap(), None);
    let vms: Vec<_> = (1..=5).map(vm).collect();
    for (i, v) in vms.iter().enumerate() {
        if i % 2 == 0 {
            vrg.set_production_strategy(&production(v, 1))
                .await
                .unwrap();
        } else {
            vrg.set_dr_strategy(&dr(v)).await.unwrap();
        }
    }
    assert!(mock.set_vm_fault(vms[1].as_str(), true));
    assert!(mock.set_vm_fault(vms[4].as_str(), true));
    let uuids = |list: &[VmStrategy]| -> Vec<String> {
        list.iter().map(|s| s.vm_uuid.clone().unwrap()).collect()
    };
    let names = |list: &[storkit_vrg::model::VmUuid]| -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    };

    mock.server().log().clear();
    let all = vrg.strategies(&StrategyQuery::all()).await.unwrap();
    assert_eq!(uuids(&all), names(&vms));
    let sides: Vec<_> = all.iter().map(|s| s.side).collect();
    assert_eq!(
        sides,
        [1, 2, 1, 2, 1].map(StrategySide::from_number).to_vec()
    );
    let two = vrg
        .strategies(&StrategyQuery::vms([vms[3].clone(), vms[0].clone()]))
        .await
        .unwrap();
    assert_eq!(uuids(&two), names(&[vms[3].clone(), vms[0].clone()]));
    let faulty = vrg.strategies(&StrategyQuery::faulty()).await.unwrap();
    assert_eq!(uuids(&faulty), names(&[vms[1].clone(), vms[4].clone()]));
    let every = vrg
        .strategies(&StrategyQuery::all().fault_vms(FaultVms::ALL))
        .await
        .unwrap();
    assert_eq!(every.len(), 5);
    let page = vrg
        .strategies(&StrategyQuery::all().page(2, 1))
        .await
        .unwrap();
    assert_eq!(uuids(&page), names(&vms[1..3]));
    let faulty_page = vrg
        .strategies(&StrategyQuery::faulty().page(1, 1))
        .await
        .unwrap();
    assert_eq!(uuids(&faulty_page), names(&vms[4..5]));
    let one = vrg.strategy(&vms[2]).await.unwrap().unwrap();
    assert_eq!(one.vm_uuid.as_deref(), Some(vms[2].as_str()));
    // A VM the VRG does not know (10440400) is None.
    assert_eq!(vrg.strategy(&vm(99)).await.unwrap(), None);

    let queries: Vec<Option<String>> = requests(&mock, Method::GET, "/vmstrategy")
        .into_iter()
        .map(|e| e.query)
        .collect();
    assert_eq!(
        queries,
        vec![
            None,
            Some(format!("vmUuid={}&vmUuid={}", vms[3], vms[0])),
            Some("faultVms=1".to_owned()),
            Some("faultVms=0".to_owned()),
            Some("limit=2&offset=1".to_owned()),
            Some("faultVms=1&limit=1&offset=1".to_owned()),
            Some(format!("vmUuid={}", vms[2])),
            Some(format!("vmUuid={}", vm(99))),
        ]
    );
}

/// 250 VMs in pages of 100: three requests, each VM once, in order.
#[tokio::test]
async fn the_strategy_stream_pages_through_every_vm_once() {
    let mock = start(14, |c| c).await;
    let vrg = client(&mock);
    // Nothing configured: one request, no item.
    let none = collect(vrg.strategy_stream(StrategyQuery::all())).await;
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(count(&mock, Method::GET, "/vmstrategy"), 1);

    let vms: Vec<_> = (1..=250).map(vm).collect();
    for v in &vms {
        vrg.set_production_strategy(&production(v, 1))
            .await
            .unwrap();
    }
    assert_eq!(mock.strategy_count(), 250);
    mock.server().log().clear();
    let items = collect(vrg.strategy_stream(StrategyQuery::all().page(100, 0))).await;
    let got: Vec<String> = items
        .into_iter()
        .map(|r| r.unwrap().vm_uuid.unwrap())
        .collect();
    let want: Vec<String> = vms.iter().map(ToString::to_string).collect();
    assert_eq!(got, want, "each VM exactly once, in order");
    let queries: Vec<Option<String>> = requests(&mock, Method::GET, "/vmstrategy")
        .into_iter()
        .map(|e| e.query)
        .collect();
    assert_eq!(
        queries,
        vec![
            Some("limit=100&offset=0".to_owned()),
            Some("limit=100&offset=100".to_owned()),
            Some("limit=100&offset=200".to_owned()),
        ]
    );
    assert_eq!(log(&mock).len(), 3, "nothing else was sent");

    // A list of 150 VMs goes in two requests of at most 100.
    mock.server().log().clear();
    let listed = collect(vrg.strategy_stream(StrategyQuery::vms(vms[..150].iter().cloned()))).await;
    assert_eq!(listed.len(), 150);
    assert!(listed.iter().all(Result::is_ok));
    let gets = requests(&mock, Method::GET, "/vmstrategy");
    assert_eq!(gets.len(), 2);
    assert_eq!(
        gets[0].query.as_deref().unwrap().matches("vmUuid=").count(),
        100
    );
    assert_eq!(
        gets[1].query.as_deref().unwrap().matches("vmUuid=").count(),
        50
    );

    // A refused query: one error, nothing sent.
    mock.server().log().clear();
    let refused = collect(vrg.strategy_stream(StrategyQuery::all().page(101, 0))).await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].as_ref().unwrap_err().kind(), ErrorKind::Config);
    assert!(log(&mock).is_empty());
}

#[tokio::test]
async fn deleting_a_strategy_answers_its_dr_status_and_is_confirmed() {
    let mock = start(15, |c| c).await;
    let vrg = client(&mock);
    let vm1 = vm(15);
    vrg.set_dr_strategy(&dr(&vm1)).await.unwrap();
    assert!(mock.set_dr_status(vm1.as_str(), 2));
    let status = vrg.delete_strategy(&vm1, DeleteFlag::Force).await.unwrap();
    assert_eq!(status, Some(DrStatus::IncrementalCbt));
    // POST with the documented trailing slash and `delFlag`.
    let post = &requests(&mock, Method::POST, &format!("/vmstrategy/{vm1}/"))[0];
    assert_eq!(
        post.body_sha256.as_deref(),
        Some(sha256_hex(br#"{"delFlag":2}"#).as_str())
    );
    assert_eq!(header(post, "content-type"), Some(JSON_UTF8));
    vrg.wait_strategy_deleted(&vm1).await.unwrap();
    assert_eq!(mock.strategy_count(), 0);

    // A delete the VRG fails: the volumes stay at 6.
    let vm2 = vm(16);
    vrg.set_production_strategy(&production(&vm2, 1))
        .await
        .unwrap();
    mock.leave_volumes_on_delete(true);
    assert_eq!(
        vrg.delete_strategy(&vm2, DeleteFlag::Normal).await.unwrap(),
        Some(DrStatus::IncrementalQueue)
    );
    let e = vrg.wait_strategy_deleted(&vm2).await.unwrap_err();
    assert!(
        matches!(e.vrg(), Some(VrgError::StrategyFailed { status: 6, .. })),
        "{e}"
    );
}

#[tokio::test]
async fn close_logs_out_and_closes() {
    let mock = start(16, |c| c).await;
    let vrg = client(&mock);
    let clone = vrg.clone();
    vrg.status().await.unwrap();
    assert_eq!(mock.live_sessions(), 1);
    let token = header(
        &requests(&mock, Method::GET, "/vrgstatus")[0],
        "x-auth-token",
    )
    .unwrap()
    .to_owned();
    clone.close().await.unwrap();
    assert_eq!(mock.live_sessions(), 0);
    let logouts = requests(&mock, Method::DELETE, "/session");
    assert_eq!(logouts.len(), 1);
    assert_eq!(header(&logouts[0], "x-auth-token"), Some(token.as_str()));
    assert_eq!(logouts[0].status, Some(200));
    // Every clone is closed; closing again sends nothing.
    let e = vrg.status().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    vrg.close().await.unwrap();
    assert_eq!(count(&mock, Method::DELETE, "/session"), 1);
    assert_eq!(mock.login_attempts(), 1);
}

#[tokio::test]
async fn dropping_the_last_clone_logs_out_in_the_background() {
    let mock = start(17, |c| c).await;
    let vrg = builder(&mock).build().unwrap();
    let clone = vrg.clone();
    vrg.status().await.unwrap();
    drop(vrg);
    tokio::task::yield_now().await;
    assert_eq!(mock.live_sessions(), 1, "a clone still holds the session");
    clone.networks().await.unwrap();
    drop(clone);
    eventually("the background logout", Duration::from_secs(10), || {
        mock.live_sessions() == 0
    })
    .await;
    assert_eq!(count(&mock, Method::DELETE, "/session"), 1);
    assert_eq!(mock.logins(), 1);
}

#[tokio::test]
async fn the_accept_version_can_be_spelled_otherwise() {
    use storkit_vrg::ApiVersion;

    let mock = start(18, |c| c).await;
    for (version, accept) in [
        (
            ApiVersion::Bare1_0,
            "application/json; version=1.0; charset=UTF-8",
        ),
        (ApiVersion::Omit, "application/json; charset=UTF-8"),
    ] {
        let vrg = builder(&mock).api_version(version).build().unwrap();
        vrg.status().await.unwrap();
        let get = requests(&mock, Method::GET, "/vrgstatus").pop().unwrap();
        assert_eq!(header(&get, "accept"), Some(accept));
        vrg.close().await.unwrap();
    }
    // A version the VRG does not serve: its 10440101 at login, not a refused password,
    // so the next call logs in again.
    let v2 = builder(&mock)
        .api_version(ApiVersion::Custom("v2.0".into()))
        .build()
        .unwrap();
    let before = mock.login_attempts();
    for _ in 0..2 {
        let e = v2.status().await.unwrap_err();
        assert_eq!(
            e.vrg_code(),
            Some(&storkit_vrg::VrgErrorCode::InvalidParameter),
            "{e}"
        );
    }
    assert_eq!(mock.login_attempts(), before + 2);
    let login = requests(&mock, Method::POST, "/session").pop().unwrap();
    assert_eq!(
        header(&login, "accept"),
        Some("application/json; version=v2.0; charset=UTF-8")
    );
}
