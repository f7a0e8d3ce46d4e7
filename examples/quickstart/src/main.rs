//! Run with: `cargo run -p example-quickstart` (add `-- --serve` to keep both services up).
//!
//! Two axum services on loopback, "frontend" and "backend", each behind tracing-axum's
//! layer; the frontend calls the backend through a reqwest client with tracing-reqwest's
//! middleware. A short scripted scenario drives them, and every trace is drawn as a
//! waterfall in the terminal. Set `OTEL_EXPORTER_OTLP_ENDPOINT` (for example
//! `http://127.0.0.1:4318`) or `OTEL_EXPORTER_ZIPKIN_ENDPOINT` (for example
//! `http://127.0.0.1:9411/api/v2/spans`) to export the spans there too. With `--serve`, the
//! trace viewer shows the traces at `/debug/traces/` on the frontend.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use example_quickstart::{backend_app, frontend_app, serve_on_loopback};
use opentracing_core::config::EnvConfig;
use opentracing_core::propagation::B3;
use opentracing_core::reference::{Propagator, ReferenceTracer};
use opentracing_core::report::Executor;
use opentracing_core::view::{TraceStore, WaterfallRecorder};
use opentracing_core::{Fanout, InMemoryRecorder, Recorder, tags};
use reqwest_middleware::ClientBuilder;
use tracing_reqwest::TracingMiddleware;
use tracing_tower::viewer::TraceViewer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let serve = std::env::args().any(|arg| arg == "--serve");
    let config = EnvConfig::from_env()?;
    let reporter = config.start_reporter(Executor::OwnThread)?;
    let waterfall = Arc::new(WaterfallRecorder::stdout());
    let kept = Arc::new(InMemoryRecorder::new());
    let store = Arc::new(TraceStore::default());
    // Every span to the summary, the trace viewer's store, the reporter if any, and the
    // waterfall.
    let mut all = Fanout::new().with(kept.clone()).with(store.clone());
    if let Some(reporter) = &reporter {
        all = all.with(Arc::new(reporter.clone()));
    }
    let recorder: Arc<dyn Recorder> = Arc::new(all.with(waterfall.clone()));

    let backend = serve_on_loopback(backend_app(tracer("backend", &recorder))).await?;
    let frontend_tracer = tracer("frontend", &recorder);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(frontend_tracer.clone()))
        .build();
    // The trace viewer beside the frontend's routes, untraced itself.
    let frontend_app = frontend_app(frontend_tracer, client, backend)
        .nest_service("/debug/traces", TraceViewer::new(store));
    let frontend = serve_on_loopback(frontend_app).await?;
    println!("frontend on http://{frontend}, backend on http://{backend}\n");

    if serve {
        println!("try: curl http://{frontend}/checkout   (Ctrl-C to stop)");
        println!("traces: http://{frontend}/debug/traces/");
        tokio::signal::ctrl_c().await?;
    } else {
        run_scenario(frontend, &waterfall).await?;
    }
    waterfall.flush();

    let spans = kept.spans();
    let traces: std::collections::HashSet<_> =
        spans.iter().map(|s| s.context().trace_id()).collect();
    let errors = spans
        .iter()
        .filter(|s| s.tag(tags::ERROR).and_then(|v| v.as_bool()) == Some(true))
        .count();
    println!(
        "{} traces, {} spans, {errors} errors",
        traces.len(),
        spans.len()
    );
    if let Some(reporter) = reporter {
        let metrics = reporter.shutdown(Duration::from_secs(5)).await;
        println!(
            "exported: {} spans sent, {} dropped{}",
            metrics.spans_sent,
            metrics.dropped(),
            reporter
                .last_error()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// A tracer that reads and writes W3C and B3 headers.
fn tracer(service: &str, recorder: &Arc<dyn Recorder>) -> ReferenceTracer {
    ReferenceTracer::builder(service, recorder.clone())
        .propagator(Propagator::new().codec(B3::multi()))
        .build()
}

/// One scripted request: what it shows, its path, and the headers a caller sends with it.
type Step = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The scripted requests, from an untraced client, as a user's browser would send them;
/// each step's trace is drawn after it.
async fn run_scenario(
    frontend: SocketAddr,
    waterfall: &WaterfallRecorder,
) -> Result<(), reqwest::Error> {
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{frontend}{path}");
    let steps: [Step; 5] = [
        ("a normal request", "/checkout", &[]),
        ("a fan-out of parallel backend calls", "/fanout", &[]),
        ("a backend failure (500)", "/fail", &[]),
        (
            "a caller's W3C trace continued",
            "/checkout",
            &[(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        ),
        (
            "a caller's B3 trace continued",
            "/checkout",
            &[
                ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
                ("x-b3-spanid", "e457b5a2e4d86bd1"),
                ("x-b3-sampled", "1"),
            ],
        ),
    ];
    for (what, path, headers) in steps {
        println!("▶ {what}: GET {path}");
        let mut request = client.get(url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await?.bytes().await?;
        // Servers finish their spans just after the last byte; let them, then draw.
        tokio::time::sleep(Duration::from_millis(50)).await;
        waterfall.flush();
        println!();
    }
    Ok(())
}
