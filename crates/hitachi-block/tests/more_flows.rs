//! More flows of the client against the Hitachi mock over real TLS sockets: session
//! keep-alive (and its control, re-login after idle expiry), remote storage deletion,
//! ShadowImage pairs added to an existing copy group, copy-group-level split, and the short
//! URL form.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use storkit_core::http::Method;
use storkit_core::poll::{Backoff, PollPolicy};
use storkit_core::{ErrorKind, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::local_copy::{
    ActionOptions, CreateLocalClonePair, LocalCloneGroupId, LocalClonePairId, LocalCopyAction,
    PairStatus,
};
use storkit_hitachi_block::remote_storage::{MutualDeletion, RegisterRemoteStorage};
use storkit_hitachi_block::{
    HitachiClient, HitachiClientBuilder, HitachiErrorExt, JobState, Session, UrlForm,
};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{LoggedRequest, ServerConfig, TlsSettings};

/// This file owns 127.0.0.180-189 (resources.rs uses 170-179, sessions_and_jobs.rs 151-161).
fn ip(last: u8) -> IpAddr {
    assert!(
        (180..=189).contains(&last),
        "this file owns 127.0.0.180-189"
    );
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

fn fast() -> Backoff {
    Backoff::exponential(Duration::from_millis(20), 2.0, Duration::from_millis(200))
}

/// A builder trusting the mock's CA, with fast retries and polls.
fn builder(mock: &HitachiMock, user: &str, password: &str) -> HitachiClientBuilder {
    let ca = mock.server().tls().unwrap().ca_pem();
    let serial = mock.storage_device_id()[6..].parse().unwrap();
    HitachiClient::builder(mock.url())
        .credentials(user, password.to_owned())
        .model_serial("VSP G900", serial)
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(6)
                .with_max_elapsed(Duration::from_secs(20))
                .with_backoff(fast()),
        )
        .job_polling(PollPolicy::default().with_backoff(fast()))
}

async fn client(mock: &HitachiMock) -> HitachiClient {
    builder(mock, "user1", "pass1").build().await.unwrap()
}

fn is_session_get(entry: &LoggedRequest, id: u64) -> bool {
    entry.method == Method::GET && entry.path.ends_with(&format!("/sessions/{id}"))
}

/// Leaves the session idle for `idle`, then uses it once (a plain GET of an LDEV).
async fn idle_then_use(s: &Session, idle: Duration) {
    tokio::time::sleep(idle).await;
    let ldev = s.ldevs().get(100).await.unwrap();
    assert_eq!(ldev.ldev_id, 100);
}

#[tokio::test]
async fn keep_alive_holds_an_idle_session_open() {
    let array = mock(180, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = builder(&array, "user1", "pass1")
        .session_alive_time(1)
        .session_keep_alive(Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    let s = c.open_session().await.unwrap();
    let id = s.id();
    let log = array.server().log();

    tokio::time::sleep(Duration::from_secs(2)).await;
    // Twice the idle timeout without a call of ours, and the session is still live...
    assert_eq!(array.live_sessions(), 1);
    let pings = log.count_where(|e| is_session_get(e, id) && e.status == Some(200));
    assert!(pings >= 5, "only {pings} keep-alive requests in 2 s");
    // ...so it is used as is: no 401, no second login.
    idle_then_use(&s, Duration::ZERO).await;
    assert_eq!(s.id(), id);
    assert_eq!(array.sessions_created(), 1);
    assert_eq!(log.count_where(|e| e.status == Some(401)), 0);

    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
    // The keep-alive ends with the session.
    let after_close = log.count_where(|e| is_session_get(e, id));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        log.count_where(|e| is_session_get(e, id)) <= after_close + 1,
        "the keep-alive went on after close"
    );
}

#[tokio::test]
async fn without_keep_alive_an_idle_session_expires_and_is_recreated() {
    let array = mock(181, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = builder(&array, "user1", "pass1")
        .session_alive_time(1)
        .build()
        .await
        .unwrap();
    let s = c.open_session().await.unwrap();
    let id = s.id();
    assert_eq!(array.live_sessions(), 1);

    tokio::time::sleep(Duration::from_secs(2)).await;
    // The control: nothing kept it alive, so the server let it expire.
    assert_eq!(array.live_sessions(), 0);
    let log = array.server().log();
    assert_eq!(log.count_where(|e| is_session_get(e, id)), 0);

    // The next call gets 401, logs in again once and succeeds.
    idle_then_use(&s, Duration::ZERO).await;
    assert_eq!(array.sessions_created(), 2);
    assert_ne!(s.id(), id);
    // One 401, for the call. No probe of the old token: the core's refresh gate knows
    // from the credentials' generation whether another task already logged in.
    assert_eq!(
        log.count_where(|e| e.status == Some(401) && !is_session_get(e, id)),
        1
    );
    assert_eq!(log.count_where(|e| is_session_get(e, id)), 0);
    assert_eq!(array.live_sessions(), 1);
    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_remote_storage_registration_is_deleted() {
    let local = mock(
        182,
        ArrayConfig::new("VSP G900", 410_000).user("local_user", "local_pass"),
    )
    .await;
    let remote = mock(
        183,
        ArrayConfig::new("VSP G900", 420_000).user("remote_user", "remote_pass"),
    )
    .await;
    let lc = builder(&local, "local_user", "local_pass")
        .build()
        .await
        .unwrap();
    let rc = builder(&remote, "remote_user", "remote_pass")
        .build()
        .await
        .unwrap();
    let ls = lc.open_session().await.unwrap();
    let rs = rc.open_session().await.unwrap();
    let port: u16 = remote.url().rsplit(':').next().unwrap().parse().unwrap();
    let spec = RegisterRemoteStorage::new(rc.storage_device_id(), "127.0.0.183", port);
    let remotes = ls.remote_storages();

    remotes.register(&rs, &spec).await.unwrap();
    assert_eq!(
        remotes
            .get(&"886000420000".parse().unwrap())
            .await
            .unwrap()
            .storage_device_id,
        "886000420000"
    );
    let job = remotes
        .delete(
            &rs,
            &"886000420000".parse().unwrap(),
            MutualDeletion::ThisSystemOnly,
        )
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert!(
        job.affected_resources[0].ends_with("/remote-storages/886000420000"),
        "{job:?}"
    );
    let gone = remotes
        .get(&"886000420000".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone:?}");
    let listed = remotes.list().await.unwrap();
    assert!(
        listed.iter().all(|r| r.storage_device_id != "886000420000"),
        "{listed:?}"
    );
    // The delete carried the remote session's token; deleting again finds nothing.
    let deletes = local.server().log().count_where(|e| {
        e.method == Method::DELETE && e.headers.contains_key("remote-authorization")
    });
    assert_eq!(deletes, 1);
    let again = remotes
        .delete(
            &rs,
            &"886000420000".parse().unwrap(),
            MutualDeletion::ThisSystemOnly,
        )
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound, "{again:?}");
    assert_eq!(
        again
            .api_error()
            .and_then(|e| e.message_id.clone())
            .as_deref(),
        Some("KART30013-E")
    );

    // Mutual deletion checks the remote token with the remote REST server, and works too.
    remotes.register(&rs, &spec).await.unwrap();
    remotes
        .delete(&rs, &"886000420000".parse().unwrap(), MutualDeletion::Both)
        .await
        .unwrap();
    assert_eq!(
        remotes
            .get(&"886000420000".parse().unwrap())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    ls.close().await.unwrap();
    rs.close().await.unwrap();
    assert_eq!(local.live_sessions(), 0);
    assert_eq!(remote.live_sessions(), 0);
}

/// Creates `SI_G` with the pair 347→348, then adds 349→350 to it.
async fn two_pairs_in_one_group(s: &Session) -> (LocalCloneGroupId, [LocalClonePairId; 2]) {
    let pairs = s.local_copy_pairs();
    let first = pairs
        .create(&CreateLocalClonePair::shadow_image(
            "SI_G",
            "p_347-348",
            347,
            348,
        ))
        .await
        .unwrap();
    let second = pairs
        .create(
            &CreateLocalClonePair::shadow_image("SI_G", "p_349-350", 349, 350).in_existing_group(),
        )
        .await
        .unwrap();
    assert_eq!(second.to_string(), "SI_G,SI_GP_,SI_GS_,p_349-350");
    (
        LocalCloneGroupId::with_default_groups("SI_G"),
        [first, second],
    )
}

#[tokio::test]
async fn a_shadow_image_pair_joins_an_existing_copy_group() {
    let array = mock(
        184,
        ArrayConfig::new("VSP G900", 410_000).job_duration(Duration::from_millis(20)),
    )
    .await;
    let c = client(&array).await;
    let s = c.open_session().await.unwrap();
    let (group_id, [first, second]) = two_pairs_in_one_group(&s).await;

    // Both creations were accepted as jobs (and both jobs succeeded, above).
    let accepted: Vec<bool> = array
        .server()
        .log()
        .entries()
        .iter()
        .filter(|e| e.method == Method::POST && e.path.ends_with("/local-clone-copypairs"))
        .map(|e| e.status == Some(202))
        .collect();
    assert_eq!(accepted, [true, true]);

    let group = s.local_copy_groups().get(&group_id).await.unwrap();
    assert_eq!(group.copy_group_name, "SI_G");
    assert_eq!(group.local_clone_copygroup_id, "SI_G,SI_GP_,SI_GS_");
    assert_eq!(group.pvol_device_group_name.as_deref(), Some("SI_GP_"));
    assert_eq!(group.svol_device_group_name.as_deref(), Some("SI_GS_"));
    let groups = s.local_copy_groups().list().await.unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");

    let listed = s.local_copy_pairs().list(&group_id).await.unwrap();
    let mut names: Vec<(String, u32, u32)> = listed
        .iter()
        .map(|p| (p.copy_pair_name.clone(), p.pvol_ldev_id, p.svol_ldev_id))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("p_347-348".to_owned(), 347, 348),
            ("p_349-350".to_owned(), 349, 350)
        ]
    );
    let ids: Vec<LocalClonePairId> = listed.iter().map(|p| p.id().unwrap()).collect();
    assert!(ids.contains(&first) && ids.contains(&second), "{ids:?}");

    // Joining a group that does not exist, or creating one that does, fails as a job.
    let pairs = s.local_copy_pairs();
    let missing = pairs
        .create(
            &CreateLocalClonePair::shadow_image("SI_NONE", "p_351-352", 351, 352)
                .in_existing_group(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Vendor, "{missing:?}");
    assert_eq!(
        missing.api_error().and_then(|e| e.return_code()),
        Some("EX_ENOOBJ")
    );
    let duplicate = pairs
        .create(&CreateLocalClonePair::shadow_image(
            "SI_G",
            "p_351-352",
            351,
            352,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        duplicate.api_error().and_then(|e| e.return_code()),
        Some("EX_CMDRJE")
    );
    assert_eq!(pairs.list(&group_id).await.unwrap().len(), 2);

    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_copy_group_split_suspends_every_pair() {
    let array = mock(
        185,
        ArrayConfig::new("VSP G900", 410_000).job_duration(Duration::from_millis(20)),
    )
    .await;
    let c = client(&array).await;
    let s = c.open_session().await.unwrap();
    let (group_id, pair_ids) = two_pairs_in_one_group(&s).await;

    let job = s
        .local_copy_groups()
        .act(
            &group_id,
            LocalCopyAction::Split,
            ActionOptions::default().copy_pace(3),
        )
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    // One template read and one invoke, on the group, not on each pair.
    let log = array.server().log();
    let group_path = format!(
        "/ConfigurationManager/v1/objects/storages/886000410000/local-clone-copygroups/{group_id}/actions/split"
    );
    assert_eq!(
        log.count_where(|e| e.method == Method::GET && e.path == group_path),
        1
    );
    assert_eq!(
        log.count_where(|e| e.path == format!("{group_path}/invoke")),
        1
    );
    assert_eq!(
        log.count_where(
            |e| e.path.contains("/local-clone-copypairs/") && e.path.contains("/actions/")
        ),
        0
    );

    for id in &pair_ids {
        let pair = s.local_copy_pairs().get(id).await.unwrap();
        assert_eq!(
            (pair.pvol_status, pair.svol_status),
            (PairStatus::Psus, PairStatus::Ssus),
            "{id}"
        );
        assert_eq!(
            array.pair_status(&id.to_string()),
            Some(("PSUS".to_owned(), "SSUS".to_owned()))
        );
    }
    for pair in s.local_copy_pairs().list(&group_id).await.unwrap() {
        assert_eq!(pair.pvol_status, PairStatus::Psus, "{pair:?}");
    }

    // Resync of the group brings both back towards PAIR.
    s.local_copy_groups()
        .resync(&group_id, ActionOptions::default())
        .await
        .unwrap();
    for id in &pair_ids {
        let status = s.local_copy_pairs().get(id).await.unwrap().pvol_status;
        assert!(
            matches!(status, PairStatus::Copy | PairStatus::Pair),
            "{id}: {status}"
        );
    }

    // Restore in units of the copy group carries NoWait, as Hitachi recommends; the other
    // group actions do not.
    let pairs = s.local_copy_pairs();
    for id in &pair_ids {
        pairs.wait_for_status(id, PairStatus::Pair).await.unwrap();
    }
    s.local_copy_groups()
        .split(&group_id, ActionOptions::default())
        .await
        .unwrap();
    for id in &pair_ids {
        pairs.wait_for_status(id, PairStatus::Psus).await.unwrap();
    }
    s.local_copy_groups()
        .restore(&group_id, ActionOptions::default().copy_pace(10))
        .await
        .unwrap();
    let no_wait = |action: &str| -> Vec<bool> {
        log.entries()
            .iter()
            .filter(|e| e.path.ends_with(&format!("/actions/{action}/invoke")))
            .map(|e| {
                e.headers
                    .get("job-mode-wait-configuration-change")
                    .is_some_and(|v| v == "NoWait")
            })
            .collect()
    };
    assert_eq!(no_wait("restore"), [true]);
    assert_eq!(no_wait("split"), [false, false]);
    assert_eq!(no_wait("resync"), [false]);
    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn the_short_url_form_works_against_the_mock() {
    let array = mock(
        186,
        ArrayConfig::new("VSP G900", 410_000).job_duration(Duration::from_millis(20)),
    )
    .await;
    let c = builder(&array, "user1", "pass1")
        .url_form(UrlForm::Short)
        .build()
        .await
        .unwrap();
    assert_eq!(
        c.object_path("/ldevs/100"),
        "/ConfigurationManager/v1/objects/ldevs/100"
    );
    assert_eq!(
        c.service_path("/resource-group-service"),
        "/ConfigurationManager/v1/services/resource-group-service"
    );
    let started = Instant::now();
    let status = c
        .with_session(|s| async move {
            let pairs = s.local_copy_pairs();
            let id = pairs
                .create(&CreateLocalClonePair::shadow_image(
                    "SI_S",
                    "p_347-348",
                    347,
                    348,
                ))
                .await?;
            assert_eq!(id.to_string(), "SI_S,SI_SP_,SI_SS_,p_347-348");
            pairs.split(&id, ActionOptions::default()).await?;
            let pair = pairs.get(&id).await?;
            Ok::<_, storkit_hitachi_block::Error>((pair.pvol_status, pair.svol_status))
        })
        .await
        .unwrap();
    assert_eq!(status, (PairStatus::Psus, PairStatus::Ssus));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        array.pair_status("SI_S,SI_SP_,SI_SS_,p_347-348"),
        Some(("PSUS".to_owned(), "SSUS".to_owned()))
    );
    assert_eq!(array.live_sessions(), 0);

    // Every request the client built itself was short: session create and discard, the
    // pair's create, template, invoke and get. (Only job URLs from the server's `self`
    // field may be long.)
    let entries = array.server().log().entries();
    let long: Vec<&str> = entries
        .iter()
        .filter(|e| e.path.contains("/objects/storages/") && !e.path.contains("/jobs/"))
        .map(|e| e.path.as_str())
        .collect();
    assert!(long.is_empty(), "long-form requests: {long:?}");
    let short = |method: Method, path: &str| {
        entries
            .iter()
            .any(|e| e.method == method && e.path == path && e.status.is_some_and(|s| s < 300))
    };
    assert!(short(
        Method::POST,
        "/ConfigurationManager/v1/objects/sessions"
    ));
    assert!(short(
        Method::POST,
        "/ConfigurationManager/v1/objects/local-clone-copypairs"
    ));
    assert!(entries.iter().any(|e| {
        e.method == Method::DELETE
            && e.path
                .starts_with("/ConfigurationManager/v1/objects/sessions/")
            && e.status == Some(200)
    }));
}

#[tokio::test]
async fn concurrent_401s_open_one_new_session() {
    let array = mock(187, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = builder(&array, "user1", "pass1").build().await.unwrap();
    let s = c.open_session().await.unwrap();
    array.expire_all_sessions();
    let created = array.sessions_created();
    let group = LocalCloneGroupId::with_default_groups("SI_NONE");
    let pairs = s.local_copy_pairs();
    let (a, b, d) = tokio::join!(pairs.list(&group), pairs.list(&group), pairs.list(&group));
    assert!(a.is_ok() && b.is_ok() && d.is_ok(), "{a:?} {b:?} {d:?}");
    assert_eq!(
        array.sessions_created(),
        created + 1,
        "one re-login, not one per task"
    );
    assert_eq!(array.live_sessions(), 1);
    s.close().await.unwrap();
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_cancelled_close_still_discards() {
    let array = mock(188, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = builder(&array, "user1", "pass1").build().await.unwrap();
    let s = c.open_session().await.unwrap();
    assert_eq!(array.live_sessions(), 1);
    // Polled once (the discard task starts), then dropped.
    let _ = tokio::time::timeout(Duration::ZERO, s.close()).await;
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(5);
    while array.live_sessions() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn finished_work_is_not_lost_when_the_session_already_expired() {
    let array = mock(189, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = builder(&array, "user1", "pass1").build().await.unwrap();
    let value = c
        .with_session(|s| {
            let array = &array;
            async move {
                let storage = s.storage().await?;
                // The server drops the session before the discard.
                array.expire_all_sessions();
                Ok::<_, storkit_hitachi_block::Error>(storage.storage_device_id)
            }
        })
        .await
        .unwrap();
    assert_eq!(value, "886000410000");
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn a_keep_alive_that_cannot_keep_alive_is_refused() {
    // Refused while building: no server is needed (the id is given, nothing is sent).
    for (every, alive) in [(Duration::ZERO, 300), (Duration::from_secs(60), 30)] {
        let err = HitachiClient::builder("https://127.0.0.1:9")
            .storage_device_id("886000410000".parse().unwrap())
            .credentials("user1", "pass1")
            .session_keep_alive(every)
            .session_alive_time(alive)
            .build()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{every:?} / {alive}");
    }
}
