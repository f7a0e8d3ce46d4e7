//! The trace viewer's pages, rendered through the service: the list of 1 000 traces and
//! the waterfall of a 500-span trace. `cargo bench -p tracing-tower --features viewer
//! --bench viewer`.
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::{StoreLimits, TraceFilter, TraceStore};
use opentracing_core::{Span, TraceId, Tracer, tags};
use tower::Service;
use tracing_tower::viewer::TraceViewer;

/// Drives a future that never waits to completion.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// 1 000 traces of four spans across 20 operations, and one trace of 500 spans.
fn store() -> (Arc<TraceStore>, TraceId) {
    let store = Arc::new(TraceStore::new(
        StoreLimits::default()
            .max_traces(1_001)
            .traces_per_bucket(1_001),
    ));
    let tracer = ReferenceTracer::new("shop", store.clone());
    for i in 0..1_000 {
        let root = tracer.start_span(format!("GET /route/{}", i % 20));
        root.set_tag(tags::HTTP_STATUS_CODE, 200);
        for child in ["auth", "SELECT cart", "render"] {
            let span = tracer.span_builder(child).child_of(&root).start();
            span.set_tag(tags::DATABASE_STATEMENT, "SELECT * FROM cart WHERE id = ?");
            span.finish();
        }
        root.finish();
    }
    let root = tracer.start_span("GET /big");
    let mut parent: Span = root.clone();
    for i in 0..499 {
        let span = tracer
            .span_builder(format!("step {i}"))
            .child_of(&parent)
            .start();
        span.set_tag("step", i);
        span.log_kv([("event", "done")]);
        span.finish();
        if i % 10 == 0 {
            parent = span;
        }
    }
    let big = root.context().unwrap().trace_id();
    root.finish();
    assert_eq!(store.traces(&TraceFilter::default()).len(), 1_001);
    (store, big)
}

fn pages(c: &mut Criterion) {
    let (store, big) = store();
    let mut viewer = TraceViewer::new(store);
    let mut page = |uri: &str| {
        let request = Request::get(uri).body(()).unwrap();
        let response = run(viewer.call(request)).unwrap();
        assert!(response.status().is_success(), "{uri}");
        black_box(response);
    };
    c.bench_function("viewer list of 1000 traces", |b| b.iter(|| page("/")));
    let trace = format!("/trace/{big}");
    c.bench_function("viewer trace of 500 spans", |b| b.iter(|| page(&trace)));
}

criterion_group!(benches, pages);
criterion_main!(benches);
