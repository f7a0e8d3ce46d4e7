//! The mock tracer: records finished spans for assertions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::finished::FinishedSpan;
use crate::ids::{SpanId, TraceId};
use crate::options::SpanOptions;
use crate::propagation::{
    Codec, ExtractCarrier, InjectCarrier, OtHeaders, PropagationError, extract_standard,
    inject_standard,
};
use crate::recorder::InMemoryRecorder;
use crate::span::Span;
use crate::tracer::Tracer;

/// A tracer for tests: every finished span is kept in memory, in finish order.
///
/// Ids come from one counter starting at 1; a root takes its span id first, then its trace
/// id (as in opentracing-python's mock tracer). `TextMap` and `HttpHeaders` use the
/// [`OtHeaders`] format, `Binary` the [crate's binary format](crate::propagation::encode_binary).
/// Clones share the same spans.
///
/// ```
/// use opentracing_core::{MockTracer, Tracer};
///
/// let tracer = MockTracer::new();
/// {
///     let _parent = tracer.start_active_span("parent");
///     tracer.start_span("child").finish();
/// }
/// let spans = tracer.finished_spans();
/// assert_eq!(spans[0].operation_name(), "child");
/// assert_eq!(spans[0].parent_id(), Some(spans[1].context().span_id()));
/// ```
#[derive(Clone, Debug, Default)]
pub struct MockTracer {
    last_id: Arc<AtomicU64>,
    recorder: Arc<InMemoryRecorder>,
}

impl MockTracer {
    /// A mock tracer with no spans.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the finished spans, in finish order.
    pub fn finished_spans(&self) -> Vec<FinishedSpan> {
        self.recorder.spans()
    }

    /// Forgets the finished spans. Spans still running are recorded when they finish.
    pub fn reset(&self) {
        self.recorder.clear();
    }

    fn next_id(&self) -> u64 {
        self.last_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Tracer for MockTracer {
    fn start_span_with_options(&self, mut options: SpanOptions) -> Span {
        // The counter never reaches zero in practice (it would take 2^64 spans).
        let span_id = SpanId::new(self.next_id()).unwrap_or(SpanId::MIN);
        let context = match options.resolve_parent() {
            Some(parent) => parent.child(span_id),
            None => {
                let trace_id = TraceId::new(self.next_id().into()).unwrap_or(TraceId::MIN);
                SpanContext::new(trace_id, span_id)
            }
        };
        Span::new(context, options, self.recorder.clone())
    }

    fn inject(
        &self,
        context: &SpanContext,
        carrier: InjectCarrier<'_>,
    ) -> Result<(), PropagationError> {
        inject_standard(context, carrier, |context, map| {
            OtHeaders.inject(context, map)
        })
    }

    fn extract(&self, carrier: ExtractCarrier<'_>) -> Result<Option<Extracted>, PropagationError> {
        extract_standard(carrier, |map| OtHeaders.extract(map))
    }
}
