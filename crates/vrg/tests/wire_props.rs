//! Properties: whatever valid input the client's encoders take, the mock's request checks
//! (`storkit_vrg_mock::wire`, the same code its HTTP handlers run) accept what they write,
//! and the mock reads the configuration's side as the client meant it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::Ipv4Addr;

use proptest::prelude::*;
use storkit_vrg::model::{
    AlarmServer, DeleteFlag, DrExtParams, DrStrategy, DrVolume, ExtParamsStyle, FaultVms,
    ManagementNetwork, PairKeyStyle, PeerAddress, ProductionStrategy, ProductionVolume, VmUuid,
    VolType,
};
use storkit_vrg::query::StrategyQuery;
use storkit_vrg_mock::wire::{self, PairKeys, Side};

/// A VM UUID in the mock's form: 8-4-4-4-12 hex digits, any case.
fn vm_uuid() -> impl Strategy<Value = VmUuid> {
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        .prop_map(|s| VmUuid::new(s).unwrap())
}

fn any_ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

/// Not `0.0.0.0`, broadcast or multicast.
fn unicast() -> impl Strategy<Value = Ipv4Addr> {
    any_ipv4().prop_filter("a unicast address", |ip| {
        !ip.is_unspecified() && !ip.is_broadcast() && !ip.is_multicast()
    })
}

fn port() -> impl Strategy<Value = u16> {
    1u16..=65535
}

/// Text the client takes for a name or a URL: something besides spaces, no control
/// characters (any other Unicode).
fn text() -> impl Strategy<Value = String> {
    "\\PC{1,24}".prop_filter("not blank", |s| !s.trim().is_empty())
}

/// Volume UUIDs, distinct ignoring ASCII case (as both sides compare them).
fn vol_uuids() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 1..8).prop_map(|uuids| {
        let mut seen = std::collections::HashSet::new();
        uuids
            .into_iter()
            .filter(|u| seen.insert(u.to_ascii_lowercase()))
            .collect()
    })
}

/// Each volume UUID with a distinct slot number in 1..=40, or none.
fn volumes_with_slots() -> impl Strategy<Value = Vec<(String, Option<u8>)>> {
    vol_uuids().prop_flat_map(|uuids| {
        let n = uuids.len();
        (
            Just(uuids),
            prop::sample::subsequence((1u8..=40).collect::<Vec<_>>(), n).prop_shuffle(),
            prop::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(uuids, slots, keep)| {
                uuids
                    .into_iter()
                    .zip(slots)
                    .zip(keep)
                    .map(|((uuid, slot), keep)| (uuid, keep.then_some(slot)))
                    .collect()
            })
    })
}

fn production() -> impl Strategy<Value = ProductionStrategy> {
    (
        vm_uuid(),
        prop::option::of(text()),
        prop::option::of(text()),
        any::<bool>(),
        any::<bool>(),
        volumes_with_slots(),
    )
        .prop_map(|(vm, vm_id, vm_name, encrypt, compress, volumes)| {
            let mut s = ProductionStrategy::new(vm)
                .encrypt(encrypt)
                .compress(compress)
                .volumes(volumes.into_iter().map(|(uuid, slot)| {
                    let v = ProductionVolume::new(uuid);
                    match slot {
                        Some(n) => v.seq_num(n),
                        None => v,
                    }
                }));
            s.vm_id = vm_id;
            s.vm_name = vm_name;
            s
        })
}

fn vol_type() -> impl Strategy<Value = Option<VolType>> {
    prop::option::of(prop_oneof![
        Just(VolType::LocalPome),
        Just(VolType::LunPome),
        Just(VolType::Nas),
        Just(VolType::Dsware),
    ])
}

/// `drExtParams`: the management IP is an address (the mock checks it), the resource id
/// any text; either may be absent.
fn ext_params() -> impl Strategy<Value = Option<DrExtParams>> {
    prop::option::of(
        (
            prop::option::of(any_ipv4().prop_map(|ip| ip.to_string())),
            prop::option::of(text()),
        )
            .prop_map(|(ds_mgnt_ip, ds_resource_id)| DrExtParams {
                ds_mgnt_ip,
                ds_resource_id,
            }),
    )
}

fn dr_volume_extras()
-> impl Strategy<Value = (String, Option<String>, Option<VolType>, Option<DrExtParams>)> {
    (text(), prop::option::of(text()), vol_type(), ext_params())
}

fn dr() -> impl Strategy<Value = DrStrategy> {
    (
        vm_uuid(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        unicast(),
        port(),
        volumes_with_slots().prop_flat_map(|volumes| {
            let n = volumes.len();
            (Just(volumes), prop::collection::vec(dr_volume_extras(), n))
        }),
    )
        .prop_map(
            |(vm, vm_id, vm_name, host_urn, agent_ip, agent_port, (volumes, extras))| {
                let mut s = DrStrategy::new(vm, agent_ip, agent_port).volumes(
                    volumes.into_iter().zip(extras).map(
                        |((uuid, slot), (url, ds_urn, vol_type, ext))| {
                            let mut v = DrVolume::new(uuid, url);
                            v.seq_num = slot;
                            v.ds_urn = ds_urn;
                            v.vol_type = vol_type;
                            v.dr_ext_params = ext;
                            v
                        },
                    ),
                );
                s.vm_id = vm_id;
                s.vm_name = vm_name;
                s.host_urn = host_urn;
                s
            },
        )
}

/// Any query, valid or not (the property keeps the valid ones).
fn query() -> impl Strategy<Value = StrategyQuery> {
    let filter = prop_oneof![
        Just(None),
        prop::collection::vec(vm_uuid(), 1..=100).prop_map(Some),
    ];
    let fault = prop_oneof![
        Just(None),
        Just(Some(FaultVms::ALL)),
        Just(Some(FaultVms::FAULTY)),
    ];
    let page = prop::option::of((0u8..=120, any::<u32>()));
    (filter, fault, page).prop_map(|(filter, fault, page)| {
        let mut q = match filter {
            None => StrategyQuery::all(),
            Some(vms) => StrategyQuery::vms(vms),
        };
        if let Some(f) = fault {
            q = q.fault_vms(f);
        }
        if let Some((limit, offset)) = page {
            q = q.page(limit, offset);
        }
        q
    })
}

proptest! {
    #[test]
    fn vm_uuids_have_the_mocks_form(vm in vm_uuid()) {
        prop_assert!(wire::is_well_formed_vm_uuid(vm.as_str()));
    }

    #[test]
    fn production_bodies_are_accepted_as_production(s in production()) {
        let body = s.to_json().unwrap();
        prop_assert_eq!(wire::check_strategy(&body), Ok(Side::Production), "{}", body);
    }

    #[test]
    fn dr_bodies_are_accepted_as_dr_in_both_ext_styles(s in dr()) {
        for style in [ExtParamsStyle::Object, ExtParamsStyle::JsonString] {
            let body = s.to_json(style).unwrap();
            prop_assert_eq!(wire::check_strategy(&body), Ok(Side::Dr), "{}", body);
        }
    }

    /// The client and the mock agree on every alarm server setting: what one refuses, so
    /// does the other.
    #[test]
    fn alarm_servers_are_judged_alike(ip in any_ipv4(), port in any::<u16>()) {
        let server = AlarmServer { ip, port };
        let body = server.to_json();
        prop_assert_eq!(
            server.validate().is_ok(),
            wire::check_alarm(&body).is_ok(),
            "{}", body
        );
        prop_assert_eq!(
            AlarmServer::new(&ip.to_string(), port).is_ok(),
            server.validate().is_ok()
        );
        prop_assert_eq!(wire::check_alarm(&AlarmServer::clear().to_json()), Ok(()));
    }

    #[test]
    fn peer_addresses_are_accepted_in_both_key_styles(ip in unicast(), port in port()) {
        let peer = PeerAddress::new(&ip.to_string(), port).unwrap();
        let camel = peer.to_json(PairKeyStyle::Camel);
        let snake = peer.to_json(PairKeyStyle::Snake);
        prop_assert_eq!(wire::check_pair(&camel, PairKeys::Both), Ok((ip, port)));
        prop_assert_eq!(wire::check_pair(&camel, PairKeys::CamelOnly), Ok((ip, port)));
        prop_assert_eq!(wire::check_pair(&snake, PairKeys::Both), Ok((ip, port)));
        prop_assert_eq!(wire::check_pair(&snake, PairKeys::SnakeOnly), Ok((ip, port)));
        // One spelling only: the other style's mock does not find its keys.
        prop_assert!(wire::check_pair(&camel, PairKeys::SnakeOnly).is_err());
        prop_assert!(wire::check_pair(&snake, PairKeys::CamelOnly).is_err());
    }

    #[test]
    fn management_networks_on_loopback_are_accepted(
        host in any::<[u8; 3]>(),
        prefix in 1u32..=32,
        gateway in any_ipv4(),
    ) {
        let new_ip = Ipv4Addr::new(127, host[0], host[1], host[2]);
        let mask = Ipv4Addr::from(u32::MAX << (32 - prefix));
        let net = ManagementNetwork::new(
            &new_ip.to_string(),
            &mask.to_string(),
            &gateway.to_string(),
        )
        .unwrap();
        prop_assert_eq!(net.prefix_len(), Some(prefix));
        prop_assert_eq!(wire::check_management_network(&net.to_json()), Ok(new_ip));
    }

    /// Every query the client lets through, the mock takes.
    #[test]
    fn valid_queries_are_accepted(q in query()) {
        let pairs = q.query_pairs();
        let text = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        if q.validate().is_ok() {
            prop_assert_eq!(wire::check_strategy_query(&text), Ok(()), "{}", text);
        }
        // The client's limits are the document's.
        if let Some((limit, _)) = q.page_spec()
            && !(1..=100).contains(&limit)
        {
            prop_assert!(q.validate().is_err());
        }
    }
}

#[test]
fn delete_flags_are_accepted() {
    for flag in [DeleteFlag::Normal, DeleteFlag::Force] {
        let n = u8::try_from(flag.number()).unwrap();
        assert_eq!(wire::check_delete(&flag.to_json()), Ok(n));
    }
    assert_eq!(wire::check_delete(&DeleteFlag::default().to_json()), Ok(1));
}

#[test]
fn the_documented_query_shapes_are_accepted() {
    let a = VmUuid::new("6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c").unwrap();
    let b = VmUuid::new("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D").unwrap();
    for q in [
        StrategyQuery::all(),
        StrategyQuery::vms([a.clone(), b]),
        StrategyQuery::vm(a),
        StrategyQuery::faulty(),
        StrategyQuery::faulty().page(100, 0),
        StrategyQuery::all().page(1, u32::MAX),
    ] {
        q.validate().unwrap();
        let text = q
            .query_pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(wire::check_strategy_query(&text), Ok(()), "{text}");
    }
}
