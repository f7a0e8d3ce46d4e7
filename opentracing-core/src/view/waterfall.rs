//! A recorder that prints each finished trace as a waterfall: one line per span, in tree
//! order, with a bar on a time axis shared by the whole trace.
//!
//! ```text
//! trace 258ae396836feda85c7e9837b6913bb8 · 4 spans · 100.0ms · 1 error
//! GET /checkout                        shop         ████████████████████████████████████████ 100.0ms 500 ERROR
//!   auth                               shop         ████████████████████                      50.0ms
//!   db                                 shop                             ████████████████████  50.0ms
//!     query                            shop                                 ████████████      30.0ms
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::finished::FinishedSpan;
use crate::ids::{SpanId, TraceId};
use crate::recorder::Recorder;
use crate::tags;
use crate::value::Value;

/// Characters for the indented operation name.
const NAME_COLUMN: usize = 36;
/// Characters for the service name.
const SERVICE_COLUMN: usize = 12;
/// The bar area's width unless set.
const DEFAULT_WIDTH: usize = 40;
/// The narrowest bar area.
const MIN_WIDTH: usize = 10;

/// A [`Recorder`] that prints every trace as a waterfall when its root span finishes.
///
/// Spans are buffered per trace until a span without a parent finishes; then the whole
/// trace is written and forgotten. Traces whose root finishes elsewhere (another service,
/// or never) are written by [`flush`](Self::flush). Write errors are ignored.
///
/// ```
/// use std::sync::Arc;
/// use opentracing_core::Tracer;
/// use opentracing_core::reference::ReferenceTracer;
/// use opentracing_core::view::WaterfallRecorder;
///
/// let waterfall = Arc::new(WaterfallRecorder::stdout().width(60));
/// let tracer = ReferenceTracer::new("shop", waterfall.clone());
/// tracer.start_span("checkout").finish(); // prints the trace
/// waterfall.flush(); // prints whatever is left
/// ```
pub struct WaterfallRecorder {
    width: usize,
    writer: Mutex<Box<dyn Write + Send>>,
    traces: Mutex<HashMap<TraceId, Vec<FinishedSpan>>>,
}

impl WaterfallRecorder {
    /// A recorder that writes to standard output.
    pub fn stdout() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// A recorder that writes to `writer`.
    pub fn to_writer(writer: impl Write + Send + 'static) -> Self {
        Self {
            width: DEFAULT_WIDTH,
            writer: Mutex::new(Box::new(writer)),
            traces: Mutex::default(),
        }
    }

    /// Sets the width of the bar area in columns (default 40, at least 10).
    pub fn width(mut self, columns: usize) -> Self {
        self.width = columns.max(MIN_WIDTH);
        self
    }

    /// Writes every trace still buffered, earliest first, and forgets them.
    pub fn flush(&self) {
        let mut traces: Vec<_> = self.traces().drain().map(|(_, spans)| spans).collect();
        traces.sort_by_key(|spans| spans.iter().map(FinishedSpan::start_time).min());
        for spans in &traces {
            self.write(spans);
        }
    }

    /// Renders one trace and writes it, ignoring errors: tracing must never fail the service.
    fn write(&self, spans: &[FinishedSpan]) {
        let text = render_trace(spans, self.width);
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.flush());
    }

    fn traces(&self) -> MutexGuard<'_, HashMap<TraceId, Vec<FinishedSpan>>> {
        self.traces.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for WaterfallRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaterfallRecorder")
            .field("width", &self.width)
            .field("buffered_traces", &self.traces().len())
            .finish_non_exhaustive()
    }
}

impl Recorder for WaterfallRecorder {
    fn record(&self, span: FinishedSpan) {
        let trace_id = span.context().trace_id();
        let is_root = span.parent_id().is_none();
        let finished_trace = {
            let mut traces = self.traces();
            traces.entry(trace_id).or_default().push(span);
            if is_root {
                traces.remove(&trace_id)
            } else {
                None
            }
        };
        if let Some(spans) = finished_trace {
            self.write(&spans);
        }
    }

    fn supports_shared_spans(&self) -> bool {
        true
    }
}

/// Renders spans as a waterfall with a bar area `width` columns wide (at least 10): a header
/// line, then one line per span in tree order. Spans whose parent is not among `spans` are
/// roots. Returns an empty string for no spans.
pub fn render_trace(spans: &[FinishedSpan], width: usize) -> String {
    let Some(axis) = Axis::new(spans, width.max(MIN_WIDTH)) else {
        return String::new();
    };
    let mut out = header(spans, axis.length);
    for (depth, span) in tree_order(spans) {
        out.push('\n');
        out.push_str(&span_line(span, depth, &axis));
    }
    out.push('\n');
    out
}

/// `trace <id> · <n> spans · <duration>`, and ` · <e> errors` when some failed.
fn header(spans: &[FinishedSpan], length: Duration) -> String {
    let trace_id = spans[0].context().trace_id();
    let count = plural(spans.len(), "span");
    let mut line = format!("trace {trace_id} · {count} · {}", format_duration(length));
    let errors = spans.iter().filter(|span| span.is_error()).count();
    if errors > 0 {
        line.push_str(" · ");
        line.push_str(&plural(errors, "error"));
    }
    line
}

/// The spans, each with its depth: roots by start time, each followed depth-first by its
/// children by start time. Spans whose parent is not among them are roots; spans whose ids
/// loop back on themselves are shown as roots too.
pub fn tree_order(spans: &[FinishedSpan]) -> Vec<(usize, &FinishedSpan)> {
    let mut spans: Vec<&FinishedSpan> = spans.iter().collect();
    spans.sort_by_key(|span| span.start_time());
    let ids: HashSet<SpanId> = spans.iter().map(|span| span.context().span_id()).collect();
    let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
    for (i, span) in spans.iter().enumerate() {
        if let Some(parent) = span.parent_id() {
            children.entry(parent).or_default().push(i);
        }
    }
    let is_root = |i: &usize| spans[*i].parent_id().is_none_or(|id| !ids.contains(&id));
    let starts = (0..spans.len()).filter(is_root).chain(0..spans.len());

    let mut visited = vec![false; spans.len()];
    let mut order = Vec::with_capacity(spans.len());
    for start in starts {
        let mut stack = vec![(start, 0)];
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut visited[i], true) {
                continue;
            }
            order.push((depth, spans[i]));
            let kids = children.get(&spans[i].context().span_id());
            let kids = kids.map_or(&[][..], Vec::as_slice);
            stack.extend(kids.iter().rev().map(|&kid| (kid, depth + 1)));
        }
    }
    order
}

/// One span's line: indented name, service, bar, duration and status.
fn span_line(span: &FinishedSpan, depth: usize, axis: &Axis) -> String {
    let indented = format!(
        "{:indent$}{}",
        "",
        span.operation_name(),
        indent = 2 * depth
    );
    let name = fit(&indented, NAME_COLUMN);
    let service = fit(span.service_name().unwrap_or("-"), SERVICE_COLUMN);
    let bar = axis.bar(span);
    let duration = format_duration(span.duration());
    let line = format!("{name} {service} {bar} {duration:>7} {}", status(span));
    line.trim_end().to_owned()
}

/// The trace's time span, mapped onto `width` cells.
struct Axis {
    start: SystemTime,
    length: Duration,
    width: usize,
}

impl Axis {
    /// From the earliest start to the latest finish; `None` for no spans.
    fn new(spans: &[FinishedSpan], width: usize) -> Option<Self> {
        let start = spans.iter().map(FinishedSpan::start_time).min()?;
        let end = spans.iter().map(FinishedSpan::finish_time).max()?;
        let length = end.duration_since(start).unwrap_or_default();
        Some(Self {
            start,
            length,
            width,
        })
    }

    /// The cell a time falls in, clamped to the axis.
    fn cell(&self, time: SystemTime) -> usize {
        if self.length.is_zero() {
            return 0;
        }
        let offset = time.duration_since(self.start).unwrap_or_default();
        let fraction = offset.min(self.length).as_secs_f64() / self.length.as_secs_f64();
        ((fraction * self.width as f64) as usize).min(self.width)
    }

    /// The span drawn with `█` on the axis, at least one cell wide.
    fn bar(&self, span: &FinishedSpan) -> String {
        let first = self.cell(span.start_time()).min(self.width - 1);
        let end = self.cell(span.finish_time()).clamp(first + 1, self.width);
        let (before, after) = (first, self.width - end);
        format!("{:before$}{}{:after$}", "", "█".repeat(end - first), "")
    }
}

/// A duration as the views show it: `850µs`, `12.3ms` or `1.20s`.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_millis(1) {
        format!("{}µs", duration.as_micros())
    } else if duration < Duration::from_secs(1) {
        format!("{:.1}ms", duration.as_secs_f64() * 1e3)
    } else {
        format!("{:.2}s", duration.as_secs_f64())
    }
}

/// The HTTP status code, if tagged, and `ERROR` if the span failed.
fn status(span: &FinishedSpan) -> String {
    let code = span.tag(tags::HTTP_STATUS_CODE).map(Value::to_string);
    let error = span.is_error().then(|| "ERROR".to_owned());
    code.into_iter().chain(error).collect::<Vec<_>>().join(" ")
}

/// `1 span`, `2 spans`.
fn plural(count: usize, noun: &str) -> String {
    let suffix = if count == 1 { "" } else { "s" };
    format!("{count} {noun}{suffix}")
}

/// `text` padded to exactly `columns` characters, or cut short with `…`.
fn fit(text: &str, columns: usize) -> String {
    if text.chars().count() <= columns {
        return format!("{text:columns$}");
    }
    let mut cut: String = text.chars().take(columns - 1).collect();
    cut.push('…');
    cut
}

// The tests make their traces with the reference tracer.
#[cfg(all(test, feature = "reference"))]
mod tests {
    use std::io;
    use std::sync::Arc;

    use super::*;
    use crate::reference::ReferenceTracer;
    use crate::{InMemoryRecorder, Span, Tracer};

    /// Where the bar area starts on a span line.
    const BAR_START: usize = NAME_COLUMN + 1 + SERVICE_COLUMN + 1;

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn at(millis: u64) -> SystemTime {
        t0() + Duration::from_millis(millis)
    }

    fn start(tracer: &ReferenceTracer, name: &str, parent: Option<&Span>, millis: u64) -> Span {
        let builder = tracer.span_builder(name.to_owned()).start_time(at(millis));
        builder.child_of(parent).start()
    }

    fn recorded() -> (ReferenceTracer, Arc<InMemoryRecorder>) {
        let recorder = Arc::new(InMemoryRecorder::new());
        (ReferenceTracer::new("svc", recorder.clone()), recorder)
    }

    /// GET /checkout (0–100ms) with auth (0–50ms) and db (50–100ms), db with query (60–90ms).
    fn checkout_trace() -> Vec<FinishedSpan> {
        let (tracer, recorder) = recorded();
        let root = start(&tracer, "GET /checkout", None, 0);
        let db = start(&tracer, "db", Some(&root), 50);
        let query = start(&tracer, "query", Some(&db), 60);
        let auth = start(&tracer, "auth", Some(&root), 0);
        query.finish_at(at(90));
        db.finish_at(at(100));
        auth.finish_at(at(50));
        root.set_tag(tags::HTTP_STATUS_CODE, 500);
        root.set_tag(tags::ERROR, true);
        root.finish_at(at(100));
        recorder.spans()
    }

    fn bar(line: &str, width: usize) -> String {
        line.chars().skip(BAR_START).take(width).collect()
    }

    #[derive(Clone, Default)]
    struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

    impl SharedBuffer {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for SharedBuffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lists_spans_in_tree_order_indented_by_depth() {
        let spans = checkout_trace();
        let text = render_trace(&spans, 40);
        let lines: Vec<&str> = text.lines().collect();
        let trace_id = spans[0].context().trace_id();
        assert_eq!(
            lines[0],
            format!("trace {trace_id} · 4 spans · 100.0ms · 1 error")
        );
        assert!(lines[1].starts_with("GET /checkout  "));
        assert!(lines[2].starts_with("  auth  "));
        assert!(lines[3].starts_with("  db  "));
        assert!(lines[4].starts_with("    query  "));
        assert_eq!(lines.len(), 5);
        assert!(lines[1][NAME_COLUMN..].starts_with(" svc  "));
    }

    #[test]
    fn places_bars_on_the_shared_axis() {
        let text = render_trace(&checkout_trace(), 40);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(bar(lines[1], 40), "█".repeat(40));
        assert_eq!(
            bar(lines[2], 40),
            format!("{}{}", "█".repeat(20), " ".repeat(20))
        );
        assert_eq!(
            bar(lines[3], 40),
            format!("{}{}", " ".repeat(20), "█".repeat(20))
        );
        assert_eq!(
            bar(lines[4], 40),
            format!("{:24}{}{:4}", "", "█".repeat(12), "")
        );
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::ZERO), "0µs");
        assert_eq!(format_duration(Duration::from_micros(850)), "850µs");
        assert_eq!(format_duration(Duration::from_micros(12_300)), "12.3ms");
        assert_eq!(format_duration(Duration::from_millis(1_200)), "1.20s");
    }

    #[test]
    fn shows_status_code_and_error() {
        let text = render_trace(&checkout_trace(), 40);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].ends_with(" 100.0ms 500 ERROR"), "{}", lines[1]);
        assert!(lines[2].ends_with(" 50.0ms"), "{}", lines[2]);
    }

    #[test]
    fn recorder_prints_a_trace_when_its_root_finishes() {
        let buffer = SharedBuffer::default();
        let waterfall = Arc::new(WaterfallRecorder::to_writer(buffer.clone()));
        let tracer = ReferenceTracer::new("svc", waterfall.clone());
        let root = start(&tracer, "root", None, 0);
        start(&tracer, "child", Some(&root), 10).finish_at(at(20));
        assert_eq!(buffer.text(), "");

        root.finish_at(at(30));
        let text = buffer.text();
        assert!(text.starts_with("trace "), "{text}");
        assert_eq!(text.lines().count(), 3);
        waterfall.flush();
        assert_eq!(buffer.text(), text, "the trace is forgotten once written");
    }

    #[test]
    fn flush_prints_orphan_traces_earliest_first() {
        let buffer = SharedBuffer::default();
        let waterfall = Arc::new(WaterfallRecorder::to_writer(buffer.clone()).width(20));
        let tracer = ReferenceTracer::new("svc", waterfall.clone());
        let (late_root, early_root) = (start(&tracer, "a", None, 5), start(&tracer, "b", None, 0));
        start(&tracer, "late", Some(&late_root), 5).finish_at(at(9));
        start(&tracer, "early", Some(&early_root), 1).finish_at(at(3));
        assert_eq!(buffer.text(), "");

        waterfall.flush();
        let text = buffer.text();
        let names: Vec<&str> = text.lines().filter_map(|l| l.split(' ').next()).collect();
        assert_eq!(names, ["trace", "early", "trace", "late"]);
        assert!(format!("{waterfall:?}").contains("buffered_traces: 0"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(render_trace(&[], 40), "");

        let (tracer, recorder) = recorded();
        let root = start(&tracer, "root", None, 10);
        start(&tracer, &"é".repeat(50), Some(&root), 10).finish_at(at(10));
        start(&tracer, "backwards", Some(&root), 30).finish_at(at(0));
        start(&tracer, "before the trace", Some(&root), 10).finish_at(at(5));
        start(&tracer, "another root", None, 12).finish_at(at(12));
        root.finish_at(at(10));
        let spans = recorder.spans();

        for width in [0, 10, 40] {
            let text = render_trace(&spans, width);
            assert_eq!(text.lines().count(), 1 + spans.len());
            assert!(text.contains(&format!("  {}… ", "é".repeat(NAME_COLUMN - 3))));
        }
        let single = render_trace(&spans[..1], 40);
        assert_eq!(single.matches('█').count(), 1, "{single}");
        let orphans = render_trace(&spans[..3], 40);
        assert!(orphans.lines().skip(1).all(|line| !line.starts_with(' ')));
    }
}
