//! Hostile and failing calls: no URL secret in any exported byte, no unbounded span from
//! the request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::report::{Encoder, Otlp, OtlpProtocol, ZipkinJson};
use opentracing_core::{FinishedSpan, InMemoryRecorder, tags};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use tracing_reqwest::TracingMiddleware;
use tracing_tower::{HTTP_METHOD_ORIGINAL, MAX_TAG_VALUE_LEN, OTHER_METHOD};

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn client(recorder: &Arc<InMemoryRecorder>) -> ClientWithMiddleware {
    let tracer = ReferenceTracer::new("client", recorder.clone());
    ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(tracer))
        .build()
}

/// Every byte the span would be exported as, in each encoding, and its debug form.
fn exported(spans: &[FinishedSpan]) -> String {
    let mut bytes = Vec::new();
    ZipkinJson::new("client").encode(spans, &mut bytes);
    Otlp::new("client")
        .protocol(OtlpProtocol::HttpJson)
        .encode(spans, &mut bytes);
    format!("{}{spans:?}", String::from_utf8_lossy(&bytes))
}

fn assert_no_secret(spans: &[FinishedSpan]) {
    assert!(!spans.is_empty());
    let exported = exported(spans);
    assert!(exported.contains("REDACTED"), "{exported}");
    assert!(!exported.contains("SECRET"), "{exported}");
}

#[tokio::test]
async fn failed_calls_export_no_secret_of_their_url() {
    let closed = closed_port().await;
    let hanging = serve(Router::new().route(
        "/",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        }),
    ))
    .await;
    let calls = [
        // Connection refused, with the password in the userinfo and a key in the query.
        format!("http://user:SECRET-PW@{closed}/x?api_key=SECRET-KEY&page=2"),
        // A token as the user name, and a bare query piece.
        format!("http://SECRET-TOKEN@{closed}/x?SECRET-PIECE"),
        // A timeout.
        format!("http://user:SECRET-PW@{hanging}/?api_key=SECRET-KEY"),
        // `https` with no TLS compiled in.
        format!("https://user:SECRET-PW@{closed}/?api_key=SECRET-KEY#SECRET-FRAGMENT"),
    ];
    for url in calls {
        let recorder = Arc::new(InMemoryRecorder::new());
        let error = client(&recorder)
            .get(&url)
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        // The caller's error is unchanged: reqwest still quotes the URL there.
        assert!(error.to_string().contains("SECRET"), "{error}");
        let spans = recorder.spans();
        assert_eq!(
            spans[0].tag(tags::ERROR).and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_no_secret(&spans);
    }
}

#[tokio::test]
async fn a_failed_redirect_exports_no_secret_of_either_url() {
    let closed = closed_port().await;
    let target = format!("http://{closed}/next?token=SECRET-NEXT");
    let app = Router::new().route(
        "/",
        get(move || async move { Redirect::temporary(&target) }),
    );
    let addr = serve(app).await;
    let recorder = Arc::new(InMemoryRecorder::new());
    client(&recorder)
        .get(format!("http://{addr}/?api_key=SECRET-KEY"))
        .send()
        .await
        .unwrap_err();
    assert_no_secret(&recorder.spans());
}

#[tokio::test]
async fn an_error_from_middleware_before_it_exports_no_secret() {
    // The retry middleware inside this one: it returns its own error, wrapping reqwest's.
    let closed = closed_port().await;
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("client", recorder.clone());
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(1))
        .build_with_max_retries(1);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new(tracer))
        .with(RetryTransientMiddleware::new_with_policy(policy))
        .build();
    let error = client
        .get(format!("http://u:SECRET-PW@{closed}/?api_key=SECRET-KEY"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, reqwest_middleware::Error::Middleware(_)),
        "{error}"
    );
    assert_no_secret(&recorder.spans());
}

#[tokio::test]
async fn a_huge_extension_method_makes_a_bounded_span() {
    let addr = serve(Router::new().route("/", get(|| async { "ok" }))).await;
    let recorder = Arc::new(InMemoryRecorder::new());
    let method = reqwest::Method::from_bytes("X".repeat(100_000).as_bytes()).unwrap();
    let response = client(&recorder)
        .request(method, format!("http://{addr}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);

    let span = &recorder.spans()[0];
    assert_eq!(span.operation_name(), OTHER_METHOD);
    assert_eq!(
        span.tag(tags::HTTP_METHOD).and_then(|v| v.as_str()),
        Some(OTHER_METHOD)
    );
    let original = span
        .tag(HTTP_METHOD_ORIGINAL)
        .and_then(|v| v.as_str())
        .unwrap();
    assert!(original.starts_with("XXX") && original.len() <= MAX_TAG_VALUE_LEN);
    // Zipkin's, OTLP's and the debug form: each holds one bounded copy of the method.
    assert!(exported(std::slice::from_ref(span)).len() < 8 * MAX_TAG_VALUE_LEN);
}
