//! LDEVs (logical devices): list in pages or as a stream, get, create, delete, expand,
//! label.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use storkit_core::http::Method;
use storkit_core::{Error, Request};

use crate::decode::{lenient, lenient_number, lenient_text, lenient_vec, list_data};
use crate::error::HitachiError;
use crate::jobs::{AffectedResource, Change, Job};
use crate::session::Session;

/// An LDEV number, decimal as the API writes it (`ldevId`): `LdevId::from(347)`, or a
/// plain `347` wherever a call takes `impl Into<LdevId>`. Numbers above [`MAX_LDEV_ID`]
/// are refused before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LdevId(u32);

impl LdevId {
    /// The number.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The number after this one, unless this is [`MAX_LDEV_ID`].
    pub fn next(self) -> Option<LdevId> {
        (self < MAX_LDEV_ID).then_some(LdevId(self.0 + 1))
    }
}

impl From<u32> for LdevId {
    fn from(id: u32) -> Self {
        LdevId(id)
    }
}

impl From<LdevId> for u32 {
    fn from(id: LdevId) -> Self {
        id.0
    }
}

impl PartialEq<u32> for LdevId {
    fn eq(&self, other: &u32) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for LdevId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for LdevId {
    type Err = HitachiError;

    /// A decimal LDEV number, at most [`MAX_LDEV_ID`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let id = s
            .parse::<u32>()
            .map(LdevId)
            .map_err(|_| HitachiError::InvalidInput {
                what: "LDEV id",
                reason: format!("{s:?} is not a decimal number"),
            })?;
        check_ldev_id(id)?;
        Ok(id)
    }
}

/// The largest LDEV number (CU:LDEV is 16 bits; Cinder's `_MAX_LDEV_ID`).
pub const MAX_LDEV_ID: LdevId = LdevId(65535);

/// The largest `count` of one `GET ldevs` page (reference §14).
pub const MAX_PAGE: u32 = 16384;

/// The page size of [`Ldevs::stream`] when the query sets no `count`: large enough to
/// need few requests, small enough to keep each response modest (the server's own
/// default, 100, makes many round trips on big arrays; 16384 LDEVs is a response of
/// many megabytes).
pub const DEFAULT_STREAM_PAGE: u32 = 1000;

/// Which LDEVs a list returns (`ldevOption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LdevOption {
    /// Defined LDEVs only (`defined`).
    Defined,
    /// Free LDEV numbers only (`undefined`).
    Undefined,
    /// DP (thin) volumes only (`dpVolume`).
    DpVolume,
}

impl LdevOption {
    /// The value as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LdevOption::Defined => "defined",
            LdevOption::Undefined => "undefined",
            LdevOption::DpVolume => "dpVolume",
        }
    }
}

/// The query of `GET ldevs`. Unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LdevQuery {
    /// The first LDEV number (`headLdevId`).
    pub head_ldev_id: Option<LdevId>,
    /// How many LDEVs (`count`, 1-16384; the server's default is 100).
    pub count: Option<u32>,
    /// Defined, undefined or DP volumes (`ldevOption`).
    pub ldev_option: Option<LdevOption>,
    /// Only the LDEVs of this pool (`poolId`).
    pub pool_id: Option<u32>,
    /// Only the LDEVs of this resource group (`resourceGroupId`).
    pub resource_group_id: Option<u32>,
    /// Only the LDEVs of this journal (`journalId`).
    pub journal_id: Option<u32>,
}

impl LdevQuery {
    /// An empty query: the server's first page of 100.
    pub fn new() -> Self {
        LdevQuery::default()
    }

    /// Starts at this LDEV number.
    pub fn head(mut self, id: impl Into<LdevId>) -> Self {
        self.head_ldev_id = Some(id.into());
        self
    }

    /// Asks for this many LDEVs (1-16384).
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Defined LDEVs only, free numbers only, or DP volumes only.
    pub fn option(mut self, option: LdevOption) -> Self {
        self.ldev_option = Some(option);
        self
    }

    /// Only the LDEVs of a pool.
    pub fn pool(mut self, pool_id: u32) -> Self {
        self.pool_id = Some(pool_id);
        self
    }

    /// Only the LDEVs of a resource group.
    pub fn resource_group(mut self, id: u32) -> Self {
        self.resource_group_id = Some(id);
        self
    }

    /// Only the LDEVs of a journal.
    pub fn journal(mut self, id: u32) -> Self {
        self.journal_id = Some(id);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        if let Some(c) = self.count
            && !(1..=MAX_PAGE).contains(&c)
        {
            return Err(HitachiError::InvalidInput {
                what: "LDEV count",
                reason: format!("{c} is outside 1-{MAX_PAGE}"),
            });
        }
        if let Some(h) = self.head_ldev_id {
            check_ldev_id(h)?;
        }
        Ok(())
    }

    fn apply(&self, request: Request) -> Request {
        let pairs = [
            ("headLdevId", self.head_ldev_id.map(|v| v.to_string())),
            ("count", self.count.map(|v| v.to_string())),
            (
                "ldevOption",
                self.ldev_option.map(|v| v.as_str().to_owned()),
            ),
            ("poolId", self.pool_id.map(|v| v.to_string())),
            (
                "resourceGroupId",
                self.resource_group_id.map(|v| v.to_string()),
            ),
            ("journalId", self.journal_id.map(|v| v.to_string())),
        ];
        pairs
            .into_iter()
            .fold(request, |r, (key, value)| match value {
                Some(v) => r.query(key, &v),
                None => r,
            })
    }
}

/// A host path of an LDEV (an entry of `ports`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LdevPort {
    /// The port, e.g. `CL1-A`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub port_id: Option<String>,
    /// The host group number.
    #[serde(default, deserialize_with = "lenient_number")]
    pub host_group_number: Option<u32>,
    /// The host group name.
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_group_name: Option<String>,
    /// The LUN.
    #[serde(default, deserialize_with = "lenient_number")]
    pub lun: Option<u32>,
}

/// An LDEV as `GET ldevs[/{id}]` reports it. Only the id is required: the server sends
/// fewer fields for undefined LDEVs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Ldev {
    /// The LDEV number.
    pub ldev_id: LdevId,
    /// e.g. `OPEN-V-CVS`; `NOT DEFINED` for a free number.
    #[serde(default, deserialize_with = "lenient_text")]
    pub emulation_type: Option<String>,
    /// Size in 512-byte blocks.
    #[serde(default, deserialize_with = "lenient_number")]
    pub block_capacity: Option<u64>,
    /// Size as text, e.g. `10.00 G`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub byte_format_capacity: Option<String>,
    /// Attributes, e.g. `CVS`, `HDP`, `DRS`.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub attributes: Vec<String>,
    /// e.g. `NML` (normal), `BLK`, `BSY`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub status: Option<String>,
    /// The pool of a DP volume.
    #[serde(default, deserialize_with = "lenient_number")]
    pub pool_id: Option<u32>,
    /// The label (LDEV name).
    #[serde(default, deserialize_with = "lenient_text")]
    pub label: Option<String>,
    /// e.g. `disabled`, `compression`, `compression_deduplication`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub data_reduction_mode: Option<String>,
    /// e.g. `DISABLED`, `ENABLED`, `FAILED`.
    #[serde(default, deserialize_with = "lenient_text")]
    pub data_reduction_status: Option<String>,
    /// The parent LDEV (data-reduction shared volumes).
    #[serde(default, deserialize_with = "lenient_number")]
    pub parent_ldev_id: Option<LdevId>,
    /// Host paths.
    #[serde(default, deserialize_with = "lenient_vec")]
    pub ports: Vec<LdevPort>,
    /// Number of host paths.
    #[serde(default, deserialize_with = "lenient_number")]
    pub num_of_ports: Option<u32>,
    /// The NAA id (the SCSI device identifier).
    #[serde(default, deserialize_with = "lenient_text")]
    pub naa_id: Option<String>,
    /// The resource group.
    #[serde(default, deserialize_with = "lenient_number")]
    pub resource_group_id: Option<u32>,
    /// Blocks used (DP volumes).
    #[serde(default, deserialize_with = "lenient_number")]
    pub num_of_used_block: Option<u64>,
    /// The virtual LDEV number (global-active device, virtual storage machines).
    #[serde(default, deserialize_with = "lenient_number")]
    pub virtual_ldev_id: Option<u32>,
    /// Whether ALUA is enabled.
    #[serde(default, deserialize_with = "lenient")]
    pub is_alua_enabled: Option<bool>,
}

impl Ldev {
    /// True when the number holds a volume (its emulation type is known and not
    /// `NOT DEFINED`).
    pub fn is_defined(&self) -> bool {
        self.emulation_type
            .as_deref()
            .is_some_and(|e| e != "NOT DEFINED")
    }
}

/// How an LDEV's data is reduced (`dataReductionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataReductionMode {
    /// `compression`.
    Compression,
    /// `compression_deduplication`.
    CompressionDeduplication,
    /// `disabled`.
    Disabled,
}

/// The body of `POST ldevs`. Give a pool (DP volume) or a parity group, and one size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateLdev {
    /// The LDEV number to use; without it the server picks a free one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ldev_id: Option<LdevId>,
    /// The pool of a DP volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<u32>,
    /// The parity group of a basic volume, e.g. `1-1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parity_group_id: Option<String>,
    /// Size as text: digits, optional decimals, then `M`, `G` or `T` (e.g. `10G`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_format_capacity: Option<String>,
    /// Size in 512-byte blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_capacity: Option<u64>,
    /// With `end_ldev_id`: the range the server picks a free number from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_ldev_id: Option<LdevId>,
    /// End of the range (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_ldev_id: Option<LdevId>,
    /// Lets the server create several LDEVs at once (Cinder sends `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_parallel_execution_enabled: Option<bool>,
    /// Compression / deduplication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_reduction_mode: Option<DataReductionMode>,
    /// Creates a data-reduction shared volume (for Thin Image Advanced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_data_reduction_shared_volume_enabled: Option<bool>,
}

impl CreateLdev {
    /// A DP volume of `capacity` (e.g. `10G`) in a pool: Cinder's request.
    pub fn dp(pool_id: u32, capacity: &str) -> Self {
        CreateLdev {
            ldev_id: None,
            pool_id: Some(pool_id),
            parity_group_id: None,
            byte_format_capacity: Some(capacity.to_owned()),
            block_capacity: None,
            start_ldev_id: None,
            end_ldev_id: None,
            is_parallel_execution_enabled: None,
            data_reduction_mode: None,
            is_data_reduction_shared_volume_enabled: None,
        }
    }

    /// A DP volume of `blocks` 512-byte blocks in a pool.
    pub fn dp_blocks(pool_id: u32, blocks: u64) -> Self {
        CreateLdev {
            byte_format_capacity: None,
            block_capacity: Some(blocks),
            ..CreateLdev::dp(pool_id, "")
        }
    }

    /// A basic (non-DP) volume of `capacity` in a parity group, e.g. `1-1`.
    pub fn basic(parity_group: &str, capacity: &str) -> Self {
        CreateLdev {
            pool_id: None,
            parity_group_id: Some(parity_group.to_owned()),
            ..CreateLdev::dp(0, capacity)
        }
    }

    /// Uses this LDEV number.
    pub fn ldev_id(mut self, id: impl Into<LdevId>) -> Self {
        self.ldev_id = Some(id.into());
        self
    }

    /// Lets the server pick a free number in `start..=end`.
    pub fn in_range(mut self, start: impl Into<LdevId>, end: impl Into<LdevId>) -> Self {
        self.start_ldev_id = Some(start.into());
        self.end_ldev_id = Some(end.into());
        self
    }

    /// Sets `isParallelExecutionEnabled`.
    pub fn parallel(mut self, yes: bool) -> Self {
        self.is_parallel_execution_enabled = Some(yes);
        self
    }

    /// Sets the data reduction mode.
    pub fn data_reduction(mut self, mode: DataReductionMode) -> Self {
        self.data_reduction_mode = Some(mode);
        self
    }

    /// Sets `isDataReductionSharedVolumeEnabled`.
    pub fn shared_volume(mut self, yes: bool) -> Self {
        self.is_data_reduction_shared_volume_enabled = Some(yes);
        self
    }

    /// Checks what the server would reject, before sending.
    pub fn validate(&self) -> Result<(), HitachiError> {
        let invalid = |reason: &str| HitachiError::InvalidInput {
            what: "LDEV creation",
            reason: reason.to_owned(),
        };
        match (self.pool_id, &self.parity_group_id) {
            (Some(_), Some(_)) => return Err(invalid("give a pool or a parity group, not both")),
            (None, None) => return Err(invalid("give a pool or a parity group")),
            (None, Some(pg)) if pg.is_empty() || pg.contains(['/', ',', '?', '#', '%']) => {
                return Err(invalid("the parity group id is malformed"));
            }
            _ => {}
        }
        match (&self.byte_format_capacity, self.block_capacity) {
            (Some(_), Some(_)) => {
                return Err(invalid("give the size in bytes or in blocks, not both"));
            }
            (None, None) => return Err(invalid("give a size")),
            (Some(c), None) => check_capacity(c)?,
            (None, Some(0)) => return Err(invalid("the size must not be zero")),
            (None, Some(_)) => {}
        }
        if let Some(id) = self.ldev_id {
            check_ldev_id(id)?;
            if self.start_ldev_id.is_some() || self.end_ldev_id.is_some() {
                return Err(invalid("give an LDEV number or a range, not both"));
            }
        }
        match (self.start_ldev_id, self.end_ldev_id) {
            (Some(s), Some(e)) => {
                check_ldev_id(s)?;
                check_ldev_id(e)?;
                if s > e {
                    return Err(invalid("the range's start is after its end"));
                }
            }
            (None, None) => {}
            _ => return Err(invalid("a range needs both a start and an end")),
        }
        Ok(())
    }
}

/// The parameters of the `expand` action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExpandLdev {
    /// How much to add, e.g. `5G`.
    pub additional_byte_format_capacity: String,
    /// Expands a data-reduction volume in place (Cinder sends `true` for DRS volumes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enhanced_expansion: Option<bool>,
}

impl ExpandLdev {
    /// Adds `additional` (e.g. `5G`).
    pub fn by(additional: &str) -> Self {
        ExpandLdev {
            additional_byte_format_capacity: additional.to_owned(),
            enhanced_expansion: None,
        }
    }

    /// Sets `enhancedExpansion`.
    pub fn enhanced(mut self, yes: bool) -> Self {
        self.enhanced_expansion = Some(yes);
        self
    }

    /// The action body, `{"parameters": {...}}`.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "parameters": self })
    }
}

/// Checks a capacity string: digits, optional decimals, then `M`, `G` or `T`, and not zero.
pub fn check_capacity(capacity: &str) -> Result<(), HitachiError> {
    let fail = || {
        Err(HitachiError::InvalidInput {
            what: "capacity",
            reason: format!("{capacity:?} is not a size like 10G, 1.5T or 512M"),
        })
    };
    let Some(number) = capacity.strip_suffix(['M', 'G', 'T']) else {
        return fail();
    };
    let (whole, decimals) = match number.split_once('.') {
        Some((w, d)) => (w, Some(d)),
        None => (number, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || decimals.is_some_and(|d| !digits(d)) {
        return fail();
    }
    if number.bytes().all(|b| b == b'0' || b == b'.') {
        return Err(HitachiError::InvalidInput {
            what: "capacity",
            reason: format!("{capacity:?} is zero"),
        });
    }
    Ok(())
}

/// Checks an LDEV number against [`MAX_LDEV_ID`].
pub(crate) fn check_ldev_id(id: LdevId) -> Result<(), HitachiError> {
    if id > MAX_LDEV_ID {
        return Err(HitachiError::InvalidInput {
            what: "LDEV id",
            reason: format!("{id} is above {MAX_LDEV_ID}"),
        });
    }
    Ok(())
}

/// Checks a label: at most 32 characters (the storage system's LDEV name limit), no
/// control characters.
fn check_label(label: &str) -> Result<(), HitachiError> {
    if label.chars().count() > 32 {
        return Err(HitachiError::InvalidInput {
            what: "LDEV label",
            reason: format!("{label:?} is longer than 32 characters"),
        });
    }
    if label.chars().any(char::is_control) {
        return Err(HitachiError::InvalidInput {
            what: "LDEV label",
            reason: format!("{label:?} contains a control character"),
        });
    }
    Ok(())
}

/// LDEVs of a session's storage system (`ldevs`).
#[derive(Debug, Clone, Copy)]
pub struct Ldevs<'a> {
    session: &'a Session,
}

impl Session {
    /// LDEVs (logical devices).
    pub fn ldevs(&self) -> Ldevs<'_> {
        Ldevs { session: self }
    }
}

impl<'a> Ldevs<'a> {
    fn path(&self, rest: &str) -> String {
        self.session.client().object_path(&format!("/ldevs{rest}"))
    }

    /// One page: `GET ldevs` with the query as given (the server returns 100 LDEVs from 0
    /// when neither `headLdevId` nor `count` is set).
    pub async fn list_page(&self, query: &LdevQuery) -> Result<Vec<Ldev>, Error> {
        query.validate()?;
        list_data(self.session, query.apply(Request::get(self.path("")))).await
    }

    /// Every LDEV the query matches, from its `head_ldev_id` on, page by page: each page
    /// starts after the highest number of the previous one, and a page shorter than the
    /// page size (the query's `count`, default [`DEFAULT_STREAM_PAGE`]) is the last.
    ///
    /// A failed page ends the stream with its error.
    pub fn stream(
        &self,
        query: LdevQuery,
    ) -> impl Stream<Item = Result<Ldev, Error>> + Send + Unpin + 'a {
        let page_size = query.count.unwrap_or(DEFAULT_STREAM_PAGE);
        LdevPages {
            ldevs: *self,
            query: query.count(page_size),
            page_size,
            buffer: Vec::new().into_iter(),
            pending: None,
            error: None,
            done: false,
        }
    }

    /// One LDEV.
    pub async fn get(&self, id: impl Into<LdevId>) -> Result<Ldev, Error> {
        let id = id.into();
        check_ldev_id(id)?;
        self.session.get_json(&self.path(&format!("/{id}"))).await
    }

    /// Creates an LDEV; the change's result is the job.
    pub fn create_job(&self, spec: &CreateLdev) -> Change<Job> {
        Change::checked(
            self.session,
            spec.validate(),
            Method::POST,
            self.path(""),
            Some(spec),
        )
    }

    /// Creates an LDEV; the change's result is its number, as the job's
    /// `affectedResources` names it ([`HitachiError::NoAffectedResource`] when it names
    /// none, even when the spec asked for a number: the job is the only witness).
    pub fn create(&self, spec: &CreateLdev) -> Change<LdevId> {
        self.create_job(spec).created("LDEV", |r| match r {
            AffectedResource::Ldev(id) => Some(id),
            _ => None,
        })
    }

    /// Deletes an LDEV.
    pub fn delete(&self, id: impl Into<LdevId>) -> Change<Job> {
        let id = id.into();
        Change::checked::<()>(
            self.session,
            check_ldev_id(id),
            Method::DELETE,
            self.path(&format!("/{id}")),
            None,
        )
    }

    /// Deletes a data-reduction LDEV whose reduced data would otherwise block the delete
    /// (`{"isDataReductionDeleteForceExecute": true}`, as Cinder does).
    pub fn force_delete(&self, id: impl Into<LdevId>) -> Change<Job> {
        let id = id.into();
        Change::build(self.session, || {
            check_ldev_id(id)?;
            let body = serde_json::json!({ "isDataReductionDeleteForceExecute": true });
            Ok(Change::json(
                self.session,
                Method::DELETE,
                self.path(&format!("/{id}")),
                Some(&body),
            ))
        })
    }

    /// Sets the label (`PUT ldevs/{id}` with `{"label": ...}`; up to 32 characters, empty
    /// to clear).
    pub fn set_label(&self, id: impl Into<LdevId>, label: &str) -> Change<Job> {
        let id = id.into();
        Change::build(self.session, || {
            check_ldev_id(id)?;
            check_label(label)?;
            let body = serde_json::json!({ "label": label });
            Ok(Change::json(
                self.session,
                Method::PUT,
                self.path(&format!("/{id}")),
                Some(&body),
            ))
        })
    }

    /// Adds `additional` (e.g. `5G`) to an LDEV.
    pub fn expand(&self, id: impl Into<LdevId>, additional: &str) -> Change<Job> {
        self.expand_with(id, &ExpandLdev::by(additional))
    }

    /// Expands an LDEV: `POST ldevs/{id}/actions/expand/invoke` with
    /// `{"parameters": {"additionalByteFormatCapacity": ...}}`. The template is not
    /// fetched first: its parameters are documented, and Cinder sends them directly.
    pub fn expand_with(&self, id: impl Into<LdevId>, spec: &ExpandLdev) -> Change<Job> {
        let id = id.into();
        Change::build(self.session, || {
            check_ldev_id(id)?;
            check_capacity(&spec.additional_byte_format_capacity)?;
            let path = self.path(&format!("/{id}/actions/expand/invoke"));
            Ok(Change::json(
                self.session,
                Method::POST,
                path,
                Some(&spec.to_body()),
            ))
        })
    }
}

type PageFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Ldev>, Error>> + Send + 'a>>;

/// The stream behind [`Ldevs::stream`]: one page request at a time, its LDEVs handed out
/// one by one.
struct LdevPages<'a> {
    ldevs: Ldevs<'a>,
    /// The next page's query (its head moves on after each page).
    query: LdevQuery,
    page_size: u32,
    buffer: std::vec::IntoIter<Ldev>,
    pending: Option<PageFuture<'a>>,
    /// An error to hand out once the buffer is empty.
    error: Option<Error>,
    done: bool,
}

/// Where the page after `page` starts: `None` when `page` was the last one.
fn next_head(head: LdevId, page_size: u32, page: &[Ldev]) -> Result<Option<LdevId>, HitachiError> {
    let Some(last) = page.iter().map(|l| l.ldev_id).max() else {
        return Ok(None);
    };
    if last < head {
        // Following the server would walk backwards, or forever.
        return Err(HitachiError::Unexpected {
            what: format!("asked for LDEVs from {head}, got none above {last}"),
        });
    }
    if page.len() < page_size as usize {
        return Ok(None);
    }
    Ok(last.next())
}

impl Stream for LdevPages<'_> {
    type Item = Result<Ldev, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is Unpin (the page future is boxed), so the stream is too.
        let this = self.get_mut();
        loop {
            if let Some(ldev) = this.buffer.next() {
                return Poll::Ready(Some(Ok(ldev)));
            }
            if let Some(e) = this.error.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let pending = this.pending.get_or_insert_with(|| {
                let ldevs = this.ldevs;
                let query = this.query.clone();
                Box::pin(async move { ldevs.list_page(&query).await })
            });
            let page = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(page) => page,
            };
            this.pending = None;
            match page {
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Ok(page) => {
                    let head = this.query.head_ldev_id.unwrap_or(LdevId(0));
                    match next_head(head, this.page_size, &page) {
                        Ok(Some(next)) => this.query.head_ldev_id = Some(next),
                        Ok(None) => this.done = true,
                        Err(e) => {
                            this.done = true;
                            this.error = Some(e.into());
                        }
                    }
                    this.buffer = page.into_iter();
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffer.len(), None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing;
    use proptest::prelude::*;

    fn ldev(id: u32) -> Ldev {
        serde_json::from_value(serde_json::json!({ "ldevId": id })).unwrap()
    }

    #[test]
    fn create_bodies() {
        let spec = CreateLdev::dp(0, "10G").parallel(true);
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"poolId":0,"byteFormatCapacity":"10G","isParallelExecutionEnabled":true})
        );
        spec.validate().unwrap();
        let spec = CreateLdev::dp_blocks(3, 2_097_152)
            .ldev_id(40962)
            .data_reduction(DataReductionMode::CompressionDeduplication)
            .shared_volume(true);
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"ldevId":40962,"poolId":3,"blockCapacity":2_097_152,"dataReductionMode":"compression_deduplication","isDataReductionSharedVolumeEnabled":true})
        );
        spec.validate().unwrap();
        let spec = CreateLdev::dp(1, "1.5T").in_range(100, 200);
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"poolId":1,"byteFormatCapacity":"1.5T","startLdevId":100,"endLdevId":200})
        );
        spec.validate().unwrap();
    }

    #[test]
    fn create_validation() {
        let ok = CreateLdev::dp(0, "10G");
        for bad in [
            "10", "G", "10g", "10GB", "1.G", ".5G", "1,5G", "0G", "0.0T", " 10G", "-1G", "",
        ] {
            assert!(CreateLdev::dp(0, bad).validate().is_err(), "{bad}");
        }
        for good in ["1M", "10G", "1.5T", "0.5G", "100000M"] {
            CreateLdev::dp(0, good).validate().unwrap();
        }
        assert!(
            CreateLdev {
                block_capacity: Some(5),
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            CreateLdev {
                byte_format_capacity: None,
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(CreateLdev::dp_blocks(0, 0).validate().is_err());
        assert!(
            CreateLdev {
                pool_id: None,
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            CreateLdev {
                parity_group_id: Some("1-1".into()),
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        CreateLdev::basic("1-1", "10G").validate().unwrap();
        assert_eq!(
            serde_json::to_value(CreateLdev::basic("1-1", "10G")).unwrap(),
            serde_json::json!({"parityGroupId":"1-1","byteFormatCapacity":"10G"})
        );
        assert!(CreateLdev::basic("1,1", "10G").validate().is_err());
        assert!(ok.clone().ldev_id(65536).validate().is_err());
        assert!(ok.clone().ldev_id(5).in_range(1, 9).validate().is_err());
        assert!(ok.clone().in_range(9, 1).validate().is_err());
        assert!(
            CreateLdev {
                start_ldev_id: Some(1.into()),
                ..ok
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn expand_body() {
        assert_eq!(
            ExpandLdev::by("5G").to_body(),
            serde_json::json!({"parameters":{"additionalByteFormatCapacity":"5G"}})
        );
        assert_eq!(
            ExpandLdev::by("5G").enhanced(true).to_body(),
            serde_json::json!({"parameters":{"additionalByteFormatCapacity":"5G","enhancedExpansion":true}})
        );
    }

    #[test]
    fn query_strings() {
        let r = LdevQuery::new()
            .head(100)
            .count(16384)
            .option(LdevOption::DpVolume)
            .pool(2)
            .resource_group(0)
            .apply(Request::get("/x"));
        assert_eq!(
            r.query_string(),
            "headLdevId=100&count=16384&ldevOption=dpVolume&poolId=2&resourceGroupId=0"
        );
        assert_eq!(
            LdevQuery::new().apply(Request::get("/x")).query_string(),
            ""
        );
        assert!(LdevQuery::new().count(0).validate().is_err());
        assert!(LdevQuery::new().count(16385).validate().is_err());
        assert!(LdevQuery::new().head(65536).validate().is_err());
        LdevQuery::new().count(1).head(65535).validate().unwrap();
    }

    #[test]
    fn reference_ldev_decodes() {
        let l: Ldev = serde_json::from_str(r#"{"ldevId":347,"emulationType":"OPEN-V-CVS","blockCapacity":2097152,"byteFormatCapacity":"1.00 G","attributes":["CVS","HDP"],"status":"NML","poolId":0,"label":"vol","dataReductionMode":"disabled","ports":[{"portId":"CL1-A","hostGroupNumber":5,"hostGroupName":"hg","lun":3}],"numOfPorts":1,"naaId":"60060e80123456000000000000000001"}"#).unwrap();
        assert!(l.is_defined());
        assert_eq!(l.block_capacity, Some(2_097_152));
        assert_eq!(l.attributes, ["CVS", "HDP"]);
        assert_eq!(l.ports[0].lun, Some(3));
        assert_eq!(l.ports[0].port_id.as_deref(), Some("CL1-A"));
        let free: Ldev = serde_json::from_str(
            r#"{"ldevId":5,"emulationType":"NOT DEFINED","attributes":null,"ports":"x"}"#,
        )
        .unwrap();
        assert!(!free.is_defined() && free.attributes.is_empty() && free.ports.is_empty());
        assert!(serde_json::from_str::<Ldev>(r#"{"emulationType":"OPEN-V"}"#).is_err());
    }

    #[test]
    fn paging_rule() {
        let page: Vec<Ldev> = (0..3).map(ldev).collect();
        assert_eq!(next_head(0.into(), 3, &page).unwrap(), Some(3.into()));
        assert_eq!(next_head(0.into(), 4, &page).unwrap(), None);
        assert_eq!(next_head(0.into(), 3, &[]).unwrap(), None);
        let sparse = vec![ldev(10), ldev(500), ldev(20)];
        assert_eq!(next_head(5.into(), 3, &sparse).unwrap(), Some(501.into()));
        assert!(next_head(600.into(), 3, &sparse).is_err());
        let top = vec![ldev(65534), ldev(65535)];
        assert_eq!(next_head(65534.into(), 2, &top).unwrap(), None);
    }

    fn next<S: Stream + Unpin>(s: &mut S) -> impl Future<Output = Option<S::Item>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *s).poll_next(cx))
    }

    #[tokio::test]
    async fn stream_walks_pages_until_a_short_one() {
        // 7 defined LDEVs with gaps; pages of 3 starting at headLdevId.
        const IDS: [u32; 7] = [1, 2, 5, 9, 10, 11, 40];
        let fake = testing::Fake::start([127, 0, 0, 202], |seen| {
            let mut head = 0;
            let mut count = 100;
            for kv in seen.query.split('&') {
                match kv.split_once('=') {
                    Some(("headLdevId", v)) => head = v.parse().unwrap(),
                    Some(("count", v)) => count = v.parse().unwrap(),
                    _ => {}
                }
            }
            let data: Vec<_> = IDS
                .iter()
                .filter(|&&i| i >= head)
                .take(count)
                .map(|i| serde_json::json!({"ldevId": i, "emulationType": "OPEN-V-CVS"}))
                .collect();
            Some((200, serde_json::json!({ "data": data })))
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let ldevs = session.ldevs();
        let mut stream = ldevs.stream(LdevQuery::new().count(3).option(LdevOption::Defined));
        let mut got = Vec::new();
        while let Some(l) = next(&mut stream).await {
            got.push(l.unwrap().ldev_id);
        }
        assert_eq!(got, IDS);
        let queries: Vec<String> = fake.requests().into_iter().map(|s| s.query).collect();
        assert_eq!(
            queries,
            [
                "count=3&ldevOption=defined",
                "headLdevId=6&count=3&ldevOption=defined",
                "headLdevId=12&count=3&ldevOption=defined",
            ]
        );
        assert!(
            fake.requests()
                .iter()
                .all(|s| s.path == "/ConfigurationManager/v1/objects/storages/886000410000/ldevs")
        );

        // A bad query fails before anything is sent, as the stream's only item.
        let before = fake.requests().len();
        let mut bad = ldevs.stream(LdevQuery::new().count(0));
        assert!(next(&mut bad).await.unwrap().is_err());
        assert!(next(&mut bad).await.is_none());
        assert_eq!(fake.requests().len(), before);
        session.close().await.unwrap();
    }

    #[tokio::test]
    async fn create_returns_the_new_id_and_label_uses_put() {
        let fake = testing::Fake::start([127, 0, 0, 203], |seen| match seen.method.as_str() {
            "POST" if seen.path.ends_with("/ldevs") => Some((202, testing::job("/ldevs/40962"))),
            "PUT" | "DELETE" => Some((202, testing::job("/ldevs/40962"))),
            "POST" if seen.path.ends_with("/actions/expand/invoke") => {
                Some((202, testing::job("/ldevs/40962")))
            }
            _ => None,
        })
        .await;
        let client = fake.client().await;
        let session = client.open_session().await.unwrap();
        let ldevs = session.ldevs();
        assert_eq!(
            ldevs.create(&CreateLdev::dp(0, "10G")).await.unwrap(),
            40962
        );
        ldevs.set_label(40962, "vol-1").await.unwrap();
        ldevs.expand(40962, "5G").await.unwrap();
        ldevs.delete(40962).await.unwrap();
        assert!(ldevs.expand(40962, "5GB").await.is_err());
        assert!(ldevs.set_label(40962, &"x".repeat(33)).await.is_err());
        let seen: Vec<(String, String)> = fake
            .requests()
            .into_iter()
            .map(|s| (s.method, testing::rel(&s.path).to_owned()))
            .collect();
        let expected = [
            ("POST", "/ldevs"),
            ("PUT", "/ldevs/40962"),
            ("POST", "/ldevs/40962/actions/expand/invoke"),
            ("DELETE", "/ldevs/40962"),
        ];
        assert_eq!(seen.len(), expected.len());
        for ((m, p), (em, ep)) in seen.iter().zip(expected) {
            assert_eq!((m.as_str(), p.as_str()), (em, ep));
        }
        assert!(fake.requests().iter().all(|s| {
            s.headers
                .get("response-job-status")
                .is_some_and(|v| v == "Completed")
        }));
        session.close().await.unwrap();
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in testing::arb_json(&[
            "ldevId", "emulationType", "blockCapacity", "attributes", "ports", "portId",
            "hostGroupNumber", "lun", "poolId", "label", "numOfPorts",
        ])) {
            if let Ok(l) = serde_json::from_value::<Ldev>(v) {
                let _ = l.is_defined();
            }
        }

        #[test]
        fn capacity_check_never_panics(s in ".{0,12}") {
            let _ = check_capacity(&s);
        }

        #[test]
        fn capacities_in_the_documented_form_pass(whole in 1u32..100_000, dec in proptest::option::of(0u32..1000), unit in prop::sample::select(&['M', 'G', 'T'])) {
            let s = match dec { Some(d) => format!("{whole}.{d}{unit}"), None => format!("{whole}{unit}") };
            prop_assert!(check_capacity(&s).is_ok(), "{}", s);
        }

        #[test]
        fn paging_always_moves_forward(head in 0u32..70_000, ids in prop::collection::vec(0u32..70_000, 0..20), size in 1u32..25) {
            let page: Vec<Ldev> = ids.iter().map(|&i| ldev(i)).collect();
            if let Ok(Some(next)) = next_head(head.into(), size, &page) {
                prop_assert!(next.get() > head);
                prop_assert!(next <= MAX_LDEV_ID);
            }
        }
    }
}
