//! Run with: `cargo run -p example-w3c-test-service` (listens on `127.0.0.1:5000`; pass
//! another address as the argument).
//!
//! The service that the W3C trace-context test suite drives
//! (`test/` in <https://github.com/w3c/trace-context>): on `POST /test` it reads a JSON array
//! of `{"url": ..., "arguments": ...}` and POSTs each `arguments`, as JSON, to its `url`, in
//! order. The server span continues the caller's `traceparent` and `tracestate`; each
//! callback is a child span, so it carries the same trace id, a new parent id and the
//! caller's `tracestate`. With the service up, from the suite's `test` folder (it needs
//! `pip install aiohttp`):
//!
//! ```sh
//! SPEC_LEVEL=2 python test.py http://127.0.0.1:5000/test
//! ```
//!
//! Spans are exported when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_ZIPKIN_ENDPOINT`
//! is set, and dropped otherwise.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Json, State};
use axum::http::{StatusCode, header};
use axum::{Router, routing::post};
use opentracing_core::config::EnvConfig;
use opentracing_core::report::Executor;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use serde::Deserialize;
use serde_json::value::RawValue;
use tracing_axum::RouterExt;
use tracing_reqwest::TracingMiddleware;

/// One callback the suite asks for; its arguments are passed on as they came.
#[derive(Deserialize)]
struct Callback {
    url: String,
    arguments: Box<RawValue>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(addr) => addr.parse()?,
        None => SocketAddr::from(([127, 0, 0, 1], 5000)),
    };
    let mut vars = vec![(
        "OTEL_SERVICE_NAME".to_owned(),
        "w3c-test-service".to_owned(),
    )];
    vars.extend(std::env::vars());
    // The reference tracer with its default propagator: W3C Trace Context and Baggage.
    let (tracer, reporter) = EnvConfig::from_vars(vars)?.start(Executor::OwnThread)?;
    // Callbacks go straight to the suite's harness, whatever proxy the environment names.
    let client = ClientBuilder::new(reqwest::Client::builder().no_proxy().build()?)
        .with(TracingMiddleware::new(tracer.clone()))
        .build();
    let app = Router::new()
        .route("/test", post(test))
        .with_state(client)
        .traced_with(tracer);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "W3C trace-context test service on http://{}/test (Ctrl-C to stop)",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(reporter) = reporter {
        reporter.shutdown(Duration::from_secs(5)).await;
    }
    Ok(())
}

/// Makes the callbacks in order; one that fails does not stop the others.
async fn test(
    State(client): State<ClientWithMiddleware>,
    Json(callbacks): Json<Vec<Callback>>,
) -> StatusCode {
    let mut status = StatusCode::OK;
    for callback in callbacks {
        let sent = client
            .post(&callback.url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(callback.arguments.get().to_owned())
            .send()
            .await;
        if let Err(error) = sent {
            eprintln!("callback to {} failed: {error}", callback.url);
            status = StatusCode::BAD_GATEWAY;
        }
    }
    status
}
