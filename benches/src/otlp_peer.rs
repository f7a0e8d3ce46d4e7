//! OTLP protobuf encodings to compare ours with: the OpenTelemetry SDK's (its `SpanData`
//! converted to `opentelemetry-proto`'s prost types, then encoded, as `opentelemetry-otlp`
//! does), and ours had we used prost (our spans through the same prost types).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanProcessor};
use opentracing_core::{FinishedSpan, Value, tags};
use prost::Message as _;

/// Keeps every finished SDK span.
#[derive(Debug, Default)]
struct Keep(Arc<Mutex<Vec<SpanData>>>);

impl SpanProcessor for Keep {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        self.0.lock().unwrap().push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// `count` SDK server spans carrying the attributes our encoder writes for the typical
/// server span, under the same names and with the same values.
pub fn sdk_server_spans(count: usize) -> (Vec<SpanData>, ResourceAttributesWithSchema) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let resource = opentelemetry_sdk::Resource::builder_empty()
        .with_service_name("bench")
        .build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(Keep(kept.clone()))
        .with_resource(resource.clone())
        .build();
    let tracer = provider.tracer("opentracing-core");
    for _ in 0..count {
        let mut span = tracer
            .span_builder("GET /users/{id}")
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("component", "tracing-axum"),
                KeyValue::new("http.request.method", "GET"),
                KeyValue::new("url.path", "/users/42"),
                KeyValue::new("client.address", "127.0.0.1"),
                KeyValue::new("network.peer.address", "127.0.0.1"),
                KeyValue::new("client.port", 50312),
                KeyValue::new("network.peer.port", 50312),
                KeyValue::new("http.route", "/users/{id}"),
                KeyValue::new("http.response.status_code", 200),
                KeyValue::new("finish.reason", "complete"),
            ])
            .start(&tracer);
        span.end();
    }
    let spans = std::mem::take(&mut *kept.lock().unwrap());
    (spans, (&resource).into())
}

/// The body `opentelemetry-otlp` posts over `http/protobuf` for `spans`.
pub fn otel_encode(spans: Vec<SpanData>, resource: &ResourceAttributesWithSchema) -> Vec<u8> {
    let request = ExportTraceServiceRequest {
        resource_spans: group_spans_by_resource_and_scope(spans, resource),
    };
    request.encode_to_vec()
}

/// Our spans through prost: each tag a typed attribute, each log an event.
pub fn prost_encode(spans: &[FinishedSpan]) -> Vec<u8> {
    let string = |key: &str, value: &str| opentelemetry_proto::tonic::common::v1::KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    };
    let typed = |key: &str, value: &Value| opentelemetry_proto::tonic::common::v1::KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(match value {
                Value::String(text) => any_value::Value::StringValue(text.to_string()),
                Value::Bool(flag) => any_value::Value::BoolValue(*flag),
                Value::I64(number) => any_value::Value::IntValue(*number),
                Value::F64(number) => any_value::Value::DoubleValue(*number),
                other => any_value::Value::StringValue(other.to_string()),
            }),
        }),
        ..Default::default()
    };
    let nanos = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let spans = spans
        .iter()
        .map(|finished| {
            let context = finished.context();
            Span {
                trace_id: context.trace_id().get().to_be_bytes().to_vec(),
                span_id: context.span_id().get().to_be_bytes().to_vec(),
                parent_span_id: finished
                    .parent_id()
                    .map(|id| id.get().to_be_bytes().to_vec())
                    .unwrap_or_default(),
                flags: 1,
                name: finished.operation_name().to_owned(),
                kind: span::SpanKind::Server as i32,
                start_time_unix_nano: nanos(finished.start_time()),
                end_time_unix_nano: nanos(finished.finish_time()),
                attributes: finished
                    .tags()
                    .filter(|(key, _)| *key != tags::SPAN_KIND)
                    .map(|(key, value)| typed(key, value))
                    .collect(),
                events: finished
                    .logs()
                    .iter()
                    .map(|log| span::Event {
                        time_unix_nano: nanos(log.timestamp()),
                        name: "log".to_owned(),
                        attributes: log.fields().map(|(key, value)| typed(key, value)).collect(),
                        dropped_attributes_count: 0,
                    })
                    .collect(),
                ..Span::default()
            }
        })
        .collect();
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    string("service.name", "bench"),
                    string("telemetry.sdk.name", "opentracing-core"),
                    string("telemetry.sdk.language", "rust"),
                    string("telemetry.sdk.version", "0.1.0"),
                ],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "opentracing-core".to_owned(),
                    version: "0.1.0".to_owned(),
                    ..InstrumentationScope::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    request.encode_to_vec()
}
