//! OTLP/HTTP JSON: hex trace and span ids, integer enums, 64-bit integers and nanosecond
//! times as decimal strings, lowerCamelCase keys.

use super::{
    SAMPLED, SCOPE, ServiceSpans, event_attributes, event_name, for_each_attribute, kind_of, links,
    nanos, status,
};
use crate::finished::FinishedSpan;
use crate::ids::{SpanId, TraceId};
use crate::report::encoder::Rejection;
use crate::report::json_writer::{decimal, escaped_value, hex64, string};
use crate::report::semconv::Attribute;
use crate::value::Value;

/// Appends the `ExportTraceServiceRequest` of `groups`.
pub(super) fn encode(groups: &[ServiceSpans<'_>], semantic_names: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"resourceSpans\":[");
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"resource\":{\"attributes\":[");
        for (i, (key, value)) in group.resource_attributes().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string_attribute(out, key, value);
        }
        out.extend_from_slice(b"]},\"scopeSpans\":[{\"scope\":{\"name\":");
        string(out, SCOPE.0);
        out.extend_from_slice(b",\"version\":");
        string(out, SCOPE.1);
        out.extend_from_slice(b"},\"spans\":[");
        for (i, span) in group.spans.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_span(out, span, semantic_names);
        }
        out.extend_from_slice(b"]}]}");
    }
    out.extend_from_slice(b"]}");
}

/// `partialSuccess` of an `ExportTraceServiceResponse`: `rejectedSpans` (a decimal string
/// in OTLP JSON, a number accepted too) and `errorMessage`.
pub(super) fn rejection(answer: &[u8]) -> Rejection {
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(answer) else {
        return Rejection::default();
    };
    let partial = &answer["partialSuccess"];
    let spans = match &partial["rejectedSpans"] {
        serde_json::Value::String(count) => count.parse().unwrap_or(0),
        count => count.as_u64().unwrap_or(0),
    };
    let message = partial["errorMessage"].as_str().filter(|m| !m.is_empty());
    Rejection {
        spans,
        message: message.map(str::to_owned),
    }
}

/// `{"key":...,"value":{"stringValue":...}}`.
fn string_attribute(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(b"{\"key\":");
    string(out, key);
    out.extend_from_slice(b",\"value\":{\"stringValue\":");
    string(out, value);
    out.extend_from_slice(b"}}");
}

/// Appends a time as OTLP JSON has it: nanoseconds since the epoch, as a decimal string.
fn time(out: &mut Vec<u8>, time: std::time::SystemTime) {
    out.push(b'"');
    decimal(out, nanos(time));
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
    out.extend_from_slice(b"{\"traceId\":");
    trace_id(out, context.trace_id());
    out.extend_from_slice(b",\"spanId\":");
    span_id(out, context.span_id());
    if let Some(trace_state) = context.trace_state().header() {
        out.extend_from_slice(b",\"traceState\":");
        string(out, trace_state);
    }
    if let Some(parent) = span.parent_id() {
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
    time(out, span.start_time());
    out.extend_from_slice(b",\"endTimeUnixNano\":");
    time(out, span.finish_time());
    let mut attributes = List::new("attributes");
    for_each_attribute(span, kind, semantic_names, |attribute| {
        attributes.item(out);
        write_attribute(out, attribute);
    });
    attributes.end(out);
    if span.dropped_tags() > 0 {
        out.extend_from_slice(b",\"droppedAttributesCount\":");
        decimal(out, span.dropped_tags().into());
    }
    list(out, "events", span.logs(), |out, log| {
        out.extend_from_slice(b"{\"timeUnixNano\":");
        time(out, log.timestamp());
        out.extend_from_slice(b",\"name\":");
        string(out, event_name(log));
        list(
            out,
            "attributes",
            event_attributes(log),
            |out, (key, value)| {
                key_value(out, key, value);
            },
        );
        out.push(b'}');
    });
    if span.dropped_logs() > 0 {
        out.extend_from_slice(b",\"droppedEventsCount\":");
        decimal(out, span.dropped_logs().into());
    }
    list(out, "links", links(span), |out, link| {
        out.extend_from_slice(b"{\"traceId\":");
        trace_id(out, link.trace_id());
        out.extend_from_slice(b",\"spanId\":");
        span_id(out, link.span_id());
        out.push(b'}');
    });
    if let Some((code, message)) = status(span) {
        out.extend_from_slice(b",\"status\":{\"code\":");
        decimal(out, code.into());
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
    name: &'static str,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    let mut list = List::new(name);
    for item in items {
        list.item(out);
        write(out, item);
    }
    list.end(out);
}

/// A list written item by item: `,"name":[` before the first, `,` between, `]` after the
/// last; nothing for no items.
struct List {
    name: &'static str,
    started: bool,
}

impl List {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            started: false,
        }
    }

    /// Appends what goes before an item.
    fn item(&mut self, out: &mut Vec<u8>) {
        if self.started {
            out.push(b',');
        } else {
            self.started = true;
            out.extend_from_slice(b",\"");
            out.extend_from_slice(self.name.as_bytes());
            out.extend_from_slice(b"\":[");
        }
    }

    fn end(self, out: &mut Vec<u8>) {
        if self.started {
            out.push(b']');
        }
    }
}

/// Appends an attribute as an OTLP `KeyValue`.
fn write_attribute(out: &mut Vec<u8>, attribute: Attribute<'_>) {
    match attribute {
        Attribute::Value(key, value) => key_value(out, key, value),
        Attribute::Text(key, text) => string_attribute(out, key, text),
        Attribute::NumberText(key, number) => {
            string_attribute(out, key, itoa::Buffer::new().format(number));
        }
    }
}

/// Appends an OTLP `KeyValue`, the value as the `AnyValue` of its type: 64-bit integers as
/// decimal strings, NaN and the infinities as proto3 JSON writes them.
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
