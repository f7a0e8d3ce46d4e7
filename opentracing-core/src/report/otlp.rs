//! OTLP/HTTP JSON (`POST /v1/traces`), as the OpenTelemetry protocol specification defines
//! it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::encoder::{Encoder, error_of, is_explicit_success, since_epoch};
use super::json::{SpanHex, Text, TraceHex};
use crate::finished::FinishedSpan;
use crate::references::SpanReference;
use crate::value::Value;
use crate::{logs, tags};

/// W3C trace flags: sampled. Only sampled spans are recorded.
const SAMPLED: u32 = 0x01;

/// Encodes spans as an OTLP `ExportTraceServiceRequest` in JSON, the body of
/// `POST /v1/traces` (OpenTelemetry collectors, Jaeger, Grafana Tempo).
///
/// OTLP's JSON rules are followed: hex trace and span ids, integer enums, 64-bit integers
/// and nanosecond times as decimal strings, lowerCamelCase keys. Spans are grouped by
/// service into one resource each (`service.name`). The OpenTracing mapping, as the
/// OpenTelemetry OpenTracing shim has it: `span.kind` becomes the span kind (internal when
/// absent or unknown); `error=true` the status `ERROR` with the error log's message,
/// `error=false` the status `OK`; other tags become typed attributes; each log an event
/// named by its `event` field (`log` without one) with the other fields as attributes;
/// references other than the parent become links.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::report::{Encoder, OtlpJson};
/// use opentracing_core::{InMemoryRecorder, Tracer};
///
/// let recorder = Arc::new(InMemoryRecorder::new());
/// let tracer = ReferenceTracer::new("checkout", recorder.clone());
/// tracer.start_span("charge card").finish();
///
/// let mut body = Vec::new();
/// OtlpJson::new("checkout").encode(&recorder.spans(), &mut body);
/// let json = String::from_utf8(body).unwrap();
/// assert!(json.contains(r#""key":"service.name","value":{"stringValue":"checkout"}"#));
/// assert!(json.contains(r#""name":"charge card","kind":1"#));
/// ```
#[derive(Clone, Debug)]
pub struct OtlpJson {
    service_name: String,
}

impl OtlpJson {
    /// An encoder that puts spans that do not name their service under `service_name`.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
        }
    }
}

impl Encoder for OtlpJson {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>) {
        let mut by_service: BTreeMap<&str, Vec<Span<'_>>> = BTreeMap::new();
        for span in spans {
            let service = span.service_name().unwrap_or(&self.service_name);
            by_service
                .entry(service)
                .or_default()
                .push(Span::from(span));
        }
        let request = Request {
            resource_spans: by_service
                .into_iter()
                .map(|(service, spans)| ResourceSpans {
                    resource: Resource {
                        attributes: vec![KeyValue::new("service.name", AnyValue::text(service))],
                    },
                    scope_spans: [ScopeSpans {
                        scope: Scope {
                            name: env!("CARGO_PKG_NAME"),
                            version: env!("CARGO_PKG_VERSION"),
                        },
                        spans,
                    }],
                })
                .collect(),
        };
        // Writing to a Vec cannot fail, and every value here serializes.
        let _ = serde_json::to_writer(out, &request);
    }

    /// `partialSuccess.rejectedSpans` of an `ExportTraceServiceResponse` (a decimal string
    /// in OTLP JSON, a number accepted too).
    fn rejected_spans(&self, answer: &[u8]) -> u64 {
        let Ok(answer) = serde_json::from_slice::<serde_json::Value>(answer) else {
            return 0;
        };
        match &answer["partialSuccess"]["rejectedSpans"] {
            serde_json::Value::String(count) => count.parse().unwrap_or(0),
            count => count.as_u64().unwrap_or(0),
        }
    }
}

/// OTLP's `SpanKind` for a `span.kind` tag.
fn kind_of(span: &FinishedSpan) -> u8 {
    match span.tag(tags::SPAN_KIND).and_then(Value::as_str) {
        Some(tags::SPAN_KIND_RPC_SERVER) => 2,
        Some(tags::SPAN_KIND_RPC_CLIENT) => 3,
        Some(tags::SPAN_KIND_PRODUCER) => 4,
        Some(tags::SPAN_KIND_CONSUMER) => 5,
        _ => 1,
    }
}

fn nanos(time: std::time::SystemTime) -> Text<u128> {
    Text(since_epoch(time).as_nanos())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    resource: Resource<'a>,
    scope_spans: [ScopeSpans<'a>; 1],
}

#[derive(Serialize)]
struct Resource<'a> {
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Serialize)]
struct ScopeSpans<'a> {
    scope: Scope,
    spans: Vec<Span<'a>>,
}

#[derive(Serialize)]
struct Scope {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Span<'a> {
    trace_id: TraceHex,
    span_id: SpanHex,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<SpanHex>,
    flags: u32,
    name: &'a str,
    kind: u8,
    start_time_unix_nano: Text<u128>,
    end_time_unix_nano: Text<u128>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<KeyValue<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<Event<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status<'a>>,
}

impl<'a> From<&'a FinishedSpan> for Span<'a> {
    fn from(span: &'a FinishedSpan) -> Self {
        let context = span.context();
        let parent = span.parent_id();
        let status = match error_of(span) {
            Some(message) => Some(Status { code: 2, message }),
            None if is_explicit_success(span) => Some(Status {
                code: 1,
                message: None,
            }),
            None => None,
        };
        Span {
            trace_id: TraceHex {
                id: context.trace_id(),
                short: false,
            },
            span_id: SpanHex(context.span_id()),
            trace_state: context.trace_state().header(),
            parent_span_id: parent.map(SpanHex),
            flags: SAMPLED,
            name: span.operation_name(),
            kind: kind_of(span),
            start_time_unix_nano: nanos(span.start_time()),
            end_time_unix_nano: nanos(span.finish_time()),
            attributes: span
                .tags()
                .filter(|(key, _)| !matches!(*key, tags::SPAN_KIND | tags::ERROR))
                .map(|(key, value)| KeyValue::new(key, AnyValue::from(value)))
                .collect(),
            events: span
                .logs()
                .iter()
                .map(|log| Event {
                    time_unix_nano: nanos(log.timestamp()),
                    name: log
                        .field(logs::EVENT)
                        .and_then(Value::as_str)
                        .unwrap_or("log"),
                    attributes: log
                        .fields()
                        .filter(|(key, _)| *key != logs::EVENT)
                        .map(|(key, value)| KeyValue::new(key, AnyValue::from(value)))
                        .collect(),
                })
                .collect(),
            links: span
                .references()
                .iter()
                .filter(|reference| Some(reference.span_id()) != parent)
                .map(Link::from)
                .collect(),
            status,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    time_unix_nano: Text<u128>,
    name: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Link {
    trace_id: TraceHex,
    span_id: SpanHex,
}

impl From<&SpanReference> for Link {
    fn from(reference: &SpanReference) -> Self {
        Link {
            trace_id: TraceHex {
                id: reference.trace_id(),
                short: false,
            },
            span_id: SpanHex(reference.span_id()),
        }
    }
}

#[derive(Serialize)]
struct Status<'a> {
    code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct KeyValue<'a> {
    key: &'a str,
    value: AnyValue<'a>,
}

impl<'a> KeyValue<'a> {
    fn new(key: &'a str, value: AnyValue<'a>) -> Self {
        Self { key, value }
    }
}

/// OTLP's `AnyValue`, for the value types tags and log fields have.
#[derive(Serialize)]
enum AnyValue<'a> {
    #[serde(rename = "stringValue")]
    Text(&'a str),
    #[serde(rename = "boolValue")]
    Bool(bool),
    /// A 64-bit integer: a decimal string in OTLP JSON.
    #[serde(rename = "intValue")]
    Int(Text<i64>),
    #[serde(rename = "doubleValue")]
    Double(f64),
    /// NaN and the infinities, as proto3 JSON writes them.
    #[serde(rename = "doubleValue")]
    SpecialDouble(&'static str),
}

impl<'a> AnyValue<'a> {
    fn text(text: &'a str) -> Self {
        Self::Text(text)
    }
}

impl<'a> From<&'a Value> for AnyValue<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::String(text) => Self::Text(text),
            Value::Bool(flag) => Self::Bool(*flag),
            Value::I64(number) => Self::Int(Text(*number)),
            Value::F64(number) if number.is_finite() => Self::Double(*number),
            Value::F64(number) if number.is_nan() => Self::SpecialDouble("NaN"),
            Value::F64(number) if *number > 0.0 => Self::SpecialDouble("Infinity"),
            Value::F64(_) => Self::SpecialDouble("-Infinity"),
        }
    }
}
