//! Socket wrappers that let a connection notice the peer's close and let faults cut it.
//!
//! [`TcpIo`] sits under TLS, [`HyperIo`] between TLS (or TCP) and hyper. Both report end of
//! stream from the peer, because with TLS the TCP-level EOF may never reach hyper (rustls stops
//! reading after `close_notify`) and without `close_notify` only the TCP level sees it.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::conn::ConnShared;
use crate::framing::RequestFramer;

pub(crate) struct TcpIo {
    tcp: TcpStream,
    conn: Arc<ConnShared>,
}

impl TcpIo {
    pub(crate) fn new(tcp: TcpStream, conn: Arc<ConnShared>) -> Self {
        Self { tcp, conn }
    }
}

impl Drop for TcpIo {
    fn drop(&mut self) {
        if self.conn.rst_on_close() {
            // Zero linger turns the close into a RST, which is what `ResetMidBody` promises.
            let _ = self.tcp.set_zero_linger();
        }
    }
}

/// The socket hyper reads: request bytes pass through a [`RequestFramer`], which rewrites raw
/// bytes hyper would refuse in request targets and reports each head and body to the
/// connection.
pub(crate) struct HyperIo<S> {
    inner: S,
    conn: Arc<ConnShared>,
    framer: RequestFramer,
    /// Framed bytes hyper has not read yet.
    pending: BytesMut,
    scratch: Box<[u8]>,
    eof: bool,
}

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 32 * 1024;

impl<S> HyperIo<S> {
    pub(crate) fn new(inner: S, conn: Arc<ConnShared>) -> Self {
        Self {
            inner,
            conn,
            framer: RequestFramer::default(),
            pending: BytesMut::new(),
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            eof: false,
        }
    }
}

impl<S> Drop for HyperIo<S> {
    fn drop(&mut self) {
        if let Some(len) = self.framer.body_in_progress() {
            self.conn.body_cut_short(len);
        }
    }
}

fn watch_read<S: AsyncRead + Unpin>(
    inner: &mut S,
    conn: &ConnShared,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    if conn.is_killed() {
        // The connection task is about to drop this socket; no byte may pass meanwhile.
        return Poll::Pending;
    }
    let before = buf.filled().len();
    let asked = buf.remaining() > 0;
    let result = Pin::new(inner).poll_read(cx, buf);
    match &result {
        Poll::Ready(Ok(())) if asked && buf.filled().len() == before => conn.note_peer_closed(),
        Poll::Ready(Err(_)) => conn.note_peer_closed(),
        _ => {}
    }
    result
}

impl AsyncRead for TcpIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        watch_read(&mut this.tcp, &this.conn, cx, buf)
    }
}

impl AsyncWrite for TcpIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_killed() {
            return Poll::Pending;
        }
        Pin::new(&mut this.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_killed() {
            return Poll::Pending;
        }
        Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HyperIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.conn.is_killed() {
                return Poll::Pending;
            }
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending.split_to(n));
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut this.scratch);
            ready!(watch_read(&mut this.inner, &this.conn, cx, &mut read))?;
            let mut events = Vec::new();
            if read.filled().is_empty() {
                this.eof = true;
                this.framer.finish(&mut this.pending);
            } else {
                this.framer
                    .feed(read.filled(), &mut this.pending, &mut events);
            }
            for event in events {
                this.conn.framing_event(event);
            }
            // A head still incomplete leaves nothing for hyper yet: read on.
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HyperIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_killed() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.conn.is_killed() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.conn.is_killed() {
            return Poll::Pending;
        }
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        // hyper flushes after a body returns Pending, so once this flush is done every byte a
        // fault body handed out has reached the kernel and the fault may cut the connection.
        if matches!(result, Poll::Ready(Ok(()))) && this.conn.fire_after_flush() {
            return Poll::Pending;
        }
        result
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
