//! The interface document's sample spellings (the mock's seed-shape toggles) still decode
//! through the client; the client's optional request spellings are accepted.
//! Addresses 127.0.11.160-179.

use std::net::Ipv4Addr;

use serde_json::Value;
use storkit_core::http::Method;
use storkit_vrg::model::{
    DrExtParams, DrStrategy, DrVolume, ExtParamsStyle, ManagementNetwork, NetType, PairKeyStyle,
    PeerAddress, StrategySide, VolType, VrgHealth,
};
use storkit_vrg::{VrgClient, VrgErrorCode, VrgErrorExt};
use storkit_vrg_mock::{PairKeys, SeedShapes, VrgMock};

use crate::support::{builder, client, dr, production, requests, sha256_hex, start, vm};

/// Reads everything the toggles change and checks it decoded as with the tables' spelling.
async fn tour(mock: &VrgMock, vrg: &VrgClient, n: u32) {
    let versions = vrg.versions().await.unwrap();
    assert_eq!(
        versions[0].login_uri.as_deref(),
        Some("/vrgservice/session")
    );
    let nets = vrg.networks().await.unwrap();
    assert_eq!(nets.len(), 3);
    assert_eq!(nets[0].net_type, NetType::Management);
    assert_eq!(nets[0].ip.as_deref(), Some(mock.ip().to_string().as_str()));
    assert_eq!(vrg.status().await.unwrap().status, VrgHealth::Normal);

    let prod_vm = vm(1000 + n);
    vrg.set_production_strategy(&production(&prod_vm, 2).encrypt(true))
        .await
        .unwrap();
    let prod = vrg.strategy(&prod_vm).await.unwrap().unwrap();
    assert_eq!(prod.side, StrategySide::Production);
    assert_eq!((prod.compress, prod.encrypt), (Some(1), Some(1)));
    assert_eq!(
        (prod.compress_raw.as_deref(), prod.encrypt_raw.as_deref()),
        (None, None)
    );
    assert_eq!(prod.volumes.len(), 2);

    let dr_vm = vm(2000 + n);
    vrg.set_dr_strategy(&dr(&dr_vm)).await.unwrap();
    let read = vrg.wait_strategy_applied(&dr_vm).await.unwrap();
    assert_eq!(read.side, StrategySide::Dr);
    assert_eq!(read.inferred_side(), StrategySide::Dr);
    assert_eq!(
        read.effective_host_urn(),
        Some("urn:sites:3F7B07E2:hosts:12")
    );
    let volume = &read.volumes[0];
    assert_eq!(
        volume.vol_uuid.as_deref(),
        Some(format!("{dr_vm}-vol1").as_str())
    );
    assert_eq!(
        volume.dst_vol_ds_urn.as_deref(),
        Some("urn:sites:3F7B07E2:datastores:131")
    );
    assert_eq!(
        volume.volume_url.as_deref(),
        Some("/POME/datastore_131/vol/vol_a/vol_a.vhd")
    );
    assert_eq!(volume.dst_vol_type, Some(VolType::LocalPome));
    assert_eq!(
        volume.dr_ext_params,
        Some(DrExtParams::new("1.1.1.1", "1")),
        "{:?}",
        volume.dr_ext_params_raw
    );
    assert!(volume.extra.is_empty(), "{:?}", volume.extra);

    mock.set_eth0_missing(true);
    let e = vrg.networks().await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::NoManagementEth0));
    mock.set_eth0_missing(false);
}

#[tokio::test]
async fn every_sample_spelling_at_once_still_decodes() {
    let mock = start(160, |c| c.seed_shapes(SeedShapes::all())).await;
    let vrg = client(&mock);
    tour(&mock, &vrg, 0).await;

    // What the toggles add beyond the tables: the sample's `proVolUuid`, `hostUrn` in the
    // volumes, `drExtParams` as a string with `drMgntIp`.
    let read = vrg.strategy(&vm(2000)).await.unwrap().unwrap();
    assert_eq!(read.host_urn, None);
    let volume = &read.volumes[0];
    assert_eq!(volume.pro_vol_uuid, volume.vol_uuid);
    assert_eq!(
        volume.host_urn.as_deref(),
        Some("urn:sites:3F7B07E2:hosts:12")
    );
    let raw = volume.dr_ext_params_raw.as_ref().unwrap();
    assert!(raw.is_string(), "{raw}");
    assert!(raw.as_str().unwrap().contains("drMgntIp"), "{raw}");
    let prod = vrg.strategy(&vm(1000)).await.unwrap().unwrap();
    assert!(prod.extra.is_empty(), "{:?}", prod.extra);

    // The §3.9 sample answer to a management-network change.
    vrg.change_management_network(
        &ManagementNetwork::new("127.0.11.161", "255.255.255.0", "127.0.11.1").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(vrg.url(), format!("http://127.0.11.161:{}", mock.port()));
    assert_eq!(vrg.status().await.unwrap().status, VrgHealth::Normal);
}

/// Each toggle on its own.
#[tokio::test]
async fn each_sample_spelling_alone_still_decodes() {
    let one = |set: fn(&mut SeedShapes)| {
        let mut shapes = SeedShapes::default();
        set(&mut shapes);
        shapes
    };
    let toggles: [(&str, SeedShapes); 12] = [
        ("none", SeedShapes::default()),
        ("login_url", one(|s| s.login_url = true)),
        ("netinfos_key", one(|s| s.netinfos_key = true)),
        ("status_string", one(|s| s.status_string = true)),
        ("method_strings", one(|s| s.method_strings = true)),
        ("dst_vol_dsurn", one(|s| s.dst_vol_dsurn = true)),
        ("volume_ur1", one(|s| s.volume_ur1 = true)),
        ("host_urn_in_volumes", one(|s| s.host_urn_in_volumes = true)),
        (
            "dr_ext_params_string",
            one(|s| s.dr_ext_params_string = true),
        ),
        ("dr_mgnt_ip", one(|s| s.dr_mgnt_ip = true)),
        ("pro_vol_uuid", one(|s| s.pro_vol_uuid = true)),
        ("numeric_error_code", one(|s| s.numeric_error_code = true)),
    ];
    for (i, (name, shapes)) in toggles.into_iter().enumerate() {
        let n = u8::try_from(i).unwrap();
        let mock = start(162 + n, |c| c.seed_shapes(shapes)).await;
        let vrg = client(&mock);
        println!("toggle {name}");
        tour(&mock, &vrg, u32::from(n)).await;
        vrg.close().await.unwrap();
    }
}

#[tokio::test]
async fn the_samples_pairing_keys_are_accepted() {
    let snake_only = start(175, |c| c.pair_key_style(PairKeys::SnakeOnly)).await;
    let peer = PeerAddress::new("192.0.2.20", 7000).unwrap();
    let snake = builder(&snake_only)
        .pair_key_style(PairKeyStyle::Snake)
        .build()
        .unwrap();
    snake.pair(&peer).await.unwrap();
    assert_eq!(snake_only.pair_state().dst_ip, Some(peer.ip));
    assert_eq!(snake_only.pair_state().dst_port, Some(7000));
    let post = &requests(&snake_only, Method::POST, "/vrgmap")[0];
    assert_eq!(
        post.body_sha256.as_deref(),
        Some(sha256_hex(br#"{"dst_ip":"192.0.2.20","dst_port":7000}"#).as_str())
    );
    // The table's keys mean nothing to this VRG: 10440101.
    let camel = client(&snake_only);
    let e = camel.pair(&peer).await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::InvalidParameter));

    let camel_only = start(176, |c| c.pair_key_style(PairKeys::CamelOnly)).await;
    client(&camel_only).pair(&peer).await.unwrap();
    assert_eq!(camel_only.pair_state().dst_port, Some(7000));
}

#[tokio::test]
async fn dr_ext_params_as_a_json_string_are_accepted() {
    let mock = start(177, |c| c).await;
    let vrg = builder(&mock)
        .ext_params_style(ExtParamsStyle::JsonString)
        .build()
        .unwrap();
    let vm1 = vm(177);
    let strategy = DrStrategy::new(vm1.clone(), Ipv4Addr::new(10, 1, 0, 7), 7001).volume(
        DrVolume::new("vol-a", "/POME/a.vhd").dr_ext_params(DrExtParams::new("10.9.8.7", "pool-3")),
    );
    vrg.set_dr_strategy(&strategy).await.unwrap();
    let post = &requests(&mock, Method::POST, "/vmstrategy")[0];
    let body = strategy.to_json(ExtParamsStyle::JsonString).unwrap();
    assert!(body["volList"][0]["drExtParams"].is_string());
    assert_eq!(
        post.body_sha256.as_deref(),
        Some(sha256_hex(body.to_string().as_bytes()).as_str())
    );
    let read = vrg.wait_strategy_applied(&vm1).await.unwrap();
    assert_eq!(
        read.volumes[0].dr_ext_params,
        Some(DrExtParams::new("10.9.8.7", "pool-3"))
    );
    // The mock answers the object form (its default).
    assert!(matches!(
        read.volumes[0].dr_ext_params_raw,
        Some(Value::Object(_))
    ));
}
