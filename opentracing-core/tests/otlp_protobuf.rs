//! OTLP protobuf, read by the types generated from the official `opentelemetry-proto`
//! definitions: every field where the specification puts it, and the same request as the
//! JSON encoding carries.
#![cfg(feature = "otlp")]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder, Otlp, OtlpProtocol};
use opentracing_core::{FinishedSpan, InMemoryRecorder, Tracer, tags};
use proptest::prelude::*;

fn encode(encoder: &Otlp, protocol: OtlpProtocol, spans: &[FinishedSpan]) -> Vec<u8> {
    let mut body = Vec::new();
    encoder.clone().protocol(protocol).encode(spans, &mut body);
    body
}

/// The protobuf body, decoded; and the JSON body of the same spans, decoded into the same
/// generated types (their serde form is OTLP JSON).
fn both(
    encoder: &Otlp,
    spans: &[FinishedSpan],
) -> (ExportTraceServiceRequest, ExportTraceServiceRequest) {
    let protobuf = encode(encoder, OtlpProtocol::HttpProtobuf, spans);
    let json = encode(encoder, OtlpProtocol::HttpJson, spans);
    let from_protobuf: ExportTraceServiceRequest =
        prost::Message::decode(protobuf.as_slice()).expect("protobuf decodes");
    let from_json: ExportTraceServiceRequest = serde_json::from_slice(&json).expect("JSON decodes");
    (from_protobuf, from_json)
}

/// A server span with every kind of tag, a failing client child in another service with a
/// retry log, a link and a trace state, and a span that says it succeeded.
fn spans() -> Vec<FinishedSpan> {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("checkout", recorder.clone());
    let other = ReferenceTracer::new("inventory", recorder.clone());
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let long = "ü".repeat(5_000);
    let server = tracer
        .span_builder("GET /cart/{id}")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .tag(tags::HTTP_URL, "/cart/7?coupon=x")
        .tag(tags::HTTP_STATUS_CODE, 200)
        .tag(tags::PEER_HOST_IPV4, "10.0.0.7")
        .tag(tags::PEER_PORT, 50_123)
        .tag("negative", -42)
        .tag("ratio", 0.25)
        .tag("cached", true)
        .tag("long", long)
        .start_time(t0)
        .start();
    let cause = tracer.start_span("cause");
    cause.set_tag(tags::ERROR, false);
    cause.finish();
    let failing = other
        .span_builder("reserve")
        .child_of(&server)
        .follows_from(&cause)
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
        .tag(tags::HTTP_URL, "http://stock:8080/reserve?id=7")
        .start_time(t0 + Duration::from_millis(1))
        .start();
    failing.log_kv_at(
        t0 + Duration::from_millis(2),
        [("event", "retry"), ("attempt", "2")],
    );
    failing.record_error(&std::io::Error::other("out of stock"));
    failing.finish_at(t0 + Duration::from_millis(3));
    server.finish_at(t0 + Duration::from_millis(4));
    recorder.spans()
}

#[test]
fn protobuf_and_json_carry_the_same_request() {
    let spans = spans();
    for encoder in [
        Otlp::new("fallback").resource_attribute("deployment.environment.name", "staging"),
        Otlp::new("fallback").opentracing_names(),
    ] {
        let (from_protobuf, from_json) = both(&encoder, &spans);
        assert_eq!(from_protobuf, from_json);
        assert_eq!(from_protobuf.resource_spans.len(), 2);
    }
}

#[test]
fn every_field_is_where_the_specification_puts_it() {
    let spans = spans();
    let (request, _) = both(&Otlp::new("fallback"), &spans);
    let service = |resource: &opentelemetry_proto::tonic::trace::v1::ResourceSpans| match &resource
        .resource
        .as_ref()
        .unwrap()
        .attributes[0]
    {
        attribute if attribute.key == "service.name" => {
            match attribute.value.as_ref().unwrap().value.as_ref().unwrap() {
                AnyValue::StringValue(name) => name.clone(),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    };
    let checkout = request
        .resource_spans
        .iter()
        .find(|r| service(r) == "checkout")
        .unwrap();
    let inventory = request
        .resource_spans
        .iter()
        .find(|r| service(r) == "inventory")
        .unwrap();
    let scope = checkout.scope_spans[0].scope.as_ref().unwrap();
    assert_eq!(scope.name, "opentracing-core");
    assert_eq!(scope.version, env!("CARGO_PKG_VERSION"));

    let server_finished = spans
        .iter()
        .find(|s| s.operation_name() == "GET /cart/{id}")
        .unwrap();
    let server = checkout.scope_spans[0]
        .spans
        .iter()
        .find(|s| s.name == "GET /cart/{id}")
        .unwrap();
    assert_eq!(
        server.trace_id,
        server_finished.context().trace_id().get().to_be_bytes()
    );
    assert_eq!(
        server.span_id,
        server_finished.context().span_id().get().to_be_bytes()
    );
    assert!(server.parent_span_id.is_empty());
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(server.flags, 1);
    assert_eq!(server.start_time_unix_nano, 1_700_000_000_000_000_000);
    assert_eq!(server.end_time_unix_nano, 1_700_000_000_004_000_000);
    assert!(server.status.is_none());
    let attribute = |span: &opentelemetry_proto::tonic::trace::v1::Span, key: &str| {
        span.attributes
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| a.value.clone()?.value)
    };
    assert_eq!(
        attribute(server, "http.request.method"),
        Some(AnyValue::StringValue("GET".into()))
    );
    assert_eq!(
        attribute(server, "http.response.status_code"),
        Some(AnyValue::IntValue(200))
    );
    assert_eq!(
        attribute(server, "url.path"),
        Some(AnyValue::StringValue("/cart/7".into()))
    );
    assert_eq!(attribute(server, "negative"), Some(AnyValue::IntValue(-42)));
    assert_eq!(
        attribute(server, "ratio"),
        Some(AnyValue::DoubleValue(0.25))
    );
    assert_eq!(attribute(server, "cached"), Some(AnyValue::BoolValue(true)));
    assert_eq!(
        attribute(server, "long"),
        Some(AnyValue::StringValue("ü".repeat(5_000)))
    );
    let cause = checkout.scope_spans[0]
        .spans
        .iter()
        .find(|s| s.name == "cause")
        .unwrap();
    assert_eq!(cause.status.as_ref().unwrap().code, StatusCode::Ok as i32);
    assert_eq!(cause.kind, SpanKind::Internal as i32);

    let failing = &inventory.scope_spans[0].spans[0];
    assert_eq!(failing.parent_span_id, server.span_id);
    assert_eq!(failing.trace_id, server.trace_id);
    assert_eq!(failing.kind, SpanKind::Client as i32);
    let status = failing.status.as_ref().unwrap();
    assert_eq!(status.code, StatusCode::Error as i32);
    assert_eq!(status.message, "out of stock");
    assert_eq!(
        attribute(failing, "url.full"),
        Some(AnyValue::StringValue(
            "http://stock:8080/reserve?id=7".into()
        ))
    );
    assert!(attribute(failing, "error.type").is_some());
    assert_eq!(failing.events[0].name, "retry");
    assert_eq!(failing.events[0].time_unix_nano, 1_700_000_000_002_000_000);
    assert_eq!(failing.events[0].attributes[0].key, "attempt");
    assert_eq!(failing.events[1].name, "error");
    assert_eq!(failing.links.len(), 1);
    assert_eq!(failing.links[0].span_id, cause.span_id);
    assert_eq!(failing.links[0].trace_id, cause.trace_id);
}

#[test]
fn protobuf_is_smaller_than_json() {
    let spans = spans();
    let encoder = Otlp::new("fallback");
    let protobuf = encode(&encoder, OtlpProtocol::HttpProtobuf, &spans).len();
    let json = encode(&encoder, OtlpProtocol::HttpJson, &spans).len();
    assert!(protobuf * 10 < json * 9, "{protobuf} vs {json} bytes");
}

/// A span with one tag of a generated key and value.
fn tagged(key: &str, value: opentracing_core::Value, operation: &str) -> Vec<FinishedSpan> {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("svc", recorder.clone());
    tracer
        .span_builder(operation.to_owned())
        .tag(key.to_owned(), value)
        .start()
        .finish();
    recorder.spans()
}

/// Not in the comparison with JSON: the generated types' serde does not read proto3 JSON's
/// `"Infinity"` and `"NaN"`.
#[test]
fn infinities_and_nan_are_doubles() {
    for number in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
        let spans = tagged("n", number.into(), "op");
        let body = encode(&Otlp::new("svc"), OtlpProtocol::HttpProtobuf, &spans);
        let request: ExportTraceServiceRequest = prost::Message::decode(body.as_slice()).unwrap();
        let span = &request.resource_spans[0].scope_spans[0].spans[0];
        match span.attributes[0].value.clone().unwrap().value {
            Some(AnyValue::DoubleValue(read)) => {
                assert_eq!(read.to_bits(), number.to_bits());
            }
            other => panic!("{other:?}"),
        }
    }
}

fn any_value() -> impl Strategy<Value = opentracing_core::Value> {
    prop_oneof![
        any::<String>().prop_map(opentracing_core::Value::from),
        any::<i64>().prop_map(opentracing_core::Value::from),
        any::<bool>().prop_map(opentracing_core::Value::from),
        any::<f64>()
            .prop_filter("finite: see infinities_and_nan_are_doubles", |n| n
                .is_finite())
            .prop_map(opentracing_core::Value::from),
    ]
}

proptest! {
    #[test]
    fn any_tag_reads_back_the_same_from_both_encodings(
        key in "[a-z.]{1,20}|\\PC{0,200}",
        value in any_value(),
        operation in "\\PC{0,300}",
    ) {
        let spans = tagged(&key, value, &operation);
        let (from_protobuf, from_json) = both(&Otlp::new("svc").opentracing_names(), &spans);
        prop_assert_eq!(&from_protobuf, &from_json);
        let span = &from_protobuf.resource_spans[0].scope_spans[0].spans[0];
        prop_assert_eq!(&span.name, &operation);
    }
}
