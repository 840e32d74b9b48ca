//! Every resource endpoint of the client against the stateful Hitachi mock over real TLS
//! sockets: storage, LDEVs (pages and stream), pools, ports, host groups, host WWNs, LUNs,
//! Thin Image snapshots, remote copy (TC, UR, GAD), resource-group locks and job errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_core::Stream;
use storkit_core::poll::{Backoff, PollPolicy};
use storkit_core::secrecy::ExposeSecret;
use storkit_core::{ErrorKind, Request, RetryPolicy, TlsPolicy};
use storkit_hitachi_block::AfterRestore;
use storkit_hitachi_block::host_groups::HostModeChange;
use storkit_hitachi_block::ldevs::LdevOption;
use storkit_hitachi_block::local_copy::PairStatus;
use storkit_hitachi_block::ports::PortQuery;
use storkit_hitachi_block::remote_copy::{RemoteResync, RemoteSplit};
use storkit_hitachi_block::remote_storage::RegisterRemoteStorage;
use storkit_hitachi_block::snapshots::SnapshotFilter;
use storkit_hitachi_block::{
    CreateHostGroup, CreateLdev, CreateRemoteCopyPair, CreateSnapshot, HitachiClient, HitachiError,
    HitachiErrorExt, HostGroupId, JobState, LdevQuery, MapLun, Remote, RemoteCopyGroupId,
    ReplicationType, RetryWaits, Session, SnapshotId,
};
use storkit_hitachi_block_mock::{ArrayConfig, HitachiMock, JobFailure};
use storkit_mock::{LoggedRequest, ServerConfig, TlsSettings};

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// Fast jobs: every test here runs dozens of them.
const JOB: Duration = Duration::from_millis(20);

async fn mock(last: u8, array: ArrayConfig) -> HitachiMock {
    assert!(
        (170..=199).contains(&last),
        "this file owns 127.0.0.170-199"
    );
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

async fn client_with(
    mock: &HitachiMock,
    user: &str,
    password: &str,
    retry: RetryPolicy,
    waits: RetryWaits,
) -> HitachiClient {
    let ca = mock.server().tls().unwrap().ca_pem();
    HitachiClient::builder(mock.url())
        .credentials(user, password.to_owned())
        .model_serial("VSP G900", serial_of(mock))
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .retry_policy(retry)
        .retry_waits(waits)
        .job_polling(PollPolicy::default().with_backoff(Backoff::exponential(
            Duration::from_millis(20),
            2.0,
            Duration::from_millis(200),
        )))
        .build()
        .await
        .unwrap()
}

async fn client(mock: &HitachiMock, user: &str, password: &str) -> HitachiClient {
    client_with(
        mock,
        user,
        password,
        fast_retries(),
        RetryWaits::all(Duration::from_secs(20)),
    )
    .await
}

fn serial_of(mock: &HitachiMock) -> u64 {
    mock.storage_device_id()[6..].parse().unwrap()
}

/// The next item of a stream (the dev-dependencies have no `futures`).
fn next<S: Stream + Unpin>(s: &mut S) -> impl Future<Output = Option<S::Item>> + '_ {
    std::future::poll_fn(move |cx| Pin::new(&mut *s).poll_next(cx))
}

/// The value of one query parameter of a logged request.
fn query_param(entry: &LoggedRequest, key: &str) -> Option<String> {
    entry.query.as_deref()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}

/// Polls `check` every 20 ms until it holds or `timeout` passes; returns whether it held.
async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn close(sessions: &[&Session]) {
    for s in sessions {
        s.close().await.unwrap();
    }
}

#[tokio::test]
async fn storage_detail() {
    let array = mock(170, ArrayConfig::new("VSP G900", 410_170)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let detail = s.storage().await.unwrap();
    assert_eq!(detail.storage_device_id, "886000410170");
    assert_eq!(detail.id().unwrap().as_str(), "886000410170");
    assert_eq!(detail.model.as_deref(), Some("VSP G900"));
    assert_eq!(detail.serial_number, Some(410_170));
    assert!(detail.dkc_micro_version.is_some(), "{detail:?}");
    // Sent in the long form, with the session's token.
    let last = array
        .server()
        .log()
        .entries()
        .into_iter()
        .rfind(|e| e.method == "GET")
        .unwrap();
    assert_eq!(
        last.path,
        "/ConfigurationManager/v1/objects/storages/886000410170"
    );
    assert!(
        last.headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap().starts_with("Session "))
    );
    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

/// The LDEVs the mock defines at start (its lib.rs documentation).
const SEED_LDEVS: [u32; 12] = [100, 101, 102, 103, 200, 201, 347, 348, 349, 350, 351, 352];

#[tokio::test]
async fn ldev_pages_and_stream() {
    let array = mock(171, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let ldevs = s.ldevs();
    let log = array.server().log();

    // One page: headLdevId + count, defined or not (an undefined number says NOT DEFINED).
    let page = ldevs
        .list_page(&LdevQuery::new().head(102).count(3))
        .await
        .unwrap();
    let ids: Vec<u32> = page.iter().map(|l| l.ldev_id.get()).collect();
    assert_eq!(ids, [102, 103, 104]);
    assert!(page[0].is_defined() && page[1].is_defined() && !page[2].is_defined());
    assert_eq!(page[0].label.as_deref(), Some("seed-102"));
    let sent = log.last().unwrap();
    assert_eq!(query_param(&sent, "headLdevId").as_deref(), Some("102"));
    assert_eq!(query_param(&sent, "count").as_deref(), Some("3"));

    let defined = ldevs
        .list_page(&LdevQuery::new().count(16384).option(LdevOption::Defined))
        .await
        .unwrap();
    let defined: BTreeSet<u32> = defined.iter().map(|l| l.ldev_id.get()).collect();
    assert_eq!(defined, SEED_LDEVS.into_iter().collect());

    // The stream walks pages of 5: 100..=200, 201..=350, 351..=352 (a short page ends it).
    let before = log.len();
    let mut stream = ldevs.stream(LdevQuery::new().count(5).option(LdevOption::Defined));
    let mut walked = Vec::new();
    while let Some(l) = next(&mut stream).await {
        let l = l.unwrap();
        assert!(l.is_defined(), "{l:?}");
        walked.push(l.ldev_id);
    }
    assert_eq!(walked, SEED_LDEVS, "in order, each once");
    let pages: Vec<LoggedRequest> = log.entries()[before..]
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with("/ldevs"))
        .cloned()
        .collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let heads: Vec<Option<String>> = pages.iter().map(|e| query_param(e, "headLdevId")).collect();
    assert_eq!(
        heads,
        [None, Some("201".to_owned()), Some("351".to_owned())]
    );
    assert!(
        pages
            .iter()
            .all(|e| query_param(e, "count").as_deref() == Some("5")
                && query_param(e, "ldevOption").as_deref() == Some("defined"))
    );

    // An out-of-range count is refused before sending, as the stream's only item.
    let before = log.len();
    let mut bad = ldevs.stream(LdevQuery::new().count(0));
    assert_eq!(
        next(&mut bad).await.unwrap().unwrap_err().kind(),
        ErrorKind::Config
    );
    assert!(next(&mut bad).await.is_none());
    assert_eq!(log.len(), before);

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn ldev_lifecycle() {
    let array = mock(172, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let ldevs = s.ldevs();
    let log = array.server().log();

    let seed = ldevs.get(347).await.unwrap();
    assert_eq!(seed.ldev_id, 347);
    assert!(seed.is_defined());
    assert_eq!(seed.label.as_deref(), Some("SI_PVOL_347"));
    assert_eq!(seed.block_capacity, Some(10 * 1024 * 1024 * 2));
    assert_eq!(seed.pool_id, Some(0));
    assert_eq!(seed.status.as_deref(), Some("NML"));

    // Rejected before anything is sent.
    let before = log.len();
    for bad in ["10GB", "0G", "", "1,5G"] {
        let err = ldevs.create(&CreateLdev::dp(0, bad)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}: {err:?}");
        assert!(matches!(
            err.hitachi(),
            Some(HitachiError::InvalidInput { .. })
        ));
    }
    assert!(ldevs.list_page(&LdevQuery::new().count(0)).await.is_err());
    assert!(
        ldevs
            .list_page(&LdevQuery::new().count(16385))
            .await
            .is_err()
    );
    assert!(ldevs.expand(347, "5 G").await.is_err());
    assert!(ldevs.set_label(347, &"x".repeat(33)).await.is_err());
    assert_eq!(log.len(), before, "nothing may be sent for invalid input");
    assert!(!array.ldev_exists(500));

    // Create in a pool, in a range: the server picks the first free number.
    let id = ldevs
        .create(&CreateLdev::dp(0, "1G").in_range(500, 599))
        .await
        .unwrap();
    assert_eq!(id, 500);
    assert!(array.ldev_exists(500));
    let created = ldevs.get(id).await.unwrap();
    assert_eq!(created.block_capacity, Some(2 * 1024 * 1024));
    assert_eq!(created.pool_id, Some(0));
    assert!(created.attributes.iter().any(|a| a == "HDP"), "{created:?}");
    // An explicit number.
    let explicit = ldevs
        .create(&CreateLdev::dp_blocks(0, 4096).ldev_id(777))
        .await
        .unwrap();
    assert_eq!(explicit, 777);
    assert_eq!(ldevs.get(777).await.unwrap().block_capacity, Some(4096));

    ldevs.set_label(id, "resources-test").await.unwrap();
    assert_eq!(
        ldevs.get(id).await.unwrap().label.as_deref(),
        Some("resources-test")
    );

    let job = ldevs.expand(id, "1G").await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(
        ldevs.get(id).await.unwrap().block_capacity,
        Some(4 * 1024 * 1024)
    );

    for gone in [id, explicit] {
        ldevs.delete(gone).await.unwrap();
        assert!(!array.ldev_exists(gone.get()));
        // A free number still answers 200, as "NOT DEFINED" (reference §13; Cinder relies
        // on it), so the LDEV reads as undefined rather than as 404.
        let freed = ldevs.get(gone).await.unwrap();
        assert!(!freed.is_defined(), "{freed:?}");
    }
    // Deleting it again fails in the job, and is not retried.
    let before = log.count_where(|e| e.method == "DELETE");
    let err = ldevs.delete(id).await.unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::JobFailed { .. })),
        "{err:?}"
    );
    assert_eq!(log.count_where(|e| e.method == "DELETE") - before, 1);

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn pools_and_ports() {
    let array = mock(173, ArrayConfig::new("VSP G900", 410_000)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();

    let pools = s.pools().list().await.unwrap();
    let ids: Vec<u32> = pools.iter().map(|p| p.pool_id).collect();
    assert_eq!(ids, [0, 1]);
    let dp = s.pools().get(0).await.unwrap();
    assert_eq!(dp.pool_name.as_deref(), Some("DP_POOL_0"));
    assert_eq!(dp.pool_type.as_deref(), Some("HDP"));
    assert!(dp.total_pool_capacity.is_some_and(|c| c > 0));
    assert_eq!(
        s.pools().get(1).await.unwrap().pool_type.as_deref(),
        Some("HTI")
    );
    let err = s.pools().get(9).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.api_error().and_then(|e| e.message_id.as_deref()),
        Some("KART30013-E")
    );

    let ports = s.ports().list(&PortQuery::new()).await.unwrap();
    let names: BTreeSet<&str> = ports.iter().map(|p| p.port_id.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["CL1-A", "CL2-A", "CL1-B", "CL2-B"]));
    let port = s.ports().get("CL1-A").await.unwrap();
    assert_eq!(port.port_id, "CL1-A");
    assert_eq!(port.port_type.as_deref(), Some("FIBRE"));
    assert!(port.port_attributes.iter().any(|a| a == "TAR"), "{port:?}");
    assert!(
        port.wwn.as_deref().is_some_and(|w| w.len() == 16),
        "{port:?}"
    );
    let tar = s
        .ports()
        .list(&PortQuery::new().attributes("TAR"))
        .await
        .unwrap();
    assert_eq!(tar.len(), 4);
    assert_eq!(
        array
            .server()
            .log()
            .last()
            .and_then(|e| query_param(&e, "portAttributes"))
            .as_deref(),
        Some("TAR")
    );
    // A malformed port id is refused before sending.
    let before = array.server().log().len();
    assert!(s.ports().get("CL1-A/../x").await.is_err());
    assert_eq!(array.server().log().len(), before);

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn host_groups_wwns_and_luns() {
    let array = mock(174, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let groups = s.host_groups();

    let hg = groups
        .create(&CreateHostGroup::new("CL1-A", "storkit-hg"))
        .await
        .unwrap();
    assert_eq!(
        hg,
        HostGroupId::new("CL1-A", 1),
        "the first free number after 0"
    );
    let listed = groups.list("CL1-A").await.unwrap();
    assert!(listed.iter().any(|g| g.id() == hg), "{listed:?}");
    assert!(
        listed.iter().any(|g| g.host_group_number == 0),
        "the default group"
    );
    assert!(
        groups
            .list("CL2-A")
            .await
            .unwrap()
            .iter()
            .all(|g| g.id() != hg)
    );
    let got = groups.get(&hg).await.unwrap();
    assert_eq!(got.host_group_name.as_deref(), Some("storkit-hg"));
    assert_eq!(got.host_group_id.as_deref(), Some("CL1-A,1"));
    assert_eq!(got.host_mode.as_deref(), Some("LINUX/IRIX"));

    groups
        .set_host_mode(&hg, &HostModeChange::new("VMWARE_EX").options([54, 63]))
        .await
        .unwrap();
    let got = groups.get(&hg).await.unwrap();
    assert_eq!(got.host_mode.as_deref(), Some("VMWARE_EX"));
    assert_eq!(got.host_mode_options, [54, 63]);

    // Host WWNs.
    let wwns = s.host_wwns();
    let wwn = wwns.add(&hg, "10000000C9A1B2C3").await.unwrap();
    assert_eq!(wwn.to_string(), "CL1-A,1,10000000c9a1b2c3");
    assert_eq!(wwn.host_group(), hg);
    let listed = wwns.list(&hg).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].host_wwn, "10000000c9a1b2c3");
    assert_eq!(listed[0].host_group_name.as_deref(), Some("storkit-hg"));
    wwns.remove(&wwn).await.unwrap();
    assert!(wwns.list(&hg).await.unwrap().is_empty());
    let before = array.server().log().len();
    assert!(wwns.add(&hg, "not-a-wwn").await.is_err());
    assert_eq!(array.server().log().len(), before);

    // LUNs.
    let luns = s.luns();
    let lun = luns.map(&MapLun::new(&hg, 100)).await.unwrap();
    assert_eq!(lun.to_string(), "CL1-A,1,0");
    assert_eq!(lun.host_group(), hg);
    let second = luns.map(&MapLun::new(&hg, 101).lun(7)).await.unwrap();
    assert_eq!(second.lun, 7);
    let listed = luns.list(&hg).await.unwrap();
    let mapped: Vec<(u32, u32)> = listed.iter().map(|l| (l.lun, l.ldev_id.get())).collect();
    assert_eq!(mapped, [(0, 100), (7, 101)]);
    assert_eq!(listed[0].id(), lun);
    assert_eq!(listed[0].host_mode.as_deref(), Some("VMWARE_EX"));
    assert_eq!(luns.get(&second).await.unwrap().ldev_id, 101);
    // The LDEV shows its path.
    let ldev = s.ldevs().get(100).await.unwrap();
    assert_eq!(ldev.num_of_ports, Some(1));
    assert_eq!(ldev.ports[0].port_id.as_deref(), Some("CL1-A"));
    assert_eq!(ldev.ports[0].host_group_number, Some(1));
    assert_eq!(ldev.ports[0].lun, Some(0));
    // An LDEV with a path cannot be deleted.
    assert!(s.ldevs().delete(100).await.is_err());
    assert!(array.ldev_exists(100));

    luns.unmap(&lun).await.unwrap();
    let listed = luns.list(&hg).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id(), second);
    assert_eq!(
        luns.get(&lun).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Deleting the group takes its LUN paths with it.
    groups.delete(&hg).await.unwrap();
    assert_eq!(
        groups.get(&hg).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(
        groups
            .list("CL1-A")
            .await
            .unwrap()
            .iter()
            .all(|g| g.id() != hg)
    );
    assert_eq!(s.ldevs().get(101).await.unwrap().num_of_ports, Some(0));

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

/// The status of a snapshot, polled until it is `want` (copies take the copy duration).
async fn snapshot_settles(s: &Session, id: SnapshotId, want: PairStatus) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = s.snapshots().get(id).await.unwrap().status;
        if status.as_ref() == Some(&want) {
            return;
        }
        assert!(Instant::now() < deadline, "{status:?}, waiting for {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn thin_image_snapshots() {
    let array = mock(175, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    // Copies (resync, restore) take long enough to be seen running.
    array.set_copy_duration(Duration::from_millis(400));
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let snaps = s.snapshots();

    let spec = CreateSnapshot::new("TI_347", 1, 347).svol(349);
    let id = snaps.create(&spec).await.unwrap();
    assert_eq!(id.pvol_ldev_id, 347);
    assert_eq!(id.to_string(), format!("347,{}", id.mu_number));
    let key = id.to_string();
    assert_eq!(array.pair_status(&key).unwrap().0, "PAIR");

    let listed = snaps.list(SnapshotFilter::Pvol(347.into())).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id(), id);
    assert_eq!(listed[0].svol_ldev_id, Some(349.into()));
    assert_eq!(
        snaps
            .list(SnapshotFilter::Svol(349.into()))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        snaps
            .list(SnapshotFilter::Pvol(348.into()))
            .await
            .unwrap()
            .is_empty()
    );
    let got = snaps.get(id).await.unwrap();
    assert_eq!(got.snapshot_group_name.as_deref(), Some("TI_347"));
    assert_eq!(got.snapshot_pool_id, Some(1));
    assert_eq!(got.status, Some(PairStatus::Pair));
    assert!(got.split_time.is_none());
    assert!(
        s.ldevs()
            .get(349)
            .await
            .unwrap()
            .attributes
            .iter()
            .any(|a| a == "HTI")
    );

    snaps.split(id).await.unwrap();
    let got = snaps.get(id).await.unwrap();
    assert_eq!(got.status, Some(PairStatus::Psus));
    assert!(got.split_time.is_some());
    // Split again: a documented no-op.
    snaps.split(id).await.unwrap();
    assert_eq!(array.pair_status(&key).unwrap().0, "PSUS");

    snaps.resync(id).await.unwrap();
    let status = snaps.get(id).await.unwrap().status.unwrap();
    assert!(
        matches!(status, PairStatus::Copy | PairStatus::Pair),
        "{status}"
    );
    snapshot_settles(&s, id, PairStatus::Pair).await;

    // Restore needs a split pair: from PAIR it is refused (412), and not retried.
    let err = snaps
        .restore(id, AfterRestore::ServerDefault)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed, "{err:?}");
    snaps.split(id).await.unwrap();
    snaps.restore(id, AfterRestore::Split).await.unwrap();
    let status = snaps.get(id).await.unwrap().status.unwrap();
    assert!(
        matches!(status, PairStatus::Rcpy | PairStatus::Psus),
        "{status}"
    );
    // With autoSplit the pair is split again once restored.
    snapshot_settles(&s, id, PairStatus::Psus).await;

    // A second snapshot of the same P-VOL gets another MU.
    let other = snaps
        .create(&CreateSnapshot::new("TI_347", 1, 347).auto_split(true))
        .await
        .unwrap();
    assert_ne!(other.mu_number, id.mu_number);
    assert_eq!(
        snaps.get(other).await.unwrap().status,
        Some(PairStatus::Psus)
    );
    assert_eq!(
        snaps
            .list(SnapshotFilter::Pvol(347.into()))
            .await
            .unwrap()
            .len(),
        2
    );

    for gone in [id, other] {
        snaps.delete(gone).await.unwrap();
        assert_eq!(
            snaps.get(gone).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(array.pair_status(&gone.to_string()), None);
    }
    assert!(
        snaps
            .list(SnapshotFilter::Pvol(347.into()))
            .await
            .unwrap()
            .is_empty()
    );
    // Invalid input never leaves the client.
    let before = array.server().log().len();
    assert!(
        snaps
            .create(&CreateSnapshot::new("TI_X", 1, 347).svol(347))
            .await
            .is_err()
    );
    assert!(snaps.get(SnapshotId::new(347, 1024)).await.is_err());
    assert_eq!(array.server().log().len(), before);

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}

/// The `Remote-Authorization` value a logged request carried.
fn remote_auth_header(e: &LoggedRequest) -> Option<String> {
    e.headers
        .get("remote-authorization")
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn remote_pair_settles(
    remote: &Remote<'_>,
    id: &storkit_hitachi_block::RemoteCopyPairId,
    want: PairStatus,
) {
    let pair = remote
        .pairs()
        .wait_for_status(id, want.clone())
        .await
        .unwrap();
    assert_eq!(pair.pvol_status, Some(want));
}

#[tokio::test]
async fn remote_copy_tc_ur_gad() {
    let local = mock(
        176,
        ArrayConfig::new("VSP G900", 410_000)
            .user("local_user", "local_pass")
            .job_duration(JOB),
    )
    .await;
    let remote = mock(
        177,
        ArrayConfig::new("VSP G900", 420_000)
            .user("remote_user", "remote_pass")
            .job_duration(JOB),
    )
    .await;
    local.set_copy_duration(Duration::from_millis(300));
    let lc = client(&local, "local_user", "local_pass").await;
    let rc = client(&remote, "remote_user", "remote_pass").await;
    let ls = lc.open_session().await.unwrap();
    let rs = rc.open_session().await.unwrap();
    let remote_id = rc.storage_device_id().clone();

    // Register the remote storage first.
    let port: u16 = remote.url().rsplit(':').next().unwrap().parse().unwrap();
    let spec = RegisterRemoteStorage::new(&remote_id, "127.0.0.177", port);
    ls.remote_storages().register(&rs, &spec).await.unwrap();

    let log = local.server().log();
    let handle = ls.remote(&rs).await.unwrap();
    let pairs = handle.pairs();

    // TrueCopy.
    let tc = CreateRemoteCopyPair::tc(&remote_id, "TC_G", "tc_349", 349, 349).copy_pace(3);
    let id = pairs.create(&tc).await.unwrap();
    assert_eq!(id.to_string(), "886000420000,TC_G,TC_GP_,TC_GS_,tc_349");
    assert_eq!(id, tc.pair_id());
    let pair = pairs.get(&id).await.unwrap();
    assert_eq!(pair.replication_type.as_deref(), Some("TC"));
    assert_eq!(
        (pair.pvol_ldev_id.get(), pair.svol_ldev_id.get()),
        (349, 349)
    );
    assert_eq!(
        pair.remote_storage_device_id.as_deref(),
        Some("886000420000")
    );
    assert_eq!(pair.svol_storage_device_id.as_deref(), Some("886000420000"));
    assert_eq!(pair.pvol_storage_device_id.as_deref(), Some("886000410000"));
    assert_eq!(pair.id().unwrap().unwrap(), id);
    let status = pair.pvol_status.unwrap();
    assert!(
        matches!(status, PairStatus::Copy | PairStatus::Pair),
        "{status}"
    );
    remote_pair_settles(&handle, &id, PairStatus::Pair).await;

    pairs
        .split(&id, &RemoteSplit::new(ReplicationType::Tc))
        .await
        .unwrap();
    let pair = pairs.get(&id).await.unwrap();
    assert_eq!(
        (pair.pvol_status, pair.svol_status),
        (Some(PairStatus::Psus), Some(PairStatus::Ssus))
    );
    assert_eq!(
        local.pair_status(&id.to_string()),
        Some(("PSUS".to_owned(), "SSUS".to_owned()))
    );
    pairs
        .resync(&id, &RemoteResync::new(ReplicationType::Tc).copy_pace(5))
        .await
        .unwrap();
    let status = pairs.get(&id).await.unwrap().pvol_status.unwrap();
    assert!(
        matches!(status, PairStatus::Copy | PairStatus::Pair),
        "{status}"
    );
    remote_pair_settles(&handle, &id, PairStatus::Pair).await;

    // Groups: listed for the remote array, and the pair is in its group.
    let groups = handle.groups().list().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].copy_group_name, "TC_G");
    let group = RemoteCopyGroupId::with_default_groups(&remote_id, "TC_G");
    assert_eq!(
        groups[0].remote_mirror_copy_group_id.as_deref(),
        Some(group.to_string().as_str())
    );
    let members = pairs.list(&group).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].copy_pair_name, "tc_349");

    // Universal Replicator, split and resynchronised as a group.
    let ur = CreateRemoteCopyPair::ur(&remote_id, "UR_G", "ur_350", (350, 350), (0, 0));
    let ur_id = pairs.create(&ur).await.unwrap();
    let pair = pairs.get(&ur_id).await.unwrap();
    assert_eq!(pair.replication_type.as_deref(), Some("UR"));
    assert_eq!(
        (pair.pvol_journal_id, pair.svol_journal_id),
        (Some(0), Some(0))
    );
    remote_pair_settles(&handle, &ur_id, PairStatus::Pair).await;
    let ur_group = ur_id.group();
    handle
        .groups()
        .split(&ur_group, &RemoteSplit::new(ReplicationType::Ur))
        .await
        .unwrap();
    assert_eq!(
        pairs.get(&ur_id).await.unwrap().pvol_status,
        Some(PairStatus::Psus)
    );
    handle
        .groups()
        .resync(&ur_group, &RemoteResync::new(ReplicationType::Ur))
        .await
        .unwrap();
    remote_pair_settles(&handle, &ur_id, PairStatus::Pair).await;

    // Global-active device, with its quorum disk and I/O modes.
    let gad =
        CreateRemoteCopyPair::gad(&remote_id, "GAD_G", "gad_351", (351, 351), 0).no_initial_copy();
    let gad_id = pairs.create(&gad).await.unwrap();
    let pair = pairs.get(&gad_id).await.unwrap();
    assert_eq!(pair.replication_type.as_deref(), Some("GAD"));
    assert_eq!(pair.quorum_disk_id, Some(0));
    assert_eq!(pair.pvol_status, Some(PairStatus::Pair));
    assert_eq!(pair.pvol_io_mode.as_deref(), Some("L/M"));
    assert_eq!(pair.svol_io_mode.as_deref(), Some("L/M"));
    assert_eq!(handle.groups().list().await.unwrap().len(), 3);

    // Every remote copy request carried the remote session's token.
    let token = rs
        .remote_authorization()
        .unwrap()
        .expose_secret()
        .to_owned();
    let remote_calls: Vec<LoggedRequest> = log
        .entries()
        .into_iter()
        .filter(|e| e.path.contains("/remote-mirror-copy"))
        .collect();
    assert!(remote_calls.len() >= 15, "{}", remote_calls.len());
    for e in &remote_calls {
        assert_eq!(
            remote_auth_header(e).as_deref(),
            Some(token.as_str()),
            "{} {}",
            e.method,
            e.path
        );
        assert!(
            e.headers
                .get("authorization")
                .is_some_and(|a| a.to_str().unwrap().starts_with("Session ")),
            "{} {}",
            e.method,
            e.path
        );
    }
    // The token was checked on the remote REST server (it saw the local mock's checks).
    assert!(
        remote.server().log().count_where(|e| e.method == "GET"
            && e.path.ends_with("/objects/sessions")
            && e.headers
                .get("authorization")
                .is_some_and(|a| a.to_str().unwrap() == token))
            >= 1
    );

    // A session of the wrong array is refused by the client, before sending ...
    let other_local = lc.open_session().await.unwrap();
    let before = log.len();
    let err = ls.remote(&other_local).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err:?}");
    assert!(matches!(
        err.hitachi(),
        Some(HitachiError::InvalidInput { .. })
    ));
    assert_eq!(log.len(), before, "nothing sent with the wrong session");
    // ... and by the server, when a token of the wrong array does arrive.
    let wrong = other_local.remote_authorization().unwrap();
    let path = lc.object_path(&format!(
        "/remote-mirror-copypairs/{id}/actions/split/invoke"
    ));
    let body = RemoteSplit::new(ReplicationType::Tc).to_body();
    let err = ls
        .run_job(move || {
            Request::post(path.clone())
                .json(&body)
                .sensitive_header("Remote-Authorization", &wrong)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.hitachi(), Some(HitachiError::JobFailed { .. })),
        "{err:?}"
    );
    assert!(err.api_error().is_some(), "{err:?}");
    // Without the header at all: refused at once.
    let err = ls
        .get_json::<serde_json::Value>(&lc.object_path(&format!("/remote-mirror-copypairs/{id}")))
        .await
        .unwrap_err();
    assert!(err.api_error().is_some(), "{err:?}");
    assert_eq!(
        local.pair_status(&id.to_string()).unwrap().0,
        "PAIR",
        "the refused split changed nothing"
    );
    other_local.close().await.unwrap();

    // Delete all three.
    for gone in [&id, &ur_id, &gad_id] {
        pairs.delete(gone).await.unwrap();
        let err = pairs.get(gone).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
        assert_eq!(local.pair_status(&gone.to_string()), None);
    }
    assert!(handle.groups().list().await.unwrap().is_empty());

    close(&[&ls, &rs]).await;
    assert_eq!(local.live_sessions(), 0);
    assert_eq!(remote.live_sessions(), 0);
}

#[tokio::test]
async fn resource_locks_belong_to_their_session() {
    let array = mock(178, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    let ca = client(&array, "user1", "pass1").await;
    // B does not wait for locks at all.
    let cb = client_with(
        &array,
        "user1",
        "pass1",
        fast_retries(),
        RetryWaits::default().with_lock(Duration::ZERO),
    )
    .await;
    let a = ca.open_session().await.unwrap();
    let b = cb.open_session().await.unwrap();
    let log = array.server().log();

    let lock = a.lock_resources(Duration::ZERO).await.unwrap();
    assert_eq!(array.lock_holder(), Some(a.id()));
    assert_eq!(a.resource_locks_held(), 1);
    assert!(lock.job().is_some_and(|j| j.state == JobState::Succeeded));
    // Nested: counts, sends nothing.
    let before = log.len();
    let inner = a.lock_resources(Duration::ZERO).await.unwrap();
    assert!(inner.job().is_none());
    assert_eq!(a.resource_locks_held(), 2);
    inner.unlock().await.unwrap();
    assert_eq!(log.len(), before);
    assert_eq!(array.lock_holder(), Some(a.id()));

    // B's change fails with the lock error, sent once: its lock wait is zero.
    let posts = |log: &storkit_mock::RequestLog| {
        log.count_where(|e| e.method == "POST" && e.path.ends_with("/ldevs"))
    };
    let before = posts(log);
    let spec = CreateLdev::dp(0, "1G").ldev_id(600);
    let err = b.ldevs().create(&spec).await.unwrap_err();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, job, .. }) => {
            assert_eq!(error.message_id.as_deref(), Some("KART40050-E"));
            assert_eq!(error.ssb(), Some(("2E11".into(), "2205".into())));
            assert!(error.is_lock_busy());
            assert_eq!(job.state, JobState::Failed);
        }
        other => panic!("{other:?} / {err:?}"),
    }
    // Not resent: B's lock wait is zero.
    let sent = posts(log) - before;
    assert_eq!(sent, 1, "{sent} POSTs with a zero lock wait");
    assert!(!array.ldev_exists(600));
    // B can still read.
    assert_eq!(b.ldevs().get(347).await.unwrap().ldev_id, 347);
    // B can neither take the lock nor release A's.
    let err = b.lock_resources(Duration::ZERO).await.unwrap_err();
    assert!(err.api_error().is_some_and(|e| e.is_lock_busy()), "{err:?}");
    assert_eq!(b.resource_locks_held(), 0);
    let unlock = cb.service_path("/resource-group-service/actions/unlock/invoke");
    let err = b
        .run_job(move || Request::post(unlock.clone()))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert!(
        api.message_id
            .as_deref()
            .is_some_and(|m| m.starts_with("KART4005"))
            || api.ssb() == Some(("2E11".into(), "2205".into())),
        "{api:?}"
    );
    assert_eq!(array.lock_holder(), Some(a.id()));
    // A, the holder, can change things.
    a.ldevs().set_label(347, "locked-by-a").await.unwrap();
    assert_eq!(
        b.ldevs().get(347).await.unwrap().label.as_deref(),
        Some("locked-by-a")
    );

    // A unlocks: B's change goes through.
    lock.unlock().await.unwrap();
    assert_eq!(array.lock_holder(), None);
    assert_eq!(a.resource_locks_held(), 0);
    assert_eq!(b.ldevs().create(&spec).await.unwrap(), 600);
    assert!(array.ldev_exists(600));

    // A lock dropped without unlock is released in the background.
    let dropped = b.lock_resources(Duration::from_secs(1)).await.unwrap();
    assert_eq!(array.lock_holder(), Some(b.id()));
    drop(dropped);
    assert!(
        eventually(Duration::from_secs(5), || array.lock_holder().is_none()).await,
        "the dropped lock was not released"
    );
    assert!(eventually(Duration::from_secs(5), || b.resource_locks_held() == 0).await);
    a.ldevs().delete(600).await.unwrap();
    assert!(!array.ldev_exists(600));

    close(&[&a, &b]).await;
    assert_eq!(array.live_sessions(), 0);
}

#[tokio::test]
async fn job_failures_through_resource_calls() {
    let array = mock(179, ArrayConfig::new("VSP G900", 410_000).job_duration(JOB)).await;
    let c = client(&array, "user1", "pass1").await;
    let s = c.open_session().await.unwrap();
    let log = array.server().log();
    let count = |method: &str, suffix: &str| {
        log.count_where(|e| e.method == method && e.path.ends_with(suffix))
    };

    // A RAID Manager return code: typed, not retried, nothing created.
    array.fail_next_job(JobFailure::ReturnCode {
        code: "EX_CMDRJE".into(),
        message_id: "KART30000-E".into(),
    });
    let before = count("POST", "/host-groups");
    let err = s
        .host_groups()
        .create(&CreateHostGroup::new("CL2-A", "failing-hg"))
        .await
        .unwrap_err();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, job, job_id }) => {
            assert_eq!(error.return_code(), Some("EX_CMDRJE"));
            assert_eq!(error.message_id.as_deref(), Some("KART30000-E"));
            assert_eq!(error.ssb(), None);
            assert_eq!(job.state, JobState::Failed);
            assert_eq!(job.job_id, *job_id);
            assert!(job.affected_resources.is_empty());
        }
        other => panic!("{other:?} / {err:?}"),
    }
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert_eq!(count("POST", "/host-groups") - before, 1);
    assert!(
        s.host_groups()
            .list("CL2-A")
            .await
            .unwrap()
            .iter()
            .all(|g| g.host_group_name.as_deref() != Some("failing-hg"))
    );

    // An SSB on the no-retry list (invalid snapshot pool).
    array.fail_next_job(JobFailure::Ssb {
        ssb1: "2E30".into(),
        ssb2: "600E".into(),
        message_id: "KART30000-E".into(),
    });
    let before = count("POST", "/snapshots");
    let err = s
        .snapshots()
        .create(&CreateSnapshot::new("TI_F", 1, 347))
        .await
        .unwrap_err();
    match err.hitachi() {
        Some(HitachiError::JobFailed { error, .. }) => {
            assert_eq!(error.ssb(), Some(("2E30".into(), "600E".into())));
            assert!(error.is_permanent());
        }
        other => panic!("{other:?} / {err:?}"),
    }
    assert_eq!(count("POST", "/snapshots") - before, 1);
    assert!(
        s.snapshots()
            .list(SnapshotFilter::Pvol(347.into()))
            .await
            .unwrap()
            .is_empty()
    );

    // EX_EACCES is the lock family (reference §15): the job is sent again and succeeds.
    array.fail_next_job(JobFailure::ReturnCode {
        code: "EX_EACCES".into(),
        message_id: "KART30000-E".into(),
    });
    let before = count("PUT", "/ldevs/348");
    s.ldevs().set_label(348, "after-eacces").await.unwrap();
    assert_eq!(count("PUT", "/ldevs/348") - before, 2);
    assert_eq!(
        s.ldevs().get(348).await.unwrap().label.as_deref(),
        Some("after-eacces")
    );

    // A job failure the mock produces itself: a LUN for an undefined LDEV.
    let err = s
        .luns()
        .map(&MapLun::new(&HostGroupId::new("CL1-A", 0), 4000))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.return_code(), Some("EX_ENLDEV"), "{api:?}");

    close(&[&s]).await;
    assert_eq!(array.live_sessions(), 0);
}
