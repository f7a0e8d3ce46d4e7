//! The hook that decides which requests get a span.

use http::Request;

/// Decides whether a request gets a server span. A request that does not still passes a
/// [trusted](super::InboundContext::Trust) caller's context on: the context is active while
/// the inner service runs, so the requests it makes continue the caller's trace. Implemented by `()` (every request gets a
/// span) and by closures `Fn(&Request<B>) -> bool`.
///
/// ```
/// use tracing_tower::ServerTracingLayer;
///
/// let layer = ServerTracingLayer::default()
///     .filter_with(|request: &http::Request<String>| request.uri().path() != "/health");
/// # drop(layer);
/// ```
pub trait RequestFilter<B> {
    /// Whether `request` gets a span.
    fn should_trace(&self, request: &Request<B>) -> bool;
}

impl<B> RequestFilter<B> for () {
    fn should_trace(&self, _: &Request<B>) -> bool {
        true
    }
}

impl<B, F> RequestFilter<B> for F
where
    F: Fn(&Request<B>) -> bool,
{
    fn should_trace(&self, request: &Request<B>) -> bool {
        self(request)
    }
}
