//! The server of the load harness (`benches/load.sh`): an axum hello-world app
//! (`GET /hello`, `GET /users/{id}`) in one tracing mode, or the discarding collector the
//! reporter mode reports to.
//!
//! `load-server <mode> [collector address]`, where mode is `bare`, `empty-layer`,
//! `tower-http`, `otel`, `ours-noop`, `ours-discard`, `ours-reference` (reporting Zipkin
//! JSON), `ours-otlp-json`, `ours-otlp-protobuf`, `ours-otlp-gzip` (protobuf, gzipped) or
//! `collector`. It
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
use opentracing_core::report::{Compression, Executor, Otlp, OtlpProtocol, Reporter, ZipkinJson};
use peer_benches::app;
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
        "collector" => Router::new()
            .route("/api/v2/spans", post(|| async { StatusCode::ACCEPTED }))
            .route("/v1/traces", post(|| async { StatusCode::OK })),
        "tower-http" => {
            peer_benches::install_fmt_subscriber()?;
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
        "ours-reference" | "ours-otlp-json" | "ours-otlp-protobuf" | "ours-otlp-gzip" => {
            let collector = collector.ok_or("the reporting modes need the collector's address")?;
            let otlp: http::Uri = format!("http://{collector}/v1/traces").parse()?;
            let zipkin = format!("http://{collector}/api/v2/spans").parse()?;
            let protobuf = Otlp::new("load");
            let reporter = match mode.as_str() {
                "ours-otlp-json" => {
                    let json = protobuf.protocol(OtlpProtocol::HttpJson);
                    Reporter::builder(otlp, json).start(Executor::OwnThread)?
                }
                "ours-otlp-protobuf" => {
                    Reporter::builder(otlp, protobuf).start(Executor::OwnThread)?
                }
                "ours-otlp-gzip" => Reporter::builder(otlp, protobuf)
                    .compression(Compression::Gzip)
                    .start(Executor::OwnThread)?,
                _ => {
                    Reporter::builder(zipkin, ZipkinJson::new("load")).start(Executor::OwnThread)?
                }
            };
            traced(reporter, &mut _guards)
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    serve(app)
}

/// The app traced by a reference tracer reporting to `reporter`, kept in `guards`.
fn traced(reporter: Reporter, guards: &mut Vec<Box<dyn std::any::Any>>) -> Router {
    let tracer = ReferenceTracer::new("load", Arc::new(reporter.clone()));
    guards.push(Box::new(reporter));
    app().layer(tracing_axum::layer_with(tracer))
}

/// Serves `app` on a free port of 127.0.0.1, on this thread.
fn serve(app: Router) -> Result<(), Box<dyn std::error::Error>> {
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
