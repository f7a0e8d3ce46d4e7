//! Run with: `cargo run -p example-otlp-export`
//!
//! The reference tracer reporting to an OTLP/HTTP collector. Start one first, for example
//! otelite (`cargo install otelite --version 0.1.156 --locked`):
//!
//! ```sh
//! OTELITE_OTLP_HTTP_PORT=4318 otelite serve --addr 127.0.0.1:3000
//! ```
//!
//! then run this example and open <http://127.0.0.1:3000>, or
//! `curl http://127.0.0.1:3000/api/traces/<trace id>`. Another collector: set
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://127.0.0.1:4318`).
#![allow(clippy::print_stdout)]

use std::time::Duration;

use opentracing_core::config::EnvConfig;
use opentracing_core::report::Executor;
use opentracing_core::{Tracer, tags};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut vars: Vec<(String, String)> = vec![
        ("OTEL_SERVICE_NAME".into(), "otlp-export-example".into()),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
            "http://127.0.0.1:4318".into(),
        ),
    ];
    vars.extend(std::env::vars());
    let config = EnvConfig::from_vars(vars)?;
    let (tracer, reporter) = config.start(Executor::OwnThread)?;
    let reporter = reporter.ok_or("no exporter configured")?;

    let request = tracer
        .span_builder("GET /checkout")
        .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
        .tag(tags::HTTP_METHOD, "GET")
        .start();
    let query = tracer
        .span_builder("SELECT cart")
        .child_of(&request)
        .tag(tags::DATABASE_TYPE, "sql")
        .start();
    std::thread::sleep(Duration::from_millis(3));
    query.finish();
    request.set_tag(tags::HTTP_STATUS_CODE, 200);
    request.finish();

    let trace_id = request
        .context()
        .map(|c| c.trace_id().to_string())
        .unwrap_or_default();
    let metrics = reporter.shutdown_blocking(Duration::from_secs(5));
    println!(
        "trace {trace_id}: {} spans sent, {} dropped",
        metrics.spans_sent,
        metrics.dropped()
    );
    if let Some(error) = reporter.last_error() {
        println!("the collector could not take them: {error}");
    }
    Ok(())
}
