//! The `Recorder` interface: where finished spans go, and the recorders every application
//! needs: in memory, to several, nowhere.

mod discard;
mod fanout;
mod in_memory;

pub use discard::Discard;
pub use fanout::Fanout;
pub use in_memory::InMemoryRecorder;

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
