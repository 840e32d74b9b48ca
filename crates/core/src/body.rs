//! Request bodies (buffered or streaming) and streaming response bodies.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// The body of a request: empty, buffered bytes, or a stream that is sent as it is read
/// (a 1 GiB upload never sits in memory).
///
/// Buffered bodies are cheap to clone, so requests carrying them can be resent by the
/// retry policy. A streaming body can be sent once: a request with one is never resent.
pub struct Body {
    kind: Kind,
}

enum Kind {
    Empty,
    Bytes(Bytes),
    Stream {
        stream: ByteStream,
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

    /// A streaming body from a stream of chunks. With `len`, the request carries a
    /// `Content-Length`, else it is sent chunked.
    pub fn from_stream<S>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Body {
            kind: Kind::Stream {
                stream: Box::pin(stream),
                len,
            },
        }
    }

    /// A streaming body read from `reader` (a file, a pipe) in 64 KiB chunks.
    pub fn from_reader<R>(reader: R, len: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Body::from_stream(ReaderStream::new(reader), len)
    }

    /// The length, when known before sending.
    pub fn len_hint(&self) -> Option<u64> {
        match &self.kind {
            Kind::Empty => Some(0),
            Kind::Bytes(b) => Some(b.len() as u64),
            Kind::Stream { len, .. } => *len,
        }
    }

    /// True when the body can be sent again (it is not a stream).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, Kind::Stream { .. })
    }

    /// A copy for another attempt; `None` for a streaming body.
    pub(crate) fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Empty => Some(Body::empty()),
            Kind::Bytes(b) => Some(Body::from_bytes(b.clone())),
            Kind::Stream { .. } => None,
        }
    }

    /// Moves the body out, leaving an empty one.
    pub(crate) fn take(&mut self) -> Body {
        std::mem::take(self)
    }

    pub(crate) fn into_http(self) -> HttpBody {
        match self.kind {
            Kind::Empty => HttpBody::Full(None),
            Kind::Bytes(b) if b.is_empty() => HttpBody::Full(None),
            Kind::Bytes(b) => HttpBody::Full(Some(b)),
            Kind::Stream { stream, len } => HttpBody::Stream {
                stream,
                remaining: len,
            },
        }
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
            Kind::Stream { len, .. } => write!(f, "Body::Stream(len {len:?})"),
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

/// The body type handed to hyper.
pub(crate) enum HttpBody {
    Full(Option<Bytes>),
    Stream {
        stream: ByteStream,
        remaining: Option<u64>,
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
            HttpBody::Stream { stream, remaining } => {
                match ready!(stream.as_mut().poll_next(cx)) {
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
                        }
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                    Some(Err(e)) => Poll::Ready(Some(Err(e))),
                    None => match remaining {
                        Some(r) if *r > 0 => Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "body stream ended before its declared length",
                        )))),
                        _ => Poll::Ready(None),
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
        let collected = body.into_http().collect().await.unwrap().to_bytes();
        assert_eq!(collected.as_ref(), data.as_slice());
    }

    #[tokio::test]
    async fn short_stream_is_an_error() {
        let body = Body::from_reader(std::io::Cursor::new(vec![1u8; 10]), Some(11));
        assert!(body.into_http().collect().await.is_err());
    }

    #[test]
    fn debug_shows_size_only() {
        let body = Body::from_bytes("password=hunter2");
        assert_eq!(format!("{body:?}"), "Body::Bytes(16 bytes)");
    }
}
