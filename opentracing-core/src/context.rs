//! The span context: what crosses process boundaries.

use crate::baggage::Baggage;
use crate::ids::{SpanId, TraceId};

/// The part of a span that is propagated: trace id, span id, sampling decision and baggage.
///
/// Contexts are immutable values: cheap to clone (the baggage is shared) and `Send + Sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanContext {
    trace_id: TraceId,
    span_id: SpanId,
    sampled: bool,
    baggage: Baggage,
}

impl SpanContext {
    /// A sampled context with no baggage.
    pub const fn new(trace_id: TraceId, span_id: SpanId) -> Self {
        Self {
            trace_id,
            span_id,
            sampled: true,
            baggage: Baggage::new(),
        }
    }

    /// The id of the whole trace.
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The id of this span.
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// Whether the trace is recorded. Unsampled contexts still propagate ids and baggage.
    pub const fn is_sampled(&self) -> bool {
        self.sampled
    }

    /// The baggage items.
    pub const fn baggage(&self) -> &Baggage {
        &self.baggage
    }

    /// The value of one baggage item.
    pub fn baggage_item(&self, key: &str) -> Option<&str> {
        self.baggage.get(key)
    }

    /// This context with another sampling decision.
    #[must_use]
    pub fn with_sampled(mut self, sampled: bool) -> Self {
        self.sampled = sampled;
        self
    }

    /// This context with other baggage.
    #[must_use]
    pub fn with_baggage(mut self, baggage: Baggage) -> Self {
        self.baggage = baggage;
        self
    }

    /// This context with one more baggage item.
    #[must_use]
    pub fn with_baggage_item(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.baggage.set(key, value);
        self
    }

    /// A context for a child span: same trace, sampling and baggage; a new span id.
    #[must_use]
    pub fn child(&self, span_id: SpanId) -> Self {
        Self {
            span_id,
            ..self.clone()
        }
    }

    pub(crate) fn baggage_mut(&mut self) -> &mut Baggage {
        &mut self.baggage
    }
}
