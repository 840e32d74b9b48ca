//! The node pool: one pooled HTTP client per node address, round robin, set-aside of
//! failed nodes, and re-resolution that never empties the pool.
//!
//! Each node has its own hyper-util client (see [`connector`](crate::connector)) whose
//! resolver always answers that node's IP, while request URIs keep the host name. So TCP
//! goes to the chosen node while `Host`, TLS SNI and the certificate name check all stay
//! the host name, and each node keeps its own warm keep-alive connections.
//!
//! Every timer here runs on tokio's clock, so set-aside, debounce and TTL expiry can be
//! tested on a paused clock.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use crate::connector::{NodeClient, NodeSettings, build_client};
use crate::error::{BoxError, Error, ErrorKind};
use crate::resolve::Resolve;

/// How many clients of nodes outside the DNS answer (requests bound with `on_node` to an
/// address DNS no longer names) are kept; the least recently used one goes first.
pub(crate) const MAX_EXTRA_NODES: usize = 16;

/// One storage node: its address, its pooled client, and whether it is set aside. Cheap
/// to clone (one reference count), as every request takes one.
#[derive(Clone)]
pub(crate) struct Node {
    parts: Arc<NodeParts>,
}

pub(crate) struct NodeParts {
    pub(crate) ip: IpAddr,
    pub(crate) client: NodeClient,
    /// Milliseconds since the pool's epoch until which the node is set aside; 0 = in use.
    down_until: Arc<AtomicU64>,
}

impl std::ops::Deref for Node {
    type Target = NodeParts;

    fn deref(&self) -> &NodeParts {
        &self.parts
    }
}

/// A node as reported to callers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeStatus {
    /// The node's address.
    pub ip: IpAddr,
    /// True while the node is set aside after a connect failure.
    pub set_aside: bool,
}

/// The outcome of the last lookup, shared with every caller that waited for it.
#[derive(Clone)]
enum LookupOutcome {
    Addrs(Vec<IpAddr>),
    Failed(String),
}

struct PoolState {
    nodes: Arc<Vec<Node>>,
    valid_until: Option<Instant>,
    /// Lookups finished, successful or not.
    lookups: u64,
    last: Option<LookupOutcome>,
    last_error: Option<String>,
}

pub(crate) struct NodePool {
    /// Clients of nodes requests were bound to although DNS does not name them, most
    /// recently used last.
    extra: Mutex<VecDeque<Node>>,
    host: String,
    resolver: Arc<dyn Resolve>,
    settings: NodeSettings,
    state: RwLock<PoolState>,
    cursor: AtomicUsize,
    /// Held for the whole of a lookup, by a background refresh from the moment it is
    /// scheduled: waiting for it is waiting for the lookup in flight.
    refresh_lock: Arc<tokio::sync::Mutex<()>>,
    last_failure_refresh: Mutex<Option<Instant>>,
    epoch: Instant,
    pub(crate) set_aside_for: Duration,
    pub(crate) refresh_debounce: Duration,
    pub(crate) resolve_timeout: Duration,
}

impl NodePool {
    pub(crate) fn new(host: String, resolver: Arc<dyn Resolve>, settings: NodeSettings) -> Self {
        NodePool {
            extra: Mutex::new(VecDeque::new()),
            host,
            resolver,
            settings,
            state: RwLock::new(PoolState {
                nodes: Arc::new(Vec::new()),
                valid_until: None,
                lookups: 0,
                last: None,
                last_error: None,
            }),
            cursor: AtomicUsize::new(0),
            refresh_lock: Arc::new(tokio::sync::Mutex::new(())),
            last_failure_refresh: Mutex::new(None),
            epoch: Instant::now(),
            set_aside_for: Duration::from_secs(30),
            refresh_debounce: Duration::from_secs(2),
            resolve_timeout: Duration::from_secs(10),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, PoolState> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, PoolState> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn snapshot(&self) -> (Arc<Vec<Node>>, Option<Instant>, u64) {
        let s = self.read();
        (s.nodes.clone(), s.valid_until, s.lookups)
    }

    pub(crate) fn statuses(&self) -> Vec<NodeStatus> {
        let now = self.now_ms();
        self.snapshot()
            .0
            .iter()
            .map(|n| NodeStatus {
                ip: n.ip,
                set_aside: n.down_until.load(Ordering::Relaxed) > now,
            })
            .collect()
    }

    pub(crate) fn last_refresh_error(&self) -> Option<String> {
        self.read().last_error.clone()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Makes sure there are nodes (first use: concurrent requests share one lookup and its
    /// answer or error) and schedules a refresh when the DNS answer has expired. Requests
    /// never wait for a TTL refresh: they use the old answer.
    /// True when the pool has nodes to pick from without waiting; starts a background
    /// refresh when their TTL has passed. False means [`ensure_ready`](Self::ensure_ready)
    /// must wait for a lookup.
    pub(crate) fn ready_now(self: &Arc<Self>) -> bool {
        let (nodes, valid_until, _) = self.snapshot();
        if nodes.is_empty() {
            return false;
        }
        if valid_until.is_some_and(|t| Instant::now() >= t) {
            self.refresh_in_background();
        }
        true
    }

    pub(crate) async fn ensure_ready(self: &Arc<Self>) -> Result<(), Error> {
        let (nodes, valid_until, _) = self.snapshot();
        if nodes.is_empty() {
            self.refresh().await?;
        } else if valid_until.is_some_and(|t| Instant::now() >= t) {
            self.refresh_in_background();
        }
        Ok(())
    }

    /// The next node in round-robin order, skipping `exclude` and nodes set aside. When
    /// every remaining node is set aside they are tried anyway: a pool never runs dry
    /// because of set-aside alone.
    pub(crate) fn pick(&self, exclude: &[IpAddr]) -> Option<Node> {
        let nodes = self.snapshot().0;
        // The clock is read only when some node has been set aside (a per-request cost
        // otherwise).
        let mut now = None;
        // Set-aside flags of up to 64 nodes, each read once, so a concurrent set-aside
        // cannot make the count and the choice below disagree (and no allocation per
        // request). Nodes past the 64th count as in use.
        let mut up_mask: u64 = 0;
        let mut candidates = 0usize;
        let mut in_use = 0usize;
        for (i, node) in nodes.iter().enumerate() {
            if exclude.contains(&node.ip) {
                continue;
            }
            candidates += 1;
            let down_until = node.down_until.load(Ordering::Relaxed);
            let up = i >= 64
                || down_until == 0
                || down_until <= *now.get_or_insert_with(|| self.now_ms());
            if up && down_until != 0 {
                // Back in use: forget the time, so later picks need no clock read. A
                // set-aside that raced in keeps its own value.
                let _ = node.down_until.compare_exchange(
                    down_until,
                    0,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            if up {
                in_use += 1;
                if i < 64 {
                    up_mask |= 1 << i;
                }
            }
        }
        // The cursor indexes the nodes that can be chosen, not the whole list: scanning
        // forward from `cursor % n` past a set-aside node would hand its turns to the node
        // after it, loading that one twice as much as the others.
        let (count, only_in_use) = match in_use {
            0 => (candidates, false),
            n => (n, true),
        };
        if count == 0 {
            return None;
        }
        let turn = self.cursor.fetch_add(1, Ordering::Relaxed) % count;
        nodes
            .iter()
            .enumerate()
            .filter(|(i, node)| {
                !exclude.contains(&node.ip) && (!only_in_use || *i >= 64 || up_mask & (1 << i) != 0)
            })
            .nth(turn)
            .map(|(_, node)| node.clone())
    }

    /// The node with address `ip`, for requests bound to one node. A node not in the pool
    /// (not, or no longer, in DNS) gets a client of its own, kept among at most
    /// [`MAX_EXTRA_NODES`] such clients so that its connections are reused.
    pub(crate) fn node_for(&self, ip: IpAddr) -> Node {
        if let Some(node) = self.snapshot().0.iter().find(|n| n.ip == ip) {
            return node.clone();
        }
        let mut extra = self
            .extra
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = extra.iter().position(|n| n.ip == ip)
            && let Some(node) = extra.remove(i)
        {
            extra.push_back(node.clone());
            return node;
        }
        let node = self.build_node(ip);
        if extra.len() >= MAX_EXTRA_NODES {
            extra.pop_front();
        }
        extra.push_back(node.clone());
        node
    }

    #[cfg(test)]
    fn extra_ips(&self) -> Vec<IpAddr> {
        self.extra
            .lock()
            .map(|e| e.iter().map(|n| n.ip).collect())
            .unwrap_or_default()
    }

    pub(crate) fn set_aside(&self, ip: IpAddr) {
        let until = self
            .now_ms()
            .saturating_add(u64::try_from(self.set_aside_for.as_millis()).unwrap_or(u64::MAX));
        if let Some(node) = self.snapshot().0.iter().find(|n| n.ip == ip) {
            node.down_until.store(until, Ordering::Relaxed);
            tracing::warn!(node = %ip, "node set aside after a connect failure");
        }
    }

    /// Whether a node not in `tried` is left. The list may have been refreshed since the
    /// request started, so counting `tried` against the pool's size is not enough.
    pub(crate) fn has_untried(&self, tried: &[IpAddr]) -> bool {
        self.snapshot().0.iter().any(|n| !tried.contains(&n.ip))
    }

    /// Re-resolves after a failure, at most once per debounce interval, in the background.
    pub(crate) fn refresh_after_failure(self: &Arc<Self>) {
        {
            let mut last = self
                .last_failure_refresh
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|t| t.elapsed() < self.refresh_debounce) {
                return;
            }
            *last = Some(Instant::now());
        }
        self.refresh_in_background();
    }

    /// For a request whose every node failed to connect: starts the failure refresh (still
    /// debounced) and waits until no refresh is in flight, so that its retry picks from the
    /// new DNS answer instead of going round the dead nodes again while the lookup runs.
    /// A refresh that finished within the debounce interval is not repeated: its answer is
    /// the current list.
    pub(crate) async fn refresh_after_failure_and_wait(self: &Arc<Self>) {
        self.refresh_after_failure();
        drop(self.refresh_lock.lock().await);
    }

    fn refresh_in_background(self: &Arc<Self>) {
        // The lock is taken here, not in the task, so that a caller of
        // `refresh_after_failure_and_wait` cannot slip in before the task has started.
        // When it is taken a lookup is already running, and its answer will do.
        let Ok(guard) = Arc::clone(&self.refresh_lock).try_lock_owned() else {
            return;
        };
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            // The error is kept in the pool state and logged; the old nodes stay.
            let _ = pool.resolve_and_swap().await;
            drop(guard);
        });
    }

    /// Resolves the host again and swaps in the new node list. Surviving nodes keep their
    /// client (and its warm connections). A failed or empty answer keeps the old list and
    /// is returned as an error. One lookup at a time: callers that waited while another
    /// lookup ran share its outcome, answer or error, instead of asking again.
    pub(crate) async fn refresh(&self) -> Result<Vec<IpAddr>, Error> {
        let seen = self.snapshot().2;
        let _guard = self.refresh_lock.lock().await;
        let (lookups, last) = {
            let s = self.read();
            (s.lookups, s.last.clone())
        };
        if lookups != seen {
            match last {
                Some(LookupOutcome::Addrs(ips)) => return Ok(ips),
                Some(LookupOutcome::Failed(message)) => {
                    return Err(Error::new(ErrorKind::Resolve).with_message(message));
                }
                None => {}
            }
        }
        self.resolve_and_swap().await
    }

    /// The lookup and swap of [`NodePool::refresh`]; the caller holds `refresh_lock`.
    async fn resolve_and_swap(&self) -> Result<Vec<IpAddr>, Error> {
        let current = self.snapshot().0;
        let result = tokio::time::timeout(self.resolve_timeout, self.resolver.resolve(&self.host))
            .await
            .map_err(|_| {
                BoxError::from(format!(
                    "no DNS answer within {:?} (resolve_timeout)",
                    self.resolve_timeout
                ))
            })
            .and_then(|r| r);
        let resolved = match result {
            Ok(r) if !r.addrs.is_empty() => r,
            Ok(_) => return Err(self.refresh_failed("the name resolved to no address".into())),
            Err(e) => return Err(self.refresh_failed(e)),
        };
        let mut ips = resolved.addrs;
        ips.sort();
        ips.dedup();
        let nodes: Vec<Node> = ips
            .iter()
            .map(|ip| match current.iter().find(|n| n.ip == *ip) {
                Some(n) => n.clone(),
                None => self.build_node(*ip),
            })
            .collect();
        // A TTL of zero must not turn every request into a refresh.
        let valid_until = resolved
            .valid_until
            .map(|t| Instant::from_std(t).max(Instant::now() + Duration::from_secs(1)));
        {
            let mut state = self.write();
            state.nodes = Arc::new(nodes);
            state.valid_until = valid_until;
            state.lookups += 1;
            state.last = Some(LookupOutcome::Addrs(ips.clone()));
            state.last_error = None;
        }
        tracing::debug!(host = %self.host, nodes = ?ips, "node pool refreshed");
        Ok(ips)
    }

    fn refresh_failed(&self, source: BoxError) -> Error {
        let message = format!("cannot resolve {}: {source}", self.host);
        tracing::warn!(host = %self.host, error = %source, "node refresh failed; keeping the old nodes");
        {
            let mut state = self.write();
            state.lookups += 1;
            state.last = Some(LookupOutcome::Failed(message.clone()));
            state.last_error = Some(message.clone());
            // The expired answer stays in use. Left expired, it would send every request
            // into another lookup against the failing DNS: look again after the debounce
            // interval instead.
            let now = Instant::now();
            if state.valid_until.is_some_and(|t| t <= now) {
                state.valid_until = Some(now + self.refresh_debounce);
            }
        }
        Error::new(ErrorKind::Resolve)
            .with_message(message)
            .with_source(source)
    }

    fn build_node(&self, ip: IpAddr) -> Node {
        Node {
            parts: Arc::new(NodeParts {
                ip,
                client: build_client(ip, &self.settings),
                down_until: Arc::new(AtomicU64::new(0)),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashMap;
    use std::sync::atomic::AtomicUsize;

    use proptest::prelude::*;

    use super::*;
    use crate::auth::BoxFuture;
    use crate::resolve::{Resolved, StaticResolver};
    use crate::tls::{TlsPolicy, client_config};

    fn addr(i: usize) -> IpAddr {
        IpAddr::from([127, 0, 0, u8::try_from(i + 1).unwrap()])
    }

    /// `n` loopback addresses in ascending order: the order the pool keeps them in.
    fn addrs(n: usize) -> Vec<IpAddr> {
        (0..n).map(addr).collect()
    }

    /// A pool over `resolver`. Building node clients opens no socket.
    fn pool_with(resolver: impl Resolve + 'static) -> Arc<NodePool> {
        let settings = NodeSettings {
            tls: client_config(&TlsPolicy::danger_accept_invalid_certs()).unwrap(),
            https: true,
            connect_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            max_idle_per_node: 1,
        };
        Arc::new(NodePool::new(
            "array.example.test".into(),
            Arc::new(resolver),
            settings,
        ))
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A pool over a static answer, refreshed once.
    fn static_pool(answer: Vec<IpAddr>) -> Arc<NodePool> {
        let pool = pool_with(StaticResolver::new(answer));
        runtime().block_on(pool.refresh()).unwrap();
        pool
    }

    fn picks(pool: &NodePool, k: usize, exclude: &[IpAddr]) -> Vec<IpAddr> {
        (0..k)
            .map(|_| pool.pick(exclude).expect("the pool ran dry").ip)
            .collect()
    }

    fn counts(picked: &[IpAddr]) -> HashMap<IpAddr, usize> {
        let mut counts = HashMap::new();
        for ip in picked {
            *counts.entry(*ip).or_insert(0) += 1;
        }
        counts
    }

    /// Every node of `among` was picked `floor(k/m)` or `ceil(k/m)` times.
    fn assert_within_one(picked: &[IpAddr], among: &[IpAddr]) {
        let counts = counts(picked);
        let m = among.len();
        let k = picked.len();
        for ip in among {
            let c = counts.get(ip).copied().unwrap_or(0);
            assert!(
                c == k / m || c == k.div_ceil(m),
                "{ip} picked {c} times out of {k} over {m} nodes: {counts:?}"
            );
        }
    }

    /// A node count, an answer in any order (the pool sorts it), and a number of picks.
    fn shuffled_answer(
        sizes: std::ops::RangeInclusive<usize>,
    ) -> impl Strategy<Value = Vec<IpAddr>> {
        sizes.prop_flat_map(|n| Just(addrs(n)).prop_shuffle())
    }

    /// A node count of at least 2 with a non-empty proper subset marked.
    fn proper_subset() -> impl Strategy<Value = Vec<bool>> {
        (2usize..=8)
            .prop_flat_map(|n| proptest::collection::vec(any::<bool>(), n))
            .prop_filter("a non-empty proper subset", |mask| {
                mask.iter().any(|b| *b) && !mask.iter().all(|b| *b)
            })
    }

    proptest! {
        #[test]
        fn round_robin_is_fair_and_in_address_order(
            answer in shuffled_answer(1..=8),
            k in 0usize..200,
        ) {
            let n = answer.len();
            let pool = static_pool(answer);
            let all = addrs(n);
            let picked = picks(&pool, k, &[]);
            assert_within_one(&picked, &all);
            for pair in picked.windows(2) {
                let i = all.iter().position(|ip| *ip == pair[0]).unwrap();
                prop_assert_eq!(pair[1], all[(i + 1) % n], "picks: {:?}", picked);
            }
        }

        #[test]
        fn set_aside_nodes_are_skipped_and_the_rest_stay_fair(
            mask in proper_subset(),
            k in 0usize..200,
        ) {
            let all = addrs(mask.len());
            let pool = static_pool(all.clone());
            let (aside, in_use): (Vec<_>, Vec<_>) =
                all.iter().zip(&mask).partition(|(_, aside)| **aside);
            let aside: Vec<IpAddr> = aside.into_iter().map(|(ip, _)| *ip).collect();
            let in_use: Vec<IpAddr> = in_use.into_iter().map(|(ip, _)| *ip).collect();
            for ip in &aside {
                pool.set_aside(*ip);
            }
            let picked = picks(&pool, k, &[]);
            prop_assert!(
                picked.iter().all(|ip| !aside.contains(ip)),
                "set aside {:?}, picked {:?}", aside, picked
            );
            assert_within_one(&picked, &in_use);
        }

        #[test]
        fn a_pool_with_every_node_set_aside_still_answers(
            n in 1usize..=8,
            k in 0usize..200,
        ) {
            let all = addrs(n);
            let pool = static_pool(all.clone());
            for ip in &all {
                pool.set_aside(*ip);
            }
            prop_assert!(pool.statuses().iter().all(|s| s.set_aside));
            let picked = picks(&pool, k, &[]);
            prop_assert_eq!(pool.statuses().len(), n);
            assert_within_one(&picked, &all);
        }

        #[test]
        fn pick_never_returns_an_excluded_node(
            (aside, excluded) in (1usize..=8).prop_flat_map(|n| (
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec(any::<bool>(), n),
            )),
            stranger in any::<bool>(),
            k in 1usize..50,
        ) {
            let all = addrs(aside.len());
            let pool = static_pool(all.clone());
            for (ip, _) in all.iter().zip(&aside).filter(|(_, a)| **a) {
                pool.set_aside(*ip);
            }
            let mut exclude: Vec<IpAddr> = all
                .iter()
                .zip(&excluded)
                .filter(|(_, e)| **e)
                .map(|(ip, _)| *ip)
                .collect();
            if stranger {
                // Addresses no longer in the pool may be excluded too.
                exclude.push(IpAddr::from([127, 0, 1, 1]));
            }
            let everything_excluded = all.iter().all(|ip| exclude.contains(ip));
            for _ in 0..k {
                match pool.pick(&exclude) {
                    Some(node) => {
                        prop_assert!(!exclude.contains(&node.ip));
                        prop_assert!(all.contains(&node.ip));
                    }
                    None => prop_assert!(everything_excluded),
                }
            }
            if everything_excluded {
                prop_assert!(pool.pick(&exclude).is_none());
            }
        }
    }

    #[test]
    fn an_empty_pool_picks_nothing() {
        let pool = pool_with(StaticResolver::new([]));
        assert!(pool.pick(&[]).is_none());
    }

    /// Answers what the test last set, and counts lookups.
    #[derive(Debug)]
    struct Scripted {
        answer: Mutex<Result<Vec<IpAddr>, String>>,
        lookups: AtomicUsize,
    }

    impl Scripted {
        fn new(answer: Result<Vec<IpAddr>, &str>) -> Arc<Self> {
            Arc::new(Scripted {
                answer: Mutex::new(answer.map_err(str::to_owned)),
                lookups: AtomicUsize::new(0),
            })
        }

        fn answer(&self, answer: Result<Vec<IpAddr>, &str>) {
            *self.answer.lock().unwrap() = answer.map_err(str::to_owned);
        }
    }

    impl Resolve for Arc<Scripted> {
        fn resolve<'a>(&'a self, _host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.lock().unwrap().clone();
            Box::pin(async move {
                answer
                    .map(|addrs| Resolved {
                        addrs,
                        valid_until: None,
                    })
                    .map_err(BoxError::from)
            })
        }
    }

    fn ips_of(pool: &NodePool) -> Vec<IpAddr> {
        pool.statuses().into_iter().map(|s| s.ip).collect()
    }

    fn node_state(pool: &NodePool, ip: IpAddr) -> Arc<AtomicU64> {
        pool.snapshot()
            .0
            .iter()
            .find(|n| n.ip == ip)
            .map(|n| Arc::clone(&n.down_until))
            .unwrap()
    }

    #[tokio::test]
    async fn refresh_keeps_surviving_nodes_and_never_empties_the_pool() {
        let dns = Scripted::new(Ok(vec![addr(2), addr(0), addr(1), addr(1)]));
        let pool = pool_with(Arc::clone(&dns));
        assert_eq!(pool.refresh().await.unwrap(), addrs(3));
        let survivor = node_state(&pool, addr(1));
        pool.set_aside(addr(1));

        dns.answer(Ok(vec![addr(3), addr(1)]));
        assert_eq!(pool.refresh().await.unwrap(), vec![addr(1), addr(3)]);
        assert_eq!(ips_of(&pool), vec![addr(1), addr(3)]);
        // The same node, not a new one for the same address: its client (and warm
        // connections) and its set-aside state carry over.
        assert!(Arc::ptr_eq(&survivor, &node_state(&pool, addr(1))));
        assert!(pool.statuses()[0].set_aside);
        assert!(!pool.statuses()[1].set_aside);

        dns.answer(Ok(vec![]));
        let err = pool.refresh().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Resolve);
        assert_eq!(ips_of(&pool), vec![addr(1), addr(3)]);
        assert!(pool.last_refresh_error().unwrap().contains("no address"));

        dns.answer(Err("SERVFAIL"));
        let err = pool.refresh().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Resolve);
        assert_eq!(ips_of(&pool), vec![addr(1), addr(3)]);
        assert!(pool.last_refresh_error().unwrap().contains("SERVFAIL"));
        assert!(Arc::ptr_eq(&survivor, &node_state(&pool, addr(1))));

        dns.answer(Ok(vec![addr(1)]));
        pool.refresh().await.unwrap();
        assert_eq!(pool.last_refresh_error(), None);
        assert!(Arc::ptr_eq(&survivor, &node_state(&pool, addr(1))));
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn waiting_after_a_failure_sees_the_background_refresh_it_started() {
        let dns = Scripted::new(Ok(vec![addr(0), addr(1)]));
        let mut pool = pool_with(Arc::clone(&dns));
        Arc::get_mut(&mut pool).unwrap().refresh_debounce = Duration::from_secs(60);
        pool.refresh().await.unwrap();
        dns.answer(Ok(vec![addr(2)]));

        // The first failure schedules a lookup; the request that then finds every node
        // dead waits for that one instead of racing it or starting another.
        pool.refresh_after_failure();
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(ips_of(&pool), vec![addr(2)]);
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);

        // Within the debounce interval the answer just fetched is the current one.
        dns.answer(Ok(vec![addr(3)]));
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(ips_of(&pool), vec![addr(2)]);
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn untried_nodes_are_counted_against_the_current_list() {
        let pool = static_pool(addrs(2));
        assert!(pool.has_untried(&[]));
        assert!(pool.has_untried(&[addr(0)]));
        assert!(!pool.has_untried(&[addr(1), addr(0)]));
        // Addresses tried before a refresh replaced them do not hide a new node.
        assert!(pool.has_untried(&[addr(5), addr(6), addr(0)]));
    }

    #[tokio::test]
    async fn a_first_lookup_that_fails_leaves_an_empty_pool_and_an_error() {
        let dns = Scripted::new(Err("SERVFAIL"));
        let pool = pool_with(Arc::clone(&dns));
        assert_eq!(
            pool.ensure_ready().await.unwrap_err().kind(),
            ErrorKind::Resolve
        );
        assert!(pool.pick(&[]).is_none());
        dns.answer(Ok(vec![addr(0)]));
        pool.ensure_ready().await.unwrap();
        assert_eq!(pool.pick(&[]).unwrap().ip, addr(0));
    }

    #[test]
    fn nodes_outside_the_answer_are_bounded_and_least_recently_used_go_first() {
        let pool = static_pool(addrs(1));
        let outside = |i: u8| IpAddr::from([127, 0, 9, i]);
        let first = pool.node_for(outside(0));
        for i in 1..u8::try_from(MAX_EXTRA_NODES).unwrap() {
            pool.node_for(outside(i));
        }
        // Using the first again makes it the most recent: the next newcomer evicts #1.
        let again = pool.node_for(outside(0));
        assert!(Arc::ptr_eq(&first.down_until, &again.down_until));
        pool.node_for(outside(200));
        let extra = pool.extra_ips();
        assert_eq!(extra.len(), MAX_EXTRA_NODES);
        assert!(extra.contains(&outside(0)));
        assert!(!extra.contains(&outside(1)));
        assert!(extra.contains(&outside(200)));
        // Nodes in the answer never take a place among them.
        pool.node_for(addr(0));
        assert_eq!(pool.extra_ips().len(), MAX_EXTRA_NODES);
    }

    /// Answers after a delay on tokio's clock, counting lookups.
    #[derive(Debug)]
    struct Slow {
        inner: Arc<Scripted>,
        delay: Duration,
    }

    impl Resolve for Slow {
        fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
            Box::pin(async move {
                tokio::time::sleep(self.delay).await;
                self.inner.resolve(host).await
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_first_lookups_share_one_answer_or_one_error() {
        let dns = Scripted::new(Err("SERVFAIL"));
        let pool = pool_with(Slow {
            inner: Arc::clone(&dns),
            delay: Duration::from_secs(1),
        });
        let waits: Vec<_> = (0..8)
            .map(|_| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move { pool.ensure_ready().await })
            })
            .collect();
        for w in waits {
            let err = w.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Resolve);
            assert!(err.to_string().contains("SERVFAIL"), "{err}");
        }
        assert_eq!(
            dns.lookups.load(Ordering::SeqCst),
            1,
            "one lookup for eight waiters"
        );

        dns.answer(Ok(addrs(2)));
        let waits: Vec<_> = (0..8)
            .map(|_| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move { pool.ensure_ready().await })
            })
            .collect();
        for w in waits {
            w.await.unwrap().unwrap();
        }
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);
        assert_eq!(ips_of(&pool), addrs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_lookup_ends_at_the_resolve_timeout() {
        let dns = Scripted::new(Ok(addrs(1)));
        let mut pool = pool_with(Slow {
            inner: Arc::clone(&dns),
            delay: Duration::from_secs(30),
        });
        Arc::get_mut(&mut pool).unwrap().resolve_timeout = Duration::from_secs(3);
        let started = Instant::now();
        let err = pool.ensure_ready().await.unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        assert!(err.to_string().contains("resolve_timeout"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn set_aside_ends_on_tokios_clock() {
        let mut pool = pool_with(StaticResolver::new(addrs(2)));
        Arc::get_mut(&mut pool).unwrap().set_aside_for = Duration::from_secs(30);
        pool.refresh().await.unwrap();
        pool.set_aside(addr(0));
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(pool.statuses()[0].set_aside);
        assert_eq!(picks(&pool, 3, &[]), vec![addr(1); 3]);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!pool.statuses()[0].set_aside);
    }

    #[tokio::test(start_paused = true)]
    async fn failure_refreshes_are_debounced_on_tokios_clock() {
        let dns = Scripted::new(Ok(addrs(1)));
        let mut pool = pool_with(Arc::clone(&dns));
        Arc::get_mut(&mut pool).unwrap().refresh_debounce = Duration::from_secs(2);
        pool.refresh().await.unwrap();
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);
        tokio::time::advance(Duration::from_secs(1)).await;
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(
            dns.lookups.load(Ordering::SeqCst),
            2,
            "within the debounce interval"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 3);
    }

    /// Answers with a TTL measured on tokio's clock.
    #[derive(Debug)]
    struct WithTtl {
        inner: Arc<Scripted>,
        ttl: Duration,
    }

    impl Resolve for WithTtl {
        fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Resolved, BoxError>> {
            Box::pin(async move {
                let mut r = self.inner.resolve(host).await?;
                r.valid_until = Some((Instant::now() + self.ttl).into_std());
                Ok(r)
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_expired_answer_is_refreshed_in_the_background_on_tokios_clock() {
        let dns = Scripted::new(Ok(addrs(1)));
        let pool = pool_with(WithTtl {
            inner: Arc::clone(&dns),
            ttl: Duration::from_secs(60),
        });
        pool.ensure_ready().await.unwrap();
        dns.answer(Ok(vec![addr(3)]));
        tokio::time::advance(Duration::from_secs(59)).await;
        pool.ensure_ready().await.unwrap();
        tokio::task::yield_now().await;
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        pool.ensure_ready().await.unwrap();
        // The request that saw the expiry did not wait; the refresh ran beside it.
        assert_eq!(ips_of(&pool), vec![addr(0)]);
        pool.refresh_after_failure_and_wait().await;
        assert_eq!(ips_of(&pool), vec![addr(3)]);
        assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);
    }
}
