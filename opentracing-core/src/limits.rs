//! Bounds on what one span keeps: its tags, its logs, and the length of string values.

use std::borrow::Cow;

use crate::value::Value;

/// Bounds on what one span keeps, as the OpenTelemetry SDK's span limits: a span that
/// goes past them keeps what came first and counts what it dropped
/// ([`FinishedSpan::dropped_tags`](crate::FinishedSpan::dropped_tags),
/// [`dropped_logs`](crate::FinishedSpan::dropped_logs)), which the OTLP encodings send. The
/// default keeps 128 tags and 128 logs, as the OpenTelemetry specification's defaults, and
/// string values whole.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::{InMemoryRecorder, SpanLimits, Tracer};
///
/// let recorder = Arc::new(InMemoryRecorder::new());
/// let limits = SpanLimits::default().max_tags(2).max_value_chars(Some(4));
/// let tracer = ReferenceTracer::builder("shop", recorder.clone()).span_limits(limits).build();
/// let span = tracer.start_span("query");
/// span.set_tag("db.statement", "SELECT * FROM carts").set_tag("a", 1).set_tag("b", 2);
/// span.finish();
///
/// let finished = &recorder.spans()[0];
/// assert_eq!(finished.tag("db.statement").unwrap().as_str(), Some("SELE"));
/// assert_eq!(finished.tag("b"), None);
/// assert_eq!(finished.dropped_tags(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanLimits {
    tags: u32,
    logs: u32,
    value_chars: Option<u32>,
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self {
            tags: 128,
            logs: 128,
            value_chars: None,
        }
    }
}

impl SpanLimits {
    /// Keeps at most `tags` distinct tag keys (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`); a new key
    /// past them is dropped, while a kept key can still change its value.
    #[must_use]
    pub const fn max_tags(mut self, tags: u32) -> Self {
        self.tags = tags;
        self
    }

    /// Keeps at most `logs` logs (`OTEL_SPAN_EVENT_COUNT_LIMIT`); later ones are dropped.
    #[must_use]
    pub const fn max_logs(mut self, logs: u32) -> Self {
        self.logs = logs;
        self
    }

    /// Cuts string values of tags and log fields to `chars` characters
    /// (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); `None` keeps them whole.
    #[must_use]
    pub const fn max_value_chars(mut self, chars: Option<u32>) -> Self {
        self.value_chars = chars;
        self
    }

    /// The most distinct tag keys kept.
    pub const fn tags(&self) -> u32 {
        self.tags
    }

    /// The most logs kept.
    pub const fn logs(&self) -> u32 {
        self.logs
    }

    /// The most characters kept of a string value, if bounded.
    pub const fn value_chars(&self) -> Option<u32> {
        self.value_chars
    }

    /// `value`, a string cut to the bound.
    pub(crate) fn cut(&self, value: Value) -> Value {
        let (Some(chars), Value::String(text)) = (self.value_chars, &value) else {
            return value;
        };
        let chars = chars as usize;
        // A text of no more bytes than the bound has no more characters either.
        if text.len() <= chars {
            return value;
        }
        match text.char_indices().nth(chars) {
            Some((end, _)) => Value::String(Cow::Owned(text[..end].to_owned())),
            None => value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_at_a_character_boundary() {
        let limits = SpanLimits::default().max_value_chars(Some(3));
        assert_eq!(limits.cut("ab".into()), Value::from("ab"));
        assert_eq!(limits.cut("abcdef".into()), Value::from("abc"));
        assert_eq!(limits.cut("ééééé".into()), Value::from("ééé"));
        assert_eq!(limits.cut("éé".into()), Value::from("éé"));
        assert_eq!(limits.cut(12345.into()), Value::from(12345));
        let none = SpanLimits::default().max_value_chars(Some(0));
        assert_eq!(none.cut("abc".into()), Value::from(""));
        assert_eq!(SpanLimits::default().cut("abc".into()), Value::from("abc"));
    }
}
