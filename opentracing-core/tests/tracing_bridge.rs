//! `tracing` spans and events through `OpenTracingLayer`, into the mock tracer.
#![cfg(all(feature = "tracing", feature = "mock", feature = "tokio"))]

use opentracing_core::tracing_bridge::OpenTracingLayer;
use opentracing_core::{FinishedSpan, MockTracer, Tracer, WithSpan, tags};
use tracing::Instrument;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

fn named<'a>(spans: &'a [FinishedSpan], name: &str) -> &'a FinishedSpan {
    spans
        .iter()
        .find(|span| span.operation_name() == name)
        .unwrap_or_else(|| panic!("no span {name}: {spans:#?}"))
}

fn subscriber(tracer: &MockTracer) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(OpenTracingLayer::new(tracer.clone()))
}

#[tracing::instrument(fields(rows))]
fn query(table: &str, limit: u64, ratio: f64, cached: bool) {
    tracing::Span::current().record("rows", 7);
    tracing::warn!(slow = true, "took long");
}

#[tracing::instrument]
fn handle(user: i64) {
    query("users", 10, 0.5, false);
}

#[test]
fn spans_nest_with_typed_tags_and_events_become_logs() {
    let tracer = MockTracer::new();
    tracing::subscriber::with_default(subscriber(&tracer), || handle(-3));
    let spans = tracer.finished_spans();
    let (handle, query) = (named(&spans, "handle"), named(&spans, "query"));
    assert_eq!(query.parent_id(), Some(handle.context().span_id()));
    assert_eq!(query.context().trace_id(), handle.context().trace_id());
    assert_eq!(handle.tag("user").and_then(|v| v.as_i64()), Some(-3));
    assert_eq!(query.tag("table").and_then(|v| v.as_str()), Some("users"));
    assert_eq!(query.tag("limit").and_then(|v| v.as_i64()), Some(10));
    assert_eq!(query.tag("ratio").and_then(|v| v.as_f64()), Some(0.5));
    assert_eq!(query.tag("cached").and_then(|v| v.as_bool()), Some(false));
    assert_eq!(
        query.tag("rows").and_then(|v| v.as_i64()),
        Some(7),
        "recorded later"
    );
    let log = &query.logs()[0];
    assert_eq!(log.field("level").and_then(|v| v.as_str()), Some("WARN"));
    assert_eq!(log.field("slow").and_then(|v| v.as_bool()), Some(true));
    assert_eq!(
        log.field("message").and_then(|v| v.as_str()),
        Some("took long")
    );
    assert_eq!(query.tag(tags::ERROR), None, "a warning is no error");
}

#[test]
fn an_error_event_marks_its_span_unless_told_not_to() {
    for mark in [true, false] {
        let tracer = MockTracer::new();
        let layer = OpenTracingLayer::new(tracer.clone()).error_events_mark_spans(mark);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error_span!("charge").in_scope(|| tracing::error!(code = 402, "declined"));
        });
        let span = &tracer.finished_spans()[0];
        assert_eq!(
            span.logs()[0].field("code").and_then(|v| v.as_i64()),
            Some(402)
        );
        let error = span.tag(tags::ERROR).and_then(|v| v.as_bool());
        assert_eq!(error, mark.then_some(true));
    }
}

#[test]
fn a_tracing_span_is_a_child_of_the_active_span_and_active_while_entered() {
    let tracer = MockTracer::new();
    tracing::subscriber::with_default(subscriber(&tracer), || {
        let request = tracer.start_active_span("request");
        tracing::info_span!("work").in_scope(|| {
            // An OpenTracing span started here (a client call, say) is a child of `work`.
            tracer.start_span("call").finish();
            tracing::info!("outside any tracing span's logs go to the active span too");
        });
        request.close();
        tracer.active_span().unwrap_or_default().finish();
    });
    let spans = tracer.finished_spans();
    let (work, call) = (named(&spans, "work"), named(&spans, "call"));
    let request = named(&spans, "request");
    assert_eq!(work.parent_id(), Some(request.context().span_id()));
    assert_eq!(call.parent_id(), Some(work.context().span_id()));
    assert_eq!(work.logs().len(), 1);
}

#[test]
fn an_event_outside_tracing_spans_is_logged_on_the_active_span() {
    let tracer = MockTracer::new();
    tracing::subscriber::with_default(subscriber(&tracer), || {
        let scope = tracer.start_active_span("request");
        tracing::info!(user = 7, "hello");
        scope.close();
    });
    let request = &tracer.finished_spans()[0];
    assert_eq!(
        request.logs()[0].field("user").and_then(|v| v.as_i64()),
        Some(7)
    );
}

#[test]
fn a_span_the_filter_disables_is_skipped_and_its_children_keep_the_trace() {
    let tracer = MockTracer::new();
    let layer = OpenTracingLayer::new(tracer.clone()).with_filter(
        tracing_subscriber::filter::filter_fn(|metadata| metadata.name() != "noisy"),
    );
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("outer").in_scope(|| {
            tracing::info_span!("noisy").in_scope(|| {
                tracing::info_span!("inner").in_scope(|| {});
            });
        });
    });
    let spans = tracer.finished_spans();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let (outer, inner) = (named(&spans, "outer"), named(&spans, "inner"));
    assert_eq!(inner.parent_id(), Some(outer.context().span_id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_await_and_into_spawned_tasks() {
    let tracer = MockTracer::new();
    let _default = tracing::subscriber::set_default(subscriber(&tracer));
    let root = tracer.start_span("request");
    let inner_tracer = tracer.clone();
    async move {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        inner_tracer.start_span("after await").finish();
        let spawned_tracer = inner_tracer.clone();
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        tokio::spawn(
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                spawned_tracer.start_span("in a task").finish();
            }
            .in_current_span()
            .with_subscriber_of(dispatch.clone()),
        )
        .await
        .unwrap();
        // Not carried into the task: a trace of its own.
        tokio::spawn(
            async {
                tracing::info_span!("orphan").in_scope(|| {});
            }
            .with_subscriber_of(dispatch),
        )
        .await
        .unwrap();
    }
    // Made where the request's span is active, as inside a traced handler.
    .instrument(opentracing_core::in_span(&root, || {
        tracing::info_span!("handler")
    }))
    .with_span(root.clone())
    .await;
    root.finish();
    let spans = tracer.finished_spans();
    let handler = named(&spans, "handler");
    assert_eq!(handler.parent_id(), Some(root.context().unwrap().span_id()));
    let orphan = named(&spans, "orphan");
    assert_eq!(orphan.parent_id(), None);
    assert_ne!(orphan.context().trace_id(), handler.context().trace_id());
    for child in ["after await", "in a task"] {
        assert_eq!(
            named(&spans, child).parent_id(),
            Some(handler.context().span_id()),
            "{child}"
        );
    }
}

/// Runs a future with a dispatcher as its default, on whichever thread polls it.
trait WithSubscriberOf: std::future::Future + Sized {
    fn with_subscriber_of(
        self,
        dispatch: tracing::Dispatch,
    ) -> tracing::instrument::WithDispatch<Self> {
        tracing::instrument::WithSubscriber::with_subscriber(self, dispatch)
    }
}

impl<F: std::future::Future> WithSubscriberOf for F {}

/// Lines written by a `fmt` subscriber, kept.
#[derive(Clone, Default)]
struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn log_lines_carry_the_active_spans_ids_in_text_and_json() {
    use opentracing_core::tracing_bridge::WithTraceIds;

    for json in [false, true] {
        let tracer = MockTracer::new();
        let lines = Lines::default();
        let writer = lines.clone();
        let fmt = tracing_subscriber::fmt::layer()
            .with_writer(move || writer.clone())
            .with_ansi(false);
        let bridge = OpenTracingLayer::new(tracer.clone());
        let work = std::sync::Mutex::new(None);
        let log = || {
            tracing::info!("before");
            tracing::info_span!("work").in_scope(|| {
                *work.lock().unwrap() = tracer.active_span().and_then(|s| s.context());
                tracing::info!(items = 3, "inside");
            });
        };
        if json {
            let fmt = fmt.json().map_event_format(WithTraceIds::json);
            let subscriber = tracing_subscriber::registry().with(bridge).with(fmt);
            tracing::subscriber::with_default(subscriber, log);
        } else {
            let fmt = fmt.map_event_format(WithTraceIds::text);
            let subscriber = tracing_subscriber::registry().with(bridge).with(fmt);
            tracing::subscriber::with_default(subscriber, log);
        }
        let work = work.lock().unwrap().clone().unwrap();
        let text = lines.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            !lines[0].contains("trace_id"),
            "outside any span: {}",
            lines[0]
        );
        let (trace_id, span_id) = (work.trace_id(), work.span_id());
        if json {
            let line: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
            assert_eq!(line["trace_id"], trace_id.to_string());
            assert_eq!(line["span_id"], span_id.to_string());
            assert_eq!(line["fields"]["items"], 3);
            assert!(lines[1].starts_with("{\"trace_id\":"), "{}", lines[1]);
        } else {
            let prefix = format!("trace_id={trace_id} span_id={span_id} ");
            assert!(lines[1].starts_with(&prefix), "{}", lines[1]);
            assert!(lines[1].ends_with("inside items=3"), "{}", lines[1]);
        }
    }
}

/// The compatibility harness on the reference tracer while the bridge into it is the
/// thread's `tracing` subscriber. (The scope checks expect no span active around them, so
/// they run outside any `tracing` span.)
#[cfg(all(feature = "harness", feature = "reference"))]
mod harness_with_the_bridge {
    use std::sync::Arc;

    use opentracing_core::InMemoryRecorder;
    use opentracing_core::harness::{ApiCheck, ScopeCheck};
    use opentracing_core::reference::ReferenceTracer;
    use opentracing_core::tracing_bridge::OpenTracingLayer;
    use tracing_subscriber::layer::SubscriberExt;

    fn tracer() -> ReferenceTracer {
        ReferenceTracer::new("harness", Arc::new(InMemoryRecorder::new()))
    }

    fn bridge() -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::registry().with(OpenTracingLayer::new(tracer()))
    }

    /// Runs a scope check with the bridge installed.
    fn with_the_bridge(check: &dyn Fn()) {
        tracing::subscriber::with_default(bridge(), check);
    }

    /// The API checks' tracer, with the bridge installed on the test's thread for the rest
    /// of the test (the thread ends with it).
    fn with_bridge_installed() -> ApiCheck<ReferenceTracer> {
        std::mem::forget(tracing::subscriber::set_default(bridge()));
        ApiCheck::new(tracer())
    }

    mod api {
        use super::*;
        opentracing_core::api_check_tests!(with_bridge_installed());
    }

    mod scopes {
        use super::*;
        opentracing_core::scope_check_tests!(ScopeCheck::new(tracer()).run_test(with_the_bridge));
    }
}
