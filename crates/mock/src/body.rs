//! Response bodies for handlers: buffered, empty, streamed and generated.
//!
//! Every constructor returns a [`MockBody`]. The streamed kinds hand hyper one chunk at a time,
//! so a 1 GiB response never sits in memory.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};
use tokio::sync::mpsc;

/// The error type of bodies and handlers.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body every handler answers with.
pub type MockBody = UnsyncBoxBody<Bytes, BoxError>;

/// A body holding `bytes`, sent with a `Content-Length`.
pub fn full(bytes: impl Into<Bytes>) -> MockBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body (`Content-Length: 0` where the status allows one).
pub fn empty() -> MockBody {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A body read from a stream of chunks, sent chunked unless the response sets
/// `Content-Length`.
///
/// An `Err` item aborts the response mid-body: the client sees a broken message.
pub fn stream<S, E>(chunks: S) -> MockBody
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError>,
{
    StreamedBody {
        chunks: Box::pin(chunks),
    }
    .boxed_unsync()
}

/// A body fed from a [`BodySender`], for handlers that produce data as they go.
///
/// `capacity` chunks may wait in the channel; further sends wait for the client to read.
pub fn channel(capacity: usize) -> (BodySender, MockBody) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (BodySender { tx }, ChannelBody { rx }.boxed_unsync())
}

/// `len` bytes of the kit's deterministic pattern: byte `i` is `(i % 251) as u8`.
///
/// The body knows its exact length, so hyper sends `Content-Length: len`. Chunks are slices of
/// one shared table: generating even a 1 GiB body allocates nothing per chunk.
pub fn pattern(len: u64) -> MockBody {
    PatternBody {
        offset: 0,
        remaining: len,
    }
    .boxed_unsync()
}

/// Byte `index` of the deterministic pattern served by [`pattern`] and `GET /bytes/{n}`.
pub fn pattern_byte(index: u64) -> u8 {
    // 251 is prime, so the pattern never lines up with power-of-two chunk or buffer sizes.
    (index % 251) as u8
}

/// The bytes of the pattern from `offset` on, at most [`PATTERN_CHUNK`] of them.
///
/// Tests compare received chunks against this slice instead of checking byte by byte.
pub fn pattern_chunk(offset: u64, len: usize) -> Bytes {
    let start = (offset % 251) as usize;
    let len = len.min(PATTERN_CHUNK);
    Bytes::from_static(&pattern_table()[start..start + len])
}

/// The largest chunk [`pattern`] and [`pattern_chunk`] hand out.
pub const PATTERN_CHUNK: usize = 64 * 1024;

fn pattern_table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..(PATTERN_CHUNK as u64 + 251))
            .map(pattern_byte)
            .collect()
    })
}

/// The sending half of [`channel`].
#[derive(Debug, Clone)]
pub struct BodySender {
    tx: mpsc::Sender<Result<Bytes, BoxError>>,
}

/// The client went away (or hyper dropped the body) before the chunk could be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the response body was dropped before all of it was sent")]
pub struct BodyClosed;

impl BodySender {
    /// Queues one chunk, waiting while the channel is full.
    pub async fn send(&self, chunk: Bytes) -> Result<(), BodyClosed> {
        self.tx.send(Ok(chunk)).await.map_err(|_| BodyClosed)
    }

    /// Ends the body with an error, so the client sees an incomplete message.
    pub async fn abort(self, error: impl Into<BoxError>) {
        // A client that already left needs no error.
        let _ = self.tx.send(Err(error.into())).await;
    }
}

struct StreamedBody<S> {
    chunks: Pin<Box<S>>,
}

impl<S, E> Body for StreamedBody<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.chunks
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map(Frame::data).map_err(Into::into)))
    }
}

struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, BoxError>>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.rx
            .poll_recv(cx)
            .map(|item| item.map(|chunk| chunk.map(Frame::data)))
    }
}

struct PatternBody {
    offset: u64,
    remaining: u64,
}

impl Body for PatternBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let len = usize::try_from(self.remaining).map_or(PATTERN_CHUNK, |r| r.min(PATTERN_CHUNK));
        let chunk = pattern_chunk(self.offset, len);
        self.offset += chunk.len() as u64;
        self.remaining -= chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
