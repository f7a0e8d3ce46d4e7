//! The `Recorder` interface: where finished spans go.

use crate::finished::FinishedSpan;

/// Receives every finished, sampled span, once.
///
/// The mock tracer records into memory; the reference tracer hands spans to reporters.
/// `record` runs on the thread that finished the span, so it must be quick and must not
/// block: hand the span to a queue if there is more to do.
pub trait Recorder: Send + Sync + 'static {
    /// Takes one finished span.
    fn record(&self, span: FinishedSpan);
}
