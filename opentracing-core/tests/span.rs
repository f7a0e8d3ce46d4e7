//! Span behaviour: finishing, tags, logs, errors, baggage and parent rules.
#![cfg(feature = "mock")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, SystemTime};

use opentracing_core::{
    MockTracer, Reference, ReferenceType, SpanContext, SpanId, TraceId, Tracer, Value, kv, logs,
    tags,
};

#[test]
fn finishing_twice_records_once_at_the_first_time() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("once");
    let first = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    span.finish_at(first);
    span.finish();
    span.set_tag("late", true).log_kv([("late", 1)]);
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].finish_time(), first);
    assert_eq!(spans[0].tag("late"), None);
    assert!(spans[0].logs().is_empty());
}

#[test]
fn kv_logs_fields_of_mixed_types_in_order() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("mixed");
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    span.log_kv(kv![
        logs::EVENT => "rows",
        "count" => 3_u64,
        "ratio" => 0.5,
        "cached" => false,
        String::from("owned") => String::from("text"),
    ])
    .log_kv_at(at, kv![]);
    span.finish();
    let spans = tracer.finished_spans();
    let logs = spans[0].logs();
    let fields: Vec<_> = logs[0].fields().collect();
    assert_eq!(
        fields,
        [
            ("event", &Value::from("rows")),
            ("count", &Value::from(3)),
            ("ratio", &Value::from(0.5)),
            ("cached", &Value::from(false)),
            ("owned", &Value::from(String::from("text"))),
        ]
    );
    assert_eq!(logs[1].timestamp(), at);
    assert_eq!(logs[1].fields().len(), 0);
}

#[test]
fn dropping_the_last_handle_finishes_a_forgotten_span() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("forgotten");
    let clone = span.clone();
    drop(span);
    assert!(
        tracer.finished_spans().is_empty(),
        "a clone keeps it running"
    );
    drop(clone);
    assert_eq!(tracer.finished_spans()[0].operation_name(), "forgotten");
}

#[test]
fn a_finish_time_before_the_start_gives_zero_duration() {
    let tracer = MockTracer::new();
    let start = SystemTime::now();
    let span = tracer.span_builder("backwards").start_time(start).start();
    span.finish_at(start - Duration::from_secs(1));
    assert_eq!(tracer.finished_spans()[0].duration(), Duration::ZERO);
}

#[test]
fn tags_keep_one_value_per_key_and_accept_any_float() {
    let tracer = MockTracer::new();
    let span = tracer.span_builder("tags").tag("k", 1).tag("k", 2).start();
    span.set_tag("k", "three")
        .set_tag("nan", f64::NAN)
        .set_tag("inf", f64::INFINITY);
    span.set_tag("", "empty key").set_tag("big", i64::MAX);
    // Same length and last byte, different keys.
    span.set_tag("component", "a").set_tag("peer.port", 1);
    span.finish();
    let span = &tracer.finished_spans()[0];
    assert_eq!(span.tag("k"), Some(&Value::from("three")));
    assert!(
        span.tag("nan")
            .and_then(Value::as_f64)
            .is_some_and(f64::is_nan)
    );
    assert_eq!(span.tag("").and_then(Value::as_str), Some("empty key"));
    assert_eq!(span.tag("component").and_then(Value::as_str), Some("a"));
    assert_eq!(span.tags().count(), 7);
}

#[test]
fn record_error_matches_opentracing_python() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("failing");
    let error = std::io::Error::other("disk on fire");
    span.record_error(&error);
    span.finish();
    let span = &tracer.finished_spans()[0];
    assert_eq!(span.tag(tags::ERROR), Some(&Value::Bool(true)));
    let log = &span.logs()[0];
    assert_eq!(
        log.field(logs::EVENT).and_then(Value::as_str),
        Some("error")
    );
    assert_eq!(
        log.field(logs::MESSAGE).and_then(Value::as_str),
        Some("disk on fire")
    );
    assert_eq!(
        log.field(logs::ERROR_KIND).and_then(Value::as_str),
        Some("std::io::error::Error")
    );
    assert!(log.field(logs::ERROR_OBJECT).is_some());
}

#[test]
fn a_panic_inside_a_scope_tags_the_span_and_propagates() {
    let tracer = MockTracer::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _scope = tracer.start_active_span("panics");
        panic!("boom");
    }));
    assert!(result.is_err());
    let span = &tracer.finished_spans()[0];
    assert_eq!(span.tag(tags::ERROR), Some(&Value::Bool(true)));
    assert_eq!(
        span.logs()[0].field(logs::MESSAGE).and_then(Value::as_str),
        Some("panicked")
    );
    assert_eq!(
        tracer.active_span(),
        None,
        "the scope was closed while unwinding"
    );
}

#[test]
fn logs_keep_their_order_and_timestamps() {
    let tracer = MockTracer::new();
    let span = tracer.start_span("logs");
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    span.log_kv_at(at, [("event", "first")])
        .log_kv([("event", "second"), ("n", "2")]);
    span.finish();
    let logs = tracer.finished_spans()[0].logs().to_vec();
    assert_eq!(logs[0].timestamp(), at);
    assert_eq!(
        logs[1].fields().map(|(k, _)| k).collect::<Vec<_>>(),
        ["event", "n"]
    );
}

#[test]
fn baggage_flows_to_children_started_later_only() {
    let tracer = MockTracer::new();
    let parent = tracer.start_span("parent");
    parent.set_baggage_item("user", "ada");
    let child = tracer.span_builder("child").child_of(&parent).start();
    parent.set_baggage_item("late", "x");
    child.set_baggage_item("own", "y");
    assert_eq!(child.baggage_item("user").as_deref(), Some("ada"));
    assert_eq!(child.baggage_item("late"), None);
    assert_eq!(parent.baggage_item("own"), None);
}

#[test]
fn the_first_reference_is_the_parent_and_child_of_goes_first() {
    let tracer = MockTracer::new();
    let cause = tracer.start_span("cause");
    let parent = tracer.start_span("parent");
    let follower = tracer.span_builder("follower").follows_from(&cause).start();
    assert_eq!(follower.parent_id(), cause.context().map(|c| c.span_id()));
    let child = tracer
        .span_builder("child")
        .follows_from(&cause)
        .child_of(&parent)
        .start();
    assert_eq!(child.parent_id(), parent.context().map(|c| c.span_id()));
    child.finish();
    let references = tracer.finished_spans()[0].references().to_vec();
    assert_eq!(references[0].kind(), ReferenceType::ChildOf);
    assert_eq!(references[1].kind(), ReferenceType::FollowsFrom);
}

#[test]
fn a_missing_parent_falls_back_to_the_active_span() {
    let tracer = MockTracer::new();
    let scope = tracer.start_active_span("active");
    let none: Option<SpanContext> = None;
    let child = tracer.span_builder("child").child_of(none).start();
    assert_eq!(
        child.parent_id(),
        scope.span().context().map(|c| c.span_id())
    );
    let root = tracer
        .span_builder("root")
        .child_of(None::<&SpanContext>)
        .ignore_active_span()
        .start();
    assert_eq!(root.parent_id(), None);
}

#[test]
fn an_unsampled_parent_gives_a_span_that_propagates_but_records_nothing() {
    let tracer = MockTracer::new();
    let remote = SpanContext::new(TraceId::new(5).unwrap(), SpanId::new(6).unwrap())
        .with_sampled(false)
        .with_baggage_item("tenant", "t1");
    let span = tracer
        .span_builder("unsampled")
        .reference(Reference::child_of(remote))
        .start();
    assert!(!span.is_recording());
    let context = span.context().unwrap();
    assert_eq!(context.trace_id(), TraceId::new(5).unwrap());
    assert_eq!(context.baggage_item("tenant"), Some("t1"));
    span.finish();
    assert!(span.is_finished());
    assert!(tracer.finished_spans().is_empty());
}

#[test]
fn mock_ids_follow_opentracing_python() {
    let tracer = MockTracer::new();
    let root = tracer.start_span("root").context().unwrap();
    assert_eq!((root.span_id().get(), root.trace_id().get()), (1, 2));
    let child = tracer.span_builder("child").child_of(&root).start();
    let child = child.context().unwrap();
    assert_eq!((child.span_id().get(), child.trace_id().get()), (3, 2));
}

#[test]
fn reset_forgets_finished_spans_only() {
    let tracer = MockTracer::new();
    tracer.start_span("done").finish();
    let running = tracer.start_span("running");
    tracer.reset();
    assert!(tracer.finished_spans().is_empty());
    running.finish();
    assert_eq!(tracer.finished_spans()[0].operation_name(), "running");
}

#[test]
fn closing_scopes_out_of_order_is_safe() {
    let tracer = MockTracer::new();
    let outer = tracer.start_active_span("outer");
    let middle = tracer.start_active_span("middle");
    let inner = tracer.start_active_span("inner");
    let inner_span = inner.span().clone();
    drop(outer);
    drop(middle);
    assert_eq!(tracer.active_span(), Some(inner_span));
    drop(inner);
    // Nothing closed out of order comes back, and nothing is left active on the thread;
    // the spans of the scopes closed out of order finished when their last handle went.
    assert_eq!(tracer.active_span(), None);
    let finished: Vec<_> = tracer
        .finished_spans()
        .iter()
        .map(|s| s.operation_name().to_owned())
        .collect();
    assert_eq!(finished, ["outer", "middle", "inner"]);
}

/// What the reference tracer does with a span's options, a tracer of your own can do too,
/// with no feature: name the service, join a remote parent (Zipkin's shared span).
#[test]
fn a_tracer_of_your_own_names_its_service_and_joins_shared_spans() {
    use std::sync::Arc;

    use opentracing_core::{
        ExtractCarrier, InMemoryRecorder, InjectCarrier, PropagationError, Span, SpanOptions,
    };

    struct Joining(Arc<InMemoryRecorder>);

    impl Tracer for Joining {
        fn start_span_with_options(&self, mut options: SpanOptions) -> Span {
            options.set_service_name("shop".into());
            let parent = options.resolve_parent().cloned();
            let context = match parent {
                Some(parent) => {
                    options.remove_parent_reference();
                    parent.joined()
                }
                None => SpanContext::new(TraceId::new(1).unwrap(), SpanId::new(1).unwrap()),
            };
            Span::new(context, options, self.0.clone())
        }

        fn inject(&self, _: &SpanContext, _: InjectCarrier<'_>) -> Result<(), PropagationError> {
            Ok(())
        }

        fn extract(
            &self,
            _: ExtractCarrier<'_>,
        ) -> Result<Option<opentracing_core::Extracted>, PropagationError> {
            Ok(None)
        }
    }

    let recorder = Arc::new(InMemoryRecorder::new());
    let remote =
        SpanContext::new(TraceId::new(7).unwrap(), SpanId::new(9).unwrap()).with_origin("b3");
    let tracer = Joining(recorder.clone());
    tracer
        .span_builder("serve")
        .child_of(remote.clone())
        .start()
        .finish();

    let span = &recorder.spans()[0];
    assert_eq!(span.service_name(), Some("shop"));
    assert_eq!(span.context().span_id(), remote.span_id());
    assert!(span.context().is_shared());
    assert!(span.references().is_empty());
}
