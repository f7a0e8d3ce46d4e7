//! A recorder that keeps nothing.

use super::Recorder;
use crate::finished::FinishedSpan;

/// Records nothing: for a tracer that should propagate contexts and make sampling
/// decisions but report no span, and for benchmarks.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::Discard;
/// use opentracing_core::reference::ReferenceTracer;
///
/// let tracer = ReferenceTracer::new("edge", Arc::new(Discard));
/// # drop(tracer);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Recorder for Discard {
    fn record(&self, _: FinishedSpan) {}

    fn supports_shared_spans(&self) -> bool {
        true
    }
}
