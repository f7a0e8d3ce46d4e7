//! How much the server layer trusts the caller's context.

use std::net::IpAddr;

use opentracing_core::{Baggage, Extracted, Sampling, SpanBuilder, Tracer};

use super::TrustedNetworks;

/// The tag that keeps a distrusted caller's trace id ([`InboundContext::NewTraceTagged`]).
pub const CALLER_TRACE_ID: &str = "caller.trace_id";
/// The tag that keeps a distrusted caller's span id ([`InboundContext::NewTraceTagged`]).
pub const CALLER_SPAN_ID: &str = "caller.span_id";

/// What the server layer does with a context extracted from the request headers.
///
/// Inside a system, continue the caller's trace ([`Trust`](Self::Trust), the default). At a
/// public edge, callers may send any ids, sampling decisions (`-00`: never record me) and
/// baggage (forwarded to every downstream host): start a new trace there, and keep the
/// caller's ids only for reference; the caller's baggage and sampling decision are dropped
/// with it. A service reached both from inside and from the internet trusts by the peer's
/// network ([`TrustFrom`](Self::TrustFrom)).
///
/// ```
/// use tracing_tower::{InboundContext, ServerTracingLayer, TrustedNetworks};
///
/// // A public edge: callers on loopback and the private ranges (the load balancer, other
/// // services) are continued; anyone else starts a new trace that links to theirs.
/// let edge = ServerTracingLayer::default()
///     .inbound_context(InboundContext::TrustFrom(TrustedNetworks::private()));
/// # drop(edge);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
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
    /// [`Trust`](Self::Trust) callers whose address is in these networks, and
    /// [`NewTraceFollowsFrom`](Self::NewTraceFollowsFrom) any other, or any whose address
    /// is unknown. The address is the one the layer tags as `peer.ipv4`/`peer.ipv6` (its
    /// [`PeerAddr`](crate::PeerAddr) hook): behind a proxy, that is the proxy's unless the
    /// hook reads a header the proxy sets.
    TrustFrom(TrustedNetworks),
}

impl InboundContext {
    /// Whether a caller at `peer` is continued.
    pub(crate) fn trusts(&self, peer: Option<IpAddr>) -> bool {
        match self {
            Self::Trust => true,
            Self::TrustFrom(networks) => peer.is_some_and(|peer| networks.contains(peer)),
            Self::NewTraceFollowsFrom | Self::NewTraceTagged => false,
        }
    }

    /// Relates the server span being built to the context of a caller at `peer`.
    #[inline]
    pub(crate) fn apply<'t, T: Tracer + ?Sized>(
        &self,
        builder: SpanBuilder<'t, T>,
        caller: Option<Extracted>,
        peer: Option<IpAddr>,
    ) -> SpanBuilder<'t, T> {
        let Some(caller) = caller else { return builder };
        if self.trusts(peer) {
            return builder.child_of(caller);
        }
        let Extracted::Span(caller) = caller else {
            return builder;
        };
        match self {
            Self::NewTraceTagged => builder
                .tag(CALLER_TRACE_ID, caller.trace_id().to_string())
                .tag(CALLER_SPAN_ID, caller.span_id().to_string()),
            _ => builder.new_trace().follows_from(
                caller
                    .with_baggage(Baggage::default())
                    .with_sampling(Sampling::Defer),
            ),
        }
    }
}
