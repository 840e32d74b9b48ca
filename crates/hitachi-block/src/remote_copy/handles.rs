//! The [`Remote`] handle (a local session and a checked remote session) and the verbs of
//! remote copy pairs and copy groups reached through it.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::list_data;
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job, json_request, with_job_mode_wait, with_remote};
use crate::local_copy::PairStatus;
use crate::locks::{ResourceLock, lock_both};
use crate::session::{REMOTE_AUTHORIZATION, Session, check};
use crate::storage_id::{RemoteStorageId, StorageDeviceId};

use super::ids::{RemoteCopyGroupId, RemoteCopyPairId};
use super::specs::{CreateRemoteCopyPair, RemoteResync, RemoteSplit, RemoteTakeover};
use super::{RemoteCopyGroup, RemoteCopyPair};

impl Session {
    /// A handle for remote copy between this session's storage system and the one
    /// `remote` is a session on: TrueCopy, Universal Replicator and global-active device
    /// pairs ([`Remote::pairs`]) and copy groups ([`Remote::groups`]).
    ///
    /// Checks once, before anything else is sent, that both sessions are open, that
    /// `remote` is on another storage system, and that this system knows it as a remote
    /// storage (`GET remote-storages/{id}`, the one request made here). A session on this
    /// same system is [`HitachiError::InvalidInput`]; an unregistered remote is
    /// [`HitachiError::RemoteStorageNotRegistered`]
    /// (register it with [`RemoteStorages::register`](crate::remote_storage::RemoteStorages::register)).
    ///
    /// Every request through the handle carries `Remote-Authorization` with `remote`'s
    /// current token (read afresh for each send, so a re-login of `remote` is picked up).
    pub async fn remote<'a>(&'a self, remote: &'a Session) -> Result<Remote<'a>, Error> {
        let remote_id = crate::checks::remote_array(self, remote).await?;
        Ok(Remote {
            local: self,
            remote,
            remote_id,
        })
    }
}

/// A local session and a session on a remote storage system, checked once by
/// [`Session::remote`]: the way to remote copy pairs and copy groups.
///
/// ```no_run
/// # async fn demo(
/// #     local: storkit_hitachi_block::Session,
/// #     remote_session: storkit_hitachi_block::Session,
/// # ) -> Result<(), storkit_core::Error> {
/// use storkit_hitachi_block::remote_copy::{RemoteSplit, RemoteTakeover};
/// use storkit_hitachi_block::{CreateRemoteCopyPair, PairStatus, ReplicationType};
///
/// let remote = local.remote(&remote_session).await?;
/// let pairs = remote.pairs();
/// let spec = CreateRemoteCopyPair::tc(remote.remote_storage_device_id(), "TC_G", "p1", 349, 349);
/// let id = pairs.create(&spec).await?;
/// pairs.wait_for_status(&id, PairStatus::Pair).await?;
/// pairs.split(&id, &RemoteSplit::new(ReplicationType::Tc)).await?;
/// pairs.wait_for_status(&id, PairStatus::Psus).await?;
/// pairs.takeover(&id, &RemoteTakeover::force_split()).await?;
/// pairs.wait_for_status(&id, PairStatus::Ssws).await?;
/// pairs.delete(&id).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Remote<'a> {
    local: &'a Session,
    remote: &'a Session,
    remote_id: StorageDeviceId,
}

impl<'a> Remote<'a> {
    /// The session on this (the local) storage system, which sends every request.
    pub fn local_session(&self) -> &'a Session {
        self.local
    }

    /// The session on the remote storage system, whose token goes in
    /// `Remote-Authorization`.
    pub fn remote_session(&self) -> &'a Session {
        self.remote
    }

    /// The remote storage system's id.
    pub fn remote_storage_device_id(&self) -> &RemoteStorageId {
        &self.remote_id
    }

    /// TrueCopy / Universal Replicator / global-active device pairs
    /// (`remote-mirror-copypairs`).
    pub fn pairs(&self) -> RemoteCopyPairs<'_> {
        RemoteCopyPairs { remote: self }
    }

    /// TrueCopy / Universal Replicator / global-active device copy groups
    /// (`remote-mirror-copygroups`).
    pub fn groups(&self) -> RemoteCopyGroups<'_> {
        RemoteCopyGroups { remote: self }
    }

    /// Locks the resource groups on both storage systems, the larger storageDeviceId
    /// first (as Cinder does around remote pair create and delete, reference §15): see
    /// [`lock_both`]. Returns (local lock, remote lock); do the locked work through this
    /// handle, whose requests go in the locking sessions, then unlock both.
    pub async fn lock_both(
        &self,
        wait_time: Duration,
    ) -> Result<(ResourceLock, ResourceLock), Error> {
        lock_both(self.local, self.remote, wait_time).await
    }

    /// An asynchronous request this crate does not model, between the two systems: as
    /// [`Session::run_job`], sent in the local session with `Remote-Authorization` (the
    /// remote session's current token) on every send.
    pub fn run_job<F>(&self, make: F) -> Change<Job>
    where
        F: Fn() -> Request + Send + Sync + 'static,
    {
        let make: crate::jobs::MakeRequest = Arc::new(move || Ok(make()));
        Change::ready(self.local, with_remote(make, self.remote))
    }

    /// Refuses an id or body naming another remote array than this handle's: the token
    /// would authorise nothing there.
    fn names_this_remote(&self, named: &StorageDeviceId) -> Result<(), HitachiError> {
        if *named == self.remote_id {
            Ok(())
        } else {
            Err(HitachiError::InvalidInput {
                what: "remote storage",
                reason: format!(
                    "the request names remote storage {named}, the remote session is on {}",
                    self.remote_id
                ),
            })
        }
    }

    /// An asynchronous remote copy request: `Remote-Authorization` on every send and,
    /// unless the client says otherwise, `Job-Mode-Wait-Configuration-Change: NoWait`
    /// ([`JobModeWait`]).
    fn change<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Result<Change<Job>, Error> {
        let make = with_remote(json_request(method, path, body)?, self.remote);
        let make = with_job_mode_wait(make, self.local);
        Ok(Change::ready(self.local, make))
    }

    /// A GET with `Remote-Authorization`, decoded.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: String) -> Result<T, Error> {
        let token = self.remote.remote_authorization()?;
        let request = Request::get(path).sensitive_header(REMOTE_AUTHORIZATION, &token);
        check(self.local.send(request).await?)?.json()
    }
}

/// Remote copy pairs between the two storage systems of a [`Remote`]
/// (`remote-mirror-copypairs`).
#[derive(Debug, Clone, Copy)]
pub struct RemoteCopyPairs<'a> {
    remote: &'a Remote<'a>,
}

impl RemoteCopyPairs<'_> {
    fn path(&self, rest: &str) -> String {
        self.remote
            .local
            .client()
            .object_path(&format!("/remote-mirror-copypairs{rest}"))
    }

    /// Checks an id before it goes into a path: its names, and that it names this
    /// handle's remote array.
    fn check(&self, id: &RemoteCopyPairId) -> Result<(), Error> {
        id.validate()?;
        self.remote
            .names_this_remote(&id.remote_storage_device_id)?;
        Ok(())
    }

    /// Creates a pair; the change's result is the finished job (which may report
    /// `StorageAccepted` while it runs). The spec must name this handle's remote array.
    ///
    /// Cinder takes the resource lock on both arrays around this: see
    /// [`Remote::lock_both`].
    pub fn create_job(&self, spec: &CreateRemoteCopyPair) -> Change<Job> {
        Change::build(self.remote.local, || {
            spec.validate()?;
            self.remote
                .names_this_remote(&spec.remote_storage_device_id)?;
            self.remote.change(Method::POST, self.path(""), Some(spec))
        })
    }

    /// Creates a pair; the change's result is its id as the job's `affectedResources`
    /// names it ([`HitachiError::NoAffectedResource`] when it names none; never an id
    /// guessed from the spec). The pair then copies: wait for it with
    /// [`wait_for_status`](Self::wait_for_status).
    pub fn create(&self, spec: &CreateRemoteCopyPair) -> Change<RemoteCopyPairId> {
        self.create_job(spec)
            .created("remote copy pair", |r| match r {
                AffectedResource::RemoteCopyPair(id) => Some(id),
                _ => None,
            })
    }

    /// One pair.
    pub async fn get(&self, id: &RemoteCopyPairId) -> Result<RemoteCopyPair, Error> {
        self.check(id)?;
        self.remote.get(self.path(&format!("/{id}"))).await
    }

    /// The pairs of a copy group: the group's `copyPairs`, as
    /// `GET remote-mirror-copygroups/{id}` reports them (the documented way to list a
    /// group's pairs).
    pub async fn list(&self, group: &RemoteCopyGroupId) -> Result<Vec<RemoteCopyPair>, Error> {
        Ok(self.remote.groups().get(group).await?.copy_pairs)
    }

    fn invoke(&self, id: &RemoteCopyPairId, action: &str, body: serde_json::Value) -> Change<Job> {
        Change::build(self.remote.local, || {
            self.check(id)?;
            let path = self.path(&format!("/{id}/actions/{action}/invoke"));
            self.remote.change(Method::POST, path, Some(&body))
        })
    }

    /// Splits a pair (`P-VOL PSUS / S-VOL SSUS`, or `SSWS` on the S-VOL with
    /// [`RemoteSplit::svol_operation_ssws`]).
    pub fn split(&self, id: &RemoteCopyPairId, options: &RemoteSplit) -> Change<Job> {
        self.invoke(id, "split", options.to_body())
    }

    /// Resynchronises a pair (`COPY`, then `PAIR`).
    pub fn resync(&self, id: &RemoteCopyPairId, options: &RemoteResync) -> Change<Job> {
        match options.validate() {
            Ok(()) => self.invoke(id, "resync", options.to_body()),
            Err(e) => Change::failed(self.remote.local, e.into()),
        }
    }

    /// Takes the pair over from the S-VOL side (the S-VOL shows `SSWS`).
    pub fn takeover(&self, id: &RemoteCopyPairId, options: &RemoteTakeover) -> Change<Job> {
        self.invoke(id, "takeover", options.to_body())
    }

    /// Deletes a pair (both volumes become `SMPL`). Cinder takes the resource lock on
    /// both arrays around this: see [`Remote::lock_both`].
    pub fn delete(&self, id: &RemoteCopyPairId) -> Change<Job> {
        Change::build(self.remote.local, || {
            self.check(id)?;
            self.remote
                .change::<()>(Method::DELETE, self.path(&format!("/{id}")), None)
        })
    }

    /// Waits until the pair is where `target` says, polling its GET with the client's poll
    /// policy ([`job_polling`](crate::HitachiClientBuilder::job_polling)), the first time
    /// at once, and returns the pair as last read:
    ///
    /// - [`PairStatus::Pair`]: `PAIR` on both sides (after a create or a resync);
    /// - [`PairStatus::Psus`]: P-VOL `PSUS`, S-VOL `SSUS` (after a split);
    /// - [`PairStatus::Ssws`]: S-VOL `SSWS`, whatever the P-VOL shows (after a takeover or
    ///   a split with [`RemoteSplit::svol_operation_ssws`]);
    /// - any other status: the same on both sides.
    ///
    /// Fails with [`HitachiError::PairSuspended`] when the pair goes to `PSUE` first, with
    /// [`HitachiError::PairGone`] when it no longer exists, and with an error of kind
    /// [`Poll`](storkit_core::ErrorKind::Poll) when the policy's attempt limit or deadline
    /// passes first.
    pub async fn wait_for_status(
        &self,
        id: &RemoteCopyPairId,
        target: PairStatus,
    ) -> Result<RemoteCopyPair, Error> {
        self.check(id)?;
        crate::pair_wait::wait_for_status(
            self.remote.local,
            id.to_string(),
            target,
            || self.get(id),
            |p: &RemoteCopyPair| (p.pvol_status.as_ref(), p.svol_status.as_ref()),
        )
        .await
    }
}

/// Remote copy groups between the two storage systems of a [`Remote`]
/// (`remote-mirror-copygroups`): the pair verbs, applied to every pair of a group.
#[derive(Debug, Clone, Copy)]
pub struct RemoteCopyGroups<'a> {
    remote: &'a Remote<'a>,
}

impl RemoteCopyGroups<'_> {
    fn path(&self, rest: &str) -> String {
        self.remote
            .local
            .client()
            .object_path(&format!("/remote-mirror-copygroups{rest}"))
    }

    fn check(&self, id: &RemoteCopyGroupId) -> Result<(), Error> {
        id.validate()?;
        self.remote
            .names_this_remote(&id.remote_storage_device_id)?;
        Ok(())
    }

    /// The copy groups shared with the remote array
    /// (`GET remote-mirror-copygroups?remoteStorageDeviceId=...`).
    pub async fn list(&self) -> Result<Vec<RemoteCopyGroup>, Error> {
        let token = self.remote.remote.remote_authorization()?;
        let request = Request::get(self.path(""))
            .query("remoteStorageDeviceId", self.remote.remote_id.as_str())
            .sensitive_header(REMOTE_AUTHORIZATION, &token);
        list_data(self.remote.local, request).await
    }

    /// One copy group, with its pairs.
    pub async fn get(&self, id: &RemoteCopyGroupId) -> Result<RemoteCopyGroup, Error> {
        self.check(id)?;
        self.remote.get(self.path(&format!("/{id}"))).await
    }

    fn invoke(&self, id: &RemoteCopyGroupId, action: &str, body: serde_json::Value) -> Change<Job> {
        Change::build(self.remote.local, || {
            self.check(id)?;
            let path = self.path(&format!("/{id}/actions/{action}/invoke"));
            self.remote.change(Method::POST, path, Some(&body))
        })
    }

    /// Splits every pair of a copy group.
    pub fn split(&self, id: &RemoteCopyGroupId, options: &RemoteSplit) -> Change<Job> {
        self.invoke(id, "split", options.to_body())
    }

    /// Resynchronises every pair of a copy group.
    pub fn resync(&self, id: &RemoteCopyGroupId, options: &RemoteResync) -> Change<Job> {
        match options.validate() {
            Ok(()) => self.invoke(id, "resync", options.to_body()),
            Err(e) => Change::failed(self.remote.local, e.into()),
        }
    }

    /// Takes every pair of a copy group over from the S-VOL side.
    pub fn takeover(&self, id: &RemoteCopyGroupId, options: &RemoteTakeover) -> Change<Job> {
        self.invoke(id, "takeover", options.to_body())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::client::HitachiClient;
    use crate::client::JobModeWait;
    use crate::error::HitachiErrorExt;
    use crate::testing;
    use crate::{ErrorKind, ReplicationType, TlsPolicy};

    const REMOTE: &str = "886000420000";
    const PAIR: &str = "886000420000,cg,cgP_,cgS_,p";
    const GROUP: &str = "886000420000,cg,cgP_,cgS_";

    /// The local array: remote storage 886000420000 registered, one pair in one group.
    /// These tests use 127.0.18.61-66 (the integration tests of remote copy have
    /// 127.0.18.1-60, the mock's 127.0.18.100-120).
    async fn fake(
        last: u8,
        route: impl Fn(&testing::Seen) -> Option<(u16, serde_json::Value)> + Send + Sync + 'static,
    ) -> testing::Fake {
        assert!((61..=66).contains(&last));
        testing::Fake::start([127, 0, 18, last], route).await
    }

    async fn local_fake(ip: u8) -> testing::Fake {
        fake(ip, |seen| {
            let p = testing::rel(&seen.path).to_owned();
            match seen.method.as_str() {
                "GET" if p == format!("/remote-storages/{REMOTE}") => Some((200, serde_json::json!({"storageDeviceId": REMOTE}))),
                "GET" if p.starts_with("/remote-storages/") => None,
                "POST" | "DELETE" => Some((202, testing::job(&format!("/remote-mirror-copypairs/{PAIR}")))),
                "GET" if p == "/remote-mirror-copygroups" => Some((200, serde_json::json!({"data": [{"copyGroupName": "cg"}]}))),
                "GET" if p.starts_with("/remote-mirror-copygroups/") => Some((200, serde_json::json!({"copyGroupName": "cg", "copyPairs": [{"copyGroupName": "cg", "copyPairName": "p", "pvolLdevId": 1, "svolLdevId": 2}]}))),
                "GET" => Some((200, serde_json::json!({"copyGroupName": "cg", "copyPairName": "p", "pvolLdevId": 1, "svolLdevId": 2, "pvolStatus": "PAIR", "svolStatus": "PAIR"}))),
                _ => None,
            }
        })
        .await
    }

    /// A client of a fake playing another array.
    async fn client_as(fake: &testing::Fake, sdid: &str, mode: JobModeWait) -> HitachiClient {
        HitachiClient::builder(fake.server.url())
            .credentials("u", "p".to_owned())
            .storage_device_id(sdid.parse().unwrap())
            .tls(TlsPolicy::default())
            .job_polling(storkit_core::poll::PollPolicy::default())
            .job_mode_wait(mode)
            .build()
            .await
            .unwrap()
    }

    fn lines(fake: &testing::Fake) -> Vec<String> {
        fake.requests()
            .iter()
            .map(|s| format!("{} {}?{}", s.method, testing::rel(&s.path), s.query))
            .collect()
    }

    #[tokio::test]
    async fn every_call_sends_remote_authorization_and_changes_send_nowait() {
        let local = local_fake(61).await;
        let remote = fake(62, |_| None).await;
        let ls = local.client().await.open_session().await.unwrap();
        let rs = client_as(&remote, REMOTE, JobModeWait::default())
            .await
            .open_session()
            .await
            .unwrap();
        let handle = ls.remote(&rs).await.unwrap();
        assert_eq!(handle.remote_storage_device_id().as_str(), REMOTE);
        let pairs = handle.pairs();
        let spec = CreateRemoteCopyPair::tc(handle.remote_storage_device_id(), "cg", "p", 1, 2);
        let id = pairs.create(&spec).await.unwrap();
        assert_eq!(id.to_string(), PAIR);
        assert_eq!(
            pairs.get(&id).await.unwrap().pvol_status,
            Some(PairStatus::Pair)
        );
        assert_eq!(pairs.list(&id.group()).await.unwrap().len(), 1);
        let tc_split = RemoteSplit::new(ReplicationType::Tc);
        let tc_resync = RemoteResync::new(ReplicationType::Tc);
        pairs.split(&id, &tc_split).await.unwrap();
        pairs.resync(&id, &tc_resync).await.unwrap();
        pairs
            .takeover(&id, &RemoteTakeover::force_split())
            .await
            .unwrap();
        pairs.wait_for_status(&id, PairStatus::Pair).await.unwrap();
        let groups = handle.groups();
        assert_eq!(groups.list().await.unwrap().len(), 1);
        groups.split(&id.group(), &tc_split).await.unwrap();
        groups.resync(&id.group(), &tc_resync).await.unwrap();
        groups
            .takeover(&id.group(), &RemoteTakeover::default())
            .await
            .unwrap();
        pairs.delete(&id).await.unwrap();

        // Bad input and another remote array are refused before sending.
        let before = local.requests().len();
        let other: StorageDeviceId = "886000430000".parse().unwrap();
        let errors = [
            pairs
                .create(&CreateRemoteCopyPair::tc(&other, "cg", "p", 1, 2))
                .await
                .unwrap_err(),
            pairs
                .split(
                    &RemoteCopyPairId::new(
                        &RemoteCopyGroupId::with_default_groups(&other, "cg"),
                        "p",
                    ),
                    &tc_split,
                )
                .await
                .unwrap_err(),
            pairs
                .resync(&id, &RemoteResync::new(ReplicationType::Tc).copy_pace(16))
                .await
                .unwrap_err(),
            pairs
                .create(&spec.clone().copy_pace(0))
                .submit()
                .await
                .unwrap_err(),
            groups
                .resync(&id.group(), &tc_resync.copy_pace(0))
                .await
                .unwrap_err(),
            groups
                .get(&RemoteCopyGroupId::with_default_groups(&other, "cg"))
                .await
                .unwrap_err(),
        ];
        for e in errors {
            assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
            assert!(
                matches!(e.hitachi(), Some(HitachiError::InvalidInput { .. })),
                "{e:?}"
            );
        }
        assert_eq!(local.requests().len(), before, "nothing sent");

        ls.close().await.unwrap();
        rs.close().await.unwrap();
        assert_eq!(
            lines(&local),
            [
                format!("GET /remote-storages/{REMOTE}?"),
                "POST /remote-mirror-copypairs?".to_owned(),
                format!("GET /remote-mirror-copypairs/{PAIR}?"),
                format!("GET /remote-mirror-copygroups/{GROUP}?"),
                format!("POST /remote-mirror-copypairs/{PAIR}/actions/split/invoke?"),
                format!("POST /remote-mirror-copypairs/{PAIR}/actions/resync/invoke?"),
                format!("POST /remote-mirror-copypairs/{PAIR}/actions/takeover/invoke?"),
                format!("GET /remote-mirror-copypairs/{PAIR}?"),
                format!("GET /remote-mirror-copygroups?remoteStorageDeviceId={REMOTE}"),
                format!("POST /remote-mirror-copygroups/{GROUP}/actions/split/invoke?"),
                format!("POST /remote-mirror-copygroups/{GROUP}/actions/resync/invoke?"),
                format!("POST /remote-mirror-copygroups/{GROUP}/actions/takeover/invoke?"),
                format!("DELETE /remote-mirror-copypairs/{PAIR}?"),
            ]
        );
        for s in &local.requests()[1..] {
            let line = format!("{} {}", s.method, s.path);
            assert_eq!(
                s.headers.get("remote-authorization").unwrap(),
                "Session tok",
                "{line}"
            );
            let nowait = s.headers.get("job-mode-wait-configuration-change");
            if s.method == "GET" {
                assert!(nowait.is_none(), "{line}");
            } else {
                assert_eq!(nowait.unwrap(), "NoWait", "{line}");
            }
        }
        // The registration check is a plain GET of the local array.
        assert!(
            local.requests()[0]
                .headers
                .get("remote-authorization")
                .is_none()
        );
    }

    #[tokio::test]
    async fn nowait_can_be_turned_off() {
        let local = local_fake(63).await;
        let remote = fake(64, |_| None).await;
        let lc = client_as(&local, testing::SDID, JobModeWait::ServerDefault).await;
        let ls = lc.open_session().await.unwrap();
        let rs = client_as(&remote, REMOTE, JobModeWait::NoWait)
            .await
            .open_session()
            .await
            .unwrap();
        let handle = ls.remote(&rs).await.unwrap();
        let id: RemoteCopyPairId = PAIR.parse().unwrap();
        handle
            .pairs()
            .split(&id, &RemoteSplit::new(ReplicationType::Tc))
            .await
            .unwrap();
        handle.pairs().delete(&id).await.unwrap();
        let changes: Vec<_> = local
            .requests()
            .into_iter()
            .filter(|s| s.method != "GET")
            .collect();
        assert_eq!(changes.len(), 2);
        for s in changes {
            assert!(s.headers.get("remote-authorization").is_some());
            assert!(
                s.headers
                    .get("job-mode-wait-configuration-change")
                    .is_none(),
                "{} {}",
                s.method,
                s.path
            );
        }
        ls.close().await.unwrap();
        rs.close().await.unwrap();
    }

    #[tokio::test]
    async fn the_remote_session_is_checked_once_up_front() {
        let local = local_fake(65).await;
        let lc = local.client().await;
        let ls = lc.open_session().await.unwrap();
        // Same array.
        let same = lc.open_session().await.unwrap();
        let e = ls.remote(&same).await.unwrap_err();
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
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(local.requests().is_empty(), "nothing sent");
        // Not registered (the fake answers 404 for any other remote storage).
        let unknown = fake(66, |_| None).await;
        let us = client_as(&unknown, "886000430000", JobModeWait::default())
            .await
            .open_session()
            .await
            .unwrap();
        let e = ls.remote(&us).await.unwrap_err();
        assert!(
            matches!(
                e.hitachi(),
                Some(HitachiError::RemoteStorageNotRegistered { local, remote })
                    if local == testing::SDID && remote == "886000430000"
            ),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        // Closed.
        us.close().await.unwrap();
        let e = ls.remote(&us).await.unwrap_err();
        assert!(
            matches!(e.hitachi(), Some(HitachiError::InvalidInput { what: "remote session", reason }) if reason.contains("closed")),
            "{e:?}"
        );
        same.close().await.unwrap();
        ls.close().await.unwrap();
    }
}
