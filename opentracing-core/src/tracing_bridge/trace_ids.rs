//! The active span's ids in every log line `tracing-subscriber` formats.

use std::fmt;

use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::scope::ScopeManager;

/// An event format that adds the `trace_id` and `span_id` of the active span (the
/// OpenTracing span of the entered `tracing` span with [`OpenTracingLayer`], or any span
/// made active) to each line of another format; lines outside any span are left as they
/// are.
///
/// - [`text`](Self::text), for tracing-subscriber's text formats, starts the line with
///   `trace_id=… span_id=… ` (colours are kept):
///   `trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 2026-12-03T08:00:00.000000Z  INFO shop: checked out items=3`
/// - [`json`](Self::json), for its JSON format, puts `"trace_id"` and `"span_id"` first in
///   the object: `{"trace_id":"4bf9…","span_id":"00f0…","timestamp":"…","level":"INFO",…}`
///
/// ```
/// use opentracing_core::tracing_bridge::WithTraceIds;
///
/// // Text:
/// let text = tracing_subscriber::fmt().map_event_format(WithTraceIds::text).finish();
/// // JSON (tracing-subscriber's `json` feature):
/// let json = tracing_subscriber::fmt().json().map_event_format(WithTraceIds::json).finish();
/// # drop((text, json));
/// ```
///
/// [`OpenTracingLayer`]: super::OpenTracingLayer
#[derive(Clone, Debug)]
pub struct WithTraceIds<F> {
    inner: F,
    json: bool,
}

impl<F> WithTraceIds<F> {
    /// `inner`, a text format, with the ids first on each line.
    pub fn text(inner: F) -> Self {
        Self { inner, json: false }
    }

    /// `inner`, the JSON format, with the ids first in each object.
    pub fn json(inner: F) -> Self {
        Self { inner, json: true }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(span) = ScopeManager::new().active_span().and_then(|s| s.context()) else {
            return self.inner.format_event(context, writer, event);
        };
        let (trace_id, span_id) = (span.trace_id(), span.span_id());
        if !self.json {
            write!(writer, "trace_id={trace_id} span_id={span_id} ")?;
            return self.inner.format_event(context, writer, event);
        }
        let mut line = String::new();
        self.inner
            .format_event(context, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",{rest}"
            ),
            None => writer.write_str(&line),
        }
    }
}
