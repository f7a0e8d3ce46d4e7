//! How much the server layer trusts the caller's context.

use opentracing_core::{Baggage, Sampling, SpanBuilder, SpanContext, Tracer};

/// The tag that keeps a distrusted caller's trace id ([`InboundContext::NewTraceTagged`]).
pub const CALLER_TRACE_ID: &str = "caller.trace_id";
/// The tag that keeps a distrusted caller's span id ([`InboundContext::NewTraceTagged`]).
pub const CALLER_SPAN_ID: &str = "caller.span_id";

/// What the server layer does with a context extracted from the request headers.
///
/// Inside a system, continue the caller's trace. At a public edge, callers may send any
/// ids, sampling decisions and baggage: start a new trace there, and keep the caller's ids
/// only for reference. The caller's baggage and sampling decision are dropped with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InboundContext {
    /// The server span is a child of the caller's span (`child_of`).
    #[default]
    Trust,
    /// A new trace, with a `follows_from` reference to the caller's span.
    NewTraceFollowsFrom,
    /// A new trace, with the caller's ids as the tags [`CALLER_TRACE_ID`] and
    /// [`CALLER_SPAN_ID`].
    NewTraceTagged,
}

impl InboundContext {
    /// Relates the server span being built to the caller's context.
    #[inline]
    pub(crate) fn apply<'t, T: Tracer + ?Sized>(
        self,
        builder: SpanBuilder<'t, T>,
        caller: Option<SpanContext>,
    ) -> SpanBuilder<'t, T> {
        let Some(caller) = caller else { return builder };
        match self {
            Self::Trust => builder.child_of(caller),
            _ if caller.is_sampling_only() => builder,
            Self::NewTraceFollowsFrom => builder.new_trace().follows_from(
                caller
                    .with_baggage(Baggage::default())
                    .with_sampling(Sampling::Defer),
            ),
            Self::NewTraceTagged => builder
                .tag(CALLER_TRACE_ID, caller.trace_id().to_string())
                .tag(CALLER_SPAN_ID, caller.span_id().to_string()),
        }
    }
}
