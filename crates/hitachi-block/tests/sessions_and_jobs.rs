//! The client against the Hitachi mock over real TLS sockets: the two seed flows,
//! sessions always discarded, re-login, retries and typed job errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use storkit_core::poll::{Backoff, PollPolicy};
use storkit_core::{Error, ErrorKind, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::local_copy::{
    ActionOptions, CreateLocalClonePair, LocalCloneGroupId, PairStatus,
};
use storkit_hitachi_block::remote_storage::{RegisterRemoteStorage, RemoteStorage};
use storkit_hitachi_block::{HitachiClient, HitachiError, HitachiErrorExt, JobState};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::{Fault, FaultAction, ServerConfig, TlsSettings};

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn mock(last: u8, array: ArrayConfig) -> HitachiMock {
    HitachiMock::start(
        ServerConfig::new()
            .ips([ip(last)])
            .tls(TlsSettings::new(["array.example.test"])),
        array,
    )
    .await
    .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(6)
        .with_max_elapsed(Duration::from_secs(20))
        .with_backoff(Backoff::exponential(
            Duration::from_millis(20),
            2.0,
            Duration::from_millis(200),
        ))
}

async fn client(mock: &HitachiMock, user: &str, password: &str) -> HitachiClient {
    let ca = mock.server().tls().unwrap().ca_pem();
    HitachiClient::builder(mock.url())
        .credentials(user, password.to_owned())
        .model_serial("VSP G900", serial_of(mock))
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .retry_policy(fast_retries())
        .job_polling(PollPolicy::default().with_backoff(Backoff::exponential(
            Duration::from_millis(20),
            2.0,
            Duration::from_millis(200),
        )))
        .build()
        .await
        .unwrap()
}

fn serial_of(mock: &HitachiMock) -> u64 {
    mock.storage_device_id()[6..].parse().unwrap()
}

#[tokio::test]
async fn seed_000_register_remote_storage() {
    let local = mock(
        151,
        ArrayConfig::new("VSP G900", 410_000).user("local_user", "local_pass"),
    )
    .await;
    let remote = mock(
        152,
        ArrayConfig::new("VSP G900", 420_000).user("remote_user", "remote_pass"),
    )
    .await;
    let lc = client(&local, "local_user", "local_pass").await;
    let rc = client(&remote, "remote_user", "remote_pass").await;
    assert_eq!(lc.storage_device_id().as_str(), "886000410000");
    lc.require_api_version(1, 9).await.unwrap();
    rc.require_api_version(1, 9).await.unwrap();

    let ls = lc.open_session().await.unwrap();
    let rs = rc.open_session().await.unwrap();
    let port: u16 = remote.url().rsplit(':').next().unwrap().parse().unwrap();
    let spec = RegisterRemoteStorage::new(rc.storage_device_id(), "127.0.0.152", port);
    let job = ls.remote_storages().register(&rs, &spec).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let affected = job.affected_resources[0].clone();
    assert!(
        affected.ends_with("/remote-storages/886000420000"),
        "{affected}"
    );
    let registered: RemoteStorage = ls.get_json(&affected).await.unwrap();
    assert_eq!(registered.storage_device_id, "886000420000");
    assert_eq!(registered.model.as_deref(), Some("VSP G900"));
    assert_eq!(registered.serial_number, Some(420_000));
    assert_eq!(registered.rest_server_port, Some(port));
    // The list names the local system too (dkcType Local), as the REST server does.
    let listed = ls.remote_storages().list().await.unwrap();
    assert!(listed.iter().any(|r| r.storage_device_id == "886000420000"));
    assert_eq!(
        ls.remote_storages()
            .get(&"886000420000".parse().unwrap())
            .await
            .unwrap(),
        registered
    );

    // A session of the wrong array is refused before anything is sent.
    let other = lc.open_session().await.unwrap();
    let sent = local.server().log().len();
    let err = ls
        .remote_storages()
        .register(&other, &spec)
        .await
        .unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::InvalidInput { .. })),
        "{err:?}"
    );
    assert_eq!(local.server().log().len(), sent);
    other.close().await.unwrap();

    ls.close().await.unwrap();
    rs.close().await.unwrap();
    assert_eq!(local.live_sessions(), 0);
    assert_eq!(remote.live_sessions(), 0);
}

#[tokio::test]
async fn seed_001_shadowimage_pair_and_its_lifecycle() {
    let array = mock(
        153,
        ArrayConfig::new("VSP G900", 410_000)
            .user("user1", "pass1")
            .job_duration(Duration::from_millis(50)),
    )
    .await;
    let c = client(&array, "user1", "pass1").await;
    c.require_api_version(1, 2).await.unwrap();
    let array = &array;
    let result = c
        .with_session(|s| async move {
            let pairs = s.local_copy_pairs();
            let spec = CreateLocalClonePair::shadow_image("SI_347", "p_347-348", 347, 348);
            let id = pairs.create(&spec).await?;
            assert_eq!(id.to_string(), "SI_347,SI_347P_,SI_347S_,p_347-348");
            let template = pairs
                .template(
                    &id,
                    storkit_hitachi_block::local_copy::LocalCopyAction::Split,
                )
                .await?;
            assert!(template.parameters.contains_key("copyPace"));
            pairs
                .split(&id, ActionOptions::default().copy_pace(3))
                .await?;
            let pair = pairs.get(&id).await?;
            assert_eq!(
                (pair.pvol_status.clone(), pair.svol_status.clone()),
                (PairStatus::Psus, PairStatus::Ssus)
            );
            assert_eq!(pair.pvol_ldev_id, 347);

            let group = LocalCloneGroupId::with_default_groups("SI_347");
            let listed = pairs.list(&group).await?;
            assert_eq!(listed.len(), 1);
            let groups = s.local_copy_groups().list().await?;
            assert!(groups.iter().any(|g| g.copy_group_name == "SI_347"));

            pairs.resync(&id, ActionOptions::default()).await?;
            let status = pairs.get(&id).await?.pvol_status;
            assert!(
                matches!(status, PairStatus::Copy | PairStatus::Pair),
                "{status}"
            );
            pairs.split(&id, ActionOptions::default()).await?;
            pairs
                .restore(&id, ActionOptions::default().copy_pace(15))
                .await?;
            let status = pairs.get(&id).await?.pvol_status;
            assert!(
                matches!(status, PairStatus::Rcpy | PairStatus::Pair),
                "{status}"
            );
            pairs.delete(&id).await?;
            let gone = pairs.get(&id).await.unwrap_err();
            assert_eq!(gone.kind(), ErrorKind::NotFound);
            Ok::<_, Error>(array.pair_status("SI_347,SI_347P_,SI_347S_,p_347-348"))
        })
        .await
        .unwrap();
    assert_eq!(result, None);
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn an_old_api_version_is_a_typed_error() {
    let array = mock(
        154,
        ArrayConfig::new("VSP G900", 410_000).api_version("1.8.0"),
    )
    .await;
    let c = client(&array, "user1", "pass1").await;
    let err = c.require_api_version(1, 9).await.unwrap_err();
    match err.hitachi() {
        Some(HitachiError::VersionTooOld { required, actual }) => {
            assert_eq!(required, "1.9");
            assert_eq!(actual, "1.8.0");
        }
        other => panic!("{other:?}"),
    }
    assert!(c.require_api_version(1, 2).await.is_ok());
}

#[tokio::test]
async fn the_storage_id_is_discovered_by_serial() {
    let array = mock(155, ArrayConfig::new("VSP G900", 410_000)).await;
    let ca = array.server().tls().unwrap().ca_pem();
    let by_serial = HitachiClient::builder(array.url())
        .serial(410_000)
        .tls(TlsPolicy::custom_ca_pem(&ca).unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(by_serial.storage_device_id().as_str(), "886000410000");
    // A model missing from the table falls back to the lookup.
    let unknown_model = HitachiClient::builder(array.url())
        .model_serial("Some Future VSP", 410_000)
        .tls(TlsPolicy::custom_ca_pem(&ca).unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(unknown_model.storage_device_id().as_str(), "886000410000");
    let missing = HitachiClient::builder(array.url())
        .serial(999_999)
        .tls(TlsPolicy::custom_ca_pem(&ca).unwrap())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(
        missing.hitachi(),
        Some(HitachiError::StorageNotFound { serial: 999_999 })
    ));
}

#[tokio::test]
async fn a_failed_job_is_typed_and_the_session_is_still_discarded() {
    let array = mock(156, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = client(&array, "user1", "pass1").await;
    array.fail_next_job(JobFailure::Ssb {
        ssb1: "B958".into(),
        ssb2: "015A".into(),
        message_id: "KART30000-E".into(),
    });
    let err = c
        .with_session(|s| async move {
            s.local_copy_pairs()
                .create(&CreateLocalClonePair::shadow_image("SI_F", "p_f", 347, 348))
                .await
        })
        .await
        .unwrap_err();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, job, .. }) => {
            assert_eq!(error.ssb(), Some(("B958".into(), "015A".into())));
            assert_eq!(error.message_id.as_deref(), Some("KART30000-E"));
            assert_eq!(job.state, JobState::Failed);
        }
        other => panic!("{other:?} / {err:?}"),
    }
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_dropped_future_still_discards_its_session() {
    let array = mock(
        157,
        ArrayConfig::new("VSP G900", 410_000).job_duration(Duration::from_secs(30)),
    )
    .await;
    let c = client(&array, "user1", "pass1").await;
    let task = tokio::spawn({
        let c = c.clone();
        async move {
            c.with_session(|s| async move {
                s.local_copy_pairs()
                    .create(&CreateLocalClonePair::shadow_image("SI_D", "p_d", 347, 348))
                    .await
            })
            .await
        }
    });
    // Wait until the session exists and the slow job is under way, then cancel.
    for _ in 0..100 {
        if array.live_sessions() == 1 && array.job_count() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(array.live_sessions(), 1);
    task.abort();
    let _ = task.await;
    for _ in 0..100 {
        if array.live_sessions() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        array.live_sessions(),
        0,
        "the cancelled session was not discarded"
    );
}

#[tokio::test]
async fn an_expired_session_logs_in_again_once() {
    let array = mock(158, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let first_id = s.id();
    s.local_copy_pairs()
        .create(&CreateLocalClonePair::shadow_image("SI_R", "p_r", 347, 348))
        .await
        .unwrap();
    array.expire_all_sessions();
    let created_before = array.sessions_created();
    // The next call gets 401, logs in again and succeeds.
    let group = LocalCloneGroupId::with_default_groups("SI_R");
    let pairs = s.local_copy_pairs().list(&group).await.unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(array.sessions_created(), created_before + 1);
    assert_ne!(s.id(), first_id);
    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn busy_and_locked_answers_are_retried_permanent_ones_are_not() {
    let array = mock(159, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let log = array.server().log();

    // Resource locked by someone else, twice, then free.
    array.inject_error(2, 409, "KART40050-E", Some(("2E11", "2205")), None);
    let before = log.count_where(|e| e.path.ends_with("/local-clone-copypairs"));
    s.local_copy_pairs()
        .create(&CreateLocalClonePair::shadow_image("SI_L", "p_l", 347, 348))
        .await
        .unwrap();
    let posts = log.count_where(|e| e.path.ends_with("/local-clone-copypairs")) - before;
    assert_eq!(posts, 3, "two lock-busy answers, then success");

    // Server busy, then an HTML 500 and a blank 200 from a tired REST server.
    array.inject_error(1, 503, "KART00003-E", None, None);
    array.server().faults().add(
        Fault::new(FaultAction::html_500())
            .on_path(
                "/ConfigurationManager/v1/objects/storages/886000410000/local-clone-copypairs/",
            )
            .times(1),
    );
    array.server().faults().add(
        Fault::new(FaultAction::blank_200())
            .on_path(
                "/ConfigurationManager/v1/objects/storages/886000410000/local-clone-copypairs/",
            )
            .times(1),
    );
    let id = "SI_L,SI_LP_,SI_LS_,p_l".parse().unwrap();
    s.local_copy_pairs()
        .split(&id, ActionOptions::default())
        .await
        .unwrap();

    // "Object does not exist" is never retried.
    array.inject_error(3, 404, "KART30013-E", None, Some("RETRY"));
    let before = log.len();
    let err = s
        .local_copy_pairs()
        .delete(&"SI_X,SI_XP_,SI_XS_,p_x".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.api_error()
            .and_then(|e| e.message_id.clone())
            .as_deref(),
        Some("KART30013-E")
    );
    assert_eq!(log.len() - before, 1);
    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn the_session_limit_is_waited_out() {
    let array = mock(160, ArrayConfig::new("VSP G900", 410_000).max_sessions(2)).await;
    let c = client(&array, "user1", "pass1").await;
    let a = c.open_session().await.unwrap();
    let b = c.open_session().await.unwrap();
    let third = tokio::spawn({
        let c = c.clone();
        async move { c.open_session().await }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        !third.is_finished(),
        "the 503 for the third session must be retried"
    );
    a.close().await.unwrap();
    let t = third.await.unwrap().unwrap();
    assert!(array.server().log().count_where(|e| e.status == Some(503)) >= 1);
    t.close().await.unwrap();
    b.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let array = mock(
        161,
        ArrayConfig::new("VSP G900", 410_000).user("user1", "Pa55-SECRET"),
    )
    .await;
    let c = client(&array, "user1", "Pa55-SECRET").await;
    let s = c.open_session().await.unwrap();
    let token = s.remote_authorization().unwrap();
    let token = storkit_core::secrecy::ExposeSecret::expose_secret(&token)
        .trim_start_matches("Session ")
        .to_owned();
    for text in [format!("{c:?}"), format!("{s:?}")] {
        assert!(!text.contains("Pa55-SECRET"), "{text}");
        assert!(!text.contains(&token), "{text}");
    }
    assert!(format!("{s:?}").contains("** redacted **"));
    s.close().await.unwrap();
}
