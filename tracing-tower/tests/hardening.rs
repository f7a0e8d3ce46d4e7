//! Hostile requests and failing calls over both layers: bounded spans whatever the request,
//! no URL secret in an error text.

mod support;

use std::sync::Arc;

use http::{Method, Request, Response};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{FinishedSpan, InMemoryRecorder, MockTracer, logs, tags};
use support::{hyper_client, only, serve, str_tag, text};
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{
    ClientTracingLayer, HTTP_METHOD_ORIGINAL, KnownMethods, MAX_TAG_VALUE_LEN, OTHER_METHOD,
    ServerTracingLayer,
};

/// The span's text: its name, tags and logs, as its debug form shows them.
fn size(span: &FinishedSpan) -> usize {
    format!("{span:?}").len()
}

fn assert_other_method(span: &FinishedSpan) {
    assert_eq!(str_tag(span, tags::HTTP_METHOD), Some(OTHER_METHOD));
    let original = str_tag(span, HTTP_METHOD_ORIGINAL).unwrap();
    assert!(original.starts_with("XXXX"), "{original}");
    assert!(original.len() <= MAX_TAG_VALUE_LEN);
    assert!(size(span) < 3 * MAX_TAG_VALUE_LEN, "{span:?}");
}

#[tokio::test]
async fn a_huge_extension_method_makes_bounded_spans_on_both_sides() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("hostile", recorder.clone());
    let server =
        ServerTracingLayer::new(tracer.clone()).layer(service_fn(|_| support::answer("served")));
    let addr = serve(server).await;
    let client = ClientTracingLayer::new(tracer).layer(hyper_client());

    let method = Method::from_bytes("X".repeat(100_000).as_bytes()).unwrap();
    let request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}/{}", "p".repeat(60_000)))
        .body(String::new())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    assert_eq!(text(response.into_body()).await, "served");
    for _ in 0..200 {
        if recorder.spans().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let spans = recorder.spans();
    assert_eq!(spans.len(), 2, "{spans:?}");
    for span in &spans {
        assert_eq!(span.operation_name(), OTHER_METHOD);
        assert_other_method(span);
        assert!(str_tag(span, tags::HTTP_URL).unwrap().len() <= MAX_TAG_VALUE_LEN);
    }
}

#[tokio::test]
async fn known_methods_can_be_replaced() {
    let tracer = MockTracer::new();
    let propfind = Method::from_bytes(b"PROPFIND").unwrap();
    let service = ServerTracingLayer::new(tracer.clone())
        .known_methods(KnownMethods::new([Method::GET, propfind.clone()]))
        .layer(service_fn(|_| support::answer("ok")));
    for method in [propfind, Method::POST] {
        let request = Request::builder()
            .method(method)
            .uri("/")
            .body(String::new());
        let response = service.clone().oneshot(request.unwrap()).await.unwrap();
        text(response.into_body()).await;
    }
    let spans = tracer.finished_spans();
    let propfind = only(&spans, "PROPFIND");
    assert_eq!(str_tag(&propfind, tags::HTTP_METHOD), Some("PROPFIND"));
    assert_eq!(str_tag(&propfind, HTTP_METHOD_ORIGINAL), None);
    let post = only(&spans, OTHER_METHOD);
    assert_eq!(str_tag(&post, HTTP_METHOD_ORIGINAL), Some("POST"));
}

/// The error of a client or handler that quotes the URL it was given, as reqwest's does.
async fn quoting_error(request: Request<String>) -> Result<Response<String>, String> {
    Err(format!("error sending request for url ({})", request.uri()))
}

fn message(span: &FinishedSpan) -> &str {
    span.logs()[0]
        .field(logs::MESSAGE)
        .and_then(|v| v.as_str())
        .unwrap()
}

#[tokio::test]
async fn error_texts_lose_the_secrets_of_the_url() {
    let tracer = MockTracer::new();
    let client = ClientTracingLayer::new(tracer.clone())
        .allow_query_params(["page"])
        .layer(service_fn(quoting_error));
    let url = "http://user:SECRET-PW@api.example/v1?api_key=SECRET-KEY&page=2";
    let request = Request::get(url).body(String::new()).unwrap();
    client.oneshot(request).await.unwrap_err();
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(
        message(&span),
        "error sending request for url (http://api.example/v1?api_key=REDACTED&page=2)"
    );

    let tracer = MockTracer::new();
    let server = ServerTracingLayer::new(tracer.clone()).layer(service_fn(quoting_error));
    let request = Request::get("/login?token=SECRET-TOKEN")
        .body(String::new())
        .unwrap();
    server.oneshot(request).await.unwrap_err();
    let span = only(&tracer.finished_spans(), "GET");
    assert_eq!(
        message(&span),
        "error sending request for url (/login?token=REDACTED)"
    );
    assert!(!format!("{span:?}").contains("SECRET"));
}

#[test]
fn a_guard_shows_no_secret_in_its_debug_form() {
    use tracing_tower::UrlRedactor;
    use tracing_tower::http_span::FinishGuard;

    let guard = FinishGuard::new(
        opentracing_core::Span::noop(),
        tracing_tower::FinishReason::Complete,
    )
    .redacting(
        &UrlRedactor::default(),
        "http://u:SECRET-PW@h/?key=SECRET-KEY#SECRET-F",
    );
    let shown = format!("{guard:?}");
    assert!(shown.contains("http://h/?key=REDACTED"), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
