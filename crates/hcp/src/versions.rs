//! Object versions, conditional reads, the annotation list and whole-object I/O
//! (reference §9.3–§9.4).
//!
//! - **Versions** (namespaces with versioning on): [`HcpClient::versions`] and
//!   [`HcpClient::version_list`] (`?version=list`, delete markers with `deleted=true`),
//!   [`HcpClient::get_version`] and [`HcpClient::head_version`] (`?version=<id>`). A PUT
//!   onto an existing object stores a new version there, and its
//!   [`PutResult::version_id`](crate::PutResult::version_id) names it; a DELETE keeps the
//!   old versions; [`DeleteOptions::purge`](crate::DeleteOptions::purge) removes them all.
//!   Without versioning the listing is an error (`400` in the mock; INFERRED). Declare
//!   a versioned namespace ([`HcpClientBuilder::versioned`](crate::HcpClientBuilder::versioned)):
//!   its PUTs are then never resent, since a resend would store a second version.
//! - **Conditional reads** ([`HcpClient::get_if`], [`Conditions`]): `If-Match`,
//!   `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`; `304` and `412` are
//!   answers ([`ConditionalRead`]), not errors.
//! - **The annotation list** ([`HcpClient::custom_metadata_info`],
//!   `type=custom-metadata-info`): name, hash, change time, size and content type of each
//!   annotation.
//! - **Whole objects** ([`HcpClient::get_whole_object`], [`HcpClient::put_whole_object`],
//!   `type=whole-object`): the data and one annotation in one request, split by
//!   `X-HCP-Size`, each checked against its hash.
//!
//! ```no_run
//! # async fn demo(hcp: storkit_hcp::HcpClient) -> Result<(), storkit_hcp::Error> {
//! use storkit_hcp::{Conditions, ConditionalRead, GetOptions};
//!
//! let versions = hcp.versions("/rest/docs/report.txt").await?;
//! if let Some(first) = versions.first() {
//!     let old = hcp
//!         .get_version("/rest/docs/report.txt", first.id, &GetOptions::default())
//!         .await?
//!         .bytes()
//!         .await?;
//!     println!("version {} had {} bytes", first.id, old.len());
//! }
//! let etag = "68791e1b03badd5e4eb9287660f67745";
//! match hcp
//!     .get_if("/rest/docs/report.txt", &Conditions::new().if_none_match(etag))
//!     .await?
//! {
//!     ConditionalRead::NotModified { .. } => println!("my copy is current"),
//!     ConditionalRead::Read(reader) => println!("changed: {} bytes", reader.bytes().await?.len()),
//!     ConditionalRead::PreconditionFailed => println!("only If-Match can fail"),
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use storkit_core::http::{HeaderMap, Method, StatusCode};
use storkit_core::{Body, Error, Request, Response};

use crate::client::{HcpClient, Served, object_path, status_error, streaming_status_error};
use crate::error::HcpError;
use crate::hashing::{is_sha256, same_hash, sha256_of};
use crate::metadata::ObjectMetadata;
use crate::objects::{
    GetOptions, ObjectHead, ObjectReader, PutOptions, PutResult, conflict_may_be_ours,
};
use crate::replica::Access;
use crate::xml::annotations::{AnnotationDetails, decode_annotations};
use crate::xml::versions::{ObjectVersion, VersionId, VersionList, decode_versions};

/// What a conditional read asks (RFC 9110 §13): each condition is sent as its header, and
/// HCP evaluates them in the RFC's order. ETags may be given with or without their quotes
/// (`68791e…` or `"68791e…"`); `*` means any.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conditions {
    /// `If-Match`: read only if the object's ETag is one of these (else `412`).
    pub if_match: Vec<String>,
    /// `If-None-Match`: read only if the ETag is none of these (else `304`).
    pub if_none_match: Vec<String>,
    /// `If-Modified-Since`: read only if changed after this time (else `304`).
    pub if_modified_since: Option<SystemTime>,
    /// `If-Unmodified-Since`: read only if not changed after this time (else `412`).
    pub if_unmodified_since: Option<SystemTime>,
    /// Read this version rather than the current one (`?version=<id>`).
    pub version: Option<VersionId>,
    /// Verify the data against `X-HCP-Hash` while reading, as [`GetOptions`] does
    /// (default true).
    pub verify: bool,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            if_match: Vec::new(),
            if_none_match: Vec::new(),
            if_modified_since: None,
            if_unmodified_since: None,
            version: None,
            verify: true,
        }
    }
}

impl Conditions {
    /// No condition yet (a plain, verified read).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an ETag to `If-Match`.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match.push(etag.into());
        self
    }

    /// Adds an ETag to `If-None-Match`.
    pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.if_none_match.push(etag.into());
        self
    }

    /// Sets `If-Modified-Since` (sent with one-second precision).
    pub fn if_modified_since(mut self, time: SystemTime) -> Self {
        self.if_modified_since = Some(time);
        self
    }

    /// Sets `If-Unmodified-Since` (sent with one-second precision).
    pub fn if_unmodified_since(mut self, time: SystemTime) -> Self {
        self.if_unmodified_since = Some(time);
        self
    }

    /// Reads version `id` instead of the current one.
    pub fn version(mut self, id: VersionId) -> Self {
        self.version = Some(id);
        self
    }

    /// Turns hash verification on or off.
    pub fn verify(mut self, yes: bool) -> Self {
        self.verify = yes;
        self
    }

    /// The request with these conditions as headers.
    fn apply(&self, mut r: Request) -> Request {
        if let Some(id) = self.version {
            r = r.query("version", &id.to_string());
        }
        if !self.if_match.is_empty() {
            r = r.header("if-match", etag_list(&self.if_match));
        }
        if !self.if_none_match.is_empty() {
            r = r.header("if-none-match", etag_list(&self.if_none_match));
        }
        if let Some(t) = self.if_modified_since {
            r = r.header("if-modified-since", http_date(t));
        }
        if let Some(t) = self.if_unmodified_since {
            r = r.header("if-unmodified-since", http_date(t));
        }
        r
    }
}

/// The answer to a conditional read.
pub enum ConditionalRead {
    /// `200`: the conditions hold; the object (or version), to read (boxed: a reader is
    /// large beside the other answers).
    Read(Box<ObjectReader>),
    /// `304 Not Modified`: `If-None-Match` or `If-Modified-Since` says the caller's copy
    /// is current.
    NotModified {
        /// The current ETag, with its quotes, when HCP sent it.
        etag: Option<String>,
        /// `Last-Modified`, when HCP sent it.
        last_modified: Option<String>,
    },
    /// `412 Precondition Failed`: `If-Match` or `If-Unmodified-Since` does not hold.
    PreconditionFailed,
}

impl fmt::Debug for ConditionalRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionalRead::Read(r) => f.debug_tuple("Read").field(r).finish(),
            ConditionalRead::NotModified {
                etag,
                last_modified,
            } => f
                .debug_struct("NotModified")
                .field("etag", etag)
                .field("last_modified", last_modified)
                .finish(),
            ConditionalRead::PreconditionFailed => f.write_str("PreconditionFailed"),
        }
    }
}

impl ConditionalRead {
    /// The reader of a `200` answer, `None` for `304` and `412`.
    pub fn into_reader(self) -> Option<ObjectReader> {
        match self {
            ConditionalRead::Read(r) => Some(*r),
            _ => None,
        }
    }
}

/// An object's data and one annotation, read together (`type=whole-object`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WholeObject {
    /// The data (`X-HCP-Size` bytes), verified against `X-HCP-Hash` in SHA-256
    /// namespaces.
    pub data: Bytes,
    /// The annotation; `None` when the object has no annotation of that name (HCP then
    /// sends the data alone). An empty annotation cannot be told from none this way: it
    /// reads as `None` too (ask [`HcpClient::custom_metadata_info`] to tell them apart).
    pub annotation: Option<Bytes>,
    /// The object's metadata, from the answer's headers.
    pub metadata: ObjectMetadata,
    /// The node that answered, the timings, and whether the replica system did.
    pub served: Served,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// `a` → `"a"`; quoted tags, weak tags and `*` as given; comma-separated.
fn etag_list(tags: &[String]) -> String {
    tags.iter()
        .map(|t| {
            let t = t.trim();
            if t == "*" || t.starts_with('"') || t.starts_with("W/") {
                t.to_owned()
            } else {
                format!("\"{t}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `t` as an HTTP date (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`); times
/// before 1970 are sent as the epoch.
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01, counting 400-year eras from 0000-03-01.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 2
    } else {
        month_index - 10
    }; // 0 = January
    let year = year_of_era + era * 400 + u64::from(month < 2);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[month as usize],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A hash mismatch of `what` (the object, or its annotation) stored by a PUT.
fn mismatch(path: &str, what: String, computed: String, server: String, r: &Response) -> Error {
    HcpError::HashMismatch {
        object: what,
        computed,
        server,
    }
    .into_error()
    .with_request(&Method::PUT, path)
    .with_node(r.node())
}

impl HcpClient {
    /// [`version_list`](Self::version_list) on this system only.
    async fn version_list_direct(&self, path: &str, deleted: bool) -> Result<VersionList, Error> {
        let mut request = Request::get(object_path(path)).query("version", "list");
        if deleted {
            request = request.query("deleted", "true");
        }
        let r = self.send(request).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        decode_versions(r.body())
    }

    /// [`get_version`](Self::get_version) on this system only.
    async fn get_version_direct(
        &self,
        path: &str,
        id: VersionId,
        options: &GetOptions,
    ) -> Result<ObjectReader, Error> {
        let request = Request::get(object_path(path)).query("version", &id.to_string());
        let r = self.send_streaming(request).await?;
        if r.status() != StatusCode::OK {
            return Err(streaming_status_error(&r));
        }
        let served = self.served_streaming(&r);
        Ok(ObjectReader::from_response(path, r, served, options))
    }

    /// [`head_version`](Self::head_version) on this system only.
    async fn head_version_direct(&self, path: &str, id: VersionId) -> Result<ObjectHead, Error> {
        let request = Request::head(object_path(path)).query("version", &id.to_string());
        let r = self.send(request).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        Ok(ObjectHead {
            metadata: ObjectMetadata::from_headers(r.headers())?,
            headers: r.headers().clone(),
            served: self.served(&r),
        })
    }

    /// [`custom_metadata_info`](Self::custom_metadata_info) on this system only.
    async fn custom_metadata_info_direct(
        &self,
        path: &str,
    ) -> Result<Vec<AnnotationDetails>, Error> {
        let request = Request::get(object_path(path)).query("type", "custom-metadata-info");
        let r = self.send(request).await?;
        match r.status() {
            StatusCode::OK => decode_annotations(r.body()),
            StatusCode::NO_CONTENT => Ok(Vec::new()),
            _ => Err(status_error(&r)),
        }
    }

    /// [`get_if`](Self::get_if) on this system only.
    async fn get_if_direct(
        &self,
        path: &str,
        conditions: &Conditions,
    ) -> Result<ConditionalRead, Error> {
        let request = conditions.apply(Request::get(object_path(path)));
        let r = self.send_streaming(request).await?;
        match r.status() {
            StatusCode::OK => {
                let options = GetOptions::default().verify(conditions.verify);
                let served = self.served_streaming(&r);
                Ok(ConditionalRead::Read(Box::new(
                    ObjectReader::from_response(path, r, served, &options),
                )))
            }
            StatusCode::NOT_MODIFIED => Ok(ConditionalRead::NotModified {
                etag: header(r.headers(), "etag"),
                last_modified: header(r.headers(), "last-modified"),
            }),
            StatusCode::PRECONDITION_FAILED => Ok(ConditionalRead::PreconditionFailed),
            _ => Err(streaming_status_error(&r)),
        }
    }

    /// [`get_whole_object`](Self::get_whole_object) on this system only.
    async fn get_whole_object_direct(
        &self,
        path: &str,
        annotation: Option<&str>,
    ) -> Result<WholeObject, Error> {
        let mut request = Request::get(object_path(path))
            .query("type", "whole-object")
            .header("x-hcp-custommetadatafirst", "false");
        if let Some(a) = annotation {
            request = request.query("annotation", a);
        }
        let r = self.send(request).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        let body = r.body();
        let size = header(r.headers(), "x-hcp-size")
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|size| *size <= body.len())
            .ok_or_else(|| {
                r.decode_error(
                    "type=whole-object answer",
                    format!(
                        "X-HCP-Size is missing, not a number or larger than the {}-byte body",
                        body.len()
                    ),
                )
            })?;
        let data = body.slice(..size);
        let annotation = (size < body.len()).then(|| body.slice(size..));
        let metadata = ObjectMetadata::from_headers(r.headers())?;
        if let Some(server) = header(r.headers(), "x-hcp-hash").filter(|h| is_sha256(h)) {
            let computed = sha256_of(&data);
            if !same_hash(&server, &computed) {
                return Err(HcpError::HashMismatch {
                    object: path.to_owned(),
                    computed,
                    server,
                }
                .into_error()
                .with_request(&Method::GET, path)
                .with_node(r.node()));
            }
        }
        Ok(WholeObject {
            data,
            annotation,
            metadata,
            served: self.served(&r),
        })
    }

    /// [`put_whole_object`](Self::put_whole_object) on this system only.
    /// Whether the object at `path` holds annotation `annotation` (the default one when
    /// `None`) with exactly `xml` (none at all for an empty `xml`).
    async fn annotation_is(
        &self,
        path: &str,
        annotation: Option<&str>,
        xml: &Bytes,
    ) -> Result<bool, Error> {
        let stored = self.get_custom_metadata_direct(path, annotation).await?;
        Ok(match stored.xml {
            Some(stored) => stored == *xml,
            None => xml.is_empty(),
        })
    }

    async fn put_whole_object_direct(
        &self,
        path: &str,
        data: &Bytes,
        annotation: Option<&str>,
        xml: &Bytes,
        options: &PutOptions,
    ) -> Result<PutResult, Error> {
        let computed = sha256_of(data);
        if options.resumed
            && self.is_versioned()
            && let Some(head) = self.stored_with_hash(path, &computed).await?
            && self.annotation_is(path, annotation, xml).await?
        {
            // Stored by the run this one resumes: a second PUT would add a version.
            return Ok(self.recovered_put(path, head.headers(), self.served(&head)));
        }
        let mut body = BytesMut::with_capacity(data.len() + xml.len());
        body.extend_from_slice(data);
        body.extend_from_slice(xml);
        let mut request = options
            .apply(Request::put(object_path(path)))
            .query("type", "whole-object")
            .header("x-hcp-size", data.len().to_string())
            .body(Body::from(body.freeze()));
        if let Some(a) = annotation {
            request = request.query("annotation", a);
        }
        if self.is_versioned() {
            request = request.idempotent(false);
        }
        let r = self.send(request).await?;
        if conflict_may_be_ours(&r, options) {
            // As for a plain PUT: an earlier attempt may have stored it, data and
            // annotation both; the same data under another annotation is still a 409.
            let settled = self.settle_conflict(path, &r, &computed).await?;
            if !self.annotation_is(path, annotation, xml).await? {
                return Err(status_error(&r));
            }
            return Ok(settled);
        }
        if r.status() != StatusCode::CREATED {
            return Err(status_error(&r));
        }
        let server = header(r.headers(), "x-hcp-hash").unwrap_or_default();
        if is_sha256(&server) && !same_hash(&server, &computed) {
            return Err(mismatch(path, path.to_owned(), computed, server, &r));
        }
        if let Some(server) = header(r.headers(), "x-hcp-custommetadatahash")
            && is_sha256(&server)
        {
            let computed = sha256_of(xml);
            if !same_hash(&server, &computed) {
                return Err(mismatch(
                    path,
                    format!("{path} (annotation)"),
                    computed,
                    server,
                    &r,
                ));
            }
        }
        Ok(self.stored(path, &r, server))
    }
}

/// Versions, conditional reads, annotation lists and whole objects. With a replica
/// configured, each call goes to the system its
/// [`ReplicaStrategy`](crate::ReplicaStrategy) names, as the object calls do.
impl HcpClient {
    /// The versions of the object at `path` that hold data (old ones and the current
    /// one), as `?version=list` gives them (oldest first in the mock; HCP's order is
    /// INFERRED). An object deleted with versioning on still has its old versions here.
    /// Without versioning in the namespace, the listing is an error (`400` in the mock;
    /// INFERRED).
    pub async fn versions(&self, path: &str) -> Result<Vec<ObjectVersion>, Error> {
        let list = self.version_list(path, false).await?;
        Ok(list.versions.into_iter().filter(|v| !v.deleted).collect())
    }

    /// The whole version listing of the object at `path`; with `deleted` the delete
    /// markers too (`deleted=true`), and [`VersionList::deleted`] says whether the
    /// object is deleted now.
    pub async fn version_list(&self, path: &str, deleted: bool) -> Result<VersionList, Error> {
        self.routed(Access::Read, |c| async move {
            c.version_list_direct(path, deleted).await
        })
        .await
    }

    /// Reads version `id` of the object at `path`, verified against that version's hash
    /// per `options`. A version id that names no version (or a delete marker) is `404`.
    pub async fn get_version(
        &self,
        path: &str,
        id: VersionId,
        options: &GetOptions,
    ) -> Result<ObjectReader, Error> {
        self.routed(Access::Read, |c| async move {
            c.get_version_direct(path, id, options).await
        })
        .await
    }

    /// The metadata of version `id` of the object at `path` (`HEAD ?version=<id>`).
    pub async fn head_version(&self, path: &str, id: VersionId) -> Result<ObjectHead, Error> {
        self.routed(Access::Read, |c| async move {
            c.head_version_direct(path, id).await
        })
        .await
    }

    /// The annotations of the object at `path` with their hash, change time, size and
    /// content type (`type=custom-metadata-info`); empty when it has none (`204`).
    pub async fn custom_metadata_info(&self, path: &str) -> Result<Vec<AnnotationDetails>, Error> {
        self.routed(Access::Read, |c| async move {
            c.custom_metadata_info_direct(path).await
        })
        .await
    }

    /// Reads the object at `path` (or a version) if `conditions` hold: `304` and `412`
    /// come back as [`ConditionalRead::NotModified`] and
    /// [`ConditionalRead::PreconditionFailed`], other failures as errors. An ETag that
    /// cannot go in a header (a control character, say) is a config error, sent nowhere.
    pub async fn get_if(
        &self,
        path: &str,
        conditions: &Conditions,
    ) -> Result<ConditionalRead, Error> {
        self.routed(Access::Read, |c| async move {
            c.get_if_direct(path, conditions).await
        })
        .await
    }

    /// Reads the data and annotation `annotation` (the default one when `None`) of the
    /// object at `path` in one request (`type=whole-object`), into memory. The data is
    /// checked against `X-HCP-Hash` (SHA-256 namespaces); an answer whose `X-HCP-Size`
    /// does not fit its body is a decode error.
    pub async fn get_whole_object(
        &self,
        path: &str,
        annotation: Option<&str>,
    ) -> Result<WholeObject, Error> {
        self.routed(Access::Read, |c| async move {
            c.get_whole_object_direct(path, annotation).await
        })
        .await
    }

    /// Stores `data` with annotation `annotation` (the default one when `None`) holding
    /// `xml` in one request (`type=whole-object`, `X-HCP-Size` giving the data's size).
    /// Both are checked against the hashes HCP returns (`X-HCP-Hash`,
    /// `X-HCP-CustomMetadataHash`, when HCP sends it; INFERRED) in SHA-256 namespaces. A
    /// resend that meets `409` is settled by the stored data hash and annotation, as for
    /// [`put`](Self::put); on a [versioned](crate::HcpClientBuilder::versioned) namespace
    /// it is never resent.
    pub async fn put_whole_object(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        annotation: Option<&str>,
        xml: impl Into<Bytes>,
        options: &PutOptions,
    ) -> Result<PutResult, Error> {
        let (data, xml) = (&data.into(), &xml.into());
        self.routed(Access::Write, |c| async move {
            c.put_whole_object_direct(path, data, annotation, xml, options)
                .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use super::*;

    #[test]
    fn http_dates() {
        let at = |secs: u64| http_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(1_422_736_466), "Sat, 31 Jan 2015 20:34:26 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        // 2100 is no leap year.
        assert_eq!(at(4_107_542_399), "Sun, 28 Feb 2100 23:59:59 GMT");
        assert_eq!(at(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
        assert_eq!(at(4_133_980_799), "Fri, 31 Dec 2100 23:59:59 GMT");
        assert_eq!(
            http_date(UNIX_EPOCH - Duration::from_secs(1)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn conditions_become_headers() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        let r = Conditions::new()
            .if_match("abc")
            .if_match("\"def\"")
            .if_none_match("*")
            .if_none_match("W/\"x\"")
            .if_modified_since(t)
            .if_unmodified_since(t)
            .version(VersionId::new(42))
            .apply(Request::get("/rest/a"));
        let h = r.headers();
        assert_eq!(h["if-match"], "\"abc\", \"def\"");
        assert_eq!(h["if-none-match"], "*, W/\"x\"");
        assert_eq!(h["if-modified-since"], "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(h["if-unmodified-since"], "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(r.query_string(), "version=42");
        let plain = Conditions::new().apply(Request::get("/rest/a"));
        assert!(plain.headers().is_empty() && plain.query_string().is_empty());
        assert!(Conditions::default().verify);
        assert!(!Conditions::new().verify(false).verify);
    }
}
