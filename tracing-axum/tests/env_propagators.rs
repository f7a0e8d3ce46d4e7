//! `OTEL_PROPAGATORS` applied end to end: a real axum server configured from the
//! environment continues a trace that arrives in B3 headers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use opentracing_core::config::EnvConfig;
use opentracing_core::report::Executor;
use opentracing_core::{FinishedSpan, InMemoryRecorder};
use tracing_axum::layer_with;

const TRACE: &str = "463ac35c9f6413ad48485a3953bb6124";
const SPAN: &str = "a2fb4a1d1a96d312";

/// A server whose tracer comes from `vars`; its address and its recorder.
async fn serve(vars: &[(&str, &str)]) -> (SocketAddr, Arc<InMemoryRecorder>) {
    let recorder = Arc::new(InMemoryRecorder::new());
    let (tracer, reporter) = EnvConfig::from_vars(vars.iter().copied())
        .unwrap()
        .also_record(recorder.clone())
        .start(Executor::Tokio(tokio::runtime::Handle::current()))
        .unwrap();
    assert!(reporter.is_none());
    let app = Router::new()
        .route("/cart", get(|| async { "cart" }))
        .layer(layer_with(tracer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    (addr, recorder)
}

/// The server span of one B3-traced request.
async fn server_span(vars: &[(&str, &str)]) -> FinishedSpan {
    let (addr, recorder) = serve(vars).await;
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/cart"))
        .header("x-b3-traceid", TRACE)
        .header("x-b3-spanid", SPAN)
        .header("x-b3-sampled", "1")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    for _ in 0..400 {
        if let Some(span) = recorder.spans().pop() {
            return span;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no server span");
}

#[tokio::test]
async fn b3multi_in_otel_propagators_continues_an_inbound_b3_trace() {
    let span = server_span(&[
        ("OTEL_SERVICE_NAME", "cart"),
        ("OTEL_PROPAGATORS", "b3multi,tracecontext"),
    ])
    .await;
    assert_eq!(span.context().trace_id().to_string(), TRACE);
    assert_eq!(span.context().origin(), Some("b3"));
    assert_eq!(span.service_name(), Some("cart"));
}

#[tokio::test]
async fn without_b3_in_the_list_the_same_request_starts_a_new_trace() {
    let span = server_span(&[("OTEL_PROPAGATORS", "tracecontext,baggage")]).await;
    assert_ne!(span.context().trace_id().to_string(), TRACE);
    assert_eq!(span.parent_id(), None);
}
