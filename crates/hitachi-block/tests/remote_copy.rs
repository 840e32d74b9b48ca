//! Remote copy (TrueCopy, Universal Replicator, global-active device) through the
//! [`Remote`] handle, against two Hitachi mocks over real TLS sockets: pair and copy group
//! verbs, waiting for pair statuses, `Job-Mode-Wait-Configuration-Change: NoWait`,
//! submit-then-wait, a create job that names nothing, PSUE, and the remote-array check.
//! ShadowImage's `wait_for_status`, which shares the polling, is here too.
//!
//! This file owns 127.0.18.1-60, one or two addresses per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::poll::{Backoff, PollPolicy};
use storkit_core::secrecy::ExposeSecret;
use storkit_core::{ErrorKind, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::local_copy::{ActionOptions, CreateLocalClonePair};
use storkit_hitachi_block::remote_copy::{RemoteResync, RemoteSplit, RemoteTakeover};
use storkit_hitachi_block::remote_storage::RegisterRemoteStorage;
use storkit_hitachi_block::{
    CreateRemoteCopyPair, HitachiClient, HitachiClientBuilder, HitachiError, HitachiErrorExt,
    JOB_MODE_WAIT_CONFIGURATION_CHANGE, JobModeWait, JobState, PairStatus, Remote,
    RemoteCopyGroupId, RemoteCopyPairId, ReplicationType, Session,
};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock};
use storkit_mock::{LoggedRequest, ServerConfig, TlsSettings};

fn ip(last: u8) -> IpAddr {
    assert!((1..=60).contains(&last), "this file owns 127.0.18.1-60");
    IpAddr::from([127, 0, 18, last])
}

const JOB: Duration = Duration::from_millis(20);
/// Long enough that a new pair is seen in `COPY` before it reaches `PAIR`.
const COPY: Duration = Duration::from_millis(250);

async fn mock(last: u8, serial: u64) -> HitachiMock {
    let array = HitachiMock::start(
        ServerConfig::new()
            .ips([ip(last)])
            .tls(TlsSettings::new(["array.example.test"])),
        ArrayConfig::new("VSP G900", serial).job_duration(JOB),
    )
    .await
    .unwrap();
    array.set_copy_duration(COPY);
    array
}

fn fast() -> Backoff {
    Backoff::exponential(Duration::from_millis(20), 2.0, Duration::from_millis(100))
}

fn builder(mock: &HitachiMock) -> HitachiClientBuilder {
    let ca = mock.server().tls().unwrap().ca_pem();
    let serial = mock.storage_device_id()[6..].parse().unwrap();
    HitachiClient::builder(mock.url())
        .credentials("user1", "pass1".to_owned())
        .model_serial("VSP G900", serial)
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_max_elapsed(Duration::from_secs(10))
                .with_backoff(fast()),
        )
        .job_polling(
            PollPolicy::default()
                .with_backoff(fast())
                .with_deadline(Duration::from_secs(10)),
        )
}

/// Two arrays, a session on each, the remote one registered on the local one.
struct Pair {
    local: HitachiMock,
    remote: HitachiMock,
    ls: Session,
    rs: Session,
}

impl Pair {
    async fn start(local_last: u8, remote_last: u8) -> Pair {
        Pair::start_with(local_last, remote_last, JobModeWait::default()).await
    }

    async fn start_with(local_last: u8, remote_last: u8, mode: JobModeWait) -> Pair {
        let local = mock(local_last, 410_000).await;
        let remote = mock(remote_last, 420_000).await;
        let lc = builder(&local).job_mode_wait(mode).build().await.unwrap();
        let rc = builder(&remote).build().await.unwrap();
        let ls = lc.open_session().await.unwrap();
        let rs = rc.open_session().await.unwrap();
        let port = remote.server().port();
        let spec =
            RegisterRemoteStorage::new(rc.storage_device_id(), ip(remote_last).to_string(), port);
        ls.remote_storages().register(&rs, &spec).await.unwrap();
        Pair {
            local,
            remote,
            ls,
            rs,
        }
    }

    async fn close(self) {
        self.ls.close().await.unwrap();
        self.rs.close().await.unwrap();
        assert_eq!(self.local.live_sessions(), 0);
        assert_eq!(self.remote.live_sessions(), 0);
    }

    /// The local mock's remote copy requests.
    fn remote_copy_requests(&self) -> Vec<LoggedRequest> {
        self.local
            .server()
            .log()
            .entries()
            .into_iter()
            .filter(|e| e.path.contains("/remote-mirror-copy"))
            .collect()
    }
}

fn header<'a>(e: &'a LoggedRequest, name: &str) -> Option<&'a str> {
    e.headers.get(name).map(|v| v.to_str().unwrap())
}

fn tc(remote: &Remote<'_>, group: &str, pair: &str, ldev: u32) -> CreateRemoteCopyPair {
    CreateRemoteCopyPair::tc(remote.remote_storage_device_id(), group, pair, ldev, ldev)
}

/// Statuses as the pair's GET shows them.
async fn statuses(remote: &Remote<'_>, id: &RemoteCopyPairId) -> (String, String) {
    let p = remote.pairs().get(id).await.unwrap();
    (
        p.pvol_status.unwrap().to_string(),
        p.svol_status.unwrap().to_string(),
    )
}

#[tokio::test]
async fn tc_pair_create_split_resync_takeover_delete() {
    let two = Pair::start(1, 2).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    assert_eq!(remote.remote_storage_device_id().as_str(), "886000420000");
    let pairs = remote.pairs();

    let id = pairs
        .create(&tc(&remote, "TC_G", "tc_349", 349))
        .await
        .unwrap();
    assert_eq!(id.to_string(), "886000420000,TC_G,TC_GP_,TC_GS_,tc_349");
    // The create's job is done; the copy takes the mock 250 ms more.
    let (pvol, _) = statuses(&remote, &id).await;
    assert!(pvol == "COPY" || pvol == "PAIR", "{pvol}");
    let pair = pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
    assert_eq!(
        (pair.pvol_status, pair.svol_status),
        (Some(PairStatus::Pair), Some(PairStatus::Pair))
    );

    let job = pairs
        .split(&id, &RemoteSplit::new(ReplicationType::Tc))
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let pair = pairs.wait_for_status(&id, PairStatus::Psus).await.unwrap();
    assert_eq!(
        (pair.pvol_status, pair.svol_status),
        (Some(PairStatus::Psus), Some(PairStatus::Ssus))
    );

    pairs
        .resync(&id, &RemoteResync::new(ReplicationType::Tc).copy_pace(8))
        .await
        .unwrap();
    let (pvol, _) = statuses(&remote, &id).await;
    assert!(pvol == "COPY" || pvol == "PAIR", "{pvol}");
    pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();

    pairs
        .takeover(&id, &RemoteTakeover::force_split())
        .await
        .unwrap();
    let pair = pairs.wait_for_status(&id, PairStatus::Ssws).await.unwrap();
    assert_eq!(pair.svol_status, Some(PairStatus::Ssws));
    assert_eq!(
        two.local.pair_status(&id.to_string()),
        Some(("PSUS".to_owned(), "SSWS".to_owned()))
    );

    // A split with svolOperationMode SSWS after a swap resync: the same end.
    pairs
        .resync(&id, &RemoteResync::new(ReplicationType::Tc).swap_svol())
        .await
        .unwrap();
    pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
    pairs
        .split(
            &id,
            &RemoteSplit::new(ReplicationType::Tc).svol_operation_ssws(),
        )
        .await
        .unwrap();
    pairs.wait_for_status(&id, PairStatus::Ssws).await.unwrap();

    pairs.delete(&id).await.unwrap();
    let gone = pairs.get(&id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone:?}");
    assert_eq!(two.local.pair_status(&id.to_string()), None);
    let e = pairs
        .wait_for_status(&id, PairStatus::Pair)
        .await
        .unwrap_err();
    assert!(
        matches!(e.hitachi(), Some(HitachiError::PairGone { pair, wanted: PairStatus::Pair }) if *pair == id.to_string()),
        "{e:?}"
    );

    // Every remote copy request carried the remote token; every change NoWait, no GET.
    let token = two.rs.remote_authorization().unwrap();
    let requests = two.remote_copy_requests();
    let changes = requests.iter().filter(|e| e.method != Method::GET).count();
    assert_eq!(
        changes, 7,
        "create, split, resync, takeover, resync, split, delete"
    );
    for e in &requests {
        let line = format!("{} {}", e.method, e.path);
        assert_eq!(
            header(e, "remote-authorization"),
            Some(token.expose_secret()),
            "{line}"
        );
        let nowait = header(e, JOB_MODE_WAIT_CONFIGURATION_CHANGE);
        if e.method == Method::GET {
            assert_eq!(nowait, None, "{line}");
        } else {
            assert_eq!(nowait, Some("NoWait"), "{line}");
        }
    }
    two.close().await;
}

#[tokio::test]
async fn ur_and_gad_pairs() {
    let two = Pair::start(3, 4).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let pairs = remote.pairs();
    let sdid = remote.remote_storage_device_id().clone();

    let ur = CreateRemoteCopyPair::ur(&sdid, "UR_G", "ur_350", (350, 350), (0, 1));
    let ur_id = pairs.create(&ur).await.unwrap();
    let pair = pairs
        .wait_for_status(&ur_id, PairStatus::Pair)
        .await
        .unwrap();
    assert_eq!(pair.replication_type.as_deref(), Some("UR"));
    assert_eq!(
        (pair.pvol_journal_id, pair.svol_journal_id),
        (Some(0), Some(1))
    );
    pairs
        .split(
            &ur_id,
            &RemoteSplit::new(ReplicationType::Ur).data_suspend(),
        )
        .await
        .unwrap();
    pairs
        .wait_for_status(&ur_id, PairStatus::Psus)
        .await
        .unwrap();

    let gad = CreateRemoteCopyPair::gad(&sdid, "GAD_G", "gad_351", (351, 351), 0);
    let gad_id = pairs.create(&gad).await.unwrap();
    let pair = pairs
        .wait_for_status(&gad_id, PairStatus::Pair)
        .await
        .unwrap();
    assert_eq!(pair.replication_type.as_deref(), Some("GAD"));
    assert_eq!(pair.quorum_disk_id, Some(0));
    assert_eq!(pair.svol_io_mode.as_deref(), Some("L/M"));
    pairs
        .takeover(&gad_id, &RemoteTakeover::default())
        .await
        .unwrap();
    pairs
        .wait_for_status(&gad_id, PairStatus::Ssws)
        .await
        .unwrap();

    assert_eq!(remote.groups().list().await.unwrap().len(), 2);
    for id in [&ur_id, &gad_id] {
        pairs.delete(id).await.unwrap();
    }
    assert!(remote.groups().list().await.unwrap().is_empty());
    two.close().await;
}

#[tokio::test]
async fn the_same_verbs_on_a_copy_group() {
    let two = Pair::start(5, 6).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let pairs = remote.pairs();
    let a = pairs
        .create(&tc(&remote, "CG", "a_349", 349))
        .await
        .unwrap();
    let b = pairs
        .create(&tc(&remote, "CG", "b_350", 350).in_existing_group())
        .await
        .unwrap();
    let group = RemoteCopyGroupId::with_default_groups(remote.remote_storage_device_id(), "CG");
    assert_eq!((a.group(), b.group()), (group.clone(), group.clone()));
    let both = [&a, &b];
    for id in both {
        pairs.wait_for_status(id, PairStatus::Pair).await.unwrap();
    }
    let groups = remote.groups();
    let listed = groups.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id().unwrap().unwrap(), group);
    assert_eq!(pairs.list(&group).await.unwrap().len(), 2);

    groups
        .split(&group, &RemoteSplit::new(ReplicationType::Tc))
        .await
        .unwrap();
    for id in both {
        pairs.wait_for_status(id, PairStatus::Psus).await.unwrap();
    }
    groups
        .resync(&group, &RemoteResync::new(ReplicationType::Tc))
        .await
        .unwrap();
    for id in both {
        pairs.wait_for_status(id, PairStatus::Pair).await.unwrap();
    }
    groups
        .takeover(&group, &RemoteTakeover::force_split())
        .await
        .unwrap();
    for id in both {
        let pair = pairs.wait_for_status(id, PairStatus::Ssws).await.unwrap();
        assert_eq!(pair.svol_status, Some(PairStatus::Ssws));
    }
    let group_changes: Vec<LoggedRequest> = two
        .remote_copy_requests()
        .into_iter()
        .filter(|e| e.method == Method::POST && e.path.contains("/remote-mirror-copygroups/"))
        .collect();
    assert_eq!(group_changes.len(), 3);
    for e in &group_changes {
        assert_eq!(
            header(e, JOB_MODE_WAIT_CONFIGURATION_CHANGE),
            Some("NoWait")
        );
    }

    for id in both {
        pairs.delete(id).await.unwrap();
    }
    let e = groups.get(&group).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e:?}");
    two.close().await;
}

#[tokio::test]
async fn no_nowait_header_when_the_client_says_so() {
    let two = Pair::start_with(7, 8, JobModeWait::ServerDefault).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let pairs = remote.pairs();
    let id = pairs
        .create(&tc(&remote, "NW", "p_349", 349))
        .await
        .unwrap();
    pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
    pairs
        .split(&id, &RemoteSplit::new(ReplicationType::Tc))
        .await
        .unwrap();
    pairs
        .resync(&id, &RemoteResync::new(ReplicationType::Tc))
        .await
        .unwrap();
    pairs
        .takeover(&id, &RemoteTakeover::force_split())
        .await
        .unwrap();
    remote
        .groups()
        .split(&id.group(), &RemoteSplit::new(ReplicationType::Tc))
        .await
        .unwrap();
    pairs.delete(&id).await.unwrap();

    let requests = two.remote_copy_requests();
    assert_eq!(
        requests.iter().filter(|e| e.method != Method::GET).count(),
        6
    );
    for e in &requests {
        assert!(header(e, "remote-authorization").is_some());
        assert_eq!(
            header(e, JOB_MODE_WAIT_CONFIGURATION_CHANGE),
            None,
            "{} {}",
            e.method,
            e.path
        );
    }
    two.close().await;
}

#[tokio::test]
async fn submit_then_job_id_then_wait() {
    let two = Pair::start(9, 10).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let pairs = remote.pairs();
    let submitted = pairs
        .create(&tc(&remote, "SUB", "p_349", 349))
        .submit()
        .await
        .unwrap();
    let job_id = submitted.job_id();
    assert_eq!(submitted.job().job_id, job_id);
    assert!(
        submitted
            .job()
            .self_path
            .as_deref()
            .unwrap()
            .ends_with(&format!("/jobs/{job_id}")),
        "{:?}",
        submitted.job()
    );
    let id = submitted.wait().await.unwrap();
    assert_eq!(id.pair, "p_349");
    // The job as the server keeps it names the pair.
    let job = two.ls.job(job_id).await.unwrap();
    assert!(job.affected_resources[0].ends_with(&format!("/remote-mirror-copypairs/{id}")));

    pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
    let split = pairs
        .split(&id, &RemoteSplit::new(ReplicationType::Tc))
        .submit()
        .await
        .unwrap();
    assert!(split.job_id() > job_id);
    let done = split.wait().await.unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    pairs.wait_for_status(&id, PairStatus::Psus).await.unwrap();
    two.close().await;
}

#[tokio::test]
async fn a_create_job_naming_no_pair_is_an_error_not_a_guess() {
    let two = Pair::start(11, 12).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let spec = tc(&remote, "NAR", "p_349", 349);
    two.local.drop_affected_resources_next_job();
    let e = remote.pairs().create(&spec).await.unwrap_err();
    match e.hitachi() {
        Some(HitachiError::NoAffectedResource { what, affected, .. }) => {
            assert_eq!(*what, "remote copy pair");
            assert!(affected.is_empty());
        }
        other => panic!("{other:?} / {e:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::Decode);
    // The pair was made all the same: the caller looks it up rather than trust a guess.
    let id = spec.pair_id();
    assert!(two.local.pair_status(&id.to_string()).is_some());
    remote.pairs().get(&id).await.unwrap();
    // create_job still reports the job itself.
    two.local.drop_affected_resources_next_job();
    let job = remote
        .pairs()
        .create_job(&tc(&remote, "NAR2", "p_350", 350))
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert!(job.affected_resources.is_empty());
    two.close().await;
}

#[tokio::test]
async fn waiting_fails_on_psue_and_times_out_with_the_poll_policy() {
    let two = Pair::start(13, 14).await;
    // A slow copy, so the pair stays in COPY.
    two.local.set_copy_duration(Duration::from_secs(30));
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let pairs = remote.pairs();
    let id = pairs
        .create(&tc(&remote, "SLOW", "p_349", 349))
        .await
        .unwrap();

    // Timeout: a client whose polling gives up after 300 ms.
    let impatient = builder(&two.local)
        .job_polling(
            PollPolicy::default()
                .with_backoff(fast())
                .with_deadline(Duration::from_millis(300)),
        )
        .build()
        .await
        .unwrap();
    let is = impatient.open_session().await.unwrap();
    let handle = is.remote(&two.rs).await.unwrap();
    let started = std::time::Instant::now();
    let e = handle
        .pairs()
        .wait_for_status(&id, PairStatus::Pair)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Poll, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(e.to_string().contains("COPY"), "{e}");
    is.close().await.unwrap();

    // A failure on the array: PSUE ends the wait with the typed error.
    let waiting = pairs.wait_for_status(&id, PairStatus::Pair);
    let suspend = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(two.local.suspend_pair(&id.to_string()));
    };
    let (result, ()) = tokio::join!(waiting, suspend);
    let e = result.unwrap_err();
    match e.hitachi() {
        Some(HitachiError::PairSuspended {
            pair,
            wanted,
            pvol_status,
            svol_status,
        }) => {
            assert_eq!(*pair, id.to_string());
            assert_eq!(*wanted, PairStatus::Pair);
            assert_eq!(pvol_status.as_ref(), Some(&PairStatus::Psue));
            assert_eq!(svol_status.as_ref(), Some(&PairStatus::Psue));
        }
        other => panic!("{other:?} / {e:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::Vendor);
    // Waiting for PSUE itself is fine.
    pairs.wait_for_status(&id, PairStatus::Psue).await.unwrap();
    two.close().await;
}

#[tokio::test]
async fn the_remote_handle_is_checked_once() {
    let local = mock(15, 410_000).await;
    let remote = mock(16, 420_000).await;
    let lc = builder(&local).build().await.unwrap();
    let rc = builder(&remote).build().await.unwrap();
    let ls = lc.open_session().await.unwrap();
    let rs = rc.open_session().await.unwrap();
    let log = local.server().log();

    // A second session on the local array is no remote session: refused, nothing sent.
    let same = lc.open_session().await.unwrap();
    let before = log.len();
    let e = ls.remote(&same).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
    assert!(
        matches!(
            e.hitachi(),
            Some(HitachiError::InvalidInput {
                what: "remote session",
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(log.len(), before);

    // Not registered yet: one GET, and the typed error.
    let e = ls.remote(&rs).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e:?}");
    assert!(
        matches!(
            e.hitachi(),
            Some(HitachiError::RemoteStorageNotRegistered { local, remote })
                if local == "886000410000" && remote == "886000420000"
        ),
        "{e:?}"
    );
    assert_eq!(log.len(), before + 1);
    assert!(
        log.last()
            .unwrap()
            .path
            .ends_with("/remote-storages/886000420000")
    );

    // Registered: the handle, and everything through it names its remote array.
    let spec = RegisterRemoteStorage::new(
        rc.storage_device_id(),
        ip(16).to_string(),
        remote.server().port(),
    );
    ls.remote_storages().register(&rs, &spec).await.unwrap();
    let handle = ls.remote(&rs).await.unwrap();
    assert_eq!(handle.local_session().id(), ls.id());
    assert_eq!(handle.remote_session().id(), rs.id());
    let before = log.len();
    let elsewhere: storkit_hitachi_block::StorageDeviceId = "886000430000".parse().unwrap();
    let e = handle
        .pairs()
        .create(&CreateRemoteCopyPair::tc(&elsewhere, "X", "p", 349, 349))
        .await
        .unwrap_err();
    assert!(
        matches!(e.hitachi(), Some(HitachiError::InvalidInput { .. })),
        "{e:?}"
    );
    let e = handle
        .pairs()
        .create(&tc(&handle, "X", "p", 349).copy_pace(16))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.hitachi(),
            Some(HitachiError::InvalidInput {
                what: "copy pace",
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(log.len(), before, "bad input never leaves the client");

    // A closed remote session: refused up front.
    rs.close().await.unwrap();
    let e = ls.remote(&rs).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
    same.close().await.unwrap();
    ls.close().await.unwrap();
}

#[tokio::test]
async fn create_and_delete_under_locks_on_both_arrays() {
    let two = Pair::start(17, 18).await;
    let remote = two.ls.remote(&two.rs).await.unwrap();
    let (local_lock, remote_lock) = remote.lock_both(Duration::from_secs(1)).await.unwrap();
    assert_eq!(two.local.lock_holder(), Some(two.ls.id()));
    assert_eq!(two.remote.lock_holder(), Some(two.rs.id()));
    let id = remote
        .pairs()
        .create(&tc(&remote, "LK", "p_349", 349))
        .await
        .unwrap();
    remote
        .pairs()
        .wait_for_status(&id, PairStatus::Pair)
        .await
        .unwrap();
    remote.pairs().delete(&id).await.unwrap();
    local_lock.unlock().await.unwrap();
    remote_lock.unlock().await.unwrap();
    assert_eq!(two.local.lock_holder(), None);
    assert_eq!(two.remote.lock_holder(), None);
    two.close().await;
}

#[tokio::test]
async fn shadowimage_pairs_wait_for_status_too() {
    let array = mock(19, 410_000).await;
    let client = builder(&array).build().await.unwrap();
    let s = client.open_session().await.unwrap();
    let pairs = s.local_copy_pairs();
    let id = pairs
        .create(&CreateLocalClonePair::shadow_image(
            "SI_347",
            "p_347-348",
            347,
            348,
        ))
        .await
        .unwrap();
    let pair = pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
    assert_eq!(
        (pair.pvol_status, pair.svol_status),
        (PairStatus::Pair, PairStatus::Pair)
    );
    pairs
        .split(&id, ActionOptions::default().copy_pace(3))
        .await
        .unwrap();
    let pair = pairs.wait_for_status(&id, PairStatus::Psus).await.unwrap();
    assert_eq!(
        (pair.pvol_status, pair.svol_status),
        (PairStatus::Psus, PairStatus::Ssus)
    );
    pairs.resync(&id, ActionOptions::default()).await.unwrap();
    assert!(array.suspend_pair(&id.to_string()));
    let e = pairs
        .wait_for_status(&id, PairStatus::Pair)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.hitachi(),
            Some(HitachiError::PairSuspended {
                wanted: PairStatus::Pair,
                ..
            })
        ),
        "{e:?}"
    );
    pairs.delete(&id).await.unwrap();
    let e = pairs
        .wait_for_status(&id, PairStatus::Pair)
        .await
        .unwrap_err();
    assert!(
        matches!(e.hitachi(), Some(HitachiError::PairGone { .. })),
        "{e:?}"
    );
    s.close().await.unwrap();
}
