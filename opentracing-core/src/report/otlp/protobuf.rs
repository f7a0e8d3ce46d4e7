//! OTLP protobuf, the message of `http/protobuf` and `grpc`: the `ExportTraceServiceRequest`
//! of `opentelemetry/proto/collector/trace/v1`, written field by field.

use super::{
    SAMPLED, SCOPE, ServiceSpans, event_attributes, event_name, for_each_attribute, kind_of, links,
    nanos, status,
};
use crate::finished::FinishedSpan;
use crate::ids::TraceId;
use crate::report::encoder::Rejection;
use crate::report::protobuf_writer::{
    Field, boolean, bytes, double, fields, fixed32, fixed64, int64, len_prefix, message, uint,
    varint_len,
};
use crate::report::semconv::Attribute;
use crate::value::Value;

/// Appends the `ExportTraceServiceRequest` of `groups`.
pub(super) fn encode(groups: &[ServiceSpans<'_>], semantic_names: bool, out: &mut Vec<u8>) {
    for group in groups {
        // ExportTraceServiceRequest.resource_spans
        message(out, 1, |out| {
            // ResourceSpans.resource
            message(out, 1, |out| {
                for (key, value) in group.resource_attributes() {
                    // Resource.attributes
                    key_value(out, 1, key, Any::Text(value));
                }
            });
            // ResourceSpans.scope_spans
            message(out, 2, |out| {
                // ScopeSpans.scope: InstrumentationScope.name and .version
                message(out, 1, |out| {
                    bytes(out, 1, SCOPE.0.as_bytes());
                    bytes(out, 2, SCOPE.1.as_bytes());
                });
                for span in &group.spans {
                    // ScopeSpans.spans
                    message(out, 2, |out| write_span(out, span, semantic_names));
                }
            });
        });
    }
}

/// `partial_success` of an `ExportTraceServiceResponse`: `rejected_spans` (an `int64`: a
/// negative count is none) and `error_message`; nothing when absent or unreadable.
pub(super) fn rejection(answer: &[u8]) -> Rejection {
    let Some(partial) = fields(answer).find_map(|field| match field {
        Field::Len(1, partial) => Some(partial),
        _ => None,
    }) else {
        return Rejection::default();
    };
    let mut rejection = Rejection::default();
    for field in fields(partial) {
        match field {
            Field::Varint(1, spans) if i64::try_from(spans).is_ok() => rejection.spans = spans,
            Field::Len(2, message) if !message.is_empty() => {
                rejection.message = Some(String::from_utf8_lossy(message).into_owned());
            }
            _ => {}
        }
    }
    rejection
}

/// The 16 bytes of a trace id, most significant first.
fn trace_id_bytes(id: TraceId) -> [u8; 16] {
    id.get().to_be_bytes()
}

/// A `Span`'s fields; zero values are left out, as proto3 writes them.
fn write_span(out: &mut Vec<u8>, span: &FinishedSpan, semantic_names: bool) {
    let context = span.context();
    bytes(out, 1, &trace_id_bytes(context.trace_id()));
    bytes(out, 2, &context.span_id().get().to_be_bytes());
    if let Some(trace_state) = context.trace_state().header() {
        bytes(out, 3, trace_state.as_bytes());
    }
    if let Some(parent) = span.parent_id() {
        bytes(out, 4, &parent.get().to_be_bytes());
    }
    bytes(out, 5, span.operation_name().as_bytes());
    let kind = kind_of(span);
    uint(out, 6, kind.into());
    fixed64(out, 7, nanos(span.start_time()));
    fixed64(out, 8, nanos(span.finish_time()));
    for_each_attribute(span, kind, semantic_names, |attribute| match attribute {
        Attribute::Value(key, value) => key_value(out, 9, key, Any::of(value)),
        Attribute::Text(key, text) => key_value(out, 9, key, Any::Text(text)),
        Attribute::NumberText(key, number) => {
            key_value(out, 9, key, Any::Text(itoa::Buffer::new().format(number)));
        }
    });
    if span.dropped_tags() > 0 {
        uint(out, 10, span.dropped_tags().into());
    }
    for log in span.logs() {
        message(out, 11, |out| {
            fixed64(out, 1, nanos(log.timestamp()));
            bytes(out, 2, event_name(log).as_bytes());
            for (key, value) in event_attributes(log) {
                key_value(out, 3, key, Any::of(value));
            }
        });
    }
    if span.dropped_logs() > 0 {
        uint(out, 12, span.dropped_logs().into());
    }
    for link in links(span) {
        message(out, 13, |out| {
            bytes(out, 1, &trace_id_bytes(link.trace_id()));
            bytes(out, 2, &link.span_id().get().to_be_bytes());
        });
    }
    if let Some((code, message_text)) = status(span) {
        message(out, 15, |out| {
            if let Some(text) = message_text {
                bytes(out, 2, text.as_bytes());
            }
            uint(out, 3, code.into());
        });
    }
    fixed32(out, 16, SAMPLED);
}

/// An attribute's value, as an `AnyValue` holds it.
#[derive(Clone, Copy)]
enum Any<'a> {
    Text(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
}

impl<'a> Any<'a> {
    fn of(value: &'a Value) -> Self {
        match value {
            Value::String(text) => Self::Text(text),
            Value::Bool(flag) => Self::Bool(*flag),
            Value::I64(number) => Self::Int(*number),
            Value::F64(number) => Self::Double(*number),
        }
    }

    /// The length of the encoded `AnyValue`.
    fn len(self) -> usize {
        match self {
            Self::Text(text) => 1 + varint_len(text.len() as u64) + text.len(),
            Self::Bool(_) => 2,
            Self::Int(number) => 1 + varint_len(number as u64),
            Self::Double(_) => 9,
        }
    }

    /// The `AnyValue`'s one field.
    fn write(self, out: &mut Vec<u8>) {
        match self {
            Self::Text(text) => bytes(out, 1, text.as_bytes()),
            Self::Bool(flag) => boolean(out, 2, flag),
            Self::Int(number) => int64(out, 3, number),
            Self::Double(number) => double(out, 4, number),
        }
    }
}

/// A `KeyValue` as field `field` (below 16) of its message; its lengths are known before
/// it is written, so nothing moves.
fn key_value(out: &mut Vec<u8>, field: u8, key: &str, value: Any<'_>) {
    let value_len = value.len();
    let len =
        1 + varint_len(key.len() as u64) + key.len() + 1 + varint_len(value_len as u64) + value_len;
    if len < 0x80 {
        // The usual attribute: every length is one byte, and the header goes in one copy.
        out.extend_from_slice(&[field << 3 | 2, len as u8, 1 << 3 | 2, key.len() as u8]);
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(&[2 << 3 | 2, value_len as u8]);
    } else {
        len_prefix(out, field.into(), len);
        bytes(out, 1, key.as_bytes());
        len_prefix(out, 2, value_len);
    }
    value.write(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_success_is_read_and_bad_answers_count_nothing() {
        let mut answer = Vec::new();
        message(&mut answer, 1, |out| {
            int64(out, 1, 7);
            bytes(out, 2, b"too old");
        });
        let read = rejection(&answer);
        assert_eq!((read.spans, read.message.as_deref()), (7, Some("too old")));
        let mut negative = Vec::new();
        message(&mut negative, 1, |out| int64(out, 1, -3));
        assert_eq!(rejection(&negative).spans, 0);
        assert_eq!(rejection(b""), Rejection::default());
        assert_eq!(rejection(b"{\"partialSuccess\":{}}").spans, 0);
        assert_eq!(rejection(&answer[..answer.len() - 3]).spans, 0);
    }

    #[test]
    fn trace_ids_are_sixteen_bytes_high_half_first() {
        let id = TraceId::new(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10).unwrap();
        assert_eq!(
            trace_id_bytes(id),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
        );
    }
}
