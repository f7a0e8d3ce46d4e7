//! A `tracing` span with four fields and one event, entered and closed, through a subscriber
//! of one layer: our bridge into the reference tracer (spans dropped) against
//! `tracing-opentelemetry` into the OpenTelemetry SDK (spans dropped), and the registry
//! with no layer, in the same run.
//!
//! `cargo bench -p peer-benches --bench bridge`
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentracing_core::Discard;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::tracing_bridge::OpenTracingLayer;
use peer_benches::{DiscardProcessor, instrumented_call};
use tracing_subscriber::layer::SubscriberExt;

fn bridges(c: &mut Criterion) {
    let mut group = c.benchmark_group("instrumented span, 4 fields, 1 event");
    let registry = tracing_subscriber::registry();
    tracing::subscriber::with_default(registry, || {
        group.bench_function("registry, no layer", |b| b.iter(instrumented_call));
    });
    let tracer = ReferenceTracer::new("bench", Arc::new(Discard));
    let ours = tracing_subscriber::registry().with(OpenTracingLayer::new(tracer));
    tracing::subscriber::with_default(ours, || {
        group.bench_function("ours: OpenTracingLayer, reference tracer", |b| {
            b.iter(instrumented_call)
        });
    });
    let provider = SdkTracerProvider::builder()
        .with_span_processor(DiscardProcessor)
        .build();
    let otel = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")));
    tracing::subscriber::with_default(otel, || {
        group.bench_function("tracing-opentelemetry, opentelemetry_sdk", |b| {
            b.iter(instrumented_call)
        });
    });
    group.finish();
}

criterion_group!(benches, bridges);
criterion_main!(benches);
