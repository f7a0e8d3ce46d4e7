//! Writing the client span's context into the outbound headers.

use http::HeaderMap;
use opentracing_core::{InjectCarrier, SpanContext, Tracer};

/// Injects `context` into `headers` with the tracer's `HttpHeaders` codecs, unless the
/// headers already hold one of the headers those codecs write: then the caller is
/// propagating a context on purpose, and nothing is added (mixing two contexts would be
/// worse than either). Headers the codecs cannot encode are skipped.
pub fn inject_headers<T: Tracer>(tracer: &T, context: &SpanContext, headers: &mut HeaderMap) {
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
