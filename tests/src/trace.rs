//! Capturing `tracing` output at TRACE level, for checks on what the logs contain.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::subscriber::DefaultGuard;

/// Everything formatted by the subscriber installed with [`TraceCapture::install`].
///
/// The subscriber is the thread's default, so a check must run on a current-thread
/// runtime: then every task the client, hyper and the mock spawn logs into it.
#[derive(Debug, Clone, Default)]
pub struct TraceCapture {
    bytes: Arc<Mutex<Vec<u8>>>,
}

/// Keeps the capturing subscriber installed on this thread; dropping it uninstalls it.
#[derive(Debug)]
#[must_use = "the capture stops when the guard is dropped"]
pub struct CaptureGuard {
    _guard: DefaultGuard,
}

impl TraceCapture {
    /// Installs a TRACE-level `fmt` subscriber (no ANSI colours) writing into a new capture,
    /// as this thread's default.
    pub fn install() -> (TraceCapture, CaptureGuard) {
        let capture = TraceCapture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (capture, CaptureGuard { _guard: guard })
    }

    /// What was captured so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        let bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for TraceCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
