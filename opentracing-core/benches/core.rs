//! The cost of the core API: `cargo bench -p opentracing-core --features mock --bench core`.
#![allow(missing_docs)] // criterion_group! defines undocumented public functions

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use opentracing_core::{
    Discard, ExtractCarrier, Extracted, InjectCarrier, MockTracer, NoopTracer, Span, SpanContext,
    SpanId, SpanOptions, TraceId, Tracer, WithSpan, tags,
};

fn span_with_four_tags(tracer: &impl Tracer) {
    let span = tracer
        .span_builder("GET /users/{id}")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .start();
    span.set_tag(tags::HTTP_URL, "/users/42")
        .set_tag(tags::HTTP_STATUS_CODE, 200);
    span.finish();
}

/// A tracer over the core span machinery whose recorder drops every span: the cost of a span
/// without any storage behind it.
#[derive(Clone)]
struct DiscardTracer(Arc<Discard>);

impl Tracer for DiscardTracer {
    fn start_span_with_options(&self, mut options: SpanOptions) -> Span {
        let id = SpanId::new(7).unwrap();
        let context = match options.resolve_parent() {
            Some(parent) => parent.child(id),
            None => SpanContext::new(TraceId::new(9).unwrap(), id),
        };
        Span::new(context, options, self.0.clone())
    }

    fn inject(
        &self,
        _: &SpanContext,
        _: InjectCarrier<'_>,
    ) -> Result<(), opentracing_core::PropagationError> {
        Ok(())
    }

    fn extract(
        &self,
        _: ExtractCarrier<'_>,
    ) -> Result<Option<Extracted>, opentracing_core::PropagationError> {
        Ok(None)
    }
}

fn spans(c: &mut Criterion) {
    let mut group = c.benchmark_group("span");
    let noop = NoopTracer::new();
    group.bench_function("noop start+finish", |b| {
        b.iter(|| noop.start_span(black_box("op")).finish())
    });
    group.bench_function("noop start+4 tags+finish", |b| {
        b.iter(|| span_with_four_tags(&noop))
    });
    let discard = DiscardTracer(Arc::new(Discard));
    group.bench_function("discard start+4 tags+finish", |b| {
        b.iter(|| span_with_four_tags(&discard))
    });
    let mock = MockTracer::new();
    group.bench_function("mock start+4 tags+finish", |b| {
        // The mock keeps every span: empty it every so often, outside the timing.
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let batch = left.min(10_000);
                let start = Instant::now();
                for _ in 0..batch {
                    span_with_four_tags(&mock);
                }
                elapsed += start.elapsed();
                mock.reset();
                left -= batch;
            }
            elapsed
        })
    });
    group.finish();
}

fn scopes(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope");
    let tracer = NoopTracer::new();
    let span = MockTracer::new().start_span("held");
    group.bench_function("activate+close", |b| {
        b.iter(|| drop(tracer.scope_manager().activate(span.clone(), false)))
    });
    group.bench_function("active_span", |b| {
        let _scope = tracer.scope_manager().activate(span.clone(), false);
        b.iter(|| black_box(tracer.active_span()))
    });
    group.finish();
}

/// A future that is pending `n` times, so each poll of the wrapper is measured.
struct PendingFor(u32);

impl Future for PendingFor {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            Poll::Pending
        }
    }
}

fn with_span(c: &mut Criterion) {
    let mut group = c.benchmark_group("with_span");
    let span = MockTracer::new().start_span("request");
    let mut cx = Context::from_waker(Waker::noop());
    group.bench_function("bare poll", |b| {
        let mut future = pin!(PendingFor(u32::MAX));
        b.iter(|| black_box(future.as_mut().poll(&mut cx)))
    });
    group.bench_function("instrumented poll", |b| {
        let mut future = pin!(PendingFor(u32::MAX).with_span(span.clone()));
        b.iter(|| black_box(future.as_mut().poll(&mut cx)))
    });
    group.finish();
}

criterion_group!(benches, spans, scopes, with_span);
criterion_main!(benches);
