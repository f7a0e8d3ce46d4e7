//! The no-op tracer allocates nothing. Its own test binary: it counts allocations.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use opentracing_core::{
    ExtractCarrier, InjectCarrier, NoopTracer, SpanContext, SpanId, TraceId, Tracer, WithSpan,
    global_tracer, in_span, tags,
};

fn exercise(tracer: &impl Tracer) {
    let parent = tracer.start_active_span("parent");
    let span = tracer
        .span_builder("child")
        .child_of(parent.span())
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .start();
    span.set_tag(tags::HTTP_STATUS_CODE, 200)
        .set_tag(tags::ERROR, false)
        .set_operation_name("renamed")
        .log_kv([("event", "done")])
        .set_baggage_item("k", "v")
        .record_error(&std::fmt::Error);
    assert_eq!(span.baggage_item("k"), None);
    let _ = tracer.active_span();
    in_span(&span, || tracer.start_span("inner").finish());

    let context = SpanContext::new(TraceId::new(1).unwrap(), SpanId::new(2).unwrap());
    let mut map = HashMap::<String, String>::new();
    tracer
        .inject(&context, InjectCarrier::HttpHeaders(&mut map))
        .unwrap();
    assert_eq!(tracer.extract(ExtractCarrier::HttpHeaders(&map)), Ok(None));

    let mut future = pin!(async {}.with_span(span.clone()));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(()));
    span.finish();
    drop(parent);
}

#[test]
fn noop_tracer_allocates_nothing() {
    // The first use of the thread-local active span registers its destructor, which may
    // allocate once per thread; that is not per-span cost.
    exercise(&NoopTracer::new());

    let counted = allocation_counter::measure(|| {
        for _ in 0..100 {
            exercise(&NoopTracer::new());
            exercise(&global_tracer());
        }
    });
    assert_eq!(counted.count_total, 0, "{counted:?}");
}
