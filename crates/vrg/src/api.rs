//! The VRG's calls, one method each, in the document's order (§3.1–§3.9).

use std::sync::PoisonError;
use std::time::Duration;

use storkit_core::encode::encode_path_segment;
use storkit_core::http::HeaderValue;
use storkit_core::http::header::ACCEPT;
use storkit_core::poll::{Backoff, PollError, PollPolicy, PollStep, Poller};
use storkit_core::session::TokenSession;
use storkit_core::{Client, Error, ErrorKind, Phase, Request, RetryPolicy};
use tokio::time::Instant;

use crate::client::{ACCEPT_NO_VERSION, VrgClient};
use crate::codes::VrgErrorCode;
use crate::error::{VrgError, VrgErrorExt};
use crate::model::{
    AlarmServer, AlarmServerInfo, DeleteFlag, DrStatus, DrStrategy, ManagementNetwork, NetInfo,
    NetType, PairStatus, Pairing, PeerAddress, ProductionStrategy, VersionEntry, VmStrategy,
    VmUuid, VrgStatus, decode_alarm, decode_deleted, decode_dr_status, decode_netinfos,
    decode_pairing, decode_status, decode_strategies, decode_versions,
};
use crate::query::StrategyQuery;
use crate::session::LogoutVia;

fn has_code(e: &Error, code: &VrgErrorCode) -> bool {
    e.vrg_code() == Some(code)
}

/// A poll that gave up, as a core error.
fn poll_error(what: &str, e: PollError<Error>) -> Error {
    match e {
        PollError::Fetch { source, .. } => source,
        other => Error::new(ErrorKind::Poll)
            .with_phase(Phase::Responded)
            .with_message(format!("{what}: {other}"))
            .with_source(other),
    }
}

impl VrgClient {
    /// `GET /versions`: the interface versions and their login URIs. Needs no login.
    pub async fn versions(&self) -> Result<Vec<VersionEntry>, Error> {
        let request = Request::get(self.path("/versions"))
            .without_auth()
            .header(ACCEPT, HeaderValue::from_static(ACCEPT_NO_VERSION));
        let response =
            crate::session::check(self.core().send(request).await?, self.inner.settings.lang)?;
        Ok(decode_versions(response.body())?)
    }

    /// `GET /trapinfo`: the alarm server, or `None` when none is configured (`10440402`).
    pub async fn alarm_server(&self) -> Result<Option<AlarmServerInfo>, Error> {
        match self.call(Request::get(self.path("/trapinfo"))).await {
            Ok(response) => Ok(Some(decode_alarm(response.body())?)),
            Err(e) if has_code(&e, &VrgErrorCode::AlarmServerNotConfigured) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /trapinfo`: sets the alarm server the VRG reports to. Checked before sending
    /// ([`AlarmServer::validate`]).
    pub async fn set_alarm_server(&self, server: &AlarmServer) -> Result<(), Error> {
        // The fields are public: a value built by hand is checked here.
        server.validate()?;
        let request = Self::with_json(Request::post(self.path("/trapinfo")), &server.to_json())?;
        self.call(request).await.map(drop)
    }

    /// Removes the alarm server (`POST /trapinfo` with `0.0.0.0`, as the document says).
    pub async fn clear_alarm_server(&self) -> Result<(), Error> {
        self.set_alarm_server(&AlarmServer::clear()).await
    }

    /// `GET /vrgstatus`: health and cache capacities.
    pub async fn status(&self) -> Result<VrgStatus, Error> {
        let response = self.call(Request::get(self.path("/vrgstatus"))).await?;
        Ok(decode_status(response.body())?)
    }

    /// `GET /netinfos`: the management network, the network to the CNA nodes and the one
    /// to the peer VRG.
    pub async fn networks(&self) -> Result<Vec<NetInfo>, Error> {
        let response = self.call(Request::get(self.path("/netinfos"))).await?;
        Ok(decode_netinfos(response.body())?)
    }

    /// `GET /vmdrstatus/{vmUuid}/`: a VM's DR status. The document allows it only on the
    /// DR-side VRG during a failover.
    pub async fn vm_dr_status(&self, vm: &VmUuid) -> Result<DrStatus, Error> {
        let path = format!("/vmdrstatus/{}/", encode_path_segment(vm.as_str()));
        let response = self.call(Request::get(self.path(&path))).await?;
        Ok(decode_dr_status(response.body())?)
    }

    /// `POST /vrgmap`: starts pairing with a peer VRG (asynchronous: see
    /// [`wait_paired`](VrgClient::wait_paired)). Checked before sending
    /// ([`PeerAddress::validate`]). Not resent after an unknown outcome: a second request
    /// may restart the pairing.
    pub async fn pair(&self, peer: &PeerAddress) -> Result<(), Error> {
        peer.validate()?;
        let body = peer.to_json(self.inner.settings.pair_keys);
        let request = Self::with_json(Request::post(self.path("/vrgmap")), &body)?;
        self.call(request).await.map(drop)
    }

    /// `DELETE /vrgmap`: removes the pairing (disconnects the link, forgets the peer).
    pub async fn unpair(&self) -> Result<(), Error> {
        self.call(Request::delete(self.path("/vrgmap")))
            .await
            .map(drop)
    }

    /// `GET /vrgmap`: the pairing and its state.
    pub async fn pairing(&self) -> Result<Pairing, Error> {
        let response = self.call(Request::get(self.path("/vrgmap"))).await?;
        Ok(decode_pairing(response.body())?)
    }

    /// Polls `GET /vrgmap` (with the client's poll policy) until the pairing is normal
    /// (1). Failed (3) and link interrupted (5) are [`VrgError::PairingFailed`]; not
    /// paired (4) is too once the grace period after the call has passed
    /// ([`not_paired_grace`](crate::VrgClientBuilder::not_paired_grace)).
    pub async fn wait_paired(&self) -> Result<Pairing, Error> {
        self.wait_paired_with(&self.inner.settings.poll.clone())
            .await
    }

    /// [`wait_paired`](VrgClient::wait_paired) with another poll policy.
    pub async fn wait_paired_with(&self, policy: &PollPolicy) -> Result<Pairing, Error> {
        let started = Instant::now();
        let grace = self.inner.settings.not_paired_grace;
        let mut poller = Poller::new(policy.clone());
        let result = poller
            .run(
                |_| async move {
                    let pairing = self.pairing().await?;
                    let failed = |pairing: &Pairing| {
                        Error::from(VrgError::PairingFailed {
                            peer: pairing.peer_text(),
                            status: pairing.status.number(),
                            meaning: pairing.status.meaning().to_owned(),
                        })
                    };
                    match pairing.status {
                        PairStatus::Normal => Ok(PollStep::Done(pairing)),
                        PairStatus::Failed | PairStatus::LinkDown => Err(failed(&pairing)),
                        PairStatus::NotPaired if started.elapsed() >= grace => {
                            Err(failed(&pairing))
                        }
                        status => Ok(PollStep::Pending(status)),
                    }
                },
                |event| tracing::debug!(poll = event.attempt, status = ?event.status, "pairing"),
            )
            .await;
        result.map_err(|e| poll_error("pairing", e))
    }

    /// `POST /vmstrategy`, production side: the VM to protect, its volumes, encryption
    /// and compression. Checked before sending (see [`ProductionStrategy::validate`]).
    pub async fn set_production_strategy(
        &self,
        strategy: &ProductionStrategy,
    ) -> Result<(), Error> {
        let body = strategy.to_json()?;
        let request = Self::with_json(Request::post(self.path("/vmstrategy")), &body)?;
        self.call(request).await.map(drop)
    }

    /// `POST /vmstrategy`, DR side: where each volume is replicated to and the writeagent.
    /// Applied asynchronously: see [`wait_strategy_applied`](VrgClient::wait_strategy_applied).
    pub async fn set_dr_strategy(&self, strategy: &DrStrategy) -> Result<(), Error> {
        let body = strategy.to_json(self.inner.settings.ext_params)?;
        let request = Self::with_json(Request::post(self.path("/vmstrategy")), &body)?;
        self.call(request).await.map(drop)
    }

    /// `GET /vmstrategy` with `query`: one answer. "No VM in the system" (`10440308`) is
    /// an empty list. Invalid combinations are refused before sending
    /// ([`StrategyQuery::validate`]).
    pub async fn strategies(&self, query: &StrategyQuery) -> Result<Vec<VmStrategy>, Error> {
        query.validate()?;
        let mut request = Request::get(self.path("/vmstrategy"));
        for (key, value) in query.query_pairs() {
            request = request.query(key, &value);
        }
        match self.call(request).await {
            Ok(response) => Ok(decode_strategies(response.body())?),
            Err(e) if has_code(&e, &VrgErrorCode::NoVms) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The DR configuration of one VM, or `None` when the VRG does not know it
    /// (`10440400`, `10440308`, or an answer without it).
    pub async fn strategy(&self, vm: &VmUuid) -> Result<Option<VmStrategy>, Error> {
        match self.strategies(&StrategyQuery::vms([vm.clone()])).await {
            Ok(list) => Ok(list
                .into_iter()
                .find(|s| s.vm_uuid.as_deref() == Some(vm.as_str()))),
            Err(e) if has_code(&e, &VrgErrorCode::VmNotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Polls the VM's configuration until no volume is being set up (`volStatus` 5); a
    /// volume in 2, 3, 4 or 6 is [`VrgError::StrategyFailed`].
    pub async fn wait_strategy_applied(&self, vm: &VmUuid) -> Result<VmStrategy, Error> {
        self.wait_strategy_applied_with(vm, &self.inner.settings.poll.clone())
            .await
    }

    /// [`wait_strategy_applied`](VrgClient::wait_strategy_applied) with another poll
    /// policy.
    pub async fn wait_strategy_applied_with(
        &self,
        vm: &VmUuid,
        policy: &PollPolicy,
    ) -> Result<VmStrategy, Error> {
        let mut poller = Poller::new(policy.clone());
        let result = poller
            .run(
                |_| async move {
                    let Some(strategy) = self.strategy(vm).await? else {
                        return Ok(PollStep::Pending("not listed yet"));
                    };
                    if let Some((volume, status)) = strategy.failed_volume() {
                        return Err(Error::from(VrgError::StrategyFailed {
                            vm: vm.to_string(),
                            volume: volume.vol_uuid.clone().unwrap_or_default(),
                            status: status.number(),
                            meaning: status.meaning().to_owned(),
                        }));
                    }
                    Ok(if strategy.is_applied() {
                        PollStep::Done(strategy)
                    } else {
                        PollStep::Pending("setting up")
                    })
                },
                |event| {
                    tracing::debug!(
                        poll = event.attempt,
                        status = event.status,
                        "DR configuration"
                    )
                },
            )
            .await;
        result.map_err(|e| poll_error("DR configuration", e))
    }

    /// `POST /vmstrategy/{vmUuid}/` with `delFlag`: deletes the VM's DR configuration and
    /// returns its DR status before the deletion (when the VRG says). Confirm with
    /// [`wait_strategy_deleted`](VrgClient::wait_strategy_deleted).
    pub async fn delete_strategy(
        &self,
        vm: &VmUuid,
        flag: DeleteFlag,
    ) -> Result<Option<DrStatus>, Error> {
        let path = format!("/vmstrategy/{}/", encode_path_segment(vm.as_str()));
        let request = Self::with_json(Request::post(self.path(&path)), &flag.to_json())?;
        let response = self.call(request).await?;
        Ok(decode_deleted(response.body())?)
    }

    /// Polls until the VRG no longer lists the VM; a volume left in "deletion failed" (6)
    /// is [`VrgError::StrategyFailed`].
    pub async fn wait_strategy_deleted(&self, vm: &VmUuid) -> Result<(), Error> {
        self.wait_strategy_deleted_with(vm, &self.inner.settings.poll.clone())
            .await
    }

    /// [`wait_strategy_deleted`](VrgClient::wait_strategy_deleted) with another poll
    /// policy.
    pub async fn wait_strategy_deleted_with(
        &self,
        vm: &VmUuid,
        policy: &PollPolicy,
    ) -> Result<(), Error> {
        let mut poller = Poller::new(policy.clone());
        let result = poller
            .run(
                |_| async move {
                    let Some(strategy) = self.strategy(vm).await? else {
                        return Ok(PollStep::Done(()));
                    };
                    if let Some((volume, status)) = strategy.failed_volume() {
                        return Err(Error::from(VrgError::StrategyFailed {
                            vm: vm.to_string(),
                            volume: volume.vol_uuid.clone().unwrap_or_default(),
                            status: status.number(),
                            meaning: status.meaning().to_owned(),
                        }));
                    }
                    Ok(PollStep::Pending("still listed"))
                },
                |event| tracing::debug!(poll = event.attempt, "DR configuration deletion"),
            )
            .await;
        result.map_err(|e| poll_error("DR configuration deletion", e))
    }

    /// `POST /modmngnet/`: changes the VRG's management address, then moves this client
    /// (and its clones) to the new address and logs in there. Checked before sending
    /// ([`ManagementNetwork::validate`]).
    ///
    /// Sent once, never resent. The VRG may change its address before it answers: when
    /// no answer comes (within
    /// [`management_change_timeout`](crate::VrgClientBuilder::management_change_timeout)),
    /// the new address is asked for its networks until that timeout passes again; if it
    /// answers, the change happened and the client moves. Otherwise the error is
    /// [`VrgError::ManagementChangeUnknown`] and the client stays where it was. After an
    /// answer the client moves whatever happens next; an error then says that the new
    /// address did not answer yet. The old token is logged out at the new address.
    pub async fn change_management_network(&self, change: &ManagementNetwork) -> Result<(), Error> {
        change.validate()?;
        let body = change.to_json();
        let request = Request::post(self.path("/modmngnet/"))
            .retry_policy(RetryPolicy::never())
            .idempotent(false)
            .timeout(self.inner.settings.management_timeout);
        let request = Self::with_json(request, &body)?;
        let new_url = self.url_for_ip(&change.new_ip.to_string())?;
        match self.call(request).await {
            Ok(_) => {
                let (core, session, via) = self.open_at(&new_url)?;
                let old = self.swap(&new_url, session.clone(), via, core.clone());
                let probed = self.probe(&core, &session).await;
                Self::logout_old(old).await;
                probed
            }
            Err(e) if e.phase() == Phase::MaybeSent => {
                tracing::warn!(error = %e, "no answer to the management-network change; probing the new address");
                let (core, session, via) = self.open_at(&new_url)?;
                match self.probe(&core, &session).await {
                    Ok(()) => {
                        let old = self.swap(&new_url, session, via, core);
                        Self::logout_old(old).await;
                        Ok(())
                    }
                    Err(probe) => Err(VrgError::ManagementChangeUnknown {
                        new_ip: change.new_ip.to_string(),
                        detail: format!(
                            "the change got no answer ({e}); the new address did not answer either ({probe})"
                        ),
                    }
                    .into()),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The current URL with its host replaced by `ip`.
    fn url_for_ip(&self, ip: &str) -> Result<String, Error> {
        let url = self.url();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| Error::config("the client URL has no scheme"))?;
        let authority = rest.split('/').next().unwrap_or(rest);
        let port = authority
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        Ok(match port {
            Some(port) => format!("{scheme}://{ip}:{port}"),
            None => format!("{scheme}://{ip}"),
        })
    }

    /// A client and a session (not logged in yet) for `url`.
    fn open_at(&self, url: &str) -> Result<(Client, TokenSession, LogoutVia), Error> {
        let core = self.inner.settings.core_client(url)?;
        let (session, via) = self.inner.settings.session(core.clone());
        Ok((core, session, via))
    }

    /// Logs in at a new address and reads its networks, again until it answers or the
    /// management-change timeout passes.
    async fn probe(&self, core: &Client, session: &TokenSession) -> Result<(), Error> {
        let deadline = self.inner.settings.management_timeout;
        let policy = PollPolicy::default()
            .with_backoff(Backoff::exponential(
                Duration::from_millis(50),
                2.0,
                Duration::from_secs(2),
            ))
            .with_deadline(deadline);
        let result = Poller::new(policy)
            .run(
                |_| async move {
                    let request = Request::get(self.path("/netinfos"))
                        .auth(session.authenticator())
                        .timeout(deadline);
                    let lang = self.inner.settings.lang;
                    match core
                        .send(request)
                        .await
                        .and_then(|r| crate::session::check(r, lang))
                    {
                        Ok(answer) => {
                            let networks = decode_netinfos(answer.body())?;
                            let management = networks
                                .iter()
                                .find(|n| n.net_type == NetType::Management)
                                .and_then(|n| n.ip.clone());
                            tracing::info!(?management, "the new management address answers");
                            Ok(PollStep::Done(()))
                        }
                        // Not up yet: nothing was sent, or nothing came back.
                        Err(e) if e.phase() != Phase::Responded => Ok(PollStep::Pending(e.kind())),
                        Err(e) => Err(e),
                    }
                },
                |event| tracing::debug!(poll = event.attempt, kind = ?event.status, "new address not answering yet"),
            )
            .await;
        result.map_err(|e| poll_error("the new management address", e))
    }

    /// Makes `url` the client's address; returns the old session.
    fn swap(&self, url: &str, session: TokenSession, via: LogoutVia, core: Client) -> TokenSession {
        let mut target = self.target();
        // The old token is logged out at the new address: the old one no longer answers.
        *target
            .logout_via
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(core);
        target.url = url.to_owned();
        target.logout_via = via;
        std::mem::replace(&mut target.session, session)
    }

    async fn logout_old(old: TokenSession) {
        if let Err(e) = old.close().await {
            tracing::debug!(error = %e, "the old token's logout failed");
        }
    }
}
