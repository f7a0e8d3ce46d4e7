//! A span's life (start, four tags, finish, hand-off to a sink that drops it): ours against
//! the OpenTelemetry SDK, in the same run.
//!
//! `cargo bench -p peer-benches --bench tracer`
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentracing_core::Discard;
use opentracing_core::NoopTracer;
use opentracing_core::reference::ReferenceTracer;
use peer_benches::{DiscardProcessor, sdk_span_life, span_floor, span_life};

/// Both sides record the same four things: the kind (a tag for us, a field for the SDK), the
/// method at start, then the URL and the status.
fn span_lives(c: &mut Criterion) {
    let mut group = c.benchmark_group("span start+4 tags+finish");
    let reference = ReferenceTracer::new("bench", Arc::new(Discard));
    group.bench_function("ours: reference tracer", |b| {
        b.iter(|| span_life(&reference))
    });
    group.bench_function("ours: no-op tracer", |b| {
        b.iter(|| span_life(&NoopTracer::new()))
    });
    group.bench_function("floor: a shared span handle", |b| b.iter(span_floor));

    let provider = SdkTracerProvider::builder()
        .with_span_processor(DiscardProcessor)
        .build();
    let sdk = provider.tracer("bench");
    group.bench_function("opentelemetry_sdk", |b| b.iter(|| sdk_span_life(&sdk)));
    group.finish();
}

criterion_group!(benches, span_lives);
criterion_main!(benches);
