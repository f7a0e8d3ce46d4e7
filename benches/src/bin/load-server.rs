//! The server of the load harness (`benches/load.sh`): an axum hello-world app
//! (`GET /hello`, `GET /users/{id}`) in one tracing mode, or the discarding collector the
//! reporter mode reports to.
//!
//! `load-server <mode> [collector address]`, where mode is `bare`, `empty-layer`,
//! `tower-http`, `otel`, `ours-noop`, `ours-discard`, `ours-reference` or `collector`. It
//! prints `listening on <address>` once ready, on one thread (the harness pins it to a core).
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use opentelemetry::trace::TracerProvider;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use opentracing_core::Discard;
use opentracing_core::NoopTracer;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Executor, Reporter, ZipkinJson};
use peer_benches::app;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug)]
struct DiscardExporter;

impl SpanExporter for DiscardExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// Drops every finished span: the tracer's cost without reporting.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "bare".into());
    let collector: Option<SocketAddr> = args.next().map(|a| a.parse()).transpose()?;
    // Kept alive for the whole run.
    let mut _guards: Vec<Box<dyn std::any::Any>> = Vec::new();
    let app = match mode.as_str() {
        "bare" => app(),
        // The least any middleware added with `Router::layer` costs: a layer that changes
        // nothing (axum still clones and boxes each route's service per request).
        "empty-layer" => app().layer(tower::util::MapResponseLayer::new(
            |response: axum::response::Response| response,
        )),
        "collector" => {
            Router::new().route("/api/v2/spans", post(|| async { StatusCode::ACCEPTED }))
        }
        "tower-http" => {
            // The usual setup: tower-http's spans and events, formatted by tracing-subscriber
            // (to a sink, so the terminal is not measured).
            let subscriber = tracing_subscriber::registry().with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::sink)
                    .with_filter(tracing_subscriber::filter::LevelFilter::DEBUG),
            );
            tracing::subscriber::set_global_default(subscriber)?;
            app().layer(tower_http::trace::TraceLayer::new_for_http())
        }
        "otel" => {
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(DiscardExporter)
                .build();
            let subscriber = tracing_subscriber::registry()
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("load")));
            tracing::subscriber::set_global_default(subscriber)?;
            opentelemetry::global::set_tracer_provider(provider.clone());
            _guards.push(Box::new(provider));
            app()
                .layer(axum_tracing_opentelemetry::middleware::OtelInResponseLayer)
                .layer(axum_tracing_opentelemetry::middleware::OtelAxumLayer::default())
        }
        "ours-noop" => app().layer(tracing_axum::layer_with(NoopTracer::new())),
        "ours-discard" => {
            let tracer = ReferenceTracer::new("load", Arc::new(Discard));
            app().layer(tracing_axum::layer_with(tracer))
        }
        "ours-reference" => {
            let collector = collector.ok_or("ours-reference needs the collector's address")?;
            let endpoint = format!("http://{collector}/api/v2/spans").parse()?;
            let reporter =
                Reporter::builder(endpoint, ZipkinJson::new("load")).start(Executor::OwnThread)?;
            let tracer = ReferenceTracer::new("load", Arc::new(reporter.clone()));
            _guards.push(Box::new(reporter));
            app().layer(tracing_axum::layer_with(tracer))
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", listener.local_addr()?)?;
        stdout.flush()?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}
