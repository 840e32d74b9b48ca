//! What several core test binaries share: a TRACE log capture and an mpsc receiver as a
//! body stream. Each binary uses part of it.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// Log output written by a `tracing` subscriber, for checks that no secret is in it.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Captures every log line at TRACE level on this thread until the guard drops; use a
/// current-thread runtime so that the tasks hyper spawns log here too.
pub(crate) fn capture_trace_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

/// An mpsc receiver as a body `Stream`, without pulling in a stream-utilities crate.
pub(crate) struct ReceiverStream(pub(crate) tokio::sync::mpsc::Receiver<io::Result<Bytes>>);

impl futures_core::Stream for ReceiverStream {
    type Item = io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
