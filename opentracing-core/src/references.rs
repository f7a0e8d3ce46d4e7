//! References between spans: `child_of` and `follows_from`.

use crate::context::SpanContext;
use crate::extracted::Extracted;
use crate::ids::{SpanId, TraceId};
use crate::span::Span;

/// How a span relates to a span it references.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferenceType {
    /// The referenced span depends on the result of the new span (opentracing-python's
    /// `CHILD_OF`, `"child_of"`).
    ChildOf,
    /// The referenced span does not wait for the new span (`FOLLOWS_FROM`, `"follows_from"`).
    FollowsFrom,
}

impl ReferenceType {
    /// The name used by the OpenTracing specification: `child_of` or `follows_from`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ChildOf => "child_of",
            Self::FollowsFrom => "follows_from",
        }
    }
}

/// A reference from a new span to the context of another span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    kind: ReferenceType,
    context: SpanContext,
}

impl Reference {
    /// A reference of the given type.
    pub const fn new(kind: ReferenceType, context: SpanContext) -> Self {
        Self { kind, context }
    }

    /// A `child_of` reference.
    pub const fn child_of(context: SpanContext) -> Self {
        Self::new(ReferenceType::ChildOf, context)
    }

    /// A `follows_from` reference.
    pub const fn follows_from(context: SpanContext) -> Self {
        Self::new(ReferenceType::FollowsFrom, context)
    }

    /// The reference type.
    pub const fn kind(&self) -> ReferenceType {
        self.kind
    }

    /// The referenced context.
    pub const fn context(&self) -> &SpanContext {
        &self.context
    }
}

/// A reference as a finished span records it: the type and the referenced span's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanReference {
    kind: ReferenceType,
    trace_id: TraceId,
    span_id: SpanId,
}

impl SpanReference {
    /// The reference type.
    pub const fn kind(&self) -> ReferenceType {
        self.kind
    }

    /// The referenced span's trace id.
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The referenced span's id.
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }
}

impl From<&Reference> for SpanReference {
    fn from(reference: &Reference) -> Self {
        Self {
            kind: reference.kind,
            trace_id: reference.context.trace_id(),
            span_id: reference.context.span_id(),
        }
    }
}

/// Anything a span can reference: a span, a span context, what a carrier held, or an
/// optional one.
///
/// `None` (and a no-op span, which has no context) references nothing, so the result of
/// [`Tracer::extract`](crate::Tracer::extract) can be passed straight through, as in
/// opentracing-python where a reference to `None` is ignored. A bare
/// [`Decision`](crate::Decision) is no reference either: it decides the sampling of the
/// root span it starts.
pub trait IntoReferenced {
    /// The context to reference or the decision to follow, if any.
    fn into_referenced(self) -> Option<Extracted>;
}

impl IntoReferenced for Extracted {
    fn into_referenced(self) -> Option<Extracted> {
        Some(self)
    }
}

impl IntoReferenced for &Extracted {
    fn into_referenced(self) -> Option<Extracted> {
        Some(self.clone())
    }
}

impl IntoReferenced for SpanContext {
    fn into_referenced(self) -> Option<Extracted> {
        Some(Extracted::Span(self))
    }
}

impl IntoReferenced for &SpanContext {
    fn into_referenced(self) -> Option<Extracted> {
        Some(Extracted::Span(self.clone()))
    }
}

impl IntoReferenced for &Span {
    fn into_referenced(self) -> Option<Extracted> {
        self.context().map(Extracted::Span)
    }
}

impl IntoReferenced for Span {
    fn into_referenced(self) -> Option<Extracted> {
        self.context().map(Extracted::Span)
    }
}

impl<T: IntoReferenced> IntoReferenced for Option<T> {
    fn into_referenced(self) -> Option<Extracted> {
        self.and_then(IntoReferenced::into_referenced)
    }
}
