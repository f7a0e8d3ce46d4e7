//! OpenTelemetry's Jaeger propagator through an `http::HeaderMap`. It is built on the
//! previous opentelemetry release, so it gets adapters of its own.
#![allow(deprecated)] // deprecated upstream in favour of W3C, still widely deployed

use http::HeaderMap;
use opentelemetry_032::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry_032::trace::{SpanContext, SpanId, TraceContextExt as _, TraceFlags};
use opentelemetry_032::trace::{TraceId, TraceState};
use opentelemetry_jaeger_propagator::Propagator;

/// The propagator and a sampled remote context with these ids.
pub fn peer(trace_id: u128, span_id: u64) -> (Propagator, opentelemetry_032::Context) {
    let span = SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let context = opentelemetry_032::Context::new().with_remote_span_context(span);
    (Propagator::new(), context)
}

/// Injects `context` into a fresh map.
pub fn inject(propagator: &Propagator, context: &opentelemetry_032::Context) -> HeaderMap {
    let mut headers = HeaderMap::new();
    propagator.inject_context(context, &mut Inject(&mut headers));
    headers
}

/// The span context extracted from `headers`.
pub fn extract(propagator: &Propagator, headers: &HeaderMap) -> SpanContext {
    let extracted = propagator.extract(&Extract(headers));
    extracted.span().span_context().clone()
}

struct Inject<'a>(&'a mut HeaderMap);

impl Injector for Inject<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

struct Extract<'a>(&'a HeaderMap);

impl Extractor for Extract<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.to_str().ok()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
