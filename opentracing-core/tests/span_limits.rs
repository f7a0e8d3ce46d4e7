//! Span limits: what a span keeps past them, what it counts, and what OTLP carries.
#![cfg(feature = "reference")]

use std::sync::Arc;

use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{FinishedSpan, InMemoryRecorder, SpanLimits, Tracer, kv};

fn finished(limits: SpanLimits, record: impl FnOnce(&opentracing_core::Span)) -> FinishedSpan {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::builder("shop", recorder.clone())
        .span_limits(limits)
        .build();
    let span = tracer
        .span_builder("op")
        .tag("builder", "a long builder value")
        .start();
    record(&span);
    span.finish();
    recorder.take().remove(0)
}

#[test]
fn new_tag_keys_past_the_limit_are_dropped_and_counted_while_kept_keys_change() {
    let span = finished(SpanLimits::default().max_tags(3), |span| {
        for round in 0..1_000 {
            span.set_tag("a", round);
        }
        span.set_tag("b", 1).set_tag("c", 1).set_tag("d", 1);
        span.set_tag("a", -1).set_tag("e", 1);
    });
    let tags: Vec<_> = span.tags().map(|(key, _)| key.to_owned()).collect();
    assert_eq!(tags, ["builder", "b", "a"]);
    assert_eq!(span.tag("a").and_then(|v| v.as_i64()), Some(-1));
    assert_eq!(span.dropped_tags(), 3, "c, d and e");
}

#[test]
fn logs_past_the_limit_are_dropped_and_counted() {
    let span = finished(SpanLimits::default().max_logs(2), |span| {
        for i in 0..5 {
            span.log_kv(kv!["event" => "retry", "attempt" => i]);
        }
        span.record_error(&std::io::Error::other("late"));
    });
    assert_eq!(span.logs().len(), 2);
    assert_eq!(span.dropped_logs(), 4);
    assert_eq!(span.dropped_tags(), 0);
}

#[test]
fn string_values_are_cut_in_tags_logs_and_builder_tags() {
    let span = finished(SpanLimits::default().max_value_chars(Some(4)), |span| {
        span.set_tag("sql", "SELECT ünïcode FROM t")
            .set_tag("n", 123_456_789);
        span.log_kv([("message", "a long message")]);
    });
    assert_eq!(span.tag("builder").unwrap().as_str(), Some("a lo"));
    assert_eq!(span.tag("sql").unwrap().as_str(), Some("SELE"));
    assert_eq!(span.tag("n").unwrap().as_i64(), Some(123_456_789));
    assert_eq!(
        span.logs()[0].field("message").unwrap().as_str(),
        Some("a lo")
    );
}

#[test]
fn the_defaults_are_the_specifications() {
    let limits = SpanLimits::default();
    assert_eq!(
        (limits.tags(), limits.logs(), limits.value_chars()),
        (128, 128, None)
    );
    let span = finished(limits, |span| {
        for i in 0..200 {
            span.set_tag(format!("k{i}"), i);
            span.log_kv([("i", i)]);
        }
    });
    assert_eq!(span.tags().count(), 128);
    assert_eq!(span.dropped_tags(), 200 + 1 - 128);
    assert_eq!(span.logs().len(), 128);
    assert_eq!(span.dropped_logs(), 72);
}

#[cfg(feature = "otlp")]
#[test]
fn otlp_carries_the_dropped_counts() {
    use opentracing_core::report::{Encoder, Otlp, OtlpProtocol};
    let span = finished(SpanLimits::default().max_tags(1).max_logs(1), |span| {
        span.set_tag("x", 1).set_tag("y", 2);
        span.log_kv([("a", 1)])
            .log_kv([("b", 2)])
            .log_kv([("c", 3)]);
    });
    let spans = [span];
    let mut protobuf = Vec::new();
    Otlp::new("shop").encode(&spans, &mut protobuf);
    let request: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest =
        prost::Message::decode(protobuf.as_slice()).unwrap();
    let decoded = &request.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(decoded.dropped_attributes_count, 2);
    assert_eq!(decoded.dropped_events_count, 2);
    let mut json = Vec::new();
    Otlp::new("shop")
        .protocol(OtlpProtocol::HttpJson)
        .encode(&spans, &mut json);
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let span = &json["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["droppedAttributesCount"], 2);
    assert_eq!(span["droppedEventsCount"], 2);
}

#[cfg(feature = "reporter-plain")]
#[test]
fn the_environment_sets_the_limits() {
    let config = opentracing_core::config::EnvConfig::from_vars([
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "1"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "3"),
    ])
    .unwrap();
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = config.tracer_builder(recorder.clone()).build();
    let span = tracer.start_span("op");
    span.set_tag("a", "abcdef").set_tag("b", 1).set_tag("c", 1);
    span.log_kv([("x", 1)]).log_kv([("y", 1)]);
    span.finish();
    let span = &recorder.spans()[0];
    assert_eq!(span.tag("a").unwrap().as_str(), Some("abc"));
    assert_eq!((span.dropped_tags(), span.dropped_logs()), (1, 1));
}
