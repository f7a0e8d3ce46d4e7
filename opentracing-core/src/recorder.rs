//! The `Recorder` interface: where finished spans go.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::finished::FinishedSpan;

/// Receives every finished, sampled span, once.
///
/// The mock tracer records into memory; the reference tracer hands spans to reporters.
/// `record` runs on the thread that finished the span, so it must be quick and must not
/// block: hand the span to a queue if there is more to do.
pub trait Recorder: Send + Sync + 'static {
    /// Takes one finished span.
    fn record(&self, span: FinishedSpan);

    /// Whether spans that share their caller's span id (Zipkin's shared spans, see
    /// [`join_shared_spans`](crate::reference::ReferenceTracerBuilder::join_shared_spans))
    /// reach their destination intact. `false` by default, since a recorder that exports
    /// OTLP, which has no such flag, would give a backend two spans with one id; `true` for
    /// [`InMemoryRecorder`], the waterfall, and a reporter speaking Zipkin's encoding. A
    /// recorder that forwards to others answers for all of them.
    fn supports_shared_spans(&self) -> bool {
        false
    }
}

/// A recorder that keeps every span in memory, in finish order: for tests, demos and the
/// terminal waterfall. It grows without bound, so call [`take`](Self::take) or
/// [`clear`](Self::clear) in long-running use.
#[derive(Debug, Default)]
pub struct InMemoryRecorder {
    spans: Mutex<Vec<FinishedSpan>>,
}

impl InMemoryRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the recorded spans, in finish order.
    pub fn spans(&self) -> Vec<FinishedSpan> {
        self.lock().clone()
    }

    /// Removes and returns the recorded spans.
    pub fn take(&self) -> Vec<FinishedSpan> {
        std::mem::take(&mut *self.lock())
    }

    /// Forgets the recorded spans.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, Vec<FinishedSpan>> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Recorder for InMemoryRecorder {
    fn record(&self, span: FinishedSpan) {
        self.lock().push(span);
    }

    fn supports_shared_spans(&self) -> bool {
        true
    }
}
