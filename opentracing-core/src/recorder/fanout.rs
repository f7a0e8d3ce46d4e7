//! A recorder that hands each span to several.

use std::fmt;
use std::sync::Arc;

use super::Recorder;
use crate::finished::FinishedSpan;

/// Hands each span to every recorder it holds, in order: a reporter and a terminal
/// waterfall, two reporters, a reporter and a test's [`InMemoryRecorder`](super::InMemoryRecorder).
/// It supports shared spans only if every one of them does.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::{Fanout, InMemoryRecorder, Recorder, Tracer};
/// use opentracing_core::reference::ReferenceTracer;
///
/// let (first, second) = (Arc::new(InMemoryRecorder::new()), Arc::new(InMemoryRecorder::new()));
/// let both = Fanout::new().with(first.clone()).with(second.clone());
/// ReferenceTracer::new("shop", Arc::new(both)).start_span("work").finish();
/// assert_eq!((first.spans().len(), second.spans().len()), (1, 1));
/// ```
#[derive(Clone, Default)]
pub struct Fanout {
    recorders: Vec<Arc<dyn Recorder>>,
}

impl Fanout {
    /// A fan-out to no recorder yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same fan-out, handing spans to `recorder` too.
    #[must_use]
    pub fn with(mut self, recorder: Arc<dyn Recorder>) -> Self {
        self.recorders.push(recorder);
        self
    }

    /// How many recorders it hands spans to.
    pub fn len(&self) -> usize {
        self.recorders.len()
    }

    /// Whether it hands spans to no recorder.
    pub fn is_empty(&self) -> bool {
        self.recorders.is_empty()
    }
}

impl Recorder for Fanout {
    fn record(&self, span: FinishedSpan) {
        if let Some((last, others)) = self.recorders.split_last() {
            for recorder in others {
                recorder.record(span.clone());
            }
            last.record(span);
        }
    }

    fn supports_shared_spans(&self) -> bool {
        self.recorders
            .iter()
            .all(|recorder| recorder.supports_shared_spans())
    }
}

impl fmt::Debug for Fanout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("recorders", &self.recorders.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::{Discard, InMemoryRecorder};

    /// A recorder that cannot record shared spans, as one exporting OTLP.
    struct NoShared;

    impl Recorder for NoShared {
        fn record(&self, _: FinishedSpan) {}
    }

    #[test]
    fn shared_spans_only_if_every_recorder_takes_them() {
        let both = Fanout::new()
            .with(Arc::new(Discard))
            .with(Arc::new(InMemoryRecorder::new()));
        assert!(both.supports_shared_spans());
        assert!(!both.with(Arc::new(NoShared)).supports_shared_spans());
        assert!(Fanout::new().is_empty());
    }
}
