//! Objects and directories in a namespace (`/rest/...`): put with the hash checked, get
//! with optional verification, head, delete, directories, custom and system metadata.
//!
//! Every call reports where and how it was served ([`Served`]: node, timings, whether the
//! replica system answered), in its result type or as its result.

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures_core::Stream;
use sha2::{Digest, Sha256};
use storkit_core::http::{HeaderMap, Method, StatusCode};
use storkit_core::{Body, Error, Request, Response, ResponseBody};

use crate::client::{HcpClient, Served, object_path, status_error, streaming_status_error};
use crate::error::HcpError;
use crate::hashing::{
    HashState, HashingReader, HashingStream, hcp_sha256, is_sha256, same_hash, sha256_of,
};
use crate::metadata::ObjectMetadata;
use crate::replica::Access;

type BoxStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// What a PUT sends: bytes, a file (re-opened for every attempt, so the upload may go to
/// another node or be retried) or a one-shot stream.
pub struct PutBody {
    source: Source,
}

enum Source {
    Bytes(Bytes),
    File { path: PathBuf, len: u64 },
    Stream(Mutex<Option<BoxStream>>, Option<u64>),
}

impl fmt::Debug for PutBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Bytes(b) => write!(f, "PutBody::Bytes({} bytes)", b.len()),
            Source::File { path, len } => {
                write!(f, "PutBody::File({}, {len} bytes)", path.display())
            }
            Source::Stream(_, len) => write!(f, "PutBody::Stream({len:?} bytes)"),
        }
    }
}

impl PutBody {
    /// The file at `path`, streamed (never read whole into memory) and re-opened for
    /// every attempt. Its length is taken now; a file that changes size fails the upload.
    pub async fn file(path: impl AsRef<Path>) -> io::Result<PutBody> {
        let path = path.as_ref().to_path_buf();
        let len = tokio::fs::metadata(&path).await?.len();
        Ok(PutBody {
            source: Source::File { path, len },
        })
    }

    /// A one-shot stream of chunks. With `len` the upload carries a `Content-Length`,
    /// otherwise it is sent chunked. It can fail over to another node only while nothing
    /// has been read from it, and is never retried after that.
    pub fn stream<S>(stream: S, len: Option<u64>) -> PutBody
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        PutBody {
            source: Source::Stream(Mutex::new(Some(Box::pin(stream))), len),
        }
    }

    /// The length, when known before sending.
    pub fn len(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(b) => Some(b.len() as u64),
            Source::File { len, .. } => Some(*len),
            Source::Stream(_, len) => *len,
        }
    }

    /// True for an empty body of known length.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The SHA-256 of what would be sent, before sending: bytes are hashed, a file is read
    /// once; a stream cannot be read twice, so `None`.
    async fn sha256_before_sending(&self) -> Result<Option<String>, Error> {
        match &self.source {
            Source::Bytes(b) => Ok(Some(sha256_of(b))),
            Source::File { path, .. } => {
                use tokio::io::AsyncReadExt as _;
                let io =
                    |e: io::Error| Error::config(format!("cannot read {}: {e}", path.display()));
                let mut file = tokio::fs::File::open(path).await.map_err(io)?;
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = file.read(&mut buf).await.map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(buf.get(..n).unwrap_or_default());
                }
                Ok(Some(crate::hashing::hcp_sha256(&hasher.finalize())))
            }
            Source::Stream(..) => Ok(None),
        }
    }

    /// The core body for one system, and the state that hashes it while it is sent.
    /// Bytes and files can be produced again (for the replica); a stream only once.
    fn to_body(&self) -> Result<(Body, Arc<HashState>, Option<String>), Error> {
        let state = HashState::new();
        match &self.source {
            Source::Bytes(b) => {
                let hash = sha256_of(b);
                Ok((Body::from(b.clone()), state, Some(hash)))
            }
            Source::File { path, len } => {
                let (path, len) = (path.clone(), *len);
                let s = Arc::clone(&state);
                let body = Body::replayable(Some(len), move || {
                    let (path, s) = (path.clone(), Arc::clone(&s));
                    async move {
                        let file = tokio::fs::File::open(&path).await?;
                        s.reset();
                        Ok(Body::from_reader(HashingReader::new(file, s), Some(len)))
                    }
                });
                Ok((body, state, None))
            }
            Source::Stream(slot, len) => {
                let stream = slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .ok_or_else(|| Error::config("the upload stream was already used"))?;
                let body = Body::from_stream(HashingStream::new(stream, Arc::clone(&state)), *len);
                Ok((body, state, None))
            }
        }
    }
}

impl From<Bytes> for PutBody {
    fn from(b: Bytes) -> Self {
        PutBody {
            source: Source::Bytes(b),
        }
    }
}

impl From<Vec<u8>> for PutBody {
    fn from(b: Vec<u8>) -> Self {
        Bytes::from(b).into()
    }
}

impl From<String> for PutBody {
    fn from(s: String) -> Self {
        Bytes::from(s).into()
    }
}

impl From<&'static str> for PutBody {
    fn from(s: &'static str) -> Self {
        Bytes::from_static(s.as_bytes()).into()
    }
}

impl From<&'static [u8]> for PutBody {
    fn from(s: &'static [u8]) -> Self {
        Bytes::from_static(s).into()
    }
}

/// Policies set when an object is stored (HCP query parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOptions {
    /// `index=true|false`: index the object for search.
    pub index: Option<bool>,
    /// `shred=true|false`: shred the object's data when it is deleted.
    pub shred: Option<bool>,
    /// `retention=...` in HCP's syntax (`A+10y`, `0`, `-1`, `-2`, `C+<class>`, a date).
    pub retention: Option<String>,
    /// `hold=true|false`.
    pub hold: Option<bool>,
    /// Any other parameter, sent as given after the ones above.
    pub extra: Vec<(String, String)>,
    /// This PUT repeats one whose outcome is unknown (a resumed run): a `409 Conflict`
    /// to its first attempt is then checked by hash like one to a resend. Not sent.
    pub resumed: bool,
}

impl PutOptions {
    /// Sets `index`.
    pub fn index(mut self, yes: bool) -> Self {
        self.index = Some(yes);
        self
    }

    /// Sets `shred`.
    pub fn shred(mut self, yes: bool) -> Self {
        self.shred = Some(yes);
        self
    }

    /// Sets `retention`.
    pub fn retention(mut self, value: impl Into<String>) -> Self {
        self.retention = Some(value.into());
        self
    }

    /// Sets `hold`.
    pub fn hold(mut self, yes: bool) -> Self {
        self.hold = Some(yes);
        self
    }

    /// Marks the PUT as the repeat of one whose outcome is unknown.
    pub fn resumed(mut self, yes: bool) -> Self {
        self.resumed = yes;
        self
    }

    /// Adds another parameter.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    pub(crate) fn apply(&self, r: Request) -> Request {
        let mut r = policy_query(
            r,
            self.index,
            self.shred,
            self.retention.as_deref(),
            self.hold,
        );
        for (k, v) in &self.extra {
            r = r.query(k, v);
        }
        r
    }
}

/// The policy parameters a PUT sets and a POST changes, in HCP's order.
fn policy_query(
    mut r: Request,
    index: Option<bool>,
    shred: Option<bool>,
    retention: Option<&str>,
    hold: Option<bool>,
) -> Request {
    let b = |v: bool| if v { "true" } else { "false" };
    if let Some(v) = index {
        r = r.query("index", b(v));
    }
    if let Some(v) = shred {
        r = r.query("shred", b(v));
    }
    if let Some(v) = retention {
        r = r.query("retention", v);
    }
    if let Some(v) = hold {
        r = r.query("hold", b(v));
    }
    r
}

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutResult {
    /// The object's path, as given.
    pub path: String,
    /// `X-HCP-Hash` (`SHA-256 <UPPER-HEX>`), equal to the hash computed while sending.
    pub hash: String,
    /// The ETag, without quotes (the MD5 of the data).
    pub etag: Option<String>,
    /// `X-HCP-VersionId`.
    pub version_id: Option<String>,
    /// `Location`.
    pub location: Option<String>,
    /// The node that stored it, the timings, and whether the replica system did.
    pub served: Served,
    /// True when a resend met `409 Conflict` and the stored object's hash showed that an
    /// earlier attempt of this PUT had stored it.
    pub recovered: bool,
}

/// How a GET is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// Compute SHA-256 while reading and compare it with `X-HCP-Hash` at the end (default
    /// true). Only SHA-256 namespaces are checked; other schemes are read unchecked.
    pub verify: bool,
}

impl Default for GetOptions {
    fn default() -> Self {
        GetOptions { verify: true }
    }
}

impl GetOptions {
    /// Turns verification on or off.
    pub fn verify(mut self, yes: bool) -> Self {
        self.verify = yes;
        self
    }
}

/// An object being read, chunk by chunk.
pub struct ObjectReader {
    path: String,
    headers: HeaderMap,
    served: Served,
    body: ResponseBody,
    hasher: Option<(Sha256, String)>,
    done: bool,
}

impl fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectReader")
            .field("path", &self.path)
            .field("served", &self.served)
            .field("verify", &self.hasher.is_some())
            .finish_non_exhaustive()
    }
}

impl ObjectReader {
    /// The response headers (every `X-HCP-*` header of the object).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The node that serves the object.
    pub fn address(&self) -> IpAddr {
        self.served.address
    }

    /// The node, whether it is the replica system's, and the timings. Until the body has
    /// been read to the end, `service_time2` is the time to the response head; after the
    /// end it covers the whole request, as hcpsdk's `service_time2` after the last
    /// `read()`.
    pub fn served(&self) -> Served {
        let mut served = self.served;
        if let Some(total) = self.body.total() {
            served.times.service_time2 = total;
        }
        served
    }

    /// `X-HCP-Size` or `Content-Length`, when sent.
    pub fn size(&self) -> Option<u64> {
        ["x-hcp-size", "content-length"].iter().find_map(|h| {
            self.headers
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        })
    }

    /// The next chunk, `None` at the end. With verification on, the end is reported only
    /// after the hash matched; a mismatch is an [`HcpError::HashMismatch`] error.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.done {
            return Ok(None);
        }
        match self.body.chunk().await? {
            Some(data) => {
                if let Some((h, _)) = &mut self.hasher {
                    h.update(&data);
                }
                Ok(Some(data))
            }
            None => {
                self.done = true;
                if let Some((h, expected)) = self.hasher.take() {
                    let computed = hcp_sha256(&h.finalize());
                    if !same_hash(&computed, &expected) {
                        return Err(HcpError::HashMismatch {
                            object: self.path.clone(),
                            computed,
                            server: expected,
                        }
                        .into_error()
                        .with_request(&Method::GET, &self.path)
                        .with_node(self.served.address));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Reads the rest into memory, verified like [`chunk`](Self::chunk); the reader
    /// stays, so that [`served`](Self::served) tells the whole request's time.
    pub async fn read_to_end(&mut self) -> Result<Bytes, Error> {
        // A body that arrives in one chunk (most small objects) is returned as it is.
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let mut out = bytes::BytesMut::with_capacity(first.len() + second.len());
        out.extend_from_slice(&first);
        out.extend_from_slice(&second);
        while let Some(c) = self.chunk().await? {
            out.extend_from_slice(&c);
        }
        Ok(out.freeze())
    }

    /// Reads the rest into memory.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        self.read_to_end().await
    }

    /// A reader of `path` over a streamed `200` answer that `served` describes, verified
    /// per `options` against its `X-HCP-Hash` (for [`HcpClient::get`] and other reads,
    /// e.g. of a version).
    pub(crate) fn from_response(
        path: &str,
        r: storkit_core::StreamingResponse,
        served: Served,
        options: &GetOptions,
    ) -> ObjectReader {
        let headers = r.headers().clone();
        let hasher = match header(&headers, "x-hcp-hash") {
            Some(h) if options.verify && is_sha256(&h) => Some((Sha256::new(), h)),
            _ => None,
        };
        ObjectReader {
            path: path.to_owned(),
            served,
            headers,
            body: r.into_body(),
            hasher,
            done: false,
        }
    }
}

/// An object's metadata from a `HEAD`: typed, the headers as HCP sent them, and where it
/// was served.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectHead {
    /// The `X-HCP-*` and content headers, typed.
    pub metadata: ObjectMetadata,
    /// Every header, in the order HCP sent them (names in lower case; see
    /// [`header_display_name`](crate::header_display_name) for HCP's spelling).
    pub headers: HeaderMap,
    /// The node that answered, the timings, and whether the replica system did.
    pub served: Served,
}

/// A deleted object (or directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deleted {
    /// The node that deleted it, the timings, and whether the replica system did.
    pub served: Served,
    /// True when a resend after an unknown outcome met `404 Not Found`: an earlier
    /// attempt of this DELETE had deleted it.
    pub recovered: bool,
}

/// Whether something exists at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exists {
    /// True for `200`, false for `404`.
    pub found: bool,
    /// The node that answered, the timings, and whether the replica system did.
    pub served: Served,
}

/// Custom metadata read from an object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomMetadata {
    /// The annotation's content; `None` when the object has no such annotation (`204`).
    pub xml: Option<Bytes>,
    /// The node that answered, the timings, and whether the replica system did.
    pub served: Served,
}

/// How an object is deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOptions {
    /// A privileged delete (of an object under retention) with its reason.
    pub privileged_reason: Option<String>,
    /// `purge=true`: delete every version.
    pub purge: bool,
}

impl DeleteOptions {
    /// A privileged delete with `reason`.
    pub fn privileged(mut self, reason: impl Into<String>) -> Self {
        self.privileged_reason = Some(reason.into());
        self
    }

    /// Deletes every version.
    pub fn purge(mut self, yes: bool) -> Self {
        self.purge = yes;
        self
    }
}

/// System metadata changed with a POST.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SystemMetadata {
    /// `index`.
    pub index: Option<bool>,
    /// `shred` (HCP refuses true -> false).
    pub shred: Option<bool>,
    /// `retention`, in HCP's syntax.
    pub retention: Option<String>,
    /// `hold` (needs the privileged permission).
    pub hold: Option<bool>,
    /// `owner`.
    pub owner: Option<String>,
    /// `domain` (with `owner`, for AD users).
    pub domain: Option<String>,
}

impl SystemMetadata {
    /// Sets `index`.
    pub fn index(mut self, yes: bool) -> Self {
        self.index = Some(yes);
        self
    }

    /// Sets `shred`.
    pub fn shred(mut self, yes: bool) -> Self {
        self.shred = Some(yes);
        self
    }

    /// Sets `retention`.
    pub fn retention(mut self, value: impl Into<String>) -> Self {
        self.retention = Some(value.into());
        self
    }

    /// Sets `hold`.
    pub fn hold(mut self, yes: bool) -> Self {
        self.hold = Some(yes);
        self
    }

    /// Sets `owner` (and optionally its `domain`).
    pub fn owner(mut self, owner: impl Into<String>, domain: Option<String>) -> Self {
        self.owner = Some(owner.into());
        self.domain = domain;
        self
    }

    fn is_empty(&self) -> bool {
        self.index.is_none()
            && self.shred.is_none()
            && self.retention.is_none()
            && self.hold.is_none()
            && self.owner.is_none()
            && self.domain.is_none()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether a PUT's `409` may be its own doing: the request was resent after an unknown
/// outcome, or the caller says an earlier run may have stored it ([`PutOptions::resumed`]).
pub(crate) fn conflict_may_be_ours(r: &Response, options: &PutOptions) -> bool {
    r.status() == StatusCode::CONFLICT && (r.resent_after_unknown_outcome() || options.resumed)
}

fn unquote(s: String) -> String {
    s.trim().trim_matches('"').to_owned()
}

impl HcpClient {
    /// [`put`](Self::put) on this system only.
    pub(crate) async fn put_direct(
        &self,
        path: &str,
        body: &PutBody,
        options: &PutOptions,
    ) -> Result<PutResult, Error> {
        if options.resumed
            && self.is_versioned()
            && let Some(computed) = body.sha256_before_sending().await?
            && let Some(head) = self.stored_with_hash(path, &computed).await?
        {
            // Stored by the run this one resumes: a second PUT would add a version.
            return Ok(self.recovered_put(path, head.headers(), self.served(&head)));
        }
        let (body, state, known_hash) = body.to_body()?;
        let mut request = options.apply(Request::put(object_path(path)).body(body));
        if self.is_versioned() {
            request = request.idempotent(false);
        }
        let r = self.send(request).await?;
        let computed = || known_hash.clone().unwrap_or_else(|| state.finish().0);
        if conflict_may_be_ours(&r, options) {
            return self.settle_conflict(path, &r, &computed()).await;
        }
        if r.status() != StatusCode::CREATED {
            return Err(status_error(&r));
        }
        let server_hash = header(r.headers(), "x-hcp-hash").unwrap_or_default();
        let computed = computed();
        if is_sha256(&server_hash) && !same_hash(&server_hash, &computed) {
            return Err(HcpError::HashMismatch {
                object: path.to_owned(),
                computed,
                server: server_hash,
            }
            .into_error()
            .with_request(&Method::PUT, path)
            .with_node(r.node()));
        }
        Ok(self.stored(path, &r, server_hash))
    }

    /// The result of a `201` to a PUT of `path` whose `X-HCP-Hash` was `hash`.
    pub(crate) fn stored(&self, path: &str, r: &Response, hash: String) -> PutResult {
        PutResult {
            path: path.to_owned(),
            hash,
            etag: header(r.headers(), "etag").map(unquote),
            version_id: header(r.headers(), "x-hcp-versionid"),
            location: header(r.headers(), "location"),
            served: self.served(r),
            recovered: false,
        }
    }

    /// A PUT of `path` met `409` when an earlier attempt of its own may have stored it
    /// (see [`conflict_may_be_ours`]): a success when the stored object's hash equals
    /// `computed` (the hash of what was sent), else the `409` as an error. The object is
    /// never stored again.
    pub(crate) async fn settle_conflict(
        &self,
        path: &str,
        r: &Response,
        computed: &str,
    ) -> Result<PutResult, Error> {
        match self.stored_with_hash(path, computed).await? {
            Some(head) => {
                tracing::info!(
                    path,
                    "PUT resent after an unknown outcome met 409; the stored hash matches"
                );
                Ok(self.recovered_put(path, head.headers(), self.served(r)))
            }
            None => Err(status_error(r)),
        }
    }

    /// The `HEAD` answer for `path` when it is stored with SHA-256 `computed`; `None` when
    /// it is missing or holds other data.
    pub(crate) async fn stored_with_hash(
        &self,
        path: &str,
        computed: &str,
    ) -> Result<Option<Response>, Error> {
        let head = self.send(Request::head(object_path(path))).await?;
        match head.status() {
            StatusCode::OK => {
                let stored = header(head.headers(), "x-hcp-hash").unwrap_or_default();
                Ok(same_hash(&stored, computed).then_some(head))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(status_error(&head)),
        }
    }

    /// The result of a PUT found stored already (`stored`: the object's headers).
    pub(crate) fn recovered_put(
        &self,
        path: &str,
        stored: &HeaderMap,
        served: Served,
    ) -> PutResult {
        PutResult {
            path: path.to_owned(),
            hash: header(stored, "x-hcp-hash").unwrap_or_default(),
            etag: header(stored, "etag").map(unquote),
            version_id: header(stored, "x-hcp-versionid"),
            location: None,
            served,
            recovered: true,
        }
    }

    /// [`get`](Self::get) on this system only.
    pub(crate) async fn get_direct(
        &self,
        path: &str,
        options: &GetOptions,
    ) -> Result<ObjectReader, Error> {
        let r = self.send_streaming(Request::get(object_path(path))).await?;
        if r.status() != StatusCode::OK {
            return Err(streaming_status_error(&r));
        }
        let served = self.served_streaming(&r);
        Ok(ObjectReader::from_response(path, r, served, options))
    }

    /// Reads a whole object into memory, verified.
    pub async fn get_bytes(&self, path: &str) -> Result<Bytes, Error> {
        self.get(path, &GetOptions::default()).await?.bytes().await
    }

    /// [`head`](Self::head) on this system only.
    pub(crate) async fn head_direct(&self, path: &str) -> Result<ObjectHead, Error> {
        let r = self.send(Request::head(object_path(path))).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        Ok(ObjectHead {
            metadata: ObjectMetadata::from_headers(r.headers())?,
            headers: r.headers().clone(),
            served: self.served(&r),
        })
    }

    /// [`exists`](Self::exists) on this system only.
    pub(crate) async fn exists_direct(&self, path: &str) -> Result<Exists, Error> {
        let r = self.send(Request::head(object_path(path))).await?;
        let found = match r.status() {
            StatusCode::OK => true,
            StatusCode::NOT_FOUND => false,
            _ => return Err(status_error(&r)),
        };
        Ok(Exists {
            found,
            served: self.served(&r),
        })
    }

    /// [`delete`](Self::delete) on this system only.
    pub(crate) async fn delete_direct(
        &self,
        path: &str,
        options: &DeleteOptions,
    ) -> Result<Deleted, Error> {
        let mut request = Request::delete(object_path(path));
        if let Some(reason) = &options.privileged_reason {
            request = request.query("privileged", "true").query("reason", reason);
        }
        if options.purge {
            request = request.query("purge", "true");
        }
        let r = self.send(request).await?;
        let recovered = match r.status() {
            StatusCode::OK | StatusCode::NO_CONTENT => false,
            StatusCode::NOT_FOUND if r.resent_after_unknown_outcome() => true,
            _ => return Err(status_error(&r)),
        };
        Ok(Deleted {
            served: self.served(&r),
            recovered,
        })
    }

    /// [`create_directory`](Self::create_directory) on this system only.
    pub(crate) async fn create_directory_direct(&self, path: &str) -> Result<Served, Error> {
        let r = self
            .send(Request::put(object_path(path)).query("type", "directory"))
            .await?;
        match r.status() {
            StatusCode::CREATED => Ok(self.served(&r)),
            StatusCode::CONFLICT if r.resent_after_unknown_outcome() => Ok(self.served(&r)),
            _ => Err(status_error(&r)),
        }
    }

    /// [`put_custom_metadata`](Self::put_custom_metadata) on this system only.
    pub(crate) async fn put_custom_metadata_direct(
        &self,
        path: &str,
        annotation: Option<&str>,
        xml: Bytes,
    ) -> Result<Served, Error> {
        let mut request = Request::put(object_path(path))
            .query("type", "custom-metadata")
            .body(Body::from(xml));
        if let Some(a) = annotation {
            request = request.query("annotation", a);
        }
        let r = self.send(request).await?;
        match r.status() {
            StatusCode::CREATED | StatusCode::OK => Ok(self.served(&r)),
            _ => Err(status_error(&r)),
        }
    }

    /// [`get_custom_metadata`](Self::get_custom_metadata) on this system only.
    pub(crate) async fn get_custom_metadata_direct(
        &self,
        path: &str,
        annotation: Option<&str>,
    ) -> Result<CustomMetadata, Error> {
        let mut request = Request::get(object_path(path)).query("type", "custom-metadata");
        if let Some(a) = annotation {
            request = request.query("annotation", a);
        }
        let r = self.send(request).await?;
        let served = self.served(&r);
        let xml = match r.status() {
            StatusCode::OK => Some(r.into_body()),
            StatusCode::NO_CONTENT => None,
            _ => return Err(status_error(&r)),
        };
        Ok(CustomMetadata { xml, served })
    }

    /// [`set_system_metadata`](Self::set_system_metadata) on this system only.
    pub(crate) async fn set_system_metadata_direct(
        &self,
        path: &str,
        metadata: &SystemMetadata,
    ) -> Result<Served, Error> {
        if metadata.is_empty() {
            return Err(Error::config("no system metadata to change"));
        }
        let mut request = policy_query(
            Request::post(object_path(path)),
            metadata.index,
            metadata.shred,
            metadata.retention.as_deref(),
            metadata.hold,
        );
        if let Some(v) = &metadata.owner {
            request = request.query("owner", v);
        }
        if let Some(v) = &metadata.domain {
            request = request.query("domain", v);
        }
        // Setting values is safe to repeat.
        let r = self.send(request.idempotent(true)).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        Ok(self.served(&r))
    }
}

/// The typed object API. With a replica configured, each call goes to the system its
/// [`ReplicaStrategy`](crate::ReplicaStrategy) names (reads and writes separately).
impl HcpClient {
    /// Stores an object at `path` (for example `/rest/dir/name.txt`; the name may hold any
    /// character). SHA-256 is computed while the body is sent and compared with the
    /// `X-HCP-Hash` HCP returns: a mismatch is an [`HcpError::HashMismatch`] error naming
    /// the object and both hashes (the object stays stored; delete it or store it again).
    ///
    /// A PUT whose first attempt went unanswered may be resent; when the resend meets
    /// `409 Conflict`, the stored object's hash decides: equal to the sent one, the first
    /// attempt stored it and the result says `recovered`; different, it is someone else's
    /// object and the 409 is returned as an error. A 409 to a first attempt is always an
    /// error ([`ErrorKind::Conflict`](storkit_core::ErrorKind::Conflict)). On a
    /// namespace with versioning, declared with
    /// [`versioned`](crate::HcpClientBuilder::versioned), a resend would store a second
    /// version: the PUT is never resent once it may have been sent, and a
    /// [`resumed`](PutOptions::resumed) PUT whose object is stored with the same hash sends
    /// nothing.
    pub async fn put(
        &self,
        path: &str,
        body: impl Into<PutBody>,
        options: &PutOptions,
    ) -> Result<PutResult, Error> {
        let body = &body.into();
        self.routed(Access::Write, |c| async move {
            c.put_direct(path, body, options).await
        })
        .await
    }

    /// Reads an object as a stream of chunks; see [`GetOptions`] for verification.
    pub async fn get(&self, path: &str, options: &GetOptions) -> Result<ObjectReader, Error> {
        self.routed(Access::Read, |c| async move {
            c.get_direct(path, options).await
        })
        .await
    }

    /// An object's (or directory's) metadata (`HEAD`): typed from its `X-HCP-*` headers,
    /// the headers themselves, and where it was served.
    pub async fn head(&self, path: &str) -> Result<ObjectHead, Error> {
        self.routed(Access::Read, |c| async move { c.head_direct(path).await })
            .await
    }

    /// The object's headers (`HEAD`): every `X-HCP-*` metadata header. Shorthand for
    /// [`head`](Self::head)`(path).await?.headers`.
    pub async fn head_headers(&self, path: &str) -> Result<HeaderMap, Error> {
        Ok(self.head(path).await?.headers)
    }

    /// Whether an object (or directory) exists at `path` ([`Exists::found`]): `404` is
    /// not found, any other failure an error.
    pub async fn exists(&self, path: &str) -> Result<Exists, Error> {
        self.routed(Access::Read, |c| async move { c.exists_direct(path).await })
            .await
    }

    /// Deletes an object (or an empty directory). A DELETE resent after an unknown outcome
    /// that meets `404` deleted the object the first time and succeeds
    /// ([`Deleted::recovered`]).
    pub async fn delete(&self, path: &str, options: &DeleteOptions) -> Result<Deleted, Error> {
        self.routed(Access::Write, |c| async move {
            c.delete_direct(path, options).await
        })
        .await
    }

    /// Creates a directory (and any missing parents). An existing one is a
    /// [`ErrorKind::Conflict`](storkit_core::ErrorKind::Conflict) error, unless a resend
    /// after an unknown outcome met it.
    pub async fn create_directory(&self, path: &str) -> Result<Served, Error> {
        self.routed(Access::Write, |c| async move {
            c.create_directory_direct(path).await
        })
        .await
    }

    /// Stores custom metadata (an annotation; the default one when `annotation` is
    /// `None`).
    pub async fn put_custom_metadata(
        &self,
        path: &str,
        annotation: Option<&str>,
        xml: impl Into<Bytes>,
    ) -> Result<Served, Error> {
        let xml = xml.into();
        self.routed(Access::Write, |c| {
            let xml = xml.clone();
            async move { c.put_custom_metadata_direct(path, annotation, xml).await }
        })
        .await
    }

    /// Reads custom metadata; [`CustomMetadata::xml`] is `None` when the object has no
    /// such annotation (`204`).
    pub async fn get_custom_metadata(
        &self,
        path: &str,
        annotation: Option<&str>,
    ) -> Result<CustomMetadata, Error> {
        self.routed(Access::Read, |c| async move {
            c.get_custom_metadata_direct(path, annotation).await
        })
        .await
    }

    /// Changes system metadata with a POST. Nothing to change is a config error and sends
    /// nothing.
    pub async fn set_system_metadata(
        &self,
        path: &str,
        metadata: &SystemMetadata,
    ) -> Result<Served, Error> {
        self.routed(Access::Write, |c| async move {
            c.set_system_metadata_direct(path, metadata).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storkit_core::ErrorKind;

    #[test]
    fn put_options_go_on_the_wire_in_order() {
        let r = PutOptions::default()
            .index(true)
            .shred(false)
            .retention("A+10y")
            .param("x", "a b")
            .apply(Request::put("/rest/a"));
        assert_eq!(
            r.query_string(),
            "index=true&shred=false&retention=A%2B10y&x=a+b"
        );
    }

    #[test]
    fn an_empty_stream_slot_is_an_error_not_a_panic() {
        let body = PutBody::stream(futures_empty(), None);
        if let Source::Stream(slot, _) = &body.source {
            slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        }
        assert_eq!(
            body.to_body().err().map(|e| e.kind()),
            Some(ErrorKind::Config)
        );
    }

    fn futures_empty() -> impl Stream<Item = io::Result<Bytes>> + Send {
        struct Empty;
        impl Stream for Empty {
            type Item = io::Result<Bytes>;
            fn poll_next(
                self: Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(None)
            }
        }
        Empty
    }
}
