//! The viewer's HTML: the list of recent traces and one trace's waterfall. Every string
//! from a span goes through maud's escaping.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use maud::{DOCTYPE, Markup, html};
use opentracing_core::FinishedSpan;
use opentracing_core::view::{
    Bucket, OperationBuckets, StoreUsage, TraceFilter, TraceSummary, format_duration, tree_order,
};

/// The most rows the list shows.
pub(super) const MAX_ROWS: usize = 1_000;

/// The deepest indentation drawn (the stylesheet has a class per level up to it).
const MAX_DEPTH: usize = 24;

/// The width of the waterfall's time axis, in SVG units.
const AXIS: f64 = 1000.0;

/// What the list page shows.
pub(super) struct ListPage<'a> {
    pub(super) base: &'a str,
    pub(super) filter: &'a TraceFilter,
    pub(super) traces: &'a [TraceSummary],
    pub(super) operations: &'a [OperationBuckets],
    pub(super) usage: StoreUsage,
}

/// The list of recent traces, its filters, and each operation's bucket counts.
pub(super) fn list_page(page: &ListPage<'_>) -> String {
    let ListPage {
        base,
        filter,
        traces,
        operations,
        usage,
    } = page;
    let shown = &traces[..traces.len().min(MAX_ROWS)];
    let min_ms = filter.min_duration.map(|min| min.as_millis().to_string());
    let trace_id = filter.trace_id.map(|id| id.to_string());
    let body = html! {
        h1 { "Recent traces" }
        form #filters method="get" action=(format!("{base}/")) {
            label { "Operation " input name="operation" list="operations" value=[filter.operation.as_deref()]; }
            datalist #operations {
                @for operation in operations.iter() { option value=(operation.operation) {} }
            }
            label { "Service " input name="service" value=[filter.service.as_deref()]; }
            label { "Min. duration (ms) " input name="min_ms" type="number" min="0" value=[min_ms]; }
            label { input name="errors" type="checkbox" value="1" checked[filter.errors_only]; " Errors only" }
            label { "Trace id " input name="trace" size="34" value=[trace_id]; }
            button type="submit" { "Filter" }
            " "
            a href=(format!("{base}/")) { "Clear" }
        }
        h2 { "Operations" }
        table #operations-table {
            thead { tr {
                th { "Root operation" }
                @for bucket in Bucket::ALL { th.count { (bucket.label()) } }
            } }
            tbody {
                @for operation in operations.iter() {
                    tr {
                        td { a href=(list_link(base, &operation.operation, None)) { (operation.operation) } }
                        @for (bucket, count) in Bucket::ALL.into_iter().zip(operation.counts) {
                            td.count {
                                @if count > 0 {
                                    a href=(list_link(base, &operation.operation, Some(bucket))) { (count) }
                                } @else { "·" }
                            }
                        }
                    }
                }
            }
        }
        h2 #count {
            (traces.len()) @if traces.len() == 1 { " trace" } @else { " traces" }
            @if shown.len() < traces.len() { " (the latest " (shown.len()) " shown)" }
        }
        table #traces {
            thead { tr {
                th { "Trace" } th { "Root operation" } th { "Services" } th { "Start (UTC)" }
                th.number { "Duration" } th.number { "Spans" } th { "Errors" }
            } }
            tbody {
                @for trace in shown {
                    tr.trace.error[trace.errors > 0] data-trace-id=(trace.trace_id) {
                        td.id { a href=(format!("{base}/trace/{}", trace.trace_id)) { (trace.trace_id) } }
                        td.operation { (trace.operation) }
                        td.services { (trace.services.join(", ")) }
                        td.start { (time_of_day(trace.start)) }
                        td.number.duration { (format_duration(trace.duration)) }
                        td.number.spans { (trace.spans) }
                        td.errors { @if trace.errors > 0 { span.mark { "ERROR" } " " (trace.errors) } }
                    }
                }
            }
        }
        p.usage {
            "Kept: " (usage.traces) " traces, " (usage.spans) " spans, about "
            (usage.bytes / 1024) " KiB; given up: " (usage.evicted_traces) " traces, "
            (usage.refused_spans) " spans."
        }
    };
    layout(base, "Recent traces", body)
}

/// A link to the list filtered by operation and, if given, a bucket.
fn list_link(base: &str, operation: &str, bucket: Option<Bucket>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("operation", operation);
    match bucket {
        Some(Bucket::Errors) => {
            query.append_pair("errors", "1");
        }
        Some(bucket) if bucket != Bucket::Under10Ms => {
            let min = bucket.min_duration().as_millis().to_string();
            query.append_pair("min_ms", &min);
        }
        _ => {}
    }
    format!("{base}/?{}", query.finish())
}

/// One trace: its summary, then the waterfall with each span's details.
pub(super) fn trace_page(base: &str, spans: &[FinishedSpan]) -> String {
    let Some(axis) = Axis::new(spans) else {
        return not_found_page(base);
    };
    let order = tree_order(spans);
    let root = order[0].1;
    let trace_id = root.context().trace_id();
    let errors = spans.iter().filter(|span| span.is_error()).count();
    let mut services: Vec<&str> = spans
        .iter()
        .filter_map(FinishedSpan::service_name)
        .collect();
    services.sort_unstable();
    services.dedup();
    let body = html! {
        h1 { (root.operation_name()) }
        p.summary {
            "Trace " code #trace-id { (trace_id) } " · " (spans.len()) " spans · "
            (format_duration(axis.length)) " · " (services.join(", "))
            @if errors > 0 { " · " span.mark { (errors) " failed" } }
            " · started " (time_of_day(axis.start)) " UTC · "
            a href=(format!("{base}/api/traces/{trace_id}")) { "Zipkin JSON" }
        }
        p.hint { "Select a span to see its tags, logs and references." }
        div #waterfall {
            @for (depth, span) in &order {
                (span_row(span, *depth, &axis))
            }
        }
    };
    layout(base, &format!("Trace {trace_id}"), body)
}

/// One waterfall row, opening onto the span's details.
fn span_row(span: &FinishedSpan, depth: usize, axis: &Axis) -> Markup {
    let span_id = span.context().span_id();
    let (x, width) = axis.bar(span);
    let status = span.tag(opentracing_core::tags::HTTP_STATUS_CODE);
    let error = if span.is_error() { " error" } else { "" };
    let row_class = format!("span d{}{error}", depth.min(MAX_DEPTH));
    html! {
        details class=(row_class) id=(format!("span-{span_id}")) data-span-id=(span_id)
            data-depth=(depth) {
            summary {
                span.name { (span.operation_name()) }
                span.service { (span.service_name().unwrap_or("-")) }
                span.bar {
                    svg viewBox="0 0 1000 10" preserveAspectRatio="none" {
                        rect x=(format!("{x:.1}")) y="0" width=(format!("{width:.1}")) height="10" {}
                    }
                }
                span.duration { (format_duration(span.duration())) }
                span.status {
                    @if let Some(status) = status { (status) " " }
                    @if span.is_error() { span.mark { "ERROR" } }
                }
            }
            div.detail {
                p {
                    "Span " code { (span_id) }
                    @if let Some(parent) = span.parent_id() { " · parent " code { (parent) } }
                    " · starts at +" (format_duration(axis.offset(span.start_time())))
                    " · lasts " (format_duration(span.duration()))
                }
                table.tags {
                    @for (key, value) in span.tags() {
                        tr { th { (key) } td { (value) } }
                    }
                }
                @if !span.logs().is_empty() {
                    ol.logs {
                        @for log in span.logs() {
                            li {
                                span.at { "+" (format_duration(axis.offset(log.timestamp()))) }
                                @for (key, value) in log.fields() {
                                    " " span.field { b { (key) } "=" (value) }
                                }
                            }
                        }
                    }
                }
                @if !span.references().is_empty() {
                    ul.references {
                        @for reference in span.references() {
                            li {
                                (reference.kind().as_str()) " "
                                a href=(format!("#span-{}", reference.span_id())) { code { (reference.span_id()) } }
                            }
                        }
                    }
                }
                @if span.dropped_tags() > 0 || span.dropped_logs() > 0 {
                    p.dropped { "Dropped at the limits: " (span.dropped_tags()) " tags, " (span.dropped_logs()) " logs." }
                }
            }
        }
    }
}

/// The page for a trace that is not (or no longer) kept.
pub(super) fn not_found_page(base: &str) -> String {
    let body = html! {
        h1 { "No such trace" }
        p { "It is not among the traces kept here (it may have been given up for newer ones). "
            a href=(format!("{base}/")) { "Recent traces" } }
    };
    layout(base, "No such trace", body)
}

fn layout(base: &str, title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(format!("{base}/style.css"));
                // No icon: browsers would otherwise ask the application for /favicon.ico.
                link rel="icon" href="data:,";
            }
            body {
                header { a href=(format!("{base}/")) { "Traces" } " · kept in this process" }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// `HH:MM:SS.mmm`, in UTC.
fn time_of_day(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        since.subsec_millis()
    )
}

/// The trace's time span, mapped onto the waterfall's axis.
struct Axis {
    start: SystemTime,
    length: Duration,
}

impl Axis {
    /// From the earliest start to the latest finish; `None` for no spans.
    fn new(spans: &[FinishedSpan]) -> Option<Self> {
        let start = spans.iter().map(FinishedSpan::start_time).min()?;
        let end = spans.iter().map(FinishedSpan::finish_time).max()?;
        let length = end.duration_since(start).unwrap_or_default();
        Some(Self { start, length })
    }

    fn offset(&self, time: SystemTime) -> Duration {
        time.duration_since(self.start).unwrap_or_default()
    }

    /// Where the span's bar starts and how wide it is, in axis units (at least 2 wide).
    fn bar(&self, span: &FinishedSpan) -> (f64, f64) {
        if self.length.is_zero() {
            return (0.0, AXIS);
        }
        let total = self.length.as_secs_f64();
        let x = self.offset(span.start_time()).as_secs_f64() / total * AXIS;
        let width = span.duration().as_secs_f64() / total * AXIS;
        let x = x.min(AXIS - 2.0);
        (x, width.clamp(2.0, AXIS - x))
    }
}
