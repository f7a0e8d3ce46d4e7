//! The span context: what crosses process boundaries.

use crate::baggage::Baggage;
use crate::ids::{SpanId, TraceId};
use crate::propagation::TraceState;
use crate::sampling::Sampling;

/// The part of a span that is propagated: trace id, span id, sampling decision and baggage,
/// plus what the wire formats need to pass on faithfully (W3C `tracestate` and its
/// random-trace-id flag, the caller's parent span id from B3, which format it came in).
///
/// Contexts are immutable values: cheap to clone (baggage and trace state are shared) and
/// `Send + Sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanContext {
    trace_id: TraceId,
    span_id: SpanId,
    sampling: Sampling,
    random_trace_id: bool,
    remote: bool,
    shared: bool,
    origin: Option<&'static str>,
    parent_span_id: Option<SpanId>,
    baggage: Baggage,
    trace_state: TraceState,
}

impl SpanContext {
    /// A sampled context with no baggage.
    pub const fn new(trace_id: TraceId, span_id: SpanId) -> Self {
        Self {
            trace_id,
            span_id,
            sampling: Sampling::Accept,
            random_trace_id: false,
            remote: false,
            shared: false,
            origin: None,
            parent_span_id: None,
            baggage: Baggage::new(),
            trace_state: TraceState::new(),
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
        self.sampling.is_sampled()
    }

    /// The sampling decision.
    pub const fn sampling(&self) -> Sampling {
        self.sampling
    }

    /// Whether the trace id is known to be random (W3C Level 2's `random` trace flag).
    pub const fn has_random_trace_id(&self) -> bool {
        self.random_trace_id
    }

    /// The name of the codec this context was extracted with, passed on to children, so a
    /// service can answer in the format its caller used.
    pub const fn origin(&self) -> Option<&'static str> {
        self.origin
    }

    /// Whether this context was extracted from a carrier (set with
    /// [`with_origin`](Self::with_origin)); its children are local.
    pub const fn is_remote(&self) -> bool {
        self.remote
    }

    /// Whether this is a span shared with the caller, Zipkin style: the server side of an RPC
    /// that kept the client's span id. Its parent is the caller's [parent](Self::parent_span_id).
    pub const fn is_shared(&self) -> bool {
        self.shared
    }

    /// The parent span id this context's span reports, when it is decided by the context
    /// itself (a shared span's is its remote parent).
    pub(crate) const fn shared_parent_id(&self) -> Option<Option<SpanId>> {
        if self.shared {
            Some(self.parent_span_id)
        } else {
            None
        }
    }

    /// The span id of this span's parent, when known: set on children, and on contexts
    /// extracted from formats that carry it (B3's `X-B3-ParentSpanId`, which B3 sends for
    /// every child and which a joined shared span reports as its parent).
    pub const fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The baggage items.
    pub const fn baggage(&self) -> &Baggage {
        &self.baggage
    }

    /// The value of one baggage item.
    pub fn baggage_item(&self, key: &str) -> Option<&str> {
        self.baggage.get(key)
    }

    /// The W3C trace state.
    pub const fn trace_state(&self) -> &TraceState {
        &self.trace_state
    }

    /// This context with another sampling decision (`true` is `Accept`, `false` is `Deny`).
    #[must_use]
    pub fn with_sampled(self, sampled: bool) -> Self {
        self.with_sampling(Sampling::from_sampled(sampled))
    }

    /// This context with another sampling decision.
    #[must_use]
    pub fn with_sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = sampling;
        self
    }

    /// This context, marked as having a random trace id (or not).
    #[must_use]
    pub fn with_random_trace_id(mut self, random: bool) -> Self {
        self.random_trace_id = random;
        self
    }

    /// This context, marked as extracted by the codec called `origin` (and so remote).
    #[must_use]
    pub fn with_origin(mut self, origin: &'static str) -> Self {
        self.origin = Some(origin);
        self.remote = true;
        self
    }

    /// This local context, answering in the format `origin`: for a tracer that starts a
    /// trace because a caller sent only a [`Decision`](crate::Decision) in that format, so that its
    /// propagator writes the decision back the same way. Unlike
    /// [`with_origin`](Self::with_origin), the context stays local.
    #[must_use]
    pub fn answering_in(mut self, origin: Option<&'static str>) -> Self {
        self.origin = origin;
        self
    }

    /// The context of a span that joins this remote one (same ids, Zipkin's shared span):
    /// local, shared, with the same remote parent.
    #[must_use]
    pub fn joined(&self) -> Self {
        Self {
            remote: false,
            shared: true,
            ..self.clone()
        }
    }

    /// This context with its span's parent span id.
    #[must_use]
    pub fn with_parent_span_id(mut self, parent: Option<SpanId>) -> Self {
        self.parent_span_id = parent;
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

    /// This context with another W3C trace state.
    #[must_use]
    pub fn with_trace_state(mut self, trace_state: TraceState) -> Self {
        self.trace_state = trace_state;
        self
    }

    /// A context for a child span: same trace, sampling, baggage, trace state and origin;
    /// a new span id whose parent is this one; local, not shared.
    #[must_use]
    pub fn child(&self, span_id: SpanId) -> Self {
        Self {
            span_id,
            parent_span_id: Some(self.span_id),
            remote: false,
            shared: false,
            ..self.clone()
        }
    }

    pub(crate) fn baggage_mut(&mut self) -> &mut Baggage {
        &mut self.baggage
    }
}
