//! Workloads shared by the benches (`benches/`), the instruction counter
//! (`examples/instructions.rs`) and the servers (`src/bin/load-server.rs`,
//! `src/bin/grpc-server.rs`), so that each measures the same work.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Tracer as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracer, SpanData, SpanProcessor};
use opentracing_core::{Tracer, Value, tags};
use smallvec::SmallVec;

pub mod jaeger_peer;
pub mod otlp_peer;

/// Installs the usual subscriber of tower-http's `TraceLayer`: its spans and events
/// formatted by tracing-subscriber at `DEBUG`, to a sink so that no terminal is measured.
pub fn install_fmt_subscriber() -> Result<(), tracing::subscriber::SetGlobalDefaultError> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::sink)
            .with_filter(tracing_subscriber::filter::LevelFilter::DEBUG),
    );
    tracing::subscriber::set_global_default(subscriber)
}

/// The hello-world service every load mode and request bench serves.
pub fn app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route(
            "/users/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        )
}

/// Drops every finished span: the OpenTelemetry SDK's side of a sink.
#[derive(Debug)]
pub struct DiscardProcessor;

impl SpanProcessor for DiscardProcessor {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        black_box(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// A span's life with our API: the kind and method at start, then the URL and the status.
pub fn span_life(tracer: &impl Tracer) {
    let span = tracer
        .span_builder("GET /users/{id}")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .start();
    span.set_tag(tags::HTTP_URL, "/users/42")
        .set_tag(tags::HTTP_STATUS_CODE, 200);
    span.finish();
}

/// What an `#[instrument]` function with four arguments and one event does to the current
/// `tracing` subscriber: a span with four fields, entered, an event, closed.
pub fn instrumented_call() {
    let span = tracing::info_span!(
        "load_cart",
        user = 42_u64,
        region = "eu-west-1",
        cached = false,
        ratio = 0.5
    );
    let _entered = span.enter();
    tracing::info!(items = 3, "cart loaded");
}

/// The same four things recorded on an OpenTelemetry SDK span (the kind is a field there).
pub fn sdk_span_life(sdk: &SdkTracer) {
    let mut span = sdk
        .span_builder("GET /users/{id}")
        .with_kind(SpanKind::Server)
        .with_attributes([KeyValue::new("http.method", "GET")])
        .start(sdk);
    span.set_attribute(KeyValue::new("http.url", "/users/42"));
    span.set_attribute(KeyValue::new("http.status_code", 200));
    span.end();
}

/// The least a span's life can cost when, as in OpenTracing, the span is a handle that other
/// threads may share: no tracing logic, only what any such span must do. Two random ids and
/// two readings of the clock ours uses, one allocation holding a lock around room for four
/// tags, the lock taken for the two tags set after the start and again at the finish, and
/// the state handed by value to a sink that drops it.
pub fn span_floor() {
    let ids = (fastrand::u128(..), fastrand::u64(..));
    let start = quanta::Instant::now();
    let mut tags: SmallVec<[(&'static str, Value); 4]> = SmallVec::new();
    tags.push((tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER.into()));
    tags.push((tags::HTTP_METHOD, "GET".into()));
    let span = Arc::new(Mutex::new(Some((ids, start, tags))));
    let set = |key, value: Value| {
        if let Some((_, _, tags)) = &mut *span.lock().unwrap_or_else(|e| e.into_inner()) {
            tags.push((key, value));
        }
    };
    set(tags::HTTP_URL, "/users/42".into());
    set(tags::HTTP_STATUS_CODE, 200.into());
    let finished = span.lock().unwrap_or_else(|e| e.into_inner()).take();
    black_box((finished, quanta::Instant::now()));
}
