//! What a carrier holds: a caller's span context, or only a sampling decision.

use crate::baggage::Baggage;
use crate::context::SpanContext;
use crate::sampling::Sampling;

/// What [`Tracer::extract`](crate::Tracer::extract) and the codecs read from a carrier.
///
/// Most callers send the context of their span. Some send only a decision: B3's `b3: 0`
/// or a lone `X-B3-Sampled`, Jaeger's `jaeger-debug-id` without `uber-trace-id`, or
/// baggage with no trace. Either kind is given to
/// [`SpanBuilder::child_of`](crate::SpanBuilder::child_of): a context becomes the parent;
/// a decision makes the new span a root that follows it and carries its baggage, whatever
/// span is active.
///
/// ```
/// use opentracing_core::propagation::{B3, Codec};
/// use opentracing_core::{Extracted, MockTracer, Sampling, Tracer};
///
/// let headers = vec![("b3".to_owned(), "0".to_owned())];
/// let Some(Extracted::Decision(decision)) = B3::single().extract(&headers).unwrap() else {
///     panic!("b3: 0 is a bare decision");
/// };
/// assert_eq!(decision.sampling(), Sampling::Deny);
///
/// let tracer = MockTracer::new();
/// let active = tracer.start_active_span("unrelated");
/// let span = tracer.span_builder("handle").child_of(Extracted::from(decision)).start();
/// assert_eq!(span.parent_id(), None, "a root, whatever span is active");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extracted {
    /// The context of the caller's span.
    Span(SpanContext),
    /// A sampling decision, and maybe baggage, with no span.
    Decision(Decision),
}

impl Extracted {
    /// The caller's span context, unless only a decision came.
    pub const fn span_context(&self) -> Option<&SpanContext> {
        match self {
            Self::Span(context) => Some(context),
            Self::Decision(_) => None,
        }
    }

    /// The caller's span context, unless only a decision came.
    pub fn into_span_context(self) -> Option<SpanContext> {
        match self {
            Self::Span(context) => Some(context),
            Self::Decision(_) => None,
        }
    }

    /// The sampling decision.
    pub const fn sampling(&self) -> Sampling {
        match self {
            Self::Span(context) => context.sampling(),
            Self::Decision(decision) => decision.sampling,
        }
    }

    /// Whether the trace is to be recorded.
    pub const fn is_sampled(&self) -> bool {
        self.sampling().is_sampled()
    }

    /// The baggage items.
    pub const fn baggage(&self) -> &Baggage {
        match self {
            Self::Span(context) => context.baggage(),
            Self::Decision(decision) => &decision.baggage,
        }
    }

    /// The value of one baggage item.
    pub fn baggage_item(&self, key: &str) -> Option<&str> {
        self.baggage().get(key)
    }

    /// The name of the codec that read it, once set with [`with_origin`](Self::with_origin).
    pub const fn origin(&self) -> Option<&'static str> {
        match self {
            Self::Span(context) => context.origin(),
            Self::Decision(decision) => decision.origin,
        }
    }

    /// The same, marked as read by the codec called `origin` (a context also becomes
    /// remote: see [`SpanContext::with_origin`]).
    #[must_use]
    pub fn with_origin(self, origin: &'static str) -> Self {
        match self {
            Self::Span(context) => Self::Span(context.with_origin(origin)),
            Self::Decision(decision) => Self::Decision(decision.with_origin(origin)),
        }
    }

    /// The same with other baggage.
    #[must_use]
    pub fn with_baggage(self, baggage: Baggage) -> Self {
        match self {
            Self::Span(context) => Self::Span(context.with_baggage(baggage)),
            Self::Decision(decision) => Self::Decision(decision.with_baggage(baggage)),
        }
    }
}

impl From<SpanContext> for Extracted {
    fn from(context: SpanContext) -> Self {
        Self::Span(context)
    }
}

impl From<Decision> for Extracted {
    fn from(decision: Decision) -> Self {
        Self::Decision(decision)
    }
}

/// A sampling decision received without a span, with the baggage that came with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    sampling: Sampling,
    baggage: Baggage,
    origin: Option<&'static str>,
}

impl Decision {
    /// A decision with no baggage.
    pub const fn new(sampling: Sampling) -> Self {
        Self {
            sampling,
            baggage: Baggage::new(),
            origin: None,
        }
    }

    /// The sampling decision.
    pub const fn sampling(&self) -> Sampling {
        self.sampling
    }

    /// The baggage items.
    pub const fn baggage(&self) -> &Baggage {
        &self.baggage
    }

    /// The value of one baggage item.
    pub fn baggage_item(&self, key: &str) -> Option<&str> {
        self.baggage.get(key)
    }

    /// The name of the codec that read it; a span started from it answers in that format.
    pub const fn origin(&self) -> Option<&'static str> {
        self.origin
    }

    /// This decision with other baggage.
    #[must_use]
    pub fn with_baggage(mut self, baggage: Baggage) -> Self {
        self.baggage = baggage;
        self
    }

    /// This decision with one more baggage item.
    #[must_use]
    pub fn with_baggage_item(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.baggage.set(key, value);
        self
    }

    /// This decision, marked as read by the codec called `origin`.
    #[must_use]
    pub fn with_origin(mut self, origin: &'static str) -> Self {
        self.origin = Some(origin);
        self
    }
}
