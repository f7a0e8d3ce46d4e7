//! Encoding throughput and the cost of `report` when the collector is down:
//! `cargo bench -p opentracing-core --features reporter --bench report`.
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder, Executor, Otlp, OtlpProtocol, Reporter, ZipkinJson};
use opentracing_core::{FinishedSpan, InMemoryRecorder, Tracer, tags};

/// A batch of typical server spans: five tags and one log each.
fn batch(count: usize) -> Vec<FinishedSpan> {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("bench", recorder.clone());
    for i in 0..count {
        let span = tracer
            .span_builder("GET /users/{id}")
            .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
            .tag(tags::HTTP_METHOD, "GET")
            .tag(tags::HTTP_URL, "/users/42?page=REDACTED")
            .tag(tags::PEER_HOST_IPV4, "10.0.0.7")
            .tag(tags::HTTP_STATUS_CODE, 200 + (i % 2) as i64)
            .start();
        span.log_kv([("event", "cache miss")]);
        span.finish();
    }
    recorder.take()
}

fn encoding(c: &mut Criterion) {
    let spans = batch(512);
    let mut group = c.benchmark_group("encode 512 spans");
    group.throughput(Throughput::Elements(spans.len() as u64));
    let mut body = Vec::with_capacity(1 << 20);
    let zipkin = ZipkinJson::new("bench");
    group.bench_function("zipkin json", |b| {
        b.iter(|| {
            body.clear();
            zipkin.encode(black_box(&spans), &mut body);
        })
    });
    let otlp = Otlp::new("bench").protocol(OtlpProtocol::HttpJson);
    group.bench_function("otlp json", |b| {
        b.iter(|| {
            body.clear();
            otlp.encode(black_box(&spans), &mut body);
        })
    });
    group.finish();
}

fn reporting(c: &mut Criterion) {
    let span = batch(1).remove(0);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let reporter = Reporter::builder(
        format!("http://{closed}/api/v2/spans").parse().unwrap(),
        ZipkinJson::new("bench"),
    )
    .batch_delay(Duration::from_millis(10))
    .start(Executor::OwnThread)
    .unwrap();
    let mut group = c.benchmark_group("report, collector down");
    group.bench_function("clone the span (baseline)", |b| {
        b.iter(|| black_box(span.clone()))
    });
    group.bench_function("report (queue or drop)", |b| {
        b.iter(|| reporter.report(span.clone()))
    });
    group.finish();
    let metrics = reporter.shutdown_blocking(Duration::from_secs(1));
    assert_eq!(
        metrics.spans,
        metrics.spans_sent + metrics.dropped() + metrics.queued_spans
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = encoding, reporting
}
criterion_main!(benches);
