//! The hook that adds tags of your own to a request's span.

use http::Request;
use opentracing_core::Span;

/// Called with each traced request and its server span, once the layer has tagged the
/// span and before the inner service sees the request. Implemented by `()` (nothing) and
/// by closures `Fn(&Request<B>, &Span)`.
///
/// ```
/// use opentracing_core::Span;
/// use tracing_tower::ServerTracingLayer;
///
/// let layer = ServerTracingLayer::default().on_request_with(
///     |request: &http::Request<String>, span: &Span| {
///         if let Some(tenant) = request.headers().get("x-tenant").and_then(|v| v.to_str().ok()) {
///             span.set_tag("tenant", tenant.to_owned());
///         }
///     },
/// );
/// # drop(layer);
/// ```
pub trait OnRequest<B> {
    /// Adds to `span` what `request` says.
    fn on_request(&self, request: &Request<B>, span: &Span);
}

impl<B> OnRequest<B> for () {
    fn on_request(&self, _: &Request<B>, _: &Span) {}
}

impl<B, F> OnRequest<B> for F
where
    F: Fn(&Request<B>, &Span),
{
    fn on_request(&self, request: &Request<B>, span: &Span) {
        self(request, span)
    }
}
