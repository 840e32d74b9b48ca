//! Capturing `tracing` output at TRACE level, for checks on what the logs contain.

use std::io::Write;
use std::sync::{Arc, Mutex, Once, PoisonError};

use tracing::subscriber::{DefaultGuard, Interest};
use tracing::{Event, Metadata, span};

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
        // A callsite first hit on another test's thread while no capture was installed
        // could cache a "never" interest and stay silent here (an occasional "spans were
        // not captured"): a global subscriber that answers "sometimes" for every callsite
        // keeps each one asking the thread's current subscriber.
        static QUIET: Once = Once::new();
        QUIET.call_once(|| {
            let _ = tracing::subscriber::set_global_default(AskEveryTime);
        });
        let guard = tracing::subscriber::set_default(subscriber);
        tracing::callsite::rebuild_interest_cache();
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

/// The global subscriber of a test binary that captures: records nothing, and tells every
/// callsite to ask the current subscriber each time, so a thread's capture sees them all.
struct AskEveryTime;

impl tracing::Subscriber for AskEveryTime {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}
