//! OTLP/HTTP JSON (`POST /v1/traces`), as the OpenTelemetry protocol specification defines
//! it.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::encoder::{Encoder, error_of, is_explicit_success, since_epoch};
use super::json_writer::{decimal, escaped_value, hex64, string};
use super::resource::Resource;
use super::semconv::{self, Attribute};
use crate::finished::FinishedSpan;
use crate::ids::{SpanId, TraceId};
use crate::value::Value;
use crate::{logs, tags};

/// W3C trace flags: sampled. Only sampled spans are recorded.
const SAMPLED: u32 = 0x01;

/// Encodes spans as an OTLP `ExportTraceServiceRequest` in JSON, the body of
/// `POST /v1/traces` (OpenTelemetry collectors, Jaeger, Grafana Tempo).
///
/// OTLP's JSON rules are followed: hex trace and span ids, integer enums, 64-bit integers
/// and nanosecond times as decimal strings, lowerCamelCase keys. Spans are grouped by
/// service into one resource each: `service.name`, `telemetry.sdk.name`
/// (`opentracing-core`), `telemetry.sdk.language` (`rust`), `telemetry.sdk.version`, and
/// the [resource attributes](Self::resource_attribute) given. The OpenTracing mapping, as the
/// OpenTelemetry OpenTracing shim has it: `span.kind` becomes the span kind (internal when
/// absent or unknown); `error=true` the status `ERROR` with the error log's message,
/// `error=false` the status `OK`; other tags become typed attributes, under OpenTelemetry's
/// semantic-convention names (see the [module](crate::report) docs) unless
/// [`opentracing_names`](Self::opentracing_names) is set; each log an event
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
    resource: Resource,
    /// Tags under OpenTelemetry's semantic-convention names (the default), or as they are.
    semantic_names: bool,
}

impl OtlpJson {
    /// An encoder that puts spans that do not name their service under `service_name`.
    pub fn new(service_name: impl Into<String>) -> Self {
        Self {
            service_name: service_name.into(),
            resource: Resource::default(),
            semantic_names: true,
        }
    }

    /// Writes tags under their OpenTracing names (`http.method`, `peer.ipv4`, ...) instead
    /// of OpenTelemetry's semantic conventions (`http.request.method`, `client.address`,
    /// ...; the table is in the [module](crate::report) docs), for backends and dashboards
    /// built on the old names.
    #[must_use]
    pub fn opentracing_names(mut self) -> Self {
        self.semantic_names = false;
        self
    }

    /// Adds an attribute to every resource, such as `deployment.environment.name`; a
    /// repeated key replaces the value. `service.name` comes from each span's service.
    #[must_use]
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.set(key.into(), value.into());
        self
    }
}

impl Encoder for OtlpJson {
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    /// OTLP has no flag for a span that shares its caller's id.
    fn supports_shared_spans(&self) -> bool {
        false
    }

    fn encode(&self, spans: &[FinishedSpan], out: &mut Vec<u8>) {
        let mut by_service: BTreeMap<&str, Vec<&FinishedSpan>> = BTreeMap::new();
        for span in spans {
            let service = span.service_name().unwrap_or(&self.service_name);
            by_service.entry(service).or_default().push(span);
        }
        out.extend_from_slice(b"{\"resourceSpans\":[");
        for (i, (service, spans)) in by_service.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"resource\":{\"attributes\":[");
            string_attribute(out, "service.name", service);
            for (key, value) in SDK.iter().copied().chain(self.resource.iter()) {
                out.push(b',');
                string_attribute(out, key, value);
            }
            out.extend_from_slice(b"]},\"scopeSpans\":[{\"scope\":{\"name\":");
            string(out, env!("CARGO_PKG_NAME"));
            out.extend_from_slice(b",\"version\":");
            string(out, env!("CARGO_PKG_VERSION"));
            out.extend_from_slice(b"},\"spans\":[");
            for (i, span) in spans.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_span(out, span, self.semantic_names);
            }
            out.extend_from_slice(b"]}]}");
        }
        out.extend_from_slice(b"]}");
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

/// The `telemetry.sdk.*` resource attributes.
const SDK: [(&str, &str); 3] = [
    ("telemetry.sdk.name", env!("CARGO_PKG_NAME")),
    ("telemetry.sdk.language", "rust"),
    ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
];

/// `{"key":...,"value":{"stringValue":...}}`.
fn string_attribute(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(b"{\"key\":");
    string(out, key);
    out.extend_from_slice(b",\"value\":{\"stringValue\":");
    string(out, value);
    out.extend_from_slice(b"}}");
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

/// Appends a time as OTLP JSON has it: nanoseconds since the epoch, as a decimal string.
fn nanos(out: &mut Vec<u8>, time: SystemTime) {
    out.push(b'"');
    decimal(
        out,
        u64::try_from(since_epoch(time).as_nanos()).unwrap_or(u64::MAX),
    );
    out.push(b'"');
}

/// Appends a 128-bit trace id as 32 hex digits.
fn trace_id(out: &mut Vec<u8>, id: TraceId) {
    out.push(b'"');
    hex64(out, id.high());
    hex64(out, id.low());
    out.push(b'"');
}

/// Appends a span id as 16 hex digits.
fn span_id(out: &mut Vec<u8>, id: SpanId) {
    out.push(b'"');
    hex64(out, id.get());
    out.push(b'"');
}

/// Appends one span as an OTLP `Span` object; empty fields are left out.
fn write_span(out: &mut Vec<u8>, span: &FinishedSpan, semantic_names: bool) {
    let context = span.context();
    let parent = span.parent_id();
    out.extend_from_slice(b"{\"traceId\":");
    trace_id(out, context.trace_id());
    out.extend_from_slice(b",\"spanId\":");
    span_id(out, context.span_id());
    if let Some(trace_state) = context.trace_state().header() {
        out.extend_from_slice(b",\"traceState\":");
        string(out, trace_state);
    }
    if let Some(parent) = parent {
        out.extend_from_slice(b",\"parentSpanId\":");
        span_id(out, parent);
    }
    out.extend_from_slice(b",\"flags\":");
    decimal(out, SAMPLED.into());
    out.extend_from_slice(b",\"name\":");
    string(out, span.operation_name());
    let kind = kind_of(span);
    out.extend_from_slice(b",\"kind\":");
    decimal(out, kind.into());
    out.extend_from_slice(b",\"startTimeUnixNano\":");
    nanos(out, span.start_time());
    out.extend_from_slice(b",\"endTimeUnixNano\":");
    nanos(out, span.finish_time());
    if semantic_names {
        let mut attributes = semconv::attributes(span, kind == 2);
        if error_of(span).is_some() && !attributes.iter().any(|a| a.key() == "error.type") {
            attributes.push(semconv::error_type(span));
        }
        list(out, "attributes", attributes, write_attribute);
    } else {
        let attributes = span
            .tags()
            .filter(|(key, _)| !matches!(*key, tags::SPAN_KIND | tags::ERROR));
        list(out, "attributes", attributes, |out, (key, value)| {
            key_value(out, key, value);
        });
    }
    list(out, "events", span.logs(), |out, log| {
        out.extend_from_slice(b"{\"timeUnixNano\":");
        nanos(out, log.timestamp());
        out.extend_from_slice(b",\"name\":");
        let name = log.field(logs::EVENT).and_then(Value::as_str);
        string(out, name.unwrap_or("log"));
        let fields = log.fields().filter(|(key, _)| *key != logs::EVENT);
        list(out, "attributes", fields, |out, (key, value)| {
            key_value(out, key, value);
        });
        out.push(b'}');
    });
    let links = span
        .references()
        .iter()
        .filter(|reference| Some(reference.span_id()) != parent);
    list(out, "links", links, |out, link| {
        out.extend_from_slice(b"{\"traceId\":");
        trace_id(out, link.trace_id());
        out.extend_from_slice(b",\"spanId\":");
        span_id(out, link.span_id());
        out.push(b'}');
    });
    let status = match error_of(span) {
        Some(message) => Some((2, message)),
        None if is_explicit_success(span) => Some((1, None)),
        None => None,
    };
    if let Some((code, message)) = status {
        out.extend_from_slice(b",\"status\":{\"code\":");
        decimal(out, code);
        if let Some(message) = message {
            out.extend_from_slice(b",\"message\":");
            string(out, message);
        }
        out.push(b'}');
    }
    out.push(b'}');
}

/// Appends `,"name":[...]` with each item written by `write`; nothing for no items.
fn list<T>(
    out: &mut Vec<u8>,
    name: &str,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    let mut separator = b'[';
    for item in items {
        if separator == b'[' {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
        }
        out.push(separator);
        separator = b',';
        write(out, item);
    }
    if separator == b',' {
        out.push(b']');
    }
}

/// Appends an OTLP `KeyValue`, the value as the `AnyValue` of its type: 64-bit integers as
/// decimal strings, NaN and the infinities as proto3 JSON writes them.
fn write_attribute(out: &mut Vec<u8>, attribute: Attribute<'_>) {
    match attribute {
        Attribute::Value(key, value) => key_value(out, key, value),
        Attribute::Text(key, text) => string_attribute(out, key, text),
        Attribute::NumberText(key, number) => {
            string_attribute(out, key, itoa::Buffer::new().format(number));
        }
    }
}

fn key_value(out: &mut Vec<u8>, key: &str, value: &Value) {
    out.extend_from_slice(b"{\"key\":");
    string(out, key);
    out.extend_from_slice(b",\"value\":{");
    match value {
        Value::String(text) => {
            out.extend_from_slice(b"\"stringValue\":");
            string(out, text);
        }
        Value::Bool(flag) => {
            out.extend_from_slice(b"\"boolValue\":");
            out.extend_from_slice(if *flag { b"true" } else { b"false" });
        }
        Value::I64(_) => {
            out.extend_from_slice(b"\"intValue\":\"");
            escaped_value(out, value);
            out.push(b'"');
        }
        Value::F64(number) if number.is_finite() => {
            out.extend_from_slice(b"\"doubleValue\":");
            // The shortest text that reads back as the same number, as serde_json writes it.
            let _ = serde_json::to_writer(&mut *out, number);
        }
        Value::F64(number) => {
            let special: &[u8] = if number.is_nan() {
                b"\"NaN\""
            } else if *number > 0.0 {
                b"\"Infinity\""
            } else {
                b"\"-Infinity\""
            };
            out.extend_from_slice(b"\"doubleValue\":");
            out.extend_from_slice(special);
        }
    }
    out.extend_from_slice(b"}}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(value: Value) -> String {
        let mut out = Vec::new();
        key_value(&mut out, "k\"", &value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn attribute_values_have_their_any_value_types() {
        let cases = [
            (
                Value::from("a\nb"),
                r#"{"key":"k\"","value":{"stringValue":"a\nb"}}"#,
            ),
            (
                Value::from(true),
                r#"{"key":"k\"","value":{"boolValue":true}}"#,
            ),
            (
                Value::from(-42),
                r#"{"key":"k\"","value":{"intValue":"-42"}}"#,
            ),
            (
                Value::from(1.5),
                r#"{"key":"k\"","value":{"doubleValue":1.5}}"#,
            ),
            (
                Value::from(1e300),
                r#"{"key":"k\"","value":{"doubleValue":1e+300}}"#,
            ),
            (
                Value::from(f64::NEG_INFINITY),
                r#"{"key":"k\"","value":{"doubleValue":"-Infinity"}}"#,
            ),
        ];
        for (value, json) in cases {
            assert_eq!(attribute(value), json);
        }
    }
}
