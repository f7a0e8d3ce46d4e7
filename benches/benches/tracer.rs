//! A span's life (start, four tags, finish, hand-off to a sink that drops it): ours against
//! the OpenTelemetry SDK, in the same run.
//!
//! `cargo bench -p peer-benches --bench tracer`
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanProcessor};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{FinishedSpan, NoopTracer, Recorder, Tracer, tags};

/// Drops every finished span: our side of the sink.
struct Discard;

impl Recorder for Discard {
    fn record(&self, span: FinishedSpan) {
        black_box(span);
    }
}

/// Drops every finished span: the SDK's side of the sink.
#[derive(Debug)]
struct DiscardProcessor;

impl SpanProcessor for DiscardProcessor {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        black_box(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn ours(tracer: &impl Tracer) {
    let span = tracer
        .span_builder("GET /users/{id}")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .start();
    span.set_tag(tags::HTTP_URL, "/users/42")
        .set_tag(tags::HTTP_STATUS_CODE, 200);
    span.finish();
}

/// Both sides record the same four things: the kind (a tag for us, a field for the SDK), the
/// method at start, then the URL and the status.
fn span_life(c: &mut Criterion) {
    let mut group = c.benchmark_group("span start+4 tags+finish");
    let reference = ReferenceTracer::new("bench", Arc::new(Discard));
    group.bench_function("ours: reference tracer", |b| b.iter(|| ours(&reference)));
    group.bench_function("ours: no-op tracer", |b| {
        b.iter(|| ours(&NoopTracer::new()))
    });

    let provider = SdkTracerProvider::builder()
        .with_span_processor(DiscardProcessor)
        .build();
    let sdk = provider.tracer("bench");
    group.bench_function("opentelemetry_sdk", |b| {
        b.iter(|| {
            let mut span = sdk
                .span_builder("GET /users/{id}")
                .with_kind(opentelemetry::trace::SpanKind::Server)
                .with_attributes([KeyValue::new("http.method", "GET")])
                .start(&sdk);
            span.set_attribute(KeyValue::new("http.url", "/users/42"));
            span.set_attribute(KeyValue::new("http.status_code", 200));
            span.end();
        })
    });
    group.finish();
}

criterion_group!(benches, span_life);
criterion_main!(benches);
