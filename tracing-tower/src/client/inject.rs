//! Writing the client span's context into the outbound headers.

use http::HeaderMap;
use opentracing_core::{InjectCarrier, SpanContext, Tracer};

/// Injects `context` with the tracer's `HttpHeaders` codecs, unless the caller already set
/// one of the headers those codecs write: then the caller is propagating a context on
/// purpose, and none of the headers is touched (mixing two contexts would be worse than
/// either).
pub(crate) fn inject_headers<T: Tracer>(
    tracer: &T,
    context: &SpanContext,
    headers: &mut HeaderMap,
) {
    let mut injected = HeaderMap::new();
    if tracer
        .inject(context, InjectCarrier::HttpHeaders(&mut injected))
        .is_err()
    {
        return;
    }
    if injected.keys().any(|name| headers.contains_key(name)) {
        return;
    }
    headers.extend(injected);
}
