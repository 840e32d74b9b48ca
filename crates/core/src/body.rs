//! Request bodies: buffered, replayable (re-opened for every attempt) or one-shot
//! streams.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::Instant;

use crate::auth::BoxFuture;

type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;
type Opener = Arc<dyn Fn() -> BoxFuture<'static, io::Result<Body>> + Send + Sync>;

/// The body of a request.
///
/// - **Buffered** ([`from_bytes`](Body::from_bytes), `From<Vec<u8>>`, `From<String>`):
///   cheap to clone; resent freely by the retry policy.
/// - **Replayable** ([`from_file`](Body::from_file), [`replayable`](Body::replayable)):
///   streamed, and produced again for every attempt (a file is re-opened), so an upload
///   fails over to the next node and is retried exactly like a buffered body.
/// - **One-shot** ([`from_stream`](Body::from_stream), [`from_reader`](Body::from_reader)):
///   streamed once. It still fails over to another node when nothing was read from it
///   (the connection failed before the upload began); once read from, it is never resent.
///
/// A 1 GiB upload never sits in memory in either streaming form.
pub struct Body {
    kind: Kind,
}

enum Kind {
    Empty,
    Bytes(Bytes),
    OneShot {
        /// The stream, until the first attempt reads from it.
        slot: Arc<Mutex<Option<ByteStream>>>,
        len: Option<u64>,
    },
    Replay {
        open: Opener,
        len: Option<u64>,
    },
}

impl Body {
    /// No body.
    pub fn empty() -> Self {
        Body { kind: Kind::Empty }
    }

    /// A buffered body.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Body {
            kind: Kind::Bytes(bytes.into()),
        }
    }

    /// A one-shot streaming body from a stream of chunks. With `len`, the request carries
    /// a `Content-Length` (and a stream of another length fails the upload), else it is
    /// sent chunked.
    pub fn from_stream<S>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Body {
            kind: Kind::OneShot {
                slot: Arc::new(Mutex::new(Some(Box::pin(stream)))),
                len,
            },
        }
    }

    /// A one-shot streaming body read from `reader` (a pipe, a socket) in 64 KiB chunks.
    pub fn from_reader<R>(reader: R, len: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Body::from_stream(ReaderStream::new(reader), len)
    }

    /// A replayable body: `open` is called for every attempt and returns the body to send
    /// (typically a [`from_reader`](Body::from_reader) over a freshly opened source).
    /// `len` is the length every opened body has, when known.
    pub fn replayable<F, Fut>(len: Option<u64>, open: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<Body>> + Send + 'static,
    {
        Body {
            kind: Kind::Replay {
                open: Arc::new(move || Box::pin(open())),
                len,
            },
        }
    }

    /// A replayable body streamed from the file at `path`, re-opened for every attempt.
    /// Its length is taken when the file is opened; a file that changes size between
    /// attempts fails the upload instead of sending a different body.
    pub async fn from_file(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        let len = tokio::fs::metadata(&path).await?.len();
        Ok(Body::replayable(Some(len), move || {
            let path = path.clone();
            async move {
                let file = tokio::fs::File::open(&path).await?;
                Ok(Body::from_reader(file, Some(len)))
            }
        }))
    }

    /// The length, when known before sending.
    pub fn len_hint(&self) -> Option<u64> {
        match &self.kind {
            Kind::Empty => Some(0),
            Kind::Bytes(b) => Some(b.len() as u64),
            Kind::OneShot { len, .. } | Kind::Replay { len, .. } => *len,
        }
    }

    /// True when the body can be sent again whatever happened to an earlier attempt
    /// (buffered or replayable).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, Kind::OneShot { .. })
    }

    /// True for a streaming body (one-shot or replayable).
    pub fn is_streaming(&self) -> bool {
        matches!(self.kind, Kind::OneShot { .. } | Kind::Replay { .. })
    }

    #[cfg(test)]
    pub(crate) fn into_http(self, progress: Option<Arc<Progress>>) -> HttpBody {
        match self.kind {
            Kind::Empty => HttpBody::Full(None),
            Kind::Bytes(b) if b.is_empty() => HttpBody::Full(None),
            Kind::Bytes(b) => HttpBody::Full(Some(b)),
            Kind::OneShot { slot, len } => HttpBody::Stream {
                source: StreamSource::Slot(slot),
                remaining: len,
                progress,
            },
            // Replayable bodies are opened by the caller of `into_http`, never here.
            Kind::Replay { .. } => HttpBody::Full(None),
        }
    }
}

/// Produces the body of each attempt of one request.
pub(crate) enum BodySource {
    /// Buffered: cloned for every attempt.
    Buffered(Option<Bytes>),
    /// Opened again for every attempt.
    Replay { open: Opener, len: Option<u64> },
    /// One stream; available again only while no attempt has read from it.
    OneShot {
        slot: Arc<Mutex<Option<ByteStream>>>,
        len: Option<u64>,
    },
}

impl BodySource {
    pub(crate) fn new(body: Body) -> Self {
        match body.kind {
            Kind::Empty => BodySource::Buffered(None),
            Kind::Bytes(b) => BodySource::Buffered(Some(b)),
            Kind::Replay { open, len } => BodySource::Replay { open, len },
            Kind::OneShot { slot, len } => BodySource::OneShot { slot, len },
        }
    }

    /// Whether another attempt can send the body as the caller gave it.
    pub(crate) fn can_resend(&self) -> bool {
        match self {
            BodySource::Buffered(_) | BodySource::Replay { .. } => true,
            BodySource::OneShot { slot, .. } => slot.lock().map(|s| s.is_some()).unwrap_or(false),
        }
    }

    pub(crate) fn is_streaming(&self) -> bool {
        !matches!(self, BodySource::Buffered(_))
    }

    /// The body of the next attempt.
    pub(crate) async fn next(&self, progress: Option<Arc<Progress>>) -> io::Result<HttpBody> {
        match self {
            BodySource::Buffered(None) => Ok(HttpBody::Full(None)),
            BodySource::Buffered(Some(b)) => Ok(HttpBody::Full(Some(b.clone()))),
            BodySource::OneShot { slot, len } => {
                if !self.can_resend() {
                    return Err(io::Error::other(
                        "the body stream was partly sent by an earlier attempt",
                    ));
                }
                Ok(HttpBody::Stream {
                    source: StreamSource::Slot(Arc::clone(slot)),
                    remaining: *len,
                    progress,
                })
            }
            BodySource::Replay { open, len } => {
                let body = open().await?;
                match body.kind {
                    Kind::Empty => Ok(HttpBody::Full(None)),
                    Kind::Bytes(b) => {
                        if len.is_some_and(|l| l != b.len() as u64) {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                "the re-opened body has another length than declared",
                            ));
                        }
                        Ok(HttpBody::Full(Some(b)))
                    }
                    Kind::OneShot { slot, len: opened } => Ok(HttpBody::Stream {
                        source: StreamSource::Slot(slot),
                        remaining: len.or(opened),
                        progress,
                    }),
                    Kind::Replay { .. } => Err(io::Error::other(
                        "a replayable body's opener returned another replayable body",
                    )),
                }
            }
        }
    }
}

/// Upload progress shared between a streaming body and the attempt that sends it.
#[derive(Debug)]
pub(crate) struct Progress {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last chunk handed to the connection.
    last_ms: AtomicU64,
    done: AtomicBool,
}

impl Progress {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Progress {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            done: AtomicBool::new(false),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// When the last chunk moved (the start, before any).
    pub(crate) fn last(&self) -> Instant {
        self.epoch + std::time::Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// True once the whole body was handed to the connection.
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Empty => f.write_str("Body::Empty"),
            // Bodies may carry passwords (login requests): print only the size.
            Kind::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Kind::OneShot { len, .. } => write!(f, "Body::Stream(len {len:?})"),
            Kind::Replay { len, .. } => write!(f, "Body::Replayable(len {len:?})"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::from_bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::from_bytes(b)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from_bytes(s)
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::from_bytes(Bytes::from_static(s.as_bytes()))
    }
}

/// Where a streaming body's chunks come from: the shared slot until the first read, then
/// the stream taken out of it.
pub(crate) enum StreamSource {
    Slot(Arc<Mutex<Option<ByteStream>>>),
    Taken(ByteStream),
}

/// The body type handed to hyper.
pub(crate) enum HttpBody {
    Full(Option<Bytes>),
    Stream {
        source: StreamSource,
        remaining: Option<u64>,
        progress: Option<Arc<Progress>>,
    },
}

impl http_body::Body for HttpBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            HttpBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            HttpBody::Stream {
                source,
                remaining,
                progress,
            } => {
                if let StreamSource::Slot(slot) = source {
                    // The first read takes the stream: from now on it cannot be resent.
                    let taken = slot.lock().ok().and_then(|mut s| s.take());
                    match taken {
                        Some(stream) => *source = StreamSource::Taken(stream),
                        None => {
                            return Poll::Ready(Some(Err(io::Error::other(
                                "the body stream was already read by another attempt",
                            ))));
                        }
                    }
                }
                let StreamSource::Taken(stream) = source else {
                    return Poll::Ready(None);
                };
                let next = ready!(stream.as_mut().poll_next(cx));
                if let Some(p) = progress {
                    p.touch();
                }
                match next {
                    Some(Ok(chunk)) => {
                        if let Some(r) = remaining {
                            // A stream longer than its declared length would corrupt the
                            // framing: fail the upload instead.
                            let n = chunk.len() as u64;
                            if n > *r {
                                return Poll::Ready(Some(Err(io::Error::new(
                                    io::ErrorKind::InvalidData,
                                    "body stream is longer than its declared length",
                                ))));
                            }
                            *r -= n;
                            if *r == 0
                                && let Some(p) = progress
                            {
                                p.done.store(true, Ordering::Relaxed);
                            }
                        }
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                    Some(Err(e)) => Poll::Ready(Some(Err(e))),
                    None => match remaining {
                        Some(r) if *r > 0 => Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "body stream ended before its declared length",
                        )))),
                        _ => {
                            if let Some(p) = progress {
                                p.done.store(true, Ordering::Relaxed);
                            }
                            Poll::Ready(None)
                        }
                    },
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            HttpBody::Full(b) => b.is_none(),
            HttpBody::Stream { remaining, .. } => *remaining == Some(0),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            HttpBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            HttpBody::Stream {
                remaining: Some(r), ..
            } => SizeHint::with_exact(*r),
            HttpBody::Stream { .. } => SizeHint::default(),
        }
    }
}

const READ_CHUNK: usize = 64 * 1024;

/// Adapts an `AsyncRead` into a stream of chunks.
struct ReaderStream<R> {
    reader: Option<Pin<Box<R>>>,
    buf: BytesMut,
}

impl<R: AsyncRead> ReaderStream<R> {
    fn new(reader: R) -> Self {
        ReaderStream {
            reader: Some(Box::pin(reader)),
            buf: BytesMut::new(),
        }
    }
}

impl<R: AsyncRead> Stream for ReaderStream<R> {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(reader) = this.reader.as_mut() else {
            return Poll::Ready(None);
        };
        if this.buf.capacity() < READ_CHUNK {
            this.buf.reserve(READ_CHUNK);
        }
        let spare = this.buf.spare_capacity_mut();
        let mut rb = ReadBuf::uninit(spare);
        match ready!(reader.as_mut().poll_read(cx, &mut rb)) {
            Ok(()) => {
                let n = rb.filled().len();
                if n == 0 {
                    this.reader = None;
                    return Poll::Ready(None);
                }
                let chunk = Bytes::copy_from_slice(rb.filled());
                Poll::Ready(Some(Ok(chunk)))
            }
            Err(e) => {
                this.reader = None;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn reader_body_streams_all_bytes() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let body = Body::from_reader(std::io::Cursor::new(data.clone()), Some(200_000));
        assert!(!body.is_replayable());
        let collected = body.into_http(None).collect().await.unwrap().to_bytes();
        assert_eq!(collected.as_ref(), data.as_slice());
    }

    #[tokio::test]
    async fn short_stream_is_an_error() {
        let body = Body::from_reader(std::io::Cursor::new(vec![1u8; 10]), Some(11));
        assert!(body.into_http(None).collect().await.is_err());
    }

    #[tokio::test]
    async fn a_one_shot_stream_can_be_resent_only_until_it_is_read() {
        let source = BodySource::new(Body::from_reader(std::io::Cursor::new(vec![7u8; 10]), None));
        // An attempt that never read the body (the connection failed) leaves it in place.
        drop(source.next(None).await.unwrap());
        assert!(source.can_resend());
        let sent = source.next(None).await.unwrap().collect().await.unwrap();
        assert_eq!(sent.to_bytes().len(), 10);
        assert!(!source.can_resend());
        assert!(source.next(None).await.is_err());
    }

    #[tokio::test]
    async fn a_file_body_is_reopened_for_every_attempt() {
        let path = std::env::temp_dir().join(format!("storkit-body-{}", std::process::id()));
        tokio::fs::write(&path, b"hello file").await.unwrap();
        let body = Body::from_file(&path).await.unwrap();
        assert!(body.is_replayable() && body.is_streaming());
        assert_eq!(body.len_hint(), Some(10));
        let source = BodySource::new(body);
        for _ in 0..2 {
            let progress = Progress::new();
            let sent = source.next(Some(progress.clone())).await.unwrap();
            let bytes = sent.collect().await.unwrap().to_bytes();
            assert_eq!(bytes.as_ref(), b"hello file");
            assert!(progress.is_done());
        }
        // A file that grew between attempts fails the upload instead of sending more.
        tokio::fs::write(&path, b"hello file, longer now")
            .await
            .unwrap();
        let sent = source.next(None).await.unwrap();
        assert!(sent.collect().await.is_err());
        let _ = tokio::fs::remove_file(&path).await;
    }

    #[test]
    fn debug_shows_size_only() {
        let body = Body::from_bytes("password=hunter2");
        assert_eq!(format!("{body:?}"), "Body::Bytes(16 bytes)");
    }
}
