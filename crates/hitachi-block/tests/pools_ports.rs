//! Pools and ports that change, and how the client finds the storageDeviceId, against the
//! stateful Hitachi mock over real TLS sockets. This file owns 127.0.17.10-127.0.17.29 (the
//! crate's unit tests use 127.0.17.1-9, the mock's API tests 127.0.17.30-39).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use storkit_core::poll::{Backoff, PollPolicy};
use storkit_core::{ErrorKind, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::pools::{
    BlockingMode, ChangePool, CreatePool, PoolType, PoolVolumes, SnapshotSuspension,
    SubscriptionLimit,
};
use storkit_hitachi_block::ports::{
    FabricMode, LunSecurity, PortAttribute, PortConnection, PortMode, PortQuery, PortSettings,
    PortSpeed,
};
use storkit_hitachi_block::{
    HitachiClient, HitachiClientBuilder, HitachiError, HitachiErrorExt, JobState,
};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{Fault, FaultAction, ServerConfig, TlsSettings};

fn ip(last: u8) -> IpAddr {
    assert!(
        (10..=29).contains(&last),
        "this file owns 127.0.17.10-127.0.17.29"
    );
    IpAddr::from([127, 0, 17, last])
}

const JOB: Duration = Duration::from_millis(20);
/// 10 GiB in 512-byte blocks: 10,240 MB of pool capacity per pool volume.
const TEN_GIB: u64 = 10 * 1024 * 1024 * 2;
const LIST: &str = "/ConfigurationManager/v1/objects/storages";

async fn mock(last: u8, array: ArrayConfig) -> HitachiMock {
    HitachiMock::start(
        ServerConfig::new()
            .ips([ip(last)])
            .tls(TlsSettings::new(["array.example.test"])),
        array.job_duration(JOB),
    )
    .await
    .unwrap()
}

fn fast() -> Backoff {
    Backoff::exponential(Duration::from_millis(20), 2.0, Duration::from_millis(200))
}

fn builder(mock: &HitachiMock) -> HitachiClientBuilder {
    let ca = mock.server().tls().unwrap().ca_pem();
    HitachiClient::builder(mock.url())
        .credentials("user1", "pass1".to_owned())
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_max_elapsed(Duration::from_secs(10))
                .with_backoff(fast()),
        )
        .job_polling(PollPolicy::default().with_backoff(fast()))
}

async fn client(mock: &HitachiMock) -> HitachiClient {
    builder(mock)
        .model_serial("VSP G900", 410_000)
        .build()
        .await
        .unwrap()
}

fn storage_list_requests(mock: &HitachiMock) -> usize {
    mock.server().log().count_where(|e| e.path == LIST)
}

#[tokio::test]
async fn a_pool_from_create_to_delete() {
    let array = mock(10, ArrayConfig::new("VSP G900", 410_000)).await;
    for id in 900..=904 {
        assert!(array.add_basic_ldev(id, TEN_GIB));
    }
    let c = client(&array).await;
    let s = c.open_session().await.unwrap();
    let pools = s.pools();
    let log = array.server().log();

    let spec = CreatePool::new(
        5,
        "client-pool",
        PoolType::Hdp,
        PoolVolumes::ldevs([900, 901]),
    )
    .warning_threshold(65)
    .depletion_threshold(85);
    let id = pools.create(&spec).await.unwrap();
    assert_eq!(id, 5);
    let pool = pools.get(id).await.unwrap();
    assert_eq!(pool.pool_name.as_deref(), Some("client-pool"));
    assert_eq!(pool.pool_type.as_deref(), Some("HDP"));
    assert_eq!(pool.total_pool_capacity, Some(20_480));
    assert_eq!(pool.warning_threshold, Some(65));
    assert_eq!(pool.depletion_threshold, Some(85));
    let listed: Vec<u32> = pools
        .list()
        .await
        .unwrap()
        .iter()
        .map(|p| p.pool_id)
        .collect();
    assert_eq!(listed, [0, 1, 5]);

    let job = pools
        .change(
            id,
            &ChangePool::new()
                .name("renamed")
                .warning_threshold(50)
                .subscription_limit(SubscriptionLimit::Percent(300))
                .blocking_mode(BlockingMode::PoolFull)
                .snapshots_past_depletion(SnapshotSuspension::Keep),
        )
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let pool = pools.get(id).await.unwrap();
    assert_eq!(pool.pool_name.as_deref(), Some("renamed"));
    assert_eq!(pool.warning_threshold, Some(50));
    assert_eq!(pool.virtual_volume_capacity_rate, Some(300));
    pools
        .change(
            id,
            &ChangePool::new().subscription_limit(SubscriptionLimit::Unlimited),
        )
        .await
        .unwrap();
    assert_eq!(
        pools.get(id).await.unwrap().virtual_volume_capacity_rate,
        Some(-1)
    );

    pools
        .expand(id, &PoolVolumes::range(902, 904))
        .await
        .unwrap();
    assert_eq!(
        pools.get(id).await.unwrap().total_pool_capacity,
        Some(51_200)
    );
    pools
        .shrink(id, &PoolVolumes::ldevs([903, 904]))
        .await
        .unwrap();
    assert_eq!(
        pools.get(id).await.unwrap().total_pool_capacity,
        Some(30_720)
    );
    pools.stop_shrinking(id).await.unwrap();

    // The storage refuses: typed job failures, not resent.
    let posts = log.count_where(|e| e.method == "POST" && e.path.ends_with("/pools"));
    let err = pools
        .create(&CreatePool::new(
            6,
            "on-a-dp-volume",
            PoolType::Hdp,
            PoolVolumes::ldevs([100]),
        ))
        .await
        .unwrap_err();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, job, .. }) => {
            assert_eq!(error.return_code(), Some("EX_CMDRJE"));
            assert!(job.affected_resources.is_empty());
        }
        other => panic!("{other:?} / {err:?}"),
    }
    assert_eq!(
        log.count_where(|e| e.method == "POST" && e.path.ends_with("/pools")) - posts,
        1
    );
    assert!(!array.pool_exists(6));
    let err = pools
        .shrink(id, &PoolVolumes::ldevs([903]))
        .await
        .unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::JobFailed { .. })),
        "903 left the pool: {err:?}"
    );

    // Unknown pools are 404 before any job.
    for err in [
        pools
            .change(9, &ChangePool::new().name("x"))
            .await
            .unwrap_err(),
        pools
            .expand(9, &PoolVolumes::ldevs([903]))
            .await
            .unwrap_err(),
        pools.delete(9).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
        assert_eq!(
            err.api_error().and_then(|e| e.message_id.as_deref()),
            Some("KART30013-E")
        );
    }

    // Nonsense is refused before anything is sent.
    let before = log.len();
    for err in [
        pools
            .create(&CreatePool::new(
                6,
                "",
                PoolType::Hdp,
                PoolVolumes::ldevs([903]),
            ))
            .await
            .unwrap_err(),
        pools
            .create(&CreatePool::new(
                6,
                "p",
                PoolType::Hdp,
                PoolVolumes::range(0, 99),
            ))
            .await
            .unwrap_err(),
        pools.change(id, &ChangePool::new()).await.unwrap_err(),
        pools
            .change(id, &ChangePool::new().warning_threshold(0))
            .await
            .unwrap_err(),
        pools
            .expand(id, &PoolVolumes::ldevs([903, 903]))
            .await
            .unwrap_err(),
        pools
            .shrink(id, &PoolVolumes::range(5, 4))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Config, "{err:?}");
        assert!(
            matches!(err.hitachi(), Some(HitachiError::InvalidInput { .. })),
            "{err:?}"
        );
    }
    assert_eq!(log.len(), before, "nothing may be sent for invalid input");

    let job = pools.delete(id).await.unwrap();
    assert_eq!(job.first_resource_id(), Some("5"));
    assert!(!array.pool_exists(id));
    let err = pools.get(id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(array.ldev_exists(900), "pool volumes stay");

    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn port_settings_from_change_to_get() {
    let array = mock(11, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = client(&array).await;
    let s = c.open_session().await.unwrap();
    let ports = s.ports();

    let job = ports
        .change(
            "CL2-B",
            &PortSettings::new()
                .speed(PortSpeed::Gbps(32))
                .topology(FabricMode::Direct, PortConnection::Loop)
                .lun_security(LunSecurity::Disabled),
        )
        .await
        .unwrap();
    assert_eq!(job.first_resource_id(), Some("CL2-B"));
    let port = ports.get("CL2-B").await.unwrap();
    assert_eq!(port.port_speed.as_deref(), Some("32G"));
    assert_eq!(port.fabric_mode, Some(false));
    assert_eq!(port.port_connection.as_deref(), Some("FCAL"));
    assert_eq!(port.lun_security_setting, Some(false));

    ports
        .change(
            "CL2-B",
            &PortSettings::new().attribute(PortAttribute::Target),
        )
        .await
        .unwrap();
    assert_eq!(ports.get("CL2-B").await.unwrap().port_attributes, ["TAR"]);
    let initiators = ports
        .list(&PortQuery::new().attributes("MCU"))
        .await
        .unwrap();
    assert!(
        initiators.iter().all(|p| p.port_id != "CL2-B") && initiators.len() == 3,
        "{initiators:?}"
    );

    ports
        .change("CL2-B", &PortSettings::new().mode(PortMode::FcNvme))
        .await
        .unwrap();
    let detailed = ports
        .list(&PortQuery::new().detail("portMode"))
        .await
        .unwrap();
    let mode = |id: &str| {
        detailed
            .iter()
            .find(|p| p.port_id == id)
            .and_then(|p| p.port_mode.clone())
    };
    assert_eq!(mode("CL2-B").as_deref(), Some("FC-NVMe"));
    assert_eq!(mode("CL1-A").as_deref(), Some("FCP-SCSI"));

    let err = ports
        .change(
            "CL9-Z",
            &PortSettings::new().lun_security(LunSecurity::Enabled),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    let before = array.server().log().len();
    for settings in [
        PortSettings::new(),
        PortSettings::new()
            .attribute(PortAttribute::Bidirectional)
            .speed(PortSpeed::Auto),
        PortSettings::new().speed(PortSpeed::Gbps(5)),
    ] {
        let err = ports.change("CL1-A", &settings).await.unwrap_err();
        assert!(
            matches!(err.hitachi(), Some(HitachiError::InvalidInput { .. })),
            "{settings:?}: {err:?}"
        );
    }
    assert_eq!(array.server().log().len(), before);
    s.close().await.unwrap();
}

#[tokio::test]
async fn the_storage_list_names_the_id_before_the_model_table() {
    // A model the table does not know: the mock registers it as 000000410017, where the
    // table would say 886000410017 for a VSP G900.
    let array = mock(12, ArrayConfig::new("VSP Z1", 410_017)).await;
    assert_eq!(array.storage_device_id(), "000000410017");
    let c = builder(&array)
        .model_serial("VSP G900", 410_017)
        .build()
        .await
        .unwrap();
    assert_eq!(c.storage_device_id().as_str(), "000000410017");
    assert_eq!(storage_list_requests(&array), 1);
    // The id works: a session and a request on it.
    let s = c.open_session().await.unwrap();
    assert_eq!(s.storage().await.unwrap().serial_number, Some(410_017));
    s.close().await.unwrap();

    // A serial the list does not have: the table, for a model it knows.
    let c = builder(&array)
        .model_serial("VSP G900", 420_000)
        .build()
        .await
        .unwrap();
    assert_eq!(c.storage_device_id().as_str(), "886000420000");
    let err = builder(&array)
        .model_serial("VSP Z1", 420_000)
        .build()
        .await
        .unwrap_err();
    match err.hitachi() {
        Some(HitachiError::StorageIdUnresolved { lookup, table, .. }) => {
            assert!(lookup.contains("420000"), "{lookup}");
            assert!(table.contains("VSP Z1"), "{table}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_broken_storage_list_falls_back_to_the_model_table() {
    let array = mock(13, ArrayConfig::new("VSP G900", 410_013)).await;
    let only_the_list = |parts: &storkit_core::http::request::Parts, _: &storkit_mock::Ctx| {
        parts.uri.path() == LIST
    };
    let not_found = FaultAction::Respond {
        status: 404,
        headers: vec![("content-type".into(), "application/json".into())],
        body: Bytes::from_static(br#"{"messageId":"KART20003-E","message":"not supported"}"#),
    };
    for (action, attempts) in [(not_found, 1), (FaultAction::html_500(), 3)] {
        let faults = array.server().faults();
        faults.clear();
        let fault = faults.add(Fault::new(action).when(only_the_list));
        let c = builder(&array)
            .model_serial("VSP G900", 410_013)
            .discovery_retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(3)
                    .with_max_elapsed(Duration::from_secs(5))
                    .with_backoff(fast()),
            )
            .build()
            .await
            .unwrap();
        assert_eq!(c.storage_device_id().as_str(), "886000410013");
        // 404 is final; a 500 is asked again within the discovery policy.
        assert_eq!(faults.fired(fault), attempts);
        let s = c.open_session().await.unwrap();
        assert_eq!(s.storage().await.unwrap().serial_number, Some(410_013));
        s.close().await.unwrap();

        // Without a table entry, and without a fallback, the build fails.
        let err = builder(&array)
            .model_serial("VSP Z1", 410_013)
            .build()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.hitachi(),
                Some(HitachiError::StorageIdUnresolved { .. })
            ),
            "{err:?}"
        );
        // By serial alone there is no table to fall back to.
        assert!(builder(&array).serial(410_013).build().await.is_err());
    }
    array.server().faults().clear();
    let c = builder(&array).serial(410_013).build().await.unwrap();
    assert_eq!(c.storage_device_id().as_str(), "886000410013");
}
