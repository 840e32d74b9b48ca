//! `GET /vmstrategy` queries (§3.8.3): which VMs, which page.
//!
//! The VRG's rules, checked by [`StrategyQuery::validate`] before sending: `limit` is at
//! most 100 and goes with `offset`; `vmUuid` (repeatable) excludes `limit`/`offset` and
//! `faultVms`. A filter matching more than 100 VMs is answered "as limit=100, offset=0",
//! so longer `vmUuid` lists are split ([`StrategyQuery::vms_chunked`]) and whole listings
//! are paged ([`Pager`]).
//!
//! ```
//! use storkit_vrg::model::VmUuid;
//! use storkit_vrg::query::{PageStep, Pager, StrategyQuery};
//!
//! let two = StrategyQuery::vms([VmUuid::new("vm-a")?, VmUuid::new("vm-b")?]);
//! two.validate()?;
//! assert_eq!(
//!     two.query_pairs(),
//!     vec![("vmUuid", "vm-a".to_string()), ("vmUuid", "vm-b".to_string())]
//! );
//! assert!(StrategyQuery::vms([VmUuid::new("vm-a")?]).page(10, 0).validate().is_err());
//!
//! // Paging through every faulty VM, 50 at a time.
//! let mut pager = Pager::new(50)?;
//! let (limit, offset) = pager.next_page().unwrap_or_default();
//! let query = StrategyQuery::faulty().page(limit, offset);
//! assert_eq!(
//!     query.query_pairs(),
//!     vec![("faultVms", "1".into()), ("limit", "50".into()), ("offset", "0".into())]
//! );
//! // ... send it, decode the page, tell the pager what came back:
//! assert_eq!(pager.record(50, Some("vm-001")), PageStep::More);
//! assert_eq!(pager.next_page(), Some((50, 50)));
//! assert_eq!(pager.record(12, Some("vm-051")), PageStep::Last);
//! assert_eq!(pager.next_page(), None);
//! # Ok::<(), storkit_vrg::VrgError>(())
//! ```

use crate::error::VrgError;
use crate::model::{FaultVms, VmStrategy, VmUuid};

/// The largest `limit` the VRG takes.
pub const MAX_LIMIT: u8 = 100;

/// The most VMs one `vmUuid` query may name (the VRG answers at most 100).
pub const MAX_VMS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Filter {
    All,
    Vms(Vec<VmUuid>),
}

/// The query string of `GET /vmstrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StrategyQuery {
    filter: Filter,
    fault_vms: Option<FaultVms>,
    page: Option<(u8, u32)>,
}

impl StrategyQuery {
    /// Every VM (no filter). Without a page the VRG answers at most 100; use a
    /// [`Pager`] for all of them.
    pub fn all() -> Self {
        StrategyQuery {
            filter: Filter::All,
            fault_vms: None,
            page: None,
        }
    }

    /// The given VMs (`vmUuid=a&vmUuid=b`): 1 to 100 of them, no page, no `faultVms`.
    pub fn vms(vms: impl IntoIterator<Item = VmUuid>) -> Self {
        StrategyQuery {
            filter: Filter::Vms(vms.into_iter().collect()),
            fault_vms: None,
            page: None,
        }
    }

    /// One VM.
    pub fn vm(vm: VmUuid) -> Self {
        StrategyQuery::vms([vm])
    }

    /// The given VMs split into queries of at most 100 each (none for no VMs).
    pub fn vms_chunked(vms: impl IntoIterator<Item = VmUuid>) -> Vec<Self> {
        let all: Vec<VmUuid> = vms.into_iter().collect();
        all.chunks(MAX_VMS)
            .map(|chunk| StrategyQuery::vms(chunk.iter().cloned()))
            .collect()
    }

    /// The faulty VMs only: [`StrategyQuery::all`] with `faultVms=1`
    /// ([`FaultVms::FAULTY`], UNVERIFIED code).
    pub fn faulty() -> Self {
        StrategyQuery::all().fault_vms(FaultVms::FAULTY)
    }

    /// Sets `faultVms` (not allowed with `vmUuid`).
    #[must_use]
    pub fn fault_vms(mut self, fault_vms: FaultVms) -> Self {
        self.fault_vms = Some(fault_vms);
        self
    }

    /// Sets the page: `limit` 1-100 entries from `offset` (not allowed with `vmUuid`).
    #[must_use]
    pub fn page(mut self, limit: u8, offset: u32) -> Self {
        self.page = Some((limit, offset));
        self
    }

    /// Removes the page.
    #[must_use]
    pub fn without_page(mut self) -> Self {
        self.page = None;
        self
    }

    /// The VMs asked for; `None` for every VM.
    pub fn vm_uuids(&self) -> Option<&[VmUuid]> {
        match &self.filter {
            Filter::All => None,
            Filter::Vms(vms) => Some(vms),
        }
    }

    /// The `faultVms` filter.
    pub fn fault(&self) -> Option<FaultVms> {
        self.fault_vms
    }

    /// The page, `(limit, offset)`.
    pub fn page_spec(&self) -> Option<(u8, u32)> {
        self.page
    }

    /// Checks the VRG's rules; the refusal names the parameter:
    /// `vmUuid` for an empty list or more than 100 VMs ("split it"), `limit` for a page
    /// with `vmUuid` or a limit outside 1-100, `faultVms` for `faultVms` with `vmUuid`.
    pub fn validate(&self) -> Result<(), VrgError> {
        if let Filter::Vms(vms) = &self.filter {
            if vms.is_empty() {
                return Err(VrgError::invalid(
                    "vmUuid",
                    "empty list; use StrategyQuery::all() for every VM",
                ));
            }
            if vms.len() > MAX_VMS {
                return Err(VrgError::invalid(
                    "vmUuid",
                    format!(
                        "{} VMs; the VRG answers at most {MAX_VMS} per query: split it \
                         (StrategyQuery::vms_chunked)",
                        vms.len()
                    ),
                ));
            }
            if self.page.is_some() {
                return Err(VrgError::invalid(
                    "limit",
                    "not allowed with vmUuid (the VRG takes vmUuid or limit/offset)",
                ));
            }
            if self.fault_vms.is_some() {
                return Err(VrgError::invalid(
                    "faultVms",
                    "not allowed with vmUuid (the VRG takes one of them)",
                ));
            }
        }
        if let Some((limit, _)) = self.page {
            check_limit(limit)?;
        }
        Ok(())
    }

    /// The query parameters in order: each `vmUuid` (repeated, in the order given), then
    /// `faultVms`, `limit`, `offset`. Values are not percent-encoded (the transport does
    /// it). Call [`StrategyQuery::validate`] first: this writes what the query holds.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Filter::Vms(vms) = &self.filter {
            pairs.extend(vms.iter().map(|vm| ("vmUuid", vm.as_str().to_owned())));
        }
        if let Some(f) = self.fault_vms {
            pairs.push(("faultVms", f.number().to_string()));
        }
        if let Some((limit, offset)) = self.page {
            pairs.push(("limit", limit.to_string()));
            pairs.push(("offset", offset.to_string()));
        }
        pairs
    }
}

impl Default for StrategyQuery {
    fn default() -> Self {
        StrategyQuery::all()
    }
}

fn check_limit(limit: u8) -> Result<(), VrgError> {
    if limit == 0 || limit > MAX_LIMIT {
        Err(VrgError::invalid(
            "limit",
            format!("{limit}; a page holds 1-{MAX_LIMIT} entries"),
        ))
    } else {
        Ok(())
    }
}

/// What to do after a page, as [`Pager::record`] tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStep {
    /// Keep this page's items and ask for [`Pager::next_page`].
    More,
    /// Keep this page's items; it was the last (short or empty).
    Last,
    /// Drop this page's items: it starts with the same VM as the page before, so the
    /// VRG ignored the offset and served that page again. Stop.
    Repeated,
}

/// The paging of a whole `GET /vmstrategy` listing, without the HTTP: it says which
/// `(limit, offset)` to ask for next and, told what each page held, when to stop.
///
/// The VRG gives no total. The listing ends with a page shorter than `limit` (or empty,
/// which is also what `10440308` "no VM" amounts to), or with a page whose first
/// `vmUuid` is the previous page's first (an offset the VRG did not honour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    limit: u8,
    offset: u32,
    previous_first: Option<String>,
    done: bool,
}

impl Pager {
    /// Pages of `limit` entries (1-100) from offset 0; a refusal names `limit`.
    pub fn new(limit: u8) -> Result<Pager, VrgError> {
        Pager::starting_at(limit, 0)
    }

    /// Pages of `limit` entries (1-100) from `offset`.
    pub fn starting_at(limit: u8, offset: u32) -> Result<Pager, VrgError> {
        check_limit(limit)?;
        Ok(Pager {
            limit,
            offset,
            previous_first: None,
            done: false,
        })
    }

    /// The next page to ask for, `(limit, offset)`; `None` once the listing ended.
    pub fn next_page(&self) -> Option<(u8, u32)> {
        (!self.done).then_some((self.limit, self.offset))
    }

    /// Whether the listing ended.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Tells the pager what the page it asked for held: `count` entries, the first with
    /// `first_vm_uuid` (when it had one). After the end, every call answers
    /// [`PageStep::Last`] and changes nothing.
    pub fn record(&mut self, count: usize, first_vm_uuid: Option<&str>) -> PageStep {
        if self.done {
            return PageStep::Last;
        }
        if count == 0 {
            self.done = true;
            return PageStep::Last;
        }
        if let (Some(first), Some(previous)) = (first_vm_uuid, self.previous_first.as_deref())
            && first == previous
        {
            self.done = true;
            return PageStep::Repeated;
        }
        let next = u32::try_from(count)
            .ok()
            .and_then(|c| self.offset.checked_add(c));
        match next {
            Some(next) if count >= usize::from(self.limit) => {
                self.offset = next;
                self.previous_first = first_vm_uuid.map(str::to_owned);
                PageStep::More
            }
            _ => {
                self.done = true;
                PageStep::Last
            }
        }
    }

    /// [`Pager::record`] for a decoded page.
    pub fn record_strategies(&mut self, page: &[VmStrategy]) -> PageStep {
        let first = page.first().and_then(|s| s.vm_uuid.as_deref());
        self.record(page.len(), first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(s: &str) -> VmUuid {
        VmUuid::new(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn field(q: &StrategyQuery) -> Option<String> {
        match q.validate().err()? {
            VrgError::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    #[test]
    fn rules() {
        assert_eq!(field(&StrategyQuery::all()), None);
        assert_eq!(field(&StrategyQuery::all().page(100, 0)), None);
        assert_eq!(field(&StrategyQuery::faulty().page(1, 7)), None);
        assert_eq!(
            field(&StrategyQuery::all().page(0, 0)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(&StrategyQuery::all().page(101, 0)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(&StrategyQuery::vm(vm("a")).page(10, 0)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(&StrategyQuery::vm(vm("a")).fault_vms(FaultVms::ALL)).as_deref(),
            Some("faultVms")
        );
        assert_eq!(field(&StrategyQuery::vms([])).as_deref(), Some("vmUuid"));
        let many: Vec<VmUuid> = (0..101).map(|i| vm(&format!("vm-{i}"))).collect();
        let q = StrategyQuery::vms(many.clone());
        assert_eq!(field(&q).as_deref(), Some("vmUuid"));
        assert!(
            q.validate()
                .err()
                .is_some_and(|e| e.to_string().contains("split it"))
        );
        let chunks = StrategyQuery::vms_chunked(many);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].vm_uuids().map(<[VmUuid]>::len), Some(100));
        assert_eq!(chunks[1].vm_uuids().map(<[VmUuid]>::len), Some(1));
        assert!(chunks.iter().all(|c| c.validate().is_ok()));
        assert!(StrategyQuery::vms_chunked([]).is_empty());
    }

    #[test]
    fn pairs_in_order() {
        assert!(StrategyQuery::all().query_pairs().is_empty());
        assert_eq!(
            StrategyQuery::all().page(100, 0).query_pairs(),
            vec![("limit", "100".to_owned()), ("offset", "0".to_owned())]
        );
        assert_eq!(
            StrategyQuery::faulty().query_pairs(),
            vec![("faultVms", "1".to_owned())]
        );
        assert_eq!(
            StrategyQuery::vms([vm("b"), vm("a"), vm("b")]).query_pairs(),
            vec![
                ("vmUuid", "b".to_owned()),
                ("vmUuid", "a".to_owned()),
                ("vmUuid", "b".to_owned())
            ]
        );
    }

    #[test]
    fn pager_stops() {
        assert!(Pager::new(0).is_err());
        assert!(Pager::new(101).is_err());
        let mut p = Pager::new(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.next_page(), Some((2, 0)));
        assert_eq!(p.record(2, Some("a")), PageStep::More);
        assert_eq!(p.next_page(), Some((2, 2)));
        assert_eq!(p.record(2, Some("c")), PageStep::More);
        // The server ignored the offset and served "c" first again.
        assert_eq!(p.record(2, Some("c")), PageStep::Repeated);
        assert_eq!(p.next_page(), None);
        assert_eq!(p.record(2, Some("x")), PageStep::Last);

        let mut p = Pager::new(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.record(0, None), PageStep::Last);
        assert!(p.is_done());

        let mut p = Pager::starting_at(100, u32::MAX - 50).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.record(100, Some("a")), PageStep::Last);

        // No vmUuid to compare: a full page still asks for more.
        let mut p = Pager::new(1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.record(1, None), PageStep::More);
        assert_eq!(p.record(1, None), PageStep::More);
        assert_eq!(p.next_page(), Some((1, 2)));
    }
}
