//! Every VM configuration of a query, page by page, as a stream.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use storkit_core::Error;

use crate::client::VrgClient;
use crate::model::VmStrategy;
use crate::query::{MAX_LIMIT, PageStep, Pager, StrategyQuery};

type PageFuture = Pin<Box<dyn Future<Output = Result<Vec<VmStrategy>, Error>> + Send>>;

/// What is left to ask.
enum Plan {
    /// `limit`/`offset` pages of one filter, until a short or repeated page.
    Pages { base: StrategyQuery, pager: Pager },
    /// Lists of at most 100 `vmUuid`s, one request each.
    Chunks(VecDeque<StrategyQuery>),
    /// Nothing more.
    Done,
}

/// The stream of [`VrgClient::strategy_stream`]: yields each VM configuration once, and
/// the error that ended it, if any.
pub struct StrategyStream {
    client: VrgClient,
    plan: Plan,
    /// The page being asked for, and whether it is a `limit`/`offset` page.
    in_flight: Option<PageFuture>,
    ready: VecDeque<VmStrategy>,
    /// An error to yield before ending (input refused before sending).
    refused: Option<Error>,
}

impl fmt::Debug for StrategyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrategyStream")
            .field("buffered", &self.ready.len())
            .field("in_flight", &self.in_flight.is_some())
            .finish_non_exhaustive()
    }
}

impl VrgClient {
    /// Every VM configuration `query` matches, as a stream that asks one page at a time.
    ///
    /// A query with a page ([`StrategyQuery::page`]) starts there and moves on by the
    /// number of configurations each answer held; without one, pages of 100 from offset
    /// 0. Paging stops on a short or empty page, on "no VM in the system" (`10440308`),
    /// and when a page starts with the same VM as the one before (a VRG that ignores
    /// `offset`). A query with a list of VMs is sent in lists of at most 100.
    pub fn strategy_stream(&self, query: StrategyQuery) -> StrategyStream {
        let mut stream = StrategyStream {
            client: self.clone(),
            plan: Plan::Done,
            in_flight: None,
            ready: VecDeque::new(),
            refused: None,
        };
        if let Some(vms) = query.vm_uuids() {
            let chunks = StrategyQuery::vms_chunked(vms.iter().cloned());
            let mut checked = VecDeque::new();
            for chunk in chunks {
                // The same fault filter on every chunk (validate() refuses the mix).
                let chunk = match query.fault() {
                    Some(f) => chunk.fault_vms(f),
                    None => chunk,
                };
                if let Err(e) = chunk.validate() {
                    stream.refused = Some(e.into());
                    return stream;
                }
                checked.push_back(chunk);
            }
            stream.plan = Plan::Chunks(checked);
            return stream;
        }
        let (limit, offset) = query.page_spec().unwrap_or((MAX_LIMIT, 0));
        let base = query.without_page();
        match Pager::starting_at(limit, offset).and_then(|pager| {
            base.validate()?;
            Ok(pager)
        }) {
            Ok(pager) => stream.plan = Plan::Pages { base, pager },
            Err(e) => stream.refused = Some(e.into()),
        }
        stream
    }
}

impl StrategyStream {
    /// The next request to make, if any.
    fn next_request(&mut self) -> Option<PageFuture> {
        let query = match &mut self.plan {
            Plan::Pages { base, pager } => {
                let (limit, offset) = pager.next_page()?;
                base.clone().page(limit, offset)
            }
            Plan::Chunks(chunks) => chunks.pop_front()?,
            Plan::Done => return None,
        };
        let client = self.client.clone();
        Some(Box::pin(async move { client.strategies(&query).await }))
    }

    /// Takes in one answer; returns whether to keep its items.
    fn record(&mut self, page: &[VmStrategy]) -> bool {
        match &mut self.plan {
            Plan::Pages { pager, .. } => match pager.record_strategies(page) {
                PageStep::More => true,
                PageStep::Last => {
                    self.plan = Plan::Done;
                    true
                }
                PageStep::Repeated => {
                    self.plan = Plan::Done;
                    false
                }
            },
            Plan::Chunks(_) => true,
            Plan::Done => true,
        }
    }
}

impl Stream for StrategyStream {
    type Item = Result<VmStrategy, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(e) = this.refused.take() {
                this.plan = Plan::Done;
                return Poll::Ready(Some(Err(e)));
            }
            if this.in_flight.is_none() {
                match this.next_request() {
                    Some(request) => this.in_flight = Some(request),
                    None => return Poll::Ready(None),
                }
            }
            let Some(request) = this.in_flight.as_mut() else {
                return Poll::Ready(None);
            };
            match request.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    this.in_flight = None;
                    match result {
                        Ok(page) => {
                            if this.record(&page) {
                                this.ready.extend(page);
                            }
                        }
                        Err(e) => {
                            this.plan = Plan::Done;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }
}
